//! Tests: filled below.
