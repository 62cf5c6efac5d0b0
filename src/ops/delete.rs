//! DeleteObject and DeleteObjects: idempotent deletes that remove the record, the listing
//! entry and the blob, in that order. Follows the S3 API Reference "DeleteObject" and "DeleteObjects".

use super::{load_record, owned_bucket, read_small_body};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::names;
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

/// Removes one object; removing a missing key succeeds, as in S3. The record and the index
/// entry are deleted even when this location's KV has not seen the record yet (the index is
/// strongly consistent and would otherwise keep listing the key); the blob goes when known.
pub async fn remove<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) -> Result<(), S3Error> {
    let record = load_record(ctx.store, bucket, key).await?;
    MetaStore::delete(ctx.store, &names::object_record(bucket, key)).await?;
    let mut names = vec![names::index_name(bucket, key).name().to_string()];
    names.extend(
        record
            .map(|r| r.blobs())
            .unwrap_or_default()
            .into_iter()
            .filter(|b| !b.is_empty()),
    );
    BlobStore::delete_blobs(ctx.store, &names).await?;
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
        let may_delete = || {
            let access = &call.access;
            super::access::allows(
                ctx.config,
                ctx.now_millis,
                call,
                access,
                "s3:DeleteObject",
                Some(&key),
                None,
            )
        };
        let outcome = match super::put::validate_key(&key) {
            Ok(()) if !may_delete() => Err(S3Error::new(ErrorCode::AccessDenied)),
            Ok(()) => remove(ctx, call.bucket(), &key).await,
            Err(err) => Err(err),
        };
        match outcome {
            Ok(()) if request.quiet => {}
            Ok(()) => result.deleted.push(xml::Deleted::key(key)),
            Err(err) => {
                err.log_if_internal(&ctx.request_id);
                result.errors.push(xml::DeleteError::from_error(key, &err));
            }
        }
    }
    Ok(Response::xml(200, result.to_xml()))
}
