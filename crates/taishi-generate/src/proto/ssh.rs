//! SSH-2 (RFC 4253): banners, the clear-text key exchange (KEXINIT,
//! ECDH init/reply, NEWKEYS) and encrypted-looking binary packets after it.

use rand::Rng;
use rand::rngs::SmallRng;

fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

fn random(rng: &mut SmallRng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.r#gen()).collect()
}

/// Wraps a payload in a binary packet with padding to an 8-byte block.
fn packet(rng: &mut SmallRng, payload: &[u8]) -> Vec<u8> {
    let mut pad = 8 - (5 + payload.len()) % 8;
    if pad < 4 {
        pad += 8;
    }
    let len = 1 + payload.len() + pad;
    let mut out = Vec::with_capacity(4 + len);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.push(pad as u8);
    out.extend_from_slice(payload);
    out.extend_from_slice(&random(rng, pad));
    out
}

/// KEXINIT with the algorithm lists of a current OpenSSH.
pub fn kexinit(rng: &mut SmallRng, server: bool) -> Vec<u8> {
    let mut p = vec![20u8];
    p.extend_from_slice(&random(rng, 16));
    let kex: &[u8] = if server {
        b"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com"
    } else {
        b"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com"
    };
    string(&mut p, kex);
    string(
        &mut p,
        b"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
    );
    for _ in 0..2 {
        string(&mut p, b"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com");
    }
    for _ in 0..2 {
        string(&mut p, b"umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1");
    }
    for _ in 0..2 {
        string(&mut p, b"none,zlib@openssh.com");
    }
    string(&mut p, b"");
    string(&mut p, b"");
    p.push(0);
    p.extend_from_slice(&[0, 0, 0, 0]);
    packet(rng, &p)
}

/// SSH_MSG_KEX_ECDH_INIT with a fresh curve25519 public key.
pub fn ecdh_init(rng: &mut SmallRng) -> Vec<u8> {
    let mut p = vec![30u8];
    let q = random(rng, 32);
    string(&mut p, &q);
    packet(rng, &p)
}

/// SSH_MSG_KEX_ECDH_REPLY (RSA host key and signature) followed by
/// SSH_MSG_NEWKEYS, as OpenSSH sends them in one write. `modulus` is the
/// host key's 2048-bit modulus, fixed per server.
///
/// The signature is labelled `ssh-rsa` although a current OpenSSH would say
/// `rsa-sha2-512`: tshark 4.0 dissects only `ssh-rsa` and `ssh-dss`
/// signature blobs and flags every other as a length mismatch, and a
/// capture that the reference dissector reads cleanly is worth more here.
pub fn ecdh_reply_newkeys(rng: &mut SmallRng, modulus: &[u8; 256]) -> Vec<u8> {
    let mut p = vec![31u8];
    let mut ks = Vec::new();
    string(&mut ks, b"ssh-rsa");
    string(&mut ks, &[0x01, 0x00, 0x01]);
    // mpint: a leading zero keeps the top bit from reading as a sign.
    let mut n = vec![0u8];
    n.extend_from_slice(modulus);
    n[1] |= 0x80;
    string(&mut ks, &n);
    string(&mut p, &ks);
    let q = random(rng, 32);
    string(&mut p, &q);
    let mut sig = Vec::new();
    string(&mut sig, b"ssh-rsa");
    let s = random(rng, 256);
    string(&mut sig, &s);
    string(&mut p, &sig);
    let mut out = packet(rng, &p);
    out.extend_from_slice(&newkeys(rng));
    out
}

/// SSH_MSG_NEWKEYS.
pub fn newkeys(rng: &mut SmallRng) -> Vec<u8> {
    packet(rng, &[21])
}

/// An encrypted chacha20-poly1305 packet carrying about `plain` bytes:
/// encrypted length, ciphertext padded to 8, 16-byte tag.
pub fn encrypted(rng: &mut SmallRng, plain: usize) -> Vec<u8> {
    let mut body = 1 + plain + 4;
    body += (8 - (4 + body) % 8) % 8;
    random(rng, 4 + body + 16)
}
