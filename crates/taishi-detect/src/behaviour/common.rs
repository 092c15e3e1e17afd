//! What every detector shares: reading the fields of an EVE record, record
//! time, bounded per-key state, sliding-window counters and the alert shape.

use std::hash::Hash;
use std::net::IpAddr;

/// Hash maps keyed by addresses and ports: foldhash is fast on small keys,
/// and its per-process random seed keeps remote peers from choosing keys
/// that collide.
pub type HashMap<K, V> = hashbrown::HashMap<K, V, foldhash::fast::RandomState>;
use serde_json::{Map, Value, json};
use taishi_core::Timestamp;

use crate::observe::Record;

/// Microseconds since the Unix epoch: the unit of record time here.
pub type Micros = u64;

/// One second in [`Micros`].
pub const SEC: Micros = 1_000_000;

/// Up to this many flow ids go into an alert's evidence.
pub const SAMPLE_FLOWS: usize = 5;

/// Up to this many peers (ports, hosts, names) go into an alert's evidence:
/// enough to see the pattern, short enough to read.
pub const SAMPLE_PEERS: usize = 10;

/// Parses an EVE timestamp (`2026-06-01T08:01:04.510520+0000`, also with a
/// `Z` or `+00:00` zone) into microseconds since the epoch. `None` when it is
/// not one: a record without a usable time is skipped and counted.
pub fn parse_time(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        let mut v: i64 = 0;
        for &c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut digits = 0;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if digits < 6 {
                micros = micros * 10 + i64::from(c - b'0');
            }
            digits += 1;
            i += 1;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let offset_secs: i64 = match b.get(i) {
        None | Some(b'Z') => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = if b.get(i + 3) == Some(&b':') {
                num(i + 4, 2)?
            } else {
                num(i + 3, 2)?
            };
            let o = oh * 3600 + om * 60;
            if sign == b'+' { o } else { -o }
        }
        Some(_) => return None,
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    u64::try_from(secs)
        .ok()?
        .checked_mul(SEC)?
        .checked_add(micros as u64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The value under a path of object keys. Not `Value::pointer`: that
/// splits and unescapes the pointer, allocating, on every call, which was a
/// tenth of the detectors' cost.
pub fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(k))
}

/// Formats record time as EVE does.
pub fn format_time(t: Micros) -> String {
    Timestamp::new(t / SEC, ((t % SEC) * 1000) as u32).to_string()
}

/// The header fields of an EVE record that detectors key on.
#[derive(Clone)]
pub struct Header<'a> {
    /// The record itself.
    pub rec: &'a Record<'a>,
    /// When it happened: `flow.start` for flow records (a flow record is
    /// written when the flow ends, often a timeout later), else `timestamp`.
    pub time: Micros,
    /// `flow_id`, when present.
    pub flow_id: Option<u64>,
    /// `src_ip`.
    pub src: IpAddr,
    /// `dest_ip`.
    pub dst: IpAddr,
    /// `src_port` (0 when absent, e.g. ICMP).
    pub sport: u16,
    /// `dest_port` (0 when absent).
    pub dport: u16,
    /// `proto` as written (`TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, ...).
    pub proto: &'a str,
}

impl<'a> Header<'a> {
    /// Reads the header; `None` when a field detectors need is missing or
    /// malformed.
    pub fn read(rec: &'a Record<'a>) -> Option<Header<'a>> {
        let src = rec.ip("src_ip")?;
        let dst = rec.ip("dest_ip")?;
        let port = |k: &str| {
            rec.u64_at(&[k])
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0)
        };
        let flow_start = if rec.event_type() == Some("flow") {
            rec.time_at(&["flow", "start"])
        } else {
            None
        };
        let time = match flow_start {
            Some(t) => t,
            None => rec.time_at(&["timestamp"])?,
        };
        Some(Header {
            rec,
            time,
            flow_id: rec.u64_at(&["flow_id"]),
            src,
            dst,
            sport: port("src_port"),
            dport: port("dest_port"),
            proto: rec.str_at(&["proto"]).unwrap_or(""),
        })
    }

    /// A number inside the record by its path of keys, 0 when absent.
    pub fn u64_at(&self, keys: &[&str]) -> u64 {
        self.rec.u64_at(keys).unwrap_or(0)
    }

    /// A string inside the record by its path of keys.
    pub fn str_at(&self, keys: &[&str]) -> Option<&'a str> {
        self.rec.str_at(keys)
    }

    /// The value inside the record by its path of keys (lists, objects).
    pub fn at(&self, keys: &[&str]) -> Option<&'a Value> {
        self.rec.at(keys)
    }

    /// `flow.end` of a flow record (its start when absent).
    pub fn flow_end(&self) -> Micros {
        self.rec.time_at(&["flow", "end"]).unwrap_or(self.time)
    }
}

