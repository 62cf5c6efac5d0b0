//! PostObject: a browser upload of one object through a `multipart/form-data` form ("POST
//! Object", "Browser-Based Uploads Using POST (AWS Signature Version 4)"). The form is
//! authenticated from its own fields (`auth::post`) and checked against its policy
//! (`post::policy`); the object is then authorized and stored exactly as the PutObject the form
//! stands for (`post::fields::put_head`). The body is never held whole: the store reads the
//! fields before the file and streams the file (`BlobStore::split_form`).

use super::{access, load_bucket, put};
use crate::auth;
use crate::context::{Access, Call, Ctx, OpResult};
use crate::cors::CorsConfiguration;
use crate::error::{ErrorCode, S3Error};
use crate::post::answer::{self, Stored};
use crate::post::fields::{self, Form};
use crate::post::form;
use crate::post::policy::{PostPolicy, Upload};
use crate::record::BucketRecord;
use crate::request::RequestHead;
use crate::router::{Operation, Route};
use crate::store::{BlobStore, FormSplit, MetaStore};
use crate::xml::url_encode_key;

/// Handles a POST to a bucket; also gives the bucket's CORS rules, which shape the answer.
/// The bucket's record is read first (one KV read, which the authorization of the PutObject
/// then uses), so that a missing bucket is answered before the body is sent, and every answer
/// after that carries the bucket's CORS headers.
pub async fn post_object<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    route: Route,
    body: S::Body,
) -> (OpResult<S::Body>, Option<CorsConfiguration>) {
    let framing = form::boundary(head.header("content-type"))
        .and_then(|boundary| Ok((boundary, content_length(head)?)));
    let (boundary, content_length) = match framing {
        Ok(framing) => framing,
        Err(err) => return (Err(err), None),
    };
    let name = route.bucket.clone().unwrap_or_default();
    let bucket = match load_bucket(ctx.store, &name).await {
        Ok(Some(bucket)) => bucket,
        Ok(None) => {
            let err = S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", name);
            return (Err(err), None);
        }
        Err(err) => return (Err(err.into()), None),
    };
    let cors = bucket.cors.clone();
    let split = FormSplit {
        boundary,
        content_length,
        head_limit: form::HEAD_MAX,
    };
    (upload(ctx, head, route, bucket, body, split).await, cors)
}

fn content_length(head: &RequestHead) -> Result<u64, S3Error> {
    let value = head
        .header("content-length")
        .ok_or_else(|| S3Error::new(ErrorCode::MissingContentLength))?;
    value.trim().parse().map_err(|_| {
        S3Error::with_message(
            ErrorCode::InvalidArgument,
            "Content-Length is not a number.",
        )
    })
}

async fn upload<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    route: Route,
    bucket: BucketRecord,
    body: S::Body,
    split: FormSplit,
) -> OpResult<S::Body> {
    let split = ctx.store.split_form(body, split).await?;
    let form = Form::new(&split.head);
    let key = form.key()?;
    let signed = auth::post::authenticate(&form, &ctx.config.users)?;
    let bucket_name = route.bucket.clone().unwrap_or_default();
    let policy = match &signed.policy {
        Some(policy) => Some(PostPolicy::decode(policy)?),
        None => None,
    };
    if let Some(policy) = &policy {
        policy.check(
            &form,
            &Upload {
                now_millis: ctx.now_millis,
                bucket: &bucket_name,
                file_length: split.file.length,
            },
        )?;
    }
    let object_path = format!("/{bucket_name}/{}", url_encode_key(&key));
    let put_head = fields::put_head(&form, head, &object_path, split.file.length)?;
    let principal = signed.auth.principal();
    let call = Call {
        head: &put_head,
        route: Route {
            operation: Operation::PutObject,
            bucket: Some(bucket_name.clone()),
            key: Some(key.clone()),
            resource: format!("/{bucket_name}/{key}"),
            virtual_host: route.virtual_host,
        },
        auth: signed.auth,
        principal,
        access: Access {
            bucket: Some(bucket),
            ..Access::default()
        },
    };
    access::decide_call(ctx, &call, &call.access)?;
    let check_length = |length: u64| match &policy {
        Some(policy) => policy.check_file_length(length),
        None => Ok(()),
    };
    let framing = put::FormFraming {
        verdict: &split.file.verdict,
        check_length: &check_length,
    };
    let record = put::store_object(ctx, &call, split.file.body, Some(framing)).await?;
    let location = object_url(head, &key);
    let etag = record.quoted_etag();
    let mut response = answer::success(
        &form,
        &Stored {
            location: &location,
            bucket: &bucket_name,
            key: &key,
            etag: &etag,
        },
    );
    response.headers.extend(
        put::object_headers(&record, &put_head)
            .into_iter()
            .filter(|(name, _)| name != "etag"),
    );
    Ok(response)
}

/// The URL of the stored object: the POST's own URL (bucket path, or the bucket's host) with the
/// key after it.
fn object_url(head: &RequestHead, key: &str) -> String {
    let scheme = if head.secure { "https" } else { "http" };
    let path = head.path.trim_end_matches('/');
    let key = url_encode_key(key);
    match head.header("host") {
        Some(host) => format!("{scheme}://{host}{path}/{key}"),
        None => format!("{path}/{key}"),
    }
}
