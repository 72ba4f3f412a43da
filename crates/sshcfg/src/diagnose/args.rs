//! Each keyword line's arguments checked as `process_config_line` (readconf.c) parses them,
//! by the keyword's entry in the keyword table.

use super::algorithms;
use super::value::{self, FwdSpec};
use crate::keyword::table::{self, Arg, Fwd, Spec};
use crate::lexer::{Argv, SplitError, Token};
use crate::options::OpenSshVersion;

/// A problem with a line's arguments: where (byte offset in the line) and ssh's message.
pub(super) struct Problem {
    pub(super) at: usize,
    pub(super) message: String,
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
pub(super) fn shown(v: &[u8]) -> String {
    value::vis(v)
}

/// A line's arguments: one plain word (no quote, escape, comment or blank: most lines), taken
/// as it is, or `argv_split`'s tokens.
#[derive(Clone)]
enum Args<'a> {
    One(Option<Token<'a>>),
    Split(Argv<'a>),
}

use crate::lexer::class::{QUOTE, SPECIAL};

/// The classes of the bytes of `raw`, or-ed: does it hold a quote; is it not one plain word?
#[inline]
fn classes(raw: &[u8]) -> u8 {
    raw.iter()
        .fold(0, |acc, &b| acc | crate::lexer::class::OF[usize::from(b)])
        & (QUOTE | SPECIAL)
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
pub(super) fn check_args(
    spec: &Spec,
    raw: &[u8],
    base: usize,
    version: Option<OpenSshVersion>,
    class: Option<u8>,
) -> Result<(), Problem> {
    let class = class.unwrap_or_else(|| classes(raw));
    // Without quotes no argument is empty: nothing to check for these (`Host a b`), as
    // `check_tokens` finds.
    if class & QUOTE == 0
        && matches!(
            spec.arg,
            Arg::Host | Arg::Include | Arg::Ignored | Arg::Command
        )
    {
        return Ok(());
    }
    // One plain word (most lines): decided on the word itself when that is quick.
    if class & SPECIAL == 0 && !raw.is_empty() && one_word_ok(spec, raw, version) {
        return Ok(());
    }
    // `LocalForward PORT HOST:PORT` in plain words (most forwards).
    if class & QUOTE == 0 && spec.arg == Arg::Forward(Fwd::Local) && plain_local_forward(raw) {
        return Ok(());
    }
    // One quoted word (`IdentityFile "~/.ssh/id"`): its value is the text between the quotes.
    if class & QUOTE != 0
        && let Some(inner) = one_quoted_word(raw)
        && !inner.is_empty()
        && one_word_ok(spec, inner, version)
    {
        return Ok(());
    }
    check_tokens(spec, raw, base, version, class)
}

/// [`check_args`] without its quick answers for one word: the arguments as `argv_split` splits
/// them, read as the keyword's `case` reads them.
fn check_tokens(
    spec: &Spec,
    raw: &[u8],
    base: usize,
    version: Option<OpenSshVersion>,
    class: u8,
) -> Result<(), Problem> {
    // ssh names the keyword as written, lowercased: that is the table's name, since the
    // table's names are lowercase and matched ignoring case.
    let kw = spec.name.as_bytes();
    if class & QUOTE != 0 && Argv::new(raw, base).any(|t| t == Err(SplitError::InvalidQuotes)) {
        return Err(problem(base, "invalid quotes"));
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
            // `parse_multistate_value`: an empty argument (`""`) is missing too.
            let Some(a) = next(&mut args).filter(|a| !a.value.is_empty()) else {
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
            if !algorithms::algorithms_ok(which, &a.value, version) {
                return Err(problem(
                    a.span.start,
                    algorithms::algorithms_message(which, &a.value),
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
            let mut what = match kind {
                Fwd::Local => FwdSpec::Local,
                Fwd::Remote => FwdSpec::Remote,
                Fwd::Dynamic => FwdSpec::Dynamic,
            };
            let mut joined = None;
            if what != FwdSpec::Dynamic {
                match next(&mut args).filter(|b| !b.value.is_empty()) {
                    Some(b) => {
                        let mut s = Vec::with_capacity(a.value.len() + b.value.len() + 1);
                        s.extend_from_slice(&a.value);
                        s.push(b':');
                        s.extend_from_slice(&b.value);
                        // `fwdarg[256]`: snprintf truncates.
                        s.truncate(crate::forward::FWDARG_MAX);
                        joined = Some(s);
                    }
                    None if kind == Fwd::Remote => what = FwdSpec::RemoteDynamic,
                    None => return Err(problem(base, "Missing target argument.")),
                }
            }
            let spec_bytes: &[u8] = match &joined {
                Some(s) => s,
                None => &a.value[..a.value.len().min(crate::forward::FWDARG_MAX)],
            };
            if !value::forward_ok(spec_bytes, what) {
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
            for (i, a) in std::iter::from_fn(|| next(&mut args)).enumerate() {
                // `Host` (readconf.c): the arguments are read left to right, and a negated
                // pattern that matches ends the line before the rest is looked at; in a file
                // read through an `Include` inside a block that does not apply
                // (`SSHCONF_NEVERMATCH`), the first argument ends it. So an empty argument
                // after the first is refused only for the hosts whose reading gets to it: the
                // walk for each host says it (`ssh -G` 9.2p1: `Host !a ""` is accepted for `a`,
                // "keyword host empty argument" for `b`; `Host zz` / `Include inc` with
                // `Host b ""` in inc, accepted for `a` and `b`, refused for `zz`).
                if spec.arg == Arg::Host && i > 0 {
                    break;
                }
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

/// Is `raw` `PORT HOST:PORT` (blanks between) in the plain form `parse_forward` accepts
/// ([`crate::forward::plain_port_forward`]: three fields, no path, both ports above 0)? `false`
/// leaves the line to the token reading.
fn plain_local_forward(raw: &[u8]) -> bool {
    // The listening port up to the first blank, the blanks (and any other ASCII white space,
    // as `trim_ascii_start` takes it), then the target.
    let Some((gap, _)) = crate::forward::plain_port(raw, 0) else {
        return false;
    };
    if !matches!(raw.get(gap), Some(b' ' | b'\t')) {
        return false;
    }
    let mut target = gap;
    while target < raw.len() && raw[target].is_ascii_whitespace() {
        target += 1;
    }
    // `fwdarg[256]`: a longer `LISTEN:HOST:PORT` is truncated by snprintf, so it is left to the
    // token reading, which truncates it too.
    gap + 1 + (raw.len() - target) <= 255
        && crate::forward::plain_port_forward(&raw[..gap], &raw[target..]).is_some()
}

/// The text between the quotes when `raw` is one word in one pair of quotes with no backslash
/// inside (`"~/.ssh/id"`): `argv_split` gives that text as the one argument.
#[inline]
fn one_quoted_word(raw: &[u8]) -> Option<&[u8]> {
    let (&q, rest) = raw.split_first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let (&last, inner) = rest.split_last()?;
    (last == q && !inner.iter().any(|&b| b == q || b == b'\\')).then_some(inner)
}

/// Does ssh accept any one non-empty word for a keyword that reads its arguments as `arg`?
#[inline]
pub(super) const fn takes_any_word(arg: Arg) -> bool {
    matches!(
        arg,
        Arg::Str | Arg::Host | Arg::Include | Arg::Ignored | Arg::Command | Arg::List
    )
}

/// Does ssh accept `word` as the whole argument text of a `spec` line? `false` also when the
/// answer needs the general path (which then gives the message).
#[inline]
fn one_word_ok(spec: &Spec, w: &[u8], version: Option<OpenSshVersion>) -> bool {
    match spec.arg {
        a if takes_any_word(a) => true,
        Arg::Choice(choices) => choices.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(w)),
        Arg::Port => value::port_ok(w),
        Arg::Time => w == b"none" || value::convtime(w).is_some(),
        Arg::Int => value::atoi_err(Some(w)).is_none(),
        Arg::Algorithms(which) => algorithms::algorithms_ok(which, w, version),
        Arg::ControlPersist => {
            matches!(w, b"no" | b"false" | b"yes" | b"true") || value::convtime(w).is_some()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(r: Result<(), Problem>) -> Option<(usize, String)> {
        r.err().map(|p| (p.at, p.message))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The quick answers for one plain or quoted word agree with reading the tokens, for
        /// every keyword of the table.
        #[test]
        fn one_word_answers_agree_with_the_tokens(
            open in proptest::sample::select(vec!["", "\"", "'"]),
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "\"", "'", "\\", " ", "\t", "#", "a", "none", "22", "0", "yes", "No",
                    "1h", "aes128-ctr", ",", "-", "+", "%h", "localhost:80", "*", "=", "8080",
                    "65535", "65536", ":", "h.x", "/", "$",
                ]),
                0..6,
            ),
            close in proptest::sample::select(vec!["", "\"", "'"]),
        ) {
            let joined = format!("{open}{}{close}", parts.concat());
            let raw = joined.trim_matches([' ', '\t']).as_bytes();
            proptest::prop_assume!(!raw.is_empty());
            let class = classes(raw);
            for spec in table::KEYWORDS {
                for version in [None, OpenSshVersion::from_ssh_v("OpenSSH_9.2p1")] {
                    proptest::prop_assert_eq!(
                        outcome(check_args(spec, raw, 7, version, Some(class))),
                        outcome(check_tokens(spec, raw, 7, version, class)),
                        "{} {:?}", spec.name, String::from_utf8_lossy(raw)
                    );
                }
            }
        }

        /// The quick answer for `LocalForward PORT HOST:PORT` agrees with reading the tokens.
        #[test]
        fn plain_forwards_agree_with_the_tokens(
            listen in proptest::sample::select(PORTS.to_vec()),
            gap in proptest::sample::select(vec![" ", "\t", " \t ", ""]),
            host in proptest::sample::select(vec![
                "localhost", "h.x", "-", "", "a/b", "[::1]", "h$x", "H-1", "a:b", "a_b", "_",
                "é",
            ]),
            colon in proptest::sample::select(vec![":", "", "::", " :"]),
            to in proptest::sample::select(PORTS.to_vec()),
        ) {
            let raw = format!("{listen}{gap}{host}{colon}{to}");
            let raw = raw.trim_matches([' ', '\t']).as_bytes();
            proptest::prop_assume!(!raw.is_empty());
            let spec = table::KEYWORDS.iter().find(|s| s.name == "localforward").unwrap();
            proptest::prop_assert_eq!(
                outcome(check_args(spec, raw, 7, None, Some(classes(raw)))),
                outcome(check_tokens(spec, raw, 7, None, classes(raw))),
                "{:?}", String::from_utf8_lossy(raw)
            );
        }
    }

    /// `LISTEN:HOST:PORT` longer than ssh's `fwdarg[256]` is truncated there (a port cut short,
    /// or no port left): the quick answer must not accept what the truncated text refuses.
    #[test]
    fn long_plain_forwards_are_read_as_ssh_truncates_them() {
        let spec = table::KEYWORDS
            .iter()
            .find(|s| s.name == "localforward")
            .unwrap();
        for len in 240..270 {
            for to in ["1", "80", "8080"] {
                let raw = format!("80 {}:{to}", "h".repeat(len));
                let raw = raw.as_bytes();
                assert_eq!(
                    outcome(check_args(spec, raw, 7, None, Some(classes(raw)))),
                    outcome(check_tokens(spec, raw, 7, None, classes(raw))),
                    "host of {len} bytes, port {to}"
                );
            }
        }
    }

    /// Ports as they may be written, good and bad.
    const PORTS: &[&str] = &[
        "0", "1", "22", "080", "65535", "65536", "99999", "8080", "a", "", "/tmp/s", "1 2",
    ];
}
