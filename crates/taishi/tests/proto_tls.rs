//! TLS end to end: every capture of the corpus's `tls/` folder through the
//! binary, each `tls` record compared with what tshark 4.0 dissects for the
//! same connection (keyed by the client's port): SNI, JA3, JA3S, the
//! negotiated version, and the server certificate's serial and common
//! name. A connection whose ServerHello and certificate tshark sees in the
//! clear must be logged.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

/// tshark's view of one connection.
#[derive(Default, Debug)]
struct Shark {
    sni: String,
    ja3: String,
    ja3s: String,
    version: Option<u16>,
    serial: String,
    names: Vec<String>,
    has_cert: bool,
}

fn first(s: &str) -> &str {
    s.split(',').next().unwrap_or("")
}

fn hex16(s: &str) -> Option<u16> {
    u16::from_str_radix(first(s).trim_start_matches("0x"), 16).ok()
}

fn shark_view(pcap: &Path) -> HashMap<u16, Shark> {
    let mut m: HashMap<u16, Shark> = HashMap::new();
    let ch = tshark_fields(
        pcap,
        "tls.handshake.type==1",
        &[
            "tcp.srcport",
            "tls.handshake.extensions_server_name",
            "tls.handshake.ja3",
        ],
    );
    for row in ch {
        let Some(port) = row.first().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let e = m.entry(port).or_default();
        if e.ja3.is_empty() {
            e.sni = first(row.get(1).map_or("", |s| s)).to_string();
            e.ja3 = first(row.get(2).map_or("", |s| s)).to_string();
        }
    }
    let sh = tshark_fields(
        pcap,
        "tls.handshake.type==2",
        &[
            "tcp.dstport",
            "tls.handshake.ja3s",
            "tls.handshake.version",
            "tls.handshake.extensions.supported_version",
        ],
    );
    for row in sh {
        let Some(port) = row.first().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let Some(e) = m.get_mut(&port) else { continue };
        // The last ServerHello wins (after a HelloRetryRequest).
        e.ja3s = first(row.get(1).map_or("", |s| s)).to_string();
        let sv = row.get(3).and_then(|s| hex16(s));
        e.version = sv.or_else(|| row.get(2).and_then(|s| hex16(s)));
    }
    let certs = tshark_fields(
        pcap,
        "tls.handshake.type==11",
        &[
            "tcp.dstport",
            "x509af.serialNumber",
            "x509sat.uTF8String",
            "x509sat.printableString",
            "x509sat.teletexString",
            "x509sat.IA5String",
            "x509sat.bmpString",
        ],
    );
    for row in certs {
        let Some(port) = row.first().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let Some(e) = m.get_mut(&port) else { continue };
        if e.has_cert {
            continue;
        }
        e.has_cert = true;
        e.serial = first(row.get(1).map_or("", |s| s)).to_string();
        for f in row.iter().skip(2) {
            e.names.extend(f.split(',').map(str::to_string));
        }
    }
    m
}

fn version_name(v: u16) -> &'static str {
    match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        _ => "other",
    }
}

#[test]
fn tls_records_match_tshark_fields() {
    let Some(pcaps) = corpus_pcaps("tls_records_match_tshark") else {
        return;
    };
    if !have("tshark") {
        eprintln!("tls_records_match_tshark: skipped: tshark is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for pcap in captures_under(&pcaps.join("tls")) {
        let name = pcap.file_name().unwrap().to_string_lossy().into_owned();
        let eve = dir.path().join(format!("{name}.json"));
        let o = analyze(
            &[&pcap],
            &eve,
            &[
                "--set",
                "app-layer.protocols.tls.ja3-fingerprints=yes",
                "--set",
                "checksum-checks=none",
            ],
        );
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let events = read_eve(&eve);
        let tls = of_type(&events, "tls");
        let shark = shark_view(&pcap);
        let mut logged = Vec::new();
        for ev in &tls {
            let port = ev["src_port"].as_u64().unwrap() as u16;
            logged.push(port);
            let Some(s) = shark.get(&port) else {
                panic!("{name}: tls record for port {port} that tshark has no ClientHello for");
            };
            let t = &ev["tls"];
            let ctx = format!("{name} port {port}: {t}");
            assert_eq!(t["sni"].as_str().unwrap_or(""), s.sni, "{ctx}");
            assert_eq!(t["ja3"]["hash"].as_str().unwrap_or(""), s.ja3, "{ctx}");
            assert_eq!(t["ja3s"]["hash"].as_str().unwrap_or(""), s.ja3s, "{ctx}");
            if let Some(v) = s.version {
                assert_eq!(
                    t["version"].as_str().unwrap_or(""),
                    version_name(v),
                    "{ctx}"
                );
            }
            if s.has_cert {
                let serial = t["serial"]
                    .as_str()
                    .unwrap_or("")
                    .replace(':', "")
                    .to_lowercase();
                assert_eq!(serial, s.serial, "{ctx}");
                let subject = t["subject"].as_str().unwrap_or("");
                let cn = subject
                    .rsplit("CN=")
                    .next()
                    .unwrap_or("")
                    .split(", ")
                    .next()
                    .unwrap_or("");
                assert!(
                    cn.is_empty() || s.names.iter().any(|n| n == cn),
                    "{ctx}: CN {cn:?} not among {:?}",
                    s.names
                );
            }
            compared += 1;
        }
        // STARTTLS switches protocols mid-flow: the SMTP parser's hand-off,
        // not TLS detection, decides whether that TLS is parsed.
        let upgraded = name.contains("starttls");
        for (port, s) in &shark {
            if !upgraded && s.has_cert && s.version.is_some() {
                assert!(
                    logged.contains(port),
                    "{name}: port {port} has a certificate but no tls record"
                );
            }
        }
    }
    assert!(compared >= 15, "only {compared} tls records compared");
}

#[test]
fn ja4_of_a_published_capture() {
    // suricata-verify's ja4-tls case: Suricata 8 logs this JA4.
    let Some(s) = shared() else {
        eprintln!("ja4_of_a_published_capture: skipped: ../shared is not present");
        return;
    };
    let pcap = s.join("corpus/suricata-verify/ja4-tls/input.pcap");
    if !pcap.exists() {
        eprintln!(
            "ja4_of_a_published_capture: skipped: {} is absent",
            pcap.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let o = analyze(
        &[&pcap],
        &eve,
        &[
            "--set",
            "app-layer.protocols.tls.ja4-fingerprints=yes",
            "--set",
            "checksum-checks=none",
        ],
    );
    assert!(o.status.success());
    let events = read_eve(&eve);
    let ja4: Vec<_> = of_type(&events, "tls")
        .iter()
        .filter_map(|e| e["tls"]["ja4"].as_str())
        .collect();
    assert!(
        ja4.contains(&"t12i1810s1_27d4652c4487_06a4338d0495"),
        "{ja4:?}"
    );
}
