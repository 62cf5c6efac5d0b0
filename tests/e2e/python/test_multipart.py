"""Multipart uploads: CreateMultipartUpload, UploadPart, UploadPartCopy,
CompleteMultipartUpload, AbortMultipartUpload, ListParts,
ListMultipartUploads, GetObject/HeadObject `partNumber`, and the managed
transfers of boto3 and aws-cli that are built on them."""

import hashlib
import json
import os
import subprocess
import time

import pytest
import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from s3e2e import (
    CHECKSUM_FUNCS,
    amz_now,
    assert_s3_error,
    aws_chunked_signed,
    aws_chunked_unsigned_trailer,
    ENDPOINT,
    MIB,
    composite_checksum,
    crc32_b64,
    empty_and_delete_bucket,
    error_code,
    http_status,
    md5_b64,
    md5_hex,
    multipart_etag,
    new_bucket_name,
    parse_error_xml,
    resp_headers,
    send,
    sign_headers,
    signed_request,
)

MIN_PART = 5 * MIB


def quoted_md5(data: bytes) -> str:
    return f'"{md5_hex(data)}"'


@pytest.fixture(scope="module")
def five_mib():
    return os.urandom(MIN_PART)


def start(s3, bucket, key, **kwargs):
    r = s3.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)
    assert http_status(r) == 200
    assert r["Bucket"] == bucket
    assert r["Key"] == key
    assert r["UploadId"]
    return r["UploadId"]


def put_parts(s3, bucket, key, upload_id, parts, first=1, **kwargs):
    """Upload `parts` as part numbers first, first+1, ...; returns the
    CompletedPart list (with the checksum the server answered, if any)."""
    done = []
    for n, data in enumerate(parts, first):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data, **kwargs)
        assert http_status(r) == 200
        assert r["ETag"] == quoted_md5(data), n
        entry = {"PartNumber": n, "ETag": r["ETag"]}
        for alg in CHECKSUM_FUNCS:
            if r.get(f"Checksum{alg}"):
                entry[f"Checksum{alg}"] = r[f"Checksum{alg}"]
        done.append(entry)
    return done


def complete(s3, bucket, key, upload_id, done, **kwargs):
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": done}, **kwargs
    )


def upload_object(s3, bucket, key, parts, **create_kwargs):
    uid = start(s3, bucket, key, **create_kwargs)
    done = put_parts(s3, bucket, key, uid, parts)
    r = complete(s3, bucket, key, uid, done)
    assert r["ETag"] == multipart_etag(parts)
    return r


def client_error(call):
    with pytest.raises(ClientError) as ei:
        call()
    return ei.value


def assert_error(call, status, code=None):
    e = client_error(call)
    assert http_status(e) == status, (e.response["Error"], http_status(e))
    if code is not None:
        assert error_code(e) == code, e.response["Error"]
    return e


# ---------------------------------------------------------------- the basic flow

def test_create_upload_complete(s3, bucket, five_mib):
    key = "dir/multi part ü+?&.bin"
    tail = os.urandom(1000)
    uid = start(s3, bucket, key)
    done = put_parts(s3, bucket, key, uid, [five_mib, tail])
    r = complete(s3, bucket, key, uid, done)
    assert http_status(r) == 200
    assert r["Bucket"] == bucket
    assert r["Key"] == key
    assert r["ETag"] == multipart_etag([five_mib, tail])

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == MIN_PART + 1000
    assert head["ETag"] == multipart_etag([five_mib, tail])
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["ETag"] == multipart_etag([five_mib, tail])
    assert got["Body"].read() == five_mib + tail

    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [(key, MIN_PART + 1000, multipart_etag([five_mib, tail]))]

    # the upload is over
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    assert_error(lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=uid), 404, "NoSuchUpload")


def test_single_small_part(s3, bucket):
    # the last (here: only) part may be smaller than 5 MiB, even empty-ish
    upload_object(s3, bucket, "one", [b"just one byte?"])
    assert s3.get_object(Bucket=bucket, Key="one")["Body"].read() == b"just one byte?"


def test_unequal_part_sizes(s3, bucket, five_mib):
    parts = [five_mib, os.urandom(7 * MIB), b"!"]
    upload_object(s3, bucket, "unequal", parts)
    got = s3.get_object(Bucket=bucket, Key="unequal")
    body = got["Body"].read()
    assert len(body) == 12 * MIB + 1
    assert hashlib.sha256(body).digest() == hashlib.sha256(b"".join(parts)).digest()
    assert got["ETag"] == multipart_etag(parts)


