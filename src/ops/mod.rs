//! S3 operation handlers, one module per family, and what they share: bucket access checks
//! and the plan for receiving a request body (framing, digests, who verifies them).

pub mod access;
pub mod acl;
pub mod append;
pub mod attributes;
pub mod bucket;
pub mod copy;
pub mod cors;
pub mod delete;
pub mod delete_version;
pub mod get;
pub mod inline;
pub mod list;
pub mod multipart;
pub mod multipart_list;
pub mod object_lock;
pub mod ownership;
pub mod policy;
pub mod post;
pub mod public_access;
pub mod put;
pub mod sweep;
pub mod tagging;
pub mod upload_index;
pub mod version_archive;
pub mod versions;
pub mod website;
pub mod website_endpoint;

use crate::auth::chunked::ChunkedDecoder;
use crate::auth::PayloadMode;
use crate::body::BodyFilter;
use crate::checksum::{BodyVerifier, ChecksumAlgorithm, ExpectedValue, IntegrityExpectations};
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::names;
pub use crate::record::StoredRecord;
use crate::record::{read_record, BucketRecord, ObjectRecord, Unreadable};
use crate::store::{BlobStore, Expect, MetaStore, StoreError};

/// Why a record could not be loaded: the storage call failed, or what is stored there cannot
/// be read (which is never taken for absence: the request answers InternalError, and the
/// cleanup pass leaves alone whatever the record may hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Store(StoreError),
    Unreadable(Unreadable),
}

impl From<StoreError> for LoadError {
    fn from(err: StoreError) -> Self {
        LoadError::Store(err)
    }
}

impl From<Unreadable> for LoadError {
    fn from(err: Unreadable) -> Self {
        LoadError::Unreadable(err)
    }
}

impl From<LoadError> for S3Error {
    fn from(err: LoadError) -> Self {
        match err {
            LoadError::Store(err) => err.into(),
            LoadError::Unreadable(err) => err.into(),
        }
    }
}

impl From<LoadError> for StoreError {
    fn from(err: LoadError) -> Self {
        match err {
            LoadError::Store(err) => err,
            LoadError::Unreadable(err) => err.into(),
        }
    }
}

pub type LoadResult<T> = Result<T, LoadError>;

/// The record stored under `name` (`None` when nothing is), read.
pub fn parse_stored<T: serde::de::DeserializeOwned>(
    name: &str,
    json: Option<String>,
) -> Result<Option<T>, Unreadable> {
    json.map(|json| read_record(name, json.as_bytes()))
        .transpose()
}

/// A bucket's record, if it exists.
pub async fn load_bucket<S: MetaStore>(
    store: &S,
    bucket: &str,
) -> LoadResult<Option<BucketRecord>> {
    let name = names::bucket_record(bucket);
    Ok(parse_stored(&name, store.get(&name).await?)?)
}

/// An object's record, if it exists.
pub async fn load_record<S: MetaStore>(
    store: &S,
    bucket: &str,
    key: &str,
) -> LoadResult<Option<ObjectRecord>> {
    let name = names::object_record(bucket, key);
    Ok(parse_stored(&name, store.get(&name).await?)?)
}

/// What a write over `previous` (as read; `None`: the key held nothing) expects to find.
pub fn expectation(previous: Option<&StoredRecord>) -> Expect<'_> {
    previous.map_or(Expect::Absent, |p| Expect::Value(&p.raw))
}

/// An object's record with the value it was read from, if it exists.
pub async fn load_stored<S: MetaStore>(
    store: &S,
    bucket: &str,
    key: &str,
) -> LoadResult<Option<StoredRecord>> {
    let name = names::object_record(bucket, key);
    match store.get(&name).await? {
        Some(raw) => Ok(Some(StoredRecord::read(&name, raw)?)),
        None => Ok(None),
    }
}

/// The record a write over the call's key goes over: as the authorization step read it (with
/// the bucket's, in one call), or read now.
pub async fn previous_record<S: MetaStore>(
    store: &S,
    call: &Call<'_>,
) -> LoadResult<Option<StoredRecord>> {
    match &call.access.previous {
        Some(previous) => Ok(previous.clone()),
        None => load_stored(store, call.bucket(), call.key()).await,
    }
}

