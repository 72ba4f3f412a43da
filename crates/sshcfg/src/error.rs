//! Errors, each one line naming what is wrong and where.

use std::path::PathBuf;

/// What can go wrong reading or editing a config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{}: cannot read: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The host name is not one literal name ssh would read as such.
    #[error(transparent)]
    Host(#[from] crate::host::HostError),
    /// An edit cannot be made; the message says why and where.
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
}
