//! Table tests of the DNS parser, probe and record shape (STYLE.md rule 9).

use super::log::{addr_str, message_json};
use super::parser::{Error, Look, RData, looks_like_dns, parse_message, read_name};
use super::{MAX_NAME_LEN, probe};
use crate::registry::Probe;
use taishi_flow::Direction;

/// `www.example.com A IN` query, id 0x1234, RD set.
const QUERY: &[u8] = &[
    0x12, 0x34, // id
    0x01, 0x00, // flags: RD
    0x00, 0x01, // qdcount
    0x00, 0x00, // ancount
    0x00, 0x00, // nscount
    0x00, 0x00, // arcount
    3, b'w', b'w', b'w', // label
    7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', // label
    3, b'c', b'o', b'm', 0, // label, root
    0x00, 0x01, // qtype A
    0x00, 0x01, // qclass IN
];

/// The answer: question echoed, a CNAME then an A record, both owners
/// compressed, and an empty OPT record in the additional section.
const RESPONSE: &[u8] = &[
    0x12, 0x34, // id
    0x81, 0x80, // flags: QR RD RA
    0x00, 0x01, // qdcount
    0x00, 0x02, // ancount
    0x00, 0x00, // nscount
    0x00, 0x01, // arcount
    3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0x00,
    0x01, 0x00, 0x01, // A IN
    0xc0, 0x0c, // owner: pointer to offset 12 (www.example.com)
    0x00, 0x05, 0x00, 0x01, // CNAME IN
    0x00, 0x00, 0x0e, 0x10, // ttl 3600
    0x00, 0x06, // rdlength
    3, b'w', b'e', b'b', 0xc0, 0x10, // web + pointer to example.com
    0xc0, 0x2d, // owner: pointer to web.example.com (offset 45)
    0x00, 0x01, 0x00, 0x01, // A IN
    0x00, 0x00, 0x00, 0x3c, // ttl 60
    0x00, 0x04, // rdlength
    93, 184, 216, 34,   // address
    0x00, // owner: root
    0x00, 0x29, 0x10, 0x00, // OPT, udp size 4096
    0x00, 0x00, 0x00, 0x00, // ext rcode, version, flags
    0x00, 0x00, // rdlength 0
];

#[test]
fn query_parses() {
    let m = parse_message(QUERY).unwrap();
    assert_eq!(m.header.id, 0x1234);
    assert!(!m.header.is_response());
    assert_eq!(m.queries.len(), 1);
    assert_eq!(m.queries[0].name.value, b"www.example.com");
    assert_eq!(m.queries[0].rrtype, 1);
}

#[test]
fn response_parses_with_compression() {
    let m = parse_message(RESPONSE).unwrap();
    assert_eq!(m.answers.len(), 2);
    assert_eq!(m.answers[0].name.value, b"www.example.com");
    assert_eq!(m.answers[0].data, RData::Name(b"web.example.com".to_vec()));
    assert_eq!(m.answers[1].name.value, b"web.example.com");
    assert_eq!(m.answers[1].ttl, 60);
    assert_eq!(m.additionals.len(), 1);
    assert_eq!(m.additionals[0].name.value, b"<root>");
}

#[test]
fn record_shape_is_suricata_v3() {
    let d = serde_json::Value::Object(message_json(&parse_message(RESPONSE).unwrap()));
    assert_eq!(d["version"], 3);
    assert_eq!(d["type"], "response");
    assert_eq!(d["flags"], "8180");
    assert_eq!(d["qr"], true);
    assert_eq!(d["rd"], true);
    assert_eq!(d["ra"], true);
    assert!(d.get("aa").is_none());
    assert_eq!(d["opcode"], 0);
    assert_eq!(d["rcode"], "NOERROR");
    assert_eq!(d["queries"][0]["rrname"], "www.example.com");
    assert_eq!(d["queries"][0]["rrtype"], "A");
    assert_eq!(d["answers"][0]["rrtype"], "CNAME");
    assert_eq!(d["answers"][0]["rdata"], "web.example.com");
    assert_eq!(d["answers"][1]["rdata"], "93.184.216.34");
    assert_eq!(d["answers"][1]["ttl"], 60);
    // An OPT record without options is left out, as Suricata does.
    assert!(d.get("additionals").is_none());
    let q = serde_json::Value::Object(message_json(&parse_message(QUERY).unwrap()));
    assert_eq!(q["type"], "request");
    assert_eq!(q["flags"], "100");
}

