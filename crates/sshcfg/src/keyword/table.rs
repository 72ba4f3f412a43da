//! Every keyword OpenSSH's client knows, as data: how `process_config_line` (readconf.c) parses
//! its arguments, and the release that added it. Adding a keyword touches this table alone.
//!
//! Derived from readconf.c's `keywords[]` and `process_config_line_depth` at V_9_2_P1 and at
//! the current master, plus Debian's GSSAPI key-exchange options (the OpenSSH this project is
//! judged by is Debian's 9.2p1) and the keywords only Debian's patches add ([`Builds::Debian`])
//! or Apple's ([`Builds::Apple`]: macOS's own ssh). Every rule was checked with `ssh -G` 9.2p1;
//! Apple's three keywords, all flags, were read from Apple's readconf.c (OpenSSH-354.0.3, its
//! 10.0p2), no macOS being at hand.

/// An OpenSSH release, `(major, minor)`.
pub(crate) type Release = (u8, u8);

/// Present in every OpenSSH this library reads configs for (8.0 and later).
const ALWAYS: Release = (0, 0);

/// The values of a `multistate` table (readconf.c), compared ignoring letter case.
pub(crate) type Choices = &'static [&'static str];

/// `multistate_flag`.
pub(crate) const FLAG: Choices = &["true", "false", "yes", "no"];
const YES_NO_ASK: Choices = &["true", "false", "yes", "no", "ask"];
const STRICT_HOSTKEY: Choices = &["true", "false", "yes", "no", "ask", "off", "accept-new"];
const ADDRESS_FAMILY: Choices = &["inet", "inet6", "any"];
const CONTROL_MASTER: Choices = &["true", "yes", "false", "no", "auto", "ask", "autoask"];
const TUNNEL: Choices = &["ethernet", "point-to-point", "true", "yes", "false", "no"];
const REQUEST_TTY: Choices = &["true", "yes", "false", "no", "force", "auto"];
const SESSION_TYPE: Choices = &["none", "subsystem", "default"];
const CANONICALIZE: Choices = &["true", "false", "yes", "no", "always"];
const PUBKEY_AUTH: Choices = &["true", "false", "yes", "no", "unbound", "host-bound"];
/// With zlib, as every packaged OpenSSH is built.
const COMPRESSION: Choices = &["yes", "no"];
const WARN_WEAK_CRYPTO: Choices = &["true", "false", "yes", "no", "no-pq-kex"];

/// Which algorithm list an argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algos {
    /// `Ciphers` (`ciphers_valid`).
    Ciphers,
    /// `MACs` (`mac_valid`).
    Macs,
    /// `KexAlgorithms` (`kex_names_valid`).
    Kex,
    /// `HostKeyAlgorithms` and the other key-type lists (`sshkey_names_valid2`, wildcards allowed).
    KeyTypes,
    /// Debian's `GSSAPIKexAlgorithms`.
    GssKex,
}

/// Which forward a forwarding keyword sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fwd {
    /// `LocalForward`: two arguments.
    Local,
    /// `RemoteForward`: two arguments, or one (a remote dynamic forward).
    Remote,
    /// `DynamicForward`: one argument.
    Dynamic,
}

