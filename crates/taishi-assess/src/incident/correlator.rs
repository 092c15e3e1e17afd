//! The correlator: alerts in, incidents out.
//!
//! Alerts go through a small reorder buffer first (several workers write
//! them, so they arrive roughly but not strictly in time order), then each
//! joins the first incident a rule gives, in this order:
//!
//! 1. **same attacker**: an open incident that already lists the alert's
//!    attacker;
//! 2. **pivot**: an open incident in which the alert's attacker was a
//!    victim at a stage that may compromise it (initial access, credential
//!    access, execution, ... lateral movement) — the victim now attacks
//!    others and the chain continues;
//! 3. **spread**: an open incident of the same kind (denial of service, or
//!    brute force) against the alert's victim with at most
//!    `max_victims_for_spread` victims — many sources, one target;
//!
//! each within `window_secs` of the incident's span; else it opens an
//! incident. Only these rules join attackers, so two attackers hitting one
//! popular server with different things stay in two incidents.
//!
//! When an alert shows a victim compromised after that victim's own attacks
//! were already placed (order lost beyond the buffer, or across passes),
//! the victim's incident starting no earlier is merged into the chain: a
//! union-find over this pass's incidents, in which a stored incident
//! survives a new one. When both were stored, the chain's takes the other,
//! whose id goes into its `merged` list: saving the pass moves the other's
//! alerts over and deletes it, so every alert still has one incident.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use taishi_core::domain::{AlertRow, Incident, IncidentStatus};

use super::CorrelationConfig;
use super::category::{Category, category_of};
use super::grade::{grade_with, severity_score};
use super::stage::{Stage, stages_of};
use crate::assets::AssetIndex;

const NS: u64 = 1_000_000_000;

/// What one alert contributes, kept while it waits in the reorder buffer.
#[derive(Debug, PartialEq, Eq)]
struct Pending {
    ts: u64,
    id: i64,
    attacker: String,
    victim: String,
    severity: u8,
    techniques: Vec<String>,
    stages: Vec<Stage>,
    category: Category,
    what: String,
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.ts, self.id).cmp(&(other.ts, other.id))
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The kinds of attack that many sources wage together on one target:
/// floods and password guessing. Industrial device stops (T0816) are
/// denial of service too, but two hosts restarting one PLC are two
/// stories (one is often the engineering station doing its job).
fn spread_kind<S: AsRef<str>>(c: Category, techniques: &[S]) -> Option<&'static str> {
    let ics = techniques.iter().any(|t| t.as_ref().starts_with("T0"));
    match c {
        _ if ics => None,
        Category::DenialOfService => Some("dos"),
        Category::BruteForce => Some("brute_force"),
        _ => None,
    }
}

/// The title's lead phrase for an alert: a behavioural alert's signature
/// without its `TAISHI BEHAVIOUR` prefix, capitalised; a signature's message.
fn what_of(alert: &AlertRow) -> String {
    let s = alert.signature.trim();
    let s = s.strip_prefix("TAISHI BEHAVIOUR ").unwrap_or(s);
    if s.is_empty() {
        return category_of(alert).noun().to_owned();
    }
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Which alert leads an incident: the furthest stage, then the most severe.
type LeadKey = (i16, u8);

fn lead_key(furthest: Option<Stage>, severity: u8) -> LeadKey {
    let stage = furthest.map_or(-1, |s| i16::from(s.rank()));
    (stage, 5u8.saturating_sub(severity.clamp(1, 4)))
}

/// An incident being built, with what the rules need to look up.
#[derive(Debug)]
struct Work {
    inc: Incident,
    attackers: BTreeSet<String>,
    victims: BTreeSet<String>,
    techniques: BTreeSet<String>,
    stages: BTreeSet<Stage>,
    lead: LeadKey,
    what: String,
    category: String,
    best_severity: u8,
    cii: bool,
    /// Severity already stored: a pre-existing incident's score never drops.
    floor: f64,
    touched: bool,
}

impl Work {
    fn within(&self, ts: u64, window: u64) -> bool {
        ts <= self.inc.last_seen.saturating_add(window)
            && ts.saturating_add(window) >= self.inc.first_seen
    }
}

/// What the correlator did, for the run's report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CorrelatorStats {
    /// Alerts handed to [`Correlator::add`].
    pub alerts: u64,
    /// Alerts that already named an incident (left where they are).
    pub already_assigned: u64,
    /// Alerts that joined an incident by the same-attacker rule.
    pub by_attacker: u64,
    /// Alerts that joined by the pivot rule (victim turned attacker).
    pub by_pivot: u64,
    /// Alerts that joined by the spread rule (many sources, one target).
    pub by_spread: u64,
    /// Alerts that opened an incident.
    pub opened: u64,
    /// Incidents merged into another: a victim's attacks seen before the
    /// alert that showed it compromised.
    pub merged: u64,
    /// Alerts processed early because the reorder buffer was full.
    pub reorder_overflow: u64,
    /// Addresses not listed because an incident's list was at
    /// `max_addresses` (the alerts are still counted in it).
    pub addresses_dropped: u64,
}

