//! The bodies of the fuzz targets, shared with the test that replays the
//! seed corpora (`crates/taishi/tests/fuzz_seeds.rs` includes this file), so
//! CI runs exactly what the fuzzer runs.

use std::path::PathBuf;
use std::sync::Arc;

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, Packet};
use taishi_detect::rules::compile::{Compiler, Signature};
use taishi_detect::rules::engine::{DetectLayer, Engine};
use taishi_detect::rules::keywords::ThresholdState;
use taishi_detect::rules::parse::{Origin, Vars, parse_rule, split_rules};
use taishi_detect::rules::payload::InspectEnv;
use taishi_flow::{AppLayer, FlowWorker, NoApp};
use taishi_proto::{ProtoConfig, ProtoLayer};

/// Link types a fuzz input can pick with its first byte.
const LINKTYPES: [LinkType; 10] = [
    LinkType::ETHERNET,
    LinkType::RAW,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::NULL,
    LinkType::LOOP,
    LinkType::NFLOG,
    LinkType(147),
];

/// A capture file in memory: read every frame and every warning.
pub fn capture_file(data: &[u8]) {
    if let Ok(mut source) = taishi_capture::from_bytes("fuzz-input", data.to_vec()) {
        use taishi_capture::PacketSource;
        let mut n = 0u64;
        while let Ok(Some(p)) = source.next_packet() {
            n += p.data.len() as u64;
        }
        let _ = source.take_warnings();
        std::hint::black_box(n);
    }
}

/// One frame: the first byte picks the link type, the rest is the frame.
pub fn decode(data: &[u8]) {
    let Some((&pick, frame)) = data.split_first() else {
        return;
    };
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut defrag = Defrag::new(&config.defrag);
    let linktype = LINKTYPES[pick as usize % LINKTYPES.len()];
    let mut pkt = Packet::empty();
    decoder.decode(Timestamp(1), linktype, frame, frame.len() as u32, &mut pkt);
    if pkt.is_fragment
        && let Some(datagram) = defrag.insert(&pkt)
    {
        let mut whole = pkt.clone();
        decoder.decode_reassembled(datagram, &mut whole);
    }
}

/// A sequence of frames through decode → defrag → flows → reassembly.
/// Layout: the first byte picks the link type; then records of a 2-byte
/// big-endian length and that many bytes of frame. Each record advances
/// packet time by its first byte in tens of milliseconds, so timeouts fire too.
pub fn pipeline(data: &[u8]) {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let mut config = Config::default();
    config.stream.midstream = pick & 0x80 != 0;
    config.stream.reassembly_depth = 4096;
    config.stream.max_ooo_segments = 16;
    config.flow.memcap = 64 * 1024;
    let linktype = LINKTYPES[pick as usize % LINKTYPES.len()];
    let mut decoder = Decoder::new(&config);
    let mut defrag = Defrag::new(&config.defrag);
    let mut flows = FlowWorker::new(&config, 0, NoApp);
    let mut events: Vec<taishi_core::event::Event> = Vec::new();
    let mut now = Timestamp::new(1_600_000_000, 0);
    while rest.len() >= 2 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        let frame = &rest[..len.min(rest.len())];
        rest = &rest[frame.len()..];
        now = Timestamp(now.0 + frame.first().copied().unwrap_or(0) as u64 * 10_000_000);
        let mut pkt = Packet::empty();
        decoder.decode(now, linktype, frame, frame.len() as u32, &mut pkt);
        if pkt.is_fragment {
            if let Some(datagram) = defrag.insert(&pkt) {
                let mut whole = pkt.clone();
                decoder.decode_reassembled(datagram, &mut whole);
                flows.process(&whole, &mut events);
            }
        } else {
            flows.process(&pkt, &mut events);
        }
        flows.handle_timeouts(now, &mut events);
        defrag.expire(now);
        if events.len() > 1024 {
            events.clear();
        }
    }
    flows.flush(&mut events);
}

/// Raw IPv4 packet 10.0.0.1 ↔ 10.0.0.2 carrying `l4` (protocol `proto`).
fn ipv4(to_client: bool, proto: u8, l4: &[u8]) -> Vec<u8> {
    let total = (20 + l4.len()) as u16;
    let (a, b) = if to_client {
        ([10, 0, 0, 2], [10, 0, 0, 1])
    } else {
        ([10, 0, 0, 1], [10, 0, 0, 2])
    };
    let mut p = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ];
    p.extend_from_slice(&a);
    p.extend_from_slice(&b);
    p.extend_from_slice(l4);
    p
}

