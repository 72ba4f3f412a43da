//! How one connection the laptop's listener accepted reaches the remote's loopback port.
//!
//! [`Carrier::Socks`]: through the dynamic forward (`ssh -D 127.0.0.1:PORT`) of the login's own
//! ssh connection, with a SOCKS5 `CONNECT` to the target's host as the URL writes it and its
//! port. OpenSSH answers `CONNECT` only once the remote side opened the connection; when the
//! server refuses (`PermitOpen`, `AllowTcpForwarding no`: "administratively prohibited") it
//! closes the SOCKS connection without a reply. `PermitOpen localhost:1455` permits the name
//! `localhost` only, so a refused `127.0.0.1` or `::1` is asked again as `localhost` (sshd then
//! tries each address of the name).
//!
//! [`Carrier::Relay`]: no TCP stream at all: each HTTP request the browser makes is carried by
//! running an HTTP client on the far side (the host, or a container there) through ssh
//! ([`super::relay`]), for where no forward can reach the login server.
//!
//! A carrier gets the accepted stream and the target, and owns the connection from there: it
//! copies both ways until either side ends (a relay: answers one request and closes).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::relay::{Relay, RelayError};

use super::url::{LoopbackHost, Target};

/// How long a SOCKS handshake may take (ssh answers from the same machine).
const HANDSHAKE: Duration = Duration::from_secs(20);

/// How accepted connections are carried to the remote.
#[derive(Debug, Clone)]
pub(crate) enum Carrier {
    /// Through the SOCKS5 port of the login's `ssh -D 127.0.0.1:port`.
    Socks {
        /// The dynamic forward's port on the laptop's 127.0.0.1.
        port: u16,
        /// Where a connection the server refuses goes instead (`None`: nowhere, the browser
        /// gets a 502).
        fallback: Option<Arc<Fallback>>,
    },
    /// Each request run by an HTTP client on the far side.
    Relay(Arc<Relay>),
}

/// The relay a refused SOCKS connection falls back on, and the one line that says so (said
/// once).
pub(crate) struct Fallback {
    pub(crate) relay: Arc<Relay>,
    pub(crate) said: std::sync::atomic::AtomicBool,
    /// Prints a note (the login's, with its line end).
    pub(crate) note: Box<dyn Fn(&str) + Send + Sync>,
    /// The host, for the note.
    pub(crate) host: String,
}

impl std::fmt::Debug for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fallback")
            .field("relay", &self.relay)
            .finish()
    }
}

/// Why a connection could not be carried.
#[derive(Debug)]
pub(crate) enum CarryError {
    /// The remote side refused to open a connection to the target (every name tried).
    Refused {
        /// The names asked, in order (`127.0.0.1`, then `localhost`).
        tried: Vec<&'static str>,
    },
    /// The carrier itself failed (the SOCKS port did not answer as ssh does).
    Broken(io::Error),
    /// The relay could not carry a request.
    Relay(RelayError),
}

impl std::fmt::Display for CarryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CarryError::Refused { tried } => write!(
                f,
                "the ssh server could not open a connection to {}",
                tried.join(" or ")
            ),
            CarryError::Broken(e) => write!(f, "ssh's SOCKS port failed: {e}"),
            CarryError::Relay(e) => e.fmt(f),
        }
    }
}

impl Carrier {
    /// Is the carrier ready? For SOCKS: the port answers a SOCKS5 greeting (ssh sets the dynamic
    /// forward up before the remote command runs, so this is normally at once); waits up to
    /// `wait`. For the relay: the far side runs a shell that has an HTTP client.
    pub(crate) fn ready(&self, wait: Duration) -> io::Result<()> {
        match self {
            Carrier::Relay(relay) => relay
                .probe()
                .map(|_| ())
                .map_err(|e| io::Error::other(e.to_string())),
            Carrier::Socks { port, .. } => {
                let end = std::time::Instant::now() + wait;
                loop {
                    let r = TcpStream::connect(("127.0.0.1", *port)).and_then(|mut s| {
                        s.set_read_timeout(Some(HANDSHAKE))?;
                        greet(&mut s)
                    });
                    match r {
                        Ok(()) => return Ok(()),
                        Err(e) if std::time::Instant::now() >= end => return Err(e),
                        Err(_) => std::thread::sleep(Duration::from_millis(100)),
                    }
                }
            }
        }
    }

