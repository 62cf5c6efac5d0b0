//! The Rust-side pass over an upload body, used only when bytes must be decoded or hashed here:
//! aws-chunked decoding, then length and checksum verification as the bytes stream by.

use crate::auth::chunked::ChunkedDecoder;
use crate::checksum::{BodyVerifier, VerifiedBody};
use crate::error::{ErrorCode, S3Error};

pub struct BodyFilter {
    decoder: Option<ChunkedDecoder>,
    verifier: BodyVerifier,
    expected_length: Option<u64>,
    seen: u64,
}

impl BodyFilter {
    pub fn new(
        decoder: Option<ChunkedDecoder>,
        verifier: BodyVerifier,
        expected_length: Option<u64>,
    ) -> Self {
        BodyFilter {
            decoder,
            verifier,
            expected_length,
            seen: 0,
        }
    }

    /// True when the body is the payload itself (no aws-chunked framing): the bytes are only
    /// inspected, and the caller may forward each slice as it came.
    pub fn passes_through(&self) -> bool {
        self.decoder.is_none()
    }

    /// Takes the next slice of the body as received and returns the payload bytes it carried.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, S3Error> {
        match self.decoder.as_mut() {
            Some(decoder) => {
                let mut out = Vec::with_capacity(chunk.len());
                decoder.push(chunk, &mut out)?;
                self.account(&out)?;
                Ok(out)
            }
            None => {
                self.account(chunk)?;
                Ok(chunk.to_vec())
            }
        }
    }

    /// Checks a slice of a body that `passes_through`, without copying it.
    pub fn inspect(&mut self, chunk: &[u8]) -> Result<(), S3Error> {
        debug_assert!(self.passes_through());
        self.account(chunk)
    }

    fn account(&mut self, payload: &[u8]) -> Result<(), S3Error> {
        self.seen += payload.len() as u64;
        if let Some(expected) = self.expected_length {
            if self.seen > expected {
                return Err(S3Error::with_message(
                    ErrorCode::IncompleteBody,
                    "The request body is longer than the length announced.",
                ));
            }
        }
        self.verifier.update(payload);
        Ok(())
    }

    /// At the end of the body: checks the framing, the length and every expected digest.
    pub fn finish(self) -> Result<VerifiedBody, S3Error> {
        let trailers = match self.decoder {
            Some(decoder) => decoder.finish()?,
            None => Vec::new(),
        };
        self.verifier.finish(self.expected_length, &trailers)
    }
}
