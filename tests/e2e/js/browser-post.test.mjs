// Browser form uploads (PostObject) in a real browser: headless Chromium (Debian's package,
// driven by puppeteer-core) opens a page served from another origin holding an HTML form signed
// here with SigV4 (the policy's HMAC, as an application's server would sign it). Once as a plain
// form submission (the browser's own multipart encoding, the file's name in the key, the 303 to
// `success_action_redirect` followed back to the page), once as a `fetch` of a FormData from the
// page's script (CORS: the page reads the `201` document and the exposed ETag).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { s3, s3sdk, require, ENDPOINT, REGION, newBucketName, emptyAndDelete, md5hex } from './helpers.mjs';

const puppeteer = require('puppeteer-core');
const { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand } = s3sdk;
const CHROMIUM = process.env.S3EDGE_CHROMIUM || '/usr/bin/chromium';
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-browser-post-'));
const FILE = path.join(DIR, 'holiday photo.jpg');
const DATA = crypto.randomBytes(200_000);

let pageServer;
let pageOrigin;
let browser;
let form = '';
const bucket = newBucketName('post');

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

/** The SigV4 fields of a form whose policy has `conditions` (and the bucket's and the
 * SigV4 fields' own). */
function signedFields(conditions) {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const date = amzDate.slice(0, 8);
  const credential = `${process.env.AWS_ACCESS_KEY_ID}/${date}/${REGION}/s3/aws4_request`;
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(Date.now() + 600_000).toISOString(),
    conditions: [
      { bucket },
      ...conditions,
      { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
      { 'x-amz-credential': credential },
      { 'x-amz-date': amzDate },
    ],
  })).toString('base64');
  let key = hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY}`, date);
  for (const part of [REGION, 's3', 'aws4_request']) key = hmac(key, part);
  return {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': credential,
    'X-Amz-Date': amzDate,
    Policy: policy,
    'X-Amz-Signature': crypto.createHmac('sha256', key).update(policy).digest('hex'),
  };
}

const escape = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function formPage(fields) {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`)
    .join('\n');
  return `<!doctype html><html><head><title>upload</title></head><body>
<form id="upload" action="${ENDPOINT}/${bucket}" method="post" enctype="multipart/form-data">
${inputs}
<input type="file" name="file" id="file">
<button type="submit" id="send">Upload</button>
</form>
<script>
async function sendWithFetch() {
  const data = new FormData(document.getElementById('upload'));
  try {
    const r = await fetch(document.getElementById('upload').action, { method: 'POST', body: data });
    const doc = new DOMParser().parseFromString(await r.text(), 'application/xml');
    return { ok: true, status: r.status, etag: r.headers.get('etag'),
             key: doc.querySelector('Key')?.textContent, location: doc.querySelector('Location')?.textContent };
  } catch (e) {
    return { ok: false, error: String(e) };
  }
}
</script></body></html>`;
}

before(async () => {
  fs.writeFileSync(FILE, DATA);
  pageServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://page');
    if (url.pathname === '/done') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>done</title><p id="done">${escape(url.search)}</p>`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(form);
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer.close(resolve));
  await emptyAndDelete(s3, bucket);
  fs.rmSync(DIR, { recursive: true, force: true });
});

async function object(key) {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from(await got.Body.transformToByteArray()), type: got.ContentType, etag: got.ETag };
}

test('a form submitted by the browser uploads the file and is redirected back', async () => {
  const redirect = `${pageOrigin}/done`;
  form = formPage({
    key: 'browser/${filename}',
    'Content-Type': 'image/jpeg',
    success_action_redirect: redirect,
    ...signedFields([
      ['starts-with', '$key', 'browser/'],
      ['starts-with', '$Content-Type', 'image/'],
      { success_action_redirect: redirect },
    ]),
  });
  const page = await browser.newPage();
  try {
    await page.goto(pageOrigin);
    await (await page.$('#file')).uploadFile(FILE);
    await Promise.all([page.waitForNavigation({ timeout: 20_000 }), page.click('#send')]);
    const landed = new URL(page.url());
    assert.equal(landed.origin + landed.pathname, redirect);
    assert.equal(landed.searchParams.get('bucket'), bucket);
    assert.equal(landed.searchParams.get('key'), 'browser/holiday photo.jpg');
    assert.equal(landed.searchParams.get('etag'), `"${md5hex(DATA)}"`);
    await page.screenshot({ path: path.join(DIR, 'redirected.png') });
  } finally {
    await page.close();
  }
  const stored = await object('browser/holiday photo.jpg');
  assert.ok(stored.body.equals(DATA));
  assert.equal(stored.type, 'image/jpeg');
});

test("a page's script posts the form across origins and reads the answer", async () => {
  await s3.send(new PutBucketCorsCommand({
    Bucket: bucket,
    CORSConfiguration: { CORSRules: [{ AllowedOrigins: [pageOrigin], AllowedMethods: ['POST'], ExposeHeaders: ['ETag'] }] },
  }));
  form = formPage({
    key: 'scripted/${filename}',
    success_action_status: '201',
    ...signedFields([['starts-with', '$key', 'scripted/'], { success_action_status: '201' }]),
  });
  const page = await browser.newPage();
  try {
    await page.goto(pageOrigin);
    await (await page.$('#file')).uploadFile(FILE);
    const result = await page.evaluate(() => sendWithFetch());
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.status, 201);
    assert.equal(result.key, 'scripted/holiday photo.jpg');
    assert.equal(result.etag, `"${md5hex(DATA)}"`);
    assert.equal(result.location, `${ENDPOINT}/${bucket}/scripted/holiday%20photo.jpg`);
  } finally {
    await page.close();
  }
  assert.ok((await object('scripted/holiday photo.jpg')).body.equals(DATA));
});
