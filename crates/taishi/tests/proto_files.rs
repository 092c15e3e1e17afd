//! Files end to end on published captures (suricata-verify cases under
//! `../shared/corpus/suricata-verify`, skipped when absent): FTP data
//! channels labelled `ftp-data` through their control channel, their
//! files in `fileinfo`, `filestore` rules marking files `stored`, HTTP
//! upload rules seeing each file, alerts listing their files, files
//! fetched in byte ranges joined, uploads cut short by a lossy capture.

mod common;

use common::*;
use serde_json::Value;

/// Signature ids of the rules' alerts (gid 1; behaviour detectors use 3).
fn sids(events: &[Value]) -> Vec<u64> {
    let mut s: Vec<u64> = of_type(events, "alert")
        .iter()
        .filter(|a| a["alert"]["gid"] == 1)
        .filter_map(|a| a["alert"]["signature_id"].as_u64())
        .collect();
    s.sort_unstable();
    s
}

#[test]
fn a_retr_data_channel_is_ftp_data_with_its_file() {
    let Some(dir) = sv_case("ftp_data_channel", "output-eve-ftp-data") else {
        return;
    };
    let events = run_sv_case(&dir, true, &[]);
    // PORT 192,168,0,13,234,10 then NLST: the server opens 20 -> 59914
    // and sends the listing, a channel without command or file name in
    // its record (Suricata 8.0.6).
    let data: Vec<_> = of_type(&events, "ftp_data");
    assert_eq!(data.len(), 2, "{data:?}");
    let listing = data.iter().find(|d| d["dest_port"] == 59914).unwrap();
    assert_eq!(listing["ftp_data"]["filename"], "");
    assert!(listing["ftp_data"].get("command").is_none());
    // The control channel's PORT 192,168,0,13,234,22 then `RETR temp.txt`:
    // the server opens 20 -> 59926 and sends the file.
    let data: Vec<_> = data
        .into_iter()
        .filter(|d| d["dest_port"] == 59926)
        .collect();
    assert_eq!(data.len(), 1, "{data:?}");
    assert_eq!(data[0]["ftp_data"]["command"], "RETR");
    assert_eq!(data[0]["ftp_data"]["filename"], "temp.txt");
    assert_eq!(data[0]["app_proto"], "ftp-data");
    assert_eq!(data[0]["dest_port"], 59926);
    let flow = of_type(&events, "flow")
        .into_iter()
        .find(|f| f["dest_port"] == 59926)
        .expect("data channel flow");
    assert_eq!(flow["app_proto"], "ftp-data");
    let files: Vec<_> = of_type(&events, "fileinfo")
        .into_iter()
        .filter(|f| f["app_proto"] == "ftp-data" && f["dest_port"] == 59926)
        .collect();
    assert_eq!(files.len(), 1);
    let fi = &files[0]["fileinfo"];
    // The server's 150 reply announced "temp.txt (1164 bytes)".
    assert_eq!(fi["filename"], "temp.txt");
    assert_eq!(fi["size"], 1164);
    assert_eq!(fi["state"], "CLOSED");
    assert_eq!(fi["stored"], false);
    // The file goes server to client: the server heads the record.
    assert_eq!(files[0]["src_port"], 20);
    // `file.name`, `filename` and `fileext` each match the transfer once.
    assert_eq!(sids(&events), [1, 2, 3]);
}

#[test]
fn filestore_rules_store_ftp_data_files_in_both_directions() {
    let Some(dir) = sv_case("filestore_ftp_data", "bug-4877") else {
        return;
    };
    let events = run_sv_case(&dir, true, &[]);
    let files: Vec<_> = of_type(&events, "fileinfo")
        .into_iter()
        .filter(|f| f["app_proto"] == "ftp-data")
        .collect();
    // test.pdf and notepad.exe, each stored (STOR) and retrieved (RETR).
    let pdf = "7d400735ff3054837da5d92a10ad2faa8b6825f100dc167a6b008e753015b382";
    let exe = "fefeac4c10bbe237cc6c861229ecaacbd2a366ac4fbd04a3862b62bd7a778093";
    for (name, sha, size, to_server) in [
        ("test.pdf", pdf, 118196, true),
        ("test.pdf", pdf, 118196, false),
        ("notepad.exe", exe, 69120, true),
        ("notepad.exe", exe, 69120, false),
    ] {
        let hit = files.iter().any(|f| {
            let fi = &f["fileinfo"];
            fi["filename"] == name
                && fi["sha256"] == sha
                && fi["size"] == size
                && fi["state"] == "CLOSED"
                && fi["stored"] == true
                && (f["dest_port"] == 20) == to_server
        });
        assert!(hit, "{name} to_server={to_server}: {files:?}");
    }
    // Both rules are `noalert`.
    assert!(sids(&events).is_empty());
    // Without the rules nothing is stored.
    let plain = run_sv_case(&dir, false, &[]);
    let stored = of_type(&plain, "fileinfo")
        .iter()
        .filter(|f| f["fileinfo"]["stored"] == true)
        .count();
    assert_eq!(stored, 0);
}

