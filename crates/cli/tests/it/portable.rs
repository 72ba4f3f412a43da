//! CLI tests that need neither `ssh` nor Unix: the write, lock, path and output code, run on
//! Linux by `cargo test` and on Windows (under Wine) by `../shared/tools/windows-tests`. Checks
//! that Wine cannot make (see that tool's header) are skipped there, saying why, when
//! `CODEX_FWD_UNDER_WINE=1`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const BASE: &str = "Host other\n    User o\n\nHost *\n    ServerAliveInterval 30\n";
const FWD: &str = "LocalForward 1455 localhost:1455";

fn under_wine() -> bool {
    std::env::var_os("CODEX_FWD_UNDER_WINE").is_some()
}

fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_codex-fwd"));
    c.args(args).env_remove("NO_COLOR");
    c
}

/// Run with no stdin and a deadline: a hang is a failure.
fn run(mut c: Command) -> Output {
    let child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = std::thread::spawn(move || child.wait_with_output());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !out.is_finished() {
        assert!(std::time::Instant::now() < deadline, "{c:?} hung");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    out.join().unwrap().unwrap()
}

/// The files in `dir` other than Windows' lock file.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".codex-fwd.lock")
        .collect();
    v.sort();
    v
}

fn setup(content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("config");
    std::fs::write(&p, content).unwrap();
    (d, p)
}

#[test]
fn enable_then_disable_replaces_the_file_and_gives_the_bytes_back() {
    for base in [BASE, "Host a\r\n    User u\r\n", "Host a\n    User u"] {
        let (d, cfg) = setup(base);
        let c = cfg.to_str().unwrap();
        let out = run(cmd(&["-F", c, "enable", "myserver", "--yes"]));
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let text = std::fs::read_to_string(&cfg).unwrap();
        assert!(text.contains(FWD), "{text}");
        let out = run(cmd(&["-F", c, "enable", "myserver", "--yes"]));
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let out = run(cmd(&["-F", c, "disable", "myserver", "--yes"]));
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), base);
        assert_eq!(names_in(d.path()), ["config"]);
    }
}

#[test]
fn dry_run_and_check_write_nothing() {
    let (d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap();
    let out = run(cmd(&["-F", c, "enable", "myserver", "--dry-run"]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("+Host myserver"));
    let out = run(cmd(&["-F", c, "enable", "myserver", "--check"]));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), BASE);
    assert_eq!(names_in(d.path()), ["config"]);
}

#[test]
fn a_missing_config_is_created_with_its_directories() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("home").join(".ssh").join("config");
    let c = cfg.to_str().unwrap();
    // Reading creates nothing (`status` refuses a missing `-F` file, as ssh does; `disable`
    // has nothing to remove).
    for (args, code) in [
        (vec!["-F", c, "status"], 2),
        (vec!["-F", c, "disable", "myserver", "--yes"], 0),
    ] {
        let out = run(cmd(&args));
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        assert!(names_in(d.path()).is_empty(), "{args:?}");
    }
    let out = run(cmd(&["-F", c, "enable", "myserver", "--yes"]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&cfg).unwrap(),
        format!("Host myserver\n    {FWD}\n")
    );
    assert_eq!(names_in(cfg.parent().unwrap()), ["config"]);
}

#[test]
fn a_read_only_config_is_refused_before_any_temporary_file() {
    let (d, cfg) = setup(BASE);
    let mut p = std::fs::metadata(&cfg).unwrap().permissions();
    p.set_readonly(true);
    std::fs::set_permissions(&cfg, p).unwrap();
    let out = run(cmd(&[
        "-F",
        cfg.to_str().unwrap(),
        "enable",
        "myserver",
        "--yes",
    ]));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), BASE);
    assert_eq!(names_in(d.path()), ["config"]);
    let mut p = std::fs::metadata(&cfg).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    p.set_readonly(false);
    std::fs::set_permissions(&cfg, p).unwrap();
}

