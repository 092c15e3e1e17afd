//! Batched writes from the pipeline: a thread that commits EVE lines to a
//! [`Store`] in batches.
//!
//! The pipeline hands over chunks of whole lines through a bounded channel
//! (a slow disk slows the pipeline down instead of growing memory without
//! end). The writer commits when it holds `max_lines` lines or when the
//! oldest uncommitted line has waited `max_delay`, whichever comes first:
//! batches amortise the cost of a commit, and the delay bounds what a kill
//! can lose to the last second of records (one batch). Every batch is one
//! [`Store::ingest`] call, hence one transaction.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use taishi_core::Store;
use taishi_core::StoreError;
use taishi_core::event::Event;
use taishi_core::store::{IngestReport, LineColumns};

/// When a [`BatchWriter`] commits.
#[derive(Clone, Copy, Debug)]
pub struct BatchConfig {
    /// Commit once this many lines are waiting.
    pub max_lines: usize,
    /// When a commit is due and more chunks are already queued (the
    /// writer fell behind the pipeline), they join the batch up to this
    /// many lines: fewer, larger transactions exactly when the writer
    /// needs to catch up. At most `max_lines` (or less) turns it off.
    pub max_batch_lines: usize,
    /// Commit once the oldest waiting line has waited this long.
    pub max_delay: Duration,
    /// Chunks the channel holds before `send` blocks.
    pub queue: usize,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            // 5000 lines is a few MB of EVE: a commit costs far less than
            // the inserts, and a kill loses at most one second of records.
            max_lines: 5000,
            // A commit writes out every index and rollup page the batch
            // touched, so one of 10 000 lines costs measurably less than
            // two of 5000 (−14 % CPU on the bench capture's records), and
            // one of 50 000 flows 10 % less again than five of 10 000
            // (docs/store.md). A backlog is mostly the flows every
            // connection still open ends with when a capture ends.
            max_batch_lines: 50_000,
            max_delay: Duration::from_secs(1),
            // Enough chunks to ride out a checkpoint without stalling the
            // pipeline, few enough to bound memory to tens of MB.
            queue: 64,
        }
    }
}

/// What the pipeline hands the writer at once: whole EVE lines, and
/// events not yet serialised (the store takes their columns directly, see
/// [`Store::ingest_events`]).
#[derive(Debug, Default)]
pub struct Chunk {
    /// Whole lines, each ending in `\n`.
    pub lines: Vec<u8>,
    /// The columns of each line of `lines`, when the pipeline knew them
    /// (see [`Store::ingest_described`]); empty, or one entry per line.
    pub columns: Vec<Option<LineColumns>>,
    /// Events in the order they were produced.
    pub events: Vec<Event>,
}

impl Chunk {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.events.is_empty()
    }
}

/// A thread committing EVE lines to a store in batches.
pub struct BatchWriter {
    tx: Option<Sender<Chunk>>,
    thread: Option<JoinHandle<Result<IngestReport, StoreError>>>,
}

/// Adds `b`'s counts to `a`.
pub fn add_report(a: &mut IngestReport, b: &IngestReport) {
    a.flows += b.flows;
    a.alerts += b.alerts;
    a.events += b.events;
    a.malformed += b.malformed;
}

impl BatchWriter {
    /// Starts the writer thread.
    pub fn spawn(store: Arc<dyn Store>, config: BatchConfig) -> Result<BatchWriter, StoreError> {
        BatchWriter::spawn_with(store, config, |_| {})
    }

