//! GetObjectAttributes (`GET /bucket/key?attributes`): what HeadObject and ListParts would say of
//! an object, in one XML body, limited to the attributes `x-amz-object-attributes` names.
//! Follows the S3 API Reference "GetObjectAttributes" (and its types `Checksum`,
//! `GetObjectAttributesParts`, `ObjectPart`).
//!
//! As S3 answers for general purpose buckets: `ObjectParts` is only given for multipart objects;
//! it lists `Part` entries (with paging: `x-amz-max-parts`, `x-amz-part-number-marker`) only when
//! the parts have checksums that make up a COMPOSITE one, and otherwise holds only `PartsCount`.
//! A composite checksum is given without the `-N` that HeadObject appends. The ETag has no
//! quotes. Conditional headers are evaluated as for GetObject (304, 412).

use serde::Serialize;

use super::multipart::COMPOSITE;
use super::readable_record;
use crate::checksum::ChecksumAlgorithm;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::record::{Layout, ObjectRecord};
use crate::request::RequestHead;
use crate::store::{BlobStore, MetaStore};
use crate::xml::{self, checksum_element, ChecksumElement, S3_XMLNS};

/// The most parts one answer lists (and the default of `x-amz-max-parts`), as for ListParts.
pub const MAX_PARTS: usize = 1000;

/// The attributes `x-amz-object-attributes` asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    pub etag: bool,
    pub checksum: bool,
    pub object_parts: bool,
    pub storage_class: bool,
    pub object_size: bool,
}

impl Selection {
    /// Parses the comma-separated header (repeated headers joined): at least one name, each one
    /// of `ETag`, `Checksum`, `ObjectParts`, `StorageClass`, `ObjectSize`; empty items are
    /// skipped.
    pub fn parse(header: Option<&str>) -> Result<Selection, S3Error> {
        let mut selection = Selection::default();
        let mut any = false;
        for name in header.unwrap_or_default().split(',').map(str::trim) {
            let flag = match name {
                "" => continue,
                "ETag" => &mut selection.etag,
                "Checksum" => &mut selection.checksum,
                "ObjectParts" => &mut selection.object_parts,
                "StorageClass" => &mut selection.storage_class,
                "ObjectSize" => &mut selection.object_size,
                _ => {
                    return Err(S3Error::with_message(
                        ErrorCode::InvalidArgument,
                        "Invalid attribute name specified.",
                    ))
                }
            };
            *flag = true;
            any = true;
        }
        if !any {
            return Err(S3Error::with_message(
                ErrorCode::InvalidRequest,
                "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty",
            ));
        }
        Ok(selection)
    }
}

/// Which parts to list: those after `marker`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub max: usize,
    pub marker: u16,
}

impl Paging {
    /// `x-amz-max-parts` (default and ceiling 1,000) and `x-amz-part-number-marker` (default 0):
    /// non-negative integers, else InvalidArgument.
    pub fn from_head(head: &RequestHead) -> Result<Paging, S3Error> {
        // Clamped while still 64-bit: `usize` is 32 bits on wasm32.
        let number = |name: &str, default: usize, ceiling: usize| -> Result<usize, S3Error> {
            match head.header(name).map(str::trim) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .map(|n| n.min(ceiling as u64) as usize)
                    .map_err(|_| {
                        S3Error::with_message(
                            ErrorCode::InvalidArgument,
                            format!("Provided {name} not an integer or within integer range"),
                        )
                        .detail("ArgumentName", name)
                        .detail("ArgumentValue", v)
                    }),
            }
        };
        Ok(Paging {
            max: number("x-amz-max-parts", MAX_PARTS, MAX_PARTS)?,
            marker: number("x-amz-part-number-marker", 0, usize::from(u16::MAX))? as u16,
        })
    }
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            max: MAX_PARTS,
            marker: 0,
        }
    }
}

