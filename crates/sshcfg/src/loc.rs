//! Places in a set of files.

/// Index of a file in a [`ConfigSet`](crate::ConfigSet).
pub type FileId = usize;

/// A line in a file of the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Loc {
    /// The file.
    pub file: FileId,
    /// 0-based line index.
    pub line: usize,
}

/// A value with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub loc: Loc,
}
