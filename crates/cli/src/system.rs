//! What `doctor`, `tunnel` and the writes ask of the running system: is a local port taken, and
//! by whom (the `listeners` crate: Linux, macOS, Windows); is it in a range Windows reserves; are
//! the config files' owner and mode ones OpenSSH accepts; where the password database puts the
//! home directory; stopping a child process.

use std::net::TcpListener;
use std::path::Path;

/// Who holds a local TCP port.
#[derive(Debug, Clone)]
pub(crate) struct PortOwner {
    /// Process id, when the system tells.
    pub pid: Option<u32>,
    /// Process name, when the system tells.
    pub name: Option<String>,
}

impl std::fmt::Display for PortOwner {
    /// `name (pid N)`, or "another process" when the system does not say (another user's
    /// process, without the privilege to see it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, self.pid) {
            (Some(n), Some(p)) => write!(f, "{n} (pid {p})"),
            (None, Some(p)) => write!(f, "pid {p}"),
            _ => f.write_str("another process"),
        }
    }
}

/// Is `127.0.0.1:port` (or `[::1]:port`) taken? Found by trying to bind, as ssh would.
pub(crate) fn port_in_use(port: u16) -> Option<PortOwner> {
    let v4 = TcpListener::bind(("127.0.0.1", port));
    let v6 = TcpListener::bind(("::1", port));
    let busy = |r: &std::io::Result<TcpListener>| matches!(r, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse);
    if !busy(&v4) && !busy(&v6) {
        return None;
    }
    drop((v4, v6));
    Some(owner_of(port))
}

/// The process listening on TCP `port` on loopback or every address, as the `listeners` crate
/// finds it (/proc on Linux, libproc on macOS, the IP helper API on Windows).
fn owner_of(port: u16) -> PortOwner {
    let none = PortOwner {
        pid: None,
        name: None,
    };
    let Ok(all) = listeners::get_all() else {
        return none;
    };
    let mut found: Vec<_> = all
        .into_iter()
        .filter(|l| {
            l.protocol == listeners::Protocol::TCP
                && l.state == listeners::SocketState::Listen
                && l.socket.port() == port
                && (l.socket.ip().is_loopback() || l.socket.ip().is_unspecified())
        })
        .collect();
    found.sort_by_key(|l| (!l.socket.ip().is_loopback(), l.process.pid));
    match found.into_iter().next() {
        Some(l) => PortOwner {
            pid: Some(l.process.pid),
            name: Some(l.process.name).filter(|n| !n.is_empty()),
        },
        None => none,
    }
}

/// Parse `netsh int ipv4 show excludedportrange protocol=tcp`: every `start end` pair of numbers
/// under the header (Windows reserves these ports, e.g. for Hyper-V, and nothing can bind them).
pub(crate) fn parse_excluded_ranges(text: &str) -> Vec<(u16, u16)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let start = f.next()?.parse::<u16>().ok()?;
            let end = f.next()?.parse::<u16>().ok()?;
            (start <= end).then_some((start, end))
        })
        .collect()
}

/// The range Windows excludes (`netsh int ipv4 show excludedportrange protocol=tcp`) that holds
/// `port`, if any. Always `None` elsewhere.
pub(crate) fn excluded_port_range(port: u16) -> Option<(u16, u16)> {
    if !cfg!(windows) {
        return None;
    }
    let out = std::process::Command::new("netsh")
        .args(["int", "ipv4", "show", "excludedportrange", "protocol=tcp"])
        .output()
        .ok()?;
    parse_excluded_ranges(&String::from_utf8_lossy(&out.stdout))
        .into_iter()
        .find(|&(a, b)| (a..=b).contains(&port))
}

/// Why OpenSSH will not read a config file it checks with `SSHCONF_CHECKPERM` (the user config
/// and every included file): readconf.c wants it owned by the user or root and not writable by
/// group or others. Both faults can hold at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadPermissions {
    /// The owner, when it is neither the user nor root, and the user's uid.
    pub(crate) foreign_owner: Option<(u32, u32)>,
    /// The mode (permission bits), when group or others may write.
    pub(crate) writable_mode: Option<u32>,
    /// Not a regular file (`/dev/null`, a FIFO): no mode or owner change is the fix.
    pub(crate) special: bool,
}

impl BadPermissions {
    /// What is wrong, as the predicate of a sentence whose subject is the file: "is owned by
    /// uid 1001 (not by you, uid 1000, or root)", "has mode 0664, which lets group or others
    /// write it".
    pub(crate) fn predicate(&self) -> String {
        let mut parts = Vec::new();
        match self.foreign_owner {
            Some((uid, 0)) => parts.push(format!("is owned by uid {uid} (not by you, root)")),
            Some((uid, me)) => parts.push(format!(
                "is owned by uid {uid} (not by you, uid {me}, or root)"
            )),
            None => {}
        }
        if let Some(mode) = self.writable_mode {
            parts.push(format!(
                "has mode {mode:04o}, which lets group or others write it"
            ));
        }
        parts.join(" and ")
    }
}

/// OpenSSH's check of a config file it reads with `SSHCONF_CHECKPERM` (the user config and every
/// included file): owned by the user or root, and not writable by group or others. On Windows,
/// OpenSSH checks ACLs instead, which this does not (always `None`).
#[cfg(unix)]
pub(crate) fn bad_permissions(path: &Path) -> Option<BadPermissions> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let me = crate::write::current_uid();
    let bad = BadPermissions {
        foreign_owner: (m.uid() != 0 && m.uid() != me).then_some((m.uid(), me)),
        writable_mode: (m.mode() & 0o022 != 0).then_some(m.mode() & 0o7777),
        special: !m.is_file(),
    };
    (bad.foreign_owner.is_some() || bad.writable_mode.is_some()).then_some(bad)
}

