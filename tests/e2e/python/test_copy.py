"""CopyObject: metadata and tagging directives, conditions, odd keys,
multipart sources, errors, and the raw `x-amz-copy-source` forms."""

import datetime
import email.utils
import os
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from s3e2e import (
    MIB,
    error_code,
    http_status,
    md5_hex,
    multipart_etag,
    new_bucket_name,
    resp_headers,
    signed_request,
)

EXPIRES = datetime.datetime(2037, 10, 21, 7, 28, 0, tzinfo=datetime.timezone.utc)
SRC_BODY = b"the source object's bytes\n" * 40
SRC_META = {"color": "blue", "origin": "source"}
ZERO_ETAG = '"00000000000000000000000000000000"'


def quoted_md5(data: bytes) -> str:
    return f'"{md5_hex(data)}"'


def assert_error(call, status, code=None):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value
    assert http_status(e) == status, (e.response["Error"], http_status(e))
    if code is not None:
        assert error_code(e) == code, e.response["Error"]
    return e


def tags_of(s3, bucket, key):
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


@pytest.fixture
def src(s3, bucket):
    """A source object with content headers, metadata and two tags."""
    s3.put_object(
        Bucket=bucket,
        Key="src",
        Body=SRC_BODY,
        ContentType="text/x-source",
        ContentDisposition='inline; filename="src.txt"',
        ContentLanguage="de",
        CacheControl="max-age=5",
        Expires=EXPIRES,
        Metadata=SRC_META,
        Tagging="t1=one&t2=two",
    )
    return bucket


def assert_has_source_headers(resp):
    assert resp["ContentType"] == "text/x-source"
    assert resp["ContentDisposition"] == 'inline; filename="src.txt"'
    assert resp["ContentLanguage"] == "de"
    assert resp["CacheControl"] == "max-age=5"
    assert resp["Metadata"] == SRC_META
    assert resp_headers(resp)["expires"] == "Wed, 21 Oct 2037 07:28:00 GMT"


# ---------------------------------------------------------------- basic copies

def test_copy_same_bucket_copies_everything(s3, src):
    r = s3.copy_object(Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"})
    assert http_status(r) == 200
    result = r["CopyObjectResult"]
    assert result["ETag"] == quoted_md5(SRC_BODY)
    assert isinstance(result["LastModified"], datetime.datetime)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - result["LastModified"]).total_seconds()) < 120

    got = s3.get_object(Bucket=src, Key="dst")
    assert got["Body"].read() == SRC_BODY
    assert got["ETag"] == quoted_md5(SRC_BODY)
    assert_has_source_headers(got)
    assert got["TagCount"] == 2
    assert_has_source_headers(s3.head_object(Bucket=src, Key="dst"))
    assert tags_of(s3, src, "dst") == {"t1": "one", "t2": "two"}
    # the source is untouched
    assert s3.get_object(Bucket=src, Key="src")["Body"].read() == SRC_BODY


def test_copy_across_buckets(s3, src, cleanup):
    other = new_bucket_name()
    s3.create_bucket(Bucket=other)
    cleanup(s3, other)
    r = s3.copy_object(Bucket=other, Key="deep/copy", CopySource={"Bucket": src, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == quoted_md5(SRC_BODY)
    got = s3.get_object(Bucket=other, Key="deep/copy")
    assert got["Body"].read() == SRC_BODY
    assert_has_source_headers(got)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=other)["Contents"]] == ["deep/copy"]
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=src)["Contents"]) == ["src"]


