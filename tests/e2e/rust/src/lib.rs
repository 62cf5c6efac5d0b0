//! Helpers for the s3edge end-to-end tests with the AWS SDK for Rust.
//!
//! Configuration comes from the environment the harness provides:
//! `S3EDGE_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `S3EDGE_SECOND_ACCESS_KEY_ID`, `S3EDGE_SECOND_SECRET_ACCESS_KEY`.

use aws_config::BehaviorVersion;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{Builder, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use aws_sdk_s3::Client;
use base64::Engine as _;

pub fn endpoint() -> String {
    std::env::var("S3EDGE_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:8787".to_string())
        .trim_end_matches('/')
        .to_string()
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

pub fn user1() -> (String, String) {
    (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
}

pub fn user2() -> (String, String) {
    (
        env("S3EDGE_SECOND_ACCESS_KEY_ID"),
        env("S3EDGE_SECOND_SECRET_ACCESS_KEY"),
    )
}

/// A client at default settings apart from endpoint, path style, static credentials.
pub fn client_with(access_key: &str, secret: &str) -> Client {
    let conf = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "s3edge-e2e",
        ))
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

/// User 1's client.
pub fn client() -> Client {
    let (k, s) = user1();
    client_with(&k, &s)
}

pub fn new_bucket_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &id[..8])
}

/// Abort every in-progress multipart upload of `bucket` (errors ignored).
pub async fn abort_all_uploads(client: &Client, bucket: &str) {
    // Bounded: a server that keeps answering "truncated" must not hang the cleanup.
    for _ in 0..100 {
        let Ok(page) = client.list_multipart_uploads().bucket(bucket).send().await else {
            return;
        };
        if page.uploads().is_empty() {
            return;
        }
        let mut aborted = 0;
        for u in page.uploads() {
            if let (Some(key), Some(id)) = (u.key(), u.upload_id()) {
                let done = client
                    .abort_multipart_upload()
                    .bucket(bucket)
                    .key(key)
                    .upload_id(id)
                    .send()
                    .await;
                aborted += usize::from(done.is_ok());
            }
        }
        if aborted == 0 {
            return;
        }
    }
}

/// Abort every in-progress multipart upload of `bucket`, delete every object,
/// then the bucket (errors ignored).
pub async fn empty_and_delete(client: &Client, bucket: &str) {
    abort_all_uploads(client, bucket).await;
    let mut token: Option<String> = None;
    loop {
        let Ok(page) = client
            .list_objects_v2()
            .bucket(bucket)
            .set_continuation_token(token.clone())
            .send()
            .await
        else {
            break;
        };
        let ids: Vec<ObjectIdentifier> = page
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .filter_map(|k| ObjectIdentifier::builder().key(k).build().ok())
            .collect();
        if !ids.is_empty() {
            if let Ok(delete) = Delete::builder().set_objects(Some(ids)).quiet(true).build() {
                let _ = client
                    .delete_objects()
                    .bucket(bucket)
                    .delete(delete)
                    .send()
                    .await;
            }
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    let _ = client.delete_bucket().bucket(bucket).send().await;
}

/// A fresh bucket of user 1, emptied and deleted when dropped (even when the
/// test panics).
pub struct TestBucket {
    pub name: String,
}

impl TestBucket {
    pub async fn new(client: &Client) -> TestBucket {
        let name = new_bucket_name("rs");
        client
            .create_bucket()
            .bucket(&name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket {name}: {}", describe(&e)));
        TestBucket { name }
    }
}

impl Drop for TestBucket {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A separate thread with its own runtime: Drop cannot await.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async { empty_and_delete(&client(), &name).await });
            }
        })
        .join();
    }
}

/// (HTTP status, error code) of a failed SDK call.
pub fn status_and_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> (u16, String) {
    let status = err.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    let code = err.code().unwrap_or("").to_string();
    (status, code)
}

pub fn describe<E: std::fmt::Debug, R: std::fmt::Debug>(err: &SdkError<E, R>) -> String {
    format!("{err:?}")
}

pub fn md5_etag(data: &[u8]) -> String {
    format!("\"{}\"", hex_md5(data))
}

fn hex_md5(data: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

pub fn crc32_b64(data: &[u8]) -> String {
    b64(&crc32fast::hash(data).to_be_bytes())
}

pub fn crc64nvme_b64(data: &[u8]) -> String {
    let mut d = crc64fast_nvme::Digest::new();
    d.write(data);
    b64(&d.sum64().to_be_bytes())
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic test bytes (xorshift), so nothing random needs to be stored.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod unit {
    #[test]
    fn md5_known_values() {
        assert_eq!(super::hex_md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            super::hex_md5(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(
            super::hex_md5(&[b'a'; 1000]),
            "cabe45dcc9ae5b66ba86600cca6b8ba8"
        );
    }

    #[test]
    fn crc_known_values() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF43926);
        let mut d = crc64fast_nvme::Digest::new();
        d.write(b"123456789");
        assert_eq!(d.sum64(), 0xAE8B14860A799888);
    }
}
