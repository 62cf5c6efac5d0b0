//! Native tests of PostObject (browser form uploads) through the whole request handler over the
//! in-memory stores: forms are built and signed here by hand (HMAC over the base64 policy, as a
//! browser's server would), posted, and the stored object, its attributes and what storage holds
//! afterwards are checked.

mod common;

use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use md5::Digest as _;
use s3edge::request::RequestHead;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::Sha256;

const BUCKET: &str = "uploads";
const BOUNDARY: &str = "----s3edgeFormBoundaryT3st";
/// One hour after the environment's clock (2026-01-01T00:00:00Z).
const LATER: &str = "2026-01-01T01:00:00.000Z";

fn env_with_bucket() -> Env {
    let env = Env::new();
    assert_eq!(env.create_bucket(BUCKET).status, 200);
    env
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn b64(data: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A form: fields in order, then the file part (and whatever raw bytes end the body).
struct Form {
    fields: Vec<(String, String)>,
    filename: Option<String>,
    file: Vec<u8>,
    ending: Vec<u8>,
}

impl Form {
    fn new(fields: &[(&str, &str)], file: &[u8]) -> Form {
        Form {
            fields: fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            filename: Some("photo.jpg".into()),
            file: file.to_vec(),
            ending: format!("\r\n--{BOUNDARY}--\r\n").into_bytes(),
        }
    }

    fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in &self.fields {
            out.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let filename = self
            .filename
            .as_ref()
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"{filename}\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.file);
        out.extend_from_slice(&self.ending);
        out
    }

    /// Signs the form with SigV4 by `cred`: a policy with `conditions` (the bucket's and the
    /// SigV4 fields' are added), and the four SigV4 fields.
    fn signed_v4(mut self, cred: Cred, conditions: Vec<Value>) -> Form {
        let date = "20260101";
        let credential = format!("{}/{date}/{REGION}/s3/aws4_request", cred.access_key);
        let amz_date = format!("{date}T000000Z");
        let mut all = vec![json!({"bucket": BUCKET})];
        all.extend(conditions);
        all.push(json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}));
        all.push(json!({"x-amz-credential": credential}));
        all.push(json!({"x-amz-date": amz_date}));
        let policy = b64(json!({"expiration": LATER, "conditions": all}).to_string());
        let mut key = hmac_sha256(format!("AWS4{}", cred.secret).as_bytes(), date.as_bytes());
        for part in [REGION, "s3", "aws4_request"] {
            key = hmac_sha256(&key, part.as_bytes());
        }
        let signature = hex::encode(hmac_sha256(&key, policy.as_bytes()));
        for (name, value) in [
            ("x-amz-algorithm", "AWS4-HMAC-SHA256".to_string()),
            ("x-amz-credential", credential),
            ("x-amz-date", amz_date),
            ("policy", policy),
            ("x-amz-signature", signature),
        ] {
            self.fields.push((name.into(), value));
        }
        self
    }

    /// Signs the form with SigV2: `policy_json` as is, `AWSAccessKeyId` and `signature`.
    fn signed_v2(mut self, cred: Cred, policy_json: &Value) -> Form {
        let policy = b64(policy_json.to_string());
        let mut mac = Hmac::<Sha1>::new_from_slice(cred.secret.as_bytes()).unwrap();
        mac.update(policy.as_bytes());
        let signature = b64(mac.finalize().into_bytes());
        self.fields
            .push(("AWSAccessKeyId".into(), cred.access_key.into()));
        self.fields.push(("policy".into(), policy));
        self.fields.push(("signature".into(), signature));
        self
    }

    fn post(&self, env: &Env) -> Resp {
        post_raw(env, BUCKET, self.body())
    }
}

fn post_head(bucket: &str, length: usize) -> RequestHead {
    RequestHead::new(
        "POST",
        &format!("/{bucket}"),
        "",
        vec![
            ("host".into(), HOST.into()),
            (
                "content-type".into(),
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ),
            ("content-length".into(), length.to_string()),
        ],
    )
}

fn post_raw(env: &Env, bucket: &str, body: Vec<u8>) -> Resp {
    env.handle(post_head(bucket, body.len()), body)
}

/// The conditions that let a form with these fields through: one exact match per field.
fn exact(fields: &[(&str, &str)]) -> Vec<Value> {
    fields.iter().map(|(n, v)| json!({ *n: *v })).collect()
}

fn signed(fields: &[(&str, &str)], file: &[u8]) -> Form {
    Form::new(fields, file).signed_v4(ALICE, exact(fields))
}

