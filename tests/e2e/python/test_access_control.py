"""Access control end to end (issue 8): ACLs, bucket policies, public access block, ownership
controls, with two accounts (boto3), anonymous requests (plain HTTP) and the AWS CLI.

User one owns the buckets; user two is another account; anonymous requests carry no
signature at all. Every denial is checked as S3 answers it: 403 AccessDenied in error XML.
"""

import json
import subprocess
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from s3e2e import ENDPOINT, USER2, encode_path, error_code, new_bucket_name, parse_error_xml

ANON_TIMEOUT = 10


def anon(method, bucket, key="", params=None, data=None, headers=None):
    """An unsigned request, as a browser or curl would send it."""
    url = f"{ENDPOINT}/{bucket}"
    if key:
        url += encode_path("/" + key)
    return requests.request(method, url, params=params, data=data, headers=headers, timeout=ANON_TIMEOUT)


def assert_denied(resp):
    assert resp.status_code == 403, (resp.status_code, resp.text[:300])
    err = parse_error_xml(resp.content)
    assert err["Code"] == "AccessDenied", resp.text[:300]
    assert err["RequestId"]


def client_error(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value


def canonical_id(client):
    return client.list_buckets()["Owner"]["ID"]


@pytest.fixture
def shared(s3, cleanup):
    """A fresh bucket of user one with one private object."""
    name = new_bucket_name("acl")
    s3.create_bucket(Bucket=name)
    cleanup(s3, name)
    s3.put_object(Bucket=name, Key="private.txt", Body=b"private bytes")
    return name


def public_read_policy(bucket, prefix="", condition=None):
    statement = {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# ---------------------------------------------------------------- ACLs


def test_anonymous_reads_a_public_read_object_and_not_a_private_one(s3, shared):
    s3.put_object(Bucket=shared, Key="public.txt", Body=b"hello world", ACL="public-read")
    resp = anon("GET", shared, "public.txt")
    assert resp.status_code == 200, resp.text[:300]
    assert resp.content == b"hello world"
    assert_denied(anon("GET", shared, "private.txt"))
    # Without a grant on the bucket, anonymous may not list it either.
    assert_denied(anon("GET", shared, params={"list-type": "2"}))
    # An overwrite carries its own ACL: written without one, the object is private again.
    s3.put_object(Bucket=shared, Key="public.txt", Body=b"now private")
    assert_denied(anon("GET", shared, "public.txt"))


def test_a_public_read_write_bucket_takes_anonymous_writes(s3, cleanup):
    name = new_bucket_name("prw")
    s3.create_bucket(Bucket=name, ACL="public-read-write")
    cleanup(s3, name)
    put = anon("PUT", name, "dropped.txt", data=b"from nobody")
    assert put.status_code == 200, put.text[:300]
    listing = anon("GET", name, params={"list-type": "2"})
    assert listing.status_code == 200 and b"<Key>dropped.txt</Key>" in listing.content
    # The object belongs to the anonymous writer: the bucket owner may delete it, not read it.
    assert error_code(client_error(s3.get_object, Bucket=name, Key="dropped.txt")) == "AccessDenied"
    acl = s3.get_bucket_acl(Bucket=name)
    groups = {(g["Grantee"].get("URI"), g["Permission"]) for g in acl["Grants"]}
    assert ("http://acs.amazonaws.com/groups/global/AllUsers", "WRITE") in groups
    s3.delete_object(Bucket=name, Key="dropped.txt")


def test_bucket_acl_xml_round_trip_grants_the_other_account(s3, s3_user2, shared):
    bob = canonical_id(s3_user2)
    owner = s3.get_bucket_acl(Bucket=shared)["Owner"]
    assert error_code(client_error(s3_user2.list_objects_v2, Bucket=shared)) == "AccessDenied"
    s3.put_bucket_acl(
        Bucket=shared,
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [
                {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "CanonicalUser", "ID": bob}, "Permission": "READ"},
                {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "two@s3edge.test"}, "Permission": "READ_ACP"},
            ],
        },
    )
    acl = s3.get_bucket_acl(Bucket=shared)
    assert acl["Owner"] == owner
    grants = {(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]}
    assert grants == {(owner["ID"], "FULL_CONTROL"), (bob, "READ"), (bob, "READ_ACP")}
    names = {g["Grantee"].get("DisplayName") for g in acl["Grants"]}
    assert "tester-two" in names
    # READ lets the other account list, READ_ACP read the ACL; neither lets it write.
    keys = [o["Key"] for o in s3_user2.list_objects_v2(Bucket=shared)["Contents"]]
    assert keys == ["private.txt"]
    assert s3_user2.get_bucket_acl(Bucket=shared)["Owner"]["ID"] == owner["ID"]
    assert error_code(client_error(s3_user2.put_object, Bucket=shared, Key="x", Body=b"x")) == "AccessDenied"
    assert error_code(client_error(s3_user2.get_object, Bucket=shared, Key="private.txt")) == "AccessDenied"


