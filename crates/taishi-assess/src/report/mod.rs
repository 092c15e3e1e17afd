//! Reports: the situation for management and regulators, as HTML, Markdown or JSON.
//!
//! A report is made in two steps so that every format says the same thing:
//! [`gather`] reads the store once into a [`ReportData`] (plain values,
//! serialisable: the JSON format is exactly it), and [`render`] turns that
//! into text. Rendering never touches the store, so it cannot fail, and a
//! test can render hand-made data.
//!
//! The HTML report is one self-contained file: inline CSS and inline SVG
//! charts drawn by [`svg`], no script, no external font or image, so that
//! it opens offline, mails as one attachment and prints on A4. Every value
//! that came from the store passes through [`escape::html`] on its way out.

mod cut;
pub mod escape;
mod gather;
mod html;
mod labels;
mod markdown;
mod recommend;
pub mod svg;
mod table;

use serde::{Deserialize, Serialize};
use taishi_core::domain::{Grade, IncidentStatus, Level, VulnMatch};

pub use gather::gather;
pub use recommend::RecommendationKind;

/// Output format of [`render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML file with inline SVG charts.
    Html,
    /// Markdown: the same sections, series as tables instead of charts.
    Markdown,
    /// [`ReportData`] as JSON.
    Json,
}

impl Format {
    /// Parses `html`, `md`/`markdown` or `json`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Language of the labels in a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The code the domain types' `label(lang)` functions take: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses `zh` or `en` (and `zh-CN`, `en-GB` ...).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::Zh)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// What a report covers and how it is labelled.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Length of the period, seconds (`24h`: 86400, `7d`: 604800).
    pub since_secs: u64,
    /// End of the period, nanoseconds since the epoch (exclusive). `None`:
    /// just after the newest data in the store, so that a store filled from
    /// captures of the past reports on them rather than on an empty today.
    pub until: Option<u64>,
    /// Label language.
    pub lang: Lang,
    /// Title; `None`: "Network security situation report" in `lang`.
    pub title: Option<String>,
    /// Organisation the report is for, printed under the title.
    pub organisation: Option<String>,
    /// The tenant the report is cut to: `None` reads every tenant (the
    /// site's and a regulator's report); `Some(t)` shows only what users of
    /// tenant `t` see (its incidents, the alerts and flows of its
    /// addresses, its assets, its organisation's posture).
    pub tenant: Option<String>,
    /// Index thresholds of blue, yellow, orange and red, for the chart's
    /// level bands: the posture configuration's (the store keeps levels,
    /// not the thresholds that made them). Default: the posture model's.
    pub level_thresholds: [f64; 4],
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            since_secs: 86_400,
            until: None,
            lang: Lang::default(),
            title: None,
            organisation: None,
            tenant: None,
            level_thresholds: crate::posture::PostureConfig::default().thresholds,
        }
    }
}

/// Everything a report says, read once from the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// Title given in the options (`None`: the default title of the language).
    pub title: Option<String>,
    /// Organisation given in the options.
    pub organisation: Option<String>,
    /// The tenant the report is cut to (`None`: every tenant).
    #[serde(default)]
    pub tenant: Option<String>,
    /// When the report was made (wall clock, ns).
    pub generated_at: u64,
    /// The period covered.
    pub period: Period,
    /// Whether the period holds nothing at all (no alert, incident, flow,
    /// event or posture point): the report then says so and little else.
    pub empty: bool,
    /// Headline figures.
    pub totals: Totals,
    /// Current level and its change.
    pub posture: PostureSummary,
    /// Organisation threat index per bucket over the period and the
    /// previous one, then the forecast points.
    pub series: Vec<SeriesPoint>,
    /// Most severe incidents active in the period, most severe first.
    pub incidents: Vec<IncidentSummary>,
    /// Attacked assets, most weighted (alerts × severity × criticality) first.
    pub attacked_assets: Vec<AttackedAsset>,
    /// Attackers, most weighted first.
    pub attackers: Vec<Attacker>,
    /// Industrial protocol activity.
    pub industrial: Industrial,
    /// Assets with known vulnerabilities, highest CVSS × criticality first.
    pub exposure: Vec<Exposure>,
    /// Alerts by category (classtype), most first.
    pub alert_categories: Vec<Count>,
    /// Alerts by severity 1..4 (key `"1"` .. `"4"`), exact counts.
    pub alert_severities: Vec<Count>,
    /// What to do, drawn from the incidents and the exposure, most urgent first.
    pub recommendations: Vec<Recommendation>,
}

