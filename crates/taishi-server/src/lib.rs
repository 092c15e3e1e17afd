//! The HTTP server of Taishi: the REST API under `/api/v1`, live updates
//! (server-sent events), authentication and roles, the hash-chained audit
//! log, the public portal's API, and the embedded console.
//!
//! It reads and writes only through [`taishi_core::Store`] (the situation)
//! and [`taishi_core::control::ControlStore`] (users, sessions, tokens,
//! submissions, audit), so it serves whatever adapter the binary opens.
//! Both traits are synchronous; handlers run store calls on tokio's
//! blocking pool so a slow query never stalls the event loop.
//!
//! The binary needs [`app`] (or [`serve`]), [`AppState`],
//! [`auth::bootstrap_admin`] on first start and
//! [`audit::verify_store`] for `taishi audit verify`. The API is described
//! in `docs/api.md` and served as OpenAPI at `/api/v1/openapi.json`.

pub mod api;
pub mod audit;
pub mod auth;
pub mod console;
pub mod error;
pub mod live;
pub mod local_admin;
pub mod ratelimit;
pub mod settings;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

pub use auth::bootstrap_admin;
pub use state::{AppState, Deadlines, ServerConfig};

/// The Content-Security-Policy of every answer. No inline script and no
/// other origin; inline *styles* are allowed because the chart library
/// sets style attributes on the elements it draws (tooltips), and a style
/// cannot run code.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// The whole application: API, live updates, console, security headers.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api::router();
    let doc = serde_json::to_value(&doc).unwrap_or_default();
    let fixed = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    api.fallback(console::serve)
        .layer(axum::Extension(Arc::new(doc)))
        .layer(DefaultBodyLimit::max(api::MAX_FORM_BYTES))
        .layer(fixed(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(fixed(header::REFERRER_POLICY, "no-referrer"))
        .layer(fixed(header::X_FRAME_OPTIONS, "DENY"))
        .with_state(state)
}

/// Serves [`app`] on `listen` until Ctrl-C, with the live-update poller
/// running beside it.
pub async fn serve(state: AppState, listen: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    serve_on(state, listener).await
}

/// As [`serve`], on a listener already bound (tests bind port 0).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let poller = tokio::spawn(live::poll(state.clone()));
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let out = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    poller.abort();
    out
}
