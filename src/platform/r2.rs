//! `BlobStore` on an R2 bucket binding. Unfiltered uploads hand the request stream to R2 as is;
//! filtered ones (aws-chunked, CRC checksums) stream through `BodyFilter` into a FixedLengthStream.
//! Reads hand R2's stream back to the runtime, so GET bytes never enter wasm.

use super::{JsBody, Platform};
use crate::body::BodyFilter;
use crate::checksum::VerifiedBody;
use crate::error::{ErrorCode, S3Error};
use crate::store::{
    BlobEntry, BlobListOptions, BlobPage, BlobStore, BlobUpload, BlobWritten, StoreError,
    StoreResult,
};
use futures_util::StreamExt;
use js_sys::Uint8Array;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::FixedLengthStream as FixedLengthStreamSys;
use worker::{ByteStream, Data, Include, Range, ResponseBody};

fn r2_error(err: worker::Error) -> StoreError {
    StoreError(format!("R2: {err}"))
}

/// What the filter concluded, read back after R2 finished (or refused) the write.
type Outcome = Rc<RefCell<Option<Result<VerifiedBody, S3Error>>>>;

/// A JS TransformStream whose callbacks run `BodyFilter`: each chunk is copied into wasm once
/// to be hashed (and decoded, for aws-chunked); a payload chunk goes on as the same JS buffer.
/// The end-of-body checks run in `flush`, so a failed body errors the stream and R2 stores nothing.
/// The callbacks live as long as this value, which must outlive the write.
struct FilterStream {
    stream: web_sys::TransformStream,
    _transform: Closure<
        dyn FnMut(JsValue, web_sys::TransformStreamDefaultController) -> Result<(), JsValue>,
    >,
    _flush: Closure<dyn FnMut(web_sys::TransformStreamDefaultController) -> Result<(), JsValue>>,
}

impl FilterStream {
    fn new(filter: BodyFilter, outcome: Outcome) -> Result<FilterStream, S3Error> {
        let filter = Rc::new(RefCell::new(Some(filter)));
        let mut buffer: Vec<u8> = Vec::new();
        let (transform_filter, transform_outcome) = (filter.clone(), outcome.clone());
        let transform = Closure::new(
            move |chunk: JsValue, controller: web_sys::TransformStreamDefaultController| {
                let array = Uint8Array::new(&chunk);
                buffer.resize(array.length() as usize, 0);
                array.copy_to(&mut buffer);
                let mut slot = transform_filter.borrow_mut();
                let Some(filter) = slot.as_mut() else {
                    return Err(JsValue::from_str("body already rejected"));
                };
                let result = if filter.passes_through() {
                    filter
                        .inspect(&buffer)
                        .map(|()| controller.enqueue_with_chunk(&chunk))
                } else {
                    filter.push(&buffer).map(|out| {
                        if out.is_empty() {
                            Ok(())
                        } else {
                            controller.enqueue_with_chunk(&Uint8Array::from(out.as_slice()))
                        }
                    })
                };
                match result {
                    Ok(enqueued) => enqueued,
                    Err(err) => {
                        slot.take();
                        *transform_outcome.borrow_mut() = Some(Err(err));
                        Err(JsValue::from_str("body rejected"))
                    }
                }
            },
        );
        let flush = Closure::new(
            move |_controller: web_sys::TransformStreamDefaultController| {
                let Some(filter) = filter.borrow_mut().take() else {
                    return Err(JsValue::from_str("body already rejected"));
                };
                let result = filter.finish();
                let failed = result.is_err();
                *outcome.borrow_mut() = Some(result);
                if failed {
                    Err(JsValue::from_str("body rejected"))
                } else {
                    Ok(())
                }
            },
        );
        let transformer = js_sys::Object::new();
        let set = |name: &str, value: &JsValue| {
            js_sys::Reflect::set(&transformer, &JsValue::from_str(name), value)
        };
        set("transform", transform.as_ref())
            .and_then(|_| set("flush", flush.as_ref()))
            .map_err(|_| S3Error::internal("cannot build the body filter"))?;
        let stream = web_sys::TransformStream::new_with_transformer(&transformer)
            .map_err(|_| S3Error::internal("cannot build the body filter"))?;
        Ok(FilterStream {
            stream,
            _transform: transform,
            _flush: flush,
        })
    }
}

/// `body` → filter → a FixedLengthStream of the payload length (R2 needs the length up front).
fn filtered(
    body: &web_sys::ReadableStream,
    length: u64,
    filter: &FilterStream,
) -> Result<web_sys::ReadableStream, S3Error> {
    let fixed = if length < u32::MAX as u64 {
        FixedLengthStreamSys::new(length as u32)
    } else {
        FixedLengthStreamSys::new_big_int(js_sys::BigInt::from(length))
    }
    .map_err(|_| S3Error::internal("cannot build a fixed-length stream"))?;
    let through = |stream: &web_sys::TransformStream| {
        web_sys::ReadableWritablePair::new(&stream.readable(), &stream.writable())
    };
    let fixed: &web_sys::TransformStream = fixed.unchecked_ref();
    Ok(body
        .pipe_through(&through(&filter.stream))
        .pipe_through(&through(fixed)))
}

/// Maps a refused R2 write to the S3 answer: R2 checks the SHA-256 we hand it.
fn refused_write(err: worker::Error, sha256_given: bool) -> S3Error {
    let text = err.to_string();
    if sha256_given
        && (text.contains("SHA-256") || text.contains("sha256") || text.contains("checksum"))
    {
        return S3Error::new(ErrorCode::XAmzContentSHA256Mismatch);
    }
    if text.contains("length") {
        return S3Error::new(ErrorCode::IncompleteBody);
    }
    S3Error::internal(format!("R2 refused the write: {text}"))
}

