//! The rule engine end to end on real captures: rules in a file, the
//! binary over a capture, alerts counted by sid.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Runs `taishi analyze CAPTURE --rules RULES` (EVE beside the rules) and
/// counts alerts by sid.
fn alerts(capture: &Path, rules: &Path) -> BTreeMap<u64, u64> {
    let eve = rules.parent().unwrap().join("eve.json");
    let mut out = BTreeMap::new();
    for sid in alert_sids(taishi(), capture, rules, &eve, &[]) {
        *out.entry(sid).or_insert(0) += 1;
    }
    out
}

/// Runs `cmd` as `analyze CAPTURE --rules RULES --eve EVE` plus `extra`;
/// the sids of its alerts, sorted.
fn alert_sids(
    mut cmd: std::process::Command,
    capture: &Path,
    rules: &Path,
    eve: &Path,
    extra: &[&str],
) -> Vec<u64> {
    let o = cmd
        .arg("analyze")
        .arg(capture)
        .arg("--rules")
        .arg(rules)
        .arg("--eve")
        .arg(eve)
        .arg("--no-progress")
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut sids: Vec<u64> = std::fs::read_to_string(eve)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| v["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    sids.sort_unstable();
    sids
}

#[test]
fn datasets_and_datarep_match_ioc_lists() {
    let Some(pcaps) = corpus_pcaps("datasets_and_datarep_match_ioc_lists") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Base64 of "us.v27.distributed.net" (the capture's query) and another name.
    std::fs::write(
        dir.path().join("doms.lst"),
        "dXMudjI3LmRpc3RyaWJ1dGVkLm5ldA==\nb3RoZXIuZXhhbXBsZQ==\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rep.lst"),
        "dXMudjI3LmRpc3RyaWJ1dGVkLm5ldA==,90\n",
    )
    .unwrap();
    let rules = dir.path().join("t.rules");
    std::fs::write(
        &rules,
        r#"alert dns any any -> any any (msg:"IOC domain"; dns.queries.rrname; dataset:isset,iocs,type string,load doms.lst; sid:1;)
alert dns any any -> any any (msg:"not an IOC"; dns.queries.rrname; dataset:isnotset,iocs; sid:2;)
alert dns any any -> any any (msg:"bad reputation"; dns.queries.rrname; to_lowercase; datarep:reps, >, 50, type string, load rep.lst; sid:3;)
alert dns any any -> any any (msg:"good reputation"; dns.queries.rrname; datarep:reps, <, 50; sid:4;)
"#,
    )
    .unwrap();
    let got = alerts(&pcaps.join("dns/dns53.pcap"), &rules);
    assert_eq!(got, BTreeMap::from([(1, 1), (3, 1)]), "{got:?}");
}

#[test]
fn rules_check_reports_skipped_rules_with_file_line_sid_and_keyword() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mixed.rules");
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"ok\"; content:\"x\"; sid:1;)\n\
         # alert tcp any any -> any any (msg:\"disabled\"; sid:2;)\n\
         alert tcp any any -> any any (msg:\"asn1\"; asn1:oversize_length 100; sid:3;)\n\
         alert tcp any any -> any any (msg:\"bad\"; content:\"x\"; depth:abc; sid:4;)\n",
    )
    .unwrap();
    let o = taishi()
        .args(["rules", "check", "--json", "--list"])
        .arg(&rules)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total"]["loaded"], 1);
    assert_eq!(v["total"]["skipped"], 2);
    assert_eq!(v["files"][0]["disabled"], 1);
    assert_eq!(v["unsupported"]["asn1"], 1);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped[0]["line"], 3);
    assert_eq!(skipped[0]["sid"], 3);
    assert_eq!(skipped[0]["keyword"], "asn1");
    assert_eq!(skipped[1]["line"], 4);
    assert_eq!(skipped[1]["unsupported"], false);
}

#[test]
fn shipped_demo_rules_alert_on_the_demo_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = demo_capture(dir.path());
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/taishi-demo.rules");
    let copy = dir.path().join("taishi-demo.rules");
    std::fs::copy(&rules, &copy).unwrap();
    let got = alerts(&pcap, &copy);
    // Modbus writes (the HMI's and the attacker's), the scripted SSH
    // client, and the tunnelling host's long names.
    for sid in [9_100_001, 9_100_002, 9_100_003] {
        assert!(got.contains_key(&sid), "sid {sid} silent: {got:?}");
    }
}

