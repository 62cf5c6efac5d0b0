//! R2 names of the indexes ordered by (key, 32-hex-digit id) under a root: the upload index, one
//! empty object per in-progress multipart upload, ordered as ListMultipartUploads lists them (AWS
//! S3 API Reference "ListMultipartUploads": by key, then by upload id),
//! `upload-index/<bucket>/<escaped key>\x01\x01<upload id>`; and the version archive
//! (`versioning::archive`), whose ids sort newest first as ListObjectVersions lists them.
//!
//! The key is escaped so that byte order of names is the order of (key, upload id): `\x00`
//! becomes `\x01\x02`, `\x01` becomes `\x01\x03`, and `\x01\x01` ends the key (it sorts before
//! anything that may follow a key's last character). A name that would pass R2's 1,024 bytes
//! keeps a prefix of the escaped key (its *group*, cut on a character boundary and never inside
//! an escape) followed by `\x01\x01\x01` and the upload id; the full key is in the entry's
//! metadata. Every name starting with a group is one contiguous run of R2 names, which the lister
//! reads whole and sorts by full key.

use crate::names::R2_NAME_MAX;

/// Ends the escaped key in every name.
const TERMINATOR: &str = "\u{1}\u{1}";
/// Ends the kept part of the key in a truncated name.
const TRUNCATED: &str = "\u{1}\u{1}\u{1}";
/// Length of an upload id (12 hex digits of milliseconds, 20 random ones).
pub const UPLOAD_ID_LEN: usize = 32;

/// R2 prefix of a bucket's upload index.
pub fn prefix(bucket: &str) -> String {
    format!("upload-index/{bucket}/")
}

/// The key with `\x00` and `\x01` escaped (order-preserving, see the module's text).
pub fn escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        match c {
            '\u{0}' => out.push_str("\u{1}\u{2}"),
            '\u{1}' => out.push_str("\u{1}\u{3}"),
            c => out.push(c),
        }
    }
    out
}

