//! What ssh refuses for one host after it has read the whole config: the checks ssh.c's
//! `main` makes on the options it obtained, before it connects (and before `ssh -G` prints
//! them). Each stops ssh with a `fatal`, so the host cannot be reached however its forwards
//! are written.
//!
//! From ssh.c at V_9_2_P1, in its order, each checked with `ssh -G` 9.2p1:
//! - `HostName` is `percent_expand`ed with `%h` alone: another `%` token is "unknown key", a
//!   `%` at the end "invalid format";
//! - `CanonicalizeHostname` on with `CanonicalizeFallbackLocal no` where `resolve_canonicalize`
//!   looks nothing up (no `CanonicalDomains`, a name with few enough dots, not an address):
//!   `ssh: Could not resolve host "NAME"` (see `unresolved_host`);
//! - a `ProxyJump` whose last hop is the host itself (after `HostName`, lowercased), with the
//!   same port and user, is "jumphost loop via HOST" (`Host *` / `ProxyJump bastion` makes
//!   `ssh bastion` fail);
//! - `ProxyCommand -` with `ProxyUseFDPass yes`;
//! - `ConnectionAttempts 0`;
//! - `ForkAfterAuthentication yes` without a `RemoteCommand` (and `SessionType` not `none`):
//!   "Cannot fork into background without a command to execute." (no command can be given on
//!   `ssh HOST`'s command line here, as `ssh -G` takes none);
//! - the expansion of the options ssh uses (OpenSSH 8.4 and later): `%` tokens in
//!   `RemoteCommand`, `~`, `%` tokens and `${VAR}` in `ControlPath`, `IdentityAgent`, the socket
//!   of `ForwardAgent` and `UserKnownHostsFile`, `%` tokens in the socket paths of forwards: an
//!   unknown token, a `%` at the end, an unset variable or an unknown `~user` is fatal (see
//!   `expansion_refusal`);
//! - `HostKeyAlgorithms` that `kex_assemble_names` cannot assemble (8.5 and later): an explicit
//!   list matching no key type (`,foo`, `rsa`) or a negated entry (`!ssh-rsa`), fatal in
//!   `dump_client_config` just before `ssh -G` prints. (The lists `fill_default_options`
//!   assembles only log such a failure: ssh -G still prints and exits 0.)
//!
//! Each option keeps its first obtained value, as readconf.c does; `ProxyCommand` and
//! `ProxyJump` exclude each other (the first that applies wins, `parse_jump`).

use super::{Note, Resolution, ResolveContext};
use crate::config::ConfigSet;
use crate::diagnose::value;
use crate::document::{Document, LineKind};
use crate::keyword::{Keyword, table};
use crate::loc::Loc;
use crate::setting;

/// What [`Obtained::note`] does with a line of a keyword: for most, keep the first that applies
/// (its slot in [`Obtained`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    ConnectionAttempts,
    Fork,
    RemoteCommand,
    SessionType,
    /// `ProxyCommand` or `ProxyJump`.
    Proxy,
    FdPass,
    ControlPath,
    IdentityAgent,
    FallbackLocal,
    MaxDots,
    HostKeyAlgorithms,
    /// The first `ForwardAgent` that names a socket (not a flag): readconf.c keeps it even
    /// when an earlier line gave a flag.
    ForwardAgent,
    UserKnownHosts,
    GlobalKnownHosts,
    PermittedCnames,
    /// `IdentityFile`, `IdentityFile2`: the first file registered.
    IdentityFile,
    CertificateFile,
    /// `HostKeyAlias`: what `%k` stands for in socket paths ([`Obtained::host_key_alias`]).
    HostKeyAlias,
    /// Nothing: these checks do not read the keyword.
    Unread,
}

/// How many slots keep a line.
const SLOTS: usize = Slot::Unread as usize;

// (Each slot has a bit of a `u32`.)
const _: () = assert!(SLOTS <= 32);

impl Slot {
    /// The slot's bit in [`Obtained`]'s mask of the slots that hold a line.
    const fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The mask of `slots`.
    const fn mask(slots: &[Slot]) -> u32 {
        let (mut m, mut i) = (0, 0);
        while i < slots.len() {
            m |= slots[i].bit();
            i += 1;
        }
        m
    }
}

/// `a == b`, in a constant.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The keywords these checks read, and their slots.
const READ: &[(&str, Slot)] = &[
    ("connectionattempts", Slot::ConnectionAttempts),
    ("forkafterauthentication", Slot::Fork),
    ("remotecommand", Slot::RemoteCommand),
    ("sessiontype", Slot::SessionType),
    ("proxycommand", Slot::Proxy),
    ("proxyjump", Slot::Proxy),
    ("proxyusefdpass", Slot::FdPass),
    ("controlpath", Slot::ControlPath),
    ("identityagent", Slot::IdentityAgent),
    ("forwardagent", Slot::ForwardAgent),
    ("canonicalizefallbacklocal", Slot::FallbackLocal),
    ("canonicalizemaxdots", Slot::MaxDots),
    ("hostkeyalgorithms", Slot::HostKeyAlgorithms),
    ("userknownhostsfile", Slot::UserKnownHosts),
    ("globalknownhostsfile", Slot::GlobalKnownHosts),
    ("canonicalizepermittedcnames", Slot::PermittedCnames),
    ("identityfile", Slot::IdentityFile),
    ("identityfile2", Slot::IdentityFile),
    ("certificatefile", Slot::CertificateFile),
    ("hostkeyalias", Slot::HostKeyAlias),
];

/// Does reading line `i` of `doc` change nothing, in a block that applies or not, in either
/// pass: a blank line, a comment, a line ssh cannot read (the reading pass reports it), or a
/// keyword the walk records nothing of and no check here watches, in a file whose every
/// line's quotes close (the walk then reads no token of it).
pub(crate) fn reading_changes_nothing(doc: &Document, i: usize) -> bool {
    match doc.kind(i) {
        LineKind::Directive(Keyword::Other) => {
            doc.refuses_nothing()
                && doc
                    .spec_index(i)
                    .is_none_or(|k| WATCHED[usize::from(k)] == Slot::Unread)
        }
        LineKind::Directive(_) => false,
        _ => true,
    }
}

/// The slot of each keyword, by position in [`table::KEYWORDS`]: one look per line.
const WATCHED: [Slot; 256] = {
    let mut t = [Slot::Unread; 256];
    let mut r = 0;
    while r < READ.len() {
        let mut k = 0;
        while !same(table::KEYWORDS[k].name, READ[r].0) {
            // Past the end: a name not in the table fails the build.
            k += 1;
        }
        t[k] = READ[r].1;
        r += 1;
    }
    t
};

/// A line in eight bytes (an `Option<Loc>` takes 24), 0 for none: the file's index plus one
/// in bits 32 to 62, the line's index below, and a flag in bit 63 (a user's file, for the
/// first file registered).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct At(u64);

impl At {
    const FLAG: u64 = 1 << 63;

    fn of(loc: Loc, flag: bool) -> At {
        let file = loc.file().index() as u64 + 1;
        let index = loc.index() as u64;
        debug_assert!(file < 1 << 31 && index <= u64::from(u32::MAX));
        At(file << 32 | index | if flag { At::FLAG } else { 0 })
    }

