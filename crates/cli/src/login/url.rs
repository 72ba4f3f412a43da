//! Finding the URLs a remote login prints, and the loopback ports they send the browser to.
//!
//! A URL names a target when its own address is `http://{localhost|127.0.0.1|[::1]}:PORT/...`
//! (rclone's `http://127.0.0.1:53682/auth?state=...`), or when the value of one of its query
//! parameters, percent-decoded, is such a URL (the `redirect_uri` of an OAuth authorize URL).
//! Parsing and percent-decoding are the `url` crate's (WHATWG URL rules, as browsers apply them).

use std::fmt;

/// Past this length a run of URL bytes is not a URL: the scanner drops it (and keeps relaying).
const MAX_URL: usize = 16 * 1024;

/// The loopback host a URL names, as it is written there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum LoopbackHost {
    /// `localhost`: the browser may try `[::1]` and `127.0.0.1`.
    Localhost,
    /// `127.0.0.1`.
    V4,
    /// `[::1]`.
    V6,
}

impl LoopbackHost {
    /// The host as the URL writes it, and as the remote is asked to connect to it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LoopbackHost::Localhost => "localhost",
            LoopbackHost::V4 => "127.0.0.1",
            LoopbackHost::V6 => "::1",
        }
    }
}

impl fmt::Display for LoopbackHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopbackHost::V6 => f.write_str("[::1]"),
            h => f.write_str(h.as_str()),
        }
    }
}

/// Where a URL sends the browser on the remote machine: a loopback host and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    pub(crate) host: LoopbackHost,
    pub(crate) port: u16,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// A URL found in the remote's output, with the loopback targets it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The URL as printed (trailing sentence punctuation removed).
    pub(crate) url: String,
    /// Its own address when that is a loopback target, then each query parameter's.
    pub(crate) targets: Vec<Target>,
    /// Is it a page to open in the browser? A URL that names a target and is more than a bare
    /// `http://localhost:PORT` (Codex's "Starting local login server on http://localhost:1455."
    /// names its server, not a page to open).
    pub(crate) open: bool,
}

/// The target of `http://HOST:PORT...` when HOST is a loopback name and the port is explicit.
fn loopback_target(u: &url::Url) -> Option<Target> {
    if u.scheme() != "http" {
        return None;
    }
    let host = match u.host()? {
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => LoopbackHost::Localhost,
        url::Host::Ipv4(a) if a == std::net::Ipv4Addr::LOCALHOST => LoopbackHost::V4,
        url::Host::Ipv6(a) if a == std::net::Ipv6Addr::LOCALHOST => LoopbackHost::V6,
        _ => return None,
    };
    // No port, or `:80`, is the scheme's default: 80 (refused later, as every port below 1024).
    Some(Target {
        host,
        port: u.port_or_known_default()?,
    })
}

/// Inspect one URL: the targets it names, and whether it is a page to open.
pub(crate) fn inspect(text: &str) -> Option<Found> {
    let u = url::Url::parse(text).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let own = loopback_target(&u);
    let mut targets: Vec<Target> = own.into_iter().collect();
    for (_, value) in u.query_pairs() {
        if let Some(t) = url::Url::parse(&value)
            .ok()
            .as_ref()
            .and_then(loopback_target)
            && !targets.contains(&t)
        {
            targets.push(t);
        }
    }
    let bare = own.is_some() && u.path() == "/" && u.query().is_none() && u.fragment().is_none();
    Some(Found {
        url: text.to_string(),
        open: !targets.is_empty() && !bare,
        targets,
    })
}

/// Sentence punctuation that ends a printed URL rather than belonging to it ("... on
/// http://localhost:1455." or "(see https://x/y)").
fn trim_trailing(s: &str) -> &str {
    let mut s = s.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    if s.ends_with(')') && !s.contains('(') {
        s = &s[..s.len() - 1];
        s = s.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    }
    s
}

/// Finds `http://` and `https://` URLs in a byte stream read in arbitrary pieces: a URL (or its
/// scheme) may be split across reads. A URL ends at whitespace, a control byte (an escape
/// sequence, CR/LF), a quote or an angle bracket.
#[derive(Default)]
pub(crate) struct UrlScanner {
    /// Bytes not yet decided: a tail that may start a scheme, or a URL not yet ended.
    pending: Vec<u8>,
    /// `pending` starts with a scheme.
    in_url: bool,
}

const SCHEMES: [&[u8]; 2] = [b"http://", b"https://"];
const LONGEST: usize = 8;

