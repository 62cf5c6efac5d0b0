//! Native tests of versioning and object lock through the whole request handler
//! (`service::handle`) over the in-memory stores: version-id order, ListObjectVersions paging
//! from every marker and a page's cost at any number of versions per key, delete markers, the `null` version, bad version ids, versioned writes and
//! deletes under storage faults, and retention / legal hold against version removal.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use s3edge::store::memory::Fault;
use s3edge::store::MetaStore as _;

const BUCKET: &str = "vers";

#[track_caller]
fn assert_ok(resp: &Resp, status: u16) {
    assert_eq!(resp.status, status, "{}", resp.text());
}

fn set_versioning(env: &Env, bucket: &str, status: &str) {
    let body =
        format!("<VersioningConfiguration><Status>{status}</Status></VersioningConfiguration>");
    let resp = env
        .req("PUT", &format!("/{bucket}"))
        .query("versioning")
        .body(body.into_bytes())
        .send();
    assert_ok(&resp, 200);
}

fn versioned_env() -> Env {
    let env = Env::new();
    assert_ok(&env.create_bucket(BUCKET), 200);
    set_versioning(&env, BUCKET, "Enabled");
    env
}

/// Moves the service's and the store's clock forward.
fn advance(env: &mut Env, millis: i64) {
    env.now_millis += millis;
    env.store.memory().now_millis.set(env.now_millis);
}

fn put(env: &Env, key: &str, body: &[u8]) -> Resp {
    env.put(BUCKET, key, body)
}

/// The version id a write answered with (it must carry one).
#[track_caller]
fn version_of(resp: &Resp) -> String {
    resp.header("x-amz-version-id")
        .unwrap_or_else(|| panic!("no x-amz-version-id: {:?}", resp.headers))
        .to_string()
}

fn with_version(env: &Env, method: &str, key: &str, version_id: &str) -> Resp {
    env.req(method, &object_path(BUCKET, key))
        .query(&query_string(&[("versionId", version_id)]))
        .send()
}

fn versions(env: &Env, params: &[(&str, &str)]) -> Resp {
    let mut pairs = vec![("versions", "")];
    pairs.extend_from_slice(params);
    env.req("GET", &format!("/{BUCKET}"))
        .query(&query_string(&pairs))
        .send()
}

/// One `Version` or `DeleteMarker` of a ListObjectVersions answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    key: String,
    version_id: String,
    latest: bool,
    marker: bool,
    /// Empty for a delete marker.
    etag: String,
}

/// One item of a listing in order: an entry, or a common prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    V(Entry),
    P(String),
}

impl Item {
    fn sort_key(&self) -> &str {
        match self {
            Item::V(e) => &e.key,
            Item::P(p) => p,
        }
    }
}

struct Page {
    entries: Vec<Entry>,
    prefixes: Vec<String>,
    truncated: bool,
    next_key: Option<String>,
    next_version: Option<String>,
    text: String,
}

impl Page {
    /// Entries in their order, common prefixes placed by key (each entry's versions kept in
    /// their order).
    fn items(&self) -> Vec<Item> {
        let mut items: Vec<Item> = self.entries.iter().cloned().map(Item::V).collect();
        items.extend(self.prefixes.iter().cloned().map(Item::P));
        items.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
        items
    }
}

fn top_level(xml: &str, tag: &str) -> Option<String> {
    let head_end = ["<Version>", "<DeleteMarker>", "<CommonPrefixes>"]
        .iter()
        .filter_map(|t| xml.find(t))
        .min()
        .unwrap_or(xml.len());
    xml_values(&xml[..head_end], tag).into_iter().next()
}

fn parse_page(text: String) -> Page {
    let mut entries = Vec::new();
    let mut rest = text.as_str();
    loop {
        let version = rest.find("<Version>");
        let marker = rest.find("<DeleteMarker>");
        let (at, tag, is_marker) = match (version, marker) {
            (None, None) => break,
            (Some(v), Some(m)) if m < v => (m, "DeleteMarker", true),
            (None, Some(m)) => (m, "DeleteMarker", true),
            (Some(v), _) => (v, "Version", false),
        };
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let after = &rest[at + open.len()..];
        let end = after.find(&close).expect("closed element");
        let block = &after[..end];
        let one = |t: &str| xml_values(block, t).into_iter().next();
        entries.push(Entry {
            key: one("Key").expect("a Key"),
            version_id: one("VersionId").expect("a VersionId"),
            latest: match one("IsLatest").as_deref() {
                Some("true") => true,
                Some("false") => false,
                other => panic!("IsLatest {other:?}"),
            },
            marker: is_marker,
            etag: if is_marker {
                String::new()
            } else {
                one("ETag").expect("an ETag")
            },
        });
        rest = &after[end + close.len()..];
    }
    let prefixes = xml_raw(&text, "CommonPrefixes")
        .iter()
        .flat_map(|b| xml_values(b, "Prefix"))
        .collect();
    Page {
        entries,
        prefixes,
        truncated: match top_level(&text, "IsTruncated").as_deref() {
            Some("true") => true,
            Some("false") => false,
            other => panic!("IsTruncated {other:?}: {text}"),
        },
        next_key: top_level(&text, "NextKeyMarker"),
        next_version: top_level(&text, "NextVersionIdMarker"),
        text,
    }
}

