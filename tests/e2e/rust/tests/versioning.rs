//! s3edge end-to-end test of a versioned round trip with aws-sdk-s3 at default settings:
//! enable versioning, two versions of a key, read by version id, list versions, delete
//! marker, restore by deleting the marker, delete every version by id, delete the bucket.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, Delete, ObjectIdentifier, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use s3edge_e2e::*;

async fn get_body(
    c: &Client,
    bucket: &str,
    key: &str,
    version: Option<&str>,
) -> (Vec<u8>, Option<String>) {
    let out = c
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_version_id(version.map(str::to_string))
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key} {version:?}: {}", describe(&e)));
    let vid = out.version_id().map(str::to_string);
    let body = out
        .body
        .collect()
        .await
        .expect("read body")
        .into_bytes()
        .to_vec();
    (body, vid)
}

/// (key, version id, is latest) of every version, then of every delete marker.
async fn list_versions(
    c: &Client,
    bucket: &str,
) -> (Vec<(String, String, bool)>, Vec<(String, String, bool)>) {
    let out = c
        .list_object_versions()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list versions: {}", describe(&e)));
    assert_ne!(out.is_truncated(), Some(true));
    let versions = out
        .versions()
        .iter()
        .map(|v| {
            (
                v.key().unwrap_or_default().to_string(),
                v.version_id().unwrap_or_default().to_string(),
                v.is_latest() == Some(true),
            )
        })
        .collect();
    let markers = out
        .delete_markers()
        .iter()
        .map(|m| {
            (
                m.key().unwrap_or_default().to_string(),
                m.version_id().unwrap_or_default().to_string(),
                m.is_latest() == Some(true),
            )
        })
        .collect();
    (versions, markers)
}

/// Deletes every version and delete marker of the bucket by id (the guard's cleanup only
/// deletes current objects, which in a versioned bucket leaves the versions behind).
async fn delete_all_versions(c: &Client, bucket: &str) -> Result<usize, String> {
    let (versions, markers) = list_versions(c, bucket).await;
    let ids: Vec<ObjectIdentifier> = versions
        .iter()
        .chain(markers.iter())
        .map(|(k, v, _)| {
            ObjectIdentifier::builder()
                .key(k)
                .version_id(v)
                .build()
                .unwrap()
        })
        .collect();
    let n = ids.len();
    if n == 0 {
        return Ok(0);
    }
    let out = c
        .delete_objects()
        .bucket(bucket)
        .delete(Delete::builder().set_objects(Some(ids)).build().unwrap())
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if !out.errors().is_empty() {
        return Err(format!("{:?}", out.errors()));
    }
    let mut deleted: Vec<String> = out
        .deleted()
        .iter()
        .map(|d| d.version_id().unwrap_or_default().to_string())
        .collect();
    deleted.sort();
    let mut wanted: Vec<String> = versions
        .iter()
        .chain(markers.iter())
        .map(|(_, v, _)| v.clone())
        .collect();
    wanted.sort();
    if deleted != wanted {
        return Err(format!("deleted {deleted:?}, expected {wanted:?}"));
    }
    Ok(n)
}

/// Deletes every version, then the guard's bucket, even when the test panics.
struct VersionedBucket(TestBucket);

impl Drop for VersionedBucket {
    fn drop(&mut self) {
        let name = self.0.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let _ = delete_all_versions(&client(), &name).await;
                });
            }
        })
        .join();
        // Then TestBucket's own drop empties and deletes the bucket.
    }
}

#[tokio::test]
async fn versioned_round_trip() {
    let c = client();
    let guard = VersionedBucket(TestBucket::new(&c).await);
    let bucket = guard.0.name.clone();
    let key = "doc/versioned.txt";
    let first = b"first version\n".to_vec();
    let second = b"second version, longer\n".to_vec();

    let before = c
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect("get versioning");
    assert_eq!(before.status(), None);
    c.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put versioning: {}", describe(&e)));
    let state = c
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .expect("get versioning");
    assert_eq!(state.status(), Some(&BucketVersioningStatus::Enabled));

    // Two puts of the same key: two distinct, non-null version ids.
    let mut ids = Vec::new();
    for body in [&first, &second] {
        let out = c
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("put: {}", describe(&e)));
        assert_eq!(out.e_tag(), Some(md5_etag(body).as_str()));
        let vid = out
            .version_id()
            .expect("put returns a version id")
            .to_string();
        assert!(!vid.is_empty() && vid != "null", "version id {vid:?}");
        ids.push(vid);
    }
    let (v1, v2) = (ids[0].clone(), ids[1].clone());
    assert_ne!(v1, v2);

    assert_eq!(
        get_body(&c, &bucket, key, None).await,
        (second.clone(), Some(v2.clone()))
    );
    assert_eq!(
        get_body(&c, &bucket, key, Some(&v1)).await,
        (first.clone(), Some(v1.clone()))
    );

    // Both listed, newest first, IsLatest only on the newest.
    let (versions, markers) = list_versions(&c, &bucket).await;
    assert_eq!(
        versions,
        vec![
            (key.to_string(), v2.clone(), true),
            (key.to_string(), v1.clone(), false)
        ]
    );
    assert!(markers.is_empty(), "{markers:?}");

    // Delete without a version id: a delete marker.
    let del = c
        .delete_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete: {}", describe(&e)));
    assert_eq!(del.delete_marker(), Some(true));
    let marker = del
        .version_id()
        .expect("the marker's version id")
        .to_string();
    assert!(
        marker != v1 && marker != v2 && marker != "null",
        "marker id {marker:?}"
    );

    let err = c
        .get_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .expect_err("the key reads as deleted");
    assert_eq!(status_and_code(&err), (404, "NoSuchKey".to_string()));
    assert!(err.into_service_error().is_no_such_key());
    assert_eq!(get_body(&c, &bucket, key, Some(&v1)).await.0, first);

    let (versions, markers) = list_versions(&c, &bucket).await;
    assert_eq!(markers, vec![(key.to_string(), marker.clone(), true)]);
    assert_eq!(
        versions,
        vec![
            (key.to_string(), v2.clone(), false),
            (key.to_string(), v1.clone(), false)
        ]
    );

    // Deleting the marker by its id restores the second version.
    let unmark = c
        .delete_object()
        .bucket(&bucket)
        .key(key)
        .version_id(&marker)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete marker: {}", describe(&e)));
    assert_eq!(unmark.version_id(), Some(marker.as_str()));
    assert_eq!(
        get_body(&c, &bucket, key, None).await,
        (second.clone(), Some(v2.clone()))
    );
    let (versions, markers) = list_versions(&c, &bucket).await;
    assert!(markers.is_empty(), "{markers:?}");
    assert_eq!(
        versions,
        vec![
            (key.to_string(), v2.clone(), true),
            (key.to_string(), v1.clone(), false)
        ]
    );

    // Cleanup: every version by id, then the empty bucket.
    assert_eq!(delete_all_versions(&c, &bucket).await, Ok(2));
    let (versions, markers) = list_versions(&c, &bucket).await;
    assert!(
        versions.is_empty() && markers.is_empty(),
        "{versions:?} {markers:?}"
    );
    c.delete_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete bucket: {}", describe(&e)));
    let err = c
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect_err("bucket is gone");
    assert_eq!(status_and_code(&err).0, 404);
    drop(guard);
}
