"""What s3edge leaves in R2: part blobs, upload records, object blobs and the
listing index, counted through the harness's local test hooks
(`GET /__s3edge/r2?prefix=`, `POST /__s3edge/sweep`).

R2 layout: object blobs under `blob/<bucket>/`, multipart part blobs under
`part/<bucket>/`, in-progress upload records under `upload/<bucket>/`, the
listing index under `index/<bucket>/`. The test server runs with a cleanup
grace of 2 s and an upload expiry of 4 s.
"""

import os
import time

from s3e2e import INLINE_MAX, MIB, blob_sized, make_appender, r2_names, sweep

GRACE = 2
UPLOAD_EXPIRY = 4
PREFIXES = ("blob", "part", "upload", "index")


def count(kind, bucket):
    return len(r2_names(f"{kind}/{bucket}/"))


def eventually(kind, bucket, expected, timeout=5.0):
    """The count under `kind/<bucket>/` once it reaches `expected` (deletes
    the Worker finishes after answering may take a moment), else the last."""
    deadline = time.monotonic() + timeout
    while True:
        n = count(kind, bucket)
        if n == expected or time.monotonic() > deadline:
            return n
        time.sleep(0.2)


def counts(bucket):
    return {kind: count(kind, bucket) for kind in PREFIXES}


def multipart(s3, bucket, key, parts, use=None):
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    done = []
    for n, data in enumerate(parts, 1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=data)["ETag"]
        done.append({"PartNumber": n, "ETag": etag})
    if use is not None:
        done = [done[i] for i in use]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={"Parts": done})
    return done


def test_hooks_answer():
    assert isinstance(r2_names("no-such-prefix-at-all/"), list)
    assert r2_names("no-such-prefix-at-all/") == []
    assert sweep()["runs"] >= 1


def test_abandoned_upload_is_swept(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="abandoned")["UploadId"]
    for n in (1, 2):
        s3.upload_part(Bucket=bucket, Key="abandoned", UploadId=uid, PartNumber=n, Body=b"part %d" % n)
    assert count("part", bucket) == 2
    assert count("upload", bucket) == 1
    assert count("upload-index", bucket) == 1
    # a sweep before the expiry leaves a live upload alone
    sweep()
    assert count("part", bucket) == 2
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [uid]

    time.sleep(UPLOAD_EXPIRY + 1.5)
    sweep()
    assert count("part", bucket) == 0
    assert count("upload", bucket) == 0
    assert count("upload-index", bucket) == 0
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_abort_removes_parts_at_once(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for n in (1, 2, 3):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=b"x" * n)
    assert count("part", bucket) == 3
    assert count("upload", bucket) == 1
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert eventually("part", bucket, 0) == 0
    assert eventually("upload", bucket, 0) == 0


def test_replaced_part_blob_is_removed(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"first")
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"second")
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"other")
    time.sleep(GRACE + 0.5)
    sweep()
    assert count("part", bucket) == 2
    assert [p["Size"] for p in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]] == [6, 5]


def test_complete_keeps_only_listed_parts_and_delete_removes_them(s3, bucket):
    multipart(s3, bucket, "k", [os.urandom(5 * MIB), b"second", b"third"], use=[0, 2])
    assert eventually("part", bucket, 2) == 2
    assert eventually("upload", bucket, 0) == 0
    assert s3.get_object(Bucket=bucket, Key="k")["ContentLength"] == 5 * MIB + 5

    s3.delete_object(Bucket=bucket, Key="k")
    assert eventually("part", bucket, 0) == 0
    assert eventually("blob", bucket, 0) == 0


def test_put_over_multipart_object_removes_parts(s3, bucket):
    multipart(s3, bucket, "k", [os.urandom(5 * MIB), b"tail"])
    assert count("part", bucket) == 2
    s3.put_object(Bucket=bucket, Key="k", Body=blob_sized(b"plain now"))
    assert eventually("part", bucket, 0) == 0
    assert eventually("blob", bucket, 1) == 1
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == blob_sized(b"plain now")


def test_overwrite_plain_object_keeps_one_blob(s3, bucket):
    for i in range(3):
        s3.put_object(Bucket=bucket, Key="k", Body=blob_sized(b"version %d" % i))
    time.sleep(GRACE + 0.5)
    sweep()
    assert count("blob", bucket) == 1
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == blob_sized(b"version 2")


def test_small_objects_are_kept_in_their_record_without_a_blob(s3, bucket):
    """At most INLINE_MAX bytes: no blob, whatever is done to the object; one byte more: one."""
    small, large = os.urandom(INLINE_MAX), os.urandom(INLINE_MAX + 1)
    s3.put_object(Bucket=bucket, Key="small", Body=small)
    s3.copy_object(Bucket=bucket, Key="small-copy", CopySource={"Bucket": bucket, "Key": "small"})
    s3.put_object_tagging(Bucket=bucket, Key="small", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    assert count("blob", bucket) == 0
    ranged = s3.get_object(Bucket=bucket, Key="small", Range="bytes=100-199")["Body"].read()
    assert ranged == small[100:200]
    assert s3.get_object(Bucket=bucket, Key="small-copy")["Body"].read() == small
    s3.put_object(Bucket=bucket, Key="large", Body=large)
    assert count("blob", bucket) == 1
    # Small over large retires the large object's blob; the objects read back whole.
    s3.put_object(Bucket=bucket, Key="large", Body=small)
    assert eventually("blob", bucket, 0) == 0
    time.sleep(GRACE + 0.5)
    sweep()
    for key in ("small", "small-copy", "large"):
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == small, key


def test_everything_gone_after_delete_and_sweep(s3, bucket):
    append = make_appender()
    s3.put_object(Bucket=bucket, Key="plain", Body=blob_sized(b"plain object"), Tagging="a=1")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "plain"})
    multipart(s3, bucket, "mp", [os.urandom(5 * MIB), b"tail"])
    s3.copy_object(Bucket=bucket, Key="mp-copy", CopySource={"Bucket": bucket, "Key": "mp"})
    position = 0
    for chunk in (b"one ", b"two ", b"three"):
        append(Bucket=bucket, Key="appended", Body=chunk, Position=position)
        position += len(chunk)
    s3.copy_object(Bucket=bucket, Key="appended-copy", CopySource={"Bucket": bucket, "Key": "appended"})
    # an in-progress upload too
    uid = s3.create_multipart_upload(Bucket=bucket, Key="pending")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="pending", UploadId=uid, PartNumber=1, Body=b"pending part")

    before = counts(bucket)
    assert before["blob"] >= 4, before  # plain, copy, mp-copy, appended-copy at least
    assert before["part"] >= 3, before  # two of "mp" and the pending one
    assert before["upload"] == 1, before
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["appended", "appended-copy", "copy", "mp", "mp-copy", "plain"]

    s3.abort_multipart_upload(Bucket=bucket, Key="pending", UploadId=uid)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    time.sleep(GRACE + 0.5)
    sweep()
    assert counts(bucket) == {kind: 0 for kind in PREFIXES}
