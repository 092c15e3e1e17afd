//! Posture: now, history, forecast, and the drill-down organisation →
//! zone → host → service.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use axum::response::Response;
use taishi_assess::posture::summary;
use taishi_core::domain::{PosturePoint, Scope, ScopeKind};
use taishi_core::store::PostureQuery;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::{AppState, blocking};

use taishi_assess::assets::{TenantView, service_host};

/// One posture figure as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Point {
    /// `organisation`, `zone`, `host` or `service`.
    pub kind: String,
    /// Key within the layer.
    pub key: String,
    /// Bucket start, Unix seconds.
    pub bucket: u64,
    /// Bucket length, seconds.
    pub width: u64,
    /// Threat index 0..100.
    pub index: f64,
    /// `green`, `blue`, `yellow`, `orange`, `red`.
    pub level: String,
    /// The level's colour.
    pub colour: String,
    /// Forecast rather than measured.
    pub forecast: bool,
}

fn kind_name(k: ScopeKind) -> &'static str {
    match k {
        ScopeKind::Service => "service",
        ScopeKind::Host => "host",
        ScopeKind::Zone => "zone",
        ScopeKind::Organisation => "organisation",
    }
}

fn parse_kind(s: &str) -> ApiResult<ScopeKind> {
    Ok(match s {
        "service" => ScopeKind::Service,
        "host" => ScopeKind::Host,
        "zone" => ScopeKind::Zone,
        "organisation" | "organization" => ScopeKind::Organisation,
        _ => {
            return Err(ApiError::field(
                "kind",
                "kind must be organisation, zone, host or service",
            ));
        }
    })
}

impl From<&PosturePoint> for Point {
    fn from(p: &PosturePoint) -> Point {
        let level = serde_json::to_value(p.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Point {
            kind: kind_name(p.scope.kind).into(),
            key: p.scope.key.clone(),
            bucket: p.bucket,
            width: p.width,
            index: p.index,
            level,
            colour: p.level.colour().into(),
            forecast: p.forecast,
        }
    }
}

/// `?scope=` of `GET /posture`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeParam {
    /// `org` (the caller's organisation, default) or `KIND:KEY`
    /// (`organisation:grid`, `zone:OT`, `host:10.0.0.5`, `service:10.0.0.5:502/TCP`).
    pub scope: Option<String>,
}

/// Parses `org` or `kind:key`; `org` is the caller's own organisation.
fn parse_scope(caller: &Caller, s: Option<&str>) -> ApiResult<Scope> {
    match s {
        None | Some("" | "org") => Ok(Scope {
            kind: ScopeKind::Organisation,
            key: caller.user.tenant.clone(),
        }),
        Some(s) => {
            let (kind, key) = s
                .split_once(':')
                .ok_or_else(|| ApiError::field("scope", "scope is org or KIND:KEY"))?;
            Ok(Scope {
                kind: parse_kind(kind)
                    .map_err(|_| ApiError::field("scope", "unknown scope kind"))?,
                key: key.to_owned(),
            })
        }
    }
}

/// The registry as `caller` sees it, when it sees `scope` (else 404, as
/// for a scope that does not exist).
fn view_of(state: &AppState, caller: &Caller, scope: &Scope) -> ApiResult<TenantView> {
    let view = super::scope::view(state, caller)?;
    if !view.sees_scope(scope) {
        return Err(ApiError::not_found("posture scope"));
    }
    Ok(view)
}

