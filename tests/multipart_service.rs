//! Native tests of multipart uploads, copies, appends and tagging through the whole request
//! handler over the in-memory stores, including what every storage failure leaves behind.

mod common;

use common::*;
use md5::{Digest as _, Md5};
use s3edge::store::memory::Fault;

const BUCKET: &str = "media";
const MIB: usize = 1024 * 1024;

fn env_with_bucket() -> Env {
    let env = Env::new();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    env
}

/// Deterministic bytes that differ from offset to offset (so misplaced ranges show).
fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect()
}

#[track_caller]
fn ok(resp: &Resp, status: u16) {
    assert_eq!(resp.status, status, "{}", resp.text());
}

fn create_upload(env: &Env, key: &str, headers: &[(&str, &str)]) -> String {
    let mut req = env.req("POST", &object_path(BUCKET, key)).query("uploads");
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let resp = req.send();
    ok(&resp, 200);
    xml_values(&resp.text(), "UploadId").remove(0)
}

fn upload_part(env: &Env, key: &str, upload: &str, number: u16, body: &[u8]) -> Resp {
    env.req("PUT", &object_path(BUCKET, key))
        .query(&format!("partNumber={number}&uploadId={upload}"))
        .body(body.to_vec())
        .send()
}

fn part(env: &Env, key: &str, upload: &str, number: u16, body: &[u8]) -> (u16, String) {
    let resp = upload_part(env, key, upload, number, body);
    ok(&resp, 200);
    assert_eq!(resp.header("etag"), Some(quoted_md5(body).as_str()));
    (number, resp.header("etag").unwrap().to_string())
}

/// A well-formed upload id that is not `upload` (its last hex digit changed).
fn other_upload_id(upload: &str) -> String {
    let last = if upload.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &upload[..upload.len() - 1])
}

fn complete_body(parts: &[(u16, String)]) -> Vec<u8> {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml.into_bytes()
}

fn complete(env: &Env, key: &str, upload: &str, parts: &[(u16, String)]) -> Resp {
    env.req("POST", &object_path(BUCKET, key))
        .query(&format!("uploadId={upload}"))
        .body(complete_body(parts))
        .send()
}

fn multipart_etag(parts: &[&[u8]]) -> String {
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(Md5::digest(p));
    }
    format!("\"{}-{}\"", hex::encode(md5.finalize()), parts.len())
}

/// Uploads `parts` as a multipart object under `key` and returns the whole body.
fn multipart_object(env: &Env, key: &str, parts: &[Vec<u8>]) -> Vec<u8> {
    let upload = create_upload(env, key, &[]);
    let listed: Vec<(u16, String)> = parts
        .iter()
        .enumerate()
        .map(|(i, body)| part(env, key, &upload, i as u16 + 1, body))
        .collect();
    ok(&complete(env, key, &upload, &listed), 200);
    parts.concat()
}

/// Everything stored outside the index is exactly what the records of `keys` hold.
#[track_caller]
fn assert_stored_is_held(env: &Env, keys: &[&str]) {
    let mut held: Vec<String> = keys
        .iter()
        .filter_map(|k| env.record(BUCKET, k))
        .flat_map(|r| r.blobs())
        .collect();
    held.sort();
    assert_eq!(env.stored(), held);
}

#[test]
fn parts_of_unequal_sizes_read_whole_by_range_and_by_part() {
    let env = env_with_bucket();
    let parts = [bytes(5 * MIB, 1), bytes(5 * MIB + 3, 2), bytes(17, 3)];
    let upload = create_upload(
        &env,
        "video.bin",
        &[
            ("content-type", "video/mp4"),
            ("x-amz-meta-camera", "front"),
            ("x-amz-tagging", "a=1&b=2"),
        ],
    );
    let listed: Vec<(u16, String)> = parts
        .iter()
        .enumerate()
        .map(|(i, body)| part(&env, "video.bin", &upload, i as u16 + 1, body))
        .collect();
    let calls = env.store.calls();
    let done = complete(&env, "video.bin", &upload, &listed);
    ok(&done, 200);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let etag = multipart_etag(&refs);
    assert_eq!(
        xml_values(&done.text(), "ETag"),
        std::slice::from_ref(&etag)
    );
    eprintln!(
        "CompleteMultipartUpload of 3 parts: {} storage calls",
        env.store.calls() - calls
    );
    let whole = parts.concat();

    let get = env.get(BUCKET, "video.bin");
    ok(&get, 200);
    assert_eq!(get.body, whole);
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("content-type"), Some("video/mp4"));
    assert_eq!(get.header("x-amz-meta-camera"), Some("front"));
    assert_eq!(get.header("x-amz-tagging-count"), Some("2"));

    let p1 = 5 * MIB;
    let p2 = p1 + 5 * MIB + 3;
    for (spec, from, to) in [
        (format!("bytes={}-{}", p1 - 10, p1), p1 - 10, p1),
        (format!("bytes={}-{}", p1 - 1, p2), p1 - 1, p2),
        ("bytes=-20".to_string(), whole.len() - 20, whole.len() - 1),
        (format!("bytes={}-", p2 - 2), p2 - 2, whole.len() - 1),
        ("bytes=0-0".to_string(), 0, 0),
    ] {
        let resp = env
            .req("GET", &object_path(BUCKET, "video.bin"))
            .header("range", &spec)
            .send();
        ok(&resp, 206);
        assert!(resp.body == whole[from..=to], "{spec}");
        assert_eq!(
            resp.header("content-range"),
            Some(format!("bytes {from}-{to}/{}", whole.len()).as_str())
        );
    }

    for (number, from, to) in [(1, 0, p1 - 1), (2, p1, p2 - 1), (3, p2, whole.len() - 1)] {
        let resp = env
            .req("GET", &object_path(BUCKET, "video.bin"))
            .query(&format!("partNumber={number}"))
            .send();
        ok(&resp, 206);
        assert!(resp.body == whole[from..=to], "part {number}");
        assert_eq!(resp.header("x-amz-mp-parts-count"), Some("3"));
        assert_eq!(
            resp.header("content-range"),
            Some(format!("bytes {from}-{to}/{}", whole.len()).as_str())
        );
    }
    let head = env
        .req("HEAD", &object_path(BUCKET, "video.bin"))
        .query("partNumber=2")
        .send();
    ok(&head, 206);
    assert_eq!(
        head.header("content-length"),
        Some((5 * MIB + 3).to_string().as_str())
    );
    env.req("GET", &object_path(BUCKET, "video.bin"))
        .query("partNumber=4")
        .send()
        .assert_error(416, "InvalidPartNumber");
    env.req("GET", &object_path(BUCKET, "video.bin"))
        .query("partNumber=1")
        .header("range", "bytes=0-1")
        .send()
        .assert_error(400, "InvalidRequest");

    // The object holds exactly its three part blobs: no part record, no upload left.
    assert_stored_is_held(&env, &["video.bin"]);
    assert_eq!(env.record(BUCKET, "video.bin").unwrap().segments.len(), 3);
    let listed = env.list_v2(BUCKET, &[]);
    assert_eq!(
        xml_values(&listed.text(), "ETag"),
        std::slice::from_ref(&etag)
    );
    assert_eq!(
        xml_values(&listed.text(), "Size"),
        [whole.len().to_string()]
    );
}

