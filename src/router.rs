//! Turns a request into the S3 operation it names, its bucket and its key: path-style
//! (`/bucket/key`), virtual-hosted style (`bucket.<base domain>`) and an optional base path.
//! Follows "Virtual hosting of buckets" and each operation's "Request Syntax" in the S3 API Reference.

use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use percent_encoding::percent_decode_str;

/// Every S3 operation the router recognises. Handlers read their own parameters from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    // Service
    ListBuckets,
    // Buckets
    CreateBucket,
    DeleteBucket,
    HeadBucket,
    GetBucketLocation,
    ListObjects,
    ListObjectsV2,
    ListObjectVersions,
    ListMultipartUploads,
    DeleteObjects,
    PostObject,
    GetBucketAcl,
    PutBucketAcl,
    GetBucketPolicy,
    PutBucketPolicy,
    DeleteBucketPolicy,
    GetBucketPolicyStatus,
    GetBucketCors,
    PutBucketCors,
    DeleteBucketCors,
    GetBucketLifecycle,
    PutBucketLifecycle,
    DeleteBucketLifecycle,
    GetBucketWebsite,
    PutBucketWebsite,
    DeleteBucketWebsite,
    GetBucketTagging,
    PutBucketTagging,
    DeleteBucketTagging,
    GetBucketEncryption,
    PutBucketEncryption,
    DeleteBucketEncryption,
    GetObjectLockConfiguration,
    PutObjectLockConfiguration,
    GetBucketLogging,
    PutBucketLogging,
    GetBucketVersioning,
    PutBucketVersioning,
    GetBucketNotification,
    PutBucketNotification,
    GetBucketReplication,
    PutBucketReplication,
    DeleteBucketReplication,
    GetBucketRequestPayment,
    PutBucketRequestPayment,
    GetBucketAccelerate,
    PutBucketAccelerate,
    GetBucketOwnershipControls,
    PutBucketOwnershipControls,
    DeleteBucketOwnershipControls,
    GetPublicAccessBlock,
    PutPublicAccessBlock,
    DeletePublicAccessBlock,
    BucketAnalyticsInventoryMetrics,
    // Objects
    GetObject,
    HeadObject,
    PutObject,
    AppendObject,
    CopyObject,
    DeleteObject,
    GetObjectAcl,
    PutObjectAcl,
    GetObjectTagging,
    PutObjectTagging,
    DeleteObjectTagging,
    GetObjectLegalHold,
    PutObjectLegalHold,
    GetObjectRetention,
    PutObjectRetention,
    GetObjectAttributes,
    RestoreObject,
    SelectObjectContent,
    GetObjectTorrent,
    ProcessObject,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answered from the bucket's
    /// CORS configuration, before and without authentication.
    CorsPreflight,
    // Multipart
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
}

/// What an operation acts on, for authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The caller's account (ListBuckets, CreateBucket): any signed request.
    Service,
    /// `arn:aws:s3:::bucket`
    Bucket,
    /// `arn:aws:s3:::bucket/key`
    Object,
}

impl Operation {
    /// The operation name as the S3 API Reference writes it (used in NotImplemented messages).
    pub fn name(self) -> String {
        format!("{self:?}")
    }

    pub fn scope(self) -> Scope {
        use Operation::*;
        match self {
            ListBuckets | CreateBucket => Scope::Service,
            CorsPreflight => Scope::Bucket,
            GetObject
            | HeadObject
            | PutObject
            | AppendObject
            | CopyObject
            | DeleteObject
            | GetObjectAcl
            | PutObjectAcl
            | GetObjectTagging
            | PutObjectTagging
            | DeleteObjectTagging
            | GetObjectLegalHold
            | PutObjectLegalHold
            | GetObjectRetention
            | PutObjectRetention
            | GetObjectAttributes
            | RestoreObject
            | SelectObjectContent
            | GetObjectTorrent
            | ProcessObject
            | CreateMultipartUpload
            | UploadPart
            | UploadPartCopy
            | CompleteMultipartUpload
            | AbortMultipartUpload
            | ListParts => Scope::Object,
            _ => Scope::Bucket,
        }
    }

