//! `enable` and `disable`: plan, show the diff, confirm, write.

use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use sshcfg::{Plan, ResolveContext};

use crate::args::{Cli, EditArgs};
use crate::common::*;
use crate::{diff, write};

#[derive(Serialize)]
struct FileReport {
    path: String,
    diff: String,
}

#[derive(Serialize)]
struct EditReport<'a> {
    action: sshcfg::Action,
    hosts: &'a [String],
    forward: String,
    forwards: Vec<String>,
    changed: bool,
    written: bool,
    files: Vec<FileReport>,
    summary: Vec<String>,
}

pub(crate) fn edit(
    cli: &Cli,
    a: &EditArgs,
    action: sshcfg::Action,
    choice: anstream::ColorChoice,
) -> Result<u8, Failure> {
    check_hosts(&a.hosts)?;
    let t = target(cli)?;
    let forwards = a
        .ports
        .forwards()
        .map_err(|m| Failure::new(EXIT_USAGE, m))?;
    let will_write = !a.dry_run && !a.check;
    let real = write::real_path(&t.path);
    // Lock before reading, so the read-modify-write of concurrent runs is serialised.
    let _lock =
        if will_write {
            let dir = real
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Some(write::lock_dir(dir).map_err(|e| {
                Failure::new(EXIT_IO, format!("{}: cannot lock: {e}", dir.display()))
            })?)
        } else {
            None
        };
    let set = load(&t)?;
    let ctx = ResolveContext::default();
    let mut summary = Vec::new();
    // Per file: original bytes and latest bytes.
    type Change = (sshcfg::FileId, PathBuf, Arc<Vec<u8>>, Arc<Vec<u8>>);
    let mut changes: Vec<Change> = Vec::new();
    let pairs: Vec<(&str, &sshcfg::Forward)> = a
        .hosts
        .iter()
        .flat_map(|h| forwards.iter().map(move |f| (h.as_str(), f)))
        .collect();
    // Each host is planned on the config as the previous hosts' plans leave it.
    set.plan_each(action, &pairs, &ctx, |plan: &Plan| {
        summary.extend(plan.summary.iter().cloned());
        for c in &plan.changes {
            match changes.iter_mut().find(|x| x.0 == c.file) {
                Some(x) => x.3 = c.new.clone(),
                None => changes.push((c.file, c.path.clone(), c.old.clone(), c.new.clone())),
            }
        }
    })?;
    drop(set);
    let files: Vec<FileReport> = changes
        .iter()
        .map(|(_, path, old, new)| FileReport {
            path: path.display().to_string(),
            diff: diff::unified(&path.display().to_string(), old, new),
        })
        .collect();
    let changed = !changes.is_empty();
    let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
    let mut written = false;
    let report = |written: bool, files: Vec<FileReport>, summary: Vec<String>| EditReport {
        action,
        hosts: &a.hosts,
        forward: forwards[0].config_args(),
        forwards: forwards.iter().map(|f| f.config_args()).collect(),
        changed,
        written,
        files,
        summary,
    };
    if !a.json {
        for f in &files {
            let _ = write!(out, "{}", diff::styled(&f.diff));
        }
        for s in &summary {
            eprintln!("{s}");
        }
    }
    if a.dry_run || a.check || !changed {
        if a.json {
            print_json(&report(false, files, summary));
        }
        return Ok(if a.check && changed {
            EXIT_CHANGE_NEEDED
        } else {
            0
        });
    }
    // Refuse before asking and before any temporary file exists.
    for (_, path, _, _) in &changes {
        refuse_unwritable(path, a, action)?;
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            if a.json {
                print_json(&report(false, files, summary));
            }
            return Err(Failure::new(
                EXIT_USAGE,
                "not writing: standard input is not a terminal to confirm on; pass --yes to write",
            ));
        }
        eprint!("Apply? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            eprintln!("Nothing written.");
            return Ok(0);
        }
    }
    for (_, path, _, new) in &changes {
        let real = write::real_path(path);
        let linked = a.force && write::hard_links(&real) > 1;
        if linked {
            write::write_in_place(&real, new)
        } else {
            write::write_atomic(&real, new)
        }
        .map_err(|e| Failure::new(EXIT_IO, format!("{}: cannot write: {e}", path.display())))?;
        written = true;
    }
    if a.json {
        print_json(&report(written, files, summary));
    } else {
        eprintln!("Written.");
    }
    Ok(0)
}

/// The checks of [`write::check_writable`], as one-line failures.
fn refuse_unwritable(path: &Path, a: &EditArgs, action: sshcfg::Action) -> Result<(), Failure> {
    let store = std::env::var("CODEX_FWD_NIX_STORE").unwrap_or_else(|_| write::NIX_STORE.into());
    let p = path.display();
    let Err(why) = write::check_writable(path, &store, a.force) else {
        return Ok(());
    };
    Err(match why {
        write::Refusal::NotRegular(kind) => Failure::new(
            EXIT_USAGE,
            format!(
                "{p} is {kind}, not a regular file: ssh reads it, but codex-fwd never replaces it (nothing written)"
            ),
        ),
        write::Refusal::HomeManager(target) => {
            let (l, r) = (a.ports.local(), a.ports.remote());
            let entries: Vec<String> = a
                .hosts
                .iter()
                .map(|h| format!("programs.ssh.matchBlocks.\"{h}\".localForwards = [ {{ bind.port = {l}; host.address = \"localhost\"; host.port = {r}; }} ];"))
                .collect();
            let what = match action {
                sshcfg::Action::Enable => "add to your home-manager configuration",
                sshcfg::Action::Disable => "remove from your home-manager configuration",
            };
            Failure::new(
                EXIT_REFUSED,
                format!(
                    "{p} is a link into the Nix store ({}): home-manager owns this file, so codex-fwd does not edit it; {what}: {} then run home-manager switch",
                    target.display(),
                    entries.join(" ")
                ),
            )
        }
        write::Refusal::ReadOnlyFile(mode) => Failure::new(
            EXIT_REFUSED,
            if cfg!(unix) {
                format!(
                    "{p} is read-only (mode {mode:04o}): not replacing it (nothing written); make it writable first (chmod u+w {p}) if it is meant to change"
                )
            } else {
                format!(
                    "{p} is read-only (its read-only attribute is set): not replacing it (nothing written); clear the attribute first if it is meant to change"
                )
            },
        ),
        write::Refusal::ReadOnlyDir(dir) => Failure::new(
            EXIT_REFUSED,
            format!(
                "{} is a read-only directory: {p} is written through a new file made there, which is not possible (nothing written)",
                dir.display()
            ),
        ),
        write::Refusal::HardLinked(n) => Failure::new(
            EXIT_REFUSED,
            format!(
                "{p} has {n} hard links: replacing it would silently break them (nothing written); pass --force to write it in place, so every link sees the change"
            ),
        ),
    })
}
