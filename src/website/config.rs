//! A bucket's website configuration (PutBucketWebsite / GetBucketWebsite, and "Configuring an
//! index document", "Configuring redirects" in the S3 user guide): the document, validated as
//! S3 validates it, and kept in the bucket's record.

use crate::error::{ErrorCode, S3Error};
use crate::xml::{from_xml, to_xml, S3_XMLNS};
use serde::{Deserialize, Serialize};

/// S3 accepts at most this many routing rules.
pub const MAX_ROUTING_RULES: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    #[serde(rename = "HostName", default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    #[serde(
        rename = "HttpRedirectCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_redirect_code: Option<String>,
    #[serde(rename = "Protocol", default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(
        rename = "ReplaceKeyPrefixWith",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_key_prefix_with: Option<String>,
    #[serde(
        rename = "ReplaceKeyWith",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_key_with: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    #[serde(
        rename = "HttpErrorCodeReturnedEquals",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_error_code_returned_equals: Option<String>,
    #[serde(
        rename = "KeyPrefixEquals",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_prefix_equals: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    #[serde(rename = "Condition", default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    #[serde(rename = "Redirect")]
    pub redirect: Redirect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectAll {
    #[serde(rename = "HostName")]
    pub host_name: String,
    #[serde(rename = "Protocol", default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suffix {
    #[serde(rename = "Suffix")]
    pub suffix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorKey {
    #[serde(rename = "Key")]
    pub key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRules {
    #[serde(rename = "RoutingRule", default)]
    pub rules: Vec<RoutingRule>,
}

/// The document as S3 names its parts (and as it is stored, in JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "WebsiteConfiguration")]
pub struct WebsiteConfiguration {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    #[serde(skip_serializing_if = "str::is_empty")]
    xmlns: String,
    // In the order of S3's GetBucketWebsite answer.
    #[serde(
        rename = "RedirectAllRequestsTo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_all_requests_to: Option<RedirectAll>,
    #[serde(
        rename = "IndexDocument",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub index_document: Option<Suffix>,
    #[serde(
        rename = "ErrorDocument",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_document: Option<ErrorKey>,
    #[serde(
        rename = "RoutingRules",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub routing_rules: Option<RoutingRules>,
}

fn invalid(message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
}

fn check_protocol(protocol: Option<&str>) -> Result<(), S3Error> {
    match protocol {
        None | Some("http") | Some("https") => Ok(()),
        Some(_) => Err(invalid(
            "Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.",
        )),
    }
}

impl WebsiteConfiguration {
    /// A PutBucketWebsite body: MalformedXML when it does not fit the schema, InvalidArgument
    /// with S3's message for a document S3 refuses.
    pub fn from_xml(body: &[u8]) -> Result<WebsiteConfiguration, S3Error> {
        let config: WebsiteConfiguration = from_xml(body, "WebsiteConfiguration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), S3Error> {
        if let Some(all) = &self.redirect_all_requests_to {
            if self.index_document.is_some()
                || self.error_document.is_some()
                || self.routing_rules.is_some()
            {
                return Err(invalid(
                    "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                ));
            }
            if all.host_name.trim().is_empty() {
                return Err(invalid("The host name must not be empty."));
            }
            return check_protocol(all.protocol.as_deref());
        }
        let Some(index) = &self.index_document else {
            return Err(invalid(
                "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            ));
        };
        if index.suffix.is_empty() || index.suffix.contains('/') {
            return Err(invalid("The IndexDocument Suffix is not well formed"));
        }
        if self
            .error_document
            .as_ref()
            .is_some_and(|e| e.key.is_empty())
        {
            return Err(invalid("The ErrorDocument Key is not well formed"));
        }
        let rules = self
            .routing_rules
            .as_ref()
            .map_or(&[][..], |r| &r.rules[..]);
        if rules.len() > MAX_ROUTING_RULES {
            return Err(invalid("The number of routing rules must not exceed 50"));
        }
        for rule in rules {
            let redirect = &rule.redirect;
            check_protocol(redirect.protocol.as_deref())?;
            if redirect.replace_key_prefix_with.is_some() && redirect.replace_key_with.is_some() {
                return Err(invalid(
                    "You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
                ));
            }
            if let Some(code) = &redirect.http_redirect_code {
                let valid = matches!(code.parse::<u16>(), Ok(301..=399)) && code.len() == 3;
                if !valid {
                    return Err(invalid(&format!(
                        "The provided HTTP redirect code ({code}) is not valid. Valid codes are 3XX except 300."
                    )));
                }
            }
            let condition = rule.condition.as_ref();
            if let Some(code) = condition.and_then(|c| c.http_error_code_returned_equals.as_ref()) {
                let valid = matches!(code.parse::<u16>(), Ok(400..=599)) && code.len() == 3;
                if !valid {
                    return Err(invalid(&format!(
                        "The provided HTTP error code ({code}) is not valid. Valid codes are 4XX or 5XX."
                    )));
                }
            }
            if condition.is_some_and(|c| {
                c.http_error_code_returned_equals.is_none() && c.key_prefix_equals.is_none()
            }) {
                return Err(invalid("Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present."));
            }
        }
        Ok(())
    }

    /// The GetBucketWebsite answer body.
    pub fn to_xml(&self) -> String {
        let mut out = self.clone();
        out.xmlns = S3_XMLNS.to_string();
        to_xml(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<WebsiteConfiguration, S3Error> {
        WebsiteConfiguration::from_xml(body.as_bytes())
    }

    fn message(body: &str) -> String {
        let err = parse(body).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{body}");
        err.message
    }

    const FULL: &str = r#"<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>404.html</Key></ErrorDocument><RoutingRules><RoutingRule><Condition><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition><Redirect><ReplaceKeyPrefixWith>documents/</ReplaceKeyPrefixWith></Redirect></RoutingRule><RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><HostName>example.test</HostName><Protocol>https</Protocol><HttpRedirectCode>302</HttpRedirectCode><ReplaceKeyWith>missing.html</ReplaceKeyWith></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>"#;

    #[test]
    fn parses_and_writes_a_full_configuration() {
        let config = parse(FULL).unwrap();
        assert_eq!(config.index_document.as_ref().unwrap().suffix, "index.html");
        assert_eq!(config.error_document.as_ref().unwrap().key, "404.html");
        let rules = &config.routing_rules.as_ref().unwrap().rules;
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].redirect.http_redirect_code.as_deref(), Some("302"));
        let xml = config.to_xml();
        assert!(
            xml.contains(
                r#"<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<IndexDocument><Suffix>index.html</Suffix></IndexDocument>"),
            "{xml}"
        );
        assert_eq!(parse(&xml).unwrap(), config);
        let stored = serde_json::to_string(&config).unwrap();
        assert_eq!(
            serde_json::from_str::<WebsiteConfiguration>(&stored).unwrap(),
            config
        );
    }

    #[test]
    fn redirect_all_requests_stands_alone() {
        let config = parse("<WebsiteConfiguration><RedirectAllRequestsTo><HostName>example.test</HostName></RedirectAllRequestsTo></WebsiteConfiguration>").unwrap();
        assert_eq!(
            config.redirect_all_requests_to.unwrap().host_name,
            "example.test"
        );
        assert!(message("<WebsiteConfiguration><RedirectAllRequestsTo><HostName>e.test</HostName></RedirectAllRequestsTo><IndexDocument><Suffix>i.html</Suffix></IndexDocument></WebsiteConfiguration>").contains("RedirectAllRequestsTo cannot"));
        assert!(message("<WebsiteConfiguration><RedirectAllRequestsTo><HostName>e.test</HostName><Protocol>ftp</Protocol></RedirectAllRequestsTo></WebsiteConfiguration>").starts_with("Invalid protocol"));
    }

    #[test]
    fn refuses_what_s3_refuses() {
        assert!(message("<WebsiteConfiguration></WebsiteConfiguration>")
            .contains("IndexDocument Suffix must be provided"));
        assert!(message("<WebsiteConfiguration><IndexDocument><Suffix>a/index.html</Suffix></IndexDocument></WebsiteConfiguration>").contains("not well formed"));
        assert!(message("<WebsiteConfiguration><IndexDocument><Suffix></Suffix></IndexDocument></WebsiteConfiguration>").contains("not well formed"));
        let rule = |redirect: &str, condition: &str| {
            format!("<WebsiteConfiguration><IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules><RoutingRule>{condition}<Redirect>{redirect}</Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>")
        };
        assert!(message(&rule(
            "<ReplaceKeyPrefixWith>a</ReplaceKeyPrefixWith><ReplaceKeyWith>b</ReplaceKeyWith>",
            ""
        ))
        .contains("not both"));
        assert!(
            message(&rule("<HttpRedirectCode>300</HttpRedirectCode>", ""))
                .contains("(300) is not valid")
        );
        assert!(
            message(&rule("<HttpRedirectCode>200</HttpRedirectCode>", ""))
                .contains("(200) is not valid")
        );
        assert!(message(&rule("<Protocol>gopher</Protocol>", "")).starts_with("Invalid protocol"));
        assert!(message(&rule(
            "<HostName>h</HostName>",
            "<Condition><HttpErrorCodeReturnedEquals>200</HttpErrorCodeReturnedEquals></Condition>"
        ))
        .contains("Valid codes are 4XX or 5XX"));
        assert!(
            message(&rule("<HostName>h</HostName>", "<Condition></Condition>"))
                .contains("Condition cannot be empty")
        );
        assert!(parse(&rule(
            "<HostName>h</HostName>",
            "<Condition><KeyPrefixEquals>x/</KeyPrefixEquals></Condition>"
        ))
        .is_ok());
        let many: String = (0..51)
            .map(|_| "<RoutingRule><Redirect><HostName>h</HostName></Redirect></RoutingRule>")
            .collect();
        assert!(message(&format!("<WebsiteConfiguration><IndexDocument><Suffix>i.html</Suffix></IndexDocument><RoutingRules>{many}</RoutingRules></WebsiteConfiguration>")).contains("50"));
        for body in ["<Website/>", "not xml", "<WebsiteConfiguration><RoutingRules><RoutingRule></RoutingRule></RoutingRules><IndexDocument><Suffix>i</Suffix></IndexDocument></WebsiteConfiguration>"] {
            assert_eq!(parse(body).unwrap_err().code, ErrorCode::MalformedXML, "{body}");
        }
    }
}
