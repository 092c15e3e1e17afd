use std::collections::HashMap;

use serde_json::{Map, Value};

use super::*;

/// A transaction made of given field values and buffers.
#[derive(Default)]
struct Fake {
    fields: HashMap<Field, Vec<u64>>,
    buffers: HashMap<Buffer, Vec<Vec<u8>>>,
}

impl Fake {
    fn field(mut self, f: Field, v: &[u64]) -> Fake {
        self.fields.insert(f, v.to_vec());
        self
    }
    fn buffer(mut self, b: Buffer, v: &[&str]) -> Fake {
        self.buffers
            .insert(b, v.iter().map(|s| s.as_bytes().to_vec()).collect());
        self
    }
}

impl Transaction for Fake {
    fn event_type(&self) -> &'static str {
        "fake"
    }
    fn log(&self) -> Map<String, Value> {
        Map::new()
    }
    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        self.buffers
            .get(&buffer)
            .into_iter()
            .flatten()
            .for_each(|v| f(v));
    }
    fn fields(&self, field: Field, f: &mut dyn FnMut(u64)) {
        self.fields
            .get(&field)
            .into_iter()
            .flatten()
            .for_each(|v| f(*v));
    }
}

fn kw(name: &str, value: &str) -> AppKw {
    match AppKw::parse(name, Some(value)) {
        Ok(Some(k)) => k,
        other => panic!("{name}:{value} -> {other:?}"),
    }
}

#[test]
fn not_ours_and_errors() {
    assert_eq!(AppKw::parse("content", Some("x")), Ok(None));
    assert!(AppKw::parse("dns.opcode", Some("16")).is_err());
    assert!(AppKw::parse("dns.opcode", None).is_err());
    assert!(AppKw::parse("ssl_version", Some("tls1.9")).is_err());
    assert!(AppKw::parse("ssl_version", Some("tls1.0,tls1.0")).is_err());
    assert!(AppKw::parse("ftp.mode", Some("both")).is_err());
    assert!(AppKw::parse("ftpbounce", Some("x")).is_err());
    let e = AppKw::parse("dnp3.ind", Some("nosuch")).unwrap_err();
    assert_eq!(e.keyword, "dnp3.ind");
}

#[test]
fn dns_opcode_rcode_rrtype_sides() {
    let req = Fake::default()
        .field(Field::DnsRequestOpcode, &[4])
        .field(Field::DnsRequestRcode, &[0])
        .field(Field::DnsRequestRrtype, &[1, 28]);
    let resp = Fake::default()
        .field(Field::DnsResponseRcode, &[3])
        .field(Field::DnsResponseRrtype, &[1]);
    assert!(kw("dns.opcode", "4").matches_dir(&req, Some(true)));
    assert!(kw("dns.opcode", "!0").matches_dir(&req, Some(true)));
    assert!(!kw("dns.opcode", "!7-15").matches_dir(&req, Some(false)));
    assert!(kw("dns.opcode", "!7-15").matches(&req));
    // dns-rcode case: sid 3 (rcode 3, to_server) sees only the request.
    assert!(kw("dns.rcode", "3").matches_dir(&resp, Some(false)));
    assert!(!kw("dns.rcode", "3").matches_dir(&resp, Some(true)));
    assert!(kw("dns.rcode", "nxdomain").matches(&resp));
    assert!(kw("dns.rcode", "!2").matches(&resp));
    assert!(kw("dns.rrtype", "AAAA").matches(&req));
    assert!(kw("dns.rrtype", "!2").matches_dir(&resp, Some(false)));
    assert_eq!(kw("dns.rrtype", "1").proto(), "dns");
    assert_eq!(kw("dns.rrtype", "1").direction(), None);
}

/// `dns.rrtype` is a multi-integer: an index after the comma picks which
/// values must match (suricata-verify's dns-rrtype-index: a CNAME chain's
/// answers are CNAME then A).
#[test]
fn dns_rrtype_multi_integer_index() {
    let chain = Fake::default().field(Field::DnsResponseRrtype, &[5, 1]);
    let plain = Fake::default().field(Field::DnsResponseRrtype, &[1]);
    let none = Fake::default().field(Field::DnsResponseRrtype, &[]);
    let m = |v: &str, tx: &Fake| kw("dns.rrtype", v).matches_dir(tx, Some(false));
    // (value, chain, plain, no answers)
    let cases = [
        ("1", true, true, false),
        ("1,any", true, true, false),
        ("1,0", false, true, false),
        ("1,1", true, false, false),
        ("1,-1", true, true, false),
        ("1,-2", false, false, false),
        ("1,all", false, true, false),
        ("1,all_or_absent", false, true, true),
        ("1,or_absent", true, true, true),
        ("CNAME,nb=1", true, false, false),
        ("1,nb>1", false, false, false),
        ("!1,nb=0", false, true, true),
    ];
    for (v, a, b, c) in cases {
        assert_eq!((m(v, &chain), m(v, &plain), m(v, &none)), (a, b, c), "{v}");
    }
    assert!(AppKw::parse("dns.rrtype", Some("1,2:4")).is_err()); // subslice
    assert!(AppKw::parse("dns.rrtype", Some("1,first")).is_err());
}

