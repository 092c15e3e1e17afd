//! EVE logging as Suricata 8 writes it, end to end on published captures
//! (suricata-verify cases under `../shared/corpus/suricata-verify`,
//! skipped when absent): DNS over TCP with names longer than the detection
//! buffer, alerts of `app-layer-event` rules carrying their transaction,
//! the `ether` object of protocol records and of decode anomalies, `ip_v`
//! on every addressed record, ICMP flows keyed by type and tunnel depth.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn a_tcp_query_with_16k_names_on_port_1053_is_dns_and_its_names_are_cut() {
    // One 16,332-byte segment carries the start of a 16,773-byte message
    // whose first name alone is 7,764 bytes: more than the detection
    // buffer holds, and more than the buffer's share of the segment.
    let Some(events) = sv_records(
        "truncated_rname",
        "dns--dns-truncated-rname",
        true,
        &[
            "--set",
            "app-layer.protocols.dns.tcp.detection-ports.dp=1053",
        ],
    ) else {
        return;
    };
    let dns = of_type(&events, "dns");
    assert_eq!(dns.len(), 1, "{dns:?}");
    let q = &dns[0]["dns"]["queries"][0];
    assert_eq!(q["rrname_truncated"], true);
    assert_eq!(q["rrname"].as_str().unwrap().len(), 1025);
    // The NAME_TOO_LONG rule's alert carries the query that raised it.
    let alerts = alerts_of(&events, 224008);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["dns"]["queries"][0]["rrname_truncated"], true);
}

#[test]
fn an_app_layer_event_alert_carries_its_transaction() {
    let Some(events) = sv_records(
        "corrupt_additionals",
        "dns--dns-corrupt-additionals",
        true,
        &[],
    ) else {
        return;
    };
    let alerts = alerts_of(&events, 2240008);
    assert_eq!(alerts.len(), 1);
    let dns = &alerts[0]["dns"];
    assert_eq!(dns["queries"][0]["rrtype"], "SRV");
    assert_eq!(dns["type"], "response");
    assert_eq!(alerts[0]["direction"], "to_client");
}

#[test]
fn protocol_records_carry_the_macs_of_their_direction() {
    let Some(events) = sv_records("mac_eve", "mac-eve-single", false, &[]) else {
        return;
    };
    let dns = of_type(&events, "dns");
    assert_eq!(dns.len(), 1);
    assert_eq!(dns[0]["ether"]["src_mac"], "f8:59:71:a9:05:60");
    assert_eq!(dns[0]["ether"]["dest_mac"], "0c:c4:7a:ac:83:d7");
    // Two queries and their answers: each record has its own packet's MACs.
    let Some(events) = sv_records(
        "mac_eve_both_ways",
        "dns--dns-udp-double-request-response",
        false,
        &[],
    ) else {
        return;
    };
    let (client, server) = ("d8:cb:8a:ed:a1:46", "00:15:17:0d:06:f7");
    let dns = of_type(&events, "dns");
    assert_eq!(dns.len(), 4);
    for d in dns {
        let (src, dst) = if d["dns"]["type"] == "request" {
            (client, server)
        } else {
            (server, client)
        };
        assert_eq!(d["ether"]["src_mac"], src, "{d}");
        assert_eq!(d["ether"]["dest_mac"], dst, "{d}");
    }
}

#[test]
fn a_decode_anomaly_carries_its_frames_ethernet_header() {
    // One frame of ethertype 0xfbb7: no IP, so no addresses, but the
    // ether object says what the frame claimed to carry (host order, as
    // Suricata 8.0.2 has it).
    let Some(events) = sv_records("unknown_ethertype", "decode-unknown-2", false, &[]) else {
        return;
    };
    let anomalies = of_type(&events, "anomaly");
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    let a = anomalies[0];
    assert_eq!(a["anomaly"]["event"], "decoder.ethernet.unknown_ethertype");
    assert_eq!(a["ether"]["ether_type"], 0xfbb7);
    assert_eq!(a["ether"]["src_mac"], "98:90:96:a0:44:ea");
    assert!(a.get("ip_v").is_none(), "{a}");
}

#[test]
fn every_addressed_record_says_its_ip_version() {
    let Some(events) = sv_records("ip_v", "bug-4877", true, &[]) else {
        return;
    };
    // The pipeline's own records (behavioural alerts aside, which are
    // Taishi's and built from these).
    let addressed: Vec<&Value> = ["flow", "fileinfo", "ftp", "ftp_data"]
        .iter()
        .flat_map(|t| of_type(&events, t))
        .collect();
    assert!(addressed.len() > 10);
    for e in addressed {
        assert_eq!(e["ip_v"], 4, "{e}");
    }
    let Some(events) = sv_records("ip_v6", "netflow_compress_ipv6", false, &[]) else {
        return;
    };
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["ip_v"], 6);
}

#[test]
fn icmp_flows_are_keyed_by_type_and_tunnel_depth() {
    // An echo request and a reply sent the same way, once bare and once
    // inside IPv6: four flows of one packet each, as Suricata 8 has it.
    let Some(events) = sv_records(
        "tunnel_icmp",
        "flow-pkt-recursion--ids-tunnel-pkt-flows-recursion-included",
        false,
        &[],
    ) else {
        return;
    };
    let icmp: Vec<_> = of_type(&events, "flow")
        .into_iter()
        .filter(|f| f["proto"] == "ICMP")
        .collect();
    assert_eq!(icmp.len(), 4, "{icmp:?}");
    for f in &icmp {
        assert_eq!(f["flow"]["pkts_toserver"], 1);
        assert_eq!(f["flow"]["pkts_toclient"], 0);
    }
    // A request answered the other way is one flow.
    let Some(events) = sv_records(
        "middleware_icmp",
        "flow-pkt-recursion--ids-middleware-pkt-flows-recursion-included",
        false,
        &[],
    ) else {
        return;
    };
    let both: Vec<_> = of_type(&events, "flow")
        .into_iter()
        .filter(|f| f["proto"] == "ICMP" && f["flow"]["pkts_toclient"] == 1)
        .collect();
    assert_eq!(both.len(), 1);
}
