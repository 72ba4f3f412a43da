//! Block headers: `Host` and `Match` lines, read as OpenSSH reads them.
//!
//! Every reader of a header goes through [`Header`]: the resolution (`resolve.rs`, whose
//! `host_line` and `match_line` keep the shape of readconf.c), the index of blocks
//! (`index.rs`), the diagnostics and the edits. Reading is lazy and borrows the line: a `Host`
//! line is the bulk of a large config, and its patterns are matched one by one without a vector.
//!
//! - `Host` arguments are split as `argv_split` (misc.c) splits a line: quotes and backslash
//!   escapes, `#` starts a comment; a pattern starting with `!` is negated.
//! - `Match` arguments are split as `match_cfg_line` (readconf.c, OpenSSH 9.2) splits them, with
//!   `strdelim`: whitespace, one `=`, double quotes; `all`, `canonical` and `final` take no
//!   argument, every other criterion one.

use std::borrow::Cow;
use std::fmt;

use crate::keyword::Keyword;
use crate::lexer::{self, Argv};

/// A block header: a `Host` or a `Match` line's arguments.
#[derive(Debug, Clone, Copy)]
pub enum Header<'a> {
    /// `Host pattern...`
    Host(HostLine<'a>),
    /// `Match criteria...`
    Match(MatchLine<'a>),
}

impl<'a> Header<'a> {
    /// The header a line with keyword `keyword` and arguments `raw` (the text after the keyword
    /// and its separator) is; `None` when the keyword starts no block.
    pub fn new(keyword: Keyword, raw: &'a [u8]) -> Option<Header<'a>> {
        match keyword {
            Keyword::Host => Some(Header::Host(HostLine { raw })),
            Keyword::Match => Some(Header::Match(MatchLine { raw })),
            _ => None,
        }
    }
}

/// Why a header cannot be read; `Display` is OpenSSH's message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// An unclosed quote.
    InvalidQuotes,
    /// An empty `Host` argument (`Host ""`).
    EmptyArgument,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::InvalidQuotes => f.write_str("invalid quotes"),
            HeaderError::EmptyArgument => f.write_str("keyword host empty argument"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// Is a pattern or criterion negated (`!` in front)?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negation {
    /// As written.
    Plain,
    /// `!pattern`: the block does not apply when it matches.
    Negated,
}

/// Split a leading `!` off `v`.
fn negation(v: Cow<'_, [u8]>) -> (Negation, Cow<'_, [u8]>) {
    if v.first() != Some(&b'!') {
        return (Negation::Plain, v);
    }
    let rest = match v {
        Cow::Borrowed(b) => Cow::Borrowed(&b[1..]),
        Cow::Owned(mut o) => {
            o.remove(0);
            Cow::Owned(o)
        }
    };
    (Negation::Negated, rest)
}

/// The arguments of a `Host` line.
#[derive(Debug, Clone, Copy)]
pub struct HostLine<'a> {
    raw: &'a [u8],
}

impl<'a> HostLine<'a> {
    /// A `Host` line whose arguments are `raw`.
    pub fn new(raw: &'a [u8]) -> HostLine<'a> {
        HostLine { raw }
    }

    /// Does the whole line split (OpenSSH splits it before looking at any pattern)?
    pub fn check_quotes(&self) -> Result<(), HeaderError> {
        if self.raw.iter().any(|&b| b == b'"' || b == b'\'')
            && Argv::new(self.raw, 0).any(|t| t.is_err())
        {
            return Err(HeaderError::InvalidQuotes);
        }
        Ok(())
    }

    /// The patterns of a line of plain words (most lines), read without the tokeniser: `None`
    /// when the arguments are empty or hold a quote, backslash, `!` or `#`. Without them each
    /// blank-separated word is a positive pattern, as [`HostLine::patterns`] reads it, and
    /// nothing in the line is an error.
    #[inline(always)]
    pub(crate) fn plain_patterns(&self) -> Option<PlainPatterns<'a>> {
        self.plain_reading::<false>()
    }

    /// [`HostLine::plain_patterns`], and also of a line of plain words and then a comment: a
    /// `#` that begins a word after at least one (`Host web1 # rack 3`), where the tokeniser
    /// stops (and so finds no unclosed quote after it); the words are those before it. (The
    /// index reads every header once, and such lines are common; a walk, which reads the
    /// plain reading into its loop, is left without the case.)
    #[inline(always)]
    pub(crate) fn plain_patterns_or_commented(&self) -> Option<PlainPatterns<'a>> {
        self.plain_reading::<true>()
    }

    /// [`HostLine::plain_patterns`] (and with `COMMENT`, of a line with a comment too).
    #[inline(always)]
    fn plain_reading<const COMMENT: bool>(&self) -> Option<PlainPatterns<'a>> {
        /// Bit 1: the line is not plain; bit 2: a wildcard; bit 3: a blank (more than one
        /// word); bit 4: a byte other than a blank that is not in a plain host name.
        static CLASS: [u8; 256] = {
            let mut t = [0u8; 256];
            let mut b = 0;
            while b < 256 {
                if !crate::host::PLAIN_NAME_BYTE[b] {
                    t[b] = 8;
                }
                b += 1;
            }
            t[b'"' as usize] |= 1;
            t[b'\'' as usize] |= 1;
            t[b'\\' as usize] |= 1;
            t[b'!' as usize] |= 1;
            t[b'#' as usize] |= 1;
            t[b'*' as usize] |= 2;
            t[b'?' as usize] |= 2;
            t[b' ' as usize] = 4;
            t[b'\t' as usize] = 4;
            t
        };
        let mut seen = 0;
        for &b in self.raw {
            seen |= CLASS[usize::from(b)];
        }
        if self.raw.is_empty() {
            return None;
        }
        if seen & 1 != 0 {
            return match COMMENT {
                true => self.plain_patterns_before_comment(&CLASS),
                false => None,
            };
        }
        Some(PlainPatterns::new(self.raw, seen))
    }

    /// [`HostLine::plain_patterns_or_commented`] of a line with a byte that is not plain
    /// (`class` bit 1): plain words and a comment, when that byte is a `#` that begins a
    /// word, not the first (the words are those before it, its blanks cut).
    #[inline(never)]
    fn plain_patterns_before_comment(&self, class: &[u8; 256]) -> Option<PlainPatterns<'a>> {
        let mut raw = self.raw;
        let at = raw.iter().position(|&b| class[usize::from(b)] & 1 != 0)?;
        if raw[at] != b'#' || at == 0 || !matches!(raw[at - 1], b' ' | b'\t') {
            return None;
        }
        raw = &raw[..at];
        while let [rest @ .., b' ' | b'\t'] = raw {
            raw = rest;
        }
        let seen = raw.iter().fold(0, |seen, &b| seen | class[usize::from(b)]);
        Some(PlainPatterns::new(raw, seen))
    }

    /// The patterns in order; an empty argument or an unclosed quote is an error where it
    /// stands (after the patterns before it).
    pub fn patterns(&self) -> HostPatterns<'a> {
        HostPatterns {
            argv: Argv::new(self.raw, 0),
        }
    }
}

