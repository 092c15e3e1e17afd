//! Floods (T1498, T1499) from `flow` records.
//!
//! * SYN flood (T1499.001): TCP flows whose client sent SYN and never ACK
//!   (half-open), counted per victim (dst, port) in a short window. The
//!   attacker reported is the source with most of them (a spoofed flood has
//!   no single source; the evidence then says how many there were).
//! * UDP and ICMP floods (T1498.001): packets sent to one victim, summed in
//!   one-second buckets over the window, above a rate.
//! * Reflection/amplification (T1498.002): UDP responses from the ports of
//!   amplifiers (DNS 53, NTP 123, SSDP 1900, memcached 11211, CharGen 19,
//!   SNMP 161, CLDAP 389) to one victim, in bytes, far above the requests
//!   the victim sent them. The "attacker" is the loudest reflector (the
//!   real one is hidden by design).

use std::collections::VecDeque;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    Capped, Events, HashMap, Header, Micros, Parties, SAMPLE_FLOWS, SAMPLE_PEERS, SEC, Signature,
    alert, eve_ip, evidence, tcp,
};

/// Thresholds of the flood detectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloodConfig {
    /// Run them.
    pub enabled: bool,
    /// Half-open TCP flows to one (host, port) within the window that make a
    /// SYN flood. A busy server sees a few half-open clients a second
    /// (scanners, lost SYN-ACKs); 500 in 10 s is far above that.
    pub syn_flows: usize,
    /// UDP packets per second to one host, averaged over the window, that
    /// make a flood; only one-way flows count (less than a tenth of the
    /// packets answered), so a busy DNS or media server is not flooded by
    /// its own clients.
    pub udp_pps: u64,
    /// ICMP packets per second to one host that make a flood (answered or
    /// not: `ping -f` is answered).
    pub icmp_pps: u64,
    /// Bytes per second from amplifier ports to one host that make a
    /// reflection attack...
    pub amplification_bps: u64,
    /// ... when they are at least this many times the bytes of requests the
    /// victim sent to those ports.
    pub amplification_factor: u64,
    /// Window, seconds: floods are fast, a short window keeps state small.
    pub window_secs: u64,
    /// After an alert, the same victim stays quiet this long, seconds.
    pub realert_secs: u64,
    /// Victims held per kind.
    pub max_keys: usize,
}

impl Default for FloodConfig {
    fn default() -> Self {
        FloodConfig {
            enabled: true,
            syn_flows: 500,
            udp_pps: 500,
            icmp_pps: 200,
            amplification_bps: 1_000_000,
            amplification_factor: 10,
            window_secs: 10,
            realert_secs: 600,
            max_keys: 50_000,
        }
    }
}

const SYN: Signature = Signature {
    sid: 3_000_201,
    msg: "TAISHI BEHAVIOUR TCP SYN flood",
    category: "Detection of a Denial of Service Attack",
    severity: 1,
    techniques: &["T1499", "T1499.001"],
    tactics: &["TA0040"],
    detector: "flood",
};
const UDP: Signature = Signature {
    sid: 3_000_202,
    msg: "TAISHI BEHAVIOUR UDP flood",
    category: "Detection of a Denial of Service Attack",
    severity: 1,
    techniques: &["T1498", "T1498.001"],
    tactics: &["TA0040"],
    detector: "flood",
};
const ICMP: Signature = Signature {
    sid: 3_000_203,
    msg: "TAISHI BEHAVIOUR ICMP flood",
    category: "Detection of a Denial of Service Attack",
    severity: 1,
    techniques: &["T1498", "T1498.001"],
    tactics: &["TA0040"],
    detector: "flood",
};
const AMP: Signature = Signature {
    sid: 3_000_204,
    msg: "TAISHI BEHAVIOUR UDP reflection/amplification",
    category: "Detection of a Denial of Service Attack",
    severity: 1,
    techniques: &["T1498", "T1498.002"],
    tactics: &["TA0040"],
    detector: "flood",
};

const AMP_PORTS: &[u16] = &[19, 53, 123, 161, 389, 1900, 11211];

/// Sources counted per victim: enough to name the loudest, bounded against
/// spoofed floods (the rest are summed as "others").
const MAX_SOURCES: usize = 64;

/// Per-victim state.
#[derive(Debug, Default)]
struct Victim {
    events: Events,
    /// Per-second buckets of (second, amount, counter-amount).
    buckets: VecDeque<(u64, u64, u64)>,
    sources: HashMap<IpAddr, u64>,
    other_sources: u64,
    flows: Vec<u64>,
    fired: Option<Micros>,
}

impl Victim {
    fn source(&mut self, ip: IpAddr, n: u64) {
        if let Some(c) = self.sources.get_mut(&ip) {
            *c += n;
        } else if self.sources.len() < MAX_SOURCES {
            self.sources.insert(ip, n);
        } else {
            self.other_sources += 1;
        }
    }

