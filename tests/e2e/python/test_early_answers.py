"""Answers the Worker gives before reading a body reach the client at once (issue 7, item 3).

A PUT of 8 or 100 MiB that the Worker refuses on its head alone (missing bucket, bad signature,
unsupported header, and authorization: anonymous, or another account without a grant) must get its S3 error in well under a second, whatever the body's size:
- without `Expect: 100-continue` the client sends the whole body, gets the error, and the same
  kept-alive connection serves the next request;
- with it, the client gets the error instead of `100 Continue`, never sends the body, and is
  told the connection closes (RFC 9110 §10.1.1).
The broken path waited 62 s and answered 502, so a 10 s client timeout tells one from the other.
"""

import http.client
import socket
import time
import uuid
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

from s3e2e import ENDPOINT, MIB, USER1, USER2, encode_path, host_header, make_client, parse_error_xml, sign_headers

TIMEOUT = 10
SIZES = [8 * MIB, 100 * MIB]
REASONS = {
    "missing bucket": (404, "NoSuchBucket"),
    "bad signature": (403, "SignatureDoesNotMatch"),
    "unsupported header": (501, "NotImplemented"),
    # Refused by authorization (issue 8): no grant lets them write the bucket.
    "anonymous": (403, "AccessDenied"),
    "other account": (403, "AccessDenied"),
}


def _address():
    u = urlparse(ENDPOINT)
    return u.hostname, u.port


def _refused_put(reason, bucket, size, expect):
    """(path, headers) of a PUT refused for `reason`."""
    key = f"early-{uuid.uuid4().hex[:8]}"
    path = f"/{bucket}/{key}"
    creds = USER1
    extra = {"content-length": str(size)}
    if reason == "missing bucket":
        path = f"/no-such-{uuid.uuid4().hex[:8]}/{key}"
    elif reason == "bad signature":
        creds = (USER1[0], "not-the-secret-at-all-000000000000000000")
    elif reason == "unsupported header":
        extra["x-amz-server-side-encryption-customer-algorithm"] = "AES256"
    elif reason == "other account":
        creds = USER2
    if reason == "anonymous":
        headers = {"host": host_header(), **extra}
    else:
        headers, _, _, _ = sign_headers("PUT", path, None, extra, "UNSIGNED-PAYLOAD", creds)
    if expect:
        headers["expect"] = "100-continue"
    return path, headers


class _Body:
    """A body of `size` bytes, produced in 1 MiB blocks (never held whole)."""

    def __init__(self, size):
        self.size = size

    def __iter__(self):
        block = b"x" * MIB
        left = self.size
        while left > 0:
            n = min(left, MIB)
            yield block[:n]
            left -= n


def _assert_s3_error(status, body, expected):
    want_status, want_code = expected
    assert status == want_status, (status, body[:300])
    err = parse_error_xml(body)
    assert err["Code"] == want_code, body[:300]
    assert err["RequestId"]


def _key_absent(s3, bucket, path):
    key = path.split("/", 2)[2]
    with pytest.raises(ClientError) as err:
        s3.head_object(Bucket=bucket, Key=key)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("size", SIZES, ids=["8MiB", "100MiB"])
@pytest.mark.parametrize("reason", list(REASONS))
def test_refusal_without_expect_is_answered_and_the_connection_kept(s3, bucket, reason, size):
    path, headers = _refused_put(reason, bucket, size, expect=False)
    host, port = _address()
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
    started = time.monotonic()
    conn.putrequest("PUT", encode_path(path), skip_host=True, skip_accept_encoding=True)
    conn.putheader("host", headers.pop("host"))
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    for block in _Body(size):
        conn.send(block)
    answer = conn.getresponse()
    body = answer.read()
    elapsed = time.monotonic() - started
    _assert_s3_error(answer.status, body, REASONS[reason])
    assert elapsed < TIMEOUT, f"answered after {elapsed:.1f} s"
    print(f"{reason}, {size // MIB} MiB, no Expect: {answer.status} in {elapsed * 1000:.0f} ms")
    assert not answer.will_close, "the front closed a connection it could keep"
    sock = conn.sock
    # The same connection serves the next request.
    get_headers, _, _, _ = sign_headers("GET", f"/{bucket}", [("list-type", "2")], {}, "UNSIGNED-PAYLOAD")
    conn.request("GET", f"/{bucket}?list-type=2", headers=get_headers)
    listing = conn.getresponse()
    assert listing.status == 200, listing.read()[:300]
    assert b"<ListBucketResult" in listing.read()
    assert conn.sock is sock, "the next request needed a new connection"
    conn.close()
    if reason != "missing bucket":
        _key_absent(s3, bucket, path)


