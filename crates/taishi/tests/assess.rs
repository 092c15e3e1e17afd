//! Situation assessment end to end: the demo traffic analysed into a
//! database with the sample asset registry, then incidents, posture and
//! reports read back through the command line; and the database surviving
//! a SIGKILL mid-run.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::*;
use serde_json::Value;

/// The demo capture analysed into `db`, with its labels.
fn demo_db(dir: &Path) -> (PathBuf, Value) {
    let pcap = demo_capture(dir);
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo.labels.json")).unwrap())
            .unwrap();
    let db = dir.join("taishi.db");
    let o = taishi()
        .arg("analyze")
        .arg(&pcap)
        .arg("--rules")
        .arg(repo().join("rules"))
        .arg("--assets")
        .arg(repo().join("testdata/assets/sample-assets.csv"))
        .arg("--db")
        .arg(&db)
        .arg("--no-progress")
        .output()
        .unwrap();
    ok(&o);
    (db, labels)
}

fn json_of(args: &[&str], db: &Path) -> Value {
    let out = ok(&taishi().args(args).arg("--db").arg(db).output().unwrap());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

/// Kill-chain order of the stage names incidents use: ATT&CK's, with
/// discovery (what a sensor sees of it is scanning) before initial access
/// and credential access before execution, as docs/incidents.md explains.
const CHAIN: &[&str] = &[
    "reconnaissance",
    "resource_development",
    "discovery",
    "initial_access",
    "credential_access",
    "execution",
    "persistence",
    "privilege_escalation",
    "defense_evasion",
    "lateral_movement",
    "collection",
    "command_and_control",
    "exfiltration",
    "inhibit_response_function",
    "impair_process_control",
    "impact",
];

#[test]
fn demo_attacks_fall_into_incidents_posture_rises_and_reports_render() {
    let dir = tempfile::tempdir().unwrap();
    let (db, labels) = demo_db(dir.path());

    // Every incident carries the fields the issue names.
    let incidents = json_of(&["incidents", "list", "--json"], &db);
    let incidents = incidents.as_array().expect("a list");
    assert!(!incidents.is_empty());
    for i in incidents {
        for k in [
            "id",
            "attackers",
            "victims",
            "techniques",
            "stages",
            "severity",
            "grade",
            "category",
            "first_seen",
            "last_seen",
            "alert_count",
            "status",
        ] {
            assert!(i.get(k).is_some(), "incident without {k}: {i}");
        }
    }

    // Alerts of every incident, by incident id.
    let mut alerts_of: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    let mut total = 0;
    for i in incidents {
        let id = i["id"].as_i64().unwrap();
        let shown = json_of(&["incidents", "show", &id.to_string(), "--json"], &db);
        let alerts = shown["alerts"].as_array().cloned().unwrap_or_default();
        assert_eq!(alerts.len() as u64, i["alert_count"].as_u64().unwrap());
        total += alerts.len();
        alerts_of.insert(id, alerts);
    }
    assert!(total > 0);

    // Each labelled attack's alerts (from its attacker, with its technique
    // family) sit in exactly one incident.
    let family = |t: &str| t.split('.').next().unwrap_or(t).to_string();
    let mut incident_of_attack = BTreeMap::new();
    for a in labels["attacks"].as_array().unwrap() {
        let attacker = a["attacker"].as_str().unwrap();
        let tech = family(a["technique"].as_str().unwrap());
        let homes: BTreeSet<i64> = alerts_of
            .iter()
            .filter(|(_, alerts)| {
                alerts.iter().any(|r| {
                    r["src_ip"] == attacker
                        && r["alert"]["metadata"]["mitre_technique_id"]
                            .as_array()
                            .is_some_and(|ts| {
                                ts.iter().any(|t| family(t.as_str().unwrap_or("")) == tech)
                            })
                })
            })
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            homes.len(),
            1,
            "attack {} is in incidents {homes:?}",
            a["id"]
        );
        incident_of_attack.insert(
            a["id"].as_str().unwrap().to_string(),
            *homes.first().unwrap(),
        );
    }

    // The office workstation's campaign (beaconing, scan, sweep, Modbus
    // writes) is one incident with its stages in kill-chain order; so is
    // the SSH brute force followed by exfiltration from the broken-into host.
    let campaign = incident_of_attack["a01"];
    for a in ["a02", "a03", "a04"] {
        assert_eq!(incident_of_attack[a], campaign, "{a} outside the campaign");
    }
    assert_eq!(incident_of_attack["a05"], incident_of_attack["a07"]);
    for id in [campaign, incident_of_attack["a05"]] {
        let inc = incidents.iter().find(|i| i["id"] == id).unwrap();
        let stages: Vec<&str> = inc["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(stages.len() >= 2, "incident {id} stages {stages:?}");
        let pos: Vec<usize> = stages
            .iter()
            .map(|s| {
                CHAIN
                    .iter()
                    .position(|c| c == s)
                    .unwrap_or_else(|| panic!("stage {s}"))
            })
            .collect();
        assert!(
            pos.windows(2).all(|w| w[0] < w[1]),
            "stages out of order: {stages:?}"
        );
    }

    // No incident mixes unrelated labelled attackers: attackers of one
    // incident belong to one actor (an attacker and the hosts it took over).
    let actors: Vec<BTreeSet<&str>> = vec![
        ["10.10.2.57"].into(),
        ["203.0.113.45", "10.10.1.30"].into(),
        ["10.10.2.31"].into(),
        ["203.0.113.66"].into(),
    ];
    for i in incidents {
        let attackers: BTreeSet<&str> = i["attackers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .filter(|a| actors.iter().any(|g| g.contains(a)))
            .collect();
        let groups = actors
            .iter()
            .filter(|g| attackers.iter().any(|a| g.contains(a)))
            .count();
        assert!(
            groups <= 1,
            "incident {} mixes actors {attackers:?}",
            i["id"]
        );
    }

    // The posture went red with these attacks on critical assets, and
    // the peak is explained by the campaign against the PLCs.
    let posture = json_of(&["posture", "--json"], &db);
    assert_eq!(posture["peak"]["level"], "red", "{posture}");
    assert!(posture["series"].as_array().is_some_and(|s| !s.is_empty()));
    let top = &posture["peak_explanation"]["incidents"][0]["key"];
    assert_eq!(
        top.as_str(),
        Some(campaign.to_string().as_str()),
        "{posture}"
    );

    // Working an incident: acknowledge with a note, then resolve.
    let id = campaign.to_string();
    ok(&taishi()
        .args([
            "incidents",
            "update",
            &id,
            "--status",
            "acknowledged",
            "--note",
            "<b>looking</b>",
            "--author",
            "ana",
        ])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap());
    ok(&taishi()
        .args(["incidents", "update", &id, "--status", "resolved"])
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap());
    let shown = json_of(&["incidents", "show", &id, "--json"], &db);
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["notes"][0]["text"], "<b>looking</b>");

    // Assessing again changes nothing: every alert already has its incident.
    let before = json_of(&["incidents", "list", "--json"], &db);
    ok(&taishi()
        .arg("assess")
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap());
    let after = json_of(&["incidents", "list", "--json"], &db);
    let counts = |v: &Value| -> Vec<(i64, u64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["id"].as_i64().unwrap(),
                    i["alert_count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(counts(&before), counts(&after));

    // Reports in every format and both languages.
    for (format, lang, needle) in [
        ("html", "zh", "<svg"),
        ("html", "en", "<svg"),
        ("md", "en", "|"),
        ("json", "en", "{"),
    ] {
        let out = dir.path().join(format!("report-{lang}.{format}"));
        ok(&taishi()
            .args([
                "report", "--since", "7d", "--format", format, "--lang", lang, "-o",
            ])
            .arg(&out)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap());
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.contains(needle),
            "{format}/{lang} report lacks {needle}"
        );
        assert!(
            !text.contains("<b>looking</b>"),
            "an analyst's note went out unescaped"
        );
    }
}

/// Inside `analyze`, asset discovery reads the pipeline's own events in
/// place (`taishi_detect::observe::Record`), not their JSON: replaying the
/// written EVE lines through the JSON path must teach it exactly the same,
/// record for record.
#[test]
fn discovery_learns_from_pipeline_events_what_it_learns_from_their_json() {
    use taishi_assess::assets::{Discovery, DiscoveryConfig};
    use taishi_detect::observe::Observer;

    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("demo.pcap");
    ok(&taishi()
        .args(["generate", "--scenario", "demo", "--seed", "3", "--out"])
        .arg(&pcap)
        .output()
        .unwrap());
    let eve = dir.path().join("eve.json");
    ok(&taishi()
        .arg("analyze")
        .arg(&pcap)
        .arg("--db")
        .arg(dir.path().join("taishi.db"))
        .arg("--eve")
        .arg(&eve)
        .args(["--no-progress", "--no-behaviour", "--threads", "1"])
        .output()
        .unwrap());
    let lines: Vec<Value> = BufReader::new(std::fs::File::open(&eve).unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let (written, others): (Vec<Value>, Vec<Value>) =
        lines.into_iter().partition(|v| v["event_type"] == "asset");
    let mut discovery = Discovery::new(DiscoveryConfig::default()).unwrap();
    let mut replayed = Vec::new();
    for v in &others {
        discovery.observe(v, &mut replayed);
    }
    discovery.finish(&mut replayed);
    let kinds: BTreeSet<&str> = written
        .iter()
        .filter_map(|v| v["asset"]["type"].as_str())
        .collect();
    // The demo site shows hosts, services, software and industrial roles.
    assert!(kinds.len() >= 4, "asset record kinds: {kinds:?}");
    // One worker thread, so discovery saw the records in the file's order;
    // the EVE output writes an observer's records after the chunk of
    // pipeline records they came from, so compare them sorted.
    let sorted = |v: &[Value]| {
        let mut s: Vec<String> = v.iter().map(Value::to_string).collect();
        s.sort();
        s
    };
    let (written, replayed) = (sorted(&written), sorted(&replayed));
    assert_eq!(written.len(), replayed.len());
    for (w, r) in written.iter().zip(&replayed) {
        assert_eq!(w, r);
    }
}

#[test]
fn assets_import_reports_bad_rows_and_lists_what_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "address,name,criticality\n10.0.0.1,ok,3\nnot-an-ip,broken,9\n",
    )
    .unwrap();
    let o = taishi()
        .args(["assets", "import"])
        .arg(&bad)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.csv") && err.contains('3'),
        "error does not name file and line: {err}"
    );

    ok(&taishi()
        .args(["assets", "import"])
        .arg(repo().join("testdata/assets/sample-assets.csv"))
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap());
    let assets = json_of(&["assets", "list", "--json"], &db);
    assert!(assets.as_array().is_some_and(|a| !a.is_empty()));
    assert!(assets.as_array().unwrap().iter().any(|a| a["cii"] == true));
}

