//! Random lines of every keyword with random (valid and invalid) arguments: the library refuses
//! a config exactly when `ssh -G` does, at the same line.

use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::common::need_ssh;

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
    err.lines()
        .filter(|l| !l.contains("Unsupported option"))
        .find_map(|l| {
            let at = l.find(" line ")?;
            let n: String = l[at + 6..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            n.parse().ok()
        })
}

#[test]
fn refuses_exactly_when_ssh_g_does() {
    if !need_ssh("refuses_exactly_when_ssh_g_does") {
        return;
    }
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
        .run(&proptest::collection::vec(line, 1..4), |lines| {
            let text = lines.join("\n") + "\n";
            std::fs::write(&path, &text).unwrap();
            let ours = sshcfg::Document::parse(text.clone().into_bytes())
                .diagnostics()
                .into_iter()
                .find(|d| d.rejects_config())
                .map(|d| d.line);
            let theirs = ssh_g_refusal(&path);
            prop_assert_eq!(ours, theirs, "config:\n{}", text);
            Ok(())
        })
        .unwrap();
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
        let ours = sshcfg::Document::parse(text.to_vec())
            .diagnostics()
            .into_iter()
            .find(|d| d.rejects_config())
            .map(|d| (d.line, d.message));
        assert_eq!(
            ours,
            ssh_g_message(&path),
            "config: {}",
            text.escape_ascii()
        );
    }
}