#[test]
fn a_filestore_rule_stores_an_http_file() {
    let Some(dir) = sv_case("filestore_http", "filestore-v2.6-stream-depth") else {
        return;
    };
    let stored = |events: &[Value]| -> Vec<bool> {
        of_type(events, "fileinfo")
            .iter()
            .map(|f| f["fileinfo"]["stored"] == true)
            .collect()
    };
    assert_eq!(stored(&run_sv_case(&dir, true, &[])), [true]);
    assert_eq!(stored(&run_sv_case(&dir, false, &[])), [false]);
}

#[test]
fn a_filestore_rule_turns_on_http_file_hashing() {
    let Some(dir) = sv_case("filestore_http_hashes", "filestore-v2.6-stream-depth") else {
        return;
    };
    // Suricata names a stored file by its SHA-256, so storing needs it.
    let events = run_sv_case(&dir, true, &[]);
    let files = of_type(&events, "fileinfo");
    assert_eq!(files.len(), 1);
    let sha = files[0]["fileinfo"]["sha256"].as_str().unwrap_or_default();
    assert_eq!(sha.len(), 64, "{}", files[0]);
}

#[test]
fn http_upload_rules_see_each_multipart_file_and_its_name() {
    let Some(dir) = sv_case("multipart_files", "file-match-crossed") else {
        return;
    };
    // titi.txt and toto.txt are uploaded in one form; sid 8 wants
    // "bateau" and "minet" in one file, which no file has.
    assert_eq!(sids(&run_sv_case(&dir, true, &[])), [1, 2, 3, 4, 5, 6, 7]);
    let Some(dir) = sv_case("filename_upload", "engine-state--detect-engine-state-04") else {
        return;
    };
    // `filename:"BBBBpicture"` matches the second file of the form.
    let events = run_sv_case(&dir, true, &["--set", "stream.midstream=true"]);
    assert_eq!(sids(&events), [1]);
}

#[test]
fn alerts_on_a_transaction_with_files_list_them() {
    let Some(dir) = sv_case("alert_files", "mime--smtp-mime-encap-8649-baseline") else {
        return;
    };
    let events = run_sv_case(&dir, true, &[]);
    let alerts = of_type(&events, "alert");
    // sid 9000101 (file.data) and 9000102 (file.name) match the message
    // carrying malware.exe: its alert lists the attachment, as Suricata's.
    for sid in [9000101, 9000102] {
        let a = alerts
            .iter()
            .find(|a| a["alert"]["signature_id"] == sid)
            .unwrap_or_else(|| panic!("no alert {sid}"));
        let files = a["files"].as_array().expect("files");
        assert_eq!(files.len(), 1, "{a}");
        assert_eq!(files[0]["filename"], "malware.exe");
        assert_eq!(files[0]["state"], "CLOSED");
        assert_eq!(files[0]["size"], 30);
    }
    // The stream rule's alert belongs to no transaction: no files.
    let raw = alerts
        .iter()
        .find(|a| a["alert"]["signature_id"] == 9000100)
        .expect("stream alert");
    assert!(raw.get("files").is_none(), "{raw}");
}

#[test]
fn a_file_fetched_in_ranges_is_logged_whole_once() {
    // Fifteen 206 responses on one connection, 10,000 bytes each but the
    // last, of a 146,515-byte image.
    let Some(dir) = sv_case("http_ranges", "http-range-file") else {
        return;
    };
    let events = run_sv_case(&dir, false, &[]);
    let files = of_type(&events, "fileinfo");
    assert_eq!(files.len(), 16, "{files:?}");
    let whole: Vec<_> = files
        .iter()
        .filter(|f| f["fileinfo"]["size"] == 146_515)
        .collect();
    assert_eq!(whole.len(), 1);
    assert_eq!(whole[0]["fileinfo"]["state"], "CLOSED");
    assert!(whole[0]["fileinfo"].get("start").is_none());
    // It rides with the transaction of the piece that completed it.
    assert_eq!(whole[0]["fileinfo"]["tx_id"], 14);
}

#[test]
fn an_upload_cut_short_is_not_padded_to_what_the_server_acknowledged() {
    // The server acknowledged 138 KB of a POST; the capture holds the
    // first 59 KB with one hole. The request file ends where the data does.
    let Some(dir) = sv_case("upload_acked_past_data", "bug-5392") else {
        return;
    };
    let events = run_sv_case(&dir, false, &[]);
    let upload: Vec<_> = of_type(&events, "fileinfo")
        .into_iter()
        .filter(|f| f["dest_port"] == 80)
        .collect();
    assert_eq!(upload.len(), 1);
    assert_eq!(upload[0]["fileinfo"]["size"], 59_466);
    assert_eq!(upload[0]["fileinfo"]["state"], "TRUNCATED");
    assert_eq!(upload[0]["fileinfo"]["gaps"], true);
}
