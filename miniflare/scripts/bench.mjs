// `npm --prefix miniflare run bench`: measures s3edge, once with each metadata store (Workers KV,
// and Durable Objects: `S3EDGE_META_STORE=durable-object`), Miniflare's own S3 endpoint for a
// local R2 bucket (`/cdn-cgi/local/r2/s3/<bucket>`, from the same Miniflare) and a bare R2
// pass-through Worker (miniflare/bench/passthrough.mjs), each in its own Miniflare (workerd)
// behind the same local front (miniflare/front), and the local S3 servers people pick for tests,
// moto's server and s3s-fs (miniflare/bench/peers.mjs: pinned, installed on first use, skipped
// with the reason when they cannot be), all driven by the same keep-alive `http.request`
// client on 127.0.0.1, the S3 targets with the same SigV4 signer; phases alternate between them.
// Every loop is bounded (by time and by count); the whole run takes about two and a half
// minutes plus the build check, and a watchdog ends it.
// Prints progress, then Markdown tables (see BENCHMARKS.md for what each figure means).
//
// Knobs (environment): S3EDGE_BENCH_SECONDS (5), S3EDGE_BENCH_CONCURRENCY (8),
// S3EDGE_BENCH_BIG_MIB (64), S3EDGE_BENCH_REPS (3), S3EDGE_BENCH_COMPARE_REPS (5),
// S3EDGE_BENCH_MULTIPART (1; 0 skips the multipart and copy phases, which upload about 2.5 GiB
// per S3 target and take several minutes), S3EDGE_BENCH_VERSIONS (1; 0 skips the versioning
// phases, whose buckets take about 10,000 PUTs per s3edge target to fill), S3EDGE_BENCH_PEERS (1; 0
// leaves moto and s3s-fs out), S3EDGE_BENCH_LARGE_MIB (256: the multipart upload of the
// local-S3 phases).
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import zlib from "node:zlib";
import { BUILD_DIR, DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY, MINIFLARE_DIR, ROOT, freePort, output } from "./common.mjs";
import { startServer } from "./server.mjs";
import { createSigner } from "../bench/sigv4.mjs";
import { completeTimes, copyTimes, manyPartGet } from "../bench/multipart.mjs";
import { WEBSITE_DOMAIN, setUpSite, sitePhases } from "../bench/website.mjs";
import { setUpVersions, versionPhases } from "../bench/versions.mjs";
import { peerSpecs, startPeer } from "../bench/peers.mjs";
import { describe, localS3Phases } from "../bench/local_s3.mjs";

const SECONDS = Number(process.env.S3EDGE_BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.S3EDGE_BENCH_CONCURRENCY ?? 8);
const BIG_MIB = Number(process.env.S3EDGE_BENCH_BIG_MIB ?? 64);
const REPS = Number(process.env.S3EDGE_BENCH_REPS ?? 3);
/** Repetitions of the large PUT and GET through the front and straight to workerd, alternating. */
const COMPARE_REPS = Number(process.env.S3EDGE_BENCH_COMPARE_REPS ?? 5);
const MULTIPART = process.env.S3EDGE_BENCH_MULTIPART !== "0";
const VERSIONS = process.env.S3EDGE_BENCH_VERSIONS !== "0";
const PEERS = process.env.S3EDGE_BENCH_PEERS !== "0";
// The small objects' size (`S3EDGE_BENCH_SMALL_KIB`, default 4): how the inline threshold was chosen.
const SMALL_KIB = Number(process.env.S3EDGE_BENCH_SMALL_KIB ?? 4);
const SMALL = SMALL_KIB * 1024;
const SMALL_LABEL = `${SMALL_KIB} KiB`;
const MAX_SMALL_OPS = 200_000; // count bound of a timed phase, whatever the duration says
const CHUNK = 1024 * 1024; // the big bodies are streamed in 1 MiB pieces
const BUCKET = "bench";
const REQUEST_TIMEOUT_MS = 120_000;
/** Where Miniflare serves its own S3 endpoint for R2 buckets given `s3Credentials`. */
const MINIFLARE_S3_PATH = "/cdn-cgi/local/r2/s3";
const MINIFLARE_VERSION = JSON.parse(fs.readFileSync(path.join(MINIFLARE_DIR, "node_modules", "miniflare", "package.json"), "utf8")).version;
/** The targets, in the order of the table's columns: headings, and short names for the ratios. */
const LABELS = { s3edge: "s3edge (KV)", "s3edge-do": "s3edge (Durable Objects)", "miniflare-s3": "Miniflare S3 endpoint", "pass-through": "pass-through", moto: "moto server", "s3s-fs": "s3s-fs" };
const SHORT = { s3edge: "KV", "s3edge-do": "DO", "miniflare-s3": "Miniflare S3", "pass-through": "pass-through", moto: "moto", "s3s-fs": "s3s-fs" };
const CLK_TCK = Number(output("getconf", ["CLK_TCK"]) ?? 100) || 100;

