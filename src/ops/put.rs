//! PutObject: content headers, user metadata, storage class, conditional writes, and the
//! write order that never loses the previous object: new blob, then the index entry (where the
//! store keeps one), then the record, written only if the key still holds what was read (the
//! commit point), then the old blob is retired; a small body goes into the record instead of a
//! blob (`inline`). Follows the S3 API Reference "PutObject" and "Conditional writes".

use super::{
    expectation, load_record, load_stored, owned_bucket, previous_record, random_bytes,
    StoredRecord, UploadPlan,
};
use super::{inline, version_archive};
use crate::checksum::ChecksumAlgorithm;
use crate::conditional;
use crate::context::{require_absent, Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::listing::field;
use crate::lock::{self, headers::RequestedLock, ObjectLock};
use crate::names;
use crate::record::{BucketRecord, ContentHeaders, InlineBytes, ObjectRecord};
use crate::request::RequestHead;
use crate::store::{BlobStore, BlobUpload, FormVerdict, MetaStore, Piece};
use crate::tagging::{self, TagSet};
use crate::versioning::{ids, VersioningStatus, NULL_VERSION};
use md5::Digest;
use std::collections::BTreeMap;

/// S3's limit on user-defined metadata: names and values, in UTF-8 bytes.
const USER_METADATA_MAX: usize = 2048;
/// S3's limit on a key, in UTF-8 bytes.
pub const KEY_MAX: usize = 1024;
/// The largest single PUT S3 accepts.
const SINGLE_PUT_MAX: u64 = 5 * 1024 * 1024 * 1024;

const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
    "OUTPOSTS",
    "SNOW",
    "EXPRESS_ONEZONE",
];

pub async fn put_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let record = store_object(ctx, call, body, None).await?;
    let mut response = Response::new(200);
    response.headers = object_headers(&record, call.head);
    Ok(response)
}

/// The `x-amz-version-id` of an answer that stored `record` in a versioned bucket.
pub fn version_header(record: &ObjectRecord) -> Option<(String, String)> {
    (record.vid.is_some() || record.place.is_some()).then(|| {
        (
            "x-amz-version-id".to_string(),
            record.version_id().to_string(),
        )
    })
}

/// What an answer that stored an object says about it: its ETag, its checksum, the encryption
/// asked for.
pub fn object_headers(record: &ObjectRecord, head: &RequestHead) -> Vec<(String, String)> {
    let mut headers = vec![("etag".to_string(), record.quoted_etag())];
    headers.extend(record.checksum_header());
    headers.extend(version_header(record));
    if let Some(sse) = head.header("x-amz-server-side-encryption") {
        headers.push(("x-amz-server-side-encryption".into(), sse.to_string()));
    }
    headers
}

/// What a POST's file brings besides its bytes: the verdict on the form around it
/// (`BlobStore::split_form`), and the check of the file's length against the policy, for when
/// parts after the file make it shorter than the length told up front.
pub struct FormFraming<'a> {
    pub verdict: &'a FormVerdict,
    pub check_length: &'a dyn Fn(u64) -> Result<(), S3Error>,
}