/// The period a report covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Start, ns since the epoch (inclusive).
    pub start: u64,
    /// End, ns since the epoch (exclusive).
    pub end: u64,
    /// Length, seconds.
    pub secs: u64,
    /// Whether `end` was taken from the newest data (not given).
    pub from_data: bool,
}

/// Headline figures of the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Alerts in the period (exact).
    pub alerts: u64,
    /// Alerts in the previous period of the same length (exact).
    pub previous_alerts: u64,
    /// Alerts the per-address and per-category figures were computed from
    /// (the newest [`gather`]'s bound allows; equal to `alerts` unless capped).
    pub alerts_analysed: u64,
    /// Incidents active in the period.
    pub incidents: u64,
    /// Flows that started in the period.
    pub flows: u64,
    /// Distinct attacking addresses among the analysed alerts.
    pub attackers: u64,
    /// Distinct attacked addresses among the analysed alerts.
    pub victims: u64,
}

/// The level now and a period ago.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureSummary {
    /// Level of the newest measured bucket in the period (`None`: no posture computed).
    pub level: Option<Level>,
    /// Its index, 0..100.
    pub index: Option<f64>,
    /// Highest level in the period.
    pub peak_level: Option<Level>,
    /// Highest index in the period.
    pub peak_index: Option<f64>,
    /// Level of the newest measured bucket before the period: the situation a period ago.
    pub previous_level: Option<Level>,
    /// Its index.
    pub previous_index: Option<f64>,
    /// `index - previous_index`, when both are known.
    pub change: Option<f64>,
    /// Bucket width of the series, seconds.
    pub bucket_secs: u64,
    /// Index thresholds of blue, yellow, orange and red the bands are drawn at.
    pub thresholds: [f64; 4],
}

/// One point of the organisation's threat index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Bucket start, seconds since the epoch.
    pub bucket: u64,
    /// Threat index, 0..100.
    pub index: f64,
    /// Its level.
    pub level: Level,
    /// Forecast rather than measured.
    pub forecast: bool,
}

/// An incident as the report shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    /// Incident id.
    pub id: i64,
    /// One line naming it.
    pub title: String,
    /// Grade (GB/T 20986).
    pub grade: Grade,
    /// Category code (GB/T 20986).
    pub category: String,
    /// Severity, 0..100.
    pub severity: f64,
    /// Handling state.
    pub status: IncidentStatus,
    /// Kill-chain stages reached, in chain order.
    pub stages: Vec<String>,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
    /// Attacking addresses.
    pub attackers: Vec<String>,
    /// Attacked addresses.
    pub victims: Vec<String>,
    /// First alert, ns.
    pub first_seen: u64,
    /// Last alert, ns.
    pub last_seen: u64,
    /// Alerts in it.
    pub alert_count: u64,
}

/// An attacked address and what the registry says of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttackedAsset {
    /// Address.
    pub address: String,
    /// Asset name (`""` when no record covers it).
    pub name: String,
    /// Role (`plc`, `hmi` ...).
    pub role: String,
    /// Zone (`OT`, `DMZ`, `L1` ...).
    pub zone: String,
    /// Criticality 1..5 (1 when unknown).
    pub criticality: u8,
    /// Part of critical information infrastructure.
    pub cii: bool,
    /// Alerts against it.
    pub alerts: u64,
    /// Incidents it is a victim of.
    pub incidents: Vec<i64>,
    /// Σ severity weight × criticality: the ranking figure.
    pub score: f64,
}

