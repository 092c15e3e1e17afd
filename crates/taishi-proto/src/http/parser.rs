//! Pure HTTP/1.x parsing: lines, request and status lines, header fields,
//! chunk sizes, URIs and hosts.
//!
//! Progress contract: every function here takes one complete line (or
//! one value) as `&[u8]` and returns borrowed views into it, or a decoded
//! copy where normalisation must change bytes (URI, host). Nothing here
//! panics or keeps state; finding line ends in a stream and deciding what
//! comes next is `state.rs`'s job. Parsing follows libhtp's lenient
//! behaviour (the IDS personality): whatever a real server might accept is
//! parsed, and what deviates from RFC 9112 is reported as an event name.

/// Request methods the probe accepts at the start of a client stream: the
/// RFC 9110 methods and the WebDAV (RFC 4918, 3253) ones seen in practice.
pub const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"CHECKOUT",
    b"CHECKIN",
    b"MERGE",
    b"MKACTIVITY",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"NOTIFY",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
    b"POLL",
];

/// Strips the line terminator (`\n` or `\r\n`) from a line.
pub fn chomp(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether a line (terminator included or not) is empty.
pub fn is_blank(line: &[u8]) -> bool {
    chomp(line).is_empty()
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r')
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_ws(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_ws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// A request line, split as libhtp does.
#[derive(Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method token.
    pub method: &'a [u8],
    /// The request target as sent.
    pub uri: &'a [u8],
    /// The version (`HTTP/1.1`), absent for an HTTP/0.9 simple request.
    pub protocol: Option<&'a [u8]>,
    /// Events seen while splitting (libhtp names).
    pub events: RequestLineEvents,
}

/// Deviations found in a request line.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
pub struct RequestLineEvents {
    /// Whitespace before the method.
    pub leading_whitespace: bool,
    /// The method ended with something other than a space.
    pub method_delim_non_compliant: bool,
    /// The URI ended with something other than a space.
    pub uri_delim_non_compliant: bool,
    /// Nothing but a method: no URI.
    pub incomplete: bool,
}

/// Splits a request line (terminator already removed): method, URI up to
/// the last run of whitespace before a version that starts with `HTTP`,
/// and the version. A line with a URI but no version is HTTP/0.9.
pub fn parse_request_line(line: &[u8]) -> RequestLine<'_> {
    let mut ev = RequestLineEvents::default();
    let start = line.iter().position(|&b| !is_ws(b)).unwrap_or(line.len());
    if start > 0 {
        ev.leading_whitespace = true;
    }
    let line = line.get(start..).unwrap_or_default();
    let m_end = line.iter().position(|&b| is_ws(b)).unwrap_or(line.len());
    let method = line.get(..m_end).unwrap_or_default();
    if line.get(m_end).is_some_and(|&b| b != b' ') {
        ev.method_delim_non_compliant = true;
    }
    let rest = line.get(m_end..).unwrap_or_default();
    let u_start = rest.iter().position(|&b| !is_ws(b)).unwrap_or(rest.len());
    let rest = rest.get(u_start..).unwrap_or_default();
    if rest.is_empty() {
        ev.incomplete = true;
        return RequestLine {
            method,
            uri: rest,
            protocol: None,
            events: ev,
        };
    }
    // libhtp takes the URI up to the first whitespace, unless what follows
    // the last whitespace is a version: then spaces inside the URI belong
    // to it (servers accept them).
    let trimmed = trim(rest);
    let last_ws = trimmed.iter().rposition(|&b| is_ws(b));
    let (uri, protocol) = match last_ws {
        Some(i) => {
            let proto = trim(trimmed.get(i + 1..).unwrap_or_default());
            let first_ws = trimmed.iter().position(|&b| is_ws(b)).unwrap_or(i);
            if proto.len() >= 4 && proto[..4].eq_ignore_ascii_case(b"HTTP") {
                (trim(trimmed.get(..i).unwrap_or_default()), Some(proto))
            } else {
                let after = trim(trimmed.get(first_ws..).unwrap_or_default());
                (
                    trimmed.get(..first_ws).unwrap_or_default(),
                    (!after.is_empty()).then_some(after),
                )
            }
        }
        None => (trimmed, None),
    };
    if let Some(&d) = rest.get(uri.len())
        && d != b' '
        && protocol.is_some()
    {
        ev.uri_delim_non_compliant = true;
    }
    RequestLine {
        method,
        uri,
        protocol,
        events: ev,
    }
}

/// A status line.
#[derive(Debug, PartialEq, Eq)]
pub struct StatusLine<'a> {
    /// The version (`HTTP/1.1`).
    pub protocol: &'a [u8],
    /// The status code as sent.
    pub status: &'a [u8],
    /// The status code, when it is three digits.
    pub code: Option<u16>,
    /// The reason phrase.
    pub message: &'a [u8],
}

