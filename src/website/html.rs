//! The website endpoint's error pages: HTML, not XML, naming the error as S3's website
//! endpoint does ("Website endpoints" in the S3 user guide: "returns an HTML document"), and
//! what went wrong with the custom error document when that failed too.

use crate::error::{escape, S3Error};

fn reason(status: u16) -> &'static str {
    match status {
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        412 => "Precondition Failed",
        416 => "Requested Range Not Satisfiable",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

fn error_items(out: &mut String, err: &S3Error) {
    out.push_str("<ul>\n");
    out.push_str(&format!("<li>Code: {}</li>\n", err.code.as_str()));
    out.push_str(&format!("<li>Message: {}</li>\n", escape(&err.message)));
    for (name, value) in &err.details {
        out.push_str(&format!("<li>{name}: {}</li>\n", escape(value)));
    }
}

/// The page answered for `err`; `document_error` is what failed when the bucket's error
/// document was fetched in its place.
pub fn error_page(err: &S3Error, request_id: &str, document_error: Option<&S3Error>) -> String {
    let title = format!("{} {}", err.status(), reason(err.status()));
    let mut out =
        format!("<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n");
    error_items(&mut out, err);
    out.push_str(&format!("<li>RequestId: {}</li>\n", escape(request_id)));
    out.push_str(&format!("<li>HostId: {}</li>\n</ul>\n", escape(request_id)));
    if let Some(document_error) = document_error {
        out.push_str(
            "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n",
        );
        error_items(&mut out, document_error);
        out.push_str("</ul>\n");
    }
    out.push_str("<hr/>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn names_the_error_in_html() {
        let err = S3Error::new(ErrorCode::NoSuchKey).detail("Key", "a<b>.html");
        let page = error_page(&err, "REQ1", None);
        assert!(
            page.starts_with("<html>\n<head><title>404 Not Found</title></head>"),
            "{page}"
        );
        assert!(page.contains("<h1>404 Not Found</h1>"), "{page}");
        assert!(page.contains("<li>Code: NoSuchKey</li>"), "{page}");
        assert!(
            page.contains("<li>Message: The specified key does not exist.</li>"),
            "{page}"
        );
        assert!(page.contains("<li>Key: a&lt;b&gt;.html</li>"), "{page}");
        assert!(page.contains("<li>RequestId: REQ1</li>"), "{page}");
        assert!(!page.contains("Custom Error Document"), "{page}");
    }

    #[test]
    fn tells_when_the_error_document_failed_too() {
        let err = S3Error::new(ErrorCode::AccessDenied);
        let document = S3Error::new(ErrorCode::NoSuchKey).detail("Key", "404.html");
        let page = error_page(&err, "REQ2", Some(&document));
        assert!(page.contains("<h1>403 Forbidden</h1>"), "{page}");
        let tail = page.split("Custom Error Document").nth(1).unwrap();
        assert!(tail.contains("<li>Code: NoSuchKey</li>"), "{page}");
        assert!(tail.contains("<li>Key: 404.html</li>"), "{page}");
    }
}
