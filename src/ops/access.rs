//! The one authorization step every routed request passes before its handler: it reads what
//! the decision needs (the bucket's record, and for object reads the object's record in the
//! same storage call), builds the request's condition keys, and asks `authz::authorize`. The
//! records read are handed to the handler, so that access control costs no extra read.
//! Follows "How Amazon S3 authorizes a request" and the condition keys of "Actions, resources,
//! and condition keys for Amazon S3".

use crate::auth::credentials::User;
use crate::authz::acl::{AccountLookup, Owner};
use crate::authz::policy::{ConditionContext, Policy};
use crate::authz::public_access::PublicAccessBlock;
use crate::authz::{self, AccessRequest, BucketAccess, ObjectAccess, Principal};
use crate::context::{Access, Call, Config, Ctx};
use crate::error::{ErrorCode, S3Error};
use crate::names;
use crate::record::{BucketRecord, ObjectRecord, StoredRecord};
use crate::router::{Operation, Scope};
use crate::store::{BlobStore, MetaStore};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

fn no_such_bucket(bucket: &str) -> S3Error {
    S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", bucket)
}

/// Authorizes `call`: what was read on the way (also when the answer is a refusal: its bucket's
/// CORS rules still shape the answer), and the decision.
pub async fn check<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> (Access, Result<(), S3Error>) {
    let access = match load(ctx, call).await {
        Ok(access) => access,
        Err(err) => return (Access::default(), Err(err)),
    };
    let decision = decide_call(ctx, call, &access);
    (access, decision)
}

/// What the decision on `call` needs: the bucket's record, and the object's for object reads.
async fn load<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> Result<Access, S3Error> {
    let operation = call.route.operation;
    if operation.scope() == Scope::Service {
        return match call.principal {
            Principal::Anonymous => Err(S3Error::new(ErrorCode::AccessDenied)),
            Principal::User(_) => Ok(Access::default()),
        };
    }
    let bucket_name = call.bucket();
    let (bucket, object, previous) = if operation.reads_object_record()
        || operation.overwrites_object()
    {
        let (stored, bucket) = load_object_and_bucket(ctx.store, bucket_name, call.key()).await?;
        match operation.overwrites_object() {
            true => (bucket, None, Some(stored)),
            false => (bucket, stored.map(|s| s.record), None),
        }
    } else {
        (
            super::load_bucket(ctx.store, bucket_name).await?,
            None,
            None,
        )
    };
    let bucket = bucket.ok_or_else(|| no_such_bucket(bucket_name))?;
    // `x-amz-expected-bucket-owner`: the caller's guard against a bucket that changed hands.
    if let Some(expected) = call.head.header("x-amz-expected-bucket-owner") {
        let owner_account = ctx
            .config
            .users
            .by_canonical_id(&bucket.owner)
            .map(|u| u.account_id.as_str());
        if owner_account != Some(expected.trim()) {
            return Err(S3Error::new(ErrorCode::AccessDenied));
        }
    }
    Ok(Access {
        bucket: Some(bucket),
        object,
        previous,
    })
}

