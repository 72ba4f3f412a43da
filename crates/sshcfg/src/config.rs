//! A config and every file it includes: what ssh reads for one run.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::document::Document;
use crate::header::Header;
use crate::loc::{FileId, Loc, Place};

/// A file of the set could not be read (nothing is loaded).
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot read: {source}", path.display())]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// Why, as the system said it.
    #[source]
    pub source: io::Error,
}

/// OpenSSH's `READCONF_MAX_DEPTH`: how deep Includes may nest.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 16;

/// Why a file is in the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The user's config (`~/.ssh/config` or `-F FILE`): the file edits go to.
    Main,
    /// The system-wide config (`/etc/ssh/ssh_config`), read after the main one and never edited.
    System,
    /// Reached through `Include`.
    Included {
        /// Whether it was reached from the system config (then never edited).
        from_system: bool,
    },
}

/// One file of the set.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it was read from (for the main file, as given; it may not exist yet).
    pub path: PathBuf,
    /// Its content.
    pub doc: Document,
    /// Why it is here.
    pub role: FileRole,
    /// Whether the file existed when read.
    pub exists: bool,
    /// For every `Include` line (0-based line index), the files it names, in glob order.
    pub includes: Vec<(usize, Vec<FileId>)>,
}

impl SourceFile {
    /// May an edit write this file?
    pub fn editable(&self) -> bool {
        matches!(
            self.role,
            FileRole::Main | FileRole::Included { from_system: false }
        )
    }

    /// The files named by the `Include` on line `line`.
    pub fn included_at(&self, line: usize) -> &[FileId] {
        match self.includes.binary_search_by_key(&line, |(l, _)| *l) {
            Ok(i) => &self.includes[i].1,
            Err(_) => &[],
        }
    }
}

/// A directory an `Include` names (glob(3) lists directories as well as files): ssh opens it,
/// checks its owner and mode as it does an included file's, and reads no line from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludedDir {
    /// The directory, as the `Include` pattern matched it.
    pub path: PathBuf,
    /// The first `Include` line that names it.
    pub from: Loc,
}

/// Where to read from: the main file, the system config, and how to resolve `~` and relative
/// `Include` paths.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    main: PathBuf,
    home: PathBuf,
    system_config: Option<PathBuf>,
}

impl LoadOptions {
    /// As `ssh HOST` reads: the user's config `main`, then the system config
    /// ([`system_config_path`]), with `~` standing for `home`. ssh reads `.ssh/config` under the
    /// password database's home ([`crate::passwd_home`]), whatever `$HOME` says, and uses
    /// `$HOME` only for `~` in `Include`: a caller that wants ssh's file passes that path as
    /// `main` (or [`LoadOptions::user_config`] for the one under `home`).
    pub fn openssh_default(main: impl Into<PathBuf>, home: impl Into<PathBuf>) -> LoadOptions {
        LoadOptions {
            main: main.into(),
            home: home.into(),
            system_config: Some(system_config_path()),
        }
    }

    /// As `ssh -F FILE` reads: only `file` (and its Includes), with `~` standing for `home`.
    pub fn explicit_file(file: impl Into<PathBuf>, home: impl Into<PathBuf>) -> LoadOptions {
        LoadOptions {
            main: file.into(),
            home: home.into(),
            system_config: None,
        }
    }

    /// The main file: the one read first, and the one edits go to.
    pub fn main(&self) -> &Path {
        &self.main
    }

    /// The same, with the system config read from `path` instead (for tests, or a system
    /// whose OpenSSH was built with another `SSHDIR`).
    pub fn with_system_config(mut self, path: impl Into<PathBuf>) -> LoadOptions {
        self.system_config = Some(path.into());
        self
    }

    /// The home directory: `~` and relative user Includes (`~/.ssh/<path>`) are resolved with it.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The user's config under that home: `~/.ssh/config` (ssh's own may be elsewhere, see
    /// [`LoadOptions::openssh_default`]).
    pub fn user_config(&self) -> PathBuf {
        self.home.join(".ssh").join("config")
    }

    /// The system config read after the main file, if any.
    pub fn system_config(&self) -> Option<&Path> {
        self.system_config.as_deref()
    }
}

