//! DNP3 tables: frames with CRCs, every truncation, bad CRCs, objects.

use super::objects::Val;
use super::parser::*;

/// Builds a link frame around user data (transport + application bytes),
/// inserting the CRCs.
fn frame(control: u8, dst: u16, src: u16, user: &[u8]) -> Vec<u8> {
    let mut h = vec![0x05, 0x64, (5 + user.len()) as u8, control];
    h.extend_from_slice(&dst.to_le_bytes());
    h.extend_from_slice(&src.to_le_bytes());
    let c = crc(&h);
    h.extend_from_slice(&c.to_le_bytes());
    for block in user.chunks(16) {
        h.extend_from_slice(block);
        h.extend_from_slice(&crc(block).to_le_bytes());
    }
    h
}

/// Read class 1/2/3/0 request: transport FIR|FIN seq 0, app FIR|FIN seq 1,
/// function 1 (read), objects g60v2..g60v1 with qualifier 0x06 (all).
const READ_CLASSES: &[u8] = &[
    0xc0, // transport: FIN FIR seq 0
    0xc1, // application control: FIR FIN seq 1
    0x01, // function: read
    60, 2, 0x06, // class 1, all
    60, 3, 0x06, // class 2
    60, 4, 0x06, // class 3
    60, 1, 0x06, // class 0
];

#[test]
fn crc_matches_the_standard_example() {
    // Header of a real request (05 64 05 c0 01 00 00 04) has CRC e9 21.
    assert_eq!(
        crc(&[0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x00, 0x04]).to_le_bytes(),
        [0xe9, 0x21]
    );
}

#[test]
fn link_frame_and_truncations() {
    let f = frame(0xc4, 10, 1, READ_CLASSES);
    let LinkResult::Frame(h, data, n) = parse_link(&f) else {
        panic!("frame")
    };
    assert_eq!(n, f.len());
    assert_eq!(
        (h.dst, h.src, h.function(), h.dir(), h.pri()),
        (10, 1, 4, true, true)
    );
    assert!(check_data_crcs(data));
    let mut app = Vec::new();
    assert!(strip_crcs(data, &mut app));
    assert_eq!(app, &READ_CLASSES[1..]);
    for cut in 2..f.len() {
        assert!(
            matches!(parse_link(&f[..cut]), LinkResult::Incomplete(_)),
            "cut {cut}"
        );
    }
}

#[test]
fn bad_crcs_and_lengths() {
    let mut f = frame(0xc4, 10, 1, READ_CLASSES);
    f[8] ^= 1;
    assert_eq!(parse_link(&f), LinkResult::BadHeaderCrc);
    let mut f = frame(0xc4, 10, 1, READ_CLASSES);
    let last = f.len() - 1;
    f[last] ^= 1;
    let LinkResult::Frame(_, data, _) = parse_link(&f) else {
        panic!()
    };
    assert!(!check_data_crcs(data));
    assert_eq!(parse_link(b"GET / HTTP/1.1"), LinkResult::BadStart);
    let mut short = vec![0x05, 0x64, 0x04, 0xc0, 0, 0, 0, 0];
    let c = crc(&short);
    short.extend_from_slice(&c.to_le_bytes());
    assert_eq!(parse_link(&short), LinkResult::LenTooSmall);
}

#[test]
fn objects_of_a_response() {
    let body = [
        1, 2, 0x00, 0, 1, // g1v2 start 0 stop 1
        0x81, 0x01, // two points: online+state, online
        30, 2, 0x01, 5, 0, 5, 0, // g30v2 start 5 stop 5 (2-octet)
        0x01, 0x34, 0x12, // flags, value 0x1234
        1, 1, 0x00, 0, 9, // g1v1 ten packed bits
        0xff, 0x02, // 8 ones, then 0 and 1
        12, 1, 0x28, 1, 0, // CROB, 2-octet index prefix, 1-octet count 1
        3, 0, // index 3
        0x41, 1, 100, 0, 0, 0, 0, 0, 0, 0, 0, // latch on, count 1, on 100ms
    ];
    let mut out = Vec::new();
    decode_objects(&body, &mut out, 100, 100).unwrap();
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].points.len(), 2);
    assert!(out[0].points[0].values.contains(&("state", Val::U(1))));
    assert_eq!(out[1].points[0].index, 5);
    assert!(out[1].points[0].values.contains(&("value", Val::I(0x1234))));
    assert_eq!(out[2].count, 10);
    assert_eq!(out[2].points[9].values, vec![("state", Val::U(1))]);
    assert_eq!(out[3].points[0].index, 3);
    assert!(out[3].points[0].values.contains(&("op_type", Val::U(1))));
    assert!(out[3].points[0].values.contains(&("ontime", Val::U(100))));
    // Every truncation of the body stops cleanly.
    for cut in 0..body.len() {
        let mut out = Vec::new();
        let _ = decode_objects(&body[..cut], &mut out, 100, 100);
    }
}

#[test]
fn unknown_and_limits() {
    let mut out = Vec::new();
    assert_eq!(
        decode_objects(&[99, 9, 0x00, 0, 0, 1], &mut out, 10, 10),
        Err(ObjectsError::Unknown)
    );
    let mut out = Vec::new();
    assert_eq!(
        decode_objects(&[1, 1, 0x00, 0, 200, 0xff], &mut out, 10, 10),
        Err(ObjectsError::Truncated)
    );
    let mut out = Vec::new();
    assert_eq!(
        decode_objects(&[1, 1, 0x01, 0, 0, 0xff, 0xff, 0xff], &mut out, 10, 10),
        Err(ObjectsError::Truncated)
    );
    let body = [1, 1, 0x00, 0, 31, 0xff, 0xff, 0xff, 0xff];
    let mut out = Vec::new();
    assert_eq!(
        decode_objects(&body, &mut out, 10, 10),
        Err(ObjectsError::TooManyPoints)
    );
}

#[test]
fn probe_reverses_a_flow_that_starts_with_an_outstation_frame() {
    use crate::registry::Probe;
    use taishi_flow::Direction;
    // 05 64 len=5, control c0 (DIR=1: from the master), dst 1, src 3, CRC.
    let mut master = vec![0x05, 0x64, 0x05, 0xc0, 0x01, 0x00, 0x03, 0x00];
    let c = crc(&master).to_le_bytes();
    master.extend_from_slice(&c);
    assert_eq!(
        (super::DEF.probe)(Direction::ToServer, &master, false),
        Probe::Yes
    );
    // The same frame with DIR=0 comes from an outstation: the "client" is the server.
    let mut outstation = master[..8].to_vec();
    outstation[3] = 0x40;
    let c = crc(&outstation).to_le_bytes();
    outstation.extend_from_slice(&c);
    assert_eq!(
        (super::DEF.probe)(Direction::ToServer, &outstation, false),
        Probe::YesReversed
    );
    assert_eq!(
        (super::DEF.probe)(Direction::ToClient, &outstation, false),
        Probe::Yes
    );
}
