//! Builds a large synthetic database and times the queries behind the
//! situation report (the issue's "under 1 s on 10 million flows").
//!
//! ```text
//! cargo run --release -p taishi-store --example big_db -- PATH [FLOWS]
//! ```
//! builds PATH with FLOWS flows (default 10 000 000) spread over 7 days
//! when it does not exist yet, then runs each query 5 times and prints the
//! median. Rows go in by direct INSERTs in large transactions, with
//! address, port and protocol mixes shaped like a site's traffic: a few
//! busy clients and servers, most flows on a handful of services.

use std::path::Path;
use std::time::{Duration, Instant};

use taishi_core::Store;
use taishi_core::domain::{Grade, Incident, IncidentStatus, Level, PosturePoint, Scope, ScopeKind};
use taishi_core::store::{AlertQuery, FlowGroup, FlowQuery, IncidentQuery, PostureQuery};
use taishi_store::SqliteStore;

const NS: u64 = 1_000_000_000;
const DAY: u64 = 86_400;
/// The end of the synthetic week, 2024-05-08T00:00:00Z.
const END: u64 = 1_715_126_400;

/// splitmix64: a fast, good-enough generator for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Skewed towards 0: a few values take most draws.
    fn skewed(&mut self, n: u64) -> u64 {
        let a = self.below(n);
        self.below(a + 1)
    }
}

/// (port, transport, app_proto, weight)
const SERVICES: &[(u16, &str, Option<&str>, u64)] = &[
    (443, "TCP", Some("tls"), 35),
    (53, "UDP", Some("dns"), 25),
    (80, "TCP", Some("http"), 12),
    (502, "TCP", Some("modbus"), 6),
    (20000, "TCP", Some("dnp3"), 3),
    (102, "TCP", Some("s7comm"), 2),
    (22, "TCP", Some("ssh"), 3),
    (25, "TCP", Some("smtp"), 2),
    (21, "TCP", Some("ftp"), 1),
    (3389, "TCP", None, 2),
    (123, "UDP", None, 4),
    (0, "TCP", None, 5), // a random high port
];

fn build(path: &Path, n: u64) {
    let store = SqliteStore::open(path).expect("create database");
    drop(store);
    let mut conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL; PRAGMA cache_size=-262144;",
    )
    .expect("pragmas");
    let mut rng = Rng(42);
    let total_weight: u64 = SERVICES.iter().map(|s| s.3).sum();
    let start_all = END - 7 * DAY;
    let step = (7 * DAY * NS) / n.max(1);
    let t = Instant::now();
    let chunk = 500_000;
    let mut i = 0;
    while i < n {
        let tx = conn.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO flows (start, end_ts, flow_id, src_ip, src_port, dest_ip,
                     dest_port, proto, app_proto, pkts, bytes_toserver, bytes_toclient, state, alerted)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .expect("prepare");
            for _ in 0..chunk.min(n - i) {
                let start = start_all * NS + i * step + rng.below(step.max(1));
                let mut w = rng.below(total_weight);
                let svc = SERVICES
                    .iter()
                    .find(|s| {
                        if w < s.3 {
                            true
                        } else {
                            w -= s.3;
                            false
                        }
                    })
                    .unwrap_or(&SERVICES[0]);
                let port = if svc.0 == 0 {
                    1024 + rng.below(60000) as u16
                } else {
                    svc.0
                };
                // 5000 clients, 2000 servers inside, some outside.
                let c = rng.skewed(5000);
                let src = format!("10.{}.{}.{}", 1 + c / 65536, (c / 256) % 256, c % 256);
                let s = rng.skewed(2000);
                let dst = if s.is_multiple_of(3) {
                    format!("203.0.{}.{}", (s / 256) % 256, s % 256)
                } else {
                    format!("10.200.{}.{}", (s / 256) % 256, s % 256)
                };
                let up = 60 + rng.skewed(20_000);
                let down = 60 + rng.skewed(200_000);
                stmt.execute(rusqlite::params![
                    i64::try_from(start).unwrap_or(i64::MAX),
                    i64::try_from(start + rng.below(30 * NS)).unwrap_or(i64::MAX),
                    (rng.next() >> 1) as i64,
                    src,
                    1024 + rng.below(60000) as i64,
                    dst,
                    i64::from(port),
                    svc.1,
                    svc.2,
                    (2 + rng.skewed(200)) as i64,
                    up as i64,
                    down as i64,
                    "closed",
                    false,
                ])
                .expect("insert");
                i += 1;
            }
        }
        tx.commit().expect("commit");
        eprintln!("{i} flows, {:.0?}", t.elapsed());
    }
    drop(conn);
    let store = SqliteStore::open(path).expect("reopen");
    store.rebuild_rollups().expect("rollups");
    eprintln!("rollups rebuilt, {:.0?}", t.elapsed());
    // Alerts and incidents at a plausible ratio to the flows.
    let mut lines = Vec::new();
    for k in 0..(n / 50) {
        let ts = start_all + k * (7 * DAY) / (n / 50).max(1);
        let a = rng.skewed(300);
        lines.extend_from_slice(
            format!(
                r#"{{"timestamp":"{}","event_type":"alert","src_ip":"198.51.{}.{}","src_port":4000,"dest_ip":"10.200.0.{}","dest_port":502,"proto":"TCP","alert":{{"gid":1,"signature_id":{},"rev":1,"signature":"test","category":"x","severity":{}}}}}"#,
                taishi_core::Timestamp::new(ts, 0),
                a / 256,
                a % 256,
                rng.below(250),
                2_000_000 + rng.skewed(500),
                1 + rng.below(4)
            )
            .as_bytes(),
        );
        lines.push(b'\n');
        if lines.len() > 4_000_000 {
            store.ingest(&lines).expect("alerts");
            lines.clear();
        }
    }
    store.ingest(&lines).expect("alerts");
    let mut incidents: Vec<Incident> = (0..5000)
        .map(|k| Incident {
            title: format!("incident {k}"),
            attackers: vec![format!("198.51.{}.{}", k / 256 % 256, k % 256)],
            victims: vec![format!("10.200.0.{}", k % 250)],
            severity: (rng.below(1000) as f64) / 10.0,
            grade: Grade::General,
            status: IncidentStatus::New,
            first_seen: (start_all + k * 120) * NS,
            last_seen: (start_all + k * 120 + 600) * NS,
            alert_count: 10,
            ..Default::default()
        })
        .collect();
    store
        .save_correlation(&mut incidents, &[])
        .expect("incidents");
    // A 5-minute posture series for the organisation, 10 zones and 200 hosts.
    let mut points = Vec::new();
    let scopes: Vec<Scope> = std::iter::once(Scope {
        kind: ScopeKind::Organisation,
        key: String::new(),
    })
    .chain((0..10).map(|z| Scope {
        kind: ScopeKind::Zone,
        key: format!("zone{z}"),
    }))
    .chain((0..200).map(|h| Scope {
        kind: ScopeKind::Host,
        key: format!("10.200.0.{h}"),
    }))
    .collect();
    for scope in &scopes {
        for b in 0..(7 * DAY / 300) {
            points.push(PosturePoint {
                scope: scope.clone(),
                bucket: start_all + b * 300,
                width: 300,
                index: (rng.below(1000) as f64) / 10.0,
                level: Level::Blue,
                forecast: false,
            });
        }
    }
    store.put_posture(&points).expect("posture");
    eprintln!("built in {:.0?}", t.elapsed());
}

