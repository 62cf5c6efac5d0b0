//! Keeps the runtime in front of the Worker from re-encoding answers. Cloudflare's edge (and
//! Miniflare, which copies it) replaces the request's `Accept-Encoding` before the Worker sees it,
//! keeping the client's own value in `request.cf.clientAcceptEncoding`, and compresses answers of
//! the content types listed on Cloudflare's "Content compression" page when the client accepts
//! gzip or brotli. S3 returns an object's bytes exactly as stored ("GetObject": `Content-Encoding`
//! only as stored), so an answer the runtime would compress is marked `Content-Encoding: identity`
//! (no encoding: the runtime leaves answers with any other coding than gzip or br alone).

/// The content types Cloudflare compresses (its "Content compression" page); Miniflare also
/// compresses answers that have no `Content-Type`.
const COMPRESSED_TYPES: &[&str] = &[
    "text/html",
    "text/richtext",
    "text/plain",
    "text/css",
    "text/x-script",
    "text/x-component",
    "text/x-java-source",
    "text/x-markdown",
    "application/javascript",
    "application/x-javascript",
    "text/javascript",
    "text/js",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "application/x-perl",
    "application/x-httpd-cgi",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/xml+rss",
    "application/vnd.api+json",
    "application/x-protobuf",
    "application/json",
    "multipart/bag",
    "multipart/mixed",
    "application/xhtml+xml",
    "font/ttf",
    "font/otf",
    "font/x-woff",
    "image/svg+xml",
    "application/vnd.ms-fontobject",
    "application/ttf",
    "application/x-ttf",
    "application/otf",
    "application/x-otf",
    "application/truetype",
    "application/opentype",
    "application/x-opentype",
    "application/font-woff",
    "application/eot",
    "application/font",
    "application/font-sfnt",
    "application/wasm",
    "application/javascript-binast",
    "application/manifest+json",
    "application/ld+json",
    "application/graphql+json",
    "application/geo+json",
];

/// True when an `Accept-Encoding` value lets the runtime compress: gzip, br or zstd (or `*`)
/// with a weight above zero.
pub fn invites_compression(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|element| {
        let mut parts = element.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q=").map(str::trim))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        weight > 0.0 && matches!(coding.as_str(), "gzip" | "br" | "zstd" | "*")
    })
}

/// True when the runtime compresses answers of this `Content-Type` (absent included).
pub fn compressible(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return true;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    COMPRESSED_TYPES.contains(&essence.as_str())
}

/// Adds `Content-Encoding: identity` to answer headers the runtime would otherwise compress for
/// a client sending `client_accept_encoding`; an answer with a coding of its own is left as is.
pub fn shield(headers: &mut Vec<(String, String)>, client_accept_encoding: Option<&str>) {
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if find("content-encoding").is_some() {
        return;
    }
    if !client_accept_encoding.is_some_and(invites_compression) {
        return;
    }
    if compressible(find("content-type")) {
        headers.push(("content-encoding".into(), "identity".into()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shielded(headers: &[(&str, &str)], accept: Option<&str>) -> Option<String> {
        let mut headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        shield(&mut headers, accept);
        headers
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
            .map(|(_, v)| v)
    }

    #[test]
    fn accept_encoding_values() {
        assert!(invites_compression("gzip"));
        assert!(invites_compression("br, gzip"));
        assert!(invites_compression("identity, gzip;q=0.5"));
        assert!(invites_compression("*"));
        assert!(invites_compression("GZIP"));
        assert!(!invites_compression("identity"));
        assert!(!invites_compression(""));
        assert!(!invites_compression("gzip;q=0, br;q=0.0"));
        assert!(!invites_compression("deflate"));
    }

    #[test]
    fn content_types() {
        assert!(compressible(None));
        assert!(compressible(Some("text/plain; charset=utf-8")));
        assert!(compressible(Some("Application/XML")));
        assert!(!compressible(Some("binary/octet-stream")));
        assert!(!compressible(Some("image/png")));
    }

    #[test]
    fn answers_the_runtime_would_compress_are_marked_identity() {
        let text = [("content-type", "text/plain")];
        assert_eq!(shielded(&text, Some("gzip")).as_deref(), Some("identity"));
        assert_eq!(shielded(&[], Some("br")).as_deref(), Some("identity"));
        let xml = [("content-type", "application/xml")];
        assert_eq!(
            shielded(&xml, Some("gzip, deflate")).as_deref(),
            Some("identity")
        );
    }

    #[test]
    fn other_answers_are_left_alone() {
        let text = [("content-type", "text/plain")];
        assert_eq!(shielded(&text, Some("identity")), None);
        assert_eq!(shielded(&text, None), None);
        let binary = [("content-type", "binary/octet-stream")];
        assert_eq!(shielded(&binary, Some("gzip")), None);
        let stored = [("content-type", "text/plain"), ("Content-Encoding", "gzip")];
        assert_eq!(shielded(&stored, Some("gzip")).as_deref(), Some("gzip"));
    }
}
