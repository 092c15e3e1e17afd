//! Situation reports gathered from a real SqliteStore filled with real EVE
//! (the demo scenario and corpus industrial captures through `taishi
//! analyze`, see tests/report_testdata/README.md), correlated and assessed
//! by this crate, then rendered in every format and both languages; and
//! the HTML report screenshotted in headless Chromium.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use taishi_assess::assets::AssetIndex;
use taishi_assess::incident::{CorrelationConfig, correlate};
use taishi_assess::posture::{PostureConfig, compute};
use taishi_assess::report::{
    Format, Lang, RecommendationKind, ReportData, ReportOptions, gather, render,
};
use taishi_core::Store;
use taishi_core::domain::{Asset, Level};
use taishi_store::sqlite::SqliteStore;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/report_testdata")
        .join(name)
}

fn eve(name: &str) -> Vec<u8> {
    let gz = std::fs::read(testdata(name)).expect("test data is committed");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn registry() -> Vec<Asset> {
    let text = std::fs::read_to_string(testdata("assets.json")).expect("registry");
    serde_json::from_str(&text).expect("valid registry")
}

/// A store holding `eve_gz` (and `assets`), correlated into incidents and
/// assessed into posture as `taishi analyze --db` does.
fn store_with(eve_lines: &[u8], assets: Vec<Asset>) -> SqliteStore {
    let store = SqliteStore::open_in_memory().expect("in-memory store");
    let got = store.ingest(eve_lines).expect("ingest");
    assert_eq!(got.malformed, 0);
    store.put_assets(&assets).expect("assets");
    let index = AssetIndex::new(store.assets().expect("assets back"));
    correlate(&store, &index, &CorrelationConfig::default()).expect("correlate");
    compute(&store, &index, &PostureConfig::default()).expect("posture");
    store
}

fn demo() -> (SqliteStore, ReportData) {
    let store = store_with(&eve("demo.eve.json.gz"), registry());
    let data = gather(
        &store,
        &ReportOptions {
            lang: Lang::En,
            organisation: Some("Demo water utility".into()),
            ..ReportOptions::default()
        },
    )
    .expect("gather");
    (store, data)
}

/// Every `<svg>…</svg>` of `html`, each parsed as XML.
fn svgs(html: &str) -> Vec<roxmltree::Document<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let tail = &rest[start..];
        let end = tail.find("</svg>").expect("every svg is closed") + "</svg>".len();
        let doc = roxmltree::Document::parse(&tail[..end])
            .unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}\n{}", &tail[..end]));
        out.push(doc);
        rest = &tail[end..];
    }
    out
}

