// The local front before workerd (workerd never answers `Expect: 100-continue`). It reaches the
// Worker through Miniflare's direct socket, past the entry worker, so nothing rewrites a request's
// `Accept-Encoding` or compresses an answer. It works on TCP connections and reads only what it
// must of HTTP/1.1: request and answer heads, and the framing of bodies (Content-Length or
// chunked), which it forwards as raw bytes without decoding them. It:
// - answers `Expect: 100-continue` with the Worker's own verdict on the request's head (a
//   preflight, see src/preflight.rs): `100 Continue` when the Worker wants the body, else its
//   final S3 error at once, the body never sent, and the connection closed after it (RFC 9110
//   §10.1.1: the client may still send the body, which the front will not read);
// - asks the same for a large body sent without `Expect`, and answers a refusal at once while
//   it drains the body, keeping the connection;
// - otherwise passes each request and its answer through untouched, one at a time per client
//   connection, each client connection with a workerd connection of its own.
import http from "node:http";
import net from "node:net";

const PREFLIGHT = "x-s3edge-preflight";
/** Bodies above this size (or of unknown size) are announced by a preflight even without
 * `Expect`: a refusal is then answered before any of the body goes to workerd, and the front
 * drains the body itself, faster than the Worker would (see `drain_unread` in the Worker). */
const PREFLIGHT_ABOVE = 1024 * 1024;
/** workerd was seen resetting kept-alive connections after it took a body of several hundred
 * MiB: a body above this size gets a workerd connection of its own, closed after the answer. */
const LARGE_BODY = 32 * 1024 * 1024;
const MAX_HEAD = 64 * 1024;
const IDLE_MS = 30_000;

/**
 * @param {object} options
 * @param {{hostname: string, port: string|number}} options.upstream  the Worker's direct socket
 * @param {boolean} options.preflight  ask the Worker before answering `100 Continue`; without
 *        it, `100 Continue` is answered at once
 * @param {(method: string, url: string) => Promise<{status: number, type: string, body: string}>|null} [options.hooks]
 *        answers a request itself when it returns a promise (the test hooks)
 */
export function createFront({ upstream, preflight: askFirst, hooks }) {
  const target = { host: upstream.hostname, port: Number(upstream.port) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const server = net.createServer((socket) => {
    // Nagle off: a head and a small body written one after the other would otherwise wait for
    // the peer's delayed ACK (40 ms a request).
    socket.setNoDelay(true);
    serve(socket, { target, agent, askFirst, hooks }).catch(() => socket.destroy());
  });
  const sockets = new Set();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    close(callback);
    for (const socket of sockets) socket.destroy();
    agent.destroy();
    return server;
  };
  return server;
}

/** Serves one client connection, request after request. */
async function serve(socket, options) {
  const client = new Reader(socket);
  let worker = null; // { socket, reader } of the current workerd connection
  socket.on("error", () => {});
  socket.on("timeout", () => socket.destroy());
  try {
    for (;;) {
      socket.setTimeout(IDLE_MS); // only while waiting for a request: a slow answer is no idle time
      const raw = await client.head();
      socket.setTimeout(0);
      if (raw === null) break;
      const request = parseHead(raw, true);
      if (!request) {
        socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        break;
      }
      const next = await exchange(socket, client, request, worker, options);
      if (next === false) break;
      worker = next;
      if (!keepsAlive(request)) break;
    }
  } finally {
    worker?.socket?.destroy();
    if (!socket.destroyed) socket.end();
  }
}

/**
 * Handles one request. Returns the workerd connection to use for the next one (null for a new
 * one), or false when the client connection must close.
 */
