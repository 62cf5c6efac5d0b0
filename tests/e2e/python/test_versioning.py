"""Versioning end to end with boto3 and aws-cli: the bucket's state (never set, Enabled,
Suspended, MFA delete refused), versions of one key and their ids, ListObjectVersions order
and paging, delete markers, the null version of a suspended bucket, copies, tags and ACLs of a
given version, version id errors, DeleteObjects by version, and emptying a bucket of 1,000
versions with boto3's resource API."""

import datetime
import json
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from s3e2e import ENDPOINT, PATH_STYLE, empty_and_delete_bucket, error_code, http_status, md5_b64, new_bucket_name, resp_headers, signed_request

UTC = datetime.timezone.utc


def client_error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value


def enable(s3, name):
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def entries(listing):
    """(Key, VersionId, IsLatest, is_delete_marker) of a ListObjectVersions page, in the order
    S3 lists them (versions and markers of a key together, newest first)."""
    rows = [(v["Key"], v["VersionId"], v["IsLatest"], False) for v in listing.get("Versions", [])]
    rows += [(m["Key"], m["VersionId"], m["IsLatest"], True) for m in listing.get("DeleteMarkers", [])]
    return rows


def all_versions(s3, name, **kwargs):
    out = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name, **kwargs):
        out += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        out += [(m["Key"], m["VersionId"]) for m in page.get("DeleteMarkers", [])]
    return out


@pytest.fixture
def versioned(s3, bucket):
    enable(s3, bucket)
    return bucket


# ---------------------------------------------------------------- bucket state


def test_versioning_is_unset_then_enabled_then_suspended_and_mfa_delete_is_refused(s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    enable(s3, bucket)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # MFA delete cannot be checked here: refused as S3 refuses it without x-amz-mfa.
    err = client_error(
        s3.put_bucket_versioning,
        Bucket=bucket,
        VersioningConfiguration={"Status": "Suspended", "MFADelete": "Enabled"},
    )
    assert (http_status(err), error_code(err)) == (400, "InvalidRequest")
    assert "x-amz-request-id" in resp_headers(err)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # MfaDelete Disabled is what every bucket has: accepted.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended", "MFADelete": "Disabled"})
    got = s3.get_bucket_versioning(Bucket=bucket)
    assert got["Status"] == "Suspended" and got.get("MFADelete", "Disabled") == "Disabled"
    # A status S3 does not know is MalformedXML, and changes nothing.
    body = b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>On</Status></VersioningConfiguration>'
    r = signed_request("PUT", f"/{bucket}", [("versioning", "")], {"content-md5": md5_b64(body)}, body)
    assert r.status_code == 400 and b"<Code>MalformedXML</Code>" in r.content, r.text
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


# ---------------------------------------------------------------- versions of a key


def test_three_puts_make_three_versions_listed_newest_first(s3, versioned):
    bodies = [b"first", b"second!", b"third..."]
    ids = [s3.put_object(Bucket=versioned, Key="doc", Body=b)["VersionId"] for b in bodies]
    assert len(set(ids)) == 3 and "null" not in ids
    for vid, body in zip(ids, bodies):
        got = s3.get_object(Bucket=versioned, Key="doc", VersionId=vid)
        assert got["Body"].read() == body
        assert got["VersionId"] == vid
        assert s3.head_object(Bucket=versioned, Key="doc", VersionId=vid)["ContentLength"] == len(body)
    head = s3.head_object(Bucket=versioned, Key="doc")
    assert head["VersionId"] == ids[-1]
    assert s3.get_object(Bucket=versioned, Key="doc")["Body"].read() == bodies[-1]
    listing = s3.list_object_versions(Bucket=versioned)
    assert "DeleteMarkers" not in listing or listing["DeleteMarkers"] == []
    versions = listing["Versions"]
    assert [v["VersionId"] for v in versions] == ids[::-1]
    assert [v["IsLatest"] for v in versions] == [True, False, False]
    assert [v["Size"] for v in versions] == [len(b) for b in bodies[::-1]]
    # Only the newest is current for the plain listing.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=versioned)["Contents"]] == ["doc"]


def test_paging_through_versions_three_at_a_time(s3, seed, versioned):
    keys = [f"key-{i}" for i in range(5)]
    written = {k: [] for k in keys}
    for round_ in range(4):
        for k in keys:
            written[k].append(seed.put_object(Bucket=versioned, Key=k, Body=f"{k}/{round_}".encode())["VersionId"])
    expected = [(k, vid) for k in sorted(keys) for vid in reversed(written[k])]
    full = s3.list_object_versions(Bucket=versioned)
    assert [(k, v) for k, v, _, _ in entries(full)] == expected
    assert full["IsTruncated"] is False
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=versioned, MaxKeys=3))
    assert len(pages) == 7
    paged = []
    for page in pages[:-1]:
        assert page["IsTruncated"] is True
        assert len(page["Versions"]) == 3
        last = page["Versions"][-1]
        assert (page["NextKeyMarker"], page["NextVersionIdMarker"]) == (last["Key"], last["VersionId"])
    assert pages[-1]["IsTruncated"] is False
    for page in pages:
        paged += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    assert paged == expected
    # The markers, given by hand, start right after that version.
    k, v = expected[5]
    page = s3.list_object_versions(Bucket=versioned, KeyMarker=k, VersionIdMarker=v, MaxKeys=4)
    assert [(e["Key"], e["VersionId"]) for e in page["Versions"]] == expected[6:10]
    assert (page["KeyMarker"], page["VersionIdMarker"]) == (k, v)
    # A key marker alone skips every version of that key.
    page = s3.list_object_versions(Bucket=versioned, KeyMarker="key-2")
    assert [(e["Key"], e["VersionId"]) for e in page["Versions"]] == expected[12:]


