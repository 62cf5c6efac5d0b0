import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3, s3sdk, withBucket } from './helpers.mjs';

const { PutObjectCommand, ListObjectsV2Command, paginateListObjectsV2 } = s3sdk;

async function putAll(bucket, keys, concurrency = 8) {
  const queue = [...keys];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (queue.length) {
      const Key = queue.shift();
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    }
  }));
}

const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

test('list v2 with prefix and delimiter', async () => {
  await withBucket(async (bucket) => {
    await putAll(bucket, ['a/1', 'a/2', 'a/b/3', 'b/4', 'c']);
    let r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    assert.deepEqual((r.Contents || []).map((o) => o.Key), ['c']);
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['a/', 'b/']);
    assert.equal(r.KeyCount, 3);
    assert.equal(r.IsTruncated, false);

    r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', Prefix: 'a/' }));
    assert.deepEqual(r.Contents.map((o) => o.Key), ['a/1', 'a/2']);
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['a/b/']);
    for (const o of r.Contents) {
      assert.equal(o.Size, 3);
      assert.match(o.ETag, /^"[0-9a-f]{32}"$/);
      assert.ok(o.LastModified instanceof Date);
    }
  });
});

test('paginateListObjectsV2 visits every key once, in byte order', async () => {
  await withBucket(async (bucket) => {
    const keys = [];
    for (let i = 0; i < 120; i++) keys.push(`k/${String(i).padStart(4, '0')}`);
    keys.push('é', 'Z', 'a b', '😀', '\uff21');
    await putAll(bucket, keys);
    const expected = [...keys].sort(byteOrder);

    const seen = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 25 }, { Bucket: bucket })) {
      pages += 1;
      const got = (page.Contents || []).map((o) => o.Key);
      assert.equal(page.KeyCount, got.length);
      assert.ok(got.length <= 25);
      seen.push(...got);
    }
    assert.deepEqual(seen, expected);
    assert.equal(pages, Math.ceil(keys.length / 25));

    // with a delimiter, prefixes are paged too
    const entries = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket, Delimiter: '/' })) {
      entries.push(...(page.Contents || []).map((o) => o.Key), ...(page.CommonPrefixes || []).map((p) => p.Prefix));
    }
    assert.deepEqual(entries.sort(byteOrder), ['Z', 'a b', 'k/', 'é', '\uff21', '😀'].sort(byteOrder));
  });
});
