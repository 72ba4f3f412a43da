//! A typed `LocalForward`, read as OpenSSH's `parse_forward` (readconf.c) reads it.

use std::fmt;

use crate::ctype::{is_space, skip_space_str};
use crate::lexer::Token;

/// Where a forward listens on the local side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Listen {
    /// A TCP port, with an optional bind address (`None`: ssh's default, loopback unless
    /// `GatewayPorts yes`).
    Port {
        /// The bind address as written, brackets removed (`localhost`, `::1`, `*`, ...).
        bind: Option<String>,
        /// The port, 1-65535.
        port: u16,
    },
    /// A Unix-domain socket path.
    Path(String),
}

/// Where a forward connects to on the remote side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Connect {
    /// A host and TCP port, as seen from the remote machine.
    Port {
        /// The target host, brackets removed.
        host: String,
        /// The port, 1-65535.
        port: u16,
    },
    /// A Unix-domain socket path on the remote machine.
    Path(String),
}

/// One `LocalForward`: a listening side and a target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Forward {
    /// The local side.
    pub listen: Listen,
    /// The remote side.
    pub connect: Connect,
}

/// Why a forward specification was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// OpenSSH would reject it ("Bad forwarding specification").
    #[error("bad forwarding specification `{0}`")]
    Bad(String),
    /// OpenSSH would accept it, but it uses something this library does not evaluate
    /// (a service name for a port that no services database here can answer).
    #[error("forwarding specification `{0}` uses a service name, which is not evaluated")]
    NotEvaluated(String),
    /// A `LocalForward` line without its second argument (OpenSSH: "Missing target argument").
    #[error("missing target argument")]
    MissingTarget,
}

/// The most bytes of a forwarding specification ssh reads from a config line: readconf.c
/// copies it into `fwdarg[256]` (`snprintf`, `strlcpy`), so a longer one is cut to its first
/// 255 bytes (checked with `ssh -G` 9.2p1: `LocalForward 1455 H:80808`, with a host `H` of 246
/// bytes, is `1455 [H]:808`).
pub(crate) const FWDARG_MAX: usize = 255;

/// `PATH_MAX_SUN` of misc.h, the size of `sockaddr_un`'s `sun_path`: `parse_forward` refuses a
/// socket path this long or longer.
pub(crate) const PATH_MAX_SUN: usize = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    104
} else {
    108
};

/// Why [`a2port`] gives no port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortError {
    /// Not a port ssh takes (`a2port` returns -1).
    Invalid,
    /// A service name, with no services database to look it up in: not evaluated.
    NotEvaluated,
}

/// A port as OpenSSH's `a2port` (misc.c) reads it: `strtonum(s, 0, 65535)`, which is `strtoll`
/// in base 10 (leading whitespace and a sign allowed: `+1455`, `01455`), else a service name.
fn a2port(s: &str) -> Result<u16, PortError> {
    let t = skip_space_str(s);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let zero = digits.bytes().all(|b| b == b'0');
        return match (neg, digits.parse::<u16>()) {
            (false, Ok(p)) => Ok(p),
            (true, _) if zero => Ok(0),
            // Out of range: no service has a numeric name, so getservbyname fails too.
            _ => Err(PortError::Invalid),
        };
    }
    if s.is_empty() || s.bytes().any(is_space) {
        return Err(PortError::Invalid);
    }
    match service_port(s) {
        Some(Some(p)) => Ok(p),
        Some(None) => Err(PortError::Invalid),
        None => Err(PortError::NotEvaluated),
    }
}

/// `getservbyname(name, "tcp")` as the services database says it, read once: `None` when there
/// is no database to read (the name is then not evaluated), `Some(None)` when it has no such
/// service.
pub(crate) fn service_port(name: &str) -> Option<Option<u16>> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static DB: OnceLock<Option<HashMap<String, u16>>> = OnceLock::new();
    let db = DB.get_or_init(|| {
        let path = if cfg!(windows) {
            let root = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
            std::path::Path::new(&root).join("System32\\drivers\\etc\\services")
        } else {
            std::path::PathBuf::from("/etc/services")
        };
        let text = std::fs::read_to_string(path).ok()?;
        Some(parse_services(&text))
    });
    db.as_ref().map(|m| m.get(name).copied())
}

