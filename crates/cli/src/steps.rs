//! What an edit decided, in words: one line per [`sshcfg::Step`].

use std::path::Path;

use sshcfg::{ConfigSet, Insertion, Step};

/// The line for `step` of a plan made on `set` (`path:line: ...`); `config` is the file given
/// with `-F`, if any, which a suggested `ssh -G` must read too.
pub(crate) fn step_text(set: &ConfigSet, step: &Step, config: Option<&Path>) -> String {
    let at = |loc| set.place(loc).to_string();
    match step {
        Step::NotEvaluated { host, loc, what } => format!(
            "{}: note: {} (if it would apply to {host}, check with `{}`)",
            at(*loc),
            crate::undecided::text(host, what),
            crate::shell::ssh_g(config, host)
        ),
        Step::AlreadyThere { host, loc, forward } => format!(
            "{}: {host} already has {}; nothing to do",
            at(*loc),
            forward.directive()
        ),
        Step::RemoveConflict {
            host,
            loc,
            forward,
            port,
        } => format!(
            "{}: remove {} for {host}: it also listens on local port {port}",
            at(*loc),
            forward.directive()
        ),
        Step::Add {
            host,
            file,
            forward,
            at: insertion,
        } => {
            let where_ = match insertion {
                Insertion::InPlaceOf(loc) => format!("in place of line {}", loc.line()),
                Insertion::InBlock(header) => format!("in its block at line {}", header.line()),
                _ => "in a new `Host` block".to_string(),
            };
            format!(
                "{}: add LocalForward {} for {host} {where_}",
                set.file(*file).path.display(),
                forward.config_args()
            )
        }
        Step::LeftAlone {
            host: _,
            loc,
            forward,
            local,
            remote,
        } => format!(
            "{}: {} is left as it is: it is not a loopback forward of local port {local} to the remote's localhost:{remote}",
            at(*loc),
            forward.directive()
        ),
        Step::NothingToRemove { host, forward } => format!(
            "{host} has no LocalForward like {}; nothing to do",
            forward.config_args()
        ),
        Step::Remove { host, loc, forward } => format!(
            "{}: remove LocalForward {} for {host}",
            at(*loc),
            forward.config_args()
        ),
        Step::RemoveEmptyBlock { host, header } => {
            format!("{}: remove the `Host {host}` block, now empty", at(*header))
        }
        other => format!("{other:?}"),
    }
}

/// Every step of `plan`, one line each (`config` as for [`step_text`]).
pub(crate) fn summary(set: &ConfigSet, plan: &sshcfg::Plan, config: Option<&Path>) -> Vec<String> {
    plan.steps()
        .iter()
        .map(|s| step_text(set, s, config))
        .collect()
}
