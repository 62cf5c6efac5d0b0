//! AWS Signature Version 4 building blocks as S3 uses them: canonical URI, query and headers,
//! canonical request, string to sign, signing key and signature. Pure functions, no I/O.
//! Follows "Signature Calculations for the Authorization Header: Transferring Payload in a
//! Single Chunk" (sig-v4-header-based-auth.html) and "Authenticating Requests: Using Query
//! Parameters" (sigv4-query-string-auth.html) in the Amazon S3 API Reference.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The SigV4a algorithm name, recognised only to answer NotImplemented.
pub const ALGORITHM_V4A: &str = "AWS4-ECDSA-P256-SHA256";
/// Last element of every credential scope.
pub const TERMINATOR: &str = "aws4_request";
/// Lower-case hex SHA-256 of the empty string.
pub const EMPTY_SHA256_HEX: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The query parameter that carries a presigned URL's signature (left out of its canonical query).
pub const SIGNATURE_PARAM: &str = "X-Amz-Signature";

type HmacSha256 = Hmac<Sha256>;

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha256(data))
}

/// Constant-time equality of two byte strings (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// S3's URI encoding: every byte except `A-Z a-z 0-9 - . _ ~` becomes `%XX` (upper-case hex);
/// `/` is kept as is when `encode_slash` is false (paths) and encoded otherwise (query).
pub fn uri_encode(input: &[u8], encode_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len() * 3);
    for &b in input {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if !encode_slash => out.push('/'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0x0f)] as char);
            }
        }
    }
    out
}

/// Percent-decodes to raw bytes; malformed `%` sequences stay literal and `+` stays `+`.
pub fn percent_decode(input: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(input).collect()
}

/// The canonical URI of a raw (still encoded) request path. S3 signs the path encoded once,
/// so the path is decoded and re-encoded, which also normalises clients that left safe
/// characters unencoded.
pub fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_string();
    }
    uri_encode(&percent_decode(raw_path), false)
}

/// The canonical query string of a raw query (without `?`): each name and value decoded and
/// re-encoded (`/` included), `name=` for bare names, sorted by name then value.
/// `presigned` leaves out `X-Amz-Signature`.
pub fn canonical_query(raw_query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = percent_decode(name);
            if presigned && name == SIGNATURE_PARAM.as_bytes() {
                return None;
            }
            Some((
                uri_encode(&name, true),
                uri_encode(&percent_decode(value), true),
            ))
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw_query.len() + 8);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// A header value as SigV4 signs it: trimmed, inner runs of spaces and tabs collapsed to one space.
pub fn canonical_header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split([' ', '\t']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The canonical headers block: one `name:value\n` line per signed header, in the order the
/// client listed them. Repeated headers are joined by `,`; a listed header that is absent
/// signs as an empty value. `headers` names must be lower-case (as `RequestHead` keeps them).
pub fn canonical_headers<S: AsRef<str>>(headers: &[(String, String)], signed: &[S]) -> String {
    let mut out = String::new();
    for name in signed {
        let name = name.as_ref().to_ascii_lowercase();
        out.push_str(&name);
        out.push(':');
        let mut first = true;
        for (_, value) in headers.iter().filter(|(k, _)| *k == name) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(&canonical_header_value(value));
        }
        out.push('\n');
    }
    out
}

/// `Method\nURI\nQuery\nHeaders\nSignedHeaders\nPayloadHash`, where `canonical_headers`
/// already ends with a newline (hence the blank line before the signed-header list).
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
    )
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// `date/region/service/aws4_request`.
pub fn scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/{TERMINATOR}")
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(4 + secret.len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, TERMINATOR.as_bytes())
}

/// Lower-case hex HMAC-SHA256 of the string to sign under the signing key.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(signing_key, string_to_sign.as_bytes()))
}

/// The `Credential` value: `<access key>/<yyyymmdd>/<region>/<service>/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Why a credential string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialError {
    /// Not five `/`-separated non-empty parts, or the date is not `yyyymmdd`.
    Malformed,
    /// The service is not `s3`.
    WrongService(String),
    /// The last part is not `aws4_request`.
    WrongTerminal(String),
}

