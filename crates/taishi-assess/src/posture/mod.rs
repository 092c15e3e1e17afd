//! Posture: the hierarchical threat index, its level, trend and forecast.
//!
//! The model (docs/posture.md has the formulas and references) follows the
//! hierarchical threat evaluation of Chen Xiuzhen et al. (软件学报 2006):
//! the threat to a service is the severity-weighted frequency of the
//! attacks on it; a host sums its services (and the alerts against it that
//! name no port), weighted by the host's importance (criticality, CII); a
//! zone sums its hosts, an organisation its zones. Unlike the paper, the
//! weights are not normalised: an attack on one PLC must show at the
//! organisation level however many quiet hosts the organisation has.
//!
//! Each bucket's new threat is added to the previous bucket's, decayed by a
//! half-life, so the level rises with an attack and falls back after it.
//! Raw threat maps to a 0..100 index by a saturating function and the index
//! to a level (green, blue, yellow, orange, red) by thresholds.
//!
//! Every figure is a sum of weighed alert groups ([`model`]), so every
//! figure can be explained by the incidents, hosts and services it came
//! from ([`explain`]). [`trend`] says where the index is going;
//! [`forecast`] projects it, with its back-tested error.

pub mod explain;
pub mod forecast;
pub mod model;
pub mod plot;
mod run;
pub mod series;
pub mod trend;

use serde::{Deserialize, Serialize};
use taishi_core::domain::Level;

pub use explain::{Contribution, Explanation};
pub use forecast::{
    BacktestError, Forecast, Method, Params, backtest, backtest_seasonal, forecast,
    forecast_seasonal,
};
pub use run::{OrganisationStatus, PostureReport, Summary, compute, explain_at, summary};
pub use trend::{Direction, Trend};

/// Settings of the posture model (`posture:` in the configuration file).
/// Every default is explained in docs/posture.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PostureConfig {
    /// Bucket length in seconds (default 300: five minutes, short enough to
    /// see an attack start, long enough that a bucket holds a few alerts).
    pub bucket_secs: u64,
    /// Buckets to forecast (default 12: the next hour).
    pub horizon: usize,
    /// Half-life of a bucket's threat, in buckets (default 1: an attack's
    /// weight halves every bucket after it ends, so a red level is back to
    /// blue within four or five buckets).
    pub half_life_buckets: f64,
    /// Index thresholds of blue, yellow, orange and red (default 10, 30,
    /// 55, 80).
    pub thresholds: [f64; 4],
    /// Raw threat `k` that reads as index 63 (default 20: one high-severity
    /// alert on an average asset reads 39, yellow).
    pub saturation: f64,
    /// Weight of an alert of severity 1, 2, 3, 4 (default 10, 5, 2, 1).
    pub severity_weights: [f64; 4],
    /// Factor on the host weight of critical information infrastructure
    /// (default 1.5).
    pub cii_bonus: f64,
    /// Factor on alerts between an asset and a peer its registry record
    /// authorises (default 0.05: an HMI writing to its PLC is most likely
    /// operations, and one such write reads green; it still counts, as an
    /// authorised peer can be the compromised one).
    pub authorised_peer_factor: f64,
    /// Buckets the trend looks back over (default 12: an hour).
    pub trend_buckets: usize,
    /// Change in index over the trend window that counts as rising or
    /// falling (default 5 points).
    pub trend_threshold: f64,
    /// Contributors listed per kind in an explanation (default 5).
    pub explain_top: usize,
    /// The present, seconds since the epoch, when known (the end of the
    /// analysed traffic, or now on a live sensor): series end there. Without
    /// it they end when the last attack has faded. Not read from the
    /// configuration file.
    #[serde(skip)]
    pub until: Option<u64>,
}

impl Default for PostureConfig {
    fn default() -> Self {
        PostureConfig {
            bucket_secs: 300,
            horizon: 12,
            half_life_buckets: 1.0,
            thresholds: [10.0, 30.0, 55.0, 80.0],
            saturation: 20.0,
            severity_weights: [10.0, 5.0, 2.0, 1.0],
            cii_bonus: 1.5,
            authorised_peer_factor: 0.05,
            trend_buckets: 12,
            trend_threshold: 5.0,
            explain_top: 5,
            until: None,
        }
    }
}

