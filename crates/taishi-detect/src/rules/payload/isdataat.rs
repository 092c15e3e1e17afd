//! `isdataat:[!]N[,relative][,rawbytes]`.

use super::value::{Operand, operand, split_args};
use super::{ByteVars, KeywordError};

/// Whether data exists at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsDataAt {
    /// The position (a literal or a byte variable).
    pub at: Operand,
    /// `!`: matches when there is no data there.
    pub negated: bool,
    /// Counted from the end of the previous match: then `N` bytes must
    /// remain, where the absolute form needs a byte at index `N`.
    pub relative: bool,
}

impl IsDataAt {
    /// Parses the keyword's value.
    pub fn parse(value: &str, vars: &ByteVars) -> Result<IsDataAt, KeywordError> {
        let kw = "isdataat";
        let args = split_args(value);
        let first = args.first().copied().unwrap_or("");
        let (negated, num) = match first.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, first),
        };
        let at = operand(kw, "position", num, 0, u16::MAX as i64, vars)?;
        let mut relative = false;
        for a in args.iter().skip(1) {
            match *a {
                "relative" => relative = true,
                "rawbytes" => {}
                other => {
                    return Err(KeywordError::new(kw, format!("unknown option '{other}'")));
                }
            }
        }
        Ok(IsDataAt {
            at,
            negated,
            relative,
        })
    }
}
