"""Object Lock with boto3 and aws-cli: buckets created with it, the bucket default, retention in
both modes (COMPLIANCE never shortened or bypassed, GOVERNANCE bypassed only by a principal
allowed s3:BypassGovernanceRetention), legal holds, and the lock headers on GET/HEAD."""

import datetime
import json
import time

import pytest
from botocore.exceptions import ClientError

from s3e2e import error_code, http_status, md5_b64, new_bucket_name, resp_headers, signed_request

UTC = datetime.timezone.utc


def in_seconds(seconds):
    return datetime.datetime.now(UTC).replace(microsecond=0) + datetime.timedelta(seconds=seconds)


def client_error(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value


def canonical_id(client):
    return client.list_buckets()["Owner"]["ID"]


def remove_every_version(client, name, wait_until=None):
    """Deletes every version (bypassing GOVERNANCE) and the bucket; COMPLIANCE versions are
    waited out (the tests give them a few seconds)."""
    if wait_until is not None:
        time.sleep(max(0.0, (wait_until - datetime.datetime.now(UTC)).total_seconds() + 0.5))
    listed = client.list_object_versions(Bucket=name)
    for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
        try:
            client.put_object_legal_hold(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"], LegalHold={"Status": "OFF"})
        except ClientError:
            pass
        client.delete_object(Bucket=name, Key=entry["Key"], VersionId=entry["VersionId"], BypassGovernanceRetention=True)
    client.delete_bucket(Bucket=name)


@pytest.fixture
def locked(s3):
    """A bucket created with Object Lock; every version removed afterwards."""
    name = new_bucket_name("lock")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    state = {"wait_until": None}
    yield name, state
    remove_every_version(s3, name, state["wait_until"])


def test_a_bucket_created_with_object_lock_is_versioned_for_good(s3, locked):
    name, _ = locked
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    config = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}
    err = client_error(s3.put_bucket_versioning, Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert (http_status(err), error_code(err)) == (409, "InvalidBucketState")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"


def test_lock_configuration_needs_versioning_and_is_kept(s3, bucket):
    err = client_error(s3.get_object_lock_configuration, Bucket=bucket)
    assert (http_status(err), error_code(err)) == (404, "ObjectLockConfigurationNotFoundError")
    rule = {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}
    config = {"ObjectLockEnabled": "Enabled", "Rule": rule}
    err = client_error(s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration=config)
    assert (http_status(err), error_code(err)) == (409, "InvalidBucketState")
    # Lock headers in a bucket without Object Lock are refused, and nothing is stored.
    err = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=in_seconds(60))
    assert (http_status(err), error_code(err)) == (400, "InvalidRequest")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=config)
    got = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert got == config
    years = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 2}}}
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=years)
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == years
    bad = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}
    err = client_error(s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration=bad)
    assert (http_status(err), error_code(err)) == (400, "MalformedXML")
    zero = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}}
    assert error_code(client_error(s3.put_object_lock_configuration, Bucket=bucket, ObjectLockConfiguration=zero)) == "InvalidArgument"
    # Leaving the rule out removes the default.
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}
    s3.put_object(Bucket=bucket, Key="plain", Body=b"no default")
    assert "ObjectLockMode" not in s3.head_object(Bucket=bucket, Key="plain")
    remove_all = s3.list_object_versions(Bucket=bucket).get("Versions", [])
    for v in remove_all:
        s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])


