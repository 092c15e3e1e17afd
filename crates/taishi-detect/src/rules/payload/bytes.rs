//! `byte_test`, `byte_jump`, `byte_extract` and `byte_math`: read a number
//! from the buffer (binary big/little endian, or an ASCII string in
//! hex/dec/oct read as C's `strtoull` reads it) and test it, jump by it,
//! or keep it in a variable.
//!
//! `dce` (endianness from the DCE/RPC header) is rejected: Taishi has no
//! DCE/RPC parser to take it from, and guessing would change the meaning.

use super::value::{Operand, is_var_name, operand, parse_i64, parse_u64, split_args, unquote};
use super::{ByteVars, KeywordError};

/// Byte order of a binary number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Endian {
    /// Most significant byte first (the default).
    #[default]
    Big,
    /// Least significant byte first.
    Little,
}

/// Base of a number written as a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumBase {
    /// `hex`
    Hex,
    /// `dec`
    Dec,
    /// `oct`
    Oct,
}

impl NumBase {
    fn radix(self) -> u32 {
        match self {
            NumBase::Hex => 16,
            NumBase::Dec => 10,
            NumBase::Oct => 8,
        }
    }
}

/// The comparison of a byte_test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestOp {
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `=`
    Eq,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `&`: any bit in common.
    And,
    /// `^`: values differ in some bit (Suricata's "bitwise OR" is `val ^ value != 0`).
    Xor,
}

/// How a number is read from the buffer, shared by the four keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Read {
    endian: Endian,
    string: Option<NumBase>,
}

/// `byte_test`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteTest {
    /// Bytes to read (literal or variable).
    pub nbytes: Operand,
    /// The comparison.
    pub op: TestOp,
    /// `!` before the operator.
    pub negated: bool,
    /// The value to compare with.
    pub value: Operand,
    /// Where to read.
    pub offset: Operand,
    /// Offset counted from the end of the previous match.
    pub relative: bool,
    /// Byte order of a binary read.
    pub endian: Endian,
    /// Read an ASCII number in this base.
    pub string: Option<NumBase>,
    /// `bitmask`: AND, then shift right by the mask's trailing zeros.
    pub bitmask: Option<u64>,
}

/// `byte_jump`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteJump {
    /// Bytes to read (literal or variable).
    pub nbytes: Operand,
    /// Where to read.
    pub offset: Operand,
    /// Offset counted from the end of the previous match.
    pub relative: bool,
    /// `multiplier`.
    pub multiplier: u64,
    /// Byte order of a binary read.
    pub endian: Endian,
    /// Read an ASCII number in this base.
    pub string: Option<NumBase>,
    /// `align`: round the jump up to a multiple of 4.
    pub align: bool,
    /// `from_beginning`.
    pub from_beginning: bool,
    /// `from_end`.
    pub from_end: bool,
    /// `post_offset`.
    pub post_offset: i64,
    /// `bitmask`.
    pub bitmask: Option<u64>,
}

/// `byte_extract`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteExtract {
    /// Bytes to read.
    pub nbytes: u8,
    /// Where to read.
    pub offset: i64,
    /// The variable slot written.
    pub var: usize,
    /// Offset counted from the end of the previous match.
    pub relative: bool,
    /// `multiplier`.
    pub multiplier: u64,
    /// Byte order of a binary read.
    pub endian: Endian,
    /// Read an ASCII number in this base.
    pub string: Option<NumBase>,
    /// `align 2|4`.
    pub align: Option<u64>,
}

/// The operator of a byte_math.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (a zero divisor never matches)
    Div,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
}

/// `byte_math`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteMath {
    /// Bytes to read (literal or variable).
    pub nbytes: Operand,
    /// Where to read.
    pub offset: i64,
    /// The operator.
    pub op: MathOp,
    /// The right-hand value.
    pub rvalue: Operand,
    /// The variable slot written.
    pub var: usize,
    /// Offset counted from the end of the previous match.
    pub relative: bool,
    /// Byte order of a binary read.
    pub endian: Endian,
    /// Read an ASCII number in this base.
    pub string: Option<NumBase>,
    /// `bitmask`, applied to the value read.
    pub bitmask: Option<u64>,
}

fn dce_error(kw: &str) -> KeywordError {
    KeywordError::unsupported(
        kw,
        "'dce' needs the DCE/RPC parser, which Taishi does not have",
    )
}

