//! One page of ListMultipartUploads (AWS S3 API Reference "ListMultipartUploads": prefix,
//! delimiter, key-marker, upload-id-marker, max-uploads) read from the R2 upload index
//! (`upload_names`). Like object listings (`listing::list_page`), a page costs a bounded number of
//! R2 `list` calls, about max-uploads / 100 + 1 (R2 returns at most 100 entries per call with
//! metadata), whatever the number of uploads in progress: R2 seeks to the markers and, for a
//! delimiter that can only match inside the key part of names, groups on it.

use super::upload_names;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, StoreResult};
use std::collections::BTreeMap;

/// Metadata fields of an upload-index entry (what ListMultipartUploads shows).
pub mod field {
    pub const STORAGE_CLASS: &str = "c";
    pub const CHECKSUM_ALGORITHM: &str = "a";
    /// The checksum type (absent for uploads recorded before types were kept: COMPOSITE).
    pub const CHECKSUM_TYPE: &str = "t";
    /// The full key, present only when the entry's name had to be truncated.
    pub const FULL_KEY: &str = "k";
}

/// Most R2 `list` calls one page may make; a page that runs out of them is answered short and
/// truncated, and the next one resumes after its last upload.
const MAX_R2_CALLS: usize = 16;

/// The most names one R2 `list` call returns.
const R2_LIST_MAX: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadQuery {
    pub prefix: String,
    pub delimiter: Option<String>,
    pub key_marker: String,
    /// Only looked at with a key marker.
    pub upload_id_marker: String,
    pub max_uploads: usize,
}

/// An upload as its index entry shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedUpload {
    pub key: String,
    pub upload_id: String,
    /// The entry's metadata ([`field`]).
    pub custom: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadItem {
    Upload(IndexedUpload),
    CommonPrefix(String),
}

