//! A record that cannot be read (corrupt, or written by a newer version) is an error, never an
//! absence: requests on it answer 500 InternalError and change nothing, and the cleanup pass
//! keeps whatever it may hold.

mod common;

use common::*;
use s3edge::names;
use s3edge::store::{BlobListOptions, BlobStore, MetaStore};
use std::collections::BTreeMap;

const BUCKET: &str = "vault";
const BODY: &[u8] = b"bytes that must survive";

fn ok(resp: &Resp, status: u16) {
    assert_eq!(resp.status, status, "{}", resp.text());
}

fn kv_get(env: &Env, name: &str) -> Option<String> {
    futures_executor::block_on(MetaStore::get(&env.store, name)).unwrap()
}

/// Replaces a stored value, keeping the metadata beside it (a damaged value, not a new write).
fn kv_put(env: &Env, name: &str, value: &str) {
    let metadata = env.store.kv_metadata(name);
    futures_executor::block_on(MetaStore::put(&env.store, name, value, metadata.as_deref()))
        .unwrap();
}

/// The R2 custom metadata of `name`.
fn blob_custom(env: &Env, name: &str) -> BTreeMap<String, String> {
    let page = futures_executor::block_on(env.store.list_blobs(BlobListOptions {
        prefix: name,
        limit: 1,
        ..BlobListOptions::default()
    }))
    .unwrap();
    page.entries[0].custom.clone()
}

fn blob_put(env: &Env, name: &str, bytes: &[u8], custom: BTreeMap<String, String>) {
    futures_executor::block_on(BlobStore::put_small(
        &env.store,
        name,
        bytes.to_vec(),
        custom,
    ))
    .unwrap();
}

