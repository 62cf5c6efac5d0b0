//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload and
//! AbortMultipartUpload (ListParts and ListMultipartUploads are in `multipart_list`). Follows the
//! S3 API Reference pages of those names and "Checking object integrity" for composite checksums.
//!
//! Every part is its own R2 blob (`part/<bucket>/<upload>/<NNNNN>/<random>`), described by a part
//! record (`partrec/<bucket>/<upload>/<NNNNN>`, an empty R2 object with metadata). Completing ties
//! the listed parts together by writing the object's record: no byte is copied; its checksum is
//! the COMPOSITE checksum of the parts' or, for FULL_OBJECT, their CRCs combined. The upload's own
//! record lives in R2 as well (`upload/<bucket>/<upload>`), so that it is visible at once wherever
//! the next request runs.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::put::{
    commit_over, discard_blob, receive_blob, validate_key, write_precondition, NewAttributes,
};
use super::upload_index;
use super::{
    load_record, owned_bucket, previous_record, random_bytes, read_small_body, LoadResult,
    UploadPlan,
};
use crate::authz::acl::Acl;
use crate::checksum::{self, ChecksumAlgorithm};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::crc_combine;
use crate::error::{ErrorCode, S3Error};
use crate::multipart_xml::{self, CompleteResult, RequestedPart};
use crate::names;
use crate::record::{
    read_record, ContentHeaders, Layout, ObjectRecord, Segment, Unreadable, Version,
};
use crate::store::{self, BlobListOptions, BlobStore, MetaStore, StoreResult};
use crate::tagging::TagSet;

/// S3's smallest part, except the last.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// S3's largest part.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
pub const MAX_PART_NUMBER: u16 = 10_000;
/// A CompleteMultipartUpload body naming 10,000 parts with checksums.
const COMPLETE_BODY_MAX: usize = 4 * 1024 * 1024;

/// Metadata fields of a part record.
mod field {
    pub const BLOB: &str = "b";
    pub const ETAG: &str = "e";
    pub const SIZE: &str = "s";
    pub const CHECKSUM: &str = "c";
    pub const MODIFIED: &str = "m";
}

/// An in-progress upload, as CreateMultipartUpload described the object to be.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    #[serde(default, rename = "v")]
    pub version: Version,
    pub key: String,
    pub initiated_millis: i64,
    #[serde(default)]
    pub headers: ContentHeaders,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_metadata: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: TagSet,
    /// `x-amz-checksum-algorithm` as S3 names it (CRC32, ...): every part carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    /// `COMPOSITE` or `FULL_OBJECT`, with an algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    /// Canonical id of the owner the object will have (as the bucket's ownership controls
    /// decided when the upload was created; before ACLs, always the bucket owner).
    pub owner: String,
    /// The ACL the object will have (`x-amz-acl` / `x-amz-grant-*` of the create request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Acl>,
    /// The Object Lock the object will have (the create request's, else the bucket's default
    /// when the upload began).
    #[serde(default, skip_serializing_if = "crate::lock::ObjectLock::is_none")]
    pub lock: crate::lock::ObjectLock,
}

/// Metadata fields of an upload record's R2 object: its key, and what ListMultipartUploads shows
/// under the same names as the upload-index entry carries them (the entry copies them).
pub mod upload_field {
    pub use crate::listing::uploads::field::{CHECKSUM_ALGORITHM, CHECKSUM_TYPE, STORAGE_CLASS};
    pub const KEY: &str = "key";
}

impl UploadRecord {
    /// What ListMultipartUploads shows of the upload, kept beside the record.
    pub fn listing_metadata(&self) -> BTreeMap<String, String> {
        let mut custom = BTreeMap::from([(upload_field::KEY.to_string(), self.key.clone())]);
        if let Some(class) = &self.storage_class {
            custom.insert(upload_field::STORAGE_CLASS.to_string(), class.clone());
        }
        if let Some(alg) = &self.checksum_algorithm {
            custom.insert(upload_field::CHECKSUM_ALGORITHM.to_string(), alg.clone());
        }
        if let Some(kind) = &self.checksum_type {
            custom.insert(upload_field::CHECKSUM_TYPE.to_string(), kind.clone());
        }
        custom
    }

