//! What in the config stops the login callback from arriving: Codex's rules on top of the
//! library's OpenSSH model (resolution, listeners, diagnostics).

use std::net::SocketAddr;

use sshcfg::{
    BindScope, Blocker, ConfigSet, DiagnosticKind, FileId, Forward, Listen, Loc, LoopbackAddrs,
    Resolution, ResolveContext, UnknownCover,
};

use super::finding::{Code, Finding, Severity};
use super::suggest::Suggest;
use crate::codex::{ENDS, REDIRECT_HOST};

/// Lines OpenSSH would reject (or silently ignore), in every file of the set: ssh stops at a
/// rejected line whatever the host.
pub(crate) fn file_findings(set: &ConfigSet, ctx: &ResolveContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, f) in set.file_ids().zip(set.files()) {
        for d in set.file_diagnostics(id, ctx.openssh) {
            // An IgnoreUnknown ssh reads before the line (in this file or another, Includes
            // where they stand) covers it for the hosts that obtain it; one every host has
            // obtained there (the first read, where every line applies to every host: in an
            // included file, say) covers it for every host.
            let cover = match d.kind {
                DiagnosticKind::UnknownKeyword => {
                    set.unknown_keyword_cover(sshcfg::Loc::new(id, d.line - 1))
                }
                _ => UnknownCover::Nothing,
            };
            let covering = match cover {
                UnknownCover::EveryHost { .. } => continue,
                UnknownCover::SomeHosts { by } => Some(some_hosts_cover(set, id, by)),
                UnknownCover::Nothing => None,
            };
            let (code, severity, message, fix) = match d.kind {
                DiagnosticKind::UnknownKeyword if let Some((by, why, fix)) = &covering => (
                    Code::UnknownKeyword,
                    Severity::Warning,
                    format!(
                        "ssh accepts this line only for the hosts the `IgnoreUnknown` at {by} applies to ({why}); for every other host it refuses the whole config: {}",
                        d.message
                    ),
                    fix.as_str(),
                ),
                DiagnosticKind::Ignored => (
                    Code::ConfigError,
                    Severity::Warning,
                    d.message,
                    "fix or remove the line",
                ),
                DiagnosticKind::BadArguments => (
                    Code::ConfigError,
                    Severity::Error,
                    format!("OpenSSH would reject this line: {}", d.message),
                    "fix or remove the line",
                ),
                DiagnosticKind::UnknownKeyword => (
                    Code::UnknownKeyword,
                    Severity::Error,
                    format!(
                        "OpenSSH would reject this line, and with it the whole config, for every host: {}",
                        d.message
                    ),
                    &*crate::refusal::unknown_keyword_fix(set, Loc::new(id, d.line - 1)),
                ),
            };
            // A byte-order mark makes the first keyword unknown: neither fix above helps.
            let bom = d.line == 1 && crate::refusal::starts_with_bom(f.doc.as_bytes());
            let (message, fix) = if bom && d.kind == DiagnosticKind::UnknownKeyword {
                (
                    format!("{message}{}", crate::refusal::BOM_CAUSE),
                    crate::refusal::BOM_FIX.into(),
                )
            } else {
                (message, fix.into())
            };
            let mut finding = Finding::new(code, severity, None, message, fix)
                .in_file(f.path.display().to_string());
            finding.line = Some(d.line);
            out.push(finding);
        }
    }
    out
}

/// Where the `IgnoreUnknown` at `by` that covers an unknown keyword of file `id` for some hosts
/// only is (`line N` in the same file), why it applies to some hosts only, and the fix: a line
/// inside a `Host` or `Match` block moves above the first one; one at the top of an included
/// file is read inside the block its `Include` stands in, and moving it within that file would
/// not help: the line goes above the first block of the file that includes it.
fn some_hosts_cover(set: &ConfigSet, id: FileId, by: Loc) -> (String, String, String) {
    let place = match by.file() == id {
        true => format!("line {}", by.line()),
        false => set.place(by).to_string(),
    };
    let doc = &set.file(by.file()).doc;
    let include = (doc.block_of(by.index()).header.is_none())
        .then(|| set.included_from(by.file()))
        .flatten();
    match include {
        Some(at) => {
            let line = String::from_utf8_lossy(doc.line_text(by.index()))
                .trim()
                .to_string();
            (
                place,
                format!("its file is read by the `Include` at {}, which is inside a Host or Match block", set.place(at)),
                format!(
                    "put `{line}` above the first Host or Match line of {}, so it applies to every host",
                    set.file(at.file()).path.display()
                ),
            )
        }
        None => (
            place,
            "it is inside a Host or Match block".into(),
            "move that `IgnoreUnknown` line above the first Host or Match line, so it applies to every host".into(),
        ),
    }
}

