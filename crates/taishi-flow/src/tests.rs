//! Worker-level tests: packets in, app-layer calls and EVE events out.

use std::net::{IpAddr, SocketAddr};

use taishi_core::counters::Counters;
use taishi_core::event::{Event, EventSink};
use taishi_core::{Config, Timestamp};
use taishi_decode::packet::tcp_flags::*;
use taishi_decode::{Packet, TunnelKind, TunnelLayer};

use crate::testing::{icmp, tcp, udp, with_tunnel, with_vlans};
use crate::*;

/// Records what the app layer is handed.
#[derive(Default)]
struct Recorder {
    calls: Vec<(u64, Direction, Call)>,
    ended: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Data(Vec<u8>),
    Gap(u64),
}

impl AppLayer for Recorder {
    type State = u32;
    fn on_data(
        &mut self,
        st: &mut u32,
        f: &FlowView<'_>,
        d: Direction,
        data: &[u8],
        _: &mut dyn EventSink,
    ) {
        *st += 1;
        self.calls.push((f.flow_id(), d, Call::Data(data.to_vec())));
    }
    fn on_gap(
        &mut self,
        _: &mut u32,
        f: &FlowView<'_>,
        d: Direction,
        len: u64,
        _: &mut dyn EventSink,
    ) {
        self.calls.push((f.flow_id(), d, Call::Gap(len)));
    }
    fn on_end(
        &mut self,
        st: &mut u32,
        f: &FlowView<'_>,
        _: &mut dyn EventSink,
    ) -> Option<&'static str> {
        self.ended.push(f.flow_id());
        (*st > 0).then_some("test")
    }
}

impl Recorder {
    /// The stream of one direction, gaps as `?`.
    fn stream(&self, dir: Direction) -> String {
        let mut s = String::new();
        for (_, d, c) in &self.calls {
            if *d != dir {
                continue;
            }
            match c {
                Call::Data(b) => s.push_str(&String::from_utf8_lossy(b)),
                Call::Gap(n) => s.push_str(&"?".repeat(*n as usize)),
            }
        }
        s
    }
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn t(secs: u64) -> Timestamp {
    Timestamp::new(1_600_000_000 + secs, 0)
}

fn worker(config: &Config) -> FlowWorker<Recorder> {
    FlowWorker::new(config, 0, Recorder::default())
}

fn flows(events: &[Event]) -> Vec<serde_json::Value> {
    events
        .iter()
        .filter(|e| e.event_type() == "flow")
        .map(|e| {
            let mut out = Vec::new();
            e.write_json_line(&mut out);
            serde_json::from_slice(&out).unwrap()
        })
        .collect()
}

fn anomalies(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Anomaly(a) => Some(a.body.anomaly.event.to_string()),
            _ => None,
        })
        .collect()
}

const C: &str = "10.0.0.1:40000";
const S: &str = "10.0.0.2:80";

/// A handshake, data both ways, a client close.
fn conversation() -> Vec<Packet<'static>> {
    vec![
        tcp(t(0), sa(C), sa(S), SYN, 1000, 0, b""),
        tcp(t(0), sa(S), sa(C), SYN | ACK, 5000, 1001, b""),
        tcp(t(0), sa(C), sa(S), ACK, 1001, 5001, b""),
        tcp(
            t(1),
            sa(C),
            sa(S),
            PSH | ACK,
            1001,
            5001,
            b"GET / HTTP/1.0\r\n\r\n",
        ),
        tcp(
            t(1),
            sa(S),
            sa(C),
            PSH | ACK,
            5001,
            1019,
            b"HTTP/1.0 200 OK\r\n\r\n",
        ),
        tcp(t(2), sa(C), sa(S), FIN | ACK, 1019, 5020, b""),
        tcp(t(2), sa(S), sa(C), FIN | ACK, 5020, 1020, b""),
        tcp(t(2), sa(C), sa(S), ACK, 1020, 5021, b""),
    ]
}

