//! Requests this Worker sends to itself, through its own service binding, to share one client
//! request's storage calls between invocations (each Worker invocation may make at most 1,000;
//! Cloudflare's "Workers KV limits" and "Workers limits" pages). Such a request carries the
//! part it does and, in one header, who the client request was authenticated as, with an
//! HMAC-SHA256 over that, the request line and its `Content-MD5`, keyed by a digest of the
//! configured secrets: only this Worker can make one, and it stays valid for a minute.

use super::credentials::Users;
use super::{AuthMethod, Authenticated, PayloadMode};
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The header that carries the delegation: `<expires>;<method>;<access key id or ->;<hmac hex>`.
pub const HEADER: &str = "x-s3edge-delegated";

/// How long a delegated request stays valid, in milliseconds.
const VALID_MILLIS: i64 = 60_000;

/// Headers of the client's request a delegated part does not carry: its authentication and
/// the framing and digests of the client's body (the part has a body of its own).
fn is_client_body_or_auth_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "content-length"
            | "content-md5"
            | "content-encoding"
            | "transfer-encoding"
            | "expect"
            | "x-amz-content-sha256"
            | "x-amz-decoded-content-length"
            | "x-amz-sdk-checksum-algorithm"
            | "x-amz-trailer"
    ) || (name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-mode")
        || name.starts_with("x-s3edge-")
}

fn method_name(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Anonymous => "anonymous",
        AuthMethod::HeaderV4 => "header-v4",
        AuthMethod::QueryV4 => "query-v4",
        AuthMethod::HeaderV2 => "header-v2",
        AuthMethod::QueryV2 => "query-v2",
        AuthMethod::PostV4 => "post-v4",
        AuthMethod::PostV2 => "post-v2",
    }
}

fn method_named(name: &str) -> Option<AuthMethod> {
    [
        AuthMethod::Anonymous,
        AuthMethod::HeaderV4,
        AuthMethod::QueryV4,
        AuthMethod::HeaderV2,
        AuthMethod::QueryV2,
        AuthMethod::PostV4,
        AuthMethod::PostV2,
    ]
    .into_iter()
    .find(|m| method_name(*m) == name)
}

/// The key delegated requests are signed with: a digest of every user's secret, so that it
/// changes when they do and no one without them can compute it.
fn key(users: &Users) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"s3edge delegated request v1\n");
    for user in users.iter() {
        digest.update(user.access_key_id.as_bytes());
        digest.update([0]);
        digest.update(user.secret_access_key.as_bytes());
        digest.update([0]);
    }
    digest.finalize().into()
}

fn mac(users: &Users, fields: &str, head: &RequestHead, content_md5: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(users)).expect("HMAC takes any key");
    for part in [fields, &head.method, &head.path, &head.query, content_md5] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    mac
}

/// The head of a part of `client`'s request, with `body` (whose MD5 it announces): the client's
/// headers but its authentication and body digests, and the delegation header.
pub fn part_head(
    client: &RequestHead,
    auth: &Authenticated,
    users: &Users,
    now_millis: i64,
    body: &[u8],
) -> RequestHead {
    use base64::Engine;
    let content_md5 =
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body).as_slice());
    let mut head = client.clone();
    head.headers
        .retain(|(name, _)| !is_client_body_or_auth_header(name));
    head.headers
        .push(("content-length".into(), body.len().to_string()));
    head.headers
        .push(("content-md5".into(), content_md5.clone()));
    let user = auth.user.as_ref().map_or("-", |u| u.access_key_id.as_str());
    let fields = format!(
        "{};{};{user}",
        now_millis + VALID_MILLIS,
        method_name(auth.method)
    );
    let tag = hex::encode(
        mac(users, &fields, &head, &content_md5)
            .finalize()
            .into_bytes(),
    );
    head.headers
        .push((HEADER.into(), format!("{fields};{tag}")));
    head
}

/// Whether the request says it is a delegated part (then only [`authenticate`] may admit it).
pub fn is_delegated(head: &RequestHead) -> bool {
    head.header(HEADER).is_some()
}

