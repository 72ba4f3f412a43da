//! The laptop's listeners for a login: bound on loopback only, per target, after its URL was
//! seen, until the login ends.
//!
//! A `127.0.0.1` redirect gets a listener on `127.0.0.1`, a `[::1]` one on `[::1]`, a
//! `localhost` one on both (the browser may try either; `[::1]` is skipped where the system has
//! no IPv6). Ports below 1024 are refused: a CLI's login server does not use them (they need
//! privilege to bind), and the remote must not make the laptop listen there. A busy port is
//! reported with its owner (`system::port_in_use`); whether an ssh forward already carries it is
//! the caller's question.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::carry::{Carrier, CarryError};
use super::url::{LoopbackHost, Target};
use crate::system::{self, PortOwner};

/// The lowest port a login may make the laptop listen on.
pub(crate) const LOWEST_PORT: u16 = 1024;

/// Why no listener could be bound.
#[derive(Debug)]
pub(crate) enum BindError {
    /// Below [`LOWEST_PORT`].
    Privileged,
    /// Another process listens there (the system's answer, possibly "another process").
    Busy(PortOwner),
    /// Binding failed otherwise.
    Io(io::Error),
}

/// The loopback addresses to listen on for a URL's host.
fn addresses(host: LoopbackHost, port: u16) -> Vec<SocketAddr> {
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, port));
    match host {
        LoopbackHost::V4 => vec![v4],
        LoopbackHost::V6 => vec![v6],
        LoopbackHost::Localhost => vec![v4, v6],
    }
}

/// Listen on `port` here for a redirect to `host`, on loopback only. `[::1]` for `localhost` is
/// best effort (a system without IPv6 cannot bind it, and no browser goes there).
pub(crate) fn bind(host: LoopbackHost, port: u16) -> Result<Vec<TcpListener>, BindError> {
    if port < LOWEST_PORT {
        return Err(BindError::Privileged);
    }
    let mut out = Vec::new();
    for addr in addresses(host, port) {
        match TcpListener::bind(addr) {
            Ok(l) => out.push(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                // `[::1]` of a `localhost` pair: the `127.0.0.1` listener bound just before is
                // closed first, or the owner found would be this process.
                out.clear();
                let owner = system::port_in_use(port).unwrap_or(PortOwner {
                    pid: None,
                    name: None,
                });
                return Err(BindError::Busy(owner));
            }
            Err(_) if addr.is_ipv6() && host == LoopbackHost::Localhost => {}
            Err(e) => return Err(BindError::Io(e)),
        }
    }
    Ok(out)
}

/// What the listeners' threads report.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// The remote side accepted a connection to the target.
    Opened(&'a Target),
    /// A connection could not be carried.
    Failed(&'a Target, &'a CarryError),
}

/// Where the listeners' threads report [`Event`]s.
pub(crate) type Report = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// Listeners being served; [`Serving::close`] ends them.
pub(crate) struct Serving {
    stop: Arc<AtomicBool>,
    threads: Vec<(SocketAddr, JoinHandle<()>)>,
}

impl Serving {
    /// Stop accepting and close the listeners (connections already accepted go on until
    /// their carrier ends them).
    pub(crate) fn close(self) {
        self.stop.store(true, Ordering::SeqCst);
        for (addr, t) in self.threads {
            // Wake the blocking accept; it sees `stop` and drops the listener.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
            let _ = t.join();
        }
    }
}

/// Serve `listeners`: each accepted connection is carried to `target` by `carrier` on a thread
/// of its own, until [`Serving::close`].
pub(crate) fn serve(
    listeners: Vec<TcpListener>,
    carrier: Carrier,
    target: Target,
    report: Report,
) -> Serving {
    let stop = Arc::new(AtomicBool::new(false));
    let threads = listeners
        .into_iter()
        .filter_map(|l| {
            let addr = l.local_addr().ok()?;
            let (carrier, stop, report) = (carrier.clone(), stop.clone(), report.clone());
            let t = std::thread::spawn(move || accept_loop(l, &carrier, target, &stop, &report));
            Some((addr, t))
        })
        .collect();
    Serving { stop, threads }
}

