//! Reports: generate the situation report, then download it.
//!
//! A report covers the whole store (every tenant), so only regulators and
//! the site's own users (empty tenant) generate one; a tenant's users are
//! refused until reports can be cut per tenant. Generated files are kept
//! in memory for their author (the newest few), and downloaded as
//! attachments so that the HTML never renders inside the console's origin.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use taishi_assess::report::{Format, Lang, ReportOptions, gather, render};
use utoipa::ToSchema;

use crate::auth::{Caller, now_ns};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, GeneratedReport, blocking};

use super::{Body, json_body};

/// `POST /reports` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportForm {
    /// Period ending at the newest data: `24h`, `7d` ... (default `24h`).
    pub period: Option<String>,
    /// `html`, `md` or `json` (default `html`).
    pub format: Option<String>,
    /// `zh` or `en` (default `zh`).
    pub lang: Option<String>,
}

/// A generated report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportInfo {
    /// Id to download it by.
    pub id: u64,
    /// Format.
    pub format: String,
    /// Period.
    pub period: String,
    /// Where to download it.
    pub download: String,
    /// When it was made (ns).
    pub created: u64,
}

impl ReportInfo {
    fn new(id: u64, r: &GeneratedReport) -> ReportInfo {
        ReportInfo {
            id,
            format: r.format.clone(),
            period: r.period.clone(),
            download: format!("/api/v1/reports/{id}/download"),
            created: r.created,
        }
    }
}

/// The caller's generated reports still kept, newest first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, body = Vec<ReportInfo>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Json<Vec<ReportInfo>> {
    let kept = state.reports().of_user(caller.user.id);
    Json(kept.iter().map(|(id, r)| ReportInfo::new(*id, r)).collect())
}

/// Generates a report.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportForm,
    responses((status = 201, body = ReportInfo), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ReportInfo>)> {
    if caller.tenant_scope().is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::forbidden(
            "reports cover every tenant; ask the site or a regulator",
        ));
    }
    let form: ReportForm = if body.is_empty() {
        ReportForm::default()
    } else {
        json_body(&body)?
    };
    let period = form.period.unwrap_or_else(|| "24h".into());
    let since_secs = taishi_core::config::parse_duration(&period)
        .filter(|s| *s > 0)
        .ok_or_else(|| ApiError::field("period", "period is a duration like 24h or 7d"))?;
    let fmt_name = form.format.unwrap_or_else(|| "html".into());
    let format = Format::parse(&fmt_name)
        .ok_or_else(|| ApiError::field("format", "format must be html, md or json"))?;
    let lang = match form.lang.as_deref() {
        None => Lang::default(),
        Some(l) => {
            Lang::parse(l).ok_or_else(|| ApiError::field("lang", "lang must be zh or en"))?
        }
    };
    blocking(move || {
        let opts = ReportOptions {
            since_secs,
            lang,
            level_thresholds: state.config.posture.thresholds,
            ..ReportOptions::default()
        };
        let data = gather(&*state.store, &opts)?;
        let text = render(&data, format, lang);
        let ext = match format {
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Json => "json",
        };
        let id = state.reports().put(GeneratedReport {
            format: ext.into(),
            body: std::sync::Arc::new(text.into_bytes()),
            user_id: caller.user.id,
            period: period.clone(),
            created: now_ns(),
        });
        let r = state
            .reports()
            .get(id)
            .ok_or_else(|| ApiError::internal("report evicted at once"))?;
        Ok((StatusCode::CREATED, Json(ReportInfo::new(id, &r))))
    })
    .await
}

/// Downloads a generated report (as an attachment).
#[utoipa::path(get, path = "/api/v1/reports/{id}/download", tag = "reports",
    params(("id" = u64, Path, description = "report id")),
    responses((status = 200, description = "the file"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> ApiResult<Response> {
    let r = state
        .reports()
        .get(id)
        .filter(|r| r.user_id == caller.user.id)
        .ok_or_else(|| ApiError::not_found("report"))?;
    let ct = match r.format.as_str() {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        _ => "application/json",
    };
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"taishi-report-{id}.{}\"",
        r.format
    ))
    .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        r.body.as_ref().clone(),
    )
        .into_response())
}
