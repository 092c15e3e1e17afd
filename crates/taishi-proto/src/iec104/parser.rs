//! IEC 60870-5-104: APCI framing and ASDU decoding, pure over `&[u8]`.
//!
//! Progress contract: [`parse_apdu`] returns a whole APDU and its length,
//! how many bytes it needs, or `Invalid` (no 0x68 start or a length
//! outside 4..=253): the stream is then abandoned. [`parse_asdu`] decodes
//! the objects that fit and says whether the ASDU was shorter than its
//! variable structure qualifier promised.

/// Start octet of every APDU.
pub const START: u8 = 0x68;
/// Largest APDU length field (spec: 253).
pub const MAX_LEN: u8 = 253;
/// Objects decoded per ASDU: the 7-bit count caps it at 127.
pub const MAX_OBJECTS: usize = 127;

/// The APCI control field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apci {
    /// Numbered information transfer.
    I {
        /// Send sequence number N(S).
        tx: u16,
        /// Receive sequence number N(R).
        rx: u16,
    },
    /// Numbered supervisory (acknowledgement).
    S {
        /// N(R).
        rx: u16,
    },
    /// Unnumbered control function (first octet of the control field).
    U(u8),
}

/// Result of looking at the front of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApduResult<'a> {
    /// APCI, the ASDU bytes (I-frames), and the bytes spanned.
    Apdu(Apci, &'a [u8], usize),
    /// The APDU needs this many bytes in total.
    Incomplete(usize),
    /// Not IEC-104 framing.
    Invalid,
}

/// Reads the APDU at the front of `input`.
pub fn parse_apdu(input: &[u8]) -> ApduResult<'_> {
    match input.first() {
        None => return ApduResult::Incomplete(6),
        Some(&START) => {}
        Some(_) => return ApduResult::Invalid,
    }
    let Some(&len) = input.get(1) else {
        return ApduResult::Incomplete(6);
    };
    if !(4..=MAX_LEN).contains(&len) {
        return ApduResult::Invalid;
    }
    let total = 2 + len as usize;
    let Some(apdu) = input.get(..total) else {
        return ApduResult::Incomplete(total);
    };
    let c = &apdu[2..6];
    let apci = if c[0] & 1 == 0 {
        Apci::I {
            tx: u16::from_le_bytes([c[0], c[1]]) >> 1,
            rx: u16::from_le_bytes([c[2], c[3]]) >> 1,
        }
    } else if c[0] & 3 == 1 {
        Apci::S {
            rx: u16::from_le_bytes([c[2], c[3]]) >> 1,
        }
    } else {
        Apci::U(c[0])
    };
    ApduResult::Apdu(apci, &apdu[6..], total)
}

/// U-frame function names.
pub fn u_name(c: u8) -> &'static str {
    match c {
        0x07 => "STARTDT_ACT",
        0x0b => "STARTDT_CON",
        0x13 => "STOPDT_ACT",
        0x23 => "STOPDT_CON",
        0x43 => "TESTFR_ACT",
        0x83 => "TESTFR_CON",
        _ => "UNKNOWN",
    }
}

