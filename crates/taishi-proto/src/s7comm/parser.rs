//! TPKT (RFC 1006) / COTP (ISO 8073) / S7comm and S7comm-plus: pure
//! functions over `&[u8]`.
//!
//! Progress contract: [`parse_tpkt`] returns a whole TPKT packet with its
//! length, how many bytes it needs, or `Invalid` (not version 3 or a
//! length below 7): the stream is then abandoned. [`parse_cotp`] and
//! [`parse_s7`] never fail on short data: they decode what is there and
//! say what was missing through `truncated`.

/// TPKT header length.
pub const TPKT_LEN: usize = 4;

/// Result of looking at the front of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TpktResult<'a> {
    /// A whole TPKT payload (COTP and above) and the bytes it spans.
    Packet(&'a [u8], usize),
    /// The packet needs this many bytes in total.
    Incomplete(usize),
    /// Not TPKT version 3 with a sane length.
    Invalid,
}

/// Reads the TPKT packet at the front of `input`.
pub fn parse_tpkt(input: &[u8]) -> TpktResult<'_> {
    let Some(h) = input.get(..TPKT_LEN) else {
        if input.first().is_some_and(|&v| v != 3) {
            return TpktResult::Invalid;
        }
        return TpktResult::Incomplete(TPKT_LEN);
    };
    if h[0] != 3 || h[1] != 0 {
        return TpktResult::Invalid;
    }
    let len = u16::from_be_bytes([h[2], h[3]]) as usize;
    if len < 7 {
        return TpktResult::Invalid;
    }
    match input.get(TPKT_LEN..len) {
        Some(p) => TpktResult::Packet(p, len),
        None => TpktResult::Incomplete(len),
    }
}

/// A COTP TPDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cotp<'a> {
    /// TPDU code (high nibble of the second octet): 0xE CR, 0xD CC, 0xF DT, 0x8 DR.
    pub kind: u8,
    /// Data after the COTP header (DT only).
    pub payload: &'a [u8],
    /// DT: last data unit (EOT).
    pub eot: bool,
    /// CR/CC: source and destination TSAPs when present.
    pub src_tsap: Option<u16>,
    /// Destination TSAP.
    pub dst_tsap: Option<u16>,
}

/// COTP connection request.
pub const COTP_CR: u8 = 0xe;
/// COTP connection confirm.
pub const COTP_CC: u8 = 0xd;
/// COTP data.
pub const COTP_DT: u8 = 0xf;

/// Decodes the COTP header of a TPKT payload.
pub fn parse_cotp(p: &[u8]) -> Option<Cotp<'_>> {
    let li = *p.first()? as usize;
    let kind = p.get(1)? >> 4;
    let header = p.get(1..1 + li)?;
    let payload = p.get(1 + li..).unwrap_or_default();
    let mut c = Cotp {
        kind,
        payload,
        eot: false,
        src_tsap: None,
        dst_tsap: None,
    };
    match kind {
        COTP_DT => c.eot = header.get(1).is_some_and(|b| b & 0x80 != 0),
        COTP_CR | COTP_CC => {
            // Fixed part: code, dst ref (2), src ref (2), class: 6 octets.
            let mut params = header.get(6..).unwrap_or_default();
            while let [code, len, rest @ ..] = params {
                let len = *len as usize;
                let Some(v) = rest.get(..len) else { break };
                let tsap = (len == 2).then(|| u16::from_be_bytes([v[0], v[1]]));
                match code {
                    0xc1 => c.src_tsap = tsap,
                    0xc2 => c.dst_tsap = tsap,
                    _ => {}
                }
                params = &rest[len..];
            }
        }
        _ => {}
    }
    Some(c)
}

/// ROSCTR names.
pub fn rosctr_name(r: u8) -> &'static str {
    match r {
        1 => "job",
        2 => "ack",
        3 => "ack_data",
        7 => "userdata",
        _ => "unknown",
    }
}

/// Parameter function names of job/ack_data PDUs.
pub fn function_name(f: u8) -> &'static str {
    match f {
        0x00 => "cpu_services",
        0xf0 => "setup_communication",
        0x04 => "read_var",
        0x05 => "write_var",
        0x1a => "request_download",
        0x1b => "download_block",
        0x1c => "download_ended",
        0x1d => "start_upload",
        0x1e => "upload",
        0x1f => "end_upload",
        0x28 => "plc_control",
        0x29 => "plc_stop",
        _ => "unknown",
    }
}