/// Correlates alerts into incidents (see the module documentation).
pub struct Correlator<'a> {
    config: CorrelationConfig,
    assets: &'a AssetIndex,
    works: Vec<Work>,
    /// Union-find over `works`: an incident merged into another points to it.
    parent: Vec<usize>,
    by_attacker: HashMap<String, Vec<usize>>,
    by_pivot: HashMap<String, Vec<usize>>,
    by_spread: HashMap<(String, &'static str), Vec<usize>>,
    pending: BinaryHeap<Reverse<Pending>>,
    latest: u64,
    assignments: Vec<(i64, usize)>,
    stats: CorrelatorStats,
}

impl<'a> Correlator<'a> {
    /// A correlator that may extend `open` (the open incidents from the
    /// store; others in the list are ignored: a resolved or false-positive
    /// incident never takes new alerts).
    pub fn new(config: CorrelationConfig, assets: &'a AssetIndex, open: Vec<Incident>) -> Self {
        let mut c = Correlator {
            config,
            assets,
            works: Vec::new(),
            parent: Vec::new(),
            by_attacker: HashMap::new(),
            by_pivot: HashMap::new(),
            by_spread: HashMap::new(),
            pending: BinaryHeap::new(),
            latest: 0,
            assignments: Vec::new(),
            stats: CorrelatorStats::default(),
        };
        for inc in open.into_iter().filter(|i| i.status.is_open()) {
            c.preload(inc);
        }
        c
    }

    fn preload(&mut self, inc: Incident) {
        let stages: BTreeSet<Stage> = inc.stages.iter().filter_map(|s| Stage::parse(s)).collect();
        let what = inc
            .title
            .rsplit_once(" against ")
            .map_or(inc.title.as_str(), |(w, _)| w)
            .to_owned();
        let cii = inc
            .victims
            .iter()
            .any(|v| self.assets.get(v).is_some_and(|a| a.cii));
        let idx = self.works.len();
        let compromising = stages.iter().any(|s| s.compromises());
        let kind = Category::parse(&inc.category).and_then(|c| spread_kind(c, &inc.techniques));
        for a in &inc.attackers {
            self.by_attacker.entry(a.clone()).or_default().push(idx);
        }
        for v in &inc.victims {
            if compromising {
                self.by_pivot.entry(v.clone()).or_default().push(idx);
            }
            if let Some(k) = kind {
                self.by_spread.entry((v.clone(), k)).or_default().push(idx);
            }
        }
        self.parent.push(idx);
        self.works.push(Work {
            attackers: inc.attackers.iter().cloned().collect(),
            victims: inc.victims.iter().cloned().collect(),
            techniques: inc.techniques.iter().cloned().collect(),
            // The old lead's severity is not stored: taking it as the highest
            // keeps the title and category until an alert goes further.
            lead: lead_key(stages.last().copied(), 1),
            stages,
            what,
            category: inc.category.clone(),
            best_severity: 4,
            cii,
            floor: inc.severity,
            touched: false,
            inc,
        });
    }

    /// Puts one alert into an incident (existing or new), updating it.
    ///
    /// The alert waits in the reorder buffer until alerts `reorder_secs`
    /// later have been seen (or the buffer is full), so that alerts written
    /// slightly out of order are still taken in time order.
    pub fn add(&mut self, alert: &AlertRow) {
        self.stats.alerts += 1;
        if alert.incident_id.is_some() {
            self.stats.already_assigned += 1;
            return;
        }
        let stages = stages_of(alert);
        self.pending.push(Reverse(Pending {
            ts: alert.ts,
            id: alert.id,
            attacker: alert.attacker.clone(),
            victim: alert.victim.clone(),
            severity: alert.severity,
            techniques: alert.techniques.clone(),
            category: category_of(alert),
            what: what_of(alert),
            stages,
        }));
        self.latest = self.latest.max(alert.ts);
        let hold = self.config.reorder_secs.saturating_mul(NS);
        while let Some(Reverse(top)) = self.pending.peek() {
            let full = self.pending.len() > self.config.max_pending;
            if !full && top.ts.saturating_add(hold) > self.latest {
                break;
            }
            if full {
                self.stats.reorder_overflow += 1;
            }
            if let Some(Reverse(p)) = self.pending.pop() {
                self.place(p);
            }
        }
    }

