//! [`IntelStore`]: imported intel kept on disk for the CLI (`taishi intel
//! import/list/stats`, and `analyze`/`sensor` loading it), as one JSON
//! lines file per source in a directory. Plain files on purpose: easy to
//! inspect, back up and diff; the SQLite store replaces it later behind
//! the same calls.

use super::formats::{BadRecord, Format, parse_file};
use super::{Indicator, IndicatorKind, IntelSet, IntelStats};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What can go wrong with the store or an input file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Neither `XDG_DATA_HOME` nor `HOME` is set, so there is no default
    /// directory.
    #[error("no intel directory: set XDG_DATA_HOME or HOME, or give one")]
    NoDefaultDir,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What one file gave.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// The source its indicators were filed under.
    pub source: String,
    /// The format it was read as.
    pub format: Format,
    /// Indicators read.
    pub imported: usize,
    /// Lines or records that could not be read.
    pub bad: usize,
    /// Records left out on purpose (see [`ParseOutput::skipped`](super::ParseOutput::skipped)).
    pub skipped: usize,
    /// The first bad ones, with line or record number.
    pub first_bad: Vec<BadRecord>,
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    /// Per file.
    pub files: Vec<FileReport>,
    /// Indicators read from all files.
    pub imported: usize,
    /// Bad lines or records in all files.
    pub bad: usize,
    /// Records left out on purpose in all files.
    pub skipped: usize,
}

/// Reads intel files straight into a set (`taishi analyze --intel FILE`),
/// each file's indicators under `source` or the file's stem.
pub fn read_files(
    paths: &[PathBuf],
    source: Option<&str>,
) -> Result<(Vec<Indicator>, ImportReport), StoreError> {
    let mut all = Vec::new();
    let mut report = ImportReport::default();
    for path in paths {
        let src = source.map(String::from).unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "intel".into())
        });
        let (format, out) = parse_file(path, None, &src).map_err(io(path))?;
        report.imported += out.indicators.len();
        report.bad += out.bad;
        report.skipped += out.skipped;
        report.files.push(FileReport {
            path: path.clone(),
            source: src,
            format,
            imported: out.indicators.len(),
            bad: out.bad,
            skipped: out.skipped,
            first_bad: out.first_bad,
        });
        all.extend(out.indicators);
    }
    Ok((all, report))
}

impl IntelSet {
    /// Reads intel files into a set; see [`read_files`].
    pub fn from_files(
        paths: &[PathBuf],
        source: Option<&str>,
    ) -> Result<(IntelSet, ImportReport), StoreError> {
        let (all, report) = read_files(paths, source)?;
        Ok((IntelSet::build(all), report))
    }
}

/// A directory of imported intel, one `<source>.jsonl` per source.
#[derive(Clone, Debug)]
pub struct IntelStore {
    dir: PathBuf,
}

impl IntelStore {
    /// `$XDG_DATA_HOME/taishi/intel`, else `$HOME/.local/share/taishi/intel`.
    pub fn default_dir() -> Result<PathBuf, StoreError> {
        taishi_core::paths::data_dir()
            .map(|d| d.join("intel"))
            .ok_or(StoreError::NoDefaultDir)
    }

    /// The store in [`default_dir`](Self::default_dir).
    pub fn open_default() -> Result<IntelStore, StoreError> {
        Ok(IntelStore::open(IntelStore::default_dir()?))
    }

    /// The store in `dir` (created on first import).
    pub fn open(dir: impl Into<PathBuf>) -> IntelStore {
        IntelStore { dir: dir.into() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_of(&self, source: &str) -> PathBuf {
        let name: String = source
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = name.trim_start_matches('.');
        self.dir.join(format!(
            "{}.jsonl",
            if name.is_empty() { "intel" } else { name }
        ))
    }

    /// Imports files: each one's indicators are merged into its source's
    /// file (`source`, else the file's stem); an indicator already there
    /// with the same kind, value and source is replaced.
    pub fn import(
        &self,
        paths: &[PathBuf],
        source: Option<&str>,
    ) -> Result<ImportReport, StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let (all, report) = read_files(paths, source)?;
        // Group by the store file their import source maps to.
        let mut by_file: BTreeMap<PathBuf, Vec<Indicator>> = BTreeMap::new();
        let mut start = 0;
        for f in &report.files {
            let end = start + f.imported;
            let part = all.get(start..end).unwrap_or_default();
            by_file
                .entry(self.file_of(&f.source))
                .or_default()
                .extend_from_slice(part);
            start = end;
        }
        for (file, new) in by_file {
            let mut merged: BTreeMap<(IndicatorKind, String, String), Indicator> = BTreeMap::new();
            if file.exists() {
                let (old, _bad) = read_jsonl(&file)?;
                for i in old {
                    merged.insert((i.kind, i.value.clone(), i.source.clone()), i);
                }
            }
            for i in new {
                merged.insert((i.kind, i.value.clone(), i.source.clone()), i);
            }
            write_jsonl(&file, merged.values())?;
        }
        Ok(report)
    }

    /// The stored files, sorted.
    fn files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.dir)(e)),
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Every stored indicator (unreadable lines are skipped).
    pub fn indicators(&self) -> Result<Vec<Indicator>, StoreError> {
        let mut all = Vec::new();
        for f in self.files()? {
            all.extend(read_jsonl(&f)?.0);
        }
        Ok(all)
    }

    /// Everything stored, indexed; expired indicators are left out.
    pub fn load_all(&self) -> Result<IntelSet, StoreError> {
        Ok(IntelSet::build(self.indicators()?))
    }

    /// Stored indicators, optionally of one kind, at most `limit`, in
    /// source then kind then value order.
    pub fn list(
        &self,
        kind: Option<IndicatorKind>,
        limit: Option<usize>,
    ) -> Result<Vec<Indicator>, StoreError> {
        let mut out = Vec::new();
        let limit = limit.unwrap_or(usize::MAX);
        for f in self.files()? {
            for i in read_jsonl(&f)?.0 {
                if out.len() >= limit {
                    return Ok(out);
                }
                if kind.is_none_or(|k| k == i.kind) {
                    out.push(i);
                }
            }
        }
        Ok(out)
    }

    /// Counts by kind and source of what [`load_all`](Self::load_all)
    /// would index.
    pub fn stats(&self) -> Result<IntelStats, StoreError> {
        Ok(self.load_all()?.stats().clone())
    }
}

/// Reads a store file: the indicators and the number of unreadable lines.
fn read_jsonl(path: &Path) -> Result<(Vec<Indicator>, usize), StoreError> {
    let f = std::fs::File::open(path).map_err(io(path))?;
    let mut out = Vec::new();
    let mut bad = 0;
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Indicator>(&line) {
            Ok(i) => out.push(i),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

/// Writes beside and renames, so that a crash leaves the old file whole.
fn write_jsonl<'a>(
    path: &Path,
    inds: impl Iterator<Item = &'a Indicator>,
) -> Result<(), StoreError> {
    let tmp = path.with_extension("jsonl.tmp");
    {
        let f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        let mut w = BufWriter::new(f);
        for i in inds {
            serde_json::to_writer(&mut w, i).map_err(|e| io(&tmp)(e.into()))?;
            w.write_all(b"\n").map_err(io(&tmp))?;
        }
        w.flush().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}
