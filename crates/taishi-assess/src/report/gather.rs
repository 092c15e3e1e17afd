//! Reading a report's figures from the store, once.
//!
//! Counts that the store can give exactly (alerts, alerts by severity,
//! flows, incidents, event types) are asked of it; figures per address
//! and per category are computed from the newest [`MAX_ALERTS`] alerts of
//! the period, and the report says so when the period held more. Every
//! read is bounded, so a report on a database of ten million flows reads
//! what it shows and not the database.
//!
//! A report cut to one tenant ([`ReportOptions::tenant`]) shows what that
//! tenant's users see in the console, by the same rules: its incidents
//! (their `tenant`), the alerts and flows touching its addresses
//! ([`super::cut`]), its assets and its organisation's posture; another
//! tenant's registry (names, roles, criticality) never shows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;
use taishi_core::domain::{AlertRow, PosturePoint, ScopeKind};
use taishi_core::store::{AlertQuery, FlowQuery, IncidentQuery, PostureQuery};
use taishi_core::{Store, StoreError, Timestamp};

use super::cut::{self, PeriodFlows};
use super::recommend::recommend;
use super::{
    AttackedAsset, Attacker, Count, Exposure, IncidentSummary, Industrial, IndustrialProtocol,
    IndustrialWrite, Period, PostureSummary, ReportData, ReportOptions, SeriesPoint, Totals,
};
use crate::assets::{AssetIndex, TenantView};
use crate::posture::model::target;

/// Alerts read for the per-address and per-category figures: enough for
/// any day of a site's alerts after thresholds, small enough (~100 MB of
/// rows at worst) to keep a report on a flood quick and bounded.
pub const MAX_ALERTS: u64 = 100_000;
/// Incidents read for the recommendations (most severe first); the report
/// shows [`SHOWN_INCIDENTS`] of them.
pub const MAX_INCIDENTS: u64 = 5_000;
/// Incidents listed in the report: a page management reads.
pub const SHOWN_INCIDENTS: usize = 10;
/// Rows of the attacked-asset, attacker and category lists.
pub const SHOWN_ROWS: usize = 10;
/// Exposed assets listed.
pub const SHOWN_EXPOSURE: usize = 20;
/// Records read per industrial protocol: a day of a polling HMI is tens
/// of thousands of transactions; the function-code table needs no more.
pub const MAX_ICS_EVENTS: u64 = 50_000;
/// Writes and commands listed (the newest).
pub const SHOWN_WRITES: usize = 25;
/// Function codes listed per protocol.
pub const SHOWN_FUNCTIONS: usize = 8;

/// Industrial application protocols, as EVE's `app_proto` and event types name them.
pub const INDUSTRIAL_PROTOCOLS: [&str; 4] = ["modbus", "dnp3", "s7comm", "iec104"];

const NS: u64 = 1_000_000_000;

