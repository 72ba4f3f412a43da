//! What ssh binds on the local machine for a host's forwards, where each one connects, and
//! which forward carries connections made to a given address and port.
//!
//! ssh sets its local forwards up in `ssh -G` order (`ssh_init_forwarding`); each one binds the
//! addresses `channel_fwd_bind_addr` (channels.c) picks for it, with `is_client` set, then
//! `getaddrinfo` (checked with `ssh -L` on OpenSSH 9.2p1 and `ss -ltn`):
//!
//! | bind address                   | `GatewayPorts` | listens on                                |
//! |--------------------------------|----------------|-------------------------------------------|
//! | none (`LocalForward 1455 …`)   | no             | loopback: `127.0.0.1` and `::1`           |
//! | none                           | yes            | every interface: `0.0.0.0` and `::`       |
//! | `*` or empty                   | any            | every interface: `0.0.0.0` and `::`       |
//! | `localhost` (exactly)          | any            | loopback: `127.0.0.1` and `::1`           |
//! | `LOCALHOST`, `LocalHost`, ...  | any            | what the resolver gives for the name: the hosts file is matched in any letter case, so loopback (`127.0.0.1`, and `::1` where the hosts file has it) |
//! | `127.0.0.1`, `127.1`, `0x7f.1` | any            | that IPv4 address (`getaddrinfo` reads the `inet_aton` forms) |
//! | `::1`                          | any            | `::1` alone: a client of `127.0.0.1` finds nothing |
//! | `0.0.0.0` (`0`, ...), `::`     | any            | every interface of that family alone: `[::]:P` takes no connection to `127.0.0.1` |
//! | any other name                 | any            | what it resolves to (not looked up here)  |
//!
//! ssh opens one socket for each of those addresses ([`Socket`]) and sets `IPV6_V6ONLY` on
//! every IPv6 one, so an IPv4 and an IPv6 socket of one port never share connections or stand
//! in each other's way (checked with a real sshd: `LocalForward [::]:P ...` then
//! `LocalForward 127.0.0.1:P ...` both listen, and a connection to `127.0.0.1:P` reaches the
//! second). Within a family, a socket fails to bind (ssh says so and goes on with the
//! forward's other sockets) where an earlier one of the port holds its address or the family's
//! wildcard, or where it is the wildcard and an earlier one holds any address of the family
//! (Linux's rule for listening sockets); a socket on another address binds beside it. A
//! connection to address `A` port `L` goes to the one socket of `L` bound to `A` or to `A`'s
//! family's wildcard: the first forward of `L` that binds such a socket. So a forward *carries*
//! `A:L` to a server on the remote machine's `S:P` when it is that forward, listens on loopback
//! only, and its target reaches `S:P` from the remote machine (see [`TargetHost::reaches`]).
//! Which `A` and `S` matter is the caller's business: a browser following a redirect to
//! `http://127.0.0.1:1455/...` connects to `127.0.0.1` and nothing else.

use crate::setting;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::forward::{Connect, Forward, Listen};
use crate::loc::Loc;
use crate::options::AddressFamily;
use crate::resolve::{EffectiveForward, Resolution};

/// Which loopback addresses a loopback-only listener binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LoopbackAddrs {
    /// Both families' loopback, `127.0.0.1` and `::1` (ssh's default, a `localhost` bind).
    Both,
    /// One address (`127.0.0.1`, `::1`, `127.0.0.2`, ...).
    One(IpAddr),
}

impl LoopbackAddrs {
    /// Does a listener on these addresses accept a connection to `addr`?
    pub fn accepts(self, addr: IpAddr) -> bool {
        match self {
            LoopbackAddrs::Both => {
                addr == IpAddr::V4(Ipv4Addr::LOCALHOST) || addr == IpAddr::V6(Ipv6Addr::LOCALHOST)
            }
            LoopbackAddrs::One(a) => a == addr,
        }
    }
}

/// Where a forward's listening socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "kind", content = "address")
)]
pub enum BindScope {
    /// Loopback only, on these addresses.
    Loopback(LoopbackAddrs),
    /// Every interface of these families (`Any`: both, `0.0.0.0` and `::`; `Inet`: `0.0.0.0`
    /// alone; `Inet6`: `::` alone): anyone who can reach the machine can connect.
    Everywhere(AddressFamily),
    /// A given address or name that is not known to be loopback.
    Address(String),
}

