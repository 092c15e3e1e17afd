//! Modbus/TCP framing and PDU decoding: pure functions over `&[u8]`.
//!
//! Progress contract: [`parse_frame`] looks at the front of a stream and
//! returns a whole ADU with the number of bytes it spans, or how many bytes
//! the frame needs in total, or `Invalid` when the MBAP length cannot be
//! Modbus (the stream is then abandoned, as Suricata does). [`Message::decode`]
//! never fails: a PDU that does not fit its function's layout keeps what it
//! could read and sets [`ErrorFlags`], which become anomaly events.
//!
//! Names (function codes, access types, categories, error flags) are those
//! of sawp-modbus, the parser Suricata uses, so EVE strings match.

/// MBAP header: transaction id, protocol id, length, unit id.
pub const MBAP_LEN: usize = 7;
/// Smallest MBAP length: unit id and function code.
pub const MIN_LENGTH: u16 = 2;
/// Largest MBAP length: unit id plus the 253-byte PDU of the spec (260-byte ADU).
pub const MAX_LENGTH: u16 = 254;
/// Largest quantity of bits in one read (spec §6.1).
pub const MAX_QUANTITY_BIT_ACCESS: u16 = 2000;
/// Largest quantity of registers in one read (spec §6.3).
pub const MAX_QUANTITY_WORD_ACCESS: u16 = 125;

/// One Modbus/TCP ADU, borrowed from the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// MBAP transaction identifier.
    pub transaction_id: u16,
    /// MBAP protocol identifier (0 for Modbus).
    pub protocol_id: u16,
    /// MBAP length (unit id + PDU).
    pub length: u16,
    /// Unit identifier.
    pub unit_id: u8,
    /// Function code byte (bit 7 set in exception responses).
    pub function: u8,
    /// The PDU after the function code.
    pub data: &'a [u8],
}

/// Result of looking at the front of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameResult<'a> {
    /// A whole ADU spanning this many bytes.
    Frame(Frame<'a>, usize),
    /// The ADU needs this many bytes in total.
    Incomplete(usize),
    /// The MBAP length is outside 2..=254: not Modbus.
    Invalid,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Reads the ADU at the front of `input`.
pub fn parse_frame(input: &[u8]) -> FrameResult<'_> {
    let (Some(tid), Some(pid), Some(length)) = (be16(input, 0), be16(input, 2), be16(input, 4))
    else {
        return FrameResult::Incomplete(MBAP_LEN + 1);
    };
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return FrameResult::Invalid;
    }
    let total = 6 + length as usize;
    let Some(adu) = input.get(..total) else {
        return FrameResult::Incomplete(total);
    };
    FrameResult::Frame(
        Frame {
            transaction_id: tid,
            protocol_id: pid,
            length,
            unit_id: adu[6],
            function: adu[7],
            data: &adu[8..],
        },
        total,
    )
}

/// Function code names (sawp-modbus `FunctionCode`).
pub fn function_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "RdCoils",
        2 => "RdDiscreteInputs",
        3 => "RdHoldRegs",
        4 => "RdInputRegs",
        5 => "WrSingleCoil",
        6 => "WrSingleReg",
        7 => "RdExcStatus",
        8 => "Diagnostic",
        9 => "Program484",
        10 => "Poll484",
        11 => "GetCommEventCtr",
        12 => "GetCommEventLog",
        13 => "ProgramController",
        14 => "PollController",
        15 => "WrMultCoils",
        16 => "WrMultRegs",
        17 => "ReportServerID",
        18 => "Program884",
        19 => "ResetCommLink",
        20 => "RdFileRec",
        21 => "WrFileRec",
        22 => "MaskWrReg",
        23 => "RdWrMultRegs",
        24 => "RdFIFOQueue",
        43 => "MEI",
        _ => return None,
    })
}

