//! TLS (and SSLv2/SSLv3): the handshake in the clear, read from the
//! reassembled stream, as Suricata's TLS parser reads it.
//!
//! What is parsed: the record layer of each direction (records split
//! across segments, several records per segment, handshake messages split
//! across records), ClientHello and ServerHello (legacy version,
//! supported_versions, cipher suites, SNI, ALPN, groups, point formats,
//! signature algorithms, session id and ticket, GREASE ignored),
//! HelloRetryRequest, the Certificate message of TLS ≤ 1.2 with X.509
//! fields of its first certificate, ChangeCipherSpec, alerts and
//! heartbeats (CVE-2014-0160 checks). Encrypted records are skipped by
//! their header alone: past the handshake a record costs a 5-byte header.
//!
//! What is logged: one `tls` record per flow (Suricata keeps one
//! transaction per TLS flow), when both sides finished their handshake or
//! when the flow ends, if it has a server certificate, a resumed session
//! or TLS 1.3 — Suricata's rule. Fingerprints JA3/JA3S/JA4 are always
//! computed for rules, and logged unless `ja3-fingerprints` /
//! `ja4-fingerprints` say `no` (see [`Fingerprints`] for why Taishi's
//! default differs from Suricata's).

mod cert;
mod detect;
pub mod fingerprint;
mod log;
pub mod parser;
pub mod state;
#[cfg(test)]
mod tests;

use taishi_core::config::parse_bool;
use taishi_flow::Direction;

use crate::config::ProtoConfig;
use crate::parser::AppParser;
use crate::registry::{Probe, ProtoDef, Transport};

pub use cert::{CertInfo, iso_utc};
pub use log::version_name;
pub use state::{TlsParser, TlsTx};

/// The protocol's registry entry.
pub const DEF: ProtoDef = ProtoDef {
    name: "tls",
    transport: Transport::Tcp,
    tcp_ports: &[443, 465, 636, 853, 993, 995, 8443],
    udp_ports: &[],
    default_enabled: true,
    port_only: false,
    probe,
    new_parser,
    settings: &[
        "ja3-fingerprints",
        "ja4-fingerprints",
        "encryption-handling",
        // The spelling of Suricata 4's configuration, still found in
        // old test configurations; same meaning.
        "encrypt-handling",
    ],
    stats: crate::stat_names!("tls"),
};

/// Largest handshake message kept for parsing. Certificate chains are the
/// big ones: real chains stay under ~20 KiB, and 256 KiB holds the
/// longest chains seen while bounding what a peer makes us buffer. A
/// larger message is skipped and counted.
pub const MAX_HANDSHAKE_MSG: usize = 256 * 1024;

/// Bytes of server certificates kept for `tls.certs` and `chain`: the
/// same bound as one handshake message, so a chain is kept whole.
pub const MAX_CHAIN_BYTES: usize = MAX_HANDSHAKE_MSG;

/// ALPN protocol names kept per hello; browsers offer 2-3, and the
/// registry holds a few dozen.
pub const MAX_ALPNS: usize = 16;

/// A value of `ja3-fingerprints` / `ja4-fingerprints`.
///
/// Suricata 7 and 8 default to `auto`: a fingerprint is computed and
/// logged only when a loaded rule uses it. Taishi's default is on: the
/// intel matcher looks JA3/JA4 indicators up in `tls` records, and an
/// analyst pivots on them, whatever the rules say; the cost is an MD5 and
/// a SHA-256 per TLS flow. `no` still turns them off, and `auto` keeps
/// Suricata's meaning: the binary knows the rules and replaces it with
/// `yes` or `no` before the stage starts ([`Fingerprints::AUTO`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fingerprints {
    /// Logged (`yes`, or the key absent).
    On,
    /// Not logged (`no`).
    Off,
    /// Logged when a loaded rule uses them (`auto`).
    Auto,
}

impl Fingerprints {
    /// The spelling of [`Fingerprints::Auto`].
    pub const AUTO: &'static str = "auto";

