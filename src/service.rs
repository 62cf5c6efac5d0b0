//! The runtime-independent request handler: a website request goes to the website endpoint;
//! an API request is routed, authenticated and dispatched (one line per operation); every
//! answer is shaped here (request id headers, S3 error XML).

use crate::auth;
pub use crate::context::{Access, Body, Call, Config, Ctx, OpResult, Response};
use crate::cors::{self, CorsConfiguration};
use crate::error::S3Error;
use crate::ops;
use crate::preflight::{self, Preflight};
use crate::request::RequestHead;
use crate::router::{self, Operation, Route};
use crate::runtime_encoding;
use crate::store::{BlobStore, MetaStore};

/// Handles one request through a [`Preflight`] store: an active one (the front asked, and the
/// Worker allows it) answers `204` with `x-s3edge-preflight: continue` when the request reached
/// its body or a write, and otherwise its final answer marked `final`.
pub async fn handle_gated<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, Preflight<'_, S>>,
    head: RequestHead,
    body: S::Body,
) -> Response<S::Body> {
    let answer = handle(ctx, head, body).await;
    if !ctx.store.is_active() {
        return answer;
    }
    if ctx.store.body_wanted() {
        return Response::new(204)
            .header(preflight::HEADER, "continue")
            .header("x-amz-request-id", ctx.request_id.clone());
    }
    answer.header(preflight::HEADER, "final")
}

/// True when this request asks for a preflight and the Worker is configured to answer one;
/// its head then describes the body the front holds back.
pub fn take_preflight(config: &Config, head: &mut RequestHead) -> bool {
    if !config.expect_preflight || head.header(preflight::HEADER).is_none() {
        return false;
    }
    preflight::restore_framing(head);
    true
}

/// Handles one request end to end; never fails: errors become S3 error responses.
pub async fn handle<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: RequestHead,
    body: S::Body,
) -> Response<S::Body> {
    let response = match ctx.config.website.bucket_for(&head) {
        Some(bucket) => ops::website_endpoint::serve(ctx, &head, &bucket).await,
        None => handle_api(ctx, &head, body).await,
    };
    finish(response, &head, &ctx.request_id)
}

/// The S3 API: route, authenticate, authorize, run; errors as S3 error XML.
async fn handle_api<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    body: S::Body,
) -> Response<S::Body> {
    let routed = router::route(head, &ctx.config.router);
    let resource = routed
        .as_ref()
        .map_or_else(|_| head.path.clone(), |r| r.resource.clone());
    let (result, cors) = match routed {
        Ok(route) if route.operation == Operation::CorsPreflight => {
            (ops::cors::preflight(ctx, head, &route).await, None)
        }
        Ok(route) => dispatch(ctx, head, route, body).await,
        Err(err) => (Err(err), None),
    };
    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            err.log_if_internal(&ctx.request_id);
            error_response(&err, &resource, &ctx.request_id, head.method == "HEAD")
        }
    };
    // A cross-origin request to a bucket with CORS rules: S3's CORS headers, on success and
    // error answers alike.
    if let (Some(cors), Some(origin)) = (cors.as_ref(), head.header("origin")) {
        response
            .headers
            .extend(cors::answer_headers(cors, origin, &head.method));
    }
    response
}

/// What every answer carries: the request id, the server's name, and the headers that keep the
/// runtime from re-encoding the body.
fn finish<B>(mut response: Response<B>, head: &RequestHead, request_id: &str) -> Response<B> {
    response
        .headers
        .push(("x-amz-request-id".into(), request_id.to_string()));
    response
        .headers
        .push(("x-amz-id-2".into(), request_id.to_string()));
    response.headers.push(("server".into(), "s3edge".into()));
    runtime_encoding::shield(&mut response.headers, head.header("accept-encoding"));
    response
}

/// The S3 error answer; HEAD answers carry no body, as S3's do.
pub fn error_response<B>(
    err: &S3Error,
    resource: &str,
    request_id: &str,
    head: bool,
) -> Response<B> {
    let mut response = if head {
        Response::new(err.status())
    } else {
        Response::xml(err.status(), err.to_xml(resource, request_id))
    };
    response.headers.extend(err.headers.iter().cloned());
    response
}

