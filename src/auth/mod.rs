//! Request authentication: AWS Signature Version 4 in the `Authorization` header or in a
//! presigned URL's query (and Version 2, in `sigv2`), and the payload mode the body must then be
//! checked with. Follows
//! "Authenticating Requests (AWS Signature Version 4)" (sig-v4-authenticating-requests.html) and
//! "Authenticating Requests: Using the Authorization Header" (sigv4-auth-using-authorization-header.html).

pub mod chunked;
pub mod credentials;
pub mod delegated;
pub mod post;
pub mod presign;
pub mod sigv2;
pub mod sigv4;

use crate::authz::Principal;
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use credentials::{User, Users};
use sigv4::{Credential, CredentialError, ALGORITHM, ALGORITHM_V4A};

pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
pub const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
pub const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
pub const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
pub const STREAMING_ECDSA: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
pub const STREAMING_ECDSA_TRAILER: &str = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER";
/// How far a request's time may be from ours (S3 allows 15 minutes).
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// How the request body must be read and checked after authentication.
#[derive(Debug, Clone)]
pub enum PayloadMode {
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD`, or a presigned URL.
    Unsigned,
    /// The SHA-256 announced in `x-amz-content-sha256`, which the body must match.
    Sha256([u8; 32]),
    /// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: an aws-chunked body with chunk signatures.
    StreamingSigned {
        signer: chunked::ChunkSigner,
        trailer: bool,
    },
    /// STREAMING-UNSIGNED-PAYLOAD-TRAILER: an aws-chunked body without signatures.
    StreamingUnsignedTrailer,
}

impl PayloadMode {
    /// The aws-chunked decoder the body needs, for the streaming modes.
    pub fn chunked_decoder(&self) -> Option<chunked::ChunkedDecoder> {
        match self {
            PayloadMode::StreamingSigned { signer, trailer } => {
                Some(chunked::ChunkedDecoder::new(Some(signer.clone()), *trailer))
            }
            PayloadMode::StreamingUnsignedTrailer => Some(chunked::ChunkedDecoder::new(None, true)),
            PayloadMode::Unsigned | PayloadMode::Sha256(_) => None,
        }
    }
}

/// A request whose signature checked out.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The signer; None for an anonymous (unsigned) request.
    pub user: Option<User>,
    pub payload: PayloadMode,
    pub method: AuthMethod,
}

/// How a request was authenticated (the `s3:authType` and `s3:signatureversion` condition keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Anonymous,
    HeaderV4,
    QueryV4,
    HeaderV2,
    QueryV2,
    /// A browser upload's form, signed with Signature Version 4 or 2 (`auth::post`).
    PostV4,
    PostV2,
}

impl AuthMethod {
    /// `s3:authType`: REST-HEADER, REST-QUERY-STRING, or POST (browser uploads).
    pub fn auth_type(self) -> Option<&'static str> {
        match self {
            AuthMethod::Anonymous => None,
            AuthMethod::HeaderV4 | AuthMethod::HeaderV2 => Some("REST-HEADER"),
            AuthMethod::QueryV4 | AuthMethod::QueryV2 => Some("REST-QUERY-STRING"),
            AuthMethod::PostV4 | AuthMethod::PostV2 => Some("POST"),
        }
    }

    /// `s3:signatureversion`: AWS4-HMAC-SHA256 or AWS.
    pub fn signature_version(self) -> Option<&'static str> {
        match self {
            AuthMethod::Anonymous => None,
            AuthMethod::HeaderV4 | AuthMethod::QueryV4 | AuthMethod::PostV4 => {
                Some("AWS4-HMAC-SHA256")
            }
            AuthMethod::HeaderV2 | AuthMethod::QueryV2 | AuthMethod::PostV2 => Some("AWS"),
        }
    }
}

impl Authenticated {
    /// An unsigned request: no Authorization header and no signature in the query.
    pub fn anonymous() -> Authenticated {
        Authenticated {
            user: None,
            payload: PayloadMode::Unsigned,
            method: AuthMethod::Anonymous,
        }
    }

    pub fn principal(&self) -> Principal {
        match &self.user {
            Some(user) => Principal::User(user.account()),
            None => Principal::Anonymous,
        }
    }
}

/// now_unix: current time in seconds. Header auth (`Authorization: AWS4-HMAC-SHA256 ...`) or
/// presigned query (`X-Amz-Algorithm=AWS4-HMAC-SHA256...`); a request with neither is
/// anonymous (authorization decides whether it may go on). A bad signature is always an error.
pub fn authenticate(
    head: &RequestHead,
    users: &Users,
    now_unix: i64,
) -> Result<Authenticated, S3Error> {
    authenticate_routed(head, users, now_unix, None)
}

/// [`authenticate`] for a request whose bucket came from the Host header (virtual-hosted
/// style): Signature Version 2 signs the bucket as part of the resource.
pub fn authenticate_routed(
    head: &RequestHead,
    users: &Users,
    now_unix: i64,
    virtual_host_bucket: Option<&str>,
) -> Result<Authenticated, S3Error> {
    let pairs = head.query_pairs();
    if let Some(v2) = head
        .header("authorization")
        .and_then(|a| a.trim().strip_prefix("AWS "))
    {
        return sigv2::authenticate_header(head, v2, users, now_unix, virtual_host_bucket);
    }
    let presigned = presign::is_presigned(&pairs);
    match head.header("authorization") {
        Some(_) if presigned => Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        )
        .detail("ArgumentName", "Authorization")),
        Some(authorization) => header_auth(head, authorization, users, now_unix),
        None if presigned => presign::authenticate(head, &pairs, users, now_unix),
        None if pairs.iter().any(|(k, _)| k == "AWSAccessKeyId")
            && pairs.iter().any(|(k, _)| k == "Signature") =>
        {
            sigv2::authenticate_query(head, &pairs, users, now_unix, virtual_host_bucket)
        }
        None => Ok(Authenticated::anonymous()),
    }
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    pub credential: Credential,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl AuthorizationHeader {
    pub fn parse(value: &str) -> Result<AuthorizationHeader, S3Error> {
        let value = value.trim();
        let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
        match algorithm {
            ALGORITHM => {}
            ALGORITHM_V4A => {
                return Err(S3Error::not_implemented(
                    "AWS Signature Version 4A (AWS4-ECDSA-P256-SHA256)",
                ))
            }
            // `AWS key:signature` (Signature Version 2) is handled by `sigv2` before this.
            "AWS" => return Err(sigv2::malformed_header()),
            _ => {
                return Err(S3Error::with_message(
                    ErrorCode::InvalidArgument,
                    "Unsupported Authorization Type",
                )
                .detail("ArgumentName", "Authorization"))
            }
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let component_error = || {
                header_malformed(&format!(
                    "the authorization component \"{part}\" is malformed."
                ))
            };
            let (name, component) = part.split_once('=').ok_or_else(component_error)?;
            let slot = match name.trim() {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(component_error()),
            };
            if slot.replace(component.trim()).is_some() {
                return Err(component_error());
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            return Err(header_malformed(
                "the authorization header requires three components: \
                 Credential, SignedHeaders, and Signature.",
            ));
        };
        let credential = Credential::parse(credential).map_err(|e| match e {
            CredentialError::Malformed => header_malformed(
                "the Credential is mal-formed; expecting \
                 \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
            ),
            CredentialError::WrongService(s) => header_malformed(&format!(
                "incorrect service \"{s}\". This endpoint belongs to \"s3\"."
            )),
            CredentialError::WrongTerminal(t) => header_malformed(&format!(
                "incorrect terminal \"{t}\". This endpoint uses \"aws4_request\"."
            )),
        })?;
        let signed_headers = parse_signed_headers(signed_headers).ok_or_else(|| {
            header_malformed("the authorization component \"SignedHeaders\" is malformed.")
        })?;
        Ok(AuthorizationHeader {
            credential,
            signed_headers,
            signature: signature.to_string(),
        })
    }
}

fn header_auth(
    head: &RequestHead,
    authorization: &str,
    users: &Users,
    now_unix: i64,
) -> Result<Authenticated, S3Error> {
    let auth = AuthorizationHeader::parse(authorization)?;
    if head.header("x-amz-security-token").is_some() {
        return Err(security_token_unsupported());
    }
    let user = find_user(users, &auth.credential.access_key_id)?;

    // The string to sign carries x-amz-date, or else the Date header in the same basic format.
    let (amz_date, request_unix, request_time) = match head.header("x-amz-date") {
        Some(value) => {
            let value = value.trim();
            let unix = sigv4::parse_amz_date(value).ok_or_else(missing_date)?;
            (value.to_string(), unix, value)
        }
        None => {
            let value = head.header("date").ok_or_else(missing_date)?;
            let unix = sigv4::parse_http_date(value).ok_or_else(missing_date)?;
            (sigv4::format_amz_date(unix), unix, value)
        }
    };
    if amz_date[..8] != auth.credential.date {
        return Err(header_malformed(
            "Invalid credential date. Date is not the same as X-Amz-Date.",
        ));
    }
    if now_unix.abs_diff(request_unix) > MAX_SKEW_SECONDS.unsigned_abs() {
        return Err(too_skewed(request_time, now_unix));
    }

    let payload_hash = head.header("x-amz-content-sha256").ok_or_else(|| {
        S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Missing required header for this request: x-amz-content-sha256",
        )
    })?;
    let content = ContentHash::parse(payload_hash)?;
    check_headers_signed(head, &auth.signed_headers, false)?;

    let key = verify_signature(&SignedRequest {
        head,
        user,
        credential: &auth.credential,
        amz_date: &amz_date,
        signed_headers: &auth.signed_headers,
        canonical_query: sigv4::canonical_query(&head.query, false),
        payload_hash,
        provided_signature: &auth.signature,
    })?;
    Ok(Authenticated {
        user: Some(user.clone()),
        payload: content.into_payload_mode(key, &amz_date, &auth.credential, &auth.signature),
        method: AuthMethod::HeaderV4,
    })
}

/// What `x-amz-content-sha256` (or a presigned URL's payload hash) announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentHash {
    Unsigned,
    Sha256([u8; 32]),
    StreamingSigned { trailer: bool },
    StreamingUnsignedTrailer,
}

impl ContentHash {
    pub(crate) fn parse(value: &str) -> Result<ContentHash, S3Error> {
        match value {
            UNSIGNED_PAYLOAD => Ok(ContentHash::Unsigned),
            STREAMING_SIGNED => Ok(ContentHash::StreamingSigned { trailer: false }),
            STREAMING_SIGNED_TRAILER => Ok(ContentHash::StreamingSigned { trailer: true }),
            STREAMING_UNSIGNED_TRAILER => Ok(ContentHash::StreamingUnsignedTrailer),
            STREAMING_ECDSA | STREAMING_ECDSA_TRAILER => Err(S3Error::not_implemented(
                "Chunked upload signed with AWS Signature Version 4A",
            )),
            _ => {
                let mut digest = [0u8; 32];
                if value.len() == 64 && hex::decode_to_slice(value, &mut digest).is_ok() {
                    Ok(ContentHash::Sha256(digest))
                } else {
                    Err(S3Error::with_message(
                        ErrorCode::InvalidArgument,
                        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, \
                         STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, \
                         STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, \
                         STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, \
                         STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
                    )
                    .detail("ArgumentName", "x-amz-content-sha256")
                    .detail("ArgumentValue", value))
                }
            }
        }
    }

    /// The payload mode; a signed stream chains its chunks to the request's signature.
    pub(crate) fn into_payload_mode(
        self,
        signing_key: [u8; 32],
        amz_date: &str,
        credential: &Credential,
        seed_signature: &str,
    ) -> PayloadMode {
        match self {
            ContentHash::Unsigned => PayloadMode::Unsigned,
            ContentHash::Sha256(digest) => PayloadMode::Sha256(digest),
            ContentHash::StreamingSigned { trailer } => PayloadMode::StreamingSigned {
                signer: chunked::ChunkSigner::new(
                    signing_key,
                    amz_date.to_string(),
                    credential.scope(),
                    seed_signature.to_string(),
                ),
                trailer,
            },
            ContentHash::StreamingUnsignedTrailer => PayloadMode::StreamingUnsignedTrailer,
        }
    }
}

/// Everything the signature of one request is computed over.
pub(crate) struct SignedRequest<'a> {
    pub head: &'a RequestHead,
    pub user: &'a User,
    pub credential: &'a Credential,
    pub amz_date: &'a str,
    pub signed_headers: &'a [String],
    pub canonical_query: String,
    pub payload_hash: &'a str,
    pub provided_signature: &'a str,
}

/// Recomputes the signature and compares it in constant time; returns the signing key.
pub(crate) fn verify_signature(req: &SignedRequest<'_>) -> Result<[u8; 32], S3Error> {
    let canonical_request = sigv4::canonical_request(
        &req.head.method,
        &sigv4::canonical_uri(&req.head.path),
        &req.canonical_query,
        &sigv4::canonical_headers(&req.head.headers, req.signed_headers),
        &req.signed_headers.join(";"),
        req.payload_hash,
    );
    let string_to_sign =
        sigv4::string_to_sign(req.amz_date, &req.credential.scope(), &canonical_request);
    let key = sigv4::signing_key(
        &req.user.secret_access_key,
        &req.credential.date,
        &req.credential.region,
        &req.credential.service,
    );
    let expected = sigv4::signature(&key, &string_to_sign);
    if sigv4::constant_time_eq(expected.as_bytes(), req.provided_signature.as_bytes()) {
        Ok(key)
    } else {
        Err(S3Error::new(ErrorCode::SignatureDoesNotMatch)
            .detail("AWSAccessKeyId", req.user.access_key_id.clone())
            .detail("StringToSign", string_to_sign)
            .detail("SignatureProvided", req.provided_signature)
            .detail("CanonicalRequest", canonical_request))
    }
}

/// S3 refuses requests carrying `host` or `x-amz-*` headers the signature does not cover
/// (a presigned URL's body hash header excepted, since its payload is not signed).
pub(crate) fn check_headers_signed(
    head: &RequestHead,
    signed: &[String],
    presigned: bool,
) -> Result<(), S3Error> {
    let mut unsigned: Vec<&str> = Vec::new();
    for (name, _) in &head.headers {
        let must_sign = name == "host"
            || (name.starts_with("x-amz-") && !(presigned && name == "x-amz-content-sha256"));
        if must_sign && !signed.iter().any(|s| s == name) && !unsigned.contains(&name.as_str()) {
            unsigned.push(name);
        }
    }
    if unsigned.is_empty() {
        Ok(())
    } else {
        Err(S3Error::with_message(
            ErrorCode::AccessDenied,
            "There were headers present in the request which were not signed",
        )
        .detail("HeadersNotSigned", unsigned.join(", ")))
    }
}

/// `a;b;c` → lower-case names; None if empty or containing an empty name.
pub(crate) fn parse_signed_headers(value: &str) -> Option<Vec<String>> {
    let names: Vec<String> = value
        .split(';')
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    if names.iter().any(String::is_empty) {
        None
    } else {
        Some(names)
    }
}

pub(crate) fn find_user<'u>(users: &'u Users, access_key_id: &str) -> Result<&'u User, S3Error> {
    users.find(access_key_id).ok_or_else(|| {
        S3Error::new(ErrorCode::InvalidAccessKeyId).detail("AWSAccessKeyId", access_key_id)
    })
}

pub(crate) fn too_skewed(request_time: &str, now_unix: i64) -> S3Error {
    S3Error::new(ErrorCode::RequestTimeTooSkewed)
        .detail("RequestTime", request_time)
        .detail("ServerTime", sigv4::format_iso8601(now_unix))
        .detail(
            "MaxAllowedSkewMilliseconds",
            (MAX_SKEW_SECONDS * 1000).to_string(),
        )
}

pub(crate) fn security_token_unsupported() -> S3Error {
    S3Error::not_implemented("Temporary security credentials (X-Amz-Security-Token)")
}

fn header_malformed(why: &str) -> S3Error {
    S3Error::with_message(
        ErrorCode::AuthorizationHeaderMalformed,
        format!("The authorization header is malformed; {why}"),
    )
}

pub(crate) fn missing_date() -> S3Error {
    S3Error::with_message(
        ErrorCode::AccessDenied,
        "AWS authentication requires a valid Date or x-amz-date header",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    /// 2013-05-24T00:00:00Z, the time of every AWS documentation example.
    const T0: i64 = 1_369_353_600;
    const PUT_SIGNATURE: &str = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
    const PAYLOAD_HASH: &str = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";

    fn users() -> Users {
        Users::single(AKID, SECRET)
    }

    fn authorization(akid: &str, signed: &str, signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential={akid}/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders={signed}, Signature={signature}"
        )
    }

    /// The PUT Object example of sig-v4-header-based-auth.html.
    fn put_example(auth: &str) -> RequestHead {
        RequestHead::new(
            "PUT",
            "/test$file.text",
            "",
            vec![
                ("Host".into(), "examplebucket.s3.amazonaws.com".into()),
                ("Date".into(), "Fri, 24 May 2013 00:00:00 GMT".into()),
                ("Authorization".into(), auth.into()),
                ("x-amz-date".into(), "20130524T000000Z".into()),
                ("x-amz-storage-class".into(), "REDUCED_REDUNDANCY".into()),
                ("x-amz-content-sha256".into(), PAYLOAD_HASH.into()),
            ],
        )
    }

    const PUT_SIGNED: &str = "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class";

    fn put_ok() -> RequestHead {
        put_example(&authorization(AKID, PUT_SIGNED, PUT_SIGNATURE))
    }

    fn code(result: Result<Authenticated, S3Error>) -> ErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn put_example_authenticates() {
        let auth = authenticate(&put_ok(), &users(), T0 + 60).unwrap();
        assert_eq!(auth.user.unwrap().access_key_id, AKID);
        let PayloadMode::Sha256(digest) = auth.payload else {
            panic!("expected a SHA-256 payload, got {:?}", auth.payload);
        };
        assert_eq!(hex::encode(digest), PAYLOAD_HASH);
        assert!(auth.payload.chunked_decoder().is_none());
    }

    #[test]
    fn wrong_secret_is_signature_mismatch() {
        let err = authenticate(&put_ok(), &Users::single(AKID, "not-the-secret"), T0).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
        let text = format!("{err:?} {err}");
        assert!(!text.contains("not-the-secret"));
        assert!(!text.contains(SECRET));
        let sts = err
            .details
            .iter()
            .find(|(n, _)| *n == "StringToSign")
            .unwrap();
        assert!(sts.1.starts_with("AWS4-HMAC-SHA256\n20130524T000000Z\n"));
    }

    #[test]
    fn tampering_is_signature_mismatch() {
        let mut head = put_ok();
        head.path = "/test$file.txt".into();
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::SignatureDoesNotMatch
        );
        let mut head = put_ok();
        head.headers[4].1 = "STANDARD".into();
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::SignatureDoesNotMatch
        );
        let mut head = put_ok();
        head.query = "acl".into();
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::SignatureDoesNotMatch
        );
        let head = put_example(&authorization(
            AKID,
            PUT_SIGNED,
            &PUT_SIGNATURE.to_uppercase(),
        ));
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::SignatureDoesNotMatch
        );
    }

    #[test]
    fn clock_skew_is_refused() {
        assert!(authenticate(&put_ok(), &users(), T0 + 15 * 60).is_ok());
        assert!(authenticate(&put_ok(), &users(), T0 - 15 * 60).is_ok());
        let err = authenticate(&put_ok(), &users(), T0 + 15 * 60 + 1).unwrap_err();
        assert_eq!(err.code, ErrorCode::RequestTimeTooSkewed);
        assert_eq!(err.status(), 403);
        assert_eq!(
            code(authenticate(&put_ok(), &users(), T0 - 3600)),
            ErrorCode::RequestTimeTooSkewed
        );
    }

    #[test]
    fn unknown_key_and_anonymous() {
        let head = put_example(&authorization("AKIDUNKNOWN", PUT_SIGNED, PUT_SIGNATURE));
        let err = authenticate(&head, &users(), T0).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidAccessKeyId);
        let mut anonymous = put_ok();
        anonymous.headers.retain(|(k, _)| k != "authorization");
        // Unsigned: anonymous, for authorization to decide; never the signer of a bad signature.
        let unsigned = authenticate(&anonymous, &users(), T0).unwrap();
        assert!(unsigned.user.is_none());
        assert_eq!(unsigned.method, AuthMethod::Anonymous);
        assert_eq!(unsigned.principal(), Principal::Anonymous);
        // Signature Version 2 query authentication: long expired.
        anonymous.query = "AWSAccessKeyId=AKID&Expires=1&Signature=x".into();
        let err = authenticate(&anonymous, &users(), T0).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::AccessDenied, "Request has expired")
        );
    }

    #[test]
    fn malformed_authorization_headers() {
        let cases = [
            ("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, Signature=x", ErrorCode::AuthorizationHeaderMalformed),
            ("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3, SignedHeaders=host, Signature=x", ErrorCode::AuthorizationHeaderMalformed),
            ("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x", ErrorCode::AuthorizationHeaderMalformed),
            ("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x, Foo=y", ErrorCode::AuthorizationHeaderMalformed),
            ("AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=;host, Signature=x", ErrorCode::AuthorizationHeaderMalformed),
            ("AWS4-HMAC-SHA256 garbage", ErrorCode::AuthorizationHeaderMalformed),
            // Signature Version 2 needs an HTTP-date; this request's x-amz-date is ISO 8601.
            ("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", ErrorCode::AccessDenied),
            ("AWS4-ECDSA-P256-SHA256 Credential=AKID/20130524/s3/aws4_request, SignedHeaders=host, Signature=x", ErrorCode::NotImplemented),
            ("Bearer abc", ErrorCode::InvalidArgument),
        ];
        for (value, expected) in cases {
            let head = put_example(value);
            assert_eq!(code(authenticate(&head, &users(), T0)), expected, "{value}");
        }
    }

    #[test]
    fn content_sha256_values() {
        let with_hash = |value: &str| {
            let mut head = put_ok();
            head.headers[5].1 = value.into();
            authenticate(&head, &users(), T0)
        };
        assert_eq!(code(with_hash("not-a-hash")), ErrorCode::InvalidArgument);
        assert_eq!(code(with_hash(&"g".repeat(64))), ErrorCode::InvalidArgument);
        assert_eq!(code(with_hash(STREAMING_ECDSA)), ErrorCode::NotImplemented);
        assert_eq!(
            code(with_hash(STREAMING_ECDSA_TRAILER)),
            ErrorCode::NotImplemented
        );
        // Known modes parse; the signature (over the original hash) then fails.
        assert_eq!(
            code(with_hash(UNSIGNED_PAYLOAD)),
            ErrorCode::SignatureDoesNotMatch
        );
        let mut head = put_ok();
        head.headers.remove(5);
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn unsigned_amz_headers_and_dates() {
        let mut head = put_ok();
        head.headers
            .push(("x-amz-acl".into(), "public-read".into()));
        let err = authenticate(&head, &users(), T0).unwrap_err();
        assert_eq!(err.code, ErrorCode::AccessDenied);
        assert_eq!(
            err.details,
            vec![("HeadersNotSigned", "x-amz-acl".to_string())]
        );

        let mut head = put_ok();
        head.headers[3].1 = "2013-05-24".into();
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::AccessDenied
        );

        let head = put_example(
            &authorization(AKID, PUT_SIGNED, PUT_SIGNATURE).replace("20130524", "20130523"),
        );
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::AuthorizationHeaderMalformed
        );

        let mut head = put_ok();
        head.headers
            .push(("x-amz-security-token".into(), "token".into()));
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::NotImplemented
        );
    }

    #[test]
    fn date_header_is_used_without_x_amz_date() {
        // GET /test.txt signed over date;host;x-amz-content-sha256 only.
        let key = sigv4::signing_key(SECRET, "20130524", "us-east-1", "s3");
        let mut head = RequestHead::new(
            "GET",
            "/test.txt",
            "",
            vec![
                ("host".into(), "examplebucket.s3.amazonaws.com".into()),
                ("date".into(), "Fri, 24 May 2013 00:00:00 GMT".into()),
                ("x-amz-content-sha256".into(), UNSIGNED_PAYLOAD.into()),
            ],
        );
        let signed = [
            "date".to_string(),
            "host".into(),
            "x-amz-content-sha256".into(),
        ];
        let creq = sigv4::canonical_request(
            "GET",
            "/test.txt",
            "",
            &sigv4::canonical_headers(&head.headers, &signed),
            "date;host;x-amz-content-sha256",
            UNSIGNED_PAYLOAD,
        );
        let sts = sigv4::string_to_sign(
            "20130524T000000Z",
            "20130524/us-east-1/s3/aws4_request",
            &creq,
        );
        let sig = sigv4::signature(&key, &sts);
        head.headers.push((
            "authorization".into(),
            authorization(AKID, "date;host;x-amz-content-sha256", &sig),
        ));
        let auth = authenticate(&head, &users(), T0).unwrap();
        assert!(matches!(auth.payload, PayloadMode::Unsigned));
    }

    /// The request of the sigv4-streaming.html example: its Authorization signature is the
    /// documented seed signature, and the chunked body then verifies with the returned signer.
    #[test]
    fn streaming_example_seed_signature_and_body() {
        let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
        let head = RequestHead::new(
            "PUT",
            "/examplebucket/chunkObject.txt",
            "",
            vec![
                ("Host".into(), "s3.amazonaws.com".into()),
                ("x-amz-date".into(), "20130524T000000Z".into()),
                ("x-amz-storage-class".into(), "REDUCED_REDUNDANCY".into()),
                (
                    "Authorization".into(),
                    authorization(
                        AKID,
                        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
                         x-amz-decoded-content-length;x-amz-storage-class",
                        seed,
                    ),
                ),
                ("x-amz-content-sha256".into(), STREAMING_SIGNED.into()),
                ("Content-Encoding".into(), "aws-chunked".into()),
                ("x-amz-decoded-content-length".into(), "66560".into()),
                ("Content-Length".into(), "66824".into()),
            ],
        );
        let auth = authenticate(&head, &users(), T0).unwrap();
        let PayloadMode::StreamingSigned { signer, trailer } = &auth.payload else {
            panic!("expected a signed stream, got {:?}", auth.payload);
        };
        assert!(!trailer);
        assert_eq!(signer.previous_signature(), seed);
        assert!(!format!("{auth:?}").contains(SECRET));

        let mut decoder = auth.payload.chunked_decoder().unwrap();
        let mut body = Vec::new();
        for (data, sig) in [
            (
                vec![b'a'; 65536],
                "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
            ),
            (
                vec![b'a'; 1024],
                "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
            ),
            (
                vec![],
                "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
            ),
        ] {
            body.extend_from_slice(
                format!("{:x};chunk-signature={sig}\r\n", data.len()).as_bytes(),
            );
            body.extend_from_slice(&data);
            body.extend_from_slice(b"\r\n");
        }
        let mut out = Vec::new();
        decoder.push(&body, &mut out).unwrap();
        assert_eq!(out.len(), 66560);
        assert!(decoder.finish().unwrap().is_empty());
    }

    /// The request of the sigv4-streaming-trailers.html example (Content-Length is not signed
    /// there): its signature is the documented seed, and the body with its signed crc32c
    /// trailer then verifies.
    #[test]
    fn streaming_trailer_example_seed_signature_and_body() {
        let seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
        let head = RequestHead::new(
            "PUT",
            "/examplebucket/chunkObject.txt",
            "",
            vec![
                ("Host".into(), "s3.amazonaws.com".into()),
                ("x-amz-date".into(), "20130524T000000Z".into()),
                ("x-amz-storage-class".into(), "REDUCED_REDUNDANCY".into()),
                (
                    "Authorization".into(),
                    authorization(
                        AKID,
                        "content-encoding;host;x-amz-content-sha256;x-amz-date;\
                         x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
                        seed,
                    ),
                ),
                (
                    "x-amz-content-sha256".into(),
                    STREAMING_SIGNED_TRAILER.into(),
                ),
                ("Content-Encoding".into(), "aws-chunked".into()),
                ("x-amz-decoded-content-length".into(), "66560".into()),
                ("x-amz-trailer".into(), "x-amz-checksum-crc32c".into()),
            ],
        );
        let auth = authenticate(&head, &users(), T0).unwrap();
        assert!(matches!(
            auth.payload,
            PayloadMode::StreamingSigned { trailer: true, .. }
        ));
        let mut decoder = auth.payload.chunked_decoder().unwrap();
        let mut body = Vec::new();
        for (data, sig) in [
            (
                vec![b'a'; 65536],
                "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
            ),
            (
                vec![b'a'; 1024],
                "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
            ),
        ] {
            body.extend_from_slice(
                format!("{:x};chunk-signature={sig}\r\n", data.len()).as_bytes(),
            );
            body.extend_from_slice(&data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(
            b"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n\
              x-amz-checksum-crc32c:sOO8/Q==\r\n\
              x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
        );
        let mut out = Vec::new();
        decoder.push(&body, &mut out).unwrap();
        assert_eq!(out.len(), 66560);
        assert_eq!(
            decoder.finish().unwrap(),
            vec![("x-amz-checksum-crc32c".to_string(), "sOO8/Q==".to_string())]
        );
    }

    fn presigned(query: &str) -> RequestHead {
        RequestHead::new(
            "GET",
            "/test.txt",
            query,
            vec![("Host".into(), "examplebucket.s3.amazonaws.com".into())],
        )
    }

    const PRESIGNED_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
        &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    #[test]
    fn presigned_example_authenticates_until_it_expires() {
        let auth = authenticate(&presigned(PRESIGNED_QUERY), &users(), T0 + 3600).unwrap();
        assert!(matches!(auth.payload, PayloadMode::Unsigned));
        assert!(authenticate(&presigned(PRESIGNED_QUERY), &users(), T0 + 86400).is_ok());
        let err = authenticate(&presigned(PRESIGNED_QUERY), &users(), T0 + 86401).unwrap_err();
        assert_eq!(err.code, ErrorCode::AccessDenied);
        assert_eq!(err.message, "Request has expired");
        let err = authenticate(&presigned(PRESIGNED_QUERY), &users(), T0 - 3600).unwrap_err();
        assert_eq!(err.code, ErrorCode::RequestTimeTooSkewed);
    }

    #[test]
    fn presigned_failures() {
        let wrong_secret = Users::single(AKID, "other");
        assert_eq!(
            code(authenticate(&presigned(PRESIGNED_QUERY), &wrong_secret, T0)),
            ErrorCode::SignatureDoesNotMatch
        );
        let unknown = PRESIGNED_QUERY.replace("AKIAIOSFODNN7EXAMPLE", "AKIDUNKNOWN");
        assert_eq!(
            code(authenticate(&presigned(&unknown), &users(), T0)),
            ErrorCode::InvalidAccessKeyId
        );
        let week = PRESIGNED_QUERY.replace("X-Amz-Expires=86400", "X-Amz-Expires=604801");
        let err = authenticate(&presigned(&week), &users(), T0).unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthorizationQueryParametersError);
        assert_eq!(
            err.message,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        );
        let mut head = presigned(PRESIGNED_QUERY);
        head.headers
            .push(("authorization".into(), authorization(AKID, "host", "x")));
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::InvalidArgument
        );
        let mut head = presigned(PRESIGNED_QUERY);
        head.query.push_str("&extra=1");
        assert_eq!(
            code(authenticate(&head, &users(), T0)),
            ErrorCode::SignatureDoesNotMatch
        );
    }
}
