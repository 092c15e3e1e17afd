//! The correlation rules, one hand-made story each.

use serde_json::Value;
use taishi_core::domain::{AlertRow, Asset, Grade, Incident, IncidentStatus};

use super::*;

const T0: u64 = 1_780_000_000_000_000_000;
const SEC: u64 = 1_000_000_000;

/// An alert with neutral values, for tests to fill in: a severity-2
/// behavioural alert from 10.0.0.1 to 10.0.0.2 with no ATT&CK ids.
pub(super) fn row(techniques: &[&str], tactics: &[&str], category: &str) -> AlertRow {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    AlertRow {
        id: 1,
        ts: T0,
        flow_id: None,
        src_ip: "10.0.0.1".into(),
        src_port: None,
        dest_ip: "10.0.0.2".into(),
        dest_port: None,
        proto: "TCP".into(),
        app_proto: None,
        gid: 3,
        sid: 3_000_000,
        rev: 1,
        signature: format!("TAISHI BEHAVIOUR test {}", techniques.join(" ")),
        category: category.into(),
        severity: 2,
        techniques: strings(techniques),
        tactics: strings(tactics),
        attacker: "10.0.0.1".into(),
        victim: "10.0.0.2".into(),
        incident_id: None,
        record: Value::Null,
    }
}

/// An alert at `T0 + secs` from `attacker` to `victim`.
fn alert(id: i64, secs: u64, attacker: &str, victim: &str, techniques: &[&str]) -> AlertRow {
    AlertRow {
        id,
        ts: T0 + secs * SEC,
        src_ip: attacker.into(),
        dest_ip: victim.into(),
        attacker: attacker.into(),
        victim: victim.into(),
        ..row(techniques, &[], "")
    }
}

const SCAN: &[&str] = &["T1046"];
const BRUTE: &[&str] = &["T1110", "T1110.001"];
const FLOOD: &[&str] = &["T1499", "T1499.001"];
const LATERAL: &[&str] = &["T1021", "T1021.002"];
const EXFIL: &[&str] = &["T1048", "T1048.002"];
const EXPLOIT: &[&str] = &["T1190"];

fn run(
    config: CorrelationConfig,
    assets: &AssetIndex,
    open: Vec<Incident>,
    alerts: &[AlertRow],
) -> (Vec<Incident>, Vec<(i64, usize)>) {
    let mut c = Correlator::new(config, assets, open);
    for a in alerts {
        c.add(a);
    }
    c.finish()
}

fn correlate_all(alerts: &[AlertRow]) -> (Vec<Incident>, Vec<(i64, usize)>) {
    run(
        CorrelationConfig::default(),
        &AssetIndex::default(),
        Vec::new(),
        alerts,
    )
}

/// The incident index each alert id went to.
fn placed(assignments: &[(i64, usize)], id: i64) -> usize {
    let hits: Vec<usize> = assignments
        .iter()
        .filter(|(a, _)| *a == id)
        .map(|&(_, i)| i)
        .collect();
    assert_eq!(hits.len(), 1, "alert {id} assigned {} times", hits.len());
    hits[0]
}

#[test]
fn same_attacker_within_the_window_is_one_incident_and_a_longer_gap_splits() {
    let alerts = [
        alert(1, 0, "203.0.113.7", "10.0.0.5", SCAN),
        alert(2, 1800, "203.0.113.7", "10.0.0.6", SCAN),
        alert(3, 1800 + 3600, "203.0.113.7", "10.0.0.7", SCAN),
        alert(4, 1800 + 3601 + 3600, "203.0.113.7", "10.0.0.7", SCAN),
    ];
    let (incs, asg) = correlate_all(&alerts);
    assert_eq!(incs.len(), 2, "{incs:#?}");
    assert_eq!(placed(&asg, 1), placed(&asg, 2));
    assert_eq!(placed(&asg, 2), placed(&asg, 3));
    assert_ne!(placed(&asg, 3), placed(&asg, 4));
    let first = &incs[placed(&asg, 1)];
    assert_eq!(first.alert_count, 3);
    assert_eq!(first.victims, ["10.0.0.5", "10.0.0.6", "10.0.0.7"]);
    assert_eq!(first.attackers, ["203.0.113.7"]);
    assert_eq!((first.first_seen, first.last_seen), (T0, T0 + 5400 * SEC));
    assert_eq!(first.id, 0);
    assert_eq!(first.status, IncidentStatus::New);
}

