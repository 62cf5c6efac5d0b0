//! Object ownership controls (PutBucketOwnershipControls, "Controlling ownership of objects
//! and disabling ACLs", about-object-ownership.html): who owns a new object, and whether ACLs
//! count at all.

use crate::error::{ErrorCode, S3Error};
use crate::xml::{from_xml, to_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectOwnership {
    /// ACLs are disabled; the bucket owner owns every object.
    BucketOwnerEnforced,
    /// The bucket owner owns objects written with `bucket-owner-full-control`.
    BucketOwnerPreferred,
    /// The writer owns what it writes (S3's behaviour before ownership controls).
    #[default]
    ObjectWriter,
}

impl ObjectOwnership {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }

    pub fn parse(value: &str) -> Option<ObjectOwnership> {
        match value {
            "BucketOwnerEnforced" => Some(ObjectOwnership::BucketOwnerEnforced),
            "BucketOwnerPreferred" => Some(ObjectOwnership::BucketOwnerPreferred),
            "ObjectWriter" => Some(ObjectOwnership::ObjectWriter),
            _ => None,
        }
    }

    pub fn acls_enabled(self) -> bool {
        self != ObjectOwnership::BucketOwnerEnforced
    }

    /// The owner of an object `writer` writes with the canned ACL `canned` (if any).
    pub fn owner_of_new_object<'a>(
        self,
        writer: &'a str,
        bucket_owner: &'a str,
        canned: Option<&str>,
    ) -> &'a str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => bucket_owner,
            ObjectOwnership::BucketOwnerPreferred
                if canned == Some("bucket-owner-full-control") =>
            {
                bucket_owner
            }
            _ => writer,
        }
    }

    /// An `OwnershipControls` body with one rule.
    pub fn from_xml(body: &[u8]) -> Result<ObjectOwnership, S3Error> {
        #[derive(Deserialize)]
        struct Rule {
            #[serde(rename = "ObjectOwnership")]
            object_ownership: String,
        }
        #[derive(Deserialize)]
        struct Controls {
            #[serde(rename = "Rule", default)]
            rules: Vec<Rule>,
        }
        let controls: Controls = from_xml(body, "OwnershipControls")?;
        match controls.rules.as_slice() {
            [rule] => ObjectOwnership::parse(rule.object_ownership.trim())
                .ok_or_else(|| S3Error::new(ErrorCode::MalformedXML)),
            _ => Err(S3Error::new(ErrorCode::MalformedXML)),
        }
    }

    pub fn to_xml(self) -> String {
        #[derive(Serialize)]
        struct Rule {
            #[serde(rename = "ObjectOwnership")]
            object_ownership: &'static str,
        }
        #[derive(Serialize)]
        #[serde(rename = "OwnershipControls")]
        struct Controls {
            #[serde(rename = "@xmlns")]
            xmlns: &'static str,
            #[serde(rename = "Rule")]
            rule: Rule,
        }
        to_xml(&Controls {
            xmlns: S3_XMLNS,
            rule: Rule {
                object_ownership: self.as_str(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_setting() {
        for setting in [
            ObjectOwnership::BucketOwnerEnforced,
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ] {
            let xml = setting.to_xml();
            assert!(xml.contains(&format!(
                "<ObjectOwnership>{}</ObjectOwnership>",
                setting.as_str()
            )));
            assert_eq!(ObjectOwnership::from_xml(xml.as_bytes()).unwrap(), setting);
        }
    }

    #[test]
    fn refuses_unknown_settings_and_rule_counts() {
        for body in [
            "<OwnershipControls><Rule><ObjectOwnership>Mine</ObjectOwnership></Rule></OwnershipControls>",
            "<OwnershipControls></OwnershipControls>",
            "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
        ] {
            assert_eq!(ObjectOwnership::from_xml(body.as_bytes()).unwrap_err().code, ErrorCode::MalformedXML, "{body}");
        }
    }

    #[test]
    fn decides_who_owns_a_new_object() {
        use ObjectOwnership::*;
        assert_eq!(
            ObjectWriter.owner_of_new_object("w", "b", Some("bucket-owner-full-control")),
            "w"
        );
        assert_eq!(
            BucketOwnerPreferred.owner_of_new_object("w", "b", Some("bucket-owner-full-control")),
            "b"
        );
        assert_eq!(
            BucketOwnerPreferred.owner_of_new_object("w", "b", None),
            "w"
        );
        assert_eq!(BucketOwnerEnforced.owner_of_new_object("w", "b", None), "b");
        assert!(!BucketOwnerEnforced.acls_enabled() && ObjectWriter.acls_enabled());
    }
}