/// Whether a host the user did not name is checked only when it has the forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The user named the host: a missing forward is a finding.
    Report,
    /// Every host of the config: one without the forward is not a problem.
    Ignore,
}

/// The remote port of the forward Codex needs.
fn remote_port(want: &Forward) -> u16 {
    want.connect_port().unwrap_or_default()
}

/// The config's problems for the host `r` resolves (this set's resolution of `r.host`) and the
/// forward Codex needs (`want`).
pub(crate) fn host_findings(
    set: &ConfigSet,
    r: &Resolution,
    want: &Forward,
    missing: Missing,
    ctx: &ResolveContext,
    s: &Suggest,
) -> Vec<Finding> {
    let host = r.host.as_str();
    let mut out = Vec::new();
    out.extend(tunnel_findings(set, host, want, r, missing, ctx, s));
    out.extend(exposure_findings(set, host, want, r, s));
    out.extend(duplicate_findings(set, host, want, r));
    if r.tunnel(
        want.listen_port().unwrap_or_default(),
        remote_port(want),
        ENDS,
    )
    .is_ok()
    {
        out.extend(sharing_findings(set, host, want, r, s));
    }
    for n in &r.not_evaluated {
        out.push(
            Finding::new(
                Code::NotEvaluated,
                Severity::Warning,
                Some(host),
                crate::undecided::text(host, &n.what),
                format!(
                    "check with `{}` (which runs Match exec commands) or `{} --ssh-g`",
                    s.ssh("-G", host),
                    s.run("doctor", host)
                ),
            )
            .at(set, n.loc),
        );
    }
    // A line ssh refuses for this host but not for every host (an unknown keyword that an
    // `IgnoreUnknown` covers for other hosts): the file's finding is a warning; here, an error.
    if let Some(rej) = set.rejection_for_host(ctx.openssh, r)
        && matches!(
            set.unknown_keyword_cover(rej.loc),
            sshcfg::UnknownCover::SomeHosts { .. }
        )
    {
        out.push(
            Finding::new(
                Code::ConfigError,
                Severity::Error,
                Some(host),
                format!(
                    "ssh refuses the whole config for {host} at this line: {}",
                    rej.message
                ),
                crate::refusal::unknown_keyword_fix(set, rej.loc),
            )
            .at(set, rej.loc),
        );
    }
    out.extend(error_findings(set, r));
    out
}

/// What ssh stops at when it reads the config for the host `r` resolves (a bad `Match`, a
/// `Host` argument refused where its reading gets to it, a limit on an applying line, ...).
pub(crate) fn error_findings(set: &ConfigSet, r: &Resolution) -> Vec<Finding> {
    (r.errors.iter())
        .map(|n| {
            Finding::new(
                Code::ConfigError,
                Severity::Error,
                Some(&r.host),
                format!("OpenSSH would reject this line: {}", n.message),
                "fix the line".into(),
            )
            .at(set, n.loc)
        })
        .collect()
}

