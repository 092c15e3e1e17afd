//! The posture of the demo site over an hour of quiet, ten minutes of
//! attacks and another hour of quiet, plotted to
//! docs/img/posture-example.svg, with the figures docs/posture.md quotes:
//! the series, the bucket the level rose in and the one it returned in,
//! the peak's explanation, and the forecast's back-test error on this
//! series and on a synthetic week with a daily rhythm.
//!
//! `cargo run -p taishi-assess --example posture_plot [OUT.svg]`

mod data;

use std::path::Path;

use taishi_assess::posture::{
    self, PostureConfig, backtest, backtest_seasonal, compute, plot, summary,
};
use taishi_core::domain::{Level, Scope, ScopeKind};

fn hhmm(secs: u64) -> String {
    let day = secs % 86_400;
    format!("{:02}:{:02}", day / 3600, day % 3600 / 60)
}

/// A week of 5-minute buckets: a daily rhythm (quiet nights, busier office
/// hours), noise, and a few attacks that decay, clamped to 0..100.
fn synthetic_week() -> Vec<f64> {
    let m = 288;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut noise = move || {
        // xorshift64*: a fixed, dependency-free noise source.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut attack: f64 = 0.0;
    (0..7 * m)
        .map(|i| {
            let phase = (i % m) as f64 / m as f64 * std::f64::consts::TAU;
            let rhythm = 12.0 - 9.0 * phase.cos();
            attack *= 0.5;
            if [400, 1100, 1650].contains(&i) {
                attack += 60.0;
            }
            (rhythm + 4.0 * noise() + attack).clamp(0.0, 100.0)
        })
        .collect()
}

fn main() {
    let ex = data::load();
    let config = PostureConfig::default();
    let report = compute(&ex.store, &ex.assets, &config).expect("compute");
    println!(
        "computed: {} alerts, {} points, buckets {} to {}",
        report.alerts_read,
        report.points_written,
        report.first_bucket.map_or_else(String::new, hhmm),
        report.last_bucket.map_or_else(String::new, hhmm)
    );
    let org = Scope {
        kind: ScopeKind::Organisation,
        key: String::new(),
    };
    let s = summary(&ex.store, &ex.assets, &config, &org).expect("summary");
    println!(
        "attack {} to {} (labels)",
        hhmm(ex.attack_start),
        hhmm(ex.attack_end)
    );
    println!("| bucket | index | level | top incident or signature (share) |");
    println!("|---|---|---|---|");
    for p in &s.series {
        let e = ex_explain(&ex, &config, p.bucket);
        println!(
            "| {} | {:.1} | {} | {} |",
            hhmm(p.bucket),
            p.index,
            p.level.label("en"),
            e
        );
    }
    let rose = s
        .series
        .iter()
        .find(|p| p.level >= Level::Yellow)
        .map(|p| hhmm(p.bucket));
    let peak = s.peak.clone().expect("a peak");
    let back = s
        .series
        .iter()
        .filter(|p| p.bucket > peak.bucket && p.level <= Level::Blue)
        .map(|p| hhmm(p.bucket))
        .next();
    println!(
        "rose to yellow or above in {rose:?}; peak {:.1} ({}) at {}; back to blue or green in {back:?}",
        peak.index,
        peak.level.label("en"),
        hhmm(peak.bucket)
    );
    if let Some(e) = &s.peak_explanation {
        println!("peak explanation (raw {:.1}):", e.raw);
        for (kind, list) in [
            ("incident", &e.incidents),
            ("host", &e.hosts),
            ("service", &e.services),
        ] {
            for c in list {
                println!(
                    "  {kind} {} {:?}: {:.0}% ({} alerts)",
                    c.key,
                    c.label,
                    c.share * 100.0,
                    c.alerts
                );
            }
        }
    }
    println!(
        "now: {} {:.1}, trend {:?} ({:+.1} over {} buckets), previous level {}",
        s.level.label("en"),
        s.index,
        s.trend.direction,
        s.trend.change,
        s.trend.buckets,
        s.previous_level.label("en")
    );
    println!("backtest on this series: {}", fmt_bt(&s.backtest));
    let week = synthetic_week();
    println!(
        "synthetic week, Holt:         {}",
        fmt_bt(&backtest(&week, config.horizon))
    );
    println!(
        "synthetic week, Holt-Winters: {}",
        fmt_bt(&backtest_seasonal(
            &week,
            config.horizon,
            config.daily_season()
        ))
    );

    let marks = [
        plot::Mark {
            at: ex.attack_start,
            label: "attacks start".into(),
        },
        plot::Mark {
            at: ex.attack_end,
            label: "attacks end".into(),
        },
    ];
    let svg = plot::svg(
        "Demo site: organisation posture index (5-minute buckets)",
        &s.series,
        &[],
        &config.thresholds,
        &marks,
        "en",
    );
    let out = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/img/posture-example.svg"),
        Into::into,
    );
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).expect("docs/img");
    }
    std::fs::write(&out, svg).expect("write the SVG");
    println!("wrote {}", out.display());
}

fn ex_explain(ex: &data::Example, config: &PostureConfig, bucket: u64) -> String {
    let org = Scope {
        kind: ScopeKind::Organisation,
        key: String::new(),
    };
    match posture::explain_at(&ex.store, &ex.assets, config, &org, bucket) {
        Ok(e) => e
            .incidents
            .first()
            .map(|c| format!("{} ({:.0}%)", c.label, c.share * 100.0))
            .unwrap_or_default(),
        Err(e) => format!("error: {e}"),
    }
}

fn fmt_bt(b: &posture::BacktestError) -> String {
    let f = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.2}"));
    format!(
        "{:?}, {} origins, {} samples: MAE {} RMSE {} (1-step MAE {} RMSE {}, at h={} MAE {}), naive MAE {}",
        b.method,
        b.origins,
        b.samples,
        f(b.mae),
        f(b.rmse),
        f(b.mae_one_step),
        f(b.rmse_one_step),
        b.horizon,
        f(b.mae_at_horizon),
        f(b.naive_mae)
    )
}
