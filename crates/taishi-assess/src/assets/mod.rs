//! Assets: the operator's registry, what traffic reveals, and exposure.
//!
//! - [`import`]: the declared registry from CSV, JSON or YAML;
//! - [`import_vulns`], [`match_vulns`], [`exposure`]: known
//!   vulnerabilities, matched to software by product and version range;
//! - [`Discovery`]: hosts, services, software and roles learnt passively
//!   from EVE records, announced as `asset` events;
//! - [`merge`]: the declared and discovered views as one list;
//! - [`AssetIndex`]: the record covering an address;
//! - [`TenantView`]: the registry as one tenant sees it (whose address,
//!   zone or posture scope is whose);
//! - [`sector_label`] and friends: the vocabularies in Chinese and English.
//!
//! docs/assets.md describes the formats, vocabularies and formulas.

mod discovery;
mod error;
mod import;
mod index;
mod labels;
mod merge;
mod records;
mod tenant;
mod version;
mod vulns;

pub use discovery::{Discovery, DiscoveryConfig, DiscoveryStats};
pub use error::{AssetError, RowError};
pub use import::{Imported, import, import_report};
pub use index::AssetIndex;
pub use labels::{ics_role_label, origin_label, role_label, sector_label, zone_label};
pub use merge::{absorb, merge};
pub use tenant::{TenantView, service_host};
pub use version::compare_versions;
pub use vulns::{exposure, import_vulns, match_vulns};
