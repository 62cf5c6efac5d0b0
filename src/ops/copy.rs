//! CopyObject and UploadPartCopy: the copy source (`x-amz-copy-source`, URL-encoded, optional
//! leading slash and `?versionId=null`), its `x-amz-copy-source-if-*` conditions and range, and
//! the metadata and tagging directives. Follows the S3 API Reference "CopyObject" and
//! "UploadPartCopy".
//!
//! The bytes go from R2 to R2 through the runtime's streams (`pipeTo`), never through wasm
//! unless a checksum must be computed (`x-amz-checksum-algorithm`, or a part copied into an
//! upload created with one). An object kept in its record (`inline`) is copied with the record,
//! or streamed from memory into a part. An
//! object copied onto itself keeps its blobs (only the record changes). Other copies write new
//! blobs rather than share them: KV and R2 offer no atomic reference count, and a shared blob
//! could be deleted by one key's overwrite while another key's copy is being committed.

use super::get::pieces_in_range;
use super::multipart::{
    load_upload, part_blob_metadata, part_number_param, upload_id_param, write_part_record,
    StoredPart, MAX_PART_SIZE,
};
use super::put::{
    commit_over, object_blob_metadata, storage_class, validate_key, write_precondition,
    NewAttributes,
};
use super::{access, owned_bucket, previous_record, random_bytes};
use crate::body::BodyFilter;
use crate::checksum::{self, BodyVerifier, ChecksumAlgorithm, IntegrityExpectations};
use crate::conditional::{self, Decision, Preconditions};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::record::{InlineBytes, ObjectRecord};
use crate::store::{BlobStore, BlobUpload, BlobWritten, MetaStore};
use crate::xml::CopyObjectResult;
use std::collections::BTreeMap;

/// The largest object CopyObject copies in one request.
const COPY_MAX: u64 = 5 * 1024 * 1024 * 1024;

/// Where a copy reads from.
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    pub record: ObjectRecord,
    /// The version copied, when the request named one or the source bucket keeps versions
    /// (`x-amz-copy-source-version-id`).
    pub version_id: Option<String>,
    /// The version copied is not the key's current object (a noncurrent version named by id).
    pub archived: bool,
}

fn invalid_source(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
        .detail("ArgumentName", "x-amz-copy-source")
}

/// Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=...]`, the key URL-encoded.
pub fn parse_copy_source(value: &str) -> Result<(String, String, Option<String>), S3Error> {
    let (path, query) = value.split_once('?').unwrap_or((value, ""));
    let mut version_id = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if let Some(("versionId", id)) = pair.split_once('=') {
            if id != crate::versioning::NULL_VERSION && !crate::versioning::is_version_id(id) {
                return Err(S3Error::with_message(
                    ErrorCode::InvalidArgument,
                    "Invalid version id specified",
                ));
            }
            version_id = Some(id.to_string());
        }
    }
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| invalid_source("Invalid copy source encoding"))?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    match decoded.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok((bucket.to_string(), key.to_string(), version_id))
        }
        _ => Err(invalid_source(
            "Invalid copy source object key: the source must be bucket/key",
        )),
    }
}