    fn loudest(&self) -> Option<(IpAddr, u64)> {
        self.sources
            .iter()
            .max_by_key(|(ip, c)| (**c, **ip))
            .map(|(ip, c)| (*ip, *c))
    }

    /// Adds to the per-second buckets; returns the window's sums.
    fn add_volume(&mut self, t: Micros, amount: u64, counter: u64, window_secs: u64) -> (u64, u64) {
        let sec = t / SEC;
        match self.buckets.iter_mut().find(|b| b.0 == sec) {
            Some(b) => {
                b.1 += amount;
                b.2 += counter;
            }
            None => {
                self.buckets.push_back((sec, amount, counter));
            }
        }
        let newest = self.buckets.iter().map(|b| b.0).max().unwrap_or(sec);
        self.buckets.retain(|b| b.0 + window_secs.max(1) > newest);
        self.buckets
            .iter()
            .fold((0, 0), |(a, c), b| (a + b.1, c + b.2))
    }

    fn sample_flow(&mut self, id: Option<u64>) {
        if let Some(id) = id
            && self.flows.len() < SAMPLE_FLOWS
        {
            self.flows.push(id);
        }
    }

    fn peers(&self) -> Vec<Value> {
        let mut v: Vec<(&IpAddr, &u64)> = self.sources.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(SAMPLE_PEERS)
            .map(|(ip, n)| json!({"ip": eve_ip(ip), "count": n}))
            .collect()
    }
}

/// State of the flood detectors.
#[derive(Debug)]
pub struct Flood {
    cfg: FloodConfig,
    syn: Capped<(IpAddr, u16), Victim>,
    volume: Capped<(IpAddr, u8), Victim>,
}

