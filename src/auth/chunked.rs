//! Streaming decoder for `aws-chunked` request bodies, fed arbitrary slices: verifies every
//! chunk signature (and the trailer signature) of STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
//! and decodes STREAMING-UNSIGNED-PAYLOAD-TRAILER. Follows "Signature Calculations for the
//! Authorization Header: Transferring Payload in Multiple Chunks" (sigv4-streaming.html) and
//! "Signature calculations for trailing headers" (sigv4-streaming-trailers.html).
//!
//! Decoded bytes are handed out as soon as they arrive, before the chunk's signature can be
//! checked: a caller must discard everything it received if `push` or `finish` ever fails.

use std::fmt;

use sha2::{Digest, Sha256};

use super::sigv4::{constant_time_eq, signature, EMPTY_SHA256_HEX};
use crate::error::{ErrorCode, S3Error};

/// Largest chunk size accepted in a chunk header (the largest single PUT S3 allows).
pub const MAX_CHUNK_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// Longest chunk-header or trailer line accepted, CRLF included.
const MAX_LINE: usize = 8 * 1024;
/// Most trailer lines accepted.
const MAX_TRAILERS: usize = 32;
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";

/// The rolling signature state of a signed chunked upload.
#[derive(Clone)]
pub struct ChunkSigner {
    signing_key: [u8; 32],
    amz_date: String,
    scope: String,
    previous_signature: String,
}

impl ChunkSigner {
    /// `scope` is `date/region/s3/aws4_request`; `seed_signature` is the request's own signature.
    pub fn new(
        signing_key: [u8; 32],
        amz_date: String,
        scope: String,
        seed_signature: String,
    ) -> Self {
        ChunkSigner {
            signing_key,
            amz_date,
            scope,
            previous_signature: seed_signature,
        }
    }

    /// The signature the next chunk must carry, given the SHA-256 of its data.
    pub fn chunk_signature(&self, data_sha256: &[u8; 32]) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous_signature,
            EMPTY_SHA256_HEX,
            hex::encode(data_sha256)
        );
        signature(&self.signing_key, &string_to_sign)
    }

    /// The signature the trailer section must carry, given its canonical form
    /// (`name:value\n` per trailer, signature line excluded).
    pub fn trailer_signature(&self, canonical_trailers: &[u8]) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous_signature,
            hex::encode(Sha256::digest(canonical_trailers))
        );
        signature(&self.signing_key, &string_to_sign)
    }

    /// The signature the next chunk or trailer is chained to.
    pub fn previous_signature(&self) -> &str {
        &self.previous_signature
    }

    /// Compares in constant time and, on success, chains the next signature to this one.
    fn accept(&mut self, expected: String, provided: &[u8]) -> Result<(), S3Error> {
        if constant_time_eq(expected.as_bytes(), provided) {
            self.previous_signature = expected;
            Ok(())
        } else {
            Err(S3Error::new(ErrorCode::SignatureDoesNotMatch))
        }
    }
}

impl fmt::Debug for ChunkSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkSigner")
            .field("signing_key", &"<redacted>")
            .field("amz_date", &self.amz_date)
            .field("scope", &self.scope)
            .field("previous_signature", &self.previous_signature)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a `hex-size[;ext]\r\n` line.
    Size,
    /// Inside chunk data, this many bytes left.
    Data(u64),
    /// Expecting the CR, then the LF, that close chunk data.
    DataCr,
    DataLf,
    /// After the final 0-size chunk: trailer lines until an empty line.
    Trailers,
    /// After the trailer signature: only the closing empty line may follow.
    AfterTrailerSignature,
    Done,
    Failed,
}