/// An IPv4 address as `inet_aton` reads it (`127.1`, `0x7f.0.0.1`, `2130706433`), which is
/// what `getaddrinfo` accepts for a numeric IPv4 host; or an IPv6 address.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    inet_aton(s).map(IpAddr::V4)
}

/// glibc's `inet_aton`, as the final pass's host name reads it too (one reading of it).
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    crate::resolve::inet_aton(s.as_bytes()).map(Ipv4Addr::from)
}

impl BindScope {
    /// The scope of a listening side, as `channel_fwd_bind_addr` and `getaddrinfo` decide it
    /// for ssh's local forwards (`is_client`), under the host's `GatewayPorts`.
    pub fn of(listen: &Listen, gateway_ports: bool) -> Option<BindScope> {
        let Listen::Port { bind, .. } = listen else {
            return None;
        };
        Some(match bind.as_deref() {
            None if gateway_ports => BindScope::Everywhere(AddressFamily::Any),
            None => BindScope::Loopback(LoopbackAddrs::Both),
            Some(b) if b.eq_ignore_ascii_case("localhost") => {
                BindScope::Loopback(LoopbackAddrs::Both)
            }
            Some("" | "*") => BindScope::Everywhere(AddressFamily::Any),
            Some(addr) => match parse_ip(addr) {
                Some(ip) if ip.is_loopback() => BindScope::Loopback(LoopbackAddrs::One(ip)),
                Some(ip) if ip.is_unspecified() => BindScope::Everywhere(family_of(ip)),
                _ => BindScope::Address(addr.to_string()),
            },
        })
    }

    /// The sockets ssh opens for a listener of this scope, one per address (both loopback
    /// addresses for `localhost`, both wildcards for every interface).
    pub fn sockets(&self) -> Vec<Socket> {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        match self {
            BindScope::Loopback(LoopbackAddrs::Both) => vec![Socket::At(v4), Socket::At(v6)],
            BindScope::Loopback(LoopbackAddrs::One(ip)) => vec![Socket::At(*ip)],
            BindScope::Everywhere(AddressFamily::Any) => vec![
                Socket::Wildcard(AddressFamily::Inet),
                Socket::Wildcard(AddressFamily::Inet6),
            ],
            BindScope::Everywhere(f) => vec![Socket::Wildcard(*f)],
            BindScope::Address(a) => vec![match parse_ip(a) {
                Some(ip) => Socket::At(ip),
                None => Socket::Unknown,
            }],
        }
    }

    /// Loopback only?
    pub fn is_loopback(&self) -> bool {
        matches!(self, BindScope::Loopback(_))
    }

    /// Do two listeners of one port with these scopes want a common address (so the later one
    /// fails to bind there: [`Socket::clashes`])? Listeners on different addresses (`[::1]` and
    /// `127.0.0.1`, `[::]` and `127.0.0.1`) bind side by side; a name that is not looked up is
    /// taken to overlap.
    pub fn overlaps(&self, other: &BindScope) -> bool {
        let theirs = other.sockets();
        self.sockets()
            .iter()
            .any(|a| theirs.iter().any(|b| a.clashes(*b)))
    }

    /// The scope when ssh resolves the bind address for `family` only (`AddressFamily`): `localhost`
    /// keeps that family's loopback address and every interface that family's wildcard, a
    /// numeric address or wildcard of the other family cannot be bound at all (`None`: "Could
    /// not request local forwarding"); names are left as they are.
    pub fn in_family(self, family: AddressFamily) -> Option<BindScope> {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        match (self, family) {
            (s, AddressFamily::Any) => Some(s),
            (BindScope::Loopback(LoopbackAddrs::Both), AddressFamily::Inet) => {
                Some(BindScope::Loopback(LoopbackAddrs::One(v4)))
            }
            (BindScope::Loopback(LoopbackAddrs::Both), AddressFamily::Inet6) => {
                Some(BindScope::Loopback(LoopbackAddrs::One(v6)))
            }
            (BindScope::Loopback(LoopbackAddrs::One(ip)), f) if !f.admits(ip) => None,
            (BindScope::Everywhere(AddressFamily::Any), f) => Some(BindScope::Everywhere(f)),
            (BindScope::Everywhere(g), f) if g != f => None,
            (s, _) => Some(s),
        }
    }

