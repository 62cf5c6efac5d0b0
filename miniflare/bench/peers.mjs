// The local S3 servers the benchmark compares s3edge with (README "Benchmarks"): moto's server
// (`moto[server]` from PyPI) and s3s-fs (`cargo install s3s-fs --features binary`), each at a
// pinned version, installed on first use under miniflare/.peers/ (the system's moto is used when
// it is the pinned version), started on a free port with a fresh data directory, and skipped
// with the reason when they cannot be installed or started.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { MINIFLARE_DIR, freePort, withCargoPath } from "../scripts/common.mjs";

export const MOTO_VERSION = "5.2.1";
// The newest s3s-fs whose rust-version this toolchain (1.95) meets: 0.15 and later want 1.96.
export const S3S_FS_VERSION = "0.14.1";
const PEERS_DIR = path.join(MINIFLARE_DIR, ".peers");
const INSTALL_TIMEOUT_MS = 30 * 60_000;

const quiet = (cmd, args, options = {}) =>
  spawnSync(cmd, args, { encoding: "utf8", env: withCargoPath(), timeout: INSTALL_TIMEOUT_MS, ...options });

/** Whether `python` imports moto's server at the pinned version. */
function motoReady(python) {
  const probe = `import importlib.metadata as m, flask, flask_cors, moto.server; print(m.version("moto"))`;
  const r = quiet(python, ["-c", probe], { timeout: 60_000 });
  return r.status === 0 && r.stdout.trim() === MOTO_VERSION;
}

/** How to run moto's server: `{ command, args }`, or `{ skipped }` with the reason. */
export function ensureMoto(log) {
  if (motoReady("python3")) return { command: "python3", args: ["-m", "moto.server"], version: MOTO_VERSION };
  const venv = path.join(PEERS_DIR, `moto-${MOTO_VERSION}`);
  const python = path.join(venv, "bin", "python");
  if (!motoReady(python)) {
    log(`moto: installing moto[server]==${MOTO_VERSION} into ${path.relative(MINIFLARE_DIR, venv)} (first use)`);
    fs.mkdirSync(PEERS_DIR, { recursive: true });
    const made = quiet("python3", ["-m", "venv", venv]);
    if (made.status !== 0) return { skipped: `python3 -m venv failed: ${(made.stderr ?? "").trim().split("\n").pop()}` };
    const pip = quiet(python, ["-m", "pip", "install", "--quiet", `moto[server]==${MOTO_VERSION}`]);
    if (pip.status !== 0) return { skipped: `pip install moto[server]==${MOTO_VERSION} failed: ${(pip.stderr ?? "").trim().split("\n").pop()}` };
    if (!motoReady(python)) return { skipped: `moto ${MOTO_VERSION} installed but its server does not import` };
  }
  return { command: python, args: ["-m", "moto.server"], version: MOTO_VERSION };
}

/** The s3s-fs binary: `{ command }`, or `{ skipped }` with the reason. */
export function ensureS3sFs(log) {
  const root = path.join(PEERS_DIR, `s3s-fs-${S3S_FS_VERSION}`);
  const bin = path.join(root, "bin", "s3s-fs");
  if (!fs.existsSync(bin)) {
    log(`s3s-fs: cargo install s3s-fs ${S3S_FS_VERSION} --features binary into ${path.relative(MINIFLARE_DIR, root)} (first use: several minutes)`);
    const r = quiet("cargo", ["install", "s3s-fs", "--version", S3S_FS_VERSION, "--features", "binary", "--locked", "--root", root]);
    if (r.status !== 0 || !fs.existsSync(bin)) {
      return { skipped: `cargo install s3s-fs ${S3S_FS_VERSION} failed: ${(r.stderr ?? r.error?.message ?? "").trim().split("\n").pop()}` };
    }
  }
  return { command: bin, version: S3S_FS_VERSION };
}

const answers = (port) =>
  new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });

/**
 * Starts a peer: `args(port, dataDir)` gives its command line. Resolves with `{ url, pid, close }`
 * once it answers HTTP (within 60 s), else rejects with the end of its output.
 */
export async function startPeer(name, command, args, dataDir) {
  const port = await freePort();
  const child = spawn(command, args(port, dataDir), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "error" } });
  let tail = "";
  const keep = (d) => (tail = (tail + d).slice(-2000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const t0 = performance.now();
  while (!(await answers(port))) {
    if (child.exitCode !== null || performance.now() - t0 > 60_000) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not answer on port ${port}: ${tail.trim().split("\n").slice(-3).join(" / ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => (clearTimeout(timer), resolve()));
      child.kill("SIGTERM");
    });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, close };
}

/** The peers to start: name → { version, command, args(port, dataDir) } or { skipped }. */
export function peerSpecs(log, { accessKeyId, secretAccessKey }) {
  const moto = ensureMoto(log);
  const s3sFs = ensureS3sFs(log);
  return {
    moto: moto.skipped ? moto : { ...moto, args: (port) => [...moto.args, "-H", "127.0.0.1", "-p", String(port)] },
    "s3s-fs": s3sFs.skipped
      ? s3sFs
      : {
          ...s3sFs,
          args: (port, dataDir) => ["--host", "127.0.0.1", "--port", String(port), "--access-key", accessKeyId, "--secret-key", secretAccessKey, dataDir],
        },
  };
}
