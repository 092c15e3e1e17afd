//! Protocol detection in both directions, end to end on published captures
//! (suricata-verify cases under `../shared/corpus/suricata-verify`,
//! skipped when absent): each direction's first bytes are probed, and two
//! different protocols raise `APPLAYER_MISMATCH_PROTOCOL_BOTH_DIRECTIONS`.

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

fn run_case(test: &str, name: &str) -> Option<Vec<Value>> {
    let Some(s) = shared() else {
        eprintln!("{test}: skipped: ../shared is not present");
        return None;
    };
    let pcap = s
        .join("corpus/suricata-verify")
        .join(name)
        .join("input.pcap");
    if !pcap.exists() {
        eprintln!("{test}: skipped: {} is absent", pcap.display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let o = analyze(&[&pcap], &eve, &["--set", "checksum-checks=none"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(read_eve(&eve))
}

#[test]
fn an_http_client_answered_by_ssh_is_a_mismatch() {
    let Some(events) = run_case("http_to_ssh_mismatch", "output-eve-anomaly-02") else {
        return;
    };
    assert_eq!(mismatches(&events), 1);
}

#[test]
fn a_plain_http_session_is_no_mismatch() {
    // Requests and responses of one protocol: the response direction's
    // first bytes are HTTP too.
    let Some(events) = run_case("http_no_mismatch", "filestore-v2.6-stream-depth") else {
        return;
    };
    assert!(!of_type(&events, "http").is_empty());
    assert_eq!(mismatches(&events), 0);
}
