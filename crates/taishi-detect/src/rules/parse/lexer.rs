//! Splitting a rule's text: header fields and the option list.
//!
//! Suricata ends an option at the first `;` not preceded by `\`
//! (SigParseOptions); a quoted value it accepts is one whose piece, so cut,
//! ends with a closing `"`. We cut the same way, so every rule Suricata
//! accepts is split exactly as Suricata splits it (a test checks this on
//! all of ET Open, including pcre values with a stray `"` inside). Only
//! where Suricata's cut leaves a quoted value unclosed do we instead read
//! to the closing unescaped `"`: `msg:"a; b";` loads here, where Suricata
//! reports "possible missing semicolon" — accepting it runs no rule
//! differently from Suricata.

/// One option before its name is lower-cased: byte spans into the body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct LexedOption<'a> {
    pub name: &'a str,
    pub value: Option<&'a str>,
}

/// Splits a header into whitespace-separated fields; whitespace inside
/// `[...]` stays in its field (`[1.2.3.4, 5.6.7.8]` is one field, as
/// Suricata's SigParseList allows).
pub(crate) fn header_fields(header: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut depth: i32 = 0;
    let mut start: Option<usize> = None;
    for (i, b) in header.bytes().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err(format!("unbalanced ']' in rule header '{header}'"));
        }
        if b.is_ascii_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                out.push(&header[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if depth != 0 {
        return Err(format!("unclosed '[' in rule header '{header}'"));
    }
    if let Some(s) = start {
        out.push(&header[s..]);
    }
    Ok(out)
}

/// Splits the text between `(` and `)` into options.
pub(crate) fn options(body: &str) -> Result<Vec<LexedOption<'_>>, (Option<String>, String)> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let name_start = i;
        while i < b.len() && b[i] != b':' && b[i] != b';' {
            i += 1;
        }
        let name = body[name_start..i].trim();
        let named = || Some(name.to_ascii_lowercase());
        if name.is_empty() {
            return Err((
                None,
                format!("empty option name at '{}'", snippet(&body[name_start..])),
            ));
        }
        if let Some(bad) = name
            .bytes()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
        {
            return Err((
                None,
                format!(
                    "invalid option name '{}' (character '{}'; missing ';' before it?)",
                    snippet(name),
                    bad.escape_ascii()
                ),
            ));
        }
        if i >= b.len() {
            return Err((named(), format!("option '{name}' has no terminating ';'")));
        }
        if b[i] == b';' {
            out.push(LexedOption { name, value: None });
            i += 1;
            continue;
        }
        // b[i] == ':'
        i += 1;
        let value_start = i;
        // Suricata's end: the first ';' not preceded by a backslash.
        let suricata_end = {
            let mut k = value_start;
            loop {
                match b.get(k) {
                    None => break None,
                    Some(b';') if k > value_start && b[k - 1] == b'\\' => k += 1,
                    Some(b';') => break Some(k),
                    Some(_) => k += 1,
                }
            }
        };
        let Some(quote) = opening_quote(b, value_start) else {
            i = suricata_end
                .ok_or_else(|| (named(), format!("option '{name}' has no terminating ';'")))?;
            let value = body[value_start..i].trim();
            out.push(LexedOption {
                name,
                value: (!value.is_empty()).then_some(value),
            });
            i += 1;
            continue;
        };
        // A quoted value Suricata accepts (its piece ends in a closing
        // quote) is taken as Suricata takes it, even with a stray '"'
        // inside, as some ET pcre values have.
        let accepted = suricata_end.filter(|&e| {
            let piece = body[quote..e].trim_end();
            piece.len() >= 2 && piece.ends_with('"')
        });
        i = match accepted {
            Some(e) => e,
            None => quoted_end(b, quote).map_err(|at| {
                let msg = match at {
                    None => format!("option '{name}': unterminated quoted value"),
                    Some(at) if at >= b.len() => {
                        format!("option '{name}' has no terminating ';'")
                    }
                    Some(at) => format!(
                        "option '{name}': text after the closing quote at '{}' (missing ';'?)",
                        snippet(&body[at..])
                    ),
                };
                (named(), msg)
            })?,
        };
        let value = body[value_start..i].trim();
        out.push(LexedOption {
            name,
            value: (!value.is_empty()).then_some(value),
        });
        i += 1;
    }
}

/// Where a value's opening quote is: after optional whitespace and an
/// optional `!` (negated content and friends).
fn opening_quote(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    if b.get(j) == Some(&b'!') {
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
    }
    (b.get(j) == Some(&b'"')).then_some(j)
}

