//! s3edge end-to-end tests of multipart uploads, part-number and ranged reads across
//! parts, copies and tagging, with aws-sdk-s3 at default settings.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;

use aws_sdk_s3::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::BoxError;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, Tag, Tagging};
use aws_sdk_s3::Client;
use md5::Digest as _;
use s3edge_e2e::*;

const MIB: usize = 1024 * 1024;
/// Sizes of the three parts of the test object: unequal on purpose.
const P1: usize = 5 * MIB;
const P2: usize = 6 * MIB + 3;
const P3: usize = 17;
const TOTAL: usize = P1 + P2 + P3;

fn part_data() -> [Vec<u8>; 3] {
    [pattern(P1, 101), pattern(P2, 202), pattern(P3, 303)]
}

/// `"<md5 of the concatenated binary part MD5s>-<n>"`, AWS's ETag of a multipart object.
fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut cat = Vec::with_capacity(16 * parts.len());
    for p in parts {
        cat.extend_from_slice(&md5::Md5::digest(p));
    }
    let hex: String = md5::Md5::digest(&cat)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}-{}\"", parts.len())
}

/// Records the HTTP status of the response of the operation it is attached to.
#[derive(Debug, Clone, Default)]
struct StatusCapture(Arc<AtomicU16>);

impl StatusCapture {
    fn get(&self) -> u16 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Intercept for StatusCapture {
    fn name(&self) -> &'static str {
        "StatusCapture"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0
            .store(context.response().status().as_u16(), Ordering::SeqCst);
        Ok(())
    }
}

async fn create_upload(c: &Client, bucket: &str, key: &str) -> String {
    let out = c
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create multipart upload {key}: {}", describe(&e)));
    assert_eq!(out.bucket(), Some(bucket));
    assert_eq!(out.key(), Some(key));
    let id = out.upload_id().expect("UploadId").to_string();
    assert!(!id.is_empty());
    id
}

/// UploadPart at default settings; checks and returns the part's ETag.
async fn upload_part(c: &Client, bucket: &str, key: &str, id: &str, n: i32, data: &[u8]) -> String {
    let out = c
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(n)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload part {n} of {key}: {}", describe(&e)));
    let etag = out.e_tag().expect("part ETag").to_string();
    assert_eq!(etag, md5_etag(data), "ETag of part {n}");
    // The SDK sends a CRC32 of the part by default; S3 echoes the checksum it checked.
    assert_eq!(
        out.checksum_crc32(),
        Some(crc32_b64(data).as_str()),
        "CRC32 of part {n}"
    );
    etag
}

fn completed(parts: &[(i32, &str)]) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(
            parts
                .iter()
                .map(|(n, etag)| {
                    CompletedPart::builder()
                        .part_number(*n)
                        .e_tag(*etag)
                        .build()
                })
                .collect(),
        ))
        .build()
}

async fn complete(c: &Client, bucket: &str, key: &str, id: &str, parts: &[(i32, &str)]) -> String {
    let out = c
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(completed(parts))
        .send()
        .await
        .unwrap_or_else(|e| panic!("complete {key}: {}", describe(&e)));
    assert_eq!(out.bucket(), Some(bucket));
    assert_eq!(out.key(), Some(key));
    out.e_tag()
        .expect("ETag of the completed object")
        .to_string()
}

/// Uploads the three unequal parts to `key` and completes; returns the parts.
async fn put_three_part_object(c: &Client, bucket: &str, key: &str) -> [Vec<u8>; 3] {
    let parts = part_data();
    let id = create_upload(c, bucket, key).await;
    let mut etags = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        etags.push(upload_part(c, bucket, key, &id, i as i32 + 1, p).await);
    }
    let etag = complete(
        c,
        bucket,
        key,
        &id,
        &[(1, &etags[0]), (2, &etags[1]), (3, &etags[2])],
    )
    .await;
    assert_eq!(etag, multipart_etag(&[&parts[0], &parts[1], &parts[2]]));
    parts
}

async fn get_all(c: &Client, bucket: &str, key: &str) -> Vec<u8> {
    c.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {}", describe(&e)))
        .body
        .collect()
        .await
        .expect("read body")
        .into_bytes()
        .to_vec()
}

