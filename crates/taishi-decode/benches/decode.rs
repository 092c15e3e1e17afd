//! Decode and shard-hash cost of typical frames.

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Packet, shard_hash};

/// Ethernet / IPv4 / TCP ACK with timestamps and 100 bytes of data, as
/// on a busy HTTP connection.
fn eth_ipv4_tcp() -> Vec<u8> {
    let mut f = vec![
        0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    ];
    let total: u16 = 20 + 32 + 100;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend_from_slice(&[
        0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x80, 0x18, 0x01, 0xf5, 0, 0, 0, 0,
    ]);
    f.extend_from_slice(&[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
    f.extend(std::iter::repeat_n(b'x', 100));
    f
}

fn bench(c: &mut Criterion) {
    let frame = eth_ipv4_tcp();
    let mut d = Decoder::new(&Config::default());
    let mut pkt = Packet::empty();
    c.bench_function("decode eth/ipv4/tcp", |b| {
        b.iter(|| {
            d.decode(
                Timestamp(1),
                LinkType::ETHERNET,
                black_box(&frame),
                166,
                &mut pkt,
            );
            black_box(pkt.l4);
        })
    });
    c.bench_function("shard_hash eth/ipv4/tcp", |b| {
        b.iter(|| black_box(shard_hash(LinkType::ETHERNET, black_box(&frame))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
