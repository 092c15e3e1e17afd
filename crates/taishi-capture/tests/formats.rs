//! Every supported format variant, built by our own writers, read back.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{Pcap, Pcapng, drain, frame, gzip};
use taishi_capture::{CaptureError, PacketSource, from_bytes, open_files};
use taishi_core::limits::MAX_FRAME_LEN;

fn three_records(be: bool, nanos: bool, linktype: u32) -> Pcap {
    let mut p = Pcap::new(be, nanos, linktype);
    p.record(1_600_000_000, 123_456, &frame(1, 60), 60);
    p.record(1_600_000_001, 999_999, &frame(2, 1514), 1514);
    // Cut to a snaplen: fewer bytes captured than were on the wire.
    p.record(1_600_000_002, 0, &frame(3, 96), 9000);
    p
}

#[test]
fn classic_pcap_both_byte_orders_and_resolutions() {
    for be in [false, true] {
        for nanos in [false, true] {
            let p = three_records(be, nanos, 1);
            let mut src = from_bytes("t.pcap", p.bytes.clone()).unwrap();
            let got = drain(&mut src);
            assert_eq!(got.len(), 3, "be={be} nanos={nanos}");
            assert_eq!(got[0].0, p.ns(1_600_000_000, 123_456));
            assert_eq!(got[1].0, p.ns(1_600_000_001, 999_999));
            assert_eq!(got[1].4, frame(2, 1514));
            assert_eq!((got[2].3, got[2].4.len()), (9000, 96));
            assert!(got.iter().all(|g| g.1 == 1 && g.2 == 0));
            assert!(src.take_warnings().is_empty());
            assert_eq!(src.stats().received, 3);
        }
    }
    // Nanosecond magic keeps nanoseconds, microsecond magic scales.
    let p = three_records(false, true, 1);
    assert_eq!(p.ns(1, 5), 1_000_000_005);
}

#[test]
fn any_link_type_passes_through_and_fcs_bits_are_masked() {
    // 147 is LINKTYPE_USER0, which nobody decodes; it still gets through.
    let p = three_records(false, false, 147);
    let got = drain(&mut from_bytes("u.pcap", p.bytes).unwrap());
    assert!(got.iter().all(|g| g.1 == 147));
    // Ethernet with the "FCS present, 4 bytes" bits set (LINKTYPE_FCS).
    let p = three_records(true, false, 1 | (1 << 28) | (2 << 26));
    let got = drain(&mut from_bytes("fcs.pcap", p.bytes).unwrap());
    assert!(got.iter().all(|g| g.1 == 1));
}

/// Two sections (little- then big-endian), two interfaces each with their own
/// link type and timestamp resolution, EPB, SPB, OPB and an unknown block.
fn two_sections() -> Pcapng {
    let mut n = Pcapng::new();
    n.shb(false)
        .idb(1, 0, None, None) // iface 0: Ethernet, microseconds (default)
        .idb(101, 0, Some(9), None) // iface 1: raw IP, nanoseconds
        .epb(0, 1_700_000_000_000_001, &frame(10, 64), 64)
        .epb(1, 1_700_000_000_000_000_123, &frame(11, 40), 40)
        .block(0x0000_0BAD, &[1, 2, 3, 4, 5, 6, 7, 8], false) // unknown: skipped
        .opb(1, 1_700_000_001_000_000_000, &frame(12, 20), 20)
        .spb(70, &frame(13, 70)); // no timestamp: takes the previous one
    n.shb(true)
        .idb(276, 32, Some(0x80 | 10), None) // iface 0: SLL2, 2^-10 s, snaplen 32
        .idb(0, 0, Some(3), Some(100)) // iface 1: BSD loopback, ms, +100 s
        .epb(1, 5_000, &frame(14, 44), 44)
        .epb(0, 1024 * 3, &frame(15, 32), 1500)
        .spb(200, &frame(16, 200)); // cut to the interface's snaplen of 32
    n
}

