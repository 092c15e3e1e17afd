//! The alerts and flows of a period as one reader sees them.
//!
//! Alerts and flows carry no tenant: one belongs to a tenant when an
//! address of it does ([`TenantView::sees_ip`], the rule the server's
//! searches apply), and an alert also when it is in one of the tenant's
//! incidents. The store cannot filter by that rule (an address belongs to
//! a tenant through the most specific record covering it), so a tenant's
//! report reads the period's alerts and flows a page at a time and keeps
//! its own: exact figures, memory bounded by a page, time growing with the
//! period's records rather than the database. A report of every tenant
//! asks the store for its counts, as before.

use std::collections::{BTreeMap, HashSet};

use taishi_core::domain::{AlertRow, FlowRow};
use taishi_core::store::{AlertQuery, FlowGroup, FlowQuery};
use taishi_core::{Store, StoreError};

use super::Count;
use super::gather::{INDUSTRIAL_PROTOCOLS, MAX_ALERTS};
use crate::assets::TenantView;

/// Records read per page of a tenant's scan: a few MB of rows.
pub const SCAN_PAGE: u64 = 10_000;

/// Whether `view` sees alert `a`: an address of it is the reader's, or it
/// is in one of the reader's incidents (`own`).
pub(super) fn sees_alert(view: &TenantView, a: &AlertRow, own: &HashSet<i64>) -> bool {
    view.sees_ip(&a.src_ip)
        || view.sees_ip(&a.dest_ip)
        || a.incident_id.is_some_and(|i| own.contains(&i))
}

/// Whether `view` sees flow `f`: one of its ends is the reader's.
pub(super) fn sees_flow(view: &TenantView, f: &FlowRow) -> bool {
    view.sees_ip(&f.src_ip) || view.sees_ip(&f.dest_ip)
}

/// Alerts of `[start, end)`.
fn in_period((start, end): (u64, u64)) -> AlertQuery {
    AlertQuery {
        since: Some(start),
        until: Some(end),
        ..AlertQuery::default()
    }
}

/// Alerts of a period as the reader sees them.
pub(super) struct PeriodAlerts {
    /// How many (exact).
    pub total: u64,
    /// How many per severity 1..4 (exact).
    pub severities: Vec<Count>,
    /// The newest [`MAX_ALERTS`] of them, newest first.
    pub newest: Vec<AlertRow>,
}

/// The alerts of `[start, end)` that `view` sees.
pub(super) fn alerts(
    store: &dyn Store,
    view: &TenantView,
    period: (u64, u64),
    own: &HashSet<i64>,
) -> Result<PeriodAlerts, StoreError> {
    let q = in_period(period);
    if view.tenant().is_none() {
        return Ok(PeriodAlerts {
            total: store.count_alerts(&q)?,
            severities: severity_counts(store, &q)?,
            newest: store.alerts(&AlertQuery {
                newest_first: true,
                limit: Some(MAX_ALERTS),
                ..q.clone()
            })?,
        });
    }
    let mut total = 0;
    let mut by_severity = [0u64; 4];
    let mut newest: Vec<AlertRow> = Vec::new();
    scan_alerts(store, &q, SCAN_PAGE, |a| {
        if !sees_alert(view, &a, own) {
            return;
        }
        total += 1;
        // The store's severity filter counts 0 as 1 and 5+ as 4 alike.
        let sev = usize::from(a.severity.clamp(1, 4)) - 1;
        by_severity[sev] += 1;
        newest.push(a);
        // Id order is arrival order: keep the last MAX_ALERTS, trimming
        // a batch at a time.
        if newest.len() as u64 >= 2 * MAX_ALERTS {
            newest.drain(..newest.len() - MAX_ALERTS as usize);
        }
    })?;
    let keep = newest.len().saturating_sub(MAX_ALERTS as usize);
    newest.drain(..keep);
    newest.reverse();
    Ok(PeriodAlerts {
        total,
        severities: (1..=4u8)
            .zip(by_severity)
            .map(|(s, count)| Count {
                key: s.to_string(),
                count,
            })
            .collect(),
        newest,
    })
}

