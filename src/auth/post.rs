//! Authentication of a browser upload from its form fields: Signature Version 4
//! (`x-amz-algorithm`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`: the hex HMAC-SHA256
//! of the base64 policy under the credential's signing key), Version 2 (`AWSAccessKeyId`,
//! `signature`: the base64 HMAC-SHA1 of the base64 policy), or neither and no policy: anonymous,
//! for authorization to decide. Follows "Authenticating Requests: Browser-Based Uploads Using
//! POST (AWS Signature Version 4)" and "HTML Forms (AWS Signature Version 2)".

use super::credentials::Users;
use super::sigv4::{self, constant_time_eq, Credential, ALGORITHM, ALGORITHM_V4A};
use super::{find_user, security_token_unsupported, sigv2, AuthMethod, Authenticated, PayloadMode};
use crate::error::{ErrorCode, S3Error};
use crate::post::fields::{missing_field, Form};

/// The signed form: who signed it and the policy its signature covers.
#[derive(Debug, Clone)]
pub struct FormAuth {
    pub auth: Authenticated,
    /// The `policy` field as sent (base64), when the form is signed.
    pub policy: Option<String>,
}

const V4_FIELDS: [&str; 4] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Signature",
];
const V2_FIELDS: [&str; 2] = ["AWSAccessKeyId", "Signature"];

/// Authenticates a form. A form with a policy must carry a whole signature of one version
/// (a field of it missing is InvalidArgument naming the field); a signature without a policy
/// is InvalidArgument naming `Policy`; a form with neither is anonymous.
pub fn authenticate(form: &Form, users: &Users) -> Result<FormAuth, S3Error> {
    if form.has("x-amz-security-token") {
        return Err(security_token_unsupported());
    }
    let Some(policy) = form.get("policy") else {
        if form.has("signature") || form.has("x-amz-signature") {
            return Err(missing_field("Policy"));
        }
        return Ok(FormAuth {
            auth: Authenticated::anonymous(),
            policy: None,
        });
    };
    let v4 = ["x-amz-algorithm", "x-amz-credential", "x-amz-signature"]
        .iter()
        .any(|name| form.has(name));
    let v2 = V2_FIELDS.iter().any(|name| form.has(name));
    let auth = if v4 {
        let [algorithm, credential, date, signature] = required(form, V4_FIELDS)?;
        verify_v4(users, &policy, &algorithm, &credential, &date, &signature)?
    } else if v2 {
        let [access_key_id, signature] = required(form, V2_FIELDS)?;
        verify_v2(users, &policy, &access_key_id, &signature)?
    } else {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    };
    Ok(FormAuth {
        auth,
        policy: Some(policy),
    })
}

fn required<const N: usize>(form: &Form, names: [&str; N]) -> Result<[String; N], S3Error> {
    let mut values: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, name) in values.iter_mut().zip(names) {
        *slot = form.get(name).ok_or_else(|| missing_field(name))?;
    }
    Ok(values)
}

fn invalid_argument(name: &str, value: &str, message: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, message)
        .detail("ArgumentName", name)
        .detail("ArgumentValue", value)
}

fn mismatch(access_key_id: &str, policy: &str, provided: &str) -> S3Error {
    S3Error::new(ErrorCode::SignatureDoesNotMatch)
        .detail("AWSAccessKeyId", access_key_id)
        .detail("StringToSign", policy)
        .detail("SignatureProvided", provided)
}

