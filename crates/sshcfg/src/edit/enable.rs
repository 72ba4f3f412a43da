//! Planning the addition of a forward for one host.

use super::error::EditError;
use super::origin::origin;
use super::reject::RejectionCheck;
use super::request::tunnel_ports;
use super::splice::{insert_after, is_exact_host_block, new_block, push_line, removal_splices};
use crate::config::ConfigSet;
use crate::document::{LineKind, Splice};
use crate::forward::Forward;
use crate::listener::TunnelEnds;
use crate::loc::{FileId, Loc};
use crate::plan::{Action, Insertion, Plan, Step};
use crate::resolve::{EffectiveForward, Resolution, ResolveContext};
use crate::setting;

impl ConfigSet {
    pub(super) fn clear_error(&self, host: &str, r: &Resolution) -> Option<EditError> {
        if !r.clears_forwardings() {
            return None;
        }
        let c = r.get::<setting::ClearAllForwardings>()?;
        Some(EditError::ClearAllForwardings {
            host: host.to_string(),
            loc: c.loc,
            value: c.value.to_string(),
        })
    }

    /// Plan adding `forward` (a loopback tunnel: see [`crate::is_loopback_tunnel`]) for `host`, so that
    /// afterwards exactly one forward of its local port applies to the host and it carries the
    /// port to the remote machine's `127.0.0.1` (see [`crate::Resolution::loopback_tunnel`]).
    ///
    /// - A config ssh refuses is refused ([`EditError::Rejected`]).
    /// - The forward is written as given. Under `GatewayPorts yes` ([`Resolution::gateway_ports`])
    ///   one without a bind address would listen on every interface, so it is refused
    ///   ([`EditError::NotEffective`]); give it a loopback bind (`localhost`) to write it.
    /// - Other forwards of the same local port in blocks for this host alone are replaced (the
    ///   first one in the target block in place); one that other hosts share is refused
    ///   ([`EditError::Conflict`]).
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, Forward, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let text = b"Host web\n\tUser me\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
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
    pub(super) fn enable_with(
        &self,
        host: &str,
        forward: &Forward,
        ends: TunnelEnds,
        ctx: &ResolveContext,
        rejection: RejectionCheck,
    ) -> Result<Plan, EditError> {
        let host = Self::check_host(host)?;
        let r = self.resolve(host.as_str(), ctx);
        self.enable_resolved(&r, forward, ends, ctx, rejection)
    }

