//! Cost of writing one EVE line: a DNS answer (an app-layer record whose
//! body is a JSON tree) and an anomaly, each with the timestamp and the
//! IPv4 or IPv6 addresses every record carries. The header fields are
//! written by hand (`Timestamp::eve_text`, `EveIp::eve_text`); through
//! `fmt` and serde's `collect_str` they were half of this cost.

use std::net::IpAddr;

use criterion::{Criterion, Throughput, criterion_main};
use serde_json::json;
use taishi_core::Timestamp;
use taishi_core::event::{Anomaly, AnomalyBody, AppBody, Ether, Eve, EveIp, Event};

fn header<T: serde::Serialize>(e: &mut Eve<T>, src: &str, dst: &str) {
    let ip = |s: &str| s.parse::<IpAddr>().map(EveIp).ok();
    e.flow_id = Some(1_234_567_890_123);
    e.src_ip = ip(src);
    e.src_port = Some(53);
    e.dest_ip = ip(dst);
    e.dest_port = Some(40_000);
    e.proto = Some("UDP".into());
    e.app_proto = Some("dns".into());
}

fn dns(src: &str, dst: &str) -> Event {
    let body = json!({"dns": {"version": 3, "type": "response", "id": 11701, "flags": "8180",
        "qr": true, "rd": true, "ra": true, "opcode": 0, "rcode": "NOERROR",
        "queries": [{"rrname": "updates.example.io", "rrtype": "A"}],
        "answers": [{"rrname": "updates.example.io", "rrtype": "A", "ttl": 300,
                     "rdata": "93.184.102.196"}]}});
    let map = match body {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let mut e = Eve::new(Timestamp::new(1_780_300_800, 26_000), "dns", AppBody(map));
    header(&mut e, src, dst);
    Event::App(e)
}

fn anomaly(src: &str, dst: &str) -> Event {
    let body = AnomalyBody {
        anomaly: Anomaly {
            kind: "decode",
            event: "decoder.ipv4.trunc_pkt",
            layer: None,
            app_proto: None,
        },
        ether: Some(Ether::new(
            &[2, 0, 10, 1, 130, 56],
            &[0, 0, 94, 0, 1, 1],
            0x0800,
        )),
    };
    let mut e = Eve::new(Timestamp::new(1_780_300_800, 26_000), "anomaly", body);
    header(&mut e, src, dst);
    Event::Anomaly(e)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("eve_line");
    let cases = [
        ("dns_v4", dns("9.9.9.9", "10.1.130.56")),
        ("dns_v6", dns("2001:db8::53", "fe80::20c:29ff:fef3:cf38")),
        ("anomaly_v4", anomaly("10.0.0.1", "10.0.0.2")),
    ];
    for (name, event) in &cases {
        let mut buf = Vec::with_capacity(1024);
        event.write_json_line(&mut buf);
        group.throughput(Throughput::Bytes(buf.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                buf.clear();
                event.write_json_line(&mut buf);
                std::hint::black_box(buf.len())
            })
        });
    }
    group.finish();
}

// criterion_group! generates an undocumented public function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