    /// Carry `browser` to `target` on the remote, copying both ways until both directions end;
    /// `opened` is called once the remote side has accepted the connection. On
    /// [`CarryError::Refused`] the browser is answered with a short HTTP 502 page that says why
    /// (the browser would otherwise show an empty reply).
    pub(crate) fn carry(
        &self,
        browser: TcpStream,
        target: Target,
        opened: &dyn Fn(),
    ) -> Result<(), CarryError> {
        match self {
            Carrier::Socks { port, fallback } => {
                let remote = match socks_connect(*port, target) {
                    Ok(s) => s,
                    Err(CarryError::Refused { tried }) if fallback.is_some() => {
                        let f = fallback.as_ref().expect("checked");
                        if !f.said.swap(true, std::sync::atomic::Ordering::SeqCst) {
                            (f.note)(&format!(
                                "{} refused to open a connection to {} port {} through ssh (its sshd forbids forwarding: AllowTcpForwarding, DisableForwarding, PermitOpen; or nothing listens there on it); carrying the browser's requests by relay instead: an HTTP client on {} makes each one, through this login's ssh connection",
                                f.host,
                                tried.join(" or "),
                                target.port,
                                f.host
                            ));
                        }
                        return f
                            .relay
                            .serve(browser, target, opened)
                            .map(|_| ())
                            .map_err(CarryError::Relay);
                    }
                    Err(e) => {
                        if let CarryError::Refused { .. } = &e {
                            answer_refused(browser, target, &e);
                        }
                        return Err(e);
                    }
                };
                opened();
                splice(browser, remote);
                Ok(())
            }
            Carrier::Relay(relay) => relay
                .serve(browser, target, opened)
                .map(|_| ())
                .map_err(CarryError::Relay),
        }
    }
}

/// Names to ask for a target, in order: as written, then `localhost` for an address.
fn names(host: LoopbackHost) -> Vec<&'static str> {
    match host {
        LoopbackHost::Localhost => vec!["localhost"],
        h => vec![h.as_str(), "localhost"],
    }
}

/// SOCKS5 `CONNECT` to `target` through `127.0.0.1:port`, retrying a refused address as
/// `localhost`.
pub(crate) fn socks_connect(port: u16, target: Target) -> Result<TcpStream, CarryError> {
    let mut tried = Vec::new();
    for name in names(target.host) {
        tried.push(name);
        let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(CarryError::Broken)?;
        s.set_read_timeout(Some(HANDSHAKE))
            .map_err(CarryError::Broken)?;
        greet(&mut s).map_err(CarryError::Broken)?;
        match request(&mut s, name, target.port) {
            Ok(()) => {
                s.set_read_timeout(None).map_err(CarryError::Broken)?;
                return Ok(s);
            }
            Err(Reply::Refused) => continue,
            Err(Reply::Io(e)) => return Err(CarryError::Broken(e)),
        }
    }
    Err(CarryError::Refused { tried })
}

/// SOCKS5 greeting, no authentication (RFC 1928 section 3).
fn greet(s: &mut TcpStream) -> io::Result<()> {
    s.write_all(&[5, 1, 0])?;
    let mut r = [0u8; 2];
    s.read_exact(&mut r)?;
    if r != [5, 0] {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a SOCKS5 server without authentication (answered {r:02x?})"),
        ));
    }
    Ok(())
}

enum Reply {
    /// The server closed without a reply, or replied with a failure code.
    Refused,
    Io(io::Error),
}

/// SOCKS5 `CONNECT` (RFC 1928 sections 4-6): an IP address as such, a name as a domain name.
fn request(s: &mut TcpStream, name: &str, port: u16) -> Result<(), Reply> {
    let mut req = vec![5, 1, 0];
    match name.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.octets());
        }
        Ok(std::net::IpAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.octets());
        }
        Err(_) => {
            req.push(3);
            req.push(name.len() as u8);
            req.extend_from_slice(name.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req).map_err(Reply::Io)?;
    let mut head = [0u8; 4];
    match s.read_exact(&mut head) {
        Ok(()) => {}
        // OpenSSH closes without a reply when the channel cannot be opened.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(Reply::Refused),
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Err(Reply::Refused),
        Err(e) => return Err(Reply::Io(e)),
    }
    if head[0] != 5 {
        return Err(Reply::Io(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a SOCKS5 reply",
        )));
    }
    if head[1] != 0 {
        return Err(Reply::Refused);
    }
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut n = [0u8; 1];
            s.read_exact(&mut n).map_err(Reply::Io)?;
            n[0] as usize + 2
        }
        _ => {
            return Err(Reply::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "bad address type in the SOCKS5 reply",
            )));
        }
    };
    let mut skip = vec![0u8; rest];
    s.read_exact(&mut skip).map_err(Reply::Io)
}

