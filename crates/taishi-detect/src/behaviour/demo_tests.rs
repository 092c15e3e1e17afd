//! The detectors against the pipeline's own records of labelled traffic:
//! `taishi generate` writes the demo (with its attacks' labels) and the
//! benign scenario, `taishi analyze` turns them into EVE, and every record
//! goes through [`Behaviour`] as the pipeline will hand it over.
//!
//! The `taishi` binary is a later stage than this crate, so it is found,
//! not built: `$TAISHI_BIN`, else `debug/taishi` under `$CARGO_TARGET_DIR`
//! or the workspace's `target`. Without it the tests say so and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::common::parse_time;
use super::{Behaviour, BehaviourConfig};
use crate::observe::Observer;

fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TAISHI_BIN") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut candidates = Vec::new();
    if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("debug/taishi"));
    }
    candidates.push(root.join("target/debug/taishi"));
    candidates.push(root.join("target/release/taishi"));
    candidates.into_iter().find(|p| p.is_file())
}

/// Analyses `pcap` with the binary into `eve` and reads the records back.
fn analyze(bin: &Path, pcap: &Path, eve: &Path) -> Option<Vec<Value>> {
    let ok = Command::new(bin)
        .args(["analyze", "--no-progress", "--eve"])
        .arg(eve)
        .arg(pcap)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "skipping: {} analyze {} failed",
            bin.display(),
            pcap.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(eve).ok()?;
    Some(
        text.lines()
            .map(|l| serde_json::from_str(l).expect("the pipeline writes JSON lines"))
            .collect(),
    )
}

