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

const CORPUS: &str = "/work/shared/corpus/pcaps";

/// Frames where we knowingly differ from tshark, with the reason.
/// (file name, frame number, why)
const KNOWN_DIFFERENCES: &[(&str, u64, &str)] = &[(
    "ipv6/ipv6-mobility-dst-opts.pcap",
    1,
    "a destination option overruns its header: tshark stops (malformed), we \
     record ipv6.exthdr_invalid_optlen and go on to the UDP header, as Suricata does",
)];

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
    for (i, (ts, data, wire)) in pcap.records.iter().enumerate() {
        let mut pkt = Packet::empty();
        decoder.decode(*ts, pcap.linktype, data, *wire, &mut pkt);
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
            eprintln!("skipping {} (not classic pcap)", path.display());
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
