import datetime
import email.utils
import gzip
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from botocore.exceptions import ClientError

from s3e2e import (
    crc32_b64,
    error_code,
    http_status,
    make_client,
    md5_b64,
    md5_hex,
    resp_headers,
)

EXPIRES = datetime.datetime(2037, 10, 21, 7, 28, 0, tzinfo=datetime.timezone.utc)
EXPIRES_HTTP = "Wed, 21 Oct 2037 07:28:00 GMT"


def quoted_md5(data: bytes) -> str:
    return f'"{md5_hex(data)}"'


# ---------------------------------------------------------------- put / get / head

def test_put_get_round_trip_with_headers(s3, bucket):
    body = gzip.compress(b"hello, compressed world\n" * 50, mtime=0)
    meta = {"color": "blue", "multi-word-key": "Some Value 123"}
    put = s3.put_object(
        Bucket=bucket,
        Key="docs/file.txt",
        Body=body,
        ContentType="text/plain; charset=utf-8",
        ContentEncoding="gzip",
        ContentDisposition='attachment; filename="file.txt"',
        ContentLanguage="en-GB",
        CacheControl="max-age=3600, public",
        Expires=EXPIRES,
        Metadata=meta,
        StorageClass="STANDARD",
    )
    assert http_status(put) == 200
    assert put["ETag"] == quoted_md5(body)

    for resp in (
        s3.get_object(Bucket=bucket, Key="docs/file.txt"),
        s3.head_object(Bucket=bucket, Key="docs/file.txt"),
    ):
        h = resp_headers(resp)
        assert resp["ContentType"] == "text/plain; charset=utf-8"
        assert resp["ContentEncoding"] == "gzip"
        assert resp["ContentDisposition"] == 'attachment; filename="file.txt"'
        assert resp["ContentLanguage"] == "en-GB"
        assert resp["CacheControl"] == "max-age=3600, public"
        assert h["expires"] == EXPIRES_HTTP
        assert resp["Metadata"] == meta
        assert resp["ContentLength"] == len(body)
        assert resp["ETag"] == quoted_md5(body)
        assert resp["AcceptRanges"] == "bytes"
        assert isinstance(resp["LastModified"], datetime.datetime)
        assert "x-amz-request-id" in h
        if "Body" in resp:
            # the stored bytes come back as stored: no transparent (de)compression
            assert resp["Body"].read() == body


def test_last_modified_is_recent(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    lm = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - lm).total_seconds()) < 120


def test_default_content_type(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    r = s3.head_object(Bucket=bucket, Key="k")
    # S3 stores binary/octet-stream when no Content-Type was sent.
    assert r["ContentType"] in ("binary/octet-stream", "application/octet-stream")


def test_metadata_too_large(s3, bucket):
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"big": "x" * 2100})
    assert error_code(ei.value) == "MetadataTooLarge"
    assert http_status(ei.value) == 400
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key="k")
    assert http_status(ei.value) == 404


def test_metadata_just_under_limit(s3, bucket):
    meta = {"a": "x" * 1000, "b": "y" * 1000}
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata=meta)
    assert s3.head_object(Bucket=bucket, Key="k")["Metadata"] == meta


def test_etag_is_quoted_md5(s3, bucket):
    for i, body in enumerate([b"", b"a", bytes(range(256)) * 100]):
        r = s3.put_object(Bucket=bucket, Key=f"k{i}", Body=body)
        assert r["ETag"] == quoted_md5(body)
        assert s3.head_object(Bucket=bucket, Key=f"k{i}")["ETag"] == quoted_md5(body)
        got = s3.get_object(Bucket=bucket, Key=f"k{i}")
        assert got["Body"].read() == body
        assert got["ContentLength"] == len(body)


def test_put_response_has_empty_body_and_etag(s3, presigner, bucket):
    url = presigner.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "raw.bin"}, ExpiresIn=300)
    data = b"raw presigned put body"
    r = requests.put(url, data=data, timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == b""
    assert r.headers["ETag"] == quoted_md5(data)
    assert "x-amz-request-id" in r.headers
    assert s3.get_object(Bucket=bucket, Key="raw.bin")["Body"].read() == data


def test_overwrite(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"first version")
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"second")
    assert r["ETag"] == quoted_md5(b"second")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"second"
    assert got["ContentLength"] == 6


