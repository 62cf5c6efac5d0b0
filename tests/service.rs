//! Native tests of the whole request handler (`service::handle`) over the in-memory stores:
//! every request is built, signed with SigV4 and answered as a Worker would answer it.

mod common;

use common::*;
use crc::{Crc, CRC_32_ISO_HDLC};
use s3edge::auth::chunked::ChunkSigner;
use s3edge::auth::sigv4;
use s3edge::store::memory::Fault;
use s3edge::store::MetaStore;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

const BUCKET: &str = "photos";

fn env_with_bucket() -> Env {
    let env = Env::new();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    env
}

#[track_caller]
fn assert_ok(resp: &Resp, status: u16) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(
        resp.header("x-amz-request-id"),
        Some(resp.request_id.as_str())
    );
}

fn bucket_names(resp: &Resp) -> Vec<String> {
    xml_raw(&resp.text(), "Bucket")
        .iter()
        .flat_map(|b| xml_values(b, "Name"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Buckets

#[test]
fn bucket_lifecycle() {
    let env = Env::new();
    let created = env.create_bucket("alpha");
    assert_ok(&created, 200);
    assert_eq!(created.header("location"), Some("/alpha"));

    // Created again by its owner in us-east-1: 200, as S3's legacy behaviour there.
    assert_ok(&env.create_bucket("alpha"), 200);
    env.req("PUT", "/alpha")
        .user(BOB)
        .send()
        .assert_error(409, "BucketAlreadyExists");
    let invalid = env.create_bucket("Not_A_Valid_Name");
    invalid.assert_error(400, "InvalidBucketName");
    assert_eq!(
        xml_values(&invalid.text(), "BucketName"),
        ["Not_A_Valid_Name"]
    );
    env.create_bucket("ab")
        .assert_error(400, "InvalidBucketName");

    assert_ok(&env.create_bucket("beta"), 200);
    assert_ok(&env.req("PUT", "/bobs-bucket").user(BOB).send(), 200);

    let alice_list = env.req("GET", "/").send();
    assert_ok(&alice_list, 200);
    assert_eq!(bucket_names(&alice_list), ["alpha", "beta"]);
    assert_eq!(xml_values(&alice_list.text(), "DisplayName"), ["alice"]);
    let bob_list = env.req("GET", "/").user(BOB).send();
    assert_eq!(bucket_names(&bob_list), ["bobs-bucket"]);

    // HEAD: the owner gets 200 with the region, others 403, a missing bucket 404; no bodies.
    let head = env.req("HEAD", "/alpha").send();
    assert_ok(&head, 200);
    assert_eq!(head.header("x-amz-bucket-region"), Some(REGION));
    env.req("HEAD", "/alpha")
        .user(BOB)
        .send()
        .assert_head_error(403);
    env.req("HEAD", "/no-such-bucket")
        .send()
        .assert_head_error(404);
    env.req("GET", "/no-such-bucket")
        .send()
        .assert_error(404, "NoSuchBucket");
    env.req("DELETE", "/alpha")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");

    assert_ok(&env.put("alpha", "some/key", b"x"), 200);
    env.req("DELETE", "/alpha")
        .send()
        .assert_error(409, "BucketNotEmpty");
    assert_ok(&env.delete("alpha", "some/key"), 204);
    let deleted = env.req("DELETE", "/alpha").send();
    assert_ok(&deleted, 204);
    assert!(deleted.body.is_empty());

    env.req("HEAD", "/alpha").send().assert_head_error(404);
    assert_eq!(bucket_names(&env.req("GET", "/").send()), ["beta"]);
    // The name is free again, for anyone.
    assert_ok(&env.req("PUT", "/alpha").user(BOB).send(), 200);
    assert_eq!(
        bucket_names(&env.req("GET", "/").user(BOB).send()),
        ["alpha", "bobs-bucket"]
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Objects

#[test]
fn object_round_trip_with_content_headers_and_metadata() {
    let env = env_with_bucket();
    let body = b"The quick brown fox jumps over the lazy dog".to_vec();
    let put = env
        .req("PUT", &object_path(BUCKET, "docs/fox.txt"))
        .header("content-type", "text/plain; charset=utf-8")
        .header("content-disposition", "attachment; filename=\"fox.txt\"")
        .header("content-language", "en")
        .header("cache-control", "max-age=60")
        .header("expires", "Thu, 01 Jan 2026 01:00:00 GMT")
        .header("x-amz-meta-color", "brown")
        .header("x-amz-meta-Animal-Kind", "fox")
        .body(body.clone())
        .send();
    assert_ok(&put, 200);
    assert_eq!(put.header("etag"), Some(quoted_md5(&body).as_str()));
    assert_eq!(
        put.header("etag"),
        Some("\"9e107d9d372bb6826bd81d3542a419d6\"")
    );

    for method in ["GET", "HEAD"] {
        let resp = env.req(method, &object_path(BUCKET, "docs/fox.txt")).send();
        assert_ok(&resp, 200);
        if method == "GET" {
            assert_eq!(resp.body, body);
        } else {
            assert!(resp.body.is_empty());
        }
        assert_eq!(resp.header("etag"), Some(quoted_md5(&body).as_str()));
        assert_eq!(resp.header("content-length"), Some("43"));
        assert_eq!(
            resp.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            resp.header("content-disposition"),
            Some("attachment; filename=\"fox.txt\"")
        );
        assert_eq!(resp.header("content-language"), Some("en"));
        assert_eq!(resp.header("cache-control"), Some("max-age=60"));
        assert_eq!(
            resp.header("expires"),
            Some("Thu, 01 Jan 2026 01:00:00 GMT")
        );
        assert_eq!(resp.header("x-amz-meta-color"), Some("brown"));
        assert_eq!(resp.header("x-amz-meta-animal-kind"), Some("fox"));
        assert_eq!(
            resp.header("last-modified"),
            Some("Thu, 01 Jan 2026 00:00:00 GMT")
        );
        assert_eq!(resp.header("accept-ranges"), Some("bytes"));
    }

    // Without a content type S3 answers binary/octet-stream; an empty object round-trips.
    assert_ok(&env.put(BUCKET, "empty", b""), 200);
    let empty = env.get(BUCKET, "empty");
    assert_ok(&empty, 200);
    assert!(empty.body.is_empty());
    assert_eq!(empty.header("content-length"), Some("0"));
    assert_eq!(empty.header("content-type"), Some("binary/octet-stream"));
    assert_eq!(
        empty.header("etag"),
        Some("\"d41d8cd98f00b204e9800998ecf8427e\"")
    );

    // Overwrite replaces bytes and headers, and retires the old blob.
    assert_ok(&env.put(BUCKET, "docs/fox.txt", b"v2"), 200);
    let v2 = env.get(BUCKET, "docs/fox.txt");
    assert_eq!(v2.body, b"v2");
    assert_eq!(v2.header("x-amz-meta-color"), None);
    assert_eq!(v2.header("content-type"), Some("binary/octet-stream"));
    assert_eq!(env.blobs().len(), env.blobs_for(&[0, 2]));

    // Keys with spaces, pluses, unicode and slashes survive the trip through the path.
    let odd = "dir one/a+b=c&d/é 🦀.txt";
    assert_ok(&env.put(BUCKET, odd, b"odd"), 200);
    assert_eq!(env.get(BUCKET, odd).body, b"odd");
    env.get(BUCKET, "dir one/a b=c&d/é 🦀.txt")
        .assert_error(404, "NoSuchKey");
    let missing = env.get(BUCKET, "missing/key");
    missing.assert_error(404, "NoSuchKey");
    assert_eq!(xml_values(&missing.text(), "Key"), ["missing/key"]);
    assert_eq!(
        xml_values(&missing.text(), "Resource"),
        [format!("/{BUCKET}/missing/key")]
    );
}

#[test]
fn ranges() {
    let env = env_with_bucket();
    let body: Vec<u8> = (0u8..100).collect();
    assert_ok(&env.put(BUCKET, "r", &body), 200);
    let get = |range: &str| {
        env.req("GET", &object_path(BUCKET, "r"))
            .header("range", range)
            .send()
    };

    let r = get("bytes=10-19");
    assert_ok(&r, 206);
    assert_eq!(r.body, &body[10..20]);
    assert_eq!(r.header("content-range"), Some("bytes 10-19/100"));
    assert_eq!(r.header("content-length"), Some("10"));
    assert_eq!(r.header("etag"), Some(quoted_md5(&body).as_str()));

    let suffix = get("bytes=-7");
    assert_ok(&suffix, 206);
    assert_eq!(suffix.body, &body[93..]);
    assert_eq!(suffix.header("content-range"), Some("bytes 93-99/100"));

    let open = get("bytes=95-");
    assert_eq!(open.status, 206);
    assert_eq!(open.body, &body[95..]);
    assert_eq!(open.header("content-range"), Some("bytes 95-99/100"));

    let clamped = get("bytes=90-1000");
    assert_eq!(clamped.status, 206);
    assert_eq!(clamped.body, &body[90..]);
    assert_eq!(clamped.header("content-range"), Some("bytes 90-99/100"));

    let longer_suffix = get("bytes=-500");
    assert_eq!(longer_suffix.status, 206);
    assert_eq!(longer_suffix.body, body);

    let unsatisfiable = get("bytes=100-");
    unsatisfiable.assert_error(416, "InvalidRange");
    assert_eq!(unsatisfiable.header("content-range"), Some("bytes */100"));
    assert_eq!(
        xml_values(&unsatisfiable.text(), "ActualObjectSize"),
        ["100"]
    );
    let head416 = env
        .req("HEAD", &object_path(BUCKET, "r"))
        .header("range", "bytes=200-300")
        .send();
    head416.assert_head_error(416);
    assert_eq!(head416.header("content-range"), Some("bytes */100"));

    // A header S3 cannot use (several ranges, another unit) is ignored: the whole object.
    for ignored in ["bytes=0-1,5-6", "items=0-1", "bytes=9-3"] {
        let whole = get(ignored);
        assert_eq!(whole.status, 200, "{ignored}");
        assert_eq!(whole.body, body);
        assert_eq!(whole.header("content-range"), None);
    }
}

#[test]
fn conditional_reads_and_response_overrides() {
    let env = env_with_bucket();
    let body = b"conditional body";
    assert_ok(
        &env.req("PUT", &object_path(BUCKET, "c"))
            .header("content-type", "text/plain")
            .body(body.to_vec())
            .send(),
        200,
    );
    let etag = quoted_md5(body);
    let get = |name: &str, value: &str| {
        env.req("GET", &object_path(BUCKET, "c"))
            .header(name, value)
            .send()
    };

    let not_modified = get("if-none-match", &etag);
    assert_ok(&not_modified, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
    assert_eq!(get("if-none-match", "\"0123\"").body, body);

    get("if-match", "\"0123456789abcdef0123456789abcdef\"").assert_error(412, "PreconditionFailed");
    assert_eq!(get("if-match", &etag).body, body);
    env.req("HEAD", &object_path(BUCKET, "c"))
        .header("if-match", "\"nope\"")
        .send()
        .assert_head_error(412);

    let overridden = env
        .req("GET", &object_path(BUCKET, "c"))
        .query(&query_string(&[
            ("response-content-type", "application/json"),
            ("response-content-disposition", "inline"),
            ("response-cache-control", "no-store"),
        ]))
        .send();
    assert_ok(&overridden, 200);
    assert_eq!(overridden.body, body);
    let content_types: Vec<_> = overridden
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .collect();
    assert_eq!(content_types.len(), 1, "{:?}", overridden.headers);
    assert_eq!(overridden.header("content-type"), Some("application/json"));
    assert_eq!(overridden.header("content-disposition"), Some("inline"));
    assert_eq!(overridden.header("cache-control"), Some("no-store"));
    // The override applies to that answer only.
    assert_eq!(
        env.get(BUCKET, "c").header("content-type"),
        Some("text/plain")
    );
}

#[test]
fn conditional_writes() {
    let env = env_with_bucket();
    let fresh = env
        .req("PUT", &object_path(BUCKET, "once"))
        .header("if-none-match", "*")
        .body(b"first".to_vec())
        .send();
    assert_ok(&fresh, 200);
    let blobs = env.blobs();

    let again = env
        .req("PUT", &object_path(BUCKET, "once"))
        .header("if-none-match", "*")
        .body(b"second".to_vec())
        .send();
    again.assert_error(412, "PreconditionFailed");
    let get = env.get(BUCKET, "once");
    assert_eq!(get.body, b"first");
    assert_eq!(get.header("etag"), Some(quoted_md5(b"first").as_str()));
    assert_eq!(env.blobs(), blobs);

    env.req("PUT", &object_path(BUCKET, "once"))
        .header("if-match", "\"00000000000000000000000000000000\"")
        .body(b"third".to_vec())
        .send()
        .assert_error(412, "PreconditionFailed");
    assert_eq!(env.get(BUCKET, "once").body, b"first");
    let matched = env
        .req("PUT", &object_path(BUCKET, "once"))
        .header("if-match", &quoted_md5(b"first"))
        .body(b"fourth".to_vec())
        .send();
    assert_ok(&matched, 200);
    assert_eq!(env.get(BUCKET, "once").body, b"fourth");
    assert_eq!(env.blobs().len(), env.blobs_for(&[6]));
}

#[test]
fn delete_is_idempotent() {
    let env = env_with_bucket();
    assert_ok(&env.put(BUCKET, "gone", b"bytes"), 200);
    assert_eq!(env.blobs().len(), env.blobs_for(&[5]));
    assert_eq!(env.index_entries().len(), env.index_entries_for(1));
    assert_ok(&env.delete(BUCKET, "gone"), 204);
    assert_ok(&env.delete(BUCKET, "gone"), 204);
    assert_ok(&env.delete(BUCKET, "never-existed"), 204);
    env.get(BUCKET, "gone").assert_error(404, "NoSuchKey");
    env.req("HEAD", &object_path(BUCKET, "gone"))
        .send()
        .assert_head_error(404);
    assert!(env.blobs().is_empty());
    assert!(env.index_entries().is_empty());
    assert!(ListPage::parse(&env.list_v2(BUCKET, &[]).text())
        .contents
        .is_empty());
}

#[test]
fn metadata_and_key_limits() {
    let env = env_with_bucket();
    // 2 KB of user metadata (names without the prefix, plus values) is the limit.
    let at_limit = "v".repeat(2048 - "big".len());
    assert_ok(
        &env.req("PUT", &object_path(BUCKET, "meta-ok"))
            .header("x-amz-meta-big", &at_limit)
            .body(b"m".to_vec())
            .send(),
        200,
    );
    assert_eq!(
        env.get(BUCKET, "meta-ok").header("x-amz-meta-big"),
        Some(at_limit.as_str())
    );
    let blobs = env.blobs();
    env.req("PUT", &object_path(BUCKET, "meta-big"))
        .header("x-amz-meta-big", &format!("{at_limit}v"))
        .body(b"m".to_vec())
        .send()
        .assert_error(400, "MetadataTooLarge");
    env.req("PUT", &object_path(BUCKET, "meta-big"))
        .header("x-amz-meta-a", &"a".repeat(1500))
        .header("x-amz-meta-b", &"b".repeat(1500))
        .body(b"m".to_vec())
        .send()
        .assert_error(400, "MetadataTooLarge");
    env.get(BUCKET, "meta-big").assert_error(404, "NoSuchKey");
    assert_eq!(env.blobs(), blobs);

    // A key of 1,024 bytes (multi-byte characters included) works end to end.
    let long_key = format!("{}{}", "é".repeat(500), "k".repeat(24));
    assert_eq!(long_key.len(), 1024);
    let put = env.put(BUCKET, &long_key, b"long");
    assert_ok(&put, 200);
    assert_eq!(env.get(BUCKET, &long_key).body, b"long");
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert!(listed.keys().contains(&long_key));
    assert_ok(&env.delete(BUCKET, &long_key), 204);
    env.get(BUCKET, &long_key).assert_error(404, "NoSuchKey");

    let too_long = "k".repeat(1025);
    let refused = env.put(BUCKET, &too_long, b"x");
    refused.assert_error(400, "KeyTooLongError");
    assert_eq!(xml_values(&refused.text(), "Size"), ["1025"]);
    assert_eq!(env.blobs(), blobs);
}

fn attributes(env: &Env, key: &str, attributes: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = env
        .req("GET", &object_path(BUCKET, key))
        .query("attributes")
        .header("x-amz-object-attributes", attributes);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    req.send()
}

#[test]
fn get_object_attributes_of_a_single_part_object() {
    let env = env_with_bucket();
    let body = b"attributes of me".to_vec();
    assert_ok(
        &env.req("PUT", &object_path(BUCKET, "a b"))
            .header("x-amz-checksum-crc32", &crc32_b64(&body))
            .header("x-amz-storage-class", "STANDARD_IA")
            .body(body.clone())
            .send(),
        200,
    );
    let all = "ETag,Checksum,ObjectParts,StorageClass,ObjectSize";
    let resp = attributes(&env, "a b", all, &[]);
    assert_ok(&resp, 200);
    assert_eq!(
        resp.header("last-modified"),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    assert_eq!(resp.header("content-type"), Some("application/xml"));
    let xml = resp.text();
    assert!(
        xml.contains(
            "<GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        ),
        "{xml}"
    );
    assert_eq!(xml_values(&xml, "ETag"), [md5_hex(&body)], "no quotes");
    assert_eq!(xml_values(&xml, "ChecksumCRC32"), [crc32_b64(&body)]);
    assert_eq!(xml_values(&xml, "ChecksumType"), ["FULL_OBJECT"]);
    assert_eq!(xml_values(&xml, "StorageClass"), ["STANDARD_IA"]);
    assert_eq!(xml_values(&xml, "ObjectSize"), [body.len().to_string()]);
    assert!(
        !xml.contains("ObjectParts"),
        "a single-part object has no parts: {xml}"
    );
    let some = attributes(&env, "a b", "ObjectSize", &[]).text();
    assert_eq!(xml_values(&some, "ObjectSize"), [body.len().to_string()]);
    assert!(
        !some.contains("ETag") && !some.contains("Checksum"),
        "{some}"
    );

    // The attribute list is required and checked before the key is looked up.
    env.req("GET", &object_path(BUCKET, "a b"))
        .query("attributes")
        .send()
        .assert_error(400, "InvalidRequest");
    attributes(&env, "missing", "", &[]).assert_error(400, "InvalidRequest");
    attributes(&env, "missing", "ETag,Owner", &[]).assert_error(400, "InvalidArgument");
    attributes(&env, "a b", "ETag", &[("x-amz-max-parts", "x")])
        .assert_error(400, "InvalidArgument");
    attributes(&env, "missing", "ETag", &[]).assert_error(404, "NoSuchKey");
    env.req("GET", &object_path("no-such-bucket", "a b"))
        .query("attributes")
        .header("x-amz-object-attributes", "ETag")
        .send()
        .assert_error(404, "NoSuchBucket");
    env.req("GET", &object_path(BUCKET, "a b"))
        .query("attributes")
        .header("x-amz-object-attributes", "ETag")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");

    // Conditional headers as GetObject applies them.
    let etag = quoted_md5(&body);
    let (before, now) = (
        "Wed, 31 Dec 2025 00:00:00 GMT",
        "Thu, 01 Jan 2026 00:00:00 GMT",
    );
    assert_ok(
        &attributes(&env, "a b", "ETag", &[("if-match", &etag)]),
        200,
    );
    attributes(&env, "a b", "ETag", &[("if-match", "\"other\"")])
        .assert_error(412, "PreconditionFailed");
    attributes(&env, "a b", "ETag", &[("if-unmodified-since", before)])
        .assert_error(412, "PreconditionFailed");
    assert_ok(
        &attributes(
            &env,
            "a b",
            "ETag",
            &[("if-match", &etag), ("if-unmodified-since", before)],
        ),
        200,
    );
    for conditions in [
        &[("if-none-match", etag.as_str())][..],
        &[("if-modified-since", now)][..],
        &[
            ("if-none-match", etag.as_str()),
            ("if-modified-since", before),
        ][..],
    ] {
        let resp = attributes(&env, "a b", "ETag", conditions);
        assert_eq!(resp.status, 304, "{conditions:?}");
        assert!(resp.body.is_empty());
        assert_eq!(resp.header("etag"), Some(etag.as_str()));
    }
    assert_ok(
        &attributes(&env, "a b", "ETag", &[("if-modified-since", before)]),
        200,
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Integrity

/// A PUT that fails an integrity check leaves the previous object and no new blob.
#[test]
fn failed_integrity_checks_keep_the_previous_object() {
    let env = env_with_bucket();
    let v1 = b"version one".to_vec();
    assert_ok(&env.put(BUCKET, "k", &v1), 200);
    let blobs = env.blobs();
    assert_eq!(blobs.len(), env.blobs_for(&[v1.len()]));
    let v2 = b"version two!".to_vec();

    let bad_md5 = env
        .req("PUT", &object_path(BUCKET, "k"))
        .header("content-md5", &md5_b64(b"something else"))
        .body(v2.clone())
        .send();
    bad_md5.assert_error(400, "BadDigest");

    let bad_sha = env
        .req("PUT", &object_path(BUCKET, "k"))
        .payload_hash(&sigv4::sha256_hex(b"something else"))
        .body(v2.clone())
        .send();
    bad_sha.assert_error(400, "XAmzContentSHA256Mismatch");

    let bad_crc = env
        .req("PUT", &object_path(BUCKET, "k"))
        .header("x-amz-checksum-crc32", &b64(&0xCBF4_3926u32.to_be_bytes()))
        .body(v2.clone())
        .send();
    bad_crc.assert_error(400, "BadDigest");

    // The same checks with UNSIGNED-PAYLOAD (R2 or the Rust filter verifies alone).
    env.req("PUT", &object_path(BUCKET, "k"))
        .payload_hash("UNSIGNED-PAYLOAD")
        .header("content-md5", &md5_b64(b"something else"))
        .body(v2.clone())
        .send()
        .assert_error(400, "BadDigest");
    env.req("PUT", &object_path(BUCKET, "k"))
        .payload_hash("UNSIGNED-PAYLOAD")
        .header("x-amz-checksum-crc64nvme", &b64(&[0u8; 8]))
        .body(v2.clone())
        .send()
        .assert_error(400, "BadDigest");
    // A signed payload hash that is right, with a wrong x-amz-checksum-sha256.
    env.req("PUT", &object_path(BUCKET, "k"))
        .header("x-amz-checksum-sha256", &b64(&Sha256::digest(b"other")))
        .body(v2.clone())
        .send()
        .assert_error(400, "BadDigest");

    let get = env.get(BUCKET, "k");
    assert_eq!(get.body, v1);
    assert_eq!(get.header("etag"), Some(quoted_md5(&v1).as_str()));
    assert_eq!(env.blobs(), blobs);
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(listed.contents.len(), 1);
    assert_eq!(listed.contents[0].etag, quoted_md5(&v1));

    // And a correct Content-MD5 is accepted.
    let good = env
        .req("PUT", &object_path(BUCKET, "k"))
        .header("content-md5", &md5_b64(&v2))
        .body(v2.clone())
        .send();
    assert_ok(&good, 200);
    assert_eq!(env.get(BUCKET, "k").body, v2);
    assert_eq!(env.blobs().len(), env.blobs_for(&[v2.len()]));
}

/// S3 answers a wrong `x-amz-checksum-sha256` with BadDigest whatever the payload mode; the
/// XAmzContentSHA256Mismatch code is for a wrong `x-amz-content-sha256`.
#[test]
fn wrong_checksum_sha256_with_unsigned_payload_is_bad_digest() {
    let env = env_with_bucket();
    assert_ok(&env.put(BUCKET, "k", b"v1"), 200);
    let blobs = env.blobs();
    env.req("PUT", &object_path(BUCKET, "k"))
        .payload_hash("UNSIGNED-PAYLOAD")
        .header("x-amz-checksum-sha256", &b64(&Sha256::digest(b"other")))
        .body(b"v2".to_vec())
        .send()
        .assert_error(400, "BadDigest");
    assert_eq!(env.get(BUCKET, "k").body, b"v1");
    assert_eq!(env.blobs(), blobs);
}

#[test]
fn flexible_checksums_are_stored_and_returned() {
    let env = env_with_bucket();
    // Catalogue check values of "123456789", computed independently of the crate.
    let body = b"123456789";
    let cases = [
        ("crc32", "CRC32", b64(&0xCBF4_3926u32.to_be_bytes())),
        ("crc32c", "CRC32C", b64(&0xE306_9283u32.to_be_bytes())),
        (
            "crc64nvme",
            "CRC64NVME",
            b64(&0xAE8B_1486_0A79_9888u64.to_be_bytes()),
        ),
        ("sha1", "SHA1", b64(&Sha1::digest(body))),
        ("sha256", "SHA256", b64(&Sha256::digest(body))),
    ];
    for (name, alg, value) in &cases {
        let key = format!("sum/{name}");
        let header = format!("x-amz-checksum-{name}");
        for payload in [None, Some("UNSIGNED-PAYLOAD")] {
            let mut req = env
                .req("PUT", &object_path(BUCKET, &key))
                .header(&header, value)
                .body(body.to_vec());
            if let Some(p) = payload {
                req = req.payload_hash(p);
            }
            let put = req.send();
            assert_ok(&put, 200);
            assert_eq!(put.header(&header), Some(value.as_str()), "{name}");
        }

        let with_mode = env
            .req("GET", &object_path(BUCKET, &key))
            .header("x-amz-checksum-mode", "ENABLED")
            .send();
        assert_ok(&with_mode, 200);
        assert_eq!(with_mode.body, body);
        assert_eq!(with_mode.header(&header), Some(value.as_str()), "{name}");
        assert_eq!(with_mode.header("x-amz-checksum-type"), Some("FULL_OBJECT"));
        let head = env
            .req("HEAD", &object_path(BUCKET, &key))
            .header("x-amz-checksum-mode", "ENABLED")
            .send();
        assert_eq!(head.header(&header), Some(value.as_str()), "{name}");
        // Not asked for: not sent.
        assert_eq!(env.get(BUCKET, &key).header(&header), None);
        // A part of the object does not carry the whole object's checksum.
        let ranged = env
            .req("GET", &object_path(BUCKET, &key))
            .header("x-amz-checksum-mode", "ENABLED")
            .header("range", "bytes=0-3")
            .send();
        assert_eq!(ranged.status, 206);
        assert_eq!(ranged.header(&header), None);

        let record = env.record(BUCKET, &key).expect("record");
        assert_eq!(record.checksum, Some((alg.to_string(), value.clone())));
    }

    let listed = ListPage::parse(&env.list_v2(BUCKET, &[("prefix", "sum/")]).text());
    let algorithms: Vec<_> = listed
        .contents
        .iter()
        .map(|c| (c.key.as_str(), c.checksum_algorithm.as_deref()))
        .collect();
    assert_eq!(
        algorithms,
        [
            ("sum/crc32", Some("CRC32")),
            ("sum/crc32c", Some("CRC32C")),
            ("sum/crc64nvme", Some("CRC64NVME")),
            ("sum/sha1", Some("SHA1")),
            ("sum/sha256", Some("SHA256")),
        ]
    );
    assert_eq!(env.blobs().len(), env.blobs_for(&[body.len(); 5]));
}

// ---------------------------------------------------------------------------------------------
// 4. aws-chunked

fn crc32_b64(data: &[u8]) -> String {
    b64(&Crc::<u32>::new(&CRC_32_ISO_HDLC)
        .checksum(data)
        .to_be_bytes())
}

/// `hex-size\r\ndata\r\n` per chunk, then `0\r\n`, the trailers and the closing empty line.
fn unsigned_chunked(data: &[u8], chunk: usize, trailers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n");
    for (name, value) in trailers {
        out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn chunked_put(env: &Env, key: &str, decoded: &[u8], encoded: Vec<u8>) -> Resp {
    env.req("PUT", &object_path(BUCKET, key))
        .payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        .header("content-encoding", "aws-chunked")
        .header("x-amz-decoded-content-length", &decoded.len().to_string())
        .header("x-amz-trailer", "x-amz-checksum-crc32")
        .header("content-type", "text/csv")
        .body(encoded)
        .send()
}

#[test]
fn aws_chunked_unsigned_trailer() {
    let env = env_with_bucket();
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let crc = crc32_b64(&data);
    let encoded = unsigned_chunked(&data, 8192, &[("x-amz-checksum-crc32", &crc)]);
    let put = chunked_put(&env, "chunked", &data, encoded);
    assert_ok(&put, 200);
    assert_eq!(put.header("etag"), Some(quoted_md5(&data).as_str()));
    assert_eq!(put.header("x-amz-checksum-crc32"), Some(crc.as_str()));

    let get = env
        .req("GET", &object_path(BUCKET, "chunked"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send();
    assert_ok(&get, 200);
    assert_eq!(get.body, data);
    assert_eq!(get.header("content-length"), Some("20000"));
    assert_eq!(get.header("x-amz-checksum-crc32"), Some(crc.as_str()));
    assert_eq!(get.header("content-type"), Some("text/csv"));
    // aws-chunked is framing, not a content encoding of the object.
    assert_eq!(get.header("content-encoding"), None);
    assert_eq!(
        env.record(BUCKET, "chunked").unwrap().checksum,
        Some(("CRC32".to_string(), crc.clone()))
    );
    let blobs = env.blobs();
    assert_eq!(blobs.len(), 1);

    // A wrong trailer checksum: BadDigest, the object and the blobs as they were.
    let other: Vec<u8> = data.iter().map(|b| b ^ 0x55).collect();
    let wrong = unsigned_chunked(&other, 4096, &[("x-amz-checksum-crc32", &crc)]);
    chunked_put(&env, "chunked", &other, wrong).assert_error(400, "BadDigest");
    let wrong_new = unsigned_chunked(&other, 4096, &[("x-amz-checksum-crc32", &crc)]);
    chunked_put(&env, "chunked-new", &other, wrong_new).assert_error(400, "BadDigest");
    env.get(BUCKET, "chunked-new")
        .assert_error(404, "NoSuchKey");
    assert_eq!(env.get(BUCKET, "chunked").body, data);
    assert_eq!(env.blobs(), blobs);

    // A body shorter than x-amz-decoded-content-length is refused and stores nothing.
    let short = unsigned_chunked(
        &data[..100],
        64,
        &[("x-amz-checksum-crc32", &crc32_b64(&data[..100]))],
    );
    let resp = chunked_put(&env, "chunked-short", &data, short);
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(env.blobs(), blobs);
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(listed.keys(), ["chunked"]);
}

/// STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]: the chunk signatures chain from the request's
/// own signature; computed here with the crate's ChunkSigner.
fn signed_chunked_put(
    env: &Env,
    key: &str,
    data: &[u8],
    chunk: usize,
    trailer: bool,
    tamper: bool,
) -> Resp {
    let encode = |signed: Option<&Signed>| -> Vec<u8> {
        let mut previous = signed.map(|s| s.seed_signature.clone());
        let signer = |previous: &Option<String>| {
            signed.map(|s| {
                ChunkSigner::new(
                    s.signing_key,
                    s.amz_date.clone(),
                    s.scope.clone(),
                    previous.clone().unwrap(),
                )
            })
        };
        let mut out = Vec::new();
        let pieces: Vec<&[u8]> = data.chunks(chunk).chain([&[][..]]).collect();
        for piece in pieces {
            let sig = match signer(&previous) {
                Some(s) => s.chunk_signature(&Sha256::digest(piece).into()),
                None => "0".repeat(64),
            };
            out.extend_from_slice(
                format!("{:x};chunk-signature={sig}\r\n", piece.len()).as_bytes(),
            );
            let mut piece = piece.to_vec();
            if tamper && signed.is_some() && !piece.is_empty() && out.len() > 100 {
                piece[0] ^= 1;
            }
            out.extend_from_slice(&piece);
            if !piece.is_empty() {
                out.extend_from_slice(b"\r\n");
            }
            previous = Some(sig);
        }
        if trailer {
            let line = format!("x-amz-checksum-crc32:{}", crc32_b64(data));
            let sig = match signer(&previous) {
                Some(s) => s.trailer_signature(format!("{line}\n").as_bytes()),
                None => "0".repeat(64),
            };
            out.extend_from_slice(
                format!("{line}\r\nx-amz-trailer-signature:{sig}\r\n").as_bytes(),
            );
        }
        out.extend_from_slice(b"\r\n");
        out
    };
    let length = encode(None).len();
    let mut req = env
        .req("PUT", &object_path(BUCKET, key))
        .payload_hash(if trailer {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
        } else {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
        })
        .header("content-encoding", "aws-chunked")
        .header("content-length", &length.to_string())
        .header("x-amz-decoded-content-length", &data.len().to_string());
    if trailer {
        req = req.header("x-amz-trailer", "x-amz-checksum-crc32");
    }
    let signed = req.sign();
    let body = encode(Some(&signed));
    assert_eq!(body.len(), length);
    env.handle(signed.head, body)
}

#[test]
fn aws_chunked_signed_payload() {
    let env = env_with_bucket();
    let data: Vec<u8> = (0..70_000u32).map(|i| (i % 253) as u8).collect();

    let put = signed_chunked_put(&env, "signed", &data, 65536, false, false);
    assert_ok(&put, 200);
    assert_eq!(put.header("etag"), Some(quoted_md5(&data).as_str()));
    let get = env.get(BUCKET, "signed");
    assert_eq!(get.body, data);
    assert_eq!(get.header("content-encoding"), None);

    let put = signed_chunked_put(&env, "signed-trailer", &data, 10_000, true, false);
    assert_ok(&put, 200);
    let get = env
        .req("GET", &object_path(BUCKET, "signed-trailer"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send();
    assert_eq!(get.body, data);
    assert_eq!(
        get.header("x-amz-checksum-crc32"),
        Some(crc32_b64(&data).as_str())
    );
    let blobs = env.blobs();
    assert_eq!(blobs.len(), 2);

    // A chunk altered after signing fails its chunk signature: nothing changes.
    let other: Vec<u8> = data.iter().rev().copied().collect();
    for trailer in [false, true] {
        signed_chunked_put(&env, "signed", &other, 8192, trailer, true)
            .assert_error(403, "SignatureDoesNotMatch");
    }
    assert_eq!(env.get(BUCKET, "signed").body, data);
    assert_eq!(env.blobs(), blobs);
}

// ---------------------------------------------------------------------------------------------
// 5. Listing

/// Keys over a few prefixes plus root-level ones, with case and punctuation mixed in.
fn listing_keys(per_prefix: usize, root: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for prefix in ["alpha/", "beta/", "gamma/"] {
        for i in 0..per_prefix {
            keys.push(match i % 4 {
                0 => format!("{prefix}{i:05}"),
                1 => format!("{prefix}Item {i:05}"),
                2 => format!("{prefix}sub-{}/{i:05}.bin", i % 3),
                _ => format!("{prefix}x+{i:05}~é"),
            });
        }
    }
    for i in 0..root {
        keys.push(if i % 2 == 0 {
            format!("Root-{i:04}")
        } else {
            format!("root-{i:04}.txt")
        });
    }
    keys
}

fn fill(env: &Env, bucket: &str, keys: &[String]) {
    for key in keys {
        let put = env.put(bucket, key, key.as_bytes());
        assert_eq!(put.status, 200, "{key}: {}", put.text());
    }
}

#[test]
fn listing_pages_delimiters_markers_and_encoding() {
    let env = env_with_bucket();
    let keys = listing_keys(800, 100);
    assert_eq!(keys.len(), 2500);
    fill(&env, BUCKET, &keys);
    let mut sorted = keys.clone();
    sorted.sort();

    // ListObjectsV2, 1,000 per page, via continuation tokens: every key once, in byte order.
    let (listed, costs) = env.walk_v2(BUCKET, &[]);
    assert_eq!(costs.len(), 3);
    assert_eq!(listed, sorted);
    let first = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(first.contents.len(), 1000);
    assert_eq!(first.key_count, Some(1000));
    assert!(first.is_truncated);
    let entry = &first.contents[0];
    assert_eq!(entry.size, entry.key.len() as u64);
    assert_eq!(entry.etag, quoted_md5(entry.key.as_bytes()));

    // Small pages agree too.
    let (small, _) = env.walk_v2(BUCKET, &[("max-keys", "333"), ("prefix", "beta/")]);
    let beta: Vec<String> = sorted
        .iter()
        .filter(|k| k.starts_with("beta/"))
        .cloned()
        .collect();
    assert_eq!(small, beta);

    // Delimiter at the root: the three prefixes and the root keys, in one page.
    let root = ListPage::parse(&env.list_v2(BUCKET, &[("delimiter", "/")]).text());
    assert_eq!(root.common_prefixes, ["alpha/", "beta/", "gamma/"]);
    let root_keys: Vec<String> = sorted
        .iter()
        .filter(|k| !k.contains('/'))
        .cloned()
        .collect();
    assert_eq!(root.keys(), root_keys);
    assert!(!root.is_truncated);
    assert_eq!(root.key_count, Some(103));

    // Delimiter under a prefix: sub-directories roll up, the rest are keys.
    let (alpha_sub, _) = env.walk_v2(BUCKET, &[("prefix", "alpha/"), ("delimiter", "/")]);
    let alpha = ListPage::parse(
        &env.list_v2(BUCKET, &[("prefix", "alpha/"), ("delimiter", "/")])
            .text(),
    );
    assert_eq!(
        alpha.common_prefixes,
        ["alpha/sub-0/", "alpha/sub-1/", "alpha/sub-2/"]
    );
    assert_eq!(alpha_sub.len(), 600);
    assert!(alpha_sub.iter().all(|k| !k["alpha/".len()..].contains('/')));

    // Delimited pages of 2 walk prefixes and keys alike without repeating any.
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = vec![("delimiter", "/"), ("max-keys", "2")];
        if let Some(t) = &token {
            params.push(("continuation-token", t.as_str()));
        }
        let page = ListPage::parse(&env.list_v2(BUCKET, &params).text());
        assert!(page.contents.len() + page.common_prefixes.len() <= 2);
        seen.extend(page.common_prefixes.iter().cloned());
        seen.extend(page.keys());
        if !page.is_truncated {
            break;
        }
        token = page.next_token;
    }
    let mut expected: Vec<String> = root_keys.clone();
    expected.extend(["alpha/".to_string(), "beta/".into(), "gamma/".into()]);
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);

    // start-after in the middle.
    let middle = &sorted[1234];
    let after = ListPage::parse(&env.list_v2(BUCKET, &[("start-after", middle)]).text());
    assert_eq!(after.keys(), &sorted[1235..2235]);
    assert_eq!(
        xml_values(
            &env.list_v2(BUCKET, &[("start-after", middle)]).text(),
            "StartAfter"
        ),
        std::slice::from_ref(middle)
    );
    let (rest, _) = env.walk_v2(BUCKET, &[("start-after", middle)]);
    assert_eq!(rest, &sorted[1235..]);
    let not_a_key = format!("{middle}!");
    let after_missing = ListPage::parse(
        &env.list_v2(BUCKET, &[("start-after", &not_a_key), ("max-keys", "5")])
            .text(),
    );
    let greater: Vec<String> = sorted
        .iter()
        .filter(|k| **k > not_a_key)
        .take(5)
        .cloned()
        .collect();
    assert_eq!(after_missing.keys(), greater);

    // ListObjects (v1): marker, and NextMarker when a delimiter is given.
    let v1 = ListPage::parse(
        &env.list_v1(BUCKET, &[("marker", middle), ("max-keys", "10")])
            .text(),
    );
    assert_eq!(v1.keys(), &sorted[1235..1245]);
    assert!(v1.is_truncated);
    assert_eq!(v1.next_marker, None);
    let mut items: Vec<String> = Vec::new();
    let mut marker = String::new();
    for _ in 0..1000 {
        let page = ListPage::parse(
            &env.list_v1(
                BUCKET,
                &[("delimiter", "/"), ("max-keys", "7"), ("marker", &marker)],
            )
            .text(),
        );
        items.extend(page.common_prefixes.iter().cloned());
        items.extend(page.keys());
        if !page.is_truncated {
            assert_eq!(page.next_marker, None);
            break;
        }
        let next = page
            .next_marker
            .clone()
            .expect("NextMarker with a delimiter");
        let last = page
            .common_prefixes
            .iter()
            .chain(page.keys().iter())
            .max()
            .cloned()
            .unwrap();
        assert_eq!(next, last);
        marker = next;
    }
    items.sort();
    assert_eq!(items, expected);

    // max-keys=0: nothing listed.
    let zero = env.list_v2(BUCKET, &[("max-keys", "0")]);
    assert_ok(&zero, 200);
    let zero_page = ListPage::parse(&zero.text());
    assert!(zero_page.contents.is_empty() && zero_page.common_prefixes.is_empty());
    assert_eq!(zero_page.key_count, Some(0));
    assert_eq!(xml_values(&zero.text(), "MaxKeys"), ["0"]);
    env.list_v2(BUCKET, &[("max-keys", "-1")])
        .assert_error(400, "InvalidArgument");
    env.list_v2(BUCKET, &[("continuation-token", "***")])
        .assert_error(400, "InvalidArgument");

    // encoding-type=url: keys and prefixes percent-encoded as S3 does (space as %20, / kept).
    let encoded = env.list_v2(
        BUCKET,
        &[
            ("prefix", "alpha/"),
            ("encoding-type", "url"),
            ("max-keys", "1000"),
        ],
    );
    let text = encoded.text();
    assert_eq!(xml_values(&text, "EncodingType"), ["url"]);
    let raw_keys = ListPage::parse(&text).keys();
    assert!(
        raw_keys.contains(&"alpha/Item%2000001".to_string()),
        "{raw_keys:?}"
    );
    assert!(
        raw_keys.contains(&"alpha/x%2B00003~%C3%A9".to_string()),
        "{raw_keys:?}"
    );
    assert!(raw_keys.contains(&"alpha/sub-2/00002.bin".to_string()));
    let delimited = env.list_v2(
        BUCKET,
        &[
            ("prefix", "alpha/"),
            ("delimiter", " "),
            ("encoding-type", "url"),
        ],
    );
    let delimited_text = delimited.text();
    assert_eq!(
        ListPage::parse(&delimited_text).common_prefixes,
        ["alpha/Item%20"]
    );
    assert!(
        delimited_text.contains("<Prefix>alpha/</Prefix>"),
        "{delimited_text}"
    );
    assert!(
        delimited_text.contains("<Delimiter>%20</Delimiter>"),
        "{delimited_text}"
    );
    env.list_v2(BUCKET, &[("encoding-type", "base64")])
        .assert_error(400, "InvalidArgument");
}

/// Storage calls per listing page stay the same whatever the bucket size.
#[test]
fn listing_cost_is_bounded() {
    // One KV read of the bucket record, then R2 lists of at most 100 entries each (R2 returns
    // fewer entries per call when custom metadata is included): 11 for a full page of 1,000.
    const BOUND: usize = 12;
    let env = Env::new();
    assert_ok(&env.create_bucket("small"), 200);
    assert_ok(&env.create_bucket("large"), 200);
    let small = listing_keys(800, 100);
    let mut large = listing_keys(3300, 100);
    assert_eq!(large.len(), 10_000);
    fill(&env, "small", &small);
    fill(&env, "large", &large);
    large.sort();

    let (small_keys, small_costs) = env.walk_v2("small", &[]);
    assert_eq!(small_keys.len(), 2500);
    let (large_keys, large_costs) = env.walk_v2("large", &[]);
    assert_eq!(large_keys, large);
    eprintln!("storage calls per ListObjectsV2 page: 2,500 keys {small_costs:?}, 10,000 keys {large_costs:?}");
    let full_small = small_costs[0];
    assert!(full_small <= BOUND, "{small_costs:?}");
    // Every full page costs the same in both buckets.
    for cost in &large_costs[..large_costs.len() - 1] {
        assert_eq!(*cost, full_small, "{large_costs:?}");
    }
    assert!(large_costs.iter().chain(&small_costs).all(|&c| c <= BOUND));

    let measure = |bucket: &str, params: &[(&str, &str)]| {
        let before = env.store.calls();
        let resp = env.list_v2(bucket, params);
        assert_ok(&resp, 200);
        (env.store.calls() - before, ListPage::parse(&resp.text()))
    };
    let (small_root, page) = measure("small", &[("delimiter", "/")]);
    assert_eq!(page.common_prefixes.len(), 3);
    let (large_root, page) = measure("large", &[("delimiter", "/")]);
    assert_eq!(page.common_prefixes, ["alpha/", "beta/", "gamma/"]);
    assert_eq!(page.contents.len(), 100);
    let (large_sub, page) = measure("large", &[("delimiter", "/"), ("prefix", "beta/")]);
    assert_eq!(page.contents.len() + page.common_prefixes.len(), 1000);
    assert!(page.is_truncated);
    let (large_middle, page) = measure("large", &[("start-after", &large[5000])]);
    assert_eq!(page.keys(), &large[5001..6001]);
    let (v1_marker, _) = {
        let before = env.store.calls();
        let resp = env.list_v1("large", &[("marker", &large[7000]), ("delimiter", "/")]);
        assert_ok(&resp, 200);
        (env.store.calls() - before, ())
    };
    eprintln!(
        "delimiter at root: 2,500 keys {small_root}, 10,000 keys {large_root}; \
         delimiter under a prefix {large_sub}; start-after {large_middle}; v1 marker {v1_marker}"
    );
    assert_eq!(small_root, large_root);
    for cost in [small_root, large_root, large_sub, large_middle, v1_marker] {
        assert!(cost <= BOUND, "{cost}");
    }
}

const LONG_BUCKET: &str = "long-keys";

/// Keys longer than an R2 index name can hold (1,008 bytes of key in this bucket; longer keys
/// keep their first 991 bytes and a hash) mixed with short and verbatim keys that share those
/// 991 bytes. Returns the environment, the keys in byte order and the long shared prefix.
fn long_key_env() -> (Env, Vec<String>, String) {
    let env = Env::new();
    assert_ok(&env.create_bucket(LONG_BUCKET), 200);
    let x = |n: usize| "x".repeat(n);
    let p = format!("p/{}", x(1010));
    let keys: Vec<String> = vec![
        "a".into(),
        "z".into(),
        "p/short".into(),
        p.clone(),
        format!("{p}a"),
        format!("{p}b"),
        format!("{p}c"),
        format!("{p}A"),
        format!("{p}{}", "y".repeat(10)),
        format!("p/{}", x(1000)),
        format!("p/{}A", x(1005)),
        format!("p/{}", x(1022)),
        format!("p/{}B", x(995)),
        format!("p/{}", x(995)),
        format!("p/{}/tail", x(995)),
        format!("p/{}y", x(990)),
        format!("p/{}", x(980)),
        format!("q/{}", "w".repeat(1022)),
        format!("q/{}v", "w".repeat(1000)),
        format!("q/{}", "w".repeat(1000)),
    ];
    for key in &keys {
        assert!(key.len() <= 1024);
        let put = env.put(LONG_BUCKET, key, key.as_bytes());
        assert_eq!(put.status, 200, "{}: {}", key.len(), put.text());
    }
    let mut sorted = keys;
    sorted.sort();
    (env, sorted, p)
}

/// Long keys as (length, last character), for readable failure output.
fn shapes(keys: &[String]) -> Vec<(usize, Option<char>)> {
    keys.iter().map(|k| (k.len(), k.chars().last())).collect()
}

/// In one page, long keys list in byte order mixed with short ones.
#[test]
fn long_keys_list_in_byte_order() {
    let (env, sorted, p) = long_key_env();
    let (listed, _) = env.walk_v2(LONG_BUCKET, &[]);
    assert_eq!(shapes(&listed), shapes(&sorted));
    assert_eq!(listed, sorted);
    let v1 = ListPage::parse(&env.list_v1(LONG_BUCKET, &[]).text());
    assert_eq!(v1.keys(), sorted);
    let page = ListPage::parse(&env.list_v2(LONG_BUCKET, &[]).text());
    for entry in &page.contents {
        assert_eq!(entry.size, entry.key.len() as u64);
        assert_eq!(entry.etag, quoted_md5(entry.key.as_bytes()));
    }

    // A prefix longer than an index name can hold.
    let under_p: Vec<String> = sorted
        .iter()
        .filter(|k| k.starts_with(&p))
        .cloned()
        .collect();
    assert_eq!(under_p.len(), 7);
    let (listed, _) = env.walk_v2(LONG_BUCKET, &[("prefix", &p)]);
    assert_eq!(shapes(&listed), shapes(&under_p));
    let long_prefix = format!("{p}a");
    let (only, _) = env.walk_v2(LONG_BUCKET, &[("prefix", &long_prefix)]);
    assert_eq!(only, std::slice::from_ref(&long_prefix));
    let start_after = env.list_v2(LONG_BUCKET, &[("start-after", &long_prefix)]);
    let expected: Vec<String> = sorted
        .iter()
        .filter(|k| **k > long_prefix)
        .cloned()
        .collect();
    assert_eq!(
        shapes(&ListPage::parse(&start_after.text()).keys()),
        shapes(&expected)
    );

    // A delimiter under the short prefix rolls up the one long "directory".
    let page = ListPage::parse(
        &env.list_v2(LONG_BUCKET, &[("prefix", "p/"), ("delimiter", "/")])
            .text(),
    );
    assert_eq!(page.common_prefixes, [format!("p/{}/", "x".repeat(995))]);
    let expected: Vec<String> = sorted
        .iter()
        .filter(|k| k.starts_with("p/") && !k[2..].contains('/'))
        .cloned()
        .collect();
    assert_eq!(shapes(&page.keys()), shapes(&expected));

    // Every long key reads back and deletes, leaving nothing behind.
    for key in &sorted {
        assert_eq!(env.get(LONG_BUCKET, key).body, key.as_bytes());
    }
    for key in &sorted {
        assert_ok(&env.delete(LONG_BUCKET, key), 204);
    }
    assert!(env.index_entries().is_empty());
    assert!(env.blobs().is_empty());
}

/// Across small pages too: every key once, in byte order.
#[test]
fn long_keys_list_in_byte_order_across_pages() {
    let (env, sorted, p) = long_key_env();
    for max_keys in ["1", "2", "3", "5", "12"] {
        let (listed, _) = env.walk_v2(LONG_BUCKET, &[("max-keys", max_keys)]);
        assert_eq!(shapes(&listed), shapes(&sorted), "max-keys={max_keys}");
    }
    // v1 without a delimiter: clients continue from the last key.
    let mut v1 = Vec::new();
    let mut marker = String::new();
    loop {
        let page = ListPage::parse(
            &env.list_v1(LONG_BUCKET, &[("max-keys", "2"), ("marker", &marker)])
                .text(),
        );
        v1.extend(page.keys());
        if !page.is_truncated {
            break;
        }
        marker = v1.last().unwrap().clone();
    }
    assert_eq!(shapes(&v1), shapes(&sorted));
    let under_p: Vec<String> = sorted
        .iter()
        .filter(|k| k.starts_with(&p))
        .cloned()
        .collect();
    for max_keys in ["1", "2"] {
        let (listed, _) = env.walk_v2(LONG_BUCKET, &[("prefix", &p), ("max-keys", max_keys)]);
        assert_eq!(
            shapes(&listed),
            shapes(&under_p),
            "prefix, max-keys={max_keys}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 6. No loss under storage faults

/// What a GET answered, reduced to what must be consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Object {
        body: Vec<u8>,
        etag: String,
        version: String,
    },
    Missing,
}

fn observe(env: &Env, key: &str) -> Seen {
    let get = env.get(BUCKET, key);
    match get.status {
        200 => {
            assert_eq!(get.header("etag"), Some(quoted_md5(&get.body).as_str()));
            assert_eq!(
                get.header("content-length"),
                Some(get.body.len().to_string().as_str())
            );
            Seen::Object {
                etag: get.header("etag").unwrap().to_string(),
                version: get
                    .header("x-amz-meta-version")
                    .unwrap_or_default()
                    .to_string(),
                body: get.body,
            }
        }
        404 => {
            get.assert_error(404, "NoSuchKey");
            Seen::Missing
        }
        other => panic!("GET answered {other}: {}", get.text()),
    }
}

fn put_version(env: &Env, key: &str, version: &str, body: &[u8]) -> Resp {
    env.req("PUT", &object_path(BUCKET, key))
        .header("x-amz-meta-version", version)
        .header("content-type", &format!("application/x-{version}"))
        .body(body.to_vec())
        .send()
}

/// After the sweep: the blobs are exactly the one the record points to (if any), and the
/// listing agrees with what GET answers.
fn assert_consistent(env: &Env, key: &str, seen: &Seen) {
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    match seen {
        Seen::Object { body, etag, .. } => {
            let record = env.record(BUCKET, key).expect("a record");
            assert_eq!(env.blobs(), record.blobs());
            let stored = match record.inline_bytes(None) {
                Some(bytes) => Some(bytes.to_vec()),
                None => env.store.blob_bytes(&record.blob),
            };
            assert_eq!(stored.as_deref(), Some(&body[..]));
            assert_eq!(listed.contents.len(), 1, "{listed:?}");
            assert_eq!(listed.contents[0].key, key);
            assert_eq!(listed.contents[0].size, body.len() as u64);
            assert_eq!(&listed.contents[0].etag, etag);
            assert_eq!(env.index_entries().len(), env.index_entries_for(1));
        }
        Seen::Missing => {
            assert!(env.record(BUCKET, key).is_none());
            assert!(env.blobs().is_empty(), "{:?}", env.blobs());
            assert!(listed.contents.is_empty(), "{listed:?}");
            assert!(env.index_entries().is_empty());
        }
    }
}

#[test]
fn overwrite_never_loses_data_under_faults() {
    let key = "docs/report.txt";
    let v1 = b"version one, the original".to_vec();
    let v2 = b"version two, somewhat longer than the first".to_vec();
    let setup = || {
        let env = env_with_bucket();
        assert_ok(&put_version(&env, key, "one", &v1), 200);
        env
    };
    let env = setup();
    let before = env.store.calls();
    assert_ok(&put_version(&env, key, "two", &v2), 200);
    let calls = env.store.calls() - before;
    eprintln!("an overwrite PUT makes {calls} storage calls");
    assert!(
        calls >= if env.inlines(v2.len()) { 2 } else { 4 },
        "{calls}"
    );

    let expect_v1 = Seen::Object {
        body: v1.clone(),
        etag: quoted_md5(&v1),
        version: "one".into(),
    };
    let expect_v2 = Seen::Object {
        body: v2.clone(),
        etag: quoted_md5(&v2),
        version: "two".into(),
    };
    for fault in Fault::ALL {
        let mut outcomes = Vec::new();
        for n in 1..=calls + 1 {
            let env = setup();
            env.store.fail_from_call_with(n, fault);
            let put = put_version(&env, key, "two", &v2);
            env.store.heal();
            let seen = observe(&env, key);
            assert!(
                seen == expect_v1 || seen == expect_v2,
                "{fault:?} at call {n}: {seen:?}"
            );
            if put.status == 200 {
                assert_eq!(seen, expect_v2, "{fault:?} at call {n}: PUT succeeded");
            } else {
                put.assert_error(500, "InternalError");
            }
            env.sweep();
            assert_eq!(
                observe(&env, key),
                seen,
                "{fault:?} at call {n}: the sweep changed the object"
            );
            assert_consistent(&env, key, &seen);
            // A second pass finds nothing to do.
            let again = env.sweep();
            assert_eq!(
                (again.blobs_removed, again.index_repaired),
                (0, 0),
                "{fault:?} at call {n}"
            );
            outcomes.push((n, put.status, seen == expect_v2));
        }
        eprintln!("{fault:?}: (fault at call, PUT status, v2 visible): {outcomes:?}");
        assert!(outcomes.iter().any(|(_, _, v2)| !v2));
        assert!(outcomes.last().unwrap().2);
    }
}

/// A first PUT under faults: GET is all or nothing and no blob leaks.
#[test]
fn first_put_under_faults_leaks_nothing() {
    let key = "new-object";
    let body = b"brand new".to_vec();
    let env = env_with_bucket();
    let before = env.store.calls();
    assert_ok(&put_version(&env, key, "one", &body), 200);
    let calls = env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let env = env_with_bucket();
            env.store.fail_from_call_with(n, fault);
            let put = put_version(&env, key, "one", &body);
            env.store.heal();
            let seen = observe(&env, key);
            if put.status == 200 {
                assert_ne!(seen, Seen::Missing, "{fault:?} at call {n}");
            } else {
                put.assert_error(500, "InternalError");
            }
            env.sweep();
            assert_eq!(observe(&env, key), seen, "{fault:?} at call {n}");
            match &seen {
                Seen::Object { body: got, .. } => {
                    assert_eq!(got, &body);
                    let record = env.record(BUCKET, key).expect("a record");
                    assert_eq!(env.blobs(), record.blobs());
                }
                Seen::Missing => assert!(env.blobs().is_empty(), "{fault:?} at call {n}"),
            }
        }
    }
}

/// ...and the listing agrees with GET after the sweep. Fails when the index write (the last
/// call but one) fails after the record was written: the object reads but is never listed,
/// since the sweep only repairs index entries that exist.
#[test]
fn first_put_under_faults_is_listed_as_read() {
    let key = "new-object";
    let body = b"brand new".to_vec();
    let env = env_with_bucket();
    let before = env.store.calls();
    assert_ok(&put_version(&env, key, "one", &body), 200);
    let calls = env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let env = env_with_bucket();
            env.store.fail_from_call_with(n, fault);
            put_version(&env, key, "one", &body);
            env.store.heal();
            let seen = observe(&env, key);
            env.sweep();
            assert_consistent(&env, key, &seen);
        }
    }
}

#[test]
fn delete_under_faults_is_all_or_nothing() {
    let key = "to/delete";
    let v1 = b"doomed bytes".to_vec();
    let setup = || {
        let env = env_with_bucket();
        assert_ok(&put_version(&env, key, "one", &v1), 200);
        env
    };
    let env = setup();
    let before = env.store.calls();
    assert_ok(&env.delete(BUCKET, key), 204);
    let calls = env.store.calls() - before;
    eprintln!("a DELETE of an existing object makes {calls} storage calls");
    assert!(calls >= 2);
    let whole = Seen::Object {
        body: v1.clone(),
        etag: quoted_md5(&v1),
        version: "one".into(),
    };
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let env = setup();
            env.store.fail_from_call_with(n, fault);
            let delete = env.delete(BUCKET, key);
            env.store.heal();
            let seen = observe(&env, key);
            assert!(
                seen == whole || seen == Seen::Missing,
                "{fault:?} at call {n}: {seen:?}"
            );
            if delete.status == 204 {
                assert_eq!(seen, Seen::Missing, "{fault:?} at call {n}");
            } else {
                delete.assert_error(500, "InternalError");
            }
            env.sweep();
            assert_eq!(observe(&env, key), seen, "{fault:?} at call {n}");
            assert_consistent(&env, key, &seen);
            // A retried delete always finishes the job.
            assert_ok(&env.delete(BUCKET, key), 204);
            assert_consistent(&env, key, &Seen::Missing);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Errors and authentication

#[test]
fn authentication_errors() {
    let env = env_with_bucket();
    assert_ok(&env.put(BUCKET, "k", b"v"), 200);

    let anonymous = env.req("GET", &object_path(BUCKET, "k")).anonymous().send();
    anonymous.assert_error(403, "AccessDenied");
    assert_eq!(
        xml_values(&anonymous.text(), "Resource"),
        [format!("/{BUCKET}/k")]
    );

    let wrong_secret = env.req("GET", &object_path(BUCKET, "k"));
    let head = wrong_secret
        .sign_with(ALICE.access_key, "not-the-secret")
        .head;
    let resp = env.handle(head, Vec::new());
    resp.assert_error(403, "SignatureDoesNotMatch");
    assert!(!resp.text().contains(ALICE.secret));

    let unknown = env.req("GET", &object_path(BUCKET, "k"));
    let head = unknown.sign_with("AKIDUNKNOWN", ALICE.secret).head;
    let resp = env.handle(head, Vec::new());
    resp.assert_error(403, "InvalidAccessKeyId");
    assert_eq!(xml_values(&resp.text(), "AWSAccessKeyId"), ["AKIDUNKNOWN"]);

    for skew in [20 * 60, -20 * 60] {
        env.req("GET", &object_path(BUCKET, "k"))
            .at(NOW_UNIX + skew)
            .send()
            .assert_error(403, "RequestTimeTooSkewed");
    }
    // Within 15 minutes is fine.
    assert_ok(
        &env.req("GET", &object_path(BUCKET, "k"))
            .at(NOW_UNIX + 14 * 60)
            .send(),
        200,
    );

    // A tampered request (header changed after signing) fails its signature.
    let signed = env
        .req("PUT", &object_path(BUCKET, "k"))
        .body(b"new".to_vec())
        .sign();
    let mut head = signed.head;
    head.path = object_path(BUCKET, "other");
    env.handle(head, b"new".to_vec())
        .assert_error(403, "SignatureDoesNotMatch");
    assert_eq!(env.get(BUCKET, "k").body, b"v");
    env.get(BUCKET, "other").assert_error(404, "NoSuchKey");

    // Another user's bucket.
    env.req("GET", &object_path(BUCKET, "k"))
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");
    env.req("PUT", &object_path(BUCKET, "k"))
        .user(BOB)
        .body(b"bob".to_vec())
        .send()
        .assert_error(403, "AccessDenied");
    assert_eq!(env.get(BUCKET, "k").body, b"v");
}

#[test]
fn unimplemented_and_malformed_requests() {
    let env = env_with_bucket();
    let lifecycle = env
        .req("GET", &format!("/{BUCKET}"))
        .query("lifecycle")
        .send();
    lifecycle.assert_error(501, "NotImplemented");
    assert_eq!(
        xml_values(&lifecycle.text(), "Resource"),
        [format!("/{BUCKET}")]
    );
    env.req("PUT", &object_path(BUCKET, "k"))
        .header("x-amz-server-side-encryption-customer-algorithm", "AES256")
        .body(b"x".to_vec())
        .send()
        .assert_error(501, "NotImplemented");
    env.req("PATCH", &object_path(BUCKET, "k"))
        .send()
        .assert_error(405, "MethodNotAllowed");
    env.req("PUT", &object_path(BUCKET, "k"))
        .header("x-amz-storage-class", "PLATINUM")
        .body(b"x".to_vec())
        .send()
        .assert_error(400, "InvalidStorageClass");
    env.req("PUT", &object_path("no-such-bucket", "k"))
        .body(b"x".to_vec())
        .send()
        .assert_error(404, "NoSuchBucket");
    env.req("PUT", &object_path(BUCKET, "k"))
        .header("content-md5", "not base64!")
        .body(b"x".to_vec())
        .send()
        .assert_error(400, "InvalidDigest");
    assert!(env.blobs().is_empty());
    env.get(BUCKET, "k").assert_error(404, "NoSuchKey");
}

/// The cleanup pass handles a bounded batch per run and resumes where it stopped, so orphans
/// anywhere in a large store are found over successive runs, and live objects are never touched.
#[test]
fn cleanup_runs_in_batches_and_resumes() {
    let env = env_with_bucket();
    for i in 0..5 {
        assert_ok(&env.put(BUCKET, &format!("live-{i}"), b"kept"), 200);
    }
    let live = env.blobs();
    // Blobs no record points to, as a write that failed before its record leaves them.
    for i in 0..7 {
        let custom = std::collections::BTreeMap::from([
            ("bucket".to_string(), BUCKET.to_string()),
            ("key".to_string(), format!("never-committed-{i}")),
        ]);
        futures_executor::block_on(s3edge::store::BlobStore::put_small(
            &env.store,
            &format!("blob/{BUCKET}/orphan{i:02}"),
            b"lost".to_vec(),
            custom,
        ))
        .unwrap();
    }
    assert_eq!(env.blobs().len(), live.len() + 7);

    let ctx = env.ctx();
    let mut runs = 0;
    let mut removed = 0;
    loop {
        runs += 1;
        let report = futures_executor::block_on(s3edge::ops::sweep::sweep(
            &ctx,
            s3edge::ops::sweep::SweepSettings {
                grace_millis: 0,
                upload_expiry_millis: i64::MAX,
                batch: 3,
            },
        ))
        .expect("sweep succeeds");
        assert!(
            report.blobs_checked + report.index_checked <= 100,
            "{report:?}"
        );
        removed += report.blobs_removed;
        if report.finished {
            break;
        }
        assert!(runs < 20, "the sweep never finished");
    }
    assert_eq!(removed, 7);
    // 12 blobs and 5 index entries (none where the store lists its records), 3 a run: the
    // work was spread over several runs.
    let entries = live.len() + 7 + env.index_entries_for(5);
    assert!(runs >= entries / 3, "{runs} runs for {entries} entries");
    assert_eq!(env.blobs(), live);
    for i in 0..5 {
        assert_eq!(env.get(BUCKET, &format!("live-{i}")).body, b"kept");
    }
}

// ---------------------------------------------------------------------------------------------
// 9. Versions of never-versioned buckets, ListBuckets paging, CreateBucket again, URL encoding

fn versions(env: &Env, bucket: &str, params: &[(&str, &str)]) -> Resp {
    let mut pairs = vec![("versions", "")];
    pairs.extend_from_slice(params);
    env.req("GET", &format!("/{bucket}"))
        .query(&query_string(&pairs))
        .send()
}

/// One `Version` of a ListObjectVersions answer: key, version id, IsLatest, ETag, size.
fn version_entries(xml: &str) -> Vec<(String, String, String, String, u64)> {
    xml_raw(xml, "Version")
        .iter()
        .map(|block| {
            let one = |tag: &str| xml_values(block, tag).into_iter().next().unwrap();
            (
                one("Key"),
                one("VersionId"),
                one("IsLatest"),
                one("ETag"),
                one("Size").parse().unwrap(),
            )
        })
        .collect()
}

fn top_level(xml: &str, tag: &str) -> Option<String> {
    // Top-level elements come before the first Version/CommonPrefixes.
    let head_end = ["<Version>", "<CommonPrefixes>"]
        .iter()
        .filter_map(|t| xml.find(t))
        .min()
        .unwrap_or(xml.len());
    xml_values(&xml[..head_end], tag).into_iter().next()
}

/// Walks ListObjectVersions with NextKeyMarker/NextVersionIdMarker; returns the keys and
/// common prefixes in the order listed, and the number of pages.
fn walk_versions(env: &Env, bucket: &str, params: &[(&str, &str)]) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut markers: Option<(String, Option<String>)> = None;
    for page in 1..10_000 {
        let mut p = params.to_vec();
        if let Some((key, version)) = &markers {
            p.push(("key-marker", key));
            if let Some(v) = version {
                p.push(("version-id-marker", v));
            }
        }
        let resp = versions(env, bucket, &p);
        assert_eq!(resp.status, 200, "{}", resp.text());
        let text = resp.text();
        let entries = version_entries(&text);
        let prefixes: Vec<String> = xml_raw(&text, "CommonPrefixes")
            .iter()
            .flat_map(|b| xml_values(b, "Prefix"))
            .collect();
        let mut items: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
        items.extend(prefixes);
        items.sort();
        seen.extend(items);
        if top_level(&text, "IsTruncated").as_deref() != Some("true") {
            assert_eq!(top_level(&text, "NextKeyMarker"), None, "{text}");
            return (seen, page);
        }
        let next_key = top_level(&text, "NextKeyMarker").expect("a truncated page has a marker");
        let next_version = top_level(&text, "NextVersionIdMarker");
        // The marker is the last key (its null version) or the last common prefix listed.
        assert_eq!(Some(&next_key), seen.last(), "{text}");
        assert_eq!(
            next_version.is_some(),
            entries.iter().any(|e| e.0 == next_key),
            "{text}"
        );
        if let Some(v) = &next_version {
            assert_eq!(v, "null");
        }
        markers = Some((next_key, next_version));
    }
    panic!("listing never ended");
}

#[test]
fn versioning_of_a_never_versioned_bucket() {
    let env = env_with_bucket();
    let resp = env
        .req("GET", &format!("/{BUCKET}"))
        .query("versioning")
        .send();
    assert_ok(&resp, 200);
    assert_eq!(resp.header("content-type"), Some("application/xml"));
    assert_eq!(
        resp.text(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
    );
    env.req("GET", "/no-such-bucket")
        .query("versioning")
        .send()
        .assert_error(404, "NoSuchBucket");
    env.req("GET", &format!("/{BUCKET}"))
        .query("versioning")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");
    // Once turned on, the state is shown.
    let resp = env
        .req("PUT", &format!("/{BUCKET}"))
        .query("versioning")
        .body(
            b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>".to_vec(),
        )
        .send();
    assert_ok(&resp, 200);
    let resp = env
        .req("GET", &format!("/{BUCKET}"))
        .query("versioning")
        .send();
    assert!(
        resp.text()
            .ends_with("<Status>Enabled</Status></VersioningConfiguration>"),
        "{}",
        resp.text()
    );
}

#[test]
fn object_versions_list_every_object_as_its_null_version() {
    let env = env_with_bucket();
    let keys = listing_keys(30, 12);
    fill(&env, BUCKET, &keys);
    let mut sorted = keys.clone();
    sorted.sort();

    // One page: every key, each its null version, latest, with its ETag, size and owner.
    let resp = versions(&env, BUCKET, &[]);
    assert_ok(&resp, 200);
    let text = resp.text();
    assert!(
        text.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListVersionsResult \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>photos</Name>\
             <Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>\
             <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Version>"
        ),
        "{text}"
    );
    let entries = version_entries(&text);
    assert_eq!(
        entries.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
        sorted
    );
    for (key, version, latest, etag, size) in &entries {
        assert_eq!((version.as_str(), latest.as_str()), ("null", "true"));
        assert_eq!(*etag, quoted_md5(key.as_bytes()));
        assert_eq!(*size, key.len() as u64);
    }
    let first = &xml_raw(&text, "Version")[0];
    assert_eq!(xml_values(first, "StorageClass"), ["STANDARD"]);
    assert_eq!(xml_values(first, "DisplayName"), ["alice"]);
    assert_eq!(xml_values(first, "ID").len(), 1);
    assert!(xml_raw(&text, "DeleteMarker").is_empty());

    // Pages of 7 through NextKeyMarker / NextVersionIdMarker=null.
    let (walked, pages) = walk_versions(&env, BUCKET, &[("max-keys", "7")]);
    assert_eq!(walked, sorted);
    assert_eq!(pages, sorted.len().div_ceil(7));
    let page = versions(&env, BUCKET, &[("max-keys", "7")]).text();
    assert_eq!(top_level(&page, "MaxKeys").as_deref(), Some("7"));
    assert_eq!(top_level(&page, "NextKeyMarker").as_ref(), Some(&sorted[6]));
    assert_eq!(
        top_level(&page, "NextVersionIdMarker").as_deref(),
        Some("null")
    );

    // A delimiter rolls keys up into common prefixes, pages count them as one, and a page
    // ending on a prefix gives no version id marker.
    let root = versions(&env, BUCKET, &[("delimiter", "/")]).text();
    assert_eq!(
        xml_raw(&root, "CommonPrefixes")
            .iter()
            .flat_map(|b| xml_values(b, "Prefix"))
            .collect::<Vec<_>>(),
        ["alpha/", "beta/", "gamma/"]
    );
    assert_eq!(top_level(&root, "Delimiter").as_deref(), Some("/"));
    let root_keys: Vec<String> = sorted
        .iter()
        .filter(|k| !k.contains('/'))
        .cloned()
        .collect();
    assert_eq!(
        version_entries(&root)
            .into_iter()
            .map(|e| e.0)
            .collect::<Vec<_>>(),
        root_keys
    );
    let mut expected: Vec<String> = root_keys.clone();
    expected.extend(["alpha/".to_string(), "beta/".into(), "gamma/".into()]);
    expected.sort();
    for size in ["1", "2", "5"] {
        let (mut walked, _) =
            walk_versions(&env, BUCKET, &[("delimiter", "/"), ("max-keys", size)]);
        walked.sort();
        assert_eq!(walked, expected, "max-keys {size}");
    }

    // A prefix, with and without a delimiter.
    let (beta, _) = walk_versions(&env, BUCKET, &[("prefix", "beta/"), ("max-keys", "4")]);
    let beta_keys: Vec<String> = sorted
        .iter()
        .filter(|k| k.starts_with("beta/"))
        .cloned()
        .collect();
    assert_eq!(beta, beta_keys);
    let beta_root = versions(&env, BUCKET, &[("prefix", "beta/"), ("delimiter", "/")]).text();
    assert_eq!(top_level(&beta_root, "Prefix").as_deref(), Some("beta/"));
    assert_eq!(
        xml_raw(&beta_root, "CommonPrefixes")
            .iter()
            .flat_map(|b| xml_values(b, "Prefix"))
            .collect::<Vec<_>>(),
        ["beta/sub-0/", "beta/sub-1/", "beta/sub-2/"]
    );

    // key-marker alone, or with version-id-marker=null: after that key.
    let marker = &sorted[20];
    for params in [
        vec![("key-marker", marker.as_str())],
        vec![
            ("key-marker", marker.as_str()),
            ("version-id-marker", "null"),
        ],
    ] {
        let page = versions(&env, BUCKET, &params).text();
        let listed: Vec<String> = version_entries(&page).into_iter().map(|e| e.0).collect();
        assert_eq!(listed, &sorted[21..]);
        assert_eq!(top_level(&page, "KeyMarker").as_ref(), Some(marker));
    }
    let page = versions(
        &env,
        BUCKET,
        &[("key-marker", marker), ("version-id-marker", "null")],
    )
    .text();
    assert_eq!(top_level(&page, "VersionIdMarker").as_deref(), Some("null"));
    // A common prefix as key marker skips every key it groups.
    let after_alpha = versions(
        &env,
        BUCKET,
        &[("key-marker", "alpha/"), ("delimiter", "/")],
    )
    .text();
    let listed: Vec<String> = xml_raw(&after_alpha, "CommonPrefixes")
        .iter()
        .flat_map(|b| xml_values(b, "Prefix"))
        .collect();
    assert_eq!(listed, ["beta/", "gamma/"]);

    // S3's marker rules.
    let err = versions(&env, BUCKET, &[("version-id-marker", "null")]);
    err.assert_error(400, "InvalidArgument");
    assert_eq!(
        xml_values(&err.text(), "ArgumentName"),
        ["version-id-marker"]
    );
    versions(
        &env,
        BUCKET,
        &[
            ("key-marker", marker),
            ("version-id-marker", "3HL4kqtJlcpX"),
        ],
    )
    .assert_error(400, "InvalidArgument");
    versions(&env, BUCKET, &[("max-keys", "-1")]).assert_error(400, "InvalidArgument");
    versions(&env, BUCKET, &[("encoding-type", "base64")]).assert_error(400, "InvalidArgument");
    versions(&env, "no-such-bucket", &[]).assert_error(404, "NoSuchBucket");
    env.req("GET", &format!("/{BUCKET}"))
        .query("versions")
        .user(BOB)
        .send()
        .assert_error(403, "AccessDenied");

    // The same listing engine: a page of versions costs what a ListObjectsV2 page costs.
    let before = env.store.calls();
    assert_ok(&versions(&env, BUCKET, &[("max-keys", "50")]), 200);
    let versions_cost = env.store.calls() - before;
    let before = env.store.calls();
    assert_ok(&env.list_v2(BUCKET, &[("max-keys", "50")]), 200);
    assert_eq!(versions_cost, env.store.calls() - before);
}

#[test]
fn object_versions_carry_checksums_and_url_encoding() {
    let env = env_with_bucket();
    let body = b"checksummed".to_vec();
    let put = env
        .req("PUT", &object_path(BUCKET, "dir one/a+b é.txt"))
        .header("x-amz-checksum-crc32", &crc32_b64(&body))
        .body(body)
        .send();
    assert_ok(&put, 200);
    assert_ok(&env.put(BUCKET, "dir one/x&y<z>", b"1"), 200);
    assert_ok(&env.put(BUCKET, "plain", b"2"), 200);

    let text = versions(&env, BUCKET, &[]).text();
    let first = &xml_raw(&text, "Version")[0];
    assert_eq!(xml_values(first, "Key"), ["dir one/a+b é.txt"]);
    assert_eq!(xml_values(first, "ChecksumAlgorithm"), ["CRC32"]);
    assert_eq!(xml_values(first, "ChecksumType"), ["FULL_OBJECT"]);
    assert!(xml_values(&xml_raw(&text, "Version")[2], "ChecksumAlgorithm").is_empty());

    let encoded = versions(
        &env,
        BUCKET,
        &[
            ("encoding-type", "url"),
            ("prefix", "dir one/"),
            ("key-marker", "dir one/a"),
            ("max-keys", "1"),
        ],
    )
    .text();
    assert_eq!(top_level(&encoded, "EncodingType").as_deref(), Some("url"));
    assert_eq!(top_level(&encoded, "Prefix").as_deref(), Some("dir%20one/"));
    assert_eq!(
        top_level(&encoded, "KeyMarker").as_deref(),
        Some("dir%20one/a")
    );
    assert_eq!(
        top_level(&encoded, "NextKeyMarker").as_deref(),
        Some("dir%20one/a%2Bb%20%C3%A9.txt")
    );
    assert_eq!(
        top_level(&encoded, "NextVersionIdMarker").as_deref(),
        Some("null")
    );
    assert_eq!(
        version_entries(&encoded)[0].0,
        "dir%20one/a%2Bb%20%C3%A9.txt"
    );
    let delimited = versions(
        &env,
        BUCKET,
        &[("encoding-type", "url"), ("delimiter", " ")],
    )
    .text();
    assert_eq!(top_level(&delimited, "Delimiter").as_deref(), Some("%20"));
    assert_eq!(
        xml_raw(&delimited, "CommonPrefixes")
            .iter()
            .flat_map(|b| xml_values(b, "Prefix"))
            .collect::<Vec<_>>(),
        ["dir%20"]
    );
    assert_eq!(version_entries(&delimited)[0].0, "plain");
}

/// The keys S3 percent-encodes in each listing are encoded once, RFC 3986 style (a space is
/// `%20`, never `+`), and decode back to the stored keys exactly.
#[test]
fn url_encoding_is_percent_encoding_applied_once() {
    let env = env_with_bucket();
    let keys = [
        "a b/one",
        "a b/two+three",
        "pct%41/x",
        "uni/한글 é",
        "amp&lt/<x>",
        "tilde~star*/k",
    ];
    for key in keys {
        assert_ok(&env.put(BUCKET, key, b"x"), 200);
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    let check = |raw: &str, plain: &str| {
        assert!(!raw.contains(' ') && !raw.contains('+'), "{raw}");
        assert_eq!(decode(raw), plain, "{raw}");
        assert_eq!(raw, s3edge::xml::url_encode_key(plain));
    };
    let mut sorted: Vec<&str> = keys.to_vec();
    sorted.sort();

    // V2: keys, prefix, start-after; tokens never.
    let v2 = env
        .list_v2(
            BUCKET,
            &[
                ("encoding-type", "url"),
                ("start-after", "a b/one"),
                ("max-keys", "2"),
            ],
        )
        .text();
    let page = ListPage::parse(&v2);
    assert_eq!(page.keys().len(), 2);
    for (raw, plain) in page.keys().iter().zip(&sorted[1..]) {
        check(raw, plain);
    }
    assert_eq!(xml_values(&v2, "StartAfter"), ["a%20b/one"]);
    let token = page.next_token.clone().unwrap();
    let next = env
        .list_v2(
            BUCKET,
            &[("encoding-type", "url"), ("continuation-token", &token)],
        )
        .text();
    assert_eq!(xml_values(&next, "ContinuationToken"), [token]);

    // V1: Marker, NextMarker, Prefix, Delimiter, Key, CommonPrefixes.
    let v1 = env
        .list_v1(
            BUCKET,
            &[
                ("encoding-type", "url"),
                ("marker", "a b/"),
                ("delimiter", "/"),
                ("max-keys", "2"),
            ],
        )
        .text();
    assert_eq!(xml_values(&v1, "Marker"), ["a%20b/"]);
    let page = ListPage::parse(&v1);
    assert_eq!(page.keys().len() + page.common_prefixes.len(), 2);
    check(&page.common_prefixes[0], "amp&lt/");
    assert!(page.is_truncated);
    check(page.next_marker.as_deref().unwrap(), "pct%41/");
    let under = env
        .list_v1(
            BUCKET,
            &[
                ("encoding-type", "url"),
                ("prefix", "uni/한"),
                ("delimiter", " "),
            ],
        )
        .text();
    assert_eq!(xml_values(&under, "Delimiter"), ["%20"]);
    check(&ListPage::parse(&under).common_prefixes[0], "uni/한글 ");
    assert!(under.contains("<Prefix>uni/%ED%95%9C</Prefix>"), "{under}");

    // Without encoding-type: only XML escaping.
    let plain = env.list_v2(BUCKET, &[("prefix", "amp")]).text();
    assert!(plain.contains("<Key>amp&amp;lt/&lt;x&gt;</Key>"), "{plain}");

    // ListMultipartUploads: Key, KeyMarker, NextKeyMarker, Prefix, Delimiter.
    for key in ["up load/a b", "up load/c+d"] {
        let created = env
            .req("POST", &object_path(BUCKET, key))
            .query("uploads")
            .send();
        assert_ok(&created, 200);
    }
    let uploads = env
        .req("GET", &format!("/{BUCKET}"))
        .query(&query_string(&[
            ("uploads", ""),
            ("encoding-type", "url"),
            ("prefix", "up load/"),
            ("key-marker", "up load/"),
            ("max-uploads", "1"),
        ]))
        .send()
        .text();
    assert_eq!(xml_values(&uploads, "EncodingType"), ["url"]);
    assert_eq!(xml_values(&uploads, "KeyMarker"), ["up%20load/"]);
    assert_eq!(xml_values(&uploads, "NextKeyMarker"), ["up%20load/a%20b"]);
    let upload_keys: Vec<String> = xml_raw(&uploads, "Upload")
        .iter()
        .flat_map(|b| xml_values(b, "Key"))
        .collect();
    assert_eq!(upload_keys, ["up%20load/a%20b"]);
    assert!(uploads.contains("<Prefix>up%20load/</Prefix>"), "{uploads}");
}

fn bucket_list(env: &Env, user: Cred, params: &[(&str, &str)]) -> Resp {
    env.req("GET", "/")
        .user(user)
        .query(&query_string(params))
        .send()
}

#[test]
fn list_buckets_pages_with_max_buckets_prefix_and_region() {
    let env = Env::new();
    let mut names: Vec<String> = (0..25).map(|i| format!("page-{i:02}")).collect();
    for name in &names {
        assert_ok(&env.create_bucket(name), 200);
    }
    let eu = ["europe-1", "europe-2", "page-eu"];
    let body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>\
                </CreateBucketConfiguration>";
    for name in eu {
        assert_ok(&env.req("PUT", &format!("/{name}")).body(body).send(), 200);
    }
    assert_ok(&env.req("PUT", "/bobs-page-x").user(BOB).send(), 200);
    names.extend(eu.iter().map(|s| s.to_string()));
    names.sort();

    // Without paging parameters: every bucket, no token, no region (as before).
    let all = bucket_list(&env, ALICE, &[]);
    assert_ok(&all, 200);
    assert_eq!(bucket_names(&all), names);
    let text = all.text();
    assert!(
        !text.contains("ContinuationToken") && !text.contains("BucketRegion"),
        "{text}"
    );
    assert!(xml_values(&text, "Prefix").is_empty());

    // max-buckets=10: pages of 10, each one KV list call, following the token.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("max-buckets", "10")];
        if let Some(t) = &token {
            params.push(("continuation-token", t));
        }
        let before = env.store.calls();
        let resp = bucket_list(&env, ALICE, &params);
        assert_eq!(env.store.calls() - before, 1, "KV calls for one page");
        assert_ok(&resp, 200);
        pages += 1;
        let page = bucket_names(&resp);
        assert!(page.len() <= 10);
        let text = resp.text();
        let regions = xml_values(&text, "BucketRegion");
        assert_eq!(regions.len(), page.len(), "{text}");
        for (name, region) in page.iter().zip(&regions) {
            let expected = if eu.contains(&name.as_str()) {
                "eu-west-1"
            } else {
                REGION
            };
            assert_eq!(region, expected, "{name}");
        }
        listed.extend(page);
        match xml_values(&text, "ContinuationToken").into_iter().next() {
            Some(next) => {
                assert_ne!(Some(&next), token.as_ref());
                token = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(listed, names);
    assert_eq!(pages, 3);

    // A prefix, echoed, with paging.
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = vec![("max-buckets", "4"), ("prefix", "page-1")];
        if let Some(t) = &token {
            params.push(("continuation-token", t));
        }
        let resp = bucket_list(&env, ALICE, &params);
        assert_ok(&resp, 200);
        let text = resp.text();
        assert_eq!(xml_values(&text, "Prefix"), ["page-1"]);
        listed.extend(bucket_names(&resp));
        match xml_values(&text, "ContinuationToken").into_iter().next() {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (10..20).map(|i| format!("page-{i}")).collect();
    assert_eq!(listed, expected);

    // A prefix alone: a page of up to 10,000, no token when all fit.
    let resp = bucket_list(&env, ALICE, &[("prefix", "europe")]);
    assert_eq!(bucket_names(&resp), ["europe-1", "europe-2"]);
    assert!(!resp.text().contains("ContinuationToken"));

    // bucket-region: only that region's buckets.
    let resp = bucket_list(&env, ALICE, &[("bucket-region", "eu-west-1")]);
    assert_eq!(bucket_names(&resp), ["europe-1", "europe-2", "page-eu"]);
    let resp = bucket_list(
        &env,
        ALICE,
        &[
            ("bucket-region", "eu-west-1"),
            ("prefix", "page"),
            ("max-buckets", "30"),
        ],
    );
    assert_eq!(bucket_names(&resp), ["page-eu"]);
    let resp = bucket_list(&env, ALICE, &[("bucket-region", "ap-south-1")]);
    assert!(bucket_names(&resp).is_empty());

    // Only the caller's own buckets.
    let bob = bucket_list(&env, BOB, &[("max-buckets", "1")]);
    assert_eq!(bucket_names(&bob), ["bobs-page-x"]);
    assert!(!bob.text().contains("ContinuationToken"));

    // Bad parameters.
    for bad in ["0", "10001", "-3", "many"] {
        let resp = bucket_list(&env, ALICE, &[("max-buckets", bad)]);
        resp.assert_error(400, "InvalidArgument");
        assert_eq!(xml_values(&resp.text(), "ArgumentName"), ["max-buckets"]);
    }
    bucket_list(&env, ALICE, &[("continuation-token", "not a token")])
        .assert_error(400, "InvalidArgument");
    assert_ok(&bucket_list(&env, ALICE, &[("max-buckets", "10000")]), 200);
}

#[test]
fn list_buckets_reads_the_region_of_entries_written_before_regions_were_kept() {
    let env = Env::new();
    let body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>\
                </CreateBucketConfiguration>";
    assert_ok(&env.req("PUT", "/old-eu").body(body).send(), 200);
    assert_ok(&env.create_bucket("old-us"), 200);
    // Rewrite the owner entries as an older s3edge wrote them: the creation time only.
    let alice_id = xml_values(&env.req("GET", "/").send().text(), "ID")[0].clone();
    for name in ["old-eu", "old-us"] {
        let entry = s3edge::names::owner_bucket(&alice_id, name);
        let millis = (NOW_UNIX * 1000).to_string();
        futures_executor::block_on(MetaStore::put(&env.store, &entry, "", Some(&millis))).unwrap();
    }
    let resp = bucket_list(&env, ALICE, &[("max-buckets", "5")]);
    assert_eq!(bucket_names(&resp), ["old-eu", "old-us"]);
    assert_eq!(
        xml_values(&resp.text(), "BucketRegion"),
        ["eu-west-1", REGION]
    );
    let resp = bucket_list(&env, ALICE, &[("bucket-region", "eu-west-1")]);
    assert_eq!(bucket_names(&resp), ["old-eu"]);
    assert_eq!(
        xml_values(&resp.text(), "CreationDate"),
        ["2026-01-01T00:00:00.000Z"]
    );

    // Reading those records is bounded per page: one KV list plus at most 100 reads.
    for i in 0..120 {
        let name = format!("older-{i:03}");
        assert_ok(&env.create_bucket(&name), 200);
        let entry = s3edge::names::owner_bucket(&alice_id, &name);
        futures_executor::block_on(MetaStore::put(&env.store, &entry, "", Some("0"))).unwrap();
    }
    let before = env.store.calls();
    let resp = bucket_list(&env, ALICE, &[("max-buckets", "1000")]);
    assert_ok(&resp, 200);
    assert_eq!(bucket_names(&resp).len(), 122);
    assert_eq!(env.store.calls() - before, 1 + 100);
    assert_eq!(xml_values(&resp.text(), "BucketRegion").len(), 122);
}

#[test]
fn create_bucket_again_is_200_in_us_east_1_and_409_elsewhere() {
    let env = env_with_bucket();
    assert_ok(&env.put(BUCKET, "kept", b"still here"), 200);
    let again = env.create_bucket(BUCKET);
    assert_ok(&again, 200);
    assert_eq!(again.header("location"), Some("/photos"));
    let us_body = "<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint>\
                   </CreateBucketConfiguration>";
    assert_ok(&env.req("PUT", "/photos").body(us_body).send(), 200);
    // The bucket and its objects are left as they were.
    assert_eq!(env.get(BUCKET, "kept").body, b"still here");
    assert_eq!(bucket_names(&env.req("GET", "/").send()), [BUCKET]);
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(listed.keys(), ["kept"]);

    // Asked for another region: 409.
    let eu_body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint>\
                   </CreateBucketConfiguration>";
    env.req("PUT", "/photos")
        .body(eu_body)
        .send()
        .assert_error(409, "BucketAlreadyOwnedByYou");
    // Someone else's bucket: 409 in every region.
    env.req("PUT", "/photos")
        .user(BOB)
        .send()
        .assert_error(409, "BucketAlreadyExists");

    // A deployment configured for another region answers 409 to its owner too.
    let mut env = Env::new();
    env.config.region = "eu-west-1".into();
    assert_ok(&env.create_bucket("eu-bucket"), 200);
    let again = env.create_bucket("eu-bucket");
    again.assert_error(409, "BucketAlreadyOwnedByYou");
    assert_eq!(xml_values(&again.text(), "BucketName"), ["eu-bucket"]);
    let head = env.req("HEAD", "/eu-bucket").send();
    assert_eq!(head.header("x-amz-bucket-region"), Some("eu-west-1"));
    let listed = bucket_list(&env, ALICE, &[("max-buckets", "1")]);
    assert_eq!(xml_values(&listed.text(), "BucketRegion"), ["eu-west-1"]);
}

#[test]
fn website_redirect_location_is_stored_returned_and_not_copied() {
    let env = env_with_bucket();
    let put = env
        .req("PUT", &object_path(BUCKET, "old.html"))
        .header("x-amz-website-redirect-location", "/new.html")
        .body(b"moved".to_vec())
        .send();
    assert_eq!(put.status, 200, "{}", put.text());
    let head = env.req("HEAD", &object_path(BUCKET, "old.html")).send();
    assert_eq!(
        head.header("x-amz-website-redirect-location"),
        Some("/new.html")
    );
    // A copy does not take the source's redirect, whatever the directive; only its own.
    let copied = env
        .req("PUT", &object_path(BUCKET, "copy.html"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/old.html"))
        .send();
    assert_eq!(copied.status, 200, "{}", copied.text());
    let head = env.req("HEAD", &object_path(BUCKET, "copy.html")).send();
    assert_eq!(head.header("x-amz-website-redirect-location"), None);
    let copied = env
        .req("PUT", &object_path(BUCKET, "copy2.html"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/old.html"))
        .header("x-amz-website-redirect-location", "https://example.test/")
        .send();
    assert_eq!(copied.status, 200, "{}", copied.text());
    let head = env.req("HEAD", &object_path(BUCKET, "copy2.html")).send();
    assert_eq!(
        head.header("x-amz-website-redirect-location"),
        Some("https://example.test/")
    );
    // Neither a path nor an absolute URL: refused, and nothing written.
    env.req("PUT", &object_path(BUCKET, "bad.html"))
        .header("x-amz-website-redirect-location", "elsewhere.html")
        .body(b"x".to_vec())
        .send()
        .assert_error(400, "InvalidArgument");
    assert!(env.record(BUCKET, "bad.html").is_none());
}
