#![no_main]
//! Fuzz target: see `bodies::pipeline`.

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::pipeline(data));