/// Whether a response's first line looks like a status line (libhtp:
/// optional whitespace, then `HTTP` in any case).
pub fn looks_like_status_line(line: &[u8]) -> bool {
    let t = trim(line);
    t.len() >= 4 && t[..4].eq_ignore_ascii_case(b"HTTP")
}

/// Splits a status line (terminator already removed).
pub fn parse_status_line(line: &[u8]) -> StatusLine<'_> {
    let line = trim(line);
    let p_end = line.iter().position(|&b| is_ws(b)).unwrap_or(line.len());
    let protocol = line.get(..p_end).unwrap_or_default();
    let rest = trim(line.get(p_end..).unwrap_or_default());
    let s_end = rest.iter().position(|&b| is_ws(b)).unwrap_or(rest.len());
    let status = rest.get(..s_end).unwrap_or_default();
    let message = trim(rest.get(s_end..).unwrap_or_default());
    let code = (status.len() == 3 && status.iter().all(u8::is_ascii_digit)).then(|| {
        status
            .iter()
            .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'))
    });
    StatusLine {
        protocol,
        status,
        code,
        message,
    }
}

/// One header field line.
#[derive(Debug, PartialEq, Eq)]
pub struct Field<'a> {
    /// Name as sent (whitespace before the colon removed).
    pub name: &'a [u8],
    /// Value with surrounding whitespace removed.
    pub value: &'a [u8],
    /// No colon: libhtp keeps the whole line as the value of an empty name.
    pub missing_colon: bool,
}

/// Splits a header line (terminator already removed) at its first colon.
pub fn parse_field(line: &[u8]) -> Field<'_> {
    match line.iter().position(|&b| b == b':') {
        Some(i) => Field {
            name: trim(line.get(..i).unwrap_or_default()),
            value: trim(line.get(i + 1..).unwrap_or_default()),
            missing_colon: false,
        },
        None => Field {
            name: b"",
            value: trim(line),
            missing_colon: true,
        },
    }
}

/// Whether a header line continues the previous one (obsolete folding).
pub fn is_folded(line: &[u8]) -> bool {
    matches!(line.first(), Some(b' ' | b'\t'))
}

/// Parses a chunk-size line: hex digits, optional extensions after `;`.
/// `None` when there are no hex digits or the size overflows.
pub fn parse_chunk_size(line: &[u8]) -> Option<u64> {
    let t = trim(line);
    let end = t
        .iter()
        .position(|&b| !b.is_ascii_hexdigit())
        .unwrap_or(t.len());
    let digits = t.get(..end)?;
    if digits.is_empty() {
        return None;
    }
    match t.get(end) {
        None | Some(b';' | b' ' | b'\t') => {}
        Some(_) => return None,
    }
    digits.iter().try_fold(0u64, |n, &d| {
        let v = (d as char).to_digit(16)?;
        n.checked_mul(16)?.checked_add(u64::from(v))
    })
}

/// Parses a Content-Length value: digits with optional surrounding
/// whitespace (libhtp accepts nothing else).
pub fn parse_content_length(v: &[u8]) -> Option<u64> {
    let t = trim(v);
    if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    t.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Whether a header value holds `token` as one of its comma-separated
/// elements, case-insensitively (`Transfer-Encoding: gzip, chunked`).
pub fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim(t).eq_ignore_ascii_case(token))
}

/// A parsed `Content-Range: bytes START-END/SIZE` value; -1 for `*`.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct ContentRange {
    /// First byte position.
    pub start: i64,
    /// Last byte position.
    pub end: i64,
    /// Complete length, -1 when unknown (`*`).
    pub size: i64,
}

