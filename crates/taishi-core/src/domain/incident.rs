//! Incidents: alerts correlated into one story, graded and worked on.

use serde::{Deserialize, Serialize};

/// Where an incident is in its handling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Opened by correlation, nobody has looked yet.
    #[default]
    New,
    /// Someone has seen it.
    Acknowledged,
    /// Being worked on.
    Investigating,
    /// Handled.
    Resolved,
    /// Not an attack.
    FalsePositive,
}

impl IncidentStatus {
    /// The name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::FalsePositive => "false_positive",
        }
    }

    /// Parses [`IncidentStatus::as_str`]'s names.
    pub fn parse(s: &str) -> Option<IncidentStatus> {
        Some(match s {
            "new" => IncidentStatus::New,
            "acknowledged" => IncidentStatus::Acknowledged,
            "investigating" => IncidentStatus::Investigating,
            "resolved" => IncidentStatus::Resolved,
            "false_positive" => IncidentStatus::FalsePositive,
            _ => return None,
        })
    }

    /// Whether new alerts may still join the incident.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            IncidentStatus::New | IncidentStatus::Acknowledged | IncidentStatus::Investigating
        )
    }
}

/// Incident grade of GB/T 20986 (and the national emergency plan):
/// 特别重大 (I) / 重大 (II) / 较大 (III) / 一般 (IV).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 一般 — grade IV.
    #[default]
    General,
    /// 较大 — grade III.
    RelativelyMajor,
    /// 重大 — grade II.
    Major,
    /// 特别重大 — grade I.
    ParticularlyMajor,
}

impl Grade {
    /// The label in Chinese (`zh`) or English (anything else).
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "zh") {
            (Grade::General, true) => "一般",
            (Grade::RelativelyMajor, true) => "较大",
            (Grade::Major, true) => "重大",
            (Grade::ParticularlyMajor, true) => "特别重大",
            (Grade::General, false) => "General (IV)",
            (Grade::RelativelyMajor, false) => "Relatively major (III)",
            (Grade::Major, false) => "Major (II)",
            (Grade::ParticularlyMajor, false) => "Particularly major (I)",
        }
    }
}

/// A note an analyst left on an incident.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentNote {
    /// When, nanoseconds since the epoch (wall clock).
    pub ts: u64,
    /// Who wrote it.
    pub author: String,
    /// What they wrote (plain text; never rendered as HTML).
    pub text: String,
}

/// Alerts that tell one story: one attacker (or a coordinated group) against
/// a set of victims over a time window, possibly through several ATT&CK
/// stages. Every alert belongs to exactly one incident.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Store-assigned id (0 before storing).
    pub id: i64,
    /// Tenant (operator) whose assets are the victims; empty on a single site.
    #[serde(default)]
    pub tenant: String,
    /// One line naming what happened (from its most severe alerts).
    pub title: String,
    /// Attacking addresses, sorted.
    pub attackers: Vec<String>,
    /// Attacked addresses, sorted.
    pub victims: Vec<String>,
    /// ATT&CK technique ids seen, sorted.
    pub techniques: Vec<String>,
    /// Kill-chain stages reached, in the order of the chain
    /// (`reconnaissance`, `initial_access`, `credential_access`, `execution`,
    /// `lateral_movement`, `command_and_control`, `exfiltration`, `impact` ...).
    pub stages: Vec<String>,
    /// Severity score, 0 to 100: alert severity × asset criticality × stage reached.
    pub severity: f64,
    /// Grade per GB/T 20986.
    pub grade: Grade,
    /// Category code per GB/T 20986 (e.g. `network_attack/scanning`).
    pub category: String,
    /// Handling state.
    pub status: IncidentStatus,
    /// Who handles it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Analysts' notes, oldest first.
    #[serde(default)]
    pub notes: Vec<IncidentNote>,
    /// First alert, nanoseconds since the epoch.
    pub first_seen: u64,
    /// Last alert, nanoseconds since the epoch.
    pub last_seen: u64,
    /// Alerts in it.
    pub alert_count: u64,
    /// Highest criticality among its victims (1..5).
    #[serde(default)]
    pub max_criticality: u8,
    /// Whether a victim is critical information infrastructure (关键信息基础设施).
    #[serde(default)]
    pub cii: bool,
    /// Ids of stored incidents found to be part of this one and folded into
    /// it (their alerts now belong here; the ids no longer exist): a
    /// compromise seen only after the victim's own attacks were stored as
    /// an incident of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<i64>,
}
