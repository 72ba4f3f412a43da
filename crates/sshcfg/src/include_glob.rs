//! glob(3) for `Include` paths, as the glob ssh calls reads them: readconf.c calls
//! `glob(path, GLOB_TILDE)`, and OpenSSH builds its own glob (openbsd-compat/glob.c, OpenBSD's)
//! wherever the C library's lacks `gl_matchc` or `gl_statv`, glibc's included. Its rules:
//!
//! - a backslash quotes the next byte (one that ends the pattern is itself), outside brackets
//!   and in them; the home directory `~` stands for is not read for quoting (glob(3) quotes the
//!   pattern before it expands `~`), though its `*`, `?` and `[` are magic;
//! - `*` is any bytes (`**` is `*`: there is no "any depth"), `?` any one byte, neither ever a
//!   `/`; `[...]` one byte of a set: `!` first negates it (`^` is a member like any other), a
//!   `]` first is a member, `a-z` a range (by byte value; `z-a` holds nothing; a `-` first or
//!   last is a member), `[:alpha:]` and the other eleven POSIX classes (of the C locale, by
//!   byte), and a `[` with no `]` after its first member is itself; an unknown class name
//!   makes the pattern match nothing;
//! - the pattern is matched a path component at a time: a component without magic is taken as
//!   written (not listed), one with magic is matched against the names of its directory
//!   (bytes, whatever their encoding), `.` and `..` among them; a name that starts with `.` is
//!   matched only by a component that starts with a literal `.` (no `GLOB_PERIOD`): `*` and
//!   `[.]x` skip dotfiles, `.*` lists them (with `.` and `..`);
//! - what the whole pattern names must exist (`lstat`: a dangling link counts); the paths are
//!   sorted by their bytes (`strcmp`), and a pattern that names nothing gives nothing.
//!
//! Two shapes glob.c gets wrong are read as matching nothing: a set holding a `/` (glob.c cuts
//! the pattern at every `/`, inside brackets too, and the halves match no name; checked with
//! `ssh -G`), and a set that a class runs to the end of the pattern (`[[:alpha:]`: glob.c reads
//! past the pattern's end; ssh 9.2p1 crashes on it).
//!
//! On Windows (OpenSSH for Windows has turned every backslash into `/` by the time it globs)
//! there is no quoting, and names are matched as their UTF-8 bytes; a name that is not Unicode
//! matches nothing.

use std::path::PathBuf;

/// The paths `glob(3)` lists for `pattern` (`~` already expanded by the caller): the first
/// `home` bytes of `pattern` are the home directory `~` stood for, read without quoting;
/// `quoting` says whether a backslash quotes the byte after it (on Unix; not for OpenSSH for
/// Windows). Sorted by bytes; empty when nothing matches.
pub(crate) fn glob(pattern: &[u8], home: usize, quoting: bool) -> Vec<PathBuf> {
    // A C string: a NUL ends it.
    let pattern = pattern.split(|&b| b == 0).next().unwrap_or_default();
    let Some(tokens) = compile(&quote(pattern, home, quoting)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(&tokens, &mut Vec::new(), false, &mut found);
    found.sort();
    found.into_iter().filter_map(path_of).collect()
}

/// A byte of the pattern and whether a backslash quoted it (then it is never magic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ch {
    /// The byte.
    byte: u8,
    /// Quoted by a backslash.
    quoted: bool,
}

impl Ch {
    /// Is this the unquoted byte `b`?
    fn is(self, b: u8) -> bool {
        !self.quoted && self.byte == b
    }
}

