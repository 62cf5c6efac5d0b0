//! The XML bodies of multipart uploads, in and out: InitiateMultipartUploadResult,
//! CompleteMultipartUpload (request) and its result, ListPartsResult and
//! ListMultipartUploadsResult. Follows the S3 API Reference pages of those operations.

use serde::{Deserialize, Serialize};

use crate::checksum::ChecksumAlgorithm;
use crate::error::{ErrorCode, S3Error};
use crate::xml::{
    self, checksum_element, iso8601, quote_etag, url_encode_key, ChecksumElement, Owner, OwnerWire,
    S3_XMLNS,
};

#[derive(Serialize)]
struct InitiateWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "UploadId")]
    upload_id: &'a str,
}

/// The CreateMultipartUpload answer.
pub fn initiate_result(bucket: &str, key: &str, upload_id: &str) -> String {
    xml::write_xml(
        &InitiateWire {
            xmlns: S3_XMLNS,
            bucket,
            key,
            upload_id,
        },
        Some("InitiateMultipartUploadResult"),
        true,
    )
}

/// One part named by a CompleteMultipartUpload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedPart {
    pub number: u16,
    /// Without quotes.
    pub etag: String,
    /// A `Checksum<ALG>` given for the part: (algorithm, base64).
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

#[derive(Deserialize)]
struct CompleteWire {
    #[serde(rename = "Part", default)]
    parts: Vec<PartWire>,
}

#[derive(Deserialize)]
struct PartWire {
    #[serde(rename = "PartNumber")]
    number: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "ChecksumCRC32")]
    crc32: Option<String>,
    #[serde(rename = "ChecksumCRC32C")]
    crc32c: Option<String>,
    #[serde(rename = "ChecksumCRC64NVME")]
    crc64nvme: Option<String>,
    #[serde(rename = "ChecksumSHA1")]
    sha1: Option<String>,
    #[serde(rename = "ChecksumSHA256")]
    sha256: Option<String>,
}

/// Parses a CompleteMultipartUpload body: MalformedXML unless it names at least one part, each
/// with a number and an ETag.
pub fn parse_complete(body: &[u8]) -> Result<Vec<RequestedPart>, S3Error> {
    let wire: CompleteWire = xml::from_xml(body, "CompleteMultipartUpload")?;
    if wire.parts.is_empty() {
        return Err(S3Error::new(ErrorCode::MalformedXML));
    }
    wire.parts
        .into_iter()
        .map(|p| {
            let number = p
                .number
                .trim()
                .parse::<u16>()
                .map_err(|_| S3Error::new(ErrorCode::MalformedXML))?;
            let checksum = [
                (ChecksumAlgorithm::Crc32, p.crc32),
                (ChecksumAlgorithm::Crc32c, p.crc32c),
                (ChecksumAlgorithm::Crc64Nvme, p.crc64nvme),
                (ChecksumAlgorithm::Sha1, p.sha1),
                (ChecksumAlgorithm::Sha256, p.sha256),
            ]
            .into_iter()
            .find_map(|(alg, v)| v.map(|v| (alg, v.trim().to_string())));
            Ok(RequestedPart {
                number,
                etag: p.etag.trim().trim_matches('"').to_string(),
                checksum,
            })
        })
        .collect()
}

#[derive(Serialize)]
struct CompleteResultWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Location")]
    location: &'a str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "$value", skip_serializing_if = "Option::is_none")]
    checksum: Option<ChecksumElement>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'a str>,
}

/// The CompleteMultipartUpload answer.
pub struct CompleteResult<'a> {
    pub location: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    pub etag: &'a str,
    pub checksum: Option<(ChecksumAlgorithm, String)>,
    pub checksum_type: Option<&'a str>,
}

impl CompleteResult<'_> {
    pub fn to_xml(&self) -> String {
        xml::write_xml(
            &CompleteResultWire {
                xmlns: S3_XMLNS,
                location: self.location,
                bucket: self.bucket,
                key: self.key,
                etag: quote_etag(self.etag),
                checksum: checksum_element(self.checksum.clone()),
                checksum_type: self.checksum_type,
            },
            Some("CompleteMultipartUploadResult"),
            true,
        )
    }
}

