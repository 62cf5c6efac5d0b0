// `npm --prefix miniflare run bench-profile`: where the time of one operation goes, isolate by
// isolate. s3edge (on each metadata store, built with the wasm's function names kept:
// build-profile/) and the bench's pass-through Worker each run in a Miniflare of their own behind
// the front. V8's sampling profiler, through workerd's inspector, watches one isolate at a time
// (the Worker's, then each of Miniflare's KV and R2 simulators) while a closed loop runs the
// operation. Printed per operation and isolate: busy ms per op (the samples that were not idle)
// and s3edge's ratio to the pass-through; then, for s3edge's own isolate, the parts of the code
// that time went to. In Miniflare the Durable Object runs in the Worker's isolate; the simulators
// run in isolates of their own, so the pass-through's storage work shows in theirs.
// V8 samples time spent in the isolate, not CPU time: on a loaded machine a thread the kernel
// has preempted still collects samples, so compare figures of one run, not across runs.
// Knobs: S3EDGE_PROFILE_OPS (operations per phase and isolate, 1500), S3EDGE_PROFILE_STORES
// ("kv,durable-object"), S3EDGE_PROFILE_PHASES ("head1m,get1m,get4k,put4k"),
// S3EDGE_PROFILE_CONCURRENCY (8), S3EDGE_PROFILE_KEEP (a directory to keep the .cpuprofile
// files in, which Chromium's DevTools open).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY, MINIFLARE_DIR, PROFILE_BUILD_DIR } from "../scripts/common.mjs";
import { startServer } from "../scripts/server.mjs";
import { inParallel } from "./parallel.mjs";
import { createSigner } from "./sigv4.mjs";

const OPS = Number(process.env.S3EDGE_PROFILE_OPS ?? 1500);
const STORES = (process.env.S3EDGE_PROFILE_STORES ?? "kv,durable-object").split(",").filter(Boolean);
const KEEP = process.env.S3EDGE_PROFILE_KEEP;
const CONCURRENCY = Number(process.env.S3EDGE_PROFILE_CONCURRENCY ?? 8);
const INSPECTOR_PORT = 9329;
const BUCKET = "bench-profile";
const MIB = 1024 * 1024;
const OBJECTS = 16;
/** Miniflare's simulators of the bindings s3edge uses, each an isolate of its own in workerd. */
const SIMULATORS = /^(kv:ns|r2:bucket)/;

/** The phases: the objects they read are written before any is profiled. */
const ALL_PHASES = [
  { id: "head1m", label: "HEAD of a 1 MiB object", method: "HEAD", read: "mib" },
  { id: "get1m", label: "GET of a 1 MiB object", method: "GET", read: "mib", bytes: MIB },
  { id: "get4k", label: "GET of a 4 KiB object (s3edge: inline)", method: "GET", read: "small", bytes: 4096 },
  { id: "put4k", label: "PUT of 4 KiB to a new key", method: "PUT", bytes: 4096 },
];
const WANTED_PHASES = process.env.S3EDGE_PROFILE_PHASES?.split(",");
const PHASES = ALL_PHASES.filter((p) => !WANTED_PHASES || WANTED_PHASES.includes(p.id));

/**
 * The parts of s3edge's time, each the samples with a frame whose name matches (a sample counts
 * once per part; parts nest, so they do not add up). Only functions that keep a frame of their
 * own are parts: the release build inlines most async functions into their caller's future.
 */
const PARTS = [
  ["the request's future (routing, auth, the operation)", /s3edge::service::dispatch/],
  ["  SigV4 check", /s3edge::auth::/],
  ["  Durable-Object calls, the Worker's side", /DurableMeta/],
  ["the Durable Object's side (its fetch, SQL)", /MetaCatalog|metacatalog_fetch|SqlStorage/],
  ["the answer handed to the runtime", /to_worker_response|gen_Response::Response>::from/],
  ["waking futures (queueMicrotask)", /^queueMicrotask$|__wbg_queueMicrotask/],
  ["garbage collection", /^\(garbage collector\)$/],
  ["runtime, outside any JavaScript frame", /^\(program\)$/],
];