async function exchange(socket, client, request, worker, { target, agent, askFirst, hooks }) {
  const framing = bodyFraming(request.headers);
  const hooked = hooks?.(request.method, request.target);
  if (hooked) {
    await skipBody(client, framing);
    const answer = await hooked;
    await write(socket, plainAnswer(answer.status, { "content-type": answer.type }, Buffer.from(answer.body)));
    return worker;
  }
  const expecting = (request.headers.expect ?? "").toLowerCase() === "100-continue" && framing.kind !== "none";
  const large = framing.kind === "chunked" || framing.length > PREFLIGHT_ABOVE;
  if (askFirst && (expecting || large)) {
    const verdict = await preflight(target, agent, request);
    if (!verdict.continue) {
      const close = expecting;
      await write(socket, plainAnswer(verdict.status, verdict.headers, verdict.body, close));
      if (close) return false;
      await skipBody(client, framing);
      return worker;
    }
  }
  if (expecting) await write(socket, Buffer.from("HTTP/1.1 100 Continue\r\n\r\n"));

  const own = framing.length > LARGE_BODY || framing.kind === "chunked";
  const head = forwardedHead(request, own);
  for (let attempt = 0; ; attempt++) {
    if (!worker || worker.socket.destroyed || worker.reader.ended) worker = await connect(target);
    if (!worker) {
      await write(socket, plainAnswer(502, { "content-type": "text/plain" }, Buffer.from("s3edge front: workerd is unreachable"), true));
      return false;
    }
    worker.socket.write(head);
    const upstreamSocket = worker.socket;
    const sending = framing.kind === "none" ? Promise.resolve(true) : forwardBody(client, upstreamSocket, framing);
    // A client that stops sending mid-body leaves workerd waiting for the rest: end that.
    sending.then((ok) => ok || upstreamSocket.destroy());
    const answerRaw = await worker.reader.head();
    if (answerRaw === null) {
      // workerd closed before answering: a request without a body is sent once more on a new
      // connection (a kept-alive one may have been reset); otherwise the client is told.
      worker.socket.destroy();
      worker = null;
      if (framing.kind === "none" && attempt === 0) continue;
      await sending.catch(() => {});
      await write(socket, plainAnswer(502, { "content-type": "text/plain" }, Buffer.from("s3edge front: workerd closed the connection"), true));
      return false;
    }
    const answer = parseHead(answerRaw, false);
    if (!answer) return false;
    if (!(await write(socket, answerRaw))) return false;
    const answerFraming = answerBodyFraming(request.method, answer);
    const complete = await forwardBody(worker.reader, socket, answerFraming);
    const sent = await sending;
    if (!complete) return false; // cut off mid-answer: the client must see it incomplete
    if (!sent) return false;
    if (answerFraming.kind === "close") return false; // its end was the connection's end
    if (own || !keepsAlive(answer)) {
      worker.socket.destroy();
      worker = null;
    }
    return worker;
  }
}

/** Asks the Worker for its verdict on `request`'s head: `{continue: true}` or its answer. */
function preflight(target, agent, request) {
  const headers = {};
  for (const [name, value] of request.pairs) {
    const lower = name.toLowerCase();
    if (["expect", "content-length", "transfer-encoding", "connection", PREFLIGHT].includes(lower)) continue;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const framing = request.headers["content-length"] !== undefined
    ? `content-length=${request.headers["content-length"]}`
    : request.headers["transfer-encoding"] !== undefined ? `transfer-encoding=${request.headers["transfer-encoding"]}` : "none";
  headers[PREFLIGHT] = framing;
  // A preflight that cannot be had (a header Node will not send again, workerd gone) lets the
  // request go on as it is: the Worker still decides on it, and a dead workerd answers 502.
  return new Promise((resolve) => {
    const onAnswer = (answer) => {
      const chunks = [];
      answer.on("data", (c) => chunks.push(c));
      answer.on("end", () => {
        if (answer.headers[PREFLIGHT] === "continue") return resolve({ continue: true });
        const kept = {};
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          const name = answer.rawHeaders[i];
          if (["connection", "keep-alive", "transfer-encoding", "content-length", PREFLIGHT].includes(name.toLowerCase())) continue;
          kept[name] = answer.rawHeaders[i + 1];
        }
        resolve({ continue: false, status: answer.statusCode ?? 502, headers: kept, body: Buffer.concat(chunks) });
      });
      answer.on("error", () => resolve({ continue: true }));
    };
    let probe;
    try {
      probe = http.request({ ...target, method: request.method, path: request.target, headers, agent }, onAnswer);
    } catch {
      resolve({ continue: true });
      return;
    }
    probe.on("error", () => resolve({ continue: true }));
    probe.end();
  });
}

