//! HTTP/1.1 message heads and body framing (RFC 9112 §3–§7), as much of them as the front must
//! read: the start line, the header fields, and how long the body is. Bodies are never decoded.

/// A head longer than this is refused.
pub const MAX_HEAD: usize = 64 * 1024;

/// The request header a front sets to ask the Worker for a preflight (see src/preflight.rs).
pub const PREFLIGHT: &str = "x-s3edge-preflight";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    pub version: String,
    pub fields: Vec<(String, String)>,
}

/// How the body after a head ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
    /// An answer without a length: the body ends with the connection.
    Close,
}

/// The value of field `name` (lowercase), repeated fields joined with ", ".
pub fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    let mut values = fields
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    let first = values.next()?;
    Some(values.fold(first.to_string(), |all, v| format!("{all}, {v}")))
}

fn parse_fields<'a>(lines: impl Iterator<Item = &'a str>) -> Option<Vec<(String, String)>> {
    let mut fields = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        if name.is_empty() || name.contains(' ') {
            return None;
        }
        fields.push((name.to_string(), value.trim().to_string()));
    }
    Some(fields)
}

/// Heads are read as Latin-1, as HTTP/1.1 field values are octets.
fn latin1(raw: &[u8]) -> String {
    raw.iter().map(|&b| b as char).collect()
}

/// Parses a request head (start line to the empty line, CRLF included), or None if malformed.
pub fn parse_request(raw: &[u8]) -> Option<Request> {
    let text = latin1(raw);
    let mut lines = text.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let (method, target, version) = (start.next()?, start.next()?, start.next()?);
    if start.next().is_some() || method.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    Some(Request {
        method: method.to_ascii_uppercase(),
        target: target.to_string(),
        version: version.to_string(),
        fields: parse_fields(lines)?,
    })
}

/// Parses an answer head, or None if malformed.
pub fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let text = latin1(raw);
    let mut lines = text.split("\r\n");
    let mut start = lines.next()?.splitn(3, ' ');
    let version = start.next()?;
    let status = start.next()?.parse().ok()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    Some(Answer {
        status,
        reason: start.next().unwrap_or("").to_string(),
        version: version.to_string(),
        fields: parse_fields(lines)?,
    })
}

/// A request body's framing (RFC 9112 §6.3), or None when its length cannot be told.
pub fn request_framing(fields: &[(String, String)]) -> Option<Framing> {
    if let Some(coding) = field(fields, "transfer-encoding") {
        return coding
            .to_ascii_lowercase()
            .contains("chunked")
            .then_some(Framing::Chunked);
    }
    match field(fields, "content-length") {
        None => Some(Framing::None),
        Some(value) => match value.trim().parse::<u64>().ok()? {
            0 => Some(Framing::None),
            length => Some(Framing::Length(length)),
        },
    }
}

/// An answer body's framing for a request of `method`.
pub fn answer_framing(method: &str, answer: &Answer) -> Framing {
    if method == "HEAD" || matches!(answer.status, 100..=199 | 204 | 304) {
        return Framing::None;
    }
    if field(&answer.fields, "transfer-encoding").is_none()
        && field(&answer.fields, "content-length").is_none()
    {
        return Framing::Close;
    }
    request_framing(&answer.fields).unwrap_or(Framing::Close)
}

/// Whether the connection stays open after this message (RFC 9112 §9.3).
pub fn keeps_alive(version: &str, fields: &[(String, String)]) -> bool {
    let connection = field(fields, "connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if connection.contains("close") {
        return false;
    }
    version != "HTTP/1.0" || connection.contains("keep-alive")
}

