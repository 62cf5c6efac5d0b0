//! Small objects kept in their record instead of a blob of their own (`S3EDGE_INLINE_MAX`): a
//! PutObject body of at most that many bytes is read into memory and checked in wasm (aws-chunked
//! framing, the payload SHA-256, Content-MD5, flexible checksums: what R2 would check for a blob),
//! so that its GET is one metadata call and its PUT makes no R2 call. Clients see the same object
//! either way (S3 API Reference "PutObject", "GetObject").

use super::put::Received;
use super::UploadPlan;
use crate::context::{Call, Ctx};
use crate::error::{ErrorCode, S3Error};
use crate::store::{BlobStore, MetaStore};

/// Room for aws-chunked framing (chunk headers, signatures, the trailer) around a small payload.
const FRAMING_ALLOWANCE: usize = 64 * 1024;

/// Whether a PutObject body of `length` bytes (decoded) is kept in its record.
pub fn keeps_inline<S>(ctx: &Ctx<'_, S>, length: u64) -> bool {
    length <= ctx.config.inline_max
}

/// Reads the whole body of `call` and checks it as a blob write would be checked: the bytes, and
/// what a stored blob would have told (size, MD5, flexible checksum).
pub async fn receive_inline<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> Result<(Vec<u8>, Received), S3Error> {
    let plan = UploadPlan::in_wasm(call)?;
    let mut filter = plan
        .filter
        .ok_or_else(|| S3Error::internal("an in-memory body is always checked in wasm"))?;
    let limit = match filter.passes_through() {
        true => plan.length as usize,
        false => plan.length as usize + FRAMING_ALLOWANCE,
    };
    let received = ctx
        .store
        .read_body(body, limit)
        .await
        .map_err(|err| match err.code {
            // More bytes than announced (only aws-chunked framing can be longer than its
            // allowance): the body is not the length it said.
            ErrorCode::InvalidRequest => S3Error::with_message(
                ErrorCode::IncompleteBody,
                "The request body is longer than the length announced.",
            ),
            _ => err,
        })?;
    let bytes = filter.push(&received)?;
    let verified = filter.finish()?;
    let md5 = verified
        .md5
        .ok_or_else(|| S3Error::internal("the MD5 of an in-memory body is computed"))?;
    let received = Received {
        size: bytes.len() as u64,
        md5_hex: hex::encode(md5),
        checksum: verified.checksum,
    };
    Ok((bytes, received))
}
