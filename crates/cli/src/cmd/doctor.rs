//! `doctor`: what stops the login callback from arriving, with a fix for each.

use serde::Serialize;
use std::collections::HashSet;

use sshcfg::{ConfigSet, Resolution, ResolveContext};

use crate::args::DoctorRequest;
use crate::doctor::{self, Code, Finding, Missing, Severity, Suggest};
use crate::env::{Env, print_json};
use crate::failure::{EXIT_IO, EXIT_REFUSED, Failure, stdout_failed};

#[derive(Serialize)]
struct DoctorReport {
    ok: bool,
    hosts: Vec<String>,
    findings: Vec<Finding>,
}

pub(crate) fn doctor(env: &Env, a: &DoctorRequest) -> Result<u8, Failure> {
    let set = env.load_as_ssh()?;
    let ctx = &env.ctx;
    let (resolved, refused) = hosts_to_check(&set, a, ctx);
    let hosts: Vec<String> = resolved.iter().map(|r| r.host.clone()).collect();
    let suggest = Suggest::new(env.explicit_file(), a.ports.given());
    let mut findings = config_findings(&set, &resolved, &refused, a, ctx, &suggest);
    let explicit = env.explicit_file().is_some();
    findings.extend(doctor::port_findings(a.ports.local(), &hosts, &suggest));
    let permissions = doctor::permission_findings(&set, explicit);
    // `enable` refuses while ssh would not read the config at all: its fix comes first.
    if let Some(p) = permissions.iter().find(|f| f.code == Code::BadPermissions) {
        for f in findings
            .iter_mut()
            .filter(|f| f.code == Code::ForwardMissing)
        {
            f.fix = format!("first make ssh read the config ({}), then {}", p.fix, f.fix);
        }
    }
    findings.extend(permissions);
    if !explicit {
        findings.extend(doctor::home_finding(&set));
    }
    if a.ssh_g {
        say!("codex-fwd: running ssh -G, which evaluates Match exec commands in your config");
        let config = env.explicit_file();
        findings.extend(
            doctor::ssh_g_findings(config, &resolved).map_err(|m| Failure::new(EXIT_IO, m))?,
        );
        // ssh -G has just been asked: the undecided lines' fix no longer says to ask it.
        for f in findings.iter_mut().filter(|f| f.code == Code::NotEvaluated) {
            f.fix = "ssh -G was run for this host (--ssh-g): where it reads other forwards, an ssh-g-differs finding says so".into();
        }
    }
    if findings.iter().any(|f| f.code == Code::UnknownKeyword)
        && let Some(v) = crate::system::ssh_v().map(|v| &v.name)
    {
        for f in findings
            .iter_mut()
            .filter(|f| f.code == Code::UnknownKeyword)
        {
            f.message.push_str(&format!(" (the installed ssh is {v})"));
        }
    }
    if a.probe {
        let port = a.ports.remote();
        for h in &a.hosts {
            let p = doctor::probe(env.explicit_file(), h, port);
            findings.extend(doctor::probe_finding(h, port, &p));
        }
    }
    findings.extend(fallback_notes(&resolved, a, &suggest));
    let ok = findings.iter().all(|f| f.severity == Severity::Note);
    // Its verdict is its exit status: a reader that went away (`doctor | true`) takes no more
    // of the report, and the verdict stands (it was 0, "no problems", then).
    Failure::unless_reader_gone(match a.json {
        true => print_json(&DoctorReport {
            ok,
            hosts,
            findings,
        }),
        false => print_text(&hosts, &findings, env.color),
    })?;
    Ok(if ok { 0 } else { EXIT_REFUSED })
}

/// The hosts named, or every literal host of the config that has a forward of the local port
/// (whether it works, is exposed or goes elsewhere) or a RemoteForward of the remote one, each
/// resolved (through one index when there are several, so the run stays linear in the config);
/// and, of the other hosts of the config, the findings of what ssh stops at when it reads the
/// config for them (a line it refuses for some hosts only: for those, `ssh` does not run).
fn hosts_to_check(
    set: &ConfigSet,
    a: &DoctorRequest,
    ctx: &ResolveContext,
) -> (Vec<Resolution>, Vec<Finding>) {
    let named = !a.hosts.is_empty();
    // Every host: the index is built first and names them (it has read the Host lines).
    let (every, candidates) = match named {
        false => {
            let (index, hosts) = set.resolve_index_naming_hosts();
            (Some(index), hosts)
        }
        true => (None, a.hosts.iter().map(|h| h.as_str()).collect()),
    };
    let index = every.or_else(|| (candidates.len() > 1).then(|| set.resolve_index()));
    let (local, remote) = (a.ports.local(), a.ports.remote());
    let concerned = |r: &Resolution| {
        r.forward_lines
            .iter()
            .any(|f| f.forward.listen_port() == Some(local))
            || r.remote_listeners
                .iter()
                .any(|l| matches!(&l.value, sshcfg::Listen::Port { port, .. } if *port == remote))
    };
    // Each host is resolved into one resolution (its room reused), kept only if it concerns
    // the ports.
    let mut r = Resolution::default();
    let mut refused = Vec::new();
    let resolved = (0..candidates.len())
        .filter_map(|i| {
            match &index {
                Some(ix) => ix.resolve_name_into(&candidates, i, ctx, &mut r),
                None => r = set.resolve(candidates.get(i)?, ctx),
            }
            let keep = named || concerned(&r);
            if !keep && !r.errors.is_empty() {
                refused.extend(doctor::error_findings(set, &r));
            }
            keep.then(|| std::mem::take(&mut r))
        })
        .collect();
    (resolved, refused)
}