#[test]
fn demo_scenario_report_holds_what_happened() {
    let (store, d) = demo();
    assert!(!d.empty);
    // The period ends just after the newest record (the capture is of
    // 2026-06-01): after the last alert, by the flows that started after
    // it, at most at the end of the last flow.
    let last_alert = store
        .alerts(&taishi_core::store::AlertQuery::default())
        .expect("alerts")
        .iter()
        .map(|a| a.ts)
        .max()
        .expect("alerts");
    let last_flow = store
        .flows(&taishi_core::store::FlowQuery::default())
        .expect("flows")
        .iter()
        .map(|f| f.end)
        .max()
        .expect("flows");
    assert!(d.period.from_data);
    assert!(
        d.period.end > last_alert + 1,
        "flows after the last alert count"
    );
    assert!(d.period.end <= last_flow + 1);
    assert_eq!(d.period.end - d.period.start, 86_400_000_000_000);
    assert_eq!(d.totals.alerts, 18);
    assert_eq!(d.totals.alerts_analysed, 18);
    assert_eq!(d.totals.previous_alerts, 0);
    assert_eq!(
        d.alert_severities.iter().map(|c| c.count).sum::<u64>(),
        18,
        "severity counts are exact"
    );
    assert!(d.totals.flows > 100, "{}", d.totals.flows);
    assert!(d.totals.incidents >= 4, "{:?}", d.incidents);

    // Posture was computed: a level, a series and its forecast.
    assert!(d.posture.level.is_some());
    assert!(
        d.posture.peak_level.expect("a peak") >= Level::Orange,
        "{:?}",
        d.posture
    );
    assert!(d.series.iter().any(|p| !p.forecast));
    assert!(d.series.iter().any(|p| p.forecast));
    assert!(d.posture.bucket_secs > 0);

    // Incidents in severity order, each with grade and stages.
    assert!(
        d.incidents
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
    assert!(d.incidents.iter().all(|i| !i.stages.is_empty()));
    assert!(
        d.incidents
            .iter()
            .any(|i| i.attackers.contains(&"203.0.113.45".to_string())
                && i.victims.contains(&"10.10.1.30".to_string())),
        "the SSH brute force is in an incident: {:?}",
        d.incidents
    );

    // The most attacked critical asset is the PLC written to, by name.
    let top = &d.attacked_assets[0];
    assert_eq!(top.address, "10.20.0.12");
    assert_eq!(
        (top.name.as_str(), top.role.as_str(), top.criticality),
        ("PLC-2 pump station", "plc", 5)
    );
    assert!(top.cii);
    assert_eq!(d.attackers[0].address, "10.10.2.57");
    assert_eq!(d.attackers[0].max_severity, 1);

    // Industrial activity: Modbus with its writes from the workstation.
    let modbus = d
        .industrial
        .protocols
        .iter()
        .find(|p| p.protocol == "modbus")
        .expect("modbus activity");
    assert!(
        modbus.flows > 0 && modbus.events > 0 && modbus.writes >= 5,
        "{modbus:?}"
    );
    assert!(modbus.functions.iter().any(|f| f.key == "3 RdHoldRegs"));
    assert!(d.industrial.writes.iter().any(|w| w.src == "10.10.2.57"
        && w.dest == "10.20.0.12"
        && w.dest_name == "PLC-2 pump station"
        && w.function.starts_with("6 ")));
    assert!(d.industrial.writes.windows(2).all(|w| w[0].ts <= w[1].ts));

    // Exposure: the file server's OpenSSH.
    assert_eq!(d.exposure[0].address, "10.10.1.30");
    assert!((d.exposure[0].max_cvss - 9.8).abs() < 1e-3);

    // Recommendations drawn from the incidents, naming them.
    let rec = |k: RecommendationKind| {
        d.recommendations
            .iter()
            .find(|r| r.kind == k)
            .unwrap_or_else(|| panic!("{k:?} in {:#?}", d.recommendations))
    };
    let ics = rec(RecommendationKind::IcsManipulation);
    assert!(ics.assets.contains(&"10.20.0.12".to_string()));
    assert!(ics.sources.contains(&"10.10.2.57".to_string()));
    assert!(!ics.incidents.is_empty() && ics.priority == 1);
    let brute = rec(RecommendationKind::BruteForce);
    assert!(brute.sources.contains(&"203.0.113.45".to_string()));
    assert!(brute.actions.iter().any(|a| a.contains("key-only")));
    for k in [
        RecommendationKind::Scanning,
        RecommendationKind::CommandAndControl,
        RecommendationKind::Exfiltration,
        RecommendationKind::DenialOfService,
    ] {
        assert!(!rec(k).incidents.is_empty(), "{k:?}");
    }
    let exposure = rec(RecommendationKind::CriticalExposure);
    assert_eq!(exposure.assets, ["10.10.1.30"]);
    assert!(
        d.recommendations
            .windows(2)
            .all(|w| w[0].priority <= w[1].priority)
    );
}

#[test]
fn every_format_in_both_languages() {
    let (_store, d) = demo();
    for lang in [Lang::Zh, Lang::En] {
        let html = render(&d, Format::Html, lang);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            !html.to_ascii_lowercase().contains("<script"),
            "no JavaScript"
        );
        assert!(
            !html.contains("src=\"http") && !html.contains("url(http"),
            "nothing external"
        );
        for id in [
            "summary",
            "trend",
            "incidents",
            "assets",
            "attackers",
            "industrial",
            "exposure",
            "alerts",
            "recommendations",
        ] {
            assert!(
                html.contains(&format!("<section id=\"{id}\">")),
                "{id} in {lang:?}"
            );
        }
        let level = d.posture.level.expect("a level");
        assert!(html.contains(level.label(lang.code())));
        assert!(html.contains(level.colour()));
        assert!(html.contains("PLC-2 pump station"));
        assert!(html.contains(d.incidents[0].grade.label(lang.code())));
        let charts = svgs(&html);
        // Gauge, posture line, attacked assets, attackers, categories.
        assert_eq!(charts.len(), 5, "{lang:?}");
        let line = charts
            .iter()
            .find(|c| c.root_element().attribute("class") == Some("chart line-chart"))
            .expect("the posture chart");
        let paths: Vec<_> = line
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .filter_map(|n| n.attribute("class"))
            .collect();
        assert_eq!(paths, ["measured", "forecast"]);
        let dashed = line
            .descendants()
            .find(|n| n.attribute("class") == Some("forecast"))
            .and_then(|n| n.attribute("stroke-dasharray"));
        assert!(dashed.is_some(), "the forecast is dashed");
        let bands = line
            .descendants()
            .filter(|n| n.attribute("class") == Some("band"))
            .count();
        assert_eq!(bands, 5, "one band per level");

        let md = render(&d, Format::Markdown, lang);
        let (summary, recs) = match lang {
            Lang::Zh => ("## 态势概要", "## 处置建议"),
            Lang::En => ("## Summary", "## Recommendations"),
        };
        assert!(md.contains(summary) && md.contains(recs), "{md}");
        assert!(md.contains("PLC\\-2 pump station") || md.contains("PLC-2 pump station"));
        assert!(md.contains("| --- |"));
        assert!(!md.contains("<svg"));
        // The series the chart draws is a table.
        let forecast_label = match lang {
            Lang::Zh => "预测",
            Lang::En => "Forecast",
        };
        assert!(md.contains(forecast_label));

        let json = render(&d, Format::Json, lang);
        let back: ReportData = serde_json::from_str(&json).expect("JSON is ReportData");
        assert_eq!(back.totals, d.totals);
        assert_eq!(back.incidents, d.incidents);
        // Recommendations follow the rendering language.
        let brute = back
            .recommendations
            .iter()
            .find(|r| r.kind == RecommendationKind::BruteForce)
            .expect("brute force");
        match lang {
            Lang::Zh => assert!(brute.title.contains("暴力破解"), "{}", brute.title),
            Lang::En => assert!(brute.title.contains("brute force"), "{}", brute.title),
        }
    }
}

