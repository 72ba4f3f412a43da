//! Adding and removing a `LocalForward` for one host, changing nothing else.
//!
//! Choices (also in the README):
//! - `enable` adds nothing when an equivalent forward is already effective (from any block).
//!   Otherwise it adds the line to the first applying block whose `Host` line names exactly that
//!   host (in whichever editable file holds it), after the block's last keyword line, with the
//!   block's indentation. Failing that it creates `Host <name>` in the main file: before a final
//!   `Host *` block (and the comments right above it) if the file ends with one, else at the end,
//!   after a blank line.
//! - `disable` removes every equivalent forward line that applies to the host, provided each comes
//!   from a block for that host alone; if any comes from a shared block (`Host *`, `Host a b`,
//!   `Match`, a global area, the system config) nothing is changed and the error names it. A
//!   `Host` block left with nothing but blank lines goes too (comments right above the next block
//!   stay with that block), with the blank line `enable` put beside it, so `enable` then
//!   `disable` gives back the original bytes; the one exception is a `Host` block for the host
//!   that was already empty before `enable`, which `disable` removes (no host's `ssh -G` output
//!   changes).
//! - With a final pass (`Match final`, `Match canonical`, `CanonicalizeHostname`), an edit that a
//!   `HostName` could carry to another host is refused.

use std::sync::Arc;

use crate::config::ConfigSet;
use crate::document::{Document, LineKind, Splice};
use crate::forward::Forward;
use crate::host::HostAlias;
use crate::keyword::Keyword;
use crate::lexer::Eol;
use crate::listener::{TunnelEnds, is_loopback_tunnel};
use crate::loc::{FileId, Loc};
use crate::options::OpenSshVersion;
use crate::plan::{Action, FileChange, Plan};
use crate::resolve::{EffectiveForward, Resolution, ResolveContext};

/// Why an edit cannot be made. Nothing is planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The host name is not one literal name ssh would read as such.
    #[error(transparent)]
    Host(#[from] crate::host::HostError),
    /// `ClearAllForwardings yes` applies to the host: no forward would take effect.
    #[error(
        "{path}:{line}: ClearAllForwardings {value} applies to {host}, so no LocalForward can take effect; remove it for this host first"
    )]
    ClearAllForwardings {
        /// The host.
        host: String,
        /// File of the setting.
        path: String,
        /// 1-based line.
        line: usize,
        /// The value as written.
        value: String,
    },
    /// The forward comes from a block shared with other hosts; removing it would change them.
    #[error(
        "{path}:{line}: the forward for {host} comes from {why}; removing it would change other hosts, so nothing was changed"
    )]
    Shared {
        /// The host.
        host: String,
        /// File of the forward line.
        path: String,
        /// 1-based line.
        line: usize,
        /// Which block, described.
        why: String,
    },
    /// The change would also alter another host (through OpenSSH's final pass, where `Host`
    /// lines are matched against the `HostName` of other hosts).
    #[error(
        "{host}: the change would also alter the effective config of {other} (its HostName is read against Host lines in the final pass); nothing was changed"
    )]
    AlsoChanges {
        /// The host asked for.
        host: String,
        /// Another host the change would reach.
        other: String,
    },
    /// ssh refuses the whole config because of this line, whatever the host.
    #[error(
        "{path}:{line}: ssh refuses this config: {message} (fix that line first); nothing was changed"
    )]
    Rejected {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What ssh says.
        message: String,
    },
    /// Another forward of the same local port applies to the host from a block other hosts
    /// share: replacing it would change them, keeping it would keep the port from the new one.
    #[error(
        "{path}:{line}: {forward} also listens on local port {port} for {host} and comes from {why}; remove or change it there (or choose another local port), nothing was changed"
    )]
    Conflict {
        /// The host.
        host: String,
        /// File of the forward line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The forward, as a config line (`LocalForward 1455 localhost:8080`).
        forward: String,
        /// The local port.
        port: u16,
        /// Which block, described.
        why: String,
    },
    /// A `RemoteForward` of the host makes sshd hold the remote port the tunnel must reach.
    #[error(
        "{path}:{line}: {forward} applies to {host}: sshd then listens on the remote machine's port {port} itself, so a server there cannot, and a LocalForward to it does not help; remove or change that line for {host} first, nothing was changed"
    )]
    RemotePortTaken {
        /// The host.
        host: String,
        /// File of the `RemoteForward` line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The line, as written.
        forward: String,
        /// The remote port.
        port: u16,
    },
    /// The host's `AddressFamily` keeps ssh from listening on the client's address family.
    #[error(
        "{path}:{line}: the AddressFamily there applies to {host}: ssh then listens for forwards only on addresses of that family, and clients connect to {client}; remove it for this host (or make it `any`) first, nothing was changed"
    )]
    AddressFamily {
        /// The host.
        host: String,
        /// File of the `AddressFamily` line.
        path: String,
        /// 1-based line.
        line: usize,
        /// The address clients connect to.
        client: String,
    },
    /// No host or no forward was given.
    #[error("nothing to plan: no host or no forward given")]
    NothingAsked,
    /// `enable` writes loopback tunnels only (`L localhost:P`).
    #[error(
        "LocalForward {forward} is not a loopback tunnel (a local port on loopback to localhost or 127.0.0.1 on the remote side)"
    )]
    NotATunnel {
        /// The forward asked for.
        forward: String,
    },
    /// The edit was planned but ssh would not see the intended result (a bug, or a config this
    /// library does not fully evaluate).
    #[error(
        "{host}: the planned change does not have the intended effect ({why}); nothing was changed"
    )]
    NotEffective {
        /// The host.
        host: String,
        /// What went wrong.
        why: String,
    },
}

