//! A file's bytes, shared: read into memory, or mapped from a large regular file.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Files at least this large are mapped instead of read (below it, `read` is as fast and a
/// mapping's set-up is not worth it).
#[cfg_attr(not(unix), allow(dead_code))] // only Unix maps (config::read_file_bytes)
pub(crate) const MAP_AT_LEAST: u64 = 1 << 20;

enum Storage {
    Owned(Vec<u8>),
    Shared(Arc<Vec<u8>>),
    #[cfg_attr(not(unix), allow(dead_code))]
    Mapped(memmap2::Mmap),
}

/// A file's bytes, shared (cloning is cheap): owned, or mapped read-only from a regular file.
///
/// A mapped file is read in place, without a copy. Like every reader of a mapping, it assumes
/// the file is not truncated while it is read: editors and this crate's users replace a config
/// by renaming a new file over it, which leaves the mapped one intact.
#[derive(Clone)]
pub struct FileBytes(Arc<Storage>);

impl FileBytes {
    /// Map `file` (a regular file) read-only.
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) fn map(file: &std::fs::File) -> std::io::Result<FileBytes> {
        // SAFETY: the mapping is read-only and private to this process; see the type's note on
        // truncation by another process.
        let map = unsafe { memmap2::Mmap::map(file)? };
        Ok(FileBytes(Arc::new(Storage::Mapped(map))))
    }

    /// Is this a mapping of a file (rather than bytes in memory)?
    pub fn is_mapped(&self) -> bool {
        matches!(*self.0, Storage::Mapped(_))
    }

    /// The bytes as a vector (a copy when shared or mapped).
    pub fn into_vec(self) -> Vec<u8> {
        if Arc::strong_count(&self.0) > 1 {
            return self.to_vec();
        }
        match Arc::try_unwrap(self.0) {
            Ok(Storage::Owned(v)) => v,
            Ok(Storage::Shared(v)) => Arc::try_unwrap(v).unwrap_or_else(|v| (*v).clone()),
            Ok(Storage::Mapped(m)) => m.to_vec(),
            Err(shared) => FileBytes(shared).to_vec(),
        }
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(v: Vec<u8>) -> FileBytes {
        FileBytes(Arc::new(Storage::Owned(v)))
    }
}

impl From<Arc<Vec<u8>>> for FileBytes {
    fn from(v: Arc<Vec<u8>>) -> FileBytes {
        FileBytes(Arc::new(Storage::Shared(v)))
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &*self.0 {
            Storage::Owned(v) => v,
            Storage::Shared(v) => v,
            Storage::Mapped(m) => m,
        }
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl PartialEq for FileBytes {
    fn eq(&self, other: &FileBytes) -> bool {
        **self == **other
    }
}

impl Eq for FileBytes {}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FileBytes({} bytes{})",
            self.len(),
            if self.is_mapped() { ", mapped" } else { "" }
        )
    }
}
