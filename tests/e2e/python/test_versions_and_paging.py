"""Versions of never-versioned buckets (GetBucketVersioning, ListObjectVersions and boto3's
object_versions), ListBuckets paging (max-buckets, continuation-token, prefix, bucket-region),
CreateBucket of an owned bucket in us-east-1, and encoding-type=url as S3 encodes (RFC 3986
percent-encoding: a space is %20), through boto3 and raw requests."""

import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import boto3
import pytest
from botocore.exceptions import ClientError

from s3e2e import (
    ENDPOINT,
    PATH_STYLE,
    REGION,
    assert_s3_error,
    empty_and_delete_bucket,
    error_code,
    http_status,
    md5_hex,
    new_bucket_name,
    signed_request,
)

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def put_keys(seed, bucket, keys, workers=8):
    def one(k):
        seed.put_object(Bucket=bucket, Key=k, Body=k.encode())

    with ThreadPoolExecutor(max_workers=workers) as ex:
        list(ex.map(one, keys))


def byte_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def raw_xml(method, path, query):
    r = signed_request(method, path, query=query)
    assert r.status_code == 200, (r.status_code, r.content[:500])
    return r.content.decode()


# ---------------------------------------------------------------- GetBucketVersioning


def test_get_bucket_versioning_of_a_new_bucket(s3, s3_user2, bucket):
    r = s3.get_bucket_versioning(Bucket=bucket)
    assert http_status(r) == 200
    assert "Status" not in r and "MFADelete" not in r
    raw = signed_request("GET", f"/{bucket}", query=[("versioning", "")])
    assert raw.status_code == 200
    assert raw.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>'
    )
    with pytest.raises(ClientError) as ei:
        s3.get_bucket_versioning(Bucket=new_bucket_name("missing"))
    assert (error_code(ei.value), http_status(ei.value)) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as ei:
        s3_user2.get_bucket_versioning(Bucket=bucket)
    assert (error_code(ei.value), http_status(ei.value)) == ("AccessDenied", 403)


# ---------------------------------------------------------------- ListObjectVersions

VERSION_KEYS = [f"dir{d}/sub{s}/k{i}" for d in range(2) for s in range(2) for i in range(3)] + [
    f"root-{i:02}" for i in range(5)
]


def test_list_object_versions_lists_null_versions_with_paging(s3, seed, bucket):
    put_keys(seed, bucket, VERSION_KEYS)
    expected = byte_sorted(VERSION_KEYS)
    owner_id = s3.list_buckets()["Owner"]["ID"]

    r = s3.list_object_versions(Bucket=bucket)
    assert r["IsTruncated"] is False
    assert "DeleteMarkers" not in r
    assert [v["Key"] for v in r["Versions"]] == expected
    for v in r["Versions"]:
        assert v["VersionId"] == "null"
        assert v["IsLatest"] is True
        assert v["Size"] == len(v["Key"])
        assert v["ETag"] == f'"{md5_hex(v["Key"].encode())}"'
        assert v["StorageClass"] == "STANDARD"
        assert v["Owner"]["ID"] == owner_id

    pages = list(
        s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4})
    )
    assert len(pages) == -(-len(expected) // 4)
    assert [v["Key"] for p in pages for v in p["Versions"]] == expected
    for p in pages[:-1]:
        assert p["IsTruncated"] is True
        assert p["NextKeyMarker"] == p["Versions"][-1]["Key"]
        assert p["NextVersionIdMarker"] == "null"
    assert "NextKeyMarker" not in pages[-1]

    # Delimiter: common prefixes count as one entry; pages walk prefixes and keys alike.
    r = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir0/", "dir1/"]
    assert [v["Key"] for v in r["Versions"]] == [k for k in expected if "/" not in k]
    seen = []
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix="dir1/", Delimiter="/", PaginationConfig={"PageSize": 1}
    ):
        assert len(page.get("Versions", [])) + len(page.get("CommonPrefixes", [])) <= 1
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        seen += [v["Key"] for v in page.get("Versions", [])]
    assert seen == ["dir1/sub0/", "dir1/sub1/"]

    # key-marker alone, or with version-id-marker=null: after that key.
    marker = expected[3]
    for kwargs in ({"KeyMarker": marker}, {"KeyMarker": marker, "VersionIdMarker": "null"}):
        r = s3.list_object_versions(Bucket=bucket, **kwargs)
        assert [v["Key"] for v in r["Versions"]] == expected[4:]
        assert r["KeyMarker"] == marker
    with pytest.raises(ClientError) as ei:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert (error_code(ei.value), http_status(ei.value)) == ("InvalidArgument", 400)


