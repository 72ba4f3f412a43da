//! What OpenSSH refuses in a [`Document`], line by line: the rejection check
//! ([`crate::diagnose`]) run over its lines, kept with the document.

use super::Document;
use crate::diagnose::{Checker, Checks, Diagnostic};
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
        let checks = self.checks();
        if version.is_none() || !checks.depends_on_version {
            return checks.newest.clone();
        }
        self.check(version).newest
    }

    /// Problems the newest OpenSSH would report, line by line: unknown keywords, arguments it
    /// refuses (each keyword's as `process_config_line` parses them), lines it cannot split.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics_for(None)
    }

    /// Does what this document means depend on which OpenSSH reads it (a keyword, `Match`
    /// criterion or algorithm name that not every supported release knows)? When not, asking the installed
    /// client for its version (`ssh -V`) cannot change any answer.
    pub fn depends_on_openssh_version(&self) -> bool {
        self.checks().depends_on_version
    }
}
