"""Object tagging (PutObjectTagging, GetObjectTagging, DeleteObjectTagging,
`x-amz-tagging` on writes, `x-amz-tagging-count` on reads) and bucket
tagging (PutBucketTagging, GetBucketTagging, DeleteBucketTagging)."""

import pytest
from botocore.exceptions import ClientError

from s3e2e import error_code, http_status, md5_b64, resp_headers, signed_request

# multibyte characters: the limits count characters (128 / 256), not bytes
KEY_128 = "ключ" * 32          # 128 characters, 256 UTF-8 bytes
VALUE_256 = "значение" * 32    # 256 characters, 512 UTF-8 bytes


def assert_error(call, status, code=None):
    with pytest.raises(ClientError) as ei:
        call()
    e = ei.value
    assert http_status(e) == status, (e.response["Error"], http_status(e))
    if code is not None:
        assert error_code(e) == code, e.response["Error"]
    return e


def tagset(d):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in d.items()]}


def object_tags(s3, bucket, key):
    r = s3.get_object_tagging(Bucket=bucket, Key=key)
    assert http_status(r) == 200
    return {t["Key"]: t["Value"] for t in r["TagSet"]}


def bucket_tags(s3, bucket):
    return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}


def tag_count(resp):
    """TagCount as boto3 parsed it, checked against the raw header."""
    h = resp_headers(resp)
    if "TagCount" not in resp:
        assert "x-amz-tagging-count" not in h
        return None
    assert h["x-amz-tagging-count"] == str(resp["TagCount"])
    return resp["TagCount"]


# ---------------------------------------------------------------- object tagging

def test_put_get_delete_object_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"tagged")
    assert object_tags(s3, bucket, "k") == {}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) is None
    assert tag_count(s3.get_object(Bucket=bucket, Key="k")) is None

    r = s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"env": "test", "team": "storage"}))
    assert http_status(r) == 200
    assert object_tags(s3, bucket, "k") == {"env": "test", "team": "storage"}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) == 2
    got = s3.get_object(Bucket=bucket, Key="k")
    assert tag_count(got) == 2
    assert got["Body"].read() == b"tagged"

    # a put replaces the whole set
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"only": "one"}))
    assert object_tags(s3, bucket, "k") == {"only": "one"}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) == 1

    r = s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert http_status(r) == 204
    assert object_tags(s3, bucket, "k") == {}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) is None
    # the object itself is untouched by tagging calls
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"tagged"


def test_tagging_does_not_change_etag_or_body(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"body", Metadata={"m": "1"})["ETag"]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"a": "b"}))
    h = s3.head_object(Bucket=bucket, Key="k")
    assert h["ETag"] == etag
    assert h["Metadata"] == {"m": "1"}
    assert h["ContentLength"] == 4


def test_tagging_header_on_put_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=2")
    assert object_tags(s3, bucket, "k") == {"a": "1", "b": "2"}
    assert tag_count(s3.get_object(Bucket=bucket, Key="k")) == 2
    # URL-encoded keys and values, an empty value
    s3.put_object(Bucket=bucket, Key="enc", Body=b"x", Tagging="k%20ey=v%3Dal%2Bue&empty=&path=a%2Fb%40c")
    assert object_tags(s3, bucket, "enc") == {"k ey": "v=al+ue", "empty": "", "path": "a/b@c"}


def test_overwrite_drops_tags(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v1", Tagging="a=1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
    assert object_tags(s3, bucket, "k") == {}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) is None
    # and deleting an object deletes its tags
    s3.put_object(Bucket=bucket, Key="d", Body=b"x", Tagging="z=9")
    s3.delete_object(Bucket=bucket, Key="d")
    s3.put_object(Bucket=bucket, Key="d", Body=b"y")
    assert object_tags(s3, bucket, "d") == {}


def test_tagging_on_create_multipart_upload(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="a=1&b=2")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"part")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert object_tags(s3, bucket, "mp") == {"a": "1", "b": "2"}
    assert tag_count(s3.head_object(Bucket=bucket, Key="mp")) == 2


def test_tagging_on_copy_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="s=1")
    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
        TaggingDirective="REPLACE", Tagging="a=1&b=2",
    )
    assert object_tags(s3, bucket, "dst") == {"a": "1", "b": "2"}
    assert tag_count(s3.head_object(Bucket=bucket, Key="dst")) == 2
    assert object_tags(s3, bucket, "src") == {"s": "1"}


def test_object_tagging_limits_accepted(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    ten = {f"key{i}": f"value {i}" for i in range(9)}
    ten[KEY_128] = VALUE_256
    assert len(ten) == 10
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(ten))
    assert object_tags(s3, bucket, "k") == ten
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) == 10


# AWS answers the count limits with 400 BadRequest ("Object tags cannot be
# greater than 10", "Bucket tag count cannot be greater than 50") and every
# other invalid tag with 400 InvalidTag.
@pytest.mark.parametrize(
    "tags,code",
    [
        pytest.param([(f"k{i}", "v") for i in range(11)], "BadRequest", id="11-tags"),
        pytest.param([(KEY_128 + "x", "v")], "InvalidTag", id="key-129-chars"),
        pytest.param([("k", VALUE_256 + "x")], "InvalidTag", id="value-257-chars"),
        pytest.param([("dup", "1"), ("dup", "2")], "InvalidTag", id="duplicate-key"),
        pytest.param([("aws:reserved", "v")], "InvalidTag", id="aws-prefix"),
    ],
)
def test_invalid_object_tags_keep_previous(s3, bucket, tags, code):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=me")
    assert_error(
        lambda: s3.put_object_tagging(
            Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags]}
        ),
        400,
        code,
    )
    assert object_tags(s3, bucket, "k") == {"keep": "me"}