#[test]
fn pcapng_sections_interfaces_resolutions_and_block_kinds() {
    let n = two_sections();
    let mut src = from_bytes("t.pcapng", n.bytes).unwrap();
    let got = drain(&mut src);
    assert!(src.take_warnings().is_empty());
    let want: Vec<(u64, u32, u32, u32, usize)> = vec![
        // (ts ns, linktype, iface, wire_len, captured)
        (1_700_000_000_000_001_000, 1, 0, 64, 64),
        (1_700_000_000_000_000_123, 101, 1, 40, 40),
        (1_700_000_001_000_000_000, 101, 1, 20, 20), // OPB
        (1_700_000_001_000_000_000, 1, 0, 70, 70),   // SPB: previous ts, iface 0
        (105_000_000_000, 0, 1, 44, 44),             // 5,000 ms + 100 s offset
        (3_000_000_000, 276, 0, 1500, 32),           // 3,072 / 1,024 s
        (3_000_000_000, 276, 0, 200, 32),            // SPB cut to snaplen 32
    ];
    let have: Vec<_> = got
        .iter()
        .map(|g| (g.0, g.1, g.2, g.3, g.4.len()))
        .collect();
    assert_eq!(have, want);
    assert_eq!(got[0].4, frame(10, 64));
    assert_eq!(got[6].4, frame(16, 200)[..32].to_vec());
}

#[test]
fn gzip_is_detected_by_content_and_streamed() {
    let p = three_records(false, false, 1);
    let plain = drain(&mut from_bytes("a", p.bytes.clone()).unwrap());
    // Named like a plain file: the magic decides, not the name.
    let mut src = from_bytes("a.pcap", gzip(&p.bytes)).unwrap();
    assert_eq!(drain(&mut src), plain);
    let n = two_sections();
    let ng_plain = drain(&mut from_bytes("b", n.bytes.clone()).unwrap());
    assert_eq!(
        drain(&mut from_bytes("b", gzip(&n.bytes)).unwrap()),
        ng_plain
    );
    // Concatenated gzip members (what `cat a.gz b.gz` makes) are one stream.
    let mut two = gzip(&p.bytes[..100]);
    two.extend(gzip(&p.bytes[100..]));
    assert_eq!(drain(&mut from_bytes("c", two).unwrap()), plain);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain-name.pcap");
    let gz = gzip(&p.bytes);
    fs::write(&path, &gz).unwrap();
    let mut src = open_files(std::slice::from_ref(&path)).unwrap();
    assert_eq!(src.total_bytes(), Some(gz.len() as u64));
    assert_eq!(drain(&mut src), plain);
    // Progress is in compressed bytes and reaches the total.
    assert_eq!(src.bytes_read(), gz.len() as u64);
}

#[test]
fn folder_is_merged_by_timestamp_across_files() {
    let dir = tempfile::tempdir().unwrap();
    // a.pcap: t = 1, 4, 7 ; b/b.pcapng.gz: t = 2, 5, 8 ; c.pcap: t = 3, 6, 9, and 4 again.
    let mut a = Pcap::new(false, false, 1);
    for t in [1, 4, 7] {
        a.record(t, 0, &frame(t, 60), 60);
    }
    let mut b = Pcapng::new();
    b.shb(true).idb(101, 0, Some(0), None); // whole seconds
    for t in [2u32, 5, 8] {
        b.epb(0, t as u64, &frame(t, 60), 60);
    }
    let mut c = Pcap::new(true, true, 1);
    for t in [3, 6, 9] {
        c.record(t, 0, &frame(t, 60), 60);
    }
    fs::write(dir.path().join("a.pcap"), &a.bytes).unwrap();
    fs::create_dir(dir.path().join("b")).unwrap();
    fs::write(dir.path().join("b/b.pcapng.gz"), gzip(&b.bytes)).unwrap();
    fs::write(dir.path().join("c.pcap"), &c.bytes).unwrap();
    fs::write(dir.path().join("README.txt"), b"not a capture").unwrap();
    fs::write(dir.path().join("empty.pcap"), b"").unwrap();
    let total: u64 = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum::<u64>()
        + fs::metadata(dir.path().join("b/b.pcapng.gz"))
            .unwrap()
            .len()
        - fs::metadata(dir.path().join("b")).unwrap().len();

    let mut src = open_files(&[dir.path().to_path_buf()]).unwrap();
    let got = drain(&mut src);
    let secs: Vec<u64> = got.iter().map(|g| g.0 / 1_000_000_000).collect();
    assert_eq!(secs, (1..=9).collect::<Vec<_>>());
    let links: Vec<u32> = got.iter().map(|g| g.1).collect();
    assert_eq!(links, [1, 101, 1, 1, 101, 1, 1, 101, 1]);
    assert!(
        got.iter()
            .all(|g| g.4 == frame((g.0 / 1_000_000_000) as u32, 60))
    );
    // Non-captures inside a folder are skipped with a warning each.
    let w = src.take_warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w.iter()
            .any(|w| w.path.ends_with("README.txt") && w.reason.contains("not a pcap"))
    );
    assert!(
        w.iter()
            .any(|w| w.path.ends_with("empty.pcap") && w.reason.contains("empty"))
    );
    assert_eq!(src.total_bytes(), Some(total));
    assert_eq!(src.bytes_read(), total);
}

