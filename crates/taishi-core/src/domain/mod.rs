//! What Taishi knows about the situation, as stored and served: alerts as
//! rows, assets, incidents and posture.
//!
//! These types are the vocabulary between the assessment stage (which
//! computes them), the store adapters (which persist them) and the server
//! (which shows them). They serialise to the JSON that `taishi incidents
//! --json`, `taishi posture --json` and the API print, so their field names
//! are part of Taishi's interface.

mod alert;
mod asset;
mod incident;
mod posture;

pub use alert::{AlertRow, FlowRow};
pub use asset::{Asset, AssetOrigin, Service, Software, VulnMatch, Vulnerability};
pub use incident::{Grade, Incident, IncidentNote, IncidentStatus};
pub use posture::{Level, PosturePoint, Scope, ScopeKind};