/// The config's findings: its files', then each host's (a line OpenSSH rejects is reported
/// once, not once per host).
fn config_findings(
    set: &ConfigSet,
    resolved: &[Resolution],
    refused: &[Finding],
    a: &DoctorRequest,
    ctx: &ResolveContext,
    s: &Suggest,
) -> Vec<Finding> {
    let want = a.ports.first().clone();
    let missing = if a.hosts.is_empty() {
        Missing::Ignore
    } else {
        Missing::Report
    };
    let mut findings = doctor::file_findings(set, ctx);
    let mut seen: HashSet<(Option<String>, Option<usize>)> = findings
        .iter()
        .filter(|g| g.code == Code::ConfigError)
        .map(|g| (g.file.clone(), g.line))
        .collect();
    // Of hosts without a forward of the ports, the lines ssh refuses for them, once each.
    for f in refused {
        if seen.insert((f.file.clone(), f.line)) {
            findings.push(f.clone());
        }
    }
    let jump_tokens_may_stay = crate::undecided::jump_tokens_may_stay(set, ctx);
    for r in resolved {
        for f in doctor::host_findings(set, r, &want, missing, ctx, s) {
            if f.code != Code::ConfigError || seen.insert((f.file.clone(), f.line)) {
                findings.push(f);
            }
        }
        if let Some(loc) = jump_tokens_may_stay
            .then(|| crate::undecided::unknown_jump_tokens(r))
            .flatten()
        {
            findings.push(
                Finding::new(
                    Code::NotEvaluated,
                    Severity::Note,
                    Some(&r.host),
                    crate::undecided::UNKNOWN_JUMP_TOKENS.into(),
                    format!("check with `{}`", s.ssh("-G", &r.host)),
                )
                .at(set, loc),
            );
        }
    }
    findings
}

fn print_text(
    hosts: &[String],
    findings: &[Finding],
    choice: anstream::ColorChoice,
) -> Result<(), Failure> {
    use std::io::{IsTerminal as _, Write as _};
    let mut out = anstream::AutoStream::new(std::io::stdout(), choice);
    if findings.is_empty() {
        let for_hosts = if hosts.is_empty() {
            String::new()
        } else {
            format!(" for {}", hosts.join(", "))
        };
        writeln!(out, "No problems found{for_hosts}.").map_err(stdout_failed)?;
    }
    // On a terminal, colour on or off, the config's control bytes quoted are shown visibly.
    let terminal = std::io::stdout().is_terminal();
    for f in findings {
        f.write_to(&mut out, terminal).map_err(stdout_failed)?;
    }
    Ok(())
}

/// Codex's callback server moves to 1457 when 1455 is busy on the remote (the only other port
/// its OAuth client accepts): a note for each host that carries 1455 but not 1457.
fn fallback_notes(resolved: &[Resolution], a: &DoctorRequest, s: &Suggest) -> Vec<Finding> {
    use crate::codex::{DEFAULT_PORT as DEFAULT, ENDS, FALLBACK_PORT as FALLBACK, REDIRECT_HOST};
    if a.ports.remote() != DEFAULT || a.ports.forwards().len() > 1 {
        return Vec::new();
    }
    let both = match a.ports.local() {
        DEFAULT => format!("--port {DEFAULT},{FALLBACK}"),
        local => format!("--port {local}:{DEFAULT},{FALLBACK}"),
    };
    resolved
        .iter()
        .filter(|r| {
            r.tunnel(a.ports.local(), DEFAULT, ENDS).is_ok()
                && r.tunnel(FALLBACK, FALLBACK, ENDS).is_err()
        })
        .map(|r| {
            let h = &r.host;
            Finding::new(
                Code::FallbackPort,
                Severity::Note,
                Some(h),
                format!("Codex listens on 127.0.0.1:{FALLBACK} instead when {DEFAULT} is busy on {h}; then the redirect goes to {REDIRECT_HOST}:{FALLBACK}, which is not forwarded"),
                format!("forward both: `{}`", s.run_with_ports("enable", h, &both)),
            )
        })
        .collect()
}
