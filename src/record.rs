//! The records kept in KV: one per bucket and one per object (the source of truth for
//! GET/HEAD), serialised as compact JSON. Every record carries its schema version (`v`); one
//! that cannot be read, or is of a newer version than this code, is an error ([`Unreadable`]),
//! never taken for absence.

use crate::authz::acl::Acl;
use crate::authz::ownership::ObjectOwnership;
use crate::authz::public_access::PublicAccessBlock;
use crate::cors::CorsConfiguration;
use crate::website::WebsiteConfiguration;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The newest schema version of the records this code writes and reads. Records written before
/// versions were kept have no `v` and are version 1. A release whose records an older one would
/// misread, or rewrite without what it does not know, raises it, and writes the new version only
/// on records that need it: version 2 is an object record holding its bytes (`inline`), which
/// a version-1 reader would take for an object whose blob is missing, and rewrite without them;
/// version 3 a record of a versioned bucket's version (`vid`, `place`, `dm`, `lock`).
pub const RECORD_VERSION: u32 = 3;

/// The first version, that of every record without inline bytes.
const BASE_VERSION: u32 = 1;
/// The version of an object record holding its bytes.
const INLINE_VERSION: u32 = 2;
/// The version of an object record that is a version of a versioned bucket (it has an id, a
/// place in the version archive, or is a delete marker), which a version-2 reader would rewrite
/// without them.
const VERSIONED_VERSION: u32 = 3;

/// The `v` field of a record, written first. Read, it refuses a version this code does not know
/// (a record written by a later release may mean what this one would misread, or drop on
/// rewriting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(u32);

impl Default for Version {
    fn default() -> Self {
        Version(BASE_VERSION)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u32::deserialize(deserializer)? {
            v if (BASE_VERSION..=RECORD_VERSION).contains(&v) => Ok(Version(v)),
            v => Err(D::Error::custom(format!(
                "record version {v}, this code reads versions 1 to {RECORD_VERSION}"
            ))),
        }
    }
}

/// The bytes of a small object kept in its record instead of a blob of its own (see
/// `S3EDGE_INLINE_MAX`), stored as base64.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct InlineBytes(pub Vec<u8>);

impl fmt::Debug for InlineBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InlineBytes({} bytes)", self.0.len())
    }
}

impl Serialize for InlineBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for InlineBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        BASE64
            .decode(text.as_bytes())
            .map(InlineBytes)
            .map_err(|err| D::Error::custom(format!("inline bytes: {err}")))
    }
}

/// A stored record that cannot be read: not JSON, not the record's shape, or of a newer
/// version. Answered as InternalError; never taken for absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The storage name (`object/<bucket>/<key>`, `upload/<bucket>/<id>`, ...).
    pub name: String,
    pub reason: String,
}

impl Unreadable {
    pub fn new(name: &str, reason: impl fmt::Display) -> Self {
        Unreadable {
            name: name.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unreadable record {}: {}", self.name, self.reason)
    }
}

impl From<Unreadable> for crate::error::S3Error {
    fn from(err: Unreadable) -> Self {
        crate::error::S3Error::internal(err.to_string())
    }
}

impl From<Unreadable> for crate::store::StoreError {
    fn from(err: Unreadable) -> Self {
        crate::store::StoreError(err.to_string())
    }
}

/// Reads the record stored under `name`.
pub fn read_record<T: DeserializeOwned>(name: &str, json: &[u8]) -> Result<T, Unreadable> {
    serde_json::from_slice(json).map_err(|err| Unreadable::new(name, err))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    #[serde(default, rename = "v")]
    pub version: Version,
    /// Canonical user id of the owner.
    pub owner: String,
    pub created_millis: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The bucket's tag set; `None` when none was ever put (GetBucketTagging: NoSuchTagSet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<(String, String)>>,
    // What authorization reads, kept here so that one read of the record brings all of it.
    /// The bucket ACL; `None` is the default (FULL_CONTROL to the owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Acl>,
    /// The bucket policy exactly as put.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<PublicAccessBlock>,
    /// `None` for buckets made before ownership controls (they behave as `ObjectWriter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<ObjectOwnership>,
    /// The CORS rules, which shape every cross-origin answer (and answer preflights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<CorsConfiguration>,
    /// The website configuration (index and error documents, redirects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<WebsiteConfiguration>,
    /// Versioning, once configured (`Enabled` or `Suspended`; never back to unversioned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<crate::versioning::VersioningStatus>,
    /// Object Lock is enabled (at creation: it can never be turned off, nor versioning suspended).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub object_lock: bool,
    /// The default retention of new versions (Object Lock configuration's rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_default: Option<crate::lock::config::DefaultRetention>,
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
    /// `x-amz-website-redirect-location`: where the website endpoint redirects this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect_location: Option<String>,
}

/// One stored piece of an object made of several blobs: a multipart part or an append.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// R2 name of the bytes of a single-blob object; empty when `segments` hold them.
    pub blob: String,
    pub size: u64,
    /// Hex MD5 of the piece (a part's ETag).
    pub etag: String,
    /// The piece's flexible checksum (base64), when the upload asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// The part number the client gave this part on CompleteMultipartUpload (records written
    /// before it was kept have none: their parts are numbered by position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_number: Option<u16>,
}

