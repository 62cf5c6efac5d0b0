//! Small objects kept in their records (`S3EDGE_INLINE_MAX`): where the bytes go, and that
//! clients see the same object either way (ETag, ranges, checksums, copies, parts, cleanup).
//! These tests set the threshold themselves, whatever `S3EDGE_TEST_INLINE_MAX` says.

mod common;

use common::*;
use crc::{Crc, CRC_32_ISO_HDLC};

const BUCKET: &str = "inline";
const MAX: u64 = 1024;

fn env_inlining(max: u64) -> Env {
    let mut env = Env::new();
    env.config.inline_max = max;
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    env
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn crc32_b64(data: &[u8]) -> String {
    b64(&Crc::<u32>::new(&CRC_32_ISO_HDLC)
        .checksum(data)
        .to_be_bytes())
}

#[test]
fn objects_up_to_the_threshold_live_in_their_record_and_read_back_the_same() {
    let env = env_inlining(MAX);
    let small = bytes(MAX as usize, 1);
    let large = bytes(MAX as usize + 1, 2);
    for (key, body) in [("small", &small), ("large", &large), ("empty", &Vec::new())] {
        let put = env.put(BUCKET, key, body);
        assert_eq!(put.status, 200, "{}", put.text());
        assert_eq!(put.header("etag"), Some(quoted_md5(body).as_str()));
        let got = env.get(BUCKET, key);
        assert_eq!(got.status, 200);
        assert_eq!(&got.body, body, "{key}");
        assert_eq!(got.header("etag"), Some(quoted_md5(body).as_str()));
        assert_eq!(
            got.header("content-length"),
            Some(body.len().to_string().as_str())
        );
    }
    let small_record = env.record(BUCKET, "small").unwrap();
    assert_eq!(small_record.inline_bytes(None), Some(&small[..]));
    assert!(small_record.blob.is_empty() && small_record.blobs().is_empty());
    assert!(env.record(BUCKET, "empty").unwrap().inline.is_some());
    let large_record = env.record(BUCKET, "large").unwrap();
    assert!(large_record.inline.is_none());
    // The one blob is the large object's.
    assert_eq!(env.blobs(), large_record.blobs());
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    let sizes: Vec<(String, u64, String)> = listed
        .contents
        .iter()
        .map(|c| (c.key.clone(), c.size, c.etag.clone()))
        .collect();
    assert_eq!(
        sizes,
        [
            ("empty".to_string(), 0, quoted_md5(b"")),
            ("large".to_string(), MAX + 1, quoted_md5(&large)),
            ("small".to_string(), MAX, quoted_md5(&small)),
        ]
    );
}

#[test]
fn a_threshold_of_zero_keeps_every_object_in_a_blob() {
    let env = env_inlining(0);
    assert_eq!(env.put(BUCKET, "k", b"tiny").status, 200);
    let record = env.record(BUCKET, "k").unwrap();
    assert!(record.inline.is_none());
    assert_eq!(env.blobs(), record.blobs());
    assert_eq!(env.get(BUCKET, "k").body, b"tiny");
}

#[test]
fn ranges_part_numbers_and_conditionals_read_from_the_record() {
    let env = env_inlining(MAX);
    let body = bytes(100, 3);
    assert_eq!(env.put(BUCKET, "k", &body).status, 200);
    assert!(env.record(BUCKET, "k").unwrap().inline.is_some());
    for (range, from, to) in [
        ("bytes=10-19", 10, 19),
        ("bytes=-5", 95, 99),
        ("bytes=90-", 90, 99),
    ] {
        let got = env
            .req("GET", &object_path(BUCKET, "k"))
            .header("range", range)
            .send();
        assert_eq!(got.status, 206, "{range}");
        assert_eq!(got.body, body[from..=to], "{range}");
        assert_eq!(
            got.header("content-range"),
            Some(format!("bytes {from}-{to}/100").as_str())
        );
    }
    env.req("GET", &object_path(BUCKET, "k"))
        .header("range", "bytes=100-")
        .send()
        .assert_error(416, "InvalidRange");
    let part = env
        .req("GET", &object_path(BUCKET, "k"))
        .query("partNumber=1")
        .send();
    assert_eq!((part.status, &part.body), (206, &body));
    let etag = quoted_md5(&body);
    let not_modified = env
        .req("GET", &object_path(BUCKET, "k"))
        .header("if-none-match", &etag)
        .send();
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    env.req("GET", &object_path(BUCKET, "k"))
        .header("if-match", "\"0000\"")
        .send()
        .assert_error(412, "PreconditionFailed");
    let head = env.req("HEAD", &object_path(BUCKET, "k")).send();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), Some("100"));
}

