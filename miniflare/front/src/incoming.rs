//! A buffered reader over one TCP connection: heads and lines come from its buffer; runs of
//! body bytes go to another socket, long ones without passing through the buffer (splice).

use crate::head::{Framing, MAX_HEAD};
use crate::splice;
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Runs at least this long go socket to socket through the kernel.
const SPLICE_FROM: u64 = 64 * 1024;

pub struct Incoming {
    stream: TcpStream,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
}

fn eof() -> io::Error {
    io::ErrorKind::UnexpectedEof.into()
}

impl Incoming {
    pub fn new(stream: TcpStream) -> Self {
        Incoming {
            stream,
            buffer: vec![0; MAX_HEAD + 64 * 1024],
            start: 0,
            end: 0,
        }
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    fn buffered(&self) -> &[u8] {
        &self.buffer[self.start..self.end]
    }

    /// Reads more into the buffer; the count read (0 at the end of the stream).
    fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.end == self.buffer.len() {
            self.buffer.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        let read = self.stream.read(&mut self.buffer[self.end..])?;
        self.end += read;
        Ok(read)
    }

    /// The bytes up to and including the first `marker`; None when the stream ends before any
    /// byte came (an error when it ends part way, or when `limit` bytes hold no marker).
    fn until(&mut self, marker: &[u8], limit: usize) -> io::Result<Option<Vec<u8>>> {
        let mut searched = 0;
        loop {
            let window = self.buffered();
            if let Some(at) = window[searched..]
                .windows(marker.len())
                .position(|w| w == marker)
            {
                let length = searched + at + marker.len();
                let found = window[..length].to_vec();
                self.start += length;
                return Ok(Some(found));
            }
            searched = window.len().saturating_sub(marker.len() - 1);
            if window.len() > limit {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "head too long"));
            }
            if self.fill()? == 0 {
                return if self.start == self.end {
                    Ok(None)
                } else {
                    Err(eof())
                };
            }
        }
    }

    /// A message head, start line to the empty line; None when the peer closed between messages.
    pub fn head(&mut self) -> io::Result<Option<Vec<u8>>> {
        self.until(b"\r\n\r\n", MAX_HEAD)
    }

    fn line(&mut self) -> io::Result<Vec<u8>> {
        self.until(b"\r\n", MAX_HEAD)?.ok_or_else(eof)
    }

    /// Moves exactly `length` bytes to `to` (None: drops them).
    fn copy_exact(&mut self, length: u64, mut to: Option<&TcpStream>) -> io::Result<()> {
        let mut left = length;
        while left > 0 {
            if self.start == self.end {
                if let Some(to) = to.filter(|_| left >= SPLICE_FROM) {
                    return splice::exact(&self.stream, to, left);
                }
                if self.fill()? == 0 {
                    return Err(eof());
                }
            }
            let take = (self.end - self.start).min(left.min(usize::MAX as u64) as usize);
            if let Some(to) = to.as_mut() {
                to.write_all(&self.buffer[self.start..self.start + take])?;
            }
            self.start += take;
            left -= take as u64;
        }
        Ok(())
    }

    /// Moves one body, framed as `framing` says, to `to` (None: drops it), as raw bytes: chunked
    /// framing goes through as it came.
    pub fn forward_body(&mut self, framing: Framing, mut to: Option<&TcpStream>) -> io::Result<()> {
        match framing {
            Framing::None => Ok(()),
            Framing::Length(length) => self.copy_exact(length, to),
            Framing::Close => {
                if let Some(to) = to.as_mut() {
                    to.write_all(self.buffered())?;
                    self.start = self.end;
                    splice::to_end(&self.stream, to)?;
                } else {
                    while self.fill()? > 0 {
                        self.start = self.end;
                    }
                }
                Ok(())
            }
            Framing::Chunked => loop {
                let line = self.line()?;
                if let Some(to) = to.as_mut() {
                    to.write_all(&line)?;
                }
                let size = chunk_size(&line)?;
                if size == 0 {
                    loop {
                        let trailer = self.line()?;
                        if let Some(to) = to.as_mut() {
                            to.write_all(&trailer)?;
                        }
                        if trailer.len() == 2 {
                            return Ok(());
                        }
                    }
                }
                self.copy_exact(size + 2, to)?;
            },
        }
    }

    /// Reads one body (at most `limit` bytes) into memory, chunked framing decoded.
    pub fn read_body(&mut self, framing: Framing, limit: usize) -> io::Result<Vec<u8>> {
        let too_long = || io::Error::new(io::ErrorKind::InvalidData, "body too long");
        let mut body = Vec::new();
        let read_exact = |this: &mut Self, length: u64, body: &mut Vec<u8>| -> io::Result<()> {
            if body.len() as u64 + length > limit as u64 {
                return Err(too_long());
            }
            let mut left = length as usize;
            while left > 0 {
                if this.start == this.end && this.fill()? == 0 {
                    return Err(eof());
                }
                let take = (this.end - this.start).min(left);
                body.extend_from_slice(&this.buffer[this.start..this.start + take]);
                this.start += take;
                left -= take;
            }
            Ok(())
        };
        match framing {
            Framing::None => {}
            Framing::Length(length) => read_exact(self, length, &mut body)?,
            Framing::Close => loop {
                body.extend_from_slice(self.buffered());
                self.start = self.end;
                if body.len() > limit {
                    return Err(too_long());
                }
                if self.fill()? == 0 {
                    break;
                }
            },
            Framing::Chunked => loop {
                let size = chunk_size(&self.line()?)?;
                if size == 0 {
                    while self.line()?.len() != 2 {}
                    break;
                }
                read_exact(self, size, &mut body)?;
                if self.line()?.len() != 2 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk"));
                }
            },
        }
        Ok(body)
    }
}

