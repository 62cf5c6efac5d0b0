//! Upload integrity: `Content-MD5`, the `x-amz-content-sha256` payload hash, and S3's flexible
//! checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) sent in a header or in an aws-chunked trailer.
//! Follows "Checking object integrity" in the Amazon S3 User Guide, with the error codes and
//! messages S3 answers when a check fails.
//!
//! Flow: [`IntegrityExpectations::from_headers`] reads what the request promises, a
//! [`BodyVerifier`] is fed the decoded body, and [`BodyVerifier::finish`] compares.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crc::{Crc, Table, CRC_32_ISCSI, CRC_32_ISO_HDLC, CRC_64_NVME};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;

// Slice-by-16 tables: 16 KiB (CRC32/CRC32C) and 32 KiB (CRC64) of static data buys several
// times the byte-at-a-time speed, which matters under a Worker's CPU budget.
static CRC32: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_ISO_HDLC);
static CRC32C: Crc<u32, Table<16>> = Crc::<u32, Table<16>>::new(&CRC_32_ISCSI);
static CRC64NVME: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_NVME);

/// The flexible checksum algorithms S3 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    pub const ALL: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// Parses an algorithm name as sent in `x-amz-sdk-checksum-algorithm` or
    /// `x-amz-checksum-algorithm` ("CRC32", "crc64nvme", ...), case-insensitively.
    pub fn from_name(name: &str) -> Option<ChecksumAlgorithm> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str().eq_ignore_ascii_case(name))
    }

    /// The name as S3 writes it in headers and in XML `ChecksumAlgorithm`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }

    /// The lower-case header (or trailer) that carries a value of this algorithm.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The algorithm whose value header this is (case-insensitive). `x-amz-checksum-type`,
    /// `x-amz-checksum-algorithm` and `x-amz-checksum-mode` are not value headers: `None`.
    pub fn from_header_name(name: &str) -> Option<ChecksumAlgorithm> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|alg| alg.header_name().eq_ignore_ascii_case(name))
    }

    /// The XML element that carries a value of this algorithm (`ChecksumCRC32`, ...).
    pub fn xml_element(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "ChecksumCRC32",
            ChecksumAlgorithm::Crc32c => "ChecksumCRC32C",
            ChecksumAlgorithm::Crc64Nvme => "ChecksumCRC64NVME",
            ChecksumAlgorithm::Sha1 => "ChecksumSHA1",
            ChecksumAlgorithm::Sha256 => "ChecksumSHA256",
        }
    }

    /// Length in bytes of the digest (before base64).
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Decodes a base64 value of this algorithm; `None` if it is not base64 of the right length.
    pub fn decode_value(self, value: &str) -> Option<Vec<u8>> {
        let bytes = BASE64.decode(value.trim()).ok()?;
        (bytes.len() == self.digest_len()).then_some(bytes)
    }
}

/// Incremental computation of one flexible checksum.
pub struct Hasher {
    state: HasherState,
}

