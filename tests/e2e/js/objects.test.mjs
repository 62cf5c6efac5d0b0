import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import {
  s3, s3sdk, getSignedUrl, withBucket, expectS3Error, md5hex, crc32b64, crc64nvmeB64, b64,
} from './helpers.mjs';

const {
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  ListObjectsV2Command,
} = s3sdk;

const etagOf = (buf) => `"${md5hex(buf)}"`;

test('put a string body and get it back with content headers and metadata', async () => {
  await withBucket(async (bucket) => {
    const text = 'héllo from @aws-sdk/client-s3\n';
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: 'dir/hello.txt',
      Body: text,
      ContentType: 'text/plain; charset=utf-8',
      ContentDisposition: 'inline; filename="hello.txt"',
      ContentLanguage: 'fr',
      CacheControl: 'max-age=60',
      Metadata: { color: 'green', 'two-words': 'a b' },
    }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.equal(put.ETag, etagOf(Buffer.from(text)));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
    assert.equal(await got.Body.transformToString(), text);
    assert.equal(got.ContentType, 'text/plain; charset=utf-8');
    assert.equal(got.ContentDisposition, 'inline; filename="hello.txt"');
    assert.equal(got.ContentLanguage, 'fr');
    assert.equal(got.CacheControl, 'max-age=60');
    assert.deepEqual(got.Metadata, { color: 'green', 'two-words': 'a b' });
    assert.equal(got.ContentLength, Buffer.byteLength(text));
    assert.equal(got.ETag, put.ETag);
    assert.ok(got.LastModified instanceof Date);

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
    assert.equal(head.ContentLength, Buffer.byteLength(text));
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.ContentType, 'text/plain; charset=utf-8');
    assert.deepEqual(head.Metadata, { color: 'green', 'two-words': 'a b' });
  });
});

test('put a Buffer body and a stream body with ContentLength', async () => {
  await withBucket(async (bucket) => {
    const buf = randomBytes(300_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'buf.bin', Body: buf }));
    assert.equal(put.ETag, etagOf(buf));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'buf.bin' }));
    assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), buf);

    // A Node stream: the SDK cannot hash it up front, so by default it sends
    // aws-chunked with a checksum trailer.
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [];
    for (let i = 0; i < big.length; i += 65_536) chunks.push(big.subarray(i, i + 65_536));
    const put2 = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'stream.bin', Body: Readable.from(chunks), ContentLength: big.length,
    }));
    assert.equal(put2.ETag, etagOf(big));
    const got2 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'stream.bin' }));
    assert.equal(got2.ContentLength, big.length);
    const hash = createHash('sha256');
    for await (const c of got2.Body) hash.update(c);
    assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'));
  });
});

test('range get', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'digits', Body: '0123456789' }));
    const cases = [
      ['bytes=0-4', '01234', 'bytes 0-4/10'],
      ['bytes=5-', '56789', 'bytes 5-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [Range, body, contentRange] of cases) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits', Range }));
      assert.equal(r.$metadata.httpStatusCode, 206, Range);
      assert.equal(await r.Body.transformToString(), body, Range);
      assert.equal(r.ContentRange, contentRange, Range);
      assert.equal(r.ContentLength, body.length, Range);
    }
    const err = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'digits', Range: 'bytes=10-' })));
    assert.equal(err.$metadata.httpStatusCode, 416);
    assert.equal(err.name, 'InvalidRange');
  });
});

test('NoSuchKey error has name and status', async () => {
  await withBucket(async (bucket) => {
    const err = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })));
    assert.equal(err.name, 'NoSuchKey');
    assert.ok(err instanceof s3sdk.NoSuchKey);
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.ok(err.$metadata.requestId, 'x-amz-request-id on errors');
    const err2 = await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' })));
    assert.equal(err2.$metadata.httpStatusCode, 404);
    const err3 = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket-' + Date.now(), Key: 'k' })));
    assert.equal(err3.name, 'NoSuchBucket');
    assert.equal(err3.$metadata.httpStatusCode, 404);
  });
});

test('delete object and delete objects', async () => {
  await withBucket(async (bucket) => {
    for (const Key of ['a', 'b', 'c/d', 'e f']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    }
    const d = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    const again = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    assert.equal(again.$metadata.httpStatusCode, 204);

    const r = await s3.send(new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: [{ Key: 'b' }, { Key: 'c/d' }, { Key: 'nope' }] },
    }));
    assert.deepEqual(r.Deleted.map((x) => x.Key).sort(), ['b', 'c/d', 'nope']);
    assert.ok(!r.Errors || r.Errors.length === 0);

    const q = await s3.send(new DeleteObjectsCommand({
      Bucket: bucket, Delete: { Objects: [{ Key: 'e f' }], Quiet: true },
    }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.equal(list.KeyCount, 0);
    assert.ok(!q.Deleted || q.Deleted.length === 0, 'quiet mode lists no deleted keys');
  });
});

test('presigned GET via getSignedUrl works with fetch', async () => {
  await withBucket(async (bucket) => {
    const key = 'pre signed/ü+&.txt';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'presigned content', ContentType: 'text/x-pre' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
    assert.match(url, /X-Amz-Signature=/);
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'presigned content');
    assert.equal(r.headers.get('content-type'), 'text/x-pre');
  });
});

test('anonymous GET is refused with an S3 error document', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'private' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 300 });
    const anon = await fetch(url.split('?')[0]);
    assert.equal(anon.status, 403);
    const xml = await anon.text();
    assert.match(xml, /<Code>AccessDenied<\/Code>/);
    assert.match(xml, /<RequestId>[^<]+<\/RequestId>/);
  });
});

test('checksums: default CRC32 and explicit algorithms are returned with ChecksumMode ENABLED', async () => {
  await withBucket(async (bucket) => {
    const body = Buffer.from('checksum me, please\n'.repeat(500));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'default', Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'default', ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumCRC32, crc32b64(body));
    assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), body);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'default', ChecksumMode: 'ENABLED' }));
    assert.equal(head.ChecksumCRC32, crc32b64(body));

    const expected = {
      CRC64NVME: crc64nvmeB64(body),
      SHA256: b64(createHash('sha256').update(body).digest()),
      SHA1: b64(createHash('sha1').update(body).digest()),
    };
    for (const [alg, value] of Object.entries(expected)) {
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: alg, Body: body, ChecksumAlgorithm: alg }));
      assert.equal(put[`Checksum${alg}`], value, `PUT response ${alg}`);
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: alg, ChecksumMode: 'ENABLED' }));
      assert.equal(h[`Checksum${alg}`], value, `HEAD ${alg}`);
    }

  });
});

test('a wrong checksum is refused and the previous object stays', async () => {
  await withBucket(async (bucket) => {
    const body = Buffer.from('previous content');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'default', Body: body }));
    const err = await expectS3Error(s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'default', Body: 'other bytes', ChecksumCRC32: crc32b64(Buffer.from('not these')),
    })));
    assert.equal(err.name, 'BadDigest');
    assert.equal(err.$metadata.httpStatusCode, 400);
    const still = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'default' }));
    assert.deepEqual(Buffer.from(await still.Body.transformToByteArray()), body);
  });
});

test('conditional put with IfNoneMatch', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: 'first', IfNoneMatch: '*' }));
    const err = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: 'second', IfNoneMatch: '*' })));
    assert.equal(err.$metadata.httpStatusCode, 412);
    assert.equal(err.name, 'PreconditionFailed');
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'once' }));
    assert.equal(await got.Body.transformToString(), 'first');
  });
});