/// Access type bits (sawp-modbus `AccessType`).
pub mod access {
    /// Reads data.
    pub const READ: u8 = 0b0000_0001;
    /// Writes data.
    pub const WRITE: u8 = 0b0000_0010;
    /// Discrete inputs.
    pub const DISCRETES: u8 = 0b0000_0100;
    /// Coils.
    pub const COILS: u8 = 0b0000_1000;
    /// Input registers.
    pub const INPUT: u8 = 0b0001_0000;
    /// Holding registers.
    pub const HOLDING: u8 = 0b0010_0000;
    /// One item.
    pub const SINGLE: u8 = 0b0100_0000;
    /// Several items.
    pub const MULTIPLE: u8 = 0b1000_0000;
    /// Names in declaration order, composites last, as bitflags prints them.
    pub const NAMES: [(&str, u8); 12] = [
        ("READ", READ),
        ("WRITE", WRITE),
        ("DISCRETES", DISCRETES),
        ("COILS", COILS),
        ("INPUT", INPUT),
        ("HOLDING", HOLDING),
        ("SINGLE", SINGLE),
        ("MULTIPLE", MULTIPLE),
        ("BIT_ACCESS_MASK", DISCRETES | COILS),
        ("FUNC_MASK", DISCRETES | COILS | INPUT | HOLDING),
        ("WRITE_SINGLE", WRITE | SINGLE),
        ("WRITE_MULTIPLE", WRITE | MULTIPLE),
    ];
}

/// Access type of a function code.
pub fn access_of(code: u8) -> u8 {
    use access::*;
    match code {
        1 => COILS | READ,
        2 => DISCRETES | READ,
        3 => HOLDING | READ,
        4 => INPUT | READ,
        5 => COILS | WRITE | SINGLE,
        6 => HOLDING | WRITE | SINGLE,
        15 => COILS | WRITE | MULTIPLE,
        16 => HOLDING | WRITE | MULTIPLE,
        22 => HOLDING | WRITE,
        23 => HOLDING | READ | WRITE | MULTIPLE,
        _ => 0,
    }
}

/// Function code categories (sawp-modbus `CodeCategory`).
pub mod category {
    /// No category (code 0, or an exception's raw code).
    pub const NONE: u8 = 0;
    /// Defined by the public specification.
    pub const PUBLIC_ASSIGNED: u8 = 1;
    /// Public range, not assigned.
    pub const PUBLIC_UNASSIGNED: u8 = 2;
    /// User-defined ranges 65-72 and 100-110.
    pub const USER_DEFINED: u8 = 4;
    /// Reserved for legacy products.
    pub const RESERVED: u8 = 8;
    /// Names for printing.
    pub const NAMES: [(&str, u8); 4] = [
        ("PUBLIC_ASSIGNED", PUBLIC_ASSIGNED),
        ("PUBLIC_UNASSIGNED", PUBLIC_UNASSIGNED),
        ("USER_DEFINED", USER_DEFINED),
        ("RESERVED", RESERVED),
    ];
}

/// Category of a raw code with no assigned name.
pub fn category_of_raw(raw: u8) -> u8 {
    use category::*;
    match raw {
        0 => NONE,
        x if x < 9 => PUBLIC_UNASSIGNED,
        x if x < 15 => RESERVED,
        x if x < 41 => PUBLIC_UNASSIGNED,
        x if x < 43 => RESERVED,
        x if x < 65 => PUBLIC_UNASSIGNED,
        x if x < 73 => USER_DEFINED,
        x if x < 90 => PUBLIC_UNASSIGNED,
        x if x < 92 => RESERVED,
        x if x < 100 => PUBLIC_UNASSIGNED,
        x if x < 111 => USER_DEFINED,
        x if x < 125 => PUBLIC_UNASSIGNED,
        x if x < 128 => RESERVED,
        _ => NONE,
    }
}

