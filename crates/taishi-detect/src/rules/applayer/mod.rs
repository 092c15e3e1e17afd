//! App-layer value keywords: options that compare a transaction's
//! integer or string fields rather than run content over a buffer
//! (`dns.rcode:3`, `ssl_version:!tls1.3`, `modbus: access write holding,
//! address 10`, `filemd5:bad.md5`, ...).
//!
//! Each keyword parses once into an [`AppKw`] and matches a transaction
//! through [`taishi_proto::Transaction::fields`] (integers) and
//! [`taishi_proto::Transaction::buffers`] (strings), so the engine needs no
//! protocol-specific code. Semantics follow Suricata 8 (its Rust and C
//! detection code, and docs.suricata.io); where the keyword depends on the
//! direction of the transaction's side, [`AppKw::matches_dir`] takes it.

use std::collections::HashSet;
use std::path::Path;

use taishi_proto::buffer::{Field, tls_state};
use taishi_proto::{Buffer, Transaction};

use crate::rules::keywords::KeywordError;
use crate::rules::range::{NumRange, parse_u64};

mod date;
mod modbus;
#[cfg(test)]
mod tests;

pub use modbus::ModbusKw;

/// An integer comparison, with Suricata's `!` in front of any form
/// (`!7-15`: not strictly between 7 and 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UintCmp {
    /// The comparison.
    pub range: NumRange,
    /// `!` in front: the comparison must not hold.
    pub negated: bool,
}

impl UintCmp {
    /// Parses `[!]N`, `<N`, `>=N`, `N-M`, `N<>M`, `!=N`, `==N` ...
    pub fn parse(keyword: &str, value: &str) -> Result<UintCmp, KeywordError> {
        let t = value.trim();
        let (negated, rest) = match t.strip_prefix("!=") {
            Some(r) => (true, r),
            None => match t.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, t.strip_prefix("==").unwrap_or(t)),
            },
        };
        let range =
            NumRange::parse(rest.trim()).map_err(|e| KeywordError::new(keyword, e.to_string()))?;
        Ok(UintCmp { range, negated })
    }

    /// Whether `v` satisfies it.
    pub fn matches(self, v: u64) -> bool {
        self.range.matches(v) != self.negated
    }
}

/// A comparison of an integer field, on the side(s) of a transaction it
/// exists on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntKw {
    /// Suricata's keyword name.
    pub name: &'static str,
    /// App-layer protocol.
    pub proto: &'static str,
    /// The field in the request (to-server) side.
    pub to_server: Option<Field>,
    /// The field in the response (to-client) side.
    pub to_client: Option<Field>,
    /// The comparison, applied to the values [`IntKw::index`] selects.
    pub cmp: UintCmp,
    /// Which of several values must match (Suricata's multi-integer index).
    pub index: IntIndex,
}

/// The index of a multi-integer keyword (`dns.rrtype:1,all`): which of a
/// transaction's values the comparison applies to. Suricata waits for the
/// transaction to complete before judging these; Taishi always inspects
/// complete transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntIndex {
    /// `any` (the default): one value matches.
    Any,
    /// `all`: every value matches, and there is at least one.
    All,
    /// `all_or_absent`: every value matches (none at all is a match).
    AllOrAbsent,
    /// `or_absent`: one value matches, or there is none.
    OrAbsent,
    /// `N` from the front (0 is the first) or `-N` from the back (-1 is the
    /// last); out of range does not match.
    At(i64),
    /// `nb<cmp>`: the count of matching values satisfies the comparison.
    Count(UintCmp),
}

impl IntIndex {
    /// Parses the text after the comma; `None` for forms not supported
    /// (subslices, `oob_or`), which skip the rule.
    fn parse(text: &str) -> Option<IntIndex> {
        let t = text.trim();
        Some(match t {
            "any" => IntIndex::Any,
            "all" => IntIndex::All,
            "all_or_absent" => IntIndex::AllOrAbsent,
            "or_absent" => IntIndex::OrAbsent,
            _ => {
                if let Some(c) = t.strip_prefix("nb") {
                    IntIndex::Count(UintCmp::parse("nb", c.trim()).ok()?)
                } else {
                    IntIndex::At(t.parse().ok()?)
                }
            }
        })
    }

    /// Whether `values` (in message order) satisfy `cmp` at this index.
    fn matches(&self, values: &[u64], cmp: &UintCmp) -> bool {
        match self {
            IntIndex::Any => values.iter().any(|&v| cmp.matches(v)),
            IntIndex::All => !values.is_empty() && values.iter().all(|&v| cmp.matches(v)),
            IntIndex::AllOrAbsent => values.iter().all(|&v| cmp.matches(v)),
            IntIndex::OrAbsent => values.is_empty() || values.iter().any(|&v| cmp.matches(v)),
            IntIndex::At(i) => {
                let at = if *i < 0 {
                    values.len().checked_sub(i.unsigned_abs() as usize)
                } else {
                    usize::try_from(*i).ok()
                };
                at.and_then(|i| values.get(i))
                    .is_some_and(|&v| cmp.matches(v))
            }
            IntIndex::Count(n) => {
                n.matches(values.iter().filter(|&&v| cmp.matches(v)).count() as u64)
            }
        }
    }
}

