//! Why an asset or vulnerability list could not be imported.

use std::fmt;
use std::path::PathBuf;

/// One bad field of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Line in the file where the record starts (1-based; for CSV the
    /// record's line, for JSON and YAML the line of its opening).
    pub line: usize,
    /// Record number in the file, 1-based (CSV: data rows after the header).
    pub record: usize,
    /// The field at fault, as the file names it (`criticality`, `ip` ...).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} (record {}), field `{}`: {}",
            self.line, self.record, self.field, self.message
        )
    }
}

/// Why an import failed. Nothing is imported when any record is bad: a
/// registry imported by halves would silently leave critical assets out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssetError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The file as a whole is not in a format we read (syntax error, wrong
    /// top-level shape); the message names the line when the parser does.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position when known.
        message: String,
    },
    /// Some records are bad: every one is listed, not just the first, so
    /// that one round of fixes makes the file import.
    #[error("{}: {} bad field(s):\n{}", path.display(), errors.len(), join(errors))]
    Rows {
        /// The file.
        path: PathBuf,
        /// Every bad field, in file order.
        errors: Vec<RowError>,
    },
}

fn join(errors: &[RowError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}
