//! S3 XML bodies, in and out, all through serde + quick-xml. Responses are plain Rust structs
//! with a `to_xml()` that writes the XML declaration, the 2006-03-01 namespace on the root, and
//! elements in the order AWS sends them (API Reference: ListBuckets, GetBucketLocation,
//! ListObjects, ListObjectsV2, ListObjectVersions, GetBucketVersioning, DeleteObjects,
//! CopyObject, CreateBucket). Requests are parsed with [`from_xml`], which keeps the
//! whitespace of leaf values (object keys may begin or end with spaces; quick-xml's
//! deserializer would trim them).
//!
//! Where an example in the AWS docs and a live S3 answer differ in element order, the live
//! answer is followed (e.g. `Owner` before `StorageClass` in `Contents`).

use std::borrow::Cow;
use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::se::{QuoteLevel, Serializer};
use quick_xml::Reader;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::checksum::ChecksumAlgorithm;
use crate::error::{ErrorCode, S3Error};

/// The namespace S3 puts on the root element of every response body.
pub const S3_XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Largest number of keys one DeleteObjects request may name.
pub const MAX_DELETE_OBJECTS: usize = 1000;

// ---------------------------------------------------------------------------------------------
// Shared helpers

/// Serializes a response struct: declaration, then the root named by its serde name (or
/// `root`), `&quot;`-style escaping as S3 writes it, empty elements as `<X></X>`.
pub fn to_xml<T: Serialize>(value: &T) -> String {
    write_xml(value, None, true)
}

pub(crate) fn write_xml<T: Serialize>(value: &T, root: Option<&str>, expand_empty: bool) -> String {
    let mut out = String::from(DECLARATION);
    let mut serializer = match root {
        Some(root) => Serializer::with_root(&mut out, Some(root))
            .expect("response root names are valid XML names"),
        None => Serializer::new(&mut out),
    };
    serializer.expand_empty_elements(expand_empty);
    serializer.set_quote_level(QuoteLevel::Full);
    value
        .serialize(serializer)
        .expect("response structs contain only strings, numbers and booleans");
    out
}

/// Parses a request body whose root element must be `root` (namespace prefix and attributes
/// are ignored). Anything that is not well-formed UTF-8 XML with that root, contains a DTD, or
/// does not fit `T` is MalformedXML.
pub fn from_xml<T: DeserializeOwned>(body: &[u8], root: &str) -> Result<T, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| malformed())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let protected = protect_leaf_whitespace(text, root)?;
    quick_xml::de::from_str(&protected).map_err(|_| malformed())
}

fn malformed() -> S3Error {
    S3Error::new(ErrorCode::MalformedXML)
}

/// Checks the document shape (one root named `root`, balanced, no DTD) and rewrites the
/// leading and trailing whitespace of every leaf element's text as character references.
/// quick-xml's deserializer trims raw text before unescaping it, so `&#32;` survives where a
/// literal space would not.
fn protect_leaf_whitespace(xml: &str, root: &str) -> Result<String, S3Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::with_capacity(xml.len() + 16);
    let mut copied = 0;
    let mut depth = 0usize;
    let mut seen_root = false;
    let mut after_start = false;
    // The span of a text that directly follows a start tag, until the next event shows
    // whether it is the whole content of a leaf element.
    let mut leaf_text: Option<(usize, usize)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|_| malformed())?;
        let after = reader.buffer_position() as usize;
        let pending = leaf_text.take();
        let is_start = matches!(event, Event::Start(_));
        match event {
            Event::Start(element) | Event::Empty(element) => {
                if depth == 0 {
                    if seen_root || element.local_name().as_ref() != root.as_bytes() {
                        return Err(malformed());
                    }
                    seen_root = true;
                }
                if is_start {
                    depth += 1;
                }
            }
            Event::End(_) => {
                if let Some((start, end)) = pending {
                    out.push_str(&xml[copied..start]);
                    push_protected(&mut out, &xml[start..end]);
                    copied = end;
                }
                depth = depth.checked_sub(1).ok_or_else(malformed)?;
            }
            Event::Text(text) => {
                if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) {
                    return Err(malformed());
                }
                if after_start {
                    leaf_text = Some((before, after));
                }
            }
            Event::DocType(_) => return Err(malformed()),
            Event::Eof => break,
            Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
        after_start = is_start;
    }
    if !seen_root || depth != 0 {
        return Err(malformed());
    }
    out.push_str(&xml[copied..]);
    Ok(out)
}

fn push_protected(out: &mut String, raw: &str) {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let body = raw.trim_matches(is_space);
    if body.is_empty() {
        raw.chars().for_each(|c| push_char_ref(out, c));
        return;
    }
    let lead = raw.len() - raw.trim_start_matches(is_space).len();
    let trail_start = lead + body.len();
    raw[..lead].chars().for_each(|c| push_char_ref(out, c));
    out.push_str(body);
    raw[trail_start..]
        .chars()
        .for_each(|c| push_char_ref(out, c));
}

fn push_char_ref(out: &mut String, c: char) {
    let _ = write!(out, "&#{};", c as u32);
}

/// A timestamp as S3 writes it in XML: `2009-10-12T17:50:30.000Z`.
pub fn iso8601(unix_millis: i64) -> String {
    const FORMAT: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    datetime(unix_millis)
        .format(FORMAT)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// A timestamp as an HTTP-date (`Last-Modified`): `Mon, 12 Oct 2009 17:50:30 GMT`.
pub fn http_date(unix_millis: i64) -> String {
    const FORMAT: &[BorrowedFormatItem<'static>] = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    datetime(unix_millis)
        .format(FORMAT)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 GMT".to_string())
}

fn datetime(unix_millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// An ETag with the double quotes S3 puts around it, added if missing.
pub fn quote_etag(etag: &str) -> String {
    if etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"') {
        etag.to_string()
    } else {
        format!("\"{etag}\"")
    }
}

/// Encodes a key (or prefix, delimiter, marker) for `encoding-type=url` answers as S3 does:
/// percent-encoding of every byte of the UTF-8 but the unreserved characters of RFC 3986
/// (ASCII letters, digits, `-`, `.`, `_`, `~`) and `/`. A space becomes `%20` (never `+`), so
/// `a b+c.txt` is answered as `a%20b%2Bc.txt` and `한글/x.txt` as `%ED%95%9C%EA%B8%80/x.txt`;
/// botocore decodes with `unquote_plus`, which reads both forms.
pub fn url_encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for &byte in key.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// A checksum as the one `Checksum<ALG>` element S3 writes for it.
#[derive(Serialize)]
pub(crate) enum ChecksumElement {
    #[serde(rename = "ChecksumCRC32")]
    Crc32(String),
    #[serde(rename = "ChecksumCRC32C")]
    Crc32c(String),
    #[serde(rename = "ChecksumCRC64NVME")]
    Crc64Nvme(String),
    #[serde(rename = "ChecksumSHA1")]
    Sha1(String),
    #[serde(rename = "ChecksumSHA256")]
    Sha256(String),
}

pub(crate) fn checksum_element(
    checksum: Option<(ChecksumAlgorithm, String)>,
) -> Option<ChecksumElement> {
    checksum.map(|(alg, value)| match alg {
        ChecksumAlgorithm::Crc32 => ChecksumElement::Crc32(value),
        ChecksumAlgorithm::Crc32c => ChecksumElement::Crc32c(value),
        ChecksumAlgorithm::Crc64Nvme => ChecksumElement::Crc64Nvme(value),
        ChecksumAlgorithm::Sha1 => ChecksumElement::Sha1(value),
        ChecksumAlgorithm::Sha256 => ChecksumElement::Sha256(value),
    })
}

// ---------------------------------------------------------------------------------------------
// ListBuckets

/// A bucket or object owner. S3 has stopped sending `DisplayName` in most regions; an empty
/// `display_name` leaves the element out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub display_name: String,
}

#[derive(Serialize)]
pub(crate) struct OwnerWire<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "DisplayName", skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
}

