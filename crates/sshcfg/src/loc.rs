//! Places in a set of files: which file ([`FileId`]), which line ([`Loc`]), and how a place is
//! written for people ([`Place`], `path:line` with 1-based lines, as OpenSSH and compilers
//! write them).

use std::fmt;
use std::path::Path;

/// A file of a [`ConfigSet`](crate::ConfigSet), as the set numbers them (main file first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(transparent))]
pub struct FileId(usize);

impl FileId {
    pub(crate) fn new(index: usize) -> FileId {
        FileId(index)
    }

    /// Its position in [`ConfigSet::files`](crate::ConfigSet::files).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A line in a file of the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Loc {
    file: FileId,
    /// 0-based, as [`Document`](crate::Document) numbers lines.
    index: usize,
}

impl Loc {
    /// Line `index` (0-based, as [`Document`](crate::Document) numbers lines) of `file`.
    pub fn new(file: FileId, index: usize) -> Loc {
        Loc { file, index }
    }

    /// The file.
    pub fn file(self) -> FileId {
        self.file
    }

    /// The line number people read: 1-based, as in messages and [`Place`].
    pub fn line(self) -> usize {
        self.index + 1
    }

    /// The 0-based line index, for [`Document`](crate::Document)'s methods.
    pub fn index(self) -> usize {
        self.index
    }
}

/// `path:line`, for messages (from [`ConfigSet::place`](crate::ConfigSet::place)).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The file's path.
    pub path: &'a Path,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
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
