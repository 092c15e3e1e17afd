//! `taishi intel import|list|stats`: the intel store from the command line.

use anyhow::Context;
use taishi_detect::intel::IndicatorKind;
use taishi_detect::intel::IntelStore;

use crate::cli::{IntelCommand, IntelStoreArgs};

fn store(args: &IntelStoreArgs) -> anyhow::Result<IntelStore> {
    match &args.intel_dir {
        Some(d) => Ok(IntelStore::open(d.clone())),
        None => IntelStore::open_default().map_err(|e| anyhow::anyhow!("intel store: {e}")),
    }
}

/// Runs one `taishi intel` command.
pub fn run(cmd: IntelCommand) -> anyhow::Result<()> {
    match cmd {
        IntelCommand::Import(a) => {
            let st = store(&a.store)?;
            let report = st
                .import(&a.files, a.source.as_deref())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if a.store.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
                return Ok(());
            }
            for f in &report.files {
                println!(
                    "{}: {} indicators imported as source '{}' ({:?}), {} bad, {} skipped",
                    f.path.display(),
                    f.imported,
                    f.source,
                    f.format,
                    f.bad,
                    f.skipped
                );
                for b in &f.first_bad {
                    println!("  bad: {b:?}");
                }
            }
            println!(
                "total: {} imported, {} bad, {} skipped into {}",
                report.imported,
                report.bad,
                report.skipped,
                st.dir().display()
            );
        }
        IntelCommand::List(a) => {
            let st = store(&a.store)?;
            let kind = match &a.kind {
                Some(k) => Some(
                    IndicatorKind::from_name(k)
                        .with_context(|| format!("--kind {k}: unknown indicator kind"))?,
                ),
                None => None,
            };
            let list = st.list(kind, a.limit).map_err(|e| anyhow::anyhow!("{e}"))?;
            if a.store.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            for i in &list {
                println!(
                    "{:<10} {:<48} source={} confidence={} tags={}",
                    i.kind.as_str(),
                    i.value,
                    i.source,
                    i.confidence,
                    i.tags.join(",")
                );
            }
        }
        IntelCommand::Stats(a) => {
            let st = store(&a)?;
            let stats = st.stats().map_err(|e| anyhow::anyhow!("{e}"))?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(());
            }
            println!("{} indicators in {}", stats.total, st.dir().display());
            for (k, n) in &stats.by_kind {
                println!("  kind   {k:<12} {n}");
            }
            for (s, n) in &stats.by_source {
                println!("  source {s:<24} {n}");
            }
        }
    }
    Ok(())
}
