//! Situation assessment: from alerts and traffic to what an operator of
//! critical infrastructure needs to know.
//!
//! - [`assets`]: the registry (declared), passive discovery (seen), their
//!   merge, and vulnerability exposure;
//! - [`incident`]: alerts correlated into incidents with ATT&CK stages,
//!   GB/T 20986 category and grade, and a lifecycle;
//! - [`posture`]: the hierarchical threat index (service → host → zone →
//!   organisation), its level, trend and forecast;
//! - [`report`]: the situation report for management and regulators.
//!
//! Everything reads and writes through [`taishi_core::Store`]; [`assess`]
//! runs one pass of all of it.

mod assess;
pub mod assets;
pub mod incident;
pub mod posture;
pub mod report;

pub use assess::{
    AssessConfig, AssessReport, apply_declared, assess, assess_merged, merged_assets,
};
