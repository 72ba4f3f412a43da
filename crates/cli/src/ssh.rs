//! Every ssh command this tool runs, built one way. An [`Ssh`] collects ssh's arguments in the
//! order they are given (ssh reads its options in order, and the first `-o` of an option wins),
//! then ends them with `--` and the host, so that no word after it is ever read as an option.
//! The same value gives the words (to show, or to hand to the relay, which runs them itself) or
//! a [`Command`] to spawn.
//!
//! Who runs what: `login` (its connection, `--device-auth`, `ssh -O check`, the private master's
//! `-O exit` and the relay's requests), `tunnel`, `doctor --ssh-g` (`ssh -G`), `doctor --probe`
//! (`ssh -W`), and `ssh -V` (at most once per run, `system::ssh_v`).

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

/// The program run: `ssh` as the PATH finds it, as a user's own `ssh HOST` would.
pub(crate) const PROGRAM: &str = "ssh";

/// Whether the remote command gets a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RemoteTty {
    /// `-T`: none.
    No,
    /// `-tt`: always, also when this side has none. Closing the connection then hangs the
    /// remote terminal up, and SIGHUP ends the remote command: without a terminal, sshd would
    /// only close its pipes, which a command waiting for a browser never notices.
    Force,
}

/// What `-O` asks a ControlMaster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// `-O check`: is a master running (exit 0)?
    Check,
    /// `-O exit`: end the master.
    Exit,
}

/// One ssh command line, built in the order ssh reads it.
#[derive(Debug, Clone, Default)]
#[must_use]
pub(crate) struct Ssh {
    args: Vec<OsString>,
}

impl Ssh {
    /// `ssh` with no argument yet.
    pub(crate) fn new() -> Ssh {
        Ssh::default()
    }

    fn push(mut self, words: impl IntoIterator<Item = impl Into<OsString>>) -> Ssh {
        self.args.extend(words.into_iter().map(Into::into));
        self
    }

    /// `-F FILE` when a file was given with `-F` (without it ssh reads the user's config, as
    /// this run did).
    pub(crate) fn config(self, file: Option<&Path>) -> Ssh {
        match file {
            Some(f) => self.push([OsStr::new("-F"), f.as_os_str()]),
            None => self,
        }
    }

    /// `-G`: print the effective config and exit (it evaluates `Match exec`).
    pub(crate) fn print_config(self) -> Ssh {
        self.push(["-G"])
    }

    /// `-V`: print the version and exit (it reads no config).
    pub(crate) fn version(self) -> Ssh {
        self.push(["-V"])
    }

    /// `-o OPTION=VALUE`.
    pub(crate) fn option(self, option: impl AsRef<OsStr>) -> Ssh {
        self.push([OsStr::new("-o"), option.as_ref()])
    }

    /// `-o OPTION=VALUE` for each, in order.
    pub(crate) fn options<S: AsRef<OsStr>>(self, options: impl IntoIterator<Item = S>) -> Ssh {
        options.into_iter().fold(self, Ssh::option)
    }

    /// `-S SOCKET`: the ControlMaster's socket.
    pub(crate) fn control_socket(self, socket: &Path) -> Ssh {
        self.push([OsStr::new("-S"), socket.as_os_str()])
    }

    /// `-O check` or `-O exit`.
    pub(crate) fn control(self, what: Control) -> Ssh {
        let word = match what {
            Control::Check => "check",
            Control::Exit => "exit",
        };
        self.push(["-O", word])
    }

    /// `-l USER`, when a user was given.
    pub(crate) fn user(self, user: Option<&str>) -> Ssh {
        match user {
            Some(u) => self.push(["-l", u]),
            None => self,
        }
    }

    /// `-L localhost:LOCAL:127.0.0.1:REMOTE`: the explicit loopback bind address keeps the
    /// listener on loopback whatever `GatewayPorts` says.
    pub(crate) fn local_forward(self, local: u16, remote: u16) -> Ssh {
        self.push([
            "-L".to_string(),
            format!("localhost:{local}:127.0.0.1:{remote}"),
        ])
    }

