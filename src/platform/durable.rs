//! `MetaStore` on Durable Objects with SQLite storage: the `MetaCatalog` class (one object per
//! bucket and one for the account, `store::catalog`), and the Worker's side, which sends each
//! call to the object holding its names. An object answers a call with SQL statements run one
//! after another with no `await` between them, so no other call's statements come between:
//! every read sees every earlier write, and `put_if` (one statement) is atomic.

use crate::listing::sorted::{self, Entry, Start};
use crate::listing::{ListQuery, ListResult};
use crate::store::catalog::{self, Answer, Command, Expected};
use crate::store::{Expect, KvPage, MetaStore, StoreError, StoreResult};
use serde::Deserialize;
use worker::{
    durable_object, DurableObject, Env, Method, ObjectNamespace, Request, RequestInit, Response,
    SqlStorage, SqlStorageValue, State,
};

/// Most bound parameters one SQL statement of a Durable Object takes.
const SQL_PARAMETERS_MAX: usize = 100;

/// The Durable Object namespace binding of the metadata store.
pub const CATALOG_BINDING: &str = "S3EDGE_CATALOG";

/// One bucket's records (or the account's names) in a SQLite table of the object's own.
#[durable_object(fetch)]
pub struct MetaCatalog {
    sql: SqlStorage,
}

struct ValueRow {
    name: String,
    value: String,
}

impl ValueRow {
    /// A `SELECT name, CAST(value AS BLOB)` row.
    fn from_raw(row: Vec<SqlStorageValue>) -> worker::Result<ValueRow> {
        match <[SqlStorageValue; 2]>::try_from(row) {
            Ok([SqlStorageValue::String(name), SqlStorageValue::Blob(bytes)]) => Ok(ValueRow {
                name,
                value: String::from_utf8(bytes)
                    .map_err(|err| worker::Error::RustError(format!("catalog value: {err}")))?,
            }),
            _ => Err(worker::Error::RustError(
                "catalog: a row of an unexpected shape".into(),
            )),
        }
    }
}

#[derive(Deserialize)]
struct ListRow {
    name: String,
    metadata: Option<String>,
}

impl DurableObject for MetaCatalog {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        // Byte order (SQLite's BINARY collation compares UTF-8 bytes), as KV lists names.
        // `sort_key` is an object record's full S3 key: listings read it in key order.
        let schema = [
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL, \
             metadata TEXT, sort_key TEXT) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS meta_by_key ON meta (sort_key)",
        ];
        for statement in schema {
            if let Err(err) = sql.exec(statement, None) {
                worker::console_error!("s3edge catalog: cannot set up its table: {err}");
            }
        }
        MetaCatalog { sql }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let command: Command =
            serde_json::from_slice(&body_bytes(req.inner().array_buffer()?).await?)
                .map_err(|err| worker::Error::RustError(format!("catalog command: {err}")))?;
        match self.run(command) {
            Ok(answer) => Response::from_json(&answer),
            Err(err) => Response::error(format!("catalog: {err}"), 500),
        }
    }
}

