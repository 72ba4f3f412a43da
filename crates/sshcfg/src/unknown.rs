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
            && self.reads_before(iu.loc, line)
    }
}

#[cfg(test)]
mod tests {
    use crate::{ConfigSet, LoadOptions, ResolveContext};
    use std::path::Path;

    #[test]
    fn ignore_unknown_in_a_host_block_covers_that_host_only() {
        let text = b"Host a\n  IgnoreUnknown UseKeychain\n  UseKeychain yes\nHost b\n  User x\n";
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
        // Below the line, it does not cover it (ssh reads in order).
        let text = b"Host a\n  UseKeychain yes\n  IgnoreUnknown UseKeychain\n";
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
