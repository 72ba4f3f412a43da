//! `codex-fwd login` with the real clients on the remote (the pinned Codex, Debian's rclone):
//! the port comes from the URL they print, the browser stand-in on the laptop follows it, and
//! their own words say the callback arrived (`client`). After each login nothing listens on the
//! laptop and nothing of the login runs on the remote.

use std::process::Command;

use super::client::*;
use super::world::*;

/// `codex-fwd login myserver [ARGS] -- REMOTE` with the browser stand-in, until it exits.
pub fn login(w: &World, args: &[&str], remote: &str) -> Run {
    let mut a = vec!["login", "myserver"];
    a.extend_from_slice(args);
    a.extend(["--", remote]);
    w.run(&a, &[])
}

/// `codex-fwd login myserver [ARGS] -- REMOTE` in the background (the browser stand-in set).
pub fn login_spawn(w: &World, args: &[&str], remote: &str) -> Spawned {
    let mut c = w.laptop.cmd(assert_cmd::cargo::cargo_bin("codex-fwd"));
    c.arg("-F")
        .arg(&w.config)
        .args(["login", "myserver"])
        .args(args)
        .args(["--", remote])
        .env("BROWSER", w.browser());
    w.spawn(c)
}

/// Every TCP listener in `ns` (`ss -Hltn`).
pub fn listeners(ns: &Netns) -> Vec<String> {
    let out = ns.cmd("ss").arg("-Hltn").output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_string))
        .collect()
}

/// The command lines of the processes in `ns`.
pub fn processes(ns: &Netns) -> Vec<String> {
    ns.pids()
        .iter()
        .filter_map(|p| std::fs::read(format!("/proc/{p}/cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .collect()
}

/// After a login: nothing listens on the laptop (no login listener, no SOCKS port), and nothing
/// runs in the remote's namespace but `keep` processes (the world's stand-in server).
pub fn assert_nothing_left(w: &World, keep: usize) {
    assert_nothing_left_but(w, keep, &[]);
}

/// `assert_nothing_left`, but for the laptop's listeners on `ports` (the test's own).
pub fn assert_nothing_left_but(w: &World, keep: usize, ports: &[u16]) {
    let ours = |a: &String| {
        ports
            .iter()
            .any(|p| a.rsplit(':').next() == Some(&p.to_string()))
    };
    let left = || -> Vec<String> {
        listeners(&w.laptop)
            .into_iter()
            .filter(|a| !ours(a))
            .collect()
    };
    assert!(
        wait_for(10, || left().is_empty()),
        "the laptop still listens: {:?}",
        left()
    );
    assert!(
        wait_for(10, || w.remote.pids().len() <= keep),
        "still running on the remote: {:?}",
        processes(&w.remote)
    );
}

#[test]
fn real_codex_logs_in_through_the_port_its_url_names() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    // The callback reached Codex (its token exchange then fails: exit 1, passed on).
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    assert_eq!(
        query_param(&opened[0], "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1455/auth/callback")
    );
    let lines = w.browser_lines();
    assert!(lines.iter().any(|l| l == "status 200"), "{lines:?}");
    // Said before the browser opened: the forward, in one line.
    let fwd = r.err.find("codex-fwd: forwarding ").expect("forward line");
    assert!(fwd < r.err.find("opening the login page").unwrap(), "{r:?}");
    assert!(r.err.contains(":1455 on myserver"), "{r:?}");
    assert_nothing_left(&w, 0);
}

#[test]
fn real_codex_falls_back_to_1457_and_the_login_follows() {
    // The world's stand-in holds the remote's 1455: Codex takes 1457, and so does the login.
    let Some(w) = world() else { return };
    let Some(codex) = codex() else { return };
    let r = login(&w, &[], &codex_login(&w, &codex, &[]));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(CODEX_ARRIVED), "{r:?}");
    assert_eq!(
        query_param(&w.opened()[0], "redirect_uri").as_deref(),
        Some("http://127.0.0.1:1457/auth/callback")
    );
    assert!(r.err.contains(":1457 on myserver"), "{r:?}");
    assert!(!r.err.contains(":1455 on myserver"), "{r:?}");
    // Only Codex's own /cancel reached the stand-in on 1455 (on the remote), nothing from here.
    assert_eq!(w.received(), ["/cancel"]);
    assert_nothing_left(&w, 1);
}

#[test]
fn real_rclone_opens_its_own_loopback_url_through_the_forward() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(rclone) = rclone() else { return };
    let r = login(&w, &[], &rclone_authorize(&w, &rclone));
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.out.contains(RCLONE_ARRIVED), "{r:?}");
    // The URL opened is rclone's own http://127.0.0.1:53682/auth?state=...; its server answered
    // through the forward with the provider's URL, whose redirect_uri is the same port.
    let opened = w.opened();
    assert_eq!(opened.len(), 1, "{r:?}");
    assert!(opened[0].starts_with(RCLONE_AUTH), "{opened:?}");
    let lines = w.browser_lines();
    let redirect = lines
        .iter()
        .find_map(|l| l.strip_prefix("redirect "))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(
        query_param(redirect, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:53682/")
    );
    assert!(rclone_answered(&lines, 200), "{lines:?}");
    assert!(r.err.contains("127.0.0.1:53682 on myserver"), "{r:?}");
    assert_nothing_left(&w, 0);
}

