//! Bucket operations: CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation, ListBuckets.
//! Follows the S3 API Reference pages of those names and "Bucket naming rules".

use super::{load_bucket, owned_bucket};
use crate::error::{ErrorCode, S3Error};
use crate::listing::{self, ListQuery};
use crate::names;
use crate::record::BucketRecord;
use crate::service::{Call, Ctx, OpResult, Response};
use crate::store::{self, BlobStore, MetaStore, StoreResult};
use crate::xml;

/// Metadata stored beside an owner's bucket entry so that ListBuckets needs one KV list call.
fn owner_entry_metadata(record: &BucketRecord) -> String {
    record.created_millis.to_string()
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
    let user = &call.auth.user;
    if let Some(existing) = load_bucket(ctx.store, bucket).await? {
        let code = if existing.owner == user.canonical_id {
            ErrorCode::BucketAlreadyOwnedByYou
        } else {
            ErrorCode::BucketAlreadyExists
        };
        return Err(S3Error::new(code).detail("BucketName", bucket));
    }
    let record = BucketRecord {
        owner: user.canonical_id.clone(),
        created_millis: ctx.now_millis,
        location,
        tags: None,
    };
    let record_name = names::bucket_record(bucket);
    MetaStore::put(ctx.store, &record_name, &record.to_json(), None).await?;
    let owner_entry = names::owner_bucket(&record.owner, bucket);
    let metadata = owner_entry_metadata(&record);
    if let Err(err) = MetaStore::put(ctx.store, &owner_entry, "", Some(&metadata)).await {
        // Without its owner entry the bucket would be taken yet unlisted: undo the record.
        let _ = MetaStore::delete(ctx.store, &record_name).await;
        return Err(err.into());
    }
    Ok(Response::new(200).header("location", format!("/{bucket}")))
}

pub async fn delete_bucket<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let record = owned_bucket(ctx, call).await?;
    let bucket = call.bucket();
    let probe = listing::list_page(
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
        super::multipart::discard_upload(ctx, bucket, upload_id, None).await?;
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

pub async fn list_buckets<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
) -> OpResult<S::Body> {
    let user = &call.auth.user;
    let prefix = names::owner_buckets_prefix(&user.canonical_id);
    let mut buckets = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = MetaStore::list(ctx.store, &prefix, cursor.as_deref(), 1000).await?;
        for (name, metadata) in page.entries {
            buckets.push(xml::BucketEntry {
                name: name[prefix.len()..].to_string(),
                creation_date_millis: metadata.and_then(|m| m.parse().ok()).unwrap_or(0),
            });
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let result = xml::ListAllMyBucketsResult {
        owner: xml::Owner {
            id: user.canonical_id.clone(),
            display_name: user.display_name.clone(),
        },
        buckets,
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
    use super::validate_bucket_name;

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
