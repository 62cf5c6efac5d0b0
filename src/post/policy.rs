//! The POST policy of a browser upload: the base64 JSON document the form's signature covers,
//! with its `expiration` and its `conditions` (exact matches, `starts-with`,
//! `content-length-range`), checked against the form, the bucket and the file's length. Follows
//! "POST Policy" (sigv4-HTTPPOSTConstructPolicy) and "HTML Forms (AWS Signature Version 2)":
//! every field but `policy`, the signatures, `AWSAccessKeyId`, `file` and `x-ignore-*` must be
//! named by a condition, and so must the bucket.

use super::fields::Form;
use crate::error::{ErrorCode, S3Error};
use base64::Engine;
use serde_json::Value;

/// A policy as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostPolicy {
    /// Unix milliseconds after which the policy no longer holds.
    pub expiration_millis: i64,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `{"field": "value"}` or `["eq", "$field", "value"]`.
    Eq { field: String, value: String },
    /// `["starts-with", "$field", "prefix"]`.
    StartsWith { field: String, prefix: String },
    /// `["content-length-range", min, max]`, inclusive.
    LengthRange { min: u64, max: u64 },
    /// A well-formed condition S3 cannot satisfy: an unknown operation, or a field name without
    /// its `$`. It fails as written.
    Unsatisfiable { text: String },
}

/// What a policy is checked against besides the form.
pub struct Upload<'a> {
    pub now_millis: i64,
    pub bucket: &'a str,
    pub file_length: u64,
}

fn invalid(why: &str) -> S3Error {
    S3Error::with_message(
        ErrorCode::InvalidPolicyDocument,
        format!("Invalid Policy: {why}"),
    )
}

fn not_allowed(why: &str) -> S3Error {
    S3Error::with_message(
        ErrorCode::AccessDenied,
        format!("Invalid according to Policy: {why}"),
    )
}

/// The field a condition names: `$name` lower-cased, `None` without the `$`.
fn field_name(written: &str) -> Option<String> {
    written.strip_prefix('$').map(str::to_ascii_lowercase)
}

fn json_text(value: &str) -> String {
    Value::String(value.to_string()).to_string()
}

impl PostPolicy {
    /// Decodes the `policy` field (base64, whitespace ignored) and parses the document.
    pub fn decode(policy_field: &str) -> Result<PostPolicy, S3Error> {
        let compact: String = policy_field
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let json = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| invalid("Invalid JSON."))?;
        PostPolicy::parse(&json)
    }

    pub fn parse(json: &[u8]) -> Result<PostPolicy, S3Error> {
        let document: Value = serde_json::from_slice(json).map_err(|_| invalid("Invalid JSON."))?;
        let object = document
            .as_object()
            .ok_or_else(|| invalid("Invalid JSON."))?;
        let expiration = object
            .get("expiration")
            .ok_or_else(|| invalid("Policy missing expiration."))?;
        let expiration_millis =
            expiration
                .as_str()
                .and_then(parse_expiration)
                .ok_or_else(|| {
                    invalid(&format!(
                        "Invalid 'expiration' value: '{}'",
                        plain(expiration)
                    ))
                })?;
        let conditions = object
            .get("conditions")
            .ok_or_else(|| invalid("Policy missing conditions."))?
            .as_array()
            .ok_or_else(|| invalid("Invalid 'conditions' value: must be a List."))?
            .iter()
            .map(parse_condition)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PostPolicy {
            expiration_millis,
            conditions,
        })
    }

    /// Checks the upload in S3's order: expiry, each condition as listed, then the fields no
    /// condition names.
    pub fn check(&self, form: &Form, upload: &Upload<'_>) -> Result<(), S3Error> {
        if upload.now_millis > self.expiration_millis {
            return Err(not_allowed("Policy expired."));
        }
        let value_of = |field: &str| match field {
            "bucket" => Some(upload.bucket.to_string()),
            _ => form.get(field),
        };
        for condition in &self.conditions {
            let holds = match condition {
                Condition::Eq { field, value } => value_of(field).as_deref() == Some(value),
                Condition::StartsWith { field, prefix } => {
                    value_of(field).is_some_and(|v| starts_with(field, &v, prefix))
                }
                Condition::LengthRange { min, max } => {
                    check_length(upload.file_length, *min, *max)?;
                    true
                }
                Condition::Unsatisfiable { .. } => false,
            };
            if !holds {
                return Err(not_allowed(&format!(
                    "Policy Condition failed: {}",
                    condition.text()
                )));
            }
        }
        let named: Vec<&str> = self
            .conditions
            .iter()
            .filter_map(|c| match c {
                Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => {
                    Some(field.as_str())
                }
                _ => None,
            })
            .collect();
        let extra = form
            .names()
            .into_iter()
            .chain(["bucket"])
            .find(|name| needs_condition(name) && !named.contains(name));
        match extra {
            Some(name) => Err(not_allowed(&format!("Extra input fields: {name}"))),
            None => Ok(()),
        }
    }
}

