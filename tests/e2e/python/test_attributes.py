"""GetObjectAttributes (`GET /bucket/key?attributes`) through boto3's get_object_attributes:
the attributes asked for, ObjectParts of multipart objects (listed, page by page, for COMPOSITE
checksums; only the count otherwise), conditional reads and the errors S3 answers."""

import datetime
import os

import pytest
from botocore.exceptions import ClientError

from s3e2e import (
    MIB,
    composite_checksum,
    crc32_b64,
    error_code,
    http_status,
    md5_hex,
    multipart_etag,
    new_bucket_name,
    signed_request,
    assert_s3_error,
)

ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def error_of(call):
    with pytest.raises(ClientError) as ei:
        call()
    return http_status(ei.value), error_code(ei.value)


def test_attributes_of_single_part_object(s3, bucket):
    body = os.urandom(3000)
    s3.put_object(Bucket=bucket, Key="k", Body=body, ChecksumAlgorithm="CRC32", StorageClass="STANDARD_IA")
    r = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=ALL)
    assert http_status(r) == 200
    assert r["ETag"] == md5_hex(body)  # no quotes
    assert r["Checksum"]["ChecksumCRC32"] == crc32_b64(body)
    assert r["Checksum"].get("ChecksumType") == "FULL_OBJECT"
    assert r["StorageClass"] == "STANDARD_IA"
    assert r["ObjectSize"] == len(body)
    assert "ObjectParts" not in r
    head = s3.head_object(Bucket=bucket, Key="k")
    assert r["LastModified"] == head["LastModified"]

    only = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize", "ETag"])
    assert only["ObjectSize"] == len(body) and only["ETag"] == md5_hex(body)
    assert "Checksum" not in only and "StorageClass" not in only


def test_attributes_without_checksum(s3, bucket):
    # A hand-signed PUT, so that no SDK adds a checksum of its own.
    body = b"no checksum here"
    assert signed_request("PUT", f"/{bucket}/plain", body=body).status_code == 200
    r = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=ALL)
    assert r["ETag"] == md5_hex(body)
    assert "Checksum" not in r and "ObjectParts" not in r
    assert r["StorageClass"] == "STANDARD"
    assert r["ObjectSize"] == len(body)


def test_attributes_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_of(lambda: s3.get_object_attributes(Bucket=bucket, Key="absent", ObjectAttributes=["ETag"])) == (
        404, "NoSuchKey")
    assert error_of(
        lambda: s3.get_object_attributes(Bucket=new_bucket_name("absent"), Key="k", ObjectAttributes=["ETag"])
    ) == (404, "NoSuchBucket")
    assert error_of(lambda: s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Owner"])) == (
        400, "InvalidArgument")
    # The header is required.
    for headers in ({}, {"x-amz-object-attributes": ""}):
        r = signed_request("GET", f"/{bucket}/k", [("attributes", "")], headers=headers)
        assert_s3_error(r, 400, "InvalidRequest")


