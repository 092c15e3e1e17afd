//! Loading a rule set from files: parse, compile, and account for every
//! rule that cannot run (file, line, sid, keyword).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::Engine;
use crate::rules::compile::{Compiler, Signature, Skip};
use crate::rules::parse::{self, Origin, Vars};

/// How to load rules.
#[derive(Debug, Default)]
pub struct LoadOptions {
    /// Rule files, folders, or Suricata-style YAML configs.
    pub paths: Vec<PathBuf>,
    /// Variable overrides (`HOME_NET=[10.0.0.0/8]`), applied after files.
    pub vars: Vec<(String, String)>,
    /// A classification.config to add to the built-in one.
    pub classification: Option<PathBuf>,
}

/// A rule that was not loaded, and why.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedRule {
    /// File the rule is in.
    pub file: String,
    /// Its line.
    pub line: usize,
    /// Its sid, when it has one.
    pub sid: Option<u32>,
    /// The keyword at fault, if any.
    pub keyword: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Valid Suricata that Taishi does not run (vs a malformed rule).
    pub unsupported: bool,
}

/// Per-file counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileReport {
    /// The file.
    pub file: String,
    /// Rules loaded.
    pub loaded: usize,
    /// Rules skipped.
    pub skipped: usize,
    /// Commented-out rules (not counted in either).
    pub disabled: usize,
}

/// Rules loaded from files, with the report of what was skipped.
#[derive(Debug)]
pub struct RuleSet {
    /// The compiled engine.
    pub engine: Engine,
    /// Per-file counts, in load order.
    pub files: Vec<FileReport>,
    /// Every skipped rule.
    pub skipped: Vec<SkippedRule>,
}

impl RuleSet {
    /// Loads and compiles. Only an unreadable file is an error; a bad rule
    /// is skipped and reported.
    pub fn load(opts: &LoadOptions) -> Result<RuleSet, String> {
        let mut vars = Vars::suricata_defaults();
        let files = parse::load_files(&opts.paths, &mut vars).map_err(|e| e.to_string())?;
        for (k, v) in &opts.vars {
            vars.set(k, v).map_err(|e| format!("variable {k}: {e}"))?;
        }
        let mut compiler = Compiler::new();
        if let Some(path) = &opts.classification {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            if let Some(c) = compiler.classes.as_mut() {
                c.parse_into(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let mut sigs: Vec<Signature> = Vec::new();
        let mut reports = Vec::new();
        let mut skipped = Vec::new();
        let mut seen: BTreeMap<(u32, u32), Origin> = BTreeMap::new();
        for file in files {
            let mut rep = FileReport {
                file: file.path.display().to_string(),
                disabled: file.disabled,
                ..FileReport::default()
            };
            for e in &file.errors {
                skipped.push(SkippedRule {
                    file: e.origin.file.to_string(),
                    line: e.origin.line,
                    sid: e.sid,
                    keyword: e.keyword.clone(),
                    message: e.message.clone(),
                    unsupported: false,
                });
                rep.skipped += 1;
            }
            for line in file.rules {
                let origin = line.origin.clone();
                let result = parse::parse_rule(&line.text, &vars, line.origin)
                    .map_err(|e| SkippedRule {
                        file: e.origin.file.to_string(),
                        line: e.origin.line,
                        sid: e.sid,
                        keyword: e.keyword,
                        message: e.message,
                        unsupported: false,
                    })
                    .and_then(|raw| {
                        let sid = raw.sid;
                        compiler
                            .compile(raw, sigs.len() as u32)
                            .map_err(|e: Skip| SkippedRule {
                                file: origin.file.to_string(),
                                line: origin.line,
                                sid,
                                keyword: e.keyword,
                                message: e.message,
                                unsupported: e.unsupported,
                            })
                    });
                match result {
                    Ok(sig) => {
                        // Suricata refuses a second rule with the same gid:sid.
                        if let Some(first) = seen.get(&(sig.gid, sig.sid)) {
                            skipped.push(SkippedRule {
                                file: origin.file.to_string(),
                                line: origin.line,
                                sid: Some(sig.sid),
                                keyword: Some("sid".into()),
                                message: format!("duplicate of {}:{}", first.file, first.line),
                                unsupported: false,
                            });
                            rep.skipped += 1;
                            continue;
                        }
                        seen.insert((sig.gid, sig.sid), origin);
                        sigs.push(sig);
                        rep.loaded += 1;
                    }
                    Err(s) => {
                        skipped.push(s);
                        rep.skipped += 1;
                    }
                }
            }
            reports.push(rep);
        }
        let mut engine = Engine::new(sigs);
        engine.tag_traffic(&compiler.names);
        Ok(RuleSet {
            engine,
            files: reports,
            skipped,
        })
    }

    /// Rules loaded in total.
    pub fn loaded(&self) -> usize {
        self.files.iter().map(|f| f.loaded).sum()
    }

    /// Unsupported keywords and how many rules each kept out.
    pub fn unsupported(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for s in &self.skipped {
            if s.unsupported {
                let k = s.keyword.clone().unwrap_or_else(|| "(header)".into());
                *out.entry(k).or_insert(0) += 1;
            }
        }
        out
    }
}
