//! What makes ssh refuse the whole config.

use super::error::Rejection;
use crate::config::ConfigSet;
use crate::loc::{FileId, Loc};
use crate::options::OpenSshVersion;

impl ConfigSet {
    /// The first line of the set that makes the newest ssh refuse the whole config, as ssh
    /// reports it.
    pub fn rejection(&self) -> Option<Rejection> {
        self.rejection_for(None)
    }

    /// The first line of the set that makes OpenSSH `version` refuse the whole config (`None`:
    /// the newest), as ssh reports it.
    pub fn rejection_for(&self, version: Option<OpenSshVersion>) -> Option<Rejection> {
        self.first_rejection(version, |_, _| true)
    }

    /// The first line, in the order ssh reads the set, that makes `version` refuse the config
    /// and that `counts`: each file's lines in order, an `Include`'s files read where the
    /// `Include` stands (ssh prints its first error there, and stops at the end of the file
    /// that holds it).
    pub(crate) fn first_rejection(
        &self,
        version: Option<OpenSshVersion>,
        mut counts: impl FnMut(FileId, &crate::Diagnostic) -> bool,
    ) -> Option<Rejection> {
        let mut first_of = |id: FileId| {
            self.file(id)
                .doc
                .diagnostics_for(version)
                .into_iter()
                .find(|d| d.rejects_config() && counts(id, d))
                .map(|d| Rejection {
                    loc: Loc::new(id, d.line - 1),
                    message: d.message,
                })
        };
        self.roots()
            .iter()
            .find_map(|&root| self.in_reading_order(root, 0, &mut first_of))
    }

    /// [`ConfigSet::first_rejection`] from file `id`, `depth` Includes down.
    fn in_reading_order(
        &self,
        id: FileId,
        depth: usize,
        first_of: &mut dyn FnMut(FileId) -> Option<Rejection>,
    ) -> Option<Rejection> {
        let own = first_of(id);
        let stop = own.as_ref().map_or(usize::MAX, |r| r.loc.index());
        if depth < crate::config::MAX_INCLUDE_DEPTH {
            for (line, children) in &self.file(id).includes {
                if *line >= stop {
                    break;
                }
                for &child in children {
                    if let Some(r) = self.in_reading_order(child, depth + 1, first_of) {
                        return Some(r);
                    }
                }
            }
        }
        own
    }
}

/// Whether [`ConfigSet::enable`] runs its pass over every line for what ssh rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RejectionCheck {
    /// Run it.
    Run,
    /// Skip it: the caller checked this config, or one it was edited from (edits only add lines
    /// this library writes and remove forward lines and emptied blocks, which cannot make ssh
    /// reject a config it accepts).
    Known,
}
