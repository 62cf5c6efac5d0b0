//! S3 error codes with their HTTP status, the one place their XML body is written, and the
//! error log.
//! Follows "Error responses" in the Amazon S3 API Reference (ErrorResponses.html).

use std::fmt;

/// Every S3 error code this service answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    BadDigest,
    BadRequest,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    EntityTooLarge,
    EntityTooSmall,
    ExpiredToken,
    IncompleteBody,
    InternalError,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectName,
    InvalidPart,
    InvalidPartOrder,
    InvalidRange,
    InvalidRequest,
    InvalidStorageClass,
    InvalidTag,
    KeyTooLongError,
    MalformedXML,
    MetadataTooLarge,
    MethodNotAllowed,
    MissingContentLength,
    MissingSecurityHeader,
    NoSuchBucket,
    NoSuchKey,
    NoSuchTagSet,
    NoSuchUpload,
    NotImplemented,
    NotModified,
    PositionNotEqualToLength,
    ObjectNotAppendable,
    InvalidPartNumber,
    PreconditionFailed,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
    ConditionalRequestConflict,
    OperationAborted,
    MalformedACLError,
    MalformedPolicy,
    UnresolvableGrantByEmailAddress,
    AccessControlListNotSupported,
    NoSuchBucketPolicy,
    NoSuchPublicAccessBlockConfiguration,
    NoSuchCORSConfiguration,
    OwnershipControlsNotFoundError,
    InvalidBucketAclWithObjectOwnership,
    UnexpectedContent,
    AccessForbidden,
    NoSuchWebsiteConfiguration,
    MalformedPOSTRequest,
    InvalidPolicyDocument,
    IncorrectNumberOfFilesInPostRequest,
    MaxPostPreDataLengthExceededError,
    NoSuchVersion,
    InvalidBucketState,
    ObjectLockConfigurationNotFoundError,
    NoSuchObjectLockConfiguration,
}

