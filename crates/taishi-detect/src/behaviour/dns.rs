//! DNS tunnelling (T1071.004) and domain generation algorithms (T1568.002)
//! from `dns` records.
//!
//! * Tunnel: a client that sends many *distinct*, *data-like* names under
//!   one registered domain. A query is data-like when the part left of the
//!   registered domain is long (`tunnel_subdomain_len`) or its longest
//!   label is long and high in entropy (`tunnel_label_len`,
//!   `tunnel_entropy` bits per character: base32/base64/hex data scores
//!   4–5.5, words under 3.5). TXT, NULL and other payload-friendly types
//!   are counted into the evidence. Distinct names are counted by a 64-bit
//!   hash, up to the threshold, per (client, registered domain).
//! * DGA: a client receiving NXDOMAIN for many distinct random-looking
//!   names (second-level label of `dga_min_len`+ characters with entropy
//!   over `dga_entropy`), whatever their domains.
//!
//! The registered domain is the last two labels, or three under common
//! second-level public suffixes (`co.uk`, `com.cn`, ...): without the full
//! public suffix list this can merge two sites under a rare suffix, which
//! only makes the tunnel count reach its threshold sooner.
//!
//! Resolvers: a host that receives queries is a resolver, and the queries
//! it forwards upstream are the clients' queries again. Its own queries
//! (and the NXDOMAINs it receives) are skipped, so the alert names the
//! client.

use std::hash::BuildHasher;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{
    Capped, Distinct, Header, Micros, Parties, SAMPLE_PEERS, SEC, Signature, alert, eve_ip,
    evidence,
};

/// Thresholds of the DNS detectors.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsConfig {
    /// Run them.
    pub enabled: bool,
    /// Distinct data-like names under one domain from one client that make
    /// a tunnel.
    pub tunnel_names: usize,
    /// Characters left of the registered domain that make a name data-like.
    pub tunnel_subdomain_len: usize,
    /// A label this long ...
    pub tunnel_label_len: usize,
    /// ... with at least this Shannon entropy (bits per character) makes a
    /// name data-like.
    pub tunnel_entropy: f64,
    /// Distinct random-looking NXDOMAIN names to one client that make DGA.
    pub dga_names: usize,
    /// Shortest second-level label judged random.
    pub dga_min_len: usize,
    /// Entropy over which it is random.
    pub dga_entropy: f64,
    /// Sliding window, seconds.
    pub window_secs: u64,
    /// After an alert, the same key stays quiet this long, seconds.
    pub realert_secs: u64,
    /// Skip queries sent by hosts that answer DNS (resolvers forwarding).
    pub skip_resolvers: bool,
    /// Keys held (client, domain) and clients for DGA, each.
    pub max_keys: usize,
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig {
            enabled: true,
            tunnel_names: 30,
            tunnel_subdomain_len: 40,
            tunnel_label_len: 20,
            tunnel_entropy: 3.5,
            dga_names: 20,
            dga_min_len: 8,
            dga_entropy: 3.0,
            window_secs: 600,
            realert_secs: 3600,
            skip_resolvers: true,
            max_keys: 100_000,
        }
    }
}

const TUNNEL: Signature = Signature {
    sid: 3_000_401,
    msg: "TAISHI BEHAVIOUR DNS tunnelling (many data-like names under one domain)",
    category: "Potential Corporate Privacy Violation",
    severity: 1,
    techniques: &["T1071", "T1071.004"],
    tactics: &["TA0011"],
    detector: "dns_tunnel",
};

const DGA: Signature = Signature {
    sid: 3_000_402,
    msg: "TAISHI BEHAVIOUR DGA (burst of NXDOMAIN for random-looking names)",
    category: "A Network Trojan was detected",
    severity: 2,
    techniques: &["T1568", "T1568.002"],
    tactics: &["TA0011"],
    detector: "dga",
};

#[derive(Debug, Default)]
struct Tunnel {
    names: Distinct<u64>,
    samples: Vec<String>,
    payload_types: u64,
    queries: u64,
}

#[derive(Debug, Default)]
struct Nx {
    names: Distinct<u64>,
    samples: Vec<String>,
}

/// State of the DNS detectors.
#[derive(Debug)]
pub struct Dns {
    cfg: DnsConfig,
    tunnels: Capped<(IpAddr, String), Tunnel>,
    nx: Capped<IpAddr, Nx>,
    resolvers: Capped<IpAddr, ()>,
    hasher: foldhash::fast::FixedState,
}

