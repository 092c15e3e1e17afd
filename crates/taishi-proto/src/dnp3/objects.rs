//! The DNP3 object table: for each group/variation Suricata decodes, the
//! layout of one point, with Suricata's field names (those of its
//! generated `DNP3ObjectGxVy` structs, which are also its EVE keys).
//!
//! Bit fields are listed least significant bit first, as the C structs
//! lay them out on little-endian machines.

/// A decoded field value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// Unsigned integer (flags, counts, timestamps in ms since 1970).
    U(u64),
    /// Signed integer (analog values).
    I(i64),
    /// Floating point value.
    F(f64),
}

/// One field of a point.
#[derive(Clone, Copy, Debug)]
pub enum F {
    /// An octet split into named bit fields `(name, width)`, LSB first.
    Bits(&'static [(&'static str, u8)]),
    /// Unsigned 8-bit.
    U8(&'static str),
    /// Unsigned 16-bit little endian.
    U16(&'static str),
    /// Unsigned 32-bit.
    U32(&'static str),
    /// Unsigned 48-bit (DNP3 time).
    U48(&'static str),
    /// Signed 16-bit.
    I16(&'static str),
    /// Signed 32-bit.
    I32(&'static str),
    /// IEEE 754 single.
    F32(&'static str),
    /// IEEE 754 double.
    F64(&'static str),
}

/// How the points of an object are laid out.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// Values of `bits` bits packed into octets (binary inputs, outputs).
    Packed {
        /// Bits per value.
        bits: u8,
        /// Field name.
        name: &'static str,
    },
    /// Fixed fields per point.
    Fixed(&'static [F]),
    /// Variable size; decodable only with a size prefix.
    Sized,
}

const BIN: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("chatter_filter", 1),
    ("reserved", 1),
    ("state", 1),
]);
const DBIN: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("chatter_filter", 1),
    ("state", 2),
]);
const BOUT: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("reserved0", 1),
    ("reserved1", 1),
    ("state", 1),
]);
const CTR_D0: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("rollover", 1),
    ("discontinuity", 1),
    ("reserved0", 1),
]);
const CTR_D1: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("rollover", 1),
    ("discontinuity", 1),
    ("reserved1", 1),
]);
const CTR_R: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("rollover", 1),
    ("reserved0", 1),
    ("reserved1", 1),
]);
const AN: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("over_range", 1),
    ("reference_err", 1),
    ("reserved0", 1),
]);
const SEC: F = F::Bits(&[
    ("online", 1),
    ("restart", 1),
    ("comm_lost", 1),
    ("remote_forced", 1),
    ("local_forced", 1),
    ("reserved0", 1),
    ("discontinuity", 1),
    ("reserved1", 1),
]);
const CROB: &[F] = &[
    F::Bits(&[("op_type", 4), ("qu", 1), ("cr", 1), ("tcc", 2)]),
    F::U8("count"),
    F::U32("ontime"),
    F::U32("offtime"),
    F::Bits(&[("status_code", 7), ("reserved", 1)]),
];
const CMD_ST: F = F::Bits(&[("status_code", 7), ("commanded_state", 1)]);
const CMD_R0: F = F::Bits(&[("status_code", 7), ("reserved0", 1)]);
const TS: F = F::U48("timestamp");
const V32: F = F::I32("value");
const V16: F = F::I16("value");
const VF: F = F::F32("value");
const VD: F = F::F64("value");
const C32: F = F::U32("count");
const C16: F = F::U16("count");

