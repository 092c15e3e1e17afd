//! REST API under `/api/v1`, one module per resource. Every handler is
//! annotated for the OpenAPI document, and the router is built from those
//! annotations (`utoipa_axum::routes!`), so a route cannot exist without
//! its entry in `/api/v1/openapi.json`.

pub mod alerts;
pub mod assets;
pub mod audit;
pub mod incidents;
pub mod intel;
pub mod posture;
pub mod public;
pub mod reports;
pub mod scope;
pub mod session;
pub mod submissions;
pub mod users;

use axum::body::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Largest uploaded file (asset registry, intel feed): a national feed
/// of a few hundred thousand indicators fits; a disk image does not.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// Largest body of every other request: forms and small JSON objects.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Most items one page may hold.
pub const MAX_PAGE: u64 = 1000;
/// Items in a page when `limit` is not given.
pub const DEFAULT_PAGE: u64 = 100;

/// `?limit=&offset=`.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Items per page (1..=1000, default 100).
    pub limit: Option<u64>,
    /// Items to skip.
    pub offset: Option<u64>,
}

impl Page {
    /// The checked limit.
    pub fn limit(&self) -> ApiResult<u64> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "limit",
                format!("limit must be 1..={MAX_PAGE}"),
            )),
        }
    }

    /// The offset.
    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }
}

/// An answer of JSON bytes already serialised (cached answers).
pub(crate) fn json_response(json: &[u8]) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json.to_vec(),
    )
        .into_response()
}

/// A page of results with the total matching.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    /// How many match in all.
    pub total: u64,
    /// Limit applied.
    pub limit: u64,
    /// Offset applied.
    pub offset: u64,
    /// This page.
    pub items: Vec<T>,
}

/// The raw request body, with the body-size limit answered as a JSON
/// 413 like every other error.
pub struct Body(pub Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> ApiResult<Body> {
        Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|r| {
                let status = r.status();
                if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(status, "request body too large")
                } else {
                    ApiError::new(status, r.body_text())
                }
            })
    }
}

impl<T> Paged<T> {
    /// The page `limit`/`offset` of `all` (filtered in memory: small lists).
    pub fn of(all: Vec<T>, limit: u64, offset: u64) -> Paged<T> {
        let total = all.len() as u64;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        Paged {
            total,
            limit,
            offset,
            items: all.into_iter().skip(skip).take(take).collect(),
        }
    }
}

/// Parses a JSON body, naming the field at fault when serde says which.
pub fn json_body<T: DeserializeOwned>(body: &Bytes) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let msg = e.to_string();
        let field = msg
            .strip_prefix("missing field `")
            .or_else(|| msg.strip_prefix("unknown field `"))
            .and_then(|r| r.split('`').next())
            .unwrap_or("body");
        ApiError::field(field, format!("invalid JSON body: {msg}"))
    })
}

/// Parses an RFC 3339 time or a Unix time in seconds into nanoseconds.
pub fn parse_time(field: &str, s: &str) -> ApiResult<u64> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(secs.saturating_mul(1_000_000_000));
    }
    taishi_core::Timestamp::parse_eve(s)
        .map(|t| t.0)
        .ok_or_else(|| ApiError::field(field, "expected Unix seconds or an RFC 3339 time"))
}

/// `?since=&until=` as nanoseconds, each optional, an error naming the
/// field at fault.
pub(crate) fn parse_period(
    since: Option<&str>,
    until: Option<&str>,
) -> ApiResult<(Option<u64>, Option<u64>)> {
    Ok((
        since.map(|s| parse_time("since", s)).transpose()?,
        until.map(|s| parse_time("until", s)).transpose()?,
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Taishi API", description = "Situation, incidents, assets, intel, reports, public submissions, users and audit of a Taishi site. See docs/api.md."),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "auth"), (name = "posture"), (name = "incidents"), (name = "alerts"),
        (name = "assets"), (name = "intel"), (name = "reports"), (name = "public"),
        (name = "submissions"), (name = "users"), (name = "audit"), (name = "live"), (name = "meta")
    )
)]
struct ApiDoc;

/// The document at `/api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "this OpenAPI 3.1 document")))]
async fn openapi(
    axum::Extension(doc): axum::Extension<std::sync::Arc<serde_json::Value>>,
) -> axum::Json<serde_json::Value> {
    axum::Json((*doc).clone())
}

/// The API router (paths already under `/api/v1`) and its OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi))
        .routes(routes!(crate::live::events))
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(posture::now))
        .routes(routes!(posture::history))
        .routes(routes!(posture::forecast))
        .routes(routes!(posture::drilldown))
        .routes(routes!(incidents::list))
        .routes(routes!(incidents::detail, incidents::update))
        .routes(routes!(incidents::timeline))
        .routes(routes!(incidents::add_note))
        .routes(routes!(alerts::alerts))
        .routes(routes!(alerts::flows))
        .routes(routes!(alerts::flow_summary))
        .routes(routes!(assets::list))
        .routes(routes!(assets::detail))
        .routes(routes!(intel::list))
        .routes(routes!(reports::list, reports::generate))
        .routes(routes!(reports::download))
        .routes(routes!(public::submit))
        .routes(routes!(public::status))
        .routes(routes!(public::acknowledgements))
        .routes(routes!(submissions::queue))
        .routes(routes!(submissions::stats))
        .routes(routes!(submissions::detail, submissions::update))
        .routes(routes!(submissions::triage))
        .routes(routes!(submissions::answer))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::update, users::delete))
        .routes(routes!(users::tokens, users::create_token))
        .routes(routes!(users::delete_token))
        .routes(routes!(audit::list))
        .routes(routes!(audit::verify))
        .merge(
            // Registry and feed files are larger than any form.
            OpenApiRouter::new()
                .routes(routes!(assets::import))
                .routes(routes!(intel::import))
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .split_for_parts();
    (router, doc)
}