/// Whether [`ConfigSet::enable`] runs its pass over every line for what ssh rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RejectionCheck {
    /// Run it.
    Run,
    /// Skip it: the caller checked this config, or one it was edited from (edits only add lines
    /// this library writes and remove forward lines and emptied blocks, which cannot make ssh
    /// reject a config it accepts).
    Known,
}

/// The ports of a loopback tunnel (`L localhost:P` and its spellings); other forwards are not
/// what `enable` writes.
fn tunnel_ports(forward: &Forward) -> Result<(u16, u16), EditError> {
    let ports = match (&forward.listen, &forward.connect) {
        (crate::Listen::Port { port: l, .. }, crate::Connect::Port { port: p, .. }) => {
            Some((*l, *p))
        }
        _ => None,
    };
    match ports {
        Some((l, p)) if is_loopback_tunnel(forward, l, p) => Ok((l, p)),
        _ => Err(EditError::NotATunnel {
            forward: forward.config_args(),
        }),
    }
}

/// The forward as `enable` writes it: under `GatewayPorts yes` a forward without a bind address
/// would listen on every interface, so it gets an explicit `localhost` bind.
fn written_form(forward: &Forward, gateway_ports: bool) -> Forward {
    let mut w = forward.clone();
    if let crate::Listen::Port {
        bind: bind @ None, ..
    } = &mut w.listen
        && gateway_ports
    {
        *bind = Some("localhost".into());
    }
    w
}

fn push_line(per_file: &mut Vec<(FileId, Vec<usize>)>, loc: Loc) {
    match per_file.iter_mut().find(|(id, _)| *id == loc.file()) {
        Some((_, v)) => v.push(loc.index()),
        None => per_file.push((loc.file(), vec![loc.index()])),
    }
}

/// The file and 1-based line of `loc`, for the fields of an [`EditError`].
fn loc_text(set: &ConfigSet, loc: Loc) -> (String, usize) {
    let place = set.place(loc);
    (place.path.display().to_string(), place.line)
}

/// Is the block at `header` a `Host` line naming exactly `host` (one argument)?
fn is_exact_host_block(doc: &Document, header: usize, host: &str) -> bool {
    match doc.directive(header) {
        Some(d) if d.keyword == Keyword::Host => match d.args {
            Ok(a) => a.len() == 1 && *a[0].value == *host.as_bytes(),
            Err(_) => false,
        },
        _ => false,
    }
}

/// Why a forward line is not this host's alone, in words.
fn describe_block(set: &ConfigSet, f: &EffectiveForward) -> String {
    let file = set.file(f.loc.file());
    if !file.editable() {
        return format!("the system config {}", file.path.display());
    }
    let Some(b) = f.block else {
        return match set.included_from(f.loc.file()) {
            Some(inc) => {
                let place = set.place(inc);
                let doc = &set.file(inc.file()).doc;
                let within = match doc.block_of(inc.index()).header {
                    Some(h) => format!(
                        " inside `{}`",
                        String::from_utf8_lossy(doc.line_text(h)).trim()
                    ),
                    None => String::new(),
                };
                format!(
                    "the top of {}, which is included at {place}{within}",
                    file.path.display()
                )
            }
            None => "the global part of the file (it applies to every host)".into(),
        };
    };
    let text = String::from_utf8_lossy(file.doc.line_text(b.index()))
        .trim()
        .to_string();
    format!(
        "the block `{text}` at {}, which is not for this host alone",
        set.place(b)
    )
}

