// The phases that compare s3edge with the local S3 servers people pick for tests (moto, s3s-fs;
// README "Benchmarks"), on every S3 target: 16 B PUT and DeleteObject under load, one
// ListObjectsV2 page of 1,000 keys, DeleteObjects of 1,000 keys, and a 256 MiB multipart upload
// (8 MiB parts, 4 at a time) with its CompleteMultipartUpload and a GET of the object.
// Each phase takes the shared `request(client, method, path, options)` of bench.mjs.
import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { inParallel } from "./parallel.mjs";

const MIB = 1024 * 1024;
const BASE = randomBytes(MIB);
const TINY = 16;
const LIST_KEYS = 1000;
const LIST_READS = 10;
const LARGE_MIB = Number(process.env.S3EDGE_BENCH_LARGE_MIB ?? 256);
const PART_MIB = 8;
const PARTS_AT_ONCE = 4;

const xmlValue = (text, tag) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
const count = (text, tag) => (text.match(new RegExp(`<${tag}>`, "g")) ?? []).length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const keyName = (i) => `k${String(i).padStart(5, "0")}`;

/** `mib` MiB of part `n`'s bytes, each MiB stamped (streamed, never held whole). */
function* partChunks(mib, n, digest) {
  for (let i = 0; i < mib; i++) {
    const piece = Buffer.from(BASE);
    piece.writeUInt32BE(n, 0);
    piece.writeUInt32BE(i, 4);
    digest?.update(piece);
    yield piece;
  }
}

/**
 * The phases, in bench.mjs's shape: [id, label, fn(target)], each run on every S3 target.
 * @param request     bench.mjs's request(client, method, path, options)
 * @param closedLoop  bench.mjs's closed-loop load generator
 * @param measured    wraps a run to take the server's CPU
 */
