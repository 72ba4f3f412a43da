//! Which blocks apply to a host, and its effective forwards, as `ssh -G` computes them.
//!
//! This follows `ssh.c` and `readconf.c` (OpenSSH 9.x): the files are read once with the host as
//! typed; `Host` lines match it case-sensitively; first-obtained values win for single-valued
//! options (`HostName`, `User`, ...); `LocalForward`s accumulate, identical ones merged. When the
//! config asks for it (`Match final`, `Match canonical` with `CanonicalizeHostname`), the files are
//! read a second time with the host replaced by the name ssh.c makes of its `HostName`
//! (lowercased, or an address in the form ssh prints it: see [`hostname`]), and forwards from
//! blocks that match only then are appended. `ClearAllForwardings yes` empties the list.
//! `Match exec` is never run: the criterion is taken as not matching (so `exec` leaves its block out
//! and `!exec` holds) and reported.

mod hostname;
pub(crate) use hostname::inet_aton;
pub(crate) use refusal::reading_changes_nothing;
mod refusal;

use crate::setting::{self, Setting, Settings};

use crate::config::{ConfigSet, MAX_INCLUDE_DEPTH};
use crate::document::LineKind;
use crate::forward::{Forward, Listen};
use crate::header::{Attribute, HeaderError, HostLine, MatchLine};
use crate::keyword::Keyword;
use crate::loc::{FileId, Loc, Located};
use crate::options::OpenSshVersion;
use crate::pattern::{self, ListMatch};

/// One effective `LocalForward`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EffectiveForward {
    /// The forward.
    pub forward: Forward,
    /// The `LocalForward` line.
    pub loc: Loc,
    /// The `Host`/`Match` line of its block (`None`: a file's global area).
    pub block: Option<Loc>,
    /// The block applies to this host alone: its `Host` line names exactly this host (no other
    /// name, no wildcard) and it is in a file that may be edited.
    pub exclusive: bool,
}

/// Something resolution could not decide or that OpenSSH would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Note {
    /// Where.
    pub loc: Loc,
    /// What.
    pub message: String,
}

/// A line resolution did not decide because deciding needs something this library does not do
/// (run a command, ask the network), and how it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NotEvaluated {
    /// The line.
    pub loc: Loc,
    /// What was not decided.
    pub what: Undecided,
}

/// What [`NotEvaluated`] left undecided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "kind"))]
#[non_exhaustive]
pub enum Undecided {
    /// A `Match` criterion that needs a command, the network or the session (`exec`,
    /// `localnetwork`, `version`, `sessiontype`, `command`): taken as not matching, as a
    /// command that fails, so the block is left out; negated (`!exec`), the negation holds and
    /// the line's other criteria decide.
    MatchCriterion {
        /// The criterion as ssh names it (`exec`).
        name: String,
        /// Written with `!`.
        negated: bool,
    },
    /// `CanonicalizeHostname` on, with `CanonicalDomains`: ssh may rename the host by looking
    /// it up in DNS with each domain, then read the config again for the new name. No lookup is
    /// made, so blocks that match only that name are not evaluated.
    Canonicalization {
        /// The `CanonicalizeHostname` value (`yes`, `always`).
        value: String,
        /// The `CanonicalDomains` list, and its line.
        domains: Located<String>,
    },
    /// An `Include` path holding `%` or `${` where the release expands them (OpenSSH 9.9 and
    /// later, with the host's values: `%h`, `%p`, `%r`, ...): the path is read as written, as
    /// earlier releases read it, so the files it names for the host may differ.
    IncludeExpansion,
    /// `CanonicalizePermittedCNAMEs` (the line [`NotEvaluated::loc`] names): ssh looks the host
    /// name up in DNS before it connects (and before `ssh -G` prints) and may take a CNAME the
    /// list permits as the host's name; without a `ProxyCommand` or `ProxyJump`, a name that
    /// does not resolve stops it. No lookup is made.
    CnameLookup,
}

/// The answer of [`ConfigSet::resolve`].
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Resolution {
    /// The host as asked for.
    pub host: String,
    /// Effective `LocalForward`s (and `DynamicForward`s, whose target is `socks`, as ssh keeps
    /// them) in `ssh -G` order (empty under `ClearAllForwardings yes`).
    pub forwards: Vec<EffectiveForward>,
    /// Every `LocalForward`/`DynamicForward` line that applied, identical repeats included (ssh merges those, so
    /// [`Resolution::forwards`] lists only the first), before `ClearAllForwardings`.
    pub forward_lines: Vec<EffectiveForward>,
    /// `LocalForward` lines that apply but could not be read (bad or not evaluated).
    pub unreadable_forwards: Vec<Note>,
    /// Where sshd listens on the remote machine for this host's `RemoteForward`s (their first
    /// argument, `[bind:]port`), in order; empty under `ClearAllForwardings yes`. A port of `0`
    /// (allocated by the server) and lines that cannot be read are left out.
    pub remote_listeners: Vec<Located<Listen>>,
    /// Every block header that applied, in order (`Host`/`Match` lines).
    pub applied_blocks: Vec<Loc>,
    /// The recorded options (first values obtained): read them with [`Resolution::get`].
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub(crate) settings: Settings,
    /// Lines that were not decided because deciding needs something this library does not do
    /// (`Match exec`, `Match localnetwork`, DNS canonicalization), and how each was taken.
    pub not_evaluated: Vec<NotEvaluated>,
    /// Problems OpenSSH would stop at (bad `Match`, Includes nested too deep, ...).
    pub errors: Vec<Note>,
    /// Whether the files were read a second time (the final pass).
    pub final_pass: bool,
    /// How many of [`Resolution::errors`] (the first) ssh meets in its first reading of the
    /// files; those after come from a final pass or from the checks ssh.c makes once it has
    /// read them (see [`ConfigSet::refusal_for_host`]).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) read_errors: usize,
    /// The `Include` lines, outermost first, through which the first reading met the first of
    /// [`Resolution::errors`] (empty when that is in a file read first, or there is none): a
    /// file included at two places is read at each, and the host's reading may meet its problem
    /// only at the second (see [`ConfigSet::refusal_for_host`]).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) first_error_via: Vec<Loc>,
    /// The `Include` lines, outermost first, through which the first reading obtained the
    /// `IgnoreUnknown` in force (empty when in a file read first, or none is): a file included
    /// at two places is read at each, and may give it only at the second, after ssh has read
    /// the file's lines at the first (see [`ConfigSet::rejection_for_host`]).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) ignore_unknown_via: Vec<Loc>,
    /// Whether the `IgnoreUnknown` in force was obtained in the first reading of the files:
    /// only then does it cover an unknown keyword (ssh refuses one it meets in the first
    /// reading, and stops there; see [`ConfigSet::rejection_for_host`]).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) ignore_unknown_first_read: bool,
    /// Whether the `HostName` in force holds a `%` (so that `%h` and `%%` are expanded):
    /// recorded by the walk as it sets the `HostName`, with the value's bytes at hand, so that
    /// the checks after reading, made for every host, need not look at them again.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) host_name_percent: bool,
}

impl Resolution {
    /// The value in force of the option `S` for this host (the first obtained, as readconf.c
    /// keeps it), with the line that set it; `None` when no line that applies sets it (ssh's
    /// default).
    pub fn get<S: Setting>(&self) -> Option<&Located<S::Value>> {
        S::slot(&self.settings)
    }

    /// Is a value of the option `S` in force ([`Resolution::get`] is `Some`)? One test of its
    /// bit, not of the bit and then of the slot: asked as each host is resolved.
    #[inline(always)]
    pub(crate) fn has<S: Setting>(&self) -> bool {
        let set = S::is_set(&self.settings);
        debug_assert_eq!(set, self.get::<S>().is_some());
        set
    }

    /// Empty, for `host`, keeping the room its lists and the host's text had.
    #[inline]
    fn reset(&mut self, host: &str) {
        // Every field is named, so that a new one is not forgotten here.
        let Resolution {
            host: h,
            forwards,
            forward_lines,
            unreadable_forwards,
            remote_listeners,
            applied_blocks,
            settings,
            not_evaluated,
            errors,
            final_pass,
            read_errors,
            first_error_via,
            ignore_unknown_via,
            ignore_unknown_first_read,
            host_name_percent,
        } = self;
        h.clear();
        h.push_str(host);
        forwards.clear();
        forward_lines.clear();
        unreadable_forwards.clear();
        remote_listeners.clear();
        applied_blocks.clear();
        settings.clear();
        not_evaluated.clear();
        errors.clear();
        *final_pass = false;
        *read_errors = 0;
        first_error_via.clear();
        ignore_unknown_via.clear();
        *ignore_unknown_first_read = false;
        *host_name_percent = false;
    }

