from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_plus

import pytest

from s3e2e import md5_hex


def put_keys(seed, bucket, keys, workers=8):
    def one(k):
        seed.put_object(Bucket=bucket, Key=k, Body=k.encode())

    with ThreadPoolExecutor(max_workers=workers) as ex:
        list(ex.map(one, keys))


def byte_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


TREE = ["a/1", "a/2", "a/b/3", "a/b/4", "b/5", "c", "d.txt"]


@pytest.fixture
def tree(seed, bucket):
    put_keys(seed, bucket, TREE)
    return bucket


def test_list_v2_basic(s3, tree):
    r = s3.list_objects_v2(Bucket=tree)
    assert [o["Key"] for o in r["Contents"]] == TREE
    assert r["KeyCount"] == len(TREE)
    assert r["IsTruncated"] is False
    assert r["Name"] == tree
    assert r["MaxKeys"] == 1000
    for o in r["Contents"]:
        assert o["Size"] == len(o["Key"])
        assert o["ETag"] == f'"{md5_hex(o["Key"].encode())}"'
        assert o["LastModified"] is not None
        assert o["StorageClass"] == "STANDARD"
        assert "Owner" not in o  # v2 lists the owner only with fetch-owner=true


def test_list_v2_prefix(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, Prefix="a/b")
    assert [o["Key"] for o in r["Contents"]] == ["a/b/3", "a/b/4"]
    assert r["Prefix"] == "a/b"
    r = s3.list_objects_v2(Bucket=tree, Prefix="zzz")
    assert "Contents" not in r
    assert r["KeyCount"] == 0


