//! Library throughput on configs from `bench/gen_config.py` (1k, 10k and 100k blocks):
//! parse, serialise, parse+serialise, resolve one host, plan an enable, build the resolve index,
//! and resolve every literal host through it (`resolve_many`), in MB/s of config.
//!
//! Run: `cargo bench -p sshcfg` (needs python3).

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sshcfg::{ConfigSet, Document, Forward, LoadOptions, ResolveContext};

fn config(blocks: usize) -> Vec<u8> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/gen_config.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(blocks.to_string())
        .output()
        .expect("python3 bench/gen_config.py");
    assert!(out.status.success());
    out.stdout
}

fn benches(c: &mut Criterion) {
    let ctx = ResolveContext::current_user();
    let fwd = Forward::loopback(1455, 1455);
    for blocks in [1_000, 10_000, 100_000] {
        let bytes = config(blocks);
        let host = format!("h{}", blocks / 2);
        let mut g = c.benchmark_group(format!("{blocks}-blocks"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        if blocks == 100_000 {
            g.sample_size(20);
        }
        g.bench_function("parse", |b| b.iter(|| Document::parse(bytes.clone())));
        let doc = Document::parse(bytes.clone());
        g.bench_function("serialise", |b| b.iter(|| doc.as_bytes().to_vec()));
        g.bench_function("parse+serialise", |b| {
            b.iter(|| Document::parse(bytes.clone()).into_bytes())
        });
        let set = ConfigSet::from_main_bytes(
            bytes.clone(),
            &LoadOptions::explicit_file(Path::new("/nonexistent/config"), "/nonexistent"),
        )
        .unwrap();
        g.bench_function("resolve", |b| b.iter(|| set.resolve(&host, &ctx)));
        g.bench_function("plan enable", |b| {
            b.iter(|| set.enable(&host, &fwd, &ctx).unwrap())
        });
        g.bench_function("build index", |b| b.iter(|| set.resolve_index()));
        let hosts = set.literal_hosts();
        g.bench_function("resolve every host (index)", |b| {
            b.iter(|| set.resolve_many(&hosts, &ctx))
        });
        if blocks <= 1_000 {
            // One by one, each over the whole config: quadratic, so only on the small config.
            g.bench_function("resolve every host (one by one)", |b| {
                b.iter(|| {
                    hosts
                        .iter()
                        .map(|h| set.resolve(h, &ctx))
                        .collect::<Vec<_>>()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(library, benches);
criterion_main!(library);
