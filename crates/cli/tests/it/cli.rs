//! Integration tests of the `codex-fwd` binary: every flag and exit code, bad input, and the
//! safety of writes (symlinks, mode, owner, concurrency, torn reads).
//! Unix only (modes, owners, devices, FIFOs); what also runs on Windows is in `portable.rs`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use predicates::prelude::*;

const BASE: &str = "Host other\n    User o\n\nHost *\n    ServerAliveInterval 30\n";
const FWD: &str = "LocalForward 1455 localhost:1455";

use crate::common::{Closed, bin, config_file as setup, output_with_closed, stand_in_ssh};

/// Standard output closed before the run writes, standard error open.
const CLOSED_STDOUT: Closed = Closed {
    stdout: true,
    stderr: false,
};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// The `localforward` lines `ssh -G -F cfg host` prints (run in `dir` when given).
fn ssh_g_localforwards(dir: Option<&Path>, cfg: &str, host: &str) -> Vec<String> {
    let mut cmd = StdCommand::new("ssh");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let g = cmd
        .args(["-G", "-F", cfg, host])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("ssh is needed");
    String::from_utf8_lossy(&g.stdout)
        .lines()
        .filter(|l| l.starts_with("localforward "))
        .map(str::to_string)
        .collect()
}

/// A `status --json` host's forwards as `ssh -G` prints them (`localforward LISTEN CONNECT`).
fn json_localforwards(h: &serde_json::Value) -> Vec<String> {
    (h["forwards"].as_array().unwrap().iter())
        .map(|f| {
            format!(
                "localforward {} {}",
                f["listen"].as_str().unwrap(),
                f["connect"].as_str().unwrap()
            )
        })
        .collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

#[test]
fn dry_run_prints_diff_and_touches_nothing() {
    let (_d, cfg) = setup(BASE);
    let before = std::fs::metadata(&cfg).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "myserver",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("--- {}", cfg.display())))
        .stdout(predicate::str::contains(format!("+++ {}", cfg.display())))
        .stdout(predicate::str::contains("+Host myserver\n"))
        .stdout(predicate::str::contains(format!("+    {FWD}\n")));
    let after = std::fs::metadata(&cfg).unwrap();
    assert_eq!(read(&cfg), BASE);
    assert_eq!(before.mtime_nsec(), after.mtime_nsec());
    assert_eq!(before.ino(), after.ino());
}

/// Two changes in one run, the second a new block beside the lines it repeats: the printed
/// diff keeps 3 lines of context after it (a diff with fewer would tie the hunk to the end of
/// the file for `patch`, which then refuses it), and a `\r` inside a line ends no line.
#[test]
fn dry_run_diff_keeps_its_context_beside_repeated_lines() {
    let text = "Host web\n  User u\n\nHost x\n  LocalForward 1455 localhost:1455\n\n\
                Host *\n  User me\n  # a\rb\n  ForwardAgent no\n";
    let (_d, cfg) = setup(text);
    let c = cfg.to_str().unwrap();
    let out = bin()
        .args(["-F", c, "enable", "web", "db", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let want = format!(
        "--- {c}\n+++ {c}\n@@ -1,9 +1,13 @@\n Host web\n   User u\n+  {FWD}\n \n Host x\n   {FWD}\n \n\
         +Host db\n+  {FWD}\n+\n Host *\n   User me\n   # a\rb\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

/// A config with bytes that are not UTF-8 (a Latin-1 comment): the printed diff holds them as
/// the file does, so that `patch` finds its lines (it printed U+FFFD, and `patch` then refused
/// the hunk); the `--json` diff, which is text, shows U+FFFD.
#[test]
fn dry_run_diff_keeps_bytes_that_are_not_utf8() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("config");
    std::fs::write(&cfg, b"# caf\xe9\nHost a\n  User u\n\n# \xe9t\xe9\n").unwrap();
    let c = cfg.to_str().unwrap();
    let out = bin()
        .args(["-F", c, "enable", "a", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let want = [
        format!("--- {c}\n+++ {c}\n@@ -1,5 +1,6 @@\n").as_bytes(),
        b" # caf\xe9\n Host a\n   User u\n",
        format!("+  {FWD}\n").as_bytes(),
        b" \n # \xe9t\xe9\n",
    ]
    .concat();
    assert_eq!(out.stdout, want, "{}", String::from_utf8_lossy(&out.stdout));
    let out = bin()
        .args(["-F", c, "enable", "a", "--dry-run", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["files"][0]["diff"].as_str().unwrap().as_bytes(),
        String::from_utf8_lossy(&want).as_bytes()
    );
}

/// Removed and added lines hold the file's bytes as they are too (control bytes, bytes that
/// are not UTF-8, a last line without a line ending), whatever `--color` says when stdout is
/// not a terminal (a stripping stream dropped `\x01`, `\x7f` and `\xe9` and left an escape
/// behind), and the `---`/`+++` lines name the file by its own bytes: `patch` applies the diff.
#[cfg(unix)]
#[test]
fn dry_run_diff_removed_and_added_lines_and_name_keep_their_bytes() {
    use std::os::unix::ffi::OsStrExt as _;
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.cfg"));
    let text = b"Host a\n  User x # caf\xe9\x01\x7f";
    std::fs::write(&cfg, text).unwrap();
    let name = cfg.as_os_str().as_bytes();
    let want = [
        b"--- ",
        name,
        b"\n+++ ",
        name,
        b"\n@@ -1,2 +1,3 @@\n Host a\n",
        b"-  User x # caf\xe9\x01\x7f\n\\ No newline at end of file\n",
        b"+  User x # caf\xe9\x01\x7f\n",
        format!("+  {FWD}\n").as_bytes(),
        b"\\ No newline at end of file\n",
    ]
    .concat();
    for colour in [None, Some("never"), Some("auto")] {
        let mut c = bin();
        c.arg("-F").arg(&cfg).args(["enable", "a", "--dry-run"]);
        if let Some(when) = colour {
            c.args(["--color", when]);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            out.stdout,
            want,
            "{colour:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(std::fs::read(&cfg).unwrap(), text);
}

/// `enable a A`: `A`'s final pass (for the name `a`) reads the block this run adds for `a`,
/// which `GatewayPorts yes` opens to the network; each alone is fine. The refusal says it
/// comes of the change for `a` (it named a line past the file's end, and codex-fwd panicked).
#[test]
fn a_refusal_that_comes_of_an_earlier_host_in_the_run_says_so() {
    let (_d, cfg) = setup("Host !a *\n  GatewayPorts yes\nMatch final\n");
    let c = cfg.to_str().unwrap();
    for host in ["a", "A"] {
        bin()
            .args(["-F", c, "enable", host, "--dry-run"])
            .assert()
            .success();
    }
    bin()
        .args(["-F", c, "enable", "a", "A", "--dry-run"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "A: refused once this run's change for a is made (",
        ))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn check_exits_1_when_a_change_is_needed_and_0_when_not() {
    let (_d, cfg) = setup(BASE);
    let before = std::fs::metadata(&cfg).unwrap();
    bin()
        .args(["enable", "myserver", "--check", "-F", cfg.to_str().unwrap()])
        .assert()
        .code(1);
    assert_eq!(read(&cfg), BASE);
    assert_eq!(
        before.mtime_nsec(),
        std::fs::metadata(&cfg).unwrap().mtime_nsec()
    );
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "--yes"])
        .assert()
        .success();
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "--check"])
        .assert()
        .code(0);
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "disable",
            "myserver",
            "--check",
        ])
        .assert()
        .code(1);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_written() {
    let (_d, cfg) = setup(BASE);
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver"])
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("+Host myserver"))
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(read(&cfg), BASE);
}

#[test]
fn yes_writes_and_a_second_run_changes_nothing() {
    let (_d, cfg) = setup(BASE);
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .success();
    let once = read(&cfg);
    assert_eq!(
        once,
        format!(
            "Host other\n    User o\n\nHost myserver\n    {FWD}\n\nHost *\n    ServerAliveInterval 30\n"
        )
    );
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    assert_eq!(read(&cfg), once);
    bin()
        .args(["-F", cfg.to_str().unwrap(), "disable", "myserver", "-y"])
        .assert()
        .success();
    assert_eq!(read(&cfg), BASE);
}

#[test]
fn local_port_and_port() {
    let (_d, cfg) = setup("Host myserver\n\tUser me\n");
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "myserver",
            "--local-port",
            "2455",
            "-y",
        ])
        .assert()
        .success();
    assert_eq!(
        read(&cfg),
        "Host myserver\n\tUser me\n\tLocalForward 2455 localhost:1455\n"
    );
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "myserver",
            "--port",
            "8000",
            "-y",
        ])
        .assert()
        .success();
    assert!(read(&cfg).ends_with("\tLocalForward 8000 localhost:8000\n"));
}

