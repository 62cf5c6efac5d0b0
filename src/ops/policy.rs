//! Bucket policy operations: PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy and
//! GetBucketPolicyStatus (API Reference pages of the same names). The document is validated on
//! put and kept byte for byte in the bucket's record, where authorization reads it.

use super::{delete_bucket_config, owned_bucket, read_small_body, save_bucket};
use crate::authz::policy::{Policy, MAX_POLICY_BYTES};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::store::{BlobStore, MetaStore};
use crate::xml::{to_xml, S3_XMLNS};
use serde::Serialize;

/// The largest body PutBucketPolicy reads: room for a document at [`MAX_POLICY_BYTES`] once
/// normalized, written with generous whitespace.
const RAW_POLICY_MAX: usize = 8 * MAX_POLICY_BYTES;

fn no_policy(bucket: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchBucketPolicy).detail("BucketName", bucket)
}

pub async fn put_bucket_policy<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    // S3 limits the document once whitespace is taken out (`Policy::parse` checks that); a body
    // far past any such document is not read at all.
    let body = read_small_body(ctx, call, body, RAW_POLICY_MAX).await?;
    let text = String::from_utf8(body).map_err(|_| {
        S3Error::with_message(
            ErrorCode::MalformedPolicy,
            "Policies must be valid JSON and the first byte must be '{'",
        )
    })?;
    let policy = Policy::parse(&text, call.bucket())?;
    if super::access::block_in_force(ctx.config, &record).block_public_policy && policy.is_public()
    {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    record.policy = Some(text);
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(204))
}

pub async fn get_bucket_policy<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let policy = record.policy.ok_or_else(|| no_policy(call.bucket()))?;
    let mut response = Response::new(200).header("content-type", "application/json");
    response.body = crate::context::Body::Bytes(policy.into_bytes());
    Ok(response)
}

pub async fn delete_bucket_policy<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    delete_bucket_config(ctx, call, |record| &mut record.policy).await
}

#[derive(Serialize)]
#[serde(rename = "PolicyStatus")]
struct PolicyStatus {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "IsPublic")]
    is_public: bool,
}

pub async fn get_bucket_policy_status<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let text = record.policy.ok_or_else(|| no_policy(call.bucket()))?;
    let is_public = Policy::load(&text, call.bucket()).is_ok_and(|p| p.is_public());
    Ok(Response::xml(
        200,
        to_xml(&PolicyStatus {
            xmlns: S3_XMLNS,
            is_public,
        }),
    ))
}
