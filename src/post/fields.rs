//! The fields of a browser upload as S3 reads them ("POST Object", "HTML Forms"): names compare
//! without case, fields of one name are one comma-joined value, `${filename}` stands for the
//! file's name (after its last `/` or `\`), and the fields that describe the object become the
//! headers of the PutObject request the upload stands for.

use super::form::FormHead;
use crate::error::{ErrorCode, S3Error};
use crate::request::RequestHead;
use crate::tagging;

/// The fields that authenticate the form: never expanded, never an attribute of the object.
pub const AUTH_FIELDS: &[&str] = &[
    "policy",
    "signature",
    "awsaccesskeyid",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-algorithm",
    "x-amz-security-token",
];

/// Form fields that are the same header of a PutObject.
const HEADER_FIELDS: &[&str] = &[
    "cache-control",
    "content-type",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-md5",
    "expires",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
    // Signed by a SigV4 form: what `s3:signatureAge` is measured from.
    "x-amz-date",
];

/// Field-name prefixes that are the same header of a PutObject (the object-lock ones are
/// refused there as not implemented, as on PutObject).
const HEADER_PREFIXES: &[&str] = &[
    "x-amz-meta-",
    "x-amz-server-side-encryption",
    "x-amz-checksum-",
    "x-amz-object-lock-",
];

/// The request headers a PutObject's authorization reads besides the object's own
/// (`aws:SourceIp`, `aws:UserAgent`, `aws:Referer`), copied from the POST.
const REQUEST_HEADERS: &[&str] = &["host", "user-agent", "referer", "cf-connecting-ip"];

/// The form's fields (those before the file), `${filename}` expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// Lower-cased name, value; in form order.
    fields: Vec<(String, String)>,
}

impl Form {
    /// A form of these fields (and a file of that name), as a parsed head would give it.
    #[cfg(test)]
    pub fn of_fields(fields: &[(&str, &str)], filename: Option<&str>) -> Form {
        use super::form::{Field, FilePart};
        Form::new(&FormHead {
            fields: fields
                .iter()
                .map(|(name, value)| Field {
                    name: name.to_string(),
                    value: value.to_string(),
                })
                .collect(),
            file: FilePart {
                filename: filename.map(str::to_string),
                content_type: Some("image/png".into()),
            },
            len: 0,
        })
    }

    pub fn new(head: &FormHead) -> Form {
        let filename = base_name(head.file.filename.as_deref().unwrap_or_default());
        let fields = head
            .fields
            .iter()
            .map(|field| {
                let name = field.name.to_ascii_lowercase();
                let value = if AUTH_FIELDS.contains(&name.as_str()) {
                    field.value.clone()
                } else {
                    field.value.replace("${filename}", filename)
                };
                (name, value)
            })
            .collect();
        Form { fields }
    }

    /// The value of the fields named `name` (any case), joined by commas as S3 joins them.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Every field name once, lower-cased, in form order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.fields {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// The object's key; a form needs one.
    pub fn key(&self) -> Result<String, S3Error> {
        match self.get("key") {
            Some(key) if !key.is_empty() => Ok(key),
            _ => Err(missing_field("key")),
        }
    }
}

/// S3's answer to a form that lacks a field it needs.
pub fn missing_field(name: &str) -> S3Error {
    S3Error::with_message(
        ErrorCode::InvalidArgument,
        format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check \
             the order of the fields."
        ),
    )
    .detail("ArgumentName", name)
    .detail("ArgumentValue", "")
}

/// What `${filename}` stands for: the name after the last `/` or `\` of the file's path.
pub fn base_name(filename: &str) -> &str {
    filename.rsplit(['/', '\\']).next().unwrap_or(filename)
}