/// The demo registry split between two operators: the OT side (the
/// plant network and its control room) is tenant `ops`, the IT side `it`.
fn two_tenants() -> Vec<Asset> {
    let mut assets = registry();
    for a in &mut assets {
        let ot = a.address.starts_with("10.20.") || a.address.starts_with("10.10.5.");
        a.tenant = if ot { "ops" } else { "it" }.into();
    }
    assets
}

#[test]
fn a_tenant_report_shows_its_own_and_nothing_of_another_tenant() {
    let store = store_with(&eve("demo.eve.json.gz"), two_tenants());
    let index = AssetIndex::new(store.assets().expect("assets"));
    let tenant_of = |ip: &str| index.get(ip).map_or("", |a| a.tenant.as_str()).to_owned();
    // Each incident belongs to the tenant of its victims (the site's when
    // they are several tenants' or none's), written to its `tenant` column
    // as a center's store holds it.
    let mut incidents = store
        .incidents(&taishi_core::store::IncidentQuery::default())
        .expect("incidents");
    for i in &mut incidents {
        let owners: std::collections::BTreeSet<String> =
            i.victims.iter().map(|v| tenant_of(v)).collect();
        i.tenant = match owners.len() {
            1 => owners.into_iter().next().unwrap_or_default(),
            _ => String::new(),
        };
    }
    store
        .save_correlation(&mut incidents, &[])
        .expect("incidents back");
    let of = |tenant: Option<&str>| {
        gather(
            &store,
            &ReportOptions {
                lang: Lang::En,
                tenant: tenant.map(str::to_owned),
                ..ReportOptions::default()
            },
        )
        .expect("gather")
    };
    let (all, ops, it) = (of(None), of(Some("ops")), of(Some("it")));
    assert_eq!(all.tenant, None);
    assert_eq!(ops.tenant.as_deref(), Some("ops"));

    // Incidents: exactly each tenant's, by its column.
    for (d, t) in [(&ops, "ops"), (&it, "it")] {
        let theirs: Vec<i64> = incidents
            .iter()
            .filter(|i| i.tenant == t && i.last_seen >= d.period.start)
            .map(|i| i.id)
            .collect();
        assert!(!theirs.is_empty(), "{t} has incidents");
        assert_eq!(d.totals.incidents, theirs.len() as u64, "{t}");
        assert!(d.incidents.iter().all(|i| theirs.contains(&i.id)), "{t}");
    }
    assert!(
        all.totals.incidents > ops.totals.incidents.max(it.totals.incidents),
        "the whole store holds both"
    );

    // Alerts and flows: those with an end of the tenant's, counted exactly.
    let period = |d: &ReportData| (d.period.start, d.period.end);
    // A tenant's period ends at its own newest data.
    assert!(ops.period.from_data && ops.period.end <= all.period.end);
    let alerts = store
        .alerts(&taishi_core::store::AlertQuery::default())
        .expect("alerts");
    let flows = store
        .flows(&taishi_core::store::FlowQuery::default())
        .expect("flows");
    for (d, t) in [(&ops, "ops"), (&it, "it")] {
        let (start, end) = period(d);
        let mine = |a: &str, b: &str| tenant_of(a) == t || tenant_of(b) == t;
        let n_alerts = alerts
            .iter()
            .filter(|a| a.ts >= start && a.ts < end && mine(&a.src_ip, &a.dest_ip))
            .count() as u64;
        let n_flows = flows
            .iter()
            .filter(|f| f.start >= start && f.start < end && mine(&f.src_ip, &f.dest_ip))
            .count() as u64;
        assert!(n_alerts > 0 && n_flows > 0, "{t}");
        assert_eq!(d.totals.alerts, n_alerts, "{t} alerts");
        assert_eq!(d.totals.flows, n_flows, "{t} flows");
        assert_eq!(
            d.alert_severities.iter().map(|c| c.count).sum::<u64>(),
            n_alerts
        );
        assert!(d.totals.alerts < all.totals.alerts && d.totals.flows < all.totals.flows);
        // Attacked assets are the tenant's own hosts.
        assert!(!d.attacked_assets.is_empty(), "{t}");
        for a in &d.attacked_assets {
            assert_eq!(tenant_of(&a.address), t, "{t}: {a:?}");
        }
        // Exposure lists its own assets only.
        assert!(d.exposure.iter().all(|e| tenant_of(&e.address) == t));
    }
    assert_eq!(ops.attacked_assets[0].address, "10.20.0.12");
    assert_eq!(ops.attacked_assets[0].name, "PLC-2 pump station");
    assert!(it.attacked_assets.iter().any(|a| a.address == "10.10.1.30"));
    assert_eq!(it.exposure[0].address, "10.10.1.30");
    assert!(ops.exposure.is_empty(), "{:?}", ops.exposure);

    // The workstation of IT that wrote to the PLC: each side sees the
    // write, and only the owner's registry names its end.
    let plc_write = |d: &ReportData| {
        d.industrial
            .writes
            .iter()
            .find(|w| w.src == "10.10.2.57" && w.dest == "10.20.0.12")
            .cloned()
            .expect("the write")
    };
    assert_eq!(plc_write(&ops).dest_name, "PLC-2 pump station");
    assert_eq!(plc_write(&it).dest_name, "", "IT does not learn OT's names");
    let attacker = |d: &ReportData| {
        d.attackers
            .iter()
            .find(|a| a.address == "10.10.2.57")
            .cloned()
            .expect("the workstation attacks")
    };
    assert_eq!(attacker(&it).name, "IT LAN");
    assert_eq!(attacker(&ops).name, "", "OT does not learn IT's names");

    // Posture: the tenant's organisation series, not the worst of all.
    let org = |key: &str| {
        store
            .posture(&taishi_core::store::PostureQuery {
                kind: Some(taishi_core::domain::ScopeKind::Organisation),
                key: Some(key.into()),
                ..Default::default()
            })
            .expect("posture")
    };
    for (d, t) in [(&ops, "ops"), (&it, "it")] {
        let points = org(t);
        assert!(!points.is_empty(), "{t} has a posture");
        for p in d.series.iter().filter(|p| !p.forecast) {
            assert!(
                points
                    .iter()
                    .any(|q| q.bucket == p.bucket && q.index == p.index && !q.forecast),
                "{t}: {p:?} is not its own"
            );
        }
    }
    assert!(
        ops.posture.peak_index != it.posture.peak_index,
        "{:?} {:?}",
        ops.posture,
        it.posture
    );
    assert_eq!(
        all.posture.peak_index,
        ops.posture
            .peak_index
            .zip(it.posture.peak_index)
            .map(|(a, b)| a.max(b)),
        "the whole store shows the worst"
    );

    // The rendered report says whose it is and names nothing of the other.
    let html = render(&ops, Format::Html, Lang::En);
    assert!(html.contains("Tenant: ops"));
    assert!(!html.contains("File server") && !html.contains("10.10.1.30"));
    let md = render(&it, Format::Markdown, Lang::Zh);
    assert!(md.contains("租户: it"));
    assert!(!md.contains("PLC-2 pump station"));
}

