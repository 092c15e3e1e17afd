//! Lateral movement (T1021) from `flow` records, and cleartext credentials
//! (T1552) from `ftp`, `http` and `flow` records.
//!
//! Lateral movement: internal → internal connections to remote-service
//! ports (SMB 445, RDP 3389, SSH 22, WinRM 5985/5986, VNC 5900, DCOM/RPC
//! 135) that completed their handshake. During `learning_secs` after the
//! first such flow every (source, destination, service) pair is learnt as
//! normal. Afterwards a source that opens `min_new_pairs` pairs never seen
//! before within the window is an alert: one admin session to a new server
//! happens every day; one workstation reaching three new servers' SMB or RDP
//! in an hour is how an intruder spreads.
//!
//! Cleartext credentials: an FTP `PASS` command, an HTTP request carrying
//! `Authorization: Basic` (Taishi's `taishi.http_auth`, or the header in a
//! Suricata EVE that dumps request headers), and a
//! Telnet session with data (its login is in the clear). The alert names
//! the client that sent them (whose credentials are exposed) as `src_ip`;
//! one alert per (client, server, protocol) per `realert_secs`.

use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Internal;
use super::common::{
    Capped, Distinct, Header, Micros, Parties, SAMPLE_PEERS, SEC, Signature, alert, eve_ip,
    evidence, tcp,
};

/// Settings of the lateral-movement and cleartext-credential detectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LateralConfig {
    /// Run the lateral-movement detector.
    pub enabled: bool,
    /// Seconds from the first remote-service flow during which pairs are
    /// learnt (a working day sees most admin habits).
    pub learning_secs: u64,
    /// New pairs from one source within the window that make an alert.
    pub min_new_pairs: usize,
    /// Window, seconds.
    pub window_secs: u64,
    /// Run the cleartext-credential detector.
    pub cleartext_credentials: bool,
    /// After an alert, the same source (or client, server, protocol) stays
    /// quiet this long, seconds.
    pub realert_secs: u64,
    /// Pairs remembered.
    pub max_pairs: usize,
}

impl Default for LateralConfig {
    fn default() -> Self {
        LateralConfig {
            enabled: true,
            learning_secs: 8 * 3600,
            min_new_pairs: 3,
            window_secs: 3600,
            cleartext_credentials: true,
            realert_secs: 3600,
            max_pairs: 500_000,
        }
    }
}

const LATERAL: Signature = Signature {
    sid: 3_000_601,
    msg: "TAISHI BEHAVIOUR lateral movement: new internal remote-service connections",
    category: "Potentially Bad Traffic",
    severity: 2,
    techniques: &["T1021"],
    tactics: &["TA0008"],
    detector: "lateral_movement",
};

const CREDS: Signature = Signature {
    sid: 3_000_602,
    msg: "TAISHI BEHAVIOUR credentials sent in cleartext",
    category: "Potential Corporate Privacy Violation",
    severity: 3,
    techniques: &["T1552"],
    tactics: &["TA0006"],
    detector: "cleartext_credentials",
};

/// Remote-service ports and their sub-technique.
fn service(port: u16) -> Option<(&'static str, &'static str)> {
    Some(match port {
        3389 => ("rdp", "T1021.001"),
        445 | 139 => ("smb", "T1021.002"),
        135 => ("dcom", "T1021.003"),
        22 => ("ssh", "T1021.004"),
        5900 => ("vnc", "T1021.005"),
        5985 | 5986 => ("winrm", "T1021.006"),
        _ => return None,
    })
}