#[test]
fn several_hosts_in_one_run() {
    let (_d, cfg) = setup(BASE);
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "a",
            "b",
            "other",
            "-y",
        ])
        .assert()
        .success();
    let text = read(&cfg);
    assert!(text.contains("Host a\n    LocalForward"));
    assert!(text.contains("Host b\n    LocalForward"));
    assert!(text.contains("Host other\n    User o\n    LocalForward"));
}

#[test]
fn json_describes_the_plan() {
    let (_d, cfg) = setup(BASE);
    let out = bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "myserver",
            "--dry-run",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["action"], "enable");
    assert_eq!(v["hosts"][0], "myserver");
    assert_eq!(v["changed"], true);
    assert_eq!(v["written"], false);
    assert_eq!(v["files"][0]["path"], cfg.to_str().unwrap());
    assert!(
        v["files"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+Host myserver")
    );
    assert_eq!(read(&cfg), BASE);
}

#[test]
fn bad_input_is_one_line_exit_2_and_nothing_written() {
    let (_d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap();
    let bad_hosts = [
        "my server",
        "a\nb",
        "#ab",
        "\"a\"",
        "web*",
        "w?b",
        "!a",
        "a,b",
        "",
        "a'b",
        "a\\b",
    ];
    for h in bad_hosts {
        let out = bin().args(["-F", c, "enable", h, "-y"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{h:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{h:?}: {err}");
        assert!(err.contains("host name"), "{h:?}: {err}");
    }
    for p in ["0", "65536", "abc", "-1"] {
        bin()
            .args(["-F", c, "enable", "myserver", "-y", "--port", p])
            .assert()
            .code(2);
        bin()
            .args(["-F", c, "enable", "myserver", "-y", "--local-port", p])
            .assert()
            .code(2);
    }
    assert_eq!(read(&cfg), BASE);
    // A directory where the config should be.
    let d = tempfile::tempdir().unwrap();
    bin()
        .args(["-F", d.path().to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

/// Run as an unprivileged user when we are root (CI), so that permissions bite.
fn as_nobody(cmd: &mut StdCommand) -> bool {
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if !root {
        return true;
    }
    let has_setpriv = StdCommand::new("setpriv").arg("--version").output().is_ok();
    if !has_setpriv {
        return false;
    }
    let prog = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    *cmd = StdCommand::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(prog)
        .args(args);
    true
}

#[test]
fn unreadable_config_is_exit_2() {
    let (d, cfg) = setup(BASE);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("codex-fwd"));
    cmd.args([
        "-F",
        cfg.to_str().unwrap(),
        "enable",
        "myserver",
        "--dry-run",
    ]);
    assert!(as_nobody(&mut cmd), "setpriv is needed to drop root");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn symlinked_config_keeps_the_link_and_writes_the_target() {
    let d = tempfile::tempdir().unwrap();
    let real = d.path().join("dotfiles/ssh_config");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, BASE).unwrap();
    let link = d.path().join("config");
    std::os::unix::fs::symlink("dotfiles/ssh_config", &link).unwrap();
    bin()
        .args(["-F", link.to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).contains(FWD));
}

#[test]
fn mode_and_owner_are_kept() {
    let (_d, cfg) = setup(BASE);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o640)).unwrap();
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    if root {
        std::os::unix::fs::chown(&cfg, Some(1234), Some(2345)).unwrap();
    }
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .success();
    let m = std::fs::metadata(&cfg).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((m.uid(), m.gid()), (1234, 2345));
    } else {
        eprintln!("not root: owner change not exercised");
    }
    assert!(read(&cfg).contains(FWD));
}

#[test]
fn absent_ssh_dir_is_created_private() {
    // ssh reads the password database's home, not $HOME, and so does codex-fwd: a test points
    // it at a config of its own with -F.
    let home = tempfile::tempdir().unwrap();
    let ssh = home.path().join(".ssh");
    bin()
        .env("HOME", home.path())
        .arg("-F")
        .arg(ssh.join("config"))
        .args(["enable", "myserver", "-y"])
        .assert()
        .success();
    assert_eq!(std::fs::metadata(&ssh).unwrap().mode() & 0o777, 0o700);
    let cfg = ssh.join("config");
    assert_eq!(std::fs::metadata(&cfg).unwrap().mode() & 0o777, 0o600);
    assert_eq!(read(&cfg), format!("Host myserver\n    {FWD}\n"));
    // Nothing is left behind but the config.
    let names: Vec<_> = std::fs::read_dir(&ssh)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("config")]);
}

#[test]
fn under_sudo_a_new_config_belongs_to_the_user_not_root() {
    if std::fs::metadata("/proc/self").unwrap().uid() != 0 {
        eprintln!("not root: nothing to check");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(home.path(), Some(1234), Some(2345)).unwrap();
    bin()
        .env("HOME", home.path())
        .arg("-F")
        .arg(home.path().join(".ssh/config"))
        .args(["enable", "myserver", "-y"])
        .assert()
        .success();
    for p in [home.path().join(".ssh"), home.path().join(".ssh/config")] {
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), (1234, 2345), "{}", p.display());
    }
}

