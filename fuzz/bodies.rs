//! The bodies of the fuzz targets, shared with the test that replays the
//! seed corpora (`crates/taishi/tests/fuzz_seeds.rs` includes this file), so
//! CI runs exactly what the fuzzer runs.

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, Packet};
use taishi_flow::{FlowWorker, NoApp};
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
    let (sp, dp) = if to_client {
        (port, 40000u16)
    } else {
        (40000u16, port)
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
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut flows = FlowWorker::new(&config, 0, ProtoLayer::new(ProtoConfig::defaults()));
    let mut events: Vec<taishi_core::event::Event> = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let mut pkt = Packet::empty();
        let ts = Timestamp::new(1_600_000_000 + i as u64, 0);
        decoder.decode(ts, LinkType::RAW, f, f.len() as u32, &mut pkt);
        flows.process(&pkt, &mut events);
        if events.len() > 1024 {
            events.clear();
        }
    }
    flows.flush(&mut events);
    // Every event must serialise (protocol records are built from parsed input).
    let mut out = Vec::new();
    for e in &events {
        e.write_json_line(&mut out);
    }
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
