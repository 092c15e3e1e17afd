//! A four-stage intrusion through the real behavioural detectors: an
//! internet host scans a server, guesses its SSH password, and from the
//! server moves to four internal hosts over SMB and uploads 5 MB to a new
//! external host; meanwhile a second scanner probes the same server. The
//! flow records are written here (as the pipeline writes them), the alerts
//! come from `taishi_detect::behaviour`, and the correlation must make the
//! intrusion one incident with its stages in order, and the stranger's scan
//! another.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use taishi_assess::assets::AssetIndex;
use taishi_assess::incident::{CorrelationConfig, Correlator, Stage, stages_of};
use taishi_core::domain::AlertRow;
use taishi_detect::behaviour::common::format_time;
use taishi_detect::behaviour::{Behaviour, BehaviourConfig, LateralConfig};
use taishi_detect::observe::Observer;

const INTRUDER: &str = "203.0.113.7";
const STRANGER: &str = "192.0.2.50";
const SERVER: &str = "10.1.0.5";
const DROP: &str = "198.51.100.9";
/// 2026-12-01T10:00:00Z in microseconds (the detectors' unit).
const T0: u64 = 1_796_119_200_000_000;
const US: u64 = 1_000_000;

struct Flow<'a> {
    start: u64,
    secs: u64,
    src: &'a str,
    dst: &'a str,
    dport: u16,
    up: u64,
    down: u64,
    completed: bool,
    app: Option<&'a str>,
}

/// A TCP `flow` record as the pipeline writes it (at the flow's end).
fn flow(f: &Flow<'_>, n: u64) -> Value {
    let start = T0 + f.start * US;
    let end = start + f.secs * US;
    let (ts_flags, tc_flags, pkts_tc) = if f.completed {
        ("1b", "1b", 8)
    } else {
        ("02", "00", 0)
    };
    let mut r = json!({
        "timestamp": format_time(end), "flow_id": 1000 + n, "event_type": "flow",
        "src_ip": f.src, "src_port": 40000 + n % 20000, "dest_ip": f.dst, "dest_port": f.dport,
        "proto": "TCP",
        "flow": {"pkts_toserver": 10, "pkts_toclient": pkts_tc, "bytes_toserver": f.up,
            "bytes_toclient": f.down, "start": format_time(start), "end": format_time(end),
            "state": if f.completed { "closed" } else { "new" }},
        "tcp": {"tcp_flags_ts": ts_flags, "tcp_flags_tc": tc_flags},
    });
    if let (Some(app), Some(obj)) = (f.app, r.as_object_mut()) {
        obj.insert("app_proto".into(), json!(app));
    }
    r
}

fn records() -> Vec<Value> {
    let mut flows = Vec::new();
    let base = |start, src, dst, dport| Flow {
        start,
        secs: 0,
        src,
        dst,
        dport,
        up: 60,
        down: 0,
        completed: false,
        app: None,
    };
    // An admin's long SSH session: the lateral detector learns it as normal.
    flows.push(Flow {
        secs: 600,
        up: 50_000,
        down: 80_000,
        completed: true,
        app: Some("ssh"),
        ..base(0, "10.1.0.250", "10.1.0.251", 22)
    });
    // The intruder's SYN scan of 20 ports, and the stranger's of 20 others.
    for p in 0..20u16 {
        flows.push(base(100 + u64::from(p), INTRUDER, SERVER, 1000 + p));
        flows.push(base(130 + u64::from(p), STRANGER, SERVER, 2000 + p));
    }
    // Twelve short SSH sessions: hydra's guesses.
    for i in 0..12 {
        flows.push(Flow {
            secs: 5,
            up: 3000,
            down: 3000,
            completed: true,
            app: Some("ssh"),
            ..base(400 + i * 10, INTRUDER, SERVER, 22)
        });
    }
    // From the server: SMB to four internal hosts it never spoke to.
    for (i, h) in ["10.1.0.6", "10.1.0.7", "10.1.0.8", "10.1.0.9"]
        .iter()
        .enumerate()
    {
        flows.push(Flow {
            secs: 2,
            up: 5000,
            down: 5000,
            completed: true,
            app: Some("smb"),
            ..base(1000 + i as u64 * 10, SERVER, h, 445)
        });
    }
    // And 5 MB up to a host on the internet it never contacted.
    flows.push(Flow {
        secs: 20,
        up: 5_000_000,
        down: 20_000,
        completed: true,
        app: Some("tls"),
        ..base(1500, SERVER, DROP, 443)
    });
    flows.sort_by_key(|f| f.start);
    flows
        .iter()
        .enumerate()
        .map(|(n, f)| flow(f, n as u64))
        .collect()
}

