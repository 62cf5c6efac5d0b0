//! The parts of an HTTP request the S3 logic reads, independent of the runtime:
//! method, raw path, raw query, lower-cased headers. Body handling lives elsewhere.

use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestHead {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path exactly as received (still percent-encoded).
    pub path: String,
    /// The query string exactly as received, without the leading `?`.
    pub query: String,
    /// Header names lower-cased, values as received, in arrival order.
    pub headers: Vec<(String, String)>,
    /// True when the request came over TLS (`aws:SecureTransport`).
    pub secure: bool,
}

impl RequestHead {
    pub fn new(method: &str, path: &str, query: &str, headers: Vec<(String, String)>) -> Self {
        RequestHead {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            query: query.to_string(),
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            secure: false,
        }
    }

    /// First value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header joined by `,` as HTTP folds repeated headers.
    pub fn header_joined(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            None
        } else {
            Some(values.join(","))
        }
    }

    /// Query parameters, percent-decoded (`+` is kept literal, as S3 signs it).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }

    /// The decoded value of a query parameter; `Some("")` for a bare `?name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn has_query(&self, name: &str) -> bool {
        self.query_param(name).is_some()
    }
}

/// Splits and percent-decodes a raw query string.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded_and_bare_names_are_empty() {
        let head = RequestHead::new("get", "/b", "list-type=2&prefix=a%2Fb&uploads", vec![]);
        assert_eq!(head.method, "GET");
        assert_eq!(head.query_param("prefix").as_deref(), Some("a/b"));
        assert_eq!(head.query_param("uploads").as_deref(), Some(""));
        assert_eq!(head.query_param("missing"), None);
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let head = RequestHead::new("PUT", "/", "", vec![("X-Amz-Date".into(), "d".into())]);
        assert_eq!(head.header("x-amz-date"), Some("d"));
    }
}