/// TCP flag bits as EVE's two hex digits carry them.
pub mod tcp {
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// ACK.
    pub const ACK: u8 = 0x10;

    /// Parses `tcp_flags*` (`"1b"`); 0 when absent or malformed.
    pub fn flags(s: Option<&str>) -> u8 {
        s.and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(0)
    }
}

/// Whether an address is in RFC 1918 / RFC 4193 / loopback / link-local
/// space: the default meaning of "internal" when no networks are configured.
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// An IPv4 or IPv6 network in CIDR notation, for the `internal_networks`
/// setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l.trim().parse::<u8>().ok().filter(|&l| l <= max)?,
            None => max,
        };
        Some(Cidr { addr, len })
    }

    /// Prefix length: 32 or 128 for a single address.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether `ip` is inside.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                (u32::from(n) & mask) == (u32::from(*a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                (u128::from(n) & mask) == (u128::from(*a) & mask)
            }
            _ => false,
        }
    }
}

/// A map with a size cap whose entries expire by record time.
///
/// Each entry remembers when it was last touched. Inserting into a full map
/// first drops the entries idle longer than `ttl`; if that frees nothing it
/// drops the least recently touched quarter, so one burst of new keys (a
/// spoofed flood, a scan of the whole internet) costs O(log n) amortised per
/// key and never grows the map past `cap`. Drops are counted in `evicted`.
#[derive(Debug)]
pub struct Capped<K, V> {
    map: HashMap<K, (Micros, V)>,
    cap: usize,
    ttl: Micros,
    /// Entries dropped to respect the cap (not counting expiry).
    pub evicted: u64,
}

impl<K: Hash + Eq + Clone, V> Capped<K, V> {
    /// An empty map holding at most `cap` keys, idle ones expiring after
    /// `ttl`.
    pub fn new(cap: usize, ttl: Micros) -> Self {
        Capped {
            map: HashMap::default(),
            cap: cap.max(4),
            ttl,
            evicted: 0,
        }
    }

    /// Keys held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key is held.
    #[allow(dead_code)] // pairs with len() for clippy; tests use it
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value for `k`, if held.
    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.map.get_mut(k).map(|(_, v)| v)
    }

    /// The value for `k`, made by `init` when absent; marks it touched at
    /// `now`.
    pub fn entry(&mut self, k: K, now: Micros, init: impl FnOnce() -> V) -> &mut V {
        if self.map.len() >= self.cap && !self.map.contains_key(&k) {
            self.make_room(now);
        }
        let e = self.map.entry(k).or_insert_with(|| (now, init()));
        if now > e.0 {
            e.0 = now;
        }
        &mut e.1
    }

    /// Drops entries idle since before `now - ttl`.
    pub fn expire(&mut self, now: Micros) {
        let limit = now.saturating_sub(self.ttl);
        self.map.retain(|_, (t, _)| *t >= limit);
    }

    /// Every entry (for end-of-input flushes).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.map.iter_mut().map(|(k, (_, v))| (k, v))
    }

    fn make_room(&mut self, now: Micros) {
        self.expire(now);
        if self.map.len() < self.cap {
            return;
        }
        let mut times: Vec<Micros> = self.map.values().map(|(t, _)| *t).collect();
        let drop = (self.cap / 4).max(1);
        let (_, cut, _) = times.select_nth_unstable(drop - 1);
        let cut = *cut;
        let before = self.map.len();
        self.map.retain(|_, (t, _)| *t > cut);
        // Many keys touched at the same instant can all sit on the cut; drop
        // arbitrary ones then rather than go past the cap.
        if self.map.len() >= self.cap {
            let excess = self.map.len() + 1 - self.cap;
            let keys: Vec<K> = self.map.keys().take(excess).cloned().collect();
            for k in keys {
                self.map.remove(&k);
            }
        }
        self.evicted += (before - self.map.len()) as u64;
    }
}

