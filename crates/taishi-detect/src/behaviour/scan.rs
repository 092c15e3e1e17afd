//! Port scans (T1046) and host sweeps (T1018) from `flow` records.
//!
//! A scan shows as many *failed* connection attempts: a TCP flow whose
//! handshake never completed (the client never acknowledged, the server
//! never answered with ACK, or answered with RST), a UDP flow that got no
//! reply. Successful connections do not count, so a busy client of many
//! servers is not a scanner. Three keys, each a [`Distinct`] window:
//!
//! * vertical: (src, dst) → distinct destination ports;
//! * horizontal: (src, proto, dst port) → distinct destination hosts;
//! * sweep: src → distinct hosts sent an ICMP echo request (answered or
//!   not: a sweep's point is to find who answers).
//!
//! Broadcast and multicast destinations are ignored (discovery protocols
//! send there by design).

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    Capped, Distinct, Header, Micros, Parties, SAMPLE_PEERS, SEC, Signature, alert, eve_ip,
    evidence, tcp,
};

/// Thresholds of the scan detectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScanConfig {
    /// Run the scan and sweep detectors.
    pub enabled: bool,
    /// Distinct ports on one host, failed, that make a vertical scan (Zeek's
    /// scan policy uses 15).
    pub vertical_ports: usize,
    /// Distinct hosts on one port, failed, that make a horizontal scan
    /// (Zeek: 25).
    pub horizontal_hosts: usize,
    /// Distinct hosts sent an ICMP echo that make a ping sweep.
    pub sweep_hosts: usize,
    /// Sliding window, seconds (Zeek: 5 min).
    pub window_secs: u64,
    /// After an alert, the same key stays quiet this long, seconds.
    pub realert_secs: u64,
    /// Keys held per kind (vertical, horizontal, sweep); the least recently
    /// active are dropped past it. Each key holds at most its threshold of
    /// items, so the worst case is about `max_keys × threshold × 24` bytes.
    pub max_keys: usize,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            enabled: true,
            vertical_ports: 15,
            horizontal_hosts: 25,
            sweep_hosts: 25,
            window_secs: 300,
            realert_secs: 3600,
            max_keys: 100_000,
        }
    }
}

const VERTICAL: Signature = Signature {
    sid: 3_000_001,
    msg: "TAISHI BEHAVIOUR vertical port scan",
    category: "Detection of a Network Scan",
    severity: 2,
    techniques: &["T1046"],
    tactics: &["TA0007"],
    detector: "port_scan",
};

const HORIZONTAL: Signature = Signature {
    sid: 3_000_002,
    msg: "TAISHI BEHAVIOUR horizontal port scan",
    category: "Detection of a Network Scan",
    severity: 2,
    techniques: &["T1046"],
    tactics: &["TA0007"],
    detector: "port_scan",
};

const SWEEP: Signature = Signature {
    sid: 3_000_003,
    msg: "TAISHI BEHAVIOUR ICMP host sweep",
    category: "Detection of a Network Scan",
    severity: 2,
    techniques: &["T1018"],
    tactics: &["TA0007"],
    detector: "host_sweep",
};

/// State of the scan detectors.
#[derive(Debug)]
pub struct Scan {
    cfg: ScanConfig,
    vertical: Capped<(IpAddr, IpAddr), Distinct<u16>>,
    horizontal: Capped<(IpAddr, u8, u16), Distinct<IpAddr>>,
    sweep: Capped<IpAddr, Distinct<IpAddr>>,
}

impl Scan {
    /// Detectors with these thresholds.
    pub fn new(cfg: ScanConfig) -> Scan {
        let ttl = (cfg.window_secs.max(cfg.realert_secs)) * SEC;
        Scan {
            vertical: Capped::new(cfg.max_keys, ttl),
            horizontal: Capped::new(cfg.max_keys, ttl),
            sweep: Capped::new(cfg.max_keys, ttl),
            cfg,
        }
    }

    /// Keys held, all kinds together.
    pub fn keys(&self) -> usize {
        self.vertical.len() + self.horizontal.len() + self.sweep.len()
    }

    /// Keys dropped to respect the caps.
    pub fn evicted(&self) -> u64 {
        self.vertical.evicted + self.horizontal.evicted + self.sweep.evicted
    }

    /// Drops state idle past its window.
    pub fn expire(&mut self, now: Micros) {
        self.vertical.expire(now);
        self.horizontal.expire(now);
        self.sweep.expire(now);
    }

