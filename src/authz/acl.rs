//! S3 access control lists: the model (owner and grants), where ACLs come from (canned
//! `x-amz-acl`, `x-amz-grant-*` headers, an `AccessControlPolicy` body), the GetBucketAcl /
//! GetObjectAcl answer, and the ACL side of authorization. Pure: no storage, no `worker`.
//! Follows "Access control list (ACL) overview" (acl-overview.html) and the PutBucketAcl,
//! PutObjectAcl, GetBucketAcl and GetObjectAcl API reference pages.
//!
//! What an ACL does not say, and the caller decides: the resource owner's own rights (S3 lets
//! the owner read and write the ACL whatever the grants say), bucket policies, the public access
//! block, and S3 Object Ownership.

mod actions;
mod canned;
mod headers;
#[cfg(test)]
mod test_support;
mod xml;

use serde::{Deserialize, Serialize};

pub use actions::permission_for;
pub use canned::NAMES as CANNED_ACL_NAMES;
pub use headers::acl_from_headers;

use super::principal::Principal;
use crate::error::{ErrorCode, S3Error};

/// S3's limit on the grants of one ACL (acl-overview.html: "An ACL can have up to 100 grants").
pub const MAX_GRANTS: usize = 100;

/// What a grant allows (acl-overview.html "What permissions can I grant?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "READ")]
    Read,
    #[serde(rename = "WRITE")]
    Write,
    #[serde(rename = "READ_ACP")]
    ReadAcp,
    #[serde(rename = "WRITE_ACP")]
    WriteAcp,
    #[serde(rename = "FULL_CONTROL")]
    FullControl,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::Read,
        Permission::Write,
        Permission::ReadAcp,
        Permission::WriteAcp,
        Permission::FullControl,
    ];

    /// The name S3 writes in `<Permission>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// The permission of a `<Permission>` value (exact, as S3's schema has it).
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The request header that grants this permission (`x-amz-grant-read`, ...).
    pub fn header_name(self) -> &'static str {
        match self {
            Permission::Read => "x-amz-grant-read",
            Permission::Write => "x-amz-grant-write",
            Permission::ReadAcp => "x-amz-grant-read-acp",
            Permission::WriteAcp => "x-amz-grant-write-acp",
            Permission::FullControl => "x-amz-grant-full-control",
        }
    }

    /// True when holding `self` gives `wanted` (FULL_CONTROL gives all four others).
    pub fn implies(self, wanted: Permission) -> bool {
        self == wanted || self == Permission::FullControl
    }
}

/// The predefined groups S3 grants to by URI (acl-overview.html "Amazon S3 predefined groups").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Group {
    AllUsers,
    AuthenticatedUsers,
    LogDelivery,
}

impl Group {
    pub const ALL: [Group; 3] = [
        Group::AllUsers,
        Group::AuthenticatedUsers,
        Group::LogDelivery,
    ];

    pub fn uri(self) -> &'static str {
        match self {
            Group::AllUsers => "http://acs.amazonaws.com/groups/global/AllUsers",
            Group::AuthenticatedUsers => {
                "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
            }
            Group::LogDelivery => "http://acs.amazonaws.com/groups/s3/LogDelivery",
        }
    }

    /// The group of a URI (exact, as S3 compares them).
    pub fn from_uri(uri: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.uri() == uri)
    }

    /// AllUsers and AuthenticatedUsers: the grants BlockPublicAcls refuses and IgnorePublicAcls
    /// disregards.
    pub fn is_public(self) -> bool {
        matches!(self, Group::AllUsers | Group::AuthenticatedUsers)
    }
}

/// Who a grant is to. A grant by e-mail is resolved to its account's canonical user when parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    #[serde(rename = "u")]
    User {
        #[serde(rename = "i")]
        id: String,
        #[serde(rename = "n", default, skip_serializing_if = "String::is_empty")]
        display_name: String,
    },
    #[serde(rename = "g")]
    Group(Group),
}

