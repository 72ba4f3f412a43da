//! What makes ssh refuse the whole config.

use super::*;
use crate::config::ConfigSet;
use crate::options::OpenSshVersion;

impl ConfigSet {
    /// The first line of the set that makes the newest ssh refuse the whole config, as ssh
    /// reports it.
    pub fn rejection(&self) -> Option<EditError> {
        self.rejection_for(None)
    }

    /// The first line of the set that makes OpenSSH `version` refuse the whole config (`None`:
    /// the newest), as ssh reports it.
    pub fn rejection_for(&self, version: Option<OpenSshVersion>) -> Option<EditError> {
        self.files().iter().find_map(|f| {
            let d = f
                .doc
                .diagnostics_for(version)
                .into_iter()
                .find(|d| d.rejects_config())?;
            Some(EditError::Rejected {
                path: f.path.display().to_string(),
                line: d.line,
                message: d.message,
            })
        })
    }
}
