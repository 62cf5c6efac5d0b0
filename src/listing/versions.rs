//! One page of ListObjectVersions (S3 API Reference "ListObjectVersions"): the current objects
//! (the listing ListObjects reads) merged with the version archive (`ops::version_archive`,
//! read like the upload index), in S3's order: keys ascending, each key's versions newest
//! first, delete markers among them, common prefixes in their place. Pure: the two pages come
//! read; each costs a bounded number of storage calls, so the page does too.

use super::uploads::{IndexedUpload, UploadItem, UploadPage};
use super::{field, ListItem, ListResult, ListedObject};
use crate::versioning::NULL_VERSION;
use std::cmp::Ordering;

/// Metadata fields an archive entry adds to the listing's (`ops::version_archive`).
pub mod archive_field {
    /// The version id (`null` for the null version).
    pub const VERSION_ID: &str = "v";
    /// Present (`1`) on a delete marker.
    pub const DELETE_MARKER: &str = "dm";
}

/// One version as a page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedVersion {
    pub object: ListedObject,
    pub version_id: String,
    pub is_latest: bool,
    pub delete_marker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionItem {
    Version(ListedVersion),
    CommonPrefix(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionPage {
    pub items: Vec<VersionItem>,
    pub is_truncated: bool,
    /// When truncated: where the next page starts (NextKeyMarker, NextVersionIdMarker).
    pub next_key_marker: Option<String>,
    pub next_version_id_marker: Option<String>,
}

/// A row's place in the listing: (key or common prefix, 0 for a current object or a prefix and
/// 1 for an archived version, the archived version's place).
type Position<'a> = (&'a str, u8, &'a str);

enum Row {
    Current(ListedObject),
    Archived(IndexedUpload),
    Prefix(String),
}

impl Row {
    fn position(&self) -> Position<'_> {
        match self {
            Row::Current(o) => (&o.key, 0, ""),
            Row::Archived(a) => (&a.key, 1, &a.upload_id),
            Row::Prefix(p) => (p, 0, ""),
        }
    }
}

/// What the page was asked for.
#[derive(Debug, Clone, Default)]
pub struct VersionQuery {
    pub key_marker: String,
    /// Given with the key marker: the page starts after that version of that key.
    pub version_id_marker: String,
    pub max_keys: usize,
    /// Resuming inside the marker's key: the id of its current version when that is older
    /// than the marker (listed among the archived rows, and the latest).
    pub resumed_current: Option<String>,
}

/// Where a truncated archive page stopped: (key or common prefix, rank, place) as
/// [`Position`] orders rows. Nothing after it is known; the current objects need reading only
/// up to its key (`ListQuery::until`).
pub fn archive_limit(page: &UploadPage) -> Option<(String, u8, String)> {
    if !page.is_truncated {
        return None;
    }
    page.last_seen
        .clone()
        .map(|(k, id)| (k, 1, id))
        .or_else(|| {
            page.items.last().map(|item| match item {
                UploadItem::Upload(u) => (u.key.clone(), 1, u.upload_id.clone()),
                UploadItem::CommonPrefix(p) => (p.clone(), 0, String::new()),
            })
        })
}

/// Merges one page of current objects with one page of the archive (both read from the same
/// markers, each at most `max_keys` long) into the ListObjectVersions page.
pub fn merge(
    current: ListResult,
    archived: Option<UploadPage>,
    query: &VersionQuery,
) -> VersionPage {
    let mut rows: Vec<Row> = current
        .items
        .into_iter()
        .map(|item| match item {
            ListItem::Object(o) => Row::Current(o),
            ListItem::CommonPrefix(p) => Row::Prefix(p),
        })
        .collect();
    let current_ids: std::collections::BTreeMap<String, String> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Current(o) => Some((
                o.key.clone(),
                o.version_id.clone().unwrap_or_else(|| NULL_VERSION.into()),
            )),
            _ => None,
        })
        .collect();
    // Where each source stopped short: nothing past it is known to be complete.
    let mut limit: Option<(String, u8, String)> = current
        .resume_after
        .filter(|_| current.is_truncated)
        .map(|k| (k, 0, String::new()));
    let mut more = current.is_truncated;
    if let Some(page) = archived {
        if page.is_truncated {
            more = true;
            let seen = archive_limit(&page);
            limit = match (limit, seen) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for item in page.items {
            match item {
                UploadItem::Upload(u) => {
                    let id = u.custom.get(archive_field::VERSION_ID);
                    // An archived copy of the current version (a write that archived it and
                    // then failed) is listed once, as the current one.
                    if id.is_some() && current_ids.get(&u.key) == id {
                        continue;
                    }
                    rows.push(Row::Archived(u));
                }
                UploadItem::CommonPrefix(p) => rows.push(Row::Prefix(p)),
            }
        }
    }
    rows.sort_by(|a, b| a.position().cmp(&b.position()));
    rows.dedup_by(|a, b| matches!((a, b), (Row::Prefix(x), Row::Prefix(y)) if x == y));
    if let Some((key, rank, place)) = &limit {
        let limit: Position<'_> = (key, *rank, place);
        rows.retain(|r| r.position().cmp(&limit) != Ordering::Greater);
    }
    let is_truncated = more || rows.len() > query.max_keys;
    rows.truncate(query.max_keys);

    let resumes_inside = |key: &str| key == query.key_marker && !query.version_id_marker.is_empty();
    let mut items = Vec::with_capacity(rows.len());
    let mut previous_key: Option<String> = None;
    for row in rows {
        let item = match row {
            Row::Current(object) => VersionItem::Version(ListedVersion {
                version_id: object
                    .version_id
                    .clone()
                    .unwrap_or_else(|| NULL_VERSION.into()),
                is_latest: true,
                delete_marker: false,
                object,
            }),
            Row::Archived(upload) => {
                let first_of_key = previous_key.as_deref() != Some(upload.key.as_str());
                let resumed_current = query.resumed_current.is_some()
                    && upload.custom.get(archive_field::VERSION_ID)
                        == query.resumed_current.as_ref();
                let is_latest = first_of_key && (!resumes_inside(&upload.key) || resumed_current);
                VersionItem::Version(archived_version(upload, is_latest))
            }
            Row::Prefix(p) => VersionItem::CommonPrefix(p),
        };
        previous_key = match &item {
            VersionItem::Version(v) => Some(v.object.key.clone()),
            VersionItem::CommonPrefix(_) => None,
        };
        items.push(item);
    }
    let (next_key_marker, next_version_id_marker) = match items.last().filter(|_| is_truncated) {
        Some(VersionItem::Version(v)) => (Some(v.object.key.clone()), Some(v.version_id.clone())),
        Some(VersionItem::CommonPrefix(p)) => (Some(p.clone()), None),
        None => match limit {
            Some((key, _, _)) => (Some(key), None),
            None => (None, None),
        },
    };
    VersionPage {
        items,
        is_truncated,
        next_key_marker,
        next_version_id_marker,
    }
}

fn archived_version(upload: IndexedUpload, is_latest: bool) -> ListedVersion {
    let meta = |name: &str| upload.custom.get(name).cloned();
    let object = ListedObject {
        size: meta(field::SIZE).and_then(|s| s.parse().ok()).unwrap_or(0),
        etag: meta(field::ETAG).unwrap_or_default(),
        last_modified_millis: meta(field::MODIFIED)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0),
        storage_class: meta(field::STORAGE_CLASS).unwrap_or_else(|| "STANDARD".to_string()),
        checksum_type: meta(field::CHECKSUM_ALGORITHM)
            .map(|_| meta(field::CHECKSUM_TYPE).unwrap_or_else(|| "FULL_OBJECT".to_string())),
        checksum_algorithm: meta(field::CHECKSUM_ALGORITHM),
        owner: meta(field::OWNER),
        version_id: meta(archive_field::VERSION_ID),
        key: upload.key,
    };
    ListedVersion {
        version_id: object
            .version_id
            .clone()
            .unwrap_or_else(|| NULL_VERSION.into()),
        delete_marker: upload.custom.contains_key(archive_field::DELETE_MARKER),
        is_latest,
        object,
    }
}
