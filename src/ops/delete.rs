//! DeleteObject and DeleteObjects: idempotent deletes that remove the record, the listing
//! entry and the blob, in that order. Follows the S3 API Reference "DeleteObject" and "DeleteObjects".

use super::get::load_record;
use super::{owned_bucket, read_small_body};
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::service::{Call, Ctx, OpResult, Response};
use crate::store::{BlobStore, MetaStore};
use crate::xml;

/// S3 reads at most this much of a DeleteObjects body (1,000 keys of 1,024 bytes, escaped).
const DELETE_BODY_MAX: usize = 8 * 1024 * 1024;

pub async fn delete_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    owned_bucket(ctx, call).await?;
    remove(ctx, call.bucket(), call.key()).await?;
    Ok(Response::new(204))
}

/// Removes one object if it exists; removing a missing key succeeds, as in S3.
pub async fn remove<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> Result<(), S3Error> {
    let Some(record) = load_record(ctx, bucket, key).await? else {
        return Ok(());
    };
    MetaStore::delete(ctx.store, &names::object_record(bucket, key)).await?;
    let index = names::index_name(bucket, key);
    BlobStore::delete_blobs(ctx.store, &[index.name().to_string(), record.blob]).await?;
    Ok(())
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
    owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, DELETE_BODY_MAX).await?;
    let request = xml::parse_delete(&body)?;
    let mut result = xml::DeleteResult::default();
    for key in request.objects {
        let outcome = match super::put::validate_key(&key) {
            Ok(()) => remove(ctx, call.bucket(), &key).await,
            Err(err) => Err(err),
        };
        match outcome {
            Ok(()) if request.quiet => {}
            Ok(()) => result.deleted.push(xml::Deleted {
                key,
                ..Default::default()
            }),
            Err(err) => result.errors.push(xml::DeleteError {
                key,
                code: err.code.as_str().to_string(),
                message: err.message,
            }),
        }
    }
    Ok(Response::xml(200, result.to_xml()))
}
