//! s3edge end-to-end tests with aws-sdk-s3 at default settings.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, Delete, ObjectIdentifier};
use s3edge_e2e::*;
use sha2::Digest as _;

async fn put(c: &aws_sdk_s3::Client, bucket: &str, key: &str, body: impl Into<Vec<u8>>) -> String {
    let out = c
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.into()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {}", describe(&e)));
    out.e_tag().unwrap_or_default().to_string()
}

async fn get_bytes(c: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = c
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {}", describe(&e)));
    out.body
        .collect()
        .await
        .expect("read body")
        .into_bytes()
        .to_vec()
}

#[tokio::test]
async fn buckets_create_head_list_delete() {
    let c = client();
    let name = new_bucket_name("rs");
    let created = c.create_bucket().bucket(&name).send().await;
    assert!(created.is_ok(), "{:?}", created.err());
    let guard = TestBucket { name: name.clone() };

    c.head_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("head existing bucket");

    let list = c.list_buckets().send().await.expect("list buckets");
    assert!(list
        .buckets()
        .iter()
        .any(|b| b.name() == Some(name.as_str())));
    assert!(list
        .owner()
        .and_then(|o| o.id())
        .is_some_and(|id| !id.is_empty()));

    c.delete_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("delete empty bucket");
    let err = c
        .head_bucket()
        .bucket(&name)
        .send()
        .await
        .expect_err("bucket is gone");
    assert_eq!(status_and_code(&err).0, 404);
    assert!(err.as_service_error().is_some_and(|e| e.is_not_found()));
    drop(guard);
}

#[tokio::test]
async fn bucket_already_owned_by_you() {
    let c = client();
    let b = TestBucket::new(&c).await;
    // us-east-1 answers 200 (S3's legacy behaviour); any other region 409.
    c.create_bucket()
        .bucket(&b.name)
        .send()
        .await
        .expect("created again in us-east-1");
    let err = c
        .create_bucket()
        .bucket(&b.name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect_err("already owned");
    assert_eq!(
        status_and_code(&err),
        (409, "BucketAlreadyOwnedByYou".to_string())
    );
}

#[tokio::test]
async fn bucket_already_exists_for_other_owner() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let (k, s) = user2();
    let other = client_with(&k, &s);
    let err = other
        .create_bucket()
        .bucket(&b.name)
        .send()
        .await
        .expect_err("taken");
    assert_eq!(
        status_and_code(&err),
        (409, "BucketAlreadyExists".to_string())
    );
}

#[tokio::test]
async fn bucket_not_empty_and_no_such_bucket() {
    let c = client();
    let b = TestBucket::new(&c).await;
    put(&c, &b.name, "k", "x").await;
    let err = c
        .delete_bucket()
        .bucket(&b.name)
        .send()
        .await
        .expect_err("not empty");
    assert_eq!(status_and_code(&err), (409, "BucketNotEmpty".to_string()));

    let missing = new_bucket_name("missing");
    let err = c
        .delete_bucket()
        .bucket(&missing)
        .send()
        .await
        .expect_err("missing");
    assert_eq!(status_and_code(&err), (404, "NoSuchBucket".to_string()));
}

#[tokio::test]
async fn error_no_such_bucket() {
    let c = client();
    let missing = new_bucket_name("missing");
    let err = c
        .list_objects_v2()
        .bucket(&missing)
        .send()
        .await
        .expect_err("missing bucket");
    assert_eq!(status_and_code(&err), (404, "NoSuchBucket".to_string()));
    let err = c
        .put_object()
        .bucket(&missing)
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .expect_err("put");
    assert_eq!(status_and_code(&err), (404, "NoSuchBucket".to_string()));
}

#[tokio::test]
async fn error_no_such_key() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let err = c
        .get_object()
        .bucket(&b.name)
        .key("missing")
        .send()
        .await
        .expect_err("missing key");
    assert_eq!(status_and_code(&err), (404, "NoSuchKey".to_string()));
    assert!(err.as_service_error().is_some_and(|e| e.is_no_such_key()));
    assert!(err
        .raw_response()
        .and_then(|r| r.headers().get("x-amz-request-id"))
        .is_some());
    let err = c
        .head_object()
        .bucket(&b.name)
        .key("missing")
        .send()
        .await
        .expect_err("head missing key");
    assert_eq!(status_and_code(&err).0, 404);
    assert!(err.as_service_error().is_some_and(|e| e.is_not_found()));
}