/// How an object's bytes are laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One blob (`ObjectRecord::blob`).
    #[default]
    Single,
    /// The parts of a completed multipart upload, in order.
    Multipart,
    /// Segments written by appends (`?append&position=N`), in order.
    Appendable,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRecord {
    #[serde(default, rename = "v")]
    pub version: Version,
    /// The S3 key (kept in full: the KV name may be a hash of it).
    pub key: String,
    /// R2 name of the bytes; empty when the record holds them (`inline`) or segments do.
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
    /// Canonical id of the object's owner (the writer, or the bucket owner as the bucket's
    /// ownership controls decide). Records written before objects had owners of their own
    /// carry the bucket owner's, who was then the only writer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The object ACL; `None` is the default (FULL_CONTROL to its owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Acl>,
    #[serde(default, skip_serializing_if = "is_single")]
    pub layout: Layout,
    /// The blobs of a multipart or appendable object, in byte order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    /// `FULL_OBJECT` or `COMPOSITE`: how `checksum` was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    /// The object's tag set, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The multipart upload that made the object, so that a retried CompleteMultipartUpload
    /// of that upload can be answered as the first one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The bytes of a small object, kept here instead of in a blob (then `blob` is empty).
    #[serde(default, rename = "d", skip_serializing_if = "Option::is_none")]
    pub inline: Option<InlineBytes>,
    /// The version id; `None` for the `null` version (written while the bucket was unversioned
    /// or suspended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vid: Option<String>,
    /// Where a `null` version written in a versioned bucket sits among the key's versions (a
    /// version id's digits; see [`ObjectRecord::place`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// A delete marker (kept only in the version archive: no bytes, no blobs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dm: bool,
    /// The version's Object Lock retention and legal hold.
    #[serde(default, skip_serializing_if = "crate::lock::ObjectLock::is_none")]
    pub lock: crate::lock::ObjectLock,
}

fn is_single(layout: &Layout) -> bool {
    *layout == Layout::Single
}

impl ObjectRecord {
    /// Every R2 blob holding the object's bytes (none when the record holds them).
    pub fn blobs(&self) -> Vec<String> {
        if self.inline.is_some() || self.dm {
            Vec::new()
        } else if self.segments.is_empty() {
            vec![self.blob.clone()]
        } else {
            self.segments.iter().map(|s| s.blob.clone()).collect()
        }
    }

    /// Whether the object's bytes include `blob`.
    pub fn holds(&self, blob: &str) -> bool {
        if self.inline.is_some() || self.dm {
            false
        } else if self.segments.is_empty() {
            self.blob == blob
        } else {
            self.segments.iter().any(|s| s.blob == blob)
        }
    }

