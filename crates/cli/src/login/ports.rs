//! Which remote ports a login may forward, and to which port of this machine (`--port`,
//! `--local-port`).

use std::collections::HashSet;
use std::net::TcpListener;

use super::listen;
use crate::args::PortPair;

/// A free port on 127.0.0.1 for ssh's dynamic forward, chosen just before ssh starts.
pub(super) fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `--port` and `--local-port`: which remote ports may be forwarded, and to which port here.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct PortMap {
    /// Empty: every port a URL names (>= 1024) is forwarded to the same port here.
    pub(super) pairs: Vec<PortPair>,
    /// The port here for the first `--port` (or 1455, Codex's, without `--port`).
    pub(super) local_port: Option<u16>,
}

impl PortMap {
    pub(super) fn new(pairs: &[PortPair], local_port: Option<u16>) -> Result<PortMap, String> {
        if local_port.is_some() && pairs.len() > 1 {
            return Err("--local-port pairs with a single --port; give several as --port LOCAL:REMOTE,LOCAL:REMOTE".into());
        }
        if local_port.is_some() && pairs.iter().any(|p| p.local.is_some()) {
            return Err(
                "--local-port and --port LOCAL:REMOTE both name the local port; give one".into(),
            );
        }
        let map = PortMap {
            pairs: pairs.to_vec(),
            local_port,
        };
        // Checked here, before ssh runs: the listener would refuse them only once a URL is
        // seen, and the login would then wait for a callback that cannot come.
        let low = |p: u16| p < listen::LOWEST_PORT;
        let given = match pairs {
            [] => local_port
                .filter(|&l| low(l))
                .map(|l| format!("--local-port {l}")),
            _ => pairs.iter().enumerate().find_map(|(i, p)| {
                let here = map.local_for(p.remote).unwrap_or(p.remote);
                (low(here)).then(|| match (p.local, local_port.filter(|_| i == 0)) {
                    (Some(l), _) => format!("--port {l}:{}", p.remote),
                    (None, Some(l)) => format!("--local-port {l}"),
                    (None, None) => format!("--port {}", p.remote),
                })
            }),
        };
        if let Some(given) = given {
            return Err(format!(
                "`{given}`: a login never listens on a port below {} here; choose a port from {} up",
                listen::LOWEST_PORT,
                listen::LOWEST_PORT
            ));
        }
        let mut seen = HashSet::new();
        for p in pairs {
            if !seen.insert(map.local_for(p.remote).unwrap_or(p.remote)) {
                return Err(format!(
                    "local port {} is given twice",
                    map.local_for(p.remote).unwrap_or(p.remote)
                ));
            }
        }
        Ok(map)
    }

    /// The port here for a remote port, or `None` when `--port` does not list it.
    pub(super) fn local_for(&self, remote: u16) -> Option<u16> {
        if self.pairs.is_empty() {
            let codex = self.local_port.filter(|_| remote == 1455);
            return Some(codex.unwrap_or(remote));
        }
        let i = self.pairs.iter().position(|p| p.remote == remote)?;
        let p = self.pairs[i];
        Some(
            p.local
                .or(self.local_port.filter(|_| i == 0))
                .unwrap_or(remote),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(local: Option<u16>, remote: u16) -> PortPair {
        PortPair { local, remote }
    }

    #[test]
    fn port_maps() {
        let m = PortMap::new(&[], None).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(53682)),
            (Some(1455), Some(53682))
        );
        // --local-port alone moves Codex's 1455 only; every other port stays as it is.
        let m = PortMap::new(&[], Some(2455)).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(1457)),
            (Some(2455), Some(1457))
        );
        // --port lists the ports that may be forwarded, LOCAL:REMOTE moves one.
        let m = PortMap::new(&[pp(None, 1455), pp(None, 1457)], None).unwrap();
        assert_eq!((m.local_for(1457), m.local_for(8085)), (Some(1457), None));
        let m = PortMap::new(&[pp(Some(2455), 1455), pp(None, 1457)], None).unwrap();
        assert_eq!(
            (m.local_for(1455), m.local_for(1457)),
            (Some(2455), Some(1457))
        );
        let m = PortMap::new(&[pp(None, 8080)], Some(9090)).unwrap();
        assert_eq!(m.local_for(8080), Some(9090));
        assert!(PortMap::new(&[pp(None, 1455), pp(None, 1457)], Some(2455)).is_err());
        assert!(PortMap::new(&[pp(Some(1), 1455)], Some(2455)).is_err());
        let e = PortMap::new(&[pp(Some(1457), 1455), pp(None, 1457)], None).unwrap_err();
        assert!(e.contains("1457 is given twice"), "{e}");
        // Ports here below 1024 are refused before ssh runs (a URL naming one would never be
        // forwarded, and the login would wait for nothing); a remote one moved above is fine.
        for (pairs, local, given) in [
            (&[][..], Some(80), "`--local-port 80`"),
            (&[pp(None, 1455)][..], Some(1023), "`--local-port 1023`"),
            (&[pp(Some(443), 1455)][..], None, "`--port 443:1455`"),
            (&[pp(None, 1455), pp(None, 22)][..], None, "`--port 22`"),
        ] {
            let e = PortMap::new(pairs, local).unwrap_err();
            assert!(
                e.starts_with(given) && e.contains("below 1024"),
                "{pairs:?} {local:?}: {e}"
            );
        }
        assert!(PortMap::new(&[pp(Some(2455), 80)], None).is_ok());
        assert!(PortMap::new(&[pp(None, 80)], Some(1024)).is_ok());
    }
}
