//! Application-layer protocols: what do the flows say?
//!
//! [`ProtoLayer`] implements the flow stage's [`taishi_flow::AppLayer`]: it
//! detects each flow's protocol by content in both directions (ports are
//! only a hint for the order of probing, as in Suricata's app-layer
//! detection), then hands the reassembled stream (TCP) or datagrams (UDP) to
//! that protocol's [`AppParser`]. Parsers turn bytes into transactions; a
//! finished transaction goes through [`ParseCtx::complete`], the one point
//! where the rule engine will inspect its buffers ([`Transaction::buffer`])
//! and where it is logged as an EVE record.
//!
//! Each protocol is a folder with the same files (STYLE.md rule 2):
//! `mod.rs` (what it is, the [`ProtoDef`]), `parser.rs` (pure, stateless
//! parsing of `&[u8]`), `state.rs` (the per-flow [`AppParser`] with its
//! transactions), `detect.rs` (buffers for rules), `log.rs` (EVE), `tests.rs`.

pub mod buffer;
pub mod config;
pub mod detection;
pub mod expect;
pub mod layer;
pub mod parser;
pub mod registry;
pub mod stats;

pub mod dhcp;
pub mod dnp3;
pub mod dns;
pub mod ftp;
pub mod ftpdata;
pub mod http;
pub mod iec104;
pub mod imap;
pub mod modbus;
pub mod ntp;
pub mod pop3;
pub mod rdp;
pub mod s7comm;
pub mod smb;
pub mod smtp;
pub mod ssh;
pub mod tls;

pub use buffer::Buffer;
pub use config::ProtoConfig;
pub use layer::{FlowApp, ProtoLayer};
pub use parser::{AppParser, ParseCtx, Transaction, TxHook, TxPart};
pub use registry::{Probe, ProtoDef, Transport};
pub use stats::ProtoStats;