def test_create_headers_visible_after_complete(s3, bucket, five_mib):
    key = "with-headers"
    tail = b"tail of the object"
    meta = {"color": "blue", "multi-word": "Some Value"}
    uid = start(
        s3,
        bucket,
        key,
        ContentType="application/x-multipart-test",
        ContentDisposition='attachment; filename="mp.bin"',
        CacheControl="max-age=60, private",
        ContentLanguage="en-GB",
        Metadata=meta,
        Tagging="project=s3edge&kind=multi%20part",
        ChecksumAlgorithm="SHA256",
    )
    done = put_parts(s3, bucket, key, uid, [five_mib, tail], ChecksumAlgorithm="SHA256")
    assert [p["ChecksumSHA256"] for p in done] == [CHECKSUM_FUNCS["SHA256"](five_mib), CHECKSUM_FUNCS["SHA256"](tail)]
    r = complete(s3, bucket, key, uid, done)
    assert r["ChecksumSHA256"] == composite_checksum("SHA256", [five_mib, tail])

    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    for resp in (head, s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")):
        assert resp["ContentType"] == "application/x-multipart-test"
        assert resp["ContentDisposition"] == 'attachment; filename="mp.bin"'
        assert resp["CacheControl"] == "max-age=60, private"
        assert resp["ContentLanguage"] == "en-GB"
        assert resp["Metadata"] == meta
        assert resp["TagCount"] == 2
        assert resp_headers(resp)["x-amz-tagging-count"] == "2"
    assert head["ChecksumSHA256"] == composite_checksum("SHA256", [five_mib, tail])
    tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("kind", "multi part"), ("project", "s3edge")]


def test_create_response_names_checksum_algorithm(s3, bucket):
    r = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")
    assert r["ChecksumAlgorithm"] == "CRC32"
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=r["UploadId"])
    assert parts["ChecksumAlgorithm"] == "CRC32"


# ---------------------------------------------------------------- parts: integrity

def test_upload_part_content_md5(s3, bucket):
    uid = start(s3, bucket, "k")
    good = b"part with a correct Content-MD5"
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=good, ContentMD5=md5_b64(good))
    assert r["ETag"] == quoted_md5(good)
    assert_error(
        lambda: s3.upload_part(
            Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"actual body", ContentMD5=md5_b64(b"other body")
        ),
        400,
        "BadDigest",
    )
    # a bad digest on an existing part number keeps the part that was there
    # (sent once by hand: botocore retries BadDigest up to 5 times with backoff)
    r = signed_request(
        "PUT", f"/{bucket}/k", query=[("partNumber", "1"), ("uploadId", uid)],
        headers={"content-md5": md5_b64(b"nope")}, body=b"replacement",
    )
    assert_s3_error(r, 400, "BadDigest")
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, quoted_md5(good), len(good))]


def test_upload_part_bad_crc32(s3, bucket):
    uid = start(s3, bucket, "k")
    assert_error(
        lambda: s3.upload_part(
            Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"the body", ChecksumCRC32=crc32_b64(b"not the body")
        ),
        400,
        "BadDigest",
    )
    assert not s3.list_parts(Bucket=bucket, Key="k", UploadId=uid).get("Parts")


def test_upload_part_answers_checksum(s3, bucket):
    uid = start(s3, bucket, "k", ChecksumAlgorithm="CRC32")
    data = os.urandom(100_000)
    # boto3 at default settings computes and sends the CRC32 itself
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=data)
    assert r["ChecksumCRC32"] == crc32_b64(data)
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert parts[0]["ChecksumCRC32"] == crc32_b64(data)


def _part_unsigned_trailer(bucket, key, upload_id, number, data, algorithm, value):
    """UploadPart as SDKs send it over https: aws-chunked, checksum trailer."""
    trailer = f"x-amz-checksum-{algorithm.lower()}"
    query = [("partNumber", str(number)), ("uploadId", upload_id)]
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": trailer,
        "x-amz-sdk-checksum-algorithm": algorithm,
    }
    h, _, _, _ = sign_headers("PUT", f"/{bucket}/{key}", query, headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    del h["host"]
    body = aws_chunked_unsigned_trailer(data, 65536, trailer, value)
    return send("PUT", f"/{bucket}/{key}", query, h, body)


def _part_signed_chunks(bucket, key, upload_id, number, data):
    amz_date = amz_now()
    query = [("partNumber", str(number)), ("uploadId", upload_id)]
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    h, seed_sig, key_bytes, scope = sign_headers(
        "PUT", f"/{bucket}/{key}", query, headers, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", amz_date=amz_date
    )
    del h["host"]
    body = aws_chunked_signed(data, 65536, seed_sig, key_bytes, amz_date, scope)
    return send("PUT", f"/{bucket}/{key}", query, h, body)


def test_upload_part_aws_chunked(s3, bucket, five_mib):
    tail = os.urandom(70_000)
    uid = start(s3, bucket, "k", ChecksumAlgorithm="CRC32")
    r = _part_unsigned_trailer(bucket, "k", uid, 1, five_mib, "CRC32", crc32_b64(five_mib))
    assert r.status_code == 200, r.content[:300]
    assert r.headers["ETag"] == quoted_md5(five_mib)
    assert r.headers["x-amz-checksum-crc32"] == crc32_b64(five_mib)
    bad = _part_unsigned_trailer(bucket, "k", uid, 2, tail, "CRC32", crc32_b64(b"wrong"))
    assert_s3_error(bad, 400, "BadDigest")
    r = _part_unsigned_trailer(bucket, "k", uid, 2, tail, "CRC32", crc32_b64(tail))
    assert r.status_code == 200, r.content[:300]
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in parts] == [
        (1, MIN_PART, crc32_b64(five_mib)), (2, len(tail), crc32_b64(tail))
    ]
    done = [
        {"PartNumber": 1, "ETag": quoted_md5(five_mib), "ChecksumCRC32": crc32_b64(five_mib)},
        {"PartNumber": 2, "ETag": quoted_md5(tail), "ChecksumCRC32": crc32_b64(tail)},
    ]
    r = complete(s3, bucket, "k", uid, done)
    assert r["ChecksumCRC32"] == composite_checksum("CRC32", [five_mib, tail])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == five_mib + tail