#[test]
fn alerts_out_of_order_give_the_same_incidents_as_in_order() {
    let sorted = vec![
        alert(1, 0, "203.0.113.7", "10.0.0.5", SCAN),
        alert(2, 60, "203.0.113.7", "10.0.0.5", BRUTE),
        alert(3, 120, "10.0.0.5", "10.0.0.9", LATERAL),
        alert(4, 180, "10.0.0.5", "198.51.100.2", EXFIL),
        alert(5, 200, "192.0.2.99", "10.0.0.5", SCAN),
    ];
    let mut shuffled = sorted.clone();
    shuffled.swap(0, 3);
    shuffled.swap(1, 4);
    let (a, asg_a) = correlate_all(&sorted);
    let (b, asg_b) = correlate_all(&shuffled);
    assert_eq!(a.len(), b.len());
    for id in 1..=5 {
        let (ia, ib) = (&a[placed(&asg_a, id)], &b[placed(&asg_b, id)]);
        assert_eq!((&ia.attackers, &ia.stages), (&ib.attackers, &ib.stages));
    }
    // Out of order within the window of an incident's *start* joins it too.
    let late = [
        alert(1, 3000, "203.0.113.7", "10.0.0.5", SCAN),
        alert(2, 10_000, "203.0.113.8", "10.0.0.5", SCAN),
        alert(3, 10, "203.0.113.7", "10.0.0.6", SCAN),
    ];
    let cfg = CorrelationConfig {
        reorder_secs: 0,
        ..CorrelationConfig::default()
    };
    let (incs, asg) = run(cfg, &AssetIndex::default(), Vec::new(), &late);
    assert_eq!(placed(&asg, 1), placed(&asg, 3));
    assert_eq!(incs[placed(&asg, 1)].first_seen, T0 + 10 * SEC);
}

#[test]
fn unrelated_attackers_of_one_popular_server_stay_apart() {
    let alerts = [
        alert(1, 0, "203.0.113.7", "10.0.0.80", SCAN),
        alert(2, 5, "198.51.100.3", "10.0.0.80", EXPLOIT),
        alert(3, 10, "192.0.2.44", "10.0.0.80", BRUTE),
        alert(4, 15, "203.0.113.7", "10.0.0.80", EXPLOIT),
    ];
    let (incs, asg) = correlate_all(&alerts);
    assert_eq!(incs.len(), 3);
    for inc in &incs {
        assert_eq!(inc.attackers.len(), 1, "{inc:#?}");
    }
    assert_eq!(placed(&asg, 1), placed(&asg, 4));
}

#[test]
fn a_distributed_flood_on_one_victim_is_one_incident() {
    let alerts: Vec<AlertRow> = (0..5)
        .map(|i| {
            alert(
                i + 1,
                i as u64 * 30,
                &format!("203.0.113.{}", i + 10),
                "10.0.0.80",
                FLOOD,
            )
        })
        .collect();
    let (incs, asg) = correlate_all(&alerts);
    assert_eq!(incs.len(), 1, "{incs:#?}");
    assert_eq!(incs[0].attackers.len(), 5);
    assert_eq!(incs[0].victims, ["10.0.0.80"]);
    assert_eq!(incs[0].category, "network_attack/denial_of_service");
    assert_eq!(asg.len(), 5);
    // The same flood on another victim is another attack.
    let mut more = alerts.clone();
    more.push(alert(9, 100, "203.0.113.99", "10.0.0.81", FLOOD));
    assert_eq!(correlate_all(&more).0.len(), 2);
    // Different things on one victim do not spread.
    let mixed = [
        alert(1, 0, "203.0.113.10", "10.0.0.80", FLOOD),
        alert(2, 10, "203.0.113.11", "10.0.0.80", SCAN),
    ];
    assert_eq!(correlate_all(&mixed).0.len(), 2);
    // A distributed password-guessing campaign on one server is one too.
    let guessing: Vec<AlertRow> = (0..3)
        .map(|i| {
            alert(
                i + 1,
                i as u64 * 60,
                &format!("198.51.100.{}", i + 1),
                "10.0.0.22",
                BRUTE,
            )
        })
        .collect();
    let (incs, _) = correlate_all(&guessing);
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0].attackers.len(), 3);
    // Nor do industrial device stops: two hosts restarting one PLC are two stories.
    let restarts = [
        alert(1, 0, "10.0.0.8", "10.0.0.3", &["T0816"]),
        alert(2, 10, "10.0.0.9", "10.0.0.3", &["T0816"]),
    ];
    assert_eq!(correlate_all(&restarts).0.len(), 2);
}