#[test]
fn store_values_are_escaped_everywhere() {
    const XSS: &str = r#"<script>alert("x")</script><img src=x onerror=alert(1)>"#;
    // A real alert of the demo whose signature an attacker-controlled rule
    // file named with markup, and a registry whose names hold markup.
    let mut lines = eve("demo.eve.json.gz");
    let text = String::from_utf8(lines.clone()).expect("utf-8");
    let poisoned = text.replacen(
        "TAISHI BEHAVIOUR SSH brute force (many short sessions)",
        &XSS.replace('"', "\\\""),
        1,
    );
    assert_ne!(poisoned, text);
    lines = poisoned.into_bytes();
    let mut assets = registry();
    for a in &mut assets {
        a.name = format!("{}{XSS}", a.name);
        a.role = XSS.into();
    }
    let store = store_with(&lines, assets);
    let options = ReportOptions {
        lang: Lang::En,
        title: Some(format!("Report {XSS}")),
        organisation: Some(XSS.into()),
        ..ReportOptions::default()
    };
    let d = gather(&store, &options).expect("gather");
    assert!(
        d.attacked_assets[0].name.contains("<script>"),
        "the payload reached the data"
    );
    for lang in [Lang::Zh, Lang::En] {
        let html = render(&d, Format::Html, lang);
        assert!(!html.contains("<script"), "escaped in HTML");
        assert!(!html.contains("<img"), "escaped in HTML");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        assert_eq!(svgs(&html).len(), 5);
        let md = render(&d, Format::Markdown, lang);
        assert!(
            !md.contains("<script") && !md.contains("<img"),
            "escaped in Markdown"
        );
        let json = render(&d, Format::Json, lang);
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back["organisation"], XSS, "JSON keeps the value as data");
    }
}