#[track_caller]
fn list_page(env: &Env, params: &[(&str, &str)]) -> Page {
    let resp = versions(env, params);
    assert_eq!(resp.status, 200, "{params:?}: {}", resp.text());
    parse_page(resp.text())
}

/// Every version of the bucket (under `params`) in one page.
#[track_caller]
fn full_listing(env: &Env, params: &[(&str, &str)]) -> Vec<Item> {
    let page = list_page(env, params);
    assert!(!page.truncated, "{}", page.text);
    page.items()
}

/// Walks ListObjectVersions `max_keys` at a time, checking each page's shape.
#[track_caller]
fn walk(env: &Env, params: &[(&str, &str)], max_keys: usize) -> Vec<Item> {
    let mut out = Vec::new();
    let mut markers: Option<(String, Option<String>)> = None;
    let max = max_keys.to_string();
    for _ in 0..10_000 {
        let mut p = params.to_vec();
        p.push(("max-keys", &max));
        if let Some((key, version)) = &markers {
            p.push(("key-marker", key));
            if let Some(v) = version {
                p.push(("version-id-marker", v));
            }
        }
        let page = list_page(env, &p);
        let items = page.items();
        assert!(items.len() <= max_keys, "{p:?}: {}", page.text);
        if !page.truncated {
            assert_eq!(page.next_key, None, "{}", page.text);
            assert_eq!(page.next_version, None, "{}", page.text);
            out.extend(items);
            return out;
        }
        assert_eq!(
            items.len(),
            max_keys,
            "a truncated page is full: {}",
            page.text
        );
        let next_key = page
            .next_key
            .clone()
            .expect("a truncated page has a marker");
        match items.last().unwrap() {
            Item::V(e) => {
                assert_eq!(next_key, e.key, "{}", page.text);
                assert_eq!(page.next_version.as_deref(), Some(e.version_id.as_str()));
            }
            Item::P(prefix) => {
                assert_eq!(&next_key, prefix, "{}", page.text);
                assert_eq!(page.next_version, None, "{}", page.text);
            }
        }
        markers = Some((next_key, page.next_version.clone()));
        out.extend(items);
    }
    panic!("listing never ended");
}

fn is_url_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

// ---------------------------------------------------------------------------------------------
// 1. Version-id order

#[test]
fn version_ids_are_distinct_and_listed_newest_first() {
    let mut env = versioned_env();
    let key = "same/key";
    let mut written = Vec::new();
    for i in 0..30 {
        // Bursts of writes within one millisecond, then the clock moves (sometimes by a lot).
        if i % 4 == 0 {
            advance(&mut env, if i % 8 == 0 { 1 } else { 1500 });
        }
        let body = format!("body number {i}");
        let resp = put(&env, key, body.as_bytes());
        assert_ok(&resp, 200);
        let id = version_of(&resp);
        assert!(is_url_safe(&id), "{id}");
        assert_ne!(id, "null");
        written.push((id, body));
    }
    let ids: BTreeSet<&String> = written.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), written.len(), "version ids repeat: {written:?}");

    let listed = full_listing(&env, &[]);
    let listed: Vec<Entry> = listed
        .into_iter()
        .map(|i| match i {
            Item::V(e) => e,
            Item::P(p) => panic!("prefix {p}"),
        })
        .collect();
    let expected: Vec<&String> = written.iter().rev().map(|(id, _)| id).collect();
    let got: Vec<&String> = listed.iter().map(|e| &e.version_id).collect();
    assert_eq!(got, expected, "newest first");
    assert_eq!(listed.iter().filter(|e| e.latest).count(), 1);
    assert!(listed[0].latest);
    assert!(listed.iter().all(|e| e.key == key && !e.marker));

    // Each version reads back as written; the current one is the last written.
    for (id, body) in &written {
        let got = with_version(&env, "GET", key, id);
        assert_ok(&got, 200);
        assert_eq!(got.body, body.as_bytes());
        assert_eq!(got.header("x-amz-version-id"), Some(id.as_str()));
    }
    let current = env.get(BUCKET, key);
    assert_eq!(current.body, written.last().unwrap().1.as_bytes());
    assert_eq!(
        current.header("x-amz-version-id"),
        Some(written.last().unwrap().0.as_str())
    );
}

// ---------------------------------------------------------------------------------------------
// 2. ListObjectVersions pages from every position

/// The model: each key's versions, newest first (id, delete marker, etag).
type Model = BTreeMap<String, Vec<(String, bool, String)>>;

fn model_items(model: &Model, prefix: &str, delimiter: Option<&str>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut prefixes_seen = BTreeSet::new();
    for (key, list) in model {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        if let Some(d) = delimiter {
            if let Some(at) = rest.find(d) {
                let common = format!("{prefix}{}", &rest[..at + d.len()]);
                if prefixes_seen.insert(common.clone()) {
                    items.push(Item::P(common));
                }
                continue;
            }
        }
        for (i, (id, marker, etag)) in list.iter().enumerate() {
            items.push(Item::V(Entry {
                key: key.clone(),
                version_id: id.clone(),
                latest: i == 0,
                marker: *marker,
                etag: etag.clone(),
            }));
        }
    }
    items
}

