//! Planning the removal of a forward for one host.

use super::error::{EditError, Ineffective};
use super::origin::origin;
use super::request::tunnel_ports;
use super::splice::{push_line, removal_splices};
use crate::config::ConfigSet;
use crate::document::LineKind;
use crate::forward::Forward;
use crate::listener::is_loopback_tunnel;
use crate::loc::{FileId, Loc};
use crate::plan::{Action, Plan, Step};
use crate::resolve::ResolveContext;

impl ConfigSet {
    /// `lines` of `file` (to remove), plus the blocks they leave with only their header and
    /// blank lines, each with one blank line; sorted. Comments right above the next block's
    /// header belong to that block and stay.
    pub(super) fn with_emptied_blocks(
        &self,
        file: FileId,
        mut lines: Vec<usize>,
        host: &str,
        steps: &mut Vec<Step>,
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
            steps.push(Step::RemoveEmptyBlock {
                host: host.to_string(),
                header: Loc::new(file, h),
            });
        }
        lines.extend(extra);
        lines.sort_unstable();
        lines.dedup();
        lines
    }

    /// Plan removing, for `host`, every forward that [`ConfigSet::enable`] could have written for
    /// `forward`'s ports (see [`is_loopback_tunnel`]); other forwards of the local port stay,
    /// with a [`Step::LeftAlone`].
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
            plan.steps.push(Step::LeftAlone {
                host: host.to_string(),
                loc: o.loc,
                forward: o.forward.clone(),
                local,
                remote,
            });
        }
        if found.is_empty() {
            plan.steps.push(Step::NothingToRemove {
                host: host.to_string(),
                forward: forward.clone(),
            });
            return Ok(plan);
        }
        if let Some(shared) = found.iter().find(|f| !f.exclusive) {
            return Err(EditError::Shared {
                host: host.to_string(),
                loc: shared.loc,
                origin: origin(self, shared),
            });
        }
        let mut per_file: Vec<(FileId, Vec<usize>)> = Vec::new();
        for f in &found {
            push_line(&mut per_file, f.loc);
            plan.steps.push(Step::Remove {
                host: host.to_string(),
                loc: f.loc,
                forward: f.forward.clone(),
            });
        }
        // The lines removed from each file.
        let mut removed: Vec<(FileId, Vec<usize>)> = Vec::new();
        let splices = per_file
            .into_iter()
            .map(|(file, lines)| {
                let lines = self.with_emptied_blocks(file, lines, host, &mut plan.steps);
                let splices = removal_splices(&self.file(file).doc, &lines);
                removed.push((file, lines));
                (file, splices)
            })
            .collect();
        plan.changes = self.changes_from(splices);
        let edited = self.with_plan(&plan);
        let after = edited.resolve(host, ctx);
        // ssh refuses the config for this host once the forward is gone (a line it refuses for
        // every host, or one its reading for this host meets): the edit is refused, as `enable`
        // refuses, naming that line where it stands now; removing the one line ssh refuses is
        // allowed. (Removing forward lines and emptied blocks cannot make ssh refuse a config
        // it accepts: only a config refused now is read again.)
        if self.rejection_for(ctx.openssh).is_some() || !r.errors.is_empty() {
            let every = edited
                .rejection_for(ctx.openssh)
                .and_then(|_| edited.rejection_for_host(ctx.openssh, &after));
            if let Some(mut e) = edited.refusal_for_host(every, &after) {
                e.loc = before_removal(e.loc, &removed);
                return Err(e.into());
            }
        }
        if after
            .forwards
            .iter()
            .any(|f| is_loopback_tunnel(&f.forward, local, remote))
        {
            return Err(EditError::NotEffective {
                host: host.to_string(),
                why: Ineffective::StillEffective,
            });
        }
        self.check_others(&plan, ctx)?;
        Ok(plan)
    }
}

/// Where line `loc` of a file from which the lines `removed` (sorted, per file) were taken was
/// before: the line as many kept lines down.
fn before_removal(loc: Loc, removed: &[(FileId, Vec<usize>)]) -> Loc {
    let Some((_, lines)) = removed.iter().find(|(f, _)| *f == loc.file()) else {
        return loc;
    };
    let mut at = loc.index();
    for &l in lines {
        if l <= at {
            at += 1;
        }
    }
    Loc::new(loc.file(), at)
}