def test_upload_part_signed_chunks(s3, bucket):
    data = os.urandom(150_000)
    uid = start(s3, bucket, "k")
    r = _part_signed_chunks(bucket, "k", uid, 1, data)
    assert r.status_code == 200, r.content[:300]
    assert r.headers["ETag"] == quoted_md5(data)
    complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": quoted_md5(data)}])
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data
    assert "aws-chunked" not in (got.get("ContentEncoding") or "")


@pytest.mark.parametrize("part_number", ["0", "10001"])
def test_upload_part_number_out_of_range(s3, bucket, part_number):
    uid = start(s3, bucket, "k")
    r = signed_request("PUT", f"/{bucket}/k", query=[("partNumber", part_number), ("uploadId", uid)], body=b"data")
    assert r.status_code == 400, (r.status_code, r.content[:300])
    assert parse_error_xml(r.content)["Code"] == "InvalidArgument"


def test_upload_part_10000_accepted(s3, bucket):
    uid = start(s3, bucket, "k")
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=10000, Body=b"last possible part")
    assert r["ETag"] == quoted_md5(b"last possible part")
    complete(s3, bucket, "k", uid, [{"PartNumber": 10000, "ETag": r["ETag"]}])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"last possible part"


def test_reupload_replaces_part(s3, bucket):
    uid = start(s3, bucket, "k")
    first = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"first version")["ETag"]
    second = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"second, longer version")["ETag"]
    assert first != second
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, second, len(b"second, longer version"))]
    # the replaced part is gone: its ETag no longer completes the upload
    assert_error(lambda: complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": first}]), 400, "InvalidPart")
    r = complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": second}])
    assert r["ETag"] == multipart_etag([b"second, longer version"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second, longer version"


# ---------------------------------------------------------------- complete: errors

def test_complete_invalid_part(s3, bucket):
    uid = start(s3, bucket, "k")
    done = put_parts(s3, bucket, "k", uid, [b"only part"])
    assert_error(
        lambda: complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]),
        400,
        "InvalidPart",
    )
    assert_error(
        lambda: complete(s3, bucket, "k", uid, done + [{"PartNumber": 2, "ETag": quoted_md5(b"never uploaded")}]),
        400,
        "InvalidPart",
    )
    # nothing was created, and the upload is still there
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [uid]
    complete(s3, bucket, "k", uid, done)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"only part"


def test_complete_invalid_part_order(s3, bucket, five_mib):
    other = os.urandom(MIN_PART)
    uid = start(s3, bucket, "k")
    done = put_parts(s3, bucket, "k", uid, [five_mib, other])
    assert_error(lambda: complete(s3, bucket, "k", uid, list(reversed(done))), 400, "InvalidPartOrder")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)
    r = complete(s3, bucket, "k", uid, done)
    assert r["ETag"] == multipart_etag([five_mib, other])


def test_complete_entity_too_small(s3, bucket, five_mib):
    uid = start(s3, bucket, "k")
    almost = five_mib[:-1]
    done = put_parts(s3, bucket, "k", uid, [almost, b"tail"])
    assert_error(lambda: complete(s3, bucket, "k", uid, done), 400, "EntityTooSmall")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)
    # exactly 5 MiB is enough
    done = put_parts(s3, bucket, "k", uid, [five_mib]) + done[1:]
    r = complete(s3, bucket, "k", uid, done)
    assert r["ETag"] == multipart_etag([five_mib, b"tail"])
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == MIN_PART + 4


def test_complete_tiny_parts_entity_too_small(s3, bucket):
    uid = start(s3, bucket, "k")
    done = put_parts(s3, bucket, "k", uid, [b"a", b"b", b"c"])
    assert_error(lambda: complete(s3, bucket, "k", uid, done), 400, "EntityTooSmall")


def test_complete_with_no_parts(s3, bucket):
    uid = start(s3, bucket, "k")
    put_parts(s3, bucket, "k", uid, [b"a"])
    assert_error(lambda: complete(s3, bucket, "k", uid, []), 400, "MalformedXML")