    pub fn algorithm(&self) -> Option<ChecksumAlgorithm> {
        self.checksum_algorithm
            .as_deref()
            .and_then(ChecksumAlgorithm::from_name)
    }

    /// The checksum type, for an upload with an algorithm (uploads recorded before types were
    /// kept are COMPOSITE).
    pub fn checksum_type(&self) -> Option<&str> {
        self.algorithm()
            .map(|_| self.checksum_type.as_deref().unwrap_or(COMPOSITE))
    }
}

/// A stored part, read from its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub number: u16,
    pub blob: String,
    pub etag: String,
    pub size: u64,
    pub checksum: Option<String>,
    pub modified_millis: i64,
}

fn no_such_upload(upload_id: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchUpload).detail("UploadId", upload_id)
}

/// A fresh upload id: the initiation time first, so that ids of one key sort in initiation
/// order, as ListMultipartUploads lists them.
fn new_upload_id(now_millis: i64) -> String {
    // Twelve hex digits of milliseconds last until the year 10889.
    format!(
        "{:012x}{}",
        now_millis.max(0),
        hex::encode(&random_bytes()[..10])
    )
}

pub fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// When an upload was initiated, from its id.
pub fn initiated_millis(upload_id: &str) -> i64 {
    i64::from_str_radix(upload_id.get(..12).unwrap_or("0"), 16).unwrap_or(0)
}

/// The `uploadId` of the request.
pub fn upload_id_param(call: &Call<'_>) -> String {
    call.head.query_param("uploadId").unwrap_or_default()
}

/// The upload `upload_id` of `key`, or NoSuchUpload (InternalError when its record cannot be
/// read).
pub async fn load_upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<UploadRecord, S3Error> {
    if !is_upload_id(upload_id) {
        return Err(no_such_upload(upload_id));
    }
    let name = names::upload_record(bucket, upload_id);
    let bytes = ctx
        .store
        .get_small(&name)
        .await?
        .ok_or_else(|| no_such_upload(upload_id))?;
    Some(read_record::<UploadRecord>(&name, &bytes)?)
        .filter(|u| u.key == key)
        .ok_or_else(|| no_such_upload(upload_id))
}

/// `partNumber` as S3 accepts it: 1 to 10,000.
pub fn part_number_param(call: &Call<'_>) -> Result<u16, S3Error> {
    call.head
        .query_param("partNumber")
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            S3Error::with_message(
                ErrorCode::InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive",
            )
            .detail("ArgumentName", "partNumber")
        })
}

pub async fn create_multipart_upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let (bucket, key) = (call.bucket(), call.key());
    validate_key(key)?;
    let attributes = NewAttributes::from_request(head, ctx.now_millis)?;
    let algorithm = match head.header("x-amz-checksum-algorithm") {
        None => None,
        Some(name) => Some(ChecksumAlgorithm::from_name(name).ok_or_else(|| {
            S3Error::with_message(
                ErrorCode::InvalidRequest,
                "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
            )
        })?),
    };
    let checksum_type = checksum_type(head.header("x-amz-checksum-type"), algorithm)?;
    let bucket_record = owned_bucket(ctx, call).await?;
    let (owner, acl) = super::acl::new_object_acl(ctx, call, &bucket_record)?;
    let lock = attributes.lock_in(&bucket_record, ctx.now_millis)?;
    let upload_id = new_upload_id(ctx.now_millis);
    let record = UploadRecord {
        version: Version::default(),
        key: key.to_string(),
        initiated_millis: ctx.now_millis,
        headers: attributes.headers,
        user_metadata: attributes.user_metadata,
        storage_class: attributes.storage_class,
        tags: attributes.tags,
        checksum_algorithm: algorithm.map(|a| a.as_str().to_string()),
        checksum_type: checksum_type.map(str::to_string),
        owner,
        acl,
        lock,
    };
    let record_name = names::upload_record(bucket, &upload_id);
    let listing = record.listing_metadata();
    ctx.store
        .put_small(
            &record_name,
            serde_json::to_vec(&record).expect("records serialise"),
            listing.clone(),
        )
        .await?;
    // Then the listing's entry; an upload it would not show is undone (the entry too, in case
    // its write landed all the same).
    if let Err(err) = upload_index::write_entry(ctx.store, bucket, &upload_id, &listing).await {
        let entry = upload_index::entry_name(bucket, key, &upload_id);
        let _ = BlobStore::delete_blobs(ctx.store, &[entry, record_name]).await;
        return Err(err.into());
    }
    let mut response = Response::xml(200, multipart_xml::initiate_result(bucket, key, &upload_id));
    if let (Some(alg), Some(kind)) = (algorithm, checksum_type) {
        response = response
            .header("x-amz-checksum-algorithm", alg.as_str())
            .header("x-amz-checksum-type", kind);
    }
    Ok(response)
}