    /// One `flow` record.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled || is_group(&h.dst) {
            return;
        }
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        match h.proto {
            "ICMP" | "IPv6-ICMP" => {
                let ty = h.u64_at(&["icmp_type"]);
                let echo = (h.proto == "ICMP" && ty == 8) || (h.proto == "IPv6-ICMP" && ty == 128);
                if !echo {
                    return;
                }
                let d = self.sweep.entry(h.src, h.time, Distinct::default);
                if d.add(
                    h.dst,
                    h.time,
                    h.flow_id,
                    self.cfg.sweep_hosts,
                    window,
                    realert,
                ) {
                    d.fire(h.time);
                    let peers = d
                        .sample(SAMPLE_PEERS)
                        .iter()
                        .map(|ip| json!(eve_ip(ip)))
                        .collect();
                    let mut ev = evidence(d.count(), d.span(), peers, d.flows());
                    ev.insert("kind".into(), json!("icmp_echo"));
                    let mut p = Parties::forward(h);
                    p.victim_port = None;
                    out.push(alert(&SWEEP, &[], d.span().1, &p, ev));
                }
            }
            "TCP" | "UDP" => {
                if !failed(h) {
                    return;
                }
                let proto_num = if h.proto == "TCP" { 6 } else { 17 };
                let d = self
                    .vertical
                    .entry((h.src, h.dst), h.time, Distinct::default);
                if d.add(
                    h.dport,
                    h.time,
                    h.flow_id,
                    self.cfg.vertical_ports,
                    window,
                    realert,
                ) {
                    d.fire(h.time);
                    let mut ports = d.sample(usize::MAX);
                    ports.sort_unstable();
                    let peers = ports.iter().take(SAMPLE_PEERS).map(|p| json!(p)).collect();
                    let mut ev = evidence(d.count(), d.span(), peers, d.flows());
                    ev.insert("kind".into(), json!("vertical"));
                    let mut p = Parties::forward(h);
                    p.victim_port = None;
                    out.push(alert(&VERTICAL, &[], d.span().1, &p, ev));
                }
                let d =
                    self.horizontal
                        .entry((h.src, proto_num, h.dport), h.time, Distinct::default);
                if d.add(
                    h.dst,
                    h.time,
                    h.flow_id,
                    self.cfg.horizontal_hosts,
                    window,
                    realert,
                ) {
                    d.fire(h.time);
                    let peers = d
                        .sample(SAMPLE_PEERS)
                        .iter()
                        .map(|ip| json!(eve_ip(ip)))
                        .collect();
                    let mut ev = evidence(d.count(), d.span(), peers, d.flows());
                    ev.insert("kind".into(), json!("horizontal"));
                    out.push(alert(
                        &HORIZONTAL,
                        &[],
                        d.span().1,
                        &Parties::forward(h),
                        ev,
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Whether a TCP or UDP flow is a failed attempt.
fn failed(h: &Header<'_>) -> bool {
    let to_client = h.u64_at(&["flow", "pkts_toclient"]);
    if to_client == 0 {
        return true;
    }
    if h.proto != "TCP" {
        return false;
    }
    let ts = tcp::flags(h.str_at(&["tcp", "tcp_flags_ts"]));
    let tc = tcp::flags(h.str_at(&["tcp", "tcp_flags_tc"]));
    // A flow picked up mid-stream has no SYN: it says nothing about failure.
    if ts & tcp::SYN == 0 {
        return false;
    }
    ts & tcp::ACK == 0 || tc & tcp::ACK == 0 || (tc & tcp::RST != 0 && tc & tcp::SYN == 0)
}

/// Broadcast and multicast addresses, where discovery traffic goes.
pub fn is_group(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_multicast() || v4.is_broadcast() || v4.octets()[3] == 255,
        IpAddr::V6(v6) => v6.is_multicast(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::{SEC, format_time};
    use super::*;
    use crate::observe::Record;

    fn flow(
        src: &str,
        dst: &str,
        dport: u16,
        t: Micros,
        ts: &str,
        tc: &str,
        to_client: u64,
    ) -> Value {
        json!({
            "timestamp": format_time(t + 60 * SEC), "flow_id": t, "event_type": "flow",
            "src_ip": src, "src_port": 40000, "dest_ip": dst, "dest_port": dport, "proto": "TCP",
            "flow": {"pkts_toserver": 1, "pkts_toclient": to_client, "start": format_time(t), "end": format_time(t)},
            "tcp": {"tcp_flags_ts": ts, "tcp_flags_tc": tc},
        })
    }

    fn run(s: &mut Scan, recs: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        for r in recs {
            s.flow(&Header::read(&Record::json(r)).unwrap(), &mut out);
        }
        out
    }

    const T0: Micros = 1_780_000_000 * SEC;

    #[test]
    fn vertical_scan_of_rejected_ports() {
        let mut s = Scan::new(ScanConfig::default());
        let recs: Vec<Value> = (0..20)
            .map(|i| {
                flow(
                    "10.0.0.5",
                    "10.0.0.9",
                    1000 + i,
                    T0 + u64::from(i) * SEC,
                    "02",
                    "14",
                    1,
                )
            })
            .collect();
        let out = run(&mut s, &recs);
        assert_eq!(out.len(), 1, "{out:?}");
        let a = &out[0];
        assert_eq!(a["src_ip"], "10.0.0.5");
        assert_eq!(a["dest_ip"], "10.0.0.9");
        assert_eq!(a["alert"]["signature_id"], 3_000_001);
        assert_eq!(
            a["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1046"])
        );
        assert_eq!(a["evidence"]["count"], 15);
        assert_eq!(a["evidence"]["flow_ids"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn completed_connections_are_not_a_scan() {
        let mut s = Scan::new(ScanConfig::default());
        let recs: Vec<Value> = (0..100)
            .map(|i| {
                flow(
                    "10.0.0.5",
                    "10.0.0.9",
                    1000 + i,
                    T0 + u64::from(i) * SEC,
                    "1b",
                    "1b",
                    5,
                )
            })
            .collect();
        assert!(run(&mut s, &recs).is_empty());
    }

    #[test]
    fn slow_scan_outside_the_window_is_missed() {
        let mut s = Scan::new(ScanConfig::default());
        // 20 ports, one every 30 s: never 15 within 300 s.
        let recs: Vec<Value> = (0..20)
            .map(|i| {
                flow(
                    "10.0.0.5",
                    "10.0.0.9",
                    1000 + i,
                    T0 + u64::from(i) * 30 * SEC,
                    "02",
                    "",
                    0,
                )
            })
            .collect();
        assert!(run(&mut s, &recs).is_empty());
        // One every 20 s: 15 within 280 s.
        let mut s = Scan::new(ScanConfig::default());
        let recs: Vec<Value> = (0..20)
            .map(|i| {
                flow(
                    "10.0.0.5",
                    "10.0.0.9",
                    1000 + i,
                    T0 + u64::from(i) * 20 * SEC,
                    "02",
                    "",
                    0,
                )
            })
            .collect();
        assert_eq!(run(&mut s, &recs).len(), 1);
    }

    #[test]
    fn horizontal_scan_and_sweep() {
        let mut s = Scan::new(ScanConfig::default());
        let recs: Vec<Value> = (1..40u16)
            .map(|i| {
                flow(
                    "10.0.0.5",
                    &format!("10.0.1.{i}"),
                    445,
                    T0 + u64::from(i) * SEC,
                    "02",
                    "",
                    0,
                )
            })
            .collect();
        let out = run(&mut s, &recs);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["alert"]["signature_id"], 3_000_002);
        assert_eq!(out[0]["dest_port"], 445);

        let recs: Vec<Value> = (1..40u16)
            .map(|i| {
                json!({"timestamp": format_time(T0), "event_type": "flow", "src_ip": "10.0.0.6",
                    "dest_ip": format!("10.0.2.{i}"), "proto": "ICMP", "icmp_type": 8,
                    "flow": {"pkts_toserver": 1, "pkts_toclient": 0, "start": format_time(T0 + u64::from(i) * SEC)}})
            })
            .collect();
        let out = run(&mut s, &recs);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1018"])
        );
        assert_eq!(out[0]["src_ip"], "10.0.0.6");
    }

    #[test]
    fn a_million_sources_stay_under_the_cap() {
        let cfg = ScanConfig {
            max_keys: 10_000,
            ..ScanConfig::default()
        };
        let mut s = Scan::new(cfg);
        let mut out = Vec::new();
        for i in 0..1_000_000u32 {
            let src = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 | i));
            let r = json!({"timestamp": format_time(T0), "event_type": "flow",
                "src_ip": src.to_string(), "src_port": 1234, "dest_ip": "192.0.2.1", "dest_port": 80, "proto": "TCP",
                "flow": {"pkts_toserver": 1, "pkts_toclient": 0, "start": format_time(T0 + u64::from(i) * 1000)},
                "tcp": {"tcp_flags_ts": "02"}});
            s.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
            assert!(s.vertical.len() <= 10_000 && s.horizontal.len() <= 10_000);
        }
        assert!(s.evicted() > 0);
        assert!(s.keys() <= 20_000);
        // Every source sent one SYN to one port: no scan.
        assert!(out.is_empty());
    }
}
