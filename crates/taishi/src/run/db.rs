//! The database of a run: opening it, feeding it the EVE records, and the
//! assessment pass when the input ends.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde_json::Value;
use taishi_assess::assets::{Discovery, DiscoveryConfig};
use taishi_assess::{AssessConfig, AssessReport};

use taishi_core::Store;
use taishi_detect::observe::{Observer, Record};
use taishi_store::sqlite::SqliteStore;
use taishi_store::{BatchConfig, BatchWriter};

use crate::cli::DbArgs;
use crate::output::Tee;

/// `$XDG_DATA_HOME/taishi/taishi.db`.
pub fn default_path() -> anyhow::Result<PathBuf> {
    taishi_core::paths::data_dir()
        .map(|d| d.join("taishi.db"))
        .context("no default database: set XDG_DATA_HOME or HOME, or give --db PATH")
}

/// The database named by `--db` (empty: the default).
pub fn path_of(arg: Option<&Path>) -> anyhow::Result<PathBuf> {
    match arg {
        Some(p) if !p.as_os_str().is_empty() => Ok(p.to_path_buf()),
        _ => default_path(),
    }
}

/// Opens the database of a command.
pub fn open(args: &DbArgs) -> anyhow::Result<SqliteStore> {
    open_path(&path_of(args.db.as_deref())?)
}

/// Opens the database at `path`, naming it in the error.
pub fn open_path(path: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(path).with_context(|| format!("{}: opening the database", path.display()))
}

/// Forwards records to a [`Discovery`] that the run reads back at the end.
struct SharedDiscovery(Arc<Mutex<Discovery>>);

impl Observer for SharedDiscovery {
    fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .observe_record(record, out);
    }
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .observe(record, out);
    }

    fn finish(&mut self, out: &mut Vec<Value>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).finish(out);
    }
}

/// A pipeline run's database: the batch writer fed by the EVE output,
/// and passive asset discovery.
pub struct RunDb {
    path: PathBuf,
    store: Arc<SqliteStore>,
    writer: Arc<BatchWriter>,
    discovery: Arc<Mutex<Discovery>>,
    periodic: Option<Periodic>,
}

impl RunDb {
    /// The database of a pipeline run, when `--db` was given.
    pub fn for_run(args: &crate::cli::PipelineArgs) -> anyhow::Result<Option<RunDb>> {
        match &args.db {
            Some(p) => Ok(Some(RunDb::open(path_of(Some(p))?, &args.assets)?)),
            None if !args.assets.is_empty() => {
                anyhow::bail!("--assets: the registry goes into a database; add --db")
            }
            None => Ok(None),
        }
    }

    /// Opens the database at `path`, importing declared `assets` files first.
    pub fn open(path: PathBuf, assets: &[PathBuf]) -> anyhow::Result<RunDb> {
        let store = open_path(&path)?;
        if !assets.is_empty() {
            import_assets(&store, assets)?;
        }
        let discovery = Discovery::new(DiscoveryConfig::default())
            .map_err(|e| anyhow::anyhow!("asset discovery: {e}"))?;
        let store = Arc::new(store);
        let writer = BatchWriter::spawn_with(
            Arc::clone(&store) as Arc<dyn Store>,
            BatchConfig::default(),
            |totals| {
                tracing::info!(
                    flows = totals.flows,
                    alerts = totals.alerts,
                    events = totals.events,
                    "store: batch committed"
                );
            },
        )
        .with_context(|| format!("{}: starting the store writer", path.display()))?;
        Ok(RunDb {
            path,
            store,
            writer: Arc::new(writer),
            discovery: Arc::new(Mutex::new(discovery)),
            periodic: None,
        })
    }

    /// The assets the database holds (the registry, with what earlier runs
    /// discovered), as the run starts.
    pub fn assets(&self) -> anyhow::Result<Vec<taishi_core::domain::Asset>> {
        self.store
            .assets()
            .with_context(|| format!("{}: reading the asset registry", self.path.display()))
    }

    /// Where the EVE output hands its lines.
    pub fn tee(&self) -> Tee {
        let writer = Arc::clone(&self.writer);
        Arc::new(move |chunk| {
            // A send fails only when the writer thread stopped on an
            // error; `finish` reports it, and the EVE file still gets the lines.
            let _ = writer.send_chunk(chunk);
        })
    }

