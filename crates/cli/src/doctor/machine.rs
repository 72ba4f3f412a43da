//! What needs the running system: the laptop's port, file owners and modes, `$HOME`, and (opt-in)
//! `ssh` itself.

use std::path::Path;

use sshcfg::{ConfigSet, FileRole};

use super::finding::{Code, Finding, Severity};
use super::suggest::Suggest;
use crate::{system, write};

/// The laptop's port `local`: taken by another process, or inside a range Windows reserves.
/// `hosts`: the hosts checked, for the suggested command (none: only the option is named).
pub(crate) fn port_findings(local: u16, hosts: &[String], s: &Suggest) -> Vec<Finding> {
    let other_port = |port: u16| match hosts.is_empty() {
        true => format!("pass `--local-port {port}` to `codex-fwd enable` or `codex-fwd login`"),
        false => format!(
            "`{}`",
            s.run_with_local_port("enable", &hosts.join(" "), port)
        ),
    };
    let mut out = Vec::new();
    if let Some(owner) = system::port_in_use(local) {
        let ssh_note = if owner.name.as_deref() == Some("ssh") {
            " It looks like an SSH tunnel that is already up: that is what a remote login needs, but `codex login` run on this machine then fails with \"Address in use (os error 98)\"."
        } else {
            ""
        };
        out.push(Finding::new(
            Code::LocalPortInUse,
            Severity::Error,
            None,
            format!("localhost:{local} on this machine is already in use by {owner}: ssh cannot listen there, so the browser's redirect goes to that process instead.{ssh_note}"),
            format!("stop it, or use another local port: {}", other_port(if local == 2455 { 2456 } else { 2455 })),
        ));
    }
    // Windows reserves port ranges (Hyper-V, WSL) that nothing can bind, 1455 among them at times.
    if let Some((lo, hi)) = system::excluded_port_range(local) {
        out.push(Finding::new(
            Code::LocalPortExcluded,
            Severity::Error,
            None,
            format!("localhost:{local} is in the range {lo}-{hi} that Windows reserves (netsh int ipv4 show excludedportrange protocol=tcp): ssh cannot listen there"),
            format!("use a port outside it: {}, or free the range (net stop winnat; net start winnat)", other_port(if (lo..=hi).contains(&2455) { hi.saturating_add(1) } else { 2455 })),
        ));
    }
    out
}

/// OpenSSH refuses a user config or an included file or directory with a bad owner or mode
/// (Debian's and Ubuntu's let a group whose one member is the user write it), and warns about
/// a `~/.ssh` others can write (`explicit`: the config was given with `-F`, which ssh does not
/// check).
pub(crate) fn permission_findings(set: &ConfigSet, explicit: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, f) in set.file_ids().zip(set.files()) {
        let checked = match f.role {
            FileRole::Main => !explicit,
            FileRole::Included { .. } => true,
            FileRole::System => false,
        };
        if checked
            && f.exists
            && let Some(why) = system::bad_permissions(&write::real_path(&f.path))
        {
            let p = f.path.display().to_string();
            let fix = permissions_fix(set, id, &f.path, &why);
            out.push(
                Finding::new(
                    Code::BadPermissions,
                    Severity::Error,
                    None,
                    format!("{p} {}: ssh stops with \"Bad owner or permissions\" and reads no config at all", why.predicate()),
                    fix,
                )
                .in_file(p.clone()),
            );
        }
    }
    // ssh opens an included directory too, and checks it as it checks a file.
    for d in set.included_dirs() {
        if let Some(why) = system::bad_permissions(&write::real_path(&d.path)) {
            let p = d.path.display().to_string();
            out.push(
                Finding::new(
                    Code::BadPermissions,
                    Severity::Error,
                    None,
                    format!("{p} (a directory, named by the Include at {}) {}: ssh stops with \"Bad owner or permissions\" and reads no config at all", set.place(d.from), why.predicate()),
                    owner_mode_fix(&d.path, &why),
                )
                .in_file(p.clone()),
            );
        }
    }
    #[cfg(unix)]
    if !explicit && let Some(dir) = set.main().path.parent() {
        out.extend(ssh_dir_finding(dir));
    }
    out
}

/// The fix for a file ssh will not read: commands that work as printed (the path quoted for a
/// POSIX shell; `chown` to yourself needs root), or, for what is not a regular file (`Include
/// /dev/null`: root's, writable by all), taking out the `Include` that names it.
fn permissions_fix(
    set: &ConfigSet,
    id: sshcfg::FileId,
    path: &Path,
    why: &system::BadPermissions,
) -> String {
    if why.special {
        let at = set.included_from(id).map(|loc| set.place(loc).to_string());
        return match at {
            Some(at) => format!(
                "ssh cannot read {} as a config: remove the Include at {at} that names it",
                path.display()
            ),
            None => format!(
                "ssh cannot read {} as a config: use a regular file",
                path.display()
            ),
        };
    }
    owner_mode_fix(path, why)
}