    /// Places every alert still in the reorder buffer.
    pub fn flush(&mut self) {
        while let Some(Reverse(p)) = self.pending.pop() {
            self.place(p);
        }
    }

    /// What was done so far (call [`Correlator::flush`] first to count
    /// every alert added).
    pub fn stats(&self) -> CorrelatorStats {
        self.stats
    }

    /// The most recently active open incident among `list` that `ts` falls
    /// in the window of.
    fn pick(
        &self,
        list: Option<&Vec<usize>>,
        ts: u64,
        max_victims: Option<usize>,
    ) -> Option<usize> {
        let window = self.config.window_secs.saturating_mul(NS);
        list?
            .iter()
            .map(|&i| self.find(i))
            .filter(|&i| {
                self.works.get(i).is_some_and(|w| {
                    w.inc.status.is_open()
                        && w.within(ts, window)
                        && max_victims.is_none_or(|m| w.victims.len() <= m)
                })
            })
            .max_by_key(|&i| self.works.get(i).map_or(0, |w| w.inc.last_seen))
    }

    /// The incident `i` was merged into (itself when not merged).
    fn find(&self, mut i: usize) -> usize {
        // Chains stay short: a merge always points at a root.
        while let Some(&up) = self.parent.get(i) {
            if up == i {
                break;
            }
            i = up;
        }
        i
    }

    /// After `victim` was reached at a compromising stage in incident `at`
    /// (at time `ts`): an incident of this pass in which `victim` attacks,
    /// starting no earlier, is the same intrusion seen from its next step
    /// (its alerts were taken first, out of order or in another order of
    /// ids). The two become one; a stored incident is kept and a new one
    /// folded into it; of two stored ones the chain's is kept.
    fn merge_continuation(&mut self, at: usize, victim: &str, ts: u64) {
        let window = self.config.window_secs.saturating_mul(NS);
        let Some(list) = self.by_attacker.get(victim) else {
            return;
        };
        let mut others: Vec<usize> = list
            .iter()
            .map(|&i| self.find(i))
            .filter(|&i| i != at)
            .filter(|&i| {
                self.works.get(i).is_some_and(|w| {
                    w.inc.status.is_open() && w.inc.first_seen >= ts && w.within(ts, window)
                })
            })
            .collect();
        others.sort_unstable();
        others.dedup();
        let mut at = at;
        for other in others {
            let stored = |i: usize| self.works.get(i).is_some_and(|w| w.inc.id != 0);
            let (from, into) = match (stored(at), stored(other)) {
                (_, false) | (true, true) => (other, at),
                (false, true) => (at, other),
            };
            self.absorb(from, into);
            self.stats.merged += 1;
            at = into;
        }
    }