/// glob(3)'s first step: each byte, a backslash and the byte after it read as that byte quoted
/// (a backslash that ends the pattern quotes itself); the first `home` bytes are taken as they
/// are.
fn quote(pattern: &[u8], home: usize, quoting: bool) -> Vec<Ch> {
    let home = home.min(pattern.len());
    let mut out: Vec<Ch> = pattern[..home]
        .iter()
        .map(|&byte| Ch {
            byte,
            quoted: false,
        })
        .collect();
    let mut rest = pattern[home..].iter();
    while let Some(&byte) = rest.next() {
        out.push(if quoting && byte == b'\\' {
            Ch {
                byte: rest.next().copied().unwrap_or(b'\\'),
                quoted: true,
            }
        } else {
            Ch {
                byte,
                quoted: false,
            }
        });
    }
    out
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A byte that matches itself; `/` separates path components.
    Byte(u8),
    /// `?`: any one byte.
    One,
    /// `*` (a run of them is one): any bytes, none included.
    Any,
    /// `[...]`: one byte of a set.
    Set(Set),
}

impl Token {
    /// Is this magic (a component that holds one is listed, not taken as written)?
    fn magic(&self) -> bool {
        !matches!(self, Token::Byte(_))
    }
}

/// A bracket expression.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Set {
    /// `[!...]`: a byte not among the members.
    negated: bool,
    /// The members, in the order written.
    members: Vec<Member>,
}

impl Set {
    /// Does the set match the byte `b`?
    fn matches(&self, b: u8) -> bool {
        self.members.iter().any(|m| m.holds(b)) != self.negated
    }

    /// Does any member hold the byte `/` as written (a member or a range's end)? glob.c cuts
    /// the pattern there.
    fn names_slash(&self) -> bool {
        self.members.iter().any(|m| match *m {
            Member::Byte(b) => b == b'/',
            Member::Range(lo, hi) => lo == b'/' || hi == b'/',
            Member::Class(_) => false,
        })
    }
}

/// One member of a bracket expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    /// A byte.
    Byte(u8),
    /// `lo-hi`: the bytes from `lo` to `hi` (none when `hi < lo`).
    Range(u8, u8),
    /// `[:name:]`.
    Class(Class),
}

impl Member {
    /// Does the member hold the byte `b`?
    fn holds(self, b: u8) -> bool {
        match self {
            Member::Byte(x) => x == b,
            Member::Range(lo, hi) => lo <= b && b <= hi,
            Member::Class(c) => c.holds(b),
        }
    }
}

/// The POSIX character classes glob.c knows (charclass.h), as the C library's `is*` tests
/// answer for a byte: ASCII only (the C locale, and a UTF-8 one, class no byte above 127).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl Class {
    /// The class of a name as written between `[:` and `:]`.
    fn named(name: &[Ch]) -> Option<Class> {
        // A quoted byte spells no class name (glob.c compares the quoted bytes as they are).
        if name.iter().any(|c| c.quoted) {
            return None;
        }
        let name: Vec<u8> = name.iter().map(|c| c.byte).collect();
        Some(match &name[..] {
            b"alnum" => Class::Alnum,
            b"alpha" => Class::Alpha,
            b"blank" => Class::Blank,
            b"cntrl" => Class::Cntrl,
            b"digit" => Class::Digit,
            b"graph" => Class::Graph,
            b"lower" => Class::Lower,
            b"print" => Class::Print,
            b"punct" => Class::Punct,
            b"space" => Class::Space,
            b"upper" => Class::Upper,
            b"xdigit" => Class::Xdigit,
            _ => return None,
        })
    }

    /// Is `b` in the class?
    fn holds(self, b: u8) -> bool {
        match self {
            Class::Alnum => b.is_ascii_alphanumeric(),
            Class::Alpha => b.is_ascii_alphabetic(),
            Class::Blank => b == b' ' || b == b'\t',
            Class::Cntrl => b.is_ascii_control(),
            Class::Digit => b.is_ascii_digit(),
            Class::Graph => b.is_ascii_graphic(),
            Class::Lower => b.is_ascii_lowercase(),
            Class::Print => b.is_ascii_graphic() || b == b' ',
            Class::Punct => b.is_ascii_punctuation(),
            // C's isspace: space, \t, \n, \v, \f, \r (Rust's is_ascii_whitespace lacks \v).
            Class::Space => matches!(b, b' ' | b'\t'..=b'\r'),
            Class::Upper => b.is_ascii_uppercase(),
            Class::Xdigit => b.is_ascii_hexdigit(),
        }
    }
}

