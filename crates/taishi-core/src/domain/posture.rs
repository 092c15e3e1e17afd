//! Posture: the threat index of a scope over time, and its warning level.

use serde::{Deserialize, Serialize};

/// Warning level: green (normal) and the four warning colours.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Normal.
    #[default]
    Green,
    /// 蓝色 — general threat.
    Blue,
    /// 黄色 — elevated.
    Yellow,
    /// 橙色 — serious.
    Orange,
    /// 红色 — severe.
    Red,
}

impl Level {
    /// The CSS colour the console and reports paint the level in.
    pub fn colour(self) -> &'static str {
        match self {
            Level::Green => "#2e7d32",
            Level::Blue => "#1565c0",
            Level::Yellow => "#f9a825",
            Level::Orange => "#ef6c00",
            Level::Red => "#c62828",
        }
    }

    /// The label in Chinese (`zh`) or English (anything else).
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "zh") {
            (Level::Green, true) => "绿色（正常）",
            (Level::Blue, true) => "蓝色",
            (Level::Yellow, true) => "黄色",
            (Level::Orange, true) => "橙色",
            (Level::Red, true) => "红色",
            (Level::Green, false) => "Green (normal)",
            (Level::Blue, false) => "Blue",
            (Level::Yellow, false) => "Yellow",
            (Level::Orange, false) => "Orange",
            (Level::Red, false) => "Red",
        }
    }
}

/// Which layer of the hierarchy a posture figure is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One service: `host:port/transport`.
    Service,
    /// One host address.
    Host,
    /// A zone or network (`OT`, `DMZ`, `10.0.1.0/24`).
    Zone,
    /// The whole organisation (tenant), or a sector for a regulator.
    Organisation,
}

/// A node of the posture hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// Layer.
    pub kind: ScopeKind,
    /// Key within the layer (`10.0.0.5:502/TCP`, `10.0.0.5`, `OT`, tenant name or `""`).
    pub key: String,
}

/// The posture of one scope in one time bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PosturePoint {
    /// What it is the posture of.
    pub scope: Scope,
    /// Bucket start, seconds since the epoch.
    pub bucket: u64,
    /// Bucket length in seconds.
    pub width: u64,
    /// Threat index, 0 to 100.
    pub index: f64,
    /// Level the index maps to.
    pub level: Level,
    /// Whether this is a forecast rather than a measurement.
    #[serde(default)]
    pub forecast: bool,
}