    /// Does a listener of this scope accept a connection made on this machine to `addr`
    /// (`false` for a name, which is not looked up)?
    pub fn accepts(&self, addr: IpAddr) -> bool {
        match self {
            BindScope::Loopback(l) => l.accepts(addr),
            BindScope::Everywhere(f) => f.admits(addr),
            BindScope::Address(_) => false,
        }
    }

    /// Might a listener of this scope take connections to `addr` beyond loopback: every
    /// interface of `addr`'s family, or an address or name not known to be loopback?
    fn may_expose(&self, addr: IpAddr) -> bool {
        match self {
            BindScope::Loopback(_) => false,
            BindScope::Everywhere(f) => f.admits(addr),
            BindScope::Address(_) => true,
        }
    }
}

/// The family of an address (`Inet` or `Inet6`).
fn family_of(ip: IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// One listening socket ssh opens for a forward: channels.c's `channel_setup_fwd_listener_tcpip`
/// opens one for each address `getaddrinfo` gives for the bind address, each IPv6 one with
/// `IPV6_V6ONLY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "kind", content = "address")
)]
pub enum Socket {
    /// A family's wildcard (`Inet`: `0.0.0.0`, `Inet6`: `::`): every address of that family.
    Wildcard(AddressFamily),
    /// One address.
    At(IpAddr),
    /// The addresses of a name that is not looked up here.
    Unknown,
}

impl Socket {
    /// Does this socket take connections to `addr`? (`false` for a name's.)
    pub fn accepts(self, addr: IpAddr) -> bool {
        match self {
            Socket::Wildcard(f) => f.admits(addr),
            Socket::At(a) => a == addr,
            Socket::Unknown => false,
        }
    }

    /// Do two sockets of one port want a common address, so that the later one fails to bind?
    /// Only within a family (`IPV6_V6ONLY`): a wildcard clashes with every address of its
    /// family, an address with itself; a name's, not looked up, is taken to clash with any.
    pub fn clashes(self, other: Socket) -> bool {
        match (self, other) {
            (Socket::Unknown, _) | (_, Socket::Unknown) => true,
            (Socket::Wildcard(f), Socket::Wildcard(g)) => f == g,
            (Socket::Wildcard(f), Socket::At(ip)) | (Socket::At(ip), Socket::Wildcard(f)) => {
                f.admits(ip)
            }
            (Socket::At(a), Socket::At(b)) => a == b,
        }
    }
}

/// A forward's target host, as the remote machine's sshd connects to it (`getaddrinfo`, then
/// each address in turn until one connects).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", tag = "kind", content = "address")
)]
pub enum TargetHost {
    /// `localhost` in any letter case: the loopback addresses of the remote's hosts file
    /// (`127.0.0.1`, and `::1` where listed), tried in turn.
    Localhost,
    /// A numeric address (the `inet_aton` forms included: `127.1`).
    Addr(IpAddr),
    /// Any other name (not looked up).
    Name(String),
}

impl TargetHost {
    /// How sshd reads a target host.
    pub fn of(host: &str) -> TargetHost {
        if host.eq_ignore_ascii_case("localhost") {
            return TargetHost::Localhost;
        }
        match parse_ip(host) {
            Some(ip) => TargetHost::Addr(ip),
            None => TargetHost::Name(host.to_string()),
        }
    }

    /// Does a connection made on the remote machine to this target reach a server listening
    /// on `server` there? `localhost` reaches either loopback address (sshd tries each); the
    /// unspecified address (`0.0.0.0`, `::`) is connected to that family's loopback
    /// (`127.0.0.1`, `::1`) by Linux, checked with a listener on `127.0.0.1`; a name is not
    /// looked up.
    pub fn reaches(&self, server: IpAddr) -> bool {
        match self {
            TargetHost::Localhost => LoopbackAddrs::Both.accepts(server),
            TargetHost::Addr(a) if a.is_unspecified() => match a {
                IpAddr::V4(_) => server == IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => server == IpAddr::V6(Ipv6Addr::LOCALHOST),
            },
            TargetHost::Addr(a) => *a == server,
            TargetHost::Name(_) => false,
        }
    }
}

/// The addresses at the two ends of a tunnel, ports apart: the one clients connect to on this
/// machine, and the one the server listens on on the remote machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TunnelEnds {
    /// Where clients connect on this machine (a browser: the redirect's host).
    pub client: IpAddr,
    /// Where the server listens on the remote machine.
    pub server: IpAddr,
}

