//! The value parsers of readconf.c and misc.c that decide whether ssh accepts an argument:
//! each answers without allocating for a value that is fine.

use crate::ctype::{is_space, skip_space};
use crate::expand::{dollar_expand, dollar_ok};

/// `strtoll`-style: optional leading whitespace and sign, then base-`radix` digits. Returns the
/// value (saturated) and the rest; `None` when there is no digit.
fn strtol(s: &[u8], radix: u32) -> Option<(i128, &[u8])> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut radix = radix;
    if radix == 0 {
        radix = if s[i..].len() > 1 && s[i] == b'0' && s[i + 1] | 0x20 == b'x' {
            if s.get(i + 2).is_some_and(u8::is_ascii_hexdigit) {
                i += 2;
                16
            } else {
                10
            }
        } else if s.get(i) == Some(&b'0') {
            8
        } else {
            10
        };
    }
    let start = i;
    let mut v: i128 = 0;
    while let Some(d) = s.get(i).and_then(|&b| (b as char).to_digit(radix)) {
        v = (v * radix as i128 + d as i128).min(i128::from(i64::MAX) + 1);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, &s[i..]))
}

/// misc.c `convtime`: seconds, or `None` when ssh refuses the interval.
pub(crate) fn convtime(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut p = s;
    while !p.is_empty() {
        let (secs, rest) = strtol(p, 10)?;
        if secs < 0 || secs > i128::from(i64::MAX) {
            return None;
        }
        let (mult, rest) = match rest.first().map(u8::to_ascii_lowercase) {
            None => (1, rest),
            Some(b's') => (1, &rest[1..]),
            Some(b'm') => (60, &rest[1..]),
            Some(b'h') => (3600, &rest[1..]),
            Some(b'd') => (86400, &rest[1..]),
            Some(b'w') => (604800, &rest[1..]),
            Some(_) => return None,
        };
        let secs = secs as i64;
        if secs > i32::MAX as i64 / mult {
            return None;
        }
        let secs = secs * mult;
        if total > i32::MAX as i64 - secs {
            return None;
        }
        total += secs;
        p = rest;
    }
    Some(total)
}

/// misc.c `atoi_err`: `None` when fine, else ssh's reason ("missing", "invalid", "too small",
/// "too large").
pub(crate) fn atoi_err(s: Option<&[u8]>) -> Option<&'static str> {
    let s = match s {
        None | Some(b"") => return Some("missing"),
        Some(s) => s,
    };
    strtonum(s, 0, i32::MAX as i64).err()
}

/// The value readconf.c's `parse_int` stores (`atoi_err`: `strtonum` from 0 to `INT_MAX`, so
/// leading blanks and a sign are read: `" 0"`, `+00`, `-0` are 0), or `None` where ssh refuses
/// it while reading the line.
pub(crate) fn parse_int(s: &[u8]) -> Option<i64> {
    strtonum(s, 0, i32::MAX as i64).ok()
}

/// OpenBSD `strtonum`.
fn strtonum(s: &[u8], min: i64, max: i64) -> Result<i64, &'static str> {
    match strtol(s, 10) {
        Some((v, b"")) => {
            if v > i128::from(i64::MAX) || v > i128::from(max) {
                Err("too large")
            } else if v < i128::from(min) {
                Err("too small")
            } else {
                Ok(v as i64)
            }
        }
        _ => Err("invalid"),
    }
}

/// misc.c `a2port` as a yes/no: is this a port ssh takes (a number up to 65535 or a service
/// name), and not zero? A service name is looked up in the services database when there is one.
pub(crate) fn port_ok(s: &[u8]) -> bool {
    a2port(s).is_some_and(|p| p > 0)
}

/// `a2port`: `None` for -1.
pub(crate) fn a2port(s: &[u8]) -> Option<u16> {
    match strtonum(s, 0, 65535) {
        Ok(p) => Some(p as u16),
        Err(_) => {
            let name = std::str::from_utf8(s).ok()?;
            if name.is_empty() || name.bytes().any(is_space) {
                return None;
            }
            match crate::forward::service_port(name) {
                Some(p) => p,
                // No services database to ask: the name is taken as valid.
                None => Some(1),
            }
        }
    }
}

