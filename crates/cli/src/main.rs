//! `codex-fwd`: make a CLI's browser login work when the CLI runs on a remote machine over SSH.
//! The Codex CLI's OAuth login redirects the browser to `http://127.0.0.1:1455/auth/callback`
//! (`http://localhost:1455/...` before mid-2026), where nothing listens on the laptop.
//! `codex-fwd login HOST` (the recommended way) runs the login there and forwards the port its
//! URL names while it runs; `enable` adds `LocalForward 1455 localhost:1455` to that host's
//! block of `~/.ssh/config` instead, and nothing else.
//!
//! A thin layer over the `sshcfg` library: arguments, diff, confirmation, safe writes.

// Standard output is written through `failure::stdout_failed`'s policy only (a closed reader
// ends the run quietly): no `println!`, which panics on a broken pipe. Standard error through
// `say!` only: no `eprintln!`, which panics when stderr is gone (`2>&1 | head -1`, `2>/dev/full`);
// tests say why they skip with it.
#![deny(clippy::print_stdout)]
#![cfg_attr(not(test), deny(clippy::print_stderr))]

/// A line to standard error, as `eprintln!` writes it, except that a line that cannot be
/// written (stderr closed or full) is dropped instead of ending the run with a panic: what the
/// run does, and its exit status, do not depend on whether anyone reads its messages.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`say!`] without the line end (a prompt, or a line that brings its own: `\r\n` on a raw
/// terminal).
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod cmd;
mod codex;
mod diff;
mod doctor;
mod env;
mod failure;
mod login;
mod refusal;
mod shell;
mod ssh;
mod steps;
mod system;
mod undecided;
mod visible;
mod write;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use args::{Cli, Command};
use env::Env;
use failure::{EXIT_IO, EXIT_USAGE, Failure, stdout_failed};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let choice = env::color_choice(cli.color);
    // enable, disable, status, tunnel and login say which config they use when $HOME's differs.
    let env = || Env::new(&cli);
    let noted = || {
        Env::new(&cli).inspect(|e| {
            if let Some(n) = e.config_note() {
                visible::eprintln(&n);
            }
        })
    };
    let result = match &cli.command {
        Command::Enable(a) => noted().and_then(|e| cmd::edit::edit(&e, a, sshcfg::Action::Enable)),
        Command::Disable(a) => {
            noted().and_then(|e| cmd::edit::edit(&e, a, sshcfg::Action::Disable))
        }
        Command::Status(a) => (a.request())
            .map_err(|u| Failure::from_usage("status", u))
            .and_then(|req| noted().and_then(|e| cmd::status::status(&e, &req))),
        Command::Doctor(a) => (a.request())
            .map_err(|u| Failure::from_usage("doctor", u))
            .and_then(|req| env().and_then(|e| cmd::doctor::doctor(&e, &req))),
        Command::Tunnel(a) => noted().and_then(|e| cmd::tunnel::tunnel(&e, a)),
        Command::Login(a) => noted().and_then(|e| login::login(&e, a)),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into memory first: clap_complete panics when a write fails.
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "codex-fwd", &mut buf);
            if *shell == clap_complete::Shell::Bash {
                buf = bash_case_labels(buf);
            }
            write_stdout(&buf)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Failure::new(EXIT_IO, format!("cannot render the man page: {e}")))
                .and_then(|_| write_stdout(&buf))
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let Some(message) = f.message() else {
                return ExitCode::from(f.code);
            };
            let mut err = anstream::AutoStream::new(std::io::stderr(), choice);
            let red = anstyle::Style::new()
                .fg_color(Some(anstyle::AnsiColor::Red.into()))
                .bold();
            use std::io::IsTerminal as _;
            let message = visible::for_stream(message, std::io::stderr().is_terminal());
            let _ = writeln!(err, "{red}codex-fwd: error:{red:#} {message}");
            ExitCode::from(f.code)
        }
    }
}

/// Write `bytes` to stdout; a reader that went away (`| head`) is no failure.
fn write_stdout(bytes: &[u8]) -> Result<u8, Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(stdout_failed)?;
    Ok(0)
}

/// A usage error as one line and a pointer to `--help`, exit 2; `--help` and `--version` print
/// as clap prints them.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // (A failed write of it is one as for any output: `>/dev/full` is exit 4, a reader
            // that went away ends quietly.)
            let Err(f) = e.print().map_err(stdout_failed) else {
                return ExitCode::from(0);
            };
            if let Some(message) = f.message() {
                say!("codex-fwd: error: {message}");
            }
            return ExitCode::from(f.code);
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
        _ => {}
    }
    // clap's message runs to the first blank line (a list of missing arguments continues it on
    // indented lines); the usage and "For more information" lines after it are left out.
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let first = first.join(" ");
    let first = first.strip_prefix("error: ").unwrap_or(&first);
    // Point at the subcommand's help when one was named.
    let sub = {
        use clap::CommandFactory;
        let cmd = Cli::command();
        // (An argument that is not UTF-8, a file's name, is none of the subcommands' names.)
        let args: Vec<String> = std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        args.iter()
            .enumerate()
            .find(|(i, a)| {
                let after_f = *i > 0 && matches!(args[i - 1].as_str(), "-F" | "--config");
                !after_f
                    && cmd
                        .get_subcommands()
                        .any(|s| s.get_name() == a.as_str() && s.get_name() != "help")
            })
            .map(|(_, a)| a.clone())
    };
    let help = match sub {
        Some(s) => format!("codex-fwd {s} --help"),
        None => "codex-fwd --help".into(),
    };
    let choice = anstream::ColorChoice::Auto;
    let mut err = anstream::AutoStream::new(std::io::stderr(), choice);
    let red = anstyle::Style::new()
        .fg_color(Some(anstyle::AnsiColor::Red.into()))
        .bold();
    let _ = writeln!(err, "{red}codex-fwd: error:{red:#} {first} (see `{help}`)");
    ExitCode::from(EXIT_USAGE)
}

/// clap_complete's bash script names a subcommand's state `codex__fwd__subcmd__enable` where
/// it walks the words and `codex__subcmd__fwd__subcmd__enable` where it completes (the `-` of
/// the name escaped after the subcommand separator is put in: clap issue 6421), so no
/// subcommand's options ever complete; the second spelling is made the first.
fn bash_case_labels(script: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(script) {
        Ok(s) => s
            .replace("codex__subcmd__fwd__subcmd__", "codex__fwd__subcmd__")
            .into_bytes(),
        Err(e) => e.into_bytes(),
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
