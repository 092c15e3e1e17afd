//! Checkpoints off the writer's thread.
//!
//! A checkpoint copies the write-ahead log into the database file and
//! waits for the disk twice (fsync of the log, then of the file). Run by
//! the writer after a commit, as SQLite's automatic checkpoint is, that
//! wait stops ingest; on a disk busy with other work it lasted seconds, the
//! pipeline's queue filled, and the pipeline stopped too. Here a thread
//! with its own connection runs `PASSIVE` checkpoints — they take no lock
//! the writer or the readers wait for — when the writer has committed and
//! the last one is [`EVERY`] old.
//!
//! The log starts over from its beginning at a commit that finds it all
//! copied, so it stays about as long as what the writer commits in
//! [`EVERY`] plus one checkpoint. Should this thread fall behind, the
//! writer's own automatic checkpoint, set to a larger log, is the
//! backstop. Durability is SQLite's either way: a checkpoint only copies
//! committed pages, and a kill mid-way leaves the log to replay.

use std::path::Path;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use rusqlite::Connection;
use taishi_core::StoreError;

use super::{BUSY_TIMEOUT, sql::backend};

/// Least time between two checkpoints: each copies every page the commits
/// since the last one changed, so a page changed by every batch (an index
/// or rollup page) is copied once per checkpoint, not once per batch.
pub(crate) const EVERY: Duration = Duration::from_millis(500);

/// The handle of the checkpoint thread; dropping it stops the thread
/// (after the checkpoint under way, if any).
pub(crate) struct Checkpointer {
    nudge: Sender<()>,
}

impl Checkpointer {
    /// Starts the thread, with its own connection to the database at `path`.
    pub(crate) fn spawn(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path).map_err(|e| {
            StoreError::Backend(format!("cannot open {} to checkpoint: {e}", path.display()))
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(backend("set busy timeout"))?;
        let (nudge, nudged) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("taishi-store-checkpoint".into())
            .spawn(move || run(&conn, &nudged))
            .map_err(|e| StoreError::Backend(format!("start checkpoint thread: {e}")))?;
        Ok(Checkpointer { nudge })
    }

    /// Tells the thread the writer committed.
    pub(crate) fn committed(&self) {
        // Full: a nudge is already waiting, which is all it takes.
        let _ = self.nudge.try_send(());
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>) {
    let mut last: Option<Instant> = None;
    while nudged.recv().is_ok() {
        if last.is_some_and(|t| t.elapsed() < EVERY) {
            // Too soon: wait out the rest, unless the store closes.
            let rest = EVERY.saturating_sub(last.map_or(EVERY, |t| t.elapsed()));
            match nudged.recv_timeout(rest) {
                Err(RecvTimeoutError::Disconnected) => return,
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            }
        }
        // A failed checkpoint (the disk full, say) leaves the log as it
        // was; the writer's backstop checkpoint reports what it hits.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use taishi_core::Store;

    use crate::SqliteStore;
    use crate::testutil::{T0, flow_line, lines};

    #[test]
    fn commits_reach_the_database_file_without_the_writer_checkpointing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        let store = SqliteStore::open(&path).expect("open");
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let before = size();
        let batch: Vec<String> = (0..2000)
            .map(|i| {
                flow_line(
                    T0 + i,
                    &format!("10.0.{}.{}", i / 250, i % 250),
                    "10.9.9.9",
                    80,
                    None,
                    i,
                )
            })
            .collect();
        let report = store.ingest(&lines(&batch)).expect("ingest");
        assert_eq!(report.flows, 2000);
        // The batch is a few hundred log pages, far below the writer's own
        // checkpoint: only the checkpoint thread copies it into the file.
        // (A deadline, not a timing: the thread runs as soon as nudged.)
        let deadline = Instant::now() + Duration::from_secs(120);
        while size() <= before {
            assert!(
                Instant::now() < deadline,
                "the log was never copied into the database file"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