def test_the_default_retention_protects_new_versions_in_governance_mode(s3, locked):
    name, _ = locked
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    before = datetime.datetime.now(UTC)
    version = s3.put_object(Bucket=name, Key="doc.txt", Body=b"kept")["VersionId"]
    head = s3.head_object(Bucket=name, Key="doc.txt")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    until = head["ObjectLockRetainUntilDate"]
    assert before + datetime.timedelta(days=1) - datetime.timedelta(seconds=5) <= until <= datetime.datetime.now(UTC) + datetime.timedelta(days=1, seconds=5)
    retention = s3.get_object_retention(Bucket=name, Key="doc.txt", VersionId=version)["Retention"]
    assert retention == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    # Removing the version is refused; a delete marker over it is not.
    err = client_error(s3.delete_object, Bucket=name, Key="doc.txt", VersionId=version)
    assert (http_status(err), error_code(err)) == (403, "AccessDenied")
    marker = s3.delete_object(Bucket=name, Key="doc.txt")
    assert marker["DeleteMarker"] is True
    assert s3.get_object(Bucket=name, Key="doc.txt", VersionId=version)["Body"].read() == b"kept"
    # DeleteObjects reports the refusal per key.
    out = s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "doc.txt", "VersionId": version}]})
    assert [e["Code"] for e in out.get("Errors", [])] == ["AccessDenied"]
    # The owner may bypass GOVERNANCE.
    s3.delete_object(Bucket=name, Key="doc.txt", VersionId=version, BypassGovernanceRetention=True)
    err = client_error(s3.head_object, Bucket=name, Key="doc.txt", VersionId=version)
    assert http_status(err) == 404


