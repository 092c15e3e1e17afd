#![no_main]
//! Fuzz target: a session on the protocol's usual port through the whole
//! pipeline (detection picks the parser by content); see `bodies.rs`.

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::tcp_session(3389, data));