pub const COMPOSITE: &str = "COMPOSITE";
pub const FULL_OBJECT: &str = "FULL_OBJECT";

/// The checksum type of a new upload: `x-amz-checksum-type` if given, else S3's default for the
/// algorithm (FULL_OBJECT for CRC64NVME, its only type; COMPOSITE for the others). A CRC can be
/// either; a SHA only COMPOSITE, since SHA values cannot be combined.
fn checksum_type(
    given: Option<&str>,
    algorithm: Option<ChecksumAlgorithm>,
) -> Result<Option<&'static str>, S3Error> {
    let invalid = |message: String| Err(S3Error::with_message(ErrorCode::InvalidRequest, message));
    let Some(alg) = algorithm else {
        return match given {
            None => Ok(None),
            Some(_) => invalid(
                "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
                    .to_string(),
            ),
        };
    };
    let kind = match given.map(str::trim) {
        None if alg == ChecksumAlgorithm::Crc64Nvme => FULL_OBJECT,
        None => COMPOSITE,
        Some(t) if t.eq_ignore_ascii_case(FULL_OBJECT) => FULL_OBJECT,
        Some(t) if t.eq_ignore_ascii_case(COMPOSITE) => COMPOSITE,
        Some(_) => return invalid("Value for x-amz-checksum-type header is invalid.".to_string()),
    };
    let lower = alg.as_str().to_ascii_lowercase();
    match kind {
        FULL_OBJECT if !crc_combine::is_combinable(alg) => invalid(format!(
            "The FULL_OBJECT checksum type cannot be used with the {lower} checksum algorithm."
        )),
        COMPOSITE if alg == ChecksumAlgorithm::Crc64Nvme => invalid(format!(
            "The COMPOSITE checksum type cannot be used with the {lower} checksum algorithm."
        )),
        kind => Ok(Some(kind)),
    }
}

/// R2 custom metadata of a part blob: which upload (and, once completed, which object) owns it.
pub fn part_blob_metadata(bucket: &str, key: &str, upload_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("bucket".to_string(), bucket.to_string()),
        ("key".to_string(), key.to_string()),
        ("upload".to_string(), upload_id.to_string()),
    ])
}

/// Writes the record that makes a stored blob part `part.number` of the upload. A part
/// uploaded again under the same number replaces the record; the blob it named is left to the
/// cleanup pass, because a CompleteMultipartUpload running at the same time may have tied it in.
/// When the write fails, the new blob is removed unless the record may name it all the same (a
/// write that landed although it reported an error): the cleanup pass removes it once nothing
/// does.
pub async fn write_part_record<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    upload_id: &str,
    part: &StoredPart,
) -> Result<(), S3Error> {
    let mut custom = BTreeMap::from([
        (field::BLOB.to_string(), part.blob.clone()),
        (field::ETAG.to_string(), part.etag.clone()),
        (field::SIZE.to_string(), part.size.to_string()),
        (
            field::MODIFIED.to_string(),
            part.modified_millis.to_string(),
        ),
    ]);
    if let Some(value) = &part.checksum {
        custom.insert(field::CHECKSUM.to_string(), value.clone());
    }
    let record_name = names::part_record(bucket, upload_id, part.number);
    if let Err(err) = ctx.store.put_small(&record_name, Vec::new(), custom).await {
        let named = named_part_blob(ctx.store, bucket, upload_id, part.number).await;
        if named.is_ok_and(|named| named.as_ref() != Some(&part.blob)) {
            discard_blob(ctx, &part.blob).await;
        }
        return Err(err.into());
    }
    Ok(())
}

