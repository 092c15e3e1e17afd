//! Flows and TCP reassembly for Taishi.