def test_copy_overwrites_destination(s3, src):
    s3.put_object(Bucket=src, Key="dst", Body=b"old destination", Metadata={"stale": "yes"}, Tagging="old=1")
    s3.copy_object(Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"})
    got = s3.get_object(Bucket=src, Key="dst")
    assert got["Body"].read() == SRC_BODY
    assert got["Metadata"] == SRC_META
    assert tags_of(s3, src, "dst") == {"t1": "one", "t2": "two"}


def test_copy_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    r = s3.copy_object(Bucket=bucket, Key="empty-copy", CopySource={"Bucket": bucket, "Key": "empty"})
    assert r["CopyObjectResult"]["ETag"] == quoted_md5(b"")
    got = s3.get_object(Bucket=bucket, Key="empty-copy")
    assert got["ContentLength"] == 0
    assert got["Body"].read() == b""


# ---------------------------------------------------------------- directives

def test_metadata_directive_copy_ignores_new_metadata(s3, src):
    # with COPY (the default) metadata sent with the request is ignored
    s3.copy_object(
        Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"},
        MetadataDirective="COPY", Metadata={"ignored": "yes"},
    )
    assert_has_source_headers(s3.head_object(Bucket=src, Key="dst"))


def test_metadata_directive_replace(s3, src):
    s3.copy_object(
        Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"},
        MetadataDirective="REPLACE", ContentType="application/x-replaced", Metadata={"new": "value"},
    )
    h = s3.head_object(Bucket=src, Key="dst")
    assert h["ContentType"] == "application/x-replaced"
    assert h["Metadata"] == {"new": "value"}
    # headers not given are not carried over
    assert "CacheControl" not in h
    assert "ContentDisposition" not in h
    assert "ContentLanguage" not in h
    assert "expires" not in resp_headers(h)
    assert h["ETag"] == quoted_md5(SRC_BODY)
    assert s3.get_object(Bucket=src, Key="dst")["Body"].read() == SRC_BODY
    # tags follow the tagging directive, not the metadata directive
    assert tags_of(s3, src, "dst") == {"t1": "one", "t2": "two"}
    # the source keeps its own
    assert_has_source_headers(s3.head_object(Bucket=src, Key="src"))


def test_metadata_directive_replace_without_content_type(s3, src):
    s3.copy_object(Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"}, MetadataDirective="REPLACE")
    h = s3.head_object(Bucket=src, Key="dst")
    assert h["ContentType"] in ("binary/octet-stream", "application/octet-stream")
    assert h["Metadata"] == {}


def test_tagging_directive(s3, src):
    s3.copy_object(Bucket=src, Key="copy", CopySource={"Bucket": src, "Key": "src"}, TaggingDirective="COPY")
    assert tags_of(s3, src, "copy") == {"t1": "one", "t2": "two"}

    s3.copy_object(
        Bucket=src, Key="replace", CopySource={"Bucket": src, "Key": "src"},
        TaggingDirective="REPLACE", Tagging="r=new%20value&q=3",
    )
    assert tags_of(s3, src, "replace") == {"r": "new value", "q": "3"}
    assert s3.head_object(Bucket=src, Key="replace")["TagCount"] == 2
    # metadata still copied
    assert s3.head_object(Bucket=src, Key="replace")["Metadata"] == SRC_META

    s3.copy_object(Bucket=src, Key="none", CopySource={"Bucket": src, "Key": "src"}, TaggingDirective="REPLACE")
    assert tags_of(s3, src, "none") == {}
    h = s3.head_object(Bucket=src, Key="none")
    assert "TagCount" not in h
    assert "x-amz-tagging-count" not in resp_headers(h)


def test_invalid_directives(s3, src):
    for kwargs in ({"MetadataDirective": "MOVE"}, {"TaggingDirective": "MERGE"}):
        assert_error(
            lambda: s3.copy_object(Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"}, **kwargs),
            400,
            "InvalidArgument",
        )
    assert_error(lambda: s3.head_object(Bucket=src, Key="dst"), 404)


# ---------------------------------------------------------------- copying onto itself

def test_copy_onto_itself_needs_replace(s3, src):
    e = assert_error(
        lambda: s3.copy_object(Bucket=src, Key="src", CopySource={"Bucket": src, "Key": "src"}), 400, "InvalidRequest"
    )
    assert e.response["Error"]["Message"]
    assert_has_source_headers(s3.head_object(Bucket=src, Key="src"))

    r = s3.copy_object(
        Bucket=src, Key="src", CopySource={"Bucket": src, "Key": "src"},
        MetadataDirective="REPLACE", ContentType="text/x-updated", Metadata={"revision": "2"},
    )
    assert r["CopyObjectResult"]["ETag"] == quoted_md5(SRC_BODY)
    got = s3.get_object(Bucket=src, Key="src")
    assert got["Body"].read() == SRC_BODY
    assert got["ContentType"] == "text/x-updated"
    assert got["Metadata"] == {"revision": "2"}
    assert tags_of(s3, src, "src") == {"t1": "one", "t2": "two"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=src)["Contents"]] == ["src"]


# ---------------------------------------------------------------- conditions

def _lm_and_etag(s3, bucket, key):
    h = s3.head_object(Bucket=bucket, Key=key)
    return email.utils.parsedate_to_datetime(resp_headers(h)["last-modified"]), h["ETag"]


def test_copy_conditions(s3, src):
    lm, etag = _lm_and_etag(s3, src, "src")
    past = lm - datetime.timedelta(days=1)
    cases = [
        ({"CopySourceIfMatch": etag}, 200),
        ({"CopySourceIfMatch": ZERO_ETAG}, 412),
        ({"CopySourceIfNoneMatch": etag}, 412),
        ({"CopySourceIfNoneMatch": ZERO_ETAG}, 200),
        ({"CopySourceIfModifiedSince": past}, 200),
        ({"CopySourceIfModifiedSince": lm}, 412),
        ({"CopySourceIfUnmodifiedSince": lm}, 200),
        ({"CopySourceIfUnmodifiedSince": past}, 412),
        # if-match true and if-unmodified-since false: the copy proceeds
        ({"CopySourceIfMatch": etag, "CopySourceIfUnmodifiedSince": past}, 200),
        # if-none-match false and if-modified-since true: 412
        ({"CopySourceIfNoneMatch": etag, "CopySourceIfModifiedSince": past}, 412),
        ({"CopySourceIfMatch": ZERO_ETAG, "CopySourceIfUnmodifiedSince": lm}, 412),
    ]
    for n, (cond, expected) in enumerate(cases):
        key = f"dst{n}"
        try:
            status = http_status(s3.copy_object(Bucket=src, Key=key, CopySource={"Bucket": src, "Key": "src"}, **cond))
        except ClientError as e:
            status = http_status(e)
            assert error_code(e) == "PreconditionFailed", (cond, e.response["Error"])
        assert status == expected, (cond, status)
        if expected == 200:
            assert s3.get_object(Bucket=src, Key=key)["Body"].read() == SRC_BODY
        else:
            assert_error(lambda: s3.head_object(Bucket=src, Key=key), 404)


# ---------------------------------------------------------------- keys

ODD_KEYS = [
    "with space.txt",
    "plus+sign",
    "unicodé/ключ/键/😀.txt",
    "question?mark",
    "percent%25and%",
    "amp&eq=semi;colon",
    "hash#tag",
    "a//double/slash",
]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_copy_odd_source_keys(s3, bucket, key):
    body = ("content of " + key).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    s3.copy_object(Bucket=bucket, Key="copy/" + key, CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key="copy/" + key)["Body"].read() == body
    # the string form (botocore URL-encodes it the same way)
    s3.copy_object(Bucket=bucket, Key="string-form", CopySource=f"{bucket}/{key}")
    assert s3.get_object(Bucket=bucket, Key="string-form")["Body"].read() == body


def _parse_copy_result(content: bytes):
    root = ET.fromstring(content)
    assert root.tag.split("}", 1)[-1] == "CopyObjectResult", content[:300]
    return {c.tag.split("}", 1)[-1]: c.text for c in root}


@pytest.mark.parametrize(
    "header",
    [
        "/{bucket}/src key+plus",
        "/{bucket}/src key+plus?versionId=null",
        "{bucket}/src key+plus",
        "{bucket}/src key+plus?versionId=null",
    ],
)
def test_raw_copy_source_forms(s3, bucket, header):
    s3.put_object(Bucket=bucket, Key="src key+plus", Body=b"raw copy source")
    bucket_part, _, rest = header.format(bucket=bucket).rpartition("/src key+plus")
    value = bucket_part + "/" + quote("src key+plus", safe="") + rest
    r = signed_request("PUT", f"/{bucket}/raw-dst", headers={"x-amz-copy-source": value})
    assert r.status_code == 200, (value, r.content[:500])
    result = _parse_copy_result(r.content)
    assert result["ETag"] == quoted_md5(b"raw copy source")
    assert result["LastModified"]
    assert s3.get_object(Bucket=bucket, Key="raw-dst")["Body"].read() == b"raw copy source"


def test_boto3_string_copy_source_with_version_null(s3, bucket):
    s3.put_object(Bucket=bucket, Key="s", Body=b"versioned form")
    s3.copy_object(Bucket=bucket, Key="d", CopySource=f"/{bucket}/s?versionId=null")
    assert s3.get_object(Bucket=bucket, Key="d")["Body"].read() == b"versioned form"


# ---------------------------------------------------------------- multipart source

def test_copy_of_multipart_source(s3, bucket):
    parts = [os.urandom(5 * MIB), b"the last part"]
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", Metadata={"from": "multipart"})["UploadId"]
    done = []
    for n, p in enumerate(parts, 1):
        etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=n, Body=p)["ETag"]
        done.append({"PartNumber": n, "ETag": etag})
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": done})
    assert s3.head_object(Bucket=bucket, Key="mp")["ETag"] == multipart_etag(parts)

    r = s3.copy_object(Bucket=bucket, Key="flat", CopySource={"Bucket": bucket, "Key": "mp"})
    whole = b"".join(parts)
    etag = r["CopyObjectResult"]["ETag"]
    assert "-" not in etag
    assert etag == quoted_md5(whole)
    got = s3.get_object(Bucket=bucket, Key="flat")
    assert got["ETag"] == quoted_md5(whole)
    assert got["Metadata"] == {"from": "multipart"}
    assert got["Body"].read() == whole
    h = s3.head_object(Bucket=bucket, Key="flat", PartNumber=1)
    assert "PartsCount" not in h  # the copy is a simple object
    assert h["ContentLength"] == len(whole)


# ---------------------------------------------------------------- errors

def test_copy_missing_source_key(s3, bucket):
    assert_error(
        lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "absent"}), 404, "NoSuchKey"
    )
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_copy_missing_source_bucket(s3, bucket):
    assert_error(
        lambda: s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": new_bucket_name("gone"), "Key": "k"}),
        404,
        "NoSuchBucket",
    )


