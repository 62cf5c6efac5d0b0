//! Static website hosting from a bucket ("Hosting a static website using Amazon S3" in the S3
//! user guide): the configuration document, which host names are website requests, how a
//! website path resolves to a key or a redirect, and the HTML error pages.

pub mod config;
pub mod host;
pub mod html;
pub mod resolve;

pub use config::WebsiteConfiguration;
