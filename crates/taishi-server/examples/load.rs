//! Serves a database and measures the Overview API from the same process.
//!
//! ```text
//! cargo run --release -p taishi-server --example load -- DB [ALERTS] [SECONDS] [CONNECTIONS]
//! ```
//! Creates DB with ALERTS synthetic alerts (default 1 000 000) in 100
//! incidents when it does not exist, starts the server on 127.0.0.1:0,
//! makes an API token, then runs CONNECTIONS keep-alive clients (default
//! 8) for SECONDS (default 10) against each Overview endpoint and prints
//! requests/s and latency percentiles. Client and server share the
//! machine, so the figures are a floor; `wrk` from another core (see
//! docs/api.md) is the real measurement.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taishi_core::Store;
use taishi_core::control::{ApiToken, ControlStore};
use taishi_core::domain::{Grade, Incident, IncidentStatus};
use taishi_core::store::AlertQuery;
use taishi_server::auth::{now_ns, random_secret, sha256_hex};
use taishi_server::{AppState, ServerConfig};
use taishi_store::SqliteStore;

const T0: u64 = 1_714_557_600;

fn fill(store: &SqliteStore, alerts: u64) -> Result<(), Box<dyn std::error::Error>> {
    let batch = 50_000;
    let mut done = 0;
    while done < alerts {
        let mut lines = String::new();
        for i in done..(done + batch).min(alerts) {
            let victim = format!("10.0.{}.{}", (i / 250) % 4, i % 250 + 1);
            let attacker = format!("203.0.113.{}", i % 100);
            let ts = taishi_core::Timestamp::new(T0 + i / 20, 0).to_string();
            lines.push_str(&format!(
                "{{\"timestamp\":\"{ts}\",\"event_type\":\"alert\",\"src_ip\":\"{attacker}\",\"src_port\":4000,\"dest_ip\":\"{victim}\",\"dest_port\":502,\"proto\":\"TCP\",\"alert\":{{\"gid\":1,\"signature_id\":{},\"rev\":1,\"signature\":\"load\",\"category\":\"x\",\"severity\":{}}}}}\n",
                9000 + i % 50,
                1 + i % 4
            ));
        }
        store.ingest(lines.as_bytes())?;
        done = (done + batch).min(alerts);
    }
    let mut incidents: Vec<Incident> = (0..100)
        .map(|k| Incident {
            title: format!("load {k}"),
            attackers: vec![format!("203.0.113.{k}")],
            victims: vec!["10.0.0.1".into()],
            severity: k as f64,
            grade: Grade::General,
            status: IncidentStatus::New,
            first_seen: T0 * 1_000_000_000,
            last_seen: (T0 + k) * 1_000_000_000,
            ..Incident::default()
        })
        .collect();
    let ids = store.alerts(&AlertQuery {
        limit: Some(100_000),
        ..AlertQuery::default()
    })?;
    let assign: Vec<(i64, usize)> = ids.iter().map(|a| (a.id, (a.id % 100) as usize)).collect();
    store.save_correlation(&mut incidents, &assign)?;
    Ok(())
}

/// One keep-alive client: requests until `until`, latencies in µs.
fn client(addr: SocketAddr, path: &str, token: &str, until: Instant) -> std::io::Result<Vec<u64>> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let mut r = BufReader::new(s.try_clone()?);
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
    let mut lat = Vec::new();
    while Instant::now() < until {
        let t = Instant::now();
        s.write_all(req.as_bytes())?;
        let mut len = 0usize;
        let mut status = String::new();
        loop {
            let mut line = String::new();
            r.read_line(&mut line)?;
            if status.is_empty() {
                status = line.clone();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body)?;
        if !status.contains(" 200 ") {
            return Err(std::io::Error::other(format!("{path}: {status}")));
        }
        lat.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
    }
    Ok(lat)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = PathBuf::from(
        args.next()
            .ok_or("usage: load DB [ALERTS] [SECONDS] [CONNECTIONS]")?,
    );
    let alerts: u64 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let secs: u64 = args.next().map_or(Ok(10), |a| a.parse())?;
    let conns: usize = args.next().map_or(Ok(8), |a| a.parse())?;
    let fresh = !db.exists();
    let store = Arc::new(SqliteStore::open(&db)?);
    if fresh {
        let t = Instant::now();
        fill(&store, alerts)?;
        println!(
            "filled {} with {alerts} alerts in {:.1?}",
            db.display(),
            t.elapsed()
        );
    }
    println!(
        "alerts in store: {}",
        store.count_alerts(&AlertQuery::default())?
    );
    let _ = taishi_server::bootstrap_admin(&*store)?;
    let admin = store.user_by_name("admin")?.ok_or("no admin")?;
    let token = random_secret();
    store.create_token(&ApiToken {
        id: 0,
        user_id: admin.id,
        name: "load".into(),
        token_hash: sha256_hex(token.as_bytes()),
        created: now_ns(),
        last_used: None,
    })?;
    let control: Arc<dyn ControlStore> = store.clone();
    let state = AppState::new(store.clone(), control, ServerConfig::default());
    let rt = tokio::runtime::Runtime::new()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(taishi_server::serve_on(state, listener));
    for path in [
        "/api/v1/incidents?limit=10&order=severity",
        "/api/v1/submissions/stats",
        "/api/v1/posture?scope=org",
        "/api/v1/alerts?limit=20&newest_first=true",
    ] {
        let until = Instant::now() + Duration::from_secs(secs);
        let started = Instant::now();
        let handles: Vec<_> = (0..conns)
            .map(|_| {
                let token = token.clone();
                std::thread::spawn(move || client(addr, path, &token, until))
            })
            .collect();
        let mut lat = Vec::new();
        for h in handles {
            lat.extend(h.join().map_err(|_| "client panicked")??);
        }
        let took = started.elapsed().as_secs_f64();
        lat.sort_unstable();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        println!(
            "{path}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} requests, {conns} connections)",
            lat.len() as f64 / took,
            pct(0.5) as f64 / 1000.0,
            pct(0.99) as f64 / 1000.0,
            lat.len()
        );
    }
    Ok(())
}