impl Dns {
    /// Detectors with these thresholds.
    pub fn new(cfg: DnsConfig) -> Dns {
        let ttl = cfg.window_secs.max(cfg.realert_secs) * SEC;
        Dns {
            tunnels: Capped::new(cfg.max_keys, ttl),
            nx: Capped::new(cfg.max_keys, ttl),
            // Resolvers are few; a day without queries forgets one.
            resolvers: Capped::new(10_000, 86_400 * SEC),
            hasher: foldhash::fast::FixedState::with_seed(0x7461_6973_6869),
            cfg,
        }
    }

    /// Keys dropped to respect the size caps.
    pub fn evicted(&self) -> u64 {
        self.tunnels.evicted + self.nx.evicted + self.resolvers.evicted
    }

    /// Drops state idle past its window.
    pub fn expire(&mut self, now: Micros) {
        self.tunnels.expire(now);
        self.nx.expire(now);
        self.resolvers.expire(now);
    }

    fn hash(&self, s: &str) -> u64 {
        self.hasher.hash_one(s)
    }

    /// One `dns` record.
    pub fn dns(&mut self, h: &Header<'_>, out: &mut Vec<Value>) {
        if !self.cfg.enabled {
            return;
        }
        let window = self.cfg.window_secs * SEC;
        let realert = self.cfg.realert_secs * SEC;
        let Some(queries) = h.at(&["dns", "queries"]).and_then(Value::as_array) else {
            return;
        };
        let is_request = h.str_at(&["dns", "type"]) == Some("request");
        if is_request {
            self.resolvers.entry(h.dst, h.time, || ());
            if self.cfg.skip_resolvers && self.resolvers.get_mut(&h.src).is_some() {
                return;
            }
            for q in queries {
                let Some(name) = q.get("rrname").and_then(Value::as_str) else {
                    continue;
                };
                let rrtype = q.get("rrtype").and_then(Value::as_str).unwrap_or("");
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let (sub, base) = split_registered(&name);
                if sub.is_empty() || !self.data_like(sub) {
                    continue;
                }
                let hash = self.hash(&name);
                let t = self
                    .tunnels
                    .entry((h.src, base.to_string()), h.time, Tunnel::default);
                t.queries += 1;
                if matches!(rrtype, "TXT" | "NULL" | "CNAME" | "MX" | "AAAA" | "ANY") {
                    t.payload_types += 1;
                }
                if t.samples.len() < 3 {
                    t.samples.push(name.clone());
                }
                if t.names.add(
                    hash,
                    h.time,
                    h.flow_id,
                    self.cfg.tunnel_names,
                    window,
                    realert,
                ) {
                    t.names.fire(h.time);
                    let mut ev = evidence(
                        t.names.count(),
                        t.names.span(),
                        vec![json!(eve_ip(&h.dst))],
                        t.names.flows(),
                    );
                    ev.insert("domain".into(), json!(base));
                    ev.insert("queries".into(), json!(t.queries));
                    ev.insert("payload_type_queries".into(), json!(t.payload_types));
                    ev.insert("sample_names".into(), json!(t.samples));
                    out.push(alert(
                        &TUNNEL,
                        &[],
                        t.names.span().1,
                        &Parties::forward(h),
                        ev,
                    ));
                    t.samples.clear();
                    t.queries = 0;
                    t.payload_types = 0;
                }
            }
        } else if h.str_at(&["dns", "rcode"]) == Some("NXDOMAIN") {
            // A response: the client is its destination.
            if self.cfg.skip_resolvers && self.resolvers.get_mut(&h.dst).is_some() {
                return;
            }
            for q in queries {
                let Some(name) = q.get("rrname").and_then(Value::as_str) else {
                    continue;
                };
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if !self.random_looking(&name) {
                    continue;
                }
                let hash = self.hash(&name);
                let n = self.nx.entry(h.dst, h.time, Nx::default);
                if n.samples.len() < SAMPLE_PEERS {
                    n.samples.push(name.clone());
                }
                if n.names
                    .add(hash, h.time, h.flow_id, self.cfg.dga_names, window, realert)
                {
                    n.names.fire(h.time);
                    let mut ev = evidence(
                        n.names.count(),
                        n.names.span(),
                        vec![json!(eve_ip(&h.src))],
                        n.names.flows(),
                    );
                    ev.insert("sample_names".into(), json!(n.samples));
                    out.push(alert(&DGA, &[], n.names.span().1, &Parties::reverse(h), ev));
                    n.samples.clear();
                }
            }
        }
    }

    fn data_like(&self, sub: &str) -> bool {
        if sub.len() >= self.cfg.tunnel_subdomain_len {
            return true;
        }
        let longest = sub.split('.').max_by_key(|l| l.len()).unwrap_or("");
        longest.len() >= self.cfg.tunnel_label_len && entropy(longest) >= self.cfg.tunnel_entropy
    }

