//! One rule's text → [`RawRule`]: action, protocol, addresses, ports,
//! direction and the option list, with `sid` picked out for reports.

use std::fmt;
use std::sync::Arc;

use super::address::AddrSet;
use super::lexer::{self, snippet};
use super::port::PortSet;
use super::vars::Vars;

/// Where a rule came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file, as given (or a label such as `<command line>`).
    pub file: Arc<str>,
    /// 1-based line of the rule's first line.
    pub line: usize,
}

impl Origin {
    /// An origin for a rule that did not come from a file.
    pub fn new(file: &str, line: usize) -> Self {
        Origin {
            file: Arc::from(file),
            line,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `alert`
    Alert,
    /// `pass`
    Pass,
    /// `drop`
    Drop,
    /// `reject`
    Reject,
    /// `rejectsrc`
    RejectSrc,
    /// `rejectdst`
    RejectDst,
    /// `rejectboth`
    RejectBoth,
    /// `config` (Suricata 8: rules that change settings for a flow or
    /// transaction and never alert).
    Config,
}

impl Action {
    /// The action as written in rules.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Alert => "alert",
            Action::Pass => "pass",
            Action::Drop => "drop",
            Action::Reject => "reject",
            Action::RejectSrc => "rejectsrc",
            Action::RejectDst => "rejectdst",
            Action::RejectBoth => "rejectboth",
            Action::Config => "config",
        }
    }

    /// Parses an action name, case-insensitively as Suricata does.
    pub fn from_name(s: &str) -> Option<Action> {
        Some(match s.to_ascii_lowercase().as_str() {
            "alert" => Action::Alert,
            "pass" => Action::Pass,
            "drop" => Action::Drop,
            "reject" => Action::Reject,
            "rejectsrc" => Action::RejectSrc,
            "rejectdst" => Action::RejectDst,
            "rejectboth" => Action::RejectBoth,
            "config" => Action::Config,
            _ => return None,
        })
    }
}

/// The header's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// `->`: source to destination.
    Forward,
    /// `<>`: either way (Suricata loads it as two rules).
    Both,
    /// `=>` (Suricata 8): a transaction's request and response together;
    /// each buffer is read on its own side.
    Transactional,
}

/// One option as written: name lower-cased and trimmed; value trimmed but
/// otherwise exactly as in the rule text (quotes kept, escapes `\;` `\"`
/// `\\` kept), `None` for `nocase;` (and for `nocase:;`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOption {
    /// Keyword, lower-cased.
    pub name: String,
    /// Value as written, trimmed.
    pub value: Option<String>,
}

impl RawOption {
    /// The value with one pair of surrounding double quotes removed (and
    /// the whitespace just inside them kept); the trimmed value when it is
    /// not quoted. Escapes are left as written.
    pub fn unquoted(&self) -> Option<&str> {
        let v = self.value.as_deref()?;
        Some(
            v.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(v),
        )
    }

    /// The unquoted value with every `\X` turned into `X`, as Suricata
    /// reads `msg` (`\"`, `\;`, `\\`, `\:` are the escapes it expects;
    /// others it accepts the same way).
    pub fn unescaped(&self) -> Option<String> {
        let v = self.unquoted()?;
        let mut out = String::with_capacity(v.len());
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        Some(out)
    }
}

/// A rule's header and option list, variables expanded, options unparsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRule {
    /// The action.
    pub action: Action,
    /// Lower-cased as written: tcp, udp, icmp, ip, http, http1, dns, tls,
    /// tcp-pkt, tcp-stream, pkt, ... (the compiler decides what it means).
    pub proto: String,
    /// Source addresses.
    pub src: AddrSet,
    /// Source ports.
    pub sport: PortSet,
    /// Direction.
    pub dir: Dir,
    /// Destination addresses.
    pub dst: AddrSet,
    /// Destination ports.
    pub dport: PortSet,
    /// Options in rule order.
    pub options: Vec<RawOption>,
    /// From the `sid` option, for reports.
    pub sid: Option<u32>,
    /// Where the rule came from.
    pub origin: Origin,
}