/// Malformation flags (sawp-modbus `ErrorFlags`).
pub mod flags {
    /// A value is out of range.
    pub const DATA_VALUE: u8 = 0b0000_0001;
    /// A length or count does not fit.
    pub const DATA_LENGTH: u8 = 0b0000_0010;
    /// The exception code is unknown or impossible for the function.
    pub const EXC_CODE: u8 = 0b0000_0100;
    /// The function code is not valid.
    pub const FUNC_CODE: u8 = 0b0000_1000;
    /// The MBAP protocol id is not 0.
    pub const PROTO_ID: u8 = 0b0001_0000;
    /// Names for printing.
    pub const NAMES: [(&str, u8); 5] = [
        ("DATA_VALUE", DATA_VALUE),
        ("DATA_LENGTH", DATA_LENGTH),
        ("EXC_CODE", EXC_CODE),
        ("FUNC_CODE", FUNC_CODE),
        ("PROTO_ID", PROTO_ID),
    ];
}

/// Prints a flag set as bitflags' `Debug` does: `A | B`, or `NONE`.
pub fn flag_names(value: u8, names: &[(&str, u8)]) -> String {
    let mut out = String::new();
    for (name, bits) in names {
        if *bits != 0 && value & bits == *bits {
            if !out.is_empty() {
                out.push_str(" | ");
            }
            out.push_str(name);
        }
    }
    if out.is_empty() {
        out.push_str("NONE");
    }
    out
}

/// Diagnostic sub-function names (sawp-modbus `DiagnosticSubfunction`).
pub fn diagnostic_name(sub: u16) -> &'static str {
    match sub {
        0x00 => "RetQueryData",
        0x01 => "RestartCommOpt",
        0x02 => "RetDiagReg",
        0x03 => "ChangeInputDelimiter",
        0x04 => "ForceListenOnlyMode",
        0x0a => "ClearCtrDiagReg",
        0x0b => "RetBusMsgCount",
        0x0c => "RetBusCommErrCount",
        0x0d => "RetBusExcErrCount",
        0x0e => "RetServerMsgCount",
        0x0f => "RetServerNoRespCount",
        0x10 => "RetServerNAKCount",
        0x11 => "RetServerBusyCount",
        0x12 => "RetBusCharOverrunCount",
        0x13 => "RetOverrunErrCount",
        0x14 => "ClearOverrunCounterFlag",
        0x15 => "GetClearPlusStats",
        _ => "Reserved",
    }
}

/// MEI type names (sawp-modbus `MEIType`).
pub fn mei_name(t: u8) -> &'static str {
    match t {
        0x0d => "CANOpenGenRefReqResp",
        0x0e => "RdDevId",
        _ => "Unknown",
    }
}

/// Exception code names (sawp-modbus `ExceptionCode`).
pub fn exception_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "IllegalFunction",
        2 => "IllegalDataAddr",
        3 => "IllegalDataValue",
        4 => "ServerDeviceFail",
        5 => "Ack",
        6 => "ServerDeviceBusy",
        7 => "NegAck",
        8 => "MemParityErr",
        0x0a => "GatewayPathUnavailable",
        0x0b => "GatewayTargetFailToResp",
        _ => return None,
    })
}

/// A read request or response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// Starting address and quantity asked for.
    Request {
        /// First address.
        address: u16,
        /// Number of items.
        quantity: u16,
    },
    /// The bytes returned.
    Response(Vec<u8>),
}

/// A write request or response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Write-multiple request.
    MultReq {
        /// First address.
        address: u16,
        /// Number of items.
        quantity: u16,
        /// The values.
        data: Vec<u8>,
    },
    /// Mask write register.
    Mask {
        /// Register.
        address: u16,
        /// AND mask.
        and_mask: u16,
        /// OR mask.
        or_mask: u16,
    },
    /// Write-single request/response, write-multiple response.
    Other {
        /// Address.
        address: u16,
        /// Value (single) or quantity (multiple response).
        data: u16,
    },
}