def test_list_v2_delimiter(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["c", "d.txt"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/"]
    assert r["KeyCount"] == 4  # KeyCount counts keys and common prefixes
    assert r["Delimiter"] == "/"

    r = s3.list_objects_v2(Bucket=tree, Delimiter="/", Prefix="a/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    assert r["KeyCount"] == 3


def test_list_v2_other_delimiter(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, Delimiter=".")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["d."]
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2", "a/b/3", "a/b/4", "b/5", "c"]
    r = s3.list_objects_v2(Bucket=tree, Delimiter="b", Prefix="a/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b"]
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]


def test_list_v2_max_keys_paging(s3, tree):
    seen = []
    token = None
    pages = 0
    while True:
        kw = {"Bucket": tree, "MaxKeys": 2}
        if token:
            kw["ContinuationToken"] = token
        r = s3.list_objects_v2(**kw)
        pages += 1
        keys = [o["Key"] for o in r.get("Contents", [])]
        assert r["KeyCount"] == len(keys) <= 2
        assert r["MaxKeys"] == 2
        seen += keys
        if token:
            assert r["ContinuationToken"] == token
        if not r["IsTruncated"]:
            assert "NextContinuationToken" not in r
            break
        token = r["NextContinuationToken"]
        assert token
    assert seen == TREE
    assert pages == 4


def test_list_v2_paging_with_delimiter(s3, tree):
    entries = []
    token = None
    while True:
        kw = {"Bucket": tree, "MaxKeys": 1, "Delimiter": "/"}
        if token:
            kw["ContinuationToken"] = token
        r = s3.list_objects_v2(**kw)
        got = [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        assert len(got) == r["KeyCount"] == 1
        entries += got
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    # every common prefix is reported once even though it covers several keys
    assert entries == ["a/", "b/", "c", "d.txt"]


def test_list_v2_start_after(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, StartAfter="a/b/3")
    assert [o["Key"] for o in r["Contents"]] == ["a/b/4", "b/5", "c", "d.txt"]
    assert r["StartAfter"] == "a/b/3"
    r = s3.list_objects_v2(Bucket=tree, StartAfter="a/bz")  # need not be an existing key
    assert [o["Key"] for o in r["Contents"]] == ["b/5", "c", "d.txt"]
    r = s3.list_objects_v2(Bucket=tree, StartAfter="zzz")
    assert r["KeyCount"] == 0


def test_list_v2_max_keys_zero(s3, tree):
    r = s3.list_objects_v2(Bucket=tree, MaxKeys=0)
    assert r["KeyCount"] == 0
    assert "Contents" not in r


def test_list_v2_encoding_type_url(s3, seed, bucket):
    keys = ["dir one/a+b%c é.txt", "dir one/x&y<z>", "plain"]
    put_keys(seed, bucket, keys)
    # Given explicitly, botocore does not decode: we see what the server sent.
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url")
    assert r["EncodingType"] == "url"
    raw = [o["Key"] for o in r["Contents"]]
    assert [unquote_plus(k) for k in raw] == byte_sorted(keys)
    assert "plain" in raw
    for k in raw:
        assert " " not in k and "+b" not in k and "é" not in k and "<" not in k
    r = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter=" ", Prefix="dir")
    assert [unquote_plus(p["Prefix"]) for p in r["CommonPrefixes"]] == ["dir "]
    assert r["CommonPrefixes"][0]["Prefix"] != "dir "


def test_list_v2_fetch_owner(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    owner_id = s3.list_buckets()["Owner"]["ID"]
    r = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)
    assert r["Contents"][0]["Owner"]["ID"] == owner_id
    r = s3.list_objects_v2(Bucket=bucket)
    assert "Owner" not in r["Contents"][0]


def test_list_v1_marker_and_delimiter(s3, tree):
    r = s3.list_objects(Bucket=tree)
    assert [o["Key"] for o in r["Contents"]] == TREE
    assert r["IsTruncated"] is False

    # without a delimiter the client pages with the last key as marker
    r = s3.list_objects(Bucket=tree, MaxKeys=3)
    assert [o["Key"] for o in r["Contents"]] == TREE[:3]
    assert r["IsTruncated"] is True
    r = s3.list_objects(Bucket=tree, MaxKeys=3, Marker=TREE[2])
    assert [o["Key"] for o in r["Contents"]] == TREE[3:6]
    assert r["Marker"] == TREE[2]

    # with a delimiter, NextMarker is returned when truncated
    entries = []
    marker = None
    while True:
        kw = {"Marker": marker} if marker else {}
        r = s3.list_objects(Bucket=tree, Delimiter="/", MaxKeys=2, **kw)
        entries += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        marker = r["NextMarker"]
        assert marker
    assert sorted(entries) == ["a/", "b/", "c", "d.txt"]
    assert len(entries) == 4


def test_list_v1_prefix_delimiter(s3, tree):
    r = s3.list_objects(Bucket=tree, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    assert r["Prefix"] == "a/"
    assert r["Delimiter"] == "/"


def test_byte_order_sorting(s3, seed, bucket):
    keys = ["a", "a/b", "a-b", "aB", "á", "B", "a b", "a~", "Z", "a0", "€", "😀", "\u00ff", "\uff21"]
    put_keys(seed, bucket, keys)
    expected = byte_sorted(keys)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == expected
    assert [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]] == expected
    # paging must follow the same order
    paged = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}):
        paged += [o["Key"] for o in page.get("Contents", [])]
    assert paged == expected


def test_common_prefixes_sorted_and_mixed(s3, seed, bucket):
    keys = ["x/1", "x-1", "x/2", "y/1", "x0", "x.y/1"]
    put_keys(seed, bucket, keys)
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["x.y/", "x/", "y/"]
    assert [o["Key"] for o in r["Contents"]] == ["x-1", "x0"]


def test_paginate_2500_keys(s3, seed, bucket):
    keys = [f"obj/{i:05d}" for i in range(2500)]
    put_keys(seed, bucket, keys)

    seen = []
    pages = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        pages += 1
        page_keys = [o["Key"] for o in page.get("Contents", [])]
        assert page["KeyCount"] == len(page_keys) <= 1000
        seen += page_keys
    assert pages == 3
    assert seen == keys

    seen = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix="obj/01", PaginationConfig={"PageSize": 333}
    ):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == keys[1000:2000]

    seen = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 700}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == keys
