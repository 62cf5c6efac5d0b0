//! A bucket's Object Lock configuration document (S3 API Reference
//! "PutObjectLockConfiguration", "GetObjectLockConfiguration"): enabled, with an optional
//! default retention in days or years applied to every new version.

use super::{Retention, RetentionMode};
use crate::error::{ErrorCode, S3Error};
use crate::xml::{from_xml, write_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};

const DAY_MILLIS: i64 = 86_400_000;

/// A default retention period: so many days or so many years (of 365 days, as S3 counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    #[serde(rename = "d")]
    Days(u32),
    #[serde(rename = "y")]
    Years(u32),
}

/// The retention every new version gets unless its write names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultRetention {
    #[serde(rename = "m")]
    pub mode: RetentionMode,
    #[serde(rename = "p")]
    pub period: Period,
}

impl DefaultRetention {
    /// The retention of a version written at `now_millis`.
    pub fn applied_at(&self, now_millis: i64) -> Retention {
        let days = match self.period {
            Period::Days(days) => i64::from(days),
            Period::Years(years) => i64::from(years) * 365,
        };
        Retention {
            mode: self.mode,
            until_millis: now_millis.saturating_add(days * DAY_MILLIS),
        }
    }
}

#[derive(Deserialize)]
struct ConfigurationWire {
    #[serde(rename = "ObjectLockEnabled", default)]
    enabled: Option<String>,
    #[serde(rename = "Rule", default)]
    rule: Option<RuleWire>,
}

#[derive(Deserialize)]
struct RuleWire {
    #[serde(rename = "DefaultRetention", default)]
    default_retention: Option<DefaultRetentionWire>,
}

#[derive(Deserialize)]
struct DefaultRetentionWire {
    #[serde(rename = "Mode", default)]
    mode: Option<String>,
    #[serde(rename = "Days", default)]
    days: Option<String>,
    #[serde(rename = "Years", default)]
    years: Option<String>,
}

/// Reads a PutObjectLockConfiguration body: `ObjectLockEnabled` must be `Enabled`; a `Rule`
/// holds a `DefaultRetention` of a mode and exactly one of `Days` and `Years`, a positive
/// whole number. The default retention it sets (`None`: the rule was left out).
pub fn parse_configuration(body: &[u8]) -> Result<Option<DefaultRetention>, S3Error> {
    let wire: ConfigurationWire = from_xml(body, "ObjectLockConfiguration")?;
    let malformed = || S3Error::new(ErrorCode::MalformedXML);
    if wire.enabled.as_deref().map(str::trim) != Some("Enabled") {
        return Err(malformed());
    }
    let Some(rule) = wire.rule else {
        return Ok(None);
    };
    let retention = rule.default_retention.ok_or_else(malformed)?;
    let mode = retention
        .mode
        .as_deref()
        .map(str::trim)
        .and_then(RetentionMode::parse)
        .ok_or_else(malformed)?;
    let count = |text: &str| -> Result<u32, S3Error> {
        match text.trim().parse::<i64>() {
            Ok(n) if n > 0 => u32::try_from(n).map_err(|_| malformed()),
            Ok(_) => Err(S3Error::with_message(
                ErrorCode::InvalidArgument,
                "Default retention period must be a positive integer value",
            )),
            Err(_) => Err(malformed()),
        }
    };
    let period = match (retention.days.as_deref(), retention.years.as_deref()) {
        (Some(days), None) => Period::Days(count(days)?),
        (None, Some(years)) => Period::Years(count(years)?),
        _ => return Err(malformed()),
    };
    Ok(Some(DefaultRetention { mode, period }))
}

#[derive(Serialize)]
#[serde(rename = "ObjectLockConfiguration")]
struct ConfigurationAnswer {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "ObjectLockEnabled")]
    enabled: &'static str,
    #[serde(rename = "Rule", skip_serializing_if = "Option::is_none")]
    rule: Option<RuleAnswer>,
}