impl RawRule {
    /// The first option called `name` (lower-case).
    pub fn option(&self, name: &str) -> Option<&RawOption> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// Why a rule cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where the rule came from.
    pub origin: Origin,
    /// The rule's sid, when it could be read.
    pub sid: Option<u32>,
    /// The keyword at fault, if the fault is in an option.
    pub keyword: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.origin.file, self.origin.line)?;
        if let Some(sid) = self.sid {
            write!(f, "sid {sid}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses one rule (already joined from its continuation lines).
pub fn parse_rule(text: &str, vars: &Vars, origin: Origin) -> Result<RawRule, ParseError> {
    let err = |sid: Option<u32>, keyword: Option<String>, message: String| ParseError {
        origin: origin.clone(),
        sid,
        keyword,
        message,
    };
    let text = text.trim();
    let Some(open) = text.find('(') else {
        return Err(err(None, None, "no option list '( ... )'".into()));
    };
    let (header, rest) = text.split_at(open);
    let rest = rest.trim_end();
    let Some(body) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        let after = rest.rfind(')').map(|p| &rest[p + 1..]).unwrap_or("");
        let msg = if after.trim().is_empty() {
            "option list is not closed with ')'".to_string()
        } else {
            format!("text after the option list: '{}'", snippet(after.trim()))
        };
        return Err(err(best_effort_sid(rest), None, msg));
    };

    let lexed = lexer::options(body).map_err(|(kw, m)| err(best_effort_sid(body), kw, m))?;
    let mut options = Vec::with_capacity(lexed.len());
    let mut sid = None;
    for o in lexed {
        let name = o.name.to_ascii_lowercase();
        if name == "sid" {
            if sid.is_some() {
                return Err(err(sid, Some(name), "duplicated 'sid' keyword".into()));
            }
            sid = Some(parse_sid(o.value).map_err(|m| err(None, Some("sid".into()), m))?);
        }
        if name == "msg" && !o.value.is_some_and(|v| v.len() >= 2 && v.starts_with('"')) {
            // Suricata: "value must be double quoted" (SIGMATCH_QUOTES_MANDATORY).
            return Err(err(
                sid.or_else(|| best_effort_sid(body)),
                Some(name),
                "msg: value must be double quoted".into(),
            ));
        }
        options.push(RawOption {
            name,
            value: o.value.map(str::to_string),
        });
    }
    let Some(sid) = sid else {
        return Err(err(None, None, "rule has no 'sid'".into()));
    };
    let sid = Some(sid);

    let fields = lexer::header_fields(header).map_err(|m| err(sid, None, m))?;
    let [action, proto, src, sport, dir, dst, dport] = fields[..] else {
        return Err(err(
            sid,
            None,
            format!(
                "rule header has {} fields, expected 7 (action proto src sport dir dst dport): '{}'",
                fields.len(),
                header.trim()
            ),
        ));
    };
    let action = Action::from_name(action)
        .ok_or_else(|| err(sid, None, format!("unknown action '{action}'")))?;
    let proto = proto.to_ascii_lowercase();
    if !proto
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Err(err(sid, None, format!("invalid protocol '{proto}'")));
    }
    let dir = match dir {
        "->" => Dir::Forward,
        "<>" => Dir::Both,
        "=>" => Dir::Transactional,
        other => {
            return Err(err(
                sid,
                None,
                format!("invalid direction '{other}', expected '->' or '<>'"),
            ));
        }
    };
    let src = AddrSet::parse(src, vars).map_err(|m| err(sid, None, format!("source {m}")))?;
    let dst = AddrSet::parse(dst, vars).map_err(|m| err(sid, None, format!("destination {m}")))?;
    let sport = PortSet::parse(sport, vars).map_err(|m| err(sid, None, format!("source {m}")))?;
    let dport =
        PortSet::parse(dport, vars).map_err(|m| err(sid, None, format!("destination {m}")))?;

    Ok(RawRule {
        action,
        proto,
        src,
        sport,
        dir,
        dst,
        dport,
        options,
        sid,
        origin,
    })
}

