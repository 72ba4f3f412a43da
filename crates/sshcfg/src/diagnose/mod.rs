//! What OpenSSH refuses in a config, line by line, with its own message: one pass over a
//! [`Document`]'s lines that checks each keyword line against the keyword table
//! (`keyword::table`) in place, without allocating for a line that is fine.
//!
//! `Match` criteria are checked where they are evaluated (`resolve`), as ssh does; here only
//! their presence and their OpenSSH release.

pub(crate) mod algorithms;
mod args;
pub(crate) mod value;

use args::{check_args, shown, takes_any_word};

use crate::header::{Attribute, Criterion, Header, MatchLine, Negation};
use crate::keyword::Keyword;
use crate::keyword::table::{self, Arg};
use crate::lexer::Argv;
use crate::lexer::{LexedLine, LineKind};
use crate::options::OpenSshVersion;

/// A problem OpenSSH would report for a line; the line itself is kept as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (byte) where the problem starts.
    pub column: usize,
    /// What is wrong, in OpenSSH's terms.
    pub message: String,
    /// What kind of problem it is.
    pub kind: DiagnosticKind,
}

/// What OpenSSH does with a line it has a problem with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// A keyword this OpenSSH does not know ("Bad configuration option"): ssh stops.
    UnknownKeyword,
    /// A known keyword with arguments ssh rejects: ssh stops.
    BadArguments,
    /// ssh skips the line silently.
    Ignored,
}

impl Diagnostic {
    /// Does ssh stop at this line ("terminating, N bad configuration options"), whatever the
    /// host?
    pub fn rejects_config(&self) -> bool {
        self.kind != DiagnosticKind::Ignored
    }
}

/// Is `since` newer than `version` (`None`: the newest OpenSSH, which knows everything)?
fn newer(since: table::Release, version: Option<OpenSshVersion>) -> bool {
    version.is_some_and(|v| (v.major, v.minor) < (u32::from(since.0), u32::from(since.1)))
}

/// Does OpenSSH `version` (`None`: the newest, with every vendor's keywords) not know this
/// keyword: newer than its release, or added by patches its vendor's build lacks?
pub(crate) fn unknown_to(spec: &table::Spec, version: Option<OpenSshVersion>) -> bool {
    newer(spec.since, version)
        || match spec.builds {
            table::Builds::All => false,
            table::Builds::Debian => version.is_some_and(|v| !v.vendor.has_debian_patches()),
            table::Builds::Apple => version.is_some_and(|v| !v.vendor.has_apple_patches()),
        }
}

/// Is this `Match` criterion newer than `version`?
pub(crate) fn criterion_too_new(word: &[u8], version: Option<OpenSshVersion>) -> bool {
    table::criterion_since(word).is_some_and(|s| newer(s, version))
}

/// Every keyword OpenSSH's client knows (lowercase, sorted), with the release that added it
/// (`(0, 0)`: in every release this library reads configs for). A few are known only to the
/// builds with Debian's patches ([`crate::Vendor::has_debian_patches`]): `protocolkeepalives`,
/// `setuptimeout`, `useblacklistedkeys`; and a few only to Apple's
/// ([`crate::Vendor::has_apple_patches`]): `applemultipath` (9.0),
/// `nohostauthenticationforproxycommand` (9.6), `usekeychain`.
pub fn keywords() -> impl Iterator<Item = (&'static str, (u8, u8))> {
    table::KEYWORDS.iter().map(|s| (s.name, s.since))
}

/// The vendor whose patches alone add keyword `name` (any letter case): [`Vendor::Apple`](crate::Vendor::Apple) for
/// `UseKeychain`, `AppleMultipath` and `NoHostAuthenticationForProxyCommand`, [`Vendor::Debian`](crate::Vendor::Debian)
/// for `ProtocolKeepAlives`, `SetupTimeOut` and `UseBlacklistedKeys` (known to every build with
/// Debian's patches, Ubuntu's and Raspbian's too); `None` for any other name.
///
/// ```
/// use sshcfg::{Vendor, vendor_keyword};
/// assert_eq!(vendor_keyword(b"UseKeychain"), Some(Vendor::Apple));
/// assert_eq!(vendor_keyword(b"setuptimeout"), Some(Vendor::Debian));
/// assert_eq!(vendor_keyword(b"User"), None);
/// ```
pub fn vendor_keyword(name: &[u8]) -> Option<crate::Vendor> {
    match table::lookup_index(name).map(|i| table::KEYWORDS[usize::from(i)].builds)? {
        table::Builds::All => None,
        table::Builds::Debian => Some(crate::Vendor::Debian),
        table::Builds::Apple => Some(crate::Vendor::Apple),
    }
}

/// "Bad configuration option: KEYWORD" as OpenSSH prints it: lowercased, as its log shows
/// bytes ([`value::vis`]: octal escapes, a backslash doubled).
pub(crate) fn bad_option(keyword: &[u8]) -> String {
    format!(
        "Bad configuration option: {}",
        shown(&keyword.to_ascii_lowercase())
    )
}

