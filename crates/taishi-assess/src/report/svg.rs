//! Small inline SVG charts for the HTML report: a line chart of the threat
//! index with its forecast and level bands, horizontal bar charts, and a
//! level gauge.
//!
//! Hand-written rather than a plotting crate: the report needs three
//! chart shapes, must stand alone (no script, no font files), and every
//! label must go through the report's one escape function. Each function
//! returns one `<svg>` element with a `viewBox` and no fixed pixel size,
//! so the chart scales with the page (screen or A4).

use std::fmt::Write as _;

use taishi_core::domain::Level;

use super::SeriesPoint;
use super::escape::html as esc;
use super::labels;

/// Levels from green to red, in index order.
const LEVELS: [Level; 5] = [
    Level::Green,
    Level::Blue,
    Level::Yellow,
    Level::Orange,
    Level::Red,
];

/// Longest bar label drawn, in characters: longer ones are cut with an
/// ellipsis so that the bars keep their room.
const MAX_BAR_LABEL: usize = 34;

/// A finite number in `lo..=hi` (NaN and infinities read `lo`): figures
/// from the store must never produce an unparseable attribute.
fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_finite() { v.clamp(lo, hi) } else { lo }
}

/// The lower index bound of each level from the posture thresholds
/// (blue, yellow, orange, red).
fn band_bounds(thresholds: &[f64; 4]) -> [(Level, f64, f64); 5] {
    let t = thresholds.map(|x| clamp(x, 0.0, 100.0));
    [
        (Level::Green, 0.0, t[0]),
        (Level::Blue, t[0], t[1]),
        (Level::Yellow, t[1], t[2]),
        (Level::Orange, t[2], t[3]),
        (Level::Red, t[3], 100.0),
    ]
}

/// Texts the line chart needs, already in the report's language.
pub struct LineLabels<'a> {
    /// Legend of the measured line.
    pub measured: &'a str,
    /// Legend of the forecast line.
    pub forecast: &'a str,
    /// Shown instead of a chart when there are no points.
    pub empty: &'a str,
    /// Level names, green to red (for the band captions).
    pub levels: [&'a str; 5],
}

/// The threat index over time: level bands behind, the measured series as
/// a solid line with points in their level colour, the forecast dashed.
pub fn line_chart(points: &[SeriesPoint], thresholds: &[f64; 4], l: &LineLabels<'_>) -> String {
    const W: f64 = 1000.0;
    const H: f64 = 320.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 110.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 50.0;
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        esc(l.measured)
    );
    let y_of = |v: f64| TOP + ph * (1.0 - clamp(v, 0.0, 100.0) / 100.0);
    for (i, (level, lo, hi)) in band_bounds(thresholds).into_iter().enumerate() {
        if hi <= lo {
            continue;
        }
        let _ = write!(
            s,
            r#"<rect class="band" x="{LEFT}" y="{:.1}" width="{pw}" height="{:.1}" fill="{}" fill-opacity="0.13"/>"#,
            y_of(hi),
            y_of(lo) - y_of(hi),
            level.colour()
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" fill="{}">{}</text>"#,
            LEFT + pw + 6.0,
            (y_of(hi) + y_of(lo)) / 2.0 + 4.0,
            level.colour(),
            esc(l.levels.get(i).copied().unwrap_or(""))
        );
    }
    // Y axis: 0, 25, 50, 75, 100.
    for v in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = y_of(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#999" stroke-width="0.5" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#555">{v}</text>"##,
            LEFT + pw,
            LEFT - 6.0,
            y + 4.0
        );
    }
    if points.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="18" text-anchor="middle" fill="#555">{}</text></svg>"##,
            LEFT + pw / 2.0,
            TOP + ph / 2.0,
            esc(l.empty)
        );
        return s;
    }
    let first = points.iter().map(|p| p.bucket).min().unwrap_or(0);
    let last = points.iter().map(|p| p.bucket).max().unwrap_or(first);
    let span = (last.saturating_sub(first)).max(1) as f64;
    let x_of = |b: u64| LEFT + pw * (b.saturating_sub(first) as f64 / span);
    // X axis: up to 6 time ticks.
    let ticks = 6u64;
    for k in 0..=ticks {
        let b = first + (last.saturating_sub(first)) * k / ticks;
        let x = x_of(b);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#555" stroke-width="1"/><text x="{x:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#555">{}</text>"##,
            TOP + ph,
            TOP + ph + 5.0,
            TOP + ph + 20.0,
            esc(&labels::short_time(b))
        );
    }
    let measured: Vec<&SeriesPoint> = points.iter().filter(|p| !p.forecast).collect();
    let forecast: Vec<&SeriesPoint> = points.iter().filter(|p| p.forecast).collect();
    let path = |pts: &[&SeriesPoint]| -> String {
        let mut d = String::new();
        for (i, p) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if i == 0 { "M" } else { "L" },
                x_of(p.bucket),
                y_of(p.index)
            );
        }
        d.trim_end().to_owned()
    };
    if !measured.is_empty() {
        let _ = write!(
            s,
            r##"<path class="measured" d="{}" fill="none" stroke="#263238" stroke-width="2"/>"##,
            path(&measured)
        );
    }
    if !forecast.is_empty() {
        // The forecast starts from the last measured point, so the dashes
        // continue the line rather than float beside it.
        let mut f: Vec<&SeriesPoint> = measured.last().copied().into_iter().collect();
        f.extend(forecast.iter().copied());
        let _ = write!(
            s,
            r##"<path class="forecast" d="{}" fill="none" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="7 5"/>"##,
            path(&f)
        );
    }
    // Points in their level colour, when there are few enough to see.
    if measured.len() <= 120 {
        for p in &measured {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"/>"#,
                x_of(p.bucket),
                y_of(p.index),
                p.level.colour()
            );
        }
    }
    // Legend.
    let ly = H - 12.0;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="#263238" stroke-width="2"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#333">{}</text><line x1="{:.1}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="7 5"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#333">{}</text>"##,
        LEFT + 30.0,
        LEFT + 36.0,
        ly + 4.0,
        esc(l.measured),
        LEFT + 160.0,
        LEFT + 190.0,
        LEFT + 196.0,
        ly + 4.0,
        esc(l.forecast)
    );
    s.push_str("</svg>");
    s
}

