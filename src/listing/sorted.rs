//! One listing page read from a store that keeps object records in key order and can read a
//! range of them (the Durable-Object store's SQL index): prefix, delimiter, start-after and
//! max-keys as ListObjects/ListObjectsV2 define them. Each common prefix costs one range read
//! that jumps past every key it groups, so a page costs O(page) reads at any bucket size.

use super::{ListItem, ListQuery, ListResult, ListedObject};
use crate::record::ObjectRecord;
use crate::store::catalog::prefix_end;
use serde::{Deserialize, Serialize};

/// What a listing shows of an object, kept beside its record (as its metadata) by a store that
/// lists from its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The full key: the order the store keeps.
    #[serde(rename = "k")]
    pub key: String,
    #[serde(rename = "s")]
    pub size: u64,
    #[serde(rename = "e")]
    pub etag: String,
    #[serde(rename = "m")]
    pub modified_millis: i64,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

impl Entry {
    pub fn of(record: &ObjectRecord) -> Entry {
        Entry {
            key: record.key.clone(),
            size: record.size,
            etag: record.etag.clone(),
            modified_millis: record.last_modified_millis,
            storage_class: record.storage_class.clone(),
            checksum_algorithm: record.checksum.as_ref().map(|(alg, _)| alg.clone()),
            checksum_type: record.checksum.as_ref().map(|_| {
                record
                    .checksum_type
                    .clone()
                    .unwrap_or_else(|| "FULL_OBJECT".to_string())
            }),
            owner: record.owner.clone(),
            version_id: record.vid.clone(),
        }
    }

    pub fn from_listed(object: ListedObject) -> Entry {
        Entry {
            key: object.key,
            size: object.size,
            etag: object.etag,
            modified_millis: object.last_modified_millis,
            storage_class: Some(object.storage_class).filter(|c| c != "STANDARD"),
            checksum_algorithm: object.checksum_algorithm,
            checksum_type: object.checksum_type,
            owner: object.owner,
            version_id: object.version_id,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("entries serialise")
    }

    pub fn into_listed(self) -> ListedObject {
        ListedObject {
            key: self.key,
            size: self.size,
            etag: self.etag,
            last_modified_millis: self.modified_millis,
            storage_class: self.storage_class.unwrap_or_else(|| "STANDARD".to_string()),
            checksum_algorithm: self.checksum_algorithm,
            checksum_type: self.checksum_type,
            owner: self.owner,
            version_id: self.version_id,
        }
    }
}

/// Where a range read starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Keys from this one on.
    Including(String),
    /// Keys strictly after this one.
    After(String),
}