def test_paging_on_after_the_versions_before_the_marker_were_deleted(s3, versioned):
    """What boto3's object_versions.delete() does: a page is deleted before the next is read,
    so the version that becomes current is older than the version-id marker."""
    ids = [s3.put_object(Bucket=versioned, Key="k", Body=f"{i}".encode())["VersionId"] for i in range(5)]
    s3.put_object(Bucket=versioned, Key="l", Body=b"l")
    first = s3.list_object_versions(Bucket=versioned, MaxKeys=2)
    assert [v["VersionId"] for v in first["Versions"]] == [ids[4], ids[3]]
    for v in first["Versions"]:
        s3.delete_object(Bucket=versioned, Key="k", VersionId=v["VersionId"])
    assert s3.head_object(Bucket=versioned, Key="k")["VersionId"] == ids[2]
    rest = s3.list_object_versions(Bucket=versioned, KeyMarker=first["NextKeyMarker"], VersionIdMarker=first["NextVersionIdMarker"])
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in rest["Versions"]] == [
        ("k", ids[2], True),
        ("k", ids[1], False),
        ("k", ids[0], False),
        ("l", rest["Versions"][-1]["VersionId"], True),
    ]


# ---------------------------------------------------------------- delete markers


def test_delete_markers_hide_the_key_until_removed(s3, versioned):
    v1 = s3.put_object(Bucket=versioned, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=versioned, Key="k", Body=b"two")["VersionId"]
    s3.put_object(Bucket=versioned, Key="other", Body=b"o")
    deleted = s3.delete_object(Bucket=versioned, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker not in (v1, v2, "null")
    err = client_error(s3.get_object, Bucket=versioned, Key="k")
    assert (http_status(err), error_code(err)) == (404, "NoSuchKey")
    assert resp_headers(err)["x-amz-delete-marker"] == "true"
    assert resp_headers(err).get("x-amz-version-id") == marker
    err = client_error(s3.head_object, Bucket=versioned, Key="k")
    assert http_status(err) == 404
    assert resp_headers(err)["x-amz-delete-marker"] == "true"
    err = client_error(s3.get_object, Bucket=versioned, Key="k", VersionId=marker)
    assert (http_status(err), error_code(err)) == (405, "MethodNotAllowed")
    assert resp_headers(err)["x-amz-delete-marker"] == "true"
    err = client_error(s3.head_object, Bucket=versioned, Key="k", VersionId=marker)
    assert http_status(err) == 405
    # Older versions are still readable.
    assert s3.get_object(Bucket=versioned, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=versioned).get("Contents", [])] == ["other"]
    listing = s3.list_object_versions(Bucket=versioned, Prefix="k")
    assert [(m["VersionId"], m["IsLatest"]) for m in listing["DeleteMarkers"]] == [(marker, True)]
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [(v2, False), (v1, False)]
    # A second delete puts another marker on top.
    marker2 = s3.delete_object(Bucket=versioned, Key="k")["VersionId"]
    assert marker2 != marker
    # Removing the markers brings the newest version back.
    removed = s3.delete_object(Bucket=versioned, Key="k", VersionId=marker2)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker2
    assert error_code(client_error(s3.get_object, Bucket=versioned, Key="k")) == "NoSuchKey"
    s3.delete_object(Bucket=versioned, Key="k", VersionId=marker)
    got = s3.get_object(Bucket=versioned, Key="k")
    assert (got["Body"].read(), got["VersionId"]) == (b"two", v2)
    assert s3.head_object(Bucket=versioned, Key="k")["VersionId"] == v2
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=versioned)["Contents"]) == ["k", "other"]
    listing = s3.list_object_versions(Bucket=versioned, Prefix="k")
    assert listing.get("DeleteMarkers", []) == []
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [(v2, True), (v1, False)]


