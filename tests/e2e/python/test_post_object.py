"""PostObject (browser form uploads): boto3's generate_presigned_post posted with `requests`
as a browser's page would, SigV4 and SigV2 forms built by hand, anonymous forms, the policy's
conditions, malformed bodies (nothing stored, the previous object kept), CORS, virtual-hosted
style, and large streamed forms through the local front.

The `big` test posts a form of S3EDGE_BIG_MIB MiB (default 1024) with a body generated as it
is sent (memory flat on both sides) and prints its time; skip it with -m 'not big'.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import socket
import time
import uuid
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from botocore.exceptions import ClientError

from s3e2e import (
    BIG_MIB,
    ENDPOINT,
    MIB,
    REGION,
    USER1,
    USER2,
    blob_sized,
    empty_and_delete_bucket,
    error_code,
    host_header,
    make_client,
    md5_b64,
    new_bucket_name,
    parse_error_xml,
    r2_names,
    signing_key,
)

TIMEOUT = 120
BOUNDARY = "----s3edgeE2EBoundary7MA4YWxkTrZu0gW"


# ---------------------------------------------------------------- helpers

def post(url, fields, file, filename="upload.bin", content_type="application/octet-stream", **kwargs):
    """A form POST as a browser sends it: the fields in order, then the file part."""
    parts = [(name, (None, value)) for name, value in fields]
    parts.append(("file", (filename, file, content_type)))
    return requests.post(url, files=parts, timeout=TIMEOUT, allow_redirects=False, **kwargs)


def presigned(client, bucket, key, fields=None, conditions=None, expires=300):
    """generate_presigned_post's url and fields, fields in the order boto3 gives them."""
    p = client.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
    return p["url"], list(p["fields"].items())