    /// Is `ClearAllForwardings yes` in force?
    pub fn clears_forwardings(&self) -> bool {
        self.get::<setting::ClearAllForwardings>()
            .is_some_and(|c| c.value.is_yes())
    }

    /// Is `GatewayPorts yes` in force (forwards without a bind address listen on every
    /// interface)?
    pub fn gateway_ports(&self) -> bool {
        self.get::<setting::GatewayPorts>()
            .is_some_and(|g| g.value.is_yes())
    }

    /// This host's forwards as ssh sets them up when its command line says
    /// `-o ClearAllForwardings=no` (a command-line option is the first obtained): the
    /// `LocalForward`/`DynamicForward` lines that applied, identical repeats merged, and no
    /// `ClearAllForwardings` in force. Unchanged when the config does not clear them.
    pub fn keeping_forwardings(&self) -> Resolution {
        let mut r = self.clone();
        if r.clears_forwardings() {
            setting::ClearAllForwardings::unset(&mut r.settings);
            r.forwards.clear();
            for f in &self.forward_lines {
                if !r.forwards.iter().any(|g| g.forward == f.forward) {
                    r.forwards.push(f.clone());
                }
            }
        }
        r
    }
}

/// Facts about the local side that `Match` reads.
#[derive(Debug, Clone)]
pub struct ResolveContext {
    /// The local user name (`Match localuser`, and `Match user` when no `User` is set).
    pub local_user: String,
    /// The OpenSSH client that will read the config, if known: keywords and `Match` criteria
    /// newer than it make it refuse the config (`None`: the newest).
    pub openssh: Option<OpenSshVersion>,
}

impl ResolveContext {
    /// Resolve as the local user `user` (no I/O).
    pub fn new(user: impl Into<String>) -> ResolveContext {
        ResolveContext {
            local_user: user.into(),
            openssh: None,
        }
    }

    /// The same, for the OpenSSH client `version` (see [`OpenSshVersion::from_ssh_v`]).
    pub fn with_openssh(mut self, version: Option<OpenSshVersion>) -> ResolveContext {
        self.openssh = version;
        self
    }

    /// Resolve as the user this process runs as, from the password database (as ssh takes it),
    /// else `$USER` (`%USERNAME%` on Windows). This reads the system.
    pub fn current_user() -> ResolveContext {
        ResolveContext::new(
            current_user_name()
                .or_else(|| std::env::var("USER").ok())
                .or_else(|| std::env::var("USERNAME").ok())
                .unwrap_or_else(|| "root".into()),
        )
    }
}

/// The name the password database gives the real uid this process runs as (`getpwuid_r`, so
/// macOS directory services, LDAP and SSSD answer too, as they do for ssh).
#[cfg(unix)]
fn current_user_name() -> Option<String> {
    crate::passwd::entry()?
        .name()
        .to_str()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// On Windows ssh takes the name of the logged-on user; the environment carries it.
#[cfg(not(unix))]
fn current_user_name() -> Option<String> {
    std::env::var("USERNAME").ok().filter(|s| !s.is_empty())
}

#[cfg(all(test, unix))]
mod current_user_tests {
    /// The password database's answer, as `id -un` gives it (no /proc, no /etc/passwd parsing).
    #[test]
    fn current_user_is_the_password_database_name() {
        let Ok(out) = std::process::Command::new("id").arg("-un").output() else {
            eprintln!("skipped: no `id` command");
            return;
        };
        let want = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(super::current_user_name().as_deref(), Some(want.as_str()));
    }
}

pub(crate) struct Pass<'a, S> {
    set: &'a ConfigSet,
    /// Blocks that may be jumped over (`crate::index`), or [`NoSkip`]: read every line. (A type
    /// of the pass, not a `dyn Skip`: the index's answers are compiled into the walk, not called
    /// through a pointer with registers saved at each call; and whether there is one is known
    /// where the walk is compiled, [`Skip::NONE`], not tested at each header.)
    skip: &'a S,
    ctx: &'a ResolveContext,
    host_arg: &'a [u8],
    /// What `Host` lines are matched against: the host as typed, or in the final pass the
    /// name ssh.c makes of the HostName ([`final_host_name`]).
    host: std::borrow::Cow<'a, [u8]>,
    final_pass: bool,
    want_final: bool,
    /// What few configs have a line of: made when first needed, so that most passes hold
    /// nothing more to drop (a pass is made for every host).
    rare: Option<Box<Rare>>,
    /// First values of the options ssh.c checks after reading (`refusal`).
    obtained: refusal::Obtained,
    /// The files this resolution has entered through an `Include`, a bit each (ids below 64).
    entered: u64,
    /// A line may be read a second time (a final pass, or a file entered again: included at
    /// two places, a root included, or past id 63): a block that applies may be met again, and is listed in
    /// `applied_blocks` once. (Otherwise each is met once, and the list is not searched: with
    /// a thousand blocks for every host, searching it made each host quadratic.)
    reread: bool,
    out: &'a mut Resolution,
}

/// What a pass keeps of the lines few configs have.
#[derive(Default)]
struct Rare {
    /// The first `CanonicalizeHostname`.
    canonicalize: Option<Located<String>>,
    /// `CanonicalDomains`, the suffixes ssh tries through DNS.
    canonical_domains: Option<Located<String>>,
    /// The first `Tag`.
    tag: Option<Vec<u8>>,
}

/// Does a `Host` line apply to the host resolved, and does it name that host alone?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostLineMatch {
    /// It does not apply.
    No,
    /// It applies.
    Yes,
    /// It applies, and names exactly this host (every positive pattern is the host as typed)
    /// in a file that may be edited.
    ThisHostAlone,
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

/// Lets a resolution pass over blocks that cannot apply to the host (see `crate::index`).
pub(crate) trait Skip {
    /// This is [`NoSkip`]: nothing is passed over for the walk (it jumps by itself, over the
    /// `Host` blocks that cannot name the host). A constant, so that the walk through an index
    /// is compiled without the tests and the setup of the walk without one.
    const NONE: bool = false;

