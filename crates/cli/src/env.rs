//! What every command works in, built once: which config (as ssh would read it), colour, and
//! the local user `Match` sees.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sshcfg::{ConfigSet, HostAlias, LoadOptions, ResolveContext};

use crate::args::{Cli, ColorWhen};
use crate::failure::{EXIT_USAGE, Failure};

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
    /// The local user, for `Match user`/`Match localuser`, and the installed OpenSSH when the
    /// config's answer depends on it.
    pub(crate) ctx: Context,
}

/// The resolve context, which asks the installed OpenSSH for its version (`ssh -V`) only when a
/// config [`Env::load`] read names a keyword or `Match` criterion that not every supported
/// release knows, and then at most once a run.
pub(crate) struct Context {
    base: ResolveContext,
    wants_version: std::cell::Cell<bool>,
    with_version: std::cell::OnceCell<ResolveContext>,
}

impl Context {
    fn new(base: ResolveContext) -> Context {
        Context {
            base,
            wants_version: std::cell::Cell::new(false),
            with_version: std::cell::OnceCell::new(),
        }
    }
}

impl std::ops::Deref for Context {
    type Target = ResolveContext;

    fn deref(&self) -> &ResolveContext {
        if !self.wants_version.get() {
            return &self.base;
        }
        self.with_version.get_or_init(|| {
            self.base
                .clone()
                .with_openssh(crate::system::openssh_version())
        })
    }
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
            ctx: Context::new(ResolveContext::current_user()),
        })
    }

    /// `-F FILE`, if given.
    pub(crate) fn explicit_file(&self) -> Option<&Path> {
        self.explicit_file.as_deref()
    }

    /// Read the config and everything it includes (a missing config reads as empty; a symlink
    /// is read through; a directory, an unreadable file or one of 4 GiB or more is bad input).
    pub(crate) fn load(&self) -> Result<ConfigSet, Failure> {
        let set = ConfigSet::load(&self.target.path, &self.target.opts)?;
        if set
            .files()
            .iter()
            .any(|f| f.doc.depends_on_openssh_version())
        {
            self.ctx.wants_version.set(true);
        }
        Ok(set)
    }
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
pub(crate) fn print_json<T: Serialize>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("JSON of plain data")
    );
}
