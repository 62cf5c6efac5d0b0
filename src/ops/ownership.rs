//! PutBucketOwnershipControls, GetBucketOwnershipControls and DeleteBucketOwnershipControls
//! (API Reference pages of the same names); the setting lives in the bucket's record.

use super::{delete_bucket_config, owned_bucket, read_small_body, save_bucket};
use crate::authz::acl::{Grantee, Permission};
use crate::authz::ownership::ObjectOwnership;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::store::{BlobStore, MetaStore};

const BODY_MAX: usize = 4096;

pub async fn put_ownership_controls<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, BODY_MAX).await?;
    let ownership = ObjectOwnership::from_xml(&body)?;
    // ACLs go away with BucketOwnerEnforced: a bucket ACL granting anyone but the owner stays
    // in force unless it is reset first, so S3 refuses.
    let grants_others = record.acl.as_ref().is_some_and(|acl| {
        acl.grants.iter().any(|grant| {
            !matches!(&grant.grantee, Grantee::User { id, .. } if *id == record.owner)
                || grant.permission != Permission::FullControl
        })
    });
    if ownership == ObjectOwnership::BucketOwnerEnforced && grants_others {
        return Err(S3Error::new(ErrorCode::InvalidBucketAclWithObjectOwnership));
    }
    record.ownership = Some(ownership);
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(200))
}

pub async fn get_ownership_controls<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let ownership = record.ownership.ok_or_else(|| {
        S3Error::new(ErrorCode::OwnershipControlsNotFoundError).detail("BucketName", call.bucket())
    })?;
    Ok(Response::xml(200, ownership.to_xml()))
}

pub async fn delete_ownership_controls<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    delete_bucket_config(ctx, call, |record| &mut record.ownership).await
}