/// The TLS/SSL versions `ssl_version` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SslVer {
    /// `sslv2`
    Ssl2,
    /// `sslv3`
    Ssl3,
    /// `tls1.0`
    Tls10,
    /// `tls1.1`
    Tls11,
    /// `tls1.2`
    Tls12,
    /// `tls1.3` (and its drafts)
    Tls13,
}

impl SslVer {
    fn from_wire(v: u64) -> Option<SslVer> {
        Some(match v {
            0x0002 => SslVer::Ssl2,
            0x0300 => SslVer::Ssl3,
            0x0301 => SslVer::Tls10,
            0x0302 => SslVer::Tls11,
            0x0303 => SslVer::Tls12,
            0x0304 | 0x7f00..=0x7fff | 0xfb00..=0xfbff => SslVer::Tls13,
            _ => return None,
        })
    }

    fn from_name(s: &str) -> Option<SslVer> {
        Some(match s {
            "sslv2" => SslVer::Ssl2,
            "sslv3" => SslVer::Ssl3,
            "tls1.0" => SslVer::Tls10,
            "tls1.1" => SslVer::Tls11,
            "tls1.2" => SslVer::Tls12,
            "tls1.3" => SslVer::Tls13,
            _ => return None,
        })
    }
}

/// How a certificate date is compared (`tls_cert_notbefore` ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateCmp {
    /// `DATE`: equal.
    Eq(i64),
    /// `<DATE`: strictly before.
    Lt(i64),
    /// `>DATE`: strictly after.
    Gt(i64),
    /// `DATE<>DATE`: between, inclusive.
    Range(i64, i64),
}

impl DateCmp {
    fn matches(self, v: i64) -> bool {
        match self {
            DateCmp::Eq(d) => v == d,
            DateCmp::Lt(d) => v < d,
            DateCmp::Gt(d) => v > d,
            DateCmp::Range(a, b) => v >= a && v <= b,
        }
    }
}

/// Which file hash a hash list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKind {
    /// `filemd5`
    Md5,
    /// `filesha1`
    Sha1,
    /// `filesha256`
    Sha256,
}

/// One app-layer value keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppKw {
    /// An integer comparison (`dns.opcode`, `dns.rcode`, `dns.rrtype`,
    /// `tls.cert_chain_len`, `ftp.dynamic_port`, `filesize`, `dnp3.func`
    /// as a number, `dnp3.ind` as a number).
    Int(IntKw),
    /// `ssl_version:sslv3,!tls1.3`; `tls.version:1.2` (one positive entry).
    SslVersion {
        /// Versions listed without `!`.
        positive: Vec<SslVer>,
        /// Versions listed with `!`.
        negated: Vec<SslVer>,
        /// `tls.version` rather than `ssl_version` (for the name only).
        tls_version: bool,
    },
    /// `ssl_state:client_hello|!server_keyx`: any positive state seen and
    /// no negated one.
    SslState {
        /// [`tls_state`] bits of which one must have been seen.
        any: u64,
        /// Bits that must not have been seen.
        none: u64,
    },
    /// `tls_cert_notbefore` (`after` false) / `tls_cert_notafter` (true).
    CertDate {
        /// notAfter rather than notBefore.
        after: bool,
        /// The comparison.
        cmp: DateCmp,
    },
    /// `tls_cert_expired` (true) / `tls_cert_valid` (false), against the
    /// time of the packet that carried the certificate.
    CertExpired(bool),
    /// `tls.subject:"..."`, `tls.issuerdn:"..."`, `tls.fingerprint:"..."`,
    /// `filename:"..."`: substring of a buffer, optionally negated.
    Substr {
        /// Keyword name.
        name: &'static str,
        /// App-layer protocol (`None`: any with files).
        proto: Option<&'static str>,
        /// The buffer (same in both directions).
        buffer: Buffer,
        /// What to find.
        needle: Vec<u8>,
        /// Compare case-insensitively.
        nocase: bool,
        /// `!"..."`: must not be found (and the buffer must exist).
        negated: bool,
    },
    /// `ftp.mode:active` (true) / `passive` (false).
    FtpMode(bool),
    /// `ftp.reply_received:yes|no`.
    FtpReplyReceived(bool),
    /// `ftpbounce`.
    FtpBounce,
    /// `modbus: ...`.
    Modbus(ModbusKw),
    /// `dnp3_func` / `dnp3.func`: function code on the side inspected.
    Dnp3Func(u8),
    /// `dnp3_ind` / `dnp3.ind` flag names: the set bits among `mask` must
    /// equal `expected` (a `!name` must be clear); Suricata 7's plain
    /// name list (no `!`) matches when any named flag is set.
    Dnp3Ind {
        /// Named flags.
        mask: u16,
        /// Those of them that must be set.
        expected: u16,
        /// Any named flag set is enough (no `!` in the list).
        any: bool,
    },
    /// `dnp3_obj:GROUP,VARIATION`.
    Dnp3Obj {
        /// Object group.
        group: u8,
        /// Object variation.
        variation: u8,
    },
    /// `fileext:"exe"`: a file name ends with `.exe`, any case.
    FileExt {
        /// `.ext`, lower case.
        suffix: Vec<u8>,
        /// `!"exe"`.
        negated: bool,
    },
    /// `filestore[:DIRECTION[,SCOPE]]`: the transaction has a file on the
    /// side inspected (`Some(true)`: only to the server, `Some(false)`: only
    /// to the client), and once the rule matches its files are kept
    /// ([`taishi_proto::Transaction::store_files`]). Every scope stores
    /// the transaction's files: Taishi keeps no per-file or per-session
    /// store marks.
    Filestore(Option<bool>),
    /// `filemd5` / `filesha1` / `filesha256`: a file's hash is (or with
    /// `!`, is not) in the list file.
    FileHash {
        /// Which hash.
        kind: HashKind,
        /// Lower-case hex hashes.
        hashes: HashSet<Vec<u8>>,
        /// `!list`.
        negated: bool,
    },
}