#[test]
fn spread_stops_at_max_victims_for_spread() {
    // One attacker floods five hosts, then a stranger floods the first of them.
    let mut alerts: Vec<AlertRow> = (0..5)
        .map(|i| {
            alert(
                i + 1,
                i as u64,
                "203.0.113.10",
                &format!("10.0.0.{}", 80 + i),
                FLOOD,
            )
        })
        .collect();
    alerts.push(alert(10, 60, "198.51.100.1", "10.0.0.80", FLOOD));
    let (incs, _) = correlate_all(&alerts);
    assert_eq!(incs.len(), 2, "a 5-victim incident takes no new sources");
    let wide = CorrelationConfig {
        max_victims_for_spread: 5,
        ..CorrelationConfig::default()
    };
    let (incs, _) = run(wide, &AssetIndex::default(), Vec::new(), &alerts);
    assert_eq!(incs.len(), 1);
}

#[test]
fn a_compromised_victim_attacking_others_continues_the_chain() {
    let alerts = [
        alert(1, 0, "203.0.113.7", "10.0.0.5", SCAN),
        alert(2, 300, "203.0.113.7", "10.0.0.5", BRUTE),
        alert(3, 900, "10.0.0.5", "10.0.0.9", LATERAL),
        alert(4, 1200, "10.0.0.9", "10.0.0.10", LATERAL),
        alert(5, 1500, "10.0.0.5", "198.51.100.2", EXFIL),
    ];
    let (incs, asg) = correlate_all(&alerts);
    assert_eq!(incs.len(), 1, "{incs:#?}");
    let inc = &incs[0];
    assert_eq!(
        inc.stages,
        [
            "discovery",
            "credential_access",
            "lateral_movement",
            "exfiltration"
        ]
    );
    assert_eq!(inc.attackers, ["10.0.0.5", "10.0.0.9", "203.0.113.7"]);
    assert_eq!(inc.category, "data_security/theft");
    assert_eq!(inc.techniques.len(), 7);
    assert!(
        inc.title.starts_with("Test T1048 T1048.002 against "),
        "{}",
        inc.title
    );
    assert!(inc.title.ends_with("(4 stages)"), "{}", inc.title);
    assert_eq!(asg.len(), 5);
}

