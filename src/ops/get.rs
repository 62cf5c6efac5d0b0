//! GetObject and HeadObject: conditional requests, a single byte range, `response-*` header
//! overrides, checksums with `x-amz-checksum-mode`, `partNumber`, and R2 streams handed to the
//! runtime as they are (one blob's, or several blobs' joined by the runtime).
//! Follows the S3 API Reference "GetObject" and "HeadObject".

use super::multipart::part_number_param;
use super::readable_record;
use crate::conditional::{self, Decision};
use crate::context::{Body, Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::range;
use crate::record::{Layout, ObjectRecord};
use crate::store::{BlobStore, MetaStore, Piece};
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

/// The version id an answer about `record` carries (`x-amz-version-id`): in a bucket that has
/// been versioned, `null` included; none in a bucket never versioned.
pub fn shown_version_id(call: &Call<'_>, record: &ObjectRecord) -> Option<String> {
    let versioned = super::bucket_versioning(call).is_some() || record.vid.is_some();
    versioned.then(|| record.version_id().to_string())
}

pub async fn get_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    with_body: bool,
) -> OpResult<S::Body> {
    let head = call.head;
    let part_number = match head.has_query("partNumber") {
        false => None,
        true => Some(part_number_param(call)?),
    };
    if part_number.is_some() && head.header("range").is_some() {
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Cannot specify both Range header and partNumber query parameter",
        ));
    }
    // An overwrite may retire the blob between our record read and blob read: read again.
    for _ in 0..3 {
        let Some(record) = readable_record(ctx, call).await? else {
            return Err(super::missing_object(ctx, call).await);
        };
        if let Some(not_modified) = read_preconditions(head, &record, ctx.now_millis)? {
            return Ok(not_modified);
        }
        let byte_range = match (part_number, head.header("range").and_then(range::parse)) {
            (Some(number), _) => part_range(&record, number)?,
            (None, Some(spec)) => Some(range::resolve(&spec, record.size)?),
            (None, None) => None,
        };
        let mut response = object_headers(
            &record,
            head.header("x-amz-checksum-mode"),
            part_number.or(byte_range.map(|_| 0)),
        );
        if let Some(id) = shown_version_id(call, &record) {
            response = response.header("x-amz-version-id", id);
        }
        if let (Some(_), Some(count)) = (part_number, record.parts_count()) {
            response = response.header("x-amz-mp-parts-count", count.to_string());
        }
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
        if record.inline.is_some() {
            let bytes = record
                .inline_bytes(byte_range)
                .filter(|bytes| bytes.len() as u64 == length)
                .ok_or_else(|| {
                    S3Error::internal("an inline record holds fewer bytes than its size")
                })?;
            response.body = Body::Bytes(bytes.to_vec());
            return Ok(response);
        }
        let mut pieces = pieces_in_range(&record, byte_range);
        if pieces.len() > 1 {
            // A missing piece part-way (an overwrite retired it) ends the stream in error.
            response.body = Body::Stream(ctx.store.open_pieces(pieces, length).await?);
            return Ok(response);
        }
        let piece = pieces.pop().expect("a non-empty body has a piece");
        match BlobStore::get_blob(ctx.store, &piece.blob, piece.range).await? {
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

/// The byte range of part `number` (`partNumber`): a part of a multipart object, or the whole
/// of any other object as its part 1.
fn part_range(record: &ObjectRecord, number: u16) -> Result<Option<(u64, u64)>, S3Error> {
    let sizes: Vec<u64> = match record.layout {
        Layout::Multipart => record.segments.iter().map(|s| s.size).collect(),
        _ => vec![record.size],
    };
    let index = usize::from(number) - 1;
    if index >= sizes.len() {
        return Err(S3Error::new(ErrorCode::InvalidPartNumber)
            .detail("PartNumberRequested", number.to_string())
            .detail("ActualPartCount", sizes.len().to_string()));
    }
    let start: u64 = sizes[..index].iter().sum();
    Ok((sizes[index] > 0).then(|| (start, start + sizes[index] - 1)))
}

/// The pieces of blobs holding `range` (inclusive) of the object, or all of it, in order.
pub fn pieces_in_range(record: &ObjectRecord, range: Option<(u64, u64)>) -> Vec<Piece> {
    if record.size == 0 {
        return Vec::new();
    }
    let (start, end) = range.unwrap_or((0, record.size - 1));
    let mut pieces = Vec::new();
    let mut offset = 0;
    for (blob, size) in record.pieces() {
        let (first, last) = (offset, offset + size);
        offset = last;
        if size == 0 || last <= start || first > end {
            continue;
        }
        let from = start.max(first) - first;
        let to = end.min(last - 1) - first;
        pieces.push(Piece {
            blob: blob.to_string(),
            range: (from > 0 || to < size - 1).then_some((from, to)),
        });
    }
    pieces
}

/// The headers GET and HEAD share. `part` is the part number asked for, 0 for a byte range,
/// `None` for the whole object: a whole-object checksum is sent only with the whole object,
/// a part's own checksum with that part.
pub fn object_headers<B>(
    record: &ObjectRecord,
    checksum_mode: Option<&str>,
    part: Option<u16>,
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
        (
            "x-amz-website-redirect-location",
            &h.website_redirect_location,
        ),
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
    if !record.tags.is_empty() {
        response = response.header("x-amz-tagging-count", record.tags.len().to_string());
    }
    for (name, value) in crate::lock::headers::answer_headers(&record.lock) {
        response = response.header(name, value);
    }
    let enabled = checksum_mode.is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
    let checksum_type = record.checksum_type.as_deref().unwrap_or("FULL_OBJECT");
    let checksum = match part {
        None => record.checksum_header(),
        Some(number) if record.layout == Layout::Multipart && number > 0 => {
            let value = record
                .segments
                .get(usize::from(number) - 1)
                .and_then(|s| s.checksum.clone());
            record
                .checksum_header()
                .zip(value)
                .map(|((name, _), value)| (name, value))
        }
        Some(_) => None,
    };
    if let (true, Some((name, value))) = (enabled, checksum) {
        response = response
            .header(&name, value)
            .header("x-amz-checksum-type", checksum_type);
    }
    response
}

/// GetObject's conditional headers (If-Match, If-None-Match, If-Modified-Since,
/// If-Unmodified-Since) applied to `record`: `Some(304)` to answer at once, a 412
/// PreconditionFailed naming the failed condition, or `None` to go on. Also used by
/// GetObjectAttributes, which S3 conditions the same way.
pub fn read_preconditions<B>(
    head: &crate::request::RequestHead,
    record: &ObjectRecord,
    now_millis: i64,
) -> Result<Option<Response<B>>, S3Error> {
    let preconditions = conditional::Preconditions::from_head_at(head, "", now_millis / 1000);
    match conditional::evaluate_read(
        &preconditions,
        &record.quoted_etag(),
        record.last_modified_millis / 1000,
    ) {
        Decision::Proceed => Ok(None),
        Decision::NotModified => Ok(Some(
            Response::new(304)
                .header("etag", record.quoted_etag())
                .header("last-modified", xml::http_date(record.last_modified_millis)),
        )),
        Decision::PreconditionFailed => {
            let condition = if preconditions.if_match.is_some() {
                "If-Match"
            } else {
                "If-Unmodified-Since"
            };
            Err(S3Error::new(ErrorCode::PreconditionFailed).detail("Condition", condition))
        }
    }
}