    /// The S3 action a policy names this operation by ("Actions, resources, and condition keys
    /// for Amazon S3"). CopyObject and UploadPartCopy also need `s3:GetObject` on the source;
    /// DeleteObjects needs `s3:DeleteObject` on each key.
    pub fn action(self) -> &'static str {
        use Operation::*;
        match self {
            ListBuckets => "s3:ListAllMyBuckets",
            CreateBucket => "s3:CreateBucket",
            DeleteBucket => "s3:DeleteBucket",
            HeadBucket | ListObjects | ListObjectsV2 => "s3:ListBucket",
            GetBucketLocation => "s3:GetBucketLocation",
            ListObjectVersions => "s3:ListBucketVersions",
            ListMultipartUploads => "s3:ListBucketMultipartUploads",
            DeleteObjects | DeleteObject => "s3:DeleteObject",
            PostObject
            | PutObject
            | AppendObject
            | CopyObject
            | CreateMultipartUpload
            | UploadPart
            | UploadPartCopy
            | CompleteMultipartUpload => "s3:PutObject",
            GetBucketAcl => "s3:GetBucketAcl",
            PutBucketAcl => "s3:PutBucketAcl",
            GetBucketPolicy => "s3:GetBucketPolicy",
            PutBucketPolicy => "s3:PutBucketPolicy",
            DeleteBucketPolicy => "s3:DeleteBucketPolicy",
            GetBucketPolicyStatus => "s3:GetBucketPolicyStatus",
            GetBucketCors => "s3:GetBucketCORS",
            PutBucketCors | DeleteBucketCors => "s3:PutBucketCORS",
            GetBucketLifecycle => "s3:GetLifecycleConfiguration",
            PutBucketLifecycle | DeleteBucketLifecycle => "s3:PutLifecycleConfiguration",
            GetBucketWebsite => "s3:GetBucketWebsite",
            PutBucketWebsite => "s3:PutBucketWebsite",
            DeleteBucketWebsite => "s3:DeleteBucketWebsite",
            GetBucketTagging => "s3:GetBucketTagging",
            PutBucketTagging | DeleteBucketTagging => "s3:PutBucketTagging",
            GetBucketEncryption => "s3:GetEncryptionConfiguration",
            PutBucketEncryption | DeleteBucketEncryption => "s3:PutEncryptionConfiguration",
            GetObjectLockConfiguration => "s3:GetBucketObjectLockConfiguration",
            PutObjectLockConfiguration => "s3:PutBucketObjectLockConfiguration",
            GetBucketLogging => "s3:GetBucketLogging",
            PutBucketLogging => "s3:PutBucketLogging",
            GetBucketVersioning => "s3:GetBucketVersioning",
            PutBucketVersioning => "s3:PutBucketVersioning",
            GetBucketNotification => "s3:GetBucketNotification",
            PutBucketNotification => "s3:PutBucketNotification",
            GetBucketReplication => "s3:GetReplicationConfiguration",
            PutBucketReplication | DeleteBucketReplication => "s3:PutReplicationConfiguration",
            GetBucketRequestPayment => "s3:GetBucketRequestPayment",
            PutBucketRequestPayment => "s3:PutBucketRequestPayment",
            GetBucketAccelerate => "s3:GetAccelerateConfiguration",
            PutBucketAccelerate => "s3:PutAccelerateConfiguration",
            GetBucketOwnershipControls => "s3:GetBucketOwnershipControls",
            PutBucketOwnershipControls | DeleteBucketOwnershipControls => {
                "s3:PutBucketOwnershipControls"
            }
            GetPublicAccessBlock => "s3:GetBucketPublicAccessBlock",
            PutPublicAccessBlock | DeletePublicAccessBlock => "s3:PutBucketPublicAccessBlock",
            BucketAnalyticsInventoryMetrics => "s3:GetAnalyticsConfiguration",
            GetObject | HeadObject | SelectObjectContent | ProcessObject => "s3:GetObject",
            GetObjectAcl => "s3:GetObjectAcl",
            PutObjectAcl => "s3:PutObjectAcl",
            GetObjectTagging => "s3:GetObjectTagging",
            PutObjectTagging => "s3:PutObjectTagging",
            DeleteObjectTagging => "s3:DeleteObjectTagging",
            GetObjectLegalHold => "s3:GetObjectLegalHold",
            PutObjectLegalHold => "s3:PutObjectLegalHold",
            GetObjectRetention => "s3:GetObjectRetention",
            PutObjectRetention => "s3:PutObjectRetention",
            GetObjectAttributes => "s3:GetObjectAttributes",
            RestoreObject => "s3:RestoreObject",
            GetObjectTorrent => "s3:GetObjectTorrent",
            AbortMultipartUpload => "s3:AbortMultipartUpload",
            // Not an S3 action: a preflight is answered by the CORS configuration alone.
            CorsPreflight => "s3:CorsPreflight",
            ListParts => "s3:ListMultipartUploadParts",
        }
    }

    /// The action a policy names this operation by when the request names a version
    /// (`versionId`): S3 authorizes reads, deletes, ACL and tag calls on a version under their
    /// `…Version…` actions; the others keep their own.
    pub fn version_action(self) -> &'static str {
        use Operation::*;
        match self {
            GetObject | HeadObject => "s3:GetObjectVersion",
            DeleteObject | DeleteObjects => "s3:DeleteObjectVersion",
            GetObjectAcl => "s3:GetObjectVersionAcl",
            PutObjectAcl => "s3:PutObjectVersionAcl",
            GetObjectTagging => "s3:GetObjectVersionTagging",
            PutObjectTagging => "s3:PutObjectVersionTagging",
            DeleteObjectTagging => "s3:DeleteObjectVersionTagging",
            GetObjectAttributes => "s3:GetObjectVersionAttributes",
            other => other.action(),
        }
    }

    /// Writes over an object, and its deletion: its record is read with the bucket's (not for
    /// authorization: for the commit, which expects the key to still hold it, and for the
    /// blobs a delete retires).
    pub fn overwrites_object(self) -> bool {
        use Operation::*;
        matches!(
            self,
            PutObject | AppendObject | CopyObject | CompleteMultipartUpload | DeleteObject
        )
    }

    /// Object operations whose authorization needs the object's record (its owner, ACL and
    /// tags): read in the same storage call as the bucket's.
    pub fn reads_object_record(self) -> bool {
        use Operation::*;
        matches!(
            self,
            GetObject
                | HeadObject
                | GetObjectAcl
                | PutObjectAcl
                | GetObjectTagging
                | PutObjectTagging
                | DeleteObjectTagging
                | GetObjectAttributes
                | GetObjectRetention
                | PutObjectRetention
                | GetObjectLegalHold
                | PutObjectLegalHold
        )
    }
}

