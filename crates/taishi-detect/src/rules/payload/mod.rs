//! Content-like keywords and their inspection of one buffer: a packet
//! payload, a reassembled stream chunk or one sticky buffer.
//!
//! A rule's options for one buffer are applied in order to a
//! [`BufferMatch`] ([`BufferMatch::apply`]); once all are in,
//! [`BufferMatch::finish`] validates the list and links relative keywords
//! to the match they depend on, exactly as Suricata's setup functions flag
//! `DETECT_CONTENT_WITHIN_NEXT` / `DISTANCE_NEXT` / `RELATIVE_NEXT`: those
//! flags decide whether a later failure makes the engine look for the next
//! occurrence of an earlier content (backtracking), so they change results,
//! not only speed.
//!
//! [`BufferMatch::inspect`] is a port of Suricata's
//! `DetectEngineContentInspection` (detect-engine-content-inspection.c):
//! same window arithmetic (including its 32-bit wrapping), same give-up
//! rules, same recursion budget (`inspection_recursion_limit`, 3000).
//! A content is searched for by memchr on its rarest byte (both cases for
//! `nocase`) and a compare around each hit, and pcre
//! is compiled once, with JIT when available; an inspection allocates
//! nothing once its [`InspectEnv`] has warmed up.

mod base64;
mod bytes;
mod content;
mod entropy;
mod fast;
mod inspect;
mod isdataat;
mod pcre;
mod transform;
mod value;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

use std::fmt;

pub use base64::Mode as Base64Mode;
pub use bytes::{ByteExtract, ByteJump, ByteMath, ByteTest, Endian, MathOp, NumBase, TestOp};
pub use content::{Content, FastPatternSpec};
pub use entropy::{Entropy, FloatCmp, shannon};
pub use fast::FastPattern;
pub use inspect::InspectEnv;
pub use isdataat::IsDataAt;
pub use pcre::Pcre;
pub use transform::Transform;
pub use value::Operand;

use crate::rules::range::NumRange;

/// Suricata's `inspection_recursion_limit` default: the most keyword
/// evaluations one buffer inspection may make before it gives up (no
/// match), bounding the backtracking of pathological rule × payload pairs.
pub const INSPECTION_RECURSION_LIMIT: u32 = 3000;

/// Largest absolute `distance` / `within` value Suricata accepts (1 MiB).
pub const MAX_RELATIVE_DISTANCE: i64 = 1 << 20;

/// Most byte_extract / byte_math variables one rule may define; Suricata
/// keeps them in a fixed per-thread array of this many slots.
pub const MAX_BYTE_VARS: usize = 64;

/// Largest base64_decode output kept per inspection: a remote peer controls
/// the encoded length, so the decoded copy is bounded.
pub const MAX_BASE64_DECODED: usize = 64 * 1024;

/// A rule option that is not valid here: names the keyword and says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeywordError {
    /// The keyword at fault, as written in the rule.
    pub keyword: String,
    /// Why it was rejected.
    pub message: String,
    /// The rule is valid for Suricata but uses something Taishi cannot run
    /// (`dce`, pcre `E`, the `tld` transform, ...); false for a rule
    /// Suricata rejects too.
    pub unsupported: bool,
}

impl KeywordError {
    pub(crate) fn new(keyword: &str, message: impl Into<String>) -> KeywordError {
        KeywordError {
            keyword: keyword.to_string(),
            message: message.into(),
            unsupported: false,
        }
    }

    pub(crate) fn unsupported(keyword: &str, message: impl Into<String>) -> KeywordError {
        KeywordError {
            unsupported: true,
            ..KeywordError::new(keyword, message)
        }
    }
}

impl fmt::Display for KeywordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.keyword, self.message)
    }
}

impl std::error::Error for KeywordError {}

/// What [`BufferMatch::apply`] did with an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The option was a payload keyword and is now part of the list.
    Done,
    /// Not a payload keyword: the compiler should try the other families.
    NotPayload,
    /// Applied; the op just added is a pcre whose flags name a legacy HTTP
    /// buffer (`U I P Q H D M C S Y V W Z`): the compiler moves it there
    /// with [`BufferMatch::take_last`].
    PcreBuffer(char),
}

