//! Incidents: filter, detail, timeline, status/assignee changes, notes.
//!
//! An incident of another tenant answers 404, as one that does not exist:
//! a tenant does not learn which ids another one has.
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use taishi_core::domain::{AlertRow, Incident, IncidentStatus};
use taishi_core::store::{AlertQuery, IncidentQuery, IncidentUpdate};
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::{Caller, now_ns};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::{Body, Page, Paged, json_body, json_response, parse_time};

/// Longest note, characters.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest assignee name, characters.
pub const MAX_ASSIGNEE_CHARS: usize = 100;

/// `GET /incidents` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentFilter {
    /// Comma-separated states (`new,acknowledged`).
    pub status: Option<String>,
    /// Involving this address.
    pub ip: Option<String>,
    /// Active since (Unix seconds or RFC 3339).
    pub since: Option<String>,
    /// `severity` to order by severity instead of recency.
    pub order: Option<String>,
    /// Regulators only: only this tenant.
    pub tenant: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

pub(crate) fn parse_statuses(s: Option<&str>) -> ApiResult<Vec<IncidentStatus>> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    s.split(',')
        .map(|x| {
            IncidentStatus::parse(x.trim())
                .ok_or_else(|| ApiError::field("status", format!("unknown status {:?}", x.trim())))
        })
        .collect()
}

/// Incidents the caller sees, newest first (or by severity).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentFilter),
    responses((status = 200, description = "{total, limit, offset, items: [incident]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<IncidentFilter>,
) -> ApiResult<Response> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    let tenant = match caller.tenant_scope() {
        Some(t) => Some(t),
        None => f.tenant.clone(),
    };
    let q = IncidentQuery {
        since: f
            .since
            .as_deref()
            .map(|s| parse_time("since", s))
            .transpose()?,
        status: parse_statuses(f.status.as_deref())?,
        ip: f.ip.clone(),
        tenant,
        by_severity: match f.order.as_deref() {
            None | Some("recent") => false,
            Some("severity") => true,
            Some(_) => return Err(ApiError::field("order", "order must be recent or severity")),
        },
        limit: Some(limit),
        offset: page.offset(),
    };
    let json = blocking(move || {
        // The query (tenant included) names the answer; the generation
        // says whether the store changed since it was read.
        state.cached_page(format!("incidents {q:?}"), || {
            Ok(Paged {
                total: state.store.count_incidents(&q)?,
                limit,
                offset: q.offset,
                items: state.store.incidents(&q)?,
            })
        })
    })
    .await?;
    Ok(json_response(&json))
}

/// The incident `id` if the caller sees it.
pub(crate) fn visible(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Incident> {
    state
        .store
        .incident(id)?
        .filter(|i| caller.sees(&i.tenant))
        .ok_or_else(|| ApiError::not_found("incident"))
}

/// One incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")),
    responses((status = 200, description = "the incident"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Incident>> {
    blocking(move || visible(&state, &caller, id).map(Json)).await
}

/// The alerts of an incident in time order.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    params(("id" = i64, Path, description = "incident id"), Page),
    responses((status = 200, description = "{total, limit, offset, items: [alert]} oldest first"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paged<AlertRow>>> {
    let limit = page.limit()?;
    blocking(move || {
        visible(&state, &caller, id)?;
        let q = AlertQuery {
            incident_id: Some(id),
            limit: Some(limit),
            offset: page.offset(),
            ..AlertQuery::default()
        };
        let mut items = state.store.alerts(&q)?;
        // Ids follow insertion, which is close to but not exactly time order
        // (sensors flush at different moments).
        items.sort_by_key(|a| (a.ts, a.id));
        Ok(Json(Paged {
            total: state.store.count_alerts(&q)?,
            limit,
            offset: q.offset,
            items,
        }))
    })
    .await
}

/// `PATCH /incidents/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// New state.
    pub status: Option<String>,
    /// New assignee (`""` clears).
    pub assignee: Option<String>,
}

/// Changes an incident's state or assignee.
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")), request_body = IncidentPatch,
    responses((status = 200, description = "the updated incident"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Incident>> {
    caller.require_write()?;
    let patch: IncidentPatch = json_body(&body)?;
    let status = patch
        .status
        .as_deref()
        .map(|s| {
            IncidentStatus::parse(s).ok_or_else(|| ApiError::field("status", "unknown status"))
        })
        .transpose()?;
    if let Some(a) = &patch.assignee {
        super::public::check_text("assignee", a, MAX_ASSIGNEE_CHARS, false)?;
    }
    if status.is_none() && patch.assignee.is_none() {
        return Err(ApiError::field(
            "status",
            "nothing to change: give status or assignee",
        ));
    }
    blocking(move || {
        visible(&state, &caller, id)?;
        let up = IncidentUpdate {
            status,
            assignee: patch.assignee.clone(),
            note: None,
            now: now_ns(),
        };
        let inc = state
            .store
            .update_incident(id, &up)?
            .ok_or_else(|| ApiError::not_found("incident"))?;
        state.changed();
        let detail = serde_json::json!({"status": patch.status, "assignee": patch.assignee});
        audit::record(
            &*state.control,
            &caller.actor(),
            "incident.update",
            &format!("incident:{id}"),
            &detail.to_string(),
        )?;
        Ok(Json(inc))
    })
    .await
}

/// `POST /incidents/{id}/notes` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteBody {
    /// Plain text.
    pub text: String,
}

/// What a note answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteAdded {
    /// Notes on the incident now.
    pub notes: usize,
}

/// Adds a note (analysts, admins and regulators).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path, description = "incident id")), request_body = NoteBody,
    responses((status = 201, body = NoteAdded), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<(axum::http::StatusCode, Json<NoteAdded>)> {
    // Regulators write notes (their guidance on an incident) and nothing else.
    if caller.require_write().is_err() && caller.user.role != taishi_core::control::Role::Regulator
    {
        return Err(ApiError::forbidden("the viewer role cannot write notes"));
    }
    let note: NoteBody = json_body(&body)?;
    super::public::check_text("text", &note.text, MAX_NOTE_CHARS, true)?;
    blocking(move || {
        visible(&state, &caller, id)?;
        let up = IncidentUpdate {
            note: Some((caller.user.username.clone(), note.text.clone())),
            now: now_ns(),
            ..IncidentUpdate::default()
        };
        let inc = state
            .store
            .update_incident(id, &up)?
            .ok_or_else(|| ApiError::not_found("incident"))?;
        state.changed();
        audit::record(
            &*state.control,
            &caller.actor(),
            "incident.note",
            &format!("incident:{id}"),
            &note.text,
        )?;
        Ok((
            axum::http::StatusCode::CREATED,
            Json(NoteAdded {
                notes: inc.notes.len(),
            }),
        ))
    })
    .await
}