impl PostureConfig {
    /// Buckets in a day, when the bucket divides the day (the season of
    /// Holt-Winters); `None` otherwise.
    pub fn daily_season(&self) -> Option<usize> {
        let w = self.bucket_secs.max(1);
        (86_400 % w == 0 && w < 86_400).then(|| (86_400 / w) as usize)
    }
}

/// The level an index maps to: green below `thresholds[0]`, blue below
/// `thresholds[1]`, yellow below `thresholds[2]`, orange below
/// `thresholds[3]`, red at or above it. A non-number reads green.
pub fn level_of(index: f64, thresholds: &[f64; 4]) -> Level {
    let [blue, yellow, orange, red] = *thresholds;
    if index.is_nan() || index < blue {
        Level::Green
    } else if index < yellow {
        Level::Blue
    } else if index < orange {
        Level::Yellow
    } else if index < red {
        Level::Orange
    } else {
        Level::Red
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AssetIndex;
    use taishi_core::domain::{Asset, Incident};

    #[test]
    fn levels_follow_thresholds() {
        let t = PostureConfig::default().thresholds;
        let got: Vec<Level> = [
            0.0,
            9.99,
            10.0,
            29.9,
            30.0,
            54.9,
            55.0,
            79.9,
            80.0,
            100.0,
            f64::NAN,
        ]
        .iter()
        .map(|&i| level_of(i, &t))
        .collect();
        use Level::*;
        assert_eq!(
            got,
            [
                Green, Green, Blue, Blue, Yellow, Yellow, Orange, Orange, Red, Red, Green
            ]
        );
    }

    #[test]
    fn config_reads_partial_yaml_and_refuses_unknown_keys() {
        let c: PostureConfig =
            serde_yaml::from_str("bucket_secs: 60\nhorizon: 24\n").expect("yaml");
        assert_eq!(
            (c.bucket_secs, c.horizon, c.half_life_buckets),
            (60, 24, 1.0)
        );
        assert_eq!(c.daily_season(), Some(1440));
        assert!(serde_yaml::from_str::<PostureConfig>("bucket: 60\n").is_err());
    }

    /// The calibration the defaults are chosen for (docs/posture.md).
    #[test]
    fn a_low_alert_on_a_workstation_is_green_a_brute_force_on_a_cii_plc_is_red() {
        let cfg = PostureConfig::default();
        let assets = AssetIndex::new(vec![
            Asset {
                address: "10.10.2.0/24".into(),
                criticality: 2,
                zone: "IT".into(),
                ..Asset::default()
            },
            Asset {
                address: "10.20.0.12".into(),
                criticality: 5,
                cii: true,
                zone: "OT".into(),
                ..Asset::default()
            },
        ]);
        let index_of = |alerts: &[taishi_core::domain::AlertRow], incidents: &[Incident]| {
            let atoms = model::atoms(alerts, &model::IncidentInfo::new(incidents), &assets, &cfg);
            let (pts, _) = series::points(&atoms, &cfg, None, None);
            pts.iter()
                .filter(|p| p.scope.kind == taishi_core::domain::ScopeKind::Organisation)
                .map(|p| p.index)
                .fold(0.0, f64::max)
        };
        let low = model::tests::alert(1000, "203.0.113.1", "10.10.2.8", Some(80), 3);
        let i = index_of(&[low], &[]);
        assert_eq!(level_of(i, &cfg.thresholds), Level::Green, "{i}");
        // hydra against the PLC's SSH: one behavioural brute-force alert
        // (severity 1) and a few rule hits, in a credential-access incident.
        let mut brute = vec![model::tests::alert(
            1000,
            "203.0.113.1",
            "10.20.0.12",
            Some(22),
            1,
        )];
        brute[0].sid = 3_000_201;
        brute[0].gid = 3;
        for k in 0..3 {
            brute.push(model::tests::alert(
                1001 + k,
                "203.0.113.1",
                "10.20.0.12",
                Some(22),
                2,
            ));
        }
        for a in &mut brute {
            a.incident_id = Some(1);
        }
        let inc = Incident {
            id: 1,
            stages: vec!["reconnaissance".into(), "credential_access".into()],
            ..Incident::default()
        };
        let i = index_of(&brute, &[inc]);
        assert!(level_of(i, &cfg.thresholds) >= Level::Orange, "{i}");
    }
}