/// Reads everything a report says about the period `options` names, as
/// the tenant it names sees it (every tenant when it names none).
///
/// An empty store gives a report with `empty` set, not an error.
pub fn gather(store: &dyn Store, options: &ReportOptions) -> Result<ReportData, StoreError> {
    let view = TenantView::new(
        Arc::new(AssetIndex::new(store.assets()?)),
        options.tenant.clone(),
    );
    let newest = || -> Result<Option<u64>, StoreError> {
        Ok(match newest_data(store, &view)? {
            Some(t) => Some(t),
            // A tenant seen only in flows (or in alerts older than the
            // store's newest few) reports on the period of the store's data.
            None if view.tenant().is_some() => newest_data(store, &view.every_tenant())?,
            None => None,
        })
    };
    let (end, from_data) = match options.until {
        Some(u) => (u, false),
        None => match newest()? {
            // Until is exclusive: the newest record belongs in the period.
            Some(t) => (t.saturating_add(1), true),
            None => (Timestamp::now().0, false),
        },
    };
    let span = options.since_secs.saturating_mul(NS);
    let start = end.saturating_sub(span);
    let prev_start = start.saturating_sub(span);
    let period = Period {
        start,
        end,
        secs: options.since_secs,
        from_data,
    };

    let incidents: Vec<IncidentSummary> = store
        .incidents(&IncidentQuery {
            since: Some(start),
            tenant: view.tenant().map(str::to_owned),
            by_severity: true,
            limit: Some(MAX_INCIDENTS),
            ..IncidentQuery::default()
        })?
        .into_iter()
        // Active in the period: last seen at or after its start (the
        // query) and first seen before its end.
        .filter(|i| i.first_seen < end)
        .map(|i| IncidentSummary {
            id: i.id,
            title: i.title,
            grade: i.grade,
            category: i.category,
            severity: i.severity,
            status: i.status,
            stages: i.stages,
            techniques: i.techniques,
            attackers: i.attackers,
            victims: i.victims,
            first_seen: i.first_seen,
            last_seen: i.last_seen,
            alert_count: i.alert_count,
        })
        .collect();
    // The tenant's alerts include those of its incidents (as its searches do).
    let own: HashSet<i64> = incidents.iter().map(|i| i.id).collect();
    let alerts = cut::alerts(store, &view, (start, end), &own)?;
    let previous_alerts = cut::count_alerts(store, &view, (prev_start, start), &own)?;
    let flows = cut::flows(store, &view, (start, end))?;

    let (attacked_assets, attackers, alert_categories, n_attackers, n_victims) =
        per_address(&alerts.newest, &view);
    let event_counts = store.event_counts(Some(start), Some(end))?;
    let industrial = industrial(store, (start, end), &event_counts, &flows, &view)?;
    let exposure = exposure(&view);
    let (posture, series) = posture(store, &period, options.level_thresholds, view.tenant())?;

    let recommendations = recommend(&incidents, &exposure, posture.level, options.lang);
    // A tenant's share of the other records (dns, http ...) is not
    // attributed; its industrial records are.
    let no_events = match view.tenant() {
        None => event_counts.iter().all(|(_, n)| *n == 0),
        Some(_) => industrial.protocols.iter().all(|p| p.events == 0),
    };
    let empty = alerts.total == 0
        && incidents.is_empty()
        && flows.total == 0
        && no_events
        && posture.level.is_none();
    let totals = Totals {
        alerts: alerts.total,
        previous_alerts,
        alerts_analysed: alerts.newest.len() as u64,
        incidents: incidents.len() as u64,
        flows: flows.total,
        attackers: n_attackers,
        victims: n_victims,
    };
    let mut shown = incidents;
    shown.truncate(SHOWN_INCIDENTS);
    Ok(ReportData {
        title: options.title.clone(),
        organisation: options.organisation.clone(),
        tenant: options.tenant.clone(),
        generated_at: Timestamp::now().0,
        period,
        empty,
        totals,
        posture,
        series,
        incidents: shown,
        attacked_assets,
        attackers,
        industrial,
        exposure,
        alert_categories,
        alert_severities: alerts.severities,
        recommendations,
    })
}

/// Alerts read to find the newest: the store returns them newest by
/// insertion, and records of one batch arrive a little out of time order.
const NEWEST_PROBE: u64 = 1_000;
/// Flows read per step when walking forward from the newest alert.
const FLOW_PROBE: u64 = 1_000;
/// Steps of that walk before falling back to reading the last flow by
/// offset (a scan of the flow index, but only for stores whose flows run
/// on long after their last alert).
const FLOW_STEPS: usize = 100;

/// Time of the newest record `view` sees (ns): the newest alert (among
/// the store's newest few) or incident, then any flow after it, else
/// measured posture of its organisation.
fn newest_data(store: &dyn Store, view: &TenantView) -> Result<Option<u64>, StoreError> {
    let alerts = store.alerts(&AlertQuery {
        newest_first: true,
        limit: Some(NEWEST_PROBE),
        ..AlertQuery::default()
    })?;
    let incident = store.incidents(&IncidentQuery {
        tenant: view.tenant().map(str::to_owned),
        limit: Some(1),
        ..IncidentQuery::default()
    })?;
    let newest = alerts
        .iter()
        .filter(|a| cut::sees_alert(view, a, &HashSet::new()))
        .map(|a| a.ts)
        .max()
        .max(incident.first().map(|i| i.last_seen));
    let newest = match newest {
        Some(t) => newest_flow_from(store, view, t)?.max(Some(t)),
        None => last_flow(store, view)?,
    };
    if newest.is_some() {
        return Ok(newest);
    }
    let points = store.posture(&PostureQuery {
        kind: Some(ScopeKind::Organisation),
        key: view.tenant().map(str::to_owned),
        ..PostureQuery::default()
    })?;
    Ok(points
        .iter()
        .filter(|p| !p.forecast)
        .map(|p| p.bucket.saturating_add(p.width).saturating_mul(NS))
        .max())
}