/// The line ending to give line `line` when something is added after it. A last line without
/// one gets the file's style; if its text ends in `\r`, it gets `\r\n`, so that removing that
/// ending again (see [`removal_splices`]) gives back the `\r`.
fn eol_after(doc: &Document, line: usize) -> Eol {
    match doc.eol(line) {
        Eol::None if doc.line_text(line).ends_with(b"\r") => Eol::CrLf,
        Eol::None => doc.eol_style(),
        e => e,
    }
}

/// Splices that insert the forward line after line `after` of `doc`.
fn insert_after(doc: &Document, after: usize, text: &[u8]) -> Splice {
    let eol = eol_after(doc, after);
    let r = doc.line_range(after);
    let mut t = Vec::new();
    if doc.eol(after) == Eol::None {
        t.extend_from_slice(eol.as_bytes());
        t.extend_from_slice(text);
    } else {
        t.extend_from_slice(text);
        t.extend_from_slice(eol.as_bytes());
    }
    Splice {
        range: r.end..r.end,
        text: t,
    }
}

/// The splice that creates a new `Host` block holding `line` in `doc`.
fn new_block(doc: &Document, host: &str, line_body: &[u8]) -> Splice {
    let eol = doc.eol_style().as_bytes();
    let indent = doc.indent_style().unwrap_or(b"    ");
    let mut block = Vec::new();
    block.extend_from_slice(b"Host ");
    block.extend_from_slice(host.as_bytes());
    block.extend_from_slice(eol);
    block.extend_from_slice(indent);
    block.extend_from_slice(line_body);
    // A final `Host *` block: the new block goes before it (and the comments right above it).
    let blocks = doc.blocks();
    if let Some(last) = blocks.last()
        && let Some(h) = last.header
        && is_exact_host_block(doc, h, "*")
    {
        let mut at = h;
        while at > 0 && doc.kind(at - 1) == LineKind::Comment {
            at -= 1;
        }
        block.extend_from_slice(eol);
        block.extend_from_slice(eol);
        let start = doc.line_range(at).start;
        return Splice {
            range: start..start,
            text: block,
        };
    }
    let end = doc.as_bytes().len();
    let mut text = Vec::new();
    if doc.line_count() > 0 {
        if !doc.ends_with_newline() {
            text.extend_from_slice(eol_after(doc, doc.line_count() - 1).as_bytes());
        }
        text.extend_from_slice(eol);
    }
    text.extend_from_slice(&block);
    if doc.ends_with_newline() {
        text.extend_from_slice(eol);
    }
    Splice {
        range: end..end,
        text,
    }
}

/// Byte ranges that remove the given lines (sorted, unique) from `doc`. When the last line of the
/// file goes and it had no line ending, the line ending before it goes too, so the file keeps
/// "no final newline".
fn removal_splices(doc: &Document, lines: &[usize]) -> Vec<Splice> {
    let mut out: Vec<Splice> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i];
        let mut last = first;
        while i + 1 < lines.len() && lines[i + 1] == last + 1 {
            i += 1;
            last = lines[i];
        }
        let mut start = doc.line_range(first).start;
        let end = doc.line_range(last).end;
        if last + 1 == doc.line_count() && doc.eol(last) == Eol::None && first > 0 {
            let prev = doc.line_range(first - 1);
            let prev_eol = doc.eol(first - 1).as_bytes().len();
            start = prev.end - prev_eol;
        }
        out.push(Splice {
            range: start..end,
            text: Vec::new(),
        });
        i += 1;
    }
    out
}

impl ConfigSet {
    fn check_host(host: &str) -> Result<HostAlias, EditError> {
        Ok(HostAlias::new(host)?)
    }

    fn clear_error(&self, host: &str, r: &Resolution) -> Option<EditError> {
        if !r.clears_forwardings() {
            return None;
        }
        let c = r.clear_all_forwardings.as_ref()?;
        let (path, line) = loc_text(self, c.loc);
        Some(EditError::ClearAllForwardings {
            host: host.to_string(),
            path,
            line,
            value: c.value.to_string(),
        })
    }

    fn changes_from(&self, per_file: Vec<(FileId, Vec<Splice>)>) -> Vec<FileChange> {
        per_file
            .into_iter()
            .map(|(file, mut splices)| {
                splices.sort_by_key(|s| (s.range.start, s.range.end));
                let f = self.file(file);
                FileChange {
                    file,
                    path: f.path.clone(),
                    old: f.doc.shared_bytes(),
                    new: Arc::new(f.doc.splice(&splices)),
                    splices,
                }
            })
            .collect()
    }

