"""The website endpoint (issue 9): requests whose Host is `<bucket>.<S3EDGE_WEBSITE_DOMAIN>` or a
configured custom domain, answered as AWS's website endpoint answers them: index and error
documents, folder redirects, routing rules, object redirects, HTML errors, GET/HEAD only, and
only what anonymous readers may read. Raw requests (requests, no redirects followed), so that
every status and header is seen as sent."""

import gzip
import json
import os

import pytest
import requests

from s3e2e import ENDPOINT, empty_and_delete_bucket, sign_headers

WEBSITE_DOMAIN = os.environ.get("S3EDGE_WEBSITE_DOMAIN", "s3-website.localhost")
SITE = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "404.html"}}


def site_host(bucket):
    return f"{bucket}.{WEBSITE_DOMAIN}"


def visit(host, path="/", method="GET", headers=None):
    with requests.Session() as session:
        return session.request(method, ENDPOINT + path, headers={"Host": host, **(headers or {})}, allow_redirects=False, timeout=30)


def put_page(s3, bucket, key, body, acl="public-read", **extra):
    s3.put_object(Bucket=bucket, Key=key, Body=body, ACL=acl, ContentType=extra.pop("ContentType", "text/html"), **extra)


def public_policy(bucket, listable=True):
    """Anyone may read every page but private.html, and (when `listable`) list the bucket, so
    that a missing page is a 404 rather than a 403."""
    statements = [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/private.html"},
    ]
    if listable:
        statements.append({"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def site(s3, bucket):
    """A public website: index pages, a stylesheet, a 404 page, a private page."""
    s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket))
    put_page(s3, bucket, "index.html", b"<h1>home</h1>")
    put_page(s3, bucket, "docs/index.html", b"<h1>docs</h1>")
    put_page(s3, bucket, "style.css", b"h1{color:red}", ContentType="text/css", CacheControl="max-age=60")
    put_page(s3, bucket, "404.html", b"<h1>not here</h1>")
    put_page(s3, bucket, "private.html", b"secret", acl="private")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=SITE)
    return bucket


def test_index_documents_and_files(site):
    host = site_host(site)
    r = visit(host, "/")
    assert r.status_code == 200 and r.content == b"<h1>home</h1>"
    assert r.headers["content-type"] == "text/html"
    r = visit(host, "/docs/")
    assert r.status_code == 200 and r.content == b"<h1>docs</h1>"
    r = visit(host, "/style.css")
    assert r.status_code == 200 and r.content == b"h1{color:red}"
    assert r.headers["content-type"] == "text/css" and r.headers["cache-control"] == "max-age=60"
    # The query is no API parameter here.
    r = visit(host, "/style.css?response-content-type=text/plain&partNumber=1")
    assert r.status_code == 200 and r.headers["content-type"] == "text/css"
    head = visit(host, "/style.css", method="HEAD")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "13"


def test_a_folder_without_slash_redirects_to_the_folder(site):
    r = visit(site_host(site), "/docs")
    assert r.status_code == 302, r.text
    assert r.headers["location"] == "/docs/"
    assert visit(site_host(site), "/nodir").status_code == 404


def test_missing_pages_get_the_error_document_with_their_status(site):
    r = visit(site_host(site), "/nothing.html")
    assert r.status_code == 404
    assert r.content == b"<h1>not here</h1>" and r.headers["content-type"] == "text/html"
    head = visit(site_host(site), "/nothing.html", method="HEAD")
    assert head.status_code == 404 and head.content == b""
    # A private object is refused, and shows the error document too.
    r = visit(site_host(site), "/private.html")
    assert r.status_code == 403 and r.content == b"<h1>not here</h1>"


def test_without_error_document_errors_are_html_pages(s3, site):
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    r = visit(site_host(site), "/nothing.html")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in r.text and "<li>Code: NoSuchKey</li>" in r.text
    assert "<li>Key: nothing.html</li>" in r.text and "<li>RequestId: " in r.text
    assert r.headers["x-amz-error-code"] == "NoSuchKey"
    r = visit(site_host(site), "/private.html")
    assert r.status_code == 403 and "<li>Code: AccessDenied</li>" in r.text


def test_an_unreadable_error_document_is_reported_in_the_page(s3, site):
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={**SITE, "ErrorDocument": {"Key": "private.html"}})
    r = visit(site_host(site), "/nothing.html")
    assert r.status_code == 404
    assert "<li>Code: NoSuchKey</li>" in r.text
    assert "An Error Occurred While Attempting to Retrieve a Custom Error Document" in r.text
    assert r.text.split("Custom Error Document")[1].count("<li>Code: AccessDenied</li>") == 1


def test_missing_pages_are_403_to_who_may_not_list(s3, site):
    s3.put_bucket_policy(Bucket=site, Policy=public_policy(site, listable=False))
    r = visit(site_host(site), "/nothing.html")
    assert r.status_code == 403 and r.content == b"<h1>not here</h1>"
    assert visit(site_host(site), "/").status_code == 200


def test_public_read_acls_alone_publish_pages(s3, site):
    s3.delete_bucket_policy(Bucket=site)
    assert visit(site_host(site), "/").content == b"<h1>home</h1>"  # its ACL is public-read
    assert visit(site_host(site), "/private.html").status_code == 403  # its ACL is private
    # Without a policy nobody anonymous may read a missing key: 403, with the error document.
    r = visit(site_host(site), "/nothing.html")
    assert r.status_code == 403 and r.content == b"<h1>not here</h1>"
    s3.put_object_acl(Bucket=site, Key="index.html", ACL="private")
    assert visit(site_host(site), "/").status_code == 403