    /// The (blob, size) pieces in byte order (none when the record holds the bytes).
    pub fn pieces(&self) -> Vec<(&str, u64)> {
        if self.inline.is_some() {
            Vec::new()
        } else if self.segments.is_empty() {
            vec![(self.blob.as_str(), self.size)]
        } else {
            self.segments
                .iter()
                .map(|s| (s.blob.as_str(), s.size))
                .collect()
        }
    }

    /// The part number of each segment of a multipart object, in order: as completed, or by
    /// position for records that did not keep them.
    pub fn part_numbers(&self) -> Vec<u16> {
        self.segments
            .iter()
            .enumerate()
            .map(|(i, s)| s.part_number.unwrap_or((i + 1) as u16))
            .collect()
    }

    /// Number of parts of a multipart object (`x-amz-mp-parts-count`).
    pub fn parts_count(&self) -> Option<usize> {
        (self.layout == Layout::Multipart).then_some(self.segments.len())
    }

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

    /// The inline bytes of `range` (inclusive; all of them without), for a record holding them.
    pub fn inline_bytes(&self, range: Option<(u64, u64)>) -> Option<&[u8]> {
        let bytes = &self.inline.as_ref()?.0;
        Some(match range {
            Some((start, end)) => bytes.get(start as usize..=end as usize)?,
            None => bytes,
        })
    }

    /// The version this record is written with: the first, unless it holds its bytes.
    fn written_version(&self) -> Version {
        let versioned = self.vid.is_some() || self.place.is_some() || self.dm;
        Version(if versioned || !self.lock.is_none() {
            VERSIONED_VERSION
        } else if self.inline.is_some() {
            INLINE_VERSION
        } else {
            BASE_VERSION
        })
    }

    /// The version id as S3 shows it (`null` for the null version).
    pub fn version_id(&self) -> &str {
        self.vid
            .as_deref()
            .unwrap_or(crate::versioning::NULL_VERSION)
    }

    /// Where this version sits among its key's versions (ids sort newest first): its id, the
    /// place a null version was given when written in a versioned bucket, or for an object
    /// written before versioning one derived from its time and its record.
    pub fn place(&self) -> String {
        match (&self.vid, &self.place) {
            (Some(id), _) | (None, Some(id)) => id.clone(),
            (None, None) => crate::versioning::ids::place_of_unnumbered(
                self.last_modified_millis,
                format!("{}/{}/{}", self.key, self.etag, self.blob).as_bytes(),
            ),
        }
    }

    pub fn to_json(&self) -> String {
        let version = self.written_version();
        if self.version == version {
            return serde_json::to_string(self).expect("records serialise");
        }
        let record = ObjectRecord {
            version,
            ..self.clone()
        };
        serde_json::to_string(&record).expect("records serialise")
    }

    pub fn from_json(json: &str) -> serde_json::Result<ObjectRecord> {
        serde_json::from_str(json)
    }
}

/// An object's record as stored: parsed, and the exact value it was read from, which a
/// conditional write (`MetaStore::put_if`) expects to find still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub record: ObjectRecord,
    pub raw: String,
}

impl StoredRecord {
    /// The record stored under `name` as `raw`.
    pub fn read(name: &str, raw: String) -> Result<StoredRecord, Unreadable> {
        let record = read_record(name, raw.as_bytes())?;
        Ok(StoredRecord { record, raw })
    }
}

impl BucketRecord {
    pub fn object_lock_enabled(&self) -> bool {
        self.object_lock
    }

    pub fn to_json(&self) -> String {
        // A versioned bucket's record is version 3: a reader that would rewrite it without its
        // versioning state must refuse it instead.
        let version = Version(match self.versioning {
            Some(_) => VERSIONED_VERSION,
            None => BASE_VERSION,
        });
        if self.version == version {
            return serde_json::to_string(self).expect("records serialise");
        }
        let record = BucketRecord {
            version,
            ..self.clone()
        };
        serde_json::to_string(&record).expect("records serialise")
    }