def test_object_versions_delete_empties_the_bucket(s3, seed, bucket):
    keys = [f"batch/{i:03} x" for i in range(30)] + ["top"]
    put_keys(seed, bucket, keys)
    resource = boto3.resource("s3", endpoint_url=ENDPOINT, config=PATH_STYLE)
    res_bucket = resource.Bucket(bucket)
    assert sorted(v.object_key for v in res_bucket.object_versions.all()) == sorted(keys)
    assert {v.id for v in res_bucket.object_versions.all()} == {"null"}
    res_bucket.object_versions.delete()
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)


# ---------------------------------------------------------------- ListBuckets paging


@pytest.fixture
def many_buckets(s3):
    prefix = f"pg{uuid.uuid4().hex[:6]}-"
    names = [f"{prefix}{i:02}" for i in range(25)]
    with ThreadPoolExecutor(max_workers=5) as ex:
        list(ex.map(lambda n: s3.create_bucket(Bucket=n), names))
    yield prefix, names
    with ThreadPoolExecutor(max_workers=5) as ex:
        list(ex.map(lambda n: empty_and_delete_bucket(s3, n), names))


def test_list_buckets_paginator_with_max_buckets_and_prefix(s3, many_buckets):
    prefix, names = many_buckets
    pages = list(
        s3.get_paginator("list_buckets").paginate(Prefix=prefix, PaginationConfig={"PageSize": 10})
    )
    assert [len(p["Buckets"]) for p in pages] == [10, 10, 5]
    assert [b["Name"] for p in pages for b in p["Buckets"]] == names
    for p in pages:
        assert p["Prefix"] == prefix
        assert {b["BucketRegion"] for b in p["Buckets"]} == {REGION}
    assert all("ContinuationToken" in p for p in pages[:2])
    assert "ContinuationToken" not in pages[-1]

    # MaxBuckets over every bucket of the caller (the paginator follows the token).
    everything = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "ContinuationToken" not in s3.list_buckets()
    paged = [
        b["Name"]
        for p in s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 10})
        for b in p["Buckets"]
    ]
    assert paged == everything
    assert set(names) <= set(paged)

    # A token from a page, by hand; bucket-region filters.
    first = s3.list_buckets(MaxBuckets=7, Prefix=prefix)
    second = s3.list_buckets(MaxBuckets=7, Prefix=prefix, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in first["Buckets"] + second["Buckets"]] == names[:14]
    r = s3.list_buckets(Prefix=prefix, BucketRegion=REGION)
    assert [b["Name"] for b in r["Buckets"]] == names
    other = "eu-west-1" if REGION != "eu-west-1" else "us-west-2"
    assert s3.list_buckets(Prefix=prefix, BucketRegion=other)["Buckets"] == []


def test_list_buckets_bad_paging_parameters():
    for bad in ("0", "10001", "x"):
        r = signed_request("GET", "/", query=[("max-buckets", bad)])
        err = assert_s3_error(r, 400, "InvalidArgument")
        assert err.get("ArgumentName") == "max-buckets", err
    r = signed_request("GET", "/", query=[("continuation-token", "not-a-token")])
    assert_s3_error(r, 400, "InvalidArgument")


# ---------------------------------------------------------------- CreateBucket again


def test_create_bucket_twice_in_us_east_1_keeps_the_bucket(s3, seed, bucket):
    if REGION != "us-east-1":
        pytest.skip("S3's legacy answer is us-east-1's")
    seed.put_object(Bucket=bucket, Key="kept.txt", Body=b"still here")
    r = s3.create_bucket(Bucket=bucket)
    assert http_status(r) == 200
    assert s3.get_object(Bucket=bucket, Key="kept.txt")["Body"].read() == b"still here"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["kept.txt"]
    assert http_status(s3.head_bucket(Bucket=bucket)) == 200
    # Asked for another region, the same bucket is 409 BucketAlreadyOwnedByYou.
    with pytest.raises(ClientError) as ei:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert (error_code(ei.value), http_status(ei.value)) == ("BucketAlreadyOwnedByYou", 409)