/// Object blobs and listing entries of the bucket: what a refused upload must not leave.
fn leftovers(env: &Env) -> (Vec<String>, Vec<String>) {
    (env.blobs(), env.index_entries())
}

#[test]
fn a_signed_form_stores_the_file_with_its_attributes() {
    let env = env_with_bucket();
    let file: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    let fields = [
        ("key", "docs/report.bin"),
        ("Content-Type", "application/x-report"),
        ("Cache-Control", "max-age=60"),
        ("Content-Disposition", "attachment"),
        ("x-amz-meta-color", "blue"),
        ("x-amz-storage-class", "STANDARD_IA"),
        (
            "tagging",
            "<Tagging><TagSet><Tag><Key>team</Key><Value>red</Value></Tag></TagSet></Tagging>",
        ),
    ];
    let resp = signed(&fields, &file).post(&env);
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("etag"), Some(quoted_md5(&file).as_str()));
    assert_eq!(
        resp.header("location"),
        Some(format!("http://{HOST}/{BUCKET}/docs/report.bin").as_str())
    );

    let got = env.get(BUCKET, "docs/report.bin");
    assert_eq!(got.status, 200);
    assert_eq!(got.body, file);
    assert_eq!(got.header("etag"), Some(quoted_md5(&file).as_str()));
    assert_eq!(got.header("content-type"), Some("application/x-report"));
    assert_eq!(got.header("cache-control"), Some("max-age=60"));
    assert_eq!(got.header("content-disposition"), Some("attachment"));
    assert_eq!(got.header("x-amz-meta-color"), Some("blue"));
    assert_eq!(got.header("x-amz-storage-class"), Some("STANDARD_IA"));
    assert_eq!(got.header("x-amz-tagging-count"), Some("1"));
    let record = env.record(BUCKET, "docs/report.bin").unwrap();
    assert_eq!(record.tags, vec![("team".to_string(), "red".to_string())]);
    assert_eq!(env.blobs().len(), 1);
}

#[test]
fn success_action_status_and_redirect() {
    let env = env_with_bucket();
    let with = |extra: &[(&str, &str)]| {
        let mut fields = vec![("key", "a b.txt")];
        fields.extend_from_slice(extra);
        signed(&fields, b"hello").post(&env)
    };
    let created = with(&[("success_action_status", "201")]);
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("content-type"), Some("application/xml"));
    let text = created.text();
    assert_eq!(xml_values(&text, "Bucket"), [BUCKET]);
    assert_eq!(xml_values(&text, "Key"), ["a b.txt"]);
    assert_eq!(xml_values(&text, "ETag"), [quoted_md5(b"hello")]);
    assert_eq!(
        xml_values(&text, "Location"),
        [format!("http://{HOST}/{BUCKET}/a%20b.txt")]
    );
    assert_eq!(with(&[("success_action_status", "200")]).status, 200);
    let other = with(&[("success_action_status", "404")]);
    assert_eq!((other.status, other.body.len()), (204, 0));

    let redirect = with(&[("success_action_redirect", "https://app.test/done?from=form")]);
    assert_eq!(redirect.status, 303);
    assert_eq!(
        redirect.header("location").unwrap(),
        format!(
            "https://app.test/done?from=form&bucket={BUCKET}&key=a%20b.txt&etag=%22{}%22",
            md5_hex(b"hello")
        )
    );
    // A URL S3 cannot interpret is ignored.
    let ignored = with(&[("redirect", "not a url"), ("success_action_status", "201")]);
    assert_eq!(ignored.status, 201);
}

#[test]
fn key_takes_the_file_name() {
    let env = env_with_bucket();
    let mut form = Form::new(&[("key", "users/alice/${filename}")], b"image")
        .signed_v4(ALICE, vec![json!(["starts-with", "$key", "users/alice/"])]);
    form.filename = Some("C:\\My Pictures\\cat.jpg".into());
    let resp = form.post(&env);
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(env.get(BUCKET, "users/alice/cat.jpg").body, b"image");
}

