//! The multi-pattern prefilter: one pattern set (taishi-match: Hyperscan
//! when built in and runnable, else aho-corasick) over the fast patterns of
//! a group of rules, so that a buffer is scanned once and only the rules
//! whose pattern occurs in it are inspected in full.
//!
//! Many rules share a fast pattern (`GET `, `|00 00 00|`, ...), so the set
//! holds each distinct pattern once and each pattern lists its rules; a
//! scan reports a pattern's rules once.

use std::collections::HashMap;

use taishi_match::{PatternSet, Scratch};

/// Rules of a group split into those with a fast pattern (found by the
/// pattern set) and those without one (always inspected).
#[derive(Debug, Default)]
pub struct Prefilter {
    set: Option<PatternSet>,
    /// Rules (indexes into the engine's signatures) of each pattern.
    owners: Vec<Vec<u32>>,
    /// Rules inspected whatever the buffer holds.
    always: Vec<u32>,
}

/// Builds a [`Prefilter`].
#[derive(Debug, Default)]
pub struct PrefilterBuilder {
    /// Distinct patterns: caseless ones lower-cased, with whether each is
    /// compared exactly.
    index: HashMap<(Vec<u8>, bool), usize>,
    patterns: Vec<Vec<u8>>,
    exact: Vec<bool>,
    owners: Vec<Vec<u32>>,
    always: Vec<u32>,
}

/// Scratch of scans, one per worker: the pattern engines' own state
/// (Hyperscan's scratch, grown for each set it meets).
#[derive(Debug, Default)]
pub struct ScanScratch {
    inner: Scratch,
}

impl PrefilterBuilder {
    /// Rule `sig` is a candidate when `pattern` occurs: as written, or in
    /// any ASCII case when `nocase` (as the rule's content compares it, so
    /// a `PK` without `nocase` does not make every `pk` a candidate).
    pub fn add_pattern(&mut self, sig: u32, pattern: &[u8], nocase: bool) {
        let exact = !nocase && pattern.iter().any(u8::is_ascii_alphabetic);
        let key = if exact {
            (pattern.to_vec(), true)
        } else {
            (pattern.to_ascii_lowercase(), false)
        };
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.patterns.len();
                self.patterns.push(key.0.clone());
                self.exact.push(exact);
                self.index.insert(key, i);
                self.owners.push(Vec::new());
                i
            }
        };
        if let Some(o) = self.owners.get_mut(i) {
            o.push(sig);
        }
    }

    /// Rule `sig` is always a candidate.
    pub fn add_always(&mut self, sig: u32) {
        self.always.push(sig);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.always.is_empty()
    }

    /// The pattern set. Every pattern that occurs is reported, overlapping
    /// or not, so every rule whose pattern occurs is a candidate.
    pub fn build(self) -> Prefilter {
        let set = if self.patterns.is_empty() {
            None
        } else {
            PatternSet::with_case(&self.patterns, &self.exact).ok()
        };
        // A failed build (it cannot fail for byte patterns within limits)
        // must not lose rules: they become always-candidates.
        let (owners, mut always) = match set {
            Some(_) => (self.owners, self.always),
            None => {
                let mut a = self.always;
                a.extend(self.owners.into_iter().flatten());
                (Vec::new(), a)
            }
        };
        always.sort_unstable();
        always.dedup();
        Prefilter {
            set,
            owners,
            always,
        }
    }
}

impl Prefilter {
    /// Rules to inspect regardless of content.
    pub fn always(&self) -> &[u32] {
        &self.always
    }

    /// Whether any rule has a pattern here.
    pub fn has_patterns(&self) -> bool {
        self.set.is_some()
    }

