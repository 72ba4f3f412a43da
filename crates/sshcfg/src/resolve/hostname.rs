//! The host name ssh connects to, as ssh.c's `main` makes it from the `HostName` (or the host as
//! typed) after the first reading of the files: the name the final pass matches `Host` and
//! `Match host` against, and the one `ssh -G` prints as `hostname`.
//!
//! `main` lowercases the name unless `is_addr` takes it for an address: any name holding `%` or
//! `:`, or made only of digits and dots (`is_addr_fast`), or one `getaddrinfo(AI_NUMERICHOST)`
//! reads as one address. `resolve_canonicalize` then rewrites an address that `getaddrinfo`
//! reads into the form `getnameinfo(NI_NUMERICHOST)` prints (`127.1` is `127.0.0.1`,
//! `FE80:0::1` is `fe80::1`), unless the two differ only in letter case. Both calls are made for
//! the `AddressFamily` the first reading set. What they accept and print is glibc's (the C
//! library of the systems ssh is judged on here): `inet_aton` for IPv4 (`127.1`, `0x7f.1`,
//! `2130706433`), `inet_pton` for IPv6 with an optional `%scope` (an interface name, for
//! link-local addresses, or a number), `inet_ntop` to print them back. No name is looked up.

use crate::options::AddressFamily;

/// The name ssh.c makes of `name` (the `HostName` with `%h` expanded, or the host as typed)
/// under `family`, before any DNS canonicalization.
pub(crate) fn ssh_host_name(name: &[u8], family: AddressFamily) -> Vec<u8> {
    let numeric = numeric_host(name, family);
    match numeric {
        // `resolve_addr` succeeded: the printed form, unless `strcasecmp` finds them equal.
        Some(n) if !n.eq_ignore_ascii_case(name) => n,
        Some(_) => name.to_vec(),
        None if looks_like_addr(name) => name.to_vec(),
        None => name.to_ascii_lowercase(),
    }
}

/// Does ssh.c take `name` for an address (`resolve_addr` reads it as one under `family`, or
/// `is_addr_fast` holds), which `resolve_canonicalize` never looks up?
pub(crate) fn is_address(name: &[u8], family: AddressFamily) -> bool {
    looks_like_addr(name) || numeric_host(name, family).is_some()
}

/// ssh.c `is_addr_fast`: a name that can only be an address.
fn looks_like_addr(name: &[u8]) -> bool {
    name.iter().any(|&b| b == b'%' || b == b':')
        || name.iter().all(|&b| b == b'.' || b.is_ascii_digit())
}

/// `getaddrinfo(name, AI_NUMERICHOST, family)` then `getnameinfo(NI_NUMERICHOST)`: the address
/// as printed, or `None` when it is not one address of the family.
fn numeric_host(name: &[u8], family: AddressFamily) -> Option<Vec<u8>> {
    if let Some(v4) = inet_aton(name) {
        return match family {
            AddressFamily::Any | AddressFamily::Inet => Some(format_v4(v4)),
            // No AI_V4MAPPED: glibc refuses an IPv4 address for AF_INET6.
            AddressFamily::Inet6 => None,
        };
    }
    let (addr, scope) = match memchr::memchr(b'%', name) {
        Some(i) => (&name[..i], Some(&name[i + 1..])),
        None => (name, None),
    };
    let mut words = inet_pton6(addr)?;
    let v4 = match family {
        AddressFamily::Any | AddressFamily::Inet6 => false,
        // glibc takes an IPv4-mapped address for AF_INET as the IPv4 address, copying it over
        // the address's first word before reading the scope.
        AddressFamily::Inet if words[..5] == [0; 5] && words[5] == 0xffff => {
            words[0] = words[6];
            words[1] = words[7];
            true
        }
        AddressFamily::Inet => return None,
    };
    let scope_id = match scope {
        Some(s) => scope_id(&words, s)?,
        None => 0,
    };
    if v4 {
        let [a, b] = words[0].to_be_bytes();
        let [c, d] = words[1].to_be_bytes();
        return Some(format_v4([a, b, c, d]));
    }
    let mut out = inet_ntop6(&words);
    if scope_id != 0 {
        out.push(b'%');
        // getnameinfo names the interface of a link-local (unicast or multicast) address.
        let named = (link_local(&words) || multicast_link_local(&words))
            .then(|| interface_name(scope_id))
            .flatten();
        match named {
            Some(n) => out.extend_from_slice(&n),
            None => out.extend_from_slice(scope_id.to_string().as_bytes()),
        }
    }
    Some(out)
}