/// The blob the record of part `number` names (`None` without a record).
pub async fn named_part_blob<B: BlobStore>(
    blobs: &B,
    bucket: &str,
    upload_id: &str,
    number: u16,
) -> LoadResult<Option<String>> {
    let record_name = names::part_record(bucket, upload_id, number);
    let page = blobs
        .list_blobs(BlobListOptions {
            prefix: &record_name,
            limit: 1,
            ..BlobListOptions::default()
        })
        .await?;
    let Some(record) = page.entries.into_iter().find(|e| e.name == record_name) else {
        return Ok(None);
    };
    match record.custom.get(field::BLOB).filter(|b| !b.is_empty()) {
        Some(blob) => Ok(Some(blob.clone())),
        None => Err(Unreadable::new(&record_name, "no \"b\" field").into()),
    }
}

pub async fn upload_part<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let (bucket, key) = (call.bucket(), call.key());
    let number = part_number_param(call)?;
    let upload_id = upload_id_param(call);
    let upload_alg = {
        owned_bucket(ctx, call).await?;
        load_upload(ctx, bucket, key, &upload_id).await?.algorithm()
    };
    let plan = UploadPlan::for_request_computing(call, upload_alg)?;
    if plan.length > MAX_PART_SIZE {
        return Err(S3Error::new(ErrorCode::EntityTooLarge));
    }
    let blob = names::part_blob(bucket, &upload_id, number, &random_bytes());
    let received = receive_blob(
        ctx,
        body,
        plan,
        &blob,
        part_blob_metadata(bucket, key, &upload_id),
    )
    .await?;
    if let (Some(want), Some((got, _))) = (upload_alg, &received.checksum) {
        if want != *got {
            discard_blob(ctx, &blob).await;
            return Err(S3Error::with_message(
                ErrorCode::InvalidRequest,
                format!(
                    "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                    want.as_str().to_ascii_lowercase(),
                    got.as_str().to_ascii_lowercase()
                ),
            ));
        }
    }
    let part = StoredPart {
        number,
        blob: blob.clone(),
        etag: received.md5_hex,
        size: received.size,
        checksum: received.checksum.as_ref().map(|(_, v)| v.clone()),
        modified_millis: ctx.now_millis,
    };
    write_part_record(ctx, bucket, &upload_id, &part).await?;
    let mut response = Response::new(200).header("etag", format!("\"{}\"", part.etag));
    if let Some((alg, value)) = received.checksum {
        response = response.header(alg.header_name(), value);
    }
    Ok(response)
}

/// Reads part records in part-number order: those after `after`, at most `max` of them.
/// Returns them and whether more follow.
pub async fn list_stored_parts<B: BlobStore>(
    blobs: &B,
    bucket: &str,
    upload_id: &str,
    after: u16,
    max: usize,
) -> StoreResult<(Vec<StoredPart>, bool)> {
    let prefix = names::part_record_prefix(bucket, upload_id);
    let start_after = (after > 0).then(|| names::part_record(bucket, upload_id, after));
    let mut cursor: Option<String> = None;
    let mut parts = Vec::new();
    loop {
        let page = blobs
            .list_blobs(BlobListOptions {
                prefix: &prefix,
                start_after: start_after.as_deref(),
                cursor: cursor.as_deref(),
                limit: 1000,
                ..BlobListOptions::default()
            })
            .await?;
        for entry in page.entries {
            let Some(number) = entry.name[prefix.len()..].parse::<u16>().ok() else {
                continue;
            };
            if parts.len() == max {
                return Ok((parts, true));
            }
            let get = |name: &str| entry.custom.get(name).cloned();
            // Every part record was written with these three: one without is unreadable, not
            // a part of no bytes.
            let required = |name: &str| {
                get(name)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| Unreadable::new(&entry.name, format!("no {name:?} field")))
            };
            let size = required(field::SIZE)?;
            parts.push(StoredPart {
                number,
                blob: required(field::BLOB)?,
                etag: required(field::ETAG)?,
                size: size
                    .parse()
                    .map_err(|_| Unreadable::new(&entry.name, format!("size {size:?}")))?,
                checksum: get(field::CHECKSUM),
                modified_millis: get(field::MODIFIED)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(entry.uploaded_millis),
            });
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok((parts, false)),
        }
    }
}