#[test]
fn concurrent_writers_lose_no_update() {
    let (_d, cfg) = setup(BASE);
    let c = cfg.to_str().unwrap().to_string();
    let hosts: Vec<String> = (0..4).map(|i| format!("h{i}")).collect();
    let handles: Vec<_> = hosts
        .iter()
        .map(|h| {
            let c = c.clone();
            let h = h.clone();
            std::thread::spawn(move || run(cmd(&["-F", &c, "enable", &h, "--yes"])))
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let text = std::fs::read_to_string(&cfg).unwrap();
    for h in &hosts {
        assert!(text.contains(&format!("Host {h}\n")), "{h} lost: {text}");
    }
}

/// Runs from two main configs that include the same file, in another directory: each run
/// locks the directory of every file it writes, not only its main config's, so none loses
/// another's update (each said "Written." and exited 0 when only the main config's directory
/// was locked, yet forwards were lost). On Unix a third main config reaches the file through a
/// symlinked directory: the lock is the directory's, whatever path names it.
#[test]
fn concurrent_writers_through_a_shared_include_lose_no_update() {
    const N: usize = 16;
    for round in 0..3 {
        let d = tempfile::tempdir().unwrap();
        let shared = d.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let hosts: String = (0..N).map(|i| format!("Host h{i}\n  User u\n\n")).collect();
        std::fs::write(shared.join("hosts"), hosts).unwrap();
        let mut mains = Vec::new();
        // (Only Unix adds a second path, through a symlink.)
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut included = vec![shared.join("hosts")];
        #[cfg(unix)]
        if std::os::unix::fs::symlink(&shared, d.path().join("link")).is_ok() {
            included.push(d.path().join("link").join("hosts"));
        }
        for (k, name) in ["one", "two", "three"].iter().enumerate() {
            let dir = d.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            // Forward slashes: ssh's tokeniser may take a backslash for an escape.
            let inc = included[k % included.len()].display().to_string();
            let inc = inc.replace('\\', "/");
            std::fs::write(dir.join("config"), format!("Include {inc}\n")).unwrap();
            mains.push(dir.join("config").display().to_string());
        }
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let c = mains[i % mains.len()].clone();
                std::thread::spawn(move || {
                    run(cmd(&["-F", &c, "enable", &format!("h{i}"), "--yes"]))
                })
            })
            .collect();
        let mut written = Vec::new();
        for h in handles {
            let out = h.join().unwrap();
            // Windows cannot replace a file another process has open: a run that finds the
            // shared file still open by one reading it before locking its directory fails
            // saying so (as it would beside an `ssh` reading it). Failing is no lost update.
            let busy = String::from_utf8_lossy(&out.stderr).contains("cannot write: Access");
            if cfg!(windows) && out.status.code() == Some(4) && busy {
                written.push(false);
                continue;
            }
            assert_eq!(out.status.code(), Some(0), "round {round}: {out:?}");
            written.push(true);
        }
        let text = std::fs::read_to_string(shared.join("hosts")).unwrap();
        for (i, _) in written.iter().enumerate().filter(|(_, w)| **w) {
            let block = text.split(&format!("Host h{i}\n")).nth(1).unwrap();
            let block = block.split("Host ").next().unwrap();
            assert!(block.contains(FWD), "round {round}: h{i} lost:\n{text}");
        }
        assert!(written.iter().filter(|w| **w).count() > 0, "round {round}");
        for main in &mains {
            assert!(!std::fs::read_to_string(main).unwrap().contains(FWD));
        }
    }
}

#[test]
fn a_usage_error_is_one_line_with_a_help_pointer_exit_2() {
    for args in [
        vec!["enable", "myserver", "--port", "abc"],
        vec!["enable"],
        vec!["frobnicate"],
    ] {
        let out = run(cmd(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("--help`)"), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_stdout_ends_quietly_with_exit_0() {
    let (_d, cfg) = setup(BASE);
    for args in [
        vec!["-F", cfg.to_str().unwrap(), "status"],
        vec!["completions", "bash"],
    ] {
        let mut child = cmd(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn status_json_reads_the_forward() {
    let (_d, cfg) = setup(&format!("Host myserver\n    {FWD}\n"));
    let out = run(cmd(&[
        "-F",
        cfg.to_str().unwrap(),
        "status",
        "myserver",
        "--json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0]["host"], "myserver", "{text}");
    assert_eq!(v[0]["enabled"], true, "{text}");
    assert_eq!(v[0]["forwards"][0]["connect"], "[localhost]:1455", "{text}");
}

#[test]
fn a_symlinked_config_keeps_its_link() {
    let (d, real) = setup(BASE);
    let link = d.path().join("link");
    #[cfg(unix)]
    let made = std::os::unix::fs::symlink(&real, &link).is_ok();
    #[cfg(windows)]
    let made = std::os::windows::fs::symlink_file(&real, &link).is_ok();
    if !made {
        eprintln!("skipped: creating a symlink needs a privilege this account lacks");
        return;
    }
    if under_wine() && std::fs::read_link(&link).is_err() {
        eprintln!(
            "skipped under Wine: it does not read back the symlink it made (read_link fails)"
        );
        return;
    }
    let out = run(cmd(&[
        "-F",
        link.to_str().unwrap(),
        "enable",
        "myserver",
        "--yes",
    ]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains(FWD));
}

/// One file included by two paths (its name and a symlink to it): a plan that edits it through
/// both would write it twice, the second write undoing the first (only s2's forward was left,
/// "Written.", exit 0). Refused, naming both paths, nothing written; an edit through one path
/// alone is made.
#[cfg(unix)]
#[test]
fn one_file_included_by_two_paths_is_not_edited_through_both() {
    let d = tempfile::tempdir().unwrap();
    let (inc, alias) = (d.path().join("inc.conf"), d.path().join("alias.conf"));
    let text = "Host s1\n  User u\nHost s2\n  User v\n";
    std::fs::write(&inc, text).unwrap();
    std::os::unix::fs::symlink(&inc, &alias).unwrap();
    let cfg = d.path().join("config");
    std::fs::write(
        &cfg,
        format!(
            "Match host s2\n  Include {}\nHost *\n  Include {}\n",
            alias.display(),
            inc.display()
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let out = run(cmd(&["-F", c, "enable", "s1", "s2", "--yes"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("are one file, included twice"), "{err}");
    assert_eq!(std::fs::read_to_string(&inc).unwrap(), text);
    let out = run(cmd(&["-F", c, "enable", "s1", "--yes"]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(std::fs::read_to_string(&inc).unwrap().contains(FWD));
}

/// A run that finds the lock of a directory it writes held by another (one waiting at its
/// `Apply?` prompt) says it waits, then goes on once the lock is let go: it waited in silence.
#[cfg(unix)]
#[test]
fn a_run_waiting_for_another_s_lock_says_so() {
    let (d, cfg) = setup(BASE);
    let held = std::fs::File::open(d.path()).unwrap();
    held.lock().unwrap();
    let child = cmd(&["-F", cfg.to_str().unwrap(), "enable", "other", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(!std::fs::read_to_string(&cfg).unwrap().contains(FWD));
    drop(held);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("waiting for another codex-fwd run"), "{err}");
    assert!(std::fs::read_to_string(&cfg).unwrap().contains(FWD));
}
