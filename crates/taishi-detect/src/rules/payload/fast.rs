//! Fast pattern choice for one buffer, as detect-fast-pattern.c and
//! RetrieveFPForSig choose: an explicit `fast_pattern` wins; otherwise the
//! longest non-negated content, ties broken by Suricata's PatternStrength
//! (rarer byte classes score higher), then by rule order.

use super::{BufferMatch, Content, PayloadOp, Transform};

/// The pattern a prefilter looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FastPattern {
    /// The bytes (chopped when `fast_pattern:N,M` says so), as they must
    /// occur in the buffer before any transform: `dotprefix; content:".a.b"`
    /// gives `a.b`, `to_lowercase` makes the search caseless.
    pub bytes: Vec<u8>,
    /// Match without regard to ASCII case.
    pub nocase: bool,
    /// A prefilter hit alone proves this buffer's match: the list is this
    /// one content, unchopped, with no position constraint and nothing else.
    pub only: bool,
    /// The rule named it with `fast_pattern`: across a rule's buffers, as
    /// in Suricata's RetrieveFPForSig, it wins over longer contents.
    pub explicit: bool,
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

fn contents(st: &BufferMatch) -> impl Iterator<Item = &Content> {
    st.ops.iter().filter_map(|op| match op {
        PayloadOp::Content(c) => Some(c),
        _ => None,
    })
}

pub(crate) fn select(bm: &BufferMatch) -> Option<FastPattern> {
    // A list that may match a missing buffer cannot require a pattern.
    if bm.absent.is_some() {
        return None;
    }
    // The base64_data list runs on decoded bytes the prefilter never sees.
    let mut stages = vec![bm];
    while let Some(next) = stages.last().and_then(|s| s.then.as_deref()) {
        stages.push(next);
    }
    // The base64_data list runs on decoded bytes the prefilter never sees.
    let explicit = stages.iter().find_map(|st| {
        contents(st)
            .find(|c| c.fast_pattern.is_some())
            .map(|c| (*st, c))
    });
    let (stage, chosen) = match explicit {
        Some(x) => x,
        None => {
            let mut best: Option<(&BufferMatch, &Content)> = None;
            for st in &stages {
                for c in contents(st).filter(|c| !c.negated) {
                    best = match best {
                        Some((_, b))
                            if !(c.pattern.len() > b.pattern.len()
                                || (c.pattern.len() == b.pattern.len()
                                    && strength(&c.pattern) > strength(&b.pattern))) =>
                        {
                            best
                        }
                        _ => Some((*st, c)),
                    };
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
    let (bytes, nocase) = raw_pattern(&stage.transforms, bytes, chosen.nocase)?;
    let only = stages.len() == 1
        && bm.transforms.is_empty()
        && bm.absent.is_none()
        && spec.chop.is_none()
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
        nocase,
        only,
        explicit: chosen.fast_pattern.is_some(),
    })
}

/// A pattern the untransformed buffer must contain when `bytes` occurs in
/// the transformed one, undoing the transforms from the last: `dotprefix`
/// may have supplied a leading dot, the case changes make the search
/// caseless, `subslice` and `pcrexform` keep a piece of their input; any
/// other transform leaves no such pattern.
fn raw_pattern(
    transforms: &[Transform],
    mut bytes: Vec<u8>,
    mut nocase: bool,
) -> Option<(Vec<u8>, bool)> {
    for t in transforms.iter().rev() {
        match t {
            Transform::DotPrefix => {
                if bytes.first() == Some(&b'.') {
                    bytes.remove(0);
                }
            }
            Transform::ToLowercase | Transform::ToUppercase | Transform::HeaderLowercase => {
                nocase = true
            }
            // Their output is a piece of their input.
            Transform::Subslice { .. } | Transform::Pcrexform(_) => {}
            _ => return None,
        }
    }
    if bytes.is_empty() {
        return None;
    }
    Some((bytes, nocase))
}
