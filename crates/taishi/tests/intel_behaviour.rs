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

/// The behavioural alerts (gid 3) of `taishi analyze CAPTURE ARGS...`.
fn behaviour_alerts(
    capture: &std::path::Path,
    args: &[&std::ffi::OsStr],
) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let o = taishi()
        .arg("analyze")
        .arg(capture)
        .args(["--no-progress", "--eve"])
        .arg(&eve)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    records(&eve)
        .into_iter()
        .filter(|r| r["event_type"] == "alert" && r["alert"]["gid"] == 3)
        .collect()
}

/// Whether an alert names `attacker` with `technique`: the detector's
/// technique may be the parent of the label's sub-technique (T1071 for
/// T1071.001) or the same.
fn names(alert: &serde_json::Value, attacker: &str, technique: &str) -> bool {
    alert["src_ip"] == attacker
        && alert["alert"]["metadata"]["mitre_technique_id"]
            .as_array()
            .is_some_and(|ids| {
                ids.iter().filter_map(|i| i.as_str()).any(|id| {
                    technique == id
                        || technique.starts_with(&format!("{id}."))
                        || id.starts_with(&format!("{technique}."))
                })
            })
}

/// The demo's capture and its labelled attacks.
fn demo(dir: &std::path::Path) -> (std::path::PathBuf, Vec<serde_json::Value>) {
    let pcap = demo_capture(dir);
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo.labels.json")).unwrap())
            .unwrap();
    let attacks = labels["attacks"]
        .as_array()
        .expect("labels have attacks")
        .clone();
    assert!(!attacks.is_empty());
    (pcap, attacks)
}

#[test]
fn behaviour_detects_every_labelled_demo_attack() {
    let dir = tempfile::tempdir().unwrap();
    let (pcap, attacks) = demo(dir.path());
    let alerts = behaviour_alerts(&pcap, &[]);
    for a in &attacks {
        let technique = a["technique"].as_str().unwrap();
        let attacker = a["attacker"].as_str().unwrap();
        let found = alerts.iter().any(|r| names(r, attacker, technique));
        assert!(found, "attack {a} not detected; alerts: {alerts:?}");
    }
}

/// The demo site's own registry (testdata/assets/sample-assets.csv) given
/// with `--assets`: the PLCs' masters and function codes come from it, and
/// still every attack is found and no other host is named.
#[test]
fn the_demo_sites_registry_reaches_the_industrial_detectors() {
    let dir = tempfile::tempdir().unwrap();
    let (pcap, attacks) = demo(dir.path());
    let registry = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/assets/sample-assets.csv");
    let db = dir.path().join("taishi.db");
    let alerts = behaviour_alerts(
        &pcap,
        &[
            "--db".as_ref(),
            db.as_os_str(),
            "--assets".as_ref(),
            registry.as_os_str(),
        ],
    );
    for a in &attacks {
        let technique = a["technique"].as_str().unwrap();
        let attacker = a["attacker"].as_str().unwrap();
        let found = alerts.iter().any(|r| names(r, attacker, technique));
        assert!(found, "attack {a} not detected; alerts: {alerts:?}");
    }
    let attackers: Vec<&serde_json::Value> = attacks.iter().map(|a| &a["attacker"]).collect();
    let stray: Vec<_> = alerts
        .iter()
        .filter(|r| !attackers.contains(&&r["src_ip"]))
        .collect();
    assert!(
        stray.is_empty(),
        "alerts on hosts that did not attack: {stray:?}"
    );
    // The office workstation's writes are judged by the registry: it is
    // not among PLC-2's authorised peers, and function 16 is not among its
    // permitted codes.
    let ics: Vec<_> = alerts
        .iter()
        .filter(|r| r["alert"]["metadata"]["detector"][0] == "ics")
        .collect();
    assert!(
        ics.iter().any(|r| r["alert"]["signature_id"] == 3_000_701
            && r["evidence"]["masters_from"] == "registry"
            && r["evidence"]["masters"] == serde_json::json!(["10.10.5.10", "10.20.0.50"])),
        "{ics:?}"
    );
    assert!(
        ics.iter().any(|r| r["alert"]["signature_id"] == 3_000_706
            && r["evidence"]["function"]
                .as_str()
                .is_some_and(|f| f.starts_with("16 "))),
        "{ics:?}"
    );
}

