//! Prints what the decoder makes of each frame of a classic pcap:
//! `cargo run -p taishi-decode --example dump -- FILE [FRAME]`.

use std::path::Path;

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, Packet};

/// Every frame of a capture file, read with Taishi's own capture reader
/// (so pcapng files are covered too): (time, link type, bytes, wire length).
struct Pcap {
    records: Vec<(Timestamp, LinkType, Vec<u8>, u32)>,
}

/// Reads any capture the capture stage reads; `None` when it is not one.
fn read_pcap(path: &Path) -> Option<Pcap> {
    use taishi_capture::PacketSource;
    let mut source = taishi_capture::open_files(&[path.to_path_buf()]).ok()?;
    let mut records = Vec::new();
    while let Ok(Some(p)) = source.next_packet() {
        records.push((p.ts, p.linktype, p.data.to_vec(), p.wire_len));
    }
    Some(Pcap { records })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: dump FILE [FRAME]");
        return;
    };
    let only: Option<usize> = args.get(2).and_then(|s| s.parse().ok());
    let Some(pcap) = read_pcap(Path::new(path)) else {
        eprintln!("{path}: not a capture");
        return;
    };
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut defrag = Defrag::new(&config.defrag);
    for (i, (ts, linktype, data, wire)) in pcap.records.iter().enumerate() {
        let mut pkt = Packet::empty();
        decoder.decode(*ts, *linktype, data, *wire, &mut pkt);
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
