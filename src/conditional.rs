//! Conditional requests: `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`
//! on reads (and their `x-amz-copy-source-` forms on CopyObject/UploadPartCopy), and the
//! `If-Match`/`If-None-Match: *` conditional writes. Follows "GetObject", "CopyObject" and
//! "PutObject" in the Amazon S3 API Reference, with RFC 9110 §13 (formerly RFC 7232) order of
//! evaluation, which is what S3's tables of combined conditions describe.

use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;

/// The read preconditions of one request. ETag lists are kept as sent; dates are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<i64>,
    pub if_unmodified_since: Option<i64>,
}

impl Preconditions {
    /// Reads `<prefix>if-match`, `<prefix>if-none-match`, `<prefix>if-modified-since` and
    /// `<prefix>if-unmodified-since`: prefix `""` for GetObject/HeadObject,
    /// `"x-amz-copy-source-"` for the source of a copy.
    ///
    /// Empty headers count as absent, repeated ones form one list, and a date that is not an
    /// HTTP-date (IMF-fixdate, RFC 850 or asctime) is ignored. Prefer [`Self::from_head_at`],
    /// which also applies the rule on future dates.
    pub fn from_head(head: &RequestHead, prefix: &str) -> Preconditions {
        let value = |name: &str| {
            head.header_joined(&format!("{prefix}{name}"))
                .filter(|v| !v.trim().is_empty())
        };
        let date = |name: &str| value(name).and_then(|v| parse_http_date(&v));
        Preconditions {
            if_match: value("if-match"),
            if_none_match: value("if-none-match"),
            if_modified_since: date("if-modified-since"),
            if_unmodified_since: date("if-unmodified-since"),
        }
    }

    /// [`Self::from_head`], then ignores an `If-Modified-Since` later than `now_unix`, as
    /// RFC 9110 §13.1.3 requires (S3 was reported answering 200, not 304, to a future date).
    /// A future `If-Unmodified-Since` always holds, so it needs no rule.
    pub fn from_head_at(head: &RequestHead, prefix: &str, now_unix: i64) -> Preconditions {
        let mut p = Preconditions::from_head(head, prefix);
        p.if_modified_since = p.if_modified_since.filter(|&t| t <= now_unix);
        p
    }

    pub fn is_empty(&self) -> bool {
        *self == Preconditions::default()
    }
}

/// An HTTP-date as Unix seconds; `None` if it is not one.
pub fn parse_http_date(value: &str) -> Option<i64> {
    crate::auth::sigv4::parse_http_date(value)
}

/// The outcome of a read's preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Proceed,
    NotModified,
    PreconditionFailed,
}

impl Decision {
    /// The S3 error to answer with, if any (304 NotModified, 412 PreconditionFailed).
    pub fn error(self) -> Option<S3Error> {
        match self {
            Decision::Proceed => None,
            Decision::NotModified => Some(S3Error::new(ErrorCode::NotModified)),
            Decision::PreconditionFailed => Some(S3Error::new(ErrorCode::PreconditionFailed)),
        }
    }
}

/// Evaluates GetObject/HeadObject preconditions against the stored object. `last_modified_unix`
/// is in whole seconds (HTTP dates have no finer grain, so compare truncated times).
///
/// In order: If-Match false → 412, else (only without If-Match) If-Unmodified-Since false →
/// 412; then If-None-Match matching → 304, else (only without If-None-Match)
/// If-Modified-Since not modified → 304. So If-Match true with If-Unmodified-Since false
/// proceeds, and If-None-Match false with If-Modified-Since true is 304, as S3 documents.
pub fn evaluate_read(p: &Preconditions, etag: &str, last_modified_unix: i64) -> Decision {
    if let Some(list) = &p.if_match {
        if !list_matches(list, etag, false) {
            return Decision::PreconditionFailed;
        }
    } else if let Some(since) = p.if_unmodified_since {
        if last_modified_unix > since {
            return Decision::PreconditionFailed;
        }
    }
    if let Some(list) = &p.if_none_match {
        if list_matches(list, etag, true) {
            return Decision::NotModified;
        }
    } else if let Some(since) = p.if_modified_since {
        if last_modified_unix <= since {
            return Decision::NotModified;
        }
    }
    Decision::Proceed
}

