//! `tunnel`: forward the ports for one session (ssh with `-L` and no session), stopping
//! cleanly on Ctrl-C.

use crate::args::TunnelArgs;
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure};
use crate::ssh::{RemoteTty, Ssh};
use crate::system;

/// A connection of its own, as the login's (no forward dropped by the config, no connection
/// sharing), with no session at all (`ssh -N`): the tunnel only forwards, so a forward that
/// fails stops it (`ExitOnForwardFailure=yes`).
const TUNNEL_OPTS: [&str; 5] = [
    "ExitOnForwardFailure=yes",
    "ClearAllForwardings=no",
    "ControlPath=none",
    "RemoteCommand=none",
    "SessionType=none",
];

pub(crate) fn tunnel(env: &Env, a: &TunnelArgs) -> Result<u8, Failure> {
    check_hosts(std::slice::from_ref(&a.host))?;
    let forwards = a
        .ports
        .forwards()
        .map_err(|m| Failure::usage("tunnel", m))?;
    // (local, remote) of each forward asked for.
    let pairs: Vec<(u16, u16)> = forwards
        .iter()
        .filter_map(|f| Some((f.listen_port()?, f.connect_port()?)))
        .collect();
    // A file named with `-F` that does not exist is refused before anything is said or started
    // (ssh would refuse it after the banner); ssh reads the config itself.
    env.refuse_missing_file()?;
    for &(local, _) in &pairs {
        refuse_busy(local)?;
    }
    let mut cmd = pairs
        .iter()
        .fold(
            Ssh::new().config(env.explicit_file()).options(TUNNEL_OPTS),
            |ssh, &(local, remote)| ssh.local_forward(local, remote),
        )
        .tty(RemoteTty::No)
        .destination(&a.host)
        .command();
    let shown: Vec<String> = pairs
        .iter()
        .map(|(local, remote)| format!("localhost:{local} here to 127.0.0.1:{remote}"))
        .collect();
    say!(
        "Forwarding {} on {}. Log in now; press Ctrl-C to stop.",
        shown.join(", "),
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
        say!("Tunnel closed.");
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