/// Reads the copy source the caller may read and checks its conditions (412 as S3 decides).
pub async fn load_source<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> Result<CopySource, S3Error> {
    let header = call.head.header("x-amz-copy-source").unwrap_or_default();
    let (bucket, key, version_id) = parse_copy_source(header)?;
    // Read on the source, as the authorization step decides write on the destination.
    let (record, source_bucket) = access::load_object_and_bucket(ctx.store, &bucket, &key).await?;
    let mut record = record.map(|stored| stored.record);
    let source_bucket = source_bucket
        .ok_or_else(|| S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", &bucket))?;
    let mut archived = false;
    if let Some(id) = &version_id {
        if record.as_ref().is_none_or(|r| r.version_id() != id) {
            archived = true;
            record = super::version_archive::find(ctx, &bucket, &key, id).await?;
            if record.is_none() {
                return Err(super::versions::no_such_version(&key, id));
            }
        }
        if record.as_ref().is_some_and(|r| r.dm) {
            return Err(S3Error::with_message(
                ErrorCode::InvalidRequest,
                "The source of a copy request may not specifically refer to a delete marker by version id.",
            ));
        }
    }
    let shown_version = match (&version_id, &record) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(r)) if source_bucket.versioning.is_some() || r.vid.is_some() => {
            Some(r.version_id().to_string())
        }
        _ => None,
    };
    let may = |action: &str, key: Option<&str>, object: Option<&ObjectRecord>| {
        let source = (bucket.as_str(), &source_bucket);
        access::decide(
            ctx.config,
            ctx.now_millis,
            call,
            source,
            action,
            key,
            object,
        )
    };
    let read_action = match version_id {
        Some(_) => "s3:GetObjectVersion",
        None => "s3:GetObject",
    };
    if !may(read_action, Some(&key), record.as_ref()) {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    let Some(record) = record else {
        return Err(if may("s3:ListBucket", None, None) {
            S3Error::new(ErrorCode::NoSuchKey).detail("Key", &key)
        } else {
            S3Error::new(ErrorCode::AccessDenied)
        });
    };
    let preconditions =
        Preconditions::from_head_at(call.head, "x-amz-copy-source-", ctx.now_millis / 1000);
    if conditional::evaluate_copy_source(
        &preconditions,
        &record.quoted_etag(),
        record.last_modified_millis / 1000,
    ) == Decision::PreconditionFailed
    {
        return Err(S3Error::new(ErrorCode::PreconditionFailed)
            .detail("Condition", "x-amz-copy-source-If-*"));
    }
    Ok(CopySource {
        bucket,
        key,
        record,
        version_id: shown_version,
        archived,
    })
}

/// Copies `range` (inclusive) of `source` into the new blob `blob`, R2 to R2. With `compute`,
/// the bytes also pass through wasm to compute that checksum (the only case they do).
async fn copy_bytes<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    source: &ObjectRecord,
    range: Option<(u64, u64)>,
    blob: &str,
    custom: BTreeMap<String, String>,
    compute: Option<ChecksumAlgorithm>,
) -> Result<BlobWritten, S3Error> {
    let length = range.map_or(source.size, |(start, end)| end - start + 1);
    let body = match source.inline_bytes(range) {
        Some(bytes) => ctx.store.body_of_bytes(bytes.to_vec()),
        None => {
            ctx.store
                .open_pieces(pieces_in_range(source, range), length)
                .await?
        }
    };
    let filter = compute.map(|alg| {
        let verifier =
            BodyVerifier::new(&IntegrityExpectations::default()).with_default_checksum(alg);
        BodyFilter::new(None, verifier, Some(length))
    });
    BlobStore::put_blob(
        ctx.store,
        blob,
        BlobUpload {
            body,
            length,
            filter,
            r2_sha256: None,
            custom,
        },
    )
    .await
}

/// The checksum a copy must compute: `x-amz-checksum-algorithm` of the request.
fn requested_algorithm(call: &Call<'_>) -> Result<Option<ChecksumAlgorithm>, S3Error> {
    match call.head.header("x-amz-checksum-algorithm") {
        None => Ok(None),
        Some(name) => ChecksumAlgorithm::from_name(name).map(Some).ok_or_else(|| {
            S3Error::with_message(
                ErrorCode::InvalidRequest,
                "Value for x-amz-checksum-algorithm header is invalid.",
            )
        }),
    }
}

fn computed_checksum(written: &BlobWritten) -> Option<(ChecksumAlgorithm, String)> {
    written.verified.as_ref().and_then(|v| v.checksum.clone())
}

fn directive(call: &Call<'_>, header: &str) -> Result<bool, S3Error> {
    match call.head.header(header) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(v) => Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            format!("Unknown {header}."),
        )
        .detail("ArgumentName", header)
        .detail("ArgumentValue", v)),
    }
}

