//! The version archive of a versioned bucket: every version that is not the current object (an
//! overwritten version, a delete marker) is an R2 object holding its record, named by key and
//! place so that a key's versions list newest first, as ListObjectVersions lists them (S3 API
//! Reference "ListObjectVersions"; names from `listing::upload_names` under
//! `version-index/<bucket>/`), with the fields a listing shows in its metadata. The current
//! object stays in the metadata store (`object/…`), where GET and ListObjects find it as before.
//! The `null` version's place is kept beside it (`version-null/<bucket>/<hash of key>`), since its
//! id does not tell it.

use super::LoadResult;
use crate::context::Ctx;
use crate::error::S3Error;
use crate::listing::versions::archive_field;
use crate::listing::{field, upload_names};
use crate::record::{read_record, ObjectRecord};
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreResult};
use crate::versioning::{is_version_id, NULL_VERSION};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// R2 prefix of a bucket's version archive.
pub fn root(bucket: &str) -> String {
    format!("version-index/{bucket}/")
}

/// R2 name of a version's archive entry, and whether it had to be truncated.
pub fn entry_name(bucket: &str, key: &str, place: &str) -> (String, bool) {
    upload_names::entry_name(&root(bucket), key, place)
}

/// The bucket and key an archive entry (`entry`, named `version-index/<rest>`) belongs to.
pub fn entry_owner(rest: &str, entry: &BlobEntry) -> Option<(String, String)> {
    let (bucket, name) = rest.split_once('/')?;
    let (escaped, _, truncated) = upload_names::parse(name)?;
    let key = match truncated {
        true => entry.custom.get(field::FULL_KEY)?.clone(),
        false => upload_names::unescape(escaped),
    };
    Some((bucket.to_string(), key))
}

/// R2 prefix of a bucket's null-version places.
pub fn null_prefix(bucket: &str) -> String {
    format!("version-null/{bucket}/")
}

/// R2 name holding the place of `key`'s archived null version.
pub fn null_place_name(bucket: &str, key: &str) -> String {
    format!(
        "{}{}",
        null_prefix(bucket),
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

/// The metadata of a version's entry: what ListObjectVersions shows of it.
pub fn entry_metadata(record: &ObjectRecord, truncated: bool) -> BTreeMap<String, String> {
    let mut custom = super::put::listing_fields(record, truncated);
    custom.insert(
        archive_field::VERSION_ID.to_string(),
        record.version_id().to_string(),
    );
    if record.dm {
        custom.insert(archive_field::DELETE_MARKER.to_string(), "1".to_string());
    }
    custom
}

/// Keeps `record` (a version that is no longer, or never was, the current object) in the
/// archive; a null version's place is kept beside it.
pub async fn archive<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &ObjectRecord,
) -> StoreResult<()> {
    let place = record.place();
    let (name, truncated) = entry_name(bucket, &record.key, &place);
    let mut kept = record.clone();
    if kept.vid.is_none() {
        kept.place = Some(place.clone());
    }
    ctx.store
        .put_small(
            &name,
            kept.to_json().into_bytes(),
            entry_metadata(&kept, truncated),
        )
        .await?;
    if record.vid.is_none() {
        ctx.store
            .put_small(
                &null_place_name(bucket, &record.key),
                place.into_bytes(),
                BTreeMap::new(),
            )
            .await?;
    }
    Ok(())
}

/// The archived version of `key` at `place`, if any.
pub async fn read_at<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    place: &str,
) -> LoadResult<Option<ObjectRecord>> {
    let (name, _) = entry_name(bucket, key, place);
    let Some(bytes) = ctx.store.get_small(&name).await? else {
        return Ok(None);
    };
    let record: ObjectRecord = read_record(&name, &bytes)?;
    // A truncated name is shared by every key of its group: the record tells whose it is.
    Ok((record.key == key).then_some(record))
}

/// The place of `key`'s archived null version, if it has one.
pub async fn null_place<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> LoadResult<Option<String>> {
    let bytes = ctx.store.get_small(&null_place_name(bucket, key)).await?;
    Ok(bytes
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|place| is_version_id(place)))
}

/// The archived version of `key` with id `version_id` (`null` included), if any.
pub async fn find<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    version_id: &str,
) -> LoadResult<Option<ObjectRecord>> {
    let place = match version_id {
        NULL_VERSION => match null_place(ctx, bucket, key).await? {
            Some(place) => place,
            None => return Ok(None),
        },
        id => id.to_string(),
    };
    let found = read_at(ctx, bucket, key, &place).await?;
    Ok(found.filter(|r| r.version_id() == version_id))
}

/// The newest archived version of `key`, if any: one R2 `list` call, and one read.
pub async fn newest<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> LoadResult<Option<ObjectRecord>> {
    let (prefix, shared) = upload_names::key_prefix(&root(bucket), key);
    let page = ctx
        .store
        .list_blobs(BlobListOptions {
            prefix: &prefix,
            limit: if shared { 1000 } else { 1 },
            ..BlobListOptions::default()
        })
        .await?;
    let newest = page
        .entries
        .iter()
        .filter(|e| !shared || e.custom.get(field::FULL_KEY).map(String::as_str) == Some(key))
        .filter_map(|e| upload_names::upload_id_of(&e.name))
        .min();
    match newest {
        Some(place) => read_at(ctx, bucket, key, place).await,
        None => Ok(None),
    }
}

/// Removes an archived version for good: its entry, its null place, and with `blobs` its bytes.
pub async fn remove<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &ObjectRecord,
    blobs: bool,
) -> Result<(), S3Error> {
    let mut names = vec![entry_name(bucket, &record.key, &record.place()).0];
    if record.vid.is_none() {
        names.push(null_place_name(bucket, &record.key));
    }
    if blobs {
        names.extend(record.blobs().into_iter().filter(|b| !b.is_empty()));
    }
    BlobStore::delete_blobs(ctx.store, &names).await?;
    Ok(())
}