def test_complete_subset_of_parts(s3, bucket, five_mib):
    uid = start(s3, bucket, "k")
    done = put_parts(s3, bucket, "k", uid, [five_mib, b"second", b"third"])
    r = complete(s3, bucket, "k", uid, [done[0], done[2]])
    assert r["ETag"] == multipart_etag([five_mib, b"third"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == five_mib + b"third"


def test_complete_retried_answers_the_same(s3, bucket, five_mib):
    # A client whose first answer was lost sends the same Complete again: S3 answers it as the
    # first time while the object is current. Another part list is NoSuchUpload (the upload is
    # completed), and so is the retry once a PUT replaced the object.
    tail = b"the tail of a retried upload"
    uid = start(s3, bucket, "k", ChecksumAlgorithm="SHA256")
    done = put_parts(s3, bucket, "k", uid, [five_mib, tail], ChecksumAlgorithm="SHA256")
    first = complete(s3, bucket, "k", uid, done)
    again = complete(s3, bucket, "k", uid, done)
    fields = ("Location", "Bucket", "Key", "ETag", "ChecksumSHA256", "ChecksumType")
    assert {f: again.get(f) for f in fields} == {f: first.get(f) for f in fields}
    assert again["ETag"] == multipart_etag([five_mib, tail])
    assert again["ChecksumSHA256"] == composite_checksum("SHA256", [five_mib, tail])
    bare = [{"PartNumber": d["PartNumber"], "ETag": d["ETag"].strip('"')} for d in done]
    assert complete(s3, bucket, "k", uid, bare)["ETag"] == first["ETag"]
    assert_error(lambda: complete(s3, bucket, "k", uid, done[:1]), 404, "NoSuchUpload")
    other = [done[0], {"PartNumber": 2, "ETag": quoted_md5(b"other")}]
    assert_error(lambda: complete(s3, bucket, "k", uid, other), 404, "NoSuchUpload")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == five_mib + tail
    s3.put_object(Bucket=bucket, Key="k", Body=b"replaced")
    assert_error(lambda: complete(s3, bucket, "k", uid, done), 404, "NoSuchUpload")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"replaced"


def test_no_such_upload(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    bogus = "2~nonexistentuploadid00000000000000"
    calls = [
        lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=bogus),
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=bogus, PartNumber=1, Body=b"x"),
        lambda: complete(s3, bucket, "k", bogus, [{"PartNumber": 1, "ETag": quoted_md5(b"x")}]),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=bogus),
    ]
    for call in calls:
        assert_error(call, 404, "NoSuchUpload")
    # a real upload id used with another key is no upload of that key
    uid = start(s3, bucket, "real")
    done = put_parts(s3, bucket, "real", uid, [b"p"])
    assert_error(lambda: s3.list_parts(Bucket=bucket, Key="other", UploadId=uid), 404, "NoSuchUpload")
    assert_error(lambda: complete(s3, bucket, "other", uid, done), 404, "NoSuchUpload")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="other"), 404)


def test_no_such_bucket(s3):
    assert_error(lambda: s3.create_multipart_upload(Bucket=new_bucket_name("absent"), Key="k"), 404, "NoSuchBucket")


# ---------------------------------------------------------------- abort

def test_abort(s3, bucket):
    uid = start(s3, bucket, "k")
    put_parts(s3, bucket, "k", uid, [b"part one", b"part two"])
    r = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert http_status(r) == 204
    assert_error(lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=uid), 404, "NoSuchUpload")
    assert_error(
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=3, Body=b"late"), 404, "NoSuchUpload"
    )
    assert_error(
        lambda: complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": quoted_md5(b"part one")}]),
        404,
        "NoSuchUpload",
    )
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)


def test_other_user_cannot_use_upload(s3, s3_user2, bucket):
    uid = start(s3, bucket, "k")
    done = put_parts(s3, bucket, "k", uid, [b"mine"])
    for call in (
        lambda: s3_user2.create_multipart_upload(Bucket=bucket, Key="k2"),
        lambda: s3_user2.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"theirs"),
        lambda: s3_user2.list_parts(Bucket=bucket, Key="k", UploadId=uid),
        lambda: s3_user2.list_multipart_uploads(Bucket=bucket),
        lambda: complete(s3_user2, bucket, "k", uid, done),
        lambda: s3_user2.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid),
    ):
        assert_error(call, 403, "AccessDenied")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]] == [1]


# ---------------------------------------------------------------- reading a multipart object

@pytest.fixture(scope="module")
def mp_object(s3):
    """One object of three parts of unequal sizes: 5 MiB, 7 MiB, 1 byte."""
    name = new_bucket_name("mp")
    s3.create_bucket(Bucket=name)
    parts = [os.urandom(MIN_PART), os.urandom(7 * MIB), b"Z"]
    upload_object(s3, name, "obj", parts)
    yield name, parts
    empty_and_delete_bucket(s3, name)


P1 = MIN_PART
P2 = MIN_PART + 7 * MIB
TOTAL = P2 + 1


@pytest.mark.parametrize(
    "rng,start_,end",
    [
        ("bytes=0-9", 0, 9),
        (f"bytes={P1 - 10}-{P1 + 9}", P1 - 10, P1 + 9),  # last 10 of part 1, first 10 of part 2
        (f"bytes={P1 - 5}-{TOTAL - 1}", P1 - 5, TOTAL - 1),  # three parts
        (f"bytes={P1 - 1}-{P2}", P1 - 1, P2),  # the whole of part 2 and one byte each side
        ("bytes=-3", TOTAL - 3, TOTAL - 1),  # suffix: part 2's last 2 bytes and part 3
        ("bytes=-1", TOTAL - 1, TOTAL - 1),
        (f"bytes={P2 - 4}-", P2 - 4, TOTAL - 1),  # open range
        (f"bytes={P1}-{P1}", P1, P1),  # first byte of part 2
        (f"bytes={P2 - 1}-{TOTAL + 100}", P2 - 1, TOTAL - 1),  # end beyond the object
    ],
)
def test_range_get_across_parts(s3, mp_object, rng, start_, end):
    name, parts = mp_object
    whole = b"".join(parts)
    r = s3.get_object(Bucket=name, Key="obj", Range=rng)
    assert http_status(r) == 206
    assert r["ContentRange"] == f"bytes {start_}-{end}/{TOTAL}"
    assert r["ContentLength"] == end - start_ + 1
    assert r["Body"].read() == whole[start_ : end + 1]
    assert r["ETag"] == multipart_etag(parts)