#[derive(Serialize)]
struct RuleAnswer {
    #[serde(rename = "DefaultRetention")]
    default_retention: DefaultRetentionAnswer,
}

#[derive(Serialize)]
struct DefaultRetentionAnswer {
    #[serde(rename = "Mode")]
    mode: &'static str,
    #[serde(rename = "Days", skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(rename = "Years", skip_serializing_if = "Option::is_none")]
    years: Option<u32>,
}

/// The GetObjectLockConfiguration answer of a bucket with Object Lock enabled.
pub fn configuration_xml(default: Option<&DefaultRetention>) -> String {
    let rule = default.map(|d| RuleAnswer {
        default_retention: DefaultRetentionAnswer {
            mode: d.mode.as_str(),
            days: match d.period {
                Period::Days(n) => Some(n),
                Period::Years(_) => None,
            },
            years: match d.period {
                Period::Years(n) => Some(n),
                Period::Days(_) => None,
            },
        },
    });
    write_xml(
        &ConfigurationAnswer {
            xmlns: S3_XMLNS,
            enabled: "Enabled",
            rule,
        },
        None,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(inner: &str) -> Result<Option<DefaultRetention>, S3Error> {
        parse_configuration(
            format!(
                r#"<ObjectLockConfiguration xmlns="{S3_XMLNS}">{inner}</ObjectLockConfiguration>"#
            )
            .as_bytes(),
        )
    }

    #[test]
    fn configurations_are_read_as_s3_reads_them() {
        assert_eq!(
            read("<ObjectLockEnabled>Enabled</ObjectLockEnabled>").unwrap(),
            None
        );
        assert_eq!(
            read("<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>3</Days></DefaultRetention></Rule>").unwrap(),
            Some(DefaultRetention { mode: RetentionMode::Governance, period: Period::Days(3) })
        );
        assert_eq!(
            read("<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>1</Years></DefaultRetention></Rule>").unwrap(),
            Some(DefaultRetention { mode: RetentionMode::Compliance, period: Period::Years(1) })
        );
        let malformed = [
            "",
            "<ObjectLockEnabled>Disabled</ObjectLockEnabled>",
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule></Rule>",
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>governance</Mode><Days>1</Days></DefaultRetention></Rule>",
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode></DefaultRetention></Rule>",
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years></DefaultRetention></Rule>",
            "<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>x</Days></DefaultRetention></Rule>",
        ];
        for doc in malformed {
            assert_eq!(
                read(doc).unwrap_err().code,
                ErrorCode::MalformedXML,
                "{doc}"
            );
        }
        for doc in ["<Days>0</Days>", "<Years>-1</Years>"] {
            let doc = format!("<ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode>{doc}</DefaultRetention></Rule>");
            assert_eq!(
                read(&doc).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{doc}"
            );
        }
    }

    #[test]
    fn a_default_counts_days_and_years_of_365_days() {
        let days = DefaultRetention {
            mode: RetentionMode::Governance,
            period: Period::Days(2),
        };
        assert_eq!(days.applied_at(1_000).until_millis, 1_000 + 2 * DAY_MILLIS);
        let years = DefaultRetention {
            mode: RetentionMode::Compliance,
            period: Period::Years(1),
        };
        let applied = years.applied_at(0);
        assert_eq!(
            (applied.mode, applied.until_millis),
            (RetentionMode::Compliance, 365 * DAY_MILLIS)
        );
    }

    #[test]
    fn answers_carry_the_rule_when_there_is_one() {
        assert!(configuration_xml(None)
            .ends_with("<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>"));
        let years = DefaultRetention {
            mode: RetentionMode::Compliance,
            period: Period::Years(2),
        };
        assert!(configuration_xml(Some(&years)).ends_with(
            "<Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>2</Years></DefaultRetention></Rule></ObjectLockConfiguration>"
        ));
    }
}
