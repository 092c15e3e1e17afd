//! Exfiltration (T1048, T1041) from `flow` records.
//!
//! Outbound bytes are what an internal host sent to an external peer on a
//! connection it opened (`bytes_toserver`). Two rules:
//!
//! * over C2 (T1041): such an upload (below) to a host the beaconing
//!   detector found this internal host calling home to;
//! * new peer: an upload of `new_peer_bytes` or more, at least
//!   `upload_ratio` times what came back, to an external host this internal
//!   host first talked to less than `new_peer_secs` ago (a staging server
//!   is contacted, then filled);
//! * baseline: an upload above `baseline_factor` times the host's running
//!   mean upload per flow (an exponentially weighted mean over its previous
//!   flows, after `baseline_min_flows` of them) and above
//!   `baseline_min_bytes`.
//!
//! The technique's sub-id follows the protocol: TLS/SSH (encrypted,
//! T1048.002), HTTP/FTP/SMTP/DNS in the clear (T1048.003).

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Internal;
use super::common::{Capped, Header, Micros, Parties, SEC, Signature, alert, eve_ip, evidence};

/// Thresholds of the exfiltration detector.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExfilConfig {
    /// Run it.
    pub enabled: bool,
    /// Bytes uploaded in one flow to a never-seen external peer that are
    /// suspect (1 MB: above web forms and mail, below any real data theft).
    pub new_peer_bytes: u64,
    /// Uploads must exceed what came back by this factor (downloads are not
    /// exfiltration).
    pub upload_ratio: u64,
    /// An upload this many times the host's mean is suspect ...
    pub baseline_factor: u64,
    /// ... when it is at least this big.
    pub baseline_min_bytes: u64,
    /// Flows before a host's mean is trusted.
    pub baseline_min_flows: u64,
    /// A peer first contacted this many seconds ago or less is new.
    pub new_peer_secs: u64,
    /// (host, peer) pairs remembered: the "seen before" memory.
    pub max_peers: usize,
    /// Internal hosts with a baseline.
    pub max_hosts: usize,
    /// A pair or host idle this long, seconds, is forgotten.
    pub idle_secs: u64,
}

impl Default for ExfilConfig {
    fn default() -> Self {
        ExfilConfig {
            enabled: true,
            new_peer_bytes: 1_000_000,
            upload_ratio: 10,
            baseline_factor: 50,
            baseline_min_bytes: 20_000_000,
            baseline_min_flows: 20,
            new_peer_secs: 3600,
            max_peers: 500_000,
            max_hosts: 100_000,
            idle_secs: 7 * 86_400,
        }
    }
}

const NEW_PEER: Signature = Signature {
    sid: 3_000_501,
    msg: "TAISHI BEHAVIOUR large upload to a new external host",
    category: "Potential Corporate Privacy Violation",
    severity: 1,
    techniques: &["T1048"],
    tactics: &["TA0010"],
    detector: "exfiltration",
};

const BASELINE: Signature = Signature {
    sid: 3_000_502,
    msg: "TAISHI BEHAVIOUR upload far above the host's baseline",
    category: "Potential Corporate Privacy Violation",
    severity: 2,
    techniques: &["T1048"],
    tactics: &["TA0010"],
    detector: "exfiltration",
};

const OVER_C2: Signature = Signature {
    sid: 3_000_503,
    msg: "TAISHI BEHAVIOUR large upload to a beaconing peer (exfiltration over C2)",
    category: "Potential Corporate Privacy Violation",
    severity: 1,
    techniques: &["T1041"],
    tactics: &["TA0010"],
    detector: "exfiltration",
};

#[derive(Debug, Default)]
struct Host {
    flows: u64,
    mean: f64,
}

/// State of the exfiltration detector.
#[derive(Debug)]
pub struct Exfil {
    cfg: ExfilConfig,
    internal: Internal,
    /// First contact of each (host, peer).
    peers: Capped<(IpAddr, IpAddr), Micros>,
    hosts: Capped<IpAddr, Host>,
    /// (host, peer) pairs found beaconing.
    c2: Capped<(IpAddr, IpAddr), ()>,
}

/// Weight of the newest flow in a host's running mean: about the last 50
/// flows count.
const ALPHA: f64 = 0.02;

