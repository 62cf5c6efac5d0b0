//! Object and bucket tag sets: Put/Get/DeleteObjectTagging and Put/Get/DeleteBucketTagging.
//! Follows the S3 API Reference pages of those names. Object tags live in the object's record
//! (so GET and HEAD answer `x-amz-tagging-count` without another read), bucket tags in the
//! bucket's record.

use super::{
    delete_bucket_config, owned_bucket, put_bucket_config, read_small_body, readable_record,
    update_requested,
};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::record::ObjectRecord;
use crate::store::{BlobStore, MetaStore};
use crate::tagging::{self, Owner, TagSet};

/// A Tagging document of 50 tags of the longest keys and values, escaped, fits easily.
const TAGGING_BODY_MAX: usize = 256 * 1024;

fn no_such_key(key: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchKey).detail("Key", key)
}

pub async fn get_object_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let Some(record) = readable_record(ctx, call).await? else {
        return Err(super::missing_object(ctx, call).await);
    };
    let response = Response::xml(200, tagging::to_xml(&record.tags));
    Ok(with_version(call, &record, response))
}

pub async fn put_object_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, TAGGING_BODY_MAX).await?;
    let tags = tagging::parse_xml(&body, Owner::Object)?;
    let record = replace_object_tags(ctx, call, tags).await?;
    Ok(with_version(call, &record, Response::new(200)))
}

pub async fn delete_object_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    owned_bucket(ctx, call).await?;
    let record = replace_object_tags(ctx, call, TagSet::new()).await?;
    Ok(with_version(call, &record, Response::new(204)))
}

/// Rewrites the record with new tags; the bytes and everything else stay as they are.
async fn replace_object_tags<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    tags: TagSet,
) -> Result<ObjectRecord, S3Error> {
    update_requested(ctx, call, |record| {
        record.tags = tags.clone();
        Ok(())
    })
    .await?
    .ok_or_else(|| no_such_key(call.key()))
}

/// `response` with the `x-amz-version-id` of the version it is about, in a versioned bucket.
fn with_version<B>(call: &Call<'_>, record: &ObjectRecord, response: Response<B>) -> Response<B> {
    match super::get::shown_version_id(call, record) {
        Some(id) => response.header("x-amz-version-id", id),
        None => response,
    }
}

pub async fn get_bucket_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    match record.tags {
        Some(tags) if !tags.is_empty() => Ok(Response::xml(200, tagging::to_xml(&tags))),
        _ => Err(S3Error::new(ErrorCode::NoSuchTagSet).detail("BucketName", call.bucket())),
    }
}

pub async fn put_bucket_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    put_bucket_config(
        ctx,
        call,
        body,
        (TAGGING_BODY_MAX, 204),
        |record| &mut record.tags,
        |body| tagging::parse_xml(body, Owner::Bucket),
    )
    .await
}

pub async fn delete_bucket_tagging<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    delete_bucket_config(ctx, call, |record| &mut record.tags).await
}
