//! Names of everything stored: KV record names (at most 512 bytes), R2 listing-index names
//! (at most 1,024 bytes, ordered like the S3 keys they index) and R2 blob names (never the S3 key).

use sha2::{Digest, Sha256};

/// KV's limit on a key name.
pub const KV_NAME_MAX: usize = 512;
/// R2's limit on an object name.
pub const R2_NAME_MAX: usize = 1024;
/// Bytes a truncated index name appends after the kept part of the key: `\u{1}` and 16 hex digits.
const INDEX_HASH_SUFFIX: usize = 17;

pub const BUCKET_RECORD_PREFIX: &str = "bucket/";
pub const OWNER_BUCKET_PREFIX: &str = "owner/";

/// KV name of a bucket's record.
pub fn bucket_record(bucket: &str) -> String {
    format!("{BUCKET_RECORD_PREFIX}{bucket}")
}

/// KV prefix under which an owner's buckets are listed (`owner/<id>/<bucket>`).
pub fn owner_buckets_prefix(owner: &str) -> String {
    format!("{OWNER_BUCKET_PREFIX}{owner}/")
}

pub fn owner_bucket(owner: &str, bucket: &str) -> String {
    format!("{}{bucket}", owner_buckets_prefix(owner))
}

/// KV name of an object's record: the key itself when it fits, else its SHA-256
/// (records are only ever looked up by key; listing order comes from the index).
pub fn object_record(bucket: &str, key: &str) -> String {
    let plain = format!("object/{bucket}/{key}");
    if plain.len() <= KV_NAME_MAX {
        plain
    } else {
        format!(
            "object#/{bucket}/{}",
            hex::encode(Sha256::digest(key.as_bytes()))
        )
    }
}

/// R2 prefix of a bucket's listing index.
pub fn index_prefix(bucket: &str) -> String {
    format!("index/{bucket}/")
}

/// Where a name stands relative to the S3 key it indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexName {
    /// The name is the prefix followed by the whole key.
    Verbatim(String),
    /// The key was too long: the name keeps its first bytes (`group`) and a hash.
    Truncated { name: String, group: String },
}

impl IndexName {
    pub fn name(&self) -> &str {
        match self {
            IndexName::Verbatim(name) | IndexName::Truncated { name, .. } => name,
        }
    }
}

/// The longest part of a key kept in a truncated index name, for this bucket.
pub fn index_cut(bucket: &str) -> usize {
    R2_NAME_MAX - index_prefix(bucket).len() - INDEX_HASH_SUFFIX
}

/// R2 name of a key's listing-index entry. Keys too long for R2's 1,024-byte names keep
/// their first bytes and a hash; all names sharing those bytes form a contiguous group
/// that the lister reorders by full key (kept in the entry's metadata).
pub fn index_name(bucket: &str, key: &str) -> IndexName {
    let prefix = index_prefix(bucket);
    if prefix.len() + key.len() <= R2_NAME_MAX {
        return IndexName::Verbatim(format!("{prefix}{key}"));
    }
    let cut = floor_char_boundary(key, index_cut(bucket));
    let hash = hex::encode(&Sha256::digest(key.as_bytes())[..8]);
    let group = format!("{prefix}{}", &key[..cut]);
    IndexName::Truncated {
        name: format!("{group}\u{1}{hash}"),
        group,
    }
}

/// The group prefix of a truncated index name (the name without its hash suffix).
pub fn truncated_group(name: &str) -> &str {
    &name[..name.len().saturating_sub(INDEX_HASH_SUFFIX)]
}

/// The R2 `startAfter` that lists every key greater than `key` (and possibly a few
/// of a truncated group before it, which the lister filters by full key).
pub fn index_start_after(bucket: &str, key: &str) -> String {
    let prefix = index_prefix(bucket);
    let safe = floor_char_boundary(key, index_cut(bucket).saturating_sub(3));
    if key.len() <= safe {
        format!("{prefix}{key}")
    } else {
        // Everything from the start of the key's group on: `startAfter` is exclusive,
        // and the name of `key[..safe]` itself (if such a key exists) sorts before `key`.
        format!("{prefix}{}", &key[..safe])
    }
}

/// The R2 list prefix for an S3 prefix (shortened to what index names can hold).
pub fn index_list_prefix(bucket: &str, s3_prefix: &str) -> String {
    let cut = floor_char_boundary(s3_prefix, index_cut(bucket).saturating_sub(3));
    format!("{}{}", index_prefix(bucket), &s3_prefix[..cut])
}

