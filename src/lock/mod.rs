//! S3 Object Lock ("Locking objects with Object Lock", S3 User Guide): the retention mode and
//! retain-until date and the legal hold of one object version, the bucket's default retention,
//! and the rules that decide whether a version may be removed or its retention changed.

pub mod config;
pub mod headers;
pub mod retention;
pub mod rules;

use serde::{Deserialize, Serialize};

/// A retention mode: GOVERNANCE (lifted by a principal allowed to bypass it) or COMPLIANCE
/// (never shortened or lifted before it ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionMode {
    #[serde(rename = "GOVERNANCE")]
    Governance,
    #[serde(rename = "COMPLIANCE")]
    Compliance,
}

impl RetentionMode {
    pub fn parse(text: &str) -> Option<RetentionMode> {
        match text {
            "GOVERNANCE" => Some(RetentionMode::Governance),
            "COMPLIANCE" => Some(RetentionMode::Compliance),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RetentionMode::Governance => "GOVERNANCE",
            RetentionMode::Compliance => "COMPLIANCE",
        }
    }
}

/// A version's retention: its mode, and the instant (Unix milliseconds) until which it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    #[serde(rename = "m")]
    pub mode: RetentionMode,
    #[serde(rename = "u")]
    pub until_millis: i64,
}

impl Retention {
    /// Whether it still protects the version at `now_millis`.
    pub fn in_force(&self, now_millis: i64) -> bool {
        self.until_millis > now_millis
    }
}

/// What protects one object version, as kept in its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
    /// None: never set; `Some(false)`: set, then lifted (S3 answers OFF, not "no
    /// configuration", once a hold was put).
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    pub legal_hold: Option<bool>,
}

impl ObjectLock {
    /// Neither a retention nor a legal hold (never written in a record).
    pub fn is_none(&self) -> bool {
        self.retention.is_none() && self.legal_hold.is_none()
    }

    /// Whether a legal hold is on.
    pub fn held(&self) -> bool {
        self.legal_hold == Some(true)
    }
}