/// See the Unix version: OpenSSH for Windows checks ACLs, which this does not.
#[cfg(not(unix))]
pub(crate) fn bad_permissions(_path: &Path) -> Option<BadPermissions> {
    None
}

/// Wait for `child`, stopping it when `stop` becomes true (Ctrl-C): SIGTERM on Unix, so ssh
/// closes its forwards and exits; `TerminateProcess` (`Child::kill`) on Windows, where ssh has
/// usually seen the console's Ctrl-C already. Returns its status.
pub(crate) fn wait_or_stop(
    child: &mut std::process::Child,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<std::process::ExitStatus> {
    let mut sent = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if !sent && stop.load(std::sync::atomic::Ordering::SeqCst) {
            sent = true;
            #[cfg(unix)]
            {
                // SAFETY: kill(2) with the pid of a child we have not reaped, and a valid signal.
                unsafe {
                    libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
                }
            }
            #[cfg(not(unix))]
            {
                let _ = child.kill();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// What `ssh -V` says (it reads no config).
pub(crate) struct SshV {
    /// Its first word, e.g. `OpenSSH_9.2p1`.
    pub(crate) name: String,
    /// The version read from it.
    pub(crate) version: Option<sshcfg::OpenSshVersion>,
}

/// `ssh -V`, run at most once per run and read in one place; `None` when there is no `ssh` to
/// ask.
pub(crate) fn ssh_v() -> Option<&'static SshV> {
    static ASKED: std::sync::OnceLock<Option<SshV>> = std::sync::OnceLock::new();
    ASKED
        .get_or_init(|| {
            let out = crate::ssh::Ssh::new()
                .version()
                .command()
                .stdin(std::process::Stdio::null())
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&out.stderr);
            Some(SshV {
                name: text.split([',', ' ']).next()?.trim().to_string(),
                version: sshcfg::OpenSshVersion::from_ssh_v(&text),
            })
        })
        .as_ref()
}

/// The installed OpenSSH client, from `ssh -V`; `None` when there is no `ssh` to ask (the
/// newest OpenSSH is then assumed).
pub(crate) fn openssh_version() -> Option<sshcfg::OpenSshVersion> {
    ssh_v().and_then(|v| v.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_wrong_with_a_file_reads_as_a_sentence() {
        let p = |foreign_owner, writable_mode| {
            BadPermissions {
                foreign_owner,
                writable_mode,
                special: false,
            }
            .predicate()
        };
        assert_eq!(
            p(Some((1001, 1000)), Some(0o664)),
            "is owned by uid 1001 (not by you, uid 1000, or root) and has mode 0664, which lets group or others write it"
        );
        assert_eq!(
            p(Some((1001, 0)), None),
            "is owned by uid 1001 (not by you, root)"
        );
        assert_eq!(
            p(None, Some(0o666)),
            "has mode 0666, which lets group or others write it"
        );
    }

    /// `netsh int ipv4 show excludedportrange protocol=tcp` on a Windows 11 machine with Hyper-V.
    const NETSH: &str = "
Protocol tcp Port Exclusion Ranges

Start Port    End Port
----------    --------
      1383        1482
      2869        2869
      5357        5357
     50000       50059     *

* - Administered port exclusions.

";

    #[test]
    fn netsh_excluded_ranges() {
        assert_eq!(
            parse_excluded_ranges(NETSH),
            vec![(1383, 1482), (2869, 2869), (5357, 5357), (50000, 50059)]
        );
        assert_eq!(parse_excluded_ranges(""), vec![]);
        let holds = |p: u16| {
            parse_excluded_ranges(NETSH)
                .into_iter()
                .find(|&(a, b)| (a..=b).contains(&p))
        };
        assert_eq!(holds(1455), Some((1383, 1482)));
        assert_eq!(holds(2455), None);
    }

    /// Not a check: the child that `wait_or_stop_stops_the_child` runs (this test binary, asked
    /// for this test alone).
    #[test]
    #[ignore]
    fn sleeper() {
        std::thread::sleep(std::time::Duration::from_secs(60));
    }

    /// Ctrl-C stops the child (SIGTERM on Unix, TerminateProcess on Windows) and is waited for.
    #[test]
    fn wait_or_stop_stops_the_child() {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "system::tests::sleeper",
                "--ignored",
                "--nocapture",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let stop = std::sync::atomic::AtomicBool::new(true);
        let start = std::time::Instant::now();
        let status = wait_or_stop(&mut child, &stop).unwrap();
        assert!(!status.success(), "{status:?}");
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
    }

    /// A listener of our own is found, named, with our pid.
    #[test]
    fn the_owner_of_a_busy_port_is_named() {
        if std::env::var_os("CODEX_FWD_UNDER_WINE").is_some() {
            eprintln!("skipped under Wine: its IP helper API lists no owning process");
            return;
        }
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let owner = port_in_use(port).expect("busy");
        assert_eq!(owner.pid, Some(std::process::id()), "{owner:?}");
        assert!(owner.name.is_some(), "{owner:?}");
        drop(l);
    }
}
