//! What makes ssh refuse the whole config.

use super::*;
use crate::config::ConfigSet;
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
