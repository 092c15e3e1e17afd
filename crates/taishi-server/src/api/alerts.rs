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
use serde::{Deserialize, Serialize};
use taishi_core::domain::{AlertRow, FlowRow};
use taishi_core::store::{AlertQuery, FlowGroup, FlowGroupRow, FlowQuery};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::{Page, Paged, parse_period};

/// Longest alert search text, characters.
pub const MAX_SEARCH_CHARS: usize = 200;

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
    /// Text the signature, category or ATT&CK technique ids contain.
    pub q: Option<String>,
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
    let view = super::scope::view(state, caller)?;
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
    if f.q
        .as_ref()
        .is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(ApiError::field(
            "q",
            format!("search text is at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    let (since, until) = parse_period(f.since.as_deref(), f.until.as_deref())?;
    let q = AlertQuery {
        since,
        until,
        ip: f.ip.clone(),
        sid: f.sid,
        max_severity: f.max_severity,
        incident_id: f.incident_id,
        text: f.q.clone().filter(|q| !q.trim().is_empty()),
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
    let (since, until) = parse_period(f.since.as_deref(), f.until.as_deref())?;
    let q = FlowQuery {
        since,
        until,
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

/// `GET /flows/summary`: the flow filters and how to group.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlowSummaryFilter {
    /// `app_proto` (default), `service` (port/transport), `src_ip` or `dest_ip`.
    pub group: Option<String>,
    /// Started from (Unix seconds or RFC 3339).
    pub since: Option<String>,
    /// Started before.
    pub until: Option<String>,
    /// Client or server address.
    pub ip: Option<String>,
    /// Groups returned at most (default 20, at most 1000).
    pub limit: Option<u64>,
}

/// Flows grouped, largest group first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowSummary {
    /// The grouping asked for.
    pub group: String,
    /// Flows matching the filters in all.
    pub total: u64,
    /// The largest groups.
    pub items: Vec<FlowGroupItem>,
}

/// One group of a [`FlowSummary`].
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowGroupItem {
    /// Group key (`""` for flows whose protocol was not recognised).
    pub key: String,
    /// Flows in it.
    pub flows: u64,
    /// Bytes both ways.
    pub bytes: u64,
}

impl From<FlowGroupRow> for FlowGroupItem {
    fn from(r: FlowGroupRow) -> FlowGroupItem {
        FlowGroupItem {
            key: r.key,
            flows: r.flows,
            bytes: r.bytes,
        }
    }
}

/// Flow counts and bytes by application protocol, service or address:
/// the protocol and industrial activity of the Overview, from every flow
/// stored rather than a sample.
#[utoipa::path(get, path = "/api/v1/flows/summary", tag = "alerts", params(FlowSummaryFilter),
    responses((status = 200, body = FlowSummary), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn flow_summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<FlowSummaryFilter>,
) -> ApiResult<Json<FlowSummary>> {
    let name = f.group.clone().unwrap_or_else(|| "app_proto".into());
    let group = match name.as_str() {
        "app_proto" => FlowGroup::AppProto,
        "service" => FlowGroup::Service,
        "src_ip" => FlowGroup::SrcIp,
        "dest_ip" => FlowGroup::DestIp,
        _ => {
            return Err(ApiError::field(
                "group",
                "group is app_proto, service, src_ip or dest_ip",
            ));
        }
    };
    let limit = Page {
        limit: Some(f.limit.unwrap_or(20)),
        offset: None,
    }
    .limit()?;
    let (since, until) = parse_period(f.since.as_deref(), f.until.as_deref())?;
    let q = FlowQuery {
        since,
        until,
        ip: f.ip,
        limit: Some(limit),
        ..FlowQuery::default()
    };
    blocking(move || {
        scoped(&state, &caller, q.ip.as_deref(), None)?;
        let total = state.store.count_flows(&FlowQuery {
            limit: None,
            ..q.clone()
        })?;
        let items = state.store.flow_summary(&q, group)?;
        Ok(Json(FlowSummary {
            group: name,
            total,
            items: items.into_iter().map(FlowGroupItem::from).collect(),
        }))
    })
    .await
}