    /// Could ssh read the files a second time for some host: a `Match final` or
    /// `Match canonical` anywhere, or a `CanonicalizeHostname` other than `no`?
    fn may_have_final_pass(&self) -> bool {
        self.files().iter().any(|f| {
            let doc = &f.doc;
            (0..doc.line_count()).any(|i| match doc.kind(i) {
                LineKind::Directive(Keyword::Match) => {
                    let raw = doc.raw_args(i).to_ascii_lowercase();
                    raw.split(|&b| b == b' ' || b == b'\t' || b == b'=' || b == b'"')
                        .map(|t| t.strip_prefix(b"!").unwrap_or(t))
                        .any(|t| t == b"final" || t == b"canonical")
                }
                LineKind::Directive(Keyword::CanonicalizeHostname) => {
                    crate::resolve::canonicalizes(&String::from_utf8_lossy(doc.raw_args(i)))
                }
                _ => false,
            })
        })
    }

    /// A `HostName` line that could give another host the final name `host` (so that, in the
    /// final pass, a `Host host` block reaches it): `file:line: HostName value`. Lines in blocks
    /// for `host` alone do not count. Letter-case variants of `host` itself are ssh's own rule and
    /// are not reported.
    fn hostname_reaching(&self, host: &str) -> Option<String> {
        for (n, f) in self.files().iter().enumerate() {
            let id = FileId::new(n);
            let doc = &f.doc;
            for i in 0..doc.line_count() {
                if doc.kind(i) != LineKind::Directive(Keyword::HostName) {
                    continue;
                }
                if doc
                    .block_of(i)
                    .header
                    .is_some_and(|h| is_exact_host_block(doc, h, host))
                {
                    continue;
                }
                let Some(Ok(args)) = doc.args(i) else {
                    continue;
                };
                let Some(v) = args.first() else { continue };
                let v = String::from_utf8_lossy(&v.value).to_ascii_lowercase();
                let reaches = match (v.find("%h"), v.rfind("%h")) {
                    // `%h` is the other host's name: any name with this prefix and suffix.
                    (Some(first), Some(last)) => {
                        let (pre, post) = (&v[..first], &v[last + 2..]);
                        host.len() >= pre.len() + post.len()
                            && host.starts_with(pre)
                            && host.ends_with(post)
                    }
                    _ => v == host,
                };
                if reaches {
                    return Some(format!(
                        "hosts whose HostName is {v} ({})",
                        self.place(Loc::new(id, i))
                    ));
                }
            }
        }
        None
    }

    /// When ssh may read the config twice, a `Host` block may also apply, in the final pass, to
    /// other hosts (those whose `HostName` it names): refuse a change that would reach them.
    fn check_others(&self, plan: &Plan, ctx: &ResolveContext) -> Result<(), EditError> {
        if !self.may_have_final_pass() {
            return Ok(());
        }
        if let Some(other) = self.hostname_reaching(&plan.hosts[0]) {
            return Err(EditError::AlsoChanges {
                host: plan.hosts[0].clone(),
                other,
            });
        }
        let after = self.with_plan(plan);
        let (before_ix, after_ix) = (self.resolve_index(), after.resolve_index());
        for other in self.literal_hosts() {
            if other == plan.hosts[0] {
                continue;
            }
            let a = before_ix.resolve(&other, ctx).forwards;
            let b = after_ix.resolve(&other, ctx).forwards;
            let fwds = |v: Vec<crate::resolve::EffectiveForward>| -> Vec<Forward> {
                v.into_iter().map(|f| f.forward).collect()
            };
            if fwds(a) != fwds(b) {
                return Err(EditError::AlsoChanges {
                    host: plan.hosts[0].clone(),
                    other,
                });
            }
        }
        Ok(())
    }

