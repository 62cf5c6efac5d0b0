"""The S3 API served under a base path (S3EDGE_BASE_PATH, e.g. Alluxio's /api/v1/s3).

The harness runs a second Worker with the base path set and gives its endpoint, prefix
included, in S3EDGE_BASE_PATH_ENDPOINT; boto3 signs the full path.
"""
import os
from urllib.parse import urlparse

import boto3
import pytest
import requests
from botocore.config import Config

from s3e2e import assert_s3_error, new_bucket_name

ENDPOINT = os.environ.get("S3EDGE_BASE_PATH_ENDPOINT")
pytestmark = pytest.mark.skipif(not ENDPOINT, reason="S3EDGE_BASE_PATH_ENDPOINT is not set")


def test_operations_under_the_base_path():
    s3 = boto3.client("s3", endpoint_url=ENDPOINT, config=Config(s3={"addressing_style": "path"}))
    bucket = new_bucket_name("bp")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=b"under a base path")
    assert s3.get_object(Bucket=bucket, Key="docs/a.txt")["Body"].read() == b"under a base path"
    listed = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["docs/"]
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    # Without the prefix the request names no S3 resource of this server.
    parsed = urlparse(ENDPOINT)
    outside = requests.get(f"{parsed.scheme}://{parsed.netloc}/{bucket}/docs/a.txt", timeout=30)
    assert_s3_error(outside, 400, "InvalidRequest")

    s3.delete_object(Bucket=bucket, Key="docs/a.txt")
    s3.delete_bucket(Bucket=bucket)