fn invalid_part(number: u16, etag: &str) -> S3Error {
    S3Error::new(ErrorCode::InvalidPart)
        .detail("PartNumber", number.to_string())
        .detail("ETag", etag)
}

/// The ETag S3 gives an object made of parts: the MD5 of the parts' binary MD5s, then `-N`.
pub fn multipart_etag<'a>(part_etags: impl Iterator<Item = &'a str>) -> String {
    let mut md5 = Md5::new();
    let mut count = 0;
    for etag in part_etags {
        md5.update(hex::decode(etag).unwrap_or_default());
        count += 1;
    }
    format!("{}-{count}", hex::encode(md5.finalize()))
}

/// The composite checksum: the checksum of the parts' binary checksums, then `-N`.
fn composite_checksum(alg: ChecksumAlgorithm, parts: &[&StoredPart]) -> Option<String> {
    let mut raw = Vec::new();
    for part in parts {
        raw.extend(alg.decode_value(part.checksum.as_deref()?)?);
    }
    Some(format!("{}-{}", checksum::checksum(alg, &raw), parts.len()))
}

/// The full-object checksum: the parts' CRCs combined as if computed over the whole object.
fn full_object_checksum(alg: ChecksumAlgorithm, parts: &[&StoredPart]) -> Option<String> {
    let pieces: Option<Vec<(&str, u64)>> = parts
        .iter()
        .map(|p| p.checksum.as_deref().map(|c| (c, p.size)))
        .collect();
    crc_combine::combine(alg, &pieces?)
}

/// What the client may claim of the whole object on Complete: its checksum (`x-amz-checksum-*`,
/// a full-object value, or a composite one with its `-N`) and its size (`x-amz-mp-object-size`).
fn check_whole_object_claims(
    call: &Call<'_>,
    algorithm: Option<ChecksumAlgorithm>,
    computed: Option<&str>,
    size: u64,
) -> Result<(), S3Error> {
    if let Some(alg) = algorithm {
        if let (Some(claimed), Some(computed)) = (call.head.header(alg.header_name()), computed) {
            if claimed.trim() != computed {
                return Err(S3Error::with_message(
                    ErrorCode::BadDigest,
                    format!(
                        "The {} you specified did not match the calculated checksum.",
                        alg.as_str().to_ascii_lowercase()
                    ),
                ));
            }
        }
    }
    if let Some(claimed) = call.head.header("x-amz-mp-object-size") {
        if claimed.trim().parse::<u64>().ok() != Some(size) {
            return Err(S3Error::with_message(
                ErrorCode::InvalidRequest,
                format!("The provided 'x-amz-mp-object-size' header value {claimed} does not match what was computed: {size}"),
            ));
        }
    }
    Ok(())
}