    /// `-D 127.0.0.1:PORT`, when a port is given: a SOCKS listener on loopback only.
    pub(crate) fn dynamic_forward(self, port: Option<u16>) -> Ssh {
        match port {
            Some(p) => self.push(["-D".to_string(), format!("127.0.0.1:{p}")]),
            None => self,
        }
    }

    /// `-W 127.0.0.1:PORT`: standard input and output carried to the remote's port.
    pub(crate) fn stdio_forward(self, port: u16) -> Ssh {
        self.push(["-W".to_string(), format!("127.0.0.1:{port}")])
    }

    /// `-T` or `-tt`.
    pub(crate) fn tty(self, tty: RemoteTty) -> Ssh {
        self.push([match tty {
            RemoteTty::No => "-T",
            RemoteTty::Force => "-tt",
        }])
    }

    /// `-- HOST`: the end of ssh's options, then the host.
    pub(crate) fn destination(self, host: &str) -> Ssh {
        self.push(["--", host])
    }

    /// The remote command's words, after the host (ssh joins them with spaces for the remote
    /// shell).
    pub(crate) fn remote_command(self, words: &[String]) -> Ssh {
        self.push(words)
    }

    /// The whole command line, program first.
    pub(crate) fn argv(&self) -> Vec<OsString> {
        std::iter::once(OsString::from(PROGRAM))
            .chain(self.args.iter().cloned())
            .collect()
    }

    /// The process to spawn (standard streams inherited until the caller says otherwise).
    pub(crate) fn command(&self) -> Command {
        let mut c = Command::new(PROGRAM);
        c.args(&self.args);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &Ssh) -> Vec<String> {
        s.argv()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn words_come_in_the_order_given_and_the_host_after_a_double_dash() {
        let s = Ssh::new()
            .config(Some(Path::new("/c fig")))
            .option("A=1")
            .options(["B=2", "C=3"])
            .user(Some("me"))
            .local_forward(2455, 1455)
            .dynamic_forward(Some(4000))
            .tty(RemoteTty::Force)
            .destination("web")
            .remote_command(&["codex".into(), "login".into()]);
        assert_eq!(
            words(&s),
            [
                "ssh",
                "-F",
                "/c fig",
                "-o",
                "A=1",
                "-o",
                "B=2",
                "-o",
                "C=3",
                "-l",
                "me",
                "-L",
                "localhost:2455:127.0.0.1:1455",
                "-D",
                "127.0.0.1:4000",
                "-tt",
                "--",
                "web",
                "codex",
                "login"
            ]
        );
    }

    #[test]
    fn what_is_not_given_is_left_out() {
        let s = Ssh::new()
            .config(None)
            .user(None)
            .dynamic_forward(None)
            .tty(RemoteTty::No)
            .destination("-web");
        assert_eq!(words(&s), ["ssh", "-T", "--", "-web"]);
    }

    #[test]
    fn control_and_query_commands() {
        let sock = Path::new("/tmp/d/ctl");
        assert_eq!(
            words(
                &Ssh::new()
                    .control_socket(sock)
                    .control(Control::Exit)
                    .destination("h")
            ),
            ["ssh", "-S", "/tmp/d/ctl", "-O", "exit", "--", "h"]
        );
        assert_eq!(
            words(&Ssh::new().control(Control::Check).destination("h")),
            ["ssh", "-O", "check", "--", "h"]
        );
        assert_eq!(
            words(
                &Ssh::new()
                    .print_config()
                    .config(Some(Path::new("/c")))
                    .destination("h")
            ),
            ["ssh", "-G", "-F", "/c", "--", "h"]
        );
        assert_eq!(words(&Ssh::new().version()), ["ssh", "-V"]);
        assert_eq!(
            words(&Ssh::new().stdio_forward(1455).destination("h")),
            ["ssh", "-W", "127.0.0.1:1455", "--", "h"]
        );
    }

    #[test]
    fn the_command_runs_ssh_with_these_arguments() {
        let s = Ssh::new().option("X=y").destination("h");
        let c = s.command();
        assert_eq!(c.get_program(), PROGRAM);
        let args: Vec<&OsStr> = c.get_args().collect();
        assert_eq!(args, ["-o", "X=y", "--", "h"]);
    }
}
