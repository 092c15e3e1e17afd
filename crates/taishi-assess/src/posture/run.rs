//! The posture stage against a store: compute and keep the series, and
//! summarise one scope for `taishi posture`, the reports and the console.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use taishi_core::domain::{AlertRow, Incident, Level, PosturePoint, Scope, ScopeKind};
use taishi_core::store::{AlertQuery, IncidentQuery, PostureQuery};
use taishi_core::{Store, StoreError};

use super::explain::{Explanation, explain};
use super::forecast::{BacktestError, Method, Params, backtest_seasonal, forecast_seasonal};
use super::model::{AtomBuilder, IncidentInfo, bucket_of};
use super::series::{MAX_SERIES_BUCKETS, memory_buckets, points};
use super::trend::{Trend, trend};
use super::{PostureConfig, level_of};
use crate::assets::AssetIndex;

/// Alerts read per store call: bounds memory on a long history.
const PAGE: u64 = 20_000;
/// Posture points written per store call.
const WRITE_BATCH: usize = 10_000;
/// Highest alert id already in the stored series.
const META_CURSOR: &str = "posture.alert_cursor";
/// Last bucket of the stored organisation series.
const META_LAST: &str = "posture.last_bucket";
/// What the stored series were computed with ([`fingerprint`]): anything
/// else means a recomputation from the first alert.
const META_CONFIG: &str = "posture.config";
const NS: u64 = 1_000_000_000;

/// Where one organisation stands after [`compute`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationStatus {
    /// Tenant (`""` single site).
    pub tenant: String,
    /// Last measured bucket.
    pub bucket: u64,
    /// Its index.
    pub index: f64,
    /// Its level.
    pub level: Level,
    /// Error of the forecast written for it.
    pub backtest: BacktestError,
}

/// What [`compute`] did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureReport {
    /// Whether every stored alert was re-read (first run, or new settings).
    pub full: bool,
    /// Alerts read.
    pub alerts_read: u64,
    /// Measured points written.
    pub points_written: u64,
    /// First bucket written.
    pub first_bucket: Option<u64>,
    /// Last bucket written.
    pub last_bucket: Option<u64>,
    /// When the alerts spanned more than `series::MAX_SERIES_BUCKETS`,
    /// the first bucket charted (older alerts were not).
    pub clipped_before: Option<u64>,
    /// Forecast points written (organisations and zones).
    pub forecast_points: u64,
    /// Each organisation's level now.
    pub organisations: Vec<OrganisationStatus>,
}

/// The posture of one scope: what `taishi posture --json` prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The scope.
    pub scope: Scope,
    /// Bucket length, seconds.
    pub bucket_secs: u64,
    /// Last measured bucket (`None`: no series yet).
    pub as_of: Option<u64>,
    /// Level in the last bucket.
    pub level: Level,
    /// Index in the last bucket.
    pub index: f64,
    /// Direction over the last `trend_buckets`.
    pub trend: Trend,
    /// Level one trend window before the last bucket (green when the
    /// series is shorter).
    pub previous_level: Level,
    /// The last bucket taken apart.
    pub explanation: Explanation,
    /// The highest measured point.
    pub peak: Option<PosturePoint>,
    /// The peak taken apart.
    pub peak_explanation: Option<Explanation>,
    /// The measured series, oldest first.
    pub series: Vec<PosturePoint>,
    /// The next `horizon` buckets, `forecast: true`.
    pub forecast: Vec<PosturePoint>,
    /// How they were forecast.
    pub forecast_method: Method,
    /// With which parameters.
    pub forecast_params: Params,
    /// The forecast's measured error on the held-out end of the series.
    pub backtest: BacktestError,
}

