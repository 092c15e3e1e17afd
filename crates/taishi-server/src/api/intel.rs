//! Threat intelligence: list what is stored, import a feed file.
//!
//! Intel is shared by every tenant (an indicator is bad for everyone), so
//! every user reads it; analysts and admins import.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use taishi_detect::intel::{Indicator, IndicatorKind, IntelStore};
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::assets::{TempUpload, upload_format};
use super::public::check_text;
use super::{Body, Page, Paged};

/// `GET /intel` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntelFilter {
    /// Only this kind (`ipv4`, `domain`, `url`, `sha256` ...).
    pub kind: Option<String>,
    /// Only values containing this (case-insensitive).
    pub q: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

/// Stored indicators, by source, kind and value.
#[utoipa::path(get, path = "/api/v1/intel", tag = "intel", params(IntelFilter),
    responses((status = 200, description = "{total, limit, offset, items: [indicator]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    Query(f): Query<IntelFilter>,
) -> ApiResult<Json<Paged<Indicator>>> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    let kind = f
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(|k| {
            IndicatorKind::from_name(k)
                .ok_or_else(|| ApiError::field("kind", "unknown indicator kind"))
        })
        .transpose()?;
    let needle =
        f.q.as_deref()
            .map(str::to_lowercase)
            .filter(|q| !q.is_empty());
    blocking(move || {
        let all = IntelStore::open(state.config.intel_dir.clone())
            .list(kind, None)
            .map_err(ApiError::internal)?;
        let matching: Vec<Indicator> = all
            .into_iter()
            .filter(|i| {
                needle
                    .as_deref()
                    .is_none_or(|n| i.value.to_lowercase().contains(n))
            })
            .collect();
        Ok(Json(Paged::of(matching, limit, page.offset())))
    })
    .await
}

/// `?source=&format=` of an intel import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntelImport {
    /// Source name the indicators are filed under (required).
    pub source: Option<String>,
    /// `txt` (one per line), `csv`, `json` (STIX 2.1 or MISP); default from Content-Type.
    pub format: Option<String>,
}

/// What an intel import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntelImported {
    /// Indicators read.
    pub imported: usize,
    /// Lines or records that could not be read.
    pub bad: usize,
    /// Records left out on purpose.
    pub skipped: usize,
}

/// Imports a feed file (plain list, CSV, STIX 2.1 or MISP JSON) under a source.
#[utoipa::path(post, path = "/api/v1/intel/import", tag = "intel", params(IntelImport),
    request_body(content = String, description = "the feed file", content_type = "text/plain"),
    responses((status = 200, body = IntelImported), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<IntelImport>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<IntelImported>> {
    caller.require_write()?;
    let source = q.source.unwrap_or_default();
    check_text("source", &source, 100, false)?;
    let ext = match q.format.as_deref() {
        Some("txt" | "plain" | "list") => "txt",
        other => upload_format(other, &headers, &["csv", "json"]).or_else(|e| {
            let ct = headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if other.is_none() && ct.is_some_and(|c| c.starts_with("text/plain")) {
                Ok("txt")
            } else {
                Err(e)
            }
        })?,
    };
    let file = TempUpload::new(&body, ext)?;
    blocking(move || {
        let report = IntelStore::open(state.config.intel_dir.clone())
            .import(std::slice::from_ref(&file.0), Some(&source))
            .map_err(ApiError::internal)?;
        let detail =
            serde_json::json!({"source": source, "imported": report.imported, "bad": report.bad});
        audit::record(
            &*state.control,
            &caller.actor(),
            "intel.import",
            &format!("intel:{source}"),
            &detail.to_string(),
        )?;
        Ok(Json(IntelImported {
            imported: report.imported,
            bad: report.bad,
            skipped: report.skipped,
        }))
    })
    .await
}