impl<'a> PlainPatterns<'a> {
    /// The words of `raw` (not empty, its bytes plain), whose classes together are `seen`.
    #[inline(always)]
    fn new(raw: &'a [u8], seen: u8) -> PlainPatterns<'a> {
        PlainPatterns {
            wild: seen & 2 != 0,
            name_bytes: seen & 8 == 0,
            words: PlainWords {
                rest: raw,
                one: seen & 4 == 0,
            },
        }
    }
}

/// A `Host` line of plain words ([`HostLine::plain_patterns`]).
#[derive(Debug, Clone)]
pub(crate) struct PlainPatterns<'a> {
    /// Some word holds a wildcard (`*`, `?`).
    pub(crate) wild: bool,
    /// Every word is of letters, digits, `.`, `_` and `-` alone (a plain host name, unless
    /// it begins with `-`).
    pub(crate) name_bytes: bool,
    /// The words, each a positive pattern.
    pub(crate) words: PlainWords<'a>,
}

/// The words of a plain `Host` line ([`HostLine::plain_patterns`]): split at blanks and tabs,
/// empty ones left out; a line without a blank is one word, given whole without a search.
#[derive(Debug, Clone)]
pub(crate) struct PlainWords<'a> {
    rest: &'a [u8],
    /// `rest` is one word.
    one: bool,
}

