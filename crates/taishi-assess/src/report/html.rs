//! The HTML report: one file, inline CSS and SVG, no script.

use std::fmt::Write as _;

use taishi_core::domain::Level;

use super::escape::html as esc;
use super::labels::{self as t, L};
use super::svg::{self, Bar, LineLabels};
use super::table::{self as tables, Cell, Table, num};
use super::{Lang, ReportData};

/// Page style: screen and A4 print. Fonts are the reader's own (CJK
/// families named first for Chinese), so the file needs no font file.
const CSS: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --rule: #d9dee3; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: var(--ink);
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 40px; background: #fff; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 18px; padding-bottom: 10px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 26px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 14px 0 6px; }
.meta { color: var(--muted); margin: 2px 0; }
.summary { display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
.gauge { width: 240px; flex: none; }
.kpis { display: grid; grid-template-columns: repeat(4, minmax(120px, 1fr)); gap: 10px; flex: 1; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 10px; }
.kpi .v { font-size: 22px; font-weight: bold; }
.kpi .k { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; color: #fff; border-radius: 4px; padding: 1px 8px; font-weight: bold; white-space: nowrap; }
.badge.yellow { color: #1f2933; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart { width: 100%; height: auto; display: block; }
.bars { max-width: 760px; }
.empty, .note { color: var(--muted); font-style: italic; }
.nothing { font-size: 18px; padding: 30px 0; text-align: center; color: var(--muted); }
ol.recs > li { margin-bottom: 12px; }
ol.recs ul { margin: 4px 0; }
.prio { font-size: 12px; border: 1px solid currentColor; border-radius: 3px; padding: 0 4px; margin-right: 6px; }
.p1 { color: #c62828; } .p2 { color: #ef6c00; } .p3 { color: #1565c0; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; }
footer { margin-top: 30px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 6px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid; }
  .kpis { grid-template-columns: repeat(4, 1fr); }
}
"#;

/// Level names, green to red, in `lang`.
fn level_names(lang: Lang) -> [&'static str; 5] {
    [
        Level::Green,
        Level::Blue,
        Level::Yellow,
        Level::Orange,
        Level::Red,
    ]
    .map(|l| l.label(lang.code()))
}

/// A level badge in its colour.
fn badge(level: Level, lang: Lang) -> String {
    let class = if level == Level::Yellow {
        " yellow"
    } else {
        ""
    };
    format!(
        r#"<span class="badge{class}" style="background:{}">{}</span>"#,
        level.colour(),
        esc(level.label(lang.code()))
    )
}

/// A table, every cell escaped here.
fn table(out: &mut String, t: &Table) {
    let class = |n: bool| if n { r#" class="n""# } else { "" };
    out.push_str("<table><thead><tr>");
    for (h, n) in &t.head {
        let _ = write!(out, "<th{}>{}</th>", class(*n), esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let n = class(t.head.get(i).is_some_and(|h| h.1));
            let _ = match c {
                Cell::Text(s) => write!(out, "<td{n}>{}</td>", esc(s)),
                Cell::Code(s) => write!(out, "<td{n}><code>{}</code></td>", esc(s)),
            };
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn h2(out: &mut String, id: &str, title: L, lang: Lang) {
    let _ = write!(
        out,
        r#"<section id="{id}"><h2>{}</h2>"#,
        esc(title.get(lang))
    );
}

fn empty(out: &mut String, text: L, lang: Lang) {
    let _ = write!(out, r#"<p class="empty">{}</p>"#, esc(text.get(lang)));
}

fn list(items: &[String]) -> String {
    esc(&items.join(", "))
}

/// A bar chart in a box of its own width.
fn bars(o: &mut String, bars: &[Bar], lang: Lang) {
    let _ = write!(
        o,
        r#"<div class="bars">{}</div>"#,
        svg::bar_chart(bars, t::NONE_SEEN.get(lang))
    );
}

/// The whole HTML document.
pub fn render(d: &ReportData, lang: Lang) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let title = d
        .title
        .clone()
        .unwrap_or_else(|| t::TITLE.get(lang).to_owned());
    let _ = write!(
        o,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><style>{CSS}</style></head><body><main>"#,
        if lang == Lang::Zh { "zh-CN" } else { "en" },
        esc(&title)
    );
    header(&mut o, d, &title, lang);
    if d.empty {
        let _ = write!(
            o,
            r#"<p class="nothing" id="nothing">{}</p>"#,
            esc(t::NOTHING.get(lang))
        );
    } else {
        summary(&mut o, d, lang);
        trend(&mut o, d, lang);
        incidents(&mut o, d, lang);
        assets(&mut o, d, lang);
        attackers(&mut o, d, lang);
        industrial(&mut o, d, lang);
        exposure(&mut o, d, lang);
        alert_stats(&mut o, d, lang);
        recommendations(&mut o, d, lang);
    }
    let _ = writeln!(
        o,
        "<footer>Taishi 态势 · {} {} · {}</footer></main></body></html>",
        esc(t::GENERATED.get(lang)),
        esc(&t::time(d.generated_at)),
        esc(t::ALL_TIMES_UTC.get(lang))
    );
    o
}

fn header(o: &mut String, d: &ReportData, title: &str, lang: Lang) {
    let _ = write!(o, "<header><h1>{}</h1>", esc(title));
    if let Some(org) = &d.organisation {
        let _ = write!(o, r#"<p class="meta org">{}</p>"#, esc(org));
    }
    if let Some(line) = t::tenant_line(d.tenant.as_deref(), lang) {
        let _ = write!(o, r#"<p class="meta tenant">{}</p>"#, esc(&line));
    }
    let _ = write!(
        o,
        r#"<p class="meta">{}: {} — {} ({}){}</p></header>"#,
        esc(t::PERIOD.get(lang)),
        esc(&t::time(d.period.start)),
        esc(&t::time(d.period.end)),
        esc(&t::duration(d.period.secs, lang)),
        if d.period.from_data {
            format!(" · {}", esc(t::PERIOD_FROM_DATA.get(lang)))
        } else {
            String::new()
        }
    );
}

fn summary(o: &mut String, d: &ReportData, lang: Lang) {
    let p = &d.posture;
    h2(o, "summary", t::SUMMARY, lang);
    let caption = match (p.level, p.index) {
        (Some(l), Some(i)) => format!("{} {}", l.label(lang.code()), num(i)),
        _ => t::NO_POSTURE.get(lang).to_owned(),
    };
    o.push_str(r#"<div class="summary"><div class="gauge">"#);
    o.push_str(&svg::gauge(p.level, p.index, &p.thresholds, &caption));
    o.push_str(r#"</div><div class="kpis">"#);
    let mut kpi = |k: L, v: String| {
        let _ = write!(
            o,
            r#"<div class="kpi"><div class="v">{v}</div><div class="k">{}</div></div>"#,
            esc(k.get(lang))
        );
    };
    kpi(
        t::LEVEL,
        p.level.map_or_else(|| "-".into(), |l| badge(l, lang)),
    );
    kpi(t::INDEX, p.index.map_or_else(|| "-".into(), num));
    kpi(
        t::PREVIOUS,
        match (p.previous_level, p.previous_index) {
            (Some(l), Some(i)) => format!("{} {}", badge(l, lang), num(i)),
            _ => "-".into(),
        },
    );
    kpi(
        t::CHANGE,
        p.change.map_or_else(
            || "-".into(),
            |c| {
                format!(
                    "{}{}",
                    if c > 0.0 {
                        "▲ +"
                    } else if c < 0.0 {
                        "▼ "
                    } else {
                        ""
                    },
                    num(c)
                )
            },
        ),
    );
    kpi(
        t::PEAK,
        match (p.peak_level, p.peak_index) {
            (Some(l), Some(i)) => format!("{} {}", badge(l, lang), num(i)),
            _ => "-".into(),
        },
    );
    kpi(t::ALERTS, d.totals.alerts.to_string());
    kpi(t::PREVIOUS_ALERTS, d.totals.previous_alerts.to_string());
    kpi(t::INCIDENTS, d.totals.incidents.to_string());
    kpi(t::FLOWS, d.totals.flows.to_string());
    kpi(t::ATTACKERS, d.totals.attackers.to_string());
    kpi(t::VICTIMS, d.totals.victims.to_string());
    o.push_str("</div></div>");
    if d.totals.alerts_analysed < d.totals.alerts {
        let _ = write!(
            o,
            r#"<p class="note">{} {} / {}</p>"#,
            esc(t::CAPPED.get(lang)),
            d.totals.alerts_analysed,
            d.totals.alerts
        );
    }
    o.push_str("</section>");
}

fn trend(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "trend", t::TREND, lang);
    o.push_str(&svg::line_chart(
        &d.series,
        &d.posture.thresholds,
        &LineLabels {
            measured: t::MEASURED.get(lang),
            forecast: t::FORECAST.get(lang),
            empty: t::NO_SERIES.get(lang),
            levels: level_names(lang),
        },
    ));
    o.push_str("</section>");
}

fn incidents(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "incidents", t::TOP_INCIDENTS, lang);
    if d.incidents.is_empty() {
        empty(o, t::NO_INCIDENTS, lang);
    } else {
        table(o, &tables::incidents(d, lang));
    }
    o.push_str("</section>");
}

fn crit_colour(c: u8) -> &'static str {
    match c {
        5 => Level::Red.colour(),
        4 => Level::Orange.colour(),
        3 => Level::Yellow.colour(),
        2 => Level::Blue.colour(),
        _ => "#90a4ae",
    }
}

fn assets(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "assets", t::ATTACKED_ASSETS, lang);
    let chart: Vec<Bar> = d
        .attacked_assets
        .iter()
        .map(|a| Bar {
            label: tables::named(&a.name, &a.address),
            value: a.score,
            text: num(a.score),
            colour: crit_colour(a.criticality),
        })
        .collect();
    bars(o, &chart, lang);
    if !d.attacked_assets.is_empty() {
        table(o, &tables::attacked_assets(d, lang));
    }
    o.push_str("</section>");
}

fn sev_colour(sev: u8) -> &'static str {
    match sev {
        1 => Level::Red.colour(),
        2 => Level::Orange.colour(),
        3 => Level::Yellow.colour(),
        _ => Level::Blue.colour(),
    }
}

fn attackers(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "attackers", t::TOP_ATTACKERS, lang);
    let chart: Vec<Bar> = d
        .attackers
        .iter()
        .map(|a| Bar {
            label: tables::named(&a.name, &a.address),
            value: a.score,
            text: format!("{} · {}", a.alerts, num(a.score)),
            colour: sev_colour(a.max_severity),
        })
        .collect();
    bars(o, &chart, lang);
    if !d.attackers.is_empty() {
        table(o, &tables::attackers(d, lang));
    }
    o.push_str("</section>");
}

fn industrial(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "industrial", t::INDUSTRIAL, lang);
    let ind = &d.industrial;
    if ind.protocols.is_empty() {
        empty(o, t::NO_INDUSTRIAL, lang);
    } else {
        table(o, &tables::industrial(d, lang));
    }
    if !ind.writes.is_empty() {
        let _ = write!(
            o,
            "<h3>{} ({} {} / {})</h3>",
            esc(t::RECENT_WRITES.get(lang)),
            esc(t::SHOWN_OF.get(lang)),
            ind.writes.len(),
            ind.writes_total
        );
        table(o, &tables::writes(d, lang));
    }
    o.push_str("</section>");
}

fn exposure(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "exposure", t::EXPOSURE, lang);
    if d.exposure.is_empty() {
        empty(o, t::NO_EXPOSURE, lang);
    } else {
        table(o, &tables::exposure(d, lang));
    }
    o.push_str("</section>");
}

fn alert_stats(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "alerts", t::ALERT_STATS, lang);
    let _ = write!(o, "<h3>{}</h3>", esc(t::BY_CATEGORY.get(lang)));
    let chart: Vec<Bar> = d
        .alert_categories
        .iter()
        .map(|c| Bar {
            label: c.key.clone(),
            value: c.count as f64,
            text: c.count.to_string(),
            colour: "#455a64",
        })
        .collect();
    bars(o, &chart, lang);
    let _ = write!(o, "<h3>{}</h3>", esc(t::BY_SEVERITY.get(lang)));
    table(o, &tables::severities(d, lang));
    o.push_str("</section>");
}

fn recommendations(o: &mut String, d: &ReportData, lang: Lang) {
    h2(o, "recommendations", t::RECOMMENDATIONS, lang);
    if d.recommendations.is_empty() {
        empty(o, t::NO_RECOMMENDATIONS, lang);
        o.push_str("</section>");
        return;
    }
    o.push_str(r#"<ol class="recs">"#);
    for r in &d.recommendations {
        let _ = write!(
            o,
            r#"<li><strong><span class="prio p{}">{}</span>{}</strong><ul>"#,
            r.priority.clamp(1, 3),
            esc(t::priority(r.priority, lang)),
            esc(&r.title)
        );
        for a in &r.actions {
            let _ = write!(o, "<li>{}</li>", esc(a));
        }
        o.push_str("</ul>");
        let mut from = Vec::new();
        if !r.incidents.is_empty() {
            from.push(format!(
                "{}: {}",
                esc(t::FROM_INCIDENTS.get(lang)),
                esc(&r
                    .incidents
                    .iter()
                    .map(|i| format!("#{i}"))
                    .collect::<Vec<_>>()
                    .join(", "))
            ));
        }
        if !r.assets.is_empty() {
            from.push(format!(
                "{}: {}",
                esc(t::CONCERNS.get(lang)),
                list(&r.assets)
            ));
        }
        if !r.sources.is_empty() {
            from.push(format!(
                "{}: {}",
                esc(t::SOURCES.get(lang)),
                list(&r.sources)
            ));
        }
        if !from.is_empty() {
            let _ = write!(o, r#"<p class="meta">{}</p>"#, from.join(" · "));
        }
        o.push_str("</li>");
    }
    o.push_str("</ol></section>");
}