fn err(keyword: &str, message: impl Into<String>) -> KeywordError {
    KeywordError::new(keyword, message)
}

/// The value, trimmed and without one pair of double quotes.
fn unquote(v: &str) -> &str {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => v,
    }
}

fn required<'a>(keyword: &str, value: Option<&'a str>) -> Result<&'a str, KeywordError> {
    match value.map(unquote) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(err(keyword, "a value is required")),
    }
}

fn no_value(keyword: &str, value: Option<&str>) -> Result<(), KeywordError> {
    match value.map(str::trim) {
        None | Some("") => Ok(()),
        Some(_) => Err(err(keyword, "takes no value")),
    }
}

/// `!"text"` or `"!text"` → (negated, text), quotes and escapes removed.
fn negatable(keyword: &str, value: Option<&str>) -> Result<(bool, String), KeywordError> {
    let v = value.map(str::trim).unwrap_or("");
    let (neg, rest) = match v.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, v),
    };
    let inner = rest
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(rest);
    let (neg, inner) = match inner.strip_prefix('!') {
        Some(r) if !neg => (true, r),
        _ => (neg, inner),
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(err(keyword, "a value is required"));
    }
    Ok((neg, out))
}

fn int(
    name: &'static str,
    proto: &'static str,
    to_server: Option<Field>,
    to_client: Option<Field>,
    cmp: UintCmp,
) -> AppKw {
    AppKw::Int(IntKw {
        name,
        proto,
        to_server,
        to_client,
        cmp,
        index: IntIndex::Any,
    })
}

/// Whether `cmp` can hold for some value below `limit` (a value out of
/// the field's width is refused, as Suricata's typed integer parsers do).
fn check_width(keyword: &str, cmp: UintCmp, limit: u64) -> Result<UintCmp, KeywordError> {
    let n = match cmp.range {
        NumRange::Eq(n)
        | NumRange::Ne(n)
        | NumRange::Lt(n)
        | NumRange::Le(n)
        | NumRange::Gt(n)
        | NumRange::Ge(n) => n,
        NumRange::Between(_, b) => b,
    };
    if n > limit {
        return Err(err(keyword, format!("value out of range (max {limit})")));
    }
    Ok(cmp)
}

/// DNS rcode names, as `dns.rcode` accepts them.
fn dns_rcode(name: &str) -> Option<u64> {
    const NAMES: [&str; 12] = [
        "noerror",
        "formerr",
        "servfail",
        "nxdomain",
        "notimp",
        "refused",
        "yxdomain",
        "yxrrset",
        "nxrrset",
        "notauth",
        "notzone",
        "dsotypeni",
    ];
    let l = name.to_ascii_lowercase();
    NAMES.iter().position(|n| *n == l).map(|i| i as u64)
}

