//! ACL operations (PutBucketAcl, GetBucketAcl, PutObjectAcl, GetObjectAcl) and the ACL and
//! owner a new object or bucket gets from its request's `x-amz-acl` / `x-amz-grant-*` headers
//! (PutObject, CopyObject, CreateMultipartUpload, CreateBucket), under the bucket's ownership
//! controls ("Access control list (ACL) overview", "Controlling ownership of objects").

use super::access::{block_in_force, owner_named, ConfiguredAccounts};
use super::{owned_bucket, read_small_body, save_bucket};
use crate::authz::acl::{acl_from_headers, Acl, Owner, Target};
use crate::authz::ownership::ObjectOwnership;
use crate::authz::Principal;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::record::BucketRecord;
use crate::store::{BlobStore, MetaStore};

/// The canonical id S3 gives objects written anonymously.
pub const ANONYMOUS_ID: &str = "65a011a29cdf8ec533ec3d1ccaae921c";

/// An ACL body is small: a hundred grants at most.
const ACL_BODY_MAX: usize = 64 * 1024;

pub fn caller_id(call: &Call<'_>) -> String {
    match &call.principal {
        Principal::User(account) => account.canonical_id.clone(),
        Principal::Anonymous => ANONYMOUS_ID.to_string(),
    }
}

fn acls_disabled() -> S3Error {
    S3Error::new(ErrorCode::AccessControlListNotSupported)
}

fn has_grant_headers(call: &Call<'_>) -> bool {
    call.head
        .headers
        .iter()
        .any(|(name, _)| name.starts_with("x-amz-grant-"))
}

/// The ACL stored: `None` for the default (FULL_CONTROL to the owner alone).
fn stored(acl: Acl) -> Option<Acl> {
    let default = Acl::private(acl.owner.clone());
    (acl != default).then_some(acl)
}

/// Refuses a public ACL where BlockPublicAcls is in force.
fn check_public(
    config: &crate::context::Config,
    bucket: &BucketRecord,
    acl: &Acl,
) -> Result<(), S3Error> {
    if block_in_force(config, bucket).block_public_acls && acl.is_public() {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    Ok(())
}

/// The owner and ACL of an object the caller writes into `bucket` now.
pub fn new_object_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    bucket: &BucketRecord,
) -> Result<(String, Option<Acl>), S3Error> {
    let ownership = bucket.ownership.unwrap_or_default();
    let canned = call.head.header("x-amz-acl").map(str::trim);
    if !ownership.acls_enabled() {
        // With ACLs disabled only the one ACL that changes nothing is accepted.
        if has_grant_headers(call) || canned.is_some_and(|c| c != "bucket-owner-full-control") {
            return Err(acls_disabled());
        }
        return Ok((bucket.owner.clone(), None));
    }
    let writer = caller_id(call);
    let owner_id = ownership.owner_of_new_object(&writer, &bucket.owner, canned);
    let owner = owner_named(ctx.config, owner_id);
    let bucket_owner = owner_named(ctx.config, &bucket.owner);
    let accounts = ConfiguredAccounts(&ctx.config.users);
    let acl = acl_from_headers(
        &call.head.headers,
        Target::Object,
        &owner,
        &bucket_owner,
        &accounts,
    )?;
    if let Some(acl) = &acl {
        check_public(ctx.config, bucket, acl)?;
    }
    Ok((owner.id.clone(), acl.and_then(stored)))
}