/// The decision on `call` from what was read for it (`check` reads it; a POST upload, which
/// read its bucket's record before its form, decides its PutObject with that record).
pub fn decide_call<S>(ctx: &Ctx<'_, S>, call: &Call<'_>, access: &Access) -> Result<(), S3Error> {
    let operation = call.route.operation;
    // ListBuckets and CreateBucket act on the caller's own account; DeleteObjects is decided
    // key by key by its handler (`allows`).
    if operation.scope() == Scope::Service || operation == Operation::DeleteObjects {
        return Ok(());
    }
    let key = (operation.scope() == Scope::Object).then(|| call.key());
    let now = ctx.now_millis;
    let action = match call.head.query_param("versionId") {
        Some(_) => operation.version_action(),
        None => operation.action(),
    };
    if !allows(
        ctx.config,
        now,
        call,
        access,
        action,
        key,
        access.object.as_ref(),
    ) {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    // A read of a missing object tells only those who may list the bucket that it is missing.
    if operation.reads_object_record()
        && access.object.is_none()
        && !allows(ctx.config, now, call, access, "s3:ListBucket", None, None)
    {
        return Err(S3Error::new(ErrorCode::AccessDenied));
    }
    Ok(())
}

/// Decides one action of `call` on the bucket read by the step (or `object` in it).
pub fn allows(
    config: &Config,
    now_millis: i64,
    call: &Call<'_>,
    access: &Access,
    action: &str,
    key: Option<&str>,
    object: Option<&ObjectRecord>,
) -> bool {
    match access.bucket.as_ref() {
        Some(bucket) => decide(
            config,
            now_millis,
            call,
            (call.bucket(), bucket),
            action,
            key,
            object,
        ),
        None => false,
    }
}

/// Decides one action of `call` on the bucket `name` (with its record) or `object` in it: the
/// step's own buckets, and a copy's source.
pub fn decide(
    config: &Config,
    now_millis: i64,
    call: &Call<'_>,
    (name, bucket): (&str, &BucketRecord),
    action: &str,
    key: Option<&str>,
    object: Option<&ObjectRecord>,
) -> bool {
    let policy = bucket
        .policy
        .as_deref()
        .and_then(|json| stored_policy(name, json));
    // Only a policy tests condition keys: without one, none are built.
    let context = match policy {
        Some(_) => condition_context(now_millis, call, object),
        None => ConditionContext::new(),
    };
    let request = AccessRequest {
        principal: &call.principal,
        action,
        key,
        context: &context,
    };
    let view = bucket_view(config, name, bucket, policy.as_deref());
    let object_view = object.map(|o| ObjectAccess {
        owner: o.owner.as_deref().unwrap_or(&bucket.owner),
        acl: o.acl.as_ref(),
    });
    authz::authorize(&request, &view, object_view.as_ref())
}

thread_local! {
    /// Bucket policies as parsed, by bucket, each kept with the text it was parsed from: a
    /// stored policy is parsed once per isolate (and again only when its text changes).
    static POLICIES: RefCell<HashMap<String, (String, Rc<Policy>)>> = RefCell::new(HashMap::new());
}

/// Most parsed policies an isolate keeps.
const POLICY_CACHE_MAX: usize = 256;

/// The stored policy `json` of `bucket`, parsed. It was validated when put; one that no longer
/// reads grants nothing.
fn stored_policy(bucket: &str, json: &str) -> Option<Rc<Policy>> {
    POLICIES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((text, policy)) = cache.get(bucket) {
            if text == json {
                return Some(Rc::clone(policy));
            }
        }
        let policy = Rc::new(Policy::load(json, bucket).ok()?);
        if cache.len() >= POLICY_CACHE_MAX {
            cache.clear();
        }
        cache.insert(bucket.to_string(), (json.to_string(), Rc::clone(&policy)));
        Some(policy)
    })
}

/// Reads an object's record and its bucket's in one storage call.
pub async fn load_object_and_bucket<S: MetaStore>(
    store: &S,
    bucket: &str,
    key: &str,
) -> Result<(Option<StoredRecord>, Option<BucketRecord>), S3Error> {
    let object_name = names::object_record(bucket, key);
    let bucket_name = names::bucket_record(bucket);
    let mut found = store
        .get_many(&[object_name.as_str(), bucket_name.as_str()])
        .await?
        .into_iter();
    let object = match found.next().flatten() {
        Some(raw) => Some(StoredRecord::read(&object_name, raw)?),
        None => None,
    };
    let bucket = super::parse_stored(&bucket_name, found.next().flatten())?;
    Ok((object, bucket))
}

/// The bucket as authorization sees it.
pub fn bucket_view<'a>(
    config: &Config,
    name: &'a str,
    bucket: &'a BucketRecord,
    policy: Option<&'a Policy>,
) -> BucketAccess<'a> {
    BucketAccess {
        name,
        owner: &bucket.owner,
        acl: bucket.acl.as_ref(),
        policy,
        block: block_in_force(config, bucket),
        ownership: bucket.ownership.unwrap_or_default(),
    }
}

/// The public access block in force on a bucket.
pub fn block_in_force(config: &Config, bucket: &BucketRecord) -> PublicAccessBlock {
    bucket
        .public_access_block
        .unwrap_or_default()
        .combined(config.public_access_block)
}

