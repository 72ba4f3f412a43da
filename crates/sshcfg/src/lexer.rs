//! Splitting a file into lines and a line into tokens, exactly as OpenSSH does.
//!
//! OpenSSH (`readconf.c`) reads a file with `getline`, so only `\n` ends a line. Each line is cut at
//! its first NUL (C strings), trailing whitespace (` \t\r\n\f`) is stripped, the keyword is taken
//! with `strdelim` (which splits on whitespace, `"` and one `=`), and the rest of the line is split
//! with `argv_split` (misc.c), which honours `"` and `'` quotes, backslash escapes and stops at a
//! token that starts with `#`.

use std::borrow::Cow;
use std::ops::Range;

use crate::keyword::Keyword;

/// What a physical line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// A comment line.
    Comment,
    /// A keyword line; see [`Document::directive`](crate::Document::directive).
    Directive(Keyword),
    /// A line whose keyword opens a `"` that is never closed: OpenSSH silently ignores it.
    Unreadable,
}

/// One line as the pass that reads a file hands it on: its index, what it is, its keyword-table
/// entry, its text as OpenSSH reads it and where its arguments start in that text.
pub(crate) struct LexedLine<'a> {
    /// Its index (0-based).
    pub(crate) index: usize,
    /// What the line is.
    pub(crate) kind: LineKind,
    /// Its keyword-table entry (`None`: not a keyword line, or a keyword OpenSSH does not
    /// know).
    pub(crate) spec: Option<&'static crate::keyword::table::Spec>,
    /// Its text as OpenSSH reads it (cut at a NUL, trailing whitespace stripped).
    pub(crate) text: &'a [u8],
    /// Where its arguments start in that text.
    pub(crate) args: Option<usize>,
    /// The classes of its argument text's bytes, or-ed ([`class::QUOTE`], [`class::SPECIAL`],
    /// [`class::WILD`]), when the pass found them on the way (`None`: to be found).
    pub(crate) class: Option<u8>,
}

/// How a line ends in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Eol {
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// The last line of a file without a final newline.
    None,
}

impl Eol {
    /// The bytes of this line ending.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Eol::Lf => b"\n",
            Eol::CrLf => b"\r\n",
            Eol::None => b"",
        }
    }
}

const fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The part of a line OpenSSH looks at: cut at the first NUL, trailing whitespace and form feeds
/// stripped (OpenSSH never strips the first character).
pub(crate) fn effective_line(line: &[u8]) -> &[u8] {
    let line = match memchr::memchr(0, line) {
        Some(i) => &line[..i],
        None => line,
    };
    let mut len = line.len();
    while len > 1 && (is_ws(line[len - 1]) || line[len - 1] == 0x0c) {
        len -= 1;
    }
    &line[..len]
}

/// Trailing whitespace and form feeds stripped, for a line known to hold no NUL.
pub(crate) fn strip_trailing(line: &[u8]) -> &[u8] {
    let mut len = line.len();
    while len > 1 && (is_ws(line[len - 1]) || line[len - 1] == 0x0c) {
        len -= 1;
    }
    &line[..len]
}

mod window;

/// Byte classes of the one-scan reading of a line ([`scan_line`]), as bits.
pub(crate) mod class {
    /// `"` or `'`: an argument text that holds one must be split to be checked.
    pub(crate) const QUOTE: u8 = 1;
    /// A quote, blank, backslash or `#`: an argument text that holds one is not one plain word.
    pub(crate) const SPECIAL: u8 = 2;
    /// Space or tab.
    pub(crate) const BLANK: u8 = 4;
    /// `\n`.
    pub(crate) const NEWLINE: u8 = 8;
    /// `\r`, form feed or NUL: the line is read by the general path.
    pub(crate) const ODD: u8 = 16;
    /// `=`: ends a keyword.
    pub(crate) const EQUALS: u8 = 32;
    /// `"`: ends a keyword (`strdelim` opens a quote there).
    pub(crate) const DQUOTE: u8 = 64;
    /// `*`, `?` or a backslash: a `Host` pattern that holds one may match more than its own
    /// text.
    pub(crate) const WILD: u8 = 128;