export function localS3Phases(request, closedLoop, measured, { concurrency, seconds, reps }) {
  const path = (t, key) => `${t.client.prefix}/${key}`;
  const ok = (r, what, status = 200) => {
    if (r.status !== status) throw new Error(`${what} answered ${r.status} ${r.errorText}`);
    return r;
  };
  const fill = async (t, prefix) => {
    const body = Buffer.from("listed");
    await inParallel(LIST_KEYS, concurrency, async (i) => {
      ok(await request(t.client, "PUT", path(t, `${prefix}${keyName(i)}`), { body }), `${t.name}: PUT`);
    });
  };

  /** PUTs of `size` bytes under load, each to a new key under `dir/`, kept for the phases after. */
  async function putUnderLoad(t, size, dir) {
    const body = randomBytes(size);
    const keys = [];
    (t.written ??= {})[dir] = keys;
    const res = await measured(t, () =>
      closedLoop(async (i) => {
        const r = await request(t.client, "PUT", path(t, `${dir}/${i}`), { body });
        if (r.status !== 200) return `PUT ${r.status} ${r.errorText}`;
        keys.push(i);
        return null;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  }
  const tinyPut = (t) => putUnderLoad(t, TINY, "tiny");
  // 1 MiB bodies: MiB/s = ops/s.
  const mibPut = (t) => putUnderLoad(t, MIB, "mib");

  /** DeleteObject of the keys the 16 B PUT phase wrote (each once). */
  async function deleteOne(t) {
    const keys = t.written?.tiny ?? [];
    if (keys.length === 0) throw new Error(`${t.name}: no 16 B objects to delete`);
    const res = await measured(t, () =>
      closedLoop(
        async (i) => {
          const r = await request(t.client, "DELETE", path(t, `tiny/${keys[i]}`));
          return r.status === 204 ? null : `DELETE ${r.status} ${r.errorText}`;
        },
        { maxOps: keys.length },
      ),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  }

  /** 1 MiB GETs under load of what the 1 MiB PUT phase wrote. */
  async function mibGet(t) {
    const keys = t.written?.mib ?? [];
    if (keys.length === 0) throw new Error(`${t.name}: no 1 MiB objects to read`);
    const res = await measured(t, () =>
      closedLoop(async (i) => {
        const r = await request(t.client, "GET", path(t, `mib/${keys[i % keys.length]}`));
        if (r.status !== 200) return `GET ${r.status} ${r.errorText}`;
        return r.bytes === MIB ? null : `GET returned ${r.bytes} bytes`;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  }

  /** One ListObjectsV2 page of 1,000 keys, read LIST_READS times one after another. */
  async function listPage(t) {
    await fill(t, "listed/");
    return measured(t, async () => {
      const times = [];
      for (let i = 0; i < LIST_READS; i++) {
        const t0 = performance.now();
        const r = ok(
          await request(t.client, "GET", `${t.client.prefix}?list-type=2&max-keys=1000&prefix=listed%2F`, { text: true }),
          `${t.name}: ListObjectsV2`,
        );
        times.push(performance.now() - t0);
        const keys = count(r.text, "Key");
        if (keys !== LIST_KEYS) throw new Error(`${t.name}: ListObjectsV2 listed ${keys} keys, expected ${LIST_KEYS}`);
      }
      return { times, p50: median(times), ops: LIST_READS };
    });
  }

  /** DeleteObjects of 1,000 keys, `reps` times (each over 1,000 keys written for it). */
  async function deleteMany(t) {
    const times = [];
    let errors = 0;
    let firstError = null;
    let cpu = 0;
    for (let rep = 0; rep < reps; rep++) {
      const prefix = `batch/${rep}/`;
      await fill(t, prefix);
      const xml = `<Delete><Quiet>true</Quiet>${Array.from({ length: LIST_KEYS }, (_, i) => `<Object><Key>${prefix}${keyName(i)}</Key></Object>`).join("")}</Delete>`;
      const body = Buffer.from(xml);
      const md5 = createHash("md5").update(body).digest("base64");
      const r = await measured(t, async () => {
        const t0 = performance.now();
        const answer = await request(t.client, "POST", `${t.client.prefix}?delete`, { body, text: true, extra: { "content-md5": md5 } });
        return { answer, ms: performance.now() - t0 };
      });
      ok(r.answer, `${t.name}: DeleteObjects`);
      cpu += r.workerdCpuMs;
      times.push(r.ms);
      const failed = count(r.answer.text, "Error");
      errors += failed;
      if (failed) firstError ??= `${xmlValue(r.answer.text, "Code")}: ${xmlValue(r.answer.text, "Message")}`;
    }
    return { times, p50: median(times), errors, firstError, workerdCpuMs: cpu, ops: reps };
  }

  /** A LARGE_MIB MiB multipart upload (PART_MIB MiB parts, PARTS_AT_ONCE at a time), its
   * Complete, and a GET of the object checked by SHA-256. */
  async function largeMultipart(t) {
    const key = path(t, "large/mp");
    const parts = Math.ceil(LARGE_MIB / PART_MIB);
    return measured(t, async () => {
      const t0 = performance.now();
      const created = ok(await request(t.client, "POST", `${key}?uploads`, { text: true }), `${t.name}: CreateMultipartUpload`);
      const uploadId = encodeURIComponent(xmlValue(created.text, "UploadId"));
      const etags = new Array(parts);
      await inParallel(parts, PARTS_AT_ONCE, async (i) => {
        const mib = Math.min(PART_MIB, LARGE_MIB - i * PART_MIB);
        const r = await request(t.client, "PUT", `${key}?partNumber=${i + 1}&uploadId=${uploadId}`, {
          body: { length: mib * MIB, chunks: partChunks(mib, i + 1) },
        });
        etags[i] = ok(r, `${t.name}: UploadPart ${i + 1}`).headers.etag;
      });
      const body = Buffer.from(
        `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join("")}</CompleteMultipartUpload>`,
      );
      const c0 = performance.now();
      const done = ok(await request(t.client, "POST", `${key}?uploadId=${uploadId}`, { body, text: true }), `${t.name}: CompleteMultipartUpload`);
      const completeMs = performance.now() - c0;
      // (moto names the answer CompleteMultipartUploadResponse.)
      if (!done.text.includes("<ETag>") || done.text.includes("<Error>")) throw new Error(`${t.name}: CompleteMultipartUpload answered ${done.text.slice(0, 300)}`);
      const uploadMibPerSec = LARGE_MIB / ((performance.now() - t0) / 1000);
      const expected = createHash("sha256");
      for (let i = 0; i < parts; i++) for (const _ of partChunks(Math.min(PART_MIB, LARGE_MIB - i * PART_MIB), i + 1, expected));
      const g0 = performance.now();
      const got = ok(await request(t.client, "GET", key, { hash: true }), `${t.name}: GET of the multipart object`);
      const getMibPerSec = LARGE_MIB / ((performance.now() - g0) / 1000);
      if (got.bytes !== LARGE_MIB * MIB || got.sha256 !== expected.digest("hex")) throw new Error(`${t.name}: GET of the multipart object returned other bytes`);
      await request(t.client, "DELETE", key);
      return { uploadMibPerSec, completeMs, getMibPerSec, ops: 1 };
    });
  }

  const s3 = ["s3edge", "s3", "peer"];
  return [
    ["put16", `${TINY} B PUT, concurrency ${concurrency}, ${seconds} s`, tinyPut, s3],
    ["delete", `DeleteObject (the 16 B objects), concurrency ${concurrency}`, deleteOne, s3],
    ["put1m", `1 MiB PUT, concurrency ${concurrency}, ${seconds} s`, mibPut, [...s3, "bare"]],
    ["get1m", `1 MiB GET, concurrency ${concurrency}, ${seconds} s`, mibGet, [...s3, "bare"]],
    ["list1000", `ListObjectsV2 page of ${LIST_KEYS} keys ×${LIST_READS}`, listPage, s3],
    ["deleteObjects", `DeleteObjects of ${LIST_KEYS} keys ×${reps}`, deleteMany, s3],
    ["mp256", `${LARGE_MIB} MiB multipart upload (${PART_MIB} MiB parts, ${PARTS_AT_ONCE} at a time) + GET`, largeMultipart, s3],
  ];
}

/** What bench.mjs logs of a phase without ops/s. */
export function describe(id, r) {
  const f = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  switch (id) {
    case "list1000":
      return `p50 ${f(r.p50, 1)} ms (${r.times.map((x) => f(x, 0)).join(", ")})`;
    case "deleteObjects":
      return `p50 ${f(r.p50, 0)} ms (${r.times.map((x) => f(x, 0)).join(", ")}), ${r.errors} per-key errors${r.firstError ? `, first: ${r.firstError}` : ""}`;
    case "mp256":
      return `upload ${f(r.uploadMibPerSec, 0)} MiB/s, Complete ${f(r.completeMs, 0)} ms, GET ${f(r.getMibPerSec, 0)} MiB/s`;
    default:
      return "";
  }
}
