//! Deterministic, protocol-correct sample traffic with labelled attacks.
//!
//! `taishi generate` writes a pcap that the rest of Taishi can be shown,
//! tested and benchmarked on, and the ground truth of what is in it
//! ([`Labels`]). Three scenarios exist (see [`SCENARIOS`]):
//!
//! * `demo` — ten minutes (times `scale`) of a small water utility's network
//!   with benign IT and OT traffic and eight labelled attacks;
//! * `benign` — exactly the demo's benign traffic (same seed, same packets)
//!   without the attacks, for measuring false positives;
//! * `bench` — a streaming, internet-like TCP/UDP mix for throughput
//!   measurement, about 1 GiB at scale 1.
//!
//! The trade-off: correctness over cleverness. Every frame has real
//! Ethernet/IP/TCP/UDP headers with valid checksums and TCP sequence numbers
//! that a reassembler accepts, and every application payload is one a real
//! parser (tshark) decodes without complaint; the content is plausible
//! rather than realistic down to the byte. Output depends only on
//! [`Options`]: randomness comes from a `SmallRng` seeded with the seed, and
//! time starts at a fixed epoch (2026-06-01T08:00:00Z), never the clock.

mod bench;
mod demo;
pub mod proto;
mod tcp;
mod trace;
pub mod wire;

use serde::Serialize;
use taishi_core::Timestamp;

/// Names of the scenarios with a one-line description, for `--help` and
/// errors.
pub const SCENARIOS: &[(&str, &str)] = &[
    (
        "demo",
        "10 min of a water utility's IT/OT network with 8 labelled attacks (default)",
    ),
    (
        "benign",
        "the demo's benign traffic only, for false-positive measurement",
    ),
    (
        "bench",
        "internet-like TCP/UDP mix for throughput benchmarks, ~1 GiB at scale 1",
    ),
];

/// Start of packet time in every scenario: 2026-06-01T08:00:00Z.
pub const EPOCH: Timestamp = Timestamp(1_780_300_800 * 1_000_000_000);

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Scenario name, one of [`SCENARIOS`].
    pub scenario: String,
    /// Seed of the random generator: same seed, same bytes.
    pub seed: u64,
    /// Multiplies benign volume and duration (bench: total size).
    pub scale: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            scenario: "demo".into(),
            seed: 1,
            scale: 1.0,
        }
    }
}

/// Totals of what was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Frames written.
    pub packets: u64,
    /// Bytes of pcap written, file and record headers included.
    pub bytes: u64,
    /// Conversations started (TCP connections, UDP exchanges, ICMP pairs).
    pub flows: u64,
    /// Labelled attacks.
    pub attacks: usize,
}

/// The ground truth of one generated capture.
#[derive(Clone, Debug, Serialize)]
pub struct Labels {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Attacks in the capture, in order of start time.
    pub attacks: Vec<Label>,
}

/// One attack in the capture.
#[derive(Clone, Debug, Serialize)]
pub struct Label {
    /// Stable id within the capture (`a01`, `a02`, ...).
    pub id: String,
    /// What it is: `port_scan`, `host_sweep`, `ssh_brute_force`, `beaconing`,
    /// `dns_tunnel`, `exfiltration`, `modbus_unauthorised_write`, `syn_flood`.
    pub kind: String,
    /// MITRE ATT&CK (or ATT&CK for ICS) technique id.
    pub technique: String,
    /// Address of the attacking host.
    pub attacker: String,
    /// Addresses of the hosts attacked (or abused, for tunnels and
    /// exfiltration); a sweep names the network swept in CIDR notation.
    pub victims: Vec<String>,
    /// Time of the first packet (EVE timestamp format).
    pub start: String,
    /// Time of the last packet (EVE timestamp format).
    pub end: String,
    /// Conversations the attack consists of.
    pub flows: u64,
    /// Packets the attack consists of (both directions).
    pub packets: u64,
    /// What happens, in one or two sentences.
    pub description: String,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The scenario name is not one of [`SCENARIOS`].
    #[error("unknown scenario {name:?}; valid scenarios: {valid}")]
    UnknownScenario {
        /// The name asked for.
        name: String,
        /// The valid names, comma-separated.
        valid: String,
    },
    /// The scale is not a positive finite number.
    #[error("invalid scale {0}: must be a positive number")]
    InvalidScale(f64),
    /// Writing the capture failed.
    #[error("writing the capture: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the capture to `pcap` and returns what was written and the labels.
/// Deterministic: the same options give byte-identical output.
pub fn generate<W: std::io::Write>(
    opts: &Options,
    pcap: W,
) -> Result<(Summary, Labels), GenerateError> {
    if !(opts.scale.is_finite() && opts.scale > 0.0) {
        return Err(GenerateError::InvalidScale(opts.scale));
    }
    let (summary, attacks) = match opts.scenario.as_str() {
        "demo" => demo::generate(opts.seed, opts.scale, true, pcap)?,
        "benign" => demo::generate(opts.seed, opts.scale, false, pcap)?,
        "bench" => (bench::generate(opts.seed, opts.scale, pcap)?, Vec::new()),
        other => {
            return Err(GenerateError::UnknownScenario {
                name: other.to_string(),
                valid: SCENARIOS.iter().map(|s| s.0).collect::<Vec<_>>().join(", "),
            });
        }
    };
    Ok((
        summary,
        Labels {
            scenario: opts.scenario.clone(),
            seed: opts.seed,
            attacks,
        },
    ))
}