/// The PutObject request a form upload stands for: the object's attributes as its headers
/// (`acl` as `x-amz-acl`, the `tagging` document as `x-amz-tagging`, `x-amz-checksum-algorithm`
/// as `x-amz-sdk-checksum-algorithm`), `Content-Length` the file's, and the POST's own
/// client headers that authorization reads.
pub fn put_head(
    form: &Form,
    post: &RequestHead,
    object_path: &str,
    file_length: u64,
) -> Result<RequestHead, S3Error> {
    let mut headers: Vec<(String, String)> = post
        .headers
        .iter()
        .filter(|(name, _)| REQUEST_HEADERS.contains(&name.as_str()))
        .cloned()
        .collect();
    for name in form.names() {
        let Some(value) = form.get(name) else {
            continue;
        };
        let header = match name {
            "acl" => "x-amz-acl".to_string(),
            "tagging" => {
                let tags = tagging::parse_xml(value.as_bytes(), tagging::Owner::Object)?;
                headers.push(("x-amz-tagging".into(), tagging::to_header(&tags)));
                continue;
            }
            "x-amz-checksum-algorithm" => "x-amz-sdk-checksum-algorithm".to_string(),
            _ if HEADER_FIELDS.contains(&name)
                || HEADER_PREFIXES.iter().any(|p| name.starts_with(p)) =>
            {
                name.to_string()
            }
            _ => continue,
        };
        // A header of the object: what a header could not carry would make it unreadable.
        if value
            .chars()
            .any(|c| (c.is_control() && c != '\t') || u32::from(c) > 0xFF)
        {
            return Err(S3Error::with_message(
                ErrorCode::InvalidArgument,
                format!("The value of the form field {name} is not a valid header value."),
            )
            .detail("ArgumentName", name.to_string()));
        }
        headers.push((header, value));
    }
    headers.push(("content-length".into(), file_length.to_string()));
    let mut head = RequestHead::new("PUT", object_path, "", headers);
    head.secure = post.secure;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)], filename: Option<&str>) -> Form {
        Form::of_fields(fields, filename)
    }

    #[test]
    fn filename_is_substituted_by_its_base_name_everywhere_but_the_auth_fields() {
        let f = form(
            &[
                ("key", "uploads/${filename}"),
                (
                    "Content-Disposition",
                    "attachment; filename=\"${filename}\"",
                ),
                ("policy", "${filename}"),
            ],
            Some("C:\\Users\\me\\cat ${x}.png"),
        );
        assert_eq!(f.key().unwrap(), "uploads/cat ${x}.png");
        assert_eq!(
            f.get("content-disposition").as_deref(),
            Some("attachment; filename=\"cat ${x}.png\"")
        );
        assert_eq!(f.get("Policy").as_deref(), Some("${filename}"));
        for (path, base) in [
            ("/a/b/c.txt", "c.txt"),
            ("c.txt", "c.txt"),
            ("a\\b/", ""),
            ("", ""),
        ] {
            assert_eq!(base_name(path), base);
        }
        // No file name: `${filename}` is the empty string, and an empty key is no key.
        let f = form(&[("key", "${filename}")], None);
        let err = f.key().unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(f.get("key").as_deref(), Some(""));
        let f = form(&[("key", "a/${filename}")], Some(""));
        assert_eq!(f.key().unwrap(), "a/");
    }

    #[test]
    fn names_are_case_insensitive_and_repeated_fields_join_with_commas() {
        let f = form(
            &[
                ("X-Amz-Meta-Tag", "Ninja"),
                ("kEy", "k"),
                ("x-amz-meta-tag", "Stallman"),
            ],
            None,
        );
        assert_eq!(f.get("x-amz-meta-tag").as_deref(), Some("Ninja,Stallman"));
        assert_eq!(f.get("KEY").as_deref(), Some("k"));
        assert_eq!(f.names(), vec!["x-amz-meta-tag", "key"]);
        assert!(f.has("Key") && !f.has("acl"));
        let err = form(&[], None).key().unwrap_err();
        assert_eq!(
            err.message,
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
        );
        assert_eq!(err.details[0], ("ArgumentName", "key".to_string()));
    }

    #[test]
    fn the_put_head_carries_the_object_fields_as_headers() {
        let post = RequestHead::new(
            "POST",
            "/bucket",
            "",
            vec![
                ("Host".into(), "s3.test".into()),
                ("User-Agent".into(), "browser".into()),
                (
                    "Content-Type".into(),
                    "multipart/form-data; boundary=x".into(),
                ),
                ("Content-Length".into(), "99999".into()),
                ("x-amz-acl".into(), "public-read-write".into()),
            ],
        );
        let f = form(
            &[
                ("key", "k"),
                ("acl", "public-read"),
                ("Content-Type", "text/plain"),
                ("Cache-Control", "max-age=60"),
                ("x-amz-meta-Color", "blue"),
                ("x-amz-storage-class", "STANDARD_IA"),
                ("x-amz-checksum-algorithm", "CRC32"),
                ("x-amz-checksum-crc32", "AAAAAA=="),
                ("tagging", "<Tagging><TagSet><Tag><Key>a b</Key><Value>1&amp;2</Value></Tag></TagSet></Tagging>"),
                ("success_action_status", "201"),
                ("policy", "p"),
                ("x-amz-date", "20260101T000000Z"),
                ("x-ignore-me", "1"),
            ],
            None,
        );
        let head = put_head(&f, &post, "/bucket/k", 42).unwrap();
        assert_eq!(head.method, "PUT");
        assert_eq!(head.path, "/bucket/k");
        assert_eq!(
            head.headers,
            [
                ("host", "s3.test"),
                ("user-agent", "browser"),
                ("x-amz-acl", "public-read"),
                ("content-type", "text/plain"),
                ("cache-control", "max-age=60"),
                ("x-amz-meta-color", "blue"),
                ("x-amz-storage-class", "STANDARD_IA"),
                ("x-amz-sdk-checksum-algorithm", "CRC32"),
                ("x-amz-checksum-crc32", "AAAAAA=="),
                ("x-amz-tagging", "a%20b=1%262"),
                ("x-amz-date", "20260101T000000Z"),
                ("content-length", "42"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        let bad_tags = form(&[("tagging", "<Tagging><TagSet>")], None);
        assert_eq!(
            put_head(&bad_tags, &post, "/bucket/k", 1).unwrap_err().code,
            ErrorCode::MalformedXML
        );
    }
}
