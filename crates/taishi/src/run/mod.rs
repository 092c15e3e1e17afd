//! The glue of each command: read arguments, build the configuration, pick
//! the sources and sinks, run the pipeline, print the outcome.

pub mod analyze;
pub mod assess;
pub mod db;
pub mod generate;
pub mod intel;
pub mod rules;
pub mod sensor;
pub mod serve;

use anyhow::Context;
use taishi_core::Config;

use crate::cli::PipelineArgs;

/// Builds the configuration: defaults, then the file, then each `--set`.
pub fn load_config(args: &PipelineArgs) -> anyhow::Result<Config> {
    let mut config = Config::default();
    if let Some(path) = &args.config {
        config.apply_file(path)?;
    }
    for kv in &args.set {
        config.set_arg(kv).context("--set")?;
    }
    Ok(config)
}

/// The database of a pipeline run (with `--db`) and its detection: the
/// database is opened first, so that its asset registry (with `--assets`
/// imported) tells the industrial detectors who may command which device.
pub fn open_run(
    args: &PipelineArgs,
    config: &mut Config,
) -> anyhow::Result<(crate::pipeline::Detect, Option<db::RunDb>)> {
    let run_db = db::RunDb::for_run(args)?;
    let assets = run_db.as_ref().map(|d| d.assets()).transpose()?;
    let detect = rules::load_detect(&args.rules, config, assets.as_deref().unwrap_or_default())?;
    Ok((detect, run_db))
}

/// Worker threads: the flag, or every core.
pub fn thread_count(args: &PipelineArgs) -> usize {
    args.threads.filter(|n| *n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}