impl ErrorCode {
    /// The HTTP status S3 answers this code with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            NotModified => 304,
            AuthorizationHeaderMalformed
            | AuthorizationQueryParametersError
            | BadDigest
            | BadRequest
            | EntityTooLarge
            | EntityTooSmall
            | ExpiredToken
            | IncompleteBody
            | InvalidArgument
            | InvalidBucketName
            | InvalidDigest
            | InvalidObjectName
            | InvalidPart
            | InvalidPartOrder
            | InvalidRequest
            | InvalidStorageClass
            | InvalidTag
            | KeyTooLongError
            | MalformedXML
            | MetadataTooLarge
            | MissingSecurityHeader
            | XAmzContentSHA256Mismatch
            | MalformedACLError
            | MalformedPolicy
            | UnresolvableGrantByEmailAddress
            | AccessControlListNotSupported
            | InvalidBucketAclWithObjectOwnership
            | UnexpectedContent
            | MalformedPOSTRequest
            | InvalidPolicyDocument
            | IncorrectNumberOfFilesInPostRequest
            | MaxPostPreDataLengthExceededError => 400,
            AccessDenied
            | AccessForbidden
            | InvalidAccessKeyId
            | SignatureDoesNotMatch
            | RequestTimeTooSkewed => 403,
            NoSuchBucket
            | NoSuchKey
            | NoSuchTagSet
            | NoSuchUpload
            | NoSuchBucketPolicy
            | NoSuchWebsiteConfiguration
            | NoSuchPublicAccessBlockConfiguration
            | NoSuchCORSConfiguration
            | OwnershipControlsNotFoundError
            | NoSuchVersion
            | ObjectLockConfigurationNotFoundError
            | NoSuchObjectLockConfiguration => 404,
            MethodNotAllowed => 405,
            MissingContentLength => 411,
            BucketAlreadyExists
            | InvalidBucketState
            | BucketAlreadyOwnedByYou
            | BucketNotEmpty
            | PositionNotEqualToLength
            | ObjectNotAppendable
            | ConditionalRequestConflict
            | OperationAborted => 409,
            PreconditionFailed => 412,
            InvalidRange | InvalidPartNumber => 416,
            InternalError => 500,
            NotImplemented => 501,
        }
    }

    /// The code as S3 spells it in XML.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AccessDenied => "AccessDenied",
            AuthorizationHeaderMalformed => "AuthorizationHeaderMalformed",
            AuthorizationQueryParametersError => "AuthorizationQueryParametersError",
            BadDigest => "BadDigest",
            BadRequest => "BadRequest",
            BucketAlreadyExists => "BucketAlreadyExists",
            BucketAlreadyOwnedByYou => "BucketAlreadyOwnedByYou",
            BucketNotEmpty => "BucketNotEmpty",
            EntityTooLarge => "EntityTooLarge",
            EntityTooSmall => "EntityTooSmall",
            ExpiredToken => "ExpiredToken",
            IncompleteBody => "IncompleteBody",
            InternalError => "InternalError",
            InvalidAccessKeyId => "InvalidAccessKeyId",
            InvalidArgument => "InvalidArgument",
            InvalidBucketName => "InvalidBucketName",
            InvalidDigest => "InvalidDigest",
            InvalidObjectName => "InvalidObjectName",
            InvalidPart => "InvalidPart",
            InvalidPartOrder => "InvalidPartOrder",
            InvalidRange => "InvalidRange",
            InvalidRequest => "InvalidRequest",
            InvalidStorageClass => "InvalidStorageClass",
            InvalidTag => "InvalidTag",
            KeyTooLongError => "KeyTooLongError",
            MalformedXML => "MalformedXML",
            MetadataTooLarge => "MetadataTooLarge",
            MethodNotAllowed => "MethodNotAllowed",
            MissingContentLength => "MissingContentLength",
            MissingSecurityHeader => "MissingSecurityHeader",
            NoSuchBucket => "NoSuchBucket",
            NoSuchKey => "NoSuchKey",
            NoSuchTagSet => "NoSuchTagSet",
            NoSuchUpload => "NoSuchUpload",
            NotImplemented => "NotImplemented",
            NotModified => "NotModified",
            PositionNotEqualToLength => "PositionNotEqualToLength",
            ObjectNotAppendable => "ObjectNotAppendable",
            InvalidPartNumber => "InvalidPartNumber",
            PreconditionFailed => "PreconditionFailed",
            RequestTimeTooSkewed => "RequestTimeTooSkewed",
            SignatureDoesNotMatch => "SignatureDoesNotMatch",
            XAmzContentSHA256Mismatch => "XAmzContentSHA256Mismatch",
            ConditionalRequestConflict => "ConditionalRequestConflict",
            OperationAborted => "OperationAborted",
            MalformedACLError => "MalformedACLError",
            MalformedPolicy => "MalformedPolicy",
            UnresolvableGrantByEmailAddress => "UnresolvableGrantByEmailAddress",
            AccessControlListNotSupported => "AccessControlListNotSupported",
            NoSuchBucketPolicy => "NoSuchBucketPolicy",
            NoSuchPublicAccessBlockConfiguration => "NoSuchPublicAccessBlockConfiguration",
            NoSuchCORSConfiguration => "NoSuchCORSConfiguration",
            OwnershipControlsNotFoundError => "OwnershipControlsNotFoundError",
            InvalidBucketAclWithObjectOwnership => "InvalidBucketAclWithObjectOwnership",
            UnexpectedContent => "UnexpectedContent",
            AccessForbidden => "AccessForbidden",
            NoSuchWebsiteConfiguration => "NoSuchWebsiteConfiguration",
            MalformedPOSTRequest => "MalformedPOSTRequest",
            InvalidPolicyDocument => "InvalidPolicyDocument",
            IncorrectNumberOfFilesInPostRequest => "IncorrectNumberOfFilesInPostRequest",
            MaxPostPreDataLengthExceededError => "MaxPostPreDataLengthExceededError",
            NoSuchVersion => "NoSuchVersion",
            InvalidBucketState => "InvalidBucketState",
            ObjectLockConfigurationNotFoundError => "ObjectLockConfigurationNotFoundError",
            NoSuchObjectLockConfiguration => "NoSuchObjectLockConfiguration",
        }
    }

    /// S3's default message for the code.
    pub fn default_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            AccessDenied => "Access Denied",
            AuthorizationHeaderMalformed => "The authorization header is malformed.",
            AuthorizationQueryParametersError => "Error parsing the X-Amz-Credential parameter.",
            BadDigest => "The Content-MD5 you specified did not match what we received.",
            BadRequest => "Bad Request",
            BucketAlreadyExists => "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            BucketAlreadyOwnedByYou => "Your previous request to create the named bucket succeeded and you already own it.",
            BucketNotEmpty => "The bucket you tried to delete is not empty",
            EntityTooLarge => "Your proposed upload exceeds the maximum allowed size",
            EntityTooSmall => "Your proposed upload is smaller than the minimum allowed object size.",
            ExpiredToken => "The provided token has expired.",
            IncompleteBody => "You did not provide the number of bytes specified by the Content-Length HTTP header.",
            InternalError => "We encountered an internal error. Please try again.",
            InvalidAccessKeyId => "The AWS Access Key Id you provided does not exist in our records.",
            InvalidArgument => "Invalid Argument",
            InvalidBucketName => "The specified bucket is not valid.",
            InvalidDigest => "The Content-MD5 you specified is not valid.",
            InvalidObjectName => "Object key is not valid.",
            InvalidPart => "One or more of the specified parts could not be found.",
            InvalidPartOrder => "The list of parts was not in ascending order.",
            InvalidRange => "The requested range is not satisfiable",
            InvalidRequest => "Invalid Request",
            InvalidStorageClass => "The storage class you specified is not valid",
            InvalidTag => "The tag provided was not a valid tag.",
            KeyTooLongError => "Your key is too long",
            MalformedXML => "The XML you provided was not well-formed or did not validate against our published schema",
            MetadataTooLarge => "Your metadata headers exceed the maximum allowed metadata size",
            MethodNotAllowed => "The specified method is not allowed against this resource.",
            MissingContentLength => "You must provide the Content-Length HTTP header.",
            MissingSecurityHeader => "Your request is missing a required header.",
            NoSuchBucket => "The specified bucket does not exist",
            NoSuchKey => "The specified key does not exist.",
            NoSuchTagSet => "The TagSet does not exist",
            NoSuchUpload => "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            NotImplemented => "A header or query you provided implies functionality that is not implemented.",
            NotModified => "Not Modified",
            PositionNotEqualToLength => "The append position does not equal the length of the object.",
            ObjectNotAppendable => "The object is not appendable.",
            InvalidPartNumber => "The requested partnumber is not satisfiable",
            PreconditionFailed => "At least one of the pre-conditions you specified did not hold",
            RequestTimeTooSkewed => "The difference between the request time and the current time is too large.",
            SignatureDoesNotMatch => "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            XAmzContentSHA256Mismatch => "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ConditionalRequestConflict => "A conflicting operation occurred. Please retry.",
            OperationAborted => "A conflicting conditional operation is currently in progress against this resource. Try again.",
            MalformedACLError => "The XML you provided was not well-formed or did not validate against our published schema",
            MalformedPolicy => "Policies must be valid JSON and the first byte must be '{'",
            UnresolvableGrantByEmailAddress => "The e-mail address you provided does not match any account on record.",
            AccessControlListNotSupported => "The bucket does not allow ACLs",
            NoSuchBucketPolicy => "The bucket policy does not exist",
            NoSuchPublicAccessBlockConfiguration => "The public access block configuration was not found",
            NoSuchCORSConfiguration => "The CORS configuration does not exist",
            OwnershipControlsNotFoundError => "The bucket ownership controls were not found",
            InvalidBucketAclWithObjectOwnership => "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
            UnexpectedContent => "This request does not support content",
            NoSuchWebsiteConfiguration => "The specified bucket does not have a website configuration",
            MalformedPOSTRequest => "The body of your POST request is not well-formed multipart/form-data.",
            InvalidPolicyDocument => "The content of the form does not meet the conditions specified in the policy document.",
            IncorrectNumberOfFilesInPostRequest => "POST requires exactly one file upload per request.",
            MaxPostPreDataLengthExceededError => "Your POST request fields preceding the upload file were too large.",
            NoSuchVersion => "The specified version does not exist.",
            InvalidBucketState => "The request is not valid with the current state of the bucket.",
            ObjectLockConfigurationNotFoundError => {
                "Object Lock configuration does not exist for this bucket"
            }
            NoSuchObjectLockConfiguration => {
                "The specified object does not have a ObjectLock configuration"
            }
            AccessForbidden => "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        }
    }
}