/// Bytes as ssh's log prints them on stderr (log.c: `strnvis` with `VIS_SAFE | VIS_OCTAL`):
/// printable ASCII, space, tab, newline, CR, backspace and BEL as they are, a backslash doubled,
/// every other byte (non-ASCII ones included) as `\` and three octal digits.
pub(crate) fn vis(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b' ' | b'\t' | b'\n' | b'\r' | 0x08 | 0x07 => out.push(char::from(b)),
            _ if b.is_ascii_graphic() => out.push(char::from(b)),
            _ => {
                use std::fmt::Write;
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out
}

/// `strerror(ERANGE)` as the C library ssh is linked with words it (glibc on Linux; the BSDs,
/// macOS and Windows' CRT say "Result too large").
const ERANGE_TEXT: &str = if cfg!(target_os = "linux") {
    "Numerical result out of range"
} else {
    "Result too large"
};

/// misc.c `valid_env_name`.
pub(crate) fn valid_env_name(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The check `IdentityAgent` and a non-flag `ForwardAgent` make (`parse_agent_path`).
pub(crate) fn agent_path(arg: &[u8]) -> Result<(), String> {
    if !dollar_ok(arg) {
        return Err(format!("Invalid environment expansion {}.", vis(arg)));
    }
    if arg.first() == Some(&b'$') && arg.get(1) != Some(&b'{') && !valid_env_name(&arg[1..]) {
        return Err(format!("Invalid environment name {}.", vis(arg)));
    }
    Ok(())
}

/// misc.c `valid_domain` (`Err`: ssh's message). It lowercases the name in place as it reads
/// it, so a message shows the name lowercased up to the byte it stopped at and as written after
/// it (`a=B` for `A=B`), cut to 100 bytes (`%.100s`).
pub(crate) fn valid_domain(name: &[u8]) -> Result<(), String> {
    let shown = |upto: usize| {
        let mut s = name[..name.len().min(100)].to_vec();
        let n = s.len().min(upto + 1);
        s[..n].make_ascii_lowercase();
        vis(&s)
    };
    let Some(&first) = name.first() else {
        return Err("empty domain name".into());
    };
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "domain name \"{}\" starts with invalid character",
            vis(&name[..name.len().min(100)])
        ));
    }
    let mut last = 0u8;
    for (i, &c) in name.iter().enumerate() {
        let c = c.to_ascii_lowercase();
        if last == b'.' && c == b'.' {
            return Err(format!(
                "domain name \"{}\" contains consecutive separators",
                shown(i)
            ));
        }
        if c != b'.' && c != b'-' && !c.is_ascii_alphanumeric() && c != b'_' {
            return Err(format!(
                "domain name \"{}\" contains invalid characters",
                shown(i)
            ));
        }
        last = c;
    }
    Ok(())
}

/// misc.c `parse_ipqos`.
pub(crate) fn ipqos_ok(s: &[u8]) -> bool {
    const NAMES: &[&str] = &[
        "none",
        "af11",
        "af12",
        "af13",
        "af21",
        "af22",
        "af23",
        "af31",
        "af32",
        "af33",
        "af41",
        "af42",
        "af43",
        "cs0",
        "cs1",
        "cs2",
        "cs3",
        "cs4",
        "cs5",
        "cs6",
        "cs7",
        "ef",
        "le",
        "lowdelay",
        "throughput",
        "reliability",
    ];
    if NAMES.iter().any(|n| n.as_bytes().eq_ignore_ascii_case(s)) {
        return true;
    }
    matches!(strtol(s, 0), Some((v, rest)) if rest.is_empty() && (0..=255).contains(&v))
}

/// misc.c `a2tun` with a remote part: `local[:remote]`, each `any` or 0 to `SSH_TUNID_MAX`.
pub(crate) fn tun_ok(s: &[u8]) -> bool {
    let one = |s: &[u8]| s.eq_ignore_ascii_case(b"any") || strtonum(s, 0, 0x7fff_fffc).is_ok();
    match s.iter().position(|&b| b == b':') {
        Some(c) => one(&s[..c]) && one(&s[c + 1..]),
        None => one(s),
    }
}

/// `StreamLocalBindMask`: `strtol(arg, &end, 8)` read something, within 0 to 0777.
pub(crate) fn mask_ok(s: &[u8]) -> bool {
    matches!(strtol(s, 8), Some((v, _)) if (0..=0o777).contains(&v))
}

