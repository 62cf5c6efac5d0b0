//! One client connection, request after request, each relayed to the Worker over a workerd
//! connection of the client connection's own. It answers `Expect: 100-continue` with the
//! Worker's verdict on the request's head (a preflight, src/preflight.rs): `100 Continue` when
//! the Worker wants the body, else the Worker's final S3 error at once, the body never sent
//! and the connection closed after it (RFC 9110 §10.1.1: the client may still send the body,
//! which the front will not read). It asks the same for a large body sent without `Expect`,
//! and answers a refusal at once while it drops the body, keeping the connection. Everything
//! else passes through untouched.

use crate::head::{self, Answer, Framing, Request, PREFLIGHT};
use crate::incoming::Incoming;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Bodies above this size (or of unknown size) are announced by a preflight even without
/// `Expect`: a refusal is then answered before any of the body goes to workerd.
const PREFLIGHT_ABOVE: u64 = 1024 * 1024;
/// workerd was seen resetting kept-alive connections after it took a body of several hundred
/// MiB: a body above this size gets a workerd connection of its own, closed after the answer.
const LARGE_BODY: u64 = 32 * 1024 * 1024;
/// How long a client connection may wait between requests.
const IDLE: Duration = Duration::from_secs(30);
/// A workerd connection idle longer than this is not reused: workerd was seen dropping kept-alive
/// connections idle for a few seconds after large transfers, and a request body sent into one
/// is lost (only a request without a body can be sent again).
const UPSTREAM_IDLE: Duration = Duration::from_secs(2);
/// The largest refusal a preflight may bring back.
const MAX_REFUSAL: usize = 1024 * 1024;

pub struct Options {
    /// The Worker's direct socket.
    pub upstream: SocketAddr,
    /// Where `/__s3edge/*` requests go (the harness's test hooks), when set.
    pub hooks: Option<SocketAddr>,
    /// Ask the Worker before answering `100 Continue`; without it, `100 Continue` is at once.
    pub preflight: bool,
}

/// Whether the client connection stays open after an exchange.
#[derive(PartialEq, Eq)]
enum Next {
    Open,
    Close,
}

pub fn serve(client: TcpStream, options: &Options) {
    // Nagle off: a head and a small body written one after the other would otherwise wait for
    // the peer's delayed ACK (40 ms a request).
    let _ = client.set_nodelay(true);
    let Ok(answers) = client.try_clone() else {
        return;
    };
    // Passed on as `cf-connecting-ip`, as Cloudflare's edge does (`aws:SourceIp`).
    let client_ip = match client.peer_addr() {
        Ok(address) => address.ip().to_string(),
        Err(_) => return,
    };
    let mut requests = Incoming::new(client);
    let mut worker = None;
    let mut worker_used = Instant::now();
    loop {
        let _ = requests.stream().set_read_timeout(Some(IDLE));
        let raw = match requests.head() {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(error) => {
                if error.kind() == io::ErrorKind::InvalidData {
                    let _ = (&answers).write_all(&own_answer(431, "head too long"));
                }
                break;
            }
        };
        let _ = requests.stream().set_read_timeout(None);
        if worker_used.elapsed() > UPSTREAM_IDLE {
            worker = None;
        }
        let parsed = head::parse_request(&raw)
            .and_then(|request| Some((head::request_framing(&request.fields)?, request)));
        let Some((framing, request)) = parsed else {
            let _ = (&answers).write_all(&own_answer(400, "malformed request head"));
            break;
        };
        let next = exchange(
            &mut requests,
            &answers,
            (&request, &client_ip),
            framing,
            &mut worker,
            options,
        );
        worker_used = Instant::now();
        if next == Next::Close || !head::keeps_alive(&request.version, &request.fields) {
            break;
        }
    }
    let _ = answers.shutdown(Shutdown::Write);
}