#[test]
fn tcp_conversation_flow_event() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    for p in conversation() {
        w.process(&p, &mut ev);
    }
    assert_eq!(
        w.app().stream(Direction::ToServer),
        "GET / HTTP/1.0\r\n\r\n"
    );
    assert_eq!(
        w.app().stream(Direction::ToClient),
        "HTTP/1.0 200 OK\r\n\r\n"
    );
    assert!(ev.is_empty());
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!(f["event_type"], "flow");
    assert_eq!(f["src_ip"], "10.0.0.1");
    assert_eq!(f["src_port"], 40000);
    assert_eq!(f["dest_ip"], "10.0.0.2");
    assert_eq!(f["dest_port"], 80);
    assert_eq!(f["proto"], "TCP");
    assert_eq!(f["app_proto"], "test");
    assert_eq!(f["flow"]["pkts_toserver"], 5);
    assert_eq!(f["flow"]["pkts_toclient"], 3);
    // 54-byte frames plus payload.
    assert_eq!(f["flow"]["bytes_toserver"], 54 * 5 + 18);
    assert_eq!(f["flow"]["bytes_toclient"], 54 * 3 + 19);
    assert_eq!(f["flow"]["age"], 2);
    assert_eq!(f["flow"]["state"], "closed");
    assert_eq!(f["flow"]["reason"], "shutdown");
    assert_eq!(f["flow"]["alerted"], false);
    assert_eq!(f["tcp"]["tcp_flags"], "1b");
    assert_eq!(f["tcp"]["tcp_flags_ts"], "1b");
    assert_eq!(f["tcp"]["tcp_flags_tc"], "1b");
    assert_eq!(f["tcp"]["syn"], true);
    assert_eq!(f["tcp"]["state"], "closed");
    assert!(f["tcp"].get("rst").is_none());
    assert_eq!(
        f["community_id"],
        community_id(ip("10.0.0.1"), ip("10.0.0.2"), 6, 40000, 80)
    );
    let id = f["flow_id"].as_u64().unwrap();
    assert!(id > 0 && id < 1 << 51);
    assert_eq!(w.app().ended, vec![id]);

    let mut c = Counters::new();
    c.absorb(&w);
    assert_eq!(c.get("flow.total"), 1);
    assert_eq!(c.get("flow.tcp"), 1);
    assert_eq!(c.get("flow.active"), 0);
    assert_eq!(c.get("tcp.sessions"), 1);
    assert_eq!(c.get("tcp.syn"), 1);
    assert_eq!(c.get("tcp.synack"), 1);
    assert!(c.get("flow.memuse") >= w.flow_cost());
}

#[test]
fn client_is_syn_sender_even_when_synack_comes_first() {
    let mut config = Config::default();
    config.stream.midstream = true;
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    // The SYN was not captured: the SYN-ACK's receiver is the client.
    w.process(
        &tcp(t(0), sa(S), sa(C), SYN | ACK, 5000, 1001, b""),
        &mut ev,
    );
    w.process(&tcp(t(0), sa(C), sa(S), ACK, 1001, 5001, b""), &mut ev);
    w.process(
        &tcp(t(0), sa(C), sa(S), ACK | PSH, 1001, 5001, b"hi"),
        &mut ev,
    );
    w.flush(&mut ev);
    let f = &flows(&ev)[0];
    assert_eq!(f["src_ip"], "10.0.0.1");
    assert_eq!(f["dest_port"], 80);
    assert_eq!(f["flow"]["pkts_toserver"], 2);
    assert_eq!(f["flow"]["pkts_toclient"], 1);
    assert_eq!(f["tcp"]["state"], "established");
    assert_eq!(w.app().stream(Direction::ToServer), "hi");
}

#[test]
fn client_is_first_sender_without_handshake() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    // UDP: the first packet's sender, whatever the port numbers say.
    w.process(
        &udp(t(0), sa("10.0.0.9:53"), sa("10.0.0.1:5353"), b"q"),
        &mut ev,
    );
    w.process(
        &udp(t(0), sa("10.0.0.1:5353"), sa("10.0.0.9:53"), b"r"),
        &mut ev,
    );
    w.flush(&mut ev);
    let f = &flows(&ev)[0];
    assert_eq!(f["src_ip"], "10.0.0.9");
    assert_eq!(f["src_port"], 53);
    assert_eq!(f["flow"]["state"], "established");
    assert_eq!(f["proto"], "UDP");
    assert_eq!(w.app().stream(Direction::ToServer), "q");
    assert_eq!(w.app().stream(Direction::ToClient), "r");
}

