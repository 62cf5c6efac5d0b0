import hashlib
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from botocore.exceptions import ClientError

from s3e2e import (
    ENDPOINT,
    USER1,
    UNSIGNED_PAYLOAD,
    amz_now,
    assert_s3_error,
    error_code,
    http_status,
    make_client,
    make_presigner,
    md5_hex,
    new_bucket_name,
    signed_request,
)


def test_wrong_secret_signature_does_not_match(bucket):
    bad = make_client((USER1[0], USER1[1] + "x"))
    for call in (lambda: bad.list_buckets(), lambda: bad.get_object(Bucket=bucket, Key="k")):
        with pytest.raises(ClientError) as ei:
            call()
        assert error_code(ei.value) == "SignatureDoesNotMatch"
        assert http_status(ei.value) == 403


def test_unknown_access_key(bucket):
    bad = make_client(("AKIAS3EDGEUNKNOWN000", "whatever-secret"))
    with pytest.raises(ClientError) as ei:
        bad.list_buckets()
    assert error_code(ei.value) == "InvalidAccessKeyId"
    assert http_status(ei.value) == 403
    with pytest.raises(ClientError) as ei:
        bad.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_code(ei.value) == "InvalidAccessKeyId"


def test_anonymous_requests_refused(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"private")
    for r in (
        requests.get(f"{ENDPOINT}/{bucket}/k", timeout=30),
        requests.get(f"{ENDPOINT}/{bucket}", timeout=30),
        requests.get(f"{ENDPOINT}/", timeout=30),
        requests.put(f"{ENDPOINT}/{bucket}/anon", data=b"x", timeout=30),
        requests.delete(f"{ENDPOINT}/{bucket}/k", timeout=30),
    ):
        err = assert_s3_error(r, 403, "AccessDenied")
        assert err["RequestId"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_presigned_get_and_put(s3, presigner, bucket):
    key = "pre signed/ü+?.txt"
    put_url = presigner.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)
    assert "X-Amz-Signature=" in put_url
    r = requests.put(put_url, data=b"via presigned put", timeout=30)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == f'"{md5_hex(b"via presigned put")}"'

    get_url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)
    r = requests.get(get_url, timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == b"via presigned put"
    assert "x-amz-request-id" in r.headers

    r = requests.get(get_url, headers={"Range": "bytes=4-12"}, timeout=30)
    assert r.status_code == 206
    assert r.content == b"presigned"


def test_default_boto3_presigned_urls_signature_v2(s3, bucket):
    """boto3 at default settings presigns S3 URLs with Signature Version 2."""
    key = "default presign/ü+?.txt"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)
    assert "AWSAccessKeyId=" in put_url and "Signature=" in put_url and "X-Amz-" not in put_url
    r = requests.put(put_url, data=b"via a v2 presigned put", timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == b""
    assert r.headers["ETag"] == f'"{md5_hex(b"via a v2 presigned put")}"'

    get_url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": key, "ResponseContentType": "text/x-test"},
        ExpiresIn=600,
    )
    r = requests.get(get_url, timeout=30)
    assert r.status_code == 200, r.content
    assert r.content == b"via a v2 presigned put"
    assert r.headers["Content-Type"] == "text/x-test"

    # Tampering with a signed sub-resource or the path breaks the signature.
    r = requests.get(get_url.replace("text%2Fx-test", "text%2Fother"), timeout=30)
    assert_s3_error(r, 403, "SignatureDoesNotMatch")
    r = requests.get(get_url.replace("presign/", "presign2/"), timeout=30)
    assert_s3_error(r, 403, "SignatureDoesNotMatch")

    expired = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=1)
    time.sleep(2)
    r = requests.get(expired, timeout=30)
    assert_s3_error(r, 403, "AccessDenied")


def test_presigned_get_with_response_overrides(s3, presigner, seed, bucket):
    seed.put_object(Bucket=bucket, Key="f", Body=b"data")
    url = presigner.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": "f", "ResponseContentDisposition": 'attachment; filename="x.bin"'},
        ExpiresIn=600,
    )
    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.content
    assert r.headers["Content-Disposition"] == 'attachment; filename="x.bin"'


def test_presigned_url_expired(s3, presigner, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1)
    time.sleep(2.2)
    r = requests.get(url, timeout=30)
    assert_s3_error(r, 403, "AccessDenied")


def test_presigned_url_expiry_limit(s3, presigner, seed, bucket):
    seed.put_object(Bucket=bucket, Key="k", Body=b"x")
    ok = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800)
    assert requests.get(ok, timeout=30).status_code == 200
    too_long = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604801)
    assert parse_qs(urlparse(too_long).query)["X-Amz-Expires"] == ["604801"]
    r = requests.get(too_long, timeout=30)
    assert_s3_error(r, 400, "AuthorizationQueryParametersError")