#[test]
fn complete_checks_the_part_list_and_changes_nothing_when_refused() {
    let env = env_with_bucket();
    let key = "doc";
    let upload = create_upload(&env, key, &[]);
    let big = bytes(5 * MIB, 7);
    let small = bytes(100, 8);
    let p1 = part(&env, key, &upload, 1, &big);
    let p2 = part(&env, key, &upload, 2, &small);
    let p3 = part(&env, key, &upload, 3, &small);
    let stored = env.stored();

    complete(&env, key, &upload, &[p1.clone(), (2, quoted_md5(b"other"))])
        .assert_error(400, "InvalidPart");
    complete(&env, key, &upload, &[p1.clone(), (4, p2.1.clone())]).assert_error(400, "InvalidPart");
    complete(&env, key, &upload, &[p2.clone(), p1.clone()]).assert_error(400, "InvalidPartOrder");
    let too_small = complete(&env, key, &upload, &[p1.clone(), p2.clone(), p3.clone()]);
    too_small.assert_error(400, "EntityTooSmall");
    assert_eq!(xml_values(&too_small.text(), "PartNumber"), ["2"]);
    complete(
        &env,
        key,
        &other_upload_id(&upload),
        std::slice::from_ref(&p1),
    )
    .assert_error(404, "NoSuchUpload");
    complete(&env, "other-key", &upload, std::slice::from_ref(&p1))
        .assert_error(404, "NoSuchUpload");
    env.req("POST", &object_path(BUCKET, key))
        .query(&format!("uploadId={upload}"))
        .body(b"<CompleteMultipartUpload></CompleteMultipartUpload>".to_vec())
        .send()
        .assert_error(400, "MalformedXML");
    upload_part(&env, key, &upload, 0, b"x").assert_error(400, "InvalidArgument");
    upload_part(&env, key, &upload, 10_001, b"x").assert_error(400, "InvalidArgument");
    let bad_md5 = env
        .req("PUT", &object_path(BUCKET, key))
        .query(&format!("partNumber=5&uploadId={upload}"))
        .header("content-md5", &md5_b64(b"something else"))
        .body(small.clone())
        .send();
    bad_md5.assert_error(400, "BadDigest");
    assert_eq!(env.stored(), stored, "refused requests stored nothing");
    assert_eq!(env.get(BUCKET, key).status, 404);

    // The last part may be small; parts not named are dropped.
    ok(&complete(&env, key, &upload, &[p1, p3]), 200);
    assert_eq!(env.get(BUCKET, key).body, [big, small].concat());
    assert_stored_is_held(&env, &[key]);
    complete(&env, key, &upload, &[]).assert_error(404, "NoSuchUpload");
}

