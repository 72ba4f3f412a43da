//! Checks of a planned edit: its effect on the host, and on other hosts through the final pass.

use super::error::{EditError, Ineffective, OtherHost};
use super::splice::is_exact_host_block;
use crate::config::ConfigSet;
use crate::document::LineKind;
use crate::forward::Forward;
use crate::header::MatchLine;
use crate::keyword::Keyword;
use crate::listener::TunnelEnds;
use crate::loc::{FileId, Loc};
use crate::plan::Plan;
use crate::resolve::ResolveContext;

impl ConfigSet {
    /// Could ssh read the files a second time for some host: a `Match final` or
    /// `Match canonical` anywhere, or a `CanonicalizeHostname` other than `no`?
    pub(super) fn may_have_final_pass(&self) -> bool {
        self.files().iter().any(|f| {
            let doc = &f.doc;
            // Every `Match` line is a header a walk reads; any word, as `match_cfg_line` splits
            // them, naming either.
            let matches = doc
                .header_reads()
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| doc.kind(i) == LineKind::Directive(Keyword::Match));
            let names = |raw: &[u8], word: &[u8]| {
                raw.windows(word.len())
                    .any(|w| w.eq_ignore_ascii_case(word))
            };
            matches.into_iter().any(|i| {
                // Quick looks first: a line without an `l` (most: `host h* user u`) names
                // neither (its whole text is looked at, which holds the arguments: a look that
                // needs no finding where they start); one naming neither has neither as a
                // word, unless a quote opens inside a word (`strdelim` reads `fi"nal"` as
                // `final`).
                if !MatchLine::new(doc.line_text(i)).may_name_a_pass() {
                    return false;
                }
                let raw = doc.raw_args(i);
                MatchLine::new(raw).may_name_a_pass()
                    && (names(raw, b"final") || names(raw, b"canonical") || raw.contains(&b'"'))
                    && MatchLine::new(raw).words().flatten().any(|w| {
                        let w = w.strip_prefix(b"!").unwrap_or(&w);
                        w.eq_ignore_ascii_case(b"final") || w.eq_ignore_ascii_case(b"canonical")
                    })
            }) || canonicalize_lines(doc)
                .any(|i| crate::resolve::canonicalizes(&String::from_utf8_lossy(doc.raw_args(i))))
        })
    }

    /// A `HostName` line that could give another host the final name `host` (so that, in the
    /// final pass, a `Host host` block reaches it): `file:line: HostName value`. Lines in blocks
    /// for `host` alone do not count. Letter-case variants of `host` itself are ssh's own rule and
    /// are not reported.
    pub(super) fn hostname_reaching(&self, host: &str) -> Option<OtherHost> {
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
                    return Some(OtherHost::HostName {
                        name: v,
                        loc: Loc::new(id, i),
                    });
                }
            }
        }
        None
    }

    /// When ssh may read the config twice, a `Host` block may also apply, in the final pass, to
    /// other hosts (those whose `HostName` it names): refuse a change that would reach them.
    pub(super) fn check_others(&self, plan: &Plan, ctx: &ResolveContext) -> Result<(), EditError> {
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
                    other: OtherHost::Named(other),
                });
            }
        }
        Ok(())
    }

    /// After the plan, the host must have exactly one forward of `local`, and it must carry the
    /// port to the remote loopback.
    pub(super) fn verify_tunnel(
        &self,
        plan: &Plan,
        local: u16,
        remote: u16,
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<(), EditError> {
        let after = self.with_plan(plan).resolve(&plan.hosts[0], ctx);
        let why = match after.tunnel(local, remote, ends) {
            Err(b) => Some(Ineffective::Blocked(b)),
            Ok(_) if after.listeners().iter().filter(|l| l.port == local).count() != 1 => {
                Some(Ineffective::SeveralForwards { port: local })
            }
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
}

/// The `CanonicalizeHostname` lines of `doc`, in order: found by their code in the line table
/// (two bytes a line), not by a look at the file's bytes or at every line.
fn canonicalize_lines(doc: &crate::Document) -> impl Iterator<Item = usize> + '_ {
    doc.lines_of("canonicalizehostname")
}