const startedAt = performance.now();
const log = (message) => console.log(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}`);

// A last resort against a hang: every phase is bounded, this bounds the sum (the multipart and
// copy phases, on three targets, take several minutes more).
const WATCHDOG_MINUTES = (MULTIPART ? 40 : 15) + (VERSIONS ? 10 : 0) + (PEERS ? 45 : 5);
const watchdog = setTimeout(() => {
  console.error(`[bench] gave up after ${WATCHDOG_MINUTES} minutes`);
  process.exit(2);
}, WATCHDOG_MINUTES * 60_000);
watchdog.unref();

// ---------------------------------------------------------------- processes: pids, CPU, RSS, pinning

function statFields(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" "); // [0] = state, [1] = ppid, ...
}

/** workerd processes whose parent is this Node process. */
function workerdChildren(parent = process.pid) {
  const pids = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(entry)[1]) !== parent) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes("workerd")) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid) {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function statusKiB(pid, field) {
  const match = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match ? Number(match[1]) : 0;
}

function allowedCpus() {
  const match = fs.readFileSync("/proc/self/status", "utf8").match(/^Cpus_allowed_list:\s*(\S+)/m);
  const cpus = [];
  for (const part of (match?.[1] ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
}

const tasksetPath = output("sh", ["-c", "command -v taskset"]);
const cpus = allowedCpus();
let pinning = tasksetPath && cpus.length >= 2 ? { server: cpus[0], client: cpus[1] } : null;

/** Pins every thread of `pid` to one CPU; returns whether taskset succeeded. */
function pin(pid, cpu) {
  return spawnSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], { stdio: "ignore" }).status === 0;
}

/** The distinct CPU lists the threads of `pid` may run on, e.g. "0" (for the log). */
function affinityOf(pid) {
  const lists = new Set();
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      lists.add(fs.readFileSync(`/proc/${pid}/task/${task}/status`, "utf8").match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1]);
    } catch {}
  }
  return [...lists].join(" ");
}

// ---------------------------------------------------------------- HTTP client (shared by every server)

/**
 * @param {string} url      the server's base URL
 * @param {string} prefix   path prefix of every key ("/bench" for s3edge, "/cdn-cgi/local/r2/s3/bench" for
 *                          Miniflare's S3 endpoint, "" for the pass-through)
 * @param {Function} sign   (method, path, host) → extra headers
 */
function makeClient(url, prefix, sign) {
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  return { hostname: base.hostname, port: Number(base.port), host: base.host, prefix, sign, agent };
}

/**
 * One request. `body` is a Buffer, or `{ length, chunks }` with an iterable of Buffers that is
 * written with back-pressure. Resolves with the status, the number of body bytes received, their
 * SHA-256 when `hash` is set, and the start of an error body for diagnostics.
 */
function request(client, method, pathname, { body, hash = false, text = false, extra = {} } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { host: client.host, ...client.sign(method, pathname, client.host, extra) };
    if (body !== undefined) headers["content-length"] = String(body.length);
    const req = http.request(
      { hostname: client.hostname, port: client.port, method, path: pathname, headers, agent: client.agent },
      (res) => {
        let bytes = 0;
        const digest = hash ? createHash("sha256") : null;
        let errorText = "";
        const kept = [];
        res.on("data", (chunk) => {
          bytes += chunk.length;
          digest?.update(chunk);
          if (text) kept.push(chunk);
          if (res.statusCode >= 300 && errorText.length < 400) errorText += chunk.toString("utf8", 0, 400);
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode, bytes, sha256: digest?.digest("hex"), errorText, headers: res.headers,
            text: text ? Buffer.concat(kept).toString("utf8") : undefined,
          }),
        );
        res.on("error", reject);
      },
    );
    // Which request failed, and on which server (a bare "socket hang up" names neither).
    req.on("error", (err) => reject(new Error(`${method} ${client.host}${pathname}: ${err.message}`, { cause: err })));
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${pathname} timed out`)));
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      (async () => {
        for (const chunk of body.chunks) {
          if (!req.write(chunk)) {
            await new Promise((ok, fail) => {
              const onDrain = () => (req.off("error", fail), ok());
              req.once("drain", onDrain);
              req.once("error", fail);
            });
          }
        }
        req.end();
      })().catch((err) => req.destroy(err));
    }
  });
}

const keyPath = (client, key) => `${client.prefix}/${key}`;