/// Type identification: name and size of one information element (after
/// the IOA); `None` for unknown types.
pub fn type_info(t: u8) -> Option<(&'static str, usize)> {
    Some(match t {
        1 => ("M_SP_NA_1", 1),
        2 => ("M_SP_TA_1", 4),
        3 => ("M_DP_NA_1", 1),
        4 => ("M_DP_TA_1", 4),
        5 => ("M_ST_NA_1", 2),
        6 => ("M_ST_TA_1", 5),
        7 => ("M_BO_NA_1", 5),
        8 => ("M_BO_TA_1", 8),
        9 => ("M_ME_NA_1", 3),
        10 => ("M_ME_TA_1", 6),
        11 => ("M_ME_NB_1", 3),
        12 => ("M_ME_TB_1", 6),
        13 => ("M_ME_NC_1", 5),
        14 => ("M_ME_TC_1", 8),
        15 => ("M_IT_NA_1", 5),
        16 => ("M_IT_TA_1", 8),
        17 => ("M_EP_TA_1", 6),
        18 => ("M_EP_TB_1", 7),
        19 => ("M_EP_TC_1", 7),
        20 => ("M_PS_NA_1", 5),
        21 => ("M_ME_ND_1", 2),
        30 => ("M_SP_TB_1", 8),
        31 => ("M_DP_TB_1", 8),
        32 => ("M_ST_TB_1", 9),
        33 => ("M_BO_TB_1", 12),
        34 => ("M_ME_TD_1", 10),
        35 => ("M_ME_TE_1", 10),
        36 => ("M_ME_TF_1", 12),
        37 => ("M_IT_TB_1", 12),
        38 => ("M_EP_TD_1", 10),
        39 => ("M_EP_TE_1", 11),
        40 => ("M_EP_TF_1", 11),
        45 => ("C_SC_NA_1", 1),
        46 => ("C_DC_NA_1", 1),
        47 => ("C_RC_NA_1", 1),
        48 => ("C_SE_NA_1", 3),
        49 => ("C_SE_NB_1", 3),
        50 => ("C_SE_NC_1", 5),
        51 => ("C_BO_NA_1", 4),
        58 => ("C_SC_TA_1", 8),
        59 => ("C_DC_TA_1", 8),
        60 => ("C_RC_TA_1", 8),
        61 => ("C_SE_TA_1", 10),
        62 => ("C_SE_TB_1", 10),
        63 => ("C_SE_TC_1", 12),
        64 => ("C_BO_TA_1", 11),
        70 => ("M_EI_NA_1", 1),
        100 => ("C_IC_NA_1", 1),
        101 => ("C_CI_NA_1", 1),
        102 => ("C_RD_NA_1", 0),
        103 => ("C_CS_NA_1", 7),
        104 => ("C_TS_NA_1", 2),
        105 => ("C_RP_NA_1", 1),
        106 => ("C_CD_NA_1", 2),
        107 => ("C_TS_TA_1", 9),
        110 => ("P_ME_NA_1", 3),
        111 => ("P_ME_NB_1", 3),
        112 => ("P_ME_NC_1", 5),
        113 => ("P_AC_NA_1", 1),
        120 => ("F_FR_NA_1", 6),
        121 => ("F_SR_NA_1", 7),
        122 => ("F_SC_NA_1", 4),
        123 => ("F_LS_NA_1", 5),
        124 => ("F_AF_NA_1", 4),
        126 => ("F_DR_TA_1", 13),
        127 => ("F_SC_NB_1", 16),
        _ => return None,
    })
}

/// Whether a type id is a command (control or system direction): process
/// commands 45-64, system commands 100-107, parameters 110-113.
pub fn is_command(t: u8) -> bool {
    matches!(t, 45..=64 | 100..=107 | 110..=113)
}

/// Cause of transmission names.
pub fn cot_name(c: u8) -> &'static str {
    const INRO: [&str; 16] = [
        "inro1", "inro2", "inro3", "inro4", "inro5", "inro6", "inro7", "inro8", "inro9", "inro10",
        "inro11", "inro12", "inro13", "inro14", "inro15", "inro16",
    ];
    match c {
        1 => "per_cyc",
        2 => "back",
        3 => "spont",
        4 => "init",
        5 => "req",
        6 => "act",
        7 => "actcon",
        8 => "deact",
        9 => "deactcon",
        10 => "actterm",
        11 => "retrem",
        12 => "retloc",
        13 => "file",
        20 => "inrogen",
        21..=36 => INRO[(c - 21) as usize],
        37 => "reqcogen",
        38 => "reqco1",
        39 => "reqco2",
        40 => "reqco3",
        41 => "reqco4",
        44 => "unknown_type",
        45 => "unknown_cause",
        46 => "unknown_asdu_address",
        47 => "unknown_object_address",
        _ => "unknown",
    }
}

/// A decoded value of an information element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// Integer (states, counters, scaled values, qualifiers).
    Int(i64),
    /// Normalised or floating value.
    Float(f64),
}

/// One information object.
#[derive(Clone, Debug, PartialEq)]
pub struct InfoObject {
    /// Information object address.
    pub ioa: u32,
    /// Main value, when the type has one.
    pub value: Option<Value>,
    /// Quality descriptor bits (IV 0x80, NT 0x40, SB 0x20, BL 0x10, OV 0x01).
    pub quality: Option<u8>,
    /// Commands: select (1) or execute (0).
    pub select: Option<bool>,
    /// Commands: qualifier of command (QU) or the qualifier octet.
    pub qualifier: Option<u8>,
    /// CP56Time2a time tag, as `YYYY-MM-DDTHH:MM:SS.mmm`.
    pub time: Option<String>,
}

