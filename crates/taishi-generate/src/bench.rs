//! The `bench` scenario: an internet-like mix written as fast as possible.
//!
//! Unlike the demo it never holds the capture in memory: tens of thousands
//! of TCP connections are live at once, each a small state machine, and every
//! step picks one at random and writes its next packet at a global clock
//! that only moves forward, so output is already in time order and streams
//! straight through a `BufWriter`. Payloads are slices of precomputed pools
//! and templates (HTTP requests, TLS hellos, DNS messages) and frames are
//! built in two reused scratch buffers: no allocation per packet.
//!
//! The mix: mostly TCP (HTTPS on 443, HTTP on 80/8080) with heavy-tailed
//! response sizes, ACKs every second segment, some out-of-order and
//! retransmitted segments; DNS over UDP; now and then a fragmented ICMP echo;
//! 10% IPv6; a third of the flows on 802.1Q VLANs 100 and 200.

use std::io::{BufWriter, Write};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use taishi_capture::PcapWriter;
use taishi_core::{LinkType, Timestamp};

use crate::proto::{dns, http, tls};
use crate::wire::{self, ACK, FIN, IpPair, L3, PSH, SYN, TcpHdr};
use crate::{EPOCH, Summary};

/// Pcap bytes at scale 1.
const BYTES_AT_SCALE_1: f64 = 1024.0 * 1024.0 * 1024.0;
/// Most connections live at once; `tens of thousands` like a busy uplink.
const MAX_FLOWS: usize = 30_000;
const POOL: usize = 1 << 16;
/// Per-mille chances per data segment.
const RETRANSMIT_PER_MILLE: u32 = 3;
const OUT_OF_ORDER_PER_MILLE: u32 = 2;
const ROUTER_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x01];

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Syn,
    SynAck,
    Ack,
    Req,
    Flight,
    ClientFin,
    Data,
    Fin2,
    LastAck,
    Done,
}

#[derive(Clone, Copy)]
struct Flow {
    ips: IpPair,
    cmac: [u8; 6],
    vlan: Option<u16>,
    sport: u16,
    dport: u16,
    cisn: u32,
    sisn: u32,
    state: State,
    tls: bool,
    ts: bool,
    tsb: [u32; 2],
    ip_id: [u16; 2],
    ttl_s: u8,
    seg: u32,
    /// Server stream length and next in-order offset.
    total: u32,
    spos: u32,
    /// Client bytes sent after the SYN.
    cpos: u32,
    since_ack: u8,
    hole: Option<u32>,
    last_seg: Option<u32>,
    tmpl: usize,
    pool_base: u32,
    hdr: [u8; 128],
    hdr_len: u8,
}

struct Templates {
    http_req: Vec<Vec<u8>>,
    client_hello: Vec<Vec<u8>>,
    server_flight: Vec<Vec<u8>>,
    client_fin: Vec<Vec<u8>>,
    dns: Vec<(Vec<u8>, Vec<u8>)>,
    /// Random bytes (ciphertext stand-in), doubled so any slice fits.
    random: Vec<u8>,
    /// HTML text, doubled likewise.
    text: Vec<u8>,
    servers: Vec<[u8; 4]>,
}

