//! Table tests: annotated bytes, every truncation, malformed inputs, and
//! the state machine over records split and merged in every way.

use taishi_flow::Direction;

use super::fingerprint::{ja3, ja3s, ja4};
use super::parser::{self, Error, SniError};
use super::state::{Out, TlsParser, TlsTx};
use super::{Options, probe};
use crate::registry::Probe;

/// Records what the state machine does.
#[derive(Default)]
struct Rec {
    anomalies: Vec<&'static str>,
    limits: usize,
    logged: Vec<TlsTx>,
}

impl Out for Rec {
    fn anomaly(&mut self, event: &'static str) {
        self.anomalies.push(event);
    }
    fn limit_hit(&mut self) {
        self.limits += 1;
    }
    fn complete(&mut self, tx: &TlsTx) {
        self.logged.push(tx.clone());
    }
}

fn be16(v: usize) -> [u8; 2] {
    [(v >> 8) as u8, v as u8]
}

fn ext(t: u16, body: &[u8]) -> Vec<u8> {
    let mut v = t.to_be_bytes().to_vec(); // extension_type
    v.extend(be16(body.len())); // extension_data length
    v.extend(body);
    v
}

fn sni_ext(name: &[u8]) -> Vec<u8> {
    let mut b = be16(name.len() + 3).to_vec(); // server_name_list length
    b.push(0); // name_type host_name
    b.extend(be16(name.len())); // host_name length
    b.extend(name);
    ext(0, &b)
}

fn alpn_ext(protos: &[&[u8]]) -> Vec<u8> {
    let mut l = Vec::new();
    for p in protos {
        l.push(p.len() as u8); // protocol_name length
        l.extend(*p);
    }
    let mut b = be16(l.len()).to_vec(); // protocol_name_list length
    b.extend(l);
    ext(16, &b)
}

fn list16(vals: &[u16]) -> Vec<u8> {
    let mut b = be16(vals.len() * 2).to_vec();
    for v in vals {
        b.extend(v.to_be_bytes());
    }
    b
}

fn client_hello_body(version: u16, sid: &[u8], ciphers: &[u16], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec(); // legacy_version
    b.extend([0x11; 32]); // random
    b.push(sid.len() as u8); // legacy_session_id
    b.extend(sid);
    b.extend(list16(ciphers)); // cipher_suites
    b.extend([1, 0]); // compression_methods: null
    let e: Vec<u8> = exts.concat();
    b.extend(be16(e.len())); // extensions length
    b.extend(e);
    b
}

fn server_hello_body(
    version: u16,
    random: [u8; 32],
    sid: &[u8],
    cipher: u16,
    exts: &[Vec<u8>],
) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec(); // legacy_version
    b.extend(random); // random
    b.push(sid.len() as u8); // legacy_session_id_echo
    b.extend(sid);
    b.extend(cipher.to_be_bytes()); // cipher_suite
    b.push(0); // compression_method
    let e: Vec<u8> = exts.concat();
    b.extend(be16(e.len()));
    b.extend(e);
    b
}

fn handshake(t: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut v = vec![t, (n >> 16) as u8, (n >> 8) as u8, n as u8]; // msg_type, length
    v.extend(body);
    v
}

fn record(t: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut v = vec![t]; // content type
    v.extend(version.to_be_bytes()); // record version
    v.extend(be16(body.len())); // length
    v.extend(body);
    v
}

