//! `MetaStore` on a Workers KV namespace binding.

use crate::store::{delete_in_waves, KvPage, MetaStore, StoreError, StoreResult, KV_DELETE_WAVE};
use wasm_bindgen::{JsCast, JsValue};

fn kv_error(err: worker::kv::KvError) -> StoreError {
    StoreError(format!("KV: {err}"))
}

/// The KV namespace that holds the records.
pub struct KvMeta {
    pub kv: worker::kv::KvStore,
    /// The same binding as a JS object, for calls workers-rs does not wrap (bulk reads).
    pub binding: JsValue,
}

impl MetaStore for KvMeta {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        self.kv.get(name).text().await.map_err(kv_error)
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        // workers-rs has no bulk read: `get(names, "text")` on the binding resolves to a Map.
        let js = |err: JsValue| StoreError(format!("KV bulk get: {err:?}"));
        let keys: js_sys::Array = names.iter().map(|n| JsValue::from_str(n)).collect();
        let get: js_sys::Function = js_sys::Reflect::get(&self.binding, &"get".into())
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        let promise: js_sys::Promise = get
            .call2(&self.binding, &keys, &"text".into())
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        let found: js_sys::Map = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        Ok(names
            .iter()
            .map(|name| found.get(&JsValue::from_str(name)).as_string())
            .collect())
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        let mut builder = self.kv.put(name, value).map_err(kv_error)?;
        if let Some(metadata) = metadata {
            builder = builder.metadata(metadata).map_err(kv_error)?;
        }
        builder.execute().await.map_err(kv_error)
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        self.kv.delete(name).await.map_err(kv_error)
    }

    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        // The binding has no batch delete: many at once, which the runtime queues past its
        // limit of simultaneous connections.
        delete_in_waves(self, names, KV_DELETE_WAVE).await
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        let mut builder = self
            .kv
            .list()
            .prefix(prefix.to_string())
            .limit(limit as u64);
        if let Some(cursor) = cursor {
            builder = builder.cursor(cursor.to_string());
        }
        let page = builder.execute().await.map_err(kv_error)?;
        let entries = page
            .keys
            .into_iter()
            .map(|key| {
                let metadata = key.metadata.and_then(|m| m.as_str().map(str::to_string));
                (key.name, metadata)
            })
            .collect();
        Ok(KvPage {
            entries,
            cursor: (!page.list_complete).then_some(page.cursor).flatten(),
        })
    }
}