#[test]
fn equal_timestamps_go_to_the_file_named_first_and_files_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    // Within a file, order is file order even when time goes backwards.
    let mut x = Pcap::new(false, false, 1);
    x.record(5, 0, &[1], 1).record(2, 0, &[2], 1);
    let mut y = Pcap::new(false, false, 1);
    y.record(5, 0, &[3], 1).record(6, 0, &[4], 1);
    fs::write(dir.path().join("x.pcap"), &x.bytes).unwrap();
    fs::write(dir.path().join("y.pcap"), &y.bytes).unwrap();
    let paths = [dir.path().join("y.pcap"), dir.path().join("x.pcap")];
    let got = drain(&mut open_files(&paths).unwrap());
    let order: Vec<u8> = got.iter().map(|g| g.4[0]).collect();
    // y is named first on the command line, so it wins the tie at t=5; x's
    // t=2 then comes next because merging looks only at each file's next frame.
    assert_eq!(order, [3, 1, 2, 4]);
}

#[test]
fn many_files_merge_without_holding_them_all_open() {
    // More files than are kept open from validation, with interleaved times.
    let dir = tempfile::tempdir().unwrap();
    let files = 40u32;
    for f in 0..files {
        let mut p = Pcap::new(false, false, 1);
        for k in 0..5u32 {
            let t = k * files + f;
            p.record(t, 0, &t.to_le_bytes(), 4);
        }
        fs::write(dir.path().join(format!("f{f:03}.pcap")), &p.bytes).unwrap();
    }
    let got = drain(&mut open_files(&[dir.path().to_path_buf()]).unwrap());
    let secs: Vec<u64> = got.iter().map(|g| g.0 / 1_000_000_000).collect();
    assert_eq!(secs, (0..files as u64 * 5).collect::<Vec<_>>());
}

#[test]
fn records_spanning_read_chunks_are_whole() {
    // ~6 MiB with frames of every size up to the maximum, so that records
    // straddle the 1 MiB read boundaries at many different offsets.
    let mut p = Pcap::new(false, false, 1);
    let sizes = [
        0usize,
        1,
        59,
        1514,
        9000,
        65_535,
        MAX_FRAME_LEN,
        777,
        131_073,
    ];
    let mut want = Vec::new();
    for i in 0..60u32 {
        let len = sizes[i as usize % sizes.len()];
        let f = frame(i, len);
        p.record(i, 0, &f, len as u32);
        want.push(f);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.pcap");
    fs::write(&path, &p.bytes).unwrap();
    for src in [
        open_files(std::slice::from_ref(&path)).unwrap(),
        from_bytes("big", gzip(&p.bytes)).unwrap(),
    ] {
        let mut src = src;
        let got = drain(&mut src);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(&g.4, w);
        }
        assert!(src.take_warnings().is_empty());
    }
}

#[test]
fn oversized_record_stops_the_file_with_a_warning() {
    let mut p = Pcap::new(false, false, 1);
    p.record(1, 0, &[0; 10], 10);
    p.record(2, 0, &vec![0; MAX_FRAME_LEN + 1], 10);
    p.record(3, 0, &[0; 10], 10);
    let mut src = from_bytes("big.pcap", p.bytes.clone()).unwrap();
    assert_eq!(drain(&mut src).len(), 1);
    let w = src.take_warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].offset, p.records[1].0 as u64);
    assert!(w[0].reason.contains("exceeds the maximum"), "{}", w[0]);
}

#[test]
fn pcapng_damage_is_a_warning() {
    // A packet for an interface the section never declared.
    let mut n = Pcapng::new();
    n.shb(false)
        .idb(1, 0, None, None)
        .epb(0, 1, &[1; 8], 8)
        .epb(3, 2, &[2; 8], 8);
    let mut src = from_bytes("d.pcapng", n.bytes.clone()).unwrap();
    assert_eq!(drain(&mut src).len(), 1);
    let w = src.take_warnings();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].offset, n.blocks[3].0 as u64);
    assert!(w[0].reason.contains("undeclared interface 3"));

    // A block whose trailing length disagrees with its leading length.
    let mut n = Pcapng::new();
    n.shb(false).idb(1, 0, None, None).epb(0, 1, &[1; 8], 8);
    let end = n.bytes.len();
    n.bytes[end - 1] = 0x7f;
    let mut src = from_bytes("t.pcapng", n.bytes.clone()).unwrap();
    assert_eq!(drain(&mut src).len(), 0);
    let w = src.take_warnings();
    assert_eq!((w.len(), w[0].offset), (1, n.blocks[2].0 as u64));

    // A simple packet block before any interface.
    let mut n = Pcapng::new();
    n.shb(false).spb(4, &[1; 4]);
    let mut src = from_bytes("s.pcapng", n.bytes).unwrap();
    assert_eq!(drain(&mut src).len(), 0);
    assert_eq!(src.take_warnings().len(), 1);
}