/// An attacking address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Attacker {
    /// Address.
    pub address: String,
    /// Asset name when the attacker is one of ours (a compromised host).
    pub name: String,
    /// Alerts it caused.
    pub alerts: u64,
    /// Distinct victims.
    pub victims: u64,
    /// Most severe alert (1 high .. 4 low).
    pub max_severity: u8,
    /// Incidents it is an attacker in.
    pub incidents: Vec<i64>,
    /// ATT&CK techniques of its alerts.
    pub techniques: Vec<String>,
    /// Σ severity weight × victim criticality: the ranking figure.
    pub score: f64,
}

/// Industrial protocol activity in the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Industrial {
    /// One entry per industrial protocol seen (flows or events).
    pub protocols: Vec<IndustrialProtocol>,
    /// Writes and commands (set-points, coils, operate, download, stop ...), newest last.
    pub writes: Vec<IndustrialWrite>,
    /// Writes and commands seen in total (`writes` holds at most a bounded number).
    pub writes_total: u64,
}

/// One industrial protocol's activity.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndustrialProtocol {
    /// `modbus`, `dnp3`, `s7comm`, `iec104`.
    pub protocol: String,
    /// Flows.
    pub flows: u64,
    /// Bytes both ways.
    pub bytes: u64,
    /// Protocol records (transactions, APDUs) stored.
    pub events: u64,
    /// Requests by function, most first: (`3 RdHoldRegs`, count).
    pub functions: Vec<Count>,
    /// Writes and commands among them.
    pub writes: u64,
    /// Distinct clients (masters) that sent requests.
    pub clients: u64,
}

/// One write or command to an industrial device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndustrialWrite {
    /// Time, ns.
    pub ts: u64,
    /// Protocol.
    pub protocol: String,
    /// Sender.
    pub src: String,
    /// Device.
    pub dest: String,
    /// Function (`6 WrSingleReg`, `operate`, `download_block`, `45 C_SC_NA_1`).
    pub function: String,
    /// What it touched (`address 1 quantity 1`, `IOA 5000`), when known.
    pub detail: String,
    /// Device's asset name, when a record covers it.
    pub dest_name: String,
}

/// An exposed asset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// Address.
    pub address: String,
    /// Name.
    pub name: String,
    /// Criticality 1..5.
    pub criticality: u8,
    /// Highest CVSS among its vulnerabilities.
    pub max_cvss: f32,
    /// Its vulnerabilities, highest CVSS first.
    pub vulns: Vec<VulnMatch>,
}

/// A key and how many.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// What is counted.
    pub key: String,
    /// How many.
    pub count: u64,
}

/// Something to do, and what it was drawn from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Which rule of the recommendation table fired.
    pub kind: RecommendationKind,
    /// Urgency: 1 (act now) to 3 (plan).
    pub priority: u8,
    /// What the situation is, in the report's language.
    pub title: String,
    /// Concrete actions, in the report's language.
    pub actions: Vec<String>,
    /// Incidents it is drawn from.
    pub incidents: Vec<i64>,
    /// Assets (addresses) it concerns.
    pub assets: Vec<String>,
    /// Addresses to block: the attackers, or for C2, exfiltration and intel
    /// hits the outside hosts our hosts reached.
    pub sources: Vec<String>,
}

/// Renders `data` in `format` with `lang` labels.
///
/// The recommendations' texts follow `lang` too (they are looked up again
/// by kind), so one gathered [`ReportData`] renders in both languages.
pub fn render(data: &ReportData, format: Format, lang: Lang) -> String {
    let data = recommend::relabel(data, lang);
    match format {
        Format::Html => html::render(&data, lang),
        Format::Markdown => markdown::render(&data, lang),
        Format::Json => serde_json::to_string_pretty(&data)
            // Serialising plain data with string keys cannot fail; a
            // valid JSON error object beats a panic if it ever did.
            .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string())),
    }
}