def iso(offset_seconds):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sigv4_fields(bucket, conditions, creds=USER1, expires=300):
    """The policy and SigV4 fields of a form, signed here (HMAC-SHA256 over the base64 policy
    with the SigV4 signing key), its policy naming the bucket and the SigV4 fields."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{creds[0]}/{amz_date[:8]}/{REGION}/s3/aws4_request"
    policy = {
        "expiration": iso(expires),
        "conditions": [{"bucket": bucket}]
        + conditions
        + [
            {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
            {"x-amz-credential": credential},
            {"x-amz-date": amz_date},
        ],
    }
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    key = signing_key(creds[1], amz_date[:8], REGION)
    signature = hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()
    return [
        ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
        ("x-amz-credential", credential),
        ("x-amz-date", amz_date),
        ("policy", encoded),
        ("x-amz-signature", signature),
    ]


def sigv2_fields(policy, creds=USER1):
    """AWSAccessKeyId, policy and signature (base64 HMAC-SHA1 over the base64 policy)."""
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    signature = base64.b64encode(hmac.new(creds[1].encode(), encoded.encode(), hashlib.sha1).digest()).decode()
    return [("AWSAccessKeyId", creds[0]), ("policy", encoded), ("signature", signature)]


def error_of(resp, status, code):
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    err = parse_error_xml(resp.content)
    assert err["Code"] == code, err
    assert err["RequestId"] == resp.headers["x-amz-request-id"]
    return err


def blobs(bucket):
    return r2_names(f"blob/{bucket}/")


def raw_form(fields, file, ending=None):
    """A multipart body built byte by byte (for endings no client library would write)."""
    out = bytearray()
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n'.encode()
    out += b"Content-Type: application/octet-stream\r\n\r\n"
    out += file
    out += ending if ending is not None else f"\r\n--{BOUNDARY}--\r\n".encode()
    return bytes(out)


def post_raw(bucket, body, headers=None):
    sent = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    sent.update(headers or {})
    return requests.post(f"{ENDPOINT}/{bucket}", data=body, headers=sent, timeout=TIMEOUT, allow_redirects=False)


# ---------------------------------------------------------------- presigned posts from boto3

def test_presigned_post_of_the_default_client_is_sigv2_and_stores_the_file(s3, bucket):
    data = os.urandom(300_000)
    url, fields = presigned(s3, bucket, "docs/report.bin")
    assert "signature" in dict(fields) and "AWSAccessKeyId" in dict(fields)  # boto3's default
    resp = post(url, fields, data)
    assert resp.status_code == 204, resp.text[:500]
    assert resp.content == b""
    assert resp.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert resp.headers["Location"] == f"{ENDPOINT}/{bucket}/docs/report.bin"
    got = s3.get_object(Bucket=bucket, Key="docs/report.bin")
    assert got["Body"].read() == data
    assert got["ETag"] == resp.headers["ETag"]


def test_presigned_post_sigv4_with_each_success_answer(presigner, s3, bucket):
    key = "v4/object.txt"
    url, fields = presigned(presigner, bucket, key, {"success_action_status": "201"}, [{"success_action_status": "201"}])
    assert dict(fields)["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    resp = post(url, fields, b"sigv4 body")
    assert resp.status_code == 201, resp.text[:500]
    doc = ET.fromstring(resp.content)
    assert doc.tag == "PostResponse"
    values = {child.tag: child.text for child in doc}
    etag = f'"{hashlib.md5(b"sigv4 body").hexdigest()}"'
    assert values == {"Location": f"{ENDPOINT}/{bucket}/{key}", "Bucket": bucket, "Key": key, "ETag": etag}

    url, fields = presigned(presigner, bucket, key, {"success_action_status": "200"}, [{"success_action_status": "200"}])
    resp = post(url, fields, b"two hundred")
    assert (resp.status_code, resp.content) == (200, b"")

    url, fields = presigned(presigner, bucket, key)
    assert post(url, fields, b"no status").status_code == 204

    target = "https://app.example.test/uploaded?step=2"
    url, fields = presigned(
        presigner, bucket, key, {"success_action_redirect": target}, [{"success_action_redirect": target}]
    )
    resp = post(url, fields, b"redirected")
    assert resp.status_code == 303, resp.text[:500]
    location = urlparse(resp.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "app.example.test", "/uploaded")
    query = parse_qs(location.query)
    etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
    assert query == {"step": ["2"], "bucket": [bucket], "key": [key], "etag": [etag]}
    assert etag == f'"{hashlib.md5(b"redirected").hexdigest()}"'


def test_key_from_the_file_name(presigner, s3, bucket):
    url, fields = presigned(presigner, bucket, "uploads/${filename}")
    resp = post(url, fields, b"png bytes", filename="holiday photo.png")
    assert resp.status_code == 204, resp.text[:500]
    assert s3.get_object(Bucket=bucket, Key="uploads/holiday photo.png")["Body"].read() == b"png bytes"


def test_attributes_arrive_metadata_content_type_tagging_acl(presigner, s3, bucket):
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>"
    attributes = {
        "Content-Type": "image/png",
        "Cache-Control": "max-age=600",
        "x-amz-meta-uuid": "14365123651274",
        "acl": "public-read",
        "tagging": tagging,
    }
    conditions = [{name: value} for name, value in attributes.items()]
    url, fields = presigned(presigner, bucket, "img/a.png", attributes, conditions)
    resp = post(url, fields, b"\x89PNG....", content_type="text/plain")
    assert resp.status_code == 204, resp.text[:500]
    head = s3.head_object(Bucket=bucket, Key="img/a.png")
    # The Content-Type field is the object's; the file part's own type is not.
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == "max-age=600"
    assert head["Metadata"] == {"uuid": "14365123651274"}
    assert s3.get_object_tagging(Bucket=bucket, Key="img/a.png")["TagSet"] == [{"Key": "team", "Value": "blue"}]
    grants = s3.get_object_acl(Bucket=bucket, Key="img/a.png")["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [g["Grantee"] for g in grants]
    anonymous = requests.get(f"{ENDPOINT}/{bucket}/img/a.png", timeout=TIMEOUT)
    assert (anonymous.status_code, anonymous.content) == (200, b"\x89PNG....")


# ---------------------------------------------------------------- the policy

def test_conditions_are_enforced_and_refusals_store_nothing(presigner, s3, bucket):
    url, fields = presigned(presigner, bucket, "in/${filename}")
    err = error_of(post(url, fields + [("x-amz-meta-extra", "1")], b"x"), 403, "AccessDenied")
    assert err["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-extra"

    url, fields = presigned(presigner, bucket, "in/file", conditions=[["starts-with", "$key", "in/"]])
    forged = [(n, "out/file" if n == "key" else v) for n, v in fields]
    err = error_of(post(url, forged, b"x"), 403, "AccessDenied")
    assert err["Message"] == 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "in/"]'

    url, fields = presigned(presigner, bucket, "in/expired", expires=-60)
    err = error_of(post(url, fields, b"x"), 403, "AccessDenied")
    assert err["Message"] == "Invalid according to Policy: Policy expired."

    ranged = [["content-length-range", 10, 100]]
    url, fields = presigned(presigner, bucket, "in/sized", conditions=ranged)
    err = error_of(post(url, fields, b"y" * 101), 400, "EntityTooLarge")
    assert (err["ProposedSize"], err["MaxSizeAllowed"]) == ("101", "100")
    err = error_of(post(url, fields, b"y" * 9), 400, "EntityTooSmall")
    assert (err["ProposedSize"], err["MinSizeAllowed"]) == ("9", "10")
    assert post(url, fields, b"y" * 100).status_code == 204

    assert blobs(bucket) and [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["in/sized"]


def test_bad_signatures_and_unknown_keys(presigner, bucket):
    url, fields = presigned(presigner, bucket, "k")
    tampered = [(n, ("0" if v[0] != "0" else "1") + v[1:] if n == "x-amz-signature" else v) for n, v in fields]
    err = error_of(post(url, tampered, b"x"), 403, "SignatureDoesNotMatch")
    assert USER1[1] not in json.dumps(err)
    other_policy = [(n, base64.b64encode(b'{"expiration": "2099-01-01T00:00:00Z", "conditions": []}').decode()
                     if n == "policy" else v) for n, v in fields]
    error_of(post(url, other_policy, b"x"), 403, "SignatureDoesNotMatch")
    unknown = make_client(("AKIDNOSUCHUSER000001", "whatever-secret-0000000000000000000000"))
    url, fields = presigned(unknown, bucket, "k")
    error_of(post(url, fields, b"x"), 403, "InvalidAccessKeyId")
    assert blobs(bucket) == []


def test_a_sigv2_form_built_by_hand(s3, bucket):
    policy = {
        "expiration": iso(300),
        "conditions": [
            {"bucket": bucket},
            ["starts-with", "$key", "v2/"],
            ["starts-with", "$Content-Type", "text/"],
            ["content-length-range", 0, 1024],
            {"x-amz-meta-by": "hand"},
        ],
    }
    fields = [("key", "v2/hand.txt"), ("Content-Type", "text/plain"), ("x-amz-meta-by", "hand")]
    resp = post(f"{ENDPOINT}/{bucket}", fields + sigv2_fields(policy), b"signed by hand")
    assert resp.status_code == 204, resp.text[:500]
    head = s3.head_object(Bucket=bucket, Key="v2/hand.txt")
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"by": "hand"})
    # Another account's signature: authenticated, then refused by the bucket's owner-only ACL.
    resp = post(f"{ENDPOINT}/{bucket}", fields + sigv2_fields(policy, USER2), b"intruder")
    error_of(resp, 403, "AccessDenied")
    assert s3.get_object(Bucket=bucket, Key="v2/hand.txt")["Body"].read() == b"signed by hand"


def test_anonymous_forms_need_a_publicly_writable_bucket(s3, bucket, cleanup):
    fields = [("key", "drop/anon.txt"), ("acl", "public-read")]
    error_of(post(f"{ENDPOINT}/{bucket}", fields, b"anonymous"), 403, "AccessDenied")
    assert blobs(bucket) == []

    public = new_bucket_name("post-public")
    s3.create_bucket(Bucket=public, ACL="public-read-write")
    cleanup(s3, public)
    resp = post(f"{ENDPOINT}/{public}", fields, b"anonymous")
    assert resp.status_code == 204, resp.text[:500]
    assert s3.get_object(Bucket=public, Key="drop/anon.txt")["Body"].read() == b"anonymous"


# ---------------------------------------------------------------- malformed bodies

def _form_fields(bucket, key):
    return [("key", key)] + sigv4_fields(bucket, [{"key": key}])


def test_a_malformed_end_stores_nothing_and_keeps_the_previous_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="kept", Body=b"the previous object")
    before = blobs(bucket)
    endings = {
        "wrong closing boundary": f"\r\n--{BOUNDARY}-X--\r\n".encode(),
        "no final CRLF": f"\r\n--{BOUNDARY}--".encode(),
        "an epilogue": f"\r\n--{BOUNDARY}--\r\nepilogue".encode(),
        "a field after the file, badly ended": (
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="submit"\r\n\r\nUpload\r\n--{BOUNDARY}-\r\n'
        ).encode(),
    }
    for why, ending in endings.items():
        body = raw_form(_form_fields(bucket, "kept"), os.urandom(200_000), ending)
        err = error_of(post_raw(bucket, body), 400, "MalformedPOSTRequest")
        assert err["Message"].startswith("The body of your POST request is not well-formed"), (why, err)
        assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"the previous object", why
        assert blobs(bucket) == before, why


def test_parts_after_the_file_are_ignored(s3, bucket):
    """S3 ignores the fields after the file (an HTML form's named submit button placed after the
    file input is one): the object is the file alone, with its own ETag, and nothing else stays."""
    s3.put_object(Bucket=bucket, Key="kept", Body=blob_sized(b"the previous object"))
    before = len(blobs(bucket))
    data = os.urandom(3 * MIB + 17)
    ending = (
        f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="submit"\r\n\r\nUpload to s3edge'
        f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="x-unchecked"\r\n\r\nnot in the policy'
        f"\r\n--{BOUNDARY}--\r\n"
    ).encode()
    resp = post_raw(bucket, raw_form(_form_fields(bucket, "kept"), data, ending))
    assert resp.status_code == 204, resp.text[:500]
    assert resp.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="kept")
    assert got["ContentLength"] == len(data) and got["ETag"] == resp.headers["ETag"]
    assert got["Body"].read() == data
    assert len(blobs(bucket)) == before


def test_parts_after_the_file_do_not_count_in_the_length_range(s3, bucket):
    """`content-length-range`'s minimum holds for the file alone, not for the parts that follow
    it (its maximum is checked on the length told up front: see the README)."""
    key = "ranged"
    fields = [("key", key)] + sigv4_fields(bucket, [{"key": key}, ["content-length-range", 10, 100000]])
    big_part = (
        f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="notes"\r\n\r\n' + "n" * 5000 + f"\r\n--{BOUNDARY}--\r\n"
    ).encode()
    error_of(post_raw(bucket, raw_form(fields, b"tiny", big_part)), 400, "EntityTooSmall")
    assert blobs(bucket) == []
    resp = post_raw(bucket, raw_form(fields, b"just right", big_part))
    assert resp.status_code == 204, resp.text[:500]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"just right"


def test_an_empty_file(s3, bucket):
    fields = [("key", "empty")] + sigv4_fields(bucket, [{"key": "empty"}])
    resp = post_raw(bucket, raw_form(fields, b""))
    assert resp.status_code == 204, resp.text[:500]
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["ContentLength"] == 0 and got["ETag"] == f'"{hashlib.md5(b"").hexdigest()}"'


def test_a_field_that_no_header_could_carry_is_refused(s3, bucket):
    fields = [("key", "k"), ("x-amz-meta-note", "line one\r\nline two")] + sigv4_fields(
        bucket, [{"key": "k"}, ["starts-with", "$x-amz-meta-note", ""]]
    )
    err = error_of(post_raw(bucket, raw_form(fields, b"data")), 400, "InvalidArgument")
    assert "x-amz-meta-note" in err["Message"]
    assert blobs(bucket) == []


def test_a_refused_large_form_is_answered_at_once_and_the_connection_serves_on(s3, bucket):
    """A form refused on its fields (a bad signature) is not scanned to its end: the answer comes
    at once, and the kept-alive connection carries the next request."""
    fields = [("key", "k")] + sigv4_fields(bucket, [{"key": "k"}])
    fields = [(n, "0" * 64 if n == "x-amz-signature" else v) for n, v in fields]
    body = raw_form(fields, os.urandom(48 * MIB))
    with requests.Session() as session:
        started = time.monotonic()
        resp = session.post(f"{ENDPOINT}/{bucket}", data=body, timeout=30,
                            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        assert resp.status_code == 403 and "SignatureDoesNotMatch" in resp.text, resp.text[:300]
        assert time.monotonic() - started < 10
        ok = [("key", "after")] + sigv4_fields(bucket, [{"key": "after"}])
        resp = session.post(f"{ENDPOINT}/{bucket}", data=raw_form(ok, b"next"), timeout=30,
                            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        assert resp.status_code == 204, resp.text[:300]
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"next"
    assert len(blobs(bucket)) == 1


def test_a_truncated_body_stores_nothing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="kept", Body=b"the previous object")
    before = blobs(bucket)
    body = raw_form(_form_fields(bucket, "kept"), os.urandom(3 * MIB))
    u = urlparse(ENDPOINT)
    head = (
        f"POST /{bucket} HTTP/1.1\r\nHost: {host_header()}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((u.hostname, u.port), timeout=30) as sock:
        sock.sendall(head + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
    deadline = time.monotonic() + 10
    while blobs(bucket) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert blobs(bucket) == before
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"the previous object"


def test_requests_that_are_not_forms(bucket):
    resp = requests.post(f"{ENDPOINT}/{bucket}", data=b"key=k", headers={"Content-Type": "application/x-www-form-urlencoded"},
                         timeout=TIMEOUT)
    err = error_of(resp, 412, "PreconditionFailed")
    assert err["Condition"] == "Bucket POST must be of the enclosure-type multipart/form-data"
    no_file = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--{BOUNDARY}--\r\n'.encode()
    error_of(post_raw(bucket, no_file), 400, "IncorrectNumberOfFilesInPostRequest")
    err = error_of(post(f"{ENDPOINT}/{bucket}", [("acl", "private")], b"x"), 400, "InvalidArgument")
    assert err["ArgumentName"] == "key"
    error_of(post(f"{ENDPOINT}/no-such-bucket-{uuid.uuid4().hex[:8]}", [("key", "k")], b"x"), 404, "NoSuchBucket")
    big_field = [("key", "k"), ("x-amz-meta-big", "v" * (21 * 1024))]
    error_of(post(f"{ENDPOINT}/{bucket}", big_field, b"x"), 400, "MaxPostPreDataLengthExceededError")


# ---------------------------------------------------------------- integrity, CORS, addressing

def test_content_md5_and_checksum_fields(s3, bucket):
    data = b"integrity checked"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    good = [("key", "c"), ("x-amz-checksum-crc32", crc), ("Content-MD5", md5_b64(data))]
    fields = good + sigv4_fields(bucket, [{n: v} for n, v in good])
    resp = post(f"{ENDPOINT}/{bucket}", fields, data)
    assert resp.status_code == 204, resp.text[:500]
    assert resp.headers["x-amz-checksum-crc32"] == crc
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc and got["Body"].read() == data
    bad = [("key", "d"), ("Content-MD5", md5_b64(b"something else"))]
    error_of(post(f"{ENDPOINT}/{bucket}", bad + sigv4_fields(bucket, [{n: v} for n, v in bad]), data), 400, "BadDigest")
    bad = [("key", "d"), ("x-amz-checksum-crc32", "AAAAAA==")]
    error_of(post(f"{ENDPOINT}/{bucket}", bad + sigv4_fields(bucket, [{n: v} for n, v in bad]), data), 400, "BadDigest")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]


def test_cors_headers_on_the_answers(presigner, s3, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["https://uploader.test"], "AllowedMethods": ["POST"],
                                          "ExposeHeaders": ["ETag", "Location"]}]},
    )
    origin = {"Origin": "https://uploader.test"}
    url, fields = presigned(presigner, bucket, "cors.txt")
    resp = post(url, fields, b"cross-origin", headers=origin)
    assert resp.status_code == 204, resp.text[:500]
    assert resp.headers["Access-Control-Allow-Origin"] == "https://uploader.test"
    assert resp.headers["Access-Control-Expose-Headers"] == "ETag, Location"
    refused = post(url, fields + [("x-amz-meta-extra", "1")], b"x", headers=origin)
    error_of(refused, 403, "AccessDenied")
    assert refused.headers["Access-Control-Allow-Origin"] == "https://uploader.test"


def test_virtual_hosted_style(s3, bucket):
    domain = os.environ["S3EDGE_BASE_DOMAIN"]
    port = urlparse(ENDPOINT).port
    fields = [("key", "vh.txt"), ("success_action_status", "201")]
    fields += sigv4_fields(bucket, [{"key": "vh.txt"}, {"success_action_status": "201"}])
    resp = post(f"{ENDPOINT}/", fields, b"virtual", headers={"Host": f"{bucket}.{domain}:{port}"})
    assert resp.status_code == 201, resp.text[:500]
    assert f"<Location>http://{bucket}.{domain}:{port}/vh.txt</Location>" in resp.text
    assert s3.get_object(Bucket=bucket, Key="vh.txt")["Body"].read() == b"virtual"


# ---------------------------------------------------------------- large forms, streamed

class GeneratedFile:
    """A file of `size` bytes made as it is read (never held whole): MiB block i is a fixed
    pseudo-random MiB with i in its first 8 bytes. Its MD5 is computed as it goes by."""

    _BASE = hashlib.sha256(b"s3edge").digest() * (MIB // 32)

    def __init__(self, size):
        self.size = size
        self.md5 = hashlib.md5()

    def blocks(self):
        sent = 0
        index = 0
        while sent < self.size:
            block = (index.to_bytes(8, "big") + self._BASE[8:])[: self.size - sent]
            self.md5.update(block)
            yield block
            sent += len(block)
            index += 1


class StreamedForm:
    """A whole multipart body sent as it is generated: requests sends an iterable with a
    length (Content-Length, not chunked) block by block."""

    def __init__(self, fields, file):
        head = bytearray()
        for name, value in fields:
            head += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        head += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'.encode()
        self.head = bytes(head)
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.file = file

    def __len__(self):
        return len(self.head) + self.file.size + len(self.tail)

    def __iter__(self):
        yield self.head
        yield from self.file.blocks()
        yield self.tail


def _streamed_upload(s3, bucket, mib):
    size = mib * MIB
    fields = [("key", "big.bin")] + sigv4_fields(bucket, [{"key": "big.bin"}])
    file = GeneratedFile(size)
    started = time.monotonic()
    resp = post_raw(bucket, StreamedForm(fields, file))
    took = time.monotonic() - started
    assert resp.status_code == 204, resp.text[:500]
    want = f'"{file.md5.hexdigest()}"'
    assert resp.headers["ETag"] == want
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert (head["ContentLength"], head["ETag"]) == (size, want)
    got = s3.get_object(Bucket=bucket, Key="big.bin")["Body"]
    have = hashlib.md5()
    while chunk := got.read(MIB):
        have.update(chunk)
    assert f'"{have.hexdigest()}"' == want
    print(f"\nPOST of a {mib} MiB form through the front: {took:.1f} s ({mib / took:.1f} MiB/s)")


def test_a_64_mib_form_streams_through_the_front(s3, bucket):
    _streamed_upload(s3, bucket, 64)


@pytest.mark.big
def test_a_big_form_streams_through_the_front(s3, bucket):
    _streamed_upload(s3, bucket, BIG_MIB)


def _read_answer(sock, buffered=b""):
    """One HTTP answer (head and Content-Length body) from a raw connection."""
    data = buffered
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest[:length]


def _exchange(head, body):
    """Sends a request head with `Expect: 100-continue` on a raw connection; the first answer,
    and (when it is `100 Continue`) the final one after the body."""
    u = urlparse(ENDPOINT)
    with socket.create_connection((u.hostname, u.port), timeout=30) as sock:
        sock.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        if not data.startswith(b"HTTP/1.1 100"):
            return _read_answer(sock, data), None
        first, _, rest = data.partition(b"\r\n\r\n")
        sock.sendall(body)
        return first, _read_answer(sock, rest)


def test_expect_100_continue_through_the_front(s3, bucket):
    """A form sent as curl sends a large one: the front asks the Worker (a preflight, which
    reads nothing of the form) and answers `100 Continue`, or the final error at once."""
    data = os.urandom(2 * MIB)
    body = raw_form(_form_fields(bucket, "expect.bin"), data)
    head = (
        f"POST /{bucket} HTTP/1.1\r\nHost: {host_header()}\r\nExpect: 100-continue\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    first, final = _exchange(head, body)
    assert first.startswith(b"HTTP/1.1 100 Continue"), first[:200]
    assert final.startswith(b"HTTP/1.1 204"), final[:300]
    assert s3.get_object(Bucket=bucket, Key="expect.bin")["Body"].read() == data
    missing = head.replace(f"POST /{bucket} ".encode(), f"POST /no-such-bucket-{uuid.uuid4().hex[:8]} ".encode())
    first, final = _exchange(missing, body)
    assert first.startswith(b"HTTP/1.1 404"), first[:300]
    assert b"<Code>NoSuchBucket</Code>" in first and final is None
