//! Native tests of ListMultipartUploads over the R2 upload index, through the whole request
//! handler: every page compared with a model that sorts all uploads in memory (the
//! "ListMultipartUploads" page of the AWS S3 API Reference: by key, then upload id, with prefix,
//! delimiter, key-marker, upload-id-marker and max-uploads), keys with `\x00` / `\x01`, keys that
//! are prefixes of others, keys too long for whole R2 names; what a page costs; and what the
//! cleanup pass repairs.

mod common;

use common::*;
use s3edge::store::memory::Fault;
use s3edge::store::BlobStore;

const BUCKET: &str = "uploads";

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

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[derive(Debug, Clone, Default)]
struct Query {
    prefix: String,
    delimiter: Option<String>,
    key_marker: String,
    upload_id_marker: String,
    max: usize,
}

/// A ListMultipartUploads answer, keys decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Page {
    uploads: Vec<(String, String)>,
    common_prefixes: Vec<String>,
    is_truncated: bool,
    next_key_marker: Option<String>,
    next_upload_id_marker: Option<String>,
}

fn list(env: &Env, q: &Query) -> Page {
    let max = q.max.to_string();
    let mut pairs: Vec<(&str, &str)> = vec![("encoding-type", "url"), ("max-uploads", &max)];
    for (name, value) in [
        ("prefix", q.prefix.as_str()),
        ("delimiter", q.delimiter.as_deref().unwrap_or_default()),
        ("key-marker", q.key_marker.as_str()),
        ("upload-id-marker", q.upload_id_marker.as_str()),
    ] {
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    let resp = env
        .req("GET", &format!("/{BUCKET}"))
        .query(&format!("uploads&{}", query_string(&pairs)))
        .send();
    ok(&resp, 200);
    let text = resp.text();
    let one = |tag: &str| xml_values(&text, tag).into_iter().next();
    Page {
        uploads: xml_raw(&text, "Upload")
            .iter()
            .map(|u| {
                (
                    decode(&xml_values(u, "Key")[0]),
                    xml_values(u, "UploadId")[0].clone(),
                )
            })
            .collect(),
        common_prefixes: xml_raw(&text, "CommonPrefixes")
            .iter()
            .map(|c| decode(&xml_values(c, "Prefix")[0]))
            .collect(),
        is_truncated: one("IsTruncated").as_deref() == Some("true"),
        next_key_marker: one("NextKeyMarker").map(|m| decode(&m)),
        next_upload_id_marker: one("NextUploadIdMarker"),
    }
}

/// The page S3 answers, from every upload sorted in memory.
fn model(all: &[(String, String)], q: &Query) -> Page {
    let mut sorted = all.to_vec();
    sorted.sort();
    enum Item {
        Upload(String, String),
        Prefix(String),
    }
    let (k, u) = (q.key_marker.as_str(), q.upload_id_marker.as_str());
    let mut items: Vec<Item> = Vec::new();
    for (key, id) in sorted {
        if !key.starts_with(&q.prefix) {
            continue;
        }
        if !(k.is_empty() || key.as_str() > k || (key == k && !u.is_empty() && id.as_str() > u)) {
            continue;
        }
        let common = q.delimiter.as_deref().and_then(|d| {
            key[q.prefix.len()..]
                .find(d)
                .map(|at| key[..q.prefix.len() + at + d.len()].to_string())
        });
        match common {
            Some(p) => {
                let seen = matches!(items.last(), Some(Item::Prefix(last)) if *last == p);
                if !seen && p.as_str() > k {
                    items.push(Item::Prefix(p));
                }
            }
            None => items.push(Item::Upload(key, id)),
        }
    }
    let is_truncated = items.len() > q.max;
    items.truncate(q.max);
    let (next_key_marker, next_upload_id_marker) = match items.last() {
        Some(Item::Upload(key, id)) => (Some(key.clone()), Some(id.clone())),
        Some(Item::Prefix(p)) => (Some(p.clone()), None),
        None => (None, None),
    };
    let mut page = Page {
        uploads: Vec::new(),
        common_prefixes: Vec::new(),
        is_truncated,
        next_key_marker,
        next_upload_id_marker,
    };
    for item in items {
        match item {
            Item::Upload(key, id) => page.uploads.push((key, id)),
            Item::Prefix(p) => page.common_prefixes.push(p),
        }
    }
    page
}

/// Walks every page of `q` from its markers, each compared with the model; returns the pages.
#[track_caller]
fn walk_matches_model(env: &Env, all: &[(String, String)], mut q: Query) -> usize {
    let mut pages = 0;
    loop {
        let got = list(env, &q);
        assert_eq!(got, model(all, &q), "{q:?}");
        pages += 1;
        if !got.is_truncated {
            return pages;
        }
        q.key_marker = got.next_key_marker.unwrap();
        q.upload_id_marker = got.next_upload_id_marker.unwrap_or_default();
        assert!(pages < 10_000);
    }
}

/// Creates `per_key` uploads of each key, the clock moving on between them.
fn uploads_of(env: &mut Env, keys: &[String], per_key: usize) -> Vec<(String, String)> {
    let mut made = Vec::new();
    for round in 0..per_key {
        for key in keys.iter().rev() {
            env.now_millis += 1 + round as i64;
            made.push((key.clone(), create_upload(env, key, &[])));
        }
    }
    made
}

fn env_with_bucket() -> Env {
    let env = Env::new();
    ok(&env.create_bucket(BUCKET), 200);
    env
}

#[test]
fn pages_follow_key_then_upload_order_with_control_characters() {
    let mut env = env_with_bucket();
    let keys: Vec<String> = [
        "a",
        "a\u{0}",
        "a\u{0}b",
        "a\u{1}",
        "a\u{1}\u{1}",
        "a\u{2}",
        "a/",
        "a/b",
        "a/b/c",
        "a/c",
        "ab",
        "ad",
        "add/x",
        "b",
        "\u{0}",
        "\u{1}x",
        "é/1",
        "zz/é",
        "pd/1",
        "pd/2",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    let mut all = uploads_of(&mut env, &keys, 2);
    all.extend(uploads_of(&mut env, &["many".to_string()], 12));
    let sorted = {
        let mut s = all.clone();
        s.sort();
        s
    };
    // The whole listing, in one page and page by page.
    let whole = list(
        &env,
        &Query {
            max: 1000,
            ..Query::default()
        },
    );
    assert_eq!(whole.uploads, sorted);
    assert!(!whole.is_truncated);
    // Uploads of one key come in initiation order (ids begin with the time).
    let many: Vec<&String> = whole
        .uploads
        .iter()
        .filter(|(k, _)| k == "many")
        .map(|(_, id)| id)
        .collect();
    let mut by_creation: Vec<&String> = all
        .iter()
        .filter(|(k, _)| k == "many")
        .map(|(_, id)| id)
        .collect();
    assert_eq!(many, {
        by_creation.sort();
        by_creation
    });

    // "/" and "/b" R2 groups on; "d" (a hex digit, which may occur in upload ids) and "\x01"
    // (part of the names' escapes) are grouped in Rust.
    let delimiters = [
        None,
        Some("/"),
        Some("/b"),
        Some("d"),
        Some("\u{1}"),
        Some("\u{0}"),
    ];
    for prefix in ["", "a", "a/", "a\u{0}", "a\u{1}", "p", "zz"] {
        for delimiter in delimiters {
            for max in [1, 2, 3, 1000] {
                let q = Query {
                    prefix: prefix.to_string(),
                    delimiter: delimiter.map(str::to_string),
                    max,
                    ..Query::default()
                };
                walk_matches_model(&env, &all, q);
            }
        }
    }
    // Starting anywhere: every key (and a few that are not keys) as key-marker, with and without
    // an upload-id-marker.
    let mut markers: Vec<String> = keys.clone();
    markers.extend(["a/b/", "a\u{0}a", "pd/", "zzz", "\u{0}\u{0}"].map(str::to_string));
    for key_marker in &markers {
        let ids: Vec<String> = sorted
            .iter()
            .filter(|(k, _)| k == key_marker)
            .map(|(_, id)| id.clone())
            .collect();
        let mut id_markers = vec![String::new(), "zzz".to_string(), "0".to_string()];
        id_markers.extend(ids.first().cloned());
        for upload_id_marker in id_markers {
            for delimiter in [None, Some("/"), Some("d")] {
                for max in [2, 1000] {
                    let q = Query {
                        delimiter: delimiter.map(str::to_string),
                        key_marker: key_marker.clone(),
                        upload_id_marker: upload_id_marker.clone(),
                        max,
                        ..Query::default()
                    };
                    walk_matches_model(&env, &all, q);
                }
            }
        }
    }
    // An upload-id-marker without a key-marker is ignored.
    let q = Query {
        upload_id_marker: sorted[3].1.clone(),
        max: 1000,
        ..Query::default()
    };
    assert_eq!(list(&env, &q).uploads, sorted);
    // max-uploads=0 tells whether there is anything, and lists nothing.
    let none = list(&env, &Query::default());
    assert!(none.is_truncated && none.uploads.is_empty() && none.next_key_marker.is_none());
}

#[test]
fn keys_too_long_for_r2_names_list_in_key_order() {
    let mut env = env_with_bucket();
    // The bucket's names: 21 bytes of prefix, the escaped key, 2 + 32 bytes: whole up to 969
    // bytes of escaped key, else the first 965 to 968 bytes of it are kept.
    let base = format!("L{}", "x".repeat(949));
    let mut keys: Vec<String> = vec![
        base.clone(),
        format!("{base}{}", "a".repeat(15)),
        format!("{base}{}", "a".repeat(18)),
        format!("{base}{}", "a".repeat(19)),
        format!("{base}{}", "a".repeat(20)),
        format!("{base}{}z", "a".repeat(20)),
        format!("{base}{}b", "a".repeat(18)),
        format!("{base}{}b{}", "a".repeat(18), "c".repeat(40)),
        format!("{base}{}", "a".repeat(74)),
        format!("{base}q{}", "\u{0}".repeat(12)),
        format!("{base}q{}x", "\u{0}".repeat(12)),
        format!("{base}q{}", "\u{1}".repeat(30)),
        format!("{base}q{}", "é".repeat(12)),
        format!("{base}q{}", "é".repeat(13)),
        format!("{base}/{}", "d".repeat(30)),
        format!("{base}/{}/e", "d".repeat(30)),
        format!("{base}{}/1", "a".repeat(30)),
        format!("{base}{}/2", "a".repeat(30)),
        "x".repeat(1024),
        "y".repeat(10),
    ];
    for n in 0..6 {
        keys.push(format!("{base}{}{n}{}", "a".repeat(17), "f".repeat(30)));
    }
    // A run longer than one R2 page: 120 truncated names of one group, which sort before the
    // whole names of the same run ("…aab" among them) although their keys sort after.
    for n in 0..40 {
        keys.push(format!("{base}{}z{n:02}{}", "a".repeat(18), "f".repeat(30)));
    }
    let all = uploads_of(&mut env, &keys, 3);
    let truncated = env
        .upload_index_entries()
        .iter()
        .filter(|n| n.contains("\u{1}\u{1}\u{1}"))
        .count();
    assert!(truncated >= 20, "{truncated} truncated names");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(
        list(
            &env,
            &Query {
                max: 1000,
                ..Query::default()
            }
        )
        .uploads,
        sorted
    );
    let group = format!("{base}{}", "a".repeat(18));
    for prefix in ["", "L", base.as_str(), group.as_str()] {
        for delimiter in [None, Some("/"), Some("a"), Some("é")] {
            for max in [1, 7, 1000] {
                let q = Query {
                    prefix: prefix.to_string(),
                    delimiter: delimiter.map(str::to_string),
                    max,
                    ..Query::default()
                };
                walk_matches_model(&env, &all, q);
            }
        }
    }
    // One page from every upload as the markers.
    for (key, id) in &sorted {
        for upload_id_marker in [String::new(), id.clone()] {
            let q = Query {
                key_marker: key.clone(),
                upload_id_marker,
                max: 4,
                ..Query::default()
            };
            assert_eq!(list(&env, &q), model(&all, &q), "{q:?}");
        }
    }
}

/// The calls one request made.
fn calls(env: &Env, request: impl FnOnce() -> Page) -> (usize, Page) {
    let before = env.store.calls();
    let page = request();
    (env.store.calls() - before, page)
}

#[test]
fn grouped_uploads_cost_one_r2_call_per_page_of_groups() {
    let mut env = env_with_bucket();
    let keys: Vec<String> = (0..450).map(|i| format!("pd/{i:04}")).collect();
    let mut all = uploads_of(&mut env, &keys, 1);
    all.extend(uploads_of(
        &mut env,
        &["pe".to_string(), "pf/x".to_string()],
        1,
    ));
    let q = |d: &str| Query {
        delimiter: Some(d.to_string()),
        max: 1000,
        ..Query::default()
    };
    // R2 groups on "/": the bucket's record and one R2 page.
    let (made, page) = calls(&env, || list(&env, &q("/")));
    assert_eq!(page, model(&all, &q("/")));
    assert_eq!(page.common_prefixes, ["pd/", "pf/"]);
    assert_eq!(made, 2, "delimiter R2 groups on");
    // "d" is a hex digit, grouped in Rust: the first R2 page (100 names of "pd"), then one that
    // starts past every name of "pd".
    let (made, page) = calls(&env, || list(&env, &q("d")));
    assert_eq!(page, model(&all, &q("d")));
    assert_eq!(page.common_prefixes, ["pd"]);
    assert_eq!(made, 3, "delimiter grouped in Rust");
}

#[test]
fn complete_abort_and_bucket_deletion_remove_entries() {
    let env = env_with_bucket();
    let done = create_upload(&env, "done", &[]);
    let gone = create_upload(&env, "gone", &[]);
    create_upload(&env, "left", &[]);
    assert_eq!(env.upload_index_entries().len(), 3);
    let part = env
        .req("PUT", &object_path(BUCKET, "done"))
        .query(&format!("partNumber=1&uploadId={done}"))
        .body(b"bytes".to_vec())
        .send();
    ok(&part, 200);
    let etag = part.header("etag").unwrap().to_string();
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    );
    ok(
        &env.req("POST", &object_path(BUCKET, "done"))
            .query(&format!("uploadId={done}"))
            .body(body.into_bytes())
            .send(),
        200,
    );
    ok(
        &env.req("DELETE", &object_path(BUCKET, "gone"))
            .query(&format!("uploadId={gone}"))
            .send(),
        204,
    );
    let listed = list(
        &env,
        &Query {
            max: 1000,
            ..Query::default()
        },
    );
    assert_eq!(
        listed
            .uploads
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["left"]
    );
    assert_eq!(env.upload_index_entries().len(), 1);
    ok(&env.delete(BUCKET, "done"), 204);
    ok(&env.req("DELETE", &format!("/{BUCKET}")).send(), 204);
    assert!(env.upload_index_entries().is_empty());
    assert!(env.stored().is_empty(), "{:?}", env.stored());
}

fn delete_r2(env: &Env, name: &str) {
    futures_executor::block_on(BlobStore::delete_blobs(
        env.store.memory(),
        &[name.to_string()],
    ))
    .unwrap();
}

#[test]
fn the_cleanup_pass_removes_stale_entries_and_backfills_missing_ones() {
    let env = env_with_bucket();
    let long = format!("{}é", "k".repeat(1000));
    let stale = create_upload(&env, "stale", &[]);
    let old = create_upload(
        &env,
        "old",
        &[
            ("x-amz-storage-class", "STANDARD_IA"),
            ("x-amz-checksum-algorithm", "SHA256"),
        ],
    );
    let old_long = create_upload(&env, &long, &[]);
    let kept = create_upload(&env, "kept", &[]);
    let entry_of = |id: &str| {
        env.upload_index_entries()
            .into_iter()
            .find(|n| n.ends_with(id))
            .unwrap()
    };
    let listed_text = || {
        env.req("GET", &format!("/{BUCKET}"))
            .query("uploads&encoding-type=url")
            .send()
            .text()
    };
    let before = listed_text();
    // An entry whose record is gone (a Complete that stopped half-way), and records without an
    // entry (uploads created before the index existed).
    delete_r2(&env, &format!("upload/{BUCKET}/{stale}"));
    let old_entries = [entry_of(&old), entry_of(&old_long)];
    for name in &old_entries {
        delete_r2(&env, name);
    }
    let ids = |text: &str| xml_values(text, "UploadId");
    assert_eq!(ids(&listed_text()), [kept.clone(), stale.clone()]);

    let report = env.sweep();
    assert_eq!(
        (report.upload_entries_removed, report.upload_entries_added),
        (1, 2)
    );
    let after = listed_text();
    assert_eq!(ids(&after), [kept.clone(), old_long.clone(), old.clone()]);
    // The back-filled entries are the ones Create writes: same names, same listing.
    let entries = env.upload_index_entries();
    assert!(
        old_entries.iter().all(|n| entries.contains(n)),
        "{entries:?}"
    );
    let without = |text: &str, id: &str| {
        xml_raw(text, "Upload")
            .into_iter()
            .filter(|u| !u.contains(id))
            .collect::<Vec<_>>()
    };
    assert_eq!(without(&after, "none"), without(&before, &stale));
    // A second pass finds nothing to do.
    let again = env.sweep();
    assert_eq!(
        (again.upload_entries_removed, again.upload_entries_added),
        (0, 0)
    );
}

#[test]
fn create_under_faults_lists_only_uploads_that_exist() {
    let probe = env_with_bucket();
    let before = probe.store.calls();
    create_upload(&probe, "k", &[]);
    let made = probe.store.calls() - before;
    assert_eq!(made, 3, "bucket record, upload record, index entry");
    for fault in Fault::ALL {
        for n in 1..=made + 1 {
            let env = env_with_bucket();
            env.store.fail_from_call_with(n, fault);
            let resp = env
                .req("POST", &object_path(BUCKET, "k"))
                .query("uploads")
                .send();
            env.store.heal();
            let listed = list(
                &env,
                &Query {
                    max: 1000,
                    ..Query::default()
                },
            );
            if resp.status == 200 {
                let id = xml_values(&resp.text(), "UploadId").remove(0);
                assert_eq!(listed.uploads, [("k".to_string(), id)], "{fault:?} at {n}");
            } else {
                resp.assert_error(500, "InternalError");
                // A listed upload is one whose record exists (a record whose write reported
                // an error but landed is listed once the cleanup pass gives it its entry).
                for (_, id) in &listed.uploads {
                    let record = format!("upload/{BUCKET}/{id}");
                    assert!(env.stored().contains(&record), "{fault:?} at {n}");
                }
            }
            env.sweep();
            let records = env
                .stored()
                .iter()
                .filter(|n| n.starts_with("upload/"))
                .count();
            assert_eq!(
                env.upload_index_entries().len(),
                records,
                "{fault:?} at {n}"
            );
            let listed = list(
                &env,
                &Query {
                    max: 1000,
                    ..Query::default()
                },
            );
            assert_eq!(listed.uploads.len(), records, "{fault:?} at {n}");
        }
    }
}

/// More uploads of one long key than a page's call budget can read (its names form one run that
/// every page from a long marker reads from its start): the walk ends, with every upload listed
/// in order up to where it stops, and a page that cannot get past its markers is refused with a
/// 500 rather than answered again, which would make a client page forever.
#[test]
fn a_run_longer_than_a_page_never_pages_forever() {
    let mut env = env_with_bucket();
    let key = "k".repeat(973);
    let mut all = uploads_of(&mut env, std::slice::from_ref(&key), 2000);
    all.sort();
    let mut q = Query {
        max: 1000,
        ..Query::default()
    };
    let mut listed: Vec<(String, String)> = Vec::new();
    for page_number in 0.. {
        assert!(page_number < 10, "the walk does not end");
        let max = q.max.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![("max-uploads", &max)];
        if !q.key_marker.is_empty() {
            pairs.push(("key-marker", &q.key_marker));
            pairs.push(("upload-id-marker", &q.upload_id_marker));
        }
        let resp = env
            .req("GET", &format!("/{BUCKET}"))
            .query(&format!("uploads&{}", query_string(&pairs)))
            .send();
        if resp.status == 500 {
            resp.assert_error(500, "InternalError");
            assert!(resp.text().contains("long key"), "{}", resp.text());
            break;
        }
        ok(&resp, 200);
        let text = resp.text();
        listed.extend(xml_raw(&text, "Upload").iter().map(|u| {
            (
                xml_values(u, "Key")[0].clone(),
                xml_values(u, "UploadId")[0].clone(),
            )
        }));
        if xml_values(&text, "IsTruncated") != ["true"] {
            break;
        }
        let next = (
            xml_values(&text, "NextKeyMarker").remove(0),
            xml_values(&text, "NextUploadIdMarker").remove(0),
        );
        assert!(
            next > (q.key_marker.clone(), q.upload_id_marker.clone()),
            "page {page_number} does not move past its markers"
        );
        (q.key_marker, q.upload_id_marker) = next;
    }
    assert!(listed.len() >= 1000, "{}", listed.len());
    assert_eq!(listed, all[..listed.len()]);
}
