//! ListParts and ListMultipartUploads. Follows the S3 API Reference pages of those names.
//! Parts are listed from their R2 records in part-number order, uploads from the R2 upload index
//! (`listing::uploads`) by key and then upload id (which begins with the initiation time); either
//! page costs a bounded number of R2 calls, whatever the number of parts or uploads.

use super::multipart::{
    initiated_millis, list_stored_parts, load_upload, upload_id_param, COMPOSITE,
};
use super::owned_bucket;
use crate::checksum::ChecksumAlgorithm;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::listing::upload_names;
use crate::listing::uploads::{self, field, IndexedUpload, UploadItem, UploadQuery};
use crate::multipart_xml::{ListPartsResult, ListUploadsResult, ListedPart, ListedUpload};
use crate::store::{BlobStore, MetaStore};
use crate::xml::Owner;

const PAGE_MAX: usize = 1000;

fn invalid_argument(name: &str, value: &str, message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
        .detail("ArgumentName", name)
        .detail("ArgumentValue", value)
}

/// A non-negative integer parameter, `default` when absent.
fn count_param(call: &Call<'_>, name: &str, default: usize) -> Result<usize, S3Error> {
    match call.head.query_param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| n as usize)
            .ok_or_else(|| {
                invalid_argument(
                    name,
                    &v,
                    &format!("Provided {name} not an integer or within integer range"),
                )
            }),
    }
}

fn owner_of(call: &Call<'_>, id: &str) -> Owner {
    let display_name = match &call.principal {
        crate::authz::Principal::User(account) if account.canonical_id == id => {
            account.display_name.clone()
        }
        _ => String::new(),
    };
    Owner {
        id: id.to_string(),
        display_name,
    }
}

pub async fn list_parts<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let (bucket, key) = (call.bucket(), call.key());
    let upload_id = upload_id_param(call);
    let max_parts = count_param(call, "max-parts", PAGE_MAX)?.min(PAGE_MAX);
    let marker = count_param(call, "part-number-marker", 0)?.min(u16::MAX as usize) as u16;
    owned_bucket(ctx, call).await?;
    let upload = load_upload(ctx, bucket, key, &upload_id).await?;
    let (parts, is_truncated) =
        list_stored_parts(ctx.store, bucket, &upload_id, marker, max_parts).await?;
    let algorithm = upload.algorithm();
    let result = ListPartsResult {
        bucket,
        key,
        upload_id: &upload_id,
        owner: owner_of(call, &upload.owner),
        storage_class: upload.storage_class.as_deref().unwrap_or("STANDARD"),
        part_number_marker: marker,
        next_part_number_marker: parts.last().map(|p| p.number),
        max_parts,
        is_truncated,
        parts: parts
            .into_iter()
            .map(|p| ListedPart {
                number: p.number,
                last_modified_millis: p.modified_millis,
                etag: p.etag,
                size: p.size,
                checksum: algorithm.zip(p.checksum),
            })
            .collect(),
        checksum_algorithm: algorithm.map(ChecksumAlgorithm::as_str),
        checksum_type: upload.checksum_type(),
    };
    Ok(Response::xml(200, result.to_xml()))
}

/// Why a page that cannot get past its markers is refused.
const TOO_MANY_LONG_KEYS: &str = "More in-progress uploads share the first bytes of a long key than one ListMultipartUploads page can read in order; complete or abort some of them.";

pub async fn list_multipart_uploads<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let bucket = call.bucket();
    let prefix = head.query_param("prefix").unwrap_or_default();
    let delimiter = head.query_param("delimiter").filter(|d| !d.is_empty());
    let key_marker = head.query_param("key-marker").unwrap_or_default();
    let upload_id_marker = head
        .query_param("upload-id-marker")
        .filter(|_| !key_marker.is_empty())
        .unwrap_or_default();
    let max_uploads = count_param(call, "max-uploads", PAGE_MAX)?.min(PAGE_MAX);
    let url_encoded = match head.query_param("encoding-type") {
        None => false,
        Some(t) if t == "url" => true,
        Some(t) => {
            return Err(invalid_argument(
                "encoding-type",
                &t,
                "Invalid Encoding Method specified in Request",
            ))
        }
    };
    let bucket_record = owned_bucket(ctx, call).await?;

    let query = UploadQuery {
        prefix: prefix.clone(),
        delimiter: delimiter.clone(),
        key_marker: key_marker.clone(),
        // Ids are 32 characters: a longer marker compares with them as its first 32 do, and
        // must not make the R2 `startAfter` pass R2's 1,024-byte names.
        upload_id_marker: upload_id_marker
            .char_indices()
            .nth(32)
            .map_or(upload_id_marker.as_str(), |(at, _)| &upload_id_marker[..at])
            .to_string(),
        max_uploads,
    };
    let page = uploads::list_uploads(ctx.store, &upload_names::prefix(bucket), &query).await?;
    let (next_key_marker, next_upload_id_marker) = match page.items.last() {
        Some(UploadItem::Upload(u)) => (Some(u.key.clone()), Some(u.upload_id.clone())),
        Some(UploadItem::CommonPrefix(p)) => (Some(p.clone()), None),
        // A page cut short by its call budget before it found anything resumes after what it
        // read, which must lie past the markers: a run of truncated names longer than a page's
        // budget that starts at or before them (README, "The upload index") would otherwise
        // answer the same page again and again, and the client would never finish.
        None if page.is_truncated && max_uploads > 0 => match page.last_seen {
            Some((key, id)) if (&key, &id) > (&key_marker, &upload_id_marker) => {
                (Some(key), Some(id))
            }
            _ => return Err(S3Error::internal(TOO_MANY_LONG_KEYS)),
        },
        None => (None, None),
    };
    let mut listed = Vec::new();
    let mut common_prefixes = Vec::new();
    for item in page.items {
        match item {
            UploadItem::Upload(u) => listed.push(listed_upload(u)),
            UploadItem::CommonPrefix(p) => common_prefixes.push(p),
        }
    }
    let result = ListUploadsResult {
        bucket,
        key_marker: &key_marker,
        upload_id_marker: &upload_id_marker,
        next_key_marker,
        next_upload_id_marker,
        delimiter: delimiter.as_deref(),
        prefix: &prefix,
        max_uploads,
        is_truncated: page.is_truncated,
        uploads: listed,
        common_prefixes,
        owner: owner_of(call, &bucket_record.owner),
        url_encoded,
    };
    Ok(Response::xml(200, result.to_xml()))
}

/// An upload as the answer shows it, from its index entry.
fn listed_upload(upload: IndexedUpload) -> ListedUpload {
    let custom = |name: &str| upload.custom.get(name).cloned();
    let algorithm = custom(field::CHECKSUM_ALGORITHM);
    ListedUpload {
        initiated_millis: initiated_millis(&upload.upload_id),
        storage_class: custom(field::STORAGE_CLASS).unwrap_or_else(|| "STANDARD".to_string()),
        checksum_type: algorithm
            .as_ref()
            .map(|_| custom(field::CHECKSUM_TYPE).unwrap_or_else(|| COMPOSITE.to_string())),
        checksum_algorithm: algorithm,
        key: upload.key,
        upload_id: upload.upload_id,
    }
}
