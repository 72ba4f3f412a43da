//! What OpenSSH refuses in a config, line by line, with its own message: one pass over a
//! [`Document`]'s lines that checks each keyword line against the keyword table
//! (`keyword::table`) in place, without allocating for a line that is fine.
//!
//! `Match` criteria are checked where they are evaluated (`resolve`), as ssh does; here only
//! their presence and their OpenSSH release.

pub(crate) mod value;

use crate::document::{Document, LineKind};
use crate::header::{Attribute, Criterion, Header, MatchLine, Negation};
use crate::keyword::Keyword;
use crate::keyword::table::{self, Arg, Fwd, Spec};
use crate::lexer::{Argv, SplitError, Token};
use crate::options::OpenSshVersion;

/// A problem with a line's arguments: where (byte offset in the line) and ssh's message.
struct Problem {
    at: usize,
    message: String,
}

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

/// The diagnostics layer of a [`Document`]: what OpenSSH would report, line by line.
impl Document {
    /// As [`Document::diagnostics`], for a given OpenSSH client: keywords and `Match` criteria
    /// newer than it are refused as it refuses them (`None`: the newest OpenSSH).
    pub fn diagnostics_for(&self, version: Option<OpenSshVersion>) -> Vec<Diagnostic> {
        diagnostics(self, version)
    }

    /// Problems the newest OpenSSH would report, line by line: unknown keywords, arguments it
    /// refuses (each keyword's as `process_config_line` parses them), lines it cannot split.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.diagnostics_for(None)
    }

    /// Does what this document means depend on which OpenSSH reads it (a keyword or `Match`
    /// criterion that not every supported release knows)? When not, asking the installed
    /// client for its version (`ssh -V`) cannot change any answer.
    pub fn depends_on_openssh_version(&self) -> bool {
        depends_on_version(self)
    }
}

/// Is `since` newer than `version` (`None`: the newest OpenSSH, which knows everything)?
fn newer(since: table::Release, version: Option<OpenSshVersion>) -> bool {
    version.is_some_and(|v| (v.major, v.minor) < (u32::from(since.0), u32::from(since.1)))
}

/// Is this `Match` criterion newer than `version`?
pub(crate) fn criterion_too_new(word: &[u8], version: Option<OpenSshVersion>) -> bool {
    table::criterion_since(word).is_some_and(|s| newer(s, version))
}

/// Every keyword OpenSSH's client knows (lowercase, sorted), with the release that added it
/// (`(0, 0)`: in every release this library reads configs for).
pub fn keywords() -> impl Iterator<Item = (&'static str, (u8, u8))> {
    table::KEYWORDS.iter().map(|s| (s.name, s.since))
}

/// Does reading this document's answer depend on which OpenSSH reads it: does it name a
/// keyword or a `Match` criterion that not every supported release knows?
pub(crate) fn depends_on_version(doc: &Document) -> bool {
    (0..doc.line_count()).any(|i| match doc.spec(i) {
        Some(s) if s.arg == Arg::Match => {
            let raw = doc.raw_args(i);
            table::MATCH_SINCE.iter().any(|(c, _)| {
                raw.windows(c.len())
                    .any(|w| w.eq_ignore_ascii_case(c.as_bytes()))
            })
        }
        Some(s) => s.since != (0, 0),
        None => false,
    })
}

/// "keyword X extra arguments at end of line".
fn extra(kw: &[u8], at: usize) -> Problem {
    Problem {
        at,
        message: format!(
            "keyword {} extra arguments at end of line",
            String::from_utf8_lossy(&kw.to_ascii_lowercase())
        ),
    }
}

fn problem(at: usize, message: impl Into<String>) -> Problem {
    Problem {
        at,
        message: message.into(),
    }
}

/// A value inside a message, as ssh's log shows it ([`value::vis`]).
fn shown(v: &[u8]) -> String {
    value::vis(v)
}