    fn get(self) -> Option<Loc> {
        let file = (self.0 & !At::FLAG) >> 32;
        (file != 0).then(|| {
            Loc::new(
                crate::loc::FileId::new((file - 1) as usize),
                (self.0 & 0xffff_ffff) as usize,
            )
        })
    }

    fn flag(self) -> bool {
        self.0 & At::FLAG != 0
    }
}

/// The lines that gave the first obtained value of each option these checks read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Obtained {
    /// By slot (`Slot as usize`).
    first: [At; SLOTS],
    /// The slots of `first` that hold a line, a bit each ([`Slot::bit`]): whether any of a
    /// set of slots holds one is one test (see [`refusal`], made for every host).
    held: u32,
    /// What few hosts have: made when first needed.
    more: Option<Box<More>>,
}

/// The files registered after the first of each kind, and the `RemoteForward`s.
#[derive(Debug, Clone, Default)]
struct More {
    /// `add_identity_file`, `add_certificate_file`: each line that named a file not
    /// registered before (from the same kind of config), with whether it is a user's file.
    identity_files: Vec<(bool, Loc)>,
    certificate_files: Vec<(bool, Loc)>,
    /// Every `RemoteForward` line that applied, in order.
    remote_forwards: Vec<Loc>,
}

impl Obtained {
    /// The first line of `slot` that applied.
    fn at(&self, slot: Slot) -> Option<Loc> {
        self.first[slot as usize].get()
    }

    /// Keep `at` as the first line of `slot`.
    #[inline(always)]
    fn set_first(&mut self, slot: Slot, at: At) {
        self.first[slot as usize] = at;
        self.held |= slot.bit();
    }

    /// Does any of `slots` (a mask of [`Slot::bit`]s) hold a line?
    #[inline(always)]
    fn holds_any(&self, slots: u32) -> bool {
        debug_assert_eq!(
            self.held,
            (0..SLOTS)
                .filter(|&s| self.first[s].get().is_some())
                .fold(0, |m, s| m | 1 << s),
            "the mask is that of the slots that hold a line"
        );
        self.held & slots != 0
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Default::default)
    }

    /// ssh.c's `%k`: the first `HostKeyAlias` that applies, lowercased as ssh.c makes it
    /// (`None`: none applies, and `%k` is the host as given).
    pub(crate) fn host_key_alias(&self, set: &ConfigSet) -> Option<Vec<u8>> {
        (self.at(Slot::HostKeyAlias)).map(|loc| first_arg(set, loc).to_ascii_lowercase())
    }

    /// Has ssh.c no jump host (its `%j`, and a part of `%C` from OpenSSH 9.6)? True when no
    /// `ProxyJump` applies first (a `ProxyCommand` before it wins) or it is `none`.
    pub(crate) fn no_jump_host(&self, set: &ConfigSet) -> bool {
        self.at(Slot::Proxy).is_none_or(|loc| {
            let doc = &set.file(loc.file()).doc;
            let is_jump = doc.spec(loc.index()).is_some_and(|s| s.name == "proxyjump");
            !is_jump || first_arg(set, loc).eq_ignore_ascii_case(b"none")
        })
    }

    /// Every `RemoteForward` line that applied.
    fn remote_forwards(&self) -> &[Loc] {
        self.more.as_ref().map_or(&[], |m| &m.remote_forwards)
    }

    /// Line `loc` (of `doc`, a user's file when `user_file`) applies to the host: keep it if it
    /// gives a first value. `Some` is what ssh refuses there as it reads the line: more entries
    /// than it keeps (see [`Obtained::too_many`]).
    #[inline]
    pub(crate) fn note(
        &mut self,
        set: &ConfigSet,
        doc: &Document,
        loc: Loc,
        user_file: bool,
    ) -> Option<Note> {
        let slot = WATCHED[usize::from(doc.spec_index(loc.index())?)];
        match slot {
            Slot::Unread => None,
            Slot::ForwardAgent
            | Slot::UserKnownHosts
            | Slot::GlobalKnownHosts
            | Slot::PermittedCnames
            | Slot::IdentityFile
            | Slot::CertificateFile => self.note_more(set, doc, loc, slot, user_file),
            _ => {
                if self.first[slot as usize] == At::default() {
                    self.set_first(slot, At::of(loc, false));
                }
                None
            }
        }
    }

    /// [`Obtained::note`] for the keywords that need their arguments read.
    #[inline(never)]
    fn note_more(
        &mut self,
        set: &ConfigSet,
        doc: &Document,
        loc: Loc,
        slot: Slot,
        user_file: bool,
    ) -> Option<Note> {
        let mut args = crate::lexer::Argv::new(doc.raw_args(loc.index()), 0).filter_map(Result::ok);
        let first = self.first[slot as usize];
        match slot {
            Slot::ForwardAgent => {
                let flag = args.next().is_some_and(|a| {
                    table::FLAG
                        .iter()
                        .any(|f| a.value.eq_ignore_ascii_case(f.as_bytes()))
                });
                if !flag && first.get().is_none() {
                    self.set_first(slot, At::of(loc, false));
                }
                None
            }
            Slot::IdentityFile | Slot::CertificateFile => self.register(set, loc, slot, user_file),
            _ => {
                if first.get().is_some() {
                    return None;
                }
                self.set_first(slot, At::of(loc, false));
                Obtained::too_many(doc, loc, slot, args.count())
            }
        }
    }

    /// The limits readconf.c puts on what it keeps, checked as it reads line `loc` (of a
    /// keyword of `slot`, the first that applies, with `n` arguments) for this host (OpenSSH
    /// 9.2p1, each checked with `ssh -G`): the first `UserKnownHostsFile`,
    /// `GlobalKnownHostsFile` (`SSH_MAX_HOSTS_FILES`) or `CanonicalizePermittedCNAMEs`
    /// (`MAX_CANON_DOMAINS`) line takes at most 32 entries.
    fn too_many(doc: &Document, loc: Loc, slot: Slot, n: usize) -> Option<Note> {
        if n <= 32 {
            return None;
        }
        let message = if slot == Slot::PermittedCnames {
            "too many permitted CNAMEs.".to_string()
        } else {
            let name = doc.spec(loc.index()).map_or("", |s| s.name);
            format!("too many {name} entries.")
        };
        Some(Note { loc, message })
    }

    /// `add_identity_file`, `add_certificate_file` for line `loc` (of a user's file when
    /// `user_file`): at most 100 different files are kept (`SSH_MAX_IDENTITY_FILES`,
    /// `SSH_MAX_CERTIFICATE_FILES`); a file named again, from the same kind of config, is not
    /// counted again, but with 100 kept any further line is refused, a final pass's reading
    /// of the first one too (checked with `ssh -G` 9.2p1). The first file is kept without
    /// reading its path: most hosts have one.
    fn register(&mut self, set: &ConfigSet, loc: Loc, slot: Slot, user_file: bool) -> Option<Note> {
        let first = self.first[slot as usize];
        if first.get().is_none() {
            self.set_first(slot, At::of(loc, user_file));
            return None;
        }
        let (rest, what) = if slot == Slot::CertificateFile {
            (&mut self.more().certificate_files, "certificate")
        } else {
            (&mut self.more().identity_files, "identity")
        };
        if rest.len() + 1 >= 100 {
            return Some(Note {
                loc,
                message: format!("Too many {what} files specified (max 100)."),
            });
        }
        fn path(set: &ConfigSet, loc: Loc) -> Option<std::borrow::Cow<'_, [u8]>> {
            crate::lexer::Argv::new(set.file(loc.file()).doc.raw_args(loc.index()), 0)
                .next()
                .and_then(Result::ok)
                .map(|a| a.value)
        }
        let this = path(set, loc);
        let kept = std::iter::once((first.flag(), first.get().expect("a first file")));
        let named_again = kept
            .chain(rest.iter().copied())
            // A line read again (a final pass) names what it named.
            .any(|(u, l)| u == user_file && (l == loc || path(set, l) == this));
        if !named_again {
            rest.push((user_file, loc));
        }
        None
    }

    /// A `RemoteForward` line `loc` applies to the host.
    pub(crate) fn remote_forward(&mut self, loc: Loc) {
        let forwards = &mut self.more().remote_forwards;
        if !forwards.contains(&loc) {
            forwards.push(loc);
        }
    }
}

