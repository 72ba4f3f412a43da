//! The command line: subcommands, flags and their help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sshcfg::Forward;

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success (changed, or already in the wanted state)
  1  --check: a change is needed
  2  bad usage or bad input (nothing written)
  3  the config or system prevents it: the forward comes from a shared block, ClearAllForwardings,
     the local port is taken (tunnel); doctor: problems were found (nothing written)
  4  reading or writing failed, or ssh failed (nothing written)";

#[derive(Parser, Debug)]
#[command(
    name = "codex-fwd",
    version = env!("CODEX_FWD_VERSION"),
    about = "Make a CLI's browser login (Codex's first) work when the CLI runs on a remote machine over SSH (start with `codex-fwd login HOST`)",
    long_about = "Make a CLI's browser login (Codex's first) work when the CLI runs on a remote machine over SSH.\n\nStart with `codex-fwd login HOST`: it runs `codex login` there and forwards the port its login URL names while it runs, with no change to any file. `enable` makes a permanent LocalForward in ~/.ssh/config instead, editing nothing else.",
    after_help = EXIT_CODES
)]
pub(crate) struct Cli {
    /// The ssh config file to read and edit [default: ~/.ssh/config under your home in the
    /// password database, the file ssh reads, whatever $HOME says]. With -F only this file (and
    /// its Includes) is read, as `ssh -F`; without it /etc/ssh/ssh_config is read too.
    #[arg(short = 'F', long = "config", global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
// Each subcommand's arguments are built only when it is the one run (or for help, completions
// and the man page, which build them all): a run of `status` does not pay for `login`'s.
#[command(defer = true)]
pub(crate) enum Command {
    /// Log Codex (or any CLI with a browser login) in on HOST in one step: runs `codex login`
    /// there, forwards the loopback port its login URL names for as long as it runs, and opens
    /// the URL in this machine's browser.
    #[command(
        long_about = "Log Codex (or any CLI whose browser login redirects to a loopback port) in on HOST in one \
step (the recommended way; `enable` is for a permanent forward).

Runs `ssh -D 127.0.0.1:FREE -tt HOST env BROWSER=echo \"$SHELL\" -c 'codex login'` (honouring -F; \
one connection, one authentication). The remote's output is shown as it comes; when it prints a \
URL whose address, or whose redirect_uri (any parameter), is http://localhost:PORT, \
http://127.0.0.1:PORT or http://[::1]:PORT, this machine listens on PORT on loopback only, \
carries each browser connection there to the remote's PORT through that ssh connection \
(SOCKS5 on FREE), says so, and then opens the URL in your browser ($BROWSER honoured). A port \
below 1024 is never forwarded; a port taken here stops the login, naming its owner, unless an \
ssh forward of HOST's config already carries it (then that is used). The exit status is the \
remote command's; when it ends (or on Ctrl-C) ssh exits, the listeners close and the remote \
command is hung up.

The login always uses a connection of its own (-o ControlPath=none): through an open \
ControlMaster connection its forward would be set up in the master and outlive the login.

When forwarding is impossible, --device-auth runs `codex login --device-auth` on HOST instead, \
with no forward: you type a code at a web page (if your ChatGPT workspace allows device codes).",
        after_help = "Examples:
  codex-fwd login myserver                      # codex login on myserver, browser opens here
  codex-fwd login root@myserver                 # as ssh: USER@HOST, or -l USER
  codex-fwd login myserver -- rclone authorize drive   # any CLI with a loopback redirect
  codex-fwd login myserver --port 2455:1455     # this machine's 1455 is busy
  codex-fwd login myserver --no-browser         # print the URL only
  codex-fwd login myserver -- ~/bin/codex login # another remote command
  codex-fwd login myserver --device-auth        # no forward: device code login

Exit status: the remote command's (0: logged in); 3 when a port a URL names is taken here, not
listed by --port, or refused by the server; 4 when ssh exits with 255 (it failed, or the remote
command was killed by a signal); 130 when codex-fwd is interrupted and stops ssh."
    )]
    Login(LoginArgs),
    /// Add the forward for each HOST, so that it carries the login: the browser's redirect to
    /// http://127.0.0.1:1455/auth/callback (nothing changes if one already does; other forwards
    /// of the port in the host's own block, `[::1]`-only ones included, are replaced).
    #[command(after_help = "Examples:
  codex-fwd enable myserver                 # show the diff, ask, write
  codex-fwd enable myserver --local-port 2455  # laptop port 1455 is busy
  codex-fwd enable myserver --port 1455,1457   # also Codex's fallback port
  codex-fwd enable myserver --check || codex-fwd enable myserver --yes   # dotfile scripts
  codex-fwd enable myserver --dry-run --json")]
    Enable(EditArgs),
    /// Remove the forward for each HOST.
    #[command(after_help = "Examples:
  codex-fwd disable myserver
  codex-fwd disable myserver --yes --json")]
    Disable(EditArgs),
    /// Show whether the forward is effective for each HOST (default: every host the config names).
    #[command(after_help = "Examples:
  codex-fwd status
  codex-fwd status myserver --json")]
    Status(StatusArgs),
    /// Explain what stops the login callback from arriving, with a fix for each problem.
    /// Exit 0 when nothing is wrong, 3 otherwise.
    #[command(after_help = "Examples:
  codex-fwd doctor myserver
  codex-fwd doctor                 # every host the config names with a forward of the port
  codex-fwd doctor myserver --json
  codex-fwd doctor myserver --ssh-g   # also compare with ssh -G (runs Match exec commands!)")]
    Doctor(DoctorArgs),
    /// Forward the port for one session without editing the config: runs ssh with
    /// `-L localhost:LOCAL:127.0.0.1:PORT` and no session (`ssh -N`) until Ctrl-C.
    #[command(after_help = "Examples:
  codex-fwd tunnel myserver
  codex-fwd tunnel myserver --local-port 2455")]
    Tunnel(TunnelArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = "Install:
  bash: codex-fwd completions bash > ~/.local/share/bash-completion/completions/codex-fwd
  zsh:  codex-fwd completions zsh > ~/.zfunc/_codex-fwd   (with fpath+=~/.zfunc in ~/.zshrc)
  fish: codex-fwd completions fish > ~/.config/fish/completions/codex-fwd.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    #[command(after_help = "Install:
  codex-fwd man > ~/.local/share/man/man1/codex-fwd.1 && man codex-fwd")]
    Man,
}