/// `services(5)`: `name port/protocol [aliases...] [# comment]`; TCP entries only, the first
/// entry of a name wins.
fn parse_services(text: &str) -> std::collections::HashMap<String, u16> {
    let mut out = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let (Some(name), Some(spec)) = (words.next(), words.next()) else {
            continue;
        };
        let Some((port, "tcp")) = spec.split_once('/') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        for n in std::iter::once(name).chain(words) {
            out.entry(n.to_string()).or_insert(port);
        }
    }
    out
}

/// One colon-separated field of a forward specification (`parse_fwd_field`).
struct Field {
    arg: String,
    is_path: bool,
}

fn parse_fields(spec: &str) -> Option<Vec<Field>> {
    let b = spec.as_bytes();
    let mut i = 0;
    let mut fields = Vec::new();
    while i < b.len() && fields.len() < 4 {
        if b[i] == b'[' {
            let close = b[i + 1..].iter().position(|&c| c == b']')? + i + 1;
            let text = spec[i + 1..close].to_string();
            let is_path = text.contains('/');
            match b.get(close + 1) {
                None => i = close + 1,
                Some(b':') => i = close + 2,
                Some(_) => return None,
            }
            fields.push(Field { arg: text, is_path });
            continue;
        }
        let mut arg = Vec::new();
        let mut is_path = false;
        let mut ended_by_colon = false;
        while i < b.len() {
            match b[i] {
                // memmove drops the backslash and the loop steps over the byte moved into its
                // place: kept as it is, so an escaped `/` does not make the field a path, nor
                // an escaped `:` end it.
                b'\\' => {
                    i += 1;
                    match b.get(i) {
                        Some(&c) => arg.push(c),
                        // The string ends at this backslash, which memmove drops before
                        // `parse_fwd_field` fails: when it was the whole field, nothing is left
                        // after the fields read, which are then the specification
                        // (`1455:h:80:\` is `1455:h:80`).
                        None if arg.is_empty() => return Some(fields),
                        None => return None,
                    }
                }
                b'/' => {
                    is_path = true;
                    arg.push(b'/');
                }
                b':' => {
                    i += 1;
                    ended_by_colon = true;
                    break;
                }
                c => arg.push(c),
            }
            i += 1;
        }
        fields.push(Field {
            arg: String::from_utf8(arg).ok()?,
            is_path,
        });
        if ended_by_colon && i >= b.len() {
            // "a:" ends with an empty field, which OpenSSH treats as the end of the string.
            break;
        }
    }
    if i < b.len() {
        return None;
    }
    Some(fields)
}

/// `PORT` and `HOST:PORT`, the two arguments of `LocalForward PORT HOST:PORT` in its plain form
/// (most forwards): each port 1-65535 in decimal without a leading zero, the host letters,
/// digits, `.`, `-` and `_`. `parse_forward` accepts every such pair (the rejection check's
/// quick answer) and reads it as the two ports and the host (the walk's); `None` leaves the
/// arguments to the general reading, which gives the same for every pair this accepts
/// (property tests check both uses).
pub(crate) fn plain_port_forward<'b>(
    listen: &[u8],
    connect: &'b [u8],
) -> Option<(u16, &'b [u8], u16)> {
    let (end, port) = plain_port(listen, 0)?;
    if end != listen.len() {
        return None;
    }
    // The host runs up to its first byte that is not a plain host's: it must be the `:`.
    let colon = connect
        .iter()
        .position(|&b| !crate::host::PLAIN_NAME_BYTE[usize::from(b)])?;
    if colon == 0 || colon >= 1025 || connect[colon] != b':' {
        return None;
    }
    let (end, to) = plain_port(connect, colon + 1)?;
    (end == connect.len()).then_some((port, &connect[..colon], to))
}

/// The port of decimal digits at `raw[from..]`, up to the first byte that is not a digit, and
/// where it ends; `None` when it is empty, longer than five digits, starts with a zero or is
/// above 65535.
pub(crate) fn plain_port(raw: &[u8], from: usize) -> Option<(usize, u16)> {
    let mut i = from;
    let mut value = 0u32;
    while i < raw.len() && raw[i].is_ascii_digit() && i - from < 5 {
        value = value * 10 + u32::from(raw[i] - b'0');
        i += 1;
    }
    let ok = i > from && raw[from] != b'0' && raw.get(i).is_none_or(|b| !b.is_ascii_digit());
    Some((i, u16::try_from(value).ok().filter(|_| ok)?))
}