/// The layout of group `g` variation `v`, or `None` when Suricata does not
/// know its size (decoding stops there with `UNKNOWN_OBJECT`).
pub fn layout(g: u8, v: u8) -> Option<Layout> {
    use Layout::{Fixed, Packed};
    let packed = |name| Some(Packed { bits: 1, name });
    Some(match (g, v) {
        (1, 1) | (10, 1) | (80, 1) => return packed("state"),
        (12, 3) => return packed("point"),
        (3, 1) => Packed {
            bits: 2,
            name: "state",
        },
        (1, 2) => Fixed(&[BIN]),
        (2, 1) => Fixed(&[F::U8("state")]),
        (2, 2) => Fixed(&[BIN, TS]),
        (2, 3) => Fixed(&[BIN, F::U16("timestamp")]),
        (3, 2) | (4, 1) => Fixed(&[DBIN]),
        (4, 2) => Fixed(&[DBIN, TS]),
        (4, 3) => Fixed(&[DBIN, F::U16("relative_time_ms")]),
        (10, 2) | (11, 1) => Fixed(&[BOUT]),
        (11, 2) => Fixed(&[BOUT, TS]),
        (12, 1) | (12, 2) => Fixed(CROB),
        (13, 1) => Fixed(&[CMD_ST]),
        (13, 2) => Fixed(&[CMD_ST, TS]),
        (20, 1) | (21, 1) | (22, 1) | (23, 1) => Fixed(&[CTR_D0, C32]),
        (20, 2) | (21, 2) | (22, 2) => Fixed(&[CTR_D0, C16]),
        (20, 3) | (21, 3) | (22, 3) | (23, 3) => Fixed(&[CTR_R, C32]),
        (20, 4) | (21, 4) | (22, 4) | (23, 2) | (23, 4) => Fixed(&[CTR_R, C16]),
        (20, 5) | (20, 7) | (21, 9) | (21, 11) => Fixed(&[C32]),
        (20, 6) | (20, 8) | (21, 10) | (21, 12) => Fixed(&[C16]),
        (21, 5) => Fixed(&[CTR_D1, C32, TS]),
        (21, 6) => Fixed(&[CTR_D1, C16, TS]),
        (22, 5) | (21, 7) | (22, 7) | (23, 7) => Fixed(&[CTR_R, C32, TS]),
        (21, 8) | (22, 8) | (23, 8) => Fixed(&[CTR_R, C16, TS]),
        (22, 6) | (23, 6) => Fixed(&[CTR_D0, C16, TS]),
        (23, 5) => Fixed(&[CTR_D0, C32, TS]),
        (30 | 31 | 32 | 33 | 40 | 42, 1) => Fixed(&[AN, V32]),
        (30 | 31 | 32 | 33 | 40 | 42, 2) => Fixed(&[AN, V16]),
        (30, 3) | (31, 5) => Fixed(&[V32]),
        (30, 4) | (31, 6) => Fixed(&[V16]),
        (30, 5) | (31, 7) | (32 | 33 | 42, 5) | (40, 3) => Fixed(&[AN, VF]),
        (30, 6) | (31, 8) | (32 | 33 | 42, 6) | (40, 4) => Fixed(&[AN, VD]),
        (31 | 32 | 33 | 42, 3) => Fixed(&[AN, V32, TS]),
        (31 | 32 | 33 | 42, 4) => Fixed(&[AN, V16, TS]),
        (32 | 33 | 42, 7) => Fixed(&[AN, VF, TS]),
        (32 | 33 | 42, 8) => Fixed(&[AN, VD, TS]),
        (34, 1) => Fixed(&[F::U16("deadband_value")]),
        (34, 2) => Fixed(&[F::U32("deadband_value")]),
        (34, 3) => Fixed(&[F::F32("deadband_value")]),
        (41, 1) => Fixed(&[V32, F::U8("control_status")]),
        (41, 2) => Fixed(&[V16, F::U8("control_status")]),
        (41, 3) => Fixed(&[VF, F::U8("control_status")]),
        (41, 4) => Fixed(&[VD, F::U8("control_status")]),
        (43, 1) => Fixed(&[CMD_R0, F::I32("commanded_value")]),
        (43, 2) => Fixed(&[CMD_R0, F::I16("commanded_value")]),
        (43, 3) => Fixed(&[CMD_R0, F::I32("commanded_value"), TS]),
        (43, 4) => Fixed(&[CMD_R0, F::I16("commanded_value"), TS]),
        (43, 5) => Fixed(&[CMD_R0, F::F32("commanded_value")]),
        (43, 6) => Fixed(&[CMD_R0, F::F64("commanded_value")]),
        (43, 7) => Fixed(&[CMD_R0, F::F32("commanded_value"), TS]),
        (43, 8) => Fixed(&[CMD_R0, F::F64("commanded_value"), TS]),
        (50, 1) | (50, 3) | (51, 1) | (51, 2) => Fixed(&[TS]),
        (50, 2) => Fixed(&[TS, F::U32("interval")]),
        (50, 4) => Fixed(&[TS, F::U32("interval_count"), F::U8("interval_units")]),
        (52, 1) => Fixed(&[F::U16("delay_secs")]),
        (52, 2) => Fixed(&[F::U16("delay_ms")]),
        (81, 1) => Fixed(&[
            F::Bits(&[("fill_percentage", 7), ("overflow_state", 1)]),
            F::U8("group"),
            F::U8("variation"),
        ]),
        (86, 2) => Fixed(&[F::Bits(&[
            ("rd", 1),
            ("wr", 1),
            ("st", 1),
            ("ev", 1),
            ("df", 1),
            ("padding0", 1),
            ("padding1", 1),
            ("padding2", 1),
        ])]),
        (102, 1) => Fixed(&[F::U8("value")]),
        (121, 1) | (122, 1) => Fixed(&[SEC, F::U16("association_id"), F::U32("count_value")]),
        (122, 2) => Fixed(&[SEC, F::U16("association_id"), F::U32("count_value"), TS]),
        (70, 1..=8) | (83, 1) | (120, 1..=15) => Layout::Sized,
        _ => return None,
    })
}

/// Reads `fields` through `take` (which hands out the next `n` bytes),
/// appending named values. `None` when the bytes run out.
pub fn read_fields<'a>(
    fields: &[F],
    take: &mut dyn FnMut(usize) -> Option<&'a [u8]>,
    out: &mut Vec<(&'static str, Val)>,
) -> Option<()> {
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |a, &x| (a << 8) | x as u64);
    for f in fields {
        match *f {
            F::Bits(parts) => {
                let octet = take(1)?[0];
                let mut shift = 0u8;
                for &(name, width) in parts {
                    let mask = ((1u16 << width) - 1) as u8;
                    out.push((name, Val::U(((octet >> shift) & mask) as u64)));
                    shift += width;
                }
            }
            F::U8(n) => out.push((n, Val::U(le(take(1)?)))),
            F::U16(n) => out.push((n, Val::U(le(take(2)?)))),
            F::U32(n) => out.push((n, Val::U(le(take(4)?)))),
            F::U48(n) => out.push((n, Val::U(le(take(6)?)))),
            F::I16(n) => out.push((n, Val::I(le(take(2)?) as u16 as i16 as i64))),
            F::I32(n) => out.push((n, Val::I(le(take(4)?) as u32 as i32 as i64))),
            F::F32(n) => out.push((n, Val::F(f32::from_bits(le(take(4)?) as u32) as f64))),
            F::F64(n) => out.push((n, Val::F(f64::from_bits(le(take(8)?))))),
        }
    }
    Some(())
}
