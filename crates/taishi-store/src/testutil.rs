//! Synthetic EVE records for the tests.

use serde_json::json;
use taishi_core::Timestamp;

/// 2024-05-01T10:00:00Z, the base of the synthetic records.
pub(crate) const T0: u64 = 1_714_557_600;
pub(crate) const NS: u64 = 1_000_000_000;

pub(crate) fn eve_time(secs: u64) -> String {
    Timestamp::new(secs, 0).to_string()
}

pub(crate) fn flow_line(
    secs: u64,
    src: &str,
    dst: &str,
    dport: u16,
    app: Option<&str>,
    bytes: u64,
) -> String {
    let mut v = json!({
        "timestamp": eve_time(secs + 5), "flow_id": secs * 7 + u64::from(dport),
        "event_type": "flow", "src_ip": src, "src_port": 40000, "dest_ip": dst,
        "dest_port": dport, "proto": "TCP",
        "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": bytes,
            "bytes_toclient": 100, "start": eve_time(secs), "end": eve_time(secs + 4),
            "state": "closed", "alerted": false}
    });
    if let Some(a) = app {
        v["app_proto"] = json!(a);
    }
    v.to_string()
}

pub(crate) fn alert_line(secs: u64, src: &str, dst: &str, sid: u32, severity: u8) -> String {
    json!({
        "timestamp": eve_time(secs), "flow_id": 99, "event_type": "alert",
        "src_ip": src, "src_port": 40000, "dest_ip": dst, "dest_port": 22, "proto": "TCP",
        "app_proto": "ssh",
        "alert": {"action": "allowed", "gid": 3, "signature_id": sid, "rev": 1,
            "signature": format!("TAISHI test {sid}"), "category": "Attempted Administrator Privilege Gain",
            "severity": severity,
            "metadata": {"mitre_technique_id": ["T1110"], "mitre_tactic_id": ["TA0006"]}}
    })
    .to_string()
}

pub(crate) fn dns_line(secs: u64, name: &str) -> String {
    json!({"timestamp": eve_time(secs), "flow_id": 5, "event_type": "dns",
        "src_ip": "10.0.0.9", "src_port": 5353, "dest_ip": "10.0.0.1", "dest_port": 53,
        "proto": "UDP", "dns": {"type": "query", "id": 1, "rrname": name, "rrtype": "A"}})
    .to_string()
}

pub(crate) fn lines(ls: &[String]) -> Vec<u8> {
    let mut out = ls.join("\n").into_bytes();
    out.push(b'\n');
    out
}

/// The real EVE sample (`taishi analyze` on the demo scenario), see
/// testdata/make_sample.sh.
pub(crate) fn demo_sample() -> Vec<u8> {
    use std::io::Read;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/demo-sample.json.gz");
    let file = std::fs::File::open(path).expect("testdata/demo-sample.json.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .expect("gunzip the sample");
    out
}
