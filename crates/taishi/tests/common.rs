//! Helpers shared by the end-to-end tests: where things are, how to run the
//! binary, how to read EVE.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `taishi` binary cargo built for these tests.
pub fn taishi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_taishi"))
}

/// Generates the demo site's capture (seed 7) as `dir/demo.pcap`, its
/// labels beside it (`demo.labels.json`).
pub fn demo_capture(dir: &Path) -> PathBuf {
    let pcap = dir.join("demo.pcap");
    let o = taishi()
        .args(["generate", "--scenario", "demo", "--seed", "7", "--out"])
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    pcap
}

/// `../shared` beside the repository, when present.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.join("corpus")
        .is_dir()
        .then(|| p.canonicalize().unwrap_or(p))
}

/// The corpus captures folder, or `None` with a message saying the test is skipped.
pub fn corpus_pcaps(test: &str) -> Option<PathBuf> {
    match shared() {
        Some(s) => Some(s.join("corpus/pcaps")),
        None => {
            eprintln!("{test}: skipped: ../shared/corpus is not present");
            None
        }
    }
}

/// The folder of suricata-verify case `name` in the corpus, or `None`
/// with a message saying `test` is skipped (no corpus, or no such case).
pub fn sv_case(test: &str, name: &str) -> Option<PathBuf> {
    let Some(s) = shared() else {
        eprintln!("{test}: skipped: ../shared is not present");
        return None;
    };
    let dir = s.join("corpus/suricata-verify").join(name);
    if !dir.join("input.pcap").exists() {
        eprintln!("{test}: skipped: {} is absent", dir.display());
        return None;
    }
    Some(dir)
}

/// The records of a suricata-verify case's capture, with its `test.rules`
/// when `rules` and the `extra` arguments. Checksums are not checked:
/// the cases' captures were taken on hosts that offload them.
pub fn run_sv_case(dir: &Path, rules: bool, extra: &[&str]) -> Vec<serde_json::Value> {
    let tmp = tempfile::tempdir().unwrap();
    let eve = tmp.path().join("eve.json");
    let rules_path = dir.join("test.rules").to_string_lossy().into_owned();
    let mut args: Vec<&str> = vec!["--set", "checksum-checks=none"];
    if rules {
        args.extend(["--rules", rules_path.as_str()]);
    }
    args.extend_from_slice(extra);
    let o = analyze(&[&dir.join("input.pcap")], &eve, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read_eve(&eve)
}

/// The records of suricata-verify case `name` (see [`run_sv_case`]), or
/// `None` when `test` is skipped because the corpus or the case is absent.
pub fn sv_records(
    test: &str,
    name: &str,
    rules: bool,
    extra: &[&str],
) -> Option<Vec<serde_json::Value>> {
    sv_case(test, name).map(|dir| run_sv_case(&dir, rules, extra))
}

/// The alerts of rule `sid`.
pub fn alerts_of(events: &[serde_json::Value], sid: u64) -> Vec<&serde_json::Value> {
    of_type(events, "alert")
        .into_iter()
        .filter(|a| a["alert"]["signature_id"] == sid)
        .collect()
}

/// Whether a command exists on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Every capture file under `dir`, sorted.
pub fn captures_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Runs `taishi analyze` on `inputs` writing EVE to `eve`, with extra args.
pub fn analyze(inputs: &[&Path], eve: &Path, extra: &[&str]) -> Output {
    let mut cmd = taishi();
    cmd.arg("analyze");
    for i in inputs {
        cmd.arg(i);
    }
    cmd.arg("--eve").arg(eve).args(extra);
    cmd.output().expect("run taishi")
}

/// Every EVE record of a file.
pub fn read_eve(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad EVE line {l:?}: {e}")))
        .collect()
}

/// The records of one event type.
pub fn of_type<'a>(events: &'a [serde_json::Value], t: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["event_type"] == t).collect()
}

/// Runs tshark on `pcap` with a display filter and returns, per packet, the
/// values of `fields` (tab-separated by tshark, empty when absent).
pub fn tshark_fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-Y", filter, "-T", "fields", "-E", "separator=\t"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The standard output of a run that must have succeeded (else its
/// standard error, in the panic).
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "taishi failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