fn detect(recs: &[Value]) -> Vec<AlertRow> {
    let cfg = BehaviourConfig {
        lateral: LateralConfig {
            learning_secs: 60,
            ..LateralConfig::default()
        },
        ..BehaviourConfig::default()
    };
    let mut b = Behaviour::new(cfg).expect("default detectors");
    let mut out = Vec::new();
    for r in recs {
        b.observe(r, &mut out);
    }
    b.finish(&mut out);
    out.into_iter()
        .enumerate()
        .map(|(i, v)| {
            let mut row = AlertRow::from_eve(v).expect("detector alerts are alert rows");
            row.id = i as i64 + 1;
            row
        })
        .collect()
}

#[test]
fn scan_brute_force_lateral_exfiltration_is_one_incident_in_chain_order() {
    let alerts = detect(&records());
    for a in &alerts {
        eprintln!(
            "{} {} -> {} {:?}",
            a.sid, a.attacker, a.victim, a.techniques
        );
    }
    let sids: BTreeSet<u32> = alerts.iter().map(|a| a.sid).collect();
    for (sid, what) in [
        (3_000_001, "vertical scan"),
        (3_000_101, "SSH brute force"),
        (3_000_601, "lateral movement"),
        (3_000_501, "upload to a new host"),
    ] {
        assert!(
            sids.contains(&sid),
            "the detectors raise no {what}: {sids:?}"
        );
    }

    // Out of order, as several workers would write them.
    let mut shuffled = alerts.clone();
    shuffled.reverse();
    let assets = AssetIndex::default();
    let mut c = Correlator::new(CorrelationConfig::default(), &assets, Vec::new());
    for a in &shuffled {
        c.add(a);
    }
    let (incidents, assignments) = c.finish();
    assert_eq!(assignments.len(), alerts.len());
    assert_eq!(incidents.len(), 2, "{incidents:#?}");

    let intrusion = incidents
        .iter()
        .position(|i| i.attackers.iter().any(|a| a == INTRUDER))
        .expect("an intrusion incident");
    let inc = &incidents[intrusion];
    assert_eq!(inc.attackers, [SERVER, INTRUDER]);
    assert_eq!(
        inc.stages,
        [
            "discovery",
            "credential_access",
            "lateral_movement",
            "exfiltration"
        ]
    );
    assert_eq!(inc.category, "data_security/theft");
    assert!(inc.victims.iter().any(|v| v == DROP));
    // The stages happened in the order the chain lists them.
    let mut first_seen: Vec<(Stage, u64)> = Vec::new();
    for &(id, i) in &assignments {
        if i != intrusion {
            continue;
        }
        let a = alerts.iter().find(|a| a.id == id).expect("alert");
        for s in stages_of(a) {
            match first_seen.iter_mut().find(|(st, _)| *st == s) {
                Some((_, t)) => *t = (*t).min(a.ts),
                None => first_seen.push((s, a.ts)),
            }
        }
    }
    first_seen.sort();
    assert!(
        first_seen.windows(2).all(|w| w[0].1 < w[1].1),
        "{first_seen:?}"
    );

    let stranger = &incidents[1 - intrusion];
    assert_eq!(stranger.attackers, [STRANGER]);
    assert_eq!(stranger.stages, ["discovery"]);
    assert_eq!(stranger.victims, [SERVER]);
}
