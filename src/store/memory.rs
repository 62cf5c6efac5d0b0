//! In-memory KV and R2 for native tests, with R2's list semantics (prefix, startAfter, delimiter,
//! cursor) and a fault switch that fails the N-th storage call and every one after it, to test
//! the no-loss rules: before the call does anything, or after a write took effect.

use super::*;
use crate::error::ErrorCode;
use crate::listing::sorted::{self, Entry, Start};
use crate::post::form::{self, FileEnd, Scan};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct StoredBlob {
    bytes: Vec<u8>,
    uploaded_millis: i64,
    custom: BTreeMap<String, String>,
}

/// R2 returns at most this many entries per `list` call when custom metadata is included
/// (what Miniflare does; production R2 also returns fewer than asked in that case).
const R2_LIST_WITH_METADATA_MAX: u32 = 100;

/// How an injected failure behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails having done nothing.
    BeforeEffect,
    /// A write takes effect, then reports failure (as when a write lands but its answer is
    /// lost); a read fails as with `BeforeEffect`.
    AfterEffect,
}

impl Fault {
    pub const ALL: [Fault; 2] = [Fault::BeforeEffect, Fault::AfterEffect];
}

/// Both stores in one value, so that one call counter covers KV and R2 alike.
#[derive(Default)]
pub struct MemoryStore {
    kv: RefCell<BTreeMap<String, (String, Option<String>)>>,
    blobs: RefCell<BTreeMap<String, StoredBlob>>,
    calls: Cell<usize>,
    /// Listing names (R2 entries and common prefixes, or records read in key order) returned.
    names_listed: Cell<usize>,
    fail_at: Cell<Option<(usize, Fault)>>,
    /// Size of the slices a filtered upload is fed in (exercises streaming).
    pub slice: Cell<usize>,
    pub now_millis: Cell<i64>,
    /// Lists objects from their records, as the Durable-Object store does (no R2 index).
    lists_objects: Cell<bool>,
}

impl MemoryStore {
    pub fn new() -> Self {
        let store = MemoryStore::default();
        store.slice.set(7);
        store
    }

    /// A store that behaves as the Durable-Object metadata store: atomic conditional writes
    /// (as always here) and listings read from the records in key order.
    pub fn listing_from_records() -> Self {
        let store = Self::new();
        store.lists_objects.set(true);
        store
    }

    /// Makes the `n`-th storage call from now (1-based) fail, and every call after it, having
    /// done nothing.
    pub fn fail_from_call(&self, n: usize) {
        self.fail_from_call_with(n, Fault::BeforeEffect);
    }

    /// Makes the `n`-th storage call from now (1-based) fail as `fault` says, and every call
    /// after it.
    pub fn fail_from_call_with(&self, n: usize, fault: Fault) {
        self.fail_at.set(Some((self.calls.get() + n, fault)));
    }

    pub fn heal(&self) {
        self.fail_at.set(None);
    }

