import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  s3, s3sdk, withBucket, expectS3Error, md5hex, crc32b64,
} from './helpers.mjs';

const {
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand, ListPartsCommand, ListMultipartUploadsCommand,
  GetObjectCommand, HeadObjectCommand, PutObjectCommand, CopyObjectCommand,
  PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand,
  PutBucketTaggingCommand, GetBucketTaggingCommand, DeleteBucketTaggingCommand,
} = s3sdk;

const MIB = 1024 * 1024;
const etagOf = (buf) => `"${md5hex(buf)}"`;

/** AWS's ETag of a multipart object: md5 of the concatenated binary part MD5s, "-", count. */
function multipartEtag(parts) {
  const cat = Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()));
  return `"${md5hex(cat)}-${parts.length}"`;
}

const sortTags = (tags) => [...(tags || [])]
  .map(({ Key, Value }) => ({ Key, Value }))
  .sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));

test('multipart upload with default checksums; GetObject by PartNumber and Range across the boundary', async () => {
  await withBucket(async (bucket) => {
    const Key = 'mp/two-parts.bin';
    const part1 = randomBytes(5 * MIB);
    const part2 = randomBytes(MIB + 7);
    const whole = Buffer.concat([part1, part2]);
    const total = whole.length;

    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key, ContentType: 'application/x-test' }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.equal(created.Bucket, bucket);
    assert.equal(created.Key, Key);
    const { UploadId } = created;
    assert.ok(UploadId);

    const parts = [];
    for (const [i, Body] of [part1, part2].entries()) {
      const up = await s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1, Body }));
      assert.equal(up.ETag, etagOf(Body), `ETag of part ${i + 1}`);
      // The SDK sends a CRC32 of each part by default; S3 answers with the checksum it checked.
      assert.equal(up.ChecksumCRC32, crc32b64(Body), `CRC32 of part ${i + 1}`);
      parts.push({ ETag: up.ETag, PartNumber: i + 1 });
    }

    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId }));
    assert.deepEqual(
      listed.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]),
      [[1, part1.length, etagOf(part1)], [2, part2.length, etagOf(part2)]],
    );

    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key, UploadId, MultipartUpload: { Parts: parts },
    }));
    assert.equal(done.$metadata.httpStatusCode, 200);
    assert.equal(done.Bucket, bucket);
    assert.equal(done.Key, Key);
    const etag = multipartEtag([part1, part2]);
    assert.equal(done.ETag, etag);

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    assert.equal(got.ContentLength, total);
    assert.equal(got.ETag, etag);
    assert.equal(got.ContentType, 'application/x-test');
    assert.ok(Buffer.from(await got.Body.transformToByteArray()).equals(whole), 'whole body');

    const p2 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key, PartNumber: 2 }));
    assert.equal(p2.$metadata.httpStatusCode, 206);
    assert.equal(p2.PartsCount, 2);
    assert.equal(p2.ContentLength, part2.length);
    assert.equal(p2.ContentRange, `bytes ${part1.length}-${total - 1}/${total}`);
    assert.equal(p2.ETag, etag);
    assert.ok(Buffer.from(await p2.Body.transformToByteArray()).equals(part2), 'part 2 bytes');

    const h1 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, PartNumber: 1 }));
    assert.equal(h1.$metadata.httpStatusCode, 206);
    assert.equal(h1.PartsCount, 2);
    assert.equal(h1.ContentLength, part1.length);
    assert.equal(h1.ContentRange, `bytes 0-${part1.length - 1}/${total}`);

    const start = part1.length - 10;
    const end = part1.length + 9;
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key, Range: `bytes=${start}-${end}` }));
    assert.equal(r.$metadata.httpStatusCode, 206);
    assert.equal(r.ContentRange, `bytes ${start}-${end}/${total}`);
    assert.equal(r.ContentLength, 20);
    assert.ok(Buffer.from(await r.Body.transformToByteArray()).equals(whole.subarray(start, end + 1)), 'range bytes');

    // the upload is finished: not listed any more
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    assert.equal((uploads.Uploads || []).length, 0);
  });
});

