//! A bucket's CORS configuration (PutBucketCors / GetBucketCors) and how S3 matches a
//! browser's request against it. Pure: no storage, no platform.
//!
//! Sources: the S3 API Reference (PutBucketCors, CORSConfiguration, CORSRule, "Appendix:
//! OPTIONS object"), the user guide's "Using cross-origin resource sharing (CORS)" (cors.html),
//! "Elements of a CORS configuration", "Testing CORS" and "Troubleshooting CORS", and answers
//! of S3 recorded by others where the pages are silent:
//!
//! - **Validation.** No `CORSRule`, more than [`MAX_RULES`], or a rule without `AllowedOrigin`
//!   or `AllowedMethod` is `MalformedXML` (the schema); so is an unknown element in a rule, a
//!   second `ID` or `MaxAgeSeconds`, or a `MaxAgeSeconds` that is not a non-negative integer.
//!   A method other than `GET`, `PUT`, `HEAD`, `POST`, `DELETE` (compared as written, so `get`
//!   is refused too; an empty `<AllowedMethod/>` as well) is `InvalidRequest` "Found unsupported
//!   HTTP method in CORS config. Unsupported method is X". An `AllowedOrigin` or `AllowedHeader`
//!   with two or more `*` is `InvalidRequest` `AllowedOrigin "X" can not have more than one
//!   wildcard.` (resp. `AllowedHeader`). An empty `AllowedOrigin` is accepted and kept.
//!   Values are kept as sent (case, order, whitespace): GetBucketCors gives them back so.
//! - **Matching** (the first matching rule wins): the `Origin` must match one `AllowedOrigin`
//!   as a whole, where one `*` stands for any run of characters, the empty one included
//!   (`http://*.example.com`, `*`); origins are compared case-sensitively (browsers send a
//!   serialized origin, lowercase scheme and host; S3 documents no case folding). The method
//!   (or a preflight's `Access-Control-Request-Method`) must be one of `AllowedMethod`, exactly.
//!   Every header a preflight names in `Access-Control-Request-Headers` must match some
//!   `AllowedHeader` without regard to case (one `*` wildcard, e.g. `x-amz-*`); a rule without
//!   `AllowedHeader` allows no requested header. An actual request's own headers are not
//!   checked.
//! - **Answer headers.** `Access-Control-Allow-Origin` echoes the request's origin, except for
//!   a rule whose matching `AllowedOrigin` is `*`, which answers `*` and then sends no
//!   `Access-Control-Allow-Credentials` (a browser refuses `*` with credentials); otherwise
//!   `Access-Control-Allow-Credentials: true`. `Access-Control-Allow-Methods` lists the rule's
//!   methods (not only the one asked for), joined by `, `. `Access-Control-Allow-Headers`
//!   lists the requested names, lowercase, in the order requested, and is absent when none was
//!   requested. `Access-Control-Max-Age` and `Access-Control-Expose-Headers` appear when the
//!   rule sets them. `Vary: Origin, Access-Control-Request-Headers,
//!   Access-Control-Request-Method` always.
//!
//! Not checked (no source says how S3 answers): an `ID` longer than 255 characters, duplicate
//! IDs, a `*` in `ExposeHeader`, the 64 KB document limit (left to the caller's body limit).

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, S3Error};
use crate::xml::{self, S3_XMLNS};

/// Most rules one configuration may hold.
pub const MAX_RULES: usize = 100;

/// The methods an `AllowedMethod` may name, as S3 spells them.
const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];

/// The `Vary` value S3 sends with every CORS answer.
const VARY: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/// One `CORSRule`. Serde (short names) is the form kept in the bucket record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "o", default)]
    pub allowed_origins: Vec<String>,
    #[serde(rename = "m", default)]
    pub allowed_methods: Vec<String>,
    #[serde(rename = "h", default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_headers: Vec<String>,
    #[serde(rename = "e", default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u32>,
}

/// A bucket's CORS configuration: its rules, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsConfiguration {
    #[serde(rename = "r", default)]
    pub rules: Vec<CorsRule>,
}

// ---------------------------------------------------------------------------------------------
// XML, in

#[derive(Deserialize)]
struct ConfigurationIn {
    #[serde(rename = "CORSRule", default)]
    rules: Vec<RuleIn>,
}