/// A line's arguments: one plain word (no quote, escape, comment or blank: most lines), taken
/// as it is, or `argv_split`'s tokens.
#[derive(Clone)]
enum Args<'a> {
    One(Option<Token<'a>>),
    Split(Argv<'a>),
}

/// Byte classes for one scan of a line's arguments.
const QUOTE: u8 = 1;
const SPECIAL: u8 = 2;
const CLASS: [u8; 256] = {
    let mut c = [0u8; 256];
    c[b'"' as usize] = QUOTE | SPECIAL;
    c[b'\'' as usize] = QUOTE | SPECIAL;
    c[b' ' as usize] = SPECIAL;
    c[b'\t' as usize] = SPECIAL;
    c[b'\\' as usize] = SPECIAL;
    c[b'#' as usize] = SPECIAL;
    c
};

/// The classes of the bytes of `raw`, or-ed: does it hold a quote; is it not one plain word?
#[inline]
fn classes(raw: &[u8]) -> u8 {
    raw.iter().fold(0, |acc, &b| acc | CLASS[usize::from(b)])
}

impl<'a> Args<'a> {
    fn new(raw: &'a [u8], base: usize, class: u8) -> Args<'a> {
        if !raw.is_empty() && class & SPECIAL == 0 {
            Args::One(Some(Token {
                value: std::borrow::Cow::Borrowed(raw),
                span: base..base + raw.len(),
            }))
        } else {
            Args::Split(Argv::new(raw, base))
        }
    }

    /// The next argument (the line's quotes were checked before).
    fn next(&mut self) -> Option<Token<'a>> {
        match self {
            Args::One(t) => t.take(),
            Args::Split(a) => a.next().and_then(Result::ok),
        }
    }
}

fn next<'a>(args: &mut Args<'a>) -> Option<Token<'a>> {
    args.next()
}

