//! Readers of the formats intel comes in, one file each. All of them take
//! the whole file as text, never panic, and skip what they cannot read:
//! each bad line or record is counted and the first few are kept, with
//! their line or record number, for the import report.

mod csv;
mod dataset;
mod misp;
mod plain;
mod stix;

use super::Indicator;
use serde::Serialize;
use std::path::Path;

pub use dataset::decode_dataset_line;
pub use stix::parse_pattern;

/// Bad records kept per file for the report; the rest are only counted.
pub const MAX_REPORTED_BAD: usize = 10;

/// A file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// One indicator a line, kind inferred.
    Plain,
    /// CSV with a header naming its columns.
    Csv,
    /// A STIX 2.1 bundle (or a single object, or a list of objects).
    Stix,
    /// A MISP event (or a `response` list of events).
    Misp,
    /// A Suricata dataset or datarep file (base64 strings, hex hashes,
    /// addresses; an optional `,reputation`).
    Dataset,
}

impl Format {
    /// Parses a format name (`plain`, `csv`, `stix`, `misp`, `dataset`).
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "plain" | "list" | "txt" | "text" => Format::Plain,
            "csv" | "tsv" => Format::Csv,
            "stix" | "stix2" | "stix2.1" => Format::Stix,
            "misp" => Format::Misp,
            "dataset" | "datarep" | "suricata" => Format::Dataset,
            _ => return None,
        })
    }

    /// Tells the format from the file name and the first bytes: JSON is
    /// STIX when it has a `"type"` of `bundle`/`indicator`, else MISP;
    /// `.csv`/`.tsv` or a first line with a known column name is CSV;
    /// `.dataset`/`.datarep`, or lines that are base64 but no indicator,
    /// are a Suricata dataset; anything else is a plain list.
    pub fn detect(name: &str, text: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        let head = text.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with('{') || head.starts_with('[') {
            let window: String = head.chars().take(4096).collect();
            let compact: String = window.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.contains("\"type\":\"bundle\"")
                || compact.contains("\"type\":\"indicator\"")
                || compact.contains("\"spec_version\"")
            {
                return Format::Stix;
            }
            return Format::Misp;
        }
        if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            return Format::Csv;
        }
        if lower.ends_with(".dataset") || lower.ends_with(".datarep") {
            return Format::Dataset;
        }
        if csv::looks_like_header(head) {
            return Format::Csv;
        }
        if dataset::looks_like_dataset(head) {
            return Format::Dataset;
        }
        Format::Plain
    }
}

/// One line or record that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    /// Line number (text formats, from 1) or record index (JSON formats,
    /// from 0, counting the records of that kind in file order).
    pub index: usize,
    /// What was wrong.
    pub reason: String,
}

/// What a reader got from one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ParseOutput {
    /// The indicators read.
    pub indicators: Vec<Indicator>,
    /// Lines or records that could not be read.
    pub bad: usize,
    /// The first [`MAX_REPORTED_BAD`] of them.
    pub first_bad: Vec<BadRecord>,
    /// Records left out on purpose (MISP attributes not marked `to_ids`
    /// or of types that are no network indicator, revoked STIX objects).
    pub skipped: usize,
}

impl ParseOutput {
    pub(crate) fn bad(&mut self, index: usize, reason: impl Into<String>) {
        self.bad += 1;
        if self.first_bad.len() < MAX_REPORTED_BAD {
            self.first_bad.push(BadRecord {
                index,
                reason: reason.into(),
            });
        }
    }
}

/// Reads `text` (the contents of `name`) as `format`, or the detected
/// format; each indicator gets `source`.
pub fn parse_bytes(
    name: &str,
    bytes: &[u8],
    format: Option<Format>,
    source: &str,
) -> (Format, ParseOutput) {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let format = format.unwrap_or_else(|| Format::detect(name, text));
    let mut out = ParseOutput::default();
    match format {
        Format::Plain => plain::parse(text, source, &mut out),
        Format::Csv => csv::parse(text, source, &mut out),
        Format::Stix => stix::parse(text, source, &mut out),
        Format::Misp => misp::parse(text, source, &mut out),
        Format::Dataset => dataset::parse(text, source, &mut out),
    }
    (format, out)
}

/// Reads a file; see [`parse_bytes`].
pub fn parse_file(
    path: &Path,
    format: Option<Format>,
    source: &str,
) -> std::io::Result<(Format, ParseOutput)> {
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(parse_bytes(&name, &bytes, format, source))
}
