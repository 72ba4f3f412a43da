//! Random lines of every keyword with random (valid and invalid) arguments: the library refuses
//! a config exactly when `ssh -G` does, at the same line.

use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::{first_file_line, installed_version, need_ssh};

/// Keywords whose lines change which host a block reads (or read other files), left out.
const LEFT_OUT: &[&str] = &["host", "match", "include"];

/// Argument words: values every kind of keyword accepts and refuses.
const WORDS: &[&str] = &[
    "yes",
    "No",
    "maybe",
    "TRUE",
    "ask",
    "auto",
    "none",
    "NONE",
    "any",
    "inet",
    "always",
    "10",
    "0",
    "-1",
    "99999999999",
    "abc",
    "1h30m",
    "5x",
    "1G",
    "default",
    "confirm",
    "#c",
    "\"\"",
    "\"a b\"",
    "a=b",
    "A",
    "%h",
    "%r@%h:%p",
    "${HOME}",
    "${NOPE_H19}",
    "$HOME",
    "$1x",
    "localhost:22",
    "1455",
    "[::1]:22",
    "u@h:22",
    "ssh://u@h",
    "a,,b",
    "/tmp/%h.sock",
    "*",
    "a:b",
    "aes128-ctr",
    "+ssh-rsa",
    "ssh-*",
    "foo*",
    "-foo",
    "hmac-sha1,",
    "curve25519-sha256",
    // Algorithm names some releases know and others do not (judged by the installed ssh).
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "rijndael-cbc@lysator.liu.se",
    "+ssh-dss",
    "dsa",
    "af11",
    "0x10",
    "256",
    "^a",
    "ab",
    "077",
    "x",
    "sha256",
    "local0",
    "DEBUG3",
    "any:1",
    "'",
    "host-bound",
    "point-to-point",
    "accept-new",
    "interval:5",
    "session=5m",
    "name#with#hash",
    "C:\\Users\\John",
    "\\",
];

fn ssh_g_refusal(config: &std::path::Path) -> Option<usize> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(config)
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if out.status.success() {
        return None;
    }
    // The first "FILE line N:" message, if ssh refused while reading ("Unsupported option"
    // is reported that way too, but accepted).
    let err = String::from_utf8_lossy(&out.stderr);
    first_file_line(&err, |l| l.contains("Unsupported option")).map(|(_, line)| line)
}

#[test]
fn refuses_exactly_when_ssh_g_does() {
    if !need_ssh("refuses_exactly_when_ssh_g_does") {
        return;
    }
    // Judged as the installed client reads configs (keywords newer than 9.2 are left out of
    // the generator; algorithm names newer or older than it are in).
    let version = installed_version();
    let keywords: Vec<&str> = sshcfg::keywords()
        .filter(|(k, since)| !LEFT_OUT.contains(k) && *since <= (9, 2))
        .map(|(k, _)| k)
        .collect();
    let line = (
        proptest::sample::select(keywords),
        proptest::bool::ANY,
        proptest::collection::vec(proptest::sample::select(WORDS), 0..4),
    )
        .prop_map(|(k, upper, args)| {
            let k = if upper {
                k.to_ascii_uppercase()
            } else {
                k.to_string()
            };
            format!("{k} {}", args.join(" "))
        });
    refusals_agree_with_ssh_g(
        version,
        proptest::collection::vec(line, 1..4).prop_map(|lines| lines.join("\n") + "\n"),
    );
}

/// Each config `configs` draws (`SSHCFG_REFUSAL_CASES` of them, 400 by default) is refused by
/// the library as `version` reads it exactly when `ssh -G` refuses it, at the same line.
fn refusals_agree_with_ssh_g(
    version: Option<sshcfg::OpenSshVersion>,
    configs: impl Strategy<Value = String>,
) {
    let cases: u32 = std::env::var("SSHCFG_REFUSAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&configs, |text| {
            std::fs::write(&path, &text).unwrap();
            let ours = sshcfg::Document::parse(text.clone().into_bytes())
                .diagnostics_for(version)
                .into_iter()
                .find(|d| d.rejects_config())
                .map(|d| d.line);
            let theirs = ssh_g_refusal(&path);
            prop_assert_eq!(ours, theirs, "config:\n{}", text);
            Ok(())
        })
        .unwrap();
}

/// Random `Match` lines (every criterion but `exec`, which `ssh -G` would run, in any letter
/// case, negated or not, with and without arguments, beside `all`, a comment or an unknown
/// word), each followed by a block line: refused exactly when `ssh -G` refuses the config, at
/// the same line, active or not.
#[test]
fn match_lines_are_refused_exactly_when_ssh_g_refuses_them() {
    if !need_ssh("match_lines_are_refused_exactly_when_ssh_g_refuses_them") {
        return;
    }
    let version = installed_version();
    let word = proptest::sample::select(vec![
        "host",
        "HOST",
        "originalhost",
        "user",
        "localuser",
        "all",
        "ALL",
        "!all",
        "final",
        "!final",
        "canonical",
        "Canonical",
        "!host",
        "tagged",
        "localnetwork",
        "version",
        "sessiontype",
        "command",
        "bogus",
        "Bogus",
        "h",
        "h*",
        "x,y",
        "!x",
        "#",
        "#c",
        "\"\"",
        "\"h\"",
        "=",
        "root",
        "\\\"q",
        "x\\\"",
    ]);
    let line = proptest::collection::vec(word, 0..5).prop_map(|w| format!("Match {}", w.join(" ")));
    refusals_agree_with_ssh_g(
        version,
        proptest::collection::vec(line, 1..3).prop_map(|lines| {
            lines
                .iter()
                .map(|l| format!("{l}\n  User u\n"))
                .collect::<String>()
        }),
    );
}

/// The library's first refusal of `text` (newest release): its line and message.
fn first_refusal(text: impl Into<Vec<u8>>) -> Option<(usize, String)> {
    sshcfg::Document::parse(text)
        .diagnostics()
        .into_iter()
        .find(|d| d.rejects_config())
        .map(|d| (d.line, d.message))
}

/// ssh's first "FILE line N: MESSAGE" (or "FILE: line N: MESSAGE") for `config`, with `host`.
fn ssh_g_message(config: &std::path::Path) -> Option<(usize, String)> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(config)
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if out.status.success() {
        return None;
    }
    // ssh's log escapes bytes itself (strnvis), so its stderr is ASCII.
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines().find_map(|l| {
        let at = l.find(" line ")?;
        let rest = &l[at + 6..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let n = rest[..digits].parse().ok()?;
        let msg = rest[digits..].strip_prefix(": ")?;
        Some((n, msg.trim_end_matches('\r').to_string()))
    })
}

/// Lines whose keyword is quoted or whose values hold bytes ssh's log escapes: the library
/// refuses at ssh's line with ssh's message, as ssh prints it (`strnvis`: a backslash doubled,
/// control and non-ASCII bytes in octal), and honours `IgnoreUnknown` for a quoted keyword.
#[test]
fn messages_are_ssh_s_own_as_it_prints_them() {
    if !need_ssh("messages_are_ssh_s_own_as_it_prints_them") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let cases: &[&[u8]] = &[
        b"Host h\n\"Po\"rt 22\n",
        b"Host h\n\"Port 22\"\n",
        b"Host h\n\"po rt\" 22\n",
        b"Host h\n\"po\\rt\x01\xc3\xa9\t\" 22\n",
        b"Host h\nPort\x0c22\n",
        b"Host h\nPort 22\\\n",
        b"Host h\nPort \xff\n",
        b"Host h\nPort 22\x0b\n",
        b"Host h\nCiphers a\\b\n",
        b"Host h\nCanonicalDomains \xc3\xa9.example\n",
        b"Host h\nRekeyLimit 8E\n",
        b"IgnoreUnknown po\nHost h\n\"Po\"rt 22\n",
        b"IgnoreUnknown po*\nHost h\n\"po rt\" 22\n",
        b"IgnoreUnknown port\nHost h\n\"Po\"rt 22\n",
        b"Host h\nPo\"rt\" 22\n",
    ];
    for &text in cases {
        std::fs::write(&path, text).unwrap();
        let ours = first_refusal(text.to_vec());
        assert_eq!(
            ours,
            ssh_g_message(&path),
            "config: {}",
            text.escape_ascii()
        );
    }
}

