//! Algorithm lists (`Ciphers`, `MACs`, `KexAlgorithms`, key types, ...) as ssh checks them:
//! every name known, with the `+`, `-` and `^` prefixes.

use crate::keyword::table::{Algos, Release};
use crate::options::OpenSshVersion;

/// Names that not every release this library reads configs for knows, as default builds have
/// them: the release that added each (`(0, 0)`: 8.0 or earlier) and the first that no longer
/// knows it (`None`: every later release does). From OpenSSH's history: kex.h, cipher.c
/// ("Remove the pre-standardization cipher", 8.5) and configure.ac (DSA keys optional in 9.7,
/// off by default from 9.8, gone in 10.0), sshkey.c (the webauthn certificate type, 10.3).
/// Debian's 9.2p1 refuses the added and removed ones and takes the DSA names, as `ssh -G`
/// shows; it also takes `sntrup761x25519-sha512` (upstream 9.9, backported by Debian), so that
/// name is taken as known to every release. ML-DSA key types are left out: upstream builds them
/// only where the crypto library has them.
const RELEASES: &[(&str, Release, Option<Release>)] = &[
    ("mlkem768x25519-sha256", (9, 9), None),
    ("mlkem768nistp256-sha256", (10, 5), None),
    (
        "webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
        (10, 3),
        None,
    ),
    ("rijndael-cbc@lysator.liu.se", (0, 0), Some((8, 5))),
    ("ssh-dss", (0, 0), Some((9, 8))),
    ("ssh-dss-cert-v01@openssh.com", (0, 0), Some((9, 8))),
    // The short name `sshkey_type_from_name` takes, in any letter case.
    ("dsa", (0, 0), Some((9, 8))),
];

/// Does OpenSSH `version` (`None`: the newest) know the algorithm `name` (one of the lists
/// below)?
fn known_to(name: &str, version: Option<OpenSshVersion>) -> bool {
    let Some(&(_, since, until)) = RELEASES.iter().find(|(n, ..)| *n == name) else {
        return true;
    };
    match version {
        None => until.is_none(),
        Some(v) => {
            let v = (v.major, v.minor);
            let at_least = |r: Release| v >= (u32::from(r.0), u32::from(r.1));
            at_least(since) && !until.is_some_and(at_least)
        }
    }
}

/// Does the answer for this algorithm list depend on the OpenSSH release: does it name, or
/// could one of its patterns match, an algorithm not every release knows?
pub(crate) fn depends_on_version(raw: &[u8]) -> bool {
    raw.split(|&b| matches!(b, b',' | b' ' | b'\t' | b'"' | b'\''))
        .map(|w| {
            w.strip_prefix(b"+")
                .or(w.strip_prefix(b"-"))
                .or(w.strip_prefix(b"^"))
                .unwrap_or(w)
        })
        .any(|w| {
            RELEASES.iter().any(|(n, ..)| {
                n.as_bytes().eq_ignore_ascii_case(w)
                    || (w.iter().any(|&b| b == b'*' || b == b'?')
                        && crate::pattern::match_pattern_list(
                            n.as_bytes(),
                            w,
                            crate::pattern::EntryCase::AsWritten,
                        ) != crate::pattern::ListMatch::NoMatch)
            })
        })
}

const CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "rijndael-cbc@lysator.liu.se",
];
const MACS: &[&str] = &[
    "hmac-sha1",
    "hmac-sha1-96",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-md5",
    "hmac-md5-96",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "hmac-sha1-96-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
];
const GSS_KEX: &[&str] = &[
    "gss-gex-sha1-",
    "gss-group1-sha1-",
    "gss-group14-sha1-",
    "gss-group14-sha256-",
    "gss-group16-sha512-",
    "gss-nistp256-sha256-",
    "gss-curve25519-sha256-",
];
const KEX: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
    "mlkem768nistp256-sha256",
];
/// Key and signature types (`keyimpls`); `sshkey_type_from_name` also takes the short names of
/// plain keys in any letter case.
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ssh-dss",
    "ssh-dss-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];
const KEY_SHORT_NAMES: &[&str] = &["rsa", "dsa", "ecdsa", "ed25519", "ecdsa-sk", "ed25519-sk"];

