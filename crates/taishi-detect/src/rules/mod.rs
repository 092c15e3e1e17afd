//! The Suricata-compatible signature engine.
//!
//! Layers, each in its own module:
//! - [`parse`]: rule text → [`parse::RawRule`] (header and option list),
//!   variables, addresses and ports, files, classification.
//! - [`payload`]: content-like keywords (content and its modifiers, pcre,
//!   byte_*, isdataat, bsize, transforms) and their inspection of a buffer.
//! - [`keywords`]: packet-header, flow and stateful keywords (flags, ttl,
//!   flow, flowbits, flowint, threshold, ...).
//! - [`compile`]: a raw rule's options → a [`compile::Signature`], or the
//!   reason it is skipped.
//! - [`engine`]: signatures grouped and prefiltered, inspected per packet,
//!   stream chunk and transaction; alerts out.

pub mod applayer;
pub mod buffers;
pub mod compile;
pub mod dataset;
pub mod engine;
pub mod keywords;
pub mod parse;
pub mod payload;
pub mod range;