#[tokio::test]
async fn multipart_unequal_parts_etag_get_and_ranges() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let parts = put_three_part_object(&c, &b.name, "mp/object.bin").await;
    let whole: Vec<u8> = parts.concat();
    let etag = multipart_etag(&[&parts[0], &parts[1], &parts[2]]);

    let head = c
        .head_object()
        .bucket(&b.name)
        .key("mp/object.bin")
        .send()
        .await
        .expect("head");
    assert_eq!(head.content_length(), Some(TOTAL as i64));
    assert_eq!(head.e_tag(), Some(etag.as_str()));

    let got = c
        .get_object()
        .bucket(&b.name)
        .key("mp/object.bin")
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_length(), Some(TOTAL as i64));
    assert_eq!(got.e_tag(), Some(etag.as_str()));
    let body = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(body.len(), TOTAL);
    assert!(body.as_ref() == &whole[..], "whole body differs");

    // the object is listed with its size and multipart ETag
    let list = c.list_objects_v2().bucket(&b.name).send().await.unwrap();
    assert_eq!(list.contents().len(), 1);
    assert_eq!(list.contents()[0].key(), Some("mp/object.bin"));
    assert_eq!(list.contents()[0].size(), Some(TOTAL as i64));
    assert_eq!(list.contents()[0].e_tag(), Some(etag.as_str()));

    let p2_end = P1 + P2; // first byte of part 3
    for (range, start, end) in [
        // ends 1 byte into part 2
        (format!("bytes={}-{}", P1 - 10, P1), P1 - 10, P1),
        // covers all three parts
        (format!("bytes=100-{}", TOTAL - 4), 100, TOTAL - 4),
        // last byte of part 2 and the first two of part 3
        (
            format!("bytes={}-{}", p2_end - 1, p2_end + 1),
            p2_end - 1,
            p2_end + 1,
        ),
        ("bytes=-20".to_string(), TOTAL - 20, TOTAL - 1),
        (format!("bytes={}-", P1 - 10), P1 - 10, TOTAL - 1),
    ] {
        let cap = StatusCapture::default();
        let r = c
            .get_object()
            .bucket(&b.name)
            .key("mp/object.bin")
            .range(&range)
            .customize()
            .interceptor(cap.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{range}: {}", describe(&e)));
        assert_eq!(cap.get(), 206, "{range}");
        let want_cr = format!("bytes {start}-{end}/{TOTAL}");
        assert_eq!(r.content_range(), Some(want_cr.as_str()), "{range}");
        assert_eq!(
            r.content_length(),
            Some((end - start + 1) as i64),
            "{range}"
        );
        assert_eq!(r.e_tag(), Some(etag.as_str()), "{range}");
        let got = r.body.collect().await.expect("range body").into_bytes();
        assert_eq!(got.len(), end - start + 1, "{range}");
        assert!(got.as_ref() == &whole[start..=end], "{range}: bytes differ");
    }
}

#[tokio::test]
async fn multipart_get_and_head_by_part_number() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let parts = put_three_part_object(&c, &b.name, "parts.bin").await;
    let etag = multipart_etag(&[&parts[0], &parts[1], &parts[2]]);

    let mut start = 0usize;
    for (i, p) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let end = start + p.len() - 1;
        let want_cr = format!("bytes {start}-{end}/{TOTAL}");

        let cap = StatusCapture::default();
        let got = c
            .get_object()
            .bucket(&b.name)
            .key("parts.bin")
            .part_number(n)
            .customize()
            .interceptor(cap.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("get part {n}: {}", describe(&e)));
        assert_eq!(cap.get(), 206, "GET partNumber={n}");
        assert_eq!(got.parts_count(), Some(3), "GET partNumber={n}");
        assert_eq!(
            got.content_length(),
            Some(p.len() as i64),
            "GET partNumber={n}"
        );
        assert_eq!(
            got.content_range(),
            Some(want_cr.as_str()),
            "GET partNumber={n}"
        );
        assert_eq!(got.e_tag(), Some(etag.as_str()), "GET partNumber={n}");
        let body = got.body.collect().await.expect("part body").into_bytes();
        assert!(body.as_ref() == &p[..], "GET partNumber={n}: bytes differ");

        let cap = StatusCapture::default();
        let head = c
            .head_object()
            .bucket(&b.name)
            .key("parts.bin")
            .part_number(n)
            .customize()
            .interceptor(cap.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("head part {n}: {}", describe(&e)));
        assert_eq!(cap.get(), 206, "HEAD partNumber={n}");
        assert_eq!(head.parts_count(), Some(3), "HEAD partNumber={n}");
        assert_eq!(
            head.content_length(),
            Some(p.len() as i64),
            "HEAD partNumber={n}"
        );
        assert_eq!(
            head.content_range(),
            Some(want_cr.as_str()),
            "HEAD partNumber={n}"
        );
        assert_eq!(head.e_tag(), Some(etag.as_str()), "HEAD partNumber={n}");
        start = end + 1;
    }

    let err = c
        .get_object()
        .bucket(&b.name)
        .key("parts.bin")
        .part_number(4)
        .send()
        .await
        .expect_err("part 4 of 3");
    assert_eq!(
        status_and_code(&err),
        (416, "InvalidPartNumber".to_string())
    );
}

