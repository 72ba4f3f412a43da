//! A private ssh ControlMaster for one login: the login's own connection shares itself through
//! a socket in a private directory, so that the relay's requests run on the host without a
//! second authentication. Unix only; OpenSSH for Windows has no connection sharing, and there
//! each request is a connection of its own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::ssh::{Control, RemoteTty, Ssh};

/// The options every relay request's ssh gets: no master of its own, no forwards (the config's
/// would be asked for again), the shell command it is given and no terminal (bytes, not a
/// screen), never a prompt (through the master none is needed; without it, a prompt would wait
/// for no one).
pub(crate) const REQUEST_OPTS: [&str; 4] = [
    "ClearAllForwardings=yes",
    "RemoteCommand=none",
    "SessionType=default",
    "BatchMode=yes",
];

/// A control socket in a directory only this user can enter (mode 0700), removed with it.
#[derive(Debug)]
pub(crate) struct Master {
    dir: tempfile::TempDir,
}

impl Master {
    /// A new private directory for the socket. Under the system's temporary directory, unless
    /// that path holds characters ssh would expand in a `ControlPath` (`%`, `~`) or split
    /// (whitespace), or is too long for a socket address: then under `/tmp`.
    pub(crate) fn new() -> std::io::Result<Master> {
        Master::under(std::env::temp_dir())
    }

    /// [`Master::new`] with `base` as the system's temporary directory.
    fn under(base: PathBuf) -> std::io::Result<Master> {
        let plain = base
            .to_str()
            .is_some_and(|s| !s.contains(['%', '~', ' ', '\t', '"', '\'']) && s.len() < 60);
        let base = if plain { base } else { PathBuf::from("/tmp") };
        let mut builder = tempfile::Builder::new();
        builder.prefix("codex-fwd-");
        #[cfg(unix)]
        {
            // Created so (the default is 0777 less the umask): no one else can reach the socket.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir_in(base)?;
        Ok(Master { dir })
    }

    /// The socket's path.
    pub(crate) fn socket(&self) -> PathBuf {
        self.dir.path().join("ctl")
    }

    /// The options that make the login's ssh this master, and end it with the login.
    pub(crate) fn master_opts(&self) -> Vec<String> {
        vec![
            "ControlMaster=yes".to_string(),
            format!("ControlPath={}", self.socket().display()),
            "ControlPersist=no".to_string(),
        ]
    }

    /// `ssh [-F FILE] -S SOCKET -o ControlMaster=no -o OPT... [-l USER] -T -- HOST`: the start
    /// of one relay request's command line (the remote command follows).
    pub(crate) fn request_argv(
        &self,
        config: Option<&Path>,
        user: Option<&str>,
        host: &str,
    ) -> Vec<OsString> {
        Ssh::new()
            .config(config)
            .control_socket(&self.socket())
            .option("ControlMaster=no")
            .options(REQUEST_OPTS)
            .user(user)
            .tty(RemoteTty::No)
            .destination(host)
            .argv()
    }

    /// Asks the master to exit (`ssh -O exit`), when its socket is still there.
    pub(crate) fn close(&self, config: Option<&Path>, host: &str) {
        if !self.socket().exists() {
            return;
        }
        let mut cmd = Ssh::new()
            .config(config)
            .control_socket(&self.socket())
            .control(Control::Exit)
            .destination(host)
            .command();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // (A master that does not answer is not waited for: the login's end must not hang.)
        let _ = crate::system::status_within(&mut cmd, std::time::Duration::from_secs(5));
    }
}

/// Without a master (OpenSSH for Windows): each request is `ssh [-F FILE] -o ControlPath=none
/// -o OPT... [-l USER] -T -- HOST`, a connection of its own, which may authenticate (no
/// `BatchMode`).
pub(crate) fn unshared_request_argv(
    config: Option<&Path>,
    user: Option<&str>,
    host: &str,
) -> Vec<OsString> {
    Ssh::new()
        .config(config)
        .option("ControlPath=none")
        .options(&REQUEST_OPTS[..3])
        .user(user)
        .tty(RemoteTty::No)
        .destination(host)
        .argv()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[OsString]) -> Vec<String> {
        v.iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[cfg(unix)]
    #[test]
    fn a_private_socket_directory_removed_with_the_master() {
        use std::os::unix::fs::PermissionsExt;
        let m = Master::new().unwrap();
        let dir = m.socket().parent().unwrap().to_path_buf();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let opts = m.master_opts();
        assert_eq!(
            opts,
            [
                "ControlMaster=yes".to_string(),
                format!("ControlPath={}", m.socket().display()),
                "ControlPersist=no".to_string()
            ]
        );
        // No socket (no master ran): closing asks nothing.
        m.close(None, "web");
        drop(m);
        assert!(!dir.exists());
    }

    /// A temporary directory whose path is long (a socket address holds about 104 bytes) or
    /// holds what ssh would expand or split in a ControlPath is not used: the socket goes
    /// under /tmp, and its path stays short and plain.
    #[cfg(unix)]
    #[test]
    fn a_long_or_odd_temporary_directory_is_not_used() {
        let long = tempfile::tempdir().unwrap();
        let deep = long.path().join("x".repeat(120));
        std::fs::create_dir_all(&deep).unwrap();
        let odd = long.path().join("a %h ~");
        std::fs::create_dir_all(&odd).unwrap();
        for base in [deep, odd] {
            let m = Master::under(base.clone()).unwrap();
            let sock = m.socket();
            assert!(sock.starts_with("/tmp"), "{}", sock.display());
            assert!(sock.as_os_str().len() < 60, "{}", sock.display());
            assert!(!base.read_dir().unwrap().any(|_| true));
        }
        let m = Master::under(long.path().to_path_buf()).unwrap();
        assert!(m.socket().starts_with(long.path()));
    }

    #[test]
    fn request_command_lines() {
        let m = Master::new().unwrap();
        let sock = m.socket().display().to_string();
        assert_eq!(
            strings(&m.request_argv(Some(Path::new("/c")), Some("me"), "web")),
            [
                "ssh",
                "-F",
                "/c",
                "-S",
                &sock,
                "-o",
                "ControlMaster=no",
                "-o",
                "ClearAllForwardings=yes",
                "-o",
                "RemoteCommand=none",
                "-o",
                "SessionType=default",
                "-o",
                "BatchMode=yes",
                "-l",
                "me",
                "-T",
                "--",
                "web"
            ]
        );
        // Without sharing: a connection of its own, which may authenticate (no BatchMode).
        assert_eq!(
            strings(&unshared_request_argv(None, None, "web")),
            [
                "ssh",
                "-o",
                "ControlPath=none",
                "-o",
                "ClearAllForwardings=yes",
                "-o",
                "RemoteCommand=none",
                "-o",
                "SessionType=default",
                "-T",
                "--",
                "web"
            ]
        );
    }
}
