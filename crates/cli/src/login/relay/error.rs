//! Why a request could not be carried: one line each.

use std::io;
use std::time::Duration;

use super::Client;

/// Why a request could not be carried. Each prints as one line.
#[derive(Debug)]
pub(crate) enum RelayError {
    /// The far side's command did not run the script: ssh or the exec command failed (a
    /// container that is not running, say); its last line of standard error.
    NotRun {
        place: String,
        status: String,
        said: String,
    },
    /// The script ran but gave no output: the exec command did not pass standard input.
    NoInput { place: String },
    /// No HTTP client on the far side.
    NoClient { place: String },
    /// The client got no response: nothing listens there, or it failed.
    Unreachable {
        place: String,
        url: String,
        client: Client,
        status: String,
        said: String,
    },
    /// No response within the deadline.
    Timeout {
        place: String,
        url: String,
        after: Duration,
    },
    /// The far side printed something that is not a response.
    Garbled { place: String, why: String },
    /// Stopped (Ctrl-C) while the far side ran.
    Stopped,
    /// Running the far side's command failed here.
    Spawn { program: String, error: io::Error },
}

impl std::fmt::Display for RelayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RelayError::NotRun {
                place,
                status,
                said,
            } => {
                if said.is_empty() {
                    write!(f, "cannot run a shell {place} ({status})")
                } else {
                    write!(f, "cannot run a shell {place}: {said}")
                }
            }
            RelayError::NoInput { place } => write!(
                f,
                "the shell {place} got no input: the exec command must pass standard input (docker/podman/kubectl exec need -i)"
            ),
            RelayError::NoClient { place } => write!(
                f,
                "no HTTP client {place}: the relay needs curl, GNU wget, python3 or node there"
            ),
            RelayError::Unreachable {
                place,
                url,
                client,
                status,
                said,
            } => {
                let said = if said.is_empty() {
                    status.clone()
                } else {
                    said.clone()
                };
                write!(f, "{client} {place} got no response from {url}: {said}")
            }
            RelayError::Timeout { place, url, after } => write!(
                f,
                "no response from {url} {place} within {} s",
                after.as_secs()
            ),
            RelayError::Garbled { place, why } => {
                write!(f, "unexpected output from the relay {place}: {why}")
            }
            RelayError::Stopped => write!(f, "stopped"),
            RelayError::Spawn { program, error } => write!(f, "cannot run {program}: {error}"),
        }
    }
}

impl std::error::Error for RelayError {}
