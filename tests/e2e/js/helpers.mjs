// Shared helpers for the s3edge end-to-end tests with @aws-sdk/client-s3 v3.
import { createRequire } from 'node:module';
import { randomUUID, createHash } from 'node:crypto';

// The npm packages live in the harness's npm project (miniflare/).
export const require = createRequire(new URL('../../../miniflare/package.json', import.meta.url));
export const s3sdk = require('@aws-sdk/client-s3');
export const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');

export const ENDPOINT = (process.env.S3EDGE_ENDPOINT || 'http://127.0.0.1:8787').replace(/\/+$/, '');
export const REGION = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';

export function makeClient(creds) {
  const credentials = creds || {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  };
  // Default settings apart from endpoint/path style: CRC32 request checksums,
  // aws-chunked for streams, etc. are whatever the SDK does by default.
  return new s3sdk.S3Client({ endpoint: ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials });
}

export const s3 = makeClient();

export function newBucketName(prefix = 'js') {
  return `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}

/** Abort every in-progress multipart upload of the bucket (best effort). */
export async function abortAllUploads(client, bucket) {
  try {
    // Bounded, so that a server answering the same page forever cannot hang the cleanup.
    for (let round = 0; round < 100; round++) {
      const page = await client.send(new s3sdk.ListMultipartUploadsCommand({ Bucket: bucket }));
      const uploads = page.Uploads || [];
      if (!uploads.length) return;
      let aborted = 0;
      for (const u of uploads) {
        try {
          await client.send(new s3sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
          aborted++;
        } catch {
          // best effort
        }
      }
      if (!aborted) return;
    }
  } catch {
    // best effort
  }
}

export async function emptyAndDelete(client, bucket) {
  await abortAllUploads(client, bucket);
  try {
    for await (const page of s3sdk.paginateListObjectsV2({ client }, { Bucket: bucket })) {
      const objs = (page.Contents || []).map((o) => ({ Key: o.Key }));
      if (objs.length) {
        await client.send(new s3sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objs, Quiet: true } }));
      }
    }
    await client.send(new s3sdk.DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // best effort
  }
}

/** Run fn(bucket) with a fresh bucket of user 1, deleted afterwards. */
export async function withBucket(fn) {
  const bucket = newBucketName();
  await s3.send(new s3sdk.CreateBucketCommand({ Bucket: bucket }));
  try {
    return await fn(bucket);
  } finally {
    await emptyAndDelete(s3, bucket);
  }
}

/** Await a promise that must reject with an S3 service error; return it. */
export async function expectS3Error(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail, it succeeded');
}

export const md5hex = (buf) => createHash('md5').update(buf).digest('hex');
export const sha256hex = (buf) => createHash('sha256').update(buf).digest('hex');
export const b64 = (buf) => Buffer.from(buf).toString('base64');

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC32_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function crc32b64(buf) {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(buf));
  return out.toString('base64');
}

const CRC64NVME_TABLE = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  const t = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
})();

export function crc64nvme(buf) {
  const mask = 0xffffffffffffffffn;
  let c = mask;
  for (const byte of buf) c = CRC64NVME_TABLE[Number((c ^ BigInt(byte)) & 0xffn)] ^ (c >> 8n);
  return (c ^ mask) & mask;
}

export function crc64nvmeB64(buf) {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc64nvme(buf));
  return out.toString('base64');
}
