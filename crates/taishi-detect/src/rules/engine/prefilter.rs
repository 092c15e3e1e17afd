//! The multi-pattern prefilter: one Aho-Corasick automaton over the fast
//! patterns of a group of rules, so that a buffer is scanned once and only
//! the rules whose pattern occurs in it are inspected in full.
//!
//! Many rules share a fast pattern (`GET `, `|00 00 00|`, ...), so the
//! automaton holds each distinct pattern once and each pattern lists its
//! rules; a scan reports a pattern's rules only the first time it occurs.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Rules of a group split into those with a fast pattern (found by the
/// automaton) and those without one (always inspected).
#[derive(Debug, Default)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// Rules (indexes into the engine's signatures) of each pattern.
    owners: Vec<Vec<u32>>,
    /// Rules inspected whatever the buffer holds.
    always: Vec<u32>,
}

/// Builds a [`Prefilter`].
#[derive(Debug, Default)]
pub struct PrefilterBuilder {
    /// Distinct patterns, lower-cased (the automaton ignores ASCII case).
    index: HashMap<Vec<u8>, usize>,
    patterns: Vec<Vec<u8>>,
    owners: Vec<Vec<u32>>,
    always: Vec<u32>,
}

/// Scratch of scans: which patterns were already reported.
#[derive(Debug, Default)]
pub struct ScanScratch {
    seen: Vec<u32>,
    generation: u32,
}

impl ScanScratch {
    fn start(&mut self, patterns: usize) {
        if self.seen.len() < patterns {
            self.seen.resize(patterns, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|x| *x = 0);
            self.generation = 1;
        }
    }
}

impl PrefilterBuilder {
    /// Rule `sig` is a candidate when `pattern` occurs (compared without
    /// regard to ASCII case: the full inspection decides case).
    pub fn add_pattern(&mut self, sig: u32, pattern: &[u8]) {
        let key = pattern.to_ascii_lowercase();
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.patterns.len();
                self.index.insert(key.clone(), i);
                self.patterns.push(key);
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

    /// The automaton. Patterns are matched overlapping, so every rule whose
    /// pattern occurs is reported.
    pub fn build(self) -> Prefilter {
        let automaton = if self.patterns.is_empty() {
            None
        } else {
            // A DFA scans fastest; past its size limit the contiguous NFA
            // is the next best.
            let build = |kind| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(kind)
                    .build(&self.patterns)
                    .ok()
            };
            build(Some(AhoCorasickKind::DFA)).or_else(|| build(None))
        };
        // A failed build (it cannot fail for byte patterns within limits)
        // must not lose rules: they become always-candidates.
        let (owners, mut always) = match automaton {
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
            automaton,
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
        self.automaton.is_some()
    }

    /// Adds to `out` the rules of every pattern that occurs in `buf`, each
    /// pattern's rules once per scan.
    pub fn scan(&self, buf: &[u8], scratch: &mut ScanScratch, out: &mut Vec<u32>) {
        let Some(ac) = &self.automaton else { return };
        scratch.start(self.owners.len());
        let generation = scratch.generation;
        for m in ac.find_overlapping_iter(buf) {
            let p = m.pattern().as_usize();
            if let Some(seen) = scratch.seen.get_mut(p) {
                if *seen == generation {
                    continue;
                }
                *seen = generation;
            }
            if let Some(sigs) = self.owners.get(p) {
                out.extend_from_slice(sigs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_rule_whose_pattern_occurs_once() {
        let mut b = PrefilterBuilder::default();
        b.add_pattern(0, b"abc");
        b.add_pattern(1, b"BCD");
        b.add_pattern(2, b"zzz");
        b.add_pattern(4, b"ABC");
        b.add_always(3);
        let p = b.build();
        let mut out = Vec::new();
        let mut scratch = ScanScratch::default();
        p.scan(b"xxabcdxxabcd", &mut scratch, &mut out);
        out.sort();
        assert_eq!(out, vec![0, 1, 4]);
        assert_eq!(p.always(), &[3]);
        out.clear();
        p.scan(b"zzz", &mut scratch, &mut out);
        assert_eq!(out, vec![2]);
    }
}

/// Rules whose port set is at most this many ports are filed per port.
const NARROW_PORTS: u32 = 16;

/// A prefilter split by port, as Suricata's port groups: rules for a few
/// ports sit in those ports' automatons, so a flow meets only the
/// any-port rules and the rules of its own ports.
#[derive(Debug, Default)]
pub struct PortedPrefilter {
    any: Prefilter,
    by_port: HashMap<u16, Prefilter>,
}

/// Builds a [`PortedPrefilter`].
#[derive(Debug, Default)]
pub struct PortedBuilder {
    any: PrefilterBuilder,
    by_port: HashMap<u16, PrefilterBuilder>,
}

/// The ports of a narrow port set, or `None` when it is wide.
fn narrow(ranges: &[(u16, u16)]) -> Option<Vec<u16>> {
    let n: u32 = ranges.iter().map(|(a, b)| (*b - *a) as u32 + 1).sum();
    (n > 0 && n <= NARROW_PORTS).then(|| ranges.iter().flat_map(|&(a, b)| a..=b).collect())
}

impl PortedBuilder {
    /// Files rule `sig` (with fast pattern `fp`, or none) under its narrow
    /// destination ports, else its narrow source ports, else any port.
    pub fn add(
        &mut self,
        sig: u32,
        fp: Option<&[u8]>,
        sport: &crate::rules::parse::PortSet,
        dport: &crate::rules::parse::PortSet,
    ) {
        let ports = (!dport.is_any())
            .then(|| narrow(dport.ranges()))
            .flatten()
            .or_else(|| (!sport.is_any()).then(|| narrow(sport.ranges())).flatten());
        let add = |b: &mut PrefilterBuilder| match fp {
            Some(p) => b.add_pattern(sig, p),
            None => b.add_always(sig),
        };
        match ports {
            Some(ports) => {
                for p in ports {
                    add(self.by_port.entry(p).or_default());
                }
            }
            None => add(&mut self.any),
        }
    }

    /// The automatons.
    pub fn build(self) -> PortedPrefilter {
        PortedPrefilter {
            any: self.any.build(),
            by_port: self
                .by_port
                .into_iter()
                .map(|(p, b)| (p, b.build()))
                .collect(),
        }
    }
}

impl PortedPrefilter {
    /// Calls `f` with the prefilters that apply to traffic between ports
    /// `a` and `b` (0 for protocols without ports).
    pub fn for_ports(&self, a: u16, b: u16, mut f: impl FnMut(&Prefilter)) {
        f(&self.any);
        if let Some(p) = self.by_port.get(&a) {
            f(p);
        }
        if b != a
            && let Some(p) = self.by_port.get(&b)
        {
            f(p);
        }
    }
}