/// Stores `body` as the object `call` names, as PutObject does; the record it committed.
/// With `framing` (a POST's file), the form's error is the one to answer whether or not the
/// store noticed, and nothing is committed unless it says the form ended well.
pub async fn store_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
    framing: Option<FormFraming<'_>>,
) -> Result<ObjectRecord, S3Error> {
    let head = call.head;
    let (bucket, key) = (call.bucket(), call.key());
    validate_key(key)?;
    let attributes = NewAttributes::from_request(head, ctx.now_millis)?;
    let plan = UploadPlan::for_request(call)?;
    if plan.length > SINGLE_PUT_MAX {
        return Err(S3Error::new(ErrorCode::EntityTooLarge));
    }
    let bucket_record = owned_bucket(ctx, call).await?;
    let object_lock = attributes.lock_in(&bucket_record, ctx.now_millis)?;
    if framing.is_none() {
        lock::headers::require_digest(head, &object_lock)?;
    }
    let (owner, acl) = super::acl::new_object_acl(ctx, call, &bucket_record)?;

    let previous = previous_record(ctx.store, call).await?;
    let precondition = write_precondition(head);
    precondition(previous.as_ref().map(|p| &p.record))?;

    // The record of the bytes received, with this request's attributes and owner.
    let new_record = |received: Received| ObjectRecord {
        size: received.size,
        etag: received.md5_hex,
        last_modified_millis: ctx.now_millis,
        checksum: received
            .checksum
            .map(|(alg, value)| (alg.as_str().to_string(), value)),
        owner: Some(owner),
        acl,
        lock: object_lock,
        ..attributes.into_record(key)
    };
    if framing.is_none() && inline::keeps_inline(ctx, plan.length) {
        let (bytes, received) = inline::receive_inline(ctx, call, body).await?;
        let record = ObjectRecord {
            inline: Some(InlineBytes(bytes)),
            ..new_record(received)
        };
        let versioning = bucket_record.versioning;
        return commit_over(
            ctx,
            bucket,
            &record,
            previous,
            &[],
            versioning,
            precondition,
        )
        .await;
    }
    let blob = names::blob_name(bucket, &random_bytes());
    let received =
        match receive_blob(ctx, body, plan, &blob, object_blob_metadata(bucket, key)).await {
            Ok(received) => received,
            Err(err) => match framing.as_ref().and_then(|f| f.verdict.outcome()) {
                Some(Err(framing_error)) => {
                    // The store failed because the form did; whatever it took in goes.
                    discard_blob(ctx, &blob).await;
                    return Err(framing_error);
                }
                _ => return Err(err),
            },
        };
    let (blob, received) = match framing.as_ref().map(|f| f.verdict.outcome()) {
        None | Some(Some(Ok(None))) => (blob, received),
        // Parts followed the form's file (S3 ignores them): the object is the file alone.
        Some(Some(Ok(Some(file_end)))) => {
            let checked = framing
                .as_ref()
                .map_or(Ok(()), |f| (f.check_length)(file_end))
                .and_then(|()| integrity_of_streamed_bytes(head));
            let trimmed = match checked {
                Ok(()) => {
                    let custom = object_blob_metadata(bucket, key);
                    trim_blob(ctx, bucket, &blob, file_end, custom).await
                }
                Err(err) => Err(err),
            };
            discard_blob(ctx, &blob).await;
            trimmed?
        }
        Some(outcome) => {
            discard_blob(ctx, &blob).await;
            return Err(match outcome {
                Some(Err(err)) => err,
                _ => S3Error::internal("the end of the form was not checked"),
            });
        }
    };
    let record = ObjectRecord {
        blob: blob.clone(),
        ..new_record(received)
    };
    let versioning = bucket_record.versioning;
    commit_over(
        ctx,
        bucket,
        &record,
        previous,
        &[blob],
        versioning,
        precondition,
    )
    .await
}

/// A form whose file was followed by parts: its checksums and Content-MD5 were checked on the
/// bytes streamed (the file and those parts), so they cannot stand for the file. Refused rather
/// than stored without them.
fn integrity_of_streamed_bytes(head: &RequestHead) -> Result<(), S3Error> {
    let asks = head.header("content-md5").is_some()
        || head.headers.iter().any(|(name, _)| {
            name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm"
        });
    if asks {
        return Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Content-MD5 and checksum fields are not supported by s3edge in a form with fields after the file.",
        ));
    }
    Ok(())
}