/// Why no forward carries the callback, as the listener model says.
fn tunnel_findings(
    set: &ConfigSet,
    host: &str,
    want: &Forward,
    r: &Resolution,
    missing: Missing,
    ctx: &ResolveContext,
    s: &Suggest,
) -> Vec<Finding> {
    let (local, remote) = (want.listen_port().unwrap_or_default(), remote_port(want));
    let at = |loc: sshcfg::Loc| set.place(loc).to_string();
    let finding =
        |code, message, fix| Finding::new(code, Severity::Error, Some(host), message, fix);
    let redirect = format!("{REDIRECT_HOST}:{local}");
    match r.tunnel(local, remote, ENDS) {
        Err(Blocker::Cleared { at: loc }) => vec![finding(
            Code::ClearAllForwardings,
            format!("ClearAllForwardings yes applies to {host}: ssh drops every LocalForward, so the callback on {redirect} never reaches the remote machine"),
            format!("remove `ClearAllForwardings yes` (or limit it to other hosts), or run `{}`", s.run("tunnel", host)),
        )
        .at(set, loc)],
        Err(Blocker::Missing) if missing == Missing::Report => {
            let fix = match set.enable(host, &crate::codex::written_form(r, want), ctx) {
                // ssh refuses the whole file: neither command works until that line is fixed.
                Err(sshcfg::EditError::Rejected(rej)) => format!(
                    "first correct the line ssh refuses ({}), then run `{}`",
                    set.place(rej.loc),
                    s.run("enable", host)
                ),
                done => {
                    let where_ = match done {
                        // What it could not decide has a finding of its own.
                        Ok(plan) => (plan.steps().iter())
                            .filter(|st| !matches!(st, sshcfg::Step::NotEvaluated { .. }))
                            .map(|st| crate::steps::step_text(set, st, s.file()))
                            .collect::<Vec<_>>()
                            .join("; "),
                        Err(e) => crate::refusal::edit_message(set, &e),
                    };
                    format!("run `{}` ({where_}), or `{}` for one session", s.run("enable", host), s.run("tunnel", host))
                }
            };
            vec![finding(
                Code::ForwardMissing,
                format!("no LocalForward {} is effective for {host}: the browser's redirect to {redirect} is refused on this machine", want.config_args()),
                fix,
            )]
        }
        Err(Blocker::WrongTarget { at: loc }) => {
            let f = r.forwards.iter().find(|f| f.loc == loc).expect("listener");
            vec![finding(
                Code::WrongTarget,
                format!("LocalForward {} takes local port {local} for {host} but connects to {}, where Codex's callback server does not listen (it listens on 127.0.0.1:{remote} only; inside a container that is the container's own loopback, which neither a forward to the container's address nor a port it publishes reaches)", f.forward, f.forward.connect_display()),
                format!("run `{}` to replace it, or change it to `LocalForward {}`; when Codex runs in a container on {host}: `{}` (the callback is carried into it)", s.run("enable", host), want.config_args(), s.run_with_ports("login", host, "--container NAME")),
            )
            .at(set, loc)]
        }
        Err(Blocker::WrongBind { at: loc }) => {
            let f = r.forwards.iter().find(|f| f.loc == loc).expect("listener");
            let family = r.get::<sshcfg::setting::AddressFamily>().filter(|af| !af.value.admits(REDIRECT_HOST));
            let (on, fix) = match (r.bind_scope(&f.forward.listen), family) {
                (Some(BindScope::Loopback(LoopbackAddrs::One(ip))), Some(af)) => (
                    format!("{} (AddressFamily at {})", SocketAddr::new(ip, local), set.place(af.loc)),
                    format!("remove that AddressFamily line for {host} (or make it `any`): under it no forward can listen on {REDIRECT_HOST}"),
                ),
                (Some(BindScope::Loopback(LoopbackAddrs::One(ip))), None) => (
                    SocketAddr::new(ip, local).to_string(),
                    format!("run `{}` to replace it, or change it to `LocalForward {}` (loopback, both 127.0.0.1 and ::1)", s.run("enable", host), want.config_args()),
                ),
                // Every interface of IPv6 alone (`*`, or GatewayPorts yes, under inet6).
                (Some(BindScope::Everywhere(_)), Some(af)) => (
                    format!("[::]:{local} (AddressFamily at {})", set.place(af.loc)),
                    format!("remove that AddressFamily line for {host} (or make it `any`): under it no forward can listen on {REDIRECT_HOST}"),
                ),
                _ => (
                    f.forward.listen_display(),
                    format!("change it to `LocalForward {}` (loopback, both 127.0.0.1 and ::1)", want.config_args()),
                ),
            };
            vec![finding(
                Code::WrongBind,
                format!("LocalForward {} listens on {on} only, but Codex's redirect sends the browser to http://{redirect}/..., which nothing forwards for {host}", f.forward),
                fix,
            )
            .at(set, loc)]
        }
        Err(Blocker::SocksProxy { at: loc }) => vec![finding(
            Code::SocksProxy,
            format!("DynamicForward makes local port {local} a SOCKS proxy for {host}: the browser's plain request to {redirect} is not SOCKS, so it never reaches Codex"),
            format!("run `{}` to replace it (when it is in {host}'s own block), or move the proxy to another port", s.run("enable", host)),
        )
        .at(set, loc)],
        // Every host: one listed for a RemoteForward of the remote port alone (no forward of
        // the local one) is told what that RemoteForward does, rather than "no problems".
        Err(Blocker::Missing)
            if let Some(rf) = (r.remote_listeners.iter()).find(
                |l| matches!(&l.value, sshcfg::Listen::Port { port, .. } if *port == remote),
            ) =>
        {
            vec![finding(
                Code::RemotePortTaken,
                format!("a RemoteForward of port {remote} applies to {host}: sshd then holds the remote's port {remote}, so Codex's login server moves to another port (1457 for 1455) and a LocalForward to {remote} would not reach it"),
                format!("remove that RemoteForward for {host}, or give it another remote port; then `{}`", s.run("enable", host)),
            )
            .at(set, rf.loc)]
        }
        Err(Blocker::RemotePortTaken { at: loc }) => vec![finding(
            Code::RemotePortTaken,
            format!("a RemoteForward of port {remote} applies to {host}: sshd then holds the remote's port {remote}, so Codex's login server moves to another port (1457 for 1455) and the redirect goes where this forward does not lead"),
            format!("remove that RemoteForward for {host}, or give it another remote port"),
        )
        .at(set, loc)],
        Err(Blocker::NotFirstListener { at: loc, first }) => vec![finding(
            Code::ConflictingListener,
            format!("another forward takes local port {local} first (at {}), so this one never listens: ssh binds forwards in order and warns on every connection", at(first)),
            format!("remove the forward at {} for {host} (`{}` does so when it is in {host}'s own block)", at(first), s.run("enable", host)),
        )
        .at(set, loc)],
        _ => Vec::new(),
    }
}

