//! A small S3 client for the native service tests: builds a `RequestHead`, signs it with
//! SigV4 (through the crate's own `auth::sigv4` functions) at a fixed clock, runs it through
//! `service::handle` over a `MemoryStore` (or an `EventualStore` in front of one), and reads the
//! answer back.

#![allow(dead_code)]

use std::cell::Cell;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use md5::{Digest as _, Md5};
use s3edge::auth::credentials::Users;
use s3edge::auth::sigv4;
use s3edge::context::Delegate;
use s3edge::ops::sweep::{self, SweepReport};
use s3edge::preflight::Preflight;
use s3edge::record::ObjectRecord;
use s3edge::request::RequestHead;
use s3edge::router::RouterConfig;
use s3edge::service::{self, Body, Config, Ctx};
use s3edge::store::eventual::EventualStore;
use s3edge::store::memory::MemoryStore;
use s3edge::store::{BlobStore, MetaStore};

/// 2026-01-01T00:00:00Z.
pub const NOW_UNIX: i64 = 1_767_225_600;
pub const REGION: &str = "us-east-1";
pub const HOST: &str = "s3.example.test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cred {
    pub access_key: &'static str,
    pub secret: &'static str,
}

pub const ALICE: Cred = Cred {
    access_key: "AKIDALICE0000000001",
    secret: "alice/secret+key=0123456789",
};
pub const BOB: Cred = Cred {
    access_key: "AKIDBOB000000000002",
    secret: "bob-secret-key-9876543210",
};

pub fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

pub fn md5_b64(data: &[u8]) -> String {
    BASE64.encode(Md5::digest(data))
}

pub fn b64(data: &[u8]) -> String {
    BASE64.encode(data)
}

pub fn quoted_md5(data: &[u8]) -> String {
    format!("\"{}\"", md5_hex(data))
}

/// `/bucket/key` with the key encoded as an S3 client would (slashes kept).
pub fn object_path(bucket: &str, key: &str) -> String {
    format!("/{bucket}/{}", sigv4::uri_encode(key.as_bytes(), false))
}

/// A query string from decoded pairs (an empty value writes a bare name).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let k = sigv4::uri_encode(k.as_bytes(), true);
            if v.is_empty() {
                k
            } else {
                format!("{k}={}", sigv4::uri_encode(v.as_bytes(), true))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What a deployment's storage can be: the in-memory stores, or a store in front of them.
pub trait TestStore: MetaStore + BlobStore<Body = Vec<u8>> {
    /// The in-memory stores underneath (their clock, call count, fault switch and contents).
    fn memory(&self) -> &MemoryStore;
}

impl TestStore for MemoryStore {
    fn memory(&self) -> &MemoryStore {
        self
    }
}

impl TestStore for EventualStore {
    fn memory(&self) -> &MemoryStore {
        self.central()
    }
}

/// One in-memory deployment: storage, configuration with two users, and the clock.
pub struct Env<S = MemoryStore> {
    pub store: S,
    pub config: Config,
    pub now_millis: i64,
    requests: Cell<u64>,
    /// Requests the service sent to another invocation of itself (`auth::delegated`).
    delegated: Cell<u64>,
}

/// Another invocation of the service over the same storage, as the Worker's service binding
/// to itself is on workerd.
struct Loopback<'e, S> {
    env: &'e Env<S>,
}

impl<S: TestStore> Delegate for Loopback<'_, S> {
    fn send(
        &self,
        head: RequestHead,
        body: Vec<u8>,
    ) -> futures_util::future::LocalBoxFuture<'_, Result<(u16, Vec<u8>), String>> {
        Box::pin(async move {
            let env = self.env;
            env.delegated.set(env.delegated.get() + 1);
            let plain = env.ctx();
            let ctx = Ctx {
                delegate: Some(self),
                ..plain
            };
            let response = service::handle(&ctx, head, body).await;
            Ok((response.status, response_bytes(response.body)))
        })
    }
}

