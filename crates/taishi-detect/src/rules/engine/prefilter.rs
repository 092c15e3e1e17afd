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
    /// Every rule of a set of at most [`FEW_RULES`], sorted: so few that
    /// checking what each needs besides its content (flow, ports, bits) is
    /// cheaper than a scan, which is skipped when none of them can match.
    few: Option<Box<[u32]>>,
}

/// Rules a set may have for [`Prefilter::few`]: a scan costs as much as
/// checking the flow and header conditions of about this many rules.
pub const FEW_RULES: usize = 8;

/// Builds a [`Prefilter`].
#[derive(Clone, Debug, Default)]
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
        self.add_key(sig, key);
    }

    /// Adds `sig` under a pattern already in its stored form.
    fn add_key(&mut self, sig: u32, key: (Vec<u8>, bool)) {
        let exact = key.1;
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

    /// This builder's rules and `other`'s together: one automaton that
    /// finds what scanning with both would.
    pub fn union(&self, other: &PrefilterBuilder) -> PrefilterBuilder {
        let mut out = self.clone();
        for ((pattern, &exact), owners) in
            other.patterns.iter().zip(&other.exact).zip(&other.owners)
        {
            for &sig in owners {
                out.add_key(sig, (pattern.clone(), exact));
            }
        }
        out.always.extend_from_slice(&other.always);
        out
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
        let mut all: Vec<u32> = owners.iter().flatten().chain(&always).copied().collect();
        all.sort_unstable();
        all.dedup();
        let few = (all.len() <= FEW_RULES).then(|| all.into_boxed_slice());
        Prefilter {
            set,
            owners,
            always,
            few,
        }
    }
}

/// Builds every builder of `jobs`, the biggest first, on up to as many
/// threads as the machine has cores (at most four): compiling the pattern
/// sets is most of loading a large rule set the first time, before the
/// compiled databases are cached, and the sets are independent.
pub fn build_all(jobs: Vec<PrefilterBuilder>) -> Vec<Prefilter> {
    use std::sync::{Mutex, PoisonError};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(jobs.len());
    if threads <= 1 {
        return jobs.into_iter().map(PrefilterBuilder::build).collect();
    }
    // The biggest last, so that it is taken first.
    let mut queue: Vec<(usize, PrefilterBuilder)> = jobs.into_iter().enumerate().collect();
    queue.sort_by_key(|(_, b)| b.patterns.len());
    let queue = Mutex::new(queue);
    let mut built: Vec<(usize, Prefilter)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                        let Some((i, b)) = job else { break out };
                        out.push((i, b.build()));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    built.sort_unstable_by_key(|(i, _)| *i);
    built.into_iter().map(|(_, pf)| pf).collect()
}

impl Prefilter {
    /// Rules to inspect regardless of content.
    pub fn always(&self) -> &[u32] {
        &self.always
    }

    /// Every rule of the set when it has at most [`FEW_RULES`].
    pub fn few(&self) -> Option<&[u32]> {
        self.few.as_deref()
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
        found_between(p, to_server, 40000, 80, buf)
    }

    /// Rules found in `buf` going one way between ports `a` and `b`, each
    /// once.
    fn found_between(p: &PortedPrefilter, to_server: bool, a: u16, b: u16, buf: &[u8]) -> Vec<u32> {
        let (mut out, mut scratch) = (Vec::new(), ScanScratch::default());
        p.for_ports(to_server, a, b, |pf| {
            out.extend_from_slice(pf.always());
            pf.scan(buf, &mut scratch, &mut out);
        });
        out.sort();
        out
    }

    #[test]
    fn a_merged_port_finds_its_rules_the_any_port_rules_and_the_other_ports() {
        use crate::rules::parse::{PortSet, Vars};
        let port = |p: &str| PortSet::parse(p, &Vars::default()).unwrap();
        let any = PortSet::any();
        let mut b = PortedBuilder::default();
        b.add(0, Some((b"alpha", true)), &any, &any, None);
        b.add(1, Some((b"beta", true)), &any, &port("80"), None);
        b.add(2, Some((b"gamma", true)), &any, &port("8000"), None);
        b.add(3, None, &any, &port("80"), None);
        b.add(4, None, &any, &any, None);
        b.add(5, Some((b"alpha", true)), &port("80"), &any, None);
        let p = b.build();
        assert!(
            p.sides[0].by_port[&80].with_any.is_some(),
            "80 is a merged port"
        );
        let buf = b"alpha beta gamma";
        // Port 80 either way round: its merged set (any-port rules and its
        // own); with 8000 on the other side, 8000's rules too.
        assert_eq!(found_between(&p, true, 40000, 80, buf), vec![0, 1, 3, 4, 5]);
        assert_eq!(found_between(&p, true, 80, 40000, buf), vec![0, 1, 3, 4, 5]);
        assert_eq!(
            found_between(&p, true, 8000, 80, buf),
            vec![0, 1, 2, 3, 4, 5]
        );
        assert_eq!(
            found_between(&p, true, 80, 8000, buf),
            vec![0, 1, 2, 3, 4, 5]
        );
        // No merged port: the any-port set and each port's own.
        assert_eq!(found_between(&p, true, 40000, 8000, buf), vec![0, 2, 4]);
        assert_eq!(found_between(&p, true, 40000, 40001, buf), vec![0, 4]);
        // Only what occurs: `beta` absent, rule 1 is not a candidate.
        assert_eq!(
            found_between(&p, true, 40000, 80, b"alpha"),
            vec![0, 3, 4, 5]
        );
    }

