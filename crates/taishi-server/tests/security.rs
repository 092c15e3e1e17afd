//! Security: XSS payloads stay data, portal pages carry CSP, cookie writes
//! need the CSRF token, viewers cannot write, tenants stay apart, rate and
//! size limits hold, and the audit chain exposes edited and deleted rows.

mod common;

use axum::http::{Method, StatusCode, header};
use common::{Auth, GRID_HOST, Site, WATER_HOST};
use serde_json::json;
use taishi_core::Store;
use taishi_core::control::ControlStore;

const XSS: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "<svg/onload=alert('x')>",
    "{{constructor.constructor('alert(1)')()}}",
];

#[tokio::test]
async fn xss_payloads_come_back_as_json_strings_verbatim() {
    let site = Site::new().await;
    let analyst = site.bearer("siteanalyst");
    for (i, p) in XSS.iter().enumerate() {
        let form = json!({"kind": "threat", "title": p, "description": format!("{p}\n{p}"),
            "indicator": p, "contact": p, "credit": p});
        let a = site
            .call_from(
                &format!("192.0.2.{}", 10 + i),
                Method::POST,
                "/api/v1/public/submissions",
                &Auth::None,
                Some(axum::body::Body::from(form.to_string())),
                Some("application/json"),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        let code = a.json["tracking_code"].as_str().expect("code").to_owned();
        let s = site
            .call(
                Method::GET,
                &format!("/api/v1/public/submissions/{code}"),
                &Auth::None,
                None,
            )
            .await;
        assert_eq!(s.status, StatusCode::OK);
        assert_eq!(s.json["title"], *p, "title verbatim");
        let ct = s
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(ct, "application/json", "never HTML");
        assert_eq!(
            s.headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(s.json.get("contact").is_none(), "contact is never public");
    }
    let q = site
        .call(Method::GET, "/api/v1/submissions?limit=10", &analyst, None)
        .await;
    let items = q.json["items"].as_array().expect("items");
    assert_eq!(items.len(), XSS.len());
    for s in items {
        let p = s["title"].as_str().expect("title");
        assert!(XSS.contains(&p));
        for f in ["indicator", "contact", "credit"] {
            assert_eq!(s[f], p, "{f} verbatim");
        }
        assert_eq!(s["description"], format!("{p}\n{p}"));
    }
    // Notes and assignees on incidents too.
    let gi = site.grid_incident;
    let n = site
        .call(
            Method::POST,
            &format!("/api/v1/incidents/{gi}/notes"),
            &site.bearer("analyst"),
            Some(json!({"text": XSS[0]})),
        )
        .await;
    assert_eq!(n.status, StatusCode::CREATED);
    let d = site
        .call(
            Method::GET,
            &format!("/api/v1/incidents/{gi}"),
            &site.bearer("analyst"),
            None,
        )
        .await;
    assert_eq!(d.json["notes"][0]["text"], XSS[0]);
}

#[tokio::test]
async fn portal_pages_and_console_carry_csp_and_no_inline_script() {
    let site = Site::new().await;
    for path in [
        "/",
        "/report",
        "/report/status/ABCDEFGHIJKLMNOP",
        "/incidents/3",
    ] {
        let a = site.call(Method::GET, path, &Auth::None, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let h = |n: header::HeaderName| {
            a.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert!(h(header::CONTENT_TYPE).starts_with("text/html"), "{path}");
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(h(header::REFERRER_POLICY), "no-referrer");
        // Every script the page loads comes from a file (CSP would block an inline one anyway).
        let lower = a.text.to_lowercase();
        for (i, _) in lower.match_indices("<script") {
            let tag_end = lower[i..].find('>').map_or(lower.len(), |e| i + e);
            assert!(
                lower[i..tag_end].contains("src="),
                "inline script in {path}"
            );
        }
    }
    if !taishi_server::console::built() {
        eprintln!("web/dist was not built: served the placeholder page");
    }
    // A missing asset is a 404, never the app's HTML.
    let a = site
        .call(Method::GET, "/assets/nope.js", &Auth::None, None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = site
        .call(Method::GET, "/api/v1/nope", &Auth::None, None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.json["error"].is_string());
}

#[tokio::test]
async fn cookie_writes_need_the_session_csrf_token() {
    let site = Site::new().await;
    let (cookie, csrf) = site.login("analyst").await;
    let (_, other_csrf) = site.login("gridadmin").await;
    let gi = site.grid_incident;
    let path = format!("/api/v1/incidents/{gi}");
    let body = || Some(json!({"status": "investigating"}));
    let no = Auth::Cookie {
        cookie: cookie.clone(),
        csrf: None,
    };
    let wrong = Auth::Cookie {
        cookie: cookie.clone(),
        csrf: Some(other_csrf),
    };
    let right = Auth::Cookie {
        cookie: cookie.clone(),
        csrf: Some(csrf.clone()),
    };
    assert_eq!(
        site.call(Method::PATCH, &path, &no, body()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        site.call(Method::PATCH, &path, &wrong, body()).await.status,
        StatusCode::FORBIDDEN
    );
    let inc = site.store.incident(gi).expect("read").expect("there");
    assert_eq!(inc.status.as_str(), "new", "refused writes changed nothing");
    // Reads need no token.
    assert_eq!(
        site.call(Method::GET, &path, &no, None).await.status,
        StatusCode::OK
    );
    let me = site.call(Method::GET, "/api/v1/me", &no, None).await;
    assert_eq!(me.json["csrf_token"], csrf.as_str());
    let ok = site.call(Method::PATCH, &path, &right, body()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["status"], "investigating");
    // Logout needs the token too, then the cookie is dead.
    assert_eq!(
        site.call(Method::POST, "/api/v1/auth/logout", &no, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let out = site
        .call(Method::POST, "/api/v1/auth/logout", &right, None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let set = out
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(set.contains("Max-Age=0"), "{set}");
    assert_eq!(
        site.call(Method::GET, "/api/v1/me", &no, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_session_cookie_is_httponly_strict_and_secure_when_configured() {
    let site = Site::with_config(taishi_server::ServerConfig {
        secure_cookies: true,
        ..taishi_server::ServerConfig::default()
    })
    .await;
    let a = site
        .call(
            Method::POST,
            "/api/v1/auth/login",
            &Auth::None,
            Some(json!({"username": "viewer", "password": common::PASSWORD})),
        )
        .await;
    let set = a
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    assert!(a.json.get("password_hash").is_none() && a.json["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn a_viewer_cannot_write_and_tenants_stay_apart() {
    let site = Site::new().await;
    let viewer = site.bearer("viewer");
    let gi = site.grid_incident;
    let a = site
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{gi}"),
            &viewer,
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(
        site.store
            .incident(gi)
            .expect("read")
            .expect("there")
            .status
            .as_str(),
        "new"
    );
    let list = site
        .call(Method::GET, "/api/v1/incidents", &viewer, None)
        .await;
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["items"][0]["tenant"], "grid");
    let assets = site
        .call(Method::GET, "/api/v1/assets", &viewer, None)
        .await;
    let addrs: Vec<&str> = assets.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["address"].as_str())
        .collect();
    assert_eq!(addrs, [GRID_HOST]);
    // A regulator sees both tenants, and may filter to one.
    let reg = site.bearer("regulator");
    let all = site
        .call(Method::GET, "/api/v1/incidents", &reg, None)
        .await;
    assert_eq!(all.json["total"], 2);
    let water = site
        .call(Method::GET, "/api/v1/incidents?tenant=water", &reg, None)
        .await;
    assert_eq!(water.json["items"][0]["victims"][0], WATER_HOST);
    // A tenant's user cannot widen its view with ?tenant=.
    let sneaky = site
        .call(Method::GET, "/api/v1/incidents?tenant=water", &viewer, None)
        .await;
    assert_eq!(sneaky.json["total"], 1);
    assert_eq!(sneaky.json["items"][0]["tenant"], "grid");
}

#[tokio::test]
async fn logins_are_rate_limited_per_address_and_per_username() {
    let site = Site::new().await;
    let attempt = |addr: &'static str, user: &'static str, pw: &'static str| {
        let site = &site;
        async move {
            site.call_from(
                addr,
                Method::POST,
                "/api/v1/auth/login",
                &Auth::None,
                Some(axum::body::Body::from(
                    json!({"username": user, "password": pw}).to_string(),
                )),
                Some("application/json"),
            )
            .await
            .status
        }
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("198.51.100.1", "viewer", "wrong").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Sixth try from the same address: refused even with the right password.
    assert_eq!(
        attempt("198.51.100.1", "viewer", common::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The username is now limited too, from anywhere.
    assert_eq!(
        attempt("198.51.100.2", "viewer", common::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another user from another address is unaffected.
    assert_eq!(
        attempt("198.51.100.3", "analyst", common::PASSWORD).await,
        StatusCode::OK
    );
    let audit = site
        .call(
            Method::GET,
            "/api/v1/audit?limit=100",
            &site.bearer("siteadmin"),
            None,
        )
        .await;
    let actions: Vec<&str> = audit.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "login.failed").count(), 5);
    assert!(actions.contains(&"login.limited") && actions.contains(&"login"));
}

#[tokio::test]
async fn submissions_are_rate_limited_size_limited_and_validated() {
    let site = Site::new().await;
    let form = json!({"kind": "feedback", "title": "t", "description": "d"}).to_string();
    let send = |addr: &'static str, body: String| {
        let site = &site;
        async move {
            site.call_from(
                addr,
                Method::POST,
                "/api/v1/public/submissions",
                &Auth::None,
                Some(axum::body::Body::from(body)),
                Some("application/json"),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(
            send("203.0.113.50", form.clone()).await.status,
            StatusCode::CREATED
        );
    }
    let refused = send("203.0.113.50", form.clone()).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.json["error"].is_string());
    assert_eq!(
        send("203.0.113.51", form.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        site.store
            .count_submissions(&Default::default())
            .expect("count"),
        6,
        "the flood stored nothing"
    );

    let big =
        json!({"kind": "feedback", "title": "t", "description": "x".repeat(70 * 1024)}).to_string();
    let a = send("203.0.113.52", big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(a.json["error"].is_string(), "{}", a.text);

    let cases = [
        (json!({"title": "t", "description": "d"}), "kind"),
        (
            json!({"kind": "spam", "title": "t", "description": "d"}),
            "kind",
        ),
        (json!({"kind": "threat", "description": "d"}), "title"),
        (
            json!({"kind": "threat", "title": "", "description": "d"}),
            "title",
        ),
        (
            json!({"kind": "threat", "title": "x".repeat(201), "description": "d"}),
            "title",
        ),
        (
            json!({"kind": "threat", "title": "t", "description": "x".repeat(10_001)}),
            "description",
        ),
        (
            json!({"kind": "threat", "title": "bell\u{7}", "description": "d"}),
            "title",
        ),
        (
            json!({"kind": "threat", "title": "t", "description": "d", "contact": "a\u{0}b"}),
            "contact",
        ),
        (
            json!({"kind": "threat", "title": "t", "description": "d", "evil": 1}),
            "evil",
        ),
    ];
    for (i, (body, field)) in cases.iter().enumerate() {
        let addr: &'static str = Box::leak(format!("203.0.114.{i}").into_boxed_str());
        let a = send(addr, body.to_string()).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(a.json["field"], *field, "{body}: {}", a.text);
    }
    let bad_code = site
        .call(
            Method::GET,
            "/api/v1/public/submissions/short",
            &Auth::None,
            None,
        )
        .await;
    assert_eq!(
        (bad_code.status, bad_code.json["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("code"))
    );
    let unknown = site
        .call(
            Method::GET,
            "/api/v1/public/submissions/AAAAAAAAAAAAAAAA",
            &Auth::None,
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn audit_verify_detects_an_edited_row_and_a_deleted_row() {
    for tamper in ["edit", "delete"] {
        let site = Site::new().await;
        let admin = site.bearer("siteadmin");
        let gi = site.grid_incident;
        for s in ["acknowledged", "investigating", "resolved"] {
            let a = site
                .call(
                    Method::PATCH,
                    &format!("/api/v1/incidents/{gi}"),
                    &site.bearer("analyst"),
                    Some(json!({"status": s})),
                )
                .await;
            assert_eq!(a.status, StatusCode::OK);
        }
        let v = site
            .call(Method::GET, "/api/v1/audit/verify", &admin, None)
            .await;
        assert_eq!(v.json["entries"], 3, "{}", v.text);
        assert!(v.json.get("broken").is_none());
        let conn = rusqlite::Connection::open(&site.db).expect("open raw");
        // The triggers refuse the change until dropped.
        assert!(
            conn.execute("UPDATE audit SET actor = 'user:nobody' WHERE id = 2", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM audit WHERE id = 2", []).is_err());
        if tamper == "edit" {
            conn.execute_batch("DROP TRIGGER audit_no_update")
                .expect("drop trigger");
            conn.execute("UPDATE audit SET actor = 'user:nobody' WHERE id = 2", [])
                .expect("edit");
        } else {
            conn.execute_batch("DROP TRIGGER audit_no_delete")
                .expect("drop trigger");
            conn.execute("DELETE FROM audit WHERE id = 2", [])
                .expect("delete");
        }
        drop(conn);
        let v = site
            .call(Method::GET, "/api/v1/audit/verify", &admin, None)
            .await;
        assert_eq!(
            v.json["broken"]["id"],
            if tamper == "edit" { 2 } else { 3 },
            "{tamper}: {}",
            v.text
        );
        assert_eq!(v.json["entries"], 1, "{tamper}");
        let direct = taishi_server::audit::verify_store(&*site.store).expect("verify");
        assert!(direct.broken.is_some());
    }
}