/// Where the request's bucket and key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub operation: Operation,
    pub bucket: Option<String>,
    pub key: Option<String>,
    /// The resource as S3 echoes it in error XML (`/bucket/key`).
    pub resource: String,
    /// True when the bucket came from the Host header.
    pub virtual_host: bool,
}

/// Addressing settings.
#[derive(Debug, Clone, Default)]
pub struct RouterConfig {
    /// Virtual-hosted style is recognised for hosts `<bucket>.<base_domain>`.
    pub base_domain: Option<String>,
    /// A path prefix the S3 API is served under (e.g. `/api/v1/s3`), without trailing slash.
    pub base_path: String,
}

pub fn route(head: &RequestHead, config: &RouterConfig) -> Result<Route, S3Error> {
    let mut path = head.path.as_str();
    if !config.base_path.is_empty() {
        match path.strip_prefix(config.base_path.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => path = rest,
            _ => return Err(S3Error::new(ErrorCode::InvalidRequest)),
        }
    }
    let path = path.strip_prefix('/').unwrap_or(path);
    let from_host = virtual_host_bucket(head, config);
    let virtual_host = from_host.is_some();
    let (bucket, key) = match from_host {
        Some(bucket) => (Some(bucket), decode_key(path)),
        None => {
            let (bucket, key) = match path.split_once('/') {
                Some((b, k)) => (b, decode_key(k)),
                None => (path, None),
            };
            let bucket = percent_decode_str(bucket).decode_utf8_lossy().into_owned();
            ((!bucket.is_empty()).then_some(bucket), key)
        }
    };
    let resource = match (&bucket, &key) {
        (Some(b), Some(k)) => format!("/{b}/{k}"),
        (Some(b), None) => format!("/{b}"),
        _ => "/".to_string(),
    };
    let operation = match (&bucket, &key) {
        // A CORS preflight, of a bucket or of an object in it (never signed).
        (Some(_), _) if head.method == "OPTIONS" => Operation::CorsPreflight,
        (None, _) => service_operation(head)?,
        (Some(_), None) => bucket_operation(head)?,
        (Some(_), Some(_)) => object_operation(head)?,
    };
    Ok(Route {
        operation,
        bucket,
        key,
        resource,
        virtual_host,
    })
}