/// The first argument of line `loc`.
fn first_arg(set: &ConfigSet, loc: Loc) -> Vec<u8> {
    let raw = set.file(loc.file()).doc.raw_args(loc.index());
    crate::lexer::Argv::new(raw, 0)
        .next()
        .and_then(Result::ok)
        .map(|t| t.value.into_owned())
        .unwrap_or_default()
}

/// The text a command keyword stores (`parse_command`: the rest of the line after blanks and
/// `=`, as written).
fn command(set: &ConfigSet, loc: Loc) -> &[u8] {
    let raw = set.file(loc.file()).doc.raw_args(loc.index());
    let n = raw
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'='))
        .count();
    &raw[n..]
}

fn is_yes(v: &[u8]) -> bool {
    v.eq_ignore_ascii_case(b"yes") || v.eq_ignore_ascii_case(b"true")
}

/// `percent_expand(hostname, "h", host)`: `Err` is ssh's message.
fn expand_hostname(hostname: &[u8], host: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(hostname.len());
    let mut i = 0;
    while i < hostname.len() {
        if hostname[i] != b'%' {
            out.push(hostname[i]);
            i += 1;
            continue;
        }
        match hostname.get(i + 1) {
            Some(b'%') => out.push(b'%'),
            Some(b'h') => out.extend_from_slice(host),
            Some(&c) => {
                return Err(format!(
                    "vdollar_percent_expand: unknown key %{}",
                    value::vis(&[c])
                ));
            }
            None => return Err("vdollar_percent_expand: invalid format".into()),
        }
        i += 2;
    }
    Ok(out)
}

/// The slots whose lines [`refusal`] reads first, each on its own: with [`LATE`], without a line
/// of any of them (nor a `RemoteForward`, a forward's socket path, a `%` in the `HostName` or a
/// name left unresolved), it finds nothing. (`ProxyUseFDPass` is read only after a
/// `ProxyCommand`, `SessionType` only after a `ForkAfterAuthentication`.)
const EARLY: [Slot; 3] = [Slot::Proxy, Slot::ConnectionAttempts, Slot::Fork];

/// The slots whose lines the checks after [`EARLY`]'s read, which most hosts have none of.
const LATE: [Slot; 6] = [
    Slot::RemoteCommand,
    Slot::ControlPath,
    Slot::IdentityAgent,
    Slot::ForwardAgent,
    Slot::UserKnownHosts,
    Slot::HostKeyAlgorithms,
];

/// The first thing ssh.c refuses for host `r` after reading the config, if any. `name` is the
/// host name the final pass was read with, if there was one.
#[inline]
pub(crate) fn refusal(
    set: &ConfigSet,
    r: &Resolution,
    o: &Obtained,
    ctx: &ResolveContext,
    name: Option<&[u8]>,
    unresolved: Option<Note>,
) -> Option<Note> {
    // Most hosts obtain none of what the checks read: told apart in a few loads (the slots by
    // one mask), as every host is resolved once per run over a config.
    debug_assert_eq!(
        r.host_name_percent,
        r.get::<setting::HostName>()
            .is_some_and(|hn| super::has_percent(hn.value.as_bytes())),
        "the flag the walk recorded is the HostName's"
    );
    let nothing_read = unresolved.is_none()
        && !o.holds_any(Slot::mask(&EARLY) | Slot::mask(&LATE))
        && o.more.is_none()
        && !socket_paths(r)
        && !r.host_name_percent;
    if nothing_read {
        return None;
    }
    checks(set, r, o, ctx, name, unresolved)
}

/// Has a forward in force of `r` a Unix-socket path (whose expansion the checks read)? Most
/// forwards are ports.
#[inline]
fn socket_paths(r: &Resolution) -> bool {
    r.forwards.iter().any(|f| {
        matches!(f.forward.listen, crate::forward::Listen::Path(_))
            || matches!(f.forward.connect, crate::forward::Connect::Path(_))
    })
}

