//! Protocol detection in both directions, end to end on published captures
//! (suricata-verify cases under `../shared/corpus/suricata-verify`,
//! skipped when absent): each direction's first bytes are probed, and two
//! different protocols raise `APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS`
//! (and the flow record names the other one, `app_proto_tc`); a parser can
//! hand its flow back for detection (TLS in an HTTP CONNECT tunnel).

mod common;

use common::*;
use serde_json::Value;

fn mismatches(events: &[Value]) -> usize {
    of_type(events, "anomaly")
        .iter()
        .filter(|a| {
            a["anomaly"]["event"] == "APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS"
                && a["anomaly"]["layer"] == "proto_detect"
                && a["anomaly"]["type"] == "applayer"
        })
        .count()
}

#[test]
fn an_http_client_answered_by_ssh_is_a_mismatch() {
    let Some(events) = sv_records("http_to_ssh_mismatch", "output-eve-anomaly-02", false, &[])
    else {
        return;
    };
    assert_eq!(mismatches(&events), 1);
}

#[test]
fn a_plain_http_session_is_no_mismatch() {
    // Requests and responses of one protocol: the response direction's
    // first bytes are HTTP too.
    let Some(events) = sv_records(
        "http_no_mismatch",
        "filestore-v2.6-stream-depth",
        false,
        &[],
    ) else {
        return;
    };
    assert!(!of_type(&events, "http").is_empty());
    assert_eq!(mismatches(&events), 0);
}

/// proto-mismatch-http-ssh: an HTTP client answered by an SSH server. The
/// flow stays `http` (its parser had the bytes first) and its record names
/// the server's protocol, as Suricata's does.
#[test]
fn the_flow_record_names_the_other_directions_protocol() {
    let Some(events) = sv_records("app_proto_tc", "proto-mismatch-http-ssh", false, &[]) else {
        return;
    };
    assert_eq!(mismatches(&events), 1);
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["app_proto"], "http");
    assert_eq!(flows[0]["app_proto_tc"], "ssh");
    assert!(flows[0].get("app_proto_ts").is_none());
}

/// http-connect-tls: after `CONNECT abc:443` is answered 200, the client
/// sends a TLS record header in the tunnel. As in Suricata, the HTTP parser
/// hands the flow back for detection: the CONNECT is logged, and the flow
/// record keeps `app_proto_orig: http`. (The capture's record is an empty
/// SSLv3 handshake record, which Suricata's three-byte patterns take for
/// TLS but our TLS probe, which wants a ClientHello, does not; so the
/// flow's `app_proto` is not asserted here.)
#[test]
fn a_non_http_connect_tunnel_changes_the_flows_protocol() {
    let Some(events) = sv_records("connect_tls", "http-connect--http-connect-tls", false, &[])
    else {
        return;
    };
    let http = of_type(&events, "http");
    assert_eq!(http.len(), 1);
    assert_eq!(http[0]["http"]["http_method"], "CONNECT");
    assert_eq!(http[0]["http"]["status"], 200);
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_ne!(flows[0]["app_proto"], "http");
    assert_eq!(flows[0]["app_proto_orig"], "http");
    assert_eq!(mismatches(&events), 0);
    // A plain HTTP session has neither.
    let Some(events) = sv_records(
        "connect_tls_plain",
        "filestore-v2.6-stream-depth",
        false,
        &[],
    ) else {
        return;
    };
    let flows = of_type(&events, "flow");
    assert!(
        flows
            .iter()
            .all(|f| f.get("app_proto_orig").is_none() && f.get("app_proto_tc").is_none())
    );
}