/// The key an escaped key (or the escaped part of a name, such as an R2 common prefix) stands for.
pub fn unescape(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1}' {
            match chars.next() {
                Some('\u{2}') => out.push('\u{0}'),
                Some('\u{3}') => out.push('\u{1}'),
                Some(other) => {
                    out.push(c);
                    out.push(other);
                }
                None => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The longest escaped key a truncated name keeps, for this bucket.
fn keep_max(root: &str) -> usize {
    R2_NAME_MAX - root.len() - TRUNCATED.len() - UPLOAD_ID_LEN
}

/// The shortest group a truncated name of this bucket may have (a cut backs off at most three
/// bytes from [`keep_max`]: to a character boundary, or before an escape).
pub fn min_group(root: &str) -> usize {
    keep_max(root) - 3
}

/// The largest cut of `escaped` at most `max` bytes long that ends on a character boundary and
/// not between an escape's two bytes.
fn cut(escaped: &str, max: usize) -> usize {
    if max >= escaped.len() {
        return escaped.len();
    }
    let mut at = max;
    while !escaped.is_char_boundary(at) {
        at -= 1;
    }
    if at > 0 && escaped.as_bytes()[at - 1] == 1 {
        at -= 1;
    }
    at
}

/// An upload's index entry name, and whether the key had to be truncated (the entry then
/// carries the full key in its metadata).
pub fn entry_name(root: &str, key: &str, upload_id: &str) -> (String, bool) {
    let prefix = root;
    let escaped = escape(key);
    let whole = prefix.len() + escaped.len() + TERMINATOR.len() + upload_id.len();
    if whole <= R2_NAME_MAX {
        return (format!("{prefix}{escaped}{TERMINATOR}{upload_id}"), false);
    }
    let kept = &escaped[..cut(&escaped, keep_max(root))];
    (format!("{prefix}{kept}{TRUNCATED}{upload_id}"), true)
}

/// The R2 prefix every entry name of `key` starts with, and whether names of other keys may
/// start with it too (a key too long for whole names: entries must be told apart by the full
/// key in their metadata).
pub fn key_prefix(root: &str, key: &str) -> (String, bool) {
    let (name, truncated) = entry_name(root, key, &"0".repeat(UPLOAD_ID_LEN));
    (name[..name.len() - UPLOAD_ID_LEN].to_string(), truncated)
}

/// What an entry's name (after the bucket's prefix) says: the escaped key, or for a truncated
/// name its kept part, the upload id, and whether it is truncated. `None` for a name this module
/// did not make.
pub fn parse(rest: &str) -> Option<(&str, &str, bool)> {
    let at = rest.find(TERMINATOR)?;
    let (escaped, after) = (&rest[..at], &rest[at + TERMINATOR.len()..]);
    let (upload_id, truncated) = match after.strip_prefix('\u{1}') {
        Some(id) => (id, true),
        None => (after, false),
    };
    let is_id =
        upload_id.len() == UPLOAD_ID_LEN && upload_id.bytes().all(|b| b.is_ascii_hexdigit());
    is_id.then_some((escaped, upload_id, truncated))
}

/// The upload id at the end of an entry's name (both kinds of names end with it).
pub fn upload_id_of(name: &str) -> Option<&str> {
    let at = name.len().checked_sub(UPLOAD_ID_LEN)?;
    name.get(at..)
        .filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The group of a truncated name: every name of the same run starts with it. (A name not
/// written by s3edge, whose cut falls inside a character, is its own group.)
pub fn group_of(name: &str) -> &str {
    name.get(..name.len().saturating_sub(TRUNCATED.len() + UPLOAD_ID_LEN))
        .unwrap_or(name)
}

/// Whether an escaped key is short enough that no truncated name's group is a prefix of it
/// (its names then sort exactly by key).
fn is_short(root: &str, escaped: &str) -> bool {
    escaped.len() < min_group(root)
}

/// Where an R2 listing starts (`startAfter`, exclusive) so that it returns every upload after
/// `key_marker` / `upload_id_marker` as ListMultipartUploads defines "after" (a key greater than
/// the marker; with an upload id marker, also that key's later uploads), and possibly some
/// before it, which the lister filters out. `rolls_up`: the marker is a common prefix already
/// returned, whose every key is skipped.
pub fn start_after(root: &str, key_marker: &str, upload_id_marker: &str, rolls_up: bool) -> String {
    let prefix = root;
    let escaped = escape(key_marker);
    if !is_short(root, &escaped) {
        // A truncated name sorting before the marker's may hold a greater key: start before
        // every group the marker could belong to.
        return format!("{prefix}{}", &escaped[..cut(&escaped, min_group(root))]);
    }
    if rolls_up {
        format!("{prefix}{escaped}\u{10FFFF}")
    } else if upload_id_marker.is_empty() {
        // After every `<key>\x01\x01…` name, before the names of longer keys.
        format!("{prefix}{escaped}\u{1}\u{2}")
    } else {
        format!("{prefix}{escaped}{TERMINATOR}{upload_id_marker}")
    }
}

/// Where to resume a listing whose keys are grouped in Rust under `common` (an R2 `startAfter`
/// past every name of a key starting with it), when that jump is exact.
pub fn past_prefix(root: &str, common: &str) -> Option<String> {
    let escaped = escape(common);
    is_short(root, &escaped).then(|| format!("{}{escaped}\u{10FFFF}", root))
}

/// The R2 list prefix for an S3 prefix, and whether it is exact (every name of a key with that
/// prefix starts with it and no other does; when shortened, keys must be filtered, and grouped,
/// in Rust).
pub fn list_prefix(root: &str, s3_prefix: &str) -> (String, bool) {
    let escaped = escape(s3_prefix);
    let exact = escaped.len() <= min_group(root);
    let kept = &escaped[..cut(&escaped, min_group(root))];
    (format!("{}{kept}", root), exact)
}

/// Whether R2 may group names on `delimiter`: it then matches only inside the escaped key, where
/// it matches exactly where it matches in the key (it has a character that is not a hex digit,
/// so it never matches inside an upload id, and no `\x00`–`\x03`, so never across an escape or
/// the terminator).
pub fn delimiter_is_safe(delimiter: &str) -> bool {
    !delimiter.bytes().all(|b| b.is_ascii_hexdigit()) && !delimiter.bytes().any(|b| b <= 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID_A: &str = "0000000000010000000000000000000a";
    const ID_B: &str = "0000000000020000000000000000000b";

    fn name(key: &str, id: &str) -> String {
        entry_name(&prefix("b"), key, id).0
    }

    #[test]
    fn names_sort_by_key_then_upload_id() {
        let keys = [
            "",
            "\u{0}",
            "\u{0}\u{0}",
            "\u{0}a",
            "\u{1}",
            "\u{1}\u{0}",
            "\u{2}",
            "a",
            "a\u{0}",
            "a\u{1}",
            "a\u{2}",
            "a/",
            "a/b",
            "ab",
            "é",
            "\u{10FFFF}",
        ];
        let mut expected: Vec<(&str, &str)> = Vec::new();
        for key in keys {
            for id in [ID_A, ID_B] {
                expected.push((key, id));
            }
        }
        expected.sort();
        let mut by_name = expected.clone();
        by_name.sort_by_key(|(k, id)| name(k, id));
        assert_eq!(by_name, expected);
    }

    #[test]
    fn escaping_round_trips_and_names_parse() {
        for key in [
            "",
            "plain",
            "\u{0}\u{1}\u{2}\u{3}",
            "a\u{1}\u{1}b",
            "é\u{0}",
        ] {
            assert_eq!(unescape(&escape(key)), key);
            let n = name(key, ID_A);
            let (escaped, id, truncated) = parse(&n["upload-index/b/".len()..]).unwrap();
            assert_eq!(
                (unescape(escaped).as_str(), id, truncated),
                (key, ID_A, false)
            );
            assert_eq!(upload_id_of(&n), Some(ID_A));
        }
    }

    #[test]
    fn long_keys_are_cut_outside_escapes_and_characters() {
        for filler in ["x", "é", "\u{1}", "\u{0}", "😀"] {
            let key = filler.repeat(1024 / filler.len());
            let (n, truncated) = entry_name(&prefix("b"), &key, ID_A);
            assert!(truncated, "{filler:?}");
            assert!(n.len() <= R2_NAME_MAX);
            let (kept, id, truncated) = parse(&n["upload-index/b/".len()..]).unwrap();
            assert!(truncated && id == ID_A);
            assert!(escape(&key).starts_with(kept));
            assert!(
                kept.len() >= min_group(&prefix("b")),
                "{filler:?} {}",
                kept.len()
            );
            assert_eq!(group_of(&n), format!("upload-index/b/{kept}"));
            // The kept part decodes to a prefix of the key: no escape was split.
            assert!(key.starts_with(&unescape(kept)));
            assert_eq!(escape(&unescape(kept)), kept);
        }
    }

    #[test]
    fn start_after_lists_everything_after_the_markers() {
        let long = |c: &str, n: usize| format!("{}{c}", "k".repeat(n));
        let keys = [
            "a".to_string(),
            "a\u{0}".to_string(),
            "a\u{1}".to_string(),
            "ab".to_string(),
            long("", 960),
            long("a", 960),
            long("b", 1000),
            long("c", 1010),
            long("", 1020),
        ];
        for marker in &keys {
            for id_marker in ["", ID_A] {
                let after = start_after(&prefix("b"), marker, id_marker, false);
                for key in &keys {
                    for id in [ID_A, ID_B] {
                        let later = key > marker
                            || (key == marker && !id_marker.is_empty() && id > id_marker);
                        if later {
                            assert!(
                                name(key, id) > after,
                                "{} after {}",
                                key.len(),
                                marker.len()
                            );
                        } else if marker.len() < 900 {
                            // Short markers start exactly: nothing before is listed again.
                            assert!(name(key, id) <= after, "{key:?} vs {marker:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn delimiters_r2_may_group_on() {
        assert!(delimiter_is_safe("/"));
        assert!(delimiter_is_safe("ab/"));
        assert!(delimiter_is_safe("g"));
        assert!(!delimiter_is_safe("a"));
        assert!(!delimiter_is_safe("0f"));
        assert!(!delimiter_is_safe("/\u{1}"));
        assert!(!delimiter_is_safe("\u{3}"));
    }

    #[test]
    fn list_prefixes_are_exact_while_short() {
        assert_eq!(
            list_prefix(&prefix("b"), "a\u{0}"),
            ("upload-index/b/a\u{1}\u{2}".to_string(), true)
        );
        let (p, exact) = list_prefix(&prefix("b"), &"x".repeat(1000));
        assert!(!exact && p.len() - "upload-index/b/".len() <= min_group(&prefix("b")));
    }
}