impl<'a> PlainWords<'a> {
    /// The one word, when there is one and no search is needed to know it (no blank in the
    /// line: the words are then not gone through at all).
    #[inline(always)]
    pub(crate) fn only(&self) -> Option<&'a [u8]> {
        (self.one && !self.rest.is_empty()).then_some(self.rest)
    }

    /// The next word, as [`Iterator::next`] gives it, its end searched for eight bytes at a
    /// time while eight are left (the index reads lines of several long names: `Host h0
    /// h0-alt h0.example.com`).
    #[inline]
    pub(crate) fn next_word(&mut self) -> Option<&'a [u8]> {
        use crate::swar;
        if self.one {
            return self.next();
        }
        let s = self.rest;
        let blank = |b: u8| b == b' ' || b == b'\t';
        let mut start = 0;
        while start < s.len() && blank(s[start]) {
            start += 1;
        }
        if start == s.len() {
            self.rest = &[];
            return None;
        }
        let mut end = start + 1;
        loop {
            if end + 8 > s.len() {
                while end < s.len() && !blank(s[end]) {
                    end += 1;
                }
                break;
            }
            let w = swar::load(s, end);
            let hit = swar::eq(w, b' ') | swar::eq(w, b'\t');
            if hit != 0 {
                end += hit.trailing_zeros() as usize / 8;
                break;
            }
            end += 8;
        }
        self.rest = &s[end..];
        Some(&s[start..end])
    }
}

impl<'a> Iterator for PlainWords<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let blank = |b: &u8| *b == b' ' || *b == b'\t';
        if self.one {
            self.one = false;
            let word = std::mem::take(&mut self.rest);
            return (!word.is_empty()).then_some(word);
        }
        let start = self.rest.iter().position(|b| !blank(b))?;
        let rest = &self.rest[start..];
        let end = rest.iter().position(blank).unwrap_or(rest.len());
        self.rest = &rest[end..];
        Some(&rest[..end])
    }
}

/// One pattern of a `Host` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern<'a> {
    /// `!pattern` or not.
    pub negation: Negation,
    /// The pattern without its `!`.
    pub pattern: Cow<'a, [u8]>,
}

impl HostPattern<'_> {
    /// Is the pattern negated?
    pub fn is_negated(&self) -> bool {
        self.negation == Negation::Negated
    }
}

/// The patterns of a `Host` line ([`HostLine::patterns`]).
#[derive(Clone)]
pub struct HostPatterns<'a> {
    argv: Argv<'a>,
}

impl<'a> Iterator for HostPatterns<'a> {
    type Item = Result<HostPattern<'a>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.argv.next()? {
            Err(_) => Err(HeaderError::InvalidQuotes),
            Ok(t) if t.value.is_empty() => Err(HeaderError::EmptyArgument),
            Ok(t) => {
                let (negation, pattern) = negation(t.value);
                Ok(HostPattern { negation, pattern })
            }
        })
    }
}

/// The arguments of a `Match` line.
#[derive(Debug, Clone, Copy)]
pub struct MatchLine<'a> {
    raw: &'a [u8],
}

