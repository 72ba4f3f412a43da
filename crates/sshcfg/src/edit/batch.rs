//! One plan for several hosts and forwards.

use super::error::EditError;
use super::reject::RejectionCheck;
use crate::config::ConfigSet;
use crate::forward::Forward;
use crate::listener::TunnelEnds;
use crate::loc::{FileId, Loc};
use crate::plan::{Action, Plan};
use crate::resolve::{Resolution, ResolveContext};

/// How a caller writes a host's forward, given the host's resolution.
type WrittenForm<'a> = dyn Fn(&Resolution, &Forward) -> Forward + 'a;

impl ConfigSet {
    /// Plan `action` for every host and forward, in order, as one plan: per file, the bytes
    /// before all of them and after all of them (one diff, one confirmation). A refusal names
    /// the lines of the files as they are, not as the earlier edits left them in memory.
    ///
    /// ```
    /// # use sshcfg::{Action, ConfigSet, Forward, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let set = ConfigSet::from_main_bytes(b"Host a\n".to_vec(),
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let fwds = [Forward::loopback(1455, 1455), Forward::loopback(1457, 1457)];
    /// let plan = set.plan(Action::Enable, &["a", "b"], &fwds, &ResolveContext::new("me")).unwrap();
    /// assert_eq!(plan.changes().len(), 1);
    /// assert_eq!(plan.steps().len(), 4);
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
        let requests: Vec<(&str, Forward)> = hosts
            .iter()
            .flat_map(|h| forwards.iter().map(move |f| (h.as_ref(), f.clone())))
            .collect();
        self.plan_each(action, &requests, ends, ctx)
    }

    /// [`ConfigSet::plan_reaching`] for a forward of its own per host (`(host, forward)`, in
    /// order): a caller that writes a host's forward in a form of its choosing (a bind address
    /// under that host's `GatewayPorts`, say) asks for each.
    pub fn plan_each(
        &self,
        action: Action,
        requests: &[(impl AsRef<str>, Forward)],
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<Plan, EditError> {
        let requests: Vec<(&str, &Forward)> =
            requests.iter().map(|(h, f)| (h.as_ref(), f)).collect();
        self.plan_requests(action, &requests, ends, ctx, None)
    }

    /// [`ConfigSet::plan_reaching`], each forward enabled in the form `written` gives it from
    /// the host's resolution (`LocalForward localhost:1455 ...` where the host's `GatewayPorts`
    /// would otherwise open it to the network, say). Each host is resolved once for both the
    /// choice and the plan; disabling takes the forwards as given.
    ///
    /// ```
    /// # use sshcfg::{Action, ConfigSet, Forward, LoadOptions, ResolveContext, TunnelEnds};
    /// let set = ConfigSet::from_main_bytes(b"Host a\n  User u\n".to_vec(),
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let plan = set.plan_written(Action::Enable, &["a"], &[Forward::loopback(1455, 1455)],
    ///     TunnelEnds::IPV4_LOOPBACK, &ResolveContext::new("me"),
    ///     |r, f| { assert_eq!(r.host, "a"); f.clone() }).unwrap();
    /// assert_eq!(plan.changes().len(), 1);
    /// ```
    pub fn plan_written(
        &self,
        action: Action,
        hosts: &[impl AsRef<str>],
        forwards: &[Forward],
        ends: TunnelEnds,
        ctx: &ResolveContext,
        written: impl Fn(&Resolution, &Forward) -> Forward,
    ) -> Result<Plan, EditError> {
        let requests: Vec<(&str, &Forward)> = hosts
            .iter()
            .flat_map(|h| forwards.iter().map(move |f| (h.as_ref(), f)))
            .collect();
        self.plan_requests(action, &requests, ends, ctx, Some(&written))
    }

    fn plan_requests(
        &self,
        action: Action,
        requests: &[(&str, &Forward)],
        ends: TunnelEnds,
        ctx: &ResolveContext,
        written: Option<&WrittenForm<'_>>,
    ) -> Result<Plan, EditError> {
        // What ssh rejects is looked for once, on the config as it is; when it finds a line, each
        // host is judged (its IgnoreUnknown may cover the line).
        let check = match action == Action::Enable && self.rejection_for(ctx.openssh).is_some() {
            true => RejectionCheck::Run,
            false => RejectionCheck::Known,
        };
        let one = |set: &ConfigSet, host: &str, forward: &Forward| match (action, written) {
            (Action::Enable, Some(w)) => {
                let host = Self::check_host(host)?;
                let r = set.resolve(host.as_str(), ctx);
                set.enable_resolved(&r, &w(&r, forward), ends, ctx, check)
            }
            (Action::Enable, None) => set.enable_with(host, forward, ends, ctx, check),
            (Action::Disable, _) => set.disable(host, forward, ctx),
        };
        let mut total: Option<Plan> = None;
        let mut edited: Option<ConfigSet> = None;
        // The lines the steps keep, carried to the bytes after every request so far: (step,
        // which of its lines, file, line index, line start). Each request is planned on the
        // bytes the earlier ones leave; its steps name lines of those.
        let mut kept: Vec<(usize, usize, FileId, usize, usize)> = Vec::new();
        // The hosts whose requests changed something so far.
        let mut earlier: Vec<String> = Vec::new();
        for (k, &(host, forward)) in requests.iter().enumerate() {
            let plan = match (one(edited.as_ref().unwrap_or(self), host, forward), &edited) {
                (Ok(p), _) => p,
                // Refused on the config the earlier requests leave: its lines are not the
                // files' (they may not exist there), so a refusal on the files as they are is
                // given instead, or one that says it comes of the earlier changes.
                (Err(e), Some(_)) => {
                    return Err(match one(self, host, forward) {
                        Err(alone) => alone,
                        Ok(_) => EditError::AfterEarlier {
                            host: host.to_string(),
                            earlier,
                            reason: Box::new(e),
                        },
                    });
                }
                (Err(e), None) => return Err(e),
            };
            let mut plan = plan;
            let base = edited.as_ref().unwrap_or(self);
            let first = total.as_ref().map_or(0, |t| t.steps.len());
            for (i, step) in plan.steps.iter_mut().enumerate() {
                for (slot, (loc, keeps)) in step.lines_mut().into_iter().enumerate() {
                    let at = base.file(loc.file()).doc.line_range(loc.index()).start;
                    let before = total
                        .as_ref()
                        .and_then(|t| t.changes.iter().find(|c| c.file == loc.file()));
                    match (keeps, before) {
                        (true, _) => kept.push((first + i, slot, loc.file(), loc.index(), at)),
                        // A removed line is named where it is before every request.
                        (false, Some(c)) => {
                            *loc = Loc::new(loc.file(), c.line_before(loc.index(), at).0)
                        }
                        (false, None) => {}
                    }
                }
            }
            for c in &plan.changes {
                for k in kept.iter_mut().filter(|k| k.2 == c.file) {
                    (k.3, k.4) = c.line_after(k.3, k.4);
                }
            }
            if plan.is_change() && !earlier.iter().any(|h| h == host) {
                earlier.push(host.to_string());
            }
            // The next request is planned on the config this one leaves (none follows the last).
            if plan.is_change() && k + 1 < requests.len() {
                edited = Some(edited.as_ref().unwrap_or(self).with_plan(&plan));
            }
            total = Some(match total {
                Some(t) => t.then(plan),
                None => plan,
            });
        }
        let mut total = total.ok_or(EditError::NothingAsked)?;
        // A kept line is named where it is in the files as written.
        for (step, slot, file, index, _) in kept {
            if let Some((loc, _)) = total.steps[step].lines_mut().into_iter().nth(slot) {
                *loc = Loc::new(file, index);
            }
        }
        Ok(total)
    }
}
