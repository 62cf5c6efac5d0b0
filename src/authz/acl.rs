//! Access control lists (a stand-in with the interface of the ACL work, replaced on merge).
use crate::authz::Principal;
use crate::error::S3Error;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Group {
    AllUsers,
    AuthenticatedUsers,
    LogDelivery,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    User { id: String, display_name: String },
    Group(Group),
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: Permission,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub id: String,
    pub display_name: String,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    pub owner: Owner,
    pub grants: Vec<Grant>,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Bucket,
    Object,
}
pub trait AccountLookup {
    fn by_id(&self, id: &str) -> Option<Owner>;
    fn by_email(&self, email: &str) -> Option<Owner>;
}
impl Acl {
    pub fn private(owner: Owner) -> Acl {
        Acl {
            grants: vec![Grant {
                grantee: Grantee::User {
                    id: owner.id.clone(),
                    display_name: owner.display_name.clone(),
                },
                permission: Permission::FullControl,
            }],
            owner,
        }
    }
    pub fn canned(
        _name: &str,
        _target: Target,
        _owner: &Owner,
        _bucket_owner: &Owner,
    ) -> Result<Acl, S3Error> {
        todo!()
    }
    pub fn from_grant_headers(
        _headers: &[(String, String)],
        _owner: &Owner,
        _lookup: &dyn AccountLookup,
    ) -> Result<Option<Acl>, S3Error> {
        todo!()
    }
    pub fn from_xml(_body: &[u8], _lookup: &dyn AccountLookup) -> Result<Acl, S3Error> {
        todo!()
    }
    pub fn to_xml(&self) -> String {
        todo!()
    }
    pub fn allows(
        &self,
        _principal: &Principal,
        _permission: Permission,
        _ignore_public: bool,
    ) -> bool {
        todo!()
    }
    pub fn is_public(&self) -> bool {
        todo!()
    }
}
pub fn acl_from_headers(
    _headers: &[(String, String)],
    _target: Target,
    _owner: &Owner,
    _bucket_owner: &Owner,
    _lookup: &dyn AccountLookup,
) -> Result<Option<Acl>, S3Error> {
    todo!()
}
pub fn permission_for(_action: &str) -> Option<(Target, Permission)> {
    todo!()
}
