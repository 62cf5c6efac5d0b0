//! Authorization: may this principal perform this S3 action on this resource. Pure functions,
//! in AWS's order (see "How Amazon S3 authorizes a request", how-s3-evaluates-access-control.html):
//! an explicit Deny in the bucket policy wins; then the public access block; then an Allow from
//! the policy, the ACLs or ownership; otherwise deny.

pub mod acl;
pub mod policy;
pub mod principal;

pub use principal::{Account, Principal};
