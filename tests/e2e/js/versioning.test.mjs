// Versioning round trip with @aws-sdk/client-s3: enable versioning, two versions of a key,
// read by version id, list versions, delete marker, restore by deleting the marker, cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3, s3sdk, newBucketName, expectS3Error, emptyAndDelete } from './helpers.mjs';

const {
  CreateBucketCommand, DeleteBucketCommand, PutBucketVersioningCommand, GetBucketVersioningCommand,
  PutObjectCommand, GetObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  ListObjectVersionsCommand, HeadBucketCommand,
} = s3sdk;

/** Every version and delete marker of the bucket, as {Key, VersionId} (the SDK has no
 * paginator for ListObjectVersions: pages by KeyMarker / VersionIdMarker, bounded). */
async function allVersions(bucket) {
  const out = [];
  let markers = {};
  for (let round = 0; round < 100; round++) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...markers }));
    for (const v of [...(page.Versions || []), ...(page.DeleteMarkers || [])]) {
      out.push({ Key: v.Key, VersionId: v.VersionId });
    }
    if (!page.IsTruncated) return out;
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
  throw new Error('ListObjectVersions kept answering truncated pages');
}

test('versioned round trip: two versions, read by id, list, delete marker, restore, cleanup', async () => {
  const bucket = newBucketName('jsv');
  const key = 'doc/versioned.txt';
  const first = 'first version\n';
  const second = 'second version, longer\n';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  let cleaned = false;
  try {
    // Versioning state: none reported before, Enabled after.
    const before = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(before.Status, undefined);
    const enable = await s3.send(new PutBucketVersioningCommand({
      Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' },
    }));
    assert.equal(enable.$metadata.httpStatusCode, 200);
    const state = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    assert.equal(state.Status, 'Enabled');

    // Two puts of the same key: two distinct, non-null version ids.
    const put1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: first }));
    const put2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: second }));
    const v1 = put1.VersionId;
    const v2 = put2.VersionId;
    assert.ok(v1 && v1 !== 'null', `first put has a version id (${v1})`);
    assert.ok(v2 && v2 !== 'null', `second put has a version id (${v2})`);
    assert.notEqual(v1, v2);

    // The key reads as the second version; the first is still there by id.
    const latest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await latest.Body.transformToString(), second);
    assert.equal(latest.VersionId, v2);
    const old = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: v1 }));
    assert.equal(await old.Body.transformToString(), first);
    assert.equal(old.VersionId, v1);
    assert.equal(old.ETag, put1.ETag);

    // Both versions listed, newest first, IsLatest only on the newest.
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const versions = (listed.Versions || []).filter((v) => v.Key === key);
    assert.deepEqual(versions.map((v) => v.VersionId), [v2, v1]);
    assert.deepEqual(versions.map((v) => v.IsLatest), [true, false]);
    assert.deepEqual(versions.map((v) => v.Size), [Buffer.byteLength(second), Buffer.byteLength(first)]);
    assert.deepEqual(versions.map((v) => v.ETag), [put2.ETag, put1.ETag]);
    assert.equal((listed.DeleteMarkers || []).length, 0);

    // A delete without a version id leaves a delete marker.
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(del.DeleteMarker, true);
    const marker = del.VersionId;
    assert.ok(marker && marker !== v1 && marker !== v2, `the marker has its own version id (${marker})`);

    const gone = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    assert.equal(gone.name, 'NoSuchKey');
    assert.equal(gone.$metadata.httpStatusCode, 404);
    // The versions are still readable by id behind the marker.
    const stillOld = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: v1 }));
    assert.equal(await stillOld.Body.transformToString(), first);

    const withMarker = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const markers = (withMarker.DeleteMarkers || []).filter((m) => m.Key === key);
    assert.deepEqual(markers.map((m) => [m.VersionId, m.IsLatest]), [[marker, true]]);
    const behind = (withMarker.Versions || []).filter((v) => v.Key === key);
    assert.deepEqual(behind.map((v) => [v.VersionId, v.IsLatest]), [[v2, false], [v1, false]]);

    // Deleting the marker by its version id restores the second version.
    const unmark = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: marker }));
    assert.equal(unmark.VersionId, marker);
    const restored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await restored.Body.transformToString(), second);
    assert.equal(restored.VersionId, v2);
    const afterRestore = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal((afterRestore.DeleteMarkers || []).length, 0);
    assert.deepEqual(
      (afterRestore.Versions || []).map((v) => [v.Key, v.VersionId, v.IsLatest]),
      [[key, v2, true], [key, v1, false]],
    );

    // Cleanup: delete every version by id, then the (now empty) bucket.
    const every = await allVersions(bucket);
    assert.equal(every.length, 2);
    const bulk = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: every } }));
    assert.deepEqual(bulk.Errors || [], []);
    assert.deepEqual(
      (bulk.Deleted || []).map((d) => d.VersionId).sort(),
      every.map((v) => v.VersionId).sort(),
    );
    assert.deepEqual(await allVersions(bucket), []);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    cleaned = true;
    const head = await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: bucket })));
    assert.equal(head.$metadata.httpStatusCode, 404);
  } finally {
    if (!cleaned) {
      // Best effort after a failure: every version by id, then the bucket.
      try {
        const every = await allVersions(bucket);
        if (every.length) {
          await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: every, Quiet: true } }));
        }
      } catch {
        // best effort
      }
      await emptyAndDelete(s3, bucket);
    }
  }
});