    /// Storage calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.get()
    }

    /// Listing names returned so far (what a listing call's answer costs besides the call).
    pub fn names_listed(&self) -> usize {
        self.names_listed.get()
    }

    pub fn blob_names(&self) -> Vec<String> {
        self.blobs.borrow().keys().cloned().collect()
    }

    pub fn blob_bytes(&self, name: &str) -> Option<Vec<u8>> {
        self.blobs.borrow().get(name).map(|b| b.bytes.clone())
    }

    /// The metadata stored beside a KV value.
    pub fn kv_metadata(&self, name: &str) -> Option<String> {
        self.kv.borrow().get(name).and_then(|(_, m)| m.clone())
    }

    pub fn kv_names(&self) -> Vec<String> {
        self.kv.borrow().keys().cloned().collect()
    }

    fn count_listed(&self, names: usize) {
        self.names_listed.set(self.names_listed.get() + names);
    }

    /// Counts a read: an injected failure of either kind fails it.
    fn tick(&self) -> StoreResult<()> {
        match self.next_call() {
            Some(_) => Err(injected(self.calls.get())),
            None => Ok(()),
        }
    }

    /// Counts a call: the failure injected into it, if any.
    fn next_call(&self) -> Option<Fault> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        self.fail_at
            .get()
            .filter(|(at, _)| n >= *at)
            .map(|(_, fault)| fault)
    }

    /// Counts a write and does it (`write`), unless a failure injected into it says otherwise.
    fn write<T, E: From<StoreError>>(&self, write: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        match self.next_call() {
            None => write(),
            Some(Fault::BeforeEffect) => Err(injected(self.calls.get()).into()),
            Some(Fault::AfterEffect) => {
                let _ = write();
                Err(injected(self.calls.get()).into())
            }
        }
    }

    /// What `put_blob` does when nothing fails: R2's checks, then the blob stored.
    fn store_blob(&self, name: &str, upload: BlobUpload<Vec<u8>>) -> Result<BlobWritten, S3Error> {
        let (bytes, verified) = match upload.filter {
            Some(mut filter) => {
                let mut out = Vec::new();
                for slice in upload.body.chunks(self.slice.get().max(1)) {
                    out.extend(filter.push(slice)?);
                }
                (out, Some(filter.finish()?))
            }
            None => (upload.body, None),
        };
        if bytes.len() as u64 != upload.length {
            return Err(S3Error::new(ErrorCode::IncompleteBody));
        }
        let md5: [u8; 16] = Md5::digest(&bytes).into();
        if let Some(want) = upload.r2_sha256 {
            let got: [u8; 32] = Sha256::digest(&bytes).into();
            if want != got {
                return Err(S3Error::new(ErrorCode::XAmzContentSHA256Mismatch));
            }
        }
        let size = bytes.len() as u64;
        self.blobs.borrow_mut().insert(
            name.to_string(),
            StoredBlob {
                bytes,
                uploaded_millis: self.now_millis.get(),
                custom: upload.custom,
            },
        );
        Ok(BlobWritten {
            size,
            md5_hex: hex::encode(md5),
            verified,
        })
    }
}

fn injected(call: usize) -> StoreError {
    StoreError(format!("injected failure at call {call}"))
}