/// A retried Complete (the first answer lost) is answered as the first one was while the object
/// that upload made is current and the same parts are named; otherwise the upload is gone.
#[test]
fn a_retried_complete_answers_again_while_its_object_is_current() {
    let env = env_with_bucket();
    let key = "retried";
    let upload = create_upload(&env, key, &[("x-amz-checksum-algorithm", "CRC32")]);
    let parts = [bytes(5 * MIB, 31), bytes(5 * MIB, 32), bytes(10, 33)];
    let listed: Vec<(u16, String)> = parts
        .iter()
        .enumerate()
        .map(|(i, body)| part(&env, key, &upload, i as u16 + 1, body))
        .collect();
    let first = complete(&env, key, &upload, &listed);
    ok(&first, 200);
    let etag = multipart_etag(&[&parts[0], &parts[1], &parts[2]]);
    assert_eq!(
        xml_values(&first.text(), "ETag"),
        std::slice::from_ref(&etag)
    );
    let stored = env.stored();

    let again = complete(&env, key, &upload, &listed);
    ok(&again, 200);
    assert_eq!(
        again.text(),
        first.text(),
        "the same Location, Bucket, Key, ETag and checksum"
    );
    assert_eq!(xml_values(&again.text(), "ChecksumType"), ["COMPOSITE"]);
    // ETags without their quotes name the same parts.
    let bare: Vec<(u16, String)> = listed
        .iter()
        .map(|(n, e)| (*n, e.trim_matches('"').to_string()))
        .collect();
    assert_eq!(complete(&env, key, &upload, &bare).text(), first.text());
    assert_eq!(env.stored(), stored, "a retry stores nothing");

    // Another part list of the same upload, or the right list under another upload id.
    let fewer = &listed[..2];
    complete(&env, key, &upload, fewer).assert_error(404, "NoSuchUpload");
    let changed = [listed[0].clone(), listed[1].clone(), (3, quoted_md5(b"x"))];
    complete(&env, key, &upload, &changed).assert_error(404, "NoSuchUpload");
    complete(&env, key, &other_upload_id(&upload), &listed).assert_error(404, "NoSuchUpload");
    complete(&env, "other-key", &upload, &listed).assert_error(404, "NoSuchUpload");
    assert_eq!(env.get(BUCKET, key).body, parts.concat());

    // Tagging keeps the object (it is still the one the upload made); a PUT replaces it.
    ok(&put_tagging(&env, key, &[("k", "v")]), 200);
    assert_eq!(complete(&env, key, &upload, &listed).text(), first.text());
    ok(&env.put(BUCKET, key, b"newer"), 200);
    complete(&env, key, &upload, &listed).assert_error(404, "NoSuchUpload");
    assert_eq!(env.get(BUCKET, key).body, b"newer");

    // A copy onto itself is a new object too.
    let upload = create_upload(&env, key, &[]);
    let listed = [part(&env, key, &upload, 1, b"only part")];
    ok(&complete(&env, key, &upload, &listed), 200);
    ok(&complete(&env, key, &upload, &listed), 200);
    ok(
        &copy(
            &env,
            &format!("{BUCKET}/{key}"),
            key,
            &[("x-amz-metadata-directive", "REPLACE")],
        ),
        200,
    );
    complete(&env, key, &upload, &listed).assert_error(404, "NoSuchUpload");
}

fn attributes(env: &Env, key: &str, headers: &[(&str, &str)]) -> String {
    let mut req = env
        .req("GET", &object_path(BUCKET, key))
        .query("attributes")
        .header(
            "x-amz-object-attributes",
            "ETag,Checksum,ObjectParts,StorageClass,ObjectSize",
        );
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let resp = req.send();
    ok(&resp, 200);
    resp.text()
}

/// GetObjectAttributes of multipart objects: a COMPOSITE one lists its parts, page by page;
/// others give only their number of parts.
#[test]
fn get_object_attributes_of_multipart_objects() {
    let env = env_with_bucket();
    let parts = [
        bytes(5 * MIB, 51),
        bytes(5 * MIB, 52),
        bytes(5 * MIB, 53),
        bytes(9, 54),
    ];
    let upload = create_upload(&env, "comp", &[("x-amz-checksum-algorithm", "CRC32")]);
    let listed: Vec<(u16, String)> = parts
        .iter()
        .enumerate()
        .map(|(i, body)| part(&env, "comp", &upload, i as u16 + 1, body))
        .collect();
    let done = complete(&env, "comp", &upload, &listed).text();
    let composite = xml_values(&done, "ChecksumCRC32").remove(0);
    assert!(composite.ends_with("-4"), "{composite}");

    let xml = attributes(&env, "comp", &[]);
    let etag = multipart_etag(&[&parts[0], &parts[1], &parts[2], &parts[3]]);
    assert_eq!(xml_values(&xml, "ETag"), [etag.trim_matches('"')]);
    // The object's checksum without its -4, then each part's.
    let mut sums = vec![composite.trim_end_matches("-4").to_string()];
    sums.extend(parts.iter().map(|p| crc32_b64(p)));
    assert_eq!(xml_values(&xml, "ChecksumCRC32"), sums);
    assert_eq!(xml_values(&xml, "ChecksumType"), ["COMPOSITE"]);
    assert_eq!(xml_values(&xml, "PartsCount"), ["4"]);
    assert_eq!(xml_values(&xml, "PartNumber"), ["1", "2", "3", "4"]);
    let sizes: Vec<String> = parts.iter().map(|p| p.len().to_string()).collect();
    assert_eq!(xml_values(&xml, "Size"), sizes);
    assert_eq!(xml_values(&xml, "IsTruncated"), ["false"]);
    assert_eq!(xml_values(&xml, "MaxParts"), ["1000"]);
    assert_eq!(
        xml_values(&xml, "ObjectSize"),
        [parts.concat().len().to_string()]
    );
    assert_eq!(xml_values(&xml, "StorageClass"), ["STANDARD"]);

    let mut seen = Vec::new();
    let mut marker = "0".to_string();
    loop {
        let page = attributes(
            &env,
            "comp",
            &[
                ("x-amz-max-parts", "3"),
                ("x-amz-part-number-marker", &marker),
            ],
        );
        assert_eq!(xml_values(&page, "PartNumberMarker"), [marker.as_str()]);
        assert_eq!(xml_values(&page, "MaxParts"), ["3"]);
        seen.extend(xml_values(&page, "PartNumber"));
        if xml_values(&page, "IsTruncated") == ["false"] {
            break;
        }
        marker = xml_values(&page, "NextPartNumberMarker").remove(0);
    }
    assert_eq!(seen, ["1", "2", "3", "4"]);

    // Without a checksum, or with a FULL_OBJECT one, only the count is given.
    multipart_object(&env, "plain", &[bytes(5 * MIB, 55), bytes(3, 56)]);
    let upload = create_upload(&env, "full", &[("x-amz-checksum-algorithm", "CRC64NVME")]);
    let listed = [part(&env, "full", &upload, 1, b"one part")];
    ok(&complete(&env, "full", &upload, &listed), 200);
    for key in ["plain", "full"] {
        let xml = attributes(&env, key, &[("x-amz-max-parts", "1")]);
        assert!(
            xml.contains("<ObjectParts><PartsCount>") && !xml.contains("<Part>"),
            "{key}: {xml}"
        );
    }
    assert_eq!(
        xml_values(&attributes(&env, "plain", &[]), "PartsCount"),
        ["2"]
    );
    let full = attributes(&env, "full", &[]);
    assert_eq!(xml_values(&full, "ChecksumType"), ["FULL_OBJECT"]);
    assert_eq!(xml_values(&full, "PartsCount"), ["1"]);
}