def test_invalid_tagging_header_on_put_object(s3, bucket):
    header = "&".join(f"k{i}=v" for i in range(11))
    assert_error(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging=header), 400, "BadRequest")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)
    assert_error(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="aws:k=v"), 400, "InvalidTag")
    assert_error(lambda: s3.head_object(Bucket=bucket, Key="k"), 404)


def _raw_tagging_put(path, query, body: bytes):
    return signed_request(
        "PUT", path, query=query, body=body, headers={"content-md5": md5_b64(body), "content-type": "application/xml"}
    )


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>",
        b"this is not xml",
    ],
)
def test_malformed_object_tagging_xml(s3, bucket, body):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=me")
    r = _raw_tagging_put(f"/{bucket}/k", [("tagging", "")], body)
    assert r.status_code == 400, r.content[:300]
    assert b"<Code>MalformedXML</Code>" in r.content, r.content[:300]
    assert object_tags(s3, bucket, "k") == {"keep": "me"}


def test_raw_object_tagging_round_trip(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    body = (
        '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
        "<Tag><Key>a b</Key><Value>1+2=3</Value></Tag><Tag><Key>ü</Key><Value></Value></Tag>"
        "</TagSet></Tagging>"
    ).encode()
    r = _raw_tagging_put(f"/{bucket}/k", [("tagging", "")], body)
    assert r.status_code == 200, r.content[:300]
    assert object_tags(s3, bucket, "k") == {"a b": "1+2=3", "ü": ""}


def test_object_tagging_missing_key(s3, bucket):
    assert_error(lambda: s3.get_object_tagging(Bucket=bucket, Key="absent"), 404, "NoSuchKey")
    assert_error(
        lambda: s3.put_object_tagging(Bucket=bucket, Key="absent", Tagging=tagset({"a": "b"})), 404, "NoSuchKey"
    )
    assert_error(lambda: s3.delete_object_tagging(Bucket=bucket, Key="absent"), 404, "NoSuchKey")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_object_tagging_other_user_denied(s3, s3_user2, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1")
    for call in (
        lambda: s3_user2.get_object_tagging(Bucket=bucket, Key="k"),
        lambda: s3_user2.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset({"b": "2"})),
        lambda: s3_user2.delete_object_tagging(Bucket=bucket, Key="k"),
    ):
        assert_error(call, 403, "AccessDenied")
    assert object_tags(s3, bucket, "k") == {"a": "1"}


# ---------------------------------------------------------------- bucket tagging

def test_bucket_tagging_round_trip(s3, bucket):
    assert_error(lambda: s3.get_bucket_tagging(Bucket=bucket), 404, "NoSuchTagSet")
    r = s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"cost-center": "42", "env": "ci"}))
    assert http_status(r) in (200, 204)
    assert bucket_tags(s3, bucket) == {"cost-center": "42", "env": "ci"}
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"replaced": "yes"}))
    assert bucket_tags(s3, bucket) == {"replaced": "yes"}
    r = s3.delete_bucket_tagging(Bucket=bucket)
    assert http_status(r) == 204
    assert_error(lambda: s3.get_bucket_tagging(Bucket=bucket), 404, "NoSuchTagSet")
    # bucket tags are not object tags
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"b": "1"}))
    assert object_tags(s3, bucket, "k") == {}
    assert tag_count(s3.head_object(Bucket=bucket, Key="k")) is None


def test_bucket_tagging_limits(s3, bucket):
    fifty = {f"key{i:02}": f"value {i}" for i in range(49)}
    fifty[KEY_128] = VALUE_256
    assert len(fifty) == 50
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset(fifty))
    assert bucket_tags(s3, bucket) == fifty


@pytest.mark.parametrize(
    "tags,code",
    [
        pytest.param([(f"k{i}", "v") for i in range(51)], "BadRequest", id="51-tags"),
        pytest.param([(KEY_128 + "x", "v")], "InvalidTag", id="key-129-chars"),
        pytest.param([("k", VALUE_256 + "x")], "InvalidTag", id="value-257-chars"),
        pytest.param([("dup", "1"), ("dup", "2")], "InvalidTag", id="duplicate-key"),
        pytest.param([("aws:reserved", "v")], "InvalidTag", id="aws-prefix"),
    ],
)
def test_invalid_bucket_tags_keep_previous(s3, bucket, tags, code):
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"keep": "me"}))
    assert_error(
        lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags]}),
        400,
        code,
    )
    assert bucket_tags(s3, bucket) == {"keep": "me"}


def test_malformed_bucket_tagging_xml(s3, bucket):
    r = _raw_tagging_put(f"/{bucket}", [("tagging", "")], b"<Tagging><TagSet><Tag>")
    assert r.status_code == 400, r.content[:300]
    assert b"<Code>MalformedXML</Code>" in r.content, r.content[:300]
    assert_error(lambda: s3.get_bucket_tagging(Bucket=bucket), 404, "NoSuchTagSet")


def test_bucket_tagging_other_user_denied(s3, s3_user2, bucket):
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"a": "1"}))
    for call in (
        lambda: s3_user2.get_bucket_tagging(Bucket=bucket),
        lambda: s3_user2.put_bucket_tagging(Bucket=bucket, Tagging=tagset({"b": "2"})),
        lambda: s3_user2.delete_bucket_tagging(Bucket=bucket),
    ):
        assert_error(call, 403, "AccessDenied")
    assert bucket_tags(s3, bucket) == {"a": "1"}


def test_bucket_tagging_missing_bucket(s3):
    assert_error(lambda: s3.get_bucket_tagging(Bucket="no-such-bucket-s3edge-tagging"), 404, "NoSuchBucket")
