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
