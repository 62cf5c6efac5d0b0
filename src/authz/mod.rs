//! Authorization: may this principal perform this S3 action on this resource. Pure functions,
//! in AWS's order (see "How Amazon S3 authorizes a request", how-s3-evaluates-access-control.html):
//! an explicit Deny in the bucket policy wins; then the public access block; then an Allow from
//! the policy, the ACLs or ownership; otherwise deny.

pub mod acl;
pub mod ownership;
pub mod policy;
pub mod principal;
pub mod public_access;

pub use principal::{Account, Principal};

use acl::{Acl, Target};
use ownership::ObjectOwnership;
use policy::{ConditionContext, Policy, PolicyEffect, PolicyRequest};
use public_access::PublicAccessBlock;

/// What authorization needs to know of a bucket.
pub struct BucketAccess<'a> {
    pub name: &'a str,
    /// The owner's canonical id.
    pub owner: &'a str,
    /// None: the default, FULL_CONTROL to the owner.
    pub acl: Option<&'a Acl>,
    pub policy: Option<&'a Policy>,
    /// The settings in force (the bucket's combined with the account's).
    pub block: PublicAccessBlock,
    pub ownership: ObjectOwnership,
}

/// What authorization needs to know of an existing object.
pub struct ObjectAccess<'a> {
    /// The canonical id of the account that wrote it.
    pub owner: &'a str,
    /// None: the default, FULL_CONTROL to its owner.
    pub acl: Option<&'a Acl>,
}

pub struct AccessRequest<'a> {
    pub principal: &'a Principal,
    /// `s3:GetObject`, `s3:ListBucket`, …
    pub action: &'a str,
    /// The object key for object actions.
    pub key: Option<&'a str>,
    pub context: &'a ConditionContext,
}

/// The resource ARN S3 evaluates policies against.
pub fn resource_arn(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("arn:aws:s3:::{bucket}/{key}"),
        None => format!("arn:aws:s3:::{bucket}"),
    }
}

/// Policy actions the bucket owner may always take, whatever the policy denies (so that it can
/// never lock itself out).
const OWNER_POLICY_ACTIONS: [&str; 3] = [
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

/// Object actions that the object's owner may take by ownership (its data, ACL, tags); writes
/// and deletes of the key are the bucket's business.
fn object_owner_may(action: &str) -> bool {
    !matches!(
        action,
        "s3:PutObject" | "s3:DeleteObject" | "s3:DeleteObjectVersion" | "s3:AbortMultipartUpload"
    )
}

/// Object actions the bucket owner may not take on an object another account owns, unless
/// granted: reading its data or its ACL, and replacing its ACL.
fn reserved_to_object_owner(action: &str) -> bool {
    matches!(
        action,
        "s3:GetObject"
            | "s3:GetObjectVersion"
            | "s3:GetObjectAcl"
            | "s3:GetObjectVersionAcl"
            | "s3:PutObjectAcl"
            | "s3:PutObjectVersionAcl"
            | "s3:GetObjectAttributes"
    )
}

/// The decision for one request. `object` is the object the request names, when it exists.
pub fn authorize(
    request: &AccessRequest,
    bucket: &BucketAccess,
    object: Option<&ObjectAccess>,
) -> bool {
    let principal = request.principal;
    let is_bucket_owner = principal.is(bucket.owner);
    let mut policy_allows = false;
    if let Some(policy) = bucket.policy {
        let resource = resource_arn(bucket.name, request.key);
        let effect = policy.evaluate(&PolicyRequest {
            principal,
            action: request.action,
            resource: &resource,
            context: request.context,
        });
        match effect {
            PolicyEffect::Deny => {
                if !(is_bucket_owner && OWNER_POLICY_ACTIONS.contains(&request.action)) {
                    return false;
                }
            }
            PolicyEffect::Allow => {
                // RestrictPublicBuckets: a public policy grants only the owner's account.
                policy_allows = !(bucket.block.restrict_public_buckets
                    && policy.is_public()
                    && !is_bucket_owner);
            }
            PolicyEffect::NoMatch => {}
        }
    }
    if policy_allows {
        return true;
    }

    let acls_enabled = bucket.ownership.acls_enabled();
    let object_owner = object.map(|o| if acls_enabled { o.owner } else { bucket.owner });
    match (request.key, object_owner) {
        (None, _) if is_bucket_owner => return true,
        (Some(_), Some(owner)) if principal.is(owner) && object_owner_may(request.action) => {
            return true
        }
        (Some(_), Some(owner))
            if is_bucket_owner
                && (owner == bucket.owner || !reserved_to_object_owner(request.action)) =>
        {
            return true
        }
        (Some(_), None) if is_bucket_owner => return true,
        _ => {}
    }

    if !acls_enabled {
        return false;
    }
    let Some((target, permission)) = acl::permission_for(request.action) else {
        return false;
    };
    let ignore_public = bucket.block.ignore_public_acls;
    match target {
        Target::Bucket => match bucket.acl {
            Some(acl) => acl.allows(principal, permission, ignore_public),
            None => false, // the default grants the owner alone, decided above
        },
        Target::Object => match object {
            Some(ObjectAccess { acl: Some(acl), .. }) => {
                acl.allows(principal, permission, ignore_public)
            }
            _ => false,
        },
    }
}
