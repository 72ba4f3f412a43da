//! The far side: a POSIX `sh` script, read by `sh -s` from its standard input, that picks the
//! first HTTP client there (curl, GNU wget, python3, node), makes exactly one request to the
//! callback server without following redirects, and prints the response raw.
//!
//! What the script prints on standard output, for [`super::response`] to read back:
//!
//! ```text
//! codex-fwd-relay CLIENT\n            (CLIENT: curl | wget | python3 | node | none)
//! HTTP/1.1 302 Found\r\n               (the response head, one or more blocks; lines may end in \n)
//! Location: ...\r\n
//! \r\n
//! BODY                                 (the body's bytes, to end of output)
//! ```
//!
//! The marker line comes first, before any client runs, so that output without it means the
//! script never ran (the exec command failed: a container that is not running, say). Its exit
//! status is the client's (0 when a response came, whatever its status).

use std::io::Write as _;
use std::time::Duration;

use super::request::Request;

/// The first word of the script's first line.
pub(crate) const MARKER: &str = "codex-fwd-relay";

/// What the script is asked to do.
pub(crate) enum Job<'a> {
    /// Only say which HTTP client is there.
    Probe,
    /// Make this request to the target.
    Fetch(&'a Request),
}

/// python3: one request with `http.client` (no proxy, no redirect), printed raw. Arguments:
/// timeout, host, port, method, target, then one `Name: value` per header; the body on stdin.
/// No single quote in it: it sits in single quotes in the script.
pub(crate) const PYTHON: &str = r#"import sys, os, http.client
a = [os.fsencode(x) for x in sys.argv[1:]]
c = http.client.HTTPConnection(a[1].decode(), int(a[2]), timeout=float(a[0]))
c.putrequest(a[3].decode(), a[4].decode("latin-1"), skip_host=True, skip_accept_encoding=True)
for h in a[5:]:
    k, _, v = h.partition(b":")
    c.putheader(k.decode("latin-1"), v.strip())
b = sys.stdin.buffer.read()
c.endheaders(b if b else None)
r = c.getresponse()
o = sys.stdout.buffer
o.write(b"HTTP/1.1 %d %s\r\n" % (r.status, r.reason.encode("latin-1")))
for k, v in r.getheaders():
    o.write(k.encode("latin-1") + b": " + v.encode("latin-1") + b"\r\n")
o.write(b"\r\n")
o.write(r.read())
o.flush()
"#;

/// node: the same with `http.request` (no agent, no redirect). Arguments as for [`PYTHON`].
pub(crate) const NODE: &str = r#"const http = require("http"), a = process.argv.slice(1), t = Number(a[0]) * 1000;
const fail = (m, c) => { process.stderr.write("node: " + m + "\n"); process.exit(c); };
const q = http.request({ host: a[1], port: Number(a[2]), method: a[3], path: a[4], agent: false, setHost: false, autoSelectFamily: true }, (r) => {
  const o = [Buffer.from("HTTP/1.1 " + r.statusCode + " " + r.statusMessage + "\r\n", "latin1")];
  for (let i = 0; i < r.rawHeaders.length; i += 2) o.push(Buffer.from(r.rawHeaders[i] + ": " + r.rawHeaders[i + 1] + "\r\n", "latin1"));
  o.push(Buffer.from("\r\n"));
  r.on("data", (d) => o.push(d));
  r.on("end", () => process.stdout.write(Buffer.concat(o), () => process.exit(0)));
});
const hs = {};
for (const h of a.slice(5)) { const i = h.indexOf(":"), k = h.slice(0, i), v = h.slice(i + 1).trim(); (hs[k] = hs[k] || []).push(v); }
for (const k in hs) q.setHeader(k, hs[k].length === 1 ? hs[k][0] : hs[k]);
q.on("error", (e) => fail(e.message, 7));
q.setTimeout(t, () => fail("no response in time", 28));
const b = [];
process.stdin.on("data", (d) => b.push(d));
process.stdin.on("end", () => q.end(Buffer.concat(b)));
"#;