pub async fn copy_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let (bucket, key) = (call.bucket(), call.key());
    validate_key(key)?;
    let replace_metadata = directive(call, "x-amz-metadata-directive")?;
    let replace_tags = directive(call, "x-amz-tagging-directive")?;
    let attributes = NewAttributes::from_request(head, ctx.now_millis)?;
    let compute = requested_algorithm(call)?;
    let bucket_record = owned_bucket(ctx, call).await?;
    // The copy's lock is its own request's (or the bucket's default), never the source's.
    let object_lock = attributes.lock_in(&bucket_record, ctx.now_millis)?;
    // A copy is a new object: it gets the ACL of its own request, not the source's.
    let (owner, acl) = super::acl::new_object_acl(ctx, call, &bucket_record)?;
    let source = load_source(ctx, call).await?;
    // A noncurrent version copied over its own key is a new object (how a version is restored).
    let onto_itself = source.bucket == bucket && source.key == key && !source.archived;
    let source_algorithm = source.record.checksum.as_ref().map(|(alg, _)| alg.as_str());
    // A new checksum of other bytes than the record has means a copy even onto itself.
    let compute = compute.filter(|alg| {
        !onto_itself
            || source_algorithm != Some(alg.as_str())
            || source.record.checksum_type.as_deref() == Some("COMPOSITE")
    });
    // In a versioned bucket the version copied over stays, so the copy gets blobs of its own.
    let onto_itself_shared = onto_itself && compute.is_none() && bucket_record.versioning.is_none();
    let changes_class = head.header("x-amz-storage-class").is_some();
    let changes_encryption = head.header("x-amz-server-side-encryption").is_some();
    if onto_itself
        && !replace_metadata
        && !changes_class
        && !changes_encryption
        && compute.is_none()
    {
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    if source.record.size > COPY_MAX {
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            format!("The specified copy source is larger than the maximum allowable size for a copy source: {COPY_MAX}"),
        ));
    }
    let previous = previous_record(ctx.store, call).await?;
    if onto_itself && previous.as_ref().map(|p| &p.record) != Some(&source.record) {
        return Err(S3Error::new(ErrorCode::ConditionalRequestConflict));
    }
    let write_allowed = write_precondition(head);
    write_allowed(previous.as_ref().map(|p| &p.record))?;
    let precondition = |current: Option<&ObjectRecord>| {
        if onto_itself_shared {
            // The new record was made from the source's: a change since makes it stale.
            return Err(S3Error::new(ErrorCode::ConditionalRequestConflict));
        }
        write_allowed(current)
    };

    // A whole-object checksum stays true of the same bytes; a composite one describes
    // parts the copy no longer has.
    let full_object = source.record.checksum_type.as_deref() != Some("COMPOSITE");
    let mut record = if onto_itself_shared {
        // Same bytes, same blobs: only the record changes.
        source.record.clone()
    } else if let Some(bytes) = source.record.inline_bytes(None) {
        // Bytes kept in the record are copied with it: no blob, no R2 call.
        let checksum = match compute {
            Some(alg) => Some((alg.as_str().to_string(), checksum::checksum(alg, bytes))),
            None => source.record.checksum.clone().filter(|_| full_object),
        };
        ObjectRecord {
            inline: Some(InlineBytes(bytes.to_vec())),
            size: source.record.size,
            etag: source.record.etag.clone(),
            checksum,
            headers: source.record.headers.clone(),
            user_metadata: source.record.user_metadata.clone(),
            tags: source.record.tags.clone(),
            ..ObjectRecord::default()
        }
    } else {
        let blob = names::blob_name(bucket, &random_bytes());
        let written = copy_bytes(
            ctx,
            &source.record,
            None,
            &blob,
            object_blob_metadata(bucket, key),
            compute,
        )
        .await?;
        let checksum = match computed_checksum(&written) {
            Some((alg, value)) => Some((alg.as_str().to_string(), value)),
            None => source.record.checksum.clone().filter(|_| full_object),
        };
        ObjectRecord {
            key: key.to_string(),
            blob,
            size: written.size,
            etag: written.md5_hex,
            checksum,
            headers: source.record.headers.clone(),
            user_metadata: source.record.user_metadata.clone(),
            tags: source.record.tags.clone(),
            ..ObjectRecord::default()
        }
    };
    record.key = key.to_string();
    // A copy is a new object, even onto itself: a retried Complete of the upload that made the
    // source no longer finds its object current.
    record.upload_id = None;
    record.last_modified_millis = ctx.now_millis;
    record.owner = Some(owner);
    record.acl = acl;
    record.storage_class = storage_class(head)?;
    record.lock = object_lock;
    // The redirect location is not copied, whatever the directive: the copy has the request's.
    let redirect = attributes.headers.website_redirect_location.clone();
    if replace_metadata {
        record.headers = attributes.headers;
        record.user_metadata = attributes.user_metadata;
    }
    record.headers.website_redirect_location = redirect;
    // Without REPLACE, S3 ignores x-amz-tagging and keeps the source's tags.
    if replace_tags {
        record.tags = attributes.tags;
    }
    let fresh = match onto_itself_shared {
        true => Vec::new(),
        false => record.blobs(),
    };
    let versioning = bucket_record.versioning;
    let record = commit_over(
        ctx,
        bucket,
        &record,
        previous,
        &fresh,
        versioning,
        precondition,
    )
    .await?;
    let result = CopyObjectResult {
        etag: record.etag.clone(),
        last_modified_millis: record.last_modified_millis,
        checksum: record
            .checksum
            .as_ref()
            .filter(|_| record.checksum_type.as_deref() != Some("COMPOSITE"))
            .and_then(|(alg, value)| ChecksumAlgorithm::from_name(alg).zip(Some(value.clone()))),
    };
    let mut response = Response::xml(200, result.to_xml());
    if let Some(id) = &source.version_id {
        response = response.header("x-amz-copy-source-version-id", id.clone());
    }
    if let Some((name, value)) = super::put::version_header(&record) {
        response = response.header(&name, value);
    }
    Ok(response)
}