/// A new blob of the first `length` bytes of `blob` (a form's file, streamed with the parts
/// after it), copied by the runtime from R2 to R2; its MD5 is the object's ETag.
async fn trim_blob<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    blob: &str,
    length: u64,
    custom: BTreeMap<String, String>,
) -> Result<(String, Received), S3Error> {
    let trimmed = names::blob_name(bucket, &random_bytes());
    let written = if length == 0 {
        BlobStore::put_small(ctx.store, &trimmed, Vec::new(), custom).await?;
        hex::encode(md5::Md5::digest(b""))
    } else {
        let piece = Piece {
            blob: blob.to_string(),
            range: Some((0, length - 1)),
        };
        let body = ctx.store.open_pieces(vec![piece], length).await?;
        let upload = BlobUpload {
            body,
            length,
            filter: None,
            r2_sha256: None,
            custom,
        };
        match BlobStore::put_blob(ctx.store, &trimmed, upload).await {
            Ok(written) => written.md5_hex,
            Err(err) => {
                // R2 may have taken it all the same.
                discard_blob(ctx, &trimmed).await;
                return Err(err);
            }
        }
    };
    let received = Received {
        size: length,
        md5_hex: written,
        checksum: None,
    };
    Ok((trimmed, received))
}

/// What a request that creates an object (PutObject, CreateMultipartUpload, a copy with
/// REPLACE, the first append) says about it besides its bytes.
pub struct NewAttributes {
    pub headers: ContentHeaders,
    pub user_metadata: Vec<(String, String)>,
    pub storage_class: Option<String>,
    pub tags: TagSet,
    /// The Object Lock retention and legal hold the request asks for.
    pub lock: RequestedLock,
}

impl NewAttributes {
    /// Reads and checks the attribute headers at `now_millis`, refusing (501) those not
    /// implemented yet.
    pub fn from_request(head: &RequestHead, now_millis: i64) -> Result<NewAttributes, S3Error> {
        require_absent(head, "x-amz-server-side-encryption-customer-algorithm")?;
        check_server_side_encryption(head)?;
        check_website_redirect(head)?;
        Ok(NewAttributes {
            headers: content_headers(head),
            user_metadata: user_metadata(head)?,
            storage_class: storage_class(head)?,
            tags: object_tags(head)?,
            lock: lock::headers::requested_lock(head, now_millis)?,
        })
    }

    /// The lock of the version these attributes make in `bucket` at `now_millis`: what the
    /// request asked, else the bucket's default retention (refused without Object Lock).
    pub fn lock_in(&self, bucket: &BucketRecord, now_millis: i64) -> Result<ObjectLock, S3Error> {
        lock::headers::settle(
            self.lock,
            bucket.object_lock_enabled(),
            bucket.lock_default.as_ref(),
            now_millis,
        )
    }

    /// A record for `key` carrying these attributes (bytes, times and owner still to fill in).
    pub fn into_record(self, key: &str) -> ObjectRecord {
        ObjectRecord {
            key: key.to_string(),
            headers: self.headers,
            user_metadata: self.user_metadata,
            storage_class: self.storage_class,
            tags: self.tags,
            ..ObjectRecord::default()
        }
    }
}

/// A request body stored as a blob: its size, MD5 and flexible checksum.
pub struct Received {
    pub size: u64,
    pub md5_hex: String,
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// R2 custom metadata of an object's blob: which record may own it (for the cleanup pass).
pub fn object_blob_metadata(bucket: &str, key: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("bucket".to_string(), bucket.to_string()),
        ("key".to_string(), key.to_string()),
    ])
}

/// Stores a request body under `blob` as `plan` says (R2 verifying what it can, the Rust filter
/// the rest) and checks Content-MD5 against the MD5 R2 computed. On any failure nothing is kept.
pub async fn receive_blob<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    body: S::Body,
    mut plan: UploadPlan,
    blob: &str,
    custom: BTreeMap<String, String>,
) -> Result<Received, S3Error> {
    let sha256_is_checksum = plan.r2_sha256_is_checksum;
    let written = BlobStore::put_blob(
        ctx.store,
        blob,
        BlobUpload {
            body,
            length: plan.length,
            filter: plan.filter.take(),
            r2_sha256: plan.r2_sha256,
            custom,
        },
    )
    .await
    .map_err(|err| match err.code {
        ErrorCode::XAmzContentSHA256Mismatch if sha256_is_checksum => S3Error::with_message(
            ErrorCode::BadDigest,
            "The SHA256 you specified did not match the calculated checksum.",
        ),
        _ => err,
    })?;
    let md5_matches = plan
        .content_md5
        .is_none_or(|want| hex::encode(want) == written.md5_hex);
    if !md5_matches {
        discard_blob(ctx, blob).await;
        return Err(S3Error::new(ErrorCode::BadDigest));
    }
    let checksum = written
        .verified
        .as_ref()
        .and_then(|v| v.checksum.clone())
        .or(plan.trusted_checksum.take());
    Ok(Received {
        size: written.size,
        md5_hex: written.md5_hex,
        checksum,
    })
}

