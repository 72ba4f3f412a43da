//! What `doctor` and `tunnel` ask of the running system: is a local port taken, and by whom; are
//! the config files' owner and mode ones OpenSSH accepts.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Who holds a local TCP port.
#[derive(Debug, Clone)]
pub struct PortOwner {
    /// Process id, when /proc shows it.
    pub pid: Option<u32>,
    /// Process name, when /proc shows it.
    pub name: Option<String>,
}

impl std::fmt::Display for PortOwner {
    /// `name (pid N)`, or "another process" when /proc does not say.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, self.pid) {
            (Some(n), Some(p)) => write!(f, "{n} (pid {p})"),
            _ => f.write_str("another process"),
        }
    }
}

/// Is `127.0.0.1:port` (or `[::1]:port`) taken? Found by trying to bind, as ssh would.
pub fn port_in_use(port: u16) -> Option<PortOwner> {
    let v4 = TcpListener::bind(("127.0.0.1", port));
    let v6 = TcpListener::bind(("::1", port));
    let busy = |r: &std::io::Result<TcpListener>| matches!(r, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse);
    if !busy(&v4) && !busy(&v6) {
        return None;
    }
    drop((v4, v6));
    Some(owner_of(port))
}

/// The listening socket's inode from /proc/net/tcp{,6}, then the process whose fds hold it.
fn owner_of(port: u16) -> PortOwner {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[3] != "0A" {
                continue; // not LISTEN
            }
            let local_port = f[1]
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) {
                inodes.push(format!("socket:[{}]", f[9]));
            }
        }
    }
    let none = PortOwner {
        pid: None,
        name: None,
    };
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return none;
    };
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path())
                && inodes.iter().any(|i| target.as_os_str() == i.as_str())
            {
                let name = std::fs::read_to_string(p.path().join("comm"))
                    .ok()
                    .map(|s| s.trim().to_string());
                return PortOwner {
                    pid: Some(pid),
                    name,
                };
            }
        }
    }
    none
}

/// OpenSSH's check of a config file it reads with `SSHCONF_CHECKPERM` (the user config and every
/// included file): owned by the user or root, and not writable by group or others.
pub fn bad_permissions(path: &Path) -> Option<String> {
    let m = std::fs::metadata(path).ok()?;
    let me = std::fs::metadata("/proc/self").ok()?.uid();
    if m.uid() != 0 && m.uid() != me {
        return Some(format!(
            "owned by uid {}, not by you (uid {me}) or root",
            m.uid()
        ));
    }
    if m.mode() & 0o022 != 0 {
        return Some(format!(
            "mode {:04o} lets group or others write it",
            m.mode() & 0o7777
        ));
    }
    None
}
