//! Command-and-control beaconing (T1071, T1573) from `flow` records.
//!
//! An implant calls home on a timer: connections from one internal host to
//! one external (host, port) whose start times are evenly spaced, give or
//! take a jitter. Per pair the detector keeps the last `max_times` flow
//! start times; once it has `min_connections` it sorts them, merges starts
//! closer than `merge_ms` to the previous one into one check-in (chained,
//! so a continuous burst is one check-in and cannot look periodic), and
//! computes the inter-arrival times' coefficient of variation (standard
//! deviation / mean). A CV at or under `max_cv` with a mean between
//! `min_interval_secs` and `max_interval_secs` is a beacon. Human browsing
//! has CVs well above 1; a ±10% uniform jitter gives about 0.06; ±50%
//! about 0.3.
//!
//! Only internal → external pairs are watched by default: inside a site,
//! polling on a timer (SCADA masters, monitoring) is the normal case.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};
use smallvec::SmallVec;

use super::Internal;
use super::common::{
    Capped, Header, Micros, Parties, SAMPLE_FLOWS, SEC, Signature, alert, eve_ip, evidence,
};

/// Thresholds of the beaconing detector.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeaconConfig {
    /// Run it.
    pub enabled: bool,
    /// Check-ins needed before judging (fewer cannot tell a timer from
    /// chance).
    pub min_connections: usize,
    /// Highest coefficient of variation of the intervals that is a beacon.
    pub max_cv: f64,
    /// Shortest mean interval, seconds (check-ins faster than this are not
    /// judged; implants sleep seconds to hours).
    pub min_interval_secs: u64,
    /// Longest mean interval, seconds.
    pub max_interval_secs: u64,
    /// Starts closer than this to the previous start, milliseconds, belong
    /// to one check-in (one check-in can open two connections; a burst of
    /// connections is one cluster however long it lasts).
    pub merge_ms: u64,
    /// Start times kept per pair (the most recent).
    pub max_times: usize,
    /// Also watch internal → internal pairs.
    pub internal_destinations: bool,
    /// Destination ports never judged (NTP keeps time on a timer by design).
    pub ignore_ports: Vec<u16>,
    /// Pairs held.
    pub max_keys: usize,
    /// A pair idle this long, seconds, is forgotten.
    pub idle_secs: u64,
}

impl Default for BeaconConfig {
    fn default() -> Self {
        BeaconConfig {
            enabled: true,
            min_connections: 10,
            max_cv: 0.2,
            min_interval_secs: 2,
            max_interval_secs: 86_400,
            merge_ms: 500,
            max_times: 64,
            internal_destinations: false,
            ignore_ports: vec![123],
            max_keys: 200_000,
            idle_secs: 86_400,
        }
    }
}

const BEACON: Signature = Signature {
    sid: 3_000_301,
    msg: "TAISHI BEHAVIOUR periodic beaconing to an external host",
    category: "A Network Trojan was detected",
    severity: 1,
    techniques: &["T1071"],
    tactics: &["TA0011"],
    detector: "beaconing",
};

/// What is kept of one (client, server, port). Most pairs are seen once
/// or twice (a browser's visits, a scan's probes), so their times and flow
/// ids stay inline: a pair that never repeats costs no allocation, which
/// was most of the detectors' cost on busy links (docs/detectors.md).
#[derive(Debug, Default)]
struct Pair {
    times: SmallVec<[Micros; 2]>,
    flows: SmallVec<[u64; 2]>,
    fired: bool,
}

/// State of the beaconing detector.
#[derive(Debug)]
pub struct Beacon {
    cfg: BeaconConfig,
    internal: Internal,
    pairs: Capped<(IpAddr, IpAddr, u16), Pair>,
}

impl Beacon {
    /// The detector with these thresholds.
    pub fn new(cfg: BeaconConfig, internal: Internal) -> Beacon {
        Beacon {
            pairs: Capped::new(cfg.max_keys, cfg.idle_secs * SEC),
            cfg,
            internal,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.pairs.evicted
    }

    /// Drops idle pairs.
    pub fn expire(&mut self, now: Micros) {
        self.pairs.expire(now);
    }

    /// One `flow` record; true when it completed a beacon.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) -> bool {
        if !self.cfg.enabled
            || !matches!(h.proto, "TCP" | "UDP")
            || self.cfg.ignore_ports.contains(&h.dport)
            || !self.internal.contains(&h.src)
            || (!self.cfg.internal_destinations && self.internal.contains(&h.dst))
            || super::scan::is_group(&h.dst)
        {
            return false;
        }
        let cfg = &self.cfg;
        let p = self
            .pairs
            .entry((h.src, h.dst, h.dport), h.time, Pair::default);
        if p.fired {
            return false;
        }
        if p.times.len() >= cfg.max_times {
            // Keep the most recent: drop the earliest.
            if let Some((i, _)) = p.times.iter().enumerate().min_by_key(|(_, t)| **t) {
                p.times.swap_remove(i);
            }
        }
        p.times.push(h.time);
        if let Some(id) = h.flow_id {
            if p.flows.len() >= SAMPLE_FLOWS {
                p.flows.remove(0);
            }
            p.flows.push(id);
        }
        if p.times.len() < cfg.min_connections {
            return false;
        }
        let Some(stats) = periodicity(&p.times, cfg.merge_ms * 1000) else {
            return false;
        };
        if stats.checkins < cfg.min_connections
            || stats.cv > cfg.max_cv
            || stats.mean < (cfg.min_interval_secs * SEC) as f64
            || stats.mean > (cfg.max_interval_secs * SEC) as f64
        {
            return false;
        }
        p.fired = true;
        let mut ev = evidence(
            stats.checkins,
            (stats.first, stats.last),
            vec![json!(eve_ip(&h.dst))],
            &p.flows,
        );
        ev.insert(
            "mean_interval_secs".into(),
            json!(round3(stats.mean / SEC as f64)),
        );
        ev.insert("cv".into(), json!(round3(stats.cv)));
        // The flow completing the beacon speaks for the pair: every flow
        // of it goes to the same server port.
        let app = h.str_at(&["app_proto"]);
        let extra: &[&str] = match (app, h.dport) {
            (Some("tls"), _) | (_, 443) => &["T1071.001", "T1573", "T1573.002"],
            (Some("http"), _) | (_, 80 | 8080) => &["T1071.001"],
            (Some("dns"), _) | (_, 53) => &["T1071.004"],
            _ => &[],
        };
        if let Some(app) = app {
            ev.insert("app_proto".into(), json!(app));
        }
        let parties = Parties::forward(h);
        out.push(alert(&BEACON, extra, stats.last, &parties, ev));
        true
    }