/// glibc `inet_aton` as `getaddrinfo` uses it (the whole name, nothing after): one to four
/// parts, each read by `strtoul(.., 0)` (`0x` hex, `0` octal, else decimal); the parts before
/// the last are bytes, the last fills what is left.
pub(crate) fn inet_aton(s: &[u8]) -> Option<[u8; 4]> {
    let mut bytes = [0u8; 4];
    let mut parts = 0;
    let mut i = 0;
    loop {
        if !s.get(i)?.is_ascii_digit() {
            return None;
        }
        let (val, end) = strtoul0(s, i)?;
        i = end;
        match s.get(i) {
            Some(b'.') => {
                if parts > 2 || val > 0xff {
                    return None;
                }
                bytes[parts] = val as u8;
                parts += 1;
                i += 1;
            }
            None => {
                let max: u32 = [u32::MAX, 0xff_ffff, 0xffff, 0xff][parts];
                if val > u64::from(max) {
                    return None;
                }
                let v = u32::from_be_bytes(bytes) | val as u32;
                return Some(v.to_be_bytes());
            }
            Some(_) => return None,
        }
    }
}

/// `strtoul(s + i, &end, 0)` for text starting with a digit: the value (`None` past 32 bits,
/// which `inet_aton` refuses) and where it stopped.
fn strtoul0(s: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let radix = if s[i] != b'0' {
        10
    } else if matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
        16
    } else {
        8
    };
    let mut val: u64 = 0;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(radix)) {
        val = val * u64::from(radix) + u64::from(d);
        if val > u64::from(u32::MAX) {
            return None;
        }
        i += 1;
    }
    Some((val, i))
}

/// glibc `inet_pton(AF_INET6)`: up to eight groups of one to four hex digits, one `::` for a
/// run of zero groups (at least one), and a dotted IPv4 address (four decimal bytes, no
/// leading zero) for the last two groups.
fn inet_pton6(s: &[u8]) -> Option<[u16; 8]> {
    let mut words = [0u16; 8];
    let mut n = 0; // groups written
    let mut gap: Option<usize> = None; // where `::` stands
    let mut rest = s;
    if rest.first() == Some(&b':') {
        if rest.get(1) != Some(&b':') {
            return None;
        }
        rest = &rest[1..];
    }
    let mut token = 0; // start of the current group in `rest`
    let mut digits = 0;
    let mut val: u16 = 0;
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i];
        i += 1;
        if let Some(d) = char::from(c).to_digit(16) {
            if digits == 4 {
                return None;
            }
            val = val << 4 | d as u16;
            digits += 1;
            continue;
        }
        if c == b':' {
            token = i;
            if digits == 0 {
                if gap.is_some() {
                    return None;
                }
                gap = Some(n);
                continue;
            }
            if i == rest.len() || n == 8 {
                return None;
            }
            words[n] = val;
            n += 1;
            (digits, val) = (0, 0);
            continue;
        }
        if c == b'.' && n <= 6 {
            let v4 = inet_pton4(&rest[token..])?;
            words[n] = u16::from_be_bytes([v4[0], v4[1]]);
            words[n + 1] = u16::from_be_bytes([v4[2], v4[3]]);
            n += 2;
            digits = 0;
            break;
        }
        return None;
    }
    if digits > 0 {
        if n == 8 {
            return None;
        }
        words[n] = val;
        n += 1;
    }
    if let Some(g) = gap {
        if n == 8 {
            return None;
        }
        let tail = n - g;
        words.copy_within(g..n, 8 - tail);
        words[g..8 - tail].fill(0);
        n = 8;
    }
    (n == 8).then_some(words)
}

/// glibc `inet_pton(AF_INET)`: four decimal bytes, no leading zeros.
fn inet_pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for byte in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
            return None;
        }
        if !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = p.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
        *byte = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// glibc `__inet6_scopeid_pton`: an interface's name (for a link-local or node-local address)
/// or a decimal number that fits 32 bits.
fn scope_id(words: &[u16; 8], scope: &[u8]) -> Option<u32> {
    let node_local_multicast = words[0] & 0xff0f == 0xff01;
    if link_local(words) || multicast_link_local(words) || node_local_multicast {
        let index = interface_index(scope);
        if index != 0 {
            return Some(index);
        }
    }
    if !scope.first()?.is_ascii_digit() || !scope.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = scope.iter().try_fold(0u64, |v, &d| {
        let v = v * 10 + u64::from(d - b'0');
        (v <= u64::from(u32::MAX)).then_some(v)
    })?;
    u32::try_from(v).ok()
}

