//! Text from a config shown on a terminal: its control bytes written visibly, so that a line
//! holding `ESC ] 0 ; ... BEL` (a title change, a hyperlink, a cursor move) or a lone CR
//! (which hides what comes before it) cannot drive the user's terminal.
//!
//! One rule for every output (the diff, the summary and notes, `status`, `doctor`, errors): on
//! a terminal, whether colour is on or off, every control character but tab and the line end
//! (LF, and a CR just before LF) is written as `\xNN` (a C0 byte or DEL) or `\u{NN}` (a C1
//! control encoded in UTF-8), and so is each of Unicode's bidirectional formatting characters
//! (`\u{202e}`: they make a terminal show text in another order than its bytes); a byte 0x80 to
//! 0x9f that is not part of UTF-8 (a C1 control on a terminal reading 8-bit bytes) as `\xNN`.
//! Other bytes, those not UTF-8 included, stay as they are. Written elsewhere (a pipe, a file)
//! the bytes are kept as they are: the diff must stay usable by `patch`.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether output to a stream shows control bytes visibly: on a terminal, whatever the colour;
/// elsewhere (a pipe, a file) never. `colour` is taken to say so: it changes nothing.
pub(crate) fn shows_controls(terminal: bool, colour: bool) -> bool {
    let _ = colour;
    terminal
}

/// Whether `c` is written visibly (see the module's rule); `next` is the character after it.
fn hidden(c: char, next: Option<char>) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => next != Some('\n'),
        c => c.is_control() || bidi(c),
    }
}

/// Is `c` one of Unicode's bidirectional formatting characters (embeddings, overrides,
/// isolates and marks)? A terminal that honours them shows the text around them in another
/// order than the bytes have (a line of a diff that reads as something else: "Trojan Source",
/// CVE-2021-42574); they are written visibly as `\u{NNNN}`.
fn bidi(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `bytes` with their control bytes written visibly, by the module's rule (borrowed when it
/// has none).
pub(crate) fn visible(bytes: &[u8]) -> Cow<'_, [u8]> {
    let clean = |b: u8| matches!(b, b'\t' | b'\n' | 0x20..=0x7e | 0xa0..);
    if bytes.iter().all(|&b| clean(b)) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        let text = chunk.valid();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            // The character after `c`: in this chunk, or (when this one ends it) none, as the
            // next chunk starts with a byte that is not UTF-8.
            let next = chars.peek().map(|&(_, n)| n);
            if hidden(c, next) {
                match u32::from(c) {
                    n @ 0..=0x7f => out.extend_from_slice(format!("\\x{n:02x}").as_bytes()),
                    n => out.extend_from_slice(format!("\\u{{{n:x}}}").as_bytes()),
                }
            } else {
                out.extend_from_slice(&text.as_bytes()[i..i + c.len_utf8()]);
            }
        }
        for &b in chunk.invalid() {
            match b {
                0x80..=0x9f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
                b => out.push(b),
            }
        }
    }
    Cow::Owned(out)
}

/// [`visible`] of text.
pub(crate) fn visible_str(s: &str) -> Cow<'_, str> {
    match visible(s.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(s),
        // Only ASCII escapes replace characters of valid UTF-8.
        Cow::Owned(v) => Cow::Owned(String::from_utf8(v).expect("UTF-8 in, UTF-8 out")),
    }
}

/// `s` as written to a stream that is a terminal or not ([`shows_controls`]).
pub(crate) fn for_stream(s: &str, terminal: bool) -> Cow<'_, str> {
    match shows_controls(terminal, false) {
        true => visible_str(s),
        false => Cow::Borrowed(s),
    }
}

/// Write a line to stderr as [`for_stream`] shows it there.
pub(crate) fn eprintln(s: &str) {
    use std::io::IsTerminal as _;
    say!("{}", for_stream(s, io::stderr().is_terminal()));
}