impl<'a> MatchLine<'a> {
    /// A `Match` line whose arguments are `raw`.
    pub fn new(raw: &'a [u8]) -> MatchLine<'a> {
        MatchLine { raw }
    }

    /// Could a word of it be `final` or `canonical` (the criteria that concern a final pass)?
    /// `false` when it holds no `l` in either case: every spelling of both has one (quotes, the
    /// only bytes `strdelim` takes out of a word, are no letters).
    pub(crate) fn may_name_a_pass(&self) -> bool {
        memchr::memchr2(b'l', b'L', self.raw).is_some()
    }

    /// Its words as [`MatchLine::words`] gives them, for a line without `"` or `=` that
    /// neither begins nor ends with whitespace (most lines: a document's arguments do
    /// neither): `strdelim` splits such a line at its runs of whitespace alone, so each word
    /// is borrowed and not empty. `None` for any other line.
    pub(crate) fn plain_words(&self) -> Option<impl Iterator<Item = &'a [u8]> + use<'a>> {
        let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        if self.raw.first().is_some_and(ws)
            || self.raw.last().is_some_and(ws)
            || memchr::memchr2(b'"', b'=', self.raw).is_some()
        {
            return None;
        }
        Some(self.raw.split(ws).filter(|w| !w.is_empty()))
    }

    /// Its words one by one, as `match_cfg_line` takes them with `strdelim`.
    pub fn words(&self) -> MatchWords<'a> {
        MatchWords {
            raw: self.raw,
            pos: Some(0),
        }
    }

    /// What ssh refuses in the line whatever the host, with the message it prints first: from
    /// `match_cfg_line` (readconf.c; "Bad Match condition" follows) a criterion that needs an
    /// argument and has none, one it does not know, `all` beside another, or no criterion at
    /// all; from `process_config_line`, words left over when `match_cfg_line` stopped early
    /// (after `all`, or at an empty word `""`). A criterion `too_new` says the release does not
    /// know is unsupported there; an unclosed quote ends the words (an escaped one, `\"`, gets
    /// here: `argv_split` took it). ssh refuses the whole config for such a line, active or
    /// not. Words in messages are shown as ssh's log shows bytes ([`vis`](crate::diagnose::value::vis)).
    /// An `exec` command is `%`-expanded before ssh looks at the result of the criteria before
    /// it (it is run only if they matched), and a token it cannot expand stops ssh there
    /// (`percent_expand` is fatal): `exec_error` says what ssh says of a command, if anything.
    pub(crate) fn syntax_error(
        &self,
        too_new: impl Fn(&[u8]) -> bool,
        exec_error: impl Fn(&[u8]) -> Option<String>,
    ) -> Option<String> {
        let extra = "keyword match extra arguments at end of line".to_string();
        let mut words = self.words();
        let mut attributes = 0;
        while let Some(word) = words.next() {
            // An unclosed quote ends the words as their end does (`strdelim` gives NULL).
            let Ok(oattrib) = word else {
                break;
            };
            if oattrib.first() == Some(&b'#') {
                break;
            }
            if oattrib.is_empty() {
                // The loop ends at an empty word, leaving what follows unread.
                return if attributes == 0 {
                    Some("One or more attributes required for Match".to_string())
                } else {
                    (!words.at_end()).then_some(extra)
                };
            }
            let attrib = oattrib.strip_prefix(b"!").unwrap_or(&oattrib);
            let attr = Attribute::parse(attrib);
            if attr == Attribute::All {
                let arg = words.next().and_then(Result::ok);
                if attributes > 1 || arg.as_ref().is_some_and(|a| !a.is_empty() && a[0] != b'#') {
                    return Some(format!(
                        "'{}' cannot be combined with other Match attributes",
                        crate::diagnose::value::vis(&oattrib)
                    ));
                }
                let comment = arg.is_some_and(|a| a.first() == Some(&b'#'));
                return (!comment && !words.at_end()).then_some(extra);
            }
            attributes += 1;
            if !attr.takes_argument() {
                continue;
            }
            let arg = match words.next() {
                Some(Ok(arg)) if !arg.is_empty() && arg[0] != b'#' => arg,
                _ => {
                    return Some(format!(
                        "Missing Match criteria for {}",
                        crate::diagnose::value::vis(attrib)
                    ));
                }
            };
            if matches!(attr, Attribute::Other(_)) || too_new(attrib) {
                return Some(format!(
                    "Unsupported Match attribute {}",
                    crate::diagnose::value::vis(attrib)
                ));
            }
            if attr == Attribute::Exec
                && let Some(message) = exec_error(&arg)
            {
                return Some(message);
            }
        }
        (attributes == 0).then(|| "One or more attributes required for Match".to_string())
    }