fn scratch(name: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("taishi-behaviour-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Generates `scenario`, analyses it, and returns its EVE records and labels.
fn records(scenario: &str) -> Option<(Vec<Value>, Value)> {
    let Some(bin) = binary() else {
        eprintln!("skipping: no taishi binary (set TAISHI_BIN or build crates/taishi)");
        return None;
    };
    let dir = scratch(scenario)?;
    let pcap = dir.join(format!("{scenario}.pcap"));
    let ok = Command::new(&bin)
        .args(["generate", "--scenario", scenario, "--out"])
        .arg(&pcap)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: {} generate failed", bin.display());
        return None;
    }
    let recs = analyze(&bin, &pcap, &dir.join(format!("{scenario}.eve.json")))?;
    let labels_path = dir.join(format!("{scenario}.labels.json"));
    let labels = serde_json::from_str(&std::fs::read_to_string(labels_path).ok()?).ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some((recs, labels))
}

fn run(recs: &[Value]) -> Vec<Value> {
    run_with(recs, BehaviourConfig::default())
}

fn run_with(recs: &[Value], cfg: BehaviourConfig) -> Vec<Value> {
    let mut b = Behaviour::new(cfg).unwrap();
    let mut out = Vec::new();
    for r in recs {
        b.observe(r, &mut out);
    }
    b.finish(&mut out);
    assert_eq!(b.stats().unreadable, 0, "every pipeline record is readable");
    out
}

fn describe(a: &Value) -> String {
    format!(
        "{} {} -> {} {} {}",
        a["timestamp"],
        a["src_ip"],
        a["dest_ip"],
        a["alert"]["signature"],
        a["alert"]["metadata"]["mitre_technique_id"]
    )
}

/// Whether alert `a` names labelled attack `l`: its technique and
/// attacker, within the attack's time span.
fn explains(l: &Value, a: &Value) -> bool {
    let start = parse_time(l["start"].as_str().unwrap()).unwrap();
    let end = parse_time(l["end"].as_str().unwrap()).unwrap();
    let t = parse_time(a["timestamp"].as_str().unwrap()).unwrap();
    a["src_ip"] == l["attacker"]
        && a["alert"]["metadata"]["mitre_technique_id"]
            .as_array()
            .is_some_and(|ts| ts.contains(&l["technique"]))
        && t >= start
        && t <= end
}

/// Labelled attacks no alert names with the labelled technique and
/// attacker within the attack's time span.
fn missed(labels: &Value, alerts: &[Value]) -> Vec<String> {
    let attacks = labels["attacks"].as_array().expect("labels list attacks");
    assert!(!attacks.is_empty());
    let mut missed = Vec::new();
    for l in attacks {
        if !alerts.iter().any(|a| explains(l, a)) {
            missed.push(format!(
                "{} {} by {}",
                l["kind"], l["technique"], l["attacker"]
            ));
        }
    }
    missed
}

/// Alerts whose source is no labelled attacker.
fn stray(labels: &Value, alerts: &[Value]) -> Vec<String> {
    let attackers: Vec<&Value> = labels["attacks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| &l["attacker"])
        .collect();
    alerts
        .iter()
        .filter(|a| !attackers.contains(&&a["src_ip"]))
        .map(describe)
        .collect()
}

#[test]
fn every_labelled_attack_of_the_demo_is_detected() {
    let Some((recs, labels)) = records("demo") else {
        return;
    };
    let alerts = run(&recs);
    for a in &alerts {
        eprintln!("alert: {}", describe(a));
    }
    let missed = missed(&labels, &alerts);
    assert!(missed.is_empty(), "missed: {missed:?}");
    let stray = stray(&labels, &alerts);
    assert!(
        stray.is_empty(),
        "alerts on hosts that did not attack: {stray:?}"
    );
}

/// Alerts that no label explains: a different attacker, technique or
/// time than every labelled attack. Stricter than [`stray`], for captures
/// whose attackers also do things that must stay quiet.
fn unexplained(labels: &Value, alerts: &[Value]) -> Vec<String> {
    let attacks = labels["attacks"].as_array().expect("labels list attacks");
    alerts
        .iter()
        .filter(|a| !attacks.iter().any(|l| explains(l, a)))
        .map(describe)
        .collect()
}

/// Captures made by testdata/make_*.sh with their labels: every attack
/// detected with its technique and attacker, and nothing else. A capture
/// too short for a detector's default learning window says in its labels
/// how long to learn (`learning_secs`), and the detectors run with that.
fn labelled_capture(name: &str) {
    let Some(bin) = binary() else {
        eprintln!("skipping: no taishi binary (set TAISHI_BIN or build crates/taishi)");
        return;
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/behaviour/testdata");
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(here.join(format!("{name}.labels.json"))).unwrap(),
    )
    .unwrap();
    let Some(dir) = scratch(name) else { return };
    let Some(recs) = analyze(
        &bin,
        &here.join(format!("{name}.pcap.gz")),
        &dir.join(format!("{name}.eve.json")),
    ) else {
        return;
    };
    let _ = std::fs::remove_dir_all(&dir);
    let mut cfg = BehaviourConfig::default();
    if let Some(secs) = labels["learning_secs"].as_u64() {
        cfg.lateral.learning_secs = secs;
    }
    let alerts = run_with(&recs, cfg);
    let missed = missed(&labels, &alerts);
    assert!(
        missed.is_empty(),
        "missed: {missed:?} in {:?}",
        alerts.iter().map(describe).collect::<Vec<_>>()
    );
    let stray = stray(&labels, &alerts);
    assert!(
        stray.is_empty(),
        "alerts on hosts that did not attack: {stray:?}"
    );
    let unexplained = unexplained(&labels, &alerts);
    assert!(
        unexplained.is_empty(),
        "alerts no labelled attack explains: {unexplained:?}"
    );
}

/// nmap, hping3, hydra (HTTP and SSH), dig and curl between two network
/// namespaces (testdata/make_tools.sh).
#[test]
fn real_tools_are_detected() {
    labelled_capture("tools");
}

/// SSH and SMB sessions to new internal servers (T1021), and FTP, Telnet
/// and HTTP Basic logins (T1552), with real servers and clients; an admin
/// using its usual servers and one new one stays quiet
/// (testdata/make_lateral.sh).
#[test]
fn lateral_movement_and_cleartext_credentials_are_detected() {
    labelled_capture("lateral");
}

/// A Modbus PLC polled by its HMI, then written to and probed by another
/// host (testdata/make_modbus.sh).
#[test]
fn modbus_write_and_probe_are_detected() {
    labelled_capture("modbus");
}

#[test]
fn benign_traffic_gives_at_most_one_alert_per_10000_flows() {
    let Some((recs, _)) = records("benign") else {
        return;
    };
    let flows = recs.iter().filter(|r| r["event_type"] == "flow").count();
    assert!(flows > 1000, "the benign scenario has traffic");
    let alerts = run(&recs);
    let allowed = flows / 10_000;
    assert!(
        alerts.len() <= allowed,
        "{} alerts on {flows} benign flows: {:?}",
        alerts.len(),
        alerts.iter().map(describe).collect::<Vec<_>>()
    );
}

/// Real captures of attacks in the shared corpus, with what they hold.
#[test]
fn attacks_in_corpus_captures_are_detected() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pcaps");
    if !corpus.is_dir() {
        eprintln!("skipping: no corpus at {}", corpus.display());
        return;
    }
    let Some(bin) = binary() else {
        eprintln!("skipping: no taishi binary (set TAISHI_BIN or build crates/taishi)");
        return;
    };
    let Some(dir) = scratch("corpus") else { return };
    // (capture, attacker, technique): Zeek's SSH guessing and FTP brute
    // force traces, an S7 block download, a DNP3 cold restart.
    let cases = [
        ("ssh/sshguess.pcap", "192.168.56.1", "T1110.001"),
        ("ftp/bruteforce.pcap", "192.168.56.1", "T1110.001"),
        ("ftp/bruteforce.pcap", "192.168.56.1", "T1552"),
        (
            "ics/s7comm/s7comm_downloading_block_db1.pcap",
            "192.168.1.10",
            "T0843",
        ),
        (
            "ics/dnp3/cold_restart_and_response.pcap",
            "192.168.60.1",
            "T0816",
        ),
    ];
    for (i, (file, attacker, technique)) in cases.iter().enumerate() {
        let pcap = corpus.join(file);
        if !pcap.is_file() {
            eprintln!("skipping {file}: not in the corpus");
            continue;
        }
        let Some(recs) = analyze(&bin, &pcap, &dir.join(format!("{i}.eve.json"))) else {
            continue;
        };
        let alerts = run(&recs);
        assert!(
            alerts.iter().any(|a| a["src_ip"] == *attacker
                && a["alert"]["metadata"]["mitre_technique_id"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x == technique))),
            "{file}: no {technique} by {attacker} in {:?}",
            alerts.iter().map(describe).collect::<Vec<_>>()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