const sign = createSigner({ accessKeyId: DEV_ACCESS_KEY_ID, secretAccessKey: DEV_SECRET_ACCESS_KEY });
const log = (message) => console.log(`[bench-profile] ${message}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function request(target, method, key, body) {
  const url = new URL(target.url);
  const pathname = key ? `${target.prefix}/${key}` : target.prefix;
  const headers = { host: url.host, ...(target.signed ? sign(method, pathname, url.host) : {}) };
  if (body) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: url.hostname, port: url.port, method, path: pathname, headers, agent }, (res) => {
      let bytes = 0;
      res.on("data", (chunk) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function checked(target, method, key, body, bytes) {
  const r = await request(target, method, key, body);
  if (r.status !== 200) throw new Error(`${target.name}: ${method} ${key} answered ${r.status}`);
  if (method === "GET" && bytes !== undefined && r.bytes !== bytes) {
    throw new Error(`${target.name}: GET ${key} returned ${r.bytes} bytes, not ${bytes}`);
  }
}

/** Connections to V8's inspector of the isolates whose id `wanted` accepts: [{ id, send, close }]. */
async function inspect(wanted) {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()).filter((t) => wanted(t.id));
  return Promise.all(targets.map(async (target) => {
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot reach the inspector of ${target.id}`));
    });
    let lastId = 0;
    const pending = new Map();
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    };
    const send = (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = ++lastId;
        pending.set(id, (m) => (m.error ? reject(new Error(`${target.id}: ${method}: ${m.error.message}`)) : resolve(m.result)));
        socket.send(JSON.stringify({ id, method, params }));
      });
    return { id: target.id, send, close: () => socket.close() };
  }));
}

/** Busy microseconds (not idle) and, per part, the microseconds of samples with a matching frame. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let busy = 0;
  const parts = new Map(PARTS.map(([label]) => [label, 0]));
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName === "(idle)") continue;
    busy += us;
    const names = [];
    for (let at = id; at !== undefined; at = parent.get(at)) names.push(byId.get(at).callFrame.functionName);
    for (const [label, pattern] of PARTS) if (names.some((name) => pattern.test(name))) parts.set(label, parts.get(label) + us);
  }
  return { busy, parts };
}

async function startTarget(name, options) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `s3edge-bench-profile-${name}-`));
  const server = await startServer({ stateDir, port: 0, inspectorPort: INSPECTOR_PORT, ...options });
  return { name, server, stateDir, url: server.url };
}

async function stopTarget(target) {
  await target.server.close();
  fs.rmSync(target.stateDir, { recursive: true, force: true });
}

/**
 * Writes the objects the phases read, then profiles each phase in each isolate in turn: per
 * phase, the busy ms/op of each isolate and the parts of the Worker's own (`worker`).
 */
async function profileTarget(target, worker) {
  const mib = randomBytes(MIB);
  const small = randomBytes(4096);
  for (let i = 0; i < OBJECTS; i++) {
    await checked(target, "PUT", `mib/${i}`, mib);
    await checked(target, "PUT", `small/${i}`, small);
  }
  // The Worker's isolate and the simulators' (KV, R2) that it calls; one profiled at a time (a
  // profiler on several isolates at once takes enough of two cores to change what it measures).
  const isolates = await inspect((id) => id === worker || SIMULATORS.test(id));
  if (!isolates.some((i) => i.id === worker)) throw new Error(`no isolate ${worker} among ${isolates.map((i) => i.id).join(", ")}`);
  const results = {};
  try {
    for (const isolate of isolates) {
      await isolate.send("Profiler.enable");
      await isolate.send("Profiler.setSamplingInterval", { interval: 100 });
    }
    for (const phase of PHASES) {
      const op = (i) =>
        phase.method === "PUT"
          ? checked(target, "PUT", `new/${phase.id}/${i}-${Math.random().toString(36).slice(2)}`, small)
          : checked(target, phase.method, `${phase.read}/${i % OBJECTS}`, undefined, phase.bytes);
      await inParallel(Math.min(OPS, 200), CONCURRENCY, op); // warm-up: the JIT, connections, caches
      const byIsolate = new Map();
      let parts = null;
      for (const isolate of isolates) {
        await isolate.send("Profiler.start");
        await inParallel(OPS, CONCURRENCY, op);
        const { profile } = await isolate.send("Profiler.stop");
        if (KEEP) {
          fs.writeFileSync(path.join(KEEP, `${target.name}-${phase.id}-${isolate.id.replace(/[^a-zA-Z0-9_-]+/g, "_")}.cpuprofile`), JSON.stringify(profile));
        }
        const summary = summarize(profile);
        if (summary.busy > 0) byIsolate.set(isolate.id === worker ? "the Worker" : isolate.id, summary.busy / OPS / 1000);
        if (isolate.id === worker) parts = new Map([...summary.parts].map(([k, us]) => [k, us / OPS / 1000]));
      }
      const total = [...byIsolate.values()].reduce((a, b) => a + b, 0);
      results[phase.id] = { byIsolate, total, parts };
      log(`${target.name}: ${phase.label}: ${byIsolate.get("the Worker").toFixed(3)} ms busy per op in the Worker's isolate, ${total.toFixed(3)} in these isolates`);
    }
  } finally {
    for (const isolate of isolates) isolate.close();
  }
  return results;
}