/// The tags of `x-amz-tagging`, if given.
pub fn object_tags(head: &RequestHead) -> Result<TagSet, S3Error> {
    head.header("x-amz-tagging")
        .map_or_else(|| Ok(TagSet::new()), tagging::parse_header)
}

/// A write's `If-Match` / `If-None-Match`, checked against what the key holds (`None`: nothing).
pub fn write_precondition(
    head: &RequestHead,
) -> impl Fn(Option<&ObjectRecord>) -> Result<(), S3Error> + '_ {
    move |current| {
        conditional::evaluate_write(
            head.header("if-match"),
            head.header("if-none-match"),
            current.map(|p| p.etag.as_str()),
        )
    }
}

/// Tries to commit a write at most this many times while other writes of the key keep
/// coming between its read and its write.
const COMMIT_ATTEMPTS: usize = 8;

/// Makes a new record the object, over whatever the key holds: when another write came
/// between the read of `previous` and this one, the key is read again, `still_allowed` decides
/// whether the write may still go over what it holds now (a precondition), and the commit is
/// tried again. `fresh` (the blobs written for the new record alone) are removed when the
/// write is refused or fails, as [`commit`] removes them. In a versioned bucket (`versioning`)
/// the record gets its version id (or, suspended, its place as the null version) against the
/// version it goes over; the record committed is returned.
pub async fn commit_over<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &ObjectRecord,
    mut previous: Option<StoredRecord>,
    fresh: &[String],
    versioning: Option<VersioningStatus>,
    still_allowed: impl Fn(Option<&ObjectRecord>) -> Result<(), S3Error>,
) -> Result<ObjectRecord, S3Error> {
    for _ in 0..COMMIT_ATTEMPTS {
        let record = stamp_version(ctx, record, previous.as_ref(), versioning);
        match commit(ctx, bucket, &record, previous.as_ref(), fresh, versioning).await? {
            Commit::Done => return Ok(record),
            Commit::Superseded(current) => previous = current.map(|c| *c),
        }
        if let Err(err) = still_allowed(previous.as_ref().map(|p| &p.record)) {
            let _ = BlobStore::delete_blobs(ctx.store, fresh).await;
            return Err(err);
        }
    }
    let _ = BlobStore::delete_blobs(ctx.store, fresh).await;
    Err(S3Error::new(ErrorCode::ConditionalRequestConflict))
}

/// `record` as written over `previous` in a bucket of this versioning state: a new version id
/// (enabled), the null version with a place among the key's versions (suspended), or neither.
pub fn stamp_version<S>(
    ctx: &Ctx<'_, S>,
    record: &ObjectRecord,
    previous: Option<&StoredRecord>,
    versioning: Option<VersioningStatus>,
) -> ObjectRecord {
    let newer_than = previous.map(|p| p.record.place());
    let id = || ids::next_version_id(ctx.now_millis, newer_than.as_deref(), random_bytes());
    let (vid, place) = match versioning {
        None => (None, None),
        Some(VersioningStatus::Enabled) => (Some(id()), None),
        Some(VersioningStatus::Suspended) => (None, Some(id())),
    };
    ObjectRecord {
        vid,
        place,
        ..record.clone()
    }
}

/// What [`commit`] did.
pub enum Commit {
    /// The record is the object.
    Done,
    /// Another write came first: nothing is committed; what the key holds now.
    Superseded(Option<Box<StoredRecord>>),
}