/// The authentication of the client request a delegated part belongs to, once its header
/// checks out (compared in constant time); `AccessDenied` otherwise.
pub fn authenticate(
    head: &RequestHead,
    users: &Users,
    now_millis: i64,
) -> Result<Authenticated, S3Error> {
    let denied = || S3Error::new(ErrorCode::AccessDenied);
    let value = head.header(HEADER).ok_or_else(denied)?;
    let (fields, tag) = value.rsplit_once(';').ok_or_else(denied)?;
    let tag = hex::decode(tag).map_err(|_| denied())?;
    let content_md5 = head.header("content-md5").unwrap_or_default();
    mac(users, fields, head, content_md5)
        .verify_slice(&tag)
        .map_err(|_| denied())?;
    let mut parts = fields.splitn(3, ';');
    let (Some(expires), Some(method), Some(user)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(denied());
    };
    let expires: i64 = expires.parse().map_err(|_| denied())?;
    if now_millis > expires {
        return Err(denied());
    }
    let method = method_named(method).ok_or_else(denied)?;
    let user = match user {
        "-" => None,
        id => Some(users.find(id).ok_or_else(denied)?.clone()),
    };
    Ok(Authenticated {
        user,
        // The part's body is bound by its Content-MD5, which the tag covers.
        payload: PayloadMode::Unsigned,
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(secret: &str) -> Users {
        Users::single("AKIDELEGATE", secret)
    }

    fn client() -> RequestHead {
        RequestHead::new(
            "POST",
            "/bucket",
            "delete=",
            vec![
                ("host".into(), "s3.example.com".into()),
                (
                    "authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=…".into(),
                ),
                ("content-md5".into(), "client-md5".into()),
                ("x-amz-checksum-crc32".into(), "AAAAAA==".into()),
                ("x-amz-checksum-mode".into(), "ENABLED".into()),
                ("x-amz-bypass-governance-retention".into(), "true".into()),
            ],
        )
    }

    fn signed_auth(users: &Users) -> Authenticated {
        Authenticated {
            user: users.find("AKIDELEGATE").cloned(),
            payload: PayloadMode::Unsigned,
            method: AuthMethod::QueryV4,
        }
    }

    #[test]
    fn a_part_is_admitted_as_its_client_request() {
        let users = users("secret");
        let head = part_head(&client(), &signed_auth(&users), &users, 1_000, b"<Delete/>");
        assert!(is_delegated(&head));
        assert_eq!(head.header("authorization"), None);
        assert_eq!(head.header("x-amz-checksum-crc32"), None);
        assert_eq!(head.header("x-amz-checksum-mode"), Some("ENABLED"));
        assert_eq!(
            head.header("x-amz-bypass-governance-retention"),
            Some("true")
        );
        assert_eq!(head.header("content-length"), Some("9"));
        let auth = authenticate(&head, &users, 1_000 + VALID_MILLIS).expect("admitted");
        assert_eq!(
            auth.user.map(|u| u.access_key_id).as_deref(),
            Some("AKIDELEGATE")
        );
        assert_eq!(auth.method, AuthMethod::QueryV4);

        let anonymous = part_head(&client(), &Authenticated::anonymous(), &users, 1_000, b"x");
        let auth = authenticate(&anonymous, &users, 1_000).expect("admitted");
        assert!(auth.user.is_none());
        assert_eq!(auth.method, AuthMethod::Anonymous);
    }

    #[test]
    fn anything_changed_or_late_is_refused() {
        let users = users("secret");
        let head = part_head(&client(), &signed_auth(&users), &users, 1_000, b"<Delete/>");
        let refused = |head: &RequestHead, users: &Users, now: i64| {
            let err = authenticate(head, users, now).expect_err("refused");
            assert_eq!(err.code, ErrorCode::AccessDenied);
        };
        refused(&head, &users, 1_001 + VALID_MILLIS);
        refused(&head, &self::users("another secret"), 1_000);
        let with = |name: &str, value: &str| {
            let mut changed = head.clone();
            changed.headers.retain(|(n, _)| n != name);
            changed.headers.push((name.into(), value.into()));
            changed
        };
        refused(
            &with("content-md5", "AAAAAAAAAAAAAAAAAAAAAA=="),
            &users,
            1_000,
        );
        let value = head.header(HEADER).unwrap().to_string();
        refused(
            &with(HEADER, &value.replace("query-v4", "header-v4")),
            &users,
            1_000,
        );
        refused(
            &with(HEADER, &value.replace("AKIDELEGATE", "-")),
            &users,
            1_000,
        );
        refused(&with(HEADER, "garbage"), &users, 1_000);
        let mut other_path = head.clone();
        other_path.path = "/other-bucket".into();
        refused(&other_path, &users, 1_000);
        let mut other_query = head.clone();
        other_query.query = "delete=&x=1".into();
        refused(&other_query, &users, 1_000);
    }
}
