//! Protocol keywords and protocol events seen by rules as Suricata has
//! them, end to end on published captures (suricata-verify cases under
//! `../shared/corpus/suricata-verify`, skipped when absent): FTP
//! `ftp.reply_received` and its too-long-reply event, DNP3's reassembly
//! bound and the shape of its alerts, Modbus detected only on its port,
//! and the SMTP body MD5 over the message as sent.

mod common;

use common::*;

#[test]
fn ftp_reply_received_skips_the_greeting() {
    let Some(events) = sv_records(
        "ftp_reply_received",
        "detect-ftp--ftp-reply-received-01",
        true,
        &[],
    ) else {
        return;
    };
    // Eight transactions (the 220 greeting and seven commands), all
    // answered: the greeting has no command, so the keyword skips it.
    assert_eq!(of_type(&events, "ftp").len(), 8);
    for sid in [1, 2] {
        let alerts = alerts_of(&events, sid);
        assert_eq!(alerts.len(), 7, "sid {sid}");
        assert!(alerts.iter().all(|a| a["ftp"]["command"].is_string()));
    }
}

#[test]
fn an_ftp_reply_too_long_raises_its_lower_case_event_rule() {
    let Some(events) = sv_records("ftp_too_long", "ftp--ftp-too-long-response", true, &[]) else {
        return;
    };
    // `app-layer-event:ftp.response_command_too_long` with flow:to_client.
    assert_eq!(alerts_of(&events, 2232001).len(), 1);
    assert_eq!(alerts_of(&events, 2232000).len(), 0);
}

#[test]
fn dnp3_fragments_past_63_times_255_octets_raise_too_long_reassembly() {
    // 65 segments of 249 octets, FIR on the first and FIN on none: the
    // 65th takes the fragment past Suricata's 16065-octet bound.
    let opts = [
        "--set",
        "app-layer.protocols.dnp3.enabled=yes",
        "--set",
        "app-layer.protocols.dnp3.detection-ports.dp=20000",
    ];
    for case in [
        "dnp3--dnp3-too-long-reassembly-request",
        "dnp3--dnp3-too-long-reassembly-response",
    ] {
        let Some(events) = sv_records("dnp3_too_long", case, true, &opts) else {
            return;
        };
        let alerts = alerts_of(&events, 2270007);
        assert_eq!(alerts.len(), 1, "{case}");
        assert_eq!(alerts[0]["app_proto"], "dnp3", "{case}");
        let anomalies: Vec<_> = of_type(&events, "anomaly")
            .into_iter()
            .filter(|a| a["anomaly"]["event"] == "TOO_LONG_REASSEMBLY")
            .collect();
        assert_eq!(anomalies.len(), 1, "{case}");
    }
}

#[test]
fn dnp3_alerts_nest_the_response_as_suricata_does() {
    let Some(events) = sv_records(
        "dnp3_ind",
        "dnp3--dnp3-ind-keyword",
        true,
        &["--set", "app-layer.protocols.dnp3.detection-ports.dp=20000"],
    ) else {
        return;
    };
    let alerts = alerts_of(&events, 1);
    assert_eq!(alerts.len(), 2);
    for a in alerts {
        assert_eq!(
            a["dnp3"]["response"]["iin"]["indicators"][0],
            "device_restart"
        );
        assert!(a["dnp3"].get("iin").is_none(), "{a}");
    }
    // The `dnp3` record itself keeps its fields at the top.
    assert!(
        of_type(&events, "dnp3")
            .iter()
            .all(|d| d["dnp3"]["type"].is_string())
    );
}

#[test]
fn modbus_is_detected_only_on_its_port() {
    let Some(events) = sv_records("modbus_port", "modbus", true, &[]) else {
        return;
    };
    // 10.0.0.8 connects from port 502 to port 4446 and sends MBAP
    // frames: no Modbus port is the destination, so it is not Modbus.
    let flows = of_type(&events, "flow");
    let odd: Vec<_> = flows
        .iter()
        .filter(|f| f["src_port"] == 502 && f["dest_port"] == 4446)
        .collect();
    assert_eq!(odd.len(), 1);
    assert_ne!(odd[0]["app_proto"], "modbus");
    let read_coils = of_type(&events, "modbus")
        .into_iter()
        .filter(|m| m["modbus"]["request"]["function_code"] == "RdCoils")
        .count();
    assert_eq!(read_coils, 2);
    // Flows to port 502 still are.
    assert!(
        flows
            .iter()
            .any(|f| f["dest_port"] == 502 && f["app_proto"] == "modbus")
    );
}

#[test]
fn smtp_body_md5_is_taken_over_the_body_as_sent() {
    // The body has a dot-stuffed line ("..MsoChpDefault"): Suricata's MD5
    // keeps both dots.
    let md5 = "ed00c81b85fa455d60e19f1230977134";
    let opts = |v: &'static str| {
        [
            "--set",
            "app-layer.protocols.smtp.mime.decode-mime=yes",
            "--set",
            if v == "auto" {
                "app-layer.protocols.smtp.mime.body-md5=auto"
            } else {
                "app-layer.protocols.smtp.mime.body-md5=no"
            },
        ]
    };
    let Some(events) = sv_records(
        "smtp_body_md5",
        "detect-email-body_md5",
        true,
        &opts("auto"),
    ) else {
        return;
    };
    let smtp = of_type(&events, "smtp");
    assert_eq!(smtp.len(), 1);
    assert_eq!(smtp[0]["email"]["body_md5"], md5);
    assert_eq!(alerts_of(&events, 1).len(), 1);
    // `body-md5: no` wins over a rule that reads the hash.
    let Some(events) = sv_records("smtp_body_md5", "detect-email-body_md5", true, &opts("no"))
    else {
        return;
    };
    let smtp = of_type(&events, "smtp");
    assert_eq!(smtp.len(), 1);
    assert!(smtp[0]["email"].get("body_md5").is_none());
    assert_eq!(alerts_of(&events, 1).len(), 0);
}

#[test]
fn an_lzma_body_is_decoded_for_file_data() {
    let Some(events) = sv_records(
        "http_lzma",
        "http-evader--http-evader-116-lzma",
        true,
        &[
            "--set",
            "app-layer.protocols.http.libhtp.default-config.lzma-enabled=yes",
        ],
    ) else {
        return;
    };
    // Both halves of the EICAR string are in the decoded body only.
    assert_eq!(alerts_of(&events, 1).len(), 1);
    assert_eq!(alerts_of(&events, 2).len(), 1);
    let files = of_type(&events, "fileinfo");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["fileinfo"]["filename"], "eicar.txt");
    assert_eq!(files[0]["fileinfo"]["size"], 68);
}

#[test]
fn an_attachment_inside_an_encapsulated_message_is_a_file() {
    let Some(events) = sv_records(
        "smtp_encap",
        "mime--smtp-mime-encap-8649-combined",
        true,
        &[],
    ) else {
        return;
    };
    let files = of_type(&events, "fileinfo");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["fileinfo"]["filename"], "malware.exe");
    assert_eq!(files[0]["fileinfo"]["state"], "CLOSED");
    // file.data and file.name see it; the raw stream rule still matches.
    for sid in [9000100, 9000101, 9000102] {
        assert_eq!(alerts_of(&events, sid).len(), 1, "sid {sid}");
    }
}
