//! `BlobStore::split_form` on workerd. The request body is read through a BYOB reader in small
//! blocks, copied into wasm, until `post::form::scan` finds the file part's first byte. The file
//! then flows on into a FixedLengthStream of its length (what R2 needs up front), filled by a
//! task of the Worker: each block of the body is written on as the runtime's own buffer (the
//! last one cut with `subarray`), and copied into wasm only to be scanned by
//! `post::form::FileEnd` for a delimiter where the file ends early (parts after it), and for the closing
//! delimiter at its end. The file's last byte is held back until that end is checked: R2 takes
//! an object as soon as it has all its bytes, so only then may it have them. The verdict is
//! settled first; then the last byte goes and the stream is closed, or the stream is aborted
//! and R2 stores nothing.

use super::r2::{fixed_length, js_error, read_block, read_into};
use super::{JsBody, Platform};
use crate::error::S3Error;
use crate::post::form::{self, FileEnd, FormHead, Scan};
use crate::store::{FormFile, FormSplit, FormVerdict, SplitForm};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Bytes asked per read while looking for the head: little of the file comes into wasm with it.
const HEAD_READ: u32 = 16 * 1024;

pub(super) async fn split_form(
    platform: &Platform,
    body: JsBody,
    split: FormSplit,
) -> Result<SplitForm<JsBody>, S3Error> {
    let body = body.ok_or_else(form::malformed)?;
    let options = web_sys::ReadableStreamGetReaderOptions::new();
    options.set_mode(web_sys::ReadableStreamReaderMode::Byob);
    let reader: web_sys::ReadableStreamByobReader =
        body.get_reader_with_options(&options).unchecked_into();
    let found = read_head(&reader, &split)
        .await
        .and_then(|(head, buffered)| {
            let length = form::file_length(split.content_length, head.len, &split.boundary)?;
            Ok((head, buffered, length))
        });
    let (head, buffered, length) = match found {
        Ok(found) => found,
        Err(err) => {
            // The rest of the body is drained after the answer (see `drain_unread`).
            reader.release_lock();
            return Err(err);
        }
    };
    if length == 0 {
        // Nothing to stream: the rest of the body is the closing delimiter alone.
        return match empty_file(&reader, &split.boundary, &buffered[head.len..]).await {
            Ok(()) => {
                let verdict = FormVerdict::default();
                verdict.settle(Ok(None));
                Ok(SplitForm {
                    head,
                    file: FormFile {
                        body: None,
                        length,
                        verdict,
                    },
                })
            }
            Err(err) => {
                reader.release_lock();
                Err(err)
            }
        };
    }
    let stream = fixed_length(length).and_then(|fixed| {
        Ok((
            fixed.writable().get_writer().map_err(js_error("writer"))?,
            fixed,
        ))
    });
    let (writer, fixed) = match stream {
        Ok(stream) => stream,
        Err(err) => {
            reader.release_lock();
            return Err(err);
        }
    };
    let readable = fixed.readable();
    let verdict = FormVerdict::default();
    let file = File {
        end: FileEnd::new(&split.boundary, length),
        length,
        written: 0,
        last: Vec::new(),
    };
    let first = buffered[head.len..].to_vec();
    let task_verdict = verdict.clone();
    let done = wasm_bindgen_futures::future_to_promise(async move {
        forward(reader, writer, file, first, task_verdict).await;
        Ok(JsValue::UNDEFINED)
    });
    platform.form_files.borrow_mut().push(FormTask {
        readable: readable.clone(),
        verdict: verdict.clone(),
        done,
    });
    Ok(SplitForm {
        head,
        file: FormFile {
            body: Some(readable),
            length,
            verdict,
        },
    })
}

/// A form's forwarding task, which the request waits for before it answers.
pub(super) struct FormTask {
    readable: web_sys::ReadableStream,
    verdict: FormVerdict,
    done: js_sys::Promise,
}

/// Ends the forwarding tasks of the request's forms. A file nobody stored (the form was refused
/// on its fields: a bad signature, a policy, authorization) is cancelled, so that its task
/// stops scanning and discards the rest of the body without copying it into wasm; each task
/// has read the body to its end when this returns (workerd resets a connection whose request
/// body was left unread).
pub(super) async fn finish(tasks: Vec<FormTask>) {
    for task in tasks {
        if task.verdict.outcome().is_none() {
            let _ = task
                .readable
                .cancel_with_reason(&JsValue::from_str("the form was refused"));
        }
        let _ = JsFuture::from(task.done).await;
    }
}