fn response_bytes(body: Body<Vec<u8>>) -> Vec<u8> {
    match body {
        Body::Empty => Vec::new(),
        Body::Bytes(bytes) => bytes,
        Body::Stream(bytes) => bytes,
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

impl Env {
    pub fn new() -> Env {
        // `S3EDGE_TEST_META_STORE=durable-object` runs the service tests over a store that
        // behaves as the Durable-Object metadata store (listings from the records).
        let store = match std::env::var("S3EDGE_TEST_META_STORE").as_deref() {
            Ok("durable-object") => MemoryStore::listing_from_records(),
            _ => MemoryStore::new(),
        };
        Env::with_store(store)
    }
}

/// `S3EDGE_TEST_INLINE_MAX` (bytes) runs the service tests with that `S3EDGE_INLINE_MAX`: `0`
/// keeps every object in a blob of its own. The default is the Worker's.
pub fn test_inline_max() -> u64 {
    std::env::var("S3EDGE_TEST_INLINE_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(s3edge::context::DEFAULT_INLINE_MAX)
}

impl<S: TestStore> Env<S> {
    /// Whether a PutObject body of `len` bytes is kept in its record (no blob).
    pub fn inlines(&self, len: usize) -> bool {
        len as u64 <= self.config.inline_max
    }

    /// How many blobs PutObject bodies of these lengths leave, one object each.
    pub fn blobs_for(&self, lens: &[usize]) -> usize {
        lens.iter().filter(|len| !self.inlines(**len)).count()
    }

    pub fn with_store(store: S) -> Env<S> {
        let users = Users::from_json(&format!(
            r#"[{{"accessKeyId":"{}","secretAccessKey":"{}","displayName":"alice"}},
                {{"accessKeyId":"{}","secretAccessKey":"{}","displayName":"bob"}}]"#,
            ALICE.access_key, ALICE.secret, BOB.access_key, BOB.secret
        ))
        .expect("test users parse");
        store.memory().now_millis.set(NOW_UNIX * 1000);
        Env {
            store,
            config: Config {
                users,
                router: RouterConfig::default(),
                region: REGION.to_string(),
                expect_preflight: true,
                public_access_block: Default::default(),
                default_ownership: Default::default(),
                website: Default::default(),
                meta_store: Default::default(),
                inline_max: test_inline_max(),
            },
            now_millis: NOW_UNIX * 1000,
            requests: Cell::new(0),
            delegated: Cell::new(0),
        }
    }

    pub fn ctx(&self) -> Ctx<'_, S> {
        let n = self.requests.get() + 1;
        self.requests.set(n);
        Ctx {
            store: &self.store,
            config: &self.config,
            now_millis: self.now_millis,
            request_id: format!("REQ{n:08}"),
            delegate: None,
        }
    }

    /// How many requests the service has sent to another invocation of itself.
    pub fn delegated(&self) -> u64 {
        self.delegated.get()
    }

    /// A request signed by Alice at the fixed clock.
    pub fn req(&self, method: &str, path: &str) -> Req<'_, S> {
        Req {
            env: self,
            method: method.to_string(),
            path: path.to_string(),
            query: String::new(),
            headers: Vec::new(),
            body: Vec::new(),
            cred: Some(ALICE),
            time_unix: self.now_millis / 1000,
            payload_hash: None,
        }
    }

    /// Runs one request through the service, as the Worker's entry does (a preflight when the
    /// request asks for one).
    pub fn handle(&self, mut head: RequestHead, body: Vec<u8>) -> Resp {
        let plain = self.ctx();
        let preflight = service::take_preflight(&self.config, &mut head);
        let store = Preflight::new(&self.store, preflight);
        let loopback = Loopback { env: self };
        let ctx = Ctx {
            store: &store,
            config: plain.config,
            now_millis: plain.now_millis,
            request_id: plain.request_id,
            delegate: Some(&loopback),
        };
        let response = futures_executor::block_on(service::handle_gated(&ctx, head, body));
        let body = response_bytes(response.body);
        Resp {
            status: response.status,
            headers: response.headers,
            body,
            request_id: ctx.request_id,
        }
    }

    /// The cleanup pass with no grace period (in-progress uploads are kept).
    pub fn sweep(&self) -> SweepReport {
        self.sweep_expiring_uploads_after(i64::MAX)
    }

    /// The cleanup pass with no grace period, aborting uploads older than `millis`.
    pub fn sweep_expiring_uploads_after(&self, millis: i64) -> SweepReport {
        let ctx = self.ctx();
        futures_executor::block_on(sweep::sweep(
            &ctx,
            sweep::SweepSettings {
                grace_millis: 0,
                upload_expiry_millis: millis,
                batch: usize::MAX,
            },
        ))
        .expect("sweep succeeds")
    }

    /// Every R2 name but the listing indexes (objects' and uploads'): object blobs, part blobs,
    /// part and upload records.
    pub fn stored(&self) -> Vec<String> {
        self.store
            .memory()
            .blob_names()
            .into_iter()
            .filter(|n| !n.starts_with("index/") && !n.starts_with("upload-index/"))
            .collect()
    }

    /// R2 names of the upload index (one entry per in-progress upload).
    pub fn upload_index_entries(&self) -> Vec<String> {
        self.store
            .memory()
            .blob_names()
            .into_iter()
            .filter(|n| n.starts_with("upload-index/"))
            .collect()
    }

    /// R2 names of object bytes (listing-index entries left out).
    pub fn blobs(&self) -> Vec<String> {
        self.store
            .memory()
            .blob_names()
            .into_iter()
            .filter(|n| n.starts_with("blob/"))
            .collect()
    }

    /// How many R2 listing-index entries `live` objects have: one each, or none where the
    /// store lists objects from their records.
    pub fn index_entries_for(&self, live: usize) -> usize {
        if self.store.lists_objects() {
            0
        } else {
            live
        }
    }

    pub fn index_entries(&self) -> Vec<String> {
        self.store
            .memory()
            .blob_names()
            .into_iter()
            .filter(|n| n.starts_with("index/"))
            .collect()
    }

    /// The KV record of an object, read straight from the (central) store.
    pub fn record(&self, bucket: &str, key: &str) -> Option<ObjectRecord> {
        let name = s3edge::names::object_record(bucket, key);
        futures_executor::block_on(MetaStore::get(self.store.memory(), &name))
            .expect("memory KV get")
            .map(|json| ObjectRecord::from_json(&json).expect("a readable record"))
    }

    pub fn create_bucket(&self, bucket: &str) -> Resp {
        self.req("PUT", &format!("/{bucket}")).send()
    }

    pub fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Resp {
        self.req("PUT", &object_path(bucket, key)).body(body).send()
    }

    pub fn get(&self, bucket: &str, key: &str) -> Resp {
        self.req("GET", &object_path(bucket, key)).send()
    }

    pub fn delete(&self, bucket: &str, key: &str) -> Resp {
        self.req("DELETE", &object_path(bucket, key)).send()
    }

    /// ListObjectsV2 with extra query parameters.
    pub fn list_v2(&self, bucket: &str, params: &[(&str, &str)]) -> Resp {
        let mut pairs = vec![("list-type", "2")];
        pairs.extend_from_slice(params);
        self.req("GET", &format!("/{bucket}"))
            .query(&query_string(&pairs))
            .send()
    }

    /// ListObjects (v1) with query parameters.
    pub fn list_v1(&self, bucket: &str, params: &[(&str, &str)]) -> Resp {
        self.req("GET", &format!("/{bucket}"))
            .query(&query_string(params))
            .send()
    }

    /// Every key of a bucket (under `params`), walking ListObjectsV2 pages; also returns
    /// the storage calls each page cost.
    pub fn walk_v2(&self, bucket: &str, params: &[(&str, &str)]) -> (Vec<String>, Vec<usize>) {
        let mut keys = Vec::new();
        let mut costs = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..100_000 {
            let mut p: Vec<(&str, &str)> = params.to_vec();
            if let Some(t) = &token {
                p.push(("continuation-token", t));
            }
            let before = self.store.memory().calls();
            let resp = self.list_v2(bucket, &p);
            costs.push(self.store.memory().calls() - before);
            assert_eq!(resp.status, 200, "{}", resp.text());
            let page = ListPage::parse(&resp.text());
            keys.extend(page.keys());
            if !page.is_truncated {
                assert!(page.next_token.is_none());
                return (keys, costs);
            }
            let next = page
                .next_token
                .clone()
                .expect("a truncated page has a token");
            token = Some(next);
        }
        panic!("listing never ended");
    }
}

