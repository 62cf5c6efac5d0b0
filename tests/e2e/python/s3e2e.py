"""Shared helpers for the s3edge end-to-end tests (boto3 / raw HTTP).

Everything here is driven by the environment the harness provides:
S3EDGE_ENDPOINT, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (user 1),
S3EDGE_SECOND_ACCESS_KEY_ID / S3EDGE_SECOND_SECRET_ACCESS_KEY (user 2),
AWS_REGION / AWS_DEFAULT_REGION, S3EDGE_BIG_MIB.
"""

import base64
import datetime
import hashlib
import hmac
import os
import uuid
import xml.etree.ElementTree as ET
import zlib
from urllib.parse import quote, urlparse

import boto3
import requests
from botocore import handlers as _bc_handlers
from botocore.config import Config

ENDPOINT = os.environ.get("S3EDGE_ENDPOINT", "http://127.0.0.1:8787").rstrip("/")
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
USER1 = (os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
USER2 = (
    os.environ.get("S3EDGE_SECOND_ACCESS_KEY_ID", ""),
    os.environ.get("S3EDGE_SECOND_SECRET_ACCESS_KEY", ""),
)
BIG_MIB = int(os.environ.get("S3EDGE_BIG_MIB", "1024"))
MIB = 1024 * 1024

# Objects of at most this many bytes are kept in their record, with no blob (the Worker's
# S3EDGE_INLINE_MAX; the test server runs with its default unless the environment sets it).
INLINE_MAX = int(os.environ.get("S3EDGE_INLINE_MAX", 16384))


def blob_sized(tag: bytes) -> bytes:
    """`tag`, padded past INLINE_MAX so that the object gets a blob of its own."""
    return tag + b"." * max(0, INLINE_MAX + 1 - len(tag))

PATH_STYLE = Config(s3={"addressing_style": "path"})


def make_client(creds=None):
    """A boto3 S3 client at default settings (only endpoint and path style).

    With creds=None the credentials come from the environment, as a real
    user's client would get them.
    """
    kwargs = {}
    if creds is not None:
        kwargs = {"aws_access_key_id": creds[0], "aws_secret_access_key": creds[1]}
    return boto3.client("s3", endpoint_url=ENDPOINT, config=PATH_STYLE, **kwargs)


def make_presigner(creds=None):
    """A client used to presign URLs with SigV4 (query auth).

    boto3's *default* presigned S3 URL is still SigV2 (AWSAccessKeyId /
    Signature / Expires); s3edge implements SigV4 presigned URLs (7-day
    limit), the kind every current SDK other than boto3 produces, so the
    presign tests ask for s3v4 explicitly.
    """
    kwargs = {}
    if creds is not None:
        kwargs = {"aws_access_key_id": creds[0], "aws_secret_access_key": creds[1]}
    cfg = Config(signature_version="s3v4", s3={"addressing_style": "path"})
    return boto3.client("s3", endpoint_url=ENDPOINT, config=cfg, **kwargs)


def make_seed_client():
    """A client used ONLY to write setup data (listing fixtures and the like).

    It is the default client minus botocore's `Expect: 100-continue` header.
    workerd never answers 100-continue, so botocore waits ~1 s before sending
    each PUT body; seeding thousands of keys that way would take minutes. The
    PutObject path with the header is exercised by the tests that check PUT
    itself, which use the default client.
    """
    client = make_client()
    client.meta.events.unregister("before-call.s3", _bc_handlers.add_expect_header)
    return client


def new_bucket_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def abort_all_uploads(client, name):
    """Abort every in-progress multipart upload of a bucket."""
    paginator = client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=name):
        for up in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=name, Key=up["Key"], UploadId=up["UploadId"])


