//! The cleanup pass (run by the Worker's Cron Trigger): removes blobs that no record points to
//! (left by a failed or interrupted write, by an overwrite that could not retire the old blob, or
//! by a part uploaded again), listing-index entries whose record is gone or changed, upload-index
//! entries whose upload is gone (and writes the missing entry of an upload record), multipart
//! uploads abandoned for longer than the configured age (as S3's lifecycle rule
//! AbortIncompleteMultipartUpload would), and makes current again the newest version of a key
//! that a version removal left with no current object. Each run handles a bounded batch and
//! keeps its place in KV, so a store of any size is covered over successive runs. Nothing is
//! removed on the word of a record that cannot be read: what depends on one is skipped (and
//! logged), and the pass goes on. Not an S3 operation.

use super::multipart::{
    discard_upload, initiated_millis, is_upload_id, named_part_blob, upload_field,
};
use super::{delete_version, upload_index, version_archive};
use super::{load_record, LoadError, LoadResult};
use crate::context::Ctx;
use crate::error::log_error;
use crate::listing::field;
use crate::names;
use crate::record::{read_record, ObjectRecord};
use crate::store;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreError, StoreResult};

/// How the pass behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepSettings {
    /// Blobs and entries younger than this are left alone: their write may still be on its way.
    pub grace_millis: i64,
    /// Uploads initiated longer ago than this are aborted.
    pub upload_expiry_millis: i64,
    /// R2 entries looked at per run.
    pub batch: usize,
}

/// KV name of the R2 cursor where the next run resumes.
pub const CURSOR_NAME: &str = "sweep/cursor";

/// What one pass found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub blobs_checked: usize,
    pub blobs_removed: usize,
    pub index_checked: usize,
    pub index_repaired: usize,
    pub uploads_aborted: usize,
    /// Upload-index entries removed because their upload's record is gone.
    pub upload_entries_removed: usize,
    /// Upload-index entries written for upload records that had none (uploads created before
    /// the index existed, or whose entry write was lost).
    pub upload_entries_added: usize,
    /// Archived versions made current again, for keys a removal left with no object.
    pub versions_promoted: usize,
    /// Entries left alone because a record that decides their fate cannot be read.
    pub skipped_unreadable: usize,
    /// True when this run reached the end of the store (the next one starts over).
    pub finished: bool,
}

/// Sweeps up to `settings.batch` R2 entries from where the previous run stopped.
pub async fn sweep<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    settings: SweepSettings,
) -> StoreResult<SweepReport> {
    let batch = settings.batch;
    let mut report = SweepReport::default();
    let mut cursor = ctx.store.get(CURSOR_NAME).await?.filter(|c| !c.is_empty());
    let mut seen = 0;
    let mut previous: Option<String> = None;
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
            let result = sweep_entry(ctx, settings, entry, previous.as_deref(), &mut report);
            match result.await {
                Ok(()) => {}
                Err(LoadError::Unreadable(err)) => {
                    log_error(&format!("s3edge cleanup skipped {}: {err}", entry.name));
                    report.skipped_unreadable += 1;
                }
                Err(LoadError::Store(err)) => return Err(err),
            }
            previous = Some(entry.name.clone());
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

/// Looks at one R2 entry (`previous`: the name listed before it): a blob or part record that
/// may be an orphan, an upload that may have expired, a listing-index entry that may disagree
/// with its record, or a key's newest archived version left under no current object.
async fn sweep_entry<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    settings: SweepSettings,
    entry: &BlobEntry,
    previous: Option<&str>,
    report: &mut SweepReport,
) -> LoadResult<()> {
    let settled = ctx.now_millis - entry.uploaded_millis >= settings.grace_millis;
    let (kind, rest) = entry.name.split_once('/').unwrap_or_default();
    if kind == "blob" || kind == "part" || kind == "partrec" {
        report.blobs_checked += 1;
        if settled && is_orphan(ctx, kind, rest, entry).await? {
            BlobStore::delete_blobs(ctx.store, std::slice::from_ref(&entry.name)).await?;
            report.blobs_removed += 1;
        }
    } else if kind == "upload" {
        if let Some((bucket, upload_id)) = rest.split_once('/').filter(|(_, id)| is_upload_id(id)) {
            let age = ctx.now_millis - initiated_millis(upload_id);
            if age >= settings.upload_expiry_millis {
                abort_expired(ctx, bucket, upload_id, entry).await?;
                report.uploads_aborted += 1;
            } else if settled && upload_index::backfill(ctx, bucket, upload_id, entry).await? {
                report.upload_entries_added += 1;
            }
        }
    } else if kind == "upload-index" {
        if settled && upload_index::remove_if_stale(ctx, rest, entry).await? {
            report.upload_entries_removed += 1;
        }
    } else if kind == "version-index" {
        if settled && promote_orphaned_version(ctx, rest, entry, previous).await? {
            report.versions_promoted += 1;
        }
    } else if let Some(rest) = entry.name.strip_prefix("index/") {
        report.index_checked += 1;
        if settled && repair_index_entry(ctx, rest, entry).await? {
            report.index_repaired += 1;
        }
    }
    Ok(())
}

