//! Bucket operations: CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, ListBuckets.
//! Follows the S3 API Reference pages of those names and "Bucket naming rules".
//!
//! ListBuckets reads the owner index `owner/<id>/<bucket>` in KV, whose metadata carries each
//! bucket's creation time and region, so a page costs one KV `list` call per 1,000 buckets.
//! With `max-buckets`, `prefix`, `bucket-region` or `continuation-token` it pages as S3's
//! ListBuckets does: the continuation token carries KV's cursor (KV `list` has no start-after).

use super::{load_bucket, owned_bucket};
use crate::authz::ownership::ObjectOwnership;
use crate::context::{Call, Ctx, OpResult, Response};
use crate::error::{ErrorCode, S3Error};
use crate::listing::{self, upload_names, ListQuery};
use crate::names;
use crate::record::BucketRecord;
use crate::store::{self, BlobStore, Expect, MetaStore, StoreResult};
use crate::versioning::VersioningStatus;
use crate::xml;

/// Metadata stored beside an owner's bucket entry so that ListBuckets needs one KV list call
/// per 1,000 buckets: `<creation millis> <region>`.
fn owner_entry_metadata(record: &BucketRecord, region: &str) -> String {
    format!("{} {region}", record.created_millis)
}

/// Reads an owner entry's metadata: creation time and region. Entries written before the
/// region was kept there hold only the creation time (their region is `None`).
pub fn parse_owner_entry_metadata(metadata: Option<&str>) -> (i64, Option<String>) {
    let metadata = metadata.unwrap_or_default();
    let (millis, region) = match metadata.split_once(' ') {
        Some((millis, region)) => (millis, Some(region.to_string()).filter(|r| !r.is_empty())),
        None => (metadata, None),
    };
    (millis.parse().unwrap_or(0), region)
}

/// S3's legacy us-east-1 behaviour: creating a bucket the caller already owns answers 200 and
/// leaves the bucket as it is, when the request is for us-east-1 (the configured region is
/// us-east-1 and the request names no other) and so is the bucket. Every other case answers 409.
pub fn recreate_is_legacy_success(
    config_region: &str,
    location: Option<&str>,
    existing_location: Option<&str>,
) -> bool {
    const US_EAST_1: &str = "us-east-1";
    let in_us_east_1 = |l: Option<&str>| l.is_none_or(|l| l == US_EAST_1);
    config_region == US_EAST_1 && in_us_east_1(location) && in_us_east_1(existing_location)
}

pub async fn create_bucket<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    let bucket = call.bucket();
    validate_bucket_name(bucket)?;
    let body = super::read_small_body(ctx, call, body, 64 * 1024).await?;
    let location = xml::parse_create_bucket(&body)?;
    let user = call.user()?;
    if let Some(existing) = load_bucket(ctx.store, bucket).await? {
        let code = if existing.owner != user.canonical_id {
            ErrorCode::BucketAlreadyExists
        } else if recreate_is_legacy_success(
            &ctx.config.region,
            location.as_deref(),
            existing.location.as_deref(),
        ) {
            return Ok(Response::new(200).header("location", format!("/{bucket}")));
        } else {
            ErrorCode::BucketAlreadyOwnedByYou
        };
        return Err(S3Error::new(code).detail("BucketName", bucket));
    }
    let ownership = match call.head.header("x-amz-object-ownership") {
        None => ctx.config.default_ownership,
        Some(value) => ObjectOwnership::parse(value.trim()).ok_or_else(|| {
            S3Error::with_message(
                ErrorCode::InvalidArgument,
                "Invalid x-amz-object-ownership header",
            )
            .detail("ArgumentName", "x-amz-object-ownership")
            .detail("ArgumentValue", value)
        })?,
    };
    let acl = super::acl::new_bucket_acl(ctx, call, &user.canonical_id, ownership)?;
    // Object Lock comes with versioning, enabled for good.
    let object_lock = object_lock_requested(call)?;
    let record = BucketRecord {
        owner: user.canonical_id.clone(),
        created_millis: ctx.now_millis,
        location,
        ownership: Some(ownership),
        acl,
        versioning: object_lock.then_some(VersioningStatus::Enabled),
        object_lock,
        ..BucketRecord::default()
    };
    let record_name = names::bucket_record(bucket);
    let created = ctx
        .store
        .put_if(&record_name, &record.to_json(), None, Expect::Absent)
        .await?;
    if !created {
        // Another CreateBucket of the name came first.
        return Err(S3Error::new(ErrorCode::OperationAborted).detail("BucketName", bucket));
    }
    let owner_entry = names::owner_bucket(&record.owner, bucket);
    let region = record.location.as_deref().unwrap_or(&ctx.config.region);
    let metadata = owner_entry_metadata(&record, region);
    if let Err(err) = MetaStore::put(ctx.store, &owner_entry, "", Some(&metadata)).await {
        // Without its owner entry the bucket would be taken yet unlisted: undo the record.
        let _ = MetaStore::delete(ctx.store, &record_name).await;
        return Err(err.into());
    }
    Ok(Response::new(200).header("location", format!("/{bucket}")))
}

