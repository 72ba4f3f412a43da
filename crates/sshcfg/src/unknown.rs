//! Unknown keywords that an `IgnoreUnknown` covers for some hosts only.
//!
//! ssh stops at a keyword it does not know unless the `IgnoreUnknown` in force when it reads
//! the line lists it (readconf.c `parse_token`). `IgnoreUnknown` is a first-wins option set only
//! by a line that applies, so one inside a `Host` block covers the lines below it for that
//! block's hosts, and for every other host ssh refuses the config (checked with `ssh -G`:
//! `Host a` / `IgnoreUnknown UseKeychain` / `UseKeychain yes` is accepted for `a` and refused
//! for `b`). [`crate::Document::diagnostics`] judges for every host; this module judges for one.

use crate::config::ConfigSet;
use crate::diagnose::DiagnosticKind;
use crate::document::{Document, LineKind};
use crate::edit::Rejection;
use crate::keyword::Keyword;
use crate::loc::{FileId, Loc};
use crate::options::OpenSshVersion;
use crate::pattern::{EntryCase, ListMatch, match_pattern_list};
use crate::resolve::Resolution;
use crate::setting;

/// Does an `IgnoreUnknown` pattern list cover `keyword` (compared lowercased, as ssh does)?
fn covers(patterns: &[u8], keyword: &[u8]) -> bool {
    match_pattern_list(
        &keyword.to_ascii_lowercase(),
        patterns,
        EntryCase::Lowercased,
    ) == ListMatch::Match
}

impl Document {
    /// The 0-based line of the nearest `IgnoreUnknown` above line `index` (0-based) whose
    /// patterns cover that line's keyword, in whatever block it is.
    pub fn ignore_unknown_covering(&self, index: usize) -> Option<usize> {
        let keyword = self.keyword_token(index)?.value;
        (0..index).rev().find(|&i| {
            matches!(self.kind(i), LineKind::Directive(Keyword::IgnoreUnknown))
                && self.directive(i).is_some_and(|d| {
                    matches!(&d.args, Ok(a) if a.first().is_some_and(|t| covers(&t.value, &keyword)))
                })
        })
    }
}

impl ConfigSet {
    /// The first line that makes OpenSSH `version` (`None`: the newest) refuse the config when
    /// it connects to the host `r` resolves: as [`ConfigSet::rejection_for`], except for an
    /// unknown keyword that the host's `IgnoreUnknown` covers when ssh reads it: obtained in
    /// the first reading of the files, before that line in ssh's reading order (an `Include`'s
    /// files where it stands, whichever file holds either). ssh refuses an unknown keyword it
    /// meets in the first reading, whatever the block, and stops at the end of that file: an
    /// `IgnoreUnknown` obtained only in a final pass (`Match final`, `Match canonical`) covers
    /// nothing (checked with `ssh -G` 9.2p1: `Match final` / `IgnoreUnknown Foo` / `Host a` /
    /// `Foo bar` is refused at line 4; `IgnoreUnknown Foo` in an included file, then `Foo bar`
    /// below the `Include`, is accepted).
    pub fn rejection_for_host(
        &self,
        version: Option<OpenSshVersion>,
        r: &Resolution,
    ) -> Option<Rejection> {
        self.first_rejection(version, |id, d| !self.ignored_for(id, d, r))
    }

    fn ignored_for(&self, file: FileId, d: &crate::Diagnostic, r: &Resolution) -> bool {
        let Some(iu) = r.get::<setting::IgnoreUnknown>() else {
            return false;
        };
        let line = Loc::new(file, d.line - 1);
        d.kind == DiagnosticKind::UnknownKeyword
            && r.ignore_unknown_first_read
            && self
                .file(file)
                .doc
                .keyword_token(line.index())
                .is_some_and(|k| covers(iu.value.as_bytes(), &k.value))
            && self.obtained_before(&r.ignore_unknown_via, iu.loc, line)
    }
}

/// What covers an unknown keyword line, as ssh's first reading of the files reaches it (see
/// [`ConfigSet::unknown_keyword_cover`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownCover {
    /// The `IgnoreUnknown` line at `by`, the first ssh reads, where every line applies to every
    /// host: every host has obtained it at this line, and it covers the keyword.
    EveryHost {
        /// The `IgnoreUnknown` line.
        by: Loc,
    },
    /// The `IgnoreUnknown` line at `by`, read before this line, covers the keyword: it is in
    /// force for the hosts that obtain it (those it applies to, when no other was obtained
    /// first); every other host refuses the config.
    SomeHosts {
        /// The `IgnoreUnknown` line (of those that cover the keyword, the last read before).
        by: Loc,
    },
    /// No `IgnoreUnknown` read before this line covers the keyword: ssh refuses it for every
    /// host.
    Nothing,
}

