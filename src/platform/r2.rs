//! `BlobStore` on an R2 bucket binding. Unfiltered uploads hand the request stream to R2 as is;
//! filtered ones (aws-chunked, CRC checksums) stream through `BodyFilter` into a FixedLengthStream.
//! Reads hand R2's stream back to the runtime, so GET bytes never enter wasm.

use super::{JsBody, Platform};
use crate::body::BodyFilter;
use crate::checksum::VerifiedBody;
use crate::error::{ErrorCode, S3Error};
use crate::store::{
    BlobEntry, BlobListOptions, BlobPage, BlobStore, BlobUpload, BlobWritten, FormSplit, Piece,
    SplitForm, StoreError, StoreResult,
};
use futures_util::StreamExt;
use js_sys::Uint8Array;
use std::collections::{BTreeMap, HashMap};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::FixedLengthStream as FixedLengthStreamSys;
use worker::{ByteStream, Data, Include, Range, ResponseBody};

fn r2_error(err: worker::Error) -> StoreError {
    StoreError(format!("R2: {err}"))
}

/// The pump's error when R2 stops taking the body (R2's own error is the one to answer).
const WRITE_REFUSED: &str = "R2 stopped reading the body";

/// Bytes asked of the request body per read: workerd hands the body over in small chunks
/// (4 KiB seen), and every read is a round trip through JS promises, so read in large blocks.
const READ_BLOCK: u32 = 1 << 20;

pub(super) fn js_error(context: &str) -> impl Fn(JsValue) -> S3Error + '_ {
    move |_| S3Error::internal(format!("stream: {context}"))
}

/// `readAtLeast(min, view)` (a workerd extension of BYOB readers) where available, else
/// `read(view)`. `None` at the end of the body.
pub(super) async fn read_block(
    reader: &web_sys::ReadableStreamByobReader,
) -> Result<Option<Uint8Array>, S3Error> {
    read_into(reader, READ_BLOCK, true).await
}

