// The local HTTP front before workerd (workerd never answers `Expect: 100-continue`). It talks to
// the Worker through Miniflare's direct socket (no entry worker: nothing rewrites a request's
// `Accept-Encoding` or compresses an answer), and:
// - answers `Expect: 100-continue` with the Worker's own verdict on the request's head (a
//   preflight, see src/preflight.rs): `100 Continue` when the Worker wants the body, else its
//   final S3 error at once, the body never sent, and the connection closed after it (RFC 9110
//   §10.1.1: the client may still send the body, which the front will not read);
// - asks the same for a large body sent without `Expect`, and answers a refusal at once while
//   it drains the body;
// - relays an answer the Worker gives before the body ended (an early refusal) at once, and
//   drains what the client still sends so the kept-alive connection serves the next request;
// - otherwise passes requests and answers through as streams, untouched.
import http from "node:http";

/** Bodies above this size go to workerd on a connection of their own (see `forward`). */
const LARGE_BODY = 32 * 1024 * 1024;
const PREFLIGHT = "x-s3edge-preflight";
/** Bodies above this size (or of unknown size) are announced by a preflight even without
 * `Expect`: a refusal is then answered before any of the body goes to workerd, and the front
 * drains the body itself, faster than the Worker would (see `drain_unread` in the Worker). */
const PREFLIGHT_ABOVE = 1024 * 1024;
/** Hop-by-hop answer headers the front sets itself. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", PREFLIGHT]);

/**
 * @param {object} options
 * @param {{hostname: string, port: string|number}} options.upstream  the Worker's direct socket
 * @param {boolean} options.preflight  ask the Worker before answering `100 Continue`; without
 *        it, `100 Continue` is answered at once
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => boolean} [options.intercept]
 *        answers a request itself when it returns true (the test hooks)
 */
export function createFront({ upstream, preflight: askFirst, intercept }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer({ highWaterMark: 1024 * 1024 });
  const target = { host: upstream.hostname, port: Number(upstream.port) };

  server.on("request", (req, res) => {
    if (intercept?.(req, res)) return;
    const length = Number(req.headers["content-length"] ?? 0);
    if (askFirst && (length > PREFLIGHT_ABOVE || req.headers["transfer-encoding"] !== undefined)) {
      preflight(req, res, false);
    } else {
      forward(req, res);
    }
  });
  server.on("checkContinue", (req, res) => {
    if (intercept?.(req, res)) return;
    if (askFirst) {
      preflight(req, res, true);
    } else {
      res.writeContinue();
      forward(req, res);
    }
  });

  /**
   * Asks the Worker whether it wants this request's body. `expecting`: the client waits for
   * `100 Continue`; otherwise it is already sending, and a refusal drains what it sends.
   */
  function preflight(req, res, expecting) {
    const headers = requestHeaders(req);
    const framing = headers["content-length"] !== undefined
      ? `content-length=${headers["content-length"]}`
      : headers["transfer-encoding"] !== undefined ? `transfer-encoding=${headers["transfer-encoding"]}` : "none";
    delete headers["content-length"];
    delete headers["transfer-encoding"];
    headers[PREFLIGHT] = framing;
    const probe = http.request({ ...target, method: req.method, path: req.url, headers, agent }, (answer) => {
      if (answer.headers[PREFLIGHT] === "continue") {
        answer.resume();
        if (expecting) res.writeContinue();
        forward(req, res);
        return;
      }
      if (expecting) {
        res.writeHead(answer.statusCode ?? 502, [...answerHeaders(answer), "connection", "close"]);
      } else {
        res.writeHead(answer.statusCode ?? 502, answerHeaders(answer));
        drain(req);
      }
      answer.pipe(res);
      answer.once("error", (err) => res.destroy(err));
    });
    probe.on("error", (err) => fail(res, err));
    probe.end();
  }

  function forward(req, res) {
    const headers = requestHeaders(req);
    // workerd was seen resetting kept-alive connections to it while it took a body of several
    // hundred MiB: the next request on such a socket failed before any answer. A large body
    // gets a connection of its own, closed after the answer, and a request without a body that
    // meets a reset connection is sent again once, on a fresh one.
    const large = Number(headers["content-length"] ?? 0) > LARGE_BODY;
    if (large) headers.connection = "close";
    const bodiless = !headers["transfer-encoding"] && Number(headers["content-length"] ?? 0) === 0;
    let bodyDone = bodiless;
    req.once("end", () => {
      bodyDone = true;
    });
    let answered = false;
    const send = (retry) => {
      const upstreamReq = http.request(
        { ...target, method: req.method, path: req.url, headers, agent: large || retry ? false : agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answerHeaders(answer));
          answer.pipe(res);
          answer.once("error", (err) => res.destroy(err));
          answer.once("end", () => {
            answered = true;
          });
          if (!bodyDone) {
            // An early answer: the Worker will not read the rest. Stop sending it, drop this
            // upstream connection once the answer is through, and drain the client's body.
            req.unpipe(upstreamReq);
            drain(req);
            answer.once("end", () => upstreamReq.destroy());
          }
        },
      );
      upstreamReq.on("error", (err) => {
        if (!retry && bodiless && !res.headersSent && ["ECONNRESET", "EPIPE"].includes(err.code)) {
          send(true);
          return;
        }
        if (answered) return; // the whole answer went through (an early answer)
        if (res.headersSent) {
          res.destroy(err); // cut off mid-answer: the client must see it incomplete
          return;
        }
        fail(res, err);
      });
      if (bodiless) upstreamReq.end();
      else req.pipe(upstreamReq);
    };
    send(false);
  }

  server.keepAliveTimeout = 30_000;
  server.on("close", () => agent.destroy());
  return server;
}

/** Reads and discards the rest of a request body, so the connection can serve the next one. */
function drain(req) {
  req.on("data", () => {});
  req.resume();
}

/** The client's headers for workerd: `Expect` is the front's business, and a client may not ask
 * for a preflight itself. */
function requestHeaders(req) {
  const headers = { ...req.headers };
  delete headers.expect;
  delete headers[PREFLIGHT];
  return headers;
}

/** workerd's answer headers as raw pairs, less the hop-by-hop ones. */
function answerHeaders(answer) {
  const raw = [];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(answer.rawHeaders[i].toLowerCase())) raw.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
  }
  return raw;
}

function fail(res, err) {
  if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain", connection: "close" });
  res.end(`s3edge front: ${err.message}`);
}