def test_compliance_retention_cannot_be_shortened_lifted_or_bypassed(s3, locked):
    name, state = locked
    until = in_seconds(4)
    state["wait_until"] = in_seconds(8)
    put = s3.put_object(Bucket=name, Key="ledger", Body=b"v1", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
    version = put["VersionId"]
    obj = s3.get_object(Bucket=name, Key="ledger")
    assert (obj["ObjectLockMode"], obj["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", until)
    for kwargs in [{}, {"BypassGovernanceRetention": True}]:
        err = client_error(s3.delete_object, Bucket=name, Key="ledger", VersionId=version, **kwargs)
        assert error_code(err) == "AccessDenied"
    shorter = {"Mode": "COMPLIANCE", "RetainUntilDate": until - datetime.timedelta(seconds=2)}
    weaker = {"Mode": "GOVERNANCE", "RetainUntilDate": until + datetime.timedelta(seconds=60)}
    for retention in [shorter, weaker]:
        err = client_error(s3.put_object_retention, Bucket=name, Key="ledger", VersionId=version, Retention=retention, BypassGovernanceRetention=True)
        assert error_code(err) == "AccessDenied"
    longer = until + datetime.timedelta(seconds=2)
    s3.put_object_retention(Bucket=name, Key="ledger", VersionId=version, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": longer})
    assert s3.get_object_retention(Bucket=name, Key="ledger")["Retention"]["RetainUntilDate"] == longer
    # Once the date has passed, the version may go.
    time.sleep(max(0.0, (longer - datetime.datetime.now(UTC)).total_seconds() + 1.0))
    s3.delete_object(Bucket=name, Key="ledger", VersionId=version)
    assert s3.list_object_versions(Bucket=name).get("Versions", []) == []


def test_governance_retention_is_weakened_only_with_bypass(s3, locked):
    name, _ = locked
    until = in_seconds(3600)
    version = s3.put_object(Bucket=name, Key="g", Body=b"g", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)["VersionId"]
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": until - datetime.timedelta(seconds=1800)}
    err = client_error(s3.put_object_retention, Bucket=name, Key="g", Retention=shorter)
    assert error_code(err) == "AccessDenied"
    assert s3.get_object_retention(Bucket=name, Key="g")["Retention"]["RetainUntilDate"] == until
    s3.put_object_retention(Bucket=name, Key="g", Retention=shorter, BypassGovernanceRetention=True)
    assert s3.get_object_retention(Bucket=name, Key="g")["Retention"]["RetainUntilDate"] == shorter["RetainUntilDate"]
    past = {"Mode": "GOVERNANCE", "RetainUntilDate": in_seconds(-60)}
    assert error_code(client_error(s3.put_object_retention, Bucket=name, Key="g", Retention=past)) == "InvalidArgument"
    # Lifting it altogether (an empty Retention) also needs the bypass.
    lift = signed_request("PUT", f"/{name}/g", [("retention", ""), ("versionId", version)], {"content-md5": md5_b64(b"<Retention/>")}, b"<Retention/>")
    assert lift.status_code == 403, lift.text
    lift = signed_request("PUT", f"/{name}/g", [("retention", ""), ("versionId", version)], {"content-md5": md5_b64(b"<Retention/>"), "x-amz-bypass-governance-retention": "true"}, b"<Retention/>")
    assert lift.status_code == 200, lift.text
    err = client_error(s3.get_object_retention, Bucket=name, Key="g")
    assert (http_status(err), error_code(err)) == (404, "NoSuchObjectLockConfiguration")
    s3.delete_object(Bucket=name, Key="g", VersionId=version)


def test_bypass_needs_the_permission(s3, s3_user2, locked):
    name, _ = locked
    bob = canonical_id(s3_user2)
    version = s3.put_object(Bucket=name, Key="shared", Body=b"s", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=in_seconds(3600))["VersionId"]

    def allow(actions):
        statement = {"Effect": "Allow", "Principal": {"CanonicalUser": bob}, "Action": actions, "Resource": f"arn:aws:s3:::{name}/*"}
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))

    allow(["s3:DeleteObjectVersion"])
    err = client_error(s3_user2.delete_object, Bucket=name, Key="shared", VersionId=version, BypassGovernanceRetention=True)
    assert error_code(err) == "AccessDenied"
    assert s3.head_object(Bucket=name, Key="shared", VersionId=version)["VersionId"] == version
    allow(["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"])
    # Allowed to bypass, it still has to ask.
    assert error_code(client_error(s3_user2.delete_object, Bucket=name, Key="shared", VersionId=version)) == "AccessDenied"
    s3_user2.delete_object(Bucket=name, Key="shared", VersionId=version, BypassGovernanceRetention=True)
    assert s3.list_object_versions(Bucket=name).get("Versions", []) == []
    s3.delete_bucket_policy(Bucket=name)


def test_a_legal_hold_blocks_removal_until_lifted(s3, locked):
    name, _ = locked
    version = s3.put_object(Bucket=name, Key="evidence", Body=b"e", ObjectLockLegalHoldStatus="ON")["VersionId"]
    head = s3.head_object(Bucket=name, Key="evidence")
    assert head["ObjectLockLegalHoldStatus"] == "ON" and "ObjectLockMode" not in head
    assert s3.get_object_legal_hold(Bucket=name, Key="evidence")["LegalHold"] == {"Status": "ON"}
    err = client_error(s3.delete_object, Bucket=name, Key="evidence", VersionId=version, BypassGovernanceRetention=True)
    assert error_code(err) == "AccessDenied"
    s3.put_object_legal_hold(Bucket=name, Key="evidence", VersionId=version, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=name, Key="evidence")["LegalHold"] == {"Status": "OFF"}
    assert s3.head_object(Bucket=name, Key="evidence")["ObjectLockLegalHoldStatus"] == "OFF"
    # A hold put on an older version protects that version only.
    newer = s3.put_object(Bucket=name, Key="evidence", Body=b"e2")["VersionId"]
    s3.put_object_legal_hold(Bucket=name, Key="evidence", VersionId=version, LegalHold={"Status": "ON"})
    assert s3.head_object(Bucket=name, Key="evidence", VersionId=version)["ObjectLockLegalHoldStatus"] == "ON"
    assert "ObjectLockLegalHoldStatus" not in s3.head_object(Bucket=name, Key="evidence", VersionId=newer)
    s3.delete_object(Bucket=name, Key="evidence", VersionId=newer)
    assert error_code(client_error(s3.delete_object, Bucket=name, Key="evidence", VersionId=version)) == "AccessDenied"
    s3.put_object_legal_hold(Bucket=name, Key="evidence", VersionId=version, LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=name, Key="evidence", VersionId=version)


def test_lock_headers_are_checked(s3, locked):
    name, _ = locked
    future = in_seconds(3600)
    cases = [
        {"ObjectLockMode": "GOVERNANCE"},
        {"ObjectLockRetainUntilDate": future},
        {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": in_seconds(-10)},
    ]
    for kwargs in cases:
        err = client_error(s3.put_object, Bucket=name, Key="bad", Body=b"x", **kwargs)
        assert (http_status(err), error_code(err)) == (400, "InvalidArgument"), kwargs
    assert s3.list_object_versions(Bucket=name).get("Versions", []) == []
    # Without Content-MD5 or a checksum, a PUT with lock headers is refused.
    headers = {"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": future.strftime("%Y-%m-%dT%H:%M:%SZ")}
    bare = signed_request("PUT", f"/{name}/bare", None, dict(headers), b"bytes")
    assert bare.status_code == 400 and b"<Code>InvalidRequest</Code>" in bare.content, bare.text
    digested = signed_request("PUT", f"/{name}/bare", None, {**headers, "content-md5": md5_b64(b"bytes")}, b"bytes")
    assert digested.status_code == 200, digested.text
    assert resp_headers(s3.head_object(Bucket=name, Key="bare"))["x-amz-object-lock-mode"] == "GOVERNANCE"


def test_copy_and_multipart_take_the_lock_of_their_own_request(s3, locked):
    name, _ = locked
    until = in_seconds(3600)
    s3.put_object(Bucket=name, Key="src", Body=b"source", ObjectLockLegalHoldStatus="ON")
    copy = s3.copy_object(Bucket=name, Key="dst", CopySource={"Bucket": name, "Key": "src"}, ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
    head = s3.head_object(Bucket=name, Key="dst", VersionId=copy["VersionId"])
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", until)
    assert "ObjectLockLegalHoldStatus" not in head
    upload = s3.create_multipart_upload(Bucket=name, Key="mp", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until, ObjectLockLegalHoldStatus="ON")
    part = s3.upload_part(Bucket=name, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"part")
    done = s3.complete_multipart_upload(Bucket=name, Key="mp", UploadId=upload["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    head = s3.head_object(Bucket=name, Key="mp", VersionId=done["VersionId"])
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"], head["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", until, "ON")


def test_retention_calls_answer_as_s3_does(s3, bucket, locked):
    name, _ = locked
    s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    err = client_error(s3.get_object_retention, Bucket=bucket, Key="plain")
    assert (http_status(err), error_code(err)) == (400, "InvalidRequest")
    s3.put_object(Bucket=name, Key="open", Body=b"o")
    err = client_error(s3.get_object_retention, Bucket=name, Key="open")
    assert (http_status(err), error_code(err)) == (404, "NoSuchObjectLockConfiguration")
    err = client_error(s3.get_object_legal_hold, Bucket=name, Key="open")
    assert error_code(err) == "NoSuchObjectLockConfiguration"
    err = client_error(s3.put_object_retention, Bucket=name, Key="missing", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": in_seconds(60)})
    assert error_code(err) == "NoSuchKey"


def test_aws_cli_put_and_get_object_retention(aws, s3, locked):
    name, _ = locked
    s3.put_object(Bucket=name, Key="cli", Body=b"c")
    until = in_seconds(7200).strftime("%Y-%m-%dT%H:%M:%SZ")
    aws("s3api", "put-object-retention", "--bucket", name, "--key", "cli", "--retention", json.dumps({"Mode": "GOVERNANCE", "RetainUntilDate": until}))
    got = aws("s3api", "get-object-retention", "--bucket", name, "--key", "cli", json_out=True)
    assert got["Retention"]["Mode"] == "GOVERNANCE"
    assert got["Retention"]["RetainUntilDate"].startswith(until[:19])
    versions = aws("s3api", "list-object-versions", "--bucket", name, json_out=True)["Versions"]
    version = versions[0]["VersionId"]
    refused = aws("s3api", "delete-object", "--bucket", name, "--key", "cli", "--version-id", version, check=False)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr
    aws("s3api", "delete-object", "--bucket", name, "--key", "cli", "--version-id", version, "--bypass-governance-retention")