function connect(target) {
  return new Promise((resolve) => {
    const socket = net.connect(target.port, target.host);
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      socket.on("error", () => {});
      resolve({ socket, reader: new Reader(socket) });
    });
    socket.once("error", () => resolve(null));
  });
}

// ---------------------------------------------------------------- HTTP/1.1 heads and framing

/** `{method, target, status, pairs, headers}` of a request or answer head, or null. */
function parseHead(raw, isRequest) {
  const lines = raw.toString("latin1").split("\r\n");
  const first = lines.shift().split(" ");
  const pairs = [];
  const headers = {};
  for (const line of lines) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    pairs.push([name, value]);
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  if (isRequest) {
    if (first.length < 3 || !first[2].startsWith("HTTP/1.")) return null;
    return { method: first[0].toUpperCase(), target: first[1], version: first[2], pairs, headers };
  }
  const status = Number(first[1]);
  if (!Number.isInteger(status)) return null;
  return { status, version: first[0], pairs, headers };
}

function keepsAlive(message) {
  const connection = (message.headers.connection ?? "").toLowerCase();
  if (connection.includes("close")) return false;
  return message.version !== "HTTP/1.0" || connection.includes("keep-alive");
}

function bodyFraming(headers) {
  if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) return { kind: "chunked", length: Infinity };
  const length = Number(headers["content-length"] ?? 0);
  return length > 0 ? { kind: "length", length } : { kind: "none", length: 0 };
}

function answerBodyFraming(method, answer) {
  if (method === "HEAD" || answer.status === 204 || answer.status === 304 || answer.status < 200) return { kind: "none", length: 0 };
  if (answer.headers["transfer-encoding"] !== undefined || answer.headers["content-length"] !== undefined) return bodyFraming(answer.headers);
  return { kind: "close", length: Infinity };
}

/** The request head for workerd: `Expect` is the front's business, and a client may not ask for
 * a preflight itself. */
