// `npm --prefix miniflare start`: serves the built Worker on 127.0.0.1:$S3EDGE_PORT until stopped.
import fs from "node:fs";
import { DEV_SECRET_ACCESS_KEY, settings } from "./common.mjs";
import { startServer, workerBindings } from "./server.mjs";

const s = settings();
fs.mkdirSync(s.stateDir, { recursive: true });
const started = Date.now();
const server = await startServer({ stateDir: s.stateDir, port: s.port, bindings: workerBindings(s),
  testHooks: process.env.S3EDGE_TEST_HOOKS === "1",
});
console.log(`s3edge is serving S3 at ${server.url}  (ready in ${Date.now() - started} ms)`);
console.log(`  data:               ${s.stateDir}`);
console.log(`  metadata store:     ${s.metaStore} (S3EDGE_META_STORE: durable-object or kv)`);
if (s.users) console.log("  credentials:        from S3EDGE_USERS");
else {
  console.log(`  AWS_ACCESS_KEY_ID=${s.accessKeyId}`);
  const devSecret = s.secretAccessKey === DEV_SECRET_ACCESS_KEY;
  console.log(`  AWS_SECRET_ACCESS_KEY=${devSecret ? s.secretAccessKey : "(from S3EDGE_SECRET_ACCESS_KEY)"}`);
}
console.log(`  try: aws --endpoint-url ${server.url} s3 mb s3://my-bucket`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
