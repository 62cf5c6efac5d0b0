// `npm --prefix miniflare test`: native tests (cargo test), then every end-to-end suite against
// the built Worker in Miniflare: boto3 + aws-cli (pytest), @aws-sdk/client-s3 (node --test),
// aws-sdk-s3 (cargo test in tests/e2e/rust). Exits non-zero when anything fails.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, withCargoPath } from "./common.mjs";
import { startServer } from "./server.mjs";

/** Virtual-hosted style is tested with Host headers `<bucket>.<BASE_DOMAIN>` sent to loopback. */
const BASE_DOMAIN = "s3edge.localhost";
/** Bucket websites: `<bucket>.<WEBSITE_DOMAIN>`, and two custom domains (one named after its
 * bucket, one mapped to another bucket). */
const WEBSITE_DOMAIN = "s3-website.localhost";
const WEBSITE_HOSTS = "www.s3edge-site.test,blog.s3edge-site.test=s3edge-blog-site";
const USERS = [
  { accessKeyId: "S3EDGETESTUSERONE001", secretAccessKey: "test-secret-one-0000000000000000000001", displayName: "tester-one", email: "one@s3edge.test" },
  { accessKeyId: "S3EDGETESTUSERTWO002", secretAccessKey: "test-secret-two-0000000000000000000002", displayName: "tester-two", email: "two@s3edge.test" },
];

/** Runs one suite. Asynchronous on purpose: Miniflare and the test hooks of the Worker under
 * test live in this process, and a synchronous spawn would stop them from answering. */