/// The system-wide config ssh reads after the user's: `/etc/ssh/ssh_config`, or on Windows
/// `%ProgramData%\ssh\ssh_config` (OpenSSH for Windows).
pub fn system_config_path() -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(program_data()).join("ssh").join("ssh_config")
    } else {
        PathBuf::from("/etc/ssh/ssh_config")
    }
}

/// A config with every file it includes.
#[derive(Debug, Clone)]
pub struct ConfigSet {
    files: Vec<SourceFile>,
    dirs: Vec<IncludedDir>,
    roots: Vec<FileId>,
    home: PathBuf,
    /// The `IgnoreUnknown` lines of ssh's first reading of the files, made when first asked
    /// (see `crate::unknown`); forgotten when a file is changed.
    ignore_reading: std::sync::OnceLock<crate::unknown::IgnoreReading>,
    /// By file: its diagnostics with the unknown keywords its own first `IgnoreUnknown` does
    /// not cover for every host added, for the first release asked, when any are (`None`: it
    /// adds none); made when first asked (see `ConfigSet::file_diagnostics`), forgotten when a
    /// file is changed.
    added: Vec<std::sync::OnceLock<crate::edit::Added>>,
}

struct Loader<'a> {
    opts: &'a LoadOptions,
    files: Vec<SourceFile>,
    dirs: Vec<IncludedDir>,
    by_path: HashMap<PathBuf, FileId>,
}

impl Loader<'_> {
    fn add(&mut self, path: PathBuf, doc: Document, role: FileRole, exists: bool) -> FileId {
        let id = FileId::new(self.files.len());
        self.files.push(SourceFile {
            path: path.clone(),
            doc,
            role,
            exists,
            includes: Vec::new(),
        });
        self.by_path.insert(path, id);
        id
    }

    /// Find and read the files each Include of `id` names, recursively.
    fn follow(&mut self, id: FileId, system: bool, depth: usize) -> Result<(), LoadError> {
        if depth > MAX_INCLUDE_DEPTH {
            return Ok(()); // reported by resolution, as OpenSSH does when it gets there
        }
        let mut includes = Vec::new();
        let doc = &self.files[id.index()].doc;
        let mut lines = Vec::new();
        for i in doc.lines_of("include") {
            // Every Include line is listed, one whose quotes are bad with no files (the walk
            // reports it where it reaches it).
            let args = match doc.args(i) {
                Some(Ok(args)) => args.into_iter().map(|t| t.value.into_owned()).collect(),
                _ => Vec::new(),
            };
            lines.push((i, args));
        }
        for (line, args) in lines {
            let mut ids = Vec::new();
            for arg in args {
                for path in self.expand(&arg, system) {
                    let child = match self.by_path.get(&path) {
                        Some(&c) => c,
                        None => match read_file_bytes(&path) {
                            Ok(bytes) => {
                                let c = self.add(
                                    path,
                                    Document::from_file_bytes(bytes),
                                    FileRole::Included {
                                        from_system: system,
                                    },
                                    true,
                                );
                                self.follow(c, system, depth + 1)?;
                                c
                            }
                            // glob(3) lists what exists; a directory is no config (ssh reads
                            // nothing from it, but checks its owner and mode).
                            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                            Err(_) if path.is_dir() => {
                                if !self.dirs.iter().any(|d| d.path == path) {
                                    self.dirs.push(IncludedDir {
                                        path,
                                        from: Loc::new(id, line),
                                    });
                                }
                                continue;
                            }
                            Err(source) => return Err(LoadError { path, source }),
                        },
                    };
                    ids.push(child);
                }
            }
            includes.push((line, ids));
        }
        self.files[id.index()].includes = includes;
        Ok(())
    }

    /// An Include argument made absolute (`~/.ssh/` or the system directory for relative
    /// paths, [`anchor_include`]) and globbed as glob(3) globs it for ssh
    /// ([`crate::include_glob`]): paths that do not exist are dropped, as glob(3) drops them.
    /// On Unix the argument and the names on disk are bytes, whatever their encoding; OpenSSH
    /// for Windows reads UTF-8 only.
    fn expand(&self, arg: &[u8], system: bool) -> Vec<PathBuf> {
        if cfg!(windows) && std::str::from_utf8(arg).is_err() {
            return Vec::new();
        }
        let home = path_bytes(&self.opts.home);
        let rules = if cfg!(windows) {
            PathRules::Windows {
                program_data: program_data().to_string_lossy().into_owned(),
            }
        } else {
            PathRules::Unix
        };
        let user_home = |user: &[u8]| crate::passwd::home_of(user).map(|h| path_bytes(&h));
        let Some(full) = anchor_include(arg, system, &home, &rules, user_home) else {
            return Vec::new();
        };
        // On Windows a backslash separates path components; glob(3)'s quoting is for Unix.
        crate::include_glob::glob(&full.pattern, full.home, cfg!(unix))
    }
}

