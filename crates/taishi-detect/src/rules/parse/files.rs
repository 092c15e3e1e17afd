//! Rule files, folders of them, and suricata.yaml-style rule sets.
//!
//! Line handling follows Suricata's DetectLoadSigFile: a line ending in
//! `\` (trailing whitespace allowed) continues on the next line, joined
//! with the backslash removed and nothing inserted; `#` lines and blank
//! lines are skipped. One difference, on purpose: Suricata silently skips a
//! rule line that starts with a space or tab; we trim it and load it, since
//! an indented rule the operator wrote is meant to run.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::rule::{Action, Origin, ParseError};
use super::vars::Vars;

/// One rule of a file: continuation lines joined, ready for
/// [`super::parse_rule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLine {
    /// File and first line.
    pub origin: Origin,
    /// The rule text.
    pub text: String,
}

/// The rules of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFile {
    /// The file.
    pub path: PathBuf,
    /// Enabled rules, in file order.
    pub rules: Vec<RuleLine>,
    /// Commented-out rules (`# alert ...`).
    pub disabled: usize,
    /// Lines that cannot become a rule text: not UTF-8 (rule bytes must not
    /// be guessed), or a `\` continuation at the end of the file.
    pub errors: Vec<ParseError>,
}

/// Loads rule files. Each path is a rules file, a folder (its `*.rules`
/// files in name order), or a `.yaml`/`.yml` Suricata-style config whose
/// `vars` are applied to `vars` and whose `rule-files` (relative to
/// `default-rule-path`, itself relative to the config's folder; `*` and `?`
/// allowed in file names) are loaded in order; `include` of further YAML
/// files is followed. A file that cannot be read is an error naming it.
pub fn load_files(paths: &[PathBuf], vars: &mut Vars) -> Result<Vec<RuleFile>, io::Error> {
    let mut out = Vec::new();
    for p in paths {
        load_path(p, vars, &mut out, 0)?;
    }
    Ok(out)
}

/// How deep YAML `include`s may nest; a loop of includes stops here.
const MAX_INCLUDE_DEPTH: usize = 8;

fn load_path(
    p: &Path,
    vars: &mut Vars,
    out: &mut Vec<RuleFile>,
    depth: usize,
) -> Result<(), io::Error> {
    let meta = std::fs::metadata(p).map_err(|e| named(p, e))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(p).map_err(|e| named(p, e))? {
            let path = entry.map_err(|e| named(p, e))?.path();
            if path.extension().is_some_and(|e| e == "rules") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        for f in files {
            out.push(read_rule_file(&f)?);
        }
        return Ok(());
    }
    let is_yaml = p
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if is_yaml {
        load_yaml(p, vars, out, depth)
    } else {
        out.push(read_rule_file(p)?);
        Ok(())
    }
}

fn load_yaml(
    p: &Path,
    vars: &mut Vars,
    out: &mut Vec<RuleFile>,
    depth: usize,
) -> Result<(), io::Error> {
    if depth > MAX_INCLUDE_DEPTH {
        return Err(invalid(
            p,
            format!("includes nest deeper than {MAX_INCLUDE_DEPTH}"),
        ));
    }
    let text = std::fs::read_to_string(p).map_err(|e| named(p, e))?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&strip_yaml_directive(&text))
        .map_err(|e| invalid(p, e.to_string()))?;
    let base = p.parent().unwrap_or(Path::new("."));
    vars.apply_yaml(&doc).map_err(|e| invalid(p, e))?;

    if let Some(inc) = doc.get("include") {
        for f in string_list(inc).map_err(|e| invalid(p, format!("include: {e}")))? {
            load_yaml(&base.join(f), vars, out, depth + 1)?;
        }
    }

    let rule_dir = match doc.get("default-rule-path").and_then(|v| v.as_str()) {
        Some(d) => base.join(d),
        None => base.to_path_buf(),
    };
    if let Some(files) = doc.get("rule-files") {
        for f in string_list(files).map_err(|e| invalid(p, format!("rule-files: {e}")))? {
            let path = rule_dir.join(&f);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.contains(['*', '?']) {
                let dir = path.parent().unwrap_or(Path::new("."));
                let mut matched = Vec::new();
                for entry in std::fs::read_dir(dir).map_err(|e| named(dir, e))? {
                    let ep = entry.map_err(|e| named(dir, e))?.path();
                    let en = ep.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if wildcard(name.as_bytes(), en.as_bytes()) && ep.is_file() {
                        matched.push(ep);
                    }
                }
                matched.sort();
                for m in matched {
                    out.push(read_rule_file(&m)?);
                }
            } else {
                out.push(read_rule_file(&path)?);
            }
        }
    }
    Ok(())
}