    /// Plan adding `forward` (a loopback tunnel: see [`is_loopback_tunnel`]) for `host`, so that
    /// afterwards exactly one forward of its local port applies to the host and it carries the
    /// port to the remote machine's `127.0.0.1` (see [`crate::Resolution::loopback_tunnel`]).
    ///
    /// - A config ssh refuses is refused ([`EditError::Rejected`]).
    /// - Under `GatewayPorts yes` the forward is written with an explicit `localhost` bind, which
    ///   stays on loopback.
    /// - Other forwards of the same local port in blocks for this host alone are replaced (the
    ///   first one in the target block in place); one that other hosts share is refused
    ///   ([`EditError::Conflict`]).
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let text = b"Host web\n\tUser me\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(Path::new("config"), text,
    ///     &LoadOptions::explicit_file("/nonexistent")).unwrap();
    /// let plan = set.enable("web", &Forward::loopback(1455, 1455), &ResolveContext::current_user()).unwrap();
    /// assert_eq!(plan.changes()[0].after(), b"Host web\n\tUser me\n\tLocalForward 1455 localhost:1455\n");
    /// ```
    pub fn enable(
        &self,
        host: &str,
        forward: &Forward,
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        self.enable_with(
            host,
            forward,
            TunnelEnds::IPV4_LOOPBACK,
            ctx,
            RejectionCheck::Run,
        )
    }

    /// [`ConfigSet::enable`], for a tunnel whose clients connect to `ends.client` and whose
    /// server listens on `ends.server` (see [`crate::Resolution::tunnel`]): a forward of the
    /// port that does not carry those (`[::1]:1455` for a client of `127.0.0.1`) is a conflict,
    /// replaced in a block for this host alone, refused in a shared one.
    pub fn enable_reaching(
        &self,
        host: &str,
        forward: &Forward,
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        self.enable_with(host, forward, ends, ctx, RejectionCheck::Run)
    }

    /// [`ConfigSet::enable`], with the pass over every line that finds what ssh rejects run or
    /// skipped (a caller that already knows the answer skips it).
    fn enable_with(
        &self,
        host: &str,
        forward: &Forward,
        ends: TunnelEnds,
        ctx: &ResolveContext,
        rejection: RejectionCheck,
    ) -> Result<Plan, EditError> {
        let host = Self::check_host(host)?;
        let host = host.as_str();
        let (local, remote) = tunnel_ports(forward)?;
        let r = self.resolve(host, ctx);
        // A line ssh rejects for every host, unless this host's IgnoreUnknown covers it.
        if rejection == RejectionCheck::Run
            && self.rejection_for(ctx.openssh).is_some()
            && let Some(e) = self.rejection_for_host(ctx.openssh, &r)
        {
            return Err(e);
        }
        // Problems ssh finds while reading for this host (a bad Match, Includes nested too deep).
        if let Some(n) = r.errors.first() {
            let (path, line) = loc_text(self, n.loc);
            return Err(EditError::Rejected {
                path,
                line,
                message: n.message.clone(),
            });
        }
        if let Some(e) = self.clear_error(host, &r) {
            return Err(e);
        }
        // No bind address of the AddressFamily in force accepts the client's address.
        if let Some(af) = r
            .address_family
            .as_ref()
            .filter(|af| !af.value.admits(ends.client))
        {
            let (path, line) = loc_text(self, af.loc);
            return Err(EditError::AddressFamily {
                host: host.to_string(),
                path,
                line,
                client: ends.client.to_string(),
            });
        }
        if let Some(rf) = r
            .remote_listeners
            .iter()
            .find(|l| matches!(&l.value, crate::Listen::Port { port, .. } if *port == remote))
        {
            let (path, line) = loc_text(self, rf.loc);
            let doc = &self.file(rf.loc.file()).doc;
            return Err(EditError::RemotePortTaken {
                host: host.to_string(),
                path,
                line,
                forward: String::from_utf8_lossy(doc.line_text(rf.loc.index()))
                    .trim()
                    .to_string(),
                port: remote,
            });
        }
        let mut plan = Plan::empty(host, forward, Action::Enable);
        // What ssh could not be asked without running a command or a DNS lookup.
        for n in &r.not_evaluated {
            plan.summary.push(format!(
                "{}: note: {} (if it would apply to {host}, check with `ssh -G {host}`)",
                self.place(n.loc),
                n.message
            ));
        }
        let carries = |f: &Forward| {
            r.bind_scope(&f.listen)
                .is_some_and(|scope| ends.carried_by(f, &scope, remote))
        };
        // Every line that listens on the port, in ssh's order: those in blocks for this host
        // alone may go; a shared one must already carry the port, and be the only one.
        let (shared, own): (Vec<&EffectiveForward>, Vec<&EffectiveForward>) = r
            .forward_lines
            .iter()
            .filter(|f| f.forward.listen_port() == Some(local))
            .partition(|f| !f.exclusive);
        let kept = match shared.first() {
            Some(first) => {
                let other = shared.iter().find(|s| s.forward != first.forward);
                match other {
                    _ if !carries(&first.forward) => return Err(self.conflict(host, local, first)),
                    Some(o) => return Err(self.conflict(host, local, o)),
                    None => Some(first.forward.clone()),
                }
            }
            None => own
                .iter()
                .find(|f| carries(&f.forward))
                .map(|f| f.forward.clone()),
        };
        let conflicts: Vec<&EffectiveForward> = own
            .into_iter()
            .filter(|f| Some(&f.forward) != kept.as_ref())
            .collect();
        if let (Some(k), true) = (&kept, conflicts.is_empty()) {
            let f = r
                .forward_lines
                .iter()
                .find(|f| f.forward == *k)
                .expect("kept");
            let place = self.place(f.loc);
            plan.summary.push(format!(
                "{place}: {host} already has {}; nothing to do",
                f.forward.directive()
            ));
            return Ok(plan);
        }
        let written = kept
            .is_none()
            .then(|| written_form(forward, r.gateway_ports()));
        let per_file = self.enable_splices(host, &r, &conflicts, written.as_ref(), &mut plan);
        plan.changes = self.changes_from(per_file);
        self.verify_tunnel(&plan, local, remote, ends, ctx)?;
        self.check_others(&plan, ctx)?;
        Ok(plan)
    }