/// Memory area names of variable items.
pub fn area_name(a: u8) -> &'static str {
    match a {
        0x03 => "system_info",
        0x05 => "system_flags",
        0x06 => "analog_inputs",
        0x07 => "analog_outputs",
        0x1c => "counter",
        0x1d => "timer",
        0x1e => "iec_counter",
        0x1f => "iec_timer",
        0x80 => "peripheral",
        0x81 => "inputs",
        0x82 => "outputs",
        0x83 => "flags",
        0x84 => "db",
        0x85 => "di",
        0x86 => "local",
        0x87 => "previous_local",
        _ => "unknown",
    }
}

/// Block type names from the two ASCII characters of a block filename.
pub fn block_type_name(t: &[u8]) -> &'static str {
    match t {
        b"08" => "OB",
        b"09" => "CMOD",
        b"0A" => "DB",
        b"0B" => "SDB",
        b"0C" => "FC",
        b"0D" => "SFC",
        b"0E" => "FB",
        b"0F" => "SFB",
        _ => "unknown",
    }
}

/// Userdata function group names.
pub fn group_name(g: u8) -> &'static str {
    match g {
        0 => "mode_transition",
        1 => "programmer_commands",
        2 => "cyclic_data",
        3 => "block_functions",
        4 => "cpu_functions",
        5 => "security",
        6 => "pbc",
        7 => "time_functions",
        0xf => "ncprg",
        _ => "unknown",
    }
}

/// Userdata sub-function names for the groups rules and analysts ask about.
pub fn subfunction_name(group: u8, sub: u8) -> &'static str {
    match (group, sub) {
        (3, 1) => "list_blocks",
        (3, 2) => "list_blocks_of_type",
        (3, 3) => "get_block_info",
        (4, 1) => "read_szl",
        (4, 2) => "message_service",
        (4, 3) => "diagnostic_message",
        (4, 0x13) => "alarm_init",
        (5, 1) => "plc_password",
        (5, 2) => "clear_password",
        (7, 1) => "read_clock",
        (7, 2) => "set_clock",
        (7, 3) => "read_clock_following",
        (7, 4) => "set_clock_2",
        (2, 1) => "cyclic_memory",
        (2, 4) => "unsubscribe",
        (1, 1) => "request_diag_data",
        (1, 2) => "variable_table",
        _ => "unknown",
    }
}

/// One variable item of a read/write var request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// Syntax id (0x10: S7ANY, 0xb0: DBREAD, 0xa2: DRIVEESANY, ...).
    pub syntax_id: u8,
    /// Transport size (S7ANY) or 0.
    pub transport_size: u8,
    /// Number of elements.
    pub length: u16,
    /// Data block number.
    pub db_number: u16,
    /// Memory area.
    pub area: u8,
    /// Byte address.
    pub address: u32,
    /// Bit within the byte.
    pub bit: u8,
}

/// A block named in a download/upload or delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// Type name (OB, DB, FC, ...).
    pub kind: &'static str,
    /// Number.
    pub number: u32,
    /// Destination filesystem (P passive, A active, B both).
    pub filesystem: String,
}

/// Userdata parameter and, for SZL reads, the SZL id and index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Userdata {
    /// Method (0x11 request, 0x12 response).
    pub method: u8,
    /// Type nibble (4 request, 8 response, 0 push).
    pub kind: u8,
    /// Function group.
    pub group: u8,
    /// Sub-function.
    pub subfunction: u8,
    /// Sequence number.
    pub sequence: u8,
    /// Error code of a response parameter.
    pub error: Option<u16>,
    /// SZL id of a read-SZL.
    pub szl_id: Option<u16>,
    /// SZL index of a read-SZL.
    pub szl_index: Option<u16>,
}

/// One decoded S7comm PDU.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pdu {
    /// ROSCTR.
    pub rosctr: u8,
    /// PDU reference (pairs a job with its ack).
    pub pdu_ref: u16,
    /// Error class and code of ack/ack_data headers.
    pub error: Option<(u8, u8)>,
    /// Parameter function (job/ack_data).
    pub function: Option<u8>,
    /// Variable items (read/write var requests).
    pub items: Vec<Item>,
    /// Item count of read/write var.
    pub item_count: Option<u8>,
    /// Return codes of read/write var responses.
    pub return_codes: Vec<u8>,
    /// Setup communication: max AMQ calling, called, PDU length.
    pub setup: Option<(u16, u16, u16)>,
    /// Block of a download/upload/delete.
    pub block: Option<Block>,
    /// PI service name of PLC control/stop (`_INSE`, `_DELE`, `P_PROGRAM`, ...).
    pub pi_service: Option<String>,
    /// PI parameters (e.g. block names of `_INSE`/`_DELE`).
    pub pi_params: Option<String>,
    /// Userdata parameter.
    pub userdata: Option<Userdata>,
    /// The PDU ended before its declared lengths.
    pub truncated: bool,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn printable(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_graphic() || c == b' ' {
                c as char
            } else {
                '.'
            }
        })
        .collect()
}

