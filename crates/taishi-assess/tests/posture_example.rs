//! The posture through the SQLite store on real alerts: the demo site's
//! hour of quiet, ten minutes of attacks (the demo scenario, analysed with
//! the demo rules and the behavioural detectors) and another hour of quiet
//! (examples/posture_example.sh made them).

#[path = "../examples/posture_plot/data.rs"]
mod data;

use taishi_assess::posture::{PostureConfig, compute, explain_at, summary};
use taishi_core::Store;
use taishi_core::domain::{Incident, Level, PosturePoint, Scope, ScopeKind};
use taishi_core::store::PostureQuery;

fn org() -> Scope {
    Scope {
        kind: ScopeKind::Organisation,
        key: String::new(),
    }
}

fn measured(store: &dyn Store, kind: ScopeKind, key: &str) -> Vec<PosturePoint> {
    let mut v: Vec<PosturePoint> = store
        .posture(&PostureQuery {
            kind: Some(kind),
            key: Some(key.into()),
            ..PostureQuery::default()
        })
        .expect("posture")
        .into_iter()
        .filter(|p| !p.forecast)
        .collect();
    v.sort_by_key(|p| p.bucket);
    v
}

/// The criterion of issue 6: the level rises within one bucket of the
/// attack's start and returns after it ends.
#[test]
fn level_rises_with_the_attack_and_returns_after_it() {
    let ex = data::load();
    let config = PostureConfig::default();
    let w = config.bucket_secs;
    compute(&ex.store, &ex.assets, &config).expect("compute");
    let series = measured(&ex.store, ScopeKind::Organisation, "");
    let start_bucket = ex.attack_start - ex.attack_start % w;
    let end_bucket = ex.attack_end - ex.attack_end % w;

    // No holes from the first alert to the end of the decay.
    assert!(series.windows(2).all(|p| p[1].bucket - p[0].bucket == w));
    // Quiet before: the operators' own Modbus writes read at most blue.
    let before: Vec<&PosturePoint> = series.iter().filter(|p| p.bucket < start_bucket).collect();
    assert!(before.len() >= 11, "an hour of quiet: {}", before.len());
    assert!(before.iter().all(|p| p.level <= Level::Blue), "{before:?}");
    // Rises within one bucket of the start, to orange or red.
    let risen = series
        .iter()
        .find(|p| p.level >= Level::Yellow)
        .expect("the level rises");
    assert!(
        risen.bucket <= start_bucket + w,
        "rose at {} for an attack starting in bucket {start_bucket}",
        risen.bucket
    );
    let peak = series.iter().map(|p| p.level).max();
    assert!(peak >= Some(Level::Orange), "{peak:?}");
    // Returns after the end: within six half-lives it is back to blue or
    // green and stays there (the quiet hour after has writes of its own).
    let back_by = end_bucket + (6.0 * config.half_life_buckets) as u64 * w;
    let after: Vec<&PosturePoint> = series.iter().filter(|p| p.bucket >= back_by).collect();
    assert!(!after.is_empty());
    assert!(after.iter().all(|p| p.level <= Level::Blue), "{after:?}");
    assert_eq!(series.last().map(|p| p.level), Some(Level::Green));

    // The PLC under attack rises too, and its Modbus service carries it.
    let plc = measured(&ex.store, ScopeKind::Host, "10.20.0.12");
    assert!(
        plc.iter()
            .any(|p| p.bucket == start_bucket && p.level == Level::Red)
    );
    let svc = measured(&ex.store, ScopeKind::Service, "10.20.0.12:502/TCP");
    assert!(
        svc.iter()
            .any(|p| p.bucket == start_bucket && p.level >= Level::Orange)
    );
    let ot = measured(&ex.store, ScopeKind::Zone, "OT");
    assert_eq!(ot.len(), series.len());
}

