//! How long `compute` and `summary` take on a week of alerts in a SQLite
//! file: `cargo run --release -p taishi-assess --example posture_bench [ALERTS]`.
//!
//! The alerts are synthetic (one signature per host group, times spread
//! over seven days with a daily rhythm), written as EVE lines and ingested
//! like the pipeline's; the registry puts 512 hosts in four zones.

use std::time::Instant;

use taishi_assess::assets::AssetIndex;
use taishi_assess::posture::{PostureConfig, compute, summary};
use taishi_core::domain::{Asset, Scope, ScopeKind};
use taishi_core::{Store, Timestamp};
use taishi_store::sqlite::SqliteStore;

const ZONES: [&str; 4] = ["IT", "DMZ", "OT", "L1"];

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("bench.db")).expect("open");
    let assets: Vec<Asset> = ZONES
        .iter()
        .enumerate()
        .map(|(z, zone)| Asset {
            address: format!("10.{z}.0.0/23"),
            criticality: 2 + z as u8 % 4,
            cii: z >= 2,
            zone: (*zone).into(),
            ..Asset::default()
        })
        .collect();
    store.put_assets(&assets).expect("assets");
    let start = 1_780_000_000u64;
    let week = 7 * 86_400u64;
    let mut lines = String::new();
    let t = Instant::now();
    for i in 0..n {
        // Spread over the week, denser in office hours.
        let frac = (i as f64 + 0.5) / n as f64;
        let secs = start + (frac * week as f64) as u64;
        let hour = secs % 86_400 / 3600;
        if !(7..19).contains(&hour) && i % 3 != 0 {
            continue;
        }
        let host = i.wrapping_mul(2_654_435_761) % 512;
        let (z, h) = (host / 128, host % 128);
        let ts = Timestamp::new(secs, 0);
        lines.push_str(&format!(
            concat!(
                r#"{{"timestamp":"{ts}","event_type":"alert","src_ip":"203.0.113.{a}","src_port":4{p:04},"#,
                r#""dest_ip":"10.{z}.0.{h}","dest_port":{dp},"proto":"TCP","#,
                r#""alert":{{"gid":1,"signature_id":{sid},"rev":1,"signature":"bench {sid}","category":"","severity":{sev}}}}}"#,
                "\n"
            ),
            ts = ts,
            a = i % 200,
            p = i % 10_000,
            z = z,
            h = h,
            dp = [22, 80, 443, 502][(i % 4) as usize],
            sid = 1000 + i % 50,
            sev = 1 + i % 4,
        ));
        if lines.len() > 4 << 20 {
            store.ingest(lines.as_bytes()).expect("ingest");
            lines.clear();
        }
    }
    store.ingest(lines.as_bytes()).expect("ingest");
    let alerts = store.count_alerts(&Default::default()).expect("count");
    println!(
        "ingested {alerts} alerts in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let index = AssetIndex::new(assets);
    let config = PostureConfig::default();
    let t = Instant::now();
    let r = compute(&store, &index, &config).expect("compute");
    println!(
        "compute (full): {:.2} s, {} alerts read, {} points, {} forecast points",
        t.elapsed().as_secs_f64(),
        r.alerts_read,
        r.points_written,
        r.forecast_points
    );
    let t = Instant::now();
    let r = compute(&store, &index, &config).expect("compute");
    println!(
        "compute (incremental, nothing new): {:.2} s, {} alerts read, {} points",
        t.elapsed().as_secs_f64(),
        r.alerts_read,
        r.points_written
    );
    let t = Instant::now();
    let s = summary(
        &store,
        &index,
        &config,
        &Scope {
            kind: ScopeKind::Organisation,
            key: String::new(),
        },
    )
    .expect("summary");
    println!(
        "summary (organisation): {:.2} s, {} points, forecast {:?}, back-test MAE {:?} (naive {:?})",
        t.elapsed().as_secs_f64(),
        s.series.len(),
        s.forecast_method,
        s.backtest.mae,
        s.backtest.naive_mae
    );
}