    /// Starts the writer thread; `on_commit` is called after each batch
    /// commits with the running totals (progress display, crash tests).
    pub fn spawn_with(
        store: Arc<dyn Store>,
        config: BatchConfig,
        on_commit: impl FnMut(&IngestReport) + Send + 'static,
    ) -> Result<BatchWriter, StoreError> {
        let (tx, rx) = crossbeam_channel::bounded(config.queue.max(1));
        let thread = std::thread::Builder::new()
            .name("taishi-store-writer".into())
            .spawn(move || run(&*store, &config, &rx, on_commit))
            .map_err(|e| StoreError::Backend(format!("start store writer thread: {e}")))?;
        Ok(BatchWriter {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queues a chunk of whole EVE lines (blocks while the queue is full).
    /// Fails when the writer has stopped on an error; [`BatchWriter::finish`]
    /// then tells which.
    pub fn send(&self, lines: Vec<u8>) -> Result<(), StoreError> {
        self.send_chunk(Chunk {
            lines,
            ..Chunk::default()
        })
    }

    /// Queues lines and typed events (blocks while the queue is full).
    pub fn send_chunk(&self, chunk: Chunk) -> Result<(), StoreError> {
        let Some(tx) = &self.tx else {
            return Err(stopped());
        };
        tx.send(chunk).map_err(|_| stopped())
    }

    /// Commits what is waiting, stops the thread and returns the totals.
    pub fn finish(mut self) -> Result<IngestReport, StoreError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<IngestReport, StoreError> {
        drop(self.tx.take());
        match self.thread.take() {
            Some(t) => t
                .join()
                .map_err(|_| StoreError::Backend("store writer thread panicked".into()))?,
            None => Err(stopped()),
        }
    }
}

impl Drop for BatchWriter {
    fn drop(&mut self) {
        // Dropped without `finish` (an early return on another error):
        // still commit what was sent; the error, if any, has nobody to go to.
        if self.thread.is_some() {
            let _ = self.stop();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("store writer has stopped".into())
}

/// The records of a batch being gathered.
#[derive(Default)]
struct Pending {
    lines: Vec<u8>,
    /// Lines in `lines`.
    count: usize,
    /// Empty while no chunk described its lines; else one entry per line.
    columns: Vec<Option<LineColumns>>,
    events: Vec<Event>,
}

impl Pending {
    /// Appends a chunk (ending its lines with a newline) and returns how
    /// many records it held.
    fn append(&mut self, chunk: Chunk) -> usize {
        let mut n = chunk.events.len();
        // Taken whole only while no batch has grown a buffer yet: a grown
        // one, emptied by `clear`, keeps its memory for the next batch.
        // Replacing it with the chunk's small vector freed it, and the
        // batch then grew a new one page by page, the kernel zeroing each
        // (a `--db` run of the bench capture: 149 000 page faults instead
        // of 164 000–174 000).
        if self.events.capacity() == 0 {
            self.events = chunk.events;
        } else {
            self.events.extend(chunk.events);
        }
        if !chunk.lines.is_empty() {
            let mut lines = memchr::memchr_iter(b'\n', &chunk.lines).count();
            self.lines.extend_from_slice(&chunk.lines);
            if self.lines.last() != Some(&b'\n') {
                self.lines.push(b'\n');
                lines += 1;
            }
            // Columns stay one per line: described or not.
            let described = chunk.columns.len() == lines;
            if described || !self.columns.is_empty() {
                self.columns.resize(self.count, None);
                if described {
                    self.columns.extend(chunk.columns);
                } else {
                    self.columns.resize(self.count + lines, None);
                }
            }
            self.count += lines;
            n += lines;
        }
        n
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.events.is_empty()
    }

    fn clear(&mut self) {
        self.lines.clear();
        self.count = 0;
        self.columns.clear();
        // Dropped here, on the writer's thread, not the pipeline's.
        self.events.clear();
    }
}

fn run(
    store: &dyn Store,
    config: &BatchConfig,
    rx: &Receiver<Chunk>,
    mut on_commit: impl FnMut(&IngestReport),
) -> Result<IngestReport, StoreError> {
    let mut totals = IngestReport::default();
    let mut buf = Pending::default();
    let mut lines = 0usize;
    let mut oldest: Option<Instant> = None;
    let mut commit = |buf: &mut Pending, lines: &mut usize, oldest: &mut Option<Instant>| {
        if buf.is_empty() {
            return Ok(());
        }
        let r = if !buf.columns.is_empty() {
            store.ingest_described(&buf.lines, &buf.columns, &buf.events)?
        } else if buf.events.is_empty() {
            store.ingest(&buf.lines)?
        } else {
            store.ingest_events(&buf.lines, &buf.events)?
        };
        add_report(&mut totals, &r);
        on_commit(&totals);
        buf.clear();
        *lines = 0;
        *oldest = None;
        Ok::<(), StoreError>(())
    };
    loop {
        let msg = match oldest {
            Some(t) => rx.recv_timeout(config.max_delay.saturating_sub(t.elapsed())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(chunk) => {
                if chunk.is_empty() {
                    continue;
                }
                lines += buf.append(chunk);
                oldest.get_or_insert_with(Instant::now);
                if lines >= config.max_lines {
                    // What is already queued joins this batch; a
                    // disconnect is seen by the next `recv`.
                    while lines < config.max_batch_lines {
                        match rx.try_recv() {
                            Ok(more) => lines += buf.append(more),
                            Err(_) => break,
                        }
                    }
                    commit(&mut buf, &mut lines, &mut oldest)?;
                }
            }
            Err(RecvTimeoutError::Timeout) => commit(&mut buf, &mut lines, &mut oldest)?,
            Err(RecvTimeoutError::Disconnected) => {
                commit(&mut buf, &mut lines, &mut oldest)?;
                return Ok(totals);
            }
        }
    }
}

#[cfg(test)]
mod tests;
