//! The wiring of the stages: capture → decode → defrag → flow → protocols → EVE.
//!
//! With one thread, the reading thread runs the [`worker::Worker`] itself.
//! With N threads, the reading thread only frames packets and computes a
//! cheap symmetric hash of the outermost address pair
//! ([`taishi_decode::shard_hash`]); it copies each frame into a batch for
//! the worker that owns that hash, so every packet of a flow (and every
//! fragment of a datagram, and all traffic of a tunnel) reaches the same
//! worker, and workers share nothing. Batches are recycled through a return
//! channel so steady state allocates nothing.

mod batch;
mod progress;
pub mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use taishi_capture::{CaptureWarning, PacketSource};
use taishi_core::event::{Eve, Event, EventSink, StatsBody};
use taishi_core::{Config, Counters, Timestamp};
use taishi_proto::ProtoConfig;

use crate::output::{EveOut, EveWriter};
pub use progress::Progress;
use worker::Worker;

/// How a run is carried out.
pub struct Options {
    /// Worker threads (≥ 1).
    pub threads: usize,
    /// Only read and frame packets (the benchmark floor).
    pub read_only: bool,
    /// Wall-clock seconds between `stats` events (live capture); `None`: only at the end.
    pub stats_interval: Option<Duration>,
    /// The rule engine, when rules are loaded.
    pub detect: Detect,
}

/// The rule engine's share of a run: the rules, shared by every worker,
/// and the threshold.config each worker's threshold state starts from.
#[derive(Clone)]
pub struct Detect {
    /// Compiled rules.
    pub engine: Option<Arc<taishi_detect::rules::engine::Engine>>,
    /// Text of a threshold.config file and its name, for error messages.
    pub thresholds: Option<(String, String)>,
    /// Alerts one packet may raise.
    pub packet_alert_max: usize,
    /// Observers of the written records (intel, behaviour).
    pub observers: Option<crate::output::SharedObservers>,
}

impl Detect {
    /// Adds an observer of the written records.
    pub fn add_observer(&mut self, o: Box<dyn taishi_detect::observe::Observer>) {
        let shared = self.observers.get_or_insert_with(Default::default);
        shared.lock().unwrap_or_else(|e| e.into_inner()).push(o);
    }
}

/// What a run did.
pub struct Report {
    /// Every counter, summed over workers, plus capture counters.
    pub counters: Counters,
    /// Events written, by type.
    pub events: BTreeMap<&'static str, u64>,
    /// Frames read.
    pub packets: u64,
    /// Bytes of frames read.
    pub bytes: u64,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// Damage found in capture files.
    pub warnings: Vec<CaptureWarning>,
    /// Worker threads used.
    pub threads: usize,
    /// Packet time of the first and last frame.
    pub span: Option<(Timestamp, Timestamp)>,
}

/// Runs the pipeline over `source` until it ends (end of files, or a stop request).
pub fn run(
    source: &mut dyn PacketSource,
    config: &Config,
    opts: &Options,
    eve: &EveWriter,
    progress: &Progress,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let proto = &ProtoConfig::from_config(config)?;
    let mut report = if opts.read_only {
        read_only(source, progress)?
    } else if opts.threads <= 1 {
        single(source, config, proto, opts, eve, progress)?
    } else {
        sharded(source, config, proto, opts, eve, progress)?
    };
    report.elapsed = started.elapsed();
    report.threads = if opts.read_only {
        1
    } else {
        opts.threads.max(1)
    };
    report.warnings.extend(source.take_warnings());
    if let Some(obs) = &opts.detect.observers {
        // Detectors with open windows report them at the end of the input.
        let mut raised = Vec::new();
        obs.lock()
            .unwrap_or_else(|e| e.into_inner())
            .finish(&mut raised);
        let mut out = EveOut::new(eve.clone());
        out.emit_values(&raised);
        out.flush().context("writing EVE output")?;
        for (kind, n) in out.counts() {
            *report.events.entry(kind).or_insert(0) += n;
        }
    }
    let cs = source.stats();
    report.counters.add("capture.kernel_packets", cs.received);
    report
        .counters
        .add("capture.kernel_drops", cs.kernel_dropped);
    report.counters.add("capture.kernel_ifdrops", cs.if_dropped);
    report.counters.add("capture.packets", report.packets);
    report.counters.add("capture.bytes", report.bytes);
    report
        .counters
        .add("capture.file_warnings", report.warnings.len() as u64);
    if !opts.read_only {
        emit_stats(
            eve,
            &report.counters,
            report.span.map(|s| s.1).unwrap_or_else(Timestamp::now),
        )?;
        *report.events.entry("stats").or_insert(0) += 1;
    }
    eve.flush().context("writing EVE output")?;
    progress.finish();
    Ok(report)
}

