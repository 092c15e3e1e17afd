//! S7comm tables: TPKT/COTP framing, jobs, truncations, probes.

use super::parser::*;

/// COTP connection request with TSAPs 0x0100 → 0x0102.
const CR: &[u8] = &[
    0x03, 0x00, 0x00, 0x16, // TPKT v3, length 22
    0x11, 0xe0, // COTP li 17, CR
    0x00, 0x00, 0x00, 0x01, 0x00, // dst ref, src ref, class
    0xc0, 0x01, 0x0a, // TPDU size
    0xc1, 0x02, 0x01, 0x00, // src TSAP
    0xc2, 0x02, 0x01, 0x02, // dst TSAP
];

/// Read var job: one S7ANY item, DB1.DBX 2.0, 4 bytes.
const READ_VAR: &[u8] = &[
    0x03, 0x00, 0x00, 0x1f, // TPKT, length 31
    0x02, 0xf0, 0x80, // COTP DT, EOT
    0x32, 0x01, 0x00, 0x00, // S7, job, reserved
    0x00, 0x05, // pdu ref 5
    0x00, 0x0e, 0x00, 0x00, // param length 14, data length 0
    0x04, 0x01, // read var, 1 item
    0x12, 0x0a, 0x10, // var spec, length 10, S7ANY
    0x02, 0x00, 0x04, // transport size BYTE, length 4
    0x00, 0x01, 0x84, // DB 1, area DB
    0x00, 0x00, 0x10, // address: byte 2 bit 0
];

/// PLC stop job with PI service P_PROGRAM.
const PLC_STOP: &[u8] = &[
    0x03, 0x00, 0x00, 0x21, 0x02, 0xf0, 0x80, // TPKT, COTP DT
    0x32, 0x01, 0x00, 0x00, 0x00, 0x07, // job, pdu ref 7
    0x00, 0x10, 0x00, 0x00, // param length 16
    0x29, 0x00, 0x00, 0x00, 0x00, 0x00, // PLC stop, 5 unknown
    0x09, b'P', b'_', b'P', b'R', b'O', b'G', b'R', b'A', b'M', // name
];

#[test]
fn probe_and_cotp() {
    assert_eq!(looks_like_s7(CR), Some(true));
    assert_eq!(looks_like_s7(READ_VAR), Some(true));
    assert_eq!(looks_like_s7(b"GET / HTTP/1.1\r\n"), Some(false));
    // RDP connection request: TPKT + COTP CR without TSAPs.
    let rdp = b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00";
    assert_eq!(looks_like_s7(rdp), Some(false));
    let TpktResult::Packet(p, _) = parse_tpkt(CR) else {
        panic!()
    };
    let c = parse_cotp(p).unwrap();
    assert_eq!((c.src_tsap, c.dst_tsap), (Some(0x0100), Some(0x0102)));
}

#[test]
fn read_var_item() {
    let TpktResult::Packet(p, n) = parse_tpkt(READ_VAR) else {
        panic!()
    };
    assert_eq!(n, READ_VAR.len());
    let c = parse_cotp(p).unwrap();
    assert!(c.eot);
    let pdu = parse_s7(c.payload).unwrap();
    assert_eq!((pdu.rosctr, pdu.pdu_ref, pdu.function), (1, 5, Some(4)));
    assert!(!pdu.truncated);
    assert_eq!(pdu.items.len(), 1);
    let i = pdu.items[0];
    assert_eq!(
        (i.db_number, i.area, i.address, i.bit, i.length),
        (1, 0x84, 2, 0, 4)
    );
}

#[test]
fn plc_stop_service() {
    let TpktResult::Packet(p, _) = parse_tpkt(PLC_STOP) else {
        panic!()
    };
    let pdu = parse_s7(parse_cotp(p).unwrap().payload).unwrap();
    assert_eq!(pdu.function, Some(0x29));
    assert_eq!(pdu.pi_service.as_deref(), Some("P_PROGRAM"));
}

#[test]
fn truncations_never_panic() {
    for msg in [CR, READ_VAR, PLC_STOP] {
        for cut in 0..msg.len() {
            match parse_tpkt(&msg[..cut]) {
                TpktResult::Incomplete(need) => assert!(need > cut),
                other => panic!("cut {cut}: {other:?}"),
            }
            // The S7 layer alone, cut anywhere, decodes what it can.
            if cut > 7 {
                let _ = parse_s7(&msg[7..cut]);
            }
        }
    }
    assert_eq!(parse_tpkt(&[0x04, 0, 0, 10]), TpktResult::Invalid);
    assert_eq!(parse_tpkt(&[0x03, 0, 0, 3]), TpktResult::Invalid);
}

#[test]
fn block_names() {
    let b = parse_block_name(b"_0A00001P").unwrap();
    assert_eq!((b.kind, b.number, b.filesystem.as_str()), ("DB", 1, "P"));
    assert!(parse_block_name(b"_0A").is_none());
}