impl PostPolicy {
    /// The `content-length-range` conditions alone, against the file's length once it is known
    /// (parts after the file made the length told up front longer).
    pub fn check_file_length(&self, length: u64) -> Result<(), S3Error> {
        for condition in &self.conditions {
            if let Condition::LengthRange { min, max } = condition {
                check_length(length, *min, *max)?;
            }
        }
        Ok(())
    }
}

impl Condition {
    /// The condition as S3 quotes it in `Policy Condition failed`.
    pub fn text(&self) -> String {
        match self {
            Condition::Eq { field, value } => {
                format!(
                    "[\"eq\", {}, {}]",
                    json_text(&format!("${field}")),
                    json_text(value)
                )
            }
            Condition::StartsWith { field, prefix } => format!(
                "[\"starts-with\", {}, {}]",
                json_text(&format!("${field}")),
                json_text(prefix)
            ),
            Condition::LengthRange { min, max } => {
                format!("[\"content-length-range\", {min}, {max}]")
            }
            Condition::Unsatisfiable { text } => text.clone(),
        }
    }
}

/// Fields every policy must name (all but those that carry the policy and its signature).
fn needs_condition(name: &str) -> bool {
    !matches!(
        name,
        "policy" | "x-amz-signature" | "signature" | "awsaccesskeyid" | "file"
    ) && !name.starts_with("x-ignore-")
}

/// `starts-with`; a Content-Type may list several types, each of which must match.
fn starts_with(field: &str, value: &str, prefix: &str) -> bool {
    if field == "content-type" && value.contains(',') {
        value
            .split(',')
            .all(|one| one.trim_start().starts_with(prefix))
    } else {
        value.starts_with(prefix)
    }
}

fn check_length(length: u64, min: u64, max: u64) -> Result<(), S3Error> {
    if length > max {
        return Err(S3Error::new(ErrorCode::EntityTooLarge)
            .detail("ProposedSize", length.to_string())
            .detail("MaxSizeAllowed", max.to_string()));
    }
    if length < min {
        return Err(S3Error::with_message(
            ErrorCode::EntityTooSmall,
            "Your proposed upload is smaller than the minimum allowed size",
        )
        .detail("ProposedSize", length.to_string())
        .detail("MinSizeAllowed", min.to_string()));
    }
    Ok(())
}

/// ISO 8601 in UTC, fractions optional: `2007-12-01T12:00:00.000Z`, `2007-12-01T12:00:00Z`.
fn parse_expiration(text: &str) -> Option<i64> {
    if text.as_bytes().get(10) != Some(&b'T') || !text.ends_with('Z') || text.contains(' ') {
        return None;
    }
    let seconds = crate::authz::policy::parse_date(text)?;
    Some((seconds * 1000.0).round() as i64)
}