# ---------------------------------------------------------------- suspended


def test_a_suspended_bucket_writes_and_replaces_the_null_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"before versioning")
    enable(s3, bucket)
    enabled = [s3.put_object(Bucket=bucket, Key="k", Body=f"enabled {i}".encode())["VersionId"] for i in range(2)]
    listing = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in listing] == enabled[::-1] + ["null"]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"before versioning"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"suspended 1")
    assert put["VersionId"] == "null"
    assert resp_headers(put)["x-amz-version-id"] == "null"
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"suspended 2")
    assert put["VersionId"] == "null"
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["VersionId"] == "null"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"suspended 2"
    # One null version (the latest write), and the Enabled-era versions kept.
    listing = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in listing] == [("null", True), (enabled[1], False), (enabled[0], False)]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"suspended 2"
    for i, vid in enumerate(enabled):
        assert s3.get_object(Bucket=bucket, Key="k", VersionId=vid)["Body"].read() == f"enabled {i}".encode()
    # A delete while suspended puts a null delete marker in place of the null version.
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True and deleted["VersionId"] == "null"
    listing = s3.list_object_versions(Bucket=bucket)
    assert [(m["VersionId"], m["IsLatest"]) for m in listing["DeleteMarkers"]] == [("null", True)]
    assert [v["VersionId"] for v in listing["Versions"]] == enabled[::-1]


# ---------------------------------------------------------------- copy, tagging, ACL


def test_copying_an_older_version(s3, versioned):
    old = s3.put_object(Bucket=versioned, Key="src", Body=b"old bytes")["VersionId"]
    new = s3.put_object(Bucket=versioned, Key="src", Body=b"new bytes")["VersionId"]
    copy = s3.copy_object(Bucket=versioned, Key="dst", CopySource={"Bucket": versioned, "Key": "src", "VersionId": old})
    assert copy["CopySourceVersionId"] == old
    assert copy["VersionId"] not in (old, new, "null")
    got = s3.get_object(Bucket=versioned, Key="dst")
    assert (got["Body"].read(), got["VersionId"]) == (b"old bytes", copy["VersionId"])
    # Copying the current version names it too.
    copy2 = s3.copy_object(Bucket=versioned, Key="dst", CopySource={"Bucket": versioned, "Key": "src"})
    assert copy2["CopySourceVersionId"] == new
    # Restoring an old version over its own key makes it the newest.
    restore = s3.copy_object(Bucket=versioned, Key="src", CopySource={"Bucket": versioned, "Key": "src", "VersionId": old})
    assert s3.get_object(Bucket=versioned, Key="src")["Body"].read() == b"old bytes"
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=versioned, Prefix="src")["Versions"]] == [restore["VersionId"], new, old]
    # The copy of a delete marker is refused.
    marker = s3.delete_object(Bucket=versioned, Key="src")["VersionId"]
    err = client_error(s3.copy_object, Bucket=versioned, Key="x", CopySource={"Bucket": versioned, "Key": "src", "VersionId": marker})
    assert http_status(err) in (400, 405)
    err = client_error(s3.copy_object, Bucket=versioned, Key="x", CopySource={"Bucket": versioned, "Key": "src"})
    assert http_status(err) == 404