/// Tries a read-modify-write of a record at most this many times while other writes of the
/// key keep coming between its read and its write.
pub const UPDATE_ATTEMPTS: usize = 8;

/// Rewrites an object's record with `change` (its tags, its ACL; the bytes stay), written back
/// only if no other write came between the read and the write — atomically where the store can
/// — else read and changed again. `None` when the key holds no object.
pub async fn update_record<S: MetaStore>(
    store: &S,
    bucket: &str,
    key: &str,
    change: impl Fn(&mut ObjectRecord) -> Result<(), S3Error>,
) -> Result<Option<ObjectRecord>, S3Error> {
    let name = names::object_record(bucket, key);
    for _ in 0..UPDATE_ATTEMPTS {
        let Some(stored) = load_stored(store, bucket, key).await? else {
            return Ok(None);
        };
        let mut record = stored.record;
        change(&mut record)?;
        let expect = Expect::Value(&stored.raw);
        let listed = put::listing_metadata(store, &record);
        if store
            .put_if(&name, &record.to_json(), listed.as_deref(), expect)
            .await?
        {
            return Ok(Some(record));
        }
    }
    Err(S3Error::new(ErrorCode::ConditionalRequestConflict))
}

/// The versioning state of the call's bucket (`None`: never versioned).
pub fn bucket_versioning(call: &Call<'_>) -> Option<crate::versioning::VersioningStatus> {
    call.access.bucket.as_ref().and_then(|b| b.versioning)
}

/// The bucket's record, as the authorization step read it (the caller may act on it).
pub async fn owned_bucket<S: MetaStore + BlobStore>(
    _ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> Result<BucketRecord, S3Error> {
    call.access
        .bucket
        .clone()
        .ok_or_else(|| S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", call.bucket()))
}

/// The record a read of the call's key names: the current object, as the authorization step
/// read it (with the bucket's, in one call), or with `versionId` that version (NoSuchVersion
/// when the key has none of that id; 405 MethodNotAllowed for a delete marker, as S3 answers).
pub async fn readable_record<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> Result<Option<ObjectRecord>, S3Error> {
    let Some(version_id) = versions::version_id_param(call)? else {
        return Ok(call.access.object.clone());
    };
    let record = versions::find_version(ctx, call, &version_id).await?;
    if record.dm {
        return Err(S3Error::new(ErrorCode::MethodNotAllowed)
            .header("x-amz-delete-marker", "true")
            .header("x-amz-version-id", record.version_id())
            .header("allow", "DELETE"));
    }
    Ok(Some(record))
}

/// The answer to a read of a key that holds no object: NoSuchKey, saying so when the key's
/// current version is a delete marker (`x-amz-delete-marker`, `x-amz-version-id`).
pub async fn missing_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> S3Error {
    let err = S3Error::new(ErrorCode::NoSuchKey).detail("Key", call.key());
    if bucket_versioning(call).is_none() {
        return err;
    }
    match version_archive::newest(ctx, call.bucket(), call.key()).await {
        Ok(Some(marker)) if marker.dm => err
            .header("x-amz-delete-marker", "true")
            .header("x-amz-version-id", marker.version_id()),
        _ => err,
    }
}

/// Changes the record a write of the call's key names (`versionId`, else the current object)
/// with `change` (its tags, its ACL): the current object as [`update_record`] does; an archived
/// version in place. `None` when there is no such object.
pub async fn update_requested<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    change: impl Fn(&mut ObjectRecord) -> Result<(), S3Error>,
) -> Result<Option<ObjectRecord>, S3Error> {
    let (bucket, key) = (call.bucket(), call.key());
    let Some(version_id) = versions::version_id_param(call)? else {
        return update_record(ctx.store, bucket, key, change).await;
    };
    let current = load_record(ctx.store, bucket, key).await?;
    if current
        .as_ref()
        .is_some_and(|c| c.version_id() == version_id)
    {
        return update_record(ctx.store, bucket, key, |record| {
            if record.version_id() != version_id {
                return Err(S3Error::new(ErrorCode::ConditionalRequestConflict));
            }
            change(record)
        })
        .await;
    }
    let mut record = version_archive::find(ctx, bucket, key, &version_id)
        .await?
        .ok_or_else(|| versions::no_such_version(key, &version_id))?;
    if record.dm {
        return Err(S3Error::new(ErrorCode::MethodNotAllowed)
            .header("x-amz-delete-marker", "true")
            .header("x-amz-version-id", record.version_id()));
    }
    change(&mut record)?;
    version_archive::archive(ctx, bucket, &record).await?;
    Ok(Some(record))
}

/// Writes a bucket's record back (a configuration put or removed).
pub async fn save_bucket<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
    record: &BucketRecord,
) -> Result<(), S3Error> {
    MetaStore::put(
        ctx.store,
        &names::bucket_record(bucket),
        &record.to_json(),
        None,
    )
    .await?;
    Ok(())
}

