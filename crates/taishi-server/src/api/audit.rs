//! The audit log: list and verify (admins and regulators).

use axum::Json;
use axum::extract::{Query, State};
use taishi_core::control::{AuditEntry, AuditQuery, Role};

use crate::audit::{Verification, verify_store};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::{Page, Paged};

fn may_audit(caller: &Caller) -> ApiResult<()> {
    match caller.user.role {
        Role::Admin | Role::Regulator => Ok(()),
        _ => Err(ApiError::forbidden("admin or regulator role required")),
    }
}

/// Audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(Page),
    responses((status = 200, description = "{total, limit, offset, items: [entry]}"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paged<AuditEntry>>> {
    may_audit(&caller)?;
    let limit = page.limit()?;
    blocking(move || {
        let q = AuditQuery {
            newest_first: true,
            limit: Some(limit),
            offset: page.offset(),
            ..AuditQuery::default()
        };
        Ok(Json(Paged {
            total: state.control.count_audit()?,
            limit,
            offset: q.offset,
            items: state.control.audit(&q)?,
        }))
    })
    .await
}

/// Checks the hash chain of the whole log.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = Verification), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Verification>> {
    may_audit(&caller)?;
    blocking(move || Ok(Json(verify_store(&*state.control)?))).await
}