/// Does a `Host`/`Match` line apply to every host in ssh's first reading of the files: `Host`
/// with a `*` and no negation, `Match all`, or `Match` with only `!final` and `!canonical`
/// (true in the first reading: `ssh -G` 9.2p1 accepts `Match !final` / `IgnoreUnknown Foo` /
/// `Foo bar` for every host)?
pub(crate) fn applies_to_every_host(header: Option<Header<'_>>) -> bool {
    match header {
        Some(Header::Host(h)) => {
            if h.check_quotes().is_err() {
                return false;
            }
            let mut star = false;
            for p in h.patterns().flatten() {
                if p.is_negated() {
                    return false;
                }
                star |= *p.pattern == *b"*";
            }
            star
        }
        Some(Header::Match(m)) => {
            let not_final = |c: &Criterion<'_>| {
                matches!(c.attribute, Attribute::Final | Attribute::Canonical)
                    && c.negation != Negation::Plain
            };
            let mut criteria = m.criteria();
            match criteria.next() {
                Some(Ok(Criterion {
                    attribute: Attribute::All,
                    negation: Negation::Plain,
                    ..
                })) => criteria.next().is_none(),
                Some(Ok(c)) if not_final(&c) => criteria.all(|c| c.is_ok_and(|c| not_final(&c))),
                _ => false,
            }
        }
        None => false,
    }
}

/// Does [`Checker::line`] pass over a line of keyword `spec` whose argument text is one plain
/// word (no blank, quote, backslash or `#`), or one such word, not empty, in one pair of quotes,
/// whatever it is and for every release: a keyword that takes any word, that every release and
/// build knows, whose value ssh.c does not expand (a `%j` in it depends on the release), and
/// that is neither a block header, `IgnoreUnknown` nor `Include` (whose paths 9.9 expands)? The
/// reading pass hands
/// such lines on to no one (a property test in `document` checks that the pass finds what a
/// sweep of every line finds).
pub(crate) const fn plain_word_needs_no_check(spec: &table::Spec) -> bool {
    args::takes_any_word(spec.arg)
        && spec.since.0 == 0
        && spec.since.1 == 0
        && matches!(spec.builds, table::Builds::All)
        && !spec.expanded
        && !matches!(
            Keyword::of_name(spec.name),
            Keyword::Host | Keyword::Match | Keyword::IgnoreUnknown | Keyword::Include
        )
}

/// The `%` tokens of a `Match exec` command from 9.6 (readconf.c), and of an `Include` path
/// from 9.9 (`expand_match_exec_or_include_path`, which both go through then).
const EXPAND_TOKENS: &[u8] = b"CLdhklnpruij";

/// What ssh says of a `Match exec` command `cmd` whose `%` tokens release `version` (`None`:
/// the newest) cannot expand (`match_cfg_line` expands it with `percent_expand`, which is fatal
/// then, whatever the criteria before it said), or `None`. The tokens by release (readconf.c):
/// `%L %d %h %l %n %p %r %u %i`, `%C` from 8.3, `%k` from 8.4, `%j` from 9.6; `%%` in all. The
/// message is `vdollar_percent_expand`'s from 8.4, `percent_expand`'s before; no `${VAR}` is
/// expanded.
pub(crate) fn exec_expand_error(cmd: &[u8], version: Option<OpenSshVersion>) -> Option<String> {
    // (Most commands have no `%`.)
    memchr::memchr(b'%', cmd)?;
    let before =
        |major: u32, minor: u32| version.is_some_and(|v| (v.major, v.minor) < (major, minor));
    let tokens: &[u8] = if before(8, 3) {
        b"Ldhlnprui"
    } else if before(8, 4) {
        b"CLdhlnprui"
    } else if before(9, 6) {
        b"CLdhklnprui"
    } else {
        EXPAND_TOKENS
    };
    let message = crate::expand::percent_expand_error(cmd, false, tokens)?;
    Some(match before(8, 4) {
        true => message.replacen("vdollar_percent_expand", "percent_expand", 1),
        false => message,
    })
}

/// What `version` (`None`: the newest) says of the first argument of an `Include` line's text
/// `raw` (at byte `base` of the line) it cannot expand, and where: from 9.9,
/// `percent_dollar_expand` with the tokens of `expand_match_exec_or_include_path` (those of a
/// `Match exec` command from 9.6) and `${VAR}` from the environment; before, nothing. (Out of
/// line: the reading pass asks it of every `Include` line, few in a config.)
#[cold]
#[inline(never)]
fn include_expand_error(
    raw: &[u8],
    base: usize,
    version: Option<OpenSshVersion>,
) -> Option<(usize, String)> {
    if !crate::expand::expands_include_paths(version) || !crate::expand::include_names_tokens(raw) {
        return None;
    }
    Argv::new(raw, base).filter_map(Result::ok).find_map(|a| {
        crate::expand::percent_expand_error(&a.value, true, EXPAND_TOKENS)
            .map(|m| (a.span.start, m))
    })
}

/// Does `raw` hold `%` followed by `token` (`%j`, a token from 9.6; `%C`, hashed with the jump
/// host from 9.6)? Out of line: only values with a `%` ask.
#[cold]
#[inline(never)]
fn names_percent(raw: &[u8], token: u8) -> bool {
    memchr::memchr_iter(b'%', raw).any(|i| raw.get(i + 1) == Some(&token))
}