/// Where one configuration document sits in a bucket's record.
pub type ConfigField<T> = fn(&mut BucketRecord) -> &mut Option<T>;

/// A Put of a bucket configuration document: the body (at most `limit` bytes) parsed by
/// `parse` and kept in the bucket's record at `field`; answers `status`.
pub async fn put_bucket_config<S: MetaStore + BlobStore, T>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
    (limit, status): (usize, u16),
    field: ConfigField<T>,
    parse: impl FnOnce(&[u8]) -> Result<T, S3Error>,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    let body = read_small_body(ctx, call, body, limit).await?;
    *field(&mut record) = Some(parse(&body)?);
    save_bucket(ctx, call.bucket(), &record).await?;
    Ok(Response::new(status))
}

/// A Delete of a bucket configuration document: 204 whether there was one or not; the record
/// is written only when it held one.
pub async fn delete_bucket_config<S: MetaStore + BlobStore, T>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    field: ConfigField<T>,
) -> OpResult<S::Body> {
    let mut record = owned_bucket(ctx, call).await?;
    if field(&mut record).take().is_some() {
        save_bucket(ctx, call.bucket(), &record).await?;
    }
    Ok(Response::new(204))
}

/// Sixteen random bytes (blob names, request ids).
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).expect("the platform has a random source");
    bytes
}

/// How a request body is received: its decoded length, and which digests are checked where.
pub struct UploadPlan {
    /// Exact payload length after any aws-chunked decoding.
    pub length: u64,
    /// Present when bytes must pass through Rust (aws-chunked, CRC or SHA-1 checksums).
    pub filter: Option<BodyFilter>,
    /// SHA-256 that R2 verifies while storing (payload hash or `x-amz-checksum-sha256`).
    pub r2_sha256: Option<[u8; 32]>,
    /// True when `r2_sha256` came from `x-amz-checksum-sha256` alone (a mismatch is BadDigest,
    /// not XAmzContentSHA256Mismatch).
    pub r2_sha256_is_checksum: bool,
    /// Content-MD5 to compare with the MD5 R2 computes (its ETag) once stored.
    pub content_md5: Option<[u8; 16]>,
    /// A header checksum R2 verified for us, to store as given.
    pub trusted_checksum: Option<(ChecksumAlgorithm, String)>,
}

impl UploadPlan {
    pub fn for_request(call: &Call<'_>) -> Result<UploadPlan, S3Error> {
        Self::for_request_computing(call, None)
    }

    /// [`Self::for_request`], also computing the `compute` checksum when the request carries
    /// none (a part of an upload created with `x-amz-checksum-algorithm`).
    pub fn for_request_computing(
        call: &Call<'_>,
        compute: Option<ChecksumAlgorithm>,
    ) -> Result<UploadPlan, S3Error> {
        let (expect, decoder, length) = request_framing(call)?;

        let header_sha256 = match &expect.checksum {
            Some((ChecksumAlgorithm::Sha256, ExpectedValue::Header(value))) => {
                Some(decode_sha256(value)?)
            }
            _ => None,
        };
        let must_compute = compute.is_some() && expect.checksum.is_none();
        let r2_can_check = decoder.is_none()
            && !must_compute
            && match (&expect.checksum, expect.payload_sha256, header_sha256) {
                (None, _, _) => true,
                (Some(_), None, Some(_)) => true,
                (Some(_), Some(payload), Some(header)) => payload == header,
                _ => false,
            };
        if r2_can_check {
            let trusted_checksum = match (&expect.checksum, header_sha256) {
                (Some((alg, ExpectedValue::Header(value))), Some(_)) => Some((*alg, value.clone())),
                _ => None,
            };
            return Ok(UploadPlan {
                length,
                filter: None,
                r2_sha256: expect.payload_sha256.or(header_sha256),
                r2_sha256_is_checksum: expect.payload_sha256.is_none() && header_sha256.is_some(),
                content_md5: expect.content_md5,
                trusted_checksum,
            });
        }
        let mut verifier = BodyVerifier::new(&expect);
        if let Some(alg) = compute {
            verifier = verifier.with_default_checksum(alg);
        }
        Ok(Self::checked_in_wasm(length, decoder, verifier))
    }