def test_get_missing_key(s3, bucket):
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=bucket, Key="nope")
    assert error_code(ei.value) == "NoSuchKey"
    assert http_status(ei.value) == 404
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key="nope")
    assert http_status(ei.value) == 404


def test_other_user_cannot_read_or_write(s3_user2, seed, bucket):
    seed.put_object(Bucket=bucket, Key="secret", Body=b"s")
    for call in (
        lambda: s3_user2.get_object(Bucket=bucket, Key="secret"),
        lambda: s3_user2.put_object(Bucket=bucket, Key="intruder", Body=b"x"),
        lambda: s3_user2.list_objects_v2(Bucket=bucket),
        lambda: s3_user2.delete_object(Bucket=bucket, Key="secret"),
    ):
        with pytest.raises(ClientError) as ei:
            call()
        assert error_code(ei.value) == "AccessDenied"
        assert http_status(ei.value) == 403


# ---------------------------------------------------------------- ranges

@pytest.fixture
def digits(seed, bucket):
    seed.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    return bucket


@pytest.mark.parametrize(
    "rng,expected,content_range",
    [
        ("bytes=0-4", b"01234", "bytes 0-4/10"),
        ("bytes=5-", b"56789", "bytes 5-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=7-100", b"789", "bytes 7-9/10"),
        ("bytes=-100", b"0123456789", "bytes 0-9/10"),
        ("bytes=9-9", b"9", "bytes 9-9/10"),
    ],
)
def test_range_get(s3, digits, rng, expected, content_range):
    # boto3 sends x-amz-checksum-mode: ENABLED on every GET and validates the
    # body against any full-object checksum in the answer: a ranged answer
    # must not carry the whole object's checksum.
    r = s3.get_object(Bucket=digits, Key="digits", Range=rng)
    assert http_status(r) == 206
    assert r["Body"].read() == expected
    assert r["ContentRange"] == content_range
    assert r["ContentLength"] == len(expected)
    assert r["ETag"] == quoted_md5(b"0123456789")


@pytest.mark.parametrize("rng", ["bytes=10-", "bytes=20-30"])
def test_range_not_satisfiable(s3, digits, rng):
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=digits, Key="digits", Range=rng)
    assert error_code(ei.value) == "InvalidRange"
    assert http_status(ei.value) == 416
    assert resp_headers(ei.value)["content-range"] == "bytes */10"


# ---------------------------------------------------------------- response overrides

def test_response_header_overrides(s3, digits):
    r = s3.get_object(
        Bucket=digits,
        Key="digits",
        ResponseContentType="application/x-override",
        ResponseContentDisposition='attachment; filename="d.txt"',
        ResponseCacheControl="no-cache",
        ResponseContentLanguage="fr",
        ResponseContentEncoding="identity",
        ResponseExpires=EXPIRES,
    )
    assert r["ContentType"] == "application/x-override"
    assert r["ContentDisposition"] == 'attachment; filename="d.txt"'
    assert r["CacheControl"] == "no-cache"
    assert r["ContentLanguage"] == "fr"
    assert r["ContentEncoding"] == "identity"
    assert resp_headers(r)["expires"] == EXPIRES_HTTP
    assert r["Body"].read() == b"0123456789"
    # the stored object is unchanged
    h = s3.head_object(Bucket=digits, Key="digits")
    assert h["ContentType"] != "application/x-override"
    assert "CacheControl" not in h


# ---------------------------------------------------------------- conditional reads

def _lm_and_etag(s3, bucket, key):
    h = s3.head_object(Bucket=bucket, Key=key)
    lm = email.utils.parsedate_to_datetime(resp_headers(h)["last-modified"])
    return lm, h["ETag"]


def _status(call):
    try:
        return http_status(call())
    except ClientError as e:
        return http_status(e)