#[derive(Args, Debug)]
pub(crate) struct DoctorArgs {
    /// Host names [default: every literal host name in the config with a forward of the port].
    #[arg(value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    #[command(flatten)]
    pub(crate) ports: PortArgs,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also run `ssh -G` and compare its forwards with ours. ssh evaluates `Match exec`, so this
    /// runs the commands your config names; off by default.
    #[arg(long)]
    pub(crate) ssh_g: bool,
    /// Also connect to each HOST named and ask its sshd to forward a connection to its
    /// 127.0.0.1:PORT (`ssh -W`), as a LocalForward would: says whether the server forbids
    /// forwarding (AllowTcpForwarding, DisableForwarding, PermitOpen). Off by default.
    #[arg(long, requires = "hosts")]
    pub(crate) probe: bool,
}

#[derive(Args, Debug)]
pub(crate) struct TunnelArgs {
    /// The host to forward through.
    #[arg(value_name = "HOST")]
    pub(crate) host: String,
    #[command(flatten)]
    pub(crate) ports: PortArgs,
}

#[derive(Args, Debug)]
pub(crate) struct LoginArgs {
    /// The host the CLI runs on (as you type it after `ssh`; `USER@HOST` as with ssh).
    #[arg(value_name = "HOST")]
    pub(crate) host: String,
    /// The user to log in as on HOST (ssh's -l).
    #[arg(short = 'l', long = "login-name", value_name = "USER")]
    pub(crate) login_name: Option<String>,
    /// Forward only these remote ports when a login URL names them [default: whichever port the
    /// URL names, 1024 and above]. Repeat it or separate ports with commas (`--port 1455,1457`);
    /// `LOCAL:REMOTE` listens on another port here (`--port 2455:1455`).
    #[arg(long = "port", value_name = "PORT", value_delimiter = ',', value_parser = parse_port_pair)]
    pub(crate) ports: Vec<PortPair>,
    /// This machine's port for the first --port (without --port: for 1455, Codex's), when that
    /// port is taken here; then edit the port in the browser's address bar after signing in, as
    /// codex-fwd tells you.
    #[arg(long, value_name = "PORT", value_parser = parse_port)]
    pub(crate) local_port: Option<u16>,
    /// Do not open a browser; print the login URL only.
    #[arg(long)]
    pub(crate) no_browser: bool,
    /// Run `CLIENT login --device-auth` on HOST instead (CLIENT: `codex`, or its path, as
    /// `--device-auth=~/.local/bin/codex`), with no forward at all: the alternative when
    /// forwards are impossible.
    #[arg(
        long,
        value_name = "CLIENT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "codex",
        conflicts_with_all = ["ports", "local_port", "no_browser", "command"]
    )]
    pub(crate) device_auth: Option<String>,
    /// Run the command in this container on HOST (`docker exec -it NAME ...`), and carry the
    /// browser's requests into it by relay: a client in a container listens on the container's
    /// own loopback, which no forward reaches.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["exec_prefix", "device_auth"])]
    pub(crate) container: Option<String>,
    /// Run the command on HOST after these words (one argument, run by the remote shell), and
    /// carry the browser's requests by relay through them, without their terminal flag:
    /// `'podman exec -it NAME'`, `'kubectl exec -it POD --'`, `'wsl -d Distro --'`. The words
    /// must pass standard input on (`-i`).
    #[arg(long, value_name = "WORDS", conflicts_with = "device_auth")]
    pub(crate) exec_prefix: Option<String>,
    /// Carry the browser's requests by relay even where ssh could forward the port: each one is
    /// made on HOST by its curl, GNU wget, python3 or node (whichever is there). Without it,
    /// the relay takes over by itself when HOST's sshd forbids forwarding.
    #[arg(long, conflicts_with = "device_auth")]
    pub(crate) relay: bool,
    /// How long the relay waits for the answer to each request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = clap::value_parser!(u64).range(1..=3600), conflicts_with = "device_auth")]
    pub(crate) relay_timeout: u64,
    /// The command to run on HOST [default: codex login]. As with ssh, its words are joined
    /// with spaces and run by the remote shell, after `env BROWSER=echo` (so that a CLI that
    /// would open a browser there prints the URL instead).
    #[arg(last = true, value_name = "REMOTE_COMMAND")]
    pub(crate) command: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct PortArgs {
    /// The remote port the Codex login server listens on. Repeat it or separate ports with
    /// commas for several (`--port 1455,1457`: Codex falls back to 1457 when 1455 is busy on the
    /// remote); `LOCAL:REMOTE` forwards another port of this machine.
    #[arg(long, value_name = "PORT", value_delimiter = ',', default_value = "1455", value_parser = parse_port_pair)]
    pub(crate) port: Vec<PortPair>,
    /// The laptop's port [default: the same as --port]; only with a single --port.
    #[arg(long, value_parser = parse_port)]
    pub(crate) local_port: Option<u16>,
}

