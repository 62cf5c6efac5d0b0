// Starts the built Worker in Miniflare (workerd) with KV and R2 persisted on disk, behind the
// local front (miniflare/front, a native program) that answers `Expect: 100-continue` and early
// refusals (workerd does neither) and moves every other byte through untouched.
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { Miniflare } from "miniflare";
import { BUILD_DIR, FRONT_BIN } from "./common.mjs";

/** The Worker's name (wrangler.toml's `name`), which its service binding to itself names. */
const WORKER_NAME = "s3edge";

/**
 * @param {object} options
 * @param {string} options.stateDir  where KV and R2 data persist
 * @param {number} options.port      public port (0 = any free port)
 * @param {Record<string,string>} options.bindings  Worker vars and secrets
 * @param {string} [options.scriptPath] Worker module (defaults to the built s3edge Worker)
 * @param {boolean} [options.direct] serve workerd's port without the front (for measurements)
 * @param {boolean} [options.testHooks] answer `/__s3edge/*` on the front (see `testHook`)
 * @param {boolean} [options.preflight] ask the Worker before answering `Expect: 100-continue`
 *        (s3edge answers preflights; another Worker, such as the bench's pass-through, does not)
 * @param {Array|object} [options.r2Buckets] Miniflare's `r2Buckets` (defaults to the one binding
 *        `S3EDGE_BLOBS`; the bench gives a bucket `s3Credentials` to get Miniflare's S3 endpoint)
 * @param {boolean} [options.frontToEntry] the front relays to Miniflare's entry socket (workerd's
 *        own port, where Miniflare serves `/cdn-cgi/...`) rather than to the Worker's direct socket
 * @param {string} [options.buildDir] where the built s3edge Worker is (`build/`, or the profiling
 *        build of `npm run bench-profile`)
 * @param {number} [options.inspectorPort] serve workerd's V8 inspector there (CPU profiles)
 */
export async function startServer({
  stateDir, port, bindings, scriptPath, direct = false, testHooks = false, preflight = !scriptPath,
  r2Buckets = ["S3EDGE_BLOBS"], frontToEntry = false, buildDir = BUILD_DIR, inspectorPort,
}) {
  const script = scriptPath ?? path.join(buildDir, "index.js");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: path.dirname(script),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["S3EDGE_META"],
    r2Buckets,
    // The Durable-Object metadata store (used when S3EDGE_META_STORE is "durable-object"), and
    // the Worker's service binding to itself (parts of a request too large for one invocation).
    ...(scriptPath ? {} : {
      name: WORKER_NAME,
      durableObjects: { S3EDGE_CATALOG: { className: "MetaCatalog", useSQLite: true } },
      serviceBindings: { S3EDGE_SELF: WORKER_NAME },
    }),
    defaultPersistRoot: stateDir,
    // The front asks the Worker for preflights (answers to `Expect: 100-continue`).
    bindings: direct || !preflight ? bindings : { ...bindings, S3EDGE_EXPECT_PREFLIGHT: "1" },
    host: "127.0.0.1",
    port: direct ? port : 0,
    // The front's way in: the Worker's own socket, past Miniflare's entry worker (which, like
    // Cloudflare's edge, replaces Accept-Encoding and compresses text answers).
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    cf: false,
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  const inner = await mf.ready;
  if (direct) {
    return { url: inner.href.replace(/\/$/, ""), close: () => mf.dispose(), mf };
  }
  const workerSocket = frontToEntry ? inner : await mf.unsafeGetDirectURL();
  const hooks = testHooks ? await startHooks(mf) : null;
  const front = await startFront({
    listen: `127.0.0.1:${port}`,
    upstream: `${workerSocket.hostname}:${workerSocket.port}`,
    preflight,
    hooks: hooks?.address,
  });
  return {
    url: `http://${front.address}`,
    frontPid: front.pid,
    // Miniflare's own port: requests there pass its entry worker, as they would Cloudflare's edge.
    workerdUrl: inner.href.replace(/\/$/, ""),
    mf,
    close: async () => {
      await front.close();
      await hooks?.close();
      await mf.dispose();
    },
  };
}