def test_conditional_get_and_head(s3, digits):
    lm, etag = _lm_and_etag(s3, digits, "digits")
    past = lm - datetime.timedelta(days=1)
    cases = [
        ({"IfMatch": etag}, 200),
        ({"IfMatch": '"00000000000000000000000000000000"'}, 412),
        ({"IfNoneMatch": etag}, 304),
        ({"IfNoneMatch": '"00000000000000000000000000000000"'}, 200),
        ({"IfModifiedSince": past}, 200),
        ({"IfModifiedSince": lm}, 304),
        ({"IfUnmodifiedSince": lm}, 200),
        ({"IfUnmodifiedSince": past}, 412),
        # S3 precedence: If-Match true wins over If-Unmodified-Since false ...
        ({"IfMatch": etag, "IfUnmodifiedSince": past}, 200),
        # ... and If-None-Match false wins over If-Modified-Since true.
        ({"IfNoneMatch": etag, "IfModifiedSince": past}, 304),
        # If-Match false fails even when the date condition holds.
        ({"IfMatch": '"00000000000000000000000000000000"', "IfUnmodifiedSince": lm}, 412),
    ]
    for cond, expected in cases:
        got = _status(lambda: s3.get_object(Bucket=digits, Key="digits", **cond))
        assert got == expected, ("GET", cond, got)
        got = _status(lambda: s3.head_object(Bucket=digits, Key="digits", **cond))
        assert got == expected, ("HEAD", cond, got)


def test_conditional_get_error_details(s3, digits):
    _, etag = _lm_and_etag(s3, digits, "digits")
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=digits, Key="digits", IfMatch='"deadbeef"')
    assert error_code(ei.value) == "PreconditionFailed"
    with pytest.raises(ClientError) as ei:
        s3.get_object(Bucket=digits, Key="digits", IfNoneMatch=etag)
    assert http_status(ei.value) == 304
    assert resp_headers(ei.value).get("etag") == etag


# ---------------------------------------------------------------- conditional writes

def test_put_if_none_match_star(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="once", Body=b"first", IfNoneMatch="*")
    assert http_status(r) == 200
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="once", Body=b"second", IfNoneMatch="*")
    assert error_code(ei.value) == "PreconditionFailed"
    assert http_status(ei.value) == 412
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"


def test_put_if_match(s3, seed, bucket):
    etag = seed.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v2", IfMatch='"00000000000000000000000000000000"')
    assert error_code(ei.value) == "PreconditionFailed"
    assert http_status(ei.value) == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v1"

    r = s3.put_object(Bucket=bucket, Key="k", Body=b"v3", IfMatch=etag)
    assert r["ETag"] == quoted_md5(b"v3")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v3"


def test_put_if_match_missing_key(s3, bucket):
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"v", IfMatch='"00000000000000000000000000000000"')
    assert error_code(ei.value) == "NoSuchKey"
    assert http_status(ei.value) == 404


# ---------------------------------------------------------------- failed writes

def _assert_intact(s3, bucket, key, body):
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ETag"] == quoted_md5(body)


def test_bad_content_md5_keeps_previous(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"original")
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=md5_b64(b"something else"))
    assert error_code(ei.value) == "BadDigest"
    assert http_status(ei.value) == 400
    _assert_intact(s3, bucket, "k", b"original")


def test_malformed_content_md5(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"original")
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5="bm90LW1kNQ==")  # 6 bytes
    assert error_code(ei.value) == "InvalidDigest"
    assert http_status(ei.value) == 400
    _assert_intact(s3, bucket, "k", b"original")


def test_good_content_md5_accepted(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"payload", ContentMD5=md5_b64(b"payload"))
    assert r["ETag"] == quoted_md5(b"payload")


def test_bad_crc32_keeps_previous(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"original")
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ChecksumCRC32=crc32_b64(b"not it"))
    assert error_code(ei.value) == "BadDigest"
    assert http_status(ei.value) == 400
    _assert_intact(s3, bucket, "k", b"original")


def test_failed_put_of_new_key_stores_nothing(s3, bucket):
    with pytest.raises(ClientError):
        s3.put_object(Bucket=bucket, Key="new", Body=b"x", ContentMD5=md5_b64(b"y"))
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


# ---------------------------------------------------------------- delete

def test_delete_object_idempotent(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert http_status(s3.delete_object(Bucket=bucket, Key="k")) == 204
    with pytest.raises(ClientError) as ei:
        s3.head_object(Bucket=bucket, Key="k")
    assert http_status(ei.value) == 404
    assert http_status(s3.delete_object(Bucket=bucket, Key="k")) == 204
    assert http_status(s3.delete_object(Bucket=bucket, Key="never-existed")) == 204


def test_delete_objects_verbose(s3, seed, bucket):
    for k in ("a", "b", "dir/c"):
        seed.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a"}, {"Key": "dir/c"}, {"Key": "missing"}]},
    )
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "dir/c", "missing"]
    assert not r.get("Errors")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["b"]