/// Ways a stored JSON record becomes unreadable.
fn corruptions(json: &str) -> Vec<(&'static str, String)> {
    // Version 1, or 2 for an object record holding its bytes.
    let version = [r#"{"v":1,"#, r#"{"v":2,"#]
        .into_iter()
        .find(|v| json.starts_with(v))
        .unwrap_or_else(|| panic!("no version first: {json}"));
    vec![
        ("trailing garbage", format!("{json}}}garbage")),
        ("cut short", json[..json.len() - 3].to_string()),
        ("newer version", json.replacen(version, r#"{"v":99,"#, 1)),
        ("not json", "\u{0}\u{1}binary".to_string()),
    ]
}

/// A 500 InternalError answer naming the storage name, and no secret.
#[track_caller]
fn assert_unreadable(resp: &Resp, name: &str) {
    resp.assert_error(500, "InternalError");
    let text = resp.text();
    assert!(
        text.contains(&format!("unreadable record {name}")),
        "{text}"
    );
    assert!(!text.contains(ALICE.secret) && !text.contains(BOB.secret));
}

/// Every stored name but the cleanup pass's own place.
fn everything(env: &Env) -> (Vec<String>, Vec<String>) {
    let mut kv = env.store.kv_names();
    kv.retain(|name| name != s3edge::ops::sweep::CURSOR_NAME);
    (kv, env.store.blob_names())
}

#[test]
fn an_unreadable_object_record_is_never_taken_for_absence() {
    for corrupt in corruptions(&{
        let env = Env::new();
        ok(&env.create_bucket(BUCKET), 200);
        ok(&env.put(BUCKET, "k", BODY), 200);
        kv_get(&env, &names::object_record(BUCKET, "k")).unwrap()
    }) {
        let (how, garbage) = corrupt;
        // The object in a blob, which a record taken for absent would lose.
        let mut env = Env::new();
        env.config.inline_max = 0;
        ok(&env.create_bucket(BUCKET), 200);
        ok(&env.put(BUCKET, "k", BODY), 200);
        ok(&env.put(BUCKET, "other", b"other bytes"), 200);
        let name = names::object_record(BUCKET, "k");
        let good = kv_get(&env, &name).unwrap();
        let blob = env.record(BUCKET, "k").unwrap().blob;
        kv_put(&env, &name, &garbage);
        let before = everything(&env);
        let unchanged = |what: &str| {
            assert_eq!(
                kv_get(&env, &name).as_deref(),
                Some(garbage.as_str()),
                "{how}: {what}"
            );
            assert_eq!(everything(&env), before, "{how}: {what}");
        };

        assert_unreadable(&env.get(BUCKET, "k"), &name);
        env.req("HEAD", &object_path(BUCKET, "k"))
            .send()
            .assert_head_error(500);
        assert_unreadable(&env.put(BUCKET, "k", b"new bytes"), &name);
        unchanged("PutObject");
        let conditional = env
            .req("PUT", &object_path(BUCKET, "k"))
            .header("if-none-match", "*")
            .body(b"new bytes".to_vec())
            .send();
        assert_unreadable(&conditional, &name);
        unchanged("PutObject If-None-Match");
        assert_unreadable(&env.delete(BUCKET, "k"), &name);
        unchanged("DeleteObject");
        let copy_onto = env
            .req("PUT", &object_path(BUCKET, "k"))
            .header("x-amz-copy-source", &format!("/{BUCKET}/other"))
            .send();
        assert_unreadable(&copy_onto, &name);
        unchanged("CopyObject onto it");
        let copy_from = env
            .req("PUT", &object_path(BUCKET, "copy"))
            .header("x-amz-copy-source", &format!("/{BUCKET}/k"))
            .send();
        assert_unreadable(&copy_from, &name);
        unchanged("CopyObject from it");
        let append = env
            .req("PUT", &object_path(BUCKET, "k"))
            .query(&format!("append&position={}", BODY.len()))
            .body(b"more".to_vec())
            .send();
        assert_unreadable(&append, &name);
        unchanged("append");
        let tagging =
            b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>";
        for (method, body) in [("GET", &b""[..]), ("PUT", tagging), ("DELETE", b"")] {
            let resp = env
                .req(method, &object_path(BUCKET, "k"))
                .query("tagging")
                .body(body.to_vec())
                .send();
            assert_unreadable(&resp, &name);
            unchanged(&format!("{method} tagging"));
        }
        for (method, acl) in [("GET", None), ("PUT", Some("public-read"))] {
            let mut req = env.req(method, &object_path(BUCKET, "k")).query("acl");
            if let Some(acl) = acl {
                req = req.header("x-amz-acl", acl);
            }
            assert_unreadable(&req.send(), &name);
            unchanged(&format!("{method} acl"));
        }
        let attributes = env
            .req("GET", &object_path(BUCKET, "k"))
            .query("attributes")
            .header("x-amz-object-attributes", "ETag")
            .send();
        assert_unreadable(&attributes, &name);
        let body =
            b"<Delete><Object><Key>k</Key></Object><Object><Key>other</Key></Object></Delete>";
        let batch = env
            .req("POST", &format!("/{BUCKET}"))
            .query("delete")
            .header("content-md5", &md5_b64(body))
            .body(body.to_vec())
            .send();
        ok(&batch, 200);
        let text = batch.text();
        assert_eq!(xml_values(&text, "Code"), ["InternalError"], "{text}");
        assert_eq!(xml_values(&text, "Key"), ["other", "k"], "{text}");
        assert_eq!(env.get(BUCKET, "other").status, 404);
        assert_eq!(kv_get(&env, &name).as_deref(), Some(garbage.as_str()));
        assert_eq!(env.store.blob_bytes(&blob).as_deref(), Some(BODY));

        // A multipart upload onto the key: Complete refuses, the upload stays for a retry,
        // and Abort (which keeps what an object completed from the upload holds) refuses too.
        let created = env
            .req("POST", &object_path(BUCKET, "k"))
            .query("uploads")
            .send();
        ok(&created, 200);
        let upload = xml_values(&created.text(), "UploadId").remove(0);
        let part = env
            .req("PUT", &object_path(BUCKET, "k"))
            .query(&format!("partNumber=1&uploadId={upload}"))
            .body(b"part".to_vec())
            .send();
        ok(&part, 200);
        let etag = part.header("etag").unwrap().to_string();
        let complete = env
            .req("POST", &object_path(BUCKET, "k"))
            .query(&format!("uploadId={upload}"))
            .body(format!(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
            ))
            .send();
        assert_unreadable(&complete, &name);
        let abort = env
            .req("DELETE", &object_path(BUCKET, "k"))
            .query(&format!("uploadId={upload}"))
            .send();
        assert_unreadable(&abort, &name);
        assert_eq!(kv_get(&env, &name).as_deref(), Some(garbage.as_str()));
        let stored = everything(&env);

        // The cleanup pass keeps the blob, the listing entry and the part blob, and does not
        // abort the expired upload (its parts may be the object's): it skips them and goes on.
        let report = env.sweep_expiring_uploads_after(0);
        let skipped = 3 + env.index_entries_for(1);
        assert_eq!(report.skipped_unreadable, skipped, "{how}: {report:?}");
        assert!(report.finished);
        assert_eq!(everything(&env), stored, "{how}");
        assert_eq!(env.store.blob_bytes(&blob).as_deref(), Some(BODY));
        let again = env.sweep_expiring_uploads_after(0);
        assert_eq!(again.skipped_unreadable, skipped, "{how}: {again:?}");
        assert_eq!(everything(&env), stored, "{how}");

        // Nothing was lost: the record put right, the object reads as it was.
        kv_put(&env, &name, &good);
        let got = env.get(BUCKET, "k");
        ok(&got, 200);
        assert_eq!(got.body, BODY, "{how}");
        let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
        assert_eq!(listed.keys(), ["k"], "{how}");
    }
}

#[test]
fn an_unreadable_bucket_record_is_never_taken_for_absence() {
    let env = Env::new();
    ok(&env.create_bucket(BUCKET), 200);
    ok(&env.put(BUCKET, "k", BODY), 200);
    let name = names::bucket_record(BUCKET);
    let good = kv_get(&env, &name).unwrap();
    for (how, garbage) in corruptions(&good) {
        kv_put(&env, &name, &garbage);
        let before = everything(&env);
        let bucket = format!("/{BUCKET}");
        env.req("HEAD", &bucket).send().assert_head_error(500);
        for (method, query) in [
            ("GET", ""),
            ("GET", "list-type=2"),
            ("GET", "location"),
            ("GET", "tagging"),
            ("GET", "policy"),
            ("GET", "uploads"),
            ("DELETE", ""),
            ("DELETE", "cors"),
        ] {
            let resp = env.req(method, &bucket).query(query).send();
            assert_unreadable(&resp, &name);
            assert_eq!(everything(&env), before, "{how}: {method} ?{query}");
        }
        assert_unreadable(&env.get(BUCKET, "k"), &name);
        assert_unreadable(&env.put(BUCKET, "k", b"new"), &name);
        assert_unreadable(&env.put(BUCKET, "new", b"new"), &name);
        assert_unreadable(&env.delete(BUCKET, "k"), &name);
        // CreateBucket of that name does not make a fresh bucket over it.
        assert_unreadable(&env.create_bucket(BUCKET), &name);
        assert_unreadable(&env.req("PUT", &bucket).user(BOB).send(), &name);
        // A browser upload reads the bucket before its form.
        let form = "--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--xyz--\r\n";
        let post = env
            .req("POST", &bucket)
            .anonymous()
            .header("content-type", "multipart/form-data; boundary=xyz")
            .body(form.as_bytes().to_vec())
            .send();
        assert_unreadable(&post, &name);
        assert_eq!(kv_get(&env, &name).as_deref(), Some(garbage.as_str()));
        assert_eq!(everything(&env), before, "{how}");
        // The cleanup pass does not need the bucket's record: the object's blob is held.
        env.sweep();
        assert_eq!(everything(&env), before, "{how}");
    }
    kv_put(&env, &name, &good);
    assert_eq!(env.get(BUCKET, "k").body, BODY);
}

#[test]
fn unreadable_upload_and_part_records_are_errors() {
    let env = Env::new();
    ok(&env.create_bucket(BUCKET), 200);
    let created = env
        .req("POST", &object_path(BUCKET, "k"))
        .query("uploads")
        .send();
    ok(&created, 200);
    let upload = xml_values(&created.text(), "UploadId").remove(0);
    let part = |number: u16| {
        env.req("PUT", &object_path(BUCKET, "k"))
            .query(&format!("partNumber={number}&uploadId={upload}"))
            .body(b"part".to_vec())
            .send()
    };
    let first = part(1);
    ok(&first, 200);
    let etag = first.header("etag").unwrap().to_string();
    let list = || {
        env.req("GET", &object_path(BUCKET, "k"))
            .query(&format!("uploadId={upload}"))
            .send()
    };
    let complete = || {
        env.req("POST", &object_path(BUCKET, "k"))
            .query(&format!("uploadId={upload}"))
            .body(format!(
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
            ))
            .send()
    };

    // The upload's own record.
    let record_name = names::upload_record(BUCKET, &upload);
    let good = env.store.blob_bytes(&record_name).unwrap();
    let custom = blob_custom(&env, &record_name);
    for (how, garbage) in corruptions(std::str::from_utf8(&good).unwrap()) {
        blob_put(&env, &record_name, garbage.as_bytes(), custom.clone());
        let before = everything(&env);
        assert_unreadable(&part(2), &record_name);
        assert_unreadable(&list(), &record_name);
        assert_unreadable(&complete(), &record_name);
        let abort = env
            .req("DELETE", &object_path(BUCKET, "k"))
            .query(&format!("uploadId={upload}"))
            .send();
        assert_unreadable(&abort, &record_name);
        assert_eq!(everything(&env), before, "{how}");
        env.sweep();
        assert_eq!(everything(&env), before, "{how}");
    }
    blob_put(&env, &record_name, &good, custom);

    // A part record without the blob it names: the part blob is kept, the part refused.
    let part_record = names::part_record(BUCKET, &upload, 1);
    let custom = blob_custom(&env, &part_record);
    let mut without_blob = custom.clone();
    without_blob.remove("b");
    blob_put(&env, &part_record, b"", without_blob);
    let before = everything(&env);
    assert_unreadable(&list(), &part_record);
    assert_unreadable(&complete(), &part_record);
    let report = env.sweep();
    assert_eq!(report.skipped_unreadable, 1, "{report:?}");
    assert_eq!(everything(&env), before);
    let mut bad_size = custom.clone();
    bad_size.insert("s".into(), "many".into());
    blob_put(&env, &part_record, b"", bad_size);
    assert_unreadable(&complete(), &part_record);

    blob_put(&env, &part_record, b"", custom);
    ok(&complete(), 200);
    assert_eq!(env.get(BUCKET, "k").body, b"part");
}

#[test]
fn records_are_written_with_their_version() {
    let env = Env::new();
    ok(&env.create_bucket(BUCKET), 200);
    ok(&env.put(BUCKET, "k", BODY), 200);
    let created = env
        .req("POST", &object_path(BUCKET, "m"))
        .query("uploads")
        .send();
    let upload = xml_values(&created.text(), "UploadId").remove(0);
    // An object record holding its bytes is version 2 (a version-1 reader would misread it).
    let object_version = match env.inlines(BODY.len()) {
        true => r#"{"v":2,"#,
        false => r#"{"v":1,"#,
    };
    for (json, version) in [
        (
            kv_get(&env, &names::bucket_record(BUCKET)).unwrap(),
            r#"{"v":1,"#,
        ),
        (
            kv_get(&env, &names::object_record(BUCKET, "k")).unwrap(),
            object_version,
        ),
        (
            String::from_utf8(
                env.store
                    .blob_bytes(&names::upload_record(BUCKET, &upload))
                    .unwrap(),
            )
            .unwrap(),
            r#"{"v":1,"#,
        ),
    ] {
        assert!(json.starts_with(version), "{json}");
    }
    // A record written before versions were kept reads, and is rewritten with one.
    let name = names::object_record(BUCKET, "k");
    let old = kv_get(&env, &name)
        .unwrap()
        .replacen(object_version, "{", 1);
    kv_put(&env, &name, &old);
    assert_eq!(env.get(BUCKET, "k").body, BODY);
    let tagging = b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>";
    let tagged = env
        .req("PUT", &object_path(BUCKET, "k"))
        .query("tagging")
        .body(tagging.to_vec())
        .send();
    ok(&tagged, 200);
    assert!(kv_get(&env, &name).unwrap().starts_with(object_version));
}