    /// Every byte's classes.
    pub(crate) const OF: [u8; 256] = {
        let mut c = [0u8; 256];
        c[b'"' as usize] = QUOTE | SPECIAL | DQUOTE;
        c[b'\'' as usize] = QUOTE | SPECIAL;
        c[b' ' as usize] = SPECIAL | BLANK;
        c[b'\t' as usize] = SPECIAL | BLANK;
        c[b'\\' as usize] = SPECIAL | WILD;
        c[b'*' as usize] = WILD;
        c[b'?' as usize] = WILD;
        c[b'#' as usize] = SPECIAL;
        c[b'\n' as usize] = NEWLINE;
        c[b'\r' as usize] = ODD;
        c[0x0c] = ODD;
        c[0] = ODD;
        c[b'=' as usize] = EQUALS;
        c
    };
}

/// What [`scan_line`] found a line to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// Empty or only blanks.
    Blank,
    /// A comment.
    Comment,
    /// A keyword line: its keyword's position in the keyword table (`None`: unknown), where its
    /// arguments start in the text (`None`: no argument) and the classes of the bytes of its
    /// argument text, or-ed ([`class::QUOTE`], [`class::SPECIAL`], [`class::WILD`]); and
    /// whether that text is one word in one pair of quotes with no byte that has a class
    /// inside, not empty (`"~/.ssh/id"`: `argv_split` gives the text inside as the one word).
    Keyword {
        code: Option<u8>,
        args: Option<usize>,
        class: u8,
        quoted_word: bool,
    },
}

/// A line read by [`scan_line`]: what it is, the length of its text as OpenSSH reads it
/// ([`strip_trailing`]) and where its content ends (its `\n`, or the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScannedLine {
    pub(crate) what: Scanned,
    pub(crate) text_len: usize,
    pub(crate) content_len: usize,
}

/// Read the line at the start of `bytes` (up to its `\n`; the file holds no NUL) in one scan
/// of a byte-class table: the blanks, the keyword (hashed on the way and looked up), the
/// separator, and the argument text up to the line's end (its bytes' classes gathered on the
/// way, so that the line's end needs no search of its own). The common spellings only: `None`
/// for a keyword line that holds a carriage return or form feed (but for `\r\n`), or whose
/// keyword holds or starts with a quote or starts with `=`, and for a comment whose first word
/// holds a quote; [`strip_trailing`] and [`shape`] read those, and give the same answer for
/// every line this one reads (a property test checks it).
#[inline]
pub(crate) fn scan_line(bytes: &[u8]) -> Option<ScannedLine> {
    match scan_window(bytes) {
        Some(line) => line,
        None => scan_bytes(bytes),
    }
}

