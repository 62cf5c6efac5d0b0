//! Canned ACLs: the `x-amz-acl` names and the grants each stands for (acl-overview.html
//! "Canned ACL").
//!
//! Every canned ACL starts with the owner's FULL_CONTROL. On a bucket, `bucket-owner-read` and
//! `bucket-owner-full-control` are just that (S3 ignores them when creating a bucket); on an
//! object they add the bucket owner's READ or FULL_CONTROL, unless the bucket owner is the
//! object owner, whose FULL_CONTROL already covers it (S3 then lists one grant).
//! `aws-exec-read` would add Amazon EC2's READ; there is no EC2 here, so it is private.
//! `log-delivery-write` applies to buckets; on an object it is the owner's grant alone.

use super::{Acl, Grant, Grantee, Group, Owner, Permission, Target};
use crate::error::{ErrorCode, S3Error};

/// Every canned ACL name S3 knows.
pub const NAMES: [&str; 8] = [
    "private",
    "public-read",
    "public-read-write",
    "aws-exec-read",
    "authenticated-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
];

pub(super) fn canned(
    name: &str,
    target: Target,
    owner: &Owner,
    bucket_owner: &Owner,
) -> Result<Acl, S3Error> {
    let mut acl = Acl::private(owner.clone());
    let group = |group, permission| Grant {
        grantee: Grantee::Group(group),
        permission,
    };
    let separate_bucket_owner = target == Target::Object && bucket_owner.id != owner.id;
    match name {
        "private" | "aws-exec-read" => {}
        "public-read" => acl.grants.push(group(Group::AllUsers, Permission::Read)),
        "public-read-write" => {
            acl.grants.push(group(Group::AllUsers, Permission::Read));
            acl.grants.push(group(Group::AllUsers, Permission::Write));
        }
        "authenticated-read" => acl
            .grants
            .push(group(Group::AuthenticatedUsers, Permission::Read)),
        "bucket-owner-read" | "bucket-owner-full-control" => {
            if separate_bucket_owner {
                let permission = if name == "bucket-owner-read" {
                    Permission::Read
                } else {
                    Permission::FullControl
                };
                acl.grants.push(Grant {
                    grantee: Grantee::user(bucket_owner),
                    permission,
                });
            }
        }
        "log-delivery-write" => {
            if target == Target::Bucket {
                acl.grants
                    .push(group(Group::LogDelivery, Permission::Write));
                acl.grants
                    .push(group(Group::LogDelivery, Permission::ReadAcp));
            }
        }
        _ => {
            return Err(S3Error::with_message(ErrorCode::InvalidArgument, "")
                .detail("ArgumentName", "x-amz-acl")
                .detail("ArgumentValue", name))
        }
    }
    Ok(acl)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    /// The grants beyond the owner's FULL_CONTROL, written short: `("u", id)` for a user,
    /// `("g", uri)` for a group.
    type Extra = &'static [(&'static str, &'static str, Permission)];

    fn expect(acl_owner: &Owner, extra: Extra) -> Acl {
        let mut acl = Acl::private(acl_owner.clone());
        for &(kind, who, permission) in extra {
            let grantee = match kind {
                "u" => Grantee::user(&owner(who)),
                _ => Grantee::Group(Group::from_uri(who).unwrap()),
            };
            acl.grants.push(Grant {
                grantee,
                permission,
            });
        }
        acl
    }

    const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
    const AUTH_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    const LOG: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

    #[test]
    fn each_canned_acl_on_buckets_and_objects() {
        use Permission::*;
        // (name, target, owner, bucket owner, extra grants).
        let cases: &[(&str, Target, &str, &str, Extra)] = &[
            ("private", Target::Bucket, ALICE, ALICE, &[]),
            ("private", Target::Object, ALICE, BOB, &[]),
            (
                "public-read",
                Target::Bucket,
                ALICE,
                ALICE,
                &[("g", ALL_USERS, Read)],
            ),
            (
                "public-read",
                Target::Object,
                ALICE,
                BOB,
                &[("g", ALL_USERS, Read)],
            ),
            (
                "public-read-write",
                Target::Bucket,
                ALICE,
                ALICE,
                &[("g", ALL_USERS, Read), ("g", ALL_USERS, Write)],
            ),
            (
                "public-read-write",
                Target::Object,
                ALICE,
                BOB,
                &[("g", ALL_USERS, Read), ("g", ALL_USERS, Write)],
            ),
            ("aws-exec-read", Target::Bucket, ALICE, ALICE, &[]),
            ("aws-exec-read", Target::Object, ALICE, BOB, &[]),
            (
                "authenticated-read",
                Target::Bucket,
                ALICE,
                ALICE,
                &[("g", AUTH_USERS, Read)],
            ),
            (
                "authenticated-read",
                Target::Object,
                ALICE,
                BOB,
                &[("g", AUTH_USERS, Read)],
            ),
            ("bucket-owner-read", Target::Bucket, ALICE, BOB, &[]),
            (
                "bucket-owner-read",
                Target::Object,
                ALICE,
                BOB,
                &[("u", BOB, Read)],
            ),
            ("bucket-owner-read", Target::Object, ALICE, ALICE, &[]),
            ("bucket-owner-full-control", Target::Bucket, ALICE, BOB, &[]),
            (
                "bucket-owner-full-control",
                Target::Object,
                ALICE,
                BOB,
                &[("u", BOB, FullControl)],
            ),
            ("bucket-owner-full-control", Target::Object, BOB, BOB, &[]),
            (
                "log-delivery-write",
                Target::Bucket,
                ALICE,
                ALICE,
                &[("g", LOG, Write), ("g", LOG, ReadAcp)],
            ),
            ("log-delivery-write", Target::Object, ALICE, BOB, &[]),
        ];
        for &(name, target, owner_id, bucket_owner_id, extra) in cases {
            let object_owner = owner(owner_id);
            let acl = Acl::canned(name, target, &object_owner, &owner(bucket_owner_id)).unwrap();
            assert_eq!(
                acl,
                expect(&object_owner, extra),
                "{name} {target:?} {owner_id} {bucket_owner_id}"
            );
        }
        // Every name is covered for both targets.
        for name in NAMES {
            for target in [Target::Bucket, Target::Object] {
                assert!(
                    cases.iter().any(|c| c.0 == name && c.1 == target),
                    "{name} {target:?}"
                );
            }
        }
    }

    #[test]
    fn unknown_names_are_invalid_argument() {
        for name in [
            "",
            "privatee",
            "Private",
            "PUBLIC-READ",
            " private",
            "public_read",
        ] {
            for target in [Target::Bucket, Target::Object] {
                let err = Acl::canned(name, target, &owner(ALICE), &owner(BOB)).unwrap_err();
                assert_eq!(err.code, ErrorCode::InvalidArgument, "{name:?}");
                assert_eq!(err.message, "");
                assert_eq!(
                    err.details,
                    vec![
                        ("ArgumentName", "x-amz-acl".to_string()),
                        ("ArgumentValue", name.to_string())
                    ]
                );
            }
        }
    }
}