/// Distinct items (ports, hosts, names) seen within a sliding window, up to
/// the threshold that fires: the state of one key of a scan-like detector.
#[derive(Debug)]
pub struct Distinct<I> {
    items: HashMap<I, Micros>,
    flows: Vec<u64>,
    /// When it last fired, to hold back repeats.
    pub fired: Option<Micros>,
}

impl<I> Default for Distinct<I> {
    fn default() -> Self {
        Distinct {
            items: HashMap::default(),
            flows: Vec::new(),
            fired: None,
        }
    }
}

impl<I: Hash + Eq + Clone> Distinct<I> {
    /// Adds `item` seen at `t`; returns true when `threshold` distinct items
    /// now lie within `window` of the latest, and the key has not fired in
    /// the last `realert` (the caller then alerts and calls [`Self::fire`]).
    pub fn add(
        &mut self,
        item: I,
        t: Micros,
        flow_id: Option<u64>,
        threshold: usize,
        window: Micros,
        realert: Micros,
    ) -> bool {
        if let Some(f) = self.fired {
            if t < f.saturating_add(realert) {
                return false;
            }
            self.fired = None;
            self.items.clear();
            self.flows.clear();
        }
        let e = self.items.entry(item).or_insert(t);
        *e = (*e).max(t);
        if let Some(id) = flow_id
            && self.flows.len() < SAMPLE_FLOWS
            && !self.flows.contains(&id)
        {
            self.flows.push(id);
        }
        if self.items.len() < threshold.max(1) {
            return false;
        }
        let newest = self.items.values().copied().max().unwrap_or(t);
        let limit = newest.saturating_sub(window);
        self.items.retain(|_, s| *s >= limit);
        self.items.len() >= threshold.max(1)
    }

    /// Marks the key fired at `t`.
    pub fn fire(&mut self, t: Micros) {
        self.fired = Some(t);
    }

    /// Distinct items held.
    pub fn count(&self) -> usize {
        self.items.len()
    }

    /// Earliest and latest time among the items held.
    pub fn span(&self) -> (Micros, Micros) {
        let lo = self.items.values().copied().min().unwrap_or(0);
        let hi = self.items.values().copied().max().unwrap_or(0);
        (lo, hi)
    }

    /// Up to `n` items, earliest first.
    pub fn sample(&self, n: usize) -> Vec<I> {
        let mut v: Vec<(&I, &Micros)> = self.items.iter().collect();
        v.sort_by_key(|(_, t)| **t);
        v.into_iter().take(n).map(|(i, _)| i.clone()).collect()
    }

    /// Sample flow ids.
    pub fn flows(&self) -> &[u64] {
        &self.flows
    }
}

/// Events within a sliding window (failed logins, SYN-only flows), up to the
/// threshold that fires.
#[derive(Debug, Default)]
pub struct Events {
    times: Vec<Micros>,
    flows: Vec<u64>,
    /// When it last fired, to hold back repeats.
    pub fired: Option<Micros>,
}

impl Events {
    /// Adds one event at `t`; true when `threshold` of them lie within
    /// `window` and the key has not fired in the last `realert`.
    pub fn add(
        &mut self,
        t: Micros,
        flow_id: Option<u64>,
        threshold: usize,
        window: Micros,
        realert: Micros,
    ) -> bool {
        if let Some(f) = self.fired {
            if t < f.saturating_add(realert) {
                return false;
            }
            self.fired = None;
            self.times.clear();
            self.flows.clear();
        }
        self.times.push(t);
        if let Some(id) = flow_id
            && self.flows.len() < SAMPLE_FLOWS
            && !self.flows.contains(&id)
        {
            self.flows.push(id);
        }
        if self.times.len() < threshold.max(1) {
            return false;
        }
        let newest = self.times.iter().copied().max().unwrap_or(t);
        let limit = newest.saturating_sub(window);
        self.times.retain(|s| *s >= limit);
        self.times.len() >= threshold.max(1)
    }

    /// Marks the key fired at `t`.
    pub fn fire(&mut self, t: Micros) {
        self.fired = Some(t);
    }

