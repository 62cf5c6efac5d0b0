import pytest
from botocore.exceptions import ClientError

from s3e2e import REGION, error_code, http_status, new_bucket_name, resp_headers


@pytest.mark.parametrize(
    "name",
    [
        "UPPER",  # upper case
        "ab",  # too short
        "a" * 64,  # too long
        "a..b",  # adjacent periods
        "192.168.1.1",  # formatted as an IP address
        "-ab",  # must begin with a letter or digit
        "ab-",  # must end with a letter or digit
        "a_b",  # underscore
    ],
)
def test_create_bucket_invalid_name(s3, cleanup, name):
    cleanup(s3, name)  # in case the server wrongly accepts it
    with pytest.raises(ClientError) as ei:
        s3.create_bucket(Bucket=name)
    assert error_code(ei.value) == "InvalidBucketName"
    assert http_status(ei.value) == 400


def test_create_bucket_valid_edge_names(s3, cleanup):
    for name in (new_bucket_name("abc") + "." + "x", "a1" + "b" * 61):
        cleanup(s3, name)
        r = s3.create_bucket(Bucket=name)
        assert http_status(r) == 200
        assert http_status(s3.head_bucket(Bucket=name)) == 200


def test_create_bucket_twice_same_owner(s3, bucket):
    # us-east-1 answers 200 (S3's legacy behaviour, see test_versions_and_paging.py); a
    # request for any other region answers 409 BucketAlreadyOwnedByYou.
    other = "eu-west-1" if REGION != "eu-west-1" else "us-west-2"
    with pytest.raises(ClientError) as ei:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": other})
    assert error_code(ei.value) == "BucketAlreadyOwnedByYou"
    assert http_status(ei.value) == 409


def test_create_bucket_taken_by_other_user(s3, s3_user2, bucket, cleanup):
    cleanup(s3_user2, bucket)
    with pytest.raises(ClientError) as ei:
        s3_user2.create_bucket(Bucket=bucket)
    assert error_code(ei.value) == "BucketAlreadyExists"
    assert http_status(ei.value) == 409


def test_create_bucket_with_location_constraint_body(s3, cleanup):
    # SDK users configured for another region send a CreateBucketConfiguration
    # body. (AWS rejects an explicit "us-east-1" with InvalidLocationConstraint,
    # so a region other than us-east-1 is used; the us-east-1 endpoint accepts it.)
    name = new_bucket_name()
    cleanup(s3, name)
    constraint = REGION if REGION != "us-east-1" else "eu-west-1"
    r = s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": constraint})
    assert http_status(r) == 200
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_create_bucket_response_has_location(s3, cleanup):
    name = new_bucket_name()
    cleanup(s3, name)
    r = s3.create_bucket(Bucket=name)
    assert r.get("Location") == "/" + name


def test_head_bucket(s3, bucket):
    r = s3.head_bucket(Bucket=bucket)
    assert http_status(r) == 200
    assert "x-amz-request-id" in resp_headers(r)


def test_head_bucket_missing(s3):
    with pytest.raises(ClientError) as ei:
        s3.head_bucket(Bucket=new_bucket_name("missing"))
    assert http_status(ei.value) == 404
    assert error_code(ei.value) in ("404", "NoSuchBucket")


def test_list_buckets_only_callers(s3, s3_user2, bucket, cleanup):
    other = new_bucket_name("u2")
    cleanup(s3_user2, other)
    s3_user2.create_bucket(Bucket=other)

    mine = s3.list_buckets()
    names = [b["Name"] for b in mine["Buckets"]]
    assert bucket in names
    assert other not in names
    assert mine["Owner"]["ID"]
    for b in mine["Buckets"]:
        assert b["CreationDate"] is not None

    theirs = s3_user2.list_buckets()
    names2 = [b["Name"] for b in theirs["Buckets"]]
    assert other in names2
    assert bucket not in names2
    assert theirs["Owner"]["ID"] != mine["Owner"]["ID"]


def test_get_bucket_location(s3, bucket):
    r = s3.get_bucket_location(Bucket=bucket)
    # S3 reports us-east-1 as an empty LocationConstraint (botocore: None).
    expected = None if REGION == "us-east-1" else REGION
    assert r["LocationConstraint"] == expected


def test_get_bucket_location_missing(s3):
    with pytest.raises(ClientError) as ei:
        s3.get_bucket_location(Bucket=new_bucket_name("missing"))
    assert error_code(ei.value) == "NoSuchBucket"
    assert http_status(ei.value) == 404


def test_delete_bucket_not_empty(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as ei:
        s3.delete_bucket(Bucket=bucket)
    assert error_code(ei.value) == "BucketNotEmpty"
    assert http_status(ei.value) == 409
    assert http_status(s3.head_bucket(Bucket=bucket)) == 200


def test_delete_bucket(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    r = s3.delete_bucket(Bucket=name)
    assert http_status(r) == 204
    with pytest.raises(ClientError) as ei:
        s3.head_bucket(Bucket=name)
    assert http_status(ei.value) == 404
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_delete_bucket_missing(s3):
    with pytest.raises(ClientError) as ei:
        s3.delete_bucket(Bucket=new_bucket_name("missing"))
    assert error_code(ei.value) == "NoSuchBucket"
    assert http_status(ei.value) == 404


def test_delete_bucket_of_other_user_denied(s3, s3_user2, bucket):
    with pytest.raises(ClientError) as ei:
        s3_user2.delete_bucket(Bucket=bucket)
    assert error_code(ei.value) == "AccessDenied"
    assert http_status(ei.value) == 403
    assert http_status(s3.head_bucket(Bucket=bucket)) == 200


def test_bucket_name_reusable_after_delete(s3, s3_user2, cleanup):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.delete_bucket(Bucket=name)
    cleanup(s3_user2, name)
    assert http_status(s3_user2.create_bucket(Bucket=name)) == 200
    assert name in [b["Name"] for b in s3_user2.list_buckets()["Buckets"]]


def test_object_ops_on_missing_bucket(s3):
    missing = new_bucket_name("missing")
    for call in (
        lambda: s3.put_object(Bucket=missing, Key="k", Body=b"x"),
        lambda: s3.get_object(Bucket=missing, Key="k"),
        lambda: s3.list_objects_v2(Bucket=missing),
        lambda: s3.list_objects(Bucket=missing),
        lambda: s3.delete_object(Bucket=missing, Key="k"),
    ):
        with pytest.raises(ClientError) as ei:
            call()
        assert error_code(ei.value) == "NoSuchBucket"
        assert http_status(ei.value) == 404