/// C's `isspace` counts the vertical tab (`\v`) and form feed where Rust's ASCII white space
/// leaves the vertical tab out: `parse_forward` skips them before the first field, `a2port`'s
/// strtonum before a port, `parse_jump`'s `rtrim` ends the text at them. For each line the
/// library refuses at ssh's line with ssh's message, or reads host `h`'s local and dynamic
/// forwards as `ssh -G h` prints them, without an error where ssh has none.
#[test]
fn vertical_tabs_are_read_as_c_isspace_reads_them() {
    if !need_ssh("vertical_tabs_are_read_as_c_isspace_reads_them") {
        return;
    }
    let cases: &[&[u8]] = &[
        b"Host h\nLocalForward \x0b1455 localhost:1455\n",
        b"Host h\nLocalForward \x0c1455 localhost:\x0b1455\n",
        b"Host h\nLocalForward \x0b[ 1455:localhost:1455\nHost b\nUser x\n",
        b"Host b\nLocalForward \x0b[ 1455:localhost:1455\n",
        b"Host h\nLocalForward 1455 localhost:1455\x0b\n",
        b"Host h\nLocalForward 1455 localhost:\x0bssh\n",
        b"Host h\nDynamicForward \x0b1080\nLocalForward 1455 localhost:1455\n",
        b"Host h\nRemoteForward \x0b8080 localhost:\x0b80\n",
        b"Host h\nProxyJump jump:22\x0b\n",
        b"Host h\nProxyJump jump:22\x0bx:y\n",
        b"Host h\nProxyJump jump:x\x0b\n",
        b"Host h\nProxyJump h:22\x0b\n",
        b"Host h\nProxyJump h\x0c:22\nPort 23\n",
        b"Host h\nPort \x0b23\n",
        b"Host h\nServerAliveInterval \x0b5\n",
        b"Host h\nConnectTimeout \x0b1m\x0c1s\n",
    ];
    let ctx = sshcfg::ResolveContext::current_user();
    for &text in cases {
        let home = crate::common::Home::new(text);
        let shown = text.escape_ascii().to_string();
        assert_eq!(
            first_refusal(text.to_vec()),
            ssh_g_message(&home.config()),
            "config: {shown}"
        );
        let r = home.load().resolve("h", &ctx);
        let Some(g) = home.ssh_g("h") else {
            // Refused while reading (compared above), or after: ssh's message is ours.
            let err = home.ssh_g_error("h");
            assert!(
                ssh_g_message(&home.config()).is_some()
                    || r.errors.first().is_some_and(|n| err.contains(&n.message)),
                "ours: {:?}; ssh: {err}; config: {shown}",
                r.errors
            );
            continue;
        };
        assert!(r.errors.is_empty(), "{:?}; config: {shown}", r.errors);
        let forwards = |g: &[String]| -> Vec<String> {
            g.iter()
                .filter(|l| l.starts_with("localforward ") || l.starts_with("dynamicforward "))
                .cloned()
                .collect()
        };
        let ours: Vec<String> = (r.forwards.iter())
            .map(|f| match f.forward.is_dynamic() {
                true => format!("dynamicforward {}", f.forward.listen_display()),
                false => format!("localforward {}", f.forward),
            })
            .collect();
        let (mut ours, mut theirs) = (ours, forwards(&g));
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "config: {shown}");
    }
}

/// `RekeyLimit` sizes as fmt_scaled.c's `scan_scaled` reads them: what follows a unit is not
/// looked at unless it is a letter or digit (`"1G 1h"`, `1G-`), no digit at all is 0 (`G`,
/// `+`, `.`), a fraction without a unit is dropped (`16.5` is 16, `1.5` too small), and the
/// limits of 21 digits and of a 64-bit value; each judged by `ssh -G`, line and message.
#[test]
fn rekey_limits_are_scanned_as_scan_scaled_scans_them() {
    if !need_ssh("rekey_limits_are_scanned_as_scan_scaled_scans_them") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for value in [
        "\"1G 1h\"",
        "1G-",
        "1G.",
        "1Gx",
        "1G1",
        "G",
        "+",
        "-",
        ".",
        "..",
        "16.5",
        "1.5",
        "0.5K",
        "0.001K",
        "0.02K",
        "15",
        "16",
        "-16",
        "--1",
        "+-1",
        "1.5.5",
        "1Q",
        "1b",
        "1k",
        "8E",
        "7E",
        "8191P",
        "8192P",
        "999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999",
        "999999999999999999999",
        "1.23456789012345678901234K",
        "\" 32K\"",
        "\"\t32K\"",
        "default",
        "Default",
        "0",
        "00",
        "1e3",
        "32k 1h",
        "32k none",
    ] {
        let text = format!("Host h\nRekeyLimit {value}\n");
        std::fs::write(&path, &text).unwrap();
        let ours = first_refusal(text.clone().into_bytes());
        assert_eq!(
            ours,
            ssh_g_message(&path),
            "config: {}",
            text.escape_debug()
        );
    }
}

