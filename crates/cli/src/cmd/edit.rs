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
    let mut set = load(&t)?;
    let ctx = ResolveContext::default();
    let mut summary = Vec::new();
    // Per file: original bytes and latest bytes.
    type Change = (sshcfg::FileId, PathBuf, Arc<Vec<u8>>, Arc<Vec<u8>>);
    let mut changes: Vec<Change> = Vec::new();
    let pairs: Vec<(&String, &sshcfg::Forward)> = a
        .hosts
        .iter()
        .flat_map(|h| forwards.iter().map(move |f| (h, f)))
        .collect();
    for (n, (host, forward)) in pairs.iter().enumerate() {
        let plan: Plan = match action {
            sshcfg::Action::Enable => set.enable(host, forward, &ctx)?,
            sshcfg::Action::Disable => set.disable(host, forward, &ctx)?,
        };
        summary.extend(plan.summary.iter().cloned());
        for c in &plan.changes {
            match changes.iter_mut().find(|x| x.0 == c.file) {
                Some(x) => x.3 = c.new.clone(),
                None => changes.push((c.file, c.path.clone(), c.old.clone(), c.new.clone())),
            }
        }
        if n + 1 < pairs.len() && plan.is_change() {
            set = set.with_plan(&plan);
        }
    }
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
        write::write_atomic(&real, new)
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
