//! Prints what the decoder makes of each frame of a classic pcap:
//! `cargo run -p taishi-decode --example dump -- FILE [FRAME]`.

use std::path::Path;

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, Packet};

/// A classic pcap file: link type and records (ts, data, wire length).
struct Pcap {
    linktype: LinkType,
    records: Vec<(Timestamp, Vec<u8>, u32)>,
}

/// Reads classic pcap (either byte order, µs or ns); `None` for anything else.
fn read_pcap(path: &Path) -> Option<Pcap> {
    let bytes = std::fs::read(path).ok()?;
    let magic = bytes.get(..4)?;
    let (le, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (true, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (false, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (true, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (false, true),
        _ => return None,
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let linktype = LinkType(u32_at(20)? & 0x0fff_ffff);
    let mut records = Vec::new();
    let mut at = 24;
    while at + 16 <= bytes.len() {
        let secs = u32_at(at)?;
        let frac = u32_at(at + 4)?;
        let incl = u32_at(at + 8)? as usize;
        let orig = u32_at(at + 12)?;
        let data = bytes.get(at + 16..at + 16 + incl)?.to_vec();
        let ts = Timestamp::from_fraction(
            u64::from(secs),
            u64::from(frac),
            if nanos { 1_000_000_000 } else { 1_000_000 },
        );
        records.push((ts, data, orig));
        at += 16 + incl;
    }
    Some(Pcap { linktype, records })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: dump FILE [FRAME]");
        return;
    };
    let only: Option<usize> = args.get(2).and_then(|s| s.parse().ok());
    let Some(pcap) = read_pcap(Path::new(path)) else {
        eprintln!("{path}: not a classic pcap");
        return;
    };
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut defrag = Defrag::new(&config.defrag);
    for (i, (ts, data, wire)) in pcap.records.iter().enumerate() {
        let mut pkt = Packet::empty();
        decoder.decode(*ts, pcap.linktype, data, *wire, &mut pkt);
        let show = only.is_none_or(|n| n == i + 1);
        if show {
            println!(
                "{} l3={:?} l4={:?} frag={} tunnels={:?} vlans={:?} events={:?} payload={}",
                i + 1,
                pkt.addrs(),
                pkt.l4,
                pkt.is_fragment,
                pkt.tunnel_layers().map(|t| t.kind).collect::<Vec<_>>(),
                pkt.vlans(),
                pkt.decode_events(),
                pkt.payload.len()
            );
        }
        if pkt.is_fragment {
            let r = defrag.insert(&pkt).map(|d| d.to_vec());
            if show {
                println!(
                    "   defrag event {:?} -> {:?}",
                    defrag.last_event(),
                    r.as_ref().map(|d| d.len())
                );
            }
            if let Some(d) = r {
                let mut whole = pkt.clone();
                decoder.decode_reassembled(&d, &mut whole);
                if show {
                    println!(
                        "   reassembled l3={:?} l4={:?} events={:?}",
                        whole.addrs(),
                        whole.l4,
                        whole.decode_events()
                    );
                }
            }
        }
    }
}
