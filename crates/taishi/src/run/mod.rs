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

/// Worker threads: the flag, or every core.
pub fn thread_count(args: &PipelineArgs) -> usize {
    args.threads.filter(|n| *n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}