#[test]
fn concurrent_writers_lose_no_update_and_readers_never_see_a_torn_file() {
    let start = "# fleet\nHost base\n    User b\n";
    let (_d, cfg) = setup(start);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let cfg = cfg.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let text = std::fs::read_to_string(&cfg).unwrap();
                // Every state is the start plus whole blocks.
                assert!(text.starts_with(start), "torn: {text:?}");
                let rest = &text[start.len()..];
                for block in rest.split("\nHost ").filter(|b| !b.is_empty()) {
                    assert!(
                        block.ends_with(&format!("{FWD}\n")),
                        "torn block: {block:?}"
                    );
                }
                reads += 1;
            }
            reads
        })
    };
    let children: Vec<_> = (1..=8)
        .map(|i| {
            StdCommand::new(assert_cmd::cargo::cargo_bin("codex-fwd"))
                .args([
                    "-F",
                    cfg.to_str().unwrap(),
                    "enable",
                    &format!("h{i}"),
                    "-y",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    let text = read(&cfg);
    for i in 1..=8 {
        assert!(
            text.contains(&format!("Host h{i}\n    {FWD}\n")),
            "h{i} lost:\n{text}"
        );
    }
    // No temporary files are left behind.
    let n = std::fs::read_dir(cfg.parent().unwrap()).unwrap().count();
    assert_eq!(n, 1);
}

#[test]
fn disable_of_a_shared_forward_fails_naming_file_and_line() {
    let (_d, cfg) = setup("Host *\n    LocalForward 1455 localhost:1455\n");
    bin()
        .args(["-F", cfg.to_str().unwrap(), "disable", "myserver", "-y"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("{}:2:", cfg.display())))
        .stderr(predicate::str::contains("Host *"));
    assert_eq!(read(&cfg), "Host *\n    LocalForward 1455 localhost:1455\n");
}

#[test]
fn clear_all_forwardings_refuses_enable() {
    let text = "Host myserver\n    ClearAllForwardings yes\n";
    let (_d, cfg) = setup(text);
    bin()
        .args(["-F", cfg.to_str().unwrap(), "enable", "myserver", "-y"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("ClearAllForwardings"));
    assert_eq!(read(&cfg), text);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let (_d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap();
    let run = |extra: &[&str], no_color: bool| {
        let mut cmd = bin();
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd
            .args(["-F", c, "enable", "myserver", "-n"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        !run(&[], false).contains('\x1b'),
        "piped output has no colour"
    );
    assert!(run(&["--color", "always"], false).contains("\x1b["));
    assert!(!run(&["--color", "never"], false).contains('\x1b'));
    assert!(!run(&["--color", "auto"], true).contains('\x1b'));
}

#[test]
fn status_json_forwards_equal_ssh_g() {
    let mut compared = 0;
    for name in [
        "match_final_all.conf",
        "duplicate_hosts.conf",
        "negation.conf",
        "crlf.conf",
        "tabs_equals.conf",
        "host_star_first.conf",
    ] {
        let cfg = fixtures().join("flat").join(name);
        let out = bin()
            .args([
                "-F",
                cfg.to_str().unwrap(),
                "status",
                "--json",
                "myserver",
                "other",
                "bastion",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for h in v.as_array().unwrap() {
            let host = h["host"].as_str().unwrap();
            let want = ssh_g_localforwards(None, cfg.to_str().unwrap(), host);
            assert_eq!(json_localforwards(h), want, "{name} {host}");
            for f in h["forwards"].as_array().unwrap() {
                assert!(f["line"].as_u64().unwrap() > 0);
                assert_eq!(f["file"], cfg.to_str().unwrap());
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 18);
}

#[test]
fn status_lists_every_literal_host() {
    let (_d, cfg) =
        setup("Host a b *.corp !c\n    User x\nHost d\n    LocalForward 1455 localhost:1455\n");
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "status", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(hosts, ["a", "b", "d"]);
    assert_eq!(v[2]["enabled"], true);
    assert_eq!(v[0]["enabled"], false);
    assert_eq!(v[0]["user"], "x");
}

#[test]
fn help_documents_exit_codes_and_examples() {
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"));
    bin()
        .args(["enable", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--local-port 2455"))
        .stdout(predicate::str::contains("--check"));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for word in ["codex-fwd", "enable", "disable", "status", "local-port"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    bin().args(["completions", "tcsh"]).assert().code(2);
}

/// The bash script completes a subcommand's options (`codex-fwd enable --<TAB>`), its
/// values (`--color <TAB>`) and the subcommands, as bash calls it.
#[test]
fn bash_completes_a_subcommands_options() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("codex-fwd.bash");
    std::fs::write(&script, out.stdout).unwrap();
    // The words typed, the last being completed: what the completion function offers.
    let complete = |words: &[&str]| -> Vec<String> {
        let words: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let run = format!(
            "source '{}'; COMP_WORDS=(codex-fwd {}); COMP_CWORD=${{#COMP_WORDS[@]}}; \
             COMP_CWORD=$((COMP_CWORD - 1)); \
             _codex__fwd codex-fwd \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD - 1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words.join(" ")
        );
        let out = StdCommand::new("bash").args(["-c", &run]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let enable = complete(&["enable", "--"]);
    for word in [
        "--dry-run",
        "--port",
        "--local-port",
        "--config",
        "--color",
        "--help",
    ] {
        assert!(
            enable.contains(&word.to_string()),
            "{enable:?} lacks {word}"
        );
    }
    assert_eq!(complete(&["status", "--j"]), ["--json"]);
    assert_eq!(complete(&["login", "--device"]), ["--device-auth"]);
    assert_eq!(
        complete(&["enable", "--color", ""]),
        ["auto", "always", "never"]
    );
    assert!(complete(&["en"]).contains(&"enable".to_string()));
}

#[test]
fn man_page() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(".TH codex-fwd 1"), "{text}");
    for word in ["enable", "disable", "status", "doctor", "tunnel"] {
        assert!(text.contains(word), "man page lacks {word}");
    }
}

/// Run `cmd` and wait at most `secs` seconds: a hang is a failure, not a stuck test run.
fn output_within(mut cmd: StdCommand, secs: u64) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn cmd(args: &[&str]) -> StdCommand {
    let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin("codex-fwd"));
    c.args(args).env_remove("NO_COLOR");
    c
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mknod_null(path: &Path) -> bool {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid path; makedev(1, 3) is /dev/null's device number on Linux.
    unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) == 0 }
}

/// `--dry-run` and `--check` foretell the run that writes: a file it refuses to replace
/// (read-only, with another hard link) is refused by them too, with the same message and exit
/// code, after the diff (they exited 0 and 1 with `"error": null`, and the run then failed).
#[test]
fn a_dry_run_foretells_a_refusal_to_write() {
    use std::os::unix::fs::PermissionsExt as _;
    let d = tempfile::tempdir().unwrap();
    let ro = d.path().join("ro.conf");
    std::fs::write(&ro, "Host a\n  User x\n").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let hl = d.path().join("hl.conf");
    std::fs::write(&hl, "Host a\n  User x\n").unwrap();
    std::fs::hard_link(&hl, d.path().join("hl2.conf")).unwrap();
    for (file, what) in [(&ro, "read-only"), (&hl, "hard link")] {
        let f = file.to_str().unwrap();
        let real = cmd(&["-F", f, "enable", "a", "--yes"]).output().unwrap();
        let real_err = String::from_utf8_lossy(&real.stderr).into_owned();
        assert_eq!(real.status.code(), Some(3), "{real_err}");
        assert!(real_err.contains(what), "{real_err}");
        for mode in [&["--dry-run"][..], &["--check"], &["--dry-run", "--json"]] {
            let out = cmd(&[&["-F", f, "enable", "a"][..], mode].concat())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{mode:?}: {err}");
            // (The summary of the change comes first, without --json.)
            assert_eq!(err.lines().last(), real_err.lines().last(), "{mode:?}");
        }
    }
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "Host a\n  User x\n");
}

#[test]
fn a_character_device_reads_as_empty_and_is_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    // Read: `-F /dev/null` is an empty config, as for `ssh -F /dev/null`.
    let out = output_within(cmd(&["-F", "/dev/null", "status", "myserver"]), 30);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // `--dry-run` shows the diff and foretells the refusal of the run that writes (exit 2).
    let out = output_within(
        cmd(&["-F", "/dev/null", "enable", "myserver", "--dry-run"]),
        30,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+Host myserver"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("character device"));
    // Write: refused, exit 2. As root (who could replace /dev/null) on a private copy of the
    // device, so that a regression cannot break this machine's /dev/null.
    let d = tempfile::tempdir().unwrap();
    let dev = d.path().join("null");
    let target = if mknod_null(&dev) {
        dev
    } else {
        PathBuf::from("/dev/null")
    };
    let out = output_within(
        cmd(&[
            "-F",
            target.to_str().unwrap(),
            "enable",
            "myserver",
            "--yes",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("character device"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("error")).count(),
        1,
        "{err}"
    );
    assert!(
        std::fs::metadata(&target)
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert_eq!(
        names_in(d.path()).len(),
        usize::from(target != Path::new("/dev/null"))
    );
}

#[test]
fn a_fifo_never_blocks_and_is_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("config");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let f = fifo.to_str().unwrap();
    // Nobody writes to it: it reads as empty at once.
    let out = output_within(cmd(&["-F", f, "status", "myserver"]), 30);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = output_within(cmd(&["-F", f, "enable", "myserver", "--yes"]), 30);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FIFO"),
        "{out:?}"
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(names_in(d.path()), ["config"]);
}

#[test]
fn a_read_only_config_is_refused_before_any_temporary_file() {
    let (d, cfg) = setup(BASE);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o400)).unwrap();
    let out = output_within(
        cmd(&["-F", cfg.to_str().unwrap(), "enable", "myserver", "--yes"]),
        30,
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("read-only (mode 0400)"), "{err}");
    assert_eq!(read(&cfg), BASE);
    assert_eq!(std::fs::metadata(&cfg).unwrap().mode() & 0o7777, 0o400);
    assert_eq!(names_in(d.path()), ["config"]);
}

#[test]
fn a_read_only_directory_is_refused_before_any_temporary_file() {
    let (d, cfg) = setup(BASE);
    let missing = d.path().join("new-config");
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    for (path, want) in [(&cfg, Some(BASE)), (&missing, None)] {
        let out = output_within(
            cmd(&["-F", path.to_str().unwrap(), "enable", "myserver", "--yes"]),
            30,
        );
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is a read-only directory"), "{err}");
        assert_eq!(std::fs::read_to_string(path).ok().as_deref(), want);
    }
    assert_eq!(names_in(d.path()), ["config"]);
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_link_into_the_nix_store_names_home_manager_and_the_entry_to_add() {
    // A fake store this test controls, named to the binary by CODEX_FWD_NIX_STORE.
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("nix/store");
    let generated = store.join("0abc-home-manager-files/.ssh/config");
    std::fs::create_dir_all(generated.parent().unwrap()).unwrap();
    std::fs::write(&generated, BASE).unwrap();
    std::fs::set_permissions(&generated, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = d.path().join("config");
    std::os::unix::fs::symlink(&generated, &link).unwrap();
    let mut c = cmd(&["-F", link.to_str().unwrap(), "enable", "myserver", "--yes"]);
    c.env("CODEX_FWD_NIX_STORE", format!("{}/", store.display()));
    let out = output_within(c, 30);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("home-manager"), "{err}");
    assert!(
        err.contains(r#"programs.ssh.matchBlocks."myserver".localForwards = [ { bind.port = 1455; host.address = "localhost"; host.port = 1455; } ];"#),
        "{err}"
    );
    assert_eq!(read(&generated), BASE);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_hard_linked_config_is_refused_unless_forced_then_written_in_place() {
    let (d, cfg) = setup(BASE);
    let other = d.path().join("dotfiles-config");
    std::fs::hard_link(&cfg, &other).unwrap();
    let out = output_within(
        cmd(&["-F", cfg.to_str().unwrap(), "enable", "myserver", "--yes"]),
        30,
    );
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 hard links") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&cfg), BASE);
    // --force writes the file itself: same inode, so the other name sees the change too.
    let ino = std::fs::metadata(&cfg).unwrap().ino();
    let out = output_within(
        cmd(&[
            "-F",
            cfg.to_str().unwrap(),
            "enable",
            "myserver",
            "--yes",
            "--force",
        ]),
        30,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let m = std::fs::metadata(&cfg).unwrap();
    assert_eq!((m.ino(), m.nlink()), (ino, 2));
    assert!(read(&cfg).contains(FWD));
    assert_eq!(read(&other), read(&cfg));
    assert_eq!(names_in(d.path()), ["config", "dotfiles-config"]);
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    let (_d, cfg) = setup(&format!("{BASE}Host a\nHost b\nHost c\n"));
    let c = cfg.to_str().unwrap();
    for args in [
        vec!["-F", c, "status"],
        vec!["-F", c, "status", "--json"],
        vec!["-F", c, "enable", "myserver", "--dry-run"],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        // Close the reading end before the first write, as `| head -0` would.
        let out = output_with_closed(cmd(&args), CLOSED_STDOUT);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
}

/// A reader that goes away (`| head`) takes no more output, and the run goes on: `enable
/// --yes` still writes (it ended with exit 0 and nothing written), `--check` still says 1, and a
/// closed or full stderr is no panic (exit 101). What a run does and its exit status do not
/// depend on whether anyone reads it.
#[test]
fn an_edit_whose_output_is_not_read_still_does_what_it_was_asked() {
    use std::process::Stdio;
    let closed = |args: &[&str], stdout: bool, stderr: bool| {
        output_with_closed(cmd(args), Closed { stdout, stderr })
    };
    for (close_stdout, close_stderr) in [(true, false), (false, true), (true, true)] {
        for json in [false, true] {
            let (_d, cfg) = setup(BASE);
            let c = cfg.to_str().unwrap();
            let mut args = vec!["-F", c, "enable", "myserver"];
            if json {
                args.push("--json");
            }
            let check = closed(
                &[&args[..], &["--check"]].concat(),
                close_stdout,
                close_stderr,
            );
            assert_eq!(check.status.code(), Some(1), "{args:?} --check: {check:?}");
            let out = closed(
                &[&args[..], &["--yes"]].concat(),
                close_stdout,
                close_stderr,
            );
            assert_eq!(out.status.code(), Some(0), "{args:?} --yes: {out:?}");
            assert!(read(&cfg).contains(FWD), "{args:?}: not written");
        }
    }
    #[cfg(target_os = "linux")]
    {
        let (_d, cfg) = setup(BASE);
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = cmd(&["-F", cfg.to_str().unwrap(), "enable", "myserver", "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(read(&cfg).contains(FWD));
    }
}

/// `doctor`'s exit status is its verdict: a reader that went away before the report (`doctor
/// | true`) takes no more of it, and the verdict stands (it was 0, "no problems"). `--help` to
/// a full disk fails as any output does (exit 4; it was 0), and `tunnel` refuses a missing `-F`
/// file before it says anything (it printed its banner, then ssh failed).
#[test]
fn a_verdict_stands_when_its_output_is_not_read() {
    use std::process::Stdio;
    let (_d, cfg) = setup("Host a\n  LocalForward [::1]:1455 localhost:1455\n");
    let c = cfg.to_str().unwrap();
    for json in [false, true] {
        let mut args = vec!["-F", c, "doctor", "a"];
        if json {
            args.push("--json");
        }
        let read = cmd(&args).output().unwrap();
        assert_eq!(read.status.code(), Some(3), "{read:?}");
        let out = output_with_closed(cmd(&args), CLOSED_STDOUT);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
    }
    #[cfg(target_os = "linux")]
    for args in [["--help"], ["--version"]] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = cmd(&args).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {out:?}");
    }
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("typo.conf");
    let out = cmd(&["-F", missing.to_str().unwrap(), "tunnel", "a"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("Forwarding"), "{err}");
}

/// `-F FILE` naming a file that does not exist: ssh refuses it ("Can't open user config
/// file"), and so do the commands that read what ssh reads (exit 2, one line, nothing made);
/// `enable` creates it, also under a relative directory of one name that does not exist yet
/// (it failed there, `stat("")`, leaving the directory behind).
#[test]
fn a_missing_file_named_with_f_is_refused_by_readers_and_created_by_enable() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        vec!["-F", "sub/typo.conf", "status", "a"],
        vec!["-F", "sub/typo.conf", "status"],
        vec!["-F", "sub/typo.conf", "doctor", "a"],
        vec!["-F", "-", "status", "a"],
    ] {
        let out = cmd(&args).current_dir(d.path()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("no such file"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    let out = cmd(&["-F", "sub/config", "enable", "a", "--yes"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let cfg = d.path().join("sub").join("config");
    assert_eq!(read(&cfg), format!("Host a\n    {FWD}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(d.path().join("sub"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let out = cmd(&["-F", "sub/config", "status", "a"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// An edit of several files whose last cannot be replaced (immutable: `chattr +i`, which the
/// checks before writing cannot see) wrote the first and said "nothing written": the files
/// written before it are now put back, and the message says so (exit 4). Skipped where
/// `chattr +i` cannot be set (not root, a file system without it).
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_cannot_be_written_leaves_the_files_written_before_it_as_they_were() {
    let d = tempfile::tempdir().unwrap();
    let (a, e) = (d.path().join("a.conf"), d.path().join("e").join("e.conf"));
    std::fs::create_dir(d.path().join("e")).unwrap();
    std::fs::write(&a, "Host a\n  User x\n").unwrap();
    std::fs::write(&e, "Host e\n  User q\n").unwrap();
    let main = d.path().join("main");
    std::fs::write(&main, format!("Include {} {}\n", a.display(), e.display())).unwrap();
    let chattr = |flag: &str| {
        StdCommand::new("chattr")
            .arg(flag)
            .arg(&e)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !chattr("+i") {
        eprintln!("skipped: chattr +i is not possible here");
        return;
    }
    /// Takes the immutable flag off again, whatever the test's outcome (else the tempdir stays).
    struct Mutable<F: Fn(&str) -> bool>(F);
    impl<F: Fn(&str) -> bool> Drop for Mutable<F> {
        fn drop(&mut self) {
            (self.0)("-i");
        }
    }
    let _mutable = Mutable(chattr);
    let out = cmd(&["-F", main.to_str().unwrap(), "enable", "a", "e", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("cannot write") && err.contains("were put back"),
        "{err}"
    );
    assert_eq!(read(&a), "Host a\n  User x\n");
    assert_eq!(read(&e), "Host e\n  User q\n");
}

/// A usage error among arguments that are not UTF-8 (a file's name, a host) is the same one
/// line and exit 2 (it panicked, exit 101).
#[cfg(unix)]
#[test]
fn a_usage_error_beside_an_argument_that_is_not_utf8_is_one_line() {
    use std::os::unix::ffi::OsStrExt as _;
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9.cfg");
    for args in [
        vec![
            std::ffi::OsStr::new("-F"),
            odd,
            "enable".as_ref(),
            "b".as_ref(),
            "--bogus".as_ref(),
        ],
        vec!["enable".as_ref(), odd, "--bogus".as_ref()],
    ] {
        let out = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("codex-fwd enable --help"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_usage_error_is_one_line_with_a_help_pointer_exit_2() {
    for (args, help) in [
        (
            vec!["enable", "myserver", "--port", "abc"],
            "codex-fwd enable --help",
        ),
        (
            vec!["status", "--local-port", "0"],
            "codex-fwd status --help",
        ),
        (vec!["enable"], "codex-fwd enable --help"),
        (vec!["--bogus", "status"], "codex-fwd status --help"),
        (vec!["-F", "enable", "--bogus"], "codex-fwd --help"),
        (vec!["frobnicate"], "codex-fwd --help"),
    ] {
        let out = output_within(cmd(&args), 30);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("codex-fwd: error: "), "{args:?}: {err}");
        assert!(err.contains(help), "{args:?}: {err}");
    }
    bin().arg("--help").assert().success();
    bin().arg("--version").assert().success();
}

#[test]
fn commands_that_only_read_create_nothing() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["status"],
        vec!["doctor"],
        vec!["status", "myserver", "--json"],
        vec!["enable", "myserver", "--dry-run"],
        vec!["enable", "myserver", "--check"],
        vec!["disable", "myserver", "--yes"],
        vec!["disable", "myserver", "--check"],
    ] {
        // -F: without it codex-fwd reads the password database's home, as ssh does.
        let cfg = home.path().join(".ssh/config");
        let mut args = args.clone();
        args.extend(["-F", cfg.to_str().unwrap()]);
        let mut c = cmd(&args);
        c.env("HOME", home.path());
        let out = output_within(c, 30);
        assert!(
            matches!(out.status.code(), Some(0..=3)),
            "{args:?}: {out:?}"
        );
        assert_eq!(names_in(home.path()), Vec::<String>::new(), "{args:?}");
    }
}

#[test]
fn doctor_says_when_home_differs_from_the_password_database() {
    let codes = |home: Option<&Path>| -> Vec<String> {
        let mut c = cmd(&["doctor", "myserver", "--json", "--local-port", "1"]);
        match home {
            Some(h) => c.env("HOME", h),
            None => c.env_remove("HOME"),
        };
        let out = output_within(c, 30);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(codes(Some(elsewhere.path())).contains(&"home-differs".to_string()));
    // Without $HOME the home is the password database's: nothing to say.
    assert!(!codes(None).contains(&"home-differs".to_string()));
}

#[test]
fn dev_stdin_as_the_config_is_read_and_never_replaced() {
    use std::io::Write as _;
    use std::process::Stdio;
    // `-F /dev/stdin` with a pipe: /dev/stdin -> /proc/self/fd/0 -> `pipe:[N]`, a link that names
    // no path. It is read as ssh reads it, and refused as a FIFO (exit 2), not as a directory.
    for (args, code) in [
        (&["-F", "/dev/stdin", "status", "h"][..], 0),
        (&["-F", "/dev/stdin", "enable", "h", "--yes"][..], 2),
    ] {
        let mut child = cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"Host h\n    User x\n").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        if code == 2 {
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                "codex-fwd: error: /dev/stdin is a FIFO, not a regular file: ssh reads it, but codex-fwd never replaces it (nothing written)\n"
            );
        }
    }
}

/// `status` and `doctor` validate `--port`/`--local-port` and the hosts as `enable` does, before
/// reading the config: one line, exit 2, and nothing on stdout (doctor took the first port and
/// went on before).
#[test]
fn status_and_doctor_usage_errors() {
    let (_d, cfg) = setup(BASE);
    for sub in ["status", "doctor"] {
        let cases: [(&[&str], String); 3] = [
            (
                &["myserver", "--port", "1455,1457", "--local-port", "2455"],
                format!(
                    "codex-fwd: error: --local-port pairs with a single --port; give several as --port LOCAL:REMOTE,LOCAL:REMOTE (see `codex-fwd {sub} --help`)\n"
                ),
            ),
            (
                &["myserver", "--port", "1457:1455,1457"],
                format!(
                    "codex-fwd: error: local port 1457 is given twice (see `codex-fwd {sub} --help`)\n"
                ),
            ),
            (
                &["me@myserver"],
                "is an ssh destination, not a Host alias".to_string(),
            ),
        ];
        for (args, msg) in cases {
            let out = bin()
                .args(["-F", cfg.to_str().unwrap(), sub])
                .args(args)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{sub} {args:?}: {out:?}");
            assert!(out.stdout.is_empty(), "{sub} {args:?}: {out:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err == msg || (!msg.starts_with("codex-fwd") && err.contains(&msg)),
                "{sub} {args:?}: {err}"
            );
        }
    }
}

/// `-F none` is ssh's "no config file" (ssh.c, any letter case): refused in one line, nothing
/// read or written, whatever a file named `none` holds.
#[test]
fn dash_f_none_is_no_config_to_ssh() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("none"), "Host a\n  User u\n").unwrap();
    for spelling in ["none", "NONE"] {
        for sub in [
            &["status", "a"][..],
            &["enable", "a", "--yes"],
            &["doctor", "a"],
        ] {
            let out = bin()
                .current_dir(d.path())
                .args(["-F", spelling])
                .args(sub)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{sub:?}: {out:?}");
            assert!(out.stdout.is_empty());
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!(
                    "codex-fwd: error: `-F {spelling}` makes ssh read no config file at all, so there is nothing to check or edit; for a file named {spelling}, give `-F ./{spelling}`\n"
                )
            );
        }
    }
    assert_eq!(
        std::fs::read_to_string(d.path().join("none")).unwrap(),
        "Host a\n  User u\n"
    );
}

/// `login`'s usage errors come before any connection: one line, exit 2.
#[test]
fn login_usage_errors() {
    let (_d, cfg) = setup(BASE);
    let cases: [(&[&str], &str); 10] = [
        (
            &[
                "login",
                "myserver",
                "--port",
                "1455,1457",
                "--local-port",
                "2455",
            ],
            "--local-port pairs with a single --port",
        ),
        (
            &[
                "login",
                "myserver",
                "--port",
                "2455:1455",
                "--local-port",
                "2456",
            ],
            "both name the local port",
        ),
        (
            &["login", "myserver", "--port", "1457:1455,1457"],
            "local port 1457 is given twice",
        ),
        (
            &["login", "-l", "me", "root@myserver"],
            "names the user and so does -l",
        ),
        (&["login", "myserver", "--port", "0"], "is not a port"),
        (&["login", "myserver", "--port", "1455,"], "a port is empty"),
        (&["login", "myserver", "--port", ":1455"], "a port is empty"),
        (
            &["login", "myserver", "--device-auth="],
            "--device-auth= needs the client's name or path",
        ),
        (
            &["login", "myserver", "--local-port", "80"],
            "`--local-port 80`: a login never listens on a port below 1024 here",
        ),
        (
            &["login", "myserver", "--port", "1455,443"],
            "`--port 443`: a login never listens on a port below 1024 here",
        ),
    ];
    for (args, msg) in cases {
        bin()
            .args(["-F", cfg.to_str().unwrap()])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(msg));
    }
    // --device-auth takes its client with `=` only: a word after it is the host.
    bin()
        .args([
            "-F",
            cfg.to_str().unwrap(),
            "login",
            "--device-auth",
            "--port",
            "1455",
            "h",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// `ssh -V` is asked only when the config names a keyword or `Match` criterion that not every
/// supported OpenSSH knows, and then once: a stand-in `ssh` first on `PATH` records its calls.
#[test]
fn ssh_v_only_when_the_answer_depends_on_it() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("calls");
    let path = stand_in_ssh(
        d.path(),
        &format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho 'OpenSSH_9.2p1 Debian-2, OpenSSL 3.0' >&2\n",
            log.display()
        ),
    );
    let calls = || std::fs::read_to_string(&log).unwrap_or_default();
    let (_c, cfg) = setup("Host a\n    User u\n    ServerAliveInterval 30\n");
    for cmd in [&["status", "a"][..], &["enable", "a", "--dry-run"]] {
        bin()
            .env("PATH", &path)
            .args(["-F", cfg.to_str().unwrap()])
            .args(cmd)
            .assert()
            .success();
    }
    assert_eq!(
        calls(),
        "",
        "no ssh -V for a config every release reads alike"
    );
    let (_c, cfg) = setup("Host a\n    Tag t\n    User u\n");
    bin()
        .env("PATH", &path)
        .args(["-F", cfg.to_str().unwrap(), "status", "a"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rejected-line"));
    assert_eq!(
        calls(),
        "-V\n",
        "one ssh -V when a keyword is newer than some releases"
    );
}

/// `status a` on `config` with a stand-in `ssh` first on `PATH` that answers `ssh -V` with
/// `ssh_v` and records its calls: the run's standard output and the calls.
fn status_with_ssh_v(ssh_v: &str, config: &str) -> (String, String) {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("calls");
    let path = stand_in_ssh(
        d.path(),
        &format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho '{ssh_v}' >&2\n",
            log.display()
        ),
    );
    let (_c, cfg) = setup(config);
    let out = bin()
        .env("PATH", &path)
        .args(["-F", cfg.to_str().unwrap(), "status", "a"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{ssh_v}: {config}: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&log).unwrap_or_default(),
    )
}

/// `%j` (a token from 9.6) in a value ssh.c expands makes `status` ask `ssh -V`, and a 9.2 ssh
/// refuses the host as it does ("unknown key %j"); the newest release knows the token.
#[test]
fn percent_j_is_judged_by_the_release_ssh_v_names() {
    for (ssh_v, refused) in [
        (
            "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026",
            true,
        ),
        (
            "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024",
            false,
        ),
    ] {
        let (stdout, calls) =
            status_with_ssh_v(ssh_v, "Host a\n    ControlPath /tmp/%j\n    User u\n");
        assert_eq!(
            stdout.contains("unknown key %j"),
            refused,
            "{ssh_v}: {stdout}"
        );
        assert_eq!(calls, "-V\n", "{ssh_v}");
    }
}

/// `%C` in a forward's socket path under a `ProxyJump` hashes the jump host from 9.6 on, so
/// `status` asks `ssh -V` (once) whatever else the config names: a 9.2 ssh hashes `%l%h%p%r`
/// alone (as `ssh -G` 9.2p1 prints it, compared when the installed ssh is that release), a
/// newer one leaves it as written (the jump host is not worked out), and with no answer from
/// `ssh -V` it is left as written with a note in `status` and `doctor`.
#[test]
fn percent_c_under_a_proxy_jump_is_judged_by_the_release_ssh_v_names() {
    let config = "Host a\n    ProxyJump j\n    LocalForward /tmp/s-%C 127.0.0.1:1455\n";
    for (ssh_v, hashed) in [
        (
            "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026",
            Some(true),
        ),
        (
            "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024",
            Some(false),
        ),
        // `ssh -V` prints nothing: the release is not known.
        ("", None),
    ] {
        let d = tempfile::tempdir().unwrap();
        let log = d.path().join("calls");
        let say = if ssh_v.is_empty() {
            "exit 1".to_string()
        } else {
            format!("echo '{ssh_v}' >&2")
        };
        let path = stand_in_ssh(
            d.path(),
            &format!("#!/bin/sh\necho \"$@\" >> '{}'\n{say}\n", log.display()),
        );
        let (_c, cfg) = setup(config);
        let run = |args: &[&str]| {
            let out = bin()
                .env("PATH", &path)
                .args(["-F", cfg.to_str().unwrap()])
                .args(args)
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let json: serde_json::Value =
            serde_json::from_str(&run(&["status", "a", "--json"])).unwrap();
        let listen = json[0]["forwards"][0]["listen"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            !listen.contains("%C"),
            hashed == Some(true),
            "{ssh_v}: {listen}"
        );
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "-V\n", "{ssh_v}");
        let noted = json[0]["notes"].to_string().contains("gave no answer");
        assert_eq!(noted, hashed.is_none(), "{ssh_v}: {json}");
        let doctor = run(&["doctor", "a"]);
        assert_eq!(
            doctor.contains("gave no answer"),
            hashed.is_none(),
            "{ssh_v}: {doctor}"
        );
        if hashed == Some(true) {
            let real = StdCommand::new("ssh").arg("-V").output();
            let is_92 =
                real.is_ok_and(|o| String::from_utf8_lossy(&o.stderr).starts_with("OpenSSH_9.2"));
            if is_92 {
                let g = StdCommand::new("ssh")
                    .args(["-G", "-F", cfg.to_str().unwrap(), "a"])
                    .stdin(std::process::Stdio::null())
                    .output()
                    .unwrap();
                let g = String::from_utf8_lossy(&g.stdout);
                assert!(
                    g.contains(&format!("localforward {listen} [127.0.0.1]:1455")),
                    "{g}"
                );
            }
        }
    }
}

/// Debian's own keywords (`ProtocolKeepAlives`, `SetupTimeOut`, `UseBlacklistedKeys`) make
/// `status` ask `ssh -V` once, and are accepted when it names Debian's or Ubuntu's build and
/// refused ("Bad configuration option") by any other, as that ssh refuses them: a stand-in
/// `ssh` first on `PATH` says which it is and records its calls.
#[test]
fn debian_keywords_are_judged_by_the_vendor_ssh_v_names() {
    for (ssh_v, known) in [
        (
            "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026",
            true,
        ),
        (
            "OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024",
            true,
        ),
        ("OpenSSH_9.8p1, LibreSSL 3.3.6", false),
        ("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2", false),
    ] {
        for line in [
            "ProtocolKeepAlives 30",
            "SetupTimeOut 1m",
            "UseBlacklistedKeys no",
        ] {
            let (stdout, calls) =
                status_with_ssh_v(ssh_v, &format!("Host a\n    {line}\n    User u\n"));
            assert_eq!(
                !stdout.contains("rejected-line"),
                known,
                "{ssh_v}: {line}: {stdout}"
            );
            assert_eq!(calls, "-V\n", "{ssh_v}: {line}");
        }
    }
}

/// macOS's own ssh (`ssh -V`: `OpenSSH_9.8p1, LibreSSL 3.3.6`, Apple's build) knows
/// `UseKeychain`, the line GitHub's and Apple's guides put in `Host *`: `status` and `enable`
/// take such a config as ssh does there (asking `ssh -V` once), while Homebrew's ssh on the same
/// Mac and every other build refuse it ("Bad configuration option: usekeychain").
#[test]
fn apple_keywords_are_judged_by_the_build_ssh_v_names() {
    let config = "Host *\n    AddKeysToAgent yes\n    UseKeychain yes\n    IdentityFile ~/.ssh/id_ed25519\n\nHost a\n    User u\n";
    for (ssh_v, known) in [
        ("OpenSSH_9.8p1, LibreSSL 3.3.6", true),
        ("OpenSSH_10.0p2, LibreSSL 3.3.6", true),
        ("OpenSSH_10.0p2, OpenSSL 3.5.0 8 Apr 2025", false),
        (
            "OpenSSH_9.2p1 Debian-2+deb12u6, OpenSSL 3.0.19 27 Jan 2026",
            false,
        ),
        ("OpenSSH_for_Windows_9.5p1, LibreSSL 3.8.2", false),
    ] {
        let (stdout, calls) = status_with_ssh_v(ssh_v, config);
        assert_eq!(
            !stdout.contains("rejected-line"),
            known,
            "{ssh_v}: {stdout}"
        );
        assert_eq!(calls, "-V\n", "{ssh_v}");
        // `enable` edits the config only where that ssh reads it.
        let d = tempfile::tempdir().unwrap();
        let path = stand_in_ssh(d.path(), &format!("#!/bin/sh\necho '{ssh_v}' >&2\n"));
        let (_c, cfg) = setup(config);
        let out = bin()
            .env("PATH", &path)
            .args(["-F", cfg.to_str().unwrap(), "enable", "a", "--yes"])
            .output()
            .unwrap();
        let written = std::fs::read_to_string(&cfg).unwrap();
        assert_eq!(out.status.success(), known, "{ssh_v}: {out:?}");
        assert_eq!(
            written.contains("LocalForward 1455 localhost:1455"),
            known,
            "{ssh_v}: {written}"
        );
    }
}

/// An `ssh -V` that never answers (a wrapper that hangs) does not hang `status`: after a few
/// seconds it is stopped and taken as no answer (the newest OpenSSH is assumed, so Debian's
/// keywords read as known), and the command goes on. The stand-in `ssh` sleeps far longer than
/// the test's own limit, so the test fails if the command waits for it; what the wrapper
/// started (here a `sleep` in the background) is ended with it, not left running.
#[test]
fn a_hanging_ssh_v_is_not_waited_for() {
    let d = tempfile::tempdir().unwrap();
    let pid_file = d.path().join("grandchild");
    let path = stand_in_ssh(
        d.path(),
        &format!(
            "#!/bin/sh\nsleep 600 &\necho $! > '{}'\nwait\n",
            pid_file.display()
        ),
    );
    let (_c, cfg) = setup("Host a\n    SetupTimeOut 1m\n    User u\n");
    let out = bin()
        .env("PATH", &path)
        .args(["-F", cfg.to_str().unwrap(), "status", "a"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("rejected-line"));
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        ends_soon(&pid),
        "the wrapper's sleep ({}) is still running",
        pid.trim()
    );
}

/// Whether the process `pid` (as text) is not running within a few seconds: its stat is gone,
/// or its state is Z (ended, and not reaped yet by whoever inherited it).
fn ends_soon(pid: &str) -> bool {
    let stat = format!("/proc/{}/stat", pid.trim());
    let running = || {
        std::fs::read_to_string(&stat).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while running() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    !running()
}

/// A `#` inside a name is a plain character to ssh (`Host name#with#hash` is one pattern):
/// `enable` takes such a name, and `ssh -G` then gives that host the forward.
#[test]
fn hash_inside_a_host_name_is_a_name() {
    let (_d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap();
    bin()
        .args(["-F", c, "enable", "name#with#hash", "-y"])
        .assert()
        .success();
    assert!(read(&cfg).contains("Host name#with#hash\n"));
    let g = StdCommand::new("ssh")
        .args(["-G", "-F", c, "name#with#hash"])
        .output()
        .unwrap();
    assert!(g.status.success());
    assert!(
        String::from_utf8_lossy(&g.stdout).contains("localforward 1455 [localhost]:1455"),
        "{}",
        String::from_utf8_lossy(&g.stdout)
    );
}

/// `Include ~user/...` as glob(3)'s `GLOB_TILDE` expands it for ssh: `~user` is that user's
/// home in the password database, and an unknown user's `~name/x` stays as written, a path
/// relative to the working directory. From the same directory, `status` sees the forwards
/// `ssh -G` prints, from the files ssh names.
#[test]
fn include_tilde_user_is_expanded_as_glob_expands_it_for_ssh() {
    let d = tempfile::tempdir().unwrap();
    let unknown = d.path().join("~nosuchuser-h46");
    std::fs::create_dir(&unknown).unwrap();
    std::fs::write(
        unknown.join("x"),
        "Host a\n  LocalForward 1455 localhost:1455\n",
    )
    .unwrap();
    let mut include = "~nosuchuser-h46/x".to_string();
    // This user's home, then up to the root and down to the directory.
    let me = uzers::get_current_username().unwrap();
    let home = sshcfg::passwd_home().filter(|h| h.is_dir());
    if let Some(home) = &home {
        let known = d.path().join("known.conf");
        std::fs::write(&known, "Host b\n  LocalForward 1456 localhost:1456\n").unwrap();
        let up = "/..".repeat(home.components().count() - 1);
        include += &format!(" ~{}{up}{}", me.to_str().unwrap(), known.display());
    }
    let cfg = d.path().join("config");
    std::fs::write(&cfg, format!("Include {include}\nHost c\n  User u\n")).unwrap();
    let c = cfg.to_str().unwrap();
    let out = bin()
        .current_dir(d.path())
        .args(["-F", c, "status", "--json", "a", "b"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (h, want_file) in v
        .as_array()
        .unwrap()
        .iter()
        .zip(["~nosuchuser-h46/x", "known"])
    {
        let host = h["host"].as_str().unwrap();
        let want = ssh_g_localforwards(Some(d.path()), c, host);
        assert_eq!(json_localforwards(h), want, "{host}: {v}");
        if host == "a" || home.is_some() {
            assert_eq!(want.len(), 1, "{host}");
            assert!(
                h["forwards"][0]["file"]
                    .as_str()
                    .unwrap()
                    .contains(want_file),
                "{host}: {v}"
            );
        }
    }
}

/// The relay's flags: usage errors before anything runs, one line each, exit 2.
#[test]
fn relay_flags_refuse_what_does_not_go_together() {
    let (_d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap();
    let cases: [&[&str]; 7] = [
        &["login", "myserver", "--container", "web", "--device-auth"],
        &[
            "login",
            "myserver",
            "--container",
            "web",
            "--exec-prefix",
            "podman exec -it web",
        ],
        &["login", "myserver", "--relay", "--device-auth"],
        &["login", "myserver", "--exec-prefix", "docker exec -it 'web"],
        &["login", "myserver", "--container", "-it"],
        &["login", "myserver", "--relay-timeout", "0"],
        &["doctor", "--probe"],
    ];
    for args in cases {
        let out = bin().args(["-F", c]).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(read(&cfg), BASE);
}

/// With several hosts, each request is planned on the text the earlier ones leave; every line
/// number the summary prints names the file as written (the lines it keeps or adds), or, for a
/// line it removes, the file as it was. Blocks in an order opposite to the hosts' and mixed, so
/// that the edits shift each other's lines.
#[test]
fn every_line_number_of_a_several_host_summary_names_the_file_as_written() {
    let fwd = "LocalForward 1455 localhost:1455";
    let cases = [
        (
            "enable",
            "Host c\n  HostName c\n\nHost b\n  HostName b\n\nHost a\n  HostName a\n",
        ),
        (
            "enable",
            "Host a\n  HostName a\n\nHost c\n  HostName c\n\nHost b\n  HostName b\n",
        ),
        (
            "enable",
            "Host c\n  HostName c\n\nHost b\n  LocalForward 1455 localhost:9999\n\nHost a\n  HostName a\n\nMatch exec \"false\"\n  User x\n",
        ),
        (
            "disable",
            "Host a\n  LocalForward 1455 localhost:1455\n  User a\n\nHost b\n  LocalForward 1455 localhost:1455\n  User b\n\nHost c\n  LocalForward 1455 localhost:1455\n  User c\n",
        ),
        (
            "disable",
            "Host c\n  LocalForward 1455 localhost:1455\n  LocalForward 1455 10.0.0.1:80\n\nHost b\n  LocalForward 1455 localhost:1455\n  User b\n\nHost a\n  LocalForward 1455 localhost:1455\n",
        ),
    ];
    for (action, text) in cases {
        let (_d, p) = setup(text);
        let out = bin()
            .args([
                "--config",
                p.to_str().unwrap(),
                action,
                "a",
                "b",
                "c",
                "--yes",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let (before, after) = (text.lines().collect::<Vec<_>>(), read(&p));
        let after: Vec<&str> = after.lines().collect();
        let line = |lines: &[&str], n: usize| lines.get(n - 1).copied().unwrap_or("").to_string();
        let summary = String::from_utf8(out.stderr).unwrap();
        let mut checked = 0;
        for s in summary
            .lines()
            .filter(|s| s.starts_with(p.to_str().unwrap()))
        {
            let rest = &s[p.to_str().unwrap().len()..];
            // `path:N: what`, or `path: add ... at line N` / `in place of line N`.
            let n = |t: &str| {
                t.split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            };
            let (n, want, lines) = if let Some((_, t)) = rest.split_once(" in its block at line ") {
                let host = rest
                    .split(" for ")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap();
                (n(t), format!("Host {host}"), &after)
            } else if let Some((_, t)) = rest.split_once(" in place of line ") {
                (n(t), format!("  {fwd}"), &after)
            } else if let Some(t) = rest.strip_prefix(':') {
                let n = n(t);
                if rest.contains(": remove the `Host ") {
                    (n, "Host ".to_string(), &before)
                } else if rest.contains(": remove ") {
                    (n, "  LocalForward 1455".to_string(), &before)
                } else if rest.contains(": note: Match exec") {
                    (n, "Match exec".to_string(), &after)
                } else {
                    (n, "  LocalForward 1455".to_string(), &after)
                }
            } else {
                panic!("no line number in {s:?}");
            };
            assert!(
                line(lines, n).starts_with(&want),
                "{s:?}: line {n} is {:?}, not {want:?}\n{}",
                line(lines, n),
                after.join("\n")
            );
            checked += 1;
        }
        assert!(checked >= 3, "{summary}");
    }
}

/// `--json` escapes what a terminal would act on or reorder (a C1 CSI, a bidirectional
/// override), wherever it goes: the text holds no such character, and a JSON reader gets the
/// config's value back as written.
#[test]
fn json_output_carries_no_character_a_terminal_acts_on() {
    let user = "x\u{9b}2Jy\u{202e}z\u{7f}";
    let (_d, cfg) = setup(&format!("Host a\n  User {user}\n"));
    let out = bin()
        .args(["-F", cfg.to_str().unwrap(), "status", "a", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(r"x\u009b2Jy\u202ez\u007f") && !text.contains('\u{9b}'),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0]["user"], user);
}

/// A ControlMaster that does not answer `ssh -O check` (stopped with Ctrl-Z, say) does not
/// hang `login`: after a few seconds it is taken as none and the login goes on (here to a
/// stand-in ssh that fails at once), leaving nothing of the check running. The stand-in sleeps
/// far longer than the test's own limit.
#[test]
fn login_does_not_wait_for_a_master_that_does_not_answer() {
    let d = tempfile::tempdir().unwrap();
    let pid_file = d.path().join("check");
    let path = stand_in_ssh(
        d.path(),
        &format!(
            "#!/bin/sh
for a in \"$@\"; do [ \"$a\" = -V ] && {{ echo 'OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.17' >&2; exit 0; }}; done
for a in \"$@\"; do [ \"$a\" = check ] && {{ echo $$ > '{}'; exec sleep 600; }}; done
exit 255
",
            pid_file.display()
        ),
    );
    let (_c, cfg) = setup("Host x\n    User u\n");
    let out = bin()
        .env("PATH", &path)
        .args(["-F", cfg.to_str().unwrap(), "login", "x"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ssh exited with 255"),
        "{out:?}"
    );
    // The check was asked, and is not running any more.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        ends_soon(&pid),
        "ssh -O check ({}) is still running",
        pid.trim()
    );
}
