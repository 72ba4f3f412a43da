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
use crate::resolve::{Resolution, ResolveContext};

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
    /// port to the remote loopback. `before` is the host's resolution on this set.
    pub(super) fn verify_tunnel(
        &self,
        plan: &Plan,
        before: &Resolution,
        local: u16,
        remote: u16,
        ends: TunnelEnds,
        ctx: &ResolveContext,
    ) -> Result<(), EditError> {
        let host = &plan.hosts[0];
        let why = |after: &Resolution| match after.tunnel(local, remote, ends) {
            Err(b) => Some(Ineffective::Blocked(b)),
            Ok(_) if after.listeners().iter().filter(|l| l.port == local).count() != 1 => {
                Some(Ineffective::SeveralForwards { port: local })
            }
            Ok(_) => None,
        };
        // Read on the blocks that can apply alone when that is known to give the answer (no
        // copy of a large file); a refusal is found again on the whole, for its lines.
        if use_projection()
            && let Some(after) = self.projected(plan, before)
            && why(&after.resolve(host, ctx)).is_none()
        {
            return Ok(());
        }
        match why(&self.with_plan(plan).resolve(host, ctx)) {
            Some(why) => Err(EditError::NotEffective {
                host: host.clone(),
                why,
            }),
            None => Ok(()),
        }
    }

    /// The set after `plan`, for the walk of the host `before` resolved, with the changed file
    /// cut down to the blocks that can apply: the global area, the blocks that applied before
    /// and those the plan changes (`None` when that is not known to read as the whole does).
    ///
    /// Which blocks apply depends on the host's names and on what the lines of the blocks
    /// that apply set (`User`, `HostName`, `Tag`, ...), never on a forward line; a block that
    /// does not apply adds nothing (its header's errors and lines not evaluated would show
    /// in `before`). So when the plan only removes and adds forward lines (and perhaps a new
    /// `Host` block), the blocks that apply after are among those kept, and the walk reads the
    /// same lines in the same order. Not so, and the whole is read: when the file has an
    /// `Include` (its files are walked from the line), when ssh may read the config a second
    /// time with another name, or when `before` has lines not evaluated.
    fn projected(&self, plan: &Plan, before: &Resolution) -> Option<ConfigSet> {
        let [change] = &plan.changes[..] else {
            return None;
        };
        let f = self.file(change.file);
        let doc = &f.doc;
        if !f.includes.is_empty()
            || doc.line_count() == 0
            || !before.not_evaluated.is_empty()
            || !before.errors.is_empty()
        {
            return None;
        }
        // The lines a splice replaces, and those it brings: forward lines, blank lines and
        // comments only (and `Host` lines, which match on the host's names alone).
        let forward_or_quiet = |k: LineKind| {
            matches!(
                k,
                LineKind::Blank
                    | LineKind::Comment
                    | LineKind::Directive(Keyword::LocalForward | Keyword::DynamicForward)
            )
        };
        let mut touched = Vec::with_capacity(change.splices.len());
        for s in &change.splices {
            let (l0, l1) = (doc.line_at(s.range.start), doc.line_at(s.range.end));
            let last_replaced = doc.line_at(s.range.end.saturating_sub(1).max(s.range.start));
            if !s.range.is_empty() && !(l0..=last_replaced).all(|i| forward_or_quiet(doc.kind(i))) {
                return None;
            }
            let text = crate::Document::parse(s.text.clone());
            if !(0..text.line_count()).all(|i| {
                let k = text.kind(i);
                forward_or_quiet(k) || k == LineKind::Directive(Keyword::Host)
            }) {
                return None;
            }
            // (With the line before: lines put at a line's start join the block before it.)
            let before_start = doc.line_at(s.range.start.saturating_sub(1));
            touched.push(before_start..l1 + 1);
        }
        if self.may_have_final_pass() {
            return None;
        }
        // The kept blocks (found from their lines, not by a look at every block), in order.
        let mut kept: Vec<crate::document::Block> = doc
            .blocks()
            .next()
            .filter(|b| b.header.is_none())
            .into_iter()
            .chain(
                (before.applied_blocks.iter())
                    .filter(|l| l.file() == change.file)
                    .map(|l| doc.block_of(l.index())),
            )
            .chain(
                touched
                    .iter()
                    .flat_map(|t| t.clone().map(|l| doc.block_of(l))),
            )
            .collect();
        kept.sort_by_key(|b| b.lines.start);
        kept.dedup();
        // Their bytes, in runs of neighbouring blocks.
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        for b in kept {
            let bytes = doc.line_range(b.lines.start).start..doc.line_range(b.lines.end - 1).end;
            match runs.last_mut() {
                Some(r) if r.end == bytes.start => r.end = bytes.end,
                _ => runs.push(bytes),
            }
        }
        let old = doc.as_bytes();
        let mut bytes = Vec::new();
        let mut splices = change.splices.iter().peekable();
        for r in runs {
            let mut at = r.start;
            while let Some(s) =
                splices.next_if(|s| s.range.start >= r.start && s.range.end <= r.end)
            {
                bytes.extend_from_slice(&old[at..s.range.start]);
                bytes.extend_from_slice(&s.text);
                at = s.range.end;
            }
            bytes.extend_from_slice(&old[at..r.end]);
        }
        if splices.next().is_some() {
            return None;
        }
        let mut set = self.clone();
        set.file_mut(change.file).doc = crate::Document::parse(bytes);
        Some(set)
    }
}

