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
 */
export async function startServer({ stateDir, port, bindings, scriptPath, direct = false }) {
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
    const headers = { ...req.headers };
    delete headers.expect;
    if (dropsIdentityEncoding(req, headers)) delete headers["accept-encoding"];
    const upstream = http.request(
      { host: inner.hostname, port: inner.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`s3edge front: ${err.message}`);
    });
    req.pipe(upstream);
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
export function workerBindings(s) {
  const bindings = {};
  if (s.users) bindings.S3EDGE_USERS = s.users;
  else {
    bindings.S3EDGE_ACCESS_KEY_ID = s.accessKeyId;
    bindings.S3EDGE_SECRET_ACCESS_KEY = s.secretAccessKey;
  }
  if (s.baseDomain) bindings.S3EDGE_BASE_DOMAIN = s.baseDomain;
  if (s.basePath) bindings.S3EDGE_BASE_PATH = s.basePath;
  return bindings;
}
