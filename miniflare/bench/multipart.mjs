// The benchmark's multipart and copy phases, run against the S3 targets (s3edge on each
// metadata store, and Miniflare's own S3 endpoint; the bare R2 pass-through has neither):
// CompleteMultipartUpload time for parts of two sizes, GET MiB/s of a 100-part object against a
// single-blob object of the same size, and CopyObject time for two sizes.
// Each phase takes the shared `request(client, method, path, options)` of bench.mjs.
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

const MIB = 1024 * 1024;
const BASE = randomBytes(MIB);

/** `mib` MiB of bytes, each MiB stamped with `seed` and its index (streamed, never held whole). */
function* chunks(mib, seed, digest) {
  for (let i = 0; i < mib; i++) {
    const piece = Buffer.from(BASE);
    piece.writeUInt32BE(seed >>> 0, 0);
    piece.writeUInt32BE(i, 4);
    digest?.update(piece);
    yield piece;
  }
}

const xmlValue = (text, tag) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];

async function expectOk(r, what, status = 200) {
  if (r.status !== status) throw new Error(`${what} answered ${r.status} ${r.errorText}`);
  return r;
}

/**
 * Uploads `parts` parts of `partMiB` MiB, one after another, to a new upload of `key`; returns the
 * upload id and the CompleteMultipartUpload body naming them.
 */
async function uploadParts(request, client, key, parts, partMiB, seed) {
  const created = await expectOk(
    await request(client, "POST", `${key}?uploads`, { text: true }),
    "CreateMultipartUpload",
  );
  const uploadId = xmlValue(created.text, "UploadId");
  const etags = new Array(parts);
  for (let n = 1; n <= parts; n++) {
    const r = await request(client, "PUT", `${key}?partNumber=${n}&uploadId=${uploadId}`, {
      body: { length: partMiB * MIB, chunks: chunks(partMiB, seed * 100_000 + n) },
    });
    await expectOk(r, `UploadPart ${n}`);
    etags[n - 1] = r.headers.etag;
  }
  const body = Buffer.from(
    `<CompleteMultipartUpload>${etags
      .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
      .join("")}</CompleteMultipartUpload>`,
  );
  return { uploadId, body };
}

/** CompleteMultipartUpload wall time (ms) for `parts` parts of `partMiB` MiB, `reps` times. */
export async function completeTimes(request, client, prefix, { parts, partMiB, reps, log }) {
  const times = [];
  for (let rep = 0; rep < reps; rep++) {
    const key = `${prefix}/mp-complete/${partMiB}/${rep}`;
    const { uploadId, body } = await uploadParts(request, client, key, parts, partMiB, rep + 1);
    const t0 = performance.now();
    await expectOk(await request(client, "POST", `${key}?uploadId=${uploadId}`, { body }), "CompleteMultipartUpload");
    times.push(performance.now() - t0);
    await request(client, "DELETE", key);
    log?.(`  CompleteMultipartUpload, ${parts} × ${partMiB} MiB: ${times.at(-1).toFixed(1)} ms`);
  }
  return times;
}

/**
 * GET MiB/s of a `parts`-part object (parts of `partMiB` MiB) and of a single-blob object of the
 * same size, each read `reps` times and checked by SHA-256; `measure` wraps each read set to
 * take the workerd CPU it cost.
 */
export async function manyPartGet(request, client, prefix, { parts, partMiB, reps, measure, log }) {
  const total = parts * partMiB;
  const multiKey = `${prefix}/mp-get/multi`;
  const singleKey = `${prefix}/mp-get/single`;
  const { uploadId, body } = await uploadParts(request, client, multiKey, parts, partMiB, 7);
  await expectOk(await request(client, "POST", `${multiKey}?uploadId=${uploadId}`, { body }), "CompleteMultipartUpload");
  // The same bytes as one blob: part n's MiBs are stamped like uploadParts stamps them.
  const expected = createHash("sha256");
  function* sameBytes() {
    for (let n = 1; n <= parts; n++) yield* chunks(partMiB, 7 * 100_000 + n, expected);
  }
  await expectOk(
    await request(client, "PUT", singleKey, { body: { length: total * MIB, chunks: sameBytes() } }),
    "single-blob PUT",
  );
  const sha256 = expected.digest("hex");
  const read = async (key) => {
    const rates = [];
    for (let rep = 0; rep < reps; rep++) {
      const t0 = performance.now();
      const r = await expectOk(await request(client, "GET", key, { hash: true }), `GET ${key}`);
      if (r.bytes !== total * MIB || r.sha256 !== sha256) throw new Error(`GET ${key} returned other bytes`);
      rates.push(total / ((performance.now() - t0) / 1000));
    }
    return { rates };
  };
  const multi = await measure(() => read(multiKey));
  const single = await measure(() => read(singleKey));
  log?.(`  GET ${total} MiB: ${parts} parts ${multi.rates.map((x) => x.toFixed(0)).join(", ")} MiB/s; one blob ${single.rates.map((x) => x.toFixed(0)).join(", ")} MiB/s`);
  await request(client, "DELETE", multiKey);
  await request(client, "DELETE", singleKey);
  return { total, multi, single };
}

/**
 * CopyObject wall time (ms) of a `mib` MiB object, `reps` times. `bucketPath` is the
 * `/<bucket>` that `x-amz-copy-source` names (it differs from `prefix` where the endpoint sits
 * under a path of its own, as Miniflare's `/cdn-cgi/local/r2/s3/<bucket>` does).
 */
export async function copyTimes(request, client, prefix, { mib, reps, log, bucketPath = prefix }) {
  const source = `${prefix}/copy-src/${mib}`;
  const copySource = `${bucketPath}/copy-src/${mib}`;
  await expectOk(await request(client, "PUT", source, { body: { length: mib * MIB, chunks: chunks(mib, 9) } }), "PUT copy source");
  const times = [];
  for (let rep = 0; rep < reps; rep++) {
    const target = `${prefix}/copy-dst/${mib}/${rep}`;
    const t0 = performance.now();
    const r = await request(client, "PUT", target, { extra: { "x-amz-copy-source": copySource }, text: true });
    await expectOk(r, "CopyObject");
    times.push(performance.now() - t0);
    await request(client, "DELETE", target);
  }
  await request(client, "DELETE", source);
  log?.(`  CopyObject ${mib} MiB: ${times.map((x) => x.toFixed(0)).join(", ")} ms`);
  return times;
}