#[tokio::test]
async fn error_signature_does_not_match() {
    let (key, secret) = user1();
    let bad = client_with(&key, &format!("{secret}x"));
    let err = bad.list_buckets().send().await.expect_err("wrong secret");
    assert_eq!(
        status_and_code(&err),
        (403, "SignatureDoesNotMatch".to_string())
    );

    let unknown = client_with("AKIAS3EDGEUNKNOWN000", "whatever");
    let err = unknown
        .list_buckets()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(
        status_and_code(&err),
        (403, "InvalidAccessKeyId".to_string())
    );
}

#[tokio::test]
async fn put_get_head_with_metadata_and_content_headers() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let body = b"hello from aws-sdk-s3 for Rust\n".repeat(20);
    let out = c
        .put_object()
        .bucket(&b.name)
        .key("docs/readme.txt")
        .body(ByteStream::from(body.clone()))
        .content_type("text/plain; charset=utf-8")
        .content_disposition("attachment; filename=\"readme.txt\"")
        .content_language("de")
        .cache_control("no-store")
        .metadata("color", "red")
        .metadata("two-words", "A b")
        .send()
        .await
        .expect("put");
    assert_eq!(out.e_tag(), Some(md5_etag(&body).as_str()));

    let got = c
        .get_object()
        .bucket(&b.name)
        .key("docs/readme.txt")
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(
        got.content_disposition(),
        Some("attachment; filename=\"readme.txt\"")
    );
    assert_eq!(got.content_language(), Some("de"));
    assert_eq!(got.cache_control(), Some("no-store"));
    assert_eq!(got.content_length(), Some(body.len() as i64));
    assert_eq!(got.e_tag(), Some(md5_etag(&body).as_str()));
    let meta = got.metadata().cloned().unwrap_or_default();
    assert_eq!(meta.get("color").map(String::as_str), Some("red"));
    assert_eq!(meta.get("two-words").map(String::as_str), Some("A b"));
    assert_eq!(meta.len(), 2);
    assert!(got.last_modified().is_some());
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        &body[..]
    );

    let head = c
        .head_object()
        .bucket(&b.name)
        .key("docs/readme.txt")
        .send()
        .await
        .expect("head");
    assert_eq!(head.content_length(), Some(body.len() as i64));
    assert_eq!(head.e_tag(), Some(md5_etag(&body).as_str()));
    assert_eq!(head.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("color"))
            .map(String::as_str),
        Some("red")
    );
}

#[tokio::test]
async fn list_v2_pagination_with_delimiter() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let mut keys: Vec<String> = (0..30).map(|i| format!("flat-{i:03}")).collect();
    keys.extend((0..5).map(|i| format!("dir{i}/x")));
    keys.push("dir0/y".into());
    let mut tasks = Vec::new();
    for k in keys.clone() {
        let c = c.clone();
        let bucket = b.name.clone();
        tasks.push(tokio::spawn(async move {
            put(&c, &bucket, &k, k.clone().into_bytes()).await
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }

    // every key once, in order, 7 per page
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut paginator = c
        .list_objects_v2()
        .bucket(&b.name)
        .max_keys(7)
        .into_paginator()
        .send();
    while let Some(page) = paginator.next().await {
        let page = page.expect("list page");
        pages += 1;
        let got: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key().map(String::from))
            .collect();
        assert_eq!(page.key_count(), Some(got.len() as i32));
        assert!(got.len() <= 7);
        seen.extend(got);
    }
    let mut expected = keys.clone();
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(pages, expected.len().div_ceil(7));

    // with a delimiter: 5 common prefixes + 30 keys, paged by 4
    let mut prefixes = Vec::new();
    let mut flat = Vec::new();
    let mut paginator = c
        .list_objects_v2()
        .bucket(&b.name)
        .delimiter("/")
        .max_keys(4)
        .into_paginator()
        .send();
    while let Some(page) = paginator.next().await {
        let page = page.expect("list page");
        let n = page.contents().len() + page.common_prefixes().len();
        assert_eq!(page.key_count(), Some(n as i32));
        assert!(n <= 4);
        prefixes.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(String::from)),
        );
        flat.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(String::from)),
        );
    }
    assert_eq!(
        prefixes,
        (0..5).map(|i| format!("dir{i}/")).collect::<Vec<_>>()
    );
    assert_eq!(
        flat,
        (0..30).map(|i| format!("flat-{i:03}")).collect::<Vec<_>>()
    );

    let r = c
        .list_objects_v2()
        .bucket(&b.name)
        .prefix("dir0/")
        .send()
        .await
        .unwrap();
    let got: Vec<&str> = r.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(got, vec!["dir0/x", "dir0/y"]);
}

