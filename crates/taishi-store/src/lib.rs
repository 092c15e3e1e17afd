//! Store adapters: where Taishi keeps what it learns.
//!
//! [`sqlite::SqliteStore`] is the embedded default (one file, WAL, schema
//! migrations, batched crash-safe writes, retention). Every adapter
//! implements [`taishi_core::Store`]; the assessment stage and the server
//! never know which one is behind it.

pub mod sqlite;

pub use sqlite::SqliteStore;