/// Reads up to `size` bytes: at least that many (but at the end) with `at_least`, else
/// whatever the runtime has. `None` at the end of the body.
pub(super) async fn read_into(
    reader: &web_sys::ReadableStreamByobReader,
    size: u32,
    at_least: bool,
) -> Result<Option<Uint8Array>, S3Error> {
    let view = Uint8Array::new_with_length(size);
    let read_at_least = js_sys::Reflect::get(reader, &JsValue::from_str("readAtLeast"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .filter(|_| at_least);
    let promise = match read_at_least {
        Some(f) => f
            .call2(reader, &JsValue::from(size), &view)
            .map_err(js_error("read"))?
            .unchecked_into::<js_sys::Promise>(),
        None => reader.read_with_array_buffer_view(&view),
    };
    let result = JsFuture::from(promise)
        .await
        .map_err(|_| S3Error::new(ErrorCode::IncompleteBody))?;
    let get = |name: &str| js_sys::Reflect::get(&result, &JsValue::from_str(name));
    let value = get("value").map_err(js_error("read result"))?;
    let block = (!value.is_undefined()).then(|| Uint8Array::new(&value));
    let done = get("done").map_err(js_error("read result"))?.as_bool() == Some(true);
    match block {
        Some(block) if block.length() > 0 => Ok(Some(block)),
        _ if done => Ok(None),
        _ => Ok(Some(Uint8Array::new_with_length(0))),
    }
}

/// Moves the request body through `BodyFilter` into `writer`, block by block. Payload blocks of
/// a body without framing are written on as the same JS buffers. The end-of-body checks run
/// before the writer closes; on any failure the writer is aborted, so R2 stores nothing.
async fn pump(
    body: web_sys::ReadableStream,
    writer: web_sys::WritableStreamDefaultWriter,
    mut filter: BodyFilter,
) -> Result<VerifiedBody, S3Error> {
    let result = pump_blocks(&body, &writer, &mut filter)
        .await
        .and_then(|()| filter.finish());
    match &result {
        Ok(_) => {
            JsFuture::from(writer.close())
                .await
                .map_err(js_error("close"))?;
        }
        Err(_) => {
            let reason = JsValue::from_str("body rejected");
            let _ = JsFuture::from(writer.abort_with_reason(&reason)).await;
        }
    }
    result
}

async fn pump_blocks(
    body: &web_sys::ReadableStream,
    writer: &web_sys::WritableStreamDefaultWriter,
    filter: &mut BodyFilter,
) -> Result<(), S3Error> {
    let options = web_sys::ReadableStreamGetReaderOptions::new();
    options.set_mode(web_sys::ReadableStreamReaderMode::Byob);
    let reader: web_sys::ReadableStreamByobReader =
        body.get_reader_with_options(&options).unchecked_into();
    let mut copy: Vec<u8> = Vec::new();
    while let Some(block) = read_block(&reader).await? {
        copy.resize(block.length() as usize, 0);
        block.copy_to(&mut copy);
        let out = if filter.passes_through() {
            filter.inspect(&copy)?;
            block
        } else {
            Uint8Array::from(filter.push(&copy)?.as_slice())
        };
        if out.length() > 0 {
            JsFuture::from(writer.write_with_chunk(&out))
                .await
                .map_err(|_| S3Error::internal(WRITE_REFUSED))?;
        }
    }
    Ok(())
}

/// A FixedLengthStream of the payload length (R2 needs the length up front).
pub(super) fn fixed_length(length: u64) -> Result<web_sys::TransformStream, S3Error> {
    let fixed = if length < u32::MAX as u64 {
        FixedLengthStreamSys::new(length as u32)
    } else {
        FixedLengthStreamSys::new_big_int(js_sys::BigInt::from(length))
    }
    .map_err(js_error("fixed length"))?;
    Ok(fixed.unchecked_into())
}

/// Opens a piece's R2 stream (the bytes stay in the runtime).
async fn open_piece(r2: &worker::Bucket, piece: &Piece) -> Result<web_sys::ReadableStream, String> {
    let mut builder = r2.get(piece.blob.as_str());
    if let Some((start, end)) = piece.range {
        builder = builder.range(Range::OffsetWithLength {
            offset: start,
            length: end - start + 1,
        });
    }
    let object = builder
        .execute()
        .await
        .map_err(|e| format!("R2: {e}"))?
        .ok_or_else(|| format!("{} is gone", piece.blob))?;
    match object.body().map(|b| b.response_body()) {
        Some(Ok(ResponseBody::Stream(stream))) => Ok(stream),
        _ => Err(format!("{} has no body", piece.blob)),
    }
}

/// Pipes every piece into `writable` in order, opening the next piece while the current one
/// streams, then closes it.
async fn pipe_pieces(
    r2: &worker::Bucket,
    pieces: Vec<Piece>,
    writable: &web_sys::WritableStream,
) -> Result<(), String> {
    let options = web_sys::StreamPipeOptions::new();
    options.set_prevent_close(true);
    let mut pieces = pieces.iter();
    let mut next = match pieces.next() {
        Some(piece) => Some(open_piece(r2, piece).await?),
        None => None,
    };
    while let Some(stream) = next.take() {
        let piping = JsFuture::from(stream.pipe_to_with_options(writable, &options));
        let following = async {
            match pieces.next() {
                Some(piece) => open_piece(r2, piece).await.map(Some),
                None => Ok(None),
            }
        };
        let (piped, opened) = futures_util::future::join(piping, following).await;
        piped.map_err(|_| "the reader went away".to_string())?;
        next = opened?;
    }
    let writer = writable.get_writer().map_err(|_| "writer".to_string())?;
    JsFuture::from(writer.close())
        .await
        .map(|_| ())
        .map_err(|_| "close".to_string())
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
        self.calls.spend(1)?;
        let custom: HashMap<String, String> = upload.custom.into_iter().collect();
        let start = |data: Data| {
            let mut builder = self.r2.put(name, data).custom_metadata(custom.clone());
            if let Some(sha256) = upload.r2_sha256 {
                builder = builder.sha256(sha256.to_vec());
            }
            builder.execute()
        };
        let (written, verified) = match (upload.body, upload.filter) {
            (Some(body), Some(filter)) => {
                let fixed = fixed_length(upload.length)?;
                let writer = fixed.writable().get_writer().map_err(js_error("writer"))?;
                let store = start(Data::ReadableStream(fixed.readable()));
                let (written, verified) =
                    futures_util::future::join(store, pump(body, writer, filter)).await;
                match verified {
                    Ok(verified) => (written, Some(verified)),
                    // R2 failed first; the pump only saw its writes refused.
                    Err(err) if err.message == WRITE_REFUSED && written.is_err() => (written, None),
                    Err(err) => {
                        // The body was refused; make sure no partial object stays behind (past
                        // the call limit, the cleanup pass removes a blob no record names).
                        if self.calls.spend(1).is_ok() {
                            let _ = self.r2.delete(name).await;
                        }
                        return Err(err);
                    }
                }
            }
            (Some(body), None) => (start(Data::ReadableStream(body)).await, None),
            (None, Some(filter)) => {
                // No body at all: the filter still checks framing and digests of nothing.
                let verified = filter.finish()?;
                (start(Data::Empty).await, Some(verified))
            }
            (None, None) => (start(Data::Empty).await, None),
        };
        let object = match written {
            Err(err) => return Err(refused_write(err, upload.r2_sha256.is_some())),
            Ok(None) => return Err(S3Error::internal("R2 did not store the object")),
            Ok(Some(object)) => object,
        };
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
        self.calls.spend(1)?;
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
        self.calls.spend(1)?;
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

    async fn open_pieces(&self, pieces: Vec<Piece>, total: u64) -> StoreResult<JsBody> {
        self.calls.spend(pieces.len())?;
        let fixed = fixed_length(total).map_err(|e| StoreError(e.message))?;
        let writable = fixed.writable();
        let readable = fixed.readable();
        let r2 = self.r2.clone();
        // The response carries the readable side; this task fills the writable side piece by
        // piece with `pipeTo`, which the runtime performs without calling back into wasm.
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(reason) = pipe_pieces(&r2, pieces, &writable).await {
                let _ =
                    JsFuture::from(writable.abort_with_reason(&JsValue::from_str(&reason))).await;
            }
        });
        Ok(Some(readable))
    }

    async fn get_small(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.calls.spend(1)?;
        let Some(object) = self.r2.get(name).execute().await.map_err(r2_error)? else {
            return Ok(None);
        };
        match object.body() {
            Some(body) => body.bytes().await.map(Some).map_err(r2_error),
            None => Ok(Some(Vec::new())),
        }
    }

    async fn delete_blobs(&self, names: &[String]) -> StoreResult<()> {
        self.calls.spend(names.len().div_ceil(1000))?;
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
        self.calls.spend(1)?;
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

    fn body_of_bytes(&self, mut bytes: Vec<u8>) -> JsBody {
        web_sys::Response::new_with_opt_u8_array(Some(&mut bytes))
            .ok()
            .and_then(|response| response.body())
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

    async fn split_form(
        &self,
        body: JsBody,
        split: FormSplit,
    ) -> Result<SplitForm<JsBody>, S3Error> {
        super::form::split_form(self, body, split).await
    }
}
