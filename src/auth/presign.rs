//! Presigned-URL authentication: parsing and checking the `X-Amz-*` query parameters
//! (Algorithm, Credential, Date, Expires, SignedHeaders, Signature), expiry, and the signature.
//! Follows "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)"
//! (sigv4-query-string-auth.html) in the Amazon S3 API Reference.

use super::sigv4::{self, Credential, CredentialError, ALGORITHM, ALGORITHM_V4A};
use super::{
    check_headers_signed, find_user, parse_signed_headers, security_token_unsupported, too_skewed,
    verify_signature, Authenticated, ContentHash, SignedRequest, MAX_SKEW_SECONDS,
    UNSIGNED_PAYLOAD,
};
use crate::auth::credentials::Users;
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;

/// The longest validity S3 accepts for a presigned URL: seven days.
pub const MAX_EXPIRES_SECONDS: i64 = 604_800;

pub const ALGORITHM_PARAM: &str = "X-Amz-Algorithm";
pub const CREDENTIAL_PARAM: &str = "X-Amz-Credential";
pub const DATE_PARAM: &str = "X-Amz-Date";
pub const EXPIRES_PARAM: &str = "X-Amz-Expires";
pub const SIGNED_HEADERS_PARAM: &str = "X-Amz-SignedHeaders";
pub const SIGNATURE_PARAM: &str = sigv4::SIGNATURE_PARAM;
pub const SECURITY_TOKEN_PARAM: &str = "X-Amz-Security-Token";
pub const CONTENT_SHA256_PARAM: &str = "X-Amz-Content-Sha256";

/// The authentication parameters of a presigned URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignParams {
    pub credential: Credential,
    /// `X-Amz-Date` as sent (`yyyymmddThhmmssZ`).
    pub amz_date: String,
    /// `X-Amz-Date` in Unix seconds.
    pub date_unix: i64,
    /// `X-Amz-Expires`, 0..=604800.
    pub expires: i64,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// `X-Amz-Content-Sha256`, when the URL fixes the payload hash.
    pub content_sha256: Option<String>,
}

/// Whether the (decoded) query asks for presigned authentication.
pub fn is_presigned(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, _)| k == ALGORITHM_PARAM)
}

impl PresignParams {
    /// Parses and validates the decoded query pairs (see `RequestHead::query_pairs`).
    pub fn parse(pairs: &[(String, String)]) -> Result<PresignParams, S3Error> {
        let algorithm = unique(pairs, ALGORITHM_PARAM)?;
        match algorithm {
            Some(ALGORITHM) => {}
            Some(ALGORITHM_V4A) => {
                return Err(S3Error::not_implemented(
                    "AWS Signature Version 4A (AWS4-ECDSA-P256-SHA256)",
                ))
            }
            _ => {
                return Err(query_error(
                    "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
                ))
            }
        }
        if unique(pairs, SECURITY_TOKEN_PARAM)?.is_some() {
            return Err(security_token_unsupported());
        }
        let (
            Some(credential),
            Some(amz_date),
            Some(expires),
            Some(signed_headers),
            Some(signature),
        ) = (
            unique(pairs, CREDENTIAL_PARAM)?,
            unique(pairs, DATE_PARAM)?,
            unique(pairs, EXPIRES_PARAM)?,
            unique(pairs, SIGNED_HEADERS_PARAM)?,
            unique(pairs, SIGNATURE_PARAM)?,
        )
        else {
            return Err(query_error(
                "Query-string authentication version 4 requires the X-Amz-Algorithm, \
                 X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, \
                 and X-Amz-Expires parameters.",
            ));
        };

        let credential = Credential::parse(credential).map_err(|e| {
            query_error(&match e {
                CredentialError::Malformed => "Error parsing the X-Amz-Credential parameter; \
                     the Credential is mal-formed; expecting \
                     \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."
                    .to_string(),
                CredentialError::WrongService(s) => format!(
                    "Error parsing the X-Amz-Credential parameter; incorrect service \"{s}\". \
                     This endpoint belongs to \"s3\"."
                ),
                CredentialError::WrongTerminal(t) => format!(
                    "Error parsing the X-Amz-Credential parameter; incorrect terminal \"{t}\". \
                     This endpoint uses \"aws4_request\"."
                ),
            })
        })?;

        let date_unix = sigv4::parse_amz_date(amz_date).ok_or_else(|| {
            query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        })?;
        if amz_date[..8] != credential.date {
            return Err(query_error(&format!(
                "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
                credential.date,
                &amz_date[..8]
            )));
        }

        let expires: i64 = if !expires.is_empty() && expires.bytes().all(|b| b.is_ascii_digit()) {
            // More digits than fit in an i64 are certainly more than a week.
            expires.parse().unwrap_or(i64::MAX)
        } else if expires.starts_with('-') {
            return Err(query_error("X-Amz-Expires must be non-negative"));
        } else {
            return Err(query_error("X-Amz-Expires should be a number"));
        };
        if expires > MAX_EXPIRES_SECONDS {
            return Err(query_error(
                "X-Amz-Expires must be less than a week (in seconds) that is 604800",
            ));
        }

        let signed_headers = parse_signed_headers(signed_headers)
            .ok_or_else(|| query_error("X-Amz-SignedHeaders is malformed."))?;

        let content_sha256 = pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(CONTENT_SHA256_PARAM))
            .map(|(_, v)| v.clone());