    /// [`ConfigSet::enable_with`] on a resolution already made on this set for the host
    /// (`r.host`): a caller that read the resolution to choose the forward's form does not
    /// resolve again.
    pub(super) fn enable_resolved(
        &self,
        r: &crate::Resolution,
        forward: &Forward,
        ends: TunnelEnds,
        ctx: &ResolveContext,
        rejection: RejectionCheck,
    ) -> Result<Plan, EditError> {
        let host = r.host.as_str();
        let (local, remote) = tunnel_ports(forward)?;
        // A line ssh rejects for every host (unless this host's IgnoreUnknown covers it), or a
        // problem ssh finds while reading for this host (a bad Match, an applying line past
        // readconf.c's limits, Includes nested too deep): the first ssh names.
        let for_every_host = match rejection {
            RejectionCheck::Run if self.rejection_for(ctx.openssh).is_some() => {
                self.rejection_for_host(ctx.openssh, r)
            }
            _ => None,
        };
        if let Some(e) = self.refusal_for_host(for_every_host, r) {
            return Err(e.into());
        }
        if let Some(e) = self.clear_error(host, r) {
            return Err(e);
        }
        // No bind address of the AddressFamily in force accepts the client's address.
        if let Some(af) = r
            .get::<setting::AddressFamily>()
            .as_ref()
            .filter(|af| !af.value.admits(ends.client))
        {
            return Err(EditError::AddressFamily {
                host: host.to_string(),
                loc: af.loc,
                client: ends.client,
            });
        }
        if let Some(rf) = r
            .remote_listeners
            .iter()
            .find(|l| matches!(&l.value, crate::Listen::Port { port, .. } if *port == remote))
        {
            let doc = &self.file(rf.loc.file()).doc;
            return Err(EditError::RemotePortTaken {
                host: host.to_string(),
                loc: rf.loc,
                line: String::from_utf8_lossy(doc.line_text(rf.loc.index()))
                    .trim()
                    .to_string(),
                port: remote,
            });
        }
        let mut plan = Plan::empty(host, forward, Action::Enable);
        // What ssh could not be asked without running a command or a DNS lookup.
        for n in &r.not_evaluated {
            plan.steps.push(Step::NotEvaluated {
                host: host.to_string(),
                loc: n.loc,
                what: n.what.clone(),
            });
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
        // A shared line that listens elsewhere than where the client connects (`[::1]` for a
        // client of `127.0.0.1`) does not stand in the way of this host's own one forward of
        // the port when that one already carries it: ssh binds both, and the client reaches
        // ours. Nothing to do then.
        let carried_here = r.tunnel(local, remote, ends).ok().filter(|t| {
            t.exclusive
                && own.len() == 1
                && r.bind_scope(&t.forward.listen).is_some_and(|scope| {
                    shared.iter().all(|s| {
                        r.bind_scope(&s.forward.listen)
                            .is_some_and(|o| !o.overlaps(&scope))
                    })
                })
        });
        let kept = match shared.first() {
            Some(_) if carried_here.is_some() => carried_here.map(|t| t.forward),
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
            plan.steps.push(Step::AlreadyThere {
                host: host.to_string(),
                loc: f.loc,
                forward: f.forward.clone(),
            });
            return Ok(plan);
        }
        let written = kept.is_none().then(|| forward.clone());
        let per_file = self.enable_splices(host, r, &conflicts, written.as_ref(), &mut plan);
        plan.changes = self.changes_from(per_file);
        self.verify_tunnel(&plan, r, local, remote, ends, ctx)?;
        self.check_others(&plan, ctx)?;
        Ok(plan)
    }

    /// The splices of an enable: conflicting lines go, the forward is added (in place of the
    /// first conflict in the target block, else after the block's last keyword line, else in a
    /// new block).
    pub(super) fn enable_splices(
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
            plan.steps.push(Step::RemoveConflict {
                host: host.to_string(),
                loc: c.loc,
                forward: c.forward.clone(),
                port: c.forward.listen_port().unwrap_or_default(),
            });
        }
        let mut per_file: Vec<(FileId, Vec<Splice>)> = removals
            .into_iter()
            .map(|(file, mut lines)| {
                lines.sort_unstable();
                (file, removal_splices(&self.file(file).doc, &lines))
            })
            .collect();
        if let Some(w) = written {
            let (file, splice, at) = self.insertion(host, target, in_place, w);
            plan.steps.push(Step::Add {
                host: host.to_string(),
                file,
                forward: w.clone(),
                at,
            });
            match per_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, v)) => v.push(splice),
                None => per_file.push((file, vec![splice])),
            }
        }
        per_file
    }

    /// Where and how the new line goes: `(file, splice, where)`.
    pub(super) fn insertion(
        &self,
        host: &str,
        target: Option<Loc>,
        in_place: Option<Loc>,
        w: &Forward,
    ) -> (FileId, Splice, Insertion) {
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
            return (at.file(), splice, Insertion::InPlaceOf(at));
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
                    Insertion::InBlock(b),
                )
            }
            None => {
                let main = self.roots()[0];
                let doc = &self.file(main).doc;
                (main, new_block(doc, host, &body), Insertion::NewBlock)
            }
        }
    }

    /// The refusal for a forward of the same local port that other hosts share.
    pub(super) fn conflict(&self, host: &str, local: u16, c: &EffectiveForward) -> EditError {
        EditError::Conflict {
            host: host.to_string(),
            loc: c.loc,
            forward: Box::new(c.forward.clone()),
            port: local,
            origin: origin(self, c),
        }
    }
}
