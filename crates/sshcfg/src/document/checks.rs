//! What OpenSSH refuses in a [`Document`], line by line: the rejection check
//! ([`crate::diagnose`]) run over its lines, kept with the document.

use super::Document;
use crate::diagnose::{Checker, Checks, Diagnostic};
use crate::keyword::Keyword;
use crate::lexer::{LexedLine, LineKind};
use crate::options::OpenSshVersion;

/// The diagnostics layer of a [`Document`]: what OpenSSH would report, line by line.
impl Document {
    /// What the newest ssh refuses in this document, line by line, and whether another
    /// release's answer could differ.
    pub(crate) fn checks(&self) -> &Checks {
        self.checks.get_or_init(|| self.check(None))
    }

    /// The rejection check as OpenSSH `version` (`None`: the newest) reads this document.
    pub(super) fn check(&self, version: Option<OpenSshVersion>) -> Checks {
        let mut checker = Checker::new(version);
        for l in self.sweep() {
            checker.line(&l);
        }
        checker.finish()
    }

    /// As [`Document::diagnostics`], for a given OpenSSH client: keywords, `Match` criteria and
    /// algorithm names it does not know are refused as it refuses them (`None`: the newest
    /// OpenSSH).
    pub fn diagnostics_for(&self, version: Option<OpenSshVersion>) -> Vec<Diagnostic> {
        self.checks_of(version, |c| c.newest.clone())
    }

    /// `f` of the rejection check as OpenSSH `version` reads this document: the newest's when
    /// the answer cannot depend on the release, else the release's, kept for the next question
    /// about the same release (asked for every host of a run, a sweep each would make the run
    /// quadratic in the config's size).
    fn checks_of<T>(&self, version: Option<OpenSshVersion>, f: impl FnOnce(&Checks) -> T) -> T {
        let checks = self.checks();
        let Some(v) = version.filter(|_| checks.depends_on_version) else {
            return f(checks);
        };
        match self.checks_for.get_or_init(|| (v, self.check(Some(v)))) {
            (w, c) if *w == v => f(c),
            // (Another release than the one kept: rare, not kept.)
            _ => f(&self.check(Some(v))),
        }
    }

    /// Problems the newest OpenSSH would report, line by line: unknown keywords, arguments it
    /// refuses (each keyword's as `process_config_line` parses them), lines it cannot split.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics_for(None)
    }

    /// Does what this document means depend on which OpenSSH reads it (a keyword, `Match`
    /// criterion or algorithm name that not every supported release knows, or `%j` in a value
    /// ssh.c expands)? When not, asking the installed client for its version (`ssh -V`) cannot
    /// change any answer.
    pub fn depends_on_openssh_version(&self) -> bool {
        self.checks().depends_on_version
    }

    /// `f` of [`Document::diagnostics_for`] `version` (borrowed, as the document keeps them)
    /// and of whether the file's own first `IgnoreUnknown` covered a keyword `version` does not
    /// know (see `Checks::took_ignore_unknown`): one check gives both.
    pub(crate) fn with_diagnostics_and_own_cover_for<T>(
        &self,
        version: Option<OpenSshVersion>,
        f: impl FnOnce(&[Diagnostic], bool) -> T,
    ) -> T {
        self.checks_of(version, |c| f(&c.newest, c.took_ignore_unknown))
    }
}

/// The lines a splice re-reads ([`Document::with_spliced_bytes`]), as the rejection check sees
/// them, each read with no line before it: enough to tell whether a document's checks carry
/// over to the spliced one ([`carried`]).
pub(super) struct Reread<'a> {
    /// The text of each line that passes the check's state on to the lines after it (a block
    /// header, `IgnoreUnknown`), in order.
    state: Vec<&'a [u8]>,
    /// Every other line handed on is a keyword the newest ssh knows: what the check finds in
    /// it does not depend on the lines before it (only an unknown keyword's does, through an
    /// `IgnoreUnknown` and the header it stands under).
    alone: bool,
    checker: Checker<'a>,
}

impl<'a> Reread<'a> {
    /// Before any line.
    pub(super) fn new() -> Reread<'a> {
        Reread {
            state: Vec::new(),
            alone: true,
            checker: Checker::new(None),
        }
    }

    /// The next line the reading pass hands on.
    pub(super) fn line(&mut self, l: &LexedLine<'a>) {
        match l.kind {
            LineKind::Directive(Keyword::Host | Keyword::Match | Keyword::IgnoreUnknown) => {
                self.state.push(l.text)
            }
            LineKind::Directive(_) if l.spec.is_some() => {}
            _ => self.alone = false,
        }
        self.checker.line(l);
    }
}

/// The checks of a document whose checks were `before`, after its re-read lines `old` were
/// replaced by the lines `new`, when that can be told without reading the rest: `before` found
/// nothing the newest ssh refuses, both hold the same headers and `IgnoreUnknown` lines in the
/// same order (so every other line is checked in the same state as before, and
/// finds nothing again), and the new lines are keywords ssh knows in which the check finds
/// nothing. `None` when it cannot be told so (the spliced document is then checked when asked).
pub(super) fn carried(before: &Checks, old: Reread<'_>, new: Reread<'_>) -> Option<Checks> {
    if !before.newest.is_empty() || !new.alone || old.state != new.state {
        return None;
    }
    let (old, new) = (old.checker.finish(), new.checker.finish());
    if !new.newest.is_empty() {
        return None;
    }
    // Whether another release could differ is an "or" over the lines: the lines kept bring
    // what they brought before, unless the lines that went brought it.
    let depends_on_version = match (before.depends_on_version, new.depends_on_version) {
        (false, d) => d,
        (true, true) => true,
        (true, false) if !old.depends_on_version => true,
        (true, false) => return None,
    };
    Some(Checks {
        newest: Vec::new(),
        depends_on_version,
        // (Kept when the lines that went took it: it only asks for a look.)
        took_ignore_unknown: before.took_ignore_unknown || new.took_ignore_unknown,
    })
}

#[cfg(test)]
mod tests {
    use super::Document;
    use crate::OpenSshVersion;

    /// A release's check is made once and kept (every host of a run asks it again), and each
    /// release still gets its own answer: the first kept, another made afresh.
    #[test]
    fn a_releases_check_is_kept_for_the_next_question() {
        let doc = Document::parse(b"Host a\n  PermitRemoteOpen any\n  Bogus 1\n".to_vec());
        assert!(doc.checks().depends_on_version);
        let (old, new) = (OpenSshVersion::new(8, 0), OpenSshVersion::new(9, 2));
        let fresh = |v| doc.check(Some(v)).newest;
        assert!(doc.checks_for.get().is_none());
        for v in [old, new, old, new] {
            assert_eq!(doc.diagnostics_for(Some(v)), fresh(v));
            assert_eq!(
                doc.with_diagnostics_and_own_cover_for(Some(v), |d, _| d.to_vec()),
                fresh(v)
            );
        }
        assert_eq!(doc.checks_for.get().map(|(v, _)| *v), Some(old));
        // (8.0 knows no PermitRemoteOpen: the releases' answers differ.)
        assert_ne!(fresh(old), fresh(new));
    }
}