/// `x-amz-bucket-object-lock-enabled` of a CreateBucket: `true` or `false`.
fn object_lock_requested(call: &Call<'_>) -> Result<bool, S3Error> {
    const HEADER: &str = "x-amz-bucket-object-lock-enabled";
    match call.head.header(HEADER).map(str::trim) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(S3Error::new(ErrorCode::InvalidArgument)
            .detail("ArgumentName", HEADER)
            .detail("ArgumentValue", v)),
    }
}

pub async fn delete_bucket<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let bucket = call.bucket();
    let probe = listing::list_objects(
        ctx.store,
        bucket,
        &ListQuery {
            max_keys: 1,
            ..ListQuery::default()
        },
    )
    .await?;
    if !probe.items.is_empty() {
        return Err(S3Error::new(ErrorCode::BucketNotEmpty).detail("BucketName", bucket));
    }
    if record.versioning.is_some() {
        // Noncurrent versions and delete markers keep a bucket from being deleted, as in S3.
        let root = super::version_archive::root(bucket);
        let archived = ctx
            .store
            .list_blobs(store::BlobListOptions {
                prefix: &root,
                limit: 1,
                ..store::BlobListOptions::default()
            })
            .await?;
        if !archived.entries.is_empty() {
            return Err(S3Error::new(ErrorCode::BucketNotEmpty).detail("BucketName", bucket));
        }
        let null_places: Vec<String> =
            store::list_all(ctx.store, &super::version_archive::null_prefix(bucket))
                .await?
                .into_iter()
                .map(|e| e.name)
                .collect();
        for batch in null_places.chunks(store::BLOB_BATCH_MAX) {
            BlobStore::delete_blobs(ctx.store, batch).await?;
        }
    }
    abort_uploads(ctx, bucket).await?;
    MetaStore::delete(ctx.store, &names::owner_bucket(&record.owner, bucket)).await?;
    MetaStore::delete(ctx.store, &names::bucket_record(bucket)).await?;
    Ok(Response::new(204))
}

/// Aborts every in-progress multipart upload of an empty bucket being deleted (S3 drops them
/// with the bucket), so none reappears if the name is created again.
async fn abort_uploads<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    bucket: &str,
) -> StoreResult<()> {
    let prefix = names::upload_prefix(bucket);
    for entry in store::list_all(ctx.store, &prefix).await? {
        let upload_id = &entry.name[prefix.len()..];
        let key = entry.custom.get(super::multipart::upload_field::KEY);
        super::multipart::discard_upload(ctx, bucket, upload_id, key.map(String::as_str), None)
            .await?;
    }
    // Entries left without a record (a failed Create) go too, so that none is listed if the
    // name is created again.
    let leftover: Vec<String> = store::list_all(ctx.store, &upload_names::prefix(bucket))
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    for batch in leftover.chunks(store::BLOB_BATCH_MAX) {
        BlobStore::delete_blobs(ctx.store, batch).await?;
    }
    Ok(())
}

pub async fn head_bucket<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let region = record.location.unwrap_or_else(|| ctx.config.region.clone());
    Ok(Response::new(200).header("x-amz-bucket-region", region))
}

pub async fn get_bucket_location<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let location = xml::LocationConstraint(record.location.filter(|l| l != "us-east-1"));
    Ok(Response::xml(200, location.to_xml()))
}

/// Largest `max-buckets`, and the page size S3 applies when a paging or filtering parameter
/// comes without `max-buckets`.
pub const MAX_BUCKETS: usize = 10_000;
/// KV returns at most 1,000 names per `list` call.
const KV_LIST_LIMIT: usize = 1000;
/// Most KV `list` calls one ListBuckets page makes: a full page of 10,000 takes ten; with a
/// `bucket-region` filter a page that runs out of calls is answered short, with a token.
const KV_CALLS_PER_PAGE: usize = 16;
/// Most bucket records one page reads to learn the region of owner entries written before
/// the region was kept beside them; past it, such entries are given the configured region.
const LEGACY_REGION_READS_PER_PAGE: usize = 100;

