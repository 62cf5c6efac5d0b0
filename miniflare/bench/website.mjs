// Website and CORS phases of `npm --prefix miniflare run bench`: a website GET of a 4 KiB public
// page (anonymous, Host `<bucket>.<website domain>`) and a CORS preflight (`OPTIONS` with
// Origin and Access-Control-Request-Method), on each s3edge target (KV and Durable-Object
// metadata stores) and, as the baseline, the bare
// pass-through Worker (a GET of the same bytes from R2; an OPTIONS it answers without storage).
import { createHash, randomBytes } from "node:crypto";

export const WEBSITE_DOMAIN = "s3-website.localhost";
const PAGE_KEY = "site/page.html";
const ORIGIN = "http://app.bench.test";
const PAGE_SIZE = 4096;

const WEBSITE_XML = "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>";
const CORS_XML = `<CORSConfiguration><CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
const policy = (bucket) => JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }],
});

/**
 * Publishes the page on every target and gives each the clients its phases use.
 * @param request  bench.mjs's request(client, method, path, options)
 * @param s3edges  the s3edge bench targets (one per metadata store)
 * @param passthrough  the pass-through bench target
 * @param bucket   s3edge's bucket
 */
export async function setUpSite(request, s3edges, passthrough, bucket) {
  const body = (text) => {
    const bytes = Buffer.from(text);
    return { body: bytes, md5: createHash("md5").update(bytes).digest("base64") };
  };
  const page = randomBytes(PAGE_SIZE);
  const unsigned = (m, p, h, extra = {}) => extra;
  for (const s3edge of s3edges) {
    for (const [sub, text] of [["website", WEBSITE_XML], ["policy", policy(bucket)], ["cors", CORS_XML]]) {
      const b = body(text);
      const r = await request({ ...s3edge.client, sign: (m, p, h) => ({ ...s3edge.client.sign(m, p, h), "content-md5": b.md5 }) }, "PUT", `/${bucket}?${sub}`, { body: b.body });
      if (r.status !== 200 && r.status !== 204) throw new Error(`${s3edge.name}: Put bucket ${sub}: ${r.status} ${r.errorText}`);
    }
    s3edge.siteClient = { ...s3edge.client, host: `${bucket}.${WEBSITE_DOMAIN}:${s3edge.client.port}`, prefix: "", sign: unsigned };
    s3edge.preflightClient = { ...s3edge.client, sign: unsigned };
  }
  for (const t of [...s3edges, passthrough]) {
    const r = await request(t.client, "PUT", `${t.client.prefix}/${PAGE_KEY}`, { body: page });
    if (r.status !== 200) throw new Error(`${t.name}: PUT page ${r.status} ${r.errorText}`);
  }
  passthrough.siteClient = passthrough.client;
  passthrough.preflightClient = { ...passthrough.client, sign: unsigned };
}

/** The phases, in bench.mjs's shape: [id, label, fn(target)]. */
export function sitePhases(request, closedLoop, measured, concurrency, seconds) {
  const siteGet = async (t) => {
    const res = await measured(t, () =>
      closedLoop(async () => {
        const r = await request(t.siteClient, "GET", `${t.siteClient.prefix}/${PAGE_KEY}`);
        if (r.status !== 200) return `website GET ${r.status} ${r.errorText}`;
        if (r.bytes !== PAGE_SIZE) return `website GET returned ${r.bytes} bytes`;
        return null;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  };
  const preflight = async (t) => {
    const extra = { origin: ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "x-amz-date" };
    const res = await measured(t, () =>
      closedLoop(async () => {
        const r = await request(t.preflightClient, "OPTIONS", `${t.preflightClient.prefix}/${PAGE_KEY}`, { extra });
        if (r.status !== 200) return `preflight ${r.status} ${r.errorText}`;
        if (r.headers["access-control-allow-origin"] !== ORIGIN) return "preflight without Access-Control-Allow-Origin";
        return null;
      }),
    );
    return { ...res, opsPerSec: res.ok / res.elapsed };
  };
  return [
    ["site4k", `website GET 4 KiB, concurrency ${concurrency}, ${seconds} s`, siteGet],
    ["preflight", `CORS preflight, concurrency ${concurrency}, ${seconds} s`, preflight],
  ];
}