/// A decoded ASDU.
#[derive(Clone, Debug, PartialEq)]
pub struct Asdu {
    /// Type identification.
    pub type_id: u8,
    /// SQ bit: one address, consecutive elements.
    pub sq: bool,
    /// Number of elements.
    pub count: u8,
    /// Cause of transmission (6 bits).
    pub cot: u8,
    /// P/N bit: negative confirmation.
    pub negative: bool,
    /// T bit: test.
    pub test: bool,
    /// Originator address.
    pub originator: u8,
    /// Common address of the ASDU.
    pub common_address: u16,
    /// Decoded objects.
    pub objects: Vec<InfoObject>,
    /// The type id is unknown (objects not decoded).
    pub unknown_type: bool,
    /// Fewer bytes than the qualifier promised.
    pub truncated: bool,
}

/// CP56Time2a → `YYYY-MM-DDTHH:MM:SS.mmm` (years 2000-2099, as the
/// standard's 7-bit year is usually read).
pub fn cp56(b: &[u8]) -> Option<String> {
    let ms = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    let min = b.get(2)? & 0x3f;
    let hour = b.get(3)? & 0x1f;
    let day = b.get(4)? & 0x1f;
    let month = b.get(5)? & 0x0f;
    let year = b.get(6)? & 0x7f;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        2000 + year as u32,
        month,
        day,
        hour,
        min,
        ms / 1000,
        ms % 1000
    ))
}

fn element(t: u8, e: &[u8]) -> InfoObject {
    let mut o = InfoObject {
        ioa: 0,
        value: None,
        quality: None,
        select: None,
        qualifier: None,
        time: None,
    };
    let b = |i: usize| e.get(i).copied().unwrap_or(0);
    let i16v = |i: usize| i16::from_le_bytes([b(i), b(i + 1)]);
    let f32v = |i: usize| f32::from_le_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]) as f64;
    let u32v = |i: usize| u32::from_le_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
    let tail_time = |o: &mut InfoObject, at: usize| o.time = e.get(at..at + 7).and_then(cp56);
    match t {
        1 | 2 | 30 => {
            o.value = Some(Value::Int((b(0) & 1) as i64));
            o.quality = Some(b(0) & 0xf0);
        }
        3 | 4 | 31 => {
            o.value = Some(Value::Int((b(0) & 3) as i64));
            o.quality = Some(b(0) & 0xf0);
        }
        5 | 6 | 32 => {
            // VTI: 7-bit two's complement value, bit 7 transient.
            o.value = Some(Value::Int((((b(0) << 1) as i8) >> 1) as i64));
            o.quality = Some(b(1));
        }
        7 | 8 | 33 => {
            o.value = Some(Value::Int(u32v(0) as i64));
            o.quality = Some(b(4));
        }
        9 | 10 | 34 => {
            o.value = Some(Value::Float(i16v(0) as f64 / 32768.0));
            o.quality = Some(b(2));
        }
        11 | 12 | 35 => {
            o.value = Some(Value::Int(i16v(0) as i64));
            o.quality = Some(b(2));
        }
        13 | 14 | 36 => {
            o.value = Some(Value::Float(f32v(0)));
            o.quality = Some(b(4));
        }
        15 | 16 | 37 => {
            o.value = Some(Value::Int(u32v(0) as i32 as i64));
            o.quality = Some(b(4) & 0xe0);
        }
        21 => o.value = Some(Value::Float(i16v(0) as f64 / 32768.0)),
        45 | 58 => {
            o.value = Some(Value::Int((b(0) & 1) as i64));
            o.select = Some(b(0) & 0x80 != 0);
            o.qualifier = Some((b(0) >> 2) & 0x1f);
        }
        46 | 47 | 59 | 60 => {
            o.value = Some(Value::Int((b(0) & 3) as i64));
            o.select = Some(b(0) & 0x80 != 0);
            o.qualifier = Some((b(0) >> 2) & 0x1f);
        }
        48 | 61 | 110 => {
            o.value = Some(Value::Float(i16v(0) as f64 / 32768.0));
            o.select = (t != 110).then_some(b(2) & 0x80 != 0);
            o.qualifier = Some(b(2) & 0x7f);
        }
        49 | 62 | 111 => {
            o.value = Some(Value::Int(i16v(0) as i64));
            o.select = (t != 111).then_some(b(2) & 0x80 != 0);
            o.qualifier = Some(b(2) & 0x7f);
        }
        50 | 63 | 112 => {
            o.value = Some(Value::Float(f32v(0)));
            o.select = (t != 112).then_some(b(4) & 0x80 != 0);
            o.qualifier = Some(b(4) & 0x7f);
        }
        51 | 64 => o.value = Some(Value::Int(u32v(0) as i64)),
        70 | 100 | 101 | 105 | 113 => o.qualifier = Some(b(0)),
        103 => tail_time(&mut o, 0),
        _ => {}
    }
    let time_at = match t {
        2 | 4 => Some(1),
        30 | 31 | 58 | 59 | 60 => Some(1),
        32 => Some(2),
        34 | 35 | 61 | 62 => Some(3),
        33 | 36 | 37 | 63 => Some(5),
        64 => Some(4),
        107 => Some(2),
        _ => None,
    };
    if let Some(at) = time_at {
        tail_time(&mut o, at);
    }
    o
}