/// What the stored figures depend on: the model's settings and the asset
/// registry (criticality, CII, zones, authorised peers). When either
/// changes, every figure is recomputed; display settings (horizon, trend,
/// explanation length) do not count, nor do what traffic teaches of an
/// asset (seen times, services, software, exposure): every run moves
/// those, and hashing them made every run recompute the whole series.
fn fingerprint(config: &PostureConfig, assets: &AssetIndex) -> String {
    use std::hash::{Hash, Hasher};
    let model = serde_json::json!([
        config.bucket_secs,
        config.half_life_buckets,
        config.thresholds,
        config.saturation,
        config.severity_weights,
        config.cii_bonus,
        config.authorised_peer_factor,
    ]);
    // Not a stable hash across Rust releases; a mismatch only costs one
    // full recomputation.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for a in assets.all() {
        (
            &a.address,
            &a.name,
            &a.owner,
            &a.tenant,
            &a.sector,
            a.criticality,
            a.cii,
            &a.zone,
            &a.role,
            &a.authorised_peers,
        )
            .hash(&mut h);
    }
    format!("{model} {:016x}", h.finish())
}

/// Reads alerts since `since` (ns) after id `after`, page by page.
fn read_alerts(
    store: &dyn Store,
    since: Option<u64>,
    until: Option<u64>,
    after: Option<i64>,
    mut f: impl FnMut(&AlertRow),
) -> Result<(u64, Option<i64>), StoreError> {
    let mut cursor = after;
    let mut n = 0;
    loop {
        let page = store.alerts(&AlertQuery {
            since,
            until,
            after_id: cursor,
            limit: Some(PAGE),
            ..AlertQuery::default()
        })?;
        for a in &page {
            f(a);
            cursor = Some(cursor.map_or(a.id, |c| c.max(a.id)));
        }
        n += page.len() as u64;
        if (page.len() as u64) < PAGE {
            return Ok((n, cursor));
        }
    }
}

fn meta_num<T: std::str::FromStr>(store: &dyn Store, key: &str) -> Result<Option<T>, StoreError> {
    Ok(store.meta(key)?.and_then(|v| v.parse().ok()))
}

/// Computes the posture series from the alerts and incidents in the store
/// and writes them, then replaces the forecast.
///
/// The first run (or a run with other settings) reads every alert. Later
/// runs read only what can have changed: from the earlier of the oldest new
/// alert's bucket and the last computed bucket minus the decay memory
/// (incidents there may have gained stages or been marked false positive),
/// plus one decay memory before that to warm the decay up.
///
/// Writes points for every scope (organisations and zones for every bucket
/// from the first alert to the end of the decay, so the series has no
/// holes; hosts and services where they had any threat), then a forecast of
/// `config.horizon` buckets for every organisation and zone.
pub fn compute(
    store: &dyn Store,
    assets: &AssetIndex,
    config: &PostureConfig,
) -> Result<PostureReport, StoreError> {
    let width = config.bucket_secs.max(1);
    let memory = memory_buckets(config).saturating_mul(width);
    let fp = fingerprint(config, assets);
    let same = store.meta(META_CONFIG)?.as_deref() == Some(fp.as_str());
    let cursor: Option<i64> = if same {
        meta_num(store, META_CURSOR)?
    } else {
        None
    };
    let last: Option<u64> = if same {
        meta_num(store, META_LAST)?
    } else {
        None
    };
    let from = match (cursor, last) {
        (Some(c), Some(l)) => {
            let mut oldest: Option<u64> = None;
            read_alerts(store, None, None, Some(c), |a| {
                oldest = Some(oldest.map_or(a.ts, |o| o.min(a.ts)));
            })?;
            let recent = l.saturating_sub(memory);
            Some(oldest.map_or(recent, |ts| bucket_of(ts, width).min(recent)))
        }
        _ => None,
    };
    let incidents = store.incidents(&IncidentQuery::default())?;
    let info = IncidentInfo::new(&incidents);
    let mut builder = AtomBuilder::default();
    let since = from.map(|f| f.saturating_sub(memory).saturating_mul(NS));
    let (alerts_read, max_id) = read_alerts(store, since, None, None, |a| {
        builder.add(a, &info, assets, config);
    })?;
    let atoms = builder.finish(assets, config);
    let (pts, clipped) = points(&atoms, config, from, config.until);
    for chunk in pts.chunks(WRITE_BATCH) {
        store.put_posture(chunk)?;
    }
    let org_last = pts
        .iter()
        .filter(|p| p.scope.kind == ScopeKind::Organisation)
        .map(|p| p.bucket)
        .max();
    let mut report = PostureReport {
        full: from.is_none(),
        alerts_read,
        points_written: pts.len() as u64,
        first_bucket: pts.iter().map(|p| p.bucket).min(),
        last_bucket: pts.iter().map(|p| p.bucket).max(),
        clipped_before: clipped,
        ..PostureReport::default()
    };
    if let Some(id) = max_id.max(cursor) {
        store.set_meta(META_CURSOR, &id.to_string())?;
    }
    if let Some(b) = org_last.max(last) {
        store.set_meta(META_LAST, &b.to_string())?;
    }
    store.set_meta(META_CONFIG, &fp)?;

    store.clear_forecast()?;
    for kind in [ScopeKind::Organisation, ScopeKind::Zone] {
        let stored = store.posture(&PostureQuery {
            kind: Some(kind),
            ..PostureQuery::default()
        })?;
        let mut by_key: BTreeMap<String, Vec<PosturePoint>> = BTreeMap::new();
        for p in stored
            .into_iter()
            .filter(|p| !p.forecast && p.width == width)
        {
            by_key.entry(p.scope.key.clone()).or_default().push(p);
        }
        for (key, mut series) in by_key {
            series.sort_by_key(|p| p.bucket);
            let scope = Scope { kind, key };
            let (fc, _, _) = project(&series, &scope, config);
            store.put_posture(&fc)?;
            report.forecast_points += fc.len() as u64;
            if kind == ScopeKind::Organisation
                && let Some(p) = series.last()
            {
                let values: Vec<f64> = series.iter().map(|p| p.index).collect();
                report.organisations.push(OrganisationStatus {
                    tenant: scope.key.clone(),
                    bucket: p.bucket,
                    index: p.index,
                    level: p.level,
                    backtest: backtest_seasonal(&values, config.horizon, config.daily_season()),
                });
            }
        }
    }
    Ok(report)
}

