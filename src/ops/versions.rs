//! GetBucketVersioning and ListObjectVersions for buckets that were never versioned (s3edge has
//! no versioning yet, so every bucket is one): every object is its one `null` version. Follows
//! the S3 API Reference "ListObjectVersions" and "GetBucketVersioning"; pages come from
//! `listing`, the engine ListObjects uses, so a page costs the same bounded number of R2 calls.

use super::list::{bucket_owner, encoding_type, invalid_argument, max_keys, object_owner};
use super::owned_bucket;
use crate::checksum::ChecksumAlgorithm;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::S3Error;
use crate::listing::{self, ListItem, ListQuery};
use crate::store::{BlobStore, MetaStore};
use crate::xml::{self, ListVersionsResult, ObjectEntry, VersionEntry};

/// The version id of an object written while its bucket was never versioned.
pub const NULL_VERSION: &str = "null";

/// The key a page starts after, from `key-marker` and `version-id-marker`. S3's rules: a
/// version-id marker needs a key marker; a version id must be one the bucket can have (here
/// only `null`). As each key has one version, "after version `null` of K" is "after K", the
/// same as a key marker alone.
pub fn start_after(
    key_marker: Option<&str>,
    version_id_marker: Option<&str>,
) -> Result<Option<String>, S3Error> {
    let key_marker = key_marker.filter(|k| !k.is_empty());
    if let Some(version) = version_id_marker.filter(|v| !v.is_empty()) {
        if key_marker.is_none() {
            return Err(invalid_argument(
                "version-id-marker",
                version,
                "A version-id marker cannot be specified without a key marker.",
            ));
        }
        if version != NULL_VERSION {
            return Err(invalid_argument(
                "version-id-marker",
                version,
                "Invalid version id specified",
            ));
        }
    }
    Ok(key_marker.map(str::to_string))
}

pub async fn get_bucket_versioning<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    owned_bucket(ctx, call).await?;
    Ok(Response::xml(200, xml::versioning_never_enabled()))
}

pub async fn list_object_versions<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let encoding_type = encoding_type(head)?;
    let prefix = head.query_param("prefix").unwrap_or_default();
    let delimiter = head.query_param("delimiter").filter(|d| !d.is_empty());
    let max_keys = max_keys(head)?;
    let key_marker = head.query_param("key-marker").unwrap_or_default();
    let version_id_marker = head.query_param("version-id-marker").unwrap_or_default();
    let start_after = start_after(Some(&key_marker), Some(&version_id_marker))?;
    let bucket_record = owned_bucket(ctx, call).await?;
    let page = listing::list_objects(
        ctx.store,
        call.bucket(),
        &ListQuery {
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            start_after,
            max_keys,
        },
    )
    .await?;

    let owner = bucket_owner(ctx, &bucket_record);
    // The next page starts after the last key (its null version) or common prefix returned.
    let next_version_id_marker = match page.items.last() {
        Some(ListItem::Object(o)) if page.resume_after.as_deref() == Some(o.key.as_str()) => {
            Some(NULL_VERSION.to_string())
        }
        _ => None,
    }
    .filter(|_| page.is_truncated);
    let mut versions = Vec::new();
    let mut common_prefixes = Vec::new();
    for item in page.items {
        match item {
            ListItem::Object(o) => versions.push(VersionEntry {
                object: ObjectEntry {
                    key: o.key,
                    last_modified_millis: o.last_modified_millis,
                    etag: o.etag,
                    size: o.size,
                    storage_class: o.storage_class,
                    owner: Some(match &o.owner {
                        Some(id) if *id != owner.id => object_owner(ctx, id),
                        _ => owner.clone(),
                    }),
                    checksum_type: o.checksum_type,
                    checksum_algorithm: o
                        .checksum_algorithm
                        .as_deref()
                        .and_then(ChecksumAlgorithm::from_name),
                },
                version_id: NULL_VERSION.to_string(),
                is_latest: true,
            }),
            ListItem::CommonPrefix(p) => common_prefixes.push(p),
        }
    }
    let result = ListVersionsResult {
        name: call.bucket().to_string(),
        prefix,
        key_marker,
        version_id_marker,
        next_key_marker: page.resume_after.filter(|_| page.is_truncated),
        next_version_id_marker,
        max_keys: max_keys as u32,
        delimiter,
        encoding_type,
        is_truncated: page.is_truncated,
        versions,
        common_prefixes,
    };
    Ok(Response::xml(200, result.to_xml()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn markers_follow_s3_rules() {
        assert_eq!(start_after(None, None).unwrap(), None);
        assert_eq!(start_after(Some(""), Some("")).unwrap(), None);
        assert_eq!(start_after(Some("k"), None).unwrap().as_deref(), Some("k"));
        assert_eq!(
            start_after(Some("k"), Some("")).unwrap().as_deref(),
            Some("k")
        );
        // After the null version of K: the next key.
        assert_eq!(
            start_after(Some("a b/c"), Some("null")).unwrap().as_deref(),
            Some("a b/c")
        );
        for (key, version) in [(None, "null"), (Some(""), "null"), (None, "3HL4kqtJ")] {
            let err = start_after(key, Some(version)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument);
            assert!(
                err.message.contains("without a key marker"),
                "{}",
                err.message
            );
        }
        let err = start_after(Some("k"), Some("3HL4kqtJlcpXroDTDmJ")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.message, "Invalid version id specified");
    }
}
