//! EVE output: one shared writer, and a buffered sink per worker.
//!
//! Each worker serialises its events into its own buffer and takes the
//! writer's lock only when the buffer passes [`FLUSH_AT`] bytes, so workers
//! never contend per packet or per event. Lines from different workers
//! interleave, but every line is whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use taishi_core::event::{Event, EventSink};
use taishi_core::store::LineColumns;
use taishi_detect::observe::{Observers, Record};
use taishi_store::Chunk;

/// Observers of the records every worker writes (intel, behaviour), shared
/// so that a scan spread over several workers' flows is seen whole.
pub type SharedObservers = Arc<Mutex<Observers>>;

/// Bytes a worker buffers before writing them out. 256 KiB amortises the
/// lock and the write call over about a thousand flow events.
const FLUSH_AT: usize = 256 * 1024;

/// Flow events a worker holds before handing them to the store when they
/// go only there (about [`FLUSH_AT`] bytes of their lines).
const HAND_OVER_AT: usize = 512;

/// Receives every chunk of records written (the store's batch writer):
/// whole EVE lines, and events not yet serialised.
pub type Tee = Arc<dyn Fn(Chunk) + Send + Sync>;

/// The destination of EVE lines shared by all workers: a file (or stdout)
/// and/or the store.
#[derive(Clone)]
pub struct EveWriter {
    inner: Arc<Mutex<Option<Box<dyn Write + Send>>>>,
    tee: Option<Tee>,
}

impl EveWriter {
    /// Opens `path` (`-` is stdout); `None` discards events.
    pub fn open(path: Option<&Path>) -> anyhow::Result<EveWriter> {
        let out: Option<Box<dyn Write + Send>> = match path {
            None => None,
            Some(p) if p.as_os_str() == "-" => Some(Box::new(io::stdout())),
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("{}: cannot create folder", dir.display()))?;
                }
                let f = File::create(p)
                    .with_context(|| format!("{}: cannot create EVE file", p.display()))?;
                Some(Box::new(BufWriter::with_capacity(1 << 20, f)))
            }
        };
        Ok(EveWriter {
            inner: Arc::new(Mutex::new(out)),
            tee: None,
        })
    }

    /// Hands every chunk of lines to `tee` as well (the store).
    pub fn with_tee(mut self, tee: Tee) -> EveWriter {
        self.tee = Some(tee);
        self
    }

    /// Whether events are written anywhere (without `--eve` or `--db` they
    /// are only counted).
    pub fn is_discarding(&self) -> bool {
        self.tee.is_none()
            && self
                .inner
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_none()
    }

    /// Whether events go to the store alone (no EVE file): workers then
    /// hand flow events over unserialised, since the store keeps a flow as
    /// columns only and its JSON would be written just to be parsed back.
    /// Other events are still serialised here: the store keeps their text,
    /// and writing it while the event is hot in this thread's cache costs
    /// less than on the store's thread (measured: moving all of them there
    /// raised the CPU of a `--db` run, docs/store.md).
    pub fn is_store_only(&self) -> bool {
        self.tee.is_some()
            && self
                .inner
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_none()
    }

    /// Hands `chunk` to the store, when there is one.
    fn hand_over(&self, chunk: Chunk) {
        if let Some(tee) = &self.tee
            && !chunk.is_empty()
        {
            tee(chunk);
        }
    }

    /// Writes whole lines.
    fn write_all(&self, bytes: &[u8]) -> io::Result<()> {
        if self.tee.is_some() {
            self.hand_over(Chunk {
                lines: bytes.to_vec(),
                ..Chunk::default()
            });
        }
        // A poisoned lock means another worker panicked mid-write; its lines
        // are whole or absent, so carrying on is safe.
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(w) => w.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Flushes buffered output to the file.
    pub fn flush(&self) -> io::Result<()> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// A worker's event sink: serialises into a local buffer and counts events
/// by type for the run summary.
pub struct EveOut {
    writer: EveWriter,
    buf: Vec<u8>,
    counts: BTreeMap<&'static str, u64>,
    error: Option<io::Error>,
    /// No destination: count events but skip serialising them.
    discard: bool,
    /// The store is the only destination: flows are handed over typed.
    store_only: bool,
    /// Flow events waiting to be handed over (`store_only`).
    pending: Vec<Event>,
    /// The columns of each line in `buf` (`store_only`): the store takes
    /// them instead of parsing them back out of the JSON.
    columns: Vec<Option<LineColumns>>,
    /// Observers the records pass through; their alerts are written too.
    observers: Option<SharedObservers>,
    /// Alerts observers raised, before they are written.
    raised: Vec<serde_json::Value>,
}

impl EveOut {
    /// A sink writing through `writer`.
    pub fn new(writer: EveWriter) -> EveOut {
        let discard = writer.is_discarding();
        let store_only = writer.is_store_only();
        EveOut {
            store_only,
            pending: Vec::new(),
            columns: Vec::new(),
            writer,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            counts: BTreeMap::new(),
            error: None,
            discard,
            observers: None,
            raised: Vec::new(),
        }
    }

    /// Hands every record (stats aside) to `observers` too.
    pub fn with_observers(mut self, observers: Option<SharedObservers>) -> EveOut {
        self.observers = observers;
        self
    }

    /// Writes records raised by observers (alerts, asset events), counted
    /// by their `event_type`.
    pub fn emit_values(&mut self, values: &[serde_json::Value]) {
        for v in values {
            let kind = match v.get("event_type").and_then(serde_json::Value::as_str) {
                Some("asset") => "asset",
                _ => "alert",
            };
            *self.counts.entry(kind).or_insert(0) += 1;
            if self.discard {
                continue;
            }
            if serde_json::to_writer(&mut self.buf, v).is_ok() {
                self.buf.push(b'\n');
                if self.store_only {
                    self.columns.push(None);
                }
            }
        }
    }

    /// Writes what is buffered.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.store_only {
            if self.buf.is_empty() && self.pending.is_empty() {
                return Ok(());
            }
            self.writer.hand_over(Chunk {
                lines: std::mem::replace(&mut self.buf, Vec::with_capacity(FLUSH_AT + 4096)),
                columns: std::mem::take(&mut self.columns),
                events: std::mem::replace(&mut self.pending, Vec::with_capacity(HAND_OVER_AT)),
            });
        } else if !self.buf.is_empty() {
            let r = self.writer.write_all(&self.buf);
            self.buf.clear();
            r?;
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Events emitted so far, by `event_type`.
    pub fn counts(&self) -> &BTreeMap<&'static str, u64> {
        &self.counts
    }
}