/// [`scan_line`] through the line's [`window`]: the first non-blank byte, then only the marked
/// bytes after it (the keyword's end, the separator, the first marked byte of the arguments:
/// for most lines, their `\n`). An empty line is known by its first byte, a line of blanks or
/// a comment by the marked bytes of its window. `None` when the window cannot tell (a line
/// shorter than the window at the end of the file, a comment that goes on past the window, a
/// keyword that holds a marked byte or runs past the window): [`scan_bytes`] reads those.
/// Arguments that go on past the window, or hold a marked byte that is not their end, are read
/// on a byte at a time from there.
#[inline(always)]
fn scan_window(bytes: &[u8]) -> Option<Option<ScannedLine>> {
    use class::*;
    use window::WIDTH;
    let of = |b: u8| OF[usize::from(b)];
    if *bytes.first()? == b'\n' {
        return Some(Some(ScannedLine {
            what: Scanned::Blank,
            text_len: 0,
            content_len: 0,
        }));
    }
    let w = window::read(bytes)?;
    let p = (!w.blank).trailing_zeros() as usize;
    if p >= WIDTH {
        return None;
    }
    if bytes[p] == b'\n' {
        // Blanks only (at least one: the first byte is not the `\n`).
        return Some(Some(ScannedLine {
            what: Scanned::Blank,
            text_len: 1,
            content_len: p,
        }));
    }
    if bytes[p] == b'#' {
        return comment_in_window(bytes, w.marked, p);
    }
    if of(bytes[p]) & (ODD | EQUALS | DQUOTE) != 0 {
        return Some(None);
    }
    // The keyword runs to the next marked byte, which must be a stop.
    let q = p + 1 + (w.marked >> p >> 1).trailing_zeros() as usize;
    if q >= WIDTH || of(bytes[q]) & (BLANK | NEWLINE | ODD | EQUALS | DQUOTE) == 0 {
        return None;
    }
    if of(bytes[q]) & (ODD | DQUOTE) != 0 {
        return Some(None);
    }
    let code = crate::keyword::table::lookup_in(&bytes[p..], q - p);
    let r = past_separator(bytes, q);
    // The argument text: unmarked bytes add no class, so only the marked bytes in the window
    // are read (the first is most often the line's `\n`), then any bytes past the window.
    let mut acc = 0u8;
    let mut marked = if r < WIDTH { w.marked >> r << r } else { 0 };
    if r < WIDTH && matches!(bytes[r], b'"' | b'\'') {
        // One word in one pair of quotes: the quote's next marked byte is the same quote, not
        // straight after it, and the one after that is the line's `\n`, straight after it.
        let inside = marked & (marked - 1);
        let close = inside.trailing_zeros() as usize;
        let after = inside & inside.wrapping_sub(1);
        if close > r + 1
            && close < WIDTH
            && bytes[close] == bytes[r]
            && after.trailing_zeros() as usize == close + 1
            && bytes[close + 1] == b'\n'
        {
            return Some(Some(ScannedLine {
                what: Scanned::Keyword {
                    code,
                    args: Some(r),
                    class: QUOTE | SPECIAL,
                    quoted_word: true,
                },
                text_len: close + 1,
                content_len: close + 1,
            }));
        }
    }
    while marked != 0 {
        let at = marked.trailing_zeros() as usize;
        let c = of(bytes[at]);
        if c & NEWLINE != 0 {
            return Some(keyword_line(bytes, code, r, at, acc));
        }
        acc |= c;
        marked &= marked - 1;
    }
    let (end, rest) = classes_to_newline(bytes, r.max(WIDTH));
    Some(keyword_line(bytes, code, r, end, acc | rest))
}

/// [`scan_window`] for a line whose first non-blank, at `p`, is `#`: a comment, unless the
/// first word holds a quote (`strdelim` reads on; the general path reads it) or a byte that is
/// not read the common way. `marked` is the window's mask of marked bytes; `None` when the
/// line's `\n` is not in the window.
#[inline(always)]
fn comment_in_window(bytes: &[u8], marked: u32, p: usize) -> Option<Option<ScannedLine>> {
    use class::*;
    let stops = BLANK | NEWLINE | ODD | EQUALS | DQUOTE;
    // The marked bytes after the `#` (p < 32: `2 << p` may wrap to 0, leaving every bit).
    let mut marked = marked & !(2u32 << p).wrapping_sub(1);
    // The first word ends at the first stop.
    loop {
        if marked == 0 {
            return None;
        }
        let c = OF[usize::from(bytes[marked.trailing_zeros() as usize])];
        if c & stops != 0 {
            if c & (ODD | DQUOTE) != 0 {
                return Some(None);
            }
            break;
        }
        marked &= marked - 1;
    }
    // The line ends at its `\n`, a marked byte.
    while marked != 0 {
        let at = marked.trailing_zeros() as usize;
        if bytes[at] == b'\n' {
            return Some(Some(ScannedLine {
                what: Scanned::Comment,
                text_len: strip_trailing(&bytes[..at]).len(),
                content_len: at,
            }));
        }
        marked &= marked - 1;
    }
    None
}