    /// The observer that discovers assets from the records.
    pub fn observer(&self) -> Box<dyn Observer> {
        Box::new(SharedDiscovery(Arc::clone(&self.discovery)))
    }

    /// Commits what is pending and runs the assessment as of `data_end`
    /// (the end of the analysed traffic, seconds since the epoch).
    pub fn finish(self, data_end: Option<u64>) -> anyhow::Result<(PathBuf, AssessReport)> {
        if let Some(p) = self.periodic {
            p.stop();
        }
        let path = self.path;
        // The registry is merged while the writer commits what is still
        // queued (the flows every open connection ended with): neither
        // reads nor writes what the other does, and the end of a run is
        // otherwise serial.
        let discovered = self
            .discovery
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .assets();
        let merged = taishi_assess::merged_assets(self.store.as_ref(), discovered)
            .with_context(|| format!("{}: merging the asset registry", path.display()));
        let writer = Arc::try_unwrap(self.writer).map_err(|_| {
            anyhow::anyhow!("internal: the EVE output still holds the store writer")
        })?;
        writer
            .finish()
            .with_context(|| format!("{}: writing the database", path.display()))?;
        let config = config_as_of(self.store.as_ref(), data_end)
            .with_context(|| format!("{}: assessing", path.display()))?;
        let report = taishi_assess::assess_merged(self.store.as_ref(), merged?, &config)
            .with_context(|| format!("{}: assessing", path.display()))?;
        Ok((path, report))
    }

    /// Assesses every `every` while the run goes on (a live sensor), as of
    /// the wall clock, so the console and `taishi posture` stay current.
    pub fn assess_periodically(&mut self, every: std::time::Duration) {
        let store = Arc::clone(&self.store);
        let discovery = Arc::clone(&self.discovery);
        let (stop, stopped) = crossbeam_channel::bounded::<()>(1);
        let thread = std::thread::Builder::new()
            .name("taishi-assess".into())
            .spawn(move || {
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(every)
                {
                    let seen = discovery.lock().unwrap_or_else(|e| e.into_inner()).assets();
                    let now = taishi_core::Timestamp::now().secs();
                    if let Err(e) = assess_as_of(store.as_ref(), seen, Some(now)) {
                        tracing::warn!("periodic assessment: {e:#}");
                    }
                }
            });
        match thread {
            Ok(thread) => self.periodic = Some(Periodic { stop, thread }),
            Err(e) => tracing::warn!("periodic assessment not started: {e}"),
        }
    }
}

/// The thread of [`RunDb::assess_periodically`].
struct Periodic {
    stop: crossbeam_channel::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Periodic {
    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

/// Meta key holding the end of the newest traffic stored, seconds since
/// the epoch: "now" for a database filled from captures of the past.
const DATA_END: &str = "data.end_secs";

/// The assessment settings for `store`: the posture ends at the newest
/// traffic stored (or `data_end`, when later), which is recorded.
pub fn config_as_of(store: &dyn Store, data_end: Option<u64>) -> anyhow::Result<AssessConfig> {
    let stored = store.meta(DATA_END)?.and_then(|v| v.parse::<u64>().ok());
    let end = stored.max(data_end);
    if let Some(e) = end
        && end != stored
    {
        store.set_meta(DATA_END, &e.to_string())?;
    }
    let mut config = AssessConfig::default();
    config.posture.until = end;
    Ok(config)
}

/// One assessment pass as of `data_end` (see [`config_as_of`]).
pub fn assess_as_of(
    store: &dyn Store,
    discovered: Vec<taishi_core::domain::Asset>,
    data_end: Option<u64>,
) -> anyhow::Result<AssessReport> {
    let config = config_as_of(store, data_end)?;
    Ok(taishi_assess::assess(store, discovered, &config)?)
}

/// Imports declared assets from files into `store` (merged with what it holds).
pub fn import_assets(store: &dyn Store, files: &[PathBuf]) -> anyhow::Result<usize> {
    let mut declared = Vec::new();
    for f in files {
        declared.extend(taishi_assess::assets::import(f).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    let n = declared.len();
    let merged = taishi_assess::apply_declared(store.assets()?, declared);
    store.put_assets(&merged)?;
    Ok(n)
}
