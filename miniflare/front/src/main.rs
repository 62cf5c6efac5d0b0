//! s3edge-front: the local front of `npm --prefix miniflare start` before workerd, which never
//! answers `Expect: 100-continue` and resets connections whose large bodies it did not read.
//! It reaches the Worker through Miniflare's direct socket (past the entry worker, so nothing
//! rewrites `Accept-Encoding` or compresses an answer), reads only request and answer heads
//! and the framing of bodies, and moves body bytes socket to socket with splice(2).
//!
//! Usage: s3edge-front --listen ADDR --upstream ADDR [--hooks ADDR] [--preflight]
//! Prints `listening ADDR` once it accepts connections; exits when its standard input closes
//! (the harness that started it went away).

mod head;
mod incoming;
mod relay;
mod splice;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::{env, process, thread};

fn usage() -> ! {
    eprintln!("usage: s3edge-front --listen ADDR --upstream ADDR [--hooks ADDR] [--preflight]");
    process::exit(2)
}

fn address(value: Option<String>) -> SocketAddr {
    value
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage())
}

fn main() {
    let mut listen = None;
    let mut upstream = None;
    let mut hooks = None;
    let mut preflight = false;
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(address(args.next())),
            "--upstream" => upstream = Some(address(args.next())),
            "--hooks" => hooks = Some(address(args.next())),
            "--preflight" => preflight = true,
            _ => usage(),
        }
    }
    let (Some(listen), Some(upstream)) = (listen, upstream) else {
        usage()
    };
    let listener = TcpListener::bind(listen).unwrap_or_else(|error| {
        eprintln!("s3edge-front: cannot listen on {listen}: {error}");
        process::exit(1)
    });
    let bound = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("listening {bound}");
    let _ = std::io::stdout().flush();

    thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        process::exit(0);
    });

    let options = Arc::new(relay::Options {
        upstream,
        hooks,
        preflight,
    });
    for client in listener.incoming().flatten() {
        let options = Arc::clone(&options);
        let _ = thread::Builder::new()
            .name("s3edge-front connection".into())
            .stack_size(256 * 1024)
            .spawn(move || relay::serve(client, &options));
    }
}
