//! Table tests of reassembly: order, duplicates, overlaps, gaps, limits, timeouts.

use taishi_core::config::DefragConfig;
use taishi_core::{Config, LinkType, Timestamp};

use super::Defrag;
use crate::packet::{L4, Packet};
use crate::{Decoder, StatsSourceExt};

const SRC: [u8; 4] = [10, 0, 0, 1];
const DST: [u8; 4] = [10, 0, 0, 2];

/// A raw IPv4 fragment: `off` in 8-byte units, `more` = MF, `data` the
/// fragment's bytes, datagram id `id`.
fn v4_frag(id: u16, off: u16, more: bool, data: &[u8]) -> Vec<u8> {
    let total = (20 + data.len()) as u16;
    let mut h = vec![0x45, 0x00]; // version/IHL, TOS
    h.extend_from_slice(&total.to_be_bytes()); // total length
    h.extend_from_slice(&id.to_be_bytes()); // identification
    h.extend_from_slice(&(off | if more { 0x2000 } else { 0 }).to_be_bytes()); // flags, offset
    h.extend_from_slice(&[64, 17, 0, 0]); // TTL, UDP, checksum
    h.extend_from_slice(&SRC);
    h.extend_from_slice(&DST);
    let sum = crate::checksum::ipv4_header(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h.extend_from_slice(data);
    h
}

/// A raw IPv6 fragment (fragment header right after the fixed header).
fn v6_frag(id: u32, off: u16, more: bool, data: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0]; // version 6
    h.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes()); // payload length
    h.extend_from_slice(&[44, 64]); // next header: fragment, hop limit
    h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    h.extend_from_slice(&[17, 0]); // fragment header: next UDP, reserved
    h.extend_from_slice(&((off << 3) | u16::from(more)).to_be_bytes()); // offset, M
    h.extend_from_slice(&id.to_be_bytes()); // identification
    h.extend_from_slice(data);
    h
}

/// A 32-byte UDP datagram (8 header + 24 data) split into 8-byte pieces.
fn datagram() -> Vec<u8> {
    let mut d = vec![0x04, 0xd2, 0x00, 0x35, 0x00, 0x20, 0x00, 0x00]; // 1234 -> 53, len 32
    d.extend((0..24u8).map(|i| b'a' + i));
    d
}

struct Run {
    defrag: Defrag,
    decoder: Decoder,
}

impl Run {
    fn new(cfg: DefragConfig) -> Run {
        Run {
            defrag: Defrag::new(&cfg),
            decoder: Decoder::new(&Config::default()),
        }
    }

    /// Feeds one raw IP fragment at time `secs`; the reassembled datagram if any.
    fn feed(&mut self, secs: u64, frame: &[u8]) -> Option<Vec<u8>> {
        let mut pkt = Packet::empty();
        self.decoder.decode(
            Timestamp::new(secs, 0),
            LinkType::RAW,
            frame,
            frame.len() as u32,
            &mut pkt,
        );
        assert!(pkt.is_fragment, "not a fragment: {pkt:?}");
        self.defrag.insert(&pkt).map(|d| d.to_vec())
    }
}

fn cfg() -> DefragConfig {
    Config::default().defrag
}

/// (offset in 8-byte units, more, bytes)
type Piece = (u16, bool, Vec<u8>);

fn pieces(d: &[u8], order: &[usize]) -> Vec<Piece> {
    let n = d.len() / 8;
    order
        .iter()
        .map(|&i| (i as u16, i + 1 < n, d[i * 8..i * 8 + 8].to_vec()))
        .collect()
}

