//! TLS records: a real ClientHello (SNI, ALPN, supported_versions, key_share
//! and the other extensions browsers send), ServerHello, ChangeCipherSpec,
//! and opaque encrypted records of the right lengths.
//!
//! TLS 1.2 connections are resumptions (abbreviated handshake) so that no
//! certificate has to be faked: a full 1.2 handshake would need a parseable
//! X.509 chain in clear, while 1.3 encrypts it and resumption skips it.

use rand::Rng;
use rand::rngs::SmallRng;

/// Largest ciphertext fragment (2^14 plus AEAD expansion).
pub const MAX_RECORD: usize = 16_384 + 17;

fn u16be(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u16).to_be_bytes());
}

fn random_bytes(rng: &mut SmallRng, out: &mut Vec<u8>, n: usize) {
    for _ in 0..n {
        out.push(rng.r#gen());
    }
}

fn record(ctype: u8, version: u16, body: &[u8], out: &mut Vec<u8>) {
    out.push(ctype);
    out.extend_from_slice(&version.to_be_bytes());
    u16be(out, body.len());
    out.extend_from_slice(body);
}

fn handshake(htype: u8, body: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(body.len() + 4);
    h.push(htype);
    let n = body.len() as u32;
    h.extend_from_slice(&n.to_be_bytes()[1..]);
    h.extend_from_slice(body);
    h
}

fn ext(out: &mut Vec<u8>, id: u16, data: &[u8]) {
    out.extend_from_slice(&id.to_be_bytes());
    u16be(out, data.len());
    out.extend_from_slice(data);
}

/// A ClientHello record. `tls13` offers TLS 1.3 (supported_versions,
/// key_share); otherwise a 1.2-only hello resuming `session_id`.
pub fn client_hello(
    rng: &mut SmallRng,
    sni: &str,
    alpn: &[&str],
    tls13: bool,
    session_id: &[u8; 32],
) -> Vec<u8> {
    let mut b = Vec::with_capacity(512);
    b.extend_from_slice(&[3, 3]);
    random_bytes(rng, &mut b, 32);
    b.push(32);
    b.extend_from_slice(session_id);
    let mut suites: Vec<u16> = Vec::new();
    if tls13 {
        suites.extend_from_slice(&[0x1301, 0x1302, 0x1303]);
    }
    suites.extend_from_slice(&[
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
        0x0035,
    ]);
    u16be(&mut b, suites.len() * 2);
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]);
    let mut e = Vec::with_capacity(256);
    // server_name: list of one host_name.
    let mut sn = Vec::new();
    u16be(&mut sn, sni.len() + 3);
    sn.push(0);
    u16be(&mut sn, sni.len());
    sn.extend_from_slice(sni.as_bytes());
    ext(&mut e, 0x0000, &sn);
    ext(&mut e, 0x0017, &[]);
    ext(&mut e, 0xff01, &[0]);
    ext(
        &mut e,
        0x000a,
        &[0, 8, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19],
    );
    ext(&mut e, 0x000b, &[1, 0]);
    ext(&mut e, 0x0023, &[]);
    if !alpn.is_empty() {
        let mut a = Vec::new();
        let total: usize = alpn.iter().map(|p| p.len() + 1).sum();
        u16be(&mut a, total);
        for p in alpn {
            a.push(p.len() as u8);
            a.extend_from_slice(p.as_bytes());
        }
        ext(&mut e, 0x0010, &a);
    }
    ext(&mut e, 0x0005, &[1, 0, 0, 0, 0]);
    let sigs: [u16; 8] = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let mut sa = Vec::new();
    u16be(&mut sa, sigs.len() * 2);
    for s in sigs {
        sa.extend_from_slice(&s.to_be_bytes());
    }
    ext(&mut e, 0x000d, &sa);
    if tls13 {
        let mut ks = Vec::new();
        u16be(&mut ks, 36);
        ks.extend_from_slice(&[0x00, 0x1d, 0x00, 0x20]);
        random_bytes(rng, &mut ks, 32);
        ext(&mut e, 0x0033, &ks);
        ext(&mut e, 0x002d, &[1, 1]);
        ext(&mut e, 0x002b, &[4, 3, 4, 3, 3]);
    }
    u16be(&mut b, e.len());
    b.extend_from_slice(&e);
    let mut out = Vec::with_capacity(b.len() + 9);
    record(22, 0x0301, &handshake(1, &b), &mut out);
    out
}

