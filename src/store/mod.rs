//! The two narrow storage interfaces the S3 logic uses, shaped like Workers KV and R2,
//! and the types that cross them. `platform` implements them on workerd, `memory` natively.

pub mod call_limit;
pub mod catalog;
#[cfg(not(target_arch = "wasm32"))]
pub mod eventual;
pub mod memory;

use crate::body::BodyFilter;
use crate::checksum::VerifiedBody;
use crate::error::S3Error;
use crate::listing::{ListQuery, ListResult};
use crate::post::form::FormHead;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A storage failure that is not the client's fault (answered as InternalError).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl From<StoreError> for S3Error {
    fn from(err: StoreError) -> Self {
        S3Error::internal(format!("storage: {}", err.0))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One page of a KV `list`.
#[derive(Debug, Clone, Default)]
pub struct KvPage {
    /// Names in byte order, each with the metadata string stored beside it.
    pub entries: Vec<(String, Option<String>)>,
    /// Present when more names follow.
    pub cursor: Option<String>,
}

/// What a conditional write ([`MetaStore::put_if`]) expects to find under its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// Nothing is stored there.
    Absent,
    /// Exactly this value is stored there (the value the writer read).
    Value(&'a str),
}

/// Most names one [`MetaStore::get_many`] call reads (Workers KV's limit).
pub const GET_MANY_MAX: usize = 100;

/// Workers KV as the S3 logic sees it: string values addressed by names of at most 512 bytes.
#[allow(async_fn_in_trait)]
pub trait MetaStore {
    async fn get(&self, name: &str) -> StoreResult<Option<String>>;
    /// Several values in one call (KV's bulk read, at most [`GET_MANY_MAX`] names), in the
    /// order of `names`, `None` where absent.
    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>>;
    /// `metadata` is a small string returned by `list` (at most 1,024 bytes on KV).
    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()>;
    async fn delete(&self, name: &str) -> StoreResult<()>;
    /// Writes `value` only if the name holds what `expect` says; `Ok(false)`, writing nothing,
    /// when it does not. Atomic on a store that can make it so (Durable Objects, the in-memory
    /// store); on Workers KV, which has no compare-and-swap, a read followed by a write.
    async fn put_if(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Expect<'_>,
    ) -> StoreResult<bool> {
        let current = self.get(name).await?;
        let matches = match expect {
            Expect::Absent => current.is_none(),
            Expect::Value(expected) => current.as_deref() == Some(expected),
        };
        if matches {
            self.put(name, value, metadata).await?;
        }
        Ok(matches)
    }
    /// Deletes `name` only if it holds exactly `value` (the value the caller read); `Ok(false)`,
    /// deleting nothing, when it does not. Atomic where the store can make it so, as
    /// [`Self::put_if`].
    async fn delete_if(&self, name: &str, value: &str) -> StoreResult<bool> {
        let matches = self.get(name).await?.as_deref() == Some(value);
        if matches {
            self.delete(name).await?;
        }
        Ok(matches)
    }
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage>;
    /// Most names one [`Self::get_many`] call reads.
    fn get_many_max(&self) -> usize {
        GET_MANY_MAX
    }
    /// Deletes several names: what succeeded in order, up to the first failure (Workers KV's
    /// binding deletes one name a call; a Durable Object deletes a bucket's names in one).
    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        delete_in_waves(self, names, 1).await
    }
    /// Whether this store lists a bucket's objects from their records ([`Self::list_objects`]),
    /// which then carry their listing entry (`listing::sorted::Entry`) as metadata. Where it
    /// does not, listings read the R2 listing index that writes keep beside the records.
    fn lists_objects(&self) -> bool {
        false
    }
    /// One listing page of `bucket`'s objects, read from their records (only where
    /// [`Self::lists_objects`]).
    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> StoreResult<ListResult> {
        let _ = (bucket, query);
        Err(StoreError(
            "this metadata store does not list objects".into(),
        ))
    }
}

/// What a blob write must carry besides the bytes.
pub struct BlobUpload<B> {
    pub body: B,
    /// Exact number of bytes R2 must receive (after any aws-chunked decoding).
    pub length: u64,
    /// Set when the bytes must pass through Rust (aws-chunked decoding, CRC checksums).
    pub filter: Option<BodyFilter>,
    /// SHA-256 R2 verifies itself while storing; a mismatch fails the write. (Content-MD5
    /// is compared with the MD5 R2 reports once stored.)
    pub r2_sha256: Option<[u8; 32]>,
    /// R2 custom metadata (used to find the owner record of a blob during cleanup).
    pub custom: BTreeMap<String, String>,
}

/// The result of a stored blob write.
#[derive(Debug, Clone)]
pub struct BlobWritten {
    pub size: u64,
    /// Lower-case hex MD5 of the bytes, as R2 reports it for a single-part write.
    pub md5_hex: String,
    /// What the Rust-side filter verified, when one ran.
    pub verified: Option<VerifiedBody>,
}

/// An R2 object seen by `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    pub name: String,
    pub size: u64,
    pub uploaded_millis: i64,
    pub custom: BTreeMap<String, String>,
}

/// One page of an R2 `list`.
#[derive(Debug, Clone, Default)]
pub struct BlobPage {
    pub entries: Vec<BlobEntry>,
    pub delimited_prefixes: Vec<String>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BlobListOptions<'a> {
    pub prefix: &'a str,
    pub start_after: Option<&'a str>,
    pub delimiter: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

/// A byte range of one blob, to be read in sequence with others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub blob: String,
    /// Inclusive byte range; `None` for the whole blob.
    pub range: Option<(u64, u64)>,
}

