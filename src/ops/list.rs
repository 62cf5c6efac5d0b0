//! ListObjects (v1) and ListObjectsV2: parameters, continuation tokens and the result shape.
//! Follows the S3 API Reference "ListObjects" and "ListObjectsV2"; pages come from `listing`.

use super::owned_bucket;
use crate::checksum::ChecksumAlgorithm;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::listing::{self, ListItem, ListQuery};
use crate::record::BucketRecord;
use crate::request::RequestHead;
use crate::store::{BlobStore, MetaStore};
use crate::xml::{ListBucketResult, ListVersion, ObjectEntry, Owner};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const MAX_KEYS: usize = 1000;

pub(super) fn invalid_argument(name: &str, value: &str, message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
        .detail("ArgumentName", name)
        .detail("ArgumentValue", value)
}

pub(super) fn max_keys(head: &RequestHead) -> Result<usize, S3Error> {
    match head.query_param("max-keys") {
        None => Ok(MAX_KEYS),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 0 => Ok((n as usize).min(MAX_KEYS)),
            _ => Err(invalid_argument(
                "max-keys",
                &raw,
                "Provided max-keys not an integer or within integer range",
            )),
        },
    }
}

/// `encoding-type`: absent, or `url` (anything else is InvalidArgument).
pub(super) fn encoding_type(head: &RequestHead) -> Result<Option<String>, S3Error> {
    match head.query_param("encoding-type") {
        Some(enc) if enc != "url" => Err(invalid_argument(
            "encoding-type",
            &enc,
            "Invalid Encoding Method specified in Request",
        )),
        other => Ok(other),
    }
}

/// V2 continuation tokens are opaque to clients: the last key or common prefix returned.
pub fn encode_token(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position.as_bytes())
}

pub fn decode_token(token: &str) -> Result<String, S3Error> {
    URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            invalid_argument(
                "continuation-token",
                token,
                "The continuation token provided is incorrect",
            )
        })
}

/// An account as listings show it: its id, and the display name of a configured user.
pub(super) fn object_owner<S>(ctx: &Ctx<'_, S>, id: &str) -> Owner {
    let user = ctx.config.users.by_canonical_id(id);
    Owner {
        id: id.to_string(),
        display_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
    }
}

/// The bucket's owner as listings show it (the display name of a configured user).
pub(super) fn bucket_owner<S>(ctx: &Ctx<'_, S>, record: &BucketRecord) -> Owner {
    object_owner(ctx, &record.owner)
}

pub async fn list_objects<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    v2: bool,
) -> OpResult<S::Body> {
    let head = call.head;
    let encoding_type = encoding_type(head)?;
    let prefix = head.query_param("prefix").unwrap_or_default();
    let delimiter = head.query_param("delimiter").filter(|d| !d.is_empty());
    let max_keys = max_keys(head)?;
    let continuation_token = if v2 {
        head.query_param("continuation-token")
    } else {
        None
    };
    let start_after_param = if v2 {
        head.query_param("start-after").filter(|s| !s.is_empty())
    } else {
        None
    };
    let marker = if v2 { None } else { head.query_param("marker") };
    let start_after = match &continuation_token {
        Some(token) => Some(decode_token(token)?),
        None if v2 => start_after_param.clone(),
        None => marker.clone().filter(|m| !m.is_empty()),
    };
    let bucket_record = owned_bucket(ctx, call).await?;
    let page = listing::list_objects(
        ctx.store,
        call.bucket(),
        &ListQuery {
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            start_after,
            max_keys,
            until: None,
        },
    )
    .await?;

    let with_owner = !v2 || head.query_param("fetch-owner").as_deref() == Some("true");
    let owner = with_owner.then(|| bucket_owner(ctx, &bucket_record));
    let next_position = page.resume_after.clone();
    let mut contents = Vec::new();
    let mut common_prefixes = Vec::new();
    for item in page.items {
        match item {
            ListItem::Object(o) => contents.push(ObjectEntry {
                key: o.key,
                last_modified_millis: o.last_modified_millis,
                etag: o.etag,
                size: o.size,
                storage_class: o.storage_class,
                owner: owner.as_ref().map(|bucket_owner| match &o.owner {
                    Some(id) if *id != bucket_owner.id => object_owner(ctx, id),
                    _ => bucket_owner.clone(),
                }),
                checksum_type: o.checksum_type,
                checksum_algorithm: o
                    .checksum_algorithm
                    .as_deref()
                    .and_then(ChecksumAlgorithm::from_name),
            }),
            ListItem::CommonPrefix(p) => common_prefixes.push(p),
        }
    }
    let version = if v2 {
        ListVersion::V2 {
            continuation_token,
            next_continuation_token: next_position.as_deref().map(encode_token),
            start_after: start_after_param,
        }
    } else {
        ListVersion::V1 {
            marker: marker.unwrap_or_default(),
            next_marker: next_position,
        }
    };
    let result = ListBucketResult {
        name: call.bucket().to_string(),
        prefix,
        delimiter,
        max_keys: max_keys as u32,
        is_truncated: page.is_truncated,
        encoding_type,
        contents,
        common_prefixes,
        version,
    };
    Ok(Response::xml(200, result.to_xml()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_any_key() {
        for key in ["", "a/b", "é ü/+%", &"k".repeat(1024)] {
            assert_eq!(decode_token(&encode_token(key)).unwrap(), key);
        }
        assert_eq!(
            decode_token("***").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
}