/// Parses a block filename: `_` `0A` `00001` `P` (type, number, filesystem).
pub fn parse_block_name(name: &[u8]) -> Option<Block> {
    if name.len() < 9 {
        return None;
    }
    let number = std::str::from_utf8(name.get(3..8)?).ok()?.parse().ok()?;
    Some(Block {
        kind: block_type_name(name.get(1..3)?),
        number,
        filesystem: printable(name.get(8..9)?),
    })
}

/// Decodes an S7comm PDU (starting at 0x32).
pub fn parse_s7(b: &[u8]) -> Option<Pdu> {
    if *b.first()? != 0x32 {
        return None;
    }
    let mut p = Pdu {
        rosctr: *b.get(1)?,
        pdu_ref: be16(b, 4)?,
        ..Default::default()
    };
    let plen = be16(b, 6)? as usize;
    let dlen = be16(b, 8)? as usize;
    let hlen = if matches!(p.rosctr, 2 | 3) {
        p.error = Some((*b.get(10)?, *b.get(11)?));
        12
    } else {
        10
    };
    let param_end = hlen + plen;
    let param = b.get(hlen..param_end.min(b.len())).unwrap_or_default();
    let data = b
        .get(param_end.min(b.len())..(param_end + dlen).min(b.len()))
        .unwrap_or_default();
    p.truncated = b.len() < param_end + dlen;
    if p.rosctr == 7 {
        parse_userdata(&mut p, param, data);
        return Some(p);
    }
    let Some(&func) = param.first() else {
        return Some(p);
    };
    p.function = Some(func);
    match func {
        0xf0 => {
            if let (Some(a), Some(c), Some(l)) = (be16(param, 2), be16(param, 4), be16(param, 6)) {
                p.setup = Some((a, c, l));
            }
        }
        0x04 | 0x05 => {
            p.item_count = param.get(1).copied();
            if p.rosctr == 1 {
                let mut rest = param.get(2..).unwrap_or_default();
                while let [0x12, len, ..] = rest {
                    let len = *len as usize;
                    let Some(spec) = rest.get(2..2 + len) else {
                        p.truncated = true;
                        break;
                    };
                    if spec.len() >= 10 && spec[0] == 0x10 {
                        let addr = u32::from_be_bytes([0, spec[7], spec[8], spec[9]]);
                        p.items.push(Item {
                            syntax_id: spec[0],
                            transport_size: spec[1],
                            length: u16::from_be_bytes([spec[2], spec[3]]),
                            db_number: u16::from_be_bytes([spec[4], spec[5]]),
                            area: spec[6],
                            address: addr >> 3,
                            bit: (addr & 7) as u8,
                        });
                    } else if let Some(&syntax_id) = spec.first() {
                        p.items.push(Item {
                            syntax_id,
                            ..Default::default()
                        });
                    }
                    rest = &rest[2 + len..];
                }
            } else {
                // ack_data: one return code per item in the data part.
                let mut d = data;
                let n = p.item_count.unwrap_or(0);
                for i in 0..n {
                    let Some(&rc) = d.first() else { break };
                    p.return_codes.push(rc);
                    if func == 0x05 {
                        d = d.get(1..).unwrap_or_default();
                        continue;
                    }
                    let (Some(ts), Some(len)) = (d.get(1), be16(d, 2)) else {
                        break;
                    };
                    // Lengths are in bits for sizes 3, 4, 5 (bit, byte/word/dword, integer).
                    let mut bytes = if matches!(ts, 3..=5) {
                        (len as usize).div_ceil(8)
                    } else {
                        len as usize
                    };
                    if bytes % 2 == 1 && i + 1 < n {
                        bytes += 1;
                    }
                    d = d.get(4 + bytes..).unwrap_or_default();
                }
            }
        }
        0x1a | 0x1d if p.rosctr == 1 => {
            // func, status, 2 unknown, 4 (upload id / unknown), name length, name.
            let n = *param.get(8).unwrap_or(&0) as usize;
            if let Some(name) = param.get(9..9 + n) {
                p.block = parse_block_name(name);
            }
        }
        0x1b | 0x1c if p.rosctr == 1 => {
            let n = *param.get(8).unwrap_or(&0) as usize;
            if let Some(name) = param.get(9..9 + n) {
                p.block = parse_block_name(name);
            }
        }
        0x28 if p.rosctr == 1 => {
            // 7 unknown octets, parameter block length, block, name length, name.
            let blen = be16(param, 8).unwrap_or(0) as usize;
            let block = param.get(10..10 + blen).unwrap_or_default();
            let at = 10 + blen;
            let n = *param.get(at).unwrap_or(&0) as usize;
            if let Some(name) = param.get(at + 1..at + 1 + n) {
                p.pi_service = Some(printable(name));
            }
            if !block.is_empty() {
                // _INSE/_DELE: a count octet pair then 8-octet block names
                // ("0A00001P" without the leading underscore).
                let names = block.get(2..).unwrap_or_default();
                if let Some(first) = names.get(..8) {
                    let mut full = vec![b'_'];
                    full.extend_from_slice(first);
                    p.block = parse_block_name(&full);
                }
                p.pi_params = Some(printable(block));
            }
        }
        0x29 if p.rosctr == 1 => {
            let n = *param.get(6).unwrap_or(&0) as usize;
            if let Some(name) = param.get(7..7 + n) {
                p.pi_service = Some(printable(name));
            }
        }
        _ => {}
    }
    Some(p)
}