/// The server's first flight. For 1.3: ServerHello, ChangeCipherSpec and
/// the encrypted rest of the handshake (`enc_len` bytes, certificate
/// included). For 1.2 resumption: ServerHello, ChangeCipherSpec, Finished.
pub fn server_flight(
    rng: &mut SmallRng,
    tls13: bool,
    session_id: &[u8; 32],
    alpn: Option<&str>,
    enc_len: usize,
) -> Vec<u8> {
    let mut b = Vec::with_capacity(128);
    b.extend_from_slice(&[3, 3]);
    random_bytes(rng, &mut b, 32);
    b.push(32);
    b.extend_from_slice(session_id);
    let suite: u16 = if tls13 { 0x1301 } else { 0xc02f };
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    let mut e = Vec::new();
    if tls13 {
        ext(&mut e, 0x002b, &[3, 4]);
        let mut ks = vec![0x00, 0x1d, 0x00, 0x20];
        random_bytes(rng, &mut ks, 32);
        ext(&mut e, 0x0033, &ks);
    } else {
        ext(&mut e, 0xff01, &[0]);
        ext(&mut e, 0x0017, &[]);
        if let Some(p) = alpn {
            let mut a = Vec::new();
            u16be(&mut a, p.len() + 1);
            a.push(p.len() as u8);
            a.extend_from_slice(p.as_bytes());
            ext(&mut e, 0x0010, &a);
        }
    }
    u16be(&mut b, e.len());
    b.extend_from_slice(&e);
    let mut out = Vec::with_capacity(enc_len + 200);
    record(22, 0x0303, &handshake(2, &b), &mut out);
    out.extend_from_slice(&change_cipher_spec());
    if tls13 {
        app_data(rng, enc_len, &mut out);
    } else {
        encrypted_finished(rng, &mut out);
    }
    out
}

/// The client's second flight: ChangeCipherSpec and its (encrypted) Finished.
pub fn client_finished(rng: &mut SmallRng, tls13: bool) -> Vec<u8> {
    let mut out = change_cipher_spec().to_vec();
    if tls13 {
        app_data(rng, 53, &mut out);
    } else {
        encrypted_finished(rng, &mut out);
    }
    out
}

/// A ChangeCipherSpec record.
pub fn change_cipher_spec() -> [u8; 6] {
    [20, 3, 3, 0, 1, 1]
}

fn encrypted_finished(rng: &mut SmallRng, out: &mut Vec<u8>) {
    // AES-GCM Finished: 8 explicit nonce + 16 verify_data/header + 16 tag.
    let mut body = Vec::with_capacity(40);
    random_bytes(rng, &mut body, 40);
    record(22, 0x0303, &body, out);
}

/// Application data: `len` bytes of ciphertext, split into maximum-size
/// records.
pub fn app_data(rng: &mut SmallRng, len: usize, out: &mut Vec<u8>) {
    let mut left = len.max(1);
    while left > 0 {
        let n = left.min(MAX_RECORD);
        out.push(23);
        out.extend_from_slice(&[3, 3]);
        u16be(out, n);
        random_bytes(rng, out, n);
        left -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn record_and_handshake_lengths_agree() {
        let mut rng = SmallRng::seed_from_u64(1);
        let ch = client_hello(
            &mut rng,
            "www.example.com",
            &["h2", "http/1.1"],
            true,
            &[7; 32],
        );
        let rec_len = u16::from_be_bytes([ch[3], ch[4]]) as usize;
        assert_eq!(rec_len + 5, ch.len());
        let hs_len = u32::from_be_bytes([0, ch[6], ch[7], ch[8]]) as usize;
        assert_eq!(hs_len + 4, rec_len);
        assert!(ch.windows(15).any(|w| w == b"www.example.com"));
    }
}
