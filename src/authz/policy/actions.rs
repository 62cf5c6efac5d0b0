//! The S3 actions and condition keys the policy language knows, with the resource types each
//! action applies to. From "Actions, resources, and condition keys for Amazon S3" in the
//! Service Authorization Reference (list_amazons3.html).

/// The resource types of the S3 service an action applies to, as far as a bucket policy
/// can name them: the bucket, its objects (access point objects count as objects), both,
/// or neither (account-level actions such as `ListAllMyBuckets`, jobs, access points,
/// Storage Lens...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applies {
    Bucket,
    Object,
    Other,
}

impl Applies {
    pub fn to_bucket(self) -> bool {
        self == Applies::Bucket
    }

    pub fn to_object(self) -> bool {
        self == Applies::Object
    }
}

use Applies::{Bucket, Object, Other};

/// Every action of the page, without its `s3:` prefix, and what it applies to.
pub(super) const ACTIONS: &[(&str, Applies)] = &[
    ("AbortMultipartUpload", Object),
    ("AllowVendedLogDeliveryForResource", Bucket),
    ("AssociateAccessGrantsIdentityCenter", Other),
    ("BypassGovernanceRetention", Object),
    ("CreateAccessGrant", Other),
    ("CreateAccessGrantsInstance", Other),
    ("CreateAccessGrantsLocation", Other),
    ("CreateAccessPoint", Other),
    ("CreateAccessPointForObjectLambda", Other),
    ("CreateBucket", Bucket),
    ("CreateBucketMetadataTableConfiguration", Bucket),
    ("CreateJob", Other),
    ("CreateMultiRegionAccessPoint", Other),
    ("CreateStorageLensGroup", Other),
    ("DeleteAccessGrant", Other),
    ("DeleteAccessGrantsInstance", Other),
    ("DeleteAccessGrantsInstanceResourcePolicy", Other),
    ("DeleteAccessGrantsLocation", Other),
    ("DeleteAccessPoint", Other),
    ("DeleteAccessPointForObjectLambda", Other),
    ("DeleteAccessPointPolicy", Other),
    ("DeleteAccessPointPolicyForObjectLambda", Other),
    ("DeleteBucket", Bucket),
    ("DeleteBucketMetadataTableConfiguration", Bucket),
    ("DeleteBucketPolicy", Bucket),
    ("DeleteBucketWebsite", Bucket),
    ("DeleteJobTagging", Other),
    ("DeleteMultiRegionAccessPoint", Other),
    ("DeleteObject", Object),
    ("DeleteObjectAnnotation", Object),
    ("DeleteObjectTagging", Object),
    ("DeleteObjectVersion", Object),
    ("DeleteObjectVersionAnnotation", Object),
    ("DeleteObjectVersionTagging", Object),
    ("DeleteStorageLensConfiguration", Other),
    ("DeleteStorageLensConfigurationTagging", Other),
    ("DeleteStorageLensGroup", Other),
    ("DescribeJob", Other),
    ("DescribeMultiRegionAccessPointOperation", Other),
    ("DissociateAccessGrantsIdentityCenter", Other),
    ("GetAccelerateConfiguration", Bucket),
    ("GetAccessGrant", Other),
    ("GetAccessGrantsInstance", Other),
    ("GetAccessGrantsInstanceForPrefix", Other),
    ("GetAccessGrantsInstanceResourcePolicy", Other),
    ("GetAccessGrantsLocation", Other),
    ("GetAccessPoint", Other),
    ("GetAccessPointConfigurationForObjectLambda", Other),
    ("GetAccessPointForObjectLambda", Other),
    ("GetAccessPointPolicy", Other),
    ("GetAccessPointPolicyForObjectLambda", Other),
    ("GetAccessPointPolicyStatus", Other),
    ("GetAccessPointPolicyStatusForObjectLambda", Other),
    ("GetAccountPublicAccessBlock", Other),
    ("GetAnalyticsConfiguration", Bucket),
    ("GetBucketAbac", Bucket),
    ("GetBucketAcl", Bucket),
    ("GetBucketCORS", Bucket),
    ("GetBucketLocation", Bucket),
    ("GetBucketLogging", Bucket),
    ("GetBucketMetadataTableConfiguration", Bucket),
    ("GetBucketNotification", Bucket),
    ("GetBucketObjectLockConfiguration", Bucket),
    ("GetBucketOwnershipControls", Bucket),
    ("GetBucketPolicy", Bucket),
    ("GetBucketPolicyStatus", Bucket),
    ("GetBucketPublicAccessBlock", Bucket),
    ("GetBucketRequestPayment", Bucket),
    ("GetBucketTagging", Bucket),
    ("GetBucketVersioning", Bucket),
    ("GetBucketWebsite", Bucket),
    ("GetDataAccess", Other),
    ("GetEncryptionConfiguration", Bucket),
    ("GetIntelligentTieringConfiguration", Bucket),
    ("GetInventoryConfiguration", Bucket),
    ("GetJobTagging", Other),
    ("GetLifecycleConfiguration", Bucket),
    ("GetMetricsConfiguration", Bucket),
    ("GetMultiRegionAccessPoint", Other),
    ("GetMultiRegionAccessPointPolicy", Other),
    ("GetMultiRegionAccessPointPolicyStatus", Other),
    ("GetMultiRegionAccessPointRoutes", Other),
    ("GetObject", Object),
    ("GetObjectAcl", Object),
    ("GetObjectAnnotation", Object),
    ("GetObjectAttributes", Object),
    ("GetObjectLegalHold", Object),
    ("GetObjectRetention", Object),
    ("GetObjectTagging", Object),
    ("GetObjectTorrent", Object),
    ("GetObjectVersion", Object),
    ("GetObjectVersionAcl", Object),
    ("GetObjectVersionAnnotation", Object),
    ("GetObjectVersionAnnotationForReplication", Object),
    ("GetObjectVersionAttributes", Object),
    ("GetObjectVersionForReplication", Object),
    ("GetObjectVersionTagging", Object),
    ("GetObjectVersionTorrent", Object),
    ("GetReplicationConfiguration", Bucket),
    ("GetStorageLensConfiguration", Other),
    ("GetStorageLensConfigurationTagging", Other),
    ("GetStorageLensDashboard", Other),
    ("GetStorageLensGroup", Other),
    ("InitiateReplication", Object),
    ("ListAccessGrants", Other),
    ("ListAccessGrantsInstances", Other),
    ("ListAccessGrantsLocations", Other),
    ("ListAccessPoints", Other),
    ("ListAccessPointsForObjectLambda", Other),
    ("ListAllMyBuckets", Other),
    ("ListBucket", Bucket),
    ("ListBucketMultipartUploads", Bucket),
    ("ListBucketVersions", Bucket),
    ("ListCallerAccessGrants", Other),
    ("ListJobs", Other),
    ("ListMultiRegionAccessPoints", Other),
    ("ListMultipartUploadParts", Object),
    ("ListObjectAnnotations", Object),
    ("ListObjectVersionAnnotations", Object),
    ("ListStorageLensConfigurations", Other),
    ("ListStorageLensGroups", Other),
    ("ListTagsForResource", Bucket),
    ("ObjectOwnerOverrideToBucketOwner", Object),
    ("PauseReplication", Bucket),
    ("PutAccelerateConfiguration", Bucket),
    ("PutAccessGrantsInstanceResourcePolicy", Other),
    ("PutAccessPointConfigurationForObjectLambda", Other),
    ("PutAccessPointPolicy", Other),
    ("PutAccessPointPolicyForObjectLambda", Other),
    ("PutAccessPointPublicAccessBlock", Other),
    ("PutAccountPublicAccessBlock", Other),
    ("PutAnalyticsConfiguration", Bucket),
    ("PutBucketAbac", Bucket),
    ("PutBucketAcl", Bucket),
    ("PutBucketCORS", Bucket),
    ("PutBucketLogging", Bucket),
    ("PutBucketNotification", Bucket),
    ("PutBucketObjectLockConfiguration", Bucket),
    ("PutBucketOwnershipControls", Bucket),
    ("PutBucketPolicy", Bucket),
    ("PutBucketPublicAccessBlock", Bucket),
    ("PutBucketRequestPayment", Bucket),
    ("PutBucketTagging", Bucket),
    ("PutBucketVersioning", Bucket),
    ("PutBucketWebsite", Bucket),
    ("PutEncryptionConfiguration", Bucket),
    ("PutIntelligentTieringConfiguration", Bucket),
    ("PutInventoryConfiguration", Bucket),
    ("PutJobTagging", Other),
    ("PutLifecycleConfiguration", Bucket),
    ("PutMetricsConfiguration", Bucket),
    ("PutMultiRegionAccessPointPolicy", Other),
    ("PutObject", Object),
    ("PutObjectAcl", Object),
    ("PutObjectAnnotation", Object),
    ("PutObjectLegalHold", Object),
    ("PutObjectRetention", Object),
    ("PutObjectTagging", Object),
    ("PutObjectVersionAcl", Object),
    ("PutObjectVersionAnnotation", Object),
    ("PutObjectVersionTagging", Object),
    ("PutReplicationConfiguration", Bucket),
    ("PutStorageLensConfiguration", Other),
    ("PutStorageLensConfigurationTagging", Other),
    ("ReplicateDelete", Object),
    ("ReplicateObject", Object),
    ("ReplicateObjectAnnotation", Object),
    ("ReplicateTags", Object),
    ("RestoreObject", Object),
    ("SubmitMultiRegionAccessPointRoutes", Other),
    ("TagResource", Bucket),
    ("UntagResource", Bucket),
    ("UpdateAccessGrantsLocation", Other),
    ("UpdateBucketMetadataAnnotationTableConfiguration", Bucket),
    ("UpdateBucketMetadataInventoryTableConfiguration", Bucket),
    ("UpdateBucketMetadataJournalTableConfiguration", Bucket),
    ("UpdateJobPriority", Other),
    ("UpdateJobStatus", Other),
    ("UpdateObjectEncryption", Object),
    ("UpdateStorageLensGroup", Other),
];

