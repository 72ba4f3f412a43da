//! The browser's side: one HTTP/1 request read from an accepted connection, bounded in size and
//! time.

use std::io::{self, Read};
use std::time::{Duration, Instant};

/// The longest request head (request line and headers) the relay reads.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// The longest request body the relay carries (a login callback has none).
pub(crate) const MAX_BODY: usize = 256 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 64;

/// Request headers that belong to one connection, not to the request: the relay's own HTTP
/// client sets its own.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
];

/// One request as the browser sent it, minus the headers of its connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// `GET`, `POST`, ...
    pub(crate) method: String,
    /// The request target in origin form: `/auth/callback?code=...`.
    pub(crate) target: String,
    /// The end-to-end headers, in order, names as sent.
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// The body (by `Content-Length`), or `None` when the request had no `Content-Length`.
    pub(crate) body: Option<Vec<u8>>,
}

/// Why no request could be read. Each becomes the status the browser gets.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadRequest {
    /// Not HTTP/1, or a malformed head: 400.
    Malformed(String),
    /// The head is larger than [`MAX_HEAD`]: 431.
    HeadTooLarge,
    /// The body is larger than [`MAX_BODY`]: 413.
    BodyTooLarge(u64),
    /// A chunked request body: 411 (the relay needs the length up front).
    Chunked,
}

impl BadRequest {
    /// The status line and a one-line reason for the browser.
    pub(crate) fn status(&self) -> (u16, &'static str) {
        match self {
            BadRequest::Malformed(_) => (400, "Bad Request"),
            BadRequest::HeadTooLarge => (431, "Request Header Fields Too Large"),
            BadRequest::BodyTooLarge(_) => (413, "Content Too Large"),
            BadRequest::Chunked => (411, "Length Required"),
        }
    }
}

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadRequest::Malformed(why) => write!(f, "the browser sent a malformed request ({why})"),
            BadRequest::HeadTooLarge => write!(
                f,
                "the browser's request head is larger than {} KiB",
                MAX_HEAD / 1024
            ),
            BadRequest::BodyTooLarge(n) => write!(
                f,
                "the browser's request body ({n} bytes) is larger than {} KiB",
                MAX_BODY / 1024
            ),
            BadRequest::Chunked => write!(f, "the browser sent a chunked request body"),
        }
    }
}

/// What reading gave.
#[derive(Debug)]
pub(crate) enum Read1 {
    /// A whole request.
    Request(Request),
    /// The connection closed or stayed silent until the deadline before a whole head arrived:
    /// a browser's speculative connection, not an error.
    Idle,
    /// A request the relay does not carry.
    Bad(BadRequest),
}

/// Reads one request from `stream`, giving up quietly at `deadline`.
pub(crate) fn read_request(stream: &mut impl Timed, deadline: Duration) -> io::Result<Read1> {
    let end = Instant::now() + deadline;
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let (head_len, parsed) = loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(n)) => break (n, owned(&parsed)),
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Ok(Read1::Bad(BadRequest::Malformed(e.to_string()))),
        }
        if buf.len() >= MAX_HEAD {
            return Ok(Read1::Bad(BadRequest::HeadTooLarge));
        }
        match read_until(stream, &mut chunk, end)? {
            0 => return Ok(Read1::Idle),
            n => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let (mut req, length) = match parsed {
        Ok(p) => p,
        Err(bad) => return Ok(Read1::Bad(bad)),
    };
    if let Some(want) = length {
        let mut body = buf.split_off(head_len);
        while body.len() < want {
            match read_until(stream, &mut chunk, end)? {
                0 => {
                    return Ok(Read1::Bad(BadRequest::Malformed(
                        "the body ended early".into(),
                    )));
                }
                n => body.extend_from_slice(&chunk[..n]),
            }
        }
        body.truncate(want);
        req.body = Some(body);
    }
    Ok(Read1::Request(req))
}

/// A stream whose reads can be bounded in time (a `TcpStream`; a test double).
pub(crate) trait Timed: Read {
    /// Sets the longest one read may wait.
    fn set_read_timeout(&mut self, d: Option<Duration>) -> io::Result<()>;
}

impl Timed for std::net::TcpStream {
    fn set_read_timeout(&mut self, d: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_read_timeout(self, d)
    }
}

/// One read that returns by `end`: 0 at end of stream or when the time is up.
fn read_until(stream: &mut impl Timed, chunk: &mut [u8], end: Instant) -> io::Result<usize> {
    let left = end.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Ok(0);
    }
    stream.set_read_timeout(Some(left))?;
    match stream.read(chunk) {
        Ok(n) => Ok(n),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(0)
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(0),
        Err(e) => Err(e),
    }
}

/// The parsed head as owned values (no body yet) and the body's declared length.
fn owned(p: &httparse::Request<'_, '_>) -> Result<(Request, Option<usize>), BadRequest> {
    let method = p.method.unwrap_or_default().to_string();
    let target = p.path.unwrap_or_default().to_string();
    if !target.starts_with('/') {
        return Err(BadRequest::Malformed(format!(
            "request target {target:?} is not a path"
        )));
    }
    let mut headers = Vec::new();
    let mut length: Option<u64> = None;
    for h in p.headers.iter() {
        let lower = h.name.to_ascii_lowercase();
        if lower == "transfer-encoding" {
            return Err(BadRequest::Chunked);
        }
        if lower == "content-length" {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| BadRequest::Malformed("bad Content-Length".into()))?;
            if length.is_some_and(|m| m != n) {
                return Err(BadRequest::Malformed("two Content-Length values".into()));
            }
            length = Some(n);
        }
        if HOP_BY_HOP.contains(&lower.as_str()) {
            continue;
        }
        headers.push((h.name.to_string(), h.value.to_vec()));
    }
    let length = match length {
        Some(n) if n > MAX_BODY as u64 => return Err(BadRequest::BodyTooLarge(n)),
        other => other.map(|n| n as usize),
    };
    let req = Request {
        method,
        target,
        headers,
        body: None,
    };
    Ok((req, length))
}
