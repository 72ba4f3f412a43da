//! `${VAR}` expansion of option values, as ssh makes it (misc.c `dollar_expand`, without
//! percent tokens): from the environment ssh runs in.

/// misc.c `dollar_expand` without percent tokens: can every `${VAR}` be expanded (closed,
/// named, and set in the environment ssh runs in)?
pub(crate) fn dollar_ok(s: &[u8]) -> bool {
    let mut i = 0;
    while i + 1 < s.len() {
        if s[i] == b'$' && s[i + 1] == b'{' {
            let rest = &s[i + 2..];
            let Some(end) = rest.iter().position(|&b| b == b'}') else {
                return false;
            };
            if end == 0 {
                return false;
            }
            if !env_set(&rest[..end]) {
                return false;
            }
            i += 2 + end + 1;
        } else {
            i += 1;
        }
    }
    true
}

/// Is the environment variable `name` set (`getenv` gives a value, maybe empty)?
fn env_set(name: &[u8]) -> bool {
    std::str::from_utf8(name)
        .ok()
        .and_then(std::env::var_os)
        .is_some()
}

/// misc.c `vdollar_percent_expand` of `s` with the `%` tokens `tokens` (`%%` is always one), and
/// `${VAR}` from the environment when `dollar`: the first error it logs, as ssh's log shows it
/// (`vdollar_percent_expand: unknown key %/`), or `None` when `s` expands. A value put in for
/// `${VAR}` is not read again.
pub(crate) fn percent_expand_error(s: &[u8], dollar: bool, tokens: &[u8]) -> Option<String> {
    use crate::diagnose::value::vis;
    let error = |m: String| Some(format!("vdollar_percent_expand: {m}"));
    let mut i = 0;
    while i < s.len() {
        if dollar && s[i] == b'$' && s.get(i + 1) == Some(&b'{') {
            let rest = &s[i + 2..];
            let Some(end) = rest.iter().position(|&b| b == b'}') else {
                return error(format!(
                    "environment variable '{}' missing closing '}}'",
                    vis(rest)
                ));
            };
            if end == 0 {
                return error("zero-length environment variable".into());
            }
            if !env_set(&rest[..end]) {
                return error(format!("env var ${{{}}} has no value", vis(&rest[..end])));
            }
            i += 2 + end + 1;
            continue;
        }
        if s[i] != b'%' {
            i += 1;
            continue;
        }
        match s.get(i + 1) {
            None => return error("invalid format".into()),
            Some(&c) if c == b'%' || tokens.contains(&c) => i += 2,
            Some(&c) => return error(format!("unknown key %{}", vis(&[c]))),
        }
    }
    None
}

/// The environment variable `${VAR}` expansions of `s` as ssh makes them (`None` when one
/// cannot be expanded).
pub(crate) fn dollar_expand(s: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    if !s.windows(2).any(|w| w == b"${") {
        return Some(std::borrow::Cow::Borrowed(s));
    }
    if !dollar_ok(s) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'$' && s.get(i + 1) == Some(&b'{') {
            let end = s[i + 2..].iter().position(|&b| b == b'}')?;
            let name = std::str::from_utf8(&s[i + 2..i + 2 + end]).ok()?;
            let v = std::env::var_os(name)?;
            out.extend_from_slice(v.as_encoded_bytes());
            i += 2 + end + 1;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// Does OpenSSH `version` (`None`: the newest) expand `%` tokens and `${VAR}` in `Include`
/// paths? From 9.9 readconf.c does (`expand_match_exec_or_include_path`), with the host's
/// values (`%h`, `%p`, `%r`, ...), so the files a line names may differ from host to host.
pub(crate) fn expands_include_paths(version: Option<crate::OpenSshVersion>) -> bool {
    version.is_none_or(|v| (v.major, v.minor) >= (9, 9))
}

/// Does an `Include` line's argument text `raw` hold what a release that expands its paths
/// ([`expands_include_paths`]) reads otherwise than one that does not: a `%` (a token, or `%%`,
/// which becomes `%`) or `${`?
pub(crate) fn include_names_tokens(raw: &[u8]) -> bool {
    memchr::memchr(b'%', raw).is_some() || raw.windows(2).any(|w| w == b"${")
}