/// What ssh.c refuses for a host after reading the config (a `ProxyJump` to the host itself,
/// `ConnectionAttempts 0`, `ForkAfterAuthentication` without a command, `ProxyCommand -` with
/// `ProxyUseFDPass`, a `HostName` with an unknown `%` token, an option or socket path it cannot
/// expand, a canonicalization that fails with nothing to look up, `HostKeyAlgorithms` that
/// assemble to nothing): the resolution of host `a` has an
/// error exactly when `ssh -G a` fails, with ssh's message, and ResolveIndex agrees.
#[test]
fn host_checks_after_reading_refuse_exactly_when_ssh_g_does() {
    if !need_ssh("host_checks_after_reading_refuse_exactly_when_ssh_g_does") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let cases: &[&str] = &[
        "Host a\nForkAfterAuthentication yes\n",
        "Host a\nForkAfterAuthentication TRUE\nSessionType subsystem\n",
        "Host a\nForkAfterAuthentication yes\nSessionType NONE\n",
        "Host a\nForkAfterAuthentication yes\nRemoteCommand ls\n",
        "Host a\nForkAfterAuthentication yes\nRemoteCommand none\n",
        "Host a\nForkAfterAuthentication no\nHost *\nForkAfterAuthentication yes\n",
        "Host b\nForkAfterAuthentication yes\n",
        "Host a\nConnectionAttempts -0\n",
        // strtonum skips leading blanks, the vertical tab among them.
        "Host a\nConnectionAttempts \" 0\"\n",
        "Host a\nConnectionAttempts \"\x0b+0\"\n",
        "Host a\nConnectionAttempts \" 1\"\n",
        "Host a\nConnectionAttempts 1\nHost *\nConnectionAttempts 0\n",
        "Host *\nConnectionAttempts 0\nHost a\nConnectionAttempts 1\n",
        "Host a\nProxyCommand=-\nProxyUseFDPass yes\n",
        "Host a\nProxyCommand - # x\nProxyUseFDPass yes\n",
        "Host a\nProxyJump b\nProxyCommand -\nProxyUseFDPass yes\n",
        "Host *\nProxyJump a\n",
        "Host * !a\nProxyJump a\n",
        "Host a\nProxyJump A\n",
        "Host a\nPort 23\nProxyJump a\n",
        "Host a\nPort 23\nProxyJump a:23\n",
        "Host a\nPort ssh\nProxyJump a\n",
        "Host a\nUser u\nProxyJump a\n",
        "Host a\nProxyJump root@a\n",
        "Host a\nProxyJump x,a\n",
        "Host a\nProxyJump a,x\n",
        "Host a\nProxyJump ssh://a:22\n",
        "Host a\nProxyJump [a]\n",
        "Host a\nProxyJump none\n",
        "Host a\nProxyCommand none\nProxyJump a\n",
        "Host a\nProxyJump a b\n",
        "Host a\nHostName B\nProxyJump b\n",
        "Host a\nHostName %h.x\nProxyJump a.x\n",
        "Host a\nHostName %z\n",
        "Host a\nHostName %h%\n",
        "Host a\nHostName a%%b\n",
        "Host b\nHostName %z\n",
        "Host a\nRemoteCommand echo %/\n",
        "Host a\nRemoteCommand none\n",
        "Host a\nControlPath /tmp/%/\n",
        "Host a\nControlPath /tmp/%C%%\n",
        "Host a\nControlPath /tmp/${SSHCFG_UNSET_H19}\n",
        "Host a\nControlPath ~no-such-user-h19/x\n",
        "Host a\nIdentityAgent /tmp/%/\n",
        "Host a\nForwardAgent yes\nForwardAgent /tmp/%/\n",
        "Host a\nUserKnownHostsFile /x/ok /x/%/\n",
        "Host a\nLocalForward 1455 %/1455\n",
        "Host a\nLocalForward /tmp/x% /tmp/y\n",
        "Host a\nClearAllForwardings yes\nLocalForward 1455 %/1455\n",
        "Host a\nRemoteForward 0 /tmp/%q\n",
        "Host a\nDynamicForward /tmp/%/\n",
        "Host a\nControlPath %/\nRemoteCommand %z\n",
        "Host a\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\n",
        "Host a\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nProxyJump none\n",
        "Host a\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nHostName x.y.z\n",
        "Host a\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nCanonicalizeMaxDots \" 0\"\n",
        "Host a\nCanonicalizeHostname yes\nCanonicalizeFallbackLocal no\nCanonicalizeMaxDots \" 0\"\nHostName x.y\n",
        "Host a\nCanonicalizeHostname always\nCanonicalizeFallbackLocal no\nProxyJump a\n",
        "Host a\nHostKeyAlgorithms rsa\n",
        "Host a\nHostKeyAlgorithms ssh-*,!ssh-rsa\n",
        "Host a\nHostKeyAlgorithms ,ssh-ed*\n",
        "Host a\nCiphers ,\n",
    ];
    let ctx = sshcfg::ResolveContext::current_user();
    for &text in cases {
        std::fs::write(&path, text).unwrap();
        let out = Command::new("ssh")
            .args(["-G", "-F"])
            .arg(&path)
            .arg("a")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let set = sshcfg::ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &sshcfg::LoadOptions::explicit_file(&path, &path),
        )
        .unwrap();
        let r = set.resolve("a", &ctx);
        assert!(set.rejection_for_host(None, &r).is_none(), "{text}");
        match r.errors.first() {
            Some(n) => assert!(
                !out.status.success() && err.contains(&n.message),
                "ours: {}; ssh: {err}; config:\n{text}",
                n.message
            ),
            None => assert!(out.status.success(), "ssh: {err}; config:\n{text}"),
        }
        let many = set.resolve_many(&["a"], &ctx);
        assert_eq!(
            many[0].errors.first().map(|n| &n.message),
            r.errors.first().map(|n| &n.message),
            "{text}"
        );
    }
}

/// The keywords only Debian's patches add (`ProtocolKeepAlives`, `SetupTimeOut`: a time;
/// `UseBlacklistedKeys`: deprecated, any arguments), with valid and invalid arguments: judged
/// as the installed client (release and vendor, from `ssh -V`), the library refuses at ssh's
/// line with ssh's message. On Debian's or Ubuntu's ssh they are known; on any other, unknown.
#[test]
fn debian_keywords_as_the_installed_ssh_reads_them() {
    if !need_ssh("debian_keywords_as_the_installed_ssh_reads_them") {
        return;
    }
    let version = installed_version();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let debian = version.is_some_and(|v| v.vendor.has_debian_patches());
    for keyword in [
        "ProtocolKeepAlives",
        "SetupTimeOut",
        "UseBlacklistedKeys",
        "protocolkeepalives",
        "SETUPTIMEOUT",
    ] {
        for args in [
            " 10",
            " 0",
            " none",
            " NONE",
            " 1h30m",
            " 10M",
            "=5",
            " \"5\"",
            " 5 # c",
            " abc",
            " -1",
            " 2147483647",
            " 2147483648",
            " 10 20",
            " yes",
            " a b c",
            "",
            " # x",
            " \"open",
        ] {
            for text in [
                format!("{keyword}{args}\n"),
                format!("Host x\n  {keyword}{args}\nHost h\n  User u\n"),
                format!("Host *\n  {keyword}{args}\n"),
                format!("IgnoreUnknown {keyword}\n{keyword}{args}\n"),
            ] {
                std::fs::write(&path, &text).unwrap();
                let ours = sshcfg::Document::parse(text.clone().into_bytes())
                    .diagnostics_for(version)
                    .into_iter()
                    .find(|d| d.rejects_config())
                    .map(|d| (d.line, d.message));
                let theirs = ssh_g_message(&path);
                assert_eq!(ours, theirs, "config:\n{text}");
            }
            // Debian's ssh accepts a valid line without `IgnoreUnknown`; any other refuses it.
            if args == " 10" {
                std::fs::write(&path, format!("{keyword}{args}\n")).unwrap();
                assert_eq!(
                    ssh_g_message(&path).is_none(),
                    debian,
                    "{version:?}: {keyword}"
                );
            }
        }
    }
}

