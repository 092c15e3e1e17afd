//! Store adapters: where Taishi keeps what it learns.
//!
//! [`sqlite::SqliteStore`] is the embedded default (one file, WAL, schema
//! migrations, batched crash-safe writes, retention). Every adapter
//! implements [`taishi_core::Store`]; the assessment stage and the server
//! never know which one is behind it. [`writer::BatchWriter`] feeds any of
//! them from the pipeline in batches, on its own thread.

pub mod sqlite;
pub mod writer;

pub use sqlite::SqliteStore;
pub use writer::{BatchConfig, BatchWriter, Chunk};

#[cfg(test)]
mod testutil;