    /// At the `Host`/`Match` line `line` of `file`, in the state `pass` is in: whether to
    /// read that block ([`Verdict::Read`]) or to jump ([`Verdict::Jump`]: that block and every
    /// block before line `jump.to` cannot apply and reading them would change nothing;
    /// `jump.to` is the next block's header, or the line count).
    fn skip(&self, pass: &Pass<'_, Self>, file: FileId, line: usize) -> Verdict
    where
        Self: Sized;

    /// Where a walk entering `file` in the state `pass` is in begins: the first line whose
    /// reading may change anything (the lines before it are passed over), or, when that is a
    /// block header, the answer [`Skip::skip`] gives there.
    fn start(&self, _pass: &Pass<'_, Self>, _file: FileId) -> Start
    where
        Self: Sized,
    {
        Start::At(0)
    }
}

/// The [`Skip`] of a walk that reads every line ([`Skip::NONE`]: the walk never asks it).
pub(crate) struct NoSkip;

impl Skip for NoSkip {
    const NONE: bool = true;

    fn skip(&self, _: &Pass<'_, NoSkip>, _: FileId, _: usize) -> Verdict {
        Verdict::Read(None)
    }
}

/// Where a walk through a file begins ([`Skip::start`]).
pub(crate) enum Start {
    /// At this line.
    At(usize),
    /// At the block header on this line, with the answer [`Skip::skip`] gives there.
    Header(usize, Verdict),
}

/// A [`Skip`]'s answer at a block header.
pub(crate) enum Verdict {
    /// Read the block; what is known of its `Host` line without reading it, if anything.
    Read(Option<KnownHostLine>),
    /// Go on at another line.
    Jump(Jump),
}

/// What a [`Skip`] may know of a `Host` line whose block it let the walk read.
#[derive(Clone, Copy)]
pub(crate) enum KnownHostLine {
    /// One pattern without a wildcard, the host `Host` lines are matched against: it applies,
    /// and names no other host.
    NamesHostAlone,
    /// Plain words without a wildcard, one of them the host `Host` lines are matched against:
    /// it applies, and names other hosts too.
    NamesHost,
    /// `Host *`: it applies, and names every host.
    MatchesEveryHost,
}

/// Where a [`Skip`] sends the walk.
pub(crate) struct Jump {
    /// The line the walk goes on at.
    pub(crate) to: usize,
    /// The block whose header is at `to` may apply in the state the answer was taken in, which
    /// holds there (the walk reads nothing on the way): it is read without asking again.
    pub(crate) read: bool,
    /// What is known of that block's `Host` line when it is read (as [`Verdict::Read`]).
    pub(crate) known: Option<KnownHostLine>,
}

/// The position of the first item of `items` (sorted by `line`) at or after `target`, given
/// that none before `from` is.
#[inline]
fn first_at_or_after<T>(
    items: &[T],
    from: usize,
    target: usize,
    line: impl Fn(&T) -> usize,
) -> usize {
    let mut at = from;
    for _ in 0..2 {
        if items.get(at).is_none_or(|x| line(x) >= target) {
            return at;
        }
        at += 1;
    }
    at + items[at..].partition_point(|x| line(x) < target)
}

/// Lines a walk that jumps goes past between two hand-backs of a mapped file's pages (about a
/// mebibyte of a large config).
const RELEASE_LINES: usize = 1 << 16;

/// Options keep the first value obtained (`if (*activep && *intptr == -1)` in readconf.c).
fn first_wins<T>(slot: &mut Option<Located<T>>, loc: Loc, value: T) {
    if slot.is_none() {
        *slot = Some(Located { value, loc });
    }
}

impl<S: Skip> Pass<'_, S> {
    fn walk(&mut self, file: FileId, depth: usize, activep: &mut bool, never_match: bool) {
        if depth > MAX_INCLUDE_DEPTH {
            self.out.errors.push(Note {
                loc: Loc::new(file, 0),
                message: "Too many recursive configuration includes".into(),
            });
            return;
        }
        let f = self.set.file(file);
        let doc = &f.doc;
        let mut header: Option<Loc> = None;
        let mut exclusive = false;
        // Outside an active block nothing is read but headers and `Include` lines, and a `Host`
        // line can apply only if it must be read whatever the host (`header_reads`: `Match`,
        // wildcards, quotes, escapes) or its text holds the host's name (found by one search of
        // the file). So the walk jumps to whichever of those comes next, passing over the
        // `Host` blocks between, which cannot apply (`cannot_name`); the lines holding the name
        // are kept by the document for the next walk. With an index, the
        // blocks that cannot apply are passed over by it instead.
        let jumping = S::NONE && !self.host.is_empty();
        let reads = doc.header_reads();
        // The reading pass found no line ssh refuses: no line holds an unclosed quote.
        let quotes_close = doc.refuses_nothing();
        let hits = match jumping {
            true => doc.lines_naming(&self.host),
            false => std::borrow::Cow::Borrowed(&[][..]),
        };
        let (mut next_read, mut next_include, mut next_hit) = (0, 0, 0);
        // The header a `Skip` jumped to or stopped at and said to read, and what it knows of
        // its `Host` line.
        let mut granted = usize::MAX;
        let mut known = None;
        let mut released = 0;
        // `*activep`, kept here as the walk reads on and written back when it ends (a local
        // the loop keeps in a register).
        let mut active = *activep;
        let mut next = 0;
        if !S::NONE {
            match self.skip.start(self, file) {
                Start::At(line) => next = line,
                Start::Header(line, Verdict::Read(k)) => (next, granted, known) = (line, line, k),
                // (As at the header, below.)
                Start::Header(_, Verdict::Jump(jump)) => {
                    next = jump.to;
                    if jump.read {
                        (granted, known) = (jump.to, jump.known);
                    }
                    active = false;
                }
            }
        }
        // (Each line's kind, read from here: not through the document at each line; and
        // whether the file may be edited, told once.)
        let kinds = doc.kinds();
        let editable = f.editable();
        let line_count = kinds.len();
        while next < line_count {
            if !active && jumping {
                // (A step or two at a time as the walk reads on; by halving after a jump.)
                next_read = first_at_or_after(reads, next_read, next, |&s| s as usize);
                next_include = first_at_or_after(&f.includes, next_include, next, |l| l.0);
                next_hit = first_at_or_after(&hits, next_hit, next, |&l| l as usize);
                let read = reads.get(next_read).map_or(usize::MAX, |&s| s as usize);
                let include = f.includes.get(next_include).map_or(usize::MAX, |(l, _)| *l);
                let hit = hits.get(next_hit).map_or(usize::MAX, |&l| l as usize);
                next = read.min(include).min(hit);
                if next >= line_count {
                    break;
                }
                // The pages of a large mapped file the jumps have passed are handed back
                // (`Document::release_pages`): the walk does not hold the file whole.
                if next >= released + RELEASE_LINES {
                    doc.release_pages();
                    released = next;
                }
            }
            let i = next;
            next += 1;
            let LineKind::Directive(kw) = kinds.get(i) else {
                continue;
            };
            // Blocks that cannot apply, as an index knows them, are passed over as inactive.
            if kw.starts_block() && i != granted && !S::NONE {
                match self.skip.skip(self, file, i) {
                    Verdict::Read(k) => (granted, known) = (i, k),
                    Verdict::Jump(jump) => {
                        next = jump.to;
                        if jump.read {
                            (granted, known) = (jump.to, jump.known);
                        }
                        active = false;
                        continue;
                    }
                }
            }
            let loc = Loc::new(file, i);
            // Fast path: lines of inactive blocks that are not block starts or Includes need no
            // tokenising at all.
            if !active && !kw.starts_block() && kw != Keyword::Include {
                continue;
            }
            // Host lines are the bulk of a large config: their tokens are matched one by one
            // without a vector (an unclosed quote is still found, see `host_line`).
            if kw == Keyword::Host {
                header = Some(loc);
                exclusive = false;
                active = false;
                if never_match {
                    continue;
                }
                // An index may know the line applies: the host's name alone (most blocks of a
                // large config; it names this host alone when that is the host as typed), or
                // `Host *`.
                let known = known.filter(|_| i == granted);
                let m = if let Some(known) = known {
                    Ok(match known {
                        KnownHostLine::NamesHostAlone if editable && self.matching_host_arg() => {
                            HostLineMatch::ThisHostAlone
                        }
                        _ => HostLineMatch::Yes,
                    })
                } else {
                    let raw = doc.raw_args(i);
                    // (With an index, a `Host` line is reached only when the index found the
                    // host's name or a wildcard in it, or reads its block for every host: the
                    // look for the name would nearly always fail to pass it over.)
                    if S::NONE && cannot_name(raw, &self.host) {
                        continue;
                    }
                    self.host_line(raw, editable)
                };
                match m {
                    Ok(m) => {
                        active = m != HostLineMatch::No;
                        exclusive = m == HostLineMatch::ThisHostAlone;
                    }
                    Err(e) => self.out.errors.push(Note {
                        loc,
                        message: e.to_string(),
                    }),
                }
                if active && (!self.reread || !self.out.applied_blocks.contains(&loc)) {
                    self.out.applied_blocks.push(loc);
                }
                continue;
            }
            // A keyword this walk does not record needs no more reading when every line's
            // quotes are known to close.
            if kw == Keyword::Other && quotes_close {
                if let Some(n) = self.obtained.note(self.set, doc, loc, editable) {
                    self.out.errors.push(n);
                }
                continue;
            }
            // Tokens are read where they are used, without a vector; an unclosed quote
            // anywhere in the line is an error whatever the keyword (as `argv_split` fails).
            let raw = || doc.raw_args(i);
            if !quotes_close
                && raw().iter().any(|&b| b == b'"' || b == b'\'')
                && crate::lexer::Argv::new(raw(), 0).any(|t| t.is_err())
            {
                if kw.starts_block() {
                    active = false;
                    header = Some(loc);
                }
                self.out.errors.push(Note {
                    loc,
                    message: "invalid quotes".into(),
                });
                continue;
            }
            let first_arg = || doc.first_arg(i);
            match kw {
                Keyword::Match => {
                    header = Some(loc);
                    exclusive = false;
                    let line = MatchLine::new(doc.raw_args(i));
                    // Once a criterion fails, the rest of a line can only be refused (the
                    // reading pass found nothing ssh refuses) or concern a final pass: without
                    // either, the line's answer is known there.
                    let settled = quotes_close && !line.may_name_a_pass();
                    let r = self.match_line(loc, line, settled);
                    active = !never_match && r;
                    if active && (!self.reread || !self.out.applied_blocks.contains(&loc)) {
                        self.out.applied_blocks.push(loc);
                    }
                }
                Keyword::Include => {
                    // (Said once a resolution, in its first pass. A file with such a line depends
                    // on the release: most files do not, and their lines are not looked at.)
                    if !self.final_pass
                        && doc.depends_on_openssh_version()
                        && crate::expand::expands_include_paths(self.ctx.openssh)
                        && crate::expand::include_names_tokens(doc.raw_args(i))
                        && !self.out.not_evaluated.iter().any(|n| n.loc == loc)
                    {
                        self.out.not_evaluated.push(NotEvaluated {
                            loc,
                            what: Undecided::IncludeExpansion,
                        });
                    }
                    let old = active;
                    let met_before = !self.out.errors.is_empty();
                    let ignoring_before = self.out.has::<setting::IgnoreUnknown>();
                    for &child in f.included_at(i) {
                        // (A file entered before, or one of the roots, each entered once a
                        // pass, is read again.)
                        let bit = 1u64.checked_shl(child.index() as u32).unwrap_or(0);
                        self.reread |= bit == 0
                            || self.entered & bit != 0
                            || self.set.roots().contains(&child);
                        self.entered |= bit;
                        // (Each included file starts as the Include line found it, and what it
                        // leaves does not last past it.)
                        let mut child_active = old;
                        self.walk(child, depth + 1, &mut child_active, never_match || !old);
                    }
                    // The first problem met, and the `IgnoreUnknown` obtained, through this
                    // line (each level puts its own `Include` before the deeper ones as the
                    // walk comes back up).
                    if !self.final_pass {
                        if !met_before && !self.out.errors.is_empty() {
                            self.out.first_error_via.insert(0, loc);
                        }
                        if !ignoring_before && self.out.has::<setting::IgnoreUnknown>() {
                            self.out.ignore_unknown_via.insert(0, loc);
                        }
                    }
                }
                _ if !active => {}
                Keyword::Other => {
                    if let Some(n) = self.obtained.note(self.set, doc, loc, editable) {
                        self.out.errors.push(n);
                    }
                }
                Keyword::LocalForward | Keyword::DynamicForward => {
                    let parsed = if kw == Keyword::LocalForward {
                        let mut args = crate::lexer::Argv::new(raw(), 0)
                            .take(2)
                            .filter_map(Result::ok);
                        match (args.next(), args.next()) {
                            (Some(a), Some(b)) => Forward::from_tokens(&[a, b]),
                            (Some(a), None) => Forward::from_tokens(&[a]),
                            _ => Forward::from_tokens(&[]),
                        }
                    } else {
                        // `strlcpy` into `fwdarg[256]`, as for a local forward.
                        let first = first_arg();
                        let spec = first.as_deref().unwrap_or_default();
                        let spec = &spec[..spec.len().min(crate::forward::FWDARG_MAX)];
                        Forward::dynamic(&String::from_utf8_lossy(spec))
                    };
                    match parsed.map_err(|e| e.to_string()) {
                        Ok(fwd) => {
                            let ef = EffectiveForward {
                                forward: fwd,
                                loc,
                                block: header,
                                exclusive: header.is_some() && exclusive,
                            };
                            if !self.out.forward_lines.iter().any(|e| e.loc == loc) {
                                self.out.forward_lines.push(ef.clone());
                            }
                            // ssh merges identical forwards (`add_local_forward`).
                            if !self.out.forwards.iter().any(|e| e.forward == ef.forward) {
                                self.out.forwards.push(ef);
                            }
                        }
                        Err(message) => self.out.unreadable_forwards.push(Note { loc, message }),
                    }
                }
                Keyword::RemoteForward => {
                    self.obtained.remote_forward(loc);
                    let first = first_arg();
                    let spec = String::from_utf8_lossy(first.as_deref().unwrap_or_default());
                    // A SOCKS listener's reading of the first argument: a port sshd listens on.
                    if let Ok(f) = Forward::dynamic(&spec)
                        && f.is_dynamic()
                        && matches!(f.listen, Listen::Port { .. })
                    {
                        self.out.remote_listeners.push(Located {
                            value: f.listen,
                            loc,
                        });
                    }
                }
                Keyword::CanonicalDomains => {
                    let all: Vec<String> = crate::lexer::Argv::new(raw(), 0)
                        .filter_map(Result::ok)
                        .map(|a| text(&a.value))
                        .collect();
                    if !all.is_empty() {
                        // readconf.c keeps at most MAX_CANON_DOMAINS (32) of the first line's.
                        if self.canonical_domains().is_none() && all.len() > 32 {
                            self.out.errors.push(Note {
                                loc,
                                message: "too many hostname suffixes.".into(),
                            });
                        }
                        first_wins(&mut self.rare().canonical_domains, loc, all.join(" "));
                    }
                }
                // ssh.c sets `options.hostname` to the host name before the final pass, so a
                // `HostName` read then never takes effect (the first value obtained wins).
                Keyword::HostName if self.final_pass => {}
                _ => {
                    // (A value already recorded is not read again: the first obtained wins.)
                    if self.out.settings.holds(kw) == Some(true) {
                        continue;
                    }
                    let Some((first, marked)) = doc.first_arg_marked(i) else {
                        continue;
                    };
                    let v = &first;
                    if self.out.settings.record(kw, loc, v) {
                        // (Set once: a value read is not read again. One that cannot be read
                        // leaves none in force, and the flag false.)
                        if kw == Keyword::HostName {
                            self.out.host_name_percent =
                                marked && self.out.has::<setting::HostName>() && has_percent(v);
                        }
                        continue;
                    }
                    match kw {
                        Keyword::CanonicalizeHostname => {
                            first_wins(&mut self.rare().canonicalize, loc, text(v))
                        }
                        Keyword::Tag if self.tag().is_none() => self.rare().tag = Some(v.to_vec()),
                        _ => {}
                    }
                }
            }
        }
        *activep = active;
    }

    /// What the pass keeps of the lines few configs have, made if it is not yet.
    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Default::default)
    }

    /// The first `CanonicalizeHostname` that applied.
    fn canonicalize(&self) -> Option<&Located<String>> {
        self.rare.as_ref()?.canonicalize.as_ref()
    }

    /// The first `CanonicalDomains` that applied.
    fn canonical_domains(&self) -> Option<&Located<String>> {
        self.rare.as_ref()?.canonical_domains.as_ref()
    }

    /// The first `Tag` that applied.
    fn tag(&self) -> Option<&Vec<u8>> {
        self.rare.as_ref()?.tag.as_ref()
    }

    /// A `Host` line: does it apply, and does it name exactly this host (and only it)?
    fn host_line(&self, raw: &[u8], editable: bool) -> Result<HostLineMatch, HeaderError> {
        let (host, host_arg) = (&self.host[..], self.host_arg);
        match plain_host_line(raw, host, host_arg, editable) {
            Some(m) => Ok(m),
            None => host_line(HostLine::new(raw), host, host_arg, editable),
        }
    }

    /// What `Host` lines are matched against now: the host as typed, or in the final pass the
    /// name ssh.c makes of the HostName ([`final_host_name`]).
    pub(crate) fn host(&self) -> &[u8] {
        &self.host
    }

    /// Are `Host` lines matched against the host as typed? (In the first pass they are, told
    /// by the pass alone: `host` is the host as typed until the final pass.)
    #[inline]
    fn matching_host_arg(&self) -> bool {
        debug_assert!(self.final_pass || std::ptr::eq(&*self.host, self.host_arg));
        !self.final_pass || *self.host == *self.host_arg
    }

    /// What [`Pass::match_host`] depends on besides the host asked for, in two bits: the
    /// final pass (1), and a `HostName` in force (2). Which `HostName` is known: one is set
    /// at most once in a resolution (the first obtained wins, and none in the final pass).
    #[inline]
    pub(crate) fn match_host_state(&self) -> u8 {
        u8::from(self.final_pass) | u8::from(self.out.has::<setting::HostName>()) << 1
    }

    /// The host `Match host` sees: in the first pass the HostName set so far (`%h` expanded) or
    /// the host as typed; in the final pass the final host name.
    pub(crate) fn match_host(&self) -> std::borrow::Cow<'_, [u8]> {
        use std::borrow::Cow;
        if self.final_pass {
            return Cow::Borrowed(&self.host);
        }
        match self.out.get::<setting::HostName>() {
            Some(h) if self.out.host_name_percent => {
                Cow::Owned(expand_h(h.value.as_bytes(), self.host_arg))
            }
            Some(h) => Cow::Borrowed(h.value.as_bytes()),
            None => Cow::Borrowed(self.host_arg),
        }
    }

    /// The text [`Pass::match_host`] is made of: in the final pass the final host name, else
    /// the `HostName` set so far (`%h` not expanded) or the host as typed.
    pub(crate) fn match_host_text(&self) -> &[u8] {
        if self.final_pass {
            &self.host
        } else {
            self.out
                .get::<setting::HostName>()
                .map_or(self.host_arg, |h| h.value.as_bytes())
        }
    }

    /// [`Pass::match_host`] lowercased (as an index files `Match host` patterns): the text it is
    /// made of, borrowed, when that holds no `%` and no upper-case letter (one look at each
    /// byte).
    pub(crate) fn match_host_lower(&self) -> std::borrow::Cow<'_, [u8]> {
        /// `%` and the upper-case letters.
        static NOT_AS_IS: [bool; 256] = {
            let mut t = [false; 256];
            t[b'%' as usize] = true;
            let mut c = b'A';
            while c <= b'Z' {
                t[c as usize] = true;
                c += 1;
            }
            t
        };
        let text = self.match_host_text();
        if !text.iter().any(|&b| NOT_AS_IS[usize::from(b)]) {
            return std::borrow::Cow::Borrowed(text);
        }
        std::borrow::Cow::Owned(self.match_host().to_ascii_lowercase())
    }

    /// `match_cfg_line` (readconf.c); `Match exec` and unknown criteria are not evaluated.
    fn match_line(&mut self, loc: Loc, line: MatchLine<'_>, settled_when_false: bool) -> bool {
        let mut words = line.words();
        let mut result = true;
        let mut attributes = 0;
        let err = |this: &mut Self, m: String| {
            this.out.errors.push(Note { loc, message: m });
            false
        };
        while let Some(word) = words.next() {
            // An unclosed quote ends the words as their end does (`strdelim` gives NULL).
            let Ok(attr_full) = word else {
                break;
            };
            if attr_full.is_empty() {
                break;
            }
            if attr_full[0] == b'#' {
                break;
            }
            let (negate, attrib) = match attr_full.strip_prefix(b"!") {
                Some(a) => (true, a),
                None => (false, &attr_full[..]),
            };
            // ssh names the criterion as written (`attrib`, or with its `!`: `oattrib`).
            let written = || String::from_utf8_lossy(attrib).into_owned();
            let attr = Attribute::parse(attrib);
            if attr == Attribute::All {
                let extra = words.next().and_then(Result::ok).unwrap_or_default();
                if attributes > 1 || (!extra.is_empty() && extra[0] != b'#') {
                    return err(
                        self,
                        format!(
                            "'{}' cannot be combined with other Match attributes",
                            String::from_utf8_lossy(&attr_full)
                        ),
                    );
                }
                if result {
                    result = !negate;
                }
                return result;
            }
            attributes += 1;
            if attr == Attribute::Canonical || attr == Attribute::Final {
                if attr == Attribute::Final {
                    self.want_final = true;
                }
                if self.final_pass == negate {
                    result = false;
                }
                continue;
            }
            let arg = match words.next() {
                Some(Ok(t)) if !t.is_empty() && t[0] != b'#' => t,
                _ => {
                    return err(self, format!("Missing Match criteria for {}", written()));
                }
            };
            let r = match attr {
                Attribute::Host => {
                    pattern::match_hostname(&self.match_host(), &arg) == ListMatch::Match
                }
                Attribute::OriginalHost => {
                    pattern::match_hostname(self.host_arg, &arg) == ListMatch::Match
                }
                Attribute::User => {
                    let user = match self.out.get::<setting::User>() {
                        Some(u) => u.value.as_bytes(),
                        None => self.ctx.local_user.as_bytes(),
                    };
                    pattern::match_pattern_list(user, &arg, pattern::EntryCase::AsWritten)
                        == ListMatch::Match
                }
                Attribute::LocalUser => {
                    pattern::match_pattern_list(
                        self.ctx.local_user.as_bytes(),
                        &arg,
                        pattern::EntryCase::AsWritten,
                    ) == ListMatch::Match
                }
                Attribute::Tagged => {
                    let tag = self.tag().cloned().unwrap_or_default();
                    pattern::match_pattern_list(&tag, &arg, pattern::EntryCase::AsWritten)
                        == ListMatch::Match
                }
                Attribute::Exec
                | Attribute::LocalNetwork
                | Attribute::Version
                | Attribute::SessionType
                | Attribute::Command => {
                    // Not evaluated: taken as not matching (a command that fails), so `exec`
                    // leaves the block out and `!exec` lets the other criteria decide.
                    if result {
                        self.out.not_evaluated.push(NotEvaluated {
                            loc,
                            what: Undecided::MatchCriterion {
                                name: attr.name().to_string(),
                                negated: negate,
                            },
                        });
                    }
                    false
                }
                _ => {
                    return err(self, format!("Unsupported Match attribute {}", written()));
                }
            };
            if r == negate {
                result = false;
                // (Not in readconf.c: the words left would change nothing; see `walk`.)
                if settled_when_false {
                    return false;
                }
            }
        }
        if attributes == 0 {
            return err(self, "One or more attributes required for Match".into());
        }
        result
    }
}

