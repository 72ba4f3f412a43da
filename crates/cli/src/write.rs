//! Writing a config safely: under a lock, through a temporary file in the same directory that is
//! fsynced and renamed over the original, keeping mode, owner and symlinks.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Follow symlinks to the file that really holds the config (a dotfile manager's link is kept
/// and its target written). A path that does not exist is returned as it is.
pub fn real_path(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(target) => {
                p = if target.is_absolute() {
                    target
                } else {
                    p.parent().unwrap_or(Path::new("/")).join(target)
                };
            }
            Err(_) => break,
        }
    }
    p
}

/// An exclusive lock on the directory that holds the config, held until dropped. Every
/// `codex-fwd` that edits a file in that directory takes it before reading, so concurrent runs
/// serialise their read-modify-write and lose no update. The directory, not the file, is
/// locked because the file is replaced by rename.
pub struct DirLock {
    _dir: File,
}

/// Create `dir` (0700, like `~/.ssh`) if it is missing, then lock it.
pub fn lock_dir(dir: &Path) -> io::Result<DirLock> {
    if !dir.exists() {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        // Under sudo, a new `~/.ssh` belongs to the owner of the home it is made in.
        if let Some(parent) = dir.parent() {
            give_to_owner_of(dir, parent)?;
        }
    }
    let f = File::open(dir)?;
    f.lock()?;
    Ok(DirLock { _dir: f })
}

/// Replace `path` (already resolved with [`real_path`]) by `bytes` atomically: a reader sees the
/// old content or the new, never a mix. Mode and owner are those of the old file; a new file is
/// created `0600`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let old = fs::metadata(path).ok();
    let mut tmp = tempfile::Builder::new()
        .prefix(".codex-fwd-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mode = old.as_ref().map_or(0o600, |m| m.mode() & 0o7777);
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    if let Some(m) = &old {
        // Keep the owner and group (a run under sudo must not hand the user's config to root).
        // Only root can give a file away; anyone else already owns it, and a failure to keep
        // the group is then harmless.
        let me = fs::metadata("/proc/self").map(|s| s.uid()).ok();
        if let Err(e) = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()))
            && me != Some(m.uid())
        {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot keep the file's owner (uid {}): {e}", m.uid()),
            ));
        }
    }
    if old.is_none() {
        // A new config belongs to the owner of its directory (under sudo: the user, not root).
        give_to_owner_of(tmp.path(), dir)?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable.
    if let Ok(d) = OpenOptions::new().read(true).open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// When running as root, make `path` owned by the owner of `like` (a no-op for anyone else, who
/// can only create files they own).
fn give_to_owner_of(path: &Path, like: &Path) -> io::Result<()> {
    let me = fs::metadata("/proc/self")
        .map(|s| s.uid())
        .unwrap_or(u32::MAX);
    if me != 0 {
        return Ok(());
    }
    let m = fs::metadata(like)?;
    if m.uid() != 0 {
        std::os::unix::fs::chown(path, Some(m.uid()), Some(m.gid()))?;
    }
    Ok(())
}
