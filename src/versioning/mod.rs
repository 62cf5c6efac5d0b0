//! A bucket's versioning state and its document (S3 API Reference "PutBucketVersioning",
//! "GetBucketVersioning"), and version ids ("Retaining multiple versions of objects": opaque,
//! unique, and here ordered so that a key's versions sort newest first).

pub mod ids;

use crate::error::{ErrorCode, S3Error};
use crate::xml::{from_xml, write_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};

pub use ids::{is_version_id, NULL_VERSION};

/// A bucket's versioning state once it has been configured (a bucket never configured has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersioningStatus {
    Enabled,
    Suspended,
}

impl VersioningStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersioningStatus::Enabled => "Enabled",
            VersioningStatus::Suspended => "Suspended",
        }
    }
}

/// A PutBucketVersioning document as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersioningRequest {
    /// `None`: the document left the status out (the bucket keeps its state).
    pub status: Option<VersioningStatus>,
    /// `Some(true)` when it asked for MFA delete.
    pub mfa_delete: Option<bool>,
}

#[derive(Deserialize)]
struct VersioningWire {
    #[serde(rename = "Status", default)]
    status: Option<String>,
    #[serde(rename = "MfaDelete", default)]
    mfa_delete: Option<String>,
}

/// Reads a PutBucketVersioning body: `Status` is `Enabled` or `Suspended`, `MfaDelete`
/// `Enabled` or `Disabled`; anything else is MalformedXML, as S3 answers.
pub fn parse_versioning(body: &[u8]) -> Result<VersioningRequest, S3Error> {
    let wire: VersioningWire = from_xml(body, "VersioningConfiguration")?;
    let malformed = || S3Error::new(ErrorCode::MalformedXML);
    let status = match wire.status.as_deref().map(str::trim) {
        None => None,
        Some("Enabled") => Some(VersioningStatus::Enabled),
        Some("Suspended") => Some(VersioningStatus::Suspended),
        Some(_) => return Err(malformed()),
    };
    let mfa_delete = match wire.mfa_delete.as_deref().map(str::trim) {
        None => None,
        Some("Enabled") => Some(true),
        Some("Disabled") => Some(false),
        Some(_) => return Err(malformed()),
    };
    Ok(VersioningRequest { status, mfa_delete })
}

#[derive(Serialize)]
#[serde(rename = "VersioningConfiguration")]
struct VersioningAnswer {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Status", skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

/// The GetBucketVersioning answer: the status once configured, else the empty, self-closing
/// `VersioningConfiguration` S3 sends for a bucket never versioned. (MFA delete is never on.)
pub fn versioning_xml(status: Option<VersioningStatus>) -> String {
    write_xml(
        &VersioningAnswer {
            xmlns: S3_XMLNS,
            status: status.map(VersioningStatus::as_str),
        },
        None,
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_read_as_s3_reads_them() {
        let doc = |inner: &str| {
            format!(
                r#"<VersioningConfiguration xmlns="{S3_XMLNS}">{inner}</VersioningConfiguration>"#
            )
        };
        let read = |inner: &str| parse_versioning(doc(inner).as_bytes());
        assert_eq!(
            read("<Status>Enabled</Status>").unwrap().status,
            Some(VersioningStatus::Enabled)
        );
        assert_eq!(
            read("<Status>Suspended</Status><MfaDelete>Disabled</MfaDelete>").unwrap(),
            VersioningRequest {
                status: Some(VersioningStatus::Suspended),
                mfa_delete: Some(false)
            }
        );
        assert_eq!(read("").unwrap().status, None);
        assert_eq!(
            read("<MfaDelete>Enabled</MfaDelete>").unwrap().mfa_delete,
            Some(true)
        );
        for bad in [
            "<Status>enabled</Status>",
            "<Status>On</Status>",
            "<MfaDelete>x</MfaDelete>",
        ] {
            assert_eq!(
                read(bad).unwrap_err().code,
                ErrorCode::MalformedXML,
                "{bad}"
            );
        }
        assert_eq!(
            parse_versioning(b"<Versioning/>").unwrap_err().code,
            ErrorCode::MalformedXML
        );
    }

    #[test]
    fn answers_carry_the_status_once_configured() {
        assert!(versioning_xml(None)
            .ends_with(&format!(r#"<VersioningConfiguration xmlns="{S3_XMLNS}"/>"#)));
        assert!(versioning_xml(Some(VersioningStatus::Enabled))
            .ends_with("<Status>Enabled</Status></VersioningConfiguration>"));
    }
}
