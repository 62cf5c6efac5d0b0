//! The records kept in KV: one per bucket and one per object (the source of truth for
//! GET/HEAD), serialised as compact JSON.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    /// Canonical user id of the owner.
    pub owner: String,
    pub created_millis: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// The content headers S3 stores with an object and returns on GET/HEAD.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHeaders {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    /// The S3 key (kept in full: the KV name may be a hash of it).
    pub key: String,
    /// R2 name of the bytes.
    pub blob: String,
    pub size: u64,
    /// Hex digest without quotes.
    pub etag: String,
    pub last_modified_millis: i64,
    #[serde(default)]
    pub headers: ContentHeaders,
    /// `x-amz-meta-*` pairs, names lower-case without the prefix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_metadata: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Flexible checksum: algorithm as S3 names it and the base64 value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<(String, String)>,
    /// Canonical id of the bucket's owner when written: lets GET and HEAD of an existing object
    /// skip the bucket read (an object's record implies its bucket exists: buckets must be
    /// empty to be deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl ObjectRecord {
    pub fn quoted_etag(&self) -> String {
        format!("\"{}\"", self.etag)
    }

    /// The stored flexible checksum as its response header: (`x-amz-checksum-<alg>`, value).
    pub fn checksum_header(&self) -> Option<(String, String)> {
        self.checksum.as_ref().map(|(alg, value)| {
            (
                format!("x-amz-checksum-{}", alg.to_ascii_lowercase()),
                value.clone(),
            )
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("records serialise")
    }

    pub fn from_json(json: &str) -> Option<ObjectRecord> {
        serde_json::from_str(json).ok()
    }
}

impl BucketRecord {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("records serialise")
    }

    pub fn from_json(json: &str) -> Option<BucketRecord> {
        serde_json::from_str(json).ok()
    }
}