/// serde_yaml reads YAML 1.2 and refuses the `%YAML 1.1` line every
/// suricata.yaml starts with; the documents are otherwise the same.
fn strip_yaml_directive(text: &str) -> std::borrow::Cow<'_, str> {
    if text.trim_start().starts_with("%YAML") {
        let kept: Vec<&str> = text
            .lines()
            .map(|l| if l.starts_with("%YAML") { "" } else { l })
            .collect();
        std::borrow::Cow::Owned(kept.join("\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn string_list(v: &serde_yaml::Value) -> Result<Vec<String>, String> {
    match v {
        serde_yaml::Value::String(s) => Ok(vec![s.clone()]),
        serde_yaml::Value::Sequence(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "an entry is not a string".to_string())
            })
            .collect(),
        serde_yaml::Value::Null => Ok(Vec::new()),
        _ => Err("expected a file name or a list of them".into()),
    }
}

/// `*` and `?` on file names.
fn wildcard(pat: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

fn named(p: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", p.display()))
}

fn invalid(p: &Path, msg: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {msg}", p.display()),
    )
}

/// Reads one rules file.
pub fn read_rule_file(path: &Path) -> Result<RuleFile, io::Error> {
    let bytes = std::fs::read(path).map_err(|e| named(path, e))?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    Ok(split_rules(&bytes, path.to_path_buf(), file))
}

/// Splits a rules file's bytes into rules.
pub fn split_rules(bytes: &[u8], path: PathBuf, file: Arc<str>) -> RuleFile {
    let mut rf = RuleFile {
        path,
        rules: Vec::new(),
        disabled: 0,
        errors: Vec::new(),
    };
    let origin = |line: usize| Origin {
        file: file.clone(),
        line,
    };
    // The rule being continued: its first line and its bytes so far.
    let mut pending: Option<(usize, Vec<u8>)> = None;
    // A final newline ends the last line; it does not start another.
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // Editors on Windows may start a file with a UTF-8 byte-order mark;
    // it is not part of the first rule.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for (idx, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let lineno = idx + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (start, mut acc) = match pending.take() {
            Some(p) => p,
            None => {
                let t = raw.trim_ascii();
                if t.is_empty() {
                    continue;
                }
                if t[0] == b'#' {
                    if is_commented_rule(t) {
                        rf.disabled += 1;
                    }
                    continue;
                }
                (lineno, Vec::new())
            }
        };
        let piece = if acc.is_empty() {
            raw.trim_ascii_start()
        } else {
            raw
        };
        let trimmed = piece.trim_ascii_end();
        if let Some(cont) = trimmed.strip_suffix(b"\\") {
            acc.extend_from_slice(cont);
            pending = Some((start, acc));
            continue;
        }
        acc.extend_from_slice(trimmed);
        match String::from_utf8(acc) {
            Ok(text) => rf.rules.push(RuleLine {
                origin: origin(start),
                text,
            }),
            Err(e) => rf.errors.push(ParseError {
                origin: origin(start),
                sid: None,
                keyword: None,
                message: format!(
                    "rule is not valid UTF-8 (byte {} of the rule); write non-ASCII bytes as |hex|",
                    e.utf8_error().valid_up_to()
                ),
            }),
        }
    }
    if let Some((start, _)) = pending {
        rf.errors.push(ParseError {
            origin: origin(start),
            sid: None,
            keyword: None,
            message: "the file ends inside a '\\' continued rule".into(),
        });
    }
    rf
}