#[test]
fn a_victims_attacks_taken_before_its_compromise_are_merged_into_the_chain() {
    // Reversed and with no reorder buffer: the server's own attacks open an
    // incident before the brute force that explains them is seen.
    let alerts = [
        alert(5, 1500, "10.0.0.5", "198.51.100.2", EXFIL),
        alert(4, 1000, "10.0.0.5", "10.0.0.9", LATERAL),
        alert(3, 400, "203.0.113.7", "10.0.0.5", BRUTE),
        alert(2, 100, "203.0.113.7", "10.0.0.5", SCAN),
        alert(1, 90, "192.0.2.50", "10.0.0.5", SCAN),
    ];
    let cfg = CorrelationConfig {
        reorder_secs: 0,
        ..CorrelationConfig::default()
    };
    let assets = AssetIndex::default();
    let mut c = Correlator::new(cfg.clone(), &assets, Vec::new());
    for a in &alerts {
        c.add(a);
    }
    c.flush();
    assert_eq!(c.stats().merged, 1);
    let (incs, asg) = c.finish();
    assert_eq!(incs.len(), 2, "{incs:#?}");
    let chain = &incs[placed(&asg, 5)];
    for id in 2..=4 {
        assert_eq!(placed(&asg, id), placed(&asg, 5));
    }
    assert_eq!(chain.attackers, ["10.0.0.5", "203.0.113.7"]);
    assert_eq!(chain.alert_count, 4);
    assert_eq!(
        chain.stages,
        [
            "discovery",
            "credential_access",
            "lateral_movement",
            "exfiltration"
        ]
    );
    assert_eq!(incs[placed(&asg, 1)].attackers, ["192.0.2.50"]);

    // A stored incident of the server's attacks takes the new brute force
    // (stored alerts never move, so the new incident folds into it).
    let mut stored = open_incident(9, IncidentStatus::New, "10.0.0.5", "10.0.0.9", 1000);
    stored.stages = vec!["lateral_movement".into()];
    stored.techniques = vec!["T1021".into()];
    let (incs, asg) = run(cfg.clone(), &assets, vec![stored.clone()], &alerts[2..4]);
    assert_eq!(incs.len(), 1, "{incs:#?}");
    assert_eq!(incs[0].id, 9);
    assert_eq!((placed(&asg, 2), placed(&asg, 3)), (0, 0));
    assert_eq!(incs[0].attackers, ["10.0.0.5", "203.0.113.7"]);
    assert_eq!(incs[0].alert_count, 6);
    assert_eq!(incs[0].first_seen, T0 + 100 * SEC);

    // Both stored by earlier passes: the attacker's scan of the server
    // (incident 7) and the server's own attacks (incident 9). The brute
    // force that compromised the server arrives now: it joins 7, and 9 is
    // folded into 7 with its notes, named in `merged` for the store.
    let mut chain = open_incident(7, IncidentStatus::New, "203.0.113.7", "10.0.0.5", 100);
    chain.assignee = None;
    let mut later = stored.clone();
    later.notes = vec![taishi_core::domain::IncidentNote {
        ts: T0,
        author: "li.wei".into(),
        text: "10.0.0.5 scanning the PLC segment".into(),
    }];
    let (incs, asg) = run(cfg.clone(), &assets, vec![chain, later], &alerts[2..3]);
    assert_eq!(incs.len(), 1, "{incs:#?}");
    let one = &incs[0];
    assert_eq!((one.id, one.merged.as_slice()), (7, &[9][..]));
    assert_eq!(placed(&asg, 3), 0);
    assert_eq!(one.attackers, ["10.0.0.5", "203.0.113.7"]);
    assert_eq!(one.victims, ["10.0.0.5", "10.0.0.9"]);
    assert_eq!(one.alert_count, 9);
    assert_eq!(one.notes.len(), 1);
    assert_eq!(one.assignee.as_deref(), Some("li.wei"));
    assert_eq!(
        one.stages,
        ["discovery", "credential_access", "lateral_movement"]
    );

    // A host that attacked before anyone reached it is its own story.
    stored.first_seen = T0;
    stored.last_seen = T0;
    let (incs, _) = run(cfg, &assets, vec![stored], &alerts[2..4]);
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0].id, 0);
}

#[test]
fn a_scanned_or_flooded_host_is_not_taken_as_compromised() {
    let alerts = [
        alert(1, 0, "203.0.113.7", "10.0.0.5", SCAN),
        alert(2, 10, "203.0.113.8", "10.0.0.6", FLOOD),
        alert(3, 60, "10.0.0.5", "10.0.0.9", BRUTE),
        alert(4, 70, "10.0.0.6", "10.0.0.9", LATERAL),
    ];
    let (incs, asg) = correlate_all(&alerts);
    assert_eq!(incs.len(), 4, "{incs:#?}");
    assert_ne!(placed(&asg, 1), placed(&asg, 3));
}

#[test]
fn stages_are_in_chain_order_whatever_the_arrival_order() {
    let alerts = [
        alert(1, 0, "10.0.0.5", "198.51.100.2", &["T1071.001"]),
        alert(2, 10, "10.0.0.5", "10.0.0.6", &["T0855"]),
        alert(3, 20, "10.0.0.5", "10.0.0.7", SCAN),
    ];
    let (incs, _) = correlate_all(&alerts);
    assert_eq!(incs.len(), 1);
    assert_eq!(
        incs[0].stages,
        ["discovery", "command_and_control", "impair_process_control"]
    );
    assert_eq!(incs[0].category, "data_security/tampering");
}

fn open_incident(
    id: i64,
    status: IncidentStatus,
    attacker: &str,
    victim: &str,
    secs: u64,
) -> Incident {
    Incident {
        id,
        title: "Vertical port scan against 10.0.0.5 by 203.0.113.7".into(),
        attackers: vec![attacker.into()],
        victims: vec![victim.into()],
        techniques: vec!["T1046".into()],
        stages: vec!["discovery".into()],
        severity: 33.0,
        category: "network_attack/scanning".into(),
        status,
        assignee: Some("li.wei".into()),
        first_seen: T0 + secs * SEC,
        last_seen: T0 + secs * SEC,
        alert_count: 4,
        max_criticality: 2,
        ..Incident::default()
    }
}

