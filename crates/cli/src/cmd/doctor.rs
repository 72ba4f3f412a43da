//! `doctor`: what stops the login callback from arriving, with a fix for each.

use serde::Serialize;
use sshcfg::{ConfigSet, ResolveContext};

use crate::args::DoctorArgs;
use crate::doctor::{self, Code, Finding, Missing, Severity};
use crate::env::{Env, check_hosts, print_json};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure, stdout_failed};

#[derive(Serialize)]
struct DoctorReport {
    ok: bool,
    hosts: Vec<String>,
    findings: Vec<Finding>,
}

pub(crate) fn doctor(env: &Env, a: &DoctorArgs) -> Result<u8, Failure> {
    check_hosts(&a.hosts)?;
    let set = env.load()?;
    let ctx = &env.ctx;
    let hosts = hosts_to_check(&set, a, ctx);
    let mut findings = config_findings(&set, &hosts, a, ctx);
    let explicit = env.explicit_file().is_some();
    findings.extend(doctor::port_findings(a.ports.local()));
    findings.extend(doctor::permission_findings(&set, explicit));
    if !explicit {
        findings.extend(doctor::home_finding(&set));
    }
    if a.ssh_g {
        eprintln!("codex-fwd: running ssh -G, which evaluates Match exec commands in your config");
        let config = env.explicit_file();
        findings.extend(
            doctor::ssh_g_findings(&set, config, &hosts, ctx)
                .map_err(|m| Failure::new(EXIT_IO, m))?,
        );
    }
    if findings.iter().any(|f| f.code == Code::UnknownKeyword)
        && let Some(v) = doctor::ssh_version()
    {
        for f in findings
            .iter_mut()
            .filter(|f| f.code == Code::UnknownKeyword)
        {
            f.message.push_str(&format!(" (the installed ssh is {v})"));
        }
    }
    findings.extend(fallback_notes(&set, &hosts, a, ctx));
    let ok = findings.iter().all(|f| f.severity == Severity::Note);
    if a.json {
        print_json(&DoctorReport {
            ok,
            hosts,
            findings,
        });
    } else {
        print_text(&hosts, &findings, env.color)?;
    }
    Ok(if ok { 0 } else { EXIT_REFUSED })
}

/// The hosts named, or every literal host of the config that has the forward.
fn hosts_to_check(set: &ConfigSet, a: &DoctorArgs, ctx: &ResolveContext) -> Vec<String> {
    if !a.hosts.is_empty() {
        return a.hosts.clone();
    }
    let (local, remote) = (a.ports.local(), a.ports.remote());
    set.literal_hosts()
        .into_iter()
        .filter(|h| set.resolve(h, ctx).loopback_tunnel(local, remote).is_ok())
        .collect()
}

/// The config's findings: its files', then each host's (a line OpenSSH rejects is reported
/// once, not once per host).
fn config_findings(
    set: &ConfigSet,
    hosts: &[String],
    a: &DoctorArgs,
    ctx: &ResolveContext,
) -> Vec<Finding> {
    let want = a.ports.forward();
    let missing = if a.hosts.is_empty() {
        Missing::Ignore
    } else {
        Missing::Report
    };
    let mut findings = doctor::file_findings(set);
    for h in hosts {
        for f in doctor::host_findings(set, h, &want, missing, ctx) {
            let seen = f.code == Code::ConfigError
                && findings
                    .iter()
                    .any(|g| g.code == f.code && g.file == f.file && g.line == f.line);
            if !seen {
                findings.push(f);
            }
        }
    }
    findings
}

fn print_text(
    hosts: &[String],
    findings: &[Finding],
    choice: anstream::ColorChoice,
) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
    if findings.is_empty() {
        let for_hosts = if hosts.is_empty() {
            String::new()
        } else {
            format!(" for {}", hosts.join(", "))
        };
        writeln!(out, "No problems found{for_hosts}.").map_err(stdout_failed)?;
    }
    for f in findings {
        f.write_to(&mut out).map_err(stdout_failed)?;
    }
    Ok(())
}

/// Codex's callback server moves to 1457 when 1455 is busy on the remote (the only other port
/// its OAuth client accepts): a note for each host that carries 1455 but not 1457.
fn fallback_notes(
    set: &ConfigSet,
    hosts: &[String],
    a: &DoctorArgs,
    ctx: &ResolveContext,
) -> Vec<Finding> {
    const DEFAULT: u16 = 1455;
    const FALLBACK: u16 = 1457;
    if a.ports.remote() != DEFAULT || a.ports.port.len() > 1 {
        return Vec::new();
    }
    hosts
        .iter()
        .filter(|h| {
            let r = set.resolve(h, ctx);
            r.loopback_tunnel(a.ports.local(), DEFAULT).is_ok()
                && r.loopback_tunnel(FALLBACK, FALLBACK).is_err()
        })
        .map(|h| {
            Finding::new(
                Code::FallbackPort,
                Severity::Note,
                Some(h),
                format!("Codex listens on 127.0.0.1:{FALLBACK} instead when {DEFAULT} is busy on {h}; then the redirect goes to localhost:{FALLBACK}, which is not forwarded"),
                format!("forward both: `codex-fwd enable {h} --port {DEFAULT},{FALLBACK}`"),
            )
        })
        .collect()
}
