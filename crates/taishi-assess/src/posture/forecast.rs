//! Projection: the next buckets of a posture series by exponential
//! smoothing, and the measured error of doing so.
//!
//! Holt's linear method with a damped trend (Gardner & McKenzie 1985) is the
//! default: a posture index is mean-reverting (attacks end), so an undamped
//! trend would extrapolate every rising edge to 100. With at least two
//! seasons of history and a season given (a day of buckets), the additive
//! Holt-Winters method adds the daily rhythm (office hours, nightly
//! back-ups). Parameters are chosen on a grid by the smallest sum of squared
//! one-step-ahead errors on the history: a grid rather than a local optimiser
//! because the error surface of short, spiky series has flat regions and
//! several minima, and a few thousand runs over a few thousand points cost
//! milliseconds.

use serde::{Deserialize, Serialize};

/// Fewest points a fit is attempted on; below it the forecast is flat
/// (the last value), as two or three points say nothing about a trend.
const MIN_FIT_POINTS: usize = 4;
/// History beyond this many points is not used for fitting: two weeks of
/// 5-minute buckets is plenty to fit three parameters, and it bounds the
/// cost of the grid search on a long-lived site.
const MAX_FIT_POINTS: usize = 4032;

const ALPHAS: [f64; 19] = [
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
    0.9, 0.95,
];
const BETAS: [f64; 8] = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];
const PHIS: [f64; 5] = [0.8, 0.9, 0.95, 0.98, 1.0];
/// Holt-Winters has a third parameter, so its grid is coarser.
const HW_ALPHAS: [f64; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const HW_BETAS: [f64; 4] = [0.0, 0.02, 0.05, 0.1];
const HW_GAMMAS: [f64; 5] = [0.05, 0.1, 0.2, 0.3, 0.5];
const HW_PHIS: [f64; 3] = [0.9, 0.98, 1.0];

/// Which method produced a forecast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Too little history: the last value carried forward.
    #[default]
    Naive,
    /// Holt's linear method with a damped trend.
    Holt,
    /// Additive Holt-Winters with a damped trend and a season.
    HoltWinters,
}

/// Smoothing parameters of a fitted model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Level smoothing, 0..1.
    pub alpha: f64,
    /// Trend smoothing, 0..1.
    pub beta: f64,
    /// Season smoothing, 0..1 (0 without a season).
    pub gamma: f64,
    /// Trend damping, 0..1 (1: undamped).
    pub phi: f64,
    /// Season length in points (0: none).
    pub season: usize,
}

/// The projected next points of a series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Method used.
    pub method: Method,
    /// Its fitted parameters.
    pub params: Params,
    /// Forecast values for the next `horizon` points, clamped to 0..100.
    pub values: Vec<f64>,
    /// Root mean square of the one-step-ahead errors on the history (the
    /// fit criterion; `None` when nothing was fitted).
    pub fit_rmse: Option<f64>,
}

/// Measured error of the forecast on the held-out tail of a history
/// (rolling origin: parameters fitted on the part before the tail, then a
/// forecast from every point of the tail, compared with what followed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BacktestError {
    /// Method used.
    pub method: Method,
    /// Longest lead time evaluated (the forecast horizon).
    pub horizon: usize,
    /// Forecast origins in the held-out tail.
    pub origins: usize,
    /// (origin, lead time) pairs compared, all lead times pooled.
    pub samples: usize,
    /// Mean absolute error over lead times 1..=horizon, in index points.
    pub mae: Option<f64>,
    /// Root mean square error over lead times 1..=horizon.
    pub rmse: Option<f64>,
    /// Mean absolute error one step ahead.
    pub mae_one_step: Option<f64>,
    /// Root mean square error one step ahead.
    pub rmse_one_step: Option<f64>,
    /// Mean absolute error at exactly `horizon` steps ahead.
    pub mae_at_horizon: Option<f64>,
    /// Mean absolute error of the naive forecast (last value carried
    /// forward) on the same pairs: the forecast is worth showing only when
    /// it beats this.
    pub naive_mae: Option<f64>,
}

