//! Every `Store` method against a real database file.

use std::path::PathBuf;

use taishi_core::Store;
use taishi_core::StoreError;
use taishi_core::domain::{
    Asset, Grade, Incident, IncidentStatus, Level, PosturePoint, Scope, ScopeKind, Vulnerability,
};
use taishi_core::store::{
    AlertQuery, FlowGroup, FlowQuery, IncidentQuery, IncidentUpdate, IngestReport, PostureQuery,
    Retention,
};

use super::sql::backend;
use super::{SqliteStore, schema};
use crate::testutil::{NS, T0, alert_line, dns_line, flow_line, lines};

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: SqliteStore,
}

fn db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/folder/taishi.db");
    let store = SqliteStore::open(&path).expect("open");
    Db {
        _dir: dir,
        path,
        store,
    }
}

#[test]
fn open_creates_folders_sets_wal_and_the_schema_version() {
    let d = db();
    assert!(d.path.exists());
    let conn = rusqlite::Connection::open(&d.path).expect("reopen");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    assert_eq!(
        schema::version(&conn).expect("version"),
        schema::SCHEMA_VERSION
    );
    // Reopening an up-to-date database changes nothing.
    drop(d.store);
    let again = SqliteStore::open(&d.path).expect("reopen store");
    assert_eq!(again.count_flows(&FlowQuery::default()).expect("count"), 0);
}

#[test]
fn open_error_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").expect("write");
    let path = file.join("taishi.db");
    let Err(e) = SqliteStore::open(&path) else {
        panic!("opened a database under a file");
    };
    assert!(e.to_string().contains("not-a-folder"), "{e}");
}

#[test]
fn newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("create");
        conn.pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
            .expect("set version");
    }
    match SqliteStore::open(&path) {
        Err(StoreError::TooNew { found, supported }) => {
            assert_eq!(
                (found, supported),
                (schema::SCHEMA_VERSION + 1, schema::SCHEMA_VERSION)
            );
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("opened a newer database"),
    }
}

#[test]
fn ingest_counts_each_kind_and_skips_stats_and_malformed_lines() {
    let d = db();
    let mut batch = lines(&[
        flow_line(T0, "10.0.0.1", "10.0.0.2", 502, Some("modbus"), 300),
        alert_line(T0 + 1, "192.0.2.1", "10.0.0.2", 3_000_001, 2),
        dns_line(T0 + 2, "example.com"),
        r#"{"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"stats","stats":{"uptime":1}}"#.into(),
        "not json".into(),
        r#"{"no_event_type":1}"#.into(),
        r#"[1,2,3]"#.into(),
        // An alert without addresses is not a usable alert.
        r#"{"timestamp":"2024-05-01T10:00:00Z","event_type":"alert","alert":{}}"#.into(),
        // A flow with no times at all.
        r#"{"event_type":"flow","src_ip":"a","dest_ip":"b","flow":{}}"#.into(),
        String::new(),
        "   ".into(),
    ]);
    batch.extend_from_slice(b"{\"event_type\":\"dns\",\"x\":\"\xff\"}\n");
    let r = d.store.ingest(&batch).expect("ingest");
    assert_eq!(
        r,
        IngestReport {
            flows: 1,
            alerts: 1,
            events: 1,
            malformed: 6
        }
    );
    assert_eq!(
        d.store.count_flows(&FlowQuery::default()).expect("flows"),
        1
    );
    assert_eq!(
        d.store
            .count_alerts(&AlertQuery::default())
            .expect("alerts"),
        1
    );
    assert_eq!(
        d.store.event_counts(None, None).expect("counts"),
        [("dns".to_owned(), 1)]
    );
}

