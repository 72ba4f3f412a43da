//! What an edit is asked for: a host name ssh reads as one literal name, a tunnel's ports.

use super::error::EditError;
use crate::config::ConfigSet;
use crate::forward::Forward;
use crate::host::HostAlias;
use crate::listener::is_loopback_tunnel;

/// The ports of a loopback tunnel (`L localhost:P` and its spellings); other forwards are not
/// what `enable` writes.
pub(super) fn tunnel_ports(forward: &Forward) -> Result<(u16, u16), EditError> {
    let ports = match (&forward.listen, &forward.connect) {
        (crate::Listen::Port { port: l, .. }, crate::Connect::Port { port: p, .. }) => {
            Some((*l, *p))
        }
        _ => None,
    };
    match ports {
        Some((l, p)) if is_loopback_tunnel(forward, l, p) => Ok((l, p)),
        _ => Err(EditError::NotATunnel {
            forward: Box::new(forward.clone()),
        }),
    }
}

impl ConfigSet {
    pub(super) fn check_host(host: &str) -> Result<HostAlias, EditError> {
        Ok(HostAlias::new(host)?)
    }
}