/// One bar of [`bar_chart`].
pub struct Bar {
    /// Label on the left.
    pub label: String,
    /// Length.
    pub value: f64,
    /// Text after the bar (the value as the reader should see it).
    pub text: String,
    /// Fill colour (a CSS colour from this crate, never from the store).
    pub colour: &'static str,
}

/// Horizontal bars, longest first as given, scaled to the largest value.
pub fn bar_chart(bars: &[Bar], empty: &str) -> String {
    const W: f64 = 640.0;
    const ROW: f64 = 26.0;
    const LABEL_W: f64 = 250.0;
    const VALUE_W: f64 = 90.0;
    let h = (bars.len().max(1) as f64) * ROW + 10.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" viewBox="0 0 {W} {h}" role="img">"#
    );
    if bars.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="22" font-size="14" text-anchor="middle" fill="#555">{}</text></svg>"##,
            W / 2.0,
            esc(empty)
        );
        return s;
    }
    let max = bars
        .iter()
        .map(|b| clamp(b.value, 0.0, f64::MAX))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let bar_w = W - LABEL_W - VALUE_W;
    for (i, b) in bars.iter().enumerate() {
        let y = 5.0 + i as f64 * ROW;
        let len = (clamp(b.value, 0.0, f64::MAX) / max * bar_w).max(1.0);
        let label: String = if b.label.chars().count() > MAX_BAR_LABEL {
            let mut t: String = b.label.chars().take(MAX_BAR_LABEL - 1).collect();
            t.push('…');
            t
        } else {
            b.label.clone()
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end" fill="#222">{}</text><rect x="{LABEL_W}" y="{:.1}" width="{len:.1}" height="{:.1}" fill="{}" rx="2"/><text x="{:.1}" y="{:.1}" font-size="13" fill="#222">{}</text>"##,
            LABEL_W - 8.0,
            y + ROW / 2.0 + 3.0,
            esc(&label),
            y + 3.0,
            ROW - 8.0,
            b.colour,
            LABEL_W + len + 6.0,
            y + ROW / 2.0 + 3.0,
            esc(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// A half-circle gauge of the index 0..100 with the level bands as arcs,
/// a needle at `index` and the level's name in its colour.
pub fn gauge(
    level: Option<Level>,
    index: Option<f64>,
    thresholds: &[f64; 4],
    caption: &str,
) -> String {
    const W: f64 = 240.0;
    const H: f64 = 150.0;
    const CX: f64 = 120.0;
    const CY: f64 = 120.0;
    const R: f64 = 90.0;
    let point = |v: f64| {
        let a = std::f64::consts::PI * (1.0 - clamp(v, 0.0, 100.0) / 100.0);
        (CX + R * a.cos(), CY - R * a.sin())
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart gauge" viewBox="0 0 {W} {H}" role="img">"#
    );
    for (lvl, lo, hi) in band_bounds(thresholds) {
        if hi <= lo {
            continue;
        }
        let (x0, y0) = point(lo);
        let (x1, y1) = point(hi);
        let _ = write!(
            s,
            r#"<path d="M{x0:.1},{y0:.1} A{R},{R} 0 0 1 {x1:.1},{y1:.1}" fill="none" stroke="{}" stroke-width="18"/>"#,
            lvl.colour()
        );
    }
    let colour = level.map_or("#757575", Level::colour);
    if let Some(v) = index {
        let (x, y) = point(v);
        let _ = write!(
            s,
            r##"<line x1="{CX}" y1="{CY}" x2="{x:.1}" y2="{y:.1}" stroke="#212121" stroke-width="4" stroke-linecap="round"/><circle cx="{CX}" cy="{CY}" r="7" fill="#212121"/>"##
        );
    }
    let _ = write!(
        s,
        r#"<text x="{CX}" y="{:.1}" font-size="20" font-weight="bold" text-anchor="middle" fill="{colour}">{}</text></svg>"#,
        CY + 26.0,
        esc(caption)
    );
    s
}

/// A CSS colour for each level, green to red, for callers that colour
/// bars by level.
pub fn level_colours() -> [&'static str; 5] {
    LEVELS.map(Level::colour)
}
