// CORS in a real browser (issue 9): headless Chromium (Debian's package, driven by
// puppeteer-core) opens a page served from another origin, whose script fetches an object from
// the bucket, once as a simple request and once with a header that needs a preflight. With the
// bucket's CORS rule the page reads the body and an exposed header; without it, the fetch fails.
// Screenshots of the page go into the folder the test prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { s3, s3sdk, require, ENDPOINT, newBucketName, emptyAndDelete } from './helpers.mjs';

const puppeteer = require('puppeteer-core');
const { CreateBucketCommand, PutObjectCommand, PutBucketCorsCommand, DeleteBucketCorsCommand } = s3sdk;
const CHROMIUM = process.env.S3EDGE_CHROMIUM || '/usr/bin/chromium';
const SHOTS = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-screenshots-cors-'));

// The page: fetches `target` as a simple GET, then with an `x-amz-date` header (a preflight),
// and shows what it got.
const PAGE = `<!doctype html><html><head><title>cross-origin reader</title>
<style>body{font:16px sans-serif;margin:2em} .ok{color:#060} .fail{color:#a00}</style></head>
<body><h1>Reading the bucket from another origin</h1><pre id="out">working…</pre><script>
const target = new URLSearchParams(location.search).get('target');
async function read(headers) {
  try {
    const r = await fetch(target, { headers });
    return { ok: true, status: r.status, body: await r.text(), color: r.headers.get('x-amz-meta-color') };
  } catch (e) {
    return { ok: false, error: String(e) };
  }
}
(async () => {
  const simple = await read({});
  const preflighted = await read({ 'x-amz-date': '20260101T000000Z' });
  const result = { simple, preflighted };
  const out = document.getElementById('out');
  out.className = simple.ok && preflighted.ok ? 'ok' : 'fail';
  out.textContent = JSON.stringify(result, null, 2);
  document.body.dataset.result = JSON.stringify(result);
})();
</script></body></html>`;

let pageServer;
let pageOrigin;
let browser;
const bucket = newBucketName('cors');

before(async () => {
  pageServer = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({
    Bucket: bucket, Key: 'greeting.txt', Body: 'hello from the bucket', ACL: 'public-read', Metadata: { color: 'teal' },
  }));
  console.log(`screenshots: ${SHOTS}`);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer.close(resolve));
  await emptyAndDelete(s3, bucket);
});

async function visit(name) {
  // A context of its own for each visit: an answer cached by an earlier one (with its CORS
  // headers) would otherwise stand in for the bucket's current answer.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  try {
    const target = `${ENDPOINT}/${bucket}/greeting.txt`;
    await page.goto(`${pageOrigin}/?target=${encodeURIComponent(target)}`);
    await page.waitForFunction(() => document.body.dataset.result, { timeout: 10_000 });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    return JSON.parse(await page.evaluate(() => document.body.dataset.result));
  } finally {
    await context.close();
  }
}

test('with a CORS rule for its origin, the page reads the object and an exposed header', async () => {
  await s3.send(new PutBucketCorsCommand({
    Bucket: bucket,
    CORSConfiguration: {
      CORSRules: [{ AllowedOrigins: [pageOrigin], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-*'], ExposeHeaders: ['x-amz-meta-color'] }],
    },
  }));
  const result = await visit('allowed');
  for (const fetched of [result.simple, result.preflighted]) {
    assert.equal(fetched.ok, true, JSON.stringify(fetched));
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body, 'hello from the bucket');
    assert.equal(fetched.color, 'teal');
  }
});

test('without a CORS rule, the browser blocks the read', async () => {
  await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
  const result = await visit('blocked');
  assert.equal(result.simple.ok, false, JSON.stringify(result.simple));
  assert.match(result.simple.error, /TypeError/);
  assert.equal(result.preflighted.ok, false, JSON.stringify(result.preflighted));
});