def test_attributes_conditional(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"conditional")
    etag = f'"{md5_hex(b"conditional")}"'
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    call = lambda **kw: s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETag"], **kw)  # noqa: E731
    # boto3 has no conditional parameters for this operation: add the headers before signing.
    def with_headers(headers):
        def add(request, **_):
            for name, value in headers.items():
                request.headers[name] = value
        s3.meta.events.register_first("before-sign.s3.GetObjectAttributes", add, unique_id="cond")
        try:
            return call()
        finally:
            s3.meta.events.unregister("before-sign.s3.GetObjectAttributes", unique_id="cond")

    assert with_headers({"If-Match": etag})["ETag"] == md5_hex(b"conditional")
    assert error_of(lambda: with_headers({"If-Match": '"other"'})) == (412, "PreconditionFailed")
    assert error_of(lambda: with_headers({"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})) == (
        412, "PreconditionFailed")
    with pytest.raises(ClientError) as ei:
        with_headers({"If-None-Match": etag})
    assert http_status(ei.value) == 304
    assert with_headers({"If-Modified-Since": past.strftime("%a, %d %b %Y %H:%M:%S GMT")})["ETag"]


def upload(s3, bucket, key, parts, algorithm=None, **create):
    if algorithm:
        create["ChecksumAlgorithm"] = algorithm
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for n, data in enumerate(parts, 1):
        kwargs = {"ChecksumAlgorithm": algorithm} if algorithm else {}
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data, **kwargs)
        entry = {"PartNumber": n, "ETag": r["ETag"]}
        if algorithm:
            entry[f"Checksum{algorithm}"] = r[f"Checksum{algorithm}"]
        done.append(entry)
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": done})


@pytest.fixture(scope="module")
def composite(s3):
    """A bucket with a 4-part object with COMPOSITE CRC32 checksums."""
    from s3e2e import empty_and_delete_bucket

    name = new_bucket_name("attrs")
    s3.create_bucket(Bucket=name)
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail of the object"]
    done = upload(s3, name, "mp", parts, "CRC32")
    yield name, parts, done
    empty_and_delete_bucket(s3, name)


def test_attributes_of_composite_multipart_object(s3, composite):
    bucket, parts, done = composite
    assert done["ChecksumCRC32"] == composite_checksum("CRC32", parts)
    r = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=ALL)
    assert r["ETag"] == multipart_etag(parts).strip('"')
    # The composite checksum without its -4.
    assert r["Checksum"]["ChecksumCRC32"] == composite_checksum("CRC32", parts).rsplit("-", 1)[0]
    assert r["Checksum"].get("ChecksumType") == "COMPOSITE"
    op = r["ObjectParts"]
    assert op["TotalPartsCount"] == 4
    assert op["IsTruncated"] is False
    assert op["MaxParts"] == 1000
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in op["Parts"]] == [
        (n, len(data), crc32_b64(data)) for n, data in enumerate(parts, 1)
    ]
    assert r["ObjectSize"] == sum(map(len, parts))
    assert r["StorageClass"] == "STANDARD"


def test_attributes_parts_paging(s3, composite):
    bucket, parts, _ = composite
    seen, marker, pages = [], 0, 0
    while True:
        r = s3.get_object_attributes(
            Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"], MaxParts=3, PartNumberMarker=marker
        )
        op = r["ObjectParts"]
        assert op["MaxParts"] == 3
        assert int(op["PartNumberMarker"]) == marker
        assert op["TotalPartsCount"] == 4
        seen += [p["PartNumber"] for p in op["Parts"]]
        pages += 1
        if not op["IsTruncated"]:
            break
        marker = int(op["NextPartNumberMarker"])
    assert seen == [1, 2, 3, 4]
    assert pages == 2
    r = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"], PartNumberMarker=2)
    assert [p["PartNumber"] for p in r["ObjectParts"]["Parts"]] == [3, 4]


def test_attributes_of_multipart_object_without_composite_checksum(s3, bucket):
    parts = [os.urandom(5 * MIB), b"last"]
    upload(s3, bucket, "plain", parts)
    r = s3.get_object_attributes(Bucket=bucket, Key="plain", ObjectAttributes=ALL, MaxParts=1)
    assert r["ETag"] == multipart_etag(parts).strip('"')
    # S3 gives only the number of parts when they carry no composite checksum.
    assert r["ObjectParts"] == {"TotalPartsCount": 2}
    assert "Checksum" not in r
    upload(s3, bucket, "full", parts, "CRC32", ChecksumType="FULL_OBJECT")
    r = s3.get_object_attributes(Bucket=bucket, Key="full", ObjectAttributes=["Checksum", "ObjectParts"])
    assert r["Checksum"].get("ChecksumType") == "FULL_OBJECT"
    assert r["ObjectParts"] == {"TotalPartsCount": 2}