#[test]
fn checksums_and_aws_chunked_bodies_are_checked_in_wasm() {
    let env = env_inlining(MAX);
    let body = bytes(300, 4);
    let crc = crc32_b64(&body);
    // A flexible checksum in a header, stored and returned.
    let put = env
        .req("PUT", &object_path(BUCKET, "sum"))
        .header("x-amz-checksum-crc32", &crc)
        .body(body.clone())
        .send();
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("x-amz-checksum-crc32"), Some(crc.as_str()));
    let got = env
        .req("GET", &object_path(BUCKET, "sum"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send();
    assert_eq!(got.header("x-amz-checksum-crc32"), Some(crc.as_str()));
    assert!(env.record(BUCKET, "sum").unwrap().inline.is_some());

    // An aws-chunked body with the checksum in its trailer (what SDKs send by default).
    let mut encoded = Vec::new();
    for piece in body.chunks(128) {
        encoded.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        encoded.extend_from_slice(piece);
        encoded.extend_from_slice(b"\r\n");
    }
    encoded.extend_from_slice(format!("0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n").as_bytes());
    let chunked = |encoded: Vec<u8>| {
        env.req("PUT", &object_path(BUCKET, "chunked"))
            .payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            .header("content-encoding", "aws-chunked")
            .header("x-amz-decoded-content-length", &body.len().to_string())
            .header("x-amz-trailer", "x-amz-checksum-crc32")
            .body(encoded)
            .send()
    };
    let put = chunked(encoded.clone());
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("etag"), Some(quoted_md5(&body).as_str()));
    assert_eq!(env.get(BUCKET, "chunked").body, body);
    let record = env.record(BUCKET, "chunked").unwrap();
    assert_eq!(record.inline_bytes(None), Some(&body[..]));
    assert_eq!(record.checksum, Some(("CRC32".to_string(), crc.clone())));

    // Wrong checksums, a wrong Content-MD5, a short body: refused, and the object unchanged.
    let wrong = encoded
        .windows(crc.len())
        .position(|w| w == crc.as_bytes())
        .map(|at| {
            let mut bad = encoded.clone();
            bad[at..at + crc.len()].copy_from_slice(crc32_b64(b"other").as_bytes());
            bad
        })
        .unwrap();
    chunked(wrong).assert_error(400, "BadDigest");
    env.req("PUT", &object_path(BUCKET, "sum"))
        .header("content-md5", &md5_b64(b"other"))
        .body(bytes(10, 9))
        .send()
        .assert_error(400, "BadDigest");
    env.req("PUT", &object_path(BUCKET, "sum"))
        .payload_hash(&s3edge::auth::sigv4::sha256_hex(b"other"))
        .body(bytes(10, 9))
        .send()
        .assert_error(400, "XAmzContentSHA256Mismatch");
    let short = env
        .req("PUT", &object_path(BUCKET, "sum"))
        .payload_hash("UNSIGNED-PAYLOAD")
        .body(bytes(10, 9))
        .sign();
    env.handle(short.head, bytes(4, 9))
        .assert_error(400, "IncompleteBody");
    assert_eq!(env.get(BUCKET, "sum").body, body);
    assert_eq!(env.get(BUCKET, "chunked").body, body);
    assert!(env.blobs().is_empty(), "{:?}", env.blobs());
}

