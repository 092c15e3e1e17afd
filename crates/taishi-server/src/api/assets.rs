//! Assets: the registry and what traffic discovered; list, detail, import.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use taishi_core::domain::{Asset, AssetOrigin};
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::{Caller, random_secret};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use super::{Body, Page, Paged};

/// `GET /assets` filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetFilter {
    /// `declared`, `discovered` or `both`.
    pub origin: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
    /// Page offset.
    pub offset: Option<u64>,
}

/// Assets the caller sees, by address.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetFilter),
    responses((status = 200, description = "{total, limit, offset, items: [asset]}"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<AssetFilter>,
) -> ApiResult<Json<Paged<Asset>>> {
    let page = Page {
        limit: f.limit,
        offset: f.offset,
    };
    let limit = page.limit()?;
    let origin = match f.origin.as_deref() {
        None | Some("") => None,
        Some("declared") => Some(AssetOrigin::Declared),
        Some("discovered") => Some(AssetOrigin::Discovered),
        Some("both") => Some(AssetOrigin::Both),
        Some(_) => {
            return Err(ApiError::field(
                "origin",
                "origin must be declared, discovered or both",
            ));
        }
    };
    blocking(move || {
        let mine: Vec<Asset> = state
            .store
            .assets()?
            .into_iter()
            .filter(|a| caller.sees(&a.tenant) && origin.is_none_or(|o| a.origin == o))
            .collect();
        Ok(Json(Paged::of(mine, limit, page.offset())))
    })
    .await
}

/// One asset by its address key (URL-encode the `/` of a network).
#[utoipa::path(get, path = "/api/v1/assets/{address}", tag = "assets",
    params(("address" = String, Path, description = "address or CIDR, URL-encoded")),
    responses((status = 200, description = "the asset"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(address): Path<String>,
) -> ApiResult<Json<Asset>> {
    blocking(move || {
        state
            .store
            .asset(&address)?
            .filter(|a| caller.sees(&a.tenant))
            .map(Json)
            .ok_or_else(|| ApiError::not_found("asset"))
    })
    .await
}

/// `?format=` of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportFormat {
    /// `csv`, `json` or `yaml` (default: from Content-Type).
    pub format: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    /// Records imported.
    pub imported: usize,
    /// Columns in the file that no asset field takes.
    pub ignored_fields: Vec<String>,
}

/// The file extension an upload is read as.
pub(crate) fn upload_format(
    explicit: Option<&str>,
    headers: &HeaderMap,
    allowed: &[&'static str],
) -> ApiResult<&'static str> {
    if let Some(f) = explicit {
        return allowed.iter().find(|a| **a == f).copied().ok_or_else(|| {
            ApiError::field(
                "format",
                format!("format must be one of {}", allowed.join(", ")),
            )
        });
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let guess = if ct.contains("csv") {
        "csv"
    } else if ct.contains("yaml") {
        "yaml"
    } else if ct.contains("json") {
        "json"
    } else {
        ""
    };
    allowed
        .iter()
        .find(|a| **a == guess)
        .copied()
        .ok_or_else(|| ApiError::field("format", "give ?format= or a Content-Type naming it"))
}

/// Writes an upload to a private temporary file, for readers that take paths.
pub(crate) struct TempUpload(pub std::path::PathBuf);

impl TempUpload {
    pub(crate) fn new(bytes: &[u8], ext: &str) -> ApiResult<TempUpload> {
        let p = std::env::temp_dir().join(format!("taishi-upload-{}.{ext}", random_secret()));
        std::fs::write(&p, bytes).map_err(ApiError::internal)?;
        Ok(TempUpload(p))
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Imports a registry (CSV, JSON or YAML; the body is the file). All or
/// nothing: one bad field refuses the whole file, naming every bad field.
#[utoipa::path(post, path = "/api/v1/assets/import", tag = "assets", params(ImportFormat),
    request_body(content = String, description = "the registry file", content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportFormat>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<Imported>> {
    caller.require_write()?;
    let ext = upload_format(q.format.as_deref(), &headers, &["csv", "json", "yaml"])?;
    let file = TempUpload::new(&body, ext)?;
    blocking(move || {
        let got = taishi_assess::assets::import_report(&file.0).map_err(|e| {
            let msg = e
                .to_string()
                .replace(&file.0.display().to_string(), "upload");
            let field = match &e {
                taishi_assess::assets::AssetError::Rows { errors, .. } => {
                    errors.first().map(|r| r.field.clone())
                }
                _ => None,
            };
            ApiError {
                status: axum::http::StatusCode::BAD_REQUEST,
                error: msg,
                field: Some(field.unwrap_or_else(|| "body".into())),
            }
        })?;
        let mine = caller.user.tenant.clone();
        let old: HashMap<String, Asset> = state
            .store
            .assets()?
            .into_iter()
            .map(|a| (a.address.clone(), a))
            .collect();
        let mut out = Vec::with_capacity(got.assets.len());
        for mut a in got.assets {
            if a.tenant.is_empty() {
                a.tenant.clone_from(&mine);
            }
            // The site (empty tenant) declares the registry for every
            // tenant; a tenant declares only its own assets and cannot
            // take over another's address.
            let foreign = |t: &str| !mine.is_empty() && t != mine;
            // A host only seen in traffic, with no tenant yet, is free to claim.
            let claimed = |o: &Asset| !(o.origin == AssetOrigin::Discovered && o.tenant.is_empty());
            if foreign(&a.tenant)
                || old
                    .get(&a.address)
                    .is_some_and(|o| foreign(&o.tenant) && claimed(o))
            {
                return Err(ApiError {
                    status: axum::http::StatusCode::FORBIDDEN,
                    error: format!("asset {} belongs to another tenant", a.address),
                    field: Some("tenant".into()),
                });
            }
            out.push(a);
        }
        // What traffic taught about the same addresses stays (the registry
        // says what a host should be, traffic what it is). Only records of
        // these addresses take part, so a declared network cannot pull in
        // other tenants' discovered hosts.
        let seen: Vec<Asset> = out
            .iter()
            .filter_map(|a| old.get(&a.address))
            .filter(|o| o.origin != AssetOrigin::Declared)
            .cloned()
            .collect();
        let out = taishi_assess::assets::merge(out, seen);
        state.store.put_assets(&out)?;
        state.reload_registry()?;
        state.changed();
        audit::record(
            &*state.control,
            &caller.actor(),
            "asset.import",
            "assets",
            &format!("{} records ({ext})", out.len()),
        )?;
        Ok(Json(Imported {
            imported: out.len(),
            ignored_fields: got.ignored_fields,
        }))
    })
    .await
}
