//! `tunnel`: forward the port for one session with `ssh -N -L`, stopping cleanly on Ctrl-C.

use crate::args::TunnelArgs;
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure};
use crate::system;

pub(crate) fn tunnel(env: &Env, a: &TunnelArgs) -> Result<u8, Failure> {
    check_hosts(std::slice::from_ref(&a.host))?;
    let forwards = a
        .ports
        .forwards()
        .map_err(|m| Failure::usage("tunnel", m))?;
    let ports: Vec<(u16, u16)> = forwards
        .iter()
        .filter_map(|f| Some((f.listen_port()?, a_remote(f)?)))
        .collect();
    for &(local, _) in &ports {
        refuse_busy(local)?;
    }
    let mut cmd = std::process::Command::new("ssh");
    if let Some(c) = env.explicit_file() {
        cmd.arg("-F").arg(c);
    }
    // A fresh connection (an open master would take the forwards and keep them after we stop),
    // forwards bound to loopback by name (without an address GatewayPorts yes would open them to
    // the network), none of the config's cleared.
    cmd.args([
        "-N",
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "ClearAllForwardings=no",
        "-o",
        "ControlPath=none",
    ]);
    let mut specs = Vec::new();
    for &(local, port) in &ports {
        let spec = format!("localhost:{local}:localhost:{port}");
        cmd.arg("-L").arg(&spec);
        specs.push(spec);
    }
    cmd.arg("--").arg(&a.host);
    let shown: Vec<String> = ports
        .iter()
        .map(|(l, p)| format!("localhost:{l} here to localhost:{p}"))
        .collect();
    eprintln!(
        "Forwarding {} on {} (ssh -N -L {} {}). Log in now; press Ctrl-C to stop.",
        shown.join(", "),
        a.host,
        specs.join(" -L "),
        a.host
    );
    let mut child = cmd
        .spawn()
        .map_err(|e| Failure::new(EXIT_IO, format!("cannot run ssh: {e}")))?;
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        // On Ctrl-C (or SIGTERM) stop ssh and wait for it, rather than dying first.
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let status = system::wait_or_stop(&mut child, &interrupted)
        .map_err(|e| Failure::new(EXIT_IO, format!("waiting for ssh: {e}")))?;
    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
        eprintln!("Tunnel closed.");
        return Ok(0);
    }
    if status.success() {
        Ok(0)
    } else {
        Err(Failure::new(
            EXIT_IO,
            format!("ssh exited with {status} (see its message above)"),
        ))
    }
}

/// The remote port of a forward.
fn a_remote(f: &sshcfg::Forward) -> Option<u16> {
    match &f.connect {
        sshcfg::Connect::Port { port, .. } => Some(*port),
        sshcfg::Connect::Path(_) => None,
    }
}

/// Refuse a laptop port another process holds, or one Windows reserves.
fn refuse_busy(local: u16) -> Result<(), Failure> {
    if let Some(owner) = system::port_in_use(local) {
        return Err(Failure::new(
            EXIT_REFUSED,
            format!(
                "localhost:{local} is already in use by {owner}; stop it or pass --local-port 2455"
            ),
        ));
    }
    if let Some((lo, hi)) = system::excluded_port_range(local) {
        return Err(Failure::new(
            EXIT_REFUSED,
            format!(
                "localhost:{local} is in the range {lo}-{hi} that Windows reserves (netsh int ipv4 show excludedportrange protocol=tcp); pass --local-port with a port outside it"
            ),
        ));
    }
    Ok(())
}
