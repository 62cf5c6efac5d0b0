//! Workers KV's consistency in memory, for native tests: the in-memory store stands for KV's
//! central stores (and for R2, which is strongly consistent and passed through untouched), and
//! each *location* (a Cloudflare data centre, chosen per request with [`EventualStore::set_location`])
//! keeps its own cache in front of it, as production KV does:
//!
//! - A read in a location that has not read the name before goes to the central store; what it
//!   finds, a value or "absent", is cached in that location for [`KV_CACHE_TTL_MILLIS`] (KV's
//!   default `cacheTtl`, 60 s; negative lookups are cached the same way). Further reads there
//!   are answered from that cache, whatever was written meanwhile, until it expires; the next read
//!   then goes to the central store again and starts a new period.
//! - A write or delete goes to the central store and becomes what its own location's cache holds
//!   (KV: changes are usually visible at once in the location that made them). Other locations
//!   see it when their cached entry expires, or at once if they never read the name.
//! - `list` is eventually consistent too. Modelled: each location caches each page it lists (by
//!   prefix, cursor and limit) for the same time, and its own writes do not refresh those pages.
//! - There is no compare-and-swap: [`MetaStore::put_if`] is the trait's read-then-write, the
//!   read going through the location's cache.
//!
//! Time is the central store's clock (`MemoryStore::now_millis`). Every KV call is made on the
//! central store, a cached answer included (its result then set aside), so that the central
//! store's call count and injected failures cover every KV operation the code makes: a read
//! served from a location's cache is still a KV operation, billed and counted against the
//! per-invocation limit.

use super::memory::MemoryStore;
use super::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// How long a location serves what it read (Workers KV's default and minimum `cacheTtl`).
pub const KV_CACHE_TTL_MILLIS: i64 = 60_000;

/// The location requests run in until [`EventualStore::set_location`] names another.
pub const FIRST_LOCATION: &str = "A";

/// An answer a location keeps, and when it got it.
#[derive(Debug, Clone)]
struct Cached<T> {
    value: T,
    since_millis: i64,
}

/// One location's cache.
#[derive(Debug, Default)]
struct Location {
    reads: BTreeMap<String, Cached<Option<String>>>,
    lists: BTreeMap<(String, Option<String>, u32), Cached<KvPage>>,
}

/// KV seen from one location at a time, over a central [`MemoryStore`] that also serves R2.
pub struct EventualStore {
    central: MemoryStore,
    location: RefCell<String>,
    locations: RefCell<BTreeMap<String, Location>>,
    /// How long a cached answer is served (defaults to [`KV_CACHE_TTL_MILLIS`]).
    pub ttl_millis: Cell<i64>,
}

impl EventualStore {
    pub fn new(central: MemoryStore) -> Self {
        EventualStore {
            central,
            location: RefCell::new(FIRST_LOCATION.to_string()),
            locations: RefCell::new(BTreeMap::new()),
            ttl_millis: Cell::new(KV_CACHE_TTL_MILLIS),
        }
    }

    /// What every location reads through: KV's central stores, and R2. Its clock, call count
    /// and fault switch are this store's.
    pub fn central(&self) -> &MemoryStore {
        &self.central
    }

    /// Makes the following calls run in `location` (any name; a new one has an empty cache).
    pub fn set_location(&self, location: &str) {
        *self.location.borrow_mut() = location.to_string();
    }

    pub fn location(&self) -> String {
        self.location.borrow().clone()
    }

    fn now(&self) -> i64 {
        self.central.now_millis.get()
    }

    fn fresh<T: Clone>(&self, cached: Option<&Cached<T>>) -> Option<T> {
        cached
            .filter(|c| self.now() - c.since_millis < self.ttl_millis.get())
            .map(|c| c.value.clone())
    }

    /// What this location serves for `name` without asking the central store, if anything.
    fn cached_read(&self, name: &str) -> Option<Option<String>> {
        let locations = self.locations.borrow();
        let location = locations.get(&*self.location.borrow())?;
        self.fresh(location.reads.get(name))
    }

    /// `value` becomes what this location serves for `name`, from now on.
    fn remember(&self, name: &str, value: Option<String>) {
        let since_millis = self.now();
        self.locations
            .borrow_mut()
            .entry(self.location())
            .or_default()
            .reads
            .insert(
                name.to_string(),
                Cached {
                    value,
                    since_millis,
                },
            );
    }

    /// A read's answer in this location: the cached one while it lasts, else `central`'s (then
    /// cached).
    fn through_cache(&self, name: &str, central: Option<String>) -> Option<String> {
        match self.cached_read(name) {
            Some(cached) => cached,
            None => {
                self.remember(name, central.clone());
                central
            }
        }
    }
}

impl MetaStore for EventualStore {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        let central = self.central.get(name).await?;
        Ok(self.through_cache(name, central))
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        let central = self.central.get_many(names).await?;
        Ok(names
            .iter()
            .zip(central)
            .map(|(name, value)| self.through_cache(name, value))
            .collect())
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        self.central.put(name, value, metadata).await?;
        self.remember(name, Some(value.to_string()));
        Ok(())
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        self.central.delete(name).await?;
        self.remember(name, None);
        Ok(())
    }

    // `put_if` is the trait's own: a read through this location's cache, then a write.

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        let central = self.central.list(prefix, cursor, limit).await?;
        let query = (prefix.to_string(), cursor.map(str::to_string), limit);
        let since_millis = self.now();
        let mut locations = self.locations.borrow_mut();
        let location = locations.entry(self.location()).or_default();
        if let Some(page) = self.fresh(location.lists.get(&query)) {
            return Ok(page);
        }
        location.lists.insert(
            query,
            Cached {
                value: central.clone(),
                since_millis,
            },
        );
        Ok(central)
    }
}