/// S3's own condition keys (lowercase), from the page's "Condition keys for Amazon S3"
/// table. Keys ending in `/` are families: `s3:ExistingObjectTag/<key>` and the like.
pub(super) const CONDITION_KEYS: &[&str] = &[
    "s3:accessgrantscope",
    "s3:accessgrantsinstancearn",
    "s3:accessgrantslocationscope",
    "s3:accesspointnetworkorigin",
    "s3:accesspointtag/",
    "s3:buckettag/",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "s3:existingjoboperation",
    "s3:existingjobpriority",
    "s3:existingobjecttag/",
    "s3:inventoryaccessibleoptionalfields",
    "s3:jobsuspendedcause",
    "s3:objectcreationoperation",
    "s3:requestjoboperation",
    "s3:requestjobpriority",
    "s3:requestobjecttagkeys",
    "s3:requestobjecttag/",
    "s3:resourceaccount",
    "s3:tlsversion",
    "s3:authtype",
    "s3:delimiter",
    "s3:destinationregion",
    "s3:if-match",
    "s3:if-none-match",
    "s3:isreplicationpauserequest",
    "s3:locationconstraint",
    "s3:max-keys",
    "s3:object-lock-legal-hold",
    "s3:object-lock-mode",
    "s3:object-lock-remaining-retention-days",
    "s3:object-lock-retain-until-date",
    "s3:prefix",
    "s3:signatureage",
    "s3:signatureversion",
    "s3:versionid",
    "s3:x-amz-acl",
    "s3:x-amz-bucket-namespace",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-object-ownership",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
];

/// True for an S3 action of the page, such as `s3:GetObject` (the prefix and the name
/// compared without regard to case, as IAM does). Wildcards are not expanded here.
pub fn is_known_action(action: &str) -> bool {
    lookup(action).is_some()
}

/// What a named action applies to.
pub(super) fn lookup(action: &str) -> Option<Applies> {
    let name = strip_service(action)?;
    ACTIONS
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(name))
        .map(|(_, applies)| *applies)
}

/// `name` of `s3:name`, the prefix in any case.
pub(super) fn strip_service(action: &str) -> Option<&str> {
    let (service, name) = action.split_once(':')?;
    service.eq_ignore_ascii_case("s3").then_some(name)
}

/// Whether `key` (normalized: lowercase before any `/`) is one of S3's condition keys.
pub(super) fn is_known_s3_key(key: &str) -> bool {
    let family = match key.find('/') {
        Some(slash) => &key[..=slash],
        None => key,
    };
    let lower = family.to_ascii_lowercase();
    CONDITION_KEYS.contains(&lower.as_str()) && (family.len() < key.len() || !family.ends_with('/'))
}
