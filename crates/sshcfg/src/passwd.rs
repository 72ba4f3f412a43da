//! The password database entry of the user this process runs as, as ssh reads it
//! (`getpwuid_r`: macOS directory services, LDAP and SSSD answer too).

use std::path::PathBuf;

/// A field of the real uid's `passwd` entry, as bytes (`None`: no entry, or a null field).
#[cfg(unix)]
pub(crate) fn field(pick: impl Fn(&libc::passwd) -> *mut libc::c_char) -> Option<Vec<u8>> {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let mut buf = vec![0u8; 1024];
    loop {
        // SAFETY: all-zero bytes are a valid `passwd` (null pointers, zero ids).
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: `pw`, `buf` and `result` outlive the call; `buf.len()` is its real size.
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pw,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 4, 0);
            continue;
        }
        let ptr = pick(&pw);
        if rc != 0 || result.is_null() || ptr.is_null() {
            return None;
        }
        // SAFETY: on success the field points to a NUL-terminated string inside `buf`.
        return Some(unsafe { std::ffi::CStr::from_ptr(ptr) }.to_bytes().to_vec());
    }
}

/// The home directory the password database gives the user this process runs as: where ssh
/// reads `~/.ssh/config` (it expands `~` in `Include` with `$HOME`, which may differ). `None`
/// off Unix, or without an entry.
pub fn passwd_home() -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = field(|pw| pw.pw_dir)?;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(&dir)))
    }
    #[cfg(not(unix))]
    {
        None
    }
}