pub async fn complete_multipart_upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let head = call.head;
    let (bucket, key) = (call.bucket(), call.key());
    let upload_id = upload_id_param(call);
    owned_bucket(ctx, call).await?;
    let upload = match load_upload(ctx, bucket, key, &upload_id).await {
        Ok(upload) => upload,
        Err(err) if err.code == ErrorCode::NoSuchUpload => {
            return complete_again(ctx, call, body, &upload_id, err).await;
        }
        Err(err) => return Err(err),
    };
    let body = read_complete_body(ctx, call, body).await?;
    let requested = multipart_xml::parse_complete(&body)?;
    if requested.windows(2).any(|w| w[0].number >= w[1].number) {
        return Err(S3Error::new(ErrorCode::InvalidPartOrder));
    }
    let (stored, _) = list_stored_parts(ctx.store, bucket, &upload_id, 0, usize::MAX).await?;
    let by_number: BTreeMap<u16, &StoredPart> = stored.iter().map(|p| (p.number, p)).collect();
    let mut chosen: Vec<&StoredPart> = Vec::with_capacity(requested.len());
    for want in &requested {
        let part = by_number
            .get(&want.number)
            .filter(|p| p.etag == want.etag)
            .ok_or_else(|| invalid_part(want.number, &want.etag))?;
        if let Some((_, value)) = &want.checksum {
            if part.checksum.as_deref() != Some(value.as_str()) {
                return Err(invalid_part(want.number, &want.etag));
            }
        }
        chosen.push(part);
    }
    if let Some(small) = chosen[..chosen.len() - 1]
        .iter()
        .find(|p| p.size < MIN_PART_SIZE)
    {
        return Err(S3Error::new(ErrorCode::EntityTooSmall)
            .detail("ProposedSize", small.size.to_string())
            .detail("MinSizeAllowed", MIN_PART_SIZE.to_string())
            .detail("PartNumber", small.number.to_string())
            .detail("ETag", small.etag.clone()));
    }
    let previous = previous_record(ctx.store, call).await?;
    let precondition = write_precondition(head);
    precondition(previous.as_ref().map(|p| &p.record))?;

    let algorithm = upload.algorithm();
    let kind = upload.checksum_type();
    let checksum = match (algorithm, kind) {
        (Some(alg), Some(FULL_OBJECT)) => full_object_checksum(alg, &chosen),
        (Some(alg), _) => composite_checksum(alg, &chosen),
        _ => None,
    };
    let size: u64 = chosen.iter().map(|p| p.size).sum();
    check_whole_object_claims(call, algorithm, checksum.as_deref(), size)?;
    let record = ObjectRecord {
        version: Version::default(),
        key: key.to_string(),
        blob: String::new(),
        size,
        etag: multipart_etag(chosen.iter().map(|p| p.etag.as_str())),
        last_modified_millis: ctx.now_millis,
        headers: upload.headers.clone(),
        user_metadata: upload.user_metadata.clone(),
        storage_class: upload.storage_class.clone(),
        checksum: algorithm
            .zip(checksum.clone())
            .map(|(alg, value)| (alg.as_str().to_string(), value)),
        owner: Some(upload.owner.clone()),
        layout: Layout::Multipart,
        segments: chosen
            .iter()
            .map(|p| Segment {
                blob: p.blob.clone(),
                size: p.size,
                etag: p.etag.clone(),
                checksum: p.checksum.clone(),
                part_number: Some(p.number),
            })
            .collect(),
        checksum_type: checksum.as_ref().and(kind).map(str::to_string),
        tags: upload.tags.clone(),
        upload_id: Some(upload_id.clone()),
        acl: upload.acl.clone(),
        lock: upload.lock,
        ..ObjectRecord::default()
    };
    // The parts stay the upload's if this fails, for a retried Complete.
    let versioning = super::bucket_versioning(call);
    let record = commit_over(
        ctx,
        bucket,
        &record,
        previous,
        &[],
        versioning,
        precondition,
    )
    .await?;
    // The object is committed; what follows only tidies up (the cleanup pass finishes it if
    // this stops half-way: it keeps every blob a record holds).
    let _ = discard_upload(ctx, bucket, &upload_id, Some(key), Some(&record)).await;

    Ok(complete_result(bucket, &record))
}

/// The CompleteMultipartUpload answer for the object `record` completed.
fn complete_result<B>(bucket: &str, record: &ObjectRecord) -> Response<B> {
    let location = format!("/{bucket}/{}", record.key);
    let result = CompleteResult {
        location: &location,
        bucket,
        key: &record.key,
        etag: &record.etag,
        checksum: record
            .checksum
            .as_ref()
            .and_then(|(alg, value)| ChecksumAlgorithm::from_name(alg).zip(Some(value.clone()))),
        checksum_type: record.checksum_type.as_deref(),
    };
    let response = Response::xml(200, result.to_xml());
    match super::put::version_header(record) {
        Some((name, value)) => response.header(&name, value),
        None => response,
    }
}

/// Reads the CompleteMultipartUpload body. Here `x-amz-checksum-*` claims the whole object's
/// checksum, not the XML body's: the body is read as if it were not there (the claim is
/// checked later).
async fn read_complete_body<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> Result<Vec<u8>, S3Error> {
    let mut body_head = call.head.clone();
    body_head
        .headers
        .retain(|(name, _)| checksum::ChecksumAlgorithm::from_header_name(name).is_none());
    let body_call = Call {
        head: &body_head,
        route: call.route.clone(),
        auth: call.auth.clone(),
        principal: call.principal.clone(),
        access: call.access.clone(),
    };
    read_small_body(ctx, &body_call, body, COMPLETE_BODY_MAX).await
}