impl TunnelEnds {
    /// `127.0.0.1` on both sides.
    pub const IPV4_LOOPBACK: TunnelEnds = TunnelEnds {
        client: IpAddr::V4(Ipv4Addr::LOCALHOST),
        server: IpAddr::V4(Ipv4Addr::LOCALHOST),
    };

    /// Does `f`, listening on `scope`, carry connections to `client` to a server on `server`
    /// port `remote` (loopback only, not a SOCKS listener)?
    pub fn carried_by(&self, f: &Forward, scope: &BindScope, remote: u16) -> bool {
        scope.is_loopback() && scope.accepts(self.client) && self.reached_by(&f.connect, remote)
    }

    /// Does a target reach the server on port `remote`?
    pub fn reached_by(&self, connect: &Connect, remote: u16) -> bool {
        matches!(connect, Connect::Port { host, port } if *port == remote
            && !(host == "socks" && *port == 0)
            && TargetHost::of(host).reaches(self.server))
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
    /// Whether an earlier forward already listens on this port on an address this one wants
    /// (see [`Socket::clashes`]): this one then fails to bind there, and ssh says so.
    pub shadowed: bool,
    /// The sockets it binds: those of its scope that no socket an earlier forward of the port
    /// bound stands in the way of (a name's, not looked up, is taken to bind and to stand in
    /// the way of every later one). Empty when it binds nothing: ssh then says "Could not
    /// request local forwarding".
    pub binds: Vec<Socket>,
}

impl Listener {
    /// Does it take connections to `addr` (one of the sockets it binds does)?
    pub fn accepts(&self, addr: IpAddr) -> bool {
        self.binds.iter().any(|s| s.accepts(addr))
    }
}

/// Why a host has no forward that carries a local address and port to the remote server.
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
    /// The listener that gets the connections connects somewhere else.
    WrongTarget {
        /// Its `LocalForward` line.
        at: Loc,
    },
    /// The listener that gets the connections is a `DynamicForward`: a SOCKS proxy, which a
    /// plain client (a browser's HTTP request) cannot use.
    SocksProxy {
        /// Its `DynamicForward` line.
        at: Loc,
    },
    /// No forward of the port listens on the client's address, and none that listens beyond
    /// loopback could (`[::1]:1455` alone, `127.0.0.2:1455`, `[::]:1455` alone, for a client
    /// of `127.0.0.1`).
    WrongBind {
        /// The first forward of the port.
        at: Loc,
    },
    /// The listener that gets the connections (or, when none does, the first of the port)
    /// listens beyond loopback.
    BeyondLoopback {
        /// Its line.
        at: Loc,
        /// Where it listens.
        scope: BindScope,
    },
    /// A forward that carries the port exists, but another forward gets the connections first.
    NotFirstListener {
        /// The forward that would carry.
        at: Loc,
        /// The one that gets the connections.
        first: Loc,
    },
    /// A `RemoteForward` of the host makes sshd listen on the remote port the server needs, so
    /// the server cannot listen there.
    RemotePortTaken {
        /// The `RemoteForward` line.
        at: Loc,
    },
}

impl Blocker {
    /// A stable name: `missing`, `cleared`, `wrong-target`, `socks-proxy`, `wrong-bind`,
    /// `beyond-loopback`, `not-first-listener`, `remote-port-taken`.
    pub fn code(&self) -> &'static str {
        match self {
            Blocker::Missing => "missing",
            Blocker::Cleared { .. } => "cleared",
            Blocker::WrongTarget { .. } => "wrong-target",
            Blocker::SocksProxy { .. } => "socks-proxy",
            Blocker::WrongBind { .. } => "wrong-bind",
            Blocker::BeyondLoopback { .. } => "beyond-loopback",
            Blocker::NotFirstListener { .. } => "not-first-listener",
            Blocker::RemotePortTaken { .. } => "remote-port-taken",
        }
    }

    /// The line responsible, if any.
    pub fn at(&self) -> Option<Loc> {
        match self {
            Blocker::Missing => None,
            Blocker::Cleared { at }
            | Blocker::WrongTarget { at }
            | Blocker::SocksProxy { at }
            | Blocker::WrongBind { at }
            | Blocker::BeyondLoopback { at, .. }
            | Blocker::NotFirstListener { at, .. }
            | Blocker::RemotePortTaken { at } => Some(*at),
        }
    }
}

