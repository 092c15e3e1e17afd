//! `taishi rules check`, and loading the rules of a pipeline run.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;
use taishi_core::Config;
use taishi_detect::behaviour::{Behaviour, BehaviourConfig, IcsRegistry};
use taishi_detect::intel::{IndicatorKind, IntelObserver, IntelSet};
use taishi_detect::intel::{IntelStore, read_files};
use taishi_detect::observe::Observers;
use taishi_detect::rules::engine::{LoadOptions, RuleSet};
use taishi_detect::rules::keywords::ThresholdConfig;

use crate::cli::{RuleVarArgs, RulesArgs, RulesCheckArgs};
use crate::pipeline::Detect;

fn load_options(paths: &[std::path::PathBuf], vars: &RuleVarArgs) -> anyhow::Result<LoadOptions> {
    let mut pairs = Vec::new();
    for kv in &vars.vars {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--var {kv}: expected NAME=VALUE");
        };
        pairs.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(LoadOptions {
        paths: paths.to_vec(),
        vars: pairs,
        classification: vars.classification_file.clone(),
    })
}

/// Loads the rules and threshold file of a run; turns on what the rules
/// need of the protocol stage (HTTP bodies). Skipped rules are reported on
/// stderr, one line each, and do not stop the run. `assets` is the asset
/// registry of the run's database (empty without one): the industrial
/// detectors take the masters and function codes it declares.
pub fn load_detect(
    args: &RulesArgs,
    config: &mut Config,
    assets: &[taishi_core::domain::Asset],
) -> anyhow::Result<Detect> {
    let (observers, digests) = load_observers(args, assets)?;
    intel_file_digests(config, digests)?;
    let thresholds = match &args.threshold_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path.display().to_string();
            ThresholdConfig::parse(&text, &name).map_err(|e| anyhow::anyhow!(e))?;
            Some((text, name))
        }
        None => None,
    };
    if args.rules.is_empty() {
        resolve_auto_fingerprints(config, false, false)?;
        return Ok(Detect {
            engine: None,
            thresholds,
            packet_alert_max: config.packet_alert_max,
            observers,
        });
    }
    let started = Instant::now();
    use_mpm_cache(config);
    let mut opts = load_options(&args.rules, &args.vars)?;
    // Variables of the configuration file (`vars.address-groups.*`) come
    // before those given with --var.
    let from_config = config
        .vars
        .address_groups
        .iter()
        .chain(config.vars.port_groups.iter())
        .cloned();
    opts.vars = from_config.chain(opts.vars).collect();
    let set = RuleSet::load(&opts).map_err(|e| anyhow::anyhow!(e))?;
    for s in &set.skipped {
        let sid = s.sid.map(|s| format!("sid {s}: ")).unwrap_or_default();
        eprintln!(
            "taishi: rule skipped: {}:{}: {sid}{}",
            s.file,
            s.line,
            skip_reason(s)
        );
    }
    eprintln!(
        "taishi: {} rules loaded, {} skipped, in {:.2} s",
        set.loaded(),
        set.skipped.len(),
        started.elapsed().as_secs_f64()
    );
    // `body-md5: auto` (and no setting) hashes bodies when a rule reads the
    // hash; an explicit `no` wins, as in Suricata, and such a rule then
    // never matches.
    let md5_off = config
        .app_layer
        .get("protocols.smtp.mime.body-md5")
        .is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "no" | "false" | "off" | "0"
            )
        });
    if set.engine.needs_body_md5 && !md5_off {
        config
            .set("app-layer.protocols.smtp.mime.body-md5", "yes")
            .context("turning on SMTP body hashing")?;
    }
    if set.engine.needs_bodies {
        config
            .set("app-layer.protocols.http.inspect-bodies", "yes")
            .context("turning on HTTP body inspection")?;
    }
    if set.engine.needs_file_hashes {
        // As Suricata computes a file's digest when a rule compares it
        // (`filemd5` and kin) and SHA-256 whenever files are stored, HTTP
        // hashes its files for such rule sets; the digests then also go in
        // the `fileinfo` records.
        config
            .set("app-layer.protocols.http.eve.file-hashes", "yes")
            .context("turning on HTTP file hashing")?;
    }
    resolve_auto_fingerprints(config, set.engine.needs_ja3, set.engine.needs_ja4)?;
    Ok(Detect {
        engine: Some(Arc::new(set.engine)),
        thresholds,
        packet_alert_max: config.packet_alert_max,
        observers,
    })
}

/// Gives `ja3-fingerprints: auto` / `ja4-fingerprints: auto` Suricata's
/// meaning, now that the rules are known: on when a rule uses them. The
/// protocol stage cannot see the rules, so the binary decides for it; the
/// keys absent stay Taishi's default (on), `yes`/`no` stay as written.
fn resolve_auto_fingerprints(config: &mut Config, ja3: bool, ja4: bool) -> anyhow::Result<()> {
    for (key, used) in [("ja3-fingerprints", ja3), ("ja4-fingerprints", ja4)] {
        let auto = config
            .app_layer
            .get(&format!("protocols.tls.{key}"))
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case(taishi_proto::tls::Fingerprints::AUTO)
            });
        if auto {
            config
                .set(
                    &format!("app-layer.protocols.tls.{key}"),
                    if used { "yes" } else { "no" },
                )
                .with_context(|| format!("resolving {key}: auto"))?;
        }
    }
    Ok(())
}

/// File digests intel indicators compare: (MD5, SHA-1).
type IntelDigests = (bool, bool);