/// Commands that give `path` an owner and mode ssh accepts.
fn owner_mode_fix(path: &Path, why: &system::BadPermissions) -> String {
    let q = crate::shell::quote(&path.display().to_string());
    let mut cmds = Vec::new();
    if let Some((_, me)) = why.foreign_owner {
        // Taking a file over needs root; root itself needs no sudo (which may not be there).
        let sudo = if me == 0 { "" } else { "sudo " };
        cmds.push(format!("{sudo}chown \"$(id -un)\" {q}"));
    }
    if why.writable_mode.is_some() {
        cmds.push(format!("chmod go-w {q}"));
    }
    cmds.join(" && ")
}

#[cfg(unix)]
fn ssh_dir_finding(ssh_dir: &Path) -> Option<Finding> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(ssh_dir).ok()?;
    if m.mode() & 0o022 == 0 {
        return None;
    }
    let p = ssh_dir.display().to_string();
    Some(
        Finding::new(
            Code::SshDirPermissions,
            Severity::Warning,
            None,
            format!("{p} has mode {:04o}: others can replace your config, and sshd's StrictModes refuses keys under it", m.mode() & 0o7777),
            format!("chmod go-w {}", crate::shell::quote(&p)),
        )
        .in_file(p.clone()),
    )
}

/// ssh (and this tool) read `~/.ssh/config` under the password database's home, whatever `$HOME`
/// says, but `~` in `Include` lines is expanded with `$HOME` (glob(3)'s `GLOB_TILDE`): a note
/// when the two differ.
pub(crate) fn home_finding(set: &ConfigSet) -> Option<Finding> {
    let pw = sshcfg::passwd_home()?;
    if crate::env::same_file(set.home(), &pw) {
        return None;
    }
    let env = set.home().join(".ssh").join("config");
    let real = pw.join(".ssh").join("config");
    Some(
        Finding::new(
            Code::HomeDiffers,
            Severity::Note,
            None,
            format!("$HOME is {} but your home in the password database is {}: ssh reads {} (and so does codex-fwd), not {}, but expands `~` in Include lines with $HOME", set.home().display(), pw.display(), real.display(), env.display()),
            format!("to check or edit {} instead, pass `-F {}`", env.display(), env.display()),
        )
        .in_file(real.display().to_string()),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn the_fix_for_a_file_ssh_will_not_read_is_one_command_line() {
        let set = sshcfg::ConfigSet::from_main_bytes(
            Vec::new(),
            &sshcfg::LoadOptions::explicit_file("/c", "/nonexistent"),
        )
        .unwrap();
        let id = set.file_ids().next().unwrap();
        let fix = |foreign_owner, writable_mode| {
            let why = crate::system::BadPermissions {
                foreign_owner,
                writable_mode,
                shared_group: None,
                special: false,
            };
            super::permissions_fix(&set, id, std::path::Path::new("/my dir/inc"), &why)
        };
        assert_eq!(fix(None, Some(0o666)), "chmod go-w '/my dir/inc'");
        assert_eq!(
            fix(Some((1001, 1000)), Some(0o664)),
            "sudo chown \"$(id -un)\" '/my dir/inc' && chmod go-w '/my dir/inc'"
        );
        assert_eq!(
            fix(Some((1001, 0)), None),
            "chown \"$(id -un)\" '/my dir/inc'"
        );
    }

    #[test]
    fn an_ssh_dir_others_can_write_is_reported() {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(super::ssh_dir_finding(d.path()).is_some());
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(super::ssh_dir_finding(d.path()).is_none());
    }
}

/// `ssh -G HOST` against this tool's reading of the forwards (runs `Match exec` commands), for
/// each host resolved.
pub(crate) fn ssh_g_findings(
    config: Option<&Path>,
    resolved: &[sshcfg::Resolution],
) -> Result<Vec<Finding>, String> {
    let mut out = Vec::new();
    for r in resolved {
        let h = &r.host;
        let g = crate::ssh::Ssh::new()
            .print_config()
            .config(config)
            .destination(h)
            .command()
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|_| "cannot run ssh".to_string())?;
        let theirs: Vec<String> = String::from_utf8_lossy(&g.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("localforward ").map(str::to_string))
            .collect();
        let ours: Vec<String> = r
            .forwards
            .iter()
            .filter(|f| !f.forward.hidden_by_ssh_g())
            .map(|f| f.forward.to_string())
            .collect();
        if !g.status.success() {
            let why = String::from_utf8_lossy(&g.stderr);
            let why = why.lines().next().unwrap_or("no message");
            out.push(Finding::new(
                Code::SshGDiffers,
                Severity::Error,
                Some(h),
                format!("ssh -G {h} fails, so ssh itself would not connect: {why}"),
                "fix the line ssh names".into(),
            ));
        } else if theirs != ours {
            // Where codex-fwd left a line undecided (it runs no Match exec), ssh -G decided it:
            // a difference is expected there, not a defect to report.
            let fix = if r.not_evaluated.is_empty() {
                "trust ssh -G; please report the difference"
            } else {
                "trust ssh -G: it decided the lines codex-fwd does not evaluate (see the not-evaluated finding)"
            };
            out.push(Finding::new(
                Code::SshGDiffers,
                Severity::Warning,
                Some(h),
                format!("ssh -G {h} reports forwards [{}], this tool reads [{}] (a Match exec or a setting it does not evaluate)", theirs.join(", "), ours.join(", ")),
                fix.into(),
            ));
        }
    }
    Ok(out)
}
