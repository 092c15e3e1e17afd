//! Pure SMB parsing: NetBIOS framing, SMB1/SMB2 headers, the bodies Taishi
//! reads, NTLMSSP. Every read is bounds-checked; a short or malformed
//! structure yields `None`, never a panic.
//!
//! Progress contract: [`nbss`] returns the record length once its 4-byte
//! header is complete (`None`: need more). The rest take one whole (or
//! truncated to [`super::MAX_RECORD_KEPT`]) record.

/// Little-endian u16 at `off`.
pub fn u16le(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

/// Little-endian u32 at `off`.
pub fn u32le(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Little-endian u64 at `off`.
pub fn u64le(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

/// NetBIOS session header: `(type, record length)`.
pub fn nbss(b: &[u8]) -> Option<(u8, usize)> {
    let h = b.get(..4)?;
    let len = (usize::from(h[1] & 1) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
    Some((h[0], len))
}

/// The SMB2 header fields Taishi uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb2Header {
    /// NT status (responses).
    pub status: u32,
    /// Command code.
    pub command: u16,
    /// Flags (bit 0: response, bit 1: async).
    pub flags: u32,
    /// Offset of the next compounded message, 0 for the last.
    pub next: u32,
    /// Message id.
    pub message_id: u64,
    /// Tree id (0 for async messages).
    pub tree_id: u32,
    /// Session id.
    pub session_id: u64,
}

impl Smb2Header {
    /// Whether this is a response.
    pub fn is_response(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// Parses the 64-byte SMB2 header at the start of `b`.
pub fn smb2_header(b: &[u8]) -> Option<Smb2Header> {
    if b.get(..4)? != b"\xfeSMB" || u16le(b, 4)? != 64 || b.len() < 64 {
        return None;
    }
    let flags = u32le(b, 16)?;
    let tree_id = if flags & 2 != 0 { 0 } else { u32le(b, 36)? };
    Some(Smb2Header {
        status: u32le(b, 8)?,
        command: u16le(b, 12)?,
        flags,
        next: u32le(b, 20)?,
        message_id: u64le(b, 24)?,
        tree_id,
        session_id: u64le(b, 40)?,
    })
}

/// The SMB1 header fields Taishi uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Smb1Header {
    /// Command code.
    pub command: u8,
    /// NT status (or DOS error class/code when flags2 lacks NT status).
    pub status: u32,
    /// Reply flag.
    pub response: bool,
    /// Flags2 (0x8000 unicode, 0x4000 NT status).
    pub flags2: u16,
    /// Tree id.
    pub tid: u16,
    /// User id.
    pub uid: u16,
    /// Multiplex id.
    pub mid: u16,
}

/// Parses the 32-byte SMB1 header.
pub fn smb1_header(b: &[u8]) -> Option<Smb1Header> {
    if b.get(..4)? != b"\xffSMB" || b.len() < 32 {
        return None;
    }
    Some(Smb1Header {
        command: b[4],
        status: u32le(b, 5)?,
        response: b[9] & 0x80 != 0,
        flags2: u16le(b, 10)?,
        tid: u16le(b, 24)?,
        uid: u16le(b, 28)?,
        mid: u16le(b, 30)?,
    })
}

/// The SMB1 parameter words and data bytes after the header.
pub fn smb1_words_bytes(msg: &[u8]) -> Option<(&[u8], &[u8])> {
    let wc = usize::from(*msg.get(32)?);
    let words = msg.get(33..33 + wc * 2)?;
    let bc = usize::from(u16le(msg, 33 + wc * 2)?);
    let start = 35 + wc * 2;
    let end = (start + bc).min(msg.len());
    Some((words, msg.get(start..end).unwrap_or(&[])))
}

/// The slice `[off, off+len)` of `b`, if inside.
pub fn slice(b: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    b.get(off..off.checked_add(len)?)
}

/// UTF-16LE to a `String` (lossy), stopping at a NUL.
pub fn utf16(b: &[u8]) -> String {
    let units = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0);
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// The identity of an NTLMSSP AUTHENTICATE message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NtlmAuth {
    /// Domain name.
    pub domain: String,
    /// User name.
    pub user: String,
    /// Workstation.
    pub host: String,
    /// Windows version `major.minor build`, when sent.
    pub version: Option<String>,
}

/// Finds an NTLMSSP AUTHENTICATE (type 3) message anywhere in a security
/// blob (SPNEGO wraps it in ASN.1 the decoder need not walk) and reads it.
pub fn ntlmssp_auth(blob: &[u8]) -> Option<NtlmAuth> {
    let start = blob.windows(8).position(|w| w == b"NTLMSSP\0")?;
    let m = &blob[start..];
    if u32le(m, 8)? != 3 {
        return None;
    }
    let flags = u32le(m, 60).unwrap_or(0);
    let unicode = flags & 1 != 0;
    let field = |off: usize| -> String {
        let (Some(len), Some(o)) = (u16le(m, off), u32le(m, off + 4)) else {
            return String::new();
        };
        let Some(raw) = slice(m, o as usize, usize::from(len)) else {
            return String::new();
        };
        if unicode {
            utf16(raw)
        } else {
            String::from_utf8_lossy(raw).into_owned()
        }
    };
    // The version block follows the fixed fields when negotiated (0x02000000)
    // and the payload does not start right there.
    let version = (flags & 0x0200_0000 != 0)
        .then(|| {
            let v = slice(m, 64, 8)?;
            Some(format!(
                "{}.{} build {}",
                v[0],
                v[1],
                u16::from_le_bytes([v[2], v[3]])
            ))
        })
        .flatten();
    Some(NtlmAuth {
        domain: field(28),
        user: field(36),
        host: field(44),
        version,
    })
}

/// SMB2 dialect as Suricata writes it (`2.02`, `3.11`, `2.??`).
pub fn smb2_dialect(d: u16) -> String {
    match d {
        0x202 => "2.02".into(),
        0x210 => "2.10".into(),
        0x222 => "2.22".into(),
        0x224 => "2.24".into(),
        0x2ff => "2.??".into(),
        0x300 => "3.00".into(),
        0x302 => "3.02".into(),
        0x310 => "3.10".into(),
        0x311 => "3.11".into(),
        d => format!("{d:04x}"),
    }
}

/// SMB2 command name as Suricata writes it.
pub fn smb2_command(c: u16) -> String {
    let s = match c {
        0 => "NEGOTIATE_PROTOCOL",
        1 => "SESSION_SETUP",
        2 => "SESSION_LOGOFF",
        3 => "TREE_CONNECT",
        4 => "TREE_DISCONNECT",
        5 => "CREATE",
        6 => "CLOSE",
        7 => "FLUSH",
        8 => "READ",
        9 => "WRITE",
        10 => "LOCK",
        11 => "IOCTL",
        12 => "CANCEL",
        13 => "KEEPALIVE",
        14 => "FIND",
        15 => "CHANGE_NOTIFY",
        16 => "GET_INFO",
        17 => "SET_INFO",
        18 => "OPLOCK_BREAK",
        c => return format!("SMB2_COMMAND_UNKNOWN_{c}"),
    };
    format!("SMB2_COMMAND_{s}")
}

/// SMB1 command name as Suricata writes it.
pub fn smb1_command(c: u8) -> String {
    let s = match c {
        0x04 => "CLOSE",
        0x25 => "TRANS",
        0x2b => "ECHO",
        0x2e => "READ_ANDX",
        0x2f => "WRITE_ANDX",
        0x32 => "TRANS2",
        0x71 => "TREE_DISCONNECT",
        0x72 => "NEGOTIATE_PROTOCOL",
        0x73 => "SESSION_SETUP_ANDX",
        0x74 => "LOGOFF_ANDX",
        0x75 => "TREE_CONNECT_ANDX",
        0xa0 => "NT_TRANS",
        0xa2 => "NT_CREATE_ANDX",
        0xa4 => "NT_CANCEL",
        c => return format!("SMB1_COMMAND_UNKNOWN_{c:02x}"),
    };
    format!("SMB1_COMMAND_{s}")
}

/// NT status name as Suricata writes it (`None`: unknown, logged as a number).
pub fn nt_status(s: u32) -> Option<&'static str> {
    Some(match s {
        0 => "STATUS_SUCCESS",
        0x103 => "STATUS_PENDING",
        0x10c => "STATUS_NOTIFY_ENUM_DIR",
        0x8000_0005 => "STATUS_BUFFER_OVERFLOW",
        0x8000_0006 => "STATUS_NO_MORE_FILES",
        0xC000_0003 => "STATUS_INVALID_INFO_CLASS",
        0xC000_0004 => "STATUS_INFO_LENGTH_MISMATCH",
        0xC000_000D => "STATUS_INVALID_PARAMETER",
        0xC000_0010 => "STATUS_INVALID_DEVICE_REQUEST",
        0xC000_0011 => "STATUS_END_OF_FILE",
        0xC000_0016 => "STATUS_MORE_PROCESSING_REQUIRED",
        0xC000_0022 => "STATUS_ACCESS_DENIED",
        0xC000_0034 => "STATUS_OBJECT_NAME_NOT_FOUND",
        0xC000_0035 => "STATUS_OBJECT_NAME_COLLISION",
        0xC000_003A => "STATUS_OBJECT_PATH_NOT_FOUND",
        0xC000_0064 => "STATUS_NO_SUCH_USER",
        0xC000_006A => "STATUS_WRONG_PASSWORD",
        0xC000_006D => "STATUS_LOGON_FAILURE",
        0xC000_006E => "STATUS_ACCOUNT_RESTRICTION",
        0xC000_0071 => "STATUS_PASSWORD_EXPIRED",
        0xC000_0072 => "STATUS_ACCOUNT_DISABLED",
        0xC000_00BB => "STATUS_NOT_SUPPORTED",
        0xC000_00C9 => "STATUS_NETWORK_NAME_DELETED",
        0xC000_00CC => "STATUS_BAD_NETWORK_NAME",
        0xC000_0120 => "STATUS_CANCELLED",
        0xC000_0128 => "STATUS_FILE_CLOSED",
        0xC000_019C => "STATUS_FS_DRIVER_REQUIRED",
        0xC000_0203 => "STATUS_USER_SESSION_DELETED",
        0xC000_0225 => "STATUS_NOT_FOUND",
        0xC000_0234 => "STATUS_ACCOUNT_LOCKED_OUT",
        _ => return None,
    })
}

/// Windows FILETIME (100 ns since 1601) to Unix seconds.
pub fn filetime_to_unix(ft: u64) -> u64 {
    (ft / 10_000_000).saturating_sub(11_644_473_600)
}

/// A 16-byte GUID as Suricata prints it (mixed-endian groups).
pub fn guid(g: &[u8]) -> String {
    if g.len() != 16 {
        return String::new();
    }
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        g[3],
        g[2],
        g[1],
        g[0],
        g[5],
        g[4],
        g[7],
        g[6],
        g[9],
        g[8],
        g[11],
        g[10],
        g[15],
        g[14],
        g[13],
        g[12]
    )
}
