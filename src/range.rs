//! The `Range` header of GetObject/HeadObject: one byte range, as RFC 9110 §14 defines it and
//! as S3 applies it ("GetObject" in the Amazon S3 API Reference). S3 serves one range only: a
//! header it cannot use (bad syntax, another unit, several ranges) is ignored and the whole
//! object is returned; a well-formed range the object cannot satisfy is a 416 InvalidRange.

use std::fmt;

use crate::error::{ErrorCode, S3Error};

/// One byte range as requested, before the object length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=first-last` (inclusive).
    FromTo(u64, u64),
    /// `bytes=first-`.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl fmt::Display for RangeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangeSpec::FromTo(first, last) => write!(f, "bytes={first}-{last}"),
            RangeSpec::From(first) => write!(f, "bytes={first}-"),
            RangeSpec::Suffix(n) => write!(f, "bytes=-{n}"),
        }
    }
}

/// Parses a `Range` header. `None` means "ignore it and send the whole object": syntax errors,
/// units other than `bytes`, `last < first`, and multi-range requests.
pub fn parse(header: &str) -> Option<RangeSpec> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return None;
    }
    let (first, last) = set.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        (true, true) => None,
        (true, false) => Some(RangeSpec::Suffix(digits(last)?)),
        (false, true) => Some(RangeSpec::From(digits(first)?)),
        (false, false) => {
            let (first, last) = (digits(first)?, digits(last)?);
            (last >= first).then_some(RangeSpec::FromTo(first, last))
        }
    }
}

/// A run of ASCII digits; values past `u64::MAX` saturate (they are beyond any object anyway).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse::<u64>().unwrap_or(u64::MAX))
}

/// The inclusive `(start, end)` byte positions `spec` selects in an object of `len` bytes.
/// A last position past the end is clamped and a suffix longer than the object selects all of
/// it; a range starting at or past the end, a zero-length suffix, or any range on an empty
/// object is InvalidRange, carrying `Content-Range: bytes */<len>` and S3's
/// `RangeRequested`/`ActualObjectSize` elements.
pub fn resolve(spec: &RangeSpec, len: u64) -> Result<(u64, u64), S3Error> {
    let range = match *spec {
        _ if len == 0 => None,
        RangeSpec::FromTo(first, last) => (first < len).then(|| (first, last.min(len - 1))),
        RangeSpec::From(first) => (first < len).then_some((first, len - 1)),
        RangeSpec::Suffix(0) => None,
        RangeSpec::Suffix(n) => Some((len - n.min(len), len - 1)),
    };
    range.ok_or_else(|| {
        S3Error::new(ErrorCode::InvalidRange)
            .detail("RangeRequested", spec.to_string())
            .detail("ActualObjectSize", len.to_string())
            .header("Content-Range", format!("bytes */{len}"))
    })
}

/// The `Content-Range` value of a 206 answer.
pub fn content_range(start: u64, end: u64, len: u64) -> String {
    format!("bytes {start}-{end}/{len}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeSpec::*;

    #[test]
    fn parse_table() {
        let cases: &[(&str, Option<RangeSpec>)] = &[
            ("bytes=0-99", Some(FromTo(0, 99))),
            ("bytes=0-0", Some(FromTo(0, 0))),
            ("bytes=100-", Some(From(100))),
            ("bytes=-500", Some(Suffix(500))),
            ("bytes=-0", Some(Suffix(0))),
            ("Bytes=1-2", Some(FromTo(1, 2))),
            (" bytes = 1 - 2 ", Some(FromTo(1, 2))),
            ("bytes=0-99999999999999999999999", Some(FromTo(0, u64::MAX))),
            // Ignored: S3 then answers 200 with the whole object.
            ("", None),
            ("bytes", None),
            ("bytes=", None),
            ("bytes=-", None),
            ("bytes=5-3", None),
            ("bytes=a-b", None),
            ("bytes=1-2x", None),
            ("bytes=+1-2", None),
            ("bytes=--1", None),
            ("bytes=0-1,3-4", None),
            ("bytes=0-1,", None),
            ("items=0-1", None),
            ("bytes 0-1", None),
        ];
        for (header, expected) in cases {
            assert_eq!(parse(header), *expected, "{header:?}");
        }
    }

    #[test]
    fn resolve_table() {
        let ok: &[(RangeSpec, u64, (u64, u64))] = &[
            (FromTo(0, 9), 10, (0, 9)),
            (FromTo(0, 0), 10, (0, 0)),
            (FromTo(2, 5), 10, (2, 5)),
            (FromTo(5, 100), 10, (5, 9)),
            (FromTo(9, u64::MAX), 10, (9, 9)),
            (From(0), 10, (0, 9)),
            (From(9), 10, (9, 9)),
            (Suffix(3), 10, (7, 9)),
            (Suffix(10), 10, (0, 9)),
            (Suffix(11), 10, (0, 9)),
            (Suffix(u64::MAX), 1, (0, 0)),
        ];
        for &(spec, len, expected) in ok {
            assert_eq!(resolve(&spec, len).unwrap(), expected, "{spec} of {len}");
        }

        let unsatisfiable: &[(RangeSpec, u64)] = &[
            (FromTo(10, 20), 10),
            (From(10), 10),
            (From(u64::MAX), 10),
            (Suffix(0), 10),
            (FromTo(0, 0), 0),
            (From(0), 0),
            (Suffix(1), 0),
        ];
        for &(spec, len) in unsatisfiable {
            let err = resolve(&spec, len).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidRange, "{spec} of {len}");
            assert_eq!(err.status(), 416);
            assert_eq!(
                err.headers,
                vec![("Content-Range".to_string(), format!("bytes */{len}"))]
            );
        }
    }

    #[test]
    fn invalid_range_carries_s3_details() {
        let err = resolve(&parse("bytes=100-200").unwrap(), 10).unwrap_err();
        assert_eq!(
            err.details,
            vec![
                ("RangeRequested", "bytes=100-200".to_string()),
                ("ActualObjectSize", "10".to_string())
            ]
        );
        let xml = err.to_xml("/b/k", "R");
        assert!(xml.contains(
            "<Message>The requested range is not satisfiable</Message>\
             <RangeRequested>bytes=100-200</RangeRequested><ActualObjectSize>10</ActualObjectSize>"
        ));
    }

    #[test]
    fn display_round_trips() {
        for spec in [FromTo(1, 2), From(3), Suffix(4)] {
            assert_eq!(parse(&spec.to_string()), Some(spec));
        }
    }

    #[test]
    fn content_range_format() {
        assert_eq!(content_range(0, 9, 10), "bytes 0-9/10");
        assert_eq!(content_range(7, 9, 10), "bytes 7-9/10");
    }
}
