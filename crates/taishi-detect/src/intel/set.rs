//! [`IntelSet`]: every indicator, indexed for the lookups the observer
//! makes. IP prefixes go to a flattened range index; names, URLs and
//! hashes to hash tables of entry ids keyed by the entry's own value (the
//! value is stored once). Indicators with the same value from several
//! sources are chained, so a hit reports each source.

use super::ipindex::{PrefixIndex, v4_bounds, v6_bounds};
use super::normalize::parse_cidr;
use super::{Indicator, IndicatorKind};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use serde::Serialize;
use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::net::IpAddr;

/// No next entry in a chain.
const NONE: u32 = u32::MAX;
/// A time the feed did not give.
const NO_TIME: i64 = i64::MIN;

struct Entry {
    value: Box<str>,
    tags: Box<[Box<str>]>,
    first_seen: i64,
    last_seen: i64,
    expiry: i64,
    source: u32,
    next: u32,
    kind: IndicatorKind,
    confidence: u8,
}

/// One indicator that matched, borrowed from the set.
#[derive(Clone, Copy, Debug)]
pub struct IntelHit<'a> {
    /// Its index in the set: stable for the set's life, for de-duplication.
    pub id: u32,
    /// The indicator's normalised value.
    pub value: &'a str,
    /// What it is.
    pub kind: IndicatorKind,
    /// Where it came from.
    pub source: &'a str,
    /// 0-100.
    pub confidence: u8,
    /// The feed's labels.
    pub tags: &'a [Box<str>],
    /// First seen (Unix seconds).
    pub first_seen: Option<i64>,
    /// Last seen (Unix seconds).
    pub last_seen: Option<i64>,
    /// Expiry (Unix seconds).
    pub expiry: Option<i64>,
}

/// Counts of what a set holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IntelStats {
    /// Indicators indexed.
    pub total: usize,
    /// Indexed, by kind name.
    pub by_kind: BTreeMap<String, usize>,
    /// Indexed, by source.
    pub by_source: BTreeMap<String, usize>,
    /// Left out because already expired when the set was built.
    pub expired: usize,
    /// Left out because the same source listed the same value again (the
    /// last one is kept).
    pub duplicates: usize,
    /// Left out because the value is not valid for its kind.
    pub invalid: usize,
}

/// The indexed indicators. Read-only once built; share it with `Arc`.
pub struct IntelSet {
    entries: Vec<Entry>,
    sources: Vec<String>,
    v4: PrefixIndex<u32>,
    v6: PrefixIndex<u128>,
    /// Exact-value tables, one per non-IP kind (indexed by `table_of`).
    tables: Vec<HashTable<u32>>,
    hasher: FixedState,
    stats: IntelStats,
    /// Fewest and most labels of any domain indicator.
    domain_labels: (usize, usize),
    /// Bit filter in front of the domain table (see [`BitFilter`]).
    domain_filter: BitFilter,
}

/// A two-probe Bloom filter over the domain table's hashes. A name has
/// up to a handful of suffixes and most are in no feed; the table for a
/// million domains is tens of MB, so each miss there is a cache miss,
/// while this filter (8 bits per domain) mostly stays in cache and turns
/// away ~95% of the suffixes that are not listed.
#[derive(Default)]
struct BitFilter {
    bits: Vec<u64>,
    mask: u64,
}

impl BitFilter {
    fn with_items(n: usize) -> BitFilter {
        let nbits = (n.max(1) * 8).next_power_of_two().max(1 << 12) as u64;
        BitFilter {
            bits: vec![0; (nbits / 64) as usize],
            mask: nbits - 1,
        }
    }

    fn probes(&self, h: u64) -> [u64; 2] {
        // Two probes from one hash: its low bits, and the bits the hash
        // table uses least (it takes the top 7 and the low ones).
        [h & self.mask, (h >> 24) & self.mask]
    }

