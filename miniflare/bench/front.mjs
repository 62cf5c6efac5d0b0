// `npm --prefix miniflare run bench-front`: large GETs and PUTs with curl, as a person runs them,
// through the serve command's front and straight to workerd's own port (Miniflare's entry
// socket), alternating, nothing pinned. Prints MiB/s per round (each the median of 3 transfers)
// and the ratio front / straight. Knobs: S3EDGE_BENCH_FRONT_MIB (256), S3EDGE_BENCH_FRONT_ROUNDS (5).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY } from "../scripts/common.mjs";
import { startServer } from "../scripts/server.mjs";

const MIB = Number(process.env.S3EDGE_BENCH_FRONT_MIB ?? 256);
const ROUNDS = Number(process.env.S3EDGE_BENCH_FRONT_ROUNDS ?? 5);
const BUCKET = "bench-front";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "s3edge-bench-front-"));
const file = path.join(work, "object.bin");
const chunk = randomBytes(1024 * 1024);
const out = fs.openSync(file, "w");
for (let i = 0; i < MIB; i++) fs.writeSync(out, chunk);
fs.closeSync(out);

const server = await startServer({
  stateDir: path.join(work, "state"),
  port: 0,
  bindings: { S3EDGE_ACCESS_KEY_ID: DEV_ACCESS_KEY_ID, S3EDGE_SECRET_ACCESS_KEY: DEV_SECRET_ACCESS_KEY },
});
const targets = { front: server.url, straight: server.workerdUrl };

/** One curl transfer with SigV4 (curl --aws-sigv4); its speed in MiB/s. */
function curl(url, method) {
  const args = ["-sS", "--fail", "-o", "/dev/null", "-w", "%{speed_download} %{speed_upload}",
    "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", `${DEV_ACCESS_KEY_ID}:${DEV_SECRET_ACCESS_KEY}`,
    "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"];
  if (method === "PUT") args.push("-T", file, "-H", "expect:");
  args.push(url);
  const [down, up] = execFileSync("curl", args, { encoding: "utf8" }).trim().split(" ").map(Number);
  return (method === "PUT" ? up : down) / (1024 * 1024);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { GET: { front: [], straight: [] }, PUT: { front: [], straight: [] } };
try {
  execFileSync("curl", ["-sS", "--fail", "-X", "PUT", "--aws-sigv4", "aws:amz:us-east-1:s3",
    "--user", `${DEV_ACCESS_KEY_ID}:${DEV_SECRET_ACCESS_KEY}`, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
    `${server.url}/${BUCKET}`]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const method of ["PUT", "GET"]) {
      for (const [side, base] of Object.entries(targets)) {
        const url = `${base}/${BUCKET}/${side}.bin`;
        const rates = [0, 1, 2].map(() => curl(url, method));
        results[method][side].push(median(rates));
      }
    }
    console.log(`round ${round + 1}: GET front ${results.GET.front[round].toFixed(0)} / straight ${results.GET.straight[round].toFixed(0)} MiB/s; ` +
      `PUT front ${results.PUT.front[round].toFixed(0)} / straight ${results.PUT.straight[round].toFixed(0)} MiB/s`);
  }
} finally {
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`\n| ${MIB} MiB, curl, MiB/s (median of 3 per round) | ${[...Array(ROUNDS).keys()].map((r) => `round ${r + 1}`).join(" | ")} | median | front / straight |`);
console.log(`|---|${"---:|".repeat(ROUNDS + 2)}`);
for (const method of ["GET", "PUT"]) {
  const f = results[method].front;
  const s = results[method].straight;
  console.log(`| ${method} through the front | ${f.map((x) => x.toFixed(0)).join(" | ")} | ${median(f).toFixed(0)} | ${(median(f) / median(s)).toFixed(2)}× |`);
  console.log(`| ${method} straight to workerd | ${s.map((x) => x.toFixed(0)).join(" | ")} | ${median(s).toFixed(0)} | |`);
}
