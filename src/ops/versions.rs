//! Versioning operations: Put/GetBucketVersioning, ListObjectVersions (current objects merged
//! with the version archive, `listing::versions`), and the `versionId` of object requests.
//! Follows the S3 API Reference "PutBucketVersioning", "GetBucketVersioning" and
//! "ListObjectVersions".

use super::list::{bucket_owner, encoding_type, invalid_argument, max_keys, object_owner};
use super::{load_record, owned_bucket, read_small_body, save_bucket, version_archive};
use crate::checksum::ChecksumAlgorithm;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::listing::uploads::{list_uploads, IndexedUpload, UploadItem, UploadQuery};
use crate::listing::versions::{archive_field, archive_limit, merge, VersionItem, VersionQuery};
use crate::listing::{self, ListQuery};
use crate::record::ObjectRecord;
use crate::store::{BlobStore, MetaStore};
use crate::versioning::{self, is_version_id, VersioningStatus, NULL_VERSION};
use crate::xml::{ListVersionsResult, ObjectEntry, VersionEntry};

/// The longest PutBucketVersioning document read.
const VERSIONING_BODY_MAX: usize = 64 * 1024;

fn invalid_version(name: &str, id: &str) -> S3Error {
    invalid_argument(name, id, "Invalid version id specified")
}

/// NoSuchVersion for `version_id` of `key`.
pub fn no_such_version(key: &str, version_id: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchVersion)
        .detail("Key", key)
        .detail("VersionId", version_id)
}

/// The request's `versionId`, if it names one: `null` or an id this store makes
/// (InvalidArgument for anything else, as S3 answers).
pub fn version_id_param(call: &Call<'_>) -> Result<Option<String>, S3Error> {
    match call.head.query_param("versionId") {
        None => Ok(None),
        Some(id) if id == NULL_VERSION || is_version_id(&id) => Ok(Some(id)),
        Some(id) if id.is_empty() => Err(invalid_argument(
            "versionId",
            &id,
            "Version id cannot be the empty string",
        )),
        Some(id) => Err(invalid_version("versionId", &id)),
    }
}

/// The version `version_id` of the call's key (the current object or an archived version,
/// delete markers included); NoSuchVersion when there is none.
pub async fn find_version<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    version_id: &str,
) -> Result<ObjectRecord, S3Error> {
    let (bucket, key) = (call.bucket(), call.key());
    let current = match call.route.operation.reads_object_record() {
        true => call.access.object.clone(),
        false => load_record(ctx.store, bucket, key).await?,
    };
    if let Some(current) = current.filter(|c| c.version_id() == version_id) {
        return Ok(current);
    }
    version_archive::find(ctx, bucket, key, version_id)
        .await?
        .ok_or_else(|| no_such_version(key, version_id))
}

pub async fn get_bucket_versioning<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    Ok(Response::xml(
        200,
        versioning::versioning_xml(record.versioning),
    ))
}

pub async fn put_bucket_versioning<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, VERSIONING_BODY_MAX).await?;
    let request = versioning::parse_versioning(&body)?;
    if request.mfa_delete == Some(true) {
        // MFA delete needs the x-amz-mfa device serial and code, which s3edge has no way to
        // check: refused as S3 refuses a request without them.
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "MFA Authentication must be used for this request",
        ));
    }
    let Some(status) = request.status else {
        return Err(S3Error::new(ErrorCode::MalformedXML));
    };
    if status == VersioningStatus::Suspended && record.object_lock_enabled() {
        return Err(S3Error::with_message(
            ErrorCode::InvalidBucketState,
            "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
        ));
    }
    if record.versioning != Some(status) {
        record.versioning = Some(status);
        save_bucket(ctx, call.bucket(), &record).await?;
    }
    Ok(Response::new(200))
}

