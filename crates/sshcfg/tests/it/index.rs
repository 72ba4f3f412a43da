//! The index ([`sshcfg::ResolveIndex`], [`ConfigSet::resolve_many`]) gives exactly the answers of
//! [`ConfigSet::resolve`], host by host, and names the same literal hosts as
//! [`ConfigSet::literal_hosts`]: on random configs (literal, wildcard, negated and mixed
//! `Host` lines, letter case, `Match` criteria of every kind, `HostName` with `%h`, the final
//! pass, `Include`s inside blocks, `ClearAllForwardings`, lines OpenSSH rejects) and on every
//! fixture. Whole resolutions are compared (as JSON: every field, every location).
//!
//! `INDEX_CASES` sets the number of random configs (default 256).

use std::path::Path;

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sshcfg::{ConfigSet, LoadOptions, ResolveContext};

const HOSTS: [&str; 14] = [
    "myserver",
    "MYSERVER",
    "other",
    "web1",
    "web12",
    "webx",
    "MixedCase",
    "mixedcase",
    "real.example",
    "a.real.example",
    "newhost",
    "h1",
    "h1-x",
    "10.0.0.1",
];

fn pattern() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "myserver",
        "MYSERVER",
        "other",
        "web1",
        "web*",
        "web?",
        "*",
        "!other",
        "!web1",
        "!web*",
        "MixedCase",
        "mixedcase",
        "h?st",
        "h1",
        "h1-*",
        "*-x",
        "real.example",
        "*.example",
        "*real*",
        "newhost",
        "10.0.0.1",
        // Plain words that are not plain host names (the index names them as `host_name`
        // judges them).
        "-dash",
        "me@web1",
    ])
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(pattern(), 1..4).prop_map(|p| format!("Host {}", p.join(" "))),
        // Read for every host, first, middle or last.
        2 => Just("Host *".to_string()),
        1 => prop::collection::vec(pattern(), 1..3).prop_map(|p| format!("Host=\"{}\"", p.join("\" \""))),
        1 => prop::sample::select(vec![
            "Host \"unclosed",
            "Host \"\"",
            "Host web1 \"\" other",
            // One literal name that is not plain words (the index knows its answer too), and
            // lines like it that are not one literal name.
            "Host h1 # a note",
            "Host \"web1\"",
            "Host web1 !web1",
            "Host !other web1",
            "Host web* # a note",
            "Match host myserver,other",
            "Match host real.example",
            "Match host WEB*,!web12",
            "Match host *.EXAMPLE user root",
            "Match user root host h1-*",
            "Match !host web1 host web*",
            "Match host !web1",
            "Match originalhost mixedcase",
            "Match originalhost MYSERVER,h1*",
            "Match all",
            "Match final all",
            "Match final host real.example",
            "Match user root",
            "Match localuser nobody",
            "Match tagged t1",
            "Match host web1 tagged t1",
            "Match !host web1 user root",
            "Match canonical host *.example",
            "Match host *,!other",
            "Match exec true",
            "Match host web1 exec true",
            // Filed by the host criterion before the `exec`; read by every host after it.
            "Match host web* !exec true user root",
            "Match originalhost MYSERVER exec \"true %h\"",
            "Match exec true host web1",
            "Match user root exec true host web1",
            "Match host",
            "Match host web1 bogus x",
            "Match host web1 all",
            "Match",
            "Match host \"unclosed",
            "Match host web1 # comment",
        ]).prop_map(str::to_string),
    ]
}