    /// Adds to `out` the rules of every pattern that occurs in `buf`, each
    /// pattern's rules once per scan.
    pub fn scan(&self, buf: &[u8], scratch: &mut ScanScratch, out: &mut Vec<u32>) {
        let Some(set) = &self.set else { return };
        set.scan(buf, &mut scratch.inner, |p| {
            if let Some(sigs) = self.owners.get(p) {
                out.extend_from_slice(sigs);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_rule_whose_pattern_occurs_once() {
        let mut b = PrefilterBuilder::default();
        b.add_pattern(0, b"abc", true);
        b.add_pattern(1, b"BCD", true);
        b.add_pattern(2, b"zzz", true);
        b.add_pattern(4, b"ABC", true);
        b.add_pattern(5, b"Cd", false);
        b.add_pattern(6, b"cd", false);
        b.add_always(3);
        let p = b.build();
        let mut out = Vec::new();
        let mut scratch = ScanScratch::default();
        p.scan(b"xxabcdxxabcd", &mut scratch, &mut out);
        out.sort();
        // `Cd` and `cd` compare exactly: only the one written occurs.
        assert_eq!(out, vec![0, 1, 4, 6]);
        assert_eq!(p.always(), &[3]);
        out.clear();
        p.scan(b"zzz", &mut scratch, &mut out);
        assert_eq!(out, vec![2]);
    }

    /// Rules found in `buf` going one way between ports 40000 and 80.
    fn found(p: &PortedPrefilter, to_server: bool, buf: &[u8]) -> Vec<u32> {
        let (mut out, mut scratch) = (Vec::new(), ScanScratch::default());
        p.for_ports(to_server, 40000, 80, |pf| {
            out.extend_from_slice(pf.always());
            pf.scan(buf, &mut scratch, &mut out);
        });
        out.sort();
        out
    }

    #[test]
    fn rules_are_filed_by_the_direction_their_flow_keyword_names() {
        use crate::rules::parse::{PortSet, Vars};
        let any = PortSet::any();
        let http = PortSet::parse("80", &Vars::default()).unwrap();
        let mut b = PortedBuilder::default();
        b.add(0, Some((b"GET /", false)), &any, &any, Some(true));
        b.add(1, Some((b"200 OK", false)), &any, &any, Some(false));
        b.add(2, Some((b"hello", true)), &any, &any, None);
        b.add(3, Some((b"GET /", false)), &any, &http, Some(true));
        b.add(4, None, &http, &any, Some(false));
        let p = b.build();
        let buf = b"GET / 200 OK hello";
        assert_eq!(found(&p, true, buf), vec![0, 2, 3]);
        assert_eq!(found(&p, false, buf), vec![1, 2, 4]);
    }
}

/// Rules whose port set is at most this many ports are filed per port.
const NARROW_PORTS: u32 = 16;

/// A prefilter split by flow direction and port, as Suricata's rule
/// groups are: a rule with `flow:to_server` sits only in the to-server
/// automatons (most of ET Open's payload rules look at what clients send,
/// so the bulk of traffic, server responses, meets a few hundred patterns
/// instead of thousands), and rules for a few ports sit in those ports'
/// automatons, so a flow meets only the any-port rules and the rules of
/// its own ports.
#[derive(Debug, Default)]
pub struct PortedPrefilter {
    /// To server, to client.
    sides: [PortGroups; 2],
}

/// The automatons of one direction.
#[derive(Debug, Default)]
struct PortGroups {
    any: Prefilter,
    /// Looked up for every packet and stream chunk, so foldhash rather
    /// than the default SipHash.
    by_port: PortMap<Prefilter>,
}

type PortMap<V> = hashbrown::HashMap<u16, V, foldhash::fast::FixedState>;

/// Builds a [`PortedPrefilter`].
#[derive(Debug, Default)]
pub struct PortedBuilder {
    sides: [PortGroupsBuilder; 2],
}

#[derive(Debug, Default)]
struct PortGroupsBuilder {
    any: PrefilterBuilder,
    by_port: HashMap<u16, PrefilterBuilder>,
}

/// The ports of a narrow port set, or `None` when it is wide.
fn narrow(ranges: &[(u16, u16)]) -> Option<Vec<u16>> {
    let n: u32 = ranges.iter().map(|(a, b)| (*b - *a) as u32 + 1).sum();
    (n > 0 && n <= NARROW_PORTS).then(|| ranges.iter().flat_map(|&(a, b)| a..=b).collect())
}

impl PortedBuilder {
    /// Files rule `sig` (with fast pattern `fp`, or none) under the
    /// direction its flow keyword names (`to_server`; both when `None`),
    /// and there under its narrow destination ports, else its narrow
    /// source ports, else any port.
    pub fn add(
        &mut self,
        sig: u32,
        fp: Option<(&[u8], bool)>,
        sport: &crate::rules::parse::PortSet,
        dport: &crate::rules::parse::PortSet,
        to_server: Option<bool>,
    ) {
        let ports = (!dport.is_any())
            .then(|| narrow(dport.ranges()))
            .flatten()
            .or_else(|| (!sport.is_any()).then(|| narrow(sport.ranges())).flatten());
        let add = |b: &mut PrefilterBuilder| match fp {
            Some((p, nocase)) => b.add_pattern(sig, p, nocase),
            None => b.add_always(sig),
        };
        for (i, side) in self.sides.iter_mut().enumerate() {
            // `Signature::may_see` for this side (side 0: to the server).
            if to_server.is_some_and(|d| d != (i == 0)) {
                continue;
            }
            match &ports {
                Some(ports) => {
                    for p in ports {
                        add(side.by_port.entry(*p).or_default());
                    }
                }
                None => add(&mut side.any),
            }
        }
    }

    /// The automatons.
    pub fn build(self) -> PortedPrefilter {
        PortedPrefilter {
            sides: self.sides.map(|side| PortGroups {
                any: side.any.build(),
                by_port: side
                    .by_port
                    .into_iter()
                    .map(|(p, b)| (p, b.build()))
                    .collect(),
            }),
        }
    }
}

impl PortedPrefilter {
    /// Calls `f` with the prefilters that apply to traffic going to the
    /// server (`to_server`) or to the client, between ports `a` and `b` (0
    /// for protocols without ports). Traffic outside any flow takes the
    /// to-server side: it holds every rule without a direction, and a rule
    /// with one needs a flow.
    pub fn for_ports(&self, to_server: bool, a: u16, b: u16, mut f: impl FnMut(&Prefilter)) {
        let side = &self.sides[usize::from(!to_server)];
        f(&side.any);
        if let Some(p) = side.by_port.get(&a) {
            f(p);
        }
        if b != a
            && let Some(p) = side.by_port.get(&b)
        {
            f(p);
        }
    }
}