    /// Moves everything of incident `from` into `into`.
    fn absorb(&mut self, from: usize, into: usize) {
        let Some(src) = self.works.get_mut(from) else {
            return;
        };
        let src = Work {
            inc: std::mem::take(&mut src.inc),
            attackers: std::mem::take(&mut src.attackers),
            victims: std::mem::take(&mut src.victims),
            techniques: std::mem::take(&mut src.techniques),
            stages: std::mem::take(&mut src.stages),
            what: std::mem::take(&mut src.what),
            category: std::mem::take(&mut src.category),
            touched: std::mem::replace(&mut src.touched, false),
            ..*src
        };
        if let Some(slot) = self.parent.get_mut(from) {
            *slot = into;
        }
        let cap = self.config.max_addresses;
        let mut dropped = 0;
        let Some(dst) = self.works.get_mut(into) else {
            return;
        };
        // A stored incident folded into another is deleted when the pass
        // is saved, its alerts moved over; what analysts wrote on it stays.
        if src.inc.id != 0 {
            dst.touched = true;
            dst.inc.merged.push(src.inc.id);
            dst.inc.merged.extend(src.inc.merged);
            dst.inc.notes.extend(src.inc.notes);
            dst.inc.notes.sort_by_key(|n| n.ts);
            if dst.inc.assignee.is_none() {
                dst.inc.assignee = src.inc.assignee;
            }
        }
        dst.touched |= src.touched;
        dst.inc.alert_count = dst.inc.alert_count.saturating_add(src.inc.alert_count);
        dst.inc.first_seen = dst.inc.first_seen.min(src.inc.first_seen);
        dst.inc.last_seen = dst.inc.last_seen.max(src.inc.last_seen);
        dst.inc.max_criticality = dst.inc.max_criticality.max(src.inc.max_criticality);
        dst.cii |= src.cii;
        dst.best_severity = dst.best_severity.min(src.best_severity);
        dst.floor = dst.floor.max(src.floor);
        if src.lead > dst.lead {
            dst.lead = src.lead;
            dst.what = src.what;
            dst.category = src.category;
        }
        for a in &src.attackers {
            insert_capped(&mut dst.attackers, a, cap, &mut dropped);
        }
        for v in &src.victims {
            insert_capped(&mut dst.victims, v, cap, &mut dropped);
        }
        dst.techniques.extend(src.techniques);
        dst.stages.extend(src.stages);
        self.stats.addresses_dropped += dropped;
    }

    fn place(&mut self, p: Pending) {
        let kind = spread_kind(p.category, &p.techniques);
        let chosen = if let Some(i) = self.pick(self.by_attacker.get(&p.attacker), p.ts, None) {
            self.stats.by_attacker += 1;
            i
        } else if let Some(i) = self.pick(self.by_pivot.get(&p.attacker), p.ts, None) {
            self.stats.by_pivot += 1;
            i
        } else if let Some(i) = kind.and_then(|k| {
            self.pick(
                self.by_spread.get(&(p.victim.clone(), k)),
                p.ts,
                Some(self.config.max_victims_for_spread),
            )
        }) {
            self.stats.by_spread += 1;
            i
        } else {
            self.stats.opened += 1;
            self.open(&p)
        };
        self.join(chosen, p, kind);
    }

    fn open(&mut self, p: &Pending) -> usize {
        self.parent.push(self.works.len());
        self.works.push(Work {
            inc: Incident {
                status: IncidentStatus::New,
                first_seen: p.ts,
                last_seen: p.ts,
                ..Incident::default()
            },
            attackers: BTreeSet::new(),
            victims: BTreeSet::new(),
            techniques: BTreeSet::new(),
            stages: BTreeSet::new(),
            lead: (i16::MIN, 0),
            what: String::new(),
            category: String::new(),
            best_severity: 4,
            cii: false,
            floor: 0.0,
            touched: true,
        });
        self.works.len() - 1
    }

    fn join(&mut self, idx: usize, p: Pending, kind: Option<&'static str>) {
        let (victim, ts) = (p.victim.clone(), p.ts);
        let max_addresses = self.config.max_addresses;
        let crit = self.assets.criticality(&p.victim);
        let cii = self.assets.get(&p.victim).is_some_and(|a| a.cii);
        let compromises = p.stages.iter().any(|s| s.compromises());
        let Some(w) = self.works.get_mut(idx) else {
            return;
        };
        w.touched = true;
        w.inc.alert_count = w.inc.alert_count.saturating_add(1);
        w.inc.first_seen = w.inc.first_seen.min(p.ts);
        w.inc.last_seen = w.inc.last_seen.max(p.ts);
        w.inc.max_criticality = w.inc.max_criticality.max(crit);
        w.cii |= cii;
        w.best_severity = w.best_severity.min(p.severity.clamp(1, 4));
        let key = lead_key(p.stages.last().copied(), p.severity);
        if key > w.lead {
            w.lead = key;
            w.what = p.what;
            w.category = p.category.code().to_owned();
        }
        w.techniques.extend(p.techniques);
        w.stages.extend(p.stages.iter().copied());
        let mut dropped = 0;
        let new_attacker = !p.attacker.is_empty()
            && insert_capped(&mut w.attackers, &p.attacker, max_addresses, &mut dropped);
        if !p.victim.is_empty() {
            insert_capped(&mut w.victims, &p.victim, max_addresses, &mut dropped);
        }
        self.stats.addresses_dropped += dropped;
        if new_attacker {
            self.by_attacker.entry(p.attacker).or_default().push(idx);
        }
        if compromises {
            let list = self.by_pivot.entry(p.victim.clone()).or_default();
            if !list.contains(&idx) {
                list.push(idx);
            }
        }
        if let Some(k) = kind {
            let list = self.by_spread.entry((p.victim.clone(), k)).or_default();
            if !list.contains(&idx) {
                list.push(idx);
            }
        }
        self.assignments.push((p.id, idx));
        if compromises {
            self.merge_continuation(idx, &victim, ts);
        }
    }

