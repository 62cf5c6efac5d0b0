"""Website configuration (issue 9, second part): PutBucketWebsite / GetBucketWebsite /
DeleteBucketWebsite through boto3 and `aws s3 website`, S3's validation, and
`x-amz-website-redirect-location` on objects. (The website endpoint that serves it comes next.)"""

import os
import subprocess

import pytest
from botocore.exceptions import ClientError

from s3e2e import ENDPOINT, REGION, error_code

CONFIG = {
    "IndexDocument": {"Suffix": "index.html"},
    "ErrorDocument": {"Key": "404.html"},
    "RoutingRules": [
        {"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/"}},
        {
            "Condition": {"HttpErrorCodeReturnedEquals": "404"},
            "Redirect": {"HostName": "example.test", "Protocol": "https", "HttpRedirectCode": "302", "ReplaceKeyWith": "missing.html"},
        },
    ],
}


def failure(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value


def test_website_configuration_round_trip_and_delete(s3, bucket):
    assert error_code(failure(s3.get_bucket_website, Bucket=bucket)) == "NoSuchWebsiteConfiguration"
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=CONFIG)
    got = s3.get_bucket_website(Bucket=bucket)
    for field in ("IndexDocument", "ErrorDocument", "RoutingRules"):
        assert got[field] == CONFIG[field], field
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "www.example.test", "Protocol": "https"}})
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["RedirectAllRequestsTo"] == {"HostName": "www.example.test", "Protocol": "https"}
    assert "IndexDocument" not in got
    s3.delete_bucket_website(Bucket=bucket)
    assert error_code(failure(s3.get_bucket_website, Bucket=bucket)) == "NoSuchWebsiteConfiguration"


@pytest.mark.parametrize(
    "config",
    [
        {"ErrorDocument": {"Key": "404.html"}},  # no IndexDocument
        {"IndexDocument": {"Suffix": "dir/index.html"}},  # a slash in the suffix
        {"RedirectAllRequestsTo": {"HostName": "h.test"}, "IndexDocument": {"Suffix": "index.html"}},
        {"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [{"Redirect": {"HttpRedirectCode": "200"}}]},
        {"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [{"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"}}]},
    ],
)
def test_invalid_website_configurations_are_refused_and_change_nothing(s3, bucket, config):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=CONFIG)
    err = failure(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration=config)
    assert error_code(err) == "InvalidArgument", err.response
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == CONFIG["IndexDocument"]


def test_aws_s3_website_command(bucket, tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text(f"[default]\nregion = {REGION}\ns3 =\n    addressing_style = path\n")
    env = dict(os.environ, AWS_CONFIG_FILE=str(cfg), AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
    env.pop("AWS_PROFILE", None)
    run = lambda *args: subprocess.run(["aws", "--endpoint-url", ENDPOINT, *args], env=env, capture_output=True, text=True, timeout=120)
    p = run("s3", "website", f"s3://{bucket}", "--index-document", "index.html", "--error-document", "404.html")
    assert p.returncode == 0, (p.stdout, p.stderr)
    p = run("s3api", "get-bucket-website", "--bucket", bucket, "--output", "json")
    assert p.returncode == 0, p.stderr
    assert '"Suffix": "index.html"' in p.stdout and '"Key": "404.html"' in p.stdout


def test_website_redirect_location_on_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="old.html", Body=b"moved", WebsiteRedirectLocation="/new.html")
    assert s3.head_object(Bucket=bucket, Key="old.html")["WebsiteRedirectLocation"] == "/new.html"
    assert s3.get_object(Bucket=bucket, Key="old.html")["WebsiteRedirectLocation"] == "/new.html"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big.html", WebsiteRedirectLocation="https://example.test/big")
    part = s3.upload_part(Bucket=bucket, Key="big.html", UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(Bucket=bucket, Key="big.html", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.head_object(Bucket=bucket, Key="big.html")["WebsiteRedirectLocation"] == "https://example.test/big"
    err = failure(s3.put_object, Bucket=bucket, Key="bad.html", Body=b"x", WebsiteRedirectLocation="elsewhere")
    assert error_code(err) == "InvalidArgument"
    assert error_code(failure(s3.head_object, Bucket=bucket, Key="bad.html")) == "404"