/// Where a ListBuckets page resumes: after bucket `after`, at KV's `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketsToken {
    pub after: String,
    pub cursor: String,
}

impl BucketsToken {
    /// Opaque to clients: base64 of the last bucket name seen and the KV cursor.
    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("{}\n{}", self.after, self.cursor))
    }

    pub fn decode(token: &str) -> Result<BucketsToken, S3Error> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.as_bytes())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                let (after, cursor) = text.split_once('\n')?;
                (!cursor.is_empty()).then(|| BucketsToken {
                    after: after.to_string(),
                    cursor: cursor.to_string(),
                })
            })
            .ok_or_else(|| {
                S3Error::with_message(
                    ErrorCode::InvalidArgument,
                    "The continuation token provided is incorrect",
                )
                .detail("ArgumentName", "continuation-token")
                .detail("ArgumentValue", token)
            })
    }
}

/// `max-buckets`: an integer from 1 to 10,000.
pub fn parse_max_buckets(raw: Option<&str>) -> Result<Option<usize>, S3Error> {
    let Some(raw) = raw else { return Ok(None) };
    match raw.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_BUCKETS as i64).contains(&n) => Ok(Some(n as usize)),
        _ => Err(S3Error::with_message(
            ErrorCode::InvalidArgument,
            "Argument max-buckets must be an integer between 1 and 10000.",
        )
        .detail("ArgumentName", "max-buckets")
        .detail("ArgumentValue", raw)),
    }
}

pub async fn list_buckets<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let head = call.head;
    let user = call.user()?;
    let max_buckets = parse_max_buckets(head.query_param("max-buckets").as_deref())?;
    let token = head
        .query_param("continuation-token")
        .filter(|t| !t.is_empty())
        .map(|t| BucketsToken::decode(&t))
        .transpose()?;
    let name_prefix = head.query_param("prefix").filter(|p| !p.is_empty());
    let region_filter = head.query_param("bucket-region").filter(|r| !r.is_empty());
    // Without any of these, ListBuckets answers every bucket, as it always has.
    let paged = max_buckets.is_some()
        || token.is_some()
        || name_prefix.is_some()
        || region_filter.is_some();
    let page_size = max_buckets.unwrap_or(MAX_BUCKETS);

    let owner_prefix = names::owner_buckets_prefix(&user.canonical_id);
    let list_prefix = format!(
        "{owner_prefix}{}",
        name_prefix.as_deref().unwrap_or_default()
    );
    let mut buckets = Vec::new();
    let mut cursor = token.as_ref().map(|t| t.cursor.clone());
    let mut last_seen = token.as_ref().map(|t| t.after.clone());
    let mut calls = 0;
    let mut legacy_reads = 0;
    loop {
        // Asking for no more than the page still needs uses up every KV page whole, so
        // KV's cursor is exactly where the next page starts.
        let limit = if paged {
            (page_size - buckets.len()).min(KV_LIST_LIMIT)
        } else {
            KV_LIST_LIMIT
        };
        let page =
            MetaStore::list(ctx.store, &list_prefix, cursor.as_deref(), limit as u32).await?;
        calls += 1;
        for (entry, metadata) in page.entries {
            let name = entry[owner_prefix.len()..].to_string();
            if token.as_ref().is_some_and(|t| name <= t.after) {
                continue;
            }
            last_seen = Some(name.clone());
            let (created, region) = parse_owner_entry_metadata(metadata.as_deref());
            let region = if paged {
                Some(match region {
                    Some(region) => region,
                    // An entry written before regions were kept: the bucket record knows.
                    None if legacy_reads < LEGACY_REGION_READS_PER_PAGE => {
                        legacy_reads += 1;
                        load_bucket(ctx.store, &name)
                            .await?
                            .and_then(|r| r.location)
                            .unwrap_or_else(|| ctx.config.region.clone())
                    }
                    None => ctx.config.region.clone(),
                })
            } else {
                None
            };
            if region_filter.is_some() && region != region_filter {
                continue;
            }
            buckets.push(xml::BucketEntry {
                name,
                creation_date_millis: created,
                region,
            });
        }
        cursor = page.cursor;
        if cursor.is_none() || (paged && (buckets.len() >= page_size || calls >= KV_CALLS_PER_PAGE))
        {
            break;
        }
    }
    let continuation_token = match (paged, cursor, last_seen) {
        (true, Some(cursor), Some(after)) => Some(BucketsToken { after, cursor }.encode()),
        _ => None,
    };
    let result = xml::ListAllMyBucketsResult {
        owner: xml::Owner {
            id: user.canonical_id.clone(),
            display_name: user.display_name.clone(),
        },
        buckets,
        continuation_token,
        prefix: name_prefix,
    };
    Ok(Response::xml(200, result.to_xml()))
}