#[test]
fn reassembles_in_any_order_and_with_duplicates() {
    let d = datagram();
    // (name, pieces in arrival order, completes at piece index)
    let cases: Vec<(&str, Vec<Piece>, usize)> = vec![
        ("in order", pieces(&d, &[0, 1, 2, 3]), 3),
        ("reverse", pieces(&d, &[3, 2, 1, 0]), 3),
        ("shuffled", pieces(&d, &[2, 0, 3, 1]), 3),
        ("duplicate", pieces(&d, &[0, 0, 1, 2, 3]), 4),
        ("last twice", pieces(&d, &[3, 1, 3, 0, 2]), 4),
    ];
    for (name, list, at) in cases {
        for v6 in [false, true] {
            let mut r = Run::new(cfg());
            for (i, (off, more, bytes)) in list.iter().enumerate() {
                let f = if v6 {
                    v6_frag(7, *off, *more, bytes)
                } else {
                    v4_frag(7, *off, *more, bytes)
                };
                let out = r.feed(1, &f);
                assert_eq!(out.is_some(), i == at, "{name} v6={v6} piece {i}");
                if let Some(dg) = out {
                    let hl = if v6 { 40 } else { 20 };
                    assert_eq!(&dg[hl..], &d[..], "{name} v6={v6}");
                    let mut whole = Packet::empty();
                    r.decoder.decode_reassembled(&dg, &mut whole);
                    assert_eq!(
                        whole.l4,
                        L4::Udp {
                            src_port: 1234,
                            dst_port: 53
                        },
                        "{name}"
                    );
                    assert_eq!(whole.payload, &d[8..], "{name}");
                    assert!(
                        whole.decode_events().is_empty(),
                        "{name}: {:?}",
                        whole.decode_events()
                    );
                }
            }
            assert_eq!(r.defrag.trackers(), 0, "{name}");
            assert_eq!(r.defrag.memuse(), 0, "{name}");
        }
    }
}

#[test]
fn overlaps_follow_bsd_policy() {
    let d = datagram();
    let x = |n: usize| vec![b'X'; n];
    // (name, pieces, expected data bytes 8..32 of the datagram)
    let mut lower_wins = d.clone();
    lower_wins[8..16].copy_from_slice(&d[8..16]);
    let cases: Vec<(&str, Vec<Piece>, Vec<u8>)> = vec![
        // Same offset: the first received wins.
        (
            "same offset, first wins",
            vec![
                (0, true, d[..16].to_vec()),
                (1, true, x(8)),
                (2, false, d[16..].to_vec()),
            ],
            d.clone(),
        ),
        // New fragment begins before the held one: the new one wins.
        (
            "new starts earlier, new wins",
            vec![
                (2, false, d[16..].to_vec()),
                (1, true, x(8)),
                (0, true, d[..16].to_vec()),
            ],
            d.clone(),
        ),
        // New fragment begins after the held one's start: held data wins.
        (
            "new starts later, old wins",
            vec![
                (0, true, d[..16].to_vec()),
                (1, true, [x(8), d[16..24].to_vec()].concat()),
                (3, false, d[24..].to_vec()),
            ],
            d.clone(),
        ),
    ];
    for (name, list, want) in cases {
        let mut r = Run::new(cfg());
        let mut got = None;
        for (off, more, bytes) in &list {
            got = r.feed(1, &v4_frag(9, *off, *more, bytes)).or(got);
        }
        let got = got.unwrap_or_else(|| panic!("{name}: not reassembled"));
        assert_eq!(&got[20..], &want[..], "{name}");
        assert!(r.defrag.counter("defrag.overlaps") >= 1, "{name}");
    }
}

#[test]
fn overlap_raises_event() {
    let d = datagram();
    let mut r = Run::new(cfg());
    r.feed(1, &v4_frag(3, 0, true, &d[..16]));
    r.feed(1, &v4_frag(3, 1, true, &d[8..24]));
    assert_eq!(
        r.defrag.last_event().map(|e| e.0),
        Some("ipv4.frag_overlap")
    );
    assert_eq!(r.defrag.counter("decoder.event.ipv4.frag_overlap"), 1);
}

#[test]
fn gaps_never_complete_and_time_out() {
    let d = datagram();
    let mut r = Run::new(cfg());
    assert!(r.feed(1, &v4_frag(5, 0, true, &d[..8])).is_none());
    assert!(r.feed(2, &v4_frag(5, 3, false, &d[24..])).is_none());
    assert_eq!(r.defrag.trackers(), 1);
    r.defrag.expire(Timestamp::new(30, 0));
    assert_eq!(r.defrag.trackers(), 1, "not yet timed out");
    r.defrag.expire(Timestamp::new(62, 1));
    assert_eq!(r.defrag.trackers(), 0);
    assert_eq!(r.defrag.memuse(), 0);
    assert_eq!(r.defrag.counter("defrag.timeouts"), 1);
    // The missing middle alone after expiry does not complete anything.
    assert!(r.feed(63, &v4_frag(5, 1, true, &d[8..24])).is_none());
}

