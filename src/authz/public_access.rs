//! Public access block settings (PutPublicAccessBlock / GetPublicAccessBlock, and "Blocking
//! public access to your Amazon S3 storage", access-control-block-public-access.html): the
//! document, and how a bucket's settings combine with the account-wide default.

use crate::error::S3Error;
use crate::xml::{from_xml, to_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    /// PUTs of public ACLs (bucket, object, or in PutObject headers) are refused.
    #[serde(default, rename = "bpa", skip_serializing_if = "is_false")]
    pub block_public_acls: bool,
    /// Public ACL grants are ignored when authorizing.
    #[serde(default, rename = "ipa", skip_serializing_if = "is_false")]
    pub ignore_public_acls: bool,
    /// PutBucketPolicy of a public policy is refused.
    #[serde(default, rename = "bpp", skip_serializing_if = "is_false")]
    pub block_public_policy: bool,
    /// A public policy grants only principals of the bucket owner's account.
    #[serde(default, rename = "rpb", skip_serializing_if = "is_false")]
    pub restrict_public_buckets: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "BlockPublicAcls", default)]
    block_public_acls: Option<String>,
    #[serde(rename = "IgnorePublicAcls", default)]
    ignore_public_acls: Option<String>,
    #[serde(rename = "BlockPublicPolicy", default)]
    block_public_policy: Option<String>,
    #[serde(rename = "RestrictPublicBuckets", default)]
    restrict_public_buckets: Option<String>,
}

/// An XML boolean (`true` or `false`, in any case); absent is false.
fn flag(value: Option<String>) -> Result<bool, S3Error> {
    match value.as_deref().map(str::trim) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(S3Error::new(crate::error::ErrorCode::MalformedXML)),
    }
}

#[derive(Serialize)]
#[serde(rename = "PublicAccessBlockConfiguration")]
struct WireOut {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "BlockPublicAcls")]
    block_public_acls: bool,
    #[serde(rename = "IgnorePublicAcls")]
    ignore_public_acls: bool,
    #[serde(rename = "BlockPublicPolicy")]
    block_public_policy: bool,
    #[serde(rename = "RestrictPublicBuckets")]
    restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Every setting on.
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// A `PublicAccessBlockConfiguration` body; absent elements are false, as in S3.
    pub fn from_xml(body: &[u8]) -> Result<PublicAccessBlock, S3Error> {
        let wire: Wire = from_xml(body, "PublicAccessBlockConfiguration")?;
        Ok(PublicAccessBlock {
            block_public_acls: flag(wire.block_public_acls)?,
            ignore_public_acls: flag(wire.ignore_public_acls)?,
            block_public_policy: flag(wire.block_public_policy)?,
            restrict_public_buckets: flag(wire.restrict_public_buckets)?,
        })
    }

    pub fn to_xml(&self) -> String {
        to_xml(&WireOut {
            xmlns: S3_XMLNS,
            block_public_acls: self.block_public_acls,
            ignore_public_acls: self.ignore_public_acls,
            block_public_policy: self.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets,
        })
    }

    /// The settings in force: S3 applies the most restrictive of the bucket's and the account's.
    pub fn combined(self, account: PublicAccessBlock) -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: self.block_public_acls || account.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || account.ignore_public_acls,
            block_public_policy: self.block_public_policy || account.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets
                || account.restrict_public_buckets,
        }
    }

    /// The account-wide default from configuration: `all`, `none`/empty, or a comma list of
    /// `BlockPublicAcls`, `IgnorePublicAcls`, `BlockPublicPolicy`, `RestrictPublicBuckets`.
    pub fn from_setting(value: &str) -> Result<PublicAccessBlock, String> {
        let mut block = PublicAccessBlock::default();
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name.to_ascii_lowercase().as_str() {
                "all" => block = PublicAccessBlock::ALL,
                "none" => {}
                "blockpublicacls" => block.block_public_acls = true,
                "ignorepublicacls" => block.ignore_public_acls = true,
                "blockpublicpolicy" => block.block_public_policy = true,
                "restrictpublicbuckets" => block.restrict_public_buckets = true,
                _ => return Err(format!("unknown public access block setting {name:?}")),
            }
        }
        Ok(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_the_configuration() {
        let body = br#"<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets>TRUE</RestrictPublicBuckets></PublicAccessBlockConfiguration>"#;
        let block = PublicAccessBlock::from_xml(body).unwrap();
        assert!(block.block_public_acls && block.restrict_public_buckets);
        assert!(!block.ignore_public_acls && !block.block_public_policy);
        let xml = block.to_xml();
        assert!(
            xml.contains("<BlockPublicAcls>true</BlockPublicAcls>"),
            "{xml}"
        );
        assert!(
            xml.contains("<IgnorePublicAcls>false</IgnorePublicAcls>"),
            "{xml}"
        );
        assert_eq!(PublicAccessBlock::from_xml(xml.as_bytes()).unwrap(), block);
    }

    #[test]
    fn refuses_malformed_bodies() {
        for body in [&b"<Other/>"[..], b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>", b"nope"] {
            let err = PublicAccessBlock::from_xml(body).unwrap_err();
            assert_eq!(err.code, crate::error::ErrorCode::MalformedXML);
        }
    }

    #[test]
    fn the_stricter_of_bucket_and_account_applies() {
        let bucket = PublicAccessBlock {
            ignore_public_acls: true,
            ..Default::default()
        };
        let account = PublicAccessBlock {
            block_public_policy: true,
            ..Default::default()
        };
        let both = bucket.combined(account);
        assert!(both.ignore_public_acls && both.block_public_policy);
        assert!(!both.block_public_acls && !both.restrict_public_buckets);
    }

    #[test]
    fn reads_the_account_setting() {
        assert_eq!(
            PublicAccessBlock::from_setting("all").unwrap(),
            PublicAccessBlock::ALL
        );
        assert_eq!(
            PublicAccessBlock::from_setting("").unwrap(),
            PublicAccessBlock::default()
        );
        let some = PublicAccessBlock::from_setting("BlockPublicPolicy, ignorepublicacls").unwrap();
        assert!(some.block_public_policy && some.ignore_public_acls && !some.block_public_acls);
        assert!(PublicAccessBlock::from_setting("BlockEverything").is_err());
    }
}
