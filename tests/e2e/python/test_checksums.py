import base64
import hashlib
import zlib

import pytest
from botocore.exceptions import ClientError

from s3e2e import (
    CHECKSUM_FUNCS,
    botocore_can_compute,
    error_code,
    http_status,
    md5_hex,
    resp_headers,
    signed_request,
)

BODY = b"The quick brown fox jumps over the lazy dog\n" * 1000


def test_default_put_sends_crc32_and_it_is_returned(s3, bucket):
    expected = base64.b64encode(zlib.crc32(BODY).to_bytes(4, "big")).decode()
    put = s3.put_object(Bucket=bucket, Key="k", Body=BODY)  # boto3 defaults: CRC32
    assert put.get("ChecksumCRC32") == expected
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == expected
    assert got["Body"].read() == BODY  # botocore also validates the body against it
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected


def test_checksum_not_returned_without_checksum_mode(s3, bucket):
    # boto3's get_object sends x-amz-checksum-mode: ENABLED by default, so the
    # GET without it is sent by hand; head_object does not send it.
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    r = signed_request("GET", f"/{bucket}/k")
    assert r.status_code == 200
    assert r.content == BODY
    assert not [h for h in r.headers if h.lower().startswith("x-amz-checksum-") and h.lower() != "x-amz-checksum-type"]
    head = s3.head_object(Bucket=bucket, Key="k")
    assert not any(h.startswith("x-amz-checksum-") and h != "x-amz-checksum-type" for h in resp_headers(head))
    r = signed_request("GET", f"/{bucket}/k", headers={"x-amz-checksum-mode": "ENABLED"})
    assert r.headers.get("x-amz-checksum-crc32") == CHECKSUM_FUNCS["CRC32"](BODY)


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA1", "CRC32C", "CRC64NVME", "CRC32"])
def test_put_with_checksum_algorithm(s3, bucket, algorithm):
    expected = CHECKSUM_FUNCS[algorithm](BODY)
    kwargs = {"ChecksumAlgorithm": algorithm}
    if not botocore_can_compute(algorithm):
        # CRC32C / CRC64NVME need awscrt in botocore; send the value we computed
        kwargs[f"Checksum{algorithm}"] = expected
    put = s3.put_object(Bucket=bucket, Key="k", Body=BODY, **kwargs)
    assert put.get(f"Checksum{algorithm}") == expected
    assert put["ETag"] == f'"{md5_hex(BODY)}"'
    field = f"Checksum{algorithm}"
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got.get(field) == expected
    assert got["Body"].read() == BODY
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head.get(field) == expected
    # only the algorithm the object was stored with is reported
    others = [a for a in CHECKSUM_FUNCS if a != algorithm]
    assert not any(head.get(f"Checksum{a}") for a in others)


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA1", "CRC32C", "CRC64NVME", "CRC32"])
def test_mismatching_checksum_rejected_object_unchanged(s3, seed, bucket, algorithm):
    seed.put_object(Bucket=bucket, Key="k", Body=b"previous content")
    wrong = CHECKSUM_FUNCS[algorithm](b"something else entirely")
    with pytest.raises(ClientError) as ei:
        s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm=algorithm, **{f"Checksum{algorithm}": wrong})
    assert error_code(ei.value) == "BadDigest"
    assert http_status(ei.value) == 400
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"previous content"


def test_checksum_of_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"", ChecksumAlgorithm="SHA256")
    head = s3.head_object(Bucket=bucket, Key="empty", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert head["ContentLength"] == 0


def test_overwrite_replaces_checksum(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one", ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two", ChecksumAlgorithm="SHA1")
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head.get("ChecksumSHA1") == CHECKSUM_FUNCS["SHA1"](b"two")
    assert not head.get("ChecksumSHA256")