impl MetaStore for MemoryStore {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        self.tick()?;
        Ok(self.kv.borrow().get(name).map(|(v, _)| v.clone()))
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        self.tick()?;
        assert!(
            names.len() <= self.get_many_max(),
            "bulk read over the store's limit"
        );
        let kv = self.kv.borrow();
        Ok(names
            .iter()
            .map(|name| kv.get(*name).map(|(v, _)| v.clone()))
            .collect())
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        assert!(
            name.len() <= crate::names::KV_NAME_MAX,
            "KV name over 512 bytes"
        );
        self.write(|| {
            self.kv.borrow_mut().insert(
                name.to_string(),
                (value.to_string(), metadata.map(str::to_string)),
            );
            Ok(())
        })
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        self.write(|| {
            self.kv.borrow_mut().remove(name);
            Ok(())
        })
    }

    /// Atomic, as [`Self::put_if`], and counted the same way.
    async fn delete_if(&self, name: &str, value: &str) -> StoreResult<bool> {
        if !self.lists_objects.get() {
            self.tick()?;
        }
        self.write(|| {
            let mut kv = self.kv.borrow_mut();
            let matches = kv.get(name).is_some_and(|(v, _)| v == value);
            if matches {
                kv.remove(name);
            }
            Ok(matches)
        })
    }

    /// Atomic (nothing else runs between the comparison and the write). Counted as the read
    /// and the write it takes on KV, or as the one call of the Durable-Object store.
    async fn put_if(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Expect<'_>,
    ) -> StoreResult<bool> {
        if !self.lists_objects.get() {
            self.tick()?;
        }
        self.write(|| {
            let mut kv = self.kv.borrow_mut();
            let current = kv.get(name).map(|(v, _)| v.as_str());
            let matches = match expect {
                Expect::Absent => current.is_none(),
                Expect::Value(expected) => current == Some(expected),
            };
            if matches {
                kv.insert(
                    name.to_string(),
                    (value.to_string(), metadata.map(str::to_string)),
                );
            }
            Ok(matches)
        })
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        self.tick()?;
        let kv = self.kv.borrow();
        let mut entries: Vec<(String, Option<String>)> = kv
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(k, _)| cursor.is_none_or(|c| k.as_str() > c))
            .map(|(k, (_, m))| (k.clone(), m.clone()))
            .take(limit as usize + 1)
            .collect();
        let cursor = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|(k, _)| k.clone())
        } else {
            None
        };
        Ok(KvPage { entries, cursor })
    }

    /// KV's one call a name, or the Durable-Object store's one call for them all.
    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        if !self.lists_objects.get() {
            return super::delete_in_waves(self, names, super::KV_DELETE_WAVE).await;
        }
        let deleted = self.write(|| {
            let mut kv = self.kv.borrow_mut();
            for name in names {
                kv.remove(*name);
            }
            Ok(())
        });
        match deleted {
            Ok(()) => (names.len(), Ok(())),
            Err(err) => (0, Err(err)),
        }
    }

    fn get_many_max(&self) -> usize {
        match self.lists_objects.get() {
            true => 1000,
            false => super::GET_MANY_MAX,
        }
    }

    fn lists_objects(&self) -> bool {
        self.lists_objects.get()
    }

    /// One call, as the Durable-Object store answers a page in one request.
    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> StoreResult<ListResult> {
        self.tick()?;
        let kv = self.kv.borrow();
        let mut entries: Vec<Entry> = [format!("object/{bucket}/"), format!("object#/{bucket}/")]
            .iter()
            .flat_map(|prefix| {
                kv.range(prefix.clone()..)
                    .take_while(move |(name, _)| name.starts_with(prefix.as_str()))
            })
            .filter_map(|(_, (_, metadata))| serde_json::from_str(metadata.as_deref()?).ok())
            .filter(|entry: &Entry| entry.key.starts_with(query.prefix.as_str()))
            .collect();
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        let read = |start: &Start, end: Option<&str>, limit: usize| -> StoreResult<Vec<Entry>> {
            Ok(entries
                .iter()
                .filter(|e| match start {
                    Start::Including(key) => e.key.as_str() >= key.as_str(),
                    Start::After(key) => e.key.as_str() > key.as_str(),
                })
                .filter(|e| end.is_none_or(|end| e.key.as_str() < end))
                .take(limit)
                .cloned()
                .collect::<Vec<_>>())
            .inspect(|read: &Vec<Entry>| self.count_listed(read.len()))
        };
        sorted::page(query, read)
    }
}

impl BlobStore for MemoryStore {
    type Body = Vec<u8>;

    async fn put_blob(
        &self,
        name: &str,
        upload: BlobUpload<Vec<u8>>,
    ) -> Result<BlobWritten, S3Error> {
        self.write(|| self.store_blob(name, upload))
    }

    async fn put_small(
        &self,
        name: &str,
        bytes: Vec<u8>,
        custom: BTreeMap<String, String>,
    ) -> StoreResult<()> {
        assert!(
            name.len() <= crate::names::R2_NAME_MAX,
            "R2 name over 1,024 bytes"
        );
        self.write(|| {
            self.blobs.borrow_mut().insert(
                name.to_string(),
                StoredBlob {
                    bytes,
                    uploaded_millis: self.now_millis.get(),
                    custom,
                },
            );
            Ok(())
        })
    }
    async fn get_blob(
        &self,
        name: &str,
        range: Option<(u64, u64)>,
    ) -> StoreResult<Option<Vec<u8>>> {
        self.tick()?;
        let blobs = self.blobs.borrow();
        Ok(blobs.get(name).map(|b| match range {
            Some((start, end)) => b.bytes[start as usize..=end as usize].to_vec(),
            None => b.bytes.clone(),
        }))
    }

    async fn open_pieces(&self, pieces: Vec<Piece>, total: u64) -> StoreResult<Vec<u8>> {
        let mut out = Vec::with_capacity(total as usize);
        for piece in pieces {
            match self.get_blob(&piece.blob, piece.range).await? {
                Some(bytes) => out.extend(bytes),
                None => return Err(StoreError(format!("missing piece {}", piece.blob))),
            }
        }
        assert_eq!(
            out.len() as u64,
            total,
            "pieces add up to the announced length"
        );
        Ok(out)
    }