/// Reads until the head is complete: the head, and every byte read so far.
async fn read_head(
    reader: &web_sys::ReadableStreamByobReader,
    split: &FormSplit,
) -> Result<(FormHead, Vec<u8>), S3Error> {
    let mut buffered = Vec::new();
    loop {
        let Some(block) = read_into(reader, HEAD_READ, false).await? else {
            return Err(form::malformed());
        };
        let start = buffered.len();
        buffered.resize(start + block.length() as usize, 0);
        block.copy_to(&mut buffered[start..]);
        if let Scan::Done(head) = form::scan(&buffered, &split.boundary, split.head_limit)? {
            return Ok((head, buffered));
        }
    }
}

/// Why forwarding stopped early.
enum Stop {
    /// The body is not the form it should be.
    Form(S3Error),
    /// The file's reader (R2) went away; its own error is the answer.
    Refused,
}

impl From<S3Error> for Stop {
    fn from(err: S3Error) -> Stop {
        Stop::Form(err)
    }
}

/// Reads the end of a form whose file is empty.
async fn empty_file(
    reader: &web_sys::ReadableStreamByobReader,
    boundary: &str,
    buffered: &[u8],
) -> Result<(), S3Error> {
    let mut end = FileEnd::new(boundary, 0);
    end.push(buffered)?;
    while let Some(block) = read_into(reader, HEAD_READ, false).await? {
        let mut bytes = vec![0; block.length() as usize];
        block.copy_to(&mut bytes);
        end.push(&bytes)?;
    }
    end.finish().map(|_| ())
}

/// The file being forwarded.
struct File {
    end: FileEnd,
    length: u64,
    written: u64,
    /// The file's last byte, once read: written after the end is checked.
    last: Vec<u8>,
}

impl File {
    /// Takes the next bytes of the body: how many of them to write on now.
    fn take(&mut self, bytes: &[u8]) -> Result<usize, S3Error> {
        let data = self.end.push(bytes)?;
        self.written += data as u64;
        if data > 0 && self.written == self.length {
            self.last = bytes[data - 1..data].to_vec();
            return Ok(data - 1);
        }
        Ok(data)
    }
}

/// The task that moves the file: settles the verdict, then ends the file's stream.
async fn forward(
    reader: web_sys::ReadableStreamByobReader,
    writer: web_sys::WritableStreamDefaultWriter,
    mut file: File,
    first: Vec<u8>,
    verdict: FormVerdict,
) {
    let outcome = match forward_blocks(&reader, &writer, &mut file, first).await {
        Ok(()) => file.end.finish().map_err(Stop::Form),
        Err(stop) => Err(stop),
    };
    match outcome {
        Ok(file_end) => {
            verdict.settle(Ok(file_end));
            if write(&writer, &Uint8Array::from(file.last.as_slice()))
                .await
                .is_ok()
            {
                let _ = JsFuture::from(writer.close()).await;
            }
        }
        Err(stop) => {
            if let Stop::Form(err) = stop {
                verdict.settle(Err(err));
            }
            let reason = JsValue::from_str("the form was refused");
            let _ = JsFuture::from(writer.abort_with_reason(&reason)).await;
            // The rest of the body is read and dropped in the runtime: never copied, never scanned.
            while let Ok(Some(_)) = read_block(&reader).await {}
            reader.release_lock();
        }
    }
}

async fn forward_blocks(
    reader: &web_sys::ReadableStreamByobReader,
    writer: &web_sys::WritableStreamDefaultWriter,
    file: &mut File,
    first: Vec<u8>,
) -> Result<(), Stop> {
    if !first.is_empty() {
        let now = file.take(&first)?;
        if now > 0 {
            write(writer, &Uint8Array::from(&first[..now])).await?;
        }
    }
    let mut copy: Vec<u8> = Vec::new();
    while let Some(block) = read_block(reader).await? {
        let len = block.length() as usize;
        if len == 0 {
            continue;
        }
        copy.resize(len, 0);
        block.copy_to(&mut copy);
        let now = file.take(&copy)?;
        if now == len {
            write(writer, &block).await?;
        } else if now > 0 {
            write(writer, &block.subarray(0, now as u32)).await?;
        }
    }
    Ok(())
}

async fn write(
    writer: &web_sys::WritableStreamDefaultWriter,
    chunk: &Uint8Array,
) -> Result<(), Stop> {
    JsFuture::from(writer.write_with_chunk(chunk))
        .await
        .map(|_| ())
        .map_err(|_| Stop::Refused)
}
