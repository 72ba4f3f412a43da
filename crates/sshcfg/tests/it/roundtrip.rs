//! Round trips: every fixture and arbitrary bytes come back unchanged, the line and block
//! structure covers every byte, and `enable` then `disable` gives back the input.

use std::path::Path;

use crate::common::*;
use proptest::prelude::*;
use sshcfg::{ConfigSet, Document, Forward, LoadOptions, ResolveContext};

/// The document's lines, put back together, are the input; blocks partition the lines.
fn check_structure(bytes: &[u8]) {
    let doc = Document::parse(bytes.to_vec());
    assert_eq!(doc.as_bytes(), bytes);
    let mut rebuilt = Vec::new();
    for i in 0..doc.line_count() {
        let r = doc.line_range(i);
        assert_eq!(r.start, rebuilt.len());
        rebuilt.extend_from_slice(&bytes[r]);
    }
    assert_eq!(rebuilt, bytes);
    let mut next = 0;
    for b in doc.blocks() {
        assert_eq!(b.lines.start, next);
        if let Some(h) = b.header {
            assert_eq!(h, b.lines.start);
        }
        next = b.lines.end;
    }
    assert_eq!(next, doc.line_count());
    let _ = doc.diagnostics();
}

/// Two documents read the same: lines, kinds, endings, arguments and blocks.
fn same_structure(a: &Document, b: &Document) {
    assert_eq!(a.as_bytes(), b.as_bytes());
    assert_eq!(a.line_count(), b.line_count());
    for i in 0..a.line_count() {
        assert_eq!(a.line_range(i), b.line_range(i), "line {i}");
        assert_eq!(a.kind(i), b.kind(i), "line {i}");
        assert_eq!(a.eol(i), b.eol(i), "line {i}");
        assert_eq!(a.raw_args(i), b.raw_args(i), "line {i}");
    }
    assert_eq!(
        a.blocks().collect::<Vec<_>>(),
        b.blocks().collect::<Vec<_>>()
    );
}

fn set_of(bytes: &[u8]) -> ConfigSet {
    ConfigSet::from_main_bytes(
        bytes.to_vec(),
        &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
    )
    .unwrap()
}

/// enable then disable gives the input back (or enable is refused / a no-op).
fn check_enable_disable(bytes: &[u8], host: &str) {
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    let set = set_of(bytes);
    let Ok(plan) = set.enable(host, &fwd, &ctx) else {
        return;
    };
    if !plan.is_change() {
        return;
    }
    let after = set.with_plan(&plan);
    // Re-reading only the touched lines gives what a full parse gives.
    same_structure(
        &after.main().doc,
        &Document::parse(plan.changes()[0].after().to_vec()),
    );
    let r = after.resolve(host, &ctx);
    assert!(r.loopback_tunnel(1455, 1455).is_ok());
    let replaced = set
        .resolve(host, &ctx)
        .forward_lines
        .iter()
        .any(|f| f.forward.listen_port() == Some(1455));
    if replaced {
        return; // enable replaced other forwards of the port, which disable does not bring back
    }
    let undo = after
        .disable(host, &fwd, &ctx)
        .expect("disable after enable");
    if has_empty_block(bytes, host) {
        return;
    }
    assert_eq!(
        String::from_utf8_lossy(undo.changes()[0].after()),
        String::from_utf8_lossy(bytes),
        "enable+disable of {host}"
    );
    assert_eq!(undo.changes()[0].after(), bytes);
}

#[test]
fn every_fixture_round_trips() {
    let files = files_under(&fixtures());
    assert!(files.len() > 40, "fixtures missing: {}", files.len());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        check_structure(&bytes);
        for host in ["myserver", "newhost", "other"] {
            check_enable_disable(&bytes, host);
        }
    }
}

#[test]
fn corpus_is_complete() {
    // Every file of the shared corpus was copied in, with its sources list.
    let corpus = files_under(&fixtures().join("corpus"));
    let confs = corpus
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .count();
    let sources = std::fs::read_to_string(fixtures().join("corpus/SOURCES.tsv")).unwrap();
    assert_eq!(confs, sources.lines().count() - 1);
}

/// Lines that look like ssh config, with the awkward spellings mixed in.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"".to_vec()),
        Just(b"   ".to_vec()),
        Just(b"# comment".to_vec()),
        Just(b"Host myserver".to_vec()),
        Just(b"Host myserver other".to_vec()),
        Just(b"Host *".to_vec()),
        Just(b"host=myserver".to_vec()),
        Just(b"Host \"myserver\" # c".to_vec()),
        Just(b"Match all".to_vec()),
        Just(b"Match host other".to_vec()),
        Just(b"\tUser me".to_vec()),
        Just(b"  LocalForward 1455 localhost:1455".to_vec()),
        Just(b"  LocalForward=1455 127.0.0.1:1455".to_vec()),
        Just(b"  LocalForward 2000 localhost:2000".to_vec()),
        Just(b"  HostName 10.0.0.1".to_vec()),
        Just(b"ClearAllForwardings no".to_vec()),
        Just(b"Host \"unclosed".to_vec()),
        Just(b"\xef\xbb\xbfHost x".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

fn config() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(
            (line(), prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..])]),
            0..14,
        ),
        any::<bool>(),
    )
        .prop_map(|(lines, final_nl)| {
            let mut out = Vec::new();
            let n = lines.len();
            for (i, (l, eol)) in lines.into_iter().enumerate() {
                out.extend_from_slice(&l);
                if i + 1 < n || final_nl {
                    out.extend_from_slice(eol);
                }
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_structure(&bytes);
    }

    #[test]
    fn config_like_input_round_trips_and_enable_disable_undoes(bytes in config()) {
        check_structure(&bytes);
        check_enable_disable(&bytes, "myserver");
        check_enable_disable(&bytes, "newhost");
    }
}