#[test]
fn ssl_version_lists() {
    let tls10 = Fake::default()
        .field(Field::TlsClientVersion, &[0x0301])
        .field(Field::TlsServerVersion, &[0x0301]);
    // The ssl_version_negated case: all but `!tls1.0` match TLS 1.0.
    assert!(kw("ssl_version", "!sslv3").matches(&tls10));
    assert!(kw("ssl_version", "!tls1.3,tls1.2").matches(&tls10));
    assert!(kw("ssl_version", "tls1.0").matches(&tls10));
    assert!(kw("ssl_version", "tls1.0,tls1.1").matches(&tls10));
    assert!(!kw("ssl_version", "!tls1.0").matches(&tls10));
    assert!(!kw("ssl_version", "tls1.2").matches(&tls10));
    let draft = Fake::default().field(Field::TlsServerVersion, &[0x7f12]);
    assert!(kw("ssl_version", "tls1.3").matches_dir(&draft, Some(false)));
    assert!(!kw("ssl_version", "tls1.3").matches_dir(&draft, Some(true)));
    assert!(kw("tls.version", "1.3").matches(&draft));
    assert!(kw("tls.version", "0x7f12").matches(&draft));
}

#[test]
fn ssl_state_bits() {
    let t = Fake::default().field(
        Field::TlsState,
        &[tls_state::CLIENT_HELLO | tls_state::SERVER_HELLO],
    );
    assert!(kw("ssl_state", "client_hello").matches(&t));
    assert!(kw("ssl_state", "client_keyx|server_hello").matches(&t));
    assert!(!kw("ssl_state", "client_keyx").matches(&t));
    assert!(!kw("ssl_state", "client_hello|!server_hello").matches(&t));
    assert!(AppKw::parse("ssl_state", Some("hello")).is_err());
}

#[test]
fn cert_dates_and_validity() {
    // 2014-01-01 .. 2030-01-01, seen 2024-06-01.
    let nb = date::parse_date("t", "2014-01-01").unwrap();
    let na = date::parse_date("t", "2030-01-01").unwrap();
    let now = date::parse_date("t", "2024-06-01T12:00:00").unwrap();
    assert_eq!(nb, 1_388_534_400);
    assert_eq!(date::parse_date("t", "1970-01-01T00:00:01"), Ok(1));
    assert_eq!(date::parse_date("t", "1969-12-31"), Ok(-86_400));
    assert!(date::parse_date("t", "2014-13-01").is_err());
    let t = Fake::default()
        .field(Field::TlsCertNotBefore, &[nb as u64])
        .field(Field::TlsCertNotAfter, &[na as u64])
        .field(Field::TlsCertSeenAt, &[now as u64]);
    assert!(kw("tls_cert_notafter", ">2015").matches(&t));
    assert!(kw("tls_cert_notbefore", "<2025").matches(&t));
    assert!(!kw("tls_cert_notbefore", ">2015-01-01T00:00").matches(&t));
    assert!(kw("tls_cert_notbefore", "2013<>2015").matches(&t));
    assert!(kw("tls_cert_notbefore", "2014-01-01").matches(&t));
    assert!(
        !AppKw::parse("tls_cert_expired", None)
            .unwrap()
            .unwrap()
            .matches(&t)
    );
    assert!(
        AppKw::parse("tls_cert_valid", None)
            .unwrap()
            .unwrap()
            .matches(&t)
    );
    // Before 1970: negative seconds survive the u64 field encoding.
    let old = Fake::default().field(Field::TlsCertNotBefore, &[(-86_400i64) as u64]);
    assert!(kw("tls_cert_notbefore", "<1970").matches(&old));
    // No certificate: nothing matches.
    assert!(!kw("tls_cert_notafter", ">2015").matches(&Fake::default()));
}