fn accept_loop(
    l: TcpListener,
    carrier: &Carrier,
    target: Target,
    stop: &AtomicBool,
    report: &Report,
) {
    loop {
        let accepted = l.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match accepted {
            Ok((s, _)) => {
                let (carrier, report) = (carrier.clone(), report.clone());
                std::thread::spawn(move || carry_one(s, &carrier, target, &report));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // EMFILE and the like: do not spin.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn carry_one(s: TcpStream, carrier: &Carrier, target: Target, report: &Report) {
    let opened = || report(Event::Opened(&target));
    if let Err(e) = carrier.carry(s, target, &opened) {
        report(Event::Failed(&target, &e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn binds_the_family_the_url_names_and_loopback_only() {
        let p = free_port();
        let v4 = bind(LoopbackHost::V4, p).unwrap();
        assert_eq!(v4.len(), 1);
        assert_eq!(
            v4[0].local_addr().unwrap(),
            SocketAddr::from(([127, 0, 0, 1], p))
        );
        drop(v4);
        let both = bind(LoopbackHost::Localhost, p).unwrap();
        for l in &both {
            assert!(l.local_addr().unwrap().ip().is_loopback());
        }
        assert!(matches!(both.len(), 1 | 2));
        // While it listens, the port is busy, and the owner is this process.
        match bind(LoopbackHost::V4, p) {
            Err(BindError::Busy(o)) => {
                if std::env::var_os("CODEX_FWD_UNDER_WINE").is_none() {
                    assert_eq!(o.pid, Some(std::process::id()));
                }
            }
            other => panic!("{other:?}"),
        }
        drop(both);
        assert!(bind(LoopbackHost::V4, p).is_ok());
    }

    /// `localhost` binds `127.0.0.1`, then `[::1]`: when another process holds `[::1]` only,
    /// that process is named, not this one (whose `127.0.0.1` listener was just bound).
    #[cfg(unix)]
    #[test]
    fn a_busy_v6_half_of_localhost_names_its_owner() {
        use std::io::BufRead;
        let p = free_port();
        let Ok(mut holder) = std::process::Command::new("python3")
            .args([
                "-c",
                "import socket, sys, time\n\
                 s = socket.socket(socket.AF_INET6)\n\
                 s.bind(('::1', int(sys.argv[1])))\n\
                 s.listen()\n\
                 print('up', flush=True)\n\
                 time.sleep(30)",
            ])
            .arg(p.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
        else {
            eprintln!("SKIPPED: no python3");
            return;
        };
        let mut line = String::new();
        let _ = io::BufReader::new(holder.stdout.take().unwrap()).read_line(&mut line);
        if line.trim() != "up" {
            let _ = holder.kill();
            eprintln!("SKIPPED: no IPv6 loopback");
            return;
        }
        let got = bind(LoopbackHost::Localhost, p);
        let _ = holder.kill();
        let _ = holder.wait();
        match got {
            Err(BindError::Busy(o)) => assert_eq!(o.pid, Some(holder.id())),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn privileged_ports_are_refused() {
        assert!(matches!(
            bind(LoopbackHost::Localhost, 1023),
            Err(BindError::Privileged)
        ));
        assert!(matches!(
            bind(LoopbackHost::V4, 80),
            Err(BindError::Privileged)
        ));
    }

    #[test]
    fn serves_until_stopped_then_the_port_is_free() {
        // A carrier whose SOCKS port answers nothing: every connection fails, and is reported.
        let dead = TcpListener::bind("127.0.0.1:0").unwrap();
        let carrier = Carrier::Socks {
            port: dead.local_addr().unwrap().port(),
            fallback: None,
        };
        drop(dead);
        let p = free_port();
        let target = Target {
            host: LoopbackHost::V4,
            port: p,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let tx = std::sync::Mutex::new(tx);
        let report: Report = Arc::new(move |ev: Event<'_>| {
            if let Event::Failed(t, e) = ev {
                tx.lock().unwrap().send(format!("{t}: {e}")).unwrap();
            }
        });
        let serving = serve(bind(LoopbackHost::V4, p).unwrap(), carrier, target, report);
        let _c = TcpStream::connect(("127.0.0.1", p)).unwrap();
        let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            got.starts_with(&format!("127.0.0.1:{p}: ssh's SOCKS port failed")),
            "{got}"
        );
        serving.close();
        assert!(TcpStream::connect(("127.0.0.1", p)).is_err());
    }
}
