//! Behavioural detection: patterns across many EVE records that no single
//! record or signature shows — scans, brute force, floods, beaconing, DNS
//! tunnels, exfiltration, industrial misuse.
//!
//! [`Behaviour`] is an [`Observer`]: it reads the records the pipeline
//! writes (or that Suricata wrote; only EVE's field names are used) and
//! adds EVE `alert` records with gid 3, the ATT&CK technique ids in
//! `alert.metadata.mitre_technique_id`, the attacker as `src_ip`, and an
//! `evidence` object (see docs/detectors.md and docs/events.md).
//!
//! Time is *record* time, never the wall clock, so a capture read offline
//! gives the same alerts as the same traffic seen live. A flow record counts
//! at its `flow.start` (it is written when the flow ends, often a timeout
//! later), other records at their `timestamp`. Records need not arrive in
//! time order across flows: windows are anchored on the latest time seen
//! for a key, and state expires by the latest record time seen overall.
//!
//! Memory is bounded: every detector's per-host and per-pair state lives in
//! a [`common::Capped`] map (size cap, least recently active dropped first,
//! idle entries expired), and each entry holds at most its threshold of
//! items. The caps are in [`BehaviourConfig`].

mod beacon;
mod brute;
pub mod common;
mod dns;
mod exfil;
mod flood;
mod ics;
mod lateral;
mod scan;

#[cfg(test)]
mod demo_tests;

use serde::Deserialize;
use serde_json::Value;

pub use beacon::BeaconConfig;
pub use brute::BruteForceConfig;
pub use dns::DnsConfig;
pub use exfil::ExfilConfig;
pub use flood::FloodConfig;
pub use ics::IcsConfig;
pub use ics::registry::IcsRegistry;
pub use lateral::LateralConfig;
pub use scan::ScanConfig;

use crate::observe::{Observer, Record};
use common::{Cidr, Header, Micros, SEC};

/// Every threshold and bound of the behavioural detectors, with defaults
/// that suit a typical site (see docs/detectors.md for each one's reason).
/// Deserialised from the `behaviour` section of the configuration.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BehaviourConfig {
    /// Networks that are "internal" (CIDR). Empty: RFC 1918, RFC 4193,
    /// loopback and link-local.
    pub internal_networks: Vec<String>,
    /// Port scans and host sweeps.
    pub scan: ScanConfig,
    /// Brute force against logins.
    pub brute_force: BruteForceConfig,
    /// SYN, UDP and ICMP floods, reflection.
    pub flood: FloodConfig,
    /// Command-and-control beaconing.
    pub beacon: BeaconConfig,
    /// DNS tunnelling and DGA.
    pub dns: DnsConfig,
    /// Exfiltration.
    pub exfil: ExfilConfig,
    /// Industrial protocols.
    pub ics: IcsConfig,
    /// Lateral movement and cleartext credentials.
    pub lateral: LateralConfig,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An entry of `internal_networks` (or another address list) is not an
    /// address or CIDR network.
    #[error("behaviour.{field}: {value:?} is not an IP address or CIDR network")]
    BadNetwork {
        /// The setting at fault.
        field: &'static str,
        /// The entry.
        value: String,
    },
}

/// Which addresses are internal.
#[derive(Clone, Debug, Default)]
pub struct Internal {
    nets: Vec<Cidr>,
}

