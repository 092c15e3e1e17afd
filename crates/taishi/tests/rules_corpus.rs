//! The rule engine against work nobody on the project wrote: ET Open must
//! load, and the suricata-verify cases with alert checks must pass as
//! scored by `../shared/tools/sv_score.py`. Floors are today's figures;
//! raise them as the engine improves, never lower them.

mod common;

use common::*;

/// ET Open enabled rules that load today, in per mille of the enabled rules.
const ET_LOADED_PER_MILLE: u64 = 999;

/// suricata-verify cases with alert checks that pass today.
const SV_ALERT_PASS_FLOOR: u64 = 309;

#[test]
fn et_open_loads() {
    let Some(shared) = shared() else {
        eprintln!("et_open_loads: skipped: ../shared/corpus is not present");
        return;
    };
    let et = shared.join("corpus/rules/et-open");
    let o = taishi()
        .args(["rules", "check", "--json"])
        .arg(&et)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let loaded = v["total"]["loaded"].as_u64().unwrap();
    let skipped = v["total"]["skipped"].as_u64().unwrap();
    let per_mille = loaded * 1000 / (loaded + skipped).max(1);
    eprintln!("ET Open: {loaded} loaded, {skipped} skipped ({per_mille}‰)");
    eprintln!("unsupported: {}", v["unsupported"]);
    assert!(
        loaded + skipped >= 14_000,
        "ET Open has 15000 enabled rules"
    );
    assert!(
        per_mille >= ET_LOADED_PER_MILLE,
        "ET Open: {per_mille}‰ loaded, floor {ET_LOADED_PER_MILLE}‰"
    );
}

#[test]
fn suricata_verify_alert_cases() {
    let Some(shared) = shared() else {
        eprintln!("suricata_verify_alert_cases: skipped: ../shared/corpus is not present");
        return;
    };
    let tool = shared.join("tools/sv_score.py");
    if !have("python3") || !tool.is_file() {
        eprintln!(
            "suricata_verify_alert_cases: skipped: needs python3 and {}",
            tool.display()
        );
        return;
    }
    let o = std::process::Command::new("python3")
        .arg(&tool)
        .args([
            "--taishi",
            env!("CARGO_BIN_EXE_taishi"),
            "--tag",
            "alerts",
            "--json",
            "--jobs",
            "2",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let last = out.lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {out}"));
    let pass = v["pass"].as_u64().unwrap();
    eprintln!("suricata-verify alert cases: {pass}/{}", v["total"]);
    assert!(
        pass >= SV_ALERT_PASS_FLOOR,
        "{pass} pass, floor {SV_ALERT_PASS_FLOOR}\n{out}"
    );
}