/// `x-amz-copy-source-range: bytes=first-last`, which must lie within the source.
fn copy_source_range(call: &Call<'_>, size: u64) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(value) = call.head.header("x-amz-copy-source-range") else {
        return Ok(None);
    };
    let invalid = || {
        S3Error::with_message(
            ErrorCode::InvalidArgument,
            format!("Range specified is not valid for source object of size: {size}"),
        )
        .detail("ArgumentName", "x-amz-copy-source-range")
        .detail("ArgumentValue", value)
    };
    let spec = value.trim().strip_prefix("bytes=").ok_or_else(invalid)?;
    let (first, last) = spec.split_once('-').ok_or_else(invalid)?;
    let first: u64 = first.trim().parse().map_err(|_| invalid())?;
    let last: u64 = last.trim().parse().map_err(|_| invalid())?;
    if first > last || last >= size {
        return Err(invalid());
    }
    Ok(Some((first, last)))
}

pub async fn upload_part_copy<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let (bucket, key) = (call.bucket(), call.key());
    let number = part_number_param(call)?;
    let upload_id = upload_id_param(call);
    owned_bucket(ctx, call).await?;
    let upload = load_upload(ctx, bucket, key, &upload_id).await?;
    let source = load_source(ctx, call).await?;
    let range = copy_source_range(call, source.record.size)?;
    let length = range.map_or(source.record.size, |(a, b)| b - a + 1);
    if length > MAX_PART_SIZE {
        return Err(S3Error::new(ErrorCode::EntityTooLarge));
    }
    let blob = names::part_blob(bucket, &upload_id, number, &random_bytes());
    let written = copy_bytes(
        ctx,
        &source.record,
        range,
        &blob,
        part_blob_metadata(bucket, key, &upload_id),
        upload.algorithm(),
    )
    .await?;
    let checksum = computed_checksum(&written);
    let part = StoredPart {
        number,
        blob: blob.clone(),
        etag: written.md5_hex,
        size: written.size,
        checksum: checksum.as_ref().map(|(_, v)| v.clone()),
        modified_millis: ctx.now_millis,
    };
    write_part_record(ctx, bucket, &upload_id, &part).await?;
    let result = CopyObjectResult {
        etag: part.etag,
        last_modified_millis: part.modified_millis,
        checksum,
    };
    let response = Response::xml(200, result.to_part_xml());
    Ok(match &source.version_id {
        Some(id) => response.header("x-amz-copy-source-version-id", id.clone()),
        None => response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_forms() {
        assert_eq!(
            parse_copy_source("b/k").unwrap(),
            ("b".into(), "k".into(), None)
        );
        assert_eq!(
            parse_copy_source("/b/a%20b%2Bc/%E2%82%AC?versionId=null").unwrap(),
            ("b".into(), "a b+c/€".into(), Some("null".into()))
        );
        assert_eq!(
            parse_copy_source("b/k%3Fq").unwrap(),
            ("b".into(), "k?q".into(), None)
        );
        for bad in ["b", "/b/", "b/k?versionId=3"] {
            assert_eq!(
                parse_copy_source(bad).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
    }
}
