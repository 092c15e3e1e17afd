//! `pcre:[!]"/regex/flags"` through the PCRE2 library, as Suricata uses.
//!
//! Flags: `i s m x` (PCRE options), `G` (ungreedy, as an inline `(?U)`),
//! `A` (anchored at the start of the subject: checked on the leftmost
//! match, which is where an anchored search would match if it can), `R`
//! (relative to the previous match), `B` (a no-op in Suricata too), `O`
//! (use the configured match limits instead of the defaults: Taishi has
//! no pcre configuration, and Suricata's shipped configuration holds the
//! defaults, so the limits are the same), and the legacy HTTP buffer
//! letters `U I P Q H D M C S Y V W Z`. `E` (dollar-end-only) has no inline
//! form in PCRE2 and the binding does not expose the option: rejected
//! rather than run with another meaning.
//!
//! Every search runs under Suricata's match limits (`(*LIMIT_MATCH=3500)
//! (*LIMIT_DEPTH=1500)` at the start of the pattern, the binding having no
//! match-context setter); a search that hits them is no match.
//!
//! Capture names after the flags (`"/(a)(b)/i, flow:key,pkt:value"`) are
//! parsed and kept: they name flow and packet variables Suricata sets on a
//! match, which only `flowvar`/`pktvar` keywords and EVE metadata read;
//! neither exists in Taishi yet, so whether a rule matches is unchanged.

use pcre2::bytes::{Regex, RegexBuilder};

use super::KeywordError;
use super::value::unquote;

/// A compiled pcre keyword.
#[derive(Clone, Debug)]
pub struct Pcre {
    /// The regex text as written between the slashes.
    pub source: String,
    /// The flags as written after the last slash.
    pub flags: String,
    /// `pcre:!"..."`.
    pub negated: bool,
    /// `R`: match from the end of the previous match.
    pub relative: bool,
    /// `A`: the match must start where the search starts.
    pub anchored: bool,
    /// The legacy HTTP buffer letter, if any.
    pub buffer: Option<char>,
    /// Flow / packet variable names given after the flags, in capture order.
    pub capture_names: Vec<String>,
    /// A later relative keyword depends on this match: on its failure,
    /// look for this regex's next match (Suricata's DETECT_PCRE_RELATIVE_NEXT).
    pub(crate) relative_next: bool,
    pub(crate) regex: Regex,
}

const BUFFER_LETTERS: &str = "UIPQHDMCSYVWZ";

/// Suricata's default `pcre.match-limit`: backtracking steps one search may take.
pub const MATCH_LIMIT: u32 = 3500;
/// Suricata's default `pcre.match-limit-recursion` (PCRE2's depth limit).
pub const MATCH_LIMIT_RECURSION: u32 = 1500;

/// The outcome of one regex search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Search {
    /// A match: its start and end.
    Found(usize, usize),
    /// No match.
    NotFound,
    /// PCRE2 gave up (match limit, bad offset): no match whatever the negation.
    Error,
}