def test_whole_get(s3, mp_object):
    name, parts = mp_object
    r = s3.get_object(Bucket=name, Key="obj")
    assert http_status(r) == 200
    assert r["ContentLength"] == TOTAL
    assert r["Body"].read() == b"".join(parts)
    # a plain GET is not a part GET
    assert "PartsCount" not in r or r["PartsCount"] == 3


def test_range_not_satisfiable(s3, mp_object):
    name, _ = mp_object
    e = assert_error(lambda: s3.get_object(Bucket=name, Key="obj", Range=f"bytes={TOTAL}-"), 416, "InvalidRange")
    assert resp_headers(e)["content-range"] == f"bytes */{TOTAL}"


@pytest.mark.parametrize("number,start_,end", [(1, 0, P1 - 1), (2, P1, P2 - 1), (3, P2, P2)])
def test_get_and_head_part_number(s3, mp_object, number, start_, end):
    name, parts = mp_object
    r = s3.get_object(Bucket=name, Key="obj", PartNumber=number)
    assert http_status(r) == 206
    assert r["PartsCount"] == 3
    assert resp_headers(r)["x-amz-mp-parts-count"] == "3"
    assert r["ContentRange"] == f"bytes {start_}-{end}/{TOTAL}"
    assert r["ContentLength"] == end - start_ + 1
    assert r["ETag"] == multipart_etag(parts)
    assert r["Body"].read() == parts[number - 1]

    h = s3.head_object(Bucket=name, Key="obj", PartNumber=number)
    assert http_status(h) == 206
    assert h["PartsCount"] == 3
    assert h["ContentRange"] == f"bytes {start_}-{end}/{TOTAL}"
    assert h["ContentLength"] == end - start_ + 1
    assert h["ETag"] == multipart_etag(parts)


def test_part_number_beyond_count(s3, mp_object):
    name, _ = mp_object
    assert_error(lambda: s3.get_object(Bucket=name, Key="obj", PartNumber=4), 416, "InvalidPartNumber")
    assert_error(lambda: s3.head_object(Bucket=name, Key="obj", PartNumber=4), 416)


def test_part_number_one_of_plain_object(s3, bucket):
    # a simple object is one part: partNumber=1 is all of it, 2 does not exist
    s3.put_object(Bucket=bucket, Key="plain", Body=b"0123456789")
    r = s3.get_object(Bucket=bucket, Key="plain", PartNumber=1)
    assert r["Body"].read() == b"0123456789"
    assert r["ContentLength"] == 10
    assert_error(lambda: s3.get_object(Bucket=bucket, Key="plain", PartNumber=2), 416, "InvalidPartNumber")


# ---------------------------------------------------------------- composite checksums

@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_composite_checksum(s3, bucket, five_mib, algorithm):
    parts = [five_mib, b"final part of the composite upload"]
    uid = start(s3, bucket, "k", ChecksumAlgorithm=algorithm)
    done = put_parts(s3, bucket, "k", uid, parts, ChecksumAlgorithm=algorithm)
    field = f"Checksum{algorithm}"
    assert [d[field] for d in done] == [CHECKSUM_FUNCS[algorithm](p) for p in parts]
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [p[field] for p in listed] == [d[field] for d in done]

    r = complete(s3, bucket, "k", uid, done)
    expected = composite_checksum(algorithm, parts)
    assert expected.endswith("-2")
    assert r[field] == expected
    assert r["ChecksumType"] == "COMPOSITE"
    assert r["ETag"] == multipart_etag(parts)

    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[field] == expected
    assert head["ChecksumType"] == "COMPOSITE"
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got.get(field) in (None, expected)
    assert got["Body"].read() == b"".join(parts)


def test_full_object_crc32_checksum(s3, bucket, five_mib):
    # FULL_OBJECT: the object's CRC32 is the CRC32 of all its bytes (the parts' CRCs combined),
    # with no -N; a wrong whole-object claim on Complete is refused.
    import base64
    import zlib

    parts = [five_mib, b"the last part of a full-object upload"]
    whole = b"".join(parts)
    expected = base64.b64encode(zlib.crc32(whole).to_bytes(4, "big")).decode()
    uid = start(s3, bucket, "k", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    done = put_parts(s3, bucket, "k", uid, parts, ChecksumAlgorithm="CRC32")
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert listed["ChecksumType"] == "FULL_OBJECT"
    wrong = base64.b64encode((zlib.crc32(whole) ^ 1).to_bytes(4, "big")).decode()
    # botocore retries BadDigest with backoff; one attempt is enough to see it.
    once = boto3.client(
        "s3", endpoint_url=s3.meta.endpoint_url,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    with pytest.raises(ClientError) as err:
        once.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": done},
            ChecksumCRC32=wrong, ChecksumType="FULL_OBJECT",
        )
    assert err.value.response["Error"]["Code"] == "BadDigest"
    r = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": done},
        ChecksumCRC32=expected, ChecksumType="FULL_OBJECT", MpuObjectSize=len(whole),
    )
    assert r["ChecksumCRC32"] == expected
    assert r["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected
    assert head["ChecksumType"] == "FULL_OBJECT"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == whole


# ---------------------------------------------------------------- ListParts

def test_list_parts_pagination(s3, bucket):
    uid = start(s3, bucket, "k")
    bodies = [f"part number {n} ".encode() * n for n in range(1, 6)]
    done = put_parts(s3, bucket, "k", uid, bodies)
    before = time.time()

    full = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert full["Bucket"] == bucket
    assert full["Key"] == "k"
    assert full["UploadId"] == uid
    assert full["IsTruncated"] is False
    assert [p["PartNumber"] for p in full["Parts"]] == [1, 2, 3, 4, 5]
    for p, d, body in zip(full["Parts"], done, bodies):
        assert p["ETag"] == d["ETag"]
        assert p["Size"] == len(body)
        assert abs(p["LastModified"].timestamp() - before) < 120

    page1 = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2)
    assert page1["IsTruncated"] is True
    assert page1["MaxParts"] == 2
    assert [p["PartNumber"] for p in page1["Parts"]] == [1, 2]
    assert page1["NextPartNumberMarker"] == 2
    page2 = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2, PartNumberMarker=page1["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in page2["Parts"]] == [3, 4]
    assert page2["IsTruncated"] is True
    assert page2["NextPartNumberMarker"] == 4
    page3 = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2, PartNumberMarker=4)
    assert [p["PartNumber"] for p in page3["Parts"]] == [5]
    assert page3["IsTruncated"] is False

    # the paginator walks the same pages
    pages = list(s3.get_paginator("list_parts").paginate(Bucket=bucket, Key="k", UploadId=uid, PaginationConfig={"PageSize": 2}))
    assert [[p["PartNumber"] for p in pg["Parts"]] for pg in pages] == [[1, 2], [3, 4], [5]]