/// Where a page's walk of the archive starts for `key-marker` / `version-id-marker`: after
/// every version of the key marker without a version marker (""), else after that version's
/// place (a null version's is looked up).
async fn archive_marker<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key_marker: &str,
    version_id_marker: &str,
) -> Result<String, S3Error> {
    if version_id_marker != NULL_VERSION {
        return Ok(version_id_marker.to_string());
    }
    if let Some(current) = load_record(ctx.store, bucket, key_marker).await? {
        if current.vid.is_none() {
            return Ok(current.place());
        }
    }
    Ok(version_archive::null_place(ctx, bucket, key_marker)
        .await?
        .unwrap_or_default())
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
    if !version_id_marker.is_empty() {
        if key_marker.is_empty() {
            return Err(invalid_argument(
                "version-id-marker",
                &version_id_marker,
                "A version-id marker cannot be specified without a key marker.",
            ));
        }
        if version_id_marker != NULL_VERSION && !is_version_id(&version_id_marker) {
            return Err(invalid_version("version-id-marker", &version_id_marker));
        }
    }
    let bucket_record = owned_bucket(ctx, call).await?;
    let bucket = call.bucket();
    // A bucket never versioned has no archive: its objects are its null versions.
    let mut resumed_current = None;
    let archived = match bucket_record.versioning {
        None => None,
        Some(_) => {
            let upload_id_marker = match version_id_marker.is_empty() {
                true => String::new(),
                false => archive_marker(ctx, bucket, &key_marker, &version_id_marker).await?,
            };
            let query = UploadQuery {
                prefix: prefix.clone(),
                delimiter: delimiter.clone(),
                key_marker: key_marker.clone(),
                upload_id_marker: upload_id_marker.clone(),
                max_uploads: max_keys,
            };
            let mut page = list_uploads(ctx.store, &version_archive::root(bucket), &query).await?;
            // Resuming inside the marker's key, the current listing starts after that key. Its
            // current version is normally newer than the marker (listed on an earlier page), but
            // once the versions before the marker are deleted (as a client emptying the bucket
            // page by page does) an older one is current: listed here, in its place.
            let in_listing = key_marker.starts_with(prefix.as_str())
                && delimiter
                    .as_deref()
                    .is_none_or(|d| !key_marker[prefix.len()..].contains(d));
            if !version_id_marker.is_empty() && in_listing {
                if let Some(record) = load_record(ctx.store, bucket, &key_marker).await? {
                    let place = record.place();
                    if place > upload_id_marker {
                        let id = record.version_id().to_string();
                        let archived_copy = page.items.iter().any(|item| {
                            matches!(item, UploadItem::Upload(u) if u.key == key_marker
                                && u.custom.get(archive_field::VERSION_ID) == Some(&id))
                        });
                        if !archived_copy {
                            page.items.insert(
                                0,
                                UploadItem::Upload(IndexedUpload {
                                    key: key_marker.clone(),
                                    upload_id: place,
                                    custom: version_archive::entry_metadata(&record, false),
                                }),
                            );
                        }
                        resumed_current = Some(id);
                    }
                }
            }
            Some(page)
        }
    };
    // Read second: where the archive page stopped short, the current objects past its last key
    // cannot be listed on this page, so they are not read (a page costs the same however many
    // versions each key has).
    let until = archived
        .as_ref()
        .and_then(archive_limit)
        .map(|(key, _, _)| key);
    let current = listing::list_objects(
        ctx.store,
        bucket,
        &ListQuery {
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            start_after: Some(key_marker.clone()).filter(|k| !k.is_empty()),
            max_keys,
            until,
        },
    )
    .await?;
    let query = VersionQuery {
        key_marker: key_marker.clone(),
        version_id_marker: version_id_marker.clone(),
        max_keys,
        resumed_current,
    };
    let page = merge(current, archived, &query);

    let owner = bucket_owner(ctx, &bucket_record);
    let mut versions = Vec::new();
    let mut common_prefixes = Vec::new();
    for item in page.items {
        match item {
            VersionItem::Version(v) => {
                let o = v.object;
                versions.push(VersionEntry {
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
                    version_id: v.version_id,
                    is_latest: v.is_latest,
                    delete_marker: v.delete_marker,
                })
            }
            VersionItem::CommonPrefix(p) => common_prefixes.push(p),
        }
    }
    let result = ListVersionsResult {
        name: bucket.to_string(),
        prefix,
        key_marker,
        version_id_marker,
        next_key_marker: page.next_key_marker,
        next_version_id_marker: page.next_version_id_marker,
        max_keys: max_keys as u32,
        delimiter,
        encoding_type,
        is_truncated: page.is_truncated,
        versions,
        common_prefixes,
    };
    Ok(Response::xml(200, result.to_xml()))
}
