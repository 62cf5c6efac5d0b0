//! The R2 upload index that ListMultipartUploads reads (AWS S3 API Reference
//! "ListMultipartUploads"; names in `listing::upload_names`): one empty entry per in-progress
//! upload, written by CreateMultipartUpload after the upload's record, deleted in the same R2
//! call as the record by Complete, Abort and DeleteBucket, and kept in step with the records by
//! the cleanup pass (an entry whose record is gone is removed; a record without an entry, such as
//! an upload created before the index existed, gets one). Not an S3 operation.

use std::collections::BTreeMap;

use super::multipart::upload_field;
use crate::context::Ctx;
use crate::listing::upload_names;
use crate::listing::uploads::field;
use crate::names;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreResult};

/// The entry name of `key`'s upload `upload_id`.
pub fn entry_name(bucket: &str, key: &str, upload_id: &str) -> String {
    upload_names::entry_name(&upload_names::prefix(bucket), key, upload_id).0
}

/// The entry of an upload (its name and metadata), from the metadata beside its record
/// (`UploadRecord::listing_metadata`); `None` when that metadata has no key.
pub fn entry_of(
    bucket: &str,
    upload_id: &str,
    record_custom: &BTreeMap<String, String>,
) -> Option<(String, BTreeMap<String, String>)> {
    let key = record_custom.get(upload_field::KEY)?;
    let (name, truncated) = upload_names::entry_name(&upload_names::prefix(bucket), key, upload_id);
    // The record's listing fields have the entry's names (`upload_field` re-exports them).
    let mut custom: BTreeMap<String, String> = [
        field::STORAGE_CLASS,
        field::CHECKSUM_ALGORITHM,
        field::CHECKSUM_TYPE,
    ]
    .into_iter()
    .filter_map(|name| Some((name.to_string(), record_custom.get(name)?.clone())))
    .collect();
    if truncated {
        custom.insert(field::FULL_KEY.to_string(), key.clone());
    }
    Some((name, custom))
}

/// Writes the entry of an upload whose record was just written with `record_custom`.
pub async fn write_entry<B: BlobStore>(
    blobs: &B,
    bucket: &str,
    upload_id: &str,
    record_custom: &BTreeMap<String, String>,
) -> StoreResult<()> {
    match entry_of(bucket, upload_id, record_custom) {
        Some((name, custom)) => blobs.put_small(&name, Vec::new(), custom).await,
        None => Ok(()),
    }
}

/// Whether an R2 object of exactly this name exists (one `list` call: no byte is read).
async fn exists<B: BlobStore>(blobs: &B, name: &str) -> StoreResult<bool> {
    let page = blobs
        .list_blobs(BlobListOptions {
            prefix: name,
            limit: 1,
            ..BlobListOptions::default()
        })
        .await?;
    Ok(page.entries.iter().any(|e| e.name == name))
}

/// Cleanup of one index entry (`rest`: its name after `upload-index/`): removed when its
/// upload's record is gone (a Complete or Abort that stopped half-way, a failed Create).
/// Returns whether it was removed.
pub async fn remove_if_stale<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    rest: &str,
    entry: &BlobEntry,
) -> StoreResult<bool> {
    let (Some((bucket, _)), Some(upload_id)) =
        (rest.split_once('/'), upload_names::upload_id_of(rest))
    else {
        return Ok(false);
    };
    if exists(ctx.store, &names::upload_record(bucket, upload_id)).await? {
        return Ok(false);
    }
    BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
    Ok(true)
}

/// Cleanup of one upload record (`record`, as R2 lists it): writes its index entry when it has
/// none. Returns whether one was written.
pub async fn backfill<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    upload_id: &str,
    record: &BlobEntry,
) -> StoreResult<bool> {
    let Some((name, custom)) = entry_of(bucket, upload_id, &record.custom) else {
        return Ok(false);
    };
    if exists(ctx.store, &name).await? {
        return Ok(false);
    }
    ctx.store.put_small(&name, Vec::new(), custom).await?;
    // Completed or aborted in the meantime (its entry deleted before this one was written):
    // take the entry back out rather than list an upload that is gone.
    if !exists(ctx.store, &record.name).await? {
        BlobStore::delete_blobs(ctx.store, &[name]).await?;
    }
    Ok(true)
}