/// State of the two detectors.
#[derive(Debug)]
pub struct Lateral {
    cfg: LateralConfig,
    internal: Internal,
    started: Option<Micros>,
    pairs: Capped<(IpAddr, IpAddr, u16), ()>,
    new_pairs: Capped<IpAddr, Distinct<(IpAddr, u16)>>,
    creds: Capped<(IpAddr, IpAddr, &'static str), Micros>,
}

impl Lateral {
    /// Detectors with these settings.
    pub fn new(cfg: LateralConfig, internal: Internal) -> Lateral {
        let ttl = cfg.window_secs.max(cfg.realert_secs) * SEC;
        Lateral {
            // A pair unused for 30 days is new again.
            pairs: Capped::new(cfg.max_pairs, 30 * 86_400 * SEC),
            new_pairs: Capped::new(cfg.max_pairs / 10, ttl),
            creds: Capped::new(cfg.max_pairs / 10, cfg.realert_secs * SEC),
            started: None,
            cfg,
            internal,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.pairs.evicted + self.new_pairs.evicted + self.creds.evicted
    }

    /// Drops idle state.
    pub fn expire(&mut self, now: Micros) {
        self.pairs.expire(now);
        self.new_pairs.expire(now);
        self.creds.expire(now);
    }

    /// One `flow` record.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if h.proto != "TCP" {
            return;
        }
        let ts = tcp::flags(h.str_at(&["tcp", "tcp_flags_ts"]));
        let tc = tcp::flags(h.str_at(&["tcp", "tcp_flags_tc"]));
        let completed = ts & tcp::ACK != 0 && tc & tcp::SYN != 0 && tc & tcp::ACK != 0;
        if !completed {
            return;
        }
        if h.dport == 23 && h.u64_at(&["flow", "bytes_toserver"]) > 0 {
            self.cleartext(h, "telnet", out);
        }
        let Some((name, technique)) = service(h.dport) else {
            return;
        };
        if !self.cfg.enabled || !self.internal.contains(&h.src) || !self.internal.contains(&h.dst) {
            return;
        }
        let started = *self.started.get_or_insert(h.time);
        let key = (h.src, h.dst, h.dport);
        let known = self.pairs.get_mut(&key).is_some();
        self.pairs.entry(key, h.time, || ());
        if known || h.time < started.saturating_add(self.cfg.learning_secs * SEC) {
            return;
        }
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        let d = self.new_pairs.entry(h.src, h.time, Distinct::default);
        if d.add(
            (h.dst, h.dport),
            h.time,
            h.flow_id,
            self.cfg.min_new_pairs,
            window,
            realert,
        ) {
            d.fire(h.time);
            let peers = d
                .sample(SAMPLE_PEERS)
                .iter()
                .map(|(ip, port)| json!({"ip": eve_ip(ip), "port": port}))
                .collect();
            let mut ev = evidence(d.count(), d.span(), peers, d.flows());
            ev.insert("service".into(), json!(name));
            out.push(alert(
                &LATERAL,
                &[technique],
                d.span().1,
                &Parties::forward(h),
                ev,
            ));
        }
    }

    /// One `ftp` record.
    pub fn ftp(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if h.str_at(&["ftp", "command"])
            .is_some_and(|c| c.eq_ignore_ascii_case("PASS"))
        {
            self.cleartext(h, "ftp", out);
        }
    }

    /// One `http` record: Taishi's `taishi.http_auth` (logged by
    /// default), or the header itself when request headers are dumped (a
    /// Suricata EVE with `dump-all-headers`).
    pub fn http(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        let scheme = h.str_at(&["taishi", "http_auth"]);
        let basic = scheme.is_some_and(|s| s.eq_ignore_ascii_case("basic"))
            || h.at(&["http", "request_headers"])
                .and_then(Value::as_array)
                .is_some_and(|hs| {
                    hs.iter().any(|x| {
                        x.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
                            && x.get("value").and_then(Value::as_str).is_some_and(|v| {
                                v.trim_start()
                                    .get(..6)
                                    .is_some_and(|p| p.eq_ignore_ascii_case("basic "))
                            })
                    })
                });
        if basic {
            self.cleartext(h, "http", out);
        }
    }

