//! Alert and flow search, paged, with totals.
//!
//! Alerts and flows carry no tenant of their own. Regulators and users of
//! the empty tenant (a single site) search them freely; a user of tenant T
//! must narrow the search to what T owns: an `ip` covered by T's assets,
//! or (for alerts) an `incident_id` of T's. Anything else is refused (403
//! naming the field) rather than silently filtered, so that a total never
//! hides other tenants' counts in it.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use taishi_core::domain::{AlertRow, FlowRow};
use taishi_core::store::{AlertQuery, FlowQuery};
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::scope::TenantView;
use super::{Page, Paged, parse_time};

/// `GET /alerts` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertFilter {
    /// From (Unix seconds or RFC 3339).
    pub since: Option<String>,
    /// Before.
    pub until: Option<String>,
    /// Source or destination address.
    pub ip: Option<String>,
    /// Signature id.
    pub sid: Option<u32>,
    /// Severity at or above (1 high .. 4 low).
    pub max_severity: Option<u8>,
    /// Only this incident's.
    pub incident_id: Option<i64>,
    /// `true` for newest first.
    pub newest_first: Option<bool>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

fn scoped(
    state: &AppState,
    caller: &Caller,
    ip: Option<&str>,
    incident: Option<i64>,
) -> ApiResult<()> {
    if caller.tenant_scope().is_none_or(|t| t.is_empty()) {
        return Ok(());
    }
    if let Some(id) = incident {
        super::incidents::visible(state, caller, id)?;
        return Ok(());
    }
    let view = TenantView::load(state, caller)?;
    match ip {
        Some(ip) if view.sees_ip(ip) => Ok(()),
        Some(_) => Err(ApiError::forbidden(
            "that address is not one of your tenant's assets",
        )),
        None => Err(ApiError {
            status: axum::http::StatusCode::FORBIDDEN,
            error: "a tenant's users must search by one of its addresses".into(),
            field: Some("ip".into()),
        }),
    }
}

/// Alerts matching the filters, oldest first unless asked otherwise.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertFilter),
    responses((status = 200, description = "{total, limit, offset, items: [alert]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn alerts(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<AlertFilter>,
) -> ApiResult<Json<Paged<AlertRow>>> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    if f.max_severity.is_some_and(|s| !(1..=4).contains(&s)) {
        return Err(ApiError::field("max_severity", "severity is 1..=4"));
    }
    let q = AlertQuery {
        since: f
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        until: f
            .until
            .as_deref()
            .map(|s| parse_time("until", s))
            .transpose()?,
        ip: f.ip.clone(),
        sid: f.sid,
        max_severity: f.max_severity,
        incident_id: f.incident_id,
        newest_first: f.newest_first.unwrap_or(false),
        limit: Some(limit),
        offset: page.offset(),
        ..AlertQuery::default()
    };
    blocking(move || {
        scoped(&state, &caller, q.ip.as_deref(), q.incident_id)?;
        Ok(Json(Paged {
            total: state.store.count_alerts(&q)?,
            limit,
            offset: q.offset,
            items: state.store.alerts(&q)?,
        }))
    })
    .await
}

/// `GET /flows` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlowFilter {
    /// Started from (Unix seconds or RFC 3339).
    pub since: Option<String>,
    /// Started before.
    pub until: Option<String>,
    /// Client or server address.
    pub ip: Option<String>,
    /// Application protocol.
    pub app_proto: Option<String>,
    /// Server port.
    pub dest_port: Option<u16>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

/// Flows matching the filters, by start time.
#[utoipa::path(get, path = "/api/v1/flows", tag = "alerts", params(FlowFilter),
    responses((status = 200, description = "{total, limit, offset, items: [flow]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn flows(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<FlowFilter>,
) -> ApiResult<Json<Paged<FlowRow>>> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    let q = FlowQuery {
        since: f
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        until: f
            .until
            .as_deref()
            .map(|s| parse_time("until", s))
            .transpose()?,
        ip: f.ip.clone(),
        app_proto: f.app_proto.clone(),
        dest_port: f.dest_port,
        limit: Some(limit),
        offset: page.offset(),
    };
    blocking(move || {
        scoped(&state, &caller, q.ip.as_deref(), None)?;
        Ok(Json(Paged {
            total: state.store.count_flows(&q)?,
            limit,
            offset: q.offset,
            items: state.store.flows(&q)?,
        }))
    })
    .await
}