#[tokio::test]
async fn list_parts_pagination() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let key = "listed/parts";
    let id = create_upload(&c, &b.name, key).await;
    let data: Vec<Vec<u8>> = (1..=3).map(|n| pattern(1000 * n, n as u64)).collect();
    // uploaded out of order: listed by part number
    let mut etags = vec![String::new(); 3];
    for i in [2usize, 0, 1] {
        etags[i] = upload_part(&c, &b.name, key, &id, i as i32 + 1, &data[i]).await;
    }

    let all = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list parts: {}", describe(&e)));
    assert_eq!(all.bucket(), Some(b.name.as_str()));
    assert_eq!(all.key(), Some(key));
    assert_eq!(all.upload_id(), Some(id.as_str()));
    assert_eq!(all.is_truncated(), Some(false));
    let listed: Vec<(i32, i64, String)> = all
        .parts()
        .iter()
        .map(|p| {
            assert!(p.last_modified().is_some());
            (
                p.part_number().unwrap_or(0),
                p.size().unwrap_or(-1),
                p.e_tag().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected: Vec<(i32, i64, String)> = (0..3)
        .map(|i| (i as i32 + 1, data[i].len() as i64, etags[i].clone()))
        .collect();
    assert_eq!(listed, expected);

    // one part per page
    let mut marker: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 5, "ListParts does not end");
        let page = c
            .list_parts()
            .bucket(&b.name)
            .key(key)
            .upload_id(&id)
            .max_parts(1)
            .set_part_number_marker(marker.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("list parts page {pages}: {}", describe(&e)));
        assert_eq!(page.max_parts(), Some(1));
        assert_eq!(page.parts().len(), 1, "page {pages}");
        let n = page.parts()[0].part_number().unwrap();
        seen.push(n);
        assert_eq!(
            page.next_part_number_marker(),
            Some(n.to_string().as_str()),
            "page {pages}"
        );
        if let Some(m) = &marker {
            assert_eq!(page.part_number_marker(), Some(m.as_str()));
        }
        if page.is_truncated() == Some(true) {
            marker = page.next_part_number_marker().map(String::from);
        } else {
            assert_eq!(page.is_truncated(), Some(false));
            break;
        }
    }
    assert_eq!(seen, vec![1, 2, 3]);
    assert_eq!(pages, 3);

    // a marker past the last part: nothing, not truncated
    let past = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .part_number_marker("3")
        .send()
        .await
        .expect("list parts after the last");
    assert!(past.parts().is_empty());
    assert_eq!(past.is_truncated(), Some(false));
}

