//! HTTP end to end: every capture of the corpus's `http/` folder through
//! the binary, each connection's transactions compared in order with what
//! tshark 4.0 dissects: request method, URI and Host, and response status.
//! Connections are keyed by the client's port.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// One transaction: method, URI, host (lower case, no port), status.
type Txn = (String, String, String, Option<u64>);

fn host_only(h: &str) -> String {
    let h = h.trim().to_ascii_lowercase();
    match h.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains(']') => {
            name.to_string()
        }
        _ => h,
    }
}

/// tshark's transactions by client port: requests in order, then the
/// response codes in order.
fn shark_view(pcap: &Path) -> BTreeMap<u64, Vec<Txn>> {
    let mut m: BTreeMap<u64, Vec<Txn>> = BTreeMap::new();
    for row in tshark_fields(
        pcap,
        "http.request",
        &[
            "tcp.srcport",
            "http.request.method",
            "http.request.uri",
            "http.host",
        ],
    ) {
        let Some(port) = row.first().and_then(|p| p.parse().ok()) else {
            continue;
        };
        let get = |i: usize| row.get(i).cloned().unwrap_or_default();
        m.entry(port)
            .or_default()
            .push((get(1), get(2), host_only(&get(3)), None));
    }
    let mut answered: BTreeMap<u64, usize> = BTreeMap::new();
    for row in tshark_fields(
        pcap,
        "http.response",
        &["tcp.dstport", "http.response.code"],
    ) {
        let Some(port) = row.first().and_then(|p| p.parse::<u64>().ok()) else {
            continue;
        };
        let code: Option<u64> = row.get(1).and_then(|c| c.parse().ok());
        // Interim answers (100 Continue) do not end a transaction.
        if code.is_some_and(|c| (100..200).contains(&c) && c != 101) {
            continue;
        }
        let n = answered.entry(port).or_default();
        if let Some(t) = m.get_mut(&port).and_then(|v| v.get_mut(*n)) {
            t.3 = code;
        }
        *n += 1;
    }
    m
}

fn taishi_view(events: &[serde_json::Value]) -> BTreeMap<u64, Vec<Txn>> {
    let mut m: BTreeMap<u64, Vec<(u64, Txn)>> = BTreeMap::new();
    for e in of_type(events, "http") {
        let h = &e["http"];
        let s = |k: &str| h[k].as_str().unwrap_or_default().to_string();
        let port = e["src_port"].as_u64().unwrap_or_default();
        let tx = e["tx_id"].as_u64().unwrap_or_default();
        m.entry(port).or_default().push((
            tx,
            (
                s("http_method"),
                s("url"),
                s("hostname"),
                h["status"].as_u64(),
            ),
        ));
    }
    m.into_iter()
        .map(|(p, mut v)| {
            v.sort_by_key(|(id, _)| *id);
            (p, v.into_iter().map(|(_, t)| t).collect())
        })
        .collect()
}

#[test]
fn http_transactions_match_tshark_fields() {
    let Some(pcaps) = corpus_pcaps("http_transactions_match_tshark") else {
        return;
    };
    if !have("tshark") {
        eprintln!("http_transactions_match_tshark: skipped: tshark is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for pcap in captures_under(&pcaps.join("http")) {
        let eve = dir.path().join("eve.json");
        let o = analyze(&[&pcap], &eve, &["--set", "stream.midstream=true"]);
        assert!(
            o.status.success(),
            "{}: {}",
            pcap.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let ours = taishi_view(&read_eve(&eve));
        let theirs = shark_view(&pcap);
        for (port, want) in &theirs {
            let got = ours.get(port).cloned().unwrap_or_default();
            // Requests: every one tshark sees, in order, with its host.
            let req = |v: &[Txn]| -> Vec<(String, String, String)> {
                v.iter()
                    .map(|t| (t.0.clone(), t.1.clone(), t.2.clone()))
                    .collect()
            };
            assert_eq!(
                req(&got).get(..want.len()).map(<[_]>::to_vec),
                Some(req(want)),
                "{} client port {port}",
                pcap.display()
            );
            // Responses: every status tshark pairs with a request.
            for (i, w) in want.iter().enumerate() {
                if w.3.is_some() {
                    assert_eq!(got[i].3, w.3, "{} port {port} tx {i}", pcap.display());
                }
            }
            compared += want.len();
        }
    }
    assert!(compared >= 20, "only {compared} transactions compared");
}

/// A session closed by the FIN exchange ends its transactions at the
/// close, as Suricata's app layer gets its end of stream once the session
/// is `TCP_CLOSED`, not when the flow times out. http_09.pcap holds
/// HTTP/0.9 exchanges whose responses run until the server closes; each
/// session's http record must be written before the next session's
/// records (before, all waited for the end of the capture), stamped with
/// the packet that closed it.
#[test]
fn a_session_closed_by_fins_logs_its_transactions_at_the_close() {
    let Some(pcaps) = corpus_pcaps("a_session_closed_by_fins_logs_its_transactions_at_the_close")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    ok(&analyze(&[&pcaps.join("http/http_09.pcap")], &eve, &[]));
    let events = read_eve(&eve);
    let http = of_type(&events, "http");
    assert_eq!(http.len(), 3, "{http:?}");
    // Frame 10, the ACK of the server's FIN, closes the first session.
    assert_eq!(http[0]["timestamp"], "2022-11-18T12:23:36.063688+0000");
    // Records written as packets are handled come in time order; only
    // the flow records and stats written at the end of the capture step
    // back.
    let stamps: Vec<&str> = events
        .iter()
        .filter(|e| !matches!(e["event_type"].as_str(), Some("flow" | "stats")))
        .map(|e| e["timestamp"].as_str().unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "records out of time order: {stamps:?}"
    );
}
