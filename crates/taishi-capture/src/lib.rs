//! Packet sources for Taishi: capture files, folders and live interfaces,
//! and a pcap writer.

pub mod writer;

pub use writer::PcapWriter;
