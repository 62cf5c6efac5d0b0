//! The Worker's service binding to itself (`S3EDGE_SELF` in wrangler.toml), through which a
//! request with more storage calls than one invocation may make sends parts of itself to new
//! invocations (`auth::delegated`; Cloudflare's "Service bindings" page: each call through the
//! binding invokes the Worker's fetch handler anew).

use crate::context::Delegate;
use crate::request::RequestHead;
use futures_util::future::LocalBoxFuture;

/// The service binding to this Worker.
pub const SELF_BINDING: &str = "S3EDGE_SELF";

pub struct SelfBinding(pub worker::Fetcher);

impl Delegate for SelfBinding {
    fn send(
        &self,
        head: RequestHead,
        body: Vec<u8>,
    ) -> LocalBoxFuture<'_, Result<(u16, Vec<u8>), String>> {
        Box::pin(async move {
            let failed = |err: worker::Error| format!("the service binding {SELF_BINDING}: {err}");
            let host = head.header("host").unwrap_or("localhost");
            let scheme = if head.secure { "https" } else { "http" };
            let query = match head.query.as_str() {
                "" => String::new(),
                query => format!("?{query}"),
            };
            let url = format!("{scheme}://{host}{}{query}", head.path);
            let headers = worker::Headers::new();
            for (name, value) in &head.headers {
                // The runtime sets these from the URL and the body.
                if matches!(name.as_str(), "host" | "content-length") {
                    continue;
                }
                headers.append(name, value).map_err(failed)?;
            }
            let mut init = worker::RequestInit::new();
            init.with_method(worker::Method::from(head.method.clone()))
                .with_headers(headers)
                .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
            let request = worker::Request::new_with_init(&url, &init).map_err(failed)?;
            let mut response = self.0.fetch_request(request).await.map_err(failed)?;
            let answer = response.bytes().await.map_err(failed)?;
            Ok((response.status_code(), answer))
        })
    }
}