/// The script for `job` against `http://host:port`, each client bounded by `timeout`.
pub(crate) fn script(host: &str, port: u16, job: &Job<'_>, timeout: Duration) -> Vec<u8> {
    let secs = timeout.as_secs().max(1);
    let mut s: Vec<u8> = Vec::new();
    s.extend_from_slice(b"# codex-fwd relay: one HTTP request, printed raw\n");
    s.extend_from_slice(b"have() { command -v \"$1\" >/dev/null 2>&1; }\n");
    s.extend_from_slice(b"if have curl; then c=curl\n");
    // BusyBox's wget always follows redirects and drops an error's body: not usable here.
    s.extend_from_slice(
        b"elif have wget && wget --version 2>/dev/null | grep 'GNU Wget' >/dev/null; then c=wget\n",
    );
    s.extend_from_slice(b"elif have python3; then c=python3\n");
    s.extend_from_slice(b"elif have node; then c=node\n");
    s.extend_from_slice(b"else c=none\nfi\n");
    let _ = writeln!(s, "echo \"{MARKER} $c\"");
    let req = match job {
        Job::Probe => {
            s.extend_from_slice(b"exit 0\n");
            return s;
        }
        Job::Fetch(req) => req,
    };
    s.extend_from_slice(b"[ \"$c\" = none ] && exit 0\n");
    s.extend_from_slice(b"body() { printf '");
    for b in req.body.as_deref().unwrap_or_default() {
        let _ = write!(s, "\\{b:03o}");
    }
    s.extend_from_slice(b"'; }\n");
    let url = format!("http://{}:{port}{}", url_host(host), req.target);
    let header_line = |name: &str, value: &[u8]| {
        let mut l = name.as_bytes().to_vec();
        l.extend_from_slice(b": ");
        l.extend_from_slice(value);
        l
    };
    let has_body = req.body.is_some();

    // curl: -q first (no .curlrc: it could say -L), headers and body as they came, no proxy.
    let mut curl = format!(
        "curl -q -sS -i --noproxy '*' --path-as-is -m {secs} -X {} -H 'Expect:'",
        quote_str(&req.method)
    )
    .into_bytes();
    for (name, value) in &req.headers {
        // `Name:` would remove curl's header; `Name;` sends it empty.
        let h = if value.is_empty() {
            format!("{name};").into_bytes()
        } else {
            header_line(name, value)
        };
        push_word(&mut curl, b"-H");
        push_word(&mut curl, &quote(&h));
    }
    if has_body {
        curl.extend_from_slice(b" --data-binary @-");
        if !req
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            // Else curl adds a form content type the browser did not send.
            curl.extend_from_slice(b" -H 'Content-Type:'");
        }
    }
    push_word(&mut curl, &quote(url.as_bytes()));

    // GNU wget: headers on stderr (two spaces in front), body to a file, printed in order; no
    // ~/.wgetrc or $WGETRC (`$n`: `--no-config`, which wget 1.17 and later take): it could save
    // headers into the body or add its own.
    let mut wget = format!(
        "wget $n -q -S --max-redirect=0 --content-on-error --no-proxy -t 1 -T {secs} --method={}",
        quote_str(&req.method)
    )
    .into_bytes();
    for (name, value) in &req.headers {
        let mut h = b"--header=".to_vec();
        h.extend_from_slice(&header_line(name, value));
        push_word(&mut wget, &quote(&h));
    }
    if has_body {
        wget.extend_from_slice(b" --body-file=\"$d/b\"");
    }
    wget.extend_from_slice(b" -O \"$d/o\"");
    push_word(&mut wget, &quote(url.as_bytes()));
    wget.extend_from_slice(b" 2>\"$d/h\"");

    // python3 and node: the same arguments.
    let mut args = format!(
        "{secs} {} {port} {} {}",
        quote_str(host),
        quote_str(&req.method),
        quote_str(&req.target)
    )
    .into_bytes();
    for (name, value) in &req.headers {
        push_word(&mut args, &quote(&header_line(name, value)));
    }
    if let Some(body) = &req.body {
        let _ = write!(args, " 'Content-Length: {}'", body.len());
    }

    s.extend_from_slice(b"case $c in\n");
    s.extend_from_slice(b"curl) body | ");
    s.extend_from_slice(&curl);
    s.extend_from_slice(b" ;;\n");
    s.extend_from_slice(b"wget) d=$(mktemp -d) || exit 1\n");
    s.extend_from_slice(b"  n=; wget --no-config --version >/dev/null 2>&1 && n=--no-config\n");
    if has_body {
        s.extend_from_slice(b"  body >\"$d/b\"\n");
    }
    s.extend_from_slice(b"  ");
    s.extend_from_slice(&wget);
    s.push(b'\n');
    s.extend_from_slice(b"  r=$?\n");
    s.extend_from_slice(b"  if grep '^  HTTP/' \"$d/h\" >/dev/null; then\n");
    s.extend_from_slice(b"    sed -n 's/^  //p' \"$d/h\"; printf '\\r\\n'; cat \"$d/o\"; r=0\n");
    s.extend_from_slice(b"  fi\n");
    s.extend_from_slice(b"  rm -rf \"$d\"; exit $r ;;\n");
    let _ = write!(s, "python3) body | python3 -c '{PYTHON}' ");
    s.extend_from_slice(&args);
    s.extend_from_slice(b" ;;\n");
    let _ = write!(s, "node) body | node -e '{NODE}' -- ");
    s.extend_from_slice(&args);
    s.extend_from_slice(b" ;;\n");
    s.extend_from_slice(b"esac\n");
    s
}

/// The host as it goes in a URL: an IPv6 address in brackets.
fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// One word for the script's `sh`, quoted when needed. Bytes, so that a header value that is
/// not UTF-8 goes through as it came; NUL cannot occur (the parsers refuse it).
fn quote(word: &[u8]) -> Vec<u8> {
    match shlex::bytes::try_quote(word) {
        Ok(q) => q.into_owned(),
        Err(_) => b"''".to_vec(),
    }
}

/// [`quote`] for text.
fn quote_str(word: &str) -> String {
    String::from_utf8_lossy(&quote(word.as_bytes())).into_owned()
}

/// Appends a space and `word`.
fn push_word(line: &mut Vec<u8>, word: &[u8]) {
    line.push(b' ');
    line.extend_from_slice(word);
}