/// The values of the condition keys this request has ("Amazon S3 condition keys", and the
/// global keys of "AWS global condition context keys").
pub fn condition_context(
    now_millis: i64,
    call: &Call<'_>,
    object: Option<&ObjectRecord>,
) -> ConditionContext {
    let head = call.head;
    let mut context = ConditionContext::new();
    if let Some(ip) = head.header("cf-connecting-ip") {
        context.set("aws:SourceIp", ip.trim());
    }
    context.set(
        "aws:SecureTransport",
        if head.secure { "true" } else { "false" },
    );
    let now_seconds = now_millis.div_euclid(1000);
    context.set("aws:EpochTime", now_seconds.to_string());
    if let Ok(now) = time::OffsetDateTime::from_unix_timestamp(now_seconds) {
        if let Ok(text) = now.format(&time::format_description::well_known::Rfc3339) {
            context.set("aws:CurrentTime", text);
        }
    }
    for (header, key) in [
        ("user-agent", "aws:UserAgent"),
        ("referer", "aws:Referer"),
        ("x-amz-acl", "s3:x-amz-acl"),
        ("x-amz-content-sha256", "s3:x-amz-content-sha256"),
        (
            "x-amz-server-side-encryption",
            "s3:x-amz-server-side-encryption",
        ),
        ("x-amz-copy-source", "s3:x-amz-copy-source"),
        ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
        ("x-amz-storage-class", "s3:x-amz-storage-class"),
    ] {
        if let Some(value) = head.header(header) {
            context.set(key, value);
        }
    }
    match &call.principal {
        Principal::Anonymous => context.set("aws:PrincipalType", "Anonymous"),
        Principal::User(account) => {
            context.set("aws:PrincipalType", "Account");
            context.set("aws:PrincipalAccount", account.account_id.clone());
            context.set("aws:userid", account.account_id.clone());
            context.set("aws:username", account.display_name.clone());
            context.set(
                "aws:PrincipalArn",
                format!("arn:aws:iam::{}:root", account.account_id),
            );
        }
    }
    if let Some(version) = call.auth.method.signature_version() {
        context.set("s3:signatureversion", version);
    }
    if let Some(kind) = call.auth.method.auth_type() {
        context.set("s3:authType", kind);
    }
    if let Some(age) = signature_age_millis(call, now_millis) {
        context.set("s3:signatureAge", age.to_string());
    }
    if matches!(
        call.route.operation,
        Operation::ListObjects
            | Operation::ListObjectsV2
            | Operation::ListObjectVersions
            | Operation::ListMultipartUploads
    ) {
        let pairs = head.query_pairs();
        for (param, key) in [
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ] {
            if let Some((_, value)) = pairs.iter().find(|(k, _)| k == param) {
                context.set(key, value.clone());
            }
        }
    }
    if let Some(object) = object {
        for (name, value) in &object.tags {
            context.set(&format!("s3:ExistingObjectTag/{name}"), value.clone());
        }
    }
    if let Some(tagging) = head.header("x-amz-tagging") {
        let pairs = crate::request::parse_query(tagging);
        for (name, value) in &pairs {
            context.set(&format!("s3:RequestObjectTag/{name}"), value.clone());
        }
        context.set_many(
            "s3:RequestObjectTagKeys",
            pairs.into_iter().map(|(name, _)| name).collect(),
        );
    }
    context
}

/// Milliseconds since the request was signed (`x-amz-date`, or `X-Amz-Date` of a presigned URL).
fn signature_age_millis(call: &Call<'_>, now_millis: i64) -> Option<i64> {
    let signed = call
        .head
        .header("x-amz-date")
        .map(str::to_string)
        .or_else(|| {
            call.head
                .query_pairs()
                .into_iter()
                .find(|(k, _)| k == "X-Amz-Date")
                .map(|(_, v)| v)
        })?;
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let when = time::PrimitiveDateTime::parse(&signed, &format).ok()?;
    Some(now_millis - when.assume_utc().unix_timestamp() * 1000)
}

/// Grants by e-mail or id name the configured users.
pub struct ConfiguredAccounts<'a>(pub &'a crate::auth::credentials::Users);

fn owner_of(user: &User) -> Owner {
    Owner {
        id: user.canonical_id.clone(),
        display_name: user.display_name.clone(),
    }
}

impl AccountLookup for ConfiguredAccounts<'_> {
    fn by_id(&self, id: &str) -> Option<Owner> {
        self.0.by_canonical_id(id).map(owner_of)
    }

    fn by_email(&self, email: &str) -> Option<Owner> {
        self.0.by_email(email).map(owner_of)
    }
}

/// The `Owner` of an account by canonical id, with its display name when it is a configured
/// user.
pub fn owner_named(config: &Config, id: &str) -> Owner {
    match config.users.by_canonical_id(id) {
        Some(user) => owner_of(user),
        None => Owner {
            id: id.to_string(),
            display_name: id.to_string(),
        },
    }
}