fn base_of(kw: &str, s: &str) -> Result<NumBase, KeywordError> {
    match s {
        "hex" => Ok(NumBase::Hex),
        "dec" => Ok(NumBase::Dec),
        "oct" => Ok(NumBase::Oct),
        _ => Err(KeywordError::new(kw, format!("unknown number type '{s}'"))),
    }
}

fn bitmask_of(kw: &str, s: &str) -> Result<u64, KeywordError> {
    parse_u64(s)
        .filter(|&m| m != 0)
        .ok_or_else(|| KeywordError::new(kw, format!("invalid bitmask '{s}'")))
}

/// Most characters a string read takes: 23 octal digits (with a zero
/// prefix) are the longest form that still fits a u64.
const MAX_STRING_BYTES: i64 = 23;

fn nbytes_check(
    kw: &str,
    n: &Operand,
    string: bool,
    min: i64,
    max_string: i64,
) -> Result<(), KeywordError> {
    if let Operand::Lit(n) = *n {
        let max = if string { max_string } else { 8 };
        if n < min || n > max {
            return Err(KeywordError::new(
                kw,
                format!(
                    "cannot read {n} bytes{} (allowed {min}..={max})",
                    if string { " as a string" } else { "" }
                ),
            ));
        }
    }
    Ok(())
}

impl ByteTest {
    /// Parses `nbytes, [!]op, value, offset [,relative] [,big|little]
    /// [,string,hex|dec|oct] [,bitmask M]`.
    pub fn parse(value: &str, vars: &ByteVars) -> Result<ByteTest, KeywordError> {
        let kw = "byte_test";
        let args = split_args(value);
        if args.len() < 4 {
            return Err(KeywordError::new(
                kw,
                "needs nbytes, operator, value and offset",
            ));
        }
        let nbytes = operand(kw, "byte count", args[0], 0, i64::MAX, vars)?;
        let (negated, op) = parse_test_op(args[1])?;
        let value = match unquote(args[2]) {
            v if is_var_name(v) => operand(kw, "value", v, 0, 0, vars)?,
            v => Operand::Lit(
                parse_u64(v).ok_or_else(|| KeywordError::new(kw, format!("invalid value '{v}'")))?
                    as i64,
            ),
        };
        let offset = operand(kw, "offset", args[3], -65535, 65535, vars)?;
        let mut t = ByteTest {
            nbytes,
            op,
            negated,
            value,
            offset,
            relative: false,
            endian: Endian::Big,
            string: None,
            bitmask: None,
        };
        let mut string = false;
        for a in &args[4..] {
            let mut words = a.split_whitespace();
            match (words.next().unwrap_or(""), words.next()) {
                ("relative", None) => t.relative = true,
                ("big", None) => t.endian = Endian::Big,
                ("little", None) => t.endian = Endian::Little,
                ("string", None) => string = true,
                ("hex" | "dec" | "oct", None) => t.string = Some(base_of(kw, a)?),
                ("dce", None) => return Err(dce_error(kw)),
                ("bitmask", Some(m)) => t.bitmask = Some(bitmask_of(kw, m)?),
                _ => return Err(KeywordError::new(kw, format!("unknown option '{a}'"))),
            }
        }
        t.string = finish_string(kw, string, t.string)?;
        // `byte_test:0,...,string` reads as many digits as there are
        // (Suricata hands strtoull the buffer itself); ET Open uses it.
        let min = if t.string.is_some() { 0 } else { 1 };
        nbytes_check(kw, &t.nbytes, t.string.is_some(), min, MAX_STRING_BYTES)?;
        Ok(t)
    }

    fn read(&self) -> Read {
        Read {
            endian: self.endian,
            string: self.string,
        }
    }
}

fn finish_string(
    kw: &str,
    string: bool,
    base: Option<NumBase>,
) -> Result<Option<NumBase>, KeywordError> {
    match (string, base) {
        (true, None) => Ok(Some(NumBase::Dec)),
        (true, b) => Ok(b),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(KeywordError::new(kw, "hex/dec/oct need 'string'")),
    }
}

fn parse_test_op(s: &str) -> Result<(bool, TestOp), KeywordError> {
    let s = s.trim();
    let (neg, rest) = match s.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, s),
    };
    let op = match rest {
        "<" => TestOp::Lt,
        ">" => TestOp::Gt,
        "=" => TestOp::Eq,
        // `!` alone is "not equal".
        "" if neg => TestOp::Eq,
        "<=" => TestOp::Le,
        ">=" => TestOp::Ge,
        "&" => TestOp::And,
        "^" => TestOp::Xor,
        _ => {
            return Err(KeywordError::new(
                "byte_test",
                format!("invalid operator '{s}'"),
            ));
        }
    };
    Ok((neg, op))
}

