// A minimal AWS SigV4 header signer for the benchmark client (node:crypto only). It signs
// `UNSIGNED-PAYLOAD` requests, so the body is never hashed: per request it costs one SHA-256 of
// the canonical request and two HMACs (the signing key is cached per day). Paths must already be
// S3-URI-encoded (the benchmark keys use only unreserved characters and `/`), queries are not used.
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
   */
  return function sign(method, path, host, now = new Date()) {
    const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, ""); // 20250101T000000Z
    const day = amzDate.slice(0, 8);
    if (day !== keyDay) {
      signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), "aws4_request");
      keyDay = day;
    }
    const payload = "UNSIGNED-PAYLOAD";
    const signedHeaders = "host;x-amz-content-sha256;x-amz-date";
    const canonical = `${method}\n${path}\n\nhost:${host}\nx-amz-content-sha256:${payload}\nx-amz-date:${amzDate}\n\n${signedHeaders}\n${payload}`;
    const scope = `${day}/${region}/${service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
    return {
      "x-amz-date": amzDate,
      "x-amz-content-sha256": payload,
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
  };
}