        Ok(PresignParams {
            credential,
            amz_date: amz_date.to_string(),
            date_unix,
            expires,
            signed_headers,
            signature: signature.to_string(),
            content_sha256,
        })
    }

    /// The payload hash signed into the canonical request: `X-Amz-Content-Sha256` from the query,
    /// else the `x-amz-content-sha256` header, else `UNSIGNED-PAYLOAD`.
    pub fn payload_hash<'a>(&'a self, head: &'a RequestHead) -> &'a str {
        self.content_sha256
            .as_deref()
            .or_else(|| head.header("x-amz-content-sha256"))
            .unwrap_or(UNSIGNED_PAYLOAD)
    }
}

/// Authenticates a presigned request; `pairs` are its decoded query pairs.
pub(super) fn authenticate(
    head: &RequestHead,
    pairs: &[(String, String)],
    users: &Users,
    now_unix: i64,
) -> Result<Authenticated, S3Error> {
    let params = PresignParams::parse(pairs)?;
    let user = find_user(users, &params.credential.access_key_id)?;

    if params.date_unix > now_unix.saturating_add(MAX_SKEW_SECONDS) {
        return Err(too_skewed(&params.amz_date, now_unix));
    }
    let expires_at = params.date_unix.saturating_add(params.expires);
    if now_unix > expires_at {
        return Err(
            S3Error::with_message(ErrorCode::AccessDenied, "Request has expired")
                .detail("X-Amz-Expires", params.expires.to_string())
                .detail("Expires", sigv4::format_iso8601(expires_at))
                .detail("ServerTime", sigv4::format_iso8601(now_unix)),
        );
    }

    let payload_hash = params.payload_hash(head);
    let content = ContentHash::parse(payload_hash)?;
    check_headers_signed(head, &params.signed_headers, true)?;

    let key = verify_signature(&SignedRequest {
        head,
        user,
        credential: &params.credential,
        amz_date: &params.amz_date,
        signed_headers: &params.signed_headers,
        canonical_query: sigv4::canonical_query(&head.query, true),
        payload_hash,
        provided_signature: &params.signature,
    })?;
    Ok(Authenticated {
        method: super::AuthMethod::QueryV4,
        user: Some(user.clone()),
        payload: content.into_payload_mode(
            key,
            &params.amz_date,
            &params.credential,
            &params.signature,
        ),
    })
}

/// The value of a parameter that may appear at most once.
fn unique<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, S3Error> {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(query_error(&format!("{name} must be given only once.")));
    }
    Ok(first)
}