def test_list_parts_sparse_numbers(s3, bucket):
    uid = start(s3, bucket, "k")
    for n in (7, 3, 200):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=b"p%d" % n)
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [p["PartNumber"] for p in parts] == [3, 7, 200]
    r = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, PartNumberMarker=3)
    assert [p["PartNumber"] for p in r["Parts"]] == [7, 200]


# ---------------------------------------------------------------- ListMultipartUploads

def test_list_multipart_uploads(s3, bucket):
    created = []
    for key in ("b/x", "a", "b/y", "a", "c"):
        created.append((key, start(s3, bucket, key)))
        time.sleep(0.02)  # distinct initiation times
    # ordered by key, then by initiation
    expected = sorted(created, key=lambda kv: (kv[0], created.index(kv)))
    a1, a2 = [u for k, u in created if k == "a"]

    def listing(**kwargs):
        r = s3.list_multipart_uploads(Bucket=bucket, **kwargs)
        return r, [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]

    r, got = listing()
    assert got == expected
    assert r["IsTruncated"] is False
    assert r["Bucket"] == bucket
    for u in r["Uploads"]:
        assert u["Initiated"].year >= 2024
        assert u["StorageClass"] == "STANDARD"

    _, got = listing(Prefix="b/")
    assert got == [kv for kv in expected if kv[0].startswith("b/")]

    r, got = listing(Delimiter="/")
    assert got == [kv for kv in expected if "/" not in kv[0]]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["b/"]

    r, got = listing(Prefix="b/", Delimiter="/")
    assert got == [kv for kv in expected if kv[0].startswith("b/")]
    assert not r.get("CommonPrefixes")

    _, got = listing(KeyMarker="a")
    assert got == [kv for kv in expected if kv[0] > "a"]

    _, got = listing(KeyMarker="a", UploadIdMarker=a1)
    assert got == [("a", a2)] + [kv for kv in expected if kv[0] > "a"]

    r, got = listing(MaxUploads=2)
    assert got == expected[:2]
    assert r["IsTruncated"] is True
    assert r["MaxUploads"] == 2
    assert (r["NextKeyMarker"], r["NextUploadIdMarker"]) == expected[1]

    # walk it one upload at a time: the markers step through same-key uploads
    seen, kwargs = [], {}
    for _ in range(10):
        r, got = listing(MaxUploads=1, **kwargs)
        seen += got
        if not r["IsTruncated"]:
            break
        kwargs = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
    assert seen == expected

    # completed and aborted uploads are no longer listed
    s3.abort_multipart_upload(Bucket=bucket, Key="a", UploadId=a1)
    uid_c = dict(created)["c"]
    done = put_parts(s3, bucket, "c", uid_c, [b"c"])
    complete(s3, bucket, "c", uid_c, done)
    _, got = listing()
    assert got == [kv for kv in expected if kv[1] not in (a1, uid_c)]


def test_list_multipart_uploads_of_keys_too_long_for_whole_index_names(s3, bucket):
    # Names of the upload index keep ~965 bytes of such keys: the listing still follows key order.
    base = "L" * 950
    keys = [base + "a" * 18 + "z" + "f" * 30, base, base + "a" * 19, base + "a" * 18 + "b",
            base + "a" * 18 + "c" * 40, "\u00e9" * 500, "m"]
    created = [(key, start(s3, bucket, key)) for key in keys * 2]
    expected = sorted(created)
    r = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == expected
    seen, kwargs = [], {}
    for _ in range(20):
        r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=3, **kwargs)
        seen += [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]
        if not r["IsTruncated"]:
            break
        kwargs = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
    assert seen == expected
    for key, uid in created:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_list_multipart_uploads_in_other_bucket_is_separate(s3, bucket, cleanup):
    other = new_bucket_name()
    s3.create_bucket(Bucket=other)
    cleanup(s3, other)
    start(s3, bucket, "k")
    assert not s3.list_multipart_uploads(Bucket=other).get("Uploads")


