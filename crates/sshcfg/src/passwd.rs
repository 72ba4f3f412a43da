//! The password database entry of the user this process runs as, as ssh reads it
//! (`getpwuid_r`, through `uzers`: macOS directory services, LDAP and SSSD answer too).

use std::path::PathBuf;

/// The real uid's `passwd` entry (`None`: no entry).
#[cfg(unix)]
pub(crate) fn entry() -> Option<uzers::User> {
    uzers::get_user_by_uid(uzers::get_current_uid())
}

/// The home directory the password database gives the user `name` (`getpwnam`, as glob(3)'s
/// `GLOB_TILDE` reads `~name` in an `Include` path): the name is bytes, as `getpwnam` takes
/// it. `None` for no such user, and off Unix.
pub(crate) fn home_of(name: &[u8]) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        use uzers::os::unix::UserExt as _;
        let name = std::ffi::OsStr::from_bytes(name);
        Some(uzers::get_user_by_name(name)?.home_dir().to_path_buf())
    }
    #[cfg(not(unix))]
    {
        let _ = name;
        None
    }
}

/// The home directory the password database gives the user this process runs as: where ssh
/// reads `~/.ssh/config` (it expands `~` in `Include` with `$HOME`, which may differ). `None`
/// off Unix, or without an entry.
pub fn passwd_home() -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use uzers::os::unix::UserExt as _;
        Some(entry()?.home_dir().to_path_buf()).filter(|d| !d.as_os_str().is_empty())
    }
    #[cfg(not(unix))]
    {
        None
    }
}