/// The forward of a plain `LocalForward PORT HOST:PORT` ([`plain_port_forward`]), read without
/// joining the arguments and splitting them again.
fn plain_local(listen: &[u8], connect: &[u8]) -> Option<Forward> {
    let (port, host, to) = plain_port_forward(listen, connect)?;
    debug_assert!(host.is_ascii());
    Some(Forward {
        listen: Listen::Port { bind: None, port },
        connect: Connect::Port {
            // SAFETY: a plain host is of letters, digits, `.`, `-` and `_` (what
            // `plain_port_forward` takes), ASCII and so UTF-8: the general check, a call, is
            // not made again.
            host: unsafe { std::str::from_utf8_unchecked(host) }.to_owned(),
            port: to,
        },
    })
}

/// readconf.c `parse_forward`: the forward `spec` describes, read as a `DynamicForward` (or a
/// one-argument `RemoteForward`) when `dynamic`, and with its listening side on the server (where
/// port 0 asks the server for a port) when `remote`.
fn parse_forward(spec: &str, dynamic: bool, remote: bool) -> Result<Forward, ForwardError> {
    let bad = || ForwardError::Bad(spec.to_string());
    if spec.contains("${") {
        // As ssh does when it reads the line: `${VAR}` from the environment, and a variable
        // that is not set makes the specification bad.
        return match crate::expand::dollar_expand(spec.as_bytes()) {
            // A value that itself holds `${` is not expanded again (ssh expands once).
            Some(e) if e.windows(2).any(|w| w == b"${") => {
                Err(ForwardError::NotEvaluated(spec.to_string()))
            }
            Some(e) => parse_forward(&String::from_utf8_lossy(&e), dynamic, remote),
            None => Err(ForwardError::Bad(spec.to_string())),
        };
    }
    // `isspace`: the vertical tab too.
    let trimmed = skip_space_str(spec);
    let fields = parse_fields(trimmed).ok_or_else(bad)?;
    let port = |s: &str| match a2port(s) {
        Ok(p) => Ok(p),
        Err(PortError::NotEvaluated) => Err(ForwardError::NotEvaluated(spec.to_string())),
        Err(PortError::Invalid) => Err(bad()),
    };
    let listen_port = |s: &str| match port(s)? {
        0 if !remote => Err(bad()),
        p => Ok(p),
    };
    let connect_port = |s: &str| match port(s)? {
        0 => Err(bad()),
        p => Ok(p),
    };
    let socks = || Connect::Port {
        host: "socks".into(),
        port: 0,
    };
    let f = |i: usize| &fields[i];
    let fwd = match (fields.len(), dynamic) {
        (1, true) if f(0).is_path => Forward {
            listen: Listen::Path(f(0).arg.clone()),
            connect: socks(),
        },
        (1, true) => Forward {
            listen: Listen::Port {
                bind: None,
                port: listen_port(&f(0).arg)?,
            },
            connect: socks(),
        },
        // A path as the second field makes it a forward to that path, with no SOCKS for a
        // dynamic one (`ssh -G` prints it as a `localforward` as well as a `dynamicforward`).
        (2, _) if f(0).is_path && f(1).is_path => Forward {
            listen: Listen::Path(f(0).arg.clone()),
            connect: Connect::Path(f(1).arg.clone()),
        },
        (2, _) if f(1).is_path => Forward {
            listen: Listen::Port {
                bind: None,
                port: listen_port(&f(0).arg)?,
            },
            connect: Connect::Path(f(1).arg.clone()),
        },
        (2, true) => Forward {
            listen: Listen::Port {
                bind: Some(f(0).arg.clone()),
                port: listen_port(&f(1).arg)?,
            },
            connect: socks(),
        },
        (3, false) if f(0).is_path => Forward {
            listen: Listen::Path(f(0).arg.clone()),
            connect: Connect::Port {
                host: f(1).arg.clone(),
                port: connect_port(&f(2).arg)?,
            },
        },
        (3, false) if f(2).is_path => Forward {
            listen: Listen::Port {
                bind: Some(f(0).arg.clone()),
                port: listen_port(&f(1).arg)?,
            },
            connect: Connect::Path(f(2).arg.clone()),
        },
        (3, false) => Forward {
            listen: Listen::Port {
                bind: None,
                port: listen_port(&f(0).arg)?,
            },
            connect: Connect::Port {
                host: f(1).arg.clone(),
                port: connect_port(&f(2).arg)?,
            },
        },
        (4, false) => Forward {
            listen: Listen::Port {
                bind: Some(f(0).arg.clone()),
                port: listen_port(&f(1).arg)?,
            },
            connect: Connect::Port {
                host: f(2).arg.clone(),
                port: connect_port(&f(3).arg)?,
            },
        },
        _ => return Err(bad()),
    };
    if fwd.too_long() {
        return Err(bad());
    }
    Ok(fwd)
}