enum HasherState {
    Crc32(crc::Digest<'static, u32, Table<16>>),
    Crc32c(crc::Digest<'static, u32, Table<16>>),
    Crc64Nvme(crc::Digest<'static, u64, Table<16>>),
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    pub fn new(alg: ChecksumAlgorithm) -> Hasher {
        let state = match alg {
            ChecksumAlgorithm::Crc32 => HasherState::Crc32(CRC32.digest()),
            ChecksumAlgorithm::Crc32c => HasherState::Crc32c(CRC32C.digest()),
            ChecksumAlgorithm::Crc64Nvme => HasherState::Crc64Nvme(CRC64NVME.digest()),
            ChecksumAlgorithm::Sha1 => HasherState::Sha1(Sha1::new()),
            ChecksumAlgorithm::Sha256 => HasherState::Sha256(Sha256::new()),
        };
        Hasher { state }
    }

    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self.state {
            HasherState::Crc32(_) => ChecksumAlgorithm::Crc32,
            HasherState::Crc32c(_) => ChecksumAlgorithm::Crc32c,
            HasherState::Crc64Nvme(_) => ChecksumAlgorithm::Crc64Nvme,
            HasherState::Sha1(_) => ChecksumAlgorithm::Sha1,
            HasherState::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Crc32(d) | HasherState::Crc32c(d) => d.update(data),
            HasherState::Crc64Nvme(d) => d.update(data),
            HasherState::Sha1(d) => d.update(data),
            HasherState::Sha256(d) => d.update(data),
        }
    }

    /// The digest bytes, big-endian for the CRCs.
    pub fn finish_bytes(self) -> Vec<u8> {
        match self.state {
            HasherState::Crc32(d) | HasherState::Crc32c(d) => d.finalize().to_be_bytes().to_vec(),
            HasherState::Crc64Nvme(d) => d.finalize().to_be_bytes().to_vec(),
            HasherState::Sha1(d) => d.finalize().to_vec(),
            HasherState::Sha256(d) => d.finalize().to_vec(),
        }
    }

    /// The digest as S3 shows it: base64 of the big-endian bytes.
    pub fn finish(self) -> String {
        BASE64.encode(self.finish_bytes())
    }
}

/// One-shot checksum of a buffer, base64 as S3 shows it.
pub fn checksum(alg: ChecksumAlgorithm, data: &[u8]) -> String {
    let mut hasher = Hasher::new(alg);
    hasher.update(data);
    hasher.finish()
}

/// Where the client said the flexible checksum value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedValue {
    /// Given in the `x-amz-checksum-*` header; held as canonical base64.
    Header(String),
    /// Announced by `x-amz-trailer`; arrives in the aws-chunked trailer.
    Trailer,
}

/// What a request promises about its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityExpectations {
    pub content_md5: Option<[u8; 16]>,
    /// The SHA-256 from `x-amz-content-sha256` when it is a real hash; set by the caller after
    /// authentication (the streaming and unsigned modes carry none).
    pub payload_sha256: Option<[u8; 32]>,
    pub checksum: Option<(ChecksumAlgorithm, ExpectedValue)>,
    /// `x-amz-decoded-content-length`: the body length once aws-chunked framing is removed.
    /// S3 ignores it for a plain body, so callers use it only for aws-chunked ones.
    pub decoded_length: Option<u64>,
}

const MULTIPLE_CHECKSUMS: &str =
    "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.";
const HEADER_AND_TRAILER: &str = "Expecting a single x-amz-checksum- header";
const SDK_ALGORITHM_INVALID: &str = "Value for x-amz-sdk-checksum-algorithm header is invalid.";
const SDK_ALGORITHM_ALONE: &str = "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.";
const TRAILER_UNSUPPORTED: &str =
    "The value specified in the x-amz-trailer header is not supported";
// S3 answers this with the code MalformedTrailerError, which `ErrorCode` does not have.
const TRAILER_MALFORMED: &str = "The request contained trailing data that was not well-formed or did not conform to our published schema.";

fn invalid_request(message: impl Into<String>) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidRequest, message)
}

impl IntegrityExpectations {
    /// Reads `Content-MD5`, `x-amz-checksum-*`, `x-amz-trailer`, `x-amz-sdk-checksum-algorithm`
    /// and `x-amz-decoded-content-length`, refusing what S3 refuses.
    pub fn from_headers(head: &RequestHead) -> Result<IntegrityExpectations, S3Error> {
        let mut expectations = IntegrityExpectations::default();

        if let Some(value) = head.header("content-md5") {
            let digest = BASE64
                .decode(value.trim())
                .ok()
                .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
                .ok_or_else(|| {
                    S3Error::new(ErrorCode::InvalidDigest).detail("Content-MD5", value)
                })?;
            expectations.content_md5 = Some(digest);
        }

        // Counted before any value is looked at: S3 refuses two headers even when both are empty.
        let in_headers: Vec<(ChecksumAlgorithm, &str)> = head
            .headers
            .iter()
            .filter_map(|(name, value)| {
                ChecksumAlgorithm::from_header_name(name).map(|alg| (alg, value.as_str()))
            })
            .collect();
        if in_headers.len() > 1 {
            return Err(invalid_request(MULTIPLE_CHECKSUMS));
        }

        let in_trailer = match head.header_joined("x-amz-trailer") {
            None => None,
            Some(list) => {
                let mut found = None;
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let alg = ChecksumAlgorithm::from_header_name(name)
                        .ok_or_else(|| invalid_request(TRAILER_UNSUPPORTED))?;
                    if found.replace(alg).is_some() {
                        return Err(invalid_request(MULTIPLE_CHECKSUMS));
                    }
                }
                found
            }
        };