/// `EscapeChar`: `none`, one character, or `^` and a character from `@` to DEL.
pub(crate) fn escape_char_ok(s: &[u8]) -> bool {
    s == b"none" || s.len() == 1 || (s.len() == 2 && s[0] == b'^' && (64..128).contains(&s[1]))
}

/// `scan_scaled` (openbsd-compat/fmt_scaled.c, which ssh uses on Linux and macOS) followed by
/// RekeyLimit's minimum: `Err` is ssh's message.
pub(crate) fn rekey_size(s: &[u8]) -> Result<(), String> {
    if s == b"default" {
        return Ok(());
    }
    match scan_scaled(s) {
        Err(ScanError::Invalid) => Err(format!("Bad number '{}': Invalid argument", vis(s))),
        Err(ScanError::Range) => Err(format!("Bad number '{}': {ERANGE_TEXT}", vis(s))),
        Ok(v) if v != 0 && v < 16 => Err("RekeyLimit too small".into()),
        Ok(_) => Ok(()),
    }
}

/// Why `scan_scaled` fails: the `errno` it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanError {
    /// `EINVAL`.
    Invalid,
    /// `ERANGE`.
    Range,
}

/// fmt_scaled.c `scan_scaled`, step by step: blanks, at most one sign, digits with at most one
/// `.`, then nothing or one of `BKMGTPE` (either case) not followed by a letter or digit
/// (`1G 1h` is 1 GiB: what follows the unit is not looked at). No digit at all reads as 0; a
/// fraction without a unit is dropped.
fn scan_scaled(s: &[u8]) -> Result<i64, ScanError> {
    const MAX_DIGITS: u32 = 7 * 3;
    const FACTORS: [(u8, i64); 7] = [
        (b'B', 1),
        (b'K', 1 << 10),
        (b'M', 1 << 20),
        (b'G', 1 << 30),
        (b'T', 1 << 40),
        (b'P', 1 << 50),
        (b'E', 1 << 60),
    ];
    let mut p = 0;
    while p < s.len() && is_space(s[p]) {
        p += 1;
    }
    let mut sign = 0i64;
    while p < s.len() && matches!(s[p], b'-' | b'+') {
        if sign != 0 {
            return Err(ScanError::Invalid);
        }
        sign = if s[p] == b'-' { -1 } else { 1 };
        p += 1;
    }
    let (mut whole, mut fpart) = (0i64, 0i64);
    let (mut ndigits, mut fract_digits) = (0u32, 0u32);
    while p < s.len() && (s[p].is_ascii_digit() || s[p] == b'.') {
        if s[p] == b'.' {
            if fract_digits > 0 {
                return Err(ScanError::Invalid);
            }
            fract_digits = 1;
            p += 1;
            continue;
        }
        let d = i64::from(s[p] - b'0');
        p += 1;
        if fract_digits > 0 {
            if fract_digits >= MAX_DIGITS - 1 {
                continue;
            }
            fract_digits += 1;
            fpart = fpart
                .checked_mul(10)
                .and_then(|f| f.checked_add(d))
                .ok_or(ScanError::Range)?;
        } else {
            ndigits += 1;
            if ndigits >= MAX_DIGITS {
                return Err(ScanError::Range);
            }
            whole = whole
                .checked_mul(10)
                .and_then(|w| w.checked_add(d))
                .ok_or(ScanError::Range)?;
        }
    }
    if sign != 0 {
        whole *= sign;
    }
    let Some(&unit) = s.get(p) else {
        return Ok(whole);
    };
    let Some(&(_, factor)) = FACTORS
        .iter()
        .find(|(c, _)| unit.to_ascii_uppercase() == *c)
    else {
        return Err(ScanError::Invalid);
    };
    if s.get(p + 1).is_some_and(u8::is_ascii_alphanumeric) {
        return Err(ScanError::Invalid);
    }
    if whole > i64::MAX / factor || whole < i64::MIN / factor {
        return Err(ScanError::Range);
    }
    whole *= factor;
    while fpart >= i64::MAX / factor {
        fpart /= 10;
        fract_digits = fract_digits.saturating_sub(1);
    }
    fpart *= factor;
    for _ in 1..fract_digits {
        fpart /= 10;
    }
    Ok(if sign == -1 {
        whole - fpart
    } else {
        whole + fpart
    })
}

/// A host part, what follows its delimiter (if any), and the delimiter.
type HostRest<'a> = (&'a [u8], Option<&'a [u8]>, u8);

