//! Deletes in a versioned bucket, and of one version in any bucket (S3 API Reference
//! "DeleteObject", "Deleting object versions from a versioning-enabled bucket", "Deleting a
//! delete marker"): without a version id, a delete marker becomes the key's current version and
//! the object it covers is kept in the archive (suspended: the marker is the null version,
//! replacing the old one); with one, that version goes for good, and when it was the current
//! one the newest version left, unless a delete marker, becomes the object again.

use super::put::{listing_metadata, stamp_version, write_index_entry};
use super::{load_stored, version_archive, StoredRecord};
use crate::context::Ctx;
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::record::ObjectRecord;
use crate::store::{BlobStore, Expect, MetaStore};
use crate::versioning::{VersioningStatus, NULL_VERSION};

/// What a delete did, for its answer (`x-amz-version-id`, `x-amz-delete-marker`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// The version removed, or the delete marker made.
    pub version_id: Option<String>,
    /// Whether that version is a delete marker.
    pub delete_marker: bool,
}

/// Tries a delete at most this many times while other writes of the key come between its
/// read and its write.
const DELETE_ATTEMPTS: usize = 8;

/// Places a delete marker over `key` in a versioned bucket, as `owner`.
pub async fn place_marker<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    versioning: VersioningStatus,
    owner: &str,
) -> Result<Removed, S3Error> {
    let suspended = versioning == VersioningStatus::Suspended;
    // The null version a suspended bucket's marker replaces, if archived.
    let old_null = match suspended {
        true => version_archive::find(ctx, bucket, key, NULL_VERSION).await?,
        false => None,
    };
    for _ in 0..DELETE_ATTEMPTS {
        let previous = load_stored(ctx.store, bucket, key).await?;
        let newest = match &previous {
            Some(p) => Some(StoredRecord::clone(p)),
            // Over a marker: newer than every archived version.
            None => version_archive::newest(ctx, bucket, key)
                .await?
                .map(|record| StoredRecord {
                    raw: String::new(),
                    record,
                }),
        };
        let base = ObjectRecord {
            key: key.to_string(),
            dm: true,
            last_modified_millis: ctx.now_millis,
            owner: Some(owner.to_string()),
            ..ObjectRecord::default()
        };
        let marker = stamp_version(ctx, &base, newest.as_ref(), Some(versioning));
        let keeps_previous = previous
            .as_ref()
            .filter(|p| !suspended || p.record.vid.is_some());
        if let Some(kept) = keeps_previous {
            version_archive::archive(ctx, bucket, &kept.record).await?;
        }
        version_archive::archive(ctx, bucket, &marker).await?;
        if let Some(previous) = &previous {
            let name = names::object_record(bucket, key);
            if !ctx.store.delete_if(&name, &previous.raw).await? {
                // Another write came first: this marker is not the newest; try again over it.
                let _ = version_archive::remove(ctx, bucket, &marker, false).await;
                continue;
            }
            let mut leftovers = Vec::new();
            if !ctx.store.lists_objects() {
                leftovers.push(names::index_name(bucket, key).name().to_string());
            }
            if keeps_previous.is_none() {
                leftovers.extend(
                    previous
                        .record
                        .blobs()
                        .into_iter()
                        .filter(|b| !b.is_empty()),
                );
            }
            let _ = BlobStore::delete_blobs(ctx.store, &leftovers).await;
        }
        if let Some(old_null) = old_null.as_ref().filter(|n| n.place() != marker.place()) {
            // The pointer now names the new marker: only the old entry and its bytes go.
            let mut gone = vec![version_archive::entry_name(bucket, key, &old_null.place()).0];
            gone.extend(old_null.blobs());
            let _ = BlobStore::delete_blobs(ctx.store, &gone).await;
        }
        return Ok(Removed {
            version_id: Some(marker.version_id().to_string()),
            delete_marker: true,
        });
    }
    Err(S3Error::new(ErrorCode::ConditionalRequestConflict))
}