/// Check keyword line arguments `raw` (starting at byte `base` of the line) as
/// `process_config_line` reads them for `spec`; `kw` is the keyword as written.
fn check_args(spec: &Spec, raw: &[u8], base: usize) -> Result<(), Problem> {
    // ssh names the keyword as written, lowercased: that is the table's name, since the
    // table's names are lowercase and matched ignoring case.
    let kw = spec.name.as_bytes();
    let class = classes(raw);
    if class & QUOTE != 0 && Argv::new(raw, base).any(|t| t == Err(SplitError::InvalidQuotes)) {
        return Err(problem(base, "invalid quotes"));
    }
    // One plain word (most lines): decided on the word itself when that is quick.
    if class & SPECIAL == 0 && !raw.is_empty() && one_word_ok(spec, raw) {
        return Ok(());
    }
    // Without quotes no argument is empty: nothing else to check for these.
    if class & QUOTE == 0
        && matches!(
            spec.arg,
            Arg::Host | Arg::Include | Arg::Ignored | Arg::Command
        )
    {
        return Ok(());
    }
    let mut args = Args::new(raw, base, class);
    let missing = || problem(base, "Missing argument.");
    // Each arm reads what its `case` reads; `true`: every argument was consumed.
    let consumed_all = match spec.arg {
        Arg::Ignored | Arg::Command => true,
        Arg::Choice(choices) => {
            let Some(a) = next(&mut args) else {
                return Err(problem(base, "missing argument."));
            };
            if !choices
                .iter()
                .any(|c| c.as_bytes().eq_ignore_ascii_case(&a.value))
            {
                return Err(problem(
                    a.span.start,
                    format!("unsupported option \"{}\".", shown(&a.value)),
                ));
            }
            false
        }
        Arg::Time => {
            let Some(a) = next(&mut args).filter(|a| !a.value.is_empty()) else {
                return Err(problem(base, "missing time value."));
            };
            if &*a.value != b"none" && value::convtime(&a.value).is_none() {
                return Err(problem(a.span.start, "invalid time value."));
            }
            false
        }
        Arg::Int => {
            let a = next(&mut args);
            if let Some(e) = value::atoi_err(a.as_ref().map(|a| &*a.value)) {
                return Err(problem(base, format!("integer value {e}.")));
            }
            false
        }
        Arg::Str => {
            next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            false
        }
        Arg::List | Arg::CanonicalDomains => {
            let mut i = 0;
            while let Some(a) = next(&mut args) {
                if a.value.is_empty() {
                    return Err(problem(
                        a.span.start,
                        format!("keyword {} empty argument", shown(&kw.to_ascii_lowercase())),
                    ));
                }
                if a.value.eq_ignore_ascii_case(b"none") && (i > 0 || args.clone().next().is_some())
                {
                    return Err(problem(
                        a.span.start,
                        format!(
                            "keyword {} \"none\" argument must appear alone.",
                            shown(&kw.to_ascii_lowercase())
                        ),
                    ));
                }
                if spec.arg == Arg::CanonicalDomains
                    && let Err(m) = value::valid_domain(&a.value)
                {
                    return Err(problem(a.span.start, m));
                }
                i += 1;
            }
            true
        }
        Arg::ProxyJump => {
            let s = &raw[raw
                .iter()
                .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'='))
                .unwrap_or(raw.len())..];
            if !value::proxy_jump_ok(s) {
                return Err(problem(base, format!("Invalid ProxyJump \"{}\"", shown(s))));
            }
            true
        }
        Arg::Port => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            if !value::port_ok(&a.value) {
                return Err(problem(
                    a.span.start,
                    format!("Bad port '{}'.", shown(&a.value)),
                ));
            }
            false
        }
        Arg::Algorithms(which) => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            if !value::algorithms_ok(which, &a.value) {
                return Err(problem(
                    a.span.start,
                    value::algorithms_message(which, &a.value),
                ));
            }
            false
        }
        Arg::LogLevel | Arg::LogFacility => {
            const LEVELS: &[&str] = &[
                "quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3",
            ];
            const FACILITIES: &[&str] = &[
                "daemon", "user", "auth", "authpriv", "local0", "local1", "local2", "local3",
                "local4", "local5", "local6", "local7",
            ];
            let (names, what) = if spec.arg == Arg::LogLevel {
                (LEVELS, "level")
            } else {
                (FACILITIES, "facility")
            };
            let a = next(&mut args);
            let v = a.as_ref().map(|a| &*a.value);
            if !v.is_some_and(|v| names.iter().any(|n| n.as_bytes().eq_ignore_ascii_case(v))) {
                return Err(problem(
                    base,
                    format!(
                        "unsupported log {what} '{}'",
                        v.map_or("<NONE>".into(), shown)
                    ),
                ));
            }
            false
        }
        Arg::Forward(kind) => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            let mut dynamic = kind == Fwd::Dynamic;
            let mut joined = None;
            if !dynamic {
                match next(&mut args).filter(|b| !b.value.is_empty()) {
                    Some(b) => {
                        let mut s = Vec::with_capacity(a.value.len() + b.value.len() + 1);
                        s.extend_from_slice(&a.value);
                        s.push(b':');
                        s.extend_from_slice(&b.value);
                        // `fwdarg[256]`: snprintf truncates.
                        s.truncate(255);
                        joined = Some(s);
                    }
                    None if kind == Fwd::Remote => dynamic = true,
                    None => return Err(problem(base, "Missing target argument.")),
                }
            }
            let spec_bytes: &[u8] = match &joined {
                Some(s) => s,
                None => &a.value[..a.value.len().min(255)],
            };
            if !value::forward_ok(spec_bytes, dynamic, kind == Fwd::Remote) {
                return Err(problem(base, "Bad forwarding specification."));
            }
            false
        }
        Arg::PermitRemoteOpen => {
            let mut i = 0;
            while let Some(a) = next(&mut args) {
                let v = &*a.value;
                if v.eq_ignore_ascii_case(b"none") || v.eq_ignore_ascii_case(b"any") {
                    if i > 0 || args.clone().next().is_some() {
                        return Err(problem(
                            a.span.start,
                            format!(
                                "keyword {} \"{}\" argument must appear alone.",
                                shown(&kw.to_ascii_lowercase()),
                                shown(v)
                            ),
                        ));
                    }
                } else if let Err(m) = value::permit_open(v) {
                    return Err(problem(a.span.start, m));
                }
                i += 1;
            }
            if i == 0 {
                return Err(problem(base, "missing permitremoteopen specification"));
            }
            true
        }
        Arg::Host | Arg::Include => {
            for a in std::iter::from_fn(|| next(&mut args)) {
                if a.value.is_empty() {
                    return Err(problem(
                        a.span.start,
                        format!("keyword {} empty argument", shown(&kw.to_ascii_lowercase())),
                    ));
                }
            }
            true
        }
        Arg::Match => {
            if next(&mut args).is_none() {
                return Err(problem(base, "One or more attributes required for Match"));
            }
            true
        }
        Arg::EscapeChar => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            if !value::escape_char_ok(&a.value) {
                return Err(problem(a.span.start, "Bad escape character."));
            }
            false
        }
        Arg::SendEnv => {
            while let Some(a) = next(&mut args) {
                if a.value.is_empty() || a.value.contains(&b'=') {
                    return Err(problem(a.span.start, "Invalid environment name."));
                }
            }
            true
        }
        Arg::SetEnv => {
            while let Some(a) = next(&mut args) {
                if !a.value.contains(&b'=') {
                    return Err(problem(a.span.start, "Invalid SetEnv."));
                }
            }
            true
        }
        Arg::ControlPersist => {
            let Some(a) = next(&mut args).filter(|a| !a.value.is_empty()) else {
                return Err(problem(base, "Missing ControlPersist argument."));
            };
            let v = &*a.value;
            if !matches!(v, b"no" | b"false" | b"yes" | b"true") && value::convtime(v).is_none() {
                return Err(problem(a.span.start, "Bad ControlPersist argument."));
            }
            false
        }
        Arg::TunnelDevice => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            if !value::tun_ok(&a.value) {
                return Err(problem(a.span.start, "Bad tun device."));
            }
            false
        }
        Arg::IpQos => {
            let a = next(&mut args);
            for (k, t) in [a, next(&mut args)].into_iter().enumerate() {
                let ok = match &t {
                    Some(t) => value::ipqos_ok(&t.value),
                    None => k == 1,
                };
                if !ok {
                    return Err(problem(
                        t.as_ref().map_or(base, |t| t.span.start),
                        format!(
                            "Bad IPQoS value: {}",
                            t.as_ref().map_or("(null)".into(), |t| shown(&t.value))
                        ),
                    ));
                }
            }
            false
        }
        Arg::PermittedCnames => {
            let mut i = 0;
            while let Some(a) = next(&mut args) {
                let v = &*a.value;
                if v.eq_ignore_ascii_case(b"none") {
                    if i > 0 || args.clone().next().is_some() {
                        return Err(problem(
                            a.span.start,
                            format!(
                                "keyword {} \"none\" argument must appear alone.",
                                shown(&kw.to_ascii_lowercase())
                            ),
                        ));
                    }
                } else if v != b"*" {
                    let ok = v
                        .iter()
                        .position(|&b| b == b':')
                        .is_some_and(|c| c + 1 < v.len());
                    if !ok {
                        return Err(problem(
                            a.span.start,
                            format!(
                                "Invalid permitted CNAME \"{}\"",
                                shown(&v.to_ascii_lowercase())
                            ),
                        ));
                    }
                }
                i += 1;
            }
            true
        }
        Arg::Mask => {
            let Some(a) = next(&mut args).filter(|a| !a.value.is_empty()) else {
                return Err(problem(base, "Missing StreamLocalBindMask argument."));
            };
            if !value::mask_ok(&a.value) {
                return Err(problem(a.span.start, "Bad mask."));
            }
            false
        }
        Arg::FingerprintHash => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            let known = ["md5", "sha1", "sha256", "sha384", "sha512"]
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(&a.value));
            if !known {
                return Err(problem(
                    a.span.start,
                    format!("Invalid hash algorithm \"{}\".", shown(&a.value)),
                ));
            }
            false
        }
        Arg::AddKeysToAgent => {
            const CHOICES: &[&str] = &["true", "false", "yes", "no", "ask", "confirm"];
            let a = next(&mut args);
            let b = next(&mut args);
            let Some(a) = a.filter(|a| !a.value.is_empty()) else {
                return Err(problem(base, "missing argument."));
            };
            let choice = CHOICES
                .iter()
                .position(|c| c.as_bytes().eq_ignore_ascii_case(&a.value));
            let time_ok = |v: &[u8]| value::convtime(v).is_some();
            match (choice, &b) {
                (Some(5), Some(b)) => {
                    if !time_ok(&b.value) {
                        return Err(problem(b.span.start, "invalid time value."));
                    }
                }
                (None, None) => {
                    if !time_ok(&a.value) {
                        return Err(problem(a.span.start, "unsupported option"));
                    }
                }
                (None, Some(_)) | (Some(_), Some(_)) => {
                    return Err(problem(a.span.start, "unsupported option"));
                }
                (Some(_), None) => {}
            }
            false
        }
        Arg::AgentPath | Arg::ForwardAgent => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(|| {
                    if spec.arg == Arg::ForwardAgent {
                        problem(base, "missing argument.")
                    } else {
                        missing()
                    }
                })?;
            let flag = spec.arg == Arg::ForwardAgent
                && table::FLAG
                    .iter()
                    .any(|c| c.as_bytes().eq_ignore_ascii_case(&a.value));
            if !flag {
                value::agent_path(&a.value).map_err(|m| problem(a.span.start, m))?;
            }
            false
        }
        Arg::RekeyLimit => {
            let a = next(&mut args)
                .filter(|a| !a.value.is_empty())
                .ok_or_else(missing)?;
            value::rekey_size(&a.value).map_err(|m| problem(a.span.start, m))?;
            if let Some(b) = next(&mut args)
                && &*b.value != b"none"
            {
                if b.value.is_empty() {
                    return Err(problem(b.span.start, "missing time value."));
                }
                if value::convtime(&b.value).is_none() {
                    return Err(problem(b.span.start, "invalid time value."));
                }
            }
            false
        }
        Arg::ChannelTimeout => {
            let mut i = 0;
            while let Some(a) = next(&mut args) {
                let v = &*a.value;
                if v.eq_ignore_ascii_case(b"none") {
                    if i > 0 || args.clone().next().is_some() {
                        return Err(problem(
                            a.span.start,
                            format!(
                                "keyword {} \"none\" argument must appear alone.",
                                shown(&kw.to_ascii_lowercase())
                            ),
                        ));
                    }
                } else {
                    let ok = v
                        .iter()
                        .position(|&b| b == b'=')
                        .is_some_and(|e| e > 0 && value::convtime(&v[e + 1..]).is_some());
                    if !ok {
                        return Err(problem(
                            a.span.start,
                            format!("invalid channel timeout {}", shown(v)),
                        ));
                    }
                }
                i += 1;
            }
            true
        }
        Arg::ObscureKeystrokeTiming => {
            let mut seen = false;
            while let Some(a) = next(&mut args) {
                if seen {
                    return Err(problem(a.span.start, "invalid arguments"));
                }
                let v = &*a.value;
                if let Some(n) = v.strip_prefix(b"interval:") {
                    if let Some(e) = value::atoi_err(Some(n)) {
                        return Err(problem(a.span.start, format!("integer value {e}.")));
                    }
                    if value::convtime(n).is_none_or(|n| n == 0 || n > 1000) {
                        return Err(problem(a.span.start, "value out of range."));
                    }
                } else if !matches!(v, b"yes" | b"true" | b"no" | b"false") {
                    return Err(problem(
                        a.span.start,
                        format!("unsupported argument \"{}\"", shown(v)),
                    ));
                }
                seen = true;
            }
            if !seen {
                return Err(problem(base, "missing argument"));
            }
            true
        }
    };
    if !consumed_all && let Some(a) = next(&mut args) {
        return Err(extra(kw, a.span.start));
    }
    Ok(())
}