def test_tags_and_acl_of_a_given_version(s3, versioned):
    v1 = s3.put_object(Bucket=versioned, Key="t", Body=b"1", Tagging="era=first")["VersionId"]
    v2 = s3.put_object(Bucket=versioned, Key="t", Body=b"2")["VersionId"]
    assert s3.get_object_tagging(Bucket=versioned, Key="t")["TagSet"] == []
    got = s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v1)
    assert (got["TagSet"], got["VersionId"]) == ([{"Key": "era", "Value": "first"}], v1)
    put = s3.put_object_tagging(Bucket=versioned, Key="t", VersionId=v1, Tagging={"TagSet": [{"Key": "era", "Value": "one"}]})
    assert put["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v1)["TagSet"] == [{"Key": "era", "Value": "one"}]
    assert s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v2)["TagSet"] == []
    put = s3.put_object_tagging(Bucket=versioned, Key="t", Tagging={"TagSet": [{"Key": "era", "Value": "two"}]})
    assert put["VersionId"] == v2
    assert s3.get_object_tagging(Bucket=versioned, Key="t")["TagSet"] == [{"Key": "era", "Value": "two"}]
    assert s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v1)["TagSet"] == [{"Key": "era", "Value": "one"}]
    assert s3.get_object(Bucket=versioned, Key="t", VersionId=v1).get("TagCount") == 1
    deleted = s3.delete_object_tagging(Bucket=versioned, Key="t", VersionId=v1)
    assert deleted["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v1)["TagSet"] == []
    assert s3.get_object_tagging(Bucket=versioned, Key="t", VersionId=v2)["TagSet"] == [{"Key": "era", "Value": "two"}]
    # ACLs of a version.
    owner = s3.list_buckets()["Owner"]["ID"]
    acl = s3.get_object_acl(Bucket=versioned, Key="t", VersionId=v1)
    assert acl["Owner"]["ID"] == owner
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]] == [(owner, "FULL_CONTROL")]
    s3.put_object_acl(Bucket=versioned, Key="t", VersionId=v1, ACL="public-read")
    uris = lambda a: sorted(g["Grantee"].get("URI", "") for g in a["Grants"])  # noqa: E731
    assert any(u.endswith("/global/AllUsers") for u in uris(s3.get_object_acl(Bucket=versioned, Key="t", VersionId=v1)))
    assert not any(u.endswith("/global/AllUsers") for u in uris(s3.get_object_acl(Bucket=versioned, Key="t", VersionId=v2)))
    assert not any(u.endswith("/global/AllUsers") for u in uris(s3.get_object_acl(Bucket=versioned, Key="t")))


# ---------------------------------------------------------------- version id errors