fn decode_key(raw: &str) -> Option<String> {
    if raw.is_empty() {
        None
    } else {
        Some(percent_decode_str(raw).decode_utf8_lossy().into_owned())
    }
}

fn virtual_host_bucket(head: &RequestHead, config: &RouterConfig) -> Option<String> {
    let base = config.base_domain.as_deref()?;
    let host = head.header("host")?;
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    // Host names are case-insensitive; bucket names are lower-case.
    let host = host.to_ascii_lowercase();
    let bucket = host
        .strip_suffix(&base.to_ascii_lowercase())?
        .strip_suffix('.')?;
    (!bucket.is_empty()).then(|| bucket.to_string())
}

fn method_not_allowed() -> S3Error {
    S3Error::new(ErrorCode::MethodNotAllowed)
}

fn service_operation(head: &RequestHead) -> Result<Operation, S3Error> {
    match head.method.as_str() {
        "GET" => Ok(Operation::ListBuckets),
        _ => Err(method_not_allowed()),
    }
}

/// Bucket subresources, checked in this order; the first present decides the operation.
const BUCKET_SUBRESOURCES: &[&str] = &[
    "acl",
    "policy",
    "policyStatus",
    "cors",
    "lifecycle",
    "website",
    "tagging",
    "encryption",
    "object-lock",
    "logging",
    "versioning",
    "notification",
    "replication",
    "requestPayment",
    "accelerate",
    "ownershipControls",
    "publicAccessBlock",
    "analytics",
    "inventory",
    "metrics",
    "intelligent-tiering",
    "uploads",
    "versions",
    "location",
    "delete",
];

