//! What in the config stops the login callback from arriving, in plain sentences with a fix.
//!
//! Only the config is judged here; the `codex-fwd doctor` command adds what needs the running
//! system (a local port already taken, file permissions).

use serde::Serialize;

use crate::config::ConfigSet;
use crate::document::DiagnosticKind;
use crate::forward::{Forward, Listen};
use crate::listener::{BindScope, Blocker};
use crate::resolve::{Loc, Resolution, ResolveContext};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The callback will not arrive, or is exposed.
    Error,
    /// It works, but something around it will fail or surprise.
    Warning,
    /// Worth knowing; nothing is wrong.
    Note,
}

/// One problem, with a stable code for scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable identifier, e.g. `forward-missing`.
    pub code: &'static str,
    /// How bad.
    pub severity: Severity,
    /// The host it concerns, if any.
    pub host: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The file involved, if any.
    pub file: Option<String>,
    /// 1-based line, if any.
    pub line: Option<usize>,
}

impl Finding {
    fn at(mut self, set: &ConfigSet, loc: Loc) -> Finding {
        self.file = Some(set.file(loc.file).path.display().to_string());
        self.line = Some(loc.line + 1);
        self
    }
}

fn finding(
    code: &'static str,
    severity: Severity,
    host: &str,
    message: String,
    fix: String,
) -> Finding {
    Finding {
        code,
        severity,
        host: Some(host.to_string()),
        message,
        fix,
        file: None,
        line: None,
    }
}

impl ConfigSet {
    /// Lines OpenSSH would reject (or silently ignore), in every file of the set: a config with a
    /// "Bad configuration option" is refused whole, whatever the host.
    pub fn doctor_files(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for f in self.files() {
            for d in f.doc.diagnostics() {
                let (code, severity, message) = match d.kind {
                    DiagnosticKind::Ignored => ("config-error", Severity::Warning, d.message),
                    DiagnosticKind::BadArguments => (
                        "config-error",
                        Severity::Error,
                        format!("OpenSSH would reject this line: {}", d.message),
                    ),
                    DiagnosticKind::UnknownKeyword => (
                        "unknown-keyword",
                        Severity::Error,
                        format!(
                            "OpenSSH would reject this line, and with it the whole config, for every host: {}",
                            d.message
                        ),
                    ),
                };
                out.push(Finding {
                    code,
                    severity,
                    host: None,
                    message,
                    fix: match d.kind {
                        DiagnosticKind::UnknownKeyword => "remove the line, or name the keyword in an `IgnoreUnknown` line above it (e.g. macOS's UseKeychain on another system)".into(),
                        _ => "fix or remove the line".into(),
                    },
                    file: Some(f.path.display().to_string()),
                    line: Some(d.line),
                });
            }
        }
        out
    }

    /// The config's problems for `host` and the forward Codex needs (`want`).
    /// `require_forward`: report a missing forward (when the user named the host).
    pub fn doctor(
        &self,
        host: &str,
        want: &Forward,
        require_forward: bool,
        ctx: &ResolveContext,
    ) -> Vec<Finding> {
        self.doctor_resolved(&self.resolve(host, ctx), want, require_forward, ctx)
    }