/// A Complete of an upload that is gone: a client whose first answer was lost retries. While
/// the object that upload made is still the key's current one and the request names the same
/// parts, S3 answers again as it did the first time; otherwise the upload does not exist
/// (`not_found`, the NoSuchUpload S3 documents for an upload "aborted or completed"). Only this
/// path reads the object's record.
async fn complete_again<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
    upload_id: &str,
    not_found: S3Error,
) -> OpResult<S::Body> {
    if !is_upload_id(upload_id) {
        return Err(not_found);
    }
    let body = read_complete_body(ctx, call, body).await?;
    let Ok(requested) = multipart_xml::parse_complete(&body) else {
        return Err(not_found);
    };
    let Some(record) = load_record(ctx.store, call.bucket(), call.key()).await? else {
        return Err(not_found);
    };
    if !is_retry_of(&record, upload_id, &requested) {
        return Err(not_found);
    }
    let algorithm = record
        .checksum
        .as_ref()
        .and_then(|(alg, _)| ChecksumAlgorithm::from_name(alg));
    let value = record.checksum.as_ref().map(|(_, v)| v.as_str());
    check_whole_object_claims(call, algorithm, value, record.size)?;
    Ok(complete_result(call.bucket(), &record))
}

/// Whether `requested` (a CompleteMultipartUpload part list) completes `upload_id` exactly as
/// the object `record` was completed: that upload made it, and the same parts are named in
/// the same order with the same ETags (and, where the request gives them, the same checksums).
pub fn is_retry_of(record: &ObjectRecord, upload_id: &str, requested: &[RequestedPart]) -> bool {
    record.layout == Layout::Multipart
        && record.upload_id.as_deref() == Some(upload_id)
        && record.segments.len() == requested.len()
        && record
            .segments
            .iter()
            .zip(record.part_numbers())
            .zip(requested)
            .all(|((segment, number), want)| {
                number == want.number
                    && segment.etag.eq_ignore_ascii_case(&want.etag)
                    && want
                        .checksum
                        .as_ref()
                        .is_none_or(|(_, value)| segment.checksum.as_deref() == Some(value))
            })
}

pub async fn abort_multipart_upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let (bucket, key) = (call.bucket(), call.key());
    let upload_id = upload_id_param(call);
    owned_bucket(ctx, call).await?;
    load_upload(ctx, bucket, key, &upload_id).await?;
    let object = load_record(ctx.store, bucket, key).await?;
    discard_upload(ctx, bucket, &upload_id, Some(key), object.as_ref()).await?;
    Ok(Response::new(204))
}

