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

#[test]
fn app_layer_off_names_no_protocol_and_logs_no_records() {
    // `app-layer.enabled: no` is the decode + flow pipeline alone: every
    // flow is still recorded, none gets a protocol, no protocol record is
    // written, and a TCP flow that carried bytes both ways is `failed` as
    // Suricata marks flows no parser took.
    let dir = tempfile::tempdir().unwrap();
    let pcap = demo_capture(dir.path());
    let on = dir.path().join("on.json");
    let off = dir.path().join("off.json");
    assert!(analyze(&[&pcap], &on, &["--no-progress"]).status.success());
    let o = analyze(
        &[&pcap],
        &off,
        &["--no-progress", "--set", "app-layer.enabled=no"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (on, off) = (read_eve(&on), read_eve(&off));
    assert_eq!(flow_set(&on), flow_set(&off));
    for t in ["http", "dns", "tls", "ssh", "modbus", "fileinfo"] {
        assert!(!of_type(&on, t).is_empty(), "the demo has {t}");
        assert!(of_type(&off, t).is_empty(), "{t} logged with the stage off");
    }
    let flows = of_type(&off, "flow");
    assert!(
        flows
            .iter()
            .all(|f| f["app_proto"].is_null() || f["app_proto"] == "failed")
    );
    let both_ways = |f: &&&serde_json::Value| {
        f["proto"] == "TCP"
            && f["flow"]["bytes_toserver"].as_u64() > Some(1000)
            && f["flow"]["bytes_toclient"].as_u64() > Some(1000)
    };
    let talked: Vec<_> = flows.iter().filter(both_ways).collect();
    assert!(!talked.is_empty());
    assert!(
        talked.iter().all(|f| f["app_proto"] == "failed"),
        "{talked:?}"
    );
}