    /// Events held.
    pub fn count(&self) -> usize {
        self.times.len()
    }

    /// Earliest and latest event held.
    pub fn span(&self) -> (Micros, Micros) {
        let lo = self.times.iter().copied().min().unwrap_or(0);
        let hi = self.times.iter().copied().max().unwrap_or(0);
        (lo, hi)
    }

    /// Sample flow ids.
    pub fn flows(&self) -> &[u64] {
        &self.flows
    }
}

/// What identifies one kind of behavioural alert.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// `alert.signature_id` (gid 3).
    pub sid: u32,
    /// `alert.signature`.
    pub msg: &'static str,
    /// `alert.category` (a Suricata classtype description).
    pub category: &'static str,
    /// `alert.severity` (1 high .. 3 low).
    pub severity: u8,
    /// ATT&CK technique ids, most general first.
    pub techniques: &'static [&'static str],
    /// ATT&CK tactic ids.
    pub tactics: &'static [&'static str],
    /// Detector name (`evidence.detector`, `metadata.detector`).
    pub detector: &'static str,
}

/// `alert.gid` of every behavioural alert.
pub const GID: u32 = 3;

/// Where an alert points: the attacker first.
#[derive(Clone, Debug)]
pub struct Parties {
    /// The attacking host (`src_ip`).
    pub attacker: IpAddr,
    /// Its port, when one connection is meant.
    pub attacker_port: Option<u16>,
    /// The victim (`dest_ip`), when there is one.
    pub victim: Option<IpAddr>,
    /// The victim's port.
    pub victim_port: Option<u16>,
    /// `proto`.
    pub proto: String,
    /// The flow that completed the pattern.
    pub flow_id: Option<u64>,
}

impl Parties {
    /// Attacker = the record's source, victim = its destination.
    pub fn forward(h: &Header<'_>) -> Parties {
        Parties {
            attacker: h.src,
            attacker_port: None,
            victim: Some(h.dst),
            victim_port: (h.dport != 0).then_some(h.dport),
            proto: h.proto.to_string(),
            flow_id: h.flow_id,
        }
    }

    /// Attacker = the record's destination (the record is a response).
    pub fn reverse(h: &Header<'_>) -> Parties {
        Parties {
            attacker: h.dst,
            attacker_port: None,
            victim: Some(h.src),
            victim_port: (h.sport != 0).then_some(h.sport),
            proto: h.proto.to_string(),
            flow_id: h.flow_id,
        }
    }
}

/// Builds an EVE alert in Suricata's shape with Taishi's `evidence`.
///
/// `extra_techniques` adds sub-techniques that depend on what was seen (the
/// application protocol of a beacon, the encryption of an exfiltration).
pub fn alert(
    sig: &Signature,
    extra_techniques: &[&str],
    time: Micros,
    p: &Parties,
    mut evidence: Map<String, Value>,
) -> Value {
    let mut techniques: Vec<&str> = sig.techniques.to_vec();
    for t in extra_techniques {
        if !techniques.contains(t) {
            techniques.push(t);
        }
    }
    evidence.insert("detector".into(), json!(sig.detector));
    let mut rec = Map::new();
    rec.insert("timestamp".into(), json!(format_time(time)));
    if let Some(id) = p.flow_id {
        rec.insert("flow_id".into(), json!(id));
    }
    rec.insert("event_type".into(), json!("alert"));
    rec.insert("src_ip".into(), json!(eve_ip(&p.attacker)));
    if let Some(port) = p.attacker_port {
        rec.insert("src_port".into(), json!(port));
    }
    if let Some(v) = p.victim {
        rec.insert("dest_ip".into(), json!(eve_ip(&v)));
    }
    if let Some(port) = p.victim_port {
        rec.insert("dest_port".into(), json!(port));
    }
    if !p.proto.is_empty() {
        rec.insert("proto".into(), json!(p.proto));
    }
    rec.insert(
        "alert".into(),
        json!({
            "action": "allowed",
            "gid": GID,
            "signature_id": sig.sid,
            "rev": 1,
            "signature": sig.msg,
            "category": sig.category,
            "severity": sig.severity,
            "metadata": {
                "mitre_technique_id": techniques,
                "mitre_tactic_id": sig.tactics,
                "detector": [sig.detector],
            },
        }),
    );
    rec.insert("evidence".into(), Value::Object(evidence));
    Value::Object(rec)
}