#[test]
fn chain_len() {
    let t = Fake::default().field(Field::TlsCertChainLen, &[3]);
    for (v, want) in [
        ("3", true),
        ("<4", true),
        (">0", true),
        ("0<>4", true),
        ("!2", true),
        ("!3", false),
    ] {
        assert_eq!(kw("tls.cert_chain_len", v).matches(&t), want, "{v}");
    }
    assert_eq!(kw("tls.cert_chain_len", "3").direction(), Some(false));
}

#[test]
fn legacy_tls_values() {
    let t = Fake::default()
        .buffer(
            Buffer::TlsCertSubject,
            &["C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS"],
        )
        .buffer(
            Buffer::TlsCertFingerprint,
            &["90:86:a4:3b:f5:cf:1b:2e:4e:f7:97:96:f9:de:ba:b9:66:35:86:3f"],
        );
    assert!(
        kw(
            "tls.subject",
            "\"C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS\""
        )
        .matches(&t)
    );
    assert!(kw("tls.subject", "\"CN=SELKS\"").matches(&t));
    // Case sensitive.
    assert!(!kw("tls.subject", "\"cn=selks\"").matches(&t));
    assert!(kw("tls.subject", "!\"CN=Google\"").matches(&t));
    assert!(!kw("tls.subject", "!\"CN=SELKS\"").matches(&t));
    // No certificate: a negated value does not match either.
    assert!(!kw("tls.issuerdn", "!\"CN=Google\"").matches(&t));
    // The tls-fingerprint-alert case: mixed case matches, a wrong digit not.
    let fp = "\"90:86:A4:3B:F5:CF:1B:2E:4E:F7:97:96:f9:DE:BA:B9:66:35:86:3F\"";
    assert!(kw("tls.fingerprint", fp).matches(&t));
    let fp = "\"90:86:A4:3B:F5:CF:1B:2E:4E:F7:97:96:f9:DE:BA:B9:66:35:86:3E\"";
    assert!(!kw("tls.fingerprint", fp).matches(&t));
}

#[test]
fn ftp_keywords() {
    let t = Fake::default()
        .field(Field::FtpDynamicPort, &[59926])
        .field(Field::FtpMode, &[1])
        .field(Field::FtpReplyReceived, &[1])
        .field(Field::FtpBounce, &[0]);
    for (v, want) in [
        ("59926", true),
        ("=59926", true),
        (">=59926", true),
        ("<=59926", true),
        ("<59927", true),
        (">59925", true),
        ("59925-59927", true),
        ("59914", false),
    ] {
        assert_eq!(kw("ftp.dynamic_port", v).matches(&t), want, "{v}");
    }
    assert!(kw("ftp.mode", "active").matches(&t));
    assert!(!kw("ftp.mode", "passive").matches(&t));
    assert!(kw("ftp.reply_received", "yes").matches(&t));
    assert!(kw("ftp.reply_received", "on").matches(&t));
    assert!(!kw("ftp.reply_received", "no").matches(&t));
    let bounce = AppKw::parse("ftpbounce", None).unwrap().unwrap();
    assert!(!bounce.matches(&t));
    assert!(bounce.matches(&Fake::default().field(Field::FtpBounce, &[1])));
    assert_eq!(bounce.proto(), "ftp");
}

fn modbus_tx(unit: u64, function: u64, access: u64, first: u64, last: u64) -> Fake {
    Fake::default()
        .field(Field::ModbusUnit, &[unit])
        .field(Field::ModbusFunction, &[function])
        .field(Field::ModbusAccess, &[access])
        .field(Field::ModbusCategory, &[1])
        .field(Field::ModbusAddressFirst, &[first])
        .field(Field::ModbusAddressLast, &[last])
}

