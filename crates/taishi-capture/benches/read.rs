//! Framing speed: an in-memory pcap of 100k frames (mixed sizes, like real
//! traffic: many small, some full-size) read through `from_bytes`, so the
//! figure is the framer alone, without disk or page-cache effects. Also the
//! same bytes through a file, which adds the read(2) copies.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taishi_capture::{PacketSource, PcapWriter, from_bytes, open_files};
use taishi_core::{LinkType, Timestamp};

fn generate(frames: usize) -> Vec<u8> {
    // The size mix of an IMIX-like profile: 7 x 64, 4 x 576, 1 x 1500.
    let sizes = [64, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500];
    let payload = vec![0xa5u8; 1500];
    let mut w = PcapWriter::new(Vec::new(), LinkType::ETHERNET, 65535, false).unwrap();
    for i in 0..frames {
        let len = sizes[i % sizes.len()];
        w.write(
            Timestamp::new(1_700_000_000 + i as u64 / 1000, (i % 1000) as u32 * 1000),
            &payload[..len],
        )
        .unwrap();
    }
    w.finish().unwrap()
}

/// The same frames as pcapng: one section, one interface, EPBs.
fn generate_pcapng(frames: usize) -> Vec<u8> {
    let sizes = [64usize, 64, 64, 64, 64, 64, 64, 576, 576, 576, 576, 1500];
    let mut out = Vec::new();
    let block = |out: &mut Vec<u8>, btype: u32, body: &[u8]| {
        let padded = (body.len() + 3) & !3;
        let total = (12 + padded) as u32;
        out.extend_from_slice(&btype.to_le_bytes());
        out.extend_from_slice(&total.to_le_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + padded - body.len(), 0);
        out.extend_from_slice(&total.to_le_bytes());
    };
    let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    block(&mut out, 0x0A0D_0D0A, &shb);
    block(&mut out, 1, &[1, 0, 0, 0, 0, 0, 0, 0]);
    let mut body = Vec::new();
    for i in 0..frames {
        let len = sizes[i % sizes.len()];
        let ticks = 1_700_000_000_000_000u64 + i as u64;
        body.clear();
        body.extend_from_slice(&0u32.to_le_bytes());
        body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ticks as u32).to_le_bytes());
        body.extend_from_slice(&(len as u32).to_le_bytes());
        body.extend_from_slice(&(len as u32).to_le_bytes());
        body.resize(body.len() + len, 0xa5);
        block(&mut out, 6, &body);
    }
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn count(src: &mut dyn PacketSource) -> (u64, u64) {
    let (mut n, mut bytes) = (0u64, 0u64);
    while let Ok(Some(p)) = src.next_packet() {
        n += 1;
        bytes += p.data.len() as u64;
    }
    (n, bytes)
}

fn bench(c: &mut Criterion) {
    let data = generate(100_000);
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("pcap_100k_from_bytes", |b| {
        b.iter_batched(
            || data.clone(),
            |d| {
                let mut src = from_bytes("bench.pcap", d).unwrap();
                let n = count(&mut src);
                // Returned so that freeing the buffer happens outside the timing.
                (src, n)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.pcap");
    std::fs::write(&path, &data).unwrap();
    g.bench_function("pcap_100k_file", |b| {
        b.iter(|| {
            let mut src = open_files(std::slice::from_ref(&path)).unwrap();
            count(&mut src)
        })
    });
    for (name, bytes) in [
        ("pcapng_100k_from_bytes", generate_pcapng(100_000)),
        ("pcap_gz_100k_from_bytes", gzip(&data)),
    ] {
        // Throughput in uncompressed bytes, comparable with the rows above.
        g.throughput(Throughput::Bytes(if name.contains("gz") {
            data.len() as u64
        } else {
            bytes.len() as u64
        }));
        g.bench_function(name, |b| {
            b.iter_batched(
                || bytes.clone(),
                |d| {
                    let mut src = from_bytes(name, d).unwrap();
                    let n = count(&mut src);
                    (src, n)
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
