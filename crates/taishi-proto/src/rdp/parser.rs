//! Pure parsing of TPKT (RFC 1006), X.224 connection request/confirm
//! (ISO 8073) and the RDP negotiation structures (MS-RDPBCGR 2.2.1.1-2).
//!
//! Progress contract: [`tpkt`] returns `Incomplete(n)` with the total
//! length needed, or the message and its length; the others take one whole
//! X.224 message and never need more.

/// A TPKT-framed message.
#[derive(Debug, PartialEq, Eq)]
pub enum Tpkt<'a> {
    /// Need this many bytes in all.
    Incomplete(usize),
    /// Not TPKT (bad version or length).
    Invalid,
    /// The X.224 TPDU and the total bytes consumed.
    Ok(&'a [u8], usize),
}

/// Splits one TPKT message off `data`.
pub fn tpkt(data: &[u8]) -> Tpkt<'_> {
    if data.len() < 4 {
        if data.first().is_some_and(|&v| v != 3) || data.get(1).is_some_and(|&v| v != 0) {
            return Tpkt::Invalid;
        }
        return Tpkt::Incomplete(4);
    }
    if data[0] != 3 || data[1] != 0 {
        return Tpkt::Invalid;
    }
    let len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    if len < 7 {
        return Tpkt::Invalid;
    }
    match data.get(4..len) {
        Some(tpdu) => Tpkt::Ok(tpdu, len),
        None => Tpkt::Incomplete(len),
    }
}

/// RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negotiation {
    /// Client request: flags and requested protocols bitmask.
    Request {
        /// Flags.
        flags: u8,
        /// `PROTOCOL_*` bits.
        protocols: u32,
    },
    /// Server response: flags and the selected protocol.
    Response {
        /// Flags.
        flags: u8,
        /// Selected `PROTOCOL_*` value.
        protocol: u32,
    },
    /// Server failure code.
    Failure(u32),
}

/// An X.224 Connection Request or Confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct X224<'a> {
    /// Connection Request (client) rather than Confirm (server).
    pub request: bool,
    /// `mstshash` value of the cookie, if any.
    pub cookie: Option<&'a [u8]>,
    /// Negotiation structure, if any.
    pub negotiation: Option<Negotiation>,
}

/// Parses an X.224 CR (`0xE0`) or CC (`0xD0`) TPDU; `None` for any other
/// TPDU or a malformed one.
pub fn x224(tpdu: &[u8]) -> Option<X224<'_>> {
    let li = usize::from(*tpdu.first()?);
    let code = *tpdu.get(1)? & 0xF0;
    let request = match code {
        0xE0 => true,
        0xD0 => false,
        _ => return None,
    };
    if li < 6 {
        return None;
    }
    let mut rest = tpdu.get(7..=li)?;
    let mut cookie = None;
    if request && rest.starts_with(b"Cookie:") {
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = &rest[..end];
        rest = &rest[end + 2..];
        let v = &line[7..];
        let v = v.strip_prefix(b" ").unwrap_or(v);
        cookie = Some(v.strip_prefix(b"mstshash=").unwrap_or(v));
    }
    let mut negotiation = None;
    if rest.len() >= 8 {
        let kind = rest[0];
        let flags = rest[1];
        let len = u16::from_le_bytes([rest[2], rest[3]]);
        let val = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len == 8 {
            negotiation = match (kind, request) {
                (1, true) => Some(Negotiation::Request {
                    flags,
                    protocols: val,
                }),
                (2, false) => Some(Negotiation::Response {
                    flags,
                    protocol: val,
                }),
                (3, false) => Some(Negotiation::Failure(val)),
                _ => None,
            };
        }
    }
    Some(X224 {
        request,
        cookie,
        negotiation,
    })
}

/// Probe: `Some(true)` for a TPKT X.224 Connection Request carrying an RDP
/// cookie or negotiation request (client) or a Confirm carrying an RDP
/// negotiation response (server); `None` when more bytes are needed. COTP
/// requests of other protocols (S7comm's TSAP parameters) are refused.
pub fn probe(data: &[u8], to_server: bool) -> Option<bool> {
    match tpkt(data) {
        Tpkt::Invalid => Some(false),
        Tpkt::Incomplete(n) if n > super::MAX_TPKT => Some(false),
        Tpkt::Incomplete(_) => {
            // Refuse early on the TPDU code when it is already visible.
            match data.get(5) {
                Some(&c) if c & 0xF0 != if to_server { 0xE0 } else { 0xD0 } => Some(false),
                _ => None,
            }
        }
        Tpkt::Ok(tpdu, _) => {
            let Some(x) = x224(tpdu) else {
                return Some(false);
            };
            if x.request != to_server {
                return Some(false);
            }
            Some(x.cookie.is_some() || x.negotiation.is_some())
        }
    }
}

/// Name of one `PROTOCOL_*` value as Suricata logs it.
pub fn protocol_name(p: u32) -> &'static str {
    match p {
        0 => "rdp",
        1 => "ssl",
        2 => "hybrid",
        4 => "rds_tls",
        8 => "hybrid_ex",
        0x10 => "rdsaad",
        _ => "unknown",
    }
}

/// Failure code text as Suricata logs it.
pub fn failure_reason(code: u32) -> &'static str {
    match code {
        1 => "ssl required by server",
        2 => "ssl not allowed by server",
        3 => "ssl cert not on server",
        4 => "inconsistent flags",
        5 => "hybrid required by server",
        6 => "ssl with user auth required by server",
        _ => "unknown",
    }
}
