//! One TCP connection as the sensor sees it: handshake, data in both
//! directions segmented at the MSS with sequence and acknowledgement numbers
//! that advance by payload length, delayed ACKs, and FIN or RST teardown.
//!
//! Time is modelled from the sensor's point of view: each side has a round
//! trip time from the sensor to itself and back (`rtt`), so a reply to a
//! packet seen at `t` is seen at `t + rtt` of the replying side. Near hosts
//! have sub-millisecond `rtt`, internet peers tens of milliseconds.

use rand::Rng;
use rand::rngs::SmallRng;

use crate::trace::Trace;
use crate::wire::{self, ACK, FIN, IpPair, L3, PSH, RST, SYN, TcpHdr};

/// How a frame sent by one host looks at the sensor below IP addresses.
#[derive(Clone, Copy, Debug)]
pub struct Path {
    /// Source MAC address.
    pub src_mac: [u8; 6],
    /// Destination MAC address.
    pub dst_mac: [u8; 6],
    /// VLAN tag, if the sensor sees the frame tagged.
    pub vlan: Option<u16>,
    /// TTL as seen at the sensor.
    pub ttl: u8,
}

impl Path {
    /// The network-layer header for a packet along this path.
    pub fn l3(&self, ips: IpPair, ip_id: u16, df: bool) -> L3 {
        L3 {
            src_mac: self.src_mac,
            dst_mac: self.dst_mac,
            vlan: self.vlan,
            ips,
            ttl: self.ttl,
            ip_id,
            df,
        }
    }
}

/// One side of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Side {
    /// TCP port.
    pub port: u16,
    /// How this side's packets look at the sensor.
    pub path: Path,
    /// Round trip sensor → this side → sensor, in nanoseconds.
    pub rtt: u64,
    /// Linux-style stack (timestamps on) rather than Windows-style.
    pub linux: bool,
    /// Advertised MSS.
    pub mss: u16,
    /// Receive window in bytes after the handshake.
    pub win: u32,
    /// Window scale shift.
    pub wscale: u8,
    /// Nanoseconds per byte on this side's path (serialisation pacing).
    pub ns_per_byte: u64,
}

/// Direction of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    C2S,
    /// Server to client.
    S2C,
}

impl Dir {
    fn i(self) -> usize {
        match self {
            Dir::C2S => 0,
            Dir::S2C => 1,
        }
    }
    /// The other direction.
    pub fn rev(self) -> Dir {
        match self {
            Dir::C2S => Dir::S2C,
            Dir::S2C => Dir::C2S,
        }
    }
}

/// A TCP connection being written into a [`Trace`].
pub struct Tcp {
    ips: IpPair,
    sides: [Side; 2],
    next: [u32; 2],
    ip_id: [u16; 2],
    ts_base: [u32; 2],
    last_ts: [u32; 2],
    ts: bool,
    /// Time of the latest frame of this connection, in nanoseconds.
    pub t: u64,
}

