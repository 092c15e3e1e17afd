//! The plotted example's data, shared by the example and its test: an hour
//! of quiet, the ten-minute demo attacks, another hour of quiet, as made by
//! `examples/posture_example.sh`, and the demo site's asset registry.

use taishi_assess::assets::AssetIndex;
use taishi_core::Store;
use taishi_core::Timestamp;
use taishi_core::domain::Asset;
use taishi_store::sqlite::SqliteStore;

/// The alerts (EVE lines).
pub const EVE: &str = include_str!("../posture_example.eve.json");
/// The demo site's registry.
pub const ASSETS: &str = include_str!("../posture_example.assets.json");
/// The demo scenario's labelled attacks.
pub const LABELS: &str = include_str!("../posture_example.labels.json");

/// The example loaded into a store.
pub struct Example {
    /// An in-memory store holding the alerts and the registry.
    pub store: SqliteStore,
    /// The registry, indexed.
    pub assets: AssetIndex,
    /// Start of the first labelled attack, seconds since the epoch.
    pub attack_start: u64,
    /// End of the last labelled attack, seconds since the epoch.
    pub attack_end: u64,
}

/// Loads the example.
pub fn load() -> Example {
    let store = SqliteStore::open_in_memory().expect("in-memory store");
    let report = store.ingest(EVE.as_bytes()).expect("ingest");
    assert_eq!(report.alerts, EVE.lines().count() as u64);
    let assets: Vec<Asset> = serde_json::from_str(ASSETS).expect("registry");
    store.put_assets(&assets).expect("put assets");
    let labels: serde_json::Value = serde_json::from_str(LABELS).expect("labels");
    let times = |key: &str| -> Vec<u64> {
        labels["attacks"]
            .as_array()
            .expect("attacks")
            .iter()
            .filter_map(|a| a[key].as_str().and_then(Timestamp::parse_eve))
            .map(Timestamp::secs)
            .collect()
    };
    Example {
        store,
        assets: AssetIndex::new(assets),
        attack_start: times("start").into_iter().min().expect("a start"),
        attack_end: times("end").into_iter().max().expect("an end"),
    }
}