impl Owner {
    pub(crate) fn wire(&self) -> OwnerWire<'_> {
        OwnerWire {
            id: &self.id,
            display_name: Some(self.display_name.as_str()).filter(|n| !n.is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketEntry {
    pub name: String,
    pub creation_date_millis: i64,
    /// `BucketRegion`, which S3 sends when the request has at least one of the paging and
    /// filtering parameters (`max-buckets`, `continuation-token`, `prefix`, `bucket-region`).
    pub region: Option<String>,
}

/// The ListBuckets answer. `ContinuationToken` is written when more buckets remain, `Prefix`
/// when the request gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAllMyBucketsResult {
    pub owner: Owner,
    pub buckets: Vec<BucketEntry>,
    pub continuation_token: Option<String>,
    pub prefix: Option<String>,
}

#[derive(Serialize)]
#[serde(rename = "ListAllMyBucketsResult")]
struct ListAllMyBucketsWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Owner")]
    owner: OwnerWire<'a>,
    #[serde(rename = "Buckets")]
    buckets: BucketsWire<'a>,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    continuation_token: Option<&'a str>,
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none")]
    prefix: Option<&'a str>,
}

#[derive(Serialize)]
struct BucketsWire<'a> {
    #[serde(rename = "Bucket")]
    bucket: Vec<BucketWire<'a>>,
}

#[derive(Serialize)]
struct BucketWire<'a> {
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "CreationDate")]
    creation_date: String,
    #[serde(rename = "BucketRegion", skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

impl ListAllMyBucketsResult {
    pub fn to_xml(&self) -> String {
        to_xml(&ListAllMyBucketsWire {
            xmlns: S3_XMLNS,
            owner: self.owner.wire(),
            buckets: BucketsWire {
                bucket: self
                    .buckets
                    .iter()
                    .map(|b| BucketWire {
                        name: &b.name,
                        creation_date: iso8601(b.creation_date_millis),
                        region: b.region.as_deref(),
                    })
                    .collect(),
            },
            continuation_token: self.continuation_token.as_deref(),
            prefix: self.prefix.as_deref(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// GetBucketLocation

/// The GetBucketLocation answer. `None` and `us-east-1` are both the empty element, as S3
/// reports the us-east-1 region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationConstraint(pub Option<String>);

#[derive(Serialize)]
#[serde(rename = "LocationConstraint")]
struct LocationConstraintWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "$text", skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

impl LocationConstraint {
    pub fn to_xml(&self) -> String {
        let region = self
            .0
            .as_deref()
            .filter(|r| !r.is_empty() && *r != "us-east-1");
        // S3 writes this one as a self-closing element when empty.
        write_xml(
            &LocationConstraintWire {
                xmlns: S3_XMLNS,
                region,
            },
            None,
            false,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// ListObjects (v1) and ListObjectsV2

/// One `Contents` entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEntry {
    pub key: String,
    pub last_modified_millis: i64,
    /// With or without its quotes; written with them.
    pub etag: String,
    pub size: u64,
    pub storage_class: String,
    /// ListObjects (v1) always lists the owner; ListObjectsV2 only with `fetch-owner=true`.
    /// The caller decides by setting or clearing this.
    pub owner: Option<Owner>,
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// `FULL_OBJECT` or `COMPOSITE`, when a checksum algorithm is given.
    pub checksum_type: Option<String>,
}

/// The fields only one of ListObjects (v1) and ListObjectsV2 has: the version of the listing
/// API, not object versions (ListObjectVersions is [`ListVersionsResult`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListVersion {
    /// ListObjects. `NextMarker` is written only when the listing is truncated and a delimiter
    /// was given, as S3 does (without one, clients continue from the last `Key`).
    V1 {
        marker: String,
        next_marker: Option<String>,
    },
    /// ListObjectsV2. Tokens are opaque and never URL-encoded.
    V2 {
        continuation_token: Option<String>,
        next_continuation_token: Option<String>,
        start_after: Option<String>,
    },
}

/// The ListObjects/ListObjectsV2 answer. `KeyCount` (v2) is computed: keys plus common
/// prefixes. With `encoding_type` = `url`, `Key`, `Prefix`, `Delimiter`, `Marker`,
/// `NextMarker`, `StartAfter` and `CommonPrefixes/Prefix` are written through
/// [`url_encode_key`]. An empty delimiter is left out, as S3 does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBucketResult {
    pub name: String,
    pub prefix: String,
    pub delimiter: Option<String>,
    pub max_keys: u32,
    pub is_truncated: bool,
    pub encoding_type: Option<String>,
    pub contents: Vec<ObjectEntry>,
    pub common_prefixes: Vec<String>,
    pub version: ListVersion,
}

#[derive(Serialize)]
#[serde(rename = "ListBucketResult")]
struct ListBucketWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Prefix")]
    prefix: Cow<'a, str>,
    #[serde(rename = "Marker", skip_serializing_if = "Option::is_none")]
    marker: Option<Cow<'a, str>>,
    #[serde(rename = "NextMarker", skip_serializing_if = "Option::is_none")]
    next_marker: Option<Cow<'a, str>>,
    #[serde(rename = "StartAfter", skip_serializing_if = "Option::is_none")]
    start_after: Option<Cow<'a, str>>,
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    continuation_token: Option<&'a str>,
    #[serde(
        rename = "NextContinuationToken",
        skip_serializing_if = "Option::is_none"
    )]
    next_continuation_token: Option<&'a str>,
    #[serde(rename = "KeyCount", skip_serializing_if = "Option::is_none")]
    key_count: Option<usize>,
    #[serde(rename = "MaxKeys")]
    max_keys: u32,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    delimiter: Option<Cow<'a, str>>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'a str>,
    #[serde(rename = "IsTruncated")]
    is_truncated: bool,
    #[serde(rename = "Contents")]
    contents: Vec<ContentsWire<'a>>,
    #[serde(rename = "CommonPrefixes")]
    common_prefixes: Vec<CommonPrefixWire<'a>>,
}

#[derive(Serialize)]
struct ContentsWire<'a> {
    #[serde(rename = "Key")]
    key: Cow<'a, str>,
    #[serde(rename = "LastModified")]
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'static str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'a str>,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    owner: Option<OwnerWire<'a>>,
    #[serde(rename = "StorageClass")]
    storage_class: &'a str,
}

#[derive(Serialize)]
struct CommonPrefixWire<'a> {
    #[serde(rename = "Prefix")]
    prefix: Cow<'a, str>,
}

