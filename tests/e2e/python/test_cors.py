"""Bucket CORS (issue 9, first part): the configuration calls through boto3, and preflight and
cross-origin requests as a browser sends them, through plain HTTP. (The browser itself comes
with the website endpoint.)"""

import pytest
import requests
from botocore.exceptions import ClientError

from s3e2e import ENDPOINT, error_code, parse_error_xml

TIMEOUT = 10
RULES = {
    "CORSRules": [
        {
            "ID": "site",
            "AllowedOrigins": ["http://*.example.test"],
            "AllowedMethods": ["GET", "HEAD"],
            "AllowedHeaders": ["x-amz-*", "content-type"],
            "ExposeHeaders": ["ETag", "x-amz-meta-color"],
            "MaxAgeSeconds": 600,
        },
        {"AllowedOrigins": ["https://uploader.test"], "AllowedMethods": ["PUT", "POST"], "AllowedHeaders": ["*"]},
    ]
}


def preflight(bucket, key, origin, method, headers=None):
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(f"{ENDPOINT}/{bucket}/{key}", headers=sent, timeout=TIMEOUT)


def test_cors_configuration_round_trip_and_delete(s3, bucket):
    assert error_code(pytest.raises(ClientError, s3.get_bucket_cors, Bucket=bucket).value) == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    got = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got == RULES["CORSRules"]
    s3.delete_bucket_cors(Bucket=bucket)
    assert error_code(pytest.raises(ClientError, s3.get_bucket_cors, Bucket=bucket).value) == "NoSuchCORSConfiguration"


def test_invalid_cors_configurations_are_refused_and_change_nothing(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    bad = [
        {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]},
        {"CORSRules": [{"AllowedOrigins": ["http://*.*.test"], "AllowedMethods": ["GET"]}]},
    ]
    for config in bad:
        err = pytest.raises(ClientError, s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=config).value
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400, config
        assert error_code(err) in {"InvalidRequest", "MalformedXML"}, config
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == RULES["CORSRules"]


def test_preflight_allowed_by_a_rule(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    resp = preflight(bucket, "page.html", "http://www.example.test", "GET", "X-Amz-Date, Content-Type")
    assert resp.status_code == 200, resp.text[:300]
    h = resp.headers
    assert h["Access-Control-Allow-Origin"] == "http://www.example.test"
    assert set(m.strip() for m in h["Access-Control-Allow-Methods"].split(",")) == {"GET", "HEAD"}
    assert {x.strip().lower() for x in h["Access-Control-Allow-Headers"].split(",")} == {"x-amz-date", "content-type"}
    assert h["Access-Control-Max-Age"] == "600"
    assert "Origin" in h.get("Vary", "")
    # The second rule matches by its own origin and methods, any header.
    resp = preflight(bucket, "upload.bin", "https://uploader.test", "PUT", "x-custom-header")
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["Access-Control-Allow-Origin"] == "https://uploader.test"


@pytest.mark.parametrize(
    "origin,method,headers",
    [
        ("http://evil.test", "GET", None),  # origin no rule allows
        ("http://www.example.test", "DELETE", None),  # method not allowed for that origin
        ("http://www.example.test", "GET", "authorization"),  # header not allowed
    ],
)
def test_preflight_refused_as_s3_refuses(s3, bucket, origin, method, headers):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    resp = preflight(bucket, "page.html", origin, method, headers)
    assert resp.status_code == 403, resp.text[:300]
    err = parse_error_xml(resp.content)
    assert err["Code"] == "AccessForbidden"
    assert "CORSResponse" in err["Message"]
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_preflight_without_configuration_or_origin(bucket):
    resp = preflight(bucket, "page.html", "http://www.example.test", "GET")
    assert resp.status_code == 403 and parse_error_xml(resp.content)["Code"] == "AccessForbidden"
    resp = requests.options(f"{ENDPOINT}/{bucket}/page.html", timeout=TIMEOUT)
    assert resp.status_code == 400 and parse_error_xml(resp.content)["Code"] == "BadRequest"


def test_cross_origin_answers_carry_cors_headers_on_success_and_error(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    s3.put_object(Bucket=bucket, Key="data.json", Body=b"{}", ACL="public-read", Metadata={"color": "blue"})
    resp = requests.get(f"{ENDPOINT}/{bucket}/data.json", headers={"Origin": "http://app.example.test"}, timeout=TIMEOUT)
    assert resp.status_code == 200 and resp.content == b"{}"
    assert resp.headers["Access-Control-Allow-Origin"] == "http://app.example.test"
    exposed = {x.strip().lower() for x in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"etag", "x-amz-meta-color"}
    assert "Origin" in resp.headers.get("Vary", "")
    # A refusal (the object is private) still carries the rule's headers, so the page can read it.
    s3.put_object(Bucket=bucket, Key="private.json", Body=b"{}")
    denied = requests.get(f"{ENDPOINT}/{bucket}/private.json", headers={"Origin": "http://app.example.test"}, timeout=TIMEOUT)
    assert denied.status_code == 403
    assert denied.headers["Access-Control-Allow-Origin"] == "http://app.example.test"
    # An origin no rule allows gets no CORS headers, but Vary still says they depend on Origin.
    other = requests.get(f"{ENDPOINT}/{bucket}/data.json", headers={"Origin": "http://evil.test"}, timeout=TIMEOUT)
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers.get("Vary", "")


def test_a_request_with_a_bad_signature_still_carries_cors_headers(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=RULES)
    forged = {
        "Origin": "http://app.example.test",
        "Authorization": "AWS4-HMAC-SHA256 Credential=S3EDGETESTUSERONE001/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
        "x-amz-date": "20260101T000000Z",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    }
    resp = requests.get(f"{ENDPOINT}/{bucket}/data.json", headers=forged, timeout=TIMEOUT)
    assert resp.status_code == 403, resp.text
    assert parse_error_xml(resp.content)["Code"] in ("SignatureDoesNotMatch", "RequestTimeTooSkewed")
    assert resp.headers["Access-Control-Allow-Origin"] == "http://app.example.test"
