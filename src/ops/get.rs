//! GetObject and HeadObject: conditional requests, a single byte range, `response-*` header
//! overrides, checksums with `x-amz-checksum-mode`, and the R2 stream handed to the runtime as is.
//! Follows the S3 API Reference "GetObject" and "HeadObject".

use super::readable_record;
use crate::conditional::{self, Decision};
use crate::error::{ErrorCode, S3Error};
use crate::range;
use crate::record::ObjectRecord;
use crate::service::{Body, Call, Ctx, OpResult, Response};
use crate::store::{BlobStore, MetaStore};
use crate::xml;

/// `response-*` query parameters and the header each one overrides.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

fn no_such_key(key: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchKey).detail("Key", key)
}

pub async fn get_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    with_body: bool,
) -> OpResult<S::Body> {
    let head = call.head;
    let key = call.key();
    if head.has_query("partNumber") {
        return Err(S3Error::not_implemented("GetObject with partNumber"));
    }
    // An overwrite may retire the blob between our record read and blob read: read again.
    for _ in 0..3 {
        let record = readable_record(ctx, call)
            .await?
            .ok_or_else(|| no_such_key(key))?;
        let preconditions =
            conditional::Preconditions::from_head_at(head, "", ctx.now_millis / 1000);
        match conditional::evaluate_read(
            &preconditions,
            &record.quoted_etag(),
            record.last_modified_millis / 1000,
        ) {
            Decision::Proceed => {}
            Decision::NotModified => {
                return Ok(Response::new(304)
                    .header("etag", record.quoted_etag())
                    .header("last-modified", xml::http_date(record.last_modified_millis)));
            }
            Decision::PreconditionFailed => {
                let condition = if preconditions.if_match.is_some() {
                    "If-Match"
                } else {
                    "If-Unmodified-Since"
                };
                let err = S3Error::new(ErrorCode::PreconditionFailed);
                return Err(err.detail("Condition", condition));
            }
        }
        let byte_range = match head.header("range").and_then(range::parse) {
            Some(spec) => Some(range::resolve(&spec, record.size)?),
            None => None,
        };
        let mut response = object_headers(
            &record,
            head.header("x-amz-checksum-mode"),
            byte_range.is_none(),
        );
        let (status, length) = match byte_range {
            Some((start, end)) => {
                response = response.header(
                    "content-range",
                    range::content_range(start, end, record.size),
                );
                (206, end - start + 1)
            }
            None => (200, record.size),
        };
        response.status = status;
        response = response.header("content-length", length.to_string());
        for (param, header) in RESPONSE_OVERRIDES {
            if let Some(value) = head.query_param(param) {
                response.headers.retain(|(name, _)| name != header);
                response = response.header(header, value);
            }
        }
        if !with_body || length == 0 {
            return Ok(response);
        }
        match BlobStore::get_blob(ctx.store, &record.blob, byte_range).await? {
            Some(stream) => {
                response.body = Body::Stream(stream);
                return Ok(response);
            }
            None => continue,
        }
    }
    Err(S3Error::internal(
        "the object changed while it was read; retry",
    ))
}

/// The headers GET and HEAD share.
pub fn object_headers<B>(
    record: &ObjectRecord,
    checksum_mode: Option<&str>,
    whole: bool,
) -> Response<B> {
    let h = &record.headers;
    let mut response = Response::new(200)
        .header("etag", record.quoted_etag())
        .header("last-modified", xml::http_date(record.last_modified_millis))
        .header("accept-ranges", "bytes")
        .header(
            "content-type",
            h.content_type
                .clone()
                .unwrap_or_else(|| "binary/octet-stream".to_string()),
        );
    let optional = [
        ("content-encoding", &h.content_encoding),
        ("content-disposition", &h.content_disposition),
        ("content-language", &h.content_language),
        ("cache-control", &h.cache_control),
        ("expires", &h.expires),
        ("x-amz-storage-class", &record.storage_class),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            response = response.header(name, value.clone());
        }
    }
    for (name, value) in &record.user_metadata {
        response = response.header(&format!("x-amz-meta-{name}"), value.clone());
    }
    let enabled = checksum_mode.is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
    if let (true, true, Some((name, value))) = (enabled, whole, record.checksum_header()) {
        response = response
            .header(&name, value)
            .header("x-amz-checksum-type", "FULL_OBJECT");
    }
    response
}