/// DNS rrtype names, as `dns.rrtype` accepts them.
fn dns_rrtype(name: &str) -> Option<u64> {
    Some(match name.to_ascii_uppercase().as_str() {
        "A" => 1,
        "NS" => 2,
        "MD" => 3,
        "MF" => 4,
        "CNAME" => 5,
        "SOA" => 6,
        "MB" => 7,
        "MG" => 8,
        "MR" => 9,
        "NULL" => 10,
        "WKS" => 11,
        "PTR" => 12,
        "HINFO" => 13,
        "MINFO" => 14,
        "MX" => 15,
        "TXT" => 16,
        "RP" => 17,
        "AFSDB" => 18,
        "X25" => 19,
        "ISDN" => 20,
        "RT" => 21,
        "NSAP" => 22,
        "NSAPPTR" => 23,
        "SIG" => 24,
        "KEY" => 25,
        "PX" => 26,
        "GPOS" => 27,
        "AAAA" => 28,
        "LOC" => 29,
        "NXT" => 30,
        "SRV" => 33,
        "ATMA" => 34,
        "NAPTR" => 35,
        "KX" => 36,
        "CERT" => 37,
        "A6" => 38,
        "DNAME" => 39,
        "OPT" => 41,
        "APL" => 42,
        "DS" => 43,
        "SSHFP" => 44,
        "IPSECKEY" => 45,
        "RRSIG" => 46,
        "NSEC" => 47,
        "DNSKEY" => 48,
        "DHCID" => 49,
        "NSEC3" => 50,
        "NSEC3PARAM" => 51,
        "TLSA" => 52,
        "HIP" => 55,
        "CDS" => 59,
        "CDNSKEY" => 60,
        "HTTPS" => 65,
        "SPF" => 99,
        "TKEY" => 249,
        "TSIG" => 250,
        "MAILA" => 254,
        "ANY" => 255,
        "URI" => 256,
        _ => return None,
    })
}

/// A comparison whose value may also be a name (`dns.rcode:nxdomain`,
/// `dns.rrtype:!AAAA`).
fn named_cmp(
    keyword: &str,
    v: &str,
    names: fn(&str) -> Option<u64>,
    limit: u64,
) -> Result<UintCmp, KeywordError> {
    let t = v.trim();
    let (neg, rest) = match t.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, t),
    };
    if let Some(n) = names(rest) {
        return Ok(UintCmp {
            range: NumRange::Eq(n),
            negated: neg,
        });
    }
    check_width(keyword, UintCmp::parse(keyword, t)?, limit)
}

/// DNP3 internal indication names and bits (`iin1 << 8 | iin2`), as the
/// protocol stage logs them.
use taishi_proto::dnp3::log::INDICATORS as DNP3_IND;

/// Reads a hash list: one hex hash per line, optionally followed by a
/// file name; `#` comments and blank lines skipped.
fn read_hash_list(
    keyword: &str,
    kind: HashKind,
    name: &str,
    rules_dir: Option<&Path>,
) -> Result<HashSet<Vec<u8>>, KeywordError> {
    let path = match rules_dir {
        Some(d) if Path::new(name).is_relative() => d.join(name),
        _ => Path::new(name).to_path_buf(),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| err(keyword, format!("cannot read {}: {e}", path.display())))?;
    let len = match kind {
        HashKind::Md5 => 32,
        HashKind::Sha1 => 40,
        HashKind::Sha256 => 64,
    };
    let mut out = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let hash = line.split_whitespace().next().unwrap_or("");
        if hash.len() != len || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err(
                keyword,
                format!("{}:{}: not a {len}-digit hex hash", path.display(), i + 1),
            ));
        }
        out.insert(hash.to_ascii_lowercase().into_bytes());
    }
    Ok(out)
}

impl AppKw {
    /// Ok(None) when `name` is not an app-layer value keyword. Hash-list
    /// keywords read their list relative to the working directory; see
    /// [`AppKw::parse_in`].
    pub fn parse(name: &str, value: Option<&str>) -> Result<Option<AppKw>, KeywordError> {
        AppKw::parse_in(name, value, None)
    }