/// Lines of a block; `includes`: the files an `Include` may name (none that leads back here:
/// a cycle nests to the depth limit, which is right but slow).
fn option(includes: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "LocalForward 1455 localhost:1455",
            "LocalForward localhost:1455 127.0.0.1:1455",
            "LocalForward 2000 example.com:22",
            "LocalForward 0 bad",
            "DynamicForward 1455",
        ]).prop_map(str::to_string),
        3 => prop::sample::select(vec![
            "HostName real.example", "HostName 10.0.0.1", "HostName %h.example",
            "HostName MYSERVER", "HostName web12", "HostName h1-%h",
            // Upper case at either end: `Match host` compares lowercased.
            "HostName WEB12", "HostName A.REAL.EXAMPLE",
        ]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["User root", "User me", "Port 2222", "Tag t1"]).prop_map(str::to_string),
        1 => prop::sample::select(vec![
            "ClearAllForwardings yes", "ClearAllForwardings no", "GatewayPorts yes",
            "ExitOnForwardFailure yes", "ControlMaster auto", "ControlPersist 10m",
            "CanonicalizeHostname yes", "CanonicalizeHostname no",
        ]).prop_map(str::to_string),
        1 => prop::sample::select(includes.to_vec()).prop_map(|f| format!("Include {f}")),
        // Keywords not recorded: some the checks after reading keep (first line wins), some
        // they count or read (IdentityFile, ForwardAgent, known-hosts files), some they do not
        // read; quotes (an unclosed one is refused); `%k` (the first HostKeyAlias).
        3 => prop::sample::select(vec![
            "ServerAliveInterval 30", "HostKeyAlias alias1", "HostKeyAlias ALIAS2",
            "ProxyJump jump", "ProxyCommand nc %h %p", "IdentityFile ~/.ssh/id_a",
            "IdentityFile ~/.ssh/id_b", "ForwardAgent /tmp/agent", "ForwardAgent yes",
            "UserKnownHostsFile a b", "User \"quoted user\"", "Port \"22\"",
            "HostName \"q.example\"", "LocalForward /tmp/%k.sock /tmp/x.sock",
            "IgnoreUnknown Bogus*", "BogusOption 1", "Port=2200", "User \"unclosed",
            "ConnectionAttempts 3", "HostName %h.q",
        ]).prop_map(str::to_string),
        1 => Just("# a comment".to_string()),
        1 => Just(String::new()),
    ]
}

fn file(includes: &'static [&'static str]) -> impl Strategy<Value = String> {
    let block = (
        header(),
        prop::collection::vec(
            (option(includes), prop::sample::select(vec!["  ", "\t", ""])),
            0..4,
        ),
    );
    (
        prop::collection::vec(option(includes), 0..3),
        prop::collection::vec(block, 0..10),
    )
        .prop_map(|(global, blocks)| {
            let mut lines = global;
            for (h, opts) in blocks {
                lines.push(h);
                for (o, ind) in opts {
                    lines.push(format!("{ind}{o}"));
                }
            }
            lines.join("\n") + "\n"
        })
}

fn compare(set: &ConfigSet, hosts: &[String], what: &str) -> Result<(), TestCaseError> {
    // The index names the literal hosts from the Host lines it read: the same list.
    let (named_index, names) = set.resolve_index_naming_hosts();
    prop_assert_eq!(
        names.iter().collect::<Vec<_>>(),
        set.literal_hosts(),
        "literal hosts in {}",
        what
    );
    let ctx = ResolveContext::new("root");
    // Each name resolved by its place among them (its key not looked up again), into one
    // resolution, from the last to the first.
    let mut by_name = sshcfg::Resolution::default();
    for i in (0..names.len()).rev() {
        let h = names.get(i).unwrap();
        named_index.resolve_name_into(&names, i, &ctx, &mut by_name);
        prop_assert_eq!(
            format!("{by_name:?}"),
            format!("{:?}", set.resolve(h, &ctx)),
            "host {} resolved by name, in {}",
            h,
            what
        );
    }
    let many = set.resolve_many(hosts, &ctx);
    // One resolution resolved into host after host (in reverse, so that each follows another
    // host's answer) holds each host's answer alone.
    let index = set.resolve_index();
    let mut into = sshcfg::Resolution::default();
    let mut reused = vec![String::new(); hosts.len()];
    for (i, h) in hosts.iter().enumerate().rev() {
        index.resolve_into(h, &ctx, &mut into);
        reused[i] = format!("{into:?}");
    }
    for ((h, got), reused) in hosts.iter().zip(&many).zip(&reused) {
        let want = format!("{:?}", set.resolve(h, &ctx));
        prop_assert_eq!(format!("{got:?}"), want.clone(), "host {} in {}", h, what);
        prop_assert_eq!(
            reused,
            &want,
            "host {} into a reused resolution, in {}",
            h,
            what
        );
    }
    Ok(())
}

