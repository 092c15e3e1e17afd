//! Application payloads, each protocol in its own file: pure functions from
//! parameters to bytes, with lengths and encodings right by construction.

pub mod dns;
pub mod http;
pub mod modbus;
pub mod smtp;
pub mod ssh;
pub mod tls;

/// A 48-byte NTPv4 packet (RFC 5905): client request (mode 3) or server
/// reply (mode 4), with the transmit timestamp derived from `unix_nanos`.
pub fn ntp(server: bool, unix_nanos: u64, origin: u64) -> [u8; 48] {
    let mut p = [0u8; 48];
    p[0] = if server { 0x24 } else { 0x23 };
    let ts = ntp_ts(unix_nanos);
    if server {
        p[1] = 2; // stratum
        p[2] = 6;
        p[3] = 0xe9; // precision
        p[4..8].copy_from_slice(&0x0000_0b12u32.to_be_bytes());
        p[8..12].copy_from_slice(&0x0000_0c3au32.to_be_bytes());
        p[12..16].copy_from_slice(&[192, 0, 2, 10]);
        p[16..24]
            .copy_from_slice(&ntp_ts(unix_nanos.saturating_sub(512_000_000_000)).to_be_bytes());
        p[24..32].copy_from_slice(&origin.to_be_bytes());
        p[32..40].copy_from_slice(&ts.to_be_bytes());
    } else {
        p[2] = 6;
        p[3] = 0xe9;
    }
    p[40..48].copy_from_slice(&ts.to_be_bytes());
    p
}

/// NTP 64-bit timestamp (seconds since 1900 . fraction) of a Unix time.
pub fn ntp_ts(unix_nanos: u64) -> u64 {
    let secs = unix_nanos / 1_000_000_000 + 2_208_988_800;
    let frac = ((unix_nanos % 1_000_000_000) << 32) / 1_000_000_000;
    (secs << 32) | frac
}