impl Exfil {
    /// The detector with these thresholds.
    pub fn new(cfg: ExfilConfig, internal: Internal) -> Exfil {
        Exfil {
            peers: Capped::new(cfg.max_peers, cfg.idle_secs * SEC),
            hosts: Capped::new(cfg.max_hosts, cfg.idle_secs * SEC),
            c2: Capped::new(10_000, cfg.idle_secs * SEC),
            cfg,
            internal,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.peers.evicted + self.hosts.evicted + self.c2.evicted
    }

    /// Drops idle state.
    pub fn expire(&mut self, now: Micros) {
        self.peers.expire(now);
        self.hosts.expire(now);
        self.c2.expire(now);
    }

    /// The beaconing detector found `host` calling home to `peer`.
    pub fn mark_c2(&mut self, host: IpAddr, peer: IpAddr, now: Micros) {
        self.c2.entry((host, peer), now, || ());
    }

    /// One `flow` record.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled
            || !matches!(h.proto, "TCP" | "UDP")
            || !self.internal.contains(&h.src)
            || self.internal.contains(&h.dst)
        {
            return;
        }
        let up = h.u64_at(&["flow", "bytes_toserver"]);
        let down = h.u64_at(&["flow", "bytes_toclient"]);
        let first = self.peers.entry((h.src, h.dst), h.time, || h.time);
        *first = (*first).min(h.time);
        let new_peer = h.time.saturating_sub(*first) <= self.cfg.new_peer_secs * SEC;
        let c2 = self.c2.get_mut(&(h.src, h.dst)).is_some();
        let host = self.hosts.entry(h.src, h.time, Host::default);
        let (flows, mean) = (host.flows, host.mean);
        host.flows += 1;
        host.mean = if flows == 0 {
            up as f64
        } else {
            mean + ALPHA * (up as f64 - mean)
        };
        let upload = up >= down.saturating_mul(self.cfg.upload_ratio);
        let big = upload && up >= self.cfg.new_peer_bytes;
        let sig = if c2 && big {
            &OVER_C2
        } else if new_peer && big {
            &NEW_PEER
        } else if flows >= self.cfg.baseline_min_flows
            && upload
            && up >= self.cfg.baseline_min_bytes
            && up as f64 >= mean * self.cfg.baseline_factor as f64
        {
            &BASELINE
        } else {
            return;
        };
        let app = h.str_at(&["app_proto"]);
        let extra: &[&str] = match (app, h.dport) {
            _ if c2 && big => &[],
            (Some("tls" | "ssh"), _) | (_, 443 | 22 | 990 | 993 | 995) => &["T1048.002"],
            (Some("http" | "ftp" | "smtp" | "dns"), _) | (_, 80 | 21 | 25 | 53) => &["T1048.003"],
            _ => &[],
        };
        let mut ev = evidence(
            1,
            (h.time, h.flow_end()),
            vec![json!(eve_ip(&h.dst))],
            h.flow_id.as_slice(),
        );
        ev.insert("bytes_out".into(), json!(up));
        ev.insert("bytes_in".into(), json!(down));
        ev.insert("new_peer".into(), json!(new_peer));
        ev.insert("beaconing_peer".into(), json!(c2));
        ev.insert("host_mean_bytes_out".into(), json!(mean.round() as u64));
        ev.insert("host_flows".into(), json!(flows));
        if let Some(app) = app {
            ev.insert("app_proto".into(), json!(app));
        }
        out.push(alert(sig, extra, h.flow_end(), &Parties::forward(h), ev));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    fn flow(dst: &str, t: Micros, up: u64, down: u64) -> Value {
        json!({"timestamp": format_time(t), "flow_id": t, "event_type": "flow", "src_ip": "10.10.1.30",
            "src_port": 50000, "dest_ip": dst, "dest_port": 443, "proto": "TCP", "app_proto": "tls",
            "flow": {"bytes_toserver": up, "bytes_toclient": down, "start": format_time(t), "end": format_time(t + SEC)}})
    }

    fn run(x: &mut Exfil, recs: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        for r in recs {
            x.flow(&Header::read(&Record::json(r)).unwrap(), &mut out);
        }
        out
    }

    #[test]
    fn big_upload_to_a_new_peer() {
        let mut x = Exfil::new(ExfilConfig::default(), Internal::default());
        let out = run(&mut x, &[flow("198.51.100.23", T0, 2_100_000, 40_000)]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["src_ip"], "10.10.1.30");
        let t = out[0]["alert"]["metadata"]["mitre_technique_id"].clone();
        assert_eq!(t, json!(["T1048", "T1048.002"]));
    }

    #[test]
    fn downloads_known_peers_and_internal_peers_are_not() {
        let mut x = Exfil::new(ExfilConfig::default(), Internal::default());
        let out = run(
            &mut x,
            &[
                flow("198.51.100.23", T0, 1000, 10_000),
                flow("198.51.100.23", T0 + 3601 * SEC, 2_000_000, 40_000),
                flow("198.51.100.24", T0, 2_000_000, 5_000_000),
                flow("10.10.9.9", T0, 20_000_000, 0),
            ],
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn upload_to_a_beaconing_peer() {
        let mut x = Exfil::new(ExfilConfig::default(), Internal::default());
        run(&mut x, &[flow("198.51.100.23", T0, 1000, 10_000)]);
        x.mark_c2(
            "10.10.1.30".parse().unwrap(),
            "198.51.100.23".parse().unwrap(),
            T0,
        );
        let out = run(
            &mut x,
            &[flow("198.51.100.23", T0 + 7200 * SEC, 2_000_000, 4_000)],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1041"])
        );
    }

    #[test]
    fn far_above_the_baseline() {
        let mut x = Exfil::new(ExfilConfig::default(), Internal::default());
        let mut recs: Vec<Value> = (0..30)
            .map(|i| flow("198.51.100.23", T0 + i * SEC, 100_000, 5_000))
            .collect();
        recs.push(flow("198.51.100.23", T0 + 7200 * SEC, 50_000_000, 10_000));
        let out = run(&mut x, &recs);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["alert"]["signature_id"], 3_000_502);
    }
}
