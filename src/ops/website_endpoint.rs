//! The website endpoint: GET and HEAD of a bucket's static website as anonymous readers see it,
//! with index documents, folder redirects, routing rules, object redirects and the custom error
//! document, answering errors as HTML pages; OPTIONS is the bucket's CORS preflight.
//! Follows "Website endpoints", "Configuring an index document", "Configuring a custom error
//! document" and "Configuring a webpage redirect" in the S3 user guide.

use super::access::{allows, load_object_and_bucket};
use super::{get, load_bucket, load_record};
use crate::auth::Authenticated;
use crate::authz::Principal;
use crate::context::{Access, Body, Call, Ctx, Response};
use crate::cors;
use crate::error::{ErrorCode, S3Error};
use crate::record::{BucketRecord, ObjectRecord};
use crate::request::RequestHead;
use crate::router::{Operation, Route};
use crate::store::{BlobStore, MetaStore};
use crate::website::html::error_page;
use crate::website::resolve::{self, Lookup, Origin, Redirect};
use crate::website::WebsiteConfiguration;
use percent_encoding::percent_decode_str;

/// The website of `bucket` answering `head`.
pub async fn serve<S: MetaStore + BlobStore>(
    ctx: &Ctx<'_, S>,
    head: &RequestHead,
    bucket: &str,
) -> Response<S::Body> {
    let key = website_key(&head.path);
    let with_body = head.method != "HEAD";
    // The query plays no part (`partNumber`, `response-*` are API parameters).
    let without_query = RequestHead {
        query: String::new(),
        ..head.clone()
    };
    let site = Site {
        ctx,
        head: &without_query,
        bucket,
        with_body,
    };
    let (mut response, record) = match head.method.as_str() {
        "GET" | "HEAD" => site.get(&key).await,
        "OPTIONS" => site.preflight(&key).await,
        _ => {
            let err = S3Error::new(ErrorCode::MethodNotAllowed)
                .detail("Method", head.method.clone())
                .detail("ResourceType", "OBJECT");
            (site.page(&err, None), None)
        }
    };
    // A cross-origin read of a bucket with CORS rules: S3's CORS headers, as on the API endpoint.
    let cors = record.as_ref().and_then(|r| r.cors.as_ref());
    if let (Some(cors), Some(origin), false) =
        (cors, head.header("origin"), head.method == "OPTIONS")
    {
        response
            .headers
            .extend(cors::answer_headers(cors, origin, &head.method));
    }
    response
}

