//! `taishi report --tenant`: the demo traffic analysed with the sample
//! registry split between two operators (the plant side `ops`, the office
//! side `it`), then each operator's report read back through the command
//! line and checked against the whole store's.

mod common;

use std::path::{Path, PathBuf};

use common::{ok, repo, taishi};
use serde_json::Value;

/// The tenant the split gives a registry row or an address: the plant
/// network and its control room are `ops`, the rest of the site `it`.
fn tenant_of(address: &str) -> &'static str {
    if address.starts_with("10.20.") || address.starts_with("10.10.5.") {
        "ops"
    } else {
        "it"
    }
}

/// The sample registry with a `tenant` column.
fn split_registry(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("testdata/assets/sample-assets.csv"))
        .expect("sample registry");
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with("address,") {
            out.push_str(&format!("{line},tenant\n"));
        } else {
            let address = line.split(',').next().unwrap_or("");
            out.push_str(&format!("{line},{}\n", tenant_of(address)));
        }
    }
    let path = dir.join("split-assets.csv");
    std::fs::write(&path, out).expect("registry written");
    path
}

/// `taishi report --format json` with `extra` arguments, parsed.
fn report(db: &Path, extra: &[&str]) -> Value {
    let out = ok(&taishi()
        .args(["report", "--since", "7d", "--format", "json", "-o", "-"])
        .args(extra)
        .arg("--db")
        .arg(db)
        .output()
        .expect("taishi runs"));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn addresses(d: &Value, list: &str) -> Vec<String> {
    d[list]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|x| x["address"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn report_tenant_cuts_the_report_to_one_operator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("demo.pcap");
    ok(&taishi()
        .args(["generate", "--scenario", "demo", "--seed", "7", "--out"])
        .arg(&pcap)
        .output()
        .expect("generate"));
    let db = dir.path().join("taishi.db");
    ok(&taishi()
        .arg("analyze")
        .arg(&pcap)
        .arg("--rules")
        .arg(repo().join("rules"))
        .arg("--assets")
        .arg(split_registry(dir.path()))
        .arg("--db")
        .arg(&db)
        .arg("--no-progress")
        .output()
        .expect("analyze"));

    let all = report(&db, &[]);
    assert_eq!(all["tenant"], Value::Null);
    let total = |d: &Value, k: &str| d["totals"][k].as_u64().expect("a count");
    assert!(total(&all, "alerts") > 0 && total(&all, "flows") > 0);

    let incidents: Value = serde_json::from_str(&ok(&taishi()
        .args(["incidents", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .expect("incidents")))
    .expect("JSON");
    let incidents = incidents.as_array().expect("a list");
    for t in ["ops", "it"] {
        let d = report(&db, &["--tenant", t]);
        assert_eq!(d["tenant"], t);
        assert!(!d["empty"].as_bool().expect("empty"), "{t} has data");
        // A share of the store's alerts and flows, not all of them.
        for k in ["alerts", "flows"] {
            let n = total(&d, k);
            assert!(
                n > 0 && n < total(&all, k),
                "{t} {k}: {n} of {}",
                total(&all, k)
            );
        }
        // Its own hosts only, and its own exposure.
        let attacked = addresses(&d, "attacked_assets");
        assert!(!attacked.is_empty(), "{t}");
        assert!(
            attacked.iter().all(|a| tenant_of(a) == t),
            "{t}: {attacked:?}"
        );
        assert!(addresses(&d, "exposure").iter().all(|a| tenant_of(a) == t));
        // Its incidents, by their tenant.
        let theirs: Vec<&Value> = incidents
            .iter()
            .filter(|i| i["tenant"].as_str().unwrap_or("") == t)
            .map(|i| &i["id"])
            .collect();
        let listed: Vec<&Value> = d["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .map(|i| &i["id"])
            .collect();
        assert!(listed.iter().all(|id| theirs.contains(id)), "{t}");
        // Its organisation's posture.
        assert!(
            d["series"].as_array().is_some_and(|s| !s.is_empty()),
            "{t} has a posture series"
        );
    }
    let (ops, it) = (
        report(&db, &["--tenant", "ops"]),
        report(&db, &["--tenant", "it"]),
    );
    assert!(addresses(&ops, "attacked_assets").contains(&"10.20.0.12".to_owned()));
    assert!(!addresses(&it, "attacked_assets").contains(&"10.20.0.12".to_owned()));

    // A tenant the store does not know has nothing to report, over the
    // period of the store's data.
    let nobody = report(&db, &["--tenant", "nobody"]);
    assert_eq!(nobody["empty"], true);
    assert_eq!(nobody["period"], all["period"]);
    assert_eq!(total(&nobody, "flows"), 0);

    // The HTML report says whose it is.
    let html = dir.path().join("ops.html");
    ok(&taishi()
        .args(["report", "--tenant", "ops", "--lang", "en", "-o"])
        .arg(&html)
        .arg("--db")
        .arg(&db)
        .output()
        .expect("report"));
    let text = std::fs::read_to_string(&html).expect("report written");
    assert!(text.contains("Tenant: ops"));
}