def test_unknown_and_malformed_version_ids(s3, versioned, cleanup):
    s3.put_object(Bucket=versioned, Key="a", Body=b"a")
    elsewhere = s3.put_object(Bucket=versioned, Key="b", Body=b"b")["VersionId"]
    other = new_bucket_name("ver")
    s3.create_bucket(Bucket=other)
    cleanup(s3, other)
    enable(s3, other)
    other_bucket_id = s3.put_object(Bucket=other, Key="a", Body=b"x")["VersionId"]
    for vid in (elsewhere, other_bucket_id):
        err = client_error(s3.get_object, Bucket=versioned, Key="a", VersionId=vid)
        assert (http_status(err), error_code(err)) == (404, "NoSuchVersion")
        assert http_status(client_error(s3.head_object, Bucket=versioned, Key="a", VersionId=vid)) == 404
        err = client_error(s3.get_object_tagging, Bucket=versioned, Key="a", VersionId=vid)
        assert error_code(err) == "NoSuchVersion"
        err = client_error(s3.copy_object, Bucket=versioned, Key="c", CopySource={"Bucket": versioned, "Key": "a", "VersionId": vid})
        assert error_code(err) == "NoSuchVersion"
    # "null" names the null version, which this key does not have.
    assert error_code(client_error(s3.get_object, Bucket=versioned, Key="a", VersionId="null")) == "NoSuchVersion"
    for call, extra in [
        (s3.get_object, {}),
        (s3.get_object_tagging, {}),
        (s3.get_object_acl, {}),
        (s3.delete_object, {}),
        (s3.put_object_tagging, {"Tagging": {"TagSet": []}}),
    ]:
        err = client_error(call, Bucket=versioned, Key="a", VersionId="not-a-version", **extra)
        assert (http_status(err), error_code(err)) == (400, "InvalidArgument"), call
    assert http_status(client_error(s3.head_object, Bucket=versioned, Key="a", VersionId="not-a-version")) == 400
    err = client_error(s3.copy_object, Bucket=versioned, Key="c", CopySource={"Bucket": versioned, "Key": "a", "VersionId": "not-a-version"})
    assert (http_status(err), error_code(err)) == (400, "InvalidArgument")
    # Nothing was touched.
    assert len(s3.list_object_versions(Bucket=versioned)["Versions"]) == 2


# ---------------------------------------------------------------- DeleteObjects


def test_delete_objects_removes_versions_for_good(s3, versioned):
    ids = [s3.put_object(Bucket=versioned, Key="k", Body=f"{i}".encode())["VersionId"] for i in range(3)]
    s3.put_object(Bucket=versioned, Key="j", Body=b"j")
    out = s3.delete_objects(
        Bucket=versioned,
        Delete={"Objects": [{"Key": "k", "VersionId": ids[0]}, {"Key": "k", "VersionId": ids[1]}]},
    )
    assert out.get("Errors", []) == []
    assert sorted((d["Key"], d["VersionId"]) for d in out["Deleted"]) == sorted([("k", ids[0]), ("k", ids[1])])
    assert not any(d.get("DeleteMarker") for d in out["Deleted"])
    listing = s3.list_object_versions(Bucket=versioned, Prefix="k")
    assert [v["VersionId"] for v in listing["Versions"]] == [ids[2]]
    assert listing.get("DeleteMarkers", []) == []
    for vid in ids[:2]:
        assert error_code(client_error(s3.get_object, Bucket=versioned, Key="k", VersionId=vid)) == "NoSuchVersion"
    # Without a version id it puts a marker; with the marker's id it removes it.
    out = s3.delete_objects(Bucket=versioned, Delete={"Objects": [{"Key": "j"}]})
    (entry,) = out["Deleted"]
    assert entry["DeleteMarker"] is True
    marker = entry["DeleteMarkerVersionId"]
    assert error_code(client_error(s3.get_object, Bucket=versioned, Key="j")) == "NoSuchKey"
    out = s3.delete_objects(Bucket=versioned, Delete={"Objects": [{"Key": "j", "VersionId": marker}]})
    (entry,) = out["Deleted"]
    assert (entry["VersionId"], entry["DeleteMarker"], entry["DeleteMarkerVersionId"]) == (marker, True, marker)
    assert s3.get_object(Bucket=versioned, Key="j")["Body"].read() == b"j"
    # A malformed id is an error for its entry only.
    out = s3.delete_objects(Bucket=versioned, Delete={"Objects": [{"Key": "k", "VersionId": "not-a-version"}, {"Key": "k", "VersionId": ids[2]}]})
    # (S3 answers NoSuchVersion for it in DeleteObjects, where DeleteObject says InvalidArgument.)
    # (The answer AWS gives, VersionId included: versity/versitygw#2119 quotes it.)
    assert [(e["Key"], e.get("VersionId"), e["Code"]) for e in out.get("Errors", [])] == [("k", "not-a-version", "NoSuchVersion")]
    assert [d["VersionId"] for d in out["Deleted"]] == [ids[2]]
    assert s3.list_object_versions(Bucket=versioned, Prefix="k").get("Versions", []) == []


