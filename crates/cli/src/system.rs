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

#[cfg(unix)]
mod accounts;

/// Why OpenSSH will not read a config file it checks with `SSHCONF_CHECKPERM` (the user config
/// and every included file or directory): readconf.c wants it owned by the user or root and not
/// writable by group or others (Debian's and Ubuntu's ssh let a group write it when the user is
/// that group's one member). Both faults can hold at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadPermissions {
    /// The owner, when it is neither the user nor root, and the user's uid.
    pub(crate) foreign_owner: Option<(u32, u32)>,
    /// The mode (permission bits), when group or others may write.
    pub(crate) writable_mode: Option<u32>,
    /// The file's group, when only it may write and the installed ssh would accept that of a
    /// group whose one member is the user, but this group is not one.
    pub(crate) shared_group: Option<String>,
    /// Neither a regular file nor a directory (`/dev/null`, a FIFO): no mode or owner change is
    /// the fix.
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
        match (self.writable_mode, &self.shared_group) {
            (Some(mode), Some(group)) => parts.push(format!(
                "has mode {mode:04o}, which lets group {group} write it, and you are not that group's only member"
            )),
            (Some(mode), None) => parts.push(format!(
                "has mode {mode:04o}, which lets group or others write it"
            )),
            (None, _) => {}
        }
        parts.join(" and ")
    }
}

/// The owner, group, mode and kind of a file, as `stat` gives them.
#[cfg(unix)]
#[derive(Debug, Clone, Copy)]
struct Stat {
    uid: u32,
    gid: u32,
    mode: u32,
    regular_or_dir: bool,
}

/// OpenSSH's check (`read_config_file_depth`) of a file owned as `st` says, read by `me`: owned
/// by `me` or root, and not writable by group or others; with `relaxed` (asked only for a file
/// only its group may write), a group whose one member is the user may write it, as
/// [`accounts::sole_member_group`] decides with `db`.
#[cfg(unix)]
fn judge(
    st: Stat,
    me: u32,
    relaxed: impl FnOnce() -> bool,
    db: &impl accounts::Accounts,
) -> Option<BadPermissions> {
    let mut shared_group = None;
    let group_only = st.mode & 0o022 == 0o020;
    let foreign_owner = (st.uid != 0 && st.uid != me).then_some((st.uid, me));
    let writable = if group_only && foreign_owner.is_none() && relaxed() {
        let ok = accounts::sole_member_group(st.gid, st.uid, me, db);
        if !ok {
            shared_group = Some(db.group(st.gid).map_or_else(
                || st.gid.to_string(),
                |g| String::from_utf8_lossy(&g.name).into_owned(),
            ));
        }
        !ok
    } else {
        st.mode & 0o022 != 0
    };
    let bad = BadPermissions {
        foreign_owner,
        writable_mode: writable.then_some(st.mode & 0o7777),
        shared_group,
        special: !st.regular_or_dir,
    };
    (bad.foreign_owner.is_some() || bad.writable_mode.is_some()).then_some(bad)
}

/// OpenSSH's check of a config file it reads with `SSHCONF_CHECKPERM` (the user config and every
/// included file, or directory): owned by the user or root, and not writable by group or others,
/// except that Debian's and Ubuntu's ssh (told by `ssh -V`, asked only for a file its group
/// alone may write) let a group whose one member is the user write it. On Windows, OpenSSH
/// checks ACLs instead, which this does not (always `None`).
#[cfg(unix)]
pub(crate) fn bad_permissions(path: &Path) -> Option<BadPermissions> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let st = Stat {
        uid: m.uid(),
        gid: m.gid(),
        mode: m.mode(),
        regular_or_dir: m.is_file() || m.is_dir(),
    };
    // Debian's `user-group-modes.patch`, which every build from Debian's package keeps (the
    // vendor is the word `ssh -V` prints after the release).
    let relaxed = || {
        ssh_v()
            .and_then(|v| v.version)
            .is_some_and(|v| v.vendor.has_debian_patches())
    };
    judge(
        st,
        crate::write::current_uid(),
        relaxed,
        &accounts::SystemAccounts,
    )
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

/// `cmd` to start in a process group of its own (on Unix), so that
/// [`end_process_group`] ends what it starts too.
pub(crate) fn in_own_process_group(cmd: &mut std::process::Command) -> &mut std::process::Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd
}

/// Ends a child started by [`in_own_process_group`] that is still running, with what it has
/// started in its group (SIGTERM to the group on Unix), then kills and reaps the child.
pub(crate) fn end_process_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group: the child's own
            // (process_group(0) made its pid the group's id), and it is not reaped yet.
            unsafe {
                libc::kill(-pid, libc::SIGTERM);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `cmd` to its end, for at most `patience`: its status, or `None` when it could not be
/// started or had not ended by then (it is then ended with what it started, see
/// [`end_process_group`]).
pub(crate) fn status_within(
    cmd: &mut std::process::Command,
    patience: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let mut child = in_own_process_group(cmd).spawn().ok()?;
    let deadline = std::time::Instant::now() + patience;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => {
                end_process_group(&mut child);
                return None;
            }
        }
    }
}

/// What `ssh -V` says (it reads no config).
pub(crate) struct SshV {
    /// Its first word, e.g. `OpenSSH_9.2p1`.
    pub(crate) name: String,
    /// The version read from it, with whose build it is.
    pub(crate) version: Option<sshcfg::OpenSshVersion>,
}

