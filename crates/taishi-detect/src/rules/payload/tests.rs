//! Unit tests of the payload keywords, many from the examples and tricky
//! cases of Suricata's documentation and unit tests.

use super::*;

/// Builds a list from `(keyword, value)` pairs, as the compiler would.
fn list(opts: &[(&str, Option<&str>)]) -> Result<BufferMatch, KeywordError> {
    let mut bm = BufferMatch::default();
    let mut vars = ByteVars::default();
    for (k, v) in opts {
        match bm.apply(k, *v, &mut vars)? {
            Applied::NotPayload => panic!("{k} should be a payload keyword"),
            Applied::Done | Applied::PcreBuffer(_) => {}
        }
    }
    bm.finish()?;
    Ok(bm)
}

/// Parses `kw:value; kw;` option text (values without `;` inside).
fn rule(text: &str) -> Result<BufferMatch, KeywordError> {
    let opts: Vec<(String, Option<String>)> = text
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|o| match o.split_once(':') {
            Some((k, v)) => (k.trim().to_string(), Some(v.trim().to_string())),
            None => (o.to_string(), None),
        })
        .collect();
    let refs: Vec<(&str, Option<&str>)> = opts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_deref()))
        .collect();
    list(&refs)
}

fn hit(text: &str, buf: &[u8]) -> bool {
    let bm = rule(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    bm.inspect(buf, &mut InspectEnv::default())
}

#[test]
fn content_basic() {
    assert!(hit(r#"content:"abc""#, b"xxabcxx"));
    assert!(!hit(r#"content:"abd""#, b"xxabcxx"));
}