/// The common part of every evidence object.
pub fn evidence(
    count: usize,
    window: (Micros, Micros),
    peers: Vec<Value>,
    flows: &[u64],
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("count".into(), json!(count));
    m.insert("window_start".into(), json!(format_time(window.0)));
    m.insert("window_end".into(), json!(format_time(window.1)));
    m.insert("peers".into(), Value::Array(peers));
    m.insert("flow_ids".into(), json!(flows));
    m
}

/// An address printed as Suricata prints it (IPv6 in full, lower case).
pub fn eve_ip(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!(
                "{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}:{:04x}",
                s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_eve_times() {
        let t = parse_time("2026-06-01T08:01:04.510520+0000").unwrap();
        assert_eq!(format_time(t), "2026-06-01T08:01:04.510520+0000");
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(SEC));
        assert_eq!(
            parse_time("1970-01-01T01:00:00.5+01:00"),
            Some(SEC / 2),
            "zone offset subtracted"
        );
        assert_eq!(parse_time("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_time("2026-06-01"), None);
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("2026-06-01T08:01:04x"), None);
    }

    #[test]
    fn cidr() {
        let n = Cidr::parse("10.20.0.0/16").unwrap();
        assert!(n.contains(&"10.20.3.4".parse().unwrap()));
        assert!(!n.contains(&"10.21.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(&"1.2.3.4".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(
            Cidr::parse("fd00::/8")
                .unwrap()
                .contains(&"fd12::1".parse().unwrap())
        );
    }

    #[test]
    fn capped_map_respects_its_cap() {
        let mut m: Capped<u32, u32> = Capped::new(100, 10 * SEC);
        for i in 0..10_000u32 {
            *m.entry(i, u64::from(i), || 0) += 1;
            assert!(m.len() <= 100);
        }
        assert!(m.evicted > 0);
        // The most recent keys survive.
        assert!(m.get_mut(&9_999).is_some());
    }

    #[test]
    fn capped_map_expires_by_record_time() {
        let mut m: Capped<u32, u32> = Capped::new(100, 10 * SEC);
        m.entry(1, 0, || 0);
        m.entry(2, 20 * SEC, || 0);
        m.expire(20 * SEC);
        assert!(m.get_mut(&1).is_none());
        assert!(m.get_mut(&2).is_some());
    }

    #[test]
    fn distinct_window_boundary() {
        let mut d: Distinct<u16> = Distinct::default();
        // Three items, but the first falls out of a 10 s window.
        assert!(!d.add(1, 0, None, 3, 10 * SEC, 0));
        assert!(!d.add(2, 5 * SEC, None, 3, 10 * SEC, 0));
        assert!(!d.add(3, 10 * SEC + 1, None, 3, 10 * SEC, 0));
        // Exactly at the window's edge counts.
        let mut d: Distinct<u16> = Distinct::default();
        d.add(1, 0, None, 3, 10 * SEC, 0);
        d.add(2, 5 * SEC, None, 3, 10 * SEC, 0);
        assert!(d.add(3, 10 * SEC, None, 3, 10 * SEC, 0));
        // A repeated item is one item.
        let mut d: Distinct<u16> = Distinct::default();
        for _ in 0..10 {
            assert!(!d.add(7, 0, None, 3, 10 * SEC, 0));
        }
    }

    #[test]
    fn events_hold_back_repeats() {
        let mut e = Events::default();
        assert!(!e.add(0, Some(1), 2, SEC, 60 * SEC));
        assert!(e.add(1, Some(2), 2, SEC, 60 * SEC));
        e.fire(1);
        assert!(!e.add(2, None, 2, SEC, 60 * SEC));
        assert!(!e.add(3, None, 2, SEC, 60 * SEC));
        // After the re-alert interval the count starts again.
        assert!(!e.add(61 * SEC, None, 2, SEC, 60 * SEC));
        assert!(e.add(61 * SEC + 1, None, 2, SEC, 60 * SEC));
        assert!(e.flows().is_empty());
    }

    #[test]
    fn eve_ipv6_in_full() {
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(eve_ip(&ip), "2001:0db8:0000:0000:0000:0000:0000:0001");
    }
}
