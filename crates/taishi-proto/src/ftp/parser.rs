//! FTP control-channel lines (RFC 959 §4, RFC 2428), pure and stateless.
//!
//! Progress contract: the caller splits the stream into lines (up to
//! `\n`); every function here reads one complete line, or one argument,
//! and returns borrowed views or `None`. Nothing panics.

/// Commands only FTP sends (RFC 959, 2228, 2389, 2428, 3659 and common
/// extensions). Commands SMTP shares (`HELP`, `NOOP`, `QUIT`, `RSET`) are
/// left out: as a client's first line they would not tell the two apart.
pub const FTP_COMMANDS: &[&[u8]] = &[
    b"USER", b"PASS", b"ACCT", b"CWD", b"CDUP", b"SMNT", b"REIN", b"PORT", b"PASV", b"TYPE",
    b"STRU", b"MODE", b"RETR", b"STOR", b"STOU", b"APPE", b"ALLO", b"REST", b"RNFR", b"RNTO",
    b"ABOR", b"DELE", b"RMD", b"MKD", b"PWD", b"LIST", b"NLST", b"SITE", b"SYST", b"STAT", b"FEAT",
    b"OPTS", b"AUTH", b"PBSZ", b"PROT", b"CCC", b"ADAT", b"EPRT", b"EPSV", b"LPRT", b"LPSV",
    b"MDTM", b"SIZE", b"MLSD", b"MLST", b"CLNT", b"XPWD", b"XCWD", b"XMKD", b"XRMD", b"XCUP",
    b"LANG", b"HOST",
];

/// Strips a trailing `\n` and `\r`.
pub fn trim_eol(line: &[u8]) -> &[u8] {
    let l = line.strip_suffix(b"\n").unwrap_or(line);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// A command line: its verb and argument (after one space), no line end.
pub fn parse_command(line: &[u8]) -> (&[u8], &[u8]) {
    let l = trim_eol(line);
    match l.iter().position(|&c| c == b' ') {
        Some(i) => (&l[..i], &l[i + 1..]),
        None => (l, &[]),
    }
}

/// Whether `verb` is one of [`FTP_COMMANDS`] (any case).
pub fn is_ftp_command(verb: &[u8]) -> bool {
    FTP_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(verb))
}

/// A reply line: `xyz text` (last line of a reply) or `xyz-text` (first
/// line of a multi-line reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply<'a> {
    /// The three-digit code.
    pub code: [u8; 3],
    /// `true` for `xyz-` (more lines follow).
    pub more: bool,
    /// Text after the code and separator.
    pub text: &'a [u8],
}

/// Reads a reply line (line end already stripped or not); `None` when it
/// does not start with three digits and a space, a dash, or nothing.
pub fn parse_reply(line: &[u8]) -> Option<Reply<'_>> {
    let l = trim_eol(line);
    let code: [u8; 3] = l.get(..3)?.try_into().ok()?;
    if !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (more, text) = match l.get(3) {
        None => (false, &l[3..3]),
        Some(b' ') => (false, &l[4..]),
        Some(b'-') => (true, &l[4..]),
        Some(_) => return None,
    };
    Some(Reply { code, more, text })
}

fn number(b: &[u8]) -> Option<u32> {
    let b = trim_spaces(b);
    if b.is_empty() || b.len() > 5 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter()
        .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d - b'0')))
}

fn trim_spaces(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &b[s..e.max(s)]
}

/// The port of `h1,h2,h3,h4,p1,p2` (PORT's argument, RFC 959 §4.1.2).
pub fn parse_port_args(arg: &[u8]) -> Option<u16> {
    let mut parts = arg.split(|&c| c == b',');
    let mut v = [0u32; 6];
    for x in &mut v {
        *x = number(parts.next()?)?;
        if *x > 255 {
            return None;
        }
    }
    if parts.next().is_some() {
        return None;
    }
    u16::try_from(v[4] * 256 + v[5]).ok()
}

/// The port of a 227 reply: the six numbers after its text, usually in
/// parentheses (`227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).`).
pub fn parse_pasv_reply(text: &[u8]) -> Option<u16> {
    let start = text.iter().position(u8::is_ascii_digit)?;
    let rest = &text[start..];
    let end = rest
        .iter()
        .position(|&c| !(c.is_ascii_digit() || c == b','))
        .unwrap_or(rest.len());
    parse_port_args(&rest[..end])
}

/// The port of EPRT's argument `<d>proto<d>addr<d>port<d>` (RFC 2428 §2).
pub fn parse_eprt(arg: &[u8]) -> Option<u16> {
    let (&d, rest) = arg.split_first()?;
    let mut f = rest.split(|&c| c == d);
    let _proto = f.next()?;
    let _addr = f.next()?;
    u16::try_from(number(f.next()?)?).ok()
}

/// The port of a 229 reply: `(<d><d><d>port<d>)` (RFC 2428 §3).
pub fn parse_epsv_reply(text: &[u8]) -> Option<u16> {
    let open = text.iter().position(|&c| c == b'(')?;
    let inner = &text[open + 1..];
    let (&d, rest) = inner.split_first()?;
    let rest = rest.strip_prefix(&[d, d][..])?;
    let end = rest.iter().position(|&c| c == d)?;
    u16::try_from(number(&rest[..end])?).ok()
}
