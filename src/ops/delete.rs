//! DeleteObject and DeleteObjects: idempotent deletes that remove the record, the listing
//! entry and the blob, in that order. Follows the S3 API Reference "DeleteObject" and "DeleteObjects".

use super::{owned_bucket, parse_stored, previous_record, read_small_body};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::record::ObjectRecord;
use crate::store::{BlobStore, MetaStore, BLOB_BATCH_MAX};
use crate::xml;

/// S3 reads at most this much of a DeleteObjects body (1,000 keys of 1,024 bytes, escaped).
const DELETE_BODY_MAX: usize = 8 * 1024 * 1024;

pub async fn delete_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    owned_bucket(ctx, call).await?;
    let (bucket, key) = (call.bucket(), call.key());
    let record = previous_record(ctx.store, call).await?.map(|p| p.record);
    MetaStore::delete(ctx.store, &names::object_record(bucket, key)).await?;
    BlobStore::delete_blobs(ctx.store, &leftovers(ctx, bucket, key, record.as_ref())).await?;
    Ok(Response::new(204))
}

/// What goes from R2 with a deleted object: its blobs, and its listing-index entry where the
/// store keeps one. The entry goes even when this location's KV has not seen the record yet
/// (the index is strongly consistent and would otherwise keep listing the key).
fn leftovers<S: MetaStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    record: Option<&ObjectRecord>,
) -> Vec<String> {
    let mut names = Vec::new();
    if !ctx.store.lists_objects() {
        names.push(names::index_name(bucket, key).name().to_string());
    }
    names.extend(
        record
            .map(|r| r.blobs())
            .unwrap_or_default()
            .into_iter()
            .filter(|b| !b.is_empty()),
    );
    names
}

pub async fn delete_objects<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let head = call.head;
    let has_digest = head.header("content-md5").is_some()
        || head
            .headers
            .iter()
            .any(|(name, _)| name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-mode")
        || head.header("x-amz-sdk-checksum-algorithm").is_some();
    if !has_digest {
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Missing required header for this request: Content-MD5",
        ));
    }
    owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, DELETE_BODY_MAX).await?;
    let request = xml::parse_delete(&body)?;
    let keys = request.objects;
    let mut outcomes: Vec<Option<Result<(), S3Error>>> = vec![None; keys.len()];
    let may_delete = |key: &str| {
        super::access::allows(
            ctx.config,
            ctx.now_millis,
            call,
            &call.access,
            "s3:DeleteObject",
            Some(key),
            None,
        )
    };
    for (outcome, key) in outcomes.iter_mut().zip(&keys) {
        *outcome = match super::put::validate_key(key) {
            Ok(()) if !may_delete(key) => Some(Err(S3Error::new(ErrorCode::AccessDenied))),
            Ok(()) => None,
            Err(err) => Some(Err(err)),
        };
    }
    remove_many(ctx, call.bucket(), &keys, &mut outcomes).await;

    let mut result = xml::DeleteResult::default();
    for (key, outcome) in keys.into_iter().zip(outcomes) {
        match outcome.unwrap_or(Ok(())) {
            Ok(()) if request.quiet => {}
            Ok(()) => result.deleted.push(xml::Deleted::key(key)),
            Err(err) => {
                err.log_if_internal(&ctx.request_id);
                result.errors.push(xml::DeleteError::from_error(key, &err));
            }
        }
    }
    Ok(Response::xml(200, result.to_xml()))
}

/// Deletes the keys whose outcome is still open, in batches: their records read a bulk read at
/// a time, deleted together (one call on the Durable-Object store), then their blobs and
/// listing entries in R2's batches of 1,000 names. Each key's outcome says what happened to it.
async fn remove_many<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    keys: &[String],
    outcomes: &mut [Option<Result<(), S3Error>>],
) {
    let open: Vec<usize> = (0..keys.len()).filter(|&i| outcomes[i].is_none()).collect();
    let record_names: Vec<String> = keys
        .iter()
        .map(|key| names::object_record(bucket, key))
        .collect();
    let mut records: Vec<Option<ObjectRecord>> = vec![None; keys.len()];
    for chunk in open.chunks(ctx.store.get_many_max()) {
        let asked: Vec<&str> = chunk.iter().map(|&i| record_names[i].as_str()).collect();
        match ctx.store.get_many(&asked).await {
            Ok(found) => {
                for (&i, json) in chunk.iter().zip(found) {
                    match parse_stored::<ObjectRecord>(&record_names[i], json) {
                        Ok(record) => records[i] = record,
                        Err(unreadable) => outcomes[i] = Some(Err(unreadable.into())),
                    }
                }
            }
            Err(err) => {
                for &i in chunk {
                    outcomes[i] = Some(Err(err.clone().into()));
                }
            }
        }
    }

    let doomed: Vec<usize> = open
        .into_iter()
        .filter(|&i| outcomes[i].is_none())
        .collect();
    let names_to_delete: Vec<&str> = doomed.iter().map(|&i| record_names[i].as_str()).collect();
    let (deleted, failure) = ctx.store.delete_many(&names_to_delete).await;
    if let Err(err) = failure {
        for &i in &doomed[deleted..] {
            outcomes[i] = Some(Err(err.clone().into()));
        }
    }

    // R2's batches, each remembering whose names it carries.
    let mut batches: Vec<(Vec<String>, Vec<usize>)> = vec![(Vec::new(), Vec::new())];
    for &i in &doomed[..deleted] {
        for name in leftovers(ctx, bucket, &keys[i], records[i].as_ref()) {
            if batches
                .last()
                .is_some_and(|(names, _)| names.len() == BLOB_BATCH_MAX)
            {
                batches.push((Vec::new(), Vec::new()));
            }
            let (names, owners) = batches.last_mut().expect("a batch");
            names.push(name);
            if owners.last() != Some(&i) {
                owners.push(i);
            }
        }
    }
    for (names, owners) in batches.into_iter().filter(|(n, _)| !n.is_empty()) {
        if let Err(err) = BlobStore::delete_blobs(ctx.store, &names).await {
            // The records are gone; what R2 kept, the cleanup pass removes.
            for i in owners {
                outcomes[i] = Some(Err(err.clone().into()));
            }
        }
    }
}
