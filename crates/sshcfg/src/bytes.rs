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

    /// Hand a mapping's pages back to the kernel (bytes in memory are left as they are): the
    /// process no longer holds them, and reading the bytes again reads them from the file's
    /// cached pages (the same bytes, under the type's note on truncation). A reader that goes
    /// through a large file once, front to back, calls it now and then so that the file is not
    /// held whole.
    pub(crate) fn release_pages(&self) {
        #[cfg(unix)]
        if let Storage::Mapped(m) = &*self.0 {
            // SAFETY: the mapping is a shared, read-only mapping of a file (`Mmap::map`):
            // `MADV_DONTNEED` drops only this process's page-table entries, and a later read
            // faults the file's same pages back in (no byte reads differently, as it would in a
            // private or anonymous mapping). It is only advice: a failure changes nothing.
            let _ = unsafe { m.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::FileBytes;

    /// The resident size, in KiB, of this process's mapping that starts at `addr`.
    fn resident_kib(addr: usize) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut lines = smaps.lines();
        while let Some(l) = lines.next() {
            let start = l.split('-').next().map(|s| usize::from_str_radix(s, 16));
            if start == Some(Ok(addr)) {
                for l in lines.by_ref() {
                    if let Some(v) = l.strip_prefix("Rss:") {
                        return v.trim().trim_end_matches("kB").trim().parse().unwrap();
                    }
                }
            }
        }
        panic!("no mapping at {addr:#x}");
    }

    #[test]
    fn released_pages_are_no_longer_held_and_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let text: Vec<u8> = (0..4 << 20).map(|i| b"Host h\n"[i % 7]).collect();
        std::fs::write(&path, &text).unwrap();
        let b = FileBytes::map(&std::fs::File::open(&path).unwrap()).unwrap();
        let addr = b.as_ptr() as usize;
        // Reading every byte brings every page in.
        assert_eq!(&*b, &text[..]);
        assert!(resident_kib(addr) >= 4096, "{}", resident_kib(addr));
        b.release_pages();
        assert_eq!(resident_kib(addr), 0);
        assert_eq!(&*b, &text[..]);
        // Bytes in memory are kept.
        let owned = FileBytes::from(text.clone());
        owned.release_pages();
        assert_eq!(&*owned, &text[..]);
    }
}
