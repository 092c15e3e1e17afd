//! [`IntelObserver`]: looks the addresses, names, URLs, fingerprints and
//! hashes of each EVE record up in an [`IntelSet`] and raises one `alert`
//! per (indicator, flow).

use super::set::wall_clock;
use super::{IndicatorKind, IntelHit, IntelSet, normalize_url};
use crate::observe::{Observer, Record};
use hashbrown::HashMap;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::Arc;

/// Generator id of intel alerts (Suricata's rules use 1, behaviour 3).
pub const INTEL_GID: u32 = 2;

/// Flows remembered for de-duplication at most; past it the memory is
/// dropped (and counted), which at worst repeats an alert. A flow is only
/// remembered once it has had a hit, and forgotten at its `flow` record,
/// so this is reached only by a flood of hits on unfinished flows.
pub const MAX_TRACKED_FLOWS: usize = 1 << 18;

/// Records between two readings of the wall clock for expiry: indicators
/// expire in days, so a clock a few thousand records stale is exact enough
/// and keeps the clock call off the per-record path.
const CLOCK_EVERY: u32 = 4096;

/// Counters of an [`IntelObserver`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IntelObserverStats {
    /// Records seen.
    pub records: u64,
    /// Indicator hits, before de-duplication.
    pub hits: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// Hits not alerted because the flow already alerted on that indicator.
    pub duplicates: u64,
    /// Times the de-duplication memory hit [`MAX_TRACKED_FLOWS`] and was
    /// cleared.
    pub dedup_resets: u64,
}

enum Clock {
    Wall { now: i64, countdown: u32 },
    Fixed(i64),
}

/// Which side of a record is the local host that talked to an indicator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Src,
    Dest,
}

/// One value seen in a record that matched.
struct Found {
    id: u32,
    side: Side,
    field: &'static str,
    observed: String,
}

/// The intel [`Observer`].
pub struct IntelObserver {
    set: Arc<IntelSet>,
    /// Indicator ids already alerted, per flow key.
    seen: HashMap<u64, Vec<u32>, foldhash::fast::FixedState>,
    clock: Clock,
    stats: IntelObserverStats,
    found: Vec<Found>,
    scratch: String,
    /// Hashes of the names and addresses already looked up in the
    /// current record: a DNS response repeats its query name in every
    /// answer, and each lookup in a large set is a few cache misses.
    looked: Vec<u64>,
    hasher: foldhash::fast::FixedState,
}

impl IntelObserver {
    /// An observer over `set`, expiring indicators by the wall clock.
    pub fn new(set: Arc<IntelSet>) -> IntelObserver {
        IntelObserver {
            set,
            seen: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(5)),
            clock: Clock::Wall {
                now: wall_clock(),
                countdown: CLOCK_EVERY,
            },
            stats: IntelObserverStats::default(),
            found: Vec::new(),
            scratch: String::new(),
            looked: Vec::new(),
            hasher: foldhash::fast::FixedState::with_seed(11),
        }
    }

    /// An observer whose idea of "now" (for expiry) is fixed: for tests
    /// and for judging old logs against the intel of their day.
    pub fn with_now(set: Arc<IntelSet>, now: i64) -> IntelObserver {
        let mut o = IntelObserver::new(set);
        o.clock = Clock::Fixed(now);
        o
    }

    /// Counters so far.
    pub fn stats(&self) -> &IntelObserverStats {
        &self.stats
    }

    fn now(&mut self) -> i64 {
        match &mut self.clock {
            Clock::Fixed(n) => *n,
            Clock::Wall { now, countdown } => {
                if *countdown == 0 {
                    *now = wall_clock();
                    *countdown = CLOCK_EVERY;
                }
                *countdown -= 1;
                *now
            }
        }
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// The side that is the client: the one with the higher port (clients use
/// ephemeral ports), the source on a tie.
fn client_side(rec: &Value) -> Side {
    let sp = rec.get("src_port").and_then(Value::as_u64).unwrap_or(0);
    let dp = rec.get("dest_port").and_then(Value::as_u64).unwrap_or(0);
    if sp < dp { Side::Dest } else { Side::Src }
}

/// The DNS client: the source of a query, the destination of a response.
fn dns_client(rec: &Value) -> Side {
    let sp = rec.get("src_port").and_then(Value::as_u64).unwrap_or(0);
    let dp = rec.get("dest_port").and_then(Value::as_u64).unwrap_or(0);
    if sp != dp {
        return client_side(rec);
    }
    match rec.get("dns").and_then(|d| str_at(d, "type")) {
        Some("response" | "answer") => Side::Dest,
        _ => Side::Src,
    }
}

/// Lower-case without a trailing dot, borrowing when it already is.
fn domain_form<'a>(name: &'a str, scratch: &'a mut String) -> &'a str {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        scratch.clear();
        scratch.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        scratch
    } else {
        name
    }
}