/// How `process_config_line` parses a keyword's arguments (the label it jumps to, or its own
/// `case`). Unless noted, one argument is read and any other is "extra arguments at end of line".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    /// `oIgnore`, `oDeprecated`, `oUnsupported`: every argument is consumed, nothing is refused.
    Ignored,
    /// `parse_flag`/`parse_multistate`: one of these values, any letter case.
    Choice(Choices),
    /// `parse_time`: `none` or a `convtime` interval.
    Time,
    /// `parse_int`: `atoi_err`, 0 to `INT_MAX`.
    Int,
    /// `parse_string` (and `IdentityFile`, `CertificateFile`): one non-empty argument.
    Str,
    /// `parse_char_array`, `LogVerbose`: any number of non-empty arguments, `none` alone.
    List,
    /// `parse_command`: the rest of the line, as written.
    Command,
    /// `ProxyJump`: `parse_jump` on the rest of the line.
    ProxyJump,
    /// `Port`: `a2port`, not zero.
    Port,
    /// An algorithm list: `-`, `+`, `^` prefixes, then comma-separated names this OpenSSH has.
    Algorithms(Algos),
    /// `LogLevel`: `log_level_number`.
    LogLevel,
    /// `SyslogFacility`: `log_facility_number`.
    LogFacility,
    /// `LocalForward`, `RemoteForward`, `DynamicForward`: `parse_forward`.
    Forward(Fwd),
    /// `PermitRemoteOpen`: `host:port` arguments, or `any`/`none` alone.
    PermitRemoteOpen,
    /// `Host`: any number of non-empty patterns.
    Host,
    /// `Match`: criteria are checked where they are evaluated (resolve); here only their
    /// presence.
    Match,
    /// `Include`: any number of non-empty paths.
    Include,
    /// `EscapeChar`.
    EscapeChar,
    /// `SendEnv`: names without `=`.
    SendEnv,
    /// `SetEnv`: `NAME=value` arguments.
    SetEnv,
    /// `ControlPersist`: yes/no/true/false (this letter case only) or an interval.
    ControlPersist,
    /// `TunnelDevice`: `a2tun`, `local[:remote]`.
    TunnelDevice,
    /// `IPQoS`: one or two `parse_ipqos` values.
    IpQos,
    /// `CanonicalDomains`: `valid_domain` names, `none` alone.
    CanonicalDomains,
    /// `CanonicalizePermittedCNAMEs`: `source:target` lists, `*`, `none` alone.
    PermittedCnames,
    /// `StreamLocalBindMask`: an octal mode.
    Mask,
    /// `FingerprintHash`: a digest name.
    FingerprintHash,
    /// `AddKeysToAgent`: a choice, `confirm` with an interval, or an interval.
    AddKeysToAgent,
    /// `IdentityAgent`: a path, `${VAR}` expansions checked.
    AgentPath,
    /// `ForwardAgent`: a flag, or else an agent path.
    ForwardAgent,
    /// `RekeyLimit`: a size (`scan_scaled`) and an optional interval.
    RekeyLimit,
    /// `ChannelTimeout` (9.6): `type=interval` arguments, `none` alone.
    ChannelTimeout,
    /// `ObscureKeystrokeTiming` (9.5): yes/no/true/false or `interval:N`.
    ObscureKeystrokeTiming,
}

/// Which builds of a release know a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builds {
    /// Every build.
    All,
    /// Only builds with Debian's patches
    /// ([`Vendor::has_debian_patches`](crate::Vendor::has_debian_patches)); every other
    /// build refuses it as "Bad configuration option".
    Debian,
    /// Only Apple's builds ([`Vendor::has_apple_patches`](crate::Vendor::has_apple_patches)),
    /// from the spec's release of Apple's; every other build refuses it as "Bad configuration
    /// option".
    Apple,
}

/// One keyword: its name (lowercase), how its arguments are read, and the release (and builds)
/// that know it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// As readconf.c's `keywords[]` spells it.
    pub(crate) name: &'static str,
    /// How its arguments are parsed.
    pub(crate) arg: Arg,
    /// The first release that knows it.
    pub(crate) since: Release,
    /// Which builds know it.
    pub(crate) builds: Builds,
    /// Does ssh.c expand `%` tokens in its value before `ssh -G` prints (so that a token one
    /// release does not know, such as `%j` before 9.6, refuses the host)?
    pub(crate) expanded: bool,
    /// May a line of it read differently for some release or build (newer than the oldest
    /// supported release, a vendor's, an algorithm list, [`Spec::expanded`], or `Include`, whose
    /// paths 9.9 expands)? When not, the rejection check need not ask.
    pub(crate) varies: bool,
}

const fn kw(name: &'static str, arg: Arg) -> Spec {
    new(name, arg, ALWAYS)
}

