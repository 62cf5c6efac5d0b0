//! The cleanup pass (run by the Worker's Cron Trigger): removes blobs that no record points to
//! (left by a failed or interrupted write, or by an overwrite that could not retire the old blob)
//! and listing-index entries whose record is gone or changed. Each run handles a bounded batch
//! and keeps its place in KV, so a store of any size is covered over successive runs.
//! Not an S3 operation.

use super::load_record;
use crate::listing::field;
use crate::service::Ctx;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreError, StoreResult};

/// KV name of the R2 cursor where the next run resumes.
pub const CURSOR_NAME: &str = "sweep/cursor";

/// What one pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub blobs_checked: usize,
    pub blobs_removed: usize,
    pub index_checked: usize,
    pub index_repaired: usize,
    /// True when this run reached the end of the store (the next one starts over).
    pub finished: bool,
}

/// Sweeps up to `batch` R2 entries from where the previous run stopped. Blobs and index entries
/// younger than `grace_millis` are left alone: their write may still be on its way to the record.
pub async fn sweep<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    grace_millis: i64,
    batch: usize,
) -> StoreResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut cursor = ctx.store.get(CURSOR_NAME).await?.filter(|c| !c.is_empty());
    let mut seen = 0;
    while seen < batch {
        let page = ctx
            .store
            .list_blobs(BlobListOptions {
                prefix: "",
                cursor: cursor.as_deref(),
                limit: (batch - seen).clamp(1, 1000) as u32,
                ..BlobListOptions::default()
            })
            .await?;
        for entry in &page.entries {
            seen += 1;
            let settled = ctx.now_millis - entry.uploaded_millis >= grace_millis;
            if entry.name.starts_with("blob/") {
                report.blobs_checked += 1;
                if settled && is_orphan(ctx, entry).await? {
                    BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
                    report.blobs_removed += 1;
                }
            } else if let Some(rest) = entry.name.strip_prefix("index/") {
                report.index_checked += 1;
                if settled && repair_index_entry(ctx, rest, entry).await? {
                    report.index_repaired += 1;
                }
            }
        }
        cursor = page.cursor;
        if cursor.is_none() {
            report.finished = true;
            break;
        }
    }
    ctx.store
        .put(CURSOR_NAME, cursor.as_deref().unwrap_or(""), None)
        .await?;
    Ok(report)
}

async fn is_orphan<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    blob: &BlobEntry,
) -> StoreResult<bool> {
    let (Some(bucket), Some(key)) = (blob.custom.get("bucket"), blob.custom.get("key")) else {
        return Ok(true);
    };
    Ok(load_record(ctx.store, bucket, key)
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
    match load_record(ctx.store, bucket, key).await? {
        None => {
            BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
            Ok(true)
        }
        Some(record) if entry.custom.get(field::ETAG) != Some(&record.etag) => {
            crate::ops::put::write_index_entry(ctx, bucket, &record)
                .await
                .map_err(|e| StoreError(e.message))?;
            Ok(true)
        }
        Some(_) => Ok(false),
    }
}