impl IntelObserver {
    /// Whether `text` was already looked up in this record (and notes it).
    fn already(&mut self, text: &str) -> bool {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(text);
        if self.looked.contains(&h) {
            return true;
        }
        self.looked.push(h);
        false
    }

    fn look_domain(&mut self, name: &str, side: Side, field: &'static str, now: i64) {
        if name.is_empty() || self.already(name) {
            return;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            self.lookup_ip_now(ip, side, field, name, now);
            return;
        }
        let set = Arc::clone(&self.set);
        let found = &mut self.found;
        let key = domain_form(name, &mut self.scratch);
        set.lookup_domain(key, now, &mut |h: IntelHit<'_>| {
            found.push(Found {
                id: h.id,
                side,
                field,
                observed: name.to_string(),
            });
        });
    }

    fn look_ip(&mut self, ip: IpAddr, side: Side, field: &'static str, observed: &str, now: i64) {
        if self.already(observed) {
            return;
        }
        self.lookup_ip_now(ip, side, field, observed, now);
    }

    fn lookup_ip_now(
        &mut self,
        ip: IpAddr,
        side: Side,
        field: &'static str,
        observed: &str,
        now: i64,
    ) {
        let set = Arc::clone(&self.set);
        let found = &mut self.found;
        set.lookup_ip(ip, now, &mut |h: IntelHit<'_>| {
            found.push(Found {
                id: h.id,
                side,
                field,
                observed: observed.to_string(),
            });
        });
    }

    fn look_exact(
        &mut self,
        kind: IndicatorKind,
        value: &str,
        side: Side,
        field: &'static str,
        now: i64,
    ) {
        if !self.set.has_kind(kind) {
            return;
        }
        let key: String = match kind {
            IndicatorKind::Url => match normalize_url(value) {
                Some(u) => u,
                None => return,
            },
            // Suricata prints certificate fingerprints as `aa:bb:...`.
            _ => value
                .chars()
                .filter(|c| *c != ':')
                .map(|c| c.to_ascii_lowercase())
                .collect(),
        };
        let set = Arc::clone(&self.set);
        let found = &mut self.found;
        set.lookup(kind, &key, now, &mut |h: IntelHit<'_>| {
            found.push(Found {
                id: h.id,
                side,
                field,
                observed: value.to_string(),
            });
        });
    }

    fn look_addresses(&mut self, rec: &Value, now: i64) {
        for (key, side_of_local) in [("src_ip", Side::Dest), ("dest_ip", Side::Src)] {
            if let Some(s) = str_at(rec, key)
                && let Ok(ip) = s.parse::<IpAddr>()
            {
                let field = if key == "src_ip" { "src_ip" } else { "dest_ip" };
                self.look_ip(ip, side_of_local, field, s, now);
            }
        }
    }

    fn look_dns(&mut self, rec: &Value, now: i64) {
        let Some(dns) = rec.get("dns") else { return };
        let side = dns_client(rec);
        // Suricata's version 1 records carry one query or answer at top level.
        if let Some(n) = str_at(dns, "rrname") {
            self.look_domain(n, side, "dns.rrname", now);
        }
        if let Some(d) = str_at(dns, "rdata") {
            self.look_rdata(d, side, now);
        }
        if let Some(qs) = dns.get("queries").and_then(Value::as_array) {
            for q in qs {
                if let Some(n) = str_at(q, "rrname") {
                    self.look_domain(n, side, "dns.queries.rrname", now);
                }
            }
        }
        if let Some(ans) = dns.get("answers").and_then(Value::as_array) {
            for a in ans {
                if let Some(n) = str_at(a, "rrname") {
                    self.look_domain(n, side, "dns.answers.rrname", now);
                }
                if let Some(d) = str_at(a, "rdata") {
                    self.look_rdata(d, side, now);
                }
            }
        }
        // Suricata's `grouped` answers: {"A": ["1.2.3.4"], "CNAME": [...]}.
        if let Some(g) = dns.get("grouped").and_then(Value::as_object) {
            for vals in g.values() {
                for d in vals
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    self.look_rdata(d, side, now);
                }
            }
        }
    }

    /// An answer's data: an address, or a name (CNAME, NS, PTR, and the
    /// last word of MX/SRV).
    fn look_rdata(&mut self, d: &str, side: Side, now: i64) {
        if let Ok(ip) = d.parse::<IpAddr>() {
            self.look_ip(ip, side, "dns.answers.rdata", d, now);
        } else if let Some(last) = d.split_whitespace().last()
            && last.contains('.')
        {
            self.look_domain(last, side, "dns.answers.rdata", now);
        }
    }

    fn look_http(&mut self, rec: &Value, now: i64) {
        let Some(http) = rec.get("http") else { return };
        let side = client_side(rec);
        let host = str_at(http, "hostname");
        if let Some(h) = host {
            self.look_domain(h, side, "http.hostname", now);
        }
        if let Some(url) = str_at(http, "url")
            && self.set.has_kind(IndicatorKind::Url)
        {
            if url.contains("://") {
                // A proxy request carries the absolute URL.
                self.look_exact(IndicatorKind::Url, url, side, "http.url", now);
            } else if let Some(h) = host {
                let port = match side {
                    Side::Src => rec.get("dest_port"),
                    Side::Dest => rec.get("src_port"),
                }
                .and_then(Value::as_u64)
                .filter(|p| *p != 80 && !h.contains(':'));
                let full = match port {
                    Some(p) => format!("http://{h}:{p}{url}"),
                    None => format!("http://{h}{url}"),
                };
                self.look_exact(IndicatorKind::Url, &full, side, "http.url", now);
            }
        }
    }

    fn look_tls(&mut self, rec: &Value, now: i64) {
        let Some(tls) = rec.get("tls") else { return };
        let side = client_side(rec);
        if let Some(sni) = str_at(tls, "sni") {
            self.look_domain(sni, side, "tls.sni", now);
        }
        if let Some(fp) = str_at(tls, "fingerprint") {
            self.look_exact(IndicatorKind::CertSha1, fp, side, "tls.fingerprint", now);
        }
        // The client's certificate, when it sent one (mutual TLS).
        if let Some(fp) = tls.get("client").and_then(|c| str_at(c, "fingerprint")) {
            self.look_exact(
                IndicatorKind::CertSha1,
                fp,
                side,
                "tls.client.fingerprint",
                now,
            );
        }
        if let Some(h) = tls.get("ja3").and_then(|j| str_at(j, "hash")) {
            self.look_exact(IndicatorKind::Ja3, h, side, "tls.ja3.hash", now);
        }
        if let Some(h) = tls.get("ja3s").and_then(|j| str_at(j, "hash")) {
            self.look_exact(IndicatorKind::Ja3s, h, side, "tls.ja3s.hash", now);
        }
        if let Some(h) = str_at(tls, "ja4") {
            self.look_exact(IndicatorKind::Ja4, h, side, "tls.ja4", now);
        }
    }

    fn look_fileinfo(&mut self, rec: &Value, now: i64) {
        let Some(fi) = rec.get("fileinfo") else {
            return;
        };
        // The host that received the file: the client for a download.
        let side = client_side(rec);
        for (key, kind, field) in [
            ("md5", IndicatorKind::Md5, "fileinfo.md5"),
            ("sha1", IndicatorKind::Sha1, "fileinfo.sha1"),
            ("sha256", IndicatorKind::Sha256, "fileinfo.sha256"),
        ] {
            if let Some(h) = str_at(fi, key) {
                self.look_exact(kind, h, side, field, now);
            }
        }
    }

    fn flow_key(rec: &Value) -> u64 {
        if let Some(id) = rec.get("flow_id").and_then(Value::as_u64) {
            return id;
        }
        // Logs without flow ids: the address pair, in either order, stands
        // for the flow.
        use std::hash::BuildHasher;
        let s = rec.get("src_ip").and_then(Value::as_str).unwrap_or("");
        let d = rec.get("dest_ip").and_then(Value::as_str).unwrap_or("");
        let (a, b) = if s <= d { (s, d) } else { (d, s) };
        foldhash::fast::FixedState::with_seed(9).hash_one((a, b))
    }

    fn alert(&self, rec: &Value, f: &Found) -> Option<Value> {
        let h = self.set_hit(f.id)?;
        let mut a = Map::new();
        if let Some(ts) = rec.get("timestamp") {
            a.insert("timestamp".into(), ts.clone());
        }
        if let Some(id) = rec.get("flow_id") {
            a.insert("flow_id".into(), id.clone());
        }
        if let Some(i) = rec.get("in_iface") {
            a.insert("in_iface".into(), i.clone());
        }
        a.insert("event_type".into(), "alert".into());
        let (src, dst) = match f.side {
            Side::Src => (("src_ip", "src_port"), ("dest_ip", "dest_port")),
            Side::Dest => (("dest_ip", "dest_port"), ("src_ip", "src_port")),
        };
        for (to, from) in [
            ("src_ip", src.0),
            ("src_port", src.1),
            ("dest_ip", dst.0),
            ("dest_port", dst.1),
        ] {
            if let Some(v) = rec.get(from) {
                a.insert(to.into(), v.clone());
            }
        }
        for k in ["proto", "app_proto"] {
            if let Some(v) = rec.get(k) {
                a.insert(k.into(), v.clone());
            }
        }
        let severity = match h.confidence {
            75.. => 1,
            40..=74 => 2,
            _ => 3,
        };
        let tags: Vec<&str> = h.tags.iter().map(|t| &**t).collect();
        let mut meta = json!({
            "intel_indicator": [h.value],
            "intel_kind": [h.kind.as_str()],
            "intel_source": [h.source],
            "intel_confidence": [h.confidence.to_string()],
            "detector": ["intel"],
        });
        if !tags.is_empty()
            && let Some(m) = meta.as_object_mut()
        {
            m.insert("intel_tags".into(), json!(tags));
        }
        a.insert(
            "alert".into(),
            json!({
                "action": "allowed",
                "gid": INTEL_GID,
                "signature_id": h.kind.signature_id(),
                "rev": 1,
                "signature": format!("TAISHI INTEL {} {} ({})", h.kind, h.value, h.source),
                "category": "Intelligence hit",
                "severity": severity,
                "metadata": meta,
            }),
        );
        let mut ev = json!({
            "detector": "intel",
            "event_type": rec.get("event_type").cloned().unwrap_or(Value::Null),
            "field": f.field,
            "observed": f.observed,
            "indicator": {
                "value": h.value,
                "kind": h.kind.as_str(),
                "source": h.source,
                "confidence": h.confidence,
                "tags": tags,
            },
        });
        if let Some(ind) = ev.get_mut("indicator").and_then(Value::as_object_mut) {
            for (k, t) in [
                ("first_seen", h.first_seen),
                ("last_seen", h.last_seen),
                ("expiry", h.expiry),
            ] {
                if let Some(t) = t {
                    ind.insert(k.into(), t.into());
                }
            }
        }
        a.insert("evidence".into(), ev);
        Some(Value::Object(a))
    }

    fn set_hit(&self, id: u32) -> Option<IntelHit<'_>> {
        // One-entry lookup through the public API keeps IntelSet's
        // internals private.
        self.set.hit_by_id(id)
    }
}

