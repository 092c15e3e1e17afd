//! End-to-end checks of generated captures: determinism, label accounting,
//! and a cross-check with tshark (skipped with a message when it is absent)
//! that every packet decodes cleanly with checksum validation on and that the
//! protocols and attacks the labels promise are really in the capture.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use taishi_generate::{GenerateError, Labels, Options, Summary, generate};

const TSHARK: &str = "/usr/bin/tshark";
const CHECKSUMS: [&str; 6] = [
    "-o",
    "tcp.check_checksum:TRUE",
    "-o",
    "udp.check_checksum:TRUE",
    "-o",
    "ip.check_checksum:TRUE",
];

fn gen_bytes(scenario: &str, seed: u64, scale: f64) -> (Vec<u8>, Summary, Labels) {
    let opts = Options {
        scenario: scenario.into(),
        seed,
        scale,
    };
    let mut out = Vec::new();
    let (summary, labels) = generate(&opts, &mut out).expect("generate");
    (out, summary, labels)
}

fn tshark_available() -> bool {
    if Path::new(TSHARK).exists() {
        true
    } else {
        eprintln!("skipping: {TSHARK} not found");
        false
    }
}

/// Runs tshark on `pcap` with checksum validation and returns stdout lines.
fn tshark(pcap: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new(TSHARK)
        .arg("-n")
        .arg("-r")
        .arg(pcap)
        .args(CHECKSUMS)
        .args(args)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<String> {
    let mut args = vec!["-Y", filter, "-T", "fields"];
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    tshark(pcap, &args)
}

fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".pcap")
        .tempfile()
        .expect("temp file");
    std::io::Write::write_all(&mut f, bytes).expect("write pcap");
    f
}

/// Nothing malformed, no expert errors, and every checksum tshark can check
/// is good (status 0 is "bad"); returns how many checksums were verified good.
fn assert_clean(pcap: &Path) -> usize {
    let expert = tshark(pcap, &["-q", "-z", "expert"]).join("\n");
    assert!(!expert.contains("Errors ("), "expert errors:\n{expert}");
    assert!(
        !expert.to_lowercase().contains("malformed"),
        "malformed packets:\n{expert}"
    );
    let bad = fields(
        pcap,
        "_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0",
        &["frame.number", "_ws.expert.message"],
    );
    assert!(
        bad.is_empty(),
        "bad frames: {:?}",
        &bad[..bad.len().min(10)]
    );
    let good = fields(
        pcap,
        "tcp.checksum.status == 1 && ip.checksum.status == 1",
        &["frame.number"],
    );
    assert!(!good.is_empty(), "checksum validation did not run");
    good.len()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, sa, la) = gen_bytes("demo", 7, 0.3);
    let (b, sb, _) = gen_bytes("demo", 7, 0.3);
    let (c, _, _) = gen_bytes("demo", 8, 0.3);
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    assert_ne!(a, c);
    assert_eq!(sa.bytes, a.len() as u64);
    assert_eq!(sa.attacks, la.attacks.len());
    let (x, _, _) = gen_bytes("bench", 3, 0.002);
    let (y, _, _) = gen_bytes("bench", 3, 0.002);
    assert_eq!(x, y);
}

#[test]
fn demo_labels_account_for_every_attack_packet() {
    let (_, demo, labels) = gen_bytes("demo", 1, 0.5);
    let (_, benign, none) = gen_bytes("benign", 1, 0.5);
    assert!(none.attacks.is_empty());
    // Benign traffic is drawn from its own stream: the demo is exactly the
    // benign capture plus the labelled packets.
    let labelled: u64 = labels.attacks.iter().map(|l| l.packets).sum();
    assert_eq!(demo.packets, benign.packets + labelled);
    let kinds: BTreeSet<&str> = labels.attacks.iter().map(|l| l.kind.as_str()).collect();
    for k in [
        "port_scan",
        "host_sweep",
        "ssh_brute_force",
        "beaconing",
        "dns_tunnel",
        "exfiltration",
        "modbus_unauthorised_write",
        "syn_flood",
    ] {
        assert!(kinds.contains(k), "missing {k}");
    }
    for (i, l) in labels.attacks.iter().enumerate() {
        assert_eq!(l.id, format!("a{:02}", i + 1));
        assert!(l.technique.starts_with('T'), "{l:?}");
        assert!(
            l.start <= l.end && l.start.starts_with("2026-06-01T08:"),
            "{l:?}"
        );
        assert!(l.flows > 0 && l.packets >= l.flows, "{l:?}");
        assert!(!l.victims.is_empty() && !l.attacker.is_empty());
    }
    let json = serde_json::to_value(&labels).expect("labels serialize");
    assert_eq!(json["attacks"][0]["id"], "a01");
}

#[test]
fn demo_at_scale_one_is_the_promised_size() {
    let (_, s, _) = gen_bytes("demo", 1, 1.0);
    assert!((20_000..=50_000).contains(&s.packets), "{s:?}");
    assert!((2_000_000..=25_000_000).contains(&s.bytes), "{s:?}");
}

#[test]
fn errors_name_the_valid_scenarios() {
    let opts = Options {
        scenario: "nope".into(),
        seed: 1,
        scale: 1.0,
    };
    let err = generate(&opts, Vec::new()).unwrap_err();
    assert!(matches!(err, GenerateError::UnknownScenario { .. }));
    let msg = err.to_string();
    for (name, _) in taishi_generate::SCENARIOS {
        assert!(msg.contains(name), "{msg}");
    }
    let opts = Options {
        scenario: "demo".into(),
        seed: 1,
        scale: -1.0,
    };
    assert!(matches!(
        generate(&opts, Vec::new()),
        Err(GenerateError::InvalidScale(_))
    ));
}