/// Incremental `aws-chunked` decoder.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    signer: Option<ChunkSigner>,
    trailer: bool,
    state: State,
    /// The partial line being read (size line or trailer line), bounded by `MAX_LINE`.
    line: Vec<u8>,
    /// SHA-256 of the current chunk's data so far (signed mode only).
    hasher: Sha256,
    /// The chunk-signature the current chunk announced.
    chunk_signature: Vec<u8>,
    trailers: Vec<(String, String)>,
    decoded_len: u64,
}

impl ChunkedDecoder {
    /// `signer`: Some for STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] (every chunk signature
    /// verified, constant time; the `x-amz-trailer-signature` verified when `trailer`), None
    /// for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
    pub fn new(signer: Option<ChunkSigner>, trailer: bool) -> Self {
        ChunkedDecoder {
            signer,
            trailer,
            state: State::Size,
            line: Vec::new(),
            hasher: Sha256::new(),
            chunk_signature: Vec::new(),
            trailers: Vec::new(),
            decoded_len: 0,
        }
    }

    /// Payload bytes decoded so far (to compare with `x-amz-decoded-content-length`).
    pub fn decoded_len(&self) -> u64 {
        self.decoded_len
    }

    /// Feed the next slice of the encoded body (any length, any split point). Decoded payload
    /// bytes are appended to `out`. After an error the decoder keeps failing.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), S3Error> {
        if self.state == State::Failed {
            return Err(malformed("the body could not be decoded"));
        }
        let result = self.push_inner(input, out);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    /// At end of body: IncompleteBody if it ended before the final 0-size chunk (or inside a
    /// trailer line, or before a required trailer signature). The closing empty line after the
    /// last chunk or trailer may be missing. Returns the trailers as (lower-case name, value),
    /// without `x-amz-trailer-signature`.
    pub fn finish(self) -> Result<Vec<(String, String)>, S3Error> {
        match self.state {
            State::Done => Ok(self.trailers),
            State::Trailers | State::AfterTrailerSignature
                if self.line.is_empty() || self.line == b"\r" =>
            {
                if self.state == State::Trailers
                    && self.signer.is_some()
                    && !self.trailers.is_empty()
                {
                    return Err(incomplete());
                }
                Ok(self.trailers)
            }
            State::Failed => Err(malformed("the body could not be decoded")),
            _ => Err(incomplete()),
        }
    }

