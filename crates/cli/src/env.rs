//! What every command works in, built once: which config (as ssh would read it), colour, and
//! the local user `Match` sees.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sshcfg::{ConfigSet, HostAlias, LoadOptions, ResolveContext};

use crate::args::{Cli, ColorWhen};
use crate::failure::{EXIT_USAGE, Failure, stdout_failed};

/// Where the config is, whether ssh would also read the system config, and the home directory.
pub(crate) struct Target {
    pub(crate) path: PathBuf,
    pub(crate) opts: LoadOptions,
}

/// The environment of a command.
pub(crate) struct Env {
    /// The config to read (and edit), with ssh's load options.
    pub(crate) target: Target,
    /// `-F FILE`, when given (ssh then reads that file alone, and passes it on to ssh).
    pub(crate) explicit_file: Option<PathBuf>,
    /// Whether to colour output.
    pub(crate) color: anstream::ColorChoice,
    /// The local user, for `Match user`/`Match localuser`.
    pub(crate) ctx: ResolveContext,
}

impl Env {
    /// Build the environment from the command line: `-F FILE` alone, or, as ssh, the user's
    /// config and then the system config.
    pub(crate) fn new(cli: &Cli) -> Result<Env, Failure> {
        let home = dirs::home_dir()
            .ok_or_else(|| Failure::new(EXIT_USAGE, "cannot find the home directory (set HOME)"))?;
        let target = match &cli.config {
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
        };
        Ok(Env {
            target,
            explicit_file: cli.config.clone(),
            color: color_choice(cli.color),
            ctx: ResolveContext::current_user().with_openssh(crate::system::openssh_version()),
        })
    }

    /// When this tool's config (`$HOME/.ssh/config`) is not the one ssh reads (under the home
    /// the password database gives the user: ssh never looks at `$HOME` for it), one line that
    /// names both and how to use the other; `None` with `-F` or when they are the same file.
    pub(crate) fn config_note(&self) -> Option<String> {
        if self.explicit_file.is_some() {
            return None;
        }
        let pw = sshcfg::passwd_home()?;
        let ssh_reads = pw.join(".ssh").join("config");
        let ours = &self.target.path;
        if same_file(ours, &ssh_reads) || same_file(self.target.opts.home(), &pw) {
            return None;
        }
        Some(format!(
            "codex-fwd: using {} ($HOME is {}), but ssh reads {} (your home in the password database), not this file; to use that one, pass -F {}",
            ours.display(),
            self.target.opts.home().display(),
            ssh_reads.display(),
            ssh_reads.display()
        ))
    }

    /// `-F FILE`, if given.
    pub(crate) fn explicit_file(&self) -> Option<&Path> {
        self.explicit_file.as_deref()
    }

    /// Read the config and everything it includes (a missing config reads as empty; a symlink
    /// is read through; a directory, an unreadable file or one of 4 GiB or more is bad input).
    pub(crate) fn load(&self) -> Result<ConfigSet, Failure> {
        Ok(ConfigSet::load(&self.target.path, &self.target.opts)?)
    }
}

/// Do two paths name the same file or directory (the same path, or the same one once links are
/// followed)?
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || std::fs::canonicalize(a)
            .ok()
            .is_some_and(|x| std::fs::canonicalize(b).ok() == Some(x))
}

/// `--color` as anstream takes it.
pub(crate) fn color_choice(c: ColorWhen) -> anstream::ColorChoice {
    match c {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
}

/// Every host argument is one literal name (else a one-line error, exit 2).
pub(crate) fn check_hosts(hosts: &[String]) -> Result<(), Failure> {
    for h in hosts {
        HostAlias::new(h).map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    }
    Ok(())
}

/// One JSON value on stdout.
pub(crate) fn print_json<T: Serialize>(v: &T) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(v).expect("JSON of plain data");
    text.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_failed)
}
