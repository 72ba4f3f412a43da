//! `doctor`: what stops the login callback from arriving, with a fix for each.

use std::io::Write as _;

use serde::Serialize;
use sshcfg::ResolveContext;

use crate::args::{Cli, DoctorArgs};
use crate::common::*;
use crate::{system, write};

#[derive(Serialize)]
struct DoctorReport {
    ok: bool,
    hosts: Vec<String>,
    findings: Vec<sshcfg::Finding>,
}

pub(crate) fn doctor(
    cli: &Cli,
    a: &DoctorArgs,
    choice: anstream::ColorChoice,
) -> Result<u8, Failure> {
    use sshcfg::{Finding, Severity};
    check_hosts(&a.hosts)?;
    let t = target(cli)?;
    let set = load(&t)?;
    let ctx = ResolveContext::default();
    let want = a.ports.forward();
    let local = a.ports.local();
    let named = !a.hosts.is_empty();
    // Several hosts go through one index, so the run stays linear in the config.
    let candidates = if named {
        a.hosts.clone()
    } else {
        set.literal_hosts()
    };
    let index = (candidates.len() > 1).then(|| set.resolve_index());
    let resolve = |h: &str| match &index {
        Some(ix) => ix.resolve(h, &ctx),
        None => set.resolve(h, &ctx),
    };
    let resolved: Vec<sshcfg::Resolution> = candidates
        .iter()
        .map(|h| resolve(h))
        .filter(|r| named || r.forwards.iter().any(|f| f.forward.equivalent(&want)))
        .collect();
    let hosts: Vec<String> = resolved.iter().map(|r| r.host.clone()).collect();
    let mut findings: Vec<Finding> = set.doctor_files();
    // A line OpenSSH rejects is reported once, not once per host.
    let mut rejected: std::collections::HashSet<(Option<String>, Option<usize>)> = findings
        .iter()
        .filter(|g| g.code == "config-error")
        .map(|g| (g.file.clone(), g.line))
        .collect();
    for r in &resolved {
        for f in set.doctor_resolved(r, &want, named, &ctx) {
            if f.code != "config-error" || rejected.insert((f.file.clone(), f.line)) {
                findings.push(f);
            }
        }
    }
    let sys = |code, severity, message: String, fix: String, file: Option<String>| Finding {
        code,
        severity,
        host: None,
        message,
        fix,
        file,
        line: None,
    };
    if let Some(owner) = system::port_in_use(local) {
        let who = owner.to_string();
        let ssh_note = if owner.name.as_deref() == Some("ssh") {
            " It looks like an SSH tunnel that is already up: that is what a remote login needs, but `codex login` run on this machine then fails with \"Address in use (os error 98)\"."
        } else {
            ""
        };
        findings.push(sys(
            "local-port-in-use",
            Severity::Error,
            format!("localhost:{local} on this machine is already in use by {who}: ssh cannot listen there, so the browser's redirect goes to that process instead.{ssh_note}"),
            format!("stop it, or use another local port: `codex-fwd enable HOST --local-port {}`", if local == 2455 { 2456 } else { 2455 }),
            None,
        ));
    }
    // OpenSSH refuses a user config or an included file with a bad owner or mode.
    for f in set.files() {
        let checked = match f.role {
            sshcfg::FileRole::Main => cli.config.is_none(),
            sshcfg::FileRole::Included { .. } => true,
            sshcfg::FileRole::System => false,
        };
        if checked
            && f.exists
            && let Some(why) = system::bad_permissions(&write::real_path(&f.path))
        {
            let p = f.path.display().to_string();
            findings.push(sys(
                "bad-permissions",
                Severity::Error,
                format!("{p} is {why}: ssh stops with \"Bad owner or permissions\" and reads no config at all"),
                format!("chmod 600 {p} (and make it yours: chown \"$USER\" {p})"),
                Some(p),
            ));
        }
    }
    if cli.config.is_none() {
        let ssh_dir = set.home().join(".ssh");
        #[cfg(unix)]
        if let Ok(m) = std::fs::metadata(&ssh_dir) {
            use std::os::unix::fs::MetadataExt;
            if m.mode() & 0o022 != 0 {
                let p = ssh_dir.display().to_string();
                findings.push(sys(
                    "ssh-dir-permissions",
                    Severity::Warning,
                    format!("{p} has mode {:04o}: others can replace your config, and sshd's StrictModes refuses keys under it", m.mode() & 0o7777),
                    format!("chmod 700 {p}"),
                    Some(p),
                ));
            }
        }
    }
    // Windows reserves port ranges (Hyper-V, WSL) that nothing can bind, 1455 among them at times.
    if let Some((lo, hi)) = system::excluded_port_range(local) {
        findings.push(sys(
            "local-port-excluded",
            Severity::Error,
            format!("localhost:{local} is in the range {lo}-{hi} that Windows reserves (netsh int ipv4 show excludedportrange protocol=tcp): ssh cannot listen there"),
            format!("use a port outside it: `codex-fwd enable HOST --local-port {}`, or free the range (net stop winnat; net start winnat)", if (lo..=hi).contains(&2455) { hi.saturating_add(1) } else { 2455 }),
            None,
        ));
    }
    // ssh reads ~/.ssh/config under the password database's home, whatever $HOME says, but
    // expands `~` in Include with $HOME.
    if cli.config.is_none()
        && let Some(pw) = system::passwd_home()
    {
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a == b
                || std::fs::canonicalize(a)
                    .ok()
                    .is_some_and(|x| std::fs::canonicalize(b).ok() == Some(x))
        };
        if !same(set.home(), &pw) {
            let env = set.home().join(".ssh").join("config");
            let real = pw.join(".ssh").join("config");
            findings.push(sys(
                "home-differs",
                Severity::Warning,
                format!("$HOME is {} but your home in the password database is {}: ssh reads {}, not {} (which this tool read), and expands `~` in Include with $HOME", set.home().display(), pw.display(), real.display(), env.display()),
                format!("run with `-F {}` to check and edit the file ssh reads, or unset HOME's override", real.display()),
                Some(env.display().to_string()),
            ));
        }
    }
    if a.ssh_g {
        eprintln!("codex-fwd: running ssh -G, which evaluates Match exec commands in your config");
        for h in &hosts {
            let mut cmd = std::process::Command::new("ssh");
            cmd.arg("-G");
            if let Some(c) = &cli.config {
                cmd.arg("-F").arg(c);
            }
            let out = cmd.arg(h).stdin(std::process::Stdio::null()).output();
            let Ok(out) = out else {
                return Err(Failure::new(EXIT_IO, "cannot run ssh"));
            };
            let theirs: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix("localforward ").map(str::to_string))
                .collect();
            let ours: Vec<String> = resolve(h)
                .forwards
                .iter()
                .filter(|f| !f.forward.hidden_by_ssh_g())
                .map(|f| f.forward.to_string())
                .collect();
            if out.status.success() && theirs != ours {
                findings.push(sys(
                    "ssh-g-differs",
                    Severity::Warning,
                    format!("ssh -G {h} reports forwards [{}], this tool reads [{}] (a Match exec or a setting it does not evaluate)", theirs.join(", "), ours.join(", ")),
                    "trust ssh -G; please report the difference".into(),
                    None,
                ));
            }
        }
    }
    if findings.iter().any(|f| f.code == "unknown-keyword")
        && let Some(v) = ssh_version()
    {
        for f in findings.iter_mut().filter(|f| f.code == "unknown-keyword") {
            f.message.push_str(&format!(" (the installed ssh is {v})"));
        }
    }
    findings.extend(fallback_notes(&resolved, a));
    let ok = findings.iter().all(|f| f.severity == Severity::Note);
    if a.json {
        print_json(&DoctorReport {
            ok,
            hosts,
            findings,
        });
    } else {
        let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "No problems found{}.",
                if hosts.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", hosts.join(", "))
                }
            );
        }
        for f in &findings {
            let (style, label) = match f.severity {
                Severity::Error => (
                    anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Red.into()))
                        .bold(),
                    "error",
                ),
                Severity::Warning => (
                    anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Yellow.into()))
                        .bold(),
                    "warning",
                ),
                Severity::Note => (
                    anstyle::Style::new()
                        .fg_color(Some(anstyle::AnsiColor::Cyan.into()))
                        .bold(),
                    "note",
                ),
            };
            let place = match (&f.file, f.line) {
                (Some(p), Some(l)) => format!("{p}:{l}: "),
                (Some(p), None) => format!("{p}: "),
                _ => String::new(),
            };
            let host = f
                .host
                .as_ref()
                .map(|h| format!("({h}) "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{style}{label}[{}]{style:#} {host}{place}{}",
                f.code, f.message
            );
            let _ = writeln!(out, "    fix: {}", f.fix);
        }
    }
    Ok(if ok { 0 } else { EXIT_REFUSED })
}