/// The ACL of a bucket the caller creates now with `ownership`.
pub fn new_bucket_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    owner_id: &str,
    ownership: ObjectOwnership,
) -> Result<Option<Acl>, S3Error> {
    let owner = owner_named(ctx.config, owner_id);
    let accounts = ConfiguredAccounts(&ctx.config.users);
    let Some(acl) = acl_from_headers(
        &call.head.headers,
        Target::Bucket,
        &owner,
        &owner,
        &accounts,
    )?
    else {
        return Ok(None);
    };
    let acl = stored(acl);
    if acl.is_some() && !ownership.acls_enabled() {
        return Err(S3Error::new(ErrorCode::InvalidBucketAclWithObjectOwnership));
    }
    if acl.as_ref().is_some_and(Acl::is_public) && ctx.config.public_access_block.block_public_acls
    {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    Ok(acl)
}

/// The ACL a PutBucketAcl or PutObjectAcl request asks for: its headers or its body, not both.
async fn requested_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
    target: Target,
    owner: &Owner,
    bucket_owner: &Owner,
) -> Result<Acl, S3Error> {
    let accounts = ConfiguredAccounts(&ctx.config.users);
    let from_headers =
        acl_from_headers(&call.head.headers, target, owner, bucket_owner, &accounts)?;
    let body = read_small_body(ctx, call, body, ACL_BODY_MAX).await?;
    match (from_headers, body.is_empty()) {
        (Some(acl), true) => Ok(acl),
        (Some(_), false) => Err(S3Error::with_message(
            ErrorCode::UnexpectedContent,
            "This request does not support content",
        )),
        (None, false) => {
            let acl = Acl::from_xml(&body, &accounts)?;
            acl.check_owner(owner)?;
            Ok(acl)
        }
        (None, true) => {
            Err(S3Error::new(ErrorCode::MissingSecurityHeader)
                .detail("MissingHeaderName", "x-amz-acl"))
        }
    }
}

pub async fn get_bucket_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let owner = owner_named(ctx.config, &record.owner);
    let acl = match record.acl {
        Some(acl) if record.ownership.unwrap_or_default().acls_enabled() => acl,
        _ => Acl::private(owner),
    };
    Ok(Response::xml(200, acl.to_xml()))
}

pub async fn put_bucket_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let owner = owner_named(ctx.config, &record.owner);
    let acl = requested_acl(ctx, call, body, Target::Bucket, &owner, &owner).await?;
    if !record.ownership.unwrap_or_default().acls_enabled() && stored(acl.clone()).is_some() {
        return Err(acls_disabled());
    }
    check_public(ctx.config, &record, &acl)?;
    record.acl = stored(acl);
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(200))
}

fn no_such_key(call: &Call<'_>) -> S3Error {
    S3Error::new(ErrorCode::NoSuchKey).detail("Key", call.key())
}

pub async fn get_object_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let bucket = owned_bucket(ctx, call).await?;
    let object = super::readable_record(ctx, call)
        .await?
        .ok_or_else(|| no_such_key(call))?;
    let enabled = bucket.ownership.unwrap_or_default().acls_enabled();
    let owner_id = match (&object.owner, enabled) {
        (Some(owner), true) => owner.clone(),
        _ => bucket.owner.clone(),
    };
    let acl = match object.acl {
        Some(acl) if enabled => acl,
        _ => Acl::private(owner_named(ctx.config, &owner_id)),
    };
    Ok(Response::xml(200, acl.to_xml()))
}

pub async fn put_object_acl<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let bucket = owned_bucket(ctx, call).await?;
    let object = super::readable_record(ctx, call)
        .await?
        .ok_or_else(|| no_such_key(call))?;
    let owner_id = object.owner.clone().unwrap_or_else(|| bucket.owner.clone());
    let owner = owner_named(ctx.config, &owner_id);
    let bucket_owner = owner_named(ctx.config, &bucket.owner);
    let acl = requested_acl(ctx, call, body, Target::Object, &owner, &bucket_owner).await?;
    if !bucket.ownership.unwrap_or_default().acls_enabled() && stored(acl.clone()).is_some() {
        return Err(acls_disabled());
    }
    check_public(ctx.config, &bucket, &acl)?;
    let acl = stored(acl);
    // The ACL was checked against the owner read by the authorization step; a write that
    // changed the object's owner since then makes it stale.
    super::update_requested(ctx, call, |current| {
        if current.owner != object.owner {
            return Err(S3Error::new(ErrorCode::ConditionalRequestConflict));
        }
        current.acl = acl.clone();
        Ok(())
    })
    .await?
    .ok_or_else(|| no_such_key(call))?;
    Ok(Response::new(200))
}
