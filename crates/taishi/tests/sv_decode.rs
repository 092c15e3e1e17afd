//! Packet-level detection as Suricata does it, end to end on published
//! captures (suricata-verify cases under `../shared/corpus/suricata-verify`,
//! skipped when absent): checksum keywords and the checksum settings,
//! decoder events of unknown IP protocols and bad IPv4 options with the
//! frame's MAC addresses, `ip_v` in every record with addresses,
//! `app-layer-protocol` with its modes, rules on every layer of a tunnel
//! with `pass` first, and DHCP recognised.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn tcpv4_csum_invalid_finds_the_offloaded_segments_whatever_the_stream_setting() {
    // The client's SYN and its request were captured before NIC offload
    // filled their checksums; everything else is right.
    for validation in ["yes", "no"] {
        let set = format!("stream.checksum-validation={validation}");
        let Some(events) = sv_records(
            "tcpv4_csum",
            "detect-chksum-01",
            true,
            &["--set", "checksum-checks=auto", "--set", &set],
        ) else {
            return;
        };
        let alerts = alerts_of(&events, 1);
        let pkts: Vec<_> = alerts
            .iter()
            .map(|a| a["flow"]["pkts_toserver"].as_u64().unwrap())
            .collect();
        assert_eq!(pkts, [1, 3], "{validation}: {alerts:?}");
        assert_eq!(alerts[0]["direction"], "to_server");
        assert_eq!(alerts[0]["dest_port"], 80);
    }
}

#[test]
fn checksum_keywords_take_every_checksum_as_valid_under_checksum_checks_none() {
    // Suricata's `-k none` marks packets' checksums as not to be trusted:
    // `invalid` never matches then.
    let Some(events) = sv_records("csum_none", "detect-chksum-01", true, &[]) else {
        return;
    };
    assert!(alerts_of(&events, 1).is_empty());
}

#[test]
fn an_unknown_ip_protocol_raises_its_decoder_event_and_records_carry_ip_v() {
    // One IPv4 packet of protocol 253 (reserved for experiments).
    let Some(events) = sv_records("unknown_proto", "bug-7146", true, &[]) else {
        return;
    };
    let alerts = alerts_of(&events, 1);
    assert_eq!(alerts.len(), 1, "{events:?}");
    assert_eq!(alerts[0]["proto"], "253");
    assert_eq!(alerts[0]["ip_v"], 4);
    let anomalies = of_type(&events, "anomaly");
    assert_eq!(anomalies.len(), 1);
    assert_eq!(
        anomalies[0]["anomaly"]["event"],
        "decoder.ipv4.unknown_protocol"
    );
    // The flow of that protocol is still tracked.
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["ip_v"], 4);
}

#[test]
fn decoder_anomalies_carry_the_frames_mac_addresses() {
    // The third packet's IPv4 options are malformed: an option runs past
    // the header, and the header is not padded out.
    let Some(events) = sv_records("anomaly_ether", "bug-7414-decoder-event-01", true, &[]) else {
        return;
    };
    let anomalies = of_type(&events, "anomaly");
    let names: Vec<_> = anomalies
        .iter()
        .map(|a| a["anomaly"]["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "decoder.ipv4.opt_pad_required",
            "decoder.ipv4.opt_invalid_len",
            "decoder.ipv4.opt_invalid_len"
        ]
    );
    for a in &anomalies {
        assert_eq!(a["ether"]["src_mac"], "f6:3a:04:28:26:77", "{a}");
        assert_eq!(a["ether"]["dest_mac"], "fe:2d:cf:ad:28:54", "{a}");
    }
    assert_eq!(alerts_of(&events, 2200005).len(), 1);
}

#[test]
fn app_layer_protocol_modes_read_each_directions_protocol_once_decided() {
    // An HTTP request to port 22, answered by an SSH server: the client's
    // bytes are HTTP, the server's SSH. The rule has only protocol
    // conditions (Suricata's "PD-only"): it looks at the packet where the
    // server's protocol was decided, not at every server packet after.
    let Some(events) = sv_records("alproto_modes", "detect-app-layer-protocol-05", true, &[])
    else {
        return;
    };
    let alerts = alerts_of(&events, 1);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["direction"], "to_client");
    assert_eq!(alerts[0]["src_port"], 22);
    let flow = &of_type(&events, "flow")[0];
    assert_eq!(flow["app_proto"], "http");
    assert_eq!(flow["app_proto_tc"], "ssh");
}

#[test]
fn every_tunnel_layer_is_a_packet_to_the_rules_and_pass_rules_come_first() {
    // Geneve (UDP 6081) carrying Ethernet, IPv4 and GRE, carrying an
    // IPv4/TCP HTTP session: 12 frames. `pass udp ... 6081` comes after
    // `alert udp ... 6081` in the file and still silences the outer flow.
    let Some(events) = sv_records("tunnel_layers", "bug-6402-01", true, &[]) else {
        return;
    };
    let count = |sid, proto: &str| {
        alerts_of(&events, sid)
            .iter()
            .filter(|a| a["proto"] == proto)
            .count()
    };
    // The GRE layer has no flow: every packet meets the IP-only rule.
    assert_eq!(count(5554, "GRE"), 12);
    assert_eq!(count(5555, "GRE"), 12, "ip_proto:47");
    assert_eq!(count(5556, "GRE"), 12, "ip_proto:gre");
    // The inner TCP flow meets it once per direction.
    assert_eq!(count(5554, "TCP"), 2);
    assert!(alerts_of(&events, 2).is_empty(), "passed before it alerts");
    assert_eq!(count(5554, "UDP"), 0);
    let flows = of_type(&events, "flow");
    let alerted = |proto: &str| {
        flows
            .iter()
            .find(|f| f["proto"] == proto)
            .map(|f| f["flow"]["alerted"].clone())
    };
    assert_eq!(alerted("UDP"), Some(Value::Bool(false)));
    assert_eq!(alerted("TCP"), Some(Value::Bool(true)));
}

#[test]
fn dhcp_is_recognised_by_its_bootp_header_and_cookie() {
    // A DHCP discover from 0.0.0.0:68 to the broadcast address among
    // Teredo, DNS and HTTP traffic.
    let Some(events) = sv_records("dhcp", "decode-teredo-01", true, &[]) else {
        return;
    };
    let dhcp: Vec<_> = of_type(&events, "flow")
        .into_iter()
        .filter(|f| f["dest_port"] == 67)
        .collect();
    assert_eq!(dhcp.len(), 1);
    assert_eq!(dhcp[0]["app_proto"], "dhcp");
    assert_eq!(dhcp[0]["src_ip"], "0.0.0.0");
}