#[test]
fn open_incidents_take_new_alerts_and_closed_ones_do_not() {
    let assets = AssetIndex::default();
    for status in [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::Investigating,
    ] {
        let open = vec![open_incident(7, status, "203.0.113.7", "10.0.0.5", 0)];
        let (incs, asg) = run(
            CorrelationConfig::default(),
            &assets,
            open,
            &[alert(11, 60, "203.0.113.7", "10.0.0.6", SCAN)],
        );
        assert_eq!(incs.len(), 1);
        let inc = &incs[placed(&asg, 11)];
        assert_eq!((inc.id, inc.status, inc.alert_count), (7, status, 5));
        assert_eq!(inc.assignee.as_deref(), Some("li.wei"));
        assert_eq!(inc.victims, ["10.0.0.5", "10.0.0.6"]);
        assert!(
            inc.title
                .starts_with("Vertical port scan against 10.0.0.5 and 10.0.0.6 by"),
            "{}",
            inc.title
        );
        assert!(inc.severity >= 33.0, "a stored score never drops");
    }
    for status in [IncidentStatus::Resolved, IncidentStatus::FalsePositive] {
        let closed = vec![open_incident(7, status, "203.0.113.7", "10.0.0.5", 0)];
        let (incs, asg) = run(
            CorrelationConfig::default(),
            &assets,
            closed,
            &[alert(11, 60, "203.0.113.7", "10.0.0.6", SCAN)],
        );
        assert_eq!(incs.len(), 1, "only the new incident is returned");
        let inc = &incs[placed(&asg, 11)];
        assert_eq!(
            (inc.id, inc.status, inc.alert_count),
            (0, IncidentStatus::New, 1)
        );
    }
}

#[test]
fn untouched_open_incidents_are_not_returned_and_assigned_alerts_are_left_alone() {
    let open = vec![open_incident(
        7,
        IncidentStatus::New,
        "203.0.113.7",
        "10.0.0.5",
        0,
    )];
    let mut done = alert(1, 10, "203.0.113.7", "10.0.0.5", SCAN);
    done.incident_id = Some(7);
    let assets = AssetIndex::default();
    let mut c = Correlator::new(CorrelationConfig::default(), &assets, open);
    c.add(&done);
    c.flush();
    assert_eq!(c.stats().already_assigned, 1);
    let (incs, asg) = c.finish();
    assert!(incs.is_empty() && asg.is_empty());
}

#[test]
fn a_stored_pivot_victim_continues_its_incident_in_a_later_pass() {
    let mut stored = open_incident(
        7,
        IncidentStatus::Acknowledged,
        "203.0.113.7",
        "10.0.0.5",
        0,
    );
    stored.stages = vec!["credential_access".into()];
    stored.category = "network_attack/brute_force".into();
    let (incs, asg) = run(
        CorrelationConfig::default(),
        &AssetIndex::default(),
        vec![stored],
        &[alert(20, 600, "10.0.0.5", "198.51.100.2", EXFIL)],
    );
    let inc = &incs[placed(&asg, 20)];
    assert_eq!(inc.id, 7);
    assert_eq!(inc.stages, ["credential_access", "exfiltration"]);
    assert_eq!(inc.category, "data_security/theft");
}

#[test]
fn severity_and_grade_weigh_critical_and_cii_victims() {
    let plc = Asset {
        address: "10.20.0.12".into(),
        criticality: 5,
        cii: true,
        ..Asset::default()
    };
    let assets = AssetIndex::new(vec![plc]);
    let alerts = [alert(1, 0, "10.10.2.57", "10.20.0.12", &["T0855"])];
    let (on_plc, _) = run(CorrelationConfig::default(), &assets, Vec::new(), &alerts);
    let (unknown, _) = correlate_all(&alerts);
    assert_eq!(on_plc[0].max_criticality, 5);
    assert_eq!(unknown[0].max_criticality, 1);
    assert!(on_plc[0].severity > unknown[0].severity);
    assert_eq!(on_plc[0].grade, Grade::ParticularlyMajor);
    assert_eq!(unknown[0].grade, Grade::RelativelyMajor);
    assert_eq!(grade_of(&on_plc[0]), Grade::ParticularlyMajor);
    // A scan is a general incident wherever it lands.
    let scan = [alert(1, 0, "10.10.2.57", "10.20.0.12", SCAN)];
    let (s, _) = run(CorrelationConfig::default(), &assets, Vec::new(), &scan);
    assert_eq!(s[0].grade, Grade::General);
    assert!(s[0].severity < on_plc[0].severity);
}