        expectations.checksum = match (in_headers.first(), in_trailer) {
            (Some(_), Some(_)) => return Err(invalid_request(HEADER_AND_TRAILER)),
            (Some(&(alg, value)), None) => {
                let bytes = alg.decode_value(value).ok_or_else(|| {
                    invalid_request(format!(
                        "Value for {} header is invalid.",
                        alg.header_name()
                    ))
                })?;
                Some((alg, ExpectedValue::Header(BASE64.encode(bytes))))
            }
            (None, Some(alg)) => Some((alg, ExpectedValue::Trailer)),
            (None, None) => None,
        };

        if let Some(name) = head.header("x-amz-sdk-checksum-algorithm") {
            let sdk_alg = ChecksumAlgorithm::from_name(name)
                .ok_or_else(|| invalid_request(SDK_ALGORITHM_INVALID))?;
            match &expectations.checksum {
                None => return Err(invalid_request(SDK_ALGORITHM_ALONE)),
                Some((alg, _)) if *alg != sdk_alg => {
                    return Err(invalid_request(SDK_ALGORITHM_INVALID))
                }
                Some(_) => {}
            }
        }

        match head.header("x-amz-decoded-content-length") {
            Some(value) => {
                let length = value.trim().parse::<u64>().map_err(|_| {
                    S3Error::with_message(
                        ErrorCode::InvalidArgument,
                        "x-amz-decoded-content-length must be a non-negative integer.",
                    )
                    .detail("ArgumentName", "x-amz-decoded-content-length")
                    .detail("ArgumentValue", value)
                })?;
                expectations.decoded_length = Some(length);
            }
            None => {
                let streaming = head
                    .header("x-amz-content-sha256")
                    .is_some_and(|mode| mode.starts_with("STREAMING-"));
                if streaming {
                    return Err(S3Error::new(ErrorCode::MissingContentLength));
                }
            }
        }

        Ok(expectations)
    }

    /// Records the payload hash authentication verified the signature over.
    pub fn set_payload_sha256(&mut self, digest: Option<[u8; 32]>) {
        self.payload_sha256 = digest;
    }
}

/// What [`BodyVerifier::finish`] established about a body that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody {
    pub length: u64,
    /// Present when MD5 was computed (Content-MD5 given, or requested for the ETag).
    pub md5: Option<[u8; 16]>,
    /// The flexible checksum, base64, when one was expected or requested as a default.
    pub checksum: Option<(ChecksumAlgorithm, String)>,
}

/// Hashes a decoded body as it streams past, computing only what will be checked or kept.
pub struct BodyVerifier {
    length: u64,
    md5: Option<Md5>,
    expected_md5: Option<[u8; 16]>,
    sha256: Option<(Sha256, [u8; 32])>,
    checksum: Option<(Hasher, ExpectedValue)>,
    default_checksum: Option<Hasher>,
}

impl BodyVerifier {
    pub fn new(expectations: &IntegrityExpectations) -> BodyVerifier {
        BodyVerifier {
            length: 0,
            md5: expectations.content_md5.map(|_| Md5::new()),
            expected_md5: expectations.content_md5,
            sha256: expectations.payload_sha256.map(|d| (Sha256::new(), d)),
            checksum: expectations
                .checksum
                .clone()
                .map(|(alg, expected)| (Hasher::new(alg), expected)),
            default_checksum: None,
        }
    }

    /// Also computes MD5 without a Content-MD5 to check (S3's ETag of a single-part object).
    pub fn with_md5(mut self, wanted: bool) -> BodyVerifier {
        if wanted && self.md5.is_none() {
            self.md5 = Some(Md5::new());
        } else if !wanted && self.expected_md5.is_none() {
            self.md5 = None;
        }
        self
    }

    /// Computes `alg` when the request named no flexible checksum, as S3 stores a CRC64NVME
    /// for every new object. Ignored when the request names one.
    pub fn with_default_checksum(mut self, alg: ChecksumAlgorithm) -> BodyVerifier {
        if self.checksum.is_none() {
            self.default_checksum = Some(Hasher::new(alg));
        }
        self
    }

    pub fn update(&mut self, data: &[u8]) {
        self.length += data.len() as u64;
        if let Some(md5) = &mut self.md5 {
            md5.update(data);
        }
        if let Some((sha256, _)) = &mut self.sha256 {
            sha256.update(data);
        }
        if let Some((hasher, _)) = &mut self.checksum {
            hasher.update(data);
        }
        if let Some(hasher) = &mut self.default_checksum {
            hasher.update(data);
        }
    }

