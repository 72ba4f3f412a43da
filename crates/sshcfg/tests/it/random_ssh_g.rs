//! Property test with OpenSSH as the oracle: random configs (Host and Match blocks, patterns,
//! negation, HostName, the final pass, every LocalForward spelling, odd formatting) are resolved
//! for several hosts and compared with `ssh -G`; then `enable` for one host must change exactly
//! that host's `ssh -G` output, by the one forward, and `disable` must give the bytes back.
//!
//! `SSH_G_CASES` sets the number of configs (default 48; each runs ssh -G about 20 times).

use crate::common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sshcfg::{Forward, ResolveContext};

const HOSTS: [&str; 6] = [
    "myserver",
    "other",
    "web1",
    "MixedCase",
    "real.example",
    "newhost",
];

fn pattern() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "myserver",
        "other",
        "web1",
        "web*",
        "*",
        "!other",
        "!web1",
        "MixedCase",
        "mixedcase",
        "h?st",
        "real.example",
        "*.example",
        "newhost",
    ])
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(pattern(), 1..4).prop_map(|p| format!("Host {}", p.join(" "))),
        1 => prop::collection::vec(pattern(), 1..3).prop_map(|p| format!("Host=\"{}\"", p.join("\" \""))),
        1 => prop::sample::select(vec![
            "Match host myserver,other",
            "Match host real.example",
            "Match originalhost mixedcase",
            "Match all",
            "Match final all",
            "Match final host real.example",
            "Match user root",
            "Match !host web1 user root",
            "Match canonical host *.example",
            "Match host *,!other",
        ]).prop_map(str::to_string),
    ]
}

fn option() -> impl Strategy<Value = String> {
    let listen = prop::sample::select(vec![
        "1455",
        "+1455",
        "01455",
        "localhost:1455",
        "127.0.0.1:1455",
        "[::1]:1455",
        "2000",
        "*:1455",
        "/tmp/l.sock",
    ]);
    let connect = prop::sample::select(vec![
        "localhost:1455",
        "127.0.0.1:1455",
        "[::1]:1455",
        "localhost/1455",
        "example.com:22",
        "localhost:2000",
    ]);
    prop_oneof![
        5 => (listen, connect, prop::sample::select(vec![" ", "=", " = "]))
            .prop_map(|(l, c, sep)| format!("LocalForward{sep}{l} {c}")),
        2 => prop::sample::select(vec![
            "HostName real.example", "HostName 10.0.0.1", "HostName %h.example", "HostName MYSERVER",
        ]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["User root", "User me"]).prop_map(str::to_string),
        1 => (
            prop::sample::select(vec!["ClearAllForwardings", "GatewayPorts", "ExitOnForwardFailure"]),
            flag_spelling(),
        ).prop_map(|(k, v)| format!("{k} {v}")),
        1 => prop::sample::select(vec![
            "ControlMaster auto", "ControlMaster FALSE", "ControlPersist 10m", "ControlPersist no",
            "DynamicForward 1455", "DynamicForward localhost:2000",
            "LocalForward 1455 localhost:8080", "LocalForward 1455 127.0.0.1:1455",
            "LocalForward localhost:1455 LOCALHOST:1455",
            "LocalForward 127.0.0.2:1455 localhost:1455", "LocalForward 0.0.0.0:1455 localhost:1455",
        ]).prop_map(str::to_string),
        1 => Just("# a comment".to_string()),
        1 => Just(String::new()),
    ]
}

/// yes/no/true/false in every letter case ssh accepts (and, rarely, a value it rejects).
fn flag_spelling() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["yes", "no", "true", "false", "maybe"]),
        prop::collection::vec(any::<bool>(), 5),
    )
        .prop_map(|(w, upper)| {
            w.chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect()
        })
}

fn config() -> impl Strategy<Value = Vec<u8>> {
    let block = (
        header(),
        prop::collection::vec(
            (
                option(),
                prop::sample::select(vec!["  ", "\t", "", "    "]),
                any::<bool>(),
            ),
            0..4,
        ),
    );
    (
        prop::collection::vec(option(), 0..2),
        prop::collection::vec(block, 0..6),
        prop::sample::select(vec!["\n", "\r\n"]),
        any::<bool>(),
    )
        .prop_map(|(global, blocks, eol, final_nl)| {
            let mut lines: Vec<String> = global;
            for (h, opts) in blocks {
                lines.push(h);
                for (o, ind, comment) in opts {
                    let c = if comment && !o.is_empty() && !o.starts_with('#') {
                        " # note"
                    } else {
                        ""
                    };
                    lines.push(format!("{ind}{o}{c}"));
                }
            }
            let mut text = lines.join(eol);
            if final_nl && !text.is_empty() {
                text.push_str(eol);
            }
            text.into_bytes()
        })
}