#[derive(Serialize)]
struct AttributesWire<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    etag: Option<&'a str>,
    #[serde(rename = "Checksum", skip_serializing_if = "Option::is_none")]
    checksum: Option<ChecksumWire<'a>>,
    #[serde(rename = "ObjectParts", skip_serializing_if = "Option::is_none")]
    object_parts: Option<PartsWire>,
    #[serde(rename = "StorageClass", skip_serializing_if = "Option::is_none")]
    storage_class: Option<&'a str>,
    #[serde(rename = "ObjectSize", skip_serializing_if = "Option::is_none")]
    object_size: Option<u64>,
}

#[derive(Serialize)]
struct ChecksumWire<'a> {
    #[serde(rename = "$value")]
    value: ChecksumElement,
    #[serde(rename = "ChecksumType")]
    kind: &'a str,
}

#[derive(Serialize)]
struct PartsWire {
    #[serde(rename = "PartsCount")]
    count: usize,
    #[serde(rename = "PartNumberMarker", skip_serializing_if = "Option::is_none")]
    marker: Option<u16>,
    #[serde(
        rename = "NextPartNumberMarker",
        skip_serializing_if = "Option::is_none"
    )]
    next_marker: Option<u16>,
    #[serde(rename = "MaxParts", skip_serializing_if = "Option::is_none")]
    max_parts: Option<usize>,
    #[serde(rename = "IsTruncated", skip_serializing_if = "Option::is_none")]
    is_truncated: Option<bool>,
    #[serde(rename = "Part")]
    parts: Vec<PartWire>,
}

#[derive(Serialize)]
struct PartWire {
    #[serde(rename = "PartNumber")]
    number: u16,
    #[serde(rename = "Size")]
    size: u64,
    #[serde(rename = "$value", skip_serializing_if = "Option::is_none")]
    checksum: Option<ChecksumElement>,
}

/// The object's checksum as GetObjectAttributes gives it: its algorithm, the value without a
/// composite checksum's `-N`, and its type.
fn object_checksum(record: &ObjectRecord) -> Option<(ChecksumAlgorithm, String, &str)> {
    let (name, value) = record.checksum.as_ref()?;
    let alg = ChecksumAlgorithm::from_name(name)?;
    let kind = record.checksum_type.as_deref().unwrap_or("FULL_OBJECT");
    let value = match kind {
        COMPOSITE => value.split('-').next().unwrap_or(value),
        _ => value,
    };
    Some((alg, value.to_string(), kind))
}

/// `ObjectParts` of a multipart object: the listed page when its parts carry the checksums of
/// a COMPOSITE one, else only the count. `None` for any other object.
fn object_parts(record: &ObjectRecord, paging: Paging) -> Option<PartsWire> {
    if record.layout != Layout::Multipart {
        return None;
    }
    let count = record.segments.len();
    let algorithm = record
        .checksum
        .as_ref()
        .and_then(|(name, _)| ChecksumAlgorithm::from_name(name))
        .filter(|_| record.checksum_type.as_deref() == Some(COMPOSITE));
    let Some(alg) = algorithm else {
        return Some(PartsWire {
            count,
            marker: None,
            next_marker: None,
            max_parts: None,
            is_truncated: None,
            parts: Vec::new(),
        });
    };
    let mut after: Vec<PartWire> = record
        .segments
        .iter()
        .zip(record.part_numbers())
        .filter(|(_, number)| *number > paging.marker)
        .map(|(segment, number)| PartWire {
            number,
            size: segment.size,
            checksum: checksum_element(segment.checksum.clone().map(|c| (alg, c))),
        })
        .collect();
    // With nothing listed (max-parts 0) no next marker exists, so the page is not truncated.
    let is_truncated = paging.max > 0 && after.len() > paging.max;
    after.truncate(paging.max);
    Some(PartsWire {
        count,
        marker: Some(paging.marker),
        next_marker: after.last().map(|p| p.number),
        max_parts: Some(paging.max),
        is_truncated: Some(is_truncated),
        parts: after,
    })
}

