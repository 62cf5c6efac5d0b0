//! The Worker entry on workerd: converts the runtime's request and response, reads settings
//! from vars and secrets, and implements the storage traits on the KV and R2 bindings.

mod delegate;
mod durable;
mod form;
mod kv;
mod meta;
mod r2;

use crate::auth::credentials::Users;
use crate::authz::ownership::ObjectOwnership;
use crate::authz::public_access::PublicAccessBlock;
use crate::context::MetaStoreKind;
use crate::preflight::Preflight;
use crate::request::RequestHead;
use crate::router::RouterConfig;
use crate::service::{self, Body, Config, Ctx};
use crate::store::call_limit::CallLimit;
use crate::website::host::WebsiteHosts;
use wasm_bindgen::JsCast;
use worker::{event, Context, EncodeBody, Env, Headers, Request, Response, ResponseBody};

/// KV namespace binding holding bucket and object records.
pub const META_BINDING: &str = "S3EDGE_META";
/// R2 bucket binding holding object bytes and the listing index.
pub const BLOBS_BINDING: &str = "S3EDGE_BLOBS";

/// The storage both traits are implemented on.
pub struct Platform {
    /// Where the records live (`S3EDGE_META_STORE`).
    pub meta: meta::Meta,
    pub r2: worker::Bucket,
    /// The file streams of form uploads (`form::split_form`), drained after the answer if the
    /// handler left one unread.
    form_files: std::cell::RefCell<Vec<form::FormTask>>,
    /// This invocation's storage calls (`S3EDGE_CALL_LIMIT`).
    calls: CallLimit,
}

/// `S3EDGE_CALL_LIMIT`: the most storage calls an invocation makes before its calls fail
/// (unset or 0: not counted; the Miniflare harness sets Cloudflare's 1,000).
fn call_limit(env: &Env) -> Option<u32> {
    static LIMIT: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        var(env, "S3EDGE_CALL_LIMIT")
            .and_then(|v| v.trim().parse().ok())
            .filter(|limit| *limit > 0)
    })
}

/// Request bodies and R2 bodies alike stay JavaScript streams.
pub type JsBody = Option<web_sys::ReadableStream>;

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.secret(name).ok().map(|v| v.to_string()))
        .filter(|v| !v.is_empty())
}

fn config(env: &Env) -> Result<Config, String> {
    let users = match var(env, "S3EDGE_USERS") {
        Some(json) => Users::from_json(&json)?,
        None => match (var(env, "S3EDGE_ACCESS_KEY_ID"), var(env, "S3EDGE_SECRET_ACCESS_KEY")) {
            (Some(id), Some(secret)) => Users::single(&id, &secret),
            _ => return Err("no credentials configured: set S3EDGE_USERS, or S3EDGE_ACCESS_KEY_ID and S3EDGE_SECRET_ACCESS_KEY".into()),
        },
    };
    Ok(Config {
        users,
        router: RouterConfig {
            base_domain: var(env, "S3EDGE_BASE_DOMAIN"),
            base_path: var(env, "S3EDGE_BASE_PATH")
                .map(|p| p.trim_end_matches('/').to_string())
                .unwrap_or_default(),
        },
        region: var(env, "S3EDGE_REGION").unwrap_or_else(|| "us-east-1".to_string()),
        expect_preflight: var(env, "S3EDGE_EXPECT_PREFLIGHT").as_deref() == Some("1"),
        public_access_block: PublicAccessBlock::from_setting(
            &var(env, "S3EDGE_PUBLIC_ACCESS_BLOCK").unwrap_or_default(),
        )?,
        default_ownership: match var(env, "S3EDGE_DEFAULT_OBJECT_OWNERSHIP") {
            None => ObjectOwnership::default(),
            Some(value) => ObjectOwnership::parse(&value).ok_or_else(|| {
                format!("S3EDGE_DEFAULT_OBJECT_OWNERSHIP: unknown setting {value:?}")
            })?,
        },
        meta_store: match var(env, "S3EDGE_META_STORE") {
            None => MetaStoreKind::default(),
            Some(value) => MetaStoreKind::parse(&value)
                .ok_or_else(|| format!("S3EDGE_META_STORE: unknown store {value:?}"))?,
        },
        inline_max: match var(env, "S3EDGE_INLINE_MAX") {
            None => crate::context::DEFAULT_INLINE_MAX,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|max| *max <= crate::context::INLINE_MAX_LIMIT)
                .ok_or_else(|| {
                    format!(
                        "S3EDGE_INLINE_MAX: {value:?} is not a byte count of at most {}",
                        crate::context::INLINE_MAX_LIMIT
                    )
                })?,
        },
        website: WebsiteHosts::from_settings(
            var(env, "S3EDGE_WEBSITE_DOMAIN").as_deref(),
            var(env, "S3EDGE_WEBSITE_HOSTS").as_deref(),
        )?,
    })
}

/// Settings are read once per isolate (vars and secrets do not change while it lives).
static CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();

fn cached_config(env: &Env) -> Result<&'static Config, String> {
    if let Some(config) = CONFIG.get() {
        return Ok(config);
    }
    let config = config(env)?;
    Ok(CONFIG.get_or_init(|| config))
}