impl Observer for IntelObserver {
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        self.stats.records += 1;
        let now = self.now();
        self.observe_at(record, now, out);
    }

    fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        self.stats.records += 1;
        let now = self.now();
        if self.set.is_empty() {
            return;
        }
        // Only these records carry what intel looks up, and most of them
        // are flows whose addresses hit nothing: those are settled from the
        // event itself, without building the JSON tree the lookups and the
        // alert read.
        match record.event_type() {
            Some("dns" | "http" | "tls" | "fileinfo" | "netflow") => {}
            Some("flow") => {
                let id = record.u64_at(&["flow_id"]);
                if id.is_some() && !self.any_ip_hit(record, now) {
                    if let Some(id) = id
                        && !self.seen.is_empty()
                    {
                        // The flow record is a flow's last: forget it.
                        self.seen.remove(&id);
                    }
                    return;
                }
            }
            _ => return,
        }
        self.observe_at(record.value(), now, out);
    }
}

impl IntelObserver {
    /// Whether either address of a record is an indicator.
    fn any_ip_hit(&self, record: &Record<'_>, now: i64) -> bool {
        let mut hit = false;
        for ip in [record.ip("src_ip"), record.ip("dest_ip")]
            .into_iter()
            .flatten()
        {
            self.set.lookup_ip(ip, now, &mut |_| hit = true);
        }
        hit
    }