#[test]
fn modbus_forms() {
    use taishi_proto::buffer::modbus_access as a;
    // Read coils 0..=7 on unit 10.
    let rd = modbus_tx(10, 1, a::READ | a::COILS, 0, 7);
    assert!(kw("modbus", "function 1").matches(&rd));
    assert!(!kw("modbus", "function 8").matches(&rd));
    assert!(kw("modbus", "function assigned").matches(&rd));
    assert!(!kw("modbus", "function !assigned").matches(&rd));
    assert!(kw("modbus", "access read").matches(&rd));
    assert!(!kw("modbus", "access write").matches(&rd));
    assert!(kw("modbus", "unit 10").matches(&rd));
    assert!(kw("modbus", "unit >9, access read coils, address 0<>2").matches(&rd));
    assert!(!kw("modbus", "unit <9, access read coils").matches(&rd));
    assert!(!kw("modbus", "access read holding").matches(&rd));
    assert!(kw("modbus", "access read, address 5").matches(&rd));
    assert!(!kw("modbus", "access read, address 8").matches(&rd));
    // Write single register 100 = 4660.
    let wr = modbus_tx(1, 6, a::WRITE | a::HOLDING, 100, 100)
        .field(Field::ModbusWrite, &[100 << 16 | 4660]);
    assert!(kw("modbus", "access write holding, address 100, value 4660").matches(&wr));
    assert!(kw("modbus", "access write holding, address 100, value >4000").matches(&wr));
    assert!(!kw("modbus", "access write holding, address 100, value <4000").matches(&wr));
    // Diagnostics sub-function.
    let diag = modbus_tx(1, 8, 0, 0, 0).field(Field::ModbusSubfunction, &[4]);
    assert!(kw("modbus", "function 8, subfunction 4").matches(&diag));
    assert!(!kw("modbus", "function 8, subfunction 1").matches(&diag));
    // Refused as Suricata refuses them.
    for bad in [
        "function 0",
        "access write discretes",
        "access read, address 1, value 2",
        "access write, address 1<>5, value 2",
        "function bogus",
        "unit 1, bogus",
    ] {
        assert!(AppKw::parse("modbus", Some(bad)).is_err(), "{bad}");
    }
    assert_eq!(kw("modbus", "function 1").direction(), Some(true));
}

#[test]
fn dnp3_keywords() {
    let req = Fake::default()
        .field(Field::Dnp3RequestFunction, &[21])
        .field(Field::Dnp3RequestObject, &[22 << 8 | 1]);
    let resp = Fake::default()
        .field(Field::Dnp3ResponseFunction, &[130])
        .field(Field::Dnp3Indicators, &[0x8000]);
    assert!(kw("dnp3_func", "21").matches(&req));
    assert!(kw("dnp3_func", "disable_unsolicited").matches(&req));
    assert!(!kw("dnp3_func", "21").matches_dir(&req, Some(false)));
    assert!(kw("dnp3.func", "unsolicited_response").matches(&resp));
    assert!(kw("dnp3_obj", "22,01").matches(&req));
    assert!(!kw("dnp3_obj", "29,01").matches(&req));
    // The dnp3-ind-keyword case (IIN 0x8000).
    assert!(kw("dnp3.ind", "device_restart").matches(&resp));
    assert!(kw("dnp3.ind", "0x8000").matches(&resp));
    assert!(kw("dnp3.ind", "!0").matches(&resp));
    assert!(kw("dnp3.ind", "device_restart,!need_time").matches(&resp));
    assert!(!kw("dnp3.ind", "need_time").matches(&resp));
    assert!(kw("dnp3_ind", "need_time,device_restart").matches(&resp));
}

#[test]
fn file_keywords() {
    let dir = std::env::temp_dir().join(format!("taishi-applayer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("md5.list"),
        "# bad files\n9E107D9D372BB6826BD81D3542A419D6  quick.txt\n\n",
    )
    .unwrap();
    let t = Fake::default()
        .buffer(Buffer::FileName, &["report.PDF"])
        .buffer(Buffer::FileMd5, &["9e107d9d372bb6826bd81d3542a419d6"])
        .field(Field::FileSize, &[2048]);
    let md5 = AppKw::parse_in("filemd5", Some("md5.list"), Some(&dir))
        .unwrap()
        .unwrap();
    assert!(md5.matches(&t));
    let not = AppKw::parse_in("filemd5", Some("!md5.list"), Some(&dir))
        .unwrap()
        .unwrap();
    assert!(!not.matches(&t));
    assert!(AppKw::parse_in("filemd5", Some("none.list"), Some(&dir)).is_err());
    std::fs::write(dir.join("bad.list"), "1234\n").unwrap();
    assert!(AppKw::parse_in("filesha1", Some("bad.list"), Some(&dir)).is_err());
    assert!(kw("fileext", "\"pdf\"").matches(&t));
    assert!(!kw("fileext", "\"DF\"").matches(&t));
    assert!(kw("fileext", "!\"exe\"").matches(&t));
    assert!(kw("filename", "\"report\"").matches(&t));
    assert!(kw("filesize", "2KB").matches(&t));
    assert!(kw("filesize", ">1000").matches(&t));
    assert!(!kw("filesize", "<1KB").matches(&t));
    assert_eq!(kw("filesize", "1").proto(), "");
    let _ = std::fs::remove_dir_all(&dir);
}