/// TCP flows of `eve` with a SYN seen, per destination port.
fn syn_flows_by_port(eve: &Path) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for line in std::fs::read_to_string(eve).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event_type"] == "flow" && v["proto"] == "TCP" && v["tcp"]["syn"] == true {
            *out.entry(v["dest_port"].as_u64().unwrap()).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn header_only_rules_are_filed_by_port_and_still_meet_every_packet_of_their_ports() {
    // Rules without content are indexed by their narrow ports (as Suricata's
    // port groups do), so a packet meets only its ports' rules; each must
    // still fire on every packet it should, from either port side.
    let dir = tempfile::tempdir().unwrap();
    let pcap = demo_capture(dir.path());
    let rules = dir.path().join("t.rules");
    std::fs::write(
        &rules,
        r#"alert tcp any any -> any 22 (msg:"SYN to SSH"; flags:S; sid:1;)
alert tcp any 22 -> any any (msg:"SYN-ACK from SSH"; flags:SA; sid:2;)
alert tcp any any -> any 1:1000 (msg:"SYN to a low port (a wide set: any-port group)"; flags:S; sid:3;)
alert tcp any any -> any 22 (msg:"SYN with payload"; flags:S; dsize:>0; sid:4;)
"#,
    )
    .unwrap();
    let got = alerts(&pcap, &rules);
    let syn = syn_flows_by_port(&dir.path().join("eve.json"));
    let to_ssh = syn.get(&22).copied().unwrap_or(0);
    assert!(to_ssh > 10, "the demo's SSH clients: {syn:?}");
    assert_eq!(got.get(&1), Some(&to_ssh), "{got:?}");
    assert_eq!(got.get(&2), Some(&to_ssh), "{got:?}");
    let low: u64 = syn.range(1..=1000).map(|(_, n)| n).sum();
    // At least one SYN per flow; retransmitted SYNs alert again.
    assert!(got.get(&3).copied().unwrap_or(0) >= low, "{got:?} vs {low}");
    assert_eq!(got.get(&4), None);
}

/// The sids of `taishi analyze` of `capture` with `rules` and the cache
/// folder `cache` (`XDG_CACHE_HOME`), plus `extra` arguments.
fn alerts_with_cache(capture: &Path, rules: &Path, cache: &Path, extra: &[&str]) -> Vec<u64> {
    let mut cmd = taishi();
    cmd.env("XDG_CACHE_HOME", cache);
    alert_sids(
        cmd,
        capture,
        rules,
        &cache.with_extension("eve.json"),
        extra,
    )
}

fn cache_files(cache: &Path) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(cache.join("taishi/mpm")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn compiled_prefilters_are_cached_reused_and_rebuilt_when_damaged() {
    if std::env::var("TAISHI_MPM_ALGO").is_ok_and(|v| v == "ac") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pcap = demo_capture(dir.path());
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/taishi-demo.rules");
    let cache = dir.path().join("cache");
    let cold = alerts_with_cache(&pcap, &rules, &cache, &[]);
    assert!(!cold.is_empty());
    let files = cache_files(&cache);
    assert!(!files.is_empty(), "nothing cached");
    let sizes: Vec<u64> = files.iter().map(|f| f.metadata().unwrap().len()).collect();
    // Warm: the same alerts from the cached databases.
    assert_eq!(alerts_with_cache(&pcap, &rules, &cache, &[]), cold);
    // Damaged files are compiled again and rewritten, never trusted.
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        std::fs::write(f, &bytes[..bytes.len() / 2]).unwrap();
    }
    assert_eq!(alerts_with_cache(&pcap, &rules, &cache, &[]), cold);
    let again: Vec<u64> = files.iter().map(|f| f.metadata().unwrap().len()).collect();
    assert_eq!(again, sizes);
    // Turned off, nothing is written.
    let off = dir.path().join("off");
    let set = ["--set", "detect.sgh-mpm-caching=no"];
    assert_eq!(alerts_with_cache(&pcap, &rules, &off, &set), cold);
    assert!(cache_files(&off).is_empty());
}