/// Where the line's content ends reading on from `from` (its `\n`, or the end), and the
/// classes of the bytes read, or-ed.
#[inline(always)]
fn classes_to_newline(bytes: &[u8], from: usize) -> (usize, u8) {
    let mut end = from;
    let mut acc = 0u8;
    while end < bytes.len() {
        let c = class::OF[usize::from(bytes[end])];
        if c & class::NEWLINE != 0 {
            break;
        }
        acc |= c;
        end += 1;
    }
    (end, acc)
}

/// Where the arguments start after a keyword that ends at `q`: past the separator (blanks, one
/// `=`, blanks; or `=` straight after the keyword).
#[inline(always)]
fn past_separator(bytes: &[u8], q: usize) -> usize {
    use class::*;
    let n = bytes.len();
    let blank = |r: usize| r < n && OF[usize::from(bytes[r])] & BLANK != 0;
    let mut r = q;
    if r < n && bytes[r] == b'=' {
        r += 1;
    } else {
        while blank(r) {
            r += 1;
        }
        if r < n && bytes[r] == b'=' {
            r += 1;
        }
    }
    while blank(r) {
        r += 1;
    }
    r
}

/// The end of [`scan_line`] and [`scan_window`] for a keyword line: `r` is where its arguments
/// start, `end` where its content ends, `acc` the classes of the bytes between.
#[inline(always)]
fn keyword_line(
    bytes: &[u8],
    code: Option<u8>,
    r: usize,
    end: usize,
    mut acc: u8,
) -> Option<ScannedLine> {
    use class::*;
    let of = |b: u8| OF[usize::from(b)];
    let mut text_len = end;
    if r == end || acc & ODD != 0 || of(bytes[end - 1]) & BLANK != 0 {
        // Blanks, a `\r` or a form feed at the end are stripped and are no part of the
        // arguments; an odd byte anywhere else is left to the general path.
        text_len = strip_trailing(&bytes[..end]).len();
        acc = bytes[r.min(text_len)..text_len]
            .iter()
            .fold(0, |a, &b| a | of(b));
        if acc & ODD != 0 {
            return None;
        }
    }
    Some(ScannedLine {
        what: Scanned::Keyword {
            code,
            args: (r < text_len).then_some(r),
            class: acc & (QUOTE | SPECIAL | WILD),
            quoted_word: false,
        },
        text_len,
        content_len: end,
    })
}

/// [`scan_line`] a byte at a time.
#[inline(always)]
fn scan_bytes(bytes: &[u8]) -> Option<ScannedLine> {
    use class::*;
    let n = bytes.len();
    let of = |b: u8| OF[usize::from(b)];
    let mut p = 0;
    while p < n && of(bytes[p]) & BLANK != 0 {
        p += 1;
    }
    if p == n || bytes[p] == b'\n' {
        return Some(ScannedLine {
            what: Scanned::Blank,
            text_len: p.min(1),
            content_len: p,
        });
    }
    let stops = BLANK | NEWLINE | ODD | EQUALS | DQUOTE;
    if bytes[p] == b'#' {
        // A comment, unless its first word holds a quote (then `strdelim` reads on) or a byte
        // that is not read the common way.
        let q = bytes[p..].iter().position(|&b| of(b) & stops != 0);
        if q.is_some_and(|q| of(bytes[p + q]) & (ODD | DQUOTE) != 0) {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[p..]).map_or(n, |e| p + e);
        return Some(ScannedLine {
            what: Scanned::Comment,
            text_len: strip_trailing(&bytes[..end]).len(),
            content_len: end,
        });
    }
    if of(bytes[p]) & (ODD | EQUALS | DQUOTE) != 0 {
        return None;
    }
    let mut q = p;
    while q < n && of(bytes[q]) & stops == 0 {
        q += 1;
    }
    if q < n && of(bytes[q]) & (ODD | DQUOTE) != 0 {
        return None;
    }
    let code = crate::keyword::table::lookup_in(&bytes[p..], q - p);
    let r = past_separator(bytes, q);
    // The argument text, to the line's end, its bytes' classes gathered on the way.
    let (end, acc) = classes_to_newline(bytes, r);
    keyword_line(bytes, code, r, end, acc)
}