/// Records a write in the model: a new version on top, or the `null` version replaced.
fn record_write(model: &mut Model, key: &str, id: String, marker: bool, etag: String) {
    let list = model.entry(key.to_string()).or_default();
    if id == "null" {
        list.retain(|(v, _, _)| v != "null");
    }
    list.insert(0, (id, marker, etag));
}

/// 7 keys with 1 to 5 versions each, delete markers, a never-versioned `null` version and a
/// Suspended-era one.
fn paging_fixture() -> (Env, Model) {
    let mut env = Env::new();
    assert_ok(&env.create_bucket(BUCKET), 200);
    let mut model = Model::new();
    // Written before versioning was ever on: the `null` version.
    let body = b"a before versioning".to_vec();
    assert_ok(&put(&env, "a", &body), 200);
    record_write(&mut model, "a", "null".into(), false, quoted_md5(&body));
    set_versioning(&env, BUCKET, "Enabled");

    let keys = ["a", "b/1", "b/2", "c", "d/x/y", "e", "f"];
    let counts = [2, 3, 1, 4, 2, 5, 1];
    for round in 0..5 {
        for (key, count) in keys.iter().zip(counts) {
            if round >= count {
                continue;
            }
            advance(&mut env, (round as i64) % 2);
            if round == 2 && (*key == "e" || *key == "b/1") {
                let resp = env.delete(BUCKET, key);
                assert_ok(&resp, 204);
                assert_eq!(resp.header("x-amz-delete-marker"), Some("true"));
                record_write(&mut model, key, version_of(&resp), true, String::new());
                continue;
            }
            let body = format!("{key} round {round}").into_bytes();
            let resp = put(&env, key, &body);
            assert_ok(&resp, 200);
            record_write(&mut model, key, version_of(&resp), false, quoted_md5(&body));
        }
        if round == 1 {
            // A Suspended era: `c` gets a null version, over its numbered ones.
            set_versioning(&env, BUCKET, "Suspended");
            let body = b"c while suspended".to_vec();
            assert_ok(&put(&env, "c", &body), 200);
            record_write(&mut model, "c", "null".into(), false, quoted_md5(&body));
            set_versioning(&env, BUCKET, "Enabled");
        }
    }
    // `f` ends with a delete marker as its current version.
    let resp = env.delete(BUCKET, "f");
    assert_ok(&resp, 204);
    record_write(&mut model, "f", version_of(&resp), true, String::new());
    (env, model)
}

#[track_caller]
fn check_walks(env: &Env, params: &[(&str, &str)], expected: &[Item]) {
    let full = full_listing(env, params);
    assert_eq!(full, expected, "{params:?}");
    for max_keys in 1..=expected.len() + 1 {
        let walked = walk(env, params, max_keys);
        assert_eq!(walked, expected, "{params:?} max-keys {max_keys}");
    }
    // From every position: the page starts right after the marker.
    for (i, item) in expected.iter().enumerate() {
        let mut p = params.to_vec();
        let (key, version) = match item {
            Item::V(e) => (e.key.clone(), Some(e.version_id.clone())),
            Item::P(prefix) => (prefix.clone(), None),
        };
        p.push(("key-marker", &key));
        if let Some(v) = &version {
            p.push(("version-id-marker", v));
        }
        let page = list_page(env, &p);
        assert!(!page.truncated);
        assert_eq!(
            page.items(),
            &expected[i + 1..],
            "after {key} {version:?}: {}",
            page.text
        );
        // A key marker alone starts after every version of the key.
        let page = list_page(env, &p[..p.len() - usize::from(version.is_some())]);
        let after: Vec<Item> = expected
            .iter()
            .filter(|it| it.sort_key() > key.as_str())
            .cloned()
            .collect();
        assert_eq!(page.items(), after, "after {key}: {}", page.text);
    }
    // Key markers that name no key: the page starts at the next key.
    for marker in ["", "0", "a0", "b/10", "c\u{7f}", "zzzz"] {
        let mut p = params.to_vec();
        p.push(("key-marker", marker));
        let after: Vec<Item> = expected
            .iter()
            .filter(|it| it.sort_key() > marker)
            .cloned()
            .collect();
        assert_eq!(full_listing(env, &p), after, "after {marker:?}");
    }
}

#[test]
fn version_pages_from_every_marker() {
    let (env, model) = paging_fixture();
    let all = model_items(&model, "", None);
    let total: usize = model.values().map(Vec::len).sum();
    assert_eq!(all.len(), total);
    assert!(total >= 20, "{total}");
    check_walks(&env, &[], &all);

    // Delete markers are listed; keys whose current version is one are not in ListObjectsV2.
    let (current, _) = env.walk_v2(BUCKET, &[]);
    assert_eq!(current, ["a", "b/2", "c", "d/x/y", "e"]);
    // The never-versioned and the suspended `null` versions are listed as such.
    assert!(all
        .iter()
        .any(|i| matches!(i, Item::V(e) if e.key == "a" && e.version_id == "null")));
    assert!(all
        .iter()
        .any(|i| matches!(i, Item::V(e) if e.key == "c" && e.version_id == "null")));
}

