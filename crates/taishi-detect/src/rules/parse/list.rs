//! The list syntax addresses and ports share: `a,b`, `[a,[b,c]]`, `!a`,
//! `![a,b]`, `$VAR`, `!$VAR`. Splitting only; what an item means is the
//! caller's (addresses and ports apply negation differently, as Suricata
//! does).

/// Nesting of brackets and variables a list may have. Real rule sets nest
/// two or three deep; the bound keeps a hostile rule or variable from
/// exhausting the stack.
pub(crate) const MAX_LIST_DEPTH: usize = 32;

/// One list element.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ItemKind<'a> {
    /// `[ ... ]`: the text between the brackets.
    Block(&'a str),
    /// `$NAME`: the name without `$`.
    Var(&'a str),
    /// Anything else, trimmed: `1.2.3.0/24`, `80:90`, `any`.
    Atom(&'a str),
}

/// An element and whether it was written with `!`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    pub neg: bool,
    pub kind: ItemKind<'a>,
}

/// Splits a list at its top-level commas. An outer `[...]` around the
/// whole text is one block item, whose contents the caller splits again.
pub(crate) fn split(text: &str) -> Result<Vec<Item<'_>>, String> {
    let mut items = Vec::new();
    let bytes = text.as_bytes();
    let mut depth: i32 = 0;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced ']' in '{text}'"));
                }
            }
            b',' if depth == 0 => {
                items.push(item(&text[start..i], text)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("unclosed '[' in '{text}'"));
    }
    items.push(item(&text[start..], text)?);
    Ok(items)
}

fn item<'a>(raw: &'a str, whole: &str) -> Result<Item<'a>, String> {
    let mut s = raw.trim();
    let mut neg = false;
    // Suricata takes any run of '!' before an item as one negation.
    while let Some(r) = s.strip_prefix('!') {
        neg = true;
        s = r.trim_start();
    }
    if s.is_empty() {
        return Err(format!("empty element in '{whole}'"));
    }
    if let Some(inner) = s.strip_prefix('[') {
        // The bracket opened here must be the one that closes at the end.
        let mut depth = 1;
        for (i, b) in inner.bytes().enumerate() {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        if i + 1 != inner.len() {
                            return Err(format!(
                                "text after ']' in '{s}' (missing ',' in '{whole}'?)"
                            ));
                        }
                        let body = &inner[..i];
                        if body.trim().is_empty() {
                            return Err(format!("empty list '[]' in '{whole}'"));
                        }
                        return Ok(Item {
                            neg,
                            kind: ItemKind::Block(body),
                        });
                    }
                }
                _ => {}
            }
        }
        return Err(format!("unclosed '[' in '{whole}'"));
    }
    if let Some(name) = s.strip_prefix('$') {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("invalid variable '{s}' in '{whole}'"));
        }
        return Ok(Item {
            neg,
            kind: ItemKind::Var(name),
        });
    }
    if s.bytes()
        .any(|b| matches!(b, b'[' | b']' | b'!' | b'$') || b.is_ascii_whitespace())
    {
        return Err(format!("invalid element '{s}' in '{whole}'"));
    }
    Ok(Item {
        neg,
        kind: ItemKind::Atom(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(neg: bool, s: &str) -> Item<'_> {
        Item {
            neg,
            kind: ItemKind::Atom(s),
        }
    }

    #[test]
    fn splits_top_level_only() {
        assert_eq!(
            split("1.2.3.4, !5.6.7.8 ,[a,[b]],!$X").unwrap(),
            vec![
                atom(false, "1.2.3.4"),
                atom(true, "5.6.7.8"),
                Item {
                    neg: false,
                    kind: ItemKind::Block("a,[b]")
                },
                Item {
                    neg: true,
                    kind: ItemKind::Var("X")
                },
            ]
        );
        assert_eq!(
            split("![80,81]").unwrap(),
            vec![Item {
                neg: true,
                kind: ItemKind::Block("80,81")
            }]
        );
    }

    #[test]
    fn malformed_lists() {
        for bad in [
            "", "[", "]", "[a", "a]", "[a]b", "a,,b", "a,", "[]", "!", "$", "$A-B", "a b",
            "[a][b]", "1!2",
        ] {
            assert!(split(bad).is_err(), "{bad:?} should fail");
        }
    }
}