#[test]
fn midstream_off_counts_but_does_not_reassemble() {
    let config = Config::default();
    assert!(!config.stream.midstream);
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    w.process(&tcp(t(0), sa(C), sa(S), ACK | PSH, 1, 1, b"abc"), &mut ev);
    w.process(&tcp(t(0), sa(S), sa(C), ACK | PSH, 1, 4, b"def"), &mut ev);
    w.flush(&mut ev);
    assert!(w.app().calls.is_empty());
    let f = &flows(&ev)[0];
    assert_eq!(f["flow"]["pkts_toserver"], 1);
    assert_eq!(f["flow"]["pkts_toclient"], 1);
    assert_eq!(f["flow"]["state"], "new");
    assert!(f["tcp"].get("state").is_none());

    let mut config = Config::default();
    config.stream.midstream = true;
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    w.process(&tcp(t(0), sa(C), sa(S), ACK | PSH, 1, 1, b"abc"), &mut ev);
    w.process(&tcp(t(0), sa(S), sa(C), ACK | PSH, 1, 4, b"def"), &mut ev);
    w.process(&tcp(t(0), sa(C), sa(S), ACK | PSH, 4, 4, b"ghi"), &mut ev);
    w.flush(&mut ev);
    assert_eq!(w.app().stream(Direction::ToServer), "abcghi");
    assert_eq!(w.app().stream(Direction::ToClient), "def");
    let mut c = Counters::new();
    c.absorb(&w);
    assert_eq!(c.get("tcp.midstream_pickups"), 1);
}

#[test]
fn out_of_order_overlap_and_gap_through_the_worker() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    let p = [
        tcp(t(0), sa(C), sa(S), SYN, 0, 0, b""),
        tcp(t(0), sa(S), sa(C), SYN | ACK, 0, 1, b""),
        tcp(t(0), sa(C), sa(S), ACK, 1, 1, b""),
        tcp(t(0), sa(C), sa(S), ACK, 4, 1, b"def"),
        tcp(t(0), sa(C), sa(S), ACK, 4, 1, b"DEF"), // overlap, different data
        tcp(t(0), sa(C), sa(S), ACK, 1, 1, b"abc"),
        tcp(t(0), sa(C), sa(S), ACK, 1, 1, b"abc"), // retransmission
        tcp(t(0), sa(C), sa(S), ACK, 10, 1, b"jkl"),
        // The server acknowledges everything: 7..10 was lost.
        tcp(t(0), sa(S), sa(C), ACK, 1, 13, b""),
    ];
    for p in &p {
        w.process(p, &mut ev);
    }
    assert_eq!(w.app().stream(Direction::ToServer), "abcdef???jkl");
    assert_eq!(
        anomalies(&ev),
        vec![
            "stream.reassembly_overlap_different_data",
            "stream.reassembly_seq_gap"
        ]
    );
    let anomaly = ev.iter().find(|e| e.event_type() == "anomaly").unwrap();
    let mut line = Vec::new();
    anomaly.write_json_line(&mut line);
    let a: serde_json::Value = serde_json::from_slice(&line).unwrap();
    assert_eq!(a["anomaly"]["type"], "stream");
    assert_eq!(a["src_ip"], "10.0.0.1");
    w.flush(&mut ev);
    let f = &flows(&ev)[0];
    assert_eq!(f["tcp"]["gap_ts"], true);
    assert!(f["tcp"].get("gap_tc").is_none());
    assert_eq!(a["flow_id"], f["flow_id"]);
    let mut c = Counters::new();
    c.absorb(&w);
    assert_eq!(c.get("tcp.overlap"), 1);
    assert_eq!(c.get("tcp.overlap_diff_data"), 1);
    assert_eq!(c.get("tcp.retransmission"), 1);
    assert_eq!(c.get("tcp.reassembly_gap"), 1);
}

#[test]
fn icmp_echo_and_reply_share_a_flow() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    w.process(&icmp(t(0), a, b, 8, 0, 7), &mut ev);
    w.process(&icmp(t(0), b, a, 0, 0, 7), &mut ev);
    w.process(&icmp(t(3), a, b, 8, 0, 7), &mut ev);
    w.process(&icmp(t(3), b, a, 0, 0, 7), &mut ev);
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!(f["proto"], "ICMP");
    assert_eq!(f["icmp_type"], 8);
    assert_eq!(f["icmp_code"], 0);
    assert_eq!(f["response_icmp_type"], 0);
    assert_eq!(f["response_icmp_code"], 0);
    assert_eq!(f["flow"]["age"], 3);
    assert!(f.get("src_port").is_none());
    assert_eq!(f["community_id"], community_id(a, b, 1, 8, 0));
}

