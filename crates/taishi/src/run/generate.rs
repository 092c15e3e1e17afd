//! `taishi generate`: sample traffic with labelled attacks.

use std::fs::File;
use std::io::BufWriter;

use anyhow::Context;

use crate::cli::GenerateArgs;

/// Runs the command.
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    if !(args.scale.is_finite() && args.scale > 0.0) {
        anyhow::bail!("--scale {}: must be a positive number", args.scale);
    }
    let opts = taishi_generate::Options {
        scenario: args.scenario.clone(),
        seed: args.seed,
        scale: args.scale,
    };
    let file = File::create(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let (summary, labels) =
        taishi_generate::generate(&opts, BufWriter::with_capacity(1 << 20, file)).with_context(
            || {
                format!(
                    "{}: generating scenario {}",
                    args.out.display(),
                    args.scenario
                )
            },
        )?;
    let labels_path = labels_path(&args.out);
    let json = serde_json::to_vec_pretty(&labels).context("serialising labels")?;
    std::fs::write(&labels_path, json)
        .with_context(|| format!("{}: cannot write", labels_path.display()))?;
    eprintln!(
        "wrote {} packets ({:.1} MB, {} flows, {} labelled attacks) to {}; labels in {}",
        summary.packets,
        summary.bytes as f64 / 1e6,
        summary.flows,
        summary.attacks,
        args.out.display(),
        labels_path.display()
    );
    Ok(())
}

/// `x.pcap` → `x.labels.json`.
fn labels_path(out: &std::path::Path) -> std::path::PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "traffic".into());
    out.with_file_name(format!("{stem}.labels.json"))
}