impl EventSink for EveOut {
    fn emit(&mut self, event: Event) {
        if let Some(obs) = &self.observers
            && !matches!(event, Event::Stats(_))
        {
            // Observers read the event in place; only those that need the
            // whole JSON tree have it built.
            let record = Record::event(&event);
            let mut raised = std::mem::take(&mut self.raised);
            obs.lock()
                .unwrap_or_else(|e| e.into_inner())
                .observe_record(&record, &mut raised);
            self.emit_values(&raised);
            raised.clear();
            self.raised = raised;
        }
        *self.counts.entry(event.event_type()).or_insert(0) += 1;
        if self.discard {
            return;
        }
        if self.store_only && matches!(event, Event::Flow(_)) {
            self.pending.push(event);
            if self.pending.len() >= HAND_OVER_AT || self.buf.len() >= FLUSH_AT {
                // Handing over cannot fail; the store's thread reports its
                // own errors when the run finishes.
                let _ = self.flush();
            }
            return;
        }
        event.write_json_line(&mut self.buf);
        if self.store_only {
            self.columns.push(LineColumns::of(&event));
        }
        if self.buf.len() >= FLUSH_AT {
            if self.store_only {
                // Moves the lines over instead of copying them.
                let _ = self.flush();
            } else if let Err(e) = self.writer.write_all(&self.buf) {
                // Keep the first error for the end of the run; a full disk
                // must not stop analysis of what is in memory.
                self.error.get_or_insert(e);
            }
            self.buf.clear();
        }
    }
}