/// The GetObjectAttributesResponse body for `record`: the selected attributes, in S3's order.
pub fn attributes_xml(record: &ObjectRecord, selection: Selection, paging: Paging) -> String {
    let checksum = selection
        .checksum
        .then(|| object_checksum(record))
        .flatten()
        .map(|(alg, value, kind)| ChecksumWire {
            value: checksum_element(Some((alg, value))).expect("a checksum is given"),
            kind,
        });
    xml::write_xml(
        &AttributesWire {
            xmlns: S3_XMLNS,
            etag: selection.etag.then_some(record.etag.as_str()),
            checksum,
            object_parts: selection
                .object_parts
                .then(|| object_parts(record, paging))
                .flatten(),
            storage_class: selection
                .storage_class
                .then(|| record.storage_class.as_deref().unwrap_or("STANDARD")),
            object_size: selection.object_size.then_some(record.size),
        },
        Some("GetObjectAttributesResponse"),
        true,
    )
}

pub async fn get_object_attributes<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let selection = Selection::parse(head.header_joined("x-amz-object-attributes").as_deref())?;
    let paging = Paging::from_head(head)?;
    let record = readable_record(ctx, call)
        .await?
        .ok_or_else(|| S3Error::new(ErrorCode::NoSuchKey).detail("Key", call.key()))?;
    if let Some(not_modified) = super::get::read_preconditions(head, &record, ctx.now_millis)? {
        return Ok(not_modified);
    }
    let last_modified = xml::http_date(record.last_modified_millis);
    Ok(
        Response::xml(200, attributes_xml(&record, selection, paging))
            .header("last-modified", last_modified),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Segment;

    fn all() -> Selection {
        Selection {
            etag: true,
            checksum: true,
            object_parts: true,
            storage_class: true,
            object_size: true,
        }
    }

    #[test]
    fn selection_names_the_attributes() {
        assert_eq!(
            Selection::parse(Some("ETag,Checksum,ObjectParts,StorageClass,ObjectSize")),
            Ok(all())
        );
        assert_eq!(
            Selection::parse(Some(" ObjectSize , ETag,,ETag ")),
            Ok(Selection {
                etag: true,
                object_size: true,
                ..Selection::default()
            })
        );
        for missing in [None, Some(""), Some(" , ")] {
            let err = Selection::parse(missing).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidRequest, "{missing:?}");
        }
        for unknown in ["Size", "etag", "ETag,Owner", "LastModified"] {
            let err = Selection::parse(Some(unknown)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{unknown}");
        }
    }

    #[test]
    fn paging_headers() {
        let head = |headers: &[(&str, &str)]| {
            RequestHead::new(
                "GET",
                "/b/k",
                "attributes",
                headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(Paging::from_head(&head(&[])), Ok(Paging::default()));
        assert_eq!(
            Paging::from_head(&head(&[
                ("x-amz-max-parts", "2"),
                ("x-amz-part-number-marker", "7")
            ])),
            Ok(Paging { max: 2, marker: 7 })
        );
        assert_eq!(
            Paging::from_head(&head(&[("x-amz-max-parts", "5000")])).map(|p| p.max),
            Ok(MAX_PARTS)
        );
        for (name, value) in [
            ("x-amz-max-parts", "-1"),
            ("x-amz-max-parts", "many"),
            ("x-amz-part-number-marker", "1.5"),
        ] {
            let err = Paging::from_head(&head(&[(name, value)])).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{name}: {value}");
        }
    }

    fn single() -> ObjectRecord {
        ObjectRecord {
            key: "k".into(),
            blob: "blob/b/1".into(),
            size: 11,
            etag: "5eb63bbbe01eeed093cb22bb8f5acdc3".into(),
            checksum: Some(("CRC32".into(), "DUoRhQ==".into())),
            ..ObjectRecord::default()
        }
    }

    fn multipart(checksum: Option<(&str, &str)>) -> ObjectRecord {
        let segment = |n: u16, size: u64, sum: &str| Segment {
            blob: format!("part/b/u/{n:05}/x"),
            size,
            etag: format!("e{n}"),
            checksum: checksum.map(|_| sum.to_string()),
            part_number: Some(n),
        };
        ObjectRecord {
            key: "k".into(),
            size: 12,
            etag: "abc-3".into(),
            layout: Layout::Multipart,
            segments: vec![
                segment(1, 5, "AAAAAQ=="),
                segment(2, 5, "AAAAAg=="),
                segment(3, 2, "AAAAAw=="),
            ],
            checksum: checksum.map(|(alg, value)| (alg.to_string(), value.to_string())),
            checksum_type: checksum.map(|_| COMPOSITE.to_string()),
            storage_class: Some("STANDARD_IA".into()),
            ..ObjectRecord::default()
        }
    }

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";

    #[test]
    fn single_part_object_has_no_object_parts() {
        assert_eq!(
            attributes_xml(&single(), all(), Paging::default()),
            format!("{HEAD}<ETag>5eb63bbbe01eeed093cb22bb8f5acdc3</ETag><Checksum><ChecksumCRC32>DUoRhQ==</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType></Checksum><StorageClass>STANDARD</StorageClass><ObjectSize>11</ObjectSize></GetObjectAttributesResponse>")
        );
        let only_size = Selection {
            object_size: true,
            ..Selection::default()
        };
        assert_eq!(
            attributes_xml(&single(), only_size, Paging::default()),
            format!("{HEAD}<ObjectSize>11</ObjectSize></GetObjectAttributesResponse>")
        );
        let mut plain = single();
        plain.checksum = None;
        assert_eq!(
            attributes_xml(&plain, all(), Paging::default()),
            format!("{HEAD}<ETag>5eb63bbbe01eeed093cb22bb8f5acdc3</ETag><StorageClass>STANDARD</StorageClass><ObjectSize>11</ObjectSize></GetObjectAttributesResponse>")
        );
    }

    #[test]
    fn composite_multipart_object_lists_its_parts_by_page() {
        let record = multipart(Some(("CRC32", "Zm9vYg==-3")));
        assert_eq!(
            attributes_xml(&record, all(), Paging::default()),
            format!("{HEAD}<ETag>abc-3</ETag><Checksum><ChecksumCRC32>Zm9vYg==</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType></Checksum><ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><Size>5</Size><ChecksumCRC32>AAAAAQ==</ChecksumCRC32></Part><Part><PartNumber>2</PartNumber><Size>5</Size><ChecksumCRC32>AAAAAg==</ChecksumCRC32></Part><Part><PartNumber>3</PartNumber><Size>2</Size><ChecksumCRC32>AAAAAw==</ChecksumCRC32></Part></ObjectParts><StorageClass>STANDARD_IA</StorageClass><ObjectSize>12</ObjectSize></GetObjectAttributesResponse>")
        );
        let parts = Selection {
            object_parts: true,
            ..Selection::default()
        };
        assert_eq!(
            attributes_xml(&record, parts, Paging { max: 1, marker: 1 }),
            format!("{HEAD}<ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated><Part><PartNumber>2</PartNumber><Size>5</Size><ChecksumCRC32>AAAAAg==</ChecksumCRC32></Part></ObjectParts></GetObjectAttributesResponse>")
        );
        assert_eq!(
            attributes_xml(&record, parts, Paging { max: 5, marker: 3 }),
            format!("{HEAD}<ObjectParts><PartsCount>3</PartsCount><PartNumberMarker>3</PartNumberMarker><MaxParts>5</MaxParts><IsTruncated>false</IsTruncated></ObjectParts></GetObjectAttributesResponse>")
        );
    }

    #[test]
    fn multipart_object_without_composite_checksum_gives_only_its_part_count() {
        let parts = Selection {
            object_parts: true,
            checksum: true,
            ..Selection::default()
        };
        assert_eq!(
            attributes_xml(&multipart(None), parts, Paging { max: 1, marker: 0 }),
            format!("{HEAD}<ObjectParts><PartsCount>3</PartsCount></ObjectParts></GetObjectAttributesResponse>")
        );
        let mut full = multipart(Some(("CRC64NVME", "AAAAAAAAAAA=")));
        full.checksum_type = Some("FULL_OBJECT".into());
        assert_eq!(
            attributes_xml(&full, parts, Paging::default()),
            format!("{HEAD}<Checksum><ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME><ChecksumType>FULL_OBJECT</ChecksumType></Checksum><ObjectParts><PartsCount>3</PartsCount></ObjectParts></GetObjectAttributesResponse>")
        );
    }
}
