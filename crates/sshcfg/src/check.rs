//! Checks of single lines that OpenSSH would reject, for the keywords this library reads.

use crate::forward::{Forward, ForwardError};
use crate::keyword::Keyword;
use crate::lexer::Token;

/// Every keyword OpenSSH's client knows (readconf.c's `keywords[]`, 9.2 and current, plus
/// Debian's GSSAPI key-exchange options), lowercase and sorted. Deprecated and unsupported ones
/// are here too: OpenSSH accepts them with at most a debug message.
const KNOWN: &[&str] = &[
    "addkeystoagent",
    "addressfamily",
    "afstokenpassing",
    "batchmode",
    "bindaddress",
    "bindinterface",
    "canonicaldomains",
    "canonicalizefallbacklocal",
    "canonicalizehostname",
    "canonicalizemaxdots",
    "canonicalizepermittedcnames",
    "casignaturealgorithms",
    "certificatefile",
    "challengeresponseauthentication",
    "channeltimeout",
    "checkhostip",
    "cipher",
    "ciphers",
    "clearallforwardings",
    "compression",
    "compressionlevel",
    "connectionattempts",
    "connecttimeout",
    "controlmaster",
    "controlpath",
    "controlpersist",
    "dsaauthentication",
    "dynamicforward",
    "enableescapecommandline",
    "enablesshkeysign",
    "escapechar",
    "exitonforwardfailure",
    "fallbacktorsh",
    "fingerprinthash",
    "forkafterauthentication",
    "forwardagent",
    "forwardx11",
    "forwardx11timeout",
    "forwardx11trusted",
    "gatewayports",
    "globalknownhostsfile",
    "globalknownhostsfile2",
    "gssapiauthentication",
    "gssapiclientidentity",
    "gssapidelegatecredentials",
    "gssapikexalgorithms",
    "gssapikeyexchange",
    "gssapirenewalforcesrekey",
    "gssapiserveridentity",
    "gssapitrustdns",
    "hashknownhosts",
    "host",
    "hostbasedacceptedalgorithms",
    "hostbasedauthentication",
    "hostbasedkeytypes",
    "hostkeyalgorithms",
    "hostkeyalias",
    "hostname",
    "identitiesonly",
    "identityagent",
    "identityfile",
    "identityfile2",
    "ignoreunknown",
    "include",
    "ipqos",
    "kbdinteractiveauthentication",
    "kbdinteractivedevices",
    "keepalive",
    "kerberosauthentication",
    "kerberostgtpassing",
    "kexalgorithms",
    "knownhostscommand",
    "localcommand",
    "localforward",
    "loglevel",
    "logverbose",
    "macs",
    "match",
    "nohostauthenticationforlocalhost",
    "numberofpasswordprompts",
    "obscurekeystroketiming",
    "passwordauthentication",
    "permitlocalcommand",
    "permitremoteopen",
    "pkcs11provider",
    "port",
    "preferredauthentications",
    "protocol",
    "proxycommand",
    "proxyjump",
    "proxyusefdpass",
    "pubkeyacceptedalgorithms",
    "pubkeyacceptedkeytypes",
    "pubkeyauthentication",
    "refuseconnection",
    "rekeylimit",
    "remotecommand",
    "remoteforward",
    "requesttty",
    "requiredrsasize",
    "revokedhostkeys",
    "rhostsauthentication",
    "rhostsrsaauthentication",
    "rsaauthentication",
    "securitykeyprovider",
    "sendenv",
    "serveralivecountmax",
    "serveraliveinterval",
    "sessiontype",
    "setenv",
    "skeyauthentication",
    "smartcarddevice",
    "stdinnull",
    "streamlocalbindmask",
    "streamlocalbindunlink",
    "stricthostkeychecking",
    "syslogfacility",
    "tag",
    "tcpkeepalive",
    "tisauthentication",
    "tunnel",
    "tunneldevice",
    "updatehostkeys",
    "useprivilegedport",
    "user",
    "userknownhostsfile",
    "userknownhostsfile2",
    "useroaming",
    "usersh",
    "verifyhostkeydns",
    "versionaddendum",
    "visualhostkey",
    "warnweakcrypto",
    "xauthlocation",
];

/// Client keywords newer than OpenSSH 8.0, with the release that added them (from the
/// `keywords[]` table of readconf.c at each release tag).
const SINCE: &[(&str, (u32, u32))] = &[
    ("channeltimeout", (9, 6)),
    ("enableescapecommandline", (9, 2)),
    ("forkafterauthentication", (8, 7)),
    ("hostbasedacceptedalgorithms", (8, 7)),
    ("hostbasedalgorithms", (8, 5)),
    ("knownhostscommand", (8, 5)),
    ("logverbose", (8, 5)),
    ("obscurekeystroketiming", (9, 5)),
    ("permitremoteopen", (8, 5)),
    ("pubkeyacceptedalgorithms", (8, 5)),
    ("refuseconnection", (10, 1)),
    ("requiredrsasize", (9, 1)),
    ("securitykeyprovider", (8, 2)),
    ("sessiontype", (8, 7)),
    ("stdinnull", (8, 7)),
    ("tag", (9, 4)),
    ("versionaddendum", (10, 0)),
    ("warnweakcrypto", (10, 1)),
];

