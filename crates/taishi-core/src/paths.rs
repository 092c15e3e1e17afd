//! Where Taishi keeps its files by default.

use std::path::PathBuf;

/// Taishi's data folder: `$XDG_DATA_HOME/taishi`, else
/// `$HOME/.local/share/taishi`; `None` when neither variable is set.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("taishi"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".local/share/taishi"))
}

/// Taishi's cache folder (files it can rebuild, such as compiled rule
/// databases): `$XDG_CACHE_HOME/taishi`, else `$HOME/.cache/taishi`;
/// `None` when neither variable is set.
pub fn cache_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("taishi"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".cache/taishi"))
}
