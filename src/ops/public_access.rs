//! PutPublicAccessBlock, GetPublicAccessBlock and DeletePublicAccessBlock on a bucket (API
//! Reference pages of the same names); the settings live in the bucket's record.

use super::{delete_bucket_config, owned_bucket, put_bucket_config};
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
    put_bucket_config(
        ctx,
        call,
        body,
        (BODY_MAX, 200),
        |record| &mut record.public_access_block,
        PublicAccessBlock::from_xml,
    )
    .await
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
    delete_bucket_config(ctx, call, |record| &mut record.public_access_block).await
}
