//! Shared vocabulary of Taishi.
//!
//! Every later stage (capture, decode, flow, and the ones after) speaks in the
//! types defined here: [`time::Timestamp`] for packet time, [`event`] for the
//! EVE JSON records we emit, [`config::Config`] for the one YAML file with
//! dotted keys, [`limits`] for every bound with its reason, and
//! [`counters`] for the `stats` registry, [`domain`] for what the assessment
//! knows (alerts, assets, incidents, posture) and [`store::Store`], the trait
//! every store adapter implements. The crate has no knowledge of any
//! stage; it only holds what two or more stages must agree on.

pub mod config;
pub mod control;
pub mod counters;
pub mod domain;
pub mod event;
pub mod limits;
pub mod linktype;
pub mod paths;
pub mod store;
pub mod time;

pub use config::{Config, ConfigError};
pub use counters::{Counters, StatsSource};
pub use linktype::LinkType;
pub use store::{Store, StoreError};
pub use time::Timestamp;