// ---------------------------------------------------------------- phases

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** Closed-loop load: `concurrency` loops each issue `op(i)` until the time or the count runs out. */
async function closedLoop(op, { seconds = SECONDS, maxOps = MAX_SMALL_OPS } = {}) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  let firstError = null;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline && next < maxOps && errors < 50) {
      const i = next++;
      const t0 = performance.now();
      try {
        const problem = await op(i);
        if (problem) throw new Error(problem);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err.message;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { ok: latencies.length, errors, firstError, elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Big-object data: 1 MiB of random bytes, each piece stamped with its rep and index. */
const BIG_BASE = randomBytes(CHUNK);
function* bigChunks(rep, digest) {
  const total = BIG_MIB * CHUNK;
  for (let offset = 0, i = 0; offset < total; offset += CHUNK, i++) {
    const piece = Buffer.from(BIG_BASE.subarray(0, Math.min(CHUNK, total - offset)));
    piece.writeUInt32BE(rep, 0);
    piece.writeUInt32BE(i, 4);
    digest.update(piece);
    yield piece;
  }
}

/** Runs `fn` and measures the CPU of the target's workerd, of its front (a process of its own),
 * and of this process (the client). */
async function measured(target, fn) {
  const frontPid = target.server.frontPid;
  const cpu0 = cpuMs(target.pid);
  const front0 = frontPid ? cpuMs(frontPid) : NaN;
  const node0 = process.cpuUsage();
  const result = await fn();
  const node = process.cpuUsage(node0);
  return {
    ...result,
    workerdCpuMs: cpuMs(target.pid) - cpu0,
    frontCpuMs: frontPid ? cpuMs(frontPid) - front0 : NaN,
    nodeCpuMs: (node.user + node.system) / 1000,
  };
}

async function smallPut(target) {
  const body = randomBytes(SMALL);
  const res = await measured(target, () =>
    closedLoop(async (i) => {
      const r = await request(target.client, "PUT", keyPath(target.client, `small/${i}`), { body });
      if (r.status !== 200) return `PUT ${r.status} ${r.errorText}`;
      target.smallKeys.push(i);
      return null;
    }),
  );
  return { ...res, opsPerSec: res.ok / res.elapsed };
}

async function smallGet(target) {
  const keys = target.smallKeys;
  if (keys.length === 0) throw new Error(`${target.name}: no ${SMALL_LABEL} objects to read`);
  const res = await measured(target, () =>
    closedLoop(async (i) => {
      const r = await request(target.client, "GET", keyPath(target.client, `small/${keys[i % keys.length]}`));
      if (r.status !== 200) return `GET ${r.status} ${r.errorText}`;
      if (r.bytes !== SMALL) return `GET returned ${r.bytes} bytes, expected ${SMALL}`;
      return null;
    }),
  );
  return { ...res, opsPerSec: res.ok / res.elapsed };
}

async function smallHead(target) {
  const keys = target.smallKeys;
  if (keys.length === 0) throw new Error(`${target.name}: no ${SMALL_LABEL} objects to look up`);
  const res = await measured(target, () =>
    closedLoop(async (i) => {
      const r = await request(target.client, "HEAD", keyPath(target.client, `small/${keys[i % keys.length]}`));
      if (r.status !== 200) return `HEAD ${r.status}`;
      if (r.headers["content-length"] !== String(SMALL)) return `HEAD answered Content-Length ${r.headers["content-length"]}, expected ${SMALL}`;
      return null;
    }),
  );
  return { ...res, opsPerSec: res.ok / res.elapsed };
}

const allReps = () => [...Array(REPS).keys()];

async function bigPut(target, reps = allReps()) {
  const rates = [];
  return measured(target, async () => {
    for (const rep of reps) {
      const digest = createHash("sha256");
      const t0 = performance.now();
      const r = await request(target.client, "PUT", keyPath(target.client, `${target.bigKey ?? "big"}/${rep}`), {
        body: { length: BIG_MIB * CHUNK, chunks: bigChunks(rep, digest) },
      });
      const seconds = (performance.now() - t0) / 1000;
      if (r.status !== 200) throw new Error(`${target.name}: ${BIG_MIB} MiB PUT answered ${r.status} ${r.errorText}`);
      target.bigSha[rep] = digest.digest("hex");
      rates.push(BIG_MIB / seconds);
    }
    return { rates, ops: reps.length };
  });
}

/**
 * The large PUT as SDKs send it by default: with a CRC32 of the body (`x-amz-checksum-crc32`),
 * which s3edge verifies in the Worker (the bytes pass through wasm); the pass-through ignores it.
 */
async function bigPutCrc(target) {
  const rates = [];
  return measured(target, async () => {
    for (let rep = 0; rep < REPS; rep++) {
      let crc = 0;
      for (const piece of bigChunks(100 + rep, createHash("sha256"))) crc = zlib.crc32(piece, crc);
      const value = Buffer.alloc(4);
      value.writeUInt32BE(crc >>> 0, 0);
      const t0 = performance.now();
      const r = await request(target.client, "PUT", keyPath(target.client, `bigcrc/${rep}`), {
        body: { length: BIG_MIB * CHUNK, chunks: bigChunks(100 + rep, createHash("sha256")) },
        extra: { "x-amz-checksum-crc32": value.toString("base64") },
      });
      const seconds = (performance.now() - t0) / 1000;
      if (r.status !== 200) throw new Error(`${target.name}: ${BIG_MIB} MiB PUT with CRC32 answered ${r.status} ${r.errorText}`);
      rates.push(BIG_MIB / seconds);
    }
    return { rates, ops: REPS };
  });
}

async function bigGet(target, reps = allReps()) {
  const rates = [];
  return measured(target, async () => {
    for (const rep of reps) {
      const t0 = performance.now();
      const r = await request(target.client, "GET", keyPath(target.client, `${target.bigKey ?? "big"}/${rep}`), { hash: true });
      const seconds = (performance.now() - t0) / 1000;
      if (r.status !== 200) throw new Error(`${target.name}: ${BIG_MIB} MiB GET answered ${r.status} ${r.errorText}`);
      if (r.bytes !== BIG_MIB * CHUNK) throw new Error(`${target.name}: ${BIG_MIB} MiB GET returned ${r.bytes} bytes`);
      if (r.sha256 !== target.bigSha[rep]) throw new Error(`${target.name}: ${BIG_MIB} MiB GET returned other bytes than were PUT`);
      target.bigBytesVerified.push(r.bytes);
      rates.push(BIG_MIB / seconds);
    }
    return { rates, ops: reps.length };
  });
}

// ---------------------------------------------------------------- servers

async function startTarget(name, options, prefix, sign) {
  const before = new Set(workerdChildren());
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `s3edge-bench-${name}-`));
  const server = await startServer({ stateDir, port: 0, ...options });
  const fresh = workerdChildren().filter((pid) => !before.has(pid));
  if (fresh.length !== 1) throw new Error(`${name}: expected one new workerd child process, found ${fresh.length}`);
  const pid = fresh[0];
  const pinned = pinning ? pin(pid, pinning.server) : false;
  const client = makeClient(server.url, prefix, sign);
  const inner = await server.mf.ready; // workerd's own port, without the front
  return {
    name, server, stateDir, pid, pinned, client, innerUrl: inner.href.replace(/\/$/, ""),
    smallKeys: [], bigSha: [], bigBytesVerified: [], peakRssKiB: 0,
  };
}

/** A local S3 server (moto, s3s-fs) as a target: its own process, pinned like workerd, no front. */
async function startPeerTarget(name, spec, sign) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `s3edge-bench-${name}-`));
  const peer = await startPeer(name, spec.command, spec.args, stateDir);
  const pinned = pinning ? pin(peer.pid, pinning.server) : false;
  return {
    name, kind: "peer", server: { url: peer.url, close: peer.close }, stateDir, pid: peer.pid, pinned,
    client: makeClient(peer.url, `/${BUCKET}`, sign), innerUrl: peer.url,
    smallKeys: [], bigSha: [], bigBytesVerified: [], peakRssKiB: 0,
  };
}

async function stopTarget(target) {
  target.client.agent.destroy();
  try {
    await target.server.close();
  } finally {
    fs.rmSync(target.stateDir, { recursive: true, force: true });
  }
}

function waitForExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => (clearTimeout(timer), resolve(true)));
  });
}

/** Spawns `node scripts/serve.mjs` on a free port and a fresh state dir; ms until any HTTP answer. */
async function timeToFirstAnswer() {
  const port = await freePort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3edge-bench-start-"));
  const env = {
    ...process.env,
    S3EDGE_PORT: String(port),
    S3EDGE_STATE_DIR: stateDir,
    S3EDGE_ACCESS_KEY_ID: DEV_ACCESS_KEY_ID,
    S3EDGE_SECRET_ACCESS_KEY: DEV_SECRET_ACCESS_KEY,
  };
  delete env.S3EDGE_USERS;
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(MINIFLARE_DIR, "scripts", "serve.mjs")], { env, stdio: "ignore" });
  const answer = () =>
    new Promise((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(null));
    });
  let ms = null;
  let status = null;
  try {
    while (performance.now() - t0 < 60_000 && child.exitCode === null) {
      status = await answer();
      if (status !== null) {
        ms = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const grandchildren = workerdChildren(child.pid);
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 15_000))) {
      for (const pid of grandchildren) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
      child.kill("SIGKILL");
      await waitForExit(child, 5_000);
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
  if (ms === null) throw new Error("serve.mjs gave no HTTP answer within 60 s");
  return { ms, status };
}

/**
 * boto3 `put_object` of 4 KiB, 3 times, to one endpoint, in a python3 child process (spawned
 * asynchronously: Miniflare lives in this process and must keep serving). Resolves with the ms of
 * each put and the Expect header each one sent.
 */