impl Grantee {
    fn user(owner: &Owner) -> Grantee {
        Grantee::User {
            id: owner.id.clone(),
            display_name: owner.display_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(rename = "e")]
    pub grantee: Grantee,
    #[serde(rename = "p")]
    pub permission: Permission,
}

/// The owner an ACL names: a canonical user id and its display name (empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    #[serde(rename = "i")]
    pub id: String,
    #[serde(rename = "n", default, skip_serializing_if = "String::is_empty")]
    pub display_name: String,
}

/// One bucket's or object's ACL, as stored (short field names keep the KV records small).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    #[serde(rename = "o")]
    pub owner: Owner,
    #[serde(rename = "g", default)]
    pub grants: Vec<Grant>,
}

/// Which kind of resource an ACL is for: some canned ACLs mean different things on each, and
/// [`permission_for`] says which ACL an action is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Bucket,
    Object,
}

/// Looks up an account by canonical id or by e-mail (the configured users); None if unknown.
pub trait AccountLookup {
    fn by_id(&self, id: &str) -> Option<Owner>;
    fn by_email(&self, email: &str) -> Option<Owner>;
}

impl Acl {
    /// The default: owner FULL_CONTROL.
    pub fn private(owner: Owner) -> Acl {
        let grants = vec![Grant {
            grantee: Grantee::user(&owner),
            permission: Permission::FullControl,
        }];
        Acl { owner, grants }
    }

    /// A canned ACL by its x-amz-acl name; `bucket_owner` is used by bucket-owner-read /
    /// bucket-owner-full-control on objects. Unknown name → InvalidArgument (S3's empty message,
    /// `ArgumentName` x-amz-acl, `ArgumentValue` the name).
    pub fn canned(
        name: &str,
        target: Target,
        owner: &Owner,
        bucket_owner: &Owner,
    ) -> Result<Acl, S3Error> {
        canned::canned(name, target, owner, bucket_owner)
    }

    /// From `x-amz-grant-read|write|read-acp|write-acp|full-control` header values (`id="..."`,
    /// `uri="http://acs.amazonaws.com/groups/global/AllUsers"`, `emailAddress="..."`,
    /// comma-separated); None when no grant header is present. The ACL holds exactly the grants
    /// named (S3 adds no owner grant), in header order.
    pub fn from_grant_headers(
        headers: &[(String, String)],
        owner: &Owner,
        lookup: &dyn AccountLookup,
    ) -> Result<Option<Acl>, S3Error> {
        headers::from_grant_headers(headers, owner, lookup)
    }

    /// Parses an AccessControlPolicy body; MalformedACLError for bad XML/schema/unknown
    /// permission or grantee type (and a missing `Owner`, or more than [`MAX_GRANTS`] grants),
    /// UnresolvableGrantByEmailAddress for an unknown e-mail, InvalidArgument for an unknown
    /// canonical id or group URI. Whether the body's owner is the resource's is for
    /// [`Acl::check_owner`].
    pub fn from_xml(body: &[u8], lookup: &dyn AccountLookup) -> Result<Acl, S3Error> {
        xml::from_xml(body, lookup)
    }

    /// The GetBucketAcl / GetObjectAcl answer body (xsi:type attributes, groups as URI,
    /// DisplayName for users when known).
    pub fn to_xml(&self) -> String {
        xml::to_xml(self)
    }

    /// A PutBucketAcl / PutObjectAcl body may not change the owner: S3 answers AccessDenied when
    /// the body's `Owner/ID` is not the resource owner's (s3-tests `test_object_giveaway`,
    /// `test_bucket_acl_giveaway` expect 403 AccessDenied).
    pub fn check_owner(&self, resource_owner: &Owner) -> Result<(), S3Error> {
        if self.owner.id == resource_owner.id {
            Ok(())
        } else {
            Err(S3Error::new(ErrorCode::AccessDenied))
        }
    }