#[test]
fn version_pages_with_prefix_and_delimiter() {
    let (env, model) = paging_fixture();
    for (prefix, delimiter) in [
        ("", Some("/")),
        ("b/", None),
        ("b/", Some("/")),
        ("d/", Some("/")),
        ("d/x/", Some("/")),
        ("c", None),
        ("zzz", None),
    ] {
        let expected = model_items(&model, prefix, delimiter);
        let mut params = vec![("prefix", prefix)];
        if let Some(d) = delimiter {
            params.push(("delimiter", d));
        }
        if prefix.is_empty() && delimiter.is_some() {
            // Each common prefix once, counted as one item.
            let prefixes: Vec<&Item> = expected
                .iter()
                .filter(|i| matches!(i, Item::P(_)))
                .collect();
            assert_eq!(
                prefixes,
                [&Item::P("b/".into()), &Item::P("d/".into())],
                "{expected:?}"
            );
        }
        check_walks(&env, &params, &expected);
    }
}

/// A bucket of `keys` keys with `versions` versions each, written round by round.
fn bucket_of_versions(keys: usize, versions: usize) -> Env {
    let env = versioned_env();
    for round in 0..versions {
        for k in 0..keys {
            assert_ok(
                &put(&env, &format!("k{k:03}"), format!("v{round}").as_bytes()),
                200,
            );
        }
    }
    env
}

/// (storage calls, listing names read, the page) of one ListObjectVersions request.
fn page_cost(env: &Env, params: &[(&str, &str)]) -> (usize, usize, Page) {
    let memory = env.store.memory();
    let (calls, names) = (memory.calls(), memory.names_listed());
    let page = list_page(env, params);
    (memory.calls() - calls, memory.names_listed() - names, page)
}