/// What a PDU carries after its function code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// Exception response code.
    Exception(u8),
    /// Diagnostics (function 8): sub-function and its data.
    Diagnostic {
        /// Sub-function.
        func: u16,
        /// Data after it.
        data: Vec<u8>,
    },
    /// Encapsulated interface transport (function 43).
    Mei {
        /// MEI type (0x0e: read device identification).
        mei_type: u8,
        /// Data after it.
        data: Vec<u8>,
    },
    /// A read.
    Read(Read),
    /// A write.
    Write(Write),
    /// Read/write multiple registers request.
    ReadWrite {
        /// The read part.
        read: Read,
        /// The write part.
        write: Write,
    },
    /// Other functions' bytes.
    ByteVec(Vec<u8>),
    /// Nothing after the function code.
    Empty,
}

/// One decoded Modbus message (request or response).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// MBAP transaction identifier.
    pub transaction_id: u16,
    /// MBAP protocol identifier.
    pub protocol_id: u16,
    /// Unit identifier.
    pub unit_id: u8,
    /// Function code byte as sent.
    pub function_raw: u8,
    /// Function code without the exception bit.
    pub function: u8,
    /// [`access`] bits.
    pub access_type: u8,
    /// [`category`] value.
    pub category: u8,
    /// [`flags`] bits.
    pub error_flags: u8,
    /// The PDU's data.
    pub data: Data,
}

struct Rd<'a> {
    b: &'a [u8],
    off: usize,
}

impl Rd<'_> {
    fn u8(&mut self) -> Option<u8> {
        let v = *self.b.get(self.off)?;
        self.off += 1;
        Some(v)
    }
    fn u16(&mut self) -> Option<u16> {
        let v = be16(self.b, self.off)?;
        self.off += 2;
        Some(v)
    }
    fn rest(&mut self) -> Vec<u8> {
        let r = self.b.get(self.off..).unwrap_or_default().to_vec();
        self.off = self.b.len();
        r
    }
    fn left(&self) -> usize {
        self.b.len().saturating_sub(self.off)
    }
}

impl Message {
    /// Decodes a frame; `to_server` says whether it is a request.
    pub fn decode(f: &Frame<'_>, to_server: bool) -> Message {
        let exception = f.function & 0x80 != 0;
        let function = f.function & 0x7f;
        let known = function_name(function).is_some();
        let mut m = Message {
            transaction_id: f.transaction_id,
            protocol_id: f.protocol_id,
            unit_id: f.unit_id,
            function_raw: f.function,
            function,
            access_type: access_of(function),
            category: category::NONE,
            error_flags: 0,
            data: Data::Empty,
        };
        if f.protocol_id != 0 {
            m.error_flags |= flags::PROTO_ID;
        }
        let mut r = Rd { b: f.data, off: 0 };
        if exception {
            m.category = if known {
                category::PUBLIC_ASSIGNED
            } else {
                category_of_raw(f.function)
            };
            match r.u8() {
                Some(code) => {
                    if exception_name(code).is_none() || !exception_fits(function, code) {
                        m.error_flags |= flags::EXC_CODE;
                    }
                    m.data = Data::Exception(code);
                }
                None => m.error_flags |= flags::DATA_LENGTH,
            }
            if r.left() > 0 {
                m.error_flags |= flags::DATA_LENGTH;
            }
            return m;
        }
        m.data = m.decode_data(&mut r, to_server);
        m.category = if known {
            match &m.data {
                Data::Diagnostic { func, .. } if diagnostic_name(*func) == "Reserved" => {
                    category::RESERVED
                }
                Data::Mei { mei_type, .. } if mei_name(*mei_type) == "Unknown" => {
                    category::RESERVED
                }
                _ => category::PUBLIC_ASSIGNED,
            }
        } else {
            category_of_raw(f.function)
        };
        if !known && !matches!(m.category, category::USER_DEFINED) {
            m.error_flags |= flags::FUNC_CODE;
        }
        if r.left() > 0 {
            m.error_flags |= flags::DATA_LENGTH;
        }
        m
    }