/// Decodes an ASDU.
pub fn parse_asdu(b: &[u8]) -> Option<Asdu> {
    let h = b.get(..6)?;
    let mut a = Asdu {
        type_id: h[0],
        sq: h[1] & 0x80 != 0,
        count: h[1] & 0x7f,
        cot: h[2] & 0x3f,
        negative: h[2] & 0x40 != 0,
        test: h[2] & 0x80 != 0,
        originator: h[3],
        common_address: u16::from_le_bytes([h[4], h[5]]),
        objects: Vec::new(),
        unknown_type: false,
        truncated: false,
    };
    let Some((_, size)) = type_info(a.type_id) else {
        a.unknown_type = true;
        return Some(a);
    };
    let body = &b[6..];
    let ioa = |at: usize| -> Option<u32> {
        let s = body.get(at..at + 3)?;
        Some(u32::from_le_bytes([s[0], s[1], s[2], 0]))
    };
    let n = (a.count as usize).min(MAX_OBJECTS);
    if a.sq {
        let Some(base) = ioa(0) else {
            a.truncated = n > 0;
            return Some(a);
        };
        for i in 0..n {
            let at = 3 + i * size;
            let Some(e) = body.get(at..at + size) else {
                a.truncated = true;
                break;
            };
            let mut o = element(a.type_id, e);
            o.ioa = base.wrapping_add(i as u32) & 0xff_ffff;
            a.objects.push(o);
        }
    } else {
        for i in 0..n {
            let at = i * (3 + size);
            let (Some(addr), Some(e)) = (ioa(at), body.get(at + 3..at + 3 + size)) else {
                a.truncated = true;
                break;
            };
            let mut o = element(a.type_id, e);
            o.ioa = addr;
            a.objects.push(o);
        }
    }
    Some(a)
}

/// Whether the first bytes of a direction are IEC-104: 0x68, a length in
/// 4..=253 and a plausible control field (a known U function, an S-frame
/// with zero padding, or an I-frame carrying a known type id).
pub fn looks_like_iec104(data: &[u8]) -> Option<bool> {
    match data.first() {
        None => return None,
        Some(&START) => {}
        Some(_) => return Some(false),
    }
    let &len = data.get(1)?;
    if !(4..=MAX_LEN).contains(&len) {
        return Some(false);
    }
    let c = data.get(2..6)?;
    Some(if c[0] & 1 == 0 {
        if len < 4 + 6 {
            false
        } else {
            match data.get(6) {
                Some(&t) => type_info(t).is_some(),
                None => return None,
            }
        }
    } else if c[0] & 3 == 1 {
        c[0] == 1 && c[1] == 0 && len == 4
    } else {
        len == 4 && u_name(c[0]) != "UNKNOWN" && c[1] == 0 && c[2] == 0 && c[3] == 0
    })
}