    /// Bytes fed so far.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// Checks the length, then the payload SHA-256, then Content-MD5, then the flexible checksum
    /// (taken from `trailers`, names matched case-insensitively, when `x-amz-trailer` announced it).
    pub fn finish(
        self,
        expected_length: Option<u64>,
        trailers: &[(String, String)],
    ) -> Result<VerifiedBody, S3Error> {
        if let Some(expected) = expected_length {
            if expected != self.length {
                // S3 answers IncompleteBody for a body longer than declared as well as shorter.
                return Err(S3Error::new(ErrorCode::IncompleteBody)
                    .detail("NumberBytesExpected", expected.to_string())
                    .detail("NumberBytesProvided", self.length.to_string()));
            }
        }

        if let Some((sha256, expected)) = self.sha256 {
            let computed: [u8; 32] = sha256.finalize().into();
            if computed != expected {
                return Err(S3Error::new(ErrorCode::XAmzContentSHA256Mismatch)
                    .detail("ClientComputedContentSHA256", hex::encode(expected))
                    .detail("S3ComputedContentSHA256", hex::encode(computed)));
            }
        }

        let md5 = self.md5.map(|md5| -> [u8; 16] { md5.finalize().into() });
        if let (Some(expected), Some(computed)) = (self.expected_md5, md5) {
            if computed != expected {
                return Err(S3Error::new(ErrorCode::BadDigest)
                    .detail("ExpectedDigest", BASE64.encode(expected))
                    .detail("CalculatedDigest", BASE64.encode(computed)));
            }
        }

        let checksum = match (self.checksum, self.default_checksum) {
            (Some((hasher, expected)), _) => {
                let alg = hasher.algorithm();
                let expected = match expected {
                    ExpectedValue::Header(value) => value,
                    ExpectedValue::Trailer => trailer_value(alg, trailers)?,
                };
                let computed = hasher.finish();
                if computed != expected {
                    return Err(S3Error::with_message(
                        ErrorCode::BadDigest,
                        format!(
                            "The {} you specified did not match the calculated checksum.",
                            alg.as_str()
                        ),
                    ));
                }
                Some((alg, computed))
            }
            (None, Some(hasher)) => Some((hasher.algorithm(), hasher.finish())),
            (None, None) => None,
        };

        Ok(VerifiedBody {
            length: self.length,
            md5,
            checksum,
        })
    }
}

