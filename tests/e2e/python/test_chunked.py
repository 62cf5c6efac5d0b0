"""aws-chunked request bodies, built by hand.

boto3 over plain http sends an ordinary body, but the same SDKs over https
(and JS v3, aws-cli v2, Java, Go, mc...) send `Content-Encoding: aws-chunked`
with either unsigned chunks + a checksum trailer or SigV4-signed chunks.
"""

import os

import pytest

from s3e2e import (
    CHECKSUM_FUNCS,
    amz_now,
    assert_s3_error,
    aws_chunked_signed,
    aws_chunked_unsigned_trailer,
    crc32_b64,
    md5_hex,
    send,
    sign_headers,
)

DATA = os.urandom(200_000)


def _put_unsigned_trailer(bucket, key, data, algorithm, value, chunk=65536, transfer_chunked=False):
    trailer = f"x-amz-checksum-{algorithm.lower()}"
    body = aws_chunked_unsigned_trailer(data, chunk, trailer, value)
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": trailer,
        "x-amz-sdk-checksum-algorithm": algorithm,
    }
    h, _, _, _ = sign_headers("PUT", f"/{bucket}/{key}", None, headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    del h["host"]
    if transfer_chunked:
        # no Content-Length: requests sends Transfer-Encoding: chunked, like
        # botocore does over https
        def gen():
            for i in range(0, len(body), 10_000):
                yield body[i : i + 10_000]

        return send("PUT", f"/{bucket}/{key}", None, h, gen())
    return send("PUT", f"/{bucket}/{key}", None, h, body)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_unsigned_trailer_checksum(s3, bucket, algorithm):
    value = CHECKSUM_FUNCS[algorithm](DATA)
    r = _put_unsigned_trailer(bucket, "obj", DATA, algorithm, value)
    assert r.status_code == 200, r.content
    assert r.content == b""
    assert r.headers["ETag"] == f'"{md5_hex(DATA)}"'
    got = s3.get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got["ContentLength"] == len(DATA)
    assert got.get(f"Checksum{algorithm}") == value
    # aws-chunked is a transfer detail, not a stored Content-Encoding
    assert "aws-chunked" not in (got.get("ContentEncoding") or "")


def test_unsigned_trailer_with_transfer_encoding_chunked(s3, bucket):
    value = crc32_b64(DATA)
    r = _put_unsigned_trailer(bucket, "obj", DATA, "CRC32", value, chunk=8192, transfer_chunked=True)
    assert r.status_code == 200, r.content
    got = s3.get_object(Bucket=bucket, Key="obj", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got["ChecksumCRC32"] == value


def test_unsigned_trailer_bad_checksum_keeps_previous(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="obj", Body=b"previous")
    r = _put_unsigned_trailer(bucket, "obj", DATA, "CRC32", crc32_b64(b"wrong"))
    assert_s3_error(r, 400, "BadDigest")
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"previous"


def test_unsigned_trailer_empty_body(s3, bucket):
    r = _put_unsigned_trailer(bucket, "empty", b"", "CRC32", crc32_b64(b""))
    assert r.status_code == 200, r.content
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["ContentLength"] == 0
    assert got["ETag"] == f'"{md5_hex(b"")}"'


def _put_signed_chunks(bucket, key, data, chunk=65536, corrupt_chunk=-1):
    amz_date = amz_now()
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
        "content-type": "application/x-test",
    }
    h, seed_sig, key_bytes, scope = sign_headers(
        "PUT", f"/{bucket}/{key}", None, headers, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", amz_date=amz_date
    )
    del h["host"]
    body = aws_chunked_signed(data, chunk, seed_sig, key_bytes, amz_date, scope, corrupt_chunk)
    return send("PUT", f"/{bucket}/{key}", None, h, body)


def test_signed_chunks(s3, bucket):
    r = _put_signed_chunks(bucket, "obj", DATA)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == f'"{md5_hex(DATA)}"'
    got = s3.get_object(Bucket=bucket, Key="obj")
    assert got["Body"].read() == DATA
    assert got["ContentType"] == "application/x-test"
    assert "aws-chunked" not in (got.get("ContentEncoding") or "")


def test_signed_chunks_bad_chunk_signature(s3, seed, bucket):
    seed.put_object(Bucket=bucket, Key="obj", Body=b"previous")
    r = _put_signed_chunks(bucket, "obj", DATA, corrupt_chunk=1)
    assert_s3_error(r, 403, "SignatureDoesNotMatch")
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"previous"