/// Forwards of the login's port that listen beyond loopback.
fn exposure_findings(
    set: &ConfigSet,
    host: &str,
    want: &Forward,
    r: &Resolution,
    s: &Suggest,
) -> Vec<Finding> {
    let (local, remote) = (want.listen_port().unwrap_or_default(), remote_port(want));
    // The forward that takes the browser's connection while listening beyond loopback.
    let taking = match r.tunnel(local, remote, ENDS) {
        Err(Blocker::BeyondLoopback { at, .. }) => Some(at),
        _ => None,
    };
    let mut out = Vec::new();
    for f in &r.forwards {
        let Some(scope) = r.bind_scope(&f.forward.listen) else {
            continue;
        };
        if scope.is_loopback() || f.forward.listen_port() != Some(local) {
            continue;
        }
        // One to another server (`[::]:1455 localhost:8080` beside a forward of the login on
        // 127.0.0.1) exposes that server, not the login, unless the browser's connection goes
        // to it.
        if !ENDS.reached_by(&f.forward.connect, remote) && taking != Some(f.loc) {
            continue;
        }
        let message = match (&f.forward.listen, &scope) {
            // A name is not looked up: where ssh listens is whatever it resolves to there.
            (Listen::Port { bind: Some(b), .. }, BindScope::Address(_))
                if sshcfg::parse_ip(b).is_none() =>
            {
                format!(
                    "LocalForward {} binds to the name `{b}`, which is not looked up here: ssh listens wherever it resolves, which may be beyond loopback (anyone on your network could reach the login callback and its one-time code) and may not include {REDIRECT_HOST}, where the redirect goes",
                    f.forward
                )
            }
            (Listen::Port { bind: Some(b), .. }, _) => format!(
                "LocalForward {} listens beyond loopback (bind address `{b}`): anyone on your network could reach the login callback and its one-time code",
                f.forward
            ),
            _ => format!(
                "LocalForward {} listens beyond loopback (GatewayPorts yes): anyone on your network could reach the login callback and its one-time code",
                f.forward
            ),
        };
        out.push(
            Finding::new(
                Code::NonLoopbackBind,
                Severity::Error,
                Some(host),
                message,
                format!("bind to loopback only: `LocalForward localhost:{local} localhost:{remote}` (what `{}` writes under GatewayPorts yes)", s.run("enable", host)),
            )
            .at(set, f.loc),
        );
    }
    out
}