#[test]
fn flows_round_trip_and_filter() {
    let d = db();
    let batch = lines(&[
        flow_line(T0 + 20, "10.0.0.1", "10.0.0.2", 502, Some("modbus"), 300),
        flow_line(T0, "10.0.0.3", "10.0.0.2", 80, Some("http"), 1000),
        flow_line(T0 + 10, "10.0.0.1", "10.0.0.4", 80, Some("http"), 2000),
        flow_line(T0 + 30, "10.0.0.5", "10.0.0.6", 9999, None, 50),
    ]);
    d.store.ingest(&batch).expect("ingest");
    let all = d.store.flows(&FlowQuery::default()).expect("flows");
    let starts: Vec<u64> = all.iter().map(|f| f.start / NS - T0).collect();
    assert_eq!(starts, [0, 10, 20, 30], "start-time order");
    let f = &all[2];
    assert_eq!(
        (
            f.src_ip.as_str(),
            f.dest_port,
            f.app_proto.as_deref(),
            f.pkts,
            f.bytes_toserver
        ),
        ("10.0.0.1", Some(502), Some("modbus"), 5, 300)
    );
    assert_eq!(f.end - f.start, 4 * NS);
    assert_eq!(f.flow_id, Some((T0 + 20) * 7 + 502));

    let q = |q: FlowQuery| d.store.count_flows(&q).expect("count");
    assert_eq!(
        q(FlowQuery {
            ip: Some("10.0.0.2".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FlowQuery {
            ip: Some("10.0.0.1".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FlowQuery {
            app_proto: Some("http".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FlowQuery {
            dest_port: Some(502),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        q(FlowQuery {
            since: Some((T0 + 10) * NS),
            until: Some((T0 + 30) * NS),
            ..Default::default()
        }),
        2
    );
    // Count ignores the page; the page picks from the ordered list.
    let paged = FlowQuery {
        limit: Some(2),
        offset: 1,
        ..Default::default()
    };
    assert_eq!(q(paged.clone()), 4);
    let page = d.store.flows(&paged).expect("page");
    assert_eq!(
        page.iter().map(|f| f.start / NS - T0).collect::<Vec<_>>(),
        [10, 20]
    );

    let by_app = d
        .store
        .flow_summary(&FlowQuery::default(), FlowGroup::AppProto)
        .expect("summary");
    assert_eq!(by_app[0].key, "http");
    assert_eq!((by_app[0].flows, by_app[0].bytes), (2, 3200));
    assert_eq!(
        by_app.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
        ["http", "", "modbus"]
    );
    let by_service = d
        .store
        .flow_summary(
            &FlowQuery {
                limit: Some(1),
                ..Default::default()
            },
            FlowGroup::Service,
        )
        .expect("summary");
    assert_eq!(by_service.len(), 1);
    assert_eq!(by_service[0].key, "80/TCP");
    let by_dest = d
        .store
        .flow_summary(&FlowQuery::default(), FlowGroup::DestIp)
        .expect("summary");
    assert_eq!((by_dest[0].key.as_str(), by_dest[0].flows), ("10.0.0.2", 2));
    let by_src = d
        .store
        .flow_summary(&FlowQuery::default(), FlowGroup::SrcIp)
        .expect("summary");
    assert_eq!((by_src[0].key.as_str(), by_src[0].flows), ("10.0.0.1", 2));
}

#[test]
fn alerts_round_trip_and_filter() {
    let d = db();
    let a1 = alert_line(T0, "192.0.2.1", "10.0.0.2", 3_000_001, 2);
    let batch = lines(&[
        a1.clone(),
        alert_line(T0 + 10, "192.0.2.1", "10.0.0.3", 3_000_002, 1),
        alert_line(T0 + 20, "192.0.2.7", "10.0.0.2", 3_000_001, 3),
    ]);
    d.store.ingest(&batch).expect("ingest");
    let all = d.store.alerts(&AlertQuery::default()).expect("alerts");
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "id order");
    let expected =
        taishi_core::domain::AlertRow::from_eve(serde_json::from_str(&a1).expect("json"))
            .expect("row");
    assert_eq!(
        all[0],
        taishi_core::domain::AlertRow {
            id: all[0].id,
            ..expected
        }
    );

    let q = |q: AlertQuery| {
        d.store
            .alerts(&q)
            .expect("alerts")
            .iter()
            .map(|a| a.ts / NS - T0)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        q(AlertQuery {
            newest_first: true,
            ..Default::default()
        }),
        [20, 10, 0]
    );
    assert_eq!(
        q(AlertQuery {
            ip: Some("10.0.0.2".into()),
            ..Default::default()
        }),
        [0, 20]
    );
    assert_eq!(
        q(AlertQuery {
            ip: Some("192.0.2.7".into()),
            ..Default::default()
        }),
        [20]
    );
    assert_eq!(
        q(AlertQuery {
            sid: Some(3_000_001),
            ..Default::default()
        }),
        [0, 20]
    );
    assert_eq!(
        q(AlertQuery {
            max_severity: Some(2),
            ..Default::default()
        }),
        [0, 10]
    );
    let text = |t: &str| {
        q(AlertQuery {
            text: Some(t.into()),
            ..Default::default()
        })
    };
    assert_eq!(text("test 3000002"), [10], "signature");
    assert_eq!(text("ADMINISTRATOR"), [0, 10, 20], "category, any case");
    assert_eq!(text("t1110"), [0, 10, 20], "technique");
    assert_eq!(text("test%"), Vec::<u64>::new(), "% is literal");
    assert_eq!(text("test_3"), Vec::<u64>::new(), "_ is literal");
    assert_eq!(
        q(AlertQuery {
            since: Some((T0 + 5) * NS),
            until: Some((T0 + 20) * NS),
            ..Default::default()
        }),
        [10]
    );
    assert_eq!(
        q(AlertQuery {
            after_id: Some(all[0].id),
            ..Default::default()
        }),
        [10, 20]
    );
    assert_eq!(
        q(AlertQuery {
            limit: Some(1),
            offset: 1,
            newest_first: true,
            ..Default::default()
        }),
        [10]
    );
    assert_eq!(
        d.store
            .count_alerts(&AlertQuery {
                limit: Some(1),
                unassigned: true,
                ..Default::default()
            })
            .expect("count"),
        3
    );
}

fn incident(attacker: &str, victims: &[&str], severity: f64, last: u64) -> Incident {
    Incident {
        id: 0,
        tenant: String::new(),
        title: format!("attack from {attacker}"),
        attackers: vec![attacker.to_owned()],
        victims: victims.iter().map(|v| (*v).to_owned()).collect(),
        techniques: vec!["T1110".into()],
        stages: vec!["credential_access".into()],
        severity,
        grade: Grade::RelativelyMajor,
        category: "network_attack/brute_force".into(),
        status: IncidentStatus::New,
        first_seen: T0 * NS,
        last_seen: last * NS,
        alert_count: 1,
        max_criticality: 3,
        // No assignee, no notes, and the defaults of fields added later.
        ..Default::default()
    }
}

#[test]
fn a_merged_incident_hands_its_alerts_and_notes_over_and_goes() {
    let d = db();
    d.store
        .ingest(&lines(&[
            alert_line(T0, "192.0.2.1", "10.0.0.2", 3_000_001, 2),
            alert_line(T0 + 10, "10.0.0.2", "10.0.0.3", 3_000_002, 1),
            alert_line(T0 + 20, "10.0.0.2", "10.0.0.4", 3_000_002, 1),
        ]))
        .expect("ingest");
    let ids: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut incs = vec![
        incident("192.0.2.1", &["10.0.0.2"], 40.0, T0),
        incident("10.0.0.2", &["10.0.0.3", "10.0.0.4"], 30.0, T0 + 20),
    ];
    d.store
        .save_correlation(&mut incs, &[(ids[0], 0), (ids[1], 1), (ids[2], 1)])
        .expect("save");
    let (chain, gone) = (incs[0].id, incs[1].id);
    d.store
        .update_incident(
            gone,
            &IncidentUpdate {
                assignee: Some("analyst".into()),
                note: Some(("analyst".into(), "pivot host".into())),
                now: 5,
                ..Default::default()
            },
        )
        .expect("note");
    // A later pass finds the second is the chain's continuation.
    let mut merged = incs[0].clone();
    merged.attackers.push("10.0.0.2".into());
    merged
        .victims
        .extend(["10.0.0.3".into(), "10.0.0.4".into()]);
    merged.alert_count = 3;
    merged.merged = vec![gone];
    d.store
        .save_correlation(std::slice::from_mut(&mut merged), &[])
        .expect("merge");
    assert_eq!(d.store.incident(gone).expect("read"), None);
    let kept = d.store.incident(chain).expect("read").expect("kept");
    assert_eq!(kept.merged, [gone]);
    assert_eq!(kept.assignee.as_deref(), Some("analyst"));
    assert_eq!(
        kept.notes
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        ["pivot host"]
    );
    let of_chain = d
        .store
        .alerts(&AlertQuery {
            incident_id: Some(chain),
            ..Default::default()
        })
        .expect("alerts");
    assert_eq!(of_chain.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let by_pivot = d
        .store
        .incidents(&IncidentQuery {
            ip: Some("10.0.0.4".into()),
            ..Default::default()
        })
        .expect("incidents");
    assert_eq!(by_pivot.iter().map(|i| i.id).collect::<Vec<_>>(), [chain]);
    // Saving it again (the next pass) changes nothing.
    d.store
        .save_correlation(std::slice::from_mut(&mut merged), &[])
        .expect("again");
    assert_eq!(d.store.incident(chain).expect("read"), Some(kept));
}

#[test]
fn correlation_incidents_and_updates() {
    let d = db();
    d.store
        .ingest(&lines(&[
            alert_line(T0, "192.0.2.1", "10.0.0.2", 3_000_001, 2),
            alert_line(T0 + 10, "192.0.2.1", "10.0.0.3", 3_000_002, 1),
            alert_line(T0 + 20, "192.0.2.7", "10.0.0.2", 3_000_001, 3),
        ]))
        .expect("ingest");
    let ids: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut incs = vec![
        incident("192.0.2.1", &["10.0.0.2", "10.0.0.3"], 40.0, T0 + 10),
        incident("192.0.2.7", &["10.0.0.2"], 70.0, T0 + 20),
    ];
    d.store
        .save_correlation(&mut incs, &[(ids[0], 0), (ids[1], 0), (ids[2], 1)])
        .expect("save");
    assert!(
        incs[0].id > 0 && incs[1].id > incs[0].id,
        "ids written back"
    );
    assert_eq!(
        d.store
            .count_alerts(&AlertQuery {
                unassigned: true,
                ..Default::default()
            })
            .expect("count"),
        0
    );
    let of_first = d
        .store
        .alerts(&AlertQuery {
            incident_id: Some(incs[0].id),
            ..Default::default()
        })
        .expect("alerts");
    assert_eq!(of_first.iter().map(|a| a.id).collect::<Vec<_>>(), &ids[..2]);

    let ids_of = |q: IncidentQuery| {
        d.store
            .incidents(&q)
            .expect("incidents")
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of(IncidentQuery::default()),
        [incs[1].id, incs[0].id],
        "newest first"
    );
    assert_eq!(
        ids_of(IncidentQuery {
            ip: Some("10.0.0.3".into()),
            ..Default::default()
        }),
        [incs[0].id]
    );
    assert_eq!(
        ids_of(IncidentQuery {
            ip: Some("192.0.2.7".into()),
            ..Default::default()
        }),
        [incs[1].id]
    );
    assert_eq!(
        ids_of(IncidentQuery {
            since: Some((T0 + 15) * NS),
            ..Default::default()
        }),
        [incs[1].id]
    );
    assert_eq!(
        d.store.incident(incs[0].id).expect("one"),
        Some(incs[0].clone())
    );
    assert_eq!(d.store.incident(9999).expect("none"), None);

    // Updating an incident keeps its alerts and appends notes.
    let upd = |status, note: &str, now| IncidentUpdate {
        status: Some(status),
        assignee: Some("analyst".into()),
        note: Some(("analyst".into(), note.into())),
        now,
    };
    d.store
        .update_incident(
            incs[0].id,
            &upd(IncidentStatus::Investigating, "looking", 1),
        )
        .expect("update");
    let after = d
        .store
        .update_incident(incs[0].id, &upd(IncidentStatus::Resolved, "blocked", 2))
        .expect("update")
        .expect("exists");
    assert_eq!(
        after
            .notes
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        ["looking", "blocked"]
    );
    assert_eq!(after.assignee.as_deref(), Some("analyst"));
    assert_eq!(d.store.incident(incs[0].id).expect("read"), Some(after));
    let cleared = d
        .store
        .update_incident(
            incs[0].id,
            &IncidentUpdate {
                assignee: Some(String::new()),
                ..Default::default()
            },
        )
        .expect("update")
        .expect("exists");
    assert_eq!(cleared.assignee, None);
    assert_eq!(cleared.status, IncidentStatus::Resolved);
    assert_eq!(
        d.store
            .update_incident(9999, &IncidentUpdate::default())
            .expect("none"),
        None
    );
    assert_eq!(
        d.store
            .count_alerts(&AlertQuery {
                incident_id: Some(incs[0].id),
                ..Default::default()
            })
            .expect("count"),
        2,
        "alerts stay in an updated incident"
    );

    assert_eq!(
        ids_of(IncidentQuery {
            status: vec![IncidentStatus::Resolved],
            ..Default::default()
        }),
        [incs[0].id]
    );
    assert_eq!(
        ids_of(IncidentQuery {
            status: vec![IncidentStatus::New, IncidentStatus::Resolved],
            ..Default::default()
        })
        .len(),
        2
    );
    assert_eq!(
        ids_of(IncidentQuery {
            by_severity: true,
            ..Default::default()
        })[0],
        incs[1].id
    );
    assert_eq!(
        ids_of(IncidentQuery {
            tenant: Some("other".into()),
            ..Default::default()
        }),
        Vec::<i64>::new()
    );
    assert_eq!(
        d.store
            .count_incidents(&IncidentQuery {
                limit: Some(1),
                ..Default::default()
            })
            .expect("count"),
        2
    );

    // Re-saving an incident with new victims replaces its address rows.
    incs[1].victims = vec!["10.0.0.9".into()];
    d.store
        .save_correlation(&mut incs[1..], &[])
        .expect("resave");
    assert_eq!(
        ids_of(IncidentQuery {
            ip: Some("10.0.0.9".into()),
            ..Default::default()
        }),
        [incs[1].id]
    );
    assert_eq!(
        ids_of(IncidentQuery {
            ip: Some("10.0.0.2".into()),
            ..Default::default()
        }),
        [incs[0].id],
        "only the first incident still has 10.0.0.2"
    );

    // A bad assignment index fails the whole pass.
    let mut fresh = vec![incident("198.51.100.1", &["10.0.0.2"], 10.0, T0)];
    assert!(
        d.store
            .save_correlation(&mut fresh, &[(ids[0], 5)])
            .is_err()
    );
    assert_eq!(
        d.store
            .count_incidents(&IncidentQuery::default())
            .expect("count"),
        2
    );
}

#[test]
fn assets_vulns_meta_and_posture_round_trip() {
    let d = db();
    let a = Asset {
        address: "10.0.0.5".into(),
        name: "PLC-3 泵站".into(),
        criticality: 5,
        cii: true,
        ..Default::default()
    };
    let net = Asset {
        address: "10.0.1.0/24".into(),
        ..Default::default()
    };
    d.store.put_assets(&[net.clone(), a.clone()]).expect("put");
    let renamed = Asset {
        name: "PLC-3".into(),
        ..a.clone()
    };
    d.store
        .put_assets(std::slice::from_ref(&renamed))
        .expect("replace");
    assert_eq!(d.store.assets().expect("assets"), [renamed.clone(), net]);
    assert_eq!(d.store.asset("10.0.0.5").expect("one"), Some(renamed));
    assert_eq!(d.store.asset("10.9.9.9").expect("none"), None);

    let v = |id: &str, product: &str| Vulnerability {
        id: id.into(),
        product: product.into(),
        cvss: 9.8,
        ..Default::default()
    };
    d.store
        .put_vulns(&[
            v("CVE-2024-2", "OpenSSH"),
            v("CVE-2024-1", "Apache"),
            v("CVE-2024-1", "nginx"),
        ])
        .expect("vulns");
    d.store
        .put_vulns(&[v("CVE-2024-1", "nginx")])
        .expect("replace");
    let ids: Vec<(String, String)> = d
        .store
        .vulns()
        .expect("vulns")
        .into_iter()
        .map(|v| (v.id, v.product))
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ("CVE-2024-1".to_owned(), "Apache".to_owned()));
    // One CVE, two ranges of one product (as OpenSSL's branches): both stay.
    let branch = |from: &str, to: &str| Vulnerability {
        version_from: Some(from.into()),
        version_to: Some(to.into()),
        ..v("CVE-2023-0286", "OpenSSL")
    };
    d.store
        .put_vulns(&[branch("1.1.1", "1.1.1t"), branch("3.0.0", "3.0.8")])
        .expect("ranges");
    let ranges: Vec<Option<String>> = d
        .store
        .vulns()
        .expect("vulns")
        .into_iter()
        .filter(|v| v.id == "CVE-2023-0286")
        .map(|v| v.version_to)
        .collect();
    assert_eq!(
        ranges,
        [Some("1.1.1t".to_owned()), Some("3.0.8".to_owned())]
    );

    assert_eq!(d.store.meta("cursor").expect("meta"), None);
    d.store.set_meta("cursor", "1").expect("set");
    d.store.set_meta("cursor", "2").expect("set");
    assert_eq!(d.store.meta("cursor").expect("meta").as_deref(), Some("2"));

    let p = |kind, key: &str, bucket, forecast, level| PosturePoint {
        scope: Scope {
            kind,
            key: key.into(),
        },
        bucket,
        width: 300,
        index: 42.5,
        level,
        forecast,
    };
    let points = vec![
        p(ScopeKind::Organisation, "", 600, false, Level::Yellow),
        p(ScopeKind::Host, "10.0.0.5", 300, false, Level::Red),
        p(ScopeKind::Host, "10.0.0.5", 0, false, Level::Green),
        p(ScopeKind::Host, "10.0.0.5", 600, true, Level::Orange),
        p(
            ScopeKind::Service,
            "10.0.0.5:502/TCP",
            0,
            false,
            Level::Blue,
        ),
    ];
    d.store.put_posture(&points).expect("posture");
    let all = d
        .store
        .posture(&PostureQuery {
            forecast: true,
            ..Default::default()
        })
        .expect("all");
    assert_eq!(
        all.iter()
            .map(|x| (x.scope.kind, x.bucket, x.forecast))
            .collect::<Vec<_>>(),
        [
            (ScopeKind::Service, 0, false),
            (ScopeKind::Host, 0, false),
            (ScopeKind::Host, 300, false),
            (ScopeKind::Host, 600, true),
            (ScopeKind::Organisation, 600, false),
        ]
    );
    assert_eq!(all[2], points[1]);
    let host = d
        .store
        .posture(&PostureQuery {
            kind: Some(ScopeKind::Host),
            key: Some("10.0.0.5".into()),
            since: Some(300),
            ..Default::default()
        })
        .expect("host");
    assert_eq!(host, [points[1].clone()], "no forecast unless asked");
    d.store.clear_forecast().expect("clear");
    assert_eq!(
        d.store
            .posture(&PostureQuery {
                forecast: true,
                ..Default::default()
            })
            .expect("all")
            .len(),
        4
    );
}

#[test]
fn events_read_back_in_time_order() {
    let d = db();
    d.store
        .ingest(&lines(&[
            dns_line(T0 + 10, "b.example"),
            dns_line(T0, "a.example"),
            dns_line(T0 + 20, "c.example"),
        ]))
        .expect("ingest");
    d.store
        .ingest(br#"{"timestamp":"2024-05-01T10:00:00Z","event_type":"anomaly","anomaly":{"event":"x"}}"#)
        .expect("ingest");
    let names = |since, until, limit| {
        d.store
            .events("dns", since, until, limit)
            .expect("events")
            .iter()
            .map(|v| v["dns"]["rrname"].as_str().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(None, None, 10),
        ["a.example", "b.example", "c.example"]
    );
    assert_eq!(
        names(Some((T0 + 5) * NS), None, 10),
        ["b.example", "c.example"]
    );
    assert_eq!(names(None, Some((T0 + 20) * NS), 1), ["a.example"]);
    assert_eq!(
        d.store.event_counts(None, None).expect("counts"),
        [("anomaly".to_owned(), 1), ("dns".to_owned(), 3)]
    );
    assert_eq!(
        d.store
            .event_counts(Some((T0 + 5) * NS), None)
            .expect("counts"),
        [("dns".to_owned(), 2)]
    );
    // The record is the original line, not a re-serialisation.
    let conn = rusqlite::Connection::open(&d.path).expect("open");
    let text: String = conn
        .query_row(
            "SELECT record FROM events WHERE event_type = 'anomaly'",
            [],
            |r| r.get(0),
        )
        .expect("row");
    assert_eq!(
        text,
        r#"{"timestamp":"2024-05-01T10:00:00Z","event_type":"anomaly","anomaly":{"event":"x"}}"#
    );
}

#[test]
fn in_memory_store_works() {
    let s = SqliteStore::open_in_memory().expect("open");
    let r = s
        .ingest(&lines(&[flow_line(
            T0,
            "10.0.0.1",
            "10.0.0.2",
            80,
            Some("http"),
            10,
        )]))
        .expect("ingest");
    assert_eq!(r.flows, 1);
    assert_eq!(s.flows(&FlowQuery::default()).expect("flows").len(), 1);
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SqliteStore>();
    let _: &dyn Store = &SqliteStore::open_in_memory().expect("open");
}

#[test]
fn retention_by_age_spares_alerts_of_open_incidents() {
    let d = db();
    d.store
        .ingest(&lines(&[
            flow_line(T0, "10.0.0.1", "10.0.0.2", 80, None, 1),
            flow_line(T0 + 100, "10.0.0.1", "10.0.0.2", 80, None, 1),
            dns_line(T0, "old.example"),
            dns_line(T0 + 100, "new.example"),
            alert_line(T0, "192.0.2.1", "10.0.0.2", 1, 2),
            alert_line(T0 + 1, "192.0.2.2", "10.0.0.2", 2, 2),
            alert_line(T0 + 100, "192.0.2.1", "10.0.0.2", 1, 2),
        ]))
        .expect("ingest");
    let ids: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut incs = vec![incident("192.0.2.1", &["10.0.0.2"], 40.0, T0 + 100)];
    d.store
        .save_correlation(&mut incs, &[(ids[0], 0), (ids[2], 0)])
        .expect("save");
    let report = d
        .store
        .prune(&Retention {
            max_age_secs: Some(50),
            max_bytes: None,
            now: T0 + 100,
        })
        .expect("prune");
    assert_eq!((report.flows, report.events, report.alerts), (1, 1, 1));
    let left: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(
        left,
        [ids[0], ids[2]],
        "the old alert of the open incident stays"
    );
}

/// The summary the rollups must agree with, computed from the flows.
fn summary_from_rows(
    store: &SqliteStore,
    q: &FlowQuery,
    group: FlowGroup,
) -> Vec<taishi_core::store::FlowGroupRow> {
    let rows = store
        .flows(&FlowQuery {
            limit: None,
            offset: 0,
            ..q.clone()
        })
        .expect("flows");
    let mut by: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for f in rows {
        let key = match group {
            FlowGroup::AppProto => f.app_proto.clone().unwrap_or_default(),
            FlowGroup::SrcIp => f.src_ip.clone(),
            FlowGroup::DestIp => f.dest_ip.clone(),
            FlowGroup::Service => match f.dest_port {
                Some(p) => format!("{p}/{}", f.proto),
                None => f.proto.clone(),
            },
        };
        let e = by.entry(key).or_default();
        e.0 += 1;
        e.1 += f.bytes_toserver + f.bytes_toclient;
    }
    let mut out: Vec<_> = by
        .into_iter()
        .map(|(key, (flows, bytes))| taishi_core::store::FlowGroupRow { key, flows, bytes })
        .collect();
    out.sort_by(|a, b| b.flows.cmp(&a.flows).then_with(|| a.key.cmp(&b.key)));
    let skip = usize::try_from(q.offset).unwrap_or(usize::MAX);
    let take = q
        .limit
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    out.into_iter().skip(skip).take(take).collect()
}

/// Flows every 7 minutes over three days, from a few clients to a few services.
fn spread_flows(from: u64, count: u64) -> Vec<u8> {
    let ls: Vec<String> = (from..from + count)
        .map(|i| {
            let app = [Some("http"), Some("dns"), None, Some("modbus")][(i % 4) as usize];
            let port = [80, 53, 4444, 502][(i % 4) as usize];
            flow_line(
                T0 + i * 420,
                &format!("10.0.0.{}", i % 7),
                &format!("10.0.1.{}", i % 3),
                port,
                app,
                i * 13,
            )
        })
        .collect();
    lines(&ls)
}

fn assert_summaries_match_rows(store: &SqliteStore) {
    let hour = 3600 * NS;
    let windows = [
        (None, None),
        (Some(T0 * NS), Some((T0 + 86_400) * NS)),
        (Some(T0 * NS + 17), Some((T0 + 2 * 86_400) * NS + hour + 5)),
        (Some((T0 + 1000) * NS), Some((T0 + 1300) * NS)),
        (Some((T0 + 50_000) * NS), None),
        (None, Some((T0 + 90_000) * NS)),
    ];
    for (since, until) in windows {
        for group in [
            FlowGroup::AppProto,
            FlowGroup::SrcIp,
            FlowGroup::DestIp,
            FlowGroup::Service,
        ] {
            for (limit, offset) in [(None, 0), (Some(2), 1)] {
                let q = FlowQuery {
                    since,
                    until,
                    limit,
                    offset,
                    ..Default::default()
                };
                assert_eq!(
                    store.flow_summary(&q, group).expect("summary"),
                    summary_from_rows(store, &q, group),
                    "{group:?} {since:?}..{until:?} limit {limit:?} offset {offset}"
                );
            }
        }
    }
}

#[test]
fn rollup_summaries_equal_summaries_of_the_rows() {
    let d = db();
    // Over three days, in several batches, one of them out of time order.
    d.store.ingest(&spread_flows(300, 317)).expect("ingest");
    d.store.ingest(&spread_flows(0, 300)).expect("ingest");
    d.store.ingest(&spread_flows(617, 100)).expect("ingest");
    assert_summaries_match_rows(&d.store);
    // The address summaries kept what they built for their whole hours...
    let kept = |grp: i64| -> i64 {
        d.store
            .read(|c| {
                c.query_row(
                    "SELECT count(*) FROM address_hours WHERE grp = ?",
                    [grp],
                    |r| r.get(0),
                )
                .map_err(backend("count"))
            })
            .expect("count")
    };
    assert!(kept(4) > 0 && kept(5) > 0, "address hours are kept");
    // ...and flows arriving later in those hours make them stale: the
    // summaries still agree with the rows.
    d.store.ingest(&spread_flows(10, 40)).expect("ingest");
    assert_summaries_match_rows(&d.store);
    // A filter goes to the rows; it still agrees.
    let q = FlowQuery {
        app_proto: Some("http".into()),
        ..Default::default()
    };
    assert_eq!(
        d.store.flow_summary(&q, FlowGroup::SrcIp).expect("summary"),
        summary_from_rows(&d.store, &q, FlowGroup::SrcIp)
    );
    // Pruning keeps the rollups in step with what is left.
    d.store
        .prune(&Retention {
            max_age_secs: Some(86_400),
            max_bytes: None,
            now: T0 + 2 * 86_400 + 100,
        })
        .expect("prune");
    assert_summaries_match_rows(&d.store);
}

#[test]
fn migrates_a_version_1_database_with_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("create");
        schema::migrate_to(&mut conn, 1).expect("version 1");
        assert_eq!(schema::version(&conn).expect("version"), 1);
        // Rows as a version-1 taishi wrote them.
        for i in 0..50i64 {
            conn.execute(
                "INSERT INTO flows (start, end_ts, src_ip, src_port, dest_ip, dest_port, proto,
                 app_proto, pkts, bytes_toserver, bytes_toclient, state, alerted)
                 VALUES (?, ?, ?, 1, '10.0.0.2', ?, 'TCP', ?, 2, ?, 10, 'closed', 0)",
                rusqlite::params![
                    i64::try_from((T0 + (i as u64) * 1800) * NS).expect("fits"),
                    i64::try_from((T0 + (i as u64) * 1800 + 1) * NS).expect("fits"),
                    format!("10.0.0.{}", i % 4),
                    if i % 2 == 0 { 80 } else { 502 },
                    if i % 2 == 0 { Some("http") } else { None },
                    i * 100,
                ],
            )
            .expect("insert flow");
        }
        conn.execute(
            "INSERT INTO vulns (id, product, body) VALUES ('CVE-2023-0286', 'OpenSSL',
             '{\"id\":\"CVE-2023-0286\",\"product\":\"OpenSSL\",\"version_to\":\"3.0.8\",\"cvss\":7.4}')",
            [],
        )
        .expect("insert vulnerability");
        conn.execute(
            "INSERT INTO events (ts, event_type, record) VALUES (?, 'dns', '{\"event_type\":\"dns\"}')",
            [i64::try_from(T0 * NS).expect("fits")],
        )
        .expect("insert event");
    }
    let store = SqliteStore::open(&path).expect("migrate");
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    assert_eq!(
        schema::version(&conn).expect("version"),
        schema::SCHEMA_VERSION
    );
    assert_eq!(store.count_flows(&FlowQuery::default()).expect("count"), 50);
    // Step 3 rolled the flows up by address too; step 4 took those rows out.
    let groups: Vec<i64> = conn
        .prepare("SELECT DISTINCT grp FROM flow_rollup ORDER BY grp")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("rollup groups");
    assert_eq!(groups, [0, 3]);
    assert_summaries_match_rows(&store);
    assert_eq!(
        store.event_counts(None, None).expect("counts"),
        [("dns".to_owned(), 1)]
    );
    // Step 6 keyed the vulnerability by its range too: importing the
    // same entry again replaces it, as it did before.
    let vulns = store.vulns().expect("vulns");
    assert_eq!(vulns.len(), 1);
    assert_eq!(vulns[0].version_to.as_deref(), Some("3.0.8"));
    store.put_vulns(&vulns).expect("again");
    assert_eq!(store.vulns().expect("vulns"), vulns);
    // And it takes new data as a fresh one does.
    store.ingest(&spread_flows(0, 20)).expect("ingest");
    assert_summaries_match_rows(&store);
}

#[test]
fn migrates_an_empty_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").expect("empty file");
    let store = SqliteStore::open(&path).expect("open");
    assert_eq!(
        store.count_alerts(&AlertQuery::default()).expect("count"),
        0
    );
    let conn = rusqlite::Connection::open(&path).expect("reopen");
    assert_eq!(
        schema::version(&conn).expect("version"),
        schema::SCHEMA_VERSION
    );
}

#[test]
fn retention_by_size_drops_oldest_flows_then_events_and_spares_open_incidents() {
    let d = db();
    let dns: Vec<String> = (0..400)
        .map(|i| dns_line(T0 + i, &format!("host{i}.example")))
        .collect();
    d.store.ingest(&lines(&dns)).expect("events");
    d.store
        .ingest(&lines(&[
            alert_line(T0, "192.0.2.1", "10.0.0.2", 1, 2),
            alert_line(T0 + 1, "192.0.2.2", "10.0.0.2", 2, 2),
        ]))
        .expect("alerts");
    let ids: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut incs = vec![incident("192.0.2.1", &["10.0.0.2"], 40.0, T0)];
    d.store
        .save_correlation(&mut incs, &[(ids[0], 0)])
        .expect("save");
    let conn = rusqlite::Connection::open(&d.path).expect("open");
    // The cap is what the database used before the flows came: every flow
    // has to go, and perhaps a few events.
    let cap = super::retention::used_bytes(&conn).expect("size");
    d.store.ingest(&spread_flows(0, 3000)).expect("flows");
    assert!(super::retention::used_bytes(&conn).expect("size") > cap);
    let report = d
        .store
        .prune(&Retention {
            max_age_secs: None,
            max_bytes: Some(cap),
            now: 0,
        })
        .expect("prune");
    assert!(super::retention::used_bytes(&conn).expect("size") <= cap);
    assert_eq!(report.flows, 3000, "{report:?}");
    assert_eq!(
        d.store.count_flows(&FlowQuery::default()).expect("count"),
        0
    );
    assert_summaries_match_rows(&d.store);
    // What is left of the events is the newest.
    let left = d.store.events("dns", None, None, 1000).expect("events");
    assert_eq!(
        u64::try_from(left.len()).expect("fits") + report.events,
        400
    );
    if let Some(first) = left.first() {
        let want = format!("host{}.example", report.events);
        assert_eq!(first["dns"]["rrname"].as_str(), Some(want.as_str()));
    }

    // A cap nothing fits under: everything goes but the open incident's alert.
    let report = d
        .store
        .prune(&Retention {
            max_age_secs: None,
            max_bytes: Some(1),
            now: 0,
        })
        .expect("prune");
    assert_eq!(report.alerts, 1);
    let left: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, [ids[0]]);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}

#[test]
fn readers_see_committed_batches_while_a_writer_runs() {
    let d = std::sync::Arc::new(db());
    let writer = {
        let d = std::sync::Arc::clone(&d);
        std::thread::spawn(move || {
            for k in 0..40 {
                d.store.ingest(&spread_flows(k * 250, 250)).expect("ingest");
            }
        })
    };
    // Counts only ever grow, by whole batches.
    let mut last = 0;
    let mut reads = 0;
    while !writer.is_finished() || reads == 0 {
        let n = d.store.count_flows(&FlowQuery::default()).expect("count");
        assert!(n >= last && n % 250 == 0, "{n} after {last}");
        last = n;
        reads += 1;
    }
    writer.join().expect("writer");
    assert_eq!(
        d.store.count_flows(&FlowQuery::default()).expect("count"),
        10_000
    );
    assert!(reads > 0);
}

#[test]
fn real_eve_lines_store_as_the_domain_types_read_them() {
    let data = crate::testutil::demo_sample();
    let d = db();
    let report = d.store.ingest(&data).expect("ingest");
    let mut want_flows = Vec::new();
    let mut want_alerts = Vec::new();
    let mut want_events: std::collections::BTreeMap<String, u64> = Default::default();
    for line in data.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).expect("sample is JSON");
        match v["event_type"].as_str() {
            Some("flow") => {
                want_flows.push(taishi_core::domain::FlowRow::from_eve(&v).expect("flow"))
            }
            Some("alert") => {
                want_alerts.push(taishi_core::domain::AlertRow::from_eve(v).expect("alert"))
            }
            Some("stats") => {}
            Some(t) => *want_events.entry(t.to_owned()).or_default() += 1,
            None => panic!("sample line without event_type"),
        }
    }
    assert_eq!(report.malformed, 0);
    assert_eq!(report.flows, want_flows.len() as u64);
    assert_eq!(report.alerts, want_alerts.len() as u64);
    assert!(report.alerts > 0 && report.flows > 1000, "{report:?}");
    assert_eq!(
        d.store.event_counts(None, None).expect("counts"),
        want_events.into_iter().collect::<Vec<_>>()
    );
    let got: Vec<_> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .into_iter()
        .map(|a| taishi_core::domain::AlertRow { id: 0, ..a })
        .collect();
    assert_eq!(got, want_alerts);
    // Flows come back by start time; compare as sets ordered the same way.
    let mut got: Vec<_> = d
        .store
        .flows(&FlowQuery::default())
        .expect("flows")
        .into_iter()
        .map(|f| taishi_core::domain::FlowRow { id: 0, ..f })
        .collect();
    let key = |f: &taishi_core::domain::FlowRow| (f.start, f.flow_id, f.src_ip.clone(), f.src_port);
    got.sort_by_key(key);
    want_flows.sort_by_key(key);
    assert_eq!(got, want_flows);
    assert_summaries_match_rows(&d.store);
}

#[test]
fn rebuilt_rollups_equal_maintained_ones() {
    let d = db();
    d.store.ingest(&spread_flows(0, 500)).expect("ingest");
    let conn = rusqlite::Connection::open(&d.path).expect("open");
    let dump = |c: &rusqlite::Connection| -> Vec<(i64, i64, i64, String, i64, i64)> {
        c.prepare(
            "SELECT grp, width, bucket, key, flows, bytes FROM flow_rollup ORDER BY 1, 2, 3, 4",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })
        .expect("dump")
    };
    let maintained = dump(&conn);
    assert!(!maintained.is_empty());
    d.store.rebuild_rollups().expect("rebuild");
    assert_eq!(dump(&conn), maintained);
}

