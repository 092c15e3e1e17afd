//! Live updates: a background task polls the store and announces changes
//! on a broadcast channel, which `/api/v1/events` streams as server-sent
//! events.
//!
//! Events are hints (`posture`, `incident`, `submission`) with no data
//! of any tenant in them: a client refetches through the API, which
//! applies its tenant scope. That keeps one broadcast for every subscriber
//! without leaking one tenant's figures to another.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use taishi_core::StoreError;
use taishi_core::control::{SubmissionQuery, SubmissionStatus};
use taishi_core::domain::{IncidentStatus, ScopeKind};
use taishi_core::store::{AlertQuery, IncidentQuery, PostureQuery};
use tokio::sync::broadcast;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::state::AppState;

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LiveEvent {
    /// `posture`, `incident` or `submission`.
    pub kind: &'static str,
}

/// What the poller last saw.
#[derive(Clone, Debug, Default, PartialEq)]
struct Seen {
    /// Alerts stored: a batch of alerts changes the situation even before
    /// an assessment pass turns it into incidents and posture.
    alerts: u64,
    incidents: u64,
    incident_changes: String,
    /// (all, answered): answering keeps the total, so both count.
    submissions: (u64, u64),
    posture: Option<(u64, String)>,
}

fn look(state: &AppState) -> Result<Seen, StoreError> {
    let alerts = state.store.count_alerts(&AlertQuery::default())?;
    let incidents = state.store.count_incidents(&IncidentQuery::default())?;
    // Counts by state catch an analyst's change, and the newest incident's
    // last_seen catches alerts joining one, neither of which moves the total.
    let mut incident_changes = String::new();
    for st in [
        IncidentStatus::New,
        IncidentStatus::Acknowledged,
        IncidentStatus::Investigating,
        IncidentStatus::Resolved,
        IncidentStatus::FalsePositive,
    ] {
        let n = state.store.count_incidents(&IncidentQuery {
            status: vec![st],
            ..IncidentQuery::default()
        })?;
        incident_changes.push_str(&format!("{n},"));
    }
    let newest = state.store.incidents(&IncidentQuery {
        limit: Some(1),
        ..IncidentQuery::default()
    })?;
    if let Some(i) = newest.first() {
        incident_changes.push_str(&format!("{}:{}", i.id, i.last_seen));
    }
    let submissions = (
        state
            .control
            .count_submissions(&SubmissionQuery::default())?,
        state.control.count_submissions(&SubmissionQuery {
            status: vec![SubmissionStatus::Answered],
            ..SubmissionQuery::default()
        })?,
    );
    let points = state.store.posture(&PostureQuery {
        kind: Some(ScopeKind::Organisation),
        ..PostureQuery::default()
    })?;
    let posture = points
        .iter()
        .filter(|p| !p.forecast)
        .max_by_key(|p| p.bucket)
        .map(|p| (p.bucket, format!("{:.3}", p.index)));
    Ok(Seen {
        alerts,
        incidents,
        incident_changes,
        submissions,
        posture,
    })
}

/// How often expired sessions are deleted (they are refused when used in
/// any case; this keeps the table from growing with abandoned logins).
const SESSION_PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Polls every `config.poll_secs` and broadcasts what changed; runs until
/// the runtime stops.
pub async fn poll(state: AppState) {
    let mut poller = Poller::default();
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.poll_secs.max(1)));
    loop {
        tick.tick().await;
        poller.tick(&state).await;
    }
}

/// How often the registry is re-read even when nothing else changed (an
/// `assets import` from the command line changes nothing the poller
/// counts, and comparing the registry is too costly for every poll).
const REGISTRY_EVERY: Duration = Duration::from_secs(60);

/// The live poller's memory between ticks.
pub struct Poller {
    last: Option<Seen>,
    last_prune: std::time::Instant,
    last_registry: std::time::Instant,
    registry_every: Duration,
}

impl Default for Poller {
    fn default() -> Poller {
        Poller::with_registry_every(REGISTRY_EVERY)
    }
}

impl Poller {
    /// A poller that re-reads the registry at least every `every`.
    pub fn with_registry_every(every: Duration) -> Poller {
        let now = std::time::Instant::now();
        Poller {
            last: None,
            last_prune: now,
            last_registry: now,
            registry_every: every,
        }
    }

    /// One look at the store: when anything changed, stale caches are
    /// rebuilt and the change is announced to live subscribers (the first
    /// look only sets the baseline, and rebuilds).
    pub async fn tick(&mut self, state: &AppState) {
        if self.last_prune.elapsed() >= SESSION_PRUNE_EVERY {
            self.last_prune = std::time::Instant::now();
            let s = state.clone();
            let pruned = tokio::task::spawn_blocking(move || {
                s.control.prune_sessions(crate::auth::now_ns())
            })
            .await;
            if let Ok(Err(e)) = pruned {
                tracing::warn!(error = %e, "pruning expired sessions failed");
            }
        }
        let s = state.clone();
        let now = match tokio::task::spawn_blocking(move || look(&s)).await {
            Ok(Ok(seen)) => seen,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "live update poll failed");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "live update poll task failed");
                return;
            }
        };
        let seen_changed = self.last.as_ref() != Some(&now);
        let first = self.last.is_none();
        let registry_due = self.last_registry.elapsed() >= self.registry_every;
        if !seen_changed && !registry_due {
            return;
        }
        // Rebuild what the Overview asks for before its next request has to.
        let s = state.clone();
        let refreshed = tokio::task::spawn_blocking(move || {
            let registry_changed = s.reload_registry()?;
            if seen_changed || registry_changed {
                s.changed();
                crate::api::posture::refresh_stale_summaries(&s)?;
            }
            if first {
                crate::api::posture::warm_summaries(&s)?;
            }
            Ok::<_, crate::error::ApiError>(())
        })
        .await;
        self.last_registry = std::time::Instant::now();
        match refreshed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e.error, "refreshing cached summaries failed"),
            Err(e) => tracing::warn!(error = %e, "refreshing cached summaries failed"),
        }
        if !seen_changed {
            return;
        }
        if let Some(prev) = &self.last {
            let send = |kind| {
                // No subscriber is not an error.
                let _ = state.events.send(LiveEvent { kind });
            };
            if prev.posture != now.posture {
                send("posture");
            }
            if (prev.incidents, &prev.incident_changes) != (now.incidents, &now.incident_changes) {
                send("incident");
            }
            if prev.submissions != now.submissions {
                send("submission");
            }
        }
        self.last = Some(now);
    }
}

/// Server-sent events: one `message` per change, `data` = `{"kind": ...}`.
#[utoipa::path(get, path = "/api/v1/events", tag = "live",
    responses((status = 200, description = "text/event-stream of {\"kind\": \"posture\"|\"incident\"|\"submission\"}"),
        (status = 401, body = crate::error::ErrorBody)))]
pub async fn events(
    _caller: Caller,
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    let data = serde_json::to_string(&ev).unwrap_or_default();
                    return Some((Ok(Event::default().event(ev.kind).data(data)), rx));
                }
                // Fell behind: the next event still says what to refetch.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}