/// A `Host` line's arguments `line`: does a pattern match `host` (the name `Host` lines are
/// matched against) and none negated, and is every positive pattern `host_arg` (the host as
/// typed), in a file that may be edited?
fn host_line(
    line: HostLine<'_>,
    host: &[u8],
    host_arg: &[u8],
    editable: bool,
) -> Result<HostLineMatch, HeaderError> {
    // OpenSSH splits the whole line before looking at any pattern.
    line.check_quotes()?;
    let mut active = false;
    let mut positives = 0usize;
    let mut all_literal_self = true;
    for p in line.patterns() {
        let p = p?;
        let pat: &[u8] = &p.pattern;
        if !p.is_negated() {
            positives += 1;
            if pat != host_arg || pattern::has_wildcard(pat) {
                all_literal_self = false;
            }
        }
        if pattern::match_pattern(host, pat) {
            if p.is_negated() {
                return Ok(HostLineMatch::No);
            }
            active = true;
        }
    }
    Ok(if !active {
        HostLineMatch::No
    } else if positives > 0 && all_literal_self && editable {
        HostLineMatch::ThisHostAlone
    } else {
        HostLineMatch::Yes
    })
}

/// [`host_line`] for arguments of plain words (most lines, [`HostLine::plain_patterns`]): each
/// word is a positive pattern; without a wildcard it matches only its own bytes. `None`: the
/// line needs the full reading.
fn plain_host_line(
    raw: &[u8],
    host: &[u8],
    host_arg: &[u8],
    editable: bool,
) -> Option<HostLineMatch> {
    let crate::header::PlainPatterns { wild, words, .. } = HostLine::new(raw).plain_patterns()?;
    let (mut active, mut all_self) = (false, !wild);
    for w in words {
        active = active
            || if wild {
                pattern::match_pattern(host, w)
            } else {
                w == host
            };
        all_self = all_self && w == host_arg;
    }
    Some(match (active, all_self && editable) {
        (false, _) => HostLineMatch::No,
        (true, true) => HostLineMatch::ThisHostAlone,
        (true, false) => HostLineMatch::Yes,
    })
}