fn hosts(set: &ConfigSet) -> Vec<String> {
    let mut hosts = set.literal_hosts();
    for h in HOSTS {
        if !hosts.iter().any(|x| x == h) {
            hosts.push(h.to_string());
        }
    }
    hosts
}

#[test]
fn index_answers_as_resolve_on_random_configs() {
    let cases = std::env::var("INDEX_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(
                file(&["inc1", "inc2", "inc*"]),
                file(&["inc2", "missing"]),
                file(&["missing"]),
                // A system config (never edited: a `Host` line there names no host "alone").
                prop::option::of(file(&["missing"])),
            ),
            |(main, inc1, inc2, system)| {
                let dir = tempfile::tempdir().unwrap();
                let ssh = dir.path().join(".ssh");
                std::fs::create_dir_all(&ssh).unwrap();
                std::fs::write(ssh.join("inc1"), &inc1).unwrap();
                std::fs::write(ssh.join("inc2"), &inc2).unwrap();
                let mut opts = LoadOptions::explicit_file(ssh.join("config"), dir.path());
                if let Some(system) = &system {
                    std::fs::write(dir.path().join("ssh_config"), system).unwrap();
                    opts = opts.with_system_config(dir.path().join("ssh_config"));
                }
                let set = ConfigSet::from_main_bytes(main.clone().into_bytes(), &opts).unwrap();
                compare(
                    &set,
                    &hosts(&set),
                    &format!("config:\n{main}\ninc1:\n{inc1}\ninc2:\n{inc2}\nsystem:\n{system:?}"),
                )
            },
        )
        .unwrap();
}

#[test]
fn index_answers_as_resolve_on_every_fixture() {
    let root = fixtures();
    for dir in ["flat", "corpus", "no_ssh_g"] {
        for path in files_under(&root.join(dir)) {
            let bytes = std::fs::read(&path).unwrap();
            let set = ConfigSet::from_main_bytes(
                bytes,
                &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
            )
            .unwrap();
            compare(&set, &hosts(&set), &path.display().to_string()).unwrap();
        }
    }
    let tree = root.join("include_tree");
    if tree.join(".ssh/config").exists() {
        let home = Home::copy_of(&tree);
        let set = home.load();
        compare(&set, &hosts(&set), "include_tree").unwrap();
    }
}

/// A large generated config, as the benchmark uses: every literal host.
#[test]
fn index_answers_as_resolve_on_a_generated_config() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/gen_config.py");
    let Ok(out) = std::process::Command::new("python3")
        .arg(script)
        .arg("300")
        .output()
    else {
        eprintln!("skipped: no python3");
        return;
    };
    assert!(out.status.success());
    let set = ConfigSet::from_main_bytes(
        out.stdout,
        &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
    )
    .unwrap();
    compare(&set, &hosts(&set), "gen_config.py 300").unwrap();
}

/// `Match host` sees the HostName lowercased, `%h` expanded, whatever letter it is written in:
/// each upper-case letter, and `%h`, in a HostName the index looks up.
#[test]
fn index_answers_as_resolve_for_every_letter_case_of_a_hostname() {
    let mut text = String::new();
    for c in 'A'..='Z' {
        let l = c.to_ascii_lowercase();
        text.push_str(&format!(
            "Host h{l}\n  HostName {c}x\nMatch host {l}x\n  User u{l}\n"
        ));
    }
    text.push_str("Host p\n  HostName %h.x\nMatch host p.x\n  User up\n");
    let set = ConfigSet::from_main_bytes(
        text.clone().into_bytes(),
        &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
    )
    .unwrap();
    let hosts = set.literal_hosts();
    assert_eq!(hosts.len(), 27);
    compare(&set, &hosts, &text).unwrap();
    let user = |h: &str| {
        let r = set.resolve_index().resolve(h, &ResolveContext::new("root"));
        r.get::<sshcfg::setting::User>().map(|u| u.value.clone())
    };
    assert_eq!(user("hz").as_deref(), Some("uz"));
    assert_eq!(user("p").as_deref(), Some("up"));
}

