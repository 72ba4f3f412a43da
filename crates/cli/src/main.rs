//! `codex-fwd`: make the Codex CLI's OAuth login (a browser redirect to
//! `http://localhost:1455/auth/callback`) work when Codex runs on a remote machine over SSH, by
//! adding `LocalForward 1455 localhost:1455` to that host's block of `~/.ssh/config`.
//!
//! A thin layer over the `sshcfg` library: arguments, diff, confirmation, safe writes.

mod args;
mod cmd;
mod common;
mod diff;
mod system;
mod write;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorWhen, Command};
use common::{EXIT_IO, Failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    let result = match &cli.command {
        Command::Enable(a) => cmd::edit::edit(&cli, a, sshcfg::Action::Enable, choice),
        Command::Disable(a) => cmd::edit::edit(&cli, a, sshcfg::Action::Disable, choice),
        Command::Status(a) => cmd::status::status(&cli, a),
        Command::Doctor(a) => cmd::doctor::doctor(&cli, a, choice),
        Command::Tunnel(a) => cmd::tunnel::tunnel(&cli, a),
        Command::Login(a) => cmd::login::login(&cli, a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "codex-fwd",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map(|_| 0)
                .map_err(|e| Failure::new(EXIT_IO, format!("cannot write the man page: {e}")))
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let mut err = anstream::AutoStream::new(std::io::stderr(), choice);
            let red = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .bold();
            let _ = writeln!(err, "{red}codex-fwd: error:{red:#} {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