/// Forecast points after `series` (sorted), with the method and parameters.
fn project(
    series: &[PosturePoint],
    scope: &Scope,
    config: &PostureConfig,
) -> (Vec<PosturePoint>, Method, Params) {
    let width = config.bucket_secs.max(1);
    let Some(last) = series.last() else {
        return (Vec::new(), Method::Naive, Params::default());
    };
    let values: Vec<f64> = series.iter().map(|p| p.index).collect();
    let f = forecast_seasonal(&values, config.horizon, config.daily_season());
    let pts = f
        .values
        .iter()
        .enumerate()
        .map(|(k, &index)| PosturePoint {
            scope: scope.clone(),
            bucket: last.bucket + (k as u64 + 1) * width,
            width,
            index,
            level: level_of(index, &config.thresholds),
            forecast: true,
        })
        .collect();
    (pts, f.method, f.params)
}

/// Hosts and services are stored only where they had threat: the gaps
/// are zero, filled in so that trend and forecast see time as it passed
/// (at most [`MAX_SERIES_BUCKETS`] points, the newest).
fn densify(series: Vec<PosturePoint>, config: &PostureConfig) -> Vec<PosturePoint> {
    let width = config.bucket_secs.max(1);
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return series;
    };
    let start = first
        .bucket
        .max(last.bucket.saturating_sub((MAX_SERIES_BUCKETS - 1) * width));
    let (scope, end) = (first.scope.clone(), last.bucket);
    let mut stored = series.into_iter().peekable();
    let mut out = Vec::new();
    let mut b = start;
    while b <= end {
        while stored.peek().is_some_and(|p| p.bucket < b) {
            stored.next();
        }
        match stored.peek() {
            Some(p) if p.bucket == b => out.extend(stored.next()),
            _ => out.push(PosturePoint {
                scope: scope.clone(),
                bucket: b,
                width,
                index: 0.0,
                level: level_of(0.0, &config.thresholds),
                forecast: false,
            }),
        }
        b += width;
    }
    out
}

