//! Annotated-bytes tests of SMB parsing.

use super::parser;

fn smb2_header(cmd: u16, flags: u32, status: u32, mid: u64) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"\xfeSMB"); // protocol id
    h.extend_from_slice(&64u16.to_le_bytes()); // structure size
    h.extend_from_slice(&0u16.to_le_bytes()); // credit charge
    h.extend_from_slice(&status.to_le_bytes()); // status
    h.extend_from_slice(&cmd.to_le_bytes()); // command
    h.extend_from_slice(&1u16.to_le_bytes()); // credits
    h.extend_from_slice(&flags.to_le_bytes()); // flags
    h.extend_from_slice(&0u32.to_le_bytes()); // next command
    h.extend_from_slice(&mid.to_le_bytes()); // message id
    h.extend_from_slice(&0u32.to_le_bytes()); // reserved
    h.extend_from_slice(&7u32.to_le_bytes()); // tree id
    h.extend_from_slice(&0x55u64.to_le_bytes()); // session id
    h.extend_from_slice(&[0; 16]); // signature
    h
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// An NTLMSSP AUTHENTICATE with domain, user and host in UTF-16.
fn ntlm_auth(domain: &str, user: &str, host: &str) -> Vec<u8> {
    let (d, u, h) = (utf16(domain), utf16(user), utf16(host));
    let mut m = Vec::new();
    m.extend_from_slice(b"NTLMSSP\0"); // signature
    m.extend_from_slice(&3u32.to_le_bytes()); // AUTHENTICATE
    let base = 64u32;
    let field = |m: &mut Vec<u8>, len: usize, off: u32| {
        m.extend_from_slice(&(len as u16).to_le_bytes());
        m.extend_from_slice(&(len as u16).to_le_bytes());
        m.extend_from_slice(&off.to_le_bytes());
    };
    field(&mut m, 0, base); // LM response
    field(&mut m, 0, base); // NT response
    field(&mut m, d.len(), base); // domain
    field(&mut m, u.len(), base + d.len() as u32); // user
    field(&mut m, h.len(), base + (d.len() + u.len()) as u32); // workstation
    field(&mut m, 0, base); // session key
    m.extend_from_slice(&1u32.to_le_bytes()); // flags: unicode
    m.extend_from_slice(&d);
    m.extend_from_slice(&u);
    m.extend_from_slice(&h);
    m
}

#[test]
fn header_fields() {
    let h = parser::smb2_header(&smb2_header(1, 1, 0xC000_006D, 9)).unwrap();
    assert_eq!((h.command, h.status, h.message_id), (1, 0xC000_006D, 9));
    assert!(h.is_response());
    assert_eq!((h.tree_id, h.session_id), (7, 0x55));
    let full = smb2_header(0, 0, 0, 0);
    for cut in 0..full.len() {
        assert_eq!(parser::smb2_header(&full[..cut]), None, "cut {cut}");
    }
}

#[test]
fn ntlmssp_identity_inside_a_blob() {
    let mut blob = b"\x60\x48\x06\x06junk-spnego".to_vec();
    blob.extend(ntlm_auth("CORP", "alice", "WS1"));
    let a = parser::ntlmssp_auth(&blob).unwrap();
    assert_eq!(
        (a.domain.as_str(), a.user.as_str(), a.host.as_str()),
        ("CORP", "alice", "WS1")
    );
    // Every truncation: no panic, fields that point outside are empty.
    for cut in 0..blob.len() {
        let _ = parser::ntlmssp_auth(&blob[..cut]);
    }
    // A CHALLENGE (type 2) is not an identity.
    assert_eq!(parser::ntlmssp_auth(b"NTLMSSP\0\x02\0\0\0"), None);
}

#[test]
fn names_as_suricata() {
    assert_eq!(parser::smb2_command(1), "SMB2_COMMAND_SESSION_SETUP");
    assert_eq!(
        parser::smb1_command(0x73),
        "SMB1_COMMAND_SESSION_SETUP_ANDX"
    );
    assert_eq!(parser::smb2_dialect(0x311), "3.11");
    assert_eq!(parser::nt_status(0xC000_006D), Some("STATUS_LOGON_FAILURE"));
    assert_eq!(
        parser::guid(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
        "04030201-0605-0807-0a09-0c0b100f0e0d"
    );
    assert_eq!(parser::nbss(b"\x00\x01\x00\x10"), Some((0, 0x10010)));
}

#[test]
fn probe_verdicts() {
    use crate::registry::Probe;
    use taishi_flow::Direction::ToServer;
    let p = |b: &[u8]| (super::DEF.probe)(ToServer, b, false);
    assert_eq!(p(b"\x00\x00\x00\x40\xfeSMB"), Probe::Yes);
    assert_eq!(p(b"\x00\x00\x00\x40\xffSMB"), Probe::Yes);
    assert_eq!(p(b"\x00\x00\x00\x40\xfe"), Probe::NeedMore);
    assert_eq!(p(b"\x00\x00\x00\x40GET "), Probe::No);
    assert_eq!(p(b"GET / HTTP"), Probe::No);
}