/// True when the client asked for `100 Continue` before sending a body.
pub fn expects_continue(request: &Request) -> bool {
    field(&request.fields, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
}

fn write_head(start: String, fields: impl Iterator<Item = (String, String)>) -> Vec<u8> {
    let mut head = start;
    head.push_str("\r\n");
    for (name, value) in fields {
        head.push_str(&name);
        head.push_str(": ");
        head.push_str(&value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.chars().map(|c| c as u8).collect()
}

/// The header carrying the client's address, as Cloudflare's edge sets it (`aws:SourceIp`).
pub const CLIENT_IP: &str = "cf-connecting-ip";

/// The request head for workerd: `Expect` is the front's business, a client may neither ask
/// for a preflight itself nor name its own address, and `client_ip` is the address the front
/// saw. `close_after` asks workerd to close the connection after answering.
pub fn forwarded_head(request: &Request, client_ip: &str, close_after: bool) -> Vec<u8> {
    let kept = request.fields.iter().filter(|(name, _)| {
        !(name.eq_ignore_ascii_case("expect")
            || name.eq_ignore_ascii_case(PREFLIGHT)
            || name.eq_ignore_ascii_case(CLIENT_IP)
            || (close_after && name.eq_ignore_ascii_case("connection")))
    });
    let address = (CLIENT_IP.to_string(), client_ip.to_string());
    let close = close_after.then(|| ("connection".to_string(), "close".to_string()));
    write_head(
        format!("{} {} {}", request.method, request.target, request.version),
        kept.cloned().chain([address]).chain(close),
    )
}

/// The head of a preflight: the request's head without a body, its framing carried in
/// [`PREFLIGHT`] as `content-length=N`, `transfer-encoding=VALUE` or `none`.
pub fn preflight_head(request: &Request, client_ip: &str) -> Vec<u8> {
    let framing = match (
        field(&request.fields, "content-length"),
        field(&request.fields, "transfer-encoding"),
    ) {
        (_, Some(coding)) => format!("transfer-encoding={coding}"),
        (Some(length), None) => format!("content-length={length}"),
        (None, None) => "none".to_string(),
    };
    let kept = request.fields.iter().filter(|(name, _)| {
        ![
            "expect",
            "content-length",
            "transfer-encoding",
            "connection",
            PREFLIGHT,
            CLIENT_IP,
        ]
        .iter()
        .any(|hop| name.eq_ignore_ascii_case(hop))
    });
    write_head(
        format!("{} {} HTTP/1.1", request.method, request.target),
        kept.cloned().chain([
            (CLIENT_IP.to_string(), client_ip.to_string()),
            (PREFLIGHT.to_string(), framing),
        ]),
    )
}

/// A whole answer with a body of known length: the front's own answers, and a refusal from a
/// preflight passed on (hop-by-hop and framing fields of `fields` are replaced).
pub fn plain_answer(
    status: u16,
    reason: &str,
    fields: &[(String, String)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    const REPLACED: [&str; 5] = [
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        PREFLIGHT,
    ];
    let kept = fields
        .iter()
        .filter(|(name, _)| !REPLACED.iter().any(|r| name.eq_ignore_ascii_case(r)))
        .cloned();
    let length = ("content-length".to_string(), body.len().to_string());
    let close = close.then(|| ("connection".to_string(), "close".to_string()));
    let mut answer = write_head(
        format!("HTTP/1.1 {status} {reason}"),
        kept.chain([length]).chain(close),
    );
    answer.extend_from_slice(body);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(raw: &str) -> Request {
        parse_request(raw.as_bytes()).expect("a valid head")
    }

    #[test]
    fn parses_a_request_head_keeping_field_order_and_case() {
        let r = request("put /b/k HTTP/1.1\r\nHost: x\r\nX-Amz-Date:  1 \r\nhost: y\r\n\r\n");
        assert_eq!(r.method, "PUT");
        assert_eq!(r.target, "/b/k");
        assert_eq!(r.fields[1], ("X-Amz-Date".into(), "1".into()));
        assert_eq!(field(&r.fields, "HOST").as_deref(), Some("x, y"));
    }

    #[test]
    fn refuses_malformed_heads() {
        assert!(parse_request(b"GET /\r\n\r\n").is_none());
        assert!(parse_request(b"GET / SPDY/3\r\n\r\n").is_none());
        assert!(parse_request(b"GET / HTTP/1.1\r\nno colon\r\n\r\n").is_none());
        assert!(parse_request(b"GET / HTTP/1.1\r\nbad name: v\r\n\r\n").is_none());
        assert!(parse_answer(b"HTTP/1.1 abc OK\r\n\r\n").is_none());
    }

    #[test]
    fn request_framing_follows_rfc_9112() {
        let framing = |raw: &str| request_framing(&request(raw).fields);
        assert_eq!(framing("GET / HTTP/1.1\r\n\r\n"), Some(Framing::None));
        assert_eq!(
            framing("PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            Some(Framing::None)
        );
        assert_eq!(
            framing("PUT / HTTP/1.1\r\nContent-Length: 12\r\n\r\n"),
            Some(Framing::Length(12))
        );
        assert_eq!(
            framing("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
            Some(Framing::Chunked)
        );
        assert_eq!(
            framing("PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            None
        );
        assert_eq!(
            framing("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
            None
        );
    }

    #[test]
    fn answer_framing_knows_bodiless_answers() {
        let answer = |raw: &str| parse_answer(raw.as_bytes()).unwrap();
        let ok = answer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
        assert_eq!(answer_framing("GET", &ok), Framing::Length(9));
        assert_eq!(answer_framing("HEAD", &ok), Framing::None);
        let no_content = answer("HTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(answer_framing("GET", &no_content), Framing::None);
        let unframed = answer("HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(answer_framing("GET", &unframed), Framing::Close);
        let chunked = answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(answer_framing("GET", &chunked), Framing::Chunked);
    }

    #[test]
    fn keep_alive_defaults_by_version() {
        let r = request("GET / HTTP/1.1\r\n\r\n");
        assert!(keeps_alive(&r.version, &r.fields));
        let r = request("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
        assert!(!keeps_alive(&r.version, &r.fields));
        let r = request("GET / HTTP/1.0\r\n\r\n");
        assert!(!keeps_alive(&r.version, &r.fields));
        let r = request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert!(keeps_alive(&r.version, &r.fields));
    }

    #[test]
    fn forwarded_head_drops_expect_and_a_clients_own_preflight() {
        let r = request(
            "PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nx-s3edge-preflight: none\r\nCF-Connecting-IP: 6.6.6.6\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n",
        );
        assert!(expects_continue(&r));
        assert_eq!(
            forwarded_head(&r, "127.0.0.1", false),
            b"PUT /b/k HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nContent-Length: 3\r\ncf-connecting-ip: 127.0.0.1\r\n\r\n"
        );
        assert_eq!(
            forwarded_head(&r, "::1", true),
            b"PUT /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncf-connecting-ip: ::1\r\nconnection: close\r\n\r\n"
        );
    }

    #[test]
    fn preflight_head_carries_the_framing_and_no_body() {
        let r = request(
            "PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 8388608\r\nAuthorization: AWS4 x\r\n\r\n",
        );
        assert_eq!(
            preflight_head(&r, "10.0.0.1"),
            b"PUT /b/k HTTP/1.1\r\nHost: h\r\nAuthorization: AWS4 x\r\ncf-connecting-ip: 10.0.0.1\r\nx-s3edge-preflight: content-length=8388608\r\n\r\n"
        );
        let r = request("POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(
            preflight_head(&r, "10.0.0.1"),
            b"POST /b HTTP/1.1\r\ncf-connecting-ip: 10.0.0.1\r\nx-s3edge-preflight: transfer-encoding=chunked\r\n\r\n"
        );
    }

    #[test]
    fn plain_answer_replaces_framing_and_hop_fields() {
        let fields = vec![
            ("Content-Type".to_string(), "application/xml".to_string()),
            ("Transfer-Encoding".to_string(), "chunked".to_string()),
            ("x-s3edge-preflight".to_string(), "final".to_string()),
            ("x-amz-request-id".to_string(), "R1".to_string()),
        ];
        assert_eq!(
            plain_answer(404, "Not Found", &fields, b"<E/>", true),
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nx-amz-request-id: R1\r\ncontent-length: 4\r\nconnection: close\r\n\r\n<E/>"
        );
    }
}