/// Makes a new record the object if the key still holds `previous` (as read; `None`: nothing).
/// The listing entry goes first, then the record (the commit point: readers switch to the new
/// bytes; written only if the key still holds what was read, atomically where the store can),
/// then the previous object's blobs that the new record does not share are retired.
/// `Commit::Superseded`: another write came first; nothing is committed, the listing entry is
/// made to agree with that write, and `fresh` (the blobs written for the new record alone) are left to
/// the caller. A failure before the record leaves the old object whole: the entry is put back,
/// `fresh` removed and the error returned. When it cannot be told whether the record landed,
/// nothing is undone (the new record may be the object): the cleanup pass then removes
/// whichever blobs the record in place does not hold and makes the entry agree with it, as it
/// repairs whatever the best-effort steps here miss.
pub async fn commit<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &ObjectRecord,
    previous: Option<&StoredRecord>,
    fresh: &[String],
    versioning: Option<VersioningStatus>,
) -> Result<Commit, S3Error> {
    let record_name = names::object_record(bucket, &record.key);
    let listed = listing_metadata(ctx.store, record);
    // In a versioned bucket the version gone over is kept (unless it is the null version a
    // suspended bucket's write replaces): archived before the commit, so that it is never lost.
    let keeps_previous = previous.filter(|p| match versioning {
        None => false,
        Some(VersioningStatus::Enabled) => true,
        Some(VersioningStatus::Suspended) => p.record.vid.is_some(),
    });
    let archived = match keeps_previous {
        Some(previous) => version_archive::archive(ctx, bucket, &previous.record)
            .await
            .map_err(S3Error::from),
        None => Ok(()),
    };
    if let Err(err) = archived {
        let _ = BlobStore::delete_blobs(ctx.store, fresh).await;
        return Err(err);
    }
    let indexed = match ctx.store.lists_objects() {
        true => Ok(()),
        false => write_index_entry(ctx, bucket, record).await,
    };
    let written = match indexed {
        Ok(()) => ctx
            .store
            .put_if(
                &record_name,
                &record.to_json(),
                listed.as_deref(),
                expectation(previous),
            )
            .await
            .map_err(S3Error::from),
        Err(err) => Err(err),
    };
    match written {
        Ok(true) => {}
        Ok(false) => {
            let current = load_stored(ctx.store, bucket, &record.key).await?;
            let held = current.as_ref().map(|c| &c.record);
            restore_index_entry(ctx, bucket, &record.key, held).await?;
            return Ok(Commit::Superseded(current.map(Box::new)));
        }
        // The write may have landed although it reported an error (a timeout): then the new
        // object is committed, and undoing the index or the blob would break it.
        Err(err) => match load_record(ctx.store, bucket, &record.key).await {
            Ok(Some(stored))
                if stored.blobs() == record.blobs()
                    && stored.etag == record.etag
                    && stored.inline == record.inline => {}
            Ok(_) => {
                let restored = previous.map(|p| &p.record);
                let _ = restore_index_entry(ctx, bucket, &record.key, restored).await;
                let _ = BlobStore::delete_blobs(ctx.store, fresh).await;
                return Err(err);
            }
            Err(_) => return Err(err),
        },
    }
    if keeps_previous.is_some() {
        if versioning == Some(VersioningStatus::Suspended) {
            // The new null version replaces the archived one, if the key had one.
            replace_archived_null(ctx, bucket, &record.key).await;
        }
    } else if let Some(old) = previous {
        let retired: Vec<String> = old
            .record
            .blobs()
            .into_iter()
            .filter(|b| !b.is_empty() && !record.holds(b))
            .collect();
        // Leftovers are harmless: cleanup removes blobs no record points to.
        if !retired.is_empty() {
            let _ = BlobStore::delete_blobs(ctx.store, &retired).await;
        }
    }
    Ok(Commit::Done)
}