/// Can no pattern of a `Host` line's arguments `raw` match `host`? True when the text holds no
/// wildcard (`*`, `?`), quote or backslash and does not contain `host`: a pattern without them
/// matches only its own bytes (`match_pattern` compares exactly), so each would have to be
/// `host` itself (a negated one only excludes). Such a line is passed over without splitting
/// it; anything else is read in full by `host_line`.
fn cannot_name(raw: &[u8], host: &[u8]) -> bool {
    let Some(&first) = host.first() else {
        return false;
    };
    // One scan for both: a wildcard, quote or escape (the line must be read), and the host's
    // text (a searcher made for each line would cost more than the line: it is a few words).
    let mut found = false;
    for (i, &b) in raw.iter().enumerate() {
        if matches!(b, b'*' | b'?' | b'"' | b'\'' | b'\\') {
            return false;
        }
        found = found || (b == first && raw[i..].starts_with(host));
    }
    !raw.is_empty() && !found
}

/// Does `s` hold a `%`? A host name is short: [`crate::swar::any`], not `contains`'s call to
/// `memchr` (each run over every host of a large config asks this of every host's name and
/// `HostName` a few times).
#[inline]
pub(crate) fn has_percent(s: &[u8]) -> bool {
    use crate::swar;
    swar::any(s, |w| swar::eq(w, b'%'), |b| b == b'%')
}