/// End of the newest flow `view` sees that started at or after `since`,
/// walking forward in start order a bounded number of steps.
fn newest_flow_from(
    store: &dyn Store,
    view: &TenantView,
    mut since: u64,
) -> Result<Option<u64>, StoreError> {
    let mut newest = None;
    for _ in 0..FLOW_STEPS {
        let batch = store.flows(&FlowQuery {
            since: Some(since),
            limit: Some(FLOW_PROBE),
            ..FlowQuery::default()
        })?;
        newest = newest.max(
            batch
                .iter()
                .filter(|f| cut::sees_flow(view, f))
                .map(|f| f.end.max(f.start))
                .max(),
        );
        match batch.last() {
            Some(last) if batch.len() as u64 == FLOW_PROBE && last.start > since => {
                since = last.start;
            }
            Some(_) if batch.len() as u64 == FLOW_PROBE => {
                return Ok(newest.max(last_flow(store, view)?));
            }
            _ => return Ok(newest),
        }
    }
    Ok(newest.max(last_flow(store, view)?))
}

/// End of the flow that started last (flows are read in start order), when
/// `view` sees every tenant; a tenant's last flow is not found by offset,
/// so its reports end at its newest alert, incident or posture instead.
fn last_flow(store: &dyn Store, view: &TenantView) -> Result<Option<u64>, StoreError> {
    if view.tenant().is_some() {
        return Ok(None);
    }
    let n = store.count_flows(&FlowQuery::default())?;
    if n == 0 {
        return Ok(None);
    }
    let last = store.flows(&FlowQuery {
        limit: Some(1),
        offset: n - 1,
        ..FlowQuery::default()
    })?;
    Ok(last.first().map(|f| f.end.max(f.start)))
}

/// Weight of a Suricata severity in the rankings: 4 for severity 1 down to 1 for 4.
fn severity_weight(severity: u8) -> f64 {
    f64::from(5 - severity.clamp(1, 4))
}

type PerAddress = (Vec<AttackedAsset>, Vec<Attacker>, Vec<Count>, u64, u64);