/// `ssh -V` (it reads no config): the installed OpenSSH, e.g. `OpenSSH_9.2p1`.
fn ssh_version() -> Option<String> {
    let out = std::process::Command::new("ssh")
        .arg("-V")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.split([',', ' ']).next().map(str::to_string)
}

/// Codex's callback server moves to 1457 when 1455 is busy on the remote (the only other port
/// its OAuth client accepts): a note for each host that carries 1455 but not 1457.
fn fallback_notes(resolved: &[sshcfg::Resolution], a: &DoctorArgs) -> Vec<sshcfg::Finding> {
    const DEFAULT: u16 = 1455;
    const FALLBACK: u16 = 1457;
    if a.ports.remote() != DEFAULT || a.ports.port.len() > 1 {
        return Vec::new();
    }
    resolved
        .iter()
        .filter(|r| {
            r.loopback_tunnel(a.ports.local(), DEFAULT).is_ok()
                && r.loopback_tunnel(FALLBACK, FALLBACK).is_err()
        })
        .map(|r| &r.host)
        .map(|h| sshcfg::Finding {
            code: "fallback-port",
            severity: sshcfg::Severity::Note,
            host: Some(h.clone()),
            message: format!("Codex listens on 127.0.0.1:{FALLBACK} instead when {DEFAULT} is busy on {h}; then the redirect goes to localhost:{FALLBACK}, which is not forwarded"),
            fix: format!("forward both: `codex-fwd enable {h} --port {DEFAULT},{FALLBACK}`"),
            file: None,
            line: None,
        })
        .collect()
}