/// Smoother state after a run over a history.
#[derive(Clone, Debug)]
struct State {
    level: f64,
    trend: f64,
    /// Seasonal terms, indexed by position modulo the season.
    seasonal: Vec<f64>,
    /// Points consumed (the index of the next point).
    t: usize,
}

fn damp_sum(phi: f64, k: usize) -> f64 {
    // phi + phi^2 + ... + phi^k: the damped trend's total contribution.
    let mut sum = 0.0;
    let mut p = 1.0;
    for _ in 0..k {
        p *= phi;
        sum += p;
    }
    sum
}

impl Params {
    fn seasonal(&self) -> bool {
        self.season > 1
    }

    /// Fewest points this model can start on.
    fn min_points(&self) -> usize {
        if self.seasonal() { 2 * self.season } else { 2 }
    }

    /// Runs the smoother over `y`; the final state and the sum of squared
    /// one-step errors after the initialisation period.
    fn run(&self, y: &[f64]) -> Option<(State, f64)> {
        if y.len() < self.min_points() {
            return None;
        }
        let (mut st, start) = if self.seasonal() {
            let m = self.season;
            let first = y.get(..m)?;
            let second = y.get(m..2 * m)?;
            let mean1 = first.iter().sum::<f64>() / m as f64;
            let mean2 = second.iter().sum::<f64>() / m as f64;
            let seasonal = first.iter().map(|v| v - mean1).collect();
            (
                State {
                    level: mean1,
                    trend: (mean2 - mean1) / m as f64,
                    seasonal,
                    t: m,
                },
                m,
            )
        } else {
            let y0 = *y.first()?;
            let y1 = *y.get(1)?;
            (
                State {
                    level: y0,
                    trend: y1 - y0,
                    seasonal: Vec::new(),
                    t: 1,
                },
                1,
            )
        };
        let mut sse = 0.0;
        for &v in y.get(start..)? {
            let s_idx = if self.seasonal() {
                st.t % self.season
            } else {
                0
            };
            let s = st.seasonal.get(s_idx).copied().unwrap_or(0.0);
            let pred = st.level + self.phi * st.trend + s;
            let err = v - pred;
            sse += err * err;
            let prev_level = st.level;
            st.level =
                self.alpha * (v - s) + (1.0 - self.alpha) * (prev_level + self.phi * st.trend);
            st.trend =
                self.beta * (st.level - prev_level) + (1.0 - self.beta) * self.phi * st.trend;
            if let Some(slot) = st.seasonal.get_mut(s_idx) {
                *slot = self.gamma * (v - st.level) + (1.0 - self.gamma) * *slot;
            }
            st.t += 1;
        }
        Some((st, sse))
    }

    /// The forecast `k` (≥ 1) steps after the state, clamped to 0..100.
    fn predict(&self, st: &State, k: usize) -> f64 {
        let s = if self.seasonal() {
            st.seasonal
                .get((st.t + k - 1) % self.season)
                .copied()
                .unwrap_or(0.0)
        } else {
            0.0
        };
        clamp_index(st.level + damp_sum(self.phi, k) * st.trend + s)
    }
}

fn clamp_index(v: f64) -> f64 {
    if v.is_finite() {
        v.clamp(0.0, 100.0)
    } else {
        0.0
    }
}

/// The best parameters on the grid for `y` by one-step SSE, with that SSE
/// and the number of errors it sums.
fn fit(y: &[f64], season: Option<usize>) -> Option<(Method, Params, f64, usize)> {
    let y = y.get(y.len().saturating_sub(MAX_FIT_POINTS)..)?;
    if y.len() < MIN_FIT_POINTS {
        return None;
    }
    let mut best: Option<(Method, Params, f64, usize)> = None;
    let mut consider = |method: Method, p: Params| {
        if let Some((_, sse)) = p.run(y)
            && sse.is_finite()
            && best.as_ref().is_none_or(|b| sse < b.2)
        {
            let n = y.len() - if p.seasonal() { p.season } else { 1 };
            best = Some((method, p, sse, n));
        }
    };
    // Holt is Holt-Winters without a season: one grid walk serves both.
    let (method, alphas, betas, gammas, phis, season): (_, &[f64], &[f64], &[f64], &[f64], _) =
        match season {
            Some(m) if m > 1 && y.len() >= 2 * m => (
                Method::HoltWinters,
                &HW_ALPHAS,
                &HW_BETAS,
                &HW_GAMMAS,
                &HW_PHIS,
                m,
            ),
            _ => (Method::Holt, &ALPHAS, &BETAS, &[0.0], &PHIS, 0),
        };
    for &alpha in alphas {
        for &beta in betas {
            for &gamma in gammas {
                for &phi in phis {
                    consider(
                        method,
                        Params {
                            alpha,
                            beta,
                            gamma,
                            phi,
                            season,
                        },
                    );
                }
            }
        }
    }
    best
}