impl ByteJump {
    /// Parses `nbytes, offset [,relative] [,multiplier N] [,big|little]
    /// [,string,hex|dec|oct] [,align] [,from_beginning] [,from_end]
    /// [,post_offset N] [,bitmask M]`.
    pub fn parse(value: &str, vars: &ByteVars) -> Result<ByteJump, KeywordError> {
        let kw = "byte_jump";
        let args = split_args(value);
        if args.len() < 2 {
            return Err(KeywordError::new(kw, "needs nbytes and offset"));
        }
        let nbytes = operand(kw, "byte count", args[0], 0, i64::MAX, vars)?;
        let offset = operand(kw, "offset", args[1], -65535, 65535, vars)?;
        let mut j = ByteJump {
            nbytes,
            offset,
            relative: false,
            multiplier: 1,
            endian: Endian::Big,
            string: None,
            align: false,
            from_beginning: false,
            from_end: false,
            post_offset: 0,
            bitmask: None,
        };
        let mut string = false;
        for a in &args[2..] {
            let mut words = a.split_whitespace();
            match (words.next().unwrap_or(""), words.next()) {
                ("relative", None) => j.relative = true,
                ("big", None) => j.endian = Endian::Big,
                ("little", None) => j.endian = Endian::Little,
                ("string", None) => string = true,
                ("hex" | "dec" | "oct", None) => j.string = Some(base_of(kw, a)?),
                ("align", None) => j.align = true,
                ("from_beginning", None) => j.from_beginning = true,
                ("from_end", None) => j.from_end = true,
                ("dce", None) => return Err(dce_error(kw)),
                ("multiplier", Some(m)) => {
                    j.multiplier = parse_u64(m)
                        .filter(|&m| (1..=65535).contains(&m))
                        .ok_or_else(|| KeywordError::new(kw, format!("invalid multiplier '{m}'")))?
                }
                ("post_offset", Some(p)) => {
                    j.post_offset = parse_i64(p).filter(|p| p.abs() <= 65535).ok_or_else(|| {
                        KeywordError::new(kw, format!("invalid post_offset '{p}'"))
                    })?
                }
                ("bitmask", Some(m)) => j.bitmask = Some(bitmask_of(kw, m)?),
                _ => return Err(KeywordError::new(kw, format!("unknown option '{a}'"))),
            }
        }
        if j.from_beginning && j.from_end {
            return Err(KeywordError::new(
                kw,
                "from_beginning and from_end together",
            ));
        }
        j.string = finish_string(kw, string, j.string)?;
        // byte_jump:0,... reads nothing and jumps by post_offset (from the
        // end with from_end); ET Open uses both.
        nbytes_check(kw, &j.nbytes, j.string.is_some(), 0, MAX_STRING_BYTES)?;
        Ok(j)
    }
}

