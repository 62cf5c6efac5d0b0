"""The `aws` command (aws-cli) against s3edge. Files stay below 8 MiB so that
the CLI never switches to multipart uploads."""

import filecmp
import json
import os
import re

import pytest

from s3e2e import empty_and_delete_bucket, md5_hex, new_bucket_name


@pytest.fixture
def cli_bucket(s3):
    name = new_bucket_name("cli")
    yield name
    empty_and_delete_bucket(s3, name)


def out_lines(text):
    """Output lines without the CLI's progress lines (written with \r)."""
    lines = (ln.strip() for ln in re.split(r"[\r\n]+", text))
    return [ln for ln in lines if ln and not ln.startswith("Completed ")]


def write_tree(root, files):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def tree_files(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            full = os.path.join(dirpath, n)
            out[os.path.relpath(full, root)] = open(full, "rb").read()
    return out


def test_mb_cp_ls_rm_rb(aws, s3, cli_bucket, tmp_path):
    out = aws("s3", "mb", f"s3://{cli_bucket}").stdout
    assert f"make_bucket: {cli_bucket}" in out
    s3.head_bucket(Bucket=cli_bucket)

    src = tmp_path / "hello.txt"
    src.write_bytes(b"hello from aws-cli\n" * 1000)
    big = tmp_path / "five-mib.bin"
    big.write_bytes(os.urandom(5 * 1024 * 1024))

    out = aws("s3", "cp", "hello.txt", f"s3://{cli_bucket}/docs/hello.txt", cwd=tmp_path).stdout
    assert f"upload: ./hello.txt to s3://{cli_bucket}/docs/hello.txt" in out
    aws("s3", "cp", str(big), f"s3://{cli_bucket}/five-mib.bin")
    assert s3.head_object(Bucket=cli_bucket, Key="docs/hello.txt")["ETag"] == f'"{md5_hex(src.read_bytes())}"'
    assert s3.head_object(Bucket=cli_bucket, Key="five-mib.bin")["ETag"] == f'"{md5_hex(big.read_bytes())}"'

    down = tmp_path / "down.txt"
    aws("s3", "cp", f"s3://{cli_bucket}/docs/hello.txt", str(down))
    assert down.read_bytes() == src.read_bytes()
    down_big = tmp_path / "down.bin"
    aws("s3", "cp", f"s3://{cli_bucket}/five-mib.bin", str(down_big))
    assert filecmp.cmp(big, down_big, shallow=False)

    # bucket listing: one PRE line and one object line
    lines = aws("s3", "ls", f"s3://{cli_bucket}/").stdout.splitlines()
    assert len(lines) == 2, lines
    assert re.fullmatch(r"\s+PRE docs/", lines[0]), lines
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+5242880 five-mib\.bin", lines[1]), lines

    lines = aws("s3", "ls", f"s3://{cli_bucket}/docs/").stdout.splitlines()
    assert len(lines) == 1, lines
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+19000 hello\.txt", lines[0]), lines

    lines = aws("s3", "ls", f"s3://{cli_bucket}", "--recursive").stdout.splitlines()
    assert [ln.split()[-1] for ln in lines] == ["docs/hello.txt", "five-mib.bin"]

    buckets = aws("s3", "ls").stdout.splitlines()
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d " + re.escape(cli_bucket), ln) for ln in buckets), buckets

    # rb refuses a non-empty bucket
    p = aws("s3", "rb", f"s3://{cli_bucket}", check=False)
    assert p.returncode != 0
    assert "BucketNotEmpty" in p.stderr

    out = aws("s3", "rm", f"s3://{cli_bucket}", "--recursive").stdout
    assert f"delete: s3://{cli_bucket}/docs/hello.txt" in out
    assert f"delete: s3://{cli_bucket}/five-mib.bin" in out
    assert s3.list_objects_v2(Bucket=cli_bucket)["KeyCount"] == 0

    out = aws("s3", "rb", f"s3://{cli_bucket}").stdout
    assert f"remove_bucket: {cli_bucket}" in out
    assert cli_bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_sync_up_and_down(aws, s3, cli_bucket, tmp_path):
    aws("s3", "mb", f"s3://{cli_bucket}")
    files = {
        "a.txt": b"alpha\n",
        "b/c.txt": b"charlie\n" * 100,
        "b/d/e.bin": os.urandom(300_000),
        "with space/f g.txt": b"space",
        "unicodé/ü.txt": "ü".encode(),
        "empty.txt": b"",
    }
    src = tmp_path / "src"
    write_tree(src, files)

    out = aws("s3", "sync", str(src), f"s3://{cli_bucket}/tree").stdout
    uploads = [ln for ln in out_lines(out) if ln.startswith("upload:")]
    assert len(uploads) == len(files), out
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=cli_bucket)["Contents"])
    assert keys == sorted("tree/" + k for k in files)

    # nothing changed: a second sync uploads nothing
    out = aws("s3", "sync", str(src), f"s3://{cli_bucket}/tree").stdout
    assert "upload:" not in out, out

    # a changed file (different size) is uploaded again, and only that one
    (src / "a.txt").write_bytes(b"alpha, changed\n")
    out = aws("s3", "sync", "src", f"s3://{cli_bucket}/tree", cwd=tmp_path).stdout
    assert [ln for ln in out_lines(out) if ln.startswith("upload:")] == [f"upload: src/a.txt to s3://{cli_bucket}/tree/a.txt"]
    files["a.txt"] = b"alpha, changed\n"

    dst = tmp_path / "dst"
    dst.mkdir()
    aws("s3", "sync", f"s3://{cli_bucket}/tree", str(dst))
    assert tree_files(dst) == tree_files(src) == {os.path.join(*k.split("/")): v for k, v in files.items()}


