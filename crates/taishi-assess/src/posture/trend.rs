//! Where the index is going: the least-squares slope over recent buckets.

use serde::{Deserialize, Serialize};

/// Direction of the recent index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Up by more than the threshold over the window.
    Rising,
    /// Within the threshold.
    #[default]
    Steady,
    /// Down by more than the threshold.
    Falling,
}

impl Direction {
    /// The label in Chinese (`zh`) or English (anything else).
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "zh") {
            (Direction::Rising, true) => "上升",
            (Direction::Steady, true) => "平稳",
            (Direction::Falling, true) => "下降",
            (Direction::Rising, false) => "rising",
            (Direction::Steady, false) => "steady",
            (Direction::Falling, false) => "falling",
        }
    }
}

/// The trend of a series over its last buckets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Rising, steady or falling.
    pub direction: Direction,
    /// Least-squares slope, index points per bucket.
    pub slope: f64,
    /// The slope over the window (slope × (buckets − 1)): the change the
    /// fitted line makes, compared with the threshold.
    pub change: f64,
    /// Buckets the window held.
    pub buckets: usize,
}

/// The trend of the last `window` values of `series`: rising when the
/// fitted line climbs more than `threshold` index points across the
/// window, falling when it drops more, else steady. A least-squares line
/// rather than last-minus-first, so that one spiky bucket at either end
/// does not decide the direction.
pub fn trend(series: &[f64], window: usize, threshold: f64) -> Trend {
    let tail = series
        .get(series.len().saturating_sub(window.max(2))..)
        .unwrap_or(&[]);
    let n = tail.len();
    if n < 2 {
        return Trend {
            buckets: n,
            ..Trend::default()
        };
    }
    let nf = n as f64;
    let mean_x = (nf - 1.0) / 2.0;
    let mean_y = tail.iter().sum::<f64>() / nf;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in tail.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let slope = if slope.is_finite() { slope } else { 0.0 };
    let change = slope * (nf - 1.0);
    let direction = if change > threshold {
        Direction::Rising
    } else if change < -threshold {
        Direction::Falling
    } else {
        Direction::Steady
    };
    Trend {
        direction,
        slope,
        change,
        buckets: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions() {
        let up: Vec<f64> = (0..12).map(|i| i as f64 * 2.0).collect();
        let t = trend(&up, 12, 5.0);
        assert_eq!(t.direction, Direction::Rising);
        assert!((t.slope - 2.0).abs() < 1e-9 && (t.change - 22.0).abs() < 1e-9);
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert_eq!(trend(&down, 12, 5.0).direction, Direction::Falling);
        let flat = [20.0, 21.0, 19.0, 20.0, 20.5, 19.5];
        assert_eq!(trend(&flat, 12, 5.0).direction, Direction::Steady);
        // Only the window counts: an old rise followed by a flat hour.
        let mut old = up.clone();
        old.extend([22.0; 12]);
        assert_eq!(trend(&old, 12, 5.0).direction, Direction::Steady);
        assert_eq!(trend(&[], 12, 5.0).buckets, 0);
        assert_eq!(trend(&[f64::NAN, 1.0], 12, 5.0).slope, 0.0);
        assert_eq!(Direction::Rising.label("zh"), "上升");
    }
}