fn bucket_operation(head: &RequestHead) -> Result<Operation, S3Error> {
    use Operation::*;
    let method = head.method.as_str();
    let sub = BUCKET_SUBRESOURCES
        .iter()
        .copied()
        .find(|name| head.has_query(name));
    let op = match (sub, method) {
        (Some("acl"), "GET") => GetBucketAcl,
        (Some("acl"), "PUT") => PutBucketAcl,
        (Some("policy"), "GET") => GetBucketPolicy,
        (Some("policy"), "PUT") => PutBucketPolicy,
        (Some("policy"), "DELETE") => DeleteBucketPolicy,
        (Some("policyStatus"), "GET") => GetBucketPolicyStatus,
        (Some("cors"), "GET") => GetBucketCors,
        (Some("cors"), "PUT") => PutBucketCors,
        (Some("cors"), "DELETE") => DeleteBucketCors,
        (Some("lifecycle"), "GET") => GetBucketLifecycle,
        (Some("lifecycle"), "PUT") => PutBucketLifecycle,
        (Some("lifecycle"), "DELETE") => DeleteBucketLifecycle,
        (Some("website"), "GET") => GetBucketWebsite,
        (Some("website"), "PUT") => PutBucketWebsite,
        (Some("website"), "DELETE") => DeleteBucketWebsite,
        (Some("tagging"), "GET") => GetBucketTagging,
        (Some("tagging"), "PUT") => PutBucketTagging,
        (Some("tagging"), "DELETE") => DeleteBucketTagging,
        (Some("encryption"), "GET") => GetBucketEncryption,
        (Some("encryption"), "PUT") => PutBucketEncryption,
        (Some("encryption"), "DELETE") => DeleteBucketEncryption,
        (Some("object-lock"), "GET") => GetObjectLockConfiguration,
        (Some("object-lock"), "PUT") => PutObjectLockConfiguration,
        (Some("logging"), "GET") => GetBucketLogging,
        (Some("logging"), "PUT") => PutBucketLogging,
        (Some("versioning"), "GET") => GetBucketVersioning,
        (Some("versioning"), "PUT") => PutBucketVersioning,
        (Some("notification"), "GET") => GetBucketNotification,
        (Some("notification"), "PUT") => PutBucketNotification,
        (Some("replication"), "GET") => GetBucketReplication,
        (Some("replication"), "PUT") => PutBucketReplication,
        (Some("replication"), "DELETE") => DeleteBucketReplication,
        (Some("requestPayment"), "GET") => GetBucketRequestPayment,
        (Some("requestPayment"), "PUT") => PutBucketRequestPayment,
        (Some("accelerate"), "GET") => GetBucketAccelerate,
        (Some("accelerate"), "PUT") => PutBucketAccelerate,
        (Some("ownershipControls"), "GET") => GetBucketOwnershipControls,
        (Some("ownershipControls"), "PUT") => PutBucketOwnershipControls,
        (Some("ownershipControls"), "DELETE") => DeleteBucketOwnershipControls,
        (Some("publicAccessBlock"), "GET") => GetPublicAccessBlock,
        (Some("publicAccessBlock"), "PUT") => PutPublicAccessBlock,
        (Some("publicAccessBlock"), "DELETE") => DeletePublicAccessBlock,
        (Some("analytics" | "inventory" | "metrics" | "intelligent-tiering"), _) => {
            BucketAnalyticsInventoryMetrics
        }
        (Some("uploads"), "GET") => ListMultipartUploads,
        (Some("versions"), "GET") => ListObjectVersions,
        (Some("location"), "GET") => GetBucketLocation,
        (Some("delete"), "POST") => DeleteObjects,
        (None, "GET") if head.query_param("list-type").as_deref() == Some("2") => ListObjectsV2,
        (None, "GET") => ListObjects,
        (None, "PUT") => CreateBucket,
        (None, "DELETE") => DeleteBucket,
        (None, "HEAD") => HeadBucket,
        (None, "POST") => PostObject,
        _ => return Err(method_not_allowed()),
    };
    Ok(op)
}