impl ConfigSet {
    /// What covers the unknown keyword at line `loc` when ssh's first reading of the files
    /// reaches it (each file's lines in order, an `Include`'s files where it stands, as
    /// [`ConfigSet::rejection_for_host`] judges for one host): for every host, for some, or for
    /// none. (A file-wide judgement, made only when a line has an unknown keyword: it reads
    /// every line up to `loc`.)
    pub fn unknown_keyword_cover(&self, loc: Loc) -> UnknownCover {
        let Some(keyword) = self.file(loc.file()).doc.keyword_token(loc.index()) else {
            return UnknownCover::Nothing;
        };
        let mut read = Vec::new();
        for &root in self.roots() {
            if self.ignore_unknown_lines(root, 0, (true, false), loc, &mut read) {
                break;
            }
        }
        let covering = |at: Loc| {
            let doc = &self.file(at.file()).doc;
            matches!(doc.args(at.index()), Some(Ok(a))
                if a.first().is_some_and(|t| covers(&t.value, &keyword.value)))
        };
        match read.first() {
            // The first read, where it applies to every host, is every host's: one after it
            // is never in force.
            Some(&(by, true)) if covering(by) => UnknownCover::EveryHost { by },
            Some(&(_, true)) => UnknownCover::Nothing,
            _ => match read.iter().rev().find(|&&(at, _)| covering(at)) {
                Some(&(by, _)) => UnknownCover::SomeHosts { by },
                None => UnknownCover::Nothing,
            },
        }
    }

    /// The `IgnoreUnknown` line every host has obtained when ssh's first reading of the files
    /// reaches `loc` (the first one it reads, where it applies to every host), if any. ssh keeps
    /// the first `IgnoreUnknown` it obtains: a keyword to ignore for every host is added to that
    /// line, since another line below it would not count.
    pub fn ignore_unknown_in_force(&self, loc: Loc) -> Option<Loc> {
        let mut read = Vec::new();
        for &root in self.roots() {
            if self.ignore_unknown_lines(root, 0, (true, false), loc, &mut read) {
                break;
            }
        }
        match read.first() {
            Some(&(by, true)) => Some(by),
            _ => None,
        }
    }

