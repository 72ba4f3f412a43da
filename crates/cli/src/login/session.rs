//! The ssh process of a login (and of `tunnel`): the options it gets, running it with its output
//! relayed, stopping it, and its exit status. Its command line is built by [`crate::ssh::Ssh`].

use std::io::{Read, Write};
use std::process::{Child, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sshcfg::OpenSshVersion;

/// The options every login's ssh gets (see README, `login`):
/// - `ClearAllForwardings=no`: the config's `ClearAllForwardings yes` would also drop the
///   command line's `-D` (ssh_config(5));
/// - `ControlPath=none`: a connection of its own; through a ControlMaster the forward would be
///   set up in the master and outlive the login (on Unix `login` replaces it with a private
///   master of its own, `master.rs`, which the relay's requests share);
/// - `RemoteCommand=none`: the config's `RemoteCommand` would replace the login command;
/// - `ExitOnForwardFailure=no`: a config forward whose port is taken (a `RemoteForward` another
///   connection holds, a stale unix socket) only warns, as with plain ssh; the login checks its
///   own `-D` itself.
pub(crate) const LOGIN_OPTS: [&str; 4] = [
    "ClearAllForwardings=no",
    "ControlPath=none",
    "RemoteCommand=none",
    "ExitOnForwardFailure=no",
];

/// Options of OpenSSH 8.7 and later (older clients refuse them as unknown), reset for a login:
/// `SessionType none` or `StdinNull yes` would suppress the command or its input, and
/// `ForkAfterAuthentication yes` would put ssh in the background at once, so that the login
/// would exit 0 whatever the remote command does.
pub(crate) const LOGIN_OPTS_8_7: [&str; 3] = [
    "SessionType=default",
    "StdinNull=no",
    "ForkAfterAuthentication=no",
];

/// The options of OpenSSH 8.7 and later, when the installed client has them (unknown: yes).
pub(crate) fn has_8_7(v: Option<OpenSshVersion>) -> bool {
    v.is_none_or(|v| (v.major, v.minor) >= (8, 7))
}

/// Copy `from` to `to`, flushing each piece as it comes, and hand every piece to `seen`. With
/// `crlf_to_lf` a CR LF pair becomes LF (the remote terminal's output, for a reader that is not
/// a terminal). A closed `to` does not stop the copy (ssh must not block on a full pipe).
pub(crate) fn relay(
    mut from: impl Read,
    mut to: impl Write,
    crlf_to_lf: bool,
    mut seen: impl FnMut(&[u8]),
) {
    let mut buf = [0u8; 8192];
    let mut writable = true;
    let mut held_cr = false;
    let mut out = Vec::with_capacity(buf.len() + 1);
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let data = &buf[..n];
        out.clear();
        if crlf_to_lf {
            for &b in data {
                if held_cr && b != b'\n' {
                    out.push(b'\r');
                }
                held_cr = b == b'\r';
                if !held_cr {
                    out.push(b);
                }
            }
        } else {
            out.extend_from_slice(data);
        }
        if writable && !out.is_empty() {
            writable = to.write_all(&out).and_then(|()| to.flush()).is_ok();
        }
        seen(data);
    }
    if held_cr && writable {
        let _ = to.write_all(b"\r").and_then(|()| to.flush());
    }
}

/// Wait for ssh; when `interrupted` (Ctrl-C, SIGTERM) or `abort` becomes true, stop it and wait
/// for it to close its connection and listeners.
pub(crate) fn wait(
    child: &mut Child,
    interrupted: &AtomicBool,
    abort: &AtomicBool,
) -> std::io::Result<ExitStatus> {
    let mut stopping = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if !stopping && (interrupted.load(Ordering::SeqCst) || abort.load(Ordering::SeqCst)) {
            stop(child);
            stopping = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// On Linux, `cmd`'s process gets SIGTERM when this process dies, also by SIGKILL (which no
/// handler sees): a killed login then leaves no ssh behind, and so no connection, SOCKS port
/// or remote command. The death of the thread that spawns `cmd` counts too: spawn it from the
/// thread that waits for it. Elsewhere nothing (no such mechanism).
pub(crate) fn ends_with_this_process(cmd: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: between fork and exec only async-signal-safe calls (prctl, getppid, raise),
        // nothing allocated.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // Died between fork and prctl: the signal would never come.
                if u32::try_from(libc::getppid()).ok() != Some(parent) {
                    libc::raise(libc::SIGTERM);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// A flag set on Ctrl-C, SIGTERM and SIGHUP (once per process: a second handler is refused).
pub(crate) fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
    flag
}

/// Ask ssh to end: SIGTERM lets it close its connection; the remote terminal then hangs up.
#[cfg(unix)]
fn stop(child: &mut Child) {
    // SAFETY: kill(2) with the pid of a child we have not reaped yet and a valid signal.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
}

#[cfg(not(unix))]
fn stop(child: &mut Child) {
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_by_version() {
        let v = |major, minor| Some(OpenSshVersion::new(major, minor));
        assert!(has_8_7(None) && has_8_7(v(8, 7)) && has_8_7(v(9, 2)) && has_8_7(v(10, 0)));
        assert!(!has_8_7(v(8, 6)) && !has_8_7(v(7, 9)));
    }

    #[test]
    fn relay_turns_crlf_into_lf_across_reads() {
        let input = b"a\r\nb\r\r\nc\rd\r";
        for cut in 0..input.len() {
            let chunks = [&input[..cut], &input[cut..]];
            let reader = chunks
                .iter()
                .map(|c| std::io::Cursor::new(c.to_vec()))
                .fold(Box::new(std::io::empty()) as Box<dyn Read>, |r, c| {
                    Box::new(r.chain(c))
                });
            let mut out = Vec::new();
            let mut seen = Vec::new();
            relay(reader, &mut out, true, |d| seen.extend_from_slice(d));
            assert_eq!(out, b"a\nb\r\nc\rd\r", "cut {cut}");
            assert_eq!(seen, input);
        }
        let mut out = Vec::new();
        relay(&input[..], &mut out, false, |_| {});
        assert_eq!(out, input);
    }
}
