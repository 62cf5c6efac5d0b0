//! Tag sets: the `Tagging` XML document, the `x-amz-tagging` header (URL query form) and S3's
//! limits on them. Follows the S3 API Reference "PutObjectTagging", "PutBucketTagging" and the
//! user guide's "Categorizing your storage using tags" (10 tags per object, 50 per bucket, keys of
//! at most 128 and values of at most 256 Unicode characters, unique keys, no `aws:` prefix).
//! Breaking a limit is InvalidTag, except the count of tags, which S3 answers BadRequest.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, S3Error};
use crate::xml::{self, S3_XMLNS};

pub type TagSet = Vec<(String, String)>;

pub const OBJECT_TAGS_MAX: usize = 10;
pub const BUCKET_TAGS_MAX: usize = 50;
const KEY_CHARS_MAX: usize = 128;
const VALUE_CHARS_MAX: usize = 256;

/// Whose tags a set is: the limits differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Object,
    Bucket,
}

fn invalid_tag(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidTag, message)
}

/// Checks a tag set against S3's limits.
pub fn validate(tags: &TagSet, owner: Owner) -> Result<(), S3Error> {
    let max = match owner {
        Owner::Object => OBJECT_TAGS_MAX,
        Owner::Bucket => BUCKET_TAGS_MAX,
    };
    for (i, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.chars().count() > KEY_CHARS_MAX {
            return Err(invalid_tag("The TagKey you have provided is invalid"));
        }
        if value.chars().count() > VALUE_CHARS_MAX {
            return Err(invalid_tag("The TagValue you have provided is invalid"));
        }
        if key.starts_with("aws:") {
            return Err(invalid_tag(
                "Your TagKey cannot be prefixed with aws: (the prefix is reserved for AWS)",
            ));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return Err(invalid_tag(
                "Cannot provide multiple Tags with the same key",
            ));
        }
    }
    // Checked after every tag, as S3 does; S3 answers it with the generic BadRequest code.
    if tags.len() > max {
        return Err(S3Error::with_message(
            ErrorCode::BadRequest,
            match owner {
                Owner::Object => "Object tags cannot be greater than 10",
                Owner::Bucket => "Bucket tag count cannot be greater than 50",
            },
        ));
    }
    Ok(())
}

/// Parses `x-amz-tagging` (`k1=v1&k2=v2`, URL-encoded) and checks it as an object tag set.
pub fn parse_header(value: &str) -> Result<TagSet, S3Error> {
    let mut tags = TagSet::new();
    for pair in value.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| invalid_tag("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."))
        };
        tags.push((decode(key)?, decode(value)?));
    }
    validate(&tags, Owner::Object)?;
    Ok(tags)
}

/// `x-amz-tagging` form of a tag set (what GET answers as a count, and copies carry).
pub fn to_header(tags: &TagSet) -> String {
    let encode = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    tags.iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Deserialize)]
struct TaggingWire {
    #[serde(rename = "TagSet")]
    tag_set: TagSetWire,
}

#[derive(Deserialize, Serialize, Default)]
struct TagSetWire {
    #[serde(rename = "Tag", default)]
    tags: Vec<TagWire>,
}

#[derive(Deserialize, Serialize)]
struct TagWire {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value", default)]
    value: String,
}

/// Parses a `Tagging` request body and checks it against `owner`'s limits.
pub fn parse_xml(body: &[u8], owner: Owner) -> Result<TagSet, S3Error> {
    let wire: TaggingWire = xml::from_xml(body, "Tagging")?;
    let tags: TagSet = wire
        .tag_set
        .tags
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    validate(&tags, owner)?;
    Ok(tags)
}

#[derive(Serialize)]
struct TaggingOut {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "TagSet")]
    tag_set: TagSetWire,
}

/// The GetObjectTagging / GetBucketTagging answer.
pub fn to_xml(tags: &TagSet) -> String {
    let out = TaggingOut {
        xmlns: S3_XMLNS,
        tag_set: TagSetWire {
            tags: tags
                .iter()
                .map(|(key, value)| TagWire {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        },
    };
    xml::write_xml(&out, Some("Tagging"), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> TagSet {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn header_is_url_query_form() {
        assert_eq!(
            parse_header("a=1&b%20c=d+e&empty=").unwrap(),
            set(&[("a", "1"), ("b c", "d e"), ("empty", "")])
        );
        let tags = set(&[("k y", "v/é&=")]);
        assert_eq!(parse_header(&to_header(&tags)).unwrap(), tags);
    }

    #[test]
    fn limits_count_characters() {
        let key = "é".repeat(128);
        let value = "ü".repeat(256);
        assert!(validate(&set(&[(&key, &value)]), Owner::Object).is_ok());
        let long_key = "é".repeat(129);
        let long_value = "ü".repeat(257);
        for bad in [
            set(&[(&long_key, "v")]),
            set(&[("k", &long_value)]),
            set(&[("aws:x", "v")]),
            set(&[("a", "1"), ("a", "2")]),
            set(&[("", "v")]),
        ] {
            assert_eq!(
                validate(&bad, Owner::Object).unwrap_err().code,
                ErrorCode::InvalidTag
            );
        }
        let eleven: TagSet = (0..11).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(validate(&eleven[..10].to_vec(), Owner::Object).is_ok());
        assert_eq!(
            validate(&eleven, Owner::Object).unwrap_err().code,
            ErrorCode::BadRequest
        );
        assert!(validate(&eleven, Owner::Bucket).is_ok());
    }

    #[test]
    fn xml_round_trip() {
        let tags = set(&[("a", "1"), ("<b>", " x ")]);
        let doc = to_xml(&tags);
        assert!(doc.contains("<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"));
        assert_eq!(parse_xml(doc.as_bytes(), Owner::Object).unwrap(), tags);
        assert_eq!(
            parse_xml(b"<Tagging><TagSet><Tag><Key>a</Key>", Owner::Object)
                .unwrap_err()
                .code,
            ErrorCode::MalformedXML
        );
        assert_eq!(
            parse_xml(b"<Tagging></Tagging>", Owner::Object)
                .unwrap_err()
                .code,
            ErrorCode::MalformedXML
        );
    }
}