/// A path's bytes: on Unix as they are, elsewhere its UTF-8 (lossy, as paths were read before).
fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// How the ssh that reads a config tells an absolute path and names its system directory.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathRules {
    /// OpenSSH: a path is absolute when it starts with `/`; the system directory is `/etc/ssh`.
    #[cfg_attr(windows, allow(dead_code))]
    Unix,
    /// OpenSSH for Windows (PowerShell/openssh-portable): `path_absolute` is
    /// `is_absolute_path` (after one leading quote character: `/`, a backslash, a drive letter
    /// and `:`, or `__PROGRAMDATA__`); the system directory (`SSHDIR`) is
    /// `__PROGRAMDATA__\ssh`, `__PROGRAMDATA__` standing for `%ProgramData%`; and the path is
    /// written with forward slashes before it is globbed (`convertToForwardslash`), so a
    /// backslash is a separator, never an escape.
    #[cfg_attr(not(windows), allow(dead_code))]
    Windows { program_data: String },
}

/// `%ProgramData%` (`C:\ProgramData` when it is not set).
fn program_data() -> std::ffi::OsString {
    std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into())
}

/// An `Include` argument anchored by [`anchor_include`]: the glob(3) pattern, `~` expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Anchored {
    /// The pattern.
    pattern: Vec<u8>,
    /// How many of its first bytes are the home directory `~` stood for: glob(3) quotes the
    /// pattern before it expands `~`, so a backslash there is a plain byte (its `*`, `?` and
    /// `[` are still magic; checked with `ssh -G` and `$HOME` holding each).
    home: usize,
}

/// readconf.c's `Include`: the glob pattern of one argument. A path that is not absolute is
/// read under `~/.ssh/` in the user's files and under the system directory in the system's;
/// `~` and `~/` stand for `home`; on Unix `~user` for `user_home(user)` (the password
/// database), and for an unknown user it stays as written, a path relative to the working
/// directory, as glob(3) leaves it. `None` when ssh reads no file for it: an empty argument, a
/// `~` in the system config (ssh refuses the line), or `~user` for OpenSSH for Windows (not
/// evaluated).
fn anchor_include(
    arg: &[u8],
    system: bool,
    home: &[u8],
    rules: &PathRules,
    user_home: impl Fn(&[u8]) -> Option<Vec<u8>>,
) -> Option<Anchored> {
    if arg.is_empty() || (system && arg[0] == b'~') {
        return None;
    }
    let absolute = match rules {
        PathRules::Unix => arg[0] == b'/',
        PathRules::Windows { .. } => {
            let p = arg
                .strip_prefix(b"\"")
                .or_else(|| arg.strip_prefix(b"'"))
                .unwrap_or(arg);
            matches!(p.first(), Some(b'/' | b'\\'))
                || (p.first().is_some_and(u8::is_ascii_alphabetic) && p.get(1) == Some(&b':'))
                || p.starts_with(b"__PROGRAMDATA__")
        }
    };
    // readconf.c: a path that is neither absolute nor starts with `~` goes under the user's or
    // the system's directory (the user's as `~/.ssh/`); OpenSSH for Windows then writes every
    // backslash as `/` (`convertToForwardslash`); glob(3)'s `GLOB_TILDE` expands `~`.
    let pattern = if absolute || arg[0] == b'~' {
        arg.to_vec()
    } else if system {
        match rules {
            PathRules::Unix => [&b"/etc/ssh/"[..], arg].concat(),
            PathRules::Windows { .. } => [&b"__PROGRAMDATA__/ssh/"[..], arg].concat(),
        }
    } else {
        [&b"~/.ssh/"[..], arg].concat()
    };
    let pattern = match rules {
        PathRules::Unix => pattern,
        PathRules::Windows { program_data } => {
            let pattern = match pattern.strip_prefix(b"__PROGRAMDATA__") {
                Some(rest) => [program_data.as_bytes(), rest].concat(),
                None => pattern,
            };
            let slash = |b: u8| if b == b'\\' { b'/' } else { b };
            pattern.into_iter().map(slash).collect()
        }
    };
    let homed = |h: &[u8], tail: &[u8]| Anchored {
        pattern: [h, tail].concat(),
        home: h.len(),
    };
    if pattern == b"~" {
        Some(homed(home, b""))
    } else if pattern.starts_with(b"~/") {
        Some(homed(home, &pattern[1..]))
    } else if let Some(rest) = pattern.strip_prefix(b"~") {
        match rules {
            // glob(3)'s `globtilde`: the name up to the first `/` is looked up with getpwnam;
            // an unknown one leaves the pattern as it is (checked with `ssh -G`: `Include
            // ~nosuchuser/x` reads `x` in a directory `~nosuchuser` of the working directory).
            // A backslash quotes the next character there too (openbsd-compat's glob, which
            // ssh uses on Linux, drops the quoting when it copies the name out): `~\root/x` is
            // root's, and a quoted `/` does not end the name.
            PathRules::Unix => {
                let mut user = Vec::new();
                let mut end = rest.len();
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        b'/' => {
                            end = i;
                            break;
                        }
                        b'\\' => {
                            i += 1;
                            user.push(rest.get(i).copied().unwrap_or(b'\\'));
                        }
                        c => user.push(c),
                    }
                    i += 1;
                }
                let tail = &rest[end..];
                Some(match user_home(&user) {
                    Some(h) => homed(&h, tail),
                    None => Anchored {
                        pattern: pattern.clone(),
                        home: 0,
                    },
                })
            }
            PathRules::Windows { .. } => None, // ~user: not evaluated
        }
    } else {
        Some(Anchored { pattern, home: 0 })
    }
}