/// A JSON value as text, strings without their quotes.
fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn parse_condition(condition: &Value) -> Result<Condition, S3Error> {
    match condition {
        Value::Object(map) => {
            if map.len() != 1 {
                return Err(invalid(
                    "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.",
                ));
            }
            let (name, value) = map.iter().next().expect("one property");
            let value = value
                .as_str()
                .ok_or_else(|| invalid("Invalid Simple-Condition: value must be a string."))?;
            Ok(Condition::Eq {
                field: name.to_ascii_lowercase(),
                value: value.to_string(),
            })
        }
        Value::Array(items) => {
            let operation = items
                .first()
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    invalid("Invalid Condition: must have an operation as its first element.")
                })?
                .to_ascii_lowercase();
            if operation == "content-length-range" {
                return match items.as_slice() {
                    [_, min, max] => match (min.as_u64(), max.as_u64()) {
                        (Some(min), Some(max)) => Ok(Condition::LengthRange { min, max }),
                        _ => Err(invalid(
                            "Invalid content-length-range: the bounds must be non-negative integers.",
                        )),
                    },
                    _ => Err(invalid(
                        "Invalid content-length-range: must have exactly two bounds.",
                    )),
                };
            }
            let [_, field, value] = items.as_slice() else {
                return Err(invalid(&format!(
                    "Invalid Condition: wrong number of arguments: {condition}"
                )));
            };
            let (Some(written), Some(value)) = (field.as_str(), value.as_str()) else {
                return Err(invalid(&format!(
                    "Invalid Condition: the field and its value must be strings: {condition}"
                )));
            };
            let unsatisfiable = || Condition::Unsatisfiable {
                text: format!(
                    "[{}, {}, {}]",
                    json_text(items[0].as_str().unwrap_or_default()),
                    json_text(written),
                    json_text(value)
                ),
            };
            let Some(field) = field_name(written) else {
                return Ok(unsatisfiable());
            };
            Ok(match operation.as_str() {
                "eq" => Condition::Eq {
                    field,
                    value: value.to_string(),
                },
                "starts-with" => Condition::StartsWith {
                    field,
                    prefix: value.to_string(),
                },
                _ => unsatisfiable(),
            })
        }
        _ => Err(invalid(&format!(
            "Invalid Condition: must be an object or a list: {condition}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn form(fields: &[(&str, &str)]) -> Form {
        Form::of_fields(fields, None)
    }

    fn policy(conditions: &str) -> PostPolicy {
        PostPolicy::parse(
            format!(r#"{{"expiration": "2026-01-01T00:10:00.000Z", "conditions": {conditions}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    fn upload(length: u64) -> Upload<'static> {
        Upload {
            now_millis: NOW,
            bucket: "photos",
            file_length: length,
        }
    }

    fn check(conditions: &str, fields: &[(&str, &str)], length: u64) -> Result<(), S3Error> {
        policy(conditions).check(&form(fields), &upload(length))
    }

    fn message(result: Result<(), S3Error>) -> (ErrorCode, String) {
        let err = result.unwrap_err();
        (err.code, err.message)
    }

    #[test]
    fn documents_parse_into_conditions() {
        let p = policy(
            r#"[{"bucket": "photos"}, ["starts-with", "$Key", "user/"], {"ACL": "public-read"},
                ["EQ", "$x-amz-meta-a", "1"], ["content-length-range", 1, 1048576],
                ["starts-with", "$Content-Type", ""], ["matches", "$key", "x"], ["eq", "key", "k"]]"#,
        );
        assert_eq!(p.expiration_millis, NOW + 600_000);
        assert_eq!(
            p.conditions,
            vec![
                Condition::Eq {
                    field: "bucket".into(),
                    value: "photos".into()
                },
                Condition::StartsWith {
                    field: "key".into(),
                    prefix: "user/".into()
                },
                Condition::Eq {
                    field: "acl".into(),
                    value: "public-read".into()
                },
                Condition::Eq {
                    field: "x-amz-meta-a".into(),
                    value: "1".into()
                },
                Condition::LengthRange {
                    min: 1,
                    max: 1_048_576
                },
                Condition::StartsWith {
                    field: "content-type".into(),
                    prefix: "".into()
                },
                Condition::Unsatisfiable {
                    text: r#"["matches", "$key", "x"]"#.into()
                },
                Condition::Unsatisfiable {
                    text: r#"["eq", "key", "k"]"#.into()
                },
            ]
        );
        // Expiration without fractions, or with more of them.
        for expiration in ["2026-01-01T00:10:00Z", "2026-01-01T00:10:00.000000Z"] {
            let doc = format!(r#"{{"expiration": "{expiration}", "conditions": []}}"#);
            assert_eq!(
                PostPolicy::parse(doc.as_bytes()).unwrap().expiration_millis,
                NOW + 600_000
            );
        }
    }

    #[test]
    fn malformed_documents_are_invalid_policy_documents() {
        let cases = [
            ("not json", "Invalid Policy: Invalid JSON."),
            ("[]", "Invalid Policy: Invalid JSON."),
            (r#"{"conditions": []}"#, "Invalid Policy: Policy missing expiration."),
            (r#"{"EXPIRATION": "2026-01-01T00:00:00Z", "conditions": []}"#, "Invalid Policy: Policy missing expiration."),
            (r#"{"expiration": "2026-01-01T00:00:00Z"}"#, "Invalid Policy: Policy missing conditions."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "CONDITIONS": []}"#, "Invalid Policy: Policy missing conditions."),
            (r#"{"expiration": "2026-01-01 00:00:00.123+00:00", "conditions": []}"#, "Invalid Policy: Invalid 'expiration' value: '2026-01-01 00:00:00.123+00:00'"),
            (r#"{"expiration": "2026-01-01T00:00:00+01:00", "conditions": []}"#, "Invalid Policy: Invalid 'expiration' value: '2026-01-01T00:00:00+01:00'"),
            (r#"{"expiration": "2026-01-01", "conditions": []}"#, "Invalid Policy: Invalid 'expiration' value: '2026-01-01'"),
            (r#"{"expiration": 12, "conditions": []}"#, "Invalid Policy: Invalid 'expiration' value: '12'"),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": {}}"#, "Invalid Policy: Invalid 'conditions' value: must be a List."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [{}]}"#, "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [{"a": "1", "b": "2"}]}"#, "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [{"a": 1}]}"#, "Invalid Policy: Invalid Simple-Condition: value must be a string."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [["content-length-range", 0]]}"#, "Invalid Policy: Invalid content-length-range: must have exactly two bounds."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 0]]}"#, "Invalid Policy: Invalid content-length-range: the bounds must be non-negative integers."),
            (r#"{"expiration": "2026-01-01T00:00:00Z", "conditions": [["content-length-range", "1", 2]]}"#, "Invalid Policy: Invalid content-length-range: the bounds must be non-negative integers."),
        ];
        for (doc, want) in cases {
            let err = PostPolicy::parse(doc.as_bytes()).unwrap_err();
            assert_eq!(
                (err.code, err.status()),
                (ErrorCode::InvalidPolicyDocument, 400),
                "{doc}"
            );
            assert_eq!(err.message, want, "{doc}");
        }
        for doc in [
            r#"["eq", "$a"]"#,
            r#"[["eq", "$a", 1]]"#,
            r#"[[1, "$a", "b"]]"#,
            r#"["x"]"#,
        ] {
            let full = format!(r#"{{"expiration": "2026-01-01T00:00:00Z", "conditions": {doc}}}"#);
            assert_eq!(
                PostPolicy::parse(full.as_bytes()).unwrap_err().code,
                ErrorCode::InvalidPolicyDocument,
                "{doc}"
            );
        }
    }

    #[test]
    fn the_policy_field_is_base64_with_whitespace_ignored() {
        let doc = r#"{"expiration": "2026-01-01T00:10:00Z", "conditions": [{"bucket": "photos"}]}"#;
        let encoded = base64::engine::general_purpose::STANDARD.encode(doc);
        let wrapped = format!("{}\n{}\n", &encoded[..20], &encoded[20..]);
        assert_eq!(PostPolicy::decode(&wrapped).unwrap().conditions.len(), 1);
        let err = PostPolicy::decode("not base64!").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::InvalidPolicyDocument,
                "Invalid Policy: Invalid JSON."
            )
        );
    }

    #[test]
    fn an_expired_policy_is_refused() {
        let p = policy("[]");
        let mut up = upload(0);
        up.now_millis = NOW + 600_000;
        assert!(p
            .check(&form(&[]), &up)
            .is_err_and(|e| e.code == ErrorCode::AccessDenied));
        up.now_millis = NOW + 600_001;
        let err = p.check(&form(&[]), &up).unwrap_err();
        assert_eq!(
            (err.code, err.status(), err.message.as_str()),
            (
                ErrorCode::AccessDenied,
                403,
                "Invalid according to Policy: Policy expired."
            )
        );
    }

    #[test]
    fn exact_matches() {
        let base = r#"[{"bucket": "photos"}, {"key": "a/b.png"}]"#;
        assert!(check(base, &[("key", "a/b.png")], 1).is_ok());
        assert_eq!(
            message(check(base, &[("key", "a/B.png")], 1)),
            (ErrorCode::AccessDenied, r#"Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a/b.png"]"#.into())
        );
        // The array form, field names in any case; the value compares exactly.
        let eq = r#"[["eq", "$Bucket", "photos"], ["eq", "$KEY", "k"]]"#;
        assert!(check(eq, &[("Key", "k")], 1).is_ok());
        assert_eq!(
            message(check(eq, &[("key", "K")], 1)).1,
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$key", "k"]"#
        );
        // The bucket is the request's.
        assert_eq!(
            message(check(
                r#"[{"bucket": "other"}, {"key": "k"}]"#,
                &[("key", "k")],
                1
            ))
            .1,
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other"]"#
        );
        // A field the form lacks fails its condition, even an empty one.
        assert_eq!(
            message(check(
                r#"[{"bucket": "photos"}, {"key": "k"}, ["eq", "$x-amz-meta-a", ""]]"#,
                &[("key", "k")],
                1
            ))
            .1,
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$x-amz-meta-a", ""]"#
        );
        // Repeated fields compare as their comma-joined value.
        let tags = r#"[{"bucket": "photos"}, {"key": "k"}, {"x-amz-meta-tag": "Ninja,Stallman"}]"#;
        assert!(check(
            tags,
            &[
                ("key", "k"),
                ("x-amz-meta-tag", "Ninja"),
                ("x-amz-meta-tag", "Stallman")
            ],
            1
        )
        .is_ok());
    }

    #[test]
    fn starts_with_conditions() {
        let p = r#"[{"bucket": "photos"}, ["starts-with", "$key", "user/eric/"], ["starts-with", "$success_action_redirect", ""]]"#;
        assert!(check(
            p,
            &[
                ("key", "user/eric/x"),
                ("success_action_redirect", "anything")
            ],
            1
        )
        .is_ok());
        assert!(check(
            p,
            &[("key", "user/eric/"), ("success_action_redirect", "")],
            1
        )
        .is_ok());
        assert_eq!(
            message(check(
                p,
                &[("key", "user/bob/x"), ("success_action_redirect", "")],
                1
            ))
            .1,
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/eric/"]"#
        );
        // An empty prefix takes any value but still needs the field.
        assert!(check(p, &[("key", "user/eric/x")], 1).is_err());
        // Content-Type may list types: each must start with the prefix.
        let ct =
            r#"[{"bucket": "photos"}, {"key": "k"}, ["starts-with", "$Content-Type", "image/"]]"#;
        assert!(check(ct, &[("key", "k"), ("Content-Type", "image/png")], 1).is_ok());
        assert!(check(
            ct,
            &[("key", "k"), ("Content-Type", "image/png, image/jpeg")],
            1
        )
        .is_ok());
        assert!(check(
            ct,
            &[("key", "k"), ("Content-Type", "image/png,text/html")],
            1
        )
        .is_err());
        assert!(check(ct, &[("key", "k"), ("Content-Type", "text/image/")], 1).is_err());
        // Other fields take the value as a whole.
        let meta = r#"[{"bucket": "photos"}, {"key": "k"}, ["starts-with", "$x-amz-meta-a", "x"]]"#;
        assert!(check(meta, &[("key", "k"), ("x-amz-meta-a", "x,y")], 1).is_ok());
    }

    #[test]
    fn unknown_operations_and_fields_without_dollar_fail() {
        for (conditions, quoted) in [
            (
                r#"[{"bucket": "photos"}, {"key": "k"}, ["matches", "$key", "k"]]"#,
                r#"["matches", "$key", "k"]"#,
            ),
            (
                r#"[{"bucket": "photos"}, {"key": "k"}, ["eq", "key", "k"]]"#,
                r#"["eq", "key", "k"]"#,
            ),
        ] {
            assert_eq!(
                message(check(conditions, &[("key", "k")], 1)),
                (
                    ErrorCode::AccessDenied,
                    format!("Invalid according to Policy: Policy Condition failed: {quoted}")
                )
            );
        }
    }

    #[test]
    fn content_length_range_bounds_the_file() {
        let p = r#"[{"bucket": "photos"}, {"key": "k"}, ["content-length-range", 10, 20]]"#;
        for ok in [10, 15, 20] {
            assert!(check(p, &[("key", "k")], ok).is_ok(), "{ok}");
        }
        let err = check(p, &[("key", "k")], 21).unwrap_err();
        assert_eq!((err.code, err.status()), (ErrorCode::EntityTooLarge, 400));
        assert_eq!(
            err.details,
            vec![
                ("ProposedSize", "21".to_string()),
                ("MaxSizeAllowed", "20".to_string())
            ]
        );
        let err = check(p, &[("key", "k")], 9).unwrap_err();
        assert_eq!((err.code, err.status()), (ErrorCode::EntityTooSmall, 400));
        assert_eq!(
            err.details,
            vec![
                ("ProposedSize", "9".to_string()),
                ("MinSizeAllowed", "10".to_string())
            ]
        );
        // Zero to zero: only an empty file.
        let zero = r#"[{"bucket": "photos"}, {"key": "k"}, ["content-length-range", 0, 0]]"#;
        assert!(check(zero, &[("key", "k")], 0).is_ok());
        assert_eq!(
            check(zero, &[("key", "k")], 3).unwrap_err().code,
            ErrorCode::EntityTooLarge
        );
    }

    #[test]
    fn every_field_and_the_bucket_need_a_condition() {
        let p = r#"[{"bucket": "photos"}, ["starts-with", "$key", ""]]"#;
        let exempt = [
            ("key", "k"),
            ("Policy", "p"),
            ("X-Amz-Signature", "s"),
            ("signature", "s"),
            ("AWSAccessKeyId", "a"),
            ("x-ignore-flash", "1"),
            ("X-Ignore-Other", "2"),
        ];
        assert!(check(p, &exempt, 1).is_ok());
        let mut with_extra = exempt.to_vec();
        with_extra.push(("Content-Type", "text/plain"));
        assert_eq!(
            message(check(p, &with_extra, 1)),
            (
                ErrorCode::AccessDenied,
                "Invalid according to Policy: Extra input fields: content-type".into()
            )
        );
        // The SigV4 fields need conditions like any other.
        assert_eq!(
            message(check(
                p,
                &[("key", "k"), ("x-amz-date", "20260101T000000Z")],
                1
            ))
            .1,
            "Invalid according to Policy: Extra input fields: x-amz-date"
        );
        // A policy that does not name the bucket.
        assert_eq!(
            message(check(
                r#"[["starts-with", "$key", ""]]"#,
                &[("key", "k")],
                1
            ))
            .1,
            "Invalid according to Policy: Extra input fields: bucket"
        );
        // A content-length-range covers no field.
        assert_eq!(
            message(check(
                r#"[["content-length-range", 0, 5], {"bucket": "photos"}]"#,
                &[("key", "k")],
                1
            ))
            .1,
            "Invalid according to Policy: Extra input fields: key"
        );
    }

    #[test]
    fn conditions_are_checked_in_order_before_the_extra_fields() {
        let p = r#"[{"bucket": "photos"}, ["content-length-range", 0, 1], {"key": "other"}]"#;
        assert_eq!(
            check(p, &[("key", "k"), ("extra", "1")], 2)
                .unwrap_err()
                .code,
            ErrorCode::EntityTooLarge
        );
        assert!(message(check(p, &[("key", "k"), ("extra", "1")], 1))
            .1
            .contains("Policy Condition failed"));
    }
}
