// Versioning phases of `npm --prefix miniflare run bench` (s3edge only: the pass-through and
// Miniflare's endpoint have no versions): a 4 KiB GET of the current version in a versioned
// bucket (each key holding three versions), read beside the unversioned GET of the main
// phases; and one ListObjectVersions page of 100 versions in a bucket of 10 keys × 10 versions
// (the whole bucket) and in one of 100 keys × 100 versions (from a key marker in the middle),
// which should cost the same (README "Versioning and object lock").
import { randomBytes } from "node:crypto";
import { inParallel } from "./parallel.mjs";

const KEYS = 64;
const VERSIONS_PER_KEY = 3;
const PAGE = 100;
const ENABLED = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";

/** Bucket names of the phases, beside the main bench bucket. */
const names = (bucket) => ({ versioned: `${bucket}-ver`, small: `${bucket}-ver10`, large: `${bucket}-ver100` });

const keyName = (i) => `k${String(i).padStart(3, "0")}`;

/**
 * Makes the three versioned buckets on every s3edge target and fills them (10,000 + 100 + 192
 * PUTs per target).
 * @param request  bench.mjs's request(client, method, path, options)
 * @param s3edges  the s3edge bench targets
 * @param size     the small-object size of the main phases
 */
export async function setUpVersions(request, s3edges, bucket, size, concurrency, log) {
  const { versioned, small, large } = names(bucket);
  const check = (t, what, r, ok = 200) => {
    if (r.status !== ok) throw new Error(`${t.name}: ${what}: ${r.status} ${r.errorText}`);
  };
  for (const t of s3edges) {
    for (const name of [versioned, small, large]) {
      check(t, `CreateBucket ${name}`, await request(t.client, "PUT", `/${name}`));
      check(t, `PutBucketVersioning ${name}`, await request(t.client, "PUT", `/${name}?versioning`, { body: Buffer.from(ENABLED) }));
    }
    const body = randomBytes(size);
    await inParallel(KEYS * VERSIONS_PER_KEY, concurrency, async (i) => {
      check(t, "PUT", await request(t.client, "PUT", `/${versioned}/small/${i % KEYS}`, { body }));
    });
    const started = Date.now();
    for (const [name, keys, versions] of [[small, 10, 10], [large, 100, 100]]) {
      await inParallel(keys * versions, concurrency, async (i) => {
        check(t, "PUT", await request(t.client, "PUT", `/${name}/${keyName(i % keys)}`, { body: Buffer.from(`v${i}`) }));
      });
    }
    log(`${t.name}: versioned buckets filled (10,100 PUTs in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}

/** The phases, in bench.mjs's shape: [id, label, fn(target)]. */
export function versionPhases(request, closedLoop, measured, bucket, size, concurrency, seconds) {
  const { versioned, small, large } = names(bucket);
  const versionedGet = async (t) => {
    const res = await measured(t, () =>
      closedLoop(async (i) => {
        const r = await request(t.client, "GET", `/${versioned}/small/${i % KEYS}`);
        if (r.status !== 200) return `GET ${r.status} ${r.errorText}`;
        if (r.bytes !== size) return `GET returned ${r.bytes} bytes, expected ${size}`;
        if (!r.headers["x-amz-version-id"]) return "GET of a versioned object without x-amz-version-id";
        return null;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  };
  // Both pages list 100 versions: the whole 10 × 10 bucket, and in the 100 × 100 one the
  // versions of the key after a key marker in the middle (a seek past 4,900 versions).
  const page = (name, keys) => async (t) => {
    const marker = keys === 10 ? "" : `&key-marker=${keyName(keys / 2 - 1)}`;
    const path = `/${name}?versions&max-keys=${PAGE}${marker}`;
    const expected = PAGE;
    const res = await measured(t, () =>
      closedLoop(async () => {
        const r = await request(t.client, "GET", path, { text: true });
        if (r.status !== 200) return `ListObjectVersions ${r.status} ${r.errorText}`;
        const listed = (r.text.match(/<Version>/g) ?? []).length;
        if (listed !== expected) return `ListObjectVersions listed ${listed} versions, expected ${expected}`;
        return null;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  };
  return [
    ["getVersioned", `versioned GET 4 KiB, concurrency ${concurrency}, ${seconds} s`, versionedGet],
    ["versions10", `ListObjectVersions page, 10 × 10`, page(small, 10)],
    ["versions100", `ListObjectVersions page, 100 × 100`, page(large, 100)],
  ];
}