/// `# alert ...(...)`: a rule someone switched off, as opposed to a
/// comment.
fn is_commented_rule(line: &[u8]) -> bool {
    let body = line.trim_ascii_start();
    let mut i = 0;
    while i < body.len() && (body[i] == b'#' || body[i].is_ascii_whitespace()) {
        i += 1;
    }
    let rest = &body[i..];
    let word_end = rest
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let Ok(word) = std::str::from_utf8(&rest[..word_end]) else {
        return false;
    };
    Action::from_name(word).is_some()
        && word_end < rest.len()
        && rest.contains(&b'(')
        && memchr::memmem::find(rest, b"sid").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> RuleFile {
        split_rules(
            text.as_bytes(),
            PathBuf::from("t.rules"),
            Arc::from("t.rules"),
        )
    }

    #[test]
    fn comments_blanks_continuations() {
        let rf = split(
            "# a comment\n\
             \n\
             alert tcp any any -> any any (msg:\"one\"; sid:1;)\r\n\
             #alert tcp any any -> any any (msg:\"off\"; sid:2;)\n\
             # alert udp any any -> any any (sid:3;)\n\
             ## drop ip any any -> any any (sid:4;)\n\
             # alert me when this is fixed\n\
             alert tcp any any -> any any (msg:\"two\"; \\\n\
             \x20   content:\"x\"; \\  \n\
             sid:5;)\n\
             \t alert ip any any -> any any (sid:6;)\n",
        );
        let texts: Vec<(usize, &str)> = rf
            .rules
            .iter()
            .map(|r| (r.origin.line, r.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (3, "alert tcp any any -> any any (msg:\"one\"; sid:1;)"),
                (
                    8,
                    "alert tcp any any -> any any (msg:\"two\";     content:\"x\"; sid:5;)"
                ),
                (11, "alert ip any any -> any any (sid:6;)"),
            ]
        );
        assert_eq!(rf.disabled, 3);
        assert!(rf.errors.is_empty());
    }

    #[test]
    fn bad_bytes_and_dangling_continuation() {
        let mut bytes = b"alert tcp any any -> any any (content:\"".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(
            b"\"; sid:1;)\nalert ip any any -> any any (sid:2;)\nalert ip any any -> any any (\\\n",
        );
        let rf = split_rules(&bytes, PathBuf::from("b.rules"), Arc::from("b.rules"));
        assert_eq!(rf.rules.len(), 1);
        assert_eq!(rf.rules[0].origin.line, 2);
        assert_eq!(rf.errors.len(), 2);
        assert_eq!(rf.errors[0].origin.line, 1);
        assert!(rf.errors[0].message.contains("UTF-8"));
        assert_eq!(rf.errors[1].origin.line, 3);
    }

    #[test]
    fn byte_order_mark_is_not_part_of_the_rule() {
        let rf = split("\u{FEFF}alert ip any any -> any any (sid:1;)");
        assert_eq!(rf.rules.len(), 1);
        assert_eq!(rf.rules[0].text, "alert ip any any -> any any (sid:1;)");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*.rules", b"a.rules"));
        assert!(wildcard(b"emerging-*.rules", b"emerging-dns.rules"));
        assert!(!wildcard(b"emerging-*.rules", b"tor.rules"));
        assert!(wildcard(b"?.rules", b"a.rules"));
        assert!(!wildcard(b"*.rules", b"a.rules.bak"));
        assert!(wildcard(b"*", b""));
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("taishi-parse-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn folders_and_yaml_configs() {
        let d = tmpdir("files");
        std::fs::create_dir_all(d.join("rules")).unwrap();
        std::fs::write(
            d.join("rules/b.rules"),
            "alert ip any any -> any any (sid:2;)\n",
        )
        .unwrap();
        std::fs::write(
            d.join("rules/a.rules"),
            "alert ip any any -> any any (sid:1;)\n",
        )
        .unwrap();
        std::fs::write(d.join("rules/c.txt"), "not rules\n").unwrap();
        std::fs::write(
            d.join("rules/local.rules"),
            "alert ip $HOME_NET any -> any any (sid:3;)\n",
        )
        .unwrap();
        std::fs::write(
            d.join("suricata.yaml"),
            "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.9.0.0/16]\"\n  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\ndefault-rule-path: rules\nrule-files:\n  - local.rules\n  - \"[ab].rules\"\n  - \"?.rules\"\ninclude: extra.yaml\n",
        )
        .unwrap();
        std::fs::write(
            d.join("extra.yaml"),
            "vars:\n  address-groups:\n    DNS_SERVERS: 10.9.0.53\n",
        )
        .unwrap();

        let mut vars = Vars::suricata_defaults();
        let got = load_files(&[d.join("rules")], &mut vars).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.rules", "b.rules", "local.rules"]);
        assert_eq!(vars, Vars::suricata_defaults());

        let got = load_files(&[d.join("suricata.yaml")], &mut vars).unwrap_err();
        assert!(got.to_string().contains("[ab].rules"), "{got}");
        std::fs::write(
            d.join("suricata.yaml"),
            "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.9.0.0/16]\"\n  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\ndefault-rule-path: rules\nrule-files:\n  - local.rules\n  - \"?.rules\"\ninclude: extra.yaml\n",
        )
        .unwrap();
        let got = load_files(&[d.join("suricata.yaml")], &mut vars).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["local.rules", "a.rules", "b.rules"]);
        assert_eq!(vars.address("HOME_NET"), Some("[10.9.0.0/16]"));
        assert_eq!(vars.address("DNS_SERVERS"), Some("10.9.0.53"));
        assert_eq!(vars.port("HTTP_PORTS"), Some("[80,8080]"));

        let e = load_files(&[d.join("missing.rules")], &mut vars).unwrap_err();
        assert!(e.to_string().contains("missing.rules"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