#[tokio::test]
async fn delete_object_and_delete_objects() {
    let c = client();
    let b = TestBucket::new(&c).await;
    for k in ["a", "b", "c", "d/e"] {
        put(&c, &b.name, k, k).await;
    }
    c.delete_object()
        .bucket(&b.name)
        .key("a")
        .send()
        .await
        .expect("delete");
    c.delete_object()
        .bucket(&b.name)
        .key("a")
        .send()
        .await
        .expect("delete again is fine");

    let ids = ["b", "d/e", "never-existed"]
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let out = c
        .delete_objects()
        .bucket(&b.name)
        .delete(Delete::builder().set_objects(Some(ids)).build().unwrap())
        .send()
        .await
        .expect("delete objects");
    let mut deleted: Vec<&str> = out.deleted().iter().filter_map(|d| d.key()).collect();
    deleted.sort();
    assert_eq!(deleted, vec!["b", "d/e", "never-existed"]);
    assert!(out.errors().is_empty());

    let r = c.list_objects_v2().bucket(&b.name).send().await.unwrap();
    let left: Vec<&str> = r.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(left, vec!["c"]);
}

#[tokio::test]
async fn range_gets() {
    let c = client();
    let b = TestBucket::new(&c).await;
    put(&c, &b.name, "digits", "0123456789").await;
    for (range, want, content_range) in [
        ("bytes=0-4", "01234", "bytes 0-4/10"),
        ("bytes=5-", "56789", "bytes 5-9/10"),
        ("bytes=-3", "789", "bytes 7-9/10"),
        ("bytes=6-1000", "6789", "bytes 6-9/10"),
    ] {
        let r = c
            .get_object()
            .bucket(&b.name)
            .key("digits")
            .range(range)
            .send()
            .await
            .expect(range);
        assert_eq!(r.content_range(), Some(content_range), "{range}");
        assert_eq!(r.content_length(), Some(want.len() as i64), "{range}");
        assert_eq!(
            r.body.collect().await.unwrap().into_bytes().as_ref(),
            want.as_bytes(),
            "{range}"
        );
    }
    let err = c
        .get_object()
        .bucket(&b.name)
        .key("digits")
        .range("bytes=10-")
        .send()
        .await
        .expect_err("416");
    assert_eq!(status_and_code(&err), (416, "InvalidRange".to_string()));
}

#[tokio::test]
async fn checksum_crc32_by_default() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let body = pattern(100_000, 7);
    let out = c
        .put_object()
        .bucket(&b.name)
        .key("k")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("put");
    assert_eq!(out.checksum_crc32(), Some(crc32_b64(&body).as_str()));
    let got = c
        .get_object()
        .bucket(&b.name)
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_crc32(), Some(crc32_b64(&body).as_str()));
    // the SDK validates the streamed body against the returned checksum
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("validated body")
            .into_bytes()
            .as_ref(),
        &body[..]
    );
    let head = c
        .head_object()
        .bucket(&b.name)
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc32(), Some(crc32_b64(&body).as_str()));
}