/// A request being built; signed and sent by `send`.
pub struct Req<'e, S = MemoryStore> {
    env: &'e Env<S>,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    cred: Option<Cred>,
    time_unix: i64,
    payload_hash: Option<String>,
}

/// A signed request head and what a chunked body needs to continue the signature chain.
pub struct Signed {
    pub head: RequestHead,
    pub seed_signature: String,
    pub signing_key: [u8; 32],
    pub amz_date: String,
    pub scope: String,
}

impl<'e, S: TestStore> Req<'e, S> {
    /// The raw (already encoded) query string.
    pub fn query(mut self, query: &str) -> Self {
        self.query = query.to_string();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn user(mut self, cred: Cred) -> Self {
        self.cred = Some(cred);
        self
    }

    pub fn anonymous(mut self) -> Self {
        self.cred = None;
        self
    }

    /// Signs as of this Unix time (the server's clock stays at the environment's).
    pub fn at(mut self, unix: i64) -> Self {
        self.time_unix = unix;
        self
    }

    /// `x-amz-content-sha256` to send instead of the hex SHA-256 of the body.
    pub fn payload_hash(mut self, value: &str) -> Self {
        self.payload_hash = Some(value.to_string());
        self
    }

    /// The request head, signed with `secret` under `cred.access_key` (a secret that differs
    /// from the configured one gives a wrong signature).
    pub fn sign_with(&self, access_key: &str, secret: &str) -> Signed {
        let amz_date = sigv4::format_amz_date(self.time_unix);
        let date = &amz_date[..8];
        let payload_hash = self
            .payload_hash
            .clone()
            .unwrap_or_else(|| sigv4::sha256_hex(&self.body));
        let mut headers = self.base_headers(&amz_date, &payload_hash);
        let mut signed: Vec<String> = headers.iter().map(|(k, _)| k.clone()).collect();
        signed.sort();
        signed.dedup();
        let canonical_request = sigv4::canonical_request(
            &self.method,
            &sigv4::canonical_uri(&self.path),
            &sigv4::canonical_query(&self.query, false),
            &sigv4::canonical_headers(&headers, &signed),
            &signed.join(";"),
            &payload_hash,
        );
        let scope = sigv4::scope(date, REGION, "s3");
        let string_to_sign = sigv4::string_to_sign(&amz_date, &scope, &canonical_request);
        let signing_key = sigv4::signing_key(secret, date, REGION, "s3");
        let signature = sigv4::signature(&signing_key, &string_to_sign);
        headers.push((
            "authorization".to_string(),
            format!(
                "AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={}, Signature={signature}",
                signed.join(";")
            ),
        ));
        Signed {
            head: RequestHead::new(&self.method, &self.path, &self.query, headers),
            seed_signature: signature,
            signing_key,
            amz_date,
            scope,
        }
    }

    fn base_headers(&self, amz_date: &str, payload_hash: &str) -> Vec<(String, String)> {
        let mut headers = vec![
            ("host".to_string(), HOST.to_string()),
            ("x-amz-date".to_string(), amz_date.to_string()),
            ("x-amz-content-sha256".to_string(), payload_hash.to_string()),
        ];
        let has_length = self.headers.iter().any(|(k, _)| k == "content-length");
        if matches!(self.method.as_str(), "PUT" | "POST") && !has_length {
            headers.push(("content-length".to_string(), self.body.len().to_string()));
        }
        headers.extend(self.headers.iter().cloned());
        headers
    }

    pub fn sign(&self) -> Signed {
        let cred = self.cred.expect("a signed request needs a user");
        self.sign_with(cred.access_key, cred.secret)
    }

    /// The head without any signature (an anonymous request).
    pub fn unsigned_head(&self) -> RequestHead {
        let amz_date = sigv4::format_amz_date(self.time_unix);
        let payload_hash = self
            .payload_hash
            .clone()
            .unwrap_or_else(|| sigv4::sha256_hex(&self.body));
        RequestHead::new(
            &self.method,
            &self.path,
            &self.query,
            self.base_headers(&amz_date, &payload_hash),
        )
    }

    pub fn send(self) -> Resp {
        let head = match self.cred {
            Some(_) => self.sign().head,
            None => self.unsigned_head(),
        };
        self.env.handle(head, self.body)
    }
}

/// An answer with its body read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The request id the service was given for this request.
    pub request_id: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `<Code>` of an error body.
    pub fn code(&self) -> Option<String> {
        xml_values(&self.text(), "Code").into_iter().next()
    }