impl Flood {
    /// Detectors with these thresholds.
    pub fn new(cfg: FloodConfig) -> Flood {
        let ttl = cfg.window_secs.max(cfg.realert_secs) * SEC;
        Flood {
            syn: Capped::new(cfg.max_keys, ttl),
            volume: Capped::new(cfg.max_keys, ttl),
            cfg,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.syn.evicted + self.volume.evicted
    }

    /// Drops state idle past its window.
    pub fn expire(&mut self, now: Micros) {
        self.syn.expire(now);
        self.volume.expire(now);
    }

    /// One `flow` record.
    pub fn flow(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled {
            return;
        }
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        match h.proto {
            "TCP" => {
                let ts = tcp::flags(h.str_at(&["tcp", "tcp_flags_ts"]));
                if ts & tcp::SYN == 0 || ts & tcp::ACK != 0 {
                    return;
                }
                let v = self.syn.entry((h.dst, h.dport), h.time, Victim::default);
                v.source(h.src, 1);
                if v.events
                    .add(h.time, h.flow_id, self.cfg.syn_flows, window, realert)
                {
                    v.events.fire(h.time);
                    let Some((attacker, n)) = v.loudest() else {
                        return;
                    };
                    let mut ev = evidence(
                        v.events.count(),
                        v.events.span(),
                        v.peers(),
                        v.events.flows(),
                    );
                    ev.insert("attacker_flows".into(), json!(n));
                    ev.insert(
                        "sources".into(),
                        json!(v.sources.len() as u64 + v.other_sources),
                    );
                    let p = Parties {
                        attacker,
                        attacker_port: None,
                        victim: Some(h.dst),
                        victim_port: Some(h.dport),
                        proto: "TCP".into(),
                        flow_id: h.flow_id,
                    };
                    out.push(alert(&SYN, &[], v.events.span().1, &p, ev));
                }
            }
            "UDP" | "ICMP" | "IPv6-ICMP" => {
                let udp = h.proto == "UDP";
                // Reflection: responses from an amplifier port to the victim.
                if udp && (AMP_PORTS.contains(&h.sport) || AMP_PORTS.contains(&h.dport)) {
                    let (victim, reflector, response, request) = if AMP_PORTS.contains(&h.sport) {
                        // Unsolicited: the reflector's packets opened the flow.
                        (
                            h.dst,
                            h.src,
                            h.u64_at(&["flow", "bytes_toserver"]),
                            h.u64_at(&["flow", "bytes_toclient"]),
                        )
                    } else {
                        (
                            h.src,
                            h.dst,
                            h.u64_at(&["flow", "bytes_toclient"]),
                            h.u64_at(&["flow", "bytes_toserver"]),
                        )
                    };
                    let v = self.volume.entry((victim, 0), h.time, Victim::default);
                    v.source(reflector, response);
                    v.sample_flow(h.flow_id);
                    let (resp, req) = v.add_volume(h.time, response, request, self.cfg.window_secs);
                    let fired_recently =
                        v.fired.is_some_and(|f| h.time < f.saturating_add(realert));
                    if !fired_recently
                        && resp >= self.cfg.amplification_bps * self.cfg.window_secs
                        && resp >= req.saturating_mul(self.cfg.amplification_factor)
                    {
                        v.fired = Some(h.time);
                        let Some((attacker, _)) = v.loudest() else {
                            return;
                        };
                        let now = h.time;
                        let mut ev = evidence(
                            v.sources.len(),
                            (now.saturating_sub(window), now),
                            v.peers(),
                            &v.flows,
                        );
                        ev.insert("response_bytes".into(), json!(resp));
                        ev.insert("request_bytes".into(), json!(req));
                        let p = Parties {
                            attacker,
                            attacker_port: None,
                            victim: Some(victim),
                            victim_port: None,
                            proto: "UDP".into(),
                            flow_id: h.flow_id,
                        };
                        out.push(alert(&AMP, &[], now, &p, ev));
                    }
                    // Counted as reflection, not as a flood of its own.
                    return;
                }
                let (sig, pps) = if udp {
                    (&UDP, self.cfg.udp_pps)
                } else {
                    (&ICMP, self.cfg.icmp_pps)
                };
                let pkts = h.u64_at(&["flow", "pkts_toserver"]);
                if udp && h.u64_at(&["flow", "pkts_toclient"]).saturating_mul(10) >= pkts.max(1) {
                    return;
                }
                let v =
                    self.volume
                        .entry((h.dst, if udp { 17 } else { 1 }), h.time, Victim::default);
                v.source(h.src, pkts);
                v.sample_flow(h.flow_id);
                let (sum, _) = v.add_volume(h.time, pkts, 0, self.cfg.window_secs);
                let fired_recently = v.fired.is_some_and(|f| h.time < f.saturating_add(realert));
                if !fired_recently && sum >= pps * self.cfg.window_secs {
                    v.fired = Some(h.time);
                    let Some((attacker, n)) = v.loudest() else {
                        return;
                    };
                    let now = h.time;
                    let mut ev = evidence(
                        sum as usize,
                        (now.saturating_sub(window), now),
                        v.peers(),
                        &v.flows,
                    );
                    ev.insert("attacker_packets".into(), json!(n));
                    ev.insert("packets".into(), json!(sum));
                    let p = Parties {
                        attacker,
                        attacker_port: None,
                        victim: Some(h.dst),
                        victim_port: None,
                        proto: h.proto.into(),
                        flow_id: h.flow_id,
                    };
                    out.push(alert(sig, &[], now, &p, ev));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    #[test]
    fn syn_flood_names_the_loudest_source() {
        let mut f = Flood::new(FloodConfig::default());
        let mut out = Vec::new();
        for i in 0..3000u64 {
            // A few spoofed-looking sources among one real one.
            let src = if i % 10 == 0 {
                format!("198.51.100.{}", i % 200)
            } else {
                "203.0.113.66".into()
            };
            let r = json!({"timestamp": format_time(T0), "flow_id": i, "event_type": "flow",
                "src_ip": src, "src_port": 1024 + i, "dest_ip": "10.10.1.20", "dest_port": 80, "proto": "TCP",
                "flow": {"pkts_toserver": 1, "pkts_toclient": 1, "start": format_time(T0 + i * 500)},
                "tcp": {"tcp_flags_ts": "02", "tcp_flags_tc": "12"}});
            f.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "203.0.113.66");
        assert_eq!(out[0]["dest_port"], 80);
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1499", "T1499.001"])
        );
    }

    #[test]
    fn slow_half_open_flows_are_not_a_flood() {
        let mut f = Flood::new(FloodConfig::default());
        let mut out = Vec::new();
        // 40 a second, below 500 per 10 s.
        for i in 0..3000u64 {
            let r = json!({"timestamp": format_time(T0), "event_type": "flow",
                "src_ip": "203.0.113.66", "src_port": 1024, "dest_ip": "10.10.1.20", "dest_port": 80, "proto": "TCP",
                "flow": {"start": format_time(T0 + i * SEC / 40)}, "tcp": {"tcp_flags_ts": "02"}});
            f.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        assert!(out.is_empty());
    }

    #[test]
    fn udp_flood_and_amplification() {
        let mut f = Flood::new(FloodConfig::default());
        let mut out = Vec::new();
        for i in 0..200u64 {
            let r = json!({"timestamp": format_time(T0), "event_type": "flow",
                "src_ip": "192.0.2.7", "src_port": 1000 + i, "dest_ip": "10.0.0.1", "dest_port": 9999, "proto": "UDP",
                "flow": {"pkts_toserver": 1000, "pkts_toclient": 0, "start": format_time(T0 + i * SEC / 20)}});
            f.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["alert"]["signature_id"], 3_000_202);
        let mut out = Vec::new();
        for i in 0..200u64 {
            let r = json!({"timestamp": format_time(T0), "event_type": "flow",
                "src_ip": format!("192.0.2.{}", i % 50), "src_port": 53, "dest_ip": "10.0.0.2", "dest_port": 40000, "proto": "UDP",
                "flow": {"pkts_toserver": 40, "bytes_toserver": 160_000, "pkts_toclient": 0, "start": format_time(T0 + i * SEC / 50)}});
            f.flow(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["alert"]["signature_id"], 3_000_204);
        assert_eq!(out[0]["dest_ip"], "10.0.0.2");
    }
}
