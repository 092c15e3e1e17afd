//! Packet sources for Taishi.