def test_copy_missing_destination_bucket(s3, src):
    assert_error(
        lambda: s3.copy_object(Bucket=new_bucket_name("gone"), Key="dst", CopySource={"Bucket": src, "Key": "src"}),
        404,
        "NoSuchBucket",
    )


def test_copy_from_other_users_bucket_denied(s3_user2, src, cleanup):
    theirs = new_bucket_name("u2")
    s3_user2.create_bucket(Bucket=theirs)
    cleanup(s3_user2, theirs)
    assert_error(
        lambda: s3_user2.copy_object(Bucket=theirs, Key="stolen", CopySource={"Bucket": src, "Key": "src"}),
        403,
        "AccessDenied",
    )
    assert s3_user2.list_objects_v2(Bucket=theirs)["KeyCount"] == 0


def test_copy_into_other_users_bucket_denied(s3, s3_user2, src, cleanup):
    theirs = new_bucket_name("u2")
    s3_user2.create_bucket(Bucket=theirs)
    cleanup(s3_user2, theirs)
    assert_error(
        lambda: s3.copy_object(Bucket=theirs, Key="pushed", CopySource={"Bucket": src, "Key": "src"}),
        403,
        "AccessDenied",
    )


def test_copy_source_without_key(s3, bucket):
    r = signed_request("PUT", f"/{bucket}/dst", headers={"x-amz-copy-source": f"/{bucket}"})
    assert r.status_code == 400, r.content[:300]
