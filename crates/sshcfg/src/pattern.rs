//! OpenSSH's wildcard patterns (match.c): `*` matches any run of bytes, `?` any one byte, and a
//! pattern list is comma-separated with `!` negating an entry.

/// `match_pattern`: does `s` match the single pattern `pattern` (`*`, `?`, no negation)?
/// Byte-wise and case-sensitive, as in OpenSSH.
pub(crate) fn match_pattern(s: &[u8], pattern: &[u8]) -> bool {
    match_pattern_as(s, pattern, |b| b)
}

/// [`match_pattern`] of `s` against `pattern` with each of the pattern's bytes read through
/// `byte` (lowercased, for an entry `match_pattern_list` lowercases), without copying it.
#[inline]
fn match_pattern_as(s: &[u8], pattern: &[u8], byte: impl Fn(u8) -> u8) -> bool {
    // Iterative wildcard matching with single-star backtracking: linear in practice and never
    // recursive, so hostile patterns cannot exhaust the stack.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pattern.len() && pattern[pi] == b'*' {
            // A star that ends the pattern matches whatever is left (`Host *`, `web*`).
            if pi + 1 == pattern.len() {
                return true;
            }
            star = Some((pi, si));
            pi += 1;
        } else if pi < pattern.len() && (pattern[pi] == b'?' || byte(pattern[pi]) == s[si]) {
            si += 1;
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(|&b| b == b'*')
}

/// The outcome of matching a comma-separated pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListMatch {
    /// No entry matched.
    NoMatch,
    /// A positive entry matched and no negated one did.
    Match,
    /// A negated entry matched: the list rejects the string outright.
    Negated,
}

/// The letter case of a list's entries (`dolower` of `match_pattern_list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryCase {
    /// Entries are matched as written.
    AsWritten,
    /// Each entry is lowercased first (as `Match host` does; the caller lowercases `s`).
    Lowercased,
}

/// `match_pattern_list`: match `s` against a comma-separated list, its entries in letter case
/// `case`.
pub(crate) fn match_pattern_list(s: &[u8], list: &[u8], case: EntryCase) -> ListMatch {
    let mut got_positive = false;
    for entry in list.split(|&b| b == b',') {
        let (negated, pat) = match entry.first() {
            Some(b'!') => (true, &entry[1..]),
            _ => (false, entry),
        };
        if pat.len() >= 1023 {
            return ListMatch::NoMatch;
        }
        let matched = if case == EntryCase::Lowercased {
            match_pattern_as(s, pat, |b| b.to_ascii_lowercase())
        } else {
            match_pattern(s, pat)
        };
        if matched {
            if negated {
                return ListMatch::Negated;
            }
            got_positive = true;
        }
    }
    if got_positive {
        ListMatch::Match
    } else {
        ListMatch::NoMatch
    }
}

/// `match_hostname`: the host lowercased, matched against the list lowercased.
pub(crate) fn match_hostname(host: &[u8], list: &[u8]) -> ListMatch {
    // Most names are lowercase already: copied only when one is not.
    let lower: std::borrow::Cow<'_, [u8]> = match host.iter().any(u8::is_ascii_uppercase) {
        true => host.to_ascii_lowercase().into(),
        false => host.into(),
    };
    match_pattern_list(&lower, list, EntryCase::Lowercased)
}

/// Does a pattern contain a wildcard (`*` or `?`)?
pub(crate) fn has_wildcard(p: &[u8]) -> bool {
    p.iter().any(|&b| b == b'*' || b == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(match_pattern(b"web1", b"web*"));
        assert!(match_pattern(b"web1", b"w?b1"));
        assert!(match_pattern(b"", b"*"));
        assert!(match_pattern(b"", b""));
        assert!(!match_pattern(b"a", b""));
        assert!(match_pattern(b"abcbc", b"a*bc"));
        assert!(!match_pattern(b"abcb", b"a*bc"));
        assert!(match_pattern(b"a*b", b"a*b"));
        assert!(!match_pattern(b"MixedCase", b"mixedcase"));
        assert!(match_pattern(
            b"aaaaaaaaaaaaaaaaaaaaaaab",
            b"*a*a*a*a*a*a*b"
        ));
        assert!(!match_pattern(
            b"aaaaaaaaaaaaaaaaaaaaaaaa",
            b"*a*a*a*a*a*a*b"
        ));
    }

    #[test]
    fn lists() {
        assert_eq!(
            match_pattern_list(b"a", b"b,a", EntryCase::AsWritten),
            ListMatch::Match
        );
        assert_eq!(
            match_pattern_list(b"a", b"*,!a", EntryCase::AsWritten),
            ListMatch::Negated
        );
        assert_eq!(
            match_pattern_list(b"a", b"!b", EntryCase::AsWritten),
            ListMatch::NoMatch
        );
        assert_eq!(match_hostname(b"Web", b"WEB"), ListMatch::Match);
    }
}
