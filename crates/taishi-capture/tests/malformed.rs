//! Replays the small malformed captures kept in `tests/malformed/`: each one
//! gives the frames before its damage and one warning at the damage (or an
//! error when not even the file header is usable), never a panic.
//!
//! The samples were made by `regenerate_malformed_samples` below, with the
//! writers in `common`: run `cargo test -p taishi-capture --test malformed --
//! --ignored` to make them again.

mod common;

use std::path::{Path, PathBuf};

use common::{Pcap, Pcapng, drain, frame, gzip};
use taishi_capture::{PacketSource, from_bytes, open_files};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed")
}

/// What a sample must give: frames, then the warnings as
/// (offset, words in the reason); `None` for files that must be an error.
type Outcome = Option<(usize, &'static [(u64, &'static str)])>;

const EXPECT: &[(&str, Outcome)] = &[
    (
        "truncated-record.pcap",
        Some((1, &[(66, "truncated record: 20 of 56")])),
    ),
    (
        "truncated-record-header.pcap",
        Some((1, &[(66, "truncated record header: 9 of 16")])),
    ),
    (
        "caplen-too-big.pcap",
        Some((1, &[(66, "record length 2147483647 exceeds")])),
    ),
    ("truncated.pcap.gz", Some((2, &[(109, "read error")]))),
    (
        "pcapng-bad-trailer.pcapng",
        Some((1, &[(128, "does not match trailing length")])),
    ),
    (
        "pcapng-undeclared-iface.pcapng",
        Some((1, &[(128, "undeclared interface 7")])),
    ),
    (
        "pcapng-block-len-zero.pcapng",
        Some((1, &[(128, "bad block length 0")])),
    ),
    (
        "pcapng-huge-block.pcapng",
        Some((1, &[(128, "is too long")])),
    ),
    (
        "pcapng-caplen-beyond-block.pcapng",
        Some((0, &[(48, "exceeds its block")])),
    ),
    (
        "pcapng-idb-bad-option.pcapng",
        Some((1, &[(28, "interface option 9 has length 2")])),
    ),
    ("pcapng-bad-bom.pcapng", None),
    ("garbage.bin", None),
    ("pcap-header-cut.pcap", None),
];

#[test]
fn replay_malformed_samples() {
    for (name, expect) in EXPECT {
        let path = dir().join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for res in [
            open_files(std::slice::from_ref(&path)),
            from_bytes(name, bytes),
        ] {
            let Some((frames, warnings)) = expect else {
                let e = res
                    .err()
                    .unwrap_or_else(|| panic!("{name}: must be an error"));
                assert!(e.to_string().contains(name), "{e}");
                continue;
            };
            let mut src = res.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(drain(&mut src).len(), *frames, "{name}");
            let got = src.take_warnings();
            assert_eq!(got.len(), warnings.len(), "{name}: {got:?}");
            for (g, (offset, words)) in got.iter().zip(warnings.iter()) {
                assert_eq!(g.offset, *offset, "{name}: {g}");
                assert!(g.reason.contains(words), "{name}: {g}");
            }
        }
    }
    // The folder as a whole: non-captures skipped with a warning, no error.
    let mut src = open_files(&[dir()]).unwrap();
    let frames = drain(&mut src).len();
    let expected: usize = EXPECT.iter().filter_map(|e| e.1.map(|x| x.0)).sum();
    assert_eq!(frames, expected);
}

#[test]
#[ignore = "writes the samples; run by hand after changing them"]
fn regenerate_malformed_samples() {
    let d = dir();
    std::fs::create_dir_all(&d).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(d.join(name), bytes).unwrap();

    // Two 42-byte records; the second (at 24 + 16 + 26 = 66) is cut short.
    let mut p = Pcap::new(false, false, 1);
    p.record(1, 0, &frame(1, 26), 26)
        .record(2, 0, &frame(2, 40), 40);
    write("truncated-record.pcap", &p.bytes[..p.records[1].0 + 20]);
    write(
        "truncated-record-header.pcap",
        &p.bytes[..p.records[1].0 + 9],
    );
    // Second record claims 2^31-1 captured bytes.
    let mut big = p.bytes.clone();
    big[p.records[1].0 + 8..p.records[1].0 + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    write("caplen-too-big.pcap", &big);
    write("pcap-header-cut.pcap", &p.bytes[..17]);
    // gzip stream cut inside its deflate data: the first records survive.
    let mut p3 = Pcap::new(false, false, 1);
    for i in 0..4 {
        p3.record(i, 0, &frame(i, 26 + i as usize), 26);
    }
    let gz = gzip(&p3.bytes);
    let mut cut = gz.len();
    // The shortest cut that still holds the first two records.
    while cut > 0
        && from_bytes("x", gz[..cut - 1].to_vec())
            .map(|mut s| drain(&mut s).len() >= 2)
            .unwrap_or(false)
    {
        cut -= 1;
    }
    write("truncated.pcap.gz", &gz[..cut]);

    // pcapng: SHB (28) + IDB (20) + EPB at 48 (80 bytes) + damage at 128.
    let base = || {
        let mut n = Pcapng::new();
        n.shb(false)
            .idb(1, 0, None, None)
            .epb(0, 1, &frame(1, 48), 48);
        n
    };
    let mut n = base();
    n.epb(0, 2, &frame(2, 8), 8);
    let last = n.bytes.len() - 4;
    n.bytes[last..].copy_from_slice(&36u32.to_le_bytes());
    write("pcapng-bad-trailer.pcapng", &n.bytes);
    let mut n = base();
    n.epb(7, 2, &frame(2, 8), 8);
    write("pcapng-undeclared-iface.pcapng", &n.bytes);
    let mut n = base();
    n.bytes
        .extend_from_slice(&[6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    write("pcapng-block-len-zero.pcapng", &n.bytes);
    let mut n = base();
    n.bytes
        .extend_from_slice(&[6, 0, 0, 0, 0xf0, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    write("pcapng-huge-block.pcapng", &n.bytes);
    let mut n = Pcapng::new();
    n.shb(false)
        .idb(1, 0, None, None)
        .epb(0, 1, &frame(1, 8), 8);
    let at = n.blocks[2].0 + 8 + 12; // captured length field of the EPB
    n.bytes[at..at + 4].copy_from_slice(&5000u32.to_le_bytes());
    write("pcapng-caplen-beyond-block.pcapng", &n.bytes);
    // IDB whose if_tsresol option has length 2: noted, default resolution kept.
    let mut n = Pcapng::new();
    n.shb(false);
    n.block(
        1,
        &[1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 0, 6, 6, 0, 0, 0, 0, 0, 0],
        false,
    );
    n.epb(0, 1, &frame(1, 8), 8);
    write("pcapng-idb-bad-option.pcapng", &n.bytes);
    let mut n = base();
    n.bytes[8..12].copy_from_slice(&[1, 2, 3, 4]);
    write("pcapng-bad-bom.pcapng", &n.bytes);
    write("garbage.bin", b"GET / HTTP/1.1\r\nHost: example\r\n\r\n");
}
