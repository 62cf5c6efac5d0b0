//! The storage-call budget of each operation (README, "Storage-call budget"), counted over the
//! in-memory store as KV and R2 would be called, or, with `S3EDGE_TEST_META_STORE=durable-object`,
//! as the Durable-Object metadata store and R2 would be. Each figure is exact: a change that adds
//! a storage call to an operation fails here and updates the README's table with it.

mod common;

use common::*;
use s3edge::store::MetaStore;

const BUCKET: &str = "budget";

/// The calls `request` made.
fn calls(env: &Env, request: impl FnOnce() -> Resp, status: u16) -> usize {
    let before = env.store.calls();
    let resp = request();
    assert_eq!(resp.status, status, "{}", resp.text());
    env.store.calls() - before
}

/// A store with the Worker's default `S3EDGE_INLINE_MAX`, whatever the test run's.
fn budget_env() -> Env {
    let mut env = Env::new();
    env.config.inline_max = s3edge::context::DEFAULT_INLINE_MAX;
    env
}

/// (KV store, Durable-Object store)
fn budget(env: &Env, kv: usize, durable_object: usize) -> usize {
    if env.store.lists_objects() {
        durable_object
    } else {
        kv
    }
}

/// A body over the default `S3EDGE_INLINE_MAX`: the object gets a blob of its own.
fn blob_sized(byte: u8) -> Vec<u8> {
    vec![byte; s3edge::context::DEFAULT_INLINE_MAX as usize + 1]
}

#[test]
fn single_object_operations_on_a_blob() {
    let env = budget_env();
    assert_eq!(env.create_bucket(BUCKET).status, 200);

    // The bucket's record (for authorization), the key's (for the commit to expect), the blob,
    // the listing-index entry (KV only), the record: a read and a write on KV, one call on a
    // Durable Object.
    let put = calls(&env, || env.put(BUCKET, "k", &blob_sized(b'1')), 200);
    assert_eq!(put, budget(&env, 5, 3), "PutObject of a new key");
    // An overwrite also retires the previous blob.
    let overwrite = calls(&env, || env.put(BUCKET, "k", &blob_sized(b'2')), 200);
    assert_eq!(overwrite, budget(&env, 6, 4), "PutObject over an object");
    // One bulk read of the object's record and the bucket's, then the blob.
    let get = calls(&env, || env.get(BUCKET, "k"), 200);
    assert_eq!(get, 2, "GetObject");
    record_only_operations(&env);
    // The records read together, the record deleted, the blob and index entry in one R2 call.
    let delete = calls(&env, || env.delete(BUCKET, "k"), 204);
    assert_eq!(delete, 3, "DeleteObject");
}

#[test]
fn single_object_operations_kept_in_the_record() {
    let env = budget_env();
    assert_eq!(env.create_bucket(BUCKET).status, 200);

    // The same as for a blob, less the blob: the bytes are in the record.
    let put = calls(&env, || env.put(BUCKET, "k", b"first"), 200);
    assert_eq!(put, budget(&env, 4, 2), "PutObject of a new key");
    // Nothing to retire.
    let overwrite = calls(&env, || env.put(BUCKET, "k", b"second"), 200);
    assert_eq!(overwrite, budget(&env, 4, 2), "PutObject over an object");
    // One bulk read of the object's record and the bucket's, which hold everything.
    let get = calls(&env, || env.get(BUCKET, "k"), 200);
    assert_eq!(get, 1, "GetObject");
    record_only_operations(&env);
    // The records read together, the record deleted, and on KV the index entry.
    let delete = calls(&env, || env.delete(BUCKET, "k"), 204);
    assert_eq!(delete, budget(&env, 3, 2), "DeleteObject");
    assert!(env.blobs().is_empty(), "{:?}", env.blobs());
}

/// HEAD and tagging of the object `k`, which read and write its record alone.
fn record_only_operations(env: &Env) {
    let head = calls(
        env,
        || env.req("HEAD", &object_path(BUCKET, "k")).send(),
        200,
    );
    assert_eq!(head, 1, "HeadObject");
    let tag = calls(
        env,
        || {
            env.req("PUT", &object_path(BUCKET, "k"))
                .query("tagging")
                .body(
                    b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
                        .to_vec(),
                )
                .send()
        },
        200,
    );
    // Authorization's bulk read, the read the conditional write expects, the write.
    assert_eq!(tag, budget(env, 4, 3), "PutObjectTagging");
}