/// Removes `key`'s archived null version, which a new null version replaces (best effort: what
/// it leaves, the cleanup pass finds).
pub async fn replace_archived_null<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
) {
    if let Ok(Some(old_null)) = version_archive::find(ctx, bucket, key, NULL_VERSION).await {
        let _ = version_archive::remove(ctx, bucket, &old_null, true).await;
    }
}

/// Makes `key`'s listing entry say what `current` (its record, if any) holds.
async fn restore_index_entry<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    key: &str,
    current: Option<&ObjectRecord>,
) -> Result<(), S3Error> {
    if ctx.store.lists_objects() {
        // The record is the listing: nothing beside it to put back.
        return Ok(());
    }
    match current {
        Some(record) => write_index_entry(ctx, bucket, record).await,
        None => BlobStore::delete_blobs(
            ctx.store,
            &[names::index_name(bucket, key).name().to_string()],
        )
        .await
        .map_err(S3Error::from),
    }
}

/// The metadata an object's record carries: its listing entry, where the store lists objects
/// from their records.
pub fn listing_metadata<S: MetaStore>(store: &S, record: &ObjectRecord) -> Option<String> {
    store
        .lists_objects()
        .then(|| crate::listing::sorted::Entry::of(record).to_json())
}

/// The custom metadata a listing reads of `record` (its index entry's, and its version-archive
/// entry's): size, ETag, last-modified, storage class, checksum, owner, and the full key when
/// the entry's name had to be `truncated`.
pub fn listing_fields(record: &ObjectRecord, truncated: bool) -> BTreeMap<String, String> {
    let mut custom = BTreeMap::from([
        (field::SIZE.to_string(), record.size.to_string()),
        (field::ETAG.to_string(), record.etag.clone()),
        (
            field::MODIFIED.to_string(),
            record.last_modified_millis.to_string(),
        ),
    ]);
    if let Some(class) = &record.storage_class {
        custom.insert(field::STORAGE_CLASS.to_string(), class.clone());
    }
    if let Some((alg, _)) = &record.checksum {
        custom.insert(field::CHECKSUM_ALGORITHM.to_string(), alg.clone());
    }
    if let Some(kind) = record
        .checksum_type
        .as_ref()
        .filter(|t| *t != "FULL_OBJECT")
    {
        custom.insert(field::CHECKSUM_TYPE.to_string(), kind.clone());
    }
    if truncated {
        custom.insert(field::FULL_KEY.to_string(), record.key.clone());
    }
    if let Some(owner) = &record.owner {
        custom.insert(field::OWNER.to_string(), owner.clone());
    }
    custom
}

pub async fn write_index_entry<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &ObjectRecord,
) -> Result<(), S3Error> {
    let index = names::index_name(bucket, &record.key);
    let truncated = matches!(index, names::IndexName::Truncated { .. });
    let mut custom = listing_fields(record, truncated);
    if let Some(id) = &record.vid {
        custom.insert(field::VERSION_ID.to_string(), id.clone());
    }
    ctx.store
        .put_small(index.name(), Vec::new(), custom)
        .await?;
    Ok(())
}

pub async fn discard_blob<S: MetaStore + BlobStore>(ctx: &Ctx<'_, S>, blob: &str) {
    let _ = BlobStore::delete_blobs(ctx.store, &[blob.to_string()]).await;
}

pub fn validate_key(key: &str) -> Result<(), S3Error> {
    if key.len() > KEY_MAX {
        return Err(S3Error::new(ErrorCode::KeyTooLongError)
            .detail("MaxSizeAllowed", KEY_MAX.to_string())
            .detail("Size", key.len().to_string()));
    }
    Ok(())
}

fn check_server_side_encryption(head: &RequestHead) -> Result<(), S3Error> {
    match head.header("x-amz-server-side-encryption") {
        None | Some("AES256") => Ok(()),
        Some(_) => Err(S3Error::with_message(
            ErrorCode::NotImplemented,
            "Only AES256 server-side encryption (R2's encryption at rest) is available.",
        )),
    }
}