fn request_id() -> String {
    hex::encode_upper(&crate::ops::random_bytes()[..8])
}

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let request_id = request_id();
    let config = match cached_config(&env) {
        Ok(config) => config,
        Err(message) => {
            worker::console_error!("s3edge configuration error: {message}");
            let err = crate::error::S3Error::internal("The server is not configured.");
            return Response::error(err.to_xml("/", &request_id), 500);
        }
    };
    let platform = Platform {
        meta: meta::Meta::from_env(&env, config.meta_store)?,
        r2: env.bucket(BLOBS_BINDING)?,
        form_files: Default::default(),
        calls: CallLimit::new(call_limit(&env)),
    };
    let delegate = env
        .service(delegate::SELF_BINDING)
        .ok()
        .map(delegate::SelfBinding);
    let url = req.url()?;
    let headers = client_headers(&req);
    let mut head = RequestHead::new(
        req.method().as_ref(),
        url.path(),
        url.query().unwrap_or(""),
        headers,
    );
    head.secure = url.scheme() == "https";
    let body: JsBody = req.inner().body();
    let unread = body.clone();
    let store = Preflight::new(&platform, service::take_preflight(config, &mut head));
    let ctx = Ctx {
        store: &store,
        config,
        now_millis: worker::Date::now().as_millis() as i64,
        request_id,
        delegate: delegate
            .as_ref()
            .map(|d| d as &dyn crate::context::Delegate),
    };
    let answer = service::handle_gated(&ctx, head, body).await;
    // A form's file first: its bytes are the request's, forwarded as they are read.
    form::finish(platform.form_files.take()).await;
    drain_unread(unread).await;
    to_worker_response(answer)
}

/// Reads and discards a request body the answer did not need (an early refusal). workerd resets
/// a connection whose request body was left unread (seen above about 1 MiB), and the client,
/// still sending, then never sees the answer; a body read to its end keeps the connection.
/// The bytes go from the socket to a discarding sink inside the runtime, never into wasm.
async fn drain_unread(body: JsBody) {
    let Some(stream) = body else {
        return;
    };
    if stream.locked() {
        return;
    }
    let Ok(sink) = web_sys::WritableStream::new() else {
        return;
    };
    // Called through `Function::call1`, which catches a throw (a stream R2 already consumed).
    let pipe_to = js_sys::Reflect::get(&stream, &wasm_bindgen::JsValue::from_str("pipeTo"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = pipe_to.and_then(|f| f.call1(&stream, &sink).ok()) else {
        return;
    };
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await;
}

/// The request's headers as the client sent them. Cloudflare's edge and Miniflare replace
/// `Accept-Encoding` with their own (`br, gzip`) and keep the client's value in
/// `request.cf.clientAcceptEncoding` (empty when it sent none); a signature over
/// `accept-encoding` covers the client's value, and so does `runtime_encoding::shield`.
fn client_headers(req: &Request) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = req.headers().entries().collect();
    if let Some(original) = client_accept_encoding(req) {
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("accept-encoding"));
        if !original.is_empty() {
            headers.push(("accept-encoding".into(), original));
        }
    }
    headers
}

fn client_accept_encoding(req: &Request) -> Option<String> {
    let cf = js_sys::Reflect::get(req.inner(), &wasm_bindgen::JsValue::from_str("cf")).ok()?;
    if !cf.is_object() {
        return None;
    }
    js_sys::Reflect::get(
        &cf,
        &wasm_bindgen::JsValue::from_str("clientAcceptEncoding"),
    )
    .ok()?
    .as_string()
}

fn to_worker_response(answer: service::Response<JsBody>) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &answer.headers {
        headers.append(name, value)?;
    }
    let body = match answer.body {
        Body::Empty | Body::Stream(None) => ResponseBody::Empty,
        Body::Bytes(bytes) => ResponseBody::Body(bytes),
        Body::Stream(Some(stream)) => ResponseBody::Stream(stream),
    };
    // Manual encoding: a stored `Content-Encoding: gzip` describes bytes already encoded;
    // workerd must not compress them again.
    Ok(Response::from_body(body)?
        .with_status(answer.status)
        .with_headers(headers)
        .with_encode_body(EncodeBody::Manual))
}

/// Cron Trigger: the cleanup pass over blobs and the listing index.
#[event(scheduled)]
pub async fn scheduled(_event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    let Ok(config) = cached_config(&env) else {
        worker::console_error!("s3edge cleanup skipped: the server is not configured");
        return;
    };
    let (Ok(meta), Ok(r2)) = (
        meta::Meta::from_env(&env, config.meta_store),
        env.bucket(BLOBS_BINDING),
    ) else {
        worker::console_error!("s3edge cleanup skipped: storage bindings are missing");
        return;
    };
    let platform = Platform {
        meta,
        r2,
        form_files: Default::default(),
        calls: CallLimit::new(call_limit(&env)),
    };
    let grace_seconds: i64 = var(&env, "S3EDGE_CLEANUP_GRACE_SECONDS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3600);
    let ctx = Ctx {
        store: &platform,
        config,
        now_millis: worker::Date::now().as_millis() as i64,
        request_id: request_id(),
        delegate: None,
    };
    let batch: usize = var(&env, "S3EDGE_CLEANUP_BATCH")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let expiry_seconds: i64 = var(&env, "S3EDGE_UPLOAD_EXPIRY_SECONDS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(7 * 24 * 3600);
    let settings = crate::ops::sweep::SweepSettings {
        grace_millis: grace_seconds * 1000,
        upload_expiry_millis: expiry_seconds * 1000,
        batch,
    };
    match crate::ops::sweep::sweep(&ctx, settings).await {
        Ok(report) => worker::console_log!("s3edge cleanup: {report:?}"),
        Err(err) => worker::console_error!("s3edge cleanup failed: {}", err.0),
    }
}