    fn push_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), S3Error> {
        while let Some(&first) = input.first() {
            match self.state {
                State::Size | State::Trailers | State::AfterTrailerSignature => {
                    let newline = input.iter().position(|&b| b == b'\n');
                    let take = newline.map_or(input.len(), |i| i + 1);
                    if self.line.len() + take > MAX_LINE {
                        return Err(malformed("a chunk header or trailer line is too long"));
                    }
                    self.line.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if newline.is_some() {
                        let line = std::mem::take(&mut self.line);
                        let line = line
                            .strip_suffix(b"\r\n")
                            .ok_or_else(|| malformed("a line does not end with CRLF"))?;
                        self.on_line(line)?;
                    }
                }
                State::Data(remaining) => {
                    let n = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
                    let (data, rest) = input.split_at(n);
                    if self.signer.is_some() {
                        self.hasher.update(data);
                    }
                    out.extend_from_slice(data);
                    self.decoded_len += n as u64;
                    input = rest;
                    let remaining = remaining - n as u64;
                    if remaining == 0 {
                        self.end_of_chunk()?;
                        self.state = State::DataCr;
                    } else {
                        self.state = State::Data(remaining);
                    }
                }
                State::DataCr | State::DataLf => {
                    let expected = if self.state == State::DataCr {
                        b'\r'
                    } else {
                        b'\n'
                    };
                    if first != expected {
                        return Err(malformed("chunk data is longer than its announced size"));
                    }
                    input = &input[1..];
                    self.state = if self.state == State::DataCr {
                        State::DataLf
                    } else {
                        State::Size
                    };
                }
                State::Done => return Err(malformed("data follows the end of the chunked body")),
                State::Failed => return Err(malformed("the body could not be decoded")),
            }
        }
        Ok(())
    }

    fn on_line(&mut self, line: &[u8]) -> Result<(), S3Error> {
        match self.state {
            State::Size => self.on_size_line(line),
            State::Trailers => self.on_trailer_line(line),
            State::AfterTrailerSignature if line.is_empty() => {
                self.state = State::Done;
                Ok(())
            }
            _ => Err(malformed("unexpected data after the trailer signature")),
        }
    }

    /// `hex-size;chunk-signature=<64 hex>` (signed) or `hex-size[;extensions]` (unsigned).
    fn on_size_line(&mut self, line: &[u8]) -> Result<(), S3Error> {
        let (size, extension) = match line.iter().position(|&b| b == b';') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        let size = parse_hex_size(size)?;
        if self.signer.is_some() {
            let signature = extension
                .and_then(|e| e.strip_prefix(b"chunk-signature="))
                .ok_or_else(|| malformed("a chunk header has no chunk-signature"))?;
            if signature.len() != 64 {
                return Err(malformed("a chunk-signature is not 64 hex characters"));
            }
            self.chunk_signature.clear();
            self.chunk_signature.extend_from_slice(signature);
        }
        if size == 0 {
            self.end_of_chunk()?;
            self.state = State::Trailers;
        } else {
            self.state = State::Data(size);
        }
        Ok(())
    }

    /// Verifies the chunk just completed (signed mode) and chains its signature.
    fn end_of_chunk(&mut self) -> Result<(), S3Error> {
        if let Some(signer) = self.signer.as_mut() {
            let digest: [u8; 32] = self.hasher.finalize_reset().into();
            let expected = signer.chunk_signature(&digest);
            signer.accept(expected, &self.chunk_signature)?;
        }
        Ok(())
    }

    fn on_trailer_line(&mut self, line: &[u8]) -> Result<(), S3Error> {
        if line.is_empty() {
            if self.signer.is_some() && !self.trailers.is_empty() {
                return Err(malformed("the trailers carry no x-amz-trailer-signature"));
            }
            self.state = State::Done;
            return Ok(());
        }
        let text =
            std::str::from_utf8(line).map_err(|_| malformed("a trailer line is not UTF-8"))?;
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| malformed("a trailer line has no ':'"))?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name.is_empty() || name.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(malformed("a trailer name is not valid"));
        }
        if !self.trailer {
            return Err(malformed("trailers were not announced for this upload"));
        }
        if name == TRAILER_SIGNATURE {
            if let Some(signer) = self.signer.as_mut() {
                let mut canonical = Vec::new();
                for (n, v) in &self.trailers {
                    canonical.extend_from_slice(n.as_bytes());
                    canonical.push(b':');
                    canonical.extend_from_slice(v.as_bytes());
                    canonical.push(b'\n');
                }
                let expected = signer.trailer_signature(&canonical);
                signer.accept(expected, value.as_bytes())?;
            }
            // Unsigned uploads have no key to check a trailer signature with: it is ignored.
            self.state = State::AfterTrailerSignature;
            return Ok(());
        }
        if self.trailers.len() >= MAX_TRAILERS {
            return Err(malformed("too many trailers"));
        }
        self.trailers.push((name, value.to_string()));
        Ok(())
    }
}

fn parse_hex_size(digits: &[u8]) -> Result<u64, S3Error> {
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(malformed("a chunk size is not a hexadecimal number"));
    }
    let text = std::str::from_utf8(digits).map_err(|_| malformed("bad chunk size"))?;
    let size = u64::from_str_radix(text, 16).map_err(|_| malformed("bad chunk size"))?;
    if size > MAX_CHUNK_SIZE {
        return Err(malformed("a chunk is larger than allowed"));
    }
    Ok(size)
}

fn malformed(why: &str) -> S3Error {
    S3Error::with_message(
        ErrorCode::InvalidRequest,
        format!("Invalid aws-chunked request body: {why}."),
    )
}