/// `Match` criteria newer than OpenSSH 8.0 (from `match_cfg_line` at each release tag).
const MATCH_SINCE: &[(&str, (u32, u32))] = &[
    ("command", (10, 0)),
    ("localnetwork", (9, 4)),
    ("sessiontype", (10, 0)),
    ("tagged", (9, 4)),
    ("version", (10, 0)),
];

fn since(table: &[(&str, (u32, u32))], word: &[u8]) -> Option<(u32, u32)> {
    let lower = word.to_ascii_lowercase();
    table
        .iter()
        .find(|(k, _)| k.as_bytes() == lower.as_slice())
        .map(|&(_, v)| v)
}

/// Is this keyword newer than `version` (so that OpenSSH client refuses it)?
pub(crate) fn keyword_too_new(kw: &[u8], version: Option<crate::OpenSshVersion>) -> bool {
    match (version, since(SINCE, kw)) {
        (Some(v), Some((major, minor))) => (v.major, v.minor) < (major, minor),
        _ => false,
    }
}

/// Is this `Match` criterion newer than `version`?
pub(crate) fn criterion_too_new(word: &[u8], version: Option<crate::OpenSshVersion>) -> bool {
    let word = word.strip_prefix(b"!").unwrap_or(word);
    match (version, since(MATCH_SINCE, word)) {
        (Some(v), Some((major, minor))) => (v.major, v.minor) < (major, minor),
        _ => false,
    }
}

/// Does the OpenSSH client know this keyword (case-insensitive)?
pub(crate) fn is_known_keyword(kw: &[u8]) -> bool {
    // Lowercased on the stack: no keyword is longer than 40 bytes.
    let mut buf = [0u8; 40];
    let Some(lower) = buf.get_mut(..kw.len()) else {
        return false;
    };
    lower.copy_from_slice(kw);
    lower.make_ascii_lowercase();
    let Ok(s) = std::str::from_utf8(lower) else {
        return false;
    };
    KNOWN.binary_search(&s).is_ok()
}

/// "keyword X extra arguments at end of line" when a keyword that takes `n` arguments has more.
fn extra_args(k: Keyword, args: &[Token<'_>], n: usize) -> Option<String> {
    (args.len() > n).then(|| {
        format!(
            "keyword {} extra arguments at end of line",
            k.name().to_ascii_lowercase()
        )
    })
}

/// The message OpenSSH would print for this line, if it would reject it.
pub(crate) fn check_directive(k: Keyword, args: &[Token<'_>]) -> Option<String> {
    match k {
        Keyword::Other => None,
        Keyword::Host | Keyword::Include => {
            if args.iter().any(|t| t.value.is_empty()) {
                return Some(format!(
                    "keyword {} empty argument",
                    if k == Keyword::Host {
                        "host"
                    } else {
                        "include"
                    }
                ));
            }
            None
        }
        Keyword::LocalForward => match Forward::from_tokens(args) {
            Err(ForwardError::MissingTarget) => Some("Missing target argument.".into()),
            Err(ForwardError::Bad(_)) => Some("Bad forwarding specification.".into()),
            _ if args.len() > 2 => {
                Some("keyword localforward extra arguments at end of line".into())
            }
            Ok(_) | Err(ForwardError::NotEvaluated(_)) => None,
        },
        Keyword::ClearAllForwardings
        | Keyword::GatewayPorts
        | Keyword::ExitOnForwardFailure
        | Keyword::ControlMaster
        | Keyword::ControlPersist => {
            let first = args.first()?;
            if let Some(m) = crate::options::bad_value(k, &first.value) {
                return Some(m);
            }
            (args.len() > 1).then(|| {
                format!(
                    "keyword {} extra arguments at end of line",
                    k.name().to_ascii_lowercase()
                )
            })
        }
        Keyword::DynamicForward => {
            let spec = String::from_utf8_lossy(&args.first()?.value).into_owned();
            match Forward::dynamic(&spec) {
                Err(ForwardError::Bad(_)) => Some("Bad forwarding specification.".into()),
                _ => extra_args(k, args, 1),
            }
        }
        Keyword::Port => {
            let v = String::from_utf8_lossy(&args.first()?.value).into_owned();
            match crate::forward::a2port_checked(&v) {
                Some(0) | None => Some(format!("Bad port '{v}'.")),
                Some(_) => extra_args(k, args, 1),
            }
        }
        Keyword::User | Keyword::HostName => extra_args(k, args, 1),
        Keyword::Match => {
            if args.is_empty() {
                return Some("One or more attributes required for Match".into());
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keyword_table_is_sorted_and_knows_the_usual() {
        assert!(super::KNOWN.windows(2).all(|w| w[0] < w[1]));
        for k in [
            "Host",
            "LOCALFORWARD",
            "IdentityFile",
            "ProxyJump",
            "GSSAPIKeyExchange",
        ] {
            assert!(super::is_known_keyword(k.as_bytes()), "{k}");
        }
        for k in ["UseKeychain", "Hostx", "\u{feff}Host"] {
            assert!(!super::is_known_keyword(k.as_bytes()), "{k}");
        }
    }
}