impl Templates {
    fn new(rng: &mut SmallRng) -> Templates {
        const HOSTS: &[&str] = &[
            "www.example.com",
            "cdn.example.net",
            "api.example.org",
            "static.shop.example",
            "img.news.example",
            "video.example.tv",
            "mail.example.com",
            "updates.example.io",
        ];
        let http_req = HOSTS
            .iter()
            .enumerate()
            .map(|(i, h)| {
                http::request(
                    "GET",
                    h,
                    &format!("/assets/{i}/bundle-{:08x}.js", rng.r#gen::<u32>()),
                    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
                    None,
                )
            })
            .collect();
        let sid = [0x42u8; 32];
        let client_hello = HOSTS
            .iter()
            .map(|h| tls::client_hello(rng, h, &["h2", "http/1.1"], true, &sid))
            .collect();
        let server_flight = (0..4)
            .map(|_| {
                let enc = rng.gen_range(700..1100);
                tls::server_flight(rng, true, &sid, None, enc)
            })
            .collect();
        let client_fin = (0..4)
            .map(|_| {
                let mut v = tls::client_finished(rng, true);
                let n = rng.gen_range(200..700);
                tls::app_data(rng, n, &mut v);
                v
            })
            .collect();
        let dns = HOSTS
            .iter()
            .map(|h| {
                let a = [93, 184, rng.r#gen(), rng.r#gen()];
                (
                    dns::query(0, h, dns::TYPE_A),
                    dns::response(
                        0,
                        h,
                        dns::TYPE_A,
                        &[(h.to_string(), 300, dns::Rdata::A(a))],
                        false,
                    ),
                )
            })
            .collect();
        let mut random: Vec<u8> = (0..POOL).map(|_| rng.r#gen()).collect();
        random.extend_from_within(..);
        let mut text = http::html(rng, "Benchmark", POOL + 64);
        text.truncate(POOL);
        text.extend_from_within(..);
        let servers = (0..2000)
            .map(|_| {
                [
                    rng.gen_range(1..224),
                    rng.r#gen(),
                    rng.r#gen(),
                    rng.gen_range(1..255),
                ]
            })
            .map(|mut a: [u8; 4]| {
                if a[0] == 10 || a[0] == 127 {
                    a[0] = 23;
                }
                a
            })
            .collect();
        Templates {
            http_req,
            client_hello,
            server_flight,
            client_fin,
            dns,
            random,
            text,
            servers,
        }
    }
}

struct Bench<W: Write> {
    rng: SmallRng,
    t: Templates,
    flows: Vec<Flow>,
    started: u64,
    now: u64,
    frame: Vec<u8>,
    pay: Vec<u8>,
    out: PcapWriter<W>,
}

/// Writes about `scale` GiB of benchmark traffic.
pub fn generate<W: Write>(seed: u64, scale: f64, out: W) -> std::io::Result<Summary> {
    let target = (BYTES_AT_SCALE_1 * scale) as u64;
    let mut rng = SmallRng::seed_from_u64(seed);
    let t = Templates::new(&mut rng);
    let out = PcapWriter::new(
        BufWriter::with_capacity(1 << 20, out),
        LinkType::ETHERNET,
        65535,
        false,
    )?;
    let mut b = Bench {
        rng,
        t,
        flows: Vec::new(),
        started: 0,
        now: 0,
        frame: Vec::with_capacity(2048),
        pay: Vec::with_capacity(2048),
        out,
    };
    // About 640 bytes per record; keep each connection alive for a good
    // share of the file but never more live than MAX_FLOWS.
    let n = ((target / 640 / 60) as usize).clamp(64, MAX_FLOWS);
    for _ in 0..n {
        let f = b.new_flow();
        b.flows.push(f);
    }
    while b.out.bytes() < target {
        let r: u32 = b.rng.r#gen();
        if r % 5_000 == 4_999 {
            b.fragmented_ping()?;
        } else if r % 1000 < 30 {
            b.dns()?;
        } else {
            let i = b.rng.gen_range(0..b.flows.len());
            b.step(i)?;
        }
    }
    let summary = Summary {
        packets: b.out.packets(),
        bytes: b.out.bytes(),
        flows: b.started,
        attacks: 0,
    };
    b.out.finish()?.flush()?;
    Ok(summary)
}

impl<W: Write> Bench<W> {
    fn new_flow(&mut self) -> Flow {
        let rng = &mut self.rng;
        let v6 = rng.gen_range(0..10) == 0;
        let vlan = match rng.gen_range(0..10) {
            0..=1 => Some(100),
            2 => Some(200),
            _ => None,
        };
        let client = [
            10,
            vlan.map_or(1, |v| (v / 100) as u8 + 1),
            rng.r#gen(),
            rng.gen_range(1..255),
        ];
        let server = self.t.servers[rng.gen_range(0..self.t.servers.len())];
        let ips = if v6 {
            let mut c = [0u8; 16];
            c[..8].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, client[1], 0, 0]);
            c[12..].copy_from_slice(&client);
            let mut s = [0u8; 16];
            s[..4].copy_from_slice(&[0x2a, 0x00, 0x14, 0x50]);
            s[12..].copy_from_slice(&server);
            IpPair::V6(c, s)
        } else {
            IpPair::V4(client, server)
        };
        let u = rng.gen_range(0..100);
        let (tls, dport) = match u {
            0..=69 => (true, 443),
            70..=94 => (false, 80),
            _ => (false, 8080),
        };
        let mss: u32 = if v6 {
            1440
        } else if rng.gen_range(0..5) == 0 {
            1380
        } else {
            1460
        };
        let ts = rng.gen_range(0..10) < 7;
        let seg = if ts { mss - 12 } else { mss };
        let body: u32 = match rng.gen_range(0..100) {
            0..=69 => rng.gen_range(200..6000),
            70..=94 => rng.gen_range(6000..40_000),
            _ => rng.gen_range(40_000..500_000),
        };
        let tmpl = rng.gen_range(0..1024);
        let mut f = Flow {
            ips,
            cmac: [0x02, 0x00, client[0], client[1], client[2], client[3]],
            vlan,
            sport: rng.gen_range(34_000..61_000),
            dport,
            cisn: rng.r#gen(),
            sisn: rng.r#gen(),
            state: State::Syn,
            tls,
            ts,
            tsb: [rng.r#gen(), rng.r#gen()],
            ip_id: [rng.r#gen(), rng.r#gen()],
            ttl_s: 64 - rng.gen_range(5..20),
            seg,
            total: 0,
            spos: 0,
            cpos: 0,
            since_ack: 0,
            hole: None,
            last_seg: None,
            tmpl,
            pool_base: rng.gen_range(0..POOL as u32 / 2) * 2,
            hdr: [0; 128],
            hdr_len: 0,
        };
        if tls {
            let flight = self.t.server_flight[tmpl % self.t.server_flight.len()].len() as u32;
            let mut total = flight + body;
            // Every record segment must hold at least a record header and a byte.
            if (total - flight) % seg < 6 {
                total += 6;
            }
            f.total = total;
        } else {
            let mut cur = std::io::Cursor::new(&mut f.hdr[..]);
            let _ = write!(
                cur,
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {body}\r\nConnection: close\r\n\r\n"
            );
            f.hdr_len = cur.position() as u8;
            f.total = f.hdr_len as u32 + body;
        }
        f
    }

    fn l3(&mut self, f: &Flow, c2s: bool) -> L3 {
        let i = usize::from(!c2s);
        let (src_mac, dst_mac, ips, ttl) = if c2s {
            (f.cmac, ROUTER_MAC, f.ips, 64)
        } else {
            (ROUTER_MAC, f.cmac, f.ips.reversed(), f.ttl_s)
        };
        L3 {
            src_mac,
            dst_mac,
            vlan: f.vlan,
            ips,
            ttl,
            ip_id: f.ip_id[i],
            df: true,
        }
    }

    /// Writes one TCP segment of flow `i`; `payload` is taken from `self.pay`.
    fn seg(&mut self, i: usize, c2s: bool, flags: u8, seq: u32, ack: u32) -> std::io::Result<()> {
        let Some(f) = self.flows.get(i) else {
            return Ok(());
        };
        let f = *f;
        let l3 = self.l3(&f, c2s);
        let d = usize::from(!c2s);
        let ms = (self.now / 1_000_000) as u32;
        let mut opts = [0u8; 20];
        let olen = if flags & SYN != 0 {
            let mss = (f.seg + if f.ts { 12 } else { 0 }) as u16;
            if f.ts {
                let echo = if c2s { 0 } else { f.tsb[0].wrapping_add(ms) };
                opts = wire::syn_opts_linux(mss, f.tsb[d].wrapping_add(ms), echo, 7);
                20
            } else {
                opts[..12].copy_from_slice(&wire::syn_opts_windows(mss, 8));
                12
            }
        } else if f.ts {
            opts[..12].copy_from_slice(&wire::ts_opts(
                f.tsb[d].wrapping_add(ms),
                f.tsb[1 - d].wrapping_add(ms),
            ));
            12
        } else {
            0
        };
        let (sport, dport) = if c2s {
            (f.sport, f.dport)
        } else {
            (f.dport, f.sport)
        };
        let win = if flags & SYN != 0 {
            64_240
        } else if c2s {
            2053
        } else {
            501
        };
        let h = TcpHdr {
            sport,
            dport,
            seq,
            ack,
            flags,
            win,
            opts: &opts[..olen],
        };
        self.frame.clear();
        wire::tcp(&mut self.frame, &l3, &h, &self.pay);
        if let Some(f) = self.flows.get_mut(i) {
            f.ip_id[d] = f.ip_id[d].wrapping_add(1);
        }
        self.write()
    }

    fn write(&mut self) -> std::io::Result<()> {
        // About a 1 Gbit/s link: 8 ns per byte plus a little jitter.
        self.now += self.frame.len() as u64 * 8 + self.rng.gen_range(0..400);
        self.out.write(Timestamp(EPOCH.0 + self.now), &self.frame)
    }

    /// Fills `self.pay` with the server's bytes at stream offset `o`;
    /// returns their length.
    fn server_payload(&mut self, i: usize, o: u32) -> u32 {
        self.pay.clear();
        let Some(f) = self.flows.get(i) else { return 0 };
        let len = f.seg.min(f.total.saturating_sub(o));
        if f.tls {
            let flight = &self.t.server_flight[f.tmpl % self.t.server_flight.len()];
            if o == 0 {
                self.pay.extend_from_slice(flight);
                return flight.len() as u32;
            }
            let body = len.saturating_sub(5) as usize;
            self.pay.extend_from_slice(&[23, 3, 3]);
            self.pay.extend_from_slice(&(body as u16).to_be_bytes());
            let start = ((f.pool_base + o) as usize) % POOL;
            self.pay
                .extend_from_slice(&self.t.random[start..start + body]);
        } else {
            let hl = f.hdr_len as u32;
            let mut o2 = o;
            if o2 < hl {
                self.pay.extend_from_slice(&f.hdr[o2 as usize..hl as usize]);
                o2 = hl;
            }
            let rest = (o + len).saturating_sub(o2) as usize;
            let start = ((f.pool_base + o2) as usize) % POOL;
            self.pay
                .extend_from_slice(&self.t.text[start..start + rest]);
        }
        self.pay.len() as u32
    }

    fn step(&mut self, i: usize) -> std::io::Result<()> {
        let Some(f) = self.flows.get(i) else {
            return Ok(());
        };
        let (cisn, sisn, state, total, tls, tmpl) =
            (f.cisn, f.sisn, f.state, f.total, f.tls, f.tmpl);
        let cseq = cisn.wrapping_add(1).wrapping_add(f.cpos);
        let sbase = sisn.wrapping_add(1);
        let sseq = sbase.wrapping_add(f.spos);
        let (spos, hole, last_seg, since_ack, seg) =
            (f.spos, f.hole, f.last_seg, f.since_ack, f.seg);
        self.pay.clear();
        let next = match state {
            State::Syn => {
                self.started += 1;
                self.seg(i, true, SYN, cisn, 0)?;
                State::SynAck
            }
            State::SynAck => {
                self.seg(i, false, SYN | ACK, sisn, cisn.wrapping_add(1))?;
                State::Ack
            }
            State::Ack => {
                self.seg(i, true, ACK, cseq, sbase)?;
                State::Req
            }
            State::Req => {
                let req = if tls {
                    &self.t.client_hello[tmpl % self.t.client_hello.len()]
                } else {
                    &self.t.http_req[tmpl % self.t.http_req.len()]
                };
                self.pay.extend_from_slice(req);
                let n = req.len() as u32;
                self.seg(i, true, ACK | PSH, cseq, sbase)?;
                self.bump_c(i, n);
                if tls { State::Flight } else { State::Data }
            }
            State::Flight => {
                let n = self.server_payload(i, 0);
                self.seg(i, false, ACK | PSH, sseq, cseq)?;
                self.bump_s(i, n);
                State::ClientFin
            }
            State::ClientFin => {
                let fin = &self.t.client_fin[tmpl % self.t.client_fin.len()];
                self.pay.extend_from_slice(fin);
                let n = fin.len() as u32;
                self.seg(i, true, ACK | PSH, cseq, sseq)?;
                self.bump_c(i, n);
                State::Data
            }
            State::Data => {
                if let Some(o) = hole {
                    self.server_payload(i, o);
                    self.seg(i, false, ACK, sbase.wrapping_add(o), cseq)?;
                    if let Some(f) = self.flows.get_mut(i) {
                        f.hole = None;
                        f.since_ack = f.since_ack.saturating_add(1);
                    }
                    State::Data
                } else if since_ack >= 2 {
                    self.seg(i, true, ACK, cseq, sseq)?;
                    if let Some(f) = self.flows.get_mut(i) {
                        f.since_ack = 0;
                    }
                    State::Data
                } else if spos >= total {
                    self.seg(i, false, FIN | ACK, sseq, cseq)?;
                    State::Fin2
                } else {
                    let r = self.rng.gen_range(0..1000);
                    if r < RETRANSMIT_PER_MILLE && last_seg.is_some_and(|o| o > 0) {
                        let o = last_seg.unwrap_or(0);
                        self.server_payload(i, o);
                        self.seg(i, false, ACK, sbase.wrapping_add(o), cseq)?;
                    } else if r < RETRANSMIT_PER_MILLE + OUT_OF_ORDER_PER_MILLE
                        && spos > 0
                        && total - spos > 2 * seg + 6
                    {
                        let o2 = spos + seg;
                        let n2 = self.server_payload(i, o2);
                        self.seg(i, false, ACK, sbase.wrapping_add(o2), cseq)?;
                        if let Some(f) = self.flows.get_mut(i) {
                            f.hole = Some(spos);
                            f.spos = o2 + n2;
                            f.last_seg = None;
                        }
                    } else {
                        let n = self.server_payload(i, spos);
                        let flags = if spos + n >= total { ACK | PSH } else { ACK };
                        self.seg(i, false, flags, sseq, cseq)?;
                        if let Some(f) = self.flows.get_mut(i) {
                            f.last_seg = Some(spos);
                            f.spos += n;
                            f.since_ack += 1;
                        }
                    }
                    State::Data
                }
            }
            State::Fin2 => {
                self.seg(i, true, FIN | ACK, cseq, sseq.wrapping_add(1))?;
                State::LastAck
            }
            State::LastAck => {
                self.seg(i, false, ACK, sseq.wrapping_add(1), cseq.wrapping_add(1))?;
                State::Done
            }
            State::Done => State::Done,
        };
        if next == State::Done {
            let f = self.new_flow();
            if let Some(slot) = self.flows.get_mut(i) {
                *slot = f;
            }
        } else if let Some(f) = self.flows.get_mut(i) {
            f.state = next;
        }
        Ok(())
    }

    fn bump_c(&mut self, i: usize, n: u32) {
        if let Some(f) = self.flows.get_mut(i) {
            f.cpos += n;
        }
    }

    fn bump_s(&mut self, i: usize, n: u32) {
        if let Some(f) = self.flows.get_mut(i) {
            f.spos += n;
        }
    }

    fn client_l3(&mut self) -> (L3, [u8; 4]) {
        let client = [10, 1, self.rng.r#gen(), self.rng.gen_range(1..255)];
        let server = self.t.servers[self.rng.gen_range(0..self.t.servers.len())];
        let l3 = L3 {
            src_mac: [0x02, 0x00, client[0], client[1], client[2], client[3]],
            dst_mac: ROUTER_MAC,
            vlan: None,
            ips: IpPair::V4(client, server),
            ttl: 64,
            ip_id: self.rng.r#gen(),
            df: false,
        };
        (l3, server)
    }

    fn reply_l3(q: &L3, ttl: u8, id: u16) -> L3 {
        L3 {
            src_mac: q.dst_mac,
            dst_mac: q.src_mac,
            ips: q.ips.reversed(),
            ttl,
            ip_id: id,
            ..*q
        }
    }

    fn dns(&mut self) -> std::io::Result<()> {
        self.started += 1;
        let (mut l3, _) = self.client_l3();
        l3.ips = match l3.ips {
            IpPair::V4(c, _) => IpPair::V4(c, [9, 9, 9, 9]),
            other => other,
        };
        let k = self.rng.gen_range(0..self.t.dns.len());
        let id: u16 = self.rng.r#gen();
        // Above the traceroute range (33434-33534) that tshark's heuristics flag.
        let sport = self.rng.gen_range(34_000..61_000);
        self.pay.clear();
        self.pay.extend_from_slice(&self.t.dns[k].0);
        self.pay[..2].copy_from_slice(&id.to_be_bytes());
        self.frame.clear();
        wire::udp(&mut self.frame, &l3, sport, 53, &self.pay);
        self.write()?;
        self.pay.clear();
        self.pay.extend_from_slice(&self.t.dns[k].1);
        self.pay[..2].copy_from_slice(&id.to_be_bytes());
        let r = Self::reply_l3(&l3, 57, self.rng.r#gen());
        self.frame.clear();
        wire::udp(&mut self.frame, &r, 53, sport, &self.pay);
        self.write()
    }

    /// `ping -s 2972`: a 2980-byte ICMP echo in three fragments, and its
    /// reply likewise.
    fn fragmented_ping(&mut self) -> std::io::Result<()> {
        self.started += 1;
        let (l3, _) = self.client_l3();
        let seq: u16 = self.rng.r#gen();
        let mut body = vec![8u8, 0, 0, 0, 0x1f, 0x2e];
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend((0..2972u32).map(|k| (k % 256) as u8));
        for reply in [false, true] {
            body[0] = if reply { 0 } else { 8 };
            let mut msg = Vec::with_capacity(body.len());
            wire::icmp_message(l3.ips, &body, &mut msg);
            let hdr = if reply {
                Self::reply_l3(&l3, 55, self.rng.r#gen())
            } else {
                l3
            };
            let mut off = 0;
            while off < msg.len() {
                let n = (msg.len() - off).min(1480);
                self.frame.clear();
                wire::ipv4_fragment(
                    &mut self.frame,
                    &hdr,
                    wire::PROTO_ICMP,
                    off,
                    off + n < msg.len(),
                    &msg[off..off + n],
                );
                self.write()?;
                off += n;
            }
        }
        Ok(())
    }
}
