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
    /// none. (A file-wide judgement, made only when a line has an unknown keyword; the reading
    /// of every file it needs is made once for the set, not for each line asked about.)
    pub fn unknown_keyword_cover(&self, loc: Loc) -> UnknownCover {
        let Some(keyword) = self.file(loc.file()).doc.keyword_token(loc.index()) else {
            return UnknownCover::Nothing;
        };
        let read = self.ignore_reading().before(loc);
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
        match self.ignore_reading().before(loc).first() {
            Some(&(by, true)) => Some(by),
            _ => None,
        }
    }
}

/// After the `Host`/`Match` line `i` (keyword `k`) of `doc`, in a file whose lines before any
/// header apply to every host (`every`) or to none in the first reading (`never`): do the lines
/// below it apply to every host, and to none in the first reading (`Match final`, `Match
/// canonical`)?
fn header_reach(
    doc: &Document,
    i: usize,
    k: Keyword,
    (every, never): (bool, bool),
) -> (bool, bool) {
    use crate::header::{Attribute, Header, Negation};
    let header = Header::new(k, doc.raw_args(i));
    let here = every && crate::diagnose::applies_to_every_host(header);
    let none_here = never
        || matches!(header, Some(Header::Match(m)) if m.criteria().flatten().any(|c| {
            matches!(c.attribute, Attribute::Final | Attribute::Canonical)
                && c.negation == Negation::Plain
        }));
    (here, none_here)
}

/// ssh's first reading of the files, as far as `IgnoreUnknown` goes: every `IgnoreUnknown` line
/// it may obtain, in its reading order (each file's lines in order, an `Include`'s files where
/// it stands), each with whether it applies to every host there; and how many of them it has
/// read when it first reaches each line, so that the lines read before any line are a prefix of
/// them. Made once for a set ([`ConfigSet::ignore_reading`]): asked about each unknown keyword
/// of a file (and, through [`ConfigSet::rejection_for_host`], for each host), a reading from the
/// top each time made a config with many such lines quadratic in its size.
#[derive(Debug, Clone, Default)]
pub(crate) struct IgnoreReading {
    /// `(line, applies to every host there)`, in reading order.
    read: Vec<(Loc, bool)>,
    /// By file: how many of its lines the reading has reached so far (a file included at two
    /// places, or within itself, is read again; each line is first reached once).
    reached: Vec<u32>,
    /// By file: `(line, n)` where the count of `read` when a line is first reached changes:
    /// from `line` on (until the next entry) it is `n`. Empty: never read.
    counts: Vec<Vec<(u32, u32)>>,
}

impl IgnoreReading {
    /// The reading of `set`'s files.
    pub(crate) fn of(set: &ConfigSet) -> IgnoreReading {
        let n = set.files().len();
        let mut r = IgnoreReading {
            read: Vec::new(),
            reached: vec![0; n],
            counts: vec![Vec::new(); n],
        };
        for &root in set.roots() {
            r.file(set, root, 0, (true, false));
        }
        r
    }

    /// The `IgnoreUnknown` lines read before ssh first reaches `loc` (all of them when it never
    /// does).
    pub(crate) fn before(&self, loc: Loc) -> &[(Loc, bool)] {
        let f = loc.file().index();
        // (A line never reached: a file never read, or past a file's end.)
        if self
            .reached
            .get(f)
            .is_none_or(|&n| loc.index() >= n as usize)
        {
            return &self.read;
        }
        let counts = &self.counts[f];
        let k = counts.partition_point(|&(l, _)| l as usize <= loc.index());
        // (Line 0 of a file read has its entry.)
        &self.read[..counts[k - 1].1 as usize]
    }

