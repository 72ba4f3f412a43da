//! A long-running fuzz mode of the round-trip properties, on the stable toolchain (cargo-fuzz
//! needs nightly). By default a short run; set `SSHCFG_FUZZ_CASES` for a long one:
//!
//! `SSHCFG_FUZZ_CASES=200000 cargo test --release -p sshcfg --test it fuzz -- --nocapture`
//!
//! Properties, on arbitrary bytes, config-like lines and mutated real configs (the fixtures):
//! parse then serialise gives the input; nothing panics (diagnostics, resolution, enable,
//! disable); enable then disable gives the input (but for the one documented exception).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sshcfg::{ConfigSet, Document, Forward, LoadOptions, ResolveContext};

fn cases() -> u32 {
    std::env::var("SSHCFG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn corpus() -> Vec<Vec<u8>> {
    crate::common::files_under(&crate::common::fixtures())
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// A real config with random edits: bytes replaced, inserted (often config syntax), cut.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (
        0..n,
        proptest::collection::vec(
            (
                any::<prop::sample::Index>(),
                0u8..3,
                prop_oneof![
                    any::<u8>(),
                    prop::sample::select(b" \t\r\n=\"'#\\!*?,:[]/".to_vec())
                ],
            ),
            0..8,
        ),
    )
        .prop_map(move |(i, edits)| {
            let mut b = seeds[i].clone();
            for (at, op, byte) in edits {
                let pos = if b.is_empty() {
                    0
                } else {
                    at.index(b.len() + 1)
                };
                match op {
                    0 if pos < b.len() => b[pos] = byte,
                    1 => b.insert(pos.min(b.len()), byte),
                    _ if pos < b.len() => {
                        b.remove(pos);
                    }
                    _ => {}
                }
            }
            b
        })
}

static RAN: AtomicUsize = AtomicUsize::new(0);

fn check(bytes: &[u8]) {
    RAN.fetch_add(1, Ordering::Relaxed);
    let doc = Document::parse(bytes.to_vec());
    assert_eq!(doc.as_bytes(), bytes);
    let _ = doc.diagnostics();
    let set = ConfigSet::from_main_bytes(
        bytes.to_vec(),
        &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
    )
    .unwrap();
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    for host in ["myserver", "other", "newhost"] {
        let _ = set.resolve(host, &ctx);
        if let Ok(plan) = set.disable(host, &fwd, &ctx) {
            crate::common::assert_unchanged_is_shared(&plan);
        }
        let Ok(plan) = set.enable(host, &fwd, &ctx) else {
            continue;
        };
        crate::common::assert_unchanged_is_shared(&plan);
        if !plan.is_change() {
            continue;
        }
        let after = set.with_plan(&plan);
        assert!(
            after
                .resolve(host, &ctx)
                .loopback_tunnel(1455, 1455)
                .is_ok()
        );
        let replaced = set
            .resolve(host, &ctx)
            .forward_lines
            .iter()
            .any(|f| f.forward.listen_port() == Some(1455));
        if replaced {
            continue; // enable replaced another forward of the port, which disable does not restore
        }
        let undo = after
            .disable(host, &fwd, &ctx)
            .expect("disable after enable");
        let back = undo.changes().first().map(|c| c.after()).unwrap_or(bytes);
        if back != bytes {
            assert!(
                crate::common::has_empty_block(bytes, host),
                "enable+disable of {host} changed {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

#[test]
fn fuzz_round_trips() {
    let n = cases();
    let config = Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new(config.clone())
        .run(&proptest::collection::vec(any::<u8>(), 0..400), |b| {
            check(&b);
            Ok(())
        })
        .unwrap();
    TestRunner::new(config)
        .run(&mutated(corpus()), |b| {
            check(&b);
            Ok(())
        })
        .unwrap();
    let ran = RAN.load(Ordering::Relaxed);
    eprintln!("fuzz: {ran} inputs ran clean");
    assert!(ran >= 2 * n as usize);
}