fn object_operation(head: &RequestHead) -> Result<Operation, S3Error> {
    use Operation::*;
    let method = head.method.as_str();
    let copy = head.header("x-amz-copy-source").is_some();
    let has = |name: &str| head.has_query(name);
    let op = match method {
        "GET" | "HEAD" if has("x-zos-process") => ProcessObject,
        "GET" if has("acl") => GetObjectAcl,
        "GET" if has("tagging") => GetObjectTagging,
        "GET" if has("legal-hold") => GetObjectLegalHold,
        "GET" if has("retention") => GetObjectRetention,
        "GET" if has("attributes") => GetObjectAttributes,
        "GET" if has("torrent") => GetObjectTorrent,
        "GET" if has("uploadId") => ListParts,
        "GET" => GetObject,
        "HEAD" => HeadObject,
        "PUT" if has("acl") => PutObjectAcl,
        "PUT" if has("tagging") => PutObjectTagging,
        "PUT" if has("legal-hold") => PutObjectLegalHold,
        "PUT" if has("retention") => PutObjectRetention,
        "PUT" if has("append") => AppendObject,
        "PUT" if has("partNumber") && has("uploadId") && copy => UploadPartCopy,
        "PUT" if has("partNumber") && has("uploadId") => UploadPart,
        "PUT" if copy => CopyObject,
        "PUT" => PutObject,
        "POST" if has("uploads") => CreateMultipartUpload,
        "POST" if has("uploadId") => CompleteMultipartUpload,
        "POST" if has("restore") => RestoreObject,
        "POST" if has("select") => SelectObjectContent,
        "DELETE" if has("tagging") => DeleteObjectTagging,
        "DELETE" if has("uploadId") => AbortMultipartUpload,
        "DELETE" => DeleteObject,
        _ => return Err(method_not_allowed()),
    };
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;

    fn head(method: &str, target: &str, host: &str, headers: &[(&str, &str)]) -> RequestHead {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut all: Vec<(String, String)> = vec![("host".into(), host.into())];
        all.extend(headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        RequestHead::new(method, path, query, all)
    }

    fn config() -> RouterConfig {
        RouterConfig {
            base_domain: Some("s3.example.com".into()),
            base_path: String::new(),
        }
    }

    fn op(method: &str, target: &str) -> (Operation, Option<String>, Option<String>) {
        let r = route(&head(method, target, "s3.example.com", &[]), &config()).unwrap();
        (r.operation, r.bucket, r.key)
    }

    /// Method, target, expected operation, bucket, key.
    type Example = (
        &'static str,
        &'static str,
        Operation,
        Option<String>,
        Option<String>,
    );

    /// Requests as the S3 API Reference shows them in each operation's "Request Syntax".
    #[test]
    fn path_style_examples_from_the_api_reference() {
        let b = || Some("examplebucket".to_string());
        let k = |s: &str| Some(s.to_string());
        let table: &[Example] = &[
            ("GET", "/", ListBuckets, None, None),
            ("PUT", "/examplebucket", CreateBucket, b(), None),
            ("DELETE", "/examplebucket", DeleteBucket, b(), None),
            ("HEAD", "/examplebucket", HeadBucket, b(), None),
            (
                "GET",
                "/examplebucket?location",
                GetBucketLocation,
                b(),
                None,
            ),
            (
                "GET",
                "/examplebucket?list-type=2&max-keys=2&prefix=J",
                ListObjectsV2,
                b(),
                None,
            ),
            (
                "GET",
                "/examplebucket?prefix=N&marker=Ned&max-keys=40",
                ListObjects,
                b(),
                None,
            ),
            ("POST", "/examplebucket?delete", DeleteObjects, b(), None),
            (
                "GET",
                "/examplebucket?uploads&max-uploads=3",
                ListMultipartUploads,
                b(),
                None,
            ),
            (
                "GET",
                "/examplebucket?versions",
                ListObjectVersions,
                b(),
                None,
            ),
            (
                "GET",
                "/examplebucket?lifecycle",
                GetBucketLifecycle,
                b(),
                None,
            ),
            ("PUT", "/examplebucket?website", PutBucketWebsite, b(), None),
            ("GET", "/examplebucket?acl", GetBucketAcl, b(), None),
            (
                "DELETE",
                "/examplebucket?tagging",
                DeleteBucketTagging,
                b(),
                None,
            ),
            (
                "GET",
                "/examplebucket/my-image.jpg",
                GetObject,
                b(),
                k("my-image.jpg"),
            ),
            (
                "HEAD",
                "/examplebucket/my-image.jpg",
                HeadObject,
                b(),
                k("my-image.jpg"),
            ),
            (
                "PUT",
                "/examplebucket/my-image.jpg",
                PutObject,
                b(),
                k("my-image.jpg"),
            ),
            (
                "DELETE",
                "/examplebucket/my-image.jpg",
                DeleteObject,
                b(),
                k("my-image.jpg"),
            ),
            (
                "GET",
                "/examplebucket/my-image.jpg?acl",
                GetObjectAcl,
                b(),
                k("my-image.jpg"),
            ),
            (
                "PUT",
                "/examplebucket/doc.pdf?tagging",
                PutObjectTagging,
                b(),
                k("doc.pdf"),
            ),
            (
                "POST",
                "/examplebucket/example-object?uploads",
                CreateMultipartUpload,
                b(),
                k("example-object"),
            ),
            (
                "PUT",
                "/examplebucket/example-object?partNumber=1&uploadId=VXBs",
                UploadPart,
                b(),
                k("example-object"),
            ),
            (
                "POST",
                "/examplebucket/example-object?uploadId=VXBs",
                CompleteMultipartUpload,
                b(),
                k("example-object"),
            ),
            (
                "DELETE",
                "/examplebucket/example-object?uploadId=VXBs",
                AbortMultipartUpload,
                b(),
                k("example-object"),
            ),
            (
                "GET",
                "/examplebucket/example-object?uploadId=VXBs&max-parts=2",
                ListParts,
                b(),
                k("example-object"),
            ),
            (
                "POST",
                "/examplebucket/archive.zip?restore",
                RestoreObject,
                b(),
                k("archive.zip"),
            ),
            (
                "PUT",
                "/examplebucket/app.log?append&position=0",
                AppendObject,
                b(),
                k("app.log"),
            ),
            (
                "GET",
                "/examplebucket/photos/2006/Feb/p%20x.jpg",
                GetObject,
                b(),
                k("photos/2006/Feb/p x.jpg"),
            ),
        ];
        for (method, target, expected, bucket, key) in table {
            assert_eq!(
                op(method, target),
                (*expected, bucket.clone(), key.clone()),
                "{method} {target}"
            );
        }
    }

    #[test]
    fn virtual_hosted_style_takes_the_bucket_from_the_host() {
        let r = route(
            &head(
                "GET",
                "/puppy.jpg",
                "examplebucket.s3.example.com:8787",
                &[],
            ),
            &config(),
        )
        .unwrap();
        assert_eq!(r.operation, GetObject);
        assert_eq!(r.bucket.as_deref(), Some("examplebucket"));
        assert_eq!(r.key.as_deref(), Some("puppy.jpg"));
        let r = route(
            &head("GET", "/?list-type=2", "examplebucket.s3.example.com", &[]),
            &config(),
        )
        .unwrap();
        assert_eq!(r.operation, ListObjectsV2);
    }

    #[test]
    fn copy_source_header_selects_copy_operations() {
        let copy = [("x-amz-copy-source", "/src/key")];
        let r = route(&head("PUT", "/b/k", "h", &copy), &config()).unwrap();
        assert_eq!(r.operation, CopyObject);
        let r = route(
            &head("PUT", "/b/k?partNumber=2&uploadId=x", "h", &copy),
            &config(),
        )
        .unwrap();
        assert_eq!(r.operation, UploadPartCopy);
    }

    #[test]
    fn base_path_is_stripped_and_required() {
        let cfg = RouterConfig {
            base_domain: None,
            base_path: "/api/v1/s3".into(),
        };
        let r = route(&head("GET", "/api/v1/s3/b/k", "h", &[]), &cfg).unwrap();
        assert_eq!(
            (r.bucket.as_deref(), r.key.as_deref()),
            (Some("b"), Some("k"))
        );
        assert!(route(&head("GET", "/b/k", "h", &[]), &cfg).is_err());
    }

    #[test]
    fn unknown_method_is_method_not_allowed() {
        let err = route(&head("PATCH", "/b/k", "h", &[]), &config()).unwrap_err();
        assert_eq!(err.code, ErrorCode::MethodNotAllowed);
    }

    #[test]
    fn resource_is_echoed_for_errors() {
        let r = route(&head("GET", "/b/a%2Fb", "h", &[]), &config()).unwrap();
        assert_eq!(r.resource, "/b/a/b");
    }
}
