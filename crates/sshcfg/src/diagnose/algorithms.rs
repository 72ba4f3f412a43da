//! Algorithm lists (`Ciphers`, `MACs`, `KexAlgorithms`, key types, ...) as ssh checks them:
//! every name known, with the `+`, `-` and `^` prefixes.

use crate::keyword::table::Algos;

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

/// Is this one algorithm name known to the list's validator?
fn algo_known(which: Algos, name: &[u8]) -> bool {
    let has = |list: &[&str]| list.iter().any(|n| n.as_bytes() == name);
    match which {
        Algos::Ciphers => has(CIPHERS),
        Algos::Macs => has(MACS),
        Algos::Kex => has(KEX) || has(GSS_KEX),
        Algos::GssKex => has(GSS_KEX),
        Algos::KeyTypes => {
            has(KEY_TYPES)
                || KEY_SHORT_NAMES
                    .iter()
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
                || KEY_TYPES.iter().any(|n| {
                    crate::pattern::match_pattern_list(
                        n.as_bytes(),
                        name,
                        crate::pattern::EntryCase::AsWritten,
                    ) != crate::pattern::ListMatch::NoMatch
                })
        }
    }
}

/// Does ssh accept this algorithm list argument? (`-` lists are not checked; `+` and `^` are
/// stripped; the names are checked up to the first empty one, as `strsep` loops do.)
pub(crate) fn algorithms_ok(which: Algos, arg: &[u8]) -> bool {
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
        if !algo_known(which, name) {
            return false;
        }
    }
    true
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
