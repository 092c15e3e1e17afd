//! The bodies of the fuzz targets, shared with the test that replays the
//! seed corpora (`crates/taishi/tests/fuzz_seeds.rs` includes this file), so
//! CI runs exactly what the fuzzer runs.

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, Packet};
use taishi_flow::{FlowWorker, NoApp};

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
    if pkt.is_fragment {
        if let Some(datagram) = defrag.insert(&pkt) {
            let mut whole = pkt.clone();
            decoder.decode_reassembled(datagram, &mut whole);
        }
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