    /// Asserts a complete S3 error answer: status, code, the XML body with Code, Message,
    /// Resource and RequestId, and the `x-amz-request-id` header naming the same request.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_deref()),
            (status, Some(code)),
            "{}",
            self.text()
        );
        let text = self.text();
        assert!(text.starts_with("<?xml"), "{text}");
        assert_eq!(self.header("content-type"), Some("application/xml"));
        assert_eq!(xml_raw(&text, "Error").len(), 1, "{text}");
        assert!(!xml_values(&text, "Message")[0].is_empty(), "{text}");
        assert_eq!(xml_values(&text, "Resource").len(), 1, "{text}");
        assert_eq!(
            xml_values(&text, "RequestId"),
            vec![self.request_id.clone()],
            "{text}"
        );
        assert_eq!(
            self.header("x-amz-request-id"),
            Some(self.request_id.as_str())
        );
    }

    /// A HEAD error: status, no body, and the request id header.
    #[track_caller]
    pub fn assert_head_error(&self, status: u16) {
        assert_eq!(self.status, status);
        assert!(self.body.is_empty(), "{}", self.text());
        assert_eq!(
            self.header("x-amz-request-id"),
            Some(self.request_id.as_str())
        );
    }
}

/// The raw inner text of every `<tag>...</tag>` (not nested in itself).
pub fn xml_raw(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let end = after.find(&close).expect("element is closed");
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}

