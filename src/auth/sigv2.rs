//! AWS Signature Version 2 (HMAC-SHA1), in the `Authorization: AWS key:signature` header and in
//! presigned URLs (`AWSAccessKeyId`, `Expires`, `Signature`): boto3 still presigns S3 URLs this
//! way by default. Follows "Signing and authenticating REST requests" (RESTAuthentication.html).

use super::credentials::Users;
use super::sigv4::constant_time_eq;
use super::{Authenticated, PayloadMode, MAX_SKEW_SECONDS};
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Query parameters that name a sub-resource and so belong to the canonicalized resource.
const SUB_RESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "append",
    "attributes",
    "cors",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "partNumber",
    "policy",
    "policyStatus",
    "position",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// The string to sign. `date_line` is the Date header (or empty when `x-amz-date` is sent),
/// or the `Expires` value of a presigned URL. `resource_bucket` is set for virtual-hosted requests.
pub fn string_to_sign(
    head: &RequestHead,
    date_line: &str,
    resource_bucket: Option<&str>,
) -> String {
    let mut amz: Vec<(String, String)> = Vec::new();
    for (name, value) in &head.headers {
        if name.starts_with("x-amz-") {
            let value = value.trim().to_string();
            match amz.iter_mut().find(|(n, _)| n == name) {
                Some((_, existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                None => amz.push((name.clone(), value)),
            }
        }
    }
    amz.sort();
    let mut out = format!(
        "{}\n{}\n{}\n{}\n",
        head.method,
        head.header("content-md5").unwrap_or_default(),
        head.header("content-type").unwrap_or_default(),
        date_line
    );
    for (name, value) in amz {
        out.push_str(&format!("{name}:{value}\n"));
    }
    out.push_str(&canonical_resource(head, resource_bucket));
    out
}

fn canonical_resource(head: &RequestHead, resource_bucket: Option<&str>) -> String {
    let mut resource = match resource_bucket {
        Some(bucket) => format!("/{bucket}{}", head.path),
        None => head.path.clone(),
    };
    let mut subs: Vec<(String, String)> = head
        .query_pairs()
        .into_iter()
        .filter(|(name, _)| SUB_RESOURCES.contains(&name.as_str()))
        .collect();
    subs.sort();
    for (i, (name, value)) in subs.iter().enumerate() {
        resource.push(if i == 0 { '?' } else { '&' });
        resource.push_str(name);
        if !value.is_empty() {
            resource.push('=');
            resource.push_str(value);
        }
    }
    resource
}

/// Base64 of HMAC-SHA1(secret, string to sign).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

fn verify(
    head: &RequestHead,
    users: &Users,
    access_key_id: &str,
    provided: &str,
    date_line: &str,
    resource_bucket: Option<&str>,
    method: super::AuthMethod,
) -> Result<Authenticated, S3Error> {
    if head.header("x-amz-security-token").is_some() {
        return Err(super::security_token_unsupported());
    }
    let user = super::find_user(users, access_key_id)?;
    let to_sign = string_to_sign(head, date_line, resource_bucket);
    let expected = signature(&user.secret_access_key, &to_sign);
    if !constant_time_eq(expected.as_bytes(), provided.as_bytes()) {
        return Err(S3Error::new(ErrorCode::SignatureDoesNotMatch)
            .detail("AWSAccessKeyId", access_key_id)
            .detail("StringToSign", to_sign)
            .detail("SignatureProvided", provided));
    }
    Ok(Authenticated {
        user: Some(user.clone()),
        payload: PayloadMode::Unsigned,
        method,
    })
}

/// The answer to an `Authorization: AWS` header that is not `AWS key:signature`.
pub fn malformed_header() -> S3Error {
    S3Error::with_message(
        ErrorCode::InvalidArgument,
        "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
    )
    .detail("ArgumentName", "Authorization")
}

/// `Authorization: AWS <access key id>:<signature>`.
pub fn authenticate_header(
    head: &RequestHead,
    credentials: &str,
    users: &Users,
    now_unix: i64,
    resource_bucket: Option<&str>,
) -> Result<Authenticated, S3Error> {
    let (access_key_id, provided) = credentials
        .trim()
        .split_once(':')
        .ok_or_else(malformed_header)?;
    let amz_date = head.header("x-amz-date");
    let date = amz_date
        .or_else(|| head.header("date"))
        .ok_or_else(super::missing_date)?;
    let when = super::sigv4::parse_http_date(date).ok_or_else(super::missing_date)?;
    if (now_unix - when).abs() > MAX_SKEW_SECONDS {
        return Err(super::too_skewed(date, now_unix));
    }
    // With x-amz-date, the Date line is empty: the date is signed among the x-amz- headers.
    let date_line = if amz_date.is_some() { "" } else { date };
    verify(
        head,
        users,
        access_key_id,
        provided,
        date_line,
        resource_bucket,
        super::AuthMethod::HeaderV2,
    )
}

/// A presigned URL: `?AWSAccessKeyId=...&Expires=<unix seconds>&Signature=...`.
pub fn authenticate_query(
    head: &RequestHead,
    pairs: &[(String, String)],
    users: &Users,
    now_unix: i64,
    resource_bucket: Option<&str>,
) -> Result<Authenticated, S3Error> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (Some(access_key_id), Some(provided)) = (get("AWSAccessKeyId"), get("Signature")) else {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    };
    let expires = get("Expires").ok_or_else(|| {
        S3Error::with_message(ErrorCode::AccessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
    })?;
    let expires_at: i64 = expires.parse().map_err(|_| {
        S3Error::with_message(
            ErrorCode::AccessDenied,
            "Invalid date (should be seconds since epoch)",
        )
    })?;
    if expires_at - now_unix > super::presign::MAX_EXPIRES_SECONDS {
        return Err(S3Error::with_message(
            ErrorCode::AccessDenied,
            "Expires must be less than a week (604800 seconds) in the future",
        ));
    }
    if now_unix > expires_at {
        return Err(
            S3Error::with_message(ErrorCode::AccessDenied, "Request has expired")
                .detail("Expires", expires)
                .detail("ServerTime", now_unix.to_string()),
        );
    }
    verify(
        head,
        users,
        access_key_id,
        provided,
        expires,
        resource_bucket,
        super::AuthMethod::QueryV2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &str, path: &str, query: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead::new(
            method,
            path,
            query,
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The examples of the AWS page "Signing and authenticating REST requests" (virtual-hosted
    /// bucket awsexamplebucket1, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn object_get_example() {
        let h = head(
            "GET",
            "/photos/puppy.jpg",
            "",
            &[("date", "Tue, 27 Mar 2007 19:36:42 +0000")],
        );
        let to_sign = string_to_sign(
            &h,
            "Tue, 27 Mar 2007 19:36:42 +0000",
            Some("awsexamplebucket1"),
        );
        assert_eq!(
            to_sign,
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg"
        );
        assert_eq!(signature(SECRET, &to_sign), "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=");
    }

    #[test]
    fn object_put_example() {
        let h = head(
            "PUT",
            "/photos/puppy.jpg",
            "",
            &[
                ("content-type", "image/jpeg"),
                ("content-length", "94328"),
                ("date", "Tue, 27 Mar 2007 21:15:45 +0000"),
            ],
        );
        let to_sign = string_to_sign(
            &h,
            "Tue, 27 Mar 2007 21:15:45 +0000",
            Some("awsexamplebucket1"),
        );
        assert_eq!(
            to_sign,
            "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/awsexamplebucket1/photos/puppy.jpg"
        );
        assert_eq!(signature(SECRET, &to_sign), "iqRzw+ileNPu1fhspnRs8nOjjIA=");
    }

    #[test]
    fn sub_resources_and_amz_headers_are_canonicalised() {
        let h = head(
            "GET",
            "/bucket/key",
            "uploadId=abc&max-parts=2&acl&response-content-type=text%2Fplain",
            &[
                ("x-amz-meta-b", " two "),
                ("x-amz-meta-a", "one"),
                ("x-amz-meta-b", "three"),
            ],
        );
        assert_eq!(
            string_to_sign(&h, "123", None),
            "GET\n\n\n123\nx-amz-meta-a:one\nx-amz-meta-b:two,three\n/bucket/key?acl&response-content-type=text/plain&uploadId=abc"
        );
    }

    fn users() -> Users {
        Users::single("AKIDEXAMPLE", SECRET)
    }

    #[test]
    fn presigned_url_is_checked_and_expires() {
        let mut h = head("GET", "/bucket/key", "", &[]);
        let sig = signature(SECRET, &string_to_sign(&h, "1700000100", None));
        let query = format!(
            "AWSAccessKeyId=AKIDEXAMPLE&Expires=1700000100&Signature={}",
            sig.replace('+', "%2B")
                .replace('/', "%2F")
                .replace('=', "%3D")
        );
        h.query = query;
        let pairs = h.query_pairs();
        assert!(authenticate_query(&h, &pairs, &users(), 1_700_000_000, None).is_ok());
        let expired = authenticate_query(&h, &pairs, &users(), 1_700_000_101, None).unwrap_err();
        assert_eq!(
            (expired.code, expired.message.as_str()),
            (ErrorCode::AccessDenied, "Request has expired")
        );
        let mut tampered = h.clone();
        tampered.path = "/bucket/other".into();
        let err = authenticate_query(&tampered, &pairs, &users(), 1_700_000_000, None).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
    }

    #[test]
    fn header_auth_checks_key_signature_and_skew() {
        let date = "Tue, 14 Nov 2023 22:13:20 GMT"; // 1700000000
        let h = head("GET", "/bucket/key", "", &[("date", date)]);
        let sig = signature(SECRET, &string_to_sign(&h, date, None));
        let ok = authenticate_header(
            &h,
            &format!("AKIDEXAMPLE:{sig}"),
            &users(),
            1_700_000_000,
            None,
        );
        assert!(ok.is_ok());
        let skewed = authenticate_header(
            &h,
            &format!("AKIDEXAMPLE:{sig}"),
            &users(),
            1_700_001_000,
            None,
        );
        assert_eq!(skewed.unwrap_err().code, ErrorCode::RequestTimeTooSkewed);
        let unknown =
            authenticate_header(&h, &format!("NOPE:{sig}"), &users(), 1_700_000_000, None);
        assert_eq!(unknown.unwrap_err().code, ErrorCode::InvalidAccessKeyId);
        let bad = authenticate_header(&h, "AKIDEXAMPLE:AAAA", &users(), 1_700_000_000, None);
        assert_eq!(bad.unwrap_err().code, ErrorCode::SignatureDoesNotMatch);
    }
}