impl ConfigSet {
    /// Read the main file of `opts` (a missing file reads as empty) and everything it includes,
    /// then the system config if `opts` names one.
    pub fn load(opts: &LoadOptions) -> Result<ConfigSet, LoadError> {
        let (bytes, exists) = read_main(&opts.main)?;
        ConfigSet::from_main(bytes, exists, opts)
    }

    /// As [`ConfigSet::load`], with the main file's bytes already in hand (Includes are still
    /// read from disk).
    pub fn from_main_bytes(bytes: Vec<u8>, opts: &LoadOptions) -> Result<ConfigSet, LoadError> {
        ConfigSet::from_main(bytes.into(), true, opts)
    }

    fn from_main(
        bytes: crate::FileBytes,
        exists: bool,
        opts: &LoadOptions,
    ) -> Result<ConfigSet, LoadError> {
        let mut loader = Loader {
            opts,
            files: Vec::new(),
            dirs: Vec::new(),
            by_path: HashMap::new(),
        };
        let id = loader.add(
            opts.main.clone(),
            Document::from_file_bytes(bytes),
            FileRole::Main,
            exists,
        );
        loader.follow(id, false, 0)?;
        let mut roots = vec![id];
        if let Some(sys) = &opts.system_config {
            match read_file_bytes(sys) {
                Ok(bytes) => {
                    let sid = loader.add(
                        sys.clone(),
                        Document::from_file_bytes(bytes),
                        FileRole::System,
                        true,
                    );
                    loader.follow(sid, true, 0)?;
                    roots.push(sid);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(LoadError {
                        path: sys.clone(),
                        source,
                    });
                }
            }
        }
        let added = loader.files.iter().map(|_| Default::default()).collect();
        Ok(ConfigSet {
            files: loader.files,
            dirs: loader.dirs,
            roots,
            home: opts.home.clone(),
            ignore_reading: Default::default(),
            added,
        })
    }

    /// All files, main file first.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The directories `Include` lines name, each once, in the order they were reached: ssh
    /// reads nothing from them but refuses the config when one's owner or mode is bad.
    pub fn included_dirs(&self) -> &[IncludedDir] {
        &self.dirs
    }

    /// The ids of [`files`](Self::files), in the same order.
    pub fn file_ids(&self) -> impl ExactSizeIterator<Item = FileId> + use<> {
        (0..self.files.len()).map(FileId::new)
    }

