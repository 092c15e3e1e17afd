//! DNS, FTP and SSH end to end: every capture of the corpus's `dns/`,
//! `ftp/` and `ssh/` folders through the binary, the records compared with
//! what tshark 4.0 dissects from the same packets:
//! - DNS over UDP port 53: every message tshark decodes (id, query or
//!   response, first question name) is a `dns` record (TCP streams picked
//!   up mid-connection are not followed without `stream.midstream`, so
//!   tshark's view of TCP is not comparable);
//! - FTP: the commands (`ftp.request.command` and its argument) are the
//!   `ftp` records' `command`/`command_data`, in the same numbers;
//! - SSH: every version line (`ssh.protocol`) is a side of an `ssh`
//!   record, with the same protocol and software version.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

fn run(pcap: &Path, name: &str) -> Vec<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("taishi-dfs-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let eve = dir.join("eve.json");
    let out = analyze(&[pcap], &eve, &[]);
    assert!(
        out.status.success(),
        "{}: {}",
        pcap.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let ev = read_eve(&eve);
    let _ = std::fs::remove_dir_all(&dir);
    ev
}

fn setup(test: &str, folder: &str) -> Option<Vec<std::path::PathBuf>> {
    let pcaps = corpus_pcaps(test)?;
    if !have("tshark") {
        eprintln!("{test}: skipped: tshark is not installed");
        return None;
    }
    let files = captures_under(&pcaps.join(folder));
    if files.is_empty() {
        eprintln!("{test}: skipped: no captures in {folder}/");
        return None;
    }
    Some(files)
}

fn count<K: Ord>(items: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

#[test]
fn dns_messages_match_tshark_fields() {
    let Some(files) = setup("dns_messages_match_tshark", "dns") else {
        return;
    };
    let mut compared = 0;
    for pcap in files {
        let name = pcap.file_stem().unwrap().to_string_lossy().to_string();
        // Port 53 only: tshark also dissects mDNS/LLMNR, which are other
        // protocols on other ports. Malformed messages are left out: we
        // log what Suricata logs of them, tshark what it can.
        let rows = tshark_fields(
            &pcap,
            "dns && udp.port==53 && !_ws.malformed && !_ws.expert.severity==error",
            &["dns.id", "dns.flags.response", "dns.qry.name"],
        );
        let mut want = Vec::new();
        for r in rows {
            let ids: Vec<&str> = r[0].split(',').collect();
            if ids.len() != 1 {
                continue;
            }
            let id = u16::from_str_radix(ids[0].trim_start_matches("0x"), 16).unwrap();
            let resp = r.get(1).is_some_and(|v| v == "1" || v == "True");
            let q = r
                .get(2)
                .map(|s| s.split(',').next().unwrap_or("").to_string());
            want.push((id, resp, q.unwrap_or_default()));
        }
        let ev = run(&pcap, &name);
        let got: Vec<(u16, bool, String)> = of_type(&ev, "dns")
            .iter()
            .filter(|e| e["proto"] == "UDP" && (e["src_port"] == 53 || e["dest_port"] == 53))
            .map(|e| {
                let d = &e["dns"];
                let q = d["queries"][0]["rrname"].as_str().unwrap_or("");
                (
                    d["id"].as_u64().unwrap() as u16,
                    d["type"] == "response",
                    q.to_string(),
                )
            })
            .collect();
        // tshark writes the root as "<Root>", we as Suricata "<root>"; and
        // tshark leaves a query without questions blank.
        let norm = |(id, r, q): (u16, bool, String)| {
            let q = if q.eq_ignore_ascii_case("<root>") {
                String::new()
            } else {
                q
            };
            (id, r, q)
        };
        let want = count(want.into_iter().map(norm));
        let got = count(got.into_iter().map(norm));
        for (k, n) in &want {
            assert!(
                got.get(k).is_some_and(|g| g >= n),
                "{name}: tshark has {n} x {k:?}, we have {:?}\n all ours: {got:?}",
                got.get(k)
            );
        }
        compared += want.values().sum::<usize>();
    }
    assert!(compared >= 20, "only {compared} DNS messages compared");
}

#[test]
fn ftp_commands_match_tshark_fields() {
    let Some(files) = setup("ftp_commands_match_tshark", "ftp") else {
        return;
    };
    let mut compared = 0;
    for pcap in files {
        let name = pcap.file_stem().unwrap().to_string_lossy().to_string();
        let rows = tshark_fields(
            &pcap,
            "ftp.request.command",
            &["ftp.request.command", "ftp.request.arg"],
        );
        let want = count(rows.into_iter().map(|r| {
            (
                r[0].to_ascii_uppercase(),
                r.get(1).cloned().unwrap_or_default(),
            )
        }));
        let ev = run(&pcap, &name);
        let got = count(of_type(&ev, "ftp").iter().filter_map(|e| {
            let f = &e["ftp"];
            Some((
                f["command"].as_str()?.to_string(),
                f["command_data"].as_str().unwrap_or("").to_string(),
            ))
        }));
        assert_eq!(got, want, "{name}: ftp commands (ours, tshark's)");
        compared += want.values().sum::<usize>();
        // Every command answered before the capture ends has its reply.
        for e in of_type(&ev, "ftp") {
            let f = &e["ftp"];
            if f["reply_received"] == "yes" {
                assert!(f["completion_code"].is_array(), "{name}: {f}");
            }
        }
    }
    assert!(compared >= 20, "only {compared} FTP commands compared");
}

#[test]
fn ssh_banners_match_tshark_fields() {
    let Some(files) = setup("ssh_banners_match_tshark", "ssh") else {
        return;
    };
    let mut compared = 0;
    for pcap in files {
        let name = pcap.file_stem().unwrap().to_string_lossy().to_string();
        let rows = tshark_fields(&pcap, "ssh.protocol", &["ssh.protocol"]);
        let ev = run(&pcap, &name);
        let ours: Vec<String> = of_type(&ev, "ssh")
            .iter()
            .flat_map(|e| ["client", "server"].map(|s| e["ssh"][s].clone()))
            .filter(|s| s.is_object())
            .map(|s| {
                format!(
                    "SSH-{}-{}",
                    s["proto_version"].as_str().unwrap_or(""),
                    s["software_version"].as_str().unwrap_or("")
                )
            })
            .collect();
        for r in rows {
            let banner = r[0].trim_end();
            // tshark keeps the comments after the software version.
            let head = banner.split(' ').next().unwrap_or("");
            assert!(
                ours.iter().any(|o| o == head),
                "{name}: tshark banner {banner:?} not among ours {ours:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 6, "only {compared} SSH banners compared");
}