#[test]
fn a_part_uploaded_again_replaces_the_first() {
    let env = env_with_bucket();
    let key = "again";
    let upload = create_upload(&env, key, &[]);
    let first = bytes(5 * MIB, 11);
    let second = bytes(5 * MIB, 12);
    part(&env, key, &upload, 1, &first);
    let p1 = part(&env, key, &upload, 1, &second);
    let p2 = part(&env, key, &upload, 2, b"tail");
    let parts = env
        .req("GET", &object_path(BUCKET, key))
        .query(&format!("uploadId={upload}"))
        .send();
    ok(&parts, 200);
    assert_eq!(xml_values(&parts.text(), "PartNumber"), ["1", "2"]);
    assert_eq!(xml_values(&parts.text(), "ETag")[0], p1.1.clone());
    ok(&complete(&env, key, &upload, &[p1, p2]), 200);
    assert_eq!(
        env.get(BUCKET, key).body,
        [second, b"tail".to_vec()].concat()
    );
    env.sweep();
    assert_stored_is_held(&env, &[key]);
}

#[test]
fn list_parts_pages() {
    let env = env_with_bucket();
    let upload = create_upload(&env, "k", &[]);
    for n in 1..=5 {
        part(&env, "k", &upload, n, format!("part {n}").as_bytes());
    }
    let mut marker = 0;
    let mut seen = Vec::new();
    loop {
        let resp = env
            .req("GET", &object_path(BUCKET, "k"))
            .query(&format!(
                "uploadId={upload}&max-parts=2&part-number-marker={marker}"
            ))
            .send();
        ok(&resp, 200);
        let text = resp.text();
        seen.extend(xml_values(&text, "PartNumber"));
        assert_eq!(xml_values(&text, "MaxParts"), ["2"]);
        if xml_values(&text, "IsTruncated") == ["false"] {
            break;
        }
        marker = xml_values(&text, "NextPartNumberMarker")[0]
            .parse()
            .unwrap();
    }
    assert_eq!(seen, ["1", "2", "3", "4", "5"]);
}

#[test]
fn list_multipart_uploads_pages_by_key_then_upload() {
    let env = env_with_bucket();
    let mut made = Vec::new();
    for key in ["b/2", "a", "b/1", "a", "c"] {
        made.push((key.to_string(), create_upload(&env, key, &[])));
    }
    made.sort();
    let mut seen = Vec::new();
    let (mut key_marker, mut id_marker) = (String::new(), String::new());
    loop {
        let resp = env
            .req("GET", &format!("/{BUCKET}"))
            .query(&format!(
                "uploads&max-uploads=2&key-marker={}&upload-id-marker={}",
                key_marker, id_marker
            ))
            .send();
        ok(&resp, 200);
        let text = resp.text();
        let keys = xml_values(&text, "Key");
        let ids = xml_values(&text, "UploadId");
        seen.extend(keys.into_iter().zip(ids));
        if xml_values(&text, "IsTruncated") == ["false"] {
            break;
        }
        key_marker = xml_values(&text, "NextKeyMarker")[0].clone();
        id_marker = xml_values(&text, "NextUploadIdMarker")[0].clone();
    }
    assert_eq!(seen, made);

    let grouped = env
        .req("GET", &format!("/{BUCKET}"))
        .query("uploads&delimiter=/")
        .send();
    let text = grouped.text();
    assert_eq!(xml_values(&text, "Key"), ["a", "a", "c"]);
    assert_eq!(
        xml_raw(&text, "CommonPrefixes")
            .iter()
            .flat_map(|c| xml_values(c, "Prefix"))
            .collect::<Vec<_>>(),
        ["b/"]
    );
    let prefixed = env
        .req("GET", &format!("/{BUCKET}"))
        .query("uploads&prefix=b/")
        .send();
    assert_eq!(xml_values(&prefixed.text(), "Key"), ["b/1", "b/2"]);
}

#[test]
fn abort_and_expiry_leave_nothing_behind() {
    let env = env_with_bucket();
    let upload = create_upload(&env, "gone", &[]);
    part(&env, "gone", &upload, 1, &bytes(1000, 1));
    part(&env, "gone", &upload, 2, &bytes(1000, 2));
    assert_eq!(env.stored().len(), 5, "{:?}", env.stored());
    ok(
        &env.req("DELETE", &object_path(BUCKET, "gone"))
            .query(&format!("uploadId={upload}"))
            .send(),
        204,
    );
    assert!(env.stored().is_empty(), "{:?}", env.stored());
    upload_part(&env, "gone", &upload, 3, b"late").assert_error(404, "NoSuchUpload");

    let abandoned = create_upload(&env, "abandoned", &[]);
    part(&env, "abandoned", &abandoned, 1, &bytes(1000, 3));
    env.sweep();
    assert_eq!(env.stored().len(), 3, "kept while not expired");
    let report = env.sweep_expiring_uploads_after(0);
    assert_eq!(report.uploads_aborted, 1);
    assert!(env.stored().is_empty(), "{:?}", env.stored());
    let listed = env
        .req("GET", &format!("/{BUCKET}"))
        .query("uploads")
        .send();
    assert!(xml_values(&listed.text(), "UploadId").is_empty());

    // Deleting the bucket drops its uploads.
    create_upload(&env, "pending", &[]);
    ok(&env.req("DELETE", &format!("/{BUCKET}")).send(), 204);
    assert!(env.stored().is_empty(), "{:?}", env.stored());
}

