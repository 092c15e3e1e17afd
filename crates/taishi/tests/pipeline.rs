//! End to end on generated traffic: generate → analyze, with one and with
//! two workers, and the run's accounting.

mod common;

use std::collections::BTreeSet;

use common::*;

fn flow_set(events: &[serde_json::Value]) -> BTreeSet<String> {
    of_type(events, "flow")
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}:{} {} {} {} {} {}",
                f["proto"],
                f["src_ip"],
                f["src_port"],
                f["dest_ip"],
                f["dest_port"],
                f["flow"]["pkts_toserver"],
                f["flow"]["pkts_toclient"],
                f["flow"]["bytes_toserver"],
                f["flow"]["bytes_toclient"],
                f["flow_id"],
            )
        })
        .collect()
}

#[test]
fn generated_demo_one_and_two_threads_agree() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("demo.pcap");
    let o = taishi()
        .args([
            "generate",
            "--scenario",
            "demo",
            "--seed",
            "3",
            "--scale",
            "0.2",
            "--out",
        ])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("demo.labels.json")).unwrap())
            .unwrap();
    assert!(!labels["attacks"].as_array().unwrap().is_empty());

    let eve1 = dir.path().join("eve1.json");
    let o1 = analyze(&[&pcap], &eve1, &["--threads", "1"]);
    assert!(
        o1.status.success(),
        "{}",
        String::from_utf8_lossy(&o1.stderr)
    );
    let eve2 = dir.path().join("eve2.json");
    let o2 = analyze(&[&pcap], &eve2, &["--threads", "2"]);
    assert!(
        o2.status.success(),
        "{}",
        String::from_utf8_lossy(&o2.stderr)
    );

    let e1 = read_eve(&eve1);
    let e2 = read_eve(&eve2);
    let f1 = flow_set(&e1);
    assert!(f1.len() > 100, "only {} flows", f1.len());
    assert_eq!(
        f1,
        flow_set(&e2),
        "one and two workers must see the same flows"
    );

    // Protocols are detected on the generated services, and only on
    // transports that carry them.
    let flows = of_type(&e1, "flow");
    for proto in ["dns", "http", "tls", "ssh", "smtp", "modbus"] {
        assert!(
            flows.iter().any(|f| f["app_proto"] == proto),
            "no {proto} flow"
        );
    }
    assert!(
        flows
            .iter()
            .filter(|f| f["proto"] == "ICMP")
            .all(|f| f.get("app_proto").is_none()),
        "an ICMP flow got an app_proto"
    );

    // Every packet is accounted to exactly one flow or counted as non-flow.
    let stats1 = &of_type(&e1, "stats")[0]["stats"];
    let stats2 = &of_type(&e2, "stats")[0]["stats"];
    assert_eq!(stats1["decoder"]["pkts"], stats2["decoder"]["pkts"]);
    assert_eq!(stats1["capture"]["packets"], stats2["capture"]["packets"]);

    // The summary paragraph names the EVE file and the packet count.
    let summary = String::from_utf8_lossy(&o1.stderr);
    assert!(
        summary.contains("Analysed") && summary.contains("eve1.json"),
        "{summary}"
    );
}
