//! PutBucketWebsite, GetBucketWebsite and DeleteBucketWebsite (API Reference pages of the same
//! names); the configuration lives in the bucket's record. (The website endpoint that serves it
//! is still to come.)

use super::{delete_bucket_config, owned_bucket, put_bucket_config};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::store::{BlobStore, MetaStore};
use crate::website::WebsiteConfiguration;

/// Fifty routing rules fit well within this.
const WEBSITE_BODY_MAX: usize = 128 * 1024;

pub async fn put_bucket_website<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    put_bucket_config(
        ctx,
        call,
        body,
        (WEBSITE_BODY_MAX, 200),
        |record| &mut record.website,
        WebsiteConfiguration::from_xml,
    )
    .await
}

pub async fn get_bucket_website<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let website = record.website.ok_or_else(|| {
        S3Error::new(ErrorCode::NoSuchWebsiteConfiguration).detail("BucketName", call.bucket())
    })?;
    Ok(Response::xml(200, website.to_xml()))
}

pub async fn delete_bucket_website<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    delete_bucket_config(ctx, call, |record| &mut record.website).await
}