#[test]
fn overwrite_and_delete_remove_part_blobs() {
    let env = env_with_bucket();
    multipart_object(&env, "x", &[bytes(5 * MIB, 1), bytes(10, 2)]);
    assert_eq!(env.stored().len(), 2);
    ok(&env.put(BUCKET, "x", b"plain"), 200);
    assert_stored_is_held(&env, &["x"]);
    assert_eq!(env.blobs().len(), env.blobs_for(&[5]));
    multipart_object(&env, "y", &[bytes(5 * MIB, 1), bytes(10, 2)]);
    ok(&env.delete(BUCKET, "y"), 204);
    assert_stored_is_held(&env, &["x"]);
}

/// Every failing storage call of CompleteMultipartUpload: the key shows the old object or the
/// new one, a refused Complete can be retried, and after the sweep only held blobs remain.
#[test]
fn complete_under_faults_is_all_or_nothing() {
    let key = "report";
    let old = b"the previous object".to_vec();
    let parts = [bytes(5 * MIB, 21), bytes(99, 22)];
    let whole = parts.concat();
    let setup = || {
        let env = env_with_bucket();
        ok(&env.put(BUCKET, key, &old), 200);
        let upload = create_upload(&env, key, &[]);
        let listed: Vec<(u16, String)> = parts
            .iter()
            .enumerate()
            .map(|(i, body)| part(&env, key, &upload, i as u16 + 1, body))
            .collect();
        (env, upload, listed)
    };
    let (env, upload, listed) = setup();
    let before = env.store.calls();
    ok(&complete(&env, key, &upload, &listed), 200);
    let calls = env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let (env, upload, listed) = setup();
            env.store.fail_from_call_with(n, fault);
            let done = complete(&env, key, &upload, &listed);
            env.store.heal();
            let body = env.get(BUCKET, key).body;
            assert!(body == old || body == whole, "{fault:?} at call {n}");
            if done.status == 200 {
                assert!(body == whole, "{fault:?} at call {n}");
            } else {
                done.assert_error(500, "InternalError");
                // Whether the fault came before or after the commit, the retry succeeds.
                ok(&complete(&env, key, &upload, &listed), 200);
                assert_eq!(env.get(BUCKET, key).body, whole, "{fault:?} at call {n}");
            }
            env.sweep_expiring_uploads_after(0);
            assert_eq!(env.get(BUCKET, key).body, whole, "{fault:?} at call {n}");
            assert_stored_is_held(&env, &[key]);
        }
    }
}

/// Every failing storage call of UploadPart stores nothing that outlives the upload.
#[test]
fn upload_part_under_faults_leaks_nothing() {
    let env = env_with_bucket();
    let upload = create_upload(&env, "k", &[]);
    let before = env.store.calls();
    part(&env, "k", &upload, 1, b"part one");
    let calls = env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let env = env_with_bucket();
            let upload = create_upload(&env, "k", &[]);
            env.store.fail_from_call_with(n, fault);
            let resp = upload_part(&env, "k", &upload, 1, b"part one");
            env.store.heal();
            if resp.status != 200 {
                resp.assert_error(500, "InternalError");
            }
            // A part the upload lists has its bytes: completing with it gives them back.
            let listed = env
                .req("GET", &object_path(BUCKET, "k"))
                .query(&format!("uploadId={upload}"))
                .send();
            ok(&listed, 200);
            if let Some(etag) = xml_values(&listed.text(), "ETag").first() {
                ok(&complete(&env, "k", &upload, &[(1, etag.clone())]), 200);
                let got = env.get(BUCKET, "k");
                assert_eq!(got.body, b"part one", "{fault:?} at call {n}");
                ok(&env.delete(BUCKET, "k"), 204);
            }
            env.sweep_expiring_uploads_after(0);
            assert!(
                env.stored().is_empty(),
                "{fault:?} at call {n}: {:?}",
                env.stored()
            );
        }
    }
}

fn copy(env: &Env, source: &str, key: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = env
        .req("PUT", &object_path(BUCKET, key))
        .header("x-amz-copy-source", source);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    req.send()
}