fn own_answer(status: u16, text: &str) -> Vec<u8> {
    let reason = match status {
        400 => "Bad Request",
        431 => "Request Header Fields Too Large",
        _ => "Bad Gateway",
    };
    let fields = [("content-type".to_string(), "text/plain".to_string())];
    head::plain_answer(
        status,
        reason,
        &fields,
        format!("s3edge front: {text}").as_bytes(),
        true,
    )
}

fn exchange(
    client: &mut Incoming,
    answers: &TcpStream,
    (request, client_ip): (&Request, &str),
    framing: Framing,
    worker: &mut Option<Incoming>,
    options: &Options,
) -> Next {
    if let Some(hooks) = options
        .hooks
        .filter(|_| request.target.starts_with("/__s3edge/"))
    {
        let forwarded = head::forwarded_head(request, client_ip, true);
        return relay(
            client,
            answers,
            (request, &forwarded),
            framing,
            &mut None,
            hooks,
            true,
        );
    }
    let expecting = head::expects_continue(request) && framing != Framing::None;
    let large = match framing {
        Framing::Chunked | Framing::Close => true,
        Framing::Length(length) => length > PREFLIGHT_ABOVE,
        Framing::None => false,
    };
    if options.preflight && (expecting || large) {
        if let Some((answer, body)) = preflight(worker, options.upstream, request, client_ip) {
            let refusal = head::plain_answer(
                answer.status,
                &answer.reason,
                &answer.fields,
                &body,
                expecting,
            );
            if (&*answers).write_all(&refusal).is_err() || expecting {
                return Next::Close;
            }
            return match client.forward_body(framing, None) {
                Ok(()) => Next::Open,
                Err(_) => Next::Close,
            };
        }
    }
    // An empty body that was asked about gets its `100 Continue` too, though nothing is held
    // back: botocore takes a final answer read while it waits for one as the status line of the
    // connection's next answer as well, and misreads every answer after it.
    if head::expects_continue(request)
        && (&*answers)
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .is_err()
    {
        return Next::Close;
    }
    let own = match framing {
        Framing::Length(length) => length > LARGE_BODY,
        _ => framing != Framing::None,
    };
    let forwarded = head::forwarded_head(request, client_ip, own);
    relay(
        client,
        answers,
        (request, &forwarded),
        framing,
        worker,
        options.upstream,
        own,
    )
}

fn connect(target: SocketAddr) -> Option<Incoming> {
    let stream = TcpStream::connect(target).ok()?;
    let _ = stream.set_nodelay(true);
    Some(Incoming::new(stream))
}

/// Asks the Worker for its verdict on `request`'s head, on the workerd connection: None to go
/// on (the Worker wants the body, or no verdict could be had: the Worker still decides on the
/// request itself), or its final answer.
fn preflight(
    worker: &mut Option<Incoming>,
    target: SocketAddr,
    request: &Request,
    client_ip: &str,
) -> Option<(Answer, Vec<u8>)> {
    let probe = head::preflight_head(request, client_ip);
    for _attempt in 0..2 {
        if worker.is_none() {
            *worker = Some(connect(target)?);
        }
        let upstream = worker.as_mut()?;
        let verdict = (|| -> io::Result<Option<(Answer, Vec<u8>)>> {
            upstream.stream().write_all(&probe)?;
            let raw = upstream.head()?.ok_or(io::ErrorKind::UnexpectedEof)?;
            let answer = head::parse_answer(&raw).ok_or(io::ErrorKind::InvalidData)?;
            let body =
                upstream.read_body(head::answer_framing(&request.method, &answer), MAX_REFUSAL)?;
            if !head::keeps_alive(&answer.version, &answer.fields) {
                return Err(io::ErrorKind::ConnectionAborted.into());
            }
            let go_on = head::field(&answer.fields, PREFLIGHT).as_deref() == Some("continue");
            Ok((!go_on).then_some((answer, body)))
        })();
        match verdict {
            Ok(verdict) => return verdict,
            Err(error) if error.kind() == io::ErrorKind::ConnectionAborted => {
                // The verdict came, on a connection workerd closes after it.
                *worker = None;
                return None;
            }
            // A kept-alive connection may have been closed by workerd: once more on a new one.
            Err(_) => *worker = None,
        }
    }
    None
}