fn tcp_segment(
    to_client: bool,
    port: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    tcp_segment_ports(to_client, (40000, port), seq, ack, flags, payload)
}

/// A TCP segment between client port `ports.0` and server port `ports.1`.
fn tcp_segment_ports(
    to_client: bool,
    ports: (u16, u16),
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let (sp, dp) = if to_client {
        (ports.1, ports.0)
    } else {
        (ports.0, ports.1)
    };
    let mut t = Vec::with_capacity(20 + payload.len());
    t.extend_from_slice(&sp.to_be_bytes());
    t.extend_from_slice(&dp.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&ack.to_be_bytes());
    t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(payload);
    ipv4(to_client, 6, &t)
}

/// Runs frames of raw IPv4 through decode → flows → protocol parsers.
fn run_ipv4(frames: &[Vec<u8>]) {
    run_ipv4_with(frames, ProtoLayer::new(ProtoConfig::defaults()));
}

/// Runs frames of raw IPv4 through decode → flows → `app`; returns the
/// number of `alert` events written.
fn run_ipv4_with<A: AppLayer>(frames: &[Vec<u8>], app: A) -> usize {
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut flows = FlowWorker::new(&config, 0, app);
    let mut events: Vec<taishi_core::event::Event> = Vec::new();
    let mut alerts = 0;
    let mut out = Vec::new();
    // Every event must serialise (protocol records are built from parsed input).
    let mut drain = |events: &mut Vec<taishi_core::event::Event>| {
        for e in events.drain(..) {
            alerts += usize::from(e.event_type() == "alert");
            out.clear();
            e.write_json_line(&mut out);
        }
    };
    for (i, f) in frames.iter().enumerate() {
        let mut pkt = Packet::empty();
        let ts = Timestamp::new(1_600_000_000 + i as u64, 0);
        decoder.decode(ts, LinkType::RAW, f, f.len() as u32, &mut pkt);
        flows.process(&pkt, &mut events);
        if events.len() > 1024 {
            drain(&mut events);
        }
    }
    flows.flush(&mut events);
    drain(&mut events);
    alerts
}

/// A TCP session to `port`: a handshake, then the input cut into segments.
/// Each segment is one control byte (bit 7: server to client; bits 0-6:
/// length) followed by that many bytes; a FIN exchange ends the session.
pub fn tcp_session(port: u16, data: &[u8]) {
    let (mut cseq, mut sseq) = (1000u32, 5000u32);
    let mut frames = vec![
        tcp_segment(false, port, cseq - 1, 0, 0x02, &[]),
        tcp_segment(true, port, sseq - 1, cseq, 0x12, &[]),
        tcp_segment(false, port, cseq, sseq, 0x10, &[]),
    ];
    let mut rest = data;
    while let Some((&ctl, tail)) = rest.split_first() {
        let len = usize::from(ctl & 0x7f).min(tail.len());
        let (seg, tail) = tail.split_at(len);
        rest = tail;
        let to_client = ctl & 0x80 != 0;
        if to_client {
            frames.push(tcp_segment(true, port, sseq, cseq, 0x18, seg));
            sseq = sseq.wrapping_add(len as u32);
            frames.push(tcp_segment(false, port, cseq, sseq, 0x10, &[]));
        } else {
            frames.push(tcp_segment(false, port, cseq, sseq, 0x18, seg));
            cseq = cseq.wrapping_add(len as u32);
            frames.push(tcp_segment(true, port, sseq, cseq, 0x10, &[]));
        }
    }
    frames.push(tcp_segment(false, port, cseq, sseq, 0x11, &[]));
    frames.push(tcp_segment(
        true,
        port,
        sseq,
        cseq.wrapping_add(1),
        0x11,
        &[],
    ));
    frames.push(tcp_segment(
        false,
        port,
        cseq.wrapping_add(1),
        sseq.wrapping_add(1),
        0x10,
        &[],
    ));
    run_ipv4(&frames);
}