/// `--port` as given: an optional local port and the remote one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PortPair {
    pub(crate) local: Option<u16>,
    pub(crate) remote: u16,
}

impl PortArgs {
    /// The laptop's port of the first forward.
    pub(crate) fn local(&self) -> u16 {
        self.local_port
            .or(self.port[0].local)
            .unwrap_or(self.port[0].remote)
    }

    /// The remote port of the first forward.
    pub(crate) fn remote(&self) -> u16 {
        self.port[0].remote
    }

    /// Every forward asked for, in order; `--local-port` pairs with a single `--port` only, and
    /// no two forwards may share a local port.
    pub(crate) fn forwards(&self) -> Result<Vec<Forward>, String> {
        if self.local_port.is_some() && self.port.len() > 1 {
            return Err("--local-port pairs with a single --port; give several as --port LOCAL:REMOTE,LOCAL:REMOTE".into());
        }
        if self.local_port.is_some() && self.port.iter().any(|p| p.local.is_some()) {
            return Err(
                "--local-port and --port LOCAL:REMOTE both name the local port; give one".into(),
            );
        }
        let mut out: Vec<Forward> = Vec::new();
        for p in &self.port {
            let local = self.local_port.or(p.local).unwrap_or(p.remote);
            if out.iter().any(|f| f.listen_port() == Some(local)) {
                return Err(format!("local port {local} is given twice"));
            }
            out.push(Forward::loopback(local, p.remote));
        }
        Ok(out)
    }
}