/// Forecasts the next `horizon` points of `history` with damped Holt.
pub fn forecast(history: &[f64], horizon: usize) -> Forecast {
    forecast_seasonal(history, horizon, None)
}

/// Forecasts the next `horizon` points of `history`: Holt-Winters with
/// `season` points per season when the history holds at least two seasons,
/// else damped Holt; with fewer than four points, the last value carried
/// forward (0 for an empty history).
pub fn forecast_seasonal(history: &[f64], horizon: usize, season: Option<usize>) -> Forecast {
    let tail = history.get(history.len().saturating_sub(MAX_FIT_POINTS)..);
    let fitted = fit(history, season).and_then(|(method, p, sse, n)| {
        let (st, _) = p.run(tail?)?;
        Some((method, p, st, (sse / n.max(1) as f64).sqrt()))
    });
    match fitted {
        Some((method, params, st, rmse)) => Forecast {
            method,
            params,
            values: (1..=horizon).map(|k| params.predict(&st, k)).collect(),
            fit_rmse: Some(rmse),
        },
        None => {
            let last = clamp_index(history.last().copied().unwrap_or(0.0));
            Forecast {
                method: Method::Naive,
                params: Params::default(),
                values: vec![last; horizon],
                fit_rmse: None,
            }
        }
    }
}

/// Back-tests damped Holt on `history` with lead times up to `horizon`.
pub fn backtest(history: &[f64], horizon: usize) -> BacktestError {
    backtest_seasonal(history, horizon, None)
}

/// Back-tests [`forecast_seasonal`] on `history`: the last fifth of the
/// history (at least `horizon` points) is held out; parameters are fitted on
/// the rest; from every origin in the tail the model forecasts up to
/// `horizon` steps, and each forecast that has an actual value is scored.
/// With too little history the error fields are `None`.
pub fn backtest_seasonal(history: &[f64], horizon: usize, season: Option<usize>) -> BacktestError {
    let horizon = horizon.max(1);
    let n = history.len();
    let tail = (n / 5).max(horizon);
    let mut out = BacktestError {
        horizon,
        ..BacktestError::default()
    };
    let Some(train_len) = n.checked_sub(tail) else {
        return out;
    };
    let Some(train) = history.get(..train_len) else {
        return out;
    };
    let Some((method, params, _, _)) = fit(train, season) else {
        return out;
    };
    out.method = method;
    let mut all = Errors::default();
    let mut one = Errors::default();
    let mut at_h = Errors::default();
    let mut naive = Errors::default();
    for origin in train_len..n {
        let Some(known) = history.get(origin.saturating_sub(MAX_FIT_POINTS)..origin) else {
            continue;
        };
        let Some((st, _)) = params.run(known) else {
            continue;
        };
        let last = known.last().copied().unwrap_or(0.0);
        out.origins += 1;
        for k in 1..=horizon {
            let Some(&actual) = history.get(origin + k - 1) else {
                break;
            };
            let e = actual - params.predict(&st, k);
            all.add(e);
            naive.add(actual - last);
            if k == 1 {
                one.add(e);
            }
            if k == horizon {
                at_h.add(e);
            }
        }
    }
    out.samples = all.n;
    out.mae = all.mae();
    out.rmse = all.rmse();
    out.mae_one_step = one.mae();
    out.rmse_one_step = one.rmse();
    out.mae_at_horizon = at_h.mae();
    out.naive_mae = naive.mae();
    out
}