/// Does ssh accept `word` as the whole argument text of a `spec` line? `false` also when the
/// answer needs the general path (which then gives the message).
#[inline]
fn one_word_ok(spec: &Spec, w: &[u8]) -> bool {
    match spec.arg {
        Arg::Str | Arg::Host | Arg::Include | Arg::Ignored | Arg::Command | Arg::List => true,
        Arg::Choice(choices) => choices.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(w)),
        Arg::Port => value::port_ok(w),
        Arg::Time => w == b"none" || value::convtime(w).is_some(),
        Arg::Int => value::atoi_err(Some(w)).is_none(),
        Arg::Algorithms(which) => value::algorithms_ok(which, w),
        Arg::ControlPersist => {
            matches!(w, b"no" | b"false" | b"yes" | b"true") || value::convtime(w).is_some()
        }
        _ => false,
    }
}

/// "Bad configuration option: KEYWORD" as OpenSSH prints it: lowercased, as its log shows
/// bytes ([`value::vis`]: octal escapes, a backslash doubled).
fn bad_option(keyword: &[u8]) -> String {
    format!(
        "Bad configuration option: {}",
        shown(&keyword.to_ascii_lowercase())
    )
}

/// Does a `Host`/`Match` line apply to every host: `Host` with a `*` and no negation, or
/// `Match all`?
fn applies_to_every_host(doc: &Document, line: usize) -> bool {
    match doc.header(line) {
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
            let mut criteria = m.criteria();
            matches!(
                criteria.next(),
                Some(Ok(Criterion {
                    attribute: Attribute::All,
                    negation: Negation::Plain,
                    ..
                }))
            ) && criteria.next().is_none()
        }
        None => false,
    }
}

