//! What every handler shares: the stores, the configuration, the rate
//! limiters, the live-update channel and a small cache of generated reports.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use taishi_assess::assets::AssetIndex;
use taishi_core::Store;
use taishi_core::control::{ControlStore, TriageKind};
use tokio::sync::broadcast;

use crate::error::{ApiError, ApiResult};
use crate::live::LiveEvent;
use crate::ratelimit::{RateLimit, RateLimiter};

/// Response deadline of each triage kind, in seconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Deadlines {
    /// Constructive suggestion → adopt.
    pub suggestion: u64,
    /// Request for help → help.
    pub help_request: u64,
    /// Not knowing the facts → inform.
    pub uninformed: u64,
    /// Vague understanding → clarify.
    pub vague: u64,
    /// Grievance → resolve.
    pub grievance: u64,
    /// Mistaken view or misinformation → correct.
    pub mistaken: u64,
    /// Before triage: how long a submission may wait to be classified.
    pub untriaged: u64,
}

impl Default for Deadlines {
    fn default() -> Deadlines {
        const HOUR: u64 = 3600;
        const DAY: u64 = 24 * HOUR;
        // Help and misinformation are the urgent ones: someone is stuck, or
        // a wrong belief is spreading; a suggestion can wait for a review.
        Deadlines {
            suggestion: 7 * DAY,
            help_request: DAY,
            uninformed: 3 * DAY,
            vague: 3 * DAY,
            grievance: 2 * DAY,
            mistaken: DAY,
            untriaged: DAY,
        }
    }
}

impl Deadlines {
    /// Seconds allowed to answer a submission of `kind`.
    pub fn of(&self, kind: TriageKind) -> u64 {
        match kind {
            TriageKind::Suggestion => self.suggestion,
            TriageKind::HelpRequest => self.help_request,
            TriageKind::Uninformed => self.uninformed,
            TriageKind::Vague => self.vague,
            TriageKind::Grievance => self.grievance,
            TriageKind::Mistaken => self.mistaken,
        }
    }
}

/// How the server behaves; the binary fills it from the configuration file.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Response deadlines per triage kind.
    pub deadlines: Deadlines,
    /// Login attempts per client address.
    pub login_per_address: RateLimit,
    /// Login attempts per username.
    pub login_per_user: RateLimit,
    /// Public submissions per client address.
    pub submissions_per_address: RateLimit,
    /// Mark the session cookie `Secure` (set when served behind TLS).
    pub secure_cookies: bool,
    /// How long a session lasts, seconds.
    pub session_secs: u64,
    /// How often the live-update task polls the store, seconds.
    pub poll_secs: u64,
    /// Where imported intel is kept (an `IntelStore` folder).
    pub intel_dir: PathBuf,
    /// The posture model's settings (for summaries and explanations).
    pub posture: taishi_assess::posture::PostureConfig,
    /// Reverse proxies whose `X-Forwarded-For` names the client (rate
    /// limits and the audit log then key on the client, not the proxy).
    /// Empty: the header is ignored, since anyone can send it.
    pub trusted_proxies: Vec<taishi_detect::behaviour::common::Cidr>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            deadlines: Deadlines::default(),
            // Five a minute is plenty for a person who mistyped and far too
            // few for a password guesser.
            login_per_address: RateLimit::new(5, 60),
            login_per_user: RateLimit::new(5, 60),
            // A reporter sends one or two; a flood is refused without
            // filling the database.
            submissions_per_address: RateLimit::new(5, 600),
            secure_cookies: false,
            session_secs: 12 * 3600,
            poll_secs: 3,
            intel_dir: taishi_detect::intel::IntelStore::default_dir()
                .unwrap_or_else(|_| PathBuf::from("intel")),
            posture: taishi_assess::posture::PostureConfig::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// A report generated for download.
#[derive(Clone, Debug)]
pub struct GeneratedReport {
    /// `html`, `md` or `json`.
    pub format: String,
    /// The file.
    pub body: Arc<Vec<u8>>,
    /// Who generated it.
    pub user_id: i64,
    /// The period it covers (`24h`).
    pub period: String,
    /// When it was made (ns).
    pub created: u64,
    /// The tenant it is cut to (`None`: every tenant); a tenant's users
    /// read only their tenant's.
    pub tenant: Option<String>,
}

/// Reports kept for download: the newest few (they are regenerated on
/// demand, so an evicted one costs a click, not data).
const KEPT_REPORTS: usize = 32;