/// R2 prefix of a bucket's blobs.
pub fn blob_prefix(bucket: &str) -> String {
    format!("blob/{bucket}/")
}

/// A fresh R2 blob name from random bytes; unrelated to the S3 key, so an overwrite
/// never touches the bytes a reader may still be streaming.
pub fn blob_name(bucket: &str, random: &[u8; 16]) -> String {
    format!("{}{}", blob_prefix(bucket), hex::encode(random))
}

/// R2 prefix of a bucket's in-progress multipart uploads.
pub fn upload_prefix(bucket: &str) -> String {
    format!("upload/{bucket}/")
}

/// R2 name of an in-progress multipart upload's record (R2, not KV: an UploadPart right after
/// CreateMultipartUpload must find it wherever it runs).
pub fn upload_record(bucket: &str, upload_id: &str) -> String {
    format!("{}{upload_id}", upload_prefix(bucket))
}

/// R2 prefix of a bucket's part blobs.
pub fn part_bucket_prefix(bucket: &str) -> String {
    format!("part/{bucket}/")
}

/// R2 prefix of one upload's part blobs, listed in part-number order.
pub fn part_prefix(bucket: &str, upload_id: &str) -> String {
    format!("{}{upload_id}/", part_bucket_prefix(bucket))
}

/// R2 prefix of the blobs uploaded for one part number (a re-upload adds one; the newest wins).
pub fn part_number_prefix(bucket: &str, upload_id: &str, part: u16) -> String {
    format!("{}{part:05}/", part_prefix(bucket, upload_id))
}

/// R2 name of one upload of a part: fresh each time, so a re-upload never overwrites bytes a
/// concurrent CompleteMultipartUpload may already have tied into the object.
pub fn part_blob(bucket: &str, upload_id: &str, part: u16, random: &[u8; 16]) -> String {
    format!(
        "{}{}",
        part_number_prefix(bucket, upload_id, part),
        hex::encode(random)
    )
}

/// R2 prefix of a bucket's part records.
pub fn part_record_bucket_prefix(bucket: &str) -> String {
    format!("partrec/{bucket}/")
}

/// R2 prefix of one upload's part records (empty objects whose metadata describe a stored
/// part: its blob, ETag, size and checksum), listed in part-number order.
pub fn part_record_prefix(bucket: &str, upload_id: &str) -> String {
    format!("{}{upload_id}/", part_record_bucket_prefix(bucket))
}

pub fn part_record(bucket: &str, upload_id: &str, part: u16) -> String {
    format!("{}{part:05}", part_record_prefix(bucket, upload_id))
}

/// The part number in a part blob's name.
pub fn part_number_of(name: &str) -> Option<u16> {
    let mut pieces = name.rsplit('/');
    pieces.next()?;
    pieces.next()?.parse().ok()
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_keep_the_key() {
        assert_eq!(object_record("b", "a/b c"), "object/b/a/b c");
        assert_eq!(
            index_name("b", "k"),
            IndexName::Verbatim("index/b/k".into())
        );
    }

    #[test]
    fn long_keys_fit_the_platform_limits() {
        let key = "é".repeat(512); // 1,024 bytes
        let record = object_record("bucket", &key);
        assert!(record.len() <= KV_NAME_MAX);
        assert!(record.starts_with("object#/bucket/"));
        let index = index_name("bucket", &key);
        assert!(index.name().len() <= R2_NAME_MAX);
        match index {
            IndexName::Truncated { name, group } => {
                assert!(name.starts_with(&group));
                assert!(key.starts_with(&group["index/bucket/".len()..]));
            }
            other => panic!("expected a truncated name, got {other:?}"),
        }
    }

    #[test]
    fn distinct_long_keys_get_distinct_names() {
        let a = format!("{}a", "x".repeat(1023));
        let b = format!("{}b", "x".repeat(1023));
        assert_ne!(index_name("b", &a), index_name("b", &b));
        assert_ne!(object_record("b", &a), object_record("b", &b));
    }

    #[test]
    fn start_after_sorts_before_every_greater_key() {
        let bucket = "bkt";
        let keys = [
            "a".to_string(),
            "ab".to_string(),
            "x".repeat(990),
            format!("{}y", "x".repeat(1000)),
            format!("{}z", "x".repeat(1010)),
        ];
        for s in &keys {
            let after = index_start_after(bucket, s);
            for k in &keys {
                if k > s {
                    assert!(
                        index_name(bucket, k).name() > after.as_str(),
                        "{} after {}",
                        k.len(),
                        s.len()
                    );
                }
            }
        }
    }
}