/// Is this a forward a loopback tunnel of `local` to `remote` is written as: listening on
/// `local` with no bind address or a loopback one (`localhost` in any case, `127.0.0.1`,
/// `127.1`, `::1`, ...), to a target that reaches the remote machine's `127.0.0.1:remote`
/// (`localhost`, `127.0.0.1`, `127.1`, `0.0.0.0`)? These are what `enable` may write and what
/// `disable` removes.
pub fn is_loopback_tunnel(f: &Forward, local: u16, remote: u16) -> bool {
    let listens = match &f.listen {
        Listen::Port { bind: None, port } => *port == local,
        Listen::Port { port, .. } => {
            *port == local && BindScope::of(&f.listen, false).is_some_and(|s| s.is_loopback())
        }
        Listen::Path(_) => false,
    };
    listens && TunnelEnds::IPV4_LOOPBACK.reached_by(&f.connect, remote)
}

impl Resolution {
    /// The TCP listeners ssh sets up for this host, in order (none under
    /// `ClearAllForwardings yes`).
    pub fn listeners(&self) -> Vec<Listener> {
        let mut out: Vec<Listener> = Vec::new();
        for f in &self.forwards {
            let Some(scope) = self.bind_scope(&f.forward.listen) else {
                continue;
            };
            let port = f.forward.listen_port().expect("a TCP listener");
            let mut shadowed = false;
            let mut binds = scope.sockets();
            binds.retain(|&s| {
                let earlier = (out.iter().filter(|l| l.port == port)).flat_map(|l| &l.binds);
                let clashing = earlier.filter(|&&b| s.clashes(b)).count() > 0;
                shadowed |= clashing;
                // A name's socket is taken to bind, and (it may be any address, loopback
                // included: `vm` in /etc/hosts) to keep every later socket of the port from
                // binding: claiming a later forward carries the login could be false.
                s == Socket::Unknown || !clashing
            });
            out.push(Listener {
                port,
                scope,
                forward: f.clone(),
                shadowed,
                binds,
            });
        }
        out
    }

    /// Where ssh listens for a forward's listening side for this host: [`BindScope::of`] under
    /// its `GatewayPorts`, within its `AddressFamily` (`None`: a socket path, or an address ssh
    /// cannot bind in that family).
    pub fn bind_scope(&self, listen: &Listen) -> Option<BindScope> {
        let scope = BindScope::of(listen, self.gateway_ports())?;
        match self.get::<setting::AddressFamily>() {
            Some(f) => scope.in_family(f.value),
            None => Some(scope),
        }
    }

    /// [`Resolution::tunnel`] with `127.0.0.1` on both sides.
    pub fn loopback_tunnel(&self, local: u16, remote: u16) -> Result<EffectiveForward, Blocker> {
        self.tunnel(local, remote, TunnelEnds::IPV4_LOOPBACK)
    }

    /// The forward that carries connections to `ends.client` port `local` on this machine to a
    /// server on the remote machine's `ends.server` port `remote`, over loopback only, or why
    /// there is none (see the module docs).
    // (Inlined: a caller that asks it of every host of a large config learns most hosts' answer
    // here, where no listener is looked at, without a call.)
    #[inline]
    pub fn tunnel(
        &self,
        local: u16,
        remote: u16,
        ends: TunnelEnds,
    ) -> Result<EffectiveForward, Blocker> {
        if let Some(c) = self
            .get::<setting::ClearAllForwardings>()
            .as_ref()
            .filter(|c| c.value.is_yes())
        {
            return Err(Blocker::Cleared { at: c.loc });
        }
        // No forward of that port (most hosts of a large config): no listener to look at.
        if !self
            .forwards
            .iter()
            .any(|f| f.forward.listen_port() == Some(local))
        {
            return Err(Blocker::Missing);
        }
        self.tunnel_through_listeners(local, remote, ends)
    }

