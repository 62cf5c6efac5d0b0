"""rclone at its default settings against s3edge (issue 7: rclone could not download a file).

rclone (Debian's, through the Go SDK) signs `Accept-Encoding: gzip` on every GET, uploads files
above its 200 MiB cutoff as multipart uploads of 5 MiB parts, and checks what it transferred by
MD5 (kept in `X-Amz-Meta-Md5chksum` for multipart objects). The remote is configured through
rclone's environment variables only; `AWS_CA_BUNDLE`, which these machines may set, is left out
(rclone refuses it on a plain-http endpoint).
"""

import filecmp
import os
import shutil
import subprocess

import pytest

from s3e2e import ENDPOINT, REGION, USER1, new_bucket_name

RCLONE = shutil.which("rclone")
pytestmark = pytest.mark.skipif(RCLONE is None, reason="rclone is not installed")
BIG = 210 * 1024 * 1024  # above rclone's default upload cutoff (200 MiB)


def rclone(*args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("RCLONE_")}
    env.update(
        RCLONE_CONFIG_EDGE_TYPE="s3",
        RCLONE_CONFIG_EDGE_PROVIDER="Other",
        RCLONE_CONFIG_EDGE_ACCESS_KEY_ID=USER1[0],
        RCLONE_CONFIG_EDGE_SECRET_ACCESS_KEY=USER1[1],
        RCLONE_CONFIG_EDGE_ENDPOINT=ENDPOINT,
        RCLONE_CONFIG_EDGE_REGION=REGION,
        RCLONE_CONFIG=os.devnull,
    )
    done = subprocess.run([RCLONE, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, f"rclone {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done


def _write_tree(root):
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "docs" / "readme.txt").write_text("hello from rclone\n" * 500)
    (root / "docs" / "deep" / "data.json").write_text('{"a": 1}\n')
    (root / "docs" / "notes with spaces & symbols+.md").write_text("# notes\n" * 100)
    (root / "empty.bin").write_bytes(b"")
    with open(root / "big.bin", "wb") as f:
        block = os.urandom(1024 * 1024)
        for i in range(BIG // len(block)):
            f.write(bytes([i % 256]) + block[1:])


def _same_tree(a, b):
    cmp = filecmp.dircmp(a, b)
    assert not cmp.left_only and not cmp.right_only and not cmp.diff_files, (
        cmp.left_only, cmp.right_only, cmp.diff_files)
    for sub in cmp.common_dirs:
        _same_tree(a / sub, b / sub)
    for name in cmp.common_files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rclone_mkdir_copy_check_sync_ls_purge(tmp_path, s3):
    bucket = new_bucket_name("rc")
    src, back = tmp_path / "src", tmp_path / "back"
    src.mkdir()
    _write_tree(src)

    rclone("mkdir", f"edge:{bucket}")
    assert any(b["Name"] == bucket for b in s3.list_buckets()["Buckets"])

    rclone("copy", str(src), f"edge:{bucket}/tree")
    big = s3.head_object(Bucket=bucket, Key="tree/big.bin")
    assert big["ContentLength"] == BIG
    assert big["ETag"].strip('"').endswith("-42"), big["ETag"]  # 210 MiB in 5 MiB parts
    rclone("check", str(src), f"edge:{bucket}/tree")

    rclone("copy", f"edge:{bucket}/tree", str(back))
    _same_tree(src, back)

    listed = rclone("ls", f"edge:{bucket}/tree").stdout
    sizes = {line.split(maxsplit=1)[1]: int(line.split()[0]) for line in listed.splitlines()}
    assert sizes["big.bin"] == BIG
    assert sizes["docs/readme.txt"] == len("hello from rclone\n" * 500)
    assert "docs/notes with spaces & symbols+.md" in sizes

    (src / "docs" / "readme.txt").unlink()
    (src / "added.txt").write_text("new\n")
    rclone("sync", str(src), f"edge:{bucket}/tree")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="tree/")["Contents"]}
    assert "tree/docs/readme.txt" not in keys
    assert "tree/added.txt" in keys
    rclone("check", str(src), f"edge:{bucket}/tree")

    rclone("purge", f"edge:{bucket}")
    assert all(b["Name"] != bucket for b in s3.list_buckets()["Buckets"])
