//! A real SqliteStore in a temporary folder, filled with two tenants'
//! incidents, alerts, flows, assets and posture, served by the real
//! router; requests go through `tower::ServiceExt::oneshot`.

#![allow(dead_code)] // each test file uses part of the fixture

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use taishi_core::Store;
use taishi_core::control::{ControlStore, Role, User};
use taishi_core::domain::{
    Asset, Grade, Incident, IncidentStatus, Level, PosturePoint, Scope, ScopeKind,
};
use taishi_core::store::AlertQuery;
use taishi_server::auth::{hash_password, now_ns};
use taishi_server::{AppState, ServerConfig, app};
use taishi_store::SqliteStore;
use tower::ServiceExt;

/// Who calls.
#[derive(Clone, Debug)]
pub enum Auth {
    /// Nobody.
    None,
    /// An API token.
    Bearer(String),
    /// A session cookie, with or without the CSRF header.
    Cookie {
        cookie: String,
        csrf: Option<String>,
    },
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

pub struct Site {
    pub dir: tempfile::TempDir,
    pub db: std::path::PathBuf,
    pub store: Arc<SqliteStore>,
    pub state: AppState,
    pub app: Router,
    /// Incident ids: tenant `grid`, tenant `water`.
    pub grid_incident: i64,
    pub water_incident: i64,
    /// Bearer tokens by user name.
    pub tokens: std::collections::HashMap<String, String>,
}

pub const GRID_HOST: &str = "10.1.0.5";
pub const WATER_HOST: &str = "10.2.0.5";
pub const ATTACKER: &str = "203.0.113.9";
pub const PASSWORD: &str = "a long enough password";

fn eve_time(secs: u64) -> String {
    taishi_core::Timestamp::new(secs, 0).to_string()
}

/// 2024-05-01T10:00:00Z.
pub const T0: u64 = 1_714_557_600;

fn alert_line(secs: u64, src: &str, dst: &str, sid: u32) -> String {
    json!({
        "timestamp": eve_time(secs), "flow_id": secs, "event_type": "alert",
        "src_ip": src, "src_port": 40000, "dest_ip": dst, "dest_port": 502, "proto": "TCP",
        "alert": {"gid": 1, "signature_id": sid, "rev": 1, "signature": format!("test {sid}"),
            "category": "Attempted Administrator Privilege Gain", "severity": 1}
    })
    .to_string()
}

fn flow_line(secs: u64, src: &str, dst: &str) -> String {
    json!({
        "timestamp": eve_time(secs + 5), "flow_id": secs + 1, "event_type": "flow",
        "src_ip": src, "src_port": 40000, "dest_ip": dst, "dest_port": 502, "proto": "TCP",
        "app_proto": "modbus",
        "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 300,
            "bytes_toclient": 100, "start": eve_time(secs), "end": eve_time(secs + 4),
            "state": "closed", "alerted": true}
    })
    .to_string()
}

fn incident(tenant: &str, victim: &str) -> Incident {
    Incident {
        tenant: tenant.into(),
        title: format!("attack on {victim}"),
        attackers: vec![ATTACKER.into()],
        victims: vec![victim.into()],
        techniques: vec!["T0855".into()],
        stages: vec!["impact".into()],
        severity: 70.0,
        grade: Grade::Major,
        category: "network_attack/other".into(),
        status: IncidentStatus::New,
        first_seen: T0 * 1_000_000_000,
        last_seen: (T0 + 60) * 1_000_000_000,
        alert_count: 2,
        max_criticality: 5,
        ..Incident::default()
    }
}

fn asset(address: &str, tenant: &str, name: &str, owner: &str) -> Asset {
    Asset {
        address: address.into(),
        name: name.into(),
        owner: owner.into(),
        tenant: tenant.into(),
        zone: "OT".into(),
        role: "plc".into(),
        criticality: 5,
        ..Asset::default()
    }
}

/// A posture point (orange above 50, blue below).
pub fn point(kind: ScopeKind, key: &str, bucket: u64, index: f64, forecast: bool) -> PosturePoint {
    PosturePoint {
        scope: Scope {
            kind,
            key: key.into(),
        },
        bucket,
        width: 300,
        index,
        level: if index > 50.0 {
            Level::Orange
        } else {
            Level::Blue
        },
        forecast,
    }
}

/// The users of the matrix: name, role, tenant.
pub const USERS: [(&str, Role, &str); 6] = [
    ("viewer", Role::Viewer, "grid"),
    ("analyst", Role::Analyst, "grid"),
    ("gridadmin", Role::Admin, "grid"),
    ("regulator", Role::Regulator, ""),
    ("siteanalyst", Role::Analyst, ""),
    ("siteadmin", Role::Admin, ""),
];

impl Site {
    pub async fn new() -> Site {
        Site::with_config(ServerConfig::default()).await
    }

