//! The report's tables, once for every format: columns and plain-text
//! cells. HTML and Markdown only differ in how they escape and frame them.

use super::labels::{self as t, L};
use super::{Lang, ReportData};

/// One cell: plain text from the data, escaped by the renderer.
pub enum Cell {
    /// Ordinary text.
    Text(String),
    /// Identifiers (ATT&CK ids) set in a code font where the format has one.
    Code(String),
}

impl Cell {
    /// The text, whatever its kind.
    pub fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Code(s) => s,
        }
    }
}

/// Column titles (with whether the column is numeric, right-aligned) and rows.
pub struct Table {
    /// (title, numeric).
    pub head: Vec<(&'static str, bool)>,
    /// Cells, one per column.
    pub rows: Vec<Vec<Cell>>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn head(cols: &[(L, bool)], lang: Lang) -> Vec<(&'static str, bool)> {
    cols.iter().map(|(l, n)| (l.get(lang), *n)).collect()
}

/// A figure with one decimal, `-` when not a number.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1}")
    } else {
        "-".into()
    }
}

fn ids(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `name (address)`, or the address alone.
pub fn named(name: &str, address: &str) -> String {
    if name.is_empty() {
        address.to_owned()
    } else {
        format!("{name} ({address})")
    }
}

/// Top incidents.
pub fn incidents(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::ID, true),
                (t::TITLE_COL, false),
                (t::GRADE, false),
                (t::CATEGORY, false),
                (t::SEVERITY, true),
                (t::STAGES, false),
                (t::ATTACKERS, false),
                (t::VICTIMS, false),
                (t::TECHNIQUES, false),
                (t::ALERTS, true),
                (t::STATUS, false),
                (t::FIRST_SEEN, false),
            ],
            lang,
        ),
        rows: d
            .incidents
            .iter()
            .map(|i| {
                vec![
                    text(i.id.to_string()),
                    text(i.title.as_str()),
                    text(i.grade.label(lang.code())),
                    text(t::category(&i.category, lang)),
                    text(num(i.severity)),
                    text(
                        i.stages
                            .iter()
                            .map(|s| t::stage(s, lang))
                            .collect::<Vec<_>>()
                            .join(" → "),
                    ),
                    text(i.attackers.join(", ")),
                    text(i.victims.join(", ")),
                    Cell::Code(i.techniques.join(", ")),
                    text(i.alert_count.to_string()),
                    text(t::status(i.status, lang)),
                    text(t::time(i.first_seen)),
                ]
            })
            .collect(),
    }
}

/// Most-attacked assets.
pub fn attacked_assets(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::ADDRESS, false),
                (t::NAME, false),
                (t::ROLE, false),
                (t::ZONE, false),
                (t::CRITICALITY, true),
                (t::CII, false),
                (t::ALERTS, true),
                (t::INCIDENTS, false),
                (t::SCORE, true),
            ],
            lang,
        ),
        rows: d
            .attacked_assets
            .iter()
            .map(|a| {
                vec![
                    text(a.address.as_str()),
                    text(a.name.as_str()),
                    text(a.role.as_str()),
                    text(a.zone.as_str()),
                    text(a.criticality.to_string()),
                    text(if a.cii { "✔" } else { "" }),
                    text(a.alerts.to_string()),
                    text(ids(&a.incidents)),
                    text(num(a.score)),
                ]
            })
            .collect(),
    }
}

/// Top attackers.
pub fn attackers(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::ADDRESS, false),
                (t::NAME, false),
                (t::ALERTS, true),
                (t::VICTIMS, true),
                (t::MAX_SEVERITY, false),
                (t::TECHNIQUES, false),
                (t::INCIDENTS, false),
                (t::SCORE, true),
            ],
            lang,
        ),
        rows: d
            .attackers
            .iter()
            .map(|a| {
                vec![
                    text(a.address.as_str()),
                    text(a.name.as_str()),
                    text(a.alerts.to_string()),
                    text(a.victims.to_string()),
                    text(t::severity(&a.max_severity.to_string(), lang)),
                    Cell::Code(a.techniques.join(", ")),
                    text(ids(&a.incidents)),
                    text(num(a.score)),
                ]
            })
            .collect(),
    }
}

/// Industrial protocols.
pub fn industrial(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::PROTOCOL, false),
                (t::FLOWS, true),
                (t::BYTES, true),
                (t::RECORDS, true),
                (t::CLIENTS, true),
                (t::WRITES, true),
                (t::FUNCTIONS, false),
            ],
            lang,
        ),
        rows: d
            .industrial
            .protocols
            .iter()
            .map(|p| {
                vec![
                    text(p.protocol.as_str()),
                    text(p.flows.to_string()),
                    text(t::bytes(p.bytes)),
                    text(p.events.to_string()),
                    text(p.clients.to_string()),
                    text(p.writes.to_string()),
                    text(
                        p.functions
                            .iter()
                            .map(|f| format!("{} ×{}", f.key, f.count))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ]
            })
            .collect(),
    }
}

/// Industrial writes and commands.
pub fn writes(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::TIME, false),
                (t::PROTOCOL, false),
                (t::SOURCE, false),
                (t::DEVICE, false),
                (t::FUNCTION, false),
                (t::DETAIL, false),
            ],
            lang,
        ),
        rows: d
            .industrial
            .writes
            .iter()
            .map(|w| {
                vec![
                    text(t::time(w.ts)),
                    text(w.protocol.as_str()),
                    text(w.src.as_str()),
                    text(named(&w.dest_name, &w.dest)),
                    text(w.function.as_str()),
                    text(w.detail.as_str()),
                ]
            })
            .collect(),
    }
}

/// Exposed assets.
pub fn exposure(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::ADDRESS, false),
                (t::NAME, false),
                (t::CRITICALITY, true),
                (t::MAX_CVSS, true),
                (t::VULNS, false),
            ],
            lang,
        ),
        rows: d
            .exposure
            .iter()
            .map(|e| {
                vec![
                    text(e.address.as_str()),
                    text(e.name.as_str()),
                    text(e.criticality.to_string()),
                    text(format!("{:.1}", e.max_cvss)),
                    text(
                        e.vulns
                            .iter()
                            .map(|v| format!("{} ({:.1}, {})", v.id, v.cvss, v.software))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                ]
            })
            .collect(),
    }
}

/// Alerts by category.
pub fn categories(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(&[(t::CATEGORY, false), (t::COUNT, true)], lang),
        rows: d
            .alert_categories
            .iter()
            .map(|c| vec![text(c.key.as_str()), text(c.count.to_string())])
            .collect(),
    }
}

/// Alerts by severity.
pub fn severities(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(&[(t::SEVERITY, false), (t::COUNT, true)], lang),
        rows: d
            .alert_severities
            .iter()
            .map(|c| vec![text(t::severity(&c.key, lang)), text(c.count.to_string())])
            .collect(),
    }
}

/// The posture series (for formats without charts).
pub fn series(d: &ReportData, lang: Lang) -> Table {
    Table {
        head: head(
            &[
                (t::BUCKET, false),
                (t::INDEX, true),
                (t::LEVEL, false),
                (t::KIND, false),
            ],
            lang,
        ),
        rows: d
            .series
            .iter()
            .map(|s| {
                vec![
                    text(t::time(s.bucket.saturating_mul(1_000_000_000))),
                    text(num(s.index)),
                    text(s.level.label(lang.code())),
                    text(if s.forecast { t::FORECAST } else { t::MEASURED }.get(lang)),
                ]
            })
            .collect(),
    }
}
