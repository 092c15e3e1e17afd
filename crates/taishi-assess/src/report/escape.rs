//! Escaping of store values for HTML, SVG and Markdown.
//!
//! Signature names, asset names, notes and titles come from rule files,
//! registries and analysts: any of them may hold markup. The HTML and SVG
//! writers pass every such value through [`html`]; Markdown viewers render
//! inline HTML too, so [`markdown`] escapes the same characters and
//! Markdown's own.

use std::fmt::Write as _;

/// `s` safe as HTML or XML text and as a quoted attribute value.
///
/// Control characters other than tab and newline are dropped: XML 1.0
/// forbids them, and an SVG holding one fails to parse.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `s` safe in a Markdown table cell: HTML-escaped (viewers render inline
/// HTML), Markdown punctuation backslash-escaped, line breaks as spaces
/// (a newline would end the table row).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            // Links need `[`: with brackets escaped, parentheses and `!` are inert.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                let _ = write!(out, "\\{c}");
            }
            '\n' | '\t' | '\r' => out.push(' '),
            c => out.push_str(&html(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_neutralises_markup_and_attributes() {
        let xss = r#"<script>alert("x")</script><img src=x onerror='alert(1)'>&"#;
        let e = html(xss);
        assert_eq!(
            e,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;"
        );
        assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        assert_eq!(html("泵站 PLC-3"), "泵站 PLC-3");
        assert_eq!(html("a\u{0}b\u{1b}c\nd"), "abc\nd");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject() {
        let e = markdown("a|b\n<b>[x](javascript:alert(1))</b>*_`");
        assert!(!e.contains('<'));
        assert!(!e.contains('\n'));
        assert!(e.contains("\\[x\\](javascript:alert(1))") && e.contains("\\|"));
        assert_eq!(markdown("10.0.0.1"), "10.0.0.1");
    }
}
