//! Object Lock on the requests that write a version (PutObject, CopyObject,
//! CreateMultipartUpload: `x-amz-object-lock-mode`, `-retain-until-date`, `-legal-hold`, and
//! the bucket's default retention) and on the answers that read one (GetObject, HeadObject).

use super::config::DefaultRetention;
use super::retention::{checked_retention, format_date, parse_date};
use super::{ObjectLock, Retention, RetentionMode};
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;

pub const MODE: &str = "x-amz-object-lock-mode";
pub const RETAIN_UNTIL: &str = "x-amz-object-lock-retain-until-date";
pub const LEGAL_HOLD: &str = "x-amz-object-lock-legal-hold";
pub const BYPASS_GOVERNANCE: &str = "x-amz-bypass-governance-retention";

/// What a write's headers ask of the new version's lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestedLock {
    pub retention: Option<Retention>,
    pub legal_hold: Option<bool>,
}

impl RequestedLock {
    pub fn is_empty(&self) -> bool {
        self.retention.is_none() && self.legal_hold.is_none()
    }
}

fn invalid(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
}

/// Reads the lock headers of a write at `now_millis`: a mode and a future date come together;
/// a legal hold is `ON` or `OFF`.
pub fn requested_lock(head: &RequestHead, now_millis: i64) -> Result<RequestedLock, S3Error> {
    let retention = match (head.header(MODE), head.header(RETAIN_UNTIL)) {
        (None, None) => None,
        (Some(mode), Some(until)) => {
            let mode = RetentionMode::parse(mode.trim())
                .ok_or_else(|| invalid("Unknown wormMode directive."))?;
            let until = parse_date(until).ok_or_else(|| {
                invalid("The retain until date must be provided in ISO 8601 format")
            })?;
            Some(checked_retention(mode, until, now_millis)?)
        }
        _ => return Err(invalid(
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied",
        )),
    };
    let legal_hold = match head.header(LEGAL_HOLD).map(str::trim) {
        None => None,
        Some("ON") => Some(true),
        Some("OFF") => Some(false),
        Some(_) => return Err(invalid("Legal Hold must be either of 'ON' or 'OFF'")),
    };
    Ok(RequestedLock {
        retention,
        legal_hold,
    })
}

/// The refusal of a lock asked of a bucket without Object Lock.
pub fn missing_configuration() -> S3Error {
    S3Error::with_message(
        ErrorCode::InvalidRequest,
        "Bucket is missing Object Lock Configuration",
    )
}

/// The lock of a new version: what the write asked, else the bucket's default retention.
/// A lock asked of a bucket without Object Lock is refused.
pub fn settle(
    requested: RequestedLock,
    lock_enabled: bool,
    default: Option<&DefaultRetention>,
    now_millis: i64,
) -> Result<ObjectLock, S3Error> {
    if !lock_enabled {
        return match requested.is_empty() {
            true => Ok(ObjectLock::default()),
            false => Err(missing_configuration()),
        };
    }
    Ok(ObjectLock {
        retention: requested
            .retention
            .or_else(|| default.map(|d| d.applied_at(now_millis))),
        legal_hold: requested.legal_hold,
    })
}

/// S3 takes a PutObject that sets a retention or a legal hold only with a digest of its
/// bytes to check (Content-MD5 or a flexible checksum).
pub fn require_digest(head: &RequestHead, lock: &ObjectLock) -> Result<(), S3Error> {
    if lock.is_none() {
        return Ok(());
    }
    let digested = head.header("content-md5").is_some()
        || head.header("x-amz-sdk-checksum-algorithm").is_some()
        || head
            .header("x-amz-trailer")
            .is_some_and(|t| t.to_ascii_lowercase().contains("x-amz-checksum-"))
        || head
            .headers
            .iter()
            .any(|(name, _)| name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-type");
    match digested {
        true => Ok(()),
        false => Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters",
        )),
    }
}

/// Whether the request asks to bypass GOVERNANCE retention (`x-amz-bypass-governance-retention: true`).
pub fn bypass_requested(head: &RequestHead) -> bool {
    head.header(BYPASS_GOVERNANCE)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// The lock headers of a GET or HEAD answer.
pub fn answer_headers(lock: &ObjectLock) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    if let Some(retention) = &lock.retention {
        headers.push((MODE, retention.mode.as_str().to_string()));
        headers.push((RETAIN_UNTIL, format_date(retention.until_millis)));
    }
    if let Some(on) = lock.legal_hold {
        let status = if on { "ON" } else { "OFF" };
        headers.push((LEGAL_HOLD, status.to_string()));
    }
    headers
}