    /// A plan that checks everything in wasm and computes the MD5 (the ETag): for a body read
    /// into memory, which R2 does not see (an object kept in its record).
    pub fn in_wasm(call: &Call<'_>) -> Result<UploadPlan, S3Error> {
        let (expect, decoder, length) = request_framing(call)?;
        let verifier = BodyVerifier::new(&expect).with_md5(true);
        Ok(Self::checked_in_wasm(length, decoder, verifier))
    }

    /// Every check made by the Rust filter, none left to R2.
    fn checked_in_wasm(
        length: u64,
        decoder: Option<ChunkedDecoder>,
        verifier: BodyVerifier,
    ) -> UploadPlan {
        UploadPlan {
            length,
            filter: Some(BodyFilter::new(decoder, verifier, Some(length))),
            r2_sha256: None,
            r2_sha256_is_checksum: false,
            content_md5: None,
            trusted_checksum: None,
        }
    }
}

/// What a request says of its body: the digests it promises, its aws-chunked decoder if it is
/// framed so, and its payload length (decoded).
fn request_framing(
    call: &Call<'_>,
) -> Result<(IntegrityExpectations, Option<ChunkedDecoder>, u64), S3Error> {
    let head = call.head;
    let mut expect = IntegrityExpectations::from_headers(head)?;
    let decoder = call.auth.payload.chunked_decoder();
    if let PayloadMode::Sha256(hash) = &call.auth.payload {
        expect.payload_sha256 = Some(*hash);
    }
    let content_length = match head.header("content-length") {
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            S3Error::with_message(
                ErrorCode::InvalidArgument,
                "Content-Length is not a number.",
            )
        })?),
        None => None,
    };
    let length = if decoder.is_some() {
        expect.decoded_length
    } else {
        content_length
    }
    .ok_or_else(|| S3Error::new(ErrorCode::MissingContentLength))?;
    Ok((expect, decoder, length))
}

fn decode_sha256(b64: &str) -> Result<[u8; 32], S3Error> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| {
            S3Error::with_message(
                ErrorCode::InvalidRequest,
                "Value for x-amz-checksum-sha256 header is invalid.",
            )
        })
}

/// Reads a small XML request body into memory and checks it as an upload would be checked.
pub async fn read_small_body<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
    limit: usize,
) -> Result<Vec<u8>, S3Error> {
    let raw = ctx.store.read_body(body, limit).await?;
    let mut filter = match UploadPlan::for_request(call) {
        Ok(UploadPlan {
            filter: Some(filter),
            ..
        }) => filter,
        Ok(plan) => {
            let expect = IntegrityExpectations {
                content_md5: plan.content_md5,
                payload_sha256: plan.r2_sha256,
                ..IntegrityExpectations::default()
            };
            BodyFilter::new(None, BodyVerifier::new(&expect), Some(plan.length))
        }
        // A body sent without a length (chunked transfer) is still checked against every
        // digest the request announced.
        Err(err) if err.code == ErrorCode::MissingContentLength => {
            let mut expect = IntegrityExpectations::from_headers(call.head)?;
            if let PayloadMode::Sha256(hash) = &call.auth.payload {
                expect.payload_sha256 = Some(*hash);
            }
            BodyFilter::new(
                call.auth.payload.chunked_decoder(),
                BodyVerifier::new(&expect),
                None,
            )
        }
        Err(err) => return Err(err),
    };
    let payload = filter.push(&raw)?;
    filter.finish()?;
    Ok(payload)
}
