//! Every truncation point of a small pcap and pcapng: the frames before the
//! cut come out whole, one warning names the damaged record's offset (none
//! when the cut falls between records), and nothing panics.

mod common;

use common::{Pcap, Pcapng, drain, frame, gzip};
use taishi_capture::{PacketSource, from_bytes};

/// Checks a cut at every offset against the record table `(start, end,
/// carries a frame)`; cuts inside the first `header` bytes must be errors.
fn check_every_cut(name: &str, bytes: &[u8], header: usize, records: &[(usize, usize, bool)]) {
    let all = drain(&mut from_bytes(name, bytes.to_vec()).unwrap());
    for cut in 0..=bytes.len() {
        let res = from_bytes(name, bytes[..cut].to_vec());
        if cut < header {
            assert!(
                res.is_err(),
                "cut at {cut} inside the file header must be an error"
            );
            continue;
        }
        let mut src = res.unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let got = drain(&mut src);
        let whole = records.iter().filter(|r| r.2 && r.1 <= cut).count();
        assert_eq!(got, all[..whole], "cut at {cut}");
        let warnings = src.take_warnings();
        let on_boundary = cut == header || records.iter().any(|r| r.1 == cut);
        if on_boundary {
            assert!(warnings.is_empty(), "cut at {cut}: {warnings:?}");
        } else {
            let damaged = records.iter().find(|r| r.0 < cut && cut < r.1).unwrap();
            assert_eq!(warnings.len(), 1, "cut at {cut}: {warnings:?}");
            assert_eq!(warnings[0].offset, damaged.0 as u64, "cut at {cut}");
            assert_eq!(warnings[0].path.to_str(), Some(name));
            assert!(
                warnings[0].reason.starts_with("truncated"),
                "{}",
                warnings[0]
            );
        }
    }
}

#[test]
fn every_cut_of_a_pcap() {
    for be in [false, true] {
        let mut p = Pcap::new(be, !be, 1);
        p.record(1, 10, &frame(1, 42), 42)
            .record(2, 20, &[], 0)
            .record(3, 30, &frame(3, 7), 1500)
            .record(4, 40, &frame(4, 60), 60);
        let records: Vec<_> = p.records.iter().map(|&(s, e)| (s, e, true)).collect();
        check_every_cut("cut.pcap", &p.bytes, 24, &records);
    }
}

#[test]
fn every_cut_of_a_pcapng() {
    let mut n = Pcapng::new();
    n.shb(false)
        .idb(1, 0, Some(9), None)
        .epb(0, 1, &frame(1, 42), 42)
        .block(0x0BAD, &[9; 12], false)
        .spb(13, &frame(2, 13))
        .opb(0, 3, &frame(3, 5), 5);
    n.shb(true)
        .idb(101, 0, None, Some(7))
        .epb(0, 4, &frame(4, 30), 30);
    let header = n.blocks[0].1;
    check_every_cut("cut.pcapng", &n.bytes, header, &n.blocks[1..]);
}

#[test]
fn every_cut_of_a_gzip_stream_yields_a_prefix() {
    let mut p = Pcap::new(false, false, 1);
    for i in 0..50 {
        p.record(i, 0, &frame(i, 100 + i as usize), 100);
    }
    let all = drain(&mut from_bytes("a", p.bytes.clone()).unwrap());
    let gz = gzip(&p.bytes);
    for cut in 0..=gz.len() {
        let Ok(mut src) = from_bytes("cut.pcap.gz", gz[..cut].to_vec()) else {
            continue;
        };
        let got = drain(&mut src);
        assert_eq!(got, all[..got.len()], "cut at {cut}");
        let warnings = src.take_warnings();
        // A cut stream always ends in a read error, even when only the
        // gzip trailer (CRC and length) is missing.
        let want = usize::from(cut < gz.len());
        assert_eq!(warnings.len(), want, "cut at {cut}: {warnings:?}");
    }
}

#[test]
fn garbage_never_panics() {
    // Cheap deterministic noise: every prefix of a pcap and pcapng header
    // followed by pseudo-random bytes.
    let mut seed = 0x1234_5678_u32;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect()
    };
    let pcap_hdr = Pcap::new(false, false, 1).bytes;
    let mut ng = Pcapng::new();
    ng.shb(false).idb(1, 0, None, None);
    for round in 0..300 {
        for head in [&pcap_hdr[..], &ng.bytes[..]] {
            let mut data = head.to_vec();
            data.extend(noise(round * 3));
            if let Ok(mut src) = from_bytes("noise", data) {
                while let Ok(Some(p)) = src.next_packet() {
                    assert!(p.data.len() <= taishi_core::limits::MAX_FRAME_LEN);
                }
                let _ = src.take_warnings();
            }
        }
    }
}