/// One token of a line: its unescaped value and where its raw text lies in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token after quote and escape removal.
    pub value: Cow<'a, [u8]>,
    /// Byte range of the raw token within the line's text.
    pub span: Range<usize>,
}

/// `strdelim` of readconf.c/misc.c: the next token, splitting on whitespace, `"` and (with
/// `split_equals`) one `=`. Returns `None` on an unclosed quote and `Some((token, None))` for the
/// last token of the line.
pub(crate) fn strdelim(
    s: &[u8],
    pos: usize,
    split_equals: bool,
) -> Option<(Token<'_>, Option<usize>)> {
    let rest = &s[pos..];
    let stop = rest
        .iter()
        .position(|&b| is_ws(b) || b == b'"' || (split_equals && b == b'='));
    let Some(i) = stop else {
        return Some((
            Token {
                value: Cow::Borrowed(rest),
                span: pos..s.len(),
            },
            None,
        ));
    };
    let at = pos + i;
    if s[at] == b'"' {
        // The opening quote is removed; the token runs to the next quote.
        let close = s[at + 1..].iter().position(|&b| b == b'"')? + at + 1;
        let mut value = s[pos..at].to_vec();
        value.extend_from_slice(&s[at + 1..close]);
        let mut next = close + 1;
        while next < s.len() && is_ws(s[next]) {
            next += 1;
        }
        return Some((
            Token {
                value: Cow::Owned(value),
                span: pos..close + 1,
            },
            Some(next),
        ));
    }
    let was_equals = split_equals && s[at] == b'=';
    let mut next = at + 1;
    while next < s.len() && is_ws(s[next]) {
        next += 1;
    }
    if split_equals && !was_equals && next < s.len() && s[next] == b'=' {
        next += 1;
        while next < s.len() && is_ws(s[next]) {
            next += 1;
        }
    }
    Some((
        Token {
            value: Cow::Borrowed(&s[pos..at]),
            span: pos..at,
        },
        Some(next),
    ))
}

/// Why a line's arguments cannot be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A quote that is never closed (OpenSSH: "invalid quotes").
    InvalidQuotes,
}

/// `argv_split(s, .., terminate_on_comment = 1)` of misc.c: whitespace (space, tab) separates
/// tokens, `"` and `'` quote, `\` escapes a quote, a backslash or (outside quotes) a space, and a
/// token that starts with `#` ends the line. `base` is added to every span.
pub(crate) fn argv_split(s: &[u8], base: usize) -> Result<Vec<Token<'_>>, SplitError> {
    Argv { s, i: 0, base }.collect()
}

/// The value of the first token [`Argv`] reads in `s` (`None`: none, or an unclosed quote):
/// a plain word (most values) is found in one scan and borrowed, without making the token.
#[inline]
pub(crate) fn first_arg(s: &[u8]) -> Option<Cow<'_, [u8]>> {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    if i >= s.len() || s[i] == b'#' {
        return None;
    }
    let start = i;
    while i < s.len() && !TOKEN_STOP[usize::from(s[i])] {
        i += 1;
    }
    if i >= s.len() || s[i] == b' ' || s[i] == b'\t' {
        return Some(Cow::Borrowed(&s[start..i]));
    }
    Argv::new(s, 0).next()?.ok().map(|t| t.value)
}

/// [`argv_split`] one token at a time, without a vector. An unclosed quote is reported when the
/// token that opens it is reached.
#[derive(Clone)]
pub(crate) struct Argv<'a> {
    s: &'a [u8],
    i: usize,
    base: usize,
}

