//! Version ids: 32 lower-case hex digits, the first 12 the milliseconds left until the year
//! 10,889 (so that a later write sorts first), the other 20 random; and `null`, the version of
//! an object written while its bucket was unversioned or suspended. An id is also the version's
//! place in the version archive (`ops::version_archive`), where a key's versions are listed in
//! id order: newest first, as ListObjectVersions lists them.

/// The version id of an object written while its bucket was unversioned or suspended.
pub const NULL_VERSION: &str = "null";

/// Length of a version id (also the length of the index ids in `listing::upload_names`).
pub const VERSION_ID_LEN: usize = 32;

/// The largest millisecond count the id's 12 digits hold.
const MILLIS_MAX: u128 = 0xffff_ffff_ffff;
const RANDOM_BITS: u32 = 80;

/// Whether `id` is one this code makes (other than `null`).
pub fn is_version_id(id: &str) -> bool {
    id.len() == VERSION_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn value(id: &str) -> Option<u128> {
    is_version_id(id)
        .then(|| u128::from_str_radix(id, 16).ok())
        .flatten()
}

fn format(value: u128) -> String {
    format!("{value:032x}")
}

/// A new version's id, written at `now_millis`: sorted before `newer_than` (the id of the version
/// it goes over, which a clock running behind must not place after it).
pub fn next_version_id(now_millis: i64, newer_than: Option<&str>, random: [u8; 16]) -> String {
    let noise = u128::from_be_bytes(random) & ((1u128 << RANDOM_BITS) - 1);
    let millis = (now_millis.max(0) as u128).min(MILLIS_MAX);
    let mut id = ((MILLIS_MAX - millis) << RANDOM_BITS) | noise;
    if let Some(limit) = newer_than.and_then(value) {
        if id >= limit {
            // Below the version it goes over, by a random step that keeps ids unguessable.
            let step = 1 + (noise & 0xffff_ffff);
            id = limit.saturating_sub(step);
        }
    }
    format(id)
}

/// The place in the archive of a version written before ids were kept (an object written while
/// its bucket was never versioned): by its time, with digits from `seed` (the same for every
/// writer archiving the same record, so that they all write the same name).
pub fn place_of_unnumbered(last_modified_millis: i64, seed: &[u8]) -> String {
    let mut random = [0u8; 16];
    for (i, b) in seed.iter().enumerate() {
        random[i % 16] ^= b.rotate_left((i / 16) as u32);
    }
    next_version_id(last_modified_millis, None, random)
}

/// Whether `id`'s version was written before `other`'s (ids sort newest first).
pub fn is_older(id: &str, other: &str) -> bool {
    id > other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_versions_sort_first() {
        let a = next_version_id(1_000, None, [7; 16]);
        let b = next_version_id(2_000, None, [0; 16]);
        assert!(is_version_id(&a) && is_version_id(&b), "{a} {b}");
        assert!(b < a && is_older(&a, &b));
        // A clock behind the version gone over still sorts the new one first.
        let c = next_version_id(500, Some(&b), [9; 16]);
        assert!(c < b, "{c} {b}");
        let d = next_version_id(500, Some(&c), [9; 16]);
        assert!(d < c);
        assert!(!is_version_id("null") && !is_version_id(&a.to_uppercase()));
        assert!(!is_version_id(&a[1..]));
    }

    #[test]
    fn unnumbered_versions_get_the_same_place_from_the_same_record() {
        let one = place_of_unnumbered(5_000, b"{\"key\":\"k\"}");
        assert_eq!(one, place_of_unnumbered(5_000, b"{\"key\":\"k\"}"));
        assert_ne!(one, place_of_unnumbered(5_000, b"{\"key\":\"j\"}"));
        assert!(next_version_id(6_000, None, [1; 16]) < one);
    }
}
