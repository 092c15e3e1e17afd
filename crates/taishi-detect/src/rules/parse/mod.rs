//! Rule text → [`RawRule`]: the lexical and header layer of Suricata's
//! rule language.
//!
//! - [`load_files`]: rules files, folders and suricata.yaml-style sets →
//!   [`RuleFile`]s of [`RuleLine`]s (continuations joined, comments and
//!   `#`-disabled rules skipped and counted).
//! - [`parse_rule`]: one rule → action, protocol, [`AddrSet`]s,
//!   [`PortSet`]s, direction and the [`RawOption`] list, or a
//!   [`ParseError`] naming file, line, sid and keyword.
//! - [`Vars`]: `$HOME_NET` and friends, Suricata's defaults built in.
//! - [`Classifications`], [`References`]: classtype and reference tables.
//!
//! This layer decides no option's meaning: values are kept as written, so
//! each keyword's parser sees exactly what Suricata's would. Addresses and
//! ports, in contrast, are resolved here to sorted range lists, because
//! they are matched for every candidate rule of every packet.

mod address;
mod classification;
mod files;
mod lexer;
mod list;
mod port;
mod ranges;
mod rule;
mod vars;

pub use address::AddrSet;
pub use classification::{Classifications, References};
pub use files::{RuleFile, RuleLine, load_files, read_rule_file, split_rules};
pub use port::PortSet;
pub use rule::{Action, Dir, Origin, ParseError, RawOption, RawRule, parse_rule};
pub use vars::{VarKind, Vars};

#[cfg(test)]
mod tests;