/// Names of byte_extract / byte_math result variables of one rule, so later
/// keywords may use them (`depth:var`, `byte_test:...,var`, `isdataat:var`).
/// A variable's index is its slot in [`InspectEnv`].
#[derive(Clone, Debug, Default)]
pub struct ByteVars {
    names: Vec<String>,
}

impl ByteVars {
    /// The slot of a defined variable.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Defines a new variable; a name may be defined once per rule.
    pub fn define(&mut self, keyword: &str, name: &str) -> Result<usize, KeywordError> {
        if self.get(name).is_some() {
            return Err(KeywordError::new(
                keyword,
                format!("variable '{name}' is already defined"),
            ));
        }
        if self.names.len() >= MAX_BYTE_VARS {
            return Err(KeywordError::new(
                keyword,
                format!("more than {MAX_BYTE_VARS} byte variables in one rule"),
            ));
        }
        self.names.push(name.to_string());
        Ok(self.names.len() - 1)
    }

    /// How many variables are defined.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no variable is defined.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// `base64_decode` options: where to start and how much to decode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Base64Decode {
    /// Bytes of input to decode at most (0: all that remain).
    pub bytes: u32,
    /// Start this many bytes after the start (or the previous match).
    pub offset: u32,
    /// Start at the end of the previous match.
    pub relative: bool,
}

/// One inspection keyword of a buffer's match list, with its modifiers.
#[derive(Clone, Debug)]
pub enum PayloadOp {
    /// `content` with nocase, depth, offset, distance, within, ...
    Content(Content),
    /// `pcre`.
    Pcre(Pcre),
    /// `isdataat`.
    IsDataAt(IsDataAt),
    /// `byte_test`.
    ByteTest(ByteTest),
    /// `byte_jump`.
    ByteJump(ByteJump),
    /// `byte_extract`.
    ByteExtract(ByteExtract),
    /// `byte_math`.
    ByteMath(ByteMath),
    /// `bsize`: the buffer's length.
    Bsize(NumRange),
    /// `base64_decode`: decodes, then runs the `base64_data` list on the result.
    Base64Decode(Base64Decode),
    /// `entropy`: the buffer's Shannon entropy.
    Entropy(Entropy),
}

impl PayloadOp {
    /// Whether this op's position depends on the previous match.
    pub fn is_relative(&self) -> bool {
        match self {
            PayloadOp::Content(c) => c.distance.is_some() || c.within.is_some(),
            PayloadOp::Pcre(p) => p.relative,
            PayloadOp::IsDataAt(i) => i.relative,
            PayloadOp::ByteTest(b) => b.relative,
            PayloadOp::ByteJump(b) => b.relative,
            PayloadOp::ByteExtract(b) => b.relative,
            PayloadOp::ByteMath(b) => b.relative,
            PayloadOp::Base64Decode(b) => b.relative,
            PayloadOp::Bsize(_) | PayloadOp::Entropy(_) => false,
        }
    }
}

/// The match list of one buffer of a rule: transforms applied to the
/// buffer first, then ops.
#[derive(Clone, Debug, Default)]
pub struct BufferMatch {
    /// Transforms, in rule order, applied to the buffer before any op.
    pub transforms: Vec<Transform>,
    /// Inspection keywords, in rule order.
    pub ops: Vec<PayloadOp>,
    /// The `base64_data` list: ops run on the output of a `base64_decode`.
    pub base64_ops: Vec<PayloadOp>,
    /// Set by `base64_data`: later options go to [`BufferMatch::base64_ops`].
    pub in_base64_data: bool,
    /// `absent` (`Some(false)`) or `absent: or_else` (`Some(true)`): the
    /// list also matches when the buffer does not exist (see
    /// [`BufferMatch::matches_absent`]); plain `absent` never matches a
    /// buffer that exists.
    pub absent: Option<bool>,
    /// A transform written after this list's ops starts a new list on the
    /// same buffer (Suricata 8): its transforms are this list's plus the new
    /// ones, its ops are the options that follow. Both lists must match.
    pub then: Option<Box<BufferMatch>>,
}