def test_presigned_url_tampered(s3, presigner, seed, bucket):
    seed.put_object(Bucket=bucket, Key="a", Body=b"a")
    seed.put_object(Bucket=bucket, Key="b", Body=b"b")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a"}, ExpiresIn=600)
    tampered = url.replace(f"/{bucket}/a?", f"/{bucket}/b?")
    assert tampered != url
    assert_s3_error(requests.get(tampered, timeout=30), 403, "SignatureDoesNotMatch")
    wrong_secret = make_presigner((USER1[0], USER1[1] + "x")).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "a"}, ExpiresIn=600
    )
    assert_s3_error(requests.get(wrong_secret, timeout=30), 403, "SignatureDoesNotMatch")


def test_error_responses_well_formed(bucket):
    """Every error: x-amz-request-id header + XML with Code, Message, RequestId."""
    cases = [
        (signed_request("GET", f"/{bucket}/nope"), 404, "NoSuchKey"),
        (signed_request("GET", f"/{new_bucket_name('missing')}"), 404, "NoSuchBucket"),
        (signed_request("GET", f"/{bucket}/k", creds=(USER1[0], USER1[1] + "x")), 403, "SignatureDoesNotMatch"),
        (signed_request("GET", "/", creds=("AKIAS3EDGEUNKNOWN000", "x")), 403, "InvalidAccessKeyId"),
        (requests.get(f"{ENDPOINT}/{bucket}/k", timeout=30), 403, "AccessDenied"),
        (signed_request("PUT", "/UPPER"), 400, "InvalidBucketName"),
        (signed_request("DELETE", f"/{new_bucket_name('missing')}"), 404, "NoSuchBucket"),
    ]
    ids = set()
    for resp, status, code in cases:
        err = assert_s3_error(resp, status, code)
        assert err["Message"]
        ids.add(err["RequestId"])
    assert len(ids) == len(cases), "request ids must be unique"


def test_request_id_on_success(bucket):
    for r in (
        signed_request("GET", "/"),
        signed_request("PUT", f"/{bucket}/k", body=b"x"),
        signed_request("GET", f"/{bucket}/k"),
        signed_request("HEAD", f"/{bucket}/k"),
        signed_request("GET", f"/{bucket}", query=[("list-type", "2")]),
        signed_request("DELETE", f"/{bucket}/k"),
    ):
        assert r.status_code in (200, 204), (r.status_code, r.content[:300])
        assert r.headers.get("x-amz-request-id")


@pytest.mark.parametrize("skew", [-20 * 60, 20 * 60])
def test_clock_skew(bucket, skew):
    r = signed_request("GET", f"/{bucket}", query=[("list-type", "2")], amz_date=amz_now(skew))
    assert_s3_error(r, 403, "RequestTimeTooSkewed")


def test_small_clock_skew_accepted(bucket):
    r = signed_request("GET", f"/{bucket}", query=[("list-type", "2")], amz_date=amz_now(-5 * 60))
    assert r.status_code == 200, r.content


def test_payload_sha256_mismatch(s3, bucket):
    r = signed_request(
        "PUT", f"/{bucket}/k", body=b"actual body", payload_hash=hashlib.sha256(b"other body").hexdigest()
    )
    assert_s3_error(r, 400, "XAmzContentSHA256Mismatch")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_unsigned_payload_header_auth(s3, bucket):
    r = signed_request("PUT", f"/{bucket}/k", body=b"unsigned body", payload_hash=UNSIGNED_PAYLOAD)
    assert r.status_code == 200, r.content
    assert r.content == b""
    assert r.headers["ETag"] == f'"{md5_hex(b"unsigned body")}"'
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"unsigned body"


def test_signed_payload_header_auth(s3, bucket):
    r = signed_request("PUT", f"/{bucket}/dir/k%20x", body=b"signed body", headers={"content-type": "text/x-a"})
    assert r.status_code == 200, r.content
    got = s3.get_object(Bucket=bucket, Key="dir/k%20x")
    assert got["Body"].read() == b"signed body"
    assert got["ContentType"] == "text/x-a"


def test_modified_signed_header_rejected(bucket):
    """Changing a signed header after signing must break the signature."""
    from s3e2e import send, sign_headers

    body = b"x"
    h, _, _, _ = sign_headers("PUT", f"/{bucket}/k", None, {"content-type": "text/plain"},
                              hashlib.sha256(body).hexdigest())
    del h["host"]
    h["content-type"] = "text/html"
    assert_s3_error(send("PUT", f"/{bucket}/k", None, h, body), 403, "SignatureDoesNotMatch")