/// FoxIO's JA4 example ClientHello (technical_details/JA4.md): 15
/// ciphers, 16 extensions (SNI, ALPN h2, supported_versions with TLS 1.3),
/// 8 signature algorithms, plus GREASE that must be ignored.
fn foxio_hello() -> Vec<u8> {
    let ciphers = [
        0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let sigs = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let mut sv = vec![6u8]; // supported_versions list length
    for v in [0x2a2au16, 0x0304, 0x0303] {
        sv.extend(v.to_be_bytes());
    }
    let exts = vec![
        ext(0x1a1a, &[]), // GREASE
        ext(0x001b, &[]),
        sni_ext(b"example.com"),
        ext(0x0033, &[]),
        alpn_ext(&[b"h2", b"http/1.1"]),
        ext(0x4469, &[]),
        ext(0x0017, &[]),
        ext(0x002d, &[]),
        ext(0x000d, &list16(&sigs)),
        ext(0x0005, &[]),
        ext(0x0023, &[]),
        ext(0x0012, &[]),
        ext(0x002b, &sv),
        ext(0xff01, &[]),
        ext(0x000b, &[1, 0]),
        ext(0x000a, &list16(&[0x3a3a, 0x001d, 0x0017])),
        ext(0x0015, &[]),
    ];
    client_hello_body(0x0303, &[], &ciphers, &exts)
}

#[test]
fn ja4_matches_foxio_published_example() {
    let body = foxio_hello();
    let h = parser::client_hello(&body).unwrap();
    assert_eq!(ja4(&h), "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

#[test]
fn ja4_without_signature_algorithms_hashes_extensions_alone() {
    // FoxIO: "0005,000a,...,ff01 = 6d807ffa2a79" when no signature algorithms.
    let exts: Vec<Vec<u8>> = [
        0x001b, 0x0033, 0x4469, 0x0017, 0x002d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b,
        0x000a, 0x0015, 0x000d,
    ]
    .iter()
    .map(|t| ext(*t, &[]))
    .collect();
    let body = client_hello_body(0x0303, &[], &[0x1301], &exts);
    let h = parser::client_hello(&body).unwrap();
    let j = ja4(&h);
    assert!(j.ends_with("_6d807ffa2a79"), "{j}");
    // No supported_versions content: the hello's version; no SNI, no ALPN.
    assert!(j.starts_with("t12i011400_"), "{j}");
}

#[test]
fn ja4_empty_lists_and_alpn_edge_cases() {
    let body = client_hello_body(0x0301, &[], &[], &[]);
    let h = parser::client_hello(&body).unwrap();
    assert_eq!(ja4(&h), "t10i000000_000000000000_000000000000");
    // Non-alphanumeric ALPN bytes: first and last hex characters.
    let body = client_hello_body(0x0303, &[], &[0x002f], &[alpn_ext(&[&[0xab, 0xcd]])]);
    let h = parser::client_hello(&body).unwrap();
    assert!(ja4(&h).starts_with("t12i0101ad_"), "{}", ja4(&h));
    let body = client_hello_body(0x0303, &[], &[0x002f], &[alpn_ext(&[b"x"])]);
    let h = parser::client_hello(&body).unwrap();
    assert!(ja4(&h).starts_with("t12i0101xx_"), "{}", ja4(&h));
}

#[test]
fn ja3_and_ja3s_strings_drop_grease() {
    let body = foxio_hello();
    let h = parser::client_hello(&body).unwrap();
    let j = ja3(&h);
    assert_eq!(
        j.string,
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
         27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23,0"
    );
    assert_eq!(j.hash.len(), 32);
    let sh = server_hello_body(
        0x0303,
        [7; 32],
        &[],
        0xc02f,
        &[ext(0xff01, &[0]), ext(0x000b, &[1, 0])],
    );
    let h = parser::server_hello(&sh).unwrap();
    assert_eq!(ja3s(&h).string, "771,49199,65281-11");
}

#[test]
fn record_and_handshake_headers_every_truncation() {
    let r = record(22, 0x0301, &[1, 0, 0, 0]);
    for n in 0..5 {
        assert_eq!(parser::record_header(&r[..n]), Err(Error::Short(5 - n)));
    }
    let h = parser::record_header(&r).unwrap();
    assert_eq!((h.content_type, h.version, h.len), (22, 0x0301, 4));
    for n in 0..4 {
        assert_eq!(
            parser::handshake_header(&r[5..5 + n]),
            Err(Error::Short(4 - n))
        );
    }
}

#[test]
fn client_hello_fields_and_every_truncation() {
    let body = client_hello_body(
        0x0303,
        &[9; 32],
        &[0x1301, 0xc02f],
        &[sni_ext(b"a.example"), alpn_ext(&[b"h2"])],
    );
    let h = parser::client_hello(&body).unwrap();
    assert_eq!(h.version, 0x0303);
    assert_eq!(h.session_id, &[9; 32][..]);
    assert_eq!(
        parser::u16s(h.ciphers).collect::<Vec<_>>(),
        vec![0x1301, 0xc02f]
    );
    let exts: Vec<_> = parser::Extensions::new(h.extensions).collect();
    assert_eq!(exts.len(), 2);
    assert_eq!(parser::sni(exts[0].1), Ok(Some(&b"a.example"[..])));
    assert_eq!(
        parser::alpn(exts[1].1).collect::<Vec<_>>(),
        vec![&b"h2"[..]]
    );
    // Every truncation: an error before the extensions, a truncated (but
    // readable) extension block after, never a panic.
    let fixed = 2 + 32 + 1 + 32 + 2 + 4 + 2;
    for n in 0..body.len() {
        match parser::client_hello(&body[..n]) {
            Err(_) => assert!(n < fixed, "cut at {n}"),
            Ok(h) => assert!(
                n >= fixed && (h.extensions_truncated || h.extensions.is_empty()),
                "cut at {n}"
            ),
        }
    }
}

#[test]
fn sni_malformed_table() {
    type Case<'a> = (&'a [u8], Result<Option<&'a [u8]>, SniError>);
    let cases: &[Case] = &[
        (&[], Ok(None)),                                 // empty (ServerHello echo)
        (&[0, 4, 1, 0, 1, b'a'], Err(SniError::Type)),   // name_type 1
        (&[0, 3, 0, 0, 0], Err(SniError::Length)),       // empty host name
        (&[0, 5, 0, 0, 9, b'a'], Err(SniError::Length)), // length past the end
        (&[0, 5], Err(SniError::Truncated)),             // no name_type
        (&[0, 4, 0, 0, 1, b'a'], Ok(Some(b"a"))),        // one-letter name
    ];
    for (i, (b, want)) in cases.iter().enumerate() {
        assert_eq!(parser::sni(b), *want, "case {i}");
    }
}

#[test]
fn probe_table() {
    let ch = record(
        22,
        0x0301,
        &handshake(1, &client_hello_body(0x0303, &[], &[0x002f], &[])),
    );
    let cases: &[(&[u8], Probe)] = &[
        (&ch, Probe::Yes),
        (&ch[..1], Probe::NeedMore),
        (&ch[..2], Probe::NeedMore),
        (&ch[..3], Probe::Yes),
        // Only the header counts, as in Suricata's patterns: a record
        // Suricata would call TLS and then find malformed is still TLS.
        (&[0x16, 0x03, 0x01, 0x00, 0x40, 0x0b], Probe::Yes), // certificate first
        (&[0x16, 0x03, 0x00, 0x00, 0x00, 0x00], Probe::Yes), // empty SSLv3 record
        (&[0x16, 0x02, 0x01], Probe::No),                    // major 2
        (&[0x16, 0x03, 0x04], Probe::No),                    // no such record version
        (&[0x17, 0x03, 0x03, 0x00, 0x10], Probe::No),        // application data from a client
        (&[0x15, 0x03, 0x03], Probe::No),                    // alert from a client
        (b"GET / HTTP/1.1\r\n", Probe::No),
        // SSLv2 CLIENT-HELLO: length 0x2e, type 1, version 3.1
        (&[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15], Probe::Yes),
        (&[0x80, 0x2e, 0x07, 0x03], Probe::No),
        (&[0x80], Probe::NeedMore),
    ];
    for (i, (b, want)) in cases.iter().enumerate() {
        assert_eq!(probe(Direction::ToServer, b, false), *want, "case {i}");
    }
    // From the server, alerts and application data start TLS too (a flow
    // picked up mid-session), as Suricata's to-client patterns have it.
    let server: &[(&[u8], Probe)] = &[
        (&[0x16, 0x03, 0x03], Probe::Yes),
        (&[0x15, 0x03, 0x01], Probe::Yes),
        (&[0x17, 0x03, 0x03, 0x00, 0x10], Probe::Yes),
        (&[0x01, 0x03, 0x01], Probe::No),
        (b"HTTP/1.1 200 OK\r\n", Probe::No),
    ];
    for (i, (b, want)) in server.iter().enumerate() {
        assert_eq!(probe(Direction::ToClient, b, false), *want, "case {i}");
    }
}

/// A TLS 1.2 handshake with a server certificate made by hand (no
/// signature is checked, so a minimal DER certificate does).
fn tls12_flow(cert_der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let ch = handshake(
        1,
        &client_hello_body(
            0x0303,
            &[],
            &[0xc02f, 0x2a2a],
            &[sni_ext(b"www.example.org"), alpn_ext(&[b"h2", b"http/1.1"])],
        ),
    );
    let mut client = record(22, 0x0301, &ch);
    client.extend(record(22, 0x0303, &handshake(16, &[0; 33]))); // client key exchange
    client.extend(record(20, 0x0303, &[1])); // change cipher spec
    client.extend(record(22, 0x0303, &[0x55; 40])); // encrypted finished
    client.extend(record(23, 0x0303, &[0x66; 100])); // application data
    let sh = handshake(
        2,
        &server_hello_body(0x0303, [7; 32], &[1; 32], 0xc02f, &[alpn_ext(&[b"h2"])]),
    );
    let mut certs = Vec::new();
    let n = cert_der.len();
    certs.extend([(n >> 16) as u8, (n >> 8) as u8, n as u8]); // certificate length
    certs.extend(cert_der);
    let mut list = vec![
        (certs.len() >> 16) as u8,
        (certs.len() >> 8) as u8,
        certs.len() as u8,
    ];
    list.extend(certs);
    // ServerHello, Certificate and ServerHelloDone in one record.
    let mut flight = sh;
    flight.extend(handshake(11, &list));
    flight.extend(handshake(14, &[]));
    let mut server = record(22, 0x0303, &flight);
    server.extend(record(20, 0x0303, &[1]));
    server.extend(record(22, 0x0303, &[0x77; 40]));
    server.extend(record(23, 0x0303, &[0x88; 200]));
    (client, server)
}

/// A self-signed certificate (openssl, `CN=taishi.test`, serial 0x0102).
const CERT: &[u8] = include_bytes!("testdata/cert.der");

fn run_split(client: &[u8], server: &[u8], chunk: usize) -> Rec {
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    // The ClientHello record, the server's flight, the client's rest, in
    // chunks of `chunk` bytes.
    for c in client_first(client).chunks(chunk) {
        p.feed(&mut out, Direction::ToServer, c);
    }
    for c in server.chunks(chunk) {
        p.feed(&mut out, Direction::ToClient, c);
    }
    for c in client_rest(client).chunks(chunk) {
        p.feed(&mut out, Direction::ToServer, c);
    }
    p.end(&mut out);
    out
}

fn client_first(c: &[u8]) -> &[u8] {
    let n = parser::record_header(c)
        .map(|h| 5 + h.len)
        .unwrap_or(c.len());
    &c[..n.min(c.len())]
}

fn client_rest(c: &[u8]) -> &[u8] {
    &c[client_first(c).len()..]
}

#[test]
fn tls12_handshake_in_any_segmentation_logs_once() {
    let (client, server) = tls12_flow(CERT);
    for chunk in [1, 2, 3, 5, 7, 64, 100_000] {
        let out = run_split(&client, &server, chunk);
        assert!(
            out.anomalies.is_empty(),
            "chunk {chunk}: {:?}",
            out.anomalies
        );
        assert_eq!(out.logged.len(), 1, "chunk {chunk}");
        let t = &out.logged[0];
        assert_eq!(t.sni.as_deref(), Some("www.example.org"));
        assert_eq!(super::version_name(t.server_version), "TLS 1.2");
        assert_eq!(t.client_alpns, vec!["h2", "http/1.1"]);
        assert_eq!(t.server_alpns, vec!["h2"]);
        let c = t.cert.as_ref().expect("certificate");
        assert_eq!(c.subject, "CN=taishi.test");
        assert_eq!(c.issuer, "CN=taishi.test");
        assert_eq!(c.serial, "01:02");
        assert_eq!(t.chain.len(), 1);
        assert_eq!(
            t.fingerprints().ja3.as_ref().unwrap().string,
            "771,49199,0-16,,"
        );
    }
}

#[test]
fn handshake_message_split_across_records() {
    let (_, server) = tls12_flow(CERT);
    // Re-cut the server's first record body into records of 10 bytes.
    let h = parser::record_header(&server).unwrap();
    let body = &server[5..5 + h.len];
    let mut recut = Vec::new();
    for c in body.chunks(10) {
        recut.extend(record(22, 0x0303, c));
    }
    recut.extend(&server[5 + h.len..]);
    let (client, _) = tls12_flow(CERT);
    let out = run_split(&client, &recut, 13);
    assert_eq!(out.logged.len(), 1);
    assert!(out.logged[0].cert.is_some());
}

#[test]
fn malformed_records_are_events() {
    let cases: &[(&[u8], &str)] = &[
        (&[0x19, 0x03, 0x03, 0x00, 0x01, 0x00], "INVALID_RECORD_TYPE"),
        (&[0x16, 0x03, 0x03, 0x00, 0x00], "INVALID_RECORD_LENGTH"),
        (
            &[0x16, 0x05, 0x03, 0x00, 0x04, 1, 0, 0, 0],
            "INVALID_RECORD_VERSION",
        ),
        (&[0x16, 0x03, 0x03, 0xff, 0xff], "INVALID_RECORD_LENGTH"),
        (
            &[0x16, 0x03, 0x03, 0x00, 0x04, 0x63, 0, 0, 0],
            "INVALID_HANDSHAKE_MESSAGE",
        ),
        (
            &[0x16, 0x03, 0x03, 0x00, 0x04, 0x01, 0, 0, 0],
            "HANDSHAKE_INVALID_LENGTH",
        ),
        (
            &[0x15, 0x03, 0x03, 0x00, 0x01, 0x02],
            "INVALID_ALERT_MESSAGE",
        ),
    ];
    for (i, (b, want)) in cases.iter().enumerate() {
        let mut p = TlsParser::new(Options::default());
        let mut out = Rec::default();
        p.feed(&mut out, Direction::ToServer, b);
        assert_eq!(out.anomalies, vec![*want], "case {i}");
    }
}

#[test]
fn sni_events() {
    let bad_type = ext(0, &[0, 4, 1, 0, 1, b'a']);
    let two = [sni_ext(b"a.example"), sni_ext(b"b.example")];
    let cases: Vec<(Vec<Vec<u8>>, Vec<&str>)> = vec![
        (vec![bad_type], vec!["INVALID_SNI_TYPE"]),
        (vec![ext(0, &[0, 3, 0, 0, 0])], vec!["INVALID_SNI_LENGTH"]),
        (two.to_vec(), vec!["MULTIPLE_SNI_EXTENSIONS"]),
    ];
    for (i, (exts, want)) in cases.iter().enumerate() {
        let r = record(
            22,
            0x0301,
            &handshake(1, &client_hello_body(0x0303, &[], &[0x2f], exts)),
        );
        let mut p = TlsParser::new(Options::default());
        let mut out = Rec::default();
        p.feed(&mut out, Direction::ToServer, &r);
        assert_eq!(&out.anomalies, want, "case {i}");
    }
}

#[test]
fn heartbleed_request_overflow() {
    // Heartbeat request claiming 0x4000 payload bytes in a 3-byte record.
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(
        &mut out,
        Direction::ToServer,
        &[0x18, 0x03, 0x02, 0x00, 0x03, 0x01, 0x40, 0x00],
    );
    assert_eq!(out.anomalies, vec!["OVERFLOW_HEARTBEAT_MESSAGE"]);
}

#[test]
fn tls13_logs_without_certificate_and_hrr_keeps_second_hello_clear() {
    let mut sv = vec![2u8];
    sv.extend(0x0304u16.to_be_bytes());
    let ch = record(
        22,
        0x0301,
        &handshake(
            1,
            &client_hello_body(
                0x0303,
                &[3; 32],
                &[0x1301],
                &[sni_ext(b"t13.example"), ext(0x2b, &sv)],
            ),
        ),
    );
    let hrr_random = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
        0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
        0x33, 0x9c,
    ];
    let hrr = record(
        22,
        0x0303,
        &handshake(
            2,
            &server_hello_body(0x0303, hrr_random, &[3; 32], 0x1301, &[ext(0x2b, &[3, 4])]),
        ),
    );
    let sh = record(
        22,
        0x0303,
        &handshake(
            2,
            &server_hello_body(0x0303, [5; 32], &[3; 32], 0x1301, &[ext(0x2b, &[3, 4])]),
        ),
    );
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(&mut out, Direction::ToServer, &ch);
    p.feed(&mut out, Direction::ToClient, &hrr);
    p.feed(&mut out, Direction::ToServer, &ch); // second ClientHello, in the clear
    p.feed(&mut out, Direction::ToClient, &sh);
    p.feed(&mut out, Direction::ToClient, &record(23, 0x0303, &[0; 50]));
    p.feed(&mut out, Direction::ToServer, &record(20, 0x0303, &[1]));
    assert!(out.anomalies.is_empty(), "{:?}", out.anomalies);
    assert_eq!(out.logged.len(), 1);
    let t = &out.logged[0];
    assert_eq!(super::version_name(t.server_version), "TLS 1.3");
    assert!(t.log_without_cert && t.cert.is_none());
    // Same session id echoed in TLS 1.3 is not a resumption.
    assert!(!super::log::tls_object(t).contains_key("session_resumed"));
}

#[test]
fn resumed_session_logs_session_resumed() {
    let sid = [4u8; 32];
    let ch = record(
        22,
        0x0301,
        &handshake(1, &client_hello_body(0x0303, &sid, &[0xc02f], &[])),
    );
    let sh = record(
        22,
        0x0303,
        &handshake(2, &server_hello_body(0x0303, [5; 32], &sid, 0xc02f, &[])),
    );
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(&mut out, Direction::ToServer, &ch);
    p.feed(&mut out, Direction::ToClient, &sh);
    p.feed(&mut out, Direction::ToClient, &record(20, 0x0303, &[1]));
    p.feed(&mut out, Direction::ToServer, &record(20, 0x0303, &[1]));
    assert_eq!(out.logged.len(), 1);
    let o = super::log::tls_object(&out.logged[0]);
    assert_eq!(
        o.get("session_resumed"),
        Some(&serde_json::Value::Bool(true))
    );
    assert_eq!(o.get("version").and_then(|v| v.as_str()), Some("TLS 1.2"));
}

#[test]
fn no_certificate_no_resumption_not_logged() {
    let ch = record(
        22,
        0x0301,
        &handshake(1, &client_hello_body(0x0303, &[], &[0xc02f], &[])),
    );
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(&mut out, Direction::ToServer, &ch);
    p.end(&mut out);
    assert!(out.logged.is_empty());
}

#[test]
fn version_names_as_suricata() {
    let cases = [
        (0u16, "UNDETERMINED"),
        (0x0002, "SSLv2"),
        (0x0300, "SSLv3"),
        (0x0301, "TLSv1"),
        (0x0302, "TLS 1.1"),
        (0x0303, "TLS 1.2"),
        (0x0304, "TLS 1.3"),
        (0x7f01, "TLS 1.3 draft-<16"),
        (0x7f12, "TLS 1.3 draft-18"),
        (0x7f17, "TLS 1.3 draft-23"),
        (0xfb17, "TLS 1.3 draft-23-fb"),
        (0x1234, "0x1234"),
    ];
    for (v, want) in cases {
        assert_eq!(super::version_name(v), want);
    }
}

#[test]
fn iso_times_before_and_after_the_epoch() {
    assert_eq!(super::iso_utc(0), "1970-01-01T00:00:00");
    assert_eq!(super::iso_utc(1_423_764_447), "2015-02-12T18:07:27");
    assert_eq!(super::iso_utc(-86_400), "1969-12-31T00:00:00");
    assert_eq!(super::iso_utc(2_177_367_003), "2038-12-31T00:10:03");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let (client, server) = tls12_flow(CERT);
    // Flip each byte of both flights in turn.
    for i in 0..client.len().max(server.len()) {
        let mut c = client.clone();
        let mut s = server.clone();
        if let Some(b) = c.get_mut(i) {
            *b ^= 0xff;
        }
        if let Some(b) = s.get_mut(i) {
            *b ^= 0xff;
        }
        let _ = run_split(&c, &s, 7);
    }
}

#[test]
fn broken_certificate_der_is_invalid_certificate_bug_1450() {
    // suricata-verify bug-1450-02: a 9-byte "certificate" whose inner
    // SEQUENCE claims 0xfffffffa bytes.
    let der = [0x30, 0x06, 0x30, 0x84, 0xff, 0xff, 0xff, 0xfa, 0x04];
    let mut list = vec![0, 0, 12, 0, 0, 9]; // certificate_list length, certificate length
    list.extend(der);
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(
        &mut out,
        Direction::ToClient,
        &record(22, 0x0303, &handshake(11, &list)),
    );
    assert_eq!(out.anomalies, vec!["INVALID_CERTIFICATE"]);
    // A certificate list longer than its message.
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    p.feed(
        &mut out,
        Direction::ToClient,
        &record(22, 0x0303, &handshake(11, &[0, 0, 40, 0, 0, 1, 0])),
    );
    assert_eq!(out.anomalies, vec!["INVALID_CERTIFICATE"]);
}

#[test]
fn oversized_handshake_message_is_skipped_and_counted() {
    // A Certificate message announcing 1 MiB, sent in 16 KiB records,
    // then a ServerHelloDone that must still be read.
    let len = 1 << 20;
    let mut stream = vec![11, (len >> 16) as u8, (len >> 8) as u8, len as u8];
    stream.extend(vec![0u8; len]);
    stream.extend(handshake(14, &[]));
    let mut p = TlsParser::new(Options::default());
    let mut out = Rec::default();
    for c in stream.chunks(16_000) {
        p.feed(&mut out, Direction::ToClient, &record(22, 0x0303, c));
    }
    assert_eq!(out.limits, 1);
    assert!(out.anomalies.is_empty(), "{:?}", out.anomalies);
}

/// Options under the configuration `app-layer.protocols.tls.*` = `value`
/// for both fingerprint keys (`None`: the keys absent).
fn options_with(value: Option<&str>) -> Result<Options, taishi_core::config::ConfigError> {
    let mut c = taishi_core::Config::default();
    if let Some(v) = value {
        c.set("app-layer.protocols.tls.ja3-fingerprints", v)?;
        c.set("app-layer.protocols.tls.ja4-fingerprints", v)?;
    }
    let pc = crate::ProtoConfig::from_config(&c)?;
    Ok(Options::from_config(&pc))
}

#[test]
fn fingerprints_are_logged_unless_configured_off() {
    // Taishi's default: logged, for intel and analysts.
    let o = options_with(None).unwrap();
    assert!(o.ja3 && o.ja4, "{o:?}");
    let o = options_with(Some("yes")).unwrap();
    assert!(o.ja3 && o.ja4, "{o:?}");
    // An explicit `no` wins.
    let o = options_with(Some("no")).unwrap();
    assert!(!o.ja3 && !o.ja4, "{o:?}");
    // `auto` the binary did not resolve: no rule is known to use them.
    let o = options_with(Some("auto")).unwrap();
    assert!(!o.ja3 && !o.ja4, "{o:?}");
    // A typo is an error naming the key, not a silent default.
    let e = options_with(Some("maybe")).unwrap_err();
    assert!(e.to_string().contains("ja3-fingerprints"), "{e}");
}