#[tokio::test]
async fn list_multipart_uploads_pagination() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let mut expected: Vec<(String, String)> = Vec::new();
    for key in ["alpha/x", "beta", "alpha/x"] {
        let id = create_upload(&c, &b.name, key).await;
        expected.push((key.to_string(), id));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // a completed upload is not listed
    let done_id = create_upload(&c, &b.name, "gamma").await;
    let e = upload_part(&c, &b.name, "gamma", &done_id, 1, b"small last part").await;
    complete(&c, &b.name, "gamma", &done_id, &[(1, &e)]).await;

    let all = c
        .list_multipart_uploads()
        .bucket(&b.name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list uploads: {}", describe(&e)));
    assert_eq!(all.bucket(), Some(b.name.as_str()));
    assert_eq!(all.is_truncated(), Some(false));
    let listed: Vec<(String, String)> = all
        .uploads()
        .iter()
        .map(|u| {
            (
                u.key().unwrap_or_default().to_string(),
                u.upload_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 3, "{listed:?}");
    let keys: Vec<&str> = listed.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, vec!["alpha/x", "alpha/x", "beta"]);
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(sorted_listed, sorted_expected);
    // uploads of one key: ascending initiation time
    let alpha: Vec<_> = all
        .uploads()
        .iter()
        .filter(|u| u.key() == Some("alpha/x"))
        .map(|u| *u.initiated().expect("Initiated"))
        .collect();
    assert!(alpha[0] <= alpha[1], "{alpha:?}");

    // one upload per page, continuing with NextKeyMarker/NextUploadIdMarker
    let mut key_marker: Option<String> = None;
    let mut id_marker: Option<String> = None;
    let mut paged = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 6, "ListMultipartUploads does not end");
        let page = c
            .list_multipart_uploads()
            .bucket(&b.name)
            .max_uploads(1)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("list uploads page {pages}: {}", describe(&e)));
        assert_eq!(page.max_uploads(), Some(1));
        assert_eq!(page.uploads().len(), 1, "page {pages}");
        let u = &page.uploads()[0];
        let item = (
            u.key().unwrap_or_default().to_string(),
            u.upload_id().unwrap_or_default().to_string(),
        );
        if page.is_truncated() == Some(true) {
            assert_eq!(
                page.next_key_marker(),
                Some(item.0.as_str()),
                "page {pages}"
            );
            assert_eq!(
                page.next_upload_id_marker(),
                Some(item.1.as_str()),
                "page {pages}"
            );
            key_marker = page.next_key_marker().map(String::from);
            id_marker = page.next_upload_id_marker().map(String::from);
            paged.push(item);
        } else {
            assert_eq!(page.is_truncated(), Some(false));
            paged.push(item);
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(paged, listed, "paged listing equals the full listing");

    // key-marker alone: uploads of keys after it
    let after = c
        .list_multipart_uploads()
        .bucket(&b.name)
        .key_marker("alpha/x")
        .send()
        .await
        .expect("list after key");
    let keys: Vec<&str> = after.uploads().iter().filter_map(|u| u.key()).collect();
    assert_eq!(keys, vec!["beta"]);

    // prefix
    let pre = c
        .list_multipart_uploads()
        .bucket(&b.name)
        .prefix("alpha/")
        .send()
        .await
        .expect("list with prefix");
    assert_eq!(pre.uploads().len(), 2);
    assert_eq!(pre.prefix(), Some("alpha/"));
}

#[tokio::test]
async fn abort_multipart_upload() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let key = "aborted";
    let id = create_upload(&c, &b.name, key).await;
    let e = upload_part(&c, &b.name, key, &id, 1, b"some bytes").await;
    c.abort_multipart_upload()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("abort: {}", describe(&e)));

    let err = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect_err("list parts of an aborted upload");
    assert_eq!(status_and_code(&err), (404, "NoSuchUpload".to_string()));

    let err = c
        .upload_part()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .part_number(2)
        .body(ByteStream::from_static(b"more"))
        .send()
        .await
        .expect_err("upload part to an aborted upload");
    assert_eq!(status_and_code(&err), (404, "NoSuchUpload".to_string()));

    let err = c
        .complete_multipart_upload()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .multipart_upload(completed(&[(1, &e)]))
        .send()
        .await
        .expect_err("complete an aborted upload");
    assert_eq!(status_and_code(&err), (404, "NoSuchUpload".to_string()));

    let list = c
        .list_multipart_uploads()
        .bucket(&b.name)
        .send()
        .await
        .expect("list uploads");
    assert!(list.uploads().is_empty());
    let err = c
        .head_object()
        .bucket(&b.name)
        .key(key)
        .send()
        .await
        .expect_err("no object");
    assert_eq!(status_and_code(&err).0, 404);
}