    fn insert(&mut self, h: u64) {
        for p in self.probes(h) {
            if let Some(w) = self.bits.get_mut((p / 64) as usize) {
                *w |= 1 << (p % 64);
            }
        }
    }

    fn maybe(&self, h: u64) -> bool {
        self.probes(h).iter().all(|&p| {
            self.bits
                .get((p / 64) as usize)
                .is_some_and(|w| w & (1 << (p % 64)) != 0)
        })
    }
}

impl Default for IntelSet {
    fn default() -> Self {
        IntelSet::build_at(std::iter::empty(), 0)
    }
}

fn table_of(kind: IndicatorKind) -> Option<usize> {
    Some(match kind {
        IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => return None,
        IndicatorKind::Domain => 0,
        IndicatorKind::Url => 1,
        IndicatorKind::Md5 => 2,
        IndicatorKind::Sha1 => 3,
        IndicatorKind::Sha256 => 4,
        IndicatorKind::Ja3 => 5,
        IndicatorKind::Ja3s => 6,
        IndicatorKind::Ja4 => 7,
        IndicatorKind::CertSha1 => 8,
    })
}
const TABLES: usize = 9;

fn opt_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

impl IntelSet {
    /// Builds a set, leaving out what has already expired by the wall
    /// clock.
    pub fn build(indicators: impl IntoIterator<Item = Indicator>) -> IntelSet {
        IntelSet::build_at(indicators, wall_clock())
    }