def test_s3api_json(aws, s3, cli_bucket, tmp_path):
    aws("s3api", "create-bucket", "--bucket", cli_bucket)
    body = tmp_path / "body.bin"
    body.write_bytes(b"s3api body " * 100)

    r = aws(
        "s3api", "put-object", "--bucket", cli_bucket, "--key", "dir/obj.bin", "--body", str(body),
        "--content-type", "application/x-cli", "--metadata", "origin=cli",
        json_out=True,
    )
    assert r["ETag"] == f'"{md5_hex(body.read_bytes())}"'
    aws("s3api", "put-object", "--bucket", cli_bucket, "--key", "other", "--body", str(body))

    r = aws("s3api", "head-object", "--bucket", cli_bucket, "--key", "dir/obj.bin", json_out=True)
    assert r["ContentLength"] == 1100
    assert r["ContentType"] == "application/x-cli"
    assert r["Metadata"] == {"origin": "cli"}
    assert r["ETag"] == f'"{md5_hex(body.read_bytes())}"'

    r = aws("s3api", "list-objects-v2", "--bucket", cli_bucket, json_out=True)
    assert [o["Key"] for o in r["Contents"]] == ["dir/obj.bin", "other"]

    r = aws("s3api", "list-objects-v2", "--bucket", cli_bucket, "--delimiter", "/", json_out=True)
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/"]
    assert [o["Key"] for o in r["Contents"]] == ["other"]

    r = aws(
        "s3api", "delete-objects", "--bucket", cli_bucket,
        "--delete", json.dumps({"Objects": [{"Key": "dir/obj.bin"}, {"Key": "other"}]}),
        json_out=True,
    )
    assert sorted(d["Key"] for d in r["Deleted"]) == ["dir/obj.bin", "other"]
    r = aws("s3api", "list-objects-v2", "--bucket", cli_bucket, json_out=True)
    assert "Contents" not in r

    p = aws("s3api", "head-object", "--bucket", cli_bucket, "--key", "gone", check=False)
    assert p.returncode != 0
    assert "404" in p.stderr
