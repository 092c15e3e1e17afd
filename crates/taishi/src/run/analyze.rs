//! `taishi analyze`: capture files in, EVE out, a summary at the end.

use anyhow::Context;

use crate::cli::AnalyzeArgs;
use crate::output::EveWriter;
use crate::pipeline::{self, Progress};
use crate::summary;

/// Runs the command.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let mut config = super::load_config(&args.pipeline)?;
    let (mut detect, run_db) = super::open_run(&args.pipeline, &mut config)?;
    let threads = super::thread_count(&args.pipeline);
    let mut source = taishi_capture::open_files(&args.captures).context("opening captures")?;
    let mut eve = EveWriter::open(args.pipeline.eve.as_deref())?;
    if let Some(db) = &run_db {
        eve = eve.with_tee(db.tee());
        detect.add_observer(db.observer());
    }
    let progress = Progress::new(
        taishi_capture::PacketSource::total_bytes(&source),
        !args.no_progress,
    );
    let opts = pipeline::Options {
        threads,
        read_only: args.read_only,
        stats_interval: None,
        detect,
    };
    let report = pipeline::run(&mut source, &config, &opts, &eve, &progress)?;
    // The detectors' state is hundreds of thousands of small maps and
    // vectors after a busy capture, and freeing it piece by piece took 5%
    // of a whole run (perf). The process ends here, which returns the
    // memory at once; the observers hold no file or other resource that
    // needs their destructors (their output was flushed by `run`).
    if let Some(observers) = opts.detect.observers {
        std::mem::forget(observers);
    }
    // The store's writer ends when the last handle to its input goes.
    drop(eve);
    for w in &report.warnings {
        eprintln!("taishi: warning: {w}");
    }
    eprintln!(
        "{}",
        summary::paragraph(&report, args.pipeline.eve.as_deref(), args.captures.len())
    );
    if let Some(db) = run_db {
        let (path, assessed) = db.finish(report.span.map(|(_, end)| end.secs()))?;
        eprintln!("{}", summary::assessment(&path, &assessed));
    }
    Ok(())
}