/// A real-tool capture (crates/taishi-detect/src/behaviour/testdata,
/// make_modbus_segment.sh) whose registry declares the PLC and its HMI: the
/// undeclared host that polled first and then wrote is found only when
/// `--assets` brings the registry in.
#[test]
fn assets_flag_names_the_plcs_masters() {
    let testdata = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../taishi-detect/src/behaviour/testdata");
    let pcap = testdata.join("modbus_registry.pcap.gz");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("taishi.db");
    let registry = testdata.join("modbus_registry.assets.json");
    let with = behaviour_alerts(
        &pcap,
        &[
            "--db".as_ref(),
            db.as_os_str(),
            "--assets".as_ref(),
            registry.as_os_str(),
        ],
    );
    assert!(
        with.iter().any(|a| names(a, "10.99.0.4", "T0855")),
        "{with:?}"
    );
    assert!(with.iter().all(|a| a["src_ip"] == "10.99.0.4"), "{with:?}");
    let without = behaviour_alerts(&pcap, &[]);
    assert!(without.is_empty(), "{without:?}");
}

/// The client's fingerprints in the corpus capture `tls/tls1.2.pcap`,
/// worked out without Taishi: JA3 is tshark's `tls.handshake.ja3`; JA4 was
/// computed by hand from tshark's ClientHello fields (80 ciphers, 5
/// extensions, no SNI, no ALPN).
const TLS12_JA3: &str = "bd9c99b3a0f752c3ab8b052a79e9de3e";
const TLS12_JA4: &str = "t12i800500_15c493246000_3eafcbe19126";

/// Intel alerts of a run as (src_ip, kind, indicator), and its `tls` records.
type TlsIntel = (Vec<(String, String, String)>, Vec<serde_json::Value>);