impl ByteExtract {
    /// Parses `nbytes, offset, name [,relative] [,multiplier N]
    /// [,big|little] [,string[,hex|dec|oct]] [,align 2|4]` and defines `name`.
    pub fn parse(value: &str, vars: &mut ByteVars) -> Result<ByteExtract, KeywordError> {
        let kw = "byte_extract";
        let args = split_args(value);
        if args.len() < 3 {
            return Err(KeywordError::new(
                kw,
                "needs nbytes, offset and a variable name",
            ));
        }
        let nbytes = parse_u64(args[0])
            .ok_or_else(|| KeywordError::new(kw, format!("invalid byte count '{}'", args[0])))?;
        let offset = parse_i64(args[1])
            .filter(|o| o.abs() <= 65535)
            .ok_or_else(|| KeywordError::new(kw, format!("invalid offset '{}'", args[1])))?;
        let name = args[2];
        if !is_var_name(name) {
            return Err(KeywordError::new(
                kw,
                format!("invalid variable name '{name}'"),
            ));
        }
        let mut e = ByteExtract {
            nbytes: 0,
            offset,
            var: 0,
            relative: false,
            multiplier: 1,
            endian: Endian::Big,
            string: None,
            align: None,
        };
        let mut string = false;
        for a in &args[3..] {
            let mut words = a.split_whitespace();
            match (words.next().unwrap_or(""), words.next()) {
                ("relative", None) => e.relative = true,
                ("big", None) => e.endian = Endian::Big,
                ("little", None) => e.endian = Endian::Little,
                ("string", None) => string = true,
                ("string", Some(b)) => {
                    string = true;
                    e.string = Some(base_of(kw, b)?);
                }
                ("hex" | "dec" | "oct", None) => e.string = Some(base_of(kw, a)?),
                ("dce", None) => return Err(dce_error(kw)),
                ("multiplier", Some(m)) => {
                    e.multiplier = parse_u64(m)
                        .filter(|&m| (1..=65535).contains(&m))
                        .ok_or_else(|| KeywordError::new(kw, format!("invalid multiplier '{m}'")))?
                }
                ("align", Some(al)) => {
                    e.align = Some(
                        parse_u64(al)
                            .filter(|&a| a == 2 || a == 4)
                            .ok_or_else(|| KeywordError::new(kw, "align must be 2 or 4"))?,
                    )
                }
                _ => return Err(KeywordError::new(kw, format!("unknown option '{a}'"))),
            }
        }
        e.string = finish_string(kw, string, e.string)?;
        nbytes_check(
            kw,
            &Operand::Lit(nbytes as i64),
            e.string.is_some(),
            1,
            MAX_STRING_BYTES,
        )?;
        e.nbytes = nbytes as u8;
        e.var = vars.define(kw, name)?;
        Ok(e)
    }
}

impl ByteMath {
    /// Parses `bytes N|var, offset N, oper OP, rvalue N|var, result name
    /// [,relative] [,endian big|little] [,string hex|dec|oct] [,bitmask M]`
    /// and defines `name`.
    pub fn parse(value: &str, vars: &mut ByteVars) -> Result<ByteMath, KeywordError> {
        let kw = "byte_math";
        let (mut nbytes, mut offset, mut op, mut rvalue, mut result) =
            (None, None, None, None, None);
        let mut m = ByteMath {
            nbytes: Operand::Lit(0),
            offset: 0,
            op: MathOp::Add,
            rvalue: Operand::Lit(0),
            var: 0,
            relative: false,
            endian: Endian::Big,
            string: None,
            bitmask: None,
        };
        for a in split_args(value) {
            let mut words = a.split_whitespace();
            match (words.next().unwrap_or(""), words.next()) {
                ("bytes", Some(v)) => nbytes = Some(operand(kw, "byte count", v, 1, 10, vars)?),
                ("offset", Some(v)) => {
                    offset =
                        Some(parse_i64(v).filter(|o| o.abs() <= 65535).ok_or_else(|| {
                            KeywordError::new(kw, format!("invalid offset '{v}'"))
                        })?)
                }
                ("oper", Some(v)) => {
                    op = Some(match v {
                        "+" => MathOp::Add,
                        "-" => MathOp::Sub,
                        "*" => MathOp::Mul,
                        "/" => MathOp::Div,
                        "<<" => MathOp::Shl,
                        ">>" => MathOp::Shr,
                        _ => return Err(KeywordError::new(kw, format!("unknown oper '{v}'"))),
                    })
                }
                ("rvalue", Some(v)) => {
                    rvalue =
                        Some(if is_var_name(v) {
                            operand(kw, "rvalue", v, 0, 0, vars)?
                        } else {
                            Operand::Lit(parse_u64(v).filter(|&r| r <= u32::MAX as u64).ok_or_else(
                                || KeywordError::new(kw, format!("invalid rvalue '{v}'")),
                            )? as i64)
                        })
                }
                ("result", Some(v)) => {
                    if !is_var_name(v) {
                        return Err(KeywordError::new(kw, format!("invalid result name '{v}'")));
                    }
                    result = Some(v.to_string())
                }
                ("relative", None) => m.relative = true,
                ("endian", Some("big")) => m.endian = Endian::Big,
                ("endian", Some("little")) => m.endian = Endian::Little,
                ("endian", Some("dce")) | ("dce", None) => return Err(dce_error(kw)),
                ("string", Some(b)) => m.string = Some(base_of(kw, b)?),
                ("bitmask", Some(v)) => m.bitmask = Some(bitmask_of(kw, v)?),
                _ => return Err(KeywordError::new(kw, format!("unknown option '{a}'"))),
            }
        }
        let (Some(nb), Some(off), Some(o), Some(rv), Some(res)) =
            (nbytes, offset, op, rvalue, result)
        else {
            return Err(KeywordError::new(
                kw,
                "needs bytes, offset, oper, rvalue and result",
            ));
        };
        if m.string.is_none()
            && let Operand::Lit(n) = nb
            && !(1..=4).contains(&n)
        {
            return Err(KeywordError::new(kw, "binary reads take 1 to 4 bytes"));
        }
        m.nbytes = nb;
        m.offset = off;
        m.op = o;
        m.rvalue = rv;
        m.var = vars.define(kw, &res)?;
        Ok(m)
    }
}