const fn new(name: &'static str, arg: Arg, since: Release) -> Spec {
    Spec {
        name,
        arg,
        since,
        builds: Builds::All,
        expanded: false,
        varies: since.0 != ALWAYS.0 || since.1 != ALWAYS.1 || matches!(arg, Arg::Algorithms(_)),
    }
}

/// A keyword whose value ssh.c expands before `ssh -G` prints it ([`Spec::expanded`]).
const fn expanded(spec: Spec) -> Spec {
    Spec {
        expanded: true,
        varies: true,
        ..spec
    }
}

/// A keyword only Debian's patches add (in every Debian and Ubuntu release this library reads
/// configs for: checked in the `openssh` source packages of Debian 12, 9.2p1, and 13, 10.0p1).
const fn debian(name: &'static str, arg: Arg) -> Spec {
    Spec {
        builds: Builds::Debian,
        varies: true,
        ..kw(name, arg)
    }
}

/// A keyword only Apple's patches add, known to Apple's builds from release `since`
/// (apple-oss-distributions/OpenSSH: readconf.c's `keywords[]` under `__APPLE_KEYCHAIN__`,
/// `__APPLE_NW_CONNECTION__`, `__APPLE_NOHOSTAUTHPROXY__`, defined by `openssh.xcconfig`).
const fn apple(name: &'static str, arg: Arg, since: Release) -> Spec {
    Spec {
        builds: Builds::Apple,
        varies: true,
        ..new(name, arg, since)
    }
}

use crate::swar;
use Arg::*;