/// Removes an upload: its index entry (when its `key` is known) and its record first, in one
/// R2 call (no part can be added after), then every part record and part blob, except blobs
/// `keep` holds (an object completed from this upload, when a previous Complete stopped before
/// removing the upload).
pub async fn discard_upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    upload_id: &str,
    key: Option<&str>,
    keep: Option<&ObjectRecord>,
) -> StoreResult<()> {
    let mut first: Vec<String> = key
        .map(|key| upload_index::entry_name(bucket, key, upload_id))
        .into_iter()
        .collect();
    first.push(names::upload_record(bucket, upload_id));
    BlobStore::delete_blobs(ctx.store, &first).await?;
    for prefix in [
        names::part_record_prefix(bucket, upload_id),
        names::part_prefix(bucket, upload_id),
    ] {
        let doomed: Vec<String> = store::list_all(ctx.store, &prefix)
            .await?
            .into_iter()
            .map(|e| e.name)
            .filter(|name| keep.is_none_or(|record| !record.holds(name)))
            .collect();
        for batch in doomed.chunks(store::BLOB_BATCH_MAX) {
            BlobStore::delete_blobs(ctx.store, batch).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_of_parts() {
        // md5("a") and md5("b"); the ETag is md5 of their 32 binary bytes, then the count.
        let a = hex::encode(Md5::digest(b"a"));
        let b = hex::encode(Md5::digest(b"b"));
        let mut joined = hex::decode(&a).unwrap();
        joined.extend(hex::decode(&b).unwrap());
        assert_eq!(
            multipart_etag([a.as_str(), b.as_str()].into_iter()),
            format!("{}-2", hex::encode(Md5::digest(&joined)))
        );
    }

    fn completed(upload_id: &str) -> ObjectRecord {
        let segment = |n: u16, etag: &str, checksum: Option<&str>| Segment {
            blob: format!("part/b/{upload_id}/{n:05}/x"),
            size: 5,
            etag: etag.to_string(),
            checksum: checksum.map(str::to_string),
            part_number: Some(n),
        };
        ObjectRecord {
            key: "k".into(),
            layout: Layout::Multipart,
            segments: vec![
                segment(1, "aa11", Some("c1")),
                segment(3, "bb22", Some("c3")),
            ],
            upload_id: Some(upload_id.to_string()),
            ..ObjectRecord::default()
        }
    }

    fn wants(parts: &[(u16, &str, Option<&str>)]) -> Vec<RequestedPart> {
        parts
            .iter()
            .map(|(number, etag, checksum)| RequestedPart {
                number: *number,
                etag: etag.to_string(),
                checksum: checksum.map(|c| (ChecksumAlgorithm::Crc32, c.to_string())),
            })
            .collect()
    }

    #[test]
    fn a_retry_names_the_same_parts_of_the_same_upload() {
        let id = "0000000000010123456789abcdef0123";
        let record = completed(id);
        let same = wants(&[(1, "aa11", None), (3, "bb22", None)]);
        assert!(is_retry_of(&record, id, &same));
        // ETags compare without regard to case; checksums, when given, must match.
        assert!(is_retry_of(
            &record,
            id,
            &wants(&[(1, "AA11", Some("c1")), (3, "bb22", Some("c3"))])
        ));
        for other in [
            wants(&[(1, "aa11", None)]),
            wants(&[(1, "aa11", None), (2, "bb22", None)]),
            wants(&[(1, "aa11", None), (3, "cc33", None)]),
            wants(&[(1, "aa11", None), (3, "bb22", None), (4, "dd44", None)]),
            wants(&[(1, "aa11", Some("c1")), (3, "bb22", Some("zz"))]),
        ] {
            assert!(!is_retry_of(&record, id, &other), "{other:?}");
        }
        let other_id = "0000000000010123456789abcdef0124";
        assert!(!is_retry_of(&record, other_id, &same));
        // An object not made by an upload (a PUT, a copy, an older record) is never a retry.
        let mut put = record.clone();
        put.upload_id = None;
        assert!(!is_retry_of(&put, id, &same));
        put.layout = Layout::Single;
        put.upload_id = Some(id.to_string());
        assert!(!is_retry_of(&put, id, &same));
        // Records without part numbers number their parts by position.
        let mut old = record.clone();
        for s in &mut old.segments {
            s.part_number = None;
        }
        assert!(is_retry_of(
            &old,
            id,
            &wants(&[(1, "aa11", None), (2, "bb22", None)])
        ));
        assert!(!is_retry_of(&old, id, &same));
    }

    #[test]
    fn records_without_the_new_fields_still_read() {
        let json = r#"{"key":"k","blob":"","size":5,"etag":"e-1","last_modified_millis":0,"layout":"multipart","segments":[{"blob":"b","size":5,"etag":"aa"}]}"#;
        let record = ObjectRecord::from_json(json).unwrap();
        assert_eq!(record.upload_id, None);
        assert_eq!(record.segments[0].part_number, None);
        assert_eq!(record.part_numbers(), [1]);
        let written = completed("u").to_json();
        assert!(written.contains(r#""upload_id":"u""#), "{written}");
        assert!(written.contains(r#""part_number":3"#), "{written}");
        assert!(!ObjectRecord::default().to_json().contains("upload_id"));
    }

    #[test]
    fn upload_ids_sort_by_initiation() {
        let early = new_upload_id(1_000);
        let late = new_upload_id(2_000);
        assert!(is_upload_id(&early) && is_upload_id(&late));
        assert!(early < late);
        assert!(!is_upload_id("../x"));
    }
}