#[test]
fn demo_decodes_cleanly_in_tshark_and_shows_the_labelled_attacks() {
    if !tshark_available() {
        return;
    }
    for seed in [1, 2] {
        let (bytes, summary, labels) = gen_bytes("demo", seed, 0.5);
        let f = write_temp(&bytes);
        let p = f.path();
        let good = assert_clean(p);
        assert!(
            good as u64 > summary.packets / 2,
            "{good} of {}",
            summary.packets
        );

        // Sequence and acknowledgement numbers are consistent everywhere:
        // nothing lost, retransmitted, reordered or duplicate-ACKed.
        let odd = fields(
            p,
            "tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment || tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.duplicate_ack || tcp.analysis.zero_window || tcp.analysis.window_full",
            &["frame.number", "_ws.expert.message"],
        );
        assert!(
            odd.is_empty(),
            "TCP analysis: {:?}",
            &odd[..odd.len().min(10)]
        );
        assert!(!fields(p, "arp.opcode == 2", &["frame.number"]).is_empty());

        let names = fields(p, "dns.flags.response == 1", &["dns.qry.name"]);
        assert!(names.iter().any(|n| n == "intranet.wateru.local"));
        assert!(
            names
                .iter()
                .any(|n| n.ends_with(".t.cloudsync-metrics.net"))
        );
        let cnames = fields(p, "dns.cname", &["dns.cname"]);
        assert!(!cnames.is_empty(), "compressed CNAME answers decode");
        assert!(!fields(p, "dns.qry.type == 28 && dns.aaaa", &["dns.aaaa"]).is_empty());

        let methods: BTreeSet<String> = fields(p, "http.request", &["http.request.method"])
            .into_iter()
            .collect();
        assert!(
            methods.contains("GET") && methods.contains("POST"),
            "{methods:?}"
        );
        assert!(!fields(p, "http.response.code == 200", &["frame.number"]).is_empty());

        let sni: BTreeSet<String> = fields(
            p,
            "tls.handshake.extensions_server_name",
            &["tls.handshake.extensions_server_name"],
        )
        .into_iter()
        .collect();
        assert!(sni.contains("cdn-telemetry-update.net"), "{sni:?}");
        assert!(sni.contains("www.google.com") || sni.len() > 5, "{sni:?}");
        assert!(!fields(p, "tls.handshake.type == 2", &["frame.number"]).is_empty());

        assert!(!fields(p, "ssh.protocol", &["ssh.protocol"]).is_empty());
        assert!(!fields(p, "smtp.req.command == \"EHLO\"", &["frame.number"]).is_empty());
        assert!(!fields(p, "vlan.id == 20", &["frame.number"]).is_empty());
        assert!(!fields(p, "ipv6 && tls", &["frame.number"]).is_empty());

        // Modbus writes (6 and 16) come from the labelled attacker.
        let attack = labels
            .attacks
            .iter()
            .find(|l| l.kind == "modbus_unauthorised_write")
            .expect("modbus label");
        let writes = tshark(
            p,
            &[
                "-d",
                "tcp.port==502,mbtcp",
                "-Y",
                &format!(
                    "ip.src == {} && (modbus.func_code == 6 || modbus.func_code == 16)",
                    attack.attacker
                ),
                "-T",
                "fields",
                "-e",
                "modbus.func_code",
            ],
        );
        let codes: BTreeSet<&str> = writes.iter().map(String::as_str).collect();
        assert!(codes.contains("6") && codes.contains("16"), "{codes:?}");
        let polls = tshark(
            p,
            &[
                "-d",
                "tcp.port==502,mbtcp",
                "-Y",
                "modbus.func_code == 3",
                "-T",
                "fields",
                "-e",
                "ip.src",
            ],
        );
        assert!(
            polls.iter().any(|s| s == "10.10.5.10"),
            "HMI polls the PLCs"
        );

        // One TCP conversation per scanned port, each opened by the scanner.
        let scan = labels
            .attacks
            .iter()
            .find(|l| l.kind == "port_scan")
            .expect("scan label");
        let streams: BTreeSet<String> = fields(
            p,
            &format!(
                "ip.src == {} && tcp.flags.syn == 1 && tcp.flags.ack == 0",
                scan.attacker
            ),
            &["tcp.stream"],
        )
        .into_iter()
        .collect();
        assert!(
            streams.len() as u64 >= scan.flows,
            "{} < {}",
            streams.len(),
            scan.flows
        );
    }
}

#[test]
fn bench_decodes_cleanly_in_tshark() {
    if !tshark_available() {
        return;
    }
    let (bytes, summary, labels) = gen_bytes("bench", 1, 0.01);
    assert!(labels.attacks.is_empty());
    let avg = summary.bytes / summary.packets;
    assert!((400..=700).contains(&avg), "average {avg} bytes per packet");
    let f = write_temp(&bytes);
    let p = f.path();
    assert_clean(p);
    assert!(!fields(p, "http.request", &["frame.number"]).is_empty());
    assert!(!fields(p, "tls.handshake.extensions_server_name", &["frame.number"]).is_empty());
    assert!(!fields(p, "dns.flags.response == 1", &["frame.number"]).is_empty());
    assert!(!fields(p, "vlan", &["frame.number"]).is_empty());
    assert!(!fields(p, "ipv6", &["frame.number"]).is_empty());
    assert!(
        !fields(
            p,
            "tcp.analysis.retransmission || tcp.analysis.out_of_order",
            &["frame.number"]
        )
        .is_empty()
    );
    // Fragmented echoes reassemble into valid ICMP.
    assert!(
        !fields(
            p,
            "ip.fragment && icmp.checksum.status == 1",
            &["frame.number"]
        )
        .is_empty()
    );
}