/// Is this one algorithm name known to the list's validator in OpenSSH `version`?
fn algo_known(which: Algos, name: &[u8], version: Option<OpenSshVersion>) -> bool {
    let has = |list: &[&str]| {
        list.iter()
            .any(|n| n.as_bytes() == name && known_to(n, version))
    };
    match which {
        Algos::Ciphers => has(CIPHERS),
        Algos::Macs => has(MACS),
        Algos::Kex => has(KEX) || has(GSS_KEX),
        Algos::GssKex => has(GSS_KEX),
        Algos::KeyTypes => {
            has(KEY_TYPES)
                || KEY_SHORT_NAMES
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(name) && known_to(n, version))
                || KEY_TYPES.iter().any(|n| {
                    known_to(n, version)
                        && crate::pattern::match_pattern_list(
                            n.as_bytes(),
                            name,
                            crate::pattern::EntryCase::AsWritten,
                        ) != crate::pattern::ListMatch::NoMatch
                })
        }
    }
}

/// Does OpenSSH `version` (`None`: the newest) accept this algorithm list argument? (`-` lists
/// are not checked; `+` and `^` are stripped; the names are checked up to the first empty one,
/// as `strsep` loops do.)
pub(crate) fn algorithms_ok(which: Algos, arg: &[u8], version: Option<OpenSshVersion>) -> bool {
    let names = if which == Algos::GssKex {
        arg
    } else {
        match arg.first() {
            Some(b'-') => return true,
            Some(b'+' | b'^') => &arg[1..],
            _ => arg,
        }
    };
    if names.is_empty() {
        return false;
    }
    for name in names.split(|&b| b == b',') {
        if name.is_empty() {
            break;
        }
        if !algo_known(which, name, version) {
            return false;
        }
    }
    true
}

/// kex.c `kex_assemble_names` on the obtained value `arg` of `HostKeyAlgorithms`, against every
/// key type OpenSSH `version` (`None`: the newest) has (`sshkey_alg_list(0, 0, 1)`): does it
/// fail ("invalid argument")? A negated entry (`!x`) in what is assembled fails, and so does an
/// explicit list (no `+`, `-` or `^`) none of whose entries (patterns, compared in their letter
/// case) matches a name. The reading check looks at names only up to the first empty one and
/// takes short names and negated patterns, so `,foo`, `rsa` and `!ssh-rsa` get this far.
pub(crate) fn host_key_assembly_fails(arg: &[u8], version: Option<OpenSshVersion>) -> bool {
    let negated = |e: &[u8]| e.first() == Some(&b'!');
    match arg.first() {
        Some(b'-') => false,
        // `kex_names_cat(default, list)` appends the list's names up to the first empty one.
        Some(b'+') => arg[1..]
            .split(|&b| b == b',')
            .take_while(|e| !e.is_empty())
            .any(negated),
        // `kex_names_cat(list, default)` keeps the whole list.
        Some(b'^') => arg[1..].split(|&b| b == b',').any(negated),
        _ => {
            let entries = || arg.split(|&b| b == b',');
            entries().any(negated)
                || !entries().any(|e| {
                    !e.is_empty()
                        && KEY_TYPES.iter().any(|n| {
                            known_to(n, version)
                                && crate::pattern::match_pattern_list(
                                    n.as_bytes(),
                                    e,
                                    crate::pattern::EntryCase::AsWritten,
                                ) == crate::pattern::ListMatch::Match
                        })
                })
        }
    }
}

/// The message ssh prints for a bad algorithm list.
pub(crate) fn algorithms_message(which: Algos, arg: &[u8]) -> String {
    let arg = super::value::vis(arg);
    match which {
        Algos::Ciphers => format!("Bad SSH2 cipher spec '{arg}'."),
        Algos::Macs => format!("Bad SSH2 MAC spec '{arg}'."),
        Algos::Kex => format!("Bad SSH2 KexAlgorithms '{arg}'."),
        Algos::GssKex => format!("Bad GSSAPI KexAlgorithms '{arg}'."),
        Algos::KeyTypes => format!("Bad key types '{arg}'."),
    }
}
