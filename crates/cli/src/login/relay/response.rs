//! The way back: the far side's output read into a response, and that response written to the
//! browser as HTTP/1.1 with its own length and `Connection: close`.

use std::io::{self, Write};

use super::script::MARKER;

/// Response headers that describe the far side's connection, not the response: the relay sets
/// its own length and closes after each response.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "content-length",
];

/// The far side's output, read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// No marker: the script never ran (what ran instead wrote this, if anything).
    NotRun,
    /// The script ran and found no HTTP client.
    NoClient,
    /// The script ran with this client, which printed nothing (it failed).
    NoResponse(String),
    /// A response, and the client that got it.
    Response(String, Response),
}

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code.
    pub(crate) status: u16,
    /// The reason phrase.
    pub(crate) reason: String,
    /// The headers, in order, names as sent, duplicates kept.
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// The body's bytes.
    pub(crate) body: Vec<u8>,
}

/// Reads the far side's standard output. `Err` is a one-line reason the output is not what the
/// script prints.
pub(crate) fn parse(out: &[u8]) -> Result<Output, String> {
    let Some(rest) = marker_line(out) else {
        return Ok(Output::NotRun);
    };
    let (client, mut rest) = rest;
    if client == "none" {
        return Ok(Output::NoClient);
    }
    if rest.is_empty() {
        return Ok(Output::NoResponse(client));
    }
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut r = httparse::Response::new(&mut headers);
        let n = match r.parse(rest) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                return Err(format!("{client} printed an incomplete response head"));
            }
            Err(e) => return Err(format!("{client} printed a malformed response head ({e})")),
        };
        let status = r.code.unwrap_or_default();
        // An interim response (100 Continue): the real one follows.
        if (100..200).contains(&status) && status != 101 {
            rest = &rest[n..];
            continue;
        }
        let response = Response {
            status,
            reason: r.reason.unwrap_or_default().to_string(),
            headers: r
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect(),
            body: rest[n..].to_vec(),
        };
        return Ok(Output::Response(client, response));
    }
}

/// `codex-fwd-relay CLIENT\n` at the start of `out`: the client and what follows, or `None`.
/// The first line that is the script's marker, and what follows it. Lines before it are the
/// remote shell's own (a `.bashrc` that prints even when not interactive, as ssh runs it).
fn marker_line(out: &[u8]) -> Option<(String, &[u8])> {
    let mut start = 0;
    loop {
        let nl = start + memchr::memchr(b'\n', &out[start..])?;
        let client = std::str::from_utf8(&out[start..nl])
            .ok()
            .and_then(|line| line.strip_prefix(MARKER)?.strip_prefix(' '));
        if let Some(client) = client {
            return Some((client.trim_end().to_string(), &out[nl + 1..]));
        }
        start = nl + 1;
    }
}

impl Response {
    /// A plain-text response of codex-fwd's own: `codex-fwd: MESSAGE`.
    pub(crate) fn own(status: u16, reason: &str, message: &str) -> Response {
        Response {
            status,
            reason: reason.to_string(),
            headers: vec![(
                "Content-Type".to_string(),
                b"text/plain; charset=utf-8".to_vec(),
            )],
            body: format!("codex-fwd: {message}\n").into_bytes(),
        }
    }

    /// Writes the response as HTTP/1.1: its end-to-end headers, then its length (the length it
    /// came with for a response to `HEAD`, whose body is empty) and `Connection: close`.
    pub(crate) fn write_to(&self, w: &mut impl Write, head_only: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(self.body.len() + 512);
        write!(out, "HTTP/1.1 {} {}\r\n", self.status, self.reason)?;
        let mut length = None;
        for (name, value) in &self.headers {
            let lower = name.to_ascii_lowercase();
            if lower == "content-length" {
                length = Some(value.clone());
            }
            if HOP_BY_HOP.contains(&lower.as_str()) {
                continue;
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        let length = match length {
            Some(l) if head_only => l,
            _ => self.body.len().to_string().into_bytes(),
        };
        out.extend_from_slice(b"Content-Length: ");
        out.extend_from_slice(&length);
        out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        w.write_all(&out)?;
        w.flush()
    }
}
