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
            written_args(set, *loc).unwrap_or_else(|| forward.config_args())
        ),
        Step::RemoveEmptyBlock { host, header } => {
            format!("{}: remove the `Host {host}` block, now empty", at(*header))
        }
        other => format!("{other:?}"),
    }
}

/// The arguments of the `LocalForward` line at `loc` as written, when it has more than the two
/// a forward is read from (ssh refuses "extra arguments at end of line"; a line removed is
/// shown as the user wrote it, not as the forward read from it).
fn written_args(set: &ConfigSet, loc: sshcfg::Loc) -> Option<String> {
    let doc = &set.file(loc.file()).doc;
    let Some(Ok(args)) = doc.args(loc.index()) else {
        return None;
    };
    let (first, last) = (args.first()?, args.last()?);
    (args.len() > 2).then(|| {
        String::from_utf8_lossy(&doc.line_text(loc.index())[first.span.start..last.span.end])
            .into_owned()
    })
}

/// Every step of `plan`, one line each (`config` as for [`step_text`]).
pub(crate) fn summary(set: &ConfigSet, plan: &sshcfg::Plan, config: Option<&Path>) -> Vec<String> {
    plan.steps()
        .iter()
        .map(|s| step_text(set, s, config))
        .collect()
}
