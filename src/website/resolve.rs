//! How the website endpoint answers a path, as pure functions ("Configuring an index document",
//! "(Optional) Configuring a webpage redirect" and "Configuring redirection rules" in the S3
//! user guide): the key a path names, the index document of a folder, and the redirects of
//! `RedirectAllRequestsTo` and of routing rules.

use super::config::{RoutingRule, WebsiteConfiguration};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Where the request came in: the host and scheme a redirect keeps when its rule names none.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub host: &'a str,
    pub secure: bool,
}

impl Origin<'_> {
    fn protocol(&self) -> &'static str {
        if self.secure {
            "https"
        } else {
            "http"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub status: u16,
    pub location: String,
}

/// What a request asks for before any object is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The object to serve: the key asked for, or a folder's index document.
    Object(String),
    Redirect(Redirect),
}

/// Bytes a key keeps as they are in a redirect's `Location`.
const KEY_IN_URL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn url_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_IN_URL).to_string()
}

/// What a request for `key` (the decoded path without its leading `/`) gets first: a redirect
/// of `RedirectAllRequestsTo` or of a routing rule without an error condition, or the object.
pub fn lookup(config: &WebsiteConfiguration, key: &str, origin: Origin<'_>) -> Lookup {
    if let Some(all) = &config.redirect_all_requests_to {
        let protocol = all.protocol.as_deref().unwrap_or(origin.protocol());
        return Lookup::Redirect(Redirect {
            status: 301,
            location: format!("{protocol}://{}/{}", all.host_name, url_key(key)),
        });
    }
    if let Some(rule) = matching_rule(config, key, None) {
        return Lookup::Redirect(rule_redirect(rule, key, origin));
    }
    let suffix = config.index_document.as_ref().map(|i| i.suffix.as_str());
    Lookup::Object(with_index(key, suffix))
}

/// The key served for `key`: a folder (`""` or ending in `/`) serves its index document.
pub fn with_index(key: &str, suffix: Option<&str>) -> String {
    match suffix {
        Some(suffix) if key.is_empty() || key.ends_with('/') => format!("{key}{suffix}"),
        _ => key.to_string(),
    }
}

/// For a key without a trailing slash that is no object: the index document of the folder of
/// that name, and the redirect to the folder (`302` to `/key/`) should it exist.
pub fn folder_index(config: &WebsiteConfiguration, key: &str) -> Option<(String, Redirect)> {
    let suffix = &config.index_document.as_ref()?.suffix;
    if key.is_empty() || key.ends_with('/') {
        return None;
    }
    Some((
        format!("{key}/{suffix}"),
        Redirect {
            status: 302,
            location: format!("/{}/", url_key(key)),
        },
    ))
}

/// The redirect of the first routing rule whose error condition is `status` (answered for
/// `key`, the key as requested).
pub fn error_redirect(
    config: &WebsiteConfiguration,
    key: &str,
    status: u16,
    origin: Origin<'_>,
) -> Option<Redirect> {
    matching_rule(config, key, Some(status)).map(|rule| rule_redirect(rule, key, origin))
}

/// The first rule, in order, that applies: before the lookup (`status` None) the rules without
/// an error condition; after an error, those whose error condition is that status. A rule with
/// both conditions needs both.
fn matching_rule<'a>(
    config: &'a WebsiteConfiguration,
    key: &str,
    status: Option<u16>,
) -> Option<&'a RoutingRule> {
    let rules = config.routing_rules.as_ref()?;
    rules.rules.iter().find(|rule| {
        let condition = rule.condition.as_ref();
        let prefix_holds = condition
            .and_then(|c| c.key_prefix_equals.as_deref())
            .is_none_or(|prefix| key.starts_with(prefix));
        let code = condition.and_then(|c| c.http_error_code_returned_equals.as_deref());
        let code_holds = match (code, status) {
            (None, None) => true,
            (Some(code), Some(status)) => code.parse::<u16>() == Ok(status),
            _ => false,
        };
        prefix_holds && code_holds
    })
}

