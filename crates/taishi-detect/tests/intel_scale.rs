//! Scale of the intel set: one million random IPv4 CIDRs plus one million
//! random domains written to a plain list, read and indexed; lookup and
//! per-record observe costs. Figures are printed, never asserted (run with
//! `cargo test --release -p taishi-detect --test intel_scale -- --ignored
//! --nocapture`). `TAISHI_INTEL_EVE=FILE` replays that EVE file (e.g. the
//! output of `taishi analyze out/bench.pcap`) through the observer too.

use serde_json::Value;
use std::hint::black_box;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;
use taishi_detect::intel::{IntelObserver, IntelSet, parse_file};
use taishi_detect::observe::Observer;

/// xorshift64*: deterministic, and no dependency for a test.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn label(r: &mut Rng, out: &mut String) {
    let n = 4 + r.next() % 9;
    for _ in 0..n {
        out.push(char::from(b'a' + (r.next() % 26) as u8));
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
#[ignore = "scale measurement: run in release with --ignored --nocapture"]
fn million_cidrs_and_million_domains() {
    const N: usize = 1_000_000;
    let path = std::env::temp_dir().join(format!("taishi-intel-scale-{}.txt", std::process::id()));
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut domains = Vec::with_capacity(1000);
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
        for _ in 0..N {
            let a = Ipv4Addr::from(r.next() as u32);
            // Mostly hosts, as real feeds are; a tenth /20-/30 networks.
            // (Random /8s would cover the whole space and make every flow
            // a hit, which measures alert building, not matching.)
            let len = match r.next() % 10 {
                0 => 20 + r.next() % 11,
                _ => 32,
            };
            writeln!(w, "{a}/{len}").expect("write");
        }
        let tlds = ["com", "net", "org", "ru", "cn", "info", "xyz", "top"];
        for i in 0..N {
            let mut d = String::new();
            label(&mut r, &mut d);
            if r.next().is_multiple_of(3) {
                d.push('.');
                label(&mut r, &mut d);
            }
            d.push('.');
            d.push_str(tlds[(r.next() % tlds.len() as u64) as usize]);
            if i.is_multiple_of(1000) {
                domains.push(d.clone());
            }
            writeln!(w, "{d}").expect("write");
        }
    }
    let rss0 = rss_mib();
    let t0 = Instant::now();
    let (_, out) = parse_file(&path, None, "scale").expect("read");
    let t_parse = t0.elapsed();
    let n_read = out.indicators.len();
    let t1 = Instant::now();
    let set = IntelSet::build(out.indicators);
    let t_build = t1.elapsed();
    let _ = std::fs::remove_file(&path);
    println!(
        "read {n_read} indicators ({} bad) in {:.3} s, indexed in {:.3} s: load {:.3} s; {} indexed (duplicates {}); RSS +{:.0} MiB",
        out.bad,
        t_parse.as_secs_f64(),
        t_build.as_secs_f64(),
        (t_parse + t_build).as_secs_f64(),
        set.len(),
        set.stats().duplicates,
        rss_mib() - rss0
    );

    // Lookups: random addresses (few fall in some prefix).
    let probes: Vec<IpAddr> = (0..1_000_000)
        .map(|_| IpAddr::V4(Ipv4Addr::from(r.next() as u32)))
        .collect();
    let mut hits = 0u64;
    let t = Instant::now();
    for ip in &probes {
        set.lookup_ip(black_box(*ip), 0, &mut |_| hits += 1);
    }
    println!(
        "ip lookup: {:.0} ns ({hits} hits of {})",
        t.elapsed().as_nanos() as f64 / probes.len() as f64,
        probes.len()
    );

    // Domains: subdomains of listed ones (hits) and random names (misses).
    let mut names: Vec<String> = domains.iter().map(|d| format!("www.cdn.{d}")).collect();
    for _ in 0..domains.len() {
        let mut d = String::from("www.");
        label(&mut r, &mut d);
        d.push_str(".example.com");
        names.push(d);
    }
    let rounds = 1000;
    let mut hits = 0u64;
    let t = Instant::now();
    for _ in 0..rounds {
        for n in &names {
            set.lookup_domain(black_box(n), 0, &mut |_| hits += 1);
        }
    }
    let per = t.elapsed().as_nanos() as f64 / (rounds * names.len()) as f64;
    println!(
        "domain lookup (4-5 labels, half hits): {per:.0} ns ({} hits per round)",
        hits / rounds as u64
    );

    // Observe cost per record.
    let set = Arc::new(set);
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/intel/records.jsonl"
    ))
    .expect("records fixture");
    let recs: Vec<Value> = fixture
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    observe_cost("fixture records x100000", &set, &recs, 100_000);
    match std::env::var("TAISHI_INTEL_EVE") {
        Ok(p) => match std::fs::read_to_string(&p) {
            Ok(text) => replay(&p, &set, &text),
            Err(e) => eprintln!("{p}: {e}"),
        },
        Err(_) => eprintln!("TAISHI_INTEL_EVE not set: no replay of a whole capture's records"),
    }
}

/// The observer's cost on a capture's records as the pipeline hands them
/// over: each record just built (here: parsed from its line), so hot in
/// cache. Replaying a vector of half a million parsed records instead
/// measures cache misses on the records themselves (~800 ns each).
/// Cost = (parse + observe) - (parse alone), best of three.
fn replay(what: &str, set: &Arc<IntelSet>, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    let mut parse_only = f64::MAX;
    let mut with_observe = f64::MAX;
    let mut alerts = 0;
    for _ in 0..3 {
        let t = Instant::now();
        for l in &lines {
            let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
            black_box(&v);
        }
        parse_only = parse_only.min(t.elapsed().as_secs_f64());
        let mut obs = IntelObserver::new(Arc::clone(set));
        let mut out = Vec::new();
        let t = Instant::now();
        for l in &lines {
            let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
            obs.observe(&v, &mut out);
            out.clear();
        }
        with_observe = with_observe.min(t.elapsed().as_secs_f64());
        alerts = obs.stats().alerts;
    }
    let n = lines.len() as f64;
    println!(
        "replay {what}: {} records; parse {:.3} s, parse+observe {:.3} s: observe {:.3} s, {:.0} ns/record; alerts {alerts}",
        lines.len(),
        parse_only,
        with_observe,
        with_observe - parse_only,
        (with_observe - parse_only) * 1e9 / n
    );
}

fn observe_cost(what: &str, set: &Arc<IntelSet>, recs: &[Value], rounds: usize) {
    let mut obs = IntelObserver::new(Arc::clone(set));
    let mut out = Vec::new();
    let t = Instant::now();
    for _ in 0..rounds {
        for r in recs {
            obs.observe(r, &mut out);
        }
        out.clear();
    }
    let el = t.elapsed();
    let n = (rounds * recs.len()) as f64;
    println!(
        "observe {what}: {} records per round, {:.0} ns/record, {:.3} s per round; alerts {}",
        recs.len(),
        el.as_nanos() as f64 / n,
        el.as_secs_f64() / rounds as f64,
        obs.stats().alerts
    );
}
