"""Virtual-hosted-style addressing: the bucket in the Host header (`<bucket>.<S3EDGE_BASE_DOMAIN>`).

The harness serves the Worker with S3EDGE_BASE_DOMAIN set; requests are signed by botocore for
the virtual host and sent to the loopback address with that Host header (no DNS needed).
"""
import os
from urllib.parse import urlparse

import boto3
import pytest
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest

from s3e2e import ENDPOINT, md5_hex

BASE_DOMAIN = os.environ.get("S3EDGE_BASE_DOMAIN")
pytestmark = pytest.mark.skipif(not BASE_DOMAIN, reason="S3EDGE_BASE_DOMAIN is not set")


def send(method, bucket, path, body=b"", query=""):
    port = urlparse(ENDPOINT).port
    host = f"{bucket}.{BASE_DOMAIN}:{port}"
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(boto3.Session().get_credentials(), "s3", "us-east-1").add_auth(request)
    headers = dict(request.headers)
    headers["Host"] = host
    target = f"{ENDPOINT}{path}" + (f"?{query}" if query else "")
    return requests.request(method, target, headers=headers, data=body, timeout=30)


def test_virtual_hosted_style_put_get_list(s3, bucket):
    put = send("PUT", bucket, "/dir/hello.txt", b"virtual host")
    assert put.status_code == 200, put.text
    assert put.headers["ETag"] == f'"{md5_hex(b"virtual host")}"'

    # The same object through path style.
    assert s3.get_object(Bucket=bucket, Key="dir/hello.txt")["Body"].read() == b"virtual host"

    got = send("GET", bucket, "/dir/hello.txt")
    assert got.status_code == 200 and got.content == b"virtual host"

    listing = send("GET", bucket, "/", query="list-type=2&prefix=dir%2F")
    assert listing.status_code == 200
    assert "<Key>dir/hello.txt</Key>" in listing.text
    assert f"<Name>{bucket}</Name>" in listing.text

    missing = send("GET", bucket, "/nope")
    assert missing.status_code == 404 and "<Code>NoSuchKey</Code>" in missing.text
