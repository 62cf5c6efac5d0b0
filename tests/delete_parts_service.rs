//! DeleteObjects requests larger than one invocation's storage calls allow: the service keeps a
//! part and sends the others to new invocations of itself (`auth::delegated`; here a loopback
//! over the same store), on behalf of the same caller, and answers for every key once.

mod common;

use common::*;
use s3edge::auth::credentials::{default_account_id, default_canonical_id};
use s3edge::ops::delete::keys_per_invocation;
use s3edge::store::MetaStore;
use std::collections::BTreeSet;

const BUCKET: &str = "parts";

#[track_caller]
fn ok(resp: Resp, status: u16) -> Resp {
    assert_eq!(resp.status, status, "{}", resp.text());
    resp
}

fn delete_objects(
    env: &Env,
    user: Cred,
    objects: &[(String, Option<String>)],
    quiet: bool,
) -> Resp {
    let body = format!(
        "<Delete><Quiet>{quiet}</Quiet>{}</Delete>",
        objects
            .iter()
            .map(|(key, version)| match version {
                Some(v) => format!("<Object><Key>{key}</Key><VersionId>{v}</VersionId></Object>"),
                None => format!("<Object><Key>{key}</Key></Object>"),
            })
            .collect::<String>()
    );
    env.req("POST", &format!("/{BUCKET}"))
        .query("delete")
        .user(user)
        .header("content-md5", &md5_b64(body.as_bytes()))
        .body(body.into_bytes())
        .send()
}

/// The parts a request of `keys` keys is cut into beyond the first (0: all done in one).
fn parts_sent(env: &Env, keys: usize, versioned: bool) -> u64 {
    let per_invocation = keys_per_invocation(env.store.lists_objects(), versioned);
    (keys.div_ceil(per_invocation) - 1) as u64
}

fn enable_versioning(env: &Env) {
    let config = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    ok(
        env.req("PUT", &format!("/{BUCKET}"))
            .query("versioning")
            .body(config.as_bytes().to_vec())
            .send(),
        200,
    );
}

fn keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("dir/{i:04}")).collect()
}

#[test]
fn every_key_of_1000_is_deleted_and_answered_once() {
    let env = Env::new();
    ok(env.create_bucket(BUCKET), 200);
    let keys = keys(1000);
    for key in &keys {
        ok(env.put(BUCKET, key, key.as_bytes()), 200);
    }
    ok(env.put(BUCKET, "kept", b"kept"), 200);
    let objects: Vec<_> = keys.iter().map(|k| (k.clone(), None)).collect();
    let resp = ok(delete_objects(&env, ALICE, &objects, false), 200);
    assert_eq!(env.delegated(), parts_sent(&env, 1000, false));
    let deleted = xml_values(&resp.text(), "Key");
    assert_eq!(deleted.len(), 1000, "each key answered once");
    assert_eq!(
        deleted.iter().collect::<BTreeSet<_>>(),
        keys.iter().collect::<BTreeSet<_>>()
    );
    assert!(
        xml_values(&resp.text(), "Code").is_empty(),
        "{}",
        resp.text()
    );
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(listed.keys(), ["kept"]);
    for key in keys.iter().step_by(97) {
        env.get(BUCKET, key).assert_error(404, "NoSuchKey");
    }
}

