// A browser form upload (issue 9): boto3's generate_presigned_post output becomes an HTML form on
// a page of another origin; headless Chromium (Debian's package, driven by puppeteer-core) picks
// a file and submits it as a person would (the named submit button after the file input, as in
// AWS's example form, is sent as a part after the file, which S3 ignores). The object must arrive
// with the form's metadata and content type, and the browser must follow success_action_redirect
// (with bucket, key and ETag).
// Screenshots of the form and of the page it lands on go into the folder the test prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { s3, s3sdk, require, ENDPOINT, REGION, newBucketName, emptyAndDelete } from './helpers.mjs';

const puppeteer = require('puppeteer-core');
const { CreateBucketCommand, HeadObjectCommand, GetObjectCommand } = s3sdk;
const CHROMIUM = process.env.S3EDGE_CHROMIUM || '/usr/bin/chromium';
const SHOTS = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-screenshots-form-'));

let browser;
let pageServer;
let pageOrigin;
let workDir;
const bucket = newBucketName('form');

/** boto3's generate_presigned_post, as a Python program would call it. */
function presignedPost(key, redirect) {
  const script = `
import json, sys, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name=sys.argv[2])
post = s3.generate_presigned_post(
    sys.argv[3], sys.argv[4],
    Fields={"Content-Type": "text/plain", "x-amz-meta-uploaded-by": "browser", "success_action_redirect": sys.argv[5]},
    Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-uploaded-by": "browser"},
                {"success_action_redirect": sys.argv[5]}, ["content-length-range", 1, 1048576]],
    ExpiresIn=600)
print(json.dumps(post))
`;
  const result = spawnSync('python3', ['-c', script, ENDPOINT, REGION, bucket, key, redirect], { encoding: 'utf8', env: process.env });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function formPage(post) {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const hidden = Object.entries(post.fields).map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`).join('\n');
  return `<!doctype html><html><head><title>upload</title><style>body{font:16px sans-serif;margin:2em}</style></head>
<body><h1>Upload a file to the bucket</h1>
<form id="upload" action="${esc(post.url)}" method="post" enctype="multipart/form-data">
${hidden}
<input id="file" type="file" name="file"> <button id="send" type="submit" name="submit" value="Upload">Upload</button>
</form></body></html>`;
}

let currentForm = '';

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-form-'));
  pageServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    if (url.pathname === '/done') {
      const q = Object.fromEntries(url.searchParams);
      res.end(`<!doctype html><html><head><title>uploaded</title></head><body><h1>Uploaded</h1><pre id="result">${JSON.stringify(q)}</pre></body></html>`);
    } else {
      res.end(currentForm);
    }
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  console.log(`screenshots: ${SHOTS}`);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer.close(resolve));
  await emptyAndDelete(s3, bucket);
  fs.rmSync(workDir, { recursive: true, force: true });
});

test('a form from generate_presigned_post uploads the picked file and follows the redirect', async () => {
  const content = `notes picked in a browser ${Date.now()}\n`.repeat(50);
  const file = path.join(workDir, 'notes.txt');
  fs.writeFileSync(file, content);
  currentForm = formPage(presignedPost('uploads/${filename}', `${pageOrigin}/done`));
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  let landed;
  try {
    await page.goto(`${pageOrigin}/form`);
    const input = await page.$('#file');
    await input.uploadFile(file);
    await page.screenshot({ path: path.join(SHOTS, 'form.png') });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 20_000 }), page.click('#send')]);
    await page.screenshot({ path: path.join(SHOTS, 'done.png') });
    landed = { url: new URL(page.url()), result: await page.$eval('#result', (e) => JSON.parse(e.textContent)) };
  } finally {
    await context.close();
  }
  assert.equal(landed.url.origin + landed.url.pathname, `${pageOrigin}/done`);
  assert.equal(landed.result.bucket, bucket);
  assert.equal(landed.result.key, 'uploads/notes.txt');
  const md5 = createHash('md5').update(content).digest('hex');
  assert.equal(landed.result.etag, `"${md5}"`);

  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt' }));
  assert.equal(head.ContentType, 'text/plain');
  assert.equal(head.Metadata['uploaded-by'], 'browser');
  assert.equal(head.ContentLength, Buffer.byteLength(content));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt' }));
  assert.equal(await got.Body.transformToString(), content);
});
