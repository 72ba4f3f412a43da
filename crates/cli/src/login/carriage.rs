//! What the config says about a port this login finds taken on this machine: carried by
//! this login's own ssh (a forward of the host's), by another ssh, or held by something else.

use sshcfg::{ConfigSet, Resolution, ResolveContext};

use super::url::Target;
use crate::system::PortOwner;

/// What the config says about ports this login finds taken here.
pub(super) struct Carriage {
    pub(super) set: ConfigSet,
    pub(super) resolution: Resolution,
    pub(super) ctx: ResolveContext,
    /// The login's own ssh: it sets up the config's forwards too.
    pub(super) ssh_pid: u32,
}

impl Carriage {
    /// Does the process holding `local` here carry it to the remote's loopback `remote`? Yes
    /// when it is an ssh client (this login's own, or another connection) and the host's config
    /// forwards `local` there (the first listener of the port, loopback only). Returns how, for
    /// the note.
    pub(super) fn carries(&self, owner: &PortOwner, local: u16, remote: u16) -> Option<String> {
        let own = owner.pid == Some(self.ssh_pid);
        let is_ssh = owner
            .name
            .as_deref()
            .is_some_and(|n| matches!(n, "ssh" | "ssh.exe"));
        if !own && !is_ssh {
            return None;
        }
        if self.set.rejection_for(self.ctx.openssh).is_some() {
            return None;
        }
        let seen_by = if own {
            self.with_login_options()
        } else {
            self.resolution.clone()
        };
        match seen_by.loopback_tunnel(local, remote) {
            Ok(f) => Some(format!(
                "{} ({}: {})",
                if own {
                    "this login's ssh".to_string()
                } else {
                    format!("{owner}, an ssh connection")
                },
                self.set.place(f.loc),
                f.forward.directive()
            )),
            // The login's own ssh listens there, yet no forward of the port applies as far as
            // codex-fwd reads the config: it comes from a block that is not evaluated here
            // (`Match exec`), as the login's ssh itself did.
            Err(sshcfg::Blocker::Missing) if own => {
                let n = self.resolution.not_evaluated.first()?;
                Some(format!(
                    "this login's ssh, from a block codex-fwd does not evaluate ({}: {})",
                    self.set.place(n.loc),
                    crate::undecided::text(&self.resolution.host, &n.what)
                ))
            }
            Err(_) => None,
        }
    }

    /// The host's forwards as the login's own ssh sets them up: its `ClearAllForwardings=no`
    /// brings back what the config's `ClearAllForwardings yes` clears (ssh merges identical
    /// repeats).
    pub(super) fn with_login_options(&self) -> Resolution {
        self.resolution.keeping_forwardings()
    }