#[tokio::test]
async fn complete_errors_and_subset_of_parts() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let key = "errors";
    let id = create_upload(&c, &b.name, key).await;
    let d1 = pattern(100, 1);
    let d2 = pattern(200, 2);
    let e1 = upload_part(&c, &b.name, key, &id, 1, &d1).await;
    let e2 = upload_part(&c, &b.name, key, &id, 2, &d2).await;

    let try_complete = |parts: Vec<(i32, String)>| {
        let c = c.clone();
        let bucket = b.name.clone();
        let id = id.clone();
        async move {
            let refs: Vec<(i32, &str)> = parts.iter().map(|(n, e)| (*n, e.as_str())).collect();
            c.complete_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(id)
                .multipart_upload(completed(&refs))
                .send()
                .await
        }
    };

    // a part other than the last is smaller than 5 MiB
    let err = try_complete(vec![(1, e1.clone()), (2, e2.clone())])
        .await
        .expect_err("too small");
    assert_eq!(status_and_code(&err), (400, "EntityTooSmall".to_string()));
    // a wrong ETag
    let err = try_complete(vec![(2, md5_etag(b"not the part"))])
        .await
        .expect_err("wrong etag");
    assert_eq!(status_and_code(&err), (400, "InvalidPart".to_string()));
    // a part that was never uploaded
    let err = try_complete(vec![(3, e2.clone())])
        .await
        .expect_err("missing part");
    assert_eq!(status_and_code(&err), (400, "InvalidPart".to_string()));
    // not ascending
    let err = try_complete(vec![(2, e2.clone()), (1, e1.clone())])
        .await
        .expect_err("order");
    assert_eq!(status_and_code(&err), (400, "InvalidPartOrder".to_string()));

    // the upload survived the failed attempts; completing with part 2 only is fine
    let parts = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect("upload still there");
    assert_eq!(parts.parts().len(), 2);
    let out = try_complete(vec![(2, e2.clone())]).await.expect("complete");
    assert_eq!(out.e_tag(), Some(multipart_etag(&[&d2]).as_str()));
    assert_eq!(get_all(&c, &b.name, key).await, d2);
    let err = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect_err("completed upload is gone");
    assert_eq!(status_and_code(&err), (404, "NoSuchUpload".to_string()));
}

#[tokio::test]
async fn create_multipart_upload_attributes_apply_to_object() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let key = "with-attributes.txt";
    let out = c
        .create_multipart_upload()
        .bucket(&b.name)
        .key(key)
        .content_type("text/plain")
        .cache_control("no-cache")
        .metadata("origin", "multipart")
        .tagging("project=s3edge&stage=e2e%20test")
        .send()
        .await
        .unwrap_or_else(|e| panic!("create: {}", describe(&e)));
    let id = out.upload_id().unwrap().to_string();
    let data = b"hello multipart".to_vec();
    let e = upload_part(&c, &b.name, key, &id, 1, &data).await;
    let etag = complete(&c, &b.name, key, &id, &[(1, &e)]).await;
    assert_eq!(etag, multipart_etag(&[&data]));

    let head = c
        .head_object()
        .bucket(&b.name)
        .key(key)
        .send()
        .await
        .expect("head");
    assert_eq!(head.content_type(), Some("text/plain"));
    assert_eq!(head.cache_control(), Some("no-cache"));
    assert_eq!(
        head.metadata()
            .and_then(|m| m.get("origin"))
            .map(String::as_str),
        Some("multipart")
    );
    assert_eq!(head.tag_count(), Some(2));
    let tags = c
        .get_object_tagging()
        .bucket(&b.name)
        .key(key)
        .send()
        .await
        .expect("get tagging");
    let mut got: Vec<(&str, &str)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    got.sort();
    assert_eq!(got, vec![("project", "s3edge"), ("stage", "e2e test")]);
}

