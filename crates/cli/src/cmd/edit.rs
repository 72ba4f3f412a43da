//! `enable` and `disable`: plan, show the diff, confirm, write.

use std::io::{IsTerminal, Write as _};
use std::path::Path;

use serde::Serialize;

use crate::args::{EditArgs, EditRequest, HardLinks, WriteMode};
use crate::env::{Env, print_json};
use crate::failure::{
    EXIT_CHANGE_NEEDED, EXIT_IO, EXIT_REFUSED, EXIT_USAGE, Failure, stdout_failed,
};
use crate::{diff, write};

#[derive(Clone, Serialize)]
struct FileReport {
    path: String,
    /// The diff as text (JSON holds text: a byte that is not UTF-8 reads as U+FFFD here, and is
    /// kept in the diff printed without `--json`).
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
    /// Why the command failed (its one-line message), or `None`.
    error: Option<String>,
}

pub(crate) fn edit(env: &Env, a: &EditArgs, action: sshcfg::Action) -> Result<u8, Failure> {
    let printed = std::cell::Cell::new(false);
    let result = match a.request(action) {
        Ok(req) => edit_request(env, &req, &printed),
        Err(e) => Err(Failure::from_usage(sub(action), e)),
    };
    // With --json, stdout holds one value whatever happens: a failure before any report was
    // printed is reported as one, with its message, before the message goes to stderr.
    if let Err(f) = &result
        && let Some(message) = f.message()
        && a.json
        && !printed.get()
    {
        let forwards: Vec<String> = (a.ports.forwards().unwrap_or_default().iter())
            .map(|f| f.config_args())
            .collect();
        print_json(&EditReport {
            action,
            hosts: &a.hosts,
            forward: forwards.first().cloned().unwrap_or_default(),
            forwards,
            changed: false,
            written: false,
            files: Vec::new(),
            summary: Vec::new(),
            error: Some(message.to_string()),
        })?;
    }
    result
}

/// The subcommand's name, for messages.
fn sub(action: sshcfg::Action) -> &'static str {
    match action {
        sshcfg::Action::Enable => "enable",
        sshcfg::Action::Disable => "disable",
    }
}