def test_only_anonymous_access_counts_even_when_signed(site):
    host = site_host(site)
    headers, *_ = sign_headers("GET", "/private.html", None, {}, "UNSIGNED-PAYLOAD", host=host)
    r = visit(host, "/private.html", headers=headers)
    assert r.status_code == 403


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(site, method):
    r = visit(site_host(site), "/index.html", method=method)
    assert r.status_code == 405
    assert "<li>Code: MethodNotAllowed</li>" in r.text and f"<li>Method: {method}</li>" in r.text


def test_range_conditional_and_encoding_as_on_the_api(s3, site):
    host = site_host(site)
    r = visit(host, "/style.css", headers={"Range": "bytes=0-1"})
    assert r.status_code == 206 and r.content == b"h1" and r.headers["content-range"] == "bytes 0-1/13"
    etag = visit(host, "/style.css").headers["etag"]
    assert visit(host, "/style.css", headers={"If-None-Match": etag}).status_code == 304
    packed = gzip.compress(b"body{}")
    put_page(s3, site, "packed.css", packed, ContentType="text/css", ContentEncoding="gzip")
    r = visit(host, "/packed.css", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.content == b"body{}"  # requests undoes the stored gzip
    raw = requests.get(ENDPOINT + "/packed.css", headers={"Host": host, "Accept-Encoding": "gzip"}, stream=True, timeout=30)
    assert raw.raw.read(decode_content=False) == packed


def test_routing_rules_apply_in_order(s3, site):
    s3.put_bucket_website(
        Bucket=site,
        WebsiteConfiguration={
            **SITE,
            "RoutingRules": [
                {"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "docs/"}},
                {"Condition": {"KeyPrefixEquals": "gone/"}, "Redirect": {"ReplaceKeyWith": "index.html", "HttpRedirectCode": "307"}},
                {
                    "Condition": {"HttpErrorCodeReturnedEquals": "404", "KeyPrefixEquals": "shop/"},
                    "Redirect": {"HostName": "shop.example.test", "Protocol": "https", "ReplaceKeyPrefixWith": "missing/"},
                },
            ],
        },
    )
    host = site_host(site)
    r = visit(host, "/old/page.html")
    assert r.status_code == 301 and r.headers["location"] == f"http://{host}/docs/page.html"
    r = visit(host, "/gone/anything")
    assert r.status_code == 307 and r.headers["location"] == f"http://{host}/index.html"
    r = visit(host, "/shop/item.html")
    assert r.status_code == 301 and r.headers["location"] == "https://shop.example.test/missing/item.html"
    # Both conditions must hold: a 404 elsewhere is the error document.
    r = visit(host, "/other.html")
    assert r.status_code == 404 and r.content == b"<h1>not here</h1>"
    # An existing page under shop/ is no error: no redirect.
    put_page(s3, site, "shop/item2.html", b"item")
    assert visit(host, "/shop/item2.html").content == b"item"


def test_redirect_all_requests(s3, site):
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "www.example.test", "Protocol": "https"}})
    r = visit(site_host(site), "/a/b.html")
    assert r.status_code == 301 and r.headers["location"] == "https://www.example.test/a/b.html"


def test_objects_with_a_website_redirect_location(s3, site):
    put_page(s3, site, "moved.html", b"", WebsiteRedirectLocation="/docs/")
    put_page(s3, site, "away.html", b"", WebsiteRedirectLocation="https://example.test/away")
    r = visit(site_host(site), "/moved.html")
    assert r.status_code == 301 and r.headers["location"] == "/docs/"
    r = visit(site_host(site), "/away.html")
    assert r.status_code == 301 and r.headers["location"] == "https://example.test/away"


def test_buckets_without_a_website(s3, bucket):
    r = visit(site_host(bucket), "/")
    assert r.status_code == 404 and "<li>Code: NoSuchWebsiteConfiguration</li>" in r.text
    assert f"<li>BucketName: {bucket}</li>" in r.text
    r = visit(site_host("s3edge-no-such-bucket-here"), "/")
    assert r.status_code == 404 and "<li>Code: NoSuchBucket</li>" in r.text


def test_custom_domains(s3, cleanup):
    for name in ("www.s3edge-site.test", "s3edge-blog-site"):
        empty_and_delete_bucket(s3, name)
        s3.create_bucket(Bucket=name)
        cleanup(s3, name)
        put_page(s3, name, "index.html", f"<p>{name}</p>".encode())
        s3.put_bucket_website(Bucket=name, WebsiteConfiguration=SITE)
    assert visit("www.s3edge-site.test", "/").content == b"<p>www.s3edge-site.test</p>"
    assert visit("blog.s3edge-site.test:8080", "/").content == b"<p>s3edge-blog-site</p>"


def test_cors_on_the_website_endpoint(s3, site):
    host = site_host(site)
    preflight = {"Origin": "http://app.test", "Access-Control-Request-Method": "GET"}
    r = visit(host, "/style.css", method="OPTIONS", headers=preflight)
    assert r.status_code == 403, r.text
    s3.put_bucket_cors(Bucket=site, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["http://app.test"], "AllowedMethods": ["GET"], "ExposeHeaders": ["ETag"]}]})
    r = visit(host, "/style.css", method="OPTIONS", headers=preflight)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://app.test"
    r = visit(host, "/style.css", headers={"Origin": "http://app.test"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://app.test"
    assert r.headers["access-control-expose-headers"] == "ETag"
    r = visit(host, "/style.css", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in r.headers


def test_the_api_endpoint_is_unchanged(s3, site):
    r = requests.get(f"{ENDPOINT}/{site}/index.html", timeout=30)
    assert r.status_code == 200 and r.content == b"<h1>home</h1>"
    r = requests.get(f"{ENDPOINT}/{site}/nothing.html", timeout=30)
    assert r.status_code == 404 and r.headers["content-type"] == "application/xml"