#[test]
fn capitals_on_the_lower_cased_host_buffer_are_refused_as_suricata_does() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("host.rules");
    std::fs::write(
        &rules,
        "alert http any any -> any any (msg:\"caps\"; http.host; content:\"Example.COM\"; sid:1;)\n\
         alert http any any -> any any (msg:\"nocase\"; http.host; content:\"Example.COM\"; nocase; sid:2;)\n",
    )
    .unwrap();
    let o = taishi()
        .args(["rules", "check", "--json", "--list"])
        .arg(&rules)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total"]["loaded"], 1, "{v}");
    assert_eq!(v["skipped"][0]["sid"], 1);
    assert_eq!(v["skipped"][0]["keyword"], "http.host");
}

#[test]
fn encrypted_sessions_payloads_are_not_inspected_after_the_handshake() {
    let Some(pcaps) =
        corpus_pcaps("encrypted_sessions_payloads_are_not_inspected_after_the_handshake")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("tls.rules");
    // An SSLv3 session whose 156 payload-carrying packets are mostly
    // application-data records (`17 03 00`) after the handshake.
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"record\"; flow:established; dsize:>0; content:\"|17 03|\"; depth:2; sid:1;)\n\
         alert tcp any any -> any any (msg:\"payload\"; flow:established; dsize:>0; sid:2;)\n\
         alert tcp any any -> any any (msg:\"header only\"; flow:established; dsize:<2000; sid:3;)\n",
    )
    .unwrap();
    let got = alerts(&pcaps.join("tls/ssl.v3.pcap"), &rules);
    // As Suricata's default encryption handling: once the handshake is
    // over, a packet's payload meets neither content nor a dsize that
    // needs a payload ...
    assert_eq!(got.get(&1), None, "{got:?}");
    let payload = got.get(&2).copied().unwrap_or(0);
    assert!(payload > 0 && payload < 30, "{got:?}");
    // ... while rules that need no payload still see every packet.
    assert_eq!(got.get(&3), Some(&246), "{got:?}");
}

#[test]
fn stream_size_counts_each_sides_bytes_with_syn_and_fin() {
    let Some(pcaps) = corpus_pcaps("stream_size_counts_each_sides_bytes_with_syn_and_fin") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("stream-size.rules");
    // http/get.pcap: the client sends a 136-byte request after the
    // handshake; the server answers with four data segments, then both
    // close (client FIN first).
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"client data before any server data\"; flow:established,to_server; stream_size:server,=,1; dsize:>0; sid:1;)\n\
         alert tcp any any -> any any (msg:\"server data, client silent\"; flow:established,to_client; stream_size:client,<,5; dsize:>0; sid:2;)\n\
         alert tcp any any -> any any (msg:\"server data after the request\"; flow:established,to_client; stream_size:client,=,137; dsize:>0; sid:3;)\n\
         alert tcp any any -> any any (msg:\"client closed\"; flow:to_server; stream_size:client,=,138; sid:4;)\n\
         alert tcp any any -> any any (msg:\"server sent more\"; flow:to_client; stream_size:server,>,5000; sid:5;)\n\
         alert tcp any any -> any any (msg:\"answer\"; flow:established,to_client; stream_size:client,=,137; dsize:>11; content:\"HTTP/1.\"; depth:7; sid:6;)\n\
         alert tcp any any -> any any (msg:\"unasked answer\"; flow:established,to_client; stream_size:client,<,5; dsize:>11; content:\"HTTP/1.\"; depth:7; sid:7;)\n",
    )
    .unwrap();
    let got = alerts(&pcaps.join("http/get.pcap"), &rules);
    // The request: the server's stream is its SYN alone.
    assert_eq!(got.get(&1), Some(&1), "{got:?}");
    // The client had sent its request (SYN + 136 bytes) before any answer.
    assert_eq!(got.get(&2), None, "{got:?}");
    assert_eq!(got.get(&3), Some(&4), "{got:?}");
    // The client's FIN counts one: its FIN packet and its last ACK.
    assert_eq!(got.get(&4), Some(&2), "{got:?}");
    // SYN + 5007 bytes from the last data segment on: that segment and the
    // server's FIN.
    assert_eq!(got.get(&5), Some(&2), "{got:?}");
    // Packet rules with content, so few that their flow conditions are
    // checked before the payload is scanned: the scan still happens when
    // one of them can match, and finds the status line.
    assert_eq!(got.get(&6), Some(&1), "{got:?}");
    assert_eq!(got.get(&7), None, "{got:?}");
}