test('ListParts and AbortMultipartUpload', async () => {
  await withBucket(async (bucket) => {
    const Key = 'to-abort';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    const bodies = [Buffer.from('first part'), Buffer.from('second part, longer')];
    for (const [i, Body] of bodies.entries()) {
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key, UploadId, PartNumber: i + 1, Body }));
    }

    const page1 = await s3.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId, MaxParts: 1 }));
    assert.equal(page1.Bucket, bucket);
    assert.equal(page1.Key, Key);
    assert.equal(page1.UploadId, UploadId);
    assert.equal(page1.IsTruncated, true);
    assert.equal(page1.MaxParts, 1);
    assert.deepEqual(page1.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, bodies[0].length, etagOf(bodies[0])]]);
    assert.equal(String(page1.NextPartNumberMarker), '1');
    const page2 = await s3.send(new ListPartsCommand({
      Bucket: bucket, Key, UploadId, MaxParts: 1, PartNumberMarker: page1.NextPartNumberMarker,
    }));
    assert.equal(page2.IsTruncated, false);
    assert.deepEqual(page2.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[2, bodies[1].length, etagOf(bodies[1])]]);

    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    assert.deepEqual((uploads.Uploads || []).map((u) => [u.Key, u.UploadId]), [[Key, UploadId]]);

    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId }));
    assert.equal(aborted.$metadata.httpStatusCode, 204);

    const err = await expectS3Error(s3.send(new ListPartsCommand({ Bucket: bucket, Key, UploadId })));
    assert.equal(err.name, 'NoSuchUpload');
    assert.equal(err.$metadata.httpStatusCode, 404);
    const err2 = await expectS3Error(s3.send(new UploadPartCommand({
      Bucket: bucket, Key, UploadId, PartNumber: 3, Body: 'late',
    })));
    assert.equal(err2.name, 'NoSuchUpload');
    assert.equal(err2.$metadata.httpStatusCode, 404);

    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    assert.equal((after.Uploads || []).length, 0);
    const head = await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key })));
    assert.equal(head.$metadata.httpStatusCode, 404);
  });
});

test('CopyObject: MetadataDirective REPLACE and COPY, CopySourceIfMatch', async () => {
  await withBucket(async (bucket) => {
    const body = Buffer.from('copy me, please\n'.repeat(100));
    const put = await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: 'src', Body: body, ContentType: 'text/plain', Metadata: { origin: 'source', keep: 'me' },
    }));
    assert.equal(put.ETag, etagOf(body));

    const replaced = await s3.send(new CopyObjectCommand({
      Bucket: bucket,
      Key: 'replaced',
      CopySource: `${bucket}/src`,
      MetadataDirective: 'REPLACE',
      ContentType: 'application/x-replaced',
      Metadata: { fresh: 'value' },
    }));
    assert.equal(replaced.$metadata.httpStatusCode, 200);
    assert.equal(replaced.CopyObjectResult.ETag, etagOf(body));
    assert.ok(replaced.CopyObjectResult.LastModified instanceof Date);
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'replaced' }));
    assert.deepEqual(h.Metadata, { fresh: 'value' });
    assert.equal(h.ContentType, 'application/x-replaced');
    assert.equal(h.ContentLength, body.length);
    const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'replaced' }));
    assert.ok(Buffer.from(await g.Body.transformToByteArray()).equals(body));

    // default directive COPY: the source's metadata, the request's is ignored
    await s3.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'copied', CopySource: `${bucket}/src`, Metadata: { ignored: 'yes' },
    }));
    const hc = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'copied' }));
    assert.deepEqual(hc.Metadata, { origin: 'source', keep: 'me' });
    assert.equal(hc.ContentType, 'text/plain');
    assert.equal(hc.ETag, etagOf(body));

    // the source itself is unchanged
    const hs = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src' }));
    assert.deepEqual(hs.Metadata, { origin: 'source', keep: 'me' });

    const wrong = await expectS3Error(s3.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'never', CopySource: `${bucket}/src`, CopySourceIfMatch: '"00000000000000000000000000000000"',
    })));
    assert.equal(wrong.$metadata.httpStatusCode, 412);
    assert.equal(wrong.name, 'PreconditionFailed');
    const missing = await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'never' })));
    assert.equal(missing.$metadata.httpStatusCode, 404);

    const right = await s3.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'matched', CopySource: `${bucket}/src`, CopySourceIfMatch: put.ETag,
    }));
    assert.equal(right.CopyObjectResult.ETag, etagOf(body));

    // copying an object onto itself without changing anything is refused
    const self = await expectS3Error(s3.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'src', CopySource: `${bucket}/src`,
    })));
    assert.equal(self.$metadata.httpStatusCode, 400);
    assert.equal(self.name, 'InvalidRequest');
    // ... but replacing its metadata in place is fine
    await s3.send(new CopyObjectCommand({
      Bucket: bucket, Key: 'src', CopySource: `${bucket}/src`, MetadataDirective: 'REPLACE', Metadata: { v: '2' },
    }));
    const hs2 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'src' }));
    assert.deepEqual(hs2.Metadata, { v: '2' });
    assert.equal(hs2.ETag, etagOf(body));
  });
});