    async fn get_small(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.get_blob(name, None).await
    }

    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()> {
        if names.is_empty() {
            // As the Worker's R2 side: no call for no names.
            return Ok(());
        }
        self.write(|| {
            let mut blobs = self.blobs.borrow_mut();
            for name in names {
                blobs.remove(name);
            }
            Ok(())
        })
    }

    async fn list_blobs(&self, options: BlobListOptions<'_>) -> StoreResult<BlobPage> {
        self.tick()?;
        let blobs = self.blobs.borrow();
        let after = options.cursor.or(options.start_after);
        let mut page = BlobPage::default();
        let mut count = 0usize;
        let mut last_prefix: Option<String> = None;
        let mut last: Option<String> = None;
        let mut more = false;
        for (name, blob) in blobs.range(options.prefix.to_string()..) {
            if !name.starts_with(options.prefix) {
                break;
            }
            if after.is_some_and(|a| name.as_str() <= a) {
                continue;
            }
            if let Some(c) = options.cursor {
                // A cursor ending a delimited prefix skips the rest of that prefix.
                if c.ends_with('\u{0}') && name.starts_with(&c[..c.len() - 1]) {
                    continue;
                }
            }
            let grouped = options.delimiter.filter(|d| !d.is_empty()).and_then(|d| {
                name[options.prefix.len()..]
                    .find(d)
                    .map(|at| name[..options.prefix.len() + at + d.len()].to_string())
            });
            if let Some(prefix) = &grouped {
                if last_prefix.as_deref() == Some(prefix.as_str()) {
                    continue;
                }
            }
            if count == options.limit.min(R2_LIST_WITH_METADATA_MAX) as usize {
                more = true;
                break;
            }
            count += 1;
            match grouped {
                Some(prefix) => {
                    last = Some(format!("{prefix}\u{0}"));
                    page.delimited_prefixes.push(prefix.clone());
                    last_prefix = Some(prefix);
                }
                None => {
                    last = Some(name.clone());
                    page.entries.push(BlobEntry {
                        name: name.clone(),
                        size: blob.bytes.len() as u64,
                        uploaded_millis: blob.uploaded_millis,
                        custom: blob.custom.clone(),
                    });
                }
            }
        }
        if more {
            page.cursor = last;
        }
        self.count_listed(page.entries.len() + page.delimited_prefixes.len());
        Ok(page)
    }

    fn body_of_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }

    async fn read_body(&self, body: Vec<u8>, limit: usize) -> Result<Vec<u8>, S3Error> {
        if body.len() > limit {
            return Err(S3Error::with_message(
                ErrorCode::InvalidRequest,
                "The request body is too large.",
            ));
        }
        Ok(body)
    }

    /// The Worker's split on bytes in memory, fed `slice` bytes at a time as the runtime hands
    /// a body over: the head is looked for after each slice, and the rest goes through the
    /// same end check. A body shorter than its Content-Length is a client that stopped.
    async fn split_form(
        &self,
        body: Vec<u8>,
        split: FormSplit,
    ) -> Result<SplitForm<Vec<u8>>, S3Error> {
        let slice = self.slice.get().max(1);
        let mut read = 0;
        let head = loop {
            read = (read + slice).min(body.len());
            match form::scan(&body[..read], &split.boundary, split.head_limit)? {
                Scan::Done(head) => break head,
                Scan::Incomplete if read == body.len() => return Err(form::malformed()),
                Scan::Incomplete => {}
            }
        };
        let length = form::file_length(split.content_length, head.len, &split.boundary)?;
        let mut end = FileEnd::new(&split.boundary, length);
        let mut file = Vec::new();
        let mut outcome: Result<(), S3Error> = Ok(());
        for piece in body[head.len..].chunks(slice) {
            match end.push(piece) {
                Ok(n) => file.extend_from_slice(&piece[..n]),
                Err(err) => {
                    outcome = Err(err);
                    break;
                }
            }
        }
        let verdict = FormVerdict::default();
        verdict.settle(outcome.and_then(|()| end.finish()));
        Ok(SplitForm {
            head,
            file: FormFile {
                body: file,
                length,
                verdict,
            },
        })
    }
}
