//! Reports: generate the situation report, then download it.
//!
//! A tenant's users get their tenant's report: taishi-assess cuts it by
//! the rules the other endpoints apply (its incidents, the alerts and
//! flows of its addresses, its assets, its organisation's posture).
//! Regulators and the site's own users (empty tenant) get the whole
//! store's, or one tenant's when they name it. Generated files are kept in
//! memory (the newest few) with the tenant they are for: a tenant's users
//! list and download their tenant's, regulators and the site every one.
//! Files download as attachments so that the HTML never renders inside the
//! console's origin.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use taishi_assess::report::{Format, Lang, ReportOptions, gather, render};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::{Caller, now_ns};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, GeneratedReport, blocking};

use super::public::check_text;
use super::{Body, json_body};

/// Longest tenant name a report is asked for (as a user's tenant).
const MAX_TENANT_CHARS: usize = 64;

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
    /// The tenant to cut the report to. A tenant's users get their own
    /// tenant's report whether or not they name it, and may name no other;
    /// regulators and the site's users get the whole store's without it.
    pub tenant: Option<String>,
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
    /// The tenant it is cut to (`null`: every tenant).
    pub tenant: Option<String>,
}

impl ReportInfo {
    fn new(id: u64, r: &GeneratedReport) -> ReportInfo {
        ReportInfo {
            id,
            format: r.format.clone(),
            period: r.period.clone(),
            download: format!("/api/v1/reports/{id}/download"),
            created: r.created,
            tenant: r.tenant.clone(),
        }
    }
}

/// Whether `caller` may list and download `r`: regulators and the site's
/// users every report, a tenant's users those cut to their tenant.
fn readable(caller: &Caller, r: &GeneratedReport) -> bool {
    match caller.tenant_scope() {
        None => true,
        Some(mine) => mine.is_empty() || r.tenant.as_deref() == Some(mine.as_str()),
    }
}

/// The tenant `caller` gets a report for when it asks for `asked`.
fn cut_for(caller: &Caller, asked: Option<String>) -> ApiResult<Option<String>> {
    match caller.tenant_scope() {
        Some(mine) if !mine.is_empty() => match asked {
            Some(t) if t != mine => Err(ApiError {
                status: StatusCode::FORBIDDEN,
                error: "a tenant's users get reports of their own tenant only".into(),
                field: Some("tenant".into()),
            }),
            _ => Ok(Some(mine)),
        },
        // A regulator, or the site: the whole store, or the tenant named.
        _ => {
            if let Some(t) = asked.as_deref().filter(|t| !t.is_empty()) {
                check_text("tenant", t, MAX_TENANT_CHARS, false)?;
            }
            Ok(asked)
        }
    }
}

/// The generated reports still kept that the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, body = Vec<ReportInfo>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Json<Vec<ReportInfo>> {
    let kept = state.reports().newest_first();
    Json(
        kept.iter()
            .filter(|(_, r)| readable(&caller, r))
            .map(|(id, r)| ReportInfo::new(*id, r))
            .collect(),
    )
}

/// Generates a report: the caller's tenant's, or (regulators and the site)
/// the whole store's or the tenant named.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportForm,
    responses((status = 201, body = ReportInfo), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ReportInfo>)> {
    let form: ReportForm = if body.is_empty() {
        ReportForm::default()
    } else {
        json_body(&body)?
    };
    let tenant = cut_for(&caller, form.tenant)?;
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
            tenant: tenant.clone(),
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
            tenant: tenant.clone(),
        });
        // Who took which tenant's situation out of the system.
        let detail = serde_json::json!({"tenant": tenant, "period": period, "format": ext});
        audit::record(
            &*state.control,
            &caller.actor(),
            "report.generate",
            &format!("report:{id}"),
            &detail.to_string(),
        )?;
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
        .filter(|r| readable(&caller, r))
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