/// The posture of a scope now: level, index, trend, explanation, series,
/// forecast and its back-tested error (taishi-assess's `Summary`).
#[utoipa::path(get, path = "/api/v1/posture", tag = "posture", params(ScopeParam),
    responses((status = 200, description = "the posture summary of the scope (see `taishi posture --json`)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn now(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ScopeParam>,
) -> ApiResult<Response> {
    let scope = parse_scope(&caller, q.scope.as_deref())?;
    let json = blocking(move || {
        let view = view_of(&state, &caller, &scope)?;
        summary_json(&state, view.index(), scope)
    })
    .await?;
    Ok(super::json_response(&json))
}

/// The summary of `scope` as JSON, from the cache when it holds this
/// generation's (or a stale one being recomputed), else computed once
/// however many requests ask at the same time.
pub(crate) fn summary_json(
    state: &AppState,
    index: &taishi_assess::assets::AssetIndex,
    scope: Scope,
) -> ApiResult<Arc<Vec<u8>>> {
    let generation = state.generation();
    if let Some(json) = state.summaries().served(&scope, generation) {
        return Ok(json);
    }
    let lock = state.summaries().first_lock(&scope);
    let _computing = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Whoever held the lock before us may have just computed it.
    let generation = state.generation();
    if let Some(json) = state.summaries().get_or_claim(&scope, generation) {
        return Ok(json);
    }
    refresh_summary(state, index, scope, generation)
}

/// Computes the summary of `scope` (claimed in the cache by the caller)
/// and caches it as of `generation`.
pub(crate) fn refresh_summary(
    state: &AppState,
    index: &taishi_assess::assets::AssetIndex,
    scope: Scope,
    generation: u64,
) -> ApiResult<Arc<Vec<u8>>> {
    let computed = summary(&*state.store, index, &state.config.posture, &scope)
        .map_err(ApiError::from)
        .and_then(|s| serde_json::to_vec(&s).map_err(ApiError::internal));
    match computed {
        Ok(json) => {
            let json = Arc::new(json);
            state.summaries().put(scope, generation, json.clone());
            Ok(json)
        }
        Err(e) => {
            state.summaries().release(&scope);
            Err(e)
        }
    }
}

/// Recomputes the summaries cached from an older generation, so that
/// requests after a change find them ready (the live poller calls it).
pub(crate) fn refresh_stale_summaries(state: &AppState) -> ApiResult<()> {
    let generation = state.generation();
    let stale = state.summaries().claim_stale(generation);
    if stale.is_empty() {
        return Ok(());
    }
    let index = state.registry()?;
    refresh_all(state, &index, stale, generation)
}

/// Computes the summary of every organisation in the registry (and of the
/// site itself) before anyone asks: the Overview opens on it.
pub(crate) fn warm_summaries(state: &AppState) -> ApiResult<()> {
    let index = state.registry()?;
    let mut tenants: Vec<String> = index.all().iter().map(|a| a.tenant.clone()).collect();
    tenants.push(String::new());
    tenants.sort();
    tenants.dedup();
    for key in tenants {
        let scope = Scope {
            kind: ScopeKind::Organisation,
            key,
        };
        summary_json(state, &index, scope)?;
    }
    Ok(())
}

fn refresh_all(
    state: &AppState,
    index: &taishi_assess::assets::AssetIndex,
    stale: Vec<Scope>,
    generation: u64,
) -> ApiResult<()> {
    let mut first_error = None;
    for scope in stale {
        if let Err(e) = refresh_summary(state, index, scope, generation) {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// `?kind=&key=&since=&until=` for a series.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// `organisation` (default), `zone`, `host`, `service`.
    pub kind: Option<String>,
    /// Key within the layer (default: the caller's tenant for `organisation`).
    pub key: Option<String>,
    /// Buckets from this Unix second.
    pub since: Option<u64>,
    /// Buckets before this Unix second.
    pub until: Option<u64>,
}

fn series(
    state: &AppState,
    caller: &Caller,
    q: &SeriesQuery,
    forecast: bool,
) -> ApiResult<Vec<Point>> {
    let kind = parse_kind(q.kind.as_deref().unwrap_or("organisation"))?;
    let key = match (&q.key, kind) {
        (Some(k), _) => k.clone(),
        (None, ScopeKind::Organisation) => caller.user.tenant.clone(),
        (None, _) => return Err(ApiError::field("key", "key is required for this kind")),
    };
    let scope = Scope { kind, key };
    view_of(state, caller, &scope)?;
    let pts = state.store.posture(&PostureQuery {
        kind: Some(scope.kind),
        key: Some(scope.key.clone()),
        since: q.since,
        until: q.until,
        forecast,
    })?;
    let mut out: Vec<Point> = pts
        .iter()
        .filter(|p| p.forecast == forecast && p.scope == scope)
        .map(Point::from)
        .collect();
    out.sort_by_key(|p| p.bucket);
    Ok(out)
}

/// Measured posture of one scope over time.
#[utoipa::path(get, path = "/api/v1/posture/history", tag = "posture", params(SeriesQuery),
    responses((status = 200, body = Vec<Point>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SeriesQuery>,
) -> ApiResult<Json<Vec<Point>>> {
    blocking(move || series(&state, &caller, &q, false).map(Json)).await
}

/// Forecast posture of one scope.
#[utoipa::path(get, path = "/api/v1/posture/forecast", tag = "posture", params(SeriesQuery),
    responses((status = 200, body = Vec<Point>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn forecast(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SeriesQuery>,
) -> ApiResult<Json<Vec<Point>>> {
    blocking(move || series(&state, &caller, &q, true).map(Json)).await
}

/// A node and its children at the node's latest bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct Drill {
    /// The node's latest measured point (`null` when it has none).
    pub node: Option<Point>,
    /// Its children at that bucket, most threatened first.
    pub items: Vec<Point>,
}

/// One level down the hierarchy: organisation → zones → hosts → services.
#[utoipa::path(get, path = "/api/v1/posture/drilldown", tag = "posture", params(ScopeParam),
    responses((status = 200, body = Drill), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn drilldown(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ScopeParam>,
) -> ApiResult<Response> {
    let scope = parse_scope(&caller, q.scope.as_deref())?;
    let json = blocking(move || {
        let view = view_of(&state, &caller, &scope)?;
        // Children depend on what the caller's tenant sees.
        let key = format!("drilldown {scope:?} {:?}", caller.tenant_scope());
        state.cached_page(key, || drill(&state, &view, &scope))
    })
    .await?;
    Ok(super::json_response(&json))
}

/// The drill-down of `scope` as `view` sees it.
fn drill(state: &AppState, view: &TenantView, scope: &Scope) -> ApiResult<Drill> {
    let node = state
        .store
        .posture(&PostureQuery {
            kind: Some(scope.kind),
            key: Some(scope.key.clone()),
            ..PostureQuery::default()
        })?
        .into_iter()
        .filter(|p| !p.forecast && p.scope == *scope)
        .max_by_key(|p| p.bucket);
    let Some(node) = node else {
        return Ok(Drill {
            node: None,
            items: Vec::new(),
        });
    };
    let child_kind = match scope.kind {
        ScopeKind::Organisation => ScopeKind::Zone,
        ScopeKind::Zone => ScopeKind::Host,
        ScopeKind::Host | ScopeKind::Service => ScopeKind::Service,
    };
    let candidates = if scope.kind == ScopeKind::Service {
        Vec::new()
    } else {
        state.store.posture(&PostureQuery {
            kind: Some(child_kind),
            since: Some(node.bucket),
            until: Some(node.bucket.saturating_add(1)),
            ..PostureQuery::default()
        })?
    };
    let mut children: Vec<Point> = candidates
        .iter()
        .filter(|p| !p.forecast && view.sees_scope(&p.scope))
        .filter(|p| match scope.kind {
            ScopeKind::Organisation => true,
            ScopeKind::Zone => view.zone_of(&p.scope.key).as_deref() == Some(&scope.key),
            ScopeKind::Host => service_host(&p.scope.key) == Some(scope.key.as_str()),
            ScopeKind::Service => false,
        })
        .map(Point::from)
        .collect();
    children.sort_by(|a, b| b.index.total_cmp(&a.index));
    Ok(Drill {
        node: Some(Point::from(&node)),
        items: children,
    })
}