    /// One file.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    pub(crate) fn file_mut(&mut self, id: FileId) -> &mut SourceFile {
        // (What was read of the files may change.)
        self.ignore_reading.take();
        self.added.iter_mut().for_each(|a| drop(a.take()));
        &mut self.files[id.index()]
    }

    /// The slot of file `id` for what this set adds to its diagnostics (see the field).
    pub(crate) fn added_slot(
        &self,
        id: FileId,
    ) -> Option<&std::sync::OnceLock<crate::edit::Added>> {
        self.added.get(id.index())
    }

    /// The `IgnoreUnknown` lines of ssh's first reading of the files (made once).
    pub(crate) fn ignore_reading(&self) -> &crate::unknown::IgnoreReading {
        self.ignore_reading
            .get_or_init(|| crate::unknown::IgnoreReading::of(self))
    }

    /// The main (user) file.
    pub fn main(&self) -> &SourceFile {
        &self.files[self.roots[0].index()]
    }

    /// The files ssh reads at top level, in order (main, then system).
    pub fn roots(&self) -> &[FileId] {
        &self.roots
    }

    /// The home directory `~` stands for.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// `path:line` of a line of the set, for messages.
    pub fn place(&self, loc: Loc) -> Place<'_> {
        Place {
            path: &self.file(loc.file()).path,
            line: loc.line(),
        }
    }

    /// The first `Include` line that reads `file`.
    pub fn included_from(&self, file: FileId) -> Option<Loc> {
        self.files.iter().enumerate().find_map(|(id, f)| {
            f.includes
                .iter()
                .find(|(_, ids)| ids.contains(&file))
                .map(|(line, _)| Loc::new(FileId::new(id), *line))
        })
    }

    /// Every literal host name that a `Host` line of an editable file names (no wildcard, no
    /// negation), in order of first appearance.
    pub fn literal_hosts(&self) -> Vec<String> {
        let headers: usize = self.files.iter().map(|f| f.doc.block_count()).sum();
        let names = self
            .files
            .iter()
            .filter(|f| f.editable())
            .flat_map(|f| f.doc.blocks().filter_map(|b| b.header).map(move |h| (f, h)))
            .filter_map(|(f, h)| match f.doc.header(h) {
                Some(Header::Host(line)) if line.check_quotes().is_ok() => Some(line),
                _ => None,
            })
            .flat_map(|line| line.patterns().filter_map(Result::ok))
            .filter(|p| !p.is_negated() && !crate::pattern::has_wildcard(&p.pattern))
            .map(|p| p.pattern);
        let mut out = LiteralNames::with_capacity(headers);
        for v in names {
            out.push(v);
        }
        out.finish().into_iter().map(|n| n.into_owned()).collect()
    }
}

/// The names [`ConfigSet::literal_hosts`] gives, gathered one by one out of the positive patterns
/// without a wildcard of the `Host` lines (whose quotes close) of the editable files, in order:
/// each once, those that are not host names left out.
pub(crate) struct LiteralNames<'x> {
    seen: crate::hash::HashSet<std::borrow::Cow<'x, str>>,
    out: Vec<std::borrow::Cow<'x, str>>,
}

impl<'x> LiteralNames<'x> {
    /// Room for about `capacity` names.
    pub(crate) fn with_capacity(capacity: usize) -> LiteralNames<'x> {
        LiteralNames {
            seen: crate::hash::HashSet::with_capacity_and_hasher(
                capacity + capacity / 4,
                Default::default(),
            ),
            out: Vec::with_capacity(capacity),
        }
    }

    /// The next pattern.
    pub(crate) fn push(&mut self, v: std::borrow::Cow<'x, [u8]>) {
        if let Some(name) = host_name(v)
            && self.seen.insert(name.clone())
        {
            self.out.push(name);
        }
    }

    /// The names, in order of first appearance.
    pub(crate) fn finish(self) -> Vec<std::borrow::Cow<'x, str>> {
        self.out
    }
}

