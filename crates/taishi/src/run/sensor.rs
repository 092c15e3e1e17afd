//! `taishi sensor`: live capture until SIGINT/SIGTERM.

use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::cli::SensorArgs;
use crate::output::EveWriter;
use crate::pipeline::{self, Progress};
use crate::summary;

/// Runs the command.
pub fn run(args: SensorArgs) -> anyhow::Result<()> {
    let mut config = super::load_config(&args.pipeline)?;
    let detect = super::rules::load_detect(&args.pipeline.rules, &mut config)?;
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
    let eve = EveWriter::open(args.pipeline.eve.as_deref())?;
    let interval = (config.stats_interval > 0).then(|| Duration::from_secs(config.stats_interval));
    let opts = pipeline::Options {
        threads,
        read_only: false,
        stats_interval: interval,
        detect,
    };
    tracing::info!(iface = %args.iface, threads, "capturing");
    let report = pipeline::run(&mut source, &config, &opts, &eve, &Progress::hidden())?;
    if !stop.load(Ordering::Relaxed) {
        tracing::warn!("capture ended without a stop request");
    }
    eprintln!(
        "{}",
        summary::paragraph(&report, args.pipeline.eve.as_deref(), 0)
    );
    Ok(())
}