    /// Builds a set as of `now` (Unix seconds): indicators expired at
    /// `now` are left out and counted.
    pub fn build_at(indicators: impl IntoIterator<Item = Indicator>, now: i64) -> IntelSet {
        let hasher = FixedState::with_seed(0x7a15_4a1e);
        let mut set = IntelSet {
            entries: Vec::new(),
            sources: Vec::new(),
            v4: PrefixIndex::default(),
            v6: PrefixIndex::default(),
            tables: (0..TABLES).map(|_| HashTable::new()).collect(),
            hasher,
            stats: IntelStats::default(),
            domain_labels: (usize::MAX, 0),
            domain_filter: BitFilter::default(),
        };
        let mut source_ids: hashbrown::HashMap<String, u32, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState::with_seed(0x51));
        // Chain heads of IP prefixes: (is_v6, first address, length).
        let mut prefixes: hashbrown::HashMap<(bool, u128, u8), u32, FixedState> =
            hashbrown::HashMap::with_hasher(FixedState::with_seed(0x51));
        let indicators = indicators.into_iter();
        set.entries.reserve(indicators.size_hint().0);
        for ind in indicators {
            if ind.expired_at(now) {
                set.stats.expired += 1;
                continue;
            }
            let source = match source_ids.get(&ind.source) {
                Some(&s) => s,
                None => {
                    let s = set.sources.len() as u32;
                    set.sources.push(ind.source.clone());
                    source_ids.insert(ind.source.clone(), s);
                    s
                }
            };
            let id = set.entries.len() as u32;
            let entry = Entry {
                value: ind.value.into_boxed_str(),
                tags: ind.tags.into_iter().map(String::into_boxed_str).collect(),
                first_seen: ind.first_seen.unwrap_or(NO_TIME),
                last_seen: ind.last_seen.unwrap_or(NO_TIME),
                expiry: ind.expiry.unwrap_or(i64::MAX),
                source,
                next: NONE,
                kind: ind.kind,
                confidence: ind.confidence.min(100),
            };
            // Where this value's chain starts, if it has one yet.
            let (key, hash) = match table_of(ind.kind) {
                None => {
                    let Some((addr, len)) = parse_cidr(&entry.value) else {
                        set.stats.invalid += 1;
                        continue;
                    };
                    let key = match addr {
                        IpAddr::V4(a) => (false, u128::from(u32::from(a)), len),
                        IpAddr::V6(a) => (true, u128::from(a), len),
                    };
                    (Some(key), 0)
                }
                Some(_) => (None, set.hasher.hash_one(&*entry.value)),
            };
            let head = match (key, table_of(ind.kind)) {
                (Some(k), _) => prefixes.get(&k).copied().unwrap_or(NONE),
                (None, Some(t)) => {
                    let entries = &set.entries;
                    set.tables[t]
                        .find(hash, |&i| {
                            entries
                                .get(i as usize)
                                .is_some_and(|e| e.value == entry.value)
                        })
                        .copied()
                        .unwrap_or(NONE)
                }
                (None, None) => NONE,
            };
            // The same source listing the same value again: the later
            // listing replaces the earlier in place.
            let mut cur = head;
            let mut same_source = None;
            while let Some(e) = set.entries.get(cur as usize) {
                if e.source == source {
                    same_source = Some(cur);
                    break;
                }
                cur = e.next;
            }
            if let Some(e) = same_source.and_then(|i| set.entries.get_mut(i as usize)) {
                let next = e.next;
                *e = Entry { next, ..entry };
                set.stats.duplicates += 1;
                continue;
            }
            match (key, table_of(ind.kind)) {
                (Some(k), _) => {
                    prefixes.insert(k, id);
                }
                (None, Some(t)) => {
                    let entries = &set.entries;
                    let hasher = &set.hasher;
                    let table = &mut set.tables[t];
                    if head == NONE {
                        table.insert_unique(hash, id, |&i| {
                            entries
                                .get(i as usize)
                                .map_or(0, |e| hasher.hash_one(&*e.value))
                        });
                    } else if let Some(slot) = table.find_mut(hash, |&i| i == head) {
                        *slot = id;
                    }
                }
                (None, None) => {}
            }
            set.entries.push(Entry {
                next: head,
                ..entry
            });
        }
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for ((is_v6, addr, len), head) in prefixes {
            if is_v6 {
                let (s, e) = v6_bounds(addr, len);
                v6.push((s, e, head));
            } else {
                let (s, e) = v4_bounds(addr as u32, len);
                v4.push((s, e, head));
            }
        }
        set.v4 = PrefixIndex::build(v4);
        set.v6 = PrefixIndex::build(v6);
        set.entries.shrink_to_fit();
        if let Some(t) = table_of(IndicatorKind::Domain).and_then(|t| set.tables.get(t)) {
            let mut filter = BitFilter::with_items(t.len());
            for &i in t.iter() {
                if let Some(e) = set.entries.get(i as usize) {
                    filter.insert(set.hasher.hash_one(&*e.value));
                    let labels = e.value.bytes().filter(|&b| b == b'.').count() + 1;
                    set.domain_labels.0 = set.domain_labels.0.min(labels);
                    set.domain_labels.1 = set.domain_labels.1.max(labels);
                }
            }
            set.domain_filter = filter;
        }
        for e in &set.entries {
            set.stats.total += 1;
            *set.stats
                .by_kind
                .entry(e.kind.as_str().to_string())
                .or_default() += 1;
            if let Some(s) = set.sources.get(e.source as usize) {
                *set.stats.by_source.entry(s.clone()).or_default() += 1;
            }
        }
        set
    }

    /// Counts by kind and source.
    pub fn stats(&self) -> &IntelStats {
        &self.stats
    }

    /// Number of indicators indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The indicator with id `id` (as in [`IntelHit::id`]).
    pub fn hit_by_id(&self, id: u32) -> Option<IntelHit<'_>> {
        self.hit(id)
    }

    fn hit(&self, id: u32) -> Option<IntelHit<'_>> {
        let e = self.entries.get(id as usize)?;
        Some(IntelHit {
            id,
            value: &e.value,
            kind: e.kind,
            source: self
                .sources
                .get(e.source as usize)
                .map_or("", String::as_str),
            confidence: e.confidence,
            tags: &e.tags,
            first_seen: opt_time(e.first_seen),
            last_seen: opt_time(e.last_seen),
            expiry: (e.expiry != i64::MAX).then_some(e.expiry),
        })
    }

    /// Calls `f` for each live indicator of the chain starting at `head`.
    fn chain<'a>(&'a self, head: u32, now: i64, f: &mut impl FnMut(IntelHit<'a>)) {
        let mut cur = head;
        while let Some(e) = self.entries.get(cur as usize) {
            if e.expiry > now
                && let Some(h) = self.hit(cur)
            {
                f(h);
            }
            cur = e.next;
        }
    }

    /// Indicators of the most specific prefix holding `ip`, live at `now`.
    pub fn lookup_ip<'a>(&'a self, ip: IpAddr, now: i64, f: &mut impl FnMut(IntelHit<'a>)) {
        let head = match ip {
            IpAddr::V4(a) => self.v4.lookup(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.v4.lookup(u32::from(v4)),
                None => self.v6.lookup(u128::from(a)),
            },
        };
        if let Some(h) = head {
            self.chain(h, now, f);
        }
    }

    fn head(&self, t: usize, value: &str) -> Option<u32> {
        let h = self.hasher.hash_one(value);
        self.tables
            .get(t)?
            .find(h, |&i| {
                self.entries
                    .get(i as usize)
                    .is_some_and(|e| &*e.value == value)
            })
            .copied()
    }

    /// Indicators of the most specific domain that is `name` or one of its
    /// parents (`a.b.evil.com` finds `evil.com`). `name` must be lower-case
    /// without a trailing dot.
    pub fn lookup_domain<'a>(&'a self, name: &str, now: i64, f: &mut impl FnMut(IntelHit<'a>)) {
        let Some(t) = table_of(IndicatorKind::Domain) else {
            return;
        };
        let Some(table) = self.tables.get(t).filter(|t| !t.is_empty()) else {
            return;
        };
        // Only suffixes with as many labels as some indicator has are
        // probed: most names are longer than the domains listed.
        let labels = name.bytes().filter(|&b| b == b'.').count() + 1;
        let mut rest = name;
        let mut n = labels;
        while n > self.domain_labels.1 {
            match rest.split_once('.') {
                Some((_, parent)) => rest = parent,
                None => return,
            }
            n -= 1;
        }
        while n >= self.domain_labels.0 {
            let h = self.hasher.hash_one(rest);
            if self.domain_filter.maybe(h)
                && let Some(&head) = table.find(h, |&i| {
                    self.entries
                        .get(i as usize)
                        .is_some_and(|e| *e.value == *rest)
                })
            {
                self.chain(head, now, f);
                return;
            }
            match rest.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => rest = parent,
                _ => return,
            }
            n -= 1;
        }
    }

    /// Indicators of `kind` whose normalised value is `value` exactly
    /// (URLs, hashes, fingerprints; domains and IPs have their own
    /// lookups, which this forwards to).
    pub fn lookup<'a>(
        &'a self,
        kind: IndicatorKind,
        value: &str,
        now: i64,
        f: &mut impl FnMut(IntelHit<'a>),
    ) {
        match kind {
            IndicatorKind::Ipv4 | IndicatorKind::Ipv6 => {
                if let Ok(ip) = value.parse() {
                    self.lookup_ip(ip, now, f);
                }
            }
            IndicatorKind::Domain => self.lookup_domain(value, now, f),
            _ => {
                if let Some(t) = table_of(kind)
                    && let Some(h) = self.head(t, value)
                {
                    self.chain(h, now, f);
                }
            }
        }
    }

    /// Whether any indicator of `kind` is indexed (lets the observer skip
    /// work for kinds no feed provides).
    pub fn has_kind(&self, kind: IndicatorKind) -> bool {
        match table_of(kind) {
            None => match kind {
                IndicatorKind::Ipv6 => self.v6.len() > 0,
                _ => self.v4.len() > 0,
            },
            Some(t) => self.tables.get(t).is_some_and(|t| !t.is_empty()),
        }
    }
}

/// Unix seconds now.
pub(crate) fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