    /// Its criteria, each with its argument; reading stops at the first error.
    pub fn criteria(&self) -> Criteria<'a> {
        Criteria {
            words: self.words(),
            done: false,
        }
    }
}

/// The words of a `Match` line ([`MatchLine::words`]): `strdelim` with `=` splitting. The last
/// word may be empty (trailing whitespace); an unclosed quote is an error.
#[derive(Debug, Clone)]
pub struct MatchWords<'a> {
    raw: &'a [u8],
    pos: Option<usize>,
}

impl MatchWords<'_> {
    /// Is nothing left to read (`strdelim`'s pointer at the end, or `NULL`)?
    pub(crate) fn at_end(&self) -> bool {
        self.pos.is_none_or(|p| p >= self.raw.len())
    }
}

impl<'a> Iterator for MatchWords<'a> {
    type Item = Result<Cow<'a, [u8]>, HeaderError>;

    fn next(&mut self) -> Option<Self::Item> {
        let p = self.pos?;
        Some(match lexer::strdelim(self.raw, p, true) {
            None => {
                self.pos = None;
                Err(HeaderError::InvalidQuotes)
            }
            Some((t, next)) => {
                self.pos = next;
                Ok(t.value)
            }
        })
    }
}

/// A `Match` criterion's name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute<'a> {
    /// `all`
    All,
    /// `canonical`
    Canonical,
    /// `final`
    Final,
    /// `exec`
    Exec,
    /// `localnetwork`
    LocalNetwork,
    /// `host`
    Host,
    /// `originalhost`
    OriginalHost,
    /// `user`
    User,
    /// `localuser`
    LocalUser,
    /// `tagged`
    Tagged,
    /// `version`
    Version,
    /// `sessiontype`
    SessionType,
    /// `command`
    Command,
    /// Any other word, lowercased.
    Other(Cow<'a, [u8]>),
}

impl<'a> Attribute<'a> {
    /// The criterion named `word` (any letter case).
    pub fn parse(word: &[u8]) -> Attribute<'a> {
        // The names of each length (a word is compared with those alone).
        let names: &[(&str, Attribute<'static>)] = match word.len() {
            3 => &[("all", Attribute::All)],
            4 => &[
                ("host", Attribute::Host),
                ("user", Attribute::User),
                ("exec", Attribute::Exec),
            ],
            5 => &[("final", Attribute::Final)],
            6 => &[("tagged", Attribute::Tagged)],
            7 => &[
                ("version", Attribute::Version),
                ("command", Attribute::Command),
            ],
            9 => &[
                ("canonical", Attribute::Canonical),
                ("localuser", Attribute::LocalUser),
            ],
            11 => &[("sessiontype", Attribute::SessionType)],
            12 => &[
                ("localnetwork", Attribute::LocalNetwork),
                ("originalhost", Attribute::OriginalHost),
            ],
            _ => &[],
        };
        for (name, a) in names {
            if word.eq_ignore_ascii_case(name.as_bytes()) {
                return a.clone();
            }
        }
        Attribute::Other(Cow::Owned(word.to_ascii_lowercase()))
    }

    /// Does the criterion take an argument (all but `all`, `canonical` and `final`)?
    pub fn takes_argument(&self) -> bool {
        !matches!(
            self,
            Attribute::All | Attribute::Canonical | Attribute::Final
        )
    }

    /// The name, lowercase, as ssh prints it.
    pub fn name(&self) -> Cow<'_, str> {
        let s = match self {
            Attribute::All => "all",
            Attribute::Canonical => "canonical",
            Attribute::Final => "final",
            Attribute::Exec => "exec",
            Attribute::LocalNetwork => "localnetwork",
            Attribute::Host => "host",
            Attribute::OriginalHost => "originalhost",
            Attribute::User => "user",
            Attribute::LocalUser => "localuser",
            Attribute::Tagged => "tagged",
            Attribute::Version => "version",
            Attribute::SessionType => "sessiontype",
            Attribute::Command => "command",
            Attribute::Other(w) => return String::from_utf8_lossy(w),
        };
        Cow::Borrowed(s)
    }
}

