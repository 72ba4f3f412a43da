//! What in the config stops the login callback from arriving: Codex's rules on top of the
//! library's OpenSSH model (resolution, listeners, diagnostics).

use sshcfg::{
    BindScope, Blocker, ConfigSet, Connect, DiagnosticKind, Forward, Listen, Resolution,
    ResolveContext,
};

use super::finding::{Code, Finding, Severity};

/// Lines OpenSSH would reject (or silently ignore), in every file of the set: ssh stops at a
/// rejected line whatever the host.
pub(crate) fn file_findings(set: &ConfigSet, ctx: &ResolveContext) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in set.files() {
        for d in f.doc.diagnostics_for(ctx.openssh) {
            let (code, severity, message, fix) = match d.kind {
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
                    "remove the line, or name the keyword in an `IgnoreUnknown` line above it (e.g. macOS's UseKeychain on another system)",
                ),
            };
            let mut finding = Finding::new(code, severity, None, message, fix.into())
                .in_file(f.path.display().to_string());
            finding.line = Some(d.line);
            out.push(finding);
        }
    }
    out
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
    match &want.connect {
        Connect::Port { port, .. } => *port,
        Connect::Path(_) => 0,
    }
}

/// The config's problems for the host `r` resolves (this set's resolution of `r.host`) and the
/// forward Codex needs (`want`).
pub(crate) fn host_findings(
    set: &ConfigSet,
    r: &Resolution,
    want: &Forward,
    missing: Missing,
    ctx: &ResolveContext,
) -> Vec<Finding> {
    let host = r.host.as_str();
    let mut out = Vec::new();
    out.extend(tunnel_findings(set, host, want, r, missing, ctx));
    out.extend(exposure_findings(set, host, want, r));
    out.extend(duplicate_findings(set, host, want, r));
    if r.loopback_tunnel(want.listen_port().unwrap_or_default(), remote_port(want))
        .is_ok()
    {
        out.extend(sharing_findings(set, host, want, r));
    }
    for n in &r.not_evaluated {
        out.push(
            Finding::new(
                Code::NotEvaluated,
                Severity::Warning,
                Some(host),
                n.message.clone(),
                "check with `ssh -G` (which runs Match exec commands) or `codex-fwd doctor --ssh-g`".into(),
            )
            .at(set, n.loc),
        );
    }
    for n in &r.errors {
        out.push(
            Finding::new(
                Code::ConfigError,
                Severity::Error,
                Some(host),
                format!("OpenSSH would reject this line: {}", n.message),
                "fix the line".into(),
            )
            .at(set, n.loc),
        );
    }
    out
}

/// Why no forward carries the callback, as the listener model says.
fn tunnel_findings(
    set: &ConfigSet,
    host: &str,
    want: &Forward,
    r: &Resolution,
    missing: Missing,
    ctx: &ResolveContext,
) -> Vec<Finding> {
    let (local, remote) = (want.listen_port().unwrap_or_default(), remote_port(want));
    let at = |loc: sshcfg::Loc| set.place(loc).to_string();
    let finding =
        |code, message, fix| Finding::new(code, Severity::Error, Some(host), message, fix);
    match r.loopback_tunnel(local, remote) {
        Err(Blocker::Cleared { at: loc }) => vec![finding(
            Code::ClearAllForwardings,
            format!("ClearAllForwardings yes applies to {host}: ssh drops every LocalForward, so the callback on localhost:{local} never reaches the remote machine"),
            format!("remove `ClearAllForwardings yes` (or limit it to other hosts), or run `codex-fwd tunnel {host}`"),
        )
        .at(set, loc)],
        Err(Blocker::Missing) if missing == Missing::Report => {
            let where_ = match set.enable(host, want, ctx) {
                Ok(plan) => plan.summary().join("; "),
                Err(e) => e.to_string(),
            };
            vec![finding(
                Code::ForwardMissing,
                format!("no LocalForward {} is effective for {host}: the browser's redirect to localhost:{local} is refused on this machine", want.config_args()),
                format!("run `codex-fwd enable {host}` ({where_}), or `codex-fwd tunnel {host}` for one session"),
            )]
        }
        Err(Blocker::WrongTarget { at: loc }) => {
            let f = r.forwards.iter().find(|f| f.loc == loc).expect("listener");
            vec![finding(
                Code::WrongTarget,
                format!("LocalForward {} takes local port {local} for {host} but connects to {}, where Codex's callback server does not listen (it listens on 127.0.0.1:{remote} only; inside a container that is the container's own loopback, which neither a forward to the container's address nor a port it publishes reaches)", f.forward, f.forward.connect_display()),
                format!("run `codex-fwd enable {host}` to replace it, or change it to `LocalForward {}`; when Codex runs in a container on {host}: `codex-fwd login {host} --container NAME` (the callback is carried into it)", want.config_args()),
            )
            .at(set, loc)]
        }
        Err(Blocker::WrongBind { at: loc }) => {
            let f = r.forwards.iter().find(|f| f.loc == loc).expect("listener");
            vec![finding(
                Code::WrongBind,
                format!("LocalForward {} takes local port {local} for {host} on {}, where the browser's localhost:{local} does not connect", f.forward, f.forward.listen_display()),
                format!("run `codex-fwd enable {host}` to replace it, or change it to `LocalForward {}`", want.config_args()),
            )
            .at(set, loc)]
        }
        Err(Blocker::NotFirstListener { at: loc, first }) => vec![finding(
            Code::ConflictingListener,
            format!("another forward takes local port {local} first (at {}), so this one never listens: ssh binds forwards in order and warns on every connection", at(first)),
            format!("remove the forward at {} for {host} (`codex-fwd enable {host}` does so when it is in {host}'s own block)", at(first)),
        )
        .at(set, loc)],
        _ => Vec::new(),
    }
}

