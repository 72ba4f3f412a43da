//! One error for embedders that load and edit in one go; each operation has its own error type.

/// What can go wrong reading or editing a config.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error(transparent)]
    Load(#[from] crate::config::LoadError),
    /// An edit cannot be made; the message says why and where.
    #[error(transparent)]
    Edit(#[from] crate::edit::EditError),
}
