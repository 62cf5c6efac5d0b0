import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  s3, s3sdk, makeClient, newBucketName, withBucket, emptyAndDelete, expectS3Error,
} from './helpers.mjs';

const {
  CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, DeleteBucketCommand,
  GetBucketLocationCommand, PutObjectCommand,
} = s3sdk;

const user2 = makeClient({
  accessKeyId: process.env.S3EDGE_SECOND_ACCESS_KEY_ID,
  secretAccessKey: process.env.S3EDGE_SECOND_SECRET_ACCESS_KEY,
});

test('create, head, list and delete a bucket', async () => {
  const bucket = newBucketName();
  try {
    const created = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.ok(head.$metadata.requestId, 'x-amz-request-id');

    const list = await s3.send(new ListBucketsCommand({}));
    const names = list.Buckets.map((b) => b.Name);
    assert.ok(names.includes(bucket));
    assert.ok(list.Owner && list.Owner.ID);
    const mine = list.Buckets.find((b) => b.Name === bucket);
    assert.ok(mine.CreationDate instanceof Date);

    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
    assert.ok(loc.LocationConstraint === undefined || loc.LocationConstraint === '' || loc.LocationConstraint === null,
      `us-east-1 is reported as an empty LocationConstraint, got ${loc.LocationConstraint}`);

    const del = await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const err = await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })));
    assert.equal(err.$metadata.httpStatusCode, 404);
  } finally {
    await emptyAndDelete(s3, bucket);
  }
});

test('creating a bucket you own again: 200 in us-east-1, BucketAlreadyOwnedByYou (409) for another region', async () => {
  await withBucket(async (bucket) => {
    const again = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    const err = await expectS3Error(s3.send(new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    })));
    assert.equal(err.name, 'BucketAlreadyOwnedByYou');
    assert.equal(err.$metadata.httpStatusCode, 409);
  });
});

test('creating another owner\'s bucket: BucketAlreadyExists (409)', async () => {
  await withBucket(async (bucket) => {
    const err = await expectS3Error(user2.send(new CreateBucketCommand({ Bucket: bucket })));
    assert.equal(err.name, 'BucketAlreadyExists');
    assert.equal(err.$metadata.httpStatusCode, 409);
  });
});

test('deleting a non-empty bucket: BucketNotEmpty (409)', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
    const err = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
    assert.equal(err.name, 'BucketNotEmpty');
    assert.equal(err.$metadata.httpStatusCode, 409);
  });
});

test('deleting a missing bucket: NoSuchBucket (404)', async () => {
  const err = await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: newBucketName('missing') })));
  assert.equal(err.name, 'NoSuchBucket');
  assert.equal(err.$metadata.httpStatusCode, 404);
  assert.ok(err.$metadata.requestId);
});

test('invalid bucket name: InvalidBucketName (400)', async () => {
  const bucket = 'invalid..name';
  try {
    const err = await expectS3Error(s3.send(new CreateBucketCommand({ Bucket: bucket })));
    assert.equal(err.name, 'InvalidBucketName');
    assert.equal(err.$metadata.httpStatusCode, 400);
  } finally {
    await emptyAndDelete(s3, bucket);
  }
});

test('list buckets shows only the caller\'s buckets', async () => {
  await withBucket(async (bucket) => {
    const other = newBucketName('u2');
    try {
      await user2.send(new CreateBucketCommand({ Bucket: other }));
      const mine = (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
      const theirs = (await user2.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name);
      assert.ok(mine.includes(bucket) && !mine.includes(other));
      assert.ok(theirs.includes(other) && !theirs.includes(bucket));
    } finally {
      await emptyAndDelete(user2, other);
    }
  });
});
