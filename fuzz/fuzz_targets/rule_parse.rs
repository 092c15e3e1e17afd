#![no_main]
//! Fuzz target: see `bodies::rule_parse`.

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::rule_parse(data));
