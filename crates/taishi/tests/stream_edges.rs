//! TCP tracking at its edges, end to end on published captures
//! (suricata-verify cases under `../shared/corpus/suricata-verify`, skipped
//! when absent): a RST nobody can verify, and sessions of which only the
//! server's side was captured.

mod common;

use common::*;
use serde_json::Value;

fn stream_anomalies(events: &[Value], name: &str) -> usize {
    of_type(events, "anomaly")
        .iter()
        .filter(|a| a["anomaly"]["type"] == "stream" && a["anomaly"]["event"] == name)
        .count()
}

/// security-4710-01 (MD5 option) and -02 (TCP-AO): the client sends a
/// signed RST right after the handshake, then its request. The RST is
/// taken as forged: the request and its response are still parsed, and
/// the packet after the RST is flagged once.
#[test]
fn signed_rst_followed_by_its_sender_talking_is_suspected_injection() {
    for (case, url) in [
        ("security-4710-01", "/ultrasurf.html"),
        ("security-4710-02", "/"),
    ] {
        let Some(events) = sv_records("signed_rst", case, false, &[]) else {
            return;
        };
        let http = of_type(&events, "http");
        assert_eq!(http.len(), 1, "{case}");
        assert_eq!(http[0]["http"]["url"], url, "{case}");
        assert_eq!(http[0]["http"]["status"], 200, "{case}");
        assert_eq!(
            stream_anomalies(&events, "stream.suspected_rst_inject"),
            1,
            "{case}"
        );
    }
}

/// http-async-srv holds only the server's side, from its SYN-ACK on. With
/// `stream.async-oneside` the session is picked up there and both
/// responses are parsed (each unmatched to a request); without it (and
/// without midstream) no session is made, as in Suricata.
#[test]
fn server_side_only_session_is_picked_up_under_async_oneside() {
    let Some(events) = sv_records(
        "async_oneside",
        "http-async-srv",
        false,
        &["--set", "stream.async-oneside=true"],
    ) else {
        return;
    };
    let http = of_type(&events, "http");
    assert_eq!(http.len(), 2);
    assert!(http.iter().all(|h| h["http"]["status"] == 200));
    // The server acknowledges client bytes we never saw: no gap, since
    // nothing of that stream followed.
    assert_eq!(stream_anomalies(&events, "stream.reassembly_seq_gap"), 0);

    let Some(events) = sv_records("async_oneside_off", "http-async-srv", false, &[]) else {
        return;
    };
    assert!(of_type(&events, "http").is_empty());
}

/// stream-async-6063-srv-02: a midstream pick-up at the server's SYN-ACK.
/// The client's bytes the server acknowledges were never captured; that is
/// no gap (Suricata's `CheckGap`), so detection still finds HTTP in the
/// response and the flow is not `failed`.
#[test]
fn ack_of_never_seen_bytes_does_not_fail_detection() {
    let Some(events) = sv_records(
        "ack_unseen",
        "stream-async--http--stream-async-6063-srv-02",
        false,
        &["--set", "stream.midstream=true"],
    ) else {
        return;
    };
    let flows = of_type(&events, "flow");
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["app_proto"], "http");
    assert_eq!(of_type(&events, "http").len(), 1);
    assert_eq!(stream_anomalies(&events, "stream.reassembly_seq_gap"), 0);
}
