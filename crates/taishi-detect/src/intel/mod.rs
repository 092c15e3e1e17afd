//! Threat intelligence: indicators imported from the formats people have
//! (plain lists, CSV, STIX 2.1, MISP, Suricata datasets), an index that
//! answers "is this address / name / URL / hash known bad" in a few
//! hundred nanoseconds, and an [`Observer`](crate::observe::Observer) that
//! turns hits in EVE records into `alert` records (gid 2).
//!
//! The trade-off: the index is built once and is read-only afterwards
//! ([`IntelSet`] is shared by reference between workers, no locks). A
//! changed feed means a new set, swapped in whole; that keeps lookups free
//! of synchronisation and lets IP prefixes be flattened into disjoint
//! sorted ranges, which makes longest-prefix match one binary search.

pub mod formats;
mod ipindex;
mod normalize;
mod observer;
mod set;
mod store;
mod time;

pub use formats::{BadRecord, Format, ParseOutput, parse_bytes, parse_file};
pub use normalize::{infer_kind, normalize_domain, normalize_hex, normalize_url, normalize_value};
pub use observer::{INTEL_GID, IntelObserver, IntelObserverStats, MAX_TRACKED_FLOWS};
pub use set::{IntelHit, IntelSet, IntelStats};
pub use store::{FileReport, ImportReport, IntelStore, StoreError, read_files};
pub use time::parse_time;

use serde::{Deserialize, Serialize};

/// What an indicator is, which decides where it is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// IPv4 address or CIDR prefix.
    Ipv4,
    /// IPv6 address or CIDR prefix.
    Ipv6,
    /// Domain name; matches its subdomains too.
    Domain,
    /// URL, compared after normalisation.
    Url,
    /// MD5 of a file.
    Md5,
    /// SHA-1 of a file.
    Sha1,
    /// SHA-256 of a file.
    Sha256,
    /// JA3 client fingerprint (an MD5).
    Ja3,
    /// JA3S server fingerprint (an MD5).
    Ja3s,
    /// JA4 client fingerprint.
    Ja4,
    /// SHA-1 fingerprint of an X.509 certificate.
    CertSha1,
}

impl IndicatorKind {
    /// Every kind, in signature-id order.
    pub const ALL: [IndicatorKind; 11] = [
        IndicatorKind::Ipv4,
        IndicatorKind::Ipv6,
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Md5,
        IndicatorKind::Sha1,
        IndicatorKind::Sha256,
        IndicatorKind::Ja3,
        IndicatorKind::Ja3s,
        IndicatorKind::Ja4,
        IndicatorKind::CertSha1,
    ];

    /// The name used in files, alerts and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Ipv4 => "ipv4",
            IndicatorKind::Ipv6 => "ipv6",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::Ja3 => "ja3",
            IndicatorKind::Ja3s => "ja3s",
            IndicatorKind::Ja4 => "ja4",
            IndicatorKind::CertSha1 => "cert_sha1",
        }
    }

    /// Parses [`as_str`](Self::as_str) names and the common aliases feeds
    /// use for a type column (MISP attribute types, STIX object types).
    pub fn from_name(name: &str) -> Option<IndicatorKind> {
        let n = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match n.as_str() {
            "ipv4" | "ipv4-addr" | "ip4" | "ip-v4" | "ip" | "ip-dst" | "ip-src" | "ip:port"
            | "ip-port" => IndicatorKind::Ipv4,
            "ipv6" | "ipv6-addr" | "ip6" | "ip-v6" => IndicatorKind::Ipv6,
            "domain" | "domain-name" | "hostname" | "host" | "fqdn" | "dns" => {
                IndicatorKind::Domain
            }
            "url" | "uri" | "link" => IndicatorKind::Url,
            "md5" | "md5-hash" | "file-md5" | "filehash-md5" | "hash-md5" => IndicatorKind::Md5,
            "sha1" | "sha1-hash" | "sha-1" | "file-sha1" | "filehash-sha1" | "hash-sha1" => {
                IndicatorKind::Sha1
            }
            "sha256" | "sha256-hash" | "sha-256" | "file-sha256" | "filehash-sha256"
            | "hash-sha256" => IndicatorKind::Sha256,
            "ja3" | "ja3-fingerprint-md5" | "ja3-md5" | "ja3-hash" => IndicatorKind::Ja3,
            "ja3s" | "ja3s-fingerprint-md5" | "ja3s-md5" => IndicatorKind::Ja3s,
            "ja4" | "ja4-fingerprint" => IndicatorKind::Ja4,
            "cert-sha1"
            | "x509-fingerprint-sha1"
            | "x509-sha1"
            | "certificate-sha1"
            | "ssl-cert-sha1"
            | "tls-cert-sha1" => IndicatorKind::CertSha1,
            _ => return None,
        })
    }

    /// The alert's signature id (gid 2): stable per kind so that rules,
    /// suppressions and dashboards can name it; 2000001-2000011, as the
    /// behavioural detectors (gid 3) use 3000001 and up.
    pub fn signature_id(self) -> u32 {
        2_000_000
            + match self {
                IndicatorKind::Ipv4 => 1,
                IndicatorKind::Ipv6 => 2,
                IndicatorKind::Domain => 3,
                IndicatorKind::Url => 4,
                IndicatorKind::Md5 => 5,
                IndicatorKind::Sha1 => 6,
                IndicatorKind::Sha256 => 7,
                IndicatorKind::Ja3 => 8,
                IndicatorKind::Ja3s => 9,
                IndicatorKind::Ja4 => 10,
                IndicatorKind::CertSha1 => 11,
            }
    }
}

impl std::fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Confidence given to an indicator whose feed says nothing: a listed
/// indicator is believed, but below what a feed that grades its entries
/// gives its best ones.
pub const DEFAULT_CONFIDENCE: u8 = 50;

/// One indicator as imported and stored: the value (normalised, see
/// [`normalize_value`]), what it is, where it came from and how long it is
/// good for. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Normalised value: address or CIDR, lower-case domain, normalised
    /// URL, lower-case hex hash.
    pub value: String,
    /// What it is.
    pub kind: IndicatorKind,
    /// Feed or file it came from.
    pub source: String,
    /// 0-100.
    pub confidence: u8,
    /// Labels from the feed (malware family, campaign, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// First seen by the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<i64>,
    /// Last seen by the feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    /// After this time the indicator no longer matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
}

impl Indicator {
    /// An indicator with default confidence and no tags or times; `value`
    /// is normalised for `kind` (None when it is not a valid `kind`).
    pub fn new(value: &str, kind: IndicatorKind, source: &str) -> Option<Indicator> {
        Some(Indicator {
            value: normalize_value(value, kind)?,
            kind,
            source: source.to_string(),
            confidence: DEFAULT_CONFIDENCE,
            tags: Vec::new(),
            first_seen: None,
            last_seen: None,
            expiry: None,
        })
    }

    /// Whether it has expired at `now` (Unix seconds).
    pub fn expired_at(&self, now: i64) -> bool {
        self.expiry.is_some_and(|e| e <= now)
    }
}