/// `taishi analyze --db` killed with SIGKILL mid-run leaves a database
/// that opens, passes `PRAGMA integrity_check`, and holds every batch the
/// writer reported committed before the kill.
#[test]
fn database_survives_sigkill_mid_run() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("bench.pcap");
    ok(&taishi()
        .args([
            "generate",
            "--scenario",
            "bench",
            "--scale",
            "0.05",
            "--out",
        ])
        .arg(&pcap)
        .output()
        .unwrap());
    let db = dir.path().join("kill.db");
    let mut child = taishi()
        .arg("-v")
        .arg("analyze")
        .arg(&pcap)
        .args(["--threads", "1", "--no-behaviour", "--no-progress", "--db"])
        .arg(&db)
        .env("TAISHI_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut committed = 0u64;
    let mut commits = 0;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if !line.contains("store: batch committed") {
            continue;
        }
        // `... flows=123 alerts=0 events=45`: running totals.
        let total = |key: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        committed = total("flows=") + total("alerts=") + total("events=");
        commits += 1;
        if commits == 3 {
            // SIGKILL: no chance to flush or roll back.
            let _ = child.kill();
            break;
        }
    }
    let _ = child.wait();
    assert!(
        commits >= 3,
        "the run ended before three batches were committed"
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let stored: u64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM flows) + (SELECT count(*) FROM alerts) + (SELECT count(*) FROM events)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        stored >= committed && committed > 0,
        "{stored} records stored, {committed} reported committed"
    );
    // And the database keeps working: a later run appends to it.
    ok(&taishi()
        .arg("assess")
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap());
}