impl UrlScanner {
    /// Feed bytes; returns the URLs that ended in them.
    pub(crate) fn push(&mut self, data: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(data);
        let mut found = Vec::new();
        loop {
            if !self.in_url {
                let start = SCHEMES
                    .iter()
                    .filter_map(|s| memchr::memmem::find(&self.pending, s))
                    .min();
                let Some(i) = start else {
                    let keep = self.pending.len().min(LONGEST - 1);
                    self.pending.drain(..self.pending.len() - keep);
                    return found;
                };
                self.pending.drain(..i);
                self.in_url = true;
            }
            let Some(end) = self.pending.iter().position(|&b| !is_url_byte(b)) else {
                if self.pending.len() > MAX_URL {
                    self.pending.clear();
                    self.in_url = false;
                }
                return found;
            };
            found.extend(self.take(end));
        }
    }

    /// The stream ended: a URL running up to its end counts.
    pub(crate) fn finish(&mut self) -> Option<String> {
        if !self.in_url {
            return None;
        }
        self.take(self.pending.len())
    }

    /// Take `pending[..end]` as a URL (none if nothing follows the scheme).
    fn take(&mut self, end: usize) -> Option<String> {
        let bytes: Vec<u8> = self.pending.drain(..end).collect();
        self.in_url = false;
        let text = String::from_utf8_lossy(&bytes);
        let url = trim_trailing(&text);
        let scheme = SCHEMES.iter().find(|s| url.as_bytes().starts_with(s))?;
        (url.len() > scheme.len()).then(|| url.to_string())
    }
}

fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODEX: &str = "https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_x&redirect_uri=http%3A%2F%2F127.0.0.1%3A1455%2Fauth%2Fcallback&state=st_1";

    fn t(host: LoopbackHost, port: u16) -> Target {
        Target { host, port }
    }

    #[test]
    fn targets_of_known_clients() {
        use LoopbackHost::*;
        let f = inspect(CODEX).unwrap();
        assert_eq!(f.targets, [t(V4, 1455)]);
        assert!(f.open);
        // Older Codex, gcloud, Firebase, Databricks: localhost.
        let f = inspect(&CODEX.replace("127.0.0.1", "localhost")).unwrap();
        assert_eq!(f.targets, [t(Localhost, 1455)]);
        // rclone: the loopback URL itself is the page to open.
        let f = inspect("http://127.0.0.1:53682/auth?state=abc").unwrap();
        assert_eq!(f.targets, [t(V4, 53682)]);
        assert!(f.open);
        // IPv6, upper case, a redirect_uri with its own query, any parameter name.
        let f = inspect("https://x/a?cb=http%3A%2F%2F%5B%3A%3A1%5D%3A8085%2F%3Fa%3Db").unwrap();
        assert_eq!(f.targets, [t(V6, 8085)]);
        let f = inspect("https://x/a?redirect_uri=HTTP://LOCALHOST:9005/").unwrap();
        assert_eq!(f.targets, [t(Localhost, 9005)]);
        // The URL's own address and its redirect, each once.
        let f =
            inspect("http://localhost:8020/x?r=http://localhost:8020/y&s=http://127.0.0.1:8021")
                .unwrap();
        assert_eq!(f.targets, [t(Localhost, 8020), t(V4, 8021)]);
    }

    #[test]
    fn what_names_no_target() {
        for u in [
            "https://accounts.example.com/auth?redirect_uri=https%3A%2F%2Fexample.com%2Fcb",
            "https://auth.openai.com/oauth/authorize?state=1",
            // https, another loopback address, another host.
            "https://x/?r=https%3A%2F%2Flocalhost%3A1455%2Fcb",
            "https://x/?r=http%3A%2F%2F127.0.0.2%3A1455%2Fcb",
            "https://x/?r=http%3A%2F%2Flocalhost.evil.com%3A1455%2F",
            "https://localhost:1455/x",
        ] {
            let f = inspect(u).unwrap();
            assert!(f.targets.is_empty() && !f.open, "{u}: {f:?}");
        }
        assert_eq!(inspect("http://[zz]/"), None);
        assert_eq!(inspect("ftp://localhost:21/"), None);
    }

    #[test]
    fn the_default_port_is_80() {
        let f = inspect("https://x/?r=http%3A%2F%2Flocalhost%2Fcb").unwrap();
        assert_eq!(f.targets, [t(LoopbackHost::Localhost, 80)]);
        let f = inspect("http://127.0.0.1:80/cb").unwrap();
        assert_eq!(f.targets, [t(LoopbackHost::V4, 80)]);
    }

    #[test]
    fn a_bare_server_address_is_forwarded_not_opened() {
        let f = inspect("http://localhost:1455").unwrap();
        assert_eq!(f.targets, [t(LoopbackHost::Localhost, 1455)]);
        assert!(!f.open);
        assert!(inspect("http://localhost:1455/?").unwrap().open);
    }

    fn scan_all(text: &[u8]) -> Vec<String> {
        let mut s = UrlScanner::default();
        let mut got = s.push(text);
        got.extend(s.finish());
        got
    }

    #[test]
    fn scanner_finds_a_url_split_anywhere() {
        let text = format!(
            "Starting local login server on http://localhost:1455.\r\n\r\n\x1b[1m{CODEX}\x1b[0m\r\nmore\n"
        );
        let want = vec!["http://localhost:1455".to_string(), CODEX.to_string()];
        let bytes = text.as_bytes();
        for cut in 0..bytes.len() {
            for cut2 in (cut..bytes.len()).step_by(7) {
                let mut s = UrlScanner::default();
                let mut got = s.push(&bytes[..cut]);
                got.extend(s.push(&bytes[cut..cut2]));
                got.extend(s.push(&bytes[cut2..]));
                got.extend(s.finish());
                assert_eq!(got, want, "cut at {cut}, {cut2}");
            }
        }
    }

    /// What terminals' output wraps URLs in: colours (SGR), OSC 8 hyperlinks (ended by ST or
    /// BEL, with the URL again or other text as the link's text), CR LF.
    #[test]
    fn scanner_reads_urls_in_escape_sequences() {
        let rclone = "http://127.0.0.1:53682/auth?state=q";
        for text in [
            format!("\x1b[1;34m{CODEX}\x1b[0m\r\n"),
            format!("\x1b]8;;{CODEX}\x1b\\{CODEX}\x1b]8;;\x1b\\\r\n"),
            format!("\x1b]8;id=1;{CODEX}\x07Sign in\x1b]8;;\x07\r\n"),
            format!("\x1b]8;;{CODEX}\x1b\\\x1b[4mSign in\x1b[24m\x1b]8;;\x1b\\"),
        ] {
            let got = scan_all(text.as_bytes());
            assert!(
                !got.is_empty() && got.iter().all(|u| u == CODEX),
                "{text:?}: {got:?}"
            );
            let got = scan_all(text.replace(CODEX, rclone).as_bytes());
            assert!(got.iter().all(|u| u == rclone), "{got:?}");
        }
    }

    /// The loopback spellings browsers (and the `url` crate, WHATWG) turn into `127.0.0.1` are
    /// forwarded as `127.0.0.1`; the others are not forwarded: `localhost.` (a name the remote
    /// resolves as it likes), an IPv4-mapped `[::ffff:127.0.0.1]`, a double-encoded or
    /// out-of-range redirect (no browser goes there).
    #[test]
    fn loopback_spellings() {
        use LoopbackHost::*;
        for (u, want) in [
            ("http://127.1:4455/x", Some(t(V4, 4455))),
            ("http://0x7f000001:4455/x", Some(t(V4, 4455))),
            ("http://2130706433:4455/x", Some(t(V4, 4455))),
            ("http://0177.0.0.1:4455/x", Some(t(V4, 4455))),
            ("http://LocalHost:4455/x", Some(t(Localhost, 4455))),
            ("http://[0:0:0:0:0:0:0:1]:4455/x", Some(t(V6, 4455))),
            ("http://user@127.0.0.1:4455/x", Some(t(V4, 4455))),
            ("http://127.0.0.1:0/x", Some(t(V4, 0))),
            ("http://localhost.:4455/x", None),
            ("http://[::ffff:127.0.0.1]:4455/x", None),
            ("http://127.0.0.2:4455/x", None),
            (
                "https://x/?r=http%253A%252F%252F127.0.0.1%253A4455%252Fcb",
                None,
            ),
            ("https://x/?r=http%3A%2F%2F127.0.0.1%3A99999%2Fcb", None),
        ] {
            let got = inspect(u).and_then(|f| f.targets.first().copied());
            assert_eq!(got, want, "{u}");
        }
        assert_eq!(inspect("http://127.0.0.1:99999/x"), None);
    }

    #[test]
    fn scanner_ends_and_bounds() {
        let mut s = UrlScanner::default();
        let mut got = Vec::new();
        for b in format!("x {CODEX}").bytes() {
            got.extend(s.push(&[b]));
        }
        assert!(got.is_empty());
        assert_eq!(s.finish(), Some(CODEX.to_string()));
        assert_eq!(
            scan_all(b"go to (http://127.0.0.1:53682/auth?state=q), or \"https://a/b\" http:// x"),
            ["http://127.0.0.1:53682/auth?state=q", "https://a/b"]
        );
        let mut s = UrlScanner::default();
        s.push(b"http://");
        s.push(&vec![b'a'; MAX_URL + 1]);
        assert!(!s.in_url && s.pending.is_empty());
        assert!(s.push(b"no url here at all").is_empty());
        assert!(s.pending.len() < LONGEST);
    }
}
