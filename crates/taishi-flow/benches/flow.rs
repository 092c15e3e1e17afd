//! Per-packet cost of the flow stage: established TCP flows receiving
//! in-order data packets, round robin over 10k and 1M flows (the latter
//! measures a table far larger than the CPU caches).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use criterion::{BatchSize, Criterion, Throughput, criterion_main};
use taishi_core::event::{Event, EventSink};
use taishi_core::{Config, Timestamp};
use taishi_decode::packet::tcp_flags::{ACK, PSH, SYN};
use taishi_decode::{L4, Packet};
use taishi_flow::testing::tcp;
use taishi_flow::{FlowWorker, NoApp};

struct Discard;

impl EventSink for Discard {
    fn emit(&mut self, _: Event) {}
}

static PAYLOAD: [u8; 64] = [b'x'; 64];

fn client(i: u32) -> SocketAddr {
    let a = Ipv4Addr::from(0x0a00_0000 | (i >> 8));
    SocketAddr::new(IpAddr::V4(a), 1024 + (i & 0xff) as u16)
}

/// A worker holding `n` established sessions and, per session, the next
/// in-order data packet from its client.
fn setup(n: u32) -> (FlowWorker<NoApp>, Vec<Packet<'static>>) {
    let mut config = Config::default();
    config.flow.memcap = 4 << 30;
    config.stream.reassembly_depth = 0;
    let mut w = FlowWorker::new(&config, 0, NoApp);
    let server: SocketAddr = "192.168.1.1:443".parse().unwrap_or_else(|_| unreachable!());
    let ts = Timestamp::new(1_600_000_000, 0);
    let mut sink = Discard;
    let mut pkts = Vec::with_capacity(n as usize);
    for i in 0..n {
        let c = client(i);
        w.process(&tcp(ts, c, server, SYN, 0, 0, b""), &mut sink);
        w.process(&tcp(ts, server, c, SYN | ACK, 0, 1, b""), &mut sink);
        w.process(&tcp(ts, c, server, ACK, 1, 1, b""), &mut sink);
        pkts.push(tcp(ts, c, server, PSH | ACK, 1, 1, &PAYLOAD));
    }
    (w, pkts)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("flow_process_established_tcp_data");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(4));
    for n in [10_000u32, 1_000_000] {
        let (mut w, mut pkts) = setup(n);
        eprintln!(
            "{n} flows: {} bytes charged per flow, {} MiB flow table",
            w.flow_cost(),
            w.memuse() >> 20
        );
        let mut sink = Discard;
        let mut i = 0usize;
        group.bench_function(format!("{n}_flows"), |b| {
            b.iter(|| {
                let p = &mut pkts[i];
                w.process(p, &mut sink);
                // The next packet of this session continues the stream.
                if let L4::Tcp(t) = &mut p.l4 {
                    t.seq = t.seq.wrapping_add(PAYLOAD.len() as u32);
                }
                i += 1;
                if i == pkts.len() {
                    i = 0;
                }
            })
        });
    }
    group.finish();

    // Flow creation and teardown: a new UDP flow per packet.
    let mut group = c.benchmark_group("flow_new_udp");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("create_and_flush_1000", |b| {
        let config = Config::default();
        let server: SocketAddr = "192.168.1.1:53".parse().unwrap_or_else(|_| unreachable!());
        let ts = Timestamp::new(1_600_000_000, 0);
        let pkts: Vec<_> = (0..1000)
            .map(|i| taishi_flow::testing::udp(ts, client(i), server, &PAYLOAD))
            .collect();
        b.iter_batched(
            || FlowWorker::new(&config, 0, NoApp),
            |mut w| {
                let mut sink = Discard;
                for p in &pkts {
                    w.process(p, &mut sink);
                }
                w.flush(&mut sink);
                w
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

// criterion_group! generates an undocumented public function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