#[test]
fn random_configs_resolve_and_edit_as_ssh_g_says() {
    if !need_ssh("random_configs_resolve_and_edit_as_ssh_g_says") {
        return;
    }
    let cases = std::env::var("SSH_G_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    runner
        .run(&(config(), 0..HOSTS.len()), |(bytes, pick)| {
            let home = Home::new(&bytes);
            let set = home.load();
            let before: Vec<Option<Vec<String>>> = HOSTS.iter().map(|h| home.ssh_g(h)).collect();
            for (h, g) in HOSTS.iter().zip(&before) {
                let Some(g) = g else { continue };
                prop_assert_eq!(
                    our_localforwards(&set.resolve(h, &ctx)),
                    localforwards(g),
                    "host {} in\n{}",
                    h,
                    String::from_utf8_lossy(&bytes)
                );
            }
            if before.iter().any(Option::is_none) {
                return Ok(()); // ssh rejects the config: nothing to edit against
            }
            let host = HOSTS[pick];
            let g_before = before[pick].clone().unwrap();
            let Ok(plan) = set.enable(host, &fwd, &ctx) else {
                return Ok(()); // ClearAllForwardings, a shared conflict, or the change would reach another host
            };
            if !plan.is_change() {
                // Nothing to do must mean: it already carries the login.
                prop_assert!(
                    carries_1455(&g_before),
                    "enable {} said nothing to do in\n{}",
                    host,
                    String::from_utf8_lossy(&bytes)
                );
                return Ok(());
            }
            home.write_plan(&plan);
            let final_pass = set.resolve(host, &ctx).final_pass;
            for (j, other) in HOSTS.iter().enumerate() {
                let after = home.ssh_g(other);
                if *other == host {
                    let got = after.unwrap();
                    prop_assert!(
                        carries_1455(&got),
                        "enable {} does not carry the login: {:?} in\n{}",
                        host,
                        localforwards(&got),
                        String::from_utf8_lossy(&bytes)
                    );
                    // Everything but the forwards of local port 1455 is as it was.
                    prop_assert_eq!(
                        without_port_1455(&got),
                        without_port_1455(&g_before),
                        "enable {} in\n{}",
                        host,
                        String::from_utf8_lossy(&bytes)
                    );
                    // What the doctor's errors for the host come from, in the library's terms:
                    // ssh accepts the config, the forward tunnels the port, and nothing else
                    // listens on it.
                    let after_set = home.load();
                    let r = after_set.resolve(host, &ctx);
                    prop_assert!(after_set.rejection().is_none());
                    prop_assert!(r.loopback_tunnel(1455, 1455).is_ok());
                    prop_assert_eq!(r.listeners().iter().filter(|l| l.port == 1455).count(), 1);
                } else if !(final_pass && other.eq_ignore_ascii_case(host)) {
                    prop_assert_eq!(
                        &after,
                        &before[j],
                        "enable {} changed {} in\n{}",
                        host,
                        other,
                        String::from_utf8_lossy(&bytes)
                    );
                }
            }
            let replaced = set
                .resolve(host, &ctx)
                .forward_lines
                .iter()
                .any(|f| f.forward.listen_port() == Some(1455));
            let undo = home.load().disable(host, &fwd, &ctx);
            if replaced {
                // enable replaced other forwards of the port: disable removes only its own, and
                // refuses when a shared forward would stay.
                if let Ok(undo) = undo {
                    home.write_plan(&undo);
                    let g = home.ssh_g(host).unwrap();
                    prop_assert!(
                        !carries_1455(&g),
                        "after disable {}: {:?}",
                        host,
                        localforwards(&g)
                    );
                }
                return Ok(());
            }
            let undo = undo.expect("disable after enable");
            if has_empty_block(&bytes, host) {
                // The documented exception: the bytes differ, ssh -G does not.
                home.write_plan(&undo);
                for (j, h) in HOSTS.iter().enumerate() {
                    prop_assert_eq!(&home.ssh_g(h), &before[j]);
                }
            } else {
                prop_assert_eq!(undo.changes()[0].after(), &bytes[..]);
            }
            Ok(())
        })
        .unwrap();
}

/// The local port of an `ssh -G` `localforward` or `dynamicforward` line.
fn local_port(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("localforward ")
        .or_else(|| line.strip_prefix("dynamicforward "))?;
    let listen = rest.split(' ').next()?;
    Some(listen.rsplit(':').next().unwrap_or(listen))
}

fn without_port_1455(g: &[String]) -> Vec<String> {
    g.iter()
        .filter(|l| local_port(l) != Some("1455"))
        .cloned()
        .collect()
}

/// As ssh -G reports the host: exactly one forward of local port 1455, on loopback (no bind
/// address without GatewayPorts, or an explicit `localhost`), to localhost/127.0.0.1:1455.
fn carries_1455(g: &[String]) -> bool {
    let gateway = g.iter().any(|l| l == "gatewayports yes");
    let ours: Vec<&String> = g.iter().filter(|l| local_port(l) == Some("1455")).collect();
    let [only] = ours.as_slice() else {
        return false;
    };
    if only.starts_with("dynamicforward ") {
        return false;
    }
    let mut parts = only.split(' ').skip(1);
    let (listen, connect) = (parts.next().unwrap(), parts.next().unwrap());
    let loopback = match listen {
        "1455" => !gateway,
        l => matches!(l, "[localhost]:1455" | "[127.0.0.1]:1455" | "[::1]:1455"),
    };
    let target = connect.eq_ignore_ascii_case("[localhost]:1455") || connect == "[127.0.0.1]:1455";
    loopback && target
}