#[derive(Deserialize)]
struct RuleIn {
    /// The rule's children in document order, whatever their interleaving.
    #[serde(rename = "$value", default)]
    fields: Vec<FieldIn>,
}

#[derive(Deserialize)]
enum FieldIn {
    #[serde(rename = "ID")]
    Id(String),
    AllowedOrigin(String),
    AllowedMethod(String),
    AllowedHeader(String),
    ExposeHeader(String),
    MaxAgeSeconds(String),
}

fn malformed() -> S3Error {
    S3Error::new(ErrorCode::MalformedXML)
}

fn invalid(message: String) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidRequest, message)
}

impl RuleIn {
    fn into_rule(self) -> Result<CorsRule, S3Error> {
        let mut rule = CorsRule {
            id: None,
            allowed_origins: Vec::new(),
            allowed_methods: Vec::new(),
            allowed_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
        };
        for field in self.fields {
            match field {
                FieldIn::Id(id) => {
                    if rule.id.replace(id).is_some() {
                        return Err(malformed());
                    }
                }
                FieldIn::AllowedOrigin(v) => rule.allowed_origins.push(v),
                FieldIn::AllowedMethod(v) => rule.allowed_methods.push(v),
                FieldIn::AllowedHeader(v) => rule.allowed_headers.push(v),
                FieldIn::ExposeHeader(v) => rule.expose_headers.push(v),
                FieldIn::MaxAgeSeconds(v) => {
                    let seconds = v.trim().parse::<u32>().map_err(|_| malformed())?;
                    if rule.max_age_seconds.replace(seconds).is_some() {
                        return Err(malformed());
                    }
                }
            }
        }
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(malformed());
        }
        Ok(rule)
    }
}

fn check_rule(rule: &CorsRule) -> Result<(), S3Error> {
    if let Some(method) = rule
        .allowed_methods
        .iter()
        .find(|m| !METHODS.contains(&m.as_str()))
    {
        return Err(invalid(format!(
            "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
        )));
    }
    if let Some(origin) = rule.allowed_origins.iter().find(|o| wildcards(o) > 1) {
        return Err(invalid(format!(
            "AllowedOrigin \"{origin}\" can not have more than one wildcard."
        )));
    }
    if let Some(header) = rule.allowed_headers.iter().find(|h| wildcards(h) > 1) {
        return Err(invalid(format!(
            "AllowedHeader \"{header}\" can not have more than one wildcard."
        )));
    }
    Ok(())
}

fn wildcards(pattern: &str) -> usize {
    pattern.matches('*').count()
}

// ---------------------------------------------------------------------------------------------
// XML, out

#[derive(Serialize)]
#[serde(rename = "CORSConfiguration")]
struct ConfigurationOut<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "CORSRule")]
    rules: Vec<RuleOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "AllowedHeader")]
    allowed_headers: &'a [String],
    #[serde(rename = "AllowedMethod")]
    allowed_methods: &'a [String],
    #[serde(rename = "AllowedOrigin")]
    allowed_origins: &'a [String],
    #[serde(rename = "ExposeHeader")]
    expose_headers: &'a [String],
    #[serde(rename = "MaxAgeSeconds", skip_serializing_if = "Option::is_none")]
    max_age_seconds: Option<u32>,
}

impl CorsConfiguration {
    /// Parses and checks a PutBucketCors body (see the module notes for S3's errors).
    pub fn from_xml(body: &[u8]) -> Result<CorsConfiguration, S3Error> {
        let wire: ConfigurationIn = xml::from_xml(body, "CORSConfiguration")?;
        if wire.rules.is_empty() || wire.rules.len() > MAX_RULES {
            return Err(malformed());
        }
        let rules = wire
            .rules
            .into_iter()
            .map(RuleIn::into_rule)
            .collect::<Result<Vec<_>, _>>()?;
        rules.iter().try_for_each(check_rule)?;
        Ok(CorsConfiguration { rules })
    }

    /// The GetBucketCors answer body, elements in S3's order, members not set left out.
    pub fn to_xml(&self) -> String {
        let out = ConfigurationOut {
            xmlns: S3_XMLNS,
            rules: self
                .rules
                .iter()
                .map(|r| RuleOut {
                    id: r.id.as_deref(),
                    allowed_headers: &r.allowed_headers,
                    allowed_methods: &r.allowed_methods,
                    allowed_origins: &r.allowed_origins,
                    expose_headers: &r.expose_headers,
                    max_age_seconds: r.max_age_seconds,
                })
                .collect(),
        };
        xml::to_xml(&out)
    }