impl Pcre {
    /// Parses and compiles a pcre value.
    pub fn parse(value: &str) -> Result<Pcre, KeywordError> {
        let kw = "pcre";
        let mut t = value.trim();
        let negated = match t.strip_prefix('!') {
            Some(r) => {
                t = r.trim_start();
                true
            }
            None => false,
        };
        let t = unquote(t);
        let Some(body) = t.strip_prefix('/') else {
            return Err(KeywordError::new(kw, "regex must start with '/'"));
        };
        let Some(end) = body.rfind('/') else {
            return Err(KeywordError::new(kw, "regex must end with '/' and flags"));
        };
        let source = &body[..end];
        let (flags, capture_names) = match body[end + 1..].split_once(',') {
            Some((f, names)) => {
                let names: Vec<String> = names
                    .split([',', ' '])
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = names
                    .iter()
                    .find(|n| !(n.starts_with("pkt:") || n.starts_with("flow:")))
                {
                    return Err(KeywordError::new(
                        kw,
                        format!("capture name '{bad}' must start with 'pkt:' or 'flow:'"),
                    ));
                }
                (f.trim(), names)
            }
            None => (body[end + 1..].trim(), Vec::new()),
        };
        let mut b = RegexBuilder::new();
        b.jit_if_available(true);
        let (mut relative, mut anchored, mut ungreedy) = (false, false, false);
        let mut buffer: Option<char> = None;
        for f in flags.chars() {
            match f {
                'i' => {
                    b.caseless(true);
                }
                's' => {
                    b.dotall(true);
                }
                'm' => {
                    b.multi_line(true);
                }
                'x' => {
                    b.extended(true);
                }
                'A' => anchored = true,
                'G' => ungreedy = true,
                'R' => relative = true,
                'B' | 'O' => {}
                'E' => {
                    return Err(KeywordError::unsupported(
                        kw,
                        "flag 'E' (dollar end only) is not supported",
                    ));
                }
                c if BUFFER_LETTERS.contains(c) => {
                    if buffer.is_some_and(|b| b != c) {
                        return Err(KeywordError::new(
                            kw,
                            format!("two buffer flags '{}' and '{c}'", buffer.unwrap_or(c)),
                        ));
                    }
                    buffer = Some(c);
                }
                c => {
                    return Err(KeywordError::new(kw, format!("unknown flag '{c}'")));
                }
            }
        }
        let mut pattern = if ungreedy {
            with_inline_ungreedy(source)
        } else {
            source.to_string()
        };
        // Suricata's pcre.match-limit and match-limit-recursion; a search
        // that hits them is no match (also when negated).
        pattern =
            format!("(*LIMIT_MATCH={MATCH_LIMIT})(*LIMIT_DEPTH={MATCH_LIMIT_RECURSION}){pattern}");
        if buffer == Some('W') && !flags.contains('i') && has_uppercase_literal(source) {
            return Err(KeywordError::new(
                kw,
                "the host buffer (W) is lowercase: an uppercase character can never match",
            ));
        }
        let regex = b
            .build(&pattern)
            .map_err(|e| KeywordError::new(kw, format!("regex does not compile: {e}")))?;
        Ok(Pcre {
            source: source.to_string(),
            flags: flags.to_string(),
            negated,
            relative,
            anchored,
            buffer,
            capture_names,
            relative_next: false,
            regex,
        })
    }

    /// Leftmost match in `subject` starting the search at `start`; a match
    /// that breaks `A` counts as none.
    pub(crate) fn search(&self, subject: &[u8], start: usize) -> Search {
        if start > subject.len() {
            return Search::Error;
        }
        match self.regex.find_at(subject, start) {
            Ok(Some(m)) if !self.anchored || m.start() == start => {
                Search::Found(m.start(), m.end())
            }
            Ok(_) => Search::NotFound,
            Err(_) => Search::Error,
        }
    }
}

/// Puts `(?U)` after any leading `(*VERB)` items, which PCRE2 only honours
/// at the very start of a pattern.
fn with_inline_ungreedy(source: &str) -> String {
    let mut rest = source;
    let mut head = 0;
    while rest.starts_with("(*") {
        match rest.find(')') {
            Some(i) => {
                head += i + 1;
                rest = &rest[i + 1..];
            }
            None => break,
        }
    }
    format!("{}(?U){}", &source[..head], &source[head..])
}

/// Whether a regex has an uppercase letter that is a literal (not part of
/// an escape such as `\S`, `\D`, `\W`, `\x4A` or a `\p{..}` class name,
/// nor of a `(?P<Name>` group name), as Suricata's host-buffer check looks
/// at it.
pub(crate) fn has_uppercase_literal(source: &str) -> bool {
    let b = source.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                // skip the escape and, for \x.. / \p{..} / \P{..}, its argument
                match b.get(i + 1) {
                    Some(b'x') => {
                        i += 2;
                        if b.get(i) == Some(&b'{') {
                            while i < b.len() && b[i] != b'}' {
                                i += 1;
                            }
                        } else {
                            i += 2;
                            continue;
                        }
                    }
                    Some(b'p' | b'P') => {
                        i += 2;
                        if b.get(i) == Some(&b'{') {
                            while i < b.len() && b[i] != b'}' {
                                i += 1;
                            }
                        }
                    }
                    _ => i += 1,
                }
            }
            b'(' if b.get(i + 1) == Some(&b'?') => {
                i += 2;
                match (b.get(i), b.get(i + 1)) {
                    // lookarounds: their body is pattern text
                    (Some(b'=' | b'!'), _) => {}
                    (Some(b'<'), Some(b'=' | b'!')) => i += 1,
                    // group names (?P<Name>, (?<Name>, (?'Name'; options (?i-s:
                    _ => {
                        while i < b.len() && !matches!(b[i], b'>' | b')' | b':' | b'\'') {
                            i += 1;
                        }
                    }
                }
            }
            c if c.is_ascii_uppercase() => return true,
            _ => {}
        }
        i += 1;
    }
    false
}