fn edit_request(
    env: &Env,
    req: &EditRequest,
    printed: &std::cell::Cell<bool>,
) -> Result<u8, Failure> {
    let (action, forwards) = (req.action, &req.forwards);
    let read_and_plan = || -> Result<(sshcfg::ConfigSet, sshcfg::Plan), Failure> {
        let set = env.load()?;
        if action == sshcfg::Action::Enable {
            refuse_unreadable_by_ssh(&set, env)?;
        }
        // What enable writes is this tool's choice: a loopback bind where GatewayPorts needs one.
        let plan = set
            .plan_written(
                action,
                &req.hosts,
                forwards,
                crate::codex::ENDS,
                &env.ctx,
                crate::codex::written_form,
            )
            .map_err(|e| crate::refusal::edit_failure(&set, &e))?;
        Ok((set, plan))
    };
    // A run that writes locks before reading the directory of every file it writes (another
    // main config may include the same file), so the read-modify-write of concurrent runs is
    // serialised; `--dry-run` and `--check` take no lock.
    let ((set, plan), _locks) = match req.mode.writes() {
        true => {
            let (planned, locks) = write::plan_locked(&write::real_dir(env.target.path()), || {
                let (set, plan) = read_and_plan()?;
                let dirs = plan.changes().iter().map(|c| write::real_dir(c.path()));
                let dirs = dirs.collect();
                Ok::<_, Failure>(((set, plan), dirs))
            })?;
            (planned, Some(locks))
        }
        false => (read_and_plan()?, None),
    };
    refuse_one_file_twice(&plan)?;
    let summary = crate::steps::summary(&set, &plan, env.explicit_file());
    let diffs: Vec<(String, Vec<u8>)> = plan
        .changes()
        .iter()
        .map(|c| {
            let path = c.path().display().to_string();
            let diff = diff::unified_change(c.path().as_os_str().as_encoded_bytes(), c);
            (path, diff)
        })
        .collect();
    let files: Vec<FileReport> = diffs
        .iter()
        .map(|(path, diff)| FileReport {
            path: path.clone(),
            diff: String::from_utf8_lossy(diff).into_owned(),
        })
        .collect();
    let report = |written: bool| EditReport {
        action,
        hosts: &req.hosts,
        forward: forwards[0].config_args(),
        forwards: forwards.iter().map(|f| f.config_args()).collect(),
        changed: plan.is_change(),
        written,
        files: files.clone(),
        summary: summary.clone(),
        error: None,
    };
    // (A reader that went away takes no report; the run goes on: see the diff below.)
    let print_report = |written: bool| {
        printed.set(true);
        Failure::unless_reader_gone(print_json(&report(written)))
    };
    // A file that will not be written is refused first: before the diff, before asking, and
    // before any temporary file exists.
    if req.mode.writes() {
        for c in plan.changes() {
            refuse_unwritable(c.path(), req)?;
        }
    }
    if !req.json {
        // The diff's lines are the file's bytes and are written as they are to a pipe or a
        // file (`patch` must find the lines), coloured only where the stream passes escapes
        // through untouched (a stream that strips them, as for `--color never` or a pipe, also
        // drops control bytes and bytes that are not UTF-8); on a terminal, colour on or off,
        // their control bytes are shown visibly (crate::visible).
        let out = anstream::AutoStream::new(std::io::stdout(), env.color);
        let colour = out.current_choice() == anstream::ColorChoice::AlwaysAnsi;
        let terminal = std::io::stdout().is_terminal();
        // A reader that went away (`| head`) takes no more of the diff, and the run goes on:
        // with `--yes` the files are still written, and `--check` still says 1.
        for (_, d) in &diffs {
            Failure::unless_reader_gone(
                (std::io::stdout().lock())
                    .write_all(&crate::visible::diff_output(d, terminal, colour))
                    .map_err(stdout_failed),
            )?;
        }
        for s in &summary {
            crate::visible::eprintln(s);
        }
    }
    if action == sshcfg::Action::Enable {
        for f in forwards {
            let (local, remote) = (f.listen_port(), f.connect_port());
            // (Not when another forward asked for listens on the remote port itself: the
            // browser's address then works as it is.)
            if let (Some(local), Some(remote)) = (local, remote)
                && local != remote
                && !forwards.iter().any(|g| g.listen_port() == Some(remote))
            {
                say!("{}", local_port_hint(local, remote));
            }
        }
    }
    // `--dry-run` and `--check` foretell the run that writes: a file it would refuse to write
    // (read-only, hard-linked, not a regular file, ...) is refused here too, after the diff.
    if !req.mode.writes() && plan.is_change() {
        for c in plan.changes() {
            refuse_unwritable(c.path(), req)?;
        }
    }
    if !req.mode.writes() || !plan.is_change() {
        if req.json {
            print_report(false)?;
        }
        return Ok(match req.mode {
            WriteMode::Check if plan.is_change() => EXIT_CHANGE_NEEDED,
            _ => 0,
        });
    }
    if req.mode == WriteMode::Ask && !confirmed(req.json.then_some(|| print_report(false)))? {
        say!("Nothing written.");
        return Ok(0);
    }
    write_changes(&set, plan.changes(), req.hard_links)?;
    if req.json {
        print_report(true)?;
    } else {
        say!("Written.");
    }
    Ok(0)
}

/// With `--local-port`, the browser still goes where Codex's redirect says: the one edit to make
/// in its address bar.
fn local_port_hint(local: u16, remote: u16) -> String {
    format!(
        "after you sign in, the browser goes to {}?... and cannot connect: change `:{remote}` to `:{local}` in its address bar and press Enter",
        crate::codex::callback_url(remote)
    )
}

/// One file reached by two paths (included through a symlink and by its own name, or two hard
/// links) is two files of the set: a plan changing both would write it twice, the second
/// undoing the first. Refused, naming both paths; nothing is written.
fn refuse_one_file_twice(plan: &sshcfg::Plan) -> Result<(), Failure> {
    let changes = plan.changes();
    for (i, c) in changes.iter().enumerate() {
        let Some(key) = write::file_key(c.path()) else {
            continue;
        };
        if let Some(first) = changes[..i]
            .iter()
            .find(|e| write::file_key(e.path()).is_some_and(|k| k == key))
        {
            return Err(Failure::new(
                EXIT_REFUSED,
                format!(
                    "{} and {} are one file, included twice; this edit would change it through both (nothing written): include it once",
                    first.path().display(),
                    c.path().display()
                ),
            ));
        }
    }
    Ok(())
}