# ---------------------------------------------------------------- overwriting

def test_plain_put_over_multipart_object(s3, bucket, five_mib):
    upload_object(s3, bucket, "k", [five_mib, b"tail"])
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"now a simple object")
    assert r["ETag"] == quoted_md5(b"now a simple object")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"now a simple object"
    assert got["ETag"] == quoted_md5(b"now a simple object")
    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="k")


def test_multipart_over_plain_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"simple")
    uid = start(s3, bucket, "k")
    # the old object stays readable while the upload is in progress
    done = put_parts(s3, bucket, "k", uid, [b"multipart replacement"])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"simple"
    complete(s3, bucket, "k", uid, done)
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"multipart replacement"
    assert got["ETag"] == multipart_etag([b"multipart replacement"])


# ---------------------------------------------------------------- UploadPartCopy

def test_upload_part_copy(s3, seed, bucket, cleanup):
    src_bucket = new_bucket_name("src")
    s3.create_bucket(Bucket=src_bucket)
    cleanup(s3, src_bucket)
    src = os.urandom(6 * MIB)
    seed.put_object(Bucket=src_bucket, Key="source key+ü", Body=src)
    seed.put_object(Bucket=bucket, Key="small", Body=b"a small source object")
    src_etag = quoted_md5(src)
    copy_source = {"Bucket": src_bucket, "Key": "source key+ü"}

    uid = start(s3, bucket, "dst")
    r1 = s3.upload_part_copy(
        Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource=copy_source,
        CopySourceRange=f"bytes=0-{MIN_PART - 1}", CopySourceIfMatch=src_etag,
    )
    assert http_status(r1) == 200
    assert r1["CopyPartResult"]["ETag"] == quoted_md5(src[:MIN_PART])
    assert "LastModified" in r1["CopyPartResult"]
    r2 = s3.upload_part_copy(
        Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2, CopySource=copy_source,
        CopySourceRange=f"bytes={MIN_PART}-{len(src) - 1}",
    )
    assert r2["CopyPartResult"]["ETag"] == quoted_md5(src[MIN_PART:])
    parts = s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, MIN_PART), (2, MIB)]
    done = [
        {"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]},
    ]
    r = complete(s3, bucket, "dst", uid, done)
    assert r["ETag"] == multipart_etag([src[:MIN_PART], src[MIN_PART:]])
    body = s3.get_object(Bucket=bucket, Key="dst")["Body"].read()
    assert body == src

    # no range: the whole source object is the part (string CopySource form)
    uid = start(s3, bucket, "dst2")
    r3 = s3.upload_part_copy(Bucket=bucket, Key="dst2", UploadId=uid, PartNumber=1, CopySource=f"{bucket}/small")
    assert r3["CopyPartResult"]["ETag"] == quoted_md5(b"a small source object")
    complete(s3, bucket, "dst2", uid, [{"PartNumber": 1, "ETag": r3["CopyPartResult"]["ETag"]}])
    assert s3.get_object(Bucket=bucket, Key="dst2")["Body"].read() == b"a small source object"


def test_upload_part_copy_errors(s3, seed, bucket):
    src = b"0123456789" * 10
    seed.put_object(Bucket=bucket, Key="src", Body=src)
    uid = start(s3, bucket, "dst")
    cs = {"Bucket": bucket, "Key": "src"}

    def copy(**kwargs):
        return s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource=cs, **kwargs)

    assert_error(lambda: copy(CopySourceIfMatch='"00000000000000000000000000000000"'), 412, "PreconditionFailed")
    assert_error(lambda: copy(CopySourceIfNoneMatch=quoted_md5(src)), 412, "PreconditionFailed")
    e = assert_error(lambda: copy(CopySourceRange="bytes=50-100"), 400, "InvalidArgument")
    assert "100" in e.response["Error"]["Message"]
    assert_error(lambda: copy(CopySourceRange="bytes=100-101"), 400, "InvalidArgument")
    assert_error(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1, CopySource={"Bucket": bucket, "Key": "missing"}
        ),
        404,
        "NoSuchKey",
    )
    assert_error(
        lambda: s3.upload_part_copy(
            Bucket=bucket, Key="dst", UploadId="no-such-upload-id", PartNumber=1, CopySource=cs
        ),
        404,
        "NoSuchUpload",
    )
    # none of the failures left a part behind
    assert not s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid).get("Parts")
    r = copy(CopySourceRange="bytes=90-99", CopySourceIfMatch=quoted_md5(src))
    assert r["CopyPartResult"]["ETag"] == quoted_md5(src[90:])


# ---------------------------------------------------------------- boto3 managed transfers

def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            h.update(block)
    return h.hexdigest()


