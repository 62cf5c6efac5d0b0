//! PutBucketCors, GetBucketCors, DeleteBucketCors (API Reference pages of the same names), and
//! the CORS preflight (`OPTIONS`, "Using cross-origin resource sharing (CORS)"): answered from
//! the bucket's configuration alone, without authentication.

use super::{delete_bucket_config, load_bucket, owned_bucket, put_bucket_config};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::cors::{parse_request_headers, preflight_headers, CorsConfiguration};
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use crate::router::Route;
use crate::store::{BlobStore, MetaStore};

/// A configuration of 100 rules fits well within this.
const CORS_BODY_MAX: usize = 256 * 1024;

pub async fn put_bucket_cors<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    put_bucket_config(
        ctx,
        call,
        body,
        (CORS_BODY_MAX, 200),
        |record| &mut record.cors,
        CorsConfiguration::from_xml,
    )
    .await
}

pub async fn get_bucket_cors<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let cors = record.cors.ok_or_else(|| {
        S3Error::new(ErrorCode::NoSuchCORSConfiguration).detail("BucketName", call.bucket())
    })?;
    Ok(Response::xml(200, cors.to_xml()))
}

pub async fn delete_bucket_cors<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    delete_bucket_config(ctx, call, |record| &mut record.cors).await
}

fn bad_request(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::BadRequest, message)
}

/// An `OPTIONS` preflight: 200 with the matching rule's headers, or S3's refusal.
pub async fn preflight<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    route: &Route,
) -> OpResult<S::Body> {
    let origin = head
        .header("origin")
        .ok_or_else(|| bad_request("Insufficient information. Origin request header needed."))?;
    let method = head
        .header("access-control-request-method")
        .ok_or_else(|| bad_request("Invalid Access-Control-Request-Method: null"))?;
    let bucket = route.bucket.as_deref().unwrap_or_default();
    let record = load_bucket(ctx.store, bucket)
        .await?
        .ok_or_else(|| S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", bucket))?;
    let requested = parse_request_headers(
        head.header("access-control-request-headers")
            .unwrap_or_default(),
    );
    let refused = |message: &str| {
        S3Error::with_message(ErrorCode::AccessForbidden, message)
            .detail("Method", method)
            .detail(
                "ResourceType",
                if route.key.is_some() {
                    "OBJECT"
                } else {
                    "BUCKET"
                },
            )
    };
    let cors = record
        .cors
        .as_ref()
        .ok_or_else(|| refused("CORSResponse: CORS is not enabled for this bucket."))?;
    let rule = cors
        .match_preflight(origin, method.trim(), &requested)
        .ok_or_else(|| refused(ErrorCode::AccessForbidden.default_message()))?;
    let mut response = Response::new(200);
    response
        .headers
        .extend(preflight_headers(rule, origin, &requested));
    Ok(response)
}