fn emit_stats(eve: &EveWriter, counters: &Counters, ts: Timestamp) -> anyhow::Result<()> {
    let mut out = EveOut::new(eve.clone());
    out.emit(Event::Stats(Eve::new(
        ts,
        "stats",
        StatsBody {
            stats: counters.to_json(),
        },
    )));
    out.flush().context("writing EVE output")
}

fn new_report() -> Report {
    Report {
        counters: Counters::new(),
        events: BTreeMap::new(),
        packets: 0,
        bytes: 0,
        elapsed: Duration::ZERO,
        warnings: Vec::new(),
        threads: 1,
        span: None,
    }
}

fn widen(span: &mut Option<(Timestamp, Timestamp)>, ts: Timestamp) {
    *span = match *span {
        None => Some((ts, ts)),
        Some((a, b)) => Some((a.min(ts), b.max(ts))),
    };
}

/// Packets between progress updates: often enough for a smooth bar,
/// rarely enough that the update costs nothing.
const PROGRESS_EVERY: u64 = 1 << 14;

fn read_only(source: &mut dyn PacketSource, progress: &Progress) -> anyhow::Result<Report> {
    let mut report = new_report();
    let mut checksum = 0u64;
    while let Some(p) = source.next_packet()? {
        report.packets += 1;
        report.bytes += p.data.len() as u64;
        // Touch the frame so the floor run really reads what it frames.
        checksum = checksum.wrapping_add(p.data.first().copied().unwrap_or(0) as u64);
        widen(&mut report.span, p.ts);
        if report.packets.is_multiple_of(PROGRESS_EVERY) {
            progress.update(source.bytes_read(), report.packets, 0);
        }
    }
    report
        .counters
        .add("capture.read_only_checksum", checksum & 0xff);
    Ok(report)
}

fn single(
    source: &mut dyn PacketSource,
    config: &Config,
    proto: &ProtoConfig,
    opts: &Options,
    eve: &EveWriter,
    progress: &Progress,
) -> anyhow::Result<Report> {
    let mut report = new_report();
    let out = EveOut::new(eve.clone()).with_observers(opts.detect.observers.clone());
    let mut worker = Worker::new(config, proto, &opts.detect, 0, out);
    let mut stats_timer = StatsTimer::new(opts.stats_interval);
    while let Some(p) = source.next_packet()? {
        report.packets += 1;
        report.bytes += p.data.len() as u64;
        widen(&mut report.span, p.ts);
        worker.handle(p.ts, p.linktype, p.data, p.wire_len);
        if report.packets.is_multiple_of(PROGRESS_EVERY) {
            progress.update(source.bytes_read(), report.packets, worker.flows_ended());
            if stats_timer.due() {
                let mut c = worker.counters();
                add_source_stats(&mut c, source);
                emit_stats(eve, &c, p_ts_or_now(&report))?;
            }
        }
    }
    let done = worker.finish();
    if let Some(e) = done.io_error {
        return Err(e).context("writing EVE output");
    }
    report.counters = done.counters;
    report.events = done.events;
    Ok(report)
}

fn add_source_stats(c: &mut Counters, source: &dyn PacketSource) {
    let cs = source.stats();
    c.add("capture.kernel_packets", cs.received);
    c.add("capture.kernel_drops", cs.kernel_dropped);
    c.add("capture.kernel_ifdrops", cs.if_dropped);
}

