#![no_main]
//! Fuzz target: see `bodies::capture_file`.

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::capture_file(data));