#[test]
fn a_version_page_costs_the_same_however_many_versions_keys_have() {
    let small = bucket_of_versions(10, 10);
    let large = bucket_of_versions(100, 100);
    let (small_calls, small_names, whole) = page_cost(&small, &[("max-keys", "100")]);
    assert_eq!((whole.entries.len(), whole.truncated), (100, false));
    for marker in ["k050", "k000", "k097"] {
        let params = [("max-keys", "100"), ("key-marker", marker)];
        let (calls, names, page) = page_cost(&large, &params);
        assert_eq!(
            (page.entries.len(), page.truncated),
            (100, true),
            "{marker}"
        );
        let next = format!("k{:03}", marker[1..].parse::<usize>().unwrap() + 1);
        assert!(page.entries.iter().all(|e| e.key == next), "{marker}");
        assert!(
            calls <= small_calls,
            "{marker}: {calls} calls, {small_calls} for 10 x 10"
        );
        // The current objects are read up to the archive page's last key, not a page's worth.
        assert!(
            names <= small_names + 20,
            "{marker}: {names} names listed, {small_names} for 10 x 10"
        );
    }
    // Resuming inside a key costs no more either.
    let (_, _, first) = page_cost(&large, &[("max-keys", "100"), ("key-marker", "k050")]);
    let version_marker = first.next_version.clone().expect("a NextVersionIdMarker");
    let params = [
        ("max-keys", "100"),
        ("key-marker", "k051"),
        ("version-id-marker", version_marker.as_str()),
    ];
    let (calls, names, page) = page_cost(&large, &params);
    assert_eq!(page.entries.len(), 100);
    assert_eq!(page.entries[0].key, "k052");
    assert!(
        calls <= small_calls + 1,
        "{calls} calls, {small_calls} for 10 x 10"
    );
    assert!(
        names <= small_names + 20,
        "{names} names, {small_names} for 10 x 10"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Delete markers

#[test]
fn delete_markers_hide_the_key_until_removed() {
    let env = versioned_env();
    let key = "doc.txt";
    let v1 = version_of(&put(&env, key, b"first"));
    let v2 = version_of(&put(&env, key, b"second"));
    assert_ok(&put(&env, "other", b"x"), 200);

    let deleted = env.delete(BUCKET, key);
    assert_ok(&deleted, 204);
    assert_eq!(deleted.header("x-amz-delete-marker"), Some("true"));
    let marker = version_of(&deleted);
    assert!(marker != v1 && marker != v2 && marker != "null");

    let get = env.get(BUCKET, key);
    get.assert_error(404, "NoSuchKey");
    assert_eq!(get.header("x-amz-delete-marker"), Some("true"));
    assert_eq!(get.header("x-amz-version-id"), Some(marker.as_str()));
    let head = env.req("HEAD", &object_path(BUCKET, key)).send();
    head.assert_head_error(404);
    assert_eq!(head.header("x-amz-delete-marker"), Some("true"));

    let get = with_version(&env, "GET", key, &marker);
    get.assert_error(405, "MethodNotAllowed");
    assert_eq!(get.header("x-amz-delete-marker"), Some("true"));
    assert_eq!(get.header("x-amz-version-id"), Some(marker.as_str()));
    let head = with_version(&env, "HEAD", key, &marker);
    head.assert_head_error(405);
    assert_eq!(head.header("x-amz-delete-marker"), Some("true"));

    // The older versions are still there.
    assert_eq!(with_version(&env, "GET", key, &v1).body, b"first");
    assert_eq!(with_version(&env, "GET", key, &v2).body, b"second");
    assert_eq!(env.walk_v2(BUCKET, &[]).0, ["other"]);
    let page = list_page(&env, &[("prefix", key)]);
    let ids: Vec<(&str, bool, bool)> = page
        .entries
        .iter()
        .map(|e| (e.version_id.as_str(), e.latest, e.marker))
        .collect();
    assert_eq!(
        ids,
        [
            (marker.as_str(), true, true),
            (v2.as_str(), false, false),
            (v1.as_str(), false, false)
        ]
    );

    // Removing the marker makes the previous version current again.
    let removed = with_version(&env, "DELETE", key, &marker);
    assert_ok(&removed, 204);
    assert_eq!(removed.header("x-amz-delete-marker"), Some("true"));
    assert_eq!(removed.header("x-amz-version-id"), Some(marker.as_str()));
    let get = env.get(BUCKET, key);
    assert_ok(&get, 200);
    assert_eq!(get.body, b"second");
    assert_eq!(get.header("x-amz-version-id"), Some(v2.as_str()));
    assert_eq!(env.walk_v2(BUCKET, &[]).0, [key, "other"]);
    with_version(&env, "GET", key, &marker).assert_error(404, "NoSuchVersion");
    let page = list_page(&env, &[("prefix", key)]);
    let ids: Vec<(&str, bool)> = page
        .entries
        .iter()
        .map(|e| (e.version_id.as_str(), e.latest))
        .collect();
    assert_eq!(ids, [(v2.as_str(), true), (v1.as_str(), false)]);

    // Removing the current version makes the one before it current.
    assert_ok(&with_version(&env, "DELETE", key, &v2), 204);
    let get = env.get(BUCKET, key);
    assert_eq!(get.body, b"first");
    assert_eq!(get.header("x-amz-version-id"), Some(v1.as_str()));
}

// ---------------------------------------------------------------------------------------------
// 4. Suspended versioning

#[test]
fn suspended_writes_replace_the_null_version() {
    let env = Env::new();
    assert_ok(&env.create_bucket(BUCKET), 200);
    let key = "k";
    assert_ok(&put(&env, key, b"before versioning"), 200);
    set_versioning(&env, BUCKET, "Enabled");
    let e1 = version_of(&put(&env, key, b"enabled one"));
    set_versioning(&env, BUCKET, "Suspended");
    assert_ok(&put(&env, key, b"suspended one"), 200);
    let s2 = put(&env, key, b"suspended two");
    assert_ok(&s2, 200);
    if let Some(id) = s2.header("x-amz-version-id") {
        assert_eq!(id, "null");
    }

    let page = list_page(&env, &[]);
    let ids: Vec<(&str, bool, &str)> = page
        .entries
        .iter()
        .map(|e| (e.version_id.as_str(), e.latest, e.etag.as_str()))
        .collect();
    let (s2_etag, e1_etag) = (quoted_md5(b"suspended two"), quoted_md5(b"enabled one"));
    assert_eq!(
        ids,
        [
            ("null", true, s2_etag.as_str()),
            (e1.as_str(), false, e1_etag.as_str())
        ]
    );
    let null = with_version(&env, "GET", key, "null");
    assert_ok(&null, 200);
    assert_eq!(null.body, b"suspended two");
    assert_eq!(null.header("x-amz-version-id"), Some("null"));
    assert_eq!(env.get(BUCKET, key).body, b"suspended two");
    assert_eq!(with_version(&env, "GET", key, &e1).body, b"enabled one");

    // A delete while suspended puts a `null` delete marker in the null version's place.
    let deleted = env.delete(BUCKET, key);
    assert_ok(&deleted, 204);
    assert_eq!(deleted.header("x-amz-delete-marker"), Some("true"));
    assert_eq!(deleted.header("x-amz-version-id"), Some("null"));
    env.get(BUCKET, key).assert_error(404, "NoSuchKey");
    let page = list_page(&env, &[]);
    let ids: Vec<(&str, bool, bool)> = page
        .entries
        .iter()
        .map(|e| (e.version_id.as_str(), e.latest, e.marker))
        .collect();
    assert_eq!(ids, [("null", true, true), (e1.as_str(), false, false)]);
    assert_eq!(with_version(&env, "GET", key, &e1).body, b"enabled one");

    // Enabled again: a numbered version on top, the others kept.
    set_versioning(&env, BUCKET, "Enabled");
    let e2 = version_of(&put(&env, key, b"enabled two"));
    let page = list_page(&env, &[]);
    let ids: Vec<&str> = page.entries.iter().map(|e| e.version_id.as_str()).collect();
    assert_eq!(ids, [e2.as_str(), "null", e1.as_str()]);
    with_version(&env, "GET", key, "null").assert_error(405, "MethodNotAllowed");
    assert_eq!(env.get(BUCKET, key).body, b"enabled two");
}

// ---------------------------------------------------------------------------------------------
// 5. Unknown and malformed version ids

#[test]
fn unknown_and_malformed_version_ids() {
    let env = versioned_env();
    let key = "k";
    let v1 = version_of(&put(&env, key, b"one"));
    let unknown = "0".repeat(32);
    assert_ne!(v1, unknown);
    for (k, id) in [
        (key, unknown.as_str()),
        ("missing-key", unknown.as_str()),
        (key, "null"),
    ] {
        let get = with_version(&env, "GET", k, id);
        get.assert_error(404, "NoSuchVersion");
        with_version(&env, "HEAD", k, id).assert_head_error(404);
    }
    let upper = v1.to_ascii_uppercase();
    for bad in [
        "abc",
        "",
        "not a version",
        &upper,
        &format!("{v1}0"),
        "NULL",
    ] {
        if bad == v1 {
            continue;
        }
        for method in ["GET", "DELETE"] {
            with_version(&env, method, key, bad).assert_error(400, "InvalidArgument");
        }
        with_version(&env, "HEAD", key, bad).assert_head_error(400);
    }
    // Nothing was removed.
    assert_eq!(with_version(&env, "GET", key, &v1).body, b"one");
    assert_eq!(list_page(&env, &[]).entries.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// 6. Versioned writes and deletes under storage faults

/// Every listed version of every key reads back by id with the bytes its ETag names, the
/// current object agrees with the entry listed as latest, and each key has one latest entry.
#[track_caller]
fn assert_versions_coherent(env: &Env, what: &str) {
    let listed = full_listing(env, &[]);
    let mut by_key: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for item in listed {
        let Item::V(e) = item else {
            panic!("{what}: a prefix")
        };
        assert!(
            ids.insert((e.key.clone(), e.version_id.clone())),
            "{what}: twice {e:?}"
        );
        by_key.entry(e.key.clone()).or_default().push(e);
    }
    // ListObjectsV2 lists the keys whose latest version is an object.
    let objects: Vec<&String> = by_key
        .iter()
        .filter(|(_, list)| !list[0].marker)
        .map(|(key, _)| key)
        .collect();
    let (listed_keys, _) = env.walk_v2(BUCKET, &[]);
    assert_eq!(listed_keys.iter().collect::<Vec<_>>(), objects, "{what}");
    for (key, list) in &by_key {
        assert_eq!(
            list.iter().filter(|e| e.latest).count(),
            1,
            "{what}: {list:?}"
        );
        assert!(list[0].latest, "{what}: {list:?}");
        for e in list {
            let got = with_version(env, "GET", key, &e.version_id);
            if e.marker {
                got.assert_error(405, "MethodNotAllowed");
            } else {
                assert_eq!(got.status, 200, "{what}: {e:?} {}", got.text());
                assert_eq!(quoted_md5(&got.body), e.etag, "{what}: {e:?}");
            }
        }
        let current = env.get(BUCKET, key);
        if list[0].marker {
            assert_eq!(current.status, 404, "{what}: {}", current.text());
        } else {
            assert_eq!(current.status, 200, "{what}: {}", current.text());
            assert_eq!(quoted_md5(&current.body), list[0].etag, "{what}");
            assert_eq!(
                current.header("x-amz-version-id"),
                Some(list[0].version_id.as_str()),
                "{what}"
            );
        }
    }
}

struct Fixture {
    env: Env,
    /// (version id, bytes), oldest first.
    versions: Vec<(String, Vec<u8>)>,
}

const KEY: &str = "docs/report.txt";

fn fault_fixture() -> Fixture {
    let env = versioned_env();
    let mut versions = Vec::new();
    // One small body (kept in its record) and larger ones (blobs of their own).
    for body in [b"v1 small".to_vec(), vec![b'2'; 40_000], vec![b'3'; 70_000]] {
        let resp = put(&env, KEY, &body);
        assert_ok(&resp, 200);
        versions.push((version_of(&resp), body));
    }
    assert_ok(&put(&env, "neighbour", b"next door"), 200);
    Fixture { env, versions }
}

/// Runs `op` with a fault from every call in turn, then checks that no earlier version was
/// lost (`gone`, the version a successful op removes, excepted), that the listing agrees with
/// reads at once where it comes from the records (`interrupted`: unless a failed op left work
/// to finish) and after the cleanup pass, and that a retry succeeds and leaves everything
/// coherent.
fn under_faults(
    name: &str,
    op: impl Fn(&Fixture) -> Resp,
    ok: u16,
    gone: Option<usize>,
    interrupted: bool,
) {
    let fixture = fault_fixture();
    let before = fixture.env.store.calls();
    assert_ok(&op(&fixture), ok);
    let calls = fixture.env.store.calls() - before;
    eprintln!("{name} makes {calls} storage calls");
    let check_versions = |fixture: &Fixture, what: &str, succeeded: bool| {
        let env = &fixture.env;
        for (i, (id, body)) in fixture.versions.iter().enumerate() {
            let got = with_version(env, "GET", KEY, id);
            if gone == Some(i) && (succeeded || got.status == 404) {
                got.assert_error(404, "NoSuchVersion");
                continue;
            }
            assert_eq!(got.status, 200, "{what}: version {i}: {}", got.text());
            assert_eq!(&got.body, body, "{what}: version {i}");
        }
        assert_eq!(env.get(BUCKET, "neighbour").body, b"next door", "{what}");
        assert_eq!(versions(env, &[]).status, 200, "{what}");
    };
    for fault in Fault::ALL {
        let mut outcomes = Vec::new();
        for n in 1..=calls + 1 {
            let fixture = fault_fixture();
            let env = &fixture.env;
            env.store.fail_from_call_with(n, fault);
            let resp = op(&fixture);
            env.store.heal();
            let what = format!("{name}, {fault:?} at call {n}");
            if resp.status != ok {
                resp.assert_error(500, "InternalError");
            }
            check_versions(&fixture, &what, resp.status == ok);
            // Where the listing comes from R2 index entries, an entry written ahead of a failed
            // record write lists a version that never was until the sweep repairs it (as for
            // unversioned overwrites); listing from the records, it agrees at once.
            let unfinished = interrupted && resp.status != ok;
            if env.store.lists_objects() && !unfinished {
                assert_versions_coherent(env, &what);
            }
            // The cleanup pass keeps every version, and the listing agrees with reads.
            env.sweep();
            let what_swept = format!("{what}, after the sweep");
            check_versions(&fixture, &what_swept, resp.status == ok);
            assert_versions_coherent(env, &what_swept);
            // A retry succeeds and finishes the job.
            let retry = op(&fixture);
            assert_eq!(retry.status, ok, "{what}, retried: {}", retry.text());
            let what_retried = format!("{what}, retried");
            check_versions(&fixture, &what_retried, true);
            assert_versions_coherent(env, &what_retried);
            outcomes.push((n, resp.status));
        }
        eprintln!("{name}, {fault:?}: {outcomes:?}");
        assert_eq!(outcomes.last().unwrap().1, ok, "{name}: {outcomes:?}");
        assert!(
            outcomes.iter().any(|(_, s)| *s != ok),
            "{name}: {outcomes:?}"
        );
    }
}

#[test]
fn versioned_overwrite_under_faults_keeps_every_version() {
    under_faults(
        "a versioned overwrite",
        |f| put(&f.env, KEY, &[b'4'; 50_000]),
        200,
        None,
        false,
    );
    under_faults(
        "a small versioned overwrite",
        |f| put(&f.env, KEY, b"v4 small"),
        200,
        None,
        false,
    );
}

#[test]
fn delete_marker_under_faults_keeps_every_version() {
    under_faults(
        "a delete marker",
        |f| f.env.delete(BUCKET, KEY),
        204,
        None,
        false,
    );
}

#[test]
fn version_removal_under_faults_keeps_the_others() {
    for (i, name) in [
        (0, "removal of the oldest"),
        (1, "removal of the middle"),
        (2, "removal of the current"),
    ] {
        under_faults(
            name,
            move |f| with_version(&f.env, "DELETE", KEY, &f.versions[i].0),
            204,
            Some(i),
            // Removing the current version, the record goes before the one under it is made
            // current: a failure between leaves that to the sweep or the retry.
            i == 2,
        );
    }
}

#[test]
fn removing_the_current_version_after_a_failed_overwrite_keeps_it_gone() {
    // A failed overwrite may leave an archived copy of the version still current; removing that
    // version by id must not bring the copy back (its bytes are gone with it).
    let probe = fault_fixture();
    let before = probe.env.store.calls();
    assert_ok(&put(&probe.env, KEY, &[b'4'; 50_000]), 200);
    let calls = probe.env.store.calls() - before;
    for fault in Fault::ALL {
        for n in 1..=calls {
            let fixture = fault_fixture();
            let env = &fixture.env;
            env.store.fail_from_call_with(n, fault);
            let failed = put(env, KEY, &[b'4'; 50_000]);
            env.store.heal();
            if failed.status == 200 {
                continue;
            }
            let what = format!("overwrite failed by {fault:?} at call {n}");
            let current = env.get(BUCKET, KEY);
            let current_id = current
                .header("x-amz-version-id")
                .unwrap_or_default()
                .to_string();
            assert_ok(&with_version(env, "DELETE", KEY, &current_id), 204);
            with_version(env, "GET", KEY, &current_id).assert_error(404, "NoSuchVersion");
            let now = env.get(BUCKET, KEY);
            assert_eq!(now.status, 200, "{what}: {}", now.text());
            assert_ne!(
                now.header("x-amz-version-id"),
                Some(current_id.as_str()),
                "{what}"
            );
            env.sweep();
            assert_versions_coherent(env, &what);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Object lock

const LOCKED: &str = "locked";
const DAY_MILLIS: i64 = 86_400_000;

fn lock_env() -> Env {
    let env = Env::new();
    let resp = env
        .req("PUT", &format!("/{LOCKED}"))
        .header("x-amz-bucket-object-lock-enabled", "true")
        .send();
    assert_ok(&resp, 200);
    env
}

fn put_locked(env: &Env, key: &str, body: &[u8], mode: Option<&str>, until: &str) -> Resp {
    let mut req = env
        .req("PUT", &object_path(LOCKED, key))
        .header("content-md5", &md5_b64(body))
        .body(body.to_vec());
    if let Some(mode) = mode {
        req = req
            .header("x-amz-object-lock-mode", mode)
            .header("x-amz-object-lock-retain-until-date", until);
    }
    req.send()
}

fn locked_version(env: &Env, method: &str, key: &str, id: &str, bypass: bool) -> Resp {
    let mut req = env
        .req(method, &object_path(LOCKED, key))
        .query(&query_string(&[("versionId", id)]));
    if bypass {
        req = req.header("x-amz-bypass-governance-retention", "true");
    }
    req.send()
}

fn legal_hold(env: &Env, key: &str, id: &str, status: &str) -> Resp {
    let body = format!("<LegalHold><Status>{status}</Status></LegalHold>").into_bytes();
    env.req("PUT", &object_path(LOCKED, key))
        .query(&query_string(&[("legal-hold", ""), ("versionId", id)]))
        .header("content-md5", &md5_b64(&body))
        .body(body)
        .send()
}

#[test]
fn retention_and_legal_hold_guard_version_removal() {
    let mut env = lock_env();
    // One day after the harness clock (2026-01-01T00:00:00Z).
    let until = "2026-01-02T00:00:00Z";
    let gov = put_locked(&env, "gov", b"governed", Some("GOVERNANCE"), until);
    assert_ok(&gov, 200);
    let gov = version_of(&gov);
    let comp = put_locked(&env, "comp", b"complied", Some("COMPLIANCE"), until);
    assert_ok(&comp, 200);
    let comp = version_of(&comp);
    let head = locked_version(&env, "HEAD", "comp", &comp, false);
    assert_ok(&head, 200);
    assert_eq!(head.header("x-amz-object-lock-mode"), Some("COMPLIANCE"));
    assert!(head
        .header("x-amz-object-lock-retain-until-date")
        .is_some_and(|d| d.starts_with("2026-01-02T00:00:00")));

    // Neither version can be removed while retained.
    for (key, id) in [("gov", &gov), ("comp", &comp)] {
        locked_version(&env, "DELETE", key, id, false).assert_error(403, "AccessDenied");
        assert_ok(&locked_version(&env, "GET", key, id, false), 200);
    }
    // The owner may bypass GOVERNANCE, never COMPLIANCE.
    locked_version(&env, "DELETE", "comp", &comp, true).assert_error(403, "AccessDenied");
    assert_eq!(
        locked_version(&env, "GET", "comp", &comp, false).body,
        b"complied"
    );
    assert_ok(&locked_version(&env, "DELETE", "gov", &gov, true), 204);
    locked_version(&env, "GET", "gov", &gov, false).assert_error(404, "NoSuchVersion");

    // A delete without a version id places a marker over a locked version.
    let marker = env.delete(LOCKED, "comp");
    assert_ok(&marker, 204);
    assert_eq!(marker.header("x-amz-delete-marker"), Some("true"));
    let marker = version_of(&marker);
    env.get(LOCKED, "comp").assert_error(404, "NoSuchKey");
    assert_eq!(
        locked_version(&env, "GET", "comp", &comp, false).body,
        b"complied"
    );
    // The marker itself is not protected.
    assert_ok(&locked_version(&env, "DELETE", "comp", &marker, false), 204);
    assert_eq!(env.get(LOCKED, "comp").body, b"complied");

    // Past the retain-until date the version can go.
    advance(&mut env, DAY_MILLIS + 1000);
    assert_ok(&locked_version(&env, "DELETE", "comp", &comp, false), 204);
    locked_version(&env, "GET", "comp", &comp, false).assert_error(404, "NoSuchVersion");

    // A legal hold blocks removal, bypass or not, until it is lifted.
    let held = put_locked(&env, "held", b"on hold", None, "");
    assert_ok(&held, 200);
    let held = version_of(&held);
    assert_ok(&legal_hold(&env, "held", &held, "ON"), 200);
    locked_version(&env, "DELETE", "held", &held, false).assert_error(403, "AccessDenied");
    locked_version(&env, "DELETE", "held", &held, true).assert_error(403, "AccessDenied");
    assert_eq!(
        locked_version(&env, "GET", "held", &held, false).body,
        b"on hold"
    );
    assert_ok(&legal_hold(&env, "held", &held, "OFF"), 200);
    assert_ok(&locked_version(&env, "DELETE", "held", &held, false), 204);
    locked_version(&env, "GET", "held", &held, false).assert_error(404, "NoSuchVersion");
}

#[test]
fn retention_in_the_past_or_without_a_digest_is_refused() {
    let env = lock_env();
    // Retain-until already passed.
    put_locked(&env, "k", b"x", Some("GOVERNANCE"), "2025-12-31T00:00:00Z")
        .assert_error(400, "InvalidArgument");
    // A locked put without Content-MD5 (or another checksum).
    env.req("PUT", &object_path(LOCKED, "k"))
        .header("x-amz-object-lock-mode", "GOVERNANCE")
        .header(
            "x-amz-object-lock-retain-until-date",
            "2026-01-02T00:00:00Z",
        )
        .body(b"x".to_vec())
        .send()
        .assert_error(400, "InvalidRequest");
    assert_eq!(list_page_in(&env, LOCKED).len(), 0);
}

fn list_page_in(env: &Env, bucket: &str) -> Vec<Entry> {
    let resp = env
        .req("GET", &format!("/{bucket}"))
        .query("versions")
        .send();
    assert_ok(&resp, 200);
    parse_page(resp.text()).entries
}