/// The refusal ssh names first for `host`: "FILE line N: MESSAGE" as (file name, line,
/// message), or a message printed without a line (`None`, `None`, message).
fn ssh_g_first(
    config: &std::path::Path,
    host: &str,
) -> Option<(Option<String>, Option<usize>, String)> {
    let out = Command::new("ssh")
        .args(["-G", "-F"])
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if out.status.success() {
        return None;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches('\r');
    Some(match first.find(" line ") {
        Some(at) => {
            let rest = &first[at + 6..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            let name = std::path::Path::new(&first[..at])
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let msg = rest[digits..].strip_prefix(": ").unwrap_or_default();
            (name, rest[..digits].parse().ok(), msg.to_string())
        }
        None => (None, None, first.to_string()),
    })
}

/// What ssh names first: the file's name, the line (`None`: ssh prints none) and the message.
type Named = (&'static str, Option<usize>, &'static str);

/// Where a config names the host-specific problems ssh meets while reading (an applying line
/// past readconf.c's limits, Includes nested too deep) and lines it refuses for every host,
/// the refusal named is the first ssh meets in its reading order, with the message ssh gives
/// for this host (`ssh -G` 9.2p1 answers, recorded: file, line and message; `None` for the
/// line where ssh prints none), and `ssh -G` agrees when it is here. ResolveIndex agrees.
#[test]
fn the_refusal_named_is_the_first_ssh_meets() {
    let n = |k: usize, f: &dyn Fn(usize) -> String| -> String {
        (1..=k).map(f).collect::<Vec<_>>().join(" ")
    };
    let files = |k| n(k, &|i| format!("/tmp/k{i}"));
    let domains = |k| n(k, &|i| format!("d{i}.com"));
    let cnames = |k| n(k, &|i| format!("a{i}:b"));
    let identities = |kw: &str| {
        (1..=100)
            .map(|i| format!("  {kw} /tmp/id{i}\n"))
            .collect::<String>()
    };
    let uk33 = format!("Host h\n  UserKnownHostsFile {}\n", files(33));
    let uk_global = format!("UserKnownHostsFile {}\n", files(33));
    let twice = "Host a\n  Include {dir}/inc\nHost *\n  Port abc\nHost b\n  Include {dir}/inc\n";
    // (main config, included file `inc`, host, (file, line, message)); `{dir}` is the
    // directory of both.
    let cases: Vec<(String, &str, &str, Named)> = vec![
        // A limit on an applying line, before a line refused for every host.
        (
            format!("{uk33}Host *\n  Port abc\n"),
            "",
            "h",
            ("config", Some(2), "too many userknownhostsfile entries."),
        ),
        (
            format!("{uk33}Host *\n  Port abc\n"),
            "",
            "o",
            ("config", Some(4), "Bad port 'abc'."),
        ),
        (
            format!(
                "Host h\n{}  IdentityFile /tmp/x\nPort abc\n",
                identities("IdentityFile")
            ),
            "",
            "h",
            (
                "config",
                Some(102),
                "Too many identity files specified (max 100).",
            ),
        ),
        // After it, the line refused for every host comes first.
        (
            format!("Port abc\n{uk33}"),
            "",
            "h",
            ("config", Some(1), "Bad port 'abc'."),
        ),
        // In an included file, read where the Include stands.
        (
            "Include {dir}/inc\nPort abc\n".into(),
            &uk33,
            "h",
            ("inc", Some(2), "too many userknownhostsfile entries."),
        ),
        (
            "Port abc\nInclude {dir}/inc\n".into(),
            &uk33,
            "h",
            ("config", Some(1), "Bad port 'abc'."),
        ),
        (
            "Host h\n  Include {dir}/inc\nHost *\n  Port abc\n".into(),
            &uk33,
            "h",
            ("inc", Some(2), "too many userknownhostsfile entries."),
        ),
        // A file included at two places: ssh reads it at both (inside a block that does not
        // apply, nothing in it applies), and the host's reading meets a limit where its block
        // applies.
        (
            twice.into(),
            &uk_global,
            "a",
            ("inc", Some(1), "too many userknownhostsfile entries."),
        ),
        (
            twice.into(),
            &uk_global,
            "b",
            ("config", Some(4), "Bad port 'abc'."),
        ),
        (
            twice.into(),
            &uk_global,
            "c",
            ("config", Some(4), "Bad port 'abc'."),
        ),
        // Problems found after the first reading come after it (ssh stops there).
        (
            "ConnectionAttempts 0\nPort abc\n".into(),
            "",
            "h",
            ("config", Some(2), "Bad port 'abc'."),
        ),
        (
            format!(
                "Match final host h\n  UserKnownHostsFile {}\nHost *\n  Port abc\n",
                files(33)
            ),
            "",
            "h",
            ("config", Some(4), "Bad port 'abc'."),
        ),
        // Includes nested too deep: ssh stops at the Include that goes too deep, after the
        // lines before it.
        (
            "Include {dir}/config\nPort abc\n".into(),
            "",
            "h",
            ("config", None, "Too many recursive configuration includes"),
        ),
        (
            "Host *\n  Port abc\nInclude {dir}/config\n".into(),
            "",
            "h",
            ("config", Some(2), "Bad port 'abc'."),
        ),
        // Within one line: the limit is checked as each entry is kept, after that entry's
        // own check, so a bad entry past the limit is not reached where the line applies.
        (
            format!("Host h\n  UserKnownHostsFile {} none\n", files(33)),
            "",
            "h",
            ("config", Some(2), "too many userknownhostsfile entries."),
        ),
        (
            format!("Host h\n  UserKnownHostsFile {} none\n", files(33)),
            "",
            "o",
            (
                "config",
                Some(2),
                "keyword userknownhostsfile \"none\" argument must appear alone.",
            ),
        ),
        (
            format!("Host h\n  UserKnownHostsFile {} none\n", files(32)),
            "",
            "h",
            (
                "config",
                Some(2),
                "keyword userknownhostsfile \"none\" argument must appear alone.",
            ),
        ),
        (
            format!("Host h\n  UserKnownHostsFile {} \"\"\n", files(33)),
            "",
            "h",
            ("config", Some(2), "too many userknownhostsfile entries."),
        ),
        (
            format!("Host h\n  GlobalKnownHostsFile {} none\n", files(33)),
            "",
            "h",
            ("config", Some(2), "too many globalknownhostsfile entries."),
        ),
        (
            format!("Host h\n  CanonicalDomains {} bad_domain!\n", domains(33)),
            "",
            "h",
            ("config", Some(2), "too many hostname suffixes."),
        ),
        (
            format!("Host h\n  CanonicalDomains {} bad_domain!\n", domains(32)),
            "",
            "h",
            (
                "config",
                Some(2),
                "domain name \"bad_domain!\" contains invalid characters",
            ),
        ),
        (
            format!("Host h\n  CanonicalizePermittedCNAMEs {} bad\n", cnames(33)),
            "",
            "h",
            ("config", Some(2), "too many permitted CNAMEs."),
        ),
        (
            format!("Host h\n  CanonicalizePermittedCNAMEs {} bad\n", cnames(32)),
            "",
            "h",
            ("config", Some(2), "Invalid permitted CNAME \"bad\""),
        ),
        (
            format!(
                "Host h\n{}  IdentityFile /tmp/x extra\n",
                identities("IdentityFile")
            ),
            "",
            "h",
            (
                "config",
                Some(102),
                "Too many identity files specified (max 100).",
            ),
        ),
        (
            format!(
                "Host h\n{}  IdentityFile \"\"\n",
                identities("IdentityFile")
            ),
            "",
            "h",
            ("config", Some(102), "Missing argument."),
        ),
        (
            format!(
                "Host h\n{}  CertificateFile /tmp/x extra\n",
                identities("CertificateFile")
            ),
            "",
            "h",
            (
                "config",
                Some(102),
                "Too many certificate files specified (max 100).",
            ),
        ),
    ];
    let ssh = crate::common::ssh_available();
    let ctx = sshcfg::ResolveContext::current_user();
    for (main, inc, host, want) in &cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let path = dir.path().join("config");
        let main = main.replace("{dir}", d);
        std::fs::write(&path, &main).unwrap();
        std::fs::write(dir.path().join("inc"), inc).unwrap();
        let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
        let mut through_index = sshcfg::Resolution::default();
        set.resolve_index()
            .resolve_into(host, &ctx, &mut through_index);
        for r in [set.resolve(host, &ctx), through_index] {
            let every = set.rejection_for_host(None, &r);
            let ours = set.refusal_for_host(every, &r).map(|e| {
                let name = set.file(e.loc.file()).path.file_name().unwrap();
                (name.to_string_lossy().into_owned(), e.loc.line(), e.message)
            });
            let (file, line, message) = *want;
            let (our_file, our_line, our_message) = ours.expect("refused");
            assert_eq!(
                (our_file.as_str(), our_message.as_str()),
                (file, message),
                "{host}: {main}"
            );
            if let Some(line) = line {
                assert_eq!(our_line, line, "{host}: {main}");
            }
            // The edit is refused at the same line.
            let e = set
                .enable(host, &sshcfg::Forward::loopback(1455, 1455), &ctx)
                .unwrap_err();
            assert_eq!(e.loc().map(|l| l.line()), Some(our_line), "{host}: {main}");
        }
        if ssh {
            let (f, l, m) = ssh_g_first(&path, host).expect("ssh -G refuses");
            assert_eq!(m, want.2, "{host}: {main}");
            assert_eq!(l, want.1, "{host}: {main}");
            if let Some(f) = f {
                assert_eq!(f, want.0, "{host}: {main}");
            }
        }
    }
}

/// An unknown keyword is covered by the `IgnoreUnknown` in force when ssh reads its line: one
/// obtained in the first reading of the files, before the line in ssh's reading order (an
/// `Include`'s files where it stands, whichever file holds either). One obtained only in a final
/// pass (`Match final`, `Match canonical` under `CanonicalizeHostname`) covers nothing: ssh
/// refuses the line in the first reading and stops. Recorded `ssh -G` 9.2p1 answers for host `a`
/// (the line refused, in `config` or `inc`; `None`: accepted), checked again when ssh is here;
/// ResolveIndex and `enable` agree.
#[test]
fn ignore_unknown_covers_what_ssh_reads_after_it_in_its_first_reading() {
    type Case = (&'static str, &'static str, Option<(&'static str, usize)>);
    let cases: &[Case] = &[
        (
            "Match final\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            Some(("config", 4)),
        ),
        (
            "Match final all\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            Some(("config", 4)),
        ),
        (
            "Match final host a\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            Some(("config", 4)),
        ),
        (
            "Match host a final\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            Some(("config", 4)),
        ),
        (
            "CanonicalizeHostname yes\nMatch canonical\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            Some(("config", 5)),
        ),
        // Not final: read in the first reading.
        (
            "Match !final\n  IgnoreUnknown Foo\nHost a\n  Foo bar\n",
            "",
            None,
        ),
        ("Host a\n  IgnoreUnknown Foo\n  Foo bar\n", "", None),
        // In another file: ssh reads the Include where it stands.
        (
            "Include {dir}/inc\nHost a\n  Foo bar\n",
            "IgnoreUnknown Foo\n",
            None,
        ),
        (
            "IgnoreUnknown Foo\nInclude {dir}/inc\n",
            "Host a\n  Foo bar\n",
            None,
        ),
        (
            "Host a\n  Include {dir}/inc\n  Foo bar\n",
            "IgnoreUnknown Foo\n",
            None,
        ),
        (
            "Include {dir}/inc\nIgnoreUnknown Foo\n",
            "Host a\n  Foo bar\n",
            Some(("inc", 2)),
        ),
        (
            "Host a\n  Foo bar\nInclude {dir}/inc\n",
            "IgnoreUnknown Foo\n",
            Some(("config", 2)),
        ),
        (
            "Include {dir}/inc\nHost a\n  Foo bar\n",
            "IgnoreUnknown Bar\n",
            Some(("config", 3)),
        ),
        // An included file's own first IgnoreUnknown, which its own check takes for every
        // host: only where ssh's first reading gives it to every host (helper-65's review).
        (
            "Host work\n  Include {dir}/inc\nHost c\n  User me\n",
            "IgnoreUnknown Foo\nFoo bar\n",
            Some(("inc", 2)),
        ),
        (
            "Host a\n  Include {dir}/inc\n",
            "IgnoreUnknown Foo\nFoo bar\n",
            None,
        ),
        (
            "Match final\n  Include {dir}/inc\n",
            "IgnoreUnknown Foo\nFoo y\n",
            Some(("inc", 2)),
        ),
        (
            "IgnoreUnknown Bar\nInclude {dir}/inc\n",
            "IgnoreUnknown foo\nfoo z\n",
            Some(("inc", 2)),
        ),
        (
            "Host a\n  IgnoreUnknown Bar\nHost *\n  Include {dir}/inc\n",
            "IgnoreUnknown Foo\nFoo y\n",
            Some(("inc", 2)),
        ),
        (
            "Include {dir}/inc\n",
            "IgnoreUnknown UseKeychain\nHost *\n  UseKeychain yes\n",
            None,
        ),
        // A file included at two places: read at the first where its block does not apply
        // (nothing in it applies, so its IgnoreUnknown is not obtained there), its unknown
        // keyword is refused, though the host obtains that IgnoreUnknown at the second.
        (
            "Host b\n  Include {dir}/inc\nHost a b\n  Include {dir}/inc\n",
            "IgnoreUnknown Foo\nFoo bar\n",
            Some(("inc", 2)),
        ),
        (
            "Host a\n  Include {dir}/inc\nHost a b\n  Include {dir}/inc\n",
            "IgnoreUnknown Foo\nFoo bar\n",
            None,
        ),
        // The main file's own first IgnoreUnknown, with an Include above it that reads one
        // first (ssh keeps that one: the main file's covers nothing); and one that reads none.
        (
            "Include {dir}/inc\nIgnoreUnknown *\nFoo bar\n",
            "IgnoreUnknown Bogus\n",
            Some(("config", 3)),
        ),
        (
            "Include {dir}/inc\nIgnoreUnknown *\nFoo bar\n",
            "User me\n",
            None,
        ),
    ];
    let ssh = crate::common::ssh_available();
    let ctx = sshcfg::ResolveContext::current_user();
    let forward = sshcfg::Forward::loopback(1455, 1455);
    for (main, inc, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let path = dir.path().join("config");
        let main = main.replace("{dir}", d);
        std::fs::write(&path, &main).unwrap();
        std::fs::write(dir.path().join("inc"), inc).unwrap();
        let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
        let mut through_index = sshcfg::Resolution::default();
        set.resolve_index()
            .resolve_into("a", &ctx, &mut through_index);
        for r in [set.resolve("a", &ctx), through_index] {
            let every = set.rejection_for_host(None, &r);
            let ours = set.refusal_for_host(every, &r).map(|e| {
                let name = set.file(e.loc.file()).path.file_name().unwrap();
                (name.to_string_lossy().into_owned(), e.loc.line())
            });
            let ours = ours.as_ref().map(|(f, l)| (f.as_str(), *l));
            assert_eq!(ours, *want, "{main}---\n{inc}");
        }
        let e = set.enable("a", &forward, &ctx).err();
        assert_eq!(
            e.and_then(|e| e.loc()).map(|l| l.line()),
            want.map(|w| w.1),
            "{main}---\n{inc}"
        );
        if ssh {
            // ("FILE: line N: Bad configuration option", with a colon after the name.)
            let named = ssh_g_first(&path, "a")
                .map(|(f, l, _)| (f.unwrap().trim_end_matches(':').to_string(), l.unwrap()));
            let named = named.as_ref().map(|(f, l)| (f.as_str(), *l));
            assert_eq!(named, *want, "ssh -G: {main}---\n{inc}");
        }
    }
}

/// A keyword that one build or release knows and another does not (Apple's `UseKeychain`,
/// 9.4's `Tag`), in an included file under its own first `IgnoreUnknown`, where the `Include`
/// stands in a `Host work` block: for a build that does not know it, ssh's first reading gives
/// that `IgnoreUnknown` to `work` alone and refuses the line for every other host (`ssh -G` 9.2p1
/// for `a`: "inc line 2: Bad configuration option"); for one that knows it, nothing is refused.
/// (The file's own check, taking its first `IgnoreUnknown` for every host, once saw only
/// keywords no build knows: `Tag` was accepted here.)
#[test]
fn keywords_a_build_lacks_in_an_included_file_are_refused_where_ssh_refuses_them() {
    use sshcfg::{OpenSshVersion, Vendor};
    let debian = Some(OpenSshVersion::new(9, 2).with_vendor(Vendor::Debian));
    let ctx = sshcfg::ResolveContext::current_user();
    for (line, knows) in [
        (
            "UseKeychain yes",
            Some(OpenSshVersion::new(9, 8).with_vendor(Vendor::Apple)),
        ),
        ("Tag x", Some(OpenSshVersion::new(9, 4))),
        ("Bogus x", None),
    ] {
        let keyword = line.split(' ').next().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let path = dir.path().join("config");
        let main = format!("Host work\n  Include {d}/inc\nHost c\n  User me\n");
        std::fs::write(&path, &main).unwrap();
        let inc = format!("IgnoreUnknown {keyword}\n{line}\n");
        std::fs::write(dir.path().join("inc"), &inc).unwrap();
        let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
        let refused = |version, host: &str| {
            let r = set.resolve(host, &ctx.clone().with_openssh(version));
            let every = set.rejection_for_host(version, &r);
            set.refusal_for_host(every, &r).map(|e| {
                let name = set.file(e.loc.file()).path.file_name().unwrap();
                (name.to_string_lossy().into_owned(), e.loc.line())
            })
        };
        let at_inc = Some(("inc".to_string(), 2));
        assert_eq!(refused(debian, "a"), at_inc, "{line}");
        assert_eq!(refused(debian, "work"), None, "{line}");
        if let Some(v) = knows {
            assert_eq!(refused(Some(v), "a"), None, "{line} ({v:?})");
        }
        if crate::common::ssh_available() && installed_version() == debian {
            let named = ssh_g_first(&path, "a")
                .map(|(f, l, _)| (f.unwrap().trim_end_matches(':').to_string(), l.unwrap()));
            assert_eq!(named, at_inc, "ssh -G: {main}---\n{inc}");
        }
    }
}

/// `disable` edits a config ssh refuses for the host only when ssh accepts it once the forward
/// is gone (the removed line may be the one it refuses); otherwise it is refused, as `enable`
/// is, at the line ssh refuses in the files as they are (`ssh -G` 9.2p1: `LocalForward 1455
/// localhost:1455 x` is "extra arguments at end of line", `Bogus x` "Bad configuration option:
/// bogus"). When ssh is here, it accepts the config the edit leaves, and refuses the one a
/// refused edit would have left at the line named (counted in the file as it is).
#[test]
fn disable_is_refused_when_ssh_still_refuses_the_config_after_it() {
    let ctx = sshcfg::ResolveContext::current_user();
    let fwd = sshcfg::Forward::loopback(1455, 1455);
    // (config, the line named when refused)
    let cases: &[(&str, Option<usize>)] = &[
        ("Host a\n  LocalForward 1455 localhost:1455 x\n", None),
        (
            "Host a\n  LocalForward 1455 localhost:1455 x\n  User u\n",
            None,
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\n  Bogus x\n",
            Some(3),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455 x\n  Bogus x\n",
            Some(3),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\n  Port abc\n",
            Some(3),
        ),
        (
            "Bogus x\nHost a\n  LocalForward 1455 localhost:1455\n",
            Some(1),
        ),
        (
            "Host a\n  LocalForward 1455 localhost:1455\nHost b\n  Bogus x\n",
            Some(4),
        ),
        // A line ssh refuses for this host alone (33 entries: "too many ... entries.").
        (
            "Host a\n  LocalForward 1455 localhost:1455\n  UserKnownHostsFile /k1 /k2 /k3 /k4 /k5 /k6 /k7 /k8 /k9 /k10 /k11 /k12 /k13 /k14 /k15 /k16 /k17 /k18 /k19 /k20 /k21 /k22 /k23 /k24 /k25 /k26 /k27 /k28 /k29 /k30 /k31 /k32 /k33\n",
            Some(3),
        ),
        // Covered by the host's IgnoreUnknown: accepted.
        (
            "Host a\n  IgnoreUnknown Bogus\n  LocalForward 1455 localhost:1455\n  Bogus x\n",
            None,
        ),
    ];
    let ssh = crate::common::ssh_available();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for &(text, want) in cases {
        let set = sshcfg::ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &sshcfg::LoadOptions::explicit_file(&path, "/nonexistent"),
        )
        .unwrap();
        let got = set.disable("a", &fwd, &ctx);
        match (want, &got) {
            (None, Ok(plan)) => {
                assert!(plan.is_change(), "{text}");
                if ssh {
                    std::fs::write(&path, plan.changes()[0].after()).unwrap();
                    assert_eq!(ssh_g_first(&path, "a"), None, "{text}");
                }
            }
            (Some(line), Err(sshcfg::EditError::Rejected(e))) => {
                assert_eq!(e.loc.line(), line, "{text}");
                if ssh {
                    // The config the edit would have left: ssh refuses it at the same line,
                    // counted there (the forward line, above it, is gone).
                    let left: String = text
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("LocalForward"))
                        .map(|l| format!("{l}\n"))
                        .collect();
                    std::fs::write(&path, &left).unwrap();
                    let named = ssh_g_first(&path, "a").and_then(|(_, l, _)| l);
                    let above = (line > 2 && text.contains("\n  LocalForward")) as usize;
                    assert_eq!(named, Some(line - above), "{text}");
                }
            }
            _ => panic!("{text}: {got:?}"),
        }
    }
}

/// The line ssh refuses and its message; `None`: accepted.
type Refused = Option<(usize, &'static str)>;

/// An empty `Host` argument is refused where ssh reads it: readconf.c reads a `Host` line's
/// arguments left to right and a negated pattern that matches ends the line, so an empty
/// argument after one is refused only for the hosts it does not exclude; a positive match reads
/// on. `Match host` lists take an empty entry as a pattern like any other (only an empty list
/// is refused). Recorded `ssh -G` 9.2p1 answers (the line refused and the message; `None`:
/// accepted), checked again when ssh is here; ResolveIndex and `enable` agree.
#[test]
fn empty_host_arguments_are_refused_for_the_hosts_ssh_reads_them_for() {
    const EMPTY: &str = "keyword host empty argument";
    const HOST: &str = "Missing Match criteria for host";
    let cases: &[(&str, &str, Refused)] = &[
        ("Host !a \"\" b\n  User u\n", "a", None),
        ("Host !a \"\" b\n  User u\n", "b", Some((1, EMPTY))),
        ("Host !a \"\" b\n  User u\n", "c", Some((1, EMPTY))),
        ("Host !a \"\"\n  User u\n", "a", None),
        ("Host !a \"\"\n  User u\n", "b", Some((1, EMPTY))),
        ("Host b !a \"\"\n  User u\n", "a", None),
        ("Host b !a \"\"\n  User u\n", "b", Some((1, EMPTY))),
        ("Host b !a \"\"\n  User u\n", "c", Some((1, EMPTY))),
        ("Host a \"\" b\n  User u\n", "a", Some((1, EMPTY))),
        ("Host a \"\" b\n  User u\n", "c", Some((1, EMPTY))),
        ("Host \"\" b\n  User u\n", "a", Some((1, EMPTY))),
        ("Host !* \"\"\n  User u\n", "a", None),
        // The line refused for some hosts, then one refused for every host.
        (
            "Host !a \"\"\nPort abc\n",
            "a",
            Some((2, "Bad port 'abc'.")),
        ),
        ("Host !a \"\"\nPort abc\n", "b", Some((1, EMPTY))),
        ("Match host !a,\"\"\n  User u\n", "a", None),
        ("Match host !a,\"\"\n  User u\n", "b", None),
        ("Match host a,\"\"\n  User u\n", "a", None),
        ("Match host \"\"\n  User u\n", "a", Some((1, HOST))),
    ];
    for &(main, host, want) in cases {
        refusal_case(main, "", host, want);
    }
}

/// In a file read through an `Include` inside a block that does not apply
/// (`SSHCONF_NEVERMATCH`), readconf.c ends a `Host` line after its first argument: an empty
/// argument after it is refused only for the hosts whose reading applies the `Include`.
/// Recorded `ssh -G` 9.2p1 answers (line of the file that holds it), checked when ssh is here.
#[test]
fn empty_host_arguments_in_a_file_included_where_nothing_applies_are_not_read() {
    const EMPTY: &str = "keyword host empty argument";
    let inside = "Host zz\n  Include {dir}/inc\n";
    let cases: &[(&str, &str, &str, Refused)] = &[
        (inside, "Host b \"\"\n  User u\n", "a", None),
        (inside, "Host b \"\"\n  User u\n", "b", None),
        (inside, "Host b \"\"\n  User u\n", "zz", Some((1, EMPTY))),
        (inside, "Host \"\" b\n  User u\n", "a", Some((1, EMPTY))),
        // Read where every line applies: every host reads the whole line.
        (
            "Include {dir}/inc\n",
            "Host b \"\"\n  User u\n",
            "a",
            Some((1, EMPTY)),
        ),
        (
            "Include {dir}/inc\n",
            "Host b \"\"\n  User u\n",
            "b",
            Some((1, EMPTY)),
        ),
    ];
    for &(main, inc, host, want) in cases {
        refusal_case(main, inc, host, want);
    }
}

/// One recorded refusal case: the config `main` (and `inc` beside it, when not empty; `{dir}` is
/// their directory), for `host`, is refused at `want` (line and message) or accepted (`None`),
/// by the resolution, through an index, by `enable`, and by `ssh -G` when it is here (its
/// message alone where it names no line: a fatal error, `percent_expand`'s).
fn refusal_case(main: &str, inc: &str, host: &str, want: Refused) {
    let ctx = sshcfg::ResolveContext::current_user();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let path = dir.path().join("config");
    let main = &main.replace("{dir}", d);
    std::fs::write(&path, main).unwrap();
    if !inc.is_empty() {
        std::fs::write(dir.path().join("inc"), inc).unwrap();
    }
    let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
    let mut through_index = sshcfg::Resolution::default();
    set.resolve_index()
        .resolve_into(host, &ctx, &mut through_index);
    for r in [set.resolve(host, &ctx), through_index] {
        let every = set.rejection_for_host(None, &r);
        let ours = set
            .refusal_for_host(every, &r)
            .map(|e| (e.loc.line(), e.message));
        let ours = ours.as_ref().map(|(l, m)| (*l, m.as_str()));
        assert_eq!(ours, want, "{host}: {main}");
        let edit = set.enable(host, &sshcfg::Forward::loopback(1455, 1455), &ctx);
        match want {
            Some((line, _)) => assert_eq!(
                edit.unwrap_err().loc().map(|l| l.line()),
                Some(line),
                "{host}: {main}"
            ),
            None => assert!(edit.is_ok(), "{host}: {main}"),
        }
    }
    if crate::common::ssh_available() {
        let got = ssh_g_first(&path, host);
        assert_eq!(got.is_none(), want.is_none(), "{host}: {main}: {got:?}");
        match (&got, want) {
            (Some((_, Some(l), m)), Some((line, message))) => {
                assert_eq!((*l, m.as_str()), (line, message), "{host}: {main}")
            }
            (Some((_, None, m)), Some((_, message))) => {
                assert_eq!(m.as_str(), message, "{host}: {main}")
            }
            _ => {}
        }
    }
}

/// Random configs of blocks and Includes (`Host` lines with wildcards, negations and empty
/// arguments, `Match` lines of several criteria, a file included at two places, one included
/// inside a block that does not apply) with lines ssh refuses for every host (`Port abc`), for
/// some hosts (a `UserKnownHostsFile` past its limit where it applies) or for its reading
/// (`FooBar` under an `IgnoreUnknown foo*` that may or may not be in force): for each of four
/// hosts the library names the line `ssh -G` names first (file and line), or none when it
/// accepts, resolved directly and through an index.
#[test]
fn blocks_and_includes_are_refused_where_ssh_g_refuses_them() {
    if !need_ssh("blocks_and_includes_are_refused_where_ssh_g_refuses_them") {
        return;
    }
    let version = installed_version();
    let uk33: String = std::iter::once("UserKnownHostsFile".to_string())
        .chain((1..=33).map(|i| format!("/tmp/k{i}")))
        .collect::<Vec<_>>()
        .join(" ");
    let headers = proptest::sample::select(vec![
        "Host a",
        "Host b",
        "Host *",
        "Host zz",
        "Host !a *",
        "Host b \"\"",
        "Host \"\" b",
        "Host !a \"\" b",
        "Host a b",
        "Host x*",
        "Match host a",
        "Match all",
        "Match host b,!a",
        "Match final",
        "Match originalhost zz",
        "Match canonical all",
        "Match host \"\"",
        "Match host a final",
        "Match user root",
        "Match localuser root,!nobody",
        "Match host x,a originalhost zz",
        "Match host",
        "Match tagged x",
        "Host !zz",
        "Host a # c",
    ]);
    let body = |includes: &[&str]| {
        let mut lines = vec![
            "User u".to_string(),
            "Port abc".into(),
            "Port 22".into(),
            uk33.clone(),
            "FooBar 1".into(),
            "IgnoreUnknown foo*".into(),
            "HostName x".into(),
            "Hostname a".into(),
            "Hostname %h.x".into(),
            "LocalForward 1455 localhost:1455".into(),
            "IgnoreUnknown bar*".into(),
            "BarBaz 2".into(),
            "Tag x".into(),
            "CanonicalizeHostname yes".into(),
            "Include {dir}/none*".into(),
        ];
        lines.extend(includes.iter().map(|f| format!("Include {{dir}}/{f}")));
        proptest::sample::select(lines)
    };
    // (No file includes itself: the main file i1 and i2, i1 i2.)
    let file = |includes: &[&str], most: usize| {
        let line = prop_oneof![
            headers.clone().prop_map(String::from),
            body(includes).prop_map(|l| format!("  {l}")),
        ];
        proptest::collection::vec(line, 0..most).prop_map(|l| l.concat_lines())
    };
    let configs = (file(&["i1", "i2", "i*"], 8), file(&["i2"], 5), file(&[], 4));
    let cases: u32 = std::env::var("SSHCFG_REFUSAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(60, |n: u32| n / 4);
    let ctx = sshcfg::ResolveContext::current_user().with_openssh(version);
    let forward = sshcfg::Forward::loopback(1455, 1455);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&configs, |(main, i1, i2)| {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path().to_str().unwrap();
            let path = dir.path().join("config");
            let fill = |t: &str| t.replace("{dir}", d);
            std::fs::write(&path, fill(&main)).unwrap();
            std::fs::write(dir.path().join("i1"), fill(&i1)).unwrap();
            std::fs::write(dir.path().join("i2"), fill(&i2)).unwrap();
            let set =
                sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
            let index = set.resolve_index();
            for host in ["a", "b", "zz", "c"] {
                let theirs = ssh_g_file_line(&path, host);
                for r in [set.resolve(host, &ctx), index.resolve(host, &ctx)] {
                    let every = set.rejection_for_host(version, &r);
                    let ours = set.refusal_for_host(every, &r).map(|e| {
                        let f = set.file(e.loc.file()).path.file_name().unwrap();
                        (f.to_string_lossy().into_owned(), e.loc.line())
                    });
                    prop_assert_eq!(
                        &ours,
                        &theirs,
                        "{}: config:\n{}\ni1:\n{}\ni2:\n{}",
                        host,
                        main,
                        i1,
                        i2
                    );
                }
                // `enable` refuses exactly where ssh refuses, at that line (its other refusals
                // are its own policy: a change that would reach other hosts, ...).
                let refused = match set.enable(host, &forward, &ctx) {
                    Err(sshcfg::EditError::Rejected(e)) => {
                        let f = set.file(e.loc.file()).path.file_name().unwrap();
                        Some((f.to_string_lossy().into_owned(), e.loc.line()))
                    }
                    _ => None,
                };
                prop_assert_eq!(
                    &refused,
                    &theirs,
                    "enable {}: config:\n{}\ni1:\n{}",
                    host,
                    main,
                    i1
                );
            }
            Ok(())
        })
        .unwrap();
}

/// Where `ssh -G` refuses the config for `host`: the name of the file and the line of its first
/// "FILE line N" message (a `Match` error says its criterion first); `None` when it accepts.
fn ssh_g_file_line(config: &std::path::Path, host: &str) -> Option<(String, usize)> {
    let out = Command::new("ssh")
        .args(["-G", "-F"])
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if out.status.success() {
        return None;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let (file, line) = first_file_line(&err, |_| false).unwrap_or_else(|| panic!("{err}"));
    let name = std::path::Path::new(&file).file_name().unwrap();
    Some((name.to_string_lossy().into_owned(), line))
}

/// Lines joined as a file holds them, each ended by a line feed.
trait ConcatLines {
    fn concat_lines(&self) -> String;
}

impl ConcatLines for Vec<String> {
    fn concat_lines(&self) -> String {
        self.iter().map(|l| format!("{l}\n")).collect()
    }
}

/// A `Match exec` command is `%`-expanded before ssh looks at what the criteria before it said
/// (readconf.c `match_cfg_line`; it is run only if they matched), and a token ssh cannot
/// expand is fatal: the config is refused for every host, even one the line's `host` criterion
/// leaves out, and even in a file included where nothing applies. Recorded `ssh -G` 9.2p1
/// answers (the file's line and ssh's first message; `None`: accepted), checked again when ssh
/// is here (only commands written here are in these files: ssh runs none of them, as each
/// line's `host` criterion fails or its expansion does). ResolveIndex and `enable` agree.
#[test]
fn exec_commands_ssh_cannot_expand_are_refused_for_every_host() {
    const Z: &str = "vdollar_percent_expand: unknown key %Z";
    const FORMAT: &str = "vdollar_percent_expand: invalid format";
    let cases: &[(&str, &str, &str, Refused)] = &[
        (
            "Match host b exec \"true %Z\"\n  User u\n",
            "",
            "a",
            Some((1, Z)),
        ),
        (
            "Match host b exec \"true %\"\n  User u\n",
            "",
            "a",
            Some((1, FORMAT)),
        ),
        (
            "Match host b !exec \"true %Z\"\n  User u\n",
            "",
            "a",
            Some((1, Z)),
        ),
        (
            "Match user nobody exec \"%Z x\"\n  User u\n",
            "",
            "a",
            Some((1, Z)),
        ),
        (
            "Host a\n  User v\nMatch host b exec %Z\n",
            "",
            "a",
            Some((3, Z)),
        ),
        // Tokens 9.2 knows, and `%%`: accepted.
        (
            "Match host b exec \"true %h %% %C %k %L %l %n %p %r %u %i %d\"\n  User u\n",
            "",
            "a",
            None,
        ),
        ("Match host b exec \"true %%Z\"\n  User u\n", "", "a", None),
        // In a file read where nothing applies, the criteria are still evaluated.
        (
            "Host zz\n  Include {dir}/inc\n",
            "Match host b exec \"true %Z\"\n",
            "a",
            Some((1, Z)),
        ),
    ];
    for &(main, inc, host, want) in cases {
        refusal_case(main, inc, host, want);
    }
}

/// From OpenSSH 9.9 an `Include` path's `%` tokens and `${VAR}` are expanded with the host's
/// values, even in a block that does not apply (readconf.c reads the file "parse only"): the
/// path is read as written, as earlier releases read it, and a release that expands it is told
/// of it once for each such line (resolved directly and through an index alike); the line makes
/// the answer depend on the release, so `ssh -V` is asked.
#[test]
fn include_paths_a_release_expands_are_said_to_be_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let path = dir.path().join("config");
    std::fs::write(dir.path().join("%h.conf"), "User literal\n").unwrap();
    std::fs::write(dir.path().join("a.conf"), "User expanded\n").unwrap();
    let main =
        format!("Host a\n  Include {d}/%h.conf\nHost *\n  Include {d}/${{NOPE}}x {d}/plain\n");
    std::fs::write(&path, &main).unwrap();
    let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
    assert!(set.files()[0].doc.depends_on_openssh_version());
    let v = |s: &str| sshcfg::OpenSshVersion::from_ssh_v(s);
    for (version, lines) in [
        (v("OpenSSH_9.2p1"), vec![]),
        (v("OpenSSH_9.8p1"), vec![]),
        (v("OpenSSH_9.9p1"), vec![2, 4]),
        (v("OpenSSH_10.0p2"), vec![2, 4]),
        (None, vec![2, 4]),
    ] {
        let ctx = sshcfg::ResolveContext {
            openssh: version,
            ..sshcfg::ResolveContext::current_user()
        };
        for host in ["a", "b"] {
            let mut through_index = sshcfg::Resolution::default();
            set.resolve_index()
                .resolve_into(host, &ctx, &mut through_index);
            for r in [set.resolve(host, &ctx), through_index] {
                let noted: Vec<usize> = (r.not_evaluated.iter())
                    .filter(|n| matches!(n.what, sshcfg::Undecided::IncludeExpansion))
                    .map(|n| n.loc.line())
                    .collect();
                assert_eq!(noted, lines, "{version:?} {host}");
                // Read as written: `%h.conf` for `a`, whatever the release.
                let user = r.get::<sshcfg::setting::User>().map(|u| u.value.clone());
                let want = (host == "a").then(|| "literal".to_string());
                assert_eq!(user, want, "{version:?} {host}");
            }
        }
    }
    // Without such a line the release does not matter.
    std::fs::write(&path, format!("Include {d}/plain\n")).unwrap();
    let set = sshcfg::ConfigSet::load(&sshcfg::LoadOptions::explicit_file(&path, d)).unwrap();
    assert!(!set.files()[0].doc.depends_on_openssh_version());
}