/// A correlation pass writes back the copy of an open incident it read
/// before the pass; an analyst's status, assignee and notes made in the
/// meantime must survive it, while the correlator's own fields update.
#[test]
fn correlation_keeps_changes_analysts_made_during_the_pass() {
    let d = db();
    d.store
        .ingest(&lines(&[
            alert_line(T0, "192.0.2.1", "10.0.0.2", 3_000_001, 2),
            alert_line(T0 + 10, "192.0.2.1", "10.0.0.2", 3_000_001, 2),
        ]))
        .expect("ingest");
    let ids: Vec<i64> = d
        .store
        .alerts(&AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut incs = vec![incident("192.0.2.1", &["10.0.0.2"], 40.0, T0)];
    d.store
        .save_correlation(&mut incs, &[(ids[0], 0)])
        .expect("first pass");
    // The correlator's stale copy, grown by the second alert...
    let mut stale = incs.clone();
    stale[0].alert_count = 2;
    stale[0].last_seen = (T0 + 10) * NS;
    // ...while an analyst works on the stored incident.
    d.store
        .update_incident(
            incs[0].id,
            &IncidentUpdate {
                status: Some(IncidentStatus::Investigating),
                assignee: Some("ana".into()),
                note: Some(("ana".into(), "blocking the source".into())),
                now: 1,
            },
        )
        .expect("update");
    d.store
        .save_correlation(&mut stale, &[(ids[1], 0)])
        .expect("second pass");
    let stored = d.store.incident(incs[0].id).expect("read").expect("exists");
    assert_eq!(stored.status, IncidentStatus::Investigating);
    assert_eq!(stored.assignee.as_deref(), Some("ana"));
    assert_eq!(stored.notes.len(), 1);
    assert_eq!(stored.alert_count, 2);
    assert_eq!(stored.last_seen, (T0 + 10) * NS);
}

/// The tables hold IPv6 addresses as EVE writes them (eight full groups);
/// a filter naming the short form (as an operator types it, or as the
/// asset registry keeps a discovered host) finds the same flows and alerts.
#[test]
fn address_filters_accept_either_spelling_of_an_ipv6_address() {
    let d = db();
    let full = "2001:0db8:0000:0000:0000:0000:0000:0001";
    let peer = "2001:0db8:0000:0000:0000:0000:0000:00ff";
    d.store
        .ingest(&lines(&[
            flow_line(T0, full, peer, 443, Some("tls"), 100),
            alert_line(T0 + 1, peer, full, 2_000_001, 2),
            flow_line(T0 + 2, "10.0.0.1", "10.0.0.2", 80, Some("http"), 100),
        ]))
        .expect("ingest");
    for spelling in [full, "2001:db8::1", "2001:DB8:0:0::1", " 2001:db8::1 "] {
        let flows = d
            .store
            .count_flows(&FlowQuery {
                ip: Some(spelling.into()),
                ..Default::default()
            })
            .expect("flows");
        assert_eq!(flows, 1, "{spelling:?}");
        let alerts = d
            .store
            .count_alerts(&AlertQuery {
                ip: Some(spelling.into()),
                ..Default::default()
            })
            .expect("alerts");
        assert_eq!(alerts, 1, "{spelling:?}");
    }
    // A host's posture series is keyed by the alerts' spelling too.
    d.store
        .put_posture(&[PosturePoint {
            scope: Scope {
                kind: ScopeKind::Host,
                key: full.into(),
            },
            bucket: 300,
            width: 300,
            index: 10.0,
            level: Level::Blue,
            forecast: false,
        }])
        .expect("posture");
    let host = d
        .store
        .posture(&PostureQuery {
            kind: Some(ScopeKind::Host),
            key: Some("2001:db8::1".into()),
            ..Default::default()
        })
        .expect("host series");
    assert_eq!(host.len(), 1);
    // Not an address: compared as given, so it matches nothing here.
    let none = d
        .store
        .count_flows(&FlowQuery {
            ip: Some("2001:db8::/64".into()),
            ..Default::default()
        })
        .expect("flows");
    assert_eq!(none, 0);
}
