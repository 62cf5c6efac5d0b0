//! s3edge: an S3-compatible object store for Cloudflare Workers (records in KV; bytes and the
//! listing index in R2).
//! Everything but `platform` is plain Rust, tested natively; `platform` adapts it to workerd.

pub mod auth;
pub mod authz;
pub mod body;
pub mod checksum;
pub mod conditional;
pub mod context;
pub mod cors;
pub mod crc_combine;
pub mod error;
pub mod listing;
pub mod lock;
pub mod multipart_xml;
pub mod names;
pub mod ops;
pub mod post;
pub mod preflight;
pub mod range;
pub mod record;
pub mod request;
pub mod router;
pub mod runtime_encoding;
pub mod service;
pub mod store;
pub mod tagging;
pub mod versioning;
pub mod website;
pub mod xml;

#[cfg(target_arch = "wasm32")]
mod platform;
