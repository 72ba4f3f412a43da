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
    pub(crate) opts: LoadOptions,
}

impl Target {
    /// The config file: read first, and the one edits go to.
    pub(crate) fn path(&self) -> &Path {
        self.opts.main()
    }
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
/// config [`Env::load`] read names a keyword, `Match` criterion or `%` token that not every
/// supported release knows, and then at most once a run.
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
    /// config and then the system config. The user's config is the one ssh reads:
    /// `.ssh/config` under the home the password database gives the user this runs as
    /// (`getpwuid_r`; ssh never looks at `$HOME` for it), or on Windows under the profile
    /// directory. `$HOME` still stands for `~` in `Include` lines, as glob(3) expands it for ssh.
    pub(crate) fn new(cli: &Cli) -> Result<Env, Failure> {
        let home = tilde_home(std::env::var_os("HOME"), dirs::home_dir())
            .ok_or_else(|| Failure::new(EXIT_USAGE, "cannot find the home directory (set HOME)"))?;
        // ssh.c: `-F none` (any letter case) reads no config file at all, so there is nothing
        // to check or edit, and a suggested `ssh -F none` would read something else than this
        // run. A file of that name is `./none`.
        if let Some(p) = &cli.config
            && p.to_str().is_some_and(|s| s.eq_ignore_ascii_case("none"))
        {
            return Err(Failure::new(
                EXIT_USAGE,
                format!(
                    "`-F {0}` makes ssh read no config file at all, so there is nothing to check or edit; for a file named {0}, give `-F ./{0}`",
                    p.display()
                ),
            ));
        }
        let target = match &cli.config {
            Some(p) => Target {
                opts: LoadOptions::explicit_file(p, home),
            },
            None => {
                // On Windows the profile directory (OpenSSH for Windows' pw_dir), whatever
                // $HOME says.
                let ssh_home = sshcfg::passwd_home()
                    .or_else(dirs::home_dir)
                    .unwrap_or_else(|| home.clone());
                Target {
                    opts: LoadOptions::openssh_default(ssh_home.join(".ssh").join("config"), home),
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

    /// When `$HOME/.ssh/config` is not the file ssh reads (and this tool uses), one line that
    /// names both and how to use the other instead; `None` with `-F` or when they are the same.
    pub(crate) fn config_note(&self) -> Option<String> {
        if self.explicit_file.is_some() {
            return None;
        }
        let in_home = self.target.opts.user_config();
        let used = self.target.path();
        if same_file(&in_home, used) || same_file(self.target.opts.home(), used.parent()?.parent()?)
        {
            return None;
        }
        Some(format!(
            "codex-fwd: using {}, the file ssh reads (your home in the password database), not $HOME/.ssh/config ({}); to use that one instead, pass -F {}",
            used.display(),
            in_home.display(),
            in_home.display()
        ))
    }

    /// `-F FILE`, if given.
    pub(crate) fn explicit_file(&self) -> Option<&Path> {
        self.explicit_file.as_deref()
    }

    /// [`Env::load`] for a command that reads what ssh reads (`status`, `doctor`, `login`), after
    /// [`Env::refuse_missing_file`].
    pub(crate) fn load_as_ssh(&self) -> Result<ConfigSet, Failure> {
        self.refuse_missing_file()?;
        self.load()
    }

    /// A file named with `-F` that does not exist is bad input for a command that runs or reads
    /// what ssh reads (`status`, `doctor`, `login`, `tunnel`), as ssh refuses it ("Can't open
    /// user config file"), not an empty config (a typo would otherwise get a plausible answer).
    /// Without `-F` a missing `~/.ssh/config` reads as empty, as it does for ssh.
    pub(crate) fn refuse_missing_file(&self) -> Result<(), Failure> {
        match self.explicit_file() {
            Some(path)
                if std::fs::metadata(path)
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
            {
                Err(Failure::new(
                    crate::failure::EXIT_USAGE,
                    format!(
                        "cannot read {}: no such file (ssh -F refuses a config file that does not exist)",
                        path.display()
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Read the config and everything it includes (a missing config reads as empty; a symlink
    /// is read through; a directory, an unreadable file or one of 4 GiB or more is bad input).
    pub(crate) fn load(&self) -> Result<ConfigSet, Failure> {
        let set = ConfigSet::load(&self.target.opts)?;
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

/// The home `~` stands for in `Include` lines: glob(3)'s `GLOB_TILDE` takes `$HOME` when it is
/// set (even empty: `~/x` is then `/x`), else the password database's home. OpenSSH for Windows globs with
/// OpenBSD's glob.c, which does the same, its password database's home being the profile
/// directory; `dirs::home_dir` is that directory there (it ignores `$HOME`, which Git Bash and
/// MSYS2 set), and `$HOME` or else the password database's home on Unix.
fn tilde_home(home_env: Option<std::ffi::OsString>, home_dir: Option<PathBuf>) -> Option<PathBuf> {
    home_env.map(PathBuf::from).or(home_dir)
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

/// One JSON value on stdout, written as it is serialized (an every-host `status --json` on a
/// large config is tens of megabytes: it is never held whole). Serializing plain data fails
/// only when writing does; that error (a closed reader, a full disk) is the writer's.
pub(crate) fn print_json<T: Serialize>(v: &T) -> Result<(), Failure> {
    // (Characters a terminal acts on are escaped: crate::visible::JsonSafe.)
    let mut out = std::io::BufWriter::new(crate::visible::JsonSafe::new(std::io::stdout().lock()));
    serde_json::to_writer_pretty(&mut out, v)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(stdout_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `~` in Include is `$HOME` when set, even empty (glob(3)'s GLOB_TILDE, and OpenBSD's
    /// glob.c in OpenSSH for Windows), else the home the platform gives.
    #[test]
    fn tilde_is_home_then_the_platform_s_home() {
        let profile = Some(PathBuf::from("C:\\Users\\me"));
        assert_eq!(
            tilde_home(Some("/home/git-bash".into()), profile.clone()),
            Some(PathBuf::from("/home/git-bash"))
        );
        assert_eq!(
            tilde_home(Some("".into()), profile.clone()),
            Some(PathBuf::new())
        );
        assert_eq!(tilde_home(None, profile.clone()), profile);
        assert_eq!(tilde_home(None, None), None);
    }
}
