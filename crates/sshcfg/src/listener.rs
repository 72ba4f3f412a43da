//! What ssh binds on the local machine for a host's forwards, and where each connects.
//!
//! ssh sets its local forwards up in `ssh -G` order (`ssh_init_forwarding`); each one binds the
//! addresses `channel_fwd_bind_addr` (channels.c) picks for it, with `is_client` set:
//!
//! | bind address               | `GatewayPorts` | listens on                          |
//! |----------------------------|----------------|-------------------------------------|
//! | none (`LocalForward 1455 …`) | no           | loopback (`127.0.0.1` and `::1`)    |
//! | none                       | yes            | every interface                     |
//! | `*` or empty               | any            | every interface                     |
//! | `localhost` (exactly)      | any            | loopback (`127.0.0.1` and `::1`)    |
//! | anything else              | any            | that address (or what the name resolves to) |
//!
//! The first forward to listen on a port wins it; a later one of the same port fails to bind
//! (or binds another address family and competes for `localhost`), and ssh warns on every
//! connection. A forward therefore *tunnels* local port `L` to the remote machine's IPv4
//! loopback port `P` when it is the first listener of `L`, listens on loopback only, and
//! connects to `localhost:P` or `127.0.0.1:P` (sshd tries each address `localhost` resolves
//! to, so a server listening on `127.0.0.1` only is reached; `::1` is not).

use std::net::IpAddr;

use crate::forward::{Connect, Forward, Listen};
use crate::loc::Loc;
use crate::resolve::{EffectiveForward, Resolution};

/// Where a forward's listening socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "kind", content = "address")
)]
pub enum BindScope {
    /// Loopback only.
    Loopback,
    /// Every interface: anyone who can reach the machine can connect.
    Everywhere,
    /// A given address or name that is not known to be loopback.
    Address(String),
}

impl BindScope {
    /// The scope of a listening side, as `channel_fwd_bind_addr` decides it for ssh's local
    /// forwards (`is_client`), under the host's `GatewayPorts`.
    pub fn of(listen: &Listen, gateway_ports: bool) -> Option<BindScope> {
        let Listen::Port { bind, .. } = listen else {
            return None;
        };
        Some(match bind.as_deref() {
            None if gateway_ports => BindScope::Everywhere,
            None | Some("localhost") => BindScope::Loopback,
            Some("" | "*") => BindScope::Everywhere,
            Some(addr) => match addr.parse::<IpAddr>() {
                Ok(ip) if ip.is_loopback() => BindScope::Loopback,
                Ok(ip) if ip.is_unspecified() => BindScope::Everywhere,
                _ => BindScope::Address(addr.to_string()),
            },
        })
    }

    /// Loopback only?
    pub fn is_loopback(&self) -> bool {
        *self == BindScope::Loopback
    }
}

/// One TCP listener ssh sets up for a host.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Listener {
    /// The local port.
    pub port: u16,
    /// Where it listens.
    pub scope: BindScope,
    /// The forward (and its line).
    pub forward: EffectiveForward,
    /// Whether an earlier forward already listens on this port (this one then fails to bind,
    /// or competes with it).
    pub shadowed: bool,
}

/// Why a host has no forward that tunnels a local port to the remote loopback port.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "code"))]
pub enum Blocker {
    /// No forward listens on the local port.
    Missing,
    /// `ClearAllForwardings yes` drops every forward.
    Cleared {
        /// The `ClearAllForwardings` line.
        at: Loc,
    },
    /// The first listener of the port connects somewhere else.
    WrongTarget {
        /// Its `LocalForward` line.
        at: Loc,
    },
    /// The first listener of the port is on a loopback address `localhost` does not reach
    /// (`127.0.0.2`, `0::1` spelled so, ...): the browser's `localhost:L` finds nothing there.
    WrongBind {
        /// Its line.
        at: Loc,
    },
    /// The first listener of the port listens beyond loopback.
    BeyondLoopback {
        /// Its line.
        at: Loc,
        /// Where it listens.
        scope: BindScope,
    },
    /// A forward that tunnels the port exists, but another forward listens on the port first.
    NotFirstListener {
        /// The forward that would tunnel.
        at: Loc,
        /// The one that wins the port.
        first: Loc,
    },
}

impl Blocker {
    /// A stable name: `missing`, `cleared`, `wrong-target`, `wrong-bind`, `beyond-loopback`,
    /// `not-first-listener`.
    pub fn code(&self) -> &'static str {
        match self {
            Blocker::Missing => "missing",
            Blocker::Cleared { .. } => "cleared",
            Blocker::WrongTarget { .. } => "wrong-target",
            Blocker::WrongBind { .. } => "wrong-bind",
            Blocker::BeyondLoopback { .. } => "beyond-loopback",
            Blocker::NotFirstListener { .. } => "not-first-listener",
        }
    }

    /// The line responsible, if any.
    pub fn at(&self) -> Option<Loc> {
        match self {
            Blocker::Missing => None,
            Blocker::Cleared { at }
            | Blocker::WrongTarget { at }
            | Blocker::WrongBind { at }
            | Blocker::BeyondLoopback { at, .. }
            | Blocker::NotFirstListener { at, .. } => Some(*at),
        }
    }
}