/// The key a website path names: without its leading `/`, percent-decoded; the query is not
/// part of it.
pub fn website_key(path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

struct Site<'a, 'c, S> {
    ctx: &'a Ctx<'c, S>,
    head: &'a RequestHead,
    bucket: &'a str,
    with_body: bool,
}

impl<S: MetaStore + BlobStore> Site<'_, '_, S> {
    fn origin(&self) -> Origin<'_> {
        Origin {
            host: self.head.header("host").unwrap_or_default(),
            secure: self.head.secure,
        }
    }

    /// GET or HEAD of `key`; also the bucket's record, for the CORS headers.
    async fn get(&self, key: &str) -> (Response<S::Body>, Option<BucketRecord>) {
        // A file's record comes with the bucket's; a folder's key is known once the bucket is.
        let first = (!key.is_empty() && !key.ends_with('/')).then_some(key);
        let found = match first {
            Some(key) => load_object_and_bucket(self.ctx.store, self.bucket, key)
                .await
                .map(|(object, record)| (object.map(|o| o.record), record)),
            None => load_bucket(self.ctx.store, self.bucket)
                .await
                .map(|record| (None, record))
                .map_err(S3Error::from),
        };
        let (object, record) = match found {
            Ok(found) => found,
            Err(err) => return (self.page(&err, None), None),
        };
        let Some(record) = record else {
            let err = S3Error::new(ErrorCode::NoSuchBucket).detail("BucketName", self.bucket);
            return (self.page(&err, None), None);
        };
        let Some(config) = record.website.clone() else {
            let err = S3Error::new(ErrorCode::NoSuchWebsiteConfiguration)
                .detail("BucketName", self.bucket);
            return (self.page(&err, None), Some(record));
        };
        let response = match resolve::lookup(&config, key, self.origin()) {
            Lookup::Redirect(to) => redirect(to),
            Lookup::Object(served) => {
                let object = match first {
                    Some(_) => Ok(object),
                    None => load_record(self.ctx.store, self.bucket, &served)
                        .await
                        .map_err(S3Error::from),
                };
                match object {
                    Ok(object) => self.answer(&record, &config, key, &served, object).await,
                    Err(err) => self.page(&err, None),
                }
            }
        };
        (response, Some(record))
    }

    /// The answer for `served` (the object `requested` resolved to), read as `object`.
    async fn answer(
        &self,
        record: &BucketRecord,
        config: &WebsiteConfiguration,
        requested: &str,
        served: &str,
        object: Option<ObjectRecord>,
    ) -> Response<S::Body> {
        let err = match self.readable(record, served, object) {
            Ok(object) => match self.object(record, served, object, self.head).await {
                Ok(response) => return response,
                Err(err) => err,
            },
            Err(err) => {
                // `dir` that is no object, but a folder with an index document: to `dir/`.
                if let Some((index, to_folder)) = resolve::folder_index(config, served) {
                    match load_record(self.ctx.store, self.bucket, &index).await {
                        Ok(Some(index_record)) => {
                            if self.readable(record, &index, Some(index_record)).is_ok() {
                                return redirect(to_folder);
                            }
                        }
                        Ok(None) => {}
                        Err(failed) => return self.page(&S3Error::from(failed), None),
                    }
                }
                err
            }
        };
        if !matches!(err.status(), 403 | 404) {
            return self.page(&err, None);
        }
        if let Some(to) = resolve::error_redirect(config, requested, err.status(), self.origin()) {
            return redirect(to);
        }
        let Some(document) = config.error_document.as_ref().map(|d| d.key.as_str()) else {
            return self.page(&err, None);
        };
        // The custom error document, with the error's status.
        let document_error = match load_record(self.ctx.store, self.bucket, document).await {
            Err(store) => S3Error::from(store),
            Ok(found) => match self.readable(record, document, found) {
                Ok(found) => {
                    let plain = plain_get(self.head);
                    match self.object(record, document, found, &plain).await {
                        Ok(mut response) => {
                            response.status = err.status();
                            return response;
                        }
                        Err(failed) => failed,
                    }
                }
                Err(failed) => failed,
            },
        };
        self.page(&err, Some(&document_error))
    }

    /// `object` at `key` if anonymous readers may read it; else the error S3 answers them: 404
    /// for a missing object to readers who may read it and list the bucket, 403 otherwise.
    fn readable(
        &self,
        record: &BucketRecord,
        key: &str,
        object: Option<ObjectRecord>,
    ) -> Result<ObjectRecord, S3Error> {
        let call = self.call(record, key, object.clone(), self.head);
        let ctx = self.ctx;
        let allowed = |action: &str, key: Option<&str>, object: Option<&ObjectRecord>| {
            allows(
                ctx.config,
                ctx.now_millis,
                &call,
                &call.access,
                action,
                key,
                object,
            )
        };
        match object {
            Some(object) if allowed("s3:GetObject", Some(key), Some(&object)) => Ok(object),
            // As on the API: a missing key is told only to who may read it and list the bucket.
            None if allowed("s3:GetObject", Some(key), None)
                && allowed("s3:ListBucket", None, None) =>
            {
                Err(S3Error::new(ErrorCode::NoSuchKey).detail("Key", key))
            }
            _ => Err(S3Error::new(ErrorCode::AccessDenied)),
        }
    }

    /// An object's answer as GetObject gives it (range, conditions, headers, streamed bytes),
    /// or the redirect it was stored with.
    async fn object(
        &self,
        record: &BucketRecord,
        key: &str,
        object: ObjectRecord,
        head: &RequestHead,
    ) -> Result<Response<S::Body>, S3Error> {
        if let Some(location) = object.headers.website_redirect_location.clone() {
            return Ok(redirect(Redirect {
                status: 301,
                location,
            }));
        }
        let call = self.call(record, key, Some(object), head);
        get::get_object(self.ctx, &call, self.with_body).await
    }

    /// The anonymous GetObject call the website makes of `key`.
    fn call<'h>(
        &self,
        record: &BucketRecord,
        key: &str,
        object: Option<ObjectRecord>,
        head: &'h RequestHead,
    ) -> Call<'h> {
        Call {
            head,
            route: Route {
                operation: Operation::GetObject,
                bucket: Some(self.bucket.to_string()),
                key: Some(key.to_string()),
                resource: format!("/{}/{key}", self.bucket),
                virtual_host: true,
            },
            auth: Authenticated::anonymous(),
            principal: Principal::Anonymous,
            access: Access {
                bucket: Some(record.clone()),
                object,
                previous: None,
            },
        }
    }

    /// The bucket's CORS preflight, answered as on the API endpoint.
    async fn preflight(&self, key: &str) -> (Response<S::Body>, Option<BucketRecord>) {
        let route = Route {
            operation: Operation::CorsPreflight,
            bucket: Some(self.bucket.to_string()),
            key: (!key.is_empty()).then(|| key.to_string()),
            resource: format!("/{}/{key}", self.bucket),
            virtual_host: true,
        };
        match super::cors::preflight(self.ctx, self.head, &route).await {
            Ok(response) => (response, None),
            Err(err) => (self.page(&err, None), None),
        }
    }

    /// The HTML page of `err` (and of the error document's own failure).
    fn page(&self, err: &S3Error, document_error: Option<&S3Error>) -> Response<S::Body> {
        for err in std::iter::once(err).chain(document_error) {
            err.log_if_internal(&self.ctx.request_id);
        }
        let mut response = Response::new(err.status())
            .header("content-type", "text/html; charset=utf-8")
            .header("x-amz-error-code", err.code.as_str())
            .header("x-amz-error-message", err.message.clone());
        response.headers.extend(err.headers.iter().cloned());
        let page = error_page(err, &self.ctx.request_id, document_error);
        if self.with_body {
            response.body = Body::Bytes(page.into_bytes());
        } else {
            response = response.header("content-length", page.len().to_string());
        }
        response
    }
}

fn redirect<B>(to: Redirect) -> Response<B> {
    Response::new(to.status).header("location", to.location)
}

/// The request's head without what would make the error document's answer partial or
/// conditional: it is served whole, with the error's status.
fn plain_get(head: &RequestHead) -> RequestHead {
    let mut plain = head.clone();
    plain.headers.retain(|(name, _)| {
        !matches!(
            name.as_str(),
            "range" | "if-match" | "if-none-match" | "if-modified-since" | "if-unmodified-since"
        )
    });
    plain
}