/// `hpdelim2`: the host part and the rest (`None` when a `[` is not closed or not followed by
/// `:`, `/` or the end). The rest is `None` when the string ends after the host.
fn hpdelim2(s: &[u8]) -> Option<HostRest<'_>> {
    let at = if s.first() == Some(&b'[') {
        s.iter().position(|&b| b == b']')? + 1
    } else {
        s.iter()
            .position(|&b| b == b':' || b == b'/')
            .unwrap_or(s.len())
    };
    match s.get(at) {
        None => Some((s, None, 0)),
        Some(&d @ (b':' | b'/')) => Some((&s[..at], Some(&s[at + 1..]), d)),
        Some(_) => None,
    }
}

/// misc.c `hpdelim`: [`hpdelim2`] where only `:` may end the host (`h/22` has no host).
fn hpdelim_colon(s: &[u8]) -> Option<HostRest<'_>> {
    hpdelim2(s).filter(|&(_, _, delim)| delim != b'/')
}

/// misc.c `parse_user_host_port` as a yes/no.
fn user_host_port_ok(s: &[u8]) -> bool {
    let rest = match s.iter().rposition(|&b| b == b'@') {
        Some(0) => return false,
        Some(at) => &s[at + 1..],
        None => s,
    };
    match hpdelim_colon(rest) {
        Some((host, port, _)) if !host.is_empty() => match port {
            Some(p) if !p.is_empty() => port_ok(p),
            _ => true,
        },
        _ => false,
    }
}

