//! Real captures from the shared corpus: every file in MANIFEST.tsv gives its
//! listed packet count and link type, the pcapng samples match tshark frame
//! by frame, and the malformed samples never panic. Skips when the corpus is
//! absent.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::drain;
use taishi_capture::{PacketSource, open_files};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pcaps");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: corpus not found at {}", dir.display());
        None
    }
}

/// tcpdump's DLT names used in the manifest, as LINKTYPE values.
fn linktype_of(name: &str) -> Option<u32> {
    Some(match name {
        "EN10MB" => 1,
        "FDDI" => 10,
        "IPV4" => 228,
        "LINUX_SLL2" => 276,
        "NFLOG" => 239,
        _ => return None,
    })
}

#[test]
fn manifest_packet_counts_and_link_types() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: HashMap<&str, usize> = lines
        .next()
        .unwrap()
        .split('\t')
        .enumerate()
        .map(|(i, h)| (h, i))
        .collect();
    let (cat, file, packets, linktype) = (
        header["category"],
        header["file"],
        header["packets"],
        header["linktype"],
    );
    let mut checked = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let path = dir.join(f[cat]).join(f[file]);
        let want: usize = f[packets].parse().unwrap();
        let mut src = open_files(std::slice::from_ref(&path)).unwrap_or_else(|e| panic!("{e}"));
        let got = drain(&mut src);
        assert_eq!(got.len(), want, "{}", path.display());
        if let Some(lt) = linktype_of(f[linktype]) {
            assert!(
                got.iter().all(|g| g.1 == lt),
                "{}: link type",
                path.display()
            );
        }
        for w in src.take_warnings() {
            eprintln!("warning: {w}");
        }
        assert_eq!(
            src.bytes_read(),
            src.total_bytes().unwrap(),
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 170, "only {checked} files in the manifest");
}

/// Parses tshark's `frame.time_epoch` ("1767663089.500330493") to nanoseconds.
fn epoch_ns(s: &str) -> u64 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<9}");
    secs.parse::<u64>().unwrap() * 1_000_000_000 + frac[..9].parse::<u64>().unwrap()
}

#[test]
fn pcapng_samples_match_tshark() {
    let Some(dir) = corpus() else { return };
    for name in [
        "formats/pcapng-multi-interface.pcapng",
        "vlan/vlan-pcp-dei.pcapng",
    ] {
        let path = dir.join(name);
        let got = drain(&mut open_files(std::slice::from_ref(&path)).unwrap());
        let out = match Command::new("tshark")
            .args(["-r"])
            .arg(&path)
            .args([
                "-T",
                "fields",
                "-e",
                "frame.interface_id",
                "-e",
                "frame.time_epoch",
            ])
            .args(["-e", "frame.cap_len", "-e", "frame.len"])
            .output()
        {
            Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
            _ => {
                eprintln!("skipping tshark comparison: tshark not usable");
                return;
            }
        };
        let want: Vec<(u32, u64, usize, u32)> = out
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (
                    f[0].parse().unwrap(),
                    epoch_ns(f[1]),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )
            })
            .collect();
        let have: Vec<(u32, u64, usize, u32)> =
            got.iter().map(|g| (g.2, g.0, g.4.len(), g.3)).collect();
        assert_eq!(have, want, "{name}");
    }
}

#[test]
fn multi_interface_pcapng_has_both_interfaces() {
    let Some(dir) = corpus() else { return };
    let path = dir.join("formats/pcapng-multi-interface.pcapng");
    let got = drain(&mut open_files(&[path]).unwrap());
    let ifaces: Vec<u32> = got.iter().map(|g| g.2).collect();
    assert_eq!(ifaces, [0, 0, 1, 1, 1, 1]);
    // Interface 0 has nanosecond resolution, interface 1 microseconds.
    assert_eq!(got[0].0 % 1000, 493);
    assert_eq!(got[2].0 % 1000, 0);
}

#[test]
fn malformed_corpus_never_panics() {
    let Some(dir) = corpus() else { return };
    let folder = dir.join("malformed");
    // Read as a folder (merged) and one by one.
    let mut src = open_files(std::slice::from_ref(&folder)).unwrap();
    let merged = drain(&mut src).len();
    let mut single = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        match open_files(std::slice::from_ref(&path)) {
            Ok(mut s) => single += drain(&mut s).len(),
            Err(e) => eprintln!("{e}"),
        }
    }
    assert_eq!(merged, single);
}
