"""A kept-alive connection that sat idle after large transfers still carries the next request
(the local front once reused its workerd connection, which workerd had dropped meanwhile: the
next PUT's body went nowhere and the client saw its connection reset)."""

import hashlib
import http.client
import os
import time
from urllib.parse import urlparse

from s3e2e import ENDPOINT, MIB, sign_headers

SIZE = 64 * MIB
IDLE_SECONDS = 8


def test_an_idle_connection_after_large_transfers_serves_the_next_put(bucket):
    u = urlparse(ENDPOINT)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    body = os.urandom(SIZE)
    digest = hashlib.sha256(body).hexdigest()

    def exchange(method, key, payload=None):
        path = f"/{bucket}/{key}"
        headers, *_ = sign_headers(method, path, None, {"content-length": str(len(payload or b""))} if payload else {}, "UNSIGNED-PAYLOAD")
        conn.request(method, path, body=payload, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()

    for round_ in range(2):
        status, _ = exchange("PUT", f"big-{round_}", body)
        assert status == 200, f"round {round_}: PUT answered {status}"
        status, got = exchange("GET", f"big-{round_}")
        assert status == 200 and hashlib.sha256(got).hexdigest() == digest, f"round {round_}: GET"
        time.sleep(IDLE_SECONDS)
    status, _ = exchange("PUT", "after-idle", b"x" * 4096)
    assert status == 200
    conn.close()


def test_an_empty_put_keeps_the_connection_readable_for_boto3(bucket):
    """boto3 asks `Expect: 100-continue` for every PutObject, an empty one too. A final answer
    that comes while it waits is kept on the connection as the status of its next answer as well
    (botocore's AWSConnection), so the front answers `100 Continue` to empty bodies too: on one
    kept-alive connection, each PUT after an empty one must still read its own headers."""
    import boto3
    from botocore.config import Config

    one_connection = boto3.client(
        "s3", endpoint_url=ENDPOINT, config=Config(max_pool_connections=1, retries={"max_attempts": 1})
    )
    for i, body in enumerate([b"", b"after the empty one", b"", b"", b"x" * 4096]):
        answer = one_connection.put_object(Bucket=bucket, Key=f"k{i}", Body=body)
        assert answer["ETag"] == f'"{hashlib.md5(body).hexdigest()}"', (i, answer["ResponseMetadata"])