    fn decode_data(&mut self, r: &mut Rd<'_>, to_server: bool) -> Data {
        let short = |m: &mut Message| {
            m.error_flags |= flags::DATA_LENGTH;
            Data::ByteVec(Vec::new())
        };
        match (self.function, to_server) {
            (1..=4, true) => {
                let (Some(address), Some(quantity)) = (r.u16(), r.u16()) else {
                    return self.partial(r);
                };
                let max = if self.function <= 2 {
                    MAX_QUANTITY_BIT_ACCESS
                } else {
                    MAX_QUANTITY_WORD_ACCESS
                };
                if quantity == 0 || quantity > max {
                    self.error_flags |= flags::DATA_VALUE;
                }
                Data::Read(Read::Request { address, quantity })
            }
            (1..=4 | 23, false) => {
                let Some(count) = r.u8() else {
                    return short(self);
                };
                let data = r.rest();
                if data.len() != count as usize {
                    self.error_flags |= flags::DATA_LENGTH;
                }
                Data::Read(Read::Response(data))
            }
            (5 | 6, _) => {
                let (Some(address), Some(data)) = (r.u16(), r.u16()) else {
                    return self.partial(r);
                };
                if self.function == 5 && data != 0 && data != 0xff00 {
                    self.error_flags |= flags::DATA_VALUE;
                }
                Data::Write(Write::Other { address, data })
            }
            (15 | 16, true) => {
                let (Some(address), Some(quantity), Some(count)) = (r.u16(), r.u16(), r.u8())
                else {
                    return self.partial(r);
                };
                let data = r.rest();
                let (max, want) = if self.function == 15 {
                    (1968, quantity.div_ceil(8) as usize)
                } else {
                    (123, quantity as usize * 2)
                };
                if quantity == 0 || quantity > max {
                    self.error_flags |= flags::DATA_VALUE;
                }
                if data.len() != count as usize || want != count as usize {
                    self.error_flags |= flags::DATA_LENGTH;
                }
                Data::Write(Write::MultReq {
                    address,
                    quantity,
                    data,
                })
            }
            (15 | 16, false) => {
                let (Some(address), Some(data)) = (r.u16(), r.u16()) else {
                    return self.partial(r);
                };
                Data::Write(Write::Other { address, data })
            }
            (22, _) => {
                let (Some(address), Some(and_mask), Some(or_mask)) = (r.u16(), r.u16(), r.u16())
                else {
                    return self.partial(r);
                };
                Data::Write(Write::Mask {
                    address,
                    and_mask,
                    or_mask,
                })
            }
            (23, true) => {
                let (Some(ra), Some(rq), Some(wa), Some(wq), Some(count)) =
                    (r.u16(), r.u16(), r.u16(), r.u16(), r.u8())
                else {
                    return self.partial(r);
                };
                let data = r.rest();
                if rq == 0 || rq > MAX_QUANTITY_WORD_ACCESS || wq == 0 || wq > 121 {
                    self.error_flags |= flags::DATA_VALUE;
                }
                if data.len() != count as usize || wq as usize * 2 != count as usize {
                    self.error_flags |= flags::DATA_LENGTH;
                }
                Data::ReadWrite {
                    read: Read::Request {
                        address: ra,
                        quantity: rq,
                    },
                    write: Write::MultReq {
                        address: wa,
                        quantity: wq,
                        data,
                    },
                }
            }
            (8, _) => {
                let Some(func) = r.u16() else {
                    return short(self);
                };
                Data::Diagnostic {
                    func,
                    data: r.rest(),
                }
            }
            (43, _) => {
                let Some(mei_type) = r.u8() else {
                    return short(self);
                };
                Data::Mei {
                    mei_type,
                    data: r.rest(),
                }
            }
            (7 | 11 | 12 | 17, true) => Data::Empty,
            _ => {
                if r.left() == 0 {
                    Data::Empty
                } else {
                    Data::ByteVec(r.rest())
                }
            }
        }
    }

    fn partial(&mut self, r: &mut Rd<'_>) -> Data {
        self.error_flags |= flags::DATA_LENGTH;
        Data::ByteVec(r.rest())
    }