/// Is `raw` (a `Match` line's argument text) criteria every release knows that take an argument
/// (`host`, `originalhost`, `user`, `localuser`, `exec`, in any letter case, `!` allowed), each
/// followed by its argument, all separated by blanks, with no quote, `=`, `#`, backslash or line
/// ending anywhere? Neither the argument check nor `match_cfg_line`'s reading
/// ([`MatchLine::syntax_error`]) refuses such a line, in any release; `false` leaves a line to
/// them (a property test checks that they accept every line this accepts). An `exec` command
/// that holds a `%` (a token ssh may not expand) leaves the line to them too.
fn plain_match_line(raw: &[u8]) -> bool {
    use crate::lexer::class::{BLANK, EQUALS, NEWLINE, ODD, OF, SPECIAL};
    let n = raw.len();
    let mut i = 0;
    // Past the blanks from `i`, then past the word there; `false` at a byte not allowed (in a
    // word, a byte of these classes is a quote, `#`, backslash, `=`, line ending or odd byte).
    let word = |i: &mut usize| -> bool {
        while *i < n && OF[usize::from(raw[*i])] & BLANK != 0 {
            *i += 1;
        }
        while *i < n {
            let c = OF[usize::from(raw[*i])];
            if c & BLANK != 0 {
                break;
            }
            if c & (SPECIAL | ODD | NEWLINE | EQUALS) != 0 {
                return false;
            }
            *i += 1;
        }
        true
    };
    let mut criteria = 0;
    loop {
        let start = i;
        if !word(&mut i) {
            return false;
        }
        let attribute = raw[start..i].trim_ascii_start();
        if attribute.is_empty() {
            return criteria > 0;
        }
        let attribute = attribute.strip_prefix(b"!").unwrap_or(attribute);
        // A letter with bit 5 set is its lower case; no other byte becomes a lower-case letter.
        let mut exec = false;
        let known = match attribute.len() {
            4 => {
                let w =
                    u32::from_le_bytes([attribute[0], attribute[1], attribute[2], attribute[3]])
                        | 0x2020_2020;
                exec = w.to_le_bytes() == *b"exec";
                exec || [*b"host", *b"user"].contains(&w.to_le_bytes())
            }
            9 => attribute.eq_ignore_ascii_case(b"localuser"),
            12 => attribute.eq_ignore_ascii_case(b"originalhost"),
            _ => false,
        };
        let argument = i;
        if !known || !word(&mut i) || i == argument || raw[argument..i].trim_ascii().is_empty() {
            return false;
        }
        if exec && raw[argument..i].contains(&b'%') {
            return false;
        }
        criteria += 1;
    }
}

/// What the newest ssh refuses in a document, and whether another release could answer
/// otherwise.
#[derive(Debug, Clone)]
pub(crate) struct Checks {
    /// Every line the newest OpenSSH would report, in order.
    pub(crate) newest: Vec<Diagnostic>,
    /// Does the document name a keyword, a `Match` criterion, an algorithm or a `%` token of an
    /// expanded value (`%j`) that not every supported release (or not every vendor's build)
    /// knows? When not, every release reports what the newest does.
    pub(crate) depends_on_version: bool,
    /// Did the file's own first `IgnoreUnknown` (one that applies to every host in the file)
    /// cover an unknown keyword? That holds for every host only where ssh's first reading
    /// gives it to every host (see `ConfigSet::first_rejection`).
    pub(crate) took_ignore_unknown: bool,
}

/// The rejection check, fed a document's lines in order (as they are read, or by a sweep):
/// each keyword line is checked against the keyword table in place.
pub(crate) struct Checker<'a> {
    version: Option<OpenSshVersion>,
    out: Vec<Diagnostic>,
    /// `IgnoreUnknown`: ssh takes the first one that applies to the host. The judgement here
    /// holds for every host, so only one that applies to every host counts (in the global
    /// area, `Host *` or `Match all`), and only when it is the file's first: one in another
    /// block may not apply, and then ssh stops at the unknown keyword; one read before it may
    /// be the one a host obtains (`Host b` / `IgnoreUnknown Bar` / `Host *` / `IgnoreUnknown
    /// Foo` / `Foo x`: `ssh -G b` refuses line 5, `ssh -G a` accepts it).
    ignore: Option<Vec<u8>>,
    /// An `IgnoreUnknown` line was read: a later one may not be the first a host obtains (one
    /// in `Host b` is first for `b`), so it is not taken for every host.
    ignore_seen: bool,
    /// The block's header: its keyword and arguments (`None`: the global area).
    header: Option<(Keyword, &'a [u8])>,
    depends_on_version: bool,
    /// See [`Checks::took_ignore_unknown`].
    took_ignore_unknown: bool,
}

