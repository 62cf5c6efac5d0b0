// The baseline for `npm --prefix miniflare run bench`: a bare Worker that moves bytes between
// HTTP and the same R2 binding s3edge uses (S3EDGE_BLOBS), with no auth, records or checks.
//   PUT /<key>  → env.S3EDGE_BLOBS.put(key, request.body)  → 200 with the stored object's ETag
//   GET /<key>  → env.S3EDGE_BLOBS.get(key)                 → 200 with the body, or 404
//   HEAD /<key> → env.S3EDGE_BLOBS.head(key)                → 200 with the ETag and length, or 404
//   OPTIONS     → 200 allowing the Origin (a CORS preflight answered without storage)
// Request bodies must carry a Content-Length (R2 needs the length of a streamed value).
export default {
  async fetch(request, env) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (key === "") return new Response("key required\n", { status: 400 });
    if (request.method === "OPTIONS") {
      const origin = request.headers.get("origin") ?? "*";
      return new Response(null, { status: 200, headers: { "access-control-allow-origin": origin, "access-control-allow-methods": "GET", vary: "Origin" } });
    }
    if (request.method === "PUT") {
      const stored = await env.S3EDGE_BLOBS.put(key, request.body);
      return new Response(null, { status: 200, headers: { etag: stored.httpEtag } });
    }
    if (request.method === "GET") {
      const object = await env.S3EDGE_BLOBS.get(key);
      if (object === null) return new Response("not found\n", { status: 404 });
      return new Response(object.body, { headers: { etag: object.httpEtag } });
    }
    if (request.method === "HEAD") {
      const object = await env.S3EDGE_BLOBS.head(key);
      if (object === null) return new Response(null, { status: 404 });
      return new Response(null, { headers: { etag: object.httpEtag, "content-length": String(object.size) } });
    }
    return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD, PUT" } });
  },
};