impl BufferMatch {
    /// Applies one rule option to this list. `Ok(Applied::NotPayload)` for
    /// keywords that are not payload keywords (the compiler tries others).
    /// `value` is the option's value as written in the rule (quotes and
    /// escapes included), `None` for a bare keyword.
    pub fn apply(
        &mut self,
        name: &str,
        value: Option<&str>,
        vars: &mut ByteVars,
    ) -> Result<Applied, KeywordError> {
        if let Some(next) = self.then.as_deref_mut() {
            return next.apply(name, value, vars);
        }
        if let Some(t) = transform::parse(name, value)? {
            if self.in_base64_data {
                return Err(KeywordError::new(
                    name,
                    "a transform cannot follow base64_data",
                ));
            }
            if self.ops.is_empty() && self.absent.is_none() {
                self.transforms.push(t);
            } else {
                let mut transforms = self.transforms.clone();
                transforms.push(t);
                self.then = Some(Box::new(BufferMatch {
                    transforms,
                    ..BufferMatch::default()
                }));
            }
            return Ok(Applied::Done);
        }
        if name == "absent" {
            let or_else = match value.map(value::unquote) {
                None | Some("") => false,
                Some("or_else") => true,
                Some(v) => {
                    return Err(KeywordError::new(name, format!("unknown value '{v}'")));
                }
            };
            if self.absent.is_some() || !self.ops.is_empty() || self.in_base64_data {
                return Err(KeywordError::new(
                    name,
                    "must directly follow the sticky buffer, once",
                ));
            }
            self.absent = Some(or_else);
            return Ok(Applied::Done);
        }
        let list = if self.in_base64_data {
            &mut self.base64_ops
        } else {
            &mut self.ops
        };
        match name {
            "content" => {
                let c = Content::parse(require(name, value)?)?;
                list.push(PayloadOp::Content(c));
            }
            "nocase" | "depth" | "offset" | "distance" | "within" | "startswith" | "endswith"
            | "rawbytes" | "fast_pattern" => {
                let Some(c) = list.iter_mut().rev().find_map(|op| match op {
                    PayloadOp::Content(c) => Some(c),
                    _ => None,
                }) else {
                    return Err(KeywordError::new(name, "needs a preceding content option"));
                };
                c.apply_modifier(name, value, vars)?;
            }
            "pcre" => {
                let p = Pcre::parse(require(name, value)?)?;
                let buffer = p.buffer;
                list.push(PayloadOp::Pcre(p));
                if let Some(b) = buffer {
                    return Ok(Applied::PcreBuffer(b));
                }
            }
            "isdataat" => {
                let d = IsDataAt::parse(require(name, value)?, vars)?;
                // Suricata turns `isdataat:!1,relative` right after a content
                // into that content's endswith (a negated content included,
                // which then means "does not end with").
                if d.negated
                    && d.relative
                    && d.at == Operand::Lit(1)
                    && let Some(PayloadOp::Content(c)) = list
                        .iter_mut()
                        .rev()
                        .find(|op| !matches!(op, PayloadOp::Bsize(_) | PayloadOp::Base64Decode(_)))
                {
                    c.endswith = true;
                } else {
                    list.push(PayloadOp::IsDataAt(d));
                }
            }
            "byte_test" => list.push(PayloadOp::ByteTest(ByteTest::parse(
                require(name, value)?,
                vars,
            )?)),
            "byte_jump" => list.push(PayloadOp::ByteJump(ByteJump::parse(
                require(name, value)?,
                vars,
            )?)),
            "byte_extract" => list.push(PayloadOp::ByteExtract(ByteExtract::parse(
                require(name, value)?,
                vars,
            )?)),
            "byte_math" => list.push(PayloadOp::ByteMath(ByteMath::parse(
                require(name, value)?,
                vars,
            )?)),
            "bsize" => {
                let v = require(name, value)?;
                let r = NumRange::parse(value::unquote(v))
                    .map_err(|e| KeywordError::new(name, e.to_string()))?;
                list.push(PayloadOp::Bsize(r));
            }
            "entropy" => list.push(PayloadOp::Entropy(Entropy::parse(require(name, value)?)?)),
            "base64_decode" => {
                if self.in_base64_data {
                    return Err(KeywordError::new(name, "base64_decode after base64_data"));
                }
                let b = base64::parse_decode_options(value)?;
                self.ops.push(PayloadOp::Base64Decode(b));
            }
            "base64_data" => {
                if value.is_some_and(|v| !v.trim().is_empty()) {
                    return Err(KeywordError::new(name, "takes no value"));
                }
                if !self
                    .ops
                    .iter()
                    .any(|op| matches!(op, PayloadOp::Base64Decode(_)))
                {
                    return Err(KeywordError::new(name, "needs a preceding base64_decode"));
                }
                if self.in_base64_data {
                    return Err(KeywordError::new(name, "base64_data given twice"));
                }
                self.in_base64_data = true;
            }
            _ => return Ok(Applied::NotPayload),
        }
        Ok(Applied::Done)
    }