def test_delete_objects_quiet(s3, seed, bucket):
    for k in ("a", "b", "c"):
        seed.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "missing"}], "Quiet": True},
    )
    assert http_status(r) == 200
    assert not r.get("Deleted")  # quiet mode reports only errors
    assert not r.get("Errors")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["c"]


def test_delete_objects_special_keys(s3, seed, bucket):
    keys = ["a&b<c>", "sp ace", "ü/ñ", "q?#%+"]
    for k in keys:
        seed.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in r["Deleted"]) == sorted(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_delete_objects_of_1000_keys_in_one_request(s3, seed, bucket):
    # More records than one invocation may delete on the KV store (1,000 storage calls, which
    # the harness enforces): the Worker sends parts to new invocations of itself.
    keys = [f"many/{i:04d}" for i in range(990)] + [f" sp ace {i} " for i in range(5)] + [f"a&b<{i}>" for i in range(5)]
    big = b"b" * (17 * 1024)  # past S3EDGE_INLINE_MAX: a blob of its own

    def put(i_key):
        i, key = i_key
        seed.put_object(Bucket=bucket, Key=key, Body=big if i % 100 == 0 else key.encode())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, enumerate(keys)))
    seed.put_object(Bucket=bucket, Key="kept", Body=b"kept")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert not r.get("Errors"), r.get("Errors")[:3]
    deleted = [d["Key"] for d in r["Deleted"]]
    assert sorted(deleted) == sorted(keys)  # each key answered once
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed.get("Contents", [])] == ["kept"]
    for key in (keys[0], keys[500], keys[-1]):
        with pytest.raises(ClientError) as ei:
            s3.head_object(Bucket=bucket, Key=key)
        assert http_status(ei.value) == 404


def test_a_client_cannot_pass_for_a_part_of_a_request(seed, bucket):
    # The header the Worker puts on the parts it sends itself; from a client, even a signed one,
    # it is refused and nothing is deleted.
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    client = make_client()

    def forge(request, **_):
        request.headers["x-s3edge-delegated"] = f"9999999999999;header-v4;{os.environ['AWS_ACCESS_KEY_ID']};{'00' * 32}"

    client.meta.events.register("before-sign.s3.DeleteObjects", forge)
    with pytest.raises(ClientError) as ei:
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert http_status(ei.value) == 403 and error_code(ei.value) == "AccessDenied"
    assert seed.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


# ---------------------------------------------------------------- keys

ODD_KEYS = [
    "unicodé/ключ/键/😀.txt",
    "with space.txt",
    "  leading and trailing  ",
    "plus+sign",
    "percent%25and%",
    "question?mark",
    "hash#tag",
    "xml&<chars>'\"",
    "all ?#+%&=;:@$,!'()*[]{}^`|~<>\\",
    "a//double/slash",
    "trailing/",
    "tilde~and.dots...",
]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_key_round_trip(s3, seed, bucket, key):
    body = ("content of " + key).encode()
    seed.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    listed = s3.list_objects_v2(Bucket=bucket)  # botocore asks for and decodes encoding-type=url
    assert [o["Key"] for o in listed["Contents"]] == [key]
    listed_v1 = s3.list_objects(Bucket=bucket)
    assert [o["Key"] for o in listed_v1["Contents"]] == [key]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=key)["Contents"]] == [key]
    assert http_status(s3.delete_object(Bucket=bucket, Key=key)) == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_key_of_1024_bytes(s3, bucket):
    key = "k/" + "é" * 511  # 2 + 1022 = 1024 UTF-8 bytes (513 characters)
    assert len(key.encode()) == 1024
    s3.put_object(Bucket=bucket, Key=key, Body=b"long key")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"long key"
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == [key]
    ascii_key = "a" * 1024
    s3.put_object(Bucket=bucket, Key=ascii_key, Body=b"ascii")
    assert s3.head_object(Bucket=bucket, Key=ascii_key)["ContentLength"] == 5
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == [ascii_key, key]


def test_key_of_1025_bytes(s3, bucket):
    for key in ("k/" + "é" * 511 + "x", "b" * 1025):
        assert len(key.encode()) == 1025
        with pytest.raises(ClientError) as ei:
            s3.put_object(Bucket=bucket, Key=key, Body=b"too long")
        assert error_code(ei.value) == "KeyTooLongError"
        assert http_status(ei.value) == 400
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
