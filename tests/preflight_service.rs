//! Native tests of the preflight a front asks for before it answers `Expect: 100-continue`
//! (`src/preflight.rs`), and of the `Content-Encoding: identity` shield against the runtime's
//! compression (`src/runtime_encoding.rs`), through the whole request handler.

mod common;

use common::*;
use s3edge::request::RequestHead;

const BUCKET: &str = "uploads";
const PREFLIGHT: &str = "x-s3edge-preflight";
const DELETE_BODY: &[u8] = b"<Delete><Object><Key>kept</Key></Object></Delete>";

fn env_with_object() -> Env {
    let env = Env::new();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    assert_eq!(env.put(BUCKET, "kept", b"the previous bytes").status, 200);
    env
}

/// Everything stored, KV and R2, to show that a preflight changes nothing.
fn snapshot(env: &Env) -> (Vec<String>, Vec<String>) {
    (env.store.kv_names(), env.store.blob_names())
}

/// Sends `req`'s signed head as the front sends a preflight: no body, and its Content-Length
/// moved into the preflight header.
fn preflight(env: &Env, req: Req<'_>) -> Resp {
    env.handle(as_preflight(req.sign().head), Vec::new())
}

fn as_preflight(mut head: RequestHead) -> RequestHead {
    let length = head.header("content-length").unwrap_or("0").to_string();
    head.headers.retain(|(k, _)| k != "content-length");
    head.headers
        .push((PREFLIGHT.into(), format!("content-length={length}")));
    head
}

#[test]
fn a_put_the_worker_would_take_is_answered_continue_and_nothing_changes() {
    let env = env_with_object();
    let before = snapshot(&env);
    let calls = env.store.calls();
    let resp = preflight(
        &env,
        env.req("PUT", &object_path(BUCKET, "kept"))
            .body(vec![7u8; 8 << 20]),
    );
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(resp.header(PREFLIGHT), Some("continue"));
    assert!(resp.body.is_empty());
    assert_eq!(snapshot(&env), before);
    assert!(env.store.calls() > calls, "the preflight read the bucket");
    assert_eq!(env.get(BUCKET, "kept").body, b"the previous bytes");
    // The real request that follows is handled as ever.
    assert_eq!(env.put(BUCKET, "kept", b"new bytes").status, 200);
    assert_eq!(env.get(BUCKET, "kept").body, b"new bytes");
}

#[test]
fn early_refusals_are_final_answers_with_their_s3_error() {
    let env = env_with_object();
    let before = snapshot(&env);
    let big = || vec![1u8; 8 << 20];

    let missing = preflight(
        &env,
        env.req("PUT", &object_path("no-such-bucket", "k"))
            .body(big()),
    );
    missing.assert_error(404, "NoSuchBucket");
    assert_eq!(missing.header(PREFLIGHT), Some("final"));

    let head = env
        .req("PUT", &object_path(BUCKET, "k"))
        .body(big())
        .sign_with(ALICE.access_key, "not-the-secret")
        .head;
    let forged = env.handle(as_preflight(head), Vec::new());
    forged.assert_error(403, "SignatureDoesNotMatch");
    assert_eq!(forged.header(PREFLIGHT), Some("final"));

    let unsupported = preflight(
        &env,
        env.req("PUT", &object_path(BUCKET, "k"))
            .body(big())
            .header("x-amz-server-side-encryption-customer-algorithm", "AES256"),
    );
    unsupported.assert_error(501, "NotImplemented");
    assert_eq!(unsupported.header(PREFLIGHT), Some("final"));

    let other_account = preflight(
        &env,
        env.req("PUT", &object_path(BUCKET, "k"))
            .body(big())
            .user(BOB),
    );
    other_account.assert_error(403, "AccessDenied");

    let no_upload = preflight(
        &env,
        env.req("PUT", &object_path(BUCKET, "k"))
            .query("partNumber=1&uploadId=0000000000000000000000000000000a")
            .body(big()),
    );
    no_upload.assert_error(404, "NoSuchUpload");
    assert_eq!(no_upload.header(PREFLIGHT), Some("final"));

    assert_eq!(snapshot(&env), before, "no refusal changed anything");
}

#[test]
fn a_request_needing_its_body_first_is_answered_continue() {
    let env = env_with_object();
    let before = snapshot(&env);
    // DeleteObjects reads its XML body before anything else.
    let resp = preflight(
        &env,
        env.req("POST", &format!("/{BUCKET}"))
            .query("delete")
            .header("content-md5", &md5_b64(DELETE_BODY))
            .body(DELETE_BODY),
    );
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(resp.header(PREFLIGHT), Some("continue"));
    assert_eq!(snapshot(&env), before);
}

#[test]
fn the_preflight_header_is_ignored_unless_the_worker_allows_it() {
    let mut env = env_with_object();
    env.config.expect_preflight = false;
    let before = snapshot(&env);
    // The head is then taken as it is: a request that misses its signed Content-Length.
    let resp = preflight(&env, env.req("PUT", &object_path(BUCKET, "k")).body("xyz"));
    resp.assert_error(403, "SignatureDoesNotMatch");
    assert_eq!(resp.header(PREFLIGHT), None);
    assert_eq!(snapshot(&env), before);
}

#[test]
fn answers_the_runtime_would_compress_say_identity() {
    let env = env_with_object();
    let text = env
        .req("PUT", &object_path(BUCKET, "notes.txt"))
        .header("content-type", "text/plain")
        .body("plain words");
    assert_eq!(text.send().status, 200);
    let gz = env
        .req("PUT", &object_path(BUCKET, "notes.txt.gz"))
        .header("content-type", "text/plain")
        .header("content-encoding", "gzip")
        .body(vec![0x1f, 0x8b, 8, 0]);
    assert_eq!(gz.send().status, 200);

    let get = |key: &str, accept: Option<&str>| {
        let mut req = env.req("GET", &object_path(BUCKET, key));
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        req.send()
    };
    let resp = get("notes.txt", Some("gzip"));
    assert_eq!(resp.body, b"plain words");
    assert_eq!(resp.header("content-encoding"), Some("identity"));
    assert_eq!(
        get("notes.txt", Some("identity")).header("content-encoding"),
        None
    );
    assert_eq!(get("notes.txt", None).header("content-encoding"), None);
    assert_eq!(
        get("notes.txt.gz", Some("gzip")).header("content-encoding"),
        Some("gzip")
    );
    // Binary objects are not compressed by the runtime: nothing to add.
    assert_eq!(get("kept", Some("gzip")).header("content-encoding"), None);
    // Error XML is compressible too.
    let missing = get("missing", Some("gzip, br"));
    missing.assert_error(404, "NoSuchKey");
    assert_eq!(missing.header("content-encoding"), Some("identity"));
}
