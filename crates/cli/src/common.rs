//! What every command shares: failures and their exit codes, finding and loading the config.

use std::path::PathBuf;

use serde::Serialize;
use sshcfg::{ConfigSet, HostAlias, LoadOptions};

use crate::args::Cli;

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

/// Where the config is, whether ssh would also read the system config, and the home directory.
pub(crate) struct Target {
    pub(crate) path: PathBuf,
    pub(crate) opts: LoadOptions,
}

pub(crate) fn target(cli: &Cli) -> Result<Target, Failure> {
    let home = dirs::home_dir()
        .ok_or_else(|| Failure::new(EXIT_USAGE, "cannot find the home directory (set HOME)"))?;
    // As ssh: `-F FILE` alone, or the user's config and then the system config.
    Ok(match &cli.config {
        Some(p) => Target {
            path: p.clone(),
            opts: LoadOptions::explicit_file(home),
        },
        None => {
            let opts = LoadOptions::openssh_default(home);
            Target {
                path: opts.user_config(),
                opts,
            }
        }
    })
}

/// Read the config and everything it includes (a missing config reads as empty; a symlink is
/// read through; a directory, an unreadable file or one of 4 GiB or more is bad input).
pub(crate) fn load(t: &Target) -> Result<ConfigSet, Failure> {
    Ok(ConfigSet::load(&t.path, &t.opts)?)
}

pub(crate) fn check_hosts(hosts: &[String]) -> Result<(), Failure> {
    for h in hosts {
        HostAlias::new(h).map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    }
    Ok(())
}

pub(crate) fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON of plain data")
    );
}