/// `scope`'s figure at `bucket` taken apart into the incidents, hosts and
/// services it came from (the alerts within the decay memory before it).
pub fn explain_at(
    store: &dyn Store,
    assets: &AssetIndex,
    config: &PostureConfig,
    scope: &Scope,
    bucket: u64,
) -> Result<Explanation, StoreError> {
    let incidents = store.incidents(&IncidentQuery::default())?;
    explain_with(store, assets, config, scope, bucket, &incidents)
}

fn explain_with(
    store: &dyn Store,
    assets: &AssetIndex,
    config: &PostureConfig,
    scope: &Scope,
    bucket: u64,
    incidents: &[Incident],
) -> Result<Explanation, StoreError> {
    let width = config.bucket_secs.max(1);
    let info = IncidentInfo::new(incidents);
    let titles: HashMap<i64, String> = incidents.iter().map(|i| (i.id, i.title.clone())).collect();
    let mut builder = AtomBuilder::default();
    let since = bucket.saturating_sub(memory_buckets(config).saturating_mul(width));
    read_alerts(
        store,
        Some(since.saturating_mul(NS)),
        Some((bucket + width).saturating_mul(NS)),
        None,
        |a| builder.add(a, &info, assets, config),
    )?;
    Ok(explain(
        &builder.finish(assets, config),
        scope,
        bucket,
        &titles,
        config,
    ))
}

/// The posture of `scope` from the stored series: level and index now,
/// trend, the level a trend window ago, the explanation of the last bucket
/// and of the peak, the series, a forecast and its back-tested error.
pub fn summary(
    store: &dyn Store,
    assets: &AssetIndex,
    config: &PostureConfig,
    scope: &Scope,
) -> Result<Summary, StoreError> {
    let width = config.bucket_secs.max(1);
    let mut series: Vec<PosturePoint> = store
        .posture(&PostureQuery {
            kind: Some(scope.kind),
            key: Some(scope.key.clone()),
            ..PostureQuery::default()
        })?
        .into_iter()
        .filter(|p| !p.forecast && p.width == width && p.scope == *scope)
        .collect();
    series.sort_by_key(|p| p.bucket);
    if matches!(scope.kind, ScopeKind::Host | ScopeKind::Service) {
        series = densify(series, config);
    }
    let values: Vec<f64> = series.iter().map(|p| p.index).collect();
    let last = series.last().cloned();
    let peak = series
        .iter()
        .max_by(|a, b| a.index.total_cmp(&b.index).then(b.bucket.cmp(&a.bucket)))
        .cloned();
    let previous_level = values
        .len()
        .checked_sub(1 + config.trend_buckets)
        .and_then(|i| series.get(i))
        .map_or(Level::Green, |p| p.level);

    let incidents = store.incidents(&IncidentQuery::default())?;
    let explain_at = |bucket: u64| explain_with(store, assets, config, scope, bucket, &incidents);
    let explanation = match &last {
        Some(p) => explain_at(p.bucket)?,
        None => Explanation::default(),
    };
    let peak_explanation = match &peak {
        Some(p) if Some(p.bucket) == last.as_ref().map(|l| l.bucket) => Some(explanation.clone()),
        Some(p) => Some(explain_at(p.bucket)?),
        None => None,
    };
    let (forecast, forecast_method, forecast_params) = project(&series, scope, config);
    Ok(Summary {
        scope: scope.clone(),
        bucket_secs: width,
        as_of: last.as_ref().map(|p| p.bucket),
        level: last.as_ref().map_or(Level::Green, |p| p.level),
        index: last.as_ref().map_or(0.0, |p| p.index),
        trend: trend(&values, config.trend_buckets, config.trend_threshold),
        previous_level,
        explanation,
        peak,
        peak_explanation,
        backtest: backtest_seasonal(&values, config.horizon, config.daily_season()),
        series,
        forecast,
        forecast_method,
        forecast_params,
    })
}