#[test]
fn copy_object_directives_conditions_and_self_copy() {
    let env = env_with_bucket();
    let body = b"copy me".to_vec();
    ok(
        &env.req("PUT", &object_path(BUCKET, "src key+€"))
            .header("content-type", "text/plain")
            .header("x-amz-meta-origin", "first")
            .header("x-amz-tagging", "t=1")
            .body(body.clone())
            .send(),
        200,
    );
    let source = format!("/{BUCKET}/src%20key%2B%E2%82%AC");
    let copied = copy(&env, &source, "dst", &[]);
    ok(&copied, 200);
    assert_eq!(xml_values(&copied.text(), "ETag"), [quoted_md5(&body)]);
    let get = env.get(BUCKET, "dst");
    assert_eq!(get.body, body);
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("x-amz-meta-origin"), Some("first"));
    assert_eq!(get.header("x-amz-tagging-count"), Some("1"));

    ok(
        &copy(
            &env,
            &source,
            "replaced",
            &[
                ("x-amz-metadata-directive", "REPLACE"),
                ("x-amz-meta-origin", "second"),
                ("x-amz-tagging-directive", "REPLACE"),
                ("x-amz-tagging", "u=2&v=3"),
            ],
        ),
        200,
    );
    let get = env.get(BUCKET, "replaced");
    assert_eq!(get.header("x-amz-meta-origin"), Some("second"));
    assert_eq!(get.header("content-type"), Some("binary/octet-stream"));
    assert_eq!(get.header("x-amz-tagging-count"), Some("2"));

    let etag = quoted_md5(&body);
    copy(
        &env,
        &source,
        "c",
        &[("x-amz-copy-source-if-match", "\"nope\"")],
    )
    .assert_error(412, "PreconditionFailed");
    copy(
        &env,
        &source,
        "c",
        &[("x-amz-copy-source-if-none-match", &etag)],
    )
    .assert_error(412, "PreconditionFailed");
    copy(
        &env,
        &source,
        "c",
        &[
            ("x-amz-copy-source-if-match", &etag),
            (
                "x-amz-copy-source-if-unmodified-since",
                "Thu, 01 Jan 2015 00:00:00 GMT",
            ),
        ],
    )
    .status
    .eq(&200)
    .then_some(())
    .expect("if-match true wins over if-unmodified-since false");
    copy(&env, &format!("/{BUCKET}/missing"), "c", &[]).assert_error(404, "NoSuchKey");
    copy(&env, "/no-such-bucket/k", "c", &[]).assert_error(404, "NoSuchBucket");

    // Onto itself: refused without REPLACE; with it, only the record changes.
    let stored = env.stored();
    copy(&env, &format!("{BUCKET}/dst"), "dst", &[]).assert_error(400, "InvalidRequest");
    ok(
        &copy(
            &env,
            &format!("{BUCKET}/dst"),
            "dst",
            &[
                ("x-amz-metadata-directive", "REPLACE"),
                ("x-amz-meta-origin", "changed"),
            ],
        ),
        200,
    );
    assert_eq!(env.stored(), stored, "a self-copy writes no blob");
    let get = env.get(BUCKET, "dst");
    assert_eq!(get.body, body);
    assert_eq!(get.header("x-amz-meta-origin"), Some("changed"));
    env.sweep();
    assert_stored_is_held(&env, &["src key+€", "dst", "replaced", "c"]);
}

