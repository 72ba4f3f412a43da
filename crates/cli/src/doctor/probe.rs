//! `doctor --probe`: does the host's sshd open a forwarded connection at all? `ssh -W
//! 127.0.0.1:PORT HOST` asks it for exactly the channel a `LocalForward` or `ssh -L` would
//! open; sshd answers "administratively prohibited" when `AllowTcpForwarding`,
//! `DisableForwarding` or `PermitOpen` forbids it, and "connect failed" when it would forward
//! but nothing listens there now.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::finding::{Code, Finding, Severity};
use crate::ssh::Ssh;

/// How long the probe may take (connecting and logging in included).
const PROBE_TIME: Duration = Duration::from_secs(20);

/// What sshd said to the probe.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    /// The channel opened (something listens there), or sshd tried and nothing listens.
    Allowed,
    /// sshd refused the channel by its configuration.
    Forbidden,
    /// ssh could not ask (no connection, no authentication, no answer in time): its last line.
    Unknown(String),
}

/// Reads ssh's standard error and status after `ssh -W`.
pub(crate) fn classify(stderr: &str, success: bool) -> Probe {
    if stderr.contains("administratively prohibited") {
        return Probe::Forbidden;
    }
    if success || stderr.contains("open failed: connect failed") {
        return Probe::Allowed;
    }
    let last = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message");
    Probe::Unknown(last.to_string())
}

/// Asks `host`'s sshd for a channel to its `127.0.0.1:port`, without a prompt (`BatchMode`),
/// without the config's forwards, outside any ControlMaster, and with ssh's INFO lines.
pub(crate) fn probe(config: Option<&Path>, host: &str, port: u16) -> Probe {
    let mut cmd = Ssh::new()
        .config(config)
        .options([
            "BatchMode=yes",
            "ClearAllForwardings=yes",
            "ControlPath=none",
            "ConnectTimeout=15",
            // sshd's reason comes as an INFO line; a config's `LogLevel ERROR` would hide it.
            "LogLevel=INFO",
        ])
        .stdio_forward(port)
        .destination(host)
        .command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Probe::Unknown(format!("cannot run ssh: {e}")),
    };
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let end = Instant::now() + PROBE_TIME;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < end => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                // Still open: the channel opened and the server keeps it (allowed).
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let text = reader.join().unwrap_or_default();
    match status {
        Some(s) => classify(&text, s.success()),
        None => Probe::Allowed,
    }
}

/// The finding for a host whose sshd forbids forwarding, or that could not be asked.
pub(crate) fn probe_finding(host: &str, port: u16, probe: &Probe) -> Option<Finding> {
    match probe {
        Probe::Allowed => None,
        Probe::Forbidden => Some(Finding::new(
            Code::ForwardingForbidden,
            Severity::Error,
            Some(host),
            format!(
                "{host}'s sshd refuses to forward connections to its 127.0.0.1:{port} (\"administratively prohibited\": AllowTcpForwarding, DisableForwarding or PermitOpen), so no LocalForward or `ssh -L` reaches the login's callback server"
            ),
            format!(
                "`codex-fwd login {host}`: it carries the browser's requests by relay when the forward is refused (curl, wget, python3 or node on {host} makes each one)"
            ),
        )),
        Probe::Unknown(why) => Some(Finding::new(
            Code::ForwardingForbidden,
            Severity::Warning,
            Some(host),
            format!("could not ask {host}'s sshd whether it forwards connections: {why}"),
            format!("check that `ssh {host} true` works without a prompt, then run doctor again"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_sshd_said() {
        // OpenSSH 9.2's lines for each case.
        assert_eq!(
            classify(
                "channel 0: open failed: administratively prohibited: open failed\nstdio forwarding failed\n",
                false
            ),
            Probe::Forbidden
        );
        assert_eq!(
            classify(
                "channel 0: open failed: connect failed: Connection refused\nstdio forwarding failed\n",
                false
            ),
            Probe::Allowed
        );
        assert_eq!(classify("", true), Probe::Allowed);
        assert_eq!(
            classify("root@h: Permission denied (publickey).\n", false),
            Probe::Unknown("root@h: Permission denied (publickey).".into())
        );
    }
}