/// S3's rules for general purpose bucket names.
pub fn validate_bucket_name(name: &str) -> Result<(), S3Error> {
    let invalid = || S3Error::new(ErrorCode::InvalidBucketName).detail("BucketName", name);
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Err(invalid());
    }
    let allowed = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-';
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !bytes.iter().all(|&c| allowed(c)) || !edge(bytes[0]) || !edge(bytes[bytes.len() - 1]) {
        return Err(invalid());
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Err(invalid());
    }
    let looks_like_ip =
        name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok());
    let reserved_prefix = ["xn--", "sthree-", "amzn-s3-demo-"]
        .iter()
        .any(|p| name.starts_with(p));
    let reserved_suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]
        .iter()
        .any(|s| name.ends_with(s));
    if looks_like_ip || reserved_prefix || reserved_suffix {
        return Err(invalid());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_entry_metadata_round_trips_and_reads_old_entries() {
        let record = BucketRecord {
            owner: "o".into(),
            created_millis: 1_700_000_000_123,
            location: None,
            ..BucketRecord::default()
        };
        let metadata = owner_entry_metadata(&record, "eu-west-1");
        assert_eq!(metadata, "1700000000123 eu-west-1");
        assert_eq!(
            parse_owner_entry_metadata(Some(&metadata)),
            (1_700_000_000_123, Some("eu-west-1".to_string()))
        );
        // Written before the region was kept: creation time only.
        assert_eq!(
            parse_owner_entry_metadata(Some("1700000000123")),
            (1_700_000_000_123, None)
        );
        assert_eq!(parse_owner_entry_metadata(None), (0, None));
    }

    #[test]
    fn max_buckets_is_1_to_10000() {
        assert_eq!(parse_max_buckets(None).unwrap(), None);
        assert_eq!(parse_max_buckets(Some("1")).unwrap(), Some(1));
        assert_eq!(parse_max_buckets(Some("10000")).unwrap(), Some(10_000));
        for bad in ["0", "-1", "10001", "ten", "", "1.5"] {
            let err = parse_max_buckets(Some(bad)).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn buckets_tokens_round_trip_and_reject_garbage() {
        let token = BucketsToken {
            after: "my-bucket.v2".into(),
            cursor: "AAAA+/==\nweird cursor".into(),
        };
        let encoded = token.encode();
        assert!(encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(BucketsToken::decode(&encoded).unwrap(), token);
        for bad in ["***", "bm8gbmV3bGluZQ", "YWZ0ZXIK"] {
            let err = BucketsToken::decode(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn recreating_an_owned_bucket_succeeds_only_in_us_east_1() {
        assert!(recreate_is_legacy_success("us-east-1", None, None));
        assert!(recreate_is_legacy_success(
            "us-east-1",
            Some("us-east-1"),
            None
        ));
        assert!(recreate_is_legacy_success(
            "us-east-1",
            None,
            Some("us-east-1")
        ));
        assert!(!recreate_is_legacy_success(
            "us-east-1",
            Some("eu-west-1"),
            None
        ));
        assert!(!recreate_is_legacy_success("eu-west-1", None, None));
        // A bucket made elsewhere is not re-created by a request for us-east-1.
        assert!(!recreate_is_legacy_success(
            "us-east-1",
            None,
            Some("eu-west-1")
        ));
        assert!(!recreate_is_legacy_success(
            "eu-west-1",
            Some("eu-west-1"),
            Some("eu-west-1")
        ));
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for good in ["abc", "my-bucket.v2", "a1b", &"a".repeat(63)] {
            assert!(validate_bucket_name(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "UPPER",
            "a..b",
            "-ab",
            "ab-",
            "192.168.1.1",
            "a_b",
            "xn--abc",
            "abc-s3alias",
            "a.-b",
            &"a".repeat(64),
        ] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
    }
}