#[test]
fn policy_conditions_are_enforced_and_nothing_is_stored_when_they_fail() {
    let env = env_with_bucket();
    let prefix = vec![json!(["starts-with", "$key", "in/"])];
    let failing = [
        (
            Form::new(&[("key", "out/x")], b"x").signed_v4(ALICE, prefix.clone()),
            (403, "AccessDenied"),
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "in/"]"#,
        ),
        (
            Form::new(&[("key", "in/x"), ("x-amz-meta-extra", "1")], b"x")
                .signed_v4(ALICE, prefix.clone()),
            (403, "AccessDenied"),
            "Invalid according to Policy: Extra input fields: x-amz-meta-extra",
        ),
        (
            Form::new(&[("key", "in/x")], &[7u8; 101]).signed_v4(ALICE, {
                let mut c = prefix.clone();
                c.push(json!(["content-length-range", 1, 100]));
                c
            }),
            (400, "EntityTooLarge"),
            "Your proposed upload exceeds the maximum allowed size",
        ),
        (
            Form::new(&[("key", "in/x")], b"tiny").signed_v4(ALICE, {
                let mut c = prefix.clone();
                c.push(json!(["content-length-range", 5, 100]));
                c
            }),
            (400, "EntityTooSmall"),
            "Your proposed upload is smaller than the minimum allowed size",
        ),
    ];
    for (form, (status, code), message) in failing {
        let resp = form.post(&env);
        resp.assert_error(status, code);
        assert_eq!(xml_values(&resp.text(), "Message"), [message]);
    }
    let too_large = Form::new(&[("key", "in/x")], &[7u8; 101])
        .signed_v4(
            ALICE,
            vec![
                json!(["starts-with", "$key", ""]),
                json!(["content-length-range", 0, 100]),
            ],
        )
        .post(&env);
    assert_eq!(xml_values(&too_large.text(), "ProposedSize"), ["101"]);
    assert_eq!(xml_values(&too_large.text(), "MaxSizeAllowed"), ["100"]);
    assert_eq!(leftovers(&env), (vec![], vec![]));
    // The same form within its policy goes through.
    let ok = Form::new(&[("key", "in/x")], b"x")
        .signed_v4(ALICE, prefix)
        .post(&env);
    assert_eq!(ok.status, 204, "{}", ok.text());
}

#[test]
fn an_expired_policy_is_refused() {
    let env = env_with_bucket();
    let policy = json!({
        "expiration": "2025-12-31T23:59:59Z",
        "conditions": [{"bucket": BUCKET}, {"key": "k"}],
    });
    let resp = Form::new(&[("key", "k")], b"x")
        .signed_v2(ALICE, &policy)
        .post(&env);
    resp.assert_error(403, "AccessDenied");
    assert_eq!(
        xml_values(&resp.text(), "Message"),
        ["Invalid according to Policy: Policy expired."]
    );
    assert_eq!(leftovers(&env), (vec![], vec![]));
}

#[test]
fn malformed_policies() {
    let env = env_with_bucket();
    let no_expiration = json!({"conditions": [{"bucket": BUCKET}, {"key": "k"}]});
    let resp = Form::new(&[("key", "k")], b"x")
        .signed_v2(ALICE, &no_expiration)
        .post(&env);
    resp.assert_error(400, "InvalidPolicyDocument");
    assert_eq!(
        xml_values(&resp.text(), "Message"),
        ["Invalid Policy: Policy missing expiration."]
    );
    // A policy that is not base64 JSON: the signature covers the field as sent, so it verifies,
    // and the document is then refused.
    let mut form = Form::new(&[("key", "k")], b"x");
    let garbage = "bm90IGpzb24=";
    let mut mac = Hmac::<Sha1>::new_from_slice(ALICE.secret.as_bytes()).unwrap();
    mac.update(garbage.as_bytes());
    form.fields
        .push(("AWSAccessKeyId".into(), ALICE.access_key.into()));
    form.fields.push(("policy".into(), garbage.into()));
    form.fields
        .push(("signature".into(), b64(mac.finalize().into_bytes())));
    form.post(&env).assert_error(400, "InvalidPolicyDocument");
}

#[test]
fn bad_signatures_and_keys() {
    let env = env_with_bucket();
    let mut form = signed(&[("key", "k")], b"x");
    let signature = form
        .fields
        .iter_mut()
        .find(|(n, _)| n == "x-amz-signature")
        .unwrap();
    signature.1 = format!("0{}", &signature.1[1..]);
    let resp = form.post(&env);
    resp.assert_error(403, "SignatureDoesNotMatch");
    assert!(!resp.text().contains(ALICE.secret));

    let unknown = Cred {
        access_key: "AKIDNOBODY000000000",
        secret: "whatever",
    };
    Form::new(&[("key", "k")], b"x")
        .signed_v4(unknown, exact(&[("key", "k")]))
        .post(&env)
        .assert_error(403, "InvalidAccessKeyId");
    // The policy was signed with another secret.
    let forged = Cred {
        access_key: ALICE.access_key,
        secret: "not-alices-secret",
    };
    Form::new(&[("key", "k")], b"x")
        .signed_v2(
            forged,
            &json!({"expiration": LATER, "conditions": [{"bucket": BUCKET}, {"key": "k"}]}),
        )
        .post(&env)
        .assert_error(403, "SignatureDoesNotMatch");
    // A signature needs its policy.
    let resp = Form::new(&[("key", "k"), ("signature", "abc")], b"x").post(&env);
    resp.assert_error(400, "InvalidArgument");
    assert_eq!(xml_values(&resp.text(), "ArgumentName"), ["Policy"]);
    assert_eq!(leftovers(&env), (vec![], vec![]));
}