def test_grant_headers_and_object_acl_round_trip(s3, s3_user2, shared):
    bob = canonical_id(s3_user2)
    s3.put_object(Bucket=shared, Key="for-bob.txt", Body=b"bob may read", GrantRead=f'id="{bob}"')
    assert s3_user2.get_object(Bucket=shared, Key="for-bob.txt")["Body"].read() == b"bob may read"
    acl = s3.get_object_acl(Bucket=shared, Key="for-bob.txt")
    assert {(g["Grantee"].get("ID"), g["Permission"]) for g in acl["Grants"]} == {(bob, "READ")}
    # Replacing the ACL takes the grant away again.
    s3.put_object_acl(Bucket=shared, Key="for-bob.txt", ACL="private")
    assert error_code(client_error(s3_user2.get_object, Bucket=shared, Key="for-bob.txt")) == "AccessDenied"
    owner = s3.get_object_acl(Bucket=shared, Key="for-bob.txt")
    assert [g["Permission"] for g in owner["Grants"]] == ["FULL_CONTROL"]


def test_cross_account_copy_needs_read_on_the_source(s3, s3_user2, shared, cleanup):
    theirs = new_bucket_name("dst")
    s3_user2.create_bucket(Bucket=theirs)
    cleanup(s3_user2, theirs)
    source = {"Bucket": shared, "Key": "private.txt"}
    err = client_error(s3_user2.copy_object, Bucket=theirs, Key="copy.txt", CopySource=source)
    assert error_code(err) == "AccessDenied"
    s3.put_object_acl(Bucket=shared, Key="private.txt", GrantRead=f'emailAddress="two@s3edge.test"')
    s3_user2.copy_object(Bucket=theirs, Key="copy.txt", CopySource=source)
    assert s3_user2.get_object(Bucket=theirs, Key="copy.txt")["Body"].read() == b"private bytes"
    # Write on the destination is still needed: user two may not copy into user one's bucket.
    err = client_error(s3_user2.copy_object, Bucket=shared, Key="copy.txt", CopySource=source)
    assert error_code(err) == "AccessDenied"


def test_owner_is_the_same_everywhere(s3, shared):
    listed = s3.list_buckets()["Owner"]
    assert s3.get_bucket_acl(Bucket=shared)["Owner"] == listed
    assert s3.get_object_acl(Bucket=shared, Key="private.txt")["Owner"] == listed
    contents = s3.list_objects_v2(Bucket=shared, FetchOwner=True)["Contents"]
    assert contents[0]["Owner"] == listed
    assert listed["DisplayName"] == "tester-one"


# ---------------------------------------------------------------- policies


