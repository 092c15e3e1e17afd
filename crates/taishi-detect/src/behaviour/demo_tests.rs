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
use super::{Behaviour, BehaviourConfig, IcsRegistry};
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
    run_with(recs, BehaviourConfig::default(), IcsRegistry::default())
}

/// [`run`] with other settings and an asset registry.
fn run_with(recs: &[Value], cfg: BehaviourConfig, registry: IcsRegistry) -> Vec<Value> {
    let mut b = Behaviour::with_registry(cfg, registry).unwrap();
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

/// Where the labelled captures of testdata/make_*.sh are.
fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/behaviour/testdata")
}

/// The pipeline's records of testdata capture `name`; `None` (said) when
/// there is no binary to analyse it with.
fn capture_records(name: &str) -> Option<Vec<Value>> {
    let Some(bin) = binary() else {
        eprintln!("skipping: no taishi binary (set TAISHI_BIN or build crates/taishi)");
        return None;
    };
    let dir = scratch(name)?;
    let recs = analyze(
        &bin,
        &testdata().join(format!("{name}.pcap.gz")),
        &dir.join(format!("{name}.eve.json")),
    );
    let _ = std::fs::remove_dir_all(&dir);
    recs
}

/// The asset registry file of testdata capture `name` (the JSON that
/// `taishi assets import` reads is also the stored records' shape).
fn capture_registry(name: &str) -> IcsRegistry {
    let text = std::fs::read_to_string(testdata().join(format!("{name}.assets.json"))).unwrap();
    let assets: Vec<taishi_core::domain::Asset> = serde_json::from_str(&text).unwrap();
    let registry = IcsRegistry::from_assets(&assets);
    assert!(registry.ignored().is_empty(), "{:?}", registry.ignored());
    registry
}

/// Captures made by testdata/make_*.sh with their labels: every attack
/// detected with its technique and attacker, and nothing else. A capture
/// too short for a detector's default learning window says in its labels
/// how long to learn (`learning_secs`), and the detectors run with that.
fn labelled_capture(name: &str, registry: IcsRegistry) {
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(testdata().join(format!("{name}.labels.json"))).unwrap(),
    )
    .unwrap();
    let Some(recs) = capture_records(name) else {
        return;
    };
    let mut cfg = BehaviourConfig::default();
    if let Some(secs) = labels["learning_secs"].as_u64() {
        cfg.lateral.learning_secs = secs;
    }
    let alerts = run_with(&recs, cfg, registry);
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
    labelled_capture("tools", IcsRegistry::default());
}

/// SSH and SMB sessions to new internal servers (T1021), and FTP, Telnet
/// and HTTP Basic logins (T1552), with real servers and clients; an admin
/// using its usual servers and one new one stays quiet
/// (testdata/make_lateral.sh).
#[test]
fn lateral_movement_and_cleartext_credentials_are_detected() {
    labelled_capture("lateral", IcsRegistry::default());
}

/// A Modbus PLC polled by its HMI, then written to and probed by another
/// host (testdata/make_modbus.sh).
#[test]
fn modbus_write_and_probe_are_detected() {
    labelled_capture("modbus", IcsRegistry::default());
}

/// The registry declares the PLC, its HMI and its function codes; a host
/// the registry does not authorise polls from the start and then writes
/// (testdata/make_modbus_segment.sh). With the registry its writes are
/// found and nothing else; without it, learning takes the host for a
/// master (it polled first), so its writes pass.
#[test]
fn registry_names_the_masters_learning_would_miss() {
    labelled_capture("modbus_registry", capture_registry("modbus_registry"));
    let Some(recs) = capture_records("modbus_registry") else {
        return;
    };
    let learnt = run(&recs);
    assert!(
        learnt.iter().all(|a| a["src_ip"] != "10.99.0.4"),
        "{:?}",
        learnt.iter().map(describe).collect::<Vec<_>>()
    );
}

/// After the segment's learning window, a host never seen polls the PLC
/// and the HMI starts polling a PLC never seen (make_modbus_segment.sh).
#[test]
fn new_master_and_new_device_are_detected() {
    labelled_capture("modbus_newcomers", IcsRegistry::default());
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