fn incomplete() -> S3Error {
    S3Error::with_message(
        ErrorCode::IncompleteBody,
        "The request body terminated unexpectedly",
    )
}

#[cfg(test)]
mod tests {
    use super::super::sigv4::{scope, signing_key};
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20130524T000000Z";

    fn signer(seed: &str) -> ChunkSigner {
        ChunkSigner::new(
            signing_key(SECRET, "20130524", "us-east-1", "s3"),
            DATE.to_string(),
            scope("20130524", "us-east-1", "s3"),
            seed.to_string(),
        )
    }

    fn chunk(out: &mut Vec<u8>, data: &[u8], signature: &str) {
        out.extend_from_slice(
            format!("{:x};chunk-signature={signature}\r\n", data.len()).as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }

    /// The body of the sigv4-streaming.html example: 66560 bytes of 'a' in 64 KiB chunks.
    fn aws_streaming_body() -> Vec<u8> {
        let mut body = Vec::new();
        chunk(
            &mut body,
            &[b'a'; 65536],
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        );
        chunk(
            &mut body,
            &[b'a'; 1024],
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        );
        chunk(
            &mut body,
            b"",
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        );
        assert_eq!(body.len(), 66824, "the Content-Length of the AWS example");
        body
    }

    const AWS_SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

    /// The body of the sigv4-streaming-trailers.html example (same object, crc32c trailer).
    fn aws_trailer_body() -> Vec<u8> {
        let mut body = Vec::new();
        chunk(
            &mut body,
            &[b'a'; 65536],
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        );
        chunk(
            &mut body,
            &[b'a'; 1024],
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        );
        body.extend_from_slice(
            b"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n\
              x-amz-checksum-crc32c:sOO8/Q==\r\n\
              x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
        );
        body
    }

    const AWS_TRAILER_SEED: &str =
        "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";

    fn decode_in_pieces(
        decoder: &mut ChunkedDecoder,
        pieces: &[&[u8]],
    ) -> Result<Vec<u8>, S3Error> {
        let mut out = Vec::new();
        for piece in pieces {
            decoder.push(piece, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn aws_example_decodes_whole() {
        let body = aws_streaming_body();
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
        let out = decode_in_pieces(&mut decoder, &[&body]).unwrap();
        assert_eq!(decoder.decoded_len(), 66560);
        assert_eq!(out, vec![b'a'; 66560]);
        assert_eq!(decoder.finish().unwrap(), vec![]);
    }

    #[test]
    fn aws_example_decodes_at_every_split_point() {
        // 66825 full decodes: spread over the available cores (SHA-256 is slow unoptimised).
        let body = aws_streaming_body();
        let expected = vec![b'a'; 66560];
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            for first in 0..threads {
                let (body, expected) = (&body, &expected);
                scope.spawn(move || {
                    for split in (first..=body.len()).step_by(threads) {
                        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
                        let (a, b) = body.split_at(split);
                        let out = decode_in_pieces(&mut decoder, &[a, b])
                            .unwrap_or_else(|e| panic!("split at {split}: {e}"));
                        assert!(out == *expected, "split at {split}");
                        decoder.finish().unwrap();
                    }
                });
            }
        });
    }

    #[test]
    fn aws_example_decodes_byte_by_byte() {
        let body = aws_streaming_body();
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
        let mut out = Vec::new();
        for byte in &body {
            decoder.push(std::slice::from_ref(byte), &mut out).unwrap();
        }
        assert_eq!(out, vec![b'a'; 66560]);
        assert_eq!(decoder.finish().unwrap(), vec![]);
    }

    #[test]
    fn flipped_data_byte_is_a_signature_mismatch() {
        // Offsets inside the data of the first chunk, at its end, and inside the second chunk.
        for position in [200, 88 + 65535, 65712, 65712 + 1023] {
            let mut body = aws_streaming_body();
            body[position] = b'b';
            let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
            let err = decode_in_pieces(&mut decoder, &[&body]).unwrap_err();
            assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch, "at {position}");
            // The decoder stays failed.
            assert!(decoder.push(b"", &mut Vec::new()).is_err());
            assert!(decoder.finish().is_err());
        }
    }

    #[test]
    fn wrong_seed_or_chunk_signature_is_refused() {
        let body = aws_streaming_body();
        let mut decoder = ChunkedDecoder::new(Some(signer(&"0".repeat(64))), false);
        let err = decode_in_pieces(&mut decoder, &[&body]).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);

        // A tampered final-chunk signature.
        let mut body = aws_streaming_body();
        let at = body.len() - 5;
        body[at] = if body[at] == b'0' { b'1' } else { b'0' };
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
        let err = decode_in_pieces(&mut decoder, &[&body]).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);
    }

    #[test]
    fn truncated_bodies_are_incomplete() {
        let body = aws_streaming_body();
        // Everything up to (not including) the CRLF closing the final chunk header.
        let final_header_end = body.len() - 2;
        let cuts = [
            0, 1, 5, 30, 87, 88, 1000, 65624, 65625, 65626, 65700, 66737, 66738, 66800,
        ]
        .into_iter()
        .chain([final_header_end - 2, final_header_end - 1]);
        for cut in cuts {
            let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
            let mut out = Vec::new();
            decoder.push(&body[..cut], &mut out).unwrap();
            let err = decoder.finish().unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteBody, "cut at {cut}");
        }
        // A missing closing CRLF after the final chunk is tolerated.
        for cut in [body.len() - 2, body.len() - 1] {
            let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
            decoder.push(&body[..cut], &mut Vec::new()).unwrap();
            assert_eq!(decoder.finish().unwrap(), vec![], "cut at {cut}");
        }
    }

    #[test]
    fn aws_trailer_example_verifies() {
        let body = aws_trailer_body();
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        let out = decode_in_pieces(&mut decoder, &[&body]).unwrap();
        assert_eq!(out, vec![b'a'; 66560]);
        assert_eq!(
            decoder.finish().unwrap(),
            vec![("x-amz-checksum-crc32c".to_string(), "sOO8/Q==".to_string())]
        );
        // The trailer value really is the CRC32C of the object.
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI).checksum(&[b'a'; 66560]);
        use base64::Engine;
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes()),
            "sOO8/Q=="
        );
    }

    #[test]
    fn aws_trailer_example_byte_by_byte_and_splits_in_trailer() {
        let body = aws_trailer_body();
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        let mut out = Vec::new();
        for byte in &body {
            decoder.push(std::slice::from_ref(byte), &mut out).unwrap();
        }
        assert_eq!(out.len(), 66560);
        assert_eq!(decoder.finish().unwrap().len(), 1);

        // Every split point from the final chunk header onwards.
        for split in 66600..=body.len() {
            let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
            let (a, b) = body.split_at(split);
            decode_in_pieces(&mut decoder, &[a, b]).unwrap();
            assert_eq!(decoder.finish().unwrap().len(), 1, "split at {split}");
        }
    }

    #[test]
    fn trailer_tampering_is_refused() {
        let body = aws_trailer_body();
        let mut tampered = body.clone();
        // Change the checksum value: the trailer signature no longer matches.
        let pos = tampered.windows(8).position(|w| w == b"sOO8/Q==").unwrap();
        tampered[pos] = b'X';
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        let err = decode_in_pieces(&mut decoder, &[&tampered]).unwrap_err();
        assert_eq!(err.code, ErrorCode::SignatureDoesNotMatch);

        // Dropping the trailer signature line: the trailer is unauthenticated.
        let sig_start = body
            .windows(23)
            .position(|w| w == TRAILER_SIGNATURE.as_bytes())
            .unwrap();
        let mut stripped = body[..sig_start].to_vec();
        stripped.extend_from_slice(b"\r\n");
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        assert!(decode_in_pieces(&mut decoder, &[&stripped]).is_err());
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        decode_in_pieces(&mut decoder, &[&body[..sig_start]]).unwrap();
        assert_eq!(
            decoder.finish().unwrap_err().code,
            ErrorCode::IncompleteBody
        );

        // Trailers in a signed upload that did not announce them.
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), false);
        assert!(decode_in_pieces(&mut decoder, &[&body]).is_err());
    }

    #[test]
    fn signed_trailer_without_closing_crlf_is_tolerated() {
        let body = aws_trailer_body();
        let short = &body[..body.len() - 2];
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        decode_in_pieces(&mut decoder, &[short]).unwrap();
        assert_eq!(decoder.finish().unwrap().len(), 1);
        // But not a truncated signature line.
        let shorter = &body[..body.len() - 5];
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_TRAILER_SEED)), true);
        decode_in_pieces(&mut decoder, &[shorter]).unwrap();
        assert_eq!(
            decoder.finish().unwrap_err().code,
            ErrorCode::IncompleteBody
        );
    }

    #[test]
    fn self_consistent_signed_trailers_with_two_values() {
        let mut s = signer(&"1".repeat(64));
        let data = b"hello world";
        let mut body = Vec::new();
        let sig1 = s.chunk_signature(&Sha256::digest(data).into());
        chunk(&mut body, data, &sig1);
        s.previous_signature = sig1;
        let sig0 = s.chunk_signature(&Sha256::digest(b"").into());
        body.extend_from_slice(format!("0;chunk-signature={sig0}\r\n").as_bytes());
        s.previous_signature = sig0;
        let canonical = b"x-amz-checksum-crc32:DUoRhQ==\nx-amz-meta-x:y z\n";
        let trailer_sig = s.trailer_signature(canonical);
        body.extend_from_slice(
            format!(
                "x-amz-checksum-crc32:DUoRhQ==\r\nX-Amz-Meta-X:  y z \r\n\
                 x-amz-trailer-signature:{trailer_sig}\r\n\r\n"
            )
            .as_bytes(),
        );
        for split in 0..=body.len() {
            let mut decoder = ChunkedDecoder::new(Some(signer(&"1".repeat(64))), true);
            let (a, b) = body.split_at(split);
            let out = decode_in_pieces(&mut decoder, &[a, b]).unwrap();
            assert_eq!(out, data);
            assert_eq!(
                decoder.finish().unwrap(),
                vec![
                    ("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string()),
                    ("x-amz-meta-x".to_string(), "y z".to_string()),
                ]
            );
        }
    }

    const UNSIGNED_BODY: &[u8] =
        b"3\r\nabc\r\n5\r\n\r\nxyz\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";

    #[test]
    fn unsigned_trailer_form_decodes_at_every_split() {
        for split in 0..=UNSIGNED_BODY.len() {
            let mut decoder = ChunkedDecoder::new(None, true);
            let (a, b) = UNSIGNED_BODY.split_at(split);
            let out = decode_in_pieces(&mut decoder, &[a, b]).unwrap();
            assert_eq!(out, b"abc\r\nxyz", "split at {split}");
            assert_eq!(
                decoder.finish().unwrap(),
                vec![("x-amz-checksum-crc32".to_string(), "NSRBwg==".to_string())]
            );
        }
        let mut decoder = ChunkedDecoder::new(None, true);
        let mut out = Vec::new();
        for byte in UNSIGNED_BODY {
            decoder.push(std::slice::from_ref(byte), &mut out).unwrap();
        }
        assert_eq!(out, b"abc\r\nxyz");
        assert_eq!(decoder.finish().unwrap().len(), 1);
    }

    #[test]
    fn unsigned_truncations() {
        // Every prefix that stops before the final 0-size chunk line is complete, or inside a
        // trailer line, is incomplete; only the closing empty line may be missing.
        let complete_from = UNSIGNED_BODY.len() - 2;
        let final_chunk_end = UNSIGNED_BODY
            .windows(3)
            .position(|w| w == b"0\r\n")
            .unwrap()
            + 3;
        for cut in 0..UNSIGNED_BODY.len() {
            let mut decoder = ChunkedDecoder::new(None, true);
            decoder
                .push(&UNSIGNED_BODY[..cut], &mut Vec::new())
                .unwrap();
            let result = decoder.finish();
            if cut >= complete_from || cut == final_chunk_end {
                assert!(result.is_ok(), "cut at {cut}");
            } else {
                assert_eq!(
                    result.unwrap_err().code,
                    ErrorCode::IncompleteBody,
                    "cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn unsigned_ignores_extensions_and_trailer_signature() {
        let body = b"3;foo=bar\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\nx-amz-trailer-signature:zz\r\n\r\n";
        let mut decoder = ChunkedDecoder::new(None, true);
        let out = decode_in_pieces(&mut decoder, &[body]).unwrap();
        assert_eq!(out, b"abc");
        assert_eq!(decoder.finish().unwrap().len(), 1);
    }

    #[test]
    fn malformed_bodies_are_refused() {
        let cases: &[&[u8]] = &[
            b"zz\r\nabc\r\n0\r\n\r\n",
            b"\r\nabc\r\n0\r\n\r\n",
            b"3\nabc\r\n0\r\n\r\n",
            b"3\r\nabcd\r\n0\r\n\r\n",
            b"3\r\nabc\n0\r\n\r\n",
            b"11111111111111111\r\n",
            b"200000000\r\n",
            b"3\r\nabc\r\n0\r\nno-colon\r\n\r\n",
            b"3\r\nabc\r\n0\r\n\r\nextra",
        ];
        for body in cases {
            let mut decoder = ChunkedDecoder::new(None, true);
            let err = decode_in_pieces(&mut decoder, &[body]).unwrap_err();
            assert_eq!(
                err.code,
                ErrorCode::InvalidRequest,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // Trailers where none were announced.
        let mut decoder = ChunkedDecoder::new(None, false);
        assert!(decode_in_pieces(&mut decoder, &[UNSIGNED_BODY]).is_err());
        let mut decoder = ChunkedDecoder::new(None, false);
        decode_in_pieces(&mut decoder, &[b"3\r\nabc\r\n0\r\n\r\n"]).unwrap();
        assert!(decoder.finish().unwrap().is_empty());
        // An endless header line is cut off, not buffered.
        let mut decoder = ChunkedDecoder::new(None, true);
        let long = vec![b'1'; MAX_LINE + 1];
        assert!(decode_in_pieces(&mut decoder, &[&long]).is_err());
        // Signed mode requires chunk-signature.
        let mut decoder = ChunkedDecoder::new(Some(signer(AWS_SEED)), false);
        let err = decode_in_pieces(&mut decoder, &[b"3\r\nabc\r\n"]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn large_announced_size_allocates_nothing_up_front() {
        let mut decoder = ChunkedDecoder::new(None, true);
        let mut out = Vec::new();
        decoder.push(b"100000000\r\nab", &mut out).unwrap();
        assert_eq!(out, b"ab");
        assert!(out.capacity() < 1024);
        assert_eq!(
            decoder.finish().unwrap_err().code,
            ErrorCode::IncompleteBody
        );
    }

    #[test]
    fn debug_hides_the_signing_key() {
        let s = signer(AWS_SEED);
        let text = format!("{s:?} {:?}", ChunkedDecoder::new(Some(s.clone()), false));
        assert!(!text.contains(&hex::encode(s.signing_key)));
        assert!(!text.contains(&format!("{:?}", s.signing_key)));
        assert!(text.contains("<redacted>"));
    }
}
