"""Signed `Accept-Encoding` and the runtime's compression (issue 7, items 1 and 2).

Miniflare's own port (S3EDGE_WORKERD_ENDPOINT) passes its entry worker, which does what
Cloudflare's edge does: it replaces the request's `Accept-Encoding` with `br, gzip` (keeping the
client's value in `request.cf.clientAcceptEncoding`) and gzips text answers for clients that
accept gzip. The front (S3EDGE_ENDPOINT) talks to the Worker's own socket. Through both, a
signature over `accept-encoding` must verify and an object's bytes must come back exactly as
stored, with its `Content-Length`. Raw `http.client` is used because it never decodes a body.
"""

import hashlib
import http.client
import os
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest

from s3e2e import ENDPOINT, encode_path, parse_error_xml, sign_headers

WORKERD = os.environ.get("S3EDGE_WORKERD_ENDPOINT", "").rstrip("/")
TEXT = ("A line of plain text that any compressor would shrink.\n" * 2000).encode()
ENDPOINTS = {"front": ENDPOINT, "miniflare entry": WORKERD}


def _get(endpoint, path, accept_encoding, signed=True, query=None):
    if not endpoint:
        pytest.skip("S3EDGE_WORKERD_ENDPOINT is not set")
    u = urlparse(endpoint)
    extra = {} if accept_encoding is None else {"accept-encoding": accept_encoding}
    headers, _, _, _ = sign_headers("GET", path, query, extra if signed else {}, "UNSIGNED-PAYLOAD", host=u.netloc)
    if not signed:
        headers.update(extra)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    target = encode_path(path) + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer, body


@pytest.fixture
def text_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="notes.txt", Body=TEXT, ContentType="text/plain")
    return f"/{bucket}/notes.txt"


@pytest.mark.parametrize("where", list(ENDPOINTS))
@pytest.mark.parametrize("accept", ["gzip", "identity", "gzip, deflate, br"])
def test_a_signed_accept_encoding_verifies(text_object, where, accept):
    answer, body = _get(ENDPOINTS[where], text_object, accept, signed=True)
    assert answer.status == 200, body[:400]
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(TEXT).hexdigest()


@pytest.mark.parametrize("where", list(ENDPOINTS))
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_text_comes_back_as_stored_when_the_client_accepts_gzip(text_object, where, signed):
    answer, body = _get(ENDPOINTS[where], text_object, "gzip", signed=signed)
    assert answer.status == 200, body[:400]
    assert answer.getheader("content-encoding") in (None, "identity")
    assert answer.getheader("content-length") == str(len(TEXT))
    assert body == TEXT
    assert answer.getheader("etag") == '"' + hashlib.md5(TEXT).hexdigest() + '"'


@pytest.mark.parametrize("where", list(ENDPOINTS))
def test_error_xml_is_not_compressed(bucket, where):
    answer, body = _get(ENDPOINTS[where], f"/{bucket}/missing", "gzip")
    assert answer.status == 404
    assert answer.getheader("content-encoding") in (None, "identity")
    assert parse_error_xml(body)["Code"] == "NoSuchKey"
    assert answer.getheader("content-length") == str(len(body))


@pytest.mark.parametrize("where", list(ENDPOINTS))
def test_listing_xml_is_not_compressed(text_object, bucket, where):
    answer, body = _get(ENDPOINTS[where], f"/{bucket}", "gzip", query=[("list-type", "2")])
    assert answer.status == 200, body[:300]
    assert answer.getheader("content-encoding") in (None, "identity")
    keys = [e.text for e in ET.fromstring(body).iter() if e.tag.endswith("Key")]
    assert keys == ["notes.txt"]


def test_a_stored_content_encoding_is_returned_through_the_front(s3, bucket):
    """boto3 sends `Accept-Encoding: identity`; S3 still returns the stored gzip header."""
    s3.put_object(Bucket=bucket, Key="page.html.gz", Body=b"\x1f\x8b\x08\x00fake", ContentType="text/html",
                  ContentEncoding="gzip")
    for accept in ("identity", "gzip", None):
        answer, body = _get(ENDPOINT, f"/{bucket}/page.html.gz", accept)
        assert answer.status == 200
        assert answer.getheader("content-encoding") == "gzip", accept
        assert body == b"\x1f\x8b\x08\x00fake"
    got = s3.get_object(Bucket=bucket, Key="page.html.gz")
    assert got["ContentEncoding"] == "gzip"