/// `fe80::/10`.
fn link_local(w: &[u16; 8]) -> bool {
    w[0] & 0xffc0 == 0xfe80
}

/// `ff02::/16` and its other flag bits (`IN6_IS_ADDR_MC_LINKLOCAL`).
fn multicast_link_local(w: &[u16; 8]) -> bool {
    w[0] & 0xff0f == 0xff02
}

/// `if_nametoindex`: 0 for no such interface.
#[cfg(unix)]
fn interface_index(name: &[u8]) -> u32 {
    let Ok(c) = std::ffi::CString::new(name) else {
        return 0;
    };
    // SAFETY: `c` is a valid NUL-terminated string for the call's duration.
    unsafe { libc::if_nametoindex(c.as_ptr()) }
}

/// `if_indextoname`: `None` for no such interface.
#[cfg(unix)]
fn interface_name(index: u32) -> Option<Vec<u8>> {
    // Larger than IF_NAMESIZE on every system.
    let mut buf: [libc::c_char; 256] = [0; 256];
    // SAFETY: `buf` has room for IF_NAMESIZE bytes; on success the call writes a NUL-terminated
    // name into it.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: the call succeeded, so `buf` holds a NUL-terminated string.
    Some(
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_bytes()
            .to_vec(),
    )
}

/// No interface names are known here: scopes are numbers.
#[cfg(not(unix))]
fn interface_index(_name: &[u8]) -> u32 {
    0
}

/// No interface names are known here: scopes are printed as numbers.
#[cfg(not(unix))]
fn interface_name(_index: u32) -> Option<Vec<u8>> {
    None
}

fn format_v4(a: [u8; 4]) -> Vec<u8> {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]).into_bytes()
}