/// [`refusal`] for a host that obtained something the checks read.
#[inline(never)]
fn checks(
    set: &ConfigSet,
    r: &Resolution,
    o: &Obtained,
    ctx: &ResolveContext,
    name: Option<&[u8]>,
    unresolved: Option<Note>,
) -> Option<Note> {
    let fatal = |loc: Loc, message: String| Some(Note { loc, message });
    // The host ssh connects to: HostName with `%h` expanded (a bad `%` sequence is fatal
    // whatever else the config says), the host as given without one. Built only when a jump
    // host is compared with it.
    let hostname = r.get::<setting::HostName>();
    let expanded = match hostname {
        Some(hn) if r.host_name_percent => {
            match expand_hostname(hn.value.as_bytes(), r.host.as_bytes()) {
                Ok(h) => Some(h),
                Err(m) => return fatal(hn.loc, m),
            }
        }
        _ => None,
    };
    // `resolve_canonicalize`, between the two readings.
    if unresolved.is_some() {
        return unresolved;
    }
    let host = || {
        if let Some(n) = name {
            return n.to_vec();
        }
        let host = expanded.clone().unwrap_or_else(|| {
            hostname
                .map_or(r.host.as_bytes(), |hn| hn.value.as_bytes())
                .to_vec()
        });
        let family = r
            .get::<setting::AddressFamily>()
            .map_or(crate::options::AddressFamily::Any, |f| f.value);
        super::hostname::ssh_host_name(&host, family)
    };
    let user = r
        .get::<setting::User>()
        .as_ref()
        .map_or(ctx.local_user.as_bytes(), |u| u.value.as_bytes());
    let port = r
        .get::<setting::Port>()
        .as_ref()
        .and_then(|p| value::a2port(p.value.as_bytes()))
        .unwrap_or(22);
    let mut proxy_command: Option<&[u8]> = None;
    if let Some(loc) = o.at(Slot::Proxy) {
        let doc = &set.file(loc.file()).doc;
        let is_jump = doc.spec(loc.index()).is_some_and(|s| s.name == "proxyjump");
        if is_jump {
            if let Some(hop) = value::jump_target(command(set, loc)) {
                let jump_user = hop.user.as_deref().unwrap_or(user);
                if hop.port.unwrap_or(22) == port && jump_user == user && hop.host == host() {
                    return fatal(loc, format!("jumphost loop via {}", value::vis(&hop.host)));
                }
            }
        } else {
            proxy_command = Some(command(set, loc));
        }
    }
    if let (Some(b"-"), Some(fd)) = (proxy_command, o.at(Slot::FdPass))
        && is_yes(&first_arg(set, fd))
    {
        return fatal(
            fd,
            "ProxyCommand=- and ProxyUseFDPass are incompatible".into(),
        );
    }
    // `parse_int` refuses a negative value while reading, so this is 0 (`0`, `-0`, `+00`, and
    // `" 0"`: strtonum skips leading blanks).
    if let Some(loc) = o.at(Slot::ConnectionAttempts)
        && value::parse_int(&first_arg(set, loc)) == Some(0)
    {
        return fatal(loc, "Invalid number of ConnectionAttempts".into());
    }
    if let Some(loc) = o.at(Slot::Fork)
        && is_yes(&first_arg(set, loc))
    {
        let remote = o
            .at(Slot::RemoteCommand)
            .is_some_and(|c| !command(set, c).eq_ignore_ascii_case(b"none"));
        let no_session = o
            .at(Slot::SessionType)
            .is_some_and(|s| first_arg(set, s).eq_ignore_ascii_case(b"none"));
        if !remote && !no_session {
            return fatal(
                loc,
                "Cannot fork into background without a command to execute.".into(),
            );
        }
    }
    // What follows reads lines most hosts have none of: found at once when they have none.
    if !o.holds_any(Slot::mask(&LATE)) && o.remote_forwards().is_empty() && !socket_paths(r) {
        return None;
    }
    if let Some(n) = expansion_refusal(set, r, o, ctx) {
        return Some(n);
    }
    // `dump_client_config` assembles HostKeyAlgorithms (`kex_assemble_names`) before it
    // prints, and a failure is fatal there (8.5 and later; earlier releases said it
    // otherwise). The other lists fill_default_options assembles only log their failure.
    if ctx.openssh.is_some_and(|v| (v.major, v.minor) < (8, 5)) {
        return None;
    }
    let loc = o.at(Slot::HostKeyAlgorithms)?;
    crate::diagnose::algorithms::host_key_assembly_fails(&first_arg(set, loc), ctx.openssh).then(
        || Note {
            loc,
            message: "dump_client_config: expand HostKeyAlgorithms: invalid argument".into(),
        },
    )
}

/// ssh.c `resolve_canonicalize` after the first reading, with `CanonicalizeHostname` on
/// (`always` when `always`), for the host name `name` ssh.c made (see `hostname`): the name is
/// looked up with each of the `CanonicalDomains` (`domains`, the first line's words) and, with
/// `CanonicalizeFallbackLocal no`, one that no lookup finds is fatal. Decided here only where no
/// lookup is made: a name that is not an address and does not end in `.`, with no more dots
/// than `CanonicalizeMaxDots` (1), no `ProxyCommand` (other than `none`) or `ProxyJump` (even
/// `none`, not yet cleared there) unless `always`, and no `CanonicalDomains` or `none`: then
/// ssh stops with `ssh: Could not resolve host "NAME"`, reported at the
/// `CanonicalizeFallbackLocal` line (checked with `ssh -G` 9.2p1). `o` holds what the first
/// reading obtained.
pub(crate) fn unresolved_host(
    set: &ConfigSet,
    o: &Obtained,
    always: bool,
    domains: Option<&str>,
    name: &[u8],
    family: crate::options::AddressFamily,
) -> Option<Note> {
    let fallback = o.at(Slot::FallbackLocal)?;
    let off = first_arg(set, fallback);
    if !(off.eq_ignore_ascii_case(b"no") || off.eq_ignore_ascii_case(b"false")) {
        return None;
    }
    if domains.is_some_and(|d| {
        !d.split(' ')
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("none"))
    }) {
        return None;
    }
    if name.is_empty() || name.last() == Some(&b'.') || super::hostname::is_address(name, family) {
        return None;
    }
    let direct = match o.at(Slot::Proxy) {
        Some(loc) => {
            let doc = &set.file(loc.file()).doc;
            let is_jump = doc.spec(loc.index()).is_some_and(|s| s.name == "proxyjump");
            !is_jump && command(set, loc).eq_ignore_ascii_case(b"none")
        }
        None => true,
    };
    if !direct && !always {
        return None;
    }
    let max_dots = o
        .at(Slot::MaxDots)
        .map_or(Some(1), |loc| value::parse_int(&first_arg(set, loc)))?;
    let dots = name.iter().filter(|&&b| b == b'.').count();
    if i64::try_from(dots).unwrap_or(i64::MAX) > max_dots {
        return None;
    }
    Some(Note {
        loc: fallback,
        message: format!("ssh: Could not resolve host \"{}\"", value::vis(name)),
    })
}

/// ssh.c's look-up of the host name when `CanonicalizePermittedCNAMEs` is set (to anything but
/// `none`) and canonicalization gave no address: made before connecting and before `ssh -G`
/// prints, unless a `ProxyCommand` (other than `none`) or a `ProxyJump` (even `none`, not yet
/// cleared there) is in force and `CanonicalizeHostname` is not `always`. Without either, a
/// name that does not resolve stops ssh ("Could not resolve hostname"); a CNAME the list
/// permits renames the host. The `CanonicalizePermittedCNAMEs` line when the look-up would be
/// made (checked with `ssh -G` 9.2p1). `o` holds what the readings obtained.
#[inline]
pub(crate) fn cname_lookup(set: &ConfigSet, o: &Obtained, always: bool) -> Option<Loc> {
    // (Most hosts have no such line: nothing is called for them, nor is the slot read.)
    if !o.holds_any(Slot::PermittedCnames.bit()) {
        return None;
    }
    let loc = o.at(Slot::PermittedCnames)?;
    cname_lookup_made(set, o, loc, always)
}

/// [`cname_lookup`] for a host whose `CanonicalizePermittedCNAMEs` line is at `loc`.
#[inline(never)]
fn cname_lookup_made(set: &ConfigSet, o: &Obtained, loc: Loc, always: bool) -> Option<Loc> {
    if first_arg(set, loc).eq_ignore_ascii_case(b"none") {
        return None;
    }
    let direct = o.at(Slot::Proxy).is_none_or(|p| {
        let doc = &set.file(p.file()).doc;
        let is_jump = doc.spec(p.index()).is_some_and(|s| s.name == "proxyjump");
        !is_jump && command(set, p).eq_ignore_ascii_case(b"none")
    });
    (direct || always).then_some(loc)
}

/// The `%` tokens ssh.c's `DEFAULT_CLIENT_PERCENT_EXPAND_ARGS` has for OpenSSH `version`
/// (`None`: the newest): `%j` from 9.6.
fn client_tokens(version: Option<crate::OpenSshVersion>) -> &'static [u8] {
    match version {
        Some(v) if (v.major, v.minor) < (9, 6) => b"CLiklnpdhru",
        _ => b"CLiklnpdhruj",
    }
}