    /// The first rule allowing a preflight: `origin`, the `Access-Control-Request-Method`
    /// `method`, and every name of `request_headers` (as [`parse_request_headers`] gives them).
    pub fn match_preflight(
        &self,
        origin: &str,
        method: &str,
        request_headers: &[String],
    ) -> Option<&CorsRule> {
        self.rules.iter().find(|rule| {
            rule_allows(rule, origin, method)
                && request_headers.iter().all(|name| {
                    rule.allowed_headers
                        .iter()
                        .any(|allowed| header_matches(allowed, name))
                })
        })
    }

    /// The first rule allowing an actual request from `origin` with `method`; its headers are
    /// not checked.
    pub fn match_request(&self, origin: &str, method: &str) -> Option<&CorsRule> {
        self.rules
            .iter()
            .find(|rule| rule_allows(rule, origin, method))
    }
}

fn rule_allows(rule: &CorsRule, origin: &str, method: &str) -> bool {
    matched_origin(rule, origin).is_some() && rule.allowed_methods.iter().any(|m| m == method)
}

/// The first of the rule's `AllowedOrigin` patterns matching `origin`.
fn matched_origin<'a>(rule: &'a CorsRule, origin: &str) -> Option<&'a str> {
    rule.allowed_origins
        .iter()
        .map(String::as_str)
        .find(|pattern| wildcard_match(pattern, origin))
}

/// Whether `value` matches `pattern` as a whole, a `*` in it standing for any run of
/// characters (the empty one included). Patterns hold at most one `*` once validated; a
/// pattern with more is matched literally after its first `*`.
fn wildcard_match(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((prefix, suffix)) => {
            value.len() >= prefix.len() + suffix.len()
                && value.starts_with(prefix)
                && value.ends_with(suffix)
        }
    }
}

fn header_matches(allowed: &str, requested: &str) -> bool {
    wildcard_match(
        &allowed.to_ascii_lowercase(),
        &requested.to_ascii_lowercase(),
    )
}

/// The value of `Access-Control-Allow-Origin` for this rule and origin, and whether
/// `Access-Control-Allow-Credentials: true` goes with it.
fn allow_origin(rule: &CorsRule, origin: &str) -> (String, bool) {
    if matched_origin(rule, origin) == Some("*") {
        ("*".to_string(), false)
    } else {
        (origin.to_string(), true)
    }
}

fn header(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_string(), value.into())
}

/// The headers S3 answers a preflight matched by `rule` with, in this order:
/// `Access-Control-Allow-Origin`, `-Allow-Methods`, `-Allow-Headers` (when headers were
/// requested), `-Max-Age` (when set), `-Allow-Credentials` (unless the origin answered is `*`),
/// `-Expose-Headers` (when set), `Vary`.
pub fn preflight_headers(
    rule: &CorsRule,
    origin: &str,
    request_headers: &[String],
) -> Vec<(String, String)> {
    let (allowed_origin, credentials) = allow_origin(rule, origin);
    let mut out = vec![
        header("Access-Control-Allow-Origin", allowed_origin),
        header(
            "Access-Control-Allow-Methods",
            rule.allowed_methods.join(", "),
        ),
    ];
    if !request_headers.is_empty() {
        let names: Vec<String> = request_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        out.push(header("Access-Control-Allow-Headers", names.join(", ")));
    }
    push_common(&mut out, rule, credentials);
    out
}

/// The headers S3 adds to an actual request's answer for `rule`, in this order:
/// `Access-Control-Allow-Origin`, `-Allow-Methods`, `-Expose-Headers` (when set), `-Max-Age`
/// (when set), `-Allow-Credentials` (unless the origin answered is `*`), `Vary`.
pub fn request_headers(rule: &CorsRule, origin: &str) -> Vec<(String, String)> {
    let (allowed_origin, credentials) = allow_origin(rule, origin);
    let mut out = vec![
        header("Access-Control-Allow-Origin", allowed_origin),
        header(
            "Access-Control-Allow-Methods",
            rule.allowed_methods.join(", "),
        ),
    ];
    if !rule.expose_headers.is_empty() {
        out.push(header(
            "Access-Control-Expose-Headers",
            rule.expose_headers.join(", "),
        ));
    }
    if let Some(seconds) = rule.max_age_seconds {
        out.push(header("Access-Control-Max-Age", seconds.to_string()));
    }
    if credentials {
        out.push(header("Access-Control-Allow-Credentials", "true"));
    }
    out.push(header("Vary", VARY));
    out
}