    /// As [`AppKw::parse`], with the folder of the rules file, against
    /// which `filemd5:list.txt` and its kin resolve a relative name (as
    /// Suricata resolves it against its rule path).
    pub fn parse_in(
        name: &str,
        value: Option<&str>,
        rules_dir: Option<&Path>,
    ) -> Result<Option<AppKw>, KeywordError> {
        use Field::*;
        let kw = match name {
            "dns.opcode" => {
                let v = required(name, value)?;
                let cmp = check_width(name, UintCmp::parse(name, v)?, 15)?;
                int(
                    "dns.opcode",
                    "dns",
                    Some(DnsRequestOpcode),
                    Some(DnsResponseOpcode),
                    cmp,
                )
            }
            "dns.rcode" => {
                let v = required(name, value)?;
                let cmp = named_cmp(name, v, dns_rcode, 0xffff)?;
                int(
                    "dns.rcode",
                    "dns",
                    Some(DnsRequestRcode),
                    Some(DnsResponseRcode),
                    cmp,
                )
            }
            "dns.rrtype" => {
                // A multi-integer: `value[,index]`.
                let v = required(name, value)?;
                let (v, index) = match v.split_once(',') {
                    Some((v, idx)) => (
                        v,
                        IntIndex::parse(idx).ok_or_else(|| {
                            err(name, format!("index '{}' is not supported", idx.trim()))
                        })?,
                    ),
                    None => (v, IntIndex::Any),
                };
                let cmp = named_cmp(name, v, dns_rrtype, 0xffff)?;
                let mut kw = int(
                    "dns.rrtype",
                    "dns",
                    Some(DnsRequestRrtype),
                    Some(DnsResponseRrtype),
                    cmp,
                );
                if let AppKw::Int(k) = &mut kw {
                    k.index = index;
                }
                kw
            }
            "tls.cert_chain_len" => {
                let cmp = UintCmp::parse(name, required(name, value)?)?;
                int(
                    "tls.cert_chain_len",
                    "tls",
                    None,
                    Some(TlsCertChainLen),
                    cmp,
                )
            }
            "ftp.dynamic_port" => {
                let cmp = check_width(name, UintCmp::parse(name, required(name, value)?)?, 0xffff)?;
                int(
                    "ftp.dynamic_port",
                    "ftp",
                    Some(FtpDynamicPort),
                    Some(FtpDynamicPort),
                    cmp,
                )
            }
            "filesize" => {
                let v = required(name, value)?;
                let cmp = UintCmp::parse(name, &filesize_units(name, v)?)?;
                return Ok(Some(int(
                    "filesize",
                    "",
                    Some(FileSize),
                    Some(FileSize),
                    cmp,
                )));
            }
            "ssl_version" => {
                let v = required(name, value)?;
                let (mut positive, mut negated) = (Vec::new(), Vec::new());
                for part in v.split(',') {
                    let p = part.trim();
                    let (neg, p) = match p.strip_prefix('!') {
                        Some(r) => (true, r.trim()),
                        None => (false, p),
                    };
                    let ver = SslVer::from_name(&p.to_ascii_lowercase())
                        .ok_or_else(|| err(name, format!("unknown version '{p}'")))?;
                    if positive.contains(&ver) || negated.contains(&ver) {
                        return Err(err(name, format!("'{p}' listed twice")));
                    }
                    if neg {
                        negated.push(ver);
                    } else {
                        positive.push(ver);
                    }
                }
                AppKw::SslVersion {
                    positive,
                    negated,
                    tls_version: false,
                }
            }
            "tls.version" => {
                let v = required(name, value)?;
                let ver = match v {
                    "1.0" => SslVer::Tls10,
                    "1.1" => SslVer::Tls11,
                    "1.2" => SslVer::Tls12,
                    "1.3" => SslVer::Tls13,
                    "3.0" => SslVer::Ssl3,
                    "2.0" => SslVer::Ssl2,
                    _ => {
                        let n = parse_u64(v)
                            .ok_or_else(|| err(name, format!("unknown version '{v}'")))?;
                        SslVer::from_wire(n)
                            .ok_or_else(|| err(name, format!("unknown version '{v}'")))?
                    }
                };
                AppKw::SslVersion {
                    positive: vec![ver],
                    negated: Vec::new(),
                    tls_version: true,
                }
            }
            "ssl_state" => {
                let v = required(name, value)?;
                let (mut any, mut none) = (0, 0);
                for part in v.split('|') {
                    let p = part.trim();
                    let (neg, p) = match p.strip_prefix('!') {
                        Some(r) => (true, r.trim()),
                        None => (false, p),
                    };
                    let bit = match p {
                        "client_hello" => tls_state::CLIENT_HELLO,
                        "server_hello" => tls_state::SERVER_HELLO,
                        "client_keyx" => tls_state::CLIENT_KEYX,
                        "server_keyx" => tls_state::SERVER_KEYX,
                        "unknown" => tls_state::UNKNOWN,
                        _ => return Err(err(name, format!("unknown state '{p}'"))),
                    };
                    if neg {
                        none |= bit;
                    } else {
                        any |= bit;
                    }
                }
                AppKw::SslState { any, none }
            }
            "tls_cert_notbefore" | "tls_cert_notafter" => AppKw::CertDate {
                after: name == "tls_cert_notafter",
                cmp: date::parse_cmp(name, required(name, value)?)?,
            },
            "tls_cert_expired" | "tls_cert_valid" => {
                no_value(name, value)?;
                AppKw::CertExpired(name == "tls_cert_expired")
            }
            "tls.subject" | "tls.issuerdn" | "tls.fingerprint" | "filename" => {
                let (negated, text) = negatable(name, value)?;
                let (name, proto, buffer, nocase) = match name {
                    "tls.subject" => ("tls.subject", Some("tls"), Buffer::TlsCertSubject, false),
                    "tls.issuerdn" => ("tls.issuerdn", Some("tls"), Buffer::TlsCertIssuer, false),
                    // The fingerprint buffer is lower-case hex; Suricata
                    // lower-cases the rule's value to match it.
                    "tls.fingerprint" => (
                        "tls.fingerprint",
                        Some("tls"),
                        Buffer::TlsCertFingerprint,
                        true,
                    ),
                    // Suricata 7 turns `filename:"x"` into `file.name;
                    // content:"x"; nocase;`.
                    _ => ("filename", None, Buffer::FileName, true),
                };
                AppKw::Substr {
                    name,
                    proto,
                    buffer,
                    needle: text.into_bytes(),
                    nocase,
                    negated,
                }
            }
            "ftp.mode" => match required(name, value)? {
                "active" => AppKw::FtpMode(true),
                "passive" => AppKw::FtpMode(false),
                v => return Err(err(name, format!("expected active or passive, got '{v}'"))),
            },
            "ftp.reply_received" => match required(name, value)? {
                "yes" | "on" | "true" | "1" => AppKw::FtpReplyReceived(true),
                "no" | "off" | "false" | "0" => AppKw::FtpReplyReceived(false),
                v => return Err(err(name, format!("expected yes or no, got '{v}'"))),
            },
            "ftpbounce" => {
                no_value(name, value)?;
                AppKw::FtpBounce
            }
            "modbus" => AppKw::Modbus(ModbusKw::parse(required(name, value)?)?),
            "dnp3_func" | "dnp3.func" => {
                let v = required(name, value)?;
                let code = taishi_proto::dnp3::detect::function_code(v)
                    .ok_or_else(|| err(name, format!("unknown function '{v}'")))?;
                AppKw::Dnp3Func(code)
            }
            "dnp3_ind" | "dnp3.ind" => dnp3_ind(name, required(name, value)?)?,
            "dnp3_obj" | "dnp3.obj" => {
                let v = required(name, value)?;
                let (g, var) = v
                    .split_once(',')
                    .ok_or_else(|| err(name, "expected GROUP,VARIATION"))?;
                let num = |s: &str| {
                    s.trim()
                        .parse::<u8>()
                        .map_err(|_| err(name, format!("'{}' is not a number 0-255", s.trim())))
                };
                AppKw::Dnp3Obj {
                    group: num(g)?,
                    variation: num(var)?,
                }
            }
            "fileext" => {
                let (negated, text) = negatable(name, value)?;
                let mut suffix = b".".to_vec();
                suffix.extend(text.to_ascii_lowercase().into_bytes());
                AppKw::FileExt { suffix, negated }
            }
            "filestore" => AppKw::Filestore(filestore_direction(value)?),
            "filemd5" | "filesha1" | "filesha256" => {
                let (negated, file) = negatable(name, value)?;
                let kind = match name {
                    "filemd5" => HashKind::Md5,
                    "filesha1" => HashKind::Sha1,
                    _ => HashKind::Sha256,
                };
                AppKw::FileHash {
                    kind,
                    hashes: read_hash_list(name, kind, &file, rules_dir)?,
                    negated,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(kw))
    }

    /// Suricata's name of the app-layer protocol it applies to (`dns`,
    /// `tls`, ...); empty for file keywords, which any protocol with
    /// files satisfies.
    pub fn proto(&self) -> &'static str {
        match self {
            AppKw::Int(k) => k.proto,
            AppKw::SslVersion { .. }
            | AppKw::SslState { .. }
            | AppKw::CertDate { .. }
            | AppKw::CertExpired(_) => "tls",
            AppKw::Substr { proto, .. } => proto.unwrap_or(""),
            AppKw::FtpMode(_) | AppKw::FtpReplyReceived(_) | AppKw::FtpBounce => "ftp",
            AppKw::Modbus(_) => "modbus",
            AppKw::Dnp3Func(_) | AppKw::Dnp3Ind { .. } | AppKw::Dnp3Obj { .. } => "dnp3",
            AppKw::FileExt { .. } | AppKw::FileHash { .. } | AppKw::Filestore(_) => "",
        }
    }

    /// Whether a match keeps the transaction's files (`filestore`).
    pub fn stores(&self) -> bool {
        matches!(self, AppKw::Filestore(_))
    }

    /// Some(true) when it only exists on requests (to server), Some(false)
    /// responses only.
    pub fn direction(&self) -> Option<bool> {
        match self {
            AppKw::Int(k) => match (k.to_server, k.to_client) {
                (Some(_), None) => Some(true),
                (None, Some(_)) => Some(false),
                _ => None,
            },
            AppKw::CertDate { .. }
            | AppKw::CertExpired(_)
            | AppKw::Dnp3Ind { .. }
            | AppKw::FtpReplyReceived(_) => Some(false),
            AppKw::Substr { proto: Some(_), .. } => Some(false),
            AppKw::FtpBounce | AppKw::Modbus(_) => Some(true),
            AppKw::Filestore(dir) => *dir,
            _ => None,
        }
    }

    /// Whether the transaction matches, on whichever side it has.
    pub fn matches(&self, tx: &dyn Transaction) -> bool {
        self.matches_dir(tx, None)
    }

    /// Whether the transaction matches on one side: `Some(true)` the
    /// request (to-server) side, `Some(false)` the response, `None`
    /// either (a rule without a direction).
    pub fn matches_dir(&self, tx: &dyn Transaction, to_server: Option<bool>) -> bool {
        let sides: &[bool] = match to_server {
            Some(true) => &[true],
            Some(false) => &[false],
            None => &[true, false],
        };
        sides.iter().any(|&s| self.matches_side(tx, s))
    }

    fn matches_side(&self, tx: &dyn Transaction, to_server: bool) -> bool {
        match self {
            AppKw::Int(k) => {
                let field = if to_server { k.to_server } else { k.to_client };
                field.is_some_and(|f| match k.index {
                    IntIndex::Any => any_value(tx, f, |v| k.cmp.matches(v)),
                    _ => {
                        let mut values = Vec::new();
                        tx.fields(f, &mut |v| values.push(v));
                        k.index.matches(&values, &k.cmp)
                    }
                })
            }
            AppKw::SslVersion {
                positive, negated, ..
            } => {
                let field = if to_server {
                    Field::TlsClientVersion
                } else {
                    Field::TlsServerVersion
                };
                let Some(ver) = first(tx, field).and_then(SslVer::from_wire) else {
                    return false;
                };
                if negated.contains(&ver) {
                    false
                } else {
                    !negated.is_empty() || positive.contains(&ver)
                }
            }
            AppKw::SslState { any, none } => {
                let seen = first(tx, Field::TlsState).unwrap_or(0);
                (*any == 0 || seen & any != 0) && seen & none == 0
            }
            AppKw::CertDate { after, cmp } => {
                let f = if *after {
                    Field::TlsCertNotAfter
                } else {
                    Field::TlsCertNotBefore
                };
                first(tx, f).is_some_and(|v| cmp.matches(v as i64))
            }
            AppKw::CertExpired(expired) => {
                let (Some(nb), Some(na), Some(now)) = (
                    first(tx, Field::TlsCertNotBefore),
                    first(tx, Field::TlsCertNotAfter),
                    first(tx, Field::TlsCertSeenAt),
                ) else {
                    return false;
                };
                let (nb, na, now) = (nb as i64, na as i64, now as i64);
                if *expired {
                    now > na
                } else {
                    now >= nb && now <= na
                }
            }
            AppKw::Substr {
                buffer,
                needle,
                nocase,
                negated,
                ..
            } => {
                let (mut seen, mut found) = (false, false);
                tx.buffers(file_side(*buffer, to_server), &mut |b| {
                    seen = true;
                    found |= if *nocase {
                        find_nocase(b, needle)
                    } else {
                        memchr::memmem::find(b, needle).is_some()
                    };
                });
                seen && found != *negated
            }
            AppKw::FtpMode(active) => first(tx, Field::FtpMode) == Some(u64::from(*active)),
            AppKw::FtpReplyReceived(yes) => {
                first(tx, Field::FtpReplyReceived).map(|v| v != 0) == Some(*yes)
            }
            AppKw::FtpBounce => first(tx, Field::FtpBounce) == Some(1),
            AppKw::Modbus(m) => m.matches(tx),
            AppKw::Dnp3Func(code) => {
                let f = if to_server {
                    Field::Dnp3RequestFunction
                } else {
                    Field::Dnp3ResponseFunction
                };
                first(tx, f) == Some(u64::from(*code))
            }
            AppKw::Dnp3Ind {
                mask,
                expected,
                any,
            } => {
                let Some(v) = first(tx, Field::Dnp3Indicators) else {
                    return false;
                };
                let v = v as u16;
                if *any {
                    v & mask != 0
                } else {
                    v & mask == *expected
                }
            }
            AppKw::Dnp3Obj { group, variation } => {
                let f = if to_server {
                    Field::Dnp3RequestObject
                } else {
                    Field::Dnp3ResponseObject
                };
                let want = u64::from(*group) << 8 | u64::from(*variation);
                any_value(tx, f, |v| v == want)
            }
            AppKw::FileExt { suffix, negated } => {
                let (mut seen, mut found) = (false, false);
                tx.buffers(file_side(Buffer::FileName, to_server), &mut |b| {
                    seen = true;
                    found |= b.len() >= suffix.len()
                        && b[b.len() - suffix.len()..].eq_ignore_ascii_case(suffix);
                });
                seen && found != *negated
            }
            AppKw::Filestore(_) => {
                let want = u64::from(!to_server);
                any_value(tx, Field::FileDirection, |d| d == want)
            }
            AppKw::FileHash {
                kind,
                hashes,
                negated,
            } => {
                let buffer = match kind {
                    HashKind::Md5 => Buffer::FileMd5,
                    HashKind::Sha1 => Buffer::FileSha1,
                    HashKind::Sha256 => Buffer::FileSha256,
                };
                let mut hit = false;
                tx.buffers(buffer, &mut |h| {
                    let h = h.to_ascii_lowercase();
                    hit |= hashes.contains(&h) != *negated;
                });
                hit
            }
        }
    }
}

/// File names are kept by direction: the to-client side of a
/// `filename`/`fileext` keyword reads the names of downloads.
fn file_side(buffer: Buffer, to_server: bool) -> Buffer {
    match buffer {
        Buffer::FileName if !to_server => Buffer::FileNameToClient,
        b => b,
    }
}

/// The direction of `filestore:DIRECTION[,SCOPE]` (`None`: both, or the
/// side the rule matched on, Suricata's default).
fn filestore_direction(value: Option<&str>) -> Result<Option<bool>, KeywordError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let (dir, scope) = match v.split_once(',') {
        Some((d, s)) => (d.trim(), Some(s.trim())),
        None => (v, None),
    };
    if let Some(s) = scope
        && !matches!(s, "file" | "tx" | "ssn")
    {
        return Err(err("filestore", format!("unknown scope '{s}'")));
    }
    match dir {
        "request" | "to_server" => Ok(Some(true)),
        "response" | "to_client" => Ok(Some(false)),
        "both" => Ok(None),
        d => Err(err("filestore", format!("unknown direction '{d}'"))),
    }
}