    /// [`Resolution::tunnel`] when a forward listens on `local` and forwards are not cleared:
    /// the listeners of the port decide.
    fn tunnel_through_listeners(
        &self,
        local: u16,
        remote: u16,
        ends: TunnelEnds,
    ) -> Result<EffectiveForward, Blocker> {
        let listeners: Vec<Listener> = self
            .listeners()
            .into_iter()
            .filter(|l| l.port == local)
            .collect();
        let Some(first) = listeners.first() else {
            return Err(Blocker::Missing);
        };
        let carries = |l: &Listener| ends.carried_by(&l.forward.forward, &l.scope, remote);
        // The listener that gets connections to the client's address (one socket can).
        let Some(winner) = listeners.iter().find(|l| l.accepts(ends.client)) else {
            let at = first.forward.loc;
            return Err(
                match listeners.iter().find(|l| l.scope.may_expose(ends.client)) {
                    Some(l) => Blocker::BeyondLoopback {
                        at: l.forward.loc,
                        scope: l.scope.clone(),
                    },
                    None => Blocker::WrongBind { at },
                },
            );
        };
        if !carries(winner) {
            if let Some(later) = listeners.iter().find(|l| carries(l)) {
                return Err(Blocker::NotFirstListener {
                    at: later.forward.loc,
                    first: winner.forward.loc,
                });
            }
            let at = winner.forward.loc;
            return Err(if !winner.scope.is_loopback() {
                Blocker::BeyondLoopback {
                    at,
                    scope: winner.scope.clone(),
                }
            } else if winner.forward.forward.is_dynamic() {
                Blocker::SocksProxy { at }
            } else {
                Blocker::WrongTarget { at }
            });
        }
        if let Some(r) = self
            .remote_listeners
            .iter()
            .find(|r| matches!(&r.value, Listen::Port { port, .. } if *port == remote))
        {
            return Err(Blocker::RemotePortTaken { at: r.loc });
        }
        Ok(winner.forward.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(listen: &str, gw: bool) -> BindScope {
        let f = Forward::from_args(listen, "localhost:1").unwrap();
        BindScope::of(&f.listen, gw).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn bind_scopes_follow_channel_fwd_bind_addr() {
        use BindScope::*;
        let both = Loopback(LoopbackAddrs::Both);
        let one = |s: &str| Loopback(LoopbackAddrs::One(ip(s)));
        assert_eq!(scope("1455", false), both);
        let all = Everywhere(AddressFamily::Any);
        assert_eq!(scope("1455", true), all);
        for gw in [false, true] {
            assert_eq!(scope("localhost:1455", gw), both);
            // Checked with `ssh -L LOCALHOST:P:...` and `ss -ltn`: the resolver's answer for
            // the name, loopback.
            assert_eq!(scope("LOCALHOST:1455", gw), both);
            assert_eq!(scope("127.0.0.1:1455", gw), one("127.0.0.1"));
            // `ssh -L 127.1:P:...` listens on 127.0.0.1 (getaddrinfo reads inet_aton forms).
            assert_eq!(scope("127.1:1455", gw), one("127.0.0.1"));
            assert_eq!(scope("0x7f.0.0.1:1455", gw), one("127.0.0.1"));
            assert_eq!(scope("[::1]:1455", gw), one("::1"));
            assert_eq!(scope("127.0.0.2:1455", gw), one("127.0.0.2"));
            assert_eq!(scope("*:1455", gw), all);
            assert_eq!(scope(":1455", gw), all);
            // A wildcard address binds its own family's wildcard alone.
            assert_eq!(scope("0.0.0.0:1455", gw), Everywhere(AddressFamily::Inet));
            assert_eq!(scope("0:1455", gw), Everywhere(AddressFamily::Inet));
            assert_eq!(scope("[::]:1455", gw), Everywhere(AddressFamily::Inet6));
            assert_eq!(scope("192.0.2.1:1455", gw), Address("192.0.2.1".into()));
            assert_eq!(scope("myhost:1455", gw), Address("myhost".into()));
        }
        let v4 = ip("127.0.0.1");
        assert!(scope("1455", false).accepts(v4));
        assert!(scope("127.1:1455", false).accepts(v4));
        assert!(!scope("[::1]:1455", false).accepts(v4));
        assert!(!scope("127.0.0.2:1455", false).accepts(v4));
        assert!(!scope("[::]:1455", false).accepts(v4));
        assert!(scope("[::]:1455", false).accepts(ip("::1")));
        assert!(scope("0.0.0.0:1455", false).accepts(v4));
        assert!(!scope("0.0.0.0:1455", false).accepts(ip("::1")));
    }

    #[test]
    fn address_family_narrows_what_ssh_binds() {
        // `ssh -o AddressFamily=inet6 -L P:...` listens on [::1]:P only; with `-L 127.0.0.1:P:...`
        // it cannot bind ("Could not request local forwarding"); inet keeps 127.0.0.1.
        let both = scope("1455", false);
        assert_eq!(
            both.clone().in_family(AddressFamily::Inet6),
            Some(BindScope::Loopback(LoopbackAddrs::One(ip("::1"))))
        );
        assert_eq!(
            both.in_family(AddressFamily::Inet),
            Some(BindScope::Loopback(LoopbackAddrs::One(ip("127.0.0.1"))))
        );
        assert_eq!(
            scope("127.0.0.1:1455", false).in_family(AddressFamily::Inet6),
            None
        );
        assert_eq!(
            scope("*:1455", false).in_family(AddressFamily::Inet6),
            Some(BindScope::Everywhere(AddressFamily::Inet6))
        );
        // getaddrinfo("0.0.0.0") for AF_INET6 gives nothing to bind.
        assert_eq!(
            scope("0.0.0.0:1455", false).in_family(AddressFamily::Inet6),
            None
        );
        assert_eq!(
            scope("[::]:1455", false).in_family(AddressFamily::Inet6),
            Some(BindScope::Everywhere(AddressFamily::Inet6))
        );
    }

    #[test]
    fn listeners_of_one_port_on_different_addresses_bind_side_by_side() {
        let s = |l: &str| scope(l, false);
        assert!(!s("[::1]:1455").overlaps(&s("127.0.0.1:1455")));
        assert!(s("[::1]:1455").overlaps(&s("1455")));
        assert!(s("localhost:1455").overlaps(&s("127.1:1455")));
        assert!(!s("127.0.0.2:1455").overlaps(&s("1455")));
        assert!(s("*:1455").overlaps(&s("127.0.0.2:1455")));
        // IPV6_V6ONLY: the IPv6 wildcard holds every IPv6 address and no IPv4 one.
        assert!(!s("[::]:1455").overlaps(&s("127.0.0.1:1455")));
        assert!(!s("[::]:1455").overlaps(&s("0.0.0.0:1455")));
        assert!(s("[::]:1455").overlaps(&s("1455")));
        assert!(s("[::]:1455").overlaps(&s("[::1]:1455")));
        assert!(s("[::]:1455").overlaps(&s("*:1455")));
        assert!(s("0.0.0.0:1455").overlaps(&s("localhost:1455")));
        assert!(!s("0.0.0.0:1455").overlaps(&s("[::1]:1455")));
        assert!(s("myhost:1455").overlaps(&s("[::1]:1455")));
    }

    /// Each forward of a port binds the sockets no earlier one holds, family by family (ssh
    /// sets IPV6_V6ONLY); the first that binds the client's address or its family's wildcard
    /// gets the connection. Checked with a real sshd (`ssh -N` with `LocalForward [::]:P
    /// localhost:8080` then `LocalForward 127.0.0.1:P localhost:Q`: `ss -ltn` shows both, and a
    /// connection to `127.0.0.1:P` reaches `Q`).
    #[test]
    fn a_wildcard_of_one_family_leaves_the_other_to_later_forwards() {
        let ctx = crate::ResolveContext::new("me");
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let tunnel = |lines: &str| {
            let config = format!("Host h\n{lines}");
            let set = crate::ConfigSet::from_main_bytes(config.into_bytes(), &opts).unwrap();
            let r = set.resolve("h", &ctx);
            let binds: Vec<Vec<Socket>> = r.listeners().into_iter().map(|l| l.binds).collect();
            let t = r.loopback_tunnel(1455, 1455);
            (t.map(|f| f.loc.line()).map_err(|b| b.code()), binds)
        };
        let v4 = Socket::At(ip("127.0.0.1"));
        let v6 = Socket::At(ip("::1"));
        let any6 = Socket::Wildcard(AddressFamily::Inet6);
        let any4 = Socket::Wildcard(AddressFamily::Inet);
        let lf = "LocalForward";
        // The finding's two configs: the later forward gets 127.0.0.1.
        assert_eq!(
            tunnel(&format!(
                "{lf} [::]:1455 localhost:8080\n{lf} 127.0.0.1:1455 localhost:1455\n"
            )),
            (Ok(3), vec![vec![any6], vec![v4]])
        );
        assert_eq!(
            tunnel(&format!(
                "{lf} [::]:1455 localhost:8080\n{lf} 1455 localhost:1455\n"
            )),
            (Ok(3), vec![vec![any6], vec![v4]])
        );
        // The other way round the wildcard binds nothing (::1 is taken).
        assert_eq!(
            tunnel(&format!(
                "{lf} 1455 localhost:1455\n{lf} [::]:1455 localhost:8080\n"
            )),
            (Ok(2), vec![vec![v4, v6], vec![]])
        );
        // The IPv4 wildcard does take 127.0.0.1.
        assert_eq!(
            tunnel(&format!(
                "{lf} 0.0.0.0:1455 localhost:8080\n{lf} 1455 localhost:1455\n"
            )),
            (Err("not-first-listener"), vec![vec![any4], vec![v6]])
        );
        // `*` binds both wildcards.
        assert_eq!(
            tunnel(&format!(
                "{lf} *:1455 localhost:8080\n{lf} 1455 localhost:1455\n"
            )),
            (Err("not-first-listener"), vec![vec![any4, any6], vec![]])
        );
        // A forward to the login on [::] alone: nothing listens on 127.0.0.1.
        assert_eq!(
            tunnel(&format!("{lf} [::]:1455 localhost:1455\n")),
            (Err("wrong-bind"), vec![vec![any6]])
        );
        // Under GatewayPorts yes a forward without an address binds both wildcards.
        assert_eq!(
            tunnel(&format!("GatewayPorts yes\n{lf} 1455 localhost:1455\n")).0,
            Err("beyond-loopback")
        );
        // A name is not looked up: it may be any address (`vm` in /etc/hosts is 127.0.0.1, and
        // a real ssh then gets "Address already in use" for the later 127.0.0.1), so it is
        // taken to stand in every later socket's way, and no later forward is said to carry.
        assert_eq!(
            tunnel(&format!(
                "{lf} myhost:1455 localhost:8080\n{lf} 1455 localhost:1455\n"
            )),
            (Err("beyond-loopback"), vec![vec![Socket::Unknown], vec![]])
        );
    }

    #[test]
    fn inet_aton_forms() {
        for (s, want) in [
            ("127.1", Some("127.0.0.1")),
            ("127.0.1", Some("127.0.0.1")),
            ("2130706433", Some("127.0.0.1")),
            ("0177.0.0.1", Some("127.0.0.1")),
            ("0x7f000001", Some("127.0.0.1")),
            ("256.0.0.1", None),
            ("127.65536", Some("127.1.0.0")),
            ("127.16777216", None),
            ("1.2.3.4.5", None),
            ("08.0.0.1", None),
            ("0x", None),
            ("0x.1", None),
            ("0x7f.1", Some("127.0.0.1")),
            ("1.", None),
            ("+1", None),
            ("localhost", None),
            ("", None),
        ] {
            assert_eq!(inet_aton(s), want.map(|w| w.parse().unwrap()), "{s}");
        }
    }

    #[test]
    fn targets_as_sshd_connects() {
        let v4 = ip("127.0.0.1");
        for t in ["localhost", "LOCALHOST", "127.0.0.1", "127.1", "0.0.0.0"] {
            assert!(TargetHost::of(t).reaches(v4), "{t}");
        }
        for t in ["::1", "::", "127.0.0.2", "myhost"] {
            assert!(!TargetHost::of(t).reaches(v4), "{t}");
        }
    }

    #[test]
    fn loopback_tunnel_targets() {
        let ok =
            |a: &str, b: &str| is_loopback_tunnel(&Forward::from_args(a, b).unwrap(), 1455, 1455);
        assert!(ok("1455", "localhost:1455"));
        assert!(ok("localhost:1455", "127.0.0.1:1455"));
        assert!(ok("[::1]:1455", "LocalHost:1455"));
        assert!(ok("127.1:1455", "127.1:1455"));
        assert!(!ok("1455", "[::1]:1455"));
        assert!(!ok("*:1455", "localhost:1455"));
        assert!(!ok("1455", "localhost:8080"));
        assert!(!ok("1456", "localhost:1455"));
        assert!(!ok("1455", "myhost:1455"));
    }
}
