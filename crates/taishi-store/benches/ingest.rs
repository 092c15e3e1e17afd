//! Ingest throughput on real EVE lines (`taishi analyze` output of the
//! demo scenario, testdata/demo-sample.json.gz): the store's share of the
//! pipeline's cost when everything is written to it.
//!
//! Each iteration ingests the whole sample into a database file that grows
//! across iterations, as a long run's does, in batches of 5000 lines (the
//! BatchWriter's default).

// criterion_group! generates a function it gives no doc comment.
#![allow(missing_docs)]

use std::io::Read;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taishi_core::Store;
use taishi_store::SqliteStore;

fn sample() -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/demo-sample.json.gz");
    let file = std::fs::File::open(path).expect("testdata/demo-sample.json.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .expect("gunzip sample");
    out
}

/// Splits `data` into chunks of `n` whole lines.
fn batches(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut lines = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' {
            lines += 1;
            if lines == n {
                out.push(&data[start..=i]);
                start = i + 1;
                lines = 0;
            }
        }
    }
    if start < data.len() {
        out.push(&data[start..]);
    }
    out
}

fn ingest(c: &mut Criterion) {
    let data = sample();
    let lines = data.iter().filter(|b| **b == b'\n').count() as u64;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("bench.db")).expect("open");
    let chunks = batches(&data, 5000);
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(lines));
    g.bench_function("demo_sample_lines", |b| {
        b.iter(|| {
            for chunk in &chunks {
                store.ingest(chunk).expect("ingest");
            }
        })
    });
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("demo_sample_bytes", |b| {
        b.iter(|| {
            for chunk in &chunks {
                store.ingest(chunk).expect("ingest");
            }
        })
    });
    g.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