/// The CORS headers of any answer to a request with `Origin` on a bucket with `cors`: the first
/// matching rule's (`request_headers`), or only `Vary` when no rule matches, since the answer
/// still depends on the origin.
pub fn answer_headers(
    cors: &CorsConfiguration,
    origin: &str,
    method: &str,
) -> Vec<(String, String)> {
    match cors.match_request(origin, method) {
        Some(rule) => request_headers(rule, origin),
        None => vec![header("Vary", VARY)],
    }
}

/// Max age, credentials, expose headers and `Vary`, in the preflight's order.
fn push_common(out: &mut Vec<(String, String)>, rule: &CorsRule, credentials: bool) {
    if let Some(seconds) = rule.max_age_seconds {
        out.push(header("Access-Control-Max-Age", seconds.to_string()));
    }
    if credentials {
        out.push(header("Access-Control-Allow-Credentials", "true"));
    }
    if !rule.expose_headers.is_empty() {
        out.push(header(
            "Access-Control-Expose-Headers",
            rule.expose_headers.join(", "),
        ));
    }
    out.push(header("Vary", VARY));
}

/// Parses an `Access-Control-Request-Headers` value (`a, B ,c`, with or without spaces, empty
/// elements ignored as RFC 9110 §5.6.1 asks) into lowercase names, in order.
pub fn parse_request_headers(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|name| name.trim_matches(|c| c == ' ' || c == '\t'))
        .filter(|name| !name.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    fn rule(origins: &[&str], methods: &[&str]) -> CorsRule {
        CorsRule {
            id: None,
            allowed_origins: strings(origins),
            allowed_methods: strings(methods),
            allowed_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
        }
    }

    fn doc(rules: &str) -> String {
        format!("<CORSConfiguration xmlns=\"{S3_XMLNS}\">{rules}</CORSConfiguration>")
    }

    fn simple_rule(origin: &str, method: &str) -> String {
        format!("<CORSRule><AllowedOrigin>{origin}</AllowedOrigin><AllowedMethod>{method}</AllowedMethod></CORSRule>")
    }

    #[test]
    fn the_error_code_is_s3s() {
        let err = S3Error::new(ErrorCode::NoSuchCORSConfiguration);
        assert_eq!(err.status(), 404);
        assert_eq!(err.code.as_str(), "NoSuchCORSConfiguration");
        assert_eq!(err.message, "The CORS configuration does not exist");
    }

    #[test]
    fn parses_a_full_configuration() {
        let body = doc(
            "<CORSRule>
               <ID>first</ID>
               <AllowedOrigin>http://www.example.com</AllowedOrigin>
               <AllowedMethod>PUT</AllowedMethod>
               <AllowedOrigin>http://*.example.org</AllowedOrigin>
               <AllowedMethod>POST</AllowedMethod>
               <AllowedHeader>*</AllowedHeader>
               <ExposeHeader>ETag</ExposeHeader>
               <ExposeHeader>x-amz-request-id</ExposeHeader>
               <MaxAgeSeconds>3000</MaxAgeSeconds>
             </CORSRule>
             <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>",
        );
        let config = CorsConfiguration::from_xml(body.as_bytes()).unwrap();
        assert_eq!(
            config.rules,
            vec![
                CorsRule {
                    id: Some("first".into()),
                    allowed_origins: strings(&["http://www.example.com", "http://*.example.org"]),
                    allowed_methods: strings(&["PUT", "POST"]),
                    allowed_headers: strings(&["*"]),
                    expose_headers: strings(&["ETag", "x-amz-request-id"]),
                    max_age_seconds: Some(3000),
                },
                rule(&["*"], &["GET"]),
            ]
        );
    }

    #[test]
    fn keeps_values_as_sent() {
        let body = doc(&format!(
            "{}<CORSRule><AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
             <AllowedHeader>x-AMZ-Meta-*</AllowedHeader></CORSRule>",
            simple_rule("http://test.com:80", "HEAD")
        ));
        let config = CorsConfiguration::from_xml(body.as_bytes()).unwrap();
        assert_eq!(
            config.rules[0].allowed_origins,
            strings(&["http://test.com:80"])
        );
        assert_eq!(config.rules[1].allowed_origins, strings(&[""]));
        assert_eq!(config.rules[1].allowed_headers, strings(&["x-AMZ-Meta-*"]));
    }

    #[test]
    fn accepts_the_maximum_number_of_rules() {
        let body = doc(&simple_rule("*", "GET").repeat(MAX_RULES));
        let config = CorsConfiguration::from_xml(body.as_bytes()).unwrap();
        assert_eq!(config.rules.len(), MAX_RULES);
    }

    #[test]
    fn refuses_what_s3_refuses() {
        let too_many = doc(&simple_rule("*", "GET").repeat(MAX_RULES + 1));
        let malformed = "The XML you provided was not well-formed or did not validate against our published schema";
        let method = |m: &str| {
            format!("Found unsupported HTTP method in CORS config. Unsupported method is {m}")
        };
        let cases: Vec<(String, ErrorCode, String)> = vec![
            ("<CORSConfiguration>".into(), ErrorCode::MalformedXML, malformed.into()),
            ("not xml".into(), ErrorCode::MalformedXML, malformed.into()),
            ("<Other><CORSRule/></Other>".into(), ErrorCode::MalformedXML, malformed.into()),
            (doc(""), ErrorCode::MalformedXML, malformed.into()),
            (too_many, ErrorCode::MalformedXML, malformed.into()),
            (doc("<CORSRule/>"), ErrorCode::MalformedXML, malformed.into()),
            (
                doc("<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Bogus>x</Bogus></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><ID>a</ID><ID>b</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule>"),
                ErrorCode::MalformedXML,
                malformed.into(),
            ),
            (doc(&simple_rule("*", "MYMETHOD")), ErrorCode::InvalidRequest, method("MYMETHOD")),
            (doc(&simple_rule("*", "OPTIONS")), ErrorCode::InvalidRequest, method("OPTIONS")),
            (doc(&simple_rule("*", "get")), ErrorCode::InvalidRequest, method("get")),
            (doc(&simple_rule("*", "")), ErrorCode::InvalidRequest, method("")),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod/></CORSRule>"),
                ErrorCode::InvalidRequest,
                method(""),
            ),
            (
                doc(&format!("{}{}", simple_rule("*", "GET"), simple_rule("*", "PATCH"))),
                ErrorCode::InvalidRequest,
                method("PATCH"),
            ),
            (
                doc(&simple_rule("*example*.com", "GET")),
                ErrorCode::InvalidRequest,
                "AllowedOrigin \"*example*.com\" can not have more than one wildcard.".into(),
            ),
            (
                doc(&simple_rule("**", "GET")),
                ErrorCode::InvalidRequest,
                "AllowedOrigin \"**\" can not have more than one wildcard.".into(),
            ),
            (
                doc("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*</AllowedHeader><AllowedHeader>x-*-*</AllowedHeader></CORSRule>"),
                ErrorCode::InvalidRequest,
                "AllowedHeader \"x-*-*\" can not have more than one wildcard.".into(),
            ),
        ];
        for (body, code, message) in cases {
            let err = CorsConfiguration::from_xml(body.as_bytes()).unwrap_err();
            assert_eq!(
                (err.code, err.message.as_str()),
                (code, message.as_str()),
                "{body}"
            );
        }
    }

    #[test]
    fn the_method_is_checked_before_the_wildcards() {
        let body = doc(&simple_rule("a*b*c", "TRACE"));
        let err = CorsConfiguration::from_xml(body.as_bytes()).unwrap_err();
        assert!(
            err.message.ends_with("Unsupported method is TRACE"),
            "{}",
            err.message
        );
    }

    #[test]
    fn writes_the_get_bucket_cors_body_in_s3s_order() {
        let config = CorsConfiguration {
            rules: vec![
                CorsRule {
                    id: Some("r&1".into()),
                    allowed_origins: strings(&["http://a.com", "https://*.b.com"]),
                    allowed_methods: strings(&["GET", "PUT"]),
                    allowed_headers: strings(&["*"]),
                    expose_headers: strings(&["ETag"]),
                    max_age_seconds: Some(600),
                },
                rule(&["*"], &["HEAD"]),
            ],
        };
        assert_eq!(
            config.to_xml(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CORSConfiguration xmlns=\"{S3_XMLNS}\">\
                 <CORSRule><ID>r&amp;1</ID><AllowedHeader>*</AllowedHeader><AllowedMethod>GET</AllowedMethod>\
                 <AllowedMethod>PUT</AllowedMethod><AllowedOrigin>http://a.com</AllowedOrigin>\
                 <AllowedOrigin>https://*.b.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>\
                 <MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>\
                 <CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule>\
                 </CORSConfiguration>"
            )
        );
    }

    #[test]
    fn xml_round_trips() {
        let config = CorsConfiguration {
            rules: vec![
                CorsRule {
                    id: Some(" spaced id ".into()),
                    allowed_origins: strings(&["http://a.com", ""]),
                    allowed_methods: strings(&["DELETE", "POST"]),
                    allowed_headers: strings(&["x-amz-*", "Authorization"]),
                    expose_headers: strings(&["ETag", "x-amz-version-id"]),
                    max_age_seconds: Some(0),
                },
                rule(&["https://*"], &["GET"]),
            ],
        };
        let again = CorsConfiguration::from_xml(config.to_xml().as_bytes()).unwrap();
        assert_eq!(again, config);
    }

    #[test]
    fn storage_form_round_trips_with_short_names() {
        let config = CorsConfiguration {
            rules: vec![
                CorsRule {
                    id: Some("x".into()),
                    allowed_origins: strings(&["*"]),
                    allowed_methods: strings(&["GET"]),
                    allowed_headers: strings(&["h"]),
                    expose_headers: strings(&["e"]),
                    max_age_seconds: Some(5),
                },
                rule(&["o"], &["PUT"]),
            ],
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            json,
            r#"{"r":[{"i":"x","o":["*"],"m":["GET"],"h":["h"],"e":["e"],"a":5},{"o":["o"],"m":["PUT"]}]}"#
        );
        assert_eq!(
            serde_json::from_str::<CorsConfiguration>(&json).unwrap(),
            config
        );
    }

    #[test]
    fn origins_match_as_s3_matches() {
        let cases: &[(&str, &str, bool)] = &[
            ("http://www.example.com", "http://www.example.com", true),
            ("http://www.example.com", "https://www.example.com", false),
            ("http://www.example.com", "http://www.example.com:80", false),
            ("http://www.example.com", "http://www.example.com/", false),
            ("http://www.example.com", "http://WWW.example.com", false),
            ("http://www.Example.com", "http://www.example.com", false),
            ("http://*.example.com", "http://test.example.com", true),
            ("http://*.example.com", "http://a.b.example.com", true),
            ("http://*.example.com", "http://.example.com", true),
            ("http://*.example.com", "http://example.com", false),
            ("http://*.example.com", "https://test.example.com", false),
            ("http://*.example.com", "http://test.example.com/", false),
            (
                "http://*.example.com",
                "http://test.example.com.evil",
                false,
            ),
            ("*", "http://anything:1234", true),
            ("*", "", true),
            ("*suffix", "foo.suffix", true),
            ("start*end", "startend", true),
            ("start*end", "start12end", true),
            ("start*end", "0start12end", false),
            ("prefix*", "prefix", true),
            ("prefix*", "bla.prefix", false),
            ("ab*ba", "aba", false),
            ("", "", true),
            ("", "http://a.com", false),
        ];
        for &(pattern, origin, expected) in cases {
            let config = CorsConfiguration {
                rules: vec![rule(&[pattern], &["GET"])],
            };
            assert_eq!(
                config.match_request(origin, "GET").is_some(),
                expected,
                "{pattern} vs {origin}"
            );
            assert_eq!(
                config.match_preflight(origin, "GET", &[]).is_some(),
                expected,
                "{pattern} vs {origin} (preflight)"
            );
        }
    }

    #[test]
    fn methods_match_exactly() {
        let config = CorsConfiguration {
            rules: vec![rule(&["*"], &["GET", "PUT"])],
        };
        for (method, expected) in [
            ("GET", true),
            ("PUT", true),
            ("POST", false),
            ("DELETE", false),
            ("HEAD", false),
            ("get", false),
            ("OPTIONS", false),
        ] {
            assert_eq!(
                config.match_request("http://a", method).is_some(),
                expected,
                "{method}"
            );
            assert_eq!(
                config.match_preflight("http://a", method, &[]).is_some(),
                expected,
                "{method}"
            );
        }
    }

    #[test]
    fn requested_headers_must_all_be_allowed() {
        let mut with_headers = rule(&["*"], &["GET"]);
        with_headers.allowed_headers =
            strings(&["x-amz-*", "Content-Type", "X-AMZ-server-SIDE-encryption"]);
        let mut star = rule(&["*"], &["GET"]);
        star.allowed_headers = strings(&["*"]);
        let none = rule(&["*"], &["GET"]);
        let cases: &[(&CorsRule, &[&str], bool)] = &[
            (&with_headers, &[], true),
            (&with_headers, &["x-amz-date"], true),
            (&with_headers, &["X-Amz-Date"], true),
            (&with_headers, &["x-amz-"], true),
            (&with_headers, &["content-type"], true),
            (&with_headers, &["x-amz-server-side-encryption"], true),
            (&with_headers, &["x-amz-date", "content-type"], true),
            (&with_headers, &["x-amz-date", "authorization"], false),
            (&with_headers, &["authorization"], false),
            (&with_headers, &["x-am"], false),
            (&star, &["authorization", "x-anything"], true),
            (&none, &[], true),
            (&none, &["x-amz-date"], false),
        ];
        for &(rule, requested, expected) in cases {
            let config = CorsConfiguration {
                rules: vec![rule.clone()],
            };
            assert_eq!(
                config
                    .match_preflight("http://a", "GET", &strings(requested))
                    .is_some(),
                expected,
                "{:?} vs {requested:?}",
                rule.allowed_headers
            );
        }
    }

    #[test]
    fn an_actual_request_is_matched_without_headers() {
        let config = CorsConfiguration {
            rules: vec![rule(&["*"], &["GET"])],
        };
        assert!(config
            .match_preflight("http://a", "GET", &strings(&["x-amz-date"]))
            .is_none());
        assert!(config.match_request("http://a", "GET").is_some());
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let mut first = rule(&["http://a.com"], &["GET"]);
        first.id = Some("first".into());
        let mut second = rule(&["*"], &["GET", "PUT"]);
        second.id = Some("second".into());
        let mut third = rule(&["*"], &["GET"]);
        third.id = Some("third".into());
        third.allowed_headers = strings(&["*"]);
        let config = CorsConfiguration {
            rules: vec![first, second, third],
        };
        let id = |r: Option<&CorsRule>| r.and_then(|r| r.id.clone());
        assert_eq!(
            id(config.match_request("http://a.com", "GET")),
            Some("first".into())
        );
        assert_eq!(
            id(config.match_request("http://a.com", "PUT")),
            Some("second".into())
        );
        assert_eq!(
            id(config.match_request("http://b.com", "GET")),
            Some("second".into())
        );
        assert_eq!(id(config.match_request("http://b.com", "POST")), None);
        assert_eq!(
            id(config.match_preflight("http://a.com", "GET", &strings(&["x-h"]))),
            Some("third".into())
        );
        assert_eq!(
            id(config.match_preflight("http://a.com", "GET", &[])),
            Some("first".into())
        );
        assert_eq!(
            id(config.match_preflight("http://a.com", "PUT", &strings(&["x-h"]))),
            None
        );
    }

    fn pairs(values: &[(&str, &str)]) -> Vec<(String, String)> {
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn preflight_headers_for_a_specific_origin() {
        let mut full = rule(
            &["http://www.example1.com"],
            &["GET", "PUT", "POST", "DELETE"],
        );
        full.allowed_headers = strings(&["Authorization", "x-amz-*"]);
        full.expose_headers = strings(&["x-amz-meta-custom-header", "ETag"]);
        full.max_age_seconds = Some(3000);
        assert_eq!(
            preflight_headers(
                &full,
                "http://www.example1.com",
                &strings(&["Authorization", "x-amz-date"])
            ),
            pairs(&[
                ("Access-Control-Allow-Origin", "http://www.example1.com"),
                ("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE"),
                ("Access-Control-Allow-Headers", "authorization, x-amz-date"),
                ("Access-Control-Max-Age", "3000"),
                ("Access-Control-Allow-Credentials", "true"),
                (
                    "Access-Control-Expose-Headers",
                    "x-amz-meta-custom-header, ETag"
                ),
                ("Vary", VARY),
            ])
        );
    }

    #[test]
    fn preflight_headers_leave_out_what_is_not_set() {
        let wildcard_host = rule(&["https://*.example.com"], &["PUT"]);
        assert_eq!(
            preflight_headers(&wildcard_host, "https://a.example.com", &[]),
            pairs(&[
                ("Access-Control-Allow-Origin", "https://a.example.com"),
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", VARY),
            ])
        );
        let mut any = rule(&["*"], &["GET", "HEAD"]);
        any.max_age_seconds = Some(10);
        assert_eq!(
            preflight_headers(&any, "http://random:1234", &[]),
            pairs(&[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "GET, HEAD"),
                ("Access-Control-Max-Age", "10"),
                ("Vary", VARY),
            ])
        );
    }

    #[test]
    fn the_first_matching_origin_decides_between_echo_and_star() {
        let both = rule(&["http://a.com", "*"], &["GET"]);
        let origin_of = |h: Vec<(String, String)>| h[0].1.clone();
        assert_eq!(
            origin_of(request_headers(&both, "http://a.com")),
            "http://a.com"
        );
        assert_eq!(origin_of(request_headers(&both, "http://b.com")), "*");
        let star_first = rule(&["*", "http://a.com"], &["GET"]);
        assert_eq!(origin_of(request_headers(&star_first, "http://a.com")), "*");
    }

    #[test]
    fn request_headers_for_an_actual_request() {
        let mut full = rule(&["https://localhost:4200"], &["GET", "PUT"]);
        full.allowed_headers = strings(&["*"]);
        full.expose_headers = strings(&["ETag", "x-amz-version-id"]);
        full.max_age_seconds = Some(3000);
        assert_eq!(
            request_headers(&full, "https://localhost:4200"),
            pairs(&[
                ("Access-Control-Allow-Origin", "https://localhost:4200"),
                ("Access-Control-Allow-Methods", "GET, PUT"),
                ("Access-Control-Expose-Headers", "ETag, x-amz-version-id"),
                ("Access-Control-Max-Age", "3000"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", VARY),
            ])
        );
        assert_eq!(
            request_headers(&rule(&["*"], &["GET"]), "http://x"),
            pairs(&[
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", "GET"),
                ("Vary", VARY),
            ])
        );
    }

    #[test]
    fn parses_access_control_request_headers() {
        let cases: &[(&str, &[&str])] = &[
            ("a, B ,c", &["a", "b", "c"]),
            ("x-amz-date,content-type", &["x-amz-date", "content-type"]),
            (
                "X-AMZ-Expected-Bucket-Owner",
                &["x-amz-expected-bucket-owner"],
            ),
            ("", &[]),
            ("  ", &[]),
            (",a,,\tb\t,", &["a", "b"]),
        ];
        for &(value, expected) in cases {
            assert_eq!(parse_request_headers(value), strings(expected), "{value:?}");
        }
    }

    #[test]
    fn parsed_headers_feed_the_match_and_the_answer() {
        let mut r = rule(&["http://a.com"], &["PUT"]);
        r.allowed_headers = strings(&[
            "x-AMZ-expected-bucket-owner",
            "x-amz-server-side-encryption",
        ]);
        let config = CorsConfiguration { rules: vec![r] };
        let requested =
            parse_request_headers("x-AMZ-expected-BUCKET-owner,x-amz-server-side-encryption");
        let matched = config
            .match_preflight("http://a.com", "PUT", &requested)
            .unwrap();
        let headers = preflight_headers(matched, "http://a.com", &requested);
        assert_eq!(
            headers[2],
            (
                "Access-Control-Allow-Headers".to_string(),
                "x-amz-expected-bucket-owner, x-amz-server-side-encryption".to_string()
            )
        );
    }
}
