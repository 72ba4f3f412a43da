//! What ssh refuses for one host after it has read the whole config: the checks ssh.c's
//! `main` makes on the options it obtained, before it connects (and before `ssh -G` prints
//! them). Each stops ssh with a `fatal`, so the host cannot be reached however its forwards
//! are written.
//!
//! From ssh.c at V_9_2_P1, in its order, each checked with `ssh -G` 9.2p1:
//! - `HostName` is `percent_expand`ed with `%h` alone: another `%` token is "unknown key", a
//!   `%` at the end "invalid format";
//! - a `ProxyJump` whose last hop is the host itself (after `HostName`, lowercased), with the
//!   same port and user, is "jumphost loop via HOST" (`Host *` / `ProxyJump bastion` makes
//!   `ssh bastion` fail);
//! - `ProxyCommand -` with `ProxyUseFDPass yes`;
//! - `ConnectionAttempts 0`;
//! - `ForkAfterAuthentication yes` without a `RemoteCommand` (and `SessionType` not `none`):
//!   "Cannot fork into background without a command to execute." (no command can be given on
//!   `ssh HOST`'s command line here, as `ssh -G` takes none).
//!
//! Each option keeps its first obtained value, as readconf.c does; `ProxyCommand` and
//! `ProxyJump` exclude each other (the first that applies wins, `parse_jump`).

use super::{Note, Resolution, ResolveContext};
use crate::config::ConfigSet;
use crate::diagnose::value;
use crate::document::Document;
use crate::keyword::table;
use crate::loc::Loc;
use crate::setting;

/// The keywords these checks read, by position in [`table::KEYWORDS`].
struct Watched {
    connection_attempts: u8,
    fork: u8,
    remote_command: u8,
    session_type: u8,
    proxy_command: u8,
    proxy_jump: u8,
    fdpass: u8,
}

fn watched() -> &'static Watched {
    static W: std::sync::OnceLock<Watched> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        let at = |k: &str| table::lookup_index(k.as_bytes()).expect("a keyword of the table");
        Watched {
            connection_attempts: at("connectionattempts"),
            fork: at("forkafterauthentication"),
            remote_command: at("remotecommand"),
            session_type: at("sessiontype"),
            proxy_command: at("proxycommand"),
            proxy_jump: at("proxyjump"),
            fdpass: at("proxyusefdpass"),
        }
    })
}

/// The lines that gave the first obtained value of each option these checks read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Obtained {
    connection_attempts: Option<Loc>,
    fork: Option<Loc>,
    remote_command: Option<Loc>,
    session_type: Option<Loc>,
    /// The first `ProxyCommand` or `ProxyJump` that applied (the other is then ignored).
    proxy: Option<Loc>,
    fdpass: Option<Loc>,
}

impl Obtained {
    /// Line `loc` (of `doc`) applies to the host: keep it if it gives a first value.
    #[inline]
    pub(crate) fn note(&mut self, doc: &Document, loc: Loc) {
        let Some(i) = doc.spec_index(loc.index()) else {
            return;
        };
        let w = watched();
        let slot = match i {
            k if k == w.connection_attempts => &mut self.connection_attempts,
            k if k == w.fork => &mut self.fork,
            k if k == w.remote_command => &mut self.remote_command,
            k if k == w.session_type => &mut self.session_type,
            k if k == w.proxy_command || k == w.proxy_jump => &mut self.proxy,
            k if k == w.fdpass => &mut self.fdpass,
            _ => return,
        };
        slot.get_or_insert(loc);
    }
}

/// The first argument of line `loc`.
fn first_arg(set: &ConfigSet, loc: Loc) -> Vec<u8> {
    let raw = set.file(loc.file()).doc.raw_args(loc.index());
    crate::lexer::Argv::new(raw, 0)
        .next()
        .and_then(Result::ok)
        .map(|t| t.value.into_owned())
        .unwrap_or_default()
}