/// The size in a chunk's size line (`1a2b;ext=v\r\n`).
fn chunk_size(line: &[u8]) -> io::Result<u64> {
    let text = std::str::from_utf8(line).unwrap_or("");
    let digits = text.trim_end().split(';').next().unwrap_or("").trim();
    u64::from_str_radix(digits, 16)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A connected pair: what is written to the first is read from an `Incoming` on the second.
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        (writer, reader)
    }

    fn sent(bytes: Vec<u8>) -> Incoming {
        let (mut writer, reader) = pair();
        thread::spawn(move || {
            writer.write_all(&bytes).unwrap();
        });
        Incoming::new(reader)
    }

    #[test]
    fn reads_heads_one_after_another_and_none_at_a_clean_end() {
        let mut incoming =
            sent(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n".to_vec());
        assert_eq!(
            incoming.head().unwrap().unwrap(),
            b"GET /a HTTP/1.1\r\n\r\n"
        );
        assert_eq!(
            incoming.head().unwrap().unwrap(),
            b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        );
        assert!(incoming.head().unwrap().is_none());
    }

    #[test]
    fn a_head_cut_short_or_too_long_is_an_error() {
        assert!(sent(b"GET / HTTP/1.1\r\nHo".to_vec()).head().is_err());
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(MAX_HEAD + 10, b'a');
        assert!(sent(long).head().is_err());
    }

    #[test]
    fn forwards_a_long_body_exactly_and_keeps_what_follows() {
        let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut message = b"PUT / HTTP/1.1\r\n\r\n".to_vec();
        message.extend_from_slice(&body);
        message.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
        let mut incoming = sent(message);
        incoming.head().unwrap().unwrap();
        let (mut sink_reader, sink) = pair();
        let collector = thread::spawn(move || {
            let mut got = Vec::new();
            sink_reader.read_to_end(&mut got).unwrap();
            got
        });
        incoming
            .forward_body(Framing::Length(body.len() as u64), Some(&sink))
            .unwrap();
        drop(sink);
        assert!(collector.join().unwrap() == body);
        assert_eq!(
            incoming.head().unwrap().unwrap(),
            b"GET /next HTTP/1.1\r\n\r\n"
        );
    }

    #[test]
    fn chunked_bodies_pass_raw_and_read_decoded() {
        let chunked = b"5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n".to_vec();
        let mut incoming = sent(chunked.clone());
        let (mut sink_reader, sink) = pair();
        incoming
            .forward_body(Framing::Chunked, Some(&sink))
            .unwrap();
        drop(sink);
        let mut got = Vec::new();
        sink_reader.read_to_end(&mut got).unwrap();
        assert_eq!(got, chunked);
        let mut incoming = sent(chunked);
        assert_eq!(
            incoming.read_body(Framing::Chunked, 100).unwrap(),
            b"hello world"
        );
    }

    #[test]
    fn a_body_cut_short_is_an_error() {
        let mut incoming = sent(b"abc".to_vec());
        assert!(incoming.forward_body(Framing::Length(10), None).is_err());
        let mut incoming = sent(b"abcdef".to_vec());
        assert!(incoming.read_body(Framing::Length(6), 4).is_err());
    }
}