#[test]
fn an_incident_belongs_to_the_one_tenant_whose_hosts_it_hit() {
    let host = |address: &str, tenant: &str| Asset {
        address: address.into(),
        tenant: tenant.into(),
        ..Asset::default()
    };
    let assets = AssetIndex::new(vec![
        host("10.1.0.5", "grid"),
        host("10.1.0.6", "grid"),
        host("10.2.0.5", "water"),
    ]);
    let tenant = |alerts: &[AlertRow]| {
        let (incidents, _) = run(CorrelationConfig::default(), &assets, Vec::new(), alerts);
        assert_eq!(incidents.len(), 1, "{incidents:?}");
        incidents[0].tenant.clone()
    };
    let attacker = "198.51.100.7";
    assert_eq!(tenant(&[alert(1, 0, attacker, "10.1.0.5", BRUTE)]), "grid");
    assert_eq!(
        tenant(&[
            alert(1, 0, attacker, "10.1.0.5", SCAN),
            alert(2, 5, attacker, "10.1.0.6", SCAN),
        ]),
        "grid"
    );
    // An unregistered victim is the site's, not another tenant's.
    assert_eq!(
        tenant(&[
            alert(1, 0, attacker, "10.1.0.5", SCAN),
            alert(2, 5, attacker, "10.9.9.9", SCAN),
        ]),
        "grid"
    );
    // Hosts of two tenants: the site (and regulators) hold the incident.
    assert_eq!(
        tenant(&[
            alert(1, 0, attacker, "10.1.0.5", SCAN),
            alert(2, 5, attacker, "10.2.0.5", SCAN),
        ]),
        ""
    );
    assert_eq!(tenant(&[alert(1, 0, attacker, "10.9.9.9", BRUTE)]), "");
}

#[test]
fn address_lists_are_capped_and_drops_counted() {
    let cfg = CorrelationConfig {
        max_addresses: 3,
        ..CorrelationConfig::default()
    };
    let alerts: Vec<AlertRow> = (0..10)
        .map(|i| alert(i + 1, i as u64, "203.0.113.7", &format!("10.0.0.{i}"), SCAN))
        .collect();
    let assets = AssetIndex::default();
    let mut c = Correlator::new(cfg, &assets, Vec::new());
    for a in &alerts {
        c.add(a);
    }
    c.flush();
    assert_eq!(c.stats().addresses_dropped, 7);
    let (incs, asg) = c.finish();
    assert_eq!(incs.len(), 1);
    assert_eq!(incs[0].victims.len(), 3);
    assert_eq!(incs[0].alert_count, 10);
    assert_eq!(asg.len(), 10);
}

#[test]
fn a_full_reorder_buffer_places_the_oldest_early() {
    let cfg = CorrelationConfig {
        max_pending: 2,
        ..CorrelationConfig::default()
    };
    let assets = AssetIndex::default();
    let mut c = Correlator::new(cfg, &assets, Vec::new());
    for i in 0..5 {
        c.add(&alert(i + 1, i as u64, "203.0.113.7", "10.0.0.5", SCAN));
    }
    assert_eq!(c.stats().reorder_overflow, 3);
    c.flush();
    let s = c.stats();
    assert_eq!((s.alerts, s.opened, s.by_attacker), (5, 1, 4));
}

#[test]
fn hostile_input_does_not_panic() {
    let mut weird = alert(1, 0, "", "", &["", "T", "TA0001", "T1046.999.1"]);
    weird.severity = 0;
    weird.tactics = vec!["".into(), "TA".into()];
    weird.ts = u64::MAX;
    let mut zero = alert(2, 0, "not an ip", "also not", &[]);
    zero.ts = 0;
    zero.signature = String::new();
    let (incs, asg) = correlate_all(&[weird, zero]);
    assert_eq!(asg.len(), 2);
    assert!(incs.iter().all(|i| (0.0..=100.0).contains(&i.severity)));
    assert!(
        incs.iter()
            .all(|i| !i.title.is_empty() && !i.category.is_empty())
    );
}