/// The text a command keyword stores (`parse_command`: the rest of the line after blanks and
/// `=`, as written).
fn command(set: &ConfigSet, loc: Loc) -> &[u8] {
    let raw = set.file(loc.file()).doc.raw_args(loc.index());
    let n = raw
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'='))
        .count();
    &raw[n..]
}

fn is_yes(v: &[u8]) -> bool {
    v.eq_ignore_ascii_case(b"yes") || v.eq_ignore_ascii_case(b"true")
}

/// `percent_expand(hostname, "h", host)`: `Err` is ssh's message.
fn expand_hostname(hostname: &[u8], host: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(hostname.len());
    let mut i = 0;
    while i < hostname.len() {
        if hostname[i] != b'%' {
            out.push(hostname[i]);
            i += 1;
            continue;
        }
        match hostname.get(i + 1) {
            Some(b'%') => out.push(b'%'),
            Some(b'h') => out.extend_from_slice(host),
            Some(&c) => {
                return Err(format!(
                    "vdollar_percent_expand: unknown key %{}",
                    value::vis(&[c])
                ));
            }
            None => return Err("vdollar_percent_expand: invalid format".into()),
        }
        i += 2;
    }
    Ok(out)
}

/// The first thing ssh.c refuses for host `r` after reading the config, if any. `name` is the
/// host name the final pass was read with, if there was one.
pub(crate) fn refusal(
    set: &ConfigSet,
    r: &Resolution,
    o: &Obtained,
    ctx: &ResolveContext,
    name: Option<&[u8]>,
) -> Option<Note> {
    let fatal = |loc: Loc, message: String| Some(Note { loc, message });
    // The host ssh connects to: HostName with `%h` expanded (a bad `%` sequence is fatal
    // whatever else the config says), the host as given without one. Built only when a jump
    // host is compared with it.
    let hostname = r.get::<setting::HostName>();
    let expanded = match hostname {
        Some(hn) if hn.value.contains('%') => {
            match expand_hostname(hn.value.as_bytes(), r.host.as_bytes()) {
                Ok(h) => Some(h),
                Err(m) => return fatal(hn.loc, m),
            }
        }
        _ => None,
    };
    let host = || {
        if let Some(n) = name {
            return n.to_vec();
        }
        let host = expanded.clone().unwrap_or_else(|| {
            hostname
                .map_or(r.host.as_bytes(), |hn| hn.value.as_bytes())
                .to_vec()
        });
        let family = r
            .get::<setting::AddressFamily>()
            .map_or(crate::options::AddressFamily::Any, |f| f.value);
        super::hostname::ssh_host_name(&host, family)
    };
    let user = r
        .get::<setting::User>()
        .as_ref()
        .map_or(ctx.local_user.as_bytes(), |u| u.value.as_bytes());
    let port = r
        .get::<setting::Port>()
        .as_ref()
        .and_then(|p| value::a2port(p.value.as_bytes()))
        .unwrap_or(22);
    let mut proxy_command: Option<&[u8]> = None;
    if let Some(loc) = o.proxy {
        let doc = &set.file(loc.file()).doc;
        let is_jump = doc.spec(loc.index()).is_some_and(|s| s.name == "proxyjump");
        if is_jump {
            if let Some(hop) = value::jump_target(command(set, loc)) {
                let jump_user = hop.user.as_deref().unwrap_or(user);
                if hop.port.unwrap_or(22) == port && jump_user == user && hop.host == host() {
                    return fatal(loc, format!("jumphost loop via {}", value::vis(&hop.host)));
                }
            }
        } else {
            proxy_command = Some(command(set, loc));
        }
    }
    if let (Some(b"-"), Some(fd)) = (proxy_command, o.fdpass)
        && is_yes(&first_arg(set, fd))
    {
        return fatal(
            fd,
            "ProxyCommand=- and ProxyUseFDPass are incompatible".into(),
        );
    }
    // `parse_int` refuses a negative value while reading, so this is 0 (`0`, `-0`, `+00`).
    if let Some(loc) = o.connection_attempts
        && std::str::from_utf8(&first_arg(set, loc))
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            == Some(0)
    {
        return fatal(loc, "Invalid number of ConnectionAttempts".into());
    }
    if let Some(loc) = o.fork
        && is_yes(&first_arg(set, loc))
    {
        let remote = o
            .remote_command
            .is_some_and(|c| !command(set, c).eq_ignore_ascii_case(b"none"));
        let no_session = o
            .session_type
            .is_some_and(|s| first_arg(set, s).eq_ignore_ascii_case(b"none"));
        if !remote && !no_session {
            return fatal(
                loc,
                "Cannot fork into background without a command to execute.".into(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::expand_hostname;
    use crate::diagnose::value::{JumpHop, jump_target};

    #[test]
    fn hostname_expands_h_and_percent_only() {
        assert_eq!(expand_hostname(b"%h.x%%", b"a").unwrap(), b"a.x%");
        assert_eq!(
            expand_hostname(b"%z", b"a").unwrap_err(),
            "vdollar_percent_expand: unknown key %z"
        );
        assert_eq!(
            expand_hostname(b"a%", b"a").unwrap_err(),
            "vdollar_percent_expand: invalid format"
        );
    }

    /// What ssh -G -F (OpenSSH 9.2p1) says of each config for host `b` (or `bastion`): the
    /// jump loop compares the lowercased HostName (`%h` expanded) with the hop as written.
    #[test]
    fn jump_loops_as_ssh_g_reports_them() {
        let first_error = |config: &str, host: &str| {
            let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
            let set = crate::ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
            let r = set.resolve(host, &crate::ResolveContext::new("me"));
            r.errors.first().map(|n| (n.loc.line(), n.message.clone()))
        };
        let loop_at = |line: usize, via: &str| Some((line, format!("jumphost loop via {via}")));
        assert_eq!(
            first_error("Host bastion\n  ProxyJump bastion\n", "bastion"),
            loop_at(2, "bastion")
        );
        assert_eq!(
            first_error("Host b\n  HostName Bastion\n  ProxyJump bastion\n", "b"),
            loop_at(3, "bastion")
        );
        assert_eq!(
            first_error(
                "Host b\n  HostName %h.example\n  ProxyJump b.example\n",
                "b"
            ),
            loop_at(3, "b.example")
        );
        assert_eq!(
            first_error("Host b\n  HostName 10.0.0.1\n  ProxyJump 10.0.0.1\n", "b"),
            loop_at(3, "10.0.0.1")
        );
        assert_eq!(
            first_error("Host b\n  HostName %z\n", "b"),
            Some((2, "vdollar_percent_expand: unknown key %z".to_string()))
        );
        for no_loop in [
            "Host b\n  HostName %h.EXAMPLE\n  ProxyJump b.example:2222\n",
            "Host b\n  User u\n  HostName x\n  ProxyJump v@x\n",
            "Host b\n  User u\n  HostName x\n  ProxyJump u@X:22\n",
        ] {
            assert_eq!(first_error(no_loop, "b"), None, "{no_loop}");
        }
    }

    #[test]
    fn the_last_hop_of_a_jump() {
        let hop = |user: Option<&[u8]>, host: &[u8], port| {
            Some(JumpHop {
                user: user.map(<[u8]>::to_vec),
                host: host.to_vec(),
                port,
            })
        };
        assert_eq!(jump_target(b"x,u@a:23"), hop(Some(b"u"), b"a", Some(23)));
        assert_eq!(jump_target(b"a b"), hop(None, b"a", None));
        assert_eq!(jump_target(b"[::1]:22"), hop(None, b"::1", Some(22)));
        assert_eq!(
            jump_target(b"ssh://r%6ft+x@a:2/"),
            hop(Some(b"rot x"), b"a", Some(2))
        );
        assert_eq!(jump_target(b"none"), None);
        assert_eq!(jump_target(b"a:x"), None);
    }
}
