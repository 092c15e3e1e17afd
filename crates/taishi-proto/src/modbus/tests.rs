//! Modbus parser tables: valid ADUs, every truncation, malformed ones.

use super::parser::*;

/// Read holding registers request: tid 1, pid 0, len 6, unit 10, fc 3,
/// address 5, quantity 2.
const READ_REQ: &[u8] = &[
    0x00, 0x01, // transaction id
    0x00, 0x00, // protocol id
    0x00, 0x06, // length
    0x0a, // unit id
    0x03, // function: RdHoldRegs
    0x00, 0x05, // address
    0x00, 0x02, // quantity
];

/// Its response: byte count 4, two registers.
const READ_RESP: &[u8] = &[
    0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x0a, // MBAP
    0x03, // function
    0x04, // byte count
    0x00, 0x09, 0x00, 0x18, // registers
];

#[test]
fn read_request_and_response() {
    let FrameResult::Frame(f, n) = parse_frame(READ_REQ) else {
        panic!("frame")
    };
    assert_eq!(n, READ_REQ.len());
    let req = Message::decode(&f, true);
    assert_eq!(req.unit_id, 10);
    assert_eq!(
        req.data,
        Data::Read(Read::Request {
            address: 5,
            quantity: 2
        })
    );
    assert_eq!(req.error_flags, 0);
    assert_eq!(
        flag_names(req.access_type, &access::NAMES),
        "READ | HOLDING"
    );
    let FrameResult::Frame(f, _) = parse_frame(READ_RESP) else {
        panic!("frame")
    };
    let mut resp = Message::decode(&f, false);
    assert!(resp.answers(&req));
    resp.validate_against(&req);
    assert_eq!(resp.error_flags, 0);
    assert_eq!(resp.data, Data::Read(Read::Response(vec![0, 9, 0, 0x18])));
}

#[test]
fn every_truncation_is_incomplete() {
    for cut in 0..READ_REQ.len() {
        match parse_frame(&READ_REQ[..cut]) {
            FrameResult::Incomplete(need) => assert!(need > cut, "cut {cut}"),
            other => panic!("cut {cut}: {other:?}"),
        }
    }
}

#[test]
fn malformed() {
    // Length 1: cannot hold unit id and function.
    let bad = [0, 1, 0, 0, 0, 1, 1, 3];
    assert_eq!(parse_frame(&bad), FrameResult::Invalid);
    // Length 300: beyond the 260-byte ADU.
    let bad = [0, 1, 0, 0, 0x01, 0x2c, 1, 3];
    assert_eq!(parse_frame(&bad), FrameResult::Invalid);
    // Quantity 0 is a value error; a coil value other than 0/FF00 too.
    let q0 = [0, 1, 0, 0, 0, 6, 1, 1, 0, 0, 0, 0];
    let FrameResult::Frame(f, _) = parse_frame(&q0) else {
        panic!()
    };
    assert_eq!(Message::decode(&f, true).error_flags, flags::DATA_VALUE);
    let coil = [0, 1, 0, 0, 0, 6, 1, 5, 0, 0, 0x12, 0x34];
    let FrameResult::Frame(f, _) = parse_frame(&coil) else {
        panic!()
    };
    assert_eq!(Message::decode(&f, true).error_flags, flags::DATA_VALUE);
    // Short read request: DATA_LENGTH.
    let short = [0, 1, 0, 0, 0, 4, 1, 3, 0, 0];
    let FrameResult::Frame(f, _) = parse_frame(&short) else {
        panic!()
    };
    assert_eq!(Message::decode(&f, true).error_flags, flags::DATA_LENGTH);
    // Exception response with an unknown code.
    let exc = [0, 1, 0, 0, 0, 3, 1, 0x83, 0x42];
    let FrameResult::Frame(f, _) = parse_frame(&exc) else {
        panic!()
    };
    let m = Message::decode(&f, false);
    assert_eq!(m.data, Data::Exception(0x42));
    assert_eq!(m.error_flags, flags::EXC_CODE);
    assert_eq!(m.function, 3);
}

#[test]
fn probe_refuses_other_protocols_on_502() {
    // TLS ClientHello, HTTP, RDP/TPKT seen on port 502 in the corpus.
    assert_eq!(
        looks_like_modbus(b"\x16\x03\x01\x00\x85\x01\x00\x00\x81"),
        Some(false)
    );
    assert_eq!(looks_like_modbus(b"GET / HTTP/1.1\r\n"), Some(false));
    assert_eq!(
        looks_like_modbus(b"\x03\x00\x00\x2b\x26\xe0\x00\x00"),
        Some(false)
    );
    assert_eq!(looks_like_modbus(READ_REQ), Some(true));
    assert_eq!(looks_like_modbus(&READ_REQ[..3]), None);
}

#[test]
fn access_and_category_names_match_sawp() {
    assert_eq!(flag_names(access_of(1), &access::NAMES), "READ | COILS");
    assert_eq!(
        flag_names(access_of(5), &access::NAMES),
        "WRITE | COILS | SINGLE | WRITE_SINGLE"
    );
    assert_eq!(flag_names(0, &access::NAMES), "NONE");
    assert_eq!(
        flag_names(category::PUBLIC_ASSIGNED, &category::NAMES),
        "PUBLIC_ASSIGNED"
    );
    assert_eq!(category_of_raw(66), category::USER_DEFINED);
}