/// How many alerts of `[start, end)` `view` sees.
pub(super) fn count_alerts(
    store: &dyn Store,
    view: &TenantView,
    period: (u64, u64),
    own: &HashSet<i64>,
) -> Result<u64, StoreError> {
    let q = in_period(period);
    if view.tenant().is_none() {
        return store.count_alerts(&q);
    }
    let mut n = 0;
    scan_alerts(store, &q, SCAN_PAGE, |a| {
        n += u64::from(sees_alert(view, &a, own));
    })?;
    Ok(n)
}

/// Exact alert counts per severity 1..4, from cumulative counts.
fn severity_counts(store: &dyn Store, q: &AlertQuery) -> Result<Vec<Count>, StoreError> {
    let mut out = Vec::new();
    let mut below = 0;
    for sev in 1..=4u8 {
        let upto = store.count_alerts(&AlertQuery {
            max_severity: Some(sev),
            ..q.clone()
        })?;
        out.push(Count {
            key: sev.to_string(),
            count: upto.saturating_sub(below),
        });
        below = upto;
    }
    Ok(out)
}

/// Every alert `q` matches, in id order, a page at a time (by id, so that
/// alerts arriving meanwhile neither repeat nor shift a page).
fn scan_alerts(
    store: &dyn Store,
    q: &AlertQuery,
    page_size: u64,
    mut each: impl FnMut(AlertRow),
) -> Result<(), StoreError> {
    let mut after = None;
    loop {
        let page = store.alerts(&AlertQuery {
            after_id: after,
            newest_first: false,
            limit: Some(page_size),
            offset: 0,
            ..q.clone()
        })?;
        let full = page.len() as u64 >= page_size;
        after = page.last().map(|a| a.id);
        page.into_iter().for_each(&mut each);
        if !full || after.is_none() {
            return Ok(());
        }
    }
}

/// Flows of a period as the reader sees them.
#[derive(Default)]
pub(super) struct PeriodFlows {
    /// How many started in the period (exact).
    pub total: u64,
    /// Per industrial protocol: (flows, bytes both ways).
    pub industrial: BTreeMap<&'static str, (u64, u64)>,
}

/// The flows that started in `[start, end)` that `view` sees.
pub(super) fn flows(
    store: &dyn Store,
    view: &TenantView,
    (start, end): (u64, u64),
) -> Result<PeriodFlows, StoreError> {
    let q = FlowQuery {
        since: Some(start),
        until: Some(end),
        ..FlowQuery::default()
    };
    let mut out = PeriodFlows::default();
    if view.tenant().is_none() {
        out.total = store.count_flows(&q)?;
        for proto in INDUSTRIAL_PROTOCOLS {
            // One summary per protocol, filtered by it: the cost is that
            // protocol's flows, not every flow of the period.
            let summary = store.flow_summary(
                &FlowQuery {
                    app_proto: Some(proto.to_owned()),
                    ..q.clone()
                },
                FlowGroup::AppProto,
            )?;
            if let Some(g) = summary.iter().find(|g| g.key == proto) {
                out.industrial.insert(proto, (g.flows, g.bytes));
            }
        }
        return Ok(out);
    }
    scan_flows(store, &q, SCAN_PAGE, |f| {
        if !sees_flow(view, &f) {
            return;
        }
        out.total += 1;
        let proto = f.app_proto.as_deref().unwrap_or("");
        if let Some(p) = INDUSTRIAL_PROTOCOLS.iter().find(|p| **p == proto) {
            let e = out.industrial.entry(p).or_default();
            e.0 += 1;
            e.1 += f.bytes_toserver.saturating_add(f.bytes_toclient);
        }
    })?;
    Ok(out)
}

