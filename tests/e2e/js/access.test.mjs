// Access control through @aws-sdk/client-s3 (issue 8): one ACL and one bucket policy round trip,
// each checked by what the other account may then do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3, s3sdk, makeClient, withBucket, expectS3Error } from './helpers.mjs';

const {
  GetBucketAclCommand, PutBucketAclCommand, GetObjectCommand, PutObjectCommand, ListBucketsCommand,
  PutBucketPolicyCommand, GetBucketPolicyCommand, GetBucketPolicyStatusCommand, ListObjectsV2Command,
} = s3sdk;

const user2 = makeClient({
  accessKeyId: process.env.S3EDGE_SECOND_ACCESS_KEY_ID,
  secretAccessKey: process.env.S3EDGE_SECOND_SECRET_ACCESS_KEY,
});

test('a bucket ACL granting READ lets the other account list, and reads back as written', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    const denied = await expectS3Error(user2.send(new ListObjectsV2Command({ Bucket: bucket })));
    assert.equal(denied.name, 'AccessDenied');
    const other = (await user2.send(new ListBucketsCommand({}))).Owner;
    const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    await s3.send(new PutBucketAclCommand({
      Bucket: bucket,
      AccessControlPolicy: {
        Owner,
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: Owner.ID }, Permission: 'FULL_CONTROL' },
          { Grantee: { Type: 'CanonicalUser', ID: other.ID }, Permission: 'READ' },
        ],
      },
    }));
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    assert.deepEqual(acl.Owner, Owner);
    assert.deepEqual(
      acl.Grants.map((g) => [g.Grantee.ID, g.Grantee.DisplayName, g.Permission]),
      [[Owner.ID, Owner.DisplayName, 'FULL_CONTROL'], [other.ID, other.DisplayName, 'READ']],
    );
    const listed = await user2.send(new ListObjectsV2Command({ Bucket: bucket }));
    assert.deepEqual(listed.Contents.map((o) => o.Key), ['k']);
    const noRead = await expectS3Error(user2.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' })));
    assert.equal(noRead.name, 'AccessDenied');
  });
});

test('a bucket policy round trips byte for byte and grants what it says', async () => {
  await withBucket(async (bucket) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'shared/doc.txt', Body: 'for two' }));
    const other = (await user2.send(new ListBucketsCommand({}))).Owner;
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'ReadShared',
        Effect: 'Allow',
        Principal: { CanonicalUser: other.ID },
        Action: ['s3:GetObject'],
        Resource: `arn:aws:s3:::${bucket}/shared/*`,
      }],
    }, null, 1);
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
    const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    assert.equal(stored.Policy, policy);
    const status = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));
    assert.equal(status.PolicyStatus.IsPublic, false);
    const got = await user2.send(new GetObjectCommand({ Bucket: bucket, Key: 'shared/doc.txt' }));
    assert.equal(await got.Body.transformToString(), 'for two');
    const outside = await expectS3Error(user2.send(new PutObjectCommand({ Bucket: bucket, Key: 'shared/x', Body: 'no' })));
    assert.equal(outside.name, 'AccessDenied');
  });
});