/// `ssh -V`, run at most once per run and read in one place; `None` when there is no `ssh` to
/// ask.
pub(crate) fn ssh_v() -> Option<&'static SshV> {
    static ASKED: std::sync::OnceLock<Option<SshV>> = std::sync::OnceLock::new();
    ASKED
        .get_or_init(|| {
            let text = ask_ssh_v(SSH_V_PATIENCE)?;
            Some(SshV {
                name: text.split([',', ' ']).next()?.trim().to_string(),
                version: sshcfg::OpenSshVersion::from_ssh_v(&text),
            })
        })
        .as_ref()
}

/// How long `ssh -V` may take before it is taken as no answer (a real ssh answers at once; a
/// wrapper that hangs must not hang the command).
const SSH_V_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// What `ssh -V` prints (on stderr), or `None` when it cannot be run or has not answered within
/// `patience` (it is then stopped).
fn ask_ssh_v(patience: std::time::Duration) -> Option<String> {
    use std::io::Read as _;
    let mut cmd = crate::ssh::Ssh::new().version().command();
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    // In a group of its own: a wrapper that hangs is ended with what it started (a `sleep`
    // left behind would outlive the run).
    let mut child = in_own_process_group(&mut cmd).spawn().ok()?;
    let mut stderr = child.stderr.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    // The reader ends when every writer of the pipe has: a grandchild that keeps it open only
    // keeps this thread, not the command, waiting.
    std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        let _ = tx.send(text);
    });
    let text = rx.recv_timeout(patience).ok();
    // Stopped either way (one that has closed its stderr is exiting; one that has not answered
    // is not waited for), then reaped; one that has not answered with its whole group (one
    // that has may have started something meant to stay, such as an agent).
    match text {
        Some(_) => {
            let _ = child.kill();
            let _ = child.wait();
        }
        None => end_process_group(&mut child),
    }
    Some(String::from_utf8_lossy(&text?).into_owned())
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
                shared_group: None,
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

    #[test]
    fn a_shared_group_names_itself_in_the_sentence() {
        let why = BadPermissions {
            foreign_owner: None,
            writable_mode: Some(0o664),
            shared_group: Some("dev".into()),
            special: false,
        };
        assert_eq!(
            why.predicate(),
            "has mode 0664, which lets group dev write it, and you are not that group's only member"
        );
    }

    /// The whole check with a database in memory: user 1000 with per-user group 1000, and a
    /// group 2000 listing 1000 and 1001.
    #[cfg(unix)]
    mod judged {
        use super::super::accounts::{Accounts, Group};
        use super::super::{Stat, judge};

        struct Db;
        impl Accounts for Db {
            fn group(&self, gid: u32) -> Option<Group> {
                let members = match gid {
                    1000 => vec![],
                    2000 => vec![b"me".to_vec(), b"other".to_vec()],
                    _ => return None,
                };
                Some(Group {
                    name: if gid == 1000 {
                        b"me".to_vec()
                    } else {
                        b"dev".to_vec()
                    },
                    members,
                })
            }
            fn primary_members(&self, gid: u32) -> Vec<u32> {
                if gid == 1000 { vec![1000] } else { vec![] }
            }
            fn user_name(&self, uid: u32) -> Option<Vec<u8>> {
                (uid == 1000).then(|| b"me".to_vec())
            }
        }

        fn st(gid: u32, mode: u32) -> Stat {
            Stat {
                uid: 1000,
                gid,
                mode,
                regular_or_dir: true,
            }
        }

        /// The relaxed rule: `(mode, group)` accepted or not, and whether ssh -V was asked.
        fn run(gid: u32, mode: u32, debian: bool) -> (bool, bool) {
            let asked = std::cell::Cell::new(false);
            let bad = judge(
                st(gid, mode),
                1000,
                || {
                    asked.set(true);
                    debian
                },
                &Db,
            );
            (bad.is_none(), asked.get())
        }

        #[test]
        fn debian_lets_a_per_user_group_write_and_upstream_does_not() {
            assert_eq!(run(1000, 0o664, true), (true, true));
            assert_eq!(run(1000, 0o664, false), (false, true));
            assert_eq!(run(1000, 0o775, true), (true, true));
        }

        #[test]
        fn a_shared_group_or_others_writing_is_refused_everywhere() {
            assert_eq!(run(2000, 0o664, true), (false, true));
            let bad = judge(st(2000, 0o664), 1000, || true, &Db).unwrap();
            assert_eq!(bad.shared_group.as_deref(), Some("dev"));
            assert_eq!(bad.writable_mode, Some(0o664));
            // World-writable: refused without asking ssh -V.
            assert_eq!(run(1000, 0o666, true), (false, false));
            assert_eq!(run(1000, 0o646, true), (false, false));
            // Not writable by group or others: accepted without asking.
            assert_eq!(run(2000, 0o644, true), (true, false));
        }

        #[test]
        fn a_foreign_owner_is_refused_whatever_the_group() {
            let bad = judge(
                Stat {
                    uid: 1001,
                    ..st(1000, 0o664)
                },
                1000,
                || true,
                &Db,
            )
            .unwrap();
            assert_eq!(bad.foreign_owner, Some((1001, 1000)));
            assert_eq!(bad.writable_mode, Some(0o664));
            assert_eq!(bad.shared_group, None);
        }
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
