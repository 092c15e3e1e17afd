//! Brute force against logins (T1110): many failures from one source to one
//! service within a window.
//!
//! Where the protocol shows the outcome it is used: FTP replies 530
//! (`ftp` records), HTTP 401 responses (`http` records). Where it is
//! encrypted (SSH, RDP, SMB) or unparsed (Telnet, VNC) the connection
//! pattern stands in: a completed TCP session to the service's port that is
//! short and small is a failed login, because a tool guessing passwords
//! opens a session, tries one to three passwords, and is thrown out, while
//! a real user's session lasts and carries data. Failed handshakes are left
//! to the scan detector.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    Capped, Events, Header, Micros, Parties, SEC, Signature, alert, eve_ip, evidence, tcp,
};

/// Thresholds of the brute-force detector.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BruteForceConfig {
    /// Run it.
    pub enabled: bool,
    /// Estimated failed logins to one login service (SSH, Telnet, RDP,
    /// SMB, VNC, WinRM) from one source that make an attack. Each short
    /// session counts 1 + its duration / `seconds_per_attempt` (at most 10):
    /// a guessing tool keeps a session for several attempts, each delayed
    /// about 2–3 s by the server, while automation (Ansible, git over SSH)
    /// opens brief sessions of one login each.
    pub attempts: usize,
    /// Seconds a server takes to refuse one password (OpenSSH with PAM: 2–3).
    pub seconds_per_attempt: u64,
    /// A session at most this long (seconds) counts as short.
    pub short_session_secs: u64,
    /// ... and sending at most this many bytes to the server.
    pub short_session_bytes: u64,
    /// FTP 530 replies from one server to one client that make an attack.
    pub ftp_failures: usize,
    /// HTTP 401 responses to one client from one server that make an attack.
    pub http_failures: usize,
    /// Sliding window, seconds.
    pub window_secs: u64,
    /// After an alert, the same pair stays quiet this long, seconds.
    pub realert_secs: u64,
    /// (source, server, service) keys held.
    pub max_keys: usize,
}

impl Default for BruteForceConfig {
    fn default() -> Self {
        BruteForceConfig {
            enabled: true,
            attempts: 20,
            seconds_per_attempt: 3,
            short_session_secs: 30,
            short_session_bytes: 20_000,
            ftp_failures: 5,
            http_failures: 10,
            window_secs: 300,
            realert_secs: 3600,
            max_keys: 100_000,
        }
    }
}

/// One login service: its port, name, sub-technique and signature.
struct Service {
    ports: &'static [u16],
    sig: Signature,
}