test('object tagging: put, get, delete', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'tagged', Body: 'some content' }));
    const none = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(none.TagSet || [], []);

    const TagSet = [{ Key: 'project', Value: 's3edge' }, { Key: 'with space', Value: 'a/b=c+d:e@f' }];
    const put = await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged', Tagging: { TagSet } }));
    assert.equal(put.$metadata.httpStatusCode, 200);
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(sortTags(got.TagSet), sortTags(TagSet));

    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.equal(obj.TagCount, 2);
    assert.equal(await obj.Body.transformToString(), 'some content');

    // replaced as a whole
    await s3.send(new PutObjectTaggingCommand({
      Bucket: bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] },
    }));
    const got2 = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(sortTags(got2.TagSet), [{ Key: 'only', Value: 'one' }]);

    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const after = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.deepEqual(after.TagSet || [], []);
    const obj2 = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'tagged' }));
    assert.equal(obj2.TagCount, undefined);
    await obj2.Body.transformToString();

    const missing = await expectS3Error(s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'missing' })));
    assert.equal(missing.$metadata.httpStatusCode, 404);
    assert.equal(missing.name, 'NoSuchKey');
  });
});

test('bucket tagging: put, get, delete, then NoSuchTagSet', async () => {
  await withBucket(async (bucket) => {
    const before = await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })));
    assert.equal(before.$metadata.httpStatusCode, 404);
    assert.equal(before.name, 'NoSuchTagSet');

    const TagSet = [{ Key: 'team', Value: 'storage' }, { Key: 'env', Value: 'e2e test' }];
    const put = await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet } }));
    assert.ok([200, 204].includes(put.$metadata.httpStatusCode), String(put.$metadata.httpStatusCode));
    const got = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    assert.deepEqual(sortTags(got.TagSet), sortTags(TagSet));

    const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const err = await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: bucket })));
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.equal(err.name, 'NoSuchTagSet');
  });
});

test('GetObjectAttributes: a single-part object, and the parts of a COMPOSITE multipart object page by page', async () => {
  const { GetObjectAttributesCommand } = s3sdk;
  await withBucket(async (bucket) => {
    const body = randomBytes(1000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'one', Body: body, ChecksumAlgorithm: 'CRC32' }));
    const all = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'];
    const one = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'one', ObjectAttributes: all }));
    assert.equal(one.ETag, md5hex(body));
    assert.equal(one.Checksum.ChecksumCRC32, crc32b64(body));
    assert.equal(one.Checksum.ChecksumType, 'FULL_OBJECT');
    assert.equal(one.ObjectParts, undefined);
    assert.equal(one.StorageClass, 'STANDARD');
    assert.equal(one.ObjectSize, body.length);
    assert.ok(one.LastModified instanceof Date);

    const Key = 'many';
    const bodies = [randomBytes(5 * MIB), randomBytes(5 * MIB), Buffer.from('last part')];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key, ChecksumAlgorithm: 'CRC32' }));
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const up = await s3.send(new UploadPartCommand({
        Bucket: bucket, Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: 'CRC32',
      }));
      parts.push({ ETag: up.ETag, PartNumber: i + 1, ChecksumCRC32: up.ChecksumCRC32 });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
    const page1 = await s3.send(new GetObjectAttributesCommand({
      Bucket: bucket, Key, ObjectAttributes: all, MaxParts: 2,
    }));
    assert.equal(`"${page1.ETag}"`, multipartEtag(bodies));
    assert.equal(page1.Checksum.ChecksumCRC32, done.ChecksumCRC32.replace(/-3$/, ''));
    assert.equal(page1.Checksum.ChecksumType, 'COMPOSITE');
    assert.equal(page1.ObjectParts.TotalPartsCount, 3);
    assert.equal(page1.ObjectParts.IsTruncated, true);
    assert.deepEqual(
      page1.ObjectParts.Parts.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]),
      bodies.slice(0, 2).map((b, i) => [i + 1, b.length, crc32b64(b)]),
    );
    const page2 = await s3.send(new GetObjectAttributesCommand({
      Bucket: bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: 2,
      PartNumberMarker: page1.ObjectParts.NextPartNumberMarker,
    }));
    assert.equal(page2.ObjectParts.IsTruncated, false);
    assert.deepEqual(page2.ObjectParts.Parts.map((p) => p.PartNumber), [3]);
    assert.equal(page2.ETag, undefined);

    const missing = await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'absent', ObjectAttributes: ['ETag'] })));
    assert.equal(missing.$metadata.httpStatusCode, 404);
    assert.equal(missing.name, 'NoSuchKey');
  });
});
