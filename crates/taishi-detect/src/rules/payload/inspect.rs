//! The inspection of one buffer: a port of Suricata's
//! DetectEngineContentInspection. Each op either fails, or matches and
//! hands over to the next; a content or pcre whose follower depends on it
//! (see [`link`]) tries its next occurrence when the follower fails. A
//! "discontinue" answer ends the whole inspection at once: an absolute
//! content that is absent, a bsize that cannot hold, a negated single
//! content that is present; no later occurrence can change those.
//!
//! Offsets are `u32` and the window arithmetic wraps exactly as the C
//! does, so odd rules (negative distance larger than within, ...) behave
//! as in Suricata.

use std::mem;

use super::bytes::resolve;
use super::pcre::Search;
use super::value::Operand;
use super::{
    BufferMatch, Content, INSPECTION_RECURSION_LIMIT, IsDataAt, KeywordError, MAX_BASE64_DECODED,
    MAX_BYTE_VARS, PayloadOp, Pcre, base64,
};

/// Scratch for inspections: byte variable values, the current match
/// position, the recursion budget and reusable buffers for transforms and
/// base64. One per worker; reusable, allocation-free after warm-up.
///
/// Byte variables keep their values from one buffer to the next (a rule
/// may extract in one buffer and use it in another, as in Suricata); call
/// [`InspectEnv::reset_vars`] before a new rule.
#[derive(Debug, Default)]
pub struct InspectEnv {
    vals: Vec<u64>,
    buffer_offset: u32,
    recursion: u32,
    scratch_a: Vec<u8>,
    scratch_b: Vec<u8>,
    decoded: Vec<u8>,
    /// Where the inspected buffer starts in its stream (0 for whole buffers).
    stream_start: u64,
    /// Values `entropy` computed since the last [`InspectEnv::take_entropy`],
    /// with the flow variable each goes to, oldest first.
    entropy: Vec<(std::sync::Arc<str>, f64)>,
}

impl InspectEnv {
    /// A fresh environment.
    pub fn new() -> InspectEnv {
        InspectEnv::default()
    }

    /// Zeroes the byte variables (before inspecting another rule).
    pub fn reset_vars(&mut self) {
        self.vals.iter_mut().for_each(|v| *v = 0);
    }

    /// The value of a byte variable slot.
    pub fn var(&self, slot: usize) -> Option<u64> {
        self.vals.get(slot).copied()
    }

    /// The end of the last match of the last inspection.
    pub fn buffer_offset(&self) -> u32 {
        self.buffer_offset
    }

    /// Whether `entropy` computed a value since the last
    /// [`InspectEnv::take_entropy`].
    pub fn has_entropy(&self) -> bool {
        !self.entropy.is_empty()
    }

