"""Append uploads, Ceph RGW's extension: `PUT /bucket/key?append&position=N`.

boto3 has no model for it; `make_appender` sends a default-settings boto3
PutObject whose URL gets `?append&position=N` before SigV4 signing, as RGW
clients send it. A few requests are also built by hand (`append=&position=`).
"""

import os

import pytest
from botocore.exceptions import ClientError

from s3e2e import USER2, error_code, http_status, make_appender, md5_b64, md5_hex, resp_headers, signed_request

NEXT = "x-rgw-next-append-position"


@pytest.fixture(scope="module")
def append():
    return make_appender()


def assert_error(call, status, code=None):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value
    assert http_status(e) == status, (e.response["Error"], http_status(e))
    if code is not None:
        assert error_code(e) == code, e.response["Error"]
    return e


def test_append_creates_and_grows(s3, bucket, append):
    chunks = [b"first chunk;", b"second, a bit longer chunk;", os.urandom(100_000), b"!"]
    position = 0
    for chunk in chunks:
        r = append(Bucket=bucket, Key="log", Body=chunk, Position=position)
        assert http_status(r) == 200
        position += len(chunk)
        assert resp_headers(r)[NEXT] == str(position)
        assert "ETag" in r

    whole = b"".join(chunks)
    head = s3.head_object(Bucket=bucket, Key="log")
    assert head["ContentLength"] == len(whole)
    got = s3.get_object(Bucket=bucket, Key="log")
    assert got["ContentLength"] == len(whole)
    assert got["Body"].read() == whole
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [("log", len(whole))]


def test_append_keeps_headers_of_first_write(s3, bucket, append):
    append(Bucket=bucket, Key="k", Body=b"one", Position=0, ContentType="text/x-log", Metadata={"kind": "log"})
    append(Bucket=bucket, Key="k", Body=b"two", Position=3)
    h = s3.head_object(Bucket=bucket, Key="k")
    assert h["ContentType"] == "text/x-log"
    assert h["Metadata"] == {"kind": "log"}
    assert h["ContentLength"] == 6


def test_range_get_across_appends(s3, bucket, append):
    append(Bucket=bucket, Key="k", Body=b"0123456789", Position=0)
    append(Bucket=bucket, Key="k", Body=b"abcdefghij", Position=10)
    append(Bucket=bucket, Key="k", Body=b"KLMNOPQRST", Position=20)
    for rng, expected, cr in [
        ("bytes=5-14", b"56789abcde", "bytes 5-14/30"),
        ("bytes=8-21", b"89abcdefghijKL", "bytes 8-21/30"),
        ("bytes=-12", b"ijKLMNOPQRST", "bytes 18-29/30"),
        ("bytes=25-", b"PQRST", "bytes 25-29/30"),
    ]:
        r = s3.get_object(Bucket=bucket, Key="k", Range=rng)
        assert http_status(r) == 206
        assert r["ContentRange"] == cr
        assert r["Body"].read() == expected


def test_wrong_position(s3, bucket, append):
    r = append(Bucket=bucket, Key="k", Body=b"12345", Position=0)
    assert resp_headers(r)[NEXT] == "5"
    for wrong in (0, 4, 6, 100):
        assert_error(
            lambda: append(Bucket=bucket, Key="k", Body=b"more", Position=wrong), 409, "PositionNotEqualToLength"
        )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"12345"
    r = append(Bucket=bucket, Key="k", Body=b"678", Position=5)
    assert resp_headers(r)[NEXT] == "8"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"12345678"


def test_nonzero_position_on_missing_object(s3, bucket, append):
    assert_error(lambda: append(Bucket=bucket, Key="new", Body=b"x", Position=3), 409, "PositionNotEqualToLength")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="new"), 404)


def test_append_to_normal_object(s3, bucket, append):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"normal object")
    for position in (0, len(b"normal object")):
        assert_error(
            lambda: append(Bucket=bucket, Key="plain", Body=b"more", Position=position), 409, "ObjectNotAppendable"
        )
    got = s3.get_object(Bucket=bucket, Key="plain")
    assert got["Body"].read() == b"normal object"
    assert got["ETag"] == f'"{md5_hex(b"normal object")}"'


def test_append_to_multipart_object(s3, bucket, append):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"multipart body")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert_error(
        lambda: append(Bucket=bucket, Key="mp", Body=b"more", Position=len(b"multipart body")), 409, "ObjectNotAppendable"
    )
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"multipart body"


def test_put_replaces_appendable_object(s3, bucket, append):
    append(Bucket=bucket, Key="k", Body=b"appendable", Position=0)
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"now normal")
    assert r["ETag"] == f'"{md5_hex(b"now normal")}"'
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"now normal"
    assert_error(
        lambda: append(Bucket=bucket, Key="k", Body=b"more", Position=len(b"now normal")), 409, "ObjectNotAppendable"
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"now normal"


def test_delete_appendable_object(s3, bucket, append):
    append(Bucket=bucket, Key="k", Body=b"abc", Position=0)
    s3.delete_object(Bucket=bucket, Key="k")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)
    # starting again from 0 creates a fresh object
    r = append(Bucket=bucket, Key="k", Body=b"xy", Position=0)
    assert resp_headers(r)[NEXT] == "2"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"xy"


def test_append_with_bad_content_md5(s3, bucket, append):
    append(Bucket=bucket, Key="k", Body=b"start", Position=0)
    wrong = md5_b64(b"not the body")
    assert_error(lambda: append(Bucket=bucket, Key="k", Body=b"body", Position=5, ContentMD5=wrong), 400, "BadDigest")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"start"
    r = append(Bucket=bucket, Key="k", Body=b"-end", Position=5)
    assert resp_headers(r)[NEXT] == "9"


def test_append_raw_signed_request(s3, bucket):
    # the `append=` form, with the payload hash signed
    r = signed_request("PUT", f"/{bucket}/raw", query=[("append", ""), ("position", "0")], body=b"hello ")
    assert r.status_code == 200, r.content[:300]
    assert r.headers[NEXT] == "6"
    r = signed_request("PUT", f"/{bucket}/raw", query=[("append", ""), ("position", "6")], body=b"world")
    assert r.status_code == 200, r.content[:300]
    assert r.headers[NEXT] == "11"
    r = signed_request("PUT", f"/{bucket}/raw", query=[("append", ""), ("position", "3")], body=b"!")
    assert r.status_code == 409
    assert b"<Code>PositionNotEqualToLength</Code>" in r.content
    assert s3.get_object(Bucket=bucket, Key="raw")["Body"].read() == b"hello world"


def test_append_other_user_denied(s3, bucket):
    other = make_appender(USER2)
    assert_error(lambda: other(Bucket=bucket, Key="k", Body=b"x", Position=0), 403, "AccessDenied")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
