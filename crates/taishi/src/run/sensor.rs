//! `taishi sensor`: live capture until SIGINT/SIGTERM.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::cli::SensorArgs;
use crate::output::EveWriter;
use crate::pipeline::{self, Progress};
use crate::summary;

/// How often a sensor writing a database assesses it.
const ASSESS_EVERY: Duration = Duration::from_secs(60);

/// Runs the command.
pub fn run(args: SensorArgs) -> anyhow::Result<()> {
    let mut config = super::load_config(&args.pipeline)?;
    let (mut detect, mut run_db) = super::open_run(&args.pipeline, &mut config)?;
    let threads = super::thread_count(&args.pipeline);
    let mut source = taishi_capture::LiveSource::open(&args.iface, args.bpf.as_deref())
        .with_context(|| format!("opening interface {}", args.iface))?;
    // The signal handler only sets the source's stop flag; the source
    // notices it within its read timeout and ends, and the pipeline then
    // flushes every open flow and the final stats like at the end of a file.
    let stop = source.stop_handle();
    for sig in [SIGINT, SIGTERM] {
        signal_hook::flag::register(sig, std::sync::Arc::clone(&stop))
            .context("installing the signal handler")?;
    }
    let mut eve = EveWriter::open(args.pipeline.eve.as_deref())?;
    if let Some(db) = &mut run_db {
        eve = eve.with_tee(db.tee());
        detect.add_observer(db.observer());
        // The console and `taishi posture` follow a live site minute by minute.
        db.assess_periodically(ASSESS_EVERY);
    }
    let interval = (config.stats_interval > 0).then(|| Duration::from_secs(config.stats_interval));
    let opts = pipeline::Options {
        threads,
        read_only: false,
        stats_interval: interval,
        detect,
    };
    tracing::info!(iface = %args.iface, threads, "capturing");
    let report = pipeline::run(&mut source, &config, &opts, &eve, &Progress::hidden())?;
    drop(eve);
    if !stop.load(Ordering::Relaxed) {
        tracing::warn!("capture ended without a stop request");
    }
    eprintln!(
        "{}",
        summary::paragraph(&report, args.pipeline.eve.as_deref(), 0)
    );
    if let Some(db) = run_db {
        let (path, assessed) = db.finish(Some(taishi_core::Timestamp::now().secs()))?;
        eprintln!("{}", summary::assessment(&path, &assessed));
    }
    Ok(())
}