impl<'a> Argv<'a> {
    /// Tokens of `s`; `base` is added to every span.
    pub(crate) fn new(s: &'a [u8], base: usize) -> Argv<'a> {
        Argv { s, i: 0, base }
    }
}

/// The bytes that end an unquoted token's plain run: a blank, a quote, a backslash.
static TOKEN_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

impl<'a> Iterator for Argv<'a> {
    type Item = Result<Token<'a>, SplitError>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        let mut i = self.i;
        while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
            i += 1;
        }
        if i >= s.len() || s[i] == b'#' {
            self.i = s.len();
            return None;
        }
        let start = i;
        // Fast path: a token without quotes or backslashes is its own text (its end found
        // through a table: one load a byte instead of five comparisons).
        while i < s.len() && !TOKEN_STOP[usize::from(s[i])] {
            i += 1;
        }
        if i >= s.len() || s[i] == b' ' || s[i] == b'\t' {
            self.i = i;
            return Some(Ok(Token {
                value: Cow::Borrowed(&s[start..i]),
                span: self.base + start..self.base + i,
            }));
        }
        // A whole token in one pair of quotes, with no backslash inside and a blank or the end
        // after it (`"~/.ssh/id"`): its value is the text between the quotes.
        if i == start && matches!(s[i], b'"' | b'\'') {
            let q = s[i];
            if let Some(len) = s[i + 1..].iter().position(|&b| b == q || b == b'\\')
                && s[i + 1 + len] == q
                && matches!(s.get(i + 2 + len), None | Some(b' ' | b'\t'))
            {
                let end = i + 2 + len;
                self.i = end;
                return Some(Ok(Token {
                    value: Cow::Borrowed(&s[i + 1..i + 1 + len]),
                    span: self.base + start..self.base + end,
                }));
            }
        }
        let mut quote = 0u8;
        let mut value = Vec::with_capacity(s.len() - start);
        value.extend_from_slice(&s[start..i]);
        while i < s.len() {
            let c = s[i];
            if c == b'\\' {
                let next = s.get(i + 1).copied();
                if matches!(next, Some(b'\'' | b'"' | b'\\')) || (quote == 0 && next == Some(b' '))
                {
                    i += 1;
                    value.push(s[i]);
                } else {
                    value.push(c);
                }
            } else if quote == 0 && (c == b' ' || c == b'\t') {
                break;
            } else if quote == 0 && (c == b'"' || c == b'\'') {
                quote = c;
            } else if quote != 0 && c == quote {
                quote = 0;
            } else {
                value.push(c);
            }
            i += 1;
        }
        self.i = i;
        if i >= s.len() && quote != 0 {
            self.i = s.len();
            return Some(Err(SplitError::InvalidQuotes));
        }
        Some(Ok(Token {
            value: Cow::Owned(value),
            span: self.base + start..self.base + i,
        }))
    }
}

/// The keyword of a line and where its arguments start, as `process_config_line` finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineShape<'a> {
    /// Blank, or only whitespace.
    Blank,
    /// A comment: the first token starts with `#`.
    Comment,
    /// A keyword; `args` is where the argument text starts (`None`: no argument).
    Directive {
        keyword: Token<'a>,
        args: Option<usize>,
    },
    /// A `"` opened in the keyword and never closed: OpenSSH silently ignores the line.
    BadKeywordQuote,
}