/// `--port`/`--local-port` validated once: the forwards asked for, in order (at least one, no
/// local port twice), and the options as given (a suggested command repeats them).
#[derive(Debug, Clone)]
pub(crate) struct Ports {
    forwards: Vec<Forward>,
    given: PortArgs,
}

impl Ports {
    /// Every forward asked for, in order (never empty).
    pub(crate) fn forwards(&self) -> &[Forward] {
        &self.forwards
    }

    /// The first forward (commands that look at one).
    pub(crate) fn first(&self) -> &Forward {
        &self.forwards[0]
    }

    /// The laptop's port of the first forward.
    pub(crate) fn local(&self) -> u16 {
        self.given.local()
    }

    /// The remote port of the first forward.
    pub(crate) fn remote(&self) -> u16 {
        self.given.remote()
    }

    /// The options as given.
    pub(crate) fn given(&self) -> &PortArgs {
        &self.given
    }
}

impl PortArgs {
    /// These options validated ([`PortArgs::forwards`]).
    pub(crate) fn validate(&self) -> Result<Ports, UsageError> {
        Ok(Ports {
            forwards: self.forwards().map_err(UsageError::Option)?,
            given: self.clone(),
        })
    }
}

/// Host names as typed after `ssh`, each checked once ([`sshcfg::HostAlias`]).
fn valid_hosts(hosts: &[String]) -> Result<Vec<String>, UsageError> {
    for h in hosts {
        sshcfg::HostAlias::new(h).map_err(|e| UsageError::Input(e.to_string()))?;
    }
    Ok(hosts.to_vec())
}

#[derive(Args, Debug)]
pub(crate) struct EditArgs {
    /// Host names (as you type them after `ssh`).
    #[arg(required = true, value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    #[command(flatten)]
    pub(crate) ports: PortArgs,
    /// Print the diff and write nothing.
    #[arg(short = 'n', long)]
    pub(crate) dry_run: bool,
    /// Write nothing; exit 1 if a change is needed, 0 if not.
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) check: bool,
    /// Write without asking.
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,
    /// Print one JSON object describing what was (or would be) done.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write a config that has other hard links: in place, keeping its inode so every link sees
    /// the change (not atomic). Without it such a config is refused, as replacing it would
    /// silently break the link.
    #[arg(long)]
    pub(crate) force: bool,
}

/// How `enable`/`disable` may touch the file: one value instead of `--dry-run`, `--check` and
/// `--yes` read apart (`--dry-run` wins over `--yes`; `--check` and `--dry-run` conflict).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteMode {
    /// `--dry-run`: show the diff, write nothing.
    DryRun,
    /// `--check`: write nothing; exit 1 when a change is needed.
    Check,
    /// Show the diff and ask on the terminal.
    Ask,
    /// `--yes`: write without asking.
    Yes,
}

impl WriteMode {
    /// Whether the file may be written (and so is locked and checked for writability).
    pub(crate) fn writes(self) -> bool {
        matches!(self, WriteMode::Ask | WriteMode::Yes)
    }
}

/// What to do with a config that has other hard links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HardLinks {
    /// Refuse it: replacing it would silently break the other links.
    Refuse,
    /// `--force`: write it in place, keeping its inode.
    WriteInPlace,
}

