//! The embedded SQLite store: one file, written in WAL mode.
//!
//! # Durability
//! The database runs with `journal_mode=WAL` and `synchronous=NORMAL`. In
//! WAL mode a commit appends to the write-ahead log and `NORMAL` skips the
//! fsync at each commit (the log is synced at checkpoints). A killed
//! *process* therefore loses nothing it committed — the log is in the
//! operating system's page cache and the next open replays it — and the
//! database is never corrupt. Only a power cut or kernel crash can roll back
//! the last commits, never corrupt the file. The issue asks for safety
//! against a killed process, so `NORMAL` buys the ingest speed of not
//! waiting for the disk on every batch.
//!
//! # Concurrency
//! One connection writes (behind a mutex); reads go to a small pool of
//! read-only connections that WAL lets run beside a long ingest, each
//! seeing the last committed state. An in-memory database has a single
//! connection (there is no file for a second one to open), so there reads
//! wait for writes.

mod address_rollup;
mod alerts;
pub mod control;
mod events;
mod flows;
mod incidents;
mod ingest;
mod kv;
mod posture;
mod retention;
mod rollup;
mod schema;
mod sql;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use taishi_core::Store;
use taishi_core::StoreError;
use taishi_core::domain::AlertRow;
use taishi_core::domain::{Asset, FlowRow, Incident, PosturePoint, Vulnerability};
use taishi_core::event::Event;
use taishi_core::store::{
    AlertQuery, FlowGroup, FlowGroupRow, FlowQuery, IncidentQuery, IncidentUpdate, IngestReport,
    LineColumns, PostureQuery, PruneReport, Retention,
};

pub use schema::SCHEMA_VERSION;

use sql::backend;

/// How long a connection waits for another one's lock before failing:
/// long enough for a prune chunk or a large batch to commit.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Read connections kept open between queries; more are opened on demand
/// when more threads read at once, and closed after.
const MAX_IDLE_READERS: usize = 4;

/// Largest write-ahead log kept on disk after a checkpoint (bytes): a big
/// batch grows the log, and this makes SQLite truncate it back.
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// WAL pages after which a commit checkpoints (SQLite's default is 1000).
/// Index and rollup pages change in every batch; checkpointing less often
/// copies each of them to the database once instead of many times.
const WAL_CHECKPOINT_PAGES: i64 = 8000;

/// Page cache per connection, KiB (negative in the pragma means KiB).
const CACHE_KIB: i64 = 32 * 1024;

