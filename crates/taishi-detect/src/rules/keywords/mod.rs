//! Packet-header, flow and stateful keywords (in progress).