/// `enable`/`disable` as asked, validated once: valid host aliases, at least one forward, no
/// local port twice.
#[derive(Debug)]
pub(crate) struct EditRequest {
    pub(crate) action: sshcfg::Action,
    pub(crate) hosts: Vec<String>,
    pub(crate) forwards: Vec<Forward>,
    pub(crate) mode: WriteMode,
    pub(crate) json: bool,
    pub(crate) hard_links: HardLinks,
}

impl EditArgs {
    /// The request these arguments make, or the one-line reason they make none.
    pub(crate) fn request(&self, action: sshcfg::Action) -> Result<EditRequest, UsageError> {
        let hosts = valid_hosts(&self.hosts)?;
        let forwards = self.ports.validate()?.forwards;
        let mode = match (self.dry_run, self.check, self.yes) {
            (true, _, _) => WriteMode::DryRun,
            (_, true, _) => WriteMode::Check,
            (_, _, true) => WriteMode::Yes,
            _ => WriteMode::Ask,
        };
        Ok(EditRequest {
            action,
            hosts,
            forwards,
            mode,
            json: self.json,
            hard_links: match self.force {
                true => HardLinks::WriteInPlace,
                false => HardLinks::Refuse,
            },
        })
    }
}

/// Arguments that make no request.
#[derive(Debug)]
pub(crate) enum UsageError {
    /// An option's values do not fit together (the message points to `--help`).
    Option(String),
    /// A value that is not what it must be (a host that is an ssh destination, ...).
    Input(String),
}

#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    /// Host names [default: every literal host name in the config].
    #[arg(value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    #[command(flatten)]
    pub(crate) ports: PortArgs,
    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `status` as asked, validated once.
#[derive(Debug)]
pub(crate) struct StatusRequest {
    /// The hosts named (valid aliases); empty for every literal host of the config.
    pub(crate) hosts: Vec<String>,
    pub(crate) ports: Ports,
    pub(crate) json: bool,
}

impl StatusArgs {
    /// The request these arguments make, or the one-line reason they make none.
    pub(crate) fn request(&self) -> Result<StatusRequest, UsageError> {
        Ok(StatusRequest {
            hosts: valid_hosts(&self.hosts)?,
            ports: self.ports.validate()?,
            json: self.json,
        })
    }
}

/// `doctor` as asked, validated once.
#[derive(Debug)]
pub(crate) struct DoctorRequest {
    /// The hosts named (valid aliases); empty for every host of the config with a forward of
    /// the port.
    pub(crate) hosts: Vec<String>,
    pub(crate) ports: Ports,
    pub(crate) json: bool,
    /// Run `ssh -G` too (it runs `Match exec` commands).
    pub(crate) ssh_g: bool,
    /// Ask each host's sshd whether it forwards (`ssh -W`).
    pub(crate) probe: bool,
}

impl DoctorArgs {
    /// The request these arguments make, or the one-line reason they make none.
    pub(crate) fn request(&self) -> Result<DoctorRequest, UsageError> {
        Ok(DoctorRequest {
            hosts: valid_hosts(&self.hosts)?,
            ports: self.ports.validate()?,
            json: self.json,
            ssh_g: self.ssh_g,
            probe: self.probe,
        })
    }
}

/// `1455` or `2455:1455` (LOCAL:REMOTE).
pub(crate) fn parse_port_pair(s: &str) -> Result<PortPair, String> {
    match s.split_once(':') {
        Some((l, r)) => Ok(PortPair {
            local: Some(parse_port(l)?),
            remote: parse_port(r)?,
        }),
        None => Ok(PortPair {
            local: None,
            remote: parse_port(s)?,
        }),
    }
}

pub(crate) fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        // `--port 1455,` or `--port :1455`: a comma or colon with nothing on one side.
        _ if s.is_empty() => Err("a port is empty: expected a number from 1 to 65535".into()),
        _ => Err(format!(
            "`{s}` is not a port: expected a number from 1 to 65535"
        )),
    }
}