/// The `x-amz-copy-source-if-*` conditions of CopyObject/UploadPartCopy: evaluated like a read,
/// but every failure, the would-be 304s included, is 412 PreconditionFailed.
pub fn evaluate_copy_source(p: &Preconditions, etag: &str, last_modified_unix: i64) -> Decision {
    match evaluate_read(p, etag, last_modified_unix) {
        Decision::NotModified => Decision::PreconditionFailed,
        decision => decision,
    }
}

/// Conditional writes (PutObject, CompleteMultipartUpload, CopyObject destination), given the
/// ETag of the object currently under the key, if any.
///
/// `If-None-Match` accepts only `*` (anything else is NotImplemented, as S3 answers) and fails
/// with 412 when the key exists. `If-Match` fails with 404 NoSuchKey when it does not and 412
/// when the ETag differs. Both headers together are NotImplemented, as S3 answers.
pub fn evaluate_write(
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    existing: Option<&str>,
) -> Result<(), S3Error> {
    let if_match = if_match.filter(|v| !v.trim().is_empty());
    let if_none_match = if_none_match.filter(|v| !v.trim().is_empty());
    if if_match.is_some() && if_none_match.is_some() {
        return Err(
            S3Error::new(ErrorCode::NotImplemented).detail("Header", "If-Match,If-None-Match")
        );
    }
    if let Some(value) = if_none_match {
        if value.trim() != "*" {
            return Err(S3Error::new(ErrorCode::NotImplemented).detail("Header", "If-None-Match"));
        }
        if existing.is_some() {
            return Err(
                S3Error::new(ErrorCode::PreconditionFailed).detail("Condition", "If-None-Match")
            );
        }
    }
    if let Some(list) = if_match {
        match existing {
            None => return Err(S3Error::new(ErrorCode::NoSuchKey)),
            Some(etag) if !list_matches(list, etag, false) => {
                return Err(
                    S3Error::new(ErrorCode::PreconditionFailed).detail("Condition", "If-Match")
                )
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether an ETag list (`"a", W/"b", c` or `*`) names `etag`. Quotes are optional on both
/// sides, since clients often send the bare hex S3 showed them. A weak (`W/`) entry matches
/// only under weak comparison, which RFC 9110 uses for If-None-Match; If-Match is strong.
fn list_matches(list: &str, etag: &str, weak_comparison: bool) -> bool {
    let etag = unquote(etag.trim().strip_prefix("W/").unwrap_or(etag.trim()));
    parse_etag_list(list).iter().any(|entry| match entry {
        EntityTag::Any => true,
        EntityTag::Tag { weak, value } => (weak_comparison || !weak) && *value == etag,
    })
}

#[derive(Debug, PartialEq, Eq)]
enum EntityTag<'a> {
    Any,
    Tag { weak: bool, value: &'a str },
}

/// Splits an ETag list; quoted tags may contain commas, bare ones end at the next comma.
fn parse_etag_list(list: &str) -> Vec<EntityTag<'_>> {
    let mut tags = Vec::new();
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return tags;
        }
        let (weak, body) = match rest.strip_prefix("W/") {
            Some(body) => (true, body),
            None => (false, rest),
        };
        let (value, remainder) = match body.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            },
            None => {
                let end = body.find(',').unwrap_or(body.len());
                (body[..end].trim(), &body[end..])
            }
        };
        if !weak && value == "*" && !body.starts_with('"') {
            tags.push(EntityTag::Any);
        } else {
            tags.push(EntityTag::Tag { weak, value });
        }
        rest = remainder;
    }
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    const ETAG: &str = "\"3e25960a79dbc69b674cd4ec67a72c62\"";
    const BARE: &str = "3e25960a79dbc69b674cd4ec67a72c62";
    const OTHER: &str = "\"0000000000000000000000000000000a\"";
    // The object was last modified at 2009-10-12T17:50:30Z.
    const MODIFIED: i64 = 1_255_369_830;
    const BEFORE: &str = "Mon, 12 Oct 2009 17:50:29 GMT";
    const AT: &str = "Mon, 12 Oct 2009 17:50:30 GMT";
    const AFTER: &str = "Mon, 12 Oct 2009 17:50:31 GMT";
    const NOW: i64 = MODIFIED + 3600;

    fn head(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead::new(
            "GET",
            "/b/k",
            "",
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn decide(headers: &[(&str, &str)]) -> Decision {
        let p = Preconditions::from_head_at(&head(headers), "", NOW);
        evaluate_read(&p, ETAG, MODIFIED)
    }

    #[test]
    fn single_conditions() {
        let cases: &[(&[(&str, &str)], Decision)] = &[
            (&[], Proceed),
            (&[("if-match", ETAG)], Proceed),
            (&[("if-match", BARE)], Proceed),
            (&[("if-match", "*")], Proceed),
            (&[("if-match", OTHER)], PreconditionFailed),
            (&[("if-none-match", ETAG)], NotModified),
            (&[("if-none-match", BARE)], NotModified),
            (&[("if-none-match", "*")], NotModified),
            (&[("if-none-match", OTHER)], Proceed),
            (&[("if-modified-since", BEFORE)], Proceed),
            (&[("if-modified-since", AT)], NotModified),
            (&[("if-modified-since", AFTER)], NotModified),
            (&[("if-unmodified-since", BEFORE)], PreconditionFailed),
            (&[("if-unmodified-since", AT)], Proceed),
            (&[("if-unmodified-since", AFTER)], Proceed),
        ];
        for (headers, expected) in cases {
            assert_eq!(decide(headers), *expected, "{headers:?}");
        }
    }

    /// The combinations S3's GetObject page spells out, and the rest of the RFC order.
    #[test]
    fn combined_conditions() {
        let cases: &[(&[(&str, &str)], Decision)] = &[
            // If-Match true and If-Unmodified-Since false: 200.
            (
                &[("if-match", ETAG), ("if-unmodified-since", BEFORE)],
                Proceed,
            ),
            // If-Match false wins over everything.
            (
                &[("if-match", OTHER), ("if-unmodified-since", AFTER)],
                PreconditionFailed,
            ),
            (
                &[("if-match", OTHER), ("if-none-match", ETAG)],
                PreconditionFailed,
            ),
            (
                &[("if-match", OTHER), ("if-modified-since", AT)],
                PreconditionFailed,
            ),
            // If-None-Match false and If-Modified-Since true: 304.
            (
                &[("if-none-match", ETAG), ("if-modified-since", BEFORE)],
                NotModified,
            ),
            // If-None-Match true: If-Modified-Since is not consulted.
            (
                &[("if-none-match", OTHER), ("if-modified-since", AT)],
                Proceed,
            ),
            // If-Unmodified-Since false with no If-Match: 412 even if If-None-Match would 304.
            (
                &[("if-unmodified-since", BEFORE), ("if-none-match", ETAG)],
                PreconditionFailed,
            ),
            (
                &[("if-unmodified-since", BEFORE), ("if-modified-since", AT)],
                PreconditionFailed,
            ),
            // Both pass.
            (&[("if-match", ETAG), ("if-none-match", OTHER)], Proceed),
            (
                &[("if-unmodified-since", AT), ("if-modified-since", BEFORE)],
                Proceed,
            ),
            (
                &[("if-match", ETAG), ("if-modified-since", AT)],
                NotModified,
            ),
        ];
        for (headers, expected) in cases {
            assert_eq!(decide(headers), *expected, "{headers:?}");
        }
    }

    #[test]
    fn etag_lists() {
        let cases: &[(&str, bool, bool)] = &[
            // (list, matches under strong comparison, under weak comparison)
            (ETAG, true, true),
            (BARE, true, true),
            ("\"a\", \"3e25960a79dbc69b674cd4ec67a72c62\"", true, true),
            ("a, 3e25960a79dbc69b674cd4ec67a72c62 ,b", true, true),
            ("W/\"3e25960a79dbc69b674cd4ec67a72c62\"", false, true),
            ("\"a\", W/\"b\"", false, false),
            ("*", true, true),
            ("\"*\"", false, false),
            ("\"a,b\", \"3e25960a79dbc69b674cd4ec67a72c62\"", true, true),
            ("\"3e25960a79dbc69b674cd4ec67a72c62", true, true),
            (",,", false, false),
        ];
        for &(list, strong, weak) in cases {
            assert_eq!(list_matches(list, ETAG, false), strong, "strong {list:?}");
            assert_eq!(list_matches(list, ETAG, true), weak, "weak {list:?}");
            assert_eq!(
                list_matches(list, BARE, false),
                strong,
                "bare etag {list:?}"
            );
        }
    }

    #[test]
    fn repeated_headers_form_one_list() {
        assert_eq!(
            decide(&[("if-match", "\"a\""), ("if-match", ETAG)]),
            Proceed
        );
    }

    #[test]
    fn dates() {
        assert_eq!(parse_http_date(AT), Some(MODIFIED));
        // RFC 850 and asctime forms, which RFC 9110 requires recipients to accept.
        assert_eq!(
            parse_http_date("Monday, 12-Oct-09 17:50:30 GMT"),
            Some(MODIFIED)
        );
        assert_eq!(parse_http_date("Mon Oct 12 17:50:30 2009"), Some(MODIFIED));
        assert_eq!(parse_http_date("2009-10-12T17:50:30Z"), None);
        assert_eq!(parse_http_date("yesterday"), None);
        // httpdate checks the weekday: 29 Oct 2100 is a Friday.
        assert_eq!(parse_http_date("Sat, 29 Oct 2100 19:43:31 GMT"), None);

        // Unparsable dates are ignored.
        assert_eq!(decide(&[("if-unmodified-since", "garbage")]), Proceed);
        assert_eq!(decide(&[("if-modified-since", "garbage")]), Proceed);
        assert_eq!(decide(&[("if-modified-since", "")]), Proceed);
        // An If-Modified-Since in the future is ignored: the object is sent.
        assert_eq!(
            decide(&[("if-modified-since", "Fri, 29 Oct 2100 19:43:31 GMT")]),
            Proceed
        );
        // Without a clock the future date is kept, and the object counts as not modified.
        let future = head(&[("if-modified-since", "Fri, 29 Oct 2100 19:43:31 GMT")]);
        let p = Preconditions::from_head(&future, "");
        assert_eq!(evaluate_read(&p, ETAG, MODIFIED), NotModified);
        // A future If-Unmodified-Since holds.
        assert_eq!(
            decide(&[("if-unmodified-since", "Fri, 29 Oct 2100 19:43:31 GMT")]),
            Proceed
        );
        assert_eq!(
            decide(&[("if-unmodified-since", "Sat, 29 Oct 1994 19:43:31 GMT")]),
            PreconditionFailed
        );
    }

    #[test]
    fn copy_source_prefix_and_mapping() {
        let h = head(&[
            ("x-amz-copy-source-if-none-match", ETAG),
            ("if-match", OTHER),
        ]);
        let p = Preconditions::from_head_at(&h, "x-amz-copy-source-", NOW);
        assert_eq!(p.if_match, None);
        assert_eq!(p.if_none_match.as_deref(), Some(ETAG));
        assert_eq!(evaluate_read(&p, ETAG, MODIFIED), NotModified);
        assert_eq!(evaluate_copy_source(&p, ETAG, MODIFIED), PreconditionFailed);

        let h = head(&[
            ("x-amz-copy-source-if-match", ETAG),
            ("x-amz-copy-source-if-unmodified-since", BEFORE),
        ]);
        let p = Preconditions::from_head_at(&h, "x-amz-copy-source-", NOW);
        assert_eq!(evaluate_copy_source(&p, ETAG, MODIFIED), Proceed);
        assert!(Preconditions::from_head(&h, "").is_empty());
    }

    #[test]
    fn decision_errors() {
        assert_eq!(Proceed.error(), None);
        assert_eq!(NotModified.error().unwrap().status(), 304);
        assert_eq!(PreconditionFailed.error().unwrap().status(), 412);
    }

    #[test]
    fn conditional_writes() {
        use ErrorCode::*;
        // (If-Match, If-None-Match, ETag of the existing object, error expected)
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<ErrorCode>,
        );
        let cases: &[Case] = &[
            (None, None, None, None),
            (None, None, Some(ETAG), None),
            (None, Some("*"), None, None),
            (None, Some("*"), Some(ETAG), Some(PreconditionFailed)),
            (None, Some(ETAG), None, Some(NotImplemented)),
            (None, Some(ETAG), Some(ETAG), Some(NotImplemented)),
            (Some(ETAG), None, Some(ETAG), None),
            (Some(BARE), None, Some(ETAG), None),
            (Some(ETAG), None, Some(OTHER), Some(PreconditionFailed)),
            (Some(ETAG), None, None, Some(NoSuchKey)),
            (Some("*"), None, Some(OTHER), None),
            (Some("*"), None, None, Some(NoSuchKey)),
            (Some(ETAG), Some("*"), None, Some(NotImplemented)),
            (Some(""), Some(" "), Some(ETAG), None),
        ];
        for &(if_match, if_none_match, existing, expected) in cases {
            let got = evaluate_write(if_match, if_none_match, existing)
                .err()
                .map(|e| e.code);
            assert_eq!(got, expected, "{if_match:?} {if_none_match:?} {existing:?}");
        }
    }
}