/// misc.c `tilde_expand` of `s`, whose result ssh expands next: `Err` is ssh's message for a
/// `~user` the password database does not know. `~` alone or `~/` is the user's own home; a path
/// without `~` is kept. Off Unix, kept as written.
fn tilde_expand(s: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    use std::borrow::Cow;
    let Some(rest) = s.strip_prefix(b"~").filter(|_| cfg!(unix)) else {
        return Ok(Cow::Borrowed(s));
    };
    let (user, path) = match rest.iter().position(|&b| b == b'/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, &b""[..]),
    };
    let home = if user.is_empty() {
        crate::passwd::passwd_home()
    } else {
        std::str::from_utf8(user)
            .ok()
            .and_then(|u| crate::passwd::home_of(u.as_bytes()))
    };
    let Some(home) = home else {
        if user.is_empty() {
            // No entry for this uid: not judged.
            return Ok(Cow::Borrowed(s));
        }
        return Err(format!("tilde_expand: No such user {}", value::vis(user)));
    };
    let mut out = home.as_os_str().as_encoded_bytes().to_vec();
    if out.last() != Some(&b'/') {
        out.push(b'/');
    }
    let path = &path[path.iter().take_while(|&&b| b == b'/').count()..];
    out.extend_from_slice(path);
    Ok(Cow::Owned(out))
}