/// Classify a line's effective text (see [`effective_line`]): a fast path for the common
/// spellings, and [`shape_general`] (a literal reading of `strdelim`) for the rest. Both give the
/// same answer (a property test checks it).
pub(crate) fn shape(line: &[u8]) -> LineShape<'_> {
    let n = line.len();
    let mut p = 0;
    while p < n && is_ws(line[p]) {
        p += 1;
    }
    if p == n {
        return LineShape::Blank;
    }
    if matches!(line[p], b'=' | b'"') {
        return shape_general(line);
    }
    let mut q = p;
    while q < n && !is_ws(line[q]) && line[q] != b'=' && line[q] != b'"' {
        q += 1;
    }
    if q < n && line[q] == b'"' {
        return shape_general(line);
    }
    if line[p] == b'#' {
        return LineShape::Comment;
    }
    let keyword = Token {
        value: Cow::Borrowed(&line[p..q]),
        span: p..q,
    };
    if q == n {
        return LineShape::Directive {
            keyword,
            args: None,
        };
    }
    let was_equals = line[q] == b'=';
    let mut r = q + 1;
    while r < n && is_ws(line[r]) {
        r += 1;
    }
    if !was_equals && r < n && line[r] == b'=' {
        r += 1;
        while r < n && is_ws(line[r]) {
            r += 1;
        }
    }
    LineShape::Directive {
        keyword,
        args: (r < n).then_some(r),
    }
}