    /// The incidents touched (new ones with id 0) and the (alert id, index
    /// into that list) assignments, ready for `Store::save_correlation`.
    pub fn finish(mut self) -> (Vec<Incident>, Vec<(i64, usize)>) {
        self.flush();
        let roots: Vec<usize> = (0..self.works.len()).map(|i| self.find(i)).collect();
        let mut out = Vec::new();
        let mut index_of = vec![usize::MAX; self.works.len()];
        for (i, w) in self.works.into_iter().enumerate() {
            if !w.touched {
                continue;
            }
            if let Some(slot) = index_of.get_mut(i) {
                *slot = out.len();
            }
            let mut inc = seal(w);
            inc.tenant = tenant_of_victims(self.assets, &inc.victims);
            out.push(inc);
        }
        let assignments = self
            .assignments
            .into_iter()
            .filter_map(|(id, w)| {
                let root = roots.get(w).copied().unwrap_or(w);
                index_of
                    .get(root)
                    .copied()
                    .filter(|&i| i != usize::MAX)
                    .map(|i| (id, i))
            })
            .collect();
        (out, assignments)
    }
}

/// Inserts `addr` unless the set is at `cap` (then counts it in `dropped`);
/// whether it was new and inserted.
fn insert_capped(set: &mut BTreeSet<String>, addr: &str, cap: usize, dropped: &mut u64) -> bool {
    if set.contains(addr) {
        return false;
    }
    if set.len() >= cap {
        *dropped += 1;
        return false;
    }
    set.insert(addr.to_owned())
}

/// The address, both addresses, or "12 hosts".
fn hosts(set: &BTreeSet<String>) -> String {
    let mut it = set.iter();
    match (set.len(), it.next(), it.next()) {
        (1, Some(a), _) => a.clone(),
        (2, Some(a), Some(b)) => format!("{a} and {b}"),
        (n, _, _) => format!("{n} hosts"),
    }
}

/// The tenant an incident belongs to: the one tenant owning its
/// registered victims, so that tenant's users see it; the site's (empty)
/// when victims of several tenants were hit, or none is registered to a
/// tenant. Unregistered victims belong to the site, not to another
/// tenant, so they do not take an incident away from the tenant whose
/// hosts were also attacked.
fn tenant_of_victims(assets: &AssetIndex, victims: &[String]) -> String {
    let mut tenants = victims
        .iter()
        .filter_map(|v| assets.get(v))
        .map(|a| a.tenant.as_str())
        .filter(|t| !t.is_empty());
    match tenants.next() {
        Some(first) if tenants.all(|t| t == first) => first.to_owned(),
        _ => String::new(),
    }
}

/// Writes the summary fields of a finished incident.
fn seal(w: Work) -> Incident {
    let mut inc = w.inc;
    inc.attackers = w.attackers.iter().cloned().collect();
    inc.victims = w.victims.iter().cloned().collect();
    inc.techniques = w.techniques.into_iter().collect();
    inc.stages = w.stages.iter().map(|s| s.as_str().to_owned()).collect();
    inc.category = if w.category.is_empty() {
        Category::Other.code().to_owned()
    } else {
        w.category
    };
    let stages = if w.stages.len() > 1 {
        format!(" ({} stages)", w.stages.len())
    } else {
        String::new()
    };
    inc.title = format!(
        "{} against {} by {}{stages}",
        w.what,
        hosts(&w.victims),
        hosts(&w.attackers)
    );
    inc.max_criticality = inc.max_criticality.clamp(1, 5);
    let score = severity_score(
        w.best_severity,
        w.stages.last().copied(),
        inc.max_criticality,
        w.cii,
        inc.alert_count,
        inc.victims.len(),
    );
    inc.severity = score.max(w.floor);
    inc.cii = inc.cii || w.cii;
    inc.grade = grade_with(&inc, inc.cii).max(inc.grade);
    inc
}
