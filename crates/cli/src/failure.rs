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
    /// What to say; `None` ends the run quietly (standard output was closed: `| head`).
    message: Option<String>,
}

impl Failure {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: Some(message.into()),
        }
    }

    /// The one-line message, or `None` for a run that ends quietly.
    pub(crate) fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Output that a reader who went away (`| head`) no longer takes: the run goes on without
    /// it. For a command that changes files (`enable`, `disable`) or whose exit status is its
    /// verdict (`doctor`), what it does and its exit status (`--check`'s 1, `doctor`'s 3) must
    /// not depend on whether its output is read; any other failure to write stays one.
    pub(crate) fn unless_reader_gone(r: Result<(), Failure>) -> Result<(), Failure> {
        match r {
            Err(f) if f.message.is_none() => Ok(()),
            r => r,
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

impl Failure {
    /// The failure for arguments of `sub` that make no request: an option's values that do
    /// not fit together point to `--help`, a bad value is named alone.
    pub(crate) fn from_usage(sub: &str, e: crate::args::UsageError) -> Failure {
        match e {
            crate::args::UsageError::Option(m) => Failure::usage(sub, m),
            crate::args::UsageError::Input(m) => Failure::new(EXIT_USAGE, m),
        }
    }
}

impl From<sshcfg::LoadError> for Failure {
    fn from(e: sshcfg::LoadError) -> Failure {
        Failure::new(EXIT_USAGE, e.to_string())
    }
}

/// A failed write to standard output: the one exit policy for it. A reader that went away
/// (`| head`) ends the run quietly with success, as ripgrep does; anything else (`>/dev/full`)
/// is a failure (exit 4). Every write to stdout goes through this (`print_stdout` is denied).
pub(crate) fn stdout_failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure {
            code: 0,
            message: None,
        };
    }
    Failure::new(EXIT_IO, format!("cannot write to standard output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_reader_ends_the_run_quietly_and_a_full_disk_does_not() {
        #[cfg(unix)]
        let closed = [std::io::Error::from_raw_os_error(libc::EPIPE)];
        // ERROR_NO_DATA and ERROR_BROKEN_PIPE: what a closed pipe gives on Windows.
        #[cfg(windows)]
        let closed = [
            std::io::Error::from_raw_os_error(232),
            std::io::Error::from_raw_os_error(109),
        ];
        for e in closed {
            let f = stdout_failed(e);
            assert_eq!((f.code, f.message()), (0, None));
        }
        let f = stdout_failed(std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert_eq!(f.code, EXIT_IO);
        assert!(
            f.message()
                .unwrap()
                .starts_with("cannot write to standard output: ")
        );
    }
}
