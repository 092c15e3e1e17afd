//! Table tests of the SSH parser and probe (STYLE.md rule 9).

use super::log::hassh_hash;
use super::parser::{Banner, packet_header, parse_banner, parse_kexinit};
use super::probe;
use crate::registry::Probe;
use taishi_flow::Direction;

#[test]
fn banners() {
    type Case<'a> = (&'a [u8], Option<(&'a [u8], &'a [u8])>);
    let cases: &[Case<'_>] = &[
        (b"SSH-2.0-OpenSSH_7.4\r", Some((b"2.0", b"OpenSSH_7.4"))),
        (
            b"SSH-2.0-OpenSSH_for_Windows_7.7",
            Some((b"2.0", b"OpenSSH_for_Windows_7.7")),
        ),
        // Comments after a space are not part of the software version.
        (
            b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r",
            Some((b"2.0", b"OpenSSH_8.9p1")),
        ),
        (b"SSH-1.99-Cisco-1.25", Some((b"1.99", b"Cisco-1.25"))),
        (b"SSH-1.5-", Some((b"1.5", b""))),
        // Not version lines.
        (b"SSH-", None),
        (b"SSH--x", None),
        (b"HTTP/1.1 200 OK", None),
        (b"", None),
    ];
    for (line, want) in cases {
        let got = parse_banner(line).map(|Banner { proto, software }| (proto, software));
        assert_eq!(got, *want, "{:?}", String::from_utf8_lossy(line));
    }
}

#[test]
fn probe_wants_ssh_dash() {
    let cases: &[(&[u8], Probe)] = &[
        (b"SSH-2.0-x\r\n", Probe::Yes),
        (b"SSH-", Probe::Yes),
        (b"SS", Probe::NeedMore),
        (b"", Probe::NeedMore),
        (b"SSX", Probe::No),
        (b"GET / HTTP/1.1", Probe::No),
    ];
    for (d, want) in cases {
        assert_eq!(probe(Direction::ToClient, d, false), *want, "{d:?}");
    }
}

/// A KEXINIT payload after its message number: cookie, ten name-lists,
/// first_kex_packet_follows, reserved.
fn kexinit() -> Vec<u8> {
    let mut p = vec![0u8; 16]; // cookie
    for list in [
        &b"curve25519-sha256"[..], // kex
        b"ssh-ed25519",            // host key
        b"aes128-ctr",             // enc c2s
        b"aes256-ctr",             // enc s2c
        b"hmac-sha2-256",          // mac c2s
        b"hmac-sha1",              // mac s2c
        b"none",                   // comp c2s
        b"zlib",                   // comp s2c
        b"",                       // languages c2s
        b"",                       // languages s2c
    ] {
        p.extend_from_slice(&(list.len() as u32).to_be_bytes());
        p.extend_from_slice(list);
    }
    p.extend_from_slice(&[0, 0, 0, 0, 0]);
    p
}

#[test]
fn kexinit_lists_and_every_truncation() {
    let p = kexinit();
    let k = parse_kexinit(&p).unwrap();
    assert_eq!(k.kex, b"curve25519-sha256");
    assert_eq!(k.enc_cs, b"aes128-ctr");
    assert_eq!(k.mac_sc, b"hmac-sha1");
    assert_eq!(k.comp_sc, b"zlib");
    // Cut anywhere before the last list HASSH uses: None, never a panic.
    let needed = p.len() - 5 - 8;
    for n in 0..needed {
        assert!(parse_kexinit(&p[..n]).is_none(), "cut at {n}");
    }
    // A list length past the end.
    let mut bad = p.clone();
    bad[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(parse_kexinit(&bad).is_none());
}

#[test]
fn packet_headers() {
    // packet_length 12, padding 4, message 21 (NEWKEYS)
    let h = packet_header(&[0, 0, 0, 12, 4, 21]).unwrap();
    assert_eq!((h.total, h.padding, h.msg), (16, 4, 21));
    assert!(packet_header(&[0, 0, 0, 12, 4]).is_none());
    // The largest length does not overflow.
    assert_eq!(
        packet_header(&[0xff; 6]).unwrap().total,
        u32::MAX as usize + 4
    );
}

#[test]
fn hassh_is_md5_hex() {
    // MD5 of the empty string.
    assert_eq!(hassh_hash(""), "d41d8cd98f00b204e9800998ecf8427e");
}
