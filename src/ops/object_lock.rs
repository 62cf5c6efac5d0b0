//! Object Lock operations (S3 API Reference "PutObjectLockConfiguration",
//! "GetObjectLockConfiguration", "PutObjectRetention", "GetObjectRetention",
//! "PutObjectLegalHold", "GetObjectLegalHold"), and the check a removal of a version passes.
//! The bucket's configuration lives in its record; a version's retention and legal hold in the
//! version's record (current, or archived).

use super::{owned_bucket, read_small_body, readable_record, save_bucket, update_requested};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::lock::rules::{self, Bypass};
use crate::lock::{config, headers, retention};
use crate::record::ObjectRecord;
use crate::store::{BlobStore, MetaStore};
use crate::versioning::VersioningStatus;

/// Every Object Lock document is a few hundred bytes.
const LOCK_BODY_MAX: usize = 64 * 1024;

pub async fn get_object_lock_configuration<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    if !record.object_lock_enabled() {
        return Err(
            S3Error::new(ErrorCode::ObjectLockConfigurationNotFoundError)
                .detail("BucketName", call.bucket()),
        );
    }
    let xml = config::configuration_xml(record.lock_default.as_ref());
    Ok(Response::xml(200, xml))
}

/// Sets the default retention; on a versioned bucket without Object Lock, enables it for good
/// (as S3 allows since 2023); on any other, InvalidBucketState.
pub async fn put_object_lock_configuration<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, LOCK_BODY_MAX).await?;
    let default = config::parse_configuration(&body)?;
    if !record.object_lock_enabled() && record.versioning != Some(VersioningStatus::Enabled) {
        return Err(S3Error::with_message(
            ErrorCode::InvalidBucketState,
            "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
        ));
    }
    record.object_lock = true;
    record.lock_default = default;
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(200))
}

fn require_lock_enabled(call: &Call<'_>) -> Result<(), S3Error> {
    match call
        .access
        .bucket
        .as_ref()
        .is_some_and(|b| b.object_lock_enabled())
    {
        true => Ok(()),
        false => Err(headers::missing_configuration()),
    }
}

/// The version a Get…Retention / Get…LegalHold call is about, in a lock-enabled bucket.
async fn read_version<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> Result<ObjectRecord, S3Error> {
    require_lock_enabled(call)?;
    match readable_record(ctx, call).await? {
        Some(record) => Ok(record),
        None => Err(super::missing_object(ctx, call).await),
    }
}

fn no_such_key(call: &Call<'_>) -> S3Error {
    S3Error::new(ErrorCode::NoSuchKey).detail("Key", call.key())
}

/// `response` naming the version it is about.
fn with_version<B>(call: &Call<'_>, record: &ObjectRecord, response: Response<B>) -> Response<B> {
    match super::get::shown_version_id(call, record) {
        Some(id) => response.header("x-amz-version-id", id),
        None => response,
    }
}

pub async fn get_object_retention<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = read_version(ctx, call).await?;
    let Some(retention) = record.lock.retention else {
        return Err(S3Error::new(ErrorCode::NoSuchObjectLockConfiguration));
    };
    let response = Response::xml(200, retention::retention_xml(&retention));
    Ok(with_version(call, &record, response))
}

pub async fn put_object_retention<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    require_lock_enabled(call)?;
    let body = read_small_body(ctx, call, body, LOCK_BODY_MAX).await?;
    let new = retention::parse_retention(&body, ctx.now_millis)?;
    let now = ctx.now_millis;
    let record = update_requested(ctx, call, |record| {
        let current = record.lock.retention;
        rules::check_retention_change(
            current.as_ref(),
            new.as_ref(),
            now,
            bypass(ctx, call, record),
        )?;
        record.lock.retention = new;
        Ok(())
    })
    .await?
    .ok_or_else(|| no_such_key(call))?;
    Ok(with_version(call, &record, Response::new(200)))
}

pub async fn get_object_legal_hold<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = read_version(ctx, call).await?;
    let Some(on) = record.lock.legal_hold else {
        return Err(S3Error::new(ErrorCode::NoSuchObjectLockConfiguration));
    };
    let response = Response::xml(200, retention::legal_hold_xml(on));
    Ok(with_version(call, &record, response))
}

pub async fn put_object_legal_hold<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    require_lock_enabled(call)?;
    let body = read_small_body(ctx, call, body, LOCK_BODY_MAX).await?;
    let on = retention::parse_legal_hold(&body)?;
    let record = update_requested(ctx, call, |record| {
        record.lock.legal_hold = Some(on);
        Ok(())
    })
    .await?
    .ok_or_else(|| no_such_key(call))?;
    Ok(with_version(call, &record, Response::new(200)))
}

/// Whether `call` may bypass GOVERNANCE retention of `record`: it asks to, and is allowed
/// `s3:BypassGovernanceRetention` on the object.
pub fn bypass<S>(ctx: &Ctx<'_, S>, call: &Call<'_>, record: &ObjectRecord) -> Bypass {
    if !headers::bypass_requested(call.head) {
        return Bypass::No;
    }
    let allowed = super::access::allows(
        ctx.config,
        ctx.now_millis,
        call,
        &call.access,
        "s3:BypassGovernanceRetention",
        Some(&record.key),
        Some(record),
    );
    match allowed {
        true => Bypass::Granted,
        false => Bypass::No,
    }
}

/// The check a removal for good of a version of `call`'s bucket passes (DeleteObject and
/// DeleteObjects with a version id): refused while a legal hold or retention protects it.
pub fn removal_check<'a, S>(
    ctx: &'a Ctx<'_, S>,
    call: &'a Call<'_>,
) -> impl Fn(&ObjectRecord) -> Result<(), S3Error> + 'a {
    move |record: &ObjectRecord| {
        if record.lock.is_none() {
            return Ok(());
        }
        rules::check_removal(&record.lock, ctx.now_millis, bypass(ctx, call, record))
    }
}