/// A removal of a key's current version that stopped after the record went and before the
/// version under it was made current leaves the key with no object over its versions: makes the
/// newest one current (`delete_version::promote_newest`, as a retry of the removal would). Only
/// a key's first archive entry in R2's order (its newest) is looked at.
async fn promote_orphaned_version<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    rest: &str,
    entry: &BlobEntry,
    previous: Option<&str>,
) -> LoadResult<bool> {
    let Some((bucket, key)) = version_archive::entry_owner(rest, entry) else {
        return Ok(false);
    };
    let (key_prefix, shared) =
        crate::listing::upload_names::key_prefix(&version_archive::root(&bucket), &key);
    if !shared && previous.is_some_and(|p| p.starts_with(&key_prefix)) {
        return Ok(false);
    }
    if load_record(ctx.store, &bucket, &key).await?.is_some() {
        return Ok(false);
    }
    delete_version::promote_newest(ctx, &bucket, &key)
        .await
        .map_err(|e| LoadError::Store(StoreError(e.message)))
}

/// Aborts an upload past its age, keeping any blob an object completed from it still holds.
async fn abort_expired<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    upload_id: &str,
    entry: &BlobEntry,
) -> LoadResult<()> {
    let key = entry.custom.get(upload_field::KEY).map(String::as_str);
    let object = match key {
        Some(key) => load_record(ctx.store, bucket, key).await?,
        None => None,
    };
    Ok(discard_upload(ctx, bucket, upload_id, key, object.as_ref()).await?)
}

/// Whether a stored blob (`kind` `blob` or `part`) or a part record (`partrec`) belongs to
/// nothing: no object record holds it, and no in-progress upload names it.
async fn is_orphan<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    kind: &str,
    rest: &str,
    entry: &BlobEntry,
) -> LoadResult<bool> {
    let mut path = rest.split('/');
    let (bucket, upload_id) = (path.next().unwrap_or_default(), path.next());
    if kind == "partrec" {
        let upload = names::upload_record(bucket, upload_id.unwrap_or_default());
        return Ok(ctx.store.get_small(&upload).await?.is_none());
    }
    let (Some(bucket), Some(key)) = (entry.custom.get("bucket"), entry.custom.get("key")) else {
        return Ok(true);
    };
    let held = load_record(ctx.store, bucket, key)
        .await?
        .is_some_and(|record| record.holds(&entry.name))
        || archive_holds(ctx, bucket, key, &entry.name).await?;
    if held || kind == "blob" {
        return Ok(!held);
    }
    // A part blob no object holds: kept while its upload's record for that part names it.
    let Some(upload_id) = upload_id else {
        return Ok(true);
    };
    let Some(number) = names::part_number_of(&entry.name) else {
        return Ok(true);
    };
    let named = named_part_blob(ctx.store, bucket, upload_id, number).await?;
    Ok(named.as_deref() != Some(entry.name.as_str()))
}

/// Whether a version of `key` kept in the version archive holds `blob` (a key's versions are
/// read one by one: the pass is off the request path).
async fn archive_holds<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    blob: &str,
) -> LoadResult<bool> {
    let (prefix, _) = crate::listing::upload_names::key_prefix(&version_archive::root(bucket), key);
    for entry in store::list_all(ctx.store, &prefix).await? {
        let Some(bytes) = ctx.store.get_small(&entry.name).await? else {
            continue;
        };
        let record: ObjectRecord = read_record(&entry.name, &bytes)?;
        if record.key == key && record.holds(blob) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Makes an index entry agree with its record: removed when the record is gone, rewritten when
/// the record changed after the entry was written. Returns whether anything changed.
async fn repair_index_entry<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    name_after_prefix: &str,
    entry: &BlobEntry,
) -> LoadResult<bool> {
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
