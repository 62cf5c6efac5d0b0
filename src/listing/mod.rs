//! One page of a bucket listing (prefix, delimiter, start-after and max-keys as
//! ListObjects/ListObjectsV2 define them), from the metadata store where it lists objects
//! (`sorted`), else read from the R2 listing index. A page costs a bounded number of R2 `list`
//! calls (about ten for 1,000 keys, as R2 returns at most 100 entries per call with metadata)
//! whatever the bucket size, because R2 seeks (`startAfter`) and groups (`delimiter`).

pub mod sorted;
pub mod upload_names;
pub mod uploads;
pub mod versions;

use crate::names;
use crate::store::catalog::prefix_end;
use crate::store::{BlobEntry, BlobListOptions, BlobStore, MetaStore, StoreResult};

/// One page of a bucket's objects, from wherever the store keeps them in key order: the
/// metadata store's records where it lists them (Durable Objects), else the R2 listing index.
pub async fn list_objects<S: MetaStore + BlobStore>(
    store: &S,
    bucket: &str,
    query: &ListQuery,
) -> StoreResult<ListResult> {
    if store.lists_objects() {
        store.list_objects(bucket, query).await
    } else {
        list_page(store, bucket, query).await
    }
}

/// Metadata fields of an index entry (R2 custom metadata, at most 2 KiB in all).
pub mod field {
    pub const SIZE: &str = "s";
    pub const ETAG: &str = "e";
    pub const MODIFIED: &str = "m";
    pub const STORAGE_CLASS: &str = "c";
    pub const CHECKSUM_ALGORITHM: &str = "a";
    /// The checksum type, present only when it is not FULL_OBJECT (a composite multipart one).
    pub const CHECKSUM_TYPE: &str = "t";
    /// The full key, present only when the entry's name had to be truncated.
    pub const FULL_KEY: &str = "k";
    /// The object's owner (entries written before objects had owners of their own have none).
    pub const OWNER: &str = "o";
    /// The current version's id, in a versioned bucket (absent: the null version).
    pub const VERSION_ID: &str = "v";
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub prefix: String,
    pub delimiter: Option<String>,
    /// Only keys (and common prefixes) strictly greater than this are returned.
    pub start_after: Option<String>,
    pub max_keys: usize,
    /// Only keys (and common prefixes) up to this one are returned: a page merged with another
    /// source that stopped there (ListObjectVersions) reads no further.
    pub until: Option<String>,
}

impl ListQuery {
    /// Whether `name` is a common prefix of this query: the prefix, then text ending at the
    /// first delimiter.
    fn is_common_prefix(&self, name: &str) -> bool {
        let Some(delimiter) = self.delimiter.as_deref().filter(|d| !d.is_empty()) else {
            return false;
        };
        name.strip_prefix(self.prefix.as_str())
            .and_then(|rest| {
                rest.find(delimiter)
                    .map(|at| at + delimiter.len() == rest.len())
            })
            .unwrap_or(false)
    }

    /// Whether an item sorting at `sort_key` is past `until`.
    fn is_past_until(&self, sort_key: &str) -> bool {
        self.until.as_deref().is_some_and(|until| sort_key > until)
    }

