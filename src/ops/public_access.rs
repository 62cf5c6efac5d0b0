//! PutPublicAccessBlock, GetPublicAccessBlock and DeletePublicAccessBlock on a bucket (API
//! Reference pages of the same names); the settings live in the bucket's record.

use super::{owned_bucket, read_small_body, save_bucket};
use crate::authz::public_access::PublicAccessBlock;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::store::{BlobStore, MetaStore};

const BODY_MAX: usize = 4096;

pub async fn put_public_access_block<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, BODY_MAX).await?;
    record.public_access_block = Some(PublicAccessBlock::from_xml(&body)?);
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(200))
}

pub async fn get_public_access_block<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let block = record.public_access_block.ok_or_else(|| {
        S3Error::new(ErrorCode::NoSuchPublicAccessBlockConfiguration)
            .detail("BucketName", call.bucket())
    })?;
    Ok(Response::xml(200, block.to_xml()))
}

pub async fn delete_public_access_block<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    if record.public_access_block.take().is_some() {
        save_bucket(ctx, call.bucket(), &record).await?;
    }
    Ok(Response::new(204))
}