/// `dnp3.ind`: flag names (`device_restart,!need_time`), or a number
/// comparison (`0x8000`, `!0`).
fn dnp3_ind(keyword: &str, v: &str) -> Result<AppKw, KeywordError> {
    let first = v.trim().trim_start_matches('!').trim_start();
    if first.starts_with(|c: char| c.is_ascii_digit() || "<>=".contains(c)) {
        let cmp = check_width(keyword, UintCmp::parse(keyword, v)?, 0xffff)?;
        return Ok(int(
            "dnp3.ind",
            "dnp3",
            None,
            Some(Field::Dnp3Indicators),
            cmp,
        ));
    }
    let (mut mask, mut expected, mut negation) = (0u16, 0u16, false);
    for part in v.split(',') {
        let p = part.trim();
        let (neg, p) = match p.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, p),
        };
        let bit = DNP3_IND
            .iter()
            .find(|(n, _)| *n == p)
            .map(|(_, b)| *b)
            .ok_or_else(|| err(keyword, format!("unknown indicator '{p}'")))?;
        mask |= bit;
        if neg {
            negation = true;
        } else {
            expected |= bit;
        }
    }
    Ok(AppKw::Dnp3Ind {
        mask,
        expected,
        any: !negation,
    })
}

/// `filesize:10KB` etc.: Suricata accepts KB/MB/GB suffixes.
fn filesize_units(keyword: &str, v: &str) -> Result<String, KeywordError> {
    let mut out = String::new();
    let mut num = String::new();
    let flush = |num: &mut String, unit: u64, out: &mut String| -> Result<(), KeywordError> {
        if !num.is_empty() {
            let n: u64 = num
                .parse()
                .map_err(|_| err(keyword, format!("'{num}' is not a number")))?;
            out.push_str(&n.saturating_mul(unit).to_string());
            num.clear();
        }
        Ok(())
    };
    let t = v.trim();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c.to_ascii_uppercase() {
            'K' => 1 << 10,
            'M' => 1 << 20,
            'G' => 1 << 30,
            _ => {
                flush(&mut num, 1, &mut out)?;
                out.push(c);
                continue;
            }
        };
        if chars.peek().is_some_and(|n| n.eq_ignore_ascii_case(&'B')) {
            chars.next();
        }
        flush(&mut num, unit, &mut out)?;
    }
    flush(&mut num, 1, &mut out)?;
    Ok(out)
}

/// The first value of a field.
fn first(tx: &dyn Transaction, field: Field) -> Option<u64> {
    let mut out = None;
    tx.fields(field, &mut |v| {
        if out.is_none() {
            out = Some(v);
        }
    });
    out
}

/// Whether any value of a field satisfies `pred`.
fn any_value(tx: &dyn Transaction, field: Field, pred: impl Fn(u64) -> bool) -> bool {
    let mut hit = false;
    tx.fields(field, &mut |v| hit |= pred(v));
    hit
}

fn find_nocase(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}