impl Tcp {
    /// A connection from `c` to `s` (addresses in `ips`, client first)
    /// whose SYN will be sent at `t`.
    pub fn new(rng: &mut SmallRng, ips: IpPair, c: Side, s: Side, t: u64) -> Tcp {
        Tcp {
            ips,
            sides: [c, s],
            next: [rng.r#gen(), rng.r#gen()],
            ip_id: [rng.r#gen(), rng.r#gen()],
            ts_base: [rng.r#gen(), rng.r#gen()],
            last_ts: [0, 0],
            ts: c.linux && s.linux,
            t,
        }
    }

    /// Largest payload per segment.
    pub fn seg_size(&self) -> usize {
        let mss = self.sides[0].mss.min(self.sides[1].mss) as usize;
        if self.ts { mss - 12 } else { mss }
    }

    fn side(&self, d: Dir) -> &Side {
        &self.sides[d.i()]
    }

    fn emit(&mut self, tr: &mut Trace, d: Dir, t: u64, flags: u8, payload: &[u8]) {
        let i = d.i();
        let o = 1 - i;
        let side = self.sides[i];
        let ips = if i == 0 {
            self.ips
        } else {
            self.ips.reversed()
        };
        let tsval = self.ts_base[i].wrapping_add((t / 1_000_000) as u32);
        let mut opts = [0u8; 20];
        let olen;
        if flags & SYN != 0 {
            if self.ts || (i == 0 && side.linux) {
                opts = wire::syn_opts_linux(side.mss, tsval, self.last_ts[o], side.wscale);
                olen = 20;
            } else if i == 0 {
                opts[..12].copy_from_slice(&wire::syn_opts_windows(side.mss, side.wscale));
                olen = 12;
            } else {
                // Linux answering a peer without timestamps.
                let m = side.mss.to_be_bytes();
                opts[..12].copy_from_slice(&[2, 4, m[0], m[1], 1, 1, 4, 2, 1, 3, 3, side.wscale]);
                olen = 12;
            }
        } else if self.ts {
            opts[..12].copy_from_slice(&wire::ts_opts(tsval, self.last_ts[o]));
            olen = 12;
        } else {
            olen = 0;
        }
        self.last_ts[i] = tsval;
        let win = if flags & SYN != 0 {
            side.win.min(65535) as u16
        } else {
            (side.win >> side.wscale).min(65535) as u16
        };
        let h = TcpHdr {
            sport: side.port,
            dport: self.sides[o].port,
            seq: self.next[i],
            ack: self.next[o],
            flags,
            win,
            opts: &opts[..olen],
        };
        let l3 = side.path.l3(ips, self.ip_id[i], true);
        self.ip_id[i] = self.ip_id[i].wrapping_add(1);
        tr.push(t, |b| wire::tcp(b, &l3, &h, payload));
        let mut adv = payload.len() as u32;
        if flags & (SYN | FIN) != 0 {
            adv += 1;
        }
        self.next[i] = self.next[i].wrapping_add(adv);
        self.t = self.t.max(t);
    }

    /// Three-way handshake starting `after` ns past the current time.
    pub fn open(&mut self, tr: &mut Trace, after: u64) {
        tr.flows += 1;
        let t0 = self.t + after;
        self.emit(tr, Dir::C2S, t0, SYN, &[]);
        let t1 = t0 + self.sides[1].rtt + 15_000;
        self.emit(tr, Dir::S2C, t1, SYN | ACK, &[]);
        let t2 = t1 + self.sides[0].rtt + 8_000;
        self.emit(tr, Dir::C2S, t2, ACK, &[]);
    }

    /// Sends `data` in direction `d`, the first segment `after` ns past the
    /// current time; the receiver ACKs every second segment.
    pub fn send(&mut self, tr: &mut Trace, d: Dir, data: &[u8], after: u64) {
        let mss = self.seg_size();
        let sender = *self.side(d);
        let receiver = *self.side(d.rev());
        let mut t = self.t + after;
        let mut last = t;
        let n = data.len().div_ceil(mss);
        for (k, chunk) in data.chunks(mss).enumerate() {
            let flags = if k + 1 == n { ACK | PSH } else { ACK };
            self.emit(tr, d, t, flags, chunk);
            last = t;
            if k % 2 == 1 && k + 1 < n {
                self.emit(tr, d.rev(), t + receiver.rtt + 25_000, ACK, &[]);
            }
            t += (chunk.len() as u64 + 66) * sender.ns_per_byte + 1_000;
        }
        self.t = self.t.max(last);
    }

    /// A pure ACK from direction `d`, `after` ns past the current time.
    pub fn ack(&mut self, tr: &mut Trace, d: Dir, after: u64) {
        let t = self.t + after;
        self.emit(tr, d, t, ACK, &[]);
    }

    /// Orderly close begun by direction `d`.
    pub fn close(&mut self, tr: &mut Trace, d: Dir, after: u64) {
        let t0 = self.t + after;
        self.emit(tr, d, t0, FIN | ACK, &[]);
        let t1 = t0 + self.side(d.rev()).rtt + 20_000;
        self.emit(tr, d.rev(), t1, FIN | ACK, &[]);
        let t2 = t1 + self.side(d).rtt + 10_000;
        self.emit(tr, d, t2, ACK, &[]);
    }

    /// Abortive close: RST from direction `d`.
    pub fn reset(&mut self, tr: &mut Trace, d: Dir, after: u64) {
        let t = self.t + after;
        self.emit(tr, d, t, RST | ACK, &[]);
    }

    /// Round trip time from the sensor to the side that `d` points at.
    pub fn rtt_to(&self, d: Dir) -> u64 {
        match d {
            Dir::C2S => self.sides[1].rtt,
            Dir::S2C => self.sides[0].rtt,
        }
    }
}