def test_managed_upload_and_download(s3, bucket, tmp_path):
    data = os.urandom(20 * MIB + 12345)
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    # default TransferConfig: multipart above 8 MiB, 8 MiB parts, concurrent
    s3.upload_file(str(src), bucket, "managed/obj.bin", ExtraArgs={"ContentType": "application/x-managed", "Metadata": {"via": "upload_file"}})
    parts = [data[i : i + 8 * MIB] for i in range(0, len(data), 8 * MIB)]
    head = s3.head_object(Bucket=bucket, Key="managed/obj.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(parts)
    assert head["ETag"].endswith('-3"')
    assert head["ContentType"] == "application/x-managed"
    assert head["Metadata"] == {"via": "upload_file"}
    # s3transfer asks for CRC32 on the upload and sends each part's CRC32
    assert head["ChecksumCRC32"] == composite_checksum("CRC32", parts)

    dst = tmp_path / "down.bin"
    s3.download_file(bucket, "managed/obj.bin", str(dst))
    assert sha256_file(dst) == hashlib.sha256(data).hexdigest()


def test_managed_multipart_copy(s3, bucket, cleanup, tmp_path):
    cfg = TransferConfig(multipart_threshold=MIN_PART, multipart_chunksize=MIN_PART)
    data = os.urandom(12 * MIB + 777)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), bucket, "src.bin", Config=cfg, ExtraArgs={"Metadata": {"origin": "source"}})
    chunks = [data[i : i + MIN_PART] for i in range(0, len(data), MIN_PART)]
    assert s3.head_object(Bucket=bucket, Key="src.bin")["ETag"] == multipart_etag(chunks)

    dst_bucket = new_bucket_name("dst")
    s3.create_bucket(Bucket=dst_bucket)
    cleanup(s3, dst_bucket)
    # above the threshold s3.copy uses CreateMultipartUpload + UploadPartCopy (CopySourceRange)
    s3.copy({"Bucket": bucket, "Key": "src.bin"}, dst_bucket, "copy/dst.bin", Config=cfg)
    head = s3.head_object(Bucket=dst_bucket, Key="copy/dst.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == multipart_etag(chunks)
    # a multipart copy starts a fresh upload: s3transfer passes no metadata to it
    assert head["Metadata"] == {}
    body = s3.get_object(Bucket=dst_bucket, Key="copy/dst.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()


def test_managed_small_copy_uses_copy_object(s3, bucket, five_mib):
    # below the default 8 MiB threshold s3.copy is one CopyObject: plain MD5 ETag even from a multipart source
    upload_object(s3, bucket, "src", [five_mib, b"tail"])
    s3.copy({"Bucket": bucket, "Key": "src"}, bucket, "dst")
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ETag"] == quoted_md5(five_mib + b"tail")
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == five_mib + b"tail"


# ---------------------------------------------------------------- aws-cli

@pytest.fixture
def aws(cli_env):
    def run(*args, json_out=False, timeout=300):
        cmd = ["aws", "--endpoint-url", ENDPOINT, *args]
        if json_out:
            cmd += ["--output", "json"]
        p = subprocess.run(cmd, env=cli_env, capture_output=True, text=True, timeout=timeout)
        assert p.returncode == 0, (cmd, p.returncode, p.stdout[-2000:], p.stderr[-2000:])
        return json.loads(p.stdout) if json_out and p.stdout.strip() else p

    return run


def test_awscli_cp_100mib(aws, s3, bucket, tmp_path):
    src = tmp_path / "hundred.bin"
    with open(src, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(MIB))
    aws("s3", "cp", str(src), f"s3://{bucket}/big/hundred.bin")
    head = s3.head_object(Bucket=bucket, Key="big/hundred.bin")
    assert head["ContentLength"] == 100 * MIB
    assert head["ETag"].endswith('-13"'), head["ETag"]  # 8 MiB parts
    dst = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{bucket}/big/hundred.bin", str(dst))
    assert sha256_file(dst) == sha256_file(src)


def test_awscli_s3api_multipart(aws, s3, bucket, tmp_path, five_mib):
    p1 = tmp_path / "p1"
    p1.write_bytes(five_mib)
    p2 = tmp_path / "p2"
    p2.write_bytes(b"second part from the cli")
    r = aws("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "cli/obj", "--content-type", "text/x-cli", json_out=True)
    uid = r["UploadId"]
    assert r["Key"] == "cli/obj"
    etags = []
    for n, p in ((1, p1), (2, p2)):
        r = aws("s3api", "upload-part", "--bucket", bucket, "--key", "cli/obj", "--upload-id", uid,
                "--part-number", str(n), "--body", str(p), json_out=True)
        assert r["ETag"] == quoted_md5(p.read_bytes())
        etags.append(r["ETag"])
    r = aws("s3api", "list-parts", "--bucket", bucket, "--key", "cli/obj", "--upload-id", uid, json_out=True)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in r["Parts"]] == [
        (1, etags[0], MIN_PART), (2, etags[1], len(b"second part from the cli"))
    ]
    r = aws("s3api", "list-multipart-uploads", "--bucket", bucket, json_out=True)
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [("cli/obj", uid)]
    parts_doc = {"Parts": [{"PartNumber": n, "ETag": e} for n, e in ((1, etags[0]), (2, etags[1]))]}
    r = aws("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "cli/obj", "--upload-id", uid,
            "--multipart-upload", json.dumps(parts_doc), json_out=True)
    expected = multipart_etag([five_mib, b"second part from the cli"])
    assert r["ETag"] == expected
    head = s3.head_object(Bucket=bucket, Key="cli/obj")
    assert head["ETag"] == expected
    assert head["ContentType"] == "text/x-cli"
    assert s3.get_object(Bucket=bucket, Key="cli/obj")["Body"].read() == five_mib + b"second part from the cli"