/// UDP datagrams to and from `port`, cut like [`tcp_session`]'s segments.
pub fn udp_datagrams(port: u16, data: &[u8]) {
    let mut frames = Vec::new();
    let mut rest = data;
    while let Some((&ctl, tail)) = rest.split_first() {
        let len = usize::from(ctl & 0x7f).min(tail.len());
        let (dgram, tail) = tail.split_at(len);
        rest = tail;
        let to_client = ctl & 0x80 != 0;
        let (sp, dp) = if to_client {
            (port, 40000u16)
        } else {
            (40000u16, port)
        };
        let ulen = (8 + dgram.len()) as u16;
        let mut u = Vec::with_capacity(8 + dgram.len());
        u.extend_from_slice(&sp.to_be_bytes());
        u.extend_from_slice(&dp.to_be_bytes());
        u.extend_from_slice(&ulen.to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(dgram);
        frames.push(ipv4(to_client, 17, &u));
    }
    run_ipv4(&frames);
}

/// Rules of a `rule_parse` input that are parsed and compiled.
const MAX_RULES: usize = 16;

/// A rules file: split into rules as a file is read (BOM, `\`
/// continuations, comments, bytes that are not UTF-8), each rule through
/// `parse_rule` and one shared `Compiler`; what compiles is grouped into an
/// `Engine`. Every error must format, since operators read them.
pub fn rule_parse(data: &[u8]) {
    let file = split_rules(data, PathBuf::from("fuzz.rules"), Arc::from("fuzz.rules"));
    let vars = Vars::suricata_defaults();
    let mut compiler = Compiler::new();
    let mut sigs: Vec<Signature> = Vec::new();
    let mut report: String = file.errors.iter().map(|e| e.to_string()).collect();
    for line in file.rules.into_iter().take(MAX_RULES) {
        match parse_rule(&line.text, &vars, line.origin) {
            Ok(raw) => match compiler.compile(raw, sigs.len() as u32) {
                Ok(sig) => sigs.push(sig),
                Err(skip) => report.push_str(&skip.to_string()),
            },
            Err(e) => report.push_str(&e.to_string()),
        }
    }
    let engine = Engine::new(sigs);
    std::hint::black_box((engine.signatures().len(), report.len()));
}

/// Variables under which every header address matches the synthetic
/// packets, so `rule_match` inputs reach payload inspection.
fn open_vars() -> Vars {
    let mut vars = Vars::suricata_defaults();
    let _ = vars.set("HOME_NET", "any");
    let _ = vars.set("EXTERNAL_NET", "any");
    vars
}

/// The server port for a rule: its app-layer protocol's usual port, else
/// the first port its header names, else `default`.
fn server_port(sig: &Signature, default: u16) -> u16 {
    let by_app = match sig.app_proto.as_deref() {
        Some("http") => 80,
        Some("tls") => 443,
        Some("ssh") => 22,
        Some("ftp") => 21,
        Some("smtp") => 25,
        Some("smb") => 445,
        Some("dns") => 53,
        Some("modbus") => 502,
        Some("dnp3") => 20000,
        Some("rdp") => 3389,
        _ => 0,
    };
    if by_app != 0 {
        return by_app;
    }
    let first = |set: &taishi_detect::rules::parse::PortSet| {
        if set.is_any() {
            None
        } else {
            set.ranges().first().map(|r| r.0).filter(|&p| p != 0)
        }
    };
    first(&sig.dport).or(first(&sig.sport)).unwrap_or(default)
}

/// Alerts one packet may raise in `rule_match` (Suricata's default).
const ALERT_MAX: usize = 15;

/// Cuts a `rule_match` input into rule text, client payload and server
/// payload: the rule ends at the first NUL; then a 2-byte big-endian length
/// and that many bytes of client payload; the rest is the server's.
/// Payloads are length-delimited because they hold NULs (DNS names, binary
/// protocols); a rule never does.
pub fn split_rule_input(data: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return (data, &[], &[]);
    };
    let (rule, rest) = (&data[..nul], &data[nul + 1..]);
    let Some((len, rest)) = rest.split_first_chunk::<2>() else {
        return (rule, &[], &[]);
    };
    let (client, server) = rest.split_at(usize::from(u16::from_be_bytes(*len)).min(rest.len()));
    (rule, client, server)
}