/// Forwards of the login's port that listen beyond loopback.
fn exposure_findings(set: &ConfigSet, host: &str, want: &Forward, r: &Resolution) -> Vec<Finding> {
    let (local, remote) = (want.listen_port().unwrap_or_default(), remote_port(want));
    let mut out = Vec::new();
    for f in &r.forwards {
        let Some(scope) = BindScope::of(&f.forward.listen, r.gateway_ports()) else {
            continue;
        };
        if scope.is_loopback() || f.forward.listen_port() != Some(local) {
            continue;
        }
        let why = match &f.forward.listen {
            Listen::Port { bind: Some(b), .. } => format!("bind address `{b}`"),
            _ => "GatewayPorts yes".to_string(),
        };
        out.push(
            Finding::new(
                Code::NonLoopbackBind,
                Severity::Error,
                Some(host),
                format!("LocalForward {} listens beyond loopback ({why}): anyone on your network could reach the login callback and its one-time code", f.forward),
                format!("bind to loopback only: `LocalForward localhost:{local} localhost:{remote}` (what `codex-fwd enable {host}` writes under GatewayPorts yes)"),
            )
            .at(set, f.loc),
        );
    }
    out
}

/// Two listeners of one local port: the second cannot bind. For the login's port an error
/// (unless reported as a conflicting listener), for other ports a warning.
fn duplicate_findings(set: &ConfigSet, host: &str, want: &Forward, r: &Resolution) -> Vec<Finding> {
    let local = want.listen_port().unwrap_or_default();
    let listeners = r.listeners();
    let conflicting = matches!(
        r.loopback_tunnel(local, remote_port(want)),
        Err(Blocker::NotFirstListener { .. })
    );
    let mut out = Vec::new();
    for l in listeners.iter().filter(|l| l.shadowed) {
        if l.port == local && conflicting {
            continue;
        }
        let first = listeners.iter().find(|m| m.port == l.port).expect("first");
        let loc = first.forward.loc;
        let first_at = set.place(loc);
        let severity = if l.port == local {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(
            Finding::new(
                Code::DuplicateLocalPort,
                severity,
                Some(host),
                format!("two forwards of local port {} apply to {host} (the first at {first_at}); ssh cannot bind the second and warns on every connection", l.port),
                "keep one of them".to_string(),
            )
            .at(set, l.forward.loc),
        );
    }
    out
}

/// What makes a permanent forward fail or go unnoticed: ExitOnForwardFailure, connection
/// sharing.
fn sharing_findings(set: &ConfigSet, host: &str, want: &Forward, r: &Resolution) -> Vec<Finding> {
    let local = want.listen_port().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(e) = r
        .exit_on_forward_failure
        .as_ref()
        .filter(|e| e.value.is_yes())
    {
        out.push(
            Finding::new(
                Code::ExitOnForwardFailure,
                Severity::Warning,
                Some(host),
                format!("ExitOnForwardFailure yes with a permanent LocalForward: while one session to {host} holds localhost:{local}, a second one (another terminal, the Codex app) fails to start"),
                format!("drop ExitOnForwardFailure for {host}, or forward only when logging in with `codex-fwd tunnel {host}`"),
            )
            .at(set, e.loc),
        );
    }
    let master = r
        .control_master
        .as_ref()
        .filter(|c| c.value.shares())
        .map(|c| c.loc);
    let persist = r
        .control_persist
        .as_ref()
        .filter(|c| c.value.persists())
        .map(|c| c.loc);
    if let Some(loc) = master.or(persist) {
        out.push(
            Finding::new(
                Code::ControlMaster,
                Severity::Warning,
                Some(host),
                format!("connection sharing is on for {host} (ControlMaster/ControlPersist): a master connection that is already open does not pick up a new LocalForward"),
                format!("close it once after enabling: `ssh -O exit {host}`"),
            )
            .at(set, loc),
        );
    }
    out
}
