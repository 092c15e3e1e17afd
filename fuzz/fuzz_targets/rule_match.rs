#![no_main]
//! Fuzz target: see `bodies::rule_match`.

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bodies::rule_match(data);
});