#[test]
fn empty_store_reports_nothing_to_report() {
    let store = SqliteStore::open_in_memory().expect("store");
    let d = gather(&store, &ReportOptions::default()).expect("an empty store is no error");
    assert!(d.empty);
    assert!(!d.period.from_data);
    assert_eq!(d.totals.alerts, 0);
    assert!(d.recommendations.is_empty());
    let html = render(&d, Format::Html, Lang::Zh);
    assert!(html.contains("id=\"nothing\"") && html.contains("无可报告内容"));
    assert!(svgs(&html).is_empty());
    let md = render(&d, Format::Markdown, Lang::En);
    assert!(md.contains("Nothing to report"));
    let back: ReportData = serde_json::from_str(&render(&d, Format::Json, Lang::En)).expect("JSON");
    assert!(back.empty);
}

#[test]
fn industrial_captures_of_the_past_report_their_commands() {
    // Corpus captures from 2004 to 2015: with no `until` the period ends at
    // their newest record, so a 20-year report covers them all.
    let store = store_with(&eve("ics.eve.json.gz"), Vec::new());
    let d = gather(
        &store,
        &ReportOptions {
            since_secs: 20 * 365 * 86_400,
            lang: Lang::En,
            ..ReportOptions::default()
        },
    )
    .expect("gather");
    assert!(!d.empty);
    let protos: Vec<&str> = d
        .industrial
        .protocols
        .iter()
        .map(|p| p.protocol.as_str())
        .collect();
    assert_eq!(protos, ["modbus", "dnp3", "s7comm", "iec104"]);
    let fns: Vec<(&str, &str)> = d
        .industrial
        .writes
        .iter()
        .map(|w| (w.protocol.as_str(), w.function.as_str()))
        .collect();
    for want in [
        ("s7comm", "download_block"),
        ("s7comm", "plc_control"),
        ("dnp3", "3 select"),
        ("dnp3", "4 operate"),
        ("iec104", "45 C_SC_NA_1"),
    ] {
        assert!(fns.contains(&want), "{want:?} in {fns:?}");
    }
    // A 24-hour report ending now holds none of it.
    let now = gather(
        &store,
        &ReportOptions {
            until: Some(taishi_core::Timestamp::now().0),
            ..ReportOptions::default()
        },
    )
    .expect("gather");
    assert!(now.empty);
}

