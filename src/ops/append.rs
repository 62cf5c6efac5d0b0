//! Append uploads, the Ceph RGW extension of PutObject named in the seeds (boto3 guide §2.3):
//! `PUT /bucket/key?append&position=N`. Position 0 creates an appendable object; each later
//! append (in a bucket never versioned: a versioned one answers 409 InvalidBucketState) must name the current length (else 409 PositionNotEqualToLength) and answers the next
//! position in `x-rgw-next-append-position`. Objects not created by append answer 409
//! ObjectNotAppendable. Each append stores only its own bytes, as one more segment blob.

use super::put::{
    commit, discard_blob, object_blob_metadata, receive_blob, validate_key, Commit, NewAttributes,
};
use super::{owned_bucket, previous_record, random_bytes, UploadPlan};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::record::{Layout, ObjectRecord, Segment};
use crate::store::{BlobStore, MetaStore};

use super::multipart::{multipart_etag, MAX_PART_SIZE};

fn position_param(call: &Call<'_>) -> Result<u64, S3Error> {
    let raw = call.head.query_param("position");
    raw.as_deref()
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            S3Error::with_message(ErrorCode::InvalidArgument, "Invalid append position.")
                .detail("ArgumentName", "position")
                .detail("ArgumentValue", raw.unwrap_or_default())
        })
}

pub async fn append_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let head = call.head;
    let (bucket, key) = (call.bucket(), call.key());
    validate_key(key)?;
    let position = position_param(call)?;
    let attributes = NewAttributes::from_request(head, ctx.now_millis)?;
    let plan = UploadPlan::for_request(call)?;
    if plan.length > MAX_PART_SIZE {
        return Err(S3Error::new(ErrorCode::EntityTooLarge));
    }
    let bucket_record = owned_bucket(ctx, call).await?;
    if bucket_record.versioning.is_some() {
        // Each append extends the object's own segments: no version could keep them (Ceph RGW
        // refuses appends to a versioned bucket the same way).
        return Err(S3Error::with_message(
            ErrorCode::InvalidBucketState,
            "Append is not supported in a versioned bucket.",
        ));
    }
    // An unversioned bucket has no Object Lock: a lock asked for is refused.
    attributes.lock_in(&bucket_record, ctx.now_millis)?;
    let (owner, acl) = super::acl::new_object_acl(ctx, call, &bucket_record)?;
    let previous = previous_record(ctx.store, call).await?;
    let current_length = match previous.as_ref().map(|p| &p.record) {
        Some(record) if record.layout != Layout::Appendable => {
            return Err(S3Error::new(ErrorCode::ObjectNotAppendable));
        }
        Some(record) => record.size,
        None => 0,
    };
    if position != current_length {
        return Err(S3Error::new(ErrorCode::PositionNotEqualToLength)
            .detail("Position", position.to_string())
            .detail("Length", current_length.to_string()));
    }

    let blob = names::blob_name(bucket, &random_bytes());
    let received = receive_blob(ctx, body, plan, &blob, object_blob_metadata(bucket, key)).await?;
    let mut record = match &previous {
        Some(stored) => stored.record.clone(),
        None => ObjectRecord {
            layout: Layout::Appendable,
            owner: Some(owner),
            acl,
            ..attributes.into_record(key)
        },
    };
    record.segments.push(Segment {
        blob: blob.clone(),
        size: received.size,
        etag: received.md5_hex,
        checksum: None,
        part_number: None,
    });
    record.size += received.size;
    record.etag = multipart_etag(record.segments.iter().map(|s| s.etag.as_str()));
    record.last_modified_millis = ctx.now_millis;
    // Another write of the key between the read and the commit moved the end: this append's
    // position is no longer the object's length (and the record built here is stale).
    let committed = commit(
        ctx,
        bucket,
        &record,
        previous.as_ref(),
        std::slice::from_ref(&blob),
        None,
    )
    .await?;
    if let Commit::Superseded(_) = committed {
        discard_blob(ctx, &blob).await;
        return Err(S3Error::new(ErrorCode::PositionNotEqualToLength)
            .detail("Position", position.to_string()));
    }
    Ok(Response::new(200)
        .header("etag", record.quoted_etag())
        .header("x-rgw-next-append-position", record.size.to_string()))
}