/// A positive pattern without a wildcard as a host name [`ConfigSet::literal_hosts`] lists;
/// `None` when it is not one. Taken from the config's text where it is written as it reads
/// (most names).
#[inline]
pub(crate) fn host_name(v: std::borrow::Cow<'_, [u8]>) -> Option<std::borrow::Cow<'_, str>> {
    use std::borrow::Cow;
    // Names of letters, digits, `.`, `_` and `-` (not leading) are names as they stand;
    // anything else is asked of HostAlias.
    let plain = v[0] != b'-'
        && v.iter()
            .all(|&c| crate::host::PLAIN_NAME_BYTE[usize::from(c)]);
    if plain && let Cow::Borrowed(b) = v {
        // SAFETY: the bytes of a plain name are ASCII, so UTF-8 (checked once, above, in
        // one look at each byte instead of two).
        return Some(Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(b) }));
    }
    // Anything else must be UTF-8 and a HostAlias.
    if !plain && !std::str::from_utf8(&v).is_ok_and(|s| crate::host::HostAlias::new(s).is_ok()) {
        return None;
    }
    Some(match v {
        Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b).expect("checked UTF-8")),
        Cow::Owned(o) => Cow::Owned(String::from_utf8(o).expect("checked UTF-8")),
    })
}

/// Read the main config: a missing file is empty; a directory or an unreadable file is an error.
fn read_main(path: &Path) -> Result<(crate::FileBytes, bool), LoadError> {
    match read_file_bytes(path) {
        Ok(b) => Ok((b, true)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((Vec::new().into(), false)),
        Err(e) if path.is_dir() => Err(LoadError {
            path: path.to_path_buf(),
            source: io::Error::new(e.kind(), "is a directory"),
        }),
        Err(source) => Err(LoadError {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Read a config file as ssh does, whatever kind of file it is: a character device is read
/// (`-F /dev/null` is an empty config), and so is a FIFO or pipe (`-F <(cat config)`), until its
/// writer closes it. Unlike ssh, opening never waits for a writer: the file is opened
/// non-blocking (on Unix), so a FIFO nobody has opened for writing reads as empty instead of
/// hanging, and reading then blocks only while a writer holds it open. A socket cannot be
/// opened; 4 GiB or more is refused.
///
/// A large regular file (1 MiB or more) is mapped instead of read, on Unix (on Windows a mapped
/// file could not be replaced while it is mapped).
pub fn read_file_bytes(path: &Path) -> io::Result<crate::FileBytes> {
    let (file, meta) = open_config(path)?;
    #[cfg(unix)]
    if meta.is_file()
        && meta.len() >= crate::bytes::MAP_AT_LEAST
        && let Ok(b) = crate::FileBytes::map(&file)
    {
        return Ok(b);
    }
    read_to_end(file, &meta).map(crate::FileBytes::from)
}

/// Open a config as [`read_file_bytes`] describes: non-blocking, a socket refused, 4 GiB refused, and
/// back to blocking reads for what is not a regular file.
fn open_config(path: &Path) -> io::Result<(std::fs::File, std::fs::Metadata)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            use std::os::unix::fs::FileTypeExt as _;
            if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                return Err(io::Error::new(e.kind(), "is a socket, not a config file"));
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() >= u64::from(u32::MAX) {
        return Err(too_big());
    }
    #[cfg(unix)]
    if !meta.is_file() {
        // Back to blocking reads: a writer that is there is waited for, as ssh waits.
        use std::os::fd::AsRawFd as _;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor we own, with flags it just returned.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    Ok((file, meta))
}

fn too_big() -> io::Error {
    io::Error::other("4 GiB or more is not an ssh config this library reads")
}

fn read_to_end(file: std::fs::File, meta: &std::fs::Metadata) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::with_capacity(if meta.is_file() {
        meta.len() as usize
    } else {
        0
    });
    file.take(u64::from(u32::MAX)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 >= u64::from(u32::MAX) {
        return Err(too_big());
    }
    Ok(bytes)
}

#[cfg(all(test, unix))]
mod read_tests {
    use super::read_file_bytes;

    fn read_file(p: &Path) -> std::io::Result<Vec<u8>> {
        read_file_bytes(p).map(crate::FileBytes::into_vec)
    }
    use std::path::Path;
    use std::time::Duration;

    #[test]
    fn large_regular_files_are_mapped_small_ones_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        let text = "Host a\n    User u\n".repeat(70_000);
        std::fs::write(&big, &text).unwrap();
        let b = read_file_bytes(&big).unwrap();
        assert!(b.is_mapped());
        assert_eq!(&*b, text.as_bytes());
        let doc = crate::Document::from_file_bytes(b);
        assert_eq!(doc.line_count(), 140_000);
        let small = dir.path().join("small");
        std::fs::write(&small, "Host a\n").unwrap();
        assert!(!read_file_bytes(&small).unwrap().is_mapped());
    }

    #[test]
    fn dev_null_reads_as_an_empty_config() {
        assert_eq!(read_file(Path::new("/dev/null")).unwrap(), b"");
    }

    /// A FIFO nobody writes to reads as empty at once (ssh would wait for a writer forever).
    #[test]
    fn fifo_without_a_writer_does_not_block() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("config");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(read_file(&fifo).map_err(|e| e.to_string())));
        let got = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("reading a FIFO without a writer hung");
        assert_eq!(got.unwrap(), b"");
    }

    /// A FIFO with a writer is read to the end, as ssh reads `-F <(cat config)`.
    #[test]
    fn fifo_with_a_writer_is_read_to_the_end() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("config");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let w = fifo.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write as _;
            // Opening for writing waits for the reader.
            let mut f = std::fs::OpenOptions::new().write(true).open(&w).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            f.write_all(b"Host a\n    User u\n").unwrap();
        });
        // Retry until the writer is there (a read before it would see an empty FIFO).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let got = read_file(&fifo).unwrap();
                if !got.is_empty() {
                    let _ = tx.send(got);
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        let got = rx.recv_timeout(Duration::from_secs(10)).expect("hung");
        assert_eq!(got, b"Host a\n    User u\n");
        writer.join().unwrap();
    }

    #[test]
    fn socket_is_refused_naming_it() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let _l = std::os::unix::net::UnixListener::bind(&p).unwrap();
        let e = read_file(&p).unwrap_err();
        assert!(e.to_string().contains("socket"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern is a listed host name exactly when it is UTF-8 and a [`HostAlias`]; a plain
    /// name is borrowed from the text as it stands.
    #[test]
    fn host_names_are_the_host_aliases() {
        use std::borrow::Cow;
        let all: Vec<u8> = (0..=255).collect();
        let mut names: Vec<Vec<u8>> = vec![
            b"web1".to_vec(),
            b"a.b_c-d".to_vec(),
            b"-x".to_vec(),
            b"x-".to_vec(),
            "h\u{e9}".as_bytes().to_vec(),
            b"bad\xff".to_vec(),
            b"#a".to_vec(),
            b"a#".to_vec(),
        ];
        // Each byte, alone and inside a name.
        for &b in &all {
            names.push(vec![b]);
            names.push(vec![b'a', b, b'z']);
        }
        for n in &names {
            let want = std::str::from_utf8(n)
                .ok()
                .filter(|s| crate::host::HostAlias::new(s).is_ok());
            let got = host_name(Cow::Borrowed(n));
            assert_eq!(got.as_deref(), want, "{:?}", String::from_utf8_lossy(n));
            assert_eq!(host_name(Cow::Owned(n.clone())).as_deref(), want);
            let plain = n[0] != b'-'
                && n.iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c));
            if plain {
                assert!(matches!(got, Some(Cow::Borrowed(_))));
            }
        }
    }

    /// Each Include argument's pattern, as OpenSSH anchors it on Unix and as OpenSSH for
    /// Windows does (readconf.c `oInclude` with `path_absolute` = `is_absolute_path`,
    /// `SSHDIR` = `__PROGRAMDATA__\ssh`, then `convertToForwardslash`).
    #[test]
    fn include_paths_are_anchored_as_each_ssh_anchors_them() {
        let unix = PathRules::Unix;
        let windows = PathRules::Windows {
            program_data: "C:\\ProgramData".into(),
        };
        let home = b"/home/u";
        let user_home = |user: &[u8]| (user == b"bob").then(|| b"/home/bob".to_vec());
        let anchored = |arg: &str, system, rules| {
            anchor_include(arg.as_bytes(), system, home, rules, user_home)
                .map(|a| String::from_utf8(a.pattern).unwrap())
        };
        for (arg, system, want_unix, want_windows) in [
            (
                "conf.d/*",
                false,
                Some("/home/u/.ssh/conf.d/*"),
                Some("/home/u/.ssh/conf.d/*"),
            ),
            (
                "conf.d/*",
                true,
                Some("/etc/ssh/conf.d/*"),
                Some("C:/ProgramData/ssh/conf.d/*"),
            ),
            ("/etc/x", false, Some("/etc/x"), Some("/etc/x")),
            ("~", false, Some("/home/u"), Some("/home/u")),
            ("~/x", false, Some("/home/u/x"), Some("/home/u/x")),
            ("~/x", true, None, None),
            ("~bob/x", false, Some("/home/bob/x"), None),
            ("~bob", false, Some("/home/bob"), None),
            ("~bob/x", true, None, None),
            ("~nosuchuser/x", false, Some("~nosuchuser/x"), None),
            // glob(3) quotes with a backslash in the user name too (openbsd-compat's globtilde,
            // which ssh 9.2p1 uses on Linux: `Include ~\root/x` reads /root/x); a quoted `/`
            // does not end the name (`~bob\/x` names user `bob/x`, unknown: kept as written).
            ("~b\\ob/x", false, Some("/home/bob/x"), None),
            // (OpenSSH for Windows writes the backslash as `/` first: `~/bob/x`.)
            (
                "~\\bob/x",
                false,
                Some("/home/bob/x"),
                Some("/home/u/bob/x"),
            ),
            ("~bob\\/x", false, Some("~bob\\/x"), None),
            ("", false, None, None),
            // A drive letter, a backslash and __PROGRAMDATA__ start an absolute path on Windows
            // alone; on Unix they are names under ~/.ssh (a backslash an escape for glob).
            (
                "C:/Users/me/conf.d/*",
                false,
                Some("/home/u/.ssh/C:/Users/me/conf.d/*"),
                Some("C:/Users/me/conf.d/*"),
            ),
            (
                "c:\\Users\\me\\x",
                false,
                Some("/home/u/.ssh/c:\\Users\\me\\x"),
                Some("c:/Users/me/x"),
            ),
            (
                "\\\\server\\share\\x",
                false,
                Some("/home/u/.ssh/\\\\server\\share\\x"),
                Some("//server/share/x"),
            ),
            (
                "__PROGRAMDATA__\\ssh\\extra",
                true,
                Some("/etc/ssh/__PROGRAMDATA__\\ssh\\extra"),
                Some("C:/ProgramData/ssh/extra"),
            ),
            (
                "1:/x",
                false,
                Some("/home/u/.ssh/1:/x"),
                Some("/home/u/.ssh/1:/x"),
            ),
            ("C", false, Some("/home/u/.ssh/C"), Some("/home/u/.ssh/C")),
            // One quote character before the path is passed over when telling (a quote ssh
            // did not remove: `Include '"C:/x'` is the argument `"C:/x`).
            ("\"C:/x", false, Some("/home/u/.ssh/\"C:/x"), Some("\"C:/x")),
            (
                "sub\\dir",
                false,
                Some("/home/u/.ssh/sub\\dir"),
                Some("/home/u/.ssh/sub/dir"),
            ),
        ] {
            assert_eq!(
                anchored(arg, system, &unix).as_deref(),
                want_unix,
                "unix {arg:?} system={system}"
            );
            assert_eq!(
                anchored(arg, system, &windows).as_deref(),
                want_windows,
                "windows {arg:?} system={system}"
            );
        }
    }

    /// The home directory `~` became is marked (glob(3) reads no quoting in it), whether it
    /// came from `~`, `~/` or `~user`; a pattern without `~`, or with an unknown user's, has
    /// none. On Unix the argument and the home are bytes, UTF-8 or not.
    #[test]
    fn the_home_that_tilde_became_is_marked() {
        let user_home = |user: &[u8]| (user == b"bob").then(|| b"/home/b\\ob".to_vec());
        let home = b"/home/u\\x\xff";
        for (arg, system, pattern, marked) in [
            (&b"~"[..], false, &b"/home/u\\x\xff"[..], 10),
            (b"~/a\\*", false, b"/home/u\\x\xff/a\\*", 10),
            (b"x\xe9*", false, b"/home/u\\x\xff/.ssh/x\xe9*", 10),
            (b"x\xe9*", true, b"/etc/ssh/x\xe9*", 0),
            (b"~bob/x", false, b"/home/b\\ob/x", 10),
            (b"~nobody/x", false, b"~nobody/x", 0),
            (b"/etc/\xe9", false, b"/etc/\xe9", 0),
        ] {
            let got = anchor_include(arg, system, home, &PathRules::Unix, user_home).unwrap();
            assert_eq!(
                got,
                Anchored {
                    pattern: pattern.to_vec(),
                    home: marked
                },
                "{arg:?}"
            );
        }
    }
}