    /// The first key the page never reads (`None`: no end): the end of the prefix, or the end
    /// of `until` (with every key it groups, when it is a common prefix) if that comes first.
    pub fn key_end(&self) -> Option<String> {
        let prefix_limit = prefix_end(&self.prefix);
        let until_end =
            self.until
                .as_deref()
                .and_then(|until| match self.is_common_prefix(until) {
                    true => prefix_end(until),
                    false => Some(format!("{until}\u{0}")),
                });
        match (prefix_limit, until_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub last_modified_millis: i64,
    pub storage_class: String,
    pub checksum_algorithm: Option<String>,
    /// `FULL_OBJECT` or `COMPOSITE`, with an algorithm.
    pub checksum_type: Option<String>,
    /// The object's owner, when the entry names it.
    pub owner: Option<String>,
    /// The current version's id (`None`: the null version).
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListItem {
    Object(ListedObject),
    CommonPrefix(String),
}

impl ListItem {
    /// The string the item sorts by: its key, or the common prefix.
    pub fn sort_key(&self) -> &str {
        match self {
            ListItem::Object(o) => &o.key,
            ListItem::CommonPrefix(p) => p,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListResult {
    pub items: Vec<ListItem>,
    pub is_truncated: bool,
    /// When truncated: the key or common prefix the next page starts after.
    pub resume_after: Option<String>,
}

/// Most R2 `list` calls one listing page may make. R2 returns fewer entries per call when
/// custom metadata is included (Miniflare: 100), so a page of 1,000 keys takes about ten.
/// A page that runs out of calls is answered short, truncated, and resumes where it stopped.
const MAX_R2_CALLS: usize = 16;

/// The most names one R2 `list` call returns.
const R2_LIST_MAX: usize = 1000;

/// The names asked of the first call of a page bounded by `until`.
const UNTIL_FIRST_CALL: usize = 16;

pub async fn list_page<B: BlobStore>(
    blobs: &B,
    bucket: &str,
    query: &ListQuery,
) -> StoreResult<ListResult> {
    if query.max_keys == 0 {
        return Ok(ListResult::default());
    }
    let namespace = names::index_prefix(bucket);
    let r2_prefix = names::index_list_prefix(bucket, &query.prefix);
    // When the S3 prefix had to be shortened, R2 would group on the wrong part: group here instead.
    let prefix_exact = r2_prefix.len() == namespace.len() + query.prefix.len();
    let r2_delimiter = query.delimiter.as_deref().filter(|_| prefix_exact);
    let start_after = query.start_after.as_deref().map(|after| {
        let rolls_up = query.delimiter.as_deref().is_some_and(|d| {
            after.starts_with(query.prefix.as_str())
                && after.ends_with(d)
                && after.len() > query.prefix.len()
        });
        let mut name = names::index_start_after(bucket, after);
        if rolls_up {
            // `after` is a common prefix already returned: jump over every key it groups.
            name.push('\u{10FFFF}');
        }
        name
    });

    let want = query.max_keys + 1;
    let mut items: Vec<ListItem> = Vec::new();
    let mut cursor: Option<String> = None;
    // Index names of keys too long for R2 share a prefix and arrive in hash order: a page may
    // only end once such a group has been read whole, so that it can be sorted by full key.
    let mut open_group: Option<String> = None;
    let mut last_seen: Option<String> = None;
    // Only a page bounded by `until` stops early: the R2 prefix already ends every other page.
    let key_end = query.until.as_ref().and_then(|_| query.key_end());
    let mut reached_end = false;
    for call in 0..MAX_R2_CALLS {
        let limit = match (prefix_exact && open_group.is_none(), call, &query.until) {
            // Entries outside the S3 prefix come too, and a run of truncated names is read
            // whole: as many as a call gives.
            (false, _, _) => R2_LIST_MAX,
            // Bounded by another source's page, this one usually needs only a few keys.
            (true, 0, Some(_)) => UNTIL_FIRST_CALL.min(query.max_keys),
            (true, _, _) => query.max_keys.saturating_sub(count_distinct(&mut items)),
        };
        let page = blobs
            .list_blobs(BlobListOptions {
                prefix: &r2_prefix,
                start_after: if cursor.is_none() {
                    start_after.as_deref()
                } else {
                    None
                },
                delimiter: r2_delimiter,
                cursor: cursor.as_deref(),
                limit: limit.clamp(1, R2_LIST_MAX) as u32,
            })
            .await?;
        for entry in &page.entries {
            if entry.custom.contains_key(field::FULL_KEY) {
                open_group = Some(names::truncated_group(&entry.name).to_string());
            } else if open_group
                .as_deref()
                .is_some_and(|g| !entry.name.starts_with(g))
            {
                open_group = None;
            }
            last_seen = Some(entry_key(entry, &namespace));
            if let Some(item) = entry_item(entry, &namespace, query) {
                items.push(item);
            }
        }
        for name in &page.delimited_prefixes {
            let prefix = name[namespace.len()..].to_string();
            last_seen = last_seen.max(Some(prefix.clone()));
            if query
                .start_after
                .as_deref()
                .is_none_or(|after| prefix.as_str() > after)
            {
                items.push(ListItem::CommonPrefix(prefix));
            }
        }
        cursor = page.cursor;
        if open_group.is_none() {
            if let (Some(end), Some(seen)) = (&key_end, &last_seen) {
                if seen >= end {
                    reached_end = true;
                    break;
                }
            }
        }
        if cursor.is_none() || (open_group.is_none() && count_distinct(&mut items) >= want) {
            break;
        }
        // A full page whose last item is a key, with more names in R2: the next name is another
        // item (a key, or a common prefix past this key), so the page is truncated.
        if prefix_exact
            && open_group.is_none()
            && count_distinct(&mut items) >= query.max_keys
            && matches!(items.last(), Some(ListItem::Object(_)))
        {
            break;
        }
    }
    count_distinct(&mut items);
    if reached_end {
        items.retain(|item| !query.is_past_until(item.sort_key()));
        cursor = None;
    }
    // Also truncated when the call budget ran out before the store did, or when a full page
    // ended with more names in R2: the next page resumes where this one stopped.
    let is_truncated = items.len() > query.max_keys || cursor.is_some();
    items.truncate(query.max_keys);
    let resume_after = if is_truncated {
        items.last().map(|i| i.sort_key().to_string()).or(last_seen)
    } else {
        None
    };
    Ok(ListResult {
        items,
        is_truncated,
        resume_after,
    })
}

fn entry_key(entry: &BlobEntry, namespace: &str) -> String {
    match entry.custom.get(field::FULL_KEY) {
        Some(full) => full.clone(),
        None => entry
            .name
            .get(namespace.len()..)
            .unwrap_or_default()
            .to_string(),
    }
}

/// Sorts by key (truncated-name groups may arrive out of order) and merges repeated
/// common prefixes; returns how many items remain.
fn count_distinct(items: &mut Vec<ListItem>) -> usize {
    items.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
    items.dedup_by(|a, b| a.sort_key() == b.sort_key());
    items.len()
}

fn entry_item(entry: &BlobEntry, namespace: &str, query: &ListQuery) -> Option<ListItem> {
    let key = entry_key(entry, namespace);
    if !key.starts_with(query.prefix.as_str()) {
        return None;
    }
    if let Some(delimiter) = query.delimiter.as_deref().filter(|d| !d.is_empty()) {
        if let Some(at) = key[query.prefix.len()..].find(delimiter) {
            let prefix = key[..query.prefix.len() + at + delimiter.len()].to_string();
            return query
                .start_after
                .as_deref()
                .is_none_or(|after| prefix.as_str() > after)
                .then_some(ListItem::CommonPrefix(prefix));
        }
    }
    if query
        .start_after
        .as_deref()
        .is_some_and(|after| key.as_str() <= after)
    {
        return None;
    }
    let meta = |name: &str| entry.custom.get(name).cloned();
    Some(ListItem::Object(ListedObject {
        size: meta(field::SIZE)
            .and_then(|s| s.parse().ok())
            .unwrap_or(entry.size),
        etag: meta(field::ETAG).unwrap_or_default(),
        last_modified_millis: meta(field::MODIFIED)
            .and_then(|m| m.parse().ok())
            .unwrap_or(entry.uploaded_millis),
        storage_class: meta(field::STORAGE_CLASS).unwrap_or_else(|| "STANDARD".to_string()),
        checksum_type: meta(field::CHECKSUM_ALGORITHM)
            .map(|_| meta(field::CHECKSUM_TYPE).unwrap_or_else(|| "FULL_OBJECT".to_string())),
        checksum_algorithm: meta(field::CHECKSUM_ALGORITHM),
        owner: meta(field::OWNER),
        version_id: meta(field::VERSION_ID),
        key,
    }))
}