#[test]
fn a_sigv2_form_with_case_insensitive_names() {
    let env = env_with_bucket();
    let policy = json!({
        "expiration": LATER,
        "conditions": [
            {"bUcKeT": BUCKET},
            ["StArTs-WiTh", "$KeY", "v2/"],
            {"AcL": "public-read"},
            ["starts-with", "$Content-Type", "text/"],
        ],
    });
    let resp = Form::new(
        &[
            ("kEy", "v2/doc.txt"),
            ("ACL", "public-read"),
            ("content-type", "text/plain"),
        ],
        b"version two",
    )
    .signed_v2(BOB, &policy)
    .post(&env);
    // Bob may not write into Alice's bucket: authenticated, then refused by authorization.
    resp.assert_error(403, "AccessDenied");
    let resp = Form::new(
        &[
            ("kEy", "v2/doc.txt"),
            ("ACL", "public-read"),
            ("content-type", "text/plain"),
        ],
        b"version two",
    )
    .signed_v2(ALICE, &policy)
    .post(&env);
    assert_eq!(resp.status, 204, "{}", resp.text());
    let got = env.get(BUCKET, "v2/doc.txt");
    assert_eq!(got.body, b"version two");
    assert_eq!(got.header("content-type"), Some("text/plain"));
    // The ACL field: anyone may read it now.
    let anonymous = env
        .req("GET", &object_path(BUCKET, "v2/doc.txt"))
        .anonymous()
        .send();
    assert_eq!(anonymous.status, 200, "{}", anonymous.text());
}

#[test]
fn anonymous_forms_need_a_publicly_writable_bucket() {
    let env = env_with_bucket();
    let form = Form::new(
        &[
            ("key", "drop/box.txt"),
            ("acl", "bucket-owner-full-control"),
        ],
        b"anon",
    );
    form.post(&env).assert_error(403, "AccessDenied");
    assert_eq!(leftovers(&env), (vec![], vec![]));

    let acl = env
        .req("PUT", &format!("/{BUCKET}"))
        .query("acl")
        .header("x-amz-acl", "public-read-write")
        .send();
    assert_eq!(acl.status, 200, "{}", acl.text());
    let resp = form.post(&env);
    assert_eq!(resp.status, 204, "{}", resp.text());
    // The bucket owner reads it through the ACL the form gave.
    assert_eq!(env.get(BUCKET, "drop/box.txt").body, b"anon");
    // Its owner is the anonymous writer.
    let record = env.record(BUCKET, "drop/box.txt").unwrap();
    assert_eq!(
        record.owner.as_deref(),
        Some(s3edge::ops::acl::ANONYMOUS_ID)
    );
}