    pub async fn with_config(mut config: ServerConfig) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("taishi.db");
        config.intel_dir = dir.path().join("intel");
        let store = Arc::new(SqliteStore::open(&db).expect("open store"));
        let mut lines = String::new();
        for (i, host) in [GRID_HOST, WATER_HOST].iter().enumerate() {
            let base = T0 + 10 * i as u64;
            for k in 0..2 {
                lines.push_str(&alert_line(base + k * 30, ATTACKER, host, 9000 + k as u32));
                lines.push('\n');
            }
            lines.push_str(&flow_line(base, ATTACKER, host));
            lines.push('\n');
        }
        store.ingest(lines.as_bytes()).expect("ingest");
        let alerts = store.alerts(&AlertQuery::default()).expect("alerts");
        let mut incidents = vec![incident("grid", GRID_HOST), incident("water", WATER_HOST)];
        let assignments: Vec<(i64, usize)> = alerts
            .iter()
            .map(|a| (a.id, usize::from(a.dest_ip == WATER_HOST)))
            .collect();
        store
            .save_correlation(&mut incidents, &assignments)
            .expect("correlate");
        store
            .put_assets(&[
                asset(GRID_HOST, "grid", "PLC-Grid-1", "Grid Ops"),
                asset(WATER_HOST, "water", "PLC-Water-1", "Water Works"),
            ])
            .expect("assets");
        let b = T0 - T0 % 300;
        store
            .put_posture(&[
                point(ScopeKind::Organisation, "grid", b, 20.0, false),
                point(ScopeKind::Organisation, "grid", b + 300, 60.0, false),
                point(ScopeKind::Organisation, "grid", b + 600, 40.0, true),
                point(ScopeKind::Organisation, "water", b + 300, 30.0, false),
                point(ScopeKind::Zone, "grid/OT", b + 300, 60.0, false),
                point(ScopeKind::Zone, "water/OT", b + 300, 30.0, false),
                point(ScopeKind::Host, GRID_HOST, b + 300, 60.0, false),
                point(ScopeKind::Host, WATER_HOST, b + 300, 30.0, false),
                point(ScopeKind::Service, "10.1.0.5:502/TCP", b + 300, 60.0, false),
            ])
            .expect("posture");
        let control: Arc<dyn ControlStore> = store.clone();
        let state = AppState::new(store.clone(), control, config);
        let mut tokens = std::collections::HashMap::new();
        for (name, role, tenant) in USERS {
            let user = store
                .create_user(&User {
                    id: 0,
                    username: name.into(),
                    password_hash: hash_password(PASSWORD).expect("hash"),
                    role,
                    tenant: tenant.into(),
                    disabled: false,
                    created: now_ns(),
                })
                .expect("create user")
                .expect("new user");
            let token = taishi_server::auth::random_secret();
            store
                .create_token(&taishi_core::control::ApiToken {
                    id: 0,
                    user_id: user.id,
                    name: "test".into(),
                    token_hash: taishi_server::auth::sha256_hex(token.as_bytes()),
                    created: now_ns(),
                    last_used: None,
                })
                .expect("token");
            tokens.insert(name.to_owned(), token);
        }
        Site {
            app: app(state.clone()),
            dir,
            db,
            store,
            state,
            grid_incident: incidents[0].id,
            water_incident: incidents[1].id,
            tokens,
        }
    }

    pub fn bearer(&self, user: &str) -> Auth {
        Auth::Bearer(self.tokens.get(user).cloned().expect("known user"))
    }

    /// A request from `addr` (distinct addresses keep rate limits apart).
    pub async fn call_from(
        &self,
        addr: &str,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<Body>,
        content_type: Option<&str>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        match auth {
            Auth::None => {}
            Auth::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Auth::Cookie { cookie, csrf } => {
                req = req.header(header::COOKIE, format!("taishi_session={cookie}"));
                if let Some(c) = csrf {
                    req = req.header("x-csrf-token", c);
                }
            }
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let mut req = req.body(body.unwrap_or_else(Body::empty)).expect("request");
        let sock: SocketAddr = format!("{addr}:40000").parse().expect("address");
        req.extensions_mut().insert(ConnectInfo(sock));
        let res = self.app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let streaming = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/event-stream"));
        let text = if streaming {
            String::new()
        } else {
            let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024 * 1024)
                .await
                .expect("body");
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    /// A JSON request from 192.0.2.1.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<Value>,
    ) -> Answer {
        self.call_from(
            "192.0.2.1",
            method,
            path,
            auth,
            body.map(|b| Body::from(b.to_string())),
            Some("application/json"),
        )
        .await
    }

    /// Generates a report as `user` with `body`; the answer's JSON (`id`,
    /// `download`, `tenant` ...), after checking it was made.
    pub async fn generate_report(&self, user: &str, body: Value) -> Value {
        let g = self
            .call(
                Method::POST,
                "/api/v1/reports",
                &self.bearer(user),
                Some(body),
            )
            .await;
        assert_eq!(g.status, StatusCode::CREATED, "{}", g.text);
        g.json
    }

    /// Logs in by password; the cookie value and CSRF token.
    pub async fn login(&self, user: &str) -> (String, String) {
        let a = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                &Auth::None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let set = a
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .expect("a cookie")
            .to_owned();
        let value = set
            .split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("cookie value");
        let csrf = a.json["csrf_token"].as_str().expect("csrf").to_owned();
        (value, csrf)
    }
}
