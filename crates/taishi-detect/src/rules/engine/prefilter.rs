//! The multi-pattern prefilter: one Aho-Corasick automaton over the fast
//! patterns of a group of rules, so that a buffer is scanned once and only
//! the rules whose pattern occurs in it are inspected in full.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Rules of a group split into those with a fast pattern (found by the
/// automaton) and those without one (always inspected).
#[derive(Debug, Default)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// Rule (index into the engine's signatures) of each pattern.
    owners: Vec<u32>,
    /// Rules inspected whatever the buffer holds.
    always: Vec<u32>,
}

/// Builds a [`Prefilter`].
#[derive(Debug, Default)]
pub struct PrefilterBuilder {
    patterns: Vec<Vec<u8>>,
    owners: Vec<u32>,
    always: Vec<u32>,
}

impl PrefilterBuilder {
    /// Rule `sig` is a candidate when `pattern` occurs (compared without
    /// regard to ASCII case: the full inspection decides case).
    pub fn add_pattern(&mut self, sig: u32, pattern: &[u8]) {
        self.patterns.push(pattern.to_vec());
        self.owners.push(sig);
    }

    /// Rule `sig` is always a candidate.
    pub fn add_always(&mut self, sig: u32) {
        self.always.push(sig);
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty() && self.always.is_empty()
    }

    /// The automaton. Patterns are matched overlapping, so every rule whose
    /// pattern occurs is reported.
    pub fn build(self) -> Prefilter {
        let automaton = if self.patterns.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&self.patterns)
                .ok()
        };
        // A failed build (it cannot fail for byte patterns within limits)
        // must not lose rules: they become always-candidates.
        let (owners, mut always) = match automaton {
            Some(_) => (self.owners, self.always),
            None => (Vec::new(), {
                let mut a = self.always;
                a.extend(self.owners);
                a
            }),
        };
        always.sort_unstable();
        always.dedup();
        Prefilter {
            automaton,
            owners,
            always,
        }
    }
}

impl Prefilter {
    /// Rules to inspect regardless of content.
    pub fn always(&self) -> &[u32] {
        &self.always
    }

    /// Whether any rule has a pattern here.
    pub fn has_patterns(&self) -> bool {
        self.automaton.is_some()
    }

    /// Adds to `out` every rule whose pattern occurs in `buf` (with
    /// repeats; the caller deduplicates).
    pub fn scan(&self, buf: &[u8], out: &mut Vec<u32>) {
        let Some(ac) = &self.automaton else { return };
        for m in ac.find_overlapping_iter(buf) {
            if let Some(&sig) = self.owners.get(m.pattern().as_usize()) {
                out.push(sig);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_rule_whose_pattern_occurs() {
        let mut b = PrefilterBuilder::default();
        b.add_pattern(0, b"abc");
        b.add_pattern(1, b"BCD");
        b.add_pattern(2, b"zzz");
        b.add_always(3);
        let p = b.build();
        let mut out = Vec::new();
        p.scan(b"xxabcdxx", &mut out);
        out.sort();
        assert_eq!(out, vec![0, 1]);
        assert_eq!(p.always(), &[3]);
    }
}
