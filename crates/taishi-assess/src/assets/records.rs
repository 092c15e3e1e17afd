//! Reading a list of records from CSV, JSON or YAML into one shape, with
//! the line each record starts on, so that the importers check fields once
//! whatever the format and name the line of a bad one.

use std::path::Path;

use serde_json::{Map, Value};

use super::error::AssetError;

/// A file format we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Json,
    Yaml,
}

/// One record: its fields as JSON values (CSV cells are strings).
#[derive(Clone, Debug)]
pub(crate) struct Record {
    /// 1-based line where it starts; 0 when unknown.
    pub line: usize,
    /// 1-based position among the records.
    pub number: usize,
    /// Field name as written → value. Empty CSV cells are left out.
    pub fields: Map<String, Value>,
}

/// The format by extension, else by the first meaningful character.
pub(crate) fn format_of(path: &Path, text: &str) -> Format {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv" | "tsv") => return Format::Csv,
        Some("json") => return Format::Json,
        Some("yaml" | "yml") => return Format::Yaml,
        _ => {}
    }
    let body = text.trim_start_matches('\u{feff}');
    let first = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some(l) if l.starts_with('[') || l.starts_with('{') => Format::Json,
        // A YAML list item or a `key:` line; a CSV header has neither shape
        // (its first cell would need to end in a colon with no comma).
        Some(l) if l.starts_with("- ") || l == "-" => Format::Yaml,
        Some(l) if l.ends_with(':') && !l.contains(',') => Format::Yaml,
        _ => Format::Csv,
    }
}