impl Forward {
    /// A loopback tunnel: listen on `local_port` with ssh's default bind (loopback unless
    /// `GatewayPorts yes`) and connect to `localhost:remote_port` on the remote machine; written
    /// `LocalForward L localhost:P`. Ports must be non-zero.
    pub fn loopback(local_port: u16, remote_port: u16) -> Forward {
        Forward {
            listen: Listen::Port {
                bind: None,
                port: local_port,
            },
            connect: Connect::Port {
                host: "localhost".into(),
                port: remote_port,
            },
        }
    }

    /// Parse the two arguments of a `LocalForward` line (`1455` and `localhost:1455`), joined
    /// with `:` as OpenSSH joins them.
    pub fn from_args(listen: &str, connect: &str) -> Result<Forward, ForwardError> {
        Forward::parse_spec(&format!("{listen}:{connect}"))
    }

    /// The forward of a `LocalForward` line's arguments, as `argv_split` gives them: the first two
    /// joined with `:` (extra arguments are the caller's concern).
    ///
    /// ssh keeps the joined text in `fwdarg[256]`, so what follows its first 255 bytes is
    /// dropped (`snprintf`).
    pub fn from_tokens(args: &[Token<'_>]) -> Result<Forward, ForwardError> {
        match args {
            [a, b, ..] if !a.value.is_empty() && !b.value.is_empty() => {
                let len = a.value.len() + 1 + b.value.len();
                if len <= FWDARG_MAX
                    && let Some(f) = plain_local(&a.value, &b.value)
                {
                    return Ok(f);
                }
                let mut joined = Vec::with_capacity(len);
                joined.extend_from_slice(&a.value);
                joined.push(b':');
                joined.extend_from_slice(&b.value);
                joined.truncate(FWDARG_MAX);
                Forward::parse_spec(&String::from_utf8_lossy(&joined))
            }
            _ => Err(ForwardError::MissingTarget),
        }
    }

    /// A `DynamicForward` (`-D`) specification, `[bind:]port` or a socket path, as
    /// `parse_forward` reads it with `dynamicfwd` set: ssh keeps it among the local forwards with
    /// the target host `socks`. `PORT:PATH` and `PATH:PATH` are read as forwards to the path,
    /// without SOCKS, as ssh reads them.
    pub fn dynamic(spec: &str) -> Result<Forward, ForwardError> {
        parse_forward(spec, true, false)
    }

    /// Parse a `-L`-style specification (`1455:localhost:1455`, `[::1]:1455:[::1]:1455`,
    /// `1455:/run/sock`, ...).
    pub fn parse_spec(spec: &str) -> Result<Forward, ForwardError> {
        parse_forward(spec, false, false)
    }

    /// The forward of a `RemoteForward` line's arguments, as `argv_split` gives them: the first
    /// two joined with `:` (cut as [`Forward::from_tokens`] cuts them), or the first alone, a
    /// SOCKS proxy on the server. Its listening side is on the server, where port 0 is allowed.
    pub(crate) fn remote_from_tokens(args: &[Token<'_>]) -> Result<Forward, ForwardError> {
        let (spec, dynamic) = match args {
            [a, b, ..] if !a.value.is_empty() && !b.value.is_empty() => {
                let mut joined = Vec::with_capacity(a.value.len() + 1 + b.value.len());
                joined.extend_from_slice(&a.value);
                joined.push(b':');
                joined.extend_from_slice(&b.value);
                (joined, false)
            }
            [a, ..] if !a.value.is_empty() => (a.value.to_vec(), true),
            _ => return Err(ForwardError::MissingTarget),
        };
        let spec = &spec[..spec.len().min(FWDARG_MAX)];
        parse_forward(&String::from_utf8_lossy(spec), dynamic, true)
    }

    /// Does `parse_forward` refuse it for its length: a socket path of [`PATH_MAX_SUN`] bytes
    /// or more, a host of `NI_MAXHOST` (1025) or more?
    fn too_long(&self) -> bool {
        let too_long = |s: &str, max: usize| s.len() >= max;
        match (&self.listen, &self.connect) {
            (Listen::Path(p), _) if too_long(p, PATH_MAX_SUN) => true,
            (_, Connect::Path(p)) if too_long(p, PATH_MAX_SUN) => true,
            (Listen::Port { bind: Some(h), .. }, _) if too_long(h, 1025) => true,
            (_, Connect::Port { host, .. }) if too_long(host, 1025) => true,
            _ => false,
        }
    }

    /// The listening side as `ssh -G` prints it: `1455`, `[localhost]:1455` or a socket path.
    pub fn listen_display(&self) -> String {
        match &self.listen {
            Listen::Port { bind: None, port } => port.to_string(),
            Listen::Port {
                bind: Some(h),
                port,
            } => format!("[{h}]:{port}"),
            Listen::Path(p) => p.clone(),
        }
    }

    /// The target as `ssh -G` prints it: `[localhost]:1455` or a socket path.
    pub fn connect_display(&self) -> String {
        match &self.connect {
            Connect::Port { host, port } => format!("[{host}]:{port}"),
            Connect::Path(p) => p.clone(),
        }
    }

    /// The two arguments of a `LocalForward` line that writes this forward
    /// (`1455 localhost:1455`); IPv6 addresses are bracketed.
    pub fn config_args(&self) -> String {
        let host = |h: &str| {
            if h.contains(':') {
                format!("[{h}]")
            } else {
                h.to_string()
            }
        };
        let listen = match &self.listen {
            Listen::Port { bind: None, port } => port.to_string(),
            Listen::Port {
                bind: Some(b),
                port,
            } => format!("{}:{port}", host(b)),
            Listen::Path(p) => p.clone(),
        };
        let connect = match &self.connect {
            Connect::Port { host: h, port } => format!("{}:{port}", host(h)),
            Connect::Path(p) => p.clone(),
        };
        format!("{listen} {connect}")
    }

    /// Is `ssh -G` silent about this forward? OpenSSH treats a target host spelled `socks` as a
    /// dynamic forward when printing (`dump_cfg_forwards`).
    pub fn hidden_by_ssh_g(&self) -> bool {
        matches!(&self.connect, Connect::Port { host, .. } if host == "socks")
    }

    /// Is it a `DynamicForward` (a SOCKS listener, kept by ssh with the target host `socks`)?
    pub fn is_dynamic(&self) -> bool {
        matches!(&self.connect, Connect::Port { host, port: 0 } if host == "socks")
    }

    /// The config line that writes it: `LocalForward 1455 localhost:1455`, or
    /// `DynamicForward 1080` for a dynamic one.
    pub fn directive(&self) -> String {
        let args = self.config_args();
        match args.split_once(' ') {
            Some((listen, _)) if self.is_dynamic() => format!("DynamicForward {listen}"),
            _ => format!("LocalForward {args}"),
        }
    }

    /// The local port, if the forward listens on a TCP port.
    pub fn listen_port(&self) -> Option<u16> {
        match self.listen {
            Listen::Port { port, .. } => Some(port),
            Listen::Path(_) => None,
        }
    }

    /// The remote port, if the forward connects to a TCP port.
    pub fn connect_port(&self) -> Option<u16> {
        match self.connect {
            Connect::Port { port, .. } => Some(port),
            Connect::Path(_) => None,
        }
    }
}

impl fmt::Display for Forward {
    /// `ssh -G`'s form, without the keyword: `1455 [localhost]:1455`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.listen_display(), self.connect_display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The plain `PORT HOST:PORT` reading gives what joining and splitting the arguments
        /// gives, whenever it answers.
        #[test]
        fn plain_local_forwards_read_as_the_general_path(
            listen in proptest::sample::select(vec![
                "1455", "1", "65535", "65536", "0", "080", "99999", "123456", "+80", "-0", "8a", "",
            ]),
            host in proptest::sample::select(vec![
                "localhost", "h.x", "a_b", "-", "", "a/b", "[::1]", "::1", "h$x", "${H}", "H-1",
                "a:b", "a b", "10.0.0.1", "é",
            ]),
            colon in proptest::sample::select(vec![":", "", "::", "/"]),
            to in proptest::sample::select(vec!["80", "0", "65535", "65536", "08", "x", ""]),
        ) {
            let connect = format!("{host}{colon}{to}");
            if let Some(f) = plain_local(listen.as_bytes(), connect.as_bytes()) {
                proptest::prop_assert_eq!(Ok(f), Forward::from_args(listen, &connect));
            }
        }
    }

    #[test]
    fn a_long_plain_host_is_left_to_the_general_path() {
        for len in [1023, 1024, 1025, 1026] {
            let connect = format!("{}:80", "h".repeat(len));
            assert_eq!(
                plain_local(b"1455", connect.as_bytes()).ok_or(()),
                Forward::from_args("1455", &connect).map_err(drop),
                "host of {len} bytes"
            );
        }
    }

    fn g(a: &str, b: &str) -> String {
        Forward::from_args(a, b).unwrap().to_string()
    }

    #[test]
    fn forms_print_as_ssh_g() {
        assert_eq!(g("1455", "localhost:1455"), "1455 [localhost]:1455");
        assert_eq!(
            g("localhost:1455", "127.0.0.1:1455"),
            "[localhost]:1455 [127.0.0.1]:1455"
        );
        assert_eq!(g("[::1]:1455", "[::1]:1455"), "[::1]:1455 [::1]:1455");
        assert_eq!(g("1460", "localhost/1455"), "1460 localhost/1455");
        assert_eq!(g("*:1455", "localhost:1455"), "[*]:1455 [localhost]:1455");
        assert_eq!(g("/tmp/a.sock", "/tmp/b.sock"), "/tmp/a.sock /tmp/b.sock");
        assert_eq!(g("/tmp/a.sock", "host:22"), "/tmp/a.sock [host]:22");
        // a2port is strtonum: a sign and leading zeros are fine (checked with ssh -G).
        assert_eq!(g("+1455", "localhost:01455"), "1455 [localhost]:1455");
        assert_eq!(g("001455", "localhost:+1455"), "1455 [localhost]:1455");
    }

    /// C's `isspace` counts the vertical tab: `parse_forward` skips it before the first field
    /// and `a2port`'s strtonum before a port (`ssh -G` 9.2p1: `LocalForward \v1455
    /// localhost:\v1455` is `localforward 1455 [localhost]:1455`, `DynamicForward \v1080` is
    /// `dynamicforward 1080`); after a port, or as a service name, it is refused.
    #[test]
    fn the_vertical_tab_is_c_white_space() {
        assert_eq!(g("\x0b1455", "localhost:1455"), "1455 [localhost]:1455");
        assert_eq!(g("\x0c1455", "localhost:\x0b1455"), "1455 [localhost]:1455");
        assert_eq!(
            Forward::dynamic("\x0b1080").unwrap().listen_port(),
            Some(1080)
        );
        for (listen, connect) in [
            ("\x0b[", "1455:localhost:1455"),
            ("1455", "localhost:1455\x0b"),
            ("1455", "localhost:\x0bssh"),
        ] {
            let f = Forward::from_args(listen, connect);
            assert!(
                matches!(f, Err(ForwardError::Bad(_))),
                "{listen:?} {connect:?}: {f:?}"
            );
        }
    }

    /// Fields as `parse_fwd_field` reads them, each checked with `ssh -G` 9.2p1 (its
    /// `localforward` line, or "Bad forwarding specification."): a bracketed field is everything
    /// from its first `[` to the first `]`, other brackets included; a backslash keeps the byte
    /// after it as it is, so an escaped `:` does not end the field and an escaped `/` does not
    /// make it a path.
    #[test]
    fn fields_read_as_parse_fwd_field_reads_them() {
        let read = |line: &str| {
            let toks = crate::lexer::argv_split(line.as_bytes(), 0).unwrap();
            Forward::from_tokens(&toks).map(|f| f.to_string())
        };
        for (line, ssh_g) in [
            // localforward 1455 [a[b]:1455
            (r"1455 [a[b]:1455", "1455 [a[b]:1455"),
            (r"[a[b]:1455 h:22", "[a[b]:1455 [h]:22"),
            // localforward 1455 [a:b]:1455
            (r"1455 a\:b:1455", "1455 [a:b]:1455"),
            (r"1455 a\/b:1455", "1455 [a/b]:1455"),
            // A bracketed field keeps its backslashes.
            (r"1455 [\/x]", r"1455 \/x"),
            (r"1455 \/tmp/x", "1455 /tmp/x"),
            (r"/tmp/x\:y /tmp/z", "/tmp/x:y /tmp/z"),
            // A field that is only a backslash at the end ends the specification (memmove
            // drops it before parse_fwd_field fails): localforward 1455 [h]:80, and
            // localforward /tmp/ []:1.
            (r"1455 h:80:\", "1455 [h]:80"),
            (r"/tmp/::1 \", "/tmp/ []:1"),
        ] {
            assert_eq!(read(line).as_deref(), Ok(ssh_g), "{line}");
        }
        // c line 2: Bad forwarding specification.
        for line in [
            r"1455 \/x",
            r"\/x h:22",
            r"\/x \/y",
            r"/x \/y",
            r"1455 a\",
            r"1455 [a]b:1",
            r"1455 h:\",
            r"1455 h:80:1:2:\",
        ] {
            assert!(matches!(read(line), Err(ForwardError::Bad(_))), "{line}");
        }
    }

    /// ssh reads a config line's forward from `fwdarg[256]`: `LocalForward 1455 H:80808` with a
    /// host of 246 bytes is `localforward 1455 [H]:808` in `ssh -G` 9.2p1 (the joined text
    /// is 257 bytes, cut to 255).
    #[test]
    fn a_long_specification_is_cut_as_fwdarg_cuts_it() {
        let host = "h".repeat(246);
        let line = format!("1455 {host}:80808");
        let toks = crate::lexer::argv_split(line.as_bytes(), 0).unwrap();
        assert_eq!(
            Forward::from_tokens(&toks).map(|f| f.to_string()),
            Ok(format!("1455 [{host}]:808"))
        );
        // Plain forwards up to the limit are read whole.
        let host = "h".repeat(245);
        let line = format!("1455 {host}:8080");
        let toks = crate::lexer::argv_split(line.as_bytes(), 0).unwrap();
        assert_eq!(
            Forward::from_tokens(&toks).map(|f| f.to_string()),
            Ok(format!("1455 [{host}]:8080"))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The walk's reading of a forward (`LocalForward`, `DynamicForward`, `RemoteForward`
        /// with one argument or two) accepts exactly what the rejection check's reading (`diagnose::value::forward_ok`, checked against `ssh -G`
        /// by the refusal property tests) accepts.
        #[test]
        fn accepted_exactly_when_the_rejection_check_accepts(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "1455", "0", "22", "+1", "h", "a.b", "[", "]", ":", "/", "\\", "[::1]",
                    "[a/b]", " ", "x/y", "\\:", "\\/", "65536", "%h",
                    // Two or three of these make a path or host too long for ssh.
                    "/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
                    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
                ]),
                1..8,
            ),
        ) {
            use crate::diagnose::value::{FwdSpec, forward_ok};
            let spec = parts.concat();
            for (ours, what) in [
                (Forward::parse_spec(&spec), FwdSpec::Local),
                (Forward::dynamic(&spec), FwdSpec::Dynamic),
                (parse_forward(&spec, false, true), FwdSpec::Remote),
                (parse_forward(&spec, true, true), FwdSpec::RemoteDynamic),
            ] {
                if !matches!(ours, Err(ForwardError::NotEvaluated(_))) {
                    let check = forward_ok(spec.as_bytes(), what);
                    proptest::prop_assert_eq!(ours.is_ok(), check, "{:?} {:?}", spec, what);
                }
            }
        }
    }

    /// `DynamicForward` as `parse_forward` reads it with `dynamicfwd` set, checked with
    /// `ssh -G` 9.2p1: a socket path is a SOCKS listener there (`dynamicforward /tmp/x`), and
    /// a path as the second field makes a forward to it (`DynamicForward 1455:/b` prints
    /// `dynamicforward 1455` and `localforward 1455 /b`; `/a:/b` prints `dynamicforward /a`
    /// and `localforward /a /b`).
    #[test]
    fn dynamic_forwards_with_paths_read_as_ssh_reads_them() {
        let d = |spec: &str| Forward::dynamic(spec);
        let socks = d("/tmp/x").unwrap();
        assert_eq!(socks.listen, Listen::Path("/tmp/x".into()));
        assert!(socks.is_dynamic() && socks.hidden_by_ssh_g());
        assert_eq!(d("1455:/b").unwrap().to_string(), "1455 /b");
        assert_eq!(d("/a:/b").unwrap().to_string(), "/a /b");
        assert!(!d("1455:/b").unwrap().hidden_by_ssh_g());
        // dynamicforward 1080
        assert_eq!(d(r"1080:\").unwrap().listen_display(), "1080");
        assert!(matches!(d(r"\"), Err(ForwardError::Bad(_))));
        // dynamicforward [localhost]:1080
        let bound = d("localhost:1080").unwrap();
        assert!(bound.is_dynamic());
        assert_eq!(bound.listen_display(), "[localhost]:1080");
        // c line 2: Bad forwarding specification.
        for bad in [
            "a:/tmp/x",
            "0",
            "/a:/b:/c",
            &format!("/{}", "p".repeat(107)),
        ] {
            assert!(matches!(d(bad), Err(ForwardError::Bad(_))), "{bad}");
        }
    }

    #[test]
    fn rejects_what_openssh_rejects() {
        for (a, b) in [
            ("0", "localhost:1455"),
            ("1455", "localhost:0"),
            ("1455", "localhost:65536"),
            ("-1455", "localhost:1455"),
            ("+0", "localhost:1455"),
            ("1455", "localhost:-0"),
            ("1455", "localhost:99999999999"),
            ("1455", "localhost"),
            ("[::1", "localhost:1"),
        ] {
            assert!(
                matches!(Forward::from_args(a, b), Err(ForwardError::Bad(_))),
                "{a} {b}"
            );
        }
        // Service names come from the services database, as getservbyname reads them; without
        // one they are not evaluated.
        match service_port("ssh") {
            Some(Some(22)) => {
                assert_eq!(g("ssh", "localhost:ssh"), "22 [localhost]:22");
                assert!(matches!(
                    Forward::from_args("no-such-service", "localhost:1"),
                    Err(ForwardError::Bad(_))
                ));
            }
            _ => assert!(matches!(
                Forward::from_args("no-such-service", "localhost:1"),
                Err(ForwardError::NotEvaluated(_))
            )),
        }
        let toks = crate::lexer::argv_split(b"1455", 0).unwrap();
        assert_eq!(
            Forward::from_tokens(&toks),
            Err(ForwardError::MissingTarget)
        );
        let toks = crate::lexer::argv_split(b"1455 \"\"", 0).unwrap();
        assert_eq!(
            Forward::from_tokens(&toks),
            Err(ForwardError::MissingTarget)
        );
    }

    #[test]
    fn services_are_read_as_getservbyname_reads_them() {
        let db = parse_services("ssh\t22/tcp\nhttp-alt 8080/tcp webcache # c\nfoo 9/udp\n");
        assert_eq!(db.get("ssh"), Some(&22));
        assert_eq!(db.get("webcache"), Some(&8080));
        assert_eq!(db.get("foo"), None);
    }

    #[test]
    fn loopback_writes_the_short_form() {
        assert_eq!(
            Forward::loopback(1455, 1455).config_args(),
            "1455 localhost:1455"
        );
    }
}
