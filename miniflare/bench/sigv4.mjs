// A minimal AWS SigV4 header signer for the benchmark client (node:crypto only). It signs
// `UNSIGNED-PAYLOAD` requests, so the body is never hashed: per request it costs one SHA-256 of
// the canonical request and two HMACs (the signing key is cached per day). Paths must already be
// S3-URI-encoded (the benchmark keys use only unreserved characters and `/`), and so must query
// values (upload ids and part numbers are).
import { createHash, createHmac } from "node:crypto";

const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

export function createSigner({ accessKeyId, secretAccessKey, region = "us-east-1", service = "s3" }) {
  let keyDay = "";
  let signingKey = null;
  /**
   * Headers to add to a request: x-amz-date, x-amz-content-sha256 and Authorization.
   * @param {string} method
   * @param {string} path   encoded path, e.g. "/bucket/key"
   * @param {string} host   the Host header exactly as sent, e.g. "127.0.0.1:8787"
   * @param {Record<string,string>} extra  further x-amz-* headers to sign (lower-case names)
   */
  return function sign(method, target, host, extra = {}, now = new Date()) {
    const [path, query = ""] = target.split("?");
    const canonicalQuery = query
      .split("&")
      .filter(Boolean)
      .map((pair) => (pair.includes("=") ? pair : `${pair}=`))
      .sort()
      .join("&");
    const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""); // 20250101T000000Z
    const day = amzDate.slice(0, 8);
    if (day !== keyDay) {
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), "aws4_request");
      keyDay = day;
    }
    const payload = "UNSIGNED-PAYLOAD";
    const all = { host, "x-amz-content-sha256": payload, "x-amz-date": amzDate, ...extra };
    const names = Object.keys(all).sort();
    const signedHeaders = names.join(";");
    const canonicalHeaders = names.map((n) => `${n}:${all[n]}\n`).join("");
    const canonical = `${method}\n${path}\n${canonicalQuery}\n${canonicalHeaders}\n${signedHeaders}\n${payload}`;
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
    return {
      ...extra,
      "x-amz-date": amzDate,
      "x-amz-content-sha256": payload,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  };
}
