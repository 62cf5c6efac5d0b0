//! Moves bytes from one socket to another through a kernel pipe (splice(2)), so that a body's
//! bytes never enter the front's memory; on other systems, through a buffer.

use std::io;
use std::net::TcpStream;

/// Moves exactly `length` bytes from `from` to `to`; an early end of `from` is an error.
pub fn exact(from: &TcpStream, to: &TcpStream, length: u64) -> io::Result<()> {
    let moved = relay(from, to, Some(length))?;
    if moved < length {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Moves everything `from` sends until it ends.
pub fn to_end(from: &TcpStream, to: &TcpStream) -> io::Result<u64> {
    relay(from, to, None)
}

#[cfg(target_os = "linux")]
fn relay(from: &TcpStream, to: &TcpStream, limit: Option<u64>) -> io::Result<u64> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

    fn splice(from: RawFd, to: RawFd, length: usize) -> io::Result<usize> {
        loop {
            // SAFETY: plain file descriptors owned by the caller; no offsets.
            let moved = unsafe {
                libc::splice(
                    from,
                    std::ptr::null_mut(),
                    to,
                    std::ptr::null_mut(),
                    length,
                    libc::SPLICE_F_MOVE,
                )
            };
            if moved >= 0 {
                return Ok(moved as usize);
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are open and now owned here alone.
    let (pipe_out, pipe_in) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // A larger pipe moves a body in fewer calls; the default (64 KiB) still works.
    // SAFETY: fcntl on a descriptor owned here.
    let capacity = unsafe {
        libc::fcntl(pipe_in.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20);
        libc::fcntl(pipe_in.as_raw_fd(), libc::F_GETPIPE_SZ)
    };
    let capacity = if capacity > 0 {
        capacity as u64
    } else {
        64 * 1024
    };

    let mut moved = 0u64;
    loop {
        let want = match limit {
            Some(length) => (length - moved).min(capacity),
            None => capacity,
        };
        if want == 0 {
            return Ok(moved);
        }
        let got = splice(from.as_raw_fd(), pipe_in.as_raw_fd(), want as usize)?;
        if got == 0 {
            return Ok(moved);
        }
        let mut in_pipe = got;
        while in_pipe > 0 {
            let put = splice(pipe_out.as_raw_fd(), to.as_raw_fd(), in_pipe)?;
            if put == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            in_pipe -= put;
        }
        moved += got as u64;
    }
}

#[cfg(not(target_os = "linux"))]
fn relay(mut from: &TcpStream, mut to: &TcpStream, limit: Option<u64>) -> io::Result<u64> {
    use std::io::{Read, Write};
    let mut buffer = vec![0u8; 256 * 1024];
    let mut moved = 0u64;
    loop {
        let want = match limit {
            Some(length) => (length - moved).min(buffer.len() as u64) as usize,
            None => buffer.len(),
        };
        if want == 0 {
            return Ok(moved);
        }
        let got = from.read(&mut buffer[..want])?;
        if got == 0 {
            return Ok(moved);
        }
        to.write_all(&buffer[..got])?;
        moved += got as u64;
    }
}