fn verify_v4(
    users: &Users,
    policy: &str,
    algorithm: &str,
    credential: &str,
    date: &str,
    provided: &str,
) -> Result<Authenticated, S3Error> {
    match algorithm {
        ALGORITHM => {}
        ALGORITHM_V4A => {
            return Err(S3Error::not_implemented(
                "AWS Signature Version 4A (AWS4-ECDSA-P256-SHA256)",
            ))
        }
        _ => {
            return Err(invalid_argument(
                "X-Amz-Algorithm",
                algorithm,
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
            ))
        }
    }
    let credential = Credential::parse(credential).map_err(|_| {
        invalid_argument(
            "X-Amz-Credential",
            credential,
            "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    })?;
    if sigv4::parse_amz_date(date).is_none() {
        return Err(invalid_argument(
            "X-Amz-Date",
            date,
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ));
    }
    let user = find_user(users, &credential.access_key_id)?;
    let key = sigv4::signing_key(
        &user.secret_access_key,
        &credential.date,
        &credential.region,
        &credential.service,
    );
    let expected = sigv4::signature(&key, policy);
    if !constant_time_eq(expected.as_bytes(), provided.as_bytes()) {
        return Err(mismatch(&credential.access_key_id, policy, provided));
    }
    Ok(Authenticated {
        user: Some(user.clone()),
        payload: PayloadMode::Unsigned,
        method: AuthMethod::PostV4,
    })
}

fn verify_v2(
    users: &Users,
    policy: &str,
    access_key_id: &str,
    provided: &str,
) -> Result<Authenticated, S3Error> {
    let user = find_user(users, access_key_id)?;
    let expected = sigv2::signature(&user.secret_access_key, policy);
    if !constant_time_eq(expected.as_bytes(), provided.as_bytes()) {
        return Err(mismatch(access_key_id, policy, provided));
    }
    Ok(Authenticated {
        user: Some(user.clone()),
        payload: PayloadMode::Unsigned,
        method: AuthMethod::PostV2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::Principal;

    const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    /// The policy of "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
    /// Version 4)", base64 as the page gives it (the JSON has CRLF line ends).
    const EXAMPLE_POLICY: &str = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
    /// The signature that page documents for it.
    const EXAMPLE_SIGNATURE: &str =
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";
    const CREDENTIAL: &str = "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request";

    fn users() -> Users {
        Users::single(AKID, SECRET)
    }

    fn form(fields: &[(&str, &str)]) -> Form {
        Form::of_fields(fields, None)
    }

    fn v4_form(signature: &str) -> Form {
        form(&[
            ("key", "user/user1/${filename}"),
            ("X-Amz-Credential", CREDENTIAL),
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Date", "20151229T000000Z"),
            ("Policy", EXAMPLE_POLICY),
            ("X-Amz-Signature", signature),
        ])
    }

    fn code(result: Result<FormAuth, S3Error>) -> ErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn the_documented_sigv4_example_verifies() {
        let signed = authenticate(&v4_form(EXAMPLE_SIGNATURE), &users()).unwrap();
        assert_eq!(signed.auth.method, AuthMethod::PostV4);
        assert_eq!(signed.auth.method.auth_type(), Some("POST"));
        assert_eq!(
            signed.auth.method.signature_version(),
            Some("AWS4-HMAC-SHA256")
        );
        assert_eq!(signed.auth.user.as_ref().unwrap().access_key_id, AKID);
        assert_eq!(signed.policy.as_deref(), Some(EXAMPLE_POLICY));
        assert!(!format!("{signed:?}").contains(SECRET));
    }

    #[test]
    fn a_wrong_sigv4_signature_or_key() {
        let mut wrong = EXAMPLE_SIGNATURE.to_string();
        wrong.replace_range(0..1, "9");
        let err = authenticate(&v4_form(&wrong), &users()).unwrap_err();
        assert_eq!(
            (err.code, err.status()),
            (ErrorCode::SignatureDoesNotMatch, 403)
        );
        assert!(err
            .details
            .contains(&("StringToSign", EXAMPLE_POLICY.to_string())));
        assert!(!err.to_xml("/b", "r").contains(SECRET));
        // Upper-case hex is not the signature S3 computes.
        let upper = EXAMPLE_SIGNATURE.to_ascii_uppercase();
        assert_eq!(
            code(authenticate(&v4_form(&upper), &users())),
            ErrorCode::SignatureDoesNotMatch
        );
        assert_eq!(
            code(authenticate(
                &v4_form(EXAMPLE_SIGNATURE),
                &Users::single(AKID, "other")
            )),
            ErrorCode::SignatureDoesNotMatch
        );
        assert_eq!(
            code(authenticate(
                &v4_form(EXAMPLE_SIGNATURE),
                &Users::single("AKIDOTHER", SECRET)
            )),
            ErrorCode::InvalidAccessKeyId
        );
    }

    #[test]
    fn sigv4_fields_must_all_be_there_and_well_formed() {
        let full = [
            ("X-Amz-Credential", CREDENTIAL),
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Date", "20151229T000000Z"),
            ("Policy", EXAMPLE_POLICY),
            ("X-Amz-Signature", EXAMPLE_SIGNATURE),
        ];
        for missing in [
            "X-Amz-Credential",
            "X-Amz-Algorithm",
            "X-Amz-Date",
            "X-Amz-Signature",
        ] {
            let fields: Vec<_> = full
                .iter()
                .copied()
                .filter(|(n, _)| *n != missing)
                .collect();
            let err = authenticate(&form(&fields), &users()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{missing}");
            assert_eq!(err.details[0], ("ArgumentName", missing.to_string()));
            assert!(err.message.contains(&format!("field named '{missing}'")));
        }
        let with = |name: &str, value: &str| {
            let fields: Vec<_> = full
                .iter()
                .map(|(n, v)| if *n == name { (*n, value) } else { (*n, *v) })
                .collect();
            authenticate(&form(&fields), &users())
        };
        assert_eq!(
            code(with("X-Amz-Algorithm", "AWS4-HMAC-SHA1")),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(with("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256")),
            ErrorCode::NotImplemented
        );
        assert_eq!(
            code(with("X-Amz-Credential", "AKID/20151229/us-east-1")),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(with("X-Amz-Date", "2015-12-29")),
            ErrorCode::InvalidArgument
        );
    }

    /// A SigV2 form as boto3's generate_presigned_post writes it by default, with the signature
    /// botocore computed for it (secret `SK`).
    #[test]
    fn a_sigv2_form() {
        let policy = "eyJleHBpcmF0aW9uIjogIjIwMjYtMTItMDJUMDc6MDQ6MjNaIiwgImNvbmRpdGlvbnMiOiBbeyJhY2wiOiAicHVibGljLXJlYWQifSwgeyJidWNrZXQiOiAiYmt0In0sIFsic3RhcnRzLXdpdGgiLCAiJGtleSIsICJrLyJdXX0=";
        let users = Users::single("AK", "SK");
        let signed = |signature: &str| {
            authenticate(
                &form(&[
                    ("acl", "public-read"),
                    ("key", "k/${filename}"),
                    ("AWSAccessKeyId", "AK"),
                    ("policy", policy),
                    ("signature", signature),
                ]),
                &users,
            )
        };
        let ok = signed("HS5vGUfIIF882O++cK1FoWwvEyc=").unwrap();
        assert_eq!(ok.auth.method, AuthMethod::PostV2);
        assert_eq!(ok.auth.method.auth_type(), Some("POST"));
        assert_eq!(ok.auth.method.signature_version(), Some("AWS"));
        assert_eq!(
            code(signed("HS5vGUfIIF882O++cK1FoWwvEyd=")),
            ErrorCode::SignatureDoesNotMatch
        );
        let no_signature = authenticate(
            &form(&[("key", "k"), ("AWSAccessKeyId", "AK"), ("policy", policy)]),
            &users,
        )
        .unwrap_err();
        assert_eq!(no_signature.code, ErrorCode::InvalidArgument);
        assert_eq!(
            no_signature.details[0],
            ("ArgumentName", "Signature".to_string())
        );
    }

    #[test]
    fn unsigned_forms() {
        let anonymous =
            authenticate(&form(&[("key", "k"), ("acl", "public-read")]), &users()).unwrap();
        assert_eq!(anonymous.auth.method, AuthMethod::Anonymous);
        assert_eq!(anonymous.auth.principal(), Principal::Anonymous);
        assert_eq!(anonymous.policy, None);
        // A signature needs its policy.
        for name in ["signature", "X-Amz-Signature"] {
            let err = authenticate(&form(&[("key", "k"), (name, "x")]), &users()).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument);
            assert_eq!(err.details[0], ("ArgumentName", "Policy".to_string()));
        }
        // A policy needs a signature.
        assert_eq!(
            code(authenticate(
                &form(&[("key", "k"), ("policy", EXAMPLE_POLICY)]),
                &users()
            )),
            ErrorCode::AccessDenied
        );
        assert_eq!(
            code(authenticate(
                &form(&[("key", "k"), ("x-amz-security-token", "t")]),
                &users()
            )),
            ErrorCode::NotImplemented
        );
    }
}