/// Removes version `version_id` of `key` for good (nothing to remove is not an error, as S3
/// answers); `check` may refuse the removal of the version found (object lock).
pub async fn remove_version<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    version_id: &str,
    check: impl Fn(&ObjectRecord) -> Result<(), S3Error>,
) -> Result<Removed, S3Error> {
    let removed = |record: Option<&ObjectRecord>| Removed {
        version_id: Some(version_id.to_string()),
        delete_marker: record.is_some_and(|r| r.dm),
    };
    for _ in 0..DELETE_ATTEMPTS {
        let current = load_stored(ctx.store, bucket, key).await?;
        let no_current = current.is_none();
        if let Some(current) = current.filter(|c| c.record.version_id() == version_id) {
            check(&current.record)?;
            let name = names::object_record(bucket, key);
            if !ctx.store.delete_if(&name, &current.raw).await? {
                continue;
            }
            // A failed overwrite may have left an archived copy of this version: it goes in the
            // same batch, before the newest archived version is made current (else the copy
            // would be, without its bytes). A failure here is finished by the retry.
            let mut gone =
                vec![version_archive::entry_name(bucket, key, &current.record.place()).0];
            if current.record.vid.is_none() {
                gone.push(version_archive::null_place_name(bucket, key));
            }
            if !ctx.store.lists_objects() {
                gone.push(names::index_name(bucket, key).name().to_string());
            }
            gone.extend(current.record.blobs().into_iter().filter(|b| !b.is_empty()));
            BlobStore::delete_blobs(ctx.store, &gone).await?;
            promote_newest(ctx, bucket, key).await?;
            return Ok(removed(Some(&current.record)));
        }
        let Some(found) = version_archive::find(ctx, bucket, key, version_id).await? else {
            if no_current {
                // A removal of the current version that failed after its record went leaves
                // no object over the archived versions: the retry finishes it.
                promote_newest(ctx, bucket, key).await?;
            }
            return Ok(removed(None));
        };
        check(&found)?;
        let was_latest = found.dm
            && version_archive::newest(ctx, bucket, key)
                .await?
                .is_some_and(|n| n.place() == found.place());
        version_archive::remove(ctx, bucket, &found, true).await?;
        // With no current object, the newest version left becomes it (a removal of the current
        // version that stopped after its record went, retried, finds the version's archived
        // copy here).
        if was_latest || no_current {
            promote_newest(ctx, bucket, key).await?;
        }
        return Ok(removed(Some(&found)));
    }
    Err(S3Error::new(ErrorCode::ConditionalRequestConflict))
}

/// Makes the newest archived version of a key with no current object the object again,
/// unless it is a delete marker (which then is the current version as it is). Returns whether
/// it did. Also the cleanup pass's repair of a removal that stopped before this step.
pub async fn promote_newest<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> Result<bool, S3Error> {
    let Some(newest) = version_archive::newest(ctx, bucket, key).await? else {
        return Ok(false);
    };
    if newest.dm {
        return Ok(false);
    }
    if !ctx.store.lists_objects() {
        write_index_entry(ctx, bucket, &newest).await?;
    }
    let listed = listing_metadata(ctx.store, &newest);
    let name = names::object_record(bucket, key);
    let json = newest.to_json();
    if !ctx
        .store
        .put_if(&name, &json, listed.as_deref(), Expect::Absent)
        .await?
    {
        return Ok(false);
    }
    // A delete marker placed meanwhile over the key with no object went to the archive, newer
    // than this version: the marker stays the current version, and this one archived only.
    let still_newest = version_archive::newest(ctx, bucket, key)
        .await?
        .is_some_and(|n| n.place() == newest.place());
    if !still_newest {
        ctx.store.delete_if(&name, &json).await?;
        return Ok(false);
    }
    // Current now: its archive entry goes (its blobs are the object's). The null place stays
    // until the entry is gone, so a reader always finds one of the two.
    let (entry, _) = version_archive::entry_name(bucket, key, &newest.place());
    let mut gone = vec![entry];
    if newest.vid.is_none() {
        gone.push(version_archive::null_place_name(bucket, key));
    }
    let _ = BlobStore::delete_blobs(ctx.store, &gone).await;
    Ok(true)
}