/// What ssh.c's expansion of the options it uses stops at, after the checks above and before
/// `ssh -G` prints anything (OpenSSH 8.4 and later, each checked with `ssh -G` 9.2p1): in its
/// order, `RemoteCommand` (`%` tokens), `ControlPath`, `IdentityAgent`, the socket of
/// `ForwardAgent` and each `UserKnownHostsFile` (`~`, then `%` tokens and `${VAR}`), then the
/// socket paths of the local forwards and of the remote ones (`%` tokens). An unknown token
/// (`%/`), a `%` at the end, an unset `${VAR}` or an unknown `~user` stops ssh, with the message
/// of the function that failed.
fn expansion_refusal(
    set: &ConfigSet,
    r: &Resolution,
    o: &Obtained,
    ctx: &ResolveContext,
) -> Option<Note> {
    if ctx.openssh.is_some_and(|v| (v.major, v.minor) < (8, 4)) {
        return None;
    }
    let tokens = client_tokens(ctx.openssh);
    let fatal = |loc: Loc, message: String| Some(Note { loc, message });
    if let Some(loc) = o.at(Slot::RemoteCommand) {
        let c = command(set, loc);
        if !c.eq_ignore_ascii_case(b"none")
            && let Some(m) = crate::expand::percent_expand_error(c, false, tokens)
        {
            return fatal(loc, m);
        }
    }
    // `~`, then `%` tokens and `${VAR}`, of a path.
    let path = |v: &[u8]| match tilde_expand(v) {
        Ok(p) => crate::expand::percent_expand_error(&p, true, tokens),
        Err(m) => Some(m),
    };
    if let Some(loc) = o.at(Slot::ControlPath) {
        let v = first_arg(set, loc);
        if !v.eq_ignore_ascii_case(b"none")
            && let Some(m) = path(&v)
        {
            return fatal(loc, m);
        }
    }
    for loc in [o.at(Slot::IdentityAgent), o.at(Slot::ForwardAgent)]
        .into_iter()
        .flatten()
    {
        if let Some(m) = path(&first_arg(set, loc)) {
            return fatal(loc, m);
        }
    }
    if let Some(loc) = o.at(Slot::UserKnownHosts) {
        let raw = set.file(loc.file()).doc.raw_args(loc.index());
        let files: Vec<_> = crate::lexer::Argv::new(raw, 0)
            .filter_map(Result::ok)
            .collect();
        let none = files
            .first()
            .is_some_and(|f| f.value.eq_ignore_ascii_case(b"none"));
        if !none {
            for f in &files {
                if let Some(m) = path(&f.value) {
                    return fatal(loc, m);
                }
            }
        }
    }
    if r.clears_forwardings() {
        return None;
    }
    // Forward paths were `${VAR}`-expanded when the line was read.
    let forward = |f: &crate::Forward| {
        let listen = match &f.listen {
            crate::forward::Listen::Path(p) => Some(p),
            crate::forward::Listen::Port { .. } => None,
        };
        let connect = match &f.connect {
            crate::forward::Connect::Path(p) => Some(p),
            crate::forward::Connect::Port { .. } => None,
        };
        [listen, connect]
            .into_iter()
            .flatten()
            .find_map(|p| crate::expand::percent_expand_error(p.as_bytes(), false, tokens))
    };
    for f in &r.forwards {
        if let Some(m) = forward(&f.forward) {
            return fatal(f.loc, m);
        }
    }
    for &loc in o.remote_forwards() {
        let raw = set.file(loc.file()).doc.raw_args(loc.index());
        let args: Vec<_> = crate::lexer::Argv::new(raw, 0)
            .take(2)
            .filter_map(Result::ok)
            .collect();
        if let Ok(f) = crate::Forward::remote_from_tokens(&args)
            && let Some(m) = forward(&f)
        {
            return fatal(loc, m);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::expand_hostname;

    /// The first error resolving host `a` of `config` gives, as `(line, message)`, for a run
    /// against OpenSSH `version` (the newest when `None`).
    fn first_error(
        config: &str,
        version: Option<crate::OpenSshVersion>,
    ) -> Option<(usize, String)> {
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let set = crate::ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
        let ctx = crate::ResolveContext::new("me").with_openssh(version);
        let r = set.resolve("a", &ctx);
        r.errors.first().map(|n| (n.loc.line(), n.message.clone()))
    }
    use crate::diagnose::value::{JumpHop, jump_target};

    #[test]
    fn hostname_expands_h_and_percent_only() {
        assert_eq!(expand_hostname(b"%h.x%%", b"a").unwrap(), b"a.x%");
        assert_eq!(
            expand_hostname(b"%z", b"a").unwrap_err(),
            "vdollar_percent_expand: unknown key %z"
        );
        assert_eq!(
            expand_hostname(b"a%", b"a").unwrap_err(),
            "vdollar_percent_expand: invalid format"
        );
    }

    /// What ssh -G -F (OpenSSH 9.2p1) says of each config for host `b` (or `bastion`): the
    /// jump loop compares the lowercased HostName (`%h` expanded) with the hop as written.
    #[test]
    fn jump_loops_as_ssh_g_reports_them() {
        let first_error = |config: &str, host: &str| {
            let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
            let set = crate::ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
            let r = set.resolve(host, &crate::ResolveContext::new("me"));
            r.errors.first().map(|n| (n.loc.line(), n.message.clone()))
        };
        let loop_at = |line: usize, via: &str| Some((line, format!("jumphost loop via {via}")));
        assert_eq!(
            first_error("Host bastion\n  ProxyJump bastion\n", "bastion"),
            loop_at(2, "bastion")
        );
        assert_eq!(
            first_error("Host b\n  HostName Bastion\n  ProxyJump bastion\n", "b"),
            loop_at(3, "bastion")
        );
        assert_eq!(
            first_error(
                "Host b\n  HostName %h.example\n  ProxyJump b.example\n",
                "b"
            ),
            loop_at(3, "b.example")
        );
        assert_eq!(
            first_error("Host b\n  HostName 10.0.0.1\n  ProxyJump 10.0.0.1\n", "b"),
            loop_at(3, "10.0.0.1")
        );
        assert_eq!(
            first_error("Host b\n  HostName %z\n", "b"),
            Some((2, "vdollar_percent_expand: unknown key %z".to_string()))
        );
        for no_loop in [
            "Host b\n  HostName %h.EXAMPLE\n  ProxyJump b.example:2222\n",
            "Host b\n  User u\n  HostName x\n  ProxyJump v@x\n",
            "Host b\n  User u\n  HostName x\n  ProxyJump u@X:22\n",
        ] {
            assert_eq!(first_error(no_loop, "b"), None, "{no_loop}");
        }
    }

    /// What ssh.c's expansions after reading stop at, each as `ssh -G -F c a` 9.2p1 says it
    /// (its first line on stderr; nothing is printed on stdout), at the line that gave the
    /// value.
    #[test]
    fn expansions_refuse_as_ssh_g_reports_them() {
        let unknown = |line: usize, key: &str| {
            Some((line, format!("vdollar_percent_expand: unknown key %{key}")))
        };
        let cases: &[(&str, Option<(usize, String)>)] = &[
            ("Host a\nRemoteCommand echo %/\n", unknown(2, "/")),
            // The rest of the line, comment included.
            ("Host a\nRemoteCommand echo %h # %/\n", unknown(2, "/")),
            ("Host a\nRemoteCommand NONE %/\n", unknown(2, "/")),
            ("Host a\nControlPath /tmp/%/\n", unknown(2, "/")),
            (
                "Host a\nControlPath /tmp/${SSHCFG_UNSET_H19}\n",
                Some((
                    2,
                    "vdollar_percent_expand: env var ${SSHCFG_UNSET_H19} has no value".into(),
                )),
            ),
            (
                "Host a\nControlPath /tmp/${SSHCFG_UNSET_H19\n",
                Some((
                    2,
                    "vdollar_percent_expand: environment variable 'SSHCFG_UNSET_H19' missing \
                     closing '}'"
                        .into(),
                )),
            ),
            (
                "Host a\nControlPath /tmp/${}\n",
                Some((
                    2,
                    "vdollar_percent_expand: zero-length environment variable".into(),
                )),
            ),
            ("Host a\nIdentityAgent /tmp/%/\n", unknown(2, "/")),
            // The first ForwardAgent that names a socket, whatever a flag before it said.
            (
                "Host a\nForwardAgent yes\nForwardAgent /tmp/%/\n",
                unknown(3, "/"),
            ),
            (
                "Host a\nForwardAgent /tmp/%/\nForwardAgent yes\n",
                unknown(2, "/"),
            ),
            ("Host a\nUserKnownHostsFile /x/ok /x/%/\n", unknown(2, "/")),
            ("Host a\nRemoteForward /tmp/%/ /tmp/y\n", unknown(2, "/")),
            ("Host a\nRemoteForward 0 /tmp/%q\n", unknown(2, "q")),
            ("Host a\nRemoteForward /tmp/%q\n", unknown(2, "q")),
            ("Host a\nLocalForward 1455 %/1455\n", unknown(2, "/")),
            ("Host a\nDynamicForward /tmp/%/\n", unknown(2, "/")),
            (
                "Host a\nLocalForward /tmp/x% /tmp/y\n",
                Some((2, "vdollar_percent_expand: invalid format".into())),
            ),
            // ssh.c's order: RemoteCommand before ControlPath, ControlPath before forwards.
            (
                "Host a\nControlPath %/\nRemoteCommand %z\n",
                unknown(3, "z"),
            ),
            (
                "Host a\nLocalForward /%q /y\nControlPath %z\n",
                unknown(3, "z"),
            ),
            (
                "Host a\nRemoteCommand x\nForkAfterAuthentication yes\nControlPath %/\n",
                unknown(4, "/"),
            ),
            // Nothing to expand, or nothing ssh expands.
            ("Host a\nRemoteCommand none\n", None),
            ("Host a\nControlPath None\n", None),
            ("Host a\nControlPath /tmp/%C.%h.%%\n", None),
            ("Host a\nUserKnownHostsFile none\n", None),
            (
                "Host a\nClearAllForwardings yes\nLocalForward 1455 %/1455\n",
                None,
            ),
            ("Host a\nLocalForward 1455 localhost:1455\n", None),
            ("Host b\nControlPath %/\n", None),
            (
                "Host a\nProxyCommand %/\nLocalCommand %/\nIdentityFile %/\n",
                None,
            ),
            // %j (the ProxyJump) is a token from 9.6.
            ("Host a\nLocalForward /tmp/%j /tmp/y\n", None),
        ];
        for (config, want) in cases {
            assert_eq!(&first_error(config, None), want, "{config}");
        }
        let v92 = Some(crate::OpenSshVersion::new(9, 2));
        assert_eq!(
            first_error("Host a\nLocalForward /tmp/%j /tmp/y\n", v92),
            unknown(2, "j")
        );
        // (ssh -G 9.2p1 refuses it as well, with the same words.)
        assert_eq!(
            first_error("Host a\nDynamicForward /tmp/d%j\n", v92),
            unknown(2, "j")
        );
        // Before 8.4 these were not all expanded, nor with these tokens: not judged.
        let v83 = Some(crate::OpenSshVersion::new(8, 3));
        assert_eq!(first_error("Host a\nControlPath %/\n", v83), None);
        if cfg!(unix) {
            // tilde_expand: No such user no-such-user-h19
            assert_eq!(
                first_error("Host a\nControlPath ~no-such-user-h19/x\n", None),
                Some((2, "tilde_expand: No such user no-such-user-h19".into()))
            );
            // `~root` is expanded first; the path is then read for tokens.
            assert_eq!(
                first_error("Host a\nControlPath ~root/%z\n", None),
                unknown(2, "z")
            );
        }
    }

    /// `CanonicalizeHostname` with `CanonicalizeFallbackLocal no` and nothing to look up: what
    /// `ssh -G -F c h` 9.2p1 says (its only line on stderr), for host `h`.
    #[test]
    fn canonicalization_without_a_lookup_refuses_as_ssh_g_does() {
        let first_error = |config: &str| {
            let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
            let set = crate::ConfigSet::from_main_bytes(config.as_bytes().to_vec(), &opts).unwrap();
            let r = set.resolve("h", &crate::ResolveContext::new("me"));
            r.errors.first().map(|n| (n.loc.line(), n.message.clone()))
        };
        let on = "Host h\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\n";
        let unresolved = |name: &str| Some((3, format!("ssh: Could not resolve host \"{name}\"")));
        let cases: &[(String, Option<(usize, String)>)] = &[
            (on.into(), unresolved("h")),
            (format!("{on}ProxyCommand none\n"), unresolved("h")),
            (format!("{on}HostName A.b\n"), unresolved("a.b")),
            (format!("{on}HostName \"a b\"\n"), unresolved("a b")),
            (
                format!("{on}HostName a.b.c\nCanonicalizeMaxDots 2\n"),
                unresolved("a.b.c"),
            ),
            (format!("{on}CanonicalDomains none\n"), unresolved("h")),
            (
                "Host h\nCanonicalizeHostname always\nCanonicalizeFallbackLocal NO\n\
                 ProxyCommand nc %h %p\n"
                    .into(),
                unresolved("h"),
            ),
            (
                "Host h\nCanonicalizeHostname always\nCanonicalizeFallbackLocal no\n\
                 ProxyJump h\n"
                    .into(),
                unresolved("h"),
            ),
            // ssh.c expands HostName first: its error comes first.
            (
                format!("{on}HostName %z\n"),
                Some((4, "vdollar_percent_expand: unknown key %z".into())),
            ),
            // Not direct, so no lookup is tried: the jump loop is found later.
            (
                format!("{on}ProxyJump h\n"),
                Some((4, "jumphost loop via h".into())),
            ),
            // ProxyJump none is not cleared before canonicalization: not direct either.
            (format!("{on}ProxyJump none\n"), None),
            (format!("{on}ProxyCommand nc %h %p\n"), None),
            (format!("{on}HostName a.b.c\n"), None),
            (format!("{on}HostName 127.1\n"), None),
            (format!("{on}HostName 1.2.3.4.5\n"), None),
            // A name ending in a dot, or domains: DNS would decide.
            (format!("{on}HostName h.\n"), None),
            (format!("{on}CanonicalDomains example.com\n"), None),
            ("Host h\nCanonicalizeHostname yes\n".into(), None),
            ("Host h\nCanonicalizeFallbackLocal no\n".into(), None),
            // Only what the first reading obtained.
            (
                "Host h\nCanonicalizeFallbackLocal no\nMatch final\nCanonicalizeHostname yes\n"
                    .into(),
                None,
            ),
            (
                "Match final\nCanonicalizeFallbackLocal no\nHost h\nCanonicalizeHostname yes\n"
                    .into(),
                None,
            ),
        ];
        for (config, want) in cases {
            assert_eq!(&first_error(config), want, "{config}");
        }
    }

    /// `HostKeyAlgorithms` lists the reading accepts but `kex_assemble_names` cannot assemble,
    /// as `ssh -G -F c a` 9.2p1 reports them (its only line on stderr, nothing printed), and
    /// lists it assembles. The other lists, assembled by `fill_default_options`, only log a
    /// failure (`fill_default_options: ciphers: invalid argument` for `Ciphers ,`): ssh -G
    /// prints the config and exits 0.
    #[test]
    fn host_key_algorithms_assemble_as_ssh_g_assembles_them() {
        let fails = Some((
            2,
            "dump_client_config: expand HostKeyAlgorithms: invalid argument".to_string(),
        ));
        for (line, want) in [
            ("HostKeyAlgorithms ,", &fails),
            // A short name the reading takes, which names no algorithm.
            ("HostKeyAlgorithms rsa", &fails),
            ("HostKeyAlgorithms ,^.", &fails),
            ("HostKeyAlgorithms ,SSH-RSA", &fails),
            // A negated entry, which the reading takes for a key type pattern.
            ("HostKeyAlgorithms !ssh-rsa", &fails),
            ("HostKeyAlgorithms ssh-*,!ssh-rsa", &fails),
            ("HostKeyAlgorithms +!ssh-rsa", &fails),
            ("HostKeyAlgorithms ^!ssh-rsa", &fails),
            ("HostKeyAlgorithms rsa,ssh-rsa", &None),
            ("HostKeyAlgorithms -!ssh-rsa", &None),
            ("HostKeyAlgorithms ,ssh-ed*", &None),
            ("HostKeyAlgorithms +ssh-rsa,,!x", &None),
            ("Ciphers ,", &None),
            ("MACs ,", &None),
            ("PubkeyAcceptedAlgorithms ED25519", &None),
        ] {
            let config = format!("Host a\n{line}\n");
            assert_eq!(&first_error(&config, None), want, "{line}");
        }
        // After the expansions, in ssh's order.
        assert_eq!(
            first_error("Host a\nHostKeyAlgorithms ,\nControlPath %/\n", None),
            Some((3, "vdollar_percent_expand: unknown key %/".into()))
        );
        // DSA keys are in 9.2's list, not in the newest's.
        let v92 = Some(crate::OpenSshVersion::new(9, 2));
        assert_eq!(
            first_error("Host a\nHostKeyAlgorithms ,ssh-dss\n", v92),
            None
        );
        assert_eq!(
            first_error("Host a\nHostKeyAlgorithms ,ssh-dss\n", None),
            fails
        );
        // Releases before 8.5 said it otherwise: not judged.
        let v84 = Some(crate::OpenSshVersion::new(8, 4));
        assert_eq!(first_error("Host a\nHostKeyAlgorithms ,\n", v84), None);
    }

    /// More entries than readconf.c keeps, as `ssh -G -F c h` 9.2p1 reports them ("c line N:
    /// MESSAGE"), for host `h`.
    #[test]
    fn limits_on_what_is_kept_refuse_as_ssh_g_does() {
        let first_error = |config: String| {
            let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
            let set = crate::ConfigSet::from_main_bytes(config.into_bytes(), &opts).unwrap();
            let r = set.resolve("h", &crate::ResolveContext::new("me"));
            r.errors.first().map(|n| (n.loc.line(), n.message.clone()))
        };
        let lines = |kw: &str, n: usize, name: &str| -> String {
            (0..n).map(|i| format!("  {kw} /tmp/{name}{i}\n")).collect()
        };
        let words = |n: usize, f: &dyn Fn(usize) -> String| -> String {
            (0..n).map(f).collect::<Vec<_>>().join(" ")
        };
        let identity = |line| Some((line, "Too many identity files specified (max 100).".into()));
        for (config, want) in [
            // 100 kept, then a file named again: refused all the same (line 102).
            (
                format!(
                    "Host h\n{}  IdentityFile /tmp/id5\n",
                    lines("IdentityFile", 100, "id")
                ),
                identity(102),
            ),
            (
                format!("Host h\n{}", lines("IdentityFile", 100, "id")),
                None,
            ),
            (
                format!("Host h\n{}", lines("CertificateFile", 101, "c")),
                Some((
                    102,
                    "Too many certificate files specified (max 100).".into(),
                )),
            ),
            // IdentityFile2 is IdentityFile; Host * applies too (line 103).
            (
                format!(
                    "Host h\n{}Host *\n{}",
                    lines("IdentityFile", 60, "id"),
                    lines("IdentityFile2", 60, "j")
                ),
                identity(103),
            ),
            // Only lines that apply.
            (
                format!("Host x\n{}", lines("IdentityFile", 101, "id")),
                None,
            ),
            // The final pass reads the first line again, with 100 kept (line 3).
            (
                format!(
                    "Host h\n  CanonicalizeHostname yes\n{}",
                    lines("IdentityFile", 100, "id")
                ),
                identity(3),
            ),
            (
                format!(
                    "Host h\n  CanonicalizeHostname yes\n{}",
                    lines("IdentityFile", 99, "id")
                ),
                None,
            ),
            (
                format!(
                    "Host h\n  GlobalKnownHostsFile {}\n",
                    words(33, &|i| format!("/d{i}"))
                ),
                Some((2, "too many globalknownhostsfile entries.".into())),
            ),
            (
                format!(
                    "Host h\n  UserKnownHostsFile {}\n",
                    words(33, &|i| format!("/d{i}"))
                ),
                Some((2, "too many userknownhostsfile entries.".into())),
            ),
            // Only the first line that applies is kept.
            (
                format!(
                    "Host h\n  GlobalKnownHostsFile /x\n  GlobalKnownHostsFile {}\n",
                    words(33, &|i| format!("/d{i}"))
                ),
                None,
            ),
            (
                format!(
                    "Host h\n  UserKnownHostsFile {}\n",
                    words(32, &|i| format!("/d{i}"))
                ),
                None,
            ),
            (
                format!(
                    "Host h\n  CanonicalizePermittedCNAMEs {}\n",
                    words(33, &|i| format!("*.a{i}:*.b"))
                ),
                Some((2, "too many permitted CNAMEs.".into())),
            ),
            (
                format!(
                    "Host h\n  CanonicalDomains {}\n",
                    words(33, &|i| format!("d{i}.com"))
                ),
                Some((2, "too many hostname suffixes.".into())),
            ),
            (
                format!(
                    "Host h\n  CanonicalDomains {}\n",
                    words(32, &|i| format!("d{i}.com"))
                ),
                None,
            ),
            (
                format!(
                    "Host x\n  CanonicalDomains {}\n",
                    words(33, &|i| format!("d{i}.com"))
                ),
                None,
            ),
        ] {
            assert_eq!(first_error(config.clone()), want, "{config}");
        }
    }

    /// ssh stops ("terminating, N bad configuration options") at the end of a first pass that
    /// found a line it refuses, so a final pass is never read: `ssh -G -F c h` 9.2p1 names line
    /// 2 only here, not line 4 (which the final pass would refuse too), through the index too.
    #[test]
    fn no_final_pass_after_a_first_pass_that_refuses() {
        let words = |n: usize, f: &dyn Fn(usize) -> String| -> String {
            (0..n).map(f).collect::<Vec<_>>().join(" ")
        };
        let config = format!(
            "Host h\n  UserKnownHostsFile {}\nMatch final\n  CanonicalDomains {}\n  LocalForward 1455 127.0.0.1:1455\n",
            words(33, &|i| format!("/k{i}")),
            words(33, &|i| format!("d{i}.com"))
        );
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let set = crate::ConfigSet::from_main_bytes(config.into_bytes(), &opts).unwrap();
        let ctx = crate::ResolveContext::new("me");
        let index = set.resolve_index();
        let mut through_index = crate::Resolution::default();
        index.resolve_into("h", &ctx, &mut through_index);
        for r in [set.resolve("h", &ctx), through_index] {
            let errors: Vec<_> = (r.errors.iter())
                .map(|n| (n.loc.line(), n.message.as_str()))
                .collect();
            assert_eq!(errors, [(2, "too many userknownhostsfile entries.")]);
            assert!(!r.final_pass);
            assert!(r.forward_lines.is_empty());
        }
        // Without the first pass's error, the final pass is read (and refuses line 3).
        let config = format!(
            "Host h\nMatch final\n  CanonicalDomains {}\n",
            words(33, &|i| format!("d{i}.com"))
        );
        let set = crate::ConfigSet::from_main_bytes(config.into_bytes(), &opts).unwrap();
        let r = set.resolve("h", &ctx);
        assert!(r.final_pass);
        assert_eq!(r.errors.len(), 1);
        let n = &r.errors[0];
        assert_eq!(
            (n.loc.line(), n.message.as_str()),
            (3, "too many hostname suffixes.")
        );
    }

    /// The checks after reading are not made when the reading found a line ssh refuses: ssh
    /// stops at the end of that reading (`ssh -G` 9.2p1 names line 2 only here).
    #[test]
    fn no_check_after_reading_when_the_reading_refuses() {
        let entries = (0..33)
            .map(|i| format!("/k{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let ctx = crate::ResolveContext::new("me");
        for (config, want) in [
            (
                format!("Host h\n  UserKnownHostsFile {entries}\n  ConnectionAttempts 0\n"),
                (2, "too many userknownhostsfile entries."),
            ),
            (
                "Host h\n  ConnectionAttempts 0\n".to_string(),
                (2, "Invalid number of ConnectionAttempts"),
            ),
        ] {
            let set =
                crate::ConfigSet::from_main_bytes(config.clone().into_bytes(), &opts).unwrap();
            let mut through_index = crate::Resolution::default();
            set.resolve_index()
                .resolve_into("h", &ctx, &mut through_index);
            for r in [set.resolve("h", &ctx), through_index] {
                let errors: Vec<_> = (r.errors.iter())
                    .map(|n| (n.loc.line(), n.message.as_str()))
                    .collect();
                assert_eq!(errors, [want], "{config}");
            }
        }
    }

    /// `ConnectionAttempts` and `CanonicalizeMaxDots` are read as `parse_int` reads them
    /// (`strtonum`, which skips leading blanks, the vertical tab among them): `" 0"` is 0, so
    /// `ssh -G` 9.2p1 refuses `ConnectionAttempts " 0"` ("Invalid number of ConnectionAttempts")
    /// and looks a one-label name up under `CanonicalizeMaxDots " 0"`.
    #[test]
    fn integers_after_reading_are_read_as_strtonum_reads_them() {
        let opts = crate::LoadOptions::explicit_file("/c", "/nonexistent");
        let ctx = crate::ResolveContext::new("me");
        let look_up = "Host h\n  CanonicalizeHostname yes\n  CanonicalizeFallbackLocal no\n";
        for (config, want) in [
            ("Host h\n  ConnectionAttempts \" 0\"\n".to_string(), Some(2)),
            ("Host h\n  ConnectionAttempts \"\x0b+0\"\n".into(), Some(2)),
            ("Host h\n  ConnectionAttempts \"\t1\"\n".into(), None),
            (format!("{look_up}  CanonicalizeMaxDots \" 0\"\n"), Some(3)),
            (
                format!("{look_up}  CanonicalizeMaxDots \"\x0b0\"\n  HostName x.y\n"),
                None,
            ),
        ] {
            let set =
                crate::ConfigSet::from_main_bytes(config.clone().into_bytes(), &opts).unwrap();
            let r = set.resolve("h", &ctx);
            assert_eq!(r.errors.first().map(|n| n.loc.line()), want, "{config:?}");
        }
    }

    #[test]
    fn the_last_hop_of_a_jump() {
        let hop = |user: Option<&[u8]>, host: &[u8], port| {
            Some(JumpHop {
                user: user.map(<[u8]>::to_vec),
                host: host.to_vec(),
                port,
            })
        };
        assert_eq!(jump_target(b"x,u@a:23"), hop(Some(b"u"), b"a", Some(23)));
        assert_eq!(jump_target(b"a b"), hop(None, b"a", None));
        assert_eq!(jump_target(b"[::1]:22"), hop(None, b"::1", Some(22)));
        assert_eq!(
            jump_target(b"ssh://r%6ft+x@a:2/"),
            hop(Some(b"rot x"), b"a", Some(2))
        );
        assert_eq!(jump_target(b"none"), None);
        assert_eq!(jump_target(b"a:x"), None);
    }
}