function forwardedHead(request, closeAfter) {
  let head = `${request.method} ${request.target} ${request.version}\r\n`;
  for (const [name, value] of request.pairs) {
    const lower = name.toLowerCase();
    if (lower === "expect" || lower === PREFLIGHT || (closeAfter && lower === "connection")) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (closeAfter) head += "connection: close\r\n";
  return Buffer.from(`${head}\r\n`, "latin1");
}

function plainAnswer(status, headers, body, close = false) {
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.length}\r\n`;
  if (close) head += "connection: close\r\n";
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
}

// ---------------------------------------------------------------- moving bytes

/** Writes with back-pressure; false when the socket is gone. */
async function write(socket, bytes) {
  if (socket.destroyed) return false;
  if (socket.write(bytes)) return true;
  return new Promise((resolve) => {
    const done = (ok) => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/** Forwards one body from `reader` to `dest` (null: discard) as its framing says; true when
 * the whole body went through. */
async function forwardBody(reader, dest, framing) {
  const send = async (bytes) => (dest === null ? true : write(dest, bytes));
  if (framing.kind === "none") return true;
  if (framing.kind === "close") {
    for (;;) {
      const bytes = await reader.take(Infinity);
      if (bytes === null) return true;
      if (!(await send(bytes))) return false;
    }
  }
  if (framing.kind === "length") return forwardExactly(reader, framing.length, send, dest);
  // chunked: size line, data, CRLF, ... a zero-size chunk, trailers, an empty line
  for (;;) {
    const line = await reader.line();
    if (line === null || !(await send(line))) return false;
    const size = parseInt(line.toString("latin1"), 16);
    if (!Number.isInteger(size) || size < 0) return false;
    if (size === 0) {
      for (;;) {
        const trailer = await reader.line();
        if (trailer === null || !(await send(trailer))) return false;
        if (trailer.length === 2) return true;
      }
    }
    if (!(await forwardExactly(reader, size + 2, send))) return false;
  }
}

async function forwardExactly(reader, length, send, dest) {
  let left = length;
  // Buffered bytes (and all of a chunk, `dest` unset) go through `send`; the rest of a body of
  // known length streams from the socket's events (`Reader.stream`).
  while (left > 0 && (dest === undefined || reader.length > 0)) {
    const bytes = await reader.take(left);
    if (bytes === null) return false;
    left -= bytes.length;
    if (!(await send(bytes))) return false;
  }
  return left === 0 || reader.stream(left, dest);
}

function skipBody(reader, framing) {
  return forwardBody(reader, null, framing);
}

/** Buffers what a socket receives and hands it out as heads, lines or runs of bytes. */
class Reader {
  constructor(socket) {
    this.socket = socket;
    this.chunks = [];
    this.length = 0;
    this.ended = false;
    this.wake = null;
    this.streaming = false;
    socket.on("data", (chunk) => {
      if (this.streaming) return;
      this.chunks.push(chunk);
      this.length += chunk.length;
      if (this.length > 4 * 1024 * 1024) socket.pause();
      this.notify();
    });
    const end = () => {
      this.ended = true;
      this.notify();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  notify() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits for more bytes; false at the end of the stream. */
  async more() {
    if (this.ended) return false;
    this.socket.resume();
    await new Promise((resolve) => {
      this.wake = resolve;
    });
    return this.length > 0 || !this.ended;
  }

  /** At most `max` bytes (at least one), or null at the end. */
  async take(max) {
    while (this.length === 0) if (!(await this.more())) return null;
    let chunk = this.chunks[0];
    if (chunk.length > max) {
      this.chunks[0] = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    } else {
      this.chunks.shift();
    }
    this.length -= chunk.length;
    if (this.length < 1024 * 1024) this.socket.resume();
    return chunk;
  }

  /** Bytes up to and including the first `marker`, or null at the end (or past `limit`). */
  async until(marker, limit) {
    for (;;) {
      // Leading chunks are merged only as far as needed to find the marker.
      for (;;) {
        const first = this.chunks[0];
        const at = first ? first.indexOf(marker) : -1;
        if (at >= 0) {
          const end = at + marker.length;
          if (end < first.length) this.chunks[0] = first.subarray(end);
          else this.chunks.shift();
          this.length -= end;
          return first.subarray(0, end);
        }
        if (this.chunks.length < 2 || first.length > limit) break;
        this.chunks.splice(0, 2, Buffer.concat([this.chunks[0], this.chunks[1]]));
      }
      if (this.length > limit && this.chunks[0].length > limit) return null;
      if (!(await this.more())) return null;
    }
  }

  /**
   * Moves the next `length` bytes to `dest` (null: discards them) straight from the socket's
   * 'data' events, as `pipe` does: no promise per chunk. Resolves true once all went through.
   * Called with nothing buffered; bytes past `length` stay buffered for what follows.
   */
  stream(length, dest) {
    if (this.ended) return Promise.resolve(false);
    return new Promise((resolve) => {
      let left = length;
      const { socket } = this;
      const finish = (ok) => {
        socket.off("data", onData);
        socket.off("end", onEnd);
        socket.off("close", onEnd);
        dest?.off("drain", onDrain);
        dest?.off("close", onDestClose);
        this.streaming = false;
        resolve(ok);
      };
      const onData = (chunk) => {
        let mine = chunk;
        if (chunk.length > left) {
          mine = chunk.subarray(0, left);
          this.chunks.push(chunk.subarray(left));
          this.length += chunk.length - left;
        }
        left -= mine.length;
        const flowing = dest === null || dest.write(mine);
        if (left === 0) return finish(true);
        if (!flowing) socket.pause();
      };
      const onDrain = () => socket.resume();
      const onEnd = () => finish(false);
      const onDestClose = () => finish(false);
      this.streaming = true;
      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onEnd);
      dest?.on("drain", onDrain);
      dest?.on("close", onDestClose);
      socket.resume();
    });
  }

  head() {
    return this.until("\r\n\r\n", MAX_HEAD);
  }

  line() {
    return this.until("\r\n", MAX_HEAD);
  }
}