/// The storage calls of a DeleteObjects of 1,000 keys, each holding `body`; checks that
/// nothing of them is left.
fn delete_1000_keys(body: &[u8]) -> (Env, usize) {
    let env = budget_env();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    let keys: Vec<String> = (0..1000).map(|i| format!("dir/{i:04}")).collect();
    for key in &keys {
        assert_eq!(env.put(BUCKET, key, body).status, 200);
    }
    let request: String = format!(
        "<Delete><Quiet>true</Quiet>{}</Delete>",
        keys.iter()
            .map(|k| format!("<Object><Key>{k}</Key></Object>"))
            .collect::<String>()
    );
    let made = calls(
        &env,
        || {
            env.req("POST", &format!("/{BUCKET}"))
                .query("delete")
                .header("content-md5", &md5_b64(request.as_bytes()))
                .body(request.clone().into_bytes())
                .send()
        },
        200,
    );
    assert!(env.blobs().is_empty(), "{:?}", env.blobs());
    assert!(env.index_entries().is_empty());
    let listed = ListPage::parse(&env.list_v2(BUCKET, &[]).text());
    assert!(listed.contents.is_empty(), "{listed:?}");
    (env, made)
}

#[test]
fn delete_objects_of_1000_keys() {
    let (env, made) = delete_1000_keys(&blob_sized(b'x'));
    eprintln!("DeleteObjects of 1,000 keys: {made} storage calls");
    // KV: four invocations of 250 keys (this one and three it sends parts to), each reading
    // the bucket's record, three bulk reads of at most 100 records, a delete per record (KV's
    // binding has no batch delete), and one R2 batch (250 blobs, 250 index entries).
    // Durable Objects: the bucket's record, the 1,000 records in one read, deleted in one call,
    // the 1,000 blobs in one R2 batch, all in this invocation.
    assert_eq!(made, budget(&env, 4 * (1 + 3 + 250 + 1), 4));
    assert_eq!(env.delegated(), budget(&env, 3, 0) as u64);
}

#[test]
fn delete_objects_of_1000_keys_kept_in_their_records() {
    let (env, made) = delete_1000_keys(b"x");
    // No blobs: on KV each invocation's R2 batch holds index entries alone, on Durable Objects
    // there is no R2 call at all.
    assert_eq!(made, budget(&env, 4 * (1 + 3 + 250 + 1), 3));
    assert_eq!(env.delegated(), budget(&env, 3, 0) as u64);
}

#[test]
fn a_listing_page_of_1000_keys() {
    let env = budget_env();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    for i in 0..1500 {
        assert_eq!(env.put(BUCKET, &format!("k{i:05}"), b"x").status, 200);
    }
    let page = calls(&env, || env.list_v2(BUCKET, &[]), 200);
    // The bucket's record, then R2's ten pages of 100 entries with metadata (the last one's
    // cursor tells the page is truncated), or one range read of a Durable Object.
    assert_eq!(page, budget(&env, 1 + 10, 2), "ListObjectsV2, 1,000 keys");
}

#[test]
fn a_page_of_1000_multipart_uploads() {
    let env = Env::new();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    let create = |i: usize| {
        let resp = env
            .req("POST", &object_path(BUCKET, &format!("u{i:05}")))
            .query("uploads")
            .send();
        assert_eq!(resp.status, 200, "{}", resp.text());
    };
    let page = |query: &str| {
        calls(
            &env,
            || {
                env.req("GET", &format!("/{BUCKET}"))
                    .query(&format!("uploads{query}"))
                    .send()
            },
            200,
        )
    };
    let first = calls(
        &env,
        || {
            env.req("POST", &object_path(BUCKET, "u00000"))
                .query("uploads")
                .send()
        },
        200,
    );
    // The bucket's record, the upload's record, its upload-index entry.
    assert_eq!(first, 3, "CreateMultipartUpload");
    for i in 1..2100 {
        create(i);
    }
    // The bucket's record, then R2's ten pages of 100 index entries with metadata (the last
    // one's cursor tells the page is truncated), on either metadata store: uploads live in R2.
    assert_eq!(page(""), 1 + 10, "ListMultipartUploads, 1,000 of 2,100");
    for i in 2100..4200 {
        create(i);
    }
    assert_eq!(page(""), 1 + 10, "ListMultipartUploads, 1,000 of 4,200");
    assert_eq!(
        page("&key-marker=u02500"),
        1 + 10,
        "ListMultipartUploads from a key-marker"
    );
}