impl<'a> Checker<'a> {
    /// A check as OpenSSH `version` (`None`: the newest) reads a file.
    pub(crate) fn new(version: Option<OpenSshVersion>) -> Checker<'a> {
        Checker {
            version,
            out: Vec::new(),
            ignore: None,
            ignore_seen: false,
            header: None,
            depends_on_version: false,
            took_ignore_unknown: false,
        }
    }

    /// What was found.
    pub(crate) fn finish(self) -> Checks {
        Checks {
            newest: self.out,
            depends_on_version: self.depends_on_version,
            took_ignore_unknown: self.took_ignore_unknown,
        }
    }

    /// The next line.
    #[inline(always)]
    pub(crate) fn line(&mut self, line: &LexedLine<'a>) {
        let i = line.index;
        let k = match line.kind {
            LineKind::Unreadable => {
                self.out.push(Diagnostic {
                    line: i + 1,
                    column: 1,
                    message: "unclosed quote in the keyword: OpenSSH ignores this line".into(),
                    kind: DiagnosticKind::Ignored,
                });
                return;
            }
            LineKind::Directive(k) => k,
            _ => return,
        };
        let text = line.text;
        let spec = line.spec;
        let raw = line.args.map_or(&text[text.len()..], |a| &text[a..]);
        if k.starts_block() {
            self.header = Some((k, raw));
        }
        self.depends_on_version |= match spec {
            // (An `exec` command's tokens: below, for the lines that hold a `%`.)
            Some(s) if s.arg == Arg::Match => table::mentions_newer_criterion(raw),
            Some(s) if s.varies => {
                s.since != (0, 0)
                    || s.builds != table::Builds::All
                    || matches!(s.arg, Arg::Algorithms(_)) && algorithms::depends_on_version(raw)
                    // `%j` is a token from 9.6 (an earlier ssh refuses the host); `%%j` is
                    // not one, but asking costs only the question. `%C` in a forward's socket
                    // path hashes the jump host from 9.6 on: with a `ProxyJump` the path this
                    // library works out depends on the release (left as written for 9.6 and
                    // later, hashed without it before). Only forwards' paths are worked out
                    // here; asking costs only the question where no `ProxyJump` applies. (One
                    // look for a `%` first: most values have none.)
                    // From 9.9 `%` tokens and `${VAR}` in `Include` paths are expanded, per host.
                    || s.arg == Arg::Include && crate::expand::include_names_tokens(raw)
                    || s.expanded
                        && memchr::memchr(b'%', raw).is_some()
                        && (names_percent(raw, b'j')
                            || matches!(s.arg, Arg::Forward(_)) && names_percent(raw, b'C'))
            }
            Some(_) | None => false,
        };
        let version = self.version;
        // Found again only for a message or an `IgnoreUnknown` judgement: the keyword as
        // `strdelim` gives it to ssh (`"Po"rt` is `po`, quotes removed).
        let kw = || match crate::lexer::shape(text) {
            crate::lexer::LineShape::Directive { keyword, .. } => {
                Some((keyword.value, keyword.span.start))
            }
            _ => None,
        };
        let diag = |at: usize, message: String, kind| Diagnostic {
            line: i + 1,
            column: at + 1,
            message,
            kind,
        };
        let Some(base) = line.args else {
            self.out.push(diag(
                text.len(),
                format!(
                    "no argument after keyword \"{}\"",
                    shown(&kw().map(|k| k.0).unwrap_or_default().to_ascii_lowercase())
                ),
                DiagnosticKind::BadArguments,
            ));
            return;
        };
        let Some(spec) = spec.filter(|s| !unknown_to(s, version)) else {
            let (kw, col) = kw().unwrap_or_default();
            let ignored = self.ignore.as_ref().is_some_and(|p| {
                crate::pattern::match_pattern_list(
                    &kw.to_ascii_lowercase(),
                    p,
                    crate::pattern::EntryCase::Lowercased,
                ) == crate::pattern::ListMatch::Match
            });
            self.took_ignore_unknown |= ignored;
            if !ignored {
                self.out
                    .push(diag(col, bad_option(&kw), DiagnosticKind::UnknownKeyword));
            } else if raw.iter().any(|&b| b == b'"' || b == b'\'')
                && Argv::new(raw, base).any(|t| t.is_err())
            {
                self.out.push(diag(
                    base,
                    "invalid quotes".into(),
                    DiagnosticKind::BadArguments,
                ));
            }
            return;
        };
        if k == Keyword::IgnoreUnknown
            && !std::mem::replace(&mut self.ignore_seen, true)
            && self
                .header
                .is_none_or(|(k, raw)| applies_to_every_host(Header::new(k, raw)))
            && let Some(Ok(a)) = Argv::new(raw, 0).next()
        {
            self.ignore = Some(a.value.into_owned());
        }
        // From 9.9 each `Include` path is expanded (`percent_dollar_expand`, with the host's
        // values) before it is globbed, in any block: a token the release cannot expand or a
        // `${VAR}` that is not set stops ssh there, whatever the host. (Only lines with a `%`
        // or `${`, which made the answer depend on the release, are looked at.)
        if k == Keyword::Include
            && let Some((at, message)) = include_expand_error(raw, base, version)
        {
            self.out
                .push(diag(at, message, DiagnosticKind::BadArguments));
            return;
        }
        // One plain word for a keyword that takes any word (most lines: `HostName`, `User`,
        // `IdentityFile`): nothing to check.
        if line.class == Some(0) && takes_any_word(spec.arg) {
            return;
        }
        // `Match host PATTERN user NAME` and the like: nothing ssh refuses.
        if k == Keyword::Match && plain_match_line(raw) {
            return;
        }
        // An `exec` command's `%C` (8.3), `%k` (8.4) and `%j` (9.6) are tokens of some
        // releases ([`exec_expand_error`]); a `%` elsewhere in the line is rare, and asking
        // costs only the question. (A line with an `exec` command that holds a `%` is not
        // plain.)
        if k == Keyword::Match && memchr::memchr(b'%', raw).is_some() {
            self.depends_on_version |= [b'C', b'k', b'j'].iter().any(|&t| names_percent(raw, t));
        }
        if let Err(p) = check_args(spec, raw, base, version, line.class) {
            self.out
                .push(diag(p.at, p.message, DiagnosticKind::BadArguments));
        } else if k == Keyword::Match {
            let indent = || {
                text.iter()
                    .take_while(|&&b| b == b' ' || b == b'\t')
                    .count()
            };
            let too_new = |w: &[u8]| criterion_too_new(w, version);
            let exec_error = |cmd: &[u8]| exec_expand_error(cmd, version);
            if let Some(message) = MatchLine::new(raw).syntax_error(too_new, exec_error) {
                self.out
                    .push(diag(indent(), message, DiagnosticKind::BadArguments));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// A `Match` line the quick answer accepts is accepted by the argument check and by
        /// `match_cfg_line`'s reading, for the newest release and older ones.
        #[test]
        fn plain_match_lines_are_accepted_by_the_full_check(parts in proptest::collection::vec(
            (
                proptest::prop_oneof![
                    6 => proptest::sample::select(vec![
                        "host", "HOST", "!host", "user", "exec", "localuser", "originalhost",
                        "OriginalHost",
                    ]),
                    1 => proptest::sample::select(vec![
                        "!!host", "all", "canonical", "final", "tagged", "localnetwork",
                        "version", "command", "sessiontype", "hos", "x", "",
                    ]),
                ],
                proptest::prop_oneof![
                    6 => proptest::sample::select(vec![" ", "\t", " \t "]),
                    1 => proptest::sample::select(vec!["=", "", "\""]),
                ],
                proptest::prop_oneof![
                    6 => proptest::sample::select(vec!["x", "*", "h1-*", "!", "a,b", "all"]),
                    1 => proptest::sample::select(vec![
                        "#", "a#", "\\", "'", "\"q\"", "", "%h", "%Z", "x%", "%%", "%j",
                    ]),
                ],
                proptest::sample::select(vec![" ", "\t", "  ", ""]),
            ),
            1..5,
        )) {
            let parts: Vec<String> =
                parts.into_iter().map(|(a, s, w, t)| format!("{a}{s}{w}{t}")).collect();
            let raw = parts.concat();
            let raw = raw.trim_matches([' ', '\t']).as_bytes();
            if raw.is_empty() || !super::plain_match_line(raw) {
                return Ok(());
            }
            let spec = super::table::KEYWORDS.iter().find(|s| s.name == "match").unwrap();
            for version in [
                None,
                crate::options::OpenSshVersion::from_ssh_v("OpenSSH_9.2p1"),
                crate::options::OpenSshVersion::from_ssh_v("OpenSSH_8.0p1"),
            ] {
                let class = raw.iter().fold(0, |c, &b| c | crate::lexer::class::OF[usize::from(b)]);
                proptest::prop_assert!(super::check_args(spec, raw, 6, version, Some(class)).is_ok());
                let too_new = |w: &[u8]| super::criterion_too_new(w, version);
                let exec_error = |cmd: &[u8]| super::exec_expand_error(cmd, version);
                proptest::prop_assert_eq!(
                    super::MatchLine::new(raw).syntax_error(too_new, exec_error),
                    None
                );
            }
        }
    }

    fn first(line: &str) -> Option<String> {
        crate::Document::parse(format!("{line}\n").into_bytes())
            .diagnostics()
            .into_iter()
            .next()
            .map(|d| d.message)
    }

    #[test]
    fn match_criteria_are_split_as_match_cfg_line() {
        // `host=a` is two words to match_cfg_line (strdelim splits one `=`), so `tagged`
        // (OpenSSH 9.4) is a criterion: 9.2p1 refuses the line ("Unsupported Match attribute
        // tagged", then "Bad Match condition", checked with `ssh -G -F`); argv splitting read it
        // as the argument of `host=a`.
        let doc = crate::Document::parse(b"Match host=a tagged x\n".to_vec());
        let v = |minor| Some(crate::OpenSshVersion::new(9, minor));
        let d = doc.diagnostics_for(v(2));
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].line, d[0].message.as_str()),
            (1, "Unsupported Match attribute tagged")
        );
        assert!(doc.diagnostics_for(v(4)).is_empty());
    }

    #[test]
    fn algorithms_are_judged_by_the_release_that_reads_them() {
        let v = |major, minor| Some(crate::OpenSshVersion::new(major, minor));
        for (line, newest, v80, v92, v99) in [
            (
                "KexAlgorithms mlkem768x25519-sha256",
                true,
                false,
                false,
                true,
            ),
            (
                "Ciphers rijndael-cbc@lysator.liu.se",
                false,
                true,
                false,
                false,
            ),
            (
                "KexAlgorithms mlkem768nistp256-sha256",
                true,
                false,
                false,
                false,
            ),
            ("HostKeyAlgorithms +ssh-dss", false, true, true, false),
            ("HostKeyAlgorithms DSA", false, true, true, false),
            ("HostKeyAlgorithms ssh-d*", false, true, true, false),
            (
                "HostKeyAlgorithms ssh-ed25519,ecdsa-sha2-nistp256",
                true,
                true,
                true,
                true,
            ),
        ] {
            let doc = crate::Document::parse(format!("{line}\n").into_bytes());
            let ok = |version| doc.diagnostics_for(version).is_empty();
            assert_eq!(
                (ok(None), ok(v(8, 0)), ok(v(9, 2)), ok(v(9, 9))),
                (newest, v80, v92, v99),
                "{line}"
            );
            // Where releases differ, the answer is said to depend on the release (so that
            // `ssh -V` is asked).
            assert_eq!(
                doc.depends_on_openssh_version(),
                !(newest && v80 && v92 && v99),
                "{line}"
            );
        }
    }

    /// A line of a vendor's keyword in `Host x`, for the vendor tables below: the first refusal
    /// as a version reads it (line, message, kind), the refusal expected where the keyword is
    /// known (`on_vendor`: its message), and where it is not ("Bad configuration option",
    /// unless there is no argument: every build first says there is none).
    struct VendorLine {
        doc: crate::Document,
        expected: Option<Refusal>,
        unknown: Option<Refusal>,
    }

    /// A refusal's line, message and kind.
    type Refusal = (usize, String, crate::DiagnosticKind);

    impl VendorLine {
        fn new(line: &str, on_vendor: Option<&str>) -> VendorLine {
            use crate::DiagnosticKind;
            let doc = crate::Document::parse(format!("Host x\n  {line}\n").into_bytes());
            let keyword = line.split([' ', '=']).next().unwrap();
            let bad = |message: &str, kind| Some((2, message.to_string(), kind));
            let expected = on_vendor.and_then(|m| bad(m, DiagnosticKind::BadArguments));
            let unknown = if keyword.len() < line.len() {
                bad(
                    &format!("Bad configuration option: {}", keyword.to_ascii_lowercase()),
                    DiagnosticKind::UnknownKeyword,
                )
            } else {
                expected.clone()
            };
            VendorLine {
                doc,
                expected,
                unknown,
            }
        }

        /// The first refusal as `version` reads the line.
        fn first(&self, version: Option<crate::OpenSshVersion>) -> Option<Refusal> {
            (self.doc.diagnostics_for(version).into_iter())
                .find(|d| d.rejects_config())
                .map(|d| (d.line, d.message, d.kind))
        }
    }

    #[test]
    fn debian_keywords_are_known_to_debian_builds_only() {
        use crate::{OpenSshVersion, Vendor};
        let debian = |vendor| Some(OpenSshVersion::new(9, 2).with_vendor(vendor));
        let portable = Some(OpenSshVersion::new(9, 2));
        // Each line as Debian's 9.2p1 reads it (checked with `ssh -G -F` there), and as every
        // other build does: "Bad configuration option".
        for (line, on_debian) in [
            ("ProtocolKeepAlives 10", None),
            ("SetupTimeOut 1h30m", None),
            ("setuptimeout none", None),
            ("PROTOCOLKEEPALIVES=5", None),
            ("ProtocolKeepAlives \"5\" # c", None),
            ("ProtocolKeepAlives 2147483647", None),
            ("ProtocolKeepAlives abc", Some("invalid time value.")),
            ("SetupTimeOut -1", Some("invalid time value.")),
            ("SetupTimeOut NONE", Some("invalid time value.")),
            ("SetupTimeOut 2147483648", Some("invalid time value.")),
            (
                "ProtocolKeepAlives 10 20",
                Some("keyword protocolkeepalives extra arguments at end of line"),
            ),
            (
                "ProtocolKeepAlives",
                Some("no argument after keyword \"protocolkeepalives\""),
            ),
            ("UseBlacklistedKeys yes", None),
            ("UseBlacklistedKeys a b c", None),
            ("UseBlacklistedKeys # x", None),
            ("UseBlacklistedKeys \"open", Some("invalid quotes")),
            (
                "UseBlacklistedKeys",
                Some("no argument after keyword \"useblacklistedkeys\""),
            ),
        ] {
            let v = VendorLine::new(line, on_debian);
            let (first, doc) = (|x| v.first(x), &v.doc);
            let (expected, unknown) = (v.expected.clone(), v.unknown.clone());
            for vendor in [Vendor::Debian, Vendor::Ubuntu, Vendor::Raspbian] {
                assert_eq!(first(debian(vendor)), expected, "{line} ({vendor:?})");
            }
            // The newest OpenSSH (no `ssh -V` to ask) knows every vendor's keywords.
            assert_eq!(first(None), expected, "{line}");
            // Other builds: the keyword is unknown (without an argument, every build first says
            // there is none).
            for version in [portable, debian(Vendor::Windows)] {
                assert_eq!(first(version), unknown, "{line} ({version:?})");
            }
            // Which build reads the config decides the answer, so `ssh -V` is asked.
            assert!(doc.depends_on_openssh_version(), "{line}");
        }
        // An `IgnoreUnknown` that covers them silences them for other builds, as for any
        // unknown keyword.
        let doc = crate::Document::parse(
            b"IgnoreUnknown ProtocolKeepAlives,UseBlacklistedKeys\nProtocolKeepAlives 5\nUseBlacklistedKeys no\n"
                .to_vec(),
        );
        assert!(doc.diagnostics_for(portable).is_empty());
        // A config without them does not depend on the build.
        let doc = crate::Document::parse(b"Host x\n  ServerAliveInterval 10\n".to_vec());
        assert!(!doc.depends_on_openssh_version());
    }

    #[test]
    fn apple_keywords_are_known_to_apple_builds_only() {
        use crate::{OpenSshVersion, Vendor};
        let apple =
            |major, minor| Some(OpenSshVersion::new(major, minor).with_vendor(Vendor::Apple));
        // Each line as Apple's readconf.c reads it (`parse_flag`: yes/no/true/false in any
        // letter case), with the first Apple release that knows the keyword.
        for (line, since, on_apple) in [
            ("UseKeychain yes", (8, 0), None),
            ("usekeychain NO", (8, 0), None),
            ("USEKEYCHAIN=True", (8, 0), None),
            ("UseKeychain \"false\" # c", (8, 0), None),
            (
                "UseKeychain maybe",
                (8, 0),
                Some("unsupported option \"maybe\"."),
            ),
            (
                "UseKeychain yes no",
                (8, 0),
                Some("keyword usekeychain extra arguments at end of line"),
            ),
            (
                "UseKeychain",
                (8, 0),
                Some("no argument after keyword \"usekeychain\""),
            ),
            ("AppleMultipath yes", (9, 0), None),
            (
                "applemultipath 1",
                (9, 0),
                Some("unsupported option \"1\"."),
            ),
            ("NoHostAuthenticationForProxyCommand yes", (9, 6), None),
            ("NOHOSTAUTHENTICATIONFORPROXYCOMMAND no", (9, 6), None),
            (
                "NoHostAuthenticationForProxyCommand ask",
                (9, 6),
                Some("unsupported option \"ask\"."),
            ),
        ] {
            let v = VendorLine::new(line, on_apple);
            let (first, doc) = (|x| v.first(x), &v.doc);
            let (expected, unknown) = (v.expected.clone(), v.unknown.clone());
            assert_eq!(first(apple(since.0, since.1)), expected, "{line}");
            assert_eq!(first(apple(10, 0)), expected, "{line}");
            // The newest OpenSSH (no `ssh -V` to ask) knows every vendor's keywords.
            assert_eq!(first(None), expected, "{line}");
            // Every other build, and Apple's before the keyword: unknown (without an argument,
            // every build first says there is none).
            let mut others = vec![
                Some(OpenSshVersion::new(10, 0)),
                Some(OpenSshVersion::new(10, 0).with_vendor(Vendor::Debian)),
                Some(OpenSshVersion::new(9, 5).with_vendor(Vendor::Windows)),
            ];
            match since {
                (8, 0) => {}
                (major, 0) => others.push(apple(major - 1, 9)),
                (major, minor) => others.push(apple(major, minor - 1)),
            }
            for version in others {
                assert_eq!(first(version), unknown, "{line} ({version:?})");
            }
            // Which build reads the config decides the answer, so `ssh -V` is asked.
            assert!(doc.depends_on_openssh_version(), "{line}");
        }
        // An `IgnoreUnknown` that covers it silences it for other builds, as the usual
        // cross-platform config does.
        let doc = crate::Document::parse(
            b"Host *\n  IgnoreUnknown UseKeychain\n  UseKeychain yes\n  AddKeysToAgent yes\n"
                .to_vec(),
        );
        assert!(
            doc.diagnostics_for(Some(OpenSshVersion::new(9, 2)))
                .is_empty()
        );
        assert!(doc.diagnostics_for(apple(9, 8)).is_empty());
    }

    /// `%j` (9.6) in a value ssh.c expands before `ssh -G` prints makes the answer depend on
    /// the release (an earlier one refuses the host: "unknown key %j"), however the line is
    /// spelt; elsewhere, or with no `%j`, it does not.
    #[test]
    fn a_percent_j_ssh_expands_depends_on_the_release() {
        for (line, depends) in [
            ("ControlPath /tmp/%j", true),
            ("ControlPath \"/tmp/%j\"", true),
            ("controlpath=/tmp/%C-%j", true),
            ("RemoteCommand %j", true),
            ("RemoteCommand echo %j", true),
            ("UserKnownHostsFile /k/%j", true),
            ("UserKnownHostsFile /k /k/%j", true),
            ("IdentityAgent /tmp/%j", true),
            ("ForwardAgent /tmp/%j", true),
            ("LocalForward /tmp/%j /tmp/y", true),
            ("RemoteForward 80 /tmp/%j", true),
            ("DynamicForward /tmp/%j", true),
            // `%%j` is no token, but asking costs only the question.
            ("ControlPath /tmp/%%j", true),
            ("ControlPath /tmp/%h", false),
            ("ControlPath /tmp/j", false),
            // Not expanded before `ssh -G` prints.
            ("IdentityFile /tmp/%j", false),
            ("ProxyCommand nc %j", false),
            ("LocalCommand echo %j", false),
        ] {
            let doc = crate::Document::parse(format!("Host x\n  {line}\n").into_bytes());
            assert_eq!(doc.depends_on_openssh_version(), depends, "{line}");
        }
    }

    /// A `Match exec` command's `%` tokens depend on the release: `%C` from 8.3, `%k` from
    /// 8.4, `%j` from 9.6 (`ssh -G` 9.2p1: `Match host b exec "true %j"` is "vdollar_percent_expand:
    /// unknown key %j" for every host). An earlier release's `percent_expand` said it in its
    /// own words.
    #[test]
    fn exec_tokens_and_messages_depend_on_the_release() {
        let v = |s: &str| crate::options::OpenSshVersion::from_ssh_v(s);
        let unknown = |c: char| Some(format!("vdollar_percent_expand: unknown key %{c}"));
        let old_unknown = |c: char| Some(format!("percent_expand: unknown key %{c}"));
        for (cmd, version, want) in [
            (
                "true %h %% %L %d %l %n %p %r %u %i",
                v("OpenSSH_8.0p1"),
                None,
            ),
            ("true %h %C %k %j", None, None),
            ("true %h %C %k %j", v("OpenSSH_9.6p1"), None),
            ("true %j", v("OpenSSH_9.2p1"), unknown('j')),
            ("true %k %C", v("OpenSSH_9.2p1"), None),
            ("true %k", v("OpenSSH_8.3p1"), old_unknown('k')),
            ("true %C", v("OpenSSH_8.3p1"), None),
            ("true %C", v("OpenSSH_8.2p1"), old_unknown('C')),
            ("true %Z", None, unknown('Z')),
            ("true %%Z", None, None),
            (
                "true %",
                None,
                Some("vdollar_percent_expand: invalid format".to_string()),
            ),
            (
                "true %",
                v("OpenSSH_8.0p1"),
                Some("percent_expand: invalid format".to_string()),
            ),
            ("true ${NOPE_UNSET_VAR} $x", None, None),
            ("true", None, None),
        ] {
            assert_eq!(
                super::exec_expand_error(cmd.as_bytes(), version),
                want,
                "{cmd} {version:?}"
            );
        }
        for (line, depends) in [
            ("Match host b exec \"true %j\"", true),
            ("Match exec \"true %k\"", true),
            ("Match exec \"true %C\"", true),
            ("Match exec \"true %h %p\"", false),
            ("Match host b", false),
        ] {
            let doc = crate::Document::parse(format!("{line}\n  User u\n").into_bytes());
            assert_eq!(doc.depends_on_openssh_version(), depends, "{line}");
        }
    }

    /// From 9.9 an `Include` path is expanded before it is globbed, and a token the release
    /// cannot expand or an unset `${VAR}` stops ssh at that line whatever the host (in any
    /// block); 9.8 and earlier read the path as written.
    #[test]
    fn include_paths_a_release_cannot_expand_are_refused_from_9_9() {
        let v = |s: &str| crate::options::OpenSshVersion::from_ssh_v(s);
        let unknown = "vdollar_percent_expand: unknown key %Z";
        let unset = "vdollar_percent_expand: env var ${NOPE_UNSET_H19} has no value";
        for (line, version, want) in [
            ("Include /x/%Z", None, Some((1, 9, unknown))),
            ("Include /x/%Z", v("OpenSSH_9.9p1"), Some((1, 9, unknown))),
            ("Include /x/%Z", v("OpenSSH_9.8p1"), None),
            ("Include /x/%Z", v("OpenSSH_9.2p1"), None),
            (
                "Include /ok/%h /x/%Z",
                v("OpenSSH_10.0p2"),
                Some((1, 16, unknown)),
            ),
            (
                "Host b\n  Include \"/x/${NOPE_UNSET_H19}\"",
                None,
                Some((2, 11, unset)),
            ),
            ("Include /x/%h-%p-%r-%%-%j-%C-%k", None, None),
            // (A variable set everywhere the tests run, Windows included.)
            ("Include /x/${PATH}", None, None),
            ("Include /x/plain", None, None),
        ] {
            let doc = crate::Document::parse(format!("{line}\n").into_bytes());
            let got: Vec<(usize, usize, String)> = doc
                .diagnostics_for(version)
                .into_iter()
                .map(|d| (d.line, d.column, d.message))
                .collect();
            let want: Vec<(usize, usize, String)> = want
                .into_iter()
                .map(|(l, c, m)| (l, c, m.to_string()))
                .collect();
            assert_eq!(got, want, "{line} {version:?}");
        }
    }

    /// `%C` in a forward's socket path (what this library works out) makes the answer depend on
    /// the release: from 9.6 the hash takes in the jump host (`ssh -G` 9.2p1 prints
    /// `LocalForward /tmp/s-%C 127.0.0.1:1455` hashed without it under a `ProxyJump`), so
    /// `ssh -V` is asked; elsewhere (`ControlPath`, which is not worked out) it does not.
    #[test]
    fn a_percent_c_in_a_forward_path_depends_on_the_release() {
        for (line, depends) in [
            ("LocalForward /tmp/s-%C 127.0.0.1:1455", true),
            ("LocalForward 1455 \"/tmp/%C\"", true),
            ("RemoteForward /tmp/%C 80", true),
            ("localforward=/tmp/%C /tmp/y", true),
            ("LocalForward 1455 localhost:1455", false),
            ("LocalForward /tmp/%c 127.0.0.1:1455", false),
            ("ControlPath ~/.ssh/cm-%C", false),
            ("IdentityAgent /tmp/%C", false),
        ] {
            let doc =
                crate::Document::parse(format!("Host x\n  ProxyJump j\n  {line}\n").into_bytes());
            assert_eq!(doc.depends_on_openssh_version(), depends, "{line}");
        }
    }

    #[test]
    fn the_issue_classes() {
        for (line, msg) in [
            (
                "IdentityFile C:\\Users\\John Doe\\.ssh\\id_rsa",
                "keyword identityfile extra arguments at end of line",
            ),
            (
                "ControlPath user %u remoteuser %r",
                "keyword controlpath extra arguments at end of line",
            ),
            (
                "IdentityAgent a b",
                "keyword identityagent extra arguments at end of line",
            ),
            (
                "CertificateFile a b",
                "keyword certificatefile extra arguments at end of line",
            ),
            ("SetEnv A=b c", "Invalid SetEnv."),
            ("User # gold", "Missing argument."),
            ("HostName # x", "Missing argument."),
            ("Compression maybe", "unsupported option \"maybe\"."),
            // ssh -G 9.2p1: "c line 2: missing argument." (parse_multistate_value).
            ("Compression \"\"", "missing argument."),
            ("HostbasedAuthentication \"\" true", "missing argument."),
            ("StreamLocalBindUnlink =\"\"", "missing argument."),
            ("ServerAliveInterval abc", "invalid time value."),
            ("ProxyJump %r@%h:%p", "Invalid ProxyJump \"%r@%h:%p\""),
            ("KexAlgorithms foo", "Bad SSH2 KexAlgorithms 'foo'."),
            ("ConnectionAttempts x", "integer value invalid."),
            ("Bogus x", "Bad configuration option: bogus"),
            ("Bogus", "no argument after keyword \"bogus\""),
        ] {
            assert_eq!(first(line).as_deref(), Some(msg), "{line}");
        }
        for fine in [
            "Compression YES",
            "ServerAliveInterval 1h",
            "ProxyJump u@h:22,ssh://v@w",
            "KexAlgorithms +curve25519-sha256,,foo",
            "IdentityFile \"C:\\Users\\John Doe\\.ssh\\id_rsa\"",
            "LocalForward /tmp/%h.sock /tmp/%r.sock",
            "SetEnv A=\"b c\"",
            "Cipher x y",
            "CompressionLevel 9",
        ] {
            assert_eq!(first(fine), None, "{fine}");
        }
    }
}