pub fn user_metadata(head: &RequestHead) -> Result<Vec<(String, String)>, S3Error> {
    let pairs: Vec<(String, String)> = head
        .headers
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("x-amz-meta-")
                .map(|n| (n.to_string(), value.trim().to_string()))
        })
        .collect();
    let size: usize = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
    if size > USER_METADATA_MAX {
        return Err(S3Error::new(ErrorCode::MetadataTooLarge)
            .detail("Size", size.to_string())
            .detail("MaxSizeAllowed", USER_METADATA_MAX.to_string()));
    }
    Ok(pairs)
}

pub fn storage_class(head: &RequestHead) -> Result<Option<String>, S3Error> {
    match head.header("x-amz-storage-class") {
        None | Some("STANDARD") => Ok(None),
        Some(class) if STORAGE_CLASSES.contains(&class) => Ok(Some(class.to_string())),
        Some(class) => {
            Err(S3Error::new(ErrorCode::InvalidStorageClass).detail("StorageClassRequested", class))
        }
    }
}

/// The content headers S3 stores.
pub fn content_headers(head: &RequestHead) -> ContentHeaders {
    let get = |name: &str| head.header(name).map(str::to_string);
    ContentHeaders {
        content_type: get("content-type"),
        content_encoding: head
            .header("content-encoding")
            .and_then(stored_content_encoding),
        content_disposition: get("content-disposition"),
        content_language: get("content-language"),
        cache_control: get("cache-control"),
        expires: get("expires"),
        website_redirect_location: get("x-amz-website-redirect-location"),
    }
}

/// `x-amz-website-redirect-location` must name a path of the bucket or an absolute URL (PutObject,
/// "Configuring a webpage redirect"), of at most 2 KB.
fn check_website_redirect(head: &RequestHead) -> Result<(), S3Error> {
    let Some(location) = head.header("x-amz-website-redirect-location") else {
        return Ok(());
    };
    let well_formed = ["/", "http://", "https://"]
        .iter()
        .any(|prefix| location.starts_with(prefix));
    if !well_formed {
        return Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
        )
        .detail("ArgumentName", "x-amz-website-redirect-location")
        .detail("ArgumentValue", location));
    }
    if location.len() > 2048 {
        return Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            "The length of website redirect location cannot exceed 2,048 characters.",
        )
        .detail("ArgumentName", "x-amz-website-redirect-location"));
    }
    Ok(())
}

/// The `Content-Encoding` S3 stores for the one a request gave: the client's value as written,
/// spacing and all, less any `aws-chunked` token (that is the request's framing, not the
/// content's encoding); nothing when only `aws-chunked` was given.
pub fn stored_content_encoding(given: &str) -> Option<String> {
    let is_framing = |token: &str| token.trim().eq_ignore_ascii_case("aws-chunked");
    let kept = if given.split(',').any(is_framing) {
        given
            .split(',')
            .filter(|token| !is_framing(token))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        given.to_string()
    };
    let kept = kept.trim();
    (!kept
        .trim_matches(|c: char| c == ',' || c.is_ascii_whitespace())
        .is_empty())
    .then(|| kept.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_encoding_is_kept_as_given_less_aws_chunked() {
        for (given, stored) in [
            ("gzip", Some("gzip")),
            ("deflate, gzip", Some("deflate, gzip")),
            ("deflate,gzip", Some("deflate,gzip")),
            ("aws-chunked", None),
            ("AWS-Chunked", None),
            ("aws-chunked, gzip", Some("gzip")),
            ("aws-chunked,gzip", Some("gzip")),
            ("gzip, aws-chunked", Some("gzip")),
            ("deflate, aws-chunked, gzip", Some("deflate, gzip")),
            ("br,  aws-chunked ,identity", Some("br,identity")),
            ("", None),
            ("aws-chunked, ", None),
        ] {
            assert_eq!(
                stored_content_encoding(given).as_deref(),
                stored,
                "{given:?}"
            );
        }
    }
}
