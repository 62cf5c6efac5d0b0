"""Large streaming round trip: S3EDGE_BIG_MIB MiB through a single PutObject."""

import hashlib
import io
import random

import pytest

from s3e2e import BIG_MIB, MIB


class PatternStream(io.RawIOBase):
    """A seekable, deterministic byte stream of `size` bytes that is never held
    in memory: MiB block i is a fixed pseudo-random MiB with i stamped into its
    first 8 bytes (so no two blocks are equal)."""

    _BASE = random.Random(20240601).randbytes(MIB)

    def __init__(self, size):
        self.size = size
        self.pos = 0
        self._cached = (-1, b"")

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=io.SEEK_SET):
        if whence == io.SEEK_SET:
            self.pos = offset
        elif whence == io.SEEK_CUR:
            self.pos += offset
        else:
            self.pos = self.size + offset
        self.pos = max(0, self.pos)
        return self.pos

    def _block(self, index):
        if self._cached[0] != index:
            self._cached = (index, index.to_bytes(8, "big") + self._BASE[8:])
        return self._cached[1]

    def readinto(self, buf):
        n = min(len(buf), self.size - self.pos)
        if n <= 0:
            return 0
        done = 0
        view = memoryview(buf)
        while done < n:
            block, off = divmod(self.pos, MIB)
            take = min(n - done, MIB - off)
            view[done : done + take] = self._block(block)[off : off + take]
            done += take
            self.pos += take
        return n


def test_pattern_stream_is_deterministic():
    a = PatternStream(3 * MIB + 5)
    b = PatternStream(3 * MIB + 5)
    assert a.read(MIB + 3) == b.read(MIB + 3)
    a.seek(0)
    assert len(a.read()) == 3 * MIB + 5
    a.seek(MIB)
    assert a.read(8) == (1).to_bytes(8, "big")


@pytest.mark.big
def test_big_streaming_round_trip(s3, bucket):
    size = BIG_MIB * MIB
    src = PatternStream(size)
    want_sha = hashlib.sha256()
    want_md5 = hashlib.md5()
    while chunk := src.read(MIB):
        want_sha.update(chunk)
        want_md5.update(chunk)
    src.seek(0)

    put = s3.put_object(Bucket=bucket, Key="big.bin", Body=io.BufferedReader(src, MIB))
    assert put["ETag"] == f'"{want_md5.hexdigest()}"'

    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == size

    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["ContentLength"] == size
    body = got["Body"]
    have = hashlib.sha256()
    n = 0
    while chunk := body.read(MIB):
        have.update(chunk)
        n += len(chunk)
    assert n == size
    assert have.hexdigest() == want_sha.hexdigest()