fn rule_redirect(rule: &RoutingRule, key: &str, origin: Origin<'_>) -> Redirect {
    let redirect = &rule.redirect;
    let protocol = redirect.protocol.as_deref().unwrap_or(origin.protocol());
    let host = redirect.host_name.as_deref().unwrap_or(origin.host);
    let new_key = match (
        &redirect.replace_key_with,
        &redirect.replace_key_prefix_with,
    ) {
        (Some(replacement), _) => replacement.clone(),
        (None, Some(prefix)) => {
            let matched = rule
                .condition
                .as_ref()
                .and_then(|c| c.key_prefix_equals.as_deref())
                .unwrap_or_default();
            format!("{prefix}{}", &key[matched.len()..])
        }
        (None, None) => key.to_string(),
    };
    let status = redirect
        .http_redirect_code
        .as_deref()
        .and_then(|code| code.parse().ok())
        .unwrap_or(301);
    Redirect {
        status,
        location: format!(
            "{protocol}://{host}/{}",
            url_key(new_key.trim_start_matches('/'))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Origin<'static> = Origin {
        host: "site.s3-website.test",
        secure: false,
    };

    fn config(xml: &str) -> WebsiteConfiguration {
        WebsiteConfiguration::from_xml(xml.as_bytes()).unwrap()
    }

    fn with_rules(rules: &str) -> WebsiteConfiguration {
        config(&format!(
            "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>\
             <ErrorDocument><Key>error.html</Key></ErrorDocument>\
             <RoutingRules>{rules}</RoutingRules></WebsiteConfiguration>"
        ))
    }

    fn redirect(status: u16, location: &str) -> Lookup {
        Lookup::Redirect(Redirect {
            status,
            location: location.into(),
        })
    }

    #[test]
    fn folders_serve_their_index_document() {
        let site = with_rules("");
        let object = |key: &str| lookup(&site, key, HOST);
        assert_eq!(object(""), Lookup::Object("index.html".into()));
        assert_eq!(object("docs/"), Lookup::Object("docs/index.html".into()));
        assert_eq!(object("docs/a.html"), Lookup::Object("docs/a.html".into()));
        assert_eq!(object("docs"), Lookup::Object("docs".into()));
        let (index, to_folder) = folder_index(&site, "docs").unwrap();
        assert_eq!(index, "docs/index.html");
        assert_eq!(to_folder.status, 302);
        assert_eq!(to_folder.location, "/docs/");
        assert_eq!(
            folder_index(&site, "my docs").unwrap().1.location,
            "/my%20docs/"
        );
        assert_eq!(folder_index(&site, "docs/"), None);
        assert_eq!(folder_index(&site, ""), None);
    }

    #[test]
    fn redirect_all_requests_keeps_the_path() {
        let all = config("<WebsiteConfiguration><RedirectAllRequestsTo><HostName>www.example.com</HostName></RedirectAllRequestsTo></WebsiteConfiguration>");
        assert_eq!(
            lookup(&all, "a/b c.html", HOST),
            redirect(301, "http://www.example.com/a/b%20c.html")
        );
        let secure = Origin {
            secure: true,
            ..HOST
        };
        assert_eq!(
            lookup(&all, "", secure),
            redirect(301, "https://www.example.com/")
        );
        let https = config("<WebsiteConfiguration><RedirectAllRequestsTo><HostName>example.com</HostName><Protocol>https</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>");
        assert_eq!(
            lookup(&https, "x", HOST),
            redirect(301, "https://example.com/x")
        );
    }

    // The examples of "Configuring redirection rules" (S3 user guide).
    #[test]
    fn a_renamed_folder_redirects_to_its_new_prefix() {
        let site = with_rules("<RoutingRule><Condition><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith></Redirect></RoutingRule>");
        assert_eq!(
            lookup(&site, "docs/article1.html", HOST),
            redirect(301, "http://site.s3-website.test/documents/article1.html")
        );
        assert_eq!(
            lookup(&site, "docs/", HOST),
            redirect(301, "http://site.s3-website.test/documents/")
        );
        assert_eq!(lookup(&site, "doc", HOST), Lookup::Object("doc".into()));
    }

    #[test]
    fn a_deleted_folder_redirects_to_one_page() {
        let site = with_rules("<RoutingRule><Condition><KeyPrefixEquals>images/</KeyPrefixEquals></Condition><Redirect><ReplaceKeyWith>folderdeleted.html</ReplaceKeyWith></Redirect></RoutingRule>");
        assert_eq!(
            lookup(&site, "images/photo.jpg", HOST),
            redirect(301, "http://site.s3-website.test/folderdeleted.html")
        );
    }

    #[test]
    fn an_error_redirects_to_another_host() {
        let site = with_rules("<RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>ec2-11-22-333-44.compute-1.amazonaws.com</HostName><ReplaceKeyPrefixWith>report-404/</ReplaceKeyPrefixWith></Redirect></RoutingRule>");
        // No redirect before the lookup: the rule waits for the error.
        assert_eq!(
            lookup(&site, "ExamplePage.html", HOST),
            Lookup::Object("ExamplePage.html".into())
        );
        let to = error_redirect(&site, "ExamplePage.html", 404, HOST).unwrap();
        assert_eq!(to.status, 301);
        assert_eq!(
            to.location,
            "http://ec2-11-22-333-44.compute-1.amazonaws.com/report-404/ExamplePage.html"
        );
        assert_eq!(error_redirect(&site, "ExamplePage.html", 403, HOST), None);
    }

    #[test]
    fn rules_apply_in_order_and_need_both_conditions() {
        let site = with_rules(
            "<RoutingRule><Condition><KeyPrefixEquals>old/</KeyPrefixEquals><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><Protocol>https</Protocol><HostName>archive.example.com</HostName><HttpRedirectCode>302</HttpRedirectCode></Redirect></RoutingRule>\
             <RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><ReplaceKeyWith>missing.html</ReplaceKeyWith><HttpRedirectCode>307</HttpRedirectCode></Redirect></RoutingRule>",
        );
        assert_eq!(lookup(&site, "old/a", HOST), Lookup::Object("old/a".into()));
        assert_eq!(
            error_redirect(&site, "old/a", 404, HOST).unwrap(),
            Redirect {
                status: 302,
                location: "https://archive.example.com/old/a".into()
            }
        );
        assert_eq!(
            error_redirect(&site, "new/a", 404, HOST).unwrap(),
            Redirect {
                status: 307,
                location: "http://site.s3-website.test/missing.html".into()
            }
        );
        assert_eq!(error_redirect(&site, "old/a", 403, HOST), None);
    }

    #[test]
    fn a_rule_without_condition_redirects_everything() {
        let site = with_rules(
            "<RoutingRule><Redirect><HostName>other.example</HostName></Redirect></RoutingRule>",
        );
        assert_eq!(
            lookup(&site, "", HOST),
            redirect(301, "http://other.example/")
        );
        assert_eq!(
            lookup(&site, "a/b", HOST),
            redirect(301, "http://other.example/a/b")
        );
    }
}
