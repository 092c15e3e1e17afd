//! SMTP and SMB end to end: every capture of the corpus's `smtp/` and
//! `smb/` folders through the binary, compared with what tshark 4.0
//! dissects: SMTP envelopes (MAIL FROM, RCPT TO) and that a flow with
//! commands is logged; SMB2 commands, NTLMSSP user names and tree paths.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;

fn tshark(pcap: &Path, filter: &str, field: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-Y", filter, "-T", "fields", "-e", field])
        .output()
        .expect("run tshark");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .flat_map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect()
}

fn run(pcap: &Path) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    let o = analyze(
        &[pcap],
        &eve,
        &[
            "--set",
            "checksum-checks=none",
            "--set",
            "stream.midstream=true",
        ],
    );
    assert!(
        o.status.success(),
        "{}: {}",
        pcap.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    read_eve(&eve)
}

fn ready(test: &str, sub: &str) -> Vec<std::path::PathBuf> {
    if !have("tshark") {
        eprintln!("{test}: skipped: tshark is not installed");
        return Vec::new();
    }
    let Some(p) = corpus_pcaps(test) else {
        return Vec::new();
    };
    let v = captures_under(&p.join(sub));
    if v.is_empty() {
        eprintln!("{test}: skipped: no captures under {sub}/");
    }
    v
}

/// `FROM:<a@b> SIZE=1` → `<a@b>`.
fn envelope_param(p: &str) -> String {
    let after = p.split_once(':').map_or(p, |(_, v)| v).trim_start();
    after.split(' ').next().unwrap_or("").to_string()
}

#[test]
fn smtp_envelopes_match_tshark() {
    for pcap in ready("smtp_envelopes_match_tshark", "smtp") {
        let events = run(&pcap);
        let smtp = of_type(&events, "smtp");
        let commands = tshark(&pcap, "smtp.req", "smtp.req.command");
        if tshark(&pcap, "smtp.response", "smtp.response.code").is_empty() {
            // One-sided capture (the server's packets are missing): the
            // flow stage reports gaps and detection gives up, as Suricata.
            eprintln!("{}: skipped: no server replies captured", pcap.display());
            continue;
        }
        if commands
            .iter()
            .any(|c| c.eq_ignore_ascii_case("helo") || c.eq_ignore_ascii_case("ehlo"))
        {
            assert!(!smtp.is_empty(), "{}: no smtp record", pcap.display());
        }
        let mut want_from = BTreeSet::new();
        let mut want_rcpt = BTreeSet::new();
        let lines = Command::new("tshark")
            .arg("-r")
            .arg(&pcap)
            .args([
                "-Y",
                "smtp.req.command",
                "-T",
                "fields",
                "-E",
                "separator=\t",
            ])
            .args(["-e", "smtp.req.command", "-e", "smtp.req.parameter"])
            .output()
            .expect("run tshark");
        for l in String::from_utf8_lossy(&lines.stdout).lines() {
            let mut it = l.split('\t');
            let cmd = it.next().unwrap_or("").to_ascii_uppercase();
            let par = it.next().unwrap_or("");
            match cmd.as_str() {
                "MAIL" => {
                    want_from.insert(envelope_param(par));
                }
                "RCPT" => {
                    want_rcpt.insert(envelope_param(par));
                }
                _ => {}
            }
        }
        let got_from: BTreeSet<String> = smtp
            .iter()
            .filter_map(|e| e["smtp"]["mail_from"].as_str().map(str::to_string))
            .collect();
        let got_rcpt: BTreeSet<String> = smtp
            .iter()
            .flat_map(|e| e["smtp"]["rcpt_to"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        assert_eq!(got_from, want_from, "{}: MAIL FROM", pcap.display());
        assert_eq!(got_rcpt, want_rcpt, "{}: RCPT TO", pcap.display());
        for e in &smtp {
            assert_eq!(e["app_proto"], "smtp");
        }
    }
}

#[test]
fn smb_commands_users_and_trees_match_tshark() {
    const NAMES: [&str; 19] = [
        "NEGOTIATE_PROTOCOL",
        "SESSION_SETUP",
        "SESSION_LOGOFF",
        "TREE_CONNECT",
        "TREE_DISCONNECT",
        "CREATE",
        "CLOSE",
        "FLUSH",
        "READ",
        "WRITE",
        "LOCK",
        "IOCTL",
        "CANCEL",
        "KEEPALIVE",
        "FIND",
        "CHANGE_NOTIFY",
        "GET_INFO",
        "SET_INFO",
        "OPLOCK_BREAK",
    ];
    for pcap in ready("smb_commands_users_and_trees_match_tshark", "smb") {
        let events = run(&pcap);
        let smb = of_type(&events, "smb");
        // Commands of SMB2 requests (CANCEL has no response, so no record).
        let want_cmds: BTreeSet<String> = tshark(&pcap, "smb2.flags.response == 0", "smb2.cmd")
            .iter()
            .filter_map(|c| c.parse::<usize>().ok())
            .filter(|&c| c != 12)
            .filter_map(|c| NAMES.get(c).map(|n| format!("SMB2_COMMAND_{n}")))
            .collect();
        let got_cmds: BTreeSet<String> = smb
            .iter()
            .filter_map(|e| e["smb"]["command"].as_str())
            .filter(|c| c.starts_with("SMB2_"))
            .map(str::to_string)
            .collect();
        assert!(
            want_cmds.is_subset(&got_cmds),
            "{}: SMB2 commands: tshark {want_cmds:?}, taishi {got_cmds:?}",
            pcap.display()
        );
        let want_users: BTreeSet<String> =
            tshark(&pcap, "ntlmssp.messagetype == 3", "ntlmssp.auth.username")
                .into_iter()
                .collect();
        let got_users: BTreeSet<String> = smb
            .iter()
            .filter_map(|e| e["smb"]["ntlmssp"]["user"].as_str().map(str::to_string))
            .filter(|u| !u.is_empty())
            .collect();
        let want_users: BTreeSet<String> = want_users
            .into_iter()
            .filter(|u| u != "NULL" && !u.is_empty())
            .collect();
        assert_eq!(got_users, want_users, "{}: NTLMSSP users", pcap.display());
        let want_trees: BTreeSet<String> = tshark(
            &pcap,
            "smb2.cmd == 3 && smb2.flags.response == 0",
            "smb2.tree",
        )
        .into_iter()
        .collect();
        let got_trees: BTreeSet<String> = smb
            .iter()
            .filter(|e| e["smb"]["command"] == "SMB2_COMMAND_TREE_CONNECT")
            .filter_map(|e| {
                e["smb"]["share"]
                    .as_str()
                    .or(e["smb"]["named_pipe"].as_str())
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(got_trees, want_trees, "{}: trees", pcap.display());
    }
}