def test_policy_round_trip_and_status(s3, s3_user2, shared):
    err = client_error(s3.get_bucket_policy, Bucket=shared)
    assert error_code(err) == "NoSuchBucketPolicy"
    document = public_read_policy(shared, "public/")
    s3.put_bucket_policy(Bucket=shared, Policy=document)
    assert s3.get_bucket_policy(Bucket=shared)["Policy"] == document
    assert s3.get_bucket_policy_status(Bucket=shared)["PolicyStatus"]["IsPublic"] is True
    bob = canonical_id(s3_user2)
    private = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"CanonicalUser": bob}, "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{shared}"}],
    }, indent=2)
    s3.put_bucket_policy(Bucket=shared, Policy=private)
    assert s3.get_bucket_policy(Bucket=shared)["Policy"] == private
    assert s3.get_bucket_policy_status(Bucket=shared)["PolicyStatus"]["IsPublic"] is False
    assert [o["Key"] for o in s3_user2.list_objects_v2(Bucket=shared)["Contents"]] == ["private.txt"]
    s3.delete_bucket_policy(Bucket=shared)
    assert error_code(client_error(s3.get_bucket_policy, Bucket=shared)) == "NoSuchBucketPolicy"
    assert error_code(client_error(s3_user2.list_objects_v2, Bucket=shared)) == "AccessDenied"


def test_a_policy_can_open_one_prefix_to_everyone(s3, shared):
    s3.put_object(Bucket=shared, Key="public/page.html", Body=b"<h1>hi</h1>")
    s3.put_object(Bucket=shared, Key="internal/notes.txt", Body=b"secret")
    s3.put_bucket_policy(Bucket=shared, Policy=public_read_policy(shared, "public/"))
    resp = anon("GET", shared, "public/page.html")
    assert resp.status_code == 200 and resp.content == b"<h1>hi</h1>"
    assert_denied(anon("GET", shared, "internal/notes.txt"))
    # GetObject alone does not let anonymous learn which keys are missing.
    assert_denied(anon("GET", shared, "public/missing.html"))
    assert_denied(anon("PUT", shared, "public/new.html", data=b"no"))


def test_source_ip_condition(s3, shared):
    s3.put_object(Bucket=shared, Key="ip.txt", Body=b"by address")
    inside = {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}
    s3.put_bucket_policy(Bucket=shared, Policy=public_read_policy(shared, "", inside))
    assert anon("GET", shared, "ip.txt").content == b"by address"
    outside = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    s3.put_bucket_policy(Bucket=shared, Policy=public_read_policy(shared, "", outside))
    assert_denied(anon("GET", shared, "ip.txt"))
    # A client cannot claim another address: the front replaces the header.
    assert_denied(anon("GET", shared, "ip.txt", headers={"CF-Connecting-IP": "203.0.113.7"}))


def test_s3_prefix_condition_on_listing(s3, s3_user2, shared):
    s3.put_object(Bucket=shared, Key="shared/a.txt", Body=b"a")
    bob = canonical_id(s3_user2)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"CanonicalUser": bob},
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{shared}",
            "Condition": {"StringEquals": {"s3:prefix": "shared/"}},
        }],
    }
    s3.put_bucket_policy(Bucket=shared, Policy=json.dumps(policy))
    listed = s3_user2.list_objects_v2(Bucket=shared, Prefix="shared/")
    assert [o["Key"] for o in listed["Contents"]] == ["shared/a.txt"]
    assert error_code(client_error(s3_user2.list_objects_v2, Bucket=shared)) == "AccessDenied"
    assert error_code(client_error(s3_user2.list_objects_v2, Bucket=shared, Prefix="other/")) == "AccessDenied"