    /// Nothing is pending: a beacon is judged as its flows arrive.
    pub fn finish(&mut self, _out: &mut [Value]) {}
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Regularity of a set of start times.
#[derive(Debug)]
struct Periodicity {
    checkins: usize,
    mean: f64,
    cv: f64,
    first: Micros,
    last: Micros,
}

fn periodicity(times: &[Micros], merge: Micros) -> Option<Periodicity> {
    let mut t = times.to_vec();
    t.sort_unstable();
    let mut starts: Vec<Micros> = Vec::with_capacity(t.len());
    let mut prev: Option<Micros> = None;
    for x in t {
        if prev.is_none_or(|p| x.saturating_sub(p) >= merge) {
            starts.push(x);
        }
        prev = Some(x);
    }
    if starts.len() < 3 {
        return None;
    }
    let gaps: Vec<f64> = starts.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let n = gaps.len() as f64;
    let mean = gaps.iter().sum::<f64>() / n;
    if mean <= 0.0 {
        return None;
    }
    let var = gaps.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / n;
    Some(Periodicity {
        checkins: starts.len(),
        mean,
        cv: var.sqrt() / mean,
        first: *starts.first()?,
        last: *starts.last()?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    fn run(b: &mut Beacon, starts: &[Micros], dst: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for (i, t) in starts.iter().enumerate() {
            let r = json!({"timestamp": format_time(*t), "flow_id": i, "event_type": "flow",
                "src_ip": "10.10.2.57", "src_port": 40000 + i, "dest_ip": dst, "dest_port": 443,
                "proto": "TCP", "app_proto": "tls", "flow": {"start": format_time(*t)}});
            b.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        out
    }

    #[test]
    fn jittered_timer_is_a_beacon() {
        let mut b = Beacon::new(BeaconConfig::default(), Internal::default());
        // 30 s ± up to 3 s, deterministic pseudo-jitter.
        let starts: Vec<Micros> = (0..19u64)
            .map(|i| T0 + i * 30 * SEC + ((i * 7919) % 6) * SEC / 2)
            .collect();
        let out = run(&mut b, &starts, "203.0.113.80");
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.10.2.57");
        let t = out[0]["alert"]["metadata"]["mitre_technique_id"]
            .as_array()
            .unwrap();
        assert!(t.contains(&json!("T1071.001")));
    }

    #[test]
    fn irregular_browsing_is_not() {
        let mut b = Beacon::new(BeaconConfig::default(), Internal::default());
        let mut t = T0;
        let starts: Vec<Micros> = (0..40u64)
            .map(|i| {
                t += ((i * i * 7919) % 300 + 6) * SEC;
                t
            })
            .collect();
        assert!(run(&mut b, &starts, "203.0.113.80").is_empty());
        // Regular, but to an internal host.
        let starts: Vec<Micros> = (0..40u64).map(|i| T0 + i * 30 * SEC).collect();
        assert!(run(&mut b, &starts, "10.20.0.5").is_empty());
    }

    #[test]
    fn a_continuous_burst_is_one_checkin() {
        let mut b = Beacon::new(BeaconConfig::default(), Internal::default());
        // A resolver forwarding a query every 190 ms for a minute.
        let starts: Vec<Micros> = (0..300u64).map(|i| T0 + i * 190_000).collect();
        assert!(run(&mut b, &starts, "203.0.113.80").is_empty());
    }

    #[test]
    fn nine_checkins_are_too_few() {
        let mut b = Beacon::new(BeaconConfig::default(), Internal::default());
        let starts: Vec<Micros> = (0..9u64).map(|i| T0 + i * 30 * SEC).collect();
        assert!(run(&mut b, &starts, "203.0.113.80").is_empty());
        let mut b = Beacon::new(BeaconConfig::default(), Internal::default());
        let starts: Vec<Micros> = (0..10u64).map(|i| T0 + i * 30 * SEC).collect();
        assert_eq!(run(&mut b, &starts, "203.0.113.80").len(), 1);
    }
}