/// Parses a Content-Range value as Suricata's `HTPParseContentRange`.
pub fn parse_content_range(v: &[u8]) -> Option<ContentRange> {
    let t = trim(v);
    let t = t.strip_prefix(b"bytes").map(trim).unwrap_or(t);
    let num = |s: &[u8]| -> Option<i64> {
        let s = trim(s);
        if s == b"*" {
            return Some(-1);
        }
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0i64, |n, &d| {
            n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
    };
    let slash = t.iter().position(|&b| b == b'/')?;
    let (range, size) = (t.get(..slash)?, t.get(slash + 1..)?);
    let size = num(size)?;
    if trim(range) == b"*" {
        return Some(ContentRange {
            start: -1,
            end: -1,
            size,
        });
    }
    let dash = range.iter().position(|&b| b == b'-')?;
    let start = num(range.get(..dash)?)?;
    let end = num(range.get(dash + 1..)?)?;
    Some(ContentRange { start, end, size })
}

/// The parts of a request target libhtp's URI parser yields.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uri<'a> {
    /// Host from an absolute URI or a CONNECT authority.
    pub host: Option<&'a [u8]>,
    /// Port text after the host, when present.
    pub port: Option<&'a [u8]>,
    /// Path (may be empty).
    pub path: &'a [u8],
    /// Query, without its `?`.
    pub query: Option<&'a [u8]>,
    /// Fragment, without its `#`.
    pub fragment: Option<&'a [u8]>,
}

/// Splits a request target: `scheme://authority/path?query#fragment`, a
/// plain `/path?query`, or (for CONNECT) `host:port`.
pub fn parse_uri(uri: &[u8], connect: bool) -> Uri<'_> {
    let mut out = Uri::default();
    if connect && !uri.starts_with(b"/") {
        let (h, p) = split_host_port(uri);
        out.host = Some(h);
        out.port = p;
        return out;
    }
    let mut rest = uri;
    if let Some(i) = find(uri, b"://")
        && uri.get(..i).is_some_and(|s| {
            !s.is_empty()
                && s.iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
        })
    {
        let after = uri.get(i + 3..).unwrap_or_default();
        let a_end = after
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(after.len());
        let authority = after.get(..a_end).unwrap_or_default();
        // user:password@ is not part of the host.
        let hostport = match authority.iter().rposition(|&b| b == b'@') {
            Some(at) => authority.get(at + 1..).unwrap_or_default(),
            None => authority,
        };
        let (h, p) = split_host_port(hostport);
        out.host = Some(h);
        out.port = p;
        rest = after.get(a_end..).unwrap_or_default();
    }
    let (before_frag, frag) = match rest.iter().position(|&b| b == b'#') {
        Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i + 1..)),
        None => (rest, None),
    };
    out.fragment = frag;
    match before_frag.iter().position(|&b| b == b'?') {
        Some(i) => {
            out.path = before_frag.get(..i).unwrap_or_default();
            out.query = before_frag.get(i + 1..);
        }
        None => out.path = before_frag,
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Splits `host[:port]` (and `[v6]:port`).
pub fn split_host_port(hp: &[u8]) -> (&[u8], Option<&[u8]>) {
    let hp = trim(hp);
    if hp.first() == Some(&b'[') {
        if let Some(close) = hp.iter().position(|&b| b == b']') {
            let host = hp.get(..=close).unwrap_or_default();
            let port = hp.get(close + 1..).and_then(|r| r.strip_prefix(b":"));
            return (host, port);
        }
        return (hp, None);
    }
    match hp.iter().rposition(|&b| b == b':') {
        Some(i) => (hp.get(..i).unwrap_or_default(), hp.get(i + 1..)),
        None => (hp, None),
    }
}

/// Parses a port as libhtp does: digits only, 1 to 65535.
pub fn parse_port(p: &[u8]) -> Option<u16> {
    let t = trim(p);
    if t.is_empty() || t.len() > 5 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = t.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    u16::try_from(n).ok().filter(|&p| p != 0)
}

/// Normalises a host name: lower case, trailing dot removed.
pub fn normalize_host(host: &[u8]) -> Vec<u8> {
    let h = trim(host);
    let h = h.strip_suffix(b".").unwrap_or(h);
    h.to_ascii_lowercase()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Percent-decodes as libhtp's IDS personality does for paths: `%XX` and
/// `%uXXXX` (best fit: the low byte when the high one is zero, else `?`);
/// invalid escapes stay as they are.
pub fn percent_decode(input: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            if matches!(input.get(i + 1), Some(b'u' | b'U')) {
                let digits: Option<Vec<u8>> = (2..6)
                    .map(|k| input.get(i + k).copied().and_then(hex))
                    .collect();
                if let Some(d) = digits
                    && let [a, b2, c, e] = d[..]
                {
                    let hi = a << 4 | b2;
                    let lo = c << 4 | e;
                    out.push(if hi == 0 { lo } else { b'?' });
                    i += 6;
                    continue;
                }
            }
        }
        out.push(b);
        i += 1;
    }
}