/// Where test artefacts go: `target/test-artefacts` of the build in use.
fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("test-artefacts");
    std::fs::create_dir_all(&dir).expect("artefact folder");
    dir
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// Pixels of `rgb` (within a small tolerance for anti-aliasing) in `img`.
fn count_colour(img: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    img.chunks_exact(channels)
        .filter(|px| px.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 6))
        .count()
}

fn hex(colour: &str) -> [u8; 3] {
    let c = colour.trim_start_matches('#');
    let byte = |i: usize| u8::from_str_radix(&c[i..i + 2], 16).expect("hex colour");
    [byte(0), byte(2), byte(4)]
}

#[test]
fn html_report_screenshot_in_headless_chromium() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "chromium is missing on CI: scripts/deps.sh installs the Debian package `chromium`"
            );
        }
        eprintln!("skipped: chromium not installed (Debian package `chromium`)");
        return;
    };
    let (_store, d) = demo();
    let dir = tempfile::tempdir().expect("temp dir");
    for lang in [Lang::En, Lang::Zh] {
        let html_path = dir.path().join(format!("report-{}.html", lang.code()));
        std::fs::write(&html_path, render(&d, Format::Html, lang)).expect("write report");
        let png_path = artefacts().join(format!("report-{}.png", lang.code()));
        let _ = std::fs::remove_file(&png_path);
        let status = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--screenshot={}", png_path.display()))
            .arg("--window-size=1200,3000")
            .arg(format!("file://{}", html_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("chromium runs");
        assert!(status.success(), "chromium failed: {status}");
        let file = std::fs::File::open(&png_path).expect("a screenshot");
        let decoder = png::Decoder::new(std::io::BufReader::new(file));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!((info.width, info.height), (1200, 3000));
        let channels = info.color_type.samples();
        let img = &buf[..info.buffer_size()];
        let non_white = img
            .chunks_exact(channels)
            .filter(|px| px.iter().take(3).any(|&c| c < 235))
            .count();
        let total = (info.width * info.height) as usize;
        assert!(
            non_white > total / 50,
            "the page is not blank: {non_white} of {total}"
        );
        // The gauge draws every level's band as a solid arc, and the
        // current level's badge is filled in its colour.
        let level = d.posture.level.expect("a level");
        assert!(
            count_colour(img, channels, hex(level.colour())) > 200,
            "the level colour {} is on the page ({lang:?})",
            level.colour()
        );
        for l in [
            Level::Green,
            Level::Blue,
            Level::Yellow,
            Level::Orange,
            Level::Red,
        ] {
            assert!(
                count_colour(img, channels, hex(l.colour())) > 50,
                "{l:?} band drawn ({lang:?})"
            );
        }
        // The posture line (#263238) and the dashed forecast (#6a1b9a).
        assert!(
            count_colour(img, channels, [0x26, 0x32, 0x38]) > 100,
            "posture line drawn"
        );
        assert!(
            count_colour(img, channels, [0x6a, 0x1b, 0x9a]) > 20,
            "forecast drawn"
        );
        eprintln!("screenshot: {}", png_path.display());
    }
}