    /// Reads a setting; `None` (the key absent) is Taishi's default, on.
    /// A value that is neither a boolean nor `auto` is `None`.
    pub fn parse(value: Option<&str>) -> Option<Fingerprints> {
        let Some(v) = value else {
            return Some(Fingerprints::On);
        };
        if v.trim().eq_ignore_ascii_case(Self::AUTO) {
            return Some(Fingerprints::Auto);
        }
        parse_bool(v).map(|on| {
            if on {
                Fingerprints::On
            } else {
                Fingerprints::Off
            }
        })
    }
}

/// What a TLS flow logs and how far it is parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Log `ja3` and `ja3s` (`ja3-fingerprints`).
    pub ja3: bool,
    /// Log `ja4` (`ja4-fingerprints`).
    pub ja4: bool,
    /// `encryption-handling: bypass`: nothing is read once the
    /// transaction is logged.
    pub bypass: bool,
    /// Log the server `chain` (base64 DER). Suricata logs it only when its
    /// EVE output lists `chain` among custom fields; no app-layer key sets
    /// it, so it stays off.
    pub chain: bool,
}

impl Options {
    /// Options from the configuration (`app-layer.protocols.tls.*`).
    pub fn from_config(config: &ProtoConfig) -> Options {
        let Some(idx) = crate::registry::index_of("tls") else {
            return Options::default();
        };
        // The buffers for rules are always there; these say whether the
        // record carries them. An `auto` still here was not resolved
        // against rules (the library used without the binary): no rule is
        // known to use them, so it is off, as in Suricata with no rules.
        // A value neither boolean nor `auto` was refused by
        // `ProtoConfig::from_config`.
        let on = |k| Fingerprints::parse(config.setting(idx, k)) == Some(Fingerprints::On);
        let handling = config
            .setting(idx, "encryption-handling")
            .or_else(|| config.setting(idx, "encrypt-handling"))
            .unwrap_or("track-only");
        Options {
            ja3: on("ja3-fingerprints"),
            ja4: on("ja4-fingerprints"),
            bypass: handling.eq_ignore_ascii_case("bypass"),
            chain: false,
        }
    }
}

/// The first three bytes of a record, as Suricata's patterns have them
/// (`SSLRegisterPatternsForProtocolDetection`): a handshake (`0x16`, or
/// `0x01`) from the client, a handshake, alert (`0x15`) or application
/// data (`0x17`) record from the server, each of version `0x03 0x00` to
/// `0x03 0x03`; or an SSLv2 CLIENT-HELLO / SERVER-HELLO. Only the header is
/// looked at, as there: a malformed record after it is the parser's to
/// report, on a flow that is TLS (a CONNECT tunnel's first bytes, say).
fn probe(dir: Direction, data: &[u8], _udp: bool) -> Probe {
    let Some(&b0) = data.first() else {
        return Probe::NeedMore;
    };
    if b0 & 0x80 != 0 {
        return probe_ssl2(data);
    }
    let types: &[u8] = match dir {
        Direction::ToServer => &[0x01, parser::content::HANDSHAKE],
        Direction::ToClient => &[0x15, parser::content::HANDSHAKE, 0x17],
    };
    if !types.contains(&b0) {
        return Probe::No;
    }
    match (data.get(1), data.get(2)) {
        (Some(3), Some(&minor)) if minor <= 3 => Probe::Yes,
        (None, _) | (Some(3), None) => Probe::NeedMore,
        _ => Probe::No,
    }
}

fn probe_ssl2(data: &[u8]) -> Probe {
    let Ok(h) = parser::ssl2_header(data) else {
        return Probe::NeedMore;
    };
    let (Some(&t), Some(&major)) = (data.get(2), data.get(3)) else {
        return Probe::NeedMore;
    };
    // CLIENT-HELLO: version 0x0002, or 0x03xx from SSLv23 clients;
    // SERVER-HELLO: session-id-hit, certificate type, then version.
    let ok = match t {
        parser::ssl2::CLIENT_HELLO => h.len >= 9 && (major == 0 || major == 3),
        parser::ssl2::SERVER_HELLO => h.len >= 11,
        _ => false,
    };
    if ok { Probe::Yes } else { Probe::No }
}

fn new_parser(config: &ProtoConfig, _udp: bool) -> Box<dyn AppParser> {
    Box::new(TlsParser::new(Options::from_config(config)))
}