fn parse_userdata(p: &mut Pdu, param: &[u8], data: &[u8]) {
    // 00 01 12, parameter length, method, type|group, sub-function, sequence.
    let (Some(&method), Some(&tg), Some(&sub), Some(&seq)) =
        (param.get(4), param.get(5), param.get(6), param.get(7))
    else {
        p.truncated = true;
        return;
    };
    let mut u = Userdata {
        method,
        kind: tg >> 4,
        group: tg & 0x0f,
        subfunction: sub,
        sequence: seq,
        error: None,
        szl_id: None,
        szl_index: None,
    };
    if param.get(3).is_some_and(|&l| l >= 8) {
        u.error = be16(param, 10);
    }
    if u.group == 4 && sub == 1 {
        // Data: return code, transport size, length, SZL id, SZL index.
        u.szl_id = be16(data, 4);
        u.szl_index = be16(data, 6);
    }
    p.userdata = Some(u);
}

/// An S7comm-plus PDU header (protocol id 0x72).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlusPdu {
    /// Protocol version (1, 2, 3; 0xfe keep-alive).
    pub version: u8,
    /// Opcode (0x31 request, 0x32 response, 0x33 notification).
    pub opcode: Option<u8>,
    /// Function code of requests and responses.
    pub function: Option<u16>,
    /// Sequence number.
    pub sequence: Option<u16>,
}

/// Decodes the header of an S7comm-plus PDU (starting at 0x72).
pub fn parse_plus(b: &[u8]) -> Option<PlusPdu> {
    if *b.first()? != 0x72 {
        return None;
    }
    let mut p = PlusPdu {
        version: *b.get(1)?,
        ..Default::default()
    };
    // Version 3 inserts a 32-octet integrity part before the data.
    let at = if p.version == 3 { 4 + 33 } else { 4 };
    p.opcode = b.get(at).copied();
    if matches!(p.opcode, Some(0x31 | 0x32)) {
        p.function = be16(b, at + 3);
        p.sequence = be16(b, at + 5);
    }
    Some(p)
}

/// S7comm-plus opcode names.
pub fn plus_opcode_name(op: u8) -> &'static str {
    match op {
        0x31 => "request",
        0x32 => "response",
        0x33 => "notification",
        0x02 => "response2",
        _ => "unknown",
    }
}

/// S7comm-plus function names.
pub fn plus_function_name(f: u16) -> &'static str {
    match f {
        0x04bb => "explore",
        0x04ca => "create_object",
        0x04d4 => "delete_object",
        0x04f2 => "set_variable",
        0x04fc => "get_variable",
        0x0524 => "get_link",
        0x0542 => "set_multi_variables",
        0x054c => "get_multi_variables",
        0x0556 => "begin_sequence",
        0x0560 => "end_sequence",
        0x056b => "invoke",
        0x0586 => "get_var_substreamed",
        _ => "unknown",
    }
}

/// Whether the first bytes of a direction are S7comm: TPKT version 3 with
/// a COTP connection request/confirm carrying a TSAP, or COTP data
/// carrying protocol id 0x32 or 0x72. RDP also starts with TPKT + COTP CR,
/// but without TSAP parameters.
pub fn looks_like_s7(data: &[u8]) -> Option<bool> {
    let TpktResult::Packet(p, _) = parse_tpkt(data) else {
        return match parse_tpkt(data) {
            TpktResult::Invalid => Some(false),
            _ => {
                if data.len() >= 6 {
                    let kind = data[5] >> 4;
                    if !matches!(kind, COTP_CR | COTP_CC | COTP_DT) {
                        return Some(false);
                    }
                }
                None
            }
        };
    };
    let c = parse_cotp(p)?;
    Some(match c.kind {
        COTP_CR | COTP_CC => c.src_tsap.is_some() || c.dst_tsap.is_some(),
        COTP_DT => matches!(c.payload.first(), Some(0x32 | 0x72)),
        _ => false,
    })
}