#[test]
fn the_parts_act_for_the_caller() {
    let env = Env::new();
    ok(env.create_bucket(BUCKET), 200);
    enable_versioning(&env);
    let keys = keys(1000);
    for key in &keys {
        ok(env.put(BUCKET, key, b"x"), 200);
    }
    // Bob may delete dir/0000 to dir/0799 alone.
    let resources: Vec<String> = (0..8)
        .map(|d| format!(r#""arn:aws:s3:::{BUCKET}/dir/0{d}*""#))
        .collect();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"s3:DeleteObject","Resource":[{}]}}]}}"#,
        default_account_id(BOB.access_key),
        resources.join(",")
    );
    ok(
        env.req("PUT", &format!("/{BUCKET}"))
            .query("policy")
            .body(policy.into_bytes())
            .send(),
        204,
    );
    let objects: Vec<_> = keys.iter().rev().map(|k| (k.clone(), None)).collect();
    let resp = ok(delete_objects(&env, BOB, &objects, true), 200);
    let text = resp.text();
    // Quiet: only the errors, each key once.
    let refused: BTreeSet<String> = xml_values(&text, "Key").into_iter().collect();
    let expected: Vec<String> = keys.iter().skip(800).cloned().collect();
    assert_eq!(refused, expected.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(xml_values(&text, "Code").len(), 200);
    assert!(xml_values(&text, "Code")
        .iter()
        .all(|c| c == "AccessDenied"));
    assert_eq!(env.delegated(), parts_sent(&env, 800, true));
    assert!(env.delegated() > 0);
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert_eq!(listed.keys(), expected);
    // Every delete marker, whichever invocation placed it, is Bob's.
    for prefix in ["dir/00", "dir/03", "dir/07"] {
        let versions = env
            .req("GET", &format!("/{BUCKET}"))
            .query(&format!("versions=&prefix={prefix}"))
            .send()
            .text();
        let markers = xml_raw(&versions, "DeleteMarker");
        assert_eq!(markers.len(), 100, "{versions}");
        for marker in markers {
            assert_eq!(
                xml_values(&marker, "ID"),
                [default_canonical_id(BOB.access_key)]
            );
        }
    }
}

#[test]
fn versions_and_delete_markers_across_parts() {
    let env = Env::new();
    ok(env.create_bucket(BUCKET), 200);
    enable_versioning(&env);
    // 400 keys of two versions each (800 removals by id) and 200 keys given no id (a delete
    // marker each): 1,000 objects.
    let mut objects = Vec::new();
    for key in keys(400) {
        for body in [b"one".as_slice(), b"two"] {
            let resp = ok(env.put(BUCKET, &key, body), 200);
            let id = resp
                .header("x-amz-version-id")
                .expect("a version")
                .to_string();
            objects.push((key.clone(), Some(id)));
        }
    }
    let marked: Vec<String> = (0..200).map(|i| format!("marked/{i:03}")).collect();
    for key in &marked {
        ok(env.put(BUCKET, key, b"kept under a marker"), 200);
        objects.push((key.clone(), None));
    }
    let resp = ok(delete_objects(&env, ALICE, &objects, false), 200);
    assert_eq!(env.delegated(), parts_sent(&env, 1000, true));
    let text = resp.text();
    assert!(xml_values(&text, "Code").is_empty(), "{text}");
    assert_eq!(xml_values(&text, "Key").len(), 1000);
    // Each removal by id answers that id, each marker its own new id.
    let answered: BTreeSet<String> = xml_values(&text, "VersionId").into_iter().collect();
    let asked: BTreeSet<String> = objects.iter().filter_map(|(_, v)| v.clone()).collect();
    assert_eq!(answered, asked);
    assert_eq!(xml_values(&text, "DeleteMarkerVersionId").len(), 200);
    assert!(xml_values(&text, "DeleteMarker")
        .iter()
        .all(|v| v == "true"));

    let versions = env
        .req("GET", &format!("/{BUCKET}"))
        .query("versions")
        .send()
        .text();
    // Left: the 200 marked keys' versions and their markers, none of the 400 others.
    assert!(!versions.contains("<Key>dir/"), "{versions}");
    assert_eq!(xml_raw(&versions, "Version").len(), 200);
    assert_eq!(xml_raw(&versions, "DeleteMarker").len(), 200);
}

#[test]
fn a_client_cannot_pass_for_a_part() {
    let env = Env::new();
    ok(env.create_bucket(BUCKET), 200);
    ok(env.put(BUCKET, "k", b"x"), 200);
    let body = "<Delete><Object><Key>k</Key></Object></Delete>";
    for (user, value) in [
        (
            Some(ALICE),
            "9999999999999;header-v4;AKIDALICE0000000001;00".to_string(),
        ),
        (
            None,
            format!("9999999999999;anonymous;-;{}", "ab".repeat(32)),
        ),
    ] {
        let mut req = env
            .req("POST", &format!("/{BUCKET}"))
            .query("delete")
            .header("content-md5", &md5_b64(body.as_bytes()))
            .header("x-s3edge-delegated", &value)
            .body(body.as_bytes().to_vec());
        if user.is_none() {
            req = req.anonymous();
        }
        req.send().assert_error(403, "AccessDenied");
    }
    assert_eq!(env.get(BUCKET, "k").body, b"x");
}