/// A rule and the payloads it is matched against (layout: see
/// [`split_rule_input`]). The rule's payload and buffer
/// matchers inspect both payloads directly; then an `Engine` of that one
/// rule sees a synthetic session carrying them (TCP, UDP or ICMP as the
/// rule asks), through protocol parsing and transaction inspection.
/// Returns the alerts the engine wrote (`None`: the rule did not compile).
pub fn rule_match(data: &[u8]) -> Option<usize> {
    let (rule, client, server) = split_rule_input(data);
    let text = String::from_utf8_lossy(rule);
    let raw = parse_rule(&text, &open_vars(), Origin::new("fuzz", 1)).ok()?;
    let sig = Compiler::new().compile(raw, 0).ok()?;
    let mut env = InspectEnv::new();
    let mut hits = 0u32;
    for buf in [client, server] {
        if let Some(m) = &sig.payload {
            env.reset_vars();
            hits += u32::from(m.inspect(buf, &mut env));
        }
        for b in &sig.buffers {
            env.reset_vars();
            hits += u32::from(b.matcher.inspect(buf, &mut env));
        }
    }
    std::hint::black_box(hits);

    // `dns` rules name no IP protocol; their seeds are UDP queries.
    let frames = match (sig.ip_proto, sig.app_proto.as_deref()) {
        (Some(17), _) | (None, Some("dns")) => {
            let port = server_port(&sig, 53);
            [(false, client), (true, server)]
                .iter()
                .filter(|(_, d)| !d.is_empty())
                .map(|&(to_client, d)| udp_datagram(to_client, (40000, port), d))
                .collect()
        }
        (Some(1), _) => vec![
            ipv4(false, 1, &icmp_echo(8, client)),
            ipv4(true, 1, &icmp_echo(0, server)),
        ],
        _ => {
            let port = server_port(&sig, 80);
            let sport = if sig.sport.is_any() {
                40000
            } else {
                sig.sport.ranges().first().map_or(40000, |r| r.0)
            };
            tcp_exchange((sport, port), client, server)
        }
    };
    let engine = Arc::new(Engine::new(vec![sig]));
    // As `taishi analyze` does: a rule on HTTP bodies needs the parser to keep them.
    let mut proto = ProtoConfig::defaults();
    if engine.needs_bodies {
        let mut config = Config::default();
        if config
            .set("app-layer.protocols.http.inspect-bodies", "yes")
            .is_ok()
            && let Ok(p) = ProtoConfig::from_config(&config)
        {
            proto = p;
        }
    }
    let layer = DetectLayer::new(
        ProtoLayer::new(proto),
        Some(engine),
        ThresholdState::new(None),
        ALERT_MAX,
    );
    Some(run_ipv4_with(&frames, layer))
}

/// A UDP datagram between client port `ports.0` and server port `ports.1`.
fn udp_datagram(to_client: bool, ports: (u16, u16), data: &[u8]) -> Vec<u8> {
    let (sp, dp) = if to_client {
        (ports.1, ports.0)
    } else {
        (ports.0, ports.1)
    };
    let data = &data[..data.len().min(65000)];
    let mut u = Vec::with_capacity(8 + data.len());
    u.extend_from_slice(&sp.to_be_bytes());
    u.extend_from_slice(&dp.to_be_bytes());
    u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    ipv4(to_client, 17, &u)
}

/// An ICMP echo request (type 8) or reply (type 0) carrying `data`.
fn icmp_echo(icmp_type: u8, data: &[u8]) -> Vec<u8> {
    let mut m = vec![icmp_type, 0, 0, 0, 0, 1, 0, 1];
    m.extend_from_slice(&data[..data.len().min(65000)]);
    m
}

/// A TCP session: handshake, the client's data, the server's data (each
/// in segments of at most 1400 bytes), and a FIN exchange.
fn tcp_exchange(ports: (u16, u16), client: &[u8], server: &[u8]) -> Vec<Vec<u8>> {
    let (mut cseq, mut sseq) = (1000u32, 5000u32);
    let seg = tcp_segment_ports;
    let mut frames = vec![
        seg(false, ports, cseq - 1, 0, 0x02, &[]),
        seg(true, ports, sseq - 1, cseq, 0x12, &[]),
        seg(false, ports, cseq, sseq, 0x10, &[]),
    ];
    for chunk in client.chunks(1400) {
        frames.push(seg(false, ports, cseq, sseq, 0x18, chunk));
        cseq = cseq.wrapping_add(chunk.len() as u32);
        frames.push(seg(true, ports, sseq, cseq, 0x10, &[]));
    }
    for chunk in server.chunks(1400) {
        frames.push(seg(true, ports, sseq, cseq, 0x18, chunk));
        sseq = sseq.wrapping_add(chunk.len() as u32);
        frames.push(seg(false, ports, cseq, sseq, 0x10, &[]));
    }
    frames.push(seg(false, ports, cseq, sseq, 0x11, &[]));
    frames.push(seg(true, ports, sseq, cseq.wrapping_add(1), 0x11, &[]));
    frames.push(seg(
        false,
        ports,
        cseq.wrapping_add(1),
        sseq.wrapping_add(1),
        0x10,
        &[],
    ));
    frames
}
