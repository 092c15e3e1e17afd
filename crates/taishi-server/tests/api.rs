//! Each endpoint's behaviour against a real SqliteStore.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use common::{ATTACKER, Auth, GRID_HOST, Site, WATER_HOST};
use serde_json::{Value, json};
use taishi_core::Store;
use taishi_core::control::ControlStore;

#[tokio::test]
async fn incidents_filter_page_detail_timeline_update_and_notes() {
    let site = Site::new().await;
    let reg = site.bearer("regulator");
    let page = site
        .call(
            Method::GET,
            "/api/v1/incidents?limit=1&offset=1&order=severity",
            &reg,
            None,
        )
        .await;
    assert_eq!(
        (
            page.json["total"].as_u64(),
            page.json["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    let by_ip = site
        .call(
            Method::GET,
            &format!("/api/v1/incidents?ip={WATER_HOST}"),
            &reg,
            None,
        )
        .await;
    assert_eq!(by_ip.json["total"], 1);
    assert_eq!(by_ip.json["items"][0]["id"], site.water_incident);
    let none = site
        .call(Method::GET, "/api/v1/incidents?status=resolved", &reg, None)
        .await;
    assert_eq!(none.json["total"], 0);
    let bad = site
        .call(Method::GET, "/api/v1/incidents?status=bogus", &reg, None)
        .await;
    assert_eq!(
        (bad.status, bad.json["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("status"))
    );
    let bad = site
        .call(Method::GET, "/api/v1/incidents?limit=5000", &reg, None)
        .await;
    assert_eq!(bad.json["field"], "limit");

    let gi = site.grid_incident;
    let analyst = site.bearer("analyst");
    let d = site
        .call(
            Method::GET,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            None,
        )
        .await;
    for k in [
        "id",
        "attackers",
        "victims",
        "techniques",
        "stages",
        "severity",
        "grade",
        "category",
        "first_seen",
        "last_seen",
        "alert_count",
    ] {
        assert!(d.json.get(k).is_some(), "incident JSON lacks {k}");
    }
    let t = site
        .call(
            Method::GET,
            &format!("/api/v1/incidents/{gi}/timeline"),
            &analyst,
            None,
        )
        .await;
    let ts: Vec<u64> = t.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["ts"].as_u64())
        .collect();
    assert_eq!(ts.len(), 2);
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "time order");
    assert!(
        t.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|a| a["dest_ip"] == GRID_HOST)
    );

    let up = site
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            Some(json!({"status": "resolved", "assignee": "li.wei"})),
        )
        .await;
    assert_eq!(
        (up.json["status"].as_str(), up.json["assignee"].as_str()),
        (Some("resolved"), Some("li.wei"))
    );
    let bad = site
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(bad.json["field"], "status");
    let bad = site
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            Some(json!({"colour": "red"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("colour"))
    );
    let missing = site
        .call(Method::GET, "/api/v1/incidents/424242", &analyst, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for text in ["first", "second"] {
        let n = site
            .call(
                Method::POST,
                &format!("/api/v1/incidents/{gi}/notes"),
                &analyst,
                Some(json!({"text": text})),
            )
            .await;
        assert_eq!(n.status, StatusCode::CREATED);
    }
    let d = site
        .call(
            Method::GET,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            None,
        )
        .await;
    let notes: Vec<(&str, &str)> = d.json["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| {
            (
                n["author"].as_str().unwrap_or(""),
                n["text"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(notes, [("analyst", "first"), ("analyst", "second")]);
    let empty = site
        .call(
            Method::POST,
            &format!("/api/v1/incidents/{gi}/notes"),
            &analyst,
            Some(json!({"text": " "})),
        )
        .await;
    assert_eq!(empty.json["field"], "text");
}

#[tokio::test]
async fn alerts_and_flows_search_with_filters_and_pages() {
    let site = Site::new().await;
    let site_user = site.bearer("siteanalyst");
    let all = site
        .call(Method::GET, "/api/v1/alerts", &site_user, None)
        .await;
    assert_eq!(all.json["total"], 4);
    let p = site
        .call(
            Method::GET,
            "/api/v1/alerts?limit=3&offset=2&newest_first=true",
            &site_user,
            None,
        )
        .await;
    assert_eq!(
        (
            p.json["total"].as_u64(),
            p.json["items"].as_array().map(Vec::len)
        ),
        (Some(4), Some(2))
    );
    let sid = site
        .call(
            Method::GET,
            &format!("/api/v1/alerts?sid=9001&ip={GRID_HOST}"),
            &site_user,
            None,
        )
        .await;
    assert_eq!(sid.json["total"], 1);
    assert_eq!(sid.json["items"][0]["attacker"], ATTACKER);
    let since = site
        .call(
            Method::GET,
            "/api/v1/alerts?since=2024-05-01T10:00:30Z",
            &site_user,
            None,
        )
        .await;
    assert_eq!(since.json["total"], 2, "{}", since.text);
    let bad = site
        .call(
            Method::GET,
            "/api/v1/alerts?since=yesterday",
            &site_user,
            None,
        )
        .await;
    assert_eq!(bad.json["field"], "since");
    let bad = site
        .call(
            Method::GET,
            "/api/v1/alerts?max_severity=9",
            &site_user,
            None,
        )
        .await;
    assert_eq!(bad.json["field"], "max_severity");
    let by_inc = site
        .call(
            Method::GET,
            &format!("/api/v1/alerts?incident_id={}", site.grid_incident),
            &site.bearer("viewer"),
            None,
        )
        .await;
    assert_eq!(by_inc.json["total"], 2);

    let flows = site
        .call(
            Method::GET,
            "/api/v1/flows?app_proto=modbus&dest_port=502",
            &site_user,
            None,
        )
        .await;
    assert_eq!(flows.json["total"], 2);
    let one = site
        .call(
            Method::GET,
            &format!("/api/v1/flows?ip={WATER_HOST}"),
            &site_user,
            None,
        )
        .await;
    assert_eq!(one.json["items"][0]["dest_ip"], WATER_HOST);
    assert_eq!(one.json["items"][0]["pkts"], 5);

    let search = |q: &'static str| site.call(Method::GET, q, &site_user, None);
    assert_eq!(
        search("/api/v1/alerts?q=test%209001").await.json["total"],
        2,
        "one alert of sid 9001 per host"
    );
    assert_eq!(
        search("/api/v1/alerts?q=administrator").await.json["total"],
        4
    );
    assert_eq!(search("/api/v1/alerts?q=%25").await.json["total"], 0);
    let long = format!("/api/v1/alerts?q={}", "x".repeat(201));
    let long = site.call(Method::GET, &long, &site_user, None).await;
    assert_eq!(
        (long.status, long.json["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("q"))
    );

    let by_proto = search("/api/v1/flows/summary").await;
    assert_eq!(by_proto.json["group"], "app_proto", "{}", by_proto.text);
    assert_eq!(by_proto.json["total"], 2);
    assert_eq!(by_proto.json["items"][0]["key"], "modbus");
    assert_eq!(by_proto.json["items"][0]["flows"], 2);
    assert_eq!(by_proto.json["items"][0]["bytes"], 800);
    let by_service = search("/api/v1/flows/summary?group=service").await;
    assert_eq!(by_service.json["items"][0]["key"], "502/TCP");
    let bad = search("/api/v1/flows/summary?group=colour").await;
    assert_eq!(
        (bad.status, bad.json["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("group"))
    );
}

#[tokio::test]
async fn posture_now_history_forecast_and_drilldown() {
    let site = Site::new().await;
    let viewer = site.bearer("viewer");
    let now = site
        .call(Method::GET, "/api/v1/posture", &viewer, None)
        .await;
    assert_eq!(now.status, StatusCode::OK, "{}", now.text);
    assert_eq!(now.json["scope"]["key"], "grid");
    assert_eq!(now.json["level"], "orange");
    let h = site
        .call(Method::GET, "/api/v1/posture/history", &viewer, None)
        .await;
    let idx: Vec<f64> = h
        .json
        .as_array()
        .expect("points")
        .iter()
        .filter_map(|p| p["index"].as_f64())
        .collect();
    assert_eq!(idx, [20.0, 60.0]);
    let f = site
        .call(Method::GET, "/api/v1/posture/forecast", &viewer, None)
        .await;
    assert_eq!(f.json[0]["index"], 40.0);
    assert_eq!(f.json[0]["forecast"], true);
    // organisation → zone → host → service.
    let mut scope = "org".to_owned();
    for want in ["grid/OT", GRID_HOST, "10.1.0.5:502/TCP"] {
        let d = site
            .call(
                Method::GET,
                &format!("/api/v1/posture/drilldown?scope={scope}"),
                &viewer,
                None,
            )
            .await;
        let keys: Vec<&str> = d.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|p| p["key"].as_str())
            .collect();
        assert_eq!(keys, [want], "children of {scope}");
        scope = format!(
            "{}:{want}",
            d.json["items"][0]["kind"].as_str().unwrap_or("")
        );
    }
    let leaf = site
        .call(
            Method::GET,
            &format!("/api/v1/posture/drilldown?scope={scope}"),
            &viewer,
            None,
        )
        .await;
    assert_eq!(leaf.json["items"], json!([]));
    let bad = site
        .call(
            Method::GET,
            "/api/v1/posture?scope=planet:earth",
            &viewer,
            None,
        )
        .await;
    assert_eq!(bad.json["field"], "scope");
}

#[tokio::test]
async fn assets_list_detail_and_import_in_three_formats() {
    let site = Site::new().await;
    let analyst = site.bearer("analyst");
    // Seen in traffic before it is declared: what traffic taught stays.
    site.store
        .put_assets(&[taishi_core::domain::Asset {
            address: "10.1.0.7".into(),
            origin: taishi_core::domain::AssetOrigin::Discovered,
            macs: vec!["00:11:22:33:44:55".into()],
            first_seen: 5,
            ..Default::default()
        }])
        .expect("discovered");
    let csv =
        "address,name,owner,criticality,zone,role\n10.1.0.0/24,Grid OT net,Grid Ops,4,OT,plc\n";
    let json_file = r#"[{"address": "10.1.0.7", "name": "HMI-7", "owner": "Grid Ops", "criticality": 3, "zone": "OT", "role": "hmi"}]"#;
    let yaml = "- address: 10.1.0.8\n  name: Historian\n  owner: Grid Ops\n  criticality: 2\n  zone: OT\n  role: historian\n";
    for (fmt, body, ct) in [
        ("csv", csv, "text/csv"),
        ("json", json_file, "application/json"),
        ("yaml", yaml, "application/yaml"),
    ] {
        let a = site
            .call_from(
                "192.0.2.9",
                Method::POST,
                "/api/v1/assets/import",
                &analyst,
                Some(axum::body::Body::from(body)),
                Some(ct),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{fmt}: {}", a.text);
        assert_eq!(a.json["imported"], 1, "{fmt}");
    }
    let list = site
        .call(Method::GET, "/api/v1/assets", &analyst, None)
        .await;
    let addrs: Vec<&str> = list.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["address"].as_str())
        .collect();
    assert_eq!(addrs, ["10.1.0.0/24", GRID_HOST, "10.1.0.7", "10.1.0.8"]);
    assert!(
        list.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|a| a["tenant"] == "grid"),
        "imports take the caller's tenant"
    );
    let hmi = site
        .call(Method::GET, "/api/v1/assets/10.1.0.7", &analyst, None)
        .await;
    assert_eq!(
        (hmi.json["origin"].as_str(), hmi.json["macs"][0].as_str()),
        (Some("both"), Some("00:11:22:33:44:55"))
    );
    assert_eq!(hmi.json["name"], "HMI-7");
    let net = site
        .call(Method::GET, "/api/v1/assets/10.1.0.0%2F24", &analyst, None)
        .await;
    assert_eq!(
        (net.status, net.json["name"].as_str()),
        (StatusCode::OK, Some("Grid OT net"))
    );
    let bad = site
        .call_from(
            "192.0.2.9",
            Method::POST,
            "/api/v1/assets/import?format=csv",
            &analyst,
            Some(axum::body::Body::from(
                "address,criticality\n10.1.0.9,eleven\n",
            )),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.json["field"], "criticality");
    let nofmt = site
        .call_from(
            "192.0.2.9",
            Method::POST,
            "/api/v1/assets/import",
            &analyst,
            Some(axum::body::Body::from(csv)),
            Some("application/octet-stream"),
        )
        .await;
    assert_eq!(nofmt.json["field"], "format");
}

#[tokio::test]
async fn intel_import_and_list() {
    let site = Site::new().await;
    let analyst = site.bearer("analyst");
    let a = site
        .call_from(
            "192.0.2.9",
            Method::POST,
            "/api/v1/intel/import?source=feed1&format=txt",
            &analyst,
            Some(axum::body::Body::from(
                "198.51.100.7\nevil.example\nnot an indicator at all!\n",
            )),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json["imported"], 2);
    let l = site
        .call(Method::GET, "/api/v1/intel?kind=domain", &analyst, None)
        .await;
    assert_eq!(l.json["total"], 1);
    assert_eq!(
        (
            l.json["items"][0]["value"].as_str(),
            l.json["items"][0]["source"].as_str()
        ),
        (Some("evil.example"), Some("feed1"))
    );
    let q = site
        .call(Method::GET, "/api/v1/intel?q=198.51", &analyst, None)
        .await;
    assert_eq!(q.json["total"], 1);
    let nosrc = site
        .call_from(
            "192.0.2.9",
            Method::POST,
            "/api/v1/intel/import?format=txt",
            &analyst,
            Some(axum::body::Body::from("198.51.100.7\n")),
            None,
        )
        .await;
    assert_eq!(nosrc.json["field"], "source");
}

#[tokio::test]
async fn reports_generate_and_download_in_each_format() {
    let site = Site::new().await;
    let user = site.bearer("siteanalyst");
    for (fmt, ct, marker) in [
        ("html", "text/html", "<svg"),
        ("md", "text/markdown", "#"),
        ("json", "application/json", "{"),
    ] {
        let g = site
            .call(
                Method::POST,
                "/api/v1/reports",
                &user,
                Some(json!({"period": "7d", "format": fmt, "lang": "en"})),
            )
            .await;
        assert_eq!(g.status, StatusCode::CREATED, "{}", g.text);
        let url = g.json["download"].as_str().expect("url").to_owned();
        let d = site.call(Method::GET, &url, &user, None).await;
        assert_eq!(d.status, StatusCode::OK);
        let h = |n| {
            d.headers
                .get(n)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert!(h(header::CONTENT_TYPE).starts_with(ct), "{fmt}");
        assert!(
            h(header::CONTENT_DISPOSITION).starts_with("attachment"),
            "{fmt}"
        );
        assert!(d.text.contains(marker), "{fmt}");
        // The site's report covers every tenant: a regulator reads it, a
        // tenant's user does not.
        let regulator = site
            .call(Method::GET, &url, &site.bearer("regulator"), None)
            .await;
        assert_eq!(regulator.status, StatusCode::OK);
        let tenant = site
            .call(Method::GET, &url, &site.bearer("viewer"), None)
            .await;
        assert_eq!(tenant.status, StatusCode::NOT_FOUND);
    }
    let kept = site.call(Method::GET, "/api/v1/reports", &user, None).await;
    let formats: Vec<&str> = kept
        .json
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["format"].as_str())
        .collect();
    assert_eq!(formats, ["json", "md", "html"], "newest first");
    let regulator = site
        .call(
            Method::GET,
            "/api/v1/reports",
            &site.bearer("regulator"),
            None,
        )
        .await;
    assert_eq!(regulator.json, kept.json, "regulators list every report");
    let tenant = site
        .call(Method::GET, "/api/v1/reports", &site.bearer("viewer"), None)
        .await;
    assert_eq!(tenant.json, json!([]), "grid has no report yet");
    let bad = site
        .call(
            Method::POST,
            "/api/v1/reports",
            &user,
            Some(json!({"format": "pdf"})),
        )
        .await;
    assert_eq!(bad.json["field"], "format");
    let bad = site
        .call(
            Method::POST,
            "/api/v1/reports",
            &user,
            Some(json!({"period": "soon"})),
        )
        .await;
    assert_eq!(bad.json["field"], "period");
}

/// Generates a JSON report as `user` with `body`; its info and the report.
async fn json_report(site: &Site, user: &str, body: Value) -> (Value, Value, String) {
    let info = site.generate_report(user, body).await;
    let url = info["download"].as_str().expect("url").to_owned();
    let d = site.call(Method::GET, &url, &site.bearer(user), None).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    (info, d.json, d.text)
}

#[tokio::test]
async fn a_tenant_report_holds_its_own_incident_and_asset_and_not_another_tenants() {
    let site = Site::new().await;
    let week = json!({"period": "7d", "format": "json", "lang": "en"});
    let ids = |d: &Value, list: &str, key: &str| -> Vec<Value> {
        d[list]
            .as_array()
            .expect("a list")
            .iter()
            .map(|x| x[key].clone())
            .collect()
    };
    let measured = |d: &Value| -> Vec<f64> {
        d["series"]
            .as_array()
            .expect("series")
            .iter()
            .filter(|p| p["forecast"] == false)
            .filter_map(|p| p["index"].as_f64())
            .collect()
    };

    // A grid analyst's report is grid's, whatever it asks.
    let (info, grid, text) = json_report(&site, "analyst", week.clone()).await;
    assert_eq!(info["tenant"], "grid");
    assert_eq!(grid["tenant"], "grid");
    assert_eq!(ids(&grid, "incidents", "id"), [json!(site.grid_incident)]);
    assert_eq!(ids(&grid, "attacked_assets", "address"), [json!(GRID_HOST)]);
    assert_eq!(grid["attacked_assets"][0]["name"], "PLC-Grid-1");
    assert_eq!(grid["totals"]["alerts"], 2);
    assert_eq!(grid["totals"]["flows"], 1);
    assert_eq!(measured(&grid), [20.0, 60.0], "grid's organisation series");
    assert!(
        !text.contains(WATER_HOST) && !text.contains("PLC-Water-1"),
        "nothing of water: {text}"
    );

    // A regulator cuts the same store to water.
    let mut water_body = week.clone();
    water_body["tenant"] = json!("water");
    let (info, water, text) = json_report(&site, "regulator", water_body.clone()).await;
    assert_eq!(info["tenant"], "water");
    assert_eq!(ids(&water, "incidents", "id"), [json!(site.water_incident)]);
    assert_eq!(
        ids(&water, "attacked_assets", "address"),
        [json!(WATER_HOST)]
    );
    assert_eq!(measured(&water), [30.0]);
    assert!(!text.contains(GRID_HOST) && !text.contains("PLC-Grid-1"));

    // The site's report covers both.
    let (info, all, _) = json_report(&site, "siteanalyst", week.clone()).await;
    assert_eq!(info["tenant"], Value::Null);
    assert_eq!(all["totals"]["incidents"], 2);
    assert_eq!(all["totals"]["flows"], 2);

    // A grid user asks for water's: refused, naming the field.
    let no = site
        .call(
            Method::POST,
            "/api/v1/reports",
            &site.bearer("viewer"),
            Some(water_body),
        )
        .await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    assert_eq!(no.json["field"], "tenant");

    // Grid's users list grid's report (made by a colleague) and no other;
    // a regulator lists all three.
    let listed = |user: &'static str| {
        let site = &site;
        async move {
            let l = site
                .call(Method::GET, "/api/v1/reports", &site.bearer(user), None)
                .await;
            l.json
                .as_array()
                .expect("list")
                .iter()
                .map(|r| r["tenant"].clone())
                .collect::<Vec<Value>>()
        }
    };
    assert_eq!(listed("viewer").await, [json!("grid")]);
    assert_eq!(
        listed("regulator").await,
        [Value::Null, json!("water"), json!("grid")]
    );
    assert_eq!(listed("siteanalyst").await.len(), 3);

    // Each generation is in the audit log, with its tenant.
    let audit = site
        .call(
            Method::GET,
            "/api/v1/audit",
            &site.bearer("siteadmin"),
            None,
        )
        .await;
    let made: Vec<(String, String)> = audit.json["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "report.generate")
        .map(|e| {
            let detail: Value =
                serde_json::from_str(e["detail"].as_str().unwrap_or("")).unwrap_or(Value::Null);
            (
                e["actor"].as_str().unwrap_or("").to_owned(),
                detail["tenant"].as_str().unwrap_or("*").to_owned(),
            )
        })
        .collect();
    assert_eq!(made.len(), 3, "{made:?}");
    assert!(made[0].0.ends_with(":siteanalyst") && made[0].1 == "*");
    assert!(made[1].0.ends_with(":regulator") && made[1].1 == "water");
    assert!(made[2].0.ends_with(":analyst") && made[2].1 == "grid");
}

#[tokio::test]
async fn portal_submission_goes_through_triage_to_a_public_answer() {
    let mut config = taishi_server::ServerConfig::default();
    // Deadlines of zero: everything unanswered is overdue at once.
    config.deadlines.vague = 0;
    config.deadlines.untriaged = 0;
    let site = Site::with_config(config).await;
    let analyst = site.bearer("siteanalyst");
    let submit = |addr: &'static str, v: Value| {
        let site = &site;
        async move {
            let a = site
                .call_from(
                    addr,
                    Method::POST,
                    "/api/v1/public/submissions",
                    &Auth::None,
                    Some(axum::body::Body::from(v.to_string())),
                    Some("application/json"),
                )
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
            a.json["tracking_code"].as_str().expect("code").to_owned()
        }
    };
    let threat = submit("192.0.2.30", json!({"kind": "threat", "title": "phishing site",
        "description": "mails point to it", "indicator": "login-bank.example", "contact": "me@example.org", "credit": "Zhang San"})).await;
    let vuln = submit(
        "192.0.2.31",
        json!({"kind": "vulnerability", "title": "PLC-Water-1 open",
        "description": "its web page has no password"}),
    )
    .await;
    let vague = submit(
        "192.0.2.32",
        json!({"kind": "feedback", "title": "is the grid safe?", "description": "heard rumours"}),
    )
    .await;
    assert_ne!(threat, vuln);

    let st = site
        .call(
            Method::GET,
            &format!("/api/v1/public/submissions/{threat}"),
            &Auth::None,
            None,
        )
        .await;
    assert_eq!(st.json["status"], "received");
    assert!(st.json.get("contact").is_none() && st.json.get("internal_note").is_none());

    let queue = site
        .call(
            Method::GET,
            "/api/v1/submissions?status=received",
            &analyst,
            None,
        )
        .await;
    assert_eq!(queue.json["total"], 3);
    assert!(
        queue.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|s| s["overdue"] == true),
        "deadline 0: overdue"
    );
    let id_of = |code: &str| -> i64 {
        queue.json["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|s| s["tracking_code"] == code)
            .and_then(|s| s["id"].as_i64())
            .expect("in queue")
    };
    let (tid, vid, fid) = (id_of(&threat), id_of(&vuln), id_of(&vague));

    let t = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{tid}/triage"),
            &analyst,
            Some(json!({"kind": "mistaken", "verified": true, "note": "confirmed with the bank"})),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert_eq!(t.json["intel_indicators"], 1);
    let intel = site
        .call(Method::GET, "/api/v1/intel?q=login-bank", &analyst, None)
        .await;
    let ind = &intel.json["items"][0];
    assert_eq!(ind["source"], "public-report");
    let tags: Vec<&str> = ind["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        tags.contains(&format!("public-report:{threat}").as_str())
            && tags.contains(&"credited:Zhang San"),
        "{tags:?}"
    );

    let v = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{vid}/triage"),
            &analyst,
            Some(json!({"kind": "help_request", "verified": true})),
        )
        .await;
    assert_eq!(v.json["routed_to"], "Water Works");
    assert_eq!(v.json["submission"]["asset"], WATER_HOST);
    // Routed to water: water's users would see it; grid's do not.
    let grid = site
        .call(
            Method::GET,
            &format!("/api/v1/submissions/{vid}"),
            &site.bearer("analyst"),
            None,
        )
        .await;
    assert_eq!(grid.status, StatusCode::NOT_FOUND);

    let early = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{fid}/answer"),
            &analyst,
            Some(json!({"answer": "x"})),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "classify first");
    site.call(
        Method::POST,
        &format!("/api/v1/submissions/{fid}/triage"),
        &analyst,
        Some(json!({"kind": "vague"})),
    )
    .await;
    let bad = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{fid}/triage"),
            &analyst,
            Some(json!({"kind": "rude"})),
        )
        .await;
    assert_eq!(bad.json["field"], "kind");
    let ans = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{tid}/answer"),
            &analyst,
            Some(json!({"answer": "Thank you: the site is blocked and listed."})),
        )
        .await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.text);
    assert_eq!(ans.json["overdue"], false);

    let st = site
        .call(
            Method::GET,
            &format!("/api/v1/public/submissions/{threat}"),
            &Auth::None,
            None,
        )
        .await;
    assert_eq!(
        (st.json["status"].as_str(), st.json["response"].as_str()),
        (Some("answered"), Some("correct"))
    );
    assert_eq!(
        st.json["answer"],
        "Thank you: the site is blocked and listed."
    );
    let stats = site
        .call(Method::GET, "/api/v1/submissions/stats", &analyst, None)
        .await;
    assert_eq!(
        (stats.json["open"].as_u64(), stats.json["answered"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        stats.json["overdue"], 1,
        "the vague one is overdue; the routed one has a day"
    );
    assert!(
        stats.json["median_response_secs"].is_u64() && stats.json["p90_response_secs"].is_u64()
    );
    let board = site
        .call(
            Method::GET,
            "/api/v1/public/acknowledgements",
            &Auth::None,
            None,
        )
        .await;
    let names: Vec<&str> = board.json["credited"]
        .as_array()
        .expect("credited")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Zhang San"]);
    let open: u64 = board.json["open_challenges"]
        .as_array()
        .expect("open")
        .iter()
        .filter_map(|c| c["open"].as_u64())
        .sum();
    assert_eq!(open, 2);
    assert!(
        !board.text.contains("me@example.org"),
        "no contact on the board"
    );
}

#[tokio::test]
async fn users_tokens_and_bootstrap() {
    let site = Site::new().await;
    let admin = site.bearer("siteadmin");
    let c = site.call(Method::POST, "/api/v1/users", &admin,
        Some(json!({"username": "wang", "password": "twelve chars ok", "role": "analyst", "tenant": "water"}))).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    assert!(c.json.get("password_hash").is_none());
    let id = c.json["id"].as_i64().expect("id");
    let dup = site
        .call(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": "wang", "password": "twelve chars ok", "role": "analyst"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let short = site
        .call(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": "li", "password": "short", "role": "analyst"})),
        )
        .await;
    assert_eq!(short.json["field"], "password");
    let role = site
        .call(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": "li", "password": "twelve chars ok", "role": "king"})),
        )
        .await;
    assert_eq!(role.json["field"], "role");

    let login = site
        .call(
            Method::POST,
            "/api/v1/auth/login",
            &Auth::None,
            Some(json!({"username": "wang", "password": "twelve chars ok"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.json["user"]["tenant"], "water");
    let p = site
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            &admin,
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(p.json["disabled"], true);
    let refused = site
        .call_from(
            "192.0.2.77",
            Method::POST,
            "/api/v1/auth/login",
            &Auth::None,
            Some(axum::body::Body::from(
                json!({"username": "wang", "password": "twelve chars ok"}).to_string(),
            )),
            Some("application/json"),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "disabled users cannot log in"
    );

    let t = site
        .call(
            Method::POST,
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "siem", "user_id": site_user_id(&site, "viewer").await})),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let token = t.json["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64);
    let tid = t.json["id"].as_i64().expect("id");
    let me = site
        .call(
            Method::GET,
            "/api/v1/me",
            &Auth::Bearer(token.clone()),
            None,
        )
        .await;
    assert_eq!(me.json["user"]["username"], "viewer");
    let listed = site.call(Method::GET, "/api/v1/tokens", &admin, None).await;
    assert!(!listed.text.contains(&token), "a token is shown once");
    let stored = site.store.tokens(None).expect("tokens");
    assert!(
        stored.iter().all(|t| t.token_hash != token),
        "only the hash at rest"
    );
    assert_eq!(
        site.call(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            &admin,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        site.call(Method::GET, "/api/v1/me", &Auth::Bearer(token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        site.call(Method::DELETE, &format!("/api/v1/users/{id}"), &admin, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    // First start: one admin with a one-time password, then never again.
    let fresh = taishi_store::SqliteStore::open_in_memory().expect("store");
    let pw = taishi_server::bootstrap_admin(&fresh)
        .expect("bootstrap")
        .expect("a password");
    assert!(pw.len() >= 16);
    assert!(
        taishi_server::bootstrap_admin(&fresh)
            .expect("bootstrap")
            .is_none()
    );
    let admin = fresh.user_by_name("admin").expect("read").expect("admin");
    assert!(taishi_server::auth::verify_password(
        &admin.password_hash,
        &pw
    ));
    assert_eq!(fresh.count_audit().expect("audit"), 1);
}

async fn site_user_id(site: &Site, name: &str) -> i64 {
    site.store
        .user_by_name(name)
        .expect("read")
        .expect("user")
        .id
}

#[tokio::test]
async fn live_updates_announce_new_submissions_and_incident_changes() {
    let config = taishi_server::ServerConfig {
        poll_secs: 1,
        ..taishi_server::ServerConfig::default()
    };
    let site = Site::with_config(config).await;
    let mut rx = site.state.events.subscribe();
    let poller = tokio::spawn(taishi_server::live::poll(site.state.clone()));
    // The first poll sets the baseline; wait until it has happened by
    // watching for our own change to come back.
    let analyst = site.bearer("analyst");
    let gi = site.grid_incident;
    let mut seen = Vec::new();
    for round in 0..20 {
        site.call(
            Method::PATCH,
            &format!("/api/v1/incidents/{gi}"),
            &analyst,
            Some(json!({"status": if round % 2 == 0 { "acknowledged" } else { "investigating" }})),
        )
        .await;
        site.call_from(
            &format!("192.0.3.{round}"),
            Method::POST,
            "/api/v1/public/submissions",
            &Auth::None,
            Some(axum::body::Body::from(
                json!({"kind": "feedback", "title": "t", "description": "d"}).to_string(),
            )),
            Some("application/json"),
        )
        .await;
        while let Ok(Ok(ev)) = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await {
            seen.push(ev.kind);
            if seen.contains(&"incident") && seen.contains(&"submission") {
                break;
            }
        }
        if seen.contains(&"incident") && seen.contains(&"submission") {
            break;
        }
    }
    poller.abort();
    assert!(
        seen.contains(&"incident") && seen.contains(&"submission"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn serves_on_a_real_tcp_listener() {
    use std::io::{Read, Write};
    let site = Site::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(taishi_server::serve_on(site.state.clone(), listener));
    let get = |path: &'static str| async move {
        tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).expect("connect");
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .expect("write");
            let mut out = String::new();
            s.read_to_string(&mut out).expect("read");
            out
        })
        .await
        .expect("client")
    };
    let ack = get("/api/v1/public/acknowledgements").await;
    assert!(ack.starts_with("HTTP/1.1 200"), "{ack}");
    assert!(
        ack.to_lowercase()
            .contains("content-security-policy: default-src 'self'")
    );
    let doc = get("/api/v1/openapi.json").await;
    assert!(
        doc.contains("\"openapi\":\"3.1"),
        "{}",
        &doc[..doc.len().min(300)]
    );
    let me = get("/api/v1/me").await;
    assert!(me.starts_with("HTTP/1.1 401"), "{me}");
    server.abort();
}

#[tokio::test]
async fn one_patch_triages_and_answers() {
    let site = Site::new().await;
    let analyst = site.bearer("siteanalyst");
    let a = site
        .call(
            Method::POST,
            "/api/v1/public/submissions",
            &Auth::None,
            Some(
                json!({"kind": "feedback", "title": "why the outage?", "description": "no power"}),
            ),
        )
        .await;
    let code = a.json["tracking_code"].as_str().expect("code").to_owned();
    let id = site
        .store
        .submission_by_code(&code)
        .expect("read")
        .expect("stored")
        .id;
    let path = format!("/api/v1/submissions/{id}");
    let early = site
        .call(
            Method::PATCH,
            &path,
            &analyst,
            Some(json!({"answer": "soon"})),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let empty = site
        .call(Method::PATCH, &path, &analyst, Some(json!({})))
        .await;
    assert_eq!(empty.json["field"], "triage");
    let p = site
        .call(
            Method::PATCH,
            &path,
            &analyst,
            Some(json!({"triage": "uninformed", "answer": "a storm cut the line; repaired by 18:00"})),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(
        (p.json["status"].as_str(), p.json["triage"].as_str()),
        (Some("answered"), Some("uninformed"))
    );
    let st = site
        .call(
            Method::GET,
            &format!("/api/v1/public/submissions/{code}"),
            &Auth::None,
            None,
        )
        .await;
    assert_eq!(st.json["response"], "inform");
    assert_eq!(st.json["answer"], "a storm cut the line; repaired by 18:00");
}

#[tokio::test]
async fn cached_summaries_and_registry_follow_the_store_after_a_poll() {
    use taishi_core::domain::ScopeKind;
    let site = Site::new().await;
    let viewer = site.bearer("viewer");
    let before = site
        .call(Method::GET, "/api/v1/posture", &viewer, None)
        .await;
    assert_eq!(before.json["index"], 60.0);
    // An assessment elsewhere (a sensor's process) writes a newer bucket.
    let b = common::T0 - common::T0 % 300 + 900;
    site.store
        .put_posture(&[common::point(
            ScopeKind::Organisation,
            "grid",
            b,
            90.0,
            false,
        )])
        .expect("posture");
    let cached = site
        .call(Method::GET, "/api/v1/posture", &viewer, None)
        .await;
    assert_eq!(
        cached.json["index"], 60.0,
        "served from the cache until the poller sees the change"
    );
    let mut poller = taishi_server::live::Poller::with_registry_every(Duration::ZERO);
    poller.tick(&site.state).await;
    let after = site
        .call(Method::GET, "/api/v1/posture", &viewer, None)
        .await;
    assert_eq!(after.json["index"], 90.0, "{}", after.text);
    assert_eq!(after.json["as_of"], b);

    // A host added to the registry by another process (nothing else
    // changes): unknown to a tenant's user until the poller re-reads it.
    let new_host = "10.1.0.99";
    let mut assets = site.store.assets().expect("assets");
    assets.push(taishi_core::domain::Asset {
        address: new_host.into(),
        tenant: "grid".into(),
        ..taishi_core::domain::Asset::default()
    });
    let grid_analyst = site.bearer("analyst");
    let path = format!("/api/v1/alerts?ip={new_host}");
    let ask = || site.call(Method::GET, &path, &grid_analyst, None);
    assert_eq!(ask().await.status, StatusCode::FORBIDDEN);
    site.store.put_assets(&assets).expect("put");
    poller.tick(&site.state).await;
    let seen = ask().await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);

    // The incident list: cached per generation, so a change made by
    // another process shows after the next poll, and one made through the
    // API at once.
    let resolved = || {
        site.call(
            Method::GET,
            "/api/v1/incidents?status=resolved",
            &viewer,
            None,
        )
    };
    assert_eq!(resolved().await.json["total"], 0);
    site.store
        .update_incident(
            site.grid_incident,
            &taishi_core::store::IncidentUpdate {
                status: Some(taishi_core::domain::IncidentStatus::Resolved),
                ..taishi_core::store::IncidentUpdate::default()
            },
        )
        .expect("update");
    assert_eq!(resolved().await.json["total"], 0, "cached until the poll");
    poller.tick(&site.state).await;
    assert_eq!(resolved().await.json["total"], 1);
    let analyst = site.bearer("analyst");
    let reopen = site
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{}", site.grid_incident),
            &analyst,
            Some(json!({"status": "investigating"})),
        )
        .await;
    assert_eq!(reopen.status, StatusCode::OK, "{}", reopen.text);
    assert_eq!(
        resolved().await.json["total"],
        0,
        "an API change shows at once"
    );
}
