// A static website in a real browser (issue 9): a small site (HTML, CSS, an image, a script) is
// published with `aws s3 sync --acl public-read`, `aws s3 website` and a public-read bucket
// policy, then opened in headless Chromium (Debian's package, driven by puppeteer-core) at
// http://<bucket>.<S3EDGE_WEBSITE_DOMAIN>:<port>/. The page must render with its stylesheet
// (pixels of the styled banner are checked in the screenshot), its image and its script; a link
// into docs/ loads docs/index.html; a missing page shows the site's 404 page with status 404; a
// routing rule's redirect lands on its target. Screenshots go into the folder the test prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { s3, s3sdk, require, ENDPOINT, REGION, newBucketName, emptyAndDelete } from './helpers.mjs';

const puppeteer = require('puppeteer-core');
const { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand } = s3sdk;
const CHROMIUM = process.env.S3EDGE_CHROMIUM || '/usr/bin/chromium';
const WEBSITE_DOMAIN = process.env.S3EDGE_WEBSITE_DOMAIN || 's3-website.localhost';
const SHOTS = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-screenshots-website-'));
const BANNER = [12, 90, 200]; // the banner's background in style.css

const SITE = {
  'index.html': `<!doctype html><html><head><title>s3edge site</title><link rel="stylesheet" href="style.css"></head>
<body><div id="banner">Hosted in a bucket</div><img id="logo" src="img/logo.svg" alt="logo" width="120" height="60">
<p id="status">the script did not run</p><a id="docs" href="docs/">Read the docs</a><script src="app.js"></script></body></html>`,
  'style.css': `body{margin:0;font:18px sans-serif} #banner{background:rgb(${BANNER.join(',')});color:#fff;height:120px;width:100%;font-size:32px;padding:20px;box-sizing:border-box}`,
  'app.js': `document.getElementById('status').textContent = 'the script ran';`,
  'img/logo.svg': `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="rgb(250,160,0)"/></svg>`,
  'docs/index.html': `<!doctype html><html><head><title>docs index</title><link rel="stylesheet" href="../style.css"></head><body><div id="banner">Docs</div></body></html>`,
  '404.html': `<!doctype html><html><head><title>page not found</title></head><body><h1 id="missing">This page is not in the bucket</h1></body></html>`,
};

let browser;
let siteDir;
let configDir;
const bucket = newBucketName('site');
const port = new URL(ENDPOINT).port;
const siteOrigin = `http://${bucket}.${WEBSITE_DOMAIN}:${port}`;

function aws(...args) {
  const env = { ...process.env, AWS_CONFIG_FILE: path.join(configDir, 'config'), AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' };
  delete env.AWS_PROFILE;
  const result = spawnSync('aws', ['--endpoint-url', ENDPOINT, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `aws ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-site-'));
  for (const [name, body] of Object.entries(SITE)) {
    fs.mkdirSync(path.dirname(path.join(siteDir, name)), { recursive: true });
    fs.writeFileSync(path.join(siteDir, name), body);
  }
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 's3edge-awscli-'));
  fs.writeFileSync(path.join(configDir, 'config'), `[default]\nregion = ${REGION}\ns3 =\n    addressing_style = path\n`);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  aws('s3', 'sync', '--acl', 'public-read', siteDir, `s3://${bucket}`);
  aws('s3', 'website', `s3://${bucket}`, '--index-document', 'index.html', '--error-document', '404.html');
  // Anyone may list the bucket, so that a missing page is a 404 rather than a 403.
  await s3.send(new PutBucketPolicyCommand({
    Bucket: bucket,
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
        { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
      ],
    }),
  }));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // *.localhost is loopback to Chromium already; the rule makes it IPv4, where the front listens.
    args: ['--no-sandbox', '--disable-gpu', `--host-resolver-rules=MAP *.${WEBSITE_DOMAIN} 127.0.0.1`],
  });
  console.log(`screenshots: ${SHOTS}`);
});

after(async () => {
  await browser?.close();
  await emptyAndDelete(s3, bucket);
  fs.rmSync(siteDir, { recursive: true, force: true });
  fs.rmSync(configDir, { recursive: true, force: true });
});

async function open(name, url, work) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    const result = await work(page, response);
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    return result;
  } finally {
    await context.close();
  }
}

/** The colour at (x, y) of a PNG, decoded by the browser itself. */
async function pixel(png, x, y) {
  const page = await browser.newPage();
  try {
    await page.goto('about:blank');
    return await page.evaluate(async (data, x, y) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      return Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
    }, png.toString('base64'), x, y);
  } finally {
    await page.close();
  }
}

function near(actual, expected) {
  return actual.every((v, i) => Math.abs(v - expected[i]) <= 3);
}

test('the site renders with its stylesheet, image and script', async () => {
  const seen = await open('home', `${siteOrigin}/`, async (page, response) => {
    assert.equal(response.status(), 200);
    const shot = await page.screenshot();
    return {
      title: await page.title(),
      status: await page.$eval('#status', (e) => e.textContent),
      logoWidth: await page.$eval('#logo', (e) => e.complete && e.naturalWidth),
      banner: await page.$eval('#banner', (e) => getComputedStyle(e).backgroundColor),
      bannerPixel: await pixel(shot, 300, 60),
      logoPixel: await page.$eval('#logo', (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; }),
      shot,
    };
  });
  assert.equal(seen.title, 's3edge site');
  assert.equal(seen.status, 'the script ran');
  assert.equal(seen.logoWidth, 120, 'the image loaded');
  assert.equal(seen.banner, `rgb(${BANNER.join(', ')})`);
  assert.ok(near(seen.bannerPixel, BANNER), `banner pixel ${seen.bannerPixel}`);
  const [x, y] = seen.logoPixel;
  assert.ok(near(await pixel(seen.shot, x, y), [250, 160, 0]), 'the image is drawn');
});

test('a link into docs/ loads docs/index.html', async () => {
  const title = await open('docs', `${siteOrigin}/`, async (page) => {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#docs')]);
    assert.equal(page.url(), `${siteOrigin}/docs/`);
    return page.title();
  });
  assert.equal(title, 'docs index');
  // Without its slash the folder redirects to it.
  const landed = await open('docs-no-slash', `${siteOrigin}/docs`, async (page, response) => [page.url(), response.status(), await page.title()]);
  assert.deepEqual(landed, [`${siteOrigin}/docs/`, 200, 'docs index']);
});

test('a missing page shows the site 404 page with status 404', async () => {
  const seen = await open('missing', `${siteOrigin}/no/such/page.html`, async (page, response) => ({
    status: response.status(),
    heading: await page.$eval('#missing', (e) => e.textContent),
  }));
  assert.deepEqual(seen, { status: 404, heading: 'This page is not in the bucket' });
});

test('a routing rule redirect lands on its target', async () => {
  await s3.send(new PutBucketWebsiteCommand({
    Bucket: bucket,
    WebsiteConfiguration: {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: '404.html' },
      RoutingRules: [{ Condition: { KeyPrefixEquals: 'manual/' }, Redirect: { ReplaceKeyPrefixWith: 'docs/' } }],
    },
  }));
  const landed = await open('redirected', `${siteOrigin}/manual/`, async (page, response) => ({
    url: page.url(),
    status: response.status(),
    chain: response.request().redirectChain().map((r) => r.response().status()),
    title: await page.title(),
  }));
  assert.deepEqual(landed, { url: `${siteOrigin}/docs/`, status: 200, chain: [301], title: 'docs index' });
});