/// Two listeners of one local port on a common address: the second cannot bind there. For the
/// login's port an error when the second binds nothing at all (unless reported as a
/// conflicting listener); a warning for other ports, and when the second still binds some of
/// its addresses (`1455 ...` after `[::]:1455 ...`: the second binds `127.0.0.1` alone).
fn duplicate_findings(set: &ConfigSet, host: &str, want: &Forward, r: &Resolution) -> Vec<Finding> {
    let local = want.listen_port().unwrap_or_default();
    let listeners = r.listeners();
    let conflicting = matches!(
        r.tunnel(local, remote_port(want), ENDS),
        Err(Blocker::NotFirstListener { .. })
    );
    let mut out = Vec::new();
    for l in listeners.iter().filter(|l| l.shadowed) {
        if l.port == local && conflicting {
            continue;
        }
        let first = listeners
            .iter()
            .find(|m| m.port == l.port && m.scope.overlaps(&l.scope))
            .expect("first");
        let loc = first.forward.loc;
        let first_at = set.place(loc);
        let severity = if l.port == local && l.binds.is_empty() {
            Severity::Error
        } else {
            Severity::Warning
        };
        let binds: Vec<String> = (l.binds.iter())
            .map(|s| match s {
                sshcfg::Socket::At(ip) => SocketAddr::new(*ip, l.port).to_string(),
                sshcfg::Socket::Wildcard(sshcfg::AddressFamily::Inet6) => {
                    format!("[::]:{}", l.port)
                }
                sshcfg::Socket::Wildcard(_) => format!("0.0.0.0:{}", l.port),
                sshcfg::Socket::Unknown => l.forward.forward.listen_display(),
            })
            .collect();
        let message = match binds.is_empty() {
            true => format!(
                "two forwards of local port {} apply to {host} (the first at {first_at}); ssh cannot bind the second and warns on every connection",
                l.port
            ),
            false => format!(
                "two forwards of local port {} apply to {host} (the first at {first_at}) and want a common address: ssh binds the second on {} only",
                l.port,
                binds.join(" and ")
            ),
        };
        out.push(
            Finding::new(
                Code::DuplicateLocalPort,
                severity,
                Some(host),
                message,
                "keep one of them".to_string(),
            )
            .at(set, l.forward.loc),
        );
    }
    out
}

/// What makes a permanent forward fail or go unnoticed: ExitOnForwardFailure, connection
/// sharing.
fn sharing_findings(
    set: &ConfigSet,
    host: &str,
    want: &Forward,
    r: &Resolution,
    s: &Suggest,
) -> Vec<Finding> {
    let local = want.listen_port().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(e) = r
        .get::<sshcfg::setting::ExitOnForwardFailure>()
        .as_ref()
        .filter(|e| e.value.is_yes())
    {
        out.push(
            Finding::new(
                Code::ExitOnForwardFailure,
                Severity::Warning,
                Some(host),
                format!("ExitOnForwardFailure yes with a permanent LocalForward: while one session to {host} holds localhost:{local}, a second one (another terminal, the Codex app) fails to start"),
                format!("drop ExitOnForwardFailure for {host}, or forward only when logging in with `{}`", s.run("login", host)),
            )
            .at(set, e.loc),
        );
    }
    let master = r
        .get::<sshcfg::setting::ControlMaster>()
        .as_ref()
        .filter(|c| c.value.shares())
        .map(|c| c.loc);
    let persist = r
        .get::<sshcfg::setting::ControlPersist>()
        .as_ref()
        .filter(|c| c.value.persists())
        .map(|c| c.loc);
    if let Some(loc) = master.or(persist) {
        out.push(
            // A note, not a warning: nothing is wrong until a master is open, and finding out
            // whether one is (`ssh -O check`) means letting ssh read the config, `Match exec`
            // and all, which doctor does only with --ssh-g.
            Finding::new(
                Code::ControlMaster,
                Severity::Note,
                Some(host),
                format!("connection sharing is on for {host} (ControlMaster/ControlPersist): a master connection that is already open does not pick up a new LocalForward"),
                format!(
                    "if one is open when you enable, close it once: `{}`",
                    s.ssh("-O exit", host)
                ),
            )
            .at(set, loc),
        );
    }
    out
}