/// The embedded SQLite implementation of [`Store`].
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` for an in-memory database: reads share the writer.
    readers: Option<ReaderPool>,
}

struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves no half-done work behind: an
    // open rusqlite transaction rolls back when dropped during unwinding.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SqliteStore {
    /// Opens (creating it and its parent folders when needed) the database
    /// at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("cannot create folder {}: {e}", parent.display()))
            })?;
        }
        let mut conn = Connection::open(path)
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        configure(&conn)
            .and_then(|()| schema::migrate(&mut conn))
            .map_err(|e| with_file(e, path))?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: Some(ReaderPool {
                path: path.to_owned(),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// A fresh database in memory (tests, one-shot runs).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(backend("open in-memory database"))?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            readers: None,
        })
    }

    /// Recomputes the flow rollups from the flows table: after flows were
    /// written by SQL from outside Taishi (a bulk import, a repair), since
    /// [`Store::ingest`] and [`Store::prune`] keep them in step themselves.
    pub fn rebuild_rollups(&self) -> Result<(), StoreError> {
        self.write(|c| {
            let tx = c.transaction().map_err(backend("begin rollup rebuild"))?;
            rollup::rebuild(&tx)?;
            address_rollup::clear(&tx)?;
            tx.commit().map_err(backend("commit rollup rebuild"))
        })
    }

    /// Runs `f` on the write connection.
    fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut lock(&self.writer))
    }

    /// Runs `f` on a read connection (the writer for an in-memory database).
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(pool) = &self.readers else {
            return f(&lock(&self.writer));
        };
        let conn = match lock(&pool.idle).pop() {
            Some(c) => c,
            None => open_reader(&pool.path)?,
        };
        let out = f(&conn);
        let mut idle = lock(&pool.idle);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}

fn with_file(e: StoreError, path: &Path) -> StoreError {
    match e {
        StoreError::Backend(m) => StoreError::Backend(format!("{}: {m}", path.display())),
        StoreError::Corrupt(m) => StoreError::Corrupt(format!("{}: {m}", path.display())),
        other => other,
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(backend("set busy timeout"))?;
    // journal_mode answers with the mode in force; an in-memory database
    // stays `memory`, which is fine.
    let _mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(backend("set WAL journal mode"))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous=NORMAL;
         PRAGMA foreign_keys=ON;
         PRAGMA temp_store=MEMORY;
         PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT};
         PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}; 
         PRAGMA cache_size=-{CACHE_KIB};"
    ))
    .map_err(backend("configure connection"))
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Backend(format!("cannot open {} to read: {e}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(backend("set busy timeout"))?;
    conn.execute_batch(&format!(
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-{CACHE_KIB};"
    ))
    .map_err(backend("configure read connection"))?;
    Ok(conn)
}

impl Store for SqliteStore {
    fn ingest(&self, lines: &[u8]) -> Result<IngestReport, StoreError> {
        self.write(|c| ingest::ingest(c, lines))
    }

    fn ingest_events(&self, lines: &[u8], events: &[Event]) -> Result<IngestReport, StoreError> {
        self.write(|c| ingest::ingest_events(c, lines, events))
    }

    fn ingest_described(
        &self,
        lines: &[u8],
        columns: &[Option<LineColumns>],
        events: &[Event],
    ) -> Result<IngestReport, StoreError> {
        self.write(|c| ingest::ingest_described(c, lines, columns, events))
    }

    fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertRow>, StoreError> {
        self.read(|c| alerts::alerts(c, q))
    }

    fn count_alerts(&self, q: &AlertQuery) -> Result<u64, StoreError> {
        self.read(|c| alerts::count(c, q))
    }

    fn flows(&self, q: &FlowQuery) -> Result<Vec<FlowRow>, StoreError> {
        self.read(|c| flows::flows(c, q))
    }

    fn count_flows(&self, q: &FlowQuery) -> Result<u64, StoreError> {
        self.read(|c| flows::count(c, q))
    }

    fn flow_summary(
        &self,
        q: &FlowQuery,
        group: FlowGroup,
    ) -> Result<Vec<FlowGroupRow>, StoreError> {
        // Buckets of an address summary not rolled up yet (or gone stale)
        // are built first, one transaction each, so the writer lock is
        // never held for more than one day's flows.
        if let Some((grp, pieces)) = flows::address_buckets(q, group) {
            for (width, span) in pieces {
                for b in self.read(|c| address_rollup::stale(c, grp, width, span))? {
                    self.write(|c| address_rollup::build(c, grp, group, width, b))?;
                }
            }
        }
        self.read(|c| flows::summary(c, q, group))
    }

    fn events(
        &self,
        event_type: &str,
        since: Option<u64>,
        until: Option<u64>,
        limit: u64,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        self.read(|c| events::events(c, event_type, since, until, limit))
    }

    fn event_counts(
        &self,
        since: Option<u64>,
        until: Option<u64>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.read(|c| events::counts(c, since, until))
    }

    fn save_correlation(
        &self,
        incidents: &mut [Incident],
        assignments: &[(i64, usize)],
    ) -> Result<(), StoreError> {
        self.write(|c| incidents::save_correlation(c, incidents, assignments))
    }

    fn incidents(&self, q: &IncidentQuery) -> Result<Vec<Incident>, StoreError> {
        self.read(|c| incidents::incidents(c, q))
    }

    fn count_incidents(&self, q: &IncidentQuery) -> Result<u64, StoreError> {
        self.read(|c| incidents::count(c, q))
    }

    fn incident(&self, id: i64) -> Result<Option<Incident>, StoreError> {
        self.read(|c| incidents::incident(c, id))
    }

    fn update_incident(
        &self,
        id: i64,
        update: &IncidentUpdate,
    ) -> Result<Option<Incident>, StoreError> {
        self.write(|c| incidents::update(c, id, update))
    }

    fn put_assets(&self, assets: &[Asset]) -> Result<(), StoreError> {
        self.write(|c| kv::put_assets(c, assets))
    }

    fn assets(&self) -> Result<Vec<Asset>, StoreError> {
        self.read(kv::assets)
    }

    fn asset(&self, address: &str) -> Result<Option<Asset>, StoreError> {
        self.read(|c| kv::asset(c, address))
    }

    fn put_vulns(&self, vulns: &[Vulnerability]) -> Result<(), StoreError> {
        self.write(|c| kv::put_vulns(c, vulns))
    }

    fn vulns(&self) -> Result<Vec<Vulnerability>, StoreError> {
        self.read(kv::vulns)
    }

    fn put_posture(&self, points: &[PosturePoint]) -> Result<(), StoreError> {
        self.write(|c| posture::put(c, points))
    }

    fn clear_forecast(&self) -> Result<(), StoreError> {
        self.write(posture::clear_forecast)
    }

    fn posture(&self, q: &PostureQuery) -> Result<Vec<PosturePoint>, StoreError> {
        self.read(|c| posture::posture(c, q))
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| kv::meta(c, key))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|c| kv::set_meta(c, key, value))
    }

    fn prune(&self, policy: &Retention) -> Result<PruneReport, StoreError> {
        retention::prune(&self.writer, policy)
    }
}

#[cfg(test)]
mod tests;