    /// As [`ConfigSet::doctor`], for a host already resolved (by [`ConfigSet::resolve`] or a
    /// [`crate::ResolveIndex`]): `r` must be this set's resolution of `r.host`.
    pub fn doctor_resolved(
        &self,
        r: &Resolution,
        want: &Forward,
        require_forward: bool,
        ctx: &ResolveContext,
    ) -> Vec<Finding> {
        let host = r.host.as_str();
        let mut out = Vec::new();
        let local = want.listen_port().unwrap_or_default();
        if let Some(c) = &r.clear_all_forwardings
            && c.value.is_yes()
        {
            out.push(
                finding(
                    "clear-all-forwardings",
                    Severity::Error,
                    host,
                    format!("ClearAllForwardings yes applies to {host}: ssh drops every LocalForward, so the callback on localhost:{local} never reaches the remote machine"),
                    format!("remove `ClearAllForwardings yes` (or limit it to other hosts), or run `codex-fwd tunnel {host}`"),
                )
                .at(self, c.loc),
            );
        }
        let remote = match &want.connect {
            crate::Connect::Port { port, .. } => *port,
            crate::Connect::Path(_) => 0,
        };
        let tunnel = r.loopback_tunnel(local, remote);
        let ours = tunnel.as_ref().ok();
        let at = |loc: Loc| format!("{}:{}", self.file(loc.file).path.display(), loc.line + 1);
        match &tunnel {
            Err(Blocker::Missing) if require_forward => {
                let where_ = match self.enable(host, want, ctx) {
                    Ok(plan) => plan.summary.join("; "),
                    Err(e) => e.to_string(),
                };
                out.push(finding(
                    "forward-missing",
                    Severity::Error,
                    host,
                    format!("no LocalForward {} is effective for {host}: the browser's redirect to localhost:{local} is refused on this machine", want.config_args()),
                    format!("run `codex-fwd enable {host}` ({where_}), or `codex-fwd tunnel {host}` for one session"),
                ));
            }
            Err(Blocker::WrongTarget { at: loc }) => {
                let f = r.forwards.iter().find(|f| f.loc == *loc).expect("listener");
                out.push(
                    finding(
                        "wrong-target",
                        Severity::Error,
                        host,
                        format!("LocalForward {} takes local port {local} for {host} but connects to {}, where Codex's callback server does not listen (it listens on 127.0.0.1:{remote} only)", f.forward, f.forward.connect_display()),
                        format!("run `codex-fwd enable {host}` to replace it, or change it to `LocalForward {}`", want.config_args()),
                    )
                    .at(self, *loc),
                );
            }
            Err(Blocker::NotFirstListener { at: loc, first }) => out.push(
                finding(
                    "conflicting-listener",
                    Severity::Error,
                    host,
                    format!("another forward takes local port {local} first (at {}), so this one never listens: ssh binds forwards in order and warns on every connection", at(*first)),
                    format!("remove the forward at {} for {host} (`codex-fwd enable {host}` does so when it is in {host}'s own block)", at(*first)),
                )
                .at(self, *loc),
            ),
            _ => {}
        }
        for f in &r.forwards {
            let Some(scope) = BindScope::of(&f.forward.listen, r.gateway_ports()) else {
                continue;
            };
            if !scope.is_loopback() && f.forward.listen_port() == Some(local) {
                let why = match &f.forward.listen {
                    Listen::Port { bind: Some(b), .. } => format!("bind address `{b}`"),
                    _ => "GatewayPorts yes".to_string(),
                };
                out.push(
                    finding(
                        "non-loopback-bind",
                        Severity::Error,
                        host,
                        format!("LocalForward {} listens beyond loopback ({why}): anyone on your network could reach the login callback and its one-time code", f.forward),
                        format!("bind to loopback only: `LocalForward localhost:{local} localhost:{remote}` (what `codex-fwd enable {host}` writes under GatewayPorts yes)"),
                    )
                    .at(self, f.loc),
                );
            }
        }
        // Two listeners of one local port: the second cannot bind. For the login's port that
        // is an error; for other ports a warning.
        for l in r.listeners().iter().filter(|l| l.shadowed) {
            let first = r
                .listeners()
                .into_iter()
                .find(|m| m.port == l.port)
                .expect("first listener")
                .forward
                .loc;
            if l.port == local && !matches!(tunnel, Err(Blocker::NotFirstListener { .. })) {
                out.push(
                    finding(
                        "duplicate-local-port",
                        Severity::Error,
                        host,
                        format!("two forwards of local port {} apply to {host} (the first at {}); ssh cannot bind the second and warns on every connection", l.port, at(first)),
                        "keep one of them".to_string(),
                    )
                    .at(self, l.forward.loc),
                );
            } else if l.port != local {
                out.push(
                    finding(
                        "duplicate-local-port",
                        Severity::Warning,
                        host,
                        format!("two forwards of local port {} apply to {host} (the first at {}); ssh cannot bind the second and warns on every connection", l.port, at(first)),
                        "keep one of them".to_string(),
                    )
                    .at(self, l.forward.loc),
                );
            }
        }
        if ours.is_some() {
            if let Some(e) = &r.exit_on_forward_failure
                && e.value.is_yes()
            {
                out.push(
                    finding(
                        "exit-on-forward-failure",
                        Severity::Warning,
                        host,
                        format!("ExitOnForwardFailure yes with a permanent LocalForward: while one session to {host} holds localhost:{local}, a second one (another terminal, the Codex app) fails to start"),
                        format!("drop ExitOnForwardFailure for {host}, or forward only when logging in with `codex-fwd tunnel {host}`"),
                    )
                    .at(self, e.loc),
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
                    finding(
                        "control-master",
                        Severity::Warning,
                        host,
                        format!("connection sharing is on for {host} (ControlMaster/ControlPersist): a master connection that is already open does not pick up a new LocalForward"),
                        format!("close it once after enabling: `ssh -O exit {host}`"),
                    )
                    .at(self, loc),
                );
            }
        }
        for n in &r.not_evaluated {
            out.push(
                finding(
                    "not-evaluated",
                    Severity::Warning,
                    host,
                    n.message.clone(),
                    "check with `ssh -G` (which runs Match exec commands) or `codex-fwd doctor --ssh-g`".into(),
                )
                .at(self, n.loc),
            );
        }
        for n in &r.errors {
            out.push(
                finding(
                    "config-error",
                    Severity::Error,
                    host,
                    format!("OpenSSH would reject this line: {}", n.message),
                    "fix the line".into(),
                )
                .at(self, n.loc),
            );
        }
        out
    }
}