/// The intel alerts (gid 2) among `recs`, as (src_ip, kind, indicator).
fn intel_hits(recs: &[serde_json::Value]) -> Vec<(String, String, String)> {
    recs.iter()
        .filter(|r| r["event_type"] == "alert" && r["alert"]["gid"] == 2)
        .map(|r| {
            let m = &r["alert"]["metadata"];
            (
                r["src_ip"].as_str().unwrap_or("").to_string(),
                m["intel_kind"][0].as_str().unwrap_or("").to_string(),
                m["intel_indicator"][0].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Analyses the corpus capture `tls/tls1.2.pcap` with an intel CSV holding
/// its JA3 and a plain list holding its JA4, no intel store, and `rules`
/// when given; returns the intel alerts' (src_ip, kind, indicator) and the
/// `tls` records.
fn tls_intel_run(extra: &[&str], rules: Option<&str>) -> Option<TlsIntel> {
    let pcap = corpus_pcaps("tls_intel_run")?.join("tls/tls1.2.pcap");
    if !pcap.is_file() {
        eprintln!("tls_intel_run: skipped: {} is absent", pcap.display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let ja3 = dir.path().join("ja3.csv");
    std::fs::write(
        &ja3,
        format!("indicator,type,source,confidence\n{TLS12_JA3},ja3,ja3feed,80\n"),
    )
    .unwrap();
    let ja4 = dir.path().join("ja4.txt");
    std::fs::write(&ja4, format!("{TLS12_JA4}\n")).unwrap();
    let eve = dir.path().join("eve.json");
    let mut cmd = taishi();
    cmd.arg("analyze");
    if let Some(text) = rules {
        let path = dir.path().join("test.rules");
        std::fs::write(&path, text).unwrap();
        cmd.arg("--rules").arg(path);
    }
    let o = cmd
        .arg(&pcap)
        .args(["--no-progress", "--intel-dir"])
        .arg(dir.path().join("no-store"))
        .arg("--intel")
        .arg(&ja3)
        .arg("--intel")
        .arg(&ja4)
        .args(extra)
        .arg("--eve")
        .arg(&eve)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recs = records(&eve);
    let hits = intel_hits(&recs);
    let tls = recs
        .into_iter()
        .filter(|r| r["event_type"] == "tls")
        .collect();
    Some((hits, tls))
}

#[test]
fn ja3_and_ja4_indicators_hit_a_real_capture_by_default() {
    // No setting: Taishi logs the fingerprints, so intel sees them.
    let Some((hits, tls)) = tls_intel_run(&[], None) else {
        return;
    };
    assert_eq!(tls.len(), 1, "{tls:?}");
    assert_eq!(tls[0]["tls"]["ja3"]["hash"], TLS12_JA3);
    assert_eq!(tls[0]["tls"]["ja4"], TLS12_JA4);
    let client = "10.0.0.80".to_string();
    assert!(
        hits.contains(&(client.clone(), "ja3".into(), TLS12_JA3.into())),
        "{hits:?}"
    );
    assert!(
        hits.contains(&(client, "ja4".into(), TLS12_JA4.into())),
        "{hits:?}"
    );
    assert_eq!(hits.len(), 2, "{hits:?}");
}

#[test]
fn an_explicit_no_turns_fingerprints_off_and_auto_follows_the_rules() {
    let Some((hits, tls)) = tls_intel_run(
        &[
            "--set",
            "app-layer.protocols.tls.ja3-fingerprints=no",
            "--set",
            "app-layer.protocols.tls.ja4-fingerprints=no",
        ],
        None,
    ) else {
        return;
    };
    assert!(tls[0]["tls"].get("ja3").is_none(), "{tls:?}");
    assert!(tls[0]["tls"].get("ja4").is_none(), "{tls:?}");
    assert!(hits.is_empty(), "{hits:?}");

    // Suricata's `auto`: off when no rule reads them...
    let auto = [
        "--set",
        "app-layer.protocols.tls.ja3-fingerprints=auto",
        "--set",
        "app-layer.protocols.tls.ja4-fingerprints=auto",
    ];
    let (hits, tls) = tls_intel_run(&auto, None).unwrap();
    assert!(tls[0]["tls"].get("ja3").is_none(), "{tls:?}");
    assert!(hits.is_empty(), "{hits:?}");
    // ...on for the one a rule reads (here JA3, not JA4).
    let rule = format!(
        "alert tls any any -> any any (msg:\"ja3\"; ja3.hash; content:\"{TLS12_JA3}\"; sid:1;)\n"
    );
    let (hits, tls) = tls_intel_run(&auto, Some(&rule)).unwrap();
    assert_eq!(tls[0]["tls"]["ja3"]["hash"], TLS12_JA3, "{tls:?}");
    assert!(tls[0]["tls"].get("ja4").is_none(), "{tls:?}");
    let kinds: Vec<&str> = hits.iter().map(|h| h.1.as_str()).collect();
    assert_eq!(kinds, ["ja3"], "{hits:?}");
}

/// The file `corpus/pcaps/http/get.pcap` downloads, hashed by tshark's
/// `--export-objects http` and md5sum / sha1sum.
const GET_MD5: &str = "397168fd09991a0e712254df7bc639ac";
const GET_SHA1: &str = "1dd7ac0398df6cbc0696445a91ec681facf4dc47";

#[test]
fn md5_and_sha1_file_indicators_turn_those_digests_on() {
    let Some(pcaps) = corpus_pcaps("md5_and_sha1_file_indicators_turn_those_digests_on") else {
        return;
    };
    let pcap = pcaps.join("http/get.pcap");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("files.csv");
    std::fs::write(
        &list,
        format!("indicator,type,source\n{GET_MD5},md5,filefeed\n{GET_SHA1},sha1,filefeed\n"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let eve = dir.path().join("eve.json");
        let o = taishi()
            .arg("analyze")
            .arg(&pcap)
            .args(["--no-progress", "--intel-dir"])
            .arg(dir.path().join("no-store"))
            .arg("--intel")
            .arg(&list)
            .args(extra)
            .arg("--eve")
            .arg(&eve)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let recs = records(&eve);
        let file = recs
            .iter()
            .find(|r| r["event_type"] == "fileinfo")
            .map(|r| r["fileinfo"].clone())
            .unwrap_or_default();
        let mut hits = intel_hits(&recs);
        hits.sort();
        (file, hits)
    };
    // The file's SHA-256 is logged by default; the indicators add MD5 and
    // SHA-1, and both match, naming the downloading client.
    let (file, hits) = run(&[]);
    assert_eq!(file["md5"], GET_MD5);
    assert_eq!(file["sha1"], GET_SHA1);
    assert!(file["sha256"].is_string(), "{file}");
    let client = "141.142.228.5".to_string();
    assert_eq!(
        hits,
        [
            (client.clone(), "md5".into(), GET_MD5.into()),
            (client, "sha1".into(), GET_SHA1.into())
        ]
    );
    // A setting given by the user stands: SHA-256 alone, so no match.
    let (file, hits) = run(&["--set", "app-layer.protocols.http.eve.file-hashes=sha256"]);
    assert!(
        file["md5"].is_null() && file["sha256"].is_string(),
        "{file}"
    );
    assert!(hits.is_empty(), "{hits:?}");
}