def delete_all_versions(client, name):
    """Delete every version and delete marker of a bucket (the null versions of an
    unversioned bucket included), a page of ListObjectVersions at a time."""
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=name):
        objs = [
            {"Key": e["Key"], "VersionId": e["VersionId"]}
            for e in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for i in range(0, len(objs), 1000):
            client.delete_objects(Bucket=name, Delete={"Objects": objs[i : i + 1000], "Quiet": True})


def empty_and_delete_bucket(client, name):
    """Best-effort cleanup: abort in-progress multipart uploads, delete every
    version and delete marker, then every object left, then the bucket."""
    try:
        abort_all_uploads(client, name)
    except Exception:  # noqa: BLE001 - cleanup must never mask the test result
        pass
    try:
        delete_all_versions(client, name)
    except Exception:  # noqa: BLE001 - cleanup must never mask the test result
        pass
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            for i in range(0, len(objs), 1000):
                client.delete_objects(Bucket=name, Delete={"Objects": objs[i : i + 1000], "Quiet": True})
        client.delete_bucket(Bucket=name)
    except Exception:  # noqa: BLE001 - cleanup must never mask the test result
        pass


# ---------------------------------------------------------------- errors

def error_code(exc):
    return exc.response["Error"]["Code"]


def http_status(exc_or_resp):
    return exc_or_resp.response["ResponseMetadata"]["HTTPStatusCode"] if hasattr(
        exc_or_resp, "response"
    ) else exc_or_resp["ResponseMetadata"]["HTTPStatusCode"]


def resp_headers(exc_or_resp):
    r = exc_or_resp.response if hasattr(exc_or_resp, "response") else exc_or_resp
    return r["ResponseMetadata"]["HTTPHeaders"]


def parse_error_xml(body: bytes):
    """Parse an S3 error document into {tag: text}; asserts it is one."""
    root = ET.fromstring(body)
    tag = root.tag.split("}", 1)[-1]
    assert tag == "Error", f"root element is {root.tag!r}, body={body[:300]!r}"
    return {child.tag.split("}", 1)[-1]: (child.text or "") for child in root}


def assert_s3_error(resp, status, code=None):
    """Assert that a raw `requests` response is a well-formed S3 error."""
    assert resp.status_code == status, (resp.status_code, resp.content[:500])
    assert "x-amz-request-id" in resp.headers, dict(resp.headers)
    err = parse_error_xml(resp.content)
    for field in ("Code", "Message", "RequestId"):
        assert field in err, (field, err)
    if code is not None:
        assert err["Code"] == code, err
    assert err["RequestId"] == resp.headers["x-amz-request-id"], (err, dict(resp.headers))
    return err


# ---------------------------------------------------------------- digests

def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def md5_b64(data: bytes) -> str:
    return b64(hashlib.md5(data).digest())


def sha1_b64(data: bytes) -> str:
    return b64(hashlib.sha1(data).digest())


def sha256_b64(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def crc32_b64(data: bytes) -> str:
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def _reflected_table(poly, width):
    mask = (1 << width) - 1
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c & mask)
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    t = _CRC32C_TABLE
    for byte in data:
        c = t[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc64nvme(data: bytes) -> int:
    c = 0xFFFFFFFFFFFFFFFF
    t = _CRC64NVME_TABLE
    for byte in data:
        c = t[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFFFFFFFFFF


def crc32c_b64(data: bytes) -> str:
    return b64(crc32c(data).to_bytes(4, "big"))


def crc64nvme_b64(data: bytes) -> str:
    return b64(crc64nvme(data).to_bytes(8, "big"))


CHECKSUM_FUNCS = {
    "CRC32": crc32_b64,
    "CRC32C": crc32c_b64,
    "CRC64NVME": crc64nvme_b64,
    "SHA1": sha1_b64,
    "SHA256": sha256_b64,
}


def botocore_can_compute(algorithm: str) -> bool:
    """Whether this botocore can compute `algorithm` itself (CRC32C and
    CRC64NVME need the optional awscrt package)."""
    from botocore import httpchecksum

    return algorithm.lower() in getattr(httpchecksum, "_CHECKSUM_CLS", {})


# ---------------------------------------------------------------- raw SigV4

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str = REGION, service: str = "s3") -> bytes:
    k = _hmac(("AWS4" + secret).encode(), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def encode_path(path: str) -> str:
    """RFC 3986 encoding of a path, '/' kept (S3 does not double-encode)."""
    return quote(path, safe="/~")


def canonical_query(query) -> str:
    pairs = sorted((quote(str(k), safe="~"), quote(str(v), safe="~")) for k, v in (query or []))
    return "&".join(f"{k}={v}" for k, v in pairs)


def host_header() -> str:
    return urlparse(ENDPOINT).netloc


def amz_now(offset_seconds: int = 0) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y%m%dT%H%M%SZ")


def sign_headers(method, path, query, headers, payload_hash, creds=None, amz_date=None, region=REGION, host=None):
    """Return a copy of `headers` with x-amz-date, x-amz-content-sha256 and a
    SigV4 Authorization header. Every given header is signed."""
    creds = creds or USER1
    amz_date = amz_date or amz_now()
    h = {k.lower(): str(v) for k, v in (headers or {}).items()}
    h["host"] = host or host_header()
    h["x-amz-date"] = amz_date
    h["x-amz-content-sha256"] = payload_hash
    names = sorted(h)
    canonical_headers = "".join(f"{n}:{' '.join(h[n].strip().split())}\n" for n in names)
    signed = ";".join(names)
    creq = "\n".join(
        [method, encode_path(path), canonical_query(query), canonical_headers, signed, payload_hash]
    )
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = signing_key(creds[1], amz_date[:8], region)
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    h["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds[0]}/{scope}, SignedHeaders={signed}, Signature={sig}"
    )
    return h, sig, key, scope


def send(method, path, query=None, headers=None, body=b"", timeout=60):
    """Send a request exactly as given (no re-encoding of the URL)."""
    url = ENDPOINT + encode_path(path)
    qs = canonical_query(query)
    if qs:
        url += "?" + qs
    prepared = requests.Request(method, url, headers=headers or {}, data=body).prepare()
    prepared.url = url
    with requests.Session() as s:
        return s.send(prepared, timeout=timeout, allow_redirects=False)


def signed_request(
    method,
    path,
    query=None,
    headers=None,
    body=b"",
    creds=None,
    payload_hash=None,
    amz_date=None,
):
    """A SigV4 header-signed request built by hand (for cases an SDK won't
    produce: wrong payload hash, skewed clock, aws-chunked bodies...)."""
    if payload_hash is None:
        payload_hash = hashlib.sha256(body).hexdigest()
    signed, _, _, _ = sign_headers(method, path, query, headers, payload_hash, creds, amz_date)
    if "host" in signed:
        del signed["host"]  # requests sets the same value from the URL
    return send(method, path, query, signed, body)


# ---------------------------------------------------------------- aws-chunked

def aws_chunked_unsigned_trailer(data: bytes, chunk_size: int, trailer_name: str, trailer_value: str) -> bytes:
    """Body for STREAMING-UNSIGNED-PAYLOAD-TRAILER."""
    out = bytearray()
    for i in range(0, len(data), chunk_size):
        chunk = data[i : i + chunk_size]
        out += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    out += b"0\r\n"
    out += f"{trailer_name}:{trailer_value}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


def aws_chunked_signed(data: bytes, chunk_size: int, seed_signature: str, key: bytes, amz_date: str, scope: str,
                       corrupt_chunk: int = -1) -> bytes:
    """Body for STREAMING-AWS4-HMAC-SHA256-PAYLOAD (signed chunks, no trailer)."""
    out = bytearray()
    prev = seed_signature
    chunks = [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for n, chunk in enumerate(chunks):
        sts = "\n".join(
            [
                "AWS4-HMAC-SHA256-PAYLOAD",
                amz_date,
                scope,
                prev,
                EMPTY_SHA256,
                hashlib.sha256(chunk).hexdigest(),
            ]
        )
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        prev = sig
        if n == corrupt_chunk:
            sig = ("0" if sig[0] != "0" else "1") + sig[1:]
        out += f"{len(chunk):x};chunk-signature={sig}\r\n".encode() + chunk + b"\r\n"
    return bytes(out)


# ---------------------------------------------------------------- multipart

_DIGESTS = {
    "CRC32": lambda d: zlib.crc32(d).to_bytes(4, "big"),
    "CRC32C": lambda d: crc32c(d).to_bytes(4, "big"),
    "CRC64NVME": lambda d: crc64nvme(d).to_bytes(8, "big"),
    "SHA1": lambda d: hashlib.sha1(d).digest(),
    "SHA256": lambda d: hashlib.sha256(d).digest(),
}


def multipart_etag(parts) -> str:
    """S3's ETag of a completed multipart upload: the MD5 of the
    concatenated binary MD5s of the parts, then '-<number of parts>'."""
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def composite_checksum(algorithm: str, parts) -> str:
    """S3's COMPOSITE checksum of a multipart upload: the checksum of the
    concatenated binary part checksums, base64, then '-<number of parts>'."""
    f = _DIGESTS[algorithm]
    return f"{b64(f(b''.join(f(p) for p in parts)))}-{len(parts)}"


# ---------------------------------------------------------------- test hooks

def _front_origin() -> str:
    u = urlparse(ENDPOINT)
    return f"{u.scheme}://{u.netloc}"


def r2_names(prefix: str):
    """Every R2 object name under `prefix` (harness test hook, no auth)."""
    r = requests.get(f"{_front_origin()}/__s3edge/r2", params={"prefix": prefix}, timeout=60)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()["names"]


def sweep():
    """Run the Worker's cleanup pass over the whole store (harness test hook)."""
    r = requests.post(f"{_front_origin()}/__s3edge/sweep", timeout=300)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


# ---------------------------------------------------------------- append (Ceph RGW extension)

def make_appender(creds=None):
    """`append(Bucket=, Key=, Body=, Position=, **put_object_kwargs)`: a boto3
    PutObject (default settings) whose URL gets `?append&position=N` before it
    is signed, as Ceph RGW clients send it (boto3 has no model for it)."""
    client = make_client(creds)
    state = {}

    def add_append_query(request, **_):
        if "position" in state:
            sep = "&" if "?" in request.url else "?"
            request.url += f"{sep}append&position={state['position']}"

    client.meta.events.register("before-sign.s3.PutObject", add_append_query)

    def append(Position, **kwargs):
        state["position"] = Position
        try:
            return client.put_object(**kwargs)
        finally:
            state.pop("position", None)

    return append