#[cfg(not(test))]
#[inline]
fn use_projection() -> bool {
    true
}

#[cfg(test)]
thread_local! {
    /// Whether a verification may read the blocks that can apply alone (off: the whole, for
    /// the tests that compare the two), and how often it did and found the answer there.
    static PROJECTION: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

#[cfg(test)]
fn use_projection() -> bool {
    PROJECTION.get()
}

/// The `CanonicalizeHostname` lines of `doc`, in order: found by their code in the line table
/// (two bytes a line), not by a look at the file's bytes or at every line.
fn canonicalize_lines(doc: &crate::Document) -> impl Iterator<Item = usize> + '_ {
    doc.lines_of("canonicalizehostname")
}

#[cfg(test)]
mod tests {
    use super::PROJECTION;
    use crate::{ConfigSet, Forward, LoadOptions, ResolveContext};

    /// Lines of configs: headers that apply to `a` or not, whatever the user or tag, and lines
    /// that decide that (`User`, `Tag`, `HostName`) or the tunnel (forwards, `GatewayPorts`,
    /// `ClearAllForwardings`).
    const LINES: &[&str] = &[
        "Host a\n",
        "Host b\n",
        "Host a b\n",
        "Host *\n",
        "Host !a *\n",
        "Match user u\n",
        "Match user v\n",
        "Match tagged t\n",
        "Match host a\n",
        "Match host c\n",
        "Match originalhost a\n",
        "Match all\n",
        "Match final host c\n",
        "Host c\n",
        "  CanonicalizeHostname yes\n",
        "  User u\n",
        "  User v\n",
        "  Tag t\n",
        "  HostName c\n",
        "  LocalForward 1455 localhost:1455\n",
        "  LocalForward 1455 localhost:22\n",
        "  LocalForward 1456 localhost:1456\n",
        "  LocalForward 127.0.0.1:1455 localhost:1455\n",
        "  DynamicForward 1455\n",
        "  GatewayPorts yes\n",
        "  ClearAllForwardings yes\n",
        "  # c\n",
        "\n",
    ];