impl Internal {
    /// From the configured list; an empty list means private address space.
    pub fn new(list: &[String]) -> Result<Internal, ConfigError> {
        let nets = list
            .iter()
            .map(|s| {
                Cidr::parse(s).ok_or_else(|| ConfigError::BadNetwork {
                    field: "internal_networks",
                    value: s.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Internal { nets })
    }

    /// Whether `ip` is internal.
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        if self.nets.is_empty() {
            common::is_private(ip)
        } else {
            self.nets.iter().any(|n| n.contains(ip))
        }
    }
}

/// Counters of what the detectors saw and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BehaviourStats {
    /// Records handed in.
    pub records: u64,
    /// Records skipped because their addresses or time could not be read.
    pub unreadable: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// State entries dropped because a detector's map was full (its
    /// `max_*` setting): detections may have been missed.
    pub evicted: u64,
}

/// The behavioural detectors, as one [`Observer`].
pub struct Behaviour {
    scan: scan::Scan,
    brute: brute::BruteForce,
    flood: flood::Flood,
    beacon: beacon::Beacon,
    dns: dns::Dns,
    exfil: exfil::Exfil,
    ics: ics::Ics,
    lateral: lateral::Lateral,
    /// Latest record time seen: the clock state expires by.
    now: Micros,
    /// When state was last swept for expiry.
    swept: Micros,
    stats: BehaviourStats,
}

/// How often (record time) idle state is swept out of every map; between
/// sweeps the caps alone bound memory.
const SWEEP_EVERY: Micros = 60 * SEC;

impl Behaviour {
    /// Detectors with these settings, and no asset registry.
    pub fn new(cfg: BehaviourConfig) -> Result<Behaviour, ConfigError> {
        Behaviour::with_registry(cfg, IcsRegistry::default())
    }

    /// Detectors with these settings and what the asset registry declares
    /// (the industrial detectors read it: see docs/detectors.md).
    pub fn with_registry(
        cfg: BehaviourConfig,
        registry: IcsRegistry,
    ) -> Result<Behaviour, ConfigError> {
        let internal = Internal::new(&cfg.internal_networks)?;
        Ok(Behaviour {
            scan: scan::Scan::new(cfg.scan),
            brute: brute::BruteForce::new(cfg.brute_force),
            flood: flood::Flood::new(cfg.flood),
            beacon: beacon::Beacon::new(cfg.beacon, internal.clone()),
            dns: dns::Dns::new(cfg.dns),
            exfil: exfil::Exfil::new(cfg.exfil, internal.clone()),
            lateral: lateral::Lateral::new(cfg.lateral, internal),
            ics: ics::Ics::new(cfg.ics, registry)?,
            now: 0,
            swept: 0,
            stats: BehaviourStats::default(),
        })
    }

    /// What was seen and raised so far.
    pub fn stats(&self) -> BehaviourStats {
        BehaviourStats {
            evicted: self.scan.evicted()
                + self.brute.evicted()
                + self.flood.evicted()
                + self.beacon.evicted()
                + self.dns.evicted()
                + self.exfil.evicted()
                + self.ics.evicted()
                + self.lateral.evicted(),
            ..self.stats.clone()
        }
    }

    /// Keys held by the scan detector (for the memory-bound checks).
    pub fn scan_keys(&self) -> usize {
        self.scan.keys()
    }

    fn expire(&mut self) {
        let now = self.now;
        self.scan.expire(now);
        self.brute.expire(now);
        self.flood.expire(now);
        self.beacon.expire(now);
        self.dns.expire(now);
        self.exfil.expire(now);
        self.ics.expire(now);
        self.lateral.expire(now);
    }
}

/// Whether any detector looks at this record.
fn wanted(event_type: &str, rec: &Record<'_>) -> bool {
    match event_type {
        "flow" | "ftp" | "modbus" | "dnp3" | "s7comm" | "iec104" => true,
        "dns" => match rec.str_at(&["dns", "type"]) {
            Some("request") => true,
            _ => rec.str_at(&["dns", "rcode"]) == Some("NXDOMAIN"),
        },
        "http" => {
            rec.u64_at(&["http", "status"]) == Some(401)
                || rec.at(&["taishi", "http_auth"]).is_some()
                || rec.at(&["http", "request_headers"]).is_some()
        }
        _ => false,
    }
}

impl Observer for Behaviour {
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        self.observe_record(&Record::json(record), out);
    }

    fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        self.stats.records += 1;
        let Some(event_type) = record.event_type() else {
            self.stats.unreadable += 1;
            return;
        };
        // Most records carry nothing a detector counts (TLS handshakes, files,
        // DNS answers that resolved, ordinary HTTP): skip them before reading
        // their header, which is most of the cost of a record.
        if !wanted(event_type, record) {
            return;
        }
        let Some(h) = Header::read(record) else {
            self.stats.unreadable += 1;
            return;
        };
        if h.time > self.now {
            self.now = h.time;
            if self.now >= self.swept.saturating_add(SWEEP_EVERY) {
                self.swept = self.now;
                self.expire();
            }
        }
        let before = out.len();
        match event_type {
            "flow" => {
                self.scan.flow(&h, out);
                self.brute.flow(&h, out);
                self.flood.flow(&h, out);
                if self.beacon.flow(&h, out) {
                    self.exfil.mark_c2(h.src, h.dst, h.time);
                }
                self.exfil.flow(&h, out);
                self.lateral.flow(&h, out);
            }
            "ftp" => {
                self.brute.ftp(&h, out);
                self.lateral.ftp(&h, out);
            }
            "http" => {
                self.brute.http(&h, out);
                self.lateral.http(&h, out);
            }
            "dns" => self.dns.dns(&h, out),
            "modbus" | "dnp3" | "s7comm" | "iec104" => self.ics.record(event_type, &h, out),
            _ => {}
        }
        self.stats.alerts += (out.len() - before) as u64;
    }

    fn finish(&mut self, out: &mut Vec<Value>) {
        let before = out.len();
        self.beacon.finish(out);
        self.ics.finish(out);
        self.stats.alerts += (out.len() - before) as u64;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::common::format_time;
    use super::*;

    #[test]
    fn spoofed_sources_stay_under_every_cap_and_are_counted() {
        let mut cfg = BehaviourConfig::default();
        cfg.scan.max_keys = 1000;
        cfg.flood.max_keys = 1000;
        let mut b = Behaviour::new(cfg).unwrap();
        let mut out = Vec::new();
        let t0 = 1_780_000_000 * SEC;
        let mut rec = json!({"timestamp": "", "event_type": "flow", "src_ip": "", "src_port": 1234,
            "dest_ip": "", "dest_port": 80, "proto": "TCP",
            "flow": {"pkts_toserver": 1, "pkts_toclient": 0, "start": ""},
            "tcp": {"tcp_flags_ts": "02"}});
        for i in 0..200_000u32 {
            let t = format_time(t0 + u64::from(i) * 100);
            rec["timestamp"] = json!(t);
            rec["flow"]["start"] = json!(t);
            rec["src_ip"] = json!(std::net::Ipv4Addr::from(0x0b00_0000 | i).to_string());
            // Each source to its own target: no scan, no flood anywhere.
            rec["dest_ip"] = json!(std::net::Ipv4Addr::from(0xc000_0000 | i).to_string());
            b.observe(&rec, &mut out);
        }
        assert!(b.scan_keys() <= 3 * 1000);
        assert!(out.is_empty(), "{out:?}");
        let s = b.stats();
        assert_eq!(s.records, 200_000);
        assert!(s.evicted > 0);
    }

    #[test]
    fn unknown_settings_and_bad_networks_are_refused() {
        assert!(serde_yaml::from_str::<BehaviourConfig>("scan: {vertical_port: 3}").is_err());
        let cfg: BehaviourConfig =
            serde_yaml::from_str("internal_networks: [10.0.0.0/8, nonsense]").unwrap();
        assert!(Behaviour::new(cfg).is_err());
        let cfg: BehaviourConfig = serde_yaml::from_str("scan: {vertical_ports: 3}").unwrap();
        assert_eq!(cfg.scan.vertical_ports, 3);
        assert_eq!(cfg.scan.horizontal_hosts, 25);
    }
}
