//! IEC-104 tables: U/S/I frames, ASDUs, truncations, probes.

use super::parser::*;

/// STARTDT act.
const STARTDT: &[u8] = &[0x68, 0x04, 0x07, 0x00, 0x00, 0x00];

/// Single command C_SC_NA_1, execute ON, IOA 5000, COT act, CA 1.
const SINGLE_CMD: &[u8] = &[
    0x68, 0x0e, // start, length 14
    0x02, 0x00, 0x04, 0x00, // I-frame N(S)=1 N(R)=2
    45,   // type C_SC_NA_1
    0x01, // VSQ: SQ=0, 1 object
    0x06, // COT act
    0x00, // originator
    0x01, 0x00, // common address 1
    0x88, 0x13, 0x00, // IOA 5000
    0x01, // SCO: ON, execute
];

/// Interrogation C_IC_NA_1 with QOI 20, negative confirm.
const GI_NEG: &[u8] = &[
    0x68, 0x0e, 0x00, 0x00, 0x00, 0x00, // I-frame 0/0
    100, 0x01, 0x47, 0x00, 0x01, 0x00, // type 100, 1 obj, actcon|P/N, CA 1
    0x00, 0x00, 0x00, 20, // IOA 0, QOI 20
];

#[test]
fn frames() {
    assert_eq!(
        parse_apdu(STARTDT),
        ApduResult::Apdu(Apci::U(0x07), &[][..], 6)
    );
    let ApduResult::Apdu(apci, body, n) = parse_apdu(SINGLE_CMD) else {
        panic!()
    };
    assert_eq!((apci, n), (Apci::I { tx: 1, rx: 2 }, SINGLE_CMD.len()));
    let a = parse_asdu(body).unwrap();
    assert_eq!((a.type_id, a.cot, a.common_address), (45, 6, 1));
    assert!(is_command(a.type_id));
    assert_eq!(a.objects[0].ioa, 5000);
    assert_eq!(a.objects[0].value, Some(Value::Int(1)));
    assert_eq!(a.objects[0].select, Some(false));
    let ApduResult::Apdu(_, body, _) = parse_apdu(GI_NEG) else {
        panic!()
    };
    let a = parse_asdu(body).unwrap();
    assert!(a.negative && !a.test);
    assert_eq!((a.cot, cot_name(a.cot)), (7, "actcon"));
    assert_eq!(a.objects[0].qualifier, Some(20));
}

#[test]
fn truncations_and_malformed() {
    for cut in 0..SINGLE_CMD.len() {
        assert!(
            matches!(parse_apdu(&SINGLE_CMD[..cut]), ApduResult::Incomplete(_)),
            "cut {cut}"
        );
        if cut > 6 {
            let a = parse_asdu(&SINGLE_CMD[6..cut]);
            assert!(a.is_none() || a.unwrap().truncated);
        }
    }
    assert_eq!(parse_apdu(&[0x69, 4, 7, 0, 0, 0]), ApduResult::Invalid);
    assert_eq!(parse_apdu(&[0x68, 2, 7, 0]), ApduResult::Invalid);
    assert_eq!(parse_apdu(&[0x68, 254]), ApduResult::Invalid);
}

#[test]
fn probe() {
    assert_eq!(looks_like_iec104(STARTDT), Some(true));
    assert_eq!(looks_like_iec104(SINGLE_CMD), Some(true));
    assert_eq!(looks_like_iec104(b"GET / HTTP/1.1"), Some(false));
    assert_eq!(looks_like_iec104(&[0x68]), None);
    assert_eq!(looks_like_iec104(&[0x68, 0x04, 0x99, 0, 0, 0]), Some(false));
}

#[test]
fn time_tag() {
    // 2009-08-13 10:25:30.572 (ms 0x776c)
    let t = [0x6c, 0x77, 25, 10, 13, 8, 9];
    assert_eq!(cp56(&t).as_deref(), Some("2009-08-13T10:25:30.572"));
}