#[test]
fn copies_of_multipart_objects_and_part_copies() {
    let env = env_with_bucket();
    let whole = multipart_object(&env, "mp", &[bytes(5 * MIB, 31), bytes(1234, 32)]);
    let copied = copy(&env, &format!("{BUCKET}/mp"), "flat", &[]);
    ok(&copied, 200);
    let get = env.get(BUCKET, "flat");
    assert!(get.body == whole);
    assert_eq!(get.header("etag"), Some(quoted_md5(&whole).as_str()));

    let upload = create_upload(&env, "assembled", &[]);
    let from = 5 * MIB - 100;
    let copy_part = |number: u16, range: &str| {
        env.req("PUT", &object_path(BUCKET, "assembled"))
            .query(&format!("partNumber={number}&uploadId={upload}"))
            .header("x-amz-copy-source", &format!("/{BUCKET}/mp"))
            .header("x-amz-copy-source-range", range)
            .send()
    };
    let first = copy_part(1, &format!("bytes=0-{}", 5 * MIB));
    ok(&first, 200);
    let second = copy_part(2, &format!("bytes={from}-{}", whole.len() - 1));
    ok(&second, 200);
    copy_part(3, &format!("bytes=0-{}", whole.len())).assert_error(400, "InvalidArgument");
    let etags: Vec<(u16, String)> = [(1, &first), (2, &second)]
        .iter()
        .map(|(n, r)| (*n, xml_values(&r.text(), "ETag")[0].clone()))
        .collect();
    ok(&complete(&env, "assembled", &upload, &etags), 200);
    let expected = [&whole[..=5 * MIB], &whole[from..]].concat();
    assert!(env.get(BUCKET, "assembled").body == expected);

    // Into an upload created with a checksum algorithm, a copied part gets its checksum computed.
    let upload = create_upload(&env, "summed", &[("x-amz-checksum-algorithm", "CRC32")]);
    let copied = env
        .req("PUT", &object_path(BUCKET, "summed"))
        .query(&format!("partNumber=1&uploadId={upload}"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/mp"))
        .header("x-amz-copy-source-range", "bytes=0-99")
        .send();
    ok(&copied, 200);
    let crc = crc32_b64(&whole[..100]);
    assert_eq!(
        xml_values(&copied.text(), "ChecksumCRC32"),
        std::slice::from_ref(&crc)
    );
    let etag = xml_values(&copied.text(), "ETag")[0].clone();
    ok(&complete(&env, "summed", &upload, &[(1, etag)]), 200);
    let head = env
        .req("HEAD", &object_path(BUCKET, "summed"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send();
    let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &crc).unwrap();
    assert_eq!(
        head.header("x-amz-checksum-crc32"),
        Some(format!("{}-1", crc32_b64(&raw)).as_str())
    );
    assert_eq!(head.header("x-amz-checksum-type"), Some("COMPOSITE"));
    let listed = env.list_v2(BUCKET, &[("prefix", "summed")]).text();
    assert_eq!(xml_values(&listed, "ChecksumAlgorithm"), ["CRC32"]);
    assert_eq!(xml_values(&listed, "ChecksumType"), ["COMPOSITE"]);

    // CopyObject asked for a checksum computes it over the copied bytes.
    let with_sum = copy(
        &env,
        &format!("{BUCKET}/mp"),
        "flat-summed",
        &[("x-amz-checksum-algorithm", "CRC32")],
    );
    ok(&with_sum, 200);
    assert_eq!(
        xml_values(&with_sum.text(), "ChecksumCRC32"),
        [crc32_b64(&whole)]
    );
    env.sweep();
    assert_stored_is_held(&env, &["mp", "flat", "assembled", "summed", "flat-summed"]);
}

fn crc32_b64(data: &[u8]) -> String {
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data);
    b64(&crc.to_be_bytes())
}

/// A copy under faults: the destination is absent or whole, and nothing leaks.
#[test]
fn copy_under_faults_leaks_nothing() {
    let setup = || {
        let env = env_with_bucket();
        ok(&env.put(BUCKET, "src", b"source bytes"), 200);
        env
    };
    let env = setup();
    let before = env.store.calls();
    ok(&copy(&env, &format!("{BUCKET}/src"), "dst", &[]), 200);
    let calls = env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls + 1 {
            let env = setup();
            env.store.fail_from_call_with(n, fault);
            let resp = copy(&env, &format!("{BUCKET}/src"), "dst", &[]);
            env.store.heal();
            let got = env.get(BUCKET, "dst");
            if resp.status == 200 {
                assert_eq!(got.body, b"source bytes");
            } else {
                assert!(
                    got.status == 404 || got.body == b"source bytes",
                    "{fault:?} at call {n}"
                );
            }
            env.sweep();
            assert_stored_is_held(&env, &["src", "dst"]);
        }
    }
}

fn append(env: &Env, key: &str, position: u64, body: &[u8]) -> Resp {
    env.req("PUT", &object_path(BUCKET, key))
        .query(&format!("append&position={position}"))
        .body(body.to_vec())
        .send()
}

#[test]
fn appends_check_positions_and_store_only_new_bytes() {
    let env = env_with_bucket();
    let first = append(&env, "log", 0, b"line one\n");
    ok(&first, 200);
    assert_eq!(first.header("x-rgw-next-append-position"), Some("9"));
    append(&env, "log", 0, b"again").assert_error(409, "PositionNotEqualToLength");
    append(&env, "log", 20, b"gap").assert_error(409, "PositionNotEqualToLength");
    let second = append(&env, "log", 9, b"line two\n");
    ok(&second, 200);
    assert_eq!(second.header("x-rgw-next-append-position"), Some("18"));
    assert_eq!(env.get(BUCKET, "log").body, b"line one\nline two\n");
    let ranged = env
        .req("GET", &object_path(BUCKET, "log"))
        .header("range", "bytes=5-12")
        .send();
    assert_eq!(ranged.body, b"one\nline");
    // Each append wrote one blob of its own size.
    let record = env.record(BUCKET, "log").unwrap();
    let sizes: Vec<u64> = record.segments.iter().map(|s| s.size).collect();
    assert_eq!(sizes, [9, 9]);
    assert_stored_is_held(&env, &["log"]);

    append(&env, "missing", 5, b"x").assert_error(409, "PositionNotEqualToLength");
    ok(&env.put(BUCKET, "plain", b"plain"), 200);
    append(&env, "plain", 5, b"x").assert_error(409, "ObjectNotAppendable");
    multipart_object(&env, "mp", &[bytes(5 * MIB, 1)]);
    append(&env, "mp", (5 * MIB) as u64, b"x").assert_error(409, "ObjectNotAppendable");
    // A plain PUT over an appendable object makes it a normal one.
    ok(&env.put(BUCKET, "log", b"reset"), 200);
    append(&env, "log", 5, b"x").assert_error(409, "ObjectNotAppendable");
    assert_stored_is_held(&env, &["log", "plain", "mp"]);
}

fn put_tagging(env: &Env, key: &str, tags: &[(&str, &str)]) -> Resp {
    let mut xml = String::from("<Tagging><TagSet>");
    for (k, v) in tags {
        xml.push_str(&format!("<Tag><Key>{k}</Key><Value>{v}</Value></Tag>"));
    }
    xml.push_str("</TagSet></Tagging>");
    env.req("PUT", &object_path(BUCKET, key))
        .query("tagging")
        .body(xml.into_bytes())
        .send()
}

#[test]
fn tagging_limits_keep_the_previous_tags() {
    let env = env_with_bucket();
    ok(&env.put(BUCKET, "t", b"tagged"), 200);
    ok(&put_tagging(&env, "t", &[("a", "1")]), 200);
    let eleven: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".into())).collect();
    let eleven: Vec<(&str, &str)> = eleven
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    put_tagging(&env, "t", &eleven).assert_error(400, "BadRequest");
    put_tagging(&env, "t", &[("aws:x", "1")]).assert_error(400, "InvalidTag");
    put_tagging(&env, "t", &[("d", "1"), ("d", "2")]).assert_error(400, "InvalidTag");
    let long_key = "é".repeat(129);
    put_tagging(&env, "t", &[(&long_key, "1")]).assert_error(400, "InvalidTag");
    env.req("PUT", &object_path(BUCKET, "t"))
        .query("tagging")
        .body(b"<Tagging><TagSet><Tag>".to_vec())
        .send()
        .assert_error(400, "MalformedXML");
    let got = env
        .req("GET", &object_path(BUCKET, "t"))
        .query("tagging")
        .send();
    assert_eq!(xml_values(&got.text(), "Key"), ["a"]);
    ok(&put_tagging(&env, "t", &eleven[..10]), 200);
    assert_eq!(
        env.get(BUCKET, "t").header("x-amz-tagging-count"),
        Some("10")
    );
    ok(
        &env.req("DELETE", &object_path(BUCKET, "t"))
            .query("tagging")
            .send(),
        204,
    );
    assert_eq!(env.get(BUCKET, "t").header("x-amz-tagging-count"), None);
    assert_eq!(env.get(BUCKET, "t").body, b"tagged");
    put_tagging(&env, "nope", &[("a", "1")]).assert_error(404, "NoSuchKey");
    env.req("PUT", &object_path(BUCKET, "bad"))
        .header("x-amz-tagging", "aws:k=v")
        .body(b"x".to_vec())
        .send()
        .assert_error(400, "InvalidTag");
    assert_eq!(env.get(BUCKET, "bad").status, 404);

    let bucket_tags = |method: &str, body: &[u8]| {
        env.req(method, &format!("/{BUCKET}"))
            .query("tagging")
            .body(body.to_vec())
            .send()
    };
    bucket_tags("GET", b"").assert_error(404, "NoSuchTagSet");
    ok(
        &bucket_tags(
            "PUT",
            b"<Tagging><TagSet><Tag><Key>team</Key><Value>media</Value></Tag></TagSet></Tagging>",
        ),
        204,
    );
    assert_eq!(
        xml_values(&bucket_tags("GET", b"").text(), "Value"),
        ["media"]
    );
    ok(&bucket_tags("DELETE", b""), 204);
    bucket_tags("GET", b"").assert_error(404, "NoSuchTagSet");
}

/// CopyObject refuses a source over 5 GiB as S3 does (the record claims the size; no byte is
/// read), while UploadPartCopy takes a range of it.
#[test]
fn copy_object_refuses_sources_over_five_gib() {
    let env = env_with_bucket();
    ok(&env.put(BUCKET, "huge", b"stand-in bytes"), 200);
    let mut record = env.record(BUCKET, "huge").unwrap();
    record.size = 5 * 1024 * 1024 * 1024 + 1;
    futures_executor::block_on(s3edge::store::MetaStore::put(
        &env.store,
        &s3edge::names::object_record(BUCKET, "huge"),
        &record.to_json(),
        None,
    ))
    .unwrap();
    let refused = copy(&env, &format!("{BUCKET}/huge"), "dst", &[]);
    refused.assert_error(400, "InvalidRequest");
    assert!(refused.text().contains("5368709120"), "{}", refused.text());
    assert_eq!(env.get(BUCKET, "dst").status, 404);
    let upload = create_upload(&env, "dst", &[]);
    let part = env
        .req("PUT", &object_path(BUCKET, "dst"))
        .query(&format!("partNumber=1&uploadId={upload}"))
        .header("x-amz-copy-source", &format!("/{BUCKET}/huge"))
        .header("x-amz-copy-source-range", "bytes=0-4")
        .send();
    ok(&part, 200);
}

fn complete_with(
    env: &Env,
    key: &str,
    upload: &str,
    parts: &[(u16, String)],
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = env
        .req("POST", &object_path(BUCKET, key))
        .query(&format!("uploadId={upload}"))
        .body(complete_body(parts));
    for (name, value) in headers {
        req = req.header(name, value);
    }
    req.send()
}

/// FULL_OBJECT uploads: the object's CRC is the CRC of all its bytes, combined from the parts'.
#[test]
fn full_object_checksums_combine_the_parts() {
    let env = env_with_bucket();
    let parts = [bytes(5 * MIB, 41), bytes(333, 42)];
    let whole = parts.concat();
    for (alg, header, kind) in [
        ("CRC32", "x-amz-checksum-crc32", Some("FULL_OBJECT")),
        ("CRC32C", "x-amz-checksum-crc32c", Some("FULL_OBJECT")),
        ("CRC64NVME", "x-amz-checksum-crc64nvme", None),
    ] {
        let mut create = vec![("x-amz-checksum-algorithm", alg)];
        if let Some(kind) = kind {
            create.push(("x-amz-checksum-type", kind));
        }
        let upload = create_upload(&env, "full", &create);
        // Parts come without checksums: s3edge computes each one.
        let listed: Vec<(u16, String)> = parts
            .iter()
            .enumerate()
            .map(|(i, body)| part(&env, "full", &upload, i as u16 + 1, body))
            .collect();
        let sum = s3edge::checksum::checksum(
            s3edge::checksum::ChecksumAlgorithm::from_name(alg).unwrap(),
            &whole,
        );
        complete_with(&env, "full", &upload, &listed, &[(header, "AAAAAAAAAAA=")])
            .assert_error(400, "BadDigest");
        complete_with(
            &env,
            "full",
            &upload,
            &listed,
            &[("x-amz-mp-object-size", "7")],
        )
        .assert_error(400, "InvalidRequest");
        let size = whole.len().to_string();
        let done = complete_with(
            &env,
            "full",
            &upload,
            &listed,
            &[(header, &sum), ("x-amz-mp-object-size", &size)],
        );
        ok(&done, 200);
        assert_eq!(
            xml_values(&done.text(), "ChecksumType"),
            ["FULL_OBJECT"],
            "{alg}"
        );
        let head = env
            .req("HEAD", &object_path(BUCKET, "full"))
            .header("x-amz-checksum-mode", "ENABLED")
            .send();
        assert_eq!(head.header(header), Some(sum.as_str()), "{alg}");
        assert_eq!(head.header("x-amz-checksum-type"), Some("FULL_OBJECT"));
        let listed = env.list_v2(BUCKET, &[("prefix", "full")]).text();
        assert_eq!(xml_values(&listed, "ChecksumType"), ["FULL_OBJECT"]);
        assert!(env.get(BUCKET, "full").body == whole);
    }
    for (alg, kind) in [("SHA256", "FULL_OBJECT"), ("CRC64NVME", "COMPOSITE")] {
        env.req("POST", &object_path(BUCKET, "k"))
            .query("uploads")
            .header("x-amz-checksum-algorithm", alg)
            .header("x-amz-checksum-type", kind)
            .send()
            .assert_error(400, "InvalidRequest");
    }
    env.req("POST", &object_path(BUCKET, "k"))
        .query("uploads")
        .header("x-amz-checksum-type", "COMPOSITE")
        .send()
        .assert_error(400, "InvalidRequest");
}
