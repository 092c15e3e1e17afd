//! The Markdown report: the HTML report's sections as tables; the series
//! the charts draw become tables too, since Markdown has no charts.

use std::fmt::Write as _;

use super::escape::markdown as esc;
use super::labels::{self as t, L};
use super::table::{self as tables, Cell, Table, num};
use super::{Lang, ReportData};

/// A table, every cell escaped here.
fn table(o: &mut String, t: &Table) {
    o.push('|');
    for (h, _) in &t.head {
        let _ = write!(o, " {} |", esc(h));
    }
    o.push_str("\n|");
    for (_, n) in &t.head {
        o.push_str(if *n { " ---: |" } else { " --- |" });
    }
    o.push('\n');
    for r in &t.rows {
        o.push('|');
        for c in r {
            let _ = write!(o, " {} |", esc(c.text()));
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
        (Some(l), Some(i)) => format!("{} ({})", l.label(lang.code()), num(i)),
        _ => "-".into(),
    }
}

/// A table section: title, whether it has no rows, what to say then, its table.
type Section = (L, bool, L, fn(&ReportData, Lang) -> Table);

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
    if let Some(line) = t::tenant_line(d.tenant.as_deref(), lang) {
        para(&mut o, &esc(&line));
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
    let kv = |k: L, v: String| vec![Cell::Text(k.get(lang).to_owned()), Cell::Text(v)];
    let summary = Table {
        head: vec![(t::FIGURE.get(lang), false), (t::VALUE.get(lang), false)],
        rows: vec![
            kv(t::LEVEL, level_text(p.level, p.index, lang)),
            kv(
                t::PREVIOUS,
                level_text(p.previous_level, p.previous_index, lang),
            ),
            kv(
                t::CHANGE,
                p.change.map_or_else(|| "-".into(), |c| format!("{c:+.1}")),
            ),
            kv(t::PEAK, level_text(p.peak_level, p.peak_index, lang)),
            kv(t::ALERTS, d.totals.alerts.to_string()),
            kv(t::PREVIOUS_ALERTS, d.totals.previous_alerts.to_string()),
            kv(t::INCIDENTS, d.totals.incidents.to_string()),
            kv(t::FLOWS, d.totals.flows.to_string()),
            kv(t::ATTACKERS, d.totals.attackers.to_string()),
            kv(t::VICTIMS, d.totals.victims.to_string()),
        ],
    };
    if p.level.is_none() {
        para(&mut o, &format!("_{}_", esc(t::NO_POSTURE.get(lang))));
    }
    table(&mut o, &summary);
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

    // Markdown has no charts: the series the HTML chart draws is a table.
    h2(&mut o, t::TREND, lang);
    if d.series.is_empty() {
        para(&mut o, &format!("_{}_", esc(t::NO_SERIES.get(lang))));
    } else {
        table(&mut o, &tables::series(d, lang));
    }
    let sections: [Section; 5] = [
        (
            t::TOP_INCIDENTS,
            d.incidents.is_empty(),
            t::NO_INCIDENTS,
            tables::incidents,
        ),
        (
            t::ATTACKED_ASSETS,
            d.attacked_assets.is_empty(),
            t::NONE_SEEN,
            tables::attacked_assets,
        ),
        (
            t::TOP_ATTACKERS,
            d.attackers.is_empty(),
            t::NONE_SEEN,
            tables::attackers,
        ),
        (
            t::INDUSTRIAL,
            d.industrial.protocols.is_empty(),
            t::NO_INDUSTRIAL,
            tables::industrial,
        ),
        (
            t::EXPOSURE,
            d.exposure.is_empty(),
            t::NO_EXPOSURE,
            tables::exposure,
        ),
    ];
    for (title, none, none_text, make) in sections {
        h2(&mut o, title, lang);
        if none {
            para(&mut o, &format!("_{}_", esc(none_text.get(lang))));
        } else {
            table(&mut o, &make(d, lang));
        }
        if title.0 == t::INDUSTRIAL.0 && !d.industrial.writes.is_empty() {
            let _ = write!(
                o,
                "### {} ({} {} / {})\n\n",
                esc(t::RECENT_WRITES.get(lang)),
                esc(t::SHOWN_OF.get(lang)),
                d.industrial.writes.len(),
                d.industrial.writes_total
            );
            table(&mut o, &tables::writes(d, lang));
        }
    }

    h2(&mut o, t::ALERT_STATS, lang);
    let _ = write!(o, "### {}\n\n", esc(t::BY_CATEGORY.get(lang)));
    table(&mut o, &tables::categories(d, lang));
    let _ = write!(o, "### {}\n\n", esc(t::BY_SEVERITY.get(lang)));
    table(&mut o, &tables::severities(d, lang));

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
