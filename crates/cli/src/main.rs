//! `codex-fwd`: make the Codex CLI's OAuth login (a browser redirect to
//! `http://localhost:1455/auth/callback`) work when Codex runs on a remote machine over SSH, by
//! adding `LocalForward 1455 localhost:1455` to that host's block of `~/.ssh/config`.
//!
//! A thin layer over the `sshcfg` library: arguments, diff, confirmation, safe writes.

mod args;
mod cmd;
mod diff;
mod doctor;
mod env;
mod failure;
mod login;
mod system;
mod write;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use args::{Cli, Command};
use env::Env;
use failure::{EXIT_IO, EXIT_USAGE, Failure};

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let choice = env::color_choice(cli.color);
    let env = || Env::new(&cli);
    let result = match &cli.command {
        Command::Enable(a) => env().and_then(|e| cmd::edit::edit(&e, a, sshcfg::Action::Enable)),
        Command::Disable(a) => env().and_then(|e| cmd::edit::edit(&e, a, sshcfg::Action::Disable)),
        Command::Status(a) => env().and_then(|e| cmd::status::status(&e, a)),
        Command::Doctor(a) => env().and_then(|e| cmd::doctor::doctor(&e, a)),
        Command::Tunnel(a) => env().and_then(|e| cmd::tunnel::tunnel(&e, a)),
        Command::Login(a) => env().and_then(|e| login::login(&e, a)),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            // Into memory first: clap_complete panics when a write fails.
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "codex-fwd", &mut buf);
            write_stdout(&buf, "the completion script")
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Failure::new(EXIT_IO, format!("cannot render the man page: {e}")))
                .and_then(|_| write_stdout(&buf, "the man page"))
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

/// Write `bytes` to stdout; a reader that went away (`| head`) is no failure.
fn write_stdout(bytes: &[u8], what: &str) -> Result<u8, Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Failure::new(EXIT_IO, format!("cannot write {what}: {e}"))),
    }
}

/// A closed stdout (`codex-fwd status | head -1`) ends the run quietly with exit 0, as ripgrep
/// does: `println!` panics on a broken pipe (Rust ignores SIGPIPE), and this hook turns exactly
/// that panic into a silent exit. Every other panic is reported as usual.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_broken_pipe_panic(msg) {
            std::process::exit(0);
        }
        // Any other failure to print (a full disk, `>/dev/full`): one line and exit 4.
        if let Some(why) = msg.strip_prefix("failed printing to stdout: ") {
            eprintln!("codex-fwd: error: cannot write to standard output: {why}");
            std::process::exit(i32::from(EXIT_IO));
        }
        default(info);
    }));
}

/// `failed printing to stdout: Broken pipe (os error 32)` and its Windows forms.
fn is_broken_pipe_panic(msg: &str) -> bool {
    let closed = [
        std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string(),
        #[cfg(unix)]
        std::io::Error::from_raw_os_error(libc::EPIPE).to_string(),
        #[cfg(windows)]
        std::io::Error::from_raw_os_error(232).to_string(), // ERROR_NO_DATA
        #[cfg(windows)]
        std::io::Error::from_raw_os_error(109).to_string(), // ERROR_BROKEN_PIPE
    ];
    msg.starts_with("failed printing to stdout") && closed.iter().any(|c| msg.ends_with(c.as_str()))
}

/// A usage error as one line and a pointer to `--help`, exit 2; `--help` and `--version` print
/// as clap prints them.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::from(0);
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
        let args: Vec<String> = std::env::args().skip(1).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn broken_pipe_panics_are_recognised() {
        #[cfg(unix)]
        let e = std::io::Error::from_raw_os_error(libc::EPIPE);
        #[cfg(not(unix))]
        let e = std::io::Error::from_raw_os_error(232);
        assert!(is_broken_pipe_panic(&format!(
            "failed printing to stdout: {e}"
        )));
        assert!(!is_broken_pipe_panic(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_broken_pipe_panic(&format!("something else: {e}")));
    }
}