impl ListBucketResult {
    pub fn to_xml(&self) -> String {
        let url = self
            .encoding_type
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("url"));
        let enc = |s: &'_ str| -> String {
            if url {
                url_encode_key(s)
            } else {
                s.to_string()
            }
        };
        let enc = |s| Cow::<str>::Owned(enc(s));
        let delimiter = self.delimiter.as_deref().filter(|d| !d.is_empty());

        let mut wire = ListBucketWire {
            xmlns: S3_XMLNS,
            name: &self.name,
            prefix: enc(&self.prefix),
            marker: None,
            next_marker: None,
            start_after: None,
            continuation_token: None,
            next_continuation_token: None,
            key_count: None,
            max_keys: self.max_keys,
            delimiter: delimiter.map(enc),
            encoding_type: self.encoding_type.as_deref(),
            is_truncated: self.is_truncated,
            contents: self
                .contents
                .iter()
                .map(|o| ContentsWire {
                    key: enc(&o.key),
                    last_modified: iso8601(o.last_modified_millis),
                    etag: quote_etag(&o.etag),
                    checksum_algorithm: o.checksum_algorithm.map(ChecksumAlgorithm::as_str),
                    checksum_type: o.checksum_type.as_deref(),
                    size: o.size,
                    owner: o.owner.as_ref().map(Owner::wire),
                    storage_class: &o.storage_class,
                })
                .collect(),
            common_prefixes: self
                .common_prefixes
                .iter()
                .map(|p| CommonPrefixWire { prefix: enc(p) })
                .collect(),
        };
        match &self.version {
            ListVersion::V1 {
                marker,
                next_marker,
            } => {
                wire.marker = Some(enc(marker));
                if self.is_truncated && delimiter.is_some() {
                    wire.next_marker = next_marker.as_deref().map(enc);
                }
            }
            ListVersion::V2 {
                continuation_token,
                next_continuation_token,
                start_after,
            } => {
                wire.start_after = start_after.as_deref().map(enc);
                wire.continuation_token = continuation_token.as_deref();
                wire.next_continuation_token = next_continuation_token.as_deref();
                wire.key_count = Some(self.contents.len() + self.common_prefixes.len());
            }
        }
        to_xml(&wire)
    }
}

// ---------------------------------------------------------------------------------------------
// ListObjectVersions and GetBucketVersioning

/// One `Version` of a ListObjectVersions answer: a listed object and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// The object as ListObjects lists it (ListObjectVersions always sets the owner).
    pub object: ObjectEntry,
    /// `null` for an object written while the bucket was never versioned.
    pub version_id: String,
    pub is_latest: bool,
    /// A delete marker: written as `DeleteMarker` (key, id, latest, time and owner only).
    pub delete_marker: bool,
}

/// The ListObjectVersions answer (`ListVersionsResult`). Elements in the order S3 writes
/// them: Name, Prefix, KeyMarker, VersionIdMarker, NextKeyMarker and NextVersionIdMarker
/// (when truncated), MaxKeys, Delimiter, EncodingType, IsTruncated, then the versions and the
/// common prefixes. With `encoding_type` = `url`, `Prefix`, `KeyMarker`, `NextKeyMarker`,
/// `Delimiter`, `Key` and `CommonPrefixes/Prefix` are written through [`url_encode_key`];
/// version ids never are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListVersionsResult {
    pub name: String,
    pub prefix: String,
    pub key_marker: String,
    pub version_id_marker: String,
    pub next_key_marker: Option<String>,
    pub next_version_id_marker: Option<String>,
    pub max_keys: u32,
    pub delimiter: Option<String>,
    pub encoding_type: Option<String>,
    pub is_truncated: bool,
    pub versions: Vec<VersionEntry>,
    pub common_prefixes: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename = "ListVersionsResult")]
struct ListVersionsWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Prefix")]
    prefix: String,
    #[serde(rename = "KeyMarker")]
    key_marker: String,
    #[serde(rename = "VersionIdMarker")]
    version_id_marker: &'a str,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    next_key_marker: Option<String>,
    #[serde(
        rename = "NextVersionIdMarker",
        skip_serializing_if = "Option::is_none"
    )]
    next_version_id_marker: Option<&'a str>,
    #[serde(rename = "MaxKeys")]
    max_keys: u32,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'a str>,
    #[serde(rename = "IsTruncated")]
    is_truncated: bool,
    #[serde(rename = "$value")]
    versions: Vec<VersionRowWire<'a>>,
    #[serde(rename = "CommonPrefixes")]
    common_prefixes: Vec<CommonPrefixWire<'a>>,
}

/// `Version` and `DeleteMarker` elements, interleaved in listing order.
#[derive(Serialize)]
enum VersionRowWire<'a> {
    Version(VersionWire<'a>),
    DeleteMarker(DeleteMarkerWire<'a>),
}

#[derive(Serialize)]
struct DeleteMarkerWire<'a> {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId")]
    version_id: &'a str,
    #[serde(rename = "IsLatest")]
    is_latest: bool,
    #[serde(rename = "LastModified")]
    last_modified: String,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    owner: Option<OwnerWire<'a>>,
}

#[derive(Serialize)]
struct VersionWire<'a> {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId")]
    version_id: &'a str,
    #[serde(rename = "IsLatest")]
    is_latest: bool,
    #[serde(rename = "LastModified")]
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'static str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'a str>,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    owner: Option<OwnerWire<'a>>,
    #[serde(rename = "StorageClass")]
    storage_class: &'a str,
}

