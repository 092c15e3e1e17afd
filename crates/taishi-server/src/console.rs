//! The console and the public portal pages: the files of `web/dist`,
//! embedded at build time (see `build.rs`).
//!
//! Paths that are not files (`/`, `/report`, `/report/status/CODE`, the
//! console's own routes) get `index.html`, and the single-page app routes
//! itself. When the console was not built, a small page says so.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/console.rs"));
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Taishi</title></head><body><h1>Taishi</h1>\
<p>The console was not built into this binary. Build it with \
<code>npm --prefix web run build</code> and rebuild taishi; the API is at \
<code>/api/v1</code> (see <code>/api/v1/openapi.json</code>).</p></body></html>";

/// Whether the console is embedded.
pub fn built() -> bool {
    embedded::FILES.iter().any(|(p, _)| *p == "index.html")
}

fn file(path: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, b)| *b)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Serves an embedded file, or `index.html` for the app's routes.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::error::ApiError::not_found("endpoint").into_response();
    }
    if !path.is_empty()
        && let Some(bytes) = file(path)
    {
        // Vite names assets by content hash: they never change under a name.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type(path)),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            bytes,
        )
            .into_response();
    }
    // A missing asset is a 404, not the app: a wrong script URL must not
    // come back as HTML.
    if path.starts_with("assets/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let body: &'static [u8] = file("index.html").unwrap_or(NOT_BUILT.as_bytes());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}
