"""A mixed load of 32 clients at once: PUT, GET, overwrite, DELETE and listings, bounded in
count (`S3EDGE_LOAD_OPS`, 2,000 by default; the recorded run in BENCHMARKS.md uses 10,000) and in
time, on loopback. Each client writes its own keys, so what every key must hold at the end is
known; every client reads and lists all of them while the others write. At the end: no
request failed, every live key reads back with the SHA-256 of its last write, the listing is
exactly the live keys, and after the cleanup pass R2 holds one blob per live object and nothing
else of the bucket.
"""

import hashlib
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

from s3e2e import ENDPOINT, INLINE_MAX, r2_names, sweep

CLIENTS = 32
OPS = int(os.environ.get("S3EDGE_LOAD_OPS", "2000"))
KEYS_PER_CLIENT = 8
DEADLINE_S = max(120, OPS // 10)


def body_for(client, n):
    rng = random.Random(client * 1_000_003 + n)
    return rng.randbytes(rng.choice([0, 1, 100, 4096, 20_000, 70_000]))


def test_32_clients_mixed_load_leaves_exactly_the_live_objects(bucket):
    s3 = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        config=Config(max_pool_connections=CLIENTS, retries={"max_attempts": 1}),
    )
    all_keys = [f"c{c:02d}/k{k}" for c in range(CLIENTS) for k in range(KEYS_PER_CLIENT)]
    failures = []
    counts = {"put": 0, "get": 0, "delete": 0, "list": 0}
    lock = threading.Lock()
    started = time.monotonic()

    def client(c):
        rng = random.Random(c)
        mine = [f"c{c:02d}/k{k}" for k in range(KEYS_PER_CLIENT)]
        expect = {}  # key -> sha256 of its last write, or None once deleted
        for n in range(OPS // CLIENTS):
            if time.monotonic() - started > DEADLINE_S:
                failures.append(f"client {c}: out of time after {n} operations")
                break
            roll = rng.random()
            try:
                if roll < 0.40:
                    key = rng.choice(mine)
                    data = body_for(c, n)
                    etag = s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"]
                    if etag != f'"{hashlib.md5(data).hexdigest()}"':
                        failures.append(f"PUT {key}: ETag {etag}")
                    expect[key] = hashlib.sha256(data).hexdigest()
                    op = "put"
                elif roll < 0.75:
                    key = rng.choice(mine if rng.random() < 0.5 else all_keys)
                    try:
                        got = s3.get_object(Bucket=bucket, Key=key)
                        data = got["Body"].read()
                        if got["ETag"] != f'"{hashlib.md5(data).hexdigest()}"':
                            failures.append(f"GET {key}: body does not match its ETag")
                        if key in mine and expect.get(key) != hashlib.sha256(data).hexdigest():
                            failures.append(f"GET {key}: not the last write")
                    except s3.exceptions.NoSuchKey:
                        if key in mine and expect.get(key) is not None:
                            failures.append(f"GET {key}: 404 after a write")
                    op = "get"
                elif roll < 0.92:
                    key = rng.choice(mine)
                    s3.delete_object(Bucket=bucket, Key=key)
                    expect[key] = None
                    op = "delete"
                else:
                    page = s3.list_objects_v2(Bucket=bucket, Prefix=f"c{rng.randrange(CLIENTS):02d}/")
                    for obj in page.get("Contents", []):
                        if obj["Key"] not in all_keys:
                            failures.append(f"LIST: unknown key {obj['Key']}")
                    op = "list"
            except Exception as exc:  # every answer must be the expected one
                failures.append(f"client {c} op {n}: {exc!r}")
                continue
            with lock:
                counts[op] += 1
        return expect

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        expectations = list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - started
    print(f"\n{sum(counts.values())} operations by {CLIENTS} clients in {elapsed:.1f} s: {counts}")
    assert not failures, failures[:20]
    assert sum(counts.values()) == (OPS // CLIENTS) * CLIENTS

    live = {k: sha for expect in expectations for k, sha in expect.items() if sha is not None}
    in_blobs = 0  # the live objects too large to be kept in their record
    for key, sha in live.items():
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(data).hexdigest() == sha, key
        in_blobs += len(data) > INLINE_MAX
    listed = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 100}):
        listed.update(o["Key"] for o in page.get("Contents", []))
    assert listed == set(live)

    time.sleep(2.5)  # the test server's cleanup grace is 2 s
    sweep()
    blobs = r2_names(f"blob/{bucket}/")
    assert len(blobs) == in_blobs, (len(blobs), in_blobs, len(live))
    # The KV store keeps an R2 listing-index entry per object; the Durable-Object store none.
    indexed = 0 if os.environ.get("S3EDGE_META_STORE") == "durable-object" else len(live)
    assert len(r2_names(f"index/{bucket}/")) == indexed
    assert r2_names(f"part/{bucket}/") == [] and r2_names(f"upload/{bucket}/") == []