/// One criterion of a `Match` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion<'a> {
    /// `!criterion` or not.
    pub negation: Negation,
    /// Its name.
    pub attribute: Attribute<'a>,
    /// Its argument (`None` for `all`, `canonical` and `final`).
    pub argument: Option<Cow<'a, [u8]>>,
}

/// Why a criterion cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CriterionError {
    /// An unclosed quote.
    InvalidQuotes,
    /// A criterion that takes an argument has none (its name, lowercase).
    MissingArgument(String),
}

/// The criteria of a `Match` line ([`MatchLine::criteria`]); a comment or an empty word ends
/// them.
#[derive(Debug, Clone)]
pub struct Criteria<'a> {
    words: MatchWords<'a>,
    done: bool,
}

impl<'a> Iterator for Criteria<'a> {
    type Item = Result<Criterion<'a>, CriterionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let word = match self.words.next()? {
            Ok(w) => w,
            Err(_) => {
                self.done = true;
                return Some(Err(CriterionError::InvalidQuotes));
            }
        };
        if word.is_empty() || word[0] == b'#' {
            self.done = true;
            return None;
        }
        let (negation, name) = negation(word);
        let attribute = Attribute::parse(&name);
        let mut argument = None;
        if attribute.takes_argument() {
            match self.words.next() {
                Some(Ok(a)) if !a.is_empty() && a[0] != b'#' => argument = Some(a),
                _ => {
                    self.done = true;
                    return Some(Err(CriterionError::MissingArgument(
                        attribute.name().into_owned(),
                    )));
                }
            }
        }
        Some(Ok(Criterion {
            negation,
            attribute,
            argument,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words in `Match` messages as ssh's log shows them, a backslash doubled and other bytes
    /// in octal: what `ssh -G -F c a` 9.2p1 prints first for each line.
    #[test]
    fn match_messages_show_words_as_ssh_logs_them() {
        for (raw, message) in [
            (&br"~\[yes"[..], r"Missing Match criteria for ~\\[yes"),
            (br"h\x y", r"Unsupported Match attribute h\\x"),
            (br"h\x", r"Missing Match criteria for h\\x"),
            (
                "h\u{e9} y".as_bytes(),
                r"Unsupported Match attribute h\303\251",
            ),
            (br#""h\\x""#, r"Missing Match criteria for h\\\\x"),
        ] {
            assert_eq!(
                MatchLine::new(raw)
                    .syntax_error(|_| false, |_| None)
                    .as_deref(),
                Some(message),
                "{}",
                raw.escape_ascii()
            );
        }
    }

    /// Every criterion name is read in any letter case; any other word is `Other`, lowercased.
    #[test]
    fn attributes_are_parsed_in_any_case() {
        for name in [
            "all",
            "canonical",
            "final",
            "exec",
            "localnetwork",
            "host",
            "originalhost",
            "user",
            "localuser",
            "tagged",
            "version",
            "sessiontype",
            "command",
        ] {
            for spelling in [name.to_string(), name.to_ascii_uppercase()] {
                let a = Attribute::parse(spelling.as_bytes());
                assert!(!matches!(a, Attribute::Other(_)), "{spelling}");
                assert_eq!(a.name(), name);
            }
        }
        for other in ["hosts", "hos", "", "Bogus", "originalhosT1"] {
            assert_eq!(
                Attribute::parse(other.as_bytes()),
                Attribute::Other(Cow::Owned(other.to_ascii_lowercase().into_bytes()))
            );
        }
    }

    fn pats(raw: &str) -> Vec<Result<(bool, String), HeaderError>> {
        HostLine::new(raw.as_bytes())
            .patterns()
            .map(|p| {
                p.map(|p| {
                    (
                        p.is_negated(),
                        String::from_utf8_lossy(&p.pattern).into_owned(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn host_patterns_split_as_argv_split() {
        assert_eq!(
            pats(r#"a !b "c d" !"e" # f"#),
            vec![
                Ok((false, "a".into())),
                Ok((true, "b".into())),
                Ok((false, "c d".into())),
                Ok((true, "e".into())),
            ]
        );
        assert_eq!(
            pats(r#"a "" b"#),
            vec![
                Ok((false, "a".into())),
                Err(HeaderError::EmptyArgument),
                Ok((false, "b".into()))
            ][..]
        );
        assert_eq!(
            HostLine::new(b"a \"b").check_quotes(),
            Err(HeaderError::InvalidQuotes)
        );
        assert_eq!(HostLine::new(b"a 'b c'").check_quotes(), Ok(()));
    }

    type Read = Result<(bool, String, Option<String>), CriterionError>;

    fn crit(raw: &str) -> Vec<Read> {
        MatchLine::new(raw.as_bytes())
            .criteria()
            .map(|c| {
                c.map(|c| {
                    (
                        c.negation == Negation::Negated,
                        c.attribute.name().into_owned(),
                        c.argument.map(|a| String::from_utf8_lossy(&a).into_owned()),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn match_criteria_split_as_match_cfg_line() {
        assert_eq!(
            crit("Host=a,b !FINAL user \"x y\" # c"),
            vec![
                Ok((false, "host".into(), Some("a,b".into()))),
                Ok((true, "final".into(), None)),
                Ok((false, "user".into(), Some("x y".into()))),
            ]
        );
        assert_eq!(
            crit("exec"),
            vec![Err(CriterionError::MissingArgument("exec".into()))]
        );
        assert_eq!(
            crit("host #a"),
            vec![Err(CriterionError::MissingArgument("host".into()))]
        );
        assert_eq!(
            crit("host \"a"),
            vec![Err(CriterionError::MissingArgument("host".into()))]
        );
        assert_eq!(crit("\"a"), vec![Err(CriterionError::InvalidQuotes)]);
        assert_eq!(
            crit("Foo x"),
            vec![Ok((false, "foo".into(), Some("x".into())))]
        );
    }

    proptest::proptest! {
        /// The words of a plain `Host` line come out the same one by one as eight bytes at a
        /// time (names shorter and longer than eight bytes, and of exactly eight or sixteen,
        /// at either end and between blanks and tabs).
        #[test]
        fn plain_words_by_the_word_are_the_words(
            words in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "a", "web1", "abcdefg", "abcdefgh", "abcdefghi", "h0.example.com",
                        "abcdefghabcdefgh", "x-rather-long-host-name.example.org", "w*",
                    ]),
                    proptest::sample::select(vec![" ", "\t", "  ", " \t", "\t\t\t\t\t\t\t\t\t"]),
                ),
                1..6,
            ),
        ) {
            let raw: String = words.iter().flat_map(|(w, s)| [*w, *s]).collect();
            let raw = raw.trim_end_matches([' ', '\t']).as_bytes();
            let plain = HostLine::new(raw).plain_patterns().expect("plain words");
            let mut by_word = plain.words.clone();
            let mut got = Vec::new();
            while let Some(w) = by_word.next_word() {
                got.push(w);
            }
            proptest::prop_assert_eq!(got, plain.words.collect::<Vec<_>>());
            proptest::prop_assert_eq!(by_word.next_word(), None);
        }

        /// The plain words of a `Match` line, whenever they are given, are the words
        /// `strdelim` gives; they are given for every line without `"` or `=` that neither
        /// begins nor ends with whitespace.
        #[test]
        fn plain_match_words_are_the_words(
            words in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "host", "!Host", "a,b", "#c", "a#", "=", "a=b", "\"a b\"", "\"", "'a",
                        "\x0c", "", "!",
                    ]),
                    proptest::sample::select(vec![" ", "\t", " \t ", "\r", "\n", "", "\r\n "]),
                ),
                0..6,
            ),
        ) {
            let raw: Vec<u8> = words.iter().flat_map(|(w, s)| [*w, *s]).collect::<String>().into_bytes();
            let line = MatchLine::new(&raw);
            let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
            let plain_line = !raw.contains(&b'"') && !raw.contains(&b'=')
                && !raw.first().is_some_and(ws) && !raw.last().is_some_and(ws);
            let plain = line.plain_words().map(|w| w.collect::<Vec<_>>());
            proptest::prop_assert_eq!(plain.is_some(), plain_line, "{:?}", String::from_utf8_lossy(&raw));
            if let Some(plain) = plain {
                let mut full: Vec<Vec<u8>> = line.words().map(|w| w.expect("no quote").into_owned()).collect();
                // (`strdelim` gives one empty word for empty arguments, which end the criteria
                // as no word does.)
                if raw.is_empty() {
                    proptest::prop_assert_eq!(full.concat(), b"");
                    full.clear();
                }
                let full: Vec<&[u8]> = full.iter().map(|w| &w[..]).collect();
                proptest::prop_assert_eq!(plain, full, "{:?}", String::from_utf8_lossy(&raw));
            }
        }

        /// The plain reading of a `Host` line, whenever it answers, gives the patterns the
        /// tokeniser gives: each positive, none an error (the line's quotes close, as far as
        /// the tokeniser reads), and a wildcard in one exactly when it says so. A line of
        /// plain words and then a comment (`#` beginning a word) is read plainly.
        #[test]
        fn plain_patterns_are_the_patterns(
            words in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "a", "B", "a.b", "a-b", "a=b", "!a", "a!", "a*", "?", "*", "\"a\"", "'a",
                        "#a", "a#", "a\\b", "a\r", "", "#", "# \"", "#'a",
                    ]),
                    proptest::sample::select(vec![" ", "\t", " \t ", "\r"]),
                ),
                0..5,
            ),
        ) {
            let raw: String = words.iter().flat_map(|(w, s)| [*w, *s]).collect();
            let raw = raw.trim_matches(|c| c == ' ' || c == '\t').as_bytes();
            let line = HostLine::new(raw);
            // (Plain words, then a comment: read plainly.)
            let commented = raw.first().is_some_and(|&b| b != b'#')
                && raw.split(|&b| b == b' ' || b == b'\t').all(|w| {
                    w.first() == Some(&b'#')
                        || w.iter().all(|&b| crate::host::PLAIN_NAME_BYTE[usize::from(b)])
                })
                && raw.split(|&b| b == b' ' || b == b'\t').any(|w| w.first() == Some(&b'#'));
            proptest::prop_assert!(
                !commented || line.plain_patterns_or_commented().is_some(),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
            // (The plain reading without comments answers for a subset of the lines, the
            // same answer.)
            let without = line.plain_patterns().map(|p| p.words.collect::<Vec<_>>());
            let with = line.plain_patterns_or_commented();
            if let Some(without) = without {
                let with = with.clone().map(|p| p.words.collect::<Vec<_>>());
                proptest::prop_assert_eq!(Some(without), with);
            }
            if let Some(PlainPatterns { wild, name_bytes, words: plain }) = with {
                proptest::prop_assert!(line.check_quotes().is_ok());
                let plain: Vec<&[u8]> = plain.collect();
                let names = plain.iter().all(|w| w.iter().all(|&b| crate::host::PLAIN_NAME_BYTE[usize::from(b)]));
                proptest::prop_assert_eq!(name_bytes, names);
                let full: Vec<_> = line.patterns().collect();
                proptest::prop_assert_eq!(plain.len(), full.len(), "{:?}", String::from_utf8_lossy(raw));
                let mut any_wild = false;
                for (w, p) in plain.iter().zip(&full) {
                    let p = p.as_ref().expect("no error");
                    proptest::prop_assert!(!p.is_negated());
                    proptest::prop_assert_eq!(*w, &p.pattern[..]);
                    any_wild |= crate::pattern::has_wildcard(&p.pattern);
                }
                proptest::prop_assert_eq!(wild, any_wild);
            }
        }
    }
}
