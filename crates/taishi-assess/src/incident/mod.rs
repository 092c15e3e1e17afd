//! Incidents: alerts correlated into attacks on assets.
//!
//! An incident is one story: an attacker (or a group waging one attack)
//! against victims, over time, through ATT&CK stages. [`Correlator`] builds
//! them from alerts by three rules (same attacker, victim turned attacker,
//! many sources on one target) within a time window; [`correlate`] runs it
//! over the store's unassigned alerts and saves the result. Each incident
//! gets its kill-chain stages ([`stage`]), its GB/T 20986 category
//! ([`category`]), a severity score and grade ([`grade`]).
//!
//! The trade-off: correlation is incremental and never rewrites history.
//! Alerts already in an incident stay there, and two stored incidents are
//! never merged, so a pass costs the new alerts (and the open incidents'
//! summaries), not the whole database; the price is that a link found late
//! (an attacker's first step arriving after a later pass stored its next)
//! leaves two incidents. docs/incidents.md gives the rules and their reasons.

pub mod category;
mod correlator;
pub mod grade;
pub mod stage;

use serde::{Deserialize, Serialize};
use taishi_core::Store;
use taishi_core::StoreError;
use taishi_core::domain::IncidentStatus;
use taishi_core::store::{AlertQuery, IncidentQuery};

pub use category::{Category, category_of};
pub use correlator::{Correlator, CorrelatorStats};
pub use grade::{grade_of, grade_with, severity_score};
pub use stage::{Stage, stage_of_tactic, stages_of, tactic_of_technique};

use crate::assets::AssetIndex;

/// Settings of the correlation (the `incidents` section of the configuration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorrelationConfig {
    /// An incident absorbs alerts within this many seconds of its span
    /// (after its last alert, or before its first). Default 3600: the
    /// steps of one intrusion (scan, guess, log in, move, take) follow
    /// within minutes to an hour when scripted or hands-on; a gap of more
    /// than an hour is as likely a new attempt as the same one.
    pub window_secs: u64,
    /// The spread rule (many sources, one attack on one target: a DDoS, a
    /// distributed brute force) joins a new source only to an incident with
    /// at most this many victims. Default 4: a flood or guessing campaign
    /// aims at a service or a handful of servers; an incident spanning more
    /// hosts is a campaign of its own attacker, and gluing strangers to it
    /// would mix unrelated attackers.
    pub max_victims_for_spread: usize,
    /// Alerts wait until alerts this many seconds later have been seen, so
    /// that they are taken in time order. Default 300: workers and
    /// detectors write alerts at the end of their window (flows end up to
    /// a few minutes after they start; detector windows are ≤ 5 minutes).
    pub reorder_secs: u64,
    /// At most this many alerts wait in the reorder buffer; past it the
    /// oldest is placed at once (counted). Default 65536 (a few MB): a
    /// flood of alerts may lose ordering, never memory.
    pub max_pending: usize,
    /// Attackers and victims listed per incident, each. Default 4096: a
    /// scan of a /20 lists every host; a sweep of the internet does not
    /// make a multi-megabyte incident (the alerts still count).
    pub max_addresses: usize,
    /// Alerts read from the store per query. Default 10000.
    pub page_size: u64,
}

impl Default for CorrelationConfig {
    fn default() -> Self {
        CorrelationConfig {
            window_secs: 3600,
            max_victims_for_spread: 4,
            reorder_secs: 300,
            max_pending: 65_536,
            max_addresses: 4096,
            page_size: 10_000,
        }
    }
}

/// What one [`correlate`] pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CorrelationReport {
    /// Unassigned alerts read.
    pub alerts: u64,
    /// Incidents opened.
    pub opened: u64,
    /// Open incidents that took new alerts.
    pub updated: u64,
    /// The correlator's counters.
    pub stats: CorrelatorStats,
}

/// Reads unassigned alerts from the store in id order (in pages),
/// correlates them with the open incidents, saves. Idempotent: a second
/// call with no new alerts changes nothing.
pub fn correlate(
    store: &dyn Store,
    assets: &AssetIndex,
    config: &CorrelationConfig,
) -> Result<CorrelationReport, StoreError> {
    let open = store.incidents(&IncidentQuery {
        status: vec![
            IncidentStatus::New,
            IncidentStatus::Acknowledged,
            IncidentStatus::Investigating,
        ],
        ..IncidentQuery::default()
    })?;
    let mut correlator = Correlator::new(config.clone(), assets, open);
    let mut report = CorrelationReport::default();
    let mut after = None;
    loop {
        let page = store.alerts(&AlertQuery {
            unassigned: true,
            after_id: after,
            limit: Some(config.page_size.max(1)),
            ..AlertQuery::default()
        })?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        report.alerts += page.len() as u64;
        for alert in &page {
            correlator.add(alert);
        }
    }
    correlator.flush();
    report.stats = correlator.stats();
    let (mut incidents, assignments) = correlator.finish();
    if assignments.is_empty() {
        return Ok(report);
    }
    report.opened = incidents.iter().filter(|i| i.id == 0).count() as u64;
    report.updated = incidents.len() as u64 - report.opened;
    store.save_correlation(&mut incidents, &assignments)?;
    Ok(report)
}

#[cfg(test)]
mod tests;