async function step(name, cmd, args, env) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const started = Date.now();
  const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit", env: withCargoPath(env) });
  const code = await new Promise((resolve) => {
    child.on("exit", (status) => resolve(status));
    child.on("error", () => resolve(-1));
  });
  const ok = code === 0;
  console.log(`=== ${name}: ${ok ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

const only = process.env.S3EDGE_SUITES?.split(",");
const want = (name) => !only || only.includes(name);
const results = [];

if (want("native")) {
  results.push(["native", await step("native", "cargo", ["test", "--quiet"], process.env)]);
  // The service tests again over a store that lists from its records, as the Durable-Object
  // metadata store does.
  const durable = { ...process.env, S3EDGE_TEST_META_STORE: "durable-object" };
  results.push(["native (Durable-Object store)", await step("native (Durable-Object store)", "cargo", ["test", "--quiet", "--test", "*"], durable)]);
  // And on both stores with every object in a blob of its own (S3EDGE_INLINE_MAX=0), so that
  // every service and fault-injection test covers both places an object's bytes can be.
  for (const [label, store] of [["KV", ""], ["Durable-Object", "durable-object"]]) {
    const name = `native (${label} store, no inline objects)`;
    const env = { ...process.env, S3EDGE_TEST_META_STORE: store, S3EDGE_TEST_INLINE_MAX: "0" };
    results.push([name, await step(name, "cargo", ["test", "--quiet", "--test", "*"], env)]);
  }
  const front = ["test", "--quiet", "--manifest-path", "miniflare/front/Cargo.toml"];
  results.push(["front (native)", await step("front (native)", "cargo", front, process.env)]);
}

// The end-to-end suites run in full on one metadata store (S3EDGE_META_STORE, by default the
// Durable-Object store that wrangler.toml and `start` use) and, for the suites that reach what
// differs between the stores (listings, writes, deletes, cleanup, concurrency), on the other.
const META_STORE = process.env.S3EDGE_META_STORE ?? "durable-object";
const OTHER_STORE = META_STORE === "kv" ? "durable-object" : "kv";
const STORE_SUITE = [
  "test_objects.py", "test_listing.py", "test_versions_and_paging.py", "test_multipart.py",
  "test_copy.py", "test_tagging.py", "test_append.py", "test_cleanup.py", "test_concurrency.py",
  "test_buckets.py", "test_post_object.py", "test_rclone.py", "test_mixed_load.py", "test_object_lock.py",
  "test_versioning.py",
].map((f) => `tests/e2e/python/${f}`);
const workerBindings = (metaStore) => ({
  S3EDGE_USERS: JSON.stringify(USERS),
  S3EDGE_BASE_DOMAIN: BASE_DOMAIN,
  S3EDGE_WEBSITE_DOMAIN: WEBSITE_DOMAIN,
  S3EDGE_WEBSITE_HOSTS: WEBSITE_HOSTS,
  S3EDGE_META_STORE: metaStore,
  // Short ages so that the cleanup test (which runs the pass through a test hook) sees
  // abandoned uploads and leftover blobs expire within seconds.
  S3EDGE_CLEANUP_GRACE_SECONDS: "2",
  S3EDGE_UPLOAD_EXPIRY_SECONDS: "4",
});
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3edge-test-"));
const server = await startServer({ stateDir, port: 0, bindings: workerBindings(META_STORE), testHooks: true });
const otherStateDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3edge-test-other-"));
const otherServer = await startServer({ stateDir: otherStateDir, port: 0, bindings: workerBindings(OTHER_STORE), testHooks: true });
// A second Worker serves the API under a base path (as Alluxio does under /api/v1/s3).
const BASE_PATH = "/api/v1/s3";
const basePathStateDir = fs.mkdtempSync(path.join(os.tmpdir(), "s3edge-test-basepath-"));
const basePathServer = await startServer({
  stateDir: basePathStateDir,
  port: 0,
  bindings: { S3EDGE_USERS: JSON.stringify(USERS), S3EDGE_BASE_PATH: BASE_PATH },
});
console.log(`\nWorker under test: ${server.url} (${META_STORE} store, state in ${stateDir}); on the ${OTHER_STORE} store: ${otherServer.url}; with base path ${BASE_PATH}: ${basePathServer.url}`);
const env = {
  ...process.env,
  S3EDGE_ENDPOINT: server.url,
  S3EDGE_WORKERD_ENDPOINT: server.workerdUrl,
  AWS_ACCESS_KEY_ID: USERS[0].accessKeyId,
  AWS_SECRET_ACCESS_KEY: USERS[0].secretAccessKey,
  S3EDGE_SECOND_ACCESS_KEY_ID: USERS[1].accessKeyId,
  S3EDGE_SECOND_SECRET_ACCESS_KEY: USERS[1].secretAccessKey,
  S3EDGE_BASE_DOMAIN: BASE_DOMAIN,
  S3EDGE_WEBSITE_DOMAIN: WEBSITE_DOMAIN,
  S3EDGE_META_STORE: META_STORE,
  S3EDGE_BASE_PATH_ENDPOINT: `${basePathServer.url}${BASE_PATH}`,
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};
try {
  if (want("python")) {
    results.push(["boto3 + aws-cli", await step("boto3 + aws-cli", "python3", ["-m", "pytest", "-q", "tests/e2e/python"], env)]);
  }
  if (want("python")) {
    const other = { ...env, S3EDGE_ENDPOINT: otherServer.url, S3EDGE_META_STORE: OTHER_STORE };
    const name = `boto3 + aws-cli, ${OTHER_STORE} store`;
    results.push([name, await step(name, "python3", ["-m", "pytest", "-q", "-m", "not big", ...STORE_SUITE], other)]);
  }
  if (want("js")) {
    const files = fs.readdirSync(path.join(ROOT, "tests/e2e/js")).filter((f) => f.endsWith(".test.mjs"));
    results.push(["@aws-sdk/client-s3", await step("@aws-sdk/client-s3", "node", ["--test", ...files.map((f) => `tests/e2e/js/${f}`)], env)]);
  }
  if (want("rust")) {
    results.push(["aws-sdk-s3", await step("aws-sdk-s3", "cargo", ["test", "--quiet", "--manifest-path", "tests/e2e/rust/Cargo.toml", "--", "--test-threads=4"], env)]);
  }
} finally {
  await server.close();
  await otherServer.close();
  await basePathServer.close();
  fs.rmSync(otherStateDir, { recursive: true, force: true });
  fs.rmSync(basePathStateDir, { recursive: true, force: true });
  fs.rmSync(stateDir, { recursive: true, force: true });
}

console.log("\nsummary:");
for (const [name, ok] of results) console.log(`  ${ok ? "ok    " : "FAILED"} ${name}`);
const failed = results.filter(([, ok]) => !ok).length;
console.log(`suites: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