    /// `enable` for `host` on `text`, its verification reading the blocks that can apply
    /// alone (when it may) or the whole.
    fn enable(text: &str, host: &str, projection: bool) -> Result<String, String> {
        let set = ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &LoadOptions::explicit_file("config", "/nonexistent"),
        )
        .unwrap();
        PROJECTION.set(projection);
        let plan = set.enable(
            host,
            &Forward::loopback(1455, 1455),
            &ResolveContext::new("me"),
        );
        PROJECTION.set(true);
        plan.map(|p| {
            p.changes()
                .iter()
                .map(|c| String::from_utf8_lossy(c.after()).into_owned())
                .collect()
        })
        .map_err(|e| e.to_string())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Reading the blocks that can apply alone verifies an edit as reading the whole does.
        #[test]
        fn a_verification_on_the_blocks_that_apply_is_that_on_the_whole(
            lines in proptest::collection::vec(proptest::sample::select(LINES.to_vec()), 0..14),
            host in proptest::sample::select(vec!["a", "b", "c"]),
        ) {
            let text = lines.concat();
            proptest::prop_assert_eq!(enable(&text, host, true), enable(&text, host, false), "{}", text);
        }
    }

    /// The blocks that can apply are read alone on a config where they tell the answer (so the
    /// test above compares something).
    #[test]
    fn a_verification_reads_the_blocks_that_apply_alone() {
        let text = "Host b\n  User u\nHost a\n  User me\n\nMatch user v\n  GatewayPorts yes\n";
        let set = ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &LoadOptions::explicit_file("config", "/nonexistent"),
        )
        .unwrap();
        let ctx = ResolveContext::new("me");
        let before = set.resolve("a", &ctx);
        let plan = set
            .enable("a", &Forward::loopback(1455, 1455), &ctx)
            .unwrap();
        let cut = set.projected(&plan, &before).expect("read alone");
        assert_eq!(
            cut.files()[0].doc.as_bytes(),
            b"Host a\n  User me\n  LocalForward 1455 localhost:1455\n\n"
        );
    }

    /// Where the blocks that can apply, read alone, would answer otherwise than the whole, the
    /// verification reads the whole: each case is refused (the forward added listens beyond
    /// loopback under a `GatewayPorts yes` that only the whole reads), with the projection as
    /// without it (`ssh -G` 9.2p1 prints `gatewayports yes` for `a` on both configs). Each
    /// fails when its fallback in `projected` is taken out (the projection then says yes).
    #[test]
    fn the_whole_is_read_where_the_blocks_alone_would_answer_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("inc");
        std::fs::write(&inc, "GatewayPorts yes\n").unwrap();
        for text in [
            // An Include: its files are walked from its line, which the cut moves (here to a
            // line that includes nothing).
            format!("Host b\n  User x\nHost a\n  Include {}\n", inc.display()),
            // A final pass: a `Match ... final` that never applies asks for it, and the
            // final pass reads `Host c` for the HostName; the cut leaves the `Match` out.
            "Match host zzz final\nHost a\n  HostName c\nHost c\n  GatewayPorts yes\n".into(),
        ] {
            let whole = enable(&text, "a", false);
            assert!(
                whole
                    .as_ref()
                    .is_err_and(|e| e.contains("does not have the intended effect")),
                "{whole:?}: {text}"
            );
            assert_eq!(enable(&text, "a", true), whole, "{text}");
        }
    }

    /// A reading that found a problem (ssh refuses the config for the host) is not cut down:
    /// the argument that blocks which do not apply add nothing assumes none (their headers'
    /// problems would show in it). `enable` refuses before it verifies then, so this asks the
    /// projection itself.
    #[test]
    fn no_cut_when_the_reading_found_a_problem() {
        let text = "Host b\n  User u\nHost a\n  User me\n";
        let set = ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &LoadOptions::explicit_file("config", "/nonexistent"),
        )
        .unwrap();
        let ctx = ResolveContext::new("me");
        let mut before = set.resolve("a", &ctx);
        let plan = set
            .enable("a", &Forward::loopback(1455, 1455), &ctx)
            .unwrap();
        assert!(set.projected(&plan, &before).is_some());
        before.errors.push(crate::Note {
            loc: crate::Loc::new(crate::loc::FileId::new(0), 0),
            message: "Bad Match condition".into(),
        });
        assert!(set.projected(&plan, &before).is_none());
    }
}