#[test]
fn timeouts_by_protocol_and_state() {
    let config = Config::default();
    let to = config.flow_timeouts;
    // (name, packets, timeout that applies, expected flow.state)
    let udp_new = vec![udp(t(0), sa(C), sa(S), b"x")];
    let udp_est = vec![udp(t(0), sa(C), sa(S), b"x"), udp(t(0), sa(S), sa(C), b"y")];
    let tcp_new = vec![tcp(t(0), sa(C), sa(S), SYN, 0, 0, b"")];
    let tcp_est = conversation()[..3].to_vec();
    let mut tcp_closed = conversation();
    for p in &mut tcp_closed {
        p.ts = t(0);
    }
    let cases = [
        ("udp new", udp_new, to.udp.new, "new"),
        (
            "udp established",
            udp_est,
            to.udp.established,
            "established",
        ),
        ("tcp new", tcp_new, to.tcp.new, "new"),
        (
            "tcp established",
            tcp_est,
            to.tcp.established,
            "established",
        ),
        ("tcp closed", tcp_closed, to.tcp.closed, "closed"),
    ];
    for (name, pkts, timeout, state) in cases {
        let mut w = worker(&config);
        let mut ev: Vec<Event> = Vec::new();
        for p in &pkts {
            w.process(p, &mut ev);
        }
        w.handle_timeouts(t(timeout), &mut ev);
        assert!(flows(&ev).is_empty(), "{name}: not yet at {timeout}s");
        assert_eq!(w.active_flows(), 1);
        w.handle_timeouts(t(timeout + 1), &mut ev);
        let f = flows(&ev);
        assert_eq!(f.len(), 1, "{name}: ended after {timeout}s");
        assert_eq!(f[0]["flow"]["reason"], "timeout", "{name}");
        assert_eq!(f[0]["flow"]["state"], state, "{name}");
        assert_eq!(w.active_flows(), 0);
    }
}

/// Regression (suricata-verify vxlan-decoder-03): a one-way UDP flow whose
/// last packet was at 0.006 s has timed out by 30.83 s, although both times
/// fall within whole second 30 of its 30 s timeout; the next packet starts
/// a new flow.
#[test]
fn timeout_uses_exact_packet_times() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    let at = |ms: u64| Timestamp(ms * 1_000_000);
    w.process(&udp(at(0), sa(C), sa(S), b"x"), &mut ev);
    w.process(&udp(at(6), sa(C), sa(S), b"x"), &mut ev);
    w.handle_timeouts(at(30_005), &mut ev);
    assert!(flows(&ev).is_empty(), "idle 29.999 s: still open");
    w.handle_timeouts(at(30_830), &mut ev);
    w.process(&udp(at(30_830), sa(C), sa(S), b"x"), &mut ev);
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["flow"]["pkts_toserver"], 2);
    assert_eq!(f[0]["flow"]["reason"], "timeout");
    assert_eq!(f[1]["flow"]["pkts_toserver"], 1);
}

#[test]
fn a_busy_flow_does_not_time_out() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    for s in 0..100 {
        w.process(&udp(t(s * 10), sa(C), sa(S), b"x"), &mut ev);
        w.handle_timeouts(t(s * 10), &mut ev);
    }
    // An idle flow started at the same time is long gone.
    assert!(flows(&ev).is_empty());
    w.process(&udp(t(0), sa("10.9.9.9:1"), sa(S), b"x"), &mut ev);
    w.handle_timeouts(t(2000), &mut ev);
    assert_eq!(flows(&ev).len(), 2);
}

#[test]
fn memcap_evicts_the_oldest_idle_flow() {
    let mut config = Config::default();
    let cost = worker(&config).flow_cost();
    config.flow.memcap = cost * 3 + cost / 2;
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    for (i, port) in [1000u16, 1001, 1002].iter().enumerate() {
        let c = SocketAddr::new(ip("10.0.0.1"), *port);
        w.process(&udp(t(i as u64), c, sa(S), b"x"), &mut ev);
    }
    // The first flow is touched again: the second is now the oldest.
    w.process(&udp(t(3), sa("10.0.0.1:1000"), sa(S), b"x"), &mut ev);
    assert!(ev.is_empty());
    w.process(&udp(t(4), sa("10.0.0.1:1003"), sa(S), b"x"), &mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["src_port"], 1001);
    assert_eq!(f[0]["flow"]["reason"], "forced");
    assert_eq!(w.active_flows(), 3);
    assert!(w.memuse() <= config.flow.memcap);
    let mut c = Counters::new();
    c.absorb(&w);
    assert_eq!(c.get("flow.memcap_evictions"), 1);
    assert_eq!(c.get("flow.total"), 4);
}