#[test]
fn every_truncation_is_incomplete_never_a_panic() {
    for msg in [QUERY, RESPONSE] {
        // Cutting inside the additional section keeps the message.
        let first_additional = RESPONSE.len() - 11;
        for n in 0..msg.len() {
            let r = parse_message(&msg[..n]);
            if msg == RESPONSE && n >= first_additional {
                assert!(r.unwrap().invalid_additionals, "cut at {n}");
            } else {
                assert_eq!(r.unwrap_err(), Error::Incomplete, "cut at {n}");
            }
        }
    }
}

#[test]
fn malformed_names() {
    let head = &QUERY[..12];
    type Case<'a> = (&'a [u8], Result<&'a [u8], Error>);
    let cases: &[Case<'_>] = &[
        // Label type 0x40 (extended, RFC 6891) is not a name.
        (&[0x41, b'a', 0], Err(Error::Malformed)),
        // Pointer past the end of the message.
        (&[0xc0, 0xff], Err(Error::Malformed)),
        // Pointer to itself: a loop with no label.
        (&[0xc0, 12], Err(Error::Malformed)),
        // Label, then a pointer back to that label: a loop with a label.
        (&[1, b'a', 0xc0, 12], Ok(b"a")),
        // Forward pointer to a name after this one.
        (&[0xc0, 14, 1, b'z', 0], Ok(b"z")),
        // Root.
        (&[0], Ok(b"<root>")),
    ];
    for (name, want) in cases {
        let mut msg = head.to_vec();
        msg.extend_from_slice(name);
        let got = read_name(&msg, 12).map(|(n, _)| n.value);
        match want {
            Ok(w) => assert!(got.as_deref().unwrap().starts_with(w), "{name:?}"),
            Err(e) => assert_eq!(got.unwrap_err(), *e, "{name:?}"),
        }
    }
    // The looping name stops at MAX_NAME_STEPS and says why.
    let mut msg = head.to_vec();
    msg.extend_from_slice(&[1, b'a', 0xc0, 12]);
    let (n, end) = read_name(&msg, 12).unwrap();
    assert!(n.flags.infinite_loop);
    assert_eq!(end, 16);
}

#[test]
fn long_names_are_cut_at_max_name_len() {
    // 20 labels of 63 bytes: 1279 characters, legal on the wire as
    // Suricata's test of MAX_NAME_LEN shows (names over 255 exist in
    // tunnelling tools).
    let mut msg = QUERY[..12].to_vec();
    for _ in 0..20 {
        msg.push(63);
        msg.extend_from_slice(&[b'x'; 63]);
    }
    msg.push(0);
    let (n, end) = read_name(&msg, 12).unwrap();
    assert_eq!(n.value.len(), MAX_NAME_LEN);
    assert!(n.flags.truncated);
    assert_eq!(end, msg.len());
}

#[test]
fn probe_claims_dns_and_refuses_the_rest() {
    let cases: &[(&[u8], bool, Probe)] = &[
        (QUERY, true, Probe::Yes),
        // A response from the "client": the flow was taken backwards.
        (RESPONSE, true, Probe::YesReversed),
        // Random bytes: counts the length cannot hold.
        (b"\x17\x03\x03\x00\x20hello world, not dns", true, Probe::No),
        // All counts zero.
        (&[0u8; 12], true, Probe::No),
        // Too short for a header.
        (&QUERY[..8], true, Probe::No),
        // Opcode 7 (unassigned).
        (
            &[0x12, 0x34, 0x39, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1],
            true,
            Probe::No,
        ),
    ];
    for (data, udp, want) in cases {
        assert_eq!(probe(Direction::ToServer, data, *udp), *want, "{data:?}");
    }
    assert_eq!(probe(Direction::ToClient, RESPONSE, true), Probe::Yes);
    // TCP: the length prefix, then the message, possibly cut.
    let mut tcp = (QUERY.len() as u16).to_be_bytes().to_vec();
    tcp.extend_from_slice(QUERY);
    assert_eq!(
        probe(Direction::ToServer, &tcp[..1], false),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, &tcp[..10], false),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, &tcp[..20], false),
        Probe::NeedMore
    );
    assert_eq!(probe(Direction::ToServer, &tcp, false), Probe::Yes);
    assert_eq!(
        probe(Direction::ToServer, b"GET / HTTP/1.1\r\n", false),
        Probe::No
    );
}