/// Sends the request, and its body while the answer comes back, and passes the answer on.
fn relay(
    client: &mut Incoming,
    answers: &TcpStream,
    (request, forwarded): (&Request, &[u8]),
    framing: Framing,
    worker: &mut Option<Incoming>,
    target: SocketAddr,
    own: bool,
) -> Next {
    for attempt in 0.. {
        if worker.is_none() {
            *worker = connect(target);
        }
        let Some(upstream) = worker.as_mut() else {
            let _ = (&*answers).write_all(&own_answer(502, "workerd is unreachable"));
            return Next::Close;
        };
        let Ok(to_worker) = upstream.stream().try_clone() else {
            return Next::Close;
        };
        if (&to_worker).write_all(forwarded).is_err() {
            *worker = None;
            if framing == Framing::None && attempt == 0 {
                continue;
            }
            let _ = (&*answers).write_all(&own_answer(502, "workerd closed the connection"));
            return Next::Close;
        }
        let outcome = thread::scope(|scope| {
            let sending = (framing != Framing::None).then(|| {
                let to_worker = &to_worker;
                let client = &mut *client;
                scope.spawn(move || {
                    let sent = client.forward_body(framing, Some(to_worker)).is_ok();
                    // A client that stops mid-body leaves workerd waiting for the rest: end it.
                    if !sent {
                        let _ = to_worker.shutdown(Shutdown::Both);
                    }
                    sent
                })
            });
            let answered = pass_answer(upstream, answers, &request.method);
            if answered != Passed::Whole {
                // Whatever is still sending will not be answered: stop it.
                let _ = answers.shutdown(Shutdown::Read);
                let _ = to_worker.shutdown(Shutdown::Both);
            }
            let sent = sending.is_none_or(|s| s.join().unwrap_or(false));
            (answered, sent)
        });
        return match outcome {
            (Passed::NotAnswered, _) => {
                *worker = None;
                if framing == Framing::None && attempt == 0 {
                    // workerd closed a kept-alive connection before answering: once more.
                    continue;
                }
                let _ = (&*answers).write_all(&own_answer(502, "workerd closed the connection"));
                Next::Close
            }
            (Passed::Whole, true) => {
                if own {
                    *worker = None;
                }
                Next::Open
            }
            (Passed::Whole, false) | (Passed::Cut, _) | (Passed::ToClose, _) => {
                *worker = None;
                Next::Close
            }
        };
    }
    unreachable!("the loop returns")
}

#[derive(PartialEq, Eq)]
enum Passed {
    /// workerd ended before an answer head came: nothing went to the client.
    NotAnswered,
    /// A whole answer, on a connection that may carry the next.
    Whole,
    /// A whole answer whose end was the end of the connection, or that closes it.
    ToClose,
    /// The answer or the client connection broke part way: the client must see it incomplete.
    Cut,
}

fn pass_answer(upstream: &mut Incoming, answers: &TcpStream, method: &str) -> Passed {
    let (raw, answer) = loop {
        let raw = match upstream.head() {
            Ok(Some(raw)) => raw,
            _ => return Passed::NotAnswered,
        };
        let Some(answer) = head::parse_answer(&raw) else {
            return Passed::NotAnswered;
        };
        // An interim answer workerd sends of its own accord is not the client's business.
        if (100..200).contains(&answer.status) && answer.status != 101 {
            continue;
        }
        break (raw, answer);
    };
    let mut answers = answers;
    if answers.write_all(&raw).is_err() {
        return Passed::Cut;
    }
    let framing = head::answer_framing(method, &answer);
    if upstream.forward_body(framing, Some(answers)).is_err() {
        return Passed::Cut;
    }
    if framing == Framing::Close || !head::keeps_alive(&answer.version, &answer.fields) {
        return Passed::ToClose;
    }
    Passed::Whole
}