/// Everything the handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The situation.
    pub store: Arc<dyn Store>,
    /// The console's own state.
    pub control: Arc<dyn ControlStore>,
    /// Configuration.
    pub config: Arc<ServerConfig>,
    /// Live updates to `/api/v1/events` subscribers.
    pub events: broadcast::Sender<LiveEvent>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) reports: Arc<Mutex<Reports>>,
    pub(crate) summaries: Arc<Mutex<Summaries>>,
    pub(crate) pages: Arc<Mutex<PageCache>>,
    /// Bumped whenever the situation in the store changed (seen by the
    /// live poller, or written through the API): what is cached from an
    /// older generation is stale.
    generation: Arc<AtomicU64>,
    /// The asset registry as an index, loaded once per change instead of
    /// once per request: every tenant-scoped read consults it, and a
    /// registry of tens of thousands of discovered hosts takes tens of
    /// milliseconds to load.
    registry: Arc<RwLock<Option<Arc<AssetIndex>>>>,
}

/// Posture summaries computed, as JSON, by scope, with the generation of
/// the store they were computed from: the Overview asks for the same one
/// from every open console and wall screen, and a summary reads the alerts
/// behind its explanation, so it is computed once per change (the live
/// poller recomputes the ones asked for when the store changes).
#[derive(Default)]
pub(crate) struct Summaries {
    by_scope: HashMap<taishi_core::domain::Scope, (u64, Arc<Vec<u8>>)>,
    /// Scopes one request is recomputing: the others are served the stale
    /// summary meanwhile, so an expiry costs one slow request instead of
    /// every concurrent one recomputing it (p99 went from ~400 ms to the
    /// cache's latency on a million alerts).
    refreshing: std::collections::HashSet<taishi_core::domain::Scope>,
    /// One lock per scope being computed with nothing stale to serve: the
    /// first request computes, the others wait for its result instead of
    /// each computing the same summary (32 at once on a server's start).
    first: HashMap<taishi_core::domain::Scope, Arc<Mutex<()>>>,
}

/// Scopes whose summary is kept at most (hosts and services can be many;
/// past this the cache starts over).
const KEPT_SUMMARIES: usize = 1024;

impl Summaries {
    /// The summary to serve, or `None` when the caller must compute it
    /// (and then [`Summaries::put`] it, or [`Summaries::release`] on error).
    /// A stale summary is served while another request recomputes it.
    pub(crate) fn get_or_claim(
        &mut self,
        scope: &taishi_core::domain::Scope,
        generation: u64,
    ) -> Option<Arc<Vec<u8>>> {
        let served = self.served(scope, generation);
        if served.is_none() {
            self.refreshing.insert(scope.clone());
        }
        served
    }

    /// What to serve now for `scope`: the summary of this `generation`,
    /// else a stale one while somebody recomputes it; `None` when nothing
    /// is there (see [`Summaries::first_lock`]).
    pub(crate) fn served(
        &self,
        scope: &taishi_core::domain::Scope,
        generation: u64,
    ) -> Option<Arc<Vec<u8>>> {
        match self.by_scope.get(scope) {
            Some((g, json)) if *g == generation || self.refreshing.contains(scope) => {
                Some(json.clone())
            }
            _ => None,
        }
    }

    /// The lock serialising the first computation of `scope`.
    pub(crate) fn first_lock(&mut self, scope: &taishi_core::domain::Scope) -> Arc<Mutex<()>> {
        if self.first.len() >= KEPT_SUMMARIES {
            self.first.retain(|_, l| Arc::strong_count(l) > 1);
        }
        self.first.entry(scope.clone()).or_default().clone()
    }

    pub(crate) fn put(
        &mut self,
        scope: taishi_core::domain::Scope,
        generation: u64,
        json: Arc<Vec<u8>>,
    ) {
        if self.by_scope.len() >= KEPT_SUMMARIES {
            self.by_scope.clear();
        }
        self.refreshing.remove(&scope);
        self.by_scope.insert(scope, (generation, json));
    }

    /// Scopes cached from a generation before `generation` that nobody is
    /// recomputing, now claimed by the caller (the live poller).
    pub(crate) fn claim_stale(&mut self, generation: u64) -> Vec<taishi_core::domain::Scope> {
        let stale: Vec<_> = self
            .by_scope
            .iter()
            .filter(|(s, (g, _))| *g != generation && !self.refreshing.contains(*s))
            .map(|(s, _)| s.clone())
            .collect();
        self.refreshing.extend(stale.iter().cloned());
        stale
    }

    /// Gives up a claim (the computation failed).
    pub(crate) fn release(&mut self, scope: &taishi_core::domain::Scope) {
        self.refreshing.remove(scope);
    }
}

/// Answers (JSON) of list queries every console polls, by the query and
/// the store generation they were read at: the Overview's open incidents,
/// worst first, asked by every open console and wall screen at once.
#[derive(Default)]
pub(crate) struct PageCache {
    by_query: HashMap<String, (u64, Arc<Vec<u8>>)>,
}