/// Ctrl-C without a terminal (a script's SIGINT): codex-fwd stops ssh, exits 130, and the
/// remote Codex is gone too (its terminal hung up), its port free.
#[test]
fn interrupted_without_a_terminal_leaves_nothing_on_the_remote() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    let s = login_spawn(&w, &["--no-browser"], &codex_login(&w, &codex, &[]));
    s.wait_output(30, "the URL to open", |o| {
        o.contains("open this URL in this machine's browser: https://auth.openai.com/")
    });
    assert!(
        w.laptop
            .listening(1455)
            .contains(&"127.0.0.1:1455".to_string())
    );
    let running = processes(&w.remote);
    assert!(running.iter().any(|c| c.contains("codex")), "{running:?}");
    s.signal("INT");
    assert_eq!(s.wait_exit(10), Some(130), "{}", s.all());
    assert_nothing_left(&w, 0);
    assert!(w.remote.listening(1455).is_empty());
}

/// Ctrl-C through a terminal (tmux): the keystroke goes to Codex on the remote, which stops; the
/// login ends, and nothing is left on either side.
#[test]
fn ctrl_c_through_a_terminal() {
    let Some(w) = world_with(&Setup::new().without_stand_in()) else {
        return;
    };
    let Some(codex) = codex() else { return };
    if which("tmux").is_none() {
        skip("tmux not found");
        return;
    }
    let out = w.dir.path().join("tmux.out");
    let line = format!(
        "BROWSER=true '{}' -F '{}' login myserver -- \"{}\" 2>&1 | tee '{}'; echo exit=${{PIPESTATUS[0]}} >> '{}'",
        assert_cmd::cargo::cargo_bin("codex-fwd").display(),
        w.config.display(),
        codex_login(&w, &codex, &[]),
        out.display(),
        out.display(),
    );
    let session = format!("cfwd-{}", w.laptop.0);
    /// The tmux server, killed when the test ends.
    struct Tmux(String);
    impl Drop for Tmux {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .args(["-L", &self.0, "kill-server"])
                .output();
        }
    }
    let tmux = Tmux(session.clone());
    let run = |args: &[&str]| {
        w.laptop
            .cmd("tmux")
            .args(["-L", &tmux.0])
            .args(args)
            .output()
            .unwrap()
    };
    let started = run(&[
        "new-session",
        "-d",
        "-s",
        "login",
        "-x",
        "200",
        "-y",
        "50",
        "bash",
        "-c",
        &line,
    ]);
    assert!(started.status.success(), "{started:?}");
    let read = || std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        wait_for(30, || read().contains("opening the login page")),
        "{}",
        read()
    );
    assert!(!w.laptop.listening(1455).is_empty());
    assert!(run(&["send-keys", "-t", "login", "C-c"]).status.success());
    assert!(wait_for(15, || read().contains("exit=")), "{}", read());
    let text = read();
    let code = text.rsplit("exit=").next().unwrap().trim();
    // Codex ended by the keystroke: by the signal (ssh: 255, codex-fwd: 4) or by exiting.
    assert_ne!(code, "0", "{text}");
    assert_nothing_left(&w, 0);
}