/// Every flow `q` matches, in (start, id) order, a page at a time: each
/// page starts at the last start time seen, skipping the flows of that
/// instant already read (new flows of the same instant have higher ids and
/// come after them), so a page never shifts when flows arrive meanwhile.
fn scan_flows(
    store: &dyn Store,
    q: &FlowQuery,
    page_size: u64,
    mut each: impl FnMut(FlowRow),
) -> Result<(), StoreError> {
    let mut since = q.since;
    let mut seen_at_since = 0u64;
    loop {
        let page = store.flows(&FlowQuery {
            since,
            limit: Some(page_size),
            offset: seen_at_since,
            ..q.clone()
        })?;
        let full = page.len() as u64 >= page_size;
        let Some(last) = page.last().map(|f| f.start) else {
            return Ok(());
        };
        let at_last = page.iter().rev().take_while(|f| f.start == last).count() as u64;
        if since == Some(last) {
            seen_at_since += at_last;
        } else {
            since = Some(last);
            seen_at_since = at_last;
        }
        page.into_iter().for_each(&mut each);
        if !full {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use taishi_core::Timestamp;
    use taishi_store::sqlite::SqliteStore;

    use super::*;

    const T0: u64 = 1_714_557_600;
    const NS: u64 = 1_000_000_000;

    fn time(secs: u64) -> String {
        Timestamp::new(secs, 0).to_string()
    }

    /// Flows starting at `starts` (several at one instant) and an alert at each.
    fn store(starts: &[u64]) -> SqliteStore {
        let store = SqliteStore::open_in_memory().expect("store");
        let mut lines = String::new();
        for (i, s) in starts.iter().enumerate() {
            let dst = format!("10.0.0.{i}");
            lines.push_str(
                &json!({
                    "timestamp": time(s + 5), "flow_id": i, "event_type": "flow",
                    "src_ip": "192.0.2.1", "src_port": 40000, "dest_ip": dst, "dest_port": 502,
                    "proto": "TCP", "app_proto": "modbus",
                    "flow": {"pkts_toserver": 1, "pkts_toclient": 1, "bytes_toserver": 10,
                        "bytes_toclient": 20, "start": time(*s), "end": time(s + 4),
                        "state": "closed", "alerted": false}
                })
                .to_string(),
            );
            lines.push('\n');
            lines.push_str(
                &json!({
                    "timestamp": time(*s), "flow_id": i, "event_type": "alert",
                    "src_ip": "192.0.2.1", "src_port": 40000, "dest_ip": dst, "dest_port": 502,
                    "proto": "TCP", "alert": {"gid": 1, "signature_id": 1, "rev": 1,
                        "signature": "test", "category": "test", "severity": 2}
                })
                .to_string(),
            );
            lines.push('\n');
        }
        store.ingest(lines.as_bytes()).expect("ingest");
        store
    }

    #[test]
    fn scans_read_every_record_once_across_pages_and_shared_instants() {
        // Three flows at one instant, then two, then one; pages of two
        // split every instant.
        let starts = [T0, T0, T0, T0 + 1, T0 + 1, T0 + 2, T0 + 3];
        let store = store(&starts);
        for (since, until) in [(None, None), (Some(T0 * NS), Some((T0 + 2) * NS))] {
            let q = FlowQuery {
                since,
                until,
                ..FlowQuery::default()
            };
            let all: Vec<i64> = store
                .flows(&q)
                .expect("flows")
                .iter()
                .map(|f| f.id)
                .collect();
            assert!(all.len() >= 5, "{all:?}");
            for page in [1, 2, 3, 100] {
                let mut got = Vec::new();
                scan_flows(&store, &q, page, |f| got.push(f.id)).expect("scan");
                assert_eq!(got, all, "flows, pages of {page}");
            }
            let q = AlertQuery {
                since,
                until,
                ..AlertQuery::default()
            };
            let all: Vec<i64> = store
                .alerts(&q)
                .expect("alerts")
                .iter()
                .map(|a| a.id)
                .collect();
            for page in [1, 2, 3, 100] {
                let mut got = Vec::new();
                scan_alerts(&store, &q, page, |a| got.push(a.id)).expect("scan");
                assert_eq!(got, all, "alerts, pages of {page}");
            }
        }
    }
}
