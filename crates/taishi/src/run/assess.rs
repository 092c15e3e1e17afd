//! `taishi assets|incidents|posture|report|assess|db`: reading and working
//! the situation held in the database.

use std::io::Write;

use anyhow::{Context, bail};
use taishi_assess::AssessConfig;
use taishi_assess::assets::AssetIndex;
use taishi_core::Store;
use taishi_core::domain::{Incident, IncidentStatus, Scope, ScopeKind};
use taishi_core::store::{AlertQuery, IncidentQuery, IncidentUpdate, Retention};
use taishi_core::time::Timestamp;

use crate::cli::{
    AssetShowArgs, AssetsCommand, AssetsImportArgs, DbArgs, DbCommand, IncidentShowArgs,
    IncidentUpdateArgs, IncidentsCommand, IncidentsListArgs, ListArgs, PostureArgs, PruneArgs,
    ReportArgs,
};

use super::db;

fn json_out(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A time as EVE prints it, for tables.
fn when(ns: u64) -> String {
    if ns == 0 {
        return "-".into();
    }
    let s = Timestamp(ns).to_string();
    // `2024-05-01T10:00:00.000000+0000` → `2024-05-01 10:00:00`
    s.get(..19).unwrap_or(&s).replacen('T', " ", 1)
}

/// `taishi assets ...`.
pub fn assets(cmd: AssetsCommand) -> anyhow::Result<()> {
    match cmd {
        AssetsCommand::Import(a) => assets_import(a),
        AssetsCommand::ImportVulns(a) => vulns_import(a),
        AssetsCommand::List(a) => assets_list(a),
        AssetsCommand::Show(a) => asset_show(a),
    }
}

fn assets_import(args: AssetsImportArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let n = db::import_assets(&store, &args.files)?;
    // Exposure and posture weights depend on the registry.
    let report = db::assess_as_of(&store, Vec::new(), None)?;
    eprintln!(
        "taishi: {n} assets imported; {} known, {} exposed",
        report.assets, report.exposed
    );
    Ok(())
}

fn vulns_import(args: AssetsImportArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let mut vulns = Vec::new();
    for f in &args.files {
        vulns.extend(taishi_assess::assets::import_vulns(f).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    store.put_vulns(&vulns)?;
    let report = db::assess_as_of(&store, Vec::new(), None)?;
    eprintln!(
        "taishi: {} vulnerabilities imported; {} of {} assets exposed",
        vulns.len(),
        report.exposed,
        report.assets
    );
    Ok(())
}

fn assets_list(args: ListArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let mut assets = store.assets()?;
    assets.sort_by(|a, b| {
        b.criticality
            .cmp(&a.criticality)
            .then_with(|| a.address.cmp(&b.address))
    });
    if let Some(n) = args.limit {
        assets.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    if args.json {
        return json_out(&assets);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<18} {:<24} {:>4} {:<4} {:<5} {:<14} {:<10} {:>5} {:>6}  last seen",
        "address", "name", "crit", "cii", "zone", "role", "origin", "svcs", "vulns"
    )?;
    for a in &assets {
        writeln!(
            out,
            "{:<18} {:<24} {:>4} {:<4} {:<5} {:<14} {:<10} {:>5} {:>6}  {}",
            a.address,
            truncate(&a.name, 24),
            a.criticality,
            if a.cii { "yes" } else { "no" },
            a.zone,
            truncate(&a.role, 14),
            format!("{:?}", a.origin).to_lowercase(),
            a.services.len(),
            a.vulns.len(),
            when(a.last_seen)
        )?;
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn asset_show(args: AssetShowArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let Some(asset) = store.asset(&args.address)? else {
        bail!("no asset {}", args.address);
    };
    if args.json {
        return json_out(&asset);
    }
    println!("{}", serde_yaml::to_string(&asset)?);
    Ok(())
}

/// `taishi incidents ...`.
pub fn incidents(cmd: IncidentsCommand) -> anyhow::Result<()> {
    match cmd {
        IncidentsCommand::List(a) => incidents_list(a),
        IncidentsCommand::Show(a) => incident_show(a),
        IncidentsCommand::Update(a) => incident_update(a),
    }
}

fn parse_status(s: &str) -> anyhow::Result<IncidentStatus> {
    IncidentStatus::parse(s).with_context(|| {
        format!(
            "--status {s}: expected new, acknowledged, investigating, resolved or false_positive"
        )
    })
}

fn incidents_list(args: IncidentsListArgs) -> anyhow::Result<()> {
    let store = db::open(&args.list.db)?;
    let q = IncidentQuery {
        status: args
            .status
            .iter()
            .map(|s| parse_status(s))
            .collect::<anyhow::Result<_>>()?,
        by_severity: args.by_severity,
        limit: args.list.limit,
        ..IncidentQuery::default()
    };
    let incidents = store.incidents(&q)?;
    if args.list.json {
        return json_out(&incidents);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>5} {:<14} {:>5} {:<22} {:>6}  {:<19}  title",
        "id", "status", "sev", "grade", "alerts", "last seen"
    )?;
    for i in &incidents {
        writeln!(
            out,
            "{:>5} {:<14} {:>5.1} {:<22} {:>6}  {:<19}  {}",
            i.id,
            i.status.as_str(),
            i.severity,
            i.grade.label("en"),
            i.alert_count,
            when(i.last_seen),
            i.title
        )?;
    }
    Ok(())
}

fn print_incident(i: &Incident) {
    println!("incident {}: {}", i.id, i.title);
    println!(
        "  status {}  severity {:.1}  grade {} / {}  category {}",
        i.status.as_str(),
        i.severity,
        i.grade.label("zh"),
        i.grade.label("en"),
        i.category
    );
    println!("  attackers  {}", i.attackers.join(", "));
    println!("  victims    {}", i.victims.join(", "));
    println!("  stages     {}", i.stages.join(" → "));
    println!("  techniques {}", i.techniques.join(", "));
    println!(
        "  seen       {} .. {} ({} alerts)",
        when(i.first_seen),
        when(i.last_seen),
        i.alert_count
    );
    if let Some(a) = &i.assignee {
        println!("  assignee   {a}");
    }
    for n in &i.notes {
        println!("  note       {} {}: {}", when(n.ts), n.author, n.text);
    }
}

fn incident_show(args: IncidentShowArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let Some(incident) = store.incident(args.id)? else {
        bail!("no incident {}", args.id);
    };
    let alerts = store.alerts(&AlertQuery {
        incident_id: Some(args.id),
        limit: Some(1000),
        ..AlertQuery::default()
    })?;
    if args.json {
        let mut v = serde_json::to_value(&incident)?;
        if let Some(obj) = v.as_object_mut() {
            let records: Vec<_> = alerts.iter().map(|a| a.record.clone()).collect();
            obj.insert("alerts".into(), serde_json::Value::Array(records));
        }
        return json_out(&v);
    }
    print_incident(&incident);
    println!("  alerts:");
    for a in &alerts {
        println!(
            "    {}  {} → {}  [{}:{}] {}",
            when(a.ts),
            a.src_ip,
            a.dest_ip,
            a.gid,
            a.sid,
            a.signature
        );
    }
    Ok(())
}

fn incident_update(args: IncidentUpdateArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let author = args
        .author
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "analyst".into());
    let update = IncidentUpdate {
        status: args.status.as_deref().map(parse_status).transpose()?,
        assignee: args.assignee,
        note: args.note.map(|t| (author, t)),
        now: Timestamp::now().0,
    };
    let Some(incident) = store.update_incident(args.id, &update)? else {
        bail!("no incident {}", args.id);
    };
    print_incident(&incident);
    Ok(())
}

fn parse_scope(s: &str) -> anyhow::Result<Scope> {
    let (kind, key) = match s.split_once(':') {
        None if s == "org" => (ScopeKind::Organisation, String::new()),
        Some(("org", k)) => (ScopeKind::Organisation, k.to_string()),
        Some(("zone", k)) => (ScopeKind::Zone, k.to_string()),
        Some(("host", k)) => (ScopeKind::Host, k.to_string()),
        Some(("service", k)) => (ScopeKind::Service, k.to_string()),
        _ => bail!(
            "--scope {s}: expected org, zone:NAME, host:ADDRESS or service:ADDRESS:PORT/PROTO"
        ),
    };
    Ok(Scope { kind, key })
}

/// `taishi posture`.
pub fn posture(args: PostureArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let scope = parse_scope(&args.scope)?;
    let index = AssetIndex::new(store.assets()?);
    let config = db::config_as_of(&store, None)?;
    let summary = taishi_assess::posture::summary(&store, &index, &config.posture, &scope)?;
    if args.json {
        return json_out(&summary);
    }
    print!("{}", posture_text(&summary));
    Ok(())
}

/// The posture for a terminal: level, index, trend, what drives it, the
/// recent series and the forecast.
fn posture_text(s: &taishi_assess::posture::Summary) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let scope = if s.scope.key.is_empty() {
        format!("{:?}", s.scope.kind).to_lowercase()
    } else {
        format!("{:?} {}", s.scope.kind, s.scope.key).to_lowercase()
    };
    let Some(as_of) = s.as_of else {
        let _ = writeln!(
            t,
            "posture of {scope}: no data yet (run `taishi analyze --db`)"
        );
        return t;
    };
    let _ = writeln!(
        t,
        "posture of {scope} at {}: {} / {}, index {:.1} (was {} / {}), trend {:?} ({:+.1} over {} buckets)",
        when(as_of * 1_000_000_000),
        s.level.label("zh"),
        s.level.label("en"),
        s.index,
        s.previous_level.label("zh"),
        s.previous_level.label("en"),
        s.trend.direction,
        s.trend.change,
        s.trend.buckets
    );
    let explain = |t: &mut String, title: &str, e: &taishi_assess::posture::Explanation| {
        for (name, list) in [
            ("incidents", &e.incidents),
            ("hosts", &e.hosts),
            ("services", &e.services),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(t, "  {title} {name}:");
            for c in list.iter().take(5) {
                let _ = writeln!(
                    t,
                    "    {:>5.1}%  {}  ({} alerts)",
                    c.share * 100.0,
                    c.label,
                    c.alerts
                );
            }
        }
    };
    explain(&mut t, "now, driven by", &s.explanation);
    if let (Some(peak), Some(e)) = (&s.peak, &s.peak_explanation) {
        let _ = writeln!(
            t,
            "peak {} at {}, index {:.1}",
            peak.level.label("en"),
            when(peak.bucket * 1_000_000_000),
            peak.index
        );
        explain(&mut t, "peak, driven by", e);
    }
    let _ = writeln!(t, "series ({} s buckets, last 12):", s.bucket_secs);
    for p in s.series.iter().rev().take(12).rev() {
        let _ = writeln!(
            t,
            "  {}  {:>5.1}  {}",
            when(p.bucket * 1_000_000_000),
            p.index,
            p.level.label("en")
        );
    }
    if !s.forecast.is_empty() {
        let err = match (s.backtest.mae, s.backtest.rmse) {
            (Some(mae), Some(rmse)) => format!(
                "back-test MAE {mae:.1}, RMSE {rmse:.1} over {} samples",
                s.backtest.samples
            ),
            _ => "too little history to back-test".to_string(),
        };
        let _ = writeln!(t, "forecast ({:?}; {err}):", s.forecast_method);
        for p in &s.forecast {
            let _ = writeln!(
                t,
                "  {}  {:>5.1}  {}",
                when(p.bucket * 1_000_000_000),
                p.index,
                p.level.label("en")
            );
        }
    }
    t
}

/// `taishi report`.
pub fn report(args: ReportArgs) -> anyhow::Result<()> {
    use taishi_assess::report::{Format, Lang, ReportOptions};
    let store = db::open(&args.db)?;
    let since_secs = taishi_core::config::parse_duration(&args.since)
        .with_context(|| format!("--since {}: expected e.g. 24h, 7d, 90m", args.since))?;
    let format = match args.format.as_str() {
        "html" => Format::Html,
        "md" | "markdown" => Format::Markdown,
        "json" => Format::Json,
        other => bail!("--format {other}: expected html, md or json"),
    };
    let lang = match args.lang.as_str() {
        "zh" => Lang::Zh,
        "en" => Lang::En,
        other => bail!("--lang {other}: expected zh or en"),
    };
    let options = ReportOptions {
        since_secs,
        until: None,
        lang,
        title: None,
        organisation: args.organisation,
        tenant: args.tenant,
        level_thresholds: AssessConfig::default().posture.thresholds,
    };
    let data = taishi_assess::report::gather(&store, &options)?;
    let text = taishi_assess::report::render(&data, format, lang);
    if args.output.as_os_str() == "-" {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        std::fs::write(&args.output, text)
            .with_context(|| format!("{}: writing the report", args.output.display()))?;
        eprintln!("taishi: report written to {}", args.output.display());
    }
    Ok(())
}

/// `taishi assess`.
pub fn assess(args: DbArgs) -> anyhow::Result<()> {
    let store = db::open(&args)?;
    let report = db::assess_as_of(&store, Vec::new(), None)?;
    json_out(&report)
}

/// `taishi db ...`.
pub fn db(cmd: DbCommand) -> anyhow::Result<()> {
    match cmd {
        DbCommand::Prune(a) => prune(a),
    }
}

fn prune(args: PruneArgs) -> anyhow::Result<()> {
    let store = db::open(&args.db)?;
    let max_age_secs = args
        .max_age
        .as_deref()
        .map(|s| {
            taishi_core::config::parse_duration(s)
                .with_context(|| format!("--max-age {s}: expected e.g. 30d, 12h"))
        })
        .transpose()?;
    let max_bytes = args
        .max_size
        .as_deref()
        .map(|s| {
            taishi_core::config::parse_size(s)
                .with_context(|| format!("--max-size {s}: expected e.g. 10G, 500M"))
        })
        .transpose()?;
    if max_age_secs.is_none() && max_bytes.is_none() {
        bail!("give --max-age, --max-size or both");
    }
    let report = store.prune(&Retention {
        max_age_secs,
        max_bytes,
        now: Timestamp::now().secs(),
    })?;
    json_out(&report)
}