/// R2 is strongly consistent: every call goes to the central store as it is.
impl BlobStore for EventualStore {
    type Body = Vec<u8>;

    async fn put_blob(
        &self,
        name: &str,
        upload: BlobUpload<Vec<u8>>,
    ) -> Result<BlobWritten, S3Error> {
        self.central.put_blob(name, upload).await
    }

    async fn put_small(
        &self,
        name: &str,
        bytes: Vec<u8>,
        custom: BTreeMap<String, String>,
    ) -> StoreResult<()> {
        self.central.put_small(name, bytes, custom).await
    }

    async fn get_blob(
        &self,
        name: &str,
        range: Option<(u64, u64)>,
    ) -> StoreResult<Option<Vec<u8>>> {
        self.central.get_blob(name, range).await
    }

    async fn open_pieces(&self, pieces: Vec<Piece>, total: u64) -> StoreResult<Vec<u8>> {
        self.central.open_pieces(pieces, total).await
    }

    async fn get_small(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.central.get_small(name).await
    }

    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()> {
        self.central.delete_blobs(names).await
    }

    async fn list_blobs(&self, options: BlobListOptions<'_>) -> StoreResult<BlobPage> {
        self.central.list_blobs(options).await
    }

    fn body_of_bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }

    async fn read_body(&self, body: Vec<u8>, limit: usize) -> Result<Vec<u8>, S3Error> {
        self.central.read_body(body, limit).await
    }

    async fn split_form(
        &self,
        body: Vec<u8>,
        split: FormSplit,
    ) -> Result<SplitForm<Vec<u8>>, S3Error> {
        self.central.split_form(body, split).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;

    fn store() -> EventualStore {
        EventualStore::new(MemoryStore::new())
    }

    fn advance(store: &EventualStore, millis: i64) {
        let clock = &store.central().now_millis;
        clock.set(clock.get() + millis);
    }

    #[test]
    fn a_location_serves_what_it_read_until_the_ttl_ends() {
        let s = store();
        s.set_location("B");
        assert_eq!(block_on(s.get("k")).unwrap(), None);
        s.set_location("A");
        block_on(s.put("k", "v1", None)).unwrap();
        assert_eq!(block_on(s.get("k")).unwrap().as_deref(), Some("v1"));
        s.set_location("C");
        assert_eq!(block_on(s.get("k")).unwrap().as_deref(), Some("v1"));
        s.set_location("B");
        advance(&s, KV_CACHE_TTL_MILLIS - 1);
        assert_eq!(
            block_on(s.get("k")).unwrap(),
            None,
            "negative lookup cached"
        );
        advance(&s, 1);
        assert_eq!(block_on(s.get("k")).unwrap().as_deref(), Some("v1"));
        s.set_location("A");
        block_on(s.delete("k")).unwrap();
        assert_eq!(block_on(s.get("k")).unwrap(), None);
        s.set_location("B");
        let many = block_on(s.get_many(&["k", "other"])).unwrap();
        assert_eq!(many, vec![Some("v1".to_string()), None]);
    }

    #[test]
    fn put_if_is_a_read_through_the_cache_then_a_write() {
        let s = store();
        s.set_location("B");
        assert_eq!(block_on(s.get("k")).unwrap(), None);
        s.set_location("A");
        assert!(block_on(s.put_if("k", "a", None, Expect::Absent)).unwrap());
        assert!(!block_on(s.put_if("k", "a2", None, Expect::Absent)).unwrap());
        s.set_location("B");
        assert!(block_on(s.put_if("k", "b", None, Expect::Absent)).unwrap());
        assert_eq!(
            block_on(s.central().get("k")).unwrap().as_deref(),
            Some("b")
        );
    }

    #[test]
    fn list_pages_are_cached_per_location_even_against_its_own_writes() {
        let s = store();
        let names = |page: KvPage| -> Vec<String> {
            page.entries.into_iter().map(|(name, _)| name).collect()
        };
        assert!(names(block_on(s.list("p/", None, 10)).unwrap()).is_empty());
        block_on(s.put("p/1", "", None)).unwrap();
        assert!(names(block_on(s.list("p/", None, 10)).unwrap()).is_empty());
        s.set_location("B");
        assert_eq!(names(block_on(s.list("p/", None, 10)).unwrap()), ["p/1"]);
        s.set_location("A");
        advance(&s, KV_CACHE_TTL_MILLIS);
        assert_eq!(names(block_on(s.list("p/", None, 10)).unwrap()), ["p/1"]);
    }

    #[test]
    fn every_call_counts_and_can_fail_cached_or_not() {
        let s = store();
        block_on(s.put("k", "v", None)).unwrap();
        let before = s.central().calls();
        assert_eq!(block_on(s.get("k")).unwrap().as_deref(), Some("v"));
        assert_eq!(s.central().calls(), before + 1);
        s.central().fail_from_call(1);
        assert!(block_on(s.get("k")).is_err());
        s.central().heal();
    }
}
