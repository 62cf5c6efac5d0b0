//! The `x-amz-grant-*` request headers: one per permission, each a comma-separated list of
//! `type=value` grantees (`id="<canonical id>"`, `uri="<group URI>"`,
//! `emailAddress="<e-mail>"`), as PutBucketAcl and PutObjectAcl describe them; and
//! [`acl_from_headers`], which takes either these or `x-amz-acl`, never both.
//!
//! Errors are S3's: a value that is not such a list (an empty one included) is InvalidArgument
//! "Argument format not recognized" naming the header; an unknown id is InvalidArgument
//! "Invalid id" (`ArgumentName` id), an unknown group URI InvalidArgument "Invalid group uri"
//! (`ArgumentName` uri), an unknown e-mail UnresolvableGrantByEmailAddress. The value may be
//! quoted or not (the AWS CLI sends `id=...` bare); the type is matched case-insensitively.

use super::{AccountLookup, Acl, Grant, Grantee, Group, Owner, Permission, Target};
use crate::error::{ErrorCode, S3Error};

/// The ACL request of PutObject/CopyObject/CreateMultipartUpload/CreateBucket/PutBucketAcl/
/// PutObjectAcl headers: x-amz-acl and x-amz-grant-* are exclusive. Both → InvalidRequest
/// "Specifying both Canned ACLs and Header Grants is not allowed" (the code S3 answers with, as
/// botocore reports it). Ok(None) when the request carries neither.
pub fn acl_from_headers(
    headers: &[(String, String)],
    target: Target,
    owner: &Owner,
    bucket_owner: &Owner,
    lookup: &dyn AccountLookup,
) -> Result<Option<Acl>, S3Error> {
    let canned_name = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-acl"))
        .map(|(_, value)| value.as_str());
    let has_grants = headers
        .iter()
        .any(|(name, _)| grant_permission(name).is_some());
    match canned_name {
        Some(_) if has_grants => Err(S3Error::with_message(
            ErrorCode::InvalidRequest,
            "Specifying both Canned ACLs and Header Grants is not allowed",
        )),
        Some(name) => Acl::canned(name, target, owner, bucket_owner).map(Some),
        None => Acl::from_grant_headers(headers, owner, lookup),
    }
}

/// The permission a grant header gives, or None for any other header.
pub(super) fn grant_permission(header: &str) -> Option<Permission> {
    Permission::ALL
        .into_iter()
        .find(|p| p.header_name().eq_ignore_ascii_case(header))
}

pub(super) fn from_grant_headers(
    headers: &[(String, String)],
    owner: &Owner,
    lookup: &dyn AccountLookup,
) -> Result<Option<Acl>, S3Error> {
    let mut present = false;
    let mut grants = Vec::new();
    for (name, value) in headers {
        let Some(permission) = grant_permission(name) else {
            continue;
        };
        present = true;
        let header = permission.header_name();
        for grantee in parse_list(header, value)? {
            grants.push(Grant {
                grantee: resolve(grantee, lookup)?,
                permission,
            });
        }
    }
    Ok(present.then(|| Acl {
        owner: owner.clone(),
        grants,
    }))
}

/// One grantee as written in a header, before looking it up.
#[derive(Debug, PartialEq, Eq)]
enum Written<'a> {
    Id(&'a str),
    Uri(&'a str),
    Email(&'a str),
}

fn format_error(header: &'static str, value: &str) -> S3Error {
    S3Error::with_message(ErrorCode::InvalidArgument, "Argument format not recognized")
        .detail("ArgumentName", header)
        .detail("ArgumentValue", value)
}

/// Splits a header value into its grantees: commas separate them except inside quotes.
fn parse_list<'a>(header: &'static str, value: &'a str) -> Result<Vec<Written<'a>>, S3Error> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (at, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(format_error(header, value));
    }
    items.push(&value[start..]);
    items
        .into_iter()
        .map(|item| parse_item(item).ok_or_else(|| format_error(header, value)))
        .collect()
}

fn parse_item(item: &str) -> Option<Written<'_>> {
    let (kind, value) = item.split_once('=')?;
    let value = value.trim();
    let value = match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => value,
    };
    if value.is_empty() || value.contains('"') {
        return None;
    }
    let kind = kind.trim();
    if kind.eq_ignore_ascii_case("id") {
        Some(Written::Id(value))
    } else if kind.eq_ignore_ascii_case("uri") {
        Some(Written::Uri(value))
    } else if kind.eq_ignore_ascii_case("emailAddress") {
        Some(Written::Email(value))
    } else {
        None
    }
}