    /// The `IgnoreUnknown` lines of file `id` (`depth` Includes down) that ssh may obtain in
    /// its first reading before it reaches `stop`, into `out` in its reading order, each with
    /// whether it applies to every host there. `(every, never)`: the file's lines before any
    /// header apply to every host, or to none in the first reading (the `Include` is in a block
    /// that applies only in a final pass). `true` once `stop` is reached.
    fn ignore_unknown_lines(
        &self,
        id: FileId,
        depth: usize,
        (every, never): (bool, bool),
        stop: Loc,
        out: &mut Vec<(Loc, bool)>,
    ) -> bool {
        use crate::header::{Attribute, Header, Negation};
        let f = self.file(id);
        let doc = &f.doc;
        let (mut here, mut none_here) = (every, never);
        for i in 0..doc.line_count() {
            let loc = Loc::new(id, i);
            if loc == stop {
                return true;
            }
            match doc.kind(i) {
                LineKind::Directive(k @ (Keyword::Host | Keyword::Match)) => {
                    let header = Header::new(k, doc.raw_args(i));
                    here = every && crate::diagnose::applies_to_every_host(header);
                    // `Match final`, `Match canonical`: not in the first reading.
                    none_here = never
                        || matches!(header, Some(Header::Match(m)) if m.criteria().flatten().any(|c| {
                            matches!(c.attribute, Attribute::Final | Attribute::Canonical)
                                && c.negation == Negation::Plain
                        }));
                }
                LineKind::Directive(Keyword::IgnoreUnknown) if !none_here => out.push((loc, here)),
                LineKind::Directive(Keyword::Include)
                    if depth < crate::config::MAX_INCLUDE_DEPTH =>
                {
                    for &child in f.included_at(i) {
                        if self.ignore_unknown_lines(child, depth + 1, (here, none_here), stop, out)
                        {
                            return true;
                        }
                    }
                }
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConfigSet, LoadOptions, ResolveContext};
    use std::path::Path;

    #[test]
    fn an_unknown_keyword_is_covered_by_what_ssh_reads_before_it_in_its_first_reading() {
        use crate::{Loc, UnknownCover};
        let cover = |text: &str, line: usize| {
            let set = ConfigSet::from_main_bytes(
                text.as_bytes().to_vec(),
                &LoadOptions::explicit_file(Path::new("config"), "/nonexistent"),
            )
            .unwrap();
            set.unknown_keyword_cover(Loc::new(crate::loc::FileId::new(0), line))
        };
        let by = |line| Loc::new(crate::loc::FileId::new(0), line);
        let every = |line| UnknownCover::EveryHost { by: by(line) };
        let some = |line| UnknownCover::SomeHosts { by: by(line) };
        assert_eq!(cover("IgnoreUnknown Foo\nHost a\n  Foo x\n", 2), every(0));
        assert_eq!(cover("Host *\n  IgnoreUnknown F*\n  Foo x\n", 2), every(1));
        assert_eq!(cover("Host a\n  IgnoreUnknown Foo\n  Foo x\n", 2), some(1));
        // The first read is in force where it applies: every host has not obtained the second.
        let text = "Host b\n  IgnoreUnknown Bar\nHost *\n  IgnoreUnknown Foo\n  Foo x\n";
        assert_eq!(cover(text, 4), some(3));
        assert_eq!(
            cover("IgnoreUnknown Bar\nFoo x\n", 1),
            UnknownCover::Nothing
        );
        // A first that applies to every host and does not cover the line: none after it is
        // ever in force (`ssh -G` 9.2p1 refuses both for every host).
        for text in [
            "IgnoreUnknown Bar\nIgnoreUnknown Foo\nFoo x\n",
            "IgnoreUnknown Bar\nHost a\n  IgnoreUnknown Foo\n  Foo x\n",
        ] {
            let line = text.lines().count() - 1;
            assert_eq!(cover(text, line), UnknownCover::Nothing, "{text}");
        }
        assert_eq!(
            cover("Foo x\nIgnoreUnknown Foo\n", 0),
            UnknownCover::Nothing
        );
        // `!final`, `!canonical`: true for every host in the first reading (`ssh -G` 9.2p1
        // accepts these for every host), and nothing is found in the file.
        for text in [
            "Match !final\n  IgnoreUnknown Foo\nHost a\n  Foo x\n",
            "Match !canonical !final\n  IgnoreUnknown Foo\nHost a\n  Foo x\n",
        ] {
            assert_eq!(cover(text, 3), every(1), "{text}");
            assert!(
                crate::Document::parse(text.as_bytes().to_vec())
                    .diagnostics()
                    .is_empty()
            );
        }
        // Obtained only in a final pass.
        let text = "Match final all\n  IgnoreUnknown Foo\nHost a\n  Foo x\n";
        assert_eq!(cover(text, 3), UnknownCover::Nothing);
    }

    #[test]
    fn ignore_unknown_in_a_host_block_covers_that_host_only() {
        let text = b"Host a\n  IgnoreUnknown Bogus\n  Bogus yes\nHost b\n  User x\n";
        let set = ConfigSet::from_main_bytes(
            text.to_vec(),
            &LoadOptions::explicit_file(Path::new("config"), "/nonexistent"),
        )
        .unwrap();
        let ctx = ResolveContext::new("me");
        assert!(set.rejection_for(None).is_some());
        assert!(
            set.rejection_for_host(None, &set.resolve("a", &ctx))
                .is_none()
        );
        assert!(
            set.rejection_for_host(None, &set.resolve("b", &ctx))
                .is_some()
        );
        assert_eq!(set.main().doc.ignore_unknown_covering(2), Some(1));
        // The first obtained is in force: for `b` the one in its own block (`ssh -G` 9.2p1
        // refuses line 5 for `b`, accepts it for `a`).
        let text = b"Host b\n  IgnoreUnknown Bar\nHost *\n  IgnoreUnknown Foo\n  Foo x\n";
        let set = ConfigSet::from_main_bytes(
            text.to_vec(),
            &LoadOptions::explicit_file(Path::new("config"), "/nonexistent"),
        )
        .unwrap();
        assert_eq!(set.rejection_for(None).map(|r| r.loc.line()), Some(5));
        assert!(
            set.rejection_for_host(None, &set.resolve("a", &ctx))
                .is_none()
        );
        assert_eq!(
            set.rejection_for_host(None, &set.resolve("b", &ctx))
                .map(|r| r.loc.line()),
            Some(5)
        );
        // Below the line, it does not cover it (ssh reads in order).
        let text = b"Host a\n  Bogus yes\n  IgnoreUnknown Bogus\n";
        let set = ConfigSet::from_main_bytes(
            text.to_vec(),
            &LoadOptions::explicit_file(Path::new("config"), "/nonexistent"),
        )
        .unwrap();
        assert!(
            set.rejection_for_host(None, &set.resolve("a", &ctx))
                .is_some()
        );
        assert_eq!(set.main().doc.ignore_unknown_covering(1), None);
        // The keyword is matched as `strdelim` gives it to ssh: `"Po"rt` is `po` (ssh -G
        // accepts this for `a`).
        let text = b"Host a\n  IgnoreUnknown po\n  \"Po\"rt 22\n";
        let set = ConfigSet::from_main_bytes(
            text.to_vec(),
            &LoadOptions::explicit_file(Path::new("config"), "/nonexistent"),
        )
        .unwrap();
        assert!(
            set.rejection_for_host(None, &set.resolve("a", &ctx))
                .is_none()
        );
        assert_eq!(set.main().doc.ignore_unknown_covering(2), Some(1));
    }
}
