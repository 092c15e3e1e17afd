//! Decodes every packet of every classic pcap in the shared corpus.
//!
//! Checks that nothing panics, and, for every capture outside `malformed/`,
//! that the frames carrying TCP or UDP (after defragmentation) are exactly
//! the frames tshark's `tcp or udp` filter shows. A frame counts when its
//! innermost transport is TCP/UDP or when it travelled in a UDP-borne
//! tunnel (tshark sees the outer UDP). Skips with a message when the corpus
//! or tshark is missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use taishi_core::{Config, LinkType, Timestamp};
use taishi_decode::{Decoder, Defrag, L4, Packet};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/pcaps");

/// Frames where we knowingly differ from tshark, with the reason.
/// (file name, frame number, why)
const KNOWN_DIFFERENCES: &[(&str, u64, &str)] = &[(
    "ipv6/ipv6-mobility-dst-opts.pcap",
    1,
    "a destination option overruns its header: tshark stops (malformed), we \
     record ipv6.exthdr_invalid_optlen and go on to the UDP header, as Suricata does",
)];

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

fn pcaps(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            pcaps(&p, out);
        } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
            out.push(p);
        }
    }
}

fn carries_tcp_or_udp(pkt: &Packet<'_>) -> bool {
    matches!(pkt.l4, L4::Tcp(_) | L4::Udp { .. })
        || pkt.tunnel_layers().any(|t| t.proto == 17)
        || quotes_tcp_or_udp(pkt)
}

/// ICMP errors quote the IP header and first bytes of the offending packet;
/// tshark's `tcp or udp` matches the quoted header, so count those frames.
fn quotes_tcp_or_udp(pkt: &Packet<'_>) -> bool {
    let L4::Icmp { v6, icmp_type, .. } = pkt.l4 else {
        return false;
    };
    let quoted = pkt.payload;
    let error = if v6 {
        (1..=4).contains(&icmp_type)
    } else {
        matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
    };
    let proto = match quoted.first().map(|b| b >> 4) {
        Some(4) => quoted.get(9).copied(),
        Some(6) => quoted.get(6).copied(),
        _ => None,
    };
    error && matches!(proto, Some(6 | 17))
}

/// Frame numbers (1-based) with TCP/UDP after decoding and defragmentation.
fn our_frames(pcap: &Pcap) -> BTreeSet<u64> {
    let config = Config::default();
    let mut decoder = Decoder::new(&config);
    let mut defrag = Defrag::new(&config.defrag);
    let mut frames = BTreeSet::new();
    for (i, (ts, linktype, data, wire)) in pcap.records.iter().enumerate() {
        let mut pkt = Packet::empty();
        decoder.decode(*ts, *linktype, data, *wire, &mut pkt);
        let n = i as u64 + 1;
        if !pkt.is_fragment {
            if carries_tcp_or_udp(&pkt) {
                frames.insert(n);
            }
            continue;
        }
        // tshark shows the outer UDP of a tunnel even on inner fragments.
        if pkt.tunnel_layers().any(|t| t.proto == 17) {
            frames.insert(n);
        }
        if let Some(datagram) = defrag.insert(&pkt) {
            let mut whole = pkt.clone();
            decoder.decode_reassembled(datagram, &mut whole);
            if carries_tcp_or_udp(&whole) {
                frames.insert(n);
            }
        }
    }
    frames
}

fn tshark_frames(path: &Path) -> Option<BTreeSet<u64>> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args(["-Y", "tcp or udp", "-T", "fields", "-e", "frame.number"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect(),
    )
}

#[test]
fn every_corpus_capture_decodes_like_tshark() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        eprintln!("skipping: corpus not found at {CORPUS}");
        return;
    }
    let have_tshark = Command::new("tshark").arg("-v").output().is_ok();
    if !have_tshark {
        eprintln!("skipping the tshark comparison: tshark not installed");
    }
    let mut files = Vec::new();
    pcaps(root, &mut files);
    files.sort();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for path in &files {
        let Some(pcap) = read_pcap(path) else {
            eprintln!("skipping {} (not a capture)", path.display());
            continue;
        };
        let ours = our_frames(&pcap);
        let rel = path.strip_prefix(root).unwrap_or(path);
        if rel.starts_with("malformed") || !have_tshark {
            continue;
        }
        let Some(theirs) = tshark_frames(path) else {
            eprintln!("skipping {}: tshark failed", rel.display());
            continue;
        };
        compared += 1;
        let name = rel.to_string_lossy().to_string();
        let known = |n: &u64| {
            KNOWN_DIFFERENCES
                .iter()
                .any(|(f, k, _)| name.ends_with(f) && k == n)
        };
        let only_ours: Vec<u64> = ours
            .difference(&theirs)
            .filter(|n| !known(n))
            .copied()
            .collect();
        let only_theirs: Vec<u64> = theirs
            .difference(&ours)
            .filter(|n| !known(n))
            .copied()
            .collect();
        if !only_ours.is_empty() || !only_theirs.is_empty() {
            mismatches.push(format!(
                "{name}: ours {} tshark {}; only ours {:?}; only tshark {:?}",
                ours.len(),
                theirs.len(),
                &only_ours[..only_ours.len().min(10)],
                &only_theirs[..only_theirs.len().min(10)]
            ));
        }
    }
    eprintln!("compared {compared} captures with tshark");
    assert!(
        mismatches.is_empty(),
        "differences from tshark:\n{}",
        mismatches.join("\n")
    );
}