/// glob.c's `glob0`: the pattern compiled. `None` when it matches nothing whatever is on disk:
/// an unknown class name, a set that holds a `/`, or a set a class runs to the pattern's end
/// (see the module's notes).
fn compile(p: &[Ch]) -> Option<Vec<Token>> {
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        i += 1;
        if c.is(b'[') {
            match set(p, i)? {
                Some((set, next)) => {
                    if set.names_slash() {
                        return None;
                    }
                    out.push(Token::Set(set));
                    i = next;
                }
                // No `]` after the first member: the `[` is itself.
                None => out.push(Token::Byte(b'[')),
            }
        } else if c.is(b'?') {
            out.push(Token::One);
        } else if c.is(b'*') {
            if out.last() != Some(&Token::Any) {
                out.push(Token::Any);
            }
        } else {
            out.push(Token::Byte(c.byte));
        }
    }
    Some(out)
}

/// What a bracket expression or class parses to: `None` when the whole pattern matches nothing,
/// `Some(None)` when the text is no such thing, else it and the index just after it.
type Parsed<T> = Option<Option<(T, usize)>>;

/// The bracket expression whose `[` ends just before `p[i]`: `Some(None)` when it is no set
/// (the `[` is a plain byte), `Some(Some((set, index after its ]))`, or `None` when the whole
/// pattern matches nothing (an unknown class, or a class that runs to the end).
fn set(p: &[Ch], mut i: usize) -> Parsed<Set> {
    let negated = p.get(i).is_some_and(|c| c.is(b'!'));
    if negated {
        i += 1;
    }
    // A set needs a first member and a `]` after it.
    if i >= p.len() || !p[i + 1..].iter().any(|c| c.is(b']')) {
        return Some(None);
    }
    let mut members = Vec::new();
    // The first member is one whatever it is (`[]x]`, `[!]x]`).
    let mut c = p[i];
    i += 1;
    loop {
        if c.is(b'[') && p.get(i).is_some_and(|n| n.is(b':')) {
            // `[:name:]`, one or more in a row; a `[:` with no `:]` after it is a plain `[`.
            let mut classed = false;
            while c.is(b'[') && p.get(i).is_some_and(|n| n.is(b':')) {
                match class(p, i)? {
                    Some((class, next)) => {
                        members.push(Member::Class(class));
                        classed = true;
                        // Past the end: glob.c reads beyond the pattern (ssh crashes).
                        c = *p.get(next)?;
                        i = next + 1;
                    }
                    None => break,
                }
            }
            if classed && c.is(b']') {
                break;
            }
        }
        // `c-x` is a range unless x is the closing `]`.
        match (p.get(i), p.get(i + 1)) {
            (Some(dash), Some(hi)) if dash.is(b'-') && !hi.is(b']') => {
                members.push(Member::Range(c.byte, hi.byte));
                i += 2;
            }
            _ => members.push(Member::Byte(c.byte)),
        }
        c = *p.get(i)?;
        i += 1;
        if c.is(b']') {
            break;
        }
    }
    Some(Some((Set { negated, members }, i)))
}

/// glob.c's `g_charclass`, at the `:` of a `[:` (`p[i]`): `Some(Some((class, index after
/// :]))`, `Some(None)` when no `:]` follows the first `:` after it (not a class), `None` for an
/// unknown class name (the pattern matches nothing).
fn class(p: &[Ch], i: usize) -> Parsed<Class> {
    let name = i + 1;
    let Some(colon) = p[name..].iter().position(|c| c.is(b':')).map(|k| name + k) else {
        return Some(None);
    };
    if !p.get(colon + 1).is_some_and(|c| c.is(b']')) {
        return Some(None);
    }
    Some(Some((Class::named(&p[name..colon])?, colon + 2)))
}