def _read_answer(sock):
    """Reads one HTTP answer from a raw socket: (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before an answer: {data!r}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    return status, headers, rest[:length]


@pytest.mark.parametrize("size", SIZES, ids=["8MiB", "100MiB"])
@pytest.mark.parametrize("reason", list(REASONS))
def test_refusal_with_expect_comes_instead_of_100_continue(s3, bucket, reason, size):
    path, headers = _refused_put(reason, bucket, size, expect=True)
    started = time.monotonic()
    with socket.create_connection(_address(), timeout=TIMEOUT) as sock:
        request = f"PUT {encode_path(path)} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(request.encode() + b"\r\n")
        status, answer_headers, body = _read_answer(sock)
        elapsed = time.monotonic() - started
        assert status != 100, "the front said 100 Continue to a request the Worker refuses"
        _assert_s3_error(status, body, REASONS[reason])
        assert elapsed < TIMEOUT
        print(f"{reason}, {size // MIB} MiB, Expect: {status} in {elapsed * 1000:.0f} ms")
        assert answer_headers.get("connection") == "close"
        assert sock.recv(65536) == b"", "the front kept a connection whose body it will not read"
    # The client's next request (on a new connection, as announced) works.
    s3.put_object(Bucket=bucket, Key="after-refusal", Body=b"next")
    assert s3.get_object(Bucket=bucket, Key="after-refusal")["Body"].read() == b"next"
    if reason != "missing bucket":
        _key_absent(s3, bucket, path)


def test_expect_on_an_accepted_put_gets_100_continue_then_stores_the_body(s3, bucket):
    body = b"0123456789" * 100_000
    path = f"/{bucket}/expected"
    headers, _, _, _ = sign_headers("PUT", path, None, {"content-length": str(len(body))}, "UNSIGNED-PAYLOAD")
    headers["expect"] = "100-continue"
    with socket.create_connection(_address(), timeout=TIMEOUT) as sock:
        request = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(request.encode() + b"\r\n")
        interim = b""
        while b"\r\n\r\n" not in interim:
            chunk = sock.recv(4096)
            assert chunk
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.sendall(body)
        status, _, answer = _read_answer(sock)
        assert status == 200, answer[:300]
    assert s3.get_object(Bucket=bucket, Key="expected")["Body"].read() == body


@pytest.mark.parametrize("size", SIZES, ids=["8MiB", "100MiB"])
def test_boto3_put_to_a_missing_bucket_fails_at_once(s3, bucket, size):
    """boto3 sends `Expect: 100-continue` on PutObject: the refusal comes before the body."""
    client = make_client()
    started = time.monotonic()
    with pytest.raises(ClientError) as err:
        client.put_object(Bucket=f"no-such-{uuid.uuid4().hex[:8]}", Key="k", Body=b"y" * size)
    elapsed = time.monotonic() - started
    assert err.value.response["Error"]["Code"] == "NoSuchBucket"
    assert elapsed < TIMEOUT, f"{elapsed:.1f} s"
    print(f"boto3, {size // MIB} MiB to a missing bucket: NoSuchBucket in {elapsed * 1000:.0f} ms")
    client.put_object(Bucket=bucket, Key="then", Body=b"works")
    assert client.get_object(Bucket=bucket, Key="then")["Body"].read() == b"works"
