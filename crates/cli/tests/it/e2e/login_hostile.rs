//! A hostile new user's cases, with real ssh and sshd (and the real Codex where it judges): a
//! remote that prints URL after URL, a config whose forward of Codex's port holds it on `[::1]`
//! only. Each asserts that the login ends, says one accurate line, and leaves nothing behind.

use super::client::*;
use super::login_real::{assert_nothing_left, listeners, login};
use super::world::*;

/// A remote printing 20 login URLs, each naming another port: this machine listens on the
/// first 8 only and opens the first 4 pages, says each limit once, and the login ends with the
/// command, nothing left listening.
#[test]
fn a_remote_printing_url_after_url_is_bounded() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    // No `state`: the browser stand-in opens the page and makes no callback.
    let remote = "for p in $(seq 21000 21019); do \
         echo \"https://auth.example/a?redirect_uri=http%3A%2F%2F127.0.0.1%3A$p%2Fcb\"; done; \
         sleep 3; exit 6";
    let r = login(&w, &[], remote);
    assert_eq!(r.code, Some(6), "{r:?}");
    let forwarded = r.err.matches("codex-fwd: forwarding 127.0.0.1:").count();
    assert_eq!(forwarded, 8, "{r:?}");
    assert!(
        r.err.contains("forwarding 127.0.0.1:21007 here") && !r.err.contains(":21008 here"),
        "{r:?}"
    );
    let limit = "codex-fwd: not forwarding 127.0.0.1:21008: this login forwards 8 ports already, the most it forwards (the remote printed URLs naming more); later ones are not forwarded either\n";
    assert_eq!(r.err.matches("not forwarding").count(), 1, "{r:?}");
    assert!(r.err.contains(limit), "{r:?}");
    assert_eq!(w.opened().len(), 4, "{:?}", w.opened());
    assert_eq!(
        r.err.matches("has opened 4 pages already").count(),
        1,
        "{r:?}"
    );
    assert_nothing_left(&w, 0);
    assert!(listeners(&w.laptop).is_empty());
}

/// The config forwards Codex's port from `[::1]` only (`LocalForward [::1]:1455 ...`): the
/// login's own ssh holds `[::1]:1455`, which the browser's `127.0.0.1` redirect never reaches.
/// The login stops naming its own ssh and the line (not codex-fwd itself, which had just bound
/// `127.0.0.1:1455` for Codex's `http://localhost:1455`), and the fix it prints works with the
/// real Codex.
#[test]
fn a_v6_only_forward_of_the_port_is_named_and_the_fix_works() {
    let Some(w) = world_with(
        &Setup::new()
            .host_line("LocalForward [::1]:1455 localhost:1455")
            .without_stand_in(),
    ) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_eq!(r.code, Some(3), "{r:?}");
    let line = r
        .err
        .lines()
        .find(|l| l.starts_with("codex-fwd: error: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        line.contains(
            "localhost:1455 on this machine is already in use by this login's ssh (ssh with myserver's config forwards it from another loopback address, not 127.0.0.1: "
        ) && line.contains(":3: LocalForward [::1]:1455 localhost:1455); change that line, or use another port here: `codex-fwd login myserver --port 2455:1455`"),
        "{line}"
    );
    assert!(w.opened().is_empty());
    assert_nothing_left(&w, 0);

    // The fix as printed (and the address-bar edit it names).
    let r = w.run(
        &[
            "login",
            "myserver",
            "--port",
            "2455:1455",
            "--",
            &codex_login(&w, &codex, &[]),
        ],
        &[("E2E_BROWSER_PORT", "2455")],
    );
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    assert_nothing_left(&w, 0);
}

/// A URL naming a port where nothing listens on the host (the client has died, or listens in a
/// container): ssh's SOCKS answer is the same as for a server that forbids forwarding, so the
/// note says both, and the relay's line then says which. The login ends (exit 3), and nothing
/// is left.
#[test]
fn a_port_where_nothing_listens_is_not_blamed_on_sshd() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let remote = "echo 'https://auth.example/a?redirect_uri=http%3A%2F%2F127.0.0.1%3A4455%2Fcb&state=s1'; sleep 20";
    let r = login(&w, &[], remote);
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(
        r.err.contains(
            "refused to open a connection to 127.0.0.1 or localhost port 4455 through ssh (its sshd forbids forwarding: AllowTcpForwarding, DisableForwarding, PermitOpen; or nothing listens there on it)"
        ),
        "{r:?}"
    );
    let error = r
        .err
        .lines()
        .find(|l| l.starts_with("codex-fwd: error: "))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        error.contains("got no response from http://127.0.0.1:4455"),
        "{error}"
    );
    assert_nothing_left(&w, 0);
}

