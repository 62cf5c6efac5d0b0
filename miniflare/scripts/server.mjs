// Starts the built Worker in Miniflare (workerd) with KV and R2 persisted on disk, behind a small
// HTTP front that answers `Expect: 100-continue` (workerd never does, so SDK PUTs would otherwise
// wait a second for it) and passes every byte through untouched.
import http from "node:http";
import path from "node:path";
import { Miniflare } from "miniflare";
import { BUILD_DIR } from "./common.mjs";

/**
 * @param {object} options
 * @param {string} options.stateDir  where KV and R2 data persist
 * @param {number} options.port      public port (0 = any free port)
 * @param {Record<string,string>} options.bindings  Worker vars and secrets
 * @param {string} [options.scriptPath] Worker module (defaults to the built s3edge Worker)
 * @param {boolean} [options.direct] serve workerd's port without the front (for measurements)
 * @param {boolean} [options.testHooks] answer `/__s3edge/*` on the front (see `testHook`)
 */
export async function startServer({ stateDir, port, bindings, scriptPath, direct = false, testHooks = false }) {
  const script = scriptPath ?? path.join(BUILD_DIR, "index.js");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: path.dirname(script),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true }],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["S3EDGE_META"],
    r2Buckets: ["S3EDGE_BLOBS"],
    defaultPersistRoot: stateDir,
    bindings,
    host: "127.0.0.1",
    port: direct ? port : 0,
    cf: false,
  });
  const inner = await mf.ready;
  if (direct) {
    return { url: inner.href.replace(/\/$/, ""), close: () => mf.dispose(), mf };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const front = http.createServer((req, res) => {
    if (testHooks && req.url.startsWith("/__s3edge/")) {
      testHook(mf, req, res).catch((err) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err?.stack ?? err));
      });
      return;
    }
    const headers = { ...req.headers };
    delete headers.expect;
    if (dropsIdentityEncoding(req, headers)) delete headers["accept-encoding"];
    // workerd was seen resetting kept-alive connections to it while it took a body of several
    // hundred MiB: the next request on such a socket failed before any answer. A large body
    // gets a connection of its own, closed after the answer, and a request without a body that
    // meets a reset connection is sent again once, on a fresh one.
    const large = Number(headers["content-length"] ?? 0) > LARGE_BODY;
    if (large) headers.connection = "close";
    const bodiless = !headers["transfer-encoding"] && Number(headers["content-length"] ?? 0) === 0;
    const send = (retry) => {
      const upstream = http.request(
        {
          host: inner.hostname, port: inner.port, method: req.method, path: req.url, headers,
          agent: large || retry ? false : agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
        },
      );
      upstream.on("error", (err) => {
        if (!retry && bodiless && !res.headersSent && ["ECONNRESET", "EPIPE"].includes(err.code)) {
          send(true);
          return;
        }
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`s3edge front: ${err.message}`);
      });
      if (bodiless) upstream.end();
      else req.pipe(upstream);
    };
    send(false);
  });
  front.keepAliveTimeout = 30_000;
  await new Promise((resolve) => front.listen(port, "127.0.0.1", resolve));
  const { port: boundPort } = front.address();
  return {
    url: `http://127.0.0.1:${boundPort}`,
    mf,
    close: async () => {
      await new Promise((resolve) => front.close(resolve));
      agent.destroy();
      await mf.dispose();
    },
  };
}

/** Bodies above this size go to workerd on a connection of their own (see the front). */
const LARGE_BODY = 32 * 1024 * 1024;

/**
 * `Accept-Encoding: identity` (what boto3 sends) only says what is acceptable anyway, but Miniflare,
 * like Cloudflare's edge, then strips a stored `Content-Encoding: gzip` from text responses. S3
 * returns the stored header as is, so the front leaves that request header out, unless it is signed.
 */
function dropsIdentityEncoding(req, headers) {
  if ((headers["accept-encoding"] ?? "").trim().toLowerCase() !== "identity") return false;
  const auth = headers.authorization ?? "";
  const query = req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
  const signed = /SignedHeaders=([^,\s]+)/.exec(auth)?.[1] ?? new URLSearchParams(query).get("X-Amz-SignedHeaders") ?? "";
  return !signed.toLowerCase().split(";").includes("accept-encoding");
}

/** The Worker's vars and secrets for the given harness settings. */
/** Cleanup settings (see wrangler.toml) taken from the environment when set. */
export const CLEANUP_VARS = ["S3EDGE_CLEANUP_GRACE_SECONDS", "S3EDGE_CLEANUP_BATCH", "S3EDGE_UPLOAD_EXPIRY_SECONDS"];

export function workerBindings(s) {
  const bindings = {};
  if (s.users) bindings.S3EDGE_USERS = s.users;
  else {
    bindings.S3EDGE_ACCESS_KEY_ID = s.accessKeyId;
    bindings.S3EDGE_SECRET_ACCESS_KEY = s.secretAccessKey;
  }
  if (s.baseDomain) bindings.S3EDGE_BASE_DOMAIN = s.baseDomain;
  if (s.basePath) bindings.S3EDGE_BASE_PATH = s.basePath;
  for (const name of CLEANUP_VARS) if (process.env[name]) bindings[name] = process.env[name];
  return bindings;
}

/**
 * Local test hooks, off unless `testHooks` is set (the test command sets it; `start` never does):
 * - `POST /__s3edge/sweep` runs the Worker's scheduled handler (the cleanup pass) until it has
 *   covered the whole store, as successive Cron Triggers would; answers `{"runs": n}`.
 * - `GET /__s3edge/r2?prefix=p` answers `{"names": [...]}`: every R2 object name under `p`,
 *   read through Miniflare's own binding (how tests count blobs).
 */
async function testHook(mf, req, res) {
  const url = new URL(req.url, "http://localhost");
  let answer;
  if (req.method === "POST" && url.pathname === "/__s3edge/sweep") {
    const worker = await mf.getWorker();
    const kv = await mf.getKVNamespace("S3EDGE_META");
    let runs = 0;
    do {
      await worker.scheduled({ cron: "*/30 * * * *" });
      runs += 1;
    } while ((await kv.get("sweep/cursor")) && runs < 1000);
    answer = { runs };
  } else if (req.method === "GET" && url.pathname === "/__s3edge/r2") {
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
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("no such test hook");
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(answer));
}
