//! The line table of a [`Document`](super::Document): every physical line in six bytes (where
//! it starts, what it is, where its arguments start), made in one pass over the bytes that hands
//! each line on as it is read.

use std::ops::Range;

use crate::keyword::Keyword;
use crate::lexer::{self, LexedLine, LineKind, LineShape, Scanned};

/// Every line of a document, in three arrays: where each starts, what it is, and where its
/// arguments start. A line ends where the next starts (or at the end of the file); how it ends
/// is read from the bytes there.
#[derive(Debug, Clone, Default)]
pub(super) struct LineTable {
    starts: Vec<u32>,
    /// What each line is: its code (its keyword's position in the keyword table, or one of
    /// the codes below). An array of its own, so that the lines of one code are found by a
    /// search of its bytes ([`LineTable::lines_with_code`]) that nothing else can match (beside
    /// the argument offsets, a code equal to a common offset made that search stop at every
    /// other line).
    codes: Vec<u8>,
    /// Where each line's arguments start within the line (0: none; [`ARGS_FAR`]: too far,
    /// found again).
    args: Vec<u8>,
}

pub(super) const BLANK: u8 = u8::MAX;
pub(super) const COMMENT: u8 = u8::MAX - 1;
pub(super) const UNREADABLE: u8 = u8::MAX - 2;
/// A keyword OpenSSH does not know.
pub(super) const UNKNOWN: u8 = u8::MAX - 3;
/// An argument offset too large for a byte (long indentation or keyword).
pub(super) const ARGS_FAR: u8 = u8::MAX;

/// The code of the keyword the keyword table names `name`.
const fn code_of(name: &str) -> u8 {
    let table = crate::keyword::table::KEYWORDS;
    let mut i = 0;
    while i < table.len() {
        let (a, b) = (table[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i as u8;
            }
        }
        i += 1;
    }
    panic!("no such keyword")
}

/// The codes of the lines that start a block.
pub(super) const HOST: u8 = code_of("host");
pub(super) const MATCH: u8 = code_of("match");

impl LineTable {
    /// Room for `n` lines.
    pub(super) fn with_capacity(n: usize) -> LineTable {
        LineTable {
            starts: Vec::with_capacity(n),
            codes: Vec::with_capacity(n),
            args: Vec::with_capacity(n),
        }
    }

    /// How many lines.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Where line `i` starts.
    #[inline]
    pub(super) fn start(&self, i: usize) -> usize {
        self.starts[i] as usize
    }

    /// Where line `i + 1` starts, if there is one.
    #[inline]
    pub(super) fn next_start(&self, i: usize) -> Option<usize> {
        self.starts.get(i + 1).map(|&s| s as usize)
    }

    /// What line `i` is.
    #[inline]
    pub(super) fn code(&self, i: usize) -> u8 {
        self.codes[i]
    }

    /// Where line `i`'s arguments start, packed (0: none; [`ARGS_FAR`]: find it again).
    #[inline]
    pub(super) fn args(&self, i: usize) -> u8 {
        self.args[i]
    }

    /// Where each line starts, what it is and where its arguments start, as slices.
    #[inline]
    pub(super) fn parts(&self) -> (&[u32], &[u8], &[u8]) {
        (&self.starts, &self.codes, &self.args)
    }

