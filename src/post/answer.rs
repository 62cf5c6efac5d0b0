//! The answer to a successful browser upload ("POST Object"): a `303 See Other` to
//! `success_action_redirect` (or the older `redirect`) with the bucket, key and ETag in its query
//! when the URL is one S3 can interpret, else the `success_action_status`: `200` or `204`
//! (the default, also for any other value) empty, `201` with a `PostResponse` document.

use super::fields::Form;
use crate::context::Response;
use crate::xml::{self, url_encode_key};
use serde::Serialize;

/// Where the stored object is, and what it is: the parts of every success answer.
pub struct Stored<'a> {
    /// The object's URL (the `Location` header and element).
    pub location: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    /// With its quotes.
    pub etag: &'a str,
}

#[derive(Serialize)]
#[serde(rename = "PostResponse")]
struct PostResponse<'a> {
    #[serde(rename = "Location")]
    location: &'a str,
    #[serde(rename = "Bucket")]
    bucket: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "ETag")]
    etag: &'a str,
}

/// The success answer the form asks for.
pub fn success<B>(form: &Form, stored: &Stored<'_>) -> Response<B> {
    let redirect = form
        .get("success_action_redirect")
        .or_else(|| form.get("redirect"))
        .filter(|url| interpretable(url));
    let response = if let Some(url) = redirect {
        Response::new(303).header("location", redirect_target(&url, stored))
    } else {
        let status = form.get("success_action_status");
        match status.as_deref().map(str::trim) {
            Some("201") => Response::xml(
                201,
                xml::to_xml(&PostResponse {
                    location: stored.location,
                    bucket: stored.bucket,
                    key: stored.key,
                    etag: stored.etag,
                }),
            )
            .header("location", stored.location),
            Some("200") => Response::new(200).header("location", stored.location),
            _ => Response::new(204).header("location", stored.location),
        }
    };
    response.header("etag", stored.etag)
}

/// An absolute http(s) URL with a host, in ASCII (a `Location` header carries it as it is): what
/// S3 redirects to (others are ignored).
fn interpretable(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty()
            && !url
                .chars()
                .any(|c| !c.is_ascii() || c.is_ascii_whitespace() || c.is_control())
    })
}

/// The redirect URL with `bucket`, `key` and `etag` added to its query (before any fragment).
fn redirect_target(url: &str, stored: &Stored<'_>) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let encode = |value: &str| url_encode_key(value).replace('/', "%2F");
    let added = format!(
        "bucket={}&key={}&etag={}",
        encode(stored.bucket),
        encode(stored.key),
        encode(stored.etag)
    );
    let joiner = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut target = format!("{base}{joiner}{added}");
    if let Some(fragment) = fragment {
        target.push('#');
        target.push_str(fragment);
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Body;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form::of_fields(fields, None)
    }

    const STORED: Stored<'static> = Stored {
        location: "http://s3.test/photos/a%20b/c.png",
        bucket: "photos",
        key: "a b/c.png",
        etag: "\"0123abcd\"",
    };

    fn answer(fields: &[(&str, &str)]) -> Response<()> {
        success(&form(fields), &STORED)
    }

    fn header<'r>(response: &'r Response<()>, name: &str) -> Option<&'r str> {
        response
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn body(response: &Response<()>) -> String {
        match &response.body {
            Body::Bytes(bytes) => String::from_utf8(bytes.clone()).unwrap(),
            Body::Empty => String::new(),
            Body::Stream(()) => panic!("no stream here"),
        }
    }

    #[test]
    fn status_204_by_default_and_for_unknown_values() {
        for fields in [
            vec![],
            vec![("success_action_status", "404")],
            vec![("success_action_status", "abc")],
        ] {
            let r = answer(&fields);
            assert_eq!(r.status, 204);
            assert_eq!(body(&r), "");
            assert_eq!(header(&r, "etag"), Some("\"0123abcd\""));
            assert_eq!(header(&r, "location"), Some(STORED.location));
        }
        let r = answer(&[("success_action_status", "200")]);
        assert_eq!((r.status, body(&r)), (200, String::new()));
    }

    #[test]
    fn status_201_answers_a_post_response_document() {
        let r = answer(&[("Success_Action_Status", "201")]);
        assert_eq!(r.status, 201);
        assert_eq!(header(&r, "content-type"), Some("application/xml"));
        assert_eq!(
            body(&r),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse>\
             <Location>http://s3.test/photos/a%20b/c.png</Location><Bucket>photos</Bucket>\
             <Key>a b/c.png</Key><ETag>&quot;0123abcd&quot;</ETag></PostResponse>"
        );
    }

    #[test]
    fn a_redirect_adds_bucket_key_and_etag() {
        let r = answer(&[
            ("success_action_redirect", "https://app.test/done"),
            ("success_action_status", "201"),
        ]);
        assert_eq!(r.status, 303);
        assert_eq!(
            header(&r, "location"),
            Some("https://app.test/done?bucket=photos&key=a%20b%2Fc.png&etag=%220123abcd%22")
        );
        assert_eq!(body(&r), "");
        for (url, target) in [
            ("http://app.test/x?a=1", "http://app.test/x?a=1&bucket="),
            ("http://app.test/x?", "http://app.test/x?bucket="),
            ("http://app.test:8080", "http://app.test:8080?bucket="),
        ] {
            let r = answer(&[("redirect", url)]);
            assert!(header(&r, "location").unwrap().starts_with(target), "{url}");
        }
        let r = answer(&[("redirect", "http://app.test/x#top")]);
        assert!(header(&r, "location").unwrap().ends_with("%22#top"));
        // success_action_redirect wins over redirect.
        let r = answer(&[
            ("redirect", "http://one.test/"),
            ("success_action_redirect", "http://two.test/"),
        ]);
        assert!(header(&r, "location")
            .unwrap()
            .starts_with("http://two.test/?"));
    }

    #[test]
    fn a_redirect_s3_cannot_interpret_is_ignored() {
        for url in [
            "",
            "/relative",
            "ftp://x.test/",
            "http://",
            "https:///path",
            "http://a b/",
            "javascript:alert(1)",
        ] {
            let r = answer(&[
                ("success_action_redirect", url),
                ("success_action_status", "200"),
            ]);
            assert_eq!(r.status, 200, "{url:?}");
        }
    }
}