    /// Names the flow variable of the `entropy` keyword just applied (the
    /// buffer's name; see [`Entropy::var`]).
    pub fn name_entropy(&mut self, var: &str) {
        if let Some(next) = self.then.as_deref_mut() {
            return next.name_entropy(var);
        }
        let list = if self.in_base64_data {
            &mut self.base64_ops
        } else {
            &mut self.ops
        };
        if let Some(PayloadOp::Entropy(e)) = list.last_mut() {
            e.var = var.into();
        }
    }

    /// Removes and returns the last op (content or pcre), with its
    /// modifiers, so the compiler can move it into a legacy buffer
    /// (`content:"x"; http_uri;` and pcre /U).
    pub fn take_last(&mut self) -> Option<PayloadOp> {
        if let Some(next) = self.then.as_deref_mut() {
            return next.take_last();
        }
        let list = if self.in_base64_data {
            &mut self.base64_ops
        } else {
            &mut self.ops
        };
        match list.last() {
            Some(PayloadOp::Content(_) | PayloadOp::Pcre(_)) => list.pop(),
            _ => None,
        }
    }

    /// Appends an op taken from another list (legacy modifiers).
    pub fn push(&mut self, op: PayloadOp) {
        if let Some(next) = self.then.as_deref_mut() {
            next.push(op);
        } else if self.in_base64_data {
            self.base64_ops.push(op);
        } else {
            self.ops.push(op);
        }
    }

    /// Final checks once the rule's options are all applied, and the
    /// linking of relative keywords to the match they follow. Call it
    /// before [`BufferMatch::inspect`] and [`BufferMatch::fast_pattern`].
    pub fn finish(&mut self) -> Result<(), KeywordError> {
        inspect::link(&mut self.ops)?;
        inspect::link(&mut self.base64_ops)?;
        let fp = self
            .ops
            .iter()
            .chain(self.base64_ops.iter())
            .filter(|op| matches!(op, PayloadOp::Content(c) if c.fast_pattern.is_some()))
            .count();
        if fp > 1 {
            return Err(KeywordError::new(
                "fast_pattern",
                "can be set on one content of a buffer only",
            ));
        }
        for list in [&self.ops, &self.base64_ops] {
            bsize_check(list)?;
        }
        for t in &self.transforms {
            t.validate_against(&self.ops)?;
        }
        if self.absent == Some(false) && !(self.ops.is_empty() && self.base64_ops.is_empty()) {
            return Err(KeywordError::new(
                "absent",
                "plain absent cannot be combined with content-like keywords (use absent: or_else)",
            ));
        }
        if let Some(next) = self.then.as_deref_mut() {
            next.finish()?;
        }
        Ok(())
    }

    /// Calls `f` with the buffer as this list's transforms leave it (the
    /// value `dataset` and `datarep` look up).
    pub fn with_transformed<R>(
        &self,
        buf: &[u8],
        env: &mut InspectEnv,
        f: impl FnOnce(&[u8]) -> R,
    ) -> R {
        inspect::with_transformed(self, buf, env, f)
    }