/// An S3 error answer: code, message, and optional extra XML elements (such as `Key` or `ArgumentName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    pub code: ErrorCode,
    pub message: String,
    /// Extra `<Name>value</Name>` elements placed after `Message` (e.g. `BucketName`, `Key`).
    pub details: Vec<(&'static str, String)>,
    /// Extra response headers (e.g. `Content-Range` on InvalidRange).
    pub headers: Vec<(String, String)>,
}

impl S3Error {
    pub fn new(code: ErrorCode) -> Self {
        S3Error {
            code,
            message: code.default_message().to_string(),
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        S3Error {
            message: message.into(),
            ..S3Error::new(code)
        }
    }

    pub fn detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn internal(message: impl Into<String>) -> Self {
        S3Error::with_message(ErrorCode::InternalError, message)
    }

    /// Logs the cause of an InternalError answered to request `request_id` (the other codes
    /// are the client's to read).
    pub fn log_if_internal(&self, request_id: &str) {
        // A preflight's stop comes back as an internal error, but is none.
        if self.code == ErrorCode::InternalError && !self.message.ends_with(crate::preflight::STOP)
        {
            log_error(&format!(
                "s3edge {request_id} InternalError: {}",
                self.message
            ));
        }
    }

    pub fn not_implemented(what: &str) -> Self {
        S3Error::with_message(
            ErrorCode::NotImplemented,
            format!("{what} is not implemented yet by s3edge."),
        )
    }

    /// The error XML body S3 sends, with the resource the request named and its request id.
    pub fn to_xml(&self, resource: &str, request_id: &str) -> String {
        let mut xml = String::with_capacity(256);
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
        xml.push_str(self.code.as_str());
        xml.push_str("</Code><Message>");
        xml.push_str(&escape(&self.message));
        xml.push_str("</Message>");
        for (name, value) in &self.details {
            xml.push_str(&format!("<{name}>{}</{name}>", escape(value)));
        }
        xml.push_str("<Resource>");
        xml.push_str(&escape(resource));
        xml.push_str("</Resource><RequestId>");
        xml.push_str(&escape(request_id));
        xml.push_str("</RequestId></Error>");
        xml
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for S3Error {}

impl From<ErrorCode> for S3Error {
    fn from(code: ErrorCode) -> Self {
        S3Error::new(code)
    }
}

/// Escapes text for an XML element body.
/// Writes a line to the runtime's error log (the Worker's console on workerd, stderr natively):
/// the cause of an InternalError answered, what the cleanup pass left alone. Lines name storage
/// names, never credentials.
pub fn log_error(line: &str) {
    #[cfg(target_arch = "wasm32")]
    worker::console_error!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
}

pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_s3() {
        assert_eq!(ErrorCode::NoSuchKey.status(), 404);
        assert_eq!(ErrorCode::SignatureDoesNotMatch.status(), 403);
        assert_eq!(ErrorCode::InvalidRange.status(), 416);
        assert_eq!(ErrorCode::NotImplemented.status(), 501);
        assert_eq!(ErrorCode::BucketNotEmpty.status(), 409);
        assert_eq!(ErrorCode::PreconditionFailed.status(), 412);
    }

    #[test]
    fn xml_body_has_code_message_resource_and_request_id() {
        let err = S3Error::new(ErrorCode::NoSuchKey).detail("Key", "a<b");
        let xml = err.to_xml("/bucket/a<b", "REQ1");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>The specified key does not exist.</Message><Key>a&lt;b</Key>\
             <Resource>/bucket/a&lt;b</Resource><RequestId>REQ1</RequestId></Error>"
        );
    }
}