impl Credential {
    pub fn parse(value: &str) -> Result<Credential, CredentialError> {
        let parts: Vec<&str> = value.split('/').collect();
        if parts.len() != 5 || parts[..4].iter().any(|p| p.is_empty()) {
            return Err(CredentialError::Malformed);
        }
        let date = parts[1];
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CredentialError::Malformed);
        }
        if parts[3] != "s3" {
            return Err(CredentialError::WrongService(parts[3].to_string()));
        }
        if parts[4] != TERMINATOR {
            return Err(CredentialError::WrongTerminal(parts[4].to_string()));
        }
        Ok(Credential {
            access_key_id: parts[0].to_string(),
            date: date.to_string(),
            region: parts[2].to_string(),
            service: parts[3].to_string(),
        })
    }

    /// `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        scope(&self.date, &self.region, &self.service)
    }
}

/// Parses an ISO 8601 basic timestamp `yyyymmddThhmmssZ` into Unix seconds.
pub fn parse_amz_date(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if !value.is_ascii() || b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let s = &value[range];
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(4..6)?).ok()?).ok()?;
    let day = u8::try_from(digits(6..8)?).ok()?;
    let hour = u8::try_from(digits(9..11)?).ok()?;
    let minute = u8::try_from(digits(11..13)?).ok()?;
    let second = u8::try_from(digits(13..15)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let clock = time::Time::from_hms(hour, minute, second).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Parses an HTTP `Date` header (RFC 7231 formats) into Unix seconds.
pub fn parse_http_date(value: &str) -> Option<i64> {
    let when = httpdate::parse_http_date(value.trim()).ok()?;
    let secs = when.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// Formats Unix seconds as `yyyymmddThhmmssZ`.
pub fn format_amz_date(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Formats Unix seconds as `yyyy-mm-ddThh:mm:ssZ`, as S3 writes times in error details.
pub fn format_iso8601(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20130524T000000Z";
    const HOST: &str = "examplebucket.s3.amazonaws.com";

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect()
    }

    /// Signs a request the way the S3 documentation examples do and returns the signature.
    fn sign(
        method: &str,
        path: &str,
        query: &str,
        hdrs: &[(&str, &str)],
        signed: &[&str],
        payload_hash: &str,
    ) -> (String, String) {
        let hdrs = headers(hdrs);
        let creq = canonical_request(
            method,
            &canonical_uri(path),
            &canonical_query(query, false),
            &canonical_headers(&hdrs, signed),
            &signed.join(";"),
            payload_hash,
        );
        let key = signing_key(SECRET, "20130524", "us-east-1", "s3");
        let sts = string_to_sign(DATE, &scope("20130524", "us-east-1", "s3"), &creq);
        (creq, signature(&key, &sts))
    }

    #[test]
    fn aws_example_get_object_with_range() {
        let (creq, sig) = sign(
            "GET",
            "/test.txt",
            "",
            &[
                ("Host", HOST),
                ("Range", "bytes=0-9"),
                ("x-amz-content-sha256", EMPTY_SHA256_HEX),
                ("x-amz-date", DATE),
            ],
            &["host", "range", "x-amz-content-sha256", "x-amz-date"],
            EMPTY_SHA256_HEX,
        );
        assert_eq!(
            creq,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(creq.as_bytes()),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            sig,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn aws_example_put_object() {
        let payload_hash = sha256_hex(b"Welcome to Amazon S3.");
        assert_eq!(
            payload_hash,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        );
        let (creq, sig) = sign(
            "PUT",
            "/test$file.text",
            "",
            &[
                ("Host", HOST),
                ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-date", DATE),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
                ("x-amz-content-sha256", &payload_hash),
            ],
            &[
                "date",
                "host",
                "x-amz-content-sha256",
                "x-amz-date",
                "x-amz-storage-class",
            ],
            &payload_hash,
        );
        assert!(creq.starts_with("PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"));
        assert_eq!(
            sig,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        );
    }

    #[test]
    fn aws_example_get_bucket_lifecycle() {
        let (creq, sig) = sign(
            "GET",
            "/",
            "lifecycle",
            &[
                ("Host", HOST),
                ("x-amz-date", DATE),
                ("x-amz-content-sha256", EMPTY_SHA256_HEX),
            ],
            &["host", "x-amz-content-sha256", "x-amz-date"],
            EMPTY_SHA256_HEX,
        );
        assert!(creq.starts_with("GET\n/\nlifecycle=\nhost:"));
        assert_eq!(
            sig,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        );
    }

    #[test]
    fn aws_example_list_objects() {
        let (creq, sig) = sign(
            "GET",
            "/",
            "max-keys=2&prefix=J",
            &[
                ("Host", HOST),
                ("x-amz-date", DATE),
                ("x-amz-content-sha256", EMPTY_SHA256_HEX),
            ],
            &["host", "x-amz-content-sha256", "x-amz-date"],
            EMPTY_SHA256_HEX,
        );
        assert!(creq.starts_with("GET\n/\nmax-keys=2&prefix=J\nhost:"));
        assert_eq!(
            sig,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
        );
    }

    #[test]
    fn aws_example_presigned_url() {
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
                     &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
                     &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
                     &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
        let hdrs = headers(&[("Host", HOST)]);
        let creq = canonical_request(
            "GET",
            &canonical_uri("/test.txt"),
            &canonical_query(query, true),
            &canonical_headers(&hdrs, &["host"]),
            "host",
            "UNSIGNED-PAYLOAD",
        );
        assert_eq!(
            creq,
            "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n\
             host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
        );
        let key = signing_key(SECRET, "20130524", "us-east-1", "s3");
        let sts = string_to_sign(DATE, &scope("20130524", "us-east-1", "s3"), &creq);
        assert_eq!(
            signature(&key, &sts),
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn uri_encoding_follows_s3_rules() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a b/c+d"), "/a%20b/c%2Bd");
        // Already-encoded input is not encoded twice; unencoded specials are encoded.
        assert_eq!(canonical_uri("/a%20b/%E2%82%AC!"), "/a%20b/%E2%82%AC%21");
        assert_eq!(canonical_uri("/x/%7euser"), "/x/~user");
        assert_eq!(uri_encode(b"a/b", true), "a%2Fb");
        assert_eq!(uri_encode("é".as_bytes(), true), "%C3%A9");
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(canonical_query("", false), "");
        assert_eq!(
            canonical_query("prefix=a/b&delimiter=%2F&uploads&b=2&b=1", false),
            "b=1&b=2&delimiter=%2F&prefix=a%2Fb&uploads="
        );
        assert_eq!(canonical_query("k=a%20b+c", false), "k=a%20b%2Bc");
        assert_eq!(canonical_query("X-Amz-Signature=abc&a=1", true), "a=1");
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", false),
            "X-Amz-Signature=abc&a=1"
        );
    }

    #[test]
    fn header_values_are_trimmed_collapsed_and_joined() {
        assert_eq!(canonical_header_value("  a   b \t c  "), "a b c");
        let hdrs = headers(&[("X-A", " 1 "), ("x-b", "q"), ("x-a", "2  3")]);
        assert_eq!(
            canonical_headers(&hdrs, &["x-a", "x-b", "x-missing"]),
            "x-a:1,2 3\nx-b:q\nx-missing:\n"
        );
    }

    #[test]
    fn credentials_and_dates_parse() {
        let c = Credential::parse("AKID/20130524/eu-west-3/s3/aws4_request").unwrap();
        assert_eq!(c.access_key_id, "AKID");
        assert_eq!(c.region, "eu-west-3");
        assert_eq!(c.scope(), "20130524/eu-west-3/s3/aws4_request");
        assert_eq!(
            Credential::parse("AKID/20130524/us-east-1/iam/aws4_request"),
            Err(CredentialError::WrongService("iam".into()))
        );
        assert_eq!(
            Credential::parse("AKID/20130524/us-east-1/s3/aws5_request"),
            Err(CredentialError::WrongTerminal("aws5_request".into()))
        );
        assert_eq!(
            Credential::parse("AKID/2013052/us-east-1/s3/aws4_request"),
            Err(CredentialError::Malformed)
        );
        assert_eq!(Credential::parse("AKID"), Err(CredentialError::Malformed));

        assert_eq!(parse_amz_date("20130524T000000Z"), Some(1_369_353_600));
        assert_eq!(parse_amz_date("20130524T000000"), None);
        assert_eq!(parse_amz_date("20131324T000000Z"), None);
        assert_eq!(parse_amz_date("2013-524T000000Z"), None);
        assert_eq!(parse_amz_date("2013052\u{20ac}T0000Z"), None);
        assert_eq!(
            parse_http_date("Fri, 24 May 2013 00:00:00 GMT"),
            Some(1_369_353_600)
        );
        assert_eq!(format_amz_date(1_369_353_600), "20130524T000000Z");
        assert_eq!(format_iso8601(1_369_353_661), "2013-05-24T00:01:01Z");
    }

    #[test]
    fn signing_key_matches_aws_streaming_example() {
        // The streaming documentation prints the signing key for these inputs.
        let key = signing_key(SECRET, "20130524", "us-east-1", "s3");
        assert_eq!(
            hex::encode(key),
            "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