/// ssh stops with "Bad owner or permissions" on a user config or included file that others can
/// write (or that another user owns) and reads no config at all: enabling a forward there would
/// change nothing, so `enable` refuses and names the fix (it does not change a mode itself).
fn refuse_unreadable_by_ssh(set: &sshcfg::ConfigSet, env: &Env) -> Result<(), Failure> {
    let explicit = env.explicit_file().is_some();
    match crate::doctor::permission_findings(set, explicit)
        .into_iter()
        .find(|f| f.code == crate::doctor::Code::BadPermissions)
    {
        Some(f) => Err(Failure::new(
            EXIT_REFUSED,
            format!("{} (nothing written); fix: {}", f.message, f.fix),
        )),
        None => Ok(()),
    }
}

impl From<write::LockFailure> for Failure {
    fn from(e: write::LockFailure) -> Failure {
        Failure::new(EXIT_IO, e.to_string())
    }
}

/// Ask `Apply? [y/N]` on the terminal. Without one, print the JSON report if asked for (the
/// `print` given), and fail with what to pass.
fn confirmed(print: Option<impl FnOnce() -> Result<(), Failure>>) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        if let Some(print) = print {
            print()?;
        }
        return Err(Failure::new(
            EXIT_USAGE,
            "not writing: standard input is not a terminal to confirm on; pass --yes to write",
        ));
    }
    say_part!("Apply? [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Write every changed file ([`write_file`]). When one cannot be written, those written before
/// it are put back as they were (each file is replaced atomically, not the set as a whole).
fn write_changes(
    set: &sshcfg::ConfigSet,
    changes: &[sshcfg::FileChange],
    links: HardLinks,
) -> Result<(), Failure> {
    for (k, c) in changes.iter().enumerate() {
        let Err(e) = write_file(c.path(), c.after(), links) else {
            continue;
        };
        let failed = format!("{}: cannot write: {e}", c.path().display());
        // The files written before it are put back (a new one removed), so that a run that
        // fails has written nothing; one that cannot be is named.
        let kept: Vec<String> = (changes[..k].iter())
            .filter_map(|w| {
                let back = match set.file(w.file()).exists {
                    true => write_file(w.path(), w.before(), links),
                    false => std::fs::remove_file(write::real_path(w.path())),
                };
                back.err()
                    .map(|e| format!("{} (putting it back: {e})", w.path().display()))
            })
            .collect();
        return Err(Failure::new(
            EXIT_IO,
            match (k, kept.is_empty()) {
                (0, _) => failed,
                (_, true) => format!(
                    "{failed} (nothing written: the {k} file(s) written before it were put back)"
                ),
                (_, false) => format!(
                    "{failed}; written before it and not put back: {}",
                    kept.join(", ")
                ),
            },
        ));
    }
    Ok(())
}

/// Replace the bytes of the config at `path` (through symlinks): atomically, or in place for a
/// hard-linked file with `--force`.
fn write_file(path: &Path, bytes: &[u8], links: HardLinks) -> std::io::Result<()> {
    let real = write::real_path(path);
    if links == HardLinks::WriteInPlace && write::hard_links(&real) > 1 {
        write::write_in_place(&real, bytes)
    } else {
        write::write_atomic(&real, bytes)
    }
}

/// The checks of [`write::check_writable`], as one-line failures.
fn refuse_unwritable(path: &Path, req: &EditRequest) -> Result<(), Failure> {
    let store = std::env::var("CODEX_FWD_NIX_STORE").unwrap_or_else(|_| write::NIX_STORE.into());
    let p = path.display();
    let force = req.hard_links == HardLinks::WriteInPlace;
    let Err(why) = write::check_writable(path, &store, force) else {
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
            let forwards: Vec<String> = (req.forwards.iter())
                .filter_map(|f| Some((f.listen_port()?, f.connect_port()?)))
                .map(|(l, r)| {
                    format!("{{ bind.port = {l}; host.address = \"localhost\"; host.port = {r}; }}")
                })
                .collect();
            let entries: Vec<String> = (req.hosts.iter())
                .map(|h| {
                    format!(
                        "programs.ssh.matchBlocks.\"{h}\".localForwards = [ {} ];",
                        forwards.join(" ")
                    )
                })
                .collect();
            let what = match req.action {
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