#[test]
fn a_bucket_policy_sees_the_post_auth_type() {
    let env = env_with_bucket();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{BUCKET}/*"),
            "Condition": {"StringEquals": {"s3:authType": "POST"}},
        }],
    })
    .to_string();
    let put = env
        .req("PUT", &format!("/{BUCKET}"))
        .query("policy")
        .body(policy)
        .send();
    assert_eq!(put.status, 204, "{}", put.text());
    signed(&[("key", "k")], b"x")
        .post(&env)
        .assert_error(403, "AccessDenied");
    assert_eq!(env.put(BUCKET, "k", b"by PUT").status, 200);
}

#[test]
fn a_malformed_end_stores_nothing_and_keeps_the_previous_object() {
    let env = env_with_bucket();
    assert_eq!(env.put(BUCKET, "k", b"previous").status, 200);
    let before = (env.blobs(), env.index_entries());
    let endings = [
        format!("\r\n--{BOUNDARY}X--\r\n"),
        format!("\r\n--{BOUNDARY}--\r\nan epilogue"),
        format!("\r\n--{BOUNDARY}--"),
    ];
    for ending in endings {
        let mut form = signed(&[("key", "k")], &[1u8; 5000]);
        form.ending = ending.clone().into_bytes();
        let resp = form.post(&env);
        resp.assert_error(400, "MalformedPOSTRequest");
        assert_eq!((env.blobs(), env.index_entries()), before, "{ending:?}");
        assert_eq!(env.get(BUCKET, "k").body, b"previous");
    }
    // A body shorter than its Content-Length: the client stopped sending.
    let body = signed(&[("key", "k")], &[1u8; 5000]).body();
    let resp = env.handle(
        post_head(BUCKET, body.len()),
        body[..body.len() - 100].to_vec(),
    );
    resp.assert_error(400, "IncompleteBody");
    assert_eq!((env.blobs(), env.index_entries()), before);
    assert_eq!(env.get(BUCKET, "k").body, b"previous");
}

#[test]
fn parts_after_the_file_are_ignored_as_s3_ignores_them() {
    let env = env_with_bucket();
    assert_eq!(env.put(BUCKET, "k", b"previous").status, 200);
    let file = [7u8; 5000];
    for slice in [1, 13, 1 << 20] {
        env.store.slice.set(slice);
        let mut form = signed(&[("key", "k")], &file);
        form.ending = format!(
            "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n--{BOUNDARY}--\r\n"
        )
        .into_bytes();
        let resp = form.post(&env);
        assert_eq!(resp.status, 204, "slice {slice}: {}", resp.text());
        let md5 = format!("\"{}\"", hex::encode(md5::Md5::digest(file)));
        assert_eq!(resp.header("etag"), Some(md5.as_str()));
        let got = env.get(BUCKET, "k");
        assert_eq!(got.body, file, "slice {slice}");
        assert_eq!(got.header("etag"), Some(md5.as_str()));
        // The streamed blob (file and the part after it) is gone; only the file's stays (a
        // form's file is kept in a blob whatever its size), and the previous object's is gone.
        assert_eq!(env.blobs().len(), 1, "slice {slice}: {:?}", env.blobs());
    }
}

#[test]
fn file_bytes_are_exact_whatever_the_slices() {
    let file: Vec<u8> = (0..70_000u32)
        .map(|i| {
            if i % 97 == 0 {
                b'\r'
            } else if i % 89 == 0 {
                b'-'
            } else {
                (i % 251) as u8
            }
        })
        .collect();
    for slice in [1, 2, 13, 4096, 1 << 20] {
        let env = env_with_bucket();
        env.store.slice.set(slice);
        let resp = signed(&[("key", "k")], &file).post(&env);
        assert_eq!(resp.status, 204, "slice {slice}: {}", resp.text());
        assert_eq!(env.get(BUCKET, "k").body, file, "slice {slice}");
    }
    // An empty file.
    let env = env_with_bucket();
    assert_eq!(signed(&[("key", "empty")], b"").post(&env).status, 204);
    assert_eq!(env.get(BUCKET, "empty").body, b"");
}

#[test]
fn checksums_and_content_md5_are_verified() {
    let env = env_with_bucket();
    let data = b"checksummed bytes";
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data);
    let crc = b64(crc.to_be_bytes());
    let resp = signed(
        &[
            ("key", "c"),
            ("x-amz-checksum-algorithm", "CRC32"),
            ("x-amz-checksum-crc32", &crc),
        ],
        data,
    )
    .post(&env);
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(resp.header("x-amz-checksum-crc32"), Some(crc.as_str()));
    let got = env
        .req("GET", &object_path(BUCKET, "c"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send();
    assert_eq!(got.header("x-amz-checksum-crc32"), Some(crc.as_str()));

    let wrong_crc = signed(&[("key", "d"), ("x-amz-checksum-crc32", "AAAAAA==")], data).post(&env);
    wrong_crc.assert_error(400, "BadDigest");
    let wrong_md5 = signed(&[("key", "d"), ("Content-MD5", &md5_b64(b"other"))], data).post(&env);
    wrong_md5.assert_error(400, "BadDigest");
    let right_md5 = signed(&[("key", "e"), ("Content-MD5", &md5_b64(data))], data).post(&env);
    assert_eq!(right_md5.status, 204, "{}", right_md5.text());
    assert!(env.record(BUCKET, "d").is_none());
    assert_eq!(env.blobs().len(), 2);
}

#[test]
fn requests_that_are_not_proper_forms() {
    let env = env_with_bucket();
    let body = signed(&[("key", "k")], b"x").body();
    let mut head = post_head(BUCKET, body.len());
    head.headers.retain(|(n, _)| n != "content-type");
    head.headers
        .push(("content-type".into(), "application/octet-stream".into()));
    let resp = env.handle(head, body.clone());
    resp.assert_error(412, "PreconditionFailed");
    assert_eq!(
        xml_values(&resp.text(), "Condition"),
        ["Bucket POST must be of the enclosure-type multipart/form-data"]
    );
    let mut head = post_head(BUCKET, body.len());
    head.headers.retain(|(n, _)| n != "content-length");
    env.handle(head, body.clone())
        .assert_error(411, "MissingContentLength");
    post_raw(&env, "no-such-bucket", body).assert_error(404, "NoSuchBucket");

    let no_file = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{BOUNDARY}--\r\n"
    );
    post_raw(&env, BUCKET, no_file.into_bytes())
        .assert_error(400, "IncorrectNumberOfFilesInPostRequest");
    let resp = signed(&[("Content-Type", "text/plain")], b"x").post(&env);
    resp.assert_error(400, "InvalidArgument");
    assert_eq!(xml_values(&resp.text(), "ArgumentName"), ["key"]);
    let big = "v".repeat(21 * 1024);
    signed(&[("key", "k"), ("x-amz-meta-big", &big)], b"x")
        .post(&env)
        .assert_error(400, "MaxPostPreDataLengthExceededError");
    post_raw(
        &env,
        BUCKET,
        b"not a multipart body at all, just bytes".to_vec(),
    )
    .assert_error(400, "MalformedPOSTRequest");
    assert_eq!(leftovers(&env), (vec![], vec![]));
}

#[test]
fn a_preflight_never_reads_the_form() {
    let env = env_with_bucket();
    let body = signed(&[("key", "k")], &[0u8; 3 << 20]).body();
    let preflight_of = |bucket: &str| {
        let mut head = post_head(bucket, body.len());
        head.headers.retain(|(n, _)| n != "content-length");
        head.headers.push((
            "x-s3edge-preflight".into(),
            format!("content-length={}", body.len()),
        ));
        env.handle(head, Vec::new())
    };
    let resp = preflight_of(BUCKET);
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(resp.header("x-s3edge-preflight"), Some("continue"));
    assert_eq!(leftovers(&env), (vec![], vec![]));
    let missing = preflight_of("no-such-bucket");
    missing.assert_error(404, "NoSuchBucket");
    assert_eq!(missing.header("x-s3edge-preflight"), Some("final"));
    // The upload that follows goes through.
    assert_eq!(post_raw(&env, BUCKET, body.clone()).status, 204);
}

#[test]
fn answers_carry_the_buckets_cors_headers() {
    let env = env_with_bucket();
    let cors = "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.test</AllowedOrigin>\
                <AllowedMethod>POST</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>";
    let put = env
        .req("PUT", &format!("/{BUCKET}"))
        .query("cors")
        .header("content-md5", &md5_b64(cors.as_bytes()))
        .body(cors)
        .send();
    assert_eq!(put.status, 200, "{}", put.text());
    let send = |form: Form| {
        let body = form.body();
        let mut head = post_head(BUCKET, body.len());
        head.headers
            .push(("origin".into(), "https://app.test".into()));
        env.handle(head, body)
    };
    let ok = send(signed(&[("key", "k")], b"x"));
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://app.test")
    );
    assert_eq!(ok.header("access-control-expose-headers"), Some("ETag"));
    let refused = send(Form::new(&[("key", "k")], b"x"));
    refused.assert_error(403, "AccessDenied");
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("https://app.test")
    );
}

#[test]
fn virtual_hosted_forms_answer_the_bucket_hosts_url() {
    let mut env = env_with_bucket();
    env.config.router.base_domain = Some("s3.example.test".into());
    let body = signed(&[("key", "k.txt"), ("success_action_status", "201")], b"x").body();
    let mut head = post_head(BUCKET, body.len());
    head.path = "/".into();
    head.headers.retain(|(n, _)| n != "host");
    head.headers
        .push(("host".into(), format!("{BUCKET}.s3.example.test")));
    let resp = env.handle(head, body);
    assert_eq!(resp.status, 201, "{}", resp.text());
    assert_eq!(
        xml_values(&resp.text(), "Location"),
        [format!("http://{BUCKET}.s3.example.test/k.txt")]
    );
    assert_eq!(env.get(BUCKET, "k.txt").body, b"x");
}