if (typeof WebSocket === "undefined") {
  console.error("[bench-profile] this Node.js has no WebSocket (Node 22, or Node 20 with --experimental-websocket)");
  process.exit(1);
}
if (KEEP) fs.mkdirSync(KEEP, { recursive: true });
const passthroughScript = path.join(MINIFLARE_DIR, "bench", "passthrough.mjs");
const bindings = { S3EDGE_ACCESS_KEY_ID: DEV_ACCESS_KEY_ID, S3EDGE_SECRET_ACCESS_KEY: DEV_SECRET_ACCESS_KEY };
const measured = [];
for (const store of STORES) {
  const target = await startTarget(`s3edge (${store})`, { buildDir: PROFILE_BUILD_DIR, bindings: { ...bindings, S3EDGE_META_STORE: store } });
  try {
    Object.assign(target, { prefix: `/${BUCKET}`, signed: true });
    const created = await request(target, "PUT", "", undefined);
    if (created.status !== 200) throw new Error(`CreateBucket answered ${created.status}`);
    measured.push({ name: target.name, results: await profileTarget(target, "core:user:s3edge") });
  } finally {
    await stopTarget(target);
  }
}
const bare = await startTarget("pass-through", { scriptPath: passthroughScript, bindings: {} });
let bareResults;
try {
  // The pass-through's isolate has no name of its own (startServer names only s3edge's).
  bareResults = await profileTarget(Object.assign(bare, { prefix: "", signed: false }), "core:user:");
} finally {
  await stopTarget(bare);
}

const all = [...measured, { name: "pass-through", results: bareResults }];
const ms = (x) => (x === undefined ? "–" : x.toFixed(3));
console.log(`\nBusy ms per operation, by isolate (V8's sampling profiler at 100 µs, ${OPS} operations, concurrency ${CONCURRENCY}):`);
for (const phase of PHASES) {
  const isolates = [...new Set(all.flatMap((t) => [...t.results[phase.id].byIsolate.keys()]))];
  console.log(`\n${phase.label}\n`);
  console.log(`| isolate | ${all.map((t) => t.name).join(" | ")} | ${measured.map((m) => `${m.name} / pass-through`).join(" | ")} |`);
  console.log(`|---|${"---:|".repeat(all.length + measured.length)}`);
  for (const [label, pick] of [...isolates.map((id) => [id, (r) => r.byIsolate.get(id)]), ["all isolates", (r) => r.total]]) {
    const values = all.map((t) => pick(t.results[phase.id]));
    const base = values[values.length - 1];
    const ratios = values.slice(0, -1).map((v) => (v !== undefined && base ? `${(v / base).toFixed(2)}×` : "–"));
    console.log(`| ${label} | ${values.map(ms).join(" | ")} | ${ratios.join(" | ")} |`);
  }
}
for (const m of measured) {
  console.log(`\nWhere ${m.name}'s time in the Worker's isolate goes, ms per operation (samples with a frame of that part; parts nest):\n`);
  console.log(`| part | ${PHASES.map((p) => p.id).join(" | ")} |`);
  console.log(`|---|${"---:|".repeat(PHASES.length)}`);
  console.log(`| busy in all | ${PHASES.map((p) => ms(m.results[p.id].byIsolate.get("the Worker"))).join(" | ")} |`);
  for (const [label] of PARTS) {
    console.log(`| ${label.replace(/^ {2}/, "… ")} | ${PHASES.map((p) => ms(m.results[p.id].parts.get(label))).join(" | ")} |`);
  }
}
