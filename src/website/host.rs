//! Which requests are website requests ("Website endpoints" and "Customizing website endpoint
//! URLs" in the S3 user guide): a Host of `<bucket>.<website domain>`, or a custom domain, which
//! S3 serves from the bucket named after the host (here also from a bucket it is mapped to).

use crate::request::RequestHead;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebsiteHosts {
    /// `<bucket>.<domain>` is the website of `bucket`.
    pub domain: Option<String>,
    /// Custom domains: host name → bucket.
    pub custom: Vec<(String, String)>,
}

impl WebsiteHosts {
    /// From the settings `S3EDGE_WEBSITE_DOMAIN` and `S3EDGE_WEBSITE_HOSTS`; the latter is a
    /// comma-separated list of `www.example.com` (the bucket of that name) or
    /// `www.example.com=bucket`.
    pub fn from_settings(
        domain: Option<&str>,
        hosts: Option<&str>,
    ) -> Result<WebsiteHosts, String> {
        let domain = domain
            .map(|d| d.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|d| !d.is_empty());
        let mut custom = Vec::new();
        for entry in hosts.unwrap_or_default().split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (host, bucket) = entry.split_once('=').unwrap_or((entry, entry));
            let (host, bucket) = (host.trim().to_ascii_lowercase(), bucket.trim().to_string());
            if host.is_empty() || bucket.is_empty() {
                return Err(format!("S3EDGE_WEBSITE_HOSTS: malformed entry {entry:?}"));
            }
            custom.push((host, bucket));
        }
        Ok(WebsiteHosts { domain, custom })
    }

    /// The bucket whose website `head` asks for, if it is a website request.
    pub fn bucket_for(&self, head: &RequestHead) -> Option<String> {
        let host = host_name(head)?;
        if let Some((_, bucket)) = self.custom.iter().find(|(name, _)| *name == host) {
            return Some(bucket.clone());
        }
        let domain = self.domain.as_deref()?;
        let bucket = host.strip_suffix(domain)?.strip_suffix('.')?;
        (!bucket.is_empty()).then(|| bucket.to_string())
    }
}

/// The request's host name, lower-case, without its port.
pub fn host_name(head: &RequestHead) -> Option<String> {
    let host = head.header("host")?.trim();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(host: &str) -> RequestHead {
        RequestHead::new("GET", "/", "", vec![("host".into(), host.into())])
    }

    #[test]
    fn website_domain_names_the_bucket() {
        let hosts = WebsiteHosts::from_settings(Some("s3-website.localhost"), None).unwrap();
        let bucket = |host: &str| hosts.bucket_for(&head(host));
        assert_eq!(
            bucket("site.s3-website.localhost:8787").as_deref(),
            Some("site")
        );
        assert_eq!(
            bucket("My.Site.S3-Website.Localhost").as_deref(),
            Some("my.site")
        );
        assert_eq!(bucket("s3-website.localhost"), None);
        assert_eq!(bucket("site.xs3-website.localhost"), None);
        assert_eq!(bucket("127.0.0.1:8787"), None);
    }

    #[test]
    fn custom_domains_name_their_bucket() {
        let hosts = WebsiteHosts::from_settings(
            None,
            Some("www.example.com, blog.example.com = blog-bucket"),
        )
        .unwrap();
        let bucket = |host: &str| hosts.bucket_for(&head(host));
        assert_eq!(
            bucket("www.example.com").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            bucket("BLOG.example.com:443").as_deref(),
            Some("blog-bucket")
        );
        assert_eq!(bucket("example.com"), None);
        assert!(WebsiteHosts::from_settings(None, Some("=b")).is_err());
        assert_eq!(
            WebsiteHosts::from_settings(Some(""), Some("")).unwrap(),
            WebsiteHosts::default()
        );
    }
}