/// Does the target reach a server listening on the remote machine's `127.0.0.1:port`?
pub fn connects_to_remote_loopback(connect: &Connect, port: u16) -> bool {
    matches!(connect, Connect::Port { host, port: p }
        if *p == port && (host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"))
}

/// Does a connection to `localhost:port` on this machine reach a listener with this bind
/// address? No address (without `GatewayPorts yes`), or `localhost`, `127.0.0.1` or `::1`
/// spelled so (clients try `::1` and `127.0.0.1`).
pub fn reached_as_localhost(listen: &Listen, gateway_ports: bool) -> bool {
    match listen {
        Listen::Port { bind: None, .. } => !gateway_ports,
        Listen::Port { bind: Some(b), .. } => {
            matches!(b.as_str(), "localhost" | "127.0.0.1" | "::1")
        }
        Listen::Path(_) => false,
    }
}

/// Is this a forward a loopback tunnel of `local` to `remote` is written as: listening on
/// `local` with no bind address or a loopback one (`localhost`, `127.0.0.1`, `::1`), to
/// `localhost:remote` or `127.0.0.1:remote`?
pub fn is_loopback_tunnel(f: &Forward, local: u16, remote: u16) -> bool {
    let loopback_bind = match &f.listen {
        Listen::Port { bind: None, port } => *port == local,
        Listen::Port {
            bind: Some(b),
            port,
        } => *port == local && matches!(b.as_str(), "localhost" | "127.0.0.1" | "::1"),
        Listen::Path(_) => false,
    };
    loopback_bind && connects_to_remote_loopback(&f.connect, remote)
}

impl Resolution {
    /// The TCP listeners ssh sets up for this host, in order (none under
    /// `ClearAllForwardings yes`).
    pub fn listeners(&self) -> Vec<Listener> {
        let gateway = self.gateway_ports();
        let mut seen: Vec<u16> = Vec::new();
        let mut out = Vec::new();
        for f in &self.forwards {
            let Some(scope) = BindScope::of(&f.forward.listen, gateway) else {
                continue;
            };
            let port = f.forward.listen_port().expect("a TCP listener");
            let shadowed = seen.contains(&port);
            seen.push(port);
            out.push(Listener {
                port,
                scope,
                forward: f.clone(),
                shadowed,
            });
        }
        out
    }

    /// The forward that carries local port `local` to the remote machine's `127.0.0.1:remote`
    /// over loopback only, or why there is none (see the module docs).
    pub fn loopback_tunnel(&self, local: u16, remote: u16) -> Result<EffectiveForward, Blocker> {
        if let Some(c) = self
            .clear_all_forwardings
            .as_ref()
            .filter(|c| c.value.is_yes())
        {
            return Err(Blocker::Cleared { at: c.loc });
        }
        let listeners: Vec<Listener> = self
            .listeners()
            .into_iter()
            .filter(|l| l.port == local)
            .collect();
        let Some(first) = listeners.first() else {
            return Err(Blocker::Missing);
        };
        let gateway = self.gateway_ports();
        let carries = |l: &Listener| {
            reached_as_localhost(&l.forward.forward.listen, gateway)
                && connects_to_remote_loopback(&l.forward.forward.connect, remote)
        };
        if carries(first) {
            return Ok(first.forward.clone());
        }
        if let Some(later) = listeners.iter().find(|l| carries(l)) {
            return Err(Blocker::NotFirstListener {
                at: later.forward.loc,
                first: first.forward.loc,
            });
        }
        let at = first.forward.loc;
        Err(if !first.scope.is_loopback() {
            Blocker::BeyondLoopback {
                at,
                scope: first.scope.clone(),
            }
        } else if !connects_to_remote_loopback(&first.forward.forward.connect, remote) {
            Blocker::WrongTarget { at }
        } else {
            Blocker::WrongBind { at }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(listen: &str, gw: bool) -> BindScope {
        let f = Forward::from_args(listen, "localhost:1").unwrap();
        BindScope::of(&f.listen, gw).unwrap()
    }

    #[test]
    fn bind_scopes_follow_channel_fwd_bind_addr() {
        use BindScope::*;
        assert_eq!(scope("1455", false), Loopback);
        assert_eq!(scope("1455", true), Everywhere);
        for gw in [false, true] {
            assert_eq!(scope("localhost:1455", gw), Loopback);
            assert_eq!(scope("127.0.0.1:1455", gw), Loopback);
            assert_eq!(scope("[::1]:1455", gw), Loopback);
            assert_eq!(scope("*:1455", gw), Everywhere);
            assert_eq!(scope(":1455", gw), Everywhere);
            assert_eq!(scope("0.0.0.0:1455", gw), Everywhere);
            assert_eq!(scope("[::]:1455", gw), Everywhere);
            // Only the exact string `localhost` is special; other names are resolved.
            assert_eq!(scope("LOCALHOST:1455", gw), Address("LOCALHOST".into()));
            assert_eq!(scope("192.0.2.1:1455", gw), Address("192.0.2.1".into()));
        }
    }

    #[test]
    fn loopback_tunnel_targets() {
        let ok =
            |a: &str, b: &str| is_loopback_tunnel(&Forward::from_args(a, b).unwrap(), 1455, 1455);
        assert!(ok("1455", "localhost:1455"));
        assert!(ok("localhost:1455", "127.0.0.1:1455"));
        assert!(ok("[::1]:1455", "LocalHost:1455"));
        assert!(!ok("1455", "[::1]:1455"));
        assert!(!ok("*:1455", "localhost:1455"));
        assert!(!ok("1455", "localhost:8080"));
        assert!(!ok("1456", "localhost:1455"));
    }
}
