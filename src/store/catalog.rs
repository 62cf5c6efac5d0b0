//! The metadata store on Durable Objects, as the Worker and the objects agree on it: which
//! object holds a name (one per bucket, one for the account-wide names) and the commands and
//! answers that pass between them. Pure: `platform::durable` runs them on SQLite storage.

use super::{Expect, KvPage};
use crate::listing::sorted::Entry;
use crate::listing::{ListItem, ListQuery, ListResult};
use serde::{Deserialize, Serialize};

/// The object holding the names that belong to no bucket (`owner/…`, `sweep/…`). Bucket names
/// never contain `~`, so no bucket's object has this name.
pub const ACCOUNT_SHARD: &str = "~account";

/// The name of the Durable Object that holds `name`: the bucket of a bucket or object record,
/// else [`ACCOUNT_SHARD`].
pub fn shard_of(name: &str) -> &str {
    let bucket_part = name
        .strip_prefix("bucket/")
        .or_else(|| name.strip_prefix("object/"))
        .or_else(|| name.strip_prefix("object#/"));
    match bucket_part {
        Some(rest) => rest.split('/').next().unwrap_or(rest),
        None => ACCOUNT_SHARD,
    }
}

/// The object a listing of `prefix` goes to: the bucket's when the prefix stays inside one
/// bucket's object records, else the account's (which holds every name listed across buckets).
pub fn shard_of_prefix(prefix: &str) -> &str {
    ["object/", "object#/"]
        .iter()
        .find_map(|start| prefix.strip_prefix(start)?.split_once('/'))
        .map_or(ACCOUNT_SHARD, |(bucket, _)| bucket)
}

/// One call to an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Command {
    Get {
        names: Vec<String>,
    },
    Put {
        name: String,
        value: String,
        metadata: Option<String>,
        /// `None`: unconditional.
        expect: Option<Expected>,
    },
    Delete {
        name: String,
    },
    /// Deletes the name only if it holds `value`.
    DeleteIf {
        name: String,
        value: String,
    },
    /// Several names of one object, in one transaction.
    DeleteMany {
        names: Vec<String>,
    },
    List {
        prefix: String,
        cursor: Option<String>,
        limit: u32,
    },
    /// One listing page of the bucket's objects, from their records in key order.
    ListObjects {
        prefix: String,
        delimiter: Option<String>,
        start_after: Option<String>,
        max_keys: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
}

impl Command {
    pub fn list_objects(query: &ListQuery) -> Command {
        Command::ListObjects {
            prefix: query.prefix.clone(),
            delimiter: query.delimiter.clone(),
            start_after: query.start_after.clone(),
            max_keys: query.max_keys,
            until: query.until.clone(),
        }
    }
}

/// One item of a listing page as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Item {
    #[serde(rename = "o")]
    Object(Entry),
    #[serde(rename = "p")]
    Prefix(String),
}

/// A listing page as it travels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<Item>,
    pub truncated: bool,
    pub resume_after: Option<String>,
}

impl From<ListResult> for Page {
    fn from(result: ListResult) -> Page {
        let items = result
            .items
            .into_iter()
            .map(|item| match item {
                ListItem::Object(object) => Item::Object(Entry::from_listed(object)),
                ListItem::CommonPrefix(prefix) => Item::Prefix(prefix),
            })
            .collect();
        Page {
            items,
            truncated: result.is_truncated,
            resume_after: result.resume_after,
        }
    }
}

impl From<Page> for ListResult {
    fn from(page: Page) -> ListResult {
        let items = page
            .items
            .into_iter()
            .map(|item| match item {
                Item::Object(entry) => ListItem::Object(entry.into_listed()),
                Item::Prefix(prefix) => ListItem::CommonPrefix(prefix),
            })
            .collect();
        ListResult {
            items,
            is_truncated: page.truncated,
            resume_after: page.resume_after,
        }
    }
}

/// [`Expect`] as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Absent,
    Value(String),
}

impl From<Expect<'_>> for Expected {
    fn from(expect: Expect<'_>) -> Self {
        match expect {
            Expect::Absent => Expected::Absent,
            Expect::Value(value) => Expected::Value(value.to_string()),
        }
    }
}

/// What an object answers; each command fills its part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// `Get`: the values in the order asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Option<String>>,
    /// `Put`: whether it wrote.
    #[serde(default)]
    pub written: bool,
    /// `List`: the names with their metadata, in byte order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<(String, Option<String>)>,
    /// `List`: where the next page starts, when one follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// `ListObjects`: the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<Page>,
}

impl Answer {
    pub fn into_page(self) -> KvPage {
        KvPage {
            entries: self.entries,
            cursor: self.cursor,
        }
    }
}

/// The first string after every string that starts with `prefix`, in byte order (the exclusive
/// end of a range scan); `None` when no such string exists (an empty prefix, or one of `\u{10FFFF}`s).
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value (skipping the surrogate gap), which sorts after every string
        // that begins with `last`.
        let next = match last as u32 {
            0xD7FF => Some('\u{E000}'),
            n => char::from_u32(n + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_to_their_bucket_or_to_the_account() {
        assert_eq!(shard_of("bucket/photos"), "photos");
        assert_eq!(shard_of("object/photos/a/b.jpg"), "photos");
        assert_eq!(shard_of("object#/photos/0123abcd"), "photos");
        assert_eq!(shard_of("owner/abc/photos"), ACCOUNT_SHARD);
        assert_eq!(shard_of("sweep/cursor"), ACCOUNT_SHARD);
    }

    #[test]
    fn listings_go_to_one_bucket_only_when_they_stay_inside_it() {
        assert_eq!(shard_of_prefix("object/photos/"), "photos");
        assert_eq!(shard_of_prefix("object/photos/2024/"), "photos");
        assert_eq!(shard_of_prefix("owner/abc/"), ACCOUNT_SHARD);
        assert_eq!(shard_of_prefix("object/pho"), ACCOUNT_SHARD);
        assert_eq!(shard_of_prefix("bucket/"), ACCOUNT_SHARD);
    }

    #[test]
    fn a_prefix_ends_where_its_last_character_is_passed() {
        assert_eq!(prefix_end("owner/abc/").as_deref(), Some("owner/abc0"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end(""), None);
        let end = prefix_end("object/b/k").unwrap();
        assert!("object/b/k\u{10FFFF}" < end.as_str() && "object/b/l" == end);
    }

    #[test]
    fn commands_travel_as_tagged_json() {
        let put = Command::Put {
            name: "object/b/k".into(),
            value: "{}".into(),
            metadata: None,
            expect: Some(Expect::Value("old").into()),
        };
        let json = serde_json::to_string(&put).unwrap();
        assert_eq!(
            json,
            r#"{"op":"put","name":"object/b/k","value":"{}","metadata":null,"expect":{"value":"old"}}"#
        );
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), put);
    }
}