fn sharded(
    source: &mut dyn PacketSource,
    config: &Config,
    proto: &ProtoConfig,
    opts: &Options,
    eve: &EveWriter,
    progress: &Progress,
) -> anyhow::Result<Report> {
    let n = opts.threads;
    let flows_ended = Arc::new(AtomicU64::new(0));
    let snapshots: Vec<Arc<std::sync::Mutex<Counters>>> =
        (0..n).map(|_| Default::default()).collect();
    let mut report = new_report();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut lanes = Vec::with_capacity(n);
        let mut handles = Vec::with_capacity(n);
        for (id, snapshot) in snapshots.iter().enumerate() {
            let (lane, rx, recycle_tx) = batch::Lane::new();
            let out = EveOut::new(eve.clone()).with_observers(opts.detect.observers.clone());
            let flows_ended = Arc::clone(&flows_ended);
            let snapshot = Arc::clone(snapshot);
            let detect = &opts.detect;
            let handle = std::thread::Builder::new()
                .name(format!("worker-{id}"))
                .spawn_scoped(scope, move || {
                    let mut worker = Worker::new(config, proto, detect, id as u16, out);
                    let mut reported = 0u64;
                    for b in rx.iter() {
                        for m in &b.metas {
                            let frame = b.frame(m);
                            worker.handle(m.ts, m.linktype, frame, m.wire_len);
                        }
                        if b.want_stats {
                            *snapshot.lock().unwrap_or_else(|e| e.into_inner()) = worker.counters();
                        }
                        let ended = worker.flows_ended();
                        flows_ended.fetch_add(ended - reported, Ordering::Relaxed);
                        reported = ended;
                        // The reader may have gone; then the batch is simply dropped.
                        let _ = recycle_tx.send(b.cleared());
                    }
                    worker.finish()
                })
                .context("starting a worker thread")?;
            lanes.push(lane);
            handles.push(handle);
        }

        let mut stats_timer = StatsTimer::new(opts.stats_interval);
        let mut read_error = None;
        loop {
            let p = match source.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            report.packets += 1;
            report.bytes += p.data.len() as u64;
            widen(&mut report.span, p.ts);
            let h = taishi_decode::shard_hash(p.linktype, p.data);
            // Multiply-shift maps the hash onto 0..n without a division.
            let lane = ((h as u64 * n as u64) >> 32) as usize;
            lanes[lane].push(p.ts, p.linktype, p.data, p.wire_len);
            if report.packets.is_multiple_of(PROGRESS_EVERY) {
                progress.update(
                    source.bytes_read(),
                    report.packets,
                    flows_ended.load(Ordering::Relaxed),
                );
                if stats_timer.due() {
                    let mut c = Counters::new();
                    for s in &snapshots {
                        c.merge(&s.lock().unwrap_or_else(|e| e.into_inner()));
                    }
                    add_source_stats(&mut c, source);
                    emit_stats(eve, &c, p_ts_or_now(&report))?;
                    for l in &mut lanes {
                        l.request_stats();
                    }
                }
            }
        }
        for lane in lanes {
            lane.close();
        }
        for h in handles {
            let done = h
                .join()
                .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
            if let Some(e) = done.io_error {
                return Err(e).context("writing EVE output");
            }
            report.counters.merge(&done.counters);
            for (k, v) in done.events {
                *report.events.entry(k).or_insert(0) += v;
            }
        }
        match read_error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    })?;
    Ok(report)
}

fn p_ts_or_now(report: &Report) -> Timestamp {
    report.span.map(|s| s.1).unwrap_or_else(Timestamp::now)
}

/// When periodic `stats` events are due (live capture), by wall clock.
struct StatsTimer {
    every: Option<Duration>,
    last: Instant,
}

impl StatsTimer {
    fn new(every: Option<Duration>) -> StatsTimer {
        StatsTimer {
            every,
            last: Instant::now(),
        }
    }

    /// True once per interval; never without one.
    fn due(&mut self) -> bool {
        match self.every {
            Some(every) if self.last.elapsed() >= every => {
                self.last = Instant::now();
                true
            }
            _ => false,
        }
    }
}
