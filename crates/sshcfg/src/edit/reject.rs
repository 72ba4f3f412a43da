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
        self.files().iter().enumerate().find_map(|(id, f)| {
            let d = f
                .doc
                .diagnostics_for(version)
                .into_iter()
                .find(|d| d.rejects_config())?;
            Some(Rejection {
                loc: Loc::new(FileId::new(id), d.line - 1),
                message: d.message,
            })
        })
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
