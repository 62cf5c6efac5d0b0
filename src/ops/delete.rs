//! DeleteObject and DeleteObjects: idempotent deletes that remove the record, the listing
//! entry and the blob, in that order. Follows the S3 API Reference "DeleteObject" and "DeleteObjects".

use super::delete_version::{self, Removed};
use super::{owned_bucket, parse_stored, previous_record, read_small_body, versions};
use crate::auth::delegated;
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
    let bucket_record = owned_bucket(ctx, call).await?;
    let (bucket, key) = (call.bucket(), call.key());
    let version_id = versions::version_id_param(call)?;
    if version_id.is_some() || bucket_record.versioning.is_some() {
        let removed = delete_versioned(ctx, call, bucket, key, version_id.as_deref()).await?;
        let mut response = Response::new(204);
        if let Some(id) = removed.version_id {
            response = response.header("x-amz-version-id", id);
        }
        if removed.delete_marker {
            response = response.header("x-amz-delete-marker", "true");
        }
        return Ok(response);
    }
    let record = previous_record(ctx.store, call).await?.map(|p| p.record);
    MetaStore::delete(ctx.store, &names::object_record(bucket, key)).await?;
    BlobStore::delete_blobs(ctx.store, &leftovers(ctx, bucket, key, record.as_ref())).await?;
    Ok(Response::new(204))
}

/// A delete of `key` in a versioned bucket (a delete marker), or of one version of it.
async fn delete_versioned<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> Result<Removed, S3Error> {
    match (version_id, super::bucket_versioning(call)) {
        (Some(id), _) => {
            let check = super::object_lock::removal_check(ctx, call);
            delete_version::remove_version(ctx, bucket, key, id, check).await
        }
        (None, Some(status)) => {
            let owner = super::acl::caller_id(call);
            delete_version::place_marker(ctx, bucket, key, status, &owner).await
        }
        (None, None) => Err(S3Error::internal(
            "an unversioned delete took the versioned path",
        )),
    }
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
    let bucket_record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, DELETE_BODY_MAX).await?;
    let request = xml::parse_delete(&body)?;
    let keys = request.objects;
    let version_ids = request.version_ids;
    let mut outcomes: Vec<Option<Result<(), S3Error>>> = vec![None; keys.len()];
    let may_delete = |key: &str, version_id: Option<&String>| {
        super::access::allows(
            ctx.config,
            ctx.now_millis,
            call,
            &call.access,
            match version_id {
                Some(_) => "s3:DeleteObjectVersion",
                None => "s3:DeleteObject",
            },
            Some(key),
            None,
        )
    };
    for ((outcome, key), version_id) in outcomes.iter_mut().zip(&keys).zip(&version_ids) {
        *outcome = match super::put::validate_key(key) {
            Ok(()) if !may_delete(key, version_id.as_ref()) => {
                Some(Err(S3Error::new(ErrorCode::AccessDenied)))
            }
            Ok(()) => None,
            Err(err) => Some(Err(err)),
        };
    }
    // What one invocation's storage calls do not cover goes to other invocations, part by
    // part, while this one deletes the first part.
    let per_invocation = keys_per_invocation(
        ctx.store.lists_objects(),
        bucket_record.versioning.is_some() || version_ids.iter().any(Option::is_some),
    );
    let open: Vec<usize> = (0..keys.len()).filter(|&i| outcomes[i].is_none()).collect();
    let parts: Vec<&[usize]> = match ctx.delegate {
        Some(_) if !delegated::is_delegated(head) && open.len() > per_invocation => {
            open[per_invocation..].chunks(per_invocation).collect()
        }
        _ => Vec::new(),
    };
    let mut sent = vec![false; keys.len()];
    for &i in parts.iter().flat_map(|part| part.iter()) {
        sent[i] = true;
        outcomes[i] = Some(Ok(()));
    }
    let mut removed: Vec<Option<Removed>> = vec![None; keys.len()];
    let here = delete_here(
        ctx,
        call,
        bucket_record.versioning.is_some(),
        &keys,
        &version_ids,
        &mut outcomes,
        &mut removed,
    );
    let elsewhere = futures_util::future::join_all(
        parts
            .iter()
            .map(|part| delete_elsewhere(ctx, call, request.quiet, &keys, &version_ids, part)),
    );
    let ((), answers) = futures_util::future::join(here, elsewhere).await;

    let mut result = xml::DeleteResult::default();
    let entries = keys.iter().zip(outcomes).zip(removed).zip(&version_ids);
    for ((((key, outcome), removed), version_id), sent) in entries.zip(&sent) {
        match outcome.unwrap_or(Ok(())) {
            _ if *sent => {}
            Ok(()) if request.quiet => {}
            Ok(()) => {
                let entry = deleted_entry(key.clone(), removed, version_id.is_some());
                result.deleted.push(entry)
            }
            Err(err) => {
                err.log_if_internal(&ctx.request_id);
                let error = xml::DeleteError::from_error(key.clone(), &err)
                    .with_version(version_id.clone());
                result.errors.push(error);
            }
        }
    }
    for (part, answer) in parts.iter().zip(answers) {
        match answer {
            Ok(part_result) => {
                result.deleted.extend(part_result.deleted);
                result.errors.extend(part_result.errors);
            }
            Err(message) => {
                let err = S3Error::internal(&message);
                err.log_if_internal(&ctx.request_id);
                for &i in part.iter() {
                    let error = xml::DeleteError::from_error(keys[i].clone(), &err)
                        .with_version(version_ids[i].clone());
                    result.errors.push(error);
                }
            }
        }
    }
    Ok(Response::xml(200, result.to_xml()))
}