fn query_error(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::AuthorizationQueryParametersError, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        crate::request::parse_query(query)
    }

    const BASE: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
        &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    fn parse_err(query: &str) -> S3Error {
        PresignParams::parse(&pairs(query)).unwrap_err()
    }

    #[test]
    fn parses_the_aws_example() {
        let p = PresignParams::parse(&pairs(BASE)).unwrap();
        assert_eq!(p.credential.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(p.credential.region, "us-east-1");
        assert_eq!(p.amz_date, "20130524T000000Z");
        assert_eq!(p.date_unix, 1_369_353_600);
        assert_eq!(p.expires, 86400);
        assert_eq!(p.signed_headers, vec!["host".to_string()]);
        assert_eq!(p.content_sha256, None);
        let head = RequestHead::new("GET", "/", BASE, vec![]);
        assert_eq!(p.payload_hash(&head), UNSIGNED_PAYLOAD);
        let head = RequestHead::new(
            "GET",
            "/",
            BASE,
            vec![("x-amz-content-sha256".into(), "abc".into())],
        );
        assert_eq!(p.payload_hash(&head), "abc");
        let with_param = format!("{BASE}&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD");
        let p = PresignParams::parse(&pairs(&with_param)).unwrap();
        assert_eq!(p.payload_hash(&head), UNSIGNED_PAYLOAD);
    }

    #[test]
    fn parameter_errors() {
        use ErrorCode::*;
        let cases = [
            (
                BASE.replace("X-Amz-Expires=86400", "X-Amz-Expires=604801"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace(
                    "X-Amz-Expires=86400",
                    "X-Amz-Expires=99999999999999999999999",
                ),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("X-Amz-Expires=86400", "X-Amz-Expires=-1"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("X-Amz-Expires=86400", "X-Amz-Expires=soon"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("&X-Amz-Expires=86400", ""),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("&X-Amz-SignedHeaders=host", ""),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130524"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130525T000000Z"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("%2Fs3%2F", "%2Fsqs%2F"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("%2Fus-east-1", ""),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("AWS4-HMAC-SHA256", "HMAC-MD5"),
                AuthorizationQueryParametersError,
            ),
            (
                format!("{BASE}&X-Amz-Date=20130524T000000Z"),
                AuthorizationQueryParametersError,
            ),
            (
                BASE.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
                NotImplemented,
            ),
            (format!("{BASE}&X-Amz-Security-Token=abc"), NotImplemented),
        ];
        for (query, expected) in cases {
            assert_eq!(parse_err(&query).code, expected, "{query}");
        }
        assert_eq!(
            parse_err(&BASE.replace("X-Amz-Expires=86400", "X-Amz-Expires=604801")).message,
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        );
        // Exactly a week is allowed.
        let week = BASE.replace("X-Amz-Expires=86400", "X-Amz-Expires=604800");
        assert_eq!(PresignParams::parse(&pairs(&week)).unwrap().expires, 604800);
    }

    #[test]
    fn payload_hash_from_query_or_header_is_signed() {
        use crate::auth::credentials::Users;
        use crate::auth::PayloadMode;
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let digest = sigv4::sha256_hex(b"hello");
        let query = format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-central-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host\
             &X-Amz-Content-Sha256={digest}"
        );
        let headers = vec![("host".to_string(), "localhost:8787".to_string())];
        let creq = sigv4::canonical_request(
            "PUT",
            "/bucket/key%20name",
            &sigv4::canonical_query(&query, true),
            &sigv4::canonical_headers(&headers, &["host"]),
            "host",
            &digest,
        );
        let sts = sigv4::string_to_sign(
            "20130524T000000Z",
            "20130524/eu-central-1/s3/aws4_request",
            &creq,
        );
        let key = sigv4::signing_key(secret, "20130524", "eu-central-1", "s3");
        let signature = sigv4::signature(&key, &sts);
        let head = RequestHead::new(
            "PUT",
            "/bucket/key%20name",
            &format!("{query}&X-Amz-Signature={signature}"),
            headers,
        );
        let users = Users::single("AKIAIOSFODNN7EXAMPLE", secret);
        let auth = crate::auth::authenticate(&head, &users, 1_369_353_600 + 10).unwrap();
        let PayloadMode::Sha256(d) = auth.payload else {
            panic!("expected a fixed payload hash");
        };
        assert_eq!(hex::encode(d), digest);
        // An unsigned x-amz-* header other than the body hash is refused.
        let mut head = head;
        head.headers
            .push(("x-amz-acl".into(), "public-read".into()));
        let err = crate::auth::authenticate(&head, &users, 1_369_353_600).unwrap_err();
        assert_eq!(err.code, ErrorCode::AccessDenied);
    }
}