#[test]
fn the_peak_is_explained_by_the_plc_writes() {
    let ex = data::load();
    let config = PostureConfig::default();
    compute(&ex.store, &ex.assets, &config).expect("compute");
    let s = summary(&ex.store, &ex.assets, &config, &org()).expect("summary");
    let peak = s.peak.as_ref().expect("a peak");
    assert_eq!(
        peak.bucket,
        ex.attack_start - ex.attack_start % config.bucket_secs
    );
    let e = s.peak_explanation.as_ref().expect("explained");
    assert_eq!(e.hosts.first().map(|c| c.key.as_str()), Some("10.20.0.12"));
    assert_eq!(
        e.services.first().map(|c| c.key.as_str()),
        Some("10.20.0.12:502/TCP")
    );
    assert!(e.incidents.iter().any(|c| c.label.contains("Modbus write")));
    let shares: f64 = e.hosts.iter().map(|c| c.share).sum();
    assert!(shares <= 1.0 + 1e-9 && shares > 0.9, "{shares}");
    // The explanation's figure is the stored one.
    assert!((e.index - peak.index).abs() < 1e-6);
    // Now: quiet again, and the level fell over the last hour.
    assert_eq!(s.level, Level::Green);
    assert_eq!(s.as_of, s.series.last().map(|p| p.bucket));
    assert_eq!(s.forecast.len(), config.horizon);
    assert!(
        s.forecast
            .iter()
            .all(|p| p.forecast && (0.0..=100.0).contains(&p.index))
    );
    assert!(s.backtest.samples > 0);
    // The forecast compute() stored is the one summary() shows.
    let stored: Vec<PosturePoint> = ex
        .store
        .posture(&PostureQuery {
            kind: Some(ScopeKind::Organisation),
            forecast: true,
            ..PostureQuery::default()
        })
        .expect("posture")
        .into_iter()
        .filter(|p| p.forecast)
        .collect();
    assert_eq!(stored, s.forecast);
    // A host's stored series has gaps where it had no threat; its summary
    // fills them with zeros so that trend and forecast see time pass.
    // PLC 10.20.0.14 had the HMI's writes at 07:10 and 08:38 only.
    let plc = Scope {
        kind: ScopeKind::Host,
        key: "10.20.0.14".into(),
    };
    let h = summary(&ex.store, &ex.assets, &config, &plc).expect("host summary");
    let stored = measured(&ex.store, ScopeKind::Host, "10.20.0.14");
    assert!(
        h.series.len() > stored.len(),
        "{} vs {}",
        h.series.len(),
        stored.len()
    );
    assert!(
        h.series
            .windows(2)
            .all(|p| p[1].bucket - p[0].bucket == config.bucket_secs)
    );
    assert!(h.peak.is_some_and(|p| p.level <= Level::Blue));
    let json = serde_json::to_value(&s).expect("json");
    assert_eq!(json["level"], "green");
    assert!(json["explanation"]["incidents"].is_array());
}

