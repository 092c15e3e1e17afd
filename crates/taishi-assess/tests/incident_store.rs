//! `correlate` through the SQLite store: every stored alert ends in exactly
//! one incident, a second pass with nothing new changes nothing, passes
//! over parts give the incidents one pass over the whole gives, and a
//! closed incident takes no new alerts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use taishi_assess::assets::AssetIndex;
use taishi_assess::incident::{CorrelationConfig, correlate};
use taishi_core::Store;
use taishi_core::domain::{Incident, IncidentStatus};
use taishi_core::store::{AlertQuery, IncidentQuery, IncidentUpdate};
use taishi_store::sqlite::SqliteStore;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("incident_{name}.alerts.json"));
    std::fs::read(p).expect("fixture present")
}

fn all_incidents(store: &dyn Store) -> Vec<Incident> {
    let mut v = store
        .incidents(&IncidentQuery::default())
        .expect("incidents");
    v.sort_by_key(|i| i.id);
    v
}

/// Attackers, stages and alert count of each incident, keyed by attackers.
fn shape(incs: &[Incident]) -> BTreeMap<Vec<String>, (Vec<String>, u64, String)> {
    incs.iter()
        .map(|i| {
            (
                i.attackers.clone(),
                (i.stages.clone(), i.alert_count, i.category.clone()),
            )
        })
        .collect()
}

fn assert_every_alert_in_one_incident(store: &dyn Store) {
    let unassigned = AlertQuery {
        unassigned: true,
        ..AlertQuery::default()
    };
    assert_eq!(store.count_alerts(&unassigned).expect("count"), 0);
    for inc in all_incidents(store) {
        let q = AlertQuery {
            incident_id: Some(inc.id),
            ..AlertQuery::default()
        };
        assert_eq!(
            store.count_alerts(&q).expect("count"),
            inc.alert_count,
            "{inc:#?}"
        );
    }
}

#[test]
fn correlate_assigns_every_alert_once_and_a_second_pass_changes_nothing() {
    let store = SqliteStore::open_in_memory().expect("store");
    let ingested = store.ingest(&fixture("demo")).expect("ingest");
    assert_eq!(ingested.alerts, 18);
    let assets = AssetIndex::default();
    let cfg = CorrelationConfig {
        page_size: 5,
        ..CorrelationConfig::default()
    };
    let first = correlate(&store, &assets, &cfg).expect("correlate");
    assert_eq!((first.alerts, first.opened, first.updated), (18, 6, 0));
    assert_every_alert_in_one_incident(&store);
    let before = all_incidents(&store);
    assert_eq!(before.len(), 6);
    assert!(before.iter().all(|i| i.id > 0));

    let second = correlate(&store, &assets, &cfg).expect("correlate again");
    assert_eq!((second.alerts, second.opened, second.updated), (0, 0, 0));
    assert_eq!(all_incidents(&store), before, "idempotent");
}

#[test]
fn passes_over_parts_give_the_incidents_of_one_pass_over_the_whole() {
    let whole = SqliteStore::open_in_memory().expect("store");
    whole.ingest(&fixture("demo")).expect("ingest");
    let assets = AssetIndex::default();
    let cfg = CorrelationConfig::default();
    correlate(&whole, &assets, &cfg).expect("correlate");

    // The same alerts arriving in three batches, a pass after each: the
    // brute force and the exfiltration it led to land in different passes.
    let parts = SqliteStore::open_in_memory().expect("store");
    let text = fixture("demo");
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    for chunk in lines.chunks(7) {
        parts.ingest(&chunk.concat()).expect("ingest");
        correlate(&parts, &assets, &cfg).expect("correlate");
    }
    assert_every_alert_in_one_incident(&parts);
    assert_eq!(shape(&all_incidents(&parts)), shape(&all_incidents(&whole)));
    let chain = all_incidents(&parts)
        .into_iter()
        .find(|i| i.attackers == ["10.10.1.30", "203.0.113.45"])
        .expect("the intrusion is one incident");
    assert_eq!(chain.stages, ["credential_access", "exfiltration"]);
}

#[test]
fn a_resolved_incident_takes_no_new_alerts_an_open_one_does() {
    let store = SqliteStore::open_in_memory().expect("store");
    let assets = AssetIndex::default();
    let cfg = CorrelationConfig::default();
    store.ingest(&fixture("tools")).expect("ingest");
    correlate(&store, &assets, &cfg).expect("correlate");
    let tools = all_incidents(&store);
    assert_eq!(tools.len(), 1);
    let resolved = store
        .update_incident(
            tools[0].id,
            &IncidentUpdate {
                status: Some(IncidentStatus::Resolved),
                ..IncidentUpdate::default()
            },
        )
        .expect("update")
        .expect("exists");
    assert_eq!(resolved.status, IncidentStatus::Resolved);

    // The same attacker five minutes later, on the Modbus device.
    store.ingest(&fixture("modbus")).expect("ingest");
    let r = correlate(&store, &assets, &cfg).expect("correlate");
    assert_eq!((r.opened, r.updated), (1, 0));
    let now = all_incidents(&store);
    assert_eq!(now.len(), 2);
    assert_eq!(now[0], resolved, "the resolved incident is untouched");
    assert_eq!(now[1].attackers, ["10.99.0.1"]);
    assert_eq!(now[1].status, IncidentStatus::New);
    assert_eq!(now[1].alert_count, 10);

    // Investigating is open: the next alerts of that attacker join it.
    store
        .update_incident(
            now[1].id,
            &IncidentUpdate {
                status: Some(IncidentStatus::Investigating),
                assignee: Some("wang.fang".into()),
                note: Some(("wang.fang".into(), "PLC 10.99.0.2 checked".into())),
                now: 1,
            },
        )
        .expect("update");
    store.ingest(&fixture("modbus")).expect("ingest again");
    let r = correlate(&store, &assets, &cfg).expect("correlate");
    assert_eq!((r.opened, r.updated), (0, 1));
    let inc = store.incident(now[1].id).expect("read").expect("exists");
    assert_eq!(inc.alert_count, 20);
    assert_eq!(inc.status, IncidentStatus::Investigating);
    assert_eq!(inc.assignee.as_deref(), Some("wang.fang"));
    assert_eq!(inc.notes.len(), 1, "correlation keeps the analyst's notes");
    assert_every_alert_in_one_incident(&store);
}