#[derive(Default)]
struct Errors {
    n: usize,
    abs: f64,
    sq: f64,
}

impl Errors {
    fn add(&mut self, e: f64) {
        self.n += 1;
        self.abs += e.abs();
        self.sq += e * e;
    }
    fn mae(&self) -> Option<f64> {
        (self.n > 0).then(|| self.abs / self.n as f64)
    }
    fn rmse(&self) -> Option<f64> {
        (self.n > 0).then(|| (self.sq / self.n as f64).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_histories_carry_the_last_value() {
        assert_eq!(forecast(&[], 3).values, [0.0; 3]);
        let f = forecast(&[5.0, 7.0], 2);
        assert_eq!(
            (f.method, f.values.as_slice()),
            (Method::Naive, &[7.0, 7.0][..])
        );
        assert!(backtest(&[1.0, 2.0], 4).mae.is_none());
    }

    #[test]
    fn a_straight_line_is_continued() {
        let y: Vec<f64> = (0..40).map(|i| 10.0 + i as f64).collect();
        let f = forecast(&y, 5);
        assert_eq!(f.method, Method::Holt);
        for (k, v) in f.values.iter().enumerate() {
            let want = 50.0 + k as f64;
            assert!((v - want).abs() < 0.5, "step {k}: {v} vs {want}");
        }
    }

    #[test]
    fn forecasts_stay_in_range() {
        let up: Vec<f64> = (0..30)
            .map(|i| i as f64 * 4.0)
            .map(|v| v.min(100.0))
            .collect();
        let down: Vec<f64> = (0..30)
            .map(|i| 90.0 - i as f64 * 5.0)
            .map(|v| v.max(0.0))
            .collect();
        for y in [up, down, vec![f64::NAN; 10]] {
            for v in forecast(&y, 24).values {
                assert!((0.0..=100.0).contains(&v), "{v}");
            }
        }
    }

    fn daily(days: usize, m: usize) -> Vec<f64> {
        // Office hours: a smooth bump in the middle of each day, plus a
        // fixed pseudo-random wobble so that the fit has noise to ignore.
        (0..days * m)
            .map(|i| {
                let phase = (i % m) as f64 / m as f64 * std::f64::consts::TAU;
                let wobble = ((i * 7919 % 13) as f64 - 6.0) * 0.3;
                20.0 - 12.0 * phase.cos() + wobble
            })
            .collect()
    }

    #[test]
    fn a_daily_season_is_learnt_with_two_days_of_history() {
        let m = 24;
        let y = daily(4, m);
        let f = forecast_seasonal(&y, m, Some(m));
        assert_eq!(f.method, Method::HoltWinters);
        let truth = daily(5, m);
        let future = truth.get(4 * m..).expect("a fifth day");
        let mae: f64 = f
            .values
            .iter()
            .zip(future)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / m as f64;
        assert!(mae < 2.5, "seasonal MAE {mae}");
        // Without the season, Holt cannot know the afternoon falls again.
        let flat = forecast(&y, m);
        let flat_mae: f64 = flat
            .values
            .iter()
            .zip(future)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / m as f64;
        assert!(flat_mae > 2.0 * mae, "holt {flat_mae} vs hw {mae}");
        let one_day = forecast_seasonal(y.get(..m + 3).expect("a day"), 4, Some(m));
        assert_eq!(one_day.method, Method::Holt);
    }

    #[test]
    fn backtest_scores_the_held_out_tail() {
        let m = 24;
        let y = daily(6, m);
        let bt = backtest_seasonal(&y, 6, Some(m));
        assert_eq!(bt.method, Method::HoltWinters);
        assert_eq!(bt.origins, y.len() / 5);
        assert!(bt.samples > 0 && bt.samples <= bt.origins * 6);
        let (mae, naive) = (bt.mae.expect("mae"), bt.naive_mae.expect("naive"));
        assert!(mae < naive, "hw {mae} should beat naive {naive}");
        assert!(bt.mae_one_step.is_some() && bt.mae_at_horizon.is_some());
        assert!(bt.rmse.expect("rmse") >= mae);
    }
}