fn time<T>(name: &str, f: impl Fn() -> T) -> Duration {
    let mut d: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    // The first run is shown apart: an address summary builds the hourly
    // rollups it lacks then, and later runs read them.
    let first = d[0];
    d.sort();
    println!(
        "{name:<40} median {:>9.1?}  (first {first:.1?}, min {:.1?}, max {:.1?})",
        d[2], d[0], d[4]
    );
    d[2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: big_db PATH [FLOWS]");
        std::process::exit(2);
    };
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let path = Path::new(&path);
    if !path.exists() {
        build(path, n);
    }
    let store = SqliteStore::open(path).expect("open");
    let day = FlowQuery {
        since: Some((END - DAY) * NS),
        until: Some(END * NS),
        limit: Some(10),
        ..Default::default()
    };
    let week = FlowQuery {
        since: Some((END - 7 * DAY) * NS),
        until: Some(END * NS),
        limit: Some(10),
        ..Default::default()
    };
    println!(
        "flows in database: {}",
        store.count_flows(&FlowQuery::default()).expect("count")
    );
    // Windows ending at 17:29:59.5, not on an hour: their edges come from the flows.
    let odd_end = (END - 6 * 3600 - 1800) * NS - NS / 2;
    let odd_day = FlowQuery {
        since: Some(odd_end - DAY * NS),
        until: Some(odd_end),
        ..day.clone()
    };
    let odd_week = FlowQuery {
        since: Some(odd_end - 6 * DAY * NS),
        until: Some(odd_end),
        ..day.clone()
    };
    time("count_flows 24h", || store.count_flows(&day).expect("q"));
    time("count_flows 7d", || store.count_flows(&week).expect("q"));
    time("flows of one server 24h, first 100", || {
        store
            .flows(&FlowQuery {
                ip: Some("10.200.0.7".into()),
                limit: Some(100),
                ..odd_day.clone()
            })
            .expect("q")
    });
    time("count_flows app_proto=modbus 24h", || {
        store
            .count_flows(&FlowQuery {
                app_proto: Some("modbus".into()),
                ..odd_day.clone()
            })
            .expect("q")
    });
    for (name, g) in [
        ("AppProto", FlowGroup::AppProto),
        ("SrcIp", FlowGroup::SrcIp),
        ("DestIp", FlowGroup::DestIp),
        ("Service", FlowGroup::Service),
    ] {
        time(&format!("flow_summary {name} 24h"), || {
            store.flow_summary(&day, g).expect("q")
        });
        time(&format!("flow_summary {name} 7d"), || {
            store.flow_summary(&week, g).expect("q")
        });
        time(&format!("flow_summary {name} 24h unaligned"), || {
            store.flow_summary(&odd_day, g).expect("q")
        });
        time(&format!("flow_summary {name} 6d unaligned"), || {
            store.flow_summary(&odd_week, g).expect("q")
        });
    }
    time("alerts newest 50", || {
        store
            .alerts(&AlertQuery {
                newest_first: true,
                limit: Some(50),
                ..Default::default()
            })
            .expect("q")
    });
    time("count_alerts 24h", || {
        store
            .count_alerts(&AlertQuery {
                since: Some((END - DAY) * NS),
                ..Default::default()
            })
            .expect("q")
    });
    time("incidents by severity, 10", || {
        store
            .incidents(&IncidentQuery {
                by_severity: true,
                limit: Some(10),
                ..Default::default()
            })
            .expect("q")
    });
    time("posture organisation 7d", || {
        store
            .posture(&PostureQuery {
                kind: Some(ScopeKind::Organisation),
                key: Some(String::new()),
                since: Some(END - 7 * DAY),
                ..Default::default()
            })
            .expect("q")
    });
    time("posture every host 7d", || {
        store
            .posture(&PostureQuery {
                kind: Some(ScopeKind::Host),
                since: Some(END - 7 * DAY),
                ..Default::default()
            })
            .expect("q")
    });
}