#[test]
fn vlans_separate_flows_and_are_logged() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    w.process(&with_vlans(udp(t(0), sa(C), sa(S), b"x"), &[10]), &mut ev);
    w.process(&with_vlans(udp(t(0), sa(C), sa(S), b"x"), &[20]), &mut ev);
    w.process(&with_vlans(udp(t(0), sa(S), sa(C), b"x"), &[10]), &mut ev);
    w.flush(&mut ev);
    let mut f = flows(&ev);
    f.sort_by_key(|f| f["vlan"][0].as_u64());
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["vlan"], serde_json::json!([10]));
    assert_eq!(f[0]["flow"]["pkts_toclient"], 1);
    assert_eq!(f[1]["vlan"], serde_json::json!([20]));
}

#[test]
fn vxlan_inner_flow_and_outer_udp_flow() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    let layer = |src: &str, dst: &str, sport: u16| TunnelLayer {
        kind: TunnelKind::Vxlan,
        src: ip(src),
        dst: ip(dst),
        proto: 17,
        src_port: sport,
        dst_port: 4789,
        id: Some(42),
        ip_len: 134,
    };
    let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
    // Ping inside VXLAN, each direction with its own outer source port, as
    // in vxlan.pcap: one inner ICMP flow, two outer UDP flows.
    let req = with_tunnel(
        icmp(t(0), a, b, 8, 0, 1),
        layer("192.168.56.11", "192.168.56.12", 48134),
        16,
    );
    let rep = with_tunnel(
        icmp(t(0), b, a, 0, 0, 1),
        layer("192.168.56.12", "192.168.56.11", 38071),
        16,
    );
    for _ in 0..4 {
        w.process(&req, &mut ev);
        w.process(&rep, &mut ev);
    }
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 3);
    let inner: Vec<_> = f.iter().filter(|f| f["proto"] == "ICMP").collect();
    assert_eq!(inner.len(), 1);
    let inner = inner[0];
    assert_eq!(inner["flow"]["pkts_toserver"], 4);
    assert_eq!(inner["flow"]["pkts_toclient"], 4);
    // Inner Ethernet frame: 14 + 20 + 8.
    assert_eq!(inner["flow"]["bytes_toserver"], 4 * 42);
    assert_eq!(inner["tunnel"]["type"], "vxlan");
    assert_eq!(inner["tunnel"]["id"], 42);
    assert_eq!(inner["tunnel"]["proto"], "UDP");
    assert_eq!(inner["tunnel"]["depth"], 1);
    let outer: Vec<_> = f.iter().filter(|f| f["dest_port"] == 4789).collect();
    assert_eq!(outer.len(), 2);
    for o in outer {
        assert_eq!(o["flow"]["pkts_toserver"], 4);
        assert_eq!(o["flow"]["pkts_toclient"], 0);
        assert_eq!(o["flow"]["bytes_toserver"], 4 * req.frame.len() as u64);
        assert!(o.get("tunnel").is_none());
    }
    // Outer flows never reach the app layer.
    assert!(w.app().calls.is_empty());
}

#[test]
fn ipv6_flow_prints_addresses_in_full() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    w.process(
        &udp(t(0), sa("[2001:db8::1]:5000"), sa("[2001:db8::2]:53"), b"q"),
        &mut ev,
    );
    w.flush(&mut ev);
    let f = &flows(&ev)[0];
    assert_eq!(f["src_ip"], "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_eq!(f["flow"]["bytes_toserver"], 14 + 40 + 8 + 1);
}

#[test]
fn flow_ids_differ_between_flows_and_reuse_of_a_tuple() {
    let config = Config::default();
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    w.process(&udp(t(0), sa(C), sa(S), b"x"), &mut ev);
    w.handle_timeouts(t(100), &mut ev);
    w.process(&udp(t(100), sa(C), sa(S), b"x"), &mut ev);
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 2);
    assert_ne!(f[0]["flow_id"], f[1]["flow_id"]);
}