    fn observe_at(&mut self, record: &Value, now: i64, out: &mut Vec<Value>) {
        if self.set.is_empty() {
            return;
        }
        let et = record
            .get("event_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        self.found.clear();
        self.looked.clear();
        match et {
            "flow" | "netflow" => self.look_addresses(record, now),
            "dns" => self.look_dns(record, now),
            "http" => self.look_http(record, now),
            "tls" => self.look_tls(record, now),
            "fileinfo" => self.look_fileinfo(record, now),
            _ => {}
        }
        if !self.found.is_empty() {
            let key = IntelObserver::flow_key(record);
            self.stats.hits += self.found.len() as u64;
            if self.seen.len() >= MAX_TRACKED_FLOWS && !self.seen.contains_key(&key) {
                self.seen.clear();
                self.stats.dedup_resets += 1;
            }
            let found = std::mem::take(&mut self.found);
            for f in &found {
                let ids = self.seen.entry(key).or_default();
                if ids.contains(&f.id) {
                    self.stats.duplicates += 1;
                    continue;
                }
                ids.push(f.id);
                if let Some(a) = self.alert(record, f) {
                    self.stats.alerts += 1;
                    out.push(a);
                }
            }
            self.found = found;
        }
        if et == "flow" && !self.seen.is_empty() {
            // The flow record is a flow's last: forget it.
            self.seen.remove(&IntelObserver::flow_key(record));
        }
    }
}