/// Attacked assets, attackers and categories of `alerts`.
///
/// A tenant's report lists only its own hosts as attacked assets, and
/// names and weighs only the addresses whose records it sees.
fn per_address(alerts: &[AlertRow], view: &TenantView) -> PerAddress {
    #[derive(Default)]
    struct Victim {
        alerts: u64,
        incidents: BTreeSet<i64>,
        score: f64,
    }
    #[derive(Default)]
    struct Source {
        alerts: u64,
        victims: BTreeSet<String>,
        max_severity: u8,
        incidents: BTreeSet<i64>,
        techniques: BTreeSet<String>,
        score: f64,
    }
    let mut victims: HashMap<&str, Victim> = HashMap::new();
    let mut sources: HashMap<&str, Source> = HashMap::new();
    let mut categories: HashMap<&str, u64> = HashMap::new();
    for a in alerts {
        let w = severity_weight(a.severity);
        // The host at risk as the posture model sees it: the victim, or
        // our own host when it reached out to an unknown one (C2,
        // exfiltration), so that outside addresses do not rank as assets.
        let (at_risk, _) = target(a, view.index());
        let crit = f64::from(view.criticality(at_risk));
        if view.sees_ip(at_risk) {
            let v = victims.entry(at_risk).or_default();
            v.alerts += 1;
            v.score += w * crit;
            v.incidents.extend(a.incident_id);
        }
        let s = sources
            .entry(a.attacker.as_str())
            .or_insert_with(|| Source {
                max_severity: 4,
                ..Source::default()
            });
        s.alerts += 1;
        s.score += w * crit;
        s.max_severity = s.max_severity.min(a.severity.clamp(1, 4));
        s.incidents.extend(a.incident_id);
        if s.victims.len() < 10_000 {
            s.victims.insert(a.victim.clone());
        }
        s.techniques.extend(a.techniques.iter().cloned());
        *categories.entry(a.category.as_str()).or_default() += 1;
    }
    let (n_attackers, n_victims) = (sources.len() as u64, victims.len() as u64);
    let mut attacked: Vec<AttackedAsset> = victims
        .into_iter()
        .map(|(ip, v)| {
            let rec = view.asset(ip);
            AttackedAsset {
                address: ip.to_owned(),
                name: rec.map(|r| r.name.clone()).unwrap_or_default(),
                role: rec.map(|r| r.role.clone()).unwrap_or_default(),
                zone: rec.map(|r| r.zone.clone()).unwrap_or_default(),
                criticality: view.criticality(ip),
                cii: rec.is_some_and(|r| r.cii),
                alerts: v.alerts,
                incidents: v.incidents.into_iter().collect(),
                score: v.score,
            }
        })
        .collect();
    attacked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    attacked.truncate(SHOWN_ROWS);
    let mut attackers: Vec<Attacker> = sources
        .into_iter()
        .map(|(ip, s)| Attacker {
            address: ip.to_owned(),
            name: view.asset(ip).map(|r| r.name.clone()).unwrap_or_default(),
            alerts: s.alerts,
            victims: s.victims.len() as u64,
            max_severity: s.max_severity,
            incidents: s.incidents.into_iter().collect(),
            techniques: s.techniques.into_iter().collect(),
            score: s.score,
        })
        .collect();
    attackers.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    attackers.truncate(SHOWN_ROWS);
    (
        attacked,
        attackers,
        top_counts(
            categories.into_iter().map(|(k, n)| (k.to_owned(), n)),
            SHOWN_ROWS,
        ),
        n_attackers,
        n_victims,
    )
}

/// The `n` largest counts, ties by key.
fn top_counts(counts: impl Iterator<Item = (String, u64)>, n: usize) -> Vec<Count> {
    let mut v: Vec<Count> = counts.map(|(key, count)| Count { key, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    v.truncate(n);
    v
}

/// One industrial request as the report counts it.
#[derive(Debug, PartialEq)]
pub(super) struct IcsOp {
    /// Function label (`6 WrSingleReg`, `operate`, `download_block`).
    pub function: String,
    /// Whether it writes or commands.
    pub write: bool,
    /// What it touched, for writes.
    pub detail: String,
}

fn u64_at(v: &Value, path: &[&str]) -> Option<u64> {
    path.iter().try_fold(v, |cur, k| cur.get(k))?.as_u64()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |cur, k| cur.get(k))?.as_str()
}

/// DNP3 application function names (IEEE 1815 table 4-1), by code.
fn dnp3_function(code: u64) -> &'static str {
    match code {
        0 => "confirm",
        1 => "read",
        2 => "write",
        3 => "select",
        4 => "operate",
        5 => "direct_operate",
        6 => "direct_operate_nr",
        7 => "immed_freeze",
        8 => "immed_freeze_nr",
        9 => "freeze_clear",
        10 => "freeze_clear_nr",
        11 => "freeze_at_time",
        12 => "freeze_at_time_nr",
        13 => "cold_restart",
        14 => "warm_restart",
        15 => "initialize_data",
        16 => "initialize_appl",
        17 => "start_appl",
        18 => "stop_appl",
        19 => "save_config",
        20 => "enable_unsolicited",
        21 => "disable_unsolicited",
        22 => "assign_class",
        23 => "delay_measure",
        24 => "record_current_time",
        25 => "open_file",
        26 => "close_file",
        27 => "delete_file",
        28 => "get_file_info",
        29 => "authenticate_file",
        30 => "abort_file",
        31 => "activate_config",
        32 => "authenticate_req",
        33 => "authenticate_err",
        _ => "",
    }
}

