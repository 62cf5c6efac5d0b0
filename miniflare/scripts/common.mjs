// Paths, settings and small process helpers shared by the harness scripts (Node built-ins only).
import { spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const MINIFLARE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(MINIFLARE_DIR, "..");
export const BUILD_DIR = path.join(ROOT, "build");
/** The same Worker with the wasm's function names kept, for `npm run bench-profile`. */
export const PROFILE_BUILD_DIR = path.join(ROOT, "build-profile");
/** The local front before workerd (a native Rust program, miniflare/front). */
export const FRONT_DIR = path.join(MINIFLARE_DIR, "front");
export const FRONT_BIN = path.join(FRONT_DIR, "target", "release", "s3edge-front");
export const HOME = process.env.HOME ?? "/root";
export const CARGO_BIN = path.join(process.env.CARGO_HOME ?? path.join(HOME, ".cargo"), "bin");

/** Development credentials used when none are given (documented in the README). */
export const DEV_ACCESS_KEY_ID = "S3EDGEDEVACCESSKEY01";
export const DEV_SECRET_ACCESS_KEY = "s3edge-dev-secret-access-key-0000000001";

export function settings(env = process.env) {
  return {
    port: Number(env.S3EDGE_PORT ?? 8787),
    stateDir: path.resolve(env.S3EDGE_STATE_DIR ?? path.join(MINIFLARE_DIR, "state")),
    accessKeyId: env.S3EDGE_ACCESS_KEY_ID ?? DEV_ACCESS_KEY_ID,
    secretAccessKey: env.S3EDGE_SECRET_ACCESS_KEY ?? DEV_SECRET_ACCESS_KEY,
    users: env.S3EDGE_USERS,
    baseDomain: env.S3EDGE_BASE_DOMAIN,
    basePath: env.S3EDGE_BASE_PATH,
    // Bucket websites answer at http://<bucket>.<websiteDomain>:<port>/ (browsers resolve
    // *.localhost to this machine without DNS).
    websiteDomain: env.S3EDGE_WEBSITE_DOMAIN ?? "s3-website.localhost",
    websiteHosts: env.S3EDGE_WEBSITE_HOSTS,
    // Where records live: "durable-object" (one SQLite Durable Object per bucket) or "kv" (Workers KV).
    metaStore: env.S3EDGE_META_STORE ?? "durable-object",
  };
}

export function withCargoPath(env = process.env) {
  const parts = (env.PATH ?? "").split(":");
  return parts.includes(CARGO_BIN) ? { ...env } : { ...env, PATH: `${CARGO_BIN}:${env.PATH ?? ""}` };
}

/** Runs a command, inheriting stdio; throws on failure. */
export function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: "inherit", env: withCargoPath(), ...options });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed with ${result.status ?? result.signal}`);
  }
}

/** Runs a command and returns its stdout, or null when it cannot run. */
export function output(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: "utf8", env: withCargoPath(), ...options });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