/// A loopback URL that is not the login's (a dashboard a noisy `.bashrc` or the CLI itself
/// prints, where nothing listens) is opened too, and its connection fails: that says so, and
/// the login the real Codex runs goes on and completes, instead of being ended for it.
#[test]
fn a_failing_loopback_url_that_is_not_the_logins_does_not_end_the_login() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let remote = format!(
        "(sleep 3; echo 'Dashboard: http://localhost:3000/dash?x=1') & {}",
        codex_login(&w, &codex, &[])
    );
    let r = login(&w, &[], &remote);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert!(
        w.opened()
            .iter()
            .any(|u| u == "http://localhost:3000/dash?x=1"),
        "{:?}",
        w.opened()
    );
    let note = r
        .err
        .lines()
        .find(|l| l.contains("got no response from http://localhost:3000"))
        .unwrap_or_else(|| panic!("{r:?}"));
    assert!(
        note.starts_with("codex-fwd: curl on myserver")
            && note.ends_with("; the login goes on, through the other port it forwards (1455)"),
        "{note}"
    );
    assert!(!r.err.contains("codex-fwd: error:"), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// The remote user's home, with a `.bashrc` of `bashrc`, and login shell `shell`, for sshd in
/// `w`'s remote namespace: `ip netns exec` mounts `/etc/netns/NAME/passwd` over `/etc/passwd`
/// for what it runs, so root's home there is a directory of the test's (this machine's own root
/// is untouched). Removed when dropped.
struct RemoteHome(std::path::PathBuf);

impl RemoteHome {
    fn new(w: &World, shell: &str, bashrc: &str) -> RemoteHome {
        let home = w.fresh_dir("root-home");
        std::fs::write(home.join(".bashrc"), bashrc).unwrap();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
        let root = passwd
            .lines()
            .find(|l| l.starts_with("root:"))
            .expect("a root line");
        let mut fields: Vec<&str> = root.split(':').collect();
        let home_s = home.display().to_string();
        fields[5] = &home_s;
        fields[6] = shell;
        let ours = passwd.replacen(root, &fields.join(":"), 1);
        let dir = std::path::PathBuf::from(format!("/etc/netns/{}", w.remote.0));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("passwd"), ours).unwrap();
        RemoteHome(dir)
    }
}

impl Drop for RemoteHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `.bashrc` that prints for ssh's commands too (Debian's bash reads it for them): the
/// login's own output shows it, and the relay's requests, run through the same shell, still
/// reach the real Codex (`--relay`).
#[test]
fn a_noisy_bashrc_does_not_break_the_relay() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let _home = RemoteHome::new(
        &w,
        "/bin/bash",
        "echo 'Welcome to myserver'\nprintf '\\033[1mNOTICE\\033[0m reboot at 22:00\\n'\n",
    );
    let r = login(&w, &["--relay"], &codex_login(&w, &codex, &[]));
    assert!(r.out.contains("Welcome to myserver"), "{r:?}");
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert!(browser_got(&w, 200), "{:?}", w.browser_lines());
    assert_nothing_left(&w, 0);
}

/// fish as the remote user's login shell: the command's words reach it as written (a `\'`
/// in them left fish's quotes unbalanced, and fish exited 0: a login that never ran passed
/// for a success), and the real Codex logs in through it.
#[test]
fn fish_as_the_login_shell_gets_the_command_as_written() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(fish) = which("fish") else {
        skip("fish not found");
        return;
    };
    let _home = RemoteHome::new(&w, &fish.display().to_string(), "");
    let r = login(&w, &[], r#"printf '%s|' "$BROWSER" it\'s 'a\b'; exit 3"#);
    assert_eq!(
        (r.code, r.out.as_str()),
        (Some(3), r"echo|it's|a\b|"),
        "{r:?}"
    );
    let Some(codex) = codex() else { return };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// SIGTERM while the login is still asking ssh whether a ControlMaster is open (`ssh -O
/// check`, held here by a slow `Match exec`): the login ends with 130 and its one line, and
/// its private control directory is gone (it was left in the temporary directory, and the
/// process died by the signal).
#[test]
fn interrupted_before_ssh_starts_leaves_no_directory() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let mut text = String::from_utf8(w.original.clone()).unwrap();
    text.push_str("\nMatch exec \"sleep 5\"\n\tServerAliveInterval 31\n");
    std::fs::write(&w.config, text).unwrap();
    let tmp = w.fresh_dir("tmp");
    let mut c = w.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
    c.arg("-F")
        .arg(&w.config)
        .args(["login", "myserver", "--no-browser", "--", "exit", "5"])
        .env("TMPDIR", &tmp);
    let s = w.spawn(c);
    assert!(
        wait_for(10, || std::fs::read_dir(&tmp).unwrap().count() == 1),
        "no control directory"
    );
    s.signal("TERM");
    assert_eq!(s.wait_exit(20), Some(130), "{}", s.all());
    assert!(
        s.err()
            .contains("codex-fwd: login interrupted before ssh started"),
        "{}",
        s.all()
    );
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    assert_nothing_left(&w, 0);
}

/// codex-fwd killed outright (SIGKILL: no handler runs) in the middle of a login: its ssh
/// ends with it (Linux's parent-death signal), so no SOCKS port, listener or remote command is
/// left; before, the ssh kept the connection, the SOCKS port and the remote command until the
/// command ended by itself.
#[cfg(target_os = "linux")]
#[test]
fn a_killed_login_leaves_no_ssh_behind() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let s = super::login_real::login_spawn(
        &w,
        &["--no-browser"],
        "echo http://127.0.0.1:4490/cb?s=1; sleep 60",
    );
    s.wait_output(20, "the forward", |o| {
        o.contains("forwarding 127.0.0.1:4490")
    });
    assert!(!listeners(&w.laptop).is_empty());
    s.signal("KILL");
    s.wait_exit(10);
    assert_nothing_left(&w, 0);
}
