//! The authorisation matrix: every endpoint × role × tenant, asserting
//! exactly who may do what. The same table is in docs/api.md.
//!
//! Callers: anonymous, and users of tenant `grid` (viewer, analyst, admin)
//! plus a regulator (every tenant). "own" rows touch `grid`'s data,
//! "other" rows `water`'s. Every path of the OpenAPI document must appear
//! here, so a new endpoint cannot ship without its row.

mod common;

use axum::http::{Method, StatusCode};
use common::{Auth, GRID_HOST, Site, WATER_HOST};
use serde_json::{Value, json};

/// Callers, in the order of the expectation columns.
const CALLERS: [&str; 5] = ["anonymous", "viewer", "analyst", "gridadmin", "regulator"];

struct Row {
    /// OpenAPI path template.
    template: &'static str,
    method: Method,
    /// Concrete path; `{own}`/`{other}`/`{who}` are filled in.
    path: String,
    body: Option<String>,
    /// Expected status per caller.
    expect: [u16; 5],
}

fn row(
    template: &'static str,
    method: Method,
    path: &str,
    body: Option<&str>,
    expect: [u16; 5],
) -> Row {
    Row {
        template,
        method,
        path: path.to_owned(),
        body: body.map(str::to_owned),
        expect,
    }
}

#[tokio::test]
async fn every_endpoint_by_role_and_tenant() {
    let site = Site::new().await;
    let site_analyst = site.bearer("siteanalyst");
    // An unrouted submission (the site's), and a vulnerability routed to grid.
    let a = site
        .call(
            Method::POST,
            "/api/v1/public/submissions",
            &Auth::None,
            Some(json!({"kind": "feedback", "title": "hello", "description": "a question"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let code = a.json["tracking_code"].as_str().expect("code").to_owned();
    let b = site
        .call_from(
            "192.0.2.2",
            Method::POST,
            "/api/v1/public/submissions",
            &Auth::None,
            Some(axum::body::Body::from(
                json!({"kind": "vulnerability", "title": "PLC open",
                "description": format!("the PLC at {GRID_HOST} accepts writes")})
                .to_string(),
            )),
            Some("application/json"),
        )
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    let list = site
        .call(Method::GET, "/api/v1/submissions", &site_analyst, None)
        .await;
    let ids: Vec<(i64, String)> = list.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().expect("id"),
                s["kind"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let unrouted = ids
        .iter()
        .find(|(_, k)| k == "feedback")
        .expect("feedback")
        .0;
    let routed = ids
        .iter()
        .find(|(_, k)| k == "vulnerability")
        .expect("vuln")
        .0;
    let t = site
        .call(
            Method::POST,
            &format!("/api/v1/submissions/{routed}/triage"),
            &site_analyst,
            Some(json!({"kind": "help_request", "verified": true})),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert_eq!(t.json["routed_to"], "Grid Ops");

    // Reports kept: grid's (by a grid analyst), water's (a regulator's
    // cut) and the whole store's (the site's).
    let mut reports = Vec::new();
    for (user, body) in [
        ("analyst", json!({"format": "json"})),
        ("regulator", json!({"format": "json", "tenant": "water"})),
        ("siteanalyst", json!({"format": "json"})),
    ] {
        let r = site.generate_report(user, body).await;
        reports.push(r["download"].as_str().expect("download").to_owned());
    }
    let [grid_report, water_report, site_report] = &reports[..] else {
        panic!("three reports");
    };

    let (gi, wi) = (site.grid_incident, site.water_incident);
    let ok = 200;
    let csv_own = "address,name,owner,tenant,criticality\n10.1.9.9,HMI-9,Grid Ops,grid,3\n";
    let csv_other = "address,name,owner,tenant,criticality\n10.2.9.9,HMI-W,Water Works,water,3\n";
    #[rustfmt::skip]
    let rows = vec![
        // template, method, path, body, [anonymous, viewer, analyst, admin, regulator]
        row("/api/v1/openapi.json", Method::GET, "/api/v1/openapi.json", None, [ok, ok, ok, ok, ok]),
        row("/api/v1/auth/login", Method::POST, "/api/v1/auth/login", Some(r#"{"username":"{who}","password":"wrong password"}"#), [401, 401, 401, 401, 401]),
        row("/api/v1/me", Method::GET, "/api/v1/me", None, [401, ok, ok, ok, ok]),
        row("/api/v1/events", Method::GET, "/api/v1/events", None, [401, ok, ok, ok, ok]),
        row("/api/v1/auth/logout", Method::POST, "/api/v1/auth/logout", None, [401, 204, 204, 204, 204]),
        row("/api/v1/posture", Method::GET, "/api/v1/posture", None, [401, ok, ok, ok, ok]),
        row("/api/v1/posture", Method::GET, "/api/v1/posture?scope=organisation:water", None, [401, 404, 404, 404, ok]),
        row("/api/v1/posture/history", Method::GET, &format!("/api/v1/posture/history?kind=host&key={GRID_HOST}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/posture/history", Method::GET, &format!("/api/v1/posture/history?kind=host&key={WATER_HOST}"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/posture/forecast", Method::GET, "/api/v1/posture/forecast?kind=organisation&key=grid", None, [401, ok, ok, ok, ok]),
        row("/api/v1/posture/forecast", Method::GET, "/api/v1/posture/forecast?kind=organisation&key=water", None, [401, 404, 404, 404, ok]),
        row("/api/v1/posture/drilldown", Method::GET, "/api/v1/posture/drilldown?scope=zone:grid/OT", None, [401, ok, ok, ok, ok]),
        row("/api/v1/posture/drilldown", Method::GET, "/api/v1/posture/drilldown?scope=zone:water/OT", None, [401, 404, 404, 404, ok]),
        row("/api/v1/incidents", Method::GET, "/api/v1/incidents", None, [401, ok, ok, ok, ok]),
        row("/api/v1/incidents/{id}", Method::GET, &format!("/api/v1/incidents/{gi}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/incidents/{id}", Method::GET, &format!("/api/v1/incidents/{wi}"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/incidents/{id}", Method::PATCH, &format!("/api/v1/incidents/{gi}"), Some(r#"{"status":"acknowledged"}"#), [401, 403, ok, ok, 403]),
        row("/api/v1/incidents/{id}", Method::PATCH, &format!("/api/v1/incidents/{wi}"), Some(r#"{"status":"acknowledged"}"#), [401, 403, 404, 404, 403]),
        row("/api/v1/incidents/{id}/timeline", Method::GET, &format!("/api/v1/incidents/{gi}/timeline"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/incidents/{id}/timeline", Method::GET, &format!("/api/v1/incidents/{wi}/timeline"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/incidents/{id}/notes", Method::POST, &format!("/api/v1/incidents/{gi}/notes"), Some(r#"{"text":"seen"}"#), [401, 403, 201, 201, 201]),
        row("/api/v1/incidents/{id}/notes", Method::POST, &format!("/api/v1/incidents/{wi}/notes"), Some(r#"{"text":"seen"}"#), [401, 403, 404, 404, 201]),
        row("/api/v1/alerts", Method::GET, &format!("/api/v1/alerts?ip={GRID_HOST}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/alerts", Method::GET, &format!("/api/v1/alerts?ip={WATER_HOST}"), None, [401, 403, 403, 403, ok]),
        row("/api/v1/alerts", Method::GET, &format!("/api/v1/alerts?incident_id={wi}"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/alerts", Method::GET, "/api/v1/alerts", None, [401, 403, 403, 403, ok]),
        row("/api/v1/flows", Method::GET, &format!("/api/v1/flows?ip={GRID_HOST}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/flows", Method::GET, &format!("/api/v1/flows?ip={WATER_HOST}"), None, [401, 403, 403, 403, ok]),
        row("/api/v1/flows/summary", Method::GET, &format!("/api/v1/flows/summary?ip={GRID_HOST}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/flows/summary", Method::GET, &format!("/api/v1/flows/summary?ip={WATER_HOST}"), None, [401, 403, 403, 403, ok]),
        row("/api/v1/flows/summary", Method::GET, "/api/v1/flows/summary", None, [401, 403, 403, 403, ok]),
        row("/api/v1/assets", Method::GET, "/api/v1/assets", None, [401, ok, ok, ok, ok]),
        row("/api/v1/assets/{address}", Method::GET, &format!("/api/v1/assets/{GRID_HOST}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/assets/{address}", Method::GET, &format!("/api/v1/assets/{WATER_HOST}"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/assets/import", Method::POST, "/api/v1/assets/import?format=csv", Some(csv_own), [401, 403, ok, ok, 403]),
        row("/api/v1/assets/import", Method::POST, "/api/v1/assets/import?format=csv", Some(csv_other), [401, 403, 403, 403, 403]),
        row("/api/v1/intel", Method::GET, "/api/v1/intel", None, [401, ok, ok, ok, ok]),
        row("/api/v1/intel/import", Method::POST, "/api/v1/intel/import?source=matrix&format=txt", Some("198.51.100.7\nevil.example\n"), [401, 403, ok, ok, 403]),
        row("/api/v1/reports", Method::GET, "/api/v1/reports", None, [401, ok, ok, ok, ok]),
        row("/api/v1/reports", Method::POST, "/api/v1/reports", Some(r#"{"format":"json","lang":"en"}"#), [401, 201, 201, 201, 201]),
        row("/api/v1/reports", Method::POST, "/api/v1/reports", Some(r#"{"format":"json","tenant":"grid"}"#), [401, 201, 201, 201, 201]),
        row("/api/v1/reports", Method::POST, "/api/v1/reports", Some(r#"{"format":"json","tenant":"water"}"#), [401, 403, 403, 403, 201]),
        row("/api/v1/reports/{id}/download", Method::GET, grid_report, None, [401, ok, ok, ok, ok]),
        row("/api/v1/reports/{id}/download", Method::GET, water_report, None, [401, 404, 404, 404, ok]),
        row("/api/v1/reports/{id}/download", Method::GET, site_report, None, [401, 404, 404, 404, ok]),
        row("/api/v1/reports/{id}/download", Method::GET, "/api/v1/reports/999/download", None, [401, 404, 404, 404, 404]),
        row("/api/v1/public/submissions", Method::POST, "/api/v1/public/submissions", Some(r#"{"kind":"feedback","title":"t","description":"d"}"#), [201, 201, 201, 201, 201]),
        row("/api/v1/public/submissions/{code}", Method::GET, &format!("/api/v1/public/submissions/{code}"), None, [ok, ok, ok, ok, ok]),
        row("/api/v1/public/acknowledgements", Method::GET, "/api/v1/public/acknowledgements", None, [ok, ok, ok, ok, ok]),
        row("/api/v1/submissions", Method::GET, "/api/v1/submissions", None, [401, ok, ok, ok, ok]),
        row("/api/v1/submissions/stats", Method::GET, "/api/v1/submissions/stats", None, [401, ok, ok, ok, ok]),
        row("/api/v1/submissions/{id}", Method::GET, &format!("/api/v1/submissions/{routed}"), None, [401, ok, ok, ok, ok]),
        row("/api/v1/submissions/{id}", Method::GET, &format!("/api/v1/submissions/{unrouted}"), None, [401, 404, 404, 404, ok]),
        row("/api/v1/submissions/{id}", Method::PATCH, &format!("/api/v1/submissions/{routed}"), Some(r#"{"triage":"help_request","answer":"on it"}"#), [401, 403, ok, ok, 403]),
        row("/api/v1/submissions/{id}", Method::PATCH, &format!("/api/v1/submissions/{unrouted}"), Some(r#"{"triage":"vague"}"#), [401, 403, 404, 404, 403]),
        row("/api/v1/submissions/{id}/triage", Method::POST, &format!("/api/v1/submissions/{routed}/triage"), Some(r#"{"kind":"help_request"}"#), [401, 403, ok, ok, 403]),
        row("/api/v1/submissions/{id}/triage", Method::POST, &format!("/api/v1/submissions/{unrouted}/triage"), Some(r#"{"kind":"vague"}"#), [401, 403, 404, 404, 403]),
        row("/api/v1/submissions/{id}/answer", Method::POST, &format!("/api/v1/submissions/{routed}/answer"), Some(r#"{"answer":"fixed"}"#), [401, 403, ok, ok, 403]),
        row("/api/v1/submissions/{id}/answer", Method::POST, &format!("/api/v1/submissions/{unrouted}/answer"), Some(r#"{"answer":"x"}"#), [401, 403, 404, 404, 403]),
        row("/api/v1/users", Method::GET, "/api/v1/users", None, [401, 403, 403, ok, 403]),
        row("/api/v1/users", Method::POST, "/api/v1/users", Some(r#"{"username":"new-{who}","password":"another long password","role":"viewer","tenant":"grid"}"#), [401, 403, 403, 201, 403]),
        row("/api/v1/users/{id}", Method::PATCH, "/api/v1/users/999999", Some(r#"{"disabled":true}"#), [401, 403, 403, 404, 403]),
        row("/api/v1/users/{id}", Method::DELETE, "/api/v1/users/999999", None, [401, 403, 403, 404, 403]),
        row("/api/v1/tokens", Method::GET, "/api/v1/tokens", None, [401, 403, 403, ok, 403]),
        row("/api/v1/tokens", Method::POST, "/api/v1/tokens", Some(r#"{"name":"feed-{who}"}"#), [401, 403, 403, 201, 403]),
        row("/api/v1/tokens/{id}", Method::DELETE, "/api/v1/tokens/999999", None, [401, 403, 403, 404, 403]),
        row("/api/v1/audit", Method::GET, "/api/v1/audit", None, [401, 403, 403, ok, ok]),
        row("/api/v1/audit/verify", Method::GET, "/api/v1/audit/verify", None, [401, 403, 403, ok, ok]),
    ];

    let mut failures = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        for (i, who) in CALLERS.iter().enumerate() {
            let auth = if *who == "anonymous" {
                Auth::None
            } else {
                site.bearer(who)
            };
            let path = r.path.replace("{who}", who);
            let body = r
                .body
                .as_ref()
                .map(|b| axum::body::Body::from(b.replace("{who}", who)));
            let ct = if r.template.ends_with("/import") {
                "text/plain"
            } else {
                "application/json"
            };
            // Each row and caller its own address: rate limits are tested elsewhere.
            let addr = format!("10.99.{}.{}", n, i + 1);
            let a = site
                .call_from(&addr, r.method.clone(), &path, &auth, body, Some(ct))
                .await;
            let want = r.expect.get(i).copied().unwrap_or(0);
            if a.status.as_u16() != want {
                failures.push(format!(
                    "{} {path} as {who}: {} (want {want}) {}",
                    r.method, a.status, a.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Every documented operation has a row, and every row is documented.
    let doc: Value = site
        .call(Method::GET, "/api/v1/openapi.json", &Auth::None, None)
        .await
        .json;
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = Vec::new();
    for (p, ops) in paths {
        for m in ops.as_object().expect("operations").keys() {
            documented.push(format!("{} {p}", m.to_uppercase()));
        }
    }
    let covered: Vec<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.method, r.template))
        .collect();
    let missing: Vec<&String> = documented.iter().filter(|d| !covered.contains(d)).collect();
    let undocumented: Vec<&String> = covered.iter().filter(|c| !documented.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "operations without a matrix row: {missing:?}"
    );
    assert!(
        undocumented.is_empty(),
        "matrix rows not in the OpenAPI document: {undocumented:?}"
    );
    assert!(documented.len() >= 40, "{} operations", documented.len());
}