const fn sig(sid: u32, msg: &'static str, techniques: &'static [&'static str]) -> Signature {
    Signature {
        sid,
        msg,
        category: "Attempted User Privilege Gain",
        severity: 1,
        techniques,
        tactics: &["TA0006"],
        detector: "brute_force",
    }
}

const SERVICES: &[Service] = &[
    Service {
        ports: &[22],
        sig: sig(
            3_000_101,
            "TAISHI BEHAVIOUR SSH brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
    Service {
        ports: &[23],
        sig: sig(
            3_000_102,
            "TAISHI BEHAVIOUR Telnet brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
    Service {
        ports: &[3389],
        sig: sig(
            3_000_103,
            "TAISHI BEHAVIOUR RDP brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
    Service {
        ports: &[445, 139],
        sig: sig(
            3_000_104,
            "TAISHI BEHAVIOUR SMB brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
    Service {
        ports: &[5900],
        sig: sig(
            3_000_105,
            "TAISHI BEHAVIOUR VNC brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
    Service {
        ports: &[5985, 5986],
        sig: sig(
            3_000_106,
            "TAISHI BEHAVIOUR WinRM brute force (many short sessions)",
            &["T1110", "T1110.001"],
        ),
    },
];

const FTP: Signature = sig(
    3_000_110,
    "TAISHI BEHAVIOUR FTP brute force (530 replies)",
    &["T1110", "T1110.001"],
);
const HTTP: Signature = sig(
    3_000_111,
    "TAISHI BEHAVIOUR HTTP authentication brute force (401 responses)",
    &["T1110", "T1110.001"],
);

/// Which evidence a key counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Session(u8),
    Ftp,
    Http,
}

/// State of the brute-force detector.
#[derive(Debug)]
pub struct BruteForce {
    cfg: BruteForceConfig,
    keys: Capped<(IpAddr, IpAddr, Kind), Events>,
}

impl BruteForce {
    /// The detector with these thresholds.
    pub fn new(cfg: BruteForceConfig) -> BruteForce {
        let ttl = cfg.window_secs.max(cfg.realert_secs) * SEC;
        BruteForce {
            keys: Capped::new(cfg.max_keys, ttl),
            cfg,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.keys.evicted
    }

    /// Drops state idle past its window.
    pub fn expire(&mut self, now: Micros) {
        self.keys.expire(now);
    }

    /// One `flow` record.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled || h.proto != "TCP" {
            return;
        }
        let Some(idx) = SERVICES.iter().position(|s| s.ports.contains(&h.dport)) else {
            return;
        };
        let ts = tcp::flags(h.str_at(&["tcp", "tcp_flags_ts"]));
        let tc = tcp::flags(h.str_at(&["tcp", "tcp_flags_tc"]));
        let completed = ts & tcp::SYN != 0 && ts & tcp::ACK != 0 && tc & tcp::ACK != 0;
        let duration = h.flow_end().saturating_sub(h.time);
        let short = duration <= self.cfg.short_session_secs * SEC
            && h.u64_at(&["flow", "bytes_toserver"]) <= self.cfg.short_session_bytes;
        if !(completed && short) {
            return;
        }
        let n = self.cfg.attempts;
        let attempts = 1 + duration / (self.cfg.seconds_per_attempt.max(1) * SEC);
        let weight = attempts.min(10) as usize;
        self.count(
            h,
            Kind::Session(idx as u8),
            n,
            &SERVICES[idx].sig,
            weight,
            out,
        );
    }

    /// One `ftp` record: a 530 reply is a failed login.
    pub fn ftp(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled {
            return;
        }
        let failed = h
            .at(&["ftp", "completion_code"])
            .and_then(Value::as_array)
            .is_some_and(|codes| codes.iter().any(|c| c.as_str() == Some("530")));
        if failed {
            let n = self.cfg.ftp_failures;
            self.count(h, Kind::Ftp, n, &FTP, 1, out);
        }
    }

    /// One `http` record: a 401 response is a failed login.
    pub fn http(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled || h.u64_at(&["http", "status"]) != 401 {
            return;
        }
        let n = self.cfg.http_failures;
        self.count(h, Kind::Http, n, &HTTP, 1, out);
    }

    /// Counts `weight` failures of one key (a session standing for several
    /// attempts) and alerts when they reach `threshold`.
    fn count(
        &mut self,
        h: &Header<'_>,
        kind: Kind,
        threshold: usize,
        sig: &Signature,
        weight: usize,
        out: &mut Vec<Value>,
    ) {
        let p = Parties::forward(h);
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        let e = self
            .keys
            .entry((h.src, h.dst, kind), h.time, Events::default);
        for i in 0..weight.max(1) {
            let flow = if i == 0 { h.flow_id } else { None };
            if e.add(h.time, flow, threshold, window, realert) {
                e.fire(h.time);
                let peers = vec![json!(eve_ip(&h.dst))];
                let ev = evidence(e.count(), e.span(), peers, e.flows());
                out.push(alert(sig, &[], e.span().1, &p, ev));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    fn ssh(src: &str, t: Micros, secs: u64, bytes: u64) -> Value {
        json!({"timestamp": format_time(t), "flow_id": t, "event_type": "flow",
            "src_ip": src, "src_port": 50000, "dest_ip": "10.0.0.22", "dest_port": 22, "proto": "TCP",
            "flow": {"pkts_toserver": 10, "pkts_toclient": 8, "bytes_toserver": bytes,
                "start": format_time(t), "end": format_time(t + secs * SEC)},
            "tcp": {"tcp_flags_ts": "1b", "tcp_flags_tc": "1b"}})
    }

    fn run(b: &mut BruteForce, recs: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        for r in recs {
            let rec = Record::json(r);
            let h = Header::read(&rec).unwrap();
            match r["event_type"].as_str().unwrap() {
                "flow" => b.flow(&h, &mut out),
                "ftp" => b.ftp(&h, &mut out),
                "http" => b.http(&h, &mut out),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn many_short_ssh_sessions() {
        let mut b = BruteForce::new(BruteForceConfig::default());
        let recs: Vec<Value> = (0..40)
            .map(|i| ssh("203.0.113.45", T0 + i * SEC, 4, 1800))
            .collect();
        let out = run(&mut b, &recs);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["src_ip"], "203.0.113.45");
        assert_eq!(out[0]["dest_port"], 22);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1110", "T1110.001"])
        );
        // 4 s sessions stand for 2 attempts each: 20 after 10 sessions.
        assert_eq!(out[0]["evidence"]["count"], 20);
    }

    #[test]
    fn few_long_guessing_sessions_and_brief_automation() {
        // hydra -t 4 against OpenSSH: 9 sessions of 6-16 s for 30 passwords.
        let mut b = BruteForce::new(BruteForceConfig::default());
        let recs: Vec<Value> = (0..9)
            .map(|i| ssh("10.99.0.1", T0 + i * SEC, 6 + i, 2600))
            .collect();
        assert_eq!(run(&mut b, &recs).len(), 1);
        // git over SSH every 15 s: brief sessions, one login each.
        let mut b = BruteForce::new(BruteForceConfig::default());
        let recs: Vec<Value> = (0..19)
            .map(|i| ssh("10.0.0.9", T0 + i * 15 * SEC, 0, 3000))
            .collect();
        assert!(run(&mut b, &recs).is_empty());
    }

    #[test]
    fn long_or_big_sessions_are_users() {
        let mut b = BruteForce::new(BruteForceConfig::default());
        let mut recs: Vec<Value> = (0..40)
            .map(|i| ssh("10.0.0.5", T0 + i * SEC, 600, 1800))
            .collect();
        recs.extend((0..40).map(|i| ssh("10.0.0.6", T0 + i * SEC, 4, 2_000_000)));
        // 9 short sessions of 2 attempts: two below the threshold.
        recs.extend((0..9).map(|i| ssh("10.0.0.7", T0 + i * SEC, 4, 1800)));
        assert!(run(&mut b, &recs).is_empty());
    }

    #[test]
    fn ftp_530_and_http_401() {
        let mut b = BruteForce::new(BruteForceConfig::default());
        let mut recs: Vec<Value> = (0..6)
            .map(|i| {
                json!({"timestamp": format_time(T0 + i * SEC), "event_type": "ftp", "src_ip": "10.0.0.8",
                "src_port": 40000, "dest_ip": "10.0.0.21", "dest_port": 21, "proto": "TCP",
                "ftp": {"command": "PASS", "completion_code": ["530"], "reply": ["Login incorrect."]}})
            })
            .collect();
        recs.extend((0..12).map(|i| {
            json!({"timestamp": format_time(T0 + i * SEC), "event_type": "http", "src_ip": "10.0.0.9",
                "src_port": 40000, "dest_ip": "10.0.0.80", "dest_port": 80, "proto": "TCP",
                "http": {"status": 401, "url": "/admin"}})
        }));
        let out = run(&mut b, &recs);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.0.0.8");
        assert_eq!(out[0]["alert"]["signature_id"], 3_000_110);
        assert_eq!(out[1]["src_ip"], "10.0.0.9");
        assert_eq!(out[1]["alert"]["signature_id"], 3_000_111);
    }
}
