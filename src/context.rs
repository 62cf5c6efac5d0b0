//! What every handler works with, a leaf of the crate's modules: the settings, the request
//! context (storage, clock, request id), the authenticated and authorized call, and the answer
//! types. The service and the operation handlers both use it; neither imports the other.

use crate::auth::credentials::{User, Users};
use crate::auth::Authenticated;
use crate::authz::ownership::ObjectOwnership;
use crate::authz::public_access::PublicAccessBlock;
use crate::authz::Principal;
use crate::error::{ErrorCode, S3Error};
use crate::record::{BucketRecord, ObjectRecord, StoredRecord};
use crate::request::RequestHead;
use crate::router::{Route, RouterConfig};
use crate::website::host::WebsiteHosts;

/// Settings read once per isolate from the Worker's vars and secrets.
#[derive(Debug, Clone)]
pub struct Config {
    pub users: Users,
    pub router: RouterConfig,
    /// Answered by GetBucketLocation for buckets created without a constraint.
    pub region: String,
    /// Answer preflights (`x-s3edge-preflight`, see `preflight`): set for the local front only.
    pub expect_preflight: bool,
    /// The account-wide public access block, combined with each bucket's.
    pub public_access_block: PublicAccessBlock,
    /// The object ownership new buckets get.
    pub default_ownership: ObjectOwnership,
    /// The host names of bucket websites.
    pub website: WebsiteHosts,
    /// Where bucket and object records live.
    pub meta_store: MetaStoreKind,
    /// Objects of at most this many bytes written by PutObject are kept in their record, not in
    /// a blob of their own (`S3EDGE_INLINE_MAX`; 0 keeps every object in a blob).
    pub inline_max: u64,
}

/// The default of [`Config::inline_max`].
pub const DEFAULT_INLINE_MAX: u64 = 16 * 1024;
/// The largest [`Config::inline_max`] accepted: a record must stay well within a Durable
/// Object's 2 MB row and a KV value, base64 and the rest of the record included.
pub const INLINE_MAX_LIMIT: u64 = 512 * 1024;

/// The metadata store a deployment uses (`S3EDGE_META_STORE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MetaStoreKind {
    /// Workers KV: eventually consistent across locations, no compare-and-swap.
    #[default]
    Kv,
    /// Durable Objects with SQLite storage, one per bucket: strongly consistent, atomic
    /// conditional writes.
    Durable,
}

impl MetaStoreKind {
    pub fn parse(setting: &str) -> Option<MetaStoreKind> {
        match setting.trim() {
            "kv" => Some(MetaStoreKind::Kv),
            "durable-object" | "durable" => Some(MetaStoreKind::Durable),
            _ => None,
        }
    }
}

/// Everything a handler needs besides the request: storage, settings, the clock, the request
/// id, and the way to other invocations of this Worker.
pub struct Ctx<'a, S> {
    pub store: &'a S,
    pub config: &'a Config,
    pub now_millis: i64,
    pub request_id: String,
    /// Where a part of a request too large for one invocation's storage calls can be sent
    /// (`auth::delegated`); None where there is no such way (the part is then done here).
    pub delegate: Option<&'a dyn Delegate>,
}

/// A new invocation of this Worker (on workerd, its service binding to itself).
pub trait Delegate {
    /// Sends a request to it; its answer's status and body, or why there is none.
    fn send(
        &self,
        head: RequestHead,
        body: Vec<u8>,
    ) -> futures_util::future::LocalBoxFuture<'_, Result<(u16, Vec<u8>), String>>;
}

/// An authenticated, authorized, routed request.
pub struct Call<'a> {
    pub head: &'a RequestHead,
    pub route: Route,
    pub auth: Authenticated,
    pub principal: Principal,
    /// What the authorization step read (the bucket's record, the object's for object reads).
    pub access: Access,
}

impl Call<'_> {
    /// The signing user; the authorization step refuses anonymous callers of the operations
    /// that need one.
    pub fn user(&self) -> Result<&User, S3Error> {
        self.auth
            .user
            .as_ref()
            .ok_or_else(|| S3Error::new(ErrorCode::AccessDenied))
    }

    pub fn bucket(&self) -> &str {
        self.route.bucket.as_deref().unwrap_or_default()
    }

    pub fn key(&self) -> &str {
        self.route.key.as_deref().unwrap_or_default()
    }
}

pub enum Body<B> {
    Empty,
    Bytes(Vec<u8>),
    Stream(B),
}

pub struct Response<B> {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body<B>,
}

impl<B> Response<B> {
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    pub fn xml(status: u16, xml: String) -> Self {
        Response {
            status,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: Body::Bytes(xml.into_bytes()),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub type OpResult<B> = Result<Response<B>, S3Error>;

/// What the authorization step read, handed to the handler so that access control costs no
/// extra read.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The bucket's record (every bucket and object operation).
    pub bucket: Option<BucketRecord>,
    /// The object's record, for the operations that read it (`Operation::reads_object_record`).
    pub object: Option<ObjectRecord>,
    /// For a write over the object (`Operation::overwrites_object`): what its key held when
    /// the bucket's record was read (`Some(None)`: nothing), for the commit to expect.
    pub previous: Option<Option<StoredRecord>>,
}

/// Rejects requests the S3 semantics of which we cannot honour yet, before they change anything.
pub fn require_absent(head: &RequestHead, header: &str) -> Result<(), S3Error> {
    match head.header(header) {
        Some(_) => Err(S3Error::with_message(
            ErrorCode::NotImplemented,
            format!("The {header} header is not implemented yet by s3edge."),
        )),
        None => Ok(()),
    }
}
