//! What this tool relies on about Codex's login (checked with `@openai/codex` 0.171.0): its
//! callback server listens on `127.0.0.1:1455` (IPv4 only; `127.0.0.1:1457` when 1455 is busy),
//! and its authorize URL sends the browser to `http://127.0.0.1:PORT/auth/callback` (releases
//! before mid-2026 sent it to `localhost`). The browser on the laptop therefore connects to
//! `127.0.0.1` and nothing else: a laptop listener on `[::1]` alone misses it.

use std::net::{IpAddr, Ipv4Addr};

use sshcfg::TunnelEnds;

/// Codex's callback port, and the one it falls back to when that is busy on the remote.
pub(crate) const DEFAULT_PORT: u16 = 1455;
/// See [`DEFAULT_PORT`].
pub(crate) const FALLBACK_PORT: u16 = 1457;

/// The host of the `redirect_uri` Codex sends the browser to.
pub(crate) const REDIRECT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Where the browser connects on this machine (the redirect's host) and where Codex's callback
/// server listens on the remote machine.
pub(crate) const ENDS: TunnelEnds = TunnelEnds {
    client: REDIRECT_HOST,
    server: IpAddr::V4(Ipv4Addr::LOCALHOST),
};

/// The address the browser is sent to after signing in, for `port`.
pub(crate) fn callback_url(port: u16) -> String {
    format!("http://{REDIRECT_HOST}:{port}/auth/callback")
}

/// The forward as `enable` writes it for a host resolved as `r`: under `GatewayPorts yes` a
/// forward without a bind address would listen on every interface (never acceptable for a
/// login callback), so it gets an explicit `localhost` bind, which stays on loopback.
pub(crate) fn written_form(r: &sshcfg::Resolution, forward: &sshcfg::Forward) -> sshcfg::Forward {
    let mut w = forward.clone();
    if let sshcfg::Listen::Port {
        bind: bind @ None, ..
    } = &mut w.listen
        && r.gateway_ports()
    {
        *bind = Some("localhost".into());
    }
    w
}
