//! Replays the fuzz targets' seed corpora (`fuzz/seeds/<target>/*`) through
//! the very bodies the fuzzer runs, so every committed seed and crash
//! reproducer is checked on every CI run.

#[path = "../../../fuzz/bodies.rs"]
mod bodies;

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    replay_with(target, body);
}

fn replay_with(target: &str, mut body: impl FnMut(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap();
        body(&data);
    }
}

#[test]
fn capture_file_seeds() {
    replay("capture_file", bodies::capture_file);
}

#[test]
fn decode_seeds() {
    replay("decode", bodies::decode);
}

#[test]
fn pipeline_seeds() {
    replay("pipeline", bodies::pipeline);
}

#[test]
fn proto_dns_udp_seeds() {
    replay("proto_dns_udp", |d| bodies::udp_datagrams(53, d));
}

#[test]
fn proto_dns_tcp_seeds() {
    replay("proto_dns_tcp", |d| bodies::tcp_session(53, d));
}

#[test]
fn proto_http_seeds() {
    replay("proto_http", |d| bodies::tcp_session(80, d));
}

#[test]
fn proto_tls_seeds() {
    replay("proto_tls", |d| bodies::tcp_session(443, d));
}

#[test]
fn proto_ssh_seeds() {
    replay("proto_ssh", |d| bodies::tcp_session(22, d));
}

#[test]
fn proto_ftp_seeds() {
    replay("proto_ftp", |d| bodies::tcp_session(21, d));
}

#[test]
fn proto_smtp_seeds() {
    replay("proto_smtp", |d| bodies::tcp_session(25, d));
}

#[test]
fn proto_smb_seeds() {
    replay("proto_smb", |d| bodies::tcp_session(445, d));
}

#[test]
fn proto_rdp_seeds() {
    replay("proto_rdp", |d| bodies::tcp_session(3389, d));
}

#[test]
fn proto_modbus_seeds() {
    replay("proto_modbus", |d| bodies::tcp_session(502, d));
}

#[test]
fn proto_dnp3_seeds() {
    replay("proto_dnp3", |d| bodies::tcp_session(20000, d));
}

#[test]
fn proto_s7comm_seeds() {
    replay("proto_s7comm", |d| bodies::tcp_session(102, d));
}

#[test]
fn proto_iec104_seeds() {
    replay("proto_iec104", |d| bodies::tcp_session(2404, d));
}

#[test]
fn rule_parse_seeds() {
    replay("rule_parse", bodies::rule_parse);
}

#[test]
fn rule_match_seeds() {
    let (mut total, mut compiled, mut alerted) = (0, 0, 0);
    replay_with("rule_match", |d| {
        total += 1;
        if let Some(alerts) = bodies::rule_match(d) {
            compiled += 1;
            alerted += usize::from(alerts > 0);
        }
    });
    eprintln!("rule_match seeds: {total}, compiled {compiled}, alerted {alerted}");
    // The seeds pair real rules with payloads built from their contents, so
    // they all compile and many alert (172 of 536 when written; the rest
    // need state or header shapes the generator does not build). Far fewer
    // means the engine stopped matching, not that the seeds got worse.
    assert_eq!(compiled, total, "every rule_match seed rule compiles");
    assert!(
        alerted * 4 >= total,
        "only {alerted} of {total} rule_match seeds alert"
    );
}