/// Does a `Match` line name a criterion newer than `version` (its words as `match_cfg_line`
/// reads them: `all`, `canonical` and `final` take no value; the others one)?
fn match_criteria_too_new(line: MatchLine<'_>, version: Option<OpenSshVersion>) -> bool {
    let mut words = line.words();
    while let Some(Ok(w)) = words.next() {
        if w.is_empty() || w[0] == b'#' {
            break;
        }
        if criterion_too_new(&w, version) {
            return true;
        }
        if Attribute::parse(w.strip_prefix(b"!").unwrap_or(&w)).takes_argument() {
            words.next();
        }
    }
    false
}

/// Every line of `doc` OpenSSH `version` (`None`: the newest) would report, in order.
pub(crate) fn diagnostics(doc: &Document, version: Option<OpenSshVersion>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // `IgnoreUnknown`: ssh takes the first one that applies to the host. The judgement here
    // holds for every host, so only one that applies to every host counts (in the global
    // area, `Host *` or `Match all`); one in another block may not apply, and then ssh stops
    // at the unknown keyword.
    let mut ignore: Option<Vec<u8>> = None;
    let mut header: Option<usize> = None;
    for i in 0..doc.line_count() {
        let k = match doc.kind(i) {
            LineKind::Unreadable => {
                out.push(Diagnostic {
                    line: i + 1,
                    column: 1,
                    message: "unclosed quote in the keyword: OpenSSH ignores this line".into(),
                    kind: DiagnosticKind::Ignored,
                });
                continue;
            }
            LineKind::Directive(k) => k,
            _ => continue,
        };
        if k.starts_block() {
            header = Some(i);
        }
        let spec = doc.spec(i);
        // Fetched again only for a message or an `IgnoreUnknown` judgement: the keyword as
        // `strdelim` gives it to ssh (`"Po"rt` is `po`, quotes removed).
        let kw = || doc.keyword_token(i).map(|t| (t.value, t.span.start));
        let diag = |at: usize, message: String, kind| Diagnostic {
            line: i + 1,
            column: at + 1,
            message,
            kind,
        };
        let Some(base) = doc.args_offset(i) else {
            out.push(diag(
                doc.effective_text(i).len(),
                format!(
                    "no argument after keyword \"{}\"",
                    shown(&kw().map(|k| k.0).unwrap_or_default().to_ascii_lowercase())
                ),
                DiagnosticKind::BadArguments,
            ));
            continue;
        };
        let raw = &doc.effective_text(i)[base..];
        let Some(spec) = spec.filter(|s| !newer(s.since, version)) else {
            let (kw, col) = kw().unwrap_or_default();
            let ignored = ignore.as_ref().is_some_and(|p| {
                crate::pattern::match_pattern_list(
                    &kw.to_ascii_lowercase(),
                    p,
                    crate::pattern::EntryCase::Lowercased,
                ) == crate::pattern::ListMatch::Match
            });
            if !ignored {
                out.push(diag(col, bad_option(&kw), DiagnosticKind::UnknownKeyword));
            } else if raw.iter().any(|&b| b == b'"' || b == b'\'')
                && Argv::new(raw, base).any(|t| t.is_err())
            {
                out.push(diag(
                    base,
                    "invalid quotes".into(),
                    DiagnosticKind::BadArguments,
                ));
            }
            continue;
        };
        if spec.name == "ignoreunknown"
            && ignore.is_none()
            && header.is_none_or(|h| applies_to_every_host(doc, h))
            && let Some(Ok(a)) = Argv::new(raw, 0).next()
        {
            ignore = Some(a.value.into_owned());
        }
        if let Err(p) = check_args(spec, raw, base) {
            out.push(diag(p.at, p.message, DiagnosticKind::BadArguments));
        } else if k == Keyword::Match
            && version.is_some()
            && match_criteria_too_new(MatchLine::new(raw), version)
        {
            out.push(diag(
                doc.indent(i).len(),
                "Bad Match condition".into(),
                DiagnosticKind::BadArguments,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
        // (OpenSSH 9.4) is a criterion: 9.2p1 refuses the line ("Bad Match condition", checked
        // with `ssh -G -F`); argv splitting read it as the argument of `host=a`.
        let doc = crate::Document::parse(b"Match host=a tagged x\n".to_vec());
        let v = |minor| Some(crate::OpenSshVersion { major: 9, minor });
        let d = doc.diagnostics_for(v(2));
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].line, d[0].message.as_str()),
            (1, "Bad Match condition")
        );
        assert!(doc.diagnostics_for(v(4)).is_empty());
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
