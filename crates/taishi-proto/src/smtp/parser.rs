//! Pure SMTP and MIME parsing: `&[u8]` in, borrowed views out, no state,
//! no allocation, no panics.
//!
//! Progress contract: [`split_line`] returns the length it consumed
//! (line and delimiter) or `None` when no line feed is in sight; the caller
//! keeps the bytes and asks again with more. Every other function works on
//! one complete line and never needs more input.

/// A client command, classified by its verb (case-insensitive, as Suricata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `HELO` / `EHLO`.
    Helo,
    /// `MAIL FROM`.
    MailFrom,
    /// `RCPT TO`.
    RcptTo,
    /// `DATA`.
    Data,
    /// `BDAT`.
    Bdat,
    /// `RSET`.
    Rset,
    /// `QUIT`.
    Quit,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH`.
    Auth,
    /// Anything else (`NOOP`, `VRFY`, garbage ...).
    Other,
}

/// Splits the first line off `data`: `(line without delimiter, consumed)`.
/// The delimiter is `\n` or `\r\n`.
pub fn split_line(data: &[u8]) -> Option<(&[u8], usize)> {
    let lf = data.iter().position(|&b| b == b'\n')?;
    let line = &data[..lf];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, lf + 1))
}

/// Removes a trailing `\n` or `\r\n` from a full line.
pub fn strip_eol(full: &[u8]) -> &[u8] {
    let l = full.strip_suffix(b"\n").unwrap_or(full);
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn starts_with_nocase(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The verb of a command line (Suricata matches prefixes: `DATAX` is DATA).
pub fn verb(line: &[u8]) -> Verb {
    if starts_with_nocase(line, b"starttls") {
        Verb::StartTls
    } else if starts_with_nocase(line, b"data") {
        Verb::Data
    } else if starts_with_nocase(line, b"bdat") {
        Verb::Bdat
    } else if starts_with_nocase(line, b"helo") || starts_with_nocase(line, b"ehlo") {
        Verb::Helo
    } else if starts_with_nocase(line, b"mail from") {
        Verb::MailFrom
    } else if starts_with_nocase(line, b"rcpt to") {
        Verb::RcptTo
    } else if starts_with_nocase(line, b"rset") {
        Verb::Rset
    } else if starts_with_nocase(line, b"quit") {
        Verb::Quit
    } else if starts_with_nocase(line, b"auth") {
        Verb::Auth
    } else {
        Verb::Other
    }
}

/// The parameter of `HELO x`, `MAIL FROM:x`, `RCPT TO:x`: after the verb
/// and one separator byte, spaces skipped, up to the next space (RFC 1870
/// options such as `SIZE=` follow a space).
pub fn param(line: &[u8], verb_len: usize) -> &[u8] {
    let rest = line.get(verb_len + 1..).unwrap_or(&[]);
    let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    let rest = &rest[start..];
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    &rest[..end]
}

/// `BDAT <size> [LAST]`: the chunk size and whether it is the last one;
/// `None` when malformed (no size, bad digits, a token other than `LAST`).
pub fn bdat_args(line: &[u8]) -> Option<(u64, bool)> {
    let rest = line.get(4..)?;
    if rest.first() != Some(&b' ') {
        return None;
    }
    let mut words = rest.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let size = words.next()?;
    if size.is_empty() || size.len() > 19 || !size.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = size
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"last") => true,
        Some(_) => return None,
    };
    if words.next().is_some() {
        return None;
    }
    Some((n, last))
}

/// The mechanism named by `AUTH <mechanism> [initial-response]`.
pub fn auth_mechanism(line: &[u8]) -> &[u8] {
    param(line, 4)
}

/// One reply line: its code and whether more lines follow (`250-`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply<'a> {
    /// The three-digit code.
    pub code: u16,
    /// `-` after the code: a multi-line reply continues.
    pub more: bool,
    /// Text after the code and separator.
    pub text: &'a [u8],
}

/// Reply codes Suricata accepts; any other code is an `INVALID_REPLY`.
const KNOWN_CODES: &[u16] = &[
    211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503,
    504, 521, 530, 534, 535, 550, 551, 552, 553, 554, 555,
];

/// Parses a reply line; `None` when it is not a known three-digit code.
pub fn reply(line: &[u8]) -> Option<Reply<'_>> {
    let d = line.get(..3)?;
    if !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = d.iter().fold(0u16, |acc, c| acc * 10 + u16::from(c - b'0'));
    if !KNOWN_CODES.contains(&code) {
        return None;
    }
    let more = line.get(3) == Some(&b'-');
    Some(Reply {
        code,
        more,
        text: line.get(4..).unwrap_or(&[]),
    })
}

/// A MIME header line `Name: value` (leading white space of the value
/// skipped). A name holding white space is not a header: the line starts
/// the body of a message that forgot its blank line.
pub fn header_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    if name.is_empty() || name.iter().any(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    let value = &line[colon + 1..];
    let skip = value
        .iter()
        .position(|&b| !is_mime_space(b))
        .unwrap_or(value.len());
    Some((name, &value[skip..]))
}

fn is_mime_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_mime_space(b)).unwrap_or(s.len());
    let s = &s[start..];
    let end = s
        .iter()
        .rposition(|&b| !is_mime_space(b))
        .map_or(0, |e| e + 1);
    &s[..end]
}

/// Calls `f(name, value)` for each `name=value` parameter after the first
/// `;` of a header value (`Content-Type: a/b; name="x"; ...`); quoted values
/// are returned without their quotes.
pub fn header_params<'a>(value: &'a [u8], f: &mut dyn FnMut(&'a [u8], &'a [u8])) {
    let Some(semi) = value.iter().position(|&b| b == b';') else {
        return;
    };
    let mut rest = &value[semi + 1..];
    loop {
        let start = rest
            .iter()
            .position(|&b| !is_mime_space(b))
            .unwrap_or(rest.len());
        rest = &rest[start..];
        if rest.is_empty() {
            return;
        }
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            return;
        };
        let name = trim(&rest[..eq]);
        rest = &rest[eq + 1..];
        let val;
        if rest.first() == Some(&b'"') {
            let body = &rest[1..];
            let mut esc = false;
            let mut end = None;
            for (i, &b) in body.iter().enumerate() {
                if b == b'\\' {
                    esc = !esc;
                    continue;
                }
                if b == b'"' && !esc {
                    end = Some(i);
                    break;
                }
                esc = false;
            }
            let Some(end) = end else {
                return;
            };
            val = &body[..end];
            rest = &body[end + 1..];
            let skip = rest
                .iter()
                .position(|&b| b == b';')
                .map_or(rest.len(), |p| p + 1);
            rest = &rest[skip..];
        } else {
            let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
            val = trim(&rest[..end]);
            rest = rest.get(end + 1..).unwrap_or(&[]);
        }
        f(name, val);
    }
}

/// Splits an address list on commas outside double quotes, trimming white
/// space (`"a, b" <x@y>, z@w` is two addresses).
pub fn split_addresses<'a>(value: &'a [u8], f: &mut dyn FnMut(&'a [u8])) {
    let mut quoted = false;
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                f(trim(&value[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    f(trim(&value[start..]));
}

/// Value of one base64 digit.
fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Streaming base64 decoder state: up to three digits carried between lines.
#[derive(Clone, Copy, Debug, Default)]
pub struct B64 {
    tmp: [u8; 4],
    nb: u8,
}

impl B64 {
    /// Decodes `input` (spaces skipped) appending to `out`; `false` when an
    /// invalid digit was met (that quantum is dropped, decoding goes on).
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        let mut ok = true;
        for &c in input {
            if c == b' ' || c == b'\t' {
                continue;
            }
            if let Some(slot) = self.tmp.get_mut(usize::from(self.nb)) {
                *slot = c;
                self.nb += 1;
            }
            if self.nb < 4 {
                continue;
            }
            self.nb = 0;
            let [a, b, c2, d] = self.tmp;
            let (Some(a), Some(b)) = (b64_value(a), b64_value(b)) else {
                ok = false;
                continue;
            };
            out.push((a << 2) | (b >> 4));
            if c2 == b'=' {
                continue;
            }
            let Some(c2) = b64_value(c2) else {
                ok = false;
                continue;
            };
            out.push((b << 4) | (c2 >> 2));
            if d == b'=' {
                continue;
            }
            let Some(d) = b64_value(d) else {
                ok = false;
                continue;
            };
            out.push((c2 << 6) | d);
        }
        ok
    }
}

fn hex_upper(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes one quoted-printable line (without its delimiter) into `out`,
/// as Suricata does: only upper-case hex digits are valid. Returns whether
/// every escape was valid and whether the line ends in a soft break (`=`:
/// its delimiter is not part of the text).
pub fn qp_decode(line: &[u8], out: &mut Vec<u8>) -> (bool, bool) {
    let mut ok = true;
    let mut i = 0;
    let mut soft = false;
    while i < line.len() {
        if line[i] == b'=' {
            if i + 1 == line.len() {
                soft = true;
                break;
            }
            if i + 2 >= line.len() {
                ok = false;
                break;
            }
            match (hex_upper(line[i + 1]), hex_upper(line[i + 2])) {
                (Some(h), Some(l)) => out.push((h << 4) | l),
                _ => ok = false,
            }
            i += 3;
        } else {
            out.push(line[i]);
            i += 1;
        }
    }
    (ok, soft)
}

/// Finds URLs starting with `scheme` (case-insensitive, e.g. `http://`) in
/// `text`; each ends at white space, a quote, `<`, `>` or `]`. Calls `f`
/// with the URL, scheme included.
pub fn find_urls<'a>(text: &'a [u8], scheme: &[u8], f: &mut dyn FnMut(&'a [u8])) {
    if scheme.is_empty() {
        return;
    }
    let mut i = 0;
    while i + scheme.len() <= text.len() {
        if text[i..i + scheme.len()].eq_ignore_ascii_case(scheme) {
            let rest = &text[i..];
            let end = rest
                .iter()
                .position(|&b| {
                    matches!(
                        b,
                        b' ' | b'"' | b'\'' | b'<' | b'>' | b']' | b'\t' | b'\r' | b'\n'
                    )
                })
                .unwrap_or(rest.len());
            f(&rest[..end]);
            i += end.max(1);
        } else {
            i += 1;
        }
    }
}
