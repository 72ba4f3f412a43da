//! Helpers shared by the CLI's integration tests.

use std::path::PathBuf;

use assert_cmd::Command;

/// The `codex-fwd` binary, with `NO_COLOR` cleared so colour tests see the flag alone.
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("codex-fwd").unwrap();
    c.env_remove("NO_COLOR");
    c
}

/// A temporary directory holding `config` with `content`.
pub fn config_file(content: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("config");
    std::fs::write(&p, content).unwrap();
    (d, p)
}