/// What an industrial record asks of a device; `None` for responses and
/// records that are no request. The write/command sets are those of the
/// behavioural ICS detector (docs/detectors.md), plus the DNP3 and S7
/// functions that change a device's state (restart, start/stop
/// application, configuration, clock, password, block deletion).
pub(super) fn classify_ics(event_type: &str, rec: &Value) -> Option<IcsOp> {
    match event_type {
        "modbus" => {
            let req = rec.get("modbus")?.get("request")?;
            let f = u64_at(req, &["function_raw"])?;
            let name = str_at(req, &["function_code"]).unwrap_or("");
            let write = matches!(f, 5 | 6 | 15 | 16 | 22 | 23 | 90);
            let detail = match req.get("write") {
                Some(w) if write => {
                    let addr = u64_at(w, &["address"]);
                    let qty = u64_at(w, &["quantity"]);
                    let val = u64_at(w, &["data"]);
                    let unit = u64_at(req, &["unit_id"]);
                    let mut d = Vec::new();
                    if let Some(u) = unit {
                        d.push(format!("unit {u}"));
                    }
                    if let Some(a) = addr {
                        d.push(format!("address {a}"));
                    }
                    match (qty, val) {
                        (Some(q), _) => d.push(format!("quantity {q}")),
                        (None, Some(v)) => d.push(format!("value {v}")),
                        _ => {}
                    }
                    d.join(" ")
                }
                _ => String::new(),
            };
            Some(IcsOp {
                function: format!("{f} {name}").trim().to_owned(),
                write,
                detail,
            })
        }
        "dnp3" => {
            if str_at(rec, &["dnp3", "type"]) != Some("request") {
                return None;
            }
            let f = u64_at(rec, &["dnp3", "application", "function_code"])?;
            let write = matches!(f, 2..=6 | 13 | 14 | 16..=19 | 27 | 31);
            let detail = if write {
                rec.pointer("/dnp3/application/objects")
                    .and_then(Value::as_array)
                    .map(|objs| {
                        objs.iter()
                            .take(4)
                            .map(|o| {
                                let g = u64_at(o, &["group"]).unwrap_or(0);
                                let v = u64_at(o, &["variation"]).unwrap_or(0);
                                match (u64_at(o, &["start"]), u64_at(o, &["stop"])) {
                                    (Some(a), Some(b)) if a != b => format!("g{g}v{v} {a}-{b}"),
                                    (Some(a), _) => format!("g{g}v{v} {a}"),
                                    _ => format!("g{g}v{v}"),
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            } else {
                String::new()
            };
            Some(IcsOp {
                function: format!("{f} {}", dnp3_function(f)).trim().to_owned(),
                write,
                detail,
            })
        }
        "s7comm" => {
            let req = rec.get("s7comm")?.get("request")?;
            let function =
                str_at(req, &["function"]).or_else(|| str_at(req, &["userdata", "subfunction"]))?;
            let write = matches!(
                function,
                "write_var"
                    | "request_download"
                    | "download_block"
                    | "download_ended"
                    | "plc_control"
                    | "plc_stop"
                    | "set_clock"
                    | "plc_password"
            );
            let detail = if let Some(b) = req.get("block") {
                format!(
                    "{} {}",
                    str_at(b, &["type"]).unwrap_or(""),
                    u64_at(b, &["number"])
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                )
                .trim()
                .to_owned()
            } else if let Some(s) = str_at(req, &["pi_service"]) {
                s.to_owned()
            } else if write {
                req.get("items")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .map(|i| {
                        let area = str_at(i, &["area"]).unwrap_or("");
                        let db = u64_at(i, &["db_number"]).unwrap_or(0);
                        let addr = u64_at(i, &["address"]).unwrap_or(0);
                        if area == "db" {
                            format!("DB{db}.{addr}")
                        } else {
                            format!("{area} {addr}")
                        }
                    })
                    .unwrap_or_default()
            } else {
                String::new()
            };
            Some(IcsOp {
                function: function.to_owned(),
                write,
                detail: if write { detail } else { String::new() },
            })
        }
        "iec104" => {
            let iec = rec.get("iec104")?;
            if let Some(asdu) = iec.get("asdu") {
                let t = u64_at(asdu, &["type_id"])?;
                let name = str_at(asdu, &["type"]).unwrap_or("");
                let command = asdu.get("command").and_then(Value::as_bool) == Some(true);
                // Commands travel as activation (or deactivation) from the
                // controlling station; confirmations and terminations
                // come back from the controlled one and are not requests.
                let cause = str_at(asdu, &["cause"]).unwrap_or("");
                if command && !matches!(cause, "act" | "deact") {
                    return None;
                }
                let write = command && matches!(t, 45..=69 | 101 | 103 | 105 | 107 | 110..=113);
                let detail = if write {
                    asdu.get("objects")
                        .and_then(Value::as_array)
                        .map(|objs| {
                            objs.iter()
                                .take(4)
                                .filter_map(|o| u64_at(o, &["ioa"]))
                                .map(|ioa| format!("IOA {ioa}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                Some(IcsOp {
                    function: format!("{t} {name}").trim().to_owned(),
                    write,
                    detail,
                })
            } else {
                let f = str_at(iec, &["apci", "function"])?;
                // Only the controlling station's half of a U exchange.
                if !f.ends_with("_ACT") {
                    return None;
                }
                Some(IcsOp {
                    function: f.to_owned(),
                    write: false,
                    detail: String::new(),
                })
            }
        }
        _ => None,
    }
}

/// Industrial activity: flows and bytes per protocol, function codes,
/// writes and commands.
///
/// A tenant's report counts the records one of whose ends is its own,
/// among the [`MAX_ICS_EVENTS`] read per protocol.
fn industrial(
    store: &dyn Store,
    (start, end): (u64, u64),
    event_counts: &[(String, u64)],
    flows: &PeriodFlows,
    view: &TenantView,
) -> Result<Industrial, StoreError> {
    let counts: HashMap<&str, u64> = event_counts.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    let mut out = Industrial::default();
    let mut writes: Vec<IndustrialWrite> = Vec::new();
    for proto in INDUSTRIAL_PROTOCOLS {
        let f = flows.industrial.get(proto);
        let stored = counts.get(proto).copied().unwrap_or(0);
        let mut records = Vec::new();
        if stored > 0 {
            records = store.events(proto, Some(start), Some(end), MAX_ICS_EVENTS)?;
            if view.tenant().is_some() {
                records.retain(|rec| {
                    let end = |k| str_at(rec, &[k]).is_some_and(|ip| view.sees_ip(ip));
                    end("src_ip") || end("dest_ip")
                });
            }
        }
        let events = match view.tenant() {
            None => stored,
            Some(_) => records.len() as u64,
        };
        if f.is_none() && events == 0 {
            continue;
        }
        let mut p = IndustrialProtocol {
            protocol: proto.to_owned(),
            flows: f.map_or(0, |g| g.0),
            bytes: f.map_or(0, |g| g.1),
            events,
            ..IndustrialProtocol::default()
        };
        let mut functions: BTreeMap<String, u64> = BTreeMap::new();
        let mut clients: BTreeSet<String> = BTreeSet::new();
        for rec in records {
            let Some(op) = classify_ics(proto, &rec) else {
                continue;
            };
            let src = str_at(&rec, &["src_ip"]).unwrap_or("");
            if clients.len() < 10_000 {
                clients.insert(src.to_owned());
            }
            *functions.entry(op.function.clone()).or_default() += 1;
            if op.write {
                p.writes += 1;
                out.writes_total += 1;
                let dest = str_at(&rec, &["dest_ip"]).unwrap_or("").to_owned();
                writes.push(IndustrialWrite {
                    ts: str_at(&rec, &["timestamp"])
                        .and_then(Timestamp::parse_eve)
                        .map_or(0, |t| t.0),
                    protocol: proto.to_owned(),
                    src: src.to_owned(),
                    dest_name: view
                        .asset(&dest)
                        .map(|a| a.name.clone())
                        .unwrap_or_default(),
                    dest,
                    function: op.function,
                    detail: op.detail,
                });
                // Keep the newest only, a batch at a time.
                if writes.len() >= SHOWN_WRITES * 4 {
                    writes.sort_by_key(|w| std::cmp::Reverse(w.ts));
                    writes.truncate(SHOWN_WRITES);
                }
            }
        }
        p.clients = clients.len() as u64;
        p.functions = top_counts(functions.into_iter(), SHOWN_FUNCTIONS);
        out.protocols.push(p);
    }
    writes.sort_by_key(|w| std::cmp::Reverse(w.ts));
    writes.truncate(SHOWN_WRITES);
    writes.reverse();
    out.writes = writes;
    Ok(out)
}

/// Assets `view` sees (its tenant's records) with matched
/// vulnerabilities, the most exposed first.
fn exposure(view: &TenantView) -> Vec<Exposure> {
    let mut out: Vec<Exposure> = view
        .index()
        .all()
        .iter()
        .filter(|a| !a.vulns.is_empty() && view.sees_tenant(&a.tenant))
        .map(|a| {
            let mut vulns = a.vulns.clone();
            vulns.sort_by(|x, y| y.cvss.total_cmp(&x.cvss).then(x.id.cmp(&y.id)));
            Exposure {
                address: a.address.clone(),
                name: a.name.clone(),
                criticality: a.criticality.clamp(1, 5),
                max_cvss: vulns.first().map_or(0.0, |v| v.cvss),
                vulns,
            }
        })
        .collect();
    let key = |e: &Exposure| f64::from(e.max_cvss) * f64::from(e.criticality);
    out.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.address.cmp(&b.address)));
    out.truncate(SHOWN_EXPOSURE);
    out
}

/// The organisation's level now, a period ago and at its peak, and the
/// series of the period and the previous one with the forecast.
///
/// A tenant's report shows its organisation's series. Otherwise, where
/// the store holds several organisation scopes (tenants of a center), each
/// bucket shows the worst of them: the report is for whoever answers for
/// all of them.
fn posture(
    store: &dyn Store,
    period: &Period,
    thresholds: [f64; 4],
    tenant: Option<&str>,
) -> Result<(PostureSummary, Vec<SeriesPoint>), StoreError> {
    let (start_s, end_s) = (period.start / NS, period.end.div_ceil(NS));
    let prev_s = start_s.saturating_sub(period.secs);
    let points = store.posture(&PostureQuery {
        kind: Some(ScopeKind::Organisation),
        key: tenant.map(str::to_owned),
        since: Some(prev_s),
        forecast: true,
        ..PostureQuery::default()
    })?;
    let mut worst: BTreeMap<(bool, u64), &PosturePoint> = BTreeMap::new();
    let mut width = 0;
    for p in &points {
        width = width.max(p.width);
        let e = worst.entry((p.forecast, p.bucket)).or_insert(p);
        if p.index > e.index {
            *e = p;
        }
    }
    let point = |p: &PosturePoint| SeriesPoint {
        bucket: p.bucket,
        index: p.index,
        level: p.level,
        forecast: p.forecast,
    };
    // The previous period stays in the series: the chart shows where the
    // level came from.
    // When the period ends at the newest data, the buckets the model
    // computed after it (the threat decaying once an attack is over) are
    // shown too; a period given by the caller shows nothing after its end.
    let shown_end = if period.from_data {
        end_s.saturating_add(period.secs)
    } else {
        end_s
    };
    let measured: Vec<SeriesPoint> = worst
        .iter()
        .filter(|((f, b), _)| !*f && *b < shown_end)
        .map(|(_, p)| point(p))
        .collect();
    // Forecast points past the period's end, no further out than one
    // period: a forecast made for a later time belongs to a later report.
    let forecast: Vec<SeriesPoint> = worst
        .iter()
        .filter(|((f, b), _)| *f && *b >= start_s && *b < end_s.saturating_add(period.secs))
        .map(|(_, p)| point(p))
        .collect();
    let in_period = |p: &&SeriesPoint| p.bucket >= start_s && p.bucket < end_s;
    let now = measured.iter().rev().find(in_period);
    let before = measured.iter().rev().find(|p| p.bucket < start_s);
    let peak = measured
        .iter()
        .filter(in_period)
        .max_by(|a, b| a.index.total_cmp(&b.index));
    let summary = PostureSummary {
        level: now.map(|p| p.level),
        index: now.map(|p| p.index),
        peak_level: peak.map(|p| p.level),
        peak_index: peak.map(|p| p.index),
        previous_level: before.map(|p| p.level),
        previous_index: before.map(|p| p.index),
        change: now.zip(before).map(|(n, b)| n.index - b.index),
        bucket_secs: width,
        thresholds,
    };
    let mut series = measured;
    series.extend(forecast);
    Ok((summary, series))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ics_requests_are_classified_from_real_records() {
        // Records as taishi analyze wrote them for the demo scenario and
        // the corpus captures (trimmed to the fields read).
        let modbus_write = json!({"modbus":{"request":{"access_type":"WRITE | HOLDING | SINGLE | WRITE_SINGLE",
            "function_code":"WrSingleReg","function_raw":6,"unit_id":1,"write":{"address":40,"data":9999}}}});
        assert_eq!(
            classify_ics("modbus", &modbus_write),
            Some(IcsOp {
                function: "6 WrSingleReg".into(),
                write: true,
                detail: "unit 1 address 40 value 9999".into()
            })
        );
        let modbus_read = json!({"modbus":{"request":{"function_code":"RdHoldRegs","function_raw":3,"read":{"address":0,"quantity":10}}}});
        assert_eq!(
            classify_ics("modbus", &modbus_read).map(|o| o.write),
            Some(false)
        );
        let dnp3_operate = json!({"dnp3":{"type":"request","application":{"function_code":3,
            "objects":[{"group":12,"variation":1,"start":0,"stop":0}]}}});
        let op = classify_ics("dnp3", &dnp3_operate).expect("a request");
        assert_eq!(
            (op.function.as_str(), op.write, op.detail.as_str()),
            ("3 select", true, "g12v1 0")
        );
        assert_eq!(
            classify_ics(
                "dnp3",
                &json!({"dnp3":{"type":"response","application":{"function_code":129}}})
            ),
            None
        );
        let s7 = json!({"s7comm":{"request":{"block":{"filesystem":"P","number":1,"type":"DB"},"function":"download_block","function_code":27}}});
        let op = classify_ics("s7comm", &s7).expect("a request");
        assert_eq!(
            (op.function.as_str(), op.write, op.detail.as_str()),
            ("download_block", true, "DB 1")
        );
        let szl = json!({"s7comm":{"request":{"userdata":{"subfunction":"read_szl"}}}});
        assert_eq!(
            classify_ics("s7comm", &szl).map(|o| (o.function, o.write)),
            Some(("read_szl".into(), false))
        );
        let act = json!({"iec104":{"asdu":{"type_id":45,"type":"C_SC_NA_1","command":true,"cause":"act",
            "objects":[{"ioa":15000,"value":2}]}}});
        let op = classify_ics("iec104", &act).expect("a command");
        assert_eq!(
            (op.function.as_str(), op.write, op.detail.as_str()),
            ("45 C_SC_NA_1", true, "IOA 15000")
        );
        let con = json!({"iec104":{"asdu":{"type_id":45,"type":"C_SC_NA_1","command":true,"cause":"actcon","objects":[]}}});
        assert_eq!(classify_ics("iec104", &con), None);
        assert_eq!(
            classify_ics(
                "iec104",
                &json!({"iec104":{"apci":{"type":"U","function":"STARTDT_CON"}}})
            ),
            None
        );
        // Garbage never panics.
        for bad in [
            json!(null),
            json!({"modbus": 3}),
            json!({"dnp3":{"type":"request"}}),
            json!({"iec104":{"asdu":{}}}),
        ] {
            for t in INDUSTRIAL_PROTOCOLS {
                let _ = classify_ics(t, &bad);
            }
        }
    }

    #[test]
    fn severity_weight_orders_high_first() {
        assert_eq!(severity_weight(1), 4.0);
        assert_eq!(severity_weight(4), 1.0);
        assert_eq!(severity_weight(0), 4.0);
        assert_eq!(severity_weight(9), 1.0);
    }
}
