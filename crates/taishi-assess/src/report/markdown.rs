//! The Markdown report: the HTML report's sections as tables; the series
//! the charts draw become tables too, since Markdown has no charts.

use std::fmt::Write as _;

use super::escape::markdown as esc;
use super::labels::{self as t, L};
use super::{Lang, ReportData};

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1}")
    } else {
        "-".into()
    }
}

/// A table whose cells are already escaped; `true` right-aligns a column.
fn table(o: &mut String, head: &[(&str, bool)], rows: &[Vec<String>]) {
    o.push('|');
    for (h, _) in head {
        let _ = write!(o, " {} |", esc(h));
    }
    o.push_str("\n|");
    for (_, n) in head {
        o.push_str(if *n { " ---: |" } else { " --- |" });
    }
    o.push('\n');
    for r in rows {
        o.push('|');
        for c in r {
            let _ = write!(o, " {c} |");
        }
        o.push('\n');
    }
    o.push('\n');
}

fn h2(o: &mut String, title: L, lang: Lang) {
    let _ = write!(o, "## {}\n\n", esc(title.get(lang)));
}

fn para(o: &mut String, text: &str) {
    let _ = write!(o, "{text}\n\n");
}

fn list(items: &[String]) -> String {
    esc(&items.join(", "))
}

fn level_text(level: Option<taishi_core::domain::Level>, index: Option<f64>, lang: Lang) -> String {
    match (level, index) {
        (Some(l), Some(i)) => format!("{} ({})", esc(l.label(lang.code())), num(i)),
        _ => "-".into(),
    }
}