    /// Why the config's forward of `local` here, held by `owner`, does not carry the login
    /// to the remote's loopback `remote` (`carries` said no): what it does, for the message.
    pub(super) fn why_not(&self, owner: &PortOwner, local: u16, remote: u16) -> &'static str {
        let seen_by = if owner.pid == Some(self.ssh_pid) {
            self.with_login_options()
        } else {
            self.resolution.clone()
        };
        match seen_by.loopback_tunnel(local, remote) {
            Err(sshcfg::Blocker::WrongBind { .. }) => {
                "forwards it from another loopback address, not 127.0.0.1"
            }
            Err(sshcfg::Blocker::BeyondLoopback { .. }) => "forwards it, listening beyond loopback",
            Err(sshcfg::Blocker::SocksProxy { .. }) => "makes it a SOCKS proxy",
            _ => "forwards it elsewhere",
        }
    }

    /// The config's forward of `local` here, as `file:line: directive`.
    pub(super) fn forward_of(&self, local: u16) -> Option<String> {
        let f = self
            .resolution
            .forward_lines
            .iter()
            .find(|f| f.forward.listen_port() == Some(local))?;
        Some(format!(
            "{}: {}",
            self.set.place(f.loc),
            f.forward.directive()
        ))
    }

    /// Why a busy port here stops the login of `host`, and what to do.
    pub(super) fn busy(&self, host: &str, t: Target, local: u16, owner: &PortOwner) -> String {
        let own = owner.pid == Some(self.ssh_pid);
        let line = self.forward_of(local);
        let why = match &line {
            Some(line) => format!(
                " (ssh with {host}'s config {}: {line})",
                self.why_not(owner, local, t.port)
            ),
            // No forward of the config: the dynamic forward this login made there.
            None if own => " (its SOCKS port for this login)".into(),
            None if owner.name.as_deref().is_some_and(|n| n.starts_with("ssh")) => format!(
                " (an ssh connection that forwards it? close it, or `ssh -O exit {host}` for a ControlMaster)"
            ),
            None => String::new(),
        };
        // The login's own ssh: stopping it is stopping the login.
        let (holder, fix) = match (own, line.is_some()) {
            (true, true) => ("this login's ssh".to_string(), "change that line, or use"),
            (true, false) => ("this login's ssh".to_string(), "use"),
            (false, _) => (owner.to_string(), "stop it, or use"),
        };
        let other = if local == 2455 { 3455 } else { 2455 };
        format!(
            "the login URL sends the browser to {t}, but localhost:{local} on this machine is already in use by {holder}{why}; {fix} another port here: `codex-fwd login {host} --port {other}:{}`",
            t.port
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::url::LoopbackHost;
    use super::*;

    fn carriage(config: &str, ssh_pid: u32) -> Carriage {
        let opts = sshcfg::LoadOptions::explicit_file("/c/config", "/nonexistent-home");
        let set = ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
        let ctx = ResolveContext::new("me");
        Carriage {
            resolution: set.resolve("web", &ctx),
            set,
            ctx,
            ssh_pid,
        }
    }

    fn owner(name: &str, pid: u32) -> PortOwner {
        PortOwner {
            pid: Some(pid),
            name: Some(name.into()),
        }
    }

    #[test]
    fn a_busy_port_carried_by_ssh() {
        let c = carriage("Host web\n  LocalForward 1455 localhost:1455\n", 7);
        // Another ssh connection (enable, then a terminal open on web).
        let how = c.carries(&owner("ssh", 99), 1455, 1455).unwrap();
        assert_eq!(
            how,
            "ssh (pid 99), an ssh connection (/c/config:2: LocalForward 1455 localhost:1455)"
        );
        // This login's own ssh (it sets the config's forwards up too).
        assert!(
            c.carries(&owner("ssh", 7), 1455, 1455)
                .unwrap()
                .starts_with("this login's ssh")
        );
        // Not ssh, not the login's port, or --port 2455:1455.
        assert_eq!(c.carries(&owner("python3", 99), 1455, 1455), None);
        assert_eq!(c.carries(&owner("ssh", 99), 1457, 1457), None);
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1457), None);
        // A forward of the port elsewhere.
        let c = carriage("Host web\n  LocalForward 1457 localhost:9999\n", 7);
        assert_eq!(c.carries(&owner("ssh", 7), 1457, 1457), None);
        assert_eq!(
            c.forward_of(1457).as_deref(),
            Some("/c/config:2: LocalForward 1457 localhost:9999")
        );
        // A block codex-fwd does not evaluate: only the login's own ssh is trusted.
        let c = carriage(
            "Match exec \"true\"\n  LocalForward 1455 localhost:1455\n",
            7,
        );
        assert!(
            c.carries(&owner("ssh", 7), 1455, 1455)
                .unwrap()
                .contains("/c/config:1"),
        );
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1455), None);
        // ClearAllForwardings yes: another connection has no forward, the login's own ssh has
        // (it passes ClearAllForwardings=no).
        let c = carriage(
            "Host web\n  ClearAllForwardings yes\n  LocalForward 1455 localhost:1455\n  LocalForward 1455 localhost:1455\n",
            7,
        );
        assert_eq!(c.carries(&owner("ssh", 99), 1455, 1455), None);
        assert_eq!(
            c.carries(&owner("ssh", 7), 1455, 1455).as_deref(),
            Some("this login's ssh (/c/config:3: LocalForward 1455 localhost:1455)")
        );
    }

    #[test]
    fn a_busy_port_says_who_holds_it_and_why_it_does_not_carry() {
        let v4 = |port| Target {
            host: LoopbackHost::V4,
            port,
        };
        let busy = |config: &str, owner: &PortOwner, port| {
            carriage(config, 7).busy("web", v4(port), port, owner)
        };
        // The login's own ssh, from a forward of the config that is on [::1] only: named as
        // the login's, with what is wrong with the line, and no "stop it".
        let m = busy(
            "Host web\n  LocalForward [::1]:1455 localhost:1455\n",
            &owner("ssh", 7),
            1455,
        );
        assert_eq!(
            m,
            "the login URL sends the browser to 127.0.0.1:1455, but localhost:1455 on this machine is already in use by this login's ssh (ssh with web's config forwards it from another loopback address, not 127.0.0.1: /c/config:2: LocalForward [::1]:1455 localhost:1455); change that line, or use another port here: `codex-fwd login web --port 2455:1455`"
        );
        // Listening beyond loopback (GatewayPorts), a SOCKS proxy, another target.
        for (config, said) in [
            (
                "Host web\n  GatewayPorts yes\n  LocalForward 1455 localhost:1455\n",
                "forwards it, listening beyond loopback: /c/config:3",
            ),
            (
                "Host web\n  LocalForward *:1455 localhost:1455\n",
                "forwards it, listening beyond loopback: /c/config:2",
            ),
            (
                "Host web\n  DynamicForward 1455\n",
                "makes it a SOCKS proxy: /c/config:2",
            ),
            (
                "Host web\n  LocalForward 1455 localhost:9999\n",
                "forwards it elsewhere: /c/config:2",
            ),
        ] {
            let m = busy(config, &owner("ssh", 99), 1455);
            assert!(
                m.contains(&format!(
                    "in use by ssh (pid 99) (ssh with web's config {said}"
                )) && m.contains("; stop it, or use another port here"),
                "{config}: {m}"
            );
        }
        // The login's own SOCKS port (no forward of the config), and another program.
        let m = busy("Host web\n", &owner("ssh", 7), 40000);
        assert!(
            m.contains("in use by this login's ssh (its SOCKS port for this login); use another port here: `codex-fwd login web --port 2455:40000`"),
            "{m}"
        );
        let m = busy("Host web\n", &owner("python3", 99), 1455);
        assert!(
            m.contains("in use by python3 (pid 99); stop it, or use another port here"),
            "{m}"
        );
    }
}
