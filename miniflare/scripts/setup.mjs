// Installs what is missing (wasm target, worker-build, the matching wasm-bindgen CLI, npm and
// Python packages) and builds the Worker into build/ unless the sources are unchanged.
// Idempotent: a second run with nothing changed only checks versions and a source hash.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BUILD_DIR, FRONT_DIR, MINIFLARE_DIR, PROFILE_BUILD_DIR, ROOT, output, run } from "./common.mjs";

const WORKER_BUILD_VERSION = "0.8.7";
const forTests = process.argv.includes("--for-tests");
// `npm run bench-profile`: a second build that keeps the wasm's function names (build-profile/).
const forProfile = process.argv.includes("--profiling");

function log(message) {
  console.log(`[s3edge setup] ${message}`);
}

function npmPackages() {
  const stamp = path.join(MINIFLARE_DIR, "node_modules", ".package-lock.json");
  const manifest = path.join(MINIFLARE_DIR, "package.json");
  const lock = path.join(MINIFLARE_DIR, "package-lock.json");
  const newest = Math.max(...[manifest, lock].filter(fs.existsSync).map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newest) return;
  log("installing npm packages");
  const ci = fs.existsSync(lock) ? "ci" : "install";
  run("npm", [ci, "--no-audit", "--no-fund", "--prefix", MINIFLARE_DIR]);
}

function wasmTarget() {
  const installed = output("rustup", ["target", "list", "--installed"]) ?? "";
  if (installed.split("\n").includes("wasm32-unknown-unknown")) return;
  log("adding the wasm32-unknown-unknown target");
  run("rustup", ["target", "add", "wasm32-unknown-unknown"]);
}

function lockedVersion(crate) {
  const lock = fs.readFileSync(path.join(ROOT, "Cargo.lock"), "utf8");
  const match = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${crate} is not in Cargo.lock`);
  return match[1];
}

function cargoTool(binary, crate, version, extraArgs) {
  const have = output(binary, ["--version"]) ?? "";
  if (have.includes(version)) return;
  log(`installing ${crate} ${version} (a one-time build of several minutes)`);
  run("cargo", ["install", crate, "--version", `=${version}`, ...extraArgs]);
}

function pythonPackages() {
  const probe = output("python3", ["-c", "import boto3, pytest, requests, awscli; print('ok')"]);
  if (probe === "ok" && output("aws", ["--version"]) !== null) return;
  log("installing Python test clients (boto3, awscli, pytest, requests)");
  run("python3", ["-m", "pip", "install", "--quiet", "boto3", "awscli", "pytest", "requests"]);
}

/** rclone (Debian's package) for the rclone end-to-end test. */
function rclone() {
  if (output("rclone", ["version"]) !== null) return;
  log("installing rclone (apt-get)");
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "rclone"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/** Chromium (Debian's package) for the browser tests; puppeteer-core drives that executable and
 * never downloads a browser of its own. */
function chromium() {
  if (output("chromium", ["--version"]) !== null) return;
  log("installing chromium (apt-get)");
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "chromium"], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

function sourceHash() {
  const hash = createHash("sha256");
  const files = ["Cargo.toml", "Cargo.lock", "wrangler.toml"];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk("src");
  for (const file of files.sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
  }
  return hash.digest("hex");
}

/**
 * Builds the Worker into `outDir` unless its sources are unchanged since the last build there.
 * The profiling build is the release build (the same wasm-opt pass) with the wasm's name section
 * kept (Cargo.toml's release profile strips it), in a target directory of its own so that the two
 * builds do not rebuild each other.
 */
function buildWorker({ outDir = BUILD_DIR, profiling = false } = {}) {
  const stampFile = path.join(outDir, ".source-hash");
  const hash = sourceHash();
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === hash) {
    log(`the Worker in ${path.relative(ROOT, outDir)}/ is up to date`);
    return;
  }
  const args = ["--release", ...(profiling ? ["--out-dir", path.relative(ROOT, outDir)] : [])];
  log(`building the Worker (worker-build ${args.join(" ")})`);
  const bin = (name) => path.join(MINIFLARE_DIR, "node_modules", ".bin", name);
  const env = {
    ...process.env,
    WASM_BINDGEN_BIN: output("which", ["wasm-bindgen"]) ?? "wasm-bindgen",
    WASM_OPT_BIN: bin("wasm-opt"),
    ESBUILD_BIN: bin("esbuild"),
    ...(profiling ? { CARGO_PROFILE_RELEASE_STRIP: "false", CARGO_TARGET_DIR: path.join(ROOT, "target", "profiling") } : {}),
  };
  run("worker-build", args, { cwd: ROOT, env: { ...env, PATH: `${path.dirname(env.WASM_BINDGEN_BIN)}:${env.PATH}` } });
  fs.writeFileSync(stampFile, hash);
}

/** The local front (miniflare/front): cargo rebuilds it only when its sources changed. */
function buildFront() {
  run("cargo", ["build", "--release", "--quiet", "--locked", "--manifest-path", path.join(FRONT_DIR, "Cargo.toml")]);
}

try {
  npmPackages();
  wasmTarget();
  cargoTool("worker-build", "worker-build", WORKER_BUILD_VERSION, ["--locked"]);
  cargoTool("wasm-bindgen", "wasm-bindgen-cli", lockedVersion("wasm-bindgen"), []);
  if (forTests) {
    pythonPackages();
    rclone();
    chromium();
  }
  buildWorker();
  if (forProfile) buildWorker({ outDir: PROFILE_BUILD_DIR, profiling: true });
  buildFront();
} catch (err) {
  console.error(`[s3edge setup] ${err.message}`);
  process.exit(1);
}