/// Files are hashed with SHA-256 alone by default; intel listing MD5 or
/// SHA-1 file hashes needs those digests too, or its indicators could never
/// match a file. A file-hashes setting given by the user stands.
fn intel_file_digests(config: &mut Config, (md5, sha1): IntelDigests) -> anyhow::Result<()> {
    const KEY: &str = "protocols.http.eve.file-hashes";
    if !(md5 || sha1) || config.app_layer.contains_key(KEY) {
        return Ok(());
    }
    let mut list = vec!["sha256"];
    list.extend(md5.then_some("md5"));
    list.extend(sha1.then_some("sha1"));
    config
        .set(&format!("app-layer.{KEY}"), &list.join(","))
        .context("turning on the file digests intel compares")
}

/// The observers of a run: intel (the store's indicators and `--intel`
/// files, when there are any) and the behavioural detectors (unless
/// `--no-behaviour`), which read the asset registry `assets`; and which
/// file digests the intel compares.
fn load_observers(
    args: &RulesArgs,
    assets: &[taishi_core::domain::Asset],
) -> anyhow::Result<(Option<crate::output::SharedObservers>, IntelDigests)> {
    let mut obs = Observers::new();
    let mut indicators = Vec::new();
    let st = match &args.intel_dir {
        Some(d) => Some(IntelStore::open(d.clone())),
        None => IntelStore::open_default().ok(),
    };
    if let Some(st) = st
        && st.dir().is_dir()
    {
        indicators.extend(
            st.indicators()
                .map_err(|e| anyhow::anyhow!("intel store: {e}"))?,
        );
    }
    if !args.intel.is_empty() {
        let (more, report) =
            read_files(&args.intel, None).map_err(|e| anyhow::anyhow!("--intel: {e}"))?;
        if report.bad > 0 {
            eprintln!("taishi: intel: {} bad records skipped", report.bad);
        }
        indicators.extend(more);
    }
    let digests = (
        indicators.iter().any(|i| i.kind == IndicatorKind::Md5),
        indicators.iter().any(|i| i.kind == IndicatorKind::Sha1),
    );
    if !indicators.is_empty() {
        let set = IntelSet::build(indicators);
        eprintln!("taishi: {} intel indicators loaded", set.len());
        obs.push(Box::new(IntelObserver::new(Arc::new(set))));
    }
    if !args.no_behaviour {
        let cfg = match &args.behaviour_config {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                serde_yaml::from_str(&text).with_context(|| format!("{}", p.display()))?
            }
            None => BehaviourConfig::default(),
        };
        let registry = IcsRegistry::from_assets(assets);
        for w in registry.ignored() {
            eprintln!("taishi: warning: behaviour: {w}; ignored");
        }
        obs.push(Box::new(
            Behaviour::with_registry(cfg, registry)
                .map_err(|e| anyhow::anyhow!("behaviour: {e}"))?,
        ));
    }
    Ok((
        (!obs.is_empty()).then(|| Arc::new(std::sync::Mutex::new(obs))),
        digests,
    ))
}

fn skip_reason(s: &taishi_detect::rules::engine::SkippedRule) -> String {
    match &s.keyword {
        Some(k) => format!("{k}: {}", s.message),
        None => s.message.clone(),
    }
}

/// Turns on the cache of compiled prefilter databases as `config` says
/// (`detect.sgh-mpm-caching`, on by default, in the cache folder).
fn use_mpm_cache(config: &Config) {
    if config.mpm_cache
        && let Some(dir) = config
            .mpm_cache_path
            .clone()
            .or_else(|| taishi_core::paths::cache_dir().map(|d| d.join("mpm")))
    {
        taishi_match::set_cache_dir(dir);
    }
}

/// Runs `taishi rules check`.
pub fn check(args: RulesCheckArgs) -> anyhow::Result<()> {
    use_mpm_cache(&Config::default());
    let started = Instant::now();
    let set =
        RuleSet::load(&load_options(&args.paths, &args.vars)?).map_err(|e| anyhow::anyhow!(e))?;
    let secs = started.elapsed().as_secs_f64();
    let loaded = set.loaded();
    let skipped = set.skipped.len();
    if args.json {
        let out = json!({
            "total": {"loaded": loaded, "skipped": skipped},
            "files": set.files,
            "unsupported": set.unsupported(),
            "skipped": if args.list { json!(set.skipped) } else { json!(null) },
            "load_seconds": secs,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{:<48} {:>8} {:>8} {:>9}",
        "file", "loaded", "skipped", "disabled"
    );
    for f in &set.files {
        println!(
            "{:<48} {:>8} {:>8} {:>9}",
            f.file, f.loaded, f.skipped, f.disabled
        );
    }
    let pct = if loaded + skipped > 0 {
        100.0 * loaded as f64 / (loaded + skipped) as f64
    } else {
        100.0
    };
    println!("total: {loaded} loaded, {skipped} skipped ({pct:.1}% loaded) in {secs:.2} s");
    let unsupported = set.unsupported();
    if !unsupported.is_empty() {
        println!("\nunsupported keyword                      rules");
        let mut rows: Vec<_> = unsupported.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (k, n) in rows {
            println!("{k:<40} {n:>5}");
        }
    }
    if args.list {
        println!();
        for s in &set.skipped {
            let sid = s.sid.map(|s| format!("sid {s}: ")).unwrap_or_default();
            println!("{}:{}: {sid}{}", s.file, s.line, skip_reason(s));
        }
    }
    Ok(())
}