impl MetaCatalog {
    fn run(&self, command: Command) -> worker::Result<Answer> {
        let text = |s: &str| SqlStorageValue::from(s);
        match command {
            Command::Get { names } => {
                let mut rows: Vec<ValueRow> = Vec::new();
                for chunk in names.chunks(SQL_PARAMETERS_MAX) {
                    let marks = vec!["?"; chunk.len()].join(",");
                    // The value as a BLOB: its bytes come into wasm in one copy, where a
                    // JavaScript string would be converted character by character (a record
                    // holding an object's bytes is tens of KB).
                    let cursor = self.sql.exec(
                        &format!(
                            "SELECT name, CAST(value AS BLOB) FROM meta WHERE name IN ({marks})"
                        ),
                        chunk.iter().map(|n| text(n)).collect::<Vec<_>>(),
                    )?;
                    for row in cursor.raw() {
                        rows.push(ValueRow::from_raw(row?)?);
                    }
                }
                let values = names
                    .iter()
                    .map(|name| {
                        let row = rows.iter().find(|row| row.name == *name);
                        row.map(|row| row.value.clone())
                    })
                    .collect();
                Ok(Answer {
                    values,
                    ..Answer::default()
                })
            }
            Command::Put {
                name,
                value,
                metadata,
                expect,
            } => {
                let sort_key = SqlStorageValue::from(sort_key_of(&name, metadata.as_deref()));
                let metadata = SqlStorageValue::from(metadata);
                let (query, bindings) = match expect {
                    None => (
                        "INSERT INTO meta (name, value, metadata, sort_key) VALUES (?, ?, ?, ?) \
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
                         metadata = excluded.metadata, sort_key = excluded.sort_key \
                         RETURNING name",
                        vec![text(&name), text(&value), metadata, sort_key],
                    ),
                    Some(Expected::Absent) => (
                        "INSERT INTO meta (name, value, metadata, sort_key) VALUES (?, ?, ?, ?) \
                         ON CONFLICT (name) DO NOTHING RETURNING name",
                        vec![text(&name), text(&value), metadata, sort_key],
                    ),
                    Some(Expected::Value(old)) => (
                        "UPDATE meta SET value = ?, metadata = ?, sort_key = ? \
                         WHERE name = ? AND value = ? RETURNING name",
                        vec![text(&value), metadata, sort_key, text(&name), text(&old)],
                    ),
                };
                let written: Vec<serde_json::Value> = self.sql.exec(query, bindings)?.to_array()?;
                Ok(Answer {
                    written: !written.is_empty(),
                    ..Answer::default()
                })
            }
            Command::DeleteMany { names } => {
                // Within one request, and no await between the statements: the object's
                // writes are committed together (its implicit transaction), all or none.
                for chunk in names.chunks(SQL_PARAMETERS_MAX) {
                    let marks = vec!["?"; chunk.len()].join(",");
                    self.sql.exec(
                        &format!("DELETE FROM meta WHERE name IN ({marks})"),
                        chunk.iter().map(|n| text(n)).collect::<Vec<_>>(),
                    )?;
                }
                Ok(Answer::default())
            }
            Command::DeleteIf { name, value } => {
                let deleted: Vec<serde_json::Value> = self
                    .sql
                    .exec(
                        "DELETE FROM meta WHERE name = ? AND value = ? RETURNING name",
                        vec![text(&name), text(&value)],
                    )?
                    .to_array()?;
                Ok(Answer {
                    written: !deleted.is_empty(),
                    ..Answer::default()
                })
            }
            Command::Delete { name } => {
                self.sql
                    .exec("DELETE FROM meta WHERE name = ?", vec![text(&name)])?;
                Ok(Answer::default())
            }
            Command::List {
                prefix,
                cursor,
                limit,
            } => {
                let after = cursor.unwrap_or_default();
                let mut bindings = vec![text(&prefix), text(&after)];
                let end = match catalog::prefix_end(&prefix) {
                    Some(end) => {
                        bindings.push(text(&end));
                        " AND name < ?"
                    }
                    None => "",
                };
                bindings.push(SqlStorageValue::from(i64::from(limit) + 1));
                let mut rows: Vec<ListRow> = self
                    .sql
                    .exec(
                        &format!(
                            "SELECT name, metadata FROM meta WHERE name >= ? AND name > ?{end} \
                             ORDER BY name LIMIT ?"
                        ),
                        bindings,
                    )?
                    .to_array()?;
                let more = rows.len() > limit as usize;
                rows.truncate(limit as usize);
                let cursor = more.then(|| rows.last().map(|r| r.name.clone())).flatten();
                Ok(Answer {
                    entries: rows.into_iter().map(|r| (r.name, r.metadata)).collect(),
                    cursor,
                    ..Answer::default()
                })
            }
            Command::ListObjects {
                prefix,
                delimiter,
                start_after,
                max_keys,
                until,
            } => {
                let query = ListQuery {
                    prefix,
                    delimiter,
                    start_after,
                    max_keys,
                    until,
                };
                let result = sorted::page(&query, |start, end, limit| {
                    self.read_keys(start, end, limit)
                })?;
                Ok(Answer {
                    page: Some(result.into()),
                    ..Answer::default()
                })
            }
        }
    }

    /// Up to `limit` listing entries in key order from `start`, below `end`.
    fn read_keys(
        &self,
        start: &Start,
        end: Option<&str>,
        limit: usize,
    ) -> worker::Result<Vec<Entry>> {
        let (op, from) = match start {
            Start::Including(key) => (">=", key),
            Start::After(key) => (">", key),
        };
        let mut bindings = vec![SqlStorageValue::from(from.as_str())];
        let below = match end {
            Some(end) => {
                bindings.push(SqlStorageValue::from(end));
                " AND sort_key < ?"
            }
            None => "",
        };
        bindings.push(SqlStorageValue::from(limit as i64));
        let rows: Vec<MetadataRow> = self
            .sql
            .exec(
                &format!(
                    "SELECT metadata FROM meta WHERE sort_key {op} ?{below} ORDER BY sort_key LIMIT ?"
                ),
                bindings,
            )?
            .to_array()?;
        rows.into_iter()
            .map(|row| {
                serde_json::from_str(row.metadata.as_deref().unwrap_or_default())
                    .map_err(|err| worker::Error::RustError(format!("listing entry: {err}")))
            })
            .collect()
    }
}

/// An object record's full key, from the listing entry it carries.
fn sort_key_of(name: &str, metadata: Option<&str>) -> Option<String> {
    if !name.starts_with("object") {
        return None;
    }
    let entry: Entry = serde_json::from_str(metadata?).ok()?;
    Some(entry.key)
}

#[derive(Deserialize)]
struct MetadataRow {
    metadata: Option<String>,
}

/// The Worker's side: each call is one request to one object.
pub struct DurableMeta {
    pub namespace: ObjectNamespace,
}