impl UploadItem {
    /// What the item sorts by: (key, upload id), or (the common prefix, "").
    fn sort_key(&self) -> (&str, &str) {
        match self {
            UploadItem::Upload(u) => (&u.key, &u.upload_id),
            UploadItem::CommonPrefix(p) => (p, ""),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadPage {
    pub items: Vec<UploadItem>,
    pub is_truncated: bool,
    /// The last (key, upload id) read, for a truncated page without items to resume after.
    pub last_seen: Option<(String, String)>,
}

/// One page of the index under `root` (an upload index's, `upload_names::prefix`, or a version
/// archive's): at most `max_uploads` items in (key, upload id) order, common prefixes among them.
pub async fn list_uploads<B: BlobStore>(
    blobs: &B,
    root: &str,
    query: &UploadQuery,
) -> StoreResult<UploadPage> {
    let namespace = root.to_string();
    let (r2_prefix, prefix_exact) = upload_names::list_prefix(root, &query.prefix);
    let delimiter = query.delimiter.as_deref().filter(|d| !d.is_empty());
    let r2_delimiter = delimiter.filter(|d| prefix_exact && upload_names::delimiter_is_safe(d));
    let mut start_after = (!query.key_marker.is_empty()).then(|| {
        // The marker is a common prefix already returned (its first delimiter after the prefix
        // ends it): every key starting with it is grouped there, so none needs reading.
        let rolls_up = delimiter.is_some_and(|d| {
            query
                .key_marker
                .strip_prefix(query.prefix.as_str())
                .is_some_and(|rest| rest.find(d).is_some_and(|at| at + d.len() == rest.len()))
        });
        upload_names::start_after(root, &query.key_marker, &query.upload_id_marker, rolls_up)
    });

    let want = query.max_uploads + 1;
    let mut items: Vec<UploadItem> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut more = true;
    // A run of names sharing a truncated name's group may hold keys in any order: the page ends
    // only once the run has been read whole, and is sorted by full key.
    let mut open_group: Option<String> = None;
    let mut last_seen: Option<(String, String)> = None;
    // Where every name R2 returns is an item of the page (or one common prefix for many), a
    // call asks for no more than the page still needs.
    let names_are_items = prefix_exact && (delimiter.is_none() || r2_delimiter.is_some());
    for _ in 0..MAX_R2_CALLS {
        // A run of truncated names is read whole, as fast as R2 gives it.
        let limit = match names_are_items && open_group.is_none() {
            true => query.max_uploads.saturating_sub(count_distinct(&mut items)),
            false => R2_LIST_MAX,
        };
        let page = blobs
            .list_blobs(BlobListOptions {
                prefix: &r2_prefix,
                start_after: start_after.as_deref().filter(|_| cursor.is_none()),
                delimiter: r2_delimiter,
                cursor: cursor.as_deref(),
                limit: limit.clamp(1, R2_LIST_MAX) as u32,
            })
            .await?;
        let mut furthest: Option<&str> = None;
        let mut jump: Option<String> = None;
        for entry in &page.entries {
            furthest = furthest.max(Some(entry.name.as_str()));
            if entry.custom.contains_key(field::FULL_KEY) {
                let group = upload_names::group_of(&entry.name);
                if !open_group.as_deref().is_some_and(|g| group.starts_with(g)) {
                    open_group = Some(group.to_string());
                }
            }
            let Some(upload) = indexed(entry, &namespace) else {
                continue;
            };
            last_seen = Some((upload.key.clone(), upload.upload_id.clone()));
            jump = None;
            if let Some(item) = item_of(upload, query, delimiter) {
                if let (UploadItem::CommonPrefix(p), None) = (&item, r2_delimiter) {
                    jump = upload_names::past_prefix(root, p);
                }
                items.push(item);
            }
        }
        for name in &page.delimited_prefixes {
            furthest = furthest.max(Some(name.as_str()));
            let common = upload_names::unescape(&name[namespace.len()..]);
            if common > query.key_marker {
                items.push(UploadItem::CommonPrefix(common));
            }
        }
        if open_group
            .as_deref()
            .is_some_and(|g| furthest.is_some_and(|f| !f.starts_with(g)))
        {
            open_group = None;
        }
        more = page.cursor.is_some();
        match page.entries.last().filter(|_| r2_delimiter.is_none()) {
            // Grouped in Rust: resume by name, past the whole common prefix just seen if any.
            Some(last) => {
                start_after = Some(jump.unwrap_or_default().max(last.name.clone()));
                cursor = None;
            }
            None => cursor = page.cursor,
        }
        if !more || (open_group.is_none() && count_distinct(&mut items) >= want) {
            break;
        }
        // A full page whose last item is an upload, with more names in R2: the next name is
        // another item (an upload, or a common prefix past this one), so the page is truncated.
        if names_are_items
            && open_group.is_none()
            && count_distinct(&mut items) >= query.max_uploads
            && matches!(items.last(), Some(UploadItem::Upload(_)))
        {
            break;
        }
    }
    count_distinct(&mut items);
    let is_truncated = items.len() > query.max_uploads || more;
    items.truncate(query.max_uploads);
    Ok(UploadPage {
        items,
        is_truncated,
        last_seen,
    })
}

/// The upload an index entry stands for (`None` for a name the index does not make).
fn indexed(entry: &BlobEntry, namespace: &str) -> Option<IndexedUpload> {
    let (escaped, upload_id, truncated) = upload_names::parse(entry.name.get(namespace.len()..)?)?;
    let key = match truncated {
        true => entry.custom.get(field::FULL_KEY)?.clone(),
        false => upload_names::unescape(escaped),
    };
    Some(IndexedUpload {
        key,
        upload_id: upload_id.to_string(),
        custom: entry.custom.clone(),
    })
}

/// The upload as the page shows it: itself, its common prefix, or nothing (outside the prefix,
/// or not after the markers).
fn item_of(
    upload: IndexedUpload,
    query: &UploadQuery,
    delimiter: Option<&str>,
) -> Option<UploadItem> {
    let prefix = query.prefix.as_str();
    if !upload.key.starts_with(prefix) {
        return None;
    }
    let marker = query.key_marker.as_str();
    let after = marker.is_empty()
        || upload.key.as_str() > marker
        || (upload.key == marker
            && !query.upload_id_marker.is_empty()
            && upload.upload_id > query.upload_id_marker);
    if !after {
        return None;
    }
    if let Some(d) = delimiter {
        if let Some(at) = upload.key[prefix.len()..].find(d) {
            let common = upload.key[..prefix.len() + at + d.len()].to_string();
            // Its upload comes after the markers, but the common prefix itself may not.
            return (common.as_str() > marker).then_some(UploadItem::CommonPrefix(common));
        }
    }
    Some(UploadItem::Upload(upload))
}

/// Sorts the items in listing order and merges repeated common prefixes; returns how many remain.
fn count_distinct(items: &mut Vec<UploadItem>) -> usize {
    items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    items.dedup_by(|a, b| {
        matches!((a, b), (UploadItem::CommonPrefix(x), UploadItem::CommonPrefix(y)) if x == y)
    });
    items.len()
}