    pub fn from_json(json: &str) -> serde_json::Result<BucketRecord> {
        serde_json::from_str(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_written_with_their_version_first() {
        let object = ObjectRecord::default().to_json();
        assert!(object.starts_with(r#"{"v":1,"#), "{object}");
        let bucket = BucketRecord::default().to_json();
        assert!(bucket.starts_with(r#"{"v":1,"#), "{bucket}");
        assert_eq!(
            ObjectRecord::from_json(&object).unwrap(),
            ObjectRecord::default()
        );
        assert_eq!(
            BucketRecord::from_json(&bucket).unwrap(),
            BucketRecord::default()
        );
    }

    #[test]
    fn records_without_a_version_are_version_one() {
        let object =
            r#"{"key":"k","blob":"blob/b/x","size":3,"etag":"e","last_modified_millis":7}"#;
        let record = ObjectRecord::from_json(object).unwrap();
        assert_eq!((record.key.as_str(), record.size), ("k", 3));
        assert!(record.to_json().starts_with(r#"{"v":1,"#));
        let bucket = BucketRecord::from_json(r#"{"owner":"o","created_millis":1}"#).unwrap();
        assert_eq!(bucket.owner, "o");
        assert!(BucketRecord::from_json(r#"{"v":1,"owner":"o","created_millis":1}"#).is_ok());
    }

    #[test]
    fn records_holding_their_bytes_are_version_two() {
        let record = ObjectRecord {
            key: "k".into(),
            size: 3,
            inline: Some(InlineBytes(b"a\x00z".to_vec())),
            ..ObjectRecord::default()
        };
        let json = record.to_json();
        assert!(json.starts_with(r#"{"v":2,"#), "{json}");
        assert!(json.contains(r#""d":"YQB6""#), "{json}");
        let read = ObjectRecord::from_json(&json).unwrap();
        assert_eq!(read.inline_bytes(None), Some(&b"a\x00z"[..]));
        assert_eq!(read.inline_bytes(Some((1, 2))), Some(&b"\x00z"[..]));
        assert!(read.blobs().is_empty() && read.pieces().is_empty());
        // Without its bytes (a copy made into a blob), the record is version 1 again.
        let plain = ObjectRecord {
            inline: None,
            blob: "blob/b/x".into(),
            ..read
        };
        assert!(plain.to_json().starts_with(r#"{"v":1,"#));
        let bad = json.replace("YQB6", "not base64!");
        assert!(ObjectRecord::from_json(&bad).is_err());
    }

    #[test]
    fn newer_versions_are_refused() {
        let newer = r#"{"v":4,"key":"k","blob":"b","size":3,"etag":"e","last_modified_millis":7}"#;
        let err = ObjectRecord::from_json(newer).unwrap_err().to_string();
        assert!(err.contains("record version 4"), "{err}");
        // Wherever the field sits, and on bucket records too.
        let late = r#"{"owner":"o","created_millis":1,"v":99}"#;
        assert!(BucketRecord::from_json(late).is_err());
        for bad in [r#""1""#, "0", "-1", "1.5", "null"] {
            let json = format!(r#"{{"v":{bad},"owner":"o","created_millis":1}}"#);
            assert!(BucketRecord::from_json(&json).is_err(), "{json}");
        }
    }

    #[test]
    fn garbage_is_refused_with_its_name() {
        let good = ObjectRecord::default().to_json();
        for bad in [
            String::new(),
            "not json".to_string(),
            format!("{good}}}"),
            good[..good.len() - 1].to_string(),
            r#"{"key":"k"}"#.to_string(),
            r#"{"key":"k","blob":"b","size":"three","etag":"e","last_modified_millis":7}"#
                .to_string(),
            "[]".to_string(),
        ] {
            let err = read_record::<ObjectRecord>("object/b/k", bad.as_bytes()).unwrap_err();
            assert_eq!(err.name, "object/b/k");
            assert!(
                err.to_string()
                    .starts_with("unreadable record object/b/k: "),
                "{err}"
            );
        }
        let err = crate::error::S3Error::from(Unreadable::new("bucket/b", "bad"));
        assert_eq!(err.code, crate::error::ErrorCode::InternalError);
        assert_eq!(err.message, "unreadable record bucket/b: bad");
    }
}