    /// Hands over the values `entropy` computed (whether or not their rule
    /// matched: Suricata keeps each one on the flow), oldest first.
    pub fn take_entropy(&mut self) -> std::vec::Drain<'_, (std::sync::Arc<str>, f64)> {
        self.entropy.drain(..)
    }

    fn set_var(&mut self, slot: usize, v: u64) {
        if let Some(s) = self.vals.get_mut(slot) {
            *s = v;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum R {
    NoMatch,
    Match,
    /// No match, and no other occurrence of an earlier match can help.
    Discontinue,
}

pub(crate) fn inspect_stream(
    bm: &BufferMatch,
    buf: &[u8],
    stream_start: u64,
    env: &mut InspectEnv,
) -> bool {
    env.stream_start = stream_start;
    let r = inspect(bm, buf, env);
    env.stream_start = 0;
    r
}

pub(crate) fn inspect(bm: &BufferMatch, buf: &[u8], env: &mut InspectEnv) -> bool {
    if bm.ops.is_empty() {
        return true;
    }
    if env.vals.len() < MAX_BYTE_VARS {
        env.vals.resize(MAX_BYTE_VARS, 0);
    }
    // Offsets are u32 as in Suricata; no buffer is larger in practice.
    let buf = &buf[..buf.len().min(u32::MAX as usize)];
    if bm.transforms.is_empty() {
        return run(&bm.ops, &bm.base64_ops, buf, env);
    }
    let mut a = mem::take(&mut env.scratch_a);
    let mut b = mem::take(&mut env.scratch_b);
    let mut first = true;
    for t in &bm.transforms {
        if first {
            t.apply(buf, &mut a);
            first = false;
        } else {
            t.apply(&a, &mut b);
            mem::swap(&mut a, &mut b);
        }
    }
    let out = &a[..a.len().min(u32::MAX as usize)];
    let r = run(&bm.ops, &bm.base64_ops, out, env);
    env.scratch_a = a;
    env.scratch_b = b;
    r
}

/// Calls `f` with `buf` as the list's transforms leave it.
pub(crate) fn with_transformed<R>(
    bm: &BufferMatch,
    buf: &[u8],
    env: &mut InspectEnv,
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    if bm.transforms.is_empty() {
        return f(buf);
    }
    let mut a = mem::take(&mut env.scratch_a);
    let mut b = mem::take(&mut env.scratch_b);
    for (i, t) in bm.transforms.iter().enumerate() {
        if i == 0 {
            t.apply(buf, &mut a);
        } else {
            t.apply(&a, &mut b);
            mem::swap(&mut a, &mut b);
        }
    }
    let r = f(&a);
    env.scratch_a = a;
    env.scratch_b = b;
    r
}

fn run(ops: &[PayloadOp], b64: &[PayloadOp], buf: &[u8], env: &mut InspectEnv) -> bool {
    env.buffer_offset = 0;
    env.recursion = 0;
    step(ops, b64, 0, buf, env) == R::Match
}

fn next(ops: &[PayloadOp], b64: &[PayloadOp], i: usize, buf: &[u8], env: &mut InspectEnv) -> R {
    if i + 1 >= ops.len() {
        R::Match
    } else {
        step(ops, b64, i + 1, buf, env)
    }
}

fn step(ops: &[PayloadOp], b64: &[PayloadOp], i: usize, buf: &[u8], env: &mut InspectEnv) -> R {
    env.recursion += 1;
    if env.recursion >= INSPECTION_RECURSION_LIMIT {
        return R::Discontinue;
    }
    let Some(op) = ops.get(i) else {
        return R::NoMatch;
    };
    let len = buf.len() as u32;
    match op {
        PayloadOp::Content(c) => content(c, ops, b64, i, buf, env),
        PayloadOp::Pcre(p) => pcre(p, ops, b64, i, buf, env),
        PayloadOp::IsDataAt(d) => isdataat(d, ops, b64, i, buf, env),
        PayloadOp::ByteTest(t) => {
            if t.matches(buf, env.buffer_offset, &env.vals) {
                next(ops, b64, i, buf, env)
            } else {
                R::NoMatch
            }
        }
        PayloadOp::ByteJump(j) => match j.jump(buf, env.buffer_offset, &env.vals) {
            Some(o) => {
                env.buffer_offset = o;
                next(ops, b64, i, buf, env)
            }
            None => R::NoMatch,
        },
        PayloadOp::ByteExtract(e) => match e.extract(buf, env.buffer_offset) {
            Some((v, o)) => {
                env.set_var(e.var, v);
                env.buffer_offset = o;
                next(ops, b64, i, buf, env)
            }
            None => R::NoMatch,
        },
        PayloadOp::ByteMath(m) => match m.compute(buf, env.buffer_offset, &env.vals) {
            Some(v) => {
                env.set_var(m.var, v);
                next(ops, b64, i, buf, env)
            }
            None => R::NoMatch,
        },
        PayloadOp::Entropy(e) => match e.measure(buf) {
            Some(h) => {
                env.entropy.push((e.var.clone(), h));
                if e.value.matches(h) {
                    next(ops, b64, i, buf, env)
                } else {
                    R::NoMatch
                }
            }
            None => R::NoMatch,
        },
        PayloadOp::Bsize(r) => {
            if r.matches(len as u64 + env.stream_start) {
                next(ops, b64, i, buf, env)
            } else {
                R::Discontinue
            }
        }
        PayloadOp::Base64Decode(d) => {
            let mut start = if d.relative { env.buffer_offset } else { 0 };
            if d.offset != 0 {
                if d.offset as u64 >= (len - start) as u64 {
                    return R::NoMatch;
                }
                start += d.offset;
            }
            let rest = &buf[start as usize..];
            // Suricata's default `bytes` is its decode maximum, 65535.
            let bytes = if d.bytes == 0 {
                65535
            } else {
                d.bytes as usize
            };
            let take = rest.len().min(bytes);
            let mut decoded = mem::take(&mut env.decoded);
            base64::decode(
                &rest[..take],
                // Suricata's BASE64_MODE_RELAX: stop at the first character
                // outside the alphabet, keep what was decoded.
                base64::Mode::Rfc4648,
                MAX_BASE64_DECODED,
                &mut decoded,
            );
            let mut r = R::NoMatch;
            if !decoded.is_empty() && !b64.is_empty() {
                env.buffer_offset = 0;
                // The decoded list is terminal: its answer is the rule's.
                if step(b64, &[], 0, &decoded, env) == R::Match {
                    r = R::Match;
                }
            }
            env.decoded = decoded;
            r
        }
    }
}

fn content(
    c: &Content,
    ops: &[PayloadOp],
    b64: &[PayloadOp],
    i: usize,
    buf: &[u8],
    env: &mut InspectEnv,
) -> R {
    let len = buf.len() as u32;
    let plen = c.pattern.len() as u32;
    let relative = c.is_relative();
    let offset_lit = match c.offset {
        Some(Operand::Lit(o)) => o as u32,
        _ => 0,
    };
    // Suricata stores depth as an end position: depth + offset.
    let depth_lit = if c.startswith {
        plen
    } else {
        match c.depth {
            Some(Operand::Lit(d)) => (d as u32).wrapping_add(offset_lit),
            _ => 0,
        }
    };
    let has_var =
        matches!(c.offset, Some(Operand::Var(_))) || matches!(c.depth, Some(Operand::Var(_)));
    let mut prev_offset: u32 = 0;
    let mut prev_buffer_offset = env.buffer_offset;
    loop {
        let mut depth = len;
        let mut offset: u32;
        if relative {
            offset = prev_buffer_offset;
            let mut distance: i32 = match c.distance {
                Some(Operand::Lit(d)) => d as i32,
                _ => 0,
            };
            if let Some(d) = c.distance {
                if let Operand::Var(_) = d {
                    distance = resolve(d, &env.vals) as u32 as i32;
                }
                if distance < 0 && distance.unsigned_abs() > offset {
                    offset = 0;
                } else {
                    offset = offset.wrapping_add(distance as u32);
                }
            }
            if let Some(w) = c.within {
                let wv = resolve(w, &env.vals) as u32;
                let lim = prev_buffer_offset
                    .wrapping_add(wv)
                    .wrapping_add(distance as u32);
                if (depth as i32) > (lim as i32) {
                    depth = lim;
                }
                if env.stream_start != 0 && prev_buffer_offset == 0 {
                    match stream_depth(depth, env.stream_start, len) {
                        Some(d) => depth = d,
                        None => return R::NoMatch,
                    }
                }
            }
        } else {
            depth = match c.depth {
                Some(Operand::Var(_)) => {
                    resolve(c.depth.unwrap_or(Operand::Lit(0)), &env.vals) as u32
                }
                _ if depth_lit != 0 => depth_lit,
                _ => len,
            };
            if env.stream_start != 0 && (c.depth.is_some() || c.startswith) {
                match stream_depth(depth, env.stream_start, len) {
                    Some(d) => depth = d,
                    None => return R::NoMatch,
                }
            }
            offset = match c.offset {
                Some(op @ Operand::Var(_)) => resolve(op, &env.vals) as u32,
                _ => offset_lit,
            };
            prev_buffer_offset = 0;
        }
        if has_var {
            depth = depth.wrapping_add(offset);
        }
        if prev_offset != 0 {
            offset = prev_offset;
        }
        if depth > len {
            depth = len;
        }
        if offset > depth || depth == 0 {
            return if c.negated {
                next(ops, b64, i, buf, env)
            } else {
                R::NoMatch
            };
        }
        let window = &buf[offset as usize..depth as usize];
        let found = if (c.endswith && depth < len) || plen as usize > window.len() {
            None
        } else {
            c.find(window)
        };
        let Some(pos) = found else {
            if c.negated {
                return next(ops, b64, i, buf, env);
            }
            return if relative { R::NoMatch } else { R::Discontinue };
        };
        let match_offset = offset + pos as u32 + plen;
        if c.negated {
            // Suricata compares the window length with the absolute end.
            if c.endswith && window.len() as u32 != match_offset {
                return next(ops, b64, i, buf, env);
            }
            return if c.is_single() {
                R::Discontinue
            } else {
                R::NoMatch
            };
        }
        env.buffer_offset = match_offset;
        if !c.endswith || match_offset == len {
            match next(ops, b64, i, buf, env) {
                R::Match => return R::Match,
                R::Discontinue => return R::Discontinue,
                R::NoMatch => {}
            }
            if !c.within_next {
                return R::Discontinue;
            }
        }
        prev_offset = match_offset - (plen - 1);
    }
}

/// A depth counted from the stream start, made relative to a chunk that
/// starts `start` bytes into the stream; `None` when it ends before the chunk.
fn stream_depth(depth: u32, start: u64, len: u32) -> Option<u32> {
    let d = depth as u64;
    if d <= start {
        None
    } else if d >= start + len as u64 {
        Some(depth)
    } else {
        Some((d - start) as u32)
    }
}

fn pcre(
    p: &Pcre,
    ops: &[PayloadOp],
    b64: &[PayloadOp],
    i: usize,
    buf: &[u8],
    env: &mut InspectEnv,
) -> R {
    let prev_buffer_offset = env.buffer_offset;
    let mut match_start: u32 = 0;
    loop {
        let base = if p.relative { env.buffer_offset } else { 0 };
        let subject = &buf[(base as usize).min(buf.len())..];
        let start = if match_start != 0 {
            match_start.saturating_sub(base)
        } else {
            0
        };
        let ok = match p.search(subject, start as usize) {
            Search::Found(s, e) if !p.negated => {
                env.buffer_offset = base + e as u32;
                match_start = base + s as u32 + 1;
                true
            }
            Search::Found(..) | Search::Error => false,
            Search::NotFound => p.negated,
        };
        if !ok {
            return R::NoMatch;
        }
        if !p.relative_next || i + 1 >= ops.len() {
            return next(ops, b64, i, buf, env);
        }
        let prev = match_start;
        match step(ops, b64, i + 1, buf, env) {
            R::Match => return R::Match,
            R::Discontinue => return R::Discontinue,
            R::NoMatch => {}
        }
        if prev == 0 {
            return R::NoMatch;
        }
        env.buffer_offset = prev_buffer_offset;
        match_start = prev;
    }
}

fn isdataat(
    d: &IsDataAt,
    ops: &[PayloadOp],
    b64: &[PayloadOp],
    i: usize,
    buf: &[u8],
    env: &mut InspectEnv,
) -> R {
    let len = buf.len() as u64;
    let is_var = matches!(d.at, Operand::Var(_));
    let at = resolve(d.at, &env.vals);
    if is_var && at >= 100_000_000 {
        return if d.negated {
            next(ops, b64, i, buf, env)
        } else {
            R::NoMatch
        };
    }
    let present = if d.relative {
        env.buffer_offset as u64 + at <= len
    } else {
        at < len
    };
    match (present, d.negated) {
        (true, false) | (false, true) => next(ops, b64, i, buf, env),
        // A relative negated isdataat that sees data could succeed after
        // another occurrence of the previous match: plain no match.
        (true, true) if d.relative => R::NoMatch,
        _ if is_var => R::NoMatch,
        _ => R::Discontinue,
    }
}

/// Links relative keywords to the match they depend on (the flags
/// Suricata's setup functions put on the previous content or pcre) and
/// rejects the combinations Suricata rejects.
pub(crate) fn link(ops: &mut [PayloadOp]) -> Result<(), KeywordError> {
    for op in ops.iter_mut() {
        match op {
            PayloadOp::Content(c) => {
                c.within_next = false;
                c.distance_next = false;
            }
            PayloadOp::Pcre(p) => p.relative_next = false,
            _ => {}
        }
    }
    for i in 0..ops.len() {
        #[derive(PartialEq)]
        enum Mark {
            Within,
            Distance,
        }
        let (mark, content_or_pcre_only) = match &ops[i] {
            PayloadOp::Content(c) => {
                if let Some(fp) = c.fast_pattern {
                    if fp.only && (c.is_relative() || c.depth.is_some() || c.offset.is_some()) {
                        return Err(KeywordError::new(
                            "fast_pattern",
                            "fast_pattern:only cannot be combined with depth, offset, distance or within",
                        ));
                    }
                    if fp.only && c.startswith {
                        return Err(KeywordError::new(
                            "fast_pattern",
                            "fast_pattern:only cannot be combined with startswith",
                        ));
                    }
                    if c.negated
                        && (c.is_relative()
                            || c.depth.is_some()
                            || c.offset.is_some()
                            || c.startswith)
                    {
                        return Err(KeywordError::new(
                            "fast_pattern",
                            "a negated content with a position modifier cannot be the fast_pattern",
                        ));
                    }
                }
                if c.within.is_some() || (c.distance.is_some() && c.negated) {
                    (Mark::Within, true)
                } else if c.distance.is_some() {
                    (Mark::Distance, true)
                } else {
                    continue;
                }
            }
            op if op.is_relative() => (Mark::Within, matches!(op, PayloadOp::Pcre(_))),
            _ => continue,
        };
        // Content and pcre link to the previous content or pcre; the
        // byte keywords and isdataat to the previous payload keyword, if
        // that is a content or pcre.
        let anchor = ops[..i].iter().rposition(|op| {
            if content_or_pcre_only {
                matches!(op, PayloadOp::Content(_) | PayloadOp::Pcre(_))
            } else {
                !matches!(op, PayloadOp::Bsize(_) | PayloadOp::Base64Decode(_))
            }
        });
        let Some(a) = anchor else { continue };
        match &mut ops[a] {
            PayloadOp::Content(prev) => {
                if prev.fast_pattern.is_some_and(|f| f.only) {
                    return Err(KeywordError::new(
                        "fast_pattern",
                        "a relative keyword follows a fast_pattern:only content",
                    ));
                }
                if mark == Mark::Within {
                    prev.within_next = true;
                } else {
                    prev.distance_next = true;
                }
            }
            PayloadOp::Pcre(prev) => prev.relative_next = true,
            _ => {}
        }
    }
    Ok(())
}