impl ListVersionsResult {
    pub fn to_xml(&self) -> String {
        let url = self
            .encoding_type
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("url"));
        let enc = |s: &str| {
            if url {
                url_encode_key(s)
            } else {
                s.to_string()
            }
        };
        to_xml(&ListVersionsWire {
            xmlns: S3_XMLNS,
            name: &self.name,
            prefix: enc(&self.prefix),
            key_marker: enc(&self.key_marker),
            version_id_marker: &self.version_id_marker,
            next_key_marker: self.next_key_marker.as_deref().map(enc),
            next_version_id_marker: self.next_version_id_marker.as_deref(),
            max_keys: self.max_keys,
            delimiter: self.delimiter.as_deref().filter(|d| !d.is_empty()).map(enc),
            encoding_type: self.encoding_type.as_deref(),
            is_truncated: self.is_truncated,
            versions: self
                .versions
                .iter()
                .map(|v| {
                    let o = &v.object;
                    if v.delete_marker {
                        return VersionRowWire::DeleteMarker(DeleteMarkerWire {
                            key: enc(&o.key),
                            version_id: &v.version_id,
                            is_latest: v.is_latest,
                            last_modified: iso8601(o.last_modified_millis),
                            owner: o.owner.as_ref().map(Owner::wire),
                        });
                    }
                    VersionRowWire::Version(VersionWire {
                        key: enc(&o.key),
                        version_id: &v.version_id,
                        is_latest: v.is_latest,
                        last_modified: iso8601(o.last_modified_millis),
                        etag: quote_etag(&o.etag),
                        checksum_algorithm: o.checksum_algorithm.map(ChecksumAlgorithm::as_str),
                        checksum_type: o.checksum_type.as_deref(),
                        size: o.size,
                        owner: o.owner.as_ref().map(Owner::wire),
                        storage_class: &o.storage_class,
                    })
                })
                .collect(),
            common_prefixes: self
                .common_prefixes
                .iter()
                .map(|p| CommonPrefixWire {
                    prefix: Cow::Owned(enc(p)),
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// DeleteObjects

/// A parsed DeleteObjects request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRequest {
    pub quiet: bool,
    /// The keys, in request order, entities decoded, whitespace kept.
    pub objects: Vec<String>,
    /// The `VersionId` given with each key, in the same order.
    pub version_ids: Vec<Option<String>>,
}

#[derive(Deserialize)]
struct DeleteWire {
    #[serde(rename = "Quiet", default)]
    quiet: Option<String>,
    #[serde(rename = "Object", default)]
    objects: Vec<ObjectIdentifierWire>,
}

#[derive(Deserialize)]
struct ObjectIdentifierWire {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId", default)]
    version_id: Option<String>,
}

/// Parses a DeleteObjects body. MalformedXML when it is not a `Delete` document, an `Object`
/// lacks its `Key`, `Quiet` is not a boolean, or it names no object or more than 1000.
pub fn parse_delete(body: &[u8]) -> Result<DeleteRequest, S3Error> {
    let wire: DeleteWire = from_xml(body, "Delete")?;
    let quiet = match wire.quiet.as_deref().map(str::trim) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => true,
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => false,
        Some(_) => return Err(malformed()),
    };
    if wire.objects.is_empty() || wire.objects.len() > MAX_DELETE_OBJECTS {
        return Err(malformed());
    }
    let version_ids = wire.objects.iter().map(|o| o.version_id.clone()).collect();
    Ok(DeleteRequest {
        quiet,
        objects: wire.objects.into_iter().map(|o| o.key).collect(),
        version_ids,
    })
}

#[derive(Serialize)]
#[serde(rename = "Delete")]
struct DeleteOutWire<'a> {
    #[serde(rename = "Quiet")]
    quiet: bool,
    #[serde(rename = "Object")]
    objects: Vec<ObjectIdentifierOutWire<'a>>,
}

#[derive(Serialize)]
struct ObjectIdentifierOutWire<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
}

/// A DeleteObjects body naming `objects` (key, version), the inverse of [`parse_delete`].
pub fn delete_request_xml(quiet: bool, objects: &[(&str, Option<&str>)]) -> String {
    to_xml(&DeleteOutWire {
        quiet,
        objects: objects
            .iter()
            .map(|(key, version_id)| ObjectIdentifierOutWire {
                key,
                version_id: *version_id,
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    pub key: String,
    pub version_id: Option<String>,
    pub delete_marker: Option<bool>,
    pub delete_marker_version_id: Option<String>,
}

impl Deleted {
    pub fn key(key: impl Into<String>) -> Deleted {
        Deleted {
            key: key.into(),
            version_id: None,
            delete_marker: None,
            delete_marker_version_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteError {
    pub key: String,
    /// The version the request named for the key, if any.
    pub version_id: Option<String>,
    pub code: String,
    pub message: String,
}

impl DeleteError {
    pub fn from_error(key: impl Into<String>, error: &S3Error) -> DeleteError {
        DeleteError {
            key: key.into(),
            version_id: None,
            code: error.code.as_str().to_string(),
            message: error.message.clone(),
        }
    }

    pub fn with_version(mut self, version_id: Option<String>) -> DeleteError {
        self.version_id = version_id;
        self
    }
}

/// The DeleteObjects answer. In quiet mode the caller leaves `deleted` empty (S3 then reports
/// only errors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteResult {
    pub deleted: Vec<Deleted>,
    pub errors: Vec<DeleteError>,
}

#[derive(Serialize)]
#[serde(rename = "DeleteResult")]
struct DeleteResultWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Deleted")]
    deleted: Vec<DeletedWire<'a>>,
    #[serde(rename = "Error")]
    errors: Vec<DeleteErrorWire<'a>>,
}

#[derive(Serialize)]
struct DeletedWire<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
    #[serde(rename = "DeleteMarker", skip_serializing_if = "Option::is_none")]
    delete_marker: Option<bool>,
    #[serde(
        rename = "DeleteMarkerVersionId",
        skip_serializing_if = "Option::is_none"
    )]
    delete_marker_version_id: Option<&'a str>,
}

#[derive(Serialize)]
struct DeleteErrorWire<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "VersionId", skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
    #[serde(rename = "Code")]
    code: &'a str,
    #[serde(rename = "Message")]
    message: &'a str,
}

#[derive(Deserialize)]
struct DeleteResultInWire {
    #[serde(rename = "Deleted", default)]
    deleted: Vec<DeletedInWire>,
    #[serde(rename = "Error", default)]
    errors: Vec<DeleteErrorInWire>,
}

#[derive(Deserialize)]
struct DeletedInWire {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId", default)]
    version_id: Option<String>,
    #[serde(rename = "DeleteMarker", default)]
    delete_marker: Option<bool>,
    #[serde(rename = "DeleteMarkerVersionId", default)]
    delete_marker_version_id: Option<String>,
}

#[derive(Deserialize)]
struct DeleteErrorInWire {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId", default)]
    version_id: Option<String>,
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

impl DeleteResult {
    /// Reads back an answer [`Self::to_xml`] wrote (a part of a request answered by another
    /// invocation, `auth::delegated`).
    pub fn from_xml(body: &[u8]) -> Result<DeleteResult, S3Error> {
        let wire: DeleteResultInWire = from_xml(body, "DeleteResult")?;
        Ok(DeleteResult {
            deleted: wire
                .deleted
                .into_iter()
                .map(|d| Deleted {
                    key: d.key,
                    version_id: d.version_id,
                    delete_marker: d.delete_marker,
                    delete_marker_version_id: d.delete_marker_version_id,
                })
                .collect(),
            errors: wire
                .errors
                .into_iter()
                .map(|e| DeleteError {
                    key: e.key,
                    version_id: e.version_id,
                    code: e.code,
                    message: e.message,
                })
                .collect(),
        })
    }

    pub fn to_xml(&self) -> String {
        to_xml(&DeleteResultWire {
            xmlns: S3_XMLNS,
            deleted: self
                .deleted
                .iter()
                .map(|d| DeletedWire {
                    key: &d.key,
                    version_id: d.version_id.as_deref(),
                    delete_marker: d.delete_marker,
                    delete_marker_version_id: d.delete_marker_version_id.as_deref(),
                })
                .collect(),
            errors: self
                .errors
                .iter()
                .map(|e| DeleteErrorWire {
                    key: &e.key,
                    version_id: e.version_id.as_deref(),
                    code: &e.code,
                    message: &e.message,
                })
                .collect(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// CreateBucket

#[derive(Deserialize)]
struct CreateBucketConfigurationWire {
    #[serde(rename = "LocationConstraint", default)]
    location_constraint: Option<String>,
}

/// Parses a CreateBucket body: its `LocationConstraint`, trimmed; `None` for an empty body or
/// an absent or empty element. MalformedXML for anything else that is not a
/// `CreateBucketConfiguration` document.
pub fn parse_create_bucket(body: &[u8]) -> Result<Option<String>, S3Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let wire: CreateBucketConfigurationWire = from_xml(body, "CreateBucketConfiguration")?;
    Ok(wire
        .location_constraint
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty()))
}

// ---------------------------------------------------------------------------------------------
// CopyObject / UploadPartCopy

/// The CopyObject answer (and, through [`CopyObjectResult::to_part_xml`], UploadPartCopy's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObjectResult {
    pub etag: String,
    pub last_modified_millis: i64,
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

#[derive(Serialize)]
struct CopyResultWire {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "LastModified")]
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "$value", skip_serializing_if = "Option::is_none")]
    checksum: Option<ChecksumElement>,
}

impl CopyObjectResult {
    pub fn to_xml(&self) -> String {
        write_xml(&self.wire(), Some("CopyObjectResult"), true)
    }

    /// The same shape under `CopyPartResult`, as UploadPartCopy answers.
    pub fn to_part_xml(&self) -> String {
        write_xml(&self.wire(), Some("CopyPartResult"), true)
    }

    fn wire(&self) -> CopyResultWire {
        CopyResultWire {
            xmlns: S3_XMLNS,
            last_modified: iso8601(self.last_modified_millis),
            etag: quote_etag(&self.etag),
            checksum: checksum_element(self.checksum.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const NS: &str = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
    // 2009-10-12T17:50:30.000Z, the timestamp of the AWS examples.
    const T: i64 = 1_255_369_830_000;

    fn owner() -> Owner {
        Owner {
            id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a".into(),
            display_name: "mtd@amazon.com".into(),
        }
    }

    fn entry(key: &str) -> ObjectEntry {
        ObjectEntry {
            key: key.into(),
            last_modified_millis: T,
            etag: "fba9dede5f27731c9771645a39863328".into(),
            size: 434234,
            storage_class: "STANDARD".into(),
            owner: None,
            checksum_algorithm: None,
            checksum_type: None,
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(iso8601(T), "2009-10-12T17:50:30.000Z");
        assert_eq!(iso8601(T + 7), "2009-10-12T17:50:30.007Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(http_date(T), "Mon, 12 Oct 2009 17:50:30 GMT");
        assert_eq!(http_date(T + 999), "Mon, 12 Oct 2009 17:50:30 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        // Out of the representable range: falls back to the epoch instead of panicking.
        assert_eq!(iso8601(i64::MAX), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn etag_quoting() {
        assert_eq!(quote_etag("abc"), "\"abc\"");
        assert_eq!(quote_etag("\"abc\""), "\"abc\"");
        assert_eq!(quote_etag("\""), "\"\"\"");
    }

    /// `encoding-type=url`: RFC 3986 percent-encoding, `/` kept (see `url_encode_key`).
    #[test]
    fn url_encoding_of_keys() {
        let cases = [
            ("a b.txt", "a%20b.txt"),
            ("a+b.txt", "a%2Bb.txt"),
            ("100%.csv", "100%25.csv"),
            ("한글/x.txt", "%ED%95%9C%EA%B8%80/x.txt"),
            ("run books/", "run%20books/"),
            ("photos/2006/", "photos/2006/"),
            ("A-Z_a.z~0*9", "A-Z_a.z~0%2A9"),
            ("k=v&x?#", "k%3Dv%26x%3F%23"),
            ("<tom & 'jerry'>\"", "%3Ctom%20%26%20%27jerry%27%3E%22"),
            ("\u{1}\n<>", "%01%0A%3C%3E"),
            ("", ""),
        ];
        for (key, expected) in cases {
            assert_eq!(url_encode_key(key), expected, "{key:?}");
        }
        // Every byte but the unreserved ones and `/` is encoded, and only once.
        for byte in 0u8..=127 {
            let c = char::from(byte);
            let kept = c.is_ascii_alphanumeric() || "-._~/".contains(c);
            let expected = if kept {
                c.to_string()
            } else {
                format!("%{byte:02X}")
            };
            assert_eq!(url_encode_key(&c.to_string()), expected, "{c:?}");
        }
    }

    #[test]
    fn list_all_my_buckets() {
        let result = ListAllMyBucketsResult {
            owner: owner(),
            buckets: vec![
                BucketEntry {
                    name: "quotes".into(),
                    creation_date_millis: 1_138_985_109_000,
                    region: None,
                },
                BucketEntry {
                    name: "samples".into(),
                    creation_date_millis: 1_139_041_518_000,
                    region: None,
                },
            ],
            continuation_token: None,
            prefix: None,
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListAllMyBucketsResult {NS}>\
                 <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\
                 <DisplayName>mtd@amazon.com</DisplayName></Owner>\
                 <Buckets>\
                 <Bucket><Name>quotes</Name><CreationDate>2006-02-03T16:45:09.000Z</CreationDate></Bucket>\
                 <Bucket><Name>samples</Name><CreationDate>2006-02-04T08:25:18.000Z</CreationDate></Bucket>\
                 </Buckets></ListAllMyBucketsResult>"
            )
        );

        let empty = ListAllMyBucketsResult {
            owner: Owner {
                id: "o".into(),
                display_name: String::new(),
            },
            buckets: vec![],
            continuation_token: None,
            prefix: None,
        };
        assert_eq!(
            empty.to_xml(),
            format!(
                "{DECL}<ListAllMyBucketsResult {NS}><Owner><ID>o</ID></Owner>\
                 <Buckets></Buckets></ListAllMyBucketsResult>"
            )
        );

        // A page of a paged listing: regions, the token for the next page, the prefix.
        let page = ListAllMyBucketsResult {
            owner: Owner {
                id: "o".into(),
                display_name: String::new(),
            },
            buckets: vec![BucketEntry {
                name: "logs-a&b".into(),
                creation_date_millis: 1_138_985_109_000,
                region: Some("eu-west-1".into()),
            }],
            continuation_token: Some("dG9r+/=".into()),
            prefix: Some("logs-".into()),
        };
        assert_eq!(
            page.to_xml(),
            format!(
                "{DECL}<ListAllMyBucketsResult {NS}><Owner><ID>o</ID></Owner>\
                 <Buckets><Bucket><Name>logs-a&amp;b</Name><CreationDate>2006-02-03T16:45:09.000Z</CreationDate>\
                 <BucketRegion>eu-west-1</BucketRegion></Bucket></Buckets>\
                 <ContinuationToken>dG9r+/=</ContinuationToken><Prefix>logs-</Prefix>\
                 </ListAllMyBucketsResult>"
            )
        );
    }

    #[test]
    fn location_constraint() {
        assert_eq!(
            LocationConstraint(Some("us-west-2".into())).to_xml(),
            format!("{DECL}<LocationConstraint {NS}>us-west-2</LocationConstraint>")
        );
        for empty in [None, Some("us-east-1".to_string()), Some(String::new())] {
            assert_eq!(
                LocationConstraint(empty).to_xml(),
                format!("{DECL}<LocationConstraint {NS}/>")
            );
        }
    }

    #[test]
    fn list_objects_v1() {
        let mut with_owner = entry("my-image.jpg");
        with_owner.owner = Some(owner());
        let result = ListBucketResult {
            name: "bucket".into(),
            prefix: String::new(),
            delimiter: None,
            max_keys: 1000,
            is_truncated: false,
            encoding_type: None,
            contents: vec![with_owner],
            common_prefixes: vec![],
            version: ListVersion::V1 {
                marker: String::new(),
                next_marker: Some("ignored without delimiter".into()),
            },
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListBucketResult {NS}><Name>bucket</Name><Prefix></Prefix><Marker></Marker>\
                 <MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>\
                 <Contents><Key>my-image.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
                 <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\
                 <DisplayName>mtd@amazon.com</DisplayName></Owner><StorageClass>STANDARD</StorageClass>\
                 </Contents></ListBucketResult>"
            )
        );
    }

    #[test]
    fn list_objects_v1_truncated_with_delimiter_and_url_encoding() {
        let mut object = entry("photos/a b+c.jpg");
        object.owner = Some(Owner {
            id: "o".into(),
            display_name: String::new(),
        });
        object.checksum_algorithm = Some(ChecksumAlgorithm::Crc64Nvme);
        object.checksum_type = Some("FULL_OBJECT".into());
        let result = ListBucketResult {
            name: "example-bucket".into(),
            prefix: "photos/".into(),
            delimiter: Some("/".into()),
            max_keys: 2,
            is_truncated: true,
            encoding_type: Some("url".into()),
            contents: vec![object],
            common_prefixes: vec!["photos/2006 x/".into()],
            version: ListVersion::V1 {
                marker: "photos/a a".into(),
                next_marker: Some("photos/2006 x/".into()),
            },
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListBucketResult {NS}><Name>example-bucket</Name><Prefix>photos/</Prefix>\
                 <Marker>photos/a%20a</Marker><NextMarker>photos/2006%20x/</NextMarker>\
                 <MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><EncodingType>url</EncodingType>\
                 <IsTruncated>true</IsTruncated>\
                 <Contents><Key>photos/a%20b%2Bc.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>\
                 <ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>\
                 <Size>434234</Size><Owner><ID>o</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>\
                 <CommonPrefixes><Prefix>photos/2006%20x/</Prefix></CommonPrefixes></ListBucketResult>"
            )
        );
    }

    #[test]
    fn list_objects_v2() {
        let result = ListBucketResult {
            name: "bucket".into(),
            prefix: String::new(),
            delimiter: Some("/".into()),
            max_keys: 1000,
            is_truncated: true,
            encoding_type: None,
            contents: vec![entry("sample.jpg")],
            common_prefixes: vec!["photos/".into()],
            version: ListVersion::V2 {
                continuation_token: Some("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=".into()),
                next_continuation_token: Some("next+/=".into()),
                start_after: None,
            },
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListBucketResult {NS}><Name>bucket</Name><Prefix></Prefix>\
                 <ContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</ContinuationToken>\
                 <NextContinuationToken>next+/=</NextContinuationToken>\
                 <KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>\
                 <IsTruncated>true</IsTruncated>\
                 <Contents><Key>sample.jpg</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
                 <StorageClass>STANDARD</StorageClass></Contents>\
                 <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes></ListBucketResult>"
            )
        );
    }

    #[test]
    fn list_objects_v2_start_after_encoded_tokens_not() {
        let result = ListBucketResult {
            name: "quotes".into(),
            prefix: "E x".into(),
            delimiter: Some(String::new()),
            max_keys: 3,
            is_truncated: false,
            encoding_type: Some("url".into()),
            contents: vec![],
            common_prefixes: vec![],
            version: ListVersion::V2 {
                continuation_token: Some("a b".into()),
                next_continuation_token: None,
                start_after: Some("Example Guide.pdf".into()),
            },
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListBucketResult {NS}><Name>quotes</Name><Prefix>E%20x</Prefix>\
                 <StartAfter>Example%20Guide.pdf</StartAfter><ContinuationToken>a b</ContinuationToken>\
                 <KeyCount>0</KeyCount><MaxKeys>3</MaxKeys><EncodingType>url</EncodingType>\
                 <IsTruncated>false</IsTruncated></ListBucketResult>"
            )
        );
    }

    #[test]
    fn keys_are_escaped_without_encoding_type() {
        let result = ListBucketResult {
            name: "b".into(),
            prefix: "a&b".into(),
            delimiter: None,
            max_keys: 1,
            is_truncated: false,
            encoding_type: None,
            contents: vec![entry("<tom & 'jerry'>\"")],
            common_prefixes: vec![],
            version: ListVersion::V2 {
                continuation_token: None,
                next_continuation_token: None,
                start_after: None,
            },
        };
        let xml = result.to_xml();
        assert!(xml.contains("<Prefix>a&amp;b</Prefix>"), "{xml}");
        assert!(
            xml.contains("<Key>&lt;tom &amp; &apos;jerry&apos;&gt;&quot;</Key>"),
            "{xml}"
        );
    }

    #[test]
    fn list_versions_result() {
        let mut object = entry("my-image.jpg");
        object.owner = Some(owner());
        let result = ListVersionsResult {
            name: "bucket".into(),
            prefix: "my".into(),
            key_marker: String::new(),
            version_id_marker: String::new(),
            next_key_marker: None,
            next_version_id_marker: None,
            max_keys: 5,
            delimiter: None,
            encoding_type: None,
            is_truncated: false,
            versions: vec![VersionEntry {
                object,
                version_id: "null".into(),
                is_latest: true,
                delete_marker: false,
            }],
            common_prefixes: vec![],
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListVersionsResult {NS}><Name>bucket</Name><Prefix>my</Prefix>\
                 <KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>\
                 <MaxKeys>5</MaxKeys><IsTruncated>false</IsTruncated>\
                 <Version><Key>my-image.jpg</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>\
                 <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
                 <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\
                 <DisplayName>mtd@amazon.com</DisplayName></Owner><StorageClass>STANDARD</StorageClass>\
                 </Version></ListVersionsResult>"
            )
        );
    }

    #[test]
    fn list_versions_result_truncated_delimited_and_url_encoded() {
        let mut object = entry("photos/a b+c.jpg");
        object.owner = Some(Owner {
            id: "o".into(),
            display_name: String::new(),
        });
        object.checksum_algorithm = Some(ChecksumAlgorithm::Crc32);
        object.checksum_type = Some("FULL_OBJECT".into());
        let result = ListVersionsResult {
            name: "b".into(),
            prefix: "photos/".into(),
            key_marker: "photos/a a".into(),
            version_id_marker: "null".into(),
            next_key_marker: Some("photos/é x/".into()),
            next_version_id_marker: None,
            max_keys: 2,
            delimiter: Some(" ".into()),
            encoding_type: Some("url".into()),
            is_truncated: true,
            versions: vec![VersionEntry {
                object,
                version_id: "null".into(),
                is_latest: true,
                delete_marker: false,
            }],
            common_prefixes: vec!["photos/é x/".into()],
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<ListVersionsResult {NS}><Name>b</Name><Prefix>photos/</Prefix>\
                 <KeyMarker>photos/a%20a</KeyMarker><VersionIdMarker>null</VersionIdMarker>\
                 <NextKeyMarker>photos/%C3%A9%20x/</NextKeyMarker>\
                 <MaxKeys>2</MaxKeys><Delimiter>%20</Delimiter><EncodingType>url</EncodingType>\
                 <IsTruncated>true</IsTruncated>\
                 <Version><Key>photos/a%20b%2Bc.jpg</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>\
                 <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>\
                 <ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>\
                 <Size>434234</Size><Owner><ID>o</ID></Owner><StorageClass>STANDARD</StorageClass></Version>\
                 <CommonPrefixes><Prefix>photos/%C3%A9%20x/</Prefix></CommonPrefixes></ListVersionsResult>"
            )
        );
        // Without encoding-type, the same names are only XML-escaped.
        let plain = ListVersionsResult {
            encoding_type: None,
            next_version_id_marker: Some("null".into()),
            key_marker: "a&b".into(),
            ..result
        };
        let xml = plain.to_xml();
        assert!(xml.contains("<KeyMarker>a&amp;b</KeyMarker>"), "{xml}");
        assert!(xml.contains("<Key>photos/a b+c.jpg</Key>"), "{xml}");
        assert!(
            xml.contains("<NextKeyMarker>photos/é x/</NextKeyMarker><NextVersionIdMarker>null</NextVersionIdMarker>"),
            "{xml}"
        );
        assert!(!xml.contains("EncodingType"), "{xml}");
    }

    #[test]
    fn delete_result() {
        let result = DeleteResult {
            deleted: vec![
                Deleted::key("sample1.txt"),
                Deleted {
                    key: "a&b".into(),
                    version_id: Some("v1".into()),
                    delete_marker: Some(true),
                    delete_marker_version_id: Some("v2".into()),
                },
            ],
            errors: vec![
                DeleteError::from_error("sample2.txt", &S3Error::new(ErrorCode::AccessDenied)),
                DeleteError::from_error("k", &S3Error::new(ErrorCode::NoSuchVersion))
                    .with_version(Some("abc".into())),
            ],
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<DeleteResult {NS}><Deleted><Key>sample1.txt</Key></Deleted>\
                 <Deleted><Key>a&amp;b</Key><VersionId>v1</VersionId><DeleteMarker>true</DeleteMarker>\
                 <DeleteMarkerVersionId>v2</DeleteMarkerVersionId></Deleted>\
                 <Error><Key>sample2.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>\
                 <Error><Key>k</Key><VersionId>abc</VersionId><Code>NoSuchVersion</Code>\
                 <Message>The specified version does not exist.</Message></Error>\
                 </DeleteResult>"
            )
        );
        assert_eq!(
            DeleteResult::default().to_xml(),
            format!("{DECL}<DeleteResult {NS}></DeleteResult>")
        );
        assert_eq!(
            DeleteResult::from_xml(result.to_xml().as_bytes()),
            Ok(result)
        );
        assert_eq!(
            DeleteResult::from_xml(DeleteResult::default().to_xml().as_bytes()),
            Ok(DeleteResult::default())
        );
        let err = DeleteResult::from_xml(b"<Error><Code>InternalError</Code></Error>");
        assert_eq!(err.map_err(|e| e.code), Err(ErrorCode::MalformedXML));
    }

    #[test]
    fn delete_request_round_trip() {
        let objects = [("a&b", None), (" spaced key ", Some("v1")), ("<k>", None)];
        let xml = delete_request_xml(true, &objects);
        let parsed = parse_delete(xml.as_bytes()).expect("parses");
        assert!(parsed.quiet);
        assert_eq!(parsed.objects, ["a&b", " spaced key ", "<k>"]);
        assert_eq!(parsed.version_ids, [None, Some("v1".to_string()), None]);
        assert!(
            !parse_delete(delete_request_xml(false, &objects).as_bytes())
                .unwrap()
                .quiet
        );
    }

    #[test]
    fn copy_object_result() {
        let result = CopyObjectResult {
            etag: "9b2cf535f27731c974343645a3985328".into(),
            last_modified_millis: T,
            checksum: None,
        };
        assert_eq!(
            result.to_xml(),
            format!(
                "{DECL}<CopyObjectResult {NS}><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag></CopyObjectResult>"
            )
        );
        let result = CopyObjectResult {
            checksum: Some((ChecksumAlgorithm::Crc32, "i9aeUg==".into())),
            ..result
        };
        assert_eq!(
            result.to_part_xml(),
            format!(
                "{DECL}<CopyPartResult {NS}><LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>\
                 <ChecksumCRC32>i9aeUg==</ChecksumCRC32></CopyPartResult>"
            )
        );
    }

    #[test]
    fn parse_delete_good_bodies() {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete {NS}>\n  \
             <Object>\n    <Key>sample1.txt</Key>\n  </Object>\n  \
             <Object><Key>a &amp; b&#x41;&lt;</Key><VersionId>v</VersionId></Object>\n  \
             <Object><Key> spaced key\t</Key></Object>\n  \
             <Object><Key>  </Key></Object>\n  \
             <Object><Key><![CDATA[ <cdata> ]]></Key></Object>\n  \
             <Quiet>true</Quiet>\n</Delete>\n"
        );
        let parsed = parse_delete(body.as_bytes()).unwrap();
        assert_eq!(
            parsed,
            DeleteRequest {
                quiet: true,
                objects: vec![
                    "sample1.txt".into(),
                    "a & bA<".into(),
                    " spaced key\t".into(),
                    "  ".into(),
                    " <cdata> ".into(),
                ],
                version_ids: vec![None, Some("v".into()), None, None, None],
            }
        );

        // Quiet first, no namespace, no declaration, Quiet false.
        let parsed =
            parse_delete(b"<Delete><Quiet>False</Quiet><Object><Key>k</Key></Object></Delete>")
                .unwrap();
        assert_eq!(
            parsed,
            DeleteRequest {
                quiet: false,
                objects: vec!["k".into()],
                version_ids: vec![None],
            }
        );
        // Quiet absent.
        let parsed = parse_delete(b"<Delete><Object><Key>k</Key></Object></Delete>").unwrap();
        assert!(!parsed.quiet);

        let thousand: String = (0..1000)
            .map(|i| format!("<Object><Key>k{i}</Key></Object>"))
            .collect();
        let parsed = parse_delete(format!("<Delete>{thousand}</Delete>").as_bytes()).unwrap();
        assert_eq!(parsed.objects.len(), 1000);
        assert_eq!(parsed.objects[999], "k999");
    }

    #[test]
    fn parse_delete_bad_bodies() {
        let too_many: String = (0..1001)
            .map(|i| format!("<Object><Key>k{i}</Key></Object>"))
            .collect();
        let too_many = format!("<Delete>{too_many}</Delete>");
        let bad: Vec<&[u8]> = vec![
            b"",
            b"   ",
            b"not xml",
            b"<Delete></Delete>",
            b"<Delete/>",
            b"<Delete><Quiet>true</Quiet></Delete>",
            b"<Delete><Object><Key>k</Key></Object>",
            b"<Delete><Object><Key>k</Object></Key></Delete>",
            b"<Delete><Object></Object></Delete>",
            b"<Delete><Object><VersionId>v</VersionId></Object></Delete>",
            b"<Delete><Object><Key>k</Key></Object><Quiet>maybe</Quiet></Delete>",
            b"<Remove><Object><Key>k</Key></Object></Remove>",
            b"<Delete><Object><Key>k</Key></Object></Delete><Delete/>",
            b"<Delete><Object><Key>k</Key></Object></Delete>trailing",
            b"<Delete><Object><Key>&unknown;</Key></Object></Delete>",
            b"<!DOCTYPE d [<!ENTITY e \"x\">]><Delete><Object><Key>&e;</Key></Object></Delete>",
            b"<Delete><Object><Key>\xff\xfe</Key></Object></Delete>",
            too_many.as_bytes(),
        ];
        for body in bad {
            let err = parse_delete(body).unwrap_err();
            assert_eq!(
                err.code,
                ErrorCode::MalformedXML,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn parse_create_bucket_bodies() {
        assert_eq!(parse_create_bucket(b"").unwrap(), None);
        assert_eq!(parse_create_bucket(b" \r\n").unwrap(), None);
        let body = format!(
            "<CreateBucketConfiguration {NS}>\n  <LocationConstraint>eu-west-1</LocationConstraint>\n\
             </CreateBucketConfiguration>"
        );
        assert_eq!(
            parse_create_bucket(body.as_bytes()).unwrap().as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            parse_create_bucket(b"<CreateBucketConfiguration/>").unwrap(),
            None
        );
        assert_eq!(
            parse_create_bucket(
                b"<CreateBucketConfiguration><LocationConstraint></LocationConstraint></CreateBucketConfiguration>"
            )
            .unwrap(),
            None
        );
        // Elements it does not use (directory buckets' Location/Bucket) are accepted.
        assert_eq!(
            parse_create_bucket(
                b"<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint>\
                  <Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>"
            )
            .unwrap()
            .as_deref(),
            Some("us-west-2")
        );
        for bad in [
            &b"<CreateBucketConfiguration>"[..],
            b"<LocationConstraint>us-west-2</LocationConstraint>",
            b"garbage",
            b"<CreateBucketConfiguration><LocationConstraint><x/></LocationConstraint></CreateBucketConfiguration>",
        ] {
            assert_eq!(
                parse_create_bucket(bad).unwrap_err().code,
                ErrorCode::MalformedXML,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn whitespace_protection_only_touches_leaf_text() {
        let xml = "<a>\n <b> x </b>\n <c/>\n <d>\n  <e>\t</e>\n </d>\n</a>";
        assert_eq!(
            protect_leaf_whitespace(xml, "a").unwrap(),
            "<a>\n <b>&#32;x&#32;</b>\n <c/>\n <d>\n  <e>&#9;</e>\n </d>\n</a>"
        );
        assert_eq!(
            protect_leaf_whitespace("<a><b>x</b></a>", "a").unwrap(),
            "<a><b>x</b></a>"
        );
        // A comment between the text and the end tag leaves the text alone.
        assert_eq!(
            protect_leaf_whitespace("<a><b> x<!--c--></b></a>", "a").unwrap(),
            "<a><b> x<!--c--></b></a>"
        );
    }
}
