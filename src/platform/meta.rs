//! The metadata store chosen by `S3EDGE_META_STORE`: Workers KV or Durable Objects.

use super::durable::{DurableMeta, CATALOG_BINDING};
use super::kv::KvMeta;
use super::META_BINDING;
use crate::context::MetaStoreKind;
use crate::listing::{ListQuery, ListResult};
use crate::store::{Expect, KvPage, MetaStore, StoreResult};
use worker::Env;

pub enum Meta {
    Kv(KvMeta),
    Durable(DurableMeta),
}

impl Meta {
    pub fn from_env(env: &Env, kind: MetaStoreKind) -> worker::Result<Meta> {
        Ok(match kind {
            MetaStoreKind::Kv => Meta::Kv(KvMeta {
                kv: env.kv(META_BINDING)?,
                binding: js_sys::Reflect::get(env, &META_BINDING.into())
                    .map_err(|_| worker::Error::RustError("no KV binding".into()))?,
            }),
            MetaStoreKind::Durable => Meta::Durable(DurableMeta {
                namespace: env.durable_object(CATALOG_BINDING)?,
            }),
        })
    }
}

impl super::Platform {
    /// The calls of a conditional write: on KV a read, then the write; one request to a
    /// Durable Object.
    fn read_then_write(&self) -> usize {
        match self.meta {
            Meta::Kv(_) => 2,
            Meta::Durable(_) => 1,
        }
    }
}

impl MetaStore for super::Platform {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.get(name).await,
            Meta::Durable(objects) => objects.get(name).await,
        }
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.get_many(names).await,
            Meta::Durable(objects) => objects.get_many(names).await,
        }
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.put(name, value, metadata).await,
            Meta::Durable(objects) => objects.put(name, value, metadata).await,
        }
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.delete(name).await,
            Meta::Durable(objects) => objects.delete(name).await,
        }
    }

    async fn put_if(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Expect<'_>,
    ) -> StoreResult<bool> {
        self.calls.spend(self.read_then_write())?;
        match &self.meta {
            Meta::Kv(kv) => kv.put_if(name, value, metadata, expect).await,
            Meta::Durable(objects) => objects.put_if(name, value, metadata, expect).await,
        }
    }

    async fn delete_if(&self, name: &str, value: &str) -> StoreResult<bool> {
        self.calls.spend(self.read_then_write())?;
        match &self.meta {
            Meta::Kv(kv) => kv.delete_if(name, value).await,
            Meta::Durable(objects) => objects.delete_if(name, value).await,
        }
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.list(prefix, cursor, limit).await,
            Meta::Durable(objects) => objects.list(prefix, cursor, limit).await,
        }
    }

    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        let calls = match self.meta {
            // The KV binding has no batch delete: one call a name.
            Meta::Kv(_) => names.len(),
            Meta::Durable(_) => 1,
        };
        if let Err(err) = self.calls.spend(calls) {
            return (0, Err(err));
        }
        match &self.meta {
            Meta::Kv(kv) => kv.delete_many(names).await,
            Meta::Durable(objects) => objects.delete_many(names).await,
        }
    }

    fn get_many_max(&self) -> usize {
        match &self.meta {
            Meta::Kv(kv) => kv.get_many_max(),
            Meta::Durable(objects) => objects.get_many_max(),
        }
    }

    fn lists_objects(&self) -> bool {
        matches!(self.meta, Meta::Durable(_))
    }

    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> StoreResult<ListResult> {
        self.calls.spend(1)?;
        match &self.meta {
            Meta::Kv(kv) => kv.list_objects(bucket, query).await,
            Meta::Durable(objects) => objects.list_objects(bucket, query).await,
        }
    }
}