/// Reads the file's records. JSON and YAML files hold an array of objects,
/// or an object with the array under one of `list_keys`.
pub(crate) fn read(path: &Path, list_keys: &[&str]) -> Result<(Format, Vec<Record>), AssetError> {
    let bytes = std::fs::read(path).map_err(|source| AssetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| AssetError::Format {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (byte {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let fmt = format_of(path, &text);
    let records = match fmt {
        Format::Csv => read_csv(path, &text)?,
        Format::Json => {
            let v: Value =
                serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
                    AssetError::Format {
                        path: path.to_path_buf(),
                        message: format!("JSON: {e}"),
                    }
                })?;
            let lines = json_element_lines(&text);
            from_tree(path, v, list_keys, &lines)?
        }
        Format::Yaml => {
            let v: Value = serde_yaml::from_str(&text).map_err(|e| AssetError::Format {
                path: path.to_path_buf(),
                message: format!("YAML: {e}"),
            })?;
            let lines = yaml_item_lines(&text);
            from_tree(path, v, list_keys, &lines)?
        }
    };
    Ok((fmt, records))
}

fn read_csv(path: &Path, text: &str) -> Result<Vec<Record>, AssetError> {
    let body = text.trim_start_matches('\u{feff}');
    let header_line = body
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or("");
    // Spreadsheets export tab-separated text as often as commas.
    let delim = if header_line.contains('\t') && !header_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .comment(Some(b'#'))
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let bad = |e: csv::Error| AssetError::Format {
        path: path.to_path_buf(),
        message: format!("CSV: {e}"),
    };
    let headers = rdr.headers().map_err(bad)?.clone();
    if headers.iter().all(str::is_empty) {
        return Err(AssetError::Format {
            path: path.to_path_buf(),
            message: "CSV: no header row naming the columns".into(),
        });
    }
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(bad)?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let mut fields = Map::new();
        for (h, cell) in headers.iter().zip(row.iter()) {
            if !cell.is_empty() && !h.is_empty() {
                fields.insert(h.to_string(), Value::String(cell.to_string()));
            }
        }
        if fields.is_empty() {
            continue;
        }
        out.push(Record {
            line,
            number: i + 1,
            fields,
        });
    }
    Ok(out)
}

fn from_tree(
    path: &Path,
    v: Value,
    list_keys: &[&str],
    lines: &ElementLines,
) -> Result<Vec<Record>, AssetError> {
    let (items, key) = match v {
        Value::Array(items) => (items, None),
        Value::Object(mut m) => {
            let found = list_keys
                .iter()
                .find(|k| m.get(**k).is_some_and(Value::is_array));
            match found {
                Some(k) => match m.remove(*k) {
                    Some(Value::Array(items)) => (items, Some((*k).to_string())),
                    _ => (Vec::new(), None),
                },
                None => {
                    return Err(AssetError::Format {
                        path: path.to_path_buf(),
                        message: format!(
                            "expected an array of records or an object with {}",
                            list_keys
                                .iter()
                                .map(|k| format!("\"{k}\": [...]"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        ),
                    });
                }
            }
        }
        _ => {
            return Err(AssetError::Format {
                path: path.to_path_buf(),
                message: "expected an array of records".into(),
            });
        }
    };
    let starts = lines.get(&key);
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let line = starts.and_then(|s| s.get(i)).copied().unwrap_or(0);
        match item {
            Value::Object(fields) => out.push(Record {
                line,
                number: i + 1,
                fields,
            }),
            other => errors.push(super::error::RowError {
                line,
                record: i + 1,
                field: "-".into(),
                message: format!("expected an object, found {}", kind(&other)),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(AssetError::Rows {
            path: path.to_path_buf(),
            errors,
        });
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Start lines of the elements of the top-level array (key `None`) or of
/// the arrays that are values of top-level keys (key `Some(name)`).
type ElementLines = std::collections::HashMap<Option<String>, Vec<usize>>;

/// Finds where each element of a top-level array, or of an array under a
/// top-level key, starts. serde_json's `Value` keeps no positions, and a
/// registry with hundreds of rows needs the line of the bad one; a small
/// scanner of strings and brackets is enough since the parse has already
/// succeeded (or its own error is reported instead).
fn json_element_lines(text: &str) -> ElementLines {
    #[derive(Clone, Copy, PartialEq)]
    enum C {
        Arr,
        Obj,
    }
    let mut out = ElementLines::new();
    let mut stack: Vec<C> = Vec::new();
    // Key of the current member at depth 1 (inside the top-level object).
    let mut top_key: Option<String> = None;
    let mut last_string: Option<String> = None;
    // Whether the next value in the current array starts a new element.
    let mut expect_value = false;
    let mut line = 1;
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '\n' {
            line += 1;
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let element_of = |stack: &[C], top_key: &Option<String>| -> Option<Option<String>> {
            match stack {
                [C::Arr] => Some(None),
                [C::Obj, C::Arr] => Some(top_key.clone()),
                _ => None,
            }
        };
        if expect_value && c != ']' {
            if let Some(k) = element_of(&stack, &top_key) {
                out.entry(k).or_default().push(line);
            }
            expect_value = false;
        }
        match c {
            '"' => {
                let mut s = String::new();
                while let Some((_, d)) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        '\n' => line += 1,
                        d => s.push(d),
                    }
                }
                last_string = Some(s);
            }
            ':' if stack.len() == 1 && stack.first() == Some(&C::Obj) => {
                top_key = last_string.take();
            }
            '[' => {
                stack.push(C::Arr);
                expect_value = true;
            }
            '{' => stack.push(C::Obj),
            ']' | '}' => {
                stack.pop();
                expect_value = false;
            }
            ',' if stack.last() == Some(&C::Arr) => expect_value = true,
            _ => {}
        }
    }
    out
}

/// Start lines of YAML sequence items: the top-level sequence (`- ` at
/// column 0) or a sequence under a top-level `key:` (the first `- ` indent
/// after it). Block style only; flow-style files fall back to the JSON
/// scanner, which reads YAML's flow syntax as well.
fn yaml_item_lines(text: &str) -> ElementLines {
    let mut out = ElementLines::new();
    let mut key: Option<String> = None;
    let mut item_indent: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        let dash = trimmed == "-" || trimmed.starts_with("- ");
        if indent == 0 && !dash {
            // A top-level key: a following sequence belongs to it.
            key = trimmed
                .split_once(':')
                .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_string());
            item_indent = None;
            continue;
        }
        if dash {
            let want = *item_indent.get_or_insert(indent);
            if indent == want {
                out.entry(if indent == 0 && key.is_none() {
                    None
                } else {
                    key.clone()
                })
                .or_default()
                .push(line);
            }
        }
    }
    if out.is_empty() {
        return json_element_lines(text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_of_top_level_and_keyed_arrays() {
        let text = "[\n {\"a\": [1, {\"x\": 2}]},\n\n {\"b\": \"]\\\"[\"}\n]";
        let l = json_element_lines(text);
        assert_eq!(l.get(&None), Some(&vec![2, 4]));
        let text = "{\"meta\": 1,\n \"assets\": [\n  {\"a\":1},\n  {\"a\":2}]}";
        let l = json_element_lines(text);
        assert_eq!(l.get(&Some("assets".into())), Some(&vec![3, 4]));
    }

    #[test]
    fn yaml_lines() {
        let text = "# registry\nassets:\n  - address: 10.0.0.1\n    protocols:\n      - modbus\n  - address: 10.0.0.2\n";
        let l = yaml_item_lines(text);
        assert_eq!(l.get(&Some("assets".into())), Some(&vec![3, 6]));
        let text = "- address: 10.0.0.1\n  name: a\n- address: 10.0.0.2\n";
        assert_eq!(yaml_item_lines(text).get(&None), Some(&vec![1, 3]));
    }

    #[test]
    fn sniffing() {
        let p = Path::new("registry.txt");
        assert_eq!(format_of(p, "  [{\"a\":1}]"), Format::Json);
        assert_eq!(format_of(p, "# c\n- address: x\n"), Format::Yaml);
        assert_eq!(format_of(p, "assets:\n  - address: x\n"), Format::Yaml);
        assert_eq!(format_of(p, "address,name\n10.0.0.1,a\n"), Format::Csv);
        assert_eq!(format_of(Path::new("a.YML"), "address,name"), Format::Yaml);
    }
}
