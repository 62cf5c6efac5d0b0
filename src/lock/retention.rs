//! The per-version documents (S3 API Reference "PutObjectRetention", "GetObjectRetention",
//! "PutObjectLegalHold", "GetObjectLegalHold") and the retain-until date as S3 reads and
//! writes it (ISO 8601).

use super::{Retention, RetentionMode};
use crate::error::{ErrorCode, S3Error};
use crate::xml::{from_xml, iso8601, write_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A retain-until date (`2027-01-01T00:00:00Z`, with or without fractional seconds, any
/// offset) as Unix milliseconds; `None` when it is not such a date.
pub fn parse_date(text: &str) -> Option<i64> {
    let instant = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A retain-until date as S3 answers it (`2027-01-01T00:00:00.000Z`).
pub fn format_date(millis: i64) -> String {
    iso8601(millis)
}

fn in_the_future_or_refused(until_millis: i64, now_millis: i64) -> Result<(), S3Error> {
    if until_millis <= now_millis {
        return Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            "The retain until date must be in the future!",
        ));
    }
    Ok(())
}

/// A retention named by a request at `now_millis`: a known mode and a date in the future.
pub fn checked_retention(
    mode: RetentionMode,
    until_millis: i64,
    now_millis: i64,
) -> Result<Retention, S3Error> {
    in_the_future_or_refused(until_millis, now_millis)?;
    Ok(Retention { mode, until_millis })
}

#[derive(Deserialize)]
struct RetentionWire {
    #[serde(rename = "Mode", default)]
    mode: Option<String>,
    #[serde(rename = "RetainUntilDate", default)]
    until: Option<String>,
}

/// Reads a PutObjectRetention body at `now_millis`: a mode and a future date, or neither (an
/// empty `Retention`, which lifts the retention: `None`).
pub fn parse_retention(body: &[u8], now_millis: i64) -> Result<Option<Retention>, S3Error> {
    let wire: RetentionWire = from_xml(body, "Retention")?;
    let malformed = || S3Error::new(ErrorCode::MalformedXML);
    match (wire.mode.as_deref(), wire.until.as_deref()) {
        (None, None) => Ok(None),
        (Some(mode), Some(until)) => {
            let mode = RetentionMode::parse(mode.trim()).ok_or_else(malformed)?;
            let until = parse_date(until).ok_or_else(malformed)?;
            checked_retention(mode, until, now_millis).map(Some)
        }
        _ => Err(malformed()),
    }
}

#[derive(Serialize)]
#[serde(rename = "Retention")]
struct RetentionAnswer {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Mode")]
    mode: &'static str,
    #[serde(rename = "RetainUntilDate")]
    until: String,
}

/// The GetObjectRetention answer.
pub fn retention_xml(retention: &Retention) -> String {
    write_xml(
        &RetentionAnswer {
            xmlns: S3_XMLNS,
            mode: retention.mode.as_str(),
            until: format_date(retention.until_millis),
        },
        None,
        false,
    )
}

#[derive(Deserialize)]
struct LegalHoldWire {
    #[serde(rename = "Status", default)]
    status: Option<String>,
}

/// Reads a PutObjectLegalHold body: `Status` `ON` or `OFF`.
pub fn parse_legal_hold(body: &[u8]) -> Result<bool, S3Error> {
    let wire: LegalHoldWire = from_xml(body, "LegalHold")?;
    match wire.status.as_deref().map(str::trim) {
        Some("ON") => Ok(true),
        Some("OFF") => Ok(false),
        _ => Err(S3Error::new(ErrorCode::MalformedXML)),
    }
}

#[derive(Serialize)]
#[serde(rename = "LegalHold")]
struct LegalHoldAnswer {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Status")]
    status: &'static str,
}

/// The GetObjectLegalHold answer.
pub fn legal_hold_xml(on: bool) -> String {
    write_xml(
        &LegalHoldAnswer {
            xmlns: S3_XMLNS,
            status: if on { "ON" } else { "OFF" },
        },
        None,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn doc(inner: &str) -> Vec<u8> {
        format!(r#"<Retention xmlns="{S3_XMLNS}">{inner}</Retention>"#).into_bytes()
    }

    #[test]
    fn dates_are_read_in_iso_8601_and_written_as_s3_writes_them() {
        assert_eq!(parse_date("2027-01-15T00:00:00Z"), Some(1_799_971_200_000));
        assert_eq!(
            parse_date("2027-01-15T00:00:00.250Z"),
            Some(1_799_971_200_250)
        );
        assert_eq!(
            parse_date("2027-01-15T01:00:00+01:00"),
            Some(1_799_971_200_000)
        );
        assert_eq!(parse_date("Fri, 15 Jan 2027 00:00:00 GMT"), None);
        assert_eq!(format_date(1_799_971_200_000), "2027-01-15T00:00:00.000Z");
    }

    #[test]
    fn retention_documents_name_a_mode_and_a_future_date_or_nothing() {
        let future = "<RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate>";
        let read = |inner: &str| parse_retention(&doc(inner), NOW);
        let retention = read(&format!("<Mode>COMPLIANCE</Mode>{future}"))
            .unwrap()
            .unwrap();
        assert_eq!(retention.mode, RetentionMode::Compliance);
        assert_eq!(
            retention.until_millis,
            parse_date("2030-01-01T00:00:00Z").unwrap()
        );
        assert_eq!(read("").unwrap(), None);
        for bad in [
            "<Mode>GOVERNANCE</Mode>",
            future,
            &format!("<Mode>LOCKED</Mode>{future}"),
        ] {
            assert_eq!(
                read(bad).unwrap_err().code,
                ErrorCode::MalformedXML,
                "{bad}"
            );
        }
        let past =
            read("<Mode>GOVERNANCE</Mode><RetainUntilDate>2020-01-01T00:00:00Z</RetainUntilDate>");
        assert_eq!(past.unwrap_err().code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn legal_holds_are_on_or_off() {
        let read = |s: &str| {
            parse_legal_hold(format!("<LegalHold><Status>{s}</Status></LegalHold>").as_bytes())
        };
        assert!(read("ON").unwrap());
        assert!(!read("OFF").unwrap());
        assert_eq!(read("on").unwrap_err().code, ErrorCode::MalformedXML);
        assert!(legal_hold_xml(true).ends_with("<Status>ON</Status></LegalHold>"));
        let answer = retention_xml(&Retention {
            mode: RetentionMode::Governance,
            until_millis: 1_799_971_200_000,
        });
        assert!(answer.ends_with("<Mode>GOVERNANCE</Mode><RetainUntilDate>2027-01-15T00:00:00.000Z</RetainUntilDate></Retention>"), "{answer}");
    }
}
