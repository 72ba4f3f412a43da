//! Failures: a one-line message and the exit code it maps to.

/// `--check` found a change to make.
pub(crate) const EXIT_CHANGE_NEEDED: u8 = 1;
/// Bad usage or bad input.
pub(crate) const EXIT_USAGE: u8 = 2;
/// The config or the system prevents it.
pub(crate) const EXIT_REFUSED: u8 = 3;
/// Reading, writing or running ssh failed.
pub(crate) const EXIT_IO: u8 = 4;

/// A failure, with the exit code it maps to and a one-line message.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// Bad usage of subcommand `sub`: the message and where to read more, exit 2.
    pub(crate) fn usage(sub: &str, message: impl std::fmt::Display) -> Failure {
        Failure::new(
            EXIT_USAGE,
            format!("{message} (see `codex-fwd {sub} --help`)"),
        )
    }
}

impl From<sshcfg::LoadError> for Failure {
    fn from(e: sshcfg::LoadError) -> Failure {
        Failure::new(EXIT_USAGE, e.to_string())
    }
}

impl From<sshcfg::EditError> for Failure {
    fn from(e: sshcfg::EditError) -> Failure {
        let code = match e {
            sshcfg::EditError::Host(_) => EXIT_USAGE,
            _ => EXIT_REFUSED,
        };
        Failure::new(code, e.to_string())
    }
}

/// A failed write to standard output: a reader that went away (`| head`) ends the run quietly
/// with success, as ripgrep does; anything else is a failure (exit 4).
pub(crate) fn stdout_failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    Failure::new(EXIT_IO, format!("cannot write to standard output: {e}"))
}