    fn cleartext(&mut self, h: &Header<'_>, proto: &'static str, out: &mut Vec<Value>) {
        if !self.cfg.cleartext_credentials {
            return;
        }
        let realert = self.cfg.realert_secs * SEC;
        let last = self.creds.entry((h.src, h.dst, proto), h.time, || 0);
        if *last != 0 && h.time < last.saturating_add(realert) {
            return;
        }
        *last = h.time.max(1);
        let mut ev = evidence(
            1,
            (h.time, h.time),
            vec![json!(eve_ip(&h.dst))],
            h.flow_id.as_slice(),
        );
        ev.insert("protocol".into(), json!(proto));
        if let Some(user) = h.str_at(&["taishi", "ftp_user"]) {
            ev.insert("user".into(), json!(user));
        }
        out.push(alert(&CREDS, &[], h.time, &Parties::forward(h), ev));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    fn smb(src: &str, dst: &str, t: Micros) -> Value {
        json!({"timestamp": format_time(t), "flow_id": t, "event_type": "flow", "src_ip": src, "src_port": 50000,
            "dest_ip": dst, "dest_port": 445, "proto": "TCP",
            "flow": {"bytes_toserver": 5000, "start": format_time(t)}, "tcp": {"tcp_flags_ts": "1b", "tcp_flags_tc": "1b"}})
    }

    fn run(l: &mut Lateral, recs: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        for r in recs {
            let rec = Record::json(r);
            let h = Header::read(&rec).unwrap();
            match r["event_type"].as_str().unwrap() {
                "flow" => l.flow(&h, &mut out),
                "ftp" => l.ftp(&h, &mut out),
                "http" => l.http(&h, &mut out),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn new_pairs_after_learning() {
        let mut l = Lateral::new(LateralConfig::default(), Internal::default());
        let learn = 8 * 3600 * SEC;
        let mut recs = vec![
            smb("10.0.0.5", "10.0.1.1", T0),
            smb("10.0.0.5", "10.0.1.2", T0 + SEC),
        ];
        // Known pairs after learning: quiet.
        recs.push(smb("10.0.0.5", "10.0.1.1", T0 + learn + SEC));
        recs.push(smb("10.0.0.5", "10.0.1.2", T0 + learn + 2 * SEC));
        // Two new pairs: below the threshold.
        recs.push(smb("10.0.0.6", "10.0.1.3", T0 + learn + 3 * SEC));
        recs.push(smb("10.0.0.6", "10.0.1.4", T0 + learn + 4 * SEC));
        assert!(run(&mut l, &recs).is_empty());
        let out = run(&mut l, &[smb("10.0.0.6", "10.0.1.5", T0 + learn + 5 * SEC)]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["src_ip"], "10.0.0.6");
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1021", "T1021.002"])
        );
    }

    #[test]
    fn ftp_pass_once_per_pair() {
        let mut l = Lateral::new(LateralConfig::default(), Internal::default());
        let recs: Vec<Value> = (0..3)
            .map(|i| {
                json!({"timestamp": format_time(T0 + i * SEC), "event_type": "ftp", "src_ip": "10.0.0.8",
                "src_port": 40000, "dest_ip": "10.0.0.21", "dest_port": 21, "proto": "TCP",
                "ftp": {"command": "PASS", "command_data": "x"}, "taishi": {"ftp_user": "bob"}})
            })
            .collect();
        let out = run(&mut l, &recs);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["evidence"]["user"], "bob");
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1552"])
        );
        let http = json!({"timestamp": format_time(T0), "event_type": "http", "src_ip": "10.0.0.8",
            "src_port": 40001, "dest_ip": "10.0.0.80", "dest_port": 80, "proto": "TCP",
            "http": {"request_headers": [{"name": "Authorization", "value": "Basic Ym9iOng="}]}});
        assert_eq!(run(&mut l, &[http]).len(), 1);
        // Taishi's own record: the scheme, not the header.
        let http = |client: &str, scheme: &str| {
            json!({"timestamp": format_time(T0), "event_type": "http", "src_ip": client,
            "src_port": 40001, "dest_ip": "10.0.0.80", "dest_port": 80, "proto": "TCP",
            "http": {"url": "/"}, "taishi": {"http_auth": scheme}})
        };
        assert_eq!(run(&mut l, &[http("10.0.0.9", "bearer")]).len(), 0);
        let out = run(&mut l, &[http("10.0.0.9", "basic")]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["src_ip"], "10.0.0.9");
    }
}