fn resolve(written: Written<'_>, lookup: &dyn AccountLookup) -> Result<Grantee, S3Error> {
    match written {
        Written::Id(id) => lookup.by_id(id).map(|o| Grantee::user(&o)).ok_or_else(|| {
            S3Error::with_message(ErrorCode::InvalidArgument, "Invalid id")
                .detail("ArgumentName", "id")
                .detail("ArgumentValue", id)
        }),
        Written::Uri(uri) => Group::from_uri(uri).map(Grantee::Group).ok_or_else(|| {
            S3Error::with_message(ErrorCode::InvalidArgument, "Invalid group uri")
                .detail("ArgumentName", "uri")
                .detail("ArgumentValue", uri)
        }),
        Written::Email(email) => lookup
            .by_email(email)
            .map(|o| Grantee::user(&o))
            .ok_or_else(|| S3Error::new(ErrorCode::UnresolvableGrantByEmailAddress)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

    fn user(id: &str) -> Grantee {
        Grantee::user(&owner(id))
    }

    fn grants(pairs: &[(&str, &str)]) -> Result<Option<Vec<Grant>>, S3Error> {
        Acl::from_grant_headers(&headers(pairs), &owner(ALICE), &Users)
            .map(|acl| acl.map(|acl| acl.grants))
    }

    fn grant(grantee: Grantee, permission: Permission) -> Grant {
        Grant {
            grantee,
            permission,
        }
    }

    #[test]
    fn no_grant_header_is_none() {
        assert_eq!(grants(&[]).unwrap(), None);
        assert_eq!(
            grants(&[("x-amz-acl", "private"), ("x-amz-grant", "id=x")]).unwrap(),
            None
        );
    }

    #[test]
    fn each_header_gives_its_permission() {
        let value = format!("id=\"{BOB}\"");
        for permission in Permission::ALL {
            let acl = Acl::from_grant_headers(
                &headers(&[(permission.header_name(), &value)]),
                &owner(ALICE),
                &Users,
            )
            .unwrap()
            .unwrap();
            // Exactly the grants named: S3 adds none for the owner.
            assert_eq!(acl.owner, owner(ALICE));
            assert_eq!(acl.grants, vec![grant(user(BOB), permission)]);
        }
    }

    #[test]
    fn lists_quoting_and_kinds() {
        let value = format!(
            "id=\"{BOB}\", uri=\"{ALL_USERS}\",emailAddress=\"alice@example.com\" , ID={CAROL},\
             EmailAddress = bob@example.com,uri=\"http://acs.amazonaws.com/groups/s3/LogDelivery\""
        );
        assert_eq!(
            grants(&[("x-amz-grant-read", &value)]).unwrap().unwrap(),
            vec![
                grant(user(BOB), Permission::Read),
                grant(Grantee::Group(Group::AllUsers), Permission::Read),
                grant(user(ALICE), Permission::Read),
                grant(user(CAROL), Permission::Read),
                grant(user(BOB), Permission::Read),
                grant(Grantee::Group(Group::LogDelivery), Permission::Read),
            ]
        );
        // Several headers, in request order; a repeated header counts each time.
        let got = grants(&[
            ("x-amz-grant-write", &format!("uri=\"{ALL_USERS}\"")),
            ("x-amz-meta-x", "id=nothing"),
            ("x-amz-grant-full-control", &format!("id=\"{CAROL}\"")),
            ("x-amz-grant-write", &format!("id=\"{BOB}\"")),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            got,
            vec![
                grant(Grantee::Group(Group::AllUsers), Permission::Write),
                grant(user(CAROL), Permission::FullControl),
                grant(user(BOB), Permission::Write),
            ]
        );
        // A quoted value may hold a comma (an e-mail with one is still looked up whole).
        let err = grants(&[("x-amz-grant-read", "emailAddress=\"a,b@example.com\"")]).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnresolvableGrantByEmailAddress);
    }

    #[test]
    fn malformed_values_are_format_errors() {
        for value in [
            "",
            "   ",
            "nobody",
            "id",
            "id=",
            "id=\"\"",
            "id=\"abc",
            "id=abc\"",
            "id=\"a\"b\"",
            "name=\"bob\"",
            "canonical=\"x\"",
            "id=\"x\",",
            ",id=\"x\"",
            "id=\"x\";uri=\"y\"",
        ] {
            let err = grants(&[("x-amz-grant-read-acp", value)]).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{value:?}");
            assert_eq!(err.message, "Argument format not recognized", "{value:?}");
            assert_eq!(
                err.details,
                vec![
                    ("ArgumentName", "x-amz-grant-read-acp".to_string()),
                    ("ArgumentValue", value.to_string())
                ],
                "{value:?}"
            );
        }
    }

    #[test]
    fn unknown_grantees() {
        let err =
            grants(&[("x-amz-grant-read", &format!("id=\"{BOB}\", id=\"0123\""))]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
        assert_eq!(err.message, "Invalid id");
        assert_eq!(
            err.details,
            vec![
                ("ArgumentName", "id".to_string()),
                ("ArgumentValue", "0123".to_string())
            ]
        );

        for uri in [
            "http://acs.amazonaws.com/groups/global/Authenticated",
            "https://acs.amazonaws.com/groups/global/AllUsers",
            "http://acs.amazonaws.com/groups/global/allusers",
        ] {
            let err = grants(&[("x-amz-grant-write", &format!("uri=\"{uri}\""))]).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{uri}");
            assert_eq!(err.message, "Invalid group uri");
            assert_eq!(
                err.details,
                vec![
                    ("ArgumentName", "uri".to_string()),
                    ("ArgumentValue", uri.to_string())
                ]
            );
        }

        let err = grants(&[(
            "x-amz-grant-full-control",
            "emailAddress=\"nobody@example.com\"",
        )])
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::UnresolvableGrantByEmailAddress);
    }

    #[test]
    fn email_grants_resolve_to_the_canonical_user() {
        assert_eq!(
            grants(&[("x-amz-grant-read", "emailAddress=\"bob@example.com\"")])
                .unwrap()
                .unwrap(),
            vec![grant(
                Grantee::User {
                    id: BOB.into(),
                    display_name: "bob".into()
                },
                Permission::Read
            )]
        );
    }

    #[test]
    fn acl_from_headers_picks_canned_or_grants_never_both() {
        let alice = owner(ALICE);
        let bucket_owner = owner(BOB);
        let none = acl_from_headers(
            &headers(&[("content-type", "text/plain")]),
            Target::Object,
            &alice,
            &bucket_owner,
            &Users,
        )
        .unwrap();
        assert_eq!(none, None);

        let canned = acl_from_headers(
            &headers(&[("x-amz-acl", "public-read")]),
            Target::Bucket,
            &alice,
            &alice,
            &Users,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            canned,
            Acl::canned("public-read", Target::Bucket, &alice, &alice).unwrap()
        );

        let granted = acl_from_headers(
            &headers(&[("x-amz-grant-read", &format!("id=\"{CAROL}\""))]),
            Target::Object,
            &alice,
            &bucket_owner,
            &Users,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            granted.grants,
            vec![Grant {
                grantee: Grantee::User {
                    id: CAROL.into(),
                    display_name: "carol".into()
                },
                permission: Permission::Read
            }]
        );
        assert_eq!(granted.owner, alice);

        // Unknown canned names are refused through here too.
        let err = acl_from_headers(
            &headers(&[("x-amz-acl", "privatee")]),
            Target::Object,
            &alice,
            &bucket_owner,
            &Users,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);

        for grant_header in Permission::ALL.map(Permission::header_name) {
            let err = acl_from_headers(
                &headers(&[
                    ("x-amz-acl", "private"),
                    (
                        grant_header,
                        "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"",
                    ),
                ]),
                Target::Object,
                &alice,
                &bucket_owner,
                &Users,
            )
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidRequest, "{grant_header}");
            assert_eq!(
                err.message,
                "Specifying both Canned ACLs and Header Grants is not allowed"
            );
        }
    }
}