    /// Read file `id` (`depth` Includes down). `(every, never)`: the file's lines before any
    /// header apply to every host, or to none in the first reading (the `Include` is in a block
    /// that applies only in a final pass).
    fn file(&mut self, set: &ConfigSet, id: FileId, depth: usize, (every, never): (bool, bool)) {
        let f = set.file(id);
        let doc = &f.doc;
        let (mut here, mut none_here) = (every, never);
        for i in 0..doc.line_count() {
            // Reached for the first time: how many were read before it.
            if i as u32 >= self.reached[id.index()] {
                self.reached[id.index()] = i as u32 + 1;
                let (n, counts) = (self.read.len() as u32, &mut self.counts[id.index()]);
                if counts.last().is_none_or(|&(_, m)| m != n) {
                    counts.push((i as u32, n));
                }
            }
            match doc.kind(i) {
                LineKind::Directive(k @ (Keyword::Host | Keyword::Match)) => {
                    (here, none_here) = header_reach(doc, i, k, (every, never));
                }
                LineKind::Directive(Keyword::IgnoreUnknown) if !none_here => {
                    self.read.push((Loc::new(id, i), here))
                }
                LineKind::Directive(Keyword::Include)
                    if depth < crate::config::MAX_INCLUDE_DEPTH =>
                {
                    for &child in f.included_at(i) {
                        self.file(set, child, depth + 1, (here, none_here));
                    }
                }
                _ => {}
            }
        }
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

    /// The reading made once answers, for every line of every file, as a reading from the top
    /// that stops where ssh first reaches the line (the way each question was answered before:
    /// kept here as the reference). Files include each other, themselves, or one twice; headers
    /// apply to every host, to some, or only in a final pass.
    mod reading_once {
        use super::super::IgnoreReading;
        use crate::config::ConfigSet;
        use crate::document::LineKind;
        use crate::keyword::Keyword;
        use crate::loc::{FileId, Loc};
        use proptest::prelude::*;

        /// The reference: the `IgnoreUnknown` lines read before `stop`, from the top.
        fn from_the_top(set: &ConfigSet, stop: Loc) -> Vec<(Loc, bool)> {
            fn file(
                set: &ConfigSet,
                id: FileId,
                depth: usize,
                (every, never): (bool, bool),
                stop: Loc,
                out: &mut Vec<(Loc, bool)>,
            ) -> bool {
                let f = set.file(id);
                let doc = &f.doc;
                let (mut here, mut none_here) = (every, never);
                for i in 0..doc.line_count() {
                    let loc = Loc::new(id, i);
                    if loc == stop {
                        return true;
                    }
                    match doc.kind(i) {
                        LineKind::Directive(k @ (Keyword::Host | Keyword::Match)) => {
                            (here, none_here) =
                                super::super::header_reach(doc, i, k, (every, never));
                        }
                        LineKind::Directive(Keyword::IgnoreUnknown) if !none_here => {
                            out.push((loc, here))
                        }
                        LineKind::Directive(Keyword::Include)
                            if depth < crate::config::MAX_INCLUDE_DEPTH =>
                        {
                            for &child in f.included_at(i) {
                                if file(set, child, depth + 1, (here, none_here), stop, out) {
                                    return true;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                false
            }
            let mut out = Vec::new();
            for &root in set.roots() {
                if file(set, root, 0, (true, false), stop, &mut out) {
                    break;
                }
            }
            out
        }

        /// Line kind `k` (of [`KINDS`]) of one of the three files (`config`, `a`, `b` in `dir`).
        fn line(dir: &str, k: usize) -> String {
            match k {
                0 => "Host *".into(),
                1 => "Host x".into(),
                2 => "Match all".into(),
                3 => "Match final".into(),
                4 => "Match !final".into(),
                5 => "Match canonical host x".into(),
                6 => "IgnoreUnknown Foo".into(),
                7 => "IgnoreUnknown Bar".into(),
                8 => "  Foo 1".into(),
                9 => "  User u".into(),
                10 => String::new(),
                11 => format!("Include {dir}/a"),
                12 => format!("Include {dir}/b"),
                13 => format!("Include {dir}/config"),
                _ => format!("Include {dir}/a {dir}/b"),
            }
        }

        /// How many line kinds [`line`] makes.
        const KINDS: usize = 15;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn reading_once_answers_as_a_reading_from_the_top(
                picks in proptest::collection::vec(
                    (0usize..3, 0..KINDS, proptest::sample::Index::arbitrary()), 0..24)
            ) {
                let dir = tempfile::tempdir().unwrap();
                let d = dir.path().display().to_string();
                let mut texts: [Vec<String>; 3] = Default::default();
                // At most two files named by Includes: a file that includes itself twice is read
                // 2^16 times, as ssh reads it, and the reference reads it again for each line.
                // (Further Includes are made `Foo` lines.)
                let mut named = 0;
                for (f, k, at) in picks {
                    let n = match k {
                        11..=13 => 1,
                        14 => 2,
                        _ => 0,
                    };
                    named += n;
                    let k = if n > 0 && named > 2 { 8 } else { k };
                    // (Inserted anywhere in its file.)
                    let t = &mut texts[f];
                    t.insert(at.index(t.len() + 1), line(&d, k));
                }
                let texts = texts.map(|t| t.iter().map(|l| format!("{l}\n")).collect::<String>());
                for (name, t) in ["config", "a", "b"].iter().zip(&texts) {
                    std::fs::write(dir.path().join(name), t).unwrap();
                }
                let set = ConfigSet::load(&crate::LoadOptions::explicit_file(
                    dir.path().join("config"),
                    dir.path(),
                ))
                .unwrap();
                let reading = IgnoreReading::of(&set);
                for id in set.file_ids() {
                    for i in 0..=set.file(id).doc.line_count() {
                        let loc = Loc::new(id, i);
                        prop_assert_eq!(
                            reading.before(loc),
                            &from_the_top(&set, loc)[..],
                            "{:?} in {:?}",
                            loc,
                            texts
                        );
                    }
                }
            }
        }
    }
}