    /// True when some grant gives `principal` `permission` (FULL_CONTROL implies all).
    /// Anonymous matches only AllUsers; a user matches its own canonical id, AllUsers and
    /// AuthenticatedUsers; LogDelivery matches no principal of this service. `ignore_public`:
    /// grants to AllUsers and AuthenticatedUsers don't count (IgnorePublicAcls). The owner's
    /// implicit rights are not the grants', so they are not looked at here.
    pub fn allows(
        &self,
        principal: &Principal,
        permission: Permission,
        ignore_public: bool,
    ) -> bool {
        self.grants.iter().any(|grant| {
            grant.permission.implies(permission)
                && match &grant.grantee {
                    Grantee::User { id, .. } => principal.is(id),
                    Grantee::Group(group) if ignore_public && group.is_public() => false,
                    Grantee::Group(Group::AllUsers) => true,
                    Grantee::Group(Group::AuthenticatedUsers) => principal.account().is_some(),
                    Grantee::Group(Group::LogDelivery) => false,
                }
        })
    }

    /// True when some grant goes to AllUsers or AuthenticatedUsers (what BlockPublicAcls
    /// refuses).
    pub fn is_public(&self) -> bool {
        self.grants
            .iter()
            .any(|g| matches!(g.grantee, Grantee::Group(group) if group.is_public()))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::authz::principal::Account;

    fn user(id: &str) -> Principal {
        Principal::User(Account {
            canonical_id: id.to_string(),
            account_id: "123456789012".into(),
            display_name: owner(id).display_name,
            email: None,
        })
    }

    fn acl_with(grants: Vec<(Grantee, Permission)>) -> Acl {
        Acl {
            owner: owner(ALICE),
            grants: grants
                .into_iter()
                .map(|(grantee, permission)| Grant {
                    grantee,
                    permission,
                })
                .collect(),
        }
    }

    fn bob() -> Grantee {
        Grantee::User {
            id: BOB.into(),
            display_name: "bob".into(),
        }
    }

    #[test]
    fn private_is_owner_full_control() {
        let acl = Acl::private(owner(ALICE));
        assert_eq!(acl.owner, owner(ALICE));
        assert_eq!(
            acl.grants,
            vec![Grant {
                grantee: Grantee::User {
                    id: ALICE.into(),
                    display_name: "alice".into()
                },
                permission: Permission::FullControl,
            }]
        );
    }

    #[test]
    fn allows_user_grants_only_to_that_user() {
        let acl = acl_with(vec![(bob(), Permission::Read)]);
        assert!(acl.allows(&user(BOB), Permission::Read, false));
        assert!(acl.allows(&user(BOB), Permission::Read, true));
        assert!(!acl.allows(&user(BOB), Permission::Write, false));
        assert!(!acl.allows(&user(CAROL), Permission::Read, false));
        assert!(!acl.allows(&Principal::Anonymous, Permission::Read, false));
        // Owning the ACL gives nothing here: only the grants count.
        assert!(!acl.allows(&user(ALICE), Permission::Read, false));
    }

    #[test]
    fn full_control_implies_every_permission() {
        let acl = acl_with(vec![(bob(), Permission::FullControl)]);
        for permission in Permission::ALL {
            assert!(acl.allows(&user(BOB), permission, false), "{permission:?}");
            assert!(
                !acl.allows(&user(CAROL), permission, false),
                "{permission:?}"
            );
        }
        // No other permission implies another.
        for held in Permission::ALL {
            for wanted in Permission::ALL {
                let expected = held == wanted || held == Permission::FullControl;
                assert_eq!(held.implies(wanted), expected, "{held:?} {wanted:?}");
                let acl = acl_with(vec![(bob(), held)]);
                assert_eq!(acl.allows(&user(BOB), wanted, false), expected);
            }
        }
    }

    #[test]
    fn allows_groups_by_principal_and_ignore_public() {
        // (group, anonymous, alice (owner), carol (other)) without ignore_public.
        let cases = [
            (Group::AllUsers, true, true, true),
            (Group::AuthenticatedUsers, false, true, true),
            (Group::LogDelivery, false, false, false),
        ];
        for (group, anonymous, owner_user, other) in cases {
            let acl = acl_with(vec![(Grantee::Group(group), Permission::Write)]);
            assert_eq!(
                acl.allows(&Principal::Anonymous, Permission::Write, false),
                anonymous,
                "{group:?}"
            );
            assert_eq!(
                acl.allows(&user(ALICE), Permission::Write, false),
                owner_user,
                "{group:?}"
            );
            assert_eq!(
                acl.allows(&user(CAROL), Permission::Write, false),
                other,
                "{group:?}"
            );
            assert!(!acl.allows(&user(CAROL), Permission::Read, false));
            // IgnorePublicAcls: no group grant counts any more.
            for principal in [Principal::Anonymous, user(ALICE), user(CAROL)] {
                assert!(
                    !acl.allows(&principal, Permission::Write, true),
                    "{group:?}"
                );
            }
        }
        // ignore_public leaves the user grants alone, next to the public ones.
        let acl = acl_with(vec![
            (Grantee::Group(Group::AllUsers), Permission::FullControl),
            (bob(), Permission::ReadAcp),
        ]);
        assert!(acl.allows(&user(BOB), Permission::ReadAcp, true));
        assert!(!acl.allows(&user(BOB), Permission::Read, true));
        assert!(acl.allows(&user(BOB), Permission::Read, false));
        assert!(acl.allows(&Principal::Anonymous, Permission::WriteAcp, false));
    }

    #[test]
    fn is_public_means_all_or_authenticated_users() {
        assert!(!Acl::private(owner(ALICE)).is_public());
        assert!(!acl_with(vec![(bob(), Permission::FullControl)]).is_public());
        assert!(!acl_with(vec![(
            Grantee::Group(Group::LogDelivery),
            Permission::Write
        )])
        .is_public());
        for group in [Group::AllUsers, Group::AuthenticatedUsers] {
            for permission in Permission::ALL {
                let acl = acl_with(vec![
                    (bob(), Permission::Read),
                    (Grantee::Group(group), permission),
                ]);
                assert!(acl.is_public(), "{group:?} {permission:?}");
            }
        }
    }

    #[test]
    fn check_owner_refuses_a_changed_owner() {
        let acl = Acl::private(owner(ALICE));
        assert!(acl.check_owner(&owner(ALICE)).is_ok());
        // The display name does not matter, the id does.
        let renamed = Owner {
            id: ALICE.into(),
            display_name: "someone".into(),
        };
        assert!(acl.check_owner(&renamed).is_ok());
        assert_eq!(
            acl.check_owner(&owner(BOB)).unwrap_err().code,
            ErrorCode::AccessDenied
        );
    }

    #[test]
    fn names_round_trip() {
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Some(permission));
        }
        assert_eq!(Permission::parse("read"), None);
        assert_eq!(Permission::parse("FULL-CONTROL"), None);
        for group in Group::ALL {
            assert_eq!(Group::from_uri(group.uri()), Some(group));
        }
        assert_eq!(
            Group::from_uri("http://acs.amazonaws.com/groups/global/Authenticated"),
            None
        );
    }

    #[test]
    fn storage_form_is_short_and_round_trips() {
        let acl = acl_with(vec![
            (
                Grantee::User {
                    id: ALICE.into(),
                    display_name: String::new(),
                },
                Permission::FullControl,
            ),
            (bob(), Permission::ReadAcp),
            (Grantee::Group(Group::AllUsers), Permission::Read),
        ]);
        let json = serde_json::to_string(&acl).unwrap();
        assert_eq!(
            json,
            format!(
                "{{\"o\":{{\"i\":\"{ALICE}\",\"n\":\"alice\"}},\"g\":[\
                 {{\"e\":{{\"u\":{{\"i\":\"{ALICE}\"}}}},\"p\":\"FULL_CONTROL\"}},\
                 {{\"e\":{{\"u\":{{\"i\":\"{BOB}\",\"n\":\"bob\"}}}},\"p\":\"READ_ACP\"}},\
                 {{\"e\":{{\"g\":\"AllUsers\"}},\"p\":\"READ\"}}]}}"
            )
        );
        let back: Acl = serde_json::from_str(&json).unwrap();
        assert_eq!(back, acl);
        // Records without grants or names still read.
        let bare: Acl = serde_json::from_str(&format!("{{\"o\":{{\"i\":\"{BOB}\"}}}}")).unwrap();
        assert_eq!(
            bare,
            Acl {
                owner: Owner {
                    id: BOB.into(),
                    display_name: String::new()
                },
                grants: vec![]
            }
        );
    }
}