    #[test]
    fn a_set_of_few_rules_lists_them_all() {
        let mut b = PrefilterBuilder::default();
        b.add_pattern(7, b"PK\x03\x04", false);
        b.add_pattern(3, b"whoami", true);
        b.add_pattern(7, b"Rar!", false);
        b.add_always(5);
        assert_eq!(b.clone().build().few(), Some(&[3, 5, 7][..]));
        for i in 0..FEW_RULES as u32 {
            b.add_pattern(100 + i, format!("p{i}").as_bytes(), true);
        }
        // Past FEW_RULES a scan is the cheaper way.
        assert_eq!(b.build().few(), None);
    }

    #[test]
    fn building_on_threads_keeps_each_set_in_its_place() {
        let jobs: Vec<PrefilterBuilder> = (0..40u32)
            .map(|i| {
                let mut b = PrefilterBuilder::default();
                // Sets of different sizes, so the biggest-first order
                // differs from the jobs' own.
                for j in 0..(i % 7 + 1) {
                    b.add_pattern(i * 100 + j, format!("pat{i}x{j}").as_bytes(), true);
                }
                if i % 5 == 0 {
                    b.add_always(i);
                }
                b
            })
            .collect();
        let built = build_all(jobs);
        assert_eq!(built.len(), 40);
        let mut scratch = ScanScratch::default();
        for (i, pf) in (0..40u32).zip(&built) {
            let mut out = Vec::new();
            pf.scan(format!("..pat{i}x0..").as_bytes(), &mut scratch, &mut out);
            assert_eq!(out, vec![i * 100], "set {i}");
            let want: Vec<u32> = if i % 5 == 0 { vec![i] } else { Vec::new() };
            assert_eq!(pf.always(), &want[..]);
        }
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

/// The same for a rule without a fast pattern, which every packet of its
/// automaton's ports meets: filing it per port costs no pattern set, only
/// a place in each port's list (ET's VNC scan rule, `flags:S` to ports
/// 5800:5820, was otherwise checked against every TCP packet).
const NARROW_PORTS_WITHOUT_PATTERN: u32 = 256;

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
    by_port: PortMap<PortSets>,
}

/// The automatons of one port.
#[derive(Debug, Default)]
struct PortSets {
    /// The port's own rules.
    own: Prefilter,
    /// For the busiest ports ([`MERGED_PORTS`]): the any-port rules and the
    /// port's own in one automaton, so their traffic is scanned once.
    with_any: Option<Prefilter>,
}

/// Ports whose rules are merged with the any-port rules into one
/// automaton: Suricata's priority ports (`detect.grouping`'s default
/// `tcp-priority-ports` and `udp-priority-ports`), where most traffic and
/// most port-specific rules are. Two scans of the same bytes (any-port,
/// then port) cost nearly twice one scan of the union: on the bench
/// capture with ET Open, port 80's separate to-client scan alone took a
/// quarter of the any-port one. Not every port: each merged automaton is
/// compiled on first load (cached after), and the any-port sets are big.
const MERGED_PORTS: [u16; 2] = [53, 80];

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

/// The ports of a port set of at most `max` ports, or `None` when it is
/// wider.
fn narrow(ranges: &[(u16, u16)], max: u32) -> Option<Vec<u16>> {
    let n: u32 = ranges.iter().map(|(a, b)| (*b - *a) as u32 + 1).sum();
    (n > 0 && n <= max).then(|| ranges.iter().flat_map(|&(a, b)| a..=b).collect())
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
        let max = if fp.is_some() {
            NARROW_PORTS
        } else {
            NARROW_PORTS_WITHOUT_PATTERN
        };
        let ports = (!dport.is_any())
            .then(|| narrow(dport.ranges(), max))
            .flatten()
            .or_else(|| {
                (!sport.is_any())
                    .then(|| narrow(sport.ranges(), max))
                    .flatten()
            });
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
        // Every set of both sides is one job for `build_all`, then dealt
        // back to its place: (side, port or None for any, merged).
        let mut places: Vec<(usize, Option<u16>, bool)> = Vec::new();
        let mut jobs: Vec<PrefilterBuilder> = Vec::new();
        for (i, side) in self.sides.into_iter().enumerate() {
            for p in MERGED_PORTS {
                // Nothing to save when there is no any-port scan.
                if let Some(own) = side.by_port.get(&p)
                    && !side.any.is_empty()
                {
                    places.push((i, Some(p), true));
                    jobs.push(side.any.union(own));
                }
            }
            places.push((i, None, false));
            jobs.push(side.any);
            for (p, b) in side.by_port {
                places.push((i, Some(p), false));
                jobs.push(b);
            }
        }
        let mut out = PortedPrefilter::default();
        for ((side, port, merged), pf) in places.into_iter().zip(build_all(jobs)) {
            let Some(g) = out.sides.get_mut(side) else {
                continue;
            };
            match port {
                None => g.any = pf,
                Some(p) => {
                    let sets = g.by_port.entry(p).or_default();
                    if merged {
                        sets.with_any = Some(pf);
                    } else {
                        sets.own = pf;
                    }
                }
            }
        }
        out
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
        let sa = side.by_port.get(&a);
        let sb = if b != a { side.by_port.get(&b) } else { None };
        // A merged port stands for the any-port rules and its own; the
        // other port still brings its own rules.
        match (
            sa.and_then(|s| s.with_any.as_ref()),
            sb.and_then(|s| s.with_any.as_ref()),
        ) {
            (Some(m), _) => {
                f(m);
                sb.into_iter().for_each(|s| f(&s.own));
            }
            (None, Some(m)) => {
                f(m);
                sa.into_iter().for_each(|s| f(&s.own));
            }
            (None, None) => {
                f(&side.any);
                sa.into_iter().chain(sb).for_each(|s| f(&s.own));
            }
        }
    }
}
