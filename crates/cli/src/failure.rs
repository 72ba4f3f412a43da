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