/// The bytes of a diff as written to stdout: coloured when `colour`, with its control bytes
/// visible on a terminal ([`shows_controls`]), else the diff's bytes (as a pipe to `patch`
/// needs them; coloured only when asked with `--color always`).
pub(crate) fn diff_output(diff: &[u8], terminal: bool, colour: bool) -> Cow<'_, [u8]> {
    let shown = match shows_controls(terminal, colour) {
        true => visible(diff),
        false => Cow::Borrowed(diff),
    };
    match colour {
        true => Cow::Owned(crate::diff::styled(&shown)),
        false => shown,
    }
}

/// A writer that passes what is written through [`visible`] (for output with no styling of
/// its own: `status`).
pub(crate) struct Visible<W>(pub(crate) W);

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Whole writes only: a UTF-8 character cut between two would be judged apart.
        self.0.write_all(&visible(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A writer for JSON text that writes, as `\uNNNN` escapes, the characters JSON may carry as
/// they are but a terminal acts on or reorders: DEL, the C1 controls (U+0080 to U+009F),
/// Unicode's bidirectional formatting characters, and the line and paragraph separators. The
/// value a reader parses is the same; what reaches a terminal cannot drive it. (serde_json
/// escapes the C0 controls itself.) Put it under a `BufWriter`: it looks at large pieces, and
/// keeps the start of a character cut at the end of one for the next.
pub(crate) struct JsonSafe<W> {
    inner: W,
    /// The first bytes of a character to look at, cut at the end of the last write.
    carry: Vec<u8>,
}

impl<W: Write> JsonSafe<W> {
    /// A writer to `inner`.
    pub(crate) fn new(inner: W) -> JsonSafe<W> {
        JsonSafe {
            inner,
            carry: Vec::new(),
        }
    }
}

/// Is `c` written escaped by [`JsonSafe`]?
fn json_escaped(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}') || bidi(c)
}

impl<W: Write> Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Each character escaped starts with one of these bytes (DEL; U+0080-U+009F; U+061C;
        // U+200E-U+2069), and has this many bytes.
        let width = |b: u8| match b {
            0x7f => Some(1),
            0xc2 | 0xd8 => Some(2),
            0xe2 => Some(3),
            _ => None,
        };
        // (Most pieces: ASCII without DEL, written as they are.)
        if self.carry.is_empty() && buf.is_ascii() && memchr::memchr(0x7f, buf).is_none() {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        let joined;
        let data = match self.carry.is_empty() {
            true => buf,
            false => {
                joined = [std::mem::take(&mut self.carry), buf.to_vec()].concat();
                &joined[..]
            }
        };
        let (mut from, mut at) = (0, 0);
        while let Some(p) = data[at..].iter().position(|&b| width(b).is_some()) {
            let start = at + p;
            let end = start + width(data[start]).unwrap_or(1);
            if end > data.len() {
                // Cut here: looked at with the next write.
                self.inner.write_all(&data[from..start])?;
                self.carry.extend_from_slice(&data[start..]);
                return Ok(buf.len());
            }
            let c = std::str::from_utf8(&data[start..end])
                .ok()
                .and_then(|s| s.chars().next());
            if let Some(c) = c.filter(|&c| json_escaped(c)) {
                self.inner.write_all(&data[from..start])?;
                write!(self.inner, "\\u{:04x}", u32::from(c))?;
                from = end;
            }
            at = start + 1;
        }
        self.inner.write_all(&data[from..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // (Valid JSON ends with no character cut.)
        let carry = std::mem::take(&mut self.carry);
        self.inner.write_all(&carry)?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &[u8] =
        b"Host a\n  # \x1b]0;evil\x07 x\r\n  User good\rbad\x7f\n  # caf\xe9 \xc2\x9b2J \x9b\t\n";

    #[test]
    fn control_bytes_are_shown_and_others_kept() {
        let shown = visible(EVIL);
        assert_eq!(
            &*shown,
            &b"Host a\n  # \\x1b]0;evil\\x07 x\r\n  User good\\x0dbad\\x7f\n  # caf\xe9 \\u{9b}2J \\x9b\t\n"[..]
        );
        assert!(
            !shown
                .iter()
                .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        );
        // Nothing to show: borrowed, unchanged.
        let plain = b"Host a\n\tUser \xe9t\xe9 caf\xc3\xa9\n";
        assert!(matches!(visible(plain), Cow::Borrowed(_)));
        let crlf = b"Host a\r\n\tUser \xe9t\xe9 caf\xc3\xa9 \xe2\x80\x94\r\n";
        assert_eq!(&*visible(crlf), crlf);
        assert_eq!(visible_str("a\u{1b}[31mb"), "a\\x1b[31mb");
        // A CR ending the text is no line end.
        assert_eq!(visible_str("a\r"), "a\\x0d");
        // Bidirectional overrides, isolates and marks: shown, so the line reads in byte order.
        assert_eq!(
            visible_str("User a\u{202e}b\u{2066}c\u{2069}\u{200f}\u{61c} \u{2014}"),
            "User a\\u{202e}b\\u{2066}c\\u{2069}\\u{200f}\\u{61c} \u{2014}"
        );
    }

    /// On a terminal, colour on or off, no control byte of the config reaches it; elsewhere the
    /// diff's bytes are kept (coloured only when asked).
    #[test]
    fn the_terminal_decides_colour_does_not() {
        for colour in [false, true] {
            assert!(shows_controls(true, colour));
            assert!(!shows_controls(false, colour));
            let on_terminal = diff_output(EVIL, true, colour);
            // Only the colours' own escapes (ESC [ ... m) remain.
            let mut rest: &[u8] = &on_terminal;
            while let Some(p) = rest.iter().position(|&b| b == 0x1b) {
                let sgr = &rest[p + 1..];
                let end = sgr.iter().position(|&b| b == b'm').unwrap();
                assert!(
                    colour
                        && sgr[0] == b'['
                        && sgr[1..end].iter().all(|b| b.is_ascii_digit() || *b == b';')
                );
                rest = &sgr[end..];
            }
            assert!(!on_terminal.contains(&0x07));
            let piped = diff_output(EVIL, false, colour);
            match colour {
                false => assert_eq!(&*piped, EVIL),
                true => assert_eq!(&*piped, &crate::diff::styled(EVIL)[..]),
            }
        }
        assert_eq!(for_stream("\x1b", true), "\\x1b");
        assert_eq!(for_stream("\x1b", false), "\x1b");
    }

    /// JSON keeps its value (a reader parses the same string) and carries no character a
    /// terminal acts on or reorders.
    #[test]
    fn json_escapes_what_a_terminal_would_act_on() {
        let value =
            "a\u{1b}]0;x\u{7}\u{9b}2J\u{7f}b\u{202e}c\u{2066}\u{2028}\u{61c} \u{e9}\u{2014}";
        let mut w = JsonSafe::new(Vec::new());
        serde_json::to_writer_pretty(&mut w, &serde_json::json!({ "v": value })).unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(w.inner).unwrap();
        assert!(
            text.chars().all(|c| !c.is_control() || c == '\n') && !text.chars().any(json_escaped),
            "{text}"
        );
        assert!(
            text.contains(r"\u009b2J\u007fb\u202ec\u2066\u2028\u061c é—"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["v"], value);
        // Written in pieces cut anywhere (as a BufWriter hands them on), the same text.
        let bytes = serde_json::to_vec_pretty(&serde_json::json!({ "v": value })).unwrap();
        for cut in 1..bytes.len() {
            let mut w = JsonSafe::new(Vec::new());
            for piece in bytes.chunks(cut) {
                w.write_all(piece).unwrap();
            }
            w.flush().unwrap();
            assert_eq!(String::from_utf8(w.inner).unwrap(), text, "pieces of {cut}");
        }
    }

    #[test]
    fn a_visible_writer_shows_what_goes_through() {
        let mut w = Visible(Vec::new());
        writeln!(w, "a: hostname=\x1b]0;x\x07").unwrap();
        assert_eq!(w.0, b"a: hostname=\\x1b]0;x\\x07\n");
    }
}
