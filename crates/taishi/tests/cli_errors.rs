//! Bad input gets one clear line naming the file or key at fault and exit
//! status 2; damaged captures yield what precedes the damage; nothing panics.

mod common;

use std::io::Write;

use common::*;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn not_a_capture_names_the_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("notes.txt");
    std::fs::write(&bogus, b"Hello, this is not a capture at all\n").unwrap();
    let o = analyze(&[&bogus], &dir.path().join("eve.json"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.contains("error")).count(),
        1,
        "{err}"
    );
}

#[test]
fn missing_file_names_the_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(
        &[&dir.path().join("nope.pcap")],
        &dir.path().join("eve.json"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.pcap"), "{}", stderr(&o));
}

#[test]
fn unknown_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("empty.pcap");
    write_pcap(&pcap, &[]);
    let o = analyze(
        &[&pcap],
        &dir.path().join("eve.json"),
        &["--set", "flow.memcapp=1mb"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("flow.memcapp"), "{}", stderr(&o));

    let cfg = dir.path().join("taishi.yaml");
    std::fs::write(&cfg, "stream:\n  reassembly:\n    dept: 1mb\n").unwrap();
    let o = analyze(
        &[&pcap],
        &dir.path().join("eve.json"),
        &["--config", cfg.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("stream.reassembly.dept"),
        "{}",
        stderr(&o)
    );
}

/// A UDP packet 10.0.0.1:1000 → 10.0.0.2:53 in an Ethernet frame, with
/// `i` as the last payload byte so frames differ.
fn udp_frame(i: u8) -> Vec<u8> {
    let mut f = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
    let payload = [0xab, 0xcd, i];
    let total = 20 + 8 + payload.len() as u16;
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        1,
        0,
        0,
        64,
        17,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
    ];
    let sum = ip_checksum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f.extend_from_slice(&ip);
    let ulen = 8 + payload.len() as u16;
    f.extend_from_slice(&[0x03, 0xe8, 0, 53, (ulen >> 8) as u8, ulen as u8, 0, 0]);
    f.extend_from_slice(&payload);
    f
}

fn ip_checksum(h: &[u8]) -> u16 {
    let mut s: u32 = h
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]) as u32)
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn write_pcap(path: &std::path::Path, frames: &[Vec<u8>]) -> Vec<u64> {
    let mut f = std::fs::File::create(path).unwrap();
    let mut hdr = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    hdr.extend_from_slice(&65535u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    f.write_all(&hdr).unwrap();
    let mut offsets = Vec::new();
    let mut off = 24u64;
    for (i, fr) in frames.iter().enumerate() {
        offsets.push(off);
        f.write_all(&(1_600_000_000u32 + i as u32).to_le_bytes())
            .unwrap();
        f.write_all(&0u32.to_le_bytes()).unwrap();
        f.write_all(&(fr.len() as u32).to_le_bytes()).unwrap();
        f.write_all(&(fr.len() as u32).to_le_bytes()).unwrap();
        f.write_all(fr).unwrap();
        off += 16 + fr.len() as u64;
    }
    offsets
}

#[test]
fn truncated_capture_keeps_what_precedes_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("cut.pcap");
    let frames: Vec<Vec<u8>> = (0..5).map(udp_frame).collect();
    let offsets = write_pcap(&pcap, &frames);
    // Cut the file in the middle of the fifth record's data.
    let cut = offsets[4] + 16 + 10;
    let data = std::fs::read(&pcap).unwrap();
    std::fs::write(&pcap, &data[..cut as usize]).unwrap();
    let eve = dir.path().join("eve.json");
    let o = analyze(&[&pcap], &eve, &["--threads", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cut.pcap") && err.contains(&offsets[4].to_string()),
        "{err}"
    );
    let events = read_eve(&eve);
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["flow"]["pkts_toserver"], 4);
    let stats = of_type(&events, "stats");
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0]["stats"]["decoder"]["pkts"], 4);
}

#[test]
fn malformed_corpus_never_crashes() {
    let Some(pcaps) = corpus_pcaps("malformed_corpus_never_crashes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for cap in captures_under(&pcaps.join("malformed")) {
        let o = analyze(&[&cap], &dir.path().join("eve.json"), &[]);
        let code = o.status.code();
        assert!(
            matches!(code, Some(0) | Some(2)),
            "{}: exit {:?}\n{}",
            cap.display(),
            code,
            stderr(&o)
        );
        assert!(
            !stderr(&o).contains("panicked"),
            "{}: {}",
            cap.display(),
            stderr(&o)
        );
    }
}