#[test]
fn errors_name_the_file_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("x.txt");
    fs::write(&txt, b"Hello, world").unwrap();
    let e = open_files(std::slice::from_ref(&txt)).err().unwrap();
    assert!(matches!(
        e,
        CaptureError::NotCapture {
            magic: 0x6c6c6548,
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: not a pcap or pcapng file (magic 0x6c6c6548)",
            txt.display()
        )
    );
    let e = from_bytes("x.txt", b"Hello".to_vec()).err().unwrap();
    assert_eq!(
        e.to_string(),
        "x.txt: not a pcap or pcapng file (magic 0x6c6c6548)"
    );

    // A non-capture named explicitly fails even next to good files.
    let good = dir.path().join("good.pcap");
    fs::write(&good, three_records(false, false, 1).bytes).unwrap();
    assert!(open_files(&[good.clone(), txt.clone()]).is_err());

    let empty = dir.path().join("empty.pcap");
    fs::write(&empty, b"").unwrap();
    let e = open_files(std::slice::from_ref(&empty)).err().unwrap();
    assert!(matches!(e, CaptureError::Empty { .. }), "{e}");
    assert!(matches!(
        from_bytes("e", Vec::new()),
        Err(CaptureError::Empty { .. })
    ));

    let missing = dir.path().join("missing.pcap");
    let e = open_files(std::slice::from_ref(&missing)).err().unwrap();
    assert!(
        e.to_string().starts_with(&missing.display().to_string()),
        "{e}"
    );

    let sub = dir.path().join("nothing-here");
    fs::create_dir(&sub).unwrap();
    assert!(matches!(
        open_files(&[sub]),
        Err(CaptureError::NoFiles { .. })
    ));
    assert!(matches!(open_files(&[]), Err(CaptureError::NoFiles { .. })));

    // Garbage that is gzip on the outside.
    let e = from_bytes("g.gz", gzip(b"garbage inside")).err().unwrap();
    assert!(e.to_string().starts_with("g.gz: not a pcap"), "{e}");
    // A gzip header with a broken stream.
    let mut broken = gzip(&three_records(false, false, 1).bytes);
    broken.truncate(12);
    assert!(from_bytes("b.gz", broken).is_err());
}

#[test]
fn header_only_pcap_is_zero_packets() {
    let p = Pcap::new(false, false, 1);
    let mut src = from_bytes("h.pcap", p.bytes).unwrap();
    assert!(src.next_packet().unwrap().is_none());
    assert!(src.take_warnings().is_empty());
    let mut n = Pcapng::new();
    n.shb(true);
    let mut src = from_bytes("h.pcapng", n.bytes).unwrap();
    assert!(src.next_packet().unwrap().is_none());
    assert!(src.take_warnings().is_empty());
}

#[test]
fn warning_display() {
    let w = taishi_capture::CaptureWarning {
        path: PathBuf::from("a.pcap"),
        offset: 40,
        reason: "truncated record: 3 of 16 bytes".into(),
    };
    assert_eq!(
        w.to_string(),
        "a.pcap: at byte 40: truncated record: 3 of 16 bytes"
    );
}

#[test]
fn sources_can_move_to_a_worker_thread() {
    fn send<T: Send>() {}
    send::<taishi_capture::FileSource>();
    #[cfg(feature = "live")]
    send::<taishi_capture::LiveSource>();
    let src: Box<dyn PacketSource> =
        Box::new(from_bytes("t", three_records(false, false, 1).bytes).unwrap());
    let n = std::thread::spawn(move || {
        let mut src = src;
        drain(&mut *src).len()
    })
    .join()
    .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn a_pipe_is_read_once_without_seeking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        _ => {
            eprintln!("skipping: mkfifo not available");
            return;
        }
    }
    let bytes = gzip(&three_records(false, false, 1).bytes);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || fs::write(writer_path, bytes).unwrap());
    let mut src = open_files(std::slice::from_ref(&fifo)).unwrap();
    assert_eq!(src.total_bytes(), None);
    assert_eq!(drain(&mut src).len(), 3);
    writer.join().unwrap();
}