    /// The splices of an enable: conflicting lines go, the forward is added (in place of the
    /// first conflict in the target block, else after the block's last keyword line, else in a
    /// new block).
    fn enable_splices(
        &self,
        host: &str,
        r: &Resolution,
        conflicts: &[&EffectiveForward],
        written: Option<&Forward>,
        plan: &mut Plan,
    ) -> Vec<(FileId, Vec<Splice>)> {
        let target = r.applied_blocks.iter().copied().find(|b| {
            let f = self.file(b.file());
            f.editable() && is_exact_host_block(&f.doc, b.index(), host)
        });
        let in_place = written
            .and(target)
            .and_then(|b| conflicts.iter().find(|c| c.block == Some(b)).map(|c| c.loc));
        let mut removals: Vec<(FileId, Vec<usize>)> = Vec::new();
        for c in conflicts.iter().filter(|c| Some(c.loc) != in_place) {
            push_line(&mut removals, c.loc);
            let place = self.place(c.loc);
            plan.summary.push(format!(
                "{place}: remove {} for {host}: it also listens on local port {}",
                c.forward.directive(),
                c.forward.listen_port().unwrap_or_default()
            ));
        }
        let mut per_file: Vec<(FileId, Vec<Splice>)> = removals
            .into_iter()
            .map(|(file, mut lines)| {
                lines.sort_unstable();
                (file, removal_splices(&self.file(file).doc, &lines))
            })
            .collect();
        if let Some(w) = written {
            let (file, splice, where_) = self.insertion(host, target, in_place, w);
            plan.summary.push(format!(
                "{}: add LocalForward {} for {host} {where_}",
                self.file(file).path.display(),
                w.config_args()
            ));
            match per_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, v)) => v.push(splice),
                None => per_file.push((file, vec![splice])),
            }
        }
        per_file
    }

    /// Where and how the new line goes: `(file, splice, description)`.
    fn insertion(
        &self,
        host: &str,
        target: Option<Loc>,
        in_place: Option<Loc>,
        w: &Forward,
    ) -> (FileId, Splice, String) {
        let mut body = b"LocalForward ".to_vec();
        body.extend_from_slice(w.config_args().as_bytes());
        if let Some(at) = in_place {
            let doc = &self.file(at.file()).doc;
            let mut text = doc.indent(at.index()).to_vec();
            text.extend_from_slice(&body);
            let start = doc.line_range(at.index()).start;
            let splice = Splice {
                range: start..start + doc.line_text(at.index()).len(),
                text,
            };
            return (at.file(), splice, format!("in place of line {}", at.line()));
        }
        match target {
            Some(b) => {
                let doc = &self.file(b.file()).doc;
                let block = doc.block_of(b.index());
                let last_directive = block
                    .lines
                    .clone()
                    .rev()
                    .find(|&i| matches!(doc.kind(i), LineKind::Directive(_)))
                    .unwrap_or(b.index());
                let indent = block
                    .lines
                    .clone()
                    .skip(1)
                    .find(|&i| matches!(doc.kind(i), LineKind::Directive(_)))
                    .map(|i| doc.indent(i))
                    .or_else(|| doc.indent_style())
                    .unwrap_or(b"    ");
                let mut text = indent.to_vec();
                text.extend_from_slice(&body);
                (
                    b.file(),
                    insert_after(doc, last_directive, &text),
                    format!("in its block at line {}", b.line()),
                )
            }
            None => {
                let main = self.roots()[0];
                let doc = &self.file(main).doc;
                (
                    main,
                    new_block(doc, host, &body),
                    "in a new `Host` block".to_string(),
                )
            }
        }
    }

    /// After the plan, the host must have exactly one forward of `local`, and it must carry the
    /// port to the remote loopback.
    fn verify_tunnel(
        &self,
        plan: &Plan,
        local: u16,
        remote: u16,
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<(), EditError> {
        let after = self.with_plan(plan).resolve(&plan.hosts[0], ctx);
        let why = match after.tunnel(local, remote, ends) {
            Err(b) => Some(format!("afterwards: {}", b.code())),
            Ok(_) if after.listeners().iter().filter(|l| l.port == local).count() != 1 => Some(
                format!("more than one forward of local port {local} remains"),
            ),
            Ok(_) => None,
        };
        match why {
            Some(why) => Err(EditError::NotEffective {
                host: plan.hosts[0].clone(),
                why,
            }),
            None => Ok(()),
        }
    }

    /// The refusal for a forward of the same local port that other hosts share.
    fn conflict(&self, host: &str, local: u16, c: &EffectiveForward) -> EditError {
        let (path, line) = loc_text(self, c.loc);
        EditError::Conflict {
            host: host.to_string(),
            path,
            line,
            forward: c.forward.directive(),
            port: local,
            why: describe_block(self, c),
        }
    }

    /// The first line of the set that makes the newest ssh refuse the whole config, as ssh
    /// reports it.
    pub fn rejection(&self) -> Option<EditError> {
        self.rejection_for(None)
    }

    /// The first line of the set that makes OpenSSH `version` refuse the whole config (`None`:
    /// the newest), as ssh reports it.
    pub fn rejection_for(&self, version: Option<OpenSshVersion>) -> Option<EditError> {
        self.files().iter().find_map(|f| {
            let d = f
                .doc
                .diagnostics_for(version)
                .into_iter()
                .find(|d| d.rejects_config())?;
            Some(EditError::Rejected {
                path: f.path.display().to_string(),
                line: d.line,
                message: d.message,
            })
        })
    }

    /// `lines` of `file` (to remove), plus the blocks they leave with only their header and
    /// blank lines, each with one blank line; sorted. Comments right above the next block's
    /// header belong to that block and stay.
    fn with_emptied_blocks(
        &self,
        file: FileId,
        mut lines: Vec<usize>,
        host: &str,
        summary: &mut Vec<String>,
    ) -> Vec<usize> {
        let doc = &self.file(file).doc;
        lines.sort_unstable();
        lines.dedup();
        let mut headers: Vec<usize> = lines
            .iter()
            .filter_map(|&l| doc.block_of(l).header)
            .collect();
        headers.dedup();
        let mut extra = Vec::new();
        for h in headers {
            let block = doc.block_of(h).lines.clone();
            let mut rest: Vec<usize> = block
                .clone()
                .skip(1)
                .filter(|i| lines.binary_search(i).is_err())
                .collect();
            if block.end < doc.line_count() {
                while rest
                    .last()
                    .is_some_and(|&i| doc.kind(i) == LineKind::Comment)
                {
                    rest.pop();
                }
            }
            if rest.iter().any(|&i| doc.kind(i) != LineKind::Blank) {
                continue;
            }
            extra.push(h);
            if let Some(&blank) = rest.last() {
                extra.push(blank);
            } else if block.end == doc.line_count() && h > 0 && doc.kind(h - 1) == LineKind::Blank {
                extra.push(h - 1);
            }
            summary.push(format!(
                "{}: remove the `Host {host}` block, now empty",
                self.place(Loc::new(file, h))
            ));
        }
        lines.extend(extra);
        lines.sort_unstable();
        lines.dedup();
        lines
    }

    /// Plan removing, for `host`, every forward that [`ConfigSet::enable`] could have written for
    /// `forward`'s ports (see [`is_loopback_tunnel`]); other forwards of the local port stay,
    /// with a line in the summary.
    pub fn disable(
        &self,
        host: &str,
        forward: &Forward,
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        let host = Self::check_host(host)?;
        let host = host.as_str();
        let r = self.resolve(host, ctx);
        let (local, remote) = tunnel_ports(forward)?;
        let mut plan = Plan::empty(host, forward, Action::Disable);
        let (found, others): (Vec<_>, Vec<_>) = r
            .forward_lines
            .iter()
            .filter(|f| !r.clears_forwardings() && f.forward.listen_port() == Some(local))
            .partition(|f| is_loopback_tunnel(&f.forward, local, remote));
        for o in others {
            let place = self.place(o.loc);
            plan.summary.push(format!(
                "{place}: {} is left as it is: it is not a loopback forward of local port {local} to the remote's localhost:{remote}",
                o.forward.directive()
            ));
        }
        if found.is_empty() {
            plan.summary.push(format!(
                "{host} has no LocalForward like {}; nothing to do",
                forward.config_args()
            ));
            return Ok(plan);
        }
        if let Some(shared) = found.iter().find(|f| !f.exclusive) {
            let (path, line) = loc_text(self, shared.loc);
            return Err(EditError::Shared {
                host: host.to_string(),
                path,
                line,
                why: describe_block(self, shared),
            });
        }
        let mut per_file: Vec<(FileId, Vec<usize>)> = Vec::new();
        for f in &found {
            push_line(&mut per_file, f.loc);
            let place = self.place(f.loc);
            plan.summary.push(format!(
                "{place}: remove LocalForward {} for {host}",
                f.forward.config_args()
            ));
        }
        let splices = per_file
            .into_iter()
            .map(|(file, lines)| {
                let lines = self.with_emptied_blocks(file, lines, host, &mut plan.summary);
                (file, removal_splices(&self.file(file).doc, &lines))
            })
            .collect();
        plan.changes = self.changes_from(splices);
        let after = self.with_plan(&plan).resolve(host, ctx);
        if after
            .forwards
            .iter()
            .any(|f| is_loopback_tunnel(&f.forward, local, remote))
        {
            return Err(EditError::NotEffective {
                host: host.to_string(),
                why: "an equivalent forward is still effective".into(),
            });
        }
        self.check_others(&plan, ctx)?;
        Ok(plan)
    }
}