#[test]
fn depth_limit_through_the_worker() {
    let mut config = Config::default();
    config.stream.reassembly_depth = 4;
    let mut w = worker(&config);
    let mut ev: Vec<Event> = Vec::new();
    for p in [
        tcp(t(0), sa(C), sa(S), SYN, 0, 0, b""),
        tcp(t(0), sa(S), sa(C), SYN | ACK, 0, 1, b""),
        tcp(t(0), sa(C), sa(S), ACK, 1, 1, b"abc"),
        tcp(t(0), sa(C), sa(S), ACK, 4, 1, b"def"),
        tcp(t(0), sa(C), sa(S), ACK, 7, 1, b"ghi"),
    ] {
        w.process(&p, &mut ev);
    }
    assert_eq!(w.app().stream(Direction::ToServer), "abcd");
    assert_eq!(anomalies(&ev), vec!["stream.reassembly_depth_reached"]);
    w.flush(&mut ev);
    assert_eq!(flows(&ev)[0]["flow"]["pkts_toserver"], 4);
}

/// An app layer that, like protocol detection seeing a response first,
/// asks for the flow to be reversed when data starts with `RESP`.
#[derive(Default)]
struct Reverser {
    seen: Vec<(Direction, Vec<u8>)>,
}

impl AppLayer for Reverser {
    type State = bool;
    fn on_data(
        &mut self,
        st: &mut bool,
        _: &FlowView<'_>,
        d: Direction,
        data: &[u8],
        _: &mut dyn EventSink,
    ) {
        *st = self.seen.is_empty() && data.starts_with(b"RESP");
        self.seen.push((d, data.to_vec()));
    }
    fn on_gap(
        &mut self,
        _: &mut bool,
        _: &FlowView<'_>,
        _: Direction,
        _: u64,
        _: &mut dyn EventSink,
    ) {
    }
    fn on_end(
        &mut self,
        _: &mut bool,
        _: &FlowView<'_>,
        _: &mut dyn EventSink,
    ) -> Option<&'static str> {
        None
    }
    fn take_reverse(&mut self, st: &mut bool) -> bool {
        std::mem::take(st)
    }
}

#[test]
fn app_layer_can_reverse_a_flow_seen_backwards() {
    // UDP: the server's answer is captured before the question.
    let config = Config::default();
    let mut w = FlowWorker::new(&config, 0, Reverser::default());
    let mut ev: Vec<Event> = Vec::new();
    w.process(&udp(t(0), sa(S), sa(C), b"RESP one"), &mut ev);
    w.process(&udp(t(1), sa(C), sa(S), b"REQ two"), &mut ev);
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["src_ip"], "10.0.0.1");
    assert_eq!(f[0]["dest_port"], 80);
    assert_eq!(f[0]["flow"]["pkts_toserver"], 1);
    assert_eq!(f[0]["flow"]["pkts_toclient"], 1);
    // After the swap, the client's bytes go to the server.
    assert_eq!(w.app().seen[1].0, Direction::ToServer);

    // TCP picked up mid-session: the server's data comes first.
    let mut config = Config::default();
    config.stream.midstream = true;
    let mut w = FlowWorker::new(&config, 0, Reverser::default());
    let mut ev: Vec<Event> = Vec::new();
    w.process(
        &tcp(t(0), sa(S), sa(C), ACK | PSH, 500, 100, b"RESP"),
        &mut ev,
    );
    w.process(
        &tcp(t(0), sa(C), sa(S), ACK | PSH, 100, 504, b"REQ"),
        &mut ev,
    );
    w.process(&tcp(t(0), sa(S), sa(C), ACK, 504, 103, b""), &mut ev);
    w.flush(&mut ev);
    let f = flows(&ev);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["src_ip"], "10.0.0.1");
    assert_eq!(f[0]["dest_port"], 80);
    assert_eq!(f[0]["flow"]["pkts_toserver"], 1);
    assert_eq!(f[0]["flow"]["pkts_toclient"], 2);
    let seen = &w.app().seen;
    assert!(
        seen.iter()
            .any(|(d, b)| *d == Direction::ToServer && b == b"REQ"),
        "{seen:?}"
    );
}