# ---------------------------------------------------------------- aws-cli


def test_aws_cli_lists_versions_and_sets_retention(aws, s3, cleanup):
    name = new_bucket_name("vcli")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    ids = [s3.put_object(Bucket=name, Key="doc", Body=f"v{i}".encode())["VersionId"] for i in range(2)]
    other = s3.put_object(Bucket=name, Key="zz", Body=b"z")["VersionId"]
    listed = aws("s3api", "list-object-versions", "--bucket", name, json_out=True)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [
        ("doc", ids[1], True),
        ("doc", ids[0], False),
        ("zz", other, True),
    ]
    assert listed.get("DeleteMarkers", []) == []
    until = (datetime.datetime.now(UTC) + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    aws("s3api", "put-object-retention", "--bucket", name, "--key", "doc", "--version-id", ids[0],
        "--retention", json.dumps({"Mode": "GOVERNANCE", "RetainUntilDate": until}))
    got = aws("s3api", "get-object-retention", "--bucket", name, "--key", "doc", "--version-id", ids[0], json_out=True)
    assert got["Retention"]["Mode"] == "GOVERNANCE"
    assert got["Retention"]["RetainUntilDate"].startswith(until[:19])
    # Only that version is retained.
    assert error_code(client_error(s3.get_object_retention, Bucket=name, Key="doc", VersionId=ids[1])) == "NoSuchObjectLockConfiguration"
    refused = aws("s3api", "delete-object", "--bucket", name, "--key", "doc", "--version-id", ids[0], check=False)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr
    for key, vid in [("doc", ids[0]), ("doc", ids[1]), ("zz", other)]:
        aws("s3api", "delete-object", "--bucket", name, "--key", key, "--version-id", vid, "--bypass-governance-retention")
    listed = aws("s3api", "list-object-versions", "--bucket", name, json_out=True)
    assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []
    aws("s3api", "delete-bucket", "--bucket", name)
    assert error_code(client_error(s3.head_bucket, Bucket=name)) in ("404", "NoSuchBucket")


# ---------------------------------------------------------------- emptying a versioned bucket


def test_boto3_object_versions_delete_empties_a_bucket_of_1000_versions(s3, seed):
    name = new_bucket_name("vmany")
    s3.create_bucket(Bucket=name)
    try:
        enable(s3, name)
        keys = [f"obj/{i:02d}" for i in range(50)]

        def write(key):
            return [seed.put_object(Bucket=name, Key=key, Body=f"{key}#{n}".encode())["VersionId"] for n in range(20)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            written = dict(zip(keys, pool.map(write, keys)))
        # A few delete markers too.
        for key in keys[:5]:
            s3.delete_object(Bucket=name, Key=key)
        listed = all_versions(s3, name)
        assert len(listed) == 1005
        assert sorted(v for k, v in listed if k == keys[7]) == sorted(written[keys[7]])
        resource = boto3.resource("s3", endpoint_url=ENDPOINT, config=PATH_STYLE)
        resource.Bucket(name).object_versions.delete()
        left = s3.list_object_versions(Bucket=name)
        assert left.get("Versions", []) == [] and left.get("DeleteMarkers", []) == []
        assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0
        s3.delete_bucket(Bucket=name)
        assert http_status(client_error(s3.head_bucket, Bucket=name)) == 404
    finally:
        try:
            s3.head_bucket(Bucket=name)
        except ClientError:
            pass
        else:
            empty_and_delete_bucket(s3, name)