impl BlobStore for Platform {
    type Body = JsBody;

    async fn put_blob(
        &self,
        name: &str,
        upload: BlobUpload<JsBody>,
    ) -> Result<BlobWritten, S3Error> {
        let outcome: Outcome = Rc::new(RefCell::new(None));
        let mut filter_stream = None;
        let data = match (upload.body, upload.filter) {
            (Some(body), Some(filter)) => {
                let stream = filter_stream.insert(FilterStream::new(filter, outcome.clone())?);
                Data::ReadableStream(filtered(&body, upload.length, stream)?)
            }
            (Some(body), None) => Data::ReadableStream(body),
            (None, Some(filter)) => {
                // No body at all: the filter still checks framing and digests of nothing.
                *outcome.borrow_mut() = Some(filter.finish());
                Data::Empty
            }
            (None, None) => Data::Empty,
        };
        if matches!(outcome.borrow().as_ref(), Some(Err(_))) {
            if let Some(Err(err)) = outcome.borrow_mut().take() {
                return Err(err);
            }
        }
        let custom: HashMap<String, String> = upload.custom.into_iter().collect();
        let mut builder = self.r2.put(name, data).custom_metadata(custom);
        if let Some(sha256) = upload.r2_sha256 {
            builder = builder.sha256(sha256.to_vec());
        } else if let Some(md5) = upload.r2_md5 {
            builder = builder.md5(md5.to_vec());
        }
        let written = builder.execute().await;
        drop(filter_stream);
        let verdict = outcome.borrow_mut().take();
        let verified = match (written, verdict) {
            (_, Some(Err(err))) => {
                // The filter refused the body; make sure no partial object stays behind.
                let _ = self.r2.delete(name).await;
                return Err(err);
            }
            (Err(err), _) => return Err(refused_write(err, upload.r2_sha256.is_some())),
            (Ok(None), _) => return Err(S3Error::internal("R2 did not store the object")),
            (Ok(Some(object)), verdict) => (object, verdict.and_then(Result::ok)),
        };
        let (object, verified) = verified;
        Ok(BlobWritten {
            size: object.size(),
            md5_hex: object.etag(),
            verified,
        })
    }

    async fn put_small(
        &self,
        name: &str,
        bytes: Vec<u8>,
        custom: BTreeMap<String, String>,
    ) -> StoreResult<()> {
        let custom: HashMap<String, String> = custom.into_iter().collect();
        self.r2
            .put(name, Data::Bytes(bytes))
            .custom_metadata(custom)
            .execute()
            .await
            .map(|_| ())
            .map_err(r2_error)
    }

    async fn get_blob(&self, name: &str, range: Option<(u64, u64)>) -> StoreResult<Option<JsBody>> {
        let mut builder = self.r2.get(name);
        if let Some((start, end)) = range {
            builder = builder.range(Range::OffsetWithLength {
                offset: start,
                length: end - start + 1,
            });
        }
        let Some(object) = builder.execute().await.map_err(r2_error)? else {
            return Ok(None);
        };
        let Some(body) = object.body() else {
            return Ok(Some(None));
        };
        match body.response_body().map_err(r2_error)? {
            ResponseBody::Stream(stream) => Ok(Some(Some(stream))),
            _ => Ok(Some(None)),
        }
    }

    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()> {
        match names {
            [] => Ok(()),
            [one] => self.r2.delete(one.as_str()).await.map_err(r2_error),
            many => self
                .r2
                .delete_multiple(many.iter().map(String::as_str).collect())
                .await
                .map_err(r2_error),
        }
    }

    async fn list_blobs(&self, options: BlobListOptions<'_>) -> StoreResult<BlobPage> {
        let mut builder = self
            .r2
            .list()
            .prefix(options.prefix)
            .limit(options.limit.clamp(1, 1000))
            .include(vec![Include::CustomMetadata]);
        if let Some(after) = options.start_after {
            builder = builder.start_after(after);
        }
        if let Some(delimiter) = options.delimiter {
            builder = builder.delimiter(delimiter);
        }
        if let Some(cursor) = options.cursor {
            builder = builder.cursor(cursor);
        }
        let listed = builder.execute().await.map_err(r2_error)?;
        let entries = listed
            .objects()
            .into_iter()
            .map(|object| BlobEntry {
                name: object.key(),
                size: object.size(),
                uploaded_millis: object.uploaded().as_millis() as i64,
                custom: object
                    .custom_metadata()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            })
            .collect();
        Ok(BlobPage {
            entries,
            delimited_prefixes: listed.delimited_prefixes(),
            cursor: if listed.truncated() {
                listed.cursor()
            } else {
                None
            },
        })
    }

    async fn read_body(&self, body: JsBody, limit: usize) -> Result<Vec<u8>, S3Error> {
        let Some(body) = body else {
            return Ok(Vec::new());
        };
        let mut input = ByteStream::from(body);
        let mut bytes = Vec::new();
        while let Some(chunk) = input.next().await {
            let chunk = chunk.map_err(|_| S3Error::new(ErrorCode::IncompleteBody))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() > limit {
                return Err(S3Error::with_message(
                    ErrorCode::InvalidRequest,
                    "The request body is too large.",
                ));
            }
        }
        Ok(bytes)
    }
}
