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
    version,
    about = "Forward the Codex login callback port (1455) over SSH by editing ~/.ssh/config safely",
    after_help = EXIT_CODES
)]
pub(crate) struct Cli {
    /// The ssh config file to read and edit [default: ~/.ssh/config]. With -F only this file
    /// (and its Includes) is read, as `ssh -F`; without it /etc/ssh/ssh_config is read too.
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
pub(crate) enum Command {
    /// Add the forward for each HOST (nothing changes if an equivalent one is already effective).
    #[command(after_help = "Examples:
  codex-fwd enable myserver                 # show the diff, ask, write
  codex-fwd enable myserver --local-port 2455  # laptop port 1455 is busy
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
  codex-fwd doctor                 # every host the config names that has the forward
  codex-fwd doctor myserver --json
  codex-fwd doctor myserver --ssh-g   # also compare with ssh -G (runs Match exec commands!)")]
    Doctor(DoctorArgs),
    /// Forward the port for one session without editing the config: runs
    /// `ssh -N -L LOCAL:localhost:PORT HOST` until Ctrl-C.
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
    /// Host names [default: every literal host name in the config that has the forward].
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
pub(crate) struct PortArgs {
    /// The remote port the Codex login server listens on.
    #[arg(long, default_value = "1455", value_parser = parse_port)]
    pub(crate) port: u16,
    /// The laptop's port [default: the same as --port].
    #[arg(long, value_parser = parse_port)]
    pub(crate) local_port: Option<u16>,
}

impl PortArgs {
    /// The laptop's port.
    pub(crate) fn local(&self) -> u16 {
        self.local_port.unwrap_or(self.port)
    }

    /// The forward these ports ask for.
    pub(crate) fn forward(&self) -> Forward {
        Forward::loopback(self.local(), self.port)
    }
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

pub(crate) fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        _ => Err(format!(
            "`{s}` is not a port: expected a number from 1 to 65535"
        )),
    }
}