/// `Match host` sees a HostName with `%h` and `%%` expanded, lowercased: the index tells most
/// names from the bytes at their ends, as written, which a `%` at the start or before the
/// last byte changes, and a letter's case does not, and the others from the bytes at the
/// prefix and suffix lengths in use (one past 64 bytes too), which a `%` before them changes. Each form of HostName against `Match host`
/// prefixes and suffixes (each alone: one side of the test may not answer for the other) that
/// only the expanded or lowercased name begins or ends with, or that it does not.
#[test]
fn index_answers_as_resolve_for_a_hostname_with_percent_or_upper_case_at_an_end() {
    let forms = [
        "%h.x", "x.%h", "%hx", "x%h", "%%.x", "x.%%", "%h", "%%", "x%", "%", "%h%h", "q%%h", "P.x",
        "x.P", "Px", "%H.x", "p.x", "p%h", "%hp", "pp%h", "%hpp",
    ];
    let patterns = [
        "p*", "*p", "p.*", "*.p", "%*", "*%", "x.p*", "*p.x", "*h", "h*", "*x", "x*", "q%*", "*%h",
        "pp*", "*pp",
    ];
    // A prefix and a suffix past 64 bytes, which a name reaches as written or expanded.
    let long = "a".repeat(70);
    let long_forms = [
        format!("{long}p.x"),
        format!("x.p{long}"),
        format!("{long}%h"),
        format!("%h{long}"),
    ];
    let long_patterns = [
        format!("{long}p*"),
        format!("*p{long}"),
        format!("{long}pp*"),
        format!("*pp{long}"),
    ];
    let forms = forms.into_iter().map(String::from).chain(long_forms);
    let patterns: Vec<String> = (patterns.into_iter().map(String::from))
        .chain(long_patterns)
        .collect();
    for form in forms {
        for pattern in &patterns {
            let text = format!(
                "Host p P pp\n  HostName {form}\nMatch host {pattern}\n  User hit\nHost *\n  Port 2\n"
            );
            let set = ConfigSet::from_main_bytes(
                text.clone().into_bytes(),
                &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
            )
            .unwrap();
            let hosts: Vec<String> = ["p", "P", "pp", "x"].map(String::from).into();
            compare(&set, &hosts, &text).unwrap();
        }
    }
}

/// The names come in order of first appearance, each once, however the keys the index files
/// are numbered: a key that is no name (`-x`, a `Match host` word) before the names, names
/// met again, a name first met in a line with a wildcard or quotes, a name in an `Include`d
/// block, words of a plain line that are no host name (`a=b`, `u@h`, `x,y`, `$z`, `-w`).
#[test]
fn the_index_names_the_literal_hosts_in_order() {
    let cases: [(&str, &[&str]); 9] = [
        (
            "Host a=b u@h x,y $z -w ok
Host e.x_1-2 ok
",
            &["ok", "e.x_1-2"],
        ),
        (
            "Host ok	n%h
Host e
",
            &["ok", "n%h", "e"],
        ),
        ("Host a b\nHost b c a\nHost d\n", &["a", "b", "c", "d"]),
        ("Host -x a\nHost b a\n", &["a", "b"]),
        ("Host a\nHost -x\nHost b\nHost a c\n", &["a", "b", "c"]),
        ("Host a w*\nHost b a\nHost c\n", &["a", "b", "c"]),
        ("Host b\nHost \"a\" b\nHost a c\n", &["b", "a", "c"]),
        ("Match host m\nHost m n\nHost -y n o\n", &["m", "n", "o"]),
        (
            "Host a\n  Include /nonexistent/x\nHost b a\nHost c\n",
            &["a", "b", "c"],
        ),
    ];
    for (text, want) in cases {
        let set = ConfigSet::from_main_bytes(
            text.as_bytes().to_vec(),
            &LoadOptions::explicit_file("config", "/nonexistent"),
        )
        .unwrap();
        let names = set.resolve_index_naming_hosts().1;
        assert_eq!(names.iter().collect::<Vec<_>>(), *want, "{text}");
        assert_eq!(set.literal_hosts(), *want, "{text}");
    }
}
