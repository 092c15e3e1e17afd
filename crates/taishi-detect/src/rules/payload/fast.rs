//! Fast pattern choice for one buffer, as detect-fast-pattern.c and
//! RetrieveFPForSig choose: an explicit `fast_pattern` wins; otherwise the
//! longest non-negated content, ties broken by Suricata's PatternStrength
//! (rarer byte classes score higher), then by rule order.

use super::{BufferMatch, Content, PayloadOp};

/// The pattern a prefilter looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastPattern {
    /// The bytes (chopped when `fast_pattern:N,M` says so).
    pub bytes: Vec<u8>,
    /// Match without regard to ASCII case.
    pub nocase: bool,
    /// A prefilter hit alone proves this buffer's match: the list is this
    /// one content, unchopped, with no position constraint and nothing else.
    pub only: bool,
}

/// Suricata's PatternStrength.
pub(crate) fn strength(p: &[u8]) -> u32 {
    let mut seen = [false; 256];
    let mut s = 0u32;
    for &b in p {
        if seen[b as usize] {
            s += 1;
        } else {
            seen[b as usize] = true;
            s += if b.is_ascii_alphabetic() {
                3
            } else if b.is_ascii_graphic() || b == b' ' || b == 0 || b == 1 || b == 0xff {
                4
            } else {
                6
            };
        }
    }
    s
}

pub(crate) fn select(bm: &BufferMatch) -> Option<FastPattern> {
    // The base64_data list runs on decoded bytes the prefilter never sees.
    let contents = || {
        bm.ops.iter().filter_map(|op| match op {
            PayloadOp::Content(c) => Some(c),
            _ => None,
        })
    };
    let chosen: &Content = match contents().find(|c| c.fast_pattern.is_some()) {
        Some(c) => c,
        None => {
            let mut best: Option<&Content> = None;
            for c in contents().filter(|c| !c.negated) {
                best = match best {
                    None => Some(c),
                    Some(b) => {
                        let (lc, lb) = (c.pattern.len(), b.pattern.len());
                        if lc > lb || (lc == lb && strength(&c.pattern) > strength(&b.pattern)) {
                            Some(c)
                        } else {
                            Some(b)
                        }
                    }
                }
            }
            best?
        }
    };
    if chosen.negated {
        return None;
    }
    let spec = chosen.fast_pattern.unwrap_or_default();
    let bytes = match spec.chop {
        Some((off, n)) => chosen
            .pattern
            .get(off as usize..off as usize + n as usize)?
            .to_vec(),
        None => chosen.pattern.clone(),
    };
    let only = spec.chop.is_none()
        && bm.ops.len() == 1
        && bm.base64_ops.is_empty()
        && chosen.depth.is_none()
        && chosen.offset.is_none()
        && chosen.distance.is_none()
        && chosen.within.is_none()
        && !chosen.startswith
        && !chosen.endswith;
    Some(FastPattern {
        bytes,
        nocase: chosen.nocase,
        only,
    })
}
