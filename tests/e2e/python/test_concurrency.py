"""Concurrent writes of one key through real clients, 32 at once.

On the Durable-Object metadata store every write over a key commits only if the key still holds
what the write read, atomically: exactly one of 32 `If-None-Match: *` uploads wins, a tag update
never undoes an overwrite, and concurrent appends at one position let one through. Workers KV has
no compare-and-swap, so on the KV store these are checked before writing, not atomically with it
(README, "Consistency model"); the tests that need atomicity run on the Durable-Object store only.
"""

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config

from s3e2e import ENDPOINT, error_code, make_appender, make_client

WRITERS = 32
ATOMIC = os.environ.get("S3EDGE_META_STORE") == "durable-object"
needs_atomic_store = pytest.mark.skipif(
    not ATOMIC, reason="atomic conditional writes need S3EDGE_META_STORE=durable-object"
)


@pytest.fixture(scope="module")
def wide():
    """boto3 with a connection for each writer and no retries (a retry would hide who won)."""
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        config=Config(max_pool_connections=WRITERS, retries={"max_attempts": 1}),
    )


def run_all(count, work):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(work, range(count)))


def outcome(call):
    try:
        return ("ok", call())
    except Exception as exc:  # botocore ClientError
        return ("error", error_code(exc))


@needs_atomic_store
def test_exactly_one_of_32_if_none_match_uploads_wins(wide, bucket):
    bodies = [f"writer {i} ".encode() * (i + 1) for i in range(WRITERS)]

    def put(i):
        return outcome(
            lambda: wide.put_object(Bucket=bucket, Key="contended", Body=bodies[i], IfNoneMatch="*")["ETag"]
        )

    results = run_all(WRITERS, put)
    winners = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
    losers = [value for kind, value in results if kind == "error"]
    assert len(winners) == 1, results
    assert losers == ["PreconditionFailed"] * (WRITERS - 1), results

    got = wide.get_object(Bucket=bucket, Key="contended")
    body = got["Body"].read()
    assert body == bodies[winners[0]]
    assert got["ETag"] == results[winners[0]][1] == f'"{hashlib.md5(body).hexdigest()}"'
    listed = wide.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listed] == [("contended", len(body), got["ETag"])]


@needs_atomic_store
def test_if_match_overwrites_race_one_winner_per_etag(wide, bucket):
    first = wide.put_object(Bucket=bucket, Key="k", Body=b"v0")["ETag"]

    def put(i):
        return outcome(lambda: wide.put_object(Bucket=bucket, Key="k", Body=f"v{i + 1}".encode(), IfMatch=first))

    results = run_all(WRITERS, put)
    assert [kind for kind, _ in results].count("ok") == 1, results
    assert sorted(v for kind, v in results if kind == "error") == ["PreconditionFailed"] * (WRITERS - 1)


def test_tagging_racing_overwrites_never_brings_back_an_old_version(wide, bucket):
    """Half the writers overwrite the key, half tag it; the last overwrite's bytes stay readable
    and every tag update lands on some version instead of restoring an overwritten one."""
    wide.put_object(Bucket=bucket, Key="k", Body=b"start")

    def work(i):
        if i % 2 == 0:
            return outcome(lambda: wide.put_object(Bucket=bucket, Key="k", Body=f"body {i}".encode()))
        return outcome(
            lambda: wide.put_object_tagging(
                Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "writer", "Value": str(i)}]}
            )
        )

    results = run_all(WRITERS, work)
    errors = [v for kind, v in results if kind == "error"]
    # A tag update may lose a race eight times in a row (ConditionalRequestConflict); nothing else.
    assert set(errors) <= {"ConditionalRequestConflict"}, results
    got = wide.get_object(Bucket=bucket, Key="k")
    body = got["Body"].read()
    assert body.startswith(b"body ") or body == b"start", body
    assert got["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    if ATOMIC:
        assert body != b"start", "an overwrite was undone by a tag update"


@needs_atomic_store
def test_concurrent_appends_at_one_position_let_one_through(bucket):
    make_appender()(Bucket=bucket, Key="log", Body=b"head;", Position=0)
    # An appender keeps its position between signing and sending: one per writer.
    appenders = [make_appender() for _ in range(8)]

    def at_five(i):
        append = appenders[i]
        return outcome(lambda: append(Bucket=bucket, Key="log", Body=f"writer {i};".encode(), Position=5))

    results = run_all(8, at_five)
    assert [kind for kind, _ in results].count("ok") == 1, results
    assert sorted(v for kind, v in results if kind == "error") == ["PositionNotEqualToLength"] * 7
    winner = next(i for i, (kind, _) in enumerate(results) if kind == "ok")
    assert s3_body(bucket, "log") == f"head;writer {winner};".encode()


def s3_body(bucket, key):
    return make_client().get_object(Bucket=bucket, Key=key)["Body"].read()