#[test]
fn only_frag_matches_packets_rebuilt_from_fragments() {
    let Some(pcaps) = corpus_pcaps("only_frag_matches_packets_rebuilt_from_fragments") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("frag.rules");
    std::fs::write(
        &rules,
        "alert tcp any any -> any any (msg:\"rebuilt SYN\"; flags:S; flow:only_frag; sid:1;)\n\
         alert tcp any any -> any any (msg:\"SYN not rebuilt\"; flags:S; flow:no_frag; sid:2;)\n\
         alert ip any any -> any any (msg:\"rebuilt datagram\"; flow:only_frag; sid:3;)\n\
         alert ip any any -> any any (msg:\"first fragment\"; fragbits:M; sid:4;)\n",
    )
    .unwrap();
    // A SYN sent as two fragments: the rebuilt packet alone is one. Its
    // first fragment carries the TCP header, but rules see no transport
    // in a fragment (as Suricata decodes none), so it is no SYN.
    let syn = alerts(&pcaps.join("fragments/fragmented-syn.pcap"), &rules);
    assert_eq!(syn.get(&1), Some(&1), "{syn:?}");
    assert_eq!(syn.get(&2), None, "{syn:?}");
    assert_eq!(syn.get(&3), Some(&1), "{syn:?}");
    // The fragment itself is still inspected, for its IP header.
    assert_eq!(syn.get(&4), Some(&1), "{syn:?}");
    // An NTP datagram in two fragments, then an unfragmented one.
    let ntp = alerts(&pcaps.join("fragments/fragmented-1.pcap"), &rules);
    assert_eq!(ntp.get(&3), Some(&1), "{ntp:?}");
    assert_eq!(ntp.get(&1), None, "{ntp:?}");
}

#[test]
fn entropy_measures_a_buffer_and_its_value_is_logged_on_the_flow() {
    let Some(pcaps) = corpus_pcaps("entropy_measures_a_buffer_and_its_value_is_logged_on_the_flow")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("entropy.rules");
    // http/get.pcap answers with a 4705-byte text file (Content-Length,
    // no encoding). Its Shannon entropy, computed outside Taishi from the
    // server's bytes that `tshark -z follow,tcp,raw` prints: 4.950189183493792.
    std::fs::write(
        &rules,
        "alert http any any -> any any (msg:\"first byte alone\"; flow:to_client; file.data; entropy: bytes 1, value = 0; sid:1;)\n\
         alert http any any -> any any (msg:\"above 4.9\"; flow:to_client; file.data; entropy: value > 4.9; flowbits:set,measured; sid:2;)\n\
         alert http any any -> any any (msg:\"4.9 to 5\"; flow:to_client; file.data; entropy: value 4.9-5; sid:3;)\n\
         alert http any any -> any any (msg:\"not 4.9 to 5\"; flow:to_client; file.data; entropy: value !4.9-5; sid:4;)\n\
         alert http any any -> any any (msg:\"at least 5\"; flow:to_client; file.data; entropy: value >= 5; sid:5;)\n\
         alert http any any -> any any (msg:\"past the end\"; flow:to_client; file.data; entropy: offset 4706, value >= 0; sid:6;)\n",
    )
    .unwrap();
    let eve = dir.path().join("eve.json");
    let out = analyze(
        &[&pcaps.join("http/get.pcap")],
        &eve,
        &["--rules", rules.to_str().unwrap()],
    );
    ok(&out);
    let events = read_eve(&eve);
    let mut sids: Vec<u64> = of_type(&events, "alert")
        .iter()
        .filter_map(|a| a["alert"]["signature_id"].as_u64())
        .collect();
    sids.sort_unstable();
    assert_eq!(sids, [1, 2, 3], "{sids:?}");
    // The value kept on the flow is the last one computed (sid 5's: the
    // flowbit setter runs first, and sid 6's offset is past the end, so it
    // computes none), and every record
    // of the flow carries it, with the flowbit: alerts are written once
    // all rules have run, as Suricata writes them.
    for t in ["alert", "http", "fileinfo", "flow"] {
        let rec = of_type(&events, t)[0];
        let m = &rec["metadata"];
        let h = m["entropy"]["file_data"].as_f64().unwrap_or(-1.0);
        assert!((h - 4.950189183493792).abs() < 1e-9, "{t}: {rec}");
        assert_eq!(m["flowbits"], serde_json::json!(["measured"]), "{t}: {rec}");
    }
}