/// Rows of `sql` in `db`, each as its columns joined, sorted.
fn sorted_rows(db: &Path, sql: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c.prepare(sql).unwrap();
    let n = st.column_count();
    let mut rows: Vec<String> = st
        .query_map([], |r| {
            let cols: Vec<String> = (0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect();
            Ok(cols.join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// With `--db` and no `--eve`, the pipeline hands the store its events
/// unserialised (flows never become JSON); the database must hold exactly
/// what storing the run's EVE lines holds: the same flow rows, protocol
/// records and alerts, column for column.
#[test]
fn typed_hand_over_stores_what_the_eve_lines_store() {
    use taishi_core::Store;

    let dir = tempfile::tempdir().unwrap();
    let pcap = demo_capture(dir.path());
    let run = |extra: &[&std::ffi::OsStr]| {
        ok(&taishi()
            .arg("analyze")
            .arg(&pcap)
            .arg("--rules")
            .arg(repo().join("rules"))
            .args(["--no-progress", "--no-behaviour", "--threads", "1"])
            .args(extra)
            .output()
            .unwrap());
    };
    let eve = dir.path().join("eve.json");
    run(&["--eve".as_ref(), eve.as_os_str()]);
    let typed = dir.path().join("typed.db");
    run(&["--db".as_ref(), typed.as_os_str()]);
    let from_lines = dir.path().join("lines.db");
    let store = taishi_store::SqliteStore::open(&from_lines).unwrap();
    store.ingest(&std::fs::read(&eve).unwrap()).unwrap();
    drop(store);

    let flows = "SELECT start, end_ts, flow_id, src_ip, src_port, dest_ip, dest_port, proto,
        app_proto, pkts, bytes_toserver, bytes_toclient, state, alerted FROM flows";
    // Asset records come from discovery, which only a `--db` run has.
    let events = "SELECT ts, event_type, flow_id, src_ip, dest_ip, app_proto, record
        FROM events WHERE event_type != 'asset'";
    let alerts = "SELECT ts, flow_id, src_ip, dest_ip, sid, signature, attacker, victim, record
        FROM alerts";
    for (what, sql) in [("flows", flows), ("events", events), ("alerts", alerts)] {
        let (t, l) = (sorted_rows(&typed, sql), sorted_rows(&from_lines, sql));
        assert!(!l.is_empty(), "the demo run stores {what}");
        assert_eq!(t.len(), l.len(), "{what}");
        for (a, b) in t.iter().zip(&l) {
            assert_eq!(a, b, "{what}");
        }
    }
}
