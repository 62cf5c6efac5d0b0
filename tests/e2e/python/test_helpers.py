"""Self-checks of the hand-written protocol helpers (no server needed): the
raw-request tests are only as good as these."""

import hashlib
import re
import zlib

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import s3e2e


def test_sigv4_signer_matches_botocore():
    creds = ("AKIDEXAMPLE", "secret/EXAMPLE+key")
    body = b"hello"
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {"content-type": "text/plain", "x-amz-meta-x": "  a   b "}
    for path in ["/bkt/a b+c%/ü?#.txt", "/bkt/plain", "/", "/bkt/a//b/~x*'()"]:
        for query in [[("list-type", "2"), ("prefix", "a/b c"), ("start-after", "é+")], [], [("delete", "")]]:
            url = s3e2e.ENDPOINT + s3e2e.encode_path(path)
            if query:
                url += "?" + s3e2e.canonical_query(query)
            req = AWSRequest(method="PUT", url=url, data=body, headers=dict(headers))
            S3SigV4Auth(Credentials(*creds), "s3", "us-east-1").add_auth(req)
            _, sig, _, _ = s3e2e.sign_headers(
                "PUT", path, query, headers, payload_hash, creds, req.headers["X-Amz-Date"], region="us-east-1"
            )
            assert req.headers["Authorization"].endswith("Signature=" + sig), (path, query)


def test_chunk_signatures_match_aws_documentation_example():
    # The example of "Signature Calculations for the Authorization Header:
    # Transferring Payload in Multiple Chunks" in the Amazon S3 API reference.
    creds = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    amz_date = "20130524T000000Z"
    _, seed, key, scope = s3e2e.sign_headers(
        "PUT",
        "/examplebucket/chunkObject.txt",
        None,
        {
            "content-encoding": "aws-chunked",
            "content-length": "66824",
            "x-amz-decoded-content-length": "66560",
            "x-amz-storage-class": "REDUCED_REDUNDANCY",
        },
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        creds,
        amz_date,
        region="us-east-1",
        host="s3.amazonaws.com",
    )
    assert seed == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    body = s3e2e.aws_chunked_signed(b"a" * 66560, 65536, seed, key, amz_date, scope)
    assert len(body) == 66824
    assert re.findall(rb"chunk-signature=([0-9a-f]{64})", body) == [
        b"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        b"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        b"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]


def test_checksum_helpers_known_values():
    # published check values for "123456789"
    assert zlib.crc32(b"123456789") == 0xCBF43926
    assert s3e2e.crc32c(b"123456789") == 0xE3069283
    assert s3e2e.crc64nvme(b"123456789") == 0xAE8B14860A799888


def test_unsigned_trailer_body_layout():
    body = s3e2e.aws_chunked_unsigned_trailer(b"x" * 10, 4, "x-amz-checksum-crc32", "AAAAAA==")
    assert body == b"4\r\nxxxx\r\n4\r\nxxxx\r\n2\r\nxx\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