/// Every keyword, sorted by name.
pub(crate) const KEYWORDS: &[Spec] = &[
    kw("addkeystoagent", AddKeysToAgent),
    kw("addressfamily", Choice(ADDRESS_FAMILY)),
    kw("afstokenpassing", Ignored),
    // Apple's, `__APPLE_NW_CONNECTION__`: `parse_flag`.
    apple("applemultipath", Choice(FLAG), (9, 0)),
    kw("batchmode", Choice(FLAG)),
    kw("bindaddress", Str),
    kw("bindinterface", Str),
    kw("canonicaldomains", CanonicalDomains),
    kw("canonicalizefallbacklocal", Choice(FLAG)),
    kw("canonicalizehostname", Choice(CANONICALIZE)),
    kw("canonicalizemaxdots", Int),
    kw("canonicalizepermittedcnames", PermittedCnames),
    kw("casignaturealgorithms", Algorithms(Algos::KeyTypes)),
    kw("certificatefile", Str),
    kw("challengeresponseauthentication", Choice(FLAG)),
    new("channeltimeout", ChannelTimeout, (9, 6)),
    kw("checkhostip", Choice(FLAG)),
    kw("cipher", Ignored),
    kw("ciphers", Algorithms(Algos::Ciphers)),
    kw("clearallforwardings", Choice(FLAG)),
    kw("compression", Choice(COMPRESSION)),
    kw("compressionlevel", Ignored),
    kw("connectionattempts", Int),
    kw("connecttimeout", Time),
    kw("controlmaster", Choice(CONTROL_MASTER)),
    expanded(kw("controlpath", Str)),
    kw("controlpersist", ControlPersist),
    kw("dsaauthentication", Choice(PUBKEY_AUTH)),
    expanded(kw("dynamicforward", Forward(Fwd::Dynamic))),
    new("enableescapecommandline", Choice(FLAG), (9, 2)),
    kw("enablesshkeysign", Choice(FLAG)),
    kw("escapechar", EscapeChar),
    kw("exitonforwardfailure", Choice(FLAG)),
    kw("fallbacktorsh", Ignored),
    kw("fingerprinthash", FingerprintHash),
    new("forkafterauthentication", Choice(FLAG), (8, 7)),
    expanded(kw("forwardagent", ForwardAgent)),
    kw("forwardx11", Choice(FLAG)),
    kw("forwardx11timeout", Time),
    kw("forwardx11trusted", Choice(FLAG)),
    kw("gatewayports", Choice(FLAG)),
    kw("globalknownhostsfile", List),
    kw("globalknownhostsfile2", Ignored),
    kw("gssapiauthentication", Choice(FLAG)),
    kw("gssapiclientidentity", Str),
    kw("gssapidelegatecredentials", Choice(FLAG)),
    kw("gssapikexalgorithms", Algorithms(Algos::GssKex)),
    kw("gssapikeyexchange", Choice(FLAG)),
    kw("gssapirenewalforcesrekey", Choice(FLAG)),
    kw("gssapiserveridentity", Str),
    kw("gssapitrustdns", Choice(FLAG)),
    kw("hashknownhosts", Choice(FLAG)),
    kw("host", Host),
    new(
        "hostbasedacceptedalgorithms",
        Algorithms(Algos::KeyTypes),
        (8, 7),
    ),
    kw("hostbasedauthentication", Choice(FLAG)),
    kw("hostbasedkeytypes", Algorithms(Algos::KeyTypes)),
    kw("hostkeyalgorithms", Algorithms(Algos::KeyTypes)),
    kw("hostkeyalias", Str),
    kw("hostname", Str),
    kw("identitiesonly", Choice(FLAG)),
    expanded(kw("identityagent", AgentPath)),
    kw("identityfile", Str),
    kw("identityfile2", Str),
    kw("ignoreunknown", Str),
    // (Its paths are expanded from 9.9: see `Checker::line`.)
    Spec {
        varies: true,
        ..kw("include", Include)
    },
    kw("ipqos", IpQos),
    kw("kbdinteractiveauthentication", Choice(FLAG)),
    kw("kbdinteractivedevices", Str),
    kw("keepalive", Choice(FLAG)),
    kw("kerberosauthentication", Ignored),
    kw("kerberostgtpassing", Ignored),
    kw("kexalgorithms", Algorithms(Algos::Kex)),
    new("knownhostscommand", Command, (8, 5)),
    kw("localcommand", Command),
    expanded(kw("localforward", Forward(Fwd::Local))),
    kw("loglevel", LogLevel),
    new("logverbose", List, (8, 5)),
    kw("macs", Algorithms(Algos::Macs)),
    kw("match", Match),
    kw("nohostauthenticationforlocalhost", Choice(FLAG)),
    // Apple's, `__APPLE_NOHOSTAUTHPROXY__`: `parse_flag`.
    apple("nohostauthenticationforproxycommand", Choice(FLAG), (9, 6)),
    kw("numberofpasswordprompts", Int),
    new("obscurekeystroketiming", ObscureKeystrokeTiming, (9, 5)),
    kw("passwordauthentication", Choice(FLAG)),
    kw("permitlocalcommand", Choice(FLAG)),
    new("permitremoteopen", PermitRemoteOpen, (8, 5)),
    kw("pkcs11provider", Str),
    kw("port", Port),
    kw("preferredauthentications", Str),
    kw("protocol", Ignored),
    // keepalive-extensions.patch: an alias of `ServerAliveInterval` (`parse_time`).
    debian("protocolkeepalives", Time),
    kw("proxycommand", Command),
    kw("proxyjump", ProxyJump),
    kw("proxyusefdpass", Choice(FLAG)),
    new(
        "pubkeyacceptedalgorithms",
        Algorithms(Algos::KeyTypes),
        (8, 5),
    ),
    kw("pubkeyacceptedkeytypes", Algorithms(Algos::KeyTypes)),
    kw("pubkeyauthentication", Choice(PUBKEY_AUTH)),
    new("refuseconnection", Str, (10, 1)),
    kw("rekeylimit", RekeyLimit),
    expanded(kw("remotecommand", Command)),
    expanded(kw("remoteforward", Forward(Fwd::Remote))),
    kw("requesttty", Choice(REQUEST_TTY)),
    new("requiredrsasize", Int, (9, 1)),
    kw("revokedhostkeys", Str),
    kw("rhostsauthentication", Ignored),
    kw("rhostsrsaauthentication", Ignored),
    kw("rsaauthentication", Ignored),
    new("securitykeyprovider", Str, (8, 2)),
    kw("sendenv", SendEnv),
    kw("serveralivecountmax", Int),
    kw("serveraliveinterval", Time),
    new("sessiontype", Choice(SESSION_TYPE), (8, 7)),
    kw("setenv", SetEnv),
    // keepalive-extensions.patch: an alias of `ServerAliveInterval` (9.2p1) or of
    // `ConnectTimeout` (10.0p1), `parse_time` in both.
    debian("setuptimeout", Time),
    kw("skeyauthentication", Choice(FLAG)),
    kw("smartcarddevice", Str),
    new("stdinnull", Choice(FLAG), (8, 7)),
    kw("streamlocalbindmask", Mask),
    kw("streamlocalbindunlink", Choice(FLAG)),
    kw("stricthostkeychecking", Choice(STRICT_HOSTKEY)),
    kw("syslogfacility", LogFacility),
    new("tag", Str, (9, 4)),
    kw("tcpkeepalive", Choice(FLAG)),
    kw("tisauthentication", Choice(FLAG)),
    kw("tunnel", Choice(TUNNEL)),
    kw("tunneldevice", TunnelDevice),
    kw("updatehostkeys", Choice(YES_NO_ASK)),
    // ssh-vulnkey-compat.patch: `oDeprecated`.
    debian("useblacklistedkeys", Ignored),
    // Apple's, `__APPLE_KEYCHAIN__` (macOS 10.12.2's 7.3p1 on; every Apple build this library
    // reads configs for): `parse_flag`.
    apple("usekeychain", Choice(FLAG), ALWAYS),
    kw("useprivilegedport", Ignored),
    kw("user", Str),
    expanded(kw("userknownhostsfile", List)),
    kw("userknownhostsfile2", Ignored),
    kw("useroaming", Ignored),
    kw("usersh", Ignored),
    kw("verifyhostkeydns", Choice(YES_NO_ASK)),
    new("versionaddendum", Command, (10, 0)),
    kw("visualhostkey", Choice(FLAG)),
    new("warnweakcrypto", Choice(WARN_WEAK_CRYPTO), (10, 1)),
    kw("xauthlocation", Str),
];