/// glibc `inet_ntop(AF_INET6)`: lowercase hex groups; the first longest run of two or more
/// zero groups as `::`; `::a.b.c.d` and `::ffff:a.b.c.d` for IPv4-compatible and -mapped ones.
fn inet_ntop6(w: &[u16; 8]) -> Vec<u8> {
    // The first longest run of zeros.
    let (mut best, mut best_len) = (None, 0);
    let mut i = 0;
    while i < 8 {
        if w[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < 8 && w[i] == 0 {
            i += 1;
        }
        if i - start > best_len {
            (best, best_len) = (Some(start), i - start);
        }
    }
    if best_len < 2 {
        best = None;
    }
    let mut out = String::with_capacity(40);
    let mut i = 0;
    while i < 8 {
        if best == Some(i) {
            out.push(':');
            i += best_len;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best == Some(0) && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let [a, b] = w[6].to_be_bytes();
            let [c, d] = w[7].to_be_bytes();
            out.push_str(&format!("{a}.{b}.{c}.{d}"));
            break;
        }
        out.push_str(&format!("{:x}", w[i]));
        i += 1;
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::ssh_host_name;
    use crate::options::AddressFamily::{self, Any, Inet, Inet6};

    fn name(s: &str, f: AddressFamily) -> String {
        String::from_utf8(ssh_host_name(s.as_bytes(), f)).unwrap()
    }

    /// Each as `ssh -G` (OpenSSH 9.2p1, glibc 2.36) printed `hostname` for `HostName NAME`.
    #[test]
    fn names_as_ssh_g_printed_them() {
        for (n, f, want) in [
            ("127.1", Any, "127.0.0.1"),
            ("0x7f.1", Any, "127.0.0.1"),
            ("0X7F.1", Any, "127.0.0.1"),
            ("2130706433", Any, "127.0.0.1"),
            ("0177.0.0.1", Any, "127.0.0.1"),
            ("127.0.0.01", Any, "127.0.0.1"),
            ("1.2.65535", Any, "1.2.255.255"),
            ("4294967295", Any, "255.255.255.255"),
            ("4294967296", Any, "4294967296"),
            ("18446744073709551617", Any, "18446744073709551617"),
            ("0x100000001", Any, "0x100000001"),
            ("1.2.3.256", Any, "1.2.3.256"),
            ("127.1.", Any, "127.1."),
            ("1.2.3.4.", Any, "1.2.3.4."),
            ("01.02.03.08", Any, "01.02.03.08"),
            ("0x", Any, "0x"),
            ("0x.1", Any, "0x.1"),
            ("00x1", Any, "00x1"),
            ("0x1G", Any, "0x1g"),
            ("1e1", Any, "1e1"),
            ("FOO", Any, "foo"),
            ("Foo.Example", Any, "foo.example"),
            ("Foo:Bar", Any, "Foo:Bar"),
            ("FOO%Bar", Any, "FOO%Bar"),
            ("[::1]", Any, "[::1]"),
            ("::1", Any, "::1"),
            ("::FFFF:1.2.3.4", Any, "::FFFF:1.2.3.4"),
            ("::2.3.4.5", Any, "::2.3.4.5"),
            ("::0.1.0.0", Any, "::0.1.0.0"),
            ("::ffff:0.0.0.0", Any, "::ffff:0.0.0.0"),
            ("::1.02.3.4", Any, "::1.02.3.4"),
            ("1:0:0:1:0:0:0:1", Any, "1:0:0:1::1"),
            ("1:0:0:0:1:0:0:1", Any, "1::1:0:0:1"),
            ("0:0:0:0:0:0:0:0", Any, "::"),
            ("1::2:0:0:3", Any, "1::2:0:0:3"),
            ("1:2:3:4:5:6:7::", Any, "1:2:3:4:5:6:7:0"),
            ("1:2:3:4:5:6:7:8::", Any, "1:2:3:4:5:6:7:8::"),
            ("1::2::3", Any, "1::2::3"),
            ("00000::1", Any, "00000::1"),
            ("0:0:0:0:0:0:0:0:0", Any, "0:0:0:0:0:0:0:0:0"),
            (":1::", Any, ":1::"),
            ("FE80::1", Any, "FE80::1"),
            ("FE80:0::1", Any, "fe80::1"),
            ("fe80::1%", Any, "fe80::1%"),
            ("fe80::1%+1", Any, "fe80::1%+1"),
            ("fe80::1%99", Any, "fe80::1%99"),
            ("fe80::1%4294967295", Any, "fe80::1%4294967295"),
            ("fe80::1%4294967296", Any, "fe80::1%4294967296"),
            ("fe80::1%nosuch", Any, "fe80::1%nosuch"),
            ("::1%1", Any, "::1%1"),
            ("::1%01", Any, "::1%1"),
            ("1.2.3.4%lo", Any, "1.2.3.4%lo"),
            ("Foo%1", Any, "Foo%1"),
            ("::ffff:1.2.3.4", Inet, "1.2.3.4"),
            ("::FFFF:1.2.3.4", Inet, "1.2.3.4"),
            ("::1", Inet, "::1"),
            ("127.1", Inet6, "127.1"),
            ("0X7F.1", Inet6, "0x7f.1"),
            ("0X7F.1", Inet, "127.0.0.1"),
            ("::ffff:1.2.3.4%7", Inet, "1.2.3.4"),
            ("::ffff:1.2.3.4%7", Any, "::ffff:1.2.3.4%7"),
            ("::ffff:1.2.3.4", Inet6, "::ffff:1.2.3.4"),
            ("fe80::1%0", Any, "fe80::1"),
        ] {
            assert_eq!(name(n, f), want, "{n} {f:?}");
        }
    }

    /// Interface scopes (Linux, where `lo` is interface 1), as `ssh -G` printed them.
    #[cfg(target_os = "linux")]
    #[test]
    fn interface_scopes_as_ssh_g_printed_them() {
        for (n, want) in [
            ("fe80::1%1", "fe80::1%lo"),
            ("fe80::1%01", "fe80::1%lo"),
            ("FE80::A%1", "fe80::a%lo"),
            ("FE80::1%lo", "FE80::1%lo"),
            ("FE80::A%lo", "FE80::A%lo"),
            ("fe80::1%LO", "fe80::1%LO"),
            ("::1%lo", "::1%lo"),
            ("FF02::1%lo", "FF02::1%lo"),
            ("ff01::1%lo", "ff01::1%1"),
            ("ff01::1%1", "ff01::1%1"),
        ] {
            assert_eq!(name(n, Any), want, "{n}");
        }
        // For AF_INET glibc reads the scope against the mapped address copied over the first
        // word: here a link-local one.
        assert_eq!(name("::ffff:254.128.0.1%lo", Inet), "254.128.0.1");
        assert_eq!(name("::ffff:1.2.3.4%lo", Inet), "::ffff:1.2.3.4%lo");
    }
}