/// Copy both ways until each direction ends; a direction's end is passed on as a half close.
pub(crate) fn splice(a: TcpStream, b: TcpStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || pump(a2, b2));
    pump(b, a);
    let _ = up.join();
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Tell the browser why its request goes nowhere.
fn answer_refused(mut browser: TcpStream, target: Target, e: &CarryError) {
    let body = format!(
        "codex-fwd: {e} (port {}): its sshd forbids forwarding (AllowTcpForwarding, PermitOpen).\n",
        target.port
    );
    let _ = browser.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 4096];
    let _ = browser.read(&mut sink);
    let _ = write!(
        browser,
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A SOCKS5 server as OpenSSH's `-D` behaves: no authentication; a `CONNECT` to a name it
    /// permits is answered with success and the connection goes to `upstream`; anything else is
    /// closed without a reply. Records each request's (address type, name, port).
    fn socks_server(
        permit: &'static [&'static str],
        upstream: u16,
    ) -> (u16, std::sync::mpsc::Receiver<(u8, String, u16)>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let mut s = s.unwrap();
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut g = [0u8; 3];
                    s.read_exact(&mut g).unwrap();
                    s.write_all(&[5, 0]).unwrap();
                    let mut h = [0u8; 4];
                    if s.read_exact(&mut h).is_err() {
                        return; // a readiness probe
                    }
                    let name = match h[3] {
                        1 => {
                            let mut a = [0u8; 4];
                            s.read_exact(&mut a).unwrap();
                            std::net::Ipv4Addr::from(a).to_string()
                        }
                        4 => {
                            let mut a = [0u8; 16];
                            s.read_exact(&mut a).unwrap();
                            std::net::Ipv6Addr::from(a).to_string()
                        }
                        _ => {
                            let mut n = [0u8; 1];
                            s.read_exact(&mut n).unwrap();
                            let mut a = vec![0u8; n[0] as usize];
                            s.read_exact(&mut a).unwrap();
                            String::from_utf8(a).unwrap()
                        }
                    };
                    let mut p = [0u8; 2];
                    s.read_exact(&mut p).unwrap();
                    let port = u16::from_be_bytes(p);
                    tx.send((h[3], name.clone(), port)).unwrap();
                    if !permit.contains(&name.as_str()) {
                        return;
                    }
                    s.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
                    let up = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                    splice(s, up);
                });
            }
        });
        (port, rx)
    }

    /// An upstream that answers each line with its upper case, until EOF.
    fn upper_server() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let mut s = s.unwrap();
                std::thread::spawn(move || {
                    let mut v = Vec::new();
                    s.read_to_end(&mut v).unwrap();
                    s.write_all(&v.to_ascii_uppercase()).unwrap();
                });
            }
        });
        port
    }

    /// A connection accepted here, carried; returns what the "browser" got back.
    fn through(carrier: &Carrier, target: Target, send: &[u8]) -> (Vec<u8>, Result<(), String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let mut browser = TcpStream::connect(addr).unwrap();
        let (accepted, _) = l.accept().unwrap();
        let c = carrier.clone();
        let t = std::thread::spawn(move || {
            c.carry(accepted, target, &|| ()).map_err(|e| e.to_string())
        });
        browser.write_all(send).unwrap();
        browser.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        browser.read_to_end(&mut got).unwrap();
        (got, t.join().unwrap())
    }

    #[test]
    fn carries_both_ways_to_the_name_as_written() {
        let up = upper_server();
        let (port, rx) = socks_server(&["127.0.0.1", "localhost", "::1"], up);
        let c = Carrier::Socks {
            port,
            fallback: None,
        };
        c.ready(Duration::from_secs(5)).unwrap();
        for (host, atyp, name) in [
            (LoopbackHost::V4, 1, "127.0.0.1"),
            (LoopbackHost::Localhost, 3, "localhost"),
            (LoopbackHost::V6, 4, "::1"),
        ] {
            let (got, r) = through(&c, Target { host, port: 1455 }, b"get /x\n");
            assert_eq!(got, b"GET /X\n");
            assert_eq!(r, Ok(()));
            assert_eq!(rx.recv().unwrap(), (atyp, name.to_string(), 1455));
        }
    }

    #[test]
    fn a_refused_address_is_asked_again_as_localhost() {
        // PermitOpen localhost:1455: the name localhost only.
        let up = upper_server();
        let (port, rx) = socks_server(&["localhost"], up);
        let c = Carrier::Socks {
            port,
            fallback: None,
        };
        let (got, r) = through(
            &c,
            Target {
                host: LoopbackHost::V4,
                port: 1457,
            },
            b"hi",
        );
        assert_eq!((got.as_slice(), r), (&b"HI"[..], Ok(())));
        assert_eq!(rx.recv().unwrap().1, "127.0.0.1");
        assert_eq!(rx.recv().unwrap(), (3, "localhost".to_string(), 1457));
    }

    #[test]
    fn refused_everywhere_answers_the_browser_with_the_reason() {
        let up = upper_server();
        let (port, _rx) = socks_server(&[], up);
        let c = Carrier::Socks {
            port,
            fallback: None,
        };
        let (got, r) = through(
            &c,
            Target {
                host: LoopbackHost::V4,
                port: 1455,
            },
            b"GET / HTTP/1.1\r\n\r\n",
        );
        let got = String::from_utf8(got).unwrap();
        assert!(got.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{got}");
        assert!(got.contains("forbids forwarding"), "{got}");
        assert_eq!(
            r,
            Err("the ssh server could not open a connection to 127.0.0.1 or localhost".into())
        );
    }

    #[test]
    fn a_port_that_is_not_socks_is_not_ready() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let _ = s.unwrap().write_all(b"SSH-2.0-x\r\n");
            }
        });
        let e = Carrier::Socks {
            port,
            fallback: None,
        }
        .ready(Duration::from_millis(300))
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }

    /// A server that refuses every `CONNECT`, with a relay to fall back on (this machine's own
    /// HTTP client): each connection is answered by the relay, and the switch said once.
    #[cfg(unix)]
    #[test]
    fn a_refused_connection_falls_back_on_the_relay_said_once() {
        use crate::login::relay::FarSide;
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let up = upstream.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in upstream.incoming() {
                let mut s = s.unwrap();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        let (port, asked) = socks_server(&[], up);
        let notes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let n = notes.clone();
        let c = Carrier::Socks {
            port,
            fallback: Some(Arc::new(Fallback {
                relay: Arc::new(Relay::new(FarSide::local(&[], "on here"))),
                said: std::sync::atomic::AtomicBool::new(false),
                note: Box::new(move |m: &str| n.lock().unwrap().push(m.to_string())),
                host: "web".into(),
            })),
        };
        let target = Target {
            host: LoopbackHost::V4,
            port: up,
        };
        for _ in 0..2 {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut browser = TcpStream::connect(l.local_addr().unwrap()).unwrap();
            browser
                .write_all(b"GET /auth/callback HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let (accepted, _) = l.accept().unwrap();
            let opened = std::sync::atomic::AtomicBool::new(false);
            c.carry(accepted, target, &|| {
                opened.store(true, std::sync::atomic::Ordering::SeqCst)
            })
            .unwrap();
            let mut got = Vec::new();
            browser.read_to_end(&mut got).unwrap();
            assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n"), "{got:?}");
            assert!(got.ends_with(b"\r\n\r\nok"));
            assert!(opened.load(std::sync::atomic::Ordering::SeqCst));
        }
        // Both spellings asked each time, then the relay.
        let names: Vec<String> = asked.try_iter().map(|(_, n, _)| n).collect();
        assert_eq!(names, ["127.0.0.1", "localhost", "127.0.0.1", "localhost"]);
        let notes = notes.lock().unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with(&format!(
                "web refused to open a connection to 127.0.0.1 or localhost port {up} through ssh"
            )),
            "{}",
            notes[0]
        );
    }
}
