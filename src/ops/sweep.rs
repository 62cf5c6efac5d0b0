//! The cleanup pass (run by the Worker's Cron Trigger): removes blobs that no record points to
//! (left by a failed or interrupted write, or by an overwrite that could not retire the old blob)
//! and listing-index entries whose record is gone or changed. Not an S3 operation.

use crate::listing::field;
use crate::names;
use crate::record::ObjectRecord;
use crate::service::Ctx;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreResult};

/// What one pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub blobs_checked: usize,
    pub blobs_removed: usize,
    pub index_checked: usize,
    pub index_repaired: usize,
}

/// Sweeps every bucket. Blobs and index entries younger than `grace_millis` are left alone:
/// their write may still be on its way to the record.
pub async fn sweep<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    grace_millis: i64,
) -> StoreResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .store
            .list_blobs(BlobListOptions {
                prefix: "",
                cursor: cursor.as_deref(),
                limit: 1000,
                ..BlobListOptions::default()
            })
            .await?;
        for entry in &page.entries {
            if entry.name.starts_with("blob/") {
                report.blobs_checked += 1;
                if ctx.now_millis - entry.uploaded_millis >= grace_millis
                    && is_orphan(ctx, entry).await?
                {
                    BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
                    report.blobs_removed += 1;
                }
            } else if let Some(rest) = entry.name.strip_prefix("index/") {
                report.index_checked += 1;
                // A young entry may belong to a PUT that has not written its record yet.
                let settled = ctx.now_millis - entry.uploaded_millis >= grace_millis;
                if settled && repair_index_entry(ctx, rest, entry).await? {
                    report.index_repaired += 1;
                }
            }
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(report),
        }
    }
}

async fn record_of<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> StoreResult<Option<ObjectRecord>> {
    Ok(
        MetaStore::get(ctx.store, &names::object_record(bucket, key))
            .await?
            .and_then(|json| ObjectRecord::from_json(&json)),
    )
}

async fn is_orphan<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    blob: &BlobEntry,
) -> StoreResult<bool> {
    let (Some(bucket), Some(key)) = (blob.custom.get("bucket"), blob.custom.get("key")) else {
        return Ok(true);
    };
    Ok(record_of(ctx, bucket, key)
        .await?
        .is_none_or(|record| record.blob != blob.name))
}

/// Makes an index entry agree with its record: removed when the record is gone, rewritten when
/// the record changed after the entry was written. Returns whether anything changed.
async fn repair_index_entry<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    name_after_prefix: &str,
    entry: &BlobEntry,
) -> StoreResult<bool> {
    let Some((bucket, verbatim_key)) = name_after_prefix.split_once('/') else {
        return Ok(false);
    };
    let key = entry
        .custom
        .get(field::FULL_KEY)
        .map_or(verbatim_key, String::as_str);
    match record_of(ctx, bucket, key).await? {
        None => {
            BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
            Ok(true)
        }
        Some(record) if entry.custom.get(field::ETAG) != Some(&record.etag) => {
            crate::ops::put::write_index_entry(ctx, bucket, &record)
                .await
                .map_err(|e| crate::store::StoreError(e.message))?;
            Ok(true)
        }
        Some(_) => Ok(false),
    }
}
