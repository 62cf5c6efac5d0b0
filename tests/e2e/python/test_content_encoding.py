"""Content-Encoding is stored as the client wrote it, less the `aws-chunked` token (framing of
the request body, not an encoding of the object): `deflate, gzip` stays `deflate, gzip`,
`aws-chunked, gzip` becomes `gzip`, and `aws-chunked` alone stores no Content-Encoding."""

import os

import pytest

from s3e2e import (
    aws_chunked_unsigned_trailer,
    crc32_b64,
    md5_hex,
    multipart_etag,
    send,
    sign_headers,
)

DATA = os.urandom(100_000)


def stored_encodings(s3, bucket, key):
    """The Content-Encoding of GET and of HEAD (None when absent)."""
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == DATA
    head = s3.head_object(Bucket=bucket, Key=key)
    return got.get("ContentEncoding"), head.get("ContentEncoding")


def put_aws_chunked(bucket, key, data, content_encoding, query=None):
    """A PUT whose body is aws-chunked with a CRC32 trailer (as SDKs send it over https),
    carrying `content_encoding` as its Content-Encoding."""
    trailer = "x-amz-checksum-crc32"
    headers = {
        "content-encoding": content_encoding,
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": trailer,
        "x-amz-sdk-checksum-algorithm": "CRC32",
    }
    path = f"/{bucket}/{key}"
    h, _, _, _ = sign_headers("PUT", path, query, headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    del h["host"]
    body = aws_chunked_unsigned_trailer(data, 65536, trailer, crc32_b64(data))
    r = send("PUT", path, query, h, body)
    assert r.status_code == 200, r.content[:300]
    assert r.headers["ETag"] == f'"{md5_hex(data)}"'
    return r


@pytest.mark.parametrize("encoding", ["gzip", "deflate, gzip", "deflate,gzip", "br,  identity"])
def test_put_object_content_encoding_round_trip(s3, bucket, encoding):
    s3.put_object(Bucket=bucket, Key="k", Body=DATA, ContentEncoding=encoding)
    assert stored_encodings(s3, bucket, "k") == (encoding, encoding)


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("aws-chunked", None),
        ("aws-chunked, gzip", "gzip"),
        ("aws-chunked,deflate, gzip", "deflate, gzip"),
        ("deflate, aws-chunked, gzip", "deflate, gzip"),
    ],
)
def test_aws_chunked_put_stores_encoding_less_aws_chunked(s3, bucket, sent, stored):
    put_aws_chunked(bucket, "k", DATA, sent)
    assert stored_encodings(s3, bucket, "k") == (stored, stored)


@pytest.mark.parametrize(
    "sent, stored",
    [("deflate, gzip", "deflate, gzip"), ("aws-chunked, gzip", "gzip"), ("aws-chunked", None)],
)
def test_multipart_content_encoding_from_create(s3, bucket, sent, stored):
    # The encoding is the CreateMultipartUpload's; an aws-chunked UploadPart (whose own
    # Content-Encoding is only framing) does not change it.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k", ContentEncoding=sent)["UploadId"]
    put_aws_chunked(bucket, "k", DATA, "aws-chunked", [("partNumber", "1"), ("uploadId", uid)])
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": f'"{md5_hex(DATA)}"'}]},
    )
    assert done["ETag"] == multipart_etag([DATA])
    assert stored_encodings(s3, bucket, "k") == (stored, stored)