/// How to split a form upload's body (see [`BlobStore::split_form`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormSplit {
    /// The boundary of the request's `multipart/form-data` Content-Type.
    pub boundary: String,
    /// The request's Content-Length: the file's length follows from it and the head's.
    pub content_length: u64,
    /// The longest head accepted (`post::form::scan`).
    pub head_limit: usize,
}

/// The store's verdict on the end of a form's body, given once the file's bytes have gone by:
/// the closing delimiter came where it belongs (`Ok(None)`; `Ok(Some(n))` when parts followed
/// the file, which S3 ignores: the file is the first `n` bytes of what was streamed), or the S3
/// error to answer. Shared between the handler and whatever moves the bytes; settled before the
/// file's stream ends or fails.
#[derive(Debug, Clone, Default)]
pub struct FormVerdict(Rc<RefCell<Option<FormOutcome>>>);

/// See [`FormVerdict`].
pub type FormOutcome = Result<Option<u64>, S3Error>;

impl FormVerdict {
    /// Records the outcome (the first one stays).
    pub fn settle(&self, outcome: FormOutcome) {
        let mut slot = self.0.borrow_mut();
        if slot.is_none() {
            *slot = Some(outcome);
        }
    }

    /// `None` while the end has not been seen.
    pub fn outcome(&self) -> Option<FormOutcome> {
        self.0.borrow().clone()
    }
}

/// The file of a form upload: exactly `length` bytes, streamed as the body is read.
pub struct FormFile<B> {
    pub body: B,
    pub length: u64,
    pub verdict: FormVerdict,
}

/// A form upload's body, split where its file begins.
pub struct SplitForm<B> {
    /// The fields before the file, read into memory.
    pub head: FormHead,
    pub file: FormFile<B>,
}

/// R2 as the S3 logic sees it. `Body` is the runtime's opaque byte stream.
#[allow(async_fn_in_trait)]
pub trait BlobStore {
    type Body;
    /// Writes a blob; integrity failures come back as the S3 error to answer.
    async fn put_blob(
        &self,
        name: &str,
        upload: BlobUpload<Self::Body>,
    ) -> Result<BlobWritten, S3Error>;
    /// Writes a small blob from bytes held in memory (index entries, markers).
    async fn put_small(
        &self,
        name: &str,
        bytes: Vec<u8>,
        custom: BTreeMap<String, String>,
    ) -> StoreResult<()>;
    /// Reads a blob or an inclusive byte range of it.
    async fn get_blob(
        &self,
        name: &str,
        range: Option<(u64, u64)>,
    ) -> StoreResult<Option<Self::Body>>;
    /// One stream of several pieces in order, `total` bytes long, read lazily one piece after
    /// another (the runtime moves the bytes; they never enter wasm). A piece found missing
    /// part-way errors the stream.
    async fn open_pieces(&self, pieces: Vec<Piece>, total: u64) -> StoreResult<Self::Body>;
    /// A body of bytes held in memory (an object kept in its record, copied into a blob).
    fn body_of_bytes(&self, bytes: Vec<u8>) -> Self::Body;
    /// Reads a small blob (a record kept in R2) into memory with its custom metadata.
    async fn get_small(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()>;
    async fn list_blobs(&self, options: BlobListOptions<'_>) -> StoreResult<BlobPage>;
    /// Reads a small request body (an XML document) into memory, refusing more than `limit` bytes.
    async fn read_body(&self, body: Self::Body, limit: usize) -> Result<Vec<u8>, S3Error>;
    /// Splits a `multipart/form-data` body (a browser upload): reads it into memory only as far
    /// as the file part's first byte, and gives the rest as the file's own stream, of the length
    /// the Content-Length leaves for it (parts after the file included, which the verdict then
    /// tells apart). The end of the body (the closing delimiter) is checked as the file streams,
    /// and told in its verdict before the stream ends; a wrong end fails the stream, so that
    /// nothing is stored from it.
    async fn split_form(
        &self,
        body: Self::Body,
        split: FormSplit,
    ) -> Result<SplitForm<Self::Body>, S3Error>;
}

/// How many deletes the KV store has in flight at once in a [`MetaStore::delete_many`].
pub const KV_DELETE_WAVE: usize = 50;

/// [`MetaStore::delete_many`] for a store without a batch delete: `wave` deletes at a time,
/// wave after wave, up to the first wave with a failure. The count is of the names before the
/// first failure (a later name of that wave may be gone too: the caller treats it as still
/// there, which leaves its blobs to the cleanup pass, never loses data).
pub async fn delete_in_waves<S: MetaStore + ?Sized>(
    store: &S,
    names: &[&str],
    wave: usize,
) -> (usize, StoreResult<()>) {
    let mut done = 0;
    for names in names.chunks(wave.max(1)) {
        let outcomes =
            futures_util::future::join_all(names.iter().map(|name| store.delete(name))).await;
        if let Some(at) = outcomes.iter().position(Result::is_err) {
            let failure = outcomes.into_iter().nth(at).expect("a failed delete");
            return (done + at, failure);
        }
        done += names.len();
    }
    (done, Ok(()))
}

/// R2's most names per `delete` call (and entries per `list` call).
pub const BLOB_BATCH_MAX: usize = 1000;

/// Every entry under `prefix`, in name order, page after page (for prefixes known to be small:
/// one upload's parts, one bucket's in-progress uploads).
pub async fn list_all<B: BlobStore>(blobs: &B, prefix: &str) -> StoreResult<Vec<BlobEntry>> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = blobs
            .list_blobs(BlobListOptions {
                prefix,
                cursor: cursor.as_deref(),
                limit: BLOB_BATCH_MAX as u32,
                ..BlobListOptions::default()
            })
            .await?;
        entries.extend(page.entries);
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(entries),
        }
    }
}