/** Starts the front; resolves once it listens, with its address and a way to stop it. */
function startFront({ listen, upstream, preflight, hooks }) {
  const args = ["--listen", listen, "--upstream", upstream];
  if (preflight) args.push("--preflight");
  if (hooks) args.push("--hooks", hooks);
  // Its standard input is its lifeline: the front exits when this process goes away.
  const child = spawn(FRONT_BIN, args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let printed = "";
    child.once("error", (err) => reject(new Error(`cannot start ${FRONT_BIN} (npm --prefix miniflare run build): ${err.message}`)));
    exited.then((code) => reject(new Error(`the front exited with ${code} before listening`)));
    child.stdout.on("data", (chunk) => {
      printed += chunk;
      const match = printed.match(/^listening (\S+)\n/);
      if (!match) return;
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      resolve({
        address: match[1],
        pid: child.pid,
        close: () => {
          child.stdin.end();
          return exited;
        },
      });
    });
  });
}

/** The test hooks' own small HTTP server, which the front sends `/__s3edge/*` to. */
async function startHooks(mf) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      const answer = await testHook(mf, req.method, req.url);
      res.writeHead(answer.status, { "content-type": answer.type });
      res.end(answer.body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/** The Worker's vars and secrets for the given harness settings. */
/** Cleanup settings (see wrangler.toml) taken from the environment when set. */
export const CLEANUP_VARS = ["S3EDGE_CLEANUP_GRACE_SECONDS", "S3EDGE_CLEANUP_BATCH", "S3EDGE_UPLOAD_EXPIRY_SECONDS"];
/** Other settings (see wrangler.toml) taken from the environment when set. */
export const SETTING_VARS = ["S3EDGE_INLINE_MAX", "S3EDGE_CALL_LIMIT"];

export function workerBindings(s) {
  // Storage calls past Cloudflare's 1,000 per invocation fail locally as they would deployed.
  const bindings = { S3EDGE_CALL_LIMIT: "1000" };
  if (s.users) bindings.S3EDGE_USERS = s.users;
  else {
    bindings.S3EDGE_ACCESS_KEY_ID = s.accessKeyId;
    bindings.S3EDGE_SECRET_ACCESS_KEY = s.secretAccessKey;
  }
  if (s.baseDomain) bindings.S3EDGE_BASE_DOMAIN = s.baseDomain;
  if (s.basePath) bindings.S3EDGE_BASE_PATH = s.basePath;
  if (s.websiteDomain) bindings.S3EDGE_WEBSITE_DOMAIN = s.websiteDomain;
  if (s.websiteHosts) bindings.S3EDGE_WEBSITE_HOSTS = s.websiteHosts;
  if (s.metaStore) bindings.S3EDGE_META_STORE = s.metaStore;
  for (const name of [...CLEANUP_VARS, ...SETTING_VARS]) if (process.env[name]) bindings[name] = process.env[name];
  return bindings;
}

/**
 * Local test hooks, off unless `testHooks` is set (the test command sets it; `start` never does):
 * - `POST /__s3edge/sweep` runs the Worker's scheduled handler (the cleanup pass) until it has
 *   covered the whole store, as successive Cron Triggers would; answers `{"runs": n}`.
 * - `GET /__s3edge/r2?prefix=p` answers `{"names": [...]}`: every R2 object name under `p`,
 *   read through Miniflare's own binding (how tests count blobs).
 */
async function testHook(mf, method, target) {
  const url = new URL(target, "http://localhost");
  let answer;
  try {
    if (method === "POST" && url.pathname === "/__s3edge/sweep") {
      const worker = await mf.getWorker();
      const kv = await mf.getKVNamespace("S3EDGE_META");
      let runs = 0;
      do {
        await worker.scheduled({ cron: "*/30 * * * *" });
        runs += 1;
      } while ((await kv.get("sweep/cursor")) && runs < 1000);
      answer = { runs };
    } else if (method === "GET" && url.pathname === "/__s3edge/r2") {
      const r2 = await mf.getR2Bucket("S3EDGE_BLOBS");
      const names = [];
      let cursor;
      do {
        const page = await r2.list({ prefix: url.searchParams.get("prefix") ?? "", cursor });
        names.push(...page.objects.map((o) => o.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      answer = { names };
    } else {
      return { status: 404, type: "text/plain", body: "no such test hook" };
    }
  } catch (err) {
    return { status: 500, type: "text/plain", body: String(err?.stack ?? err) };
  }
  return { status: 200, type: "application/json", body: JSON.stringify(answer) };
}