#[test]
fn datagrams_are_kept_apart_by_id_and_vlan() {
    let d = datagram();
    let mut r = Run::new(cfg());
    assert!(r.feed(1, &v4_frag(1, 0, true, &d[..16])).is_none());
    assert!(
        r.feed(1, &v4_frag(2, 2, false, &d[16..])).is_none(),
        "other id"
    );
    assert_eq!(r.defrag.trackers(), 2);
    assert!(r.feed(1, &v4_frag(1, 2, false, &d[16..])).is_some());
}

#[test]
fn limits_are_enforced_and_counted() {
    let d = datagram();
    // Trackers.
    let mut r = Run::new(DefragConfig {
        trackers: 1,
        ..cfg()
    });
    r.feed(1, &v4_frag(1, 0, true, &d[..8]));
    assert!(r.feed(1, &v4_frag(2, 0, true, &d[..8])).is_none());
    assert_eq!(r.defrag.counter("defrag.max_trackers_reached"), 1);
    assert_eq!(r.defrag.trackers(), 1);
    // Fragments per datagram.
    let mut r = Run::new(DefragConfig {
        max_frags: 2,
        ..cfg()
    });
    for i in 0..3 {
        r.feed(
            1,
            &v4_frag(1, i, true, &d[i as usize * 8..i as usize * 8 + 8]),
        );
    }
    assert_eq!(r.defrag.counter("defrag.max_frags_reached"), 1);
    assert_eq!(r.defrag.trackers(), 0, "the datagram is dropped");
    // Memory: tracker 256 + header 20 + two fragments of 8 + 64 = 420.
    let mut r = Run::new(DefragConfig {
        memcap: 420,
        ..cfg()
    });
    r.feed(1, &v4_frag(1, 0, true, &d[..8]));
    r.feed(1, &v4_frag(1, 1, true, &d[8..16]));
    assert!(r.feed(1, &v4_frag(1, 2, true, &d[16..24])).is_none());
    assert_eq!(r.defrag.counter("defrag.memcap_exceeded"), 1);
    assert_eq!(r.defrag.memuse(), 420);
}

#[test]
fn oversized_and_empty_fragments_are_rejected() {
    let mut r = Run::new(cfg());
    // Offset 8189 * 8 = 65512, + 24 bytes + 20 header > 65535.
    assert!(r.feed(1, &v4_frag(1, 8189, false, &[0; 24])).is_none());
    assert_eq!(
        r.defrag.last_event().map(|e| e.0),
        Some("ipv4.frag_pkt_too_large")
    );
    assert!(r.feed(1, &v6_frag(1, 8190, false, &[0; 32])).is_none());
    assert_eq!(
        r.defrag.last_event().map(|e| e.0),
        Some("ipv6.frag_pkt_too_large")
    );
    assert!(r.feed(1, &v4_frag(1, 4, false, &[])).is_none());
    assert_eq!(r.defrag.counter("defrag.ipv4.invalid"), 1);
    assert_eq!(r.defrag.trackers(), 0);
}

#[test]
fn ipv6_unfragmentable_headers_are_kept() {
    // IPv6 + destination options (8 bytes) + fragment header.
    let d = datagram();
    let frag = |off: u16, more: bool, data: &[u8]| {
        let mut h = vec![0x60, 0, 0, 0];
        h.extend_from_slice(&((16 + data.len()) as u16).to_be_bytes()); // payload length
        h.extend_from_slice(&[60, 64]); // next: destination options
        h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        h.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        h.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]); // dst opts: next fragment, PadN
        h.extend_from_slice(&[17, 0]); // fragment header: next UDP
        h.extend_from_slice(&((off << 3) | u16::from(more)).to_be_bytes());
        h.extend_from_slice(&99u32.to_be_bytes());
        h.extend_from_slice(data);
        h
    };
    let mut r = Run::new(cfg());
    assert!(r.feed(1, &frag(2, false, &d[16..])).is_none());
    let dg = r.feed(1, &frag(0, true, &d[..16])).expect("reassembled");
    assert_eq!(dg.len(), 40 + 8 + 32);
    assert_eq!(dg[6], 60);
    assert_eq!(dg[40], 17, "destination options now point at UDP");
    assert_eq!(u16::from_be_bytes([dg[4], dg[5]]), 40);
    let mut whole = Packet::empty();
    r.decoder.decode_reassembled(&dg, &mut whole);
    assert_eq!(whole.ports(), (1234, 53));
}