/// A stored part as ListParts shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPart {
    pub number: u16,
    pub last_modified_millis: i64,
    pub etag: String,
    pub size: u64,
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// The ListParts answer.
pub struct ListPartsResult<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: &'a str,
    pub owner: Owner,
    pub storage_class: &'a str,
    pub part_number_marker: u16,
    pub next_part_number_marker: Option<u16>,
    pub max_parts: usize,
    pub is_truncated: bool,
    pub parts: Vec<ListedPart>,
    pub checksum_algorithm: Option<&'a str>,
    pub checksum_type: Option<&'a str>,
}

#[derive(Serialize)]
struct ListPartsWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "UploadId")]
    upload_id: &'a str,
    #[serde(rename = "Initiator")]
    initiator: OwnerWire<'a>,
    #[serde(rename = "Owner")]
    owner: OwnerWire<'a>,
    #[serde(rename = "StorageClass")]
    storage_class: &'a str,
    #[serde(rename = "PartNumberMarker")]
    part_number_marker: u16,
    #[serde(
        rename = "NextPartNumberMarker",
        skip_serializing_if = "Option::is_none"
    )]
    next_part_number_marker: Option<u16>,
    #[serde(rename = "MaxParts")]
    max_parts: usize,
    #[serde(rename = "IsTruncated")]
    is_truncated: bool,
    #[serde(rename = "Part")]
    parts: Vec<PartOutWire>,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'a str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'a str>,
}

#[derive(Serialize)]
struct PartOutWire {
    #[serde(rename = "PartNumber")]
    number: u16,
    #[serde(rename = "LastModified")]
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "$value", skip_serializing_if = "Option::is_none")]
    checksum: Option<ChecksumElement>,
}

impl ListPartsResult<'_> {
    pub fn to_xml(&self) -> String {
        xml::write_xml(
            &ListPartsWire {
                xmlns: S3_XMLNS,
                bucket: self.bucket,
                key: self.key,
                upload_id: self.upload_id,
                initiator: self.owner.wire(),
                owner: self.owner.wire(),
                storage_class: self.storage_class,
                part_number_marker: self.part_number_marker,
                next_part_number_marker: self.next_part_number_marker,
                max_parts: self.max_parts,
                is_truncated: self.is_truncated,
                parts: self
                    .parts
                    .iter()
                    .map(|p| PartOutWire {
                        number: p.number,
                        last_modified: iso8601(p.last_modified_millis),
                        etag: quote_etag(&p.etag),
                        size: p.size,
                        checksum: checksum_element(p.checksum.clone()),
                    })
                    .collect(),
                checksum_algorithm: self.checksum_algorithm,
                checksum_type: self.checksum_type,
            },
            Some("ListPartsResult"),
            true,
        )
    }
}

/// An in-progress upload as ListMultipartUploads shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedUpload {
    pub key: String,
    pub upload_id: String,
    pub initiated_millis: i64,
    pub storage_class: String,
    pub checksum_algorithm: Option<String>,
    pub checksum_type: Option<String>,
}

/// The ListMultipartUploads answer.
pub struct ListUploadsResult<'a> {
    pub bucket: &'a str,
    pub key_marker: &'a str,
    pub upload_id_marker: &'a str,
    pub next_key_marker: Option<String>,
    pub next_upload_id_marker: Option<String>,
    pub delimiter: Option<&'a str>,
    pub prefix: &'a str,
    pub max_uploads: usize,
    pub is_truncated: bool,
    pub uploads: Vec<ListedUpload>,
    pub common_prefixes: Vec<String>,
    pub owner: Owner,
    pub url_encoded: bool,
}

#[derive(Serialize)]
struct ListUploadsWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "KeyMarker")]
    key_marker: String,
    #[serde(rename = "UploadIdMarker")]
    upload_id_marker: &'a str,
    #[serde(rename = "NextKeyMarker", skip_serializing_if = "Option::is_none")]
    next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", skip_serializing_if = "Option::is_none")]
    next_upload_id_marker: Option<String>,
    #[serde(rename = "Delimiter", skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    #[serde(rename = "Prefix")]
    prefix: String,
    #[serde(rename = "MaxUploads")]
    max_uploads: usize,
    #[serde(rename = "IsTruncated")]
    is_truncated: bool,
    #[serde(rename = "Upload")]
    uploads: Vec<UploadWire<'a>>,
    #[serde(rename = "CommonPrefixes")]
    common_prefixes: Vec<PrefixWire>,
    #[serde(rename = "EncodingType", skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'static str>,
}