/// A TCP query whose first name is longer than the detection buffer (the
/// dns-truncated-rname capture): the probe waits while the buffer fills,
/// then decides on the header rather than lose the flow.
#[test]
fn probe_decides_a_name_longer_than_the_detection_buffer() {
    use crate::detection::DETECT_BUFFER;
    // Header: id, flags (RD), 1 question, no records.
    let mut msg = vec![0x08, 0xae, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    // 200 labels of 30 bytes (6,200 bytes), root, type TXT, class IN.
    for _ in 0..200 {
        msg.push(30);
        msg.extend_from_slice(&[b'a'; 30]);
    }
    msg.extend_from_slice(&[0, 0, 16, 0, 1]);
    let mut tcp = (msg.len() as u16).to_be_bytes().to_vec();
    tcp.extend_from_slice(&msg);
    assert_eq!(
        probe(Direction::ToServer, &tcp[..DETECT_BUFFER - 1], false),
        Probe::NeedMore
    );
    assert_eq!(
        probe(Direction::ToServer, &tcp[..DETECT_BUFFER], false),
        Probe::Yes
    );
    // Sent by the server: the flow was taken backwards.
    let mut answer = tcp.clone();
    answer[4] |= 0x80;
    assert_eq!(
        probe(Direction::ToServer, &answer[..DETECT_BUFFER], false),
        Probe::YesReversed
    );
    // The whole message is parsed, its name cut at MAX_NAME_LEN.
    let m = parse_message(&msg).unwrap();
    assert!(m.name_flags.truncated);
}

#[test]
fn netbios_name_service_is_not_dns() {
    // NBNS name query for "SECULAB<1c>": RFC 1002 first-level encoding.
    let mut nbns = vec![0x80, 0x01, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 32];
    nbns.extend_from_slice(b"FDEFEDFFEMEBECCACACACACACACABMAA");
    nbns.extend_from_slice(&[0, 0x00, 0x20, 0x00, 0x01]);
    assert_eq!(looks_like_dns(&nbns, nbns.len()), Look::NotDns);
}

#[test]
fn addresses_print_as_suricata() {
    assert_eq!(addr_str(&[10, 0, 0, 1]), "10.0.0.1");
    let v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(addr_str(&v6), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_eq!(addr_str(&[1, 2, 3]), "");
}

#[test]
fn srv_soa_sshfp_rdata() {
    // Response with SRV, SOA (authority) and SSHFP records, names uncompressed.
    let mut m = vec![0, 1, 0x81, 0x80, 0, 0, 0, 2, 0, 1, 0, 0];
    // SRV: owner "s", prio 20 weight 1 port 5060 target "t"
    m.extend_from_slice(&[1, b's', 0, 0, 33, 0, 1, 0, 0, 0, 9, 0, 9]);
    m.extend_from_slice(&[0, 20, 0, 1, 0x13, 0xc4, 1, b't', 0]);
    // SSHFP: owner root, algo 1 type 1, fingerprint 2 bytes
    m.extend_from_slice(&[0, 0, 44, 0, 1, 0, 0, 0, 9, 0, 4, 1, 1, 0xab, 0xcd]);
    // SOA: owner root, mname "a", rname "b", five u32
    m.extend_from_slice(&[0, 0, 6, 0, 1, 0, 0, 0, 9, 0, 26, 1, b'a', 0, 1, b'b', 0]);
    for v in [1u32, 2, 3, 4, 5] {
        m.extend_from_slice(&v.to_be_bytes());
    }
    let d = serde_json::Value::Object(message_json(&parse_message(&m).unwrap()));
    assert_eq!(d["answers"][0]["srv"]["priority"], 20);
    assert_eq!(d["answers"][0]["srv"]["weight"], 1);
    assert_eq!(d["answers"][0]["srv"]["port"], 5060);
    assert_eq!(d["answers"][0]["srv"]["name"], "t");
    assert_eq!(d["answers"][1]["sshfp"]["fingerprint"], "ab:cd");
    assert_eq!(d["answers"][1]["sshfp"]["algo"], 1);
    assert_eq!(d["authorities"][0]["soa"]["mname"], "a");
    assert_eq!(d["authorities"][0]["soa"]["minimum"], 5);
}

/// `dns.response.rrname` holds the owner names and, as Suricata 8, the
/// names records point to: here the CNAME's target `web.example.com`.
/// A request has no such buffer.
#[test]
fn response_rrname_includes_rdata_names() {
    use super::detect::buffers;
    use super::state::DnsTx;
    use crate::buffer::Buffer;
    let names = |msg: &[u8], dir| {
        let tx = DnsTx {
            msg: parse_message(msg).unwrap(),
            dir,
        };
        let mut out = Vec::new();
        buffers(&tx, Buffer::DnsResponseName, &mut |b| {
            out.push(String::from_utf8_lossy(b).into_owned())
        });
        out
    };
    assert_eq!(
        names(RESPONSE, Direction::ToClient),
        [
            "www.example.com", // question
            "www.example.com", // CNAME owner
            "web.example.com", // A owner
            "<root>",          // OPT owner
            "web.example.com", // CNAME target
        ]
    );
    assert!(names(QUERY, Direction::ToServer).is_empty());
}