/// Path normalisation of libhtp's IDS personality: percent-decoding,
/// `\` to `/`, runs of `/` compressed, and `.`/`..` segments removed
/// (RFC 3986 §5.2.4). `double` decodes twice (`double-decode-path`).
pub fn normalize_path(path: &[u8], double: bool) -> Vec<u8> {
    let mut decoded = Vec::with_capacity(path.len());
    percent_decode(path, &mut decoded);
    if double {
        let once = std::mem::take(&mut decoded);
        percent_decode(&once, &mut decoded);
    }
    for b in decoded.iter_mut() {
        if *b == b'\\' {
            *b = b'/';
        }
    }
    let mut compressed = Vec::with_capacity(decoded.len());
    for &b in &decoded {
        if b == b'/' && compressed.last() == Some(&b'/') {
            continue;
        }
        compressed.push(b);
    }
    remove_dot_segments(&compressed)
}

/// RFC 3986 §5.2.4, on a path whose separators are already compressed.
pub fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let absolute = path.first() == Some(&b'/');
    let mut segs: Vec<&[u8]> = Vec::new();
    let parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let n = parts.len();
    let mut trailing = false;
    for (k, seg) in parts.iter().enumerate() {
        if k == 0 && absolute {
            continue;
        }
        let last = k + 1 == n;
        match *seg {
            b"." => trailing = last,
            b".." => {
                segs.pop();
                trailing = last;
            }
            s => {
                segs.push(s);
                trailing = false;
            }
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if absolute {
        out.push(b'/');
    }
    for (k, s) in segs.iter().enumerate() {
        if k > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(s);
    }
    if trailing && out.last() != Some(&b'/') {
        out.push(b'/');
    }
    out
}

/// The normalised URI Suricata inspects with `http.uri`: normalised path,
/// then `?query` percent-decoded once as libhtp does (twice with
/// `double-decode-query`) and `#fragment` as sent.
pub fn normalize_uri(uri: &Uri<'_>, double_path: bool, double_query: bool) -> Vec<u8> {
    let mut out = normalize_path(uri.path, double_path);
    if let Some(q) = uri.query {
        out.push(b'?');
        if double_query {
            let mut once = Vec::with_capacity(q.len());
            percent_decode(q, &mut once);
            percent_decode(&once, &mut out);
        } else {
            percent_decode(q, &mut out);
        }
    }
    if let Some(f) = uri.fragment {
        out.push(b'#');
        out.extend_from_slice(f);
    }
    out
}

/// The `filename` parameter of a Content-Disposition value, unquoted.
pub fn disposition_filename(v: &[u8]) -> Option<&[u8]> {
    for part in v.split(|&b| b == b';') {
        let p = trim(part);
        let Some(eq) = p.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (k, val) = (trim(p.get(..eq)?), trim(p.get(eq + 1..)?));
        if k.eq_ignore_ascii_case(b"filename") {
            let val = val.strip_prefix(b"\"").unwrap_or(val);
            let val = val.strip_suffix(b"\"").unwrap_or(val);
            return Some(val);
        }
    }
    None
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn multipart_boundary(content_type: &[u8]) -> Option<&[u8]> {
    let t = trim(content_type);
    if t.len() < 19 || !t[..19].eq_ignore_ascii_case(b"multipart/form-data") {
        return None;
    }
    for part in t.split(|&b| b == b';').skip(1) {
        let p = trim(part);
        let Some(eq) = p.iter().position(|&b| b == b'=') else {
            continue;
        };
        if trim(p.get(..eq)?).eq_ignore_ascii_case(b"boundary") {
            let v = trim(p.get(eq + 1..)?);
            let v = v.strip_prefix(b"\"").unwrap_or(v);
            let v = v.strip_suffix(b"\"").unwrap_or(v);
            return (!v.is_empty()).then_some(v);
        }
    }
    None
}