    fn random_looking(&self, name: &str) -> bool {
        let (_, base) = split_registered(name);
        let sld = base.split('.').next().unwrap_or("");
        sld.len() >= self.cfg.dga_min_len
            && entropy(sld) >= self.cfg.dga_entropy
            && !sld.contains('-')
    }
}

/// Splits a name into (subdomain, registered domain).
pub fn split_registered(name: &str) -> (&str, &str) {
    let labels: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut start = 0;
        for (i, c) in name.char_indices() {
            if c == '.' {
                v.push((start, &name[start..i]));
                start = i + 1;
            }
        }
        v.push((start, &name[start..]));
        v
    };
    let n = labels.len();
    if n <= 2 {
        return ("", name);
    }
    let tld = labels[n - 1].1;
    let second = labels[n - 2].1;
    let take = if tld.len() == 2
        && matches!(
            second,
            "co" | "com"
                | "net"
                | "org"
                | "gov"
                | "edu"
                | "ac"
                | "or"
                | "ne"
                | "go"
                | "gob"
                | "mil"
        ) {
        3
    } else {
        2
    };
    if n <= take {
        return ("", name);
    }
    let base_start = labels[n - take].0;
    (&name[..base_start.saturating_sub(1)], &name[base_start..])
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::common::format_time;
    use super::*;
    use crate::observe::Record;

    const T0: Micros = 1_780_000_000 * SEC;

    #[test]
    fn registered_domains() {
        assert_eq!(split_registered("a.b.example.com"), ("a.b", "example.com"));
        assert_eq!(split_registered("example.com"), ("", "example.com"));
        assert_eq!(split_registered("x.bbc.co.uk"), ("x", "bbc.co.uk"));
        assert_eq!(split_registered("co.uk"), ("", "co.uk"));
        assert_eq!(split_registered("localhost"), ("", "localhost"));
    }

    #[test]
    fn entropy_of_data_and_words() {
        assert!(entropy("26xut4xfmicur3ygxld2ymtaed6taam7fwkhhus5rvc2wkqcmmdahclo5fpyaeb") > 4.0);
        assert!(entropy("intranet") < 3.0);
        assert_eq!(entropy(""), 0.0);
    }

    fn query(src: &str, name: &str, t: Micros) -> Value {
        json!({"timestamp": format_time(t), "event_type": "dns", "src_ip": src, "src_port": 5353,
            "dest_ip": "10.0.0.53", "dest_port": 53, "proto": "UDP",
            "dns": {"type": "request", "queries": [{"rrname": name, "rrtype": "TXT"}]}})
    }

    #[test]
    fn tunnel_names_the_client_not_the_resolver() {
        let mut d = Dns::new(DnsConfig::default());
        let mut out = Vec::new();
        for i in 0..60u64 {
            let name = format!(
                "{:016x}{:016x}{:08x}.t.tunnel.example",
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                i * 31,
                i
            );
            let q = query("10.0.0.7", &name, T0 + i * SEC);
            d.dns(&Header::read(&Record::json(&q)).unwrap(), &mut out);
            // The resolver forwards it upstream.
            let mut fwd = query("10.0.0.53", &name, T0 + i * SEC);
            fwd["dest_ip"] = json!("9.9.9.9");
            d.dns(&Header::read(&Record::json(&fwd)).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.0.0.7");
        assert_eq!(out[0]["evidence"]["domain"], "tunnel.example");
        assert_eq!(
            out[0]["alert"]["metadata"]["mitre_technique_id"],
            json!(["T1071", "T1071.004"])
        );
    }

    #[test]
    fn ordinary_names_are_not_a_tunnel() {
        let mut d = Dns::new(DnsConfig::default());
        let mut out = Vec::new();
        for i in 0..500u64 {
            let q = query(
                "10.0.0.7",
                &format!("host{i}.intranet.example.com"),
                T0 + i * SEC,
            );
            d.dns(&Header::read(&Record::json(&q)).unwrap(), &mut out);
        }
        assert!(out.is_empty());
    }

    #[test]
    fn dga_burst() {
        let mut d = Dns::new(DnsConfig::default());
        let mut out = Vec::new();
        for i in 0..25u64 {
            let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let sld: String = (0..14)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b'a' + (x % 26) as u8)
                })
                .collect();
            let name = format!("{sld}.com");
            let r = json!({"timestamp": format_time(T0 + i * SEC), "event_type": "dns", "src_ip": "10.0.0.53",
                "src_port": 53, "dest_ip": "10.0.0.8", "dest_port": 5353, "proto": "UDP",
                "dns": {"type": "response", "rcode": "NXDOMAIN", "queries": [{"rrname": name, "rrtype": "A"}]}});
            d.dns(&Header::read(&Record::json(&r)).unwrap(), &mut out);
        }
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0]["src_ip"], "10.0.0.8");
    }
}