#[derive(Serialize)]
struct UploadWire<'a> {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "UploadId")]
    upload_id: &'a str,
    #[serde(rename = "Initiator")]
    initiator: OwnerWire<'a>,
    #[serde(rename = "Owner")]
    owner: OwnerWire<'a>,
    #[serde(rename = "StorageClass")]
    storage_class: &'a str,
    #[serde(rename = "Initiated")]
    initiated: String,
    #[serde(rename = "ChecksumAlgorithm", skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'a str>,
    #[serde(rename = "ChecksumType", skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'a str>,
}

#[derive(Serialize)]
struct PrefixWire {
    #[serde(rename = "Prefix")]
    prefix: String,
}

impl ListUploadsResult<'_> {
    pub fn to_xml(&self) -> String {
        let enc = |s: &str| {
            if self.url_encoded {
                url_encode_key(s)
            } else {
                s.to_string()
            }
        };
        xml::write_xml(
            &ListUploadsWire {
                xmlns: S3_XMLNS,
                bucket: self.bucket,
                key_marker: enc(self.key_marker),
                upload_id_marker: self.upload_id_marker,
                next_key_marker: self.next_key_marker.as_deref().map(enc),
                next_upload_id_marker: self.next_upload_id_marker.clone(),
                delimiter: self.delimiter.map(enc),
                prefix: enc(self.prefix),
                max_uploads: self.max_uploads,
                is_truncated: self.is_truncated,
                uploads: self
                    .uploads
                    .iter()
                    .map(|u| UploadWire {
                        key: enc(&u.key),
                        upload_id: &u.upload_id,
                        initiator: self.owner.wire(),
                        owner: self.owner.wire(),
                        storage_class: &u.storage_class,
                        initiated: iso8601(u.initiated_millis),
                        checksum_algorithm: u.checksum_algorithm.as_deref(),
                        checksum_type: u.checksum_type.as_deref(),
                    })
                    .collect(),
                common_prefixes: self
                    .common_prefixes
                    .iter()
                    .map(|p| PrefixWire { prefix: enc(p) })
                    .collect(),
                encoding_type: self.url_encoded.then_some("url"),
            },
            Some("ListMultipartUploadsResult"),
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_request_parses_parts_and_checksums() {
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Part><ETag>"abc"</ETag><PartNumber>1</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
            <Part><PartNumber>2</PartNumber><ETag>def</ETag></Part></CompleteMultipartUpload>"#;
        let parts = parse_complete(body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].etag, "abc");
        assert_eq!(
            parts[0].checksum,
            Some((ChecksumAlgorithm::Crc32, "AAAAAA==".into()))
        );
        assert_eq!(parts[1].number, 2);
        for bad in [
            &b"<CompleteMultipartUpload></CompleteMultipartUpload>"[..],
            b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            b"<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>",
        ] {
            assert_eq!(
                parse_complete(bad).unwrap_err().code,
                ErrorCode::MalformedXML
            );
        }
    }

    #[test]
    fn results_carry_checksum_elements() {
        let xml = CompleteResult {
            location: "/b/k",
            bucket: "b",
            key: "k",
            etag: "abc-2",
            checksum: Some((ChecksumAlgorithm::Crc32, "AAAAAA==-2".into())),
            checksum_type: Some("COMPOSITE"),
        }
        .to_xml();
        assert!(xml.contains("<ETag>&quot;abc-2&quot;</ETag><ChecksumCRC32>AAAAAA==-2</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType>"), "{xml}");
        let parts = ListPartsResult {
            bucket: "b",
            key: "k",
            upload_id: "u",
            owner: Owner::default(),
            storage_class: "STANDARD",
            part_number_marker: 0,
            next_part_number_marker: Some(1),
            max_parts: 1,
            is_truncated: true,
            parts: vec![ListedPart {
                number: 1,
                last_modified_millis: 0,
                etag: "e".into(),
                size: 5,
                checksum: Some((ChecksumAlgorithm::Sha1, "c2hh".into())),
            }],
            checksum_algorithm: None,
            checksum_type: None,
        }
        .to_xml();
        assert!(parts.contains("<Part><PartNumber>1</PartNumber><LastModified>1970-01-01T00:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>5</Size><ChecksumSHA1>c2hh</ChecksumSHA1></Part>"), "{parts}");
    }
}