/// `Match` criteria newer than OpenSSH 8.0 (from `match_cfg_line` at each release tag).
pub(crate) const MATCH_SINCE: &[(&str, Release)] = &[
    ("command", (10, 0)),
    ("localnetwork", (9, 4)),
    ("sessiontype", (10, 0)),
    ("tagged", (9, 4)),
    ("version", (10, 0)),
];

/// Does `text` hold the name of a criterion of [`MATCH_SINCE`] anywhere, ignoring letter case
/// (a `Match` line that may read otherwise to another release)? One pass over its bytes: a
/// byte that starts no such name (most) is passed over on one look-up.
pub(crate) fn mentions_newer_criterion(text: &[u8]) -> bool {
    /// For each byte, the criteria of [`MATCH_SINCE`] whose name starts with it (either
    /// case), as bits.
    const STARTS: [u8; 256] = {
        assert!(MATCH_SINCE.len() <= 8);
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < MATCH_SINCE.len() {
            let first = MATCH_SINCE[i].0.as_bytes()[0];
            t[first.to_ascii_lowercase() as usize] |= 1 << i;
            t[first.to_ascii_uppercase() as usize] |= 1 << i;
            i += 1;
        }
        t
    };
    text.iter().enumerate().any(|(at, &b)| {
        let mut which = STARTS[usize::from(b)];
        while which != 0 {
            let name = MATCH_SINCE[which.trailing_zeros() as usize].0.as_bytes();
            if text[at..]
                .get(..name.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(name))
            {
                return true;
            }
            which &= which - 1;
        }
        false
    })
}

/// Slots of the hash index over [`KEYWORDS`] (a power of two, well above the table's size).
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_BITS: u32 = 10;
const EMPTY: u8 = u8::MAX;

/// The multiplier of [`hash`]: one under which no two names share a slot unless they share
/// their length and first eight bytes (`forwardx11timeout` and `forwardx11trusted`, say), so
/// that a lookup is one probe but for those (a test checks it; a new keyword that breaks it
/// needs another odd multiplier, found by trying random ones).
const MULTIPLIER: u64 = 0x85c1_2d6a_1c18_74b1;

