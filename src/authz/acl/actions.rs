//! Which ACL permission, on which resource, grants an S3 action (acl-overview.html "Mapping of
//! ACL permissions and access policy permissions").

use super::{Permission, Target};

/// Which ACL permission grants this S3 action, and whether it is checked on the bucket's ACL or
/// the object's (acl-overview.html "Mapping of ACL permissions and access policy
/// permissions"). None when no ACL grants the action (everything else: tagging, policies,
/// configuration, and the multipart actions S3 leaves to the bucket owner and the upload's
/// initiator):
///
/// | ACL | actions |
/// | --- | --- |
/// | bucket READ | `s3:ListBucket`, `s3:ListBucketVersions`, `s3:ListBucketMultipartUploads` |
/// | bucket WRITE | `s3:PutObject` (also CreateMultipartUpload, UploadPart, CompleteMultipartUpload, CopyObject's target), `s3:DeleteObject` |
/// | bucket READ_ACP | `s3:GetBucketAcl` |
/// | bucket WRITE_ACP | `s3:PutBucketAcl` |
/// | object READ | `s3:GetObject`, `s3:GetObjectVersion`, `s3:GetObjectAttributes`, `s3:GetObjectVersionAttributes` |
/// | object READ_ACP | `s3:GetObjectAcl`, `s3:GetObjectVersionAcl` |
/// | object WRITE_ACP | `s3:PutObjectAcl`, `s3:PutObjectVersionAcl` |
///
/// Decisions: GetObjectAttributes needs READ on the object (its API page: "you must have READ
/// access to the object"), so its two actions map to object READ. `s3:DeleteObjectVersion` is
/// not mapped: the overview grants it through WRITE only when the grantee is the bucket owner,
/// who has it anyway. `s3:AbortMultipartUpload` and `s3:ListMultipartUploadParts` are not
/// mapped: S3 allows them to the bucket owner and the upload's initiator, and otherwise only by
/// policy. Action names are matched case-insensitively (as IAM does), `s3:` prefix required.
pub fn permission_for(action: &str) -> Option<(Target, Permission)> {
    const TABLE: &[(&str, Target, Permission)] = &[
        ("s3:ListBucket", Target::Bucket, Permission::Read),
        ("s3:ListBucketVersions", Target::Bucket, Permission::Read),
        (
            "s3:ListBucketMultipartUploads",
            Target::Bucket,
            Permission::Read,
        ),
        ("s3:PutObject", Target::Bucket, Permission::Write),
        ("s3:DeleteObject", Target::Bucket, Permission::Write),
        ("s3:GetBucketAcl", Target::Bucket, Permission::ReadAcp),
        ("s3:PutBucketAcl", Target::Bucket, Permission::WriteAcp),
        ("s3:GetObject", Target::Object, Permission::Read),
        ("s3:GetObjectVersion", Target::Object, Permission::Read),
        ("s3:GetObjectAttributes", Target::Object, Permission::Read),
        (
            "s3:GetObjectVersionAttributes",
            Target::Object,
            Permission::Read,
        ),
        ("s3:GetObjectAcl", Target::Object, Permission::ReadAcp),
        (
            "s3:GetObjectVersionAcl",
            Target::Object,
            Permission::ReadAcp,
        ),
        ("s3:PutObjectAcl", Target::Object, Permission::WriteAcp),
        (
            "s3:PutObjectVersionAcl",
            Target::Object,
            Permission::WriteAcp,
        ),
    ];
    TABLE
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(action))
        .map(|&(_, target, permission)| (target, permission))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_for_follows_the_mapping_table() {
        use Permission::*;
        use Target::*;
        let mapped = [
            ("s3:ListBucket", Bucket, Read),
            ("s3:ListBucketVersions", Bucket, Read),
            ("s3:ListBucketMultipartUploads", Bucket, Read),
            ("s3:PutObject", Bucket, Write),
            ("s3:DeleteObject", Bucket, Write),
            ("s3:GetBucketAcl", Bucket, ReadAcp),
            ("s3:PutBucketAcl", Bucket, WriteAcp),
            ("s3:GetObject", Object, Read),
            ("s3:GetObjectVersion", Object, Read),
            ("s3:GetObjectAttributes", Object, Read),
            ("s3:GetObjectVersionAttributes", Object, Read),
            ("s3:GetObjectAcl", Object, ReadAcp),
            ("s3:GetObjectVersionAcl", Object, ReadAcp),
            ("s3:PutObjectAcl", Object, WriteAcp),
            ("s3:PutObjectVersionAcl", Object, WriteAcp),
            ("S3:getobject", Object, Read),
        ];
        for (action, target, permission) in mapped {
            assert_eq!(
                permission_for(action),
                Some((target, permission)),
                "{action}"
            );
        }
        for action in [
            "s3:DeleteObjectVersion",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
            "s3:GetObjectTagging",
            "s3:PutObjectTagging",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
            "s3:CreateBucket",
            "s3:DeleteBucket",
            "s3:ListAllMyBuckets",
            "s3:*",
            "GetObject",
            "",
        ] {
            assert_eq!(permission_for(action), None, "{action}");
        }
    }
}