/// The unescaped text of every `<tag>...</tag>`.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    xml_raw(xml, tag)
        .into_iter()
        .map(|raw| {
            quick_xml::escape::unescape(&raw)
                .expect("valid XML escapes")
                .into_owned()
        })
        .collect()
}

/// One `Contents` entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub checksum_algorithm: Option<String>,
}

/// A ListObjects / ListObjectsV2 answer.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub contents: Vec<Listed>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    pub next_token: Option<String>,
    pub next_marker: Option<String>,
    pub key_count: Option<usize>,
}

impl ListPage {
    pub fn parse(xml: &str) -> ListPage {
        let one = |tag: &str| xml_values(xml, tag).into_iter().next();
        // `<Prefix>` also appears at the top level: read prefixes inside CommonPrefixes only.
        let common_prefixes = xml_raw(xml, "CommonPrefixes")
            .iter()
            .flat_map(|block| xml_values(block, "Prefix"))
            .collect();
        let contents = xml_raw(xml, "Contents")
            .iter()
            .map(|block| {
                let field = |tag: &str| xml_values(block, tag).into_iter().next();
                Listed {
                    key: field("Key").expect("Contents has a Key"),
                    size: field("Size").expect("Contents has a Size").parse().unwrap(),
                    etag: field("ETag").expect("Contents has an ETag"),
                    checksum_algorithm: field("ChecksumAlgorithm"),
                }
            })
            .collect();
        ListPage {
            contents,
            common_prefixes,
            is_truncated: one("IsTruncated").as_deref() == Some("true"),
            next_token: one("NextContinuationToken"),
            next_marker: one("NextMarker"),
            key_count: one("KeyCount").map(|c| c.parse().unwrap()),
        }
    }

    pub fn keys(&self) -> Vec<String> {
        self.contents.iter().map(|c| c.key.clone()).collect()
    }
}
