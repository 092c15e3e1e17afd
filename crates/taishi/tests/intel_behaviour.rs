//! Intelligence and behavioural detection end to end: the intel store from
//! the command line, and the generated demo traffic's labelled attacks
//! found by the detectors the binary runs by default.

mod common;

use std::collections::BTreeSet;

use common::*;

/// EVE records of one run.
fn records(eve: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(eve)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn intel_store_imports_and_matches_the_demo_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("demo.pcap");
    let o = taishi()
        .args(["generate", "--scenario", "demo", "--out"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A domain the demo's hosts resolve, its subdomain rule, and the SSH
    // brute forcer's address.
    let iocs = dir.path().join("iocs.txt");
    std::fs::write(
        &iocs,
        "windowsupdate.com\n203.0.113.45\n# a comment\nnot an indicator!\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let o = taishi()
        .args(["intel", "import", "--source", "test", "--intel-dir"])
        .arg(&store)
        .arg(&iocs)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = taishi()
        .args(["intel", "stats", "--json", "--intel-dir"])
        .arg(&store)
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(stats["total"], 2, "{stats}");
    assert_eq!(stats["by_source"]["test"], 2);

    let eve = dir.path().join("eve.json");
    let o = taishi()
        .arg("analyze")
        .arg(&pcap)
        .args(["--no-progress", "--intel-dir"])
        .arg(&store)
        .arg("--eve")
        .arg(&eve)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let intel: Vec<_> = records(&eve)
        .into_iter()
        .filter(|r| r["event_type"] == "alert" && r["alert"]["gid"] == 2)
        .collect();
    let sigs: BTreeSet<String> = intel
        .iter()
        .map(|r| r["alert"]["signature"].as_str().unwrap().to_string())
        .collect();
    assert!(
        sigs.iter().any(|s| s.contains("windowsupdate.com")),
        "no domain hit: {sigs:?}"
    );
    assert!(
        sigs.iter().any(|s| s.contains("203.0.113.45")),
        "no address hit: {sigs:?}"
    );
}

#[test]
fn behaviour_detects_every_labelled_demo_attack() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("demo.pcap");
    let o = taishi()
        .args(["generate", "--scenario", "demo", "--seed", "7", "--out"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let eve = dir.path().join("eve.json");
    let o = taishi()
        .arg("analyze")
        .arg(&pcap)
        .args(["--no-progress", "--eve"])
        .arg(&eve)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let alerts: Vec<_> = records(&eve)
        .into_iter()
        .filter(|r| r["event_type"] == "alert" && r["alert"]["gid"] == 3)
        .collect();
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("demo.labels.json")).unwrap(),
    )
    .unwrap();
    let attacks = labels["attacks"].as_array().expect("labels have attacks");
    assert!(!attacks.is_empty());
    for a in attacks {
        let technique = a["technique"].as_str().unwrap();
        let attacker = a["attacker"].as_str().unwrap();
        // The detector's technique may be the parent of the label's
        // sub-technique (T1071 for T1071.001) or the same.
        let found = alerts.iter().any(|r| {
            r["src_ip"] == attacker
                && r["alert"]["metadata"]["mitre_technique_id"]
                    .as_array()
                    .is_some_and(|ids| {
                        ids.iter().filter_map(|i| i.as_str()).any(|id| {
                            technique == id
                                || technique.starts_with(&format!("{id}."))
                                || id.starts_with(&format!("{technique}."))
                        })
                    })
        });
        assert!(found, "attack {a} not detected; alerts: {alerts:?}");
    }
}
