//! C's `<ctype.h>` white space in the C locale, as the OpenSSH code this crate ports sees it.
//!
//! C's `isspace` counts the vertical tab (`\v`, 0x0B), which Rust's `u8::is_ascii_whitespace`
//! and `trim_ascii` leave out; so does everything built on `isspace`: `strtol`, `strtonum` and
//! `atoi` skip leading white space, `parse_forward` skips it before the first field, misc.c's
//! `rtrim` cuts a string at it. A port of such code uses [`is_space`].
//!
//! The lexer's own separators are other sets and stay so: readconf.c's `strdelim` splits on
//! `WHITESPACE` (`" \t\r\n"`), `argv_split` on space and tab alone.

/// C's `isspace` in the C locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `s` past its leading [`is_space`] bytes (where `strtol` and `parse_forward` start reading).
pub(crate) fn skip_space(s: &[u8]) -> &[u8] {
    let n = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    &s[n..]
}

/// [`skip_space`] of a `str`.
pub(crate) fn skip_space_str(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_space(c as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set is C's `isspace` in the C locale (C11 7.4.1.10): these six bytes, no other.
    #[test]
    fn is_space_is_c_isspace() {
        let c = [b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r'];
        for b in 0..=255u8 {
            assert_eq!(is_space(b), c.contains(&b), "{b:#x}");
        }
        assert_eq!(skip_space(b" \x0b\x0c\t1 2"), b"1 2");
        assert_eq!(skip_space_str("\x0b\r\n1455"), "1455");
        assert_eq!(skip_space(b" \x0b"), b"");
    }
}