/// Does the component `pat` (no `/` in it) match the name `name`? `*` backtracks to its last
/// place only (Russ Cox's way, as glob.c's `match` does), so no pattern takes exponential time.
fn matches(pat: &[Token], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    // After the last `*`: where the pattern goes on, and where in the name it was last tried.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(t) = pat.get(p) {
            let ok = match t {
                Token::Any => {
                    p += 1;
                    if p == pat.len() {
                        return true;
                    }
                    star = Some((p, n));
                    continue;
                }
                Token::One => n < name.len(),
                Token::Set(s) => name.get(n).is_some_and(|&b| s.matches(b)),
                Token::Byte(b) => name.get(n) == Some(b),
            };
            if ok {
                p += 1;
                n += 1;
                continue;
            }
        } else if n == name.len() {
            return true;
        }
        // A mismatch: the last `*` takes one byte more, if there is one.
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp;
                n = sn + 1;
            }
            _ => return false,
        }
    }
}

/// glob.c's `glob2`/`glob3`: the rest of the pattern `rest` under the path `path` so far
/// (`listed`: its last component came from a directory listing, so it exists). Components
/// without magic are appended as written, with the `/`s after them; one with magic is matched
/// against the names of the directory so far (`.` when there is none yet). A whole path is
/// kept when it exists.
fn walk(rest: &[Token], path: &mut Vec<u8>, listed: bool, found: &mut Vec<Vec<u8>>) {
    let mut rest = rest;
    let mut listed = listed;
    loop {
        if rest.is_empty() {
            if listed || path_of(path.clone()).is_some_and(|p| p.symlink_metadata().is_ok()) {
                found.push(path.clone());
            }
            return;
        }
        let end = rest
            .iter()
            .position(|t| *t == Token::Byte(b'/'))
            .unwrap_or(rest.len());
        let (component, after) = rest.split_at(end);
        if component.iter().any(Token::magic) {
            list(component, after, path, found);
            return;
        }
        // Taken as written, with the separators after it.
        path.extend(component.iter().filter_map(|t| match t {
            Token::Byte(b) => Some(*b),
            _ => None,
        }));
        let seps = after
            .iter()
            .take_while(|t| **t == Token::Byte(b'/'))
            .count();
        path.extend(std::iter::repeat_n(b'/', seps));
        rest = &after[seps..];
        listed = false;
    }
}

/// The names of the directory `path` that `component` matches, each walked on with `rest`.
fn list(component: &[Token], rest: &[Token], path: &mut Vec<u8>, found: &mut Vec<Vec<u8>>) {
    let dir = if path.is_empty() {
        Some(PathBuf::from("."))
    } else {
        path_of(path.clone())
    };
    let Some(Ok(entries)) = dir.map(std::fs::read_dir) else {
        return; // not a directory, or unreadable: nothing under it
    };
    // A leading `.` of a name is matched only by a literal `.`; then `.` and `..` are names
    // too (readdir lists them; Rust's read_dir does not).
    let dot = component.first() == Some(&Token::Byte(b'.'));
    let dots = [b".".to_vec(), b"..".to_vec()];
    let names = entries
        .filter_map(|e| name_bytes(e.ok()?.file_name()))
        .chain(dot.then_some(dots).into_iter().flatten());
    let len = path.len();
    for name in names {
        if (name.first() == Some(&b'.') && !dot) || !matches(component, &name) {
            continue;
        }
        path.extend_from_slice(&name);
        walk(rest, path, true, found);
        path.truncate(len);
    }
}

/// A path from its bytes (on Windows, UTF-8; `None` when they are not).
#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt as _;
    Some(std::ffi::OsString::from_vec(bytes).into())
}