/// Reads `nbytes` at `pos`: the value and the bytes it took (for strings,
/// the characters `strtoull` consumed). `None` when the read fails.
fn read_number(buf: &[u8], pos: usize, nbytes: usize, how: Read) -> Option<(u64, usize)> {
    // Suricata's string reader refuses more than 23 characters (a byte
    // count from a variable may be anything).
    if how.string.is_some() && nbytes > MAX_STRING_BYTES as usize {
        return None;
    }
    // A string read of 0 bytes takes the digits there are, up to the end.
    let end = if nbytes == 0 && how.string.is_some() {
        buf.len()
    } else {
        pos.checked_add(nbytes)?
    };
    let field = buf.get(pos..end)?;
    match how.string {
        None => {
            if nbytes > 8 {
                return None;
            }
            let mut v: u64 = 0;
            match how.endian {
                Endian::Big => field.iter().for_each(|&b| v = v << 8 | b as u64),
                Endian::Little => field.iter().rev().for_each(|&b| v = v << 8 | b as u64),
            }
            Some((v, nbytes))
        }
        Some(base) => strtoull(field, base.radix()).filter(|&(_, used)| used > 0),
    }
}

/// C's `strtoull` on a NUL-terminated copy of `field`: leading whitespace,
/// a sign, `0x` for base 16, then digits; overflow is a failure (ERANGE).
/// Returns the value and the characters consumed (0: no digits).
pub(crate) fn strtoull(field: &[u8], radix: u32) -> Option<(u64, usize)> {
    let end = memchr::memchr(0, field).unwrap_or(field.len());
    let s = &field[..end];
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if let Some(&c) = s.get(i)
        && (c == b'+' || c == b'-')
    {
        neg = c == b'-';
        i += 1;
    }
    if radix == 16
        && s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
    {
        i += 2;
    }
    let start = i;
    let mut v: u64 = 0;
    while let Some(d) = s.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        v = v.checked_mul(radix as u64)?.checked_add(d as u64)?;
        i += 1;
    }
    if i == start {
        return Some((0, 0));
    }
    Some((if neg { v.wrapping_neg() } else { v }, i))
}

fn apply_bitmask(v: u64, mask: Option<u64>) -> u64 {
    match mask {
        Some(m) => {
            let v = v & m;
            if v != 0 {
                v.checked_shr(m.trailing_zeros()).unwrap_or(0)
            } else {
                v
            }
        }
        None => v,
    }
}

/// Where a read starts, as Suricata computes it: `(position, remaining)`
/// with signed arithmetic, `None` when before the buffer.
fn read_start(len: u32, buffer_offset: u32, offset: i64, relative: bool) -> Option<(usize, i64)> {
    let base = if relative { buffer_offset as i64 } else { 0 };
    let pos = base + offset;
    let remaining = len as i64 - pos;
    if pos < 0 {
        return None;
    }
    Some((pos as usize, remaining))
}

impl ByteTest {
    pub(crate) fn matches(&self, buf: &[u8], buffer_offset: u32, vals: &[u64]) -> bool {
        let len = buf.len() as u32;
        if len == 0 {
            return false;
        }
        let nbytes = resolve(self.nbytes, vals) as i32 as i64;
        let offset = resolve(self.offset, vals) as i32 as i64;
        let value = resolve(self.value, vals);
        let Some((pos, remaining)) = read_start(len, buffer_offset, offset, self.relative) else {
            return false;
        };
        if (self.relative && remaining <= 0) || nbytes > remaining || nbytes < 0 {
            return false;
        }
        let Some((v, _)) = read_number(buf, pos, nbytes as usize, self.read()) else {
            return false;
        };
        let v = apply_bitmask(v, self.bitmask);
        let hit = match self.op {
            TestOp::Eq => v == value,
            TestOp::Lt => v < value,
            TestOp::Gt => v > value,
            TestOp::Le => v <= value,
            TestOp::Ge => v >= value,
            TestOp::And => v & value != 0,
            TestOp::Xor => v ^ value != 0,
        };
        hit != self.negated
    }
}