#[test]
fn copies_of_an_object_in_its_record_are_made_without_r2() {
    let env = env_inlining(MAX);
    let body = bytes(200, 5);
    assert_eq!(env.put(BUCKET, "src", &body).status, 200);
    let before = env.store.calls();
    let copy = env
        .req("PUT", &object_path(BUCKET, "dst"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/src"))
        .header("x-amz-checksum-algorithm", "CRC32")
        .send();
    assert_eq!(copy.status, 200, "{}", copy.text());
    let calls = env.store.calls() - before;
    assert_eq!(xml_values(&copy.text(), "ETag"), [quoted_md5(&body)]);
    let record = env.record(BUCKET, "dst").unwrap();
    assert_eq!(record.inline_bytes(None), Some(&body[..]));
    assert_eq!(
        record.checksum,
        Some(("CRC32".to_string(), crc32_b64(&body)))
    );
    assert!(env.blobs().is_empty(), "{:?}", env.blobs());
    assert_eq!(env.get(BUCKET, "dst").body, body);
    // The records read and written: never more than a PutObject kept in its record costs
    // (the source's record and the destination's, read together where the store can).
    assert!(calls <= 6, "a copy made {calls} storage calls");

    // A range of it copied into a multipart upload's part.
    let created = env
        .req("POST", &object_path(BUCKET, "joined"))
        .query("uploads")
        .send();
    let upload = xml_values(&created.text(), "UploadId").remove(0);
    let part = env
        .req("PUT", &object_path(BUCKET, "joined"))
        .query(&format!("partNumber=1&uploadId={upload}"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/src"))
        .header("x-amz-copy-source-range", "bytes=50-149")
        .send();
    assert_eq!(part.status, 200, "{}", part.text());
    let etag = xml_values(&part.text(), "ETag").remove(0);
    assert_eq!(etag, quoted_md5(&body[50..150]));
    let complete = env
        .req("POST", &object_path(BUCKET, "joined"))
        .query(&format!("uploadId={upload}"))
        .body(format!(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
        ))
        .send();
    assert_eq!(complete.status, 200, "{}", complete.text());
    assert_eq!(env.get(BUCKET, "joined").body, body[50..150]);
}

#[test]
fn overwrites_and_deletes_move_between_record_and_blob_and_the_cleanup_keeps_both() {
    let env = env_inlining(MAX);
    let large = bytes(MAX as usize * 2, 6);
    let small = bytes(10, 7);
    assert_eq!(env.put(BUCKET, "k", &large).status, 200);
    assert_eq!(env.blobs().len(), 1);
    // Small over large: the large object's blob is retired.
    assert_eq!(env.put(BUCKET, "k", &small).status, 200);
    assert!(env.blobs().is_empty(), "{:?}", env.blobs());
    assert_eq!(env.get(BUCKET, "k").body, small);
    // Large over small, and back.
    assert_eq!(env.put(BUCKET, "k", &large).status, 200);
    assert_eq!(env.blobs(), env.record(BUCKET, "k").unwrap().blobs());
    assert_eq!(env.put(BUCKET, "k", &small).status, 200);
    assert!(env.blobs().is_empty());
    // Tagging rewrites the record and keeps its bytes.
    let tagged = env
        .req("PUT", &object_path(BUCKET, "k"))
        .query("tagging")
        .body(
            b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>".to_vec(),
        )
        .send();
    assert_eq!(tagged.status, 200);
    assert_eq!(env.get(BUCKET, "k").body, small);
    // A stray blob that names the key (a write that died before its commit) is removed by the
    // cleanup pass: the record holds no blob. The object stays whole.
    let stray = format!("blob/{BUCKET}/{}", "0".repeat(32));
    futures_executor::block_on(s3edge::store::BlobStore::put_small(
        &env.store,
        &stray,
        b"left over".to_vec(),
        [("bucket", BUCKET), ("key", "k")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    ))
    .unwrap();
    let report = env.sweep();
    assert_eq!(report.blobs_removed, 1, "{report:?}");
    assert!(env.blobs().is_empty());
    assert_eq!(env.get(BUCKET, "k").body, small);
    assert_eq!(env.delete(BUCKET, "k").status, 204);
    env.get(BUCKET, "k").assert_error(404, "NoSuchKey");
    assert!(env.index_entries().is_empty());
}