/// A path from its bytes (on Windows, UTF-8; `None` when they are not).
#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> Option<PathBuf> {
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

/// A directory entry's name as the bytes glob(3) matches (on Windows its UTF-8; `None` for a
/// name that is not Unicode).
#[cfg(unix)]
fn name_bytes(name: std::ffi::OsString) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStringExt as _;
    Some(name.into_vec())
}

/// A directory entry's name as the bytes glob(3) matches (on Windows its UTF-8; `None` for a
/// name that is not Unicode).
#[cfg(not(unix))]
fn name_bytes(name: std::ffi::OsString) -> Option<Vec<u8>> {
    name.into_string().ok().map(String::into_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Does `pattern` (one component, quoting on, no home) match `name`? `None` when the
    /// pattern matches nothing at all.
    fn m(pattern: &str, name: &[u8]) -> Option<bool> {
        let tokens = compile(&quote(pattern.as_bytes(), 0, true))?;
        assert!(!tokens.contains(&Token::Byte(b'/')), "{pattern}");
        Some(matches(&tokens, name))
    }

    /// A pattern, names it matches, names it does not.
    type Case<'a> = (&'a str, &'a [&'a [u8]], &'a [&'a [u8]]);

    /// Every case.
    #[test]
    fn components_match_as_glob_c_matches_them() {
        let cases: &[Case<'_>] = &[
            // (A name's leading `.` is the walk's rule, not the matcher's: see below.)
            ("*", &[b"a", b"abc", b".x", b""], &[]),
            ("a*", &[b"a", b"ab", b"a.b"], &[b"b", b"ba"]),
            (
                "*.conf",
                &[b".conf", b"x.conf", b"a.conf.conf"],
                &[b"x.con", b"x.confx"],
            ),
            (
                "a*b*c",
                &[b"abc", b"aXbYc", b"abbc", b"acbc"],
                &[b"acb", b"ab"],
            ),
            // `**` is `*`: there is no "any depth".
            ("**", &[b"a", b""], &[]),
            ("x**y", &[b"xy", b"xaby"], &[b"x"]),
            ("?", &[b"a", b".", b"\xe9"], &[b"", b"ab"]),
            ("??", &[b"ab", "\u{e9}".as_bytes()], &[b"a"]),
            // Sets: `!` negates, `^` does not, `]` first is a member.
            ("[ab]", &[b"a", b"b"], &[b"c", b"ab", b""]),
            ("[!ab]", &[b"c", b"]", b"\xe9"], &[b"a", b"b"]),
            ("[^a]", &[b"^", b"a"], &[b"b"]),
            ("[]]", &[b"]"], &[b"["]),
            ("[]a]", &[b"]", b"a"], &[b"b"]),
            ("[!]]", &[b"a"], &[b"]"]),
            ("x[\\]]", &[b"x]"], &[b"x\\", b"x"]),
            ("[!\\]]", &[b"a", b"\\"], &[b"]"]),
            ("[\\!]", &[b"!"], &[b"a"]),
            ("[a\\-c]", &[b"a", b"-", b"c"], &[b"b"]),
            ("[\\a-c]", &[b"a", b"b", b"c"], &[b"\\", b"d"]),
            // Ranges by byte value; reversed holds nothing; `-` first or last is a member.
            ("[a-c]", &[b"a", b"b", b"c"], &[b"d", b"A"]),
            ("[c-a]", &[], &[b"a", b"b", b"c"]),
            ("[a-]", &[b"a", b"-"], &[b"b"]),
            ("[-a]", &[b"a", b"-"], &[b"b"]),
            ("[.-0]", &[b".", b"0"], &[b"1"]),
            // POSIX classes, one or several, with members; ASCII only.
            (
                "[[:alpha:]]",
                &[b"a", b"Z"],
                &[b"1", b"\xe9", b"_", b"[", b":"],
            ),
            ("[[:digit:]]", &[b"0", b"9"], &[b"a"]),
            ("[[:alnum:]]", &[b"a", b"0"], &[b"-"]),
            ("[[:upper:]]", &[b"A"], &[b"a"]),
            ("[[:lower:]]", &[b"a"], &[b"A"]),
            ("[[:xdigit:]]", &[b"f", b"F", b"0"], &[b"g"]),
            ("[[:space:]]", &[b" ", b"\t", b"\x0b", b"\r"], &[b"a"]),
            ("[[:blank:]]", &[b" ", b"\t"], &[b"\n"]),
            ("[[:punct:]]", &[b"!", b"-", b"[", b"~"], &[b"a", b" "]),
            ("[[:cntrl:]]", &[b"\x01", b"\x7f"], &[b" "]),
            ("[[:print:]]", &[b" ", b"~"], &[b"\x7f"]),
            ("[[:graph:]]", &[b"~"], &[b" "]),
            ("[[:alpha:][:punct:]]", &[b"a", b"!"], &[b"1"]),
            ("[[:alpha:]:]", &[b"a", b":"], &[b"1"]),
            ("[[:alpha:]-]", &[b"a", b"-"], &[b"1"]),
            ("[![:alpha:]]", &[b"1"], &[b"a"]),
            ("[x[:digit:]]", &[b"x", b"1"], &[b"a"]),
            // `[:` with no `:]` after it: `[` and `:` are members.
            ("[[:alpha]]", &[b"a]", b"[]", b":]"], &[b"a", b"b]"]),
            // No `]` after the first member: `[` is itself.
            ("[", &[b"["], &[b"a"]),
            ("[x", &[b"[x"], &[b"x"]),
            ("[]", &[b"[]"], &[b"]"]),
            ("[!]", &[b"[!]"], &[b"a"]),
            ("\\[x]", &[b"[x]"], &[b"x"]),
            ("[[]x", &[b"[x"], &[b"x"]),
            // Quoting: the byte itself; a trailing backslash is itself.
            ("s\\*", &[b"s*"], &[b"sa"]),
            ("x\\y", &[b"xy"], &[b"x\\y"]),
            ("x\\\\y", &[b"x\\y"], &[b"xy"]),
            ("x\\", &[b"x\\"], &[b"x"]),
            ("\\?", &[b"?"], &[b"a"]),
            // Bytes that are not UTF-8 match as bytes.
            ("\u{e9}*", &["\u{e9}t".as_bytes()], &[b"\xe9t"]),
            ("[\u{e9}]?", &[b"\xc3\xa9", b"\xa9\xc3"], &[b"\xe9"]),
        ];
        for (pattern, yes, no) in cases {
            for name in *yes {
                assert_eq!(m(pattern, name), Some(true), "{pattern:?} {name:?}");
            }
            for name in *no {
                assert_eq!(m(pattern, name), Some(false), "{pattern:?} {name:?}");
            }
        }
    }

    /// Ranges are by byte value, bytes above 127 too.
    #[test]
    fn ranges_take_any_byte() {
        let tokens = compile(&quote(b"[\x80-\xff]", 0, true)).unwrap();
        assert!(matches(&tokens, b"\xe9"));
        assert!(matches(&tokens, b"\x80"));
        assert!(!matches(&tokens, b"a"));
    }

    /// Patterns that match nothing whatever is on disk: an unknown class, a set holding `/`,
    /// a class that runs to the end.
    #[test]
    fn some_patterns_match_nothing() {
        for p in [
            "[[:foo:]]",
            "[[:Alpha:]]",
            "[[:\\alpha:]]",
            "a[/]b",
            "a[!/]b",
            "[.-/]",
            "[\\/]",
            "[[:alpha:]",
            "x[[:alpha:][:digit:]",
        ] {
            assert_eq!(compile(&quote(p.as_bytes(), 0, true)), None, "{p}");
        }
        // A quoted `:` or `]` does not end a class name: `[:alpha\:]` is no class, so `[`,
        // `:` and the letters are members.
        assert_eq!(m("[[:alpha\\:]]", b"a]"), Some(true));
    }

    /// `*` runs collapse to one, so `**` is `*`; the home directory is not read for quoting
    /// but its magic stays magic; without quoting a backslash is a byte.
    #[test]
    fn compiling_follows_glob_0() {
        let t = |p: &str, home: usize, quoting: bool| {
            compile(&quote(p.as_bytes(), home, quoting)).unwrap()
        };
        assert_eq!(t("a**b", 0, true), t("a*b", 0, true));
        assert_eq!(
            t("/h\\x/f", 0, true),
            [b'/', b'h', b'x', b'/', b'f'].map(Token::Byte)
        );
        assert_eq!(
            t("/h\\x/f", 4, true),
            [b'/', b'h', b'\\', b'x', b'/', b'f'].map(Token::Byte)
        );
        assert_eq!(
            t("/h\\x/\\f", 4, true),
            [b'/', b'h', b'\\', b'x', b'/', b'f'].map(Token::Byte)
        );
        assert_eq!(t("/h[x]/f", 7, true)[2], t("[x]", 0, true)[0]);
        assert_eq!(t("a\\b", 0, false), [b'a', b'\\', b'b'].map(Token::Byte));
        assert_eq!(t("\\*", 0, true), [Token::Byte(b'*')]);
        assert_eq!(t("\\", 0, true), [Token::Byte(b'\\')]);
    }

    /// A name of a thousand `a`s against `a*a*...*b` fails at once, not after exponential time.
    #[test]
    fn stars_do_not_backtrack_exponentially() {
        let name = vec![b'a'; 1000];
        let pattern = "a*".repeat(50) + "b";
        assert_eq!(m(&pattern, &name), Some(false));
        assert_eq!(m(&("a*".repeat(50) + "a"), &name), Some(true));
    }

    /// The walk: literal components are not listed, magic ones are; dotfiles only for a
    /// literal `.`, with `.` and `..`; `**` is one level; results sorted by bytes.
    #[test]
    fn the_walk_lists_a_component_at_a_time() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            "a.conf",
            "b.conf",
            ".h.conf",
            "sub/c.conf",
            "sub/deep/d.conf",
            "x-y/c.conf",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let root_s = root.to_str().unwrap().replace('\\', "/");
        let g = |pattern: &str| -> Vec<String> {
            let full = format!("{root_s}/{pattern}");
            glob(full.as_bytes(), 0, cfg!(unix))
                .into_iter()
                .map(|p| {
                    let s = p.to_str().unwrap().replace('\\', "/");
                    s[root_s.len() + 1..].to_string()
                })
                .collect()
        };
        assert_eq!(g("*.conf"), ["a.conf", "b.conf"]);
        assert_eq!(g(".*"), [".", "..", ".h.conf"]);
        assert_eq!(g("[.]*"), Vec::<String>::new());
        assert_eq!(g("?h.conf"), Vec::<String>::new());
        assert_eq!(g("**/*.conf"), ["sub/c.conf", "x-y/c.conf"]);
        assert_eq!(g("*/c.conf"), ["sub/c.conf", "x-y/c.conf"]);
        assert_eq!(g("*/*/d.conf"), ["sub/deep/d.conf"]);
        assert_eq!(g("*/"), ["sub/", "x-y/"]);
        assert_eq!(g("sub//c.conf"), ["sub//c.conf"]);
        assert_eq!(g("a.conf"), ["a.conf"]);
        assert_eq!(g("missing.conf"), Vec::<String>::new());
        assert_eq!(g("missing/*"), Vec::<String>::new());
        assert_eq!(g("a.conf/*"), Vec::<String>::new());
        assert_eq!(g("[[:alpha:]].conf"), ["a.conf", "b.conf"]);
        assert_eq!(g("[[:nope:]].conf"), Vec::<String>::new());
    }
}