impl ByteJump {
    /// The new buffer offset, or `None` for no match.
    pub(crate) fn jump(&self, buf: &[u8], buffer_offset: u32, vals: &[u64]) -> Option<u32> {
        let len = buf.len() as u32;
        if len == 0 {
            return None;
        }
        let nbytes = resolve(self.nbytes, vals) as i32 as i64;
        let offset = resolve(self.offset, vals) as i32 as i64;
        let (pos, remaining) = read_start(len, buffer_offset, offset, self.relative)?;
        if (self.relative && nbytes != 0 && remaining <= 0) || nbytes > remaining || nbytes < 0 {
            return None;
        }
        let how = Read {
            endian: self.endian,
            string: self.string,
        };
        let (v, used) = read_number(buf, pos, nbytes as usize, how)?;
        let mut v = apply_bitmask(v, self.bitmask).wrapping_mul(self.multiplier);
        if self.align && !v.is_multiple_of(4) {
            v = v.wrapping_add(4 - v % 4);
        }
        let v = (v as i64).wrapping_add(self.post_offset);
        let target = if self.from_beginning {
            v as i128
        } else if self.from_end {
            len as i128 + v as i128
        } else {
            pos as i128 + v as i128 + used as i128
        };
        if target < 0 {
            // Suricata clamps a jump before the buffer to its start.
            Some(0)
        } else if target > len as i128 {
            None
        } else {
            Some(target as u32)
        }
    }
}

impl ByteExtract {
    /// The value and the new buffer offset (the end of the bytes read).
    pub(crate) fn extract(&self, buf: &[u8], buffer_offset: u32) -> Option<(u64, u32)> {
        let len = buf.len() as u32;
        if len == 0 {
            return None;
        }
        let (pos, remaining) = read_start(len, buffer_offset, self.offset, self.relative)?;
        if (self.relative && remaining <= 0) || self.nbytes as i64 > remaining {
            return None;
        }
        let how = Read {
            endian: self.endian,
            string: self.string,
        };
        let (v, used) = read_number(buf, pos, self.nbytes as usize, how)?;
        let mut v = v.wrapping_mul(self.multiplier);
        if let Some(a) = self.align
            && !v.is_multiple_of(a)
        {
            v = v.wrapping_add(a - v % a);
        }
        Some((v, (pos + used) as u32))
    }
}

impl ByteMath {
    /// The computed value, `None` for no match.
    pub(crate) fn compute(&self, buf: &[u8], buffer_offset: u32, vals: &[u64]) -> Option<u64> {
        let len = buf.len() as u32;
        if len == 0 {
            return None;
        }
        let nbytes = resolve(self.nbytes, vals) as u8 as i64;
        if nbytes > 10 {
            return None;
        }
        let rvalue = resolve(self.rvalue, vals);
        let (pos, remaining) = read_start(len, buffer_offset, self.offset, self.relative)?;
        if (self.relative && remaining <= 0) || nbytes > remaining {
            return None;
        }
        let how = Read {
            endian: self.endian,
            string: self.string,
        };
        let (v, _) = read_number(buf, pos, nbytes as usize, how)?;
        let v = apply_bitmask(v, self.bitmask);
        Some(match self.op {
            MathOp::Add => v.wrapping_add(rvalue),
            MathOp::Sub => v.wrapping_sub(rvalue),
            MathOp::Mul => v.wrapping_mul(rvalue),
            MathOp::Div => v.checked_div(rvalue)?,
            MathOp::Shl => {
                if rvalue < 64 {
                    v << rvalue
                } else {
                    0
                }
            }
            MathOp::Shr => {
                if rvalue < 64 {
                    v >> rvalue
                } else {
                    0
                }
            }
        })
    }
}

/// An operand's value: literals as written, variables from `vals` (0 when
/// the slot was never written, as Suricata's zeroed array reads).
pub(crate) fn resolve(op: Operand, vals: &[u64]) -> u64 {
    match op {
        Operand::Lit(n) => n as u64,
        Operand::Var(i) => vals.get(i).copied().unwrap_or(0),
    }
}
