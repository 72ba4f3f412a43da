//! Names the commit the binary was built from, for `codex-fwd --version`
//! (`codex-fwd 0.1.0 (commit 0123456789ab)`), as `CODEX_FWD_VERSION`.
//!
//! Where the commit comes from, first found wins:
//! 1. `CODEX_FWD_COMMIT` in the build's environment (the release script sets it, with `-dirty`
//!    when the work tree had changes);
//! 2. `.cargo_vcs_info.json`, which `cargo package` writes into the crate (a build from
//!    crates.io has no git repository, but this file names the commit it was packaged from);
//! 3. `git rev-parse HEAD` in the repository that holds this crate (a build from a clone).
//!
//! With none of them (a source tree without git), the version is the crate's alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-env-changed=CODEX_FWD_COMMIT");
    println!("cargo:rerun-if-changed=build.rs");
    let commit = from_env()
        .or_else(|| from_vcs_info(&dir))
        .or_else(|| from_git(&dir));
    let version = env!("CARGO_PKG_VERSION");
    let full = match commit {
        Some(c) => format!("{version} (commit {c})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=CODEX_FWD_VERSION={full}");
}

fn from_env() -> Option<String> {
    let c = std::env::var("CODEX_FWD_COMMIT").ok()?;
    let c = c.trim();
    (!c.is_empty()).then(|| c.to_owned())
}

/// `{"git": {"sha1": "…", "dirty": true}, "path_in_vcs": "crates/cli"}`, read without a JSON
/// crate: the file is cargo's own and this shape has been stable since it was introduced.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let rest = &text[text.find("\"sha1\"")? + 6..];
    let rest = &rest[rest.find('"')? + 1..];
    let sha = &rest[..rest.find('"')?];
    if sha.len() < 12 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    let suffix = if dirty { "-dirty" } else { "" };
    Some(format!("{}{suffix}", &sha[..12]))
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(s.trim().to_owned())
}

/// The commit checked out in the repository that tracks this crate's `Cargo.toml` (not some
/// repository that merely contains the directory, such as a dotfiles repository in `~`).
fn from_git(dir: &Path) -> Option<String> {
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let sha = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    // Build again when HEAD moves: HEAD itself, the branch it points to, packed refs, and the
    // reftable of a repository that keeps its refs in one.
    let mut watch = vec![
        "HEAD".to_owned(),
        "packed-refs".to_owned(),
        "reftable".to_owned(),
    ];
    let branch = git(dir, &["symbolic-ref", "-q", "HEAD"]);
    watch.extend(branch.clone());
    for w in watch {
        // A path that does not exist would make cargo run this script on every build.
        if let Some(p) = git_path(dir, &w).filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    // A branch that lives only in packed-refs (after `git gc` or `git pack-refs`, as in many
    // fresh clones) has no file of its own: the next commit creates one and leaves HEAD and
    // packed-refs alone. Watch the directory it will appear in.
    if let Some(p) = branch.and_then(|b| git_path(dir, &b))
        && !p.exists()
        && let Some(parent) = p.parent().filter(|d| d.is_dir())
    {
        println!("cargo:rerun-if-changed={}", parent.display());
    }
    Some(sha)
}

/// Where git keeps `name` (`HEAD`, `refs/heads/main`, ...) for the repository holding `dir`.
fn git_path(dir: &Path, name: &str) -> Option<PathBuf> {
    git(dir, &["rev-parse", "--git-path", name]).map(|p| dir.join(p))
}