def test_an_explicit_deny_binds_the_owner_too_but_not_over_the_policy_itself(s3, shared):
    s3.put_object(Bucket=shared, Key="locked/x.txt", Body=b"x")
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s3:GetObject", "s3:DeleteBucketPolicy"], "Resource": [f"arn:aws:s3:::{shared}/locked/*", f"arn:aws:s3:::{shared}"]}],
    }
    s3.put_bucket_policy(Bucket=shared, Policy=json.dumps(deny))
    assert error_code(client_error(s3.get_object, Bucket=shared, Key="locked/x.txt")) == "AccessDenied"
    assert s3.get_object(Bucket=shared, Key="private.txt")["Body"].read() == b"private bytes"
    # The bucket owner can always remove a policy that locks it out.
    s3.delete_bucket_policy(Bucket=shared)
    assert s3.get_object(Bucket=shared, Key="locked/x.txt")["Body"].read() == b"x"


# ---------------------------------------------------------------- public access block, ownership


def test_public_access_block_settings(s3, shared):
    s3.put_object(Bucket=shared, Key="was-public.txt", Body=b"open", ACL="public-read")
    assert anon("GET", shared, "was-public.txt").status_code == 200
    assert error_code(client_error(s3.get_public_access_block, Bucket=shared)) == "NoSuchPublicAccessBlockConfiguration"
    settings = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    s3.put_public_access_block(Bucket=shared, PublicAccessBlockConfiguration=settings)
    assert s3.get_public_access_block(Bucket=shared)["PublicAccessBlockConfiguration"] == settings
    # IgnorePublicAcls: the existing public grant no longer counts.
    assert_denied(anon("GET", shared, "was-public.txt"))
    # BlockPublicAcls: a public ACL is refused and nothing is written.
    err = client_error(s3.put_object, Bucket=shared, Key="new-public.txt", Body=b"n", ACL="public-read")
    assert error_code(err) == "AccessDenied"
    assert error_code(client_error(s3.head_object, Bucket=shared, Key="new-public.txt")) == "404"
    # BlockPublicPolicy: a public policy is refused, the bucket keeps having none.
    err = client_error(s3.put_bucket_policy, Bucket=shared, Policy=public_read_policy(shared))
    assert error_code(err) == "AccessDenied"
    assert error_code(client_error(s3.get_bucket_policy, Bucket=shared)) == "NoSuchBucketPolicy"
    s3.delete_public_access_block(Bucket=shared)
    assert anon("GET", shared, "was-public.txt").content == b"open"


def test_restrict_public_buckets_limits_a_public_policy_to_the_owner(s3, shared):
    s3.put_object(Bucket=shared, Key="p.txt", Body=b"p")
    s3.put_bucket_policy(Bucket=shared, Policy=public_read_policy(shared))
    assert anon("GET", shared, "p.txt").status_code == 200
    s3.put_public_access_block(Bucket=shared, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert_denied(anon("GET", shared, "p.txt"))
    assert s3.get_object(Bucket=shared, Key="p.txt")["Body"].read() == b"p"


def test_bucket_owner_enforced_disables_acls(s3, s3_user2, shared):
    assert s3.get_bucket_ownership_controls(Bucket=shared)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "ObjectWriter"}]
    s3.put_bucket_ownership_controls(Bucket=shared, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    rules = s3.get_bucket_ownership_controls(Bucket=shared)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    err = client_error(s3.put_object, Bucket=shared, Key="acl.txt", Body=b"a", ACL="public-read")
    assert error_code(err) == "AccessControlListNotSupported"
    s3.put_object(Bucket=shared, Key="acl.txt", Body=b"a", ACL="bucket-owner-full-control")
    # A write by another account, allowed by policy, belongs to the bucket owner.
    bob = canonical_id(s3_user2)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"CanonicalUser": bob}, "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{shared}/*"}]}
    s3.put_bucket_policy(Bucket=shared, Policy=json.dumps(policy))
    s3_user2.put_object(Bucket=shared, Key="from-bob.txt", Body=b"b")
    owner = s3.get_object_acl(Bucket=shared, Key="from-bob.txt")["Owner"]
    assert owner["ID"] == canonical_id(s3)
    assert s3.get_object(Bucket=shared, Key="from-bob.txt")["Body"].read() == b"b"
    s3.delete_bucket_ownership_controls(Bucket=shared)
    assert error_code(client_error(s3.get_bucket_ownership_controls, Bucket=shared)) == "OwnershipControlsNotFoundError"


# ---------------------------------------------------------------- bad input changes nothing


def test_bad_acl_and_policy_input_is_refused_and_changes_nothing(s3, shared):
    before = s3.get_bucket_acl(Bucket=shared)
    owner_id = before["Owner"]["ID"]
    malformed = f'<AccessControlPolicy><Owner><ID>{owner_id}</ID></Owner><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>'
    resp = s3_raw_put_acl(s3, shared, malformed)
    assert resp["Error"]["Code"] == "MalformedACLError"
    err = client_error(s3.put_bucket_acl, Bucket=shared, GrantRead='emailAddress="nobody@s3edge.test"')
    assert error_code(err) == "UnresolvableGrantByEmailAddress"
    err = client_error(s3.put_bucket_acl, Bucket=shared, ACL="public-read", GrantRead=f'id="{owner_id}"')
    assert error_code(err) == "InvalidRequest"
    # A canned ACL and a body together: S3 refuses the body.
    from s3e2e import signed_request

    both = signed_request("PUT", f"/{shared}", [("acl", "")], {"x-amz-acl": "public-read"}, malformed.encode())
    assert both.status_code == 400 and parse_error_xml(both.content)["Code"] == "UnexpectedContent"
    assert s3.get_bucket_acl(Bucket=shared)["Grants"] == before["Grants"]
    for document in ["{not json", json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{shared}/*"}]}),
                     json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObjekt", "Resource": f"arn:aws:s3:::{shared}/*"}]}),
                     json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::someone-else/*"}]})]:
        err = client_error(s3.put_bucket_policy, Bucket=shared, Policy=document)
        assert error_code(err) == "MalformedPolicy", document
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_code(client_error(s3.get_bucket_policy, Bucket=shared)) == "NoSuchBucketPolicy"


def s3_raw_put_acl(s3, bucket, body):
    """PutBucketAcl with a hand-written body (boto3 validates its own)."""
    from s3e2e import signed_request

    resp = signed_request("PUT", f"/{bucket}", [("acl", "")], {"content-type": "application/xml"}, body.encode())
    assert resp.status_code == 400, resp.text[:300]
    return {"Error": parse_error_xml(resp.content)}


# ---------------------------------------------------------------- aws-cli


def aws(env, *args):
    cmd = ["aws", "--endpoint-url", ENDPOINT, "--output", "json", *args]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (cmd, p.stdout, p.stderr)
    return json.loads(p.stdout) if p.stdout.strip() else {}


def test_aws_cli_policy_acl_and_public_access_block(s3, shared, cli_env, tmp_path):
    s3.put_object(Bucket=shared, Key="site/index.html", Body=b"<p>cli</p>")
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(public_read_policy(shared, "site/"))
    aws(cli_env, "s3api", "put-bucket-policy", "--bucket", shared, "--policy", f"file://{policy_file}")
    assert aws(cli_env, "s3api", "get-bucket-policy", "--bucket", shared)["Policy"] == policy_file.read_text()
    assert anon("GET", shared, "site/index.html").content == b"<p>cli</p>"
    aws(cli_env, "s3api", "put-bucket-acl", "--bucket", shared, "--acl", "public-read")
    grants = aws(cli_env, "s3api", "get-bucket-acl", "--bucket", shared)["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [g["Grantee"] for g in grants]
    assert anon("GET", shared, params={"list-type": "2"}).status_code == 200
    aws(cli_env, "s3api", "put-public-access-block", "--bucket", shared, "--public-access-block-configuration",
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
    got = aws(cli_env, "s3api", "get-public-access-block", "--bucket", shared)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert_denied(anon("GET", shared, params={"list-type": "2"}))
    assert_denied(anon("GET", shared, "site/index.html"))