/// `sid` as Suricata accepts it: a decimal u32 above 0, optionally quoted.
fn parse_sid(value: Option<&str>) -> Result<u32, String> {
    let v = value.ok_or("sid: missing value")?;
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v)
        .trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("sid: invalid value '{}'", snippet(v)));
    }
    match v.parse::<u32>() {
        Ok(0) => Err("sid: 0 is not a valid sid".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("sid: '{v}' does not fit in 32 bits")),
    }
}

/// The sid of a rule whose option list does not lex, for the report only.
fn best_effort_sid(text: &str) -> Option<u32> {
    let mut rest = text;
    while let Some(p) = rest.find("sid") {
        let before_ok = p == 0
            || rest[..p]
                .bytes()
                .last()
                .is_some_and(|b| b == b';' || b == b'(' || b.is_ascii_whitespace());
        let after = rest[p + 3..].trim_start();
        if before_ok && let Some(v) = after.strip_prefix(':') {
            let v = v.trim_start();
            let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
            if let Ok(n) = v[..end].parse::<u32>() {
                return Some(n);
            }
        }
        rest = &rest[p + 3..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn origin() -> Origin {
        Origin::new("test.rules", 7)
    }

    fn parse(s: &str) -> Result<RawRule, ParseError> {
        parse_rule(s, &Vars::suricata_defaults(), origin())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn et_style_rule() {
        let r = parse(
            r#"alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"ET TEST \"quoted\" and \; escaped"; flow:established,to_server; content:"GET"; http_method; content:"/x"; nocase; http.uri; reference:url,example.test/a:b; classtype:trojan-activity; sid:2000001; rev:3; metadata:created_at 2020_01_01;)"#,
        )
        .unwrap();
        assert_eq!(r.action, Action::Alert);
        assert_eq!(r.proto, "http");
        assert!(r.src.matches(ip("10.0.0.1")) && !r.src.matches(ip("8.8.8.8")));
        assert!(r.dst.matches(ip("8.8.8.8")) && !r.dst.matches(ip("10.0.0.1")));
        assert!(r.sport.is_any());
        assert!(r.dport.matches(80) && !r.dport.matches(81));
        assert_eq!(r.dir, Dir::Forward);
        assert_eq!(r.sid, Some(2000001));
        assert_eq!(r.origin, origin());
        let names: Vec<&str> = r.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "msg",
                "flow",
                "content",
                "http_method",
                "content",
                "nocase",
                "http.uri",
                "reference",
                "classtype",
                "sid",
                "rev",
                "metadata"
            ]
        );
        assert_eq!(
            r.options[0].value.as_deref(),
            Some(r#""ET TEST \"quoted\" and \; escaped""#)
        );
        assert_eq!(
            r.options[0].unquoted(),
            Some(r#"ET TEST \"quoted\" and \; escaped"#)
        );
        assert_eq!(
            r.options[0].unescaped().as_deref(),
            Some(r#"ET TEST "quoted" and ; escaped"#)
        );
        assert_eq!(r.options[5].value, None);
        assert_eq!(r.option("rev").and_then(|o| o.value.as_deref()), Some("3"));
        assert_eq!(
            r.option("content").and_then(RawOption::unquoted),
            Some("GET")
        );
        assert!(r.option("pcre").is_none());
        assert_eq!(r.options[7].value.as_deref(), Some("url,example.test/a:b"));
    }

    #[test]
    fn header_variants() {
        let r = parse("DROP TCP-PKT [1.2.3.4, 5.6.7.8] [1024:, !2000] <> any 80 (sid:5;)").unwrap();
        assert_eq!(r.action, Action::Drop);
        assert_eq!(r.proto, "tcp-pkt");
        assert_eq!(r.dir, Dir::Both);
        let t = parse_rule(
            "alert http any any => any any (sid:4;)",
            &Vars::default(),
            Origin::new("t", 1),
        )
        .unwrap();
        assert_eq!(t.dir, Dir::Transactional);
        assert!(r.src.matches(ip("5.6.7.8")));
        assert!(r.sport.matches(1024) && !r.sport.matches(2000) && !r.sport.matches(80));
        for (a, want) in [
            ("pass", Action::Pass),
            ("reject", Action::Reject),
            ("rejectsrc", Action::RejectSrc),
            ("rejectdst", Action::RejectDst),
            ("rejectboth", Action::RejectBoth),
            ("config", Action::Config),
        ] {
            let r = parse(&format!("{a} ip any any -> any any (sid:1;)")).unwrap();
            assert_eq!(r.action, want);
            assert_eq!(r.action.name(), a);
        }
        // No space before '(' and spaces inside the list are fine.
        let r = parse("alert udp any any -> any [53, 5353](sid:9; )").unwrap();
        assert!(r.dport.matches(5353));
    }

    #[test]
    fn errors_name_what_and_where() {
        let cases = [
            (
                "alert tcp any any -> any any (msg:\"x\";)",
                "no 'sid'",
                None,
            ),
            (
                "alert tcp any any -> any any (sid:1; sid:2;)",
                "duplicated",
                Some(1),
            ),
            ("alert tcp any any -> any any (sid:0;)", "0 is not", None),
            (
                "alert tcp any any -> any any (sid:abc;)",
                "invalid value",
                None,
            ),
            (
                "alert tcp any any -> any any (sid:4294967296;)",
                "32 bits",
                None,
            ),
            (
                "alert tcp any any -> any any (sid:1;) junk",
                "text after",
                Some(1),
            ),
            (
                "alert tcp any any -> any any (sid:1;",
                "not closed",
                Some(1),
            ),
            (
                "alert tcp any any -> any any sid:1;",
                "no option list",
                None,
            ),
            ("alert tcp any any -> any (sid:3;)", "6 fields", Some(3)),
            (
                "alert tcp any any any -> any any (sid:3;)",
                "8 fields",
                Some(3),
            ),
            (
                "alarm tcp any any -> any any (sid:3;)",
                "unknown action",
                Some(3),
            ),
            (
                "alert tcp any any <- any any (sid:3;)",
                "invalid direction",
                Some(3),
            ),
            (
                "alert tcp !any any -> any any (sid:3;)",
                "complete IPv4",
                Some(3),
            ),
            (
                "alert tcp $NOPE any -> any any (sid:3;)",
                "unknown address variable",
                Some(3),
            ),
            (
                "alert tcp any 99999 -> any any (sid:3;)",
                "out of range",
                Some(3),
            ),
            (
                "alert tcp any any -> any any (msg:\"x\" sid:3;)",
                "missing ';'",
                Some(3),
            ),
            (
                "alert tcp any any -> any any (msg:\"x; sid:3;)",
                "unterminated",
                Some(3),
            ),
            (
                "alert t[cp any any -> any any (sid:3;)",
                "unclosed",
                Some(3),
            ),
        ];
        for (rule, want, sid) in cases {
            let e = parse(rule).expect_err(rule);
            assert!(e.message.contains(want), "{rule}: {e}");
            assert_eq!(e.sid, sid, "{rule}: {e}");
            assert_eq!(e.origin, origin());
        }
        let e = parse("alert tcp any any -> any any (msg:\"x\" sid:3;)").unwrap_err();
        assert_eq!(e.keyword.as_deref(), Some("msg"));
        assert!(
            e.to_string()
                .starts_with("test.rules:7: sid 3: option 'msg'"),
            "{e}"
        );
        let e = parse("alert tcp any any -> any any (msg:\"x\";)").unwrap_err();
        assert_eq!(e.to_string(), "test.rules:7: rule has no 'sid'");
    }

    #[test]
    fn quoted_sid_is_accepted() {
        assert_eq!(
            parse("alert ip any any -> any any (sid:\"12\";)")
                .unwrap()
                .sid,
            Some(12)
        );
    }
}
