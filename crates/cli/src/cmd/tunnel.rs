//! `tunnel`: forward the port for one session with `ssh -N -L`, stopping cleanly on Ctrl-C.

use crate::args::TunnelArgs;
use crate::env::{Env, check_hosts};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure};
use crate::system;

pub(crate) fn tunnel(env: &Env, a: &TunnelArgs) -> Result<u8, Failure> {
    check_hosts(std::slice::from_ref(&a.host))?;
    let local = a.ports.local();
    let port = a.ports.remote();
    if let Some(owner) = system::port_in_use(local) {
        let who = owner.to_string();
        return Err(Failure::new(
            EXIT_REFUSED,
            format!(
                "localhost:{local} is already in use by {who}; stop it or pass --local-port 2455"
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
    let mut cmd = std::process::Command::new("ssh");
    if let Some(c) = env.explicit_file() {
        cmd.arg("-F").arg(c);
    }
    cmd.args([
        "-N",
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "ClearAllForwardings=no",
        "-L",
        &format!("{local}:localhost:{port}"),
        &a.host,
    ]);
    eprintln!(
        "Forwarding localhost:{local} here to localhost:{port} on {} (ssh -N -L {local}:localhost:{port} {}). Log in now; press Ctrl-C to stop.",
        a.host, a.host
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