/// Authenticates, authorizes and runs one request; also gives the CORS configuration of the
/// bucket the authorization step read, for the answer's CORS headers.
async fn dispatch<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    route: Route,
    body: S::Body,
) -> (OpResult<S::Body>, Option<CorsConfiguration>) {
    if route.operation == Operation::PostObject {
        // A browser upload is authenticated by the fields of its form, not by its headers.
        return ops::post::post_object(ctx, head, route, body).await;
    }
    let host_bucket = route.bucket.as_deref().filter(|_| route.virtual_host);
    let now = ctx.now_millis.div_euclid(1000);
    let authenticated = if auth::delegated::is_delegated(head) {
        auth::delegated::authenticate(head, &ctx.config.users, ctx.now_millis)
    } else {
        auth::authenticate_routed(head, &ctx.config.users, now, host_bucket)
    };
    let auth = match authenticated {
        Ok(auth) => auth,
        Err(err) => return (Err(err), refused_cors(ctx, head, &route).await),
    };
    let principal = auth.principal();
    let mut call = Call {
        head,
        route,
        auth,
        principal,
        access: Access::default(),
    };
    if !implemented(call.route.operation) {
        let err = S3Error::not_implemented(&call.route.operation.name());
        return (Err(err), None);
    }
    let (access, decision) = ops::access::check(ctx, &call).await;
    let cors = access.bucket.as_ref().and_then(|b| b.cors.clone());
    if let Err(err) = decision {
        return (Err(err), cors);
    }
    call.access = access;
    (run(ctx, &call, body).await, cors)
}

/// The CORS rules of a cross-origin request refused before its bucket was read (a bad
/// signature): S3 still answers it with the bucket's CORS headers, so that the page can read
/// the error. One read, on this error path only.
async fn refused_cors<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    route: &Route,
) -> Option<CorsConfiguration> {
    head.header("origin")?;
    let bucket = route.bucket.as_deref()?;
    let record = ops::load_bucket(ctx.store, bucket).await.ok()??;
    record.cors
}

