//! SSH banner and binary packet header parsing (RFC 4253 §4.2, §6, §7.1),
//! pure and stateless.
//!
//! Progress contract: [`find_line`] says where a banner line ends (or that
//! more bytes are needed); [`parse_banner`] reads a complete line;
//! [`packet_header`] needs 6 bytes and tells the packet's total length;
//! [`parse_kexinit`] reads a complete KEXINIT payload. Borrowed views only;
//! nothing panics.

/// A version line: `SSH-protoversion-softwareversion [comments]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Banner<'a> {
    /// `2.0`, `1.99`, `1.5`.
    pub proto: &'a [u8],
    /// Software version, up to the first space.
    pub software: &'a [u8],
}

/// Offset of the `\n` ending the first line of `b`, if any.
pub fn find_line(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Reads a version line (without its line ending); `None` when the line is
/// not an SSH version line.
pub fn parse_banner(line: &[u8]) -> Option<Banner<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let rest = line.strip_prefix(b"SSH-")?;
    let dash = rest.iter().position(|&c| c == b'-')?;
    let proto = &rest[..dash];
    let after = &rest[dash + 1..];
    let end = after.iter().position(|&c| c == b' ').unwrap_or(after.len());
    if proto.is_empty() {
        return None;
    }
    Some(Banner {
        proto,
        software: &after[..end],
    })
}

/// The start of a binary packet: its length and message number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketHeader {
    /// Bytes of the whole packet, length field included (MAC excluded).
    pub total: usize,
    /// Padding length.
    pub padding: u8,
    /// Message number (20 KEXINIT, 21 NEWKEYS, ...).
    pub msg: u8,
}

/// Reads the first 6 bytes of a packet; `None` if fewer.
pub fn packet_header(b: &[u8]) -> Option<PacketHeader> {
    let h = b.get(..6)?;
    let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
    Some(PacketHeader {
        total: len.saturating_add(4),
        padding: h[4],
        msg: h[5],
    })
}

/// The name-lists of a KEXINIT that HASSH uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KexInit<'a> {
    /// kex_algorithms.
    pub kex: &'a [u8],
    /// encryption_algorithms client to server.
    pub enc_cs: &'a [u8],
    /// encryption_algorithms server to client.
    pub enc_sc: &'a [u8],
    /// mac_algorithms client to server.
    pub mac_cs: &'a [u8],
    /// mac_algorithms server to client.
    pub mac_sc: &'a [u8],
    /// compression_algorithms client to server.
    pub comp_cs: &'a [u8],
    /// compression_algorithms server to client.
    pub comp_sc: &'a [u8],
}

/// Reads a KEXINIT payload (after the message number: cookie, then the
/// name-lists); `None` when it is cut or its lengths overrun.
pub fn parse_kexinit(payload: &[u8]) -> Option<KexInit<'_>> {
    let mut rest = payload.get(16..)?;
    let mut next = || -> Option<&[u8]> {
        let l = rest.get(..4)?;
        let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
        let v = rest.get(4..4usize.checked_add(n)?)?;
        rest = &rest[4 + n..];
        Some(v)
    };
    let kex = next()?;
    let _host_key = next()?;
    Some(KexInit {
        kex,
        enc_cs: next()?,
        enc_sc: next()?,
        mac_cs: next()?,
        mac_sc: next()?,
        comp_cs: next()?,
        comp_sc: next()?,
    })
}
