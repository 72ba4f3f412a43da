//! Helpers shared by the CLI's integration tests.

use std::path::PathBuf;

use assert_cmd::Command;

/// The `codex-fwd` binary, with `NO_COLOR` cleared so colour tests see the flag alone. (The
/// tests that use it and `config_file` run on Unix alone.)
#[cfg_attr(not(unix), allow(dead_code))]
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("codex-fwd").unwrap();
    c.env_remove("NO_COLOR");
    c
}

/// A temporary directory holding `config` with `content`.
#[cfg_attr(not(unix), allow(dead_code))]
pub fn config_file(content: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("config");
    std::fs::write(&p, content).unwrap();
    (d, p)
}

/// The finding with `code` in doctor's JSON `v`; panics naming the code and showing `v` when
/// there is none.
#[cfg(unix)]
pub fn finding<'a>(v: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings: {v}"))
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("{code}: {v}"))
}

/// A stand-in `ssh` (the shell `script`) in `dir`, and a `PATH` that finds it first.
#[cfg(unix)]
pub fn stand_in_ssh(dir: &std::path::Path, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let fake = dir.join("ssh");
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Which of a run's output streams are closed before it writes (their reader went away, as
/// `| head -0` or `2>&-` would leave them).
#[derive(Clone, Copy)]
#[cfg_attr(not(unix), allow(dead_code))]
pub struct Closed {
    pub stdout: bool,
    pub stderr: bool,
}

/// Run `c` with no stdin, its stdout and stderr piped and those `closed` says dropped before
/// it writes; its output (what the open streams got).
#[cfg_attr(not(unix), allow(dead_code))]
pub fn output_with_closed(mut c: std::process::Command, closed: Closed) -> std::process::Output {
    use std::process::Stdio;
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if closed.stdout {
        drop(child.stdout.take());
    }
    if closed.stderr {
        drop(child.stderr.take());
    }
    child.wait_with_output().unwrap()
}