# ---------------------------------------------------------------- encoding-type=url

ODD_KEYS = [
    "a b",
    "a+b",
    "100%",
    "100%25",
    "é ü/x",
    "한글/파일 1",
    "k&v=1",
    "<tag>",
    "sp ace/+plus/ %2B",
    "tilde~star*",
]


def test_odd_keys_round_trip_through_boto3_listings(s3, seed, bucket):
    put_keys(seed, bucket, ODD_KEYS)
    expected = byte_sorted(ODD_KEYS)
    # boto3 asks for encoding-type=url and decodes every encoded element.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == expected
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == expected
    assert [v["Key"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == expected

    # Paging and delimiters on odd keys, through the decoded markers and prefixes.
    for op in ("list_objects", "list_objects_v2", "list_object_versions"):
        result_key = "Versions" if op == "list_object_versions" else "Contents"
        listed = []
        for page in s3.get_paginator(op).paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}):
            listed += [o["Key"] for o in page.get(result_key, [])]
        assert listed == expected, op
        r = getattr(s3, op)(Bucket=bucket, Delimiter=" ", Prefix="sp")
        assert r["Prefix"] == "sp" and r["Delimiter"] == " "
        assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["sp "], op
        r = getattr(s3, op)(Bucket=bucket, Delimiter="/", Prefix="한글/")
        assert [o["Key"] for o in r[result_key]] == ["한글/파일 1"], op
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="a b")
    assert r["StartAfter"] == "a b"
    assert [o["Key"] for o in r["Contents"]] == [k for k in expected if k > "a b"]
    r = s3.list_objects(Bucket=bucket, Marker="a b", Delimiter="/", MaxKeys=1)
    assert r["Marker"] == "a b" and r["NextMarker"] == "a+b"
    r = s3.list_object_versions(Bucket=bucket, KeyMarker="a b", MaxKeys=1)
    assert r["KeyMarker"] == "a b" and r["NextKeyMarker"] == "a+b"


def test_raw_url_encoded_listings_use_percent_20(seed, bucket):
    put_keys(seed, bucket, ODD_KEYS)
    v2 = raw_xml("GET", f"/{bucket}", [("list-type", "2"), ("encoding-type", "url")])
    keys = [e.text for e in ET.fromstring(v2).iter(NS + "Key")]
    assert "a%20b" in keys and "a%2Bb" in keys and "100%2525" in keys, keys
    assert "%3Ctag%3E" in keys and "k%26v%3D1" in keys and "tilde~star%2A" in keys, keys
    assert "%ED%95%9C%EA%B8%80/%ED%8C%8C%EC%9D%BC%201" in keys, keys
    assert "<Key>a%20b</Key>" in v2
    assert sorted(unquote(k) for k in keys) == sorted(ODD_KEYS)
    for k in keys:
        assert " " not in k and "+" not in k, k

    v1 = raw_xml(
        "GET",
        f"/{bucket}",
        [("encoding-type", "url"), ("marker", "a b"), ("delimiter", " "), ("prefix", "sp ace")],
    )
    assert "<Marker>a%20b</Marker>" in v1
    assert "<Prefix>sp%20ace</Prefix>" in v1
    assert "<Delimiter>%20</Delimiter>" in v1
    assert "<CommonPrefixes><Prefix>sp%20ace/%2Bplus/%20</Prefix></CommonPrefixes>" in v1

    versions = raw_xml(
        "GET",
        f"/{bucket}",
        [("versions", ""), ("encoding-type", "url"), ("key-marker", "a b"), ("max-keys", "1")],
    )
    assert "<KeyMarker>a%20b</KeyMarker>" in versions
    assert "<NextKeyMarker>a%2Bb</NextKeyMarker>" in versions
    assert "<Key>a%2Bb</Key>" in versions
    assert "<VersionId>null</VersionId>" in versions
    assert "<EncodingType>url</EncodingType>" in versions

    # Without encoding-type the keys are only XML-escaped.
    plain = raw_xml("GET", f"/{bucket}", [("list-type", "2"), ("prefix", "<")])
    assert "<Key>&lt;tag&gt;</Key>" in plain