    /// Whether the list is empty (no transforms and no ops).
    pub fn is_empty(&self) -> bool {
        self.transforms.is_empty()
            && self.ops.is_empty()
            && self.base64_ops.is_empty()
            && self.absent.is_none()
            && self.then.as_ref().is_none_or(|n| n.is_empty())
    }

    /// Whether this list (or a later stage) holds a `base64_decode`: the
    /// list that `base64_data` and the options after it must go to (in
    /// Suricata, `base64_data` is one list per rule, inspected on what the
    /// rule's base64_decode decoded).
    pub fn has_base64_decode(&self) -> bool {
        self.ops
            .iter()
            .any(|op| matches!(op, PayloadOp::Base64Decode(_)))
            || self.then.as_deref().is_some_and(|n| n.has_base64_decode())
    }

    /// Whether a case-sensitive content or pcre of this list (or its
    /// later stages) has an uppercase letter: Suricata rejects those on
    /// buffers it normalises to lowercase (`http.host`, ...) since they
    /// could never match.
    pub fn has_uppercase_pattern(&self) -> bool {
        let upper = |ops: &[PayloadOp]| {
            ops.iter().any(|op| match op {
                PayloadOp::Content(c) => {
                    !c.nocase && !c.negated && c.pattern.iter().any(u8::is_ascii_uppercase)
                }
                PayloadOp::Pcre(p) => {
                    !p.flags.contains('i') && pcre::has_uppercase_literal(&p.source)
                }
                _ => false,
            })
        };
        (self.transforms.is_empty() && (upper(&self.ops) || upper(&self.base64_ops)))
            || self
                .then
                .as_deref()
                .is_some_and(|n| n.has_uppercase_pattern())
    }

    /// Whether the list matches a buffer that does not exist (the
    /// transaction has no such field): only with `absent`.
    pub fn matches_absent(&self) -> bool {
        self.absent.is_some()
    }

    /// Inspects one buffer; true when every op matches, with Suricata's
    /// backtracking over relative matches. A list with no ops matches.
    pub fn inspect(&self, buf: &[u8], env: &mut InspectEnv) -> bool {
        if self.absent == Some(false) {
            return false;
        }
        inspect::inspect(self, buf, env) && self.then.as_deref().is_none_or(|n| n.inspect(buf, env))
    }

    /// Inspects a chunk of a reassembled stream that starts `stream_start`
    /// bytes into the stream, as Suricata's stream inspection does: a
    /// `depth` (or a `within` from the chunk start) counts from the start
    /// of the stream, so a chunk past it cannot match; `bsize` sees the
    /// stream length so far.
    pub fn inspect_stream(&self, buf: &[u8], stream_start: u64, env: &mut InspectEnv) -> bool {
        if self.absent == Some(false) {
            return false;
        }
        inspect::inspect_stream(self, buf, stream_start, env)
            && self
                .then
                .as_deref()
                .is_none_or(|n| n.inspect_stream(buf, stream_start, env))
    }

    /// The pattern the prefilter should look for in the buffer as it is
    /// (before transforms), chosen as Suricata chooses it; `None` when no
    /// non-negated content qualifies or the transforms leave no pattern
    /// the raw buffer must contain (then the rule must always be inspected).
    pub fn fast_pattern(&self) -> Option<FastPattern> {
        fast::select(self)
    }
}

fn require<'a>(name: &str, value: Option<&'a str>) -> Result<&'a str, KeywordError> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(KeywordError::new(name, "needs a value")),
    }
}

/// Suricata rejects a rule whose bsize cannot hold one of its contents
/// ("the content length and the bsize value prevent a match").
fn bsize_check(list: &[PayloadOp]) -> Result<(), KeywordError> {
    let Some(max) = list.iter().find_map(|op| match op {
        PayloadOp::Bsize(r) => r.upper_bound(),
        _ => None,
    }) else {
        return Ok(());
    };
    for op in list {
        if let PayloadOp::Content(c) = op
            && !c.negated
            && c.pattern.len() as u64 > max
        {
            return Err(KeywordError::new(
                "bsize",
                format!(
                    "content of {} bytes cannot fit a buffer of at most {max} bytes",
                    c.pattern.len()
                ),
            ));
        }
    }
    Ok(())
}