#[tokio::test]
async fn copy_object_of_multipart_object() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let parts = put_three_part_object(&c, &b.name, "src.bin").await;
    let whole = parts.concat();

    let out = c
        .copy_object()
        .bucket(&b.name)
        .key("dst/copy.bin")
        .copy_source(format!("{}/src.bin", b.name))
        .send()
        .await
        .unwrap_or_else(|e| panic!("copy: {}", describe(&e)));
    let result = out.copy_object_result().expect("CopyObjectResult");
    let copy_etag = result.e_tag().expect("ETag").to_string();
    assert!(result.last_modified().is_some());

    let head = c
        .head_object()
        .bucket(&b.name)
        .key("dst/copy.bin")
        .send()
        .await
        .expect("head copy");
    assert_eq!(head.content_length(), Some(TOTAL as i64));
    assert_eq!(head.e_tag(), Some(copy_etag.as_str()));
    let got = get_all(&c, &b.name, "dst/copy.bin").await;
    assert_eq!(got.len(), TOTAL);
    assert!(got == whole, "copied bytes differ");
    // the source is unchanged
    assert!(get_all(&c, &b.name, "src.bin").await == whole);
}

#[tokio::test]
async fn upload_part_copy_with_ranges() {
    let c = client();
    let b = TestBucket::new(&c).await;
    let parts = put_three_part_object(&c, &b.name, "src.bin").await;
    let whole = parts.concat();

    let key = "assembled.bin";
    let id = create_upload(&c, &b.name, key).await;
    // part 1: 5 MiB starting at 1000, across the boundary of source parts 1 and 2
    let r1 = (1000usize, 1000 + P1 - 1);
    // part 2: from inside source part 2 across the boundary to part 3, to the end
    // (not the last part either, so at least 5 MiB)
    let r2 = (P1 + 1000, TOTAL - 1);
    let mut etags = Vec::new();
    for (n, (s, e)) in [(1, r1), (2, r2)] {
        let range = format!("bytes={s}-{e}");
        let out = c
            .upload_part_copy()
            .bucket(&b.name)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .copy_source(format!("{}/src.bin", b.name))
            .copy_source_range(&range)
            .send()
            .await
            .unwrap_or_else(|err| panic!("upload part copy {n} {range}: {}", describe(&err)));
        let r = out.copy_part_result().expect("CopyPartResult");
        assert!(r.last_modified().is_some());
        let etag = r.e_tag().expect("part ETag").to_string();
        assert_eq!(etag, md5_etag(&whole[s..=e]), "ETag of copied part {n}");
        etags.push(etag);
    }
    // a third part from a plain upload
    let tail = b"plain tail".to_vec();
    etags.push(upload_part(&c, &b.name, key, &id, 3, &tail).await);

    let listed = c
        .list_parts()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .send()
        .await
        .expect("list parts");
    let sizes: Vec<i64> = listed
        .parts()
        .iter()
        .map(|p| p.size().unwrap_or(-1))
        .collect();
    assert_eq!(
        sizes,
        vec![P1 as i64, (r2.1 - r2.0 + 1) as i64, tail.len() as i64]
    );

    let etag = complete(
        &c,
        &b.name,
        key,
        &id,
        &[(1, &etags[0]), (2, &etags[1]), (3, &etags[2])],
    )
    .await;
    let mut want = whole[r1.0..=r1.1].to_vec();
    want.extend_from_slice(&whole[r2.0..=r2.1]);
    want.extend_from_slice(&tail);
    assert_eq!(
        etag,
        multipart_etag(&[&whole[r1.0..=r1.1], &whole[r2.0..=r2.1], &tail])
    );
    let got = get_all(&c, &b.name, key).await;
    assert_eq!(got.len(), want.len());
    assert!(got == want, "assembled bytes differ");

    // a range past the end of the source is refused
    let id2 = create_upload(&c, &b.name, "bad-range").await;
    let err = c
        .upload_part_copy()
        .bucket(&b.name)
        .key("bad-range")
        .upload_id(&id2)
        .part_number(1)
        .copy_source(format!("{}/src.bin", b.name))
        .copy_source_range(format!("bytes={}-{}", TOTAL - 5, TOTAL + 5))
        .send()
        .await
        .expect_err("range past the end");
    // AWS answers 400 InvalidArgument ("Range specified is not valid for source object
    // of size ..."); 416 InvalidRange is accepted as well.
    let (status, code) = status_and_code(&err);
    assert!(
        (status, code.as_str()) == (400, "InvalidArgument")
            || (status, code.as_str()) == (416, "InvalidRange"),
        "{status} {code}"
    );
}

