//! Sample traffic generator.
