//! A posture chart as a standalone SVG: the index over time on the level
//! bands, the forecast dashed, and marked moments (an attack's start and
//! end). Plain SVG with no script or external font, so that a report file
//! shows it offline.

use std::fmt::Write;

use taishi_core::domain::{Level, PosturePoint};

/// A moment to mark on the time axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Seconds since the epoch.
    pub at: u64,
    /// Text beside the line.
    pub label: String,
}

const W: f64 = 900.0;
const H: f64 = 320.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 32.0;
const BOTTOM: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `HH:MM` UTC of a time in seconds.
fn hhmm(secs: u64) -> String {
    let day = secs % 86_400;
    format!("{:02}:{:02}", day / 3600, day % 3600 / 60)
}

/// The chart of `series` (measured) and `forecast`, with the bands of
/// `thresholds` and `marks`, titled `title`; level names in `lang`.
pub fn svg(
    title: &str,
    series: &[PosturePoint],
    forecast: &[PosturePoint],
    thresholds: &[f64; 4],
    marks: &[Mark],
    lang: &str,
) -> String {
    let all = || series.iter().chain(forecast);
    let t0 = all().map(|p| p.bucket).min().unwrap_or(0);
    let t1 = all()
        .map(|p| p.bucket + p.width)
        .max()
        .unwrap_or(t0 + 1)
        .max(t0 + 1);
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |t: u64| LEFT + (t.saturating_sub(t0)) as f64 / (t1 - t0) as f64 * pw;
    let y = |v: f64| TOP + (1.0 - v.clamp(0.0, 100.0) / 100.0) * ph;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(
        s,
        r#"<rect width="{W}" height="{H}" fill="white"/><text x="{LEFT}" y="18" font-size="13" font-weight="bold">{}</text>"#,
        esc(title)
    );
    // Level bands, bottom (green) to top (red).
    let edges = [
        0.0,
        thresholds[0],
        thresholds[1],
        thresholds[2],
        thresholds[3],
        100.0,
    ];
    let levels = [
        Level::Green,
        Level::Blue,
        Level::Yellow,
        Level::Orange,
        Level::Red,
    ];
    for (i, level) in levels.iter().enumerate() {
        let (lo, hi) = (edges[i], edges[i + 1]);
        if hi <= lo {
            continue;
        }
        let _ = write!(
            s,
            r#"<rect x="{LEFT}" y="{:.1}" width="{pw}" height="{:.1}" fill="{}" fill-opacity="0.13"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="{}" font-size="10">{}</text>"#,
            y(hi),
            y(lo) - y(hi),
            level.colour(),
            W - RIGHT - 4.0,
            y(hi) + 12.0,
            level.colour(),
            esc(level.label(lang))
        );
    }
    // Axes and ticks.
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#444"/><line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#444"/>"##,
        TOP + ph,
        TOP + ph,
        LEFT + pw,
        TOP + ph
    );
    for v in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"#,
            LEFT - 6.0,
            y(v) + 4.0
        );
    }
    let ticks = 8u64;
    let step = ((t1 - t0) / ticks).max(60);
    let step = step - step % 60;
    let mut t = t0 - t0 % step.max(1) + step;
    while t < t1 && step > 0 {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#444"/><text x="{0:.1}" y="{3:.1}" text-anchor="middle">{4}</text>"##,
            x(t),
            TOP + ph,
            TOP + ph + 4.0,
            TOP + ph + 16.0,
            hhmm(t)
        );
        t += step;
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">UTC</text>"#,
        LEFT + pw / 2.0,
        H - 6.0
    );
    for (i, m) in marks.iter().enumerate() {
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2:.1}" stroke="#000" stroke-dasharray="2,3"/><text x="{3:.1}" y="{4:.1}">{5}</text>"##,
            x(m.at),
            TOP,
            TOP + ph,
            x(m.at) + 3.0,
            // Staggered, so that marks close in time stay readable.
            TOP + 12.0 + 13.0 * (i % 3) as f64,
            esc(&m.label)
        );
    }
    // The index at the middle of each bucket.
    let line = |pts: &[PosturePoint]| -> String {
        pts.iter()
            .map(|p| format!("{:.1},{:.1}", x(p.bucket + p.width / 2), y(p.index)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = write!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#111" stroke-width="2"/>"##,
        line(series)
    );
    if !forecast.is_empty() {
        let joined: Vec<PosturePoint> =
            series.last().into_iter().chain(forecast).cloned().collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#111" stroke-width="1.5" stroke-dasharray="5,4"/>"##,
            line(&joined)
        );
    }
    for p in series {
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"##,
            x(p.bucket + p.width / 2),
            y(p.index),
            p.level.colour()
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_core::domain::{Scope, ScopeKind};

    #[test]
    fn draws_points_bands_and_escaped_marks() {
        let p = |b: u64, index: f64, forecast: bool| PosturePoint {
            scope: Scope {
                kind: ScopeKind::Organisation,
                key: String::new(),
            },
            bucket: b,
            width: 300,
            index,
            level: crate::posture::level_of(index, &[10.0, 30.0, 55.0, 80.0]),
            forecast,
        };
        let out = svg(
            "t <1>",
            &[p(0, 0.0, false), p(300, 90.0, false)],
            &[p(600, 40.0, true)],
            &[10.0, 30.0, 55.0, 80.0],
            &[Mark {
                at: 300,
                label: "attack & co".into(),
            }],
            "en",
        );
        assert!(out.starts_with("<svg") && out.ends_with("</svg>\n"));
        assert_eq!(out.matches("<circle").count(), 2);
        assert_eq!(out.matches("<polyline").count(), 2);
        assert!(out.contains("attack &amp; co") && out.contains("t &lt;1&gt;"));
        assert!(out.contains(Level::Red.colour()));
    }
}