#[tokio::test]
async fn object_tagging_roundtrip() {
    let c = client();
    let b = TestBucket::new(&c).await;
    c.put_object()
        .bucket(&b.name)
        .key("tagged")
        .body(ByteStream::from_static(b"tag me"))
        .tagging("initial=yes")
        .send()
        .await
        .expect("put with tagging");
    let head = c
        .head_object()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(head.tag_count(), Some(1));
    let got = c
        .get_object_tagging()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap_or_else(|e| panic!("get tagging: {}", describe(&e)));
    let tags: Vec<(&str, &str)> = got.tag_set().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, vec![("initial", "yes")]);

    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("color").value("blue").build().unwrap())
        .tag_set(Tag::builder().key("size").value("a b/c=d").build().unwrap())
        .tag_set(Tag::builder().key("empty").value("").build().unwrap())
        .build()
        .unwrap();
    c.put_object_tagging()
        .bucket(&b.name)
        .key("tagged")
        .tagging(tagging)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put tagging: {}", describe(&e)));

    let got = c
        .get_object_tagging()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    let mut tags: Vec<(&str, &str)> = got.tag_set().iter().map(|t| (t.key(), t.value())).collect();
    tags.sort();
    assert_eq!(
        tags,
        vec![("color", "blue"), ("empty", ""), ("size", "a b/c=d")]
    );

    let head = c
        .head_object()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(head.tag_count(), Some(3));
    let g = c
        .get_object()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(g.tag_count(), Some(3));
    // tagging does not change the object
    assert_eq!(g.e_tag(), Some(md5_etag(b"tag me").as_str()));
    assert_eq!(
        g.body.collect().await.unwrap().into_bytes().as_ref(),
        b"tag me"
    );

    c.delete_object_tagging()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete tagging: {}", describe(&e)));
    let got = c
        .get_object_tagging()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert!(got.tag_set().is_empty());
    let head = c
        .head_object()
        .bucket(&b.name)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert_eq!(head.tag_count(), None);

    let err = c
        .get_object_tagging()
        .bucket(&b.name)
        .key("missing")
        .send()
        .await
        .expect_err("missing key");
    assert_eq!(status_and_code(&err), (404, "NoSuchKey".to_string()));
}

#[tokio::test]
async fn composite_crc32_checksum_of_multipart_upload() {
    use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, ChecksumType};
    let c = client();
    let b = TestBucket::new(&c).await;
    let key = "composite.bin";
    let out = c
        .create_multipart_upload()
        .bucket(&b.name)
        .key(key)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create: {}", describe(&e)));
    assert_eq!(out.checksum_algorithm(), Some(&ChecksumAlgorithm::Crc32));
    let id = out.upload_id().unwrap().to_string();
    let parts = [pattern(P1, 7), pattern(1234, 8)];
    let mut completed_parts = Vec::new();
    let mut crcs = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let out = c
            .upload_part()
            .bucket(&b.name)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(p.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload part {n}: {}", describe(&e)));
        assert_eq!(out.checksum_crc32(), Some(crc32_b64(p).as_str()));
        crcs.extend_from_slice(&crc32fast::hash(p).to_be_bytes());
        completed_parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .checksum_crc32(out.checksum_crc32().unwrap())
                .build(),
        );
    }
    let composite = format!("{}-2", crc32_b64(&crcs));
    let done = c
        .complete_multipart_upload()
        .bucket(&b.name)
        .key(key)
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed_parts))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("complete: {}", describe(&e)));
    assert_eq!(
        done.e_tag(),
        Some(multipart_etag(&[&parts[0], &parts[1]]).as_str())
    );
    assert_eq!(done.checksum_crc32(), Some(composite.as_str()));
    assert_eq!(done.checksum_type(), Some(&ChecksumType::Composite));

    let head = c
        .head_object()
        .bucket(&b.name)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("head");
    assert_eq!(head.checksum_crc32(), Some(composite.as_str()));
    assert_eq!(head.checksum_type(), Some(&ChecksumType::Composite));
    assert!(get_all(&c, &b.name, key).await == parts.concat());
}