/// `percent_expand(hostname, "h", host)`: `%h` is the host, `%%` a percent sign.
fn expand_h(s: &[u8], host: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 1 < s.len() {
            match s[i + 1] {
                b'h' => out.extend_from_slice(host),
                b'%' => out.push(b'%'),
                c => out.extend_from_slice(&[b'%', c]),
            }
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Does a `CanonicalizeHostname` value make ssh read the config again? readconf.c's
/// `multistate_canonicalizehostname` reads `no` and `false` (any letter case) as off, `yes`,
/// `true` and `always` as on (checked with `ssh -G`: `CanonicalizeHostname FALSE` reads it once).
pub(crate) fn canonicalizes(v: &str) -> bool {
    !(v.eq_ignore_ascii_case("no") || v.eq_ignore_ascii_case("false"))
}

/// The host name ssh.c makes after the first reading of the files (see [`hostname`]): the
/// `HostName` with `%h` (the host as typed) expanded, or the host, lowercased unless it is or
/// looks like an address, and a numeric address in the form ssh prints it.
fn final_host_name(r: &Resolution) -> Vec<u8> {
    let family = r
        .get::<setting::AddressFamily>()
        .map_or(crate::options::AddressFamily::Any, |f| f.value);
    let name: std::borrow::Cow<'_, [u8]> = match r.get::<setting::HostName>() {
        Some(hn) => expand_h(hn.value.as_bytes(), r.host.as_bytes()).into(),
        None => r.host.as_bytes().into(),
    };
    hostname::ssh_host_name(&name, family)
}

impl ConfigSet {
    /// Resolve `host` as `ssh -G` would (see the module docs for what is and is not evaluated).
    ///
    /// ```
    /// # use sshcfg::{ConfigSet, LoadOptions, ResolveContext};
    /// # use std::path::Path;
    /// let text = b"Host web\n  LocalForward 1455 localhost:1455\nHost *\n  User me\n".to_vec();
    /// let set = ConfigSet::from_main_bytes(text,
    ///     &LoadOptions::explicit_file("config", "/nonexistent")).unwrap();
    /// let r = set.resolve("web", &ResolveContext::current_user());
    /// assert_eq!(r.forwards[0].forward.to_string(), "1455 [localhost]:1455");
    /// assert_eq!(r.get::<sshcfg::setting::User>().unwrap().value, "me");
    /// ```
    pub fn resolve(&self, host: &str, ctx: &ResolveContext) -> Resolution {
        self.resolve_skipping(host, ctx, &NoSkip)
    }

    /// As [`ConfigSet::resolve`], passing over the blocks `skip` says cannot apply.
    pub(crate) fn resolve_skipping<S: Skip>(
        &self,
        host: &str,
        ctx: &ResolveContext,
        skip: &S,
    ) -> Resolution {
        let mut out = Resolution::default();
        self.resolve_skipping_into(host, ctx, skip, &mut out);
        out
    }

    /// As [`ConfigSet::resolve_skipping`], into `out` (what it held is replaced; its
    /// allocations are reused).
    #[inline]
    pub(crate) fn resolve_skipping_into<S: Skip>(
        &self,
        host: &str,
        ctx: &ResolveContext,
        skip: &S,
        out: &mut Resolution,
    ) {
        out.reset(host);
        let mut pass = Pass {
            set: self,
            skip,
            ctx,
            host_arg: host.as_bytes(),
            host: std::borrow::Cow::Borrowed(host.as_bytes()),
            final_pass: false,
            want_final: false,
            rare: None,
            obtained: Default::default(),
            entered: 0,
            reread: false,
            out,
        };
        for &root in self.roots() {
            let mut active = true;
            pass.walk(root, 0, &mut active, false);
        }
        // (An IgnoreUnknown obtained only in a final pass covers nothing: see the field.)
        pass.out.ignore_unknown_first_read = pass.out.has::<setting::IgnoreUnknown>();
        let canon = pass.canonicalize().is_some_and(|c| canonicalizes(&c.value));
        // ssh.c `resolve_canonicalize`, between the readings, where it can be decided.
        let unresolved = canon
            .then(|| {
                let family = pass
                    .out
                    .get::<setting::AddressFamily>()
                    .map_or(crate::options::AddressFamily::Any, |f| f.value);
                refusal::unresolved_host(
                    self,
                    &pass.obtained,
                    pass.canonicalize()
                        .is_some_and(|c| c.value.eq_ignore_ascii_case("always")),
                    pass.canonical_domains().map(|d| d.value.as_str()),
                    &final_host_name(pass.out),
                    family,
                )
            })
            .flatten();
        // ssh.c stops at the end of a reading that found a line it refuses ("terminating, N
        // bad configuration options"): no final pass follows one.
        if (pass.want_final || canon) && pass.out.errors.is_empty() {
            let h = final_host_name(pass.out);
            // ssh.c sets `options.hostname` to this name before the final pass, so a HostName
            // line read in it has no effect (see `walk`). The setting keeps the value as
            // written, whose expansion is this name.
            pass.host = std::borrow::Cow::Owned(h);
            pass.final_pass = true;
            pass.reread = true;
            pass.out.final_pass = true;
            for &root in self.roots() {
                let mut active = true;
                pass.walk(root, 0, &mut active, false);
            }
        }
        // (`obtained` is borrowed, not moved out: it is large. The host and the rare part, a
        // few words, are moved out and dropped here, not through a call made for every host.)
        let Pass {
            out,
            ref obtained,
            rare,
            final_pass,
            host: pass_host,
            ..
        } = pass;
        // ssh.c checks these after reading every file, and only when the reading found no
        // line it refuses (readconf.c then stops: "terminating, N bad configuration options").
        // The host name, made before a final pass with the AddressFamily then in force.
        let name = final_pass.then_some(&*pass_host);
        // (A final pass follows a first reading that met no problem.)
        out.read_errors = if final_pass { 0 } else { out.errors.len() };
        if out.errors.is_empty()
            && let Some(n) = refusal::refusal(self, out, obtained, ctx, name, unresolved)
        {
            out.errors.push(n);
        }
        // ssh.c `resolve_canonicalize`: with CanonicalDomains, a name with few enough dots is
        // looked up with each suffix, and the config is read again for the first that resolves.
        // That needs DNS: decided here as not looked up, and said so. `CanonicalDomains none`
        // (alone, as readconf.c requires) ends the list before any lookup.
        let canonicalize = rare.as_ref().and_then(|r| r.canonicalize.as_ref());
        let canonical_domains = rare.as_ref().and_then(|r| r.canonical_domains.as_ref());
        let always = canonicalize.is_some_and(|c| c.value.eq_ignore_ascii_case("always"));
        if let (Some(c), Some(d)) = (
            canonicalize.filter(|c| canonicalizes(&c.value)),
            canonical_domains.filter(|d| !d.value.eq_ignore_ascii_case("none")),
        ) {
            out.not_evaluated.push(NotEvaluated {
                loc: c.loc,
                what: Undecided::Canonicalization {
                    value: c.value.clone(),
                    domains: d.clone(),
                },
            });
        }
        if let Some(loc) = refusal::cname_lookup(self, obtained, always) {
            out.not_evaluated.push(NotEvaluated {
                loc,
                what: Undecided::CnameLookup,
            });
        }
        if out.clears_forwardings() {
            out.forwards.clear();
            out.remote_listeners.clear();
        }
        // (Most hosts have no forward to expand.)
        if !out.forwards.is_empty() || !out.forward_lines.is_empty() {
            expand_socket_paths(self, out, obtained, ctx, name);
        }
    }
}

/// Unix-socket paths of forwards as ssh uses them (and `ssh -G` prints them): `%` tokens
/// expanded (`default_client_percent_expand` of ssh.c): `%h` the host name (`name`, the final
/// pass's, or as [`final_host_name`] makes it), `%n` the host as given, `%p` the port, `%r` the
/// remote user, `%u` the local user, `%k` the `HostKeyAlias` (lowercased) or else the host as
/// given, `%l` this machine's name (`gethostname`) and `%L` its first label, `%d` the local
/// user's home in the password database and `%i` the user id (Unix), `%C` the SHA-1 (hex) of
/// `%l%h%p%r` (from OpenSSH 9.6 followed by the jump host), `%j` the jump host (9.6), `%%`.
/// What this cannot know is left as written: `%d` and `%i` off Unix, and `%C` and `%j` when a
/// `ProxyJump` names a jump host for a release that uses it.
fn expand_socket_paths(
    set: &ConfigSet,
    out: &mut Resolution,
    obtained: &refusal::Obtained,
    ctx: &ResolveContext,
    name: Option<&[u8]>,
) {
    let has_token = |f: &Forward| {
        matches!(&f.listen, crate::forward::Listen::Path(p) if p.contains('%'))
            || matches!(&f.connect, crate::forward::Connect::Path(p) if p.contains('%'))
    };
    if !out
        .forwards
        .iter()
        .chain(&out.forward_lines)
        .any(|f| has_token(&f.forward))
    {
        return;
    }
    // The name made before a final pass, whose AddressFamily may differ from the one in force.
    let h = match name {
        Some(n) => String::from_utf8_lossy(n).into_owned(),
        None => String::from_utf8_lossy(&final_host_name(out)).into_owned(),
    };
    let port = out
        .get::<setting::Port>()
        .as_ref()
        .map_or("22".to_string(), |p| p.value.clone());
    let user = out
        .get::<setting::User>()
        .as_ref()
        .map_or(ctx.local_user.clone(), |u| u.value.clone());
    let key_alias = obtained.host_key_alias(set).map_or_else(
        || out.host.clone(),
        |a| String::from_utf8_lossy(&a).into_owned(),
    );
    // What needs the system is looked up only when a path names it, once (the password
    // database may ask a directory service).
    let this_host = std::cell::OnceCell::new();
    let this_host = || -> &str {
        this_host.get_or_init(|| gethostname::gethostname().to_string_lossy().into_owned())
    };
    let system = std::cell::OnceCell::new();
    let system = || system.get_or_init(system_tokens);
    // The jump host from 9.6 (the newest is assumed without `ssh -V`): known when there is
    // none.
    let with_jump = ctx.openssh.is_none_or(|v| (v.major, v.minor) >= (9, 6));
    let jump = (!with_jump || obtained.no_jump_host(set)).then_some("");
    let conn_hash = std::cell::OnceCell::new();
    let conn_hash = |j: &str| -> &str {
        conn_hash.get_or_init(|| {
            let mut sha = sha1_smol::Sha1::new();
            for part in [this_host(), &h, &port, &user] {
                sha.update(part.as_bytes());
            }
            sha.update(j.as_bytes());
            sha.digest().to_string()
        })
    };
    let expand = |p: &str| -> String {
        let mut o = String::with_capacity(p.len());
        let mut it = p.chars();
        while let Some(c) = it.next() {
            if c != '%' {
                o.push(c);
                continue;
            }
            match it.next() {
                Some('%') => o.push('%'),
                Some('h') => o.push_str(&h),
                Some('n') => o.push_str(&out.host),
                Some('p') => o.push_str(&port),
                Some('r') => o.push_str(&user),
                Some('u') => o.push_str(&ctx.local_user),
                Some('k') => o.push_str(&key_alias),
                Some('l') => o.push_str(this_host()),
                Some('L') => o.push_str(this_host().split('.').next().unwrap_or_default()),
                Some('d') if system().0.is_some() => {
                    o.push_str(system().0.as_deref().unwrap_or_default())
                }
                Some('i') if system().1.is_some() => {
                    o.push_str(system().1.as_deref().unwrap_or_default())
                }
                Some('C') if jump.is_some() => o.push_str(conn_hash(jump.unwrap_or_default())),
                Some('j') if with_jump && jump.is_some() => {}
                Some(t) => {
                    o.push('%');
                    o.push(t);
                }
                None => o.push('%'),
            }
        }
        o
    };
    let fix = |f: &mut Forward| {
        if let crate::forward::Listen::Path(p) = &mut f.listen {
            *p = expand(p);
        }
        if let crate::forward::Connect::Path(p) = &mut f.connect {
            *p = expand(p);
        }
    };
    let mut forwards = std::mem::take(&mut out.forwards);
    let mut lines = std::mem::take(&mut out.forward_lines);
    for f in forwards.iter_mut().chain(lines.iter_mut()) {
        fix(&mut f.forward);
    }
    out.forwards = forwards;
    out.forward_lines = lines;
}

/// ssh.c's `%d` (the local user's home in the password database) and `%i` (the user id), where
/// there is a password database.
fn system_tokens() -> (Option<String>, Option<String>) {
    #[cfg(unix)]
    {
        let home = crate::passwd::passwd_home().map(|h| h.to_string_lossy().into_owned());
        (home, Some(uzers::get_current_uid().to_string()))
    }
    #[cfg(not(unix))]
    {
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::{cannot_name, has_percent, host_line, plain_host_line};
    use crate::header::HostLine;

    /// Each block that applies is listed once, in the order first met, where lines are read a
    /// second time: a file included twice, the main file included from itself, a final pass
    /// (each also through the index). Listing a block each time it is met fails this.
    #[test]
    fn a_block_read_again_is_listed_once() {
        use crate::{ConfigSet, LoadOptions, ResolveContext};
        let dir = tempfile::tempdir().unwrap();
        let (main, inc) = (dir.path().join("config"), dir.path().join("inc"));
        std::fs::write(&inc, "Host a\n  User x\n").unwrap();
        let (m, i) = (main.display(), inc.display());
        for (text, want) in [
            (
                format!("Include {i}\nHost *\n  Port 2\nInclude {i}\n"),
                vec![(1, 0), (0, 1)],
            ),
            (format!("Host a\n  Port 2\nInclude {m}\n"), vec![(0, 0)]),
            (
                "Host a\n  Port 2\nMatch final\n  User u\n".into(),
                vec![(0, 0), (0, 2)],
            ),
        ] {
            std::fs::write(&main, &text).unwrap();
            let set = ConfigSet::load(&LoadOptions::explicit_file(&main, dir.path())).unwrap();
            let ctx = ResolveContext::new("me");
            for r in [
                set.resolve("a", &ctx),
                set.resolve_index().resolve("a", &ctx),
            ] {
                let got: Vec<_> = (r.applied_blocks.iter())
                    .map(|l| (l.file().index(), l.index()))
                    .collect();
                assert_eq!(got, want, "{text}");
            }
        }
    }

    #[test]
    fn a_host_line_passed_over_is_one_no_pattern_of_could_match() {
        assert!(cannot_name(b"web1 web2 !db", b"db2"));
        assert!(!cannot_name(b"web1 web !db", b"web"), "contains the host");
        assert!(!cannot_name(b"w*", b"web"), "a wildcard");
        assert!(!cannot_name(b"w?b", b"web"), "a wildcard");
        assert!(!cannot_name(br#""w"eb"#, b"web"), "quotes join text");
        assert!(!cannot_name(br"w\eb", b"web"), "an escape");
        assert!(!cannot_name(b"", b"web"), "no argument");
    }

    /// `CanonicalDomains none` ends ssh.c's list of suffixes before any lookup: `ssh -G -F c h`
    /// (9.2p1) with `CanonicalizeHostname yes` and `CanonicalDomains none` prints `hostname h`
    /// without asking DNS, so nothing is left undecided; with a domain, the lookup is.
    /// `CanonicalizePermittedCNAMEs` makes ssh look the host up before `ssh -G` prints, unless
    /// it is `none` or a proxy is in force without `CanonicalizeHostname always` (each as
    /// `ssh -G -F FILE a` 9.2p1 answers with no DNS: "Could not resolve hostname a" exactly
    /// where a look-up is made and is fatal; rc 0 otherwise).
    #[test]
    fn permitted_cnames_are_a_lookup_said_so() {
        let cnames = "CanonicalizePermittedCNAMEs *.d0:*.e0\n";
        for (lines, looked_up) in [
            ("", true),
            ("ProxyCommand none\n", true),
            ("ProxyJump none\n", false),
            ("ProxyJump j\n", false),
            ("ProxyCommand nc %h %p\n", false),
            ("CanonicalizeHostname always\nProxyCommand nc %h %p\n", true),
        ] {
            let text = format!("Host a\n{lines}{cnames}");
            let set = crate::ConfigSet::from_main_bytes(
                text.clone().into_bytes(),
                &crate::LoadOptions::explicit_file("config", "/nonexistent"),
            )
            .unwrap();
            let r = set.resolve("a", &crate::ResolveContext::new("me"));
            let said = r.not_evaluated.iter().any(|n| {
                n.what == crate::Undecided::CnameLookup && n.loc.line() == 2 + lines.lines().count()
            });
            assert_eq!(said, looked_up, "{text}");
        }
        for off in ["none", "NONE"] {
            let text = format!("Host a\nCanonicalizePermittedCNAMEs {off}\n");
            let set = crate::ConfigSet::from_main_bytes(
                text.into_bytes(),
                &crate::LoadOptions::explicit_file("config", "/nonexistent"),
            )
            .unwrap();
            assert!(
                set.resolve("a", &crate::ResolveContext::new("me"))
                    .not_evaluated
                    .is_empty()
            );
        }
    }

    #[test]
    fn canonical_domains_none_looks_nothing_up() {
        let undecided = |domains: &str| {
            let text =
                format!("Host h\n  CanonicalizeHostname yes\n  CanonicalDomains {domains}\n");
            let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
            let set = crate::ConfigSet::from_main_bytes(text.into_bytes(), &opts).unwrap();
            set.resolve("h", &crate::ResolveContext::new("me"))
                .not_evaluated
                .len()
        };
        assert_eq!(undecided("none"), 0);
        assert_eq!(undecided("NONE"), 0);
        assert_eq!(undecided("example.com"), 1);
    }

    /// A `DynamicForward` is read from `fwdarg[256]` too: with a bind host of 250 bytes,
    /// `DynamicForward H:10800` is `dynamicforward [H]:1080` in `ssh -G` 9.2p1.
    #[test]
    fn a_long_dynamic_forward_is_cut_as_fwdarg_cuts_it() {
        let host = "h".repeat(250);
        let text = format!("Host a\n  DynamicForward {host}:10800\n");
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let set = crate::ConfigSet::from_main_bytes(text.into_bytes(), &opts).unwrap();
        let r = set.resolve("a", &crate::ResolveContext::new("me"));
        assert_eq!(
            r.forwards[0].forward.listen,
            crate::forward::Listen::Port {
                bind: Some(host),
                port: 1080
            }
        );
    }

    /// A word with a wildcard matches as a pattern, and never names the host alone, even when
    /// it is the host as typed (a host may be written `a*`).
    #[test]
    fn plain_wildcard_words_are_patterns() {
        use super::HostLineMatch::{No, ThisHostAlone, Yes};
        for (raw, host, want) in [
            (&b"a*"[..], &b"a*"[..], Yes),
            (b"a*", b"ab", Yes),
            (b"a? b", b"ab", Yes),
            (b"a?", b"abc", No),
            (b"ab", b"ab", ThisHostAlone),
            (b"ab ab", b"ab", ThisHostAlone),
        ] {
            let plain = plain_host_line(raw, host, host, true);
            assert_eq!(plain, Some(want), "{:?}", String::from_utf8_lossy(raw));
            assert_eq!(Ok(want), host_line(HostLine::new(raw), host, host, true));
        }
    }

    /// `%` is found at every place of strings of every length up to 40.
    #[test]
    fn has_percent_finds_a_percent_anywhere() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!has_percent(&plain), "{len}");
            for at in 0..len {
                let mut s = plain.clone();
                s[at] = b'%';
                assert!(has_percent(&s), "{len} {at}");
            }
        }
    }

    /// The walk's flag of a `%` in the `HostName` in force is that of its bytes, for values of
    /// 1 to 20 bytes with a `%` at each place or none, among plain bytes or `!$&` (which the
    /// plain reading steps over too), bare or quoted, set in the first pass, after another
    /// `HostName` (first wins), or only in a final pass (which sets none); and a `%` in force
    /// is refused as ssh refuses it (`%a` is no token). A flag that missed a `%`, or kept one
    /// the value in force does not hold, fails this.
    #[test]
    fn the_hostname_percent_flag_is_the_hostname_s() {
        use crate::{ConfigSet, LoadOptions, ResolveContext, setting};
        let ctx = ResolveContext::new("me");
        let opts = LoadOptions::explicit_file("/c", "/nonexistent");
        for len in 1..=20 {
            for fill in [b'a', b'!', b'$', b'&'] {
                for at in (0..len).map(Some).chain([None]) {
                    let mut v = vec![fill; len];
                    if let Some(at) = at {
                        v[at] = b'%';
                    }
                    let v = String::from_utf8(v).unwrap();
                    for (text, in_force) in [
                        (format!("Host a\n  HostName {v}\n"), Some(&v)),
                        (format!("Host a\n  HostName \"{v}\"\n"), Some(&v)),
                        (format!("Host a\n  HostName {v}\n  HostName b\n"), Some(&v)),
                        (format!("Host a\n  HostName b\n  HostName {v}\n"), None),
                        (format!("Match final\n  HostName {v}\n"), None),
                        (
                            format!("Host a\n  HostName {v}\nMatch final\n  HostName b%\n"),
                            Some(&v),
                        ),
                    ] {
                        let set =
                            ConfigSet::from_main_bytes(text.clone().into_bytes(), &opts).unwrap();
                        for r in [
                            set.resolve("a", &ctx),
                            set.resolve_index().resolve("a", &ctx),
                        ] {
                            let hn = r.get::<setting::HostName>().map(|h| h.value.as_bytes());
                            let want = in_force.map_or(b"b".as_slice(), |v| v.as_bytes());
                            if text.starts_with("Match final") {
                                assert_eq!(hn, None, "{text}");
                            } else {
                                assert_eq!(hn, Some(want), "{text}");
                            }
                            let percent = in_force.is_some() && at.is_some();
                            assert_eq!(r.host_name_percent, percent, "{text}");
                            let refused = r.errors.iter().any(|n| n.message.contains("percent"));
                            assert_eq!(refused, percent, "{text} {:?}", r.errors);
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Whenever a line is passed over, reading it in full finds no pattern that matches.
        #[test]
        fn passing_over_never_hides_a_match(
            raw in proptest::collection::vec(
                proptest::sample::select(b"ab !#*?\"'\\\t".to_vec()), 0..12),
            host in proptest::collection::vec(proptest::sample::select(b"ab".to_vec()), 1..3),
        ) {
            if cannot_name(&raw, &host) {
                let line = HostLine::new(&raw);
                for p in line.patterns().flatten() {
                    proptest::prop_assert!(!crate::pattern::match_pattern(&host, &p.pattern));
                }
            }
        }

        /// The reading of a `Host` line of plain words answers as the full reading, whenever it
        /// answers: for the host matched and the host as typed alike or not, editable or not.
        #[test]
        fn plain_host_lines_answer_as_the_full_reading(
            words in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "a", "A", "b", "ab", "a-b", "!a", "!ab", "a!", "a*", "?", "\"a\"", "'a",
                        "#a", "a#", "a\\b", "=a", "",
                    ]),
                    proptest::sample::select(vec![" ", "\t", " \t "]),
                ),
                0..5,
            ),
            host in proptest::sample::select(vec!["a", "A", "b", "ab", "a-b", "a*", "?"]),
            same in proptest::bool::ANY,
            editable in proptest::bool::ANY,
        ) {
            let raw: Vec<u8> = words.iter().flat_map(|(w, s)| [*w, *s]).collect::<String>().into();
            let raw = raw.trim_ascii();
            let host = host.as_bytes().to_vec();
            let arg = if same { host.clone() } else { host.to_ascii_lowercase() };
            if let Some(m) = plain_host_line(raw, &host, &arg, editable) {
                let full = host_line(HostLine::new(raw), &host, &arg, editable);
                proptest::prop_assert_eq!(Ok(m), full, "{:?}", String::from_utf8_lossy(raw));
            }
        }
    }
}