/// The whole Markdown document.
pub fn render(d: &ReportData, lang: Lang) -> String {
    let mut o = String::with_capacity(32 * 1024);
    let title = d
        .title
        .clone()
        .unwrap_or_else(|| t::TITLE.get(lang).to_owned());
    let _ = write!(o, "# {}\n\n", esc(&title));
    if let Some(org) = &d.organisation {
        para(&mut o, &esc(org));
    }
    para(
        &mut o,
        &format!(
            "{}: {} — {} ({}){}  \n{}: {} · {}",
            esc(t::PERIOD.get(lang)),
            t::time(d.period.start),
            t::time(d.period.end),
            esc(&t::duration(d.period.secs, lang)),
            if d.period.from_data {
                format!(" · {}", esc(t::PERIOD_FROM_DATA.get(lang)))
            } else {
                String::new()
            },
            esc(t::GENERATED.get(lang)),
            t::time(d.generated_at),
            esc(t::ALL_TIMES_UTC.get(lang)),
        ),
    );
    if d.empty {
        para(&mut o, &format!("**{}**", esc(t::NOTHING.get(lang))));
        return o;
    }

    let p = &d.posture;
    h2(&mut o, t::SUMMARY, lang);
    let rows = vec![
        vec![esc(t::LEVEL.get(lang)), level_text(p.level, p.index, lang)],
        vec![
            esc(t::PREVIOUS.get(lang)),
            level_text(p.previous_level, p.previous_index, lang),
        ],
        vec![
            esc(t::CHANGE.get(lang)),
            p.change.map_or_else(|| "-".into(), |c| format!("{c:+.1}")),
        ],
        vec![
            esc(t::PEAK.get(lang)),
            level_text(p.peak_level, p.peak_index, lang),
        ],
        vec![esc(t::ALERTS.get(lang)), d.totals.alerts.to_string()],
        vec![
            esc(t::PREVIOUS_ALERTS.get(lang)),
            d.totals.previous_alerts.to_string(),
        ],
        vec![esc(t::INCIDENTS.get(lang)), d.totals.incidents.to_string()],
        vec![esc(t::FLOWS.get(lang)), d.totals.flows.to_string()],
        vec![esc(t::ATTACKERS.get(lang)), d.totals.attackers.to_string()],
        vec![esc(t::VICTIMS.get(lang)), d.totals.victims.to_string()],
    ];
    if p.level.is_none() {
        para(&mut o, &format!("_{}_", esc(t::NO_POSTURE.get(lang))));
    }
    table(&mut o, &[("", false), ("", false)], &rows);
    if d.totals.alerts_analysed < d.totals.alerts {
        para(
            &mut o,
            &format!(
                "_{} {} / {}_",
                esc(t::CAPPED.get(lang)),
                d.totals.alerts_analysed,
                d.totals.alerts
            ),
        );
    }

    h2(&mut o, t::TREND, lang);
    if d.series.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NO_SERIES.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = d
            .series
            .iter()
            .map(|s| {
                vec![
                    t::time(s.bucket.saturating_mul(1_000_000_000)),
                    num(s.index),
                    esc(s.level.label(lang.code())),
                    esc(if s.forecast {
                        t::FORECAST.get(lang)
                    } else {
                        t::MEASURED.get(lang)
                    }),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::BUCKET.get(lang), false),
                (t::INDEX.get(lang), true),
                (t::LEVEL.get(lang), false),
                ("", false),
            ],
            &rows,
        );
    }

    h2(&mut o, t::TOP_INCIDENTS, lang);
    if d.incidents.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NO_INCIDENTS.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = d
            .incidents
            .iter()
            .map(|i| {
                vec![
                    i.id.to_string(),
                    esc(&i.title),
                    esc(i.grade.label(lang.code())),
                    esc(&t::category(&i.category, lang)),
                    num(i.severity),
                    esc(&i
                        .stages
                        .iter()
                        .map(|s| t::stage(s, lang))
                        .collect::<Vec<_>>()
                        .join(" → ")),
                    list(&i.attackers),
                    list(&i.victims),
                    list(&i.techniques),
                    i.alert_count.to_string(),
                    esc(t::status(i.status, lang)),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::ID.get(lang), true),
                (t::TITLE_COL.get(lang), false),
                (t::GRADE.get(lang), false),
                (t::CATEGORY.get(lang), false),
                (t::SEVERITY.get(lang), true),
                (t::STAGES.get(lang), false),
                (t::ATTACKERS.get(lang), false),
                (t::VICTIMS.get(lang), false),
                (t::TECHNIQUES.get(lang), false),
                (t::ALERTS.get(lang), true),
                (t::STATUS.get(lang), false),
            ],
            &rows,
        );
    }

    h2(&mut o, t::ATTACKED_ASSETS, lang);
    if d.attacked_assets.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NONE_SEEN.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = d
            .attacked_assets
            .iter()
            .map(|a| {
                vec![
                    esc(&a.address),
                    esc(&a.name),
                    esc(&a.role),
                    esc(&a.zone),
                    a.criticality.to_string(),
                    if a.cii { "✔".into() } else { String::new() },
                    a.alerts.to_string(),
                    num(a.score),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::ADDRESS.get(lang), false),
                (t::NAME.get(lang), false),
                (t::ROLE.get(lang), false),
                (t::ZONE.get(lang), false),
                (t::CRITICALITY.get(lang), true),
                (t::CII.get(lang), false),
                (t::ALERTS.get(lang), true),
                (t::SCORE.get(lang), true),
            ],
            &rows,
        );
    }

    h2(&mut o, t::TOP_ATTACKERS, lang);
    if d.attackers.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NONE_SEEN.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = d
            .attackers
            .iter()
            .map(|a| {
                vec![
                    esc(&a.address),
                    esc(&a.name),
                    a.alerts.to_string(),
                    a.victims.to_string(),
                    esc(t::severity(&a.max_severity.to_string(), lang)),
                    list(&a.techniques),
                    num(a.score),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::ADDRESS.get(lang), false),
                (t::NAME.get(lang), false),
                (t::ALERTS.get(lang), true),
                (t::VICTIMS.get(lang), true),
                (t::MAX_SEVERITY.get(lang), false),
                (t::TECHNIQUES.get(lang), false),
                (t::SCORE.get(lang), true),
            ],
            &rows,
        );
    }

    h2(&mut o, t::INDUSTRIAL, lang);
    let ind = &d.industrial;
    if ind.protocols.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NO_INDUSTRIAL.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = ind
            .protocols
            .iter()
            .map(|p| {
                vec![
                    esc(&p.protocol),
                    p.flows.to_string(),
                    esc(&t::bytes(p.bytes)),
                    p.events.to_string(),
                    p.clients.to_string(),
                    p.writes.to_string(),
                    esc(&p
                        .functions
                        .iter()
                        .map(|f| format!("{} ×{}", f.key, f.count))
                        .collect::<Vec<_>>()
                        .join(", ")),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::PROTOCOL.get(lang), false),
                (t::FLOWS.get(lang), true),
                (t::BYTES.get(lang), true),
                (t::RECORDS.get(lang), true),
                (t::CLIENTS.get(lang), true),
                (t::WRITES.get(lang), true),
                (t::FUNCTIONS.get(lang), false),
            ],
            &rows,
        );
        if !ind.writes.is_empty() {
            let _ = write!(
                o,
                "### {} ({} {} / {})\n\n",
                esc(t::RECENT_WRITES.get(lang)),
                esc(t::SHOWN_OF.get(lang)),
                ind.writes.len(),
                ind.writes_total
            );
            let rows: Vec<Vec<String>> = ind
                .writes
                .iter()
                .map(|w| {
                    vec![
                        t::time(w.ts),
                        esc(&w.protocol),
                        esc(&w.src),
                        if w.dest_name.is_empty() {
                            esc(&w.dest)
                        } else {
                            esc(&format!("{} ({})", w.dest_name, w.dest))
                        },
                        esc(&w.function),
                        esc(&w.detail),
                    ]
                })
                .collect();
            table(
                &mut o,
                &[
                    (t::TIME.get(lang), false),
                    (t::PROTOCOL.get(lang), false),
                    (t::SOURCE.get(lang), false),
                    (t::DEVICE.get(lang), false),
                    (t::FUNCTION.get(lang), false),
                    (t::DETAIL.get(lang), false),
                ],
                &rows,
            );
        }
    }

    h2(&mut o, t::EXPOSURE, lang);
    if d.exposure.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NO_EXPOSURE.get(lang))));
    } else {
        let rows: Vec<Vec<String>> = d
            .exposure
            .iter()
            .map(|e| {
                vec![
                    esc(&e.address),
                    esc(&e.name),
                    e.criticality.to_string(),
                    format!("{:.1}", e.max_cvss),
                    esc(&e
                        .vulns
                        .iter()
                        .map(|v| format!("{} ({:.1}, {})", v.id, v.cvss, v.software))
                        .collect::<Vec<_>>()
                        .join("; ")),
                ]
            })
            .collect();
        table(
            &mut o,
            &[
                (t::ADDRESS.get(lang), false),
                (t::NAME.get(lang), false),
                (t::CRITICALITY.get(lang), true),
                (t::MAX_CVSS.get(lang), true),
                (t::VULNS.get(lang), false),
            ],
            &rows,
        );
    }

    h2(&mut o, t::ALERT_STATS, lang);
    let _ = write!(o, "### {}\n\n", esc(t::BY_CATEGORY.get(lang)));
    let rows: Vec<Vec<String>> = d
        .alert_categories
        .iter()
        .map(|c| vec![esc(&c.key), c.count.to_string()])
        .collect();
    table(
        &mut o,
        &[(t::CATEGORY.get(lang), false), (t::COUNT.get(lang), true)],
        &rows,
    );
    let _ = write!(o, "### {}\n\n", esc(t::BY_SEVERITY.get(lang)));
    let rows: Vec<Vec<String>> = d
        .alert_severities
        .iter()
        .map(|c| vec![esc(t::severity(&c.key, lang)), c.count.to_string()])
        .collect();
    table(
        &mut o,
        &[(t::SEVERITY.get(lang), false), (t::COUNT.get(lang), true)],
        &rows,
    );

    h2(&mut o, t::RECOMMENDATIONS, lang);
    if d.recommendations.is_empty() {
        para(
            &mut o,
            &format!("_{}_", esc(t::NO_RECOMMENDATIONS.get(lang))),
        );
    }
    for (n, r) in d.recommendations.iter().enumerate() {
        let _ = writeln!(
            o,
            "{}. **\\[{}\\] {}**",
            n + 1,
            esc(t::priority(r.priority, lang)),
            esc(&r.title)
        );
        for a in &r.actions {
            let _ = writeln!(o, "    - {}", esc(a));
        }
        if !r.incidents.is_empty() {
            let _ = writeln!(
                o,
                "    - {}: {}",
                esc(t::FROM_INCIDENTS.get(lang)),
                esc(&r
                    .incidents
                    .iter()
                    .map(|i| format!("#{i}"))
                    .collect::<Vec<_>>()
                    .join(", "))
            );
        }
        if !r.assets.is_empty() {
            let _ = writeln!(
                o,
                "    - {}: {}",
                esc(t::CONCERNS.get(lang)),
                list(&r.assets)
            );
        }
        if !r.sources.is_empty() {
            let _ = writeln!(
                o,
                "    - {}: {}",
                esc(t::SOURCES.get(lang)),
                list(&r.sources)
            );
        }
    }
    o.push('\n');
    o
}