/// [`shape`] as `process_config_line` computes it, call by call.
pub(crate) fn shape_general(line: &[u8]) -> LineShape<'_> {
    if line.is_empty() {
        return LineShape::Blank;
    }
    let Some((mut kw, mut next)) = strdelim(line, 0, true) else {
        return LineShape::BadKeywordQuote;
    };
    if kw.value.is_empty() {
        match next {
            None => return LineShape::Blank,
            Some(p) if p >= line.len() => return LineShape::Blank,
            Some(p) => match strdelim(line, p, true) {
                Some((k, n)) => {
                    kw = k;
                    next = n;
                }
                None => return LineShape::BadKeywordQuote,
            },
        }
    }
    if kw.value.is_empty() {
        return LineShape::Blank;
    }
    if kw.value[0] == b'#' || kw.value[0] == b'\n' {
        return LineShape::Comment;
    }
    let args = next.and_then(|mut p| {
        while p < line.len() && is_ws(line[p]) {
            p += 1;
        }
        (p < line.len()).then_some(p)
    });
    LineShape::Directive { keyword: kw, args }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        argv_split(s.as_bytes(), 0)
            .unwrap()
            .into_iter()
            .map(|t| String::from_utf8(t.value.into_owned()).unwrap())
            .collect()
    }

    #[test]
    fn argv_split_follows_misc_c() {
        assert_eq!(words("a b\tc"), ["a", "b", "c"]);
        assert_eq!(words("h17# node"), ["h17#", "node"]);
        assert_eq!(words("a # comment"), ["a"]);
        assert_eq!(words(r#""a b" 'c d'"#), ["a b", "c d"]);
        assert_eq!(words(r"a\ b c\q"), ["a b", r"c\q"]);
        assert_eq!(words(r#"x"y z"w"#), ["xy zw"]);
        assert_eq!(
            argv_split(b"\"open", 0),
            Err(SplitError::InvalidQuotes),
            "unclosed quote"
        );
    }

    #[test]
    fn keyword_shapes() {
        let kw = |s: &str| match shape(s.as_bytes()) {
            LineShape::Directive { keyword, args } => (
                String::from_utf8(keyword.value.into_owned()).unwrap(),
                args.map(|a| s[a..].to_string()),
            ),
            other => panic!("{other:?}"),
        };
        assert_eq!(kw("Host a"), ("Host".into(), Some("a".into())));
        assert_eq!(kw("  Host=a"), ("Host".into(), Some("a".into())));
        assert_eq!(kw("Host = a"), ("Host".into(), Some("a".into())));
        assert_eq!(kw("\"Host\" a"), ("Host".into(), Some("a".into())));
        assert_eq!(kw("Host"), ("Host".into(), None));
        assert_eq!(shape(b"   "), LineShape::Blank);
        assert_eq!(shape(b"  # x"), LineShape::Comment);
        assert_eq!(shape(b"#x"), LineShape::Comment);
    }

    /// A token's value and span.
    type Word = (Vec<u8>, Range<usize>);

    /// misc.c `argv_split` read literally, one byte at a time (no fast path): the tokens' values
    /// and spans, or the unclosed quote.
    fn argv_literal(s: &[u8]) -> Result<Vec<Word>, SplitError> {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
                i += 1;
            }
            if i >= s.len() || s[i] == b'#' {
                return Ok(out);
            }
            let start = i;
            let (mut quote, mut value) = (0u8, Vec::new());
            while i < s.len() {
                let c = s[i];
                if c == b'\\' {
                    let next = s.get(i + 1).copied();
                    if matches!(next, Some(b'\'' | b'"' | b'\\'))
                        || (quote == 0 && next == Some(b' '))
                    {
                        i += 1;
                        value.push(s[i]);
                    } else {
                        value.push(c);
                    }
                } else if quote == 0 && (c == b' ' || c == b'\t') {
                    break;
                } else if quote == 0 && (c == b'"' || c == b'\'') {
                    quote = c;
                } else if quote != 0 && c == quote {
                    quote = 0;
                } else {
                    value.push(c);
                }
                i += 1;
            }
            if quote != 0 {
                return Err(SplitError::InvalidQuotes);
            }
            out.push((value, start..i));
        }
    }

    proptest::proptest! {
        /// The first argument read in one scan is the value of `Argv`'s first token.
        #[test]
        fn the_first_argument_is_argv_s_first_token(line in proptest::collection::vec(
            proptest::sample::select(b" \t\"#aZ\\'=".to_vec()), 0..10)) {
            let want = Argv::new(&line, 0).next().and_then(Result::ok).map(|t| t.value);
            proptest::prop_assert_eq!(first_arg(&line), want);
        }

        #[test]
        fn argv_fast_paths_agree_with_misc_c(line in proptest::collection::vec(
            proptest::sample::select(b" \t\"#aZ\\'".to_vec()), 0..14)) {
            let fast: Result<Vec<_>, _> = Argv::new(&line, 0)
                .map(|t| t.map(|t| (t.value.into_owned(), t.span)))
                .collect();
            proptest::prop_assert_eq!(fast, argv_literal(&line));
        }

        /// A keyword line's argument text that the window reads as one word in quotes is one
        /// word to `argv_split`: the text inside the quotes, not empty.
        #[test]
        fn a_quoted_word_is_one_word_to_argv_split(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "\"", "'", "a", "~/.ssh/id", " ", "\t", "\\", "#", "=", "*", "\r", "\n",
            ]),
            0..7,
        )) {
            let mut bytes = b"User ".to_vec();
            bytes.extend(parts.concat().bytes());
            bytes.extend_from_slice(b"\n# a comment as long as a line's window, or longer\n");
            if let Some(ScannedLine {
                what: Scanned::Keyword { args: Some(a), quoted_word: true, .. },
                text_len,
                ..
            }) = scan_line(&bytes)
            {
                let raw = &bytes[a..text_len];
                let words: Vec<_> = Argv::new(raw, 0).map(|t| t.map(|t| t.value)).collect();
                proptest::prop_assert!(raw.len() > 2);
                proptest::prop_assert_eq!(words, vec![Ok(Cow::Borrowed(&raw[1..raw.len() - 1]))]);
            }
        }

        #[test]
        fn fast_shape_agrees_with_strdelim(line in proptest::collection::vec(
            proptest::sample::select(b" \t=\"#aZ\\'\x0c".to_vec()), 0..12)) {
            let line = effective_line(&line);
            proptest::prop_assert_eq!(shape(line), shape_general(line));
        }
    }

    #[test]
    fn lines_keep_their_endings() {
        let d = crate::Document::parse(b"a\r\nb\nc".to_vec());
        assert_eq!(d.line_count(), 3);
        assert_eq!(d.eol(0), Eol::CrLf);
        assert_eq!(d.eol(1), Eol::Lf);
        assert_eq!(d.eol(2), Eol::None);
        assert_eq!(crate::Document::parse(Vec::new()).line_count(), 0);
        assert_eq!(effective_line(b"Host a \t\x0c\r"), b"Host a");
        assert_eq!(effective_line(b"Host a\0b"), b"Host a");
    }
}