/// One line per operation.
async fn run<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    call: &Call<'_>,
    body: S::Body,
) -> OpResult<S::Body> {
    use Operation::*;
    match call.route.operation {
        ListBuckets => ops::bucket::list_buckets(ctx, call).await,
        CreateBucket => ops::bucket::create_bucket(ctx, call, body).await,
        DeleteBucket => ops::bucket::delete_bucket(ctx, call).await,
        HeadBucket => ops::bucket::head_bucket(ctx, call).await,
        GetBucketLocation => ops::bucket::get_bucket_location(ctx, call).await,
        ListObjects => ops::list::list_objects(ctx, call, false).await,
        ListObjectsV2 => ops::list::list_objects(ctx, call, true).await,
        PutObject => ops::put::put_object(ctx, call, body).await,
        GetObject => ops::get::get_object(ctx, call, true).await,
        HeadObject => ops::get::get_object(ctx, call, false).await,
        DeleteObject => ops::delete::delete_object(ctx, call).await,
        DeleteObjects => ops::delete::delete_objects(ctx, call, body).await,
        CopyObject => ops::copy::copy_object(ctx, call).await,
        AppendObject => ops::append::append_object(ctx, call, body).await,
        CreateMultipartUpload => ops::multipart::create_multipart_upload(ctx, call).await,
        UploadPart => ops::multipart::upload_part(ctx, call, body).await,
        UploadPartCopy => ops::copy::upload_part_copy(ctx, call).await,
        CompleteMultipartUpload => ops::multipart::complete_multipart_upload(ctx, call, body).await,
        AbortMultipartUpload => ops::multipart::abort_multipart_upload(ctx, call).await,
        ListParts => ops::multipart_list::list_parts(ctx, call).await,
        ListMultipartUploads => ops::multipart_list::list_multipart_uploads(ctx, call).await,
        GetObjectTagging => ops::tagging::get_object_tagging(ctx, call).await,
        PutObjectTagging => ops::tagging::put_object_tagging(ctx, call, body).await,
        DeleteObjectTagging => ops::tagging::delete_object_tagging(ctx, call).await,
        GetObjectAttributes => ops::attributes::get_object_attributes(ctx, call).await,
        GetBucketTagging => ops::tagging::get_bucket_tagging(ctx, call).await,
        PutBucketTagging => ops::tagging::put_bucket_tagging(ctx, call, body).await,
        DeleteBucketTagging => ops::tagging::delete_bucket_tagging(ctx, call).await,
        GetBucketVersioning => ops::versions::get_bucket_versioning(ctx, call).await,
        PutBucketVersioning => ops::versions::put_bucket_versioning(ctx, call, body).await,
        ListObjectVersions => ops::versions::list_object_versions(ctx, call).await,
        GetObjectLockConfiguration => {
            ops::object_lock::get_object_lock_configuration(ctx, call).await
        }
        PutObjectLockConfiguration => {
            ops::object_lock::put_object_lock_configuration(ctx, call, body).await
        }
        GetObjectRetention => ops::object_lock::get_object_retention(ctx, call).await,
        PutObjectRetention => ops::object_lock::put_object_retention(ctx, call, body).await,
        GetObjectLegalHold => ops::object_lock::get_object_legal_hold(ctx, call).await,
        PutObjectLegalHold => ops::object_lock::put_object_legal_hold(ctx, call, body).await,
        GetBucketWebsite => ops::website::get_bucket_website(ctx, call).await,
        PutBucketWebsite => ops::website::put_bucket_website(ctx, call, body).await,
        DeleteBucketWebsite => ops::website::delete_bucket_website(ctx, call).await,
        GetBucketCors => ops::cors::get_bucket_cors(ctx, call).await,
        PutBucketCors => ops::cors::put_bucket_cors(ctx, call, body).await,
        DeleteBucketCors => ops::cors::delete_bucket_cors(ctx, call).await,
        GetBucketAcl => ops::acl::get_bucket_acl(ctx, call).await,
        PutBucketAcl => ops::acl::put_bucket_acl(ctx, call, body).await,
        GetObjectAcl => ops::acl::get_object_acl(ctx, call).await,
        PutObjectAcl => ops::acl::put_object_acl(ctx, call, body).await,
        GetBucketPolicy => ops::policy::get_bucket_policy(ctx, call).await,
        PutBucketPolicy => ops::policy::put_bucket_policy(ctx, call, body).await,
        DeleteBucketPolicy => ops::policy::delete_bucket_policy(ctx, call).await,
        GetBucketPolicyStatus => ops::policy::get_bucket_policy_status(ctx, call).await,
        GetPublicAccessBlock => ops::public_access::get_public_access_block(ctx, call).await,
        PutPublicAccessBlock => ops::public_access::put_public_access_block(ctx, call, body).await,
        DeletePublicAccessBlock => ops::public_access::delete_public_access_block(ctx, call).await,
        GetBucketOwnershipControls => ops::ownership::get_ownership_controls(ctx, call).await,
        PutBucketOwnershipControls => ops::ownership::put_ownership_controls(ctx, call, body).await,
        DeleteBucketOwnershipControls => ops::ownership::delete_ownership_controls(ctx, call).await,
        other => Err(S3Error::not_implemented(&other.name())),
    }
}

/// The operations with a handler; the rest answer 501 NotImplemented once authenticated.
fn implemented(operation: Operation) -> bool {
    use Operation::*;
    !matches!(
        operation,
        GetBucketLifecycle
            | PutBucketLifecycle
            | DeleteBucketLifecycle
            | GetBucketEncryption
            | PutBucketEncryption
            | DeleteBucketEncryption
            | GetBucketLogging
            | PutBucketLogging
            | GetBucketNotification
            | PutBucketNotification
            | GetBucketReplication
            | PutBucketReplication
            | DeleteBucketReplication
            | GetBucketRequestPayment
            | PutBucketRequestPayment
            | GetBucketAccelerate
            | PutBucketAccelerate
            | BucketAnalyticsInventoryMetrics
            | RestoreObject
            | SelectObjectContent
            | GetObjectTorrent
            | ProcessObject
    )
}