impl DurableMeta {
    async fn call(&self, shard: &str, command: &Command) -> StoreResult<Answer> {
        let failed = |err: worker::Error| StoreError(format!("catalog {shard}: {err}"));
        let body = serde_json::to_string(command).expect("commands serialise");
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(wasm_bindgen::JsValue::from_str(&body)));
        let request = Request::new_with_init("https://catalog/", &init).map_err(failed)?;
        let stub = self.namespace.get_by_name(shard).map_err(failed)?;
        let mut response = stub.fetch_with_request(request).await.map_err(failed)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(StoreError(format!(
                "catalog {shard}: {} {text}",
                response.status_code()
            )));
        }
        let response: web_sys::Response = response.into();
        let bytes = body_bytes(
            response
                .array_buffer()
                .map_err(worker::Error::from)
                .map_err(failed)?,
        )
        .await
        .map_err(failed)?;
        serde_json::from_slice(&bytes).map_err(|err| StoreError(format!("catalog {shard}: {err}")))
    }
}

/// A body read whole by the runtime (`arrayBuffer()`) and copied into wasm once. (workers-rs's
/// `json()` reads a fetched body chunk by chunk through wasm, or builds a JavaScript object and
/// converts it field by field: both cost far more for a record holding an object's bytes.)
async fn body_bytes(array_buffer: js_sys::Promise) -> worker::Result<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(array_buffer).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

impl MetaStore for DurableMeta {
    async fn get(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(self.get_many(&[name]).await?.pop().flatten())
    }

    async fn get_many(&self, names: &[&str]) -> StoreResult<Vec<Option<String>>> {
        // One call per object the names live in (one, for a bucket's and an object's record).
        let mut values = vec![None; names.len()];
        let mut shards: Vec<&str> = names.iter().map(|n| catalog::shard_of(n)).collect();
        shards.sort_unstable();
        shards.dedup();
        for shard in shards {
            let asked: Vec<usize> = (0..names.len())
                .filter(|&i| catalog::shard_of(names[i]) == shard)
                .collect();
            let command = Command::Get {
                names: asked.iter().map(|&i| names[i].to_string()).collect(),
            };
            let answer = self.call(shard, &command).await?;
            for (i, value) in asked.into_iter().zip(answer.values) {
                values[i] = value;
            }
        }
        Ok(values)
    }

    async fn put(&self, name: &str, value: &str, metadata: Option<&str>) -> StoreResult<()> {
        self.write(name, value, metadata, None).await.map(|_| ())
    }

    async fn delete(&self, name: &str) -> StoreResult<()> {
        let command = Command::Delete {
            name: name.to_string(),
        };
        self.call(catalog::shard_of(name), &command)
            .await
            .map(|_| ())
    }

    async fn put_if(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Expect<'_>,
    ) -> StoreResult<bool> {
        self.write(name, value, metadata, Some(expect.into())).await
    }

    async fn delete_if(&self, name: &str, value: &str) -> StoreResult<bool> {
        let command = Command::DeleteIf {
            name: name.to_string(),
            value: value.to_string(),
        };
        let answer = self.call(catalog::shard_of(name), &command).await?;
        Ok(answer.written)
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> StoreResult<KvPage> {
        let command = Command::List {
            prefix: prefix.to_string(),
            cursor: cursor.map(str::to_string),
            limit,
        };
        let answer = self
            .call(catalog::shard_of_prefix(prefix), &command)
            .await?;
        Ok(answer.into_page())
    }

    /// A DeleteObjects' worth of records in one call.
    fn get_many_max(&self) -> usize {
        1000
    }

    /// One call per run of names that live in one object (one, for a bucket's records).
    async fn delete_many(&self, names: &[&str]) -> (usize, StoreResult<()>) {
        let mut done = 0;
        for run in names.chunk_by(|a, b| catalog::shard_of(a) == catalog::shard_of(b)) {
            let command = Command::DeleteMany {
                names: run.iter().map(|n| n.to_string()).collect(),
            };
            if let Err(err) = self.call(catalog::shard_of(run[0]), &command).await {
                return (done, Err(err));
            }
            done += run.len();
        }
        (done, Ok(()))
    }

    fn lists_objects(&self) -> bool {
        true
    }

    async fn list_objects(&self, bucket: &str, query: &ListQuery) -> StoreResult<ListResult> {
        let answer = self.call(bucket, &Command::list_objects(query)).await?;
        Ok(answer.page.unwrap_or_default().into())
    }
}

impl DurableMeta {
    async fn write(
        &self,
        name: &str,
        value: &str,
        metadata: Option<&str>,
        expect: Option<Expected>,
    ) -> StoreResult<bool> {
        let command = Command::Put {
            name: name.to_string(),
            value: value.to_string(),
            metadata: metadata.map(str::to_string),
            expect,
        };
        let answer = self.call(catalog::shard_of(name), &command).await?;
        Ok(answer.written)
    }
}