/// The most keys of a DeleteObjects one invocation deletes itself, within the 1,000 storage
/// calls a Worker invocation may make (`tests/budget_service.rs` counts them): a removal in a
/// versioned bucket, or of a version, takes up to 6 calls a key on either store; any other
/// takes one a key on the KV store (its binding has no batch delete), and on the
/// Durable-Object store a few calls for all the keys together.
pub fn keys_per_invocation(store_lists_objects: bool, versioned: bool) -> usize {
    match (versioned, store_lists_objects) {
        (true, _) => 150,
        (false, false) => 250,
        (false, true) => xml::MAX_DELETE_OBJECTS,
    }
}

/// The keys whose outcome is still open, deleted by this invocation: a versioned bucket's,
/// and versions, one key after another; the rest in batches.
async fn delete_here<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    bucket_versioned: bool,
    keys: &[String],
    version_ids: &[Option<String>],
    outcomes: &mut [Option<Result<(), S3Error>>],
    removed: &mut [Option<Removed>],
) {
    for (i, key) in keys.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        let version_id = match version_ids[i].as_deref() {
            None => None,
            Some(id)
                if id == crate::versioning::NULL_VERSION
                    || crate::versioning::is_version_id(id) =>
            {
                Some(id)
            }
            Some(_) => {
                outcomes[i] = Some(Err(S3Error::with_message(
                    ErrorCode::NoSuchVersion,
                    "The specified version does not exist.",
                )));
                continue;
            }
        };
        if version_id.is_none() && !bucket_versioned {
            continue;
        }
        outcomes[i] = Some(
            match delete_versioned(ctx, call, call.bucket(), key, version_id).await {
                Ok(done) => {
                    removed[i] = Some(done);
                    Ok(())
                }
                Err(err) => Err(err),
            },
        );
    }
    remove_many(ctx, call.bucket(), keys, outcomes).await;
}

/// The keys `part` names, deleted by another invocation of this Worker as a DeleteObjects of
/// their own, made on behalf of the same caller; its answer, or why there is none.
async fn delete_elsewhere<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    quiet: bool,
    keys: &[String],
    version_ids: &[Option<String>],
    part: &[usize],
) -> Result<xml::DeleteResult, String> {
    let delegate = ctx
        .delegate
        .ok_or("no other invocation to send a part to")?;
    let objects: Vec<(&str, Option<&str>)> = part
        .iter()
        .map(|&i| (keys[i].as_str(), version_ids[i].as_deref()))
        .collect();
    let body = xml::delete_request_xml(quiet, &objects).into_bytes();
    let head = delegated::part_head(
        call.head,
        &call.auth,
        &ctx.config.users,
        ctx.now_millis,
        &body,
    );
    let (status, answer) = delegate.send(head, body).await?;
    if status != 200 {
        let shown = &answer[..answer.len().min(512)];
        return Err(format!(
            "a part of {} keys sent to another invocation answered {status}: {}",
            part.len(),
            String::from_utf8_lossy(shown)
        ));
    }
    xml::DeleteResult::from_xml(&answer).map_err(|err| {
        format!(
            "the answer of a part sent to another invocation: {}",
            err.code.as_str()
        )
    })
}

/// How DeleteObjects reports one key deleted: with the version removed (`VersionId`, and for a
/// delete marker `DeleteMarker` and `DeleteMarkerVersionId`), or the delete marker made.
fn deleted_entry(key: String, removed: Option<Removed>, version_given: bool) -> xml::Deleted {
    let mut deleted = xml::Deleted::key(key);
    if let Some(removed) = removed {
        if version_given {
            deleted.version_id = removed.version_id.clone();
        }
        if removed.delete_marker {
            deleted.delete_marker = Some(true);
            deleted.delete_marker_version_id = removed.version_id;
        }
    }
    deleted
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