    /// Every line's code, in order.
    #[cfg(test)]
    pub(super) fn codes(&self) -> impl Iterator<Item = u8> + '_ {
        self.codes.iter().copied()
    }

    /// The lines of code `code`, in order: a search of the codes' bytes, not a look at every
    /// line.
    pub(super) fn lines_with_code(&self, code: u8) -> impl Iterator<Item = usize> + '_ {
        memchr::memchr_iter(code, &self.codes)
    }

    /// The lines that start a block (`Host` and `Match` lines), in order.
    pub(super) fn headers(&self) -> impl Iterator<Item = usize> + '_ {
        self.headers_from(0)
    }

    /// The lines that start a block from line `from` on, in order: a look at the codes of
    /// eight lines at a time (in a large config a block is a few lines: a search for the
    /// codes, finding one every few bytes, would cost more).
    pub(super) fn headers_from(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = from.min(self.codes.len());
        std::iter::from_fn(move || {
            let found = self.header_from(at);
            at = found.map_or(self.codes.len(), |i| i + 1);
            found
        })
    }

    /// The first line from line `at` on that starts a block.
    #[inline]
    pub(super) fn header_from(&self, at: usize) -> Option<usize> {
        /// Bit 7 of each byte of `w` (a line's code) that is `code`, and perhaps of bytes above
        /// the lowest such byte (a borrow runs up): the lowest bit set is a byte that is `code`.
        #[inline(always)]
        fn codes_equal(w: u64, code: u8) -> u64 {
            let x = w ^ (u64::from(code) * 0x0101_0101_0101_0101);
            x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080
        }
        let codes = &self.codes;
        let mut i = at;
        while let Some(eight) = codes.get(i..i + 8) {
            let w = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
            let m = codes_equal(w, HOST) | codes_equal(w, MATCH);
            if m != 0 {
                return Some(i + (m.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        (i..codes.len()).find(|&k| codes[k] == HOST || codes[k] == MATCH)
    }

    /// The last line before line `end` that starts a block.
    pub(super) fn header_before(&self, end: usize) -> Option<usize> {
        self.codes[..end.min(self.codes.len())]
            .iter()
            .rposition(|&c| c == HOST || c == MATCH)
    }

    /// Add a line.
    #[inline]
    pub(super) fn push(&mut self, start: usize, code: u8, args: Option<usize>) {
        self.starts.push(start as u32);
        self.codes.push(code);
        self.args.push(match args {
            None => 0,
            Some(a) if a < usize::from(ARGS_FAR) => a as u8,
            Some(_) => ARGS_FAR,
        });
    }

    /// The line that holds byte offset `off` (the last line for the end of the file).
    pub(super) fn line_at(&self, off: usize) -> usize {
        self.starts
            .partition_point(|&s| s as usize <= off)
            .saturating_sub(1)
    }

    /// Append `from`'s lines `range`, each moved by `delta` bytes.
    pub(super) fn extend_shifted(&mut self, from: &LineTable, range: Range<usize>, delta: i64) {
        self.starts.extend(
            from.starts[range.clone()]
                .iter()
                .map(|&s| (i64::from(s) + delta) as u32),
        );
        self.codes.extend_from_slice(&from.codes[range.clone()]);
        self.args.extend_from_slice(&from.args[range]);
    }
}

/// The [`LineKind`] a line code stands for.
#[inline]
pub(super) fn kind_of(code: u8) -> LineKind {
    match code {
        BLANK => LineKind::Blank,
        COMMENT => LineKind::Comment,
        UNREADABLE => LineKind::Unreadable,
        UNKNOWN => LineKind::Directive(Keyword::Other),
        k => LineKind::Directive(crate::keyword::table::keyword_of(k)),
    }
}

/// The keyword-table entry a line code stands for.
#[inline]
pub(super) fn spec_of(code: u8) -> Option<&'static crate::keyword::table::Spec> {
    match code {
        BLANK | COMMENT | UNREADABLE | UNKNOWN => None,
        k => Some(&crate::keyword::table::KEYWORDS[usize::from(k)]),
    }
}

/// Per line code, when a line of that code needs no one to look at it beyond its record (see
/// [`lex_lines`]): [`ALWAYS_QUIET`] for blank lines and comments, [`QUIET_WHEN_PLAIN`] for a
/// keyword the rejection check passes over when its argument text is one plain word, bare or
/// in quotes ([`crate::diagnose::plain_word_needs_no_check`]; none of them starts a block).
const QUIET: [u8; 256] = {
    let mut q = [0u8; 256];
    q[BLANK as usize] = ALWAYS_QUIET;
    q[COMMENT as usize] = ALWAYS_QUIET;
    let table = crate::keyword::table::KEYWORDS;
    assert!(table.len() < UNKNOWN as usize);
    let mut i = 0;
    while i < table.len() {
        if crate::diagnose::plain_word_needs_no_check(&table[i]) {
            q[i] = QUIET_WHEN_PLAIN;
        }
        i += 1;
    }
    q
};
const ALWAYS_QUIET: u8 = 1;
const QUIET_WHEN_PLAIN: u8 = 2;

/// Classify one line's text (line ending excluded): its code, its text as OpenSSH reads it and
/// where its arguments start.
#[inline]
pub(super) fn lex_line(content: &[u8], no_nul: bool) -> (u8, &[u8], Option<usize>) {
    let text = if no_nul {
        lexer::strip_trailing(content)
    } else {
        lexer::effective_line(content)
    };
    let (code, args) = match lexer::shape(text) {
        LineShape::Blank => (BLANK, None),
        LineShape::Comment => (COMMENT, None),
        LineShape::BadKeywordQuote => (UNREADABLE, None),
        LineShape::Directive { keyword, args } => (
            crate::keyword::table::lookup_index(&keyword.value).unwrap_or(UNKNOWN),
            args,
        ),
    };
    (code, text, args)
}

/// Must a walk for one host read this header line whatever the host (see
/// [`Document::header_reads`](super::Document::header_reads))? Every `Match` line, and a `Host`
/// line with no argument or whose arguments hold a wildcard, quote or backslash (or were not
/// classified on the way); any other `Host` line names only the text of its words.
#[inline]
pub(super) fn must_read(line: &LexedLine<'_>) -> bool {
    use lexer::class::{QUOTE, WILD};
    match line.kind {
        LineKind::Directive(Keyword::Match) => true,
        LineKind::Directive(Keyword::Host) => {
            line.args.is_none() || line.class.is_none_or(|c| c & (QUOTE | WILD) != 0)
        }
        _ => false,
    }
}

/// Classify the lines of `bytes[from..to]` (`from` is a line start; `to` is just after a `\n`
/// or the end of the file), appending to `lines` and handing each line to `each` as it is
/// read, so that a pass over every line needs no second reading of the bytes. A line spelled
/// the common way is read in one scan ([`lexer::scan_line`], which also finds its end); the
/// others by [`lex_line`].
///
/// Lines nothing needs to look at are not handed on: blank lines, comments, and keyword lines
/// whose argument text is one plain word (bare, or in quotes: `IdentityFile "~/.ssh/id"`) for a
/// keyword that takes any word and that neither the rejection check nor the block starts nor
/// the headers to read look at ([`crate::diagnose::plain_word_needs_no_check`]: `HostName`,
/// `User` and the like, most lines of a large config).
pub(super) fn lex_lines<'b>(
    bytes: &'b [u8],
    from: usize,
    to: usize,
    no_nul: bool,
    lines: &mut LineTable,
    each: impl FnMut(LexedLine<'b>),
) {
    lex_lines_handing(bytes, from, to, no_nul, lines, false, each);
}

/// [`lex_lines`], handing on every line when `every` (for the tests of its readings).
#[inline(always)]
fn lex_lines_handing<'b>(
    bytes: &'b [u8],
    from: usize,
    to: usize,
    no_nul: bool,
    lines: &mut LineTable,
    every: bool,
    mut each: impl FnMut(LexedLine<'b>),
) {
    let mut start = from;
    while start < to {
        let rest = &bytes[start..to];
        let scanned = if no_nul { lexer::scan_line(rest) } else { None };
        // `plain`: the argument text is one plain word, or one in quotes with nothing to
        // split inside.
        let (code, text, args, class, plain, end) = match scanned {
            Some(l) => {
                let (code, args, class, plain) = match l.what {
                    Scanned::Blank => (BLANK, None, None, false),
                    Scanned::Comment => (COMMENT, None, None, false),
                    Scanned::Keyword {
                        code,
                        args,
                        class,
                        quoted_word,
                    } => (
                        code.unwrap_or(UNKNOWN),
                        args,
                        Some(class),
                        args.is_some() && (class == 0 || quoted_word),
                    ),
                };
                (code, &rest[..l.text_len], args, class, plain, l.content_len)
            }
            None => {
                let nl = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let content_end = if nl < rest.len() && nl > 0 && rest[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                let (code, text, args) = lex_line(&rest[..content_end], no_nul);
                (code, text, args, None, false, nl)
            }
        };
        let index = lines.len();
        lines.push(start, code, args);
        start += end + 1;
        if !every
            && QUIET[usize::from(code)] & (ALWAYS_QUIET | if plain { QUIET_WHEN_PLAIN } else { 0 })
                != 0
        {
            continue;
        }
        each(LexedLine {
            index,
            kind: kind_of(code),
            spec: spec_of(code),
            text,
            args,
            class,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line of `bytes` as the general path reads it (a search for its end, then
    /// [`lex_line`]): where it starts, its code, its text and where its arguments start.
    fn general(bytes: &[u8]) -> Vec<(usize, u8, Vec<u8>, Option<usize>)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < bytes.len() {
            let rest = &bytes[start..];
            let nl = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let content_end = if nl < rest.len() && nl > 0 && rest[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            };
            let (code, text, args) = lex_line(&rest[..content_end], true);
            out.push((start, code, text.to_vec(), args));
            start += nl + 1;
        }
        out
    }

    proptest::proptest! {
        /// The search of the table's bytes for a code finds the lines a look at every line's
        /// code finds, whatever the argument offsets (which may be the code's byte).
        #[test]
        fn lines_of_a_code_are_those_whose_code_it_is(
            rows in proptest::collection::vec((0u8..6, proptest::option::of(0usize..8)), 0..40),
            code in 0u8..6,
        ) {
            let mut t = LineTable::default();
            for (i, &(c, a)) in rows.iter().enumerate() {
                t.push(i, c, a);
            }
            let want: Vec<usize> = t.codes().enumerate().filter(|&(_, c)| c == code).map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(t.lines_with_code(code).collect::<Vec<_>>(), want);
        }

        /// The headers found eight lines at a time, from any line, and the last one before any
        /// line, are those a look at every line's code finds, whatever the argument offsets and
        /// the codes beside them (codes a bit away from a header's, which a borrow could flag).
        #[test]
        fn headers_are_the_lines_of_a_header_code(
            rows in proptest::collection::vec((proptest::sample::select(vec![
                    0u8, 1, HOST, MATCH, BLANK, HOST + 1, MATCH - 1, HOST | 0x80, MATCH | 0x80, 0x80, 0xff,
                ]),
                proptest::option::of(proptest::sample::select(vec![0usize, 1, HOST.into(), MATCH.into()]))), 0..40),
            from in 0usize..45,
        ) {
            let mut t = LineTable::default();
            for (i, &(c, a)) in rows.iter().enumerate() {
                t.push(i, c, a);
            }
            let is_header = |i: &usize| rows[*i].0 == HOST || rows[*i].0 == MATCH;
            let want: Vec<usize> = (from.min(rows.len())..rows.len()).filter(is_header).collect();
            proptest::prop_assert_eq!(t.headers_from(from).collect::<Vec<_>>(), want);
            let before = (0..from.min(rows.len())).rev().find(is_header);
            proptest::prop_assert_eq!(t.header_before(from), before);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The one-scan reading agrees with the general path on every line, and the argument
        /// classes it gathers are those of the argument text.
        #[test]
        fn one_scan_agrees_with_the_general_path(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "Host", "hOsT", "User", "LocalForward", "IdentityFile", "Nonesuch", "#", " ",
                "\t", "\r", "\n", "\r\n", "\x0c", "=", "\"", "'", "\\", "a", "1", ":", "*",
                // Long keywords (compared a word at a time, alike in their first eight
                // bytes, or running past a line's 32-byte window), and bytes a window marks
                // that end no keyword.
                "ServerAliveInterval", "serveralivecountmax", "ForwardX11Trusted",
                "forwardx11timeout", "KbdInteractiveAuthentication",
                "ChallengeResponseAuthentication", "PubkeyAcceptedAlgorithms", "        ",
                "!", "$", "?", "\x01", "\x1f", "\u{e9}",
            ]),
            0..24,
        ), padded in proptest::bool::ANY) {
            // Padded: a long last line, so that every line before it is read through a window.
            let mut bytes = parts.concat().into_bytes();
            if padded {
                bytes.extend_from_slice(b"\n# a comment as long as a line's window, or longer\n");
            }
            let mut lines = LineTable::default();
            let mut seen = Vec::new();
            lex_lines_handing(&bytes, 0, bytes.len(), true, &mut lines, true, |l| {
                let raw = l.args.map_or(&b""[..], |a| &l.text[a..]);
                if let Some(class) = l.class {
                    let want = raw.iter().fold(0, |a, &b| a | lexer::class::OF[usize::from(b)]);
                    use lexer::class::{QUOTE, SPECIAL, WILD};
                    assert_eq!(class, want & (QUOTE | SPECIAL | WILD));
                }
                seen.push((l.text.to_vec(), l.args));
            });
            let want = general(&bytes);
            proptest::prop_assert_eq!(lines.len(), want.len());
            for (i, (start, code, text, args)) in want.into_iter().enumerate() {
                proptest::prop_assert_eq!(lines.start(i), start);
                proptest::prop_assert_eq!(lines.code(i), code);
                proptest::prop_assert_eq!(&seen[i].0, &text);
                proptest::prop_assert_eq!(seen[i].1, args);
            }
        }
    }
}