#[tokio::test]
async fn checksum_crc64nvme_explicit() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let body = pattern(250_000, 11);
    let expected = crc64nvme_b64(&body);
    let out = c
        .put_object()
        .bucket(&b.name)
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("put");
    assert_eq!(out.checksum_crc64_nvme(), Some(expected.as_str()));
    let got = c
        .get_object()
        .bucket(&b.name)
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_crc64_nvme(), Some(expected.as_str()));
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("validated body")
            .into_bytes()
            .as_ref(),
        &body[..]
    );
    let head = c
        .head_object()
        .bucket(&b.name)
        .key("k")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc64_nvme(), Some(expected.as_str()));
}

#[tokio::test]
async fn wrong_checksum_is_refused_and_object_kept() {
    let c = client();
    let b = TestBucket::new(&c).await;
    put(&c, &b.name, "k", "previous").await;
    let err = c
        .put_object()
        .bucket(&b.name)
        .key("k")
        .checksum_crc32(crc32_b64(b"something else"))
        .body(ByteStream::from_static(b"replacement"))
        .send()
        .await
        .expect_err("bad checksum");
    assert_eq!(status_and_code(&err), (400, "BadDigest".to_string()));
    assert_eq!(get_bytes(&c, &b.name, "k").await, b"previous");
}

#[tokio::test]
async fn presigned_get() {
    let c = client();
    let b = TestBucket::new(&c).await;
    put(&c, &b.name, "pre signed/ü.txt", "presigned body").await;
    let req = c
        .get_object()
        .bucket(&b.name)
        .key("pre signed/ü.txt")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(300)).unwrap())
        .await
        .expect("presign");
    assert!(req.uri().contains("X-Amz-Signature="));
    let http = reqwest::Client::new();
    let mut rb = http.get(req.uri());
    for (k, v) in req.headers() {
        rb = rb.header(k, v);
    }
    let resp = rb.send().await.expect("fetch presigned url");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"presigned body");

    // the same URL without its query string is anonymous and refused
    let anon = http
        .get(req.uri().split('?').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 403);
    assert!(anon.headers().contains_key("x-amz-request-id"));
    let text = anon.text().await.unwrap();
    assert!(text.contains("<Code>AccessDenied</Code>"), "{text}");
}

#[tokio::test]
async fn streaming_16mib_put_from_path_and_get() {
    const SIZE: usize = 16 * 1024 * 1024;
    let c = client();
    let b = TestBucket::new(&c).await;
    let data = pattern(SIZE, 42);
    let want = sha256_hex(&data);
    let path = std::env::temp_dir().join(format!("{}.bin", new_bucket_name("s3edge-e2e")));
    tokio::fs::write(&path, &data).await.unwrap();
    drop(data);

    let body = ByteStream::from_path(&path)
        .await
        .expect("stream from path");
    let out = c
        .put_object()
        .bucket(&b.name)
        .key("big.bin")
        .body(body)
        .send()
        .await;
    let _ = tokio::fs::remove_file(&path).await;
    let out = out.unwrap_or_else(|e| panic!("put: {}", describe(&e)));
    assert!(out.e_tag().is_some());

    let mut got = c
        .get_object()
        .bucket(&b.name)
        .key("big.bin")
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_length(), Some(SIZE as i64));
    let mut hasher = sha2::Sha256::new();
    let mut n = 0usize;
    while let Some(chunk) = got.body.try_next().await.expect("read") {
        n += chunk.len();
        hasher.update(&chunk);
    }
    assert_eq!(n, SIZE);
    let have: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(have, want);
}

#[tokio::test]
async fn conditional_put_if_none_match() {
    let c = client();
    let b = TestBucket::new(&c).await;
    c.put_object()
        .bucket(&b.name)
        .key("once")
        .if_none_match("*")
        .body(ByteStream::from_static(b"first"))
        .send()
        .await
        .expect("first create");
    let err = c
        .put_object()
        .bucket(&b.name)
        .key("once")
        .if_none_match("*")
        .body(ByteStream::from_static(b"second"))
        .send()
        .await
        .expect_err("exists");
    assert_eq!(
        status_and_code(&err),
        (412, "PreconditionFailed".to_string())
    );
    assert_eq!(get_bytes(&c, &b.name, "once").await, b"first");
}