/// The longest keyword name, in bytes (a name is compared as up to five words; Apple's
/// `nohostauthenticationforproxycommand` is 35).
const NAME_MAX: usize = 40;

/// A keyword's slot: its length and its first eight bytes (zero after its end), each byte with
/// bit 5 set, mixed by one multiplication. Setting the bit lowercases a letter (and makes a
/// few other bytes alike, which the comparison after the hash tells apart): the hash ignores
/// letter case.
#[inline(always)]
const fn hash(len: usize, head: u64) -> usize {
    let h = (head | swar::splat(0x20)) ^ len as u64;
    (h.wrapping_mul(MULTIPLIER) >> (64 - SLOT_BITS)) as usize
}

/// The `len` bytes of `name` from `at`, as a word (a `const` twin of [`swar::load_upto`]).
const fn word_of(name: &[u8], at: usize, len: usize) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < len && at + i < name.len() {
        w |= (name[at + i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// The slot of a table name.
const fn hash_of_name(name: &[u8]) -> usize {
    hash(name.len(), word_of(name, 0, 8))
}

/// Open-addressing index: slot -> position in [`KEYWORDS`] (built at compile time).
const INDEX: [u8; SLOTS] = {
    assert!(KEYWORDS.len() < EMPTY as usize);
    let mut slots = [EMPTY; SLOTS];
    let mut i = 0;
    while i < KEYWORDS.len() {
        assert!(KEYWORDS[i].name.len() <= NAME_MAX);
        let mut at = hash_of_name(KEYWORDS[i].name.as_bytes());
        while slots[at] != EMPTY {
            at = (at + 1) & (SLOTS - 1);
        }
        slots[at] = i as u8;
        i += 1;
    }
    slots
};

/// A table name as words: its first eight bytes, its last eight, and the eight after the first
/// eight and the two after those (for names of 17 bytes or more), lowercase, zero after its
/// end; and bit 5 of each of its letters in each. The words cover every byte of the name (they
/// overlap when it is not a multiple of eight long). A word `w` of a line spells the name's
/// word `n` ignoring letter case exactly when `w | letters == n` (a letter's other case differs
/// in bit 5 alone; any other byte must be itself).
#[derive(Clone, Copy)]
struct NameWords {
    len: usize,
    head: [u64; 2],
    tail: [u64; 2],
    middle: [[u64; 2]; 3],
}

const NAMES: [NameWords; KEYWORDS.len()] = {
    /// A word of `name` from `at` and the bit 5 of its letters.
    const fn word(name: &[u8], at: usize, len: usize) -> [u64; 2] {
        let mut letters = 0u64;
        let mut i = 0;
        while i < len && at + i < name.len() {
            assert!(!name[at + i].is_ascii_uppercase());
            if name[at + i].is_ascii_lowercase() {
                letters |= 0x20 << (8 * i);
            }
            i += 1;
        }
        [word_of(name, at, len), letters]
    }
    let mut out = [NameWords {
        len: 0,
        head: [0; 2],
        tail: [0; 2],
        middle: [[0; 2]; 3],
    }; KEYWORDS.len()];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let name = KEYWORDS[i].name.as_bytes();
        let len = name.len();
        out[i].len = len;
        out[i].head = word(name, 0, 8);
        if len > 8 {
            out[i].tail = word(name, len - 8, 8);
        }
        if len > 16 {
            out[i].middle[0] = word(name, 8, 8);
        }
        if len > 24 {
            out[i].middle[1] = word(name, 16, 8);
        }
        if len > 32 {
            out[i].middle[2] = word(name, 24, 8);
        }
        i += 1;
    }
    out
};

/// The position in [`KEYWORDS`] of the keyword `kw` names, ignoring letter case (no
/// allocation: a hash of its length and first word, then a comparison a word at a time).
#[inline]
pub(crate) fn lookup_index(kw: &[u8]) -> Option<u8> {
    lookup_in(kw, kw.len())
}

/// [`lookup_index`] of the keyword `text[..len]` (`text` may go on past the keyword: a line's
/// words are then read without a copy).
#[inline(always)]
pub(crate) fn lookup_in(text: &[u8], len: usize) -> Option<u8> {
    if len > NAME_MAX || len > text.len() {
        return None;
    }
    let head = if text.len() >= 8 {
        swar::load(text, 0) & swar::mask(len)
    } else {
        swar::load_upto(text, 0, len)
    };
    let tail = if len > 8 {
        swar::load(text, len - 8)
    } else {
        0
    };
    let mut at = hash(len, head);
    loop {
        let i = INDEX[at];
        if i == EMPTY {
            return None;
        }
        let name = &NAMES[usize::from(i)];
        let spells = |w: u64, [word, letters]: [u64; 2]| (w | letters) == word;
        if name.len == len
            && spells(head, name.head)
            && spells(tail, name.tail)
            && (len <= 16
                || (spells(swar::load(text, 8), name.middle[0])
                    && (len <= 24
                        || (spells(swar::load(text, 16), name.middle[1])
                            && (len <= 32 || spells(swar::load(text, 24), name.middle[2]))))))
        {
            return Some(i);
        }
        at = (at + 1) & (SLOTS - 1);
    }
}

/// The keyword `kw` names, ignoring letter case.
#[cfg(test)]
pub(crate) fn lookup(kw: &[u8]) -> Option<&'static Spec> {
    lookup_index(kw).map(|i| &KEYWORDS[usize::from(i)])
}

/// The [`Keyword`](crate::Keyword) of each entry of [`KEYWORDS`] (most are `Other`).
#[inline]
pub(crate) fn keyword_of(i: u8) -> crate::Keyword {
    static KINDS: [crate::Keyword; KEYWORDS.len()] = {
        let mut out = [crate::Keyword::Other; KEYWORDS.len()];
        let mut i = 0;
        while i < KEYWORDS.len() {
            out[i] = crate::Keyword::of_name(KEYWORDS[i].name);
            i += 1;
        }
        out
    };
    KINDS[usize::from(i)]
}

/// The release that added `Match` criterion `word` (`!` allowed), if newer than 8.0.
pub(crate) fn criterion_since(word: &[u8]) -> Option<Release> {
    let word = word.strip_prefix(b"!").unwrap_or(word);
    MATCH_SINCE
        .iter()
        .find(|(k, _)| k.as_bytes().eq_ignore_ascii_case(word))
        .map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's position of `kw`, by a byte-by-byte search of the table.
    fn lookup_slow(kw: &[u8]) -> Option<u8> {
        KEYWORDS
            .iter()
            .position(|s| s.name.as_bytes().eq_ignore_ascii_case(kw))
            .map(|i| i as u8)
    }

    /// Two names share a slot only when they share their length and first eight bytes, so a
    /// lookup of any other name is one probe (if this fails after adding a keyword, change
    /// MULTIPLIER to another odd number for which it passes).
    /// `varies` is what the rejection check would find by asking each question in turn.
    #[test]
    fn a_keyword_varies_exactly_when_a_release_may_read_it_otherwise() {
        for s in KEYWORDS {
            let asks = s.since != ALWAYS
                || s.builds != Builds::All
                || matches!(s.arg, Algorithms(_))
                || s.expanded
                || s.arg == Include;
            assert_eq!(s.varies, asks, "{}", s.name);
        }
        let expanded: Vec<_> = KEYWORDS
            .iter()
            .filter(|s| s.expanded)
            .map(|s| s.name)
            .collect();
        assert_eq!(
            expanded,
            [
                "controlpath",
                "dynamicforward",
                "forwardagent",
                "identityagent",
                "localforward",
                "remotecommand",
                "remoteforward",
                "userknownhostsfile"
            ]
        );
    }

    #[test]
    fn names_share_a_slot_only_when_their_heads_are_alike() {
        for (i, a) in KEYWORDS.iter().enumerate() {
            for b in &KEYWORDS[..i] {
                let (a, b) = (a.name.as_bytes(), b.name.as_bytes());
                if hash_of_name(a) == hash_of_name(b) {
                    assert!(
                        a.len() == b.len() && a[..8.min(a.len())] == b[..8.min(b.len())],
                        "{} and {} share a slot",
                        String::from_utf8_lossy(a),
                        String::from_utf8_lossy(b)
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The one-pass search for a newer `Match` criterion finds what a search of the text
        /// for each name finds.
        #[test]
        fn a_newer_criterion_is_found_as_a_search_for_each_name_finds_it(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "command", "COMMAND", "Comman", "localnetwork", "LocalNetwor", "sessiontype",
                "tagged", "Tagge", "version", "vERSION", "versio", "host", " ", "!", "c", "v",
                "t", "l", "s", "x", "\u{e9}",
            ]), 0..6),
        ) {
            let text = parts.concat().into_bytes();
            let want = MATCH_SINCE.iter().any(|(c, _)| {
                text.windows(c.len()).any(|w| w.eq_ignore_ascii_case(c.as_bytes()))
            });
            proptest::prop_assert_eq!(mentions_newer_criterion(&text), want);
        }
    }

    #[test]
    fn table_is_sorted_and_lookup_ignores_case() {
        assert!(KEYWORDS.windows(2).all(|w| w[0].name < w[1].name));
        for k in [
            "Host",
            "LOCALFORWARD",
            "IdentityFile",
            "ProxyJump",
            "GSSAPIKeyExchange",
        ] {
            assert!(lookup(k.as_bytes()).is_some(), "{k}");
        }
        for k in ["UseKeychainx", "Hostx", "\u{feff}Host", ""] {
            assert!(lookup(k.as_bytes()).is_none(), "{k}");
        }
        // Each byte of every name is compared: another byte anywhere (and the longest name,
        // Apple's 35 bytes, has five words) is no keyword.
        for s in KEYWORDS {
            for i in 0..s.name.len() {
                let mut other = s.name.as_bytes().to_vec();
                other[i] = if other[i] == b'q' { b'z' } else { b'q' };
                assert!(
                    lookup(&other).is_none(),
                    "{}",
                    String::from_utf8_lossy(&other)
                );
            }
        }
        assert_eq!(lookup(b"Tag").unwrap().since, (9, 4));
        // Every keyword, in every letter case a test can cheaply try, is itself.
        for (i, s) in KEYWORDS.iter().enumerate() {
            let upper = s.name.to_ascii_uppercase();
            let mixed: String = s
                .name
                .chars()
                .enumerate()
                .map(|(j, c)| {
                    if j % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            for spelling in [s.name, &upper, &mixed] {
                assert_eq!(
                    lookup_index(spelling.as_bytes()),
                    Some(i as u8),
                    "{spelling}"
                );
            }
            // Any byte changed to anything but its other letter case is another word (the
            // comparison sets bit 5 only where the name has a letter: `forwardx\x11` is not
            // `forwardx11`), also with the rest of a line after it.
            for at in 0..s.name.len() {
                for b in 0..=255u8 {
                    let mut word = s.name.as_bytes().to_vec();
                    let same = b.to_ascii_lowercase() == word[at];
                    word[at] = b;
                    let found = |text: &[u8]| lookup_in(text, word.len());
                    let mut line = word.clone();
                    line.extend_from_slice(b" value and more text");
                    let want = if same {
                        Some(i as u8)
                    } else {
                        lookup_slow(&word)
                    };
                    assert_eq!(found(&word), want, "{:?}", String::from_utf8_lossy(&word));
                    assert_eq!(found(&line), want, "{:?}", String::from_utf8_lossy(&word));
                }
            }
            // A word one letter shorter is a keyword only if the table says so.
            let shorter = &s.name[1..];
            assert_eq!(
                lookup(shorter.as_bytes()).map(|k| k.name),
                KEYWORDS.iter().find(|k| k.name == shorter).map(|k| k.name),
            );
        }
    }
}