function boto3Puts(endpoint, label) {
  const script = `
import io, json, sys, time, boto3
from botocore.config import Config
endpoint, bucket, label = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
expect = []
s3.meta.events.register("before-send.s3.PutObject", lambda request, **kw: expect.append(request.headers.get("Expect")))
out = []
for i in range(3):
    t0 = time.perf_counter()
    s3.put_object(Bucket=bucket, Key=f"boto3/{label}/{i}", Body=io.BytesIO(b"b" * 4096))
    out.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"ms": out, "expect": [e.decode() if isinstance(e, bytes) else e for e in expect]}))
`;
  const child = spawn("python3", ["-c", script, endpoint, BUCKET, label], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: DEV_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: DEV_SECRET_ACCESS_KEY,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", (err) => (clearTimeout(timer), reject(err)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`boto3 (${label}) failed (${signal ?? code}): ${stderr.trim().split("\n").pop() ?? ""}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop()));
      } catch (err) {
        reject(new Error(`boto3 (${label}): unreadable output ${JSON.stringify(stdout)}`));
      }
    });
  });
}

// ---------------------------------------------------------------- run

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "n/a");

const commit = output("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }) ?? "unknown";
const dirty = (output("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT }) ?? "") !== "";
const wasmPath = path.join(BUILD_DIR, "index_bg.wasm");
const wasm = fs.readFileSync(wasmPath);
const wasmGzip = zlib.gzipSync(wasm, { level: 9 }).length;

let pinNote;
if (pinning && pin(process.pid, pinning.client)) {
  pinNote = `workerd processes on CPU ${pinning.server}, this Node process (client) and the fronts it starts on CPU ${pinning.client} (taskset -a -p)`;
} else if (pinning) {
  pinning = null;
  pinNote = "taskset failed; no pinning";
} else {
  pinNote = tasksetPath ? `only ${cpus.length} CPU allowed; no pinning` : "taskset not found; no pinning";
}
log(`commit ${commit}${dirty ? " (with uncommitted changes)" : ""}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}`);
log(`pinning: ${pinNote}`);
log(`wasm: ${wasm.length} bytes raw, ${wasmGzip} bytes gzip -9`);

log("start to first answer: spawning node scripts/serve.mjs");
let startup;
let exitCode = 0;
try {
  startup = await timeToFirstAnswer();
  log(`  first answer (HTTP ${startup.status}) after ${fmt(startup.ms, 0)} ms`);
} catch (err) {
  startup = { ms: NaN, error: err.message };
  exitCode = 1;
  log(`  FAILED: ${err.message}`);
}

const sign = createSigner({ accessKeyId: DEV_ACCESS_KEY_ID, secretAccessKey: DEV_SECRET_ACCESS_KEY });
const s3edgeBindings = {
  S3EDGE_ACCESS_KEY_ID: DEV_ACCESS_KEY_ID, S3EDGE_SECRET_ACCESS_KEY: DEV_SECRET_ACCESS_KEY, S3EDGE_WEBSITE_DOMAIN: WEBSITE_DOMAIN,
  // The inline threshold (`S3EDGE_INLINE_MAX`) when set; otherwise the Worker's default.
  ...(process.env.S3EDGE_INLINE_MAX ? { S3EDGE_INLINE_MAX: process.env.S3EDGE_INLINE_MAX } : {}),
};
const passthroughScript = path.join(MINIFLARE_DIR, "bench", "passthrough.mjs");
// Installed (on first use) before any server starts: an install blocks this process for minutes.
const peers = PEERS ? peerSpecs(log, { accessKeyId: DEV_ACCESS_KEY_ID, secretAccessKey: DEV_SECRET_ACCESS_KEY }) : {};
const targets = [];
let sampler = null;
let miniflareS3Skipped = null; // why Miniflare's own S3 endpoint was not measured, when it was not
const peersSkipped = []; // "name: why" for each peer not measured
const peerVersions = [];
try {
  const started = async (kind, ...args) => Object.assign(await startTarget(...args), { kind });
  targets.push(await started("s3edge", "s3edge", { bindings: { ...s3edgeBindings, S3EDGE_META_STORE: "kv" } }, `/${BUCKET}`, sign));
  targets.push(await started("s3edge", "s3edge-do", { bindings: { ...s3edgeBindings, S3EDGE_META_STORE: "durable-object" } }, `/${BUCKET}`, sign));
  // Miniflare's own S3 endpoint: an instance of its own (so its own workerd, whose CPU is read
  // like the others'), holding one R2 bucket with S3 credentials and, as its Worker, the
  // pass-through script, which the endpoint's requests never reach: Miniflare's entry worker
  // answers `/cdn-cgi/local/r2/s3/...` itself. So the front relays to that entry socket.
  let mfS3 = null;
  try {
    mfS3 = await started("s3", "miniflare-s3", {
      bindings: {}, scriptPath: passthroughScript, frontToEntry: true,
      r2Buckets: { S3EDGE_BLOBS: { id: BUCKET, s3Credentials: { accessKeyId: DEV_ACCESS_KEY_ID, secretAccessKey: DEV_SECRET_ACCESS_KEY } } },
    }, `${MINIFLARE_S3_PATH}/${BUCKET}`, sign);
    targets.push(mfS3);
    const probe = await request(mfS3.client, "HEAD", `${MINIFLARE_S3_PATH}/${BUCKET}`);
    if (probe.status !== 200) {
      miniflareS3Skipped = `Miniflare ${MINIFLARE_VERSION} answered a signed HEAD ${MINIFLARE_S3_PATH}/${BUCKET} (HeadBucket) with ${probe.status}, so it has no S3 endpoint for r2Buckets with s3Credentials`;
    }
  } catch (err) {
    miniflareS3Skipped = `Miniflare ${MINIFLARE_VERSION} did not serve an R2 bucket with s3Credentials: ${err.message}`;
  }
  if (miniflareS3Skipped && mfS3) {
    targets.splice(targets.indexOf(mfS3), 1);
    await stopTarget(mfS3);
  }
  if (miniflareS3Skipped) log(`Miniflare S3 endpoint: skipped: ${miniflareS3Skipped}`);
  targets.push(await started("bare", "pass-through", { bindings: {}, scriptPath: passthroughScript }, "", () => ({})));
  if (PEERS) {
    for (const [name, spec] of Object.entries(peers)) {
      if (spec.skipped) {
        peersSkipped.push(`${name}: ${spec.skipped}`);
        log(`${name}: skipped: ${spec.skipped}`);
        continue;
      }
      try {
        targets.push(await startPeerTarget(name, spec, sign));
        peerVersions.push(`${LABELS[name]} ${spec.version}`);
      } catch (err) {
        peersSkipped.push(`${name}: ${err.message}`);
        log(`${name}: skipped: ${err.message}`);
      }
    }
  }
  const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
  const s3edges = targets.filter((t) => t.kind === "s3edge");
  const passthrough = byName["pass-through"];
  const s3edge = byName.s3edge;
  for (const t of targets) log(`${t.name}: ${t.client.host}${t.client.prefix} (${t.kind === "peer" ? "server" : "workerd"} pid ${t.pid}, ${pinning && !t.pinned ? "taskset failed, " : ""}its threads may run on CPU ${affinityOf(t.pid)}; this process on CPU ${affinityOf(process.pid)})`);

  sampler = setInterval(() => {
    for (const t of targets) {
      try {
        t.peakRssKiB = Math.max(t.peakRssKiB, statusKiB(t.pid, "VmRSS"));
      } catch {}
    }
  }, 50);

  for (const t of [...s3edges, ...targets.filter((x) => x.kind === "peer")]) {
    const made = await request(t.client, "PUT", `/${BUCKET}`);
    if (made.status !== 200) throw new Error(`${t.name}: CreateBucket answered ${made.status} ${made.errorText}`);
  }

  await setUpSite(request, s3edges, passthrough, BUCKET);
  if (VERSIONS) await setUpVersions(request, s3edges, BUCKET, SMALL, CONCURRENCY, log);

  // Warm-up (not measured): compiles the Worker's code paths on every side.
  for (const t of targets) {
    for (let i = 0; i < 16; i++) {
      const put = await request(t.client, "PUT", keyPath(t.client, `warm/${i}`), { body: randomBytes(SMALL) });
      const get = await request(t.client, "GET", keyPath(t.client, `warm/${i}`));
      const head = await request(t.client, "HEAD", keyPath(t.client, `warm/${i}`));
      if (put.status !== 200 || get.status !== 200 || get.bytes !== SMALL || head.status !== 200) {
        throw new Error(`${t.name}: warm-up failed (PUT ${put.status}, GET ${get.status} ${get.bytes} bytes, HEAD ${head.status}) ${put.errorText}${get.errorText}`);
      }
    }
  }

  // Phases alternate between the servers (in the order of the table's columns) so slow drift on
  // a busy machine hits all alike. Each phase lists the kinds of target that run it.
  const every = ["s3edge", "s3", "bare", "peer"];
  const phases = [
    ["put4k", `${SMALL_LABEL} PUT, concurrency ${CONCURRENCY}, ${SECONDS} s`, smallPut, every],
    ["get4k", `${SMALL_LABEL} GET, concurrency ${CONCURRENCY}, ${SECONDS} s`, smallGet, every],
    ["head4k", `${SMALL_LABEL} HEAD, concurrency ${CONCURRENCY}, ${SECONDS} s`, smallHead, every],
    ["putBig", `${BIG_MIB} MiB PUT ×${REPS}`, bigPut, every],
    ["putBigCrc", `${BIG_MIB} MiB PUT + CRC32 ×${REPS}`, bigPutCrc, every],
    ["getBig", `${BIG_MIB} MiB GET ×${REPS}`, bigGet, every],
    // Website and CORS are s3edge's own (Miniflare's endpoint has neither).
    ...sitePhases(request, closedLoop, measured, CONCURRENCY, SECONDS).map((phase) => [...phase, ["s3edge", "bare"]]),
    ...(VERSIONS ? versionPhases(request, closedLoop, measured, BUCKET, SMALL, CONCURRENCY, SECONDS).map((phase) => [...phase, ["s3edge"]]) : []),
    // What the local S3 servers are compared on (the pass-through takes only the 1 MiB phases).
    ...localS3Phases(request, closedLoop, measured, { concurrency: CONCURRENCY, seconds: SECONDS, reps: REPS }).map((phase) => [...phase, { tolerant: true }]),
  ];
  const results = Object.fromEntries(targets.map((t) => [t.name, {}]));
  const phaseFailures = [];
  for (const [id, label, fn, kinds, { tolerant = false } = {}] of phases) {
    for (const t of targets.filter((x) => kinds.includes(x.kind))) {
      let r;
      try {
        r = await fn(t);
      } catch (err) {
        // A target that fails a comparison phase (a peer without that operation) loses that
        // figure, not the run.
        if (!tolerant) throw err;
        exitCode = 1;
        phaseFailures.push(`${LABELS[t.name]}, ${label}: ${err.message}`);
        log(`${label.padEnd(34)} ${t.name.padEnd(12)} FAILED: ${err.message}`);
        continue;
      }
      results[t.name][id] = r;
      if (r.opsPerSec !== undefined) {
        log(`${label.padEnd(34)} ${t.name.padEnd(12)} ${fmt(r.opsPerSec, 0).padStart(6)} ops/s  p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms  ${r.ok} ok, ${r.errors} errors  workerd CPU ${fmt(r.workerdCpuMs, 0)} ms`);
        if (r.errors > 0) {
          exitCode = 1;
          log(`  ${t.name}: ${r.errors} failed requests, first: ${r.firstError}`);
        }
        if (r.ok === 0) throw new Error(`${t.name}: ${label}: no request succeeded (${r.firstError})`);
      } else if (r.rates) {
        log(`${label.padEnd(34)} ${t.name.padEnd(12)} ${r.rates.map((x) => fmt(x, 0)).join(", ")} MiB/s  workerd CPU ${fmt(r.workerdCpuMs, 0)} ms`);
      } else {
        log(`${label.padEnd(34)} ${t.name.padEnd(12)} ${describe(id, r)}  server CPU ${fmt(r.workerdCpuMs, 0)} ms`);
        if (r.errors > 0) exitCode = 1;
      }
    }
  }
  log(`${BIG_MIB} MiB GET bodies verified (length and SHA-256): ` + targets.map((t) => `${t.name} ${t.bigBytesVerified.join(", ")} bytes`).join("; "));

  // What the front costs: the same large transfers through it and straight to workerd's own
  // port, alternating rep by rep (so that drift on the machine hits both alike), each side on
  // keys of its own. On s3edge (KV) alone: the front is the same for every target.
  const frontSide = { ...s3edge, name: "s3edge via front", bigKey: "cmp-front", bigSha: [], bigBytesVerified: [] };
  const straight = {
    ...s3edge, name: "s3edge straight", bigKey: "cmp-straight", client: makeClient(s3edge.innerUrl, `/${BUCKET}`, sign),
    bigSha: [], bigBytesVerified: [],
  };
  const compared = { front: {}, direct: {} };
  for (const [id, fn] of [["putBig", bigPut], ["getBig", bigGet]]) {
    for (const side of ["front", "direct"]) compared[side][id] = { rates: [], workerdCpuMs: 0, frontCpuMs: 0 };
    for (let rep = 0; rep < COMPARE_REPS; rep++) {
      for (const [side, target] of [["front", frontSide], ["direct", straight]]) {
        const r = await fn(target, [rep]);
        compared[side][id].rates.push(...r.rates);
        compared[side][id].workerdCpuMs += r.workerdCpuMs;
        compared[side][id].frontCpuMs += r.frontCpuMs;
      }
    }
    for (const [side, label] of [["front", "through the front"], ["direct", "straight to workerd"]]) {
      const r = compared[side][id];
      log(`${BIG_MIB} MiB ${id === "putBig" ? "PUT" : "GET"} ×${COMPARE_REPS} alternating, ${label.padEnd(20)} ${r.rates.map((x) => fmt(x, 0)).join(", ")} MiB/s  workerd CPU ${fmt(r.workerdCpuMs, 0)} ms`);
    }
  }
  straight.client.agent.destroy();

  // boto3 through the front, then straight to workerd (the Expect: 100-continue wait).
  log("boto3 put_object (4 KiB, file-like body) on s3edge (KV), 3 times through the front, 3 times straight to workerd");
  const boto3 = async (url, label, what) => {
    try {
      const r = await boto3Puts(url, label);
      r.text = r.ms.map((x) => fmt(x, 0)).join(", ");
      log(`  ${what}: ${r.text} ms (Expect header sent: ${r.expect.join(", ")})`);
      return r;
    } catch (err) {
      exitCode = 1;
      log(`  ${what}: FAILED: ${err.message}`);
      return { text: `failed: ${err.message}` };
    }
  };
  const viaFront = await boto3(s3edge.server.url, "front", "through the front");
  const viaDirect = await boto3(s3edge.innerUrl, "direct", "straight to workerd");

  // Multipart and copy, on every S3 target, phase by phase, alternating between them.
  const s3Targets = targets.filter((t) => t.kind !== "bare");
  const mp = Object.fromEntries(s3Targets.map((t) => [t.name, {}]));
  const mpFailures = [];
  if (MULTIPART) {
    log(`multipart and copy phases (${s3Targets.map((t) => t.name).join(", ")})`);
    const steps = [
      ["complete5", (t, opts) => completeTimes(request, t.client, t.client.prefix, { ...opts, parts: 20, partMiB: 5 })],
      ["complete50", (t, opts) => completeTimes(request, t.client, t.client.prefix, { ...opts, parts: 20, partMiB: 50 })],
      ["get", (t, opts) => manyPartGet(request, t.client, t.client.prefix, { ...opts, parts: 100, partMiB: 5, measure: (fn) => measured(t, fn) })],
      ["copy1", (t, opts) => copyTimes(request, t.client, t.client.prefix, { ...opts, mib: 1, bucketPath: `/${BUCKET}` })],
      ["copy256", (t, opts) => copyTimes(request, t.client, t.client.prefix, { ...opts, mib: 256, bucketPath: `/${BUCKET}` })],
    ];
    for (const [id, fn] of steps) {
      for (const t of s3Targets) {
        // A target that fails a step (a peer hanging up on a 500 MiB GET) loses that figure, not the run.
        try {
          mp[t.name][id] = await fn(t, { reps: REPS, log: (message) => log(`  ${t.name.padEnd(12)} ${message.trim()}`) });
        } catch (err) {
          exitCode = 1;
          mpFailures.push(`${LABELS[t.name]}, ${id}: ${err.message}`);
          log(`  ${t.name.padEnd(12)} ${id} FAILED: ${err.message}`);
        }
      }
    }
  }

  clearInterval(sampler);
  sampler = null;
  const hwm = Object.fromEntries(targets.map((t) => [t.name, statusKiB(t.pid, "VmHWM")]));

  // ------------------------------------------------------------ tables
  const rows = [];
  const compareTo = passthrough;
  const ratioCols = targets.filter((t) => t !== compareTo);
  // Every figure's ratio to moto's too, where moto ran.
  const moto = byName.moto;
  const motoCols = moto ? targets.filter((t) => t !== moto && t !== compareTo) : [];
  const row = (figure, pick, digits = 1) => {
    const value = (t) => pick(results[t.name], t);
    const cell = (v) => (v === undefined ? "–" : fmt(v, digits));
    const against = (base) => (t) => (value(t) === undefined || base === undefined ? "–" : ratio(value(t), base));
    rows.push([
      figure,
      ...targets.map((t) => cell(value(t))),
      ...ratioCols.map(against(value(compareTo))),
      ...motoCols.map(moto ? against(value(moto)) : () => "–"),
    ]);
  };
  const ops = (id) => (r) => r[id]?.opsPerSec;
  const lat = (id, p) => (r) => r[id]?.[p];
  const perOp = (id, field) => (r) => (r[id] ? r[id][field] / r[id].ok : undefined);
  const perRep = (id, field) => (r) => (r[id] ? r[id][field] / REPS : undefined);
  const med = (id) => (r) => (r[id] ? median(r[id].rates) : undefined);
  row(`${SMALL_LABEL} PUT ops/s`, ops("put4k"), 0);
  row(`${SMALL_LABEL} PUT latency p50 (ms)`, lat("put4k", "p50"), 2);
  row(`${SMALL_LABEL} PUT latency p99 (ms)`, lat("put4k", "p99"), 2);
  row(`${SMALL_LABEL} GET ops/s`, ops("get4k"), 0);
  row(`${SMALL_LABEL} GET latency p50 (ms)`, lat("get4k", "p50"), 2);
  row(`${SMALL_LABEL} GET latency p99 (ms)`, lat("get4k", "p99"), 2);
  row(`${SMALL_LABEL} HEAD ops/s`, ops("head4k"), 0);
  row(`${SMALL_LABEL} HEAD latency p50 (ms)`, lat("head4k", "p50"), 2);
  row("website GET 4 KiB ops/s (pass-through: a plain GET)", ops("site4k"), 0);
  row("website GET 4 KiB latency p50 (ms)", lat("site4k", "p50"), 2);
  row("CORS preflight ops/s (pass-through: answered without storage)", ops("preflight"), 0);
  row("CORS preflight latency p50 (ms)", lat("preflight", "p50"), 2);
  row(`${BIG_MIB} MiB PUT MiB/s (median of ${REPS})`, med("putBig"), 0);
  row(`${BIG_MIB} MiB PUT + x-amz-checksum-crc32 MiB/s (median of ${REPS})`, med("putBigCrc"), 0);
  row(`${BIG_MIB} MiB GET MiB/s (median of ${REPS})`, med("getBig"), 0);
  row(`workerd CPU ms / ${SMALL_LABEL} PUT`, perOp("put4k", "workerdCpuMs"), 3);
  row(`workerd CPU ms / ${SMALL_LABEL} GET`, perOp("get4k", "workerdCpuMs"), 3);
  row(`workerd CPU ms / ${SMALL_LABEL} HEAD`, perOp("head4k", "workerdCpuMs"), 3);
  row("workerd CPU ms / website GET 4 KiB", perOp("site4k", "workerdCpuMs"), 3);
  row("workerd CPU ms / CORS preflight", perOp("preflight", "workerdCpuMs"), 3);
  row(`workerd CPU ms / ${BIG_MIB} MiB PUT`, perRep("putBig", "workerdCpuMs"), 0);
  row(`workerd CPU ms / ${BIG_MIB} MiB PUT + CRC32`, perRep("putBigCrc", "workerdCpuMs"), 0);
  row(`workerd CPU ms / ${BIG_MIB} MiB GET`, perRep("getBig", "workerdCpuMs"), 0);
  row(`client (Node) CPU ms / ${SMALL_LABEL} PUT`, perOp("put4k", "nodeCpuMs"), 3);
  row(`client (Node) CPU ms / ${SMALL_LABEL} GET`, perOp("get4k", "nodeCpuMs"), 3);
  row(`front CPU ms / ${SMALL_LABEL} PUT`, perOp("put4k", "frontCpuMs"), 3);
  row(`front CPU ms / ${SMALL_LABEL} GET`, perOp("get4k", "frontCpuMs"), 3);
  row(`front CPU ms / ${BIG_MIB} MiB PUT`, perRep("putBig", "frontCpuMs"), 0);
  row(`front CPU ms / ${BIG_MIB} MiB GET`, perRep("getBig", "frontCpuMs"), 0);
  row("16 B PUT ops/s", ops("put16"), 0);
  row("16 B PUT latency p50 (ms)", lat("put16", "p50"), 2);
  row("DeleteObject ops/s", ops("delete"), 0);
  row("DeleteObject latency p50 (ms)", lat("delete", "p50"), 2);
  row("1 MiB PUT MiB/s", ops("put1m"), 0);
  row("1 MiB GET MiB/s", ops("get1m"), 0);
  row("workerd CPU ms / 1 MiB PUT", perOp("put1m", "workerdCpuMs"), 3);
  row("workerd CPU ms / 1 MiB GET", perOp("get1m", "workerdCpuMs"), 3);
  row("ListObjectsV2 page of 1,000 keys, p50 (ms)", (r) => r.list1000?.p50, 1);
  row(`DeleteObjects of 1,000 keys, p50 of ${REPS} (ms)`, (r) => r.deleteObjects?.p50, 0);
  row("DeleteObjects of 1,000 keys: per-key errors in all", (r) => r.deleteObjects?.errors, 0);
  row("256 MiB multipart upload, 8 MiB parts 4 at a time (MiB/s)", (r) => r.mp256?.uploadMibPerSec, 0);
  row("its CompleteMultipartUpload (ms)", (r) => r.mp256?.completeMs, 0);
  row("GET of that 256 MiB object (MiB/s)", (r) => r.mp256?.getMibPerSec, 0);
  row("workerd CPU ms / 16 B PUT", perOp("put16", "workerdCpuMs"), 3);
  row("workerd CPU ms / DeleteObject", perOp("delete", "workerdCpuMs"), 3);
  row("workerd CPU ms / ListObjectsV2 page of 1,000", (r) => (r.list1000 ? r.list1000.workerdCpuMs / r.list1000.ops : undefined), 1);
  row("workerd CPU ms / DeleteObjects of 1,000", (r) => (r.deleteObjects ? r.deleteObjects.workerdCpuMs / r.deleteObjects.ops : undefined), 0);
  row("workerd peak RSS (MiB, VmRSS every 50 ms)", (r, t) => t.peakRssKiB / 1024, 1);
  row("workerd VmHWM at the end (MiB)", (r, t) => hwm[t.name] / 1024, 1);

  const lines = [];
  lines.push(`s3edge ${commit}${dirty ? "+dirty" : ""}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}, Miniflare ${MINIFLARE_VERSION}; pinning: ${pinNote}`);
  if (miniflareS3Skipped) lines.push("", `Miniflare S3 endpoint: skipped: ${miniflareS3Skipped}`);
  if (peerVersions.length) lines.push("", `Peers: ${peerVersions.join(", ")}; for them "workerd CPU" is their server process's CPU, and they have no front.`);
  for (const skipped of peersSkipped) lines.push("", `Peer skipped: ${skipped}`);
  for (const failure of phaseFailures) lines.push("", `Failed: ${failure}`);
  lines.push("");
  lines.push(`| figure | ${targets.map((t) => LABELS[t.name]).join(" | ")} | ${[...ratioCols.map((t) => `${SHORT[t.name]} / pass-through`), ...motoCols.map((t) => `${SHORT[t.name]} / moto`)].join(" | ")} |`);
  lines.push(`|---|${"---:|".repeat(targets.length + ratioCols.length + motoCols.length)}`);
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  lines.push("");
  lines.push("| figure | value |");
  lines.push("|---|---:|");
  lines.push(`| wasm size, raw (bytes) | ${wasm.length} |`);
  lines.push(`| wasm size, gzip -9 (bytes) | ${wasmGzip} |`);
  lines.push(`| start to first answer, \`node scripts/serve.mjs\` (ms) | ${startup.error ? `failed: ${startup.error}` : fmt(startup.ms, 0)} |`);
  lines.push(`| boto3 put_object 4 KiB through the front, s3edge (KV) (ms, 3 puts) | ${viaFront.text} |`);
  lines.push(`| boto3 put_object 4 KiB straight to workerd, s3edge (KV) (ms, 3 puts) | ${viaDirect.text} |`);
  const names = targets.map((t) => SHORT[t.name]).join(" / ");
  const eachRep = (id) => targets.map((t) => results[t.name][id].rates.map((x) => fmt(x, 0)).join(", ")).join(" / ");
  lines.push(`| ${BIG_MIB} MiB PUT MiB/s, each rep: ${names} | ${eachRep("putBig")} |`);
  lines.push(`| ${BIG_MIB} MiB GET MiB/s, each rep: ${names} | ${eachRep("getBig")} |`);
  const viaFrontAndStraight = (id) => {
    const f = median(compared.front[id].rates);
    const d = median(compared.direct[id].rates);
    return `${fmt(f, 0)} / ${fmt(d, 0)} (${ratio(f, d)})`;
  };
  lines.push(`| ${BIG_MIB} MiB PUT MiB/s, s3edge (KV) through the front / straight to workerd (median of ${COMPARE_REPS}, alternating) | ${viaFrontAndStraight("putBig")} |`);
  lines.push(`| ${BIG_MIB} MiB GET MiB/s, s3edge (KV) through the front / straight to workerd (median of ${COMPARE_REPS}, alternating) | ${viaFrontAndStraight("getBig")} |`);
  lines.push(`| Miniflare S3 endpoint | ${miniflareS3Skipped ? `skipped: ${miniflareS3Skipped}` : `Miniflare ${MINIFLARE_VERSION}, \`${MINIFLARE_S3_PATH}/${BUCKET}/<key>\`, its entry worker behind the front`} |`);
  lines.push(`| total bench time (s) | ${fmt((performance.now() - startedAt) / 1000, 0)} |`);
  if (VERSIONS) {
    const cols = s3edges.map((t) => results[t.name]);
    const vRow = (figure, cell) => lines.push(`| ${figure} | ${cols.map(cell).join(" | ")} |`);
    lines.push("");
    lines.push(`| versioning | ${s3edges.map((t) => LABELS[t.name]).join(" | ")} |`);
    lines.push(`|---|${"---:|".repeat(s3edges.length)}`);
    vRow(`${SMALL_LABEL} GET ops/s, unversioned bucket`, (r) => fmt(r.get4k?.opsPerSec, 0));
    vRow(`${SMALL_LABEL} GET ops/s, current version (3 per key) in a versioned bucket`, (r) => fmt(r.getVersioned?.opsPerSec, 0));
    vRow("GET ops/s, versioned / unversioned", (r) => ratio(r.getVersioned?.opsPerSec, r.get4k?.opsPerSec));
    vRow("workerd CPU ms / GET, versioned / unversioned", (r) => `${fmt(r.getVersioned?.workerdCpuMs / r.getVersioned?.ok, 3)} / ${fmt(r.get4k?.workerdCpuMs / r.get4k?.ok, 3)}`);
    vRow("ListObjectVersions page of 100 versions, bucket of 10 keys × 10 versions: p50 ms", (r) => fmt(r.versions10?.p50, 2));
    vRow("the same, 100 keys × 100 versions (from a middle key-marker): p50 ms", (r) => fmt(r.versions100?.p50, 2));
    vRow("ListObjectVersions p50, 100 × 100 / 10 × 10", (r) => ratio(r.versions100?.p50, r.versions10?.p50));
    vRow("workerd CPU ms / page, 100 × 100 / 10 × 10", (r) => `${fmt(r.versions100?.workerdCpuMs / r.versions100?.ok, 2)} / ${fmt(r.versions10?.workerdCpuMs / r.versions10?.ok, 2)}`);
  }
  if (MULTIPART) {
    const ms = (xs) => `${fmt(median(xs), 1)} (${xs.map((x) => fmt(x, 0)).join(", ")})`;
    const failedCell = (cell, m) => {
      try {
        return cell(m);
      } catch {
        return "failed";
      }
    };
    const mpRow = (figure, cell) => lines.push(`| ${figure} | ${s3Targets.map((t) => failedCell(cell, mp[t.name])).join(" | ")} |`);
    const total = s3Targets.map((t) => mp[t.name].get?.total).find((x) => x !== undefined) ?? "?";
    lines.push("");
    lines.push(`| multipart and copy | ${s3Targets.map((t) => LABELS[t.name]).join(" | ")} |`);
    lines.push(`|---|${"---:|".repeat(s3Targets.length)}`);
    mpRow("CompleteMultipartUpload, 20 parts of 5 MiB (ms, median (each))", (m) => ms(m.complete5));
    mpRow("CompleteMultipartUpload, 20 parts of 50 MiB (ms, median (each))", (m) => ms(m.complete50));
    mpRow("Complete time, 50 MiB parts / 5 MiB parts", (m) => ratio(median(m.complete50), median(m.complete5)));
    mpRow(`GET ${total} MiB in 100 parts of 5 MiB (MiB/s, median of ${REPS})`, (m) => fmt(median(m.get.multi.rates), 0));
    mpRow(`GET ${total} MiB as one blob (MiB/s, median of ${REPS})`, (m) => fmt(median(m.get.single.rates), 0));
    mpRow("GET MiB/s, 100 parts / one blob", (m) => ratio(median(m.get.multi.rates), median(m.get.single.rates)));
    mpRow(`workerd CPU ms per ${total} MiB GET, 100 parts / one blob`, (m) => `${fmt(m.get.multi.workerdCpuMs / REPS, 0)} / ${fmt(m.get.single.workerdCpuMs / REPS, 0)}`);
    mpRow("CopyObject 1 MiB (ms, median (each))", (m) => ms(m.copy1));
    mpRow("CopyObject 256 MiB (ms, median (each))", (m) => ms(m.copy256));
    for (const failure of mpFailures) lines.push(`\nfailed: ${failure}`);
  }
  console.log(`\n${lines.join("\n")}\n`);
} catch (err) {
  console.error(`[bench] ${err.stack ?? err.message}`);
  exitCode = 1;
} finally {
  if (sampler) clearInterval(sampler);
  for (const t of targets) {
    try {
      await stopTarget(t);
    } catch (err) {
      console.error(`[bench] stopping ${t.name}: ${err.message}`);
    }
  }
}
process.exit(exitCode);
