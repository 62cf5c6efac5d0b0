//! Decides a request from its head alone, for a front that answers `Expect: 100-continue`
//! (RFC 9110 §10.1.1: a server may answer the final status instead of `100 Continue`, and the
//! client then never sends the body). The request is handled against this store, which lets
//! every read through and stops at the first write or body read: the point where the request
//! would begin to consume its body. An answer reached before that point is the request's final
//! answer; otherwise the body is wanted. Nothing is ever written.

use crate::error::S3Error;
use crate::listing::{ListQuery, ListResult};
use crate::request::RequestHead;
use crate::store::{
    BlobListOptions, BlobPage, BlobStore, BlobUpload, BlobWritten, Expect, FormSplit, KvPage,
    MetaStore, Piece, SplitForm, StoreError, StoreResult,
};
use std::cell::Cell;
use std::collections::BTreeMap;

/// Why a preflight stops the handler: not a failure, and never logged as one.
pub const STOP: &str = "preflight: the request goes on with its body";

/// The request header a front sets to ask for a preflight, and the answer header saying
/// `continue` (send the body) or `final` (this is the answer).
pub const HEADER: &str = "x-s3edge-preflight";

/// Puts back the framing header of a preflight's request: the front sends a preflight without
/// a body, so it carries the request's `content-length=N` or `transfer-encoding=VALUE` (or
/// `none`) in [`HEADER`] instead.
pub fn restore_framing(head: &mut RequestHead) {
    let Some(value) = head.header(HEADER).map(str::to_string) else {
        return;
    };
    let Some((name, value)) = value.split_once('=') else {
        return;
    };
    let name = name.trim().to_ascii_lowercase();
    if matches!(name.as_str(), "content-length" | "transfer-encoding") {
        head.headers.retain(|(k, _)| *k != name);
        head.headers.push((name, value.trim().to_string()));
    }
}

/// A store seen through a switch: passed through untouched, or (for a preflight) read-only,
/// noting when the request wants its body or a write. One type for both, so the handlers are
/// compiled once.
pub struct Preflight<'a, S> {
    inner: &'a S,
    active: bool,
    body_wanted: Cell<bool>,
}

impl<'a, S> Preflight<'a, S> {
    /// `active`: stop at the first write or body read; otherwise pass everything through.
    pub fn new(inner: &'a S, active: bool) -> Self {
        Preflight {
            inner,
            active,
            body_wanted: Cell::new(false),
        }
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    /// True once a preflight reached its body or its first write.
    pub fn body_wanted(&self) -> bool {
        self.body_wanted.get()
    }

    fn stop(&self) -> StoreError {
        self.body_wanted.set(true);
        StoreError(STOP.into())
    }

    fn stop_s3(&self) -> S3Error {
        S3Error::internal(self.stop().0)
    }
}

impl<S: MetaStore> MetaStore for Preflight<'_, S> {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        self.inner.get(name).await
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        self.inner.get_many(names).await
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        if self.active {
            return Err(self.stop());
        }
        self.inner.put(name, value, metadata).await
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        if self.active {
            return Err(self.stop());
        }
        self.inner.delete(name).await
    }

    async fn put_if(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Expect<'_>,
    ) -> StoreResult<bool> {
        if self.active {
            return Err(self.stop());
        }
        self.inner.put_if(name, value, metadata, expect).await
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        self.inner.list(prefix, cursor, limit).await
    }

    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        if self.active {
            return (0, Err(self.stop()));
        }
        self.inner.delete_many(names).await
    }

    fn get_many_max(&self) -> usize {
        self.inner.get_many_max()
    }

    fn lists_objects(&self) -> bool {
        self.inner.lists_objects()
    }

    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> StoreResult<ListResult> {
        self.inner.list_objects(bucket, query).await
    }
}

impl<S: BlobStore> BlobStore for Preflight<'_, S> {
    type Body = S::Body;

    async fn put_blob(
        &self,
        name: &str,
        upload: BlobUpload<Self::Body>,
    ) -> Result<BlobWritten, S3Error> {
        if self.active {
            return Err(self.stop_s3());
        }
        self.inner.put_blob(name, upload).await
    }

    async fn put_small(
        &self,
        name: &str,
        bytes: Vec<u8>,
        custom: BTreeMap<String, String>,
    ) -> StoreResult<()> {
        if self.active {
            return Err(self.stop());
        }
        self.inner.put_small(name, bytes, custom).await
    }

    async fn get_blob(
        &self,
        name: &str,
        range: Option<(u64, u64)>,
    ) -> StoreResult<Option<Self::Body>> {
        self.inner.get_blob(name, range).await
    }

    async fn open_pieces(&self, pieces: Vec<Piece>, total: u64) -> StoreResult<Self::Body> {
        self.inner.open_pieces(pieces, total).await
    }

    async fn get_small(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.inner.get_small(name).await
    }

    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()> {
        if self.active {
            return Err(self.stop());
        }
        self.inner.delete_blobs(names).await
    }

    async fn list_blobs(&self, options: BlobListOptions<'_>) -> StoreResult<BlobPage> {
        self.inner.list_blobs(options).await
    }

    fn body_of_bytes(&self, bytes: Vec<u8>) -> Self::Body {
        self.inner.body_of_bytes(bytes)
    }

    async fn read_body(&self, body: Self::Body, limit: usize) -> Result<Vec<u8>, S3Error> {
        if self.active {
            return Err(self.stop_s3());
        }
        self.inner.read_body(body, limit).await
    }

    /// A form upload's fields are in its body: a preflight never reads it.
    async fn split_form(
        &self,
        body: Self::Body,
        split: FormSplit,
    ) -> Result<SplitForm<Self::Body>, S3Error> {
        if self.active {
            return Err(self.stop_s3());
        }
        self.inner.split_form(body, split).await
    }
}
