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
        // A slot is emptied when a later revision of its rule replaces it.
        let mut sigs: Vec<Option<Signature>> = Vec::new();
        let mut reports: Vec<FileReport> = Vec::new();
        let mut skipped = Vec::new();
        // gid:sid -> where the loaded rule came from, its slot, its file report.
        let mut seen: BTreeMap<(u32, u32), (Origin, usize, usize)> = BTreeMap::new();
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
                        // As Suricata, a second rule with the same gid:sid
                        // replaces the first when its rev is higher and is
                        // refused otherwise (a rule file updated by appending
                        // a new revision runs the new one).
                        let key = (sig.gid, sig.sid);
                        if let Some((first, slot, first_file)) = seen.get(&key).cloned() {
                            let first_rev =
                                sigs.get(slot).and_then(Option::as_ref).map_or(0, |s| s.rev);
                            let (loser, winner) = if sig.rev > first_rev {
                                (&first, &origin)
                            } else {
                                (&origin, &first)
                            };
                            skipped.push(SkippedRule {
                                file: loser.file.to_string(),
                                line: loser.line,
                                sid: Some(sig.sid),
                                keyword: Some("sid".into()),
                                message: format!(
                                    "duplicate of {}:{} (the higher rev is kept)",
                                    winner.file, winner.line
                                ),
                                unsupported: false,
                            });
                            if sig.rev <= first_rev {
                                rep.skipped += 1;
                                continue;
                            }
                            if let Some(old) = sigs.get_mut(slot) {
                                *old = None;
                            }
                            match reports.get_mut(first_file) {
                                Some(r) => {
                                    r.loaded -= 1;
                                    r.skipped += 1;
                                }
                                None => {
                                    rep.loaded -= 1;
                                    rep.skipped += 1;
                                }
                            }
                        }
                        seen.insert(key, (origin, sigs.len(), reports.len()));
                        sigs.push(Some(sig));
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
        let mut engine = Engine::new(sigs.into_iter().flatten().collect());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Suricata keeps the higher revision of a gid:sid seen twice, whichever
    /// comes first (suricata-verify's stream-depth-reached-event appends a
    /// rev 2 to a file holding rev 1).
    #[test]
    fn duplicate_sid_keeps_the_higher_rev() {
        let dir = std::env::temp_dir().join(format!("taishi-dup-sid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let load = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            RuleSet::load(&LoadOptions {
                paths: vec![path],
                ..LoadOptions::default()
            })
            .unwrap()
        };
        let rule = |rev: u32| {
            format!("alert tcp any any -> any any (msg:\"r{rev}\"; sid:7; rev:{rev};)\n")
        };
        for (name, text) in [
            ("up.rules", rule(1) + &rule(2)),
            ("down.rules", rule(2) + &rule(1)),
        ] {
            let set = load(name, &text);
            let sigs = set.engine.signatures();
            assert_eq!(sigs.len(), 1, "{name}");
            assert_eq!(
                (sigs[0].sid, sigs[0].rev, sigs[0].msg.as_str()),
                (7, 2, "r2")
            );
            assert_eq!(
                (set.files[0].loaded, set.files[0].skipped),
                (1, 1),
                "{name}"
            );
            assert_eq!(set.skipped.len(), 1);
            assert_eq!(set.skipped[0].keyword.as_deref(), Some("sid"));
        }
        // An equal rev is refused: the first stays.
        let set = load("same.rules", &(rule(3) + &rule(3)));
        assert_eq!(set.engine.signatures().len(), 1);
        assert_eq!(set.skipped[0].line, 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