/// The announced checksum from the aws-chunked trailer, as canonical base64.
fn trailer_value(alg: ChecksumAlgorithm, trailers: &[(String, String)]) -> Result<String, S3Error> {
    let (_, value) = trailers
        .iter()
        .find(|(name, _)| name.trim().eq_ignore_ascii_case(alg.header_name()))
        .ok_or_else(|| invalid_request(TRAILER_MALFORMED))?;
    let bytes = alg.decode_value(value).ok_or_else(|| {
        invalid_request(format!(
            "Value for {} trailing header is invalid.",
            alg.header_name()
        ))
    })?;
    Ok(BASE64.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead::new(
            "PUT",
            "/bucket/key",
            "",
            headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn expect_err(headers: &[(&str, &str)], code: ErrorCode, message: &str) {
        let err = IntegrityExpectations::from_headers(&head(headers)).unwrap_err();
        assert_eq!(err.code, code, "{headers:?}");
        assert_eq!(err.message, message, "{headers:?}");
    }

    fn verify(
        expectations: &IntegrityExpectations,
        body: &[u8],
        trailers: &[(&str, &str)],
    ) -> Result<VerifiedBody, S3Error> {
        let mut verifier = BodyVerifier::new(expectations);
        verifier.update(body);
        let trailers: Vec<(String, String)> = trailers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        verifier.finish(Some(body.len() as u64), &trailers)
    }

    use ChecksumAlgorithm::{Crc32, Crc32c, Crc64Nvme};
    const SHA1: ChecksumAlgorithm = ChecksumAlgorithm::Sha1;
    const SHA256: ChecksumAlgorithm = ChecksumAlgorithm::Sha256;

    // CRC values are the catalogue "check" values (CRC-32/ISO-HDLC 0xCBF43926,
    // CRC-32/ISCSI 0xE3069283, CRC-64/NVME 0xAE8B14860A799888) as base64 of the big-endian
    // bytes; the others were computed independently with Python's zlib/hashlib and a bitwise
    // reference CRC.
    const VECTORS: &[(ChecksumAlgorithm, &[u8], &str)] = &[
        (Crc32, b"", "AAAAAA=="),
        (Crc32, b"123456789", "y/Q5Jg=="),
        (Crc32, b"Hello world", "i9aeUg=="),
        // Returned by S3 itself for the body "hello\n" (a repro run against AWS).
        (Crc32, b"hello\n", "NjowIA=="),
        (Crc32c, b"", "AAAAAA=="),
        (Crc32c, b"123456789", "4waSgw=="),
        (Crc32c, b"Hello world", "crUfeA=="),
        (Crc64Nvme, b"", "AAAAAAAAAAA="),
        (Crc64Nvme, b"123456789", "rosUhgp5mIg="),
        (Crc64Nvme, b"Hello world", "OOJZ0D8xKts="),
        (SHA1, b"", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
        (SHA1, b"123456789", "98O8HYCOBHMq32eZZczDTKeuNEE="),
        (SHA1, b"Hello world", "e1AsOh9IyGCa4hLN+2Od7jlnP14="),
        (SHA256, b"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        (
            SHA256,
            b"123456789",
            "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
        ),
        (
            SHA256,
            b"Hello world",
            "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
        ),
    ];

    #[test]
    fn known_vectors() {
        for &(alg, input, expected) in VECTORS {
            assert_eq!(checksum(alg, input), expected, "{alg:?} of {input:?}");
        }
    }

    #[test]
    fn crc_check_values_as_integers() {
        assert_eq!(CRC32.checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(CRC32C.checksum(b"123456789"), 0xE306_9283);
        assert_eq!(CRC64NVME.checksum(b"123456789"), 0xAE8B_1486_0A79_9888);
    }

    #[test]
    fn feeding_in_pieces_equals_feeding_whole() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 31 % 251) as u8).collect();
        for alg in ChecksumAlgorithm::ALL {
            let whole = checksum(alg, &data);
            for piece in [1, 7, 64, 1000, 4096] {
                let mut hasher = Hasher::new(alg);
                for chunk in data.chunks(piece) {
                    hasher.update(chunk);
                }
                assert_eq!(hasher.finish(), whole, "{alg:?} in pieces of {piece}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for alg in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_name(alg.as_str()), Some(alg));
            assert_eq!(
                ChecksumAlgorithm::from_name(&alg.as_str().to_lowercase()),
                Some(alg)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(alg.header_name()),
                Some(alg)
            );
            assert_eq!(
                ChecksumAlgorithm::from_header_name(&alg.header_name().to_uppercase()),
                Some(alg)
            );
        }
        assert_eq!(ChecksumAlgorithm::from_name("MD5"), None);
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-type"),
            None
        );
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-algorithm"),
            None
        );
        assert_eq!(
            ChecksumAlgorithm::from_header_name("x-amz-checksum-mode"),
            None
        );
        assert_eq!(Crc64Nvme.xml_element(), "ChecksumCRC64NVME");
    }

    #[test]
    fn expectations_from_headers() {
        let e = IntegrityExpectations::from_headers(&head(&[
            ("Content-MD5", "PiWWCnnbxptnTNTsZ6csYg=="),
            ("x-amz-checksum-crc32", "i9aeUg=="),
            ("x-amz-sdk-checksum-algorithm", "crc32"),
            ("x-amz-checksum-type", "FULL_OBJECT"),
        ]))
        .unwrap();
        assert_eq!(
            e.content_md5.map(hex::encode).as_deref(),
            Some("3e25960a79dbc69b674cd4ec67a72c62")
        );
        assert_eq!(
            e.checksum,
            Some((Crc32, ExpectedValue::Header("i9aeUg==".into())))
        );
        assert_eq!(e.decoded_length, None);

        let e = IntegrityExpectations::from_headers(&head(&[
            ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            ("x-amz-trailer", "x-amz-checksum-crc64nvme"),
            ("x-amz-sdk-checksum-algorithm", "CRC64NVME"),
            ("x-amz-decoded-content-length", "11"),
        ]))
        .unwrap();
        assert_eq!(e.checksum, Some((Crc64Nvme, ExpectedValue::Trailer)));
        assert_eq!(e.decoded_length, Some(11));

        let e = IntegrityExpectations::from_headers(&head(&[])).unwrap();
        assert_eq!(e, IntegrityExpectations::default());
    }

    #[test]
    fn header_errors_follow_s3() {
        use ErrorCode::*;
        let md5 = "The Content-MD5 you specified is not valid.";
        expect_err(&[("content-md5", "not base64!")], InvalidDigest, md5);
        expect_err(&[("content-md5", "")], InvalidDigest, md5);
        // Valid base64 of 15 bytes.
        expect_err(
            &[("content-md5", "AAAAAAAAAAAAAAAAAAAA")],
            InvalidDigest,
            md5,
        );

        expect_err(
            &[("x-amz-checksum-crc32", ""), ("x-amz-checksum-crc32c", "")],
            InvalidRequest,
            MULTIPLE_CHECKSUMS,
        );
        expect_err(
            &[
                ("x-amz-checksum-sha1", "e1AsOh9IyGCa4hLN+2Od7jlnP14="),
                ("x-amz-checksum-sha1", "e1AsOh9IyGCa4hLN+2Od7jlnP14="),
            ],
            InvalidRequest,
            MULTIPLE_CHECKSUMS,
        );
        expect_err(
            &[("x-amz-checksum-crc32", "abc")],
            InvalidRequest,
            "Value for x-amz-checksum-crc32 header is invalid.",
        );
        // Base64 of the wrong length (8 bytes for a CRC32).
        expect_err(
            &[("x-amz-checksum-crc32", "rosUhgp5mIg=")],
            InvalidRequest,
            "Value for x-amz-checksum-crc32 header is invalid.",
        );
        expect_err(
            &[
                ("x-amz-checksum-crc32c", "i9aeUg=="),
                ("x-amz-sdk-checksum-algorithm", "CRC32"),
            ],
            InvalidRequest,
            SDK_ALGORITHM_INVALID,
        );
        expect_err(
            &[
                ("x-amz-trailer", "x-amz-checksum-crc64nvme"),
                ("x-amz-sdk-checksum-algorithm", "SHA1"),
            ],
            InvalidRequest,
            SDK_ALGORITHM_INVALID,
        );
        expect_err(
            &[
                ("x-amz-checksum-crc32", "i9aeUg=="),
                ("x-amz-sdk-checksum-algorithm", "MD5"),
            ],
            InvalidRequest,
            SDK_ALGORITHM_INVALID,
        );
        expect_err(
            &[("x-amz-sdk-checksum-algorithm", "CRC32")],
            InvalidRequest,
            SDK_ALGORITHM_ALONE,
        );
        expect_err(
            &[("x-amz-trailer", "x-amz-checksum-sha512")],
            InvalidRequest,
            TRAILER_UNSUPPORTED,
        );
        expect_err(
            &[("x-amz-trailer", "x-amz-checksum-crc32, x-amz-checksum-sha1")],
            InvalidRequest,
            MULTIPLE_CHECKSUMS,
        );
        expect_err(
            &[
                ("x-amz-checksum-sha1", "e1AsOh9IyGCa4hLN+2Od7jlnP14="),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
            ],
            InvalidRequest,
            HEADER_AND_TRAILER,
        );
        let err =
            IntegrityExpectations::from_headers(&head(&[("x-amz-decoded-content-length", "12x")]))
                .unwrap_err();
        assert_eq!(err.code, InvalidArgument);
        assert_eq!(
            err.details[0],
            ("ArgumentName", "x-amz-decoded-content-length".to_string())
        );
        let err = IntegrityExpectations::from_headers(&head(&[(
            "x-amz-content-sha256",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        )]))
        .unwrap_err();
        assert_eq!(err.code, MissingContentLength);
    }

    #[test]
    fn verifier_computes_only_what_is_needed() {
        let none = IntegrityExpectations::default();
        let v = verify(&none, b"Hello world", &[]).unwrap();
        assert_eq!(
            v,
            VerifiedBody {
                length: 11,
                md5: None,
                checksum: None
            }
        );

        let mut verifier = BodyVerifier::new(&none)
            .with_md5(true)
            .with_default_checksum(Crc64Nvme);
        verifier.update(b"Hello ");
        verifier.update(b"world");
        assert_eq!(verifier.length(), 11);
        let v = verifier.finish(None, &[]).unwrap();
        assert_eq!(
            v.md5.map(hex::encode).as_deref(),
            Some("3e25960a79dbc69b674cd4ec67a72c62")
        );
        assert_eq!(v.checksum, Some((Crc64Nvme, "OOJZ0D8xKts=".to_string())));

        // A named algorithm wins over the default one.
        let e = IntegrityExpectations {
            checksum: Some((
                SHA1,
                ExpectedValue::Header("e1AsOh9IyGCa4hLN+2Od7jlnP14=".into()),
            )),
            ..Default::default()
        };
        let mut verifier = BodyVerifier::new(&e).with_default_checksum(Crc64Nvme);
        verifier.update(b"Hello world");
        let v = verifier.finish(Some(11), &[]).unwrap();
        assert_eq!(
            v.checksum,
            Some((SHA1, "e1AsOh9IyGCa4hLN+2Od7jlnP14=".to_string()))
        );
        assert_eq!(v.md5, None);
    }

    #[test]
    fn verifier_accepts_matching_values() {
        let head = head(&[
            ("content-md5", "PiWWCnnbxptnTNTsZ6csYg=="),
            ("x-amz-checksum-crc32c", "crUfeA=="),
        ]);
        let mut e = IntegrityExpectations::from_headers(&head).unwrap();
        let sha: [u8; 32] = Sha256::digest(b"Hello world").into();
        e.set_payload_sha256(Some(sha));
        let v = verify(&e, b"Hello world", &[]).unwrap();
        assert_eq!(v.checksum, Some((Crc32c, "crUfeA==".to_string())));
        assert!(v.md5.is_some());

        let e = IntegrityExpectations {
            checksum: Some((Crc32, ExpectedValue::Trailer)),
            ..Default::default()
        };
        let v = verify(&e, b"Hello world", &[("X-Amz-Checksum-Crc32", "i9aeUg==")]).unwrap();
        assert_eq!(v.checksum, Some((Crc32, "i9aeUg==".to_string())));
    }

    #[test]
    fn verifier_errors_follow_s3() {
        let body = b"Hello world";

        let e = IntegrityExpectations {
            content_md5: Some([0; 16]),
            ..Default::default()
        };
        let err = verify(&e, body, &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadDigest);
        assert_eq!(
            err.message,
            "The Content-MD5 you specified did not match what we received."
        );

        let e = IntegrityExpectations {
            payload_sha256: Some([0; 32]),
            ..Default::default()
        };
        let err = verify(&e, body, &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::XAmzContentSHA256Mismatch);
        assert_eq!(
            err.message,
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        );

        for alg in ChecksumAlgorithm::ALL {
            let wrong = BASE64.encode(vec![0u8; alg.digest_len()]);
            let e = IntegrityExpectations {
                checksum: Some((alg, ExpectedValue::Header(wrong))),
                ..Default::default()
            };
            let err = verify(&e, body, &[]).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadDigest);
            assert_eq!(
                err.message,
                format!(
                    "The {} you specified did not match the calculated checksum.",
                    alg.as_str()
                )
            );
        }

        let trailer = IntegrityExpectations {
            checksum: Some((Crc32, ExpectedValue::Trailer)),
            ..Default::default()
        };
        let err = verify(&trailer, body, &[("x-amz-checksum-crc32", "AAAAAA==")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadDigest);
        assert_eq!(
            err.message,
            "The CRC32 you specified did not match the calculated checksum."
        );
        let err = verify(&trailer, body, &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert_eq!(err.message, TRAILER_MALFORMED);
        // A trailer of another algorithm does not stand in for the announced one.
        let err = verify(&trailer, body, &[("x-amz-checksum-crc32c", "crUfeA==")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        let err = verify(&trailer, body, &[("x-amz-checksum-crc32", "zz")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
        assert_eq!(
            err.message,
            "Value for x-amz-checksum-crc32 trailing header is invalid."
        );
    }

    #[test]
    fn length_mismatch_is_incomplete_body_both_ways() {
        let none = IntegrityExpectations::default();
        for declared in [10u64, 12] {
            let mut verifier = BodyVerifier::new(&none);
            verifier.update(b"Hello world");
            let err = verifier.finish(Some(declared), &[]).unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteBody);
            assert_eq!(
                err.details,
                vec![
                    ("NumberBytesExpected", declared.to_string()),
                    ("NumberBytesProvided", "11".to_string())
                ]
            );
        }
    }

    #[test]
    fn length_is_checked_before_digests() {
        let e = IntegrityExpectations {
            content_md5: Some([0; 16]),
            ..Default::default()
        };
        let mut verifier = BodyVerifier::new(&e);
        verifier.update(b"Hello");
        let err = verifier.finish(Some(11), &[]).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompleteBody);
    }
}