impl ConfigSet {
    /// Plan `action` for every host and forward, in order, as one plan: per file, the bytes
    /// before all of them and after all of them (one diff, one confirmation). A refusal names
    /// the lines of the files as they are, not as the earlier edits left them in memory.
    ///
    /// ```
    /// # use sshcfg::{Action, ConfigSet, Forward, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let set = ConfigSet::from_main_bytes(Path::new("config"), b"Host a\n".to_vec(),
    ///     &LoadOptions::explicit_file("/nonexistent")).unwrap();
    /// let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    /// let plan = set.plan(Action::Enable, &["a", "b"], &fwds, &ResolveContext::new("me")).unwrap();
    /// assert_eq!(plan.changes().len(), 1);
    /// assert_eq!(plan.summary().len(), 4);
    /// ```
    pub fn plan(
        &self,
        action: Action,
        hosts: &[impl AsRef<str>],
        forwards: &[Forward],
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        self.plan_reaching(action, hosts, forwards, TunnelEnds::IPV4_LOOPBACK, ctx)
    }

    /// [`ConfigSet::plan`], enabling as [`ConfigSet::enable_reaching`] does.
    pub fn plan_reaching(
        &self,
        action: Action,
        hosts: &[impl AsRef<str>],
        forwards: &[Forward],
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        // What ssh rejects is looked for once, on the config as it is; when it finds a line, each
        // host is judged (its IgnoreUnknown may cover the line).
        let check = match action == Action::Enable && self.rejection_for(ctx.openssh).is_some() {
            true => RejectionCheck::Run,
            false => RejectionCheck::Known,
        };
        let one = |set: &ConfigSet, host: &str, forward: &Forward| match action {
            Action::Enable => set.enable_with(host, forward, ends, ctx, check),
            Action::Disable => set.disable(host, forward, ctx),
        };
        let mut total: Option<Plan> = None;
        let mut edited: Option<ConfigSet> = None;
        for host in hosts {
            for forward in forwards {
                let host = host.as_ref();
                let plan = match (one(edited.as_ref().unwrap_or(self), host, forward), &edited) {
                    (Ok(p), _) => p,
                    (Err(e), Some(_)) => return Err(one(self, host, forward).err().unwrap_or(e)),
                    (Err(e), None) => return Err(e),
                };
                if plan.is_change() {
                    edited = Some(edited.as_ref().unwrap_or(self).with_plan(&plan));
                }
                total = Some(match total {
                    Some(t) => t.then(plan),
                    None => plan,
                });
            }
        }
        total.ok_or(EditError::NothingAsked)
    }
}