#[test]
fn incidents_weigh_by_stage_and_false_positives_drop_out() {
    let ex = data::load();
    let config = PostureConfig::default();
    let start = ex.attack_start - ex.attack_start % config.bucket_secs;
    let at = |store: &dyn Store| {
        explain_at(store, &ex.assets, &config, &org(), start)
            .expect("explain")
            .raw
    };
    let plain = at(&ex.store);
    // Put the stranger's alerts in one impact-stage incident: they weigh
    // twice as much as uncorrelated reconnaissance.
    let alerts = ex
        .store
        .alerts(&taishi_core::store::AlertQuery {
            ip: Some("10.10.2.57".into()),
            ..Default::default()
        })
        .expect("alerts");
    assert!(!alerts.is_empty());
    let mut incidents = vec![Incident {
        title: "Intrusion into the pump station".into(),
        attackers: vec!["10.10.2.57".into()],
        stages: vec!["discovery".into(), "impact".into()],
        ..Incident::default()
    }];
    let assign: Vec<(i64, usize)> = alerts.iter().map(|a| (a.id, 0)).collect();
    ex.store
        .save_correlation(&mut incidents, &assign)
        .expect("save");
    let staged = at(&ex.store);
    assert!(staged > plain * 1.3, "{staged} vs {plain}");
    let e = explain_at(&ex.store, &ex.assets, &config, &org(), start).expect("explain");
    assert_eq!(
        e.incidents.first().map(|c| c.label.as_str()),
        Some("Intrusion into the pump station")
    );
    // An analyst marks it a false positive (status belongs to analysts:
    // a correlation pass never changes it).
    ex.store
        .update_incident(
            incidents[0].id,
            &taishi_core::store::IncidentUpdate {
                status: Some(taishi_core::domain::IncidentStatus::FalsePositive),
                ..Default::default()
            },
        )
        .expect("update")
        .expect("exists");
    let dropped = at(&ex.store);
    assert!(dropped < plain, "{dropped} vs {plain}");
}

/// Computing in two runs (alerts arriving in two batches) gives the same
/// series as one run over everything.
#[test]
fn incremental_runs_match_one_full_run() {
    let config = PostureConfig::default();
    let lines: Vec<&str> = data::EVE.lines().collect();
    let (first, second) = lines.split_at(lines.len() / 2);
    let ex = data::load();
    compute(&ex.store, &ex.assets, &config).expect("full");
    let full = measured(&ex.store, ScopeKind::Organisation, "");

    let two = taishi_store::sqlite::SqliteStore::open_in_memory().expect("store");
    let join = |l: &[&str]| l.iter().map(|s| format!("{s}\n")).collect::<String>();
    two.ingest(join(first).as_bytes()).expect("ingest");
    let r1 = compute(&two, &ex.assets, &config).expect("first run");
    assert!(r1.full);
    two.ingest(join(second).as_bytes()).expect("ingest");
    let r2 = compute(&two, &ex.assets, &config).expect("second run");
    assert!(!r2.full);
    assert!(r2.alerts_read < lines.len() as u64, "{r2:?}");
    let inc = measured(&two, ScopeKind::Organisation, "");
    assert_eq!(inc.len(), full.len());
    for (a, b) in inc.iter().zip(&full) {
        assert_eq!(a.bucket, b.bucket);
        assert!((a.index - b.index).abs() < 1e-6, "{a:?} vs {b:?}");
    }
    // A third run with nothing new changes nothing.
    let r3 = compute(&two, &ex.assets, &config).expect("third run");
    assert_eq!(measured(&two, ScopeKind::Organisation, ""), inc);
    assert!(!r3.full);
    // A longer forecast is display only; a new registry changes the figures.
    let longer = PostureConfig {
        horizon: 24,
        ..config.clone()
    };
    assert!(!compute(&two, &ex.assets, &longer).expect("run").full);
    // Traffic seen again (times, services) is not the registry changing.
    let mut seen_again = ex.assets.all().to_vec();
    for a in &mut seen_again {
        a.last_seen += 3_600_000_000_000;
        a.services.clear();
    }
    let seen_again = taishi_assess::assets::AssetIndex::new(seen_again);
    assert!(!compute(&two, &seen_again, &longer).expect("run").full);
    let mut graver = ex.assets.all().to_vec();
    graver[0].criticality = if graver[0].criticality == 5 { 4 } else { 5 };
    let graver = taishi_assess::assets::AssetIndex::new(graver);
    assert!(compute(&two, &graver, &longer).expect("run").full);
    assert!(compute(&two, &ex.assets, &longer).expect("back").full);
    let fewer = taishi_assess::assets::AssetIndex::new(Vec::new());
    let r5 = compute(&two, &fewer, &longer).expect("new registry");
    assert!(r5.full);
    assert!(measured(&two, ScopeKind::Zone, "unknown").len() > 1);
}