/// One page of `query`, read range by range: `read(start, end, limit)` gives up to `limit`
/// entries in key order from `start` and before `end` (`ListQuery::key_end`: the end of the
/// prefix, or of `until`), among the keys that begin with the query's prefix.
pub fn page<E>(
    query: &ListQuery,
    mut read: impl FnMut(&Start, Option<&str>, usize) -> Result<Vec<Entry>, E>,
) -> Result<ListResult, E> {
    if query.max_keys == 0 {
        return Ok(ListResult::default());
    }
    let want = query.max_keys + 1;
    let after = query.start_after.as_deref();
    let delimiter = query.delimiter.as_deref().filter(|d| !d.is_empty());
    let end = query.key_end();
    let mut start = match after {
        Some(after) if after >= query.prefix.as_str() => Start::After(after.to_string()),
        _ => Start::Including(query.prefix.clone()),
    };
    let mut items: Vec<ListItem> = Vec::new();
    'reads: while items.len() < want {
        let limit = want - items.len();
        let entries = read(&start, end.as_deref(), limit)?;
        let exhausted = entries.len() < limit;
        for entry in entries {
            let grouped = delimiter.and_then(|d| {
                let rest = entry.key.get(query.prefix.len()..)?;
                let at = rest.find(d)?;
                Some(entry.key[..query.prefix.len() + at + d.len()].to_string())
            });
            if let Some(common) = grouped {
                // Every key the prefix groups sorts before its end: read on from there.
                let next = prefix_end(&common);
                if after.is_none_or(|a| common.as_str() > a) {
                    items.push(ListItem::CommonPrefix(common));
                }
                match next {
                    Some(end) => start = Start::Including(end),
                    None => break 'reads,
                }
                continue 'reads;
            }
            start = Start::After(entry.key.clone());
            if after.is_none_or(|a| entry.key.as_str() > a) {
                items.push(ListItem::Object(entry.into_listed()));
                if items.len() >= want {
                    break 'reads;
                }
            }
        }
        if exhausted {
            break;
        }
    }
    let is_truncated = items.len() > query.max_keys;
    items.truncate(query.max_keys);
    let resume_after = is_truncated
        .then(|| items.last().map(|i| i.sort_key().to_string()))
        .flatten();
    Ok(ListResult {
        items,
        is_truncated,
        resume_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn entry(key: &str) -> Entry {
        Entry {
            key: key.to_string(),
            size: key.len() as u64,
            etag: format!("etag-{key}"),
            modified_millis: 0,
            storage_class: None,
            checksum_algorithm: None,
            checksum_type: None,
            owner: None,
            version_id: None,
        }
    }

    /// A sorted store of `keys`, bounded by the query's prefix, counting its reads.
    fn run(keys: &[&str], query: &ListQuery, reads: &Cell<usize>) -> ListResult {
        let mut sorted: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        sorted.sort();
        let prefix = query.prefix.clone();
        let read = |start: &Start, end: Option<&str>, limit: usize| -> Result<Vec<Entry>, ()> {
            reads.set(reads.get() + 1);
            Ok(sorted
                .iter()
                .filter(|k| k.starts_with(&prefix))
                .filter(|k| end.is_none_or(|end| k.as_str() < end))
                .filter(|k| match start {
                    Start::Including(s) => k.as_str() >= s.as_str(),
                    Start::After(s) => k.as_str() > s.as_str(),
                })
                .take(limit)
                .map(|k| entry(k))
                .collect())
        };
        page(query, read).unwrap()
    }

    fn names(result: &ListResult) -> Vec<String> {
        result
            .items
            .iter()
            .map(|i| match i {
                ListItem::Object(o) => o.key.clone(),
                ListItem::CommonPrefix(p) => format!("{p}(prefix)"),
            })
            .collect()
    }

    fn query(prefix: &str, delimiter: Option<&str>, after: Option<&str>, max: usize) -> ListQuery {
        ListQuery {
            prefix: prefix.into(),
            delimiter: delimiter.map(str::to_string),
            start_after: after.map(str::to_string),
            max_keys: max,
            until: None,
        }
    }

    // The keys of the delimiter example in ListObjectsV2's documentation.
    const AWS_KEYS: &[&str] = &[
        "sample.jpg",
        "photos/2006/January/sample.jpg",
        "photos/2006/February/sample2.jpg",
        "photos/2006/February/sample3.jpg",
        "photos/2006/February/sample4.jpg",
    ];

    #[test]
    fn groups_by_delimiter_as_the_aws_example() {
        let reads = Cell::new(0);
        let root = run(AWS_KEYS, &query("", Some("/"), None, 1000), &reads);
        assert_eq!(names(&root), ["photos/(prefix)", "sample.jpg"]);
        let year = run(
            AWS_KEYS,
            &query("photos/2006/", Some("/"), None, 1000),
            &reads,
        );
        assert_eq!(
            names(&year),
            [
                "photos/2006/February/(prefix)",
                "photos/2006/January/(prefix)"
            ]
        );
        assert!(!year.is_truncated);
    }

    #[test]
    fn pages_resume_after_the_last_item_including_a_common_prefix() {
        let reads = Cell::new(0);
        let keys = ["a/1", "a/2", "b", "c/1", "d"];
        let first = run(&keys, &query("", Some("/"), None, 2), &reads);
        assert_eq!(names(&first), ["a/(prefix)", "b"]);
        assert!(first.is_truncated);
        assert_eq!(first.resume_after.as_deref(), Some("b"));
        let second = run(&keys, &query("", Some("/"), Some("b"), 2), &reads);
        assert_eq!(names(&second), ["c/(prefix)", "d"]);
        assert!(!second.is_truncated);
        // Resuming after a common prefix skips every key it groups.
        let after_prefix = run(&keys, &query("", Some("/"), Some("a/"), 10), &reads);
        assert_eq!(names(&after_prefix), ["b", "c/(prefix)", "d"]);
    }

    #[test]
    fn start_after_and_prefix_combine() {
        let reads = Cell::new(0);
        let keys = ["x/1", "x/2", "x/3", "y/1"];
        let listed = run(&keys, &query("x/", None, Some("x/1"), 10), &reads);
        assert_eq!(names(&listed), ["x/2", "x/3"]);
        // A start-after before the prefix starts at the prefix.
        let listed = run(&keys, &query("x/", None, Some("a"), 10), &reads);
        assert_eq!(names(&listed), ["x/1", "x/2", "x/3"]);
        assert!(run(&keys, &query("x/", None, None, 0), &reads)
            .items
            .is_empty());
    }

    #[test]
    fn a_page_costs_reads_bounded_by_its_size_not_the_bucket() {
        let keys: Vec<String> = (0..20_000)
            .map(|i| format!("dir{:02}/{i:06}", i % 50))
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let reads = Cell::new(0);
        let flat = run(&keys, &query("", None, None, 1000), &reads);
        assert_eq!(flat.items.len(), 1000);
        assert!(flat.is_truncated);
        assert_eq!(reads.get(), 1);
        reads.set(0);
        let grouped = run(&keys, &query("", Some("/"), None, 1000), &reads);
        assert_eq!(grouped.items.len(), 50);
        // One read per common prefix, and the last one that finds nothing more.
        assert_eq!(reads.get(), 51);
    }

    #[test]
    fn entries_travel_with_short_names() {
        let json = entry("k").to_json();
        assert_eq!(json, r#"{"k":"k","s":1,"e":"etag-k","m":0}"#);
        assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), entry("k"));
    }
}
