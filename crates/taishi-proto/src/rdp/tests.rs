//! Annotated-bytes tests of the RDP connection start.

use super::parser::{self, Negotiation, Tpkt};

/// TPKT + X.224 CR with a cookie and an RDP_NEG_REQ (SSL | HYBRID).
const REQUEST: &[u8] = b"\x03\x00\x00\x2b\
\x26\xe0\x00\x00\x00\x00\x00\
Cookie: mstshash=admin\r\n\
\x01\x00\x08\x00\x03\x00\x00\x00";

/// TPKT + X.224 CC with RDP_NEG_RSP selecting HYBRID.
const CONFIRM: &[u8] =
    b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00";

/// TPKT + X.224 CC with RDP_NEG_FAILURE code 5 (hybrid required).
const FAILURE: &[u8] =
    b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x03\x00\x08\x00\x05\x00\x00\x00";

#[test]
fn request_with_cookie_and_negotiation() {
    let Tpkt::Ok(tpdu, n) = parser::tpkt(REQUEST) else {
        panic!("tpkt");
    };
    assert_eq!(n, REQUEST.len());
    let x = parser::x224(tpdu).unwrap();
    assert!(x.request);
    assert_eq!(x.cookie, Some(&b"admin"[..]));
    assert_eq!(
        x.negotiation,
        Some(Negotiation::Request {
            flags: 0,
            protocols: 3
        })
    );
}

#[test]
fn confirm_and_failure() {
    let Tpkt::Ok(tpdu, _) = parser::tpkt(CONFIRM) else {
        panic!("tpkt");
    };
    let x = parser::x224(tpdu).unwrap();
    assert_eq!(
        x.negotiation,
        Some(Negotiation::Response {
            flags: 0x1f,
            protocol: 2
        })
    );
    let Tpkt::Ok(tpdu, _) = parser::tpkt(FAILURE) else {
        panic!("tpkt");
    };
    assert_eq!(
        parser::x224(tpdu).unwrap().negotiation,
        Some(Negotiation::Failure(5))
    );
    assert_eq!(parser::failure_reason(5), "hybrid required by server");
}

#[test]
fn every_truncation_needs_more_never_panics() {
    for cut in 0..REQUEST.len() {
        assert_eq!(parser::probe(&REQUEST[..cut], true), None, "cut {cut}");
    }
    assert_eq!(parser::probe(REQUEST, true), Some(true));
    assert_eq!(parser::probe(CONFIRM, false), Some(true));
    assert_eq!(parser::probe(REQUEST, false), Some(false));
}

#[test]
fn cotp_without_rdp_is_refused() {
    // S7comm's COTP CR: TSAP parameters, no cookie, no negotiation.
    let s7 =
        b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x02\xc0\x01\x0a";
    assert_eq!(parser::probe(s7, true), Some(false));
    assert_eq!(parser::probe(b"GET / HTTP/1.1\r\n", true), Some(false));
    // Malformed lengths.
    assert_eq!(parser::tpkt(b"\x03\x00\x00\x02"), Tpkt::Invalid);
    assert_eq!(parser::x224(b"\x01\xe0"), None);
}