    /// Whether this response answers `req`: same transaction, unit and function.
    pub fn answers(&self, req: &Message) -> bool {
        self.transaction_id == req.transaction_id
            && self.unit_id == req.unit_id
            && self.function == req.function
    }

    /// Checks a response against its request (counts, echoed values) and
    /// sets [`flags`] where they disagree.
    pub fn validate_against(&mut self, req: &Message) {
        match (&req.data, &self.data) {
            (Data::Read(Read::Request { quantity, .. }), Data::Read(Read::Response(d)))
            | (
                Data::ReadWrite {
                    read: Read::Request { quantity, .. },
                    ..
                },
                Data::Read(Read::Response(d)),
            ) => {
                let want = if req.access_type & (access::COILS | access::DISCRETES) != 0 {
                    quantity.div_ceil(8) as usize
                } else {
                    *quantity as usize * 2
                };
                if d.len() != want {
                    self.error_flags |= flags::DATA_LENGTH;
                }
            }
            (
                Data::Write(Write::Other { address, data }),
                Data::Write(Write::Other {
                    address: a2,
                    data: d2,
                }),
            ) if address != a2 || data != d2 => self.error_flags |= flags::DATA_VALUE,
            (
                Data::Write(Write::MultReq {
                    address, quantity, ..
                }),
                Data::Write(Write::Other {
                    address: a2,
                    data: q2,
                }),
            ) if address != a2 || quantity != q2 => self.error_flags |= flags::DATA_VALUE,
            (Data::Write(a @ Write::Mask { .. }), Data::Write(b @ Write::Mask { .. }))
                if a != b =>
            {
                self.error_flags |= flags::DATA_VALUE
            }
            _ => {}
        }
    }

    /// The address range a request touches (first, last), for rules'
    /// `address` option; a read/write request gives its read range.
    pub fn address_range(&self) -> Option<(u16, u16)> {
        let span = |a: u16, q: u16| (a, a.saturating_add(q.saturating_sub(1)));
        match &self.data {
            Data::Read(Read::Request { address, quantity }) => Some(span(*address, *quantity)),
            Data::Write(Write::MultReq {
                address, quantity, ..
            }) => Some(span(*address, *quantity)),
            Data::Write(Write::Mask { address, .. })
            | Data::Write(Write::Other { address, .. }) => Some((*address, *address)),
            Data::ReadWrite {
                read: Read::Request { address, quantity },
                ..
            } => Some(span(*address, *quantity)),
            _ => None,
        }
    }
}

/// Whether an exception code is possible for the function (sawp's check:
/// function 8 cannot answer IllegalDataValue; functions with no address
/// cannot answer IllegalDataAddr; only file-record functions MemParityErr).
fn exception_fits(function: u8, code: u8) -> bool {
    match code {
        3 if function == 8 => false,
        2 if (7..15).contains(&function) || (17..22).contains(&function) => false,
        8 if function != 20 && function != 21 => false,
        _ => true,
    }
}

/// Whether the first bytes of a direction look like Modbus/TCP: protocol id
/// 0, a length within 2..=254 and a function code that is not 0. Random
/// traffic to port 502 (TLS, HTTP, RDP scanners) fails the protocol id.
pub fn looks_like_modbus(data: &[u8]) -> Option<bool> {
    if data.len() < MBAP_LEN + 1 {
        // Decide early on what is already impossible.
        if let Some(pid) = be16(data, 2)
            && pid != 0
        {
            return Some(false);
        }
        if let Some(len) = be16(data, 4)
            && !(MIN_LENGTH..=MAX_LENGTH).contains(&len)
        {
            return Some(false);
        }
        return None;
    }
    let pid = be16(data, 2)?;
    let len = be16(data, 4)?;
    let fc = data[7] & 0x7f;
    Some(pid == 0 && (MIN_LENGTH..=MAX_LENGTH).contains(&len) && fc != 0)
}