/// `urldecode` succeeds: every `%` is followed by two hex digits that are not `00`.
fn urldecode_ok(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            match (s.get(i + 1), s.get(i + 2)) {
                (Some(a), Some(b)) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => {
                    if *a == b'0' && *b == b'0' {
                        return false;
                    }
                    i += 3;
                }
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

/// misc.c `parse_ssh_uri`: `Some(ok)` for an `ssh://` URI, `None` for anything else.
fn ssh_uri_ok(s: &[u8]) -> Option<bool> {
    let uri = s.strip_prefix(b"ssh://")?;
    let mut rest = uri;
    if let Some(at) = rest.iter().position(|&b| b == b'@') {
        let info = &rest[..at];
        let user = &info[..info.iter().position(|&b| b == b';').unwrap_or(info.len())];
        if user.is_empty() || !urldecode_ok(user) {
            return Some(false);
        }
        rest = &rest[at + 1..];
    }
    let Some((host, tail, delim)) = hpdelim2(rest) else {
        return Some(false);
    };
    if host.is_empty() {
        return Some(false);
    }
    let host = host
        .strip_prefix(b"[")
        .and_then(|h| h.strip_suffix(b"]"))
        .unwrap_or(host);
    if valid_domain(host).is_err() {
        return Some(false);
    }
    let Some(mut tail) = tail.filter(|t| !t.is_empty()) else {
        return Some(true);
    };
    if delim == b':' {
        let end = tail.iter().position(|&b| b == b'/');
        let port = &tail[..end.unwrap_or(tail.len())];
        if !port_ok(port) {
            return Some(false);
        }
        match end {
            Some(e) => tail = &tail[e + 1..],
            None => return Some(true),
        }
    }
    // A path is not allowed in an ssh:// URI.
    Some(tail.is_empty())
}

/// What `parse_jump` reads of the raw text after the keyword: the text up to a `#`, cut by
/// misc.c's `rtrim`, which clears every `isspace` byte after the first byte, not only the
/// trailing ones: so the text ends at its first white space past the first byte (checked with
/// `ssh -G` 9.2p1: `a b:x` is accepted, `a:x b` refused, `jump:22\v` is `jump:22`).
fn jump_spec(raw: &[u8]) -> &[u8] {
    let s = &raw[..memchr::memchr(b'#', raw).unwrap_or(raw.len())];
    let end = (s.iter().skip(1).position(|&b| is_space(b))).map_or(s.len(), |p| p + 1);
    &s[..end]
}

/// readconf.c `parse_jump` as a yes/no, on the raw text after the keyword.
pub(crate) fn proxy_jump_ok(raw: &[u8]) -> bool {
    let s = jump_spec(raw);
    if s.eq_ignore_ascii_case(b"none") {
        return true;
    }
    s.rsplit(|&b| b == b',')
        .all(|hop| ssh_uri_ok(hop).unwrap_or_else(|| user_host_port_ok(hop)))
}

/// The hop `ProxyJump` connects through last (the last of its list), as `parse_jump` stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JumpHop {
    /// `user@` (URL-decoded in an `ssh://` URI), if given.
    pub(crate) user: Option<Vec<u8>>,
    /// The host, brackets removed (`cleanhostname`).
    pub(crate) host: Vec<u8>,
    /// `:port`, if given.
    pub(crate) port: Option<u16>,
}

/// `parse_jump` on the raw text after the keyword: the last hop, `None` for `none` or a
/// specification ssh refuses.
pub(crate) fn jump_target(raw: &[u8]) -> Option<JumpHop> {
    if !proxy_jump_ok(raw) {
        return None;
    }
    let word = jump_spec(raw);
    if word.eq_ignore_ascii_case(b"none") {
        return None;
    }
    let hop = word.rsplit(|&b| b == b',').next()?;
    let clean = |h: &[u8]| {
        h.strip_prefix(b"[")
            .and_then(|h| h.strip_suffix(b"]"))
            .unwrap_or(h)
            .to_vec()
    };
    if let Some(uri) = hop.strip_prefix(b"ssh://") {
        let (user, rest) = match uri.iter().position(|&b| b == b'@') {
            Some(at) => {
                let info = &uri[..at];
                let u = &info[..info.iter().position(|&b| b == b';').unwrap_or(info.len())];
                (Some(urldecode(u)), &uri[at + 1..])
            }
            None => (None, uri),
        };
        let (host, tail, delim) = hpdelim2(rest)?;
        let port = match tail {
            Some(t) if delim == b':' && !t.is_empty() => {
                a2port(&t[..t.iter().position(|&b| b == b'/').unwrap_or(t.len())])
            }
            _ => None,
        };
        return Some(JumpHop {
            user,
            host: clean(host),
            port,
        });
    }
    let (user, rest) = match hop.iter().rposition(|&b| b == b'@') {
        Some(at) => (Some(hop[..at].to_vec()), &hop[at + 1..]),
        None => (None, hop),
    };
    let (host, port, _) = hpdelim_colon(rest)?;
    Some(JumpHop {
        user,
        host: clean(host),
        port: port.filter(|p| !p.is_empty()).and_then(a2port),
    })
}

/// misc.c `urldecode` (`+` is a space), for a text [`urldecode_ok`] accepts.
fn urldecode(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
        if s[i] == b'%' && i + 2 < s.len() {
            out.push(hex(s[i + 1]) << 4 | hex(s[i + 2]));
            i += 3;
        } else if s[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// `PermitRemoteOpen` arguments other than `any`/`none`: `Err` is ssh's (fatal) message.
pub(crate) fn permit_open(arg: &[u8]) -> Result<(), &'static str> {
    match hpdelim_colon(arg) {
        None => Err("missing host in permitremoteopen"),
        Some((_, port, _)) => match port {
            Some(p) if p == b"*" || port_ok(p) => Ok(()),
            _ => Err("bad port number in permitremoteopen"),
        },
    }
}

/// One field of a forwarding specification (`parse_fwd_field`): its text (backslashes
/// removed) and whether it is a path.
struct FwdField {
    /// Where its text lies in the buffer of every field's text.
    text: std::ops::Range<usize>,
    ispath: bool,
}

/// What a forwarding specification is read as (`dynamicfwd` and `remotefwd` of
/// `parse_forward`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FwdSpec {
    /// `LocalForward`.
    Local,
    /// `DynamicForward`.
    Dynamic,
    /// `RemoteForward` with a target.
    Remote,
    /// `RemoteForward` with one argument: a SOCKS proxy on the server.
    RemoteDynamic,
}

/// readconf.c `parse_forward`: does ssh accept this specification, read as `what`?
pub(crate) fn forward_ok(spec: &[u8], what: FwdSpec) -> bool {
    let dynamic = matches!(what, FwdSpec::Dynamic | FwdSpec::RemoteDynamic);
    let remote = matches!(what, FwdSpec::Remote | FwdSpec::RemoteDynamic);
    let Some(spec) = dollar_expand(spec) else {
        return false;
    };
    // `isspace`, the vertical tab included (`LocalForward \v1455 ...` is a forward of 1455).
    let cp: &[u8] = skip_space(&spec);
    let mut fields: [Option<FwdField>; 4] = [None, None, None, None];
    let mut n = 0;
    let mut rest = Some(cp);
    let mut buf = Vec::with_capacity(cp.len());
    while n < 4 {
        let Some(s) = rest else { break };
        if s.is_empty() {
            rest = None;
            break;
        }
        if s[0] == b'[' {
            let Some(close) = s.iter().position(|&b| b == b']') else {
                break;
            };
            match s.get(close + 1) {
                None => rest = Some(&s[close + 1..]),
                Some(b':') => rest = Some(&s[close + 2..]),
                Some(_) => break,
            }
            let inner = &s[1..close];
            let from = buf.len();
            buf.extend_from_slice(inner);
            fields[n] = Some(FwdField {
                text: from..buf.len(),
                ispath: inner.contains(&b'/'),
            });
            n += 1;
            continue;
        }
        let from = buf.len();
        let mut ispath = false;
        let mut i = 0;
        let mut ended = None;
        let mut bad = false;
        while i < s.len() {
            match s[i] {
                b'\\' => {
                    // memmove drops the backslash; the loop then steps over the character
                    // moved into its place, which is kept as it is.
                    if i + 1 >= s.len() {
                        bad = true;
                        break;
                    }
                    i += 1;
                    buf.push(s[i]);
                }
                b'/' => {
                    ispath = true;
                    buf.push(b'/');
                }
                b':' => {
                    ended = Some(i + 1);
                    break;
                }
                c => buf.push(c),
            }
            i += 1;
        }
        if bad {
            // `parse_fwd_field` fails at a backslash that ends the string, after memmove has
            // dropped it: when it was the whole field, nothing is left after the fields read,
            // which are then the specification (`1455:h:80:\` is `1455:h:80`).
            if i == 0 {
                rest = None;
            }
            break;
        }
        fields[n] = Some(FwdField {
            text: from..buf.len(),
            ispath,
        });
        n += 1;
        rest = match ended {
            Some(e) => Some(&s[e..]),
            None => Some(&s[s.len()..]),
        };
    }
    if rest.is_some_and(|r| !r.is_empty()) {
        return false;
    }
    let f = |i: usize| fields[i].as_ref().expect("field");
    // Only the fields read as ports are looked up (a name needs the services database).
    let port = |i: usize| a2port(&buf[f(i).text.clone()]).map_or(-1, i32::from);
    // (listen port or -2 for a path, connect port or -2 for a path, or -3 when none), and the
    // lengths of the listening and connecting host or path.
    let len = |i: usize| f(i).text.len();
    let (listen, connect, listen_len, connect_len) = match n {
        1 => {
            if f(0).ispath {
                (-2, -3, len(0), 0)
            } else {
                (port(0), -3, 0, 0)
            }
        }
        2 => {
            if f(0).ispath && f(1).ispath {
                (-2, -2, len(0), len(1))
            } else if f(1).ispath {
                (port(0), -2, 0, len(1))
            } else {
                (port(1), -3, len(0), 0)
            }
        }
        3 => {
            if f(0).ispath {
                (-2, port(2), len(0), len(1))
            } else if f(2).ispath {
                (port(1), -2, len(0), len(2))
            } else {
                (port(0), port(2), 0, len(1))
            }
        }
        4 => (port(1), port(3), len(0), len(2)),
        _ => return false,
    };
    if dynamic {
        if !(n == 1 || n == 2) {
            return false;
        }
    } else {
        if !(n == 3 || n == 4) && connect != -2 && listen != -2 {
            return false;
        }
        if connect <= 0 && connect != -2 {
            return false;
        }
    }
    if (listen < 0 && listen != -2) || (!remote && listen == 0) {
        return false;
    }
    // NI_MAXHOST for a host, PATH_MAX_SUN for a path.
    let max = |port: i32| {
        if port == -2 {
            crate::forward::PATH_MAX_SUN
        } else {
            1025
        }
    };
    listen_len < max(listen) && connect_len < max(connect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::algorithms::algorithms_ok;
    use crate::keyword::table::Algos;

    #[test]
    fn misc_c_parsers() {
        assert_eq!(convtime(b"1h2m"), Some(3720));
        assert_eq!(convtime(b"abc"), None);
        assert_eq!(convtime(b"-1"), None);
        assert_eq!(convtime(b"3000000000"), None);
        assert_eq!(atoi_err(Some(b"-1")), Some("too small"));
        assert_eq!(atoi_err(Some(b"99999999999")), Some("too large"));
        assert_eq!(atoi_err(Some(b"x")), Some("invalid"));
        assert_eq!(atoi_err(None), Some("missing"));
        assert!(ipqos_ok(b"0x10") && ipqos_ok(b"AF11") && !ipqos_ok(b"256"));
        assert!(tun_ok(b"any:1") && !tun_ok(b"any:x") && !tun_ok(b":1"));
        assert!(mask_ok(b"07x") && mask_ok(b"0999") && !mask_ok(b"x") && !mask_ok(b"1000"));
        assert!(escape_char_ok(b"^a") && escape_char_ok(b"^") && !escape_char_ok(b"ab"));
        assert!(
            rekey_size(b"1G").is_ok() && rekey_size(b"10").is_err() && rekey_size(b"x").is_err()
        );
    }

    /// `CanonicalDomains NAME` as `ssh -G` 9.2p1 reports it ("c line 2: MESSAGE").
    #[test]
    fn domain_names_are_shown_as_valid_domain_left_them() {
        let long = format!("{}=C", "AB".repeat(60));
        let dash_long = format!("-{long}");
        let cases: &[(&[u8], String)] = &[
            (
                b"A=B",
                "domain name \"a=B\" contains invalid characters".into(),
            ),
            (
                b"AB..CD",
                "domain name \"ab..CD\" contains consecutive separators".into(),
            ),
            (
                b"Ab=Cd",
                "domain name \"ab=Cd\" contains invalid characters".into(),
            ),
            (
                long.as_bytes(),
                format!(
                    "domain name \"{}\" contains invalid characters",
                    "ab".repeat(50)
                ),
            ),
            (
                b"-A",
                "domain name \"-A\" starts with invalid character".into(),
            ),
            (
                dash_long.as_bytes(),
                format!(
                    "domain name \"-{}A\" starts with invalid character",
                    "AB".repeat(49)
                ),
            ),
            (
                "A\u{e9}B".as_bytes(),
                "domain name \"a\\303\\251B\" contains invalid characters".into(),
            ),
        ];
        for (name, message) in cases {
            assert_eq!(
                valid_domain(name).as_ref(),
                Err(message),
                "{}",
                name.escape_ascii()
            );
        }
        assert_eq!(valid_domain(b"A_b"), Ok(()));
    }

    #[test]
    fn jumps_and_forwards() {
        for ok in ["a", "u@h:22", "ssh://u@h:22", "a,b", "[::1]:22", "none"] {
            assert!(proxy_jump_ok(ok.as_bytes()), "{ok}");
        }
        for bad in ["%r@%h:%p", "a,,b", "ssh://h/x", "@h", ""] {
            assert!(!proxy_jump_ok(bad.as_bytes()), "{bad}");
        }
        // hpdelim takes only `:` after the host: `c line 2: Invalid ProxyJump "h/22"` and
        // `c line 2: missing host in permitremoteopen` from ssh -G 9.2p1 (an ssh:// URI reads
        // with hpdelim2, where `/` ends the host: `ssh://h/` is accepted).
        for bad in ["h/22", "u@h/22", "h/", "[h]/22", "a,h/22"] {
            assert!(!proxy_jump_ok(bad.as_bytes()), "{bad}");
        }
        assert!(proxy_jump_ok(b"ssh://h/"));
        for arg in ["h/22", "~root/x", "[h]/22"] {
            assert_eq!(
                permit_open(arg.as_bytes()),
                Err("missing host in permitremoteopen"),
                "{arg}"
            );
        }
        assert_eq!(permit_open(b"h:22"), Ok(()));
        assert_eq!(permit_open(b"[::1]:*"), Ok(()));
        assert!(forward_ok(b"1:localhost:1", FwdSpec::Local));
        assert!(forward_ok(b"/tmp/a.sock:/tmp/b.sock", FwdSpec::Local));
        assert!(!forward_ok(b"0:localhost:1", FwdSpec::Local));
        assert!(forward_ok(b"0:localhost:1", FwdSpec::Remote));
        assert!(forward_ok(b"8080", FwdSpec::RemoteDynamic));
        assert!(!forward_ok(b"0", FwdSpec::Dynamic));
        assert!(forward_ok(b"localhost:1080", FwdSpec::Dynamic));
        // A lone backslash as the last field ends the specification: accepted by ssh -G 9.2p1
        // (`localforward 1455 [h]:80`, `dynamicforward 1080`); one ending another field is
        // "Bad forwarding specification.".
        assert!(forward_ok(br"1455:h:80:\", FwdSpec::Local));
        assert!(forward_ok(br"1080:\", FwdSpec::Dynamic));
        assert!(!forward_ok(br"1455:h:\", FwdSpec::Local));
        assert!(!forward_ok(br"1455:h\", FwdSpec::Local));
        assert!(!forward_ok(br"\", FwdSpec::Dynamic));
        // A socket path of PATH_MAX_SUN bytes (108 here) or more: "Bad forwarding
        // specification." from ssh -G 9.2p1 for `LocalForward 1455 /p...` (108 bytes),
        // `RemoteForward /p...` and `DynamicForward /p...`; 107 bytes are accepted.
        let path = |n: usize| format!("/{}", "p".repeat(n - 1));
        let long = path(crate::forward::PATH_MAX_SUN);
        let fits = path(crate::forward::PATH_MAX_SUN - 1);
        for what in [FwdSpec::Dynamic, FwdSpec::RemoteDynamic] {
            assert!(forward_ok(fits.as_bytes(), what), "{what:?}");
            assert!(!forward_ok(long.as_bytes(), what), "{what:?}");
        }
        for what in [FwdSpec::Local, FwdSpec::Remote] {
            for spec in [
                format!("1455:{long}"),
                format!("{long}:h:22"),
                format!("{long}:/x"),
            ] {
                assert!(!forward_ok(spec.as_bytes(), what), "{spec} {what:?}");
            }
            assert!(forward_ok(format!("1455:{fits}").as_bytes(), what));
            // Read as a bind address (four fields), it is a host: NI_MAXHOST applies.
            assert!(forward_ok(format!("{long}:1455:h:1").as_bytes(), what));
        }
    }

    /// C's `isspace` counts the vertical tab (and form feed) where Rust's ASCII white space
    /// does not: strtol and strtonum skip it, `parse_forward` skips it before the first field,
    /// `parse_jump`'s `rtrim` ends the text at it. Each checked with `ssh -G` 9.2p1.
    #[test]
    fn the_vertical_tab_is_c_white_space() {
        assert_eq!(atoi_err(Some(b"\x0b5")), None);
        assert_eq!(convtime(b"\x0b1m \x0c1s"), Some(61));
        assert!(port_ok(b"\x0b23"));
        assert!(!port_ok(b"23\x0b"));
        assert!(forward_ok(b"\x0b1455:localhost:1455", FwdSpec::Local));
        assert!(forward_ok(b"1455:localhost:\x0b1455", FwdSpec::Local));
        assert!(forward_ok(b"\x0b1080", FwdSpec::Dynamic));
        // `LocalForward \v[ 1455:localhost:1455`: "Bad forwarding specification.".
        assert!(!forward_ok(b"\x0b[:1455:localhost:1455", FwdSpec::Local));
        assert!(!forward_ok(b"1455:localhost:\x0bssh", FwdSpec::Local));
        // `proxyjump jump:22` for `jump:22\v` and `jump:22\vx:y`; `j\fump:22` is `j`.
        assert!(proxy_jump_ok(b"jump:22\x0b"));
        assert!(proxy_jump_ok(b"jump:22\x0bx:y"));
        assert!(!proxy_jump_ok(b"jump:x\x0b"));
        let hop = jump_target(b"j\x0cump:22").unwrap();
        assert_eq!((hop.host, hop.port), (b"j".to_vec(), None));
        let hop = jump_target(b"jump:22\x0b").unwrap();
        assert_eq!((hop.host, hop.port), (b"jump".to_vec(), Some(22)));
    }

    #[test]
    fn algorithm_lists() {
        assert!(algorithms_ok(Algos::Kex, b"+curve25519-sha256,,foo", None));
        assert!(!algorithms_ok(Algos::Kex, b"foo", None));
        assert!(!algorithms_ok(Algos::Ciphers, b"none", None));
        assert!(algorithms_ok(Algos::Ciphers, b"-foo", None));
        assert!(algorithms_ok(Algos::KeyTypes, b"ssh-*", None));
        assert!(!algorithms_ok(Algos::KeyTypes, b"foo*", None));
        assert!(!algorithms_ok(Algos::GssKex, b"+gss-gex-sha1-", None));
    }
}