/// The ';' ending a quoted value that Suricata's split would cut short
/// (an unescaped ';' inside the quotes): the closing unescaped '"', then
/// only whitespace. `Err(None)`: no closing quote; `Err(Some(at))`: text at
/// `at` after it (`at` is the end when the ';' is missing). Suricata
/// rejects all three ("possible missing semicolon").
fn quoted_end(b: &[u8], quote: usize) -> Result<usize, Option<usize>> {
    let mut j = quote + 1;
    loop {
        match b.get(j) {
            None => return Err(None),
            Some(b'\\') => j += 2,
            Some(b'"') => break,
            Some(_) => j += 1,
        }
    }
    j += 1;
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    match b.get(j) {
        Some(b';') => Ok(j),
        _ => Err(Some(j)),
    }
}

/// Suricata's option split (SigParseOptions), for the cross-check test.
#[cfg(test)]
pub(crate) fn suricata_split(body: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let b = rest.as_bytes();
        let mut end = None;
        for (k, &c) in b.iter().enumerate() {
            if c == b';' && !(k > 0 && b[k - 1] == b'\\') {
                end = Some(k);
                break;
            }
        }
        let end = end?;
        let opt = &rest[..end];
        let (n, v) = match opt.split_once(':') {
            Some((n, v)) => (n, Some(v.trim())),
            None => (opt, None),
        };
        out.push((
            n.trim().to_ascii_lowercase(),
            v.filter(|v| !v.is_empty()).map(str::to_string),
        ));
        rest = rest[end + 1..].trim_start();
    }
    Some(out)
}

/// A short, char-boundary-safe excerpt for error messages.
pub(crate) fn snippet(s: &str) -> &str {
    const MAX: usize = 40;
    if s.len() <= MAX {
        return s;
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(body: &str) -> Vec<(&str, Option<&str>)> {
        options(body)
            .unwrap_or_else(|e| panic!("{body}: {e:?}"))
            .into_iter()
            .map(|o| (o.name, o.value))
            .collect()
    }

    #[test]
    fn header_fields_keep_lists_whole() {
        assert_eq!(
            header_fields("alert tcp [1.2.3.4, 5.6.7.8] any -> $HOME_NET [80, 443]").unwrap(),
            vec![
                "alert",
                "tcp",
                "[1.2.3.4, 5.6.7.8]",
                "any",
                "->",
                "$HOME_NET",
                "[80, 443]"
            ]
        );
        assert_eq!(header_fields(" a\tb  c ").unwrap(), vec!["a", "b", "c"]);
        assert!(header_fields("alert tcp [1.2.3.4 any").is_err());
        assert!(header_fields("alert tcp 1.2.3.4] any").is_err());
    }

    #[test]
    fn names_values_and_flags() {
        assert_eq!(
            lex(r#"msg:"hello"; nocase; depth: 4 ;  Content : "a" ;"#),
            vec![
                ("msg", Some(r#""hello""#)),
                ("nocase", None),
                ("depth", Some("4")),
                ("Content", Some(r#""a""#)),
            ]
        );
        // `name:;` is the same as `name;`.
        assert_eq!(lex("nocase:;"), vec![("nocase", None)]);
        assert_eq!(lex(""), vec![]);
        assert_eq!(lex("   "), vec![]);
    }

    #[test]
    fn escapes_and_quotes() {
        // Escaped semicolon, quote and backslash stay in the value as written.
        assert_eq!(
            lex(r#"content:"a\;b"; pcre:"/x\"y;z/i"; content:"c\\"; sid:1;"#),
            vec![
                ("content", Some(r#""a\;b""#)),
                ("pcre", Some(r#""/x\"y;z/i""#)),
                ("content", Some(r#""c\\""#)),
                ("sid", Some("1")),
            ]
        );
        // A quoted ';' does not end the option; nor after a negation.
        assert_eq!(
            lex(r#"msg:"a; b"; content:! "x;y"; sid:2;"#),
            vec![
                ("msg", Some(r#""a; b""#)),
                ("content", Some(r#"! "x;y""#)),
                ("sid", Some("2")),
            ]
        );
        // Unquoted values use Suricata's rule: `\;` does not end them.
        assert_eq!(
            lex(r"metadata:a\;b; sid:3;"),
            vec![("metadata", Some(r"a\;b")), ("sid", Some("3"))]
        );
        // A stray quote inside a quoted value, as Suricata accepts it
        // (ET sid 2035009 has one in its pcre).
        assert_eq!(
            lex(r#"pcre:"/a("|')b/i"; sid:5;"#),
            vec![("pcre", Some(r#""/a("|')b/i""#)), ("sid", Some("5"))]
        );
        // Only the first ':' separates name and value.
        assert_eq!(
            lex(r#"reference:url,http://x.test/a:b; sid:4;"#),
            vec![
                ("reference", Some("url,http://x.test/a:b")),
                ("sid", Some("4"))
            ]
        );
    }

    #[test]
    fn malformed() {
        for bad in [
            "msg:\"x\"",
            "nocase",
            "msg:\"x; sid:1;",
            ";",
            "  ; sid:1;",
            "msg:\"x\" sid:1;",
            "no case; sid:1;",
            ": 1;",
        ] {
            assert!(options(bad).is_err(), "{bad:?} should fail");
        }
    }
}