/// Queries whose answer is kept at most (past this the cache starts over).
const KEPT_PAGES: usize = 256;

impl PageCache {
    /// The answer to `query` read at `generation`, if kept.
    pub(crate) fn get(&self, query: &str, generation: u64) -> Option<Arc<Vec<u8>>> {
        self.by_query
            .get(query)
            .filter(|(g, _)| *g == generation)
            .map(|(_, json)| json.clone())
    }

    /// Keeps the answer to `query` read at `generation`.
    pub(crate) fn put(&mut self, query: String, generation: u64, json: Arc<Vec<u8>>) {
        if self.by_query.len() >= KEPT_PAGES {
            self.by_query.clear();
        }
        self.by_query.insert(query, (generation, json));
    }
}

#[derive(Default)]
pub(crate) struct Reports {
    next: u64,
    order: VecDeque<u64>,
    by_id: HashMap<u64, GeneratedReport>,
}

impl Reports {
    pub(crate) fn put(&mut self, r: GeneratedReport) -> u64 {
        self.next += 1;
        let id = self.next;
        self.order.push_back(id);
        self.by_id.insert(id, r);
        while self.order.len() > KEPT_REPORTS {
            if let Some(old) = self.order.pop_front() {
                self.by_id.remove(&old);
            }
        }
        id
    }

    pub(crate) fn get(&self, id: u64) -> Option<GeneratedReport> {
        self.by_id.get(&id).cloned()
    }

    /// Ids and reports kept, newest first.
    pub(crate) fn newest_first(&self) -> Vec<(u64, GeneratedReport)> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.by_id.get(id).map(|r| (*id, r.clone())))
            .collect()
    }
}

impl AppState {
    /// State over `store` and `control` with `config`.
    pub fn new(
        store: Arc<dyn Store>,
        control: Arc<dyn ControlStore>,
        config: ServerConfig,
    ) -> AppState {
        // Subscribers that fall this far behind skip to the newest events;
        // events are hints to refetch, so a skipped one loses nothing.
        let (events, _) = broadcast::channel(64);
        AppState {
            store,
            control,
            config: Arc::new(config),
            events,
            limiter: Arc::new(RateLimiter::default()),
            reports: Arc::new(Mutex::new(Reports::default())),
            summaries: Arc::new(Mutex::new(Summaries::default())),
            pages: Arc::new(Mutex::new(PageCache::default())),
            generation: Arc::new(AtomicU64::new(0)),
            registry: Arc::new(RwLock::new(None)),
        }
    }

    /// The store's generation as the server knows it (see [`AppState::changed`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks what is cached from the store as stale: it changed.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The asset registry as an index (loaded on first use, then kept
    /// current by [`AppState::reload_registry`]). Blocking: call it from
    /// store work.
    pub fn registry(&self) -> Result<Arc<AssetIndex>, taishi_core::StoreError> {
        if let Some(index) = &*self.registry.read().unwrap_or_else(PoisonError::into_inner) {
            return Ok(index.clone());
        }
        Ok(self.load_registry()?.0)
    }

    /// Reads the registry again; true when it differs from the one held
    /// (which is then replaced: readers keep the old one until they finish).
    pub fn reload_registry(&self) -> Result<bool, taishi_core::StoreError> {
        Ok(self.load_registry()?.1)
    }

    /// Reads the registry and holds it unless unchanged: the index held
    /// after, and whether it changed.
    fn load_registry(&self) -> Result<(Arc<AssetIndex>, bool), taishi_core::StoreError> {
        let assets = self.store.assets()?;
        let mut held = self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = held.as_ref().filter(|i| i.all() == assets.as_slice()) {
            return Ok((index.clone(), false));
        }
        let index = Arc::new(AssetIndex::new(assets));
        *held = Some(index.clone());
        Ok((index, true))
    }

    pub(crate) fn reports(&self) -> std::sync::MutexGuard<'_, Reports> {
        self.reports.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pages(&self) -> std::sync::MutexGuard<'_, PageCache> {
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer to `key` as JSON: kept from this store generation, else
    /// made by `make`, serialised and kept. Blocking: call it from store work.
    pub(crate) fn cached_page<T: Serialize>(
        &self,
        key: String,
        make: impl FnOnce() -> ApiResult<T>,
    ) -> ApiResult<Arc<Vec<u8>>> {
        let generation = self.generation();
        if let Some(json) = self.pages().get(&key, generation) {
            return Ok(json);
        }
        let json = Arc::new(serde_json::to_vec(&make()?).map_err(ApiError::internal)?);
        self.pages().put(key, generation, json.clone());
        Ok(json)
    }

    pub(crate) fn summaries(&self) -> std::sync::MutexGuard<'_, Summaries> {
        self.summaries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}
