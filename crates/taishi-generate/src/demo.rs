//! The demo site: a small water utility, its benign traffic, and the attacks.
//!
//! Topology (as the sensor on the core switch's SPAN port sees it):
//!
//! * IT LAN 10.10.0.0/16, one broadcast domain, untagged: servers in
//!   10.10.1.0/24 (DNS, intranet web, mail, file/SSH), workstations in
//!   10.10.2.0/24 (some dual-stack in 2001:db8:10::/48), the control room in
//!   10.10.5.0/24 (HMI, engineering workstation).
//! * OT 10.20.0.0/24 behind the router, seen on the trunk with 802.1Q tag 20:
//!   four PLCs speaking Modbus/TCP and a historian.
//! * Internet peers, reached through the router's MAC.
//!
//! Benign traffic and attacks draw from two random streams seeded from the
//! one seed, so the `benign` scenario is exactly the demo minus the attacks.
//!
//! The attacks, placed at fixed fractions of the capture (their pacing is
//! compressed when `scale` < 1 so that they still fit):
//!
//! | kind | technique | attacker → victim | what |
//! |---|---|---|---|
//! | `beaconing` | T1071.001 | 10.10.2.57 → 203.0.113.80 | HTTPS check-in every ~30 s ± 10% |
//! | `port_scan` | T1046 | 10.10.2.57 → 10.10.1.20 | SYN scan of 1000 ports |
//! | `host_sweep` | T1018 | 10.10.2.57 → 10.20.0.0/24 | ICMP echo to all 254 OT addresses |
//! | `modbus_unauthorised_write` | T0855 | 10.10.2.57 → 10.20.0.12 | function 6 and 16 writes |
//! | `ssh_brute_force` | T1110.001 | 203.0.113.45 → 10.10.1.30 | 40 short failing SSH logins |
//! | `dns_tunnel` | T1071.004 | 10.10.2.31 → resolver 10.10.1.10 | 300 long base32 TXT queries |
//! | `exfiltration` | T1048.002 | 10.10.1.30 → 198.51.100.23 | 2 MB TLS upload to a new host |
//! | `syn_flood` | T1499.001 | 203.0.113.66 → 10.10.1.20:80 | 3000 SYNs in ~1.5 s |

use std::io::Write;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use taishi_capture::PcapWriter;
use taishi_core::{LinkType, Timestamp};

use crate::proto::{dns, http, modbus, smtp, ssh, tls};
use crate::tcp::{Dir, Path, Side, Tcp};
use crate::trace::Trace;
use crate::wire::{self, ACK, IpPair, RST, SYN, TcpHdr};
use crate::{EPOCH, Label, Summary};

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
/// The router's (VRRP) MAC: every frame to or from another network has it.
const ROUTER_MAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a];
/// The OT network's 802.1Q VLAN id.
const OT_VLAN: u16 = 20;
const DOMAIN: &str = "wateru.local";

#[derive(Clone, Copy, Debug)]
struct Host {
    v4: [u8; 4],
    v6: Option<[u8; 16]>,
    mac: [u8; 6],
    ttl: u8,
    /// Routers between the sensor and an internet host.
    hops: u8,
    /// Round trip sensor → host → sensor, microseconds.
    rtt_us: u32,
    local: bool,
    ot: bool,
    linux: bool,
}

impl Host {
    fn lan(v4: [u8; 4], oui: [u8; 3], linux: bool) -> Host {
        let ot = v4[1] == 20;
        Host {
            v4,
            v6: None,
            mac: [oui[0], oui[1], oui[2], v4[1], v4[2], v4[3]],
            ttl: if linux { 64 } else { 128 },
            hops: 0,
            rtt_us: if ot { 900 } else { 250 },
            local: true,
            ot,
            linux,
        }
    }
    fn with_v6(mut self, v6: [u8; 16]) -> Host {
        self.v6 = Some(v6);
        self
    }
    fn inet(v4: [u8; 4], hops: u8, rtt_ms: u32, linux: bool) -> Host {
        Host {
            v4,
            v6: None,
            mac: ROUTER_MAC,
            ttl: if linux { 64 } else { 128 },
            hops,
            rtt_us: rtt_ms * 1000,
            local: false,
            ot: false,
            linux,
        }
    }
    fn ip(&self) -> String {
        std::net::Ipv4Addr::from(self.v4).to_string()
    }
}

fn v6(segs: [u16; 8]) -> [u8; 16] {
    std::net::Ipv6Addr::new(
        segs[0], segs[1], segs[2], segs[3], segs[4], segs[5], segs[6], segs[7],
    )
    .octets()
}

/// How a frame from `a` to `b` looks at the sensor.
fn path(a: &Host, b: &Host) -> Path {
    let on_ot = a.ot || b.ot;
    let src_mac = if !a.local || (on_ot && !a.ot) {
        ROUTER_MAC
    } else {
        a.mac
    };
    let dst_mac = if !b.local || (on_ot && !b.ot) {
        ROUTER_MAC
    } else {
        b.mac
    };
    let hops = if !a.local {
        a.hops
    } else if on_ot && !a.ot {
        1
    } else {
        0
    };
    Path {
        src_mac,
        dst_mac,
        vlan: on_ot.then_some(OT_VLAN),
        ttl: a.ttl.saturating_sub(hops),
    }
}

fn ips(a: &Host, b: &Host, v6: bool) -> IpPair {
    match (v6, a.v6, b.v6) {
        (true, Some(x), Some(y)) => IpPair::V6(x, y),
        _ => IpPair::V4(a.v4, b.v4),
    }
}

struct Site {
    dns: Host,
    web: Host,
    mail: Host,
    files: Host,
    admin: Host,
    workstations: Vec<Host>,
    hmi: Host,
    ews: Host,
    plcs: Vec<Host>,
    historian: Host,
    ot_gw: Host,
}

const WIN_OUI: [u8; 3] = [0x00, 0x15, 0x5d];
const SRV_OUI: [u8; 3] = [0x52, 0x54, 0x00];
const PLC_OUI: [u8; 3] = [0x00, 0x80, 0xf4];

impl Site {
    fn new() -> Site {
        let mut workstations = Vec::new();
        for n in (11u8..=40).chain([57]) {
            let mut h = Host::lan([10, 10, 2, n], WIN_OUI, false);
            if n % 3 == 0 {
                h = h.with_v6(v6([0x2001, 0xdb8, 0x10, 2, 0, 0, 0, n as u16]));
            }
            workstations.push(h);
        }
        Site {
            dns: Host::lan([10, 10, 1, 10], SRV_OUI, true)
                .with_v6(v6([0x2001, 0xdb8, 0x10, 1, 0, 0, 0, 0x10])),
            web: Host::lan([10, 10, 1, 20], SRV_OUI, true),
            mail: Host::lan([10, 10, 1, 25], SRV_OUI, true),
            files: Host::lan([10, 10, 1, 30], SRV_OUI, true),
            admin: Host::lan([10, 10, 2, 5], SRV_OUI, true),
            workstations,
            hmi: Host::lan([10, 10, 5, 10], WIN_OUI, false),
            ews: Host::lan([10, 10, 5, 20], WIN_OUI, false),
            plcs: (11u8..=14)
                .map(|n| Host::lan([10, 20, 0, n], PLC_OUI, false))
                .collect(),
            historian: Host::lan([10, 20, 0, 50], WIN_OUI, false),
            ot_gw: Host {
                mac: ROUTER_MAC,
                ..Host::lan([10, 20, 0, 1], SRV_OUI, true)
            },
        }
    }

    fn ws(&self, v4_last: u8) -> Host {
        self.workstations
            .iter()
            .copied()
            .find(|h| h.v4[3] == v4_last)
            .unwrap_or(self.workstations[0])
    }
}

/// A public site browsed over HTTPS: (name, IPv4, IPv6, hops, rtt ms).
type Web = (&'static str, [u8; 4], Option<[u16; 8]>, u8, u32);

const HTTPS_SITES: &[Web] = &[
    (
        "www.google.com",
        [142, 250, 74, 36],
        Some([0x2a00, 0x1450, 0x4001, 0x82a, 0, 0, 0, 0x2004]),
        11,
        14,
    ),
    (
        "login.microsoftonline.com",
        [20, 190, 160, 20],
        None,
        13,
        22,
    ),
    ("github.com", [140, 82, 121, 4], None, 12, 31),
    (
        "www.wikipedia.org",
        [185, 15, 59, 224],
        Some([0x2a02, 0xec80, 0x300, 0xed1a, 0, 0, 0, 1]),
        14,
        27,
    ),
    ("outlook.office365.com", [52, 97, 146, 162], None, 12, 19),
    (
        "cdn.jsdelivr.net",
        [151, 101, 1, 229],
        Some([0x2a04, 0x4e42, 0, 0, 0, 0, 0, 0x485]),
        9,
        9,
    ),
    (
        "www.cloudflare.com",
        [104, 16, 123, 96],
        Some([0x2606, 0x4700, 0, 0, 0, 0, 0x6810, 0x7b60]),
        8,
        8,
    ),
    ("api.weather.gov", [23, 10, 160, 59], None, 15, 88),
    ("update.googleapis.com", [142, 250, 185, 99], None, 11, 15),
    ("www.awwa.org", [104, 18, 21, 97], None, 10, 12),
    ("teams.microsoft.com", [52, 113, 194, 132], None, 13, 21),
    ("www.epa.gov", [23, 220, 160, 151], None, 14, 33),
];

/// Public sites fetched over plain HTTP: (host, IPv4, path, content type).
const HTTP_SITES: &[(&str, [u8; 4], &str, &str)] = &[
    (
        "www.msftconnecttest.com",
        [13, 107, 4, 52],
        "/connecttest.txt",
        "text/plain",
    ),
    (
        "detectportal.firefox.com",
        [34, 107, 221, 82],
        "/canonical.html",
        "text/html",
    ),
    ("neverssl.com", [34, 223, 124, 45], "/online/", "text/html"),
    (
        "ctldl.windowsupdate.com",
        [93, 184, 221, 240],
        "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab",
        "application/vnd.ms-cab-compressed",
    ),
];

const UA_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0";

struct Gen {
    rng: SmallRng,
    tr: Trace,
    site: Site,
    /// Benign duration, ns.
    dur: u64,
    /// Compression of attack pacing for short captures (≤ 1).
    pace: f64,
    labels: Vec<Label>,
    dns_id: u16,
    /// Next ephemeral port of each Windows host.
    ports: std::collections::BTreeMap<[u8; 4], u16>,
}

/// Generates the demo (or, without attacks, the benign scenario).
pub fn generate<W: Write>(
    seed: u64,
    scale: f64,
    attacks: bool,
    out: W,
) -> std::io::Result<(Summary, Vec<Label>)> {
    let dur = (600.0 * scale * SEC as f64) as u64;
    let mut g = Gen {
        rng: SmallRng::seed_from_u64(seed),
        tr: Trace::default(),
        site: Site::new(),
        dur: dur.max(SEC),
        pace: scale.min(1.0),
        labels: Vec::new(),
        dns_id: 0,
        ports: Default::default(),
    };
    g.benign(scale);
    if attacks {
        // A separate stream, so the benign packets do not depend on whether
        // attacks are generated.
        g.rng = SmallRng::seed_from_u64(seed ^ 0x5eed_a77a_c4ed_0001);
        g.attacks();
    }
    g.labels.sort_by(|a, b| a.start.cmp(&b.start));
    for (i, l) in g.labels.iter_mut().enumerate() {
        l.id = format!("a{:02}", i + 1);
    }
    let flows = g.tr.flows;
    let mut w = PcapWriter::new(
        std::io::BufWriter::with_capacity(1 << 20, out),
        LinkType::ETHERNET,
        65535,
        false,
    )?;
    g.tr.write(EPOCH, &mut w)?;
    let summary = Summary {
        packets: w.packets(),
        bytes: w.bytes(),
        flows,
        attacks: g.labels.len(),
    };
    w.finish()?.flush()?;
    Ok((summary, g.labels))
}

fn count(n: f64, scale: f64) -> usize {
    ((n * scale).round() as usize).max(1)
}

impl Gen {
    // ----- building blocks -------------------------------------------------

    /// An ephemeral port: Linux picks at random (kept above the traceroute
    /// range tshark's heuristics flag), Windows counts up from a random start.
    fn eph(&mut self, h: &Host) -> u16 {
        if h.linux {
            return self.rng.gen_range(34_000..61_000);
        }
        let start = self.rng.gen_range(49_152..60_000);
        let step = self.rng.gen_range(1..4);
        let next = self.ports.entry(h.v4).or_insert(start);
        *next = if *next >= 65_530 {
            49_152
        } else {
            *next + step
        };
        *next
    }

    fn rtt(&mut self, h: &Host) -> u64 {
        let base = h.rtt_us as u64 * 1000;
        base + self.rng.gen_range(0..base / 8 + 1)
    }

    fn side(&mut self, h: &Host, peer: &Host, port: u16, v6: bool, server: bool) -> Side {
        let local_pair = h.local && peer.local;
        let mss = if !h.local && self.rng.gen_bool(0.2) {
            1380
        } else if v6 {
            1440
        } else {
            1460
        };
        Side {
            port,
            path: path(h, peer),
            rtt: self.rtt(h),
            linux: h.linux,
            mss,
            win: if server { 65_160 * 4 } else { 64_240 * 8 },
            wscale: if h.linux { 7 } else { 8 },
            ns_per_byte: if local_pair { 8 } else { 80 },
        }
    }

    fn tcp(&mut self, c: &Host, s: &Host, dport: u16, v6: bool, t: u64) -> Tcp {
        let sport = self.eph(c);
        let cs = self.side(c, s, sport, v6, false);
        let ss = self.side(s, c, dport, v6, true);
        Tcp::new(&mut self.rng, ips(c, s, v6), cs, ss, t)
    }

    fn udp(
        &mut self,
        t: u64,
        a: &Host,
        b: &Host,
        v6: bool,
        (sport, dport): (u16, u16),
        payload: &[u8],
    ) {
        let p = path(a, b);
        let l3 = p.l3(ips(a, b, v6), self.rng.r#gen(), a.linux);
        self.tr
            .push(t, |buf| wire::udp(buf, &l3, sport, dport, payload));
    }

    /// A lookup through the site resolver; returns when the answer is seen.
    /// `answers` of `None` is NXDOMAIN; an empty AAAA answer is NODATA.
    fn lookup(
        &mut self,
        t: u64,
        c: &Host,
        name: &str,
        qtype: u16,
        answers: Option<&[(String, u32, dns::Rdata)]>,
        upstream: bool,
    ) -> u64 {
        self.dns_id = self.dns_id.wrapping_add(self.rng.gen_range(1..5000));
        let id = self.dns_id;
        let resolver = self.site.dns;
        let v6 = c.v6.is_some() && self.rng.gen_bool(0.5);
        let sport = self.eph(c);
        let q = dns::query(id, name, qtype);
        self.tr.flows += 1;
        self.udp(t, c, &resolver, v6, (sport, 53), &q);
        let delay = if upstream {
            self.rng.gen_range(12..70) * MS
        } else {
            self.rng.gen_range(150..600) * 1000
        };
        let answers = answers.unwrap_or(&[]);
        let nx = answers.is_empty() && qtype != dns::TYPE_AAAA;
        if upstream {
            // The resolver forwards what it has not cached, so the sensor
            // sees the same name leave for the internet.
            let fwd = if self.rng.gen_bool(0.5) {
                [9, 9, 9, 9]
            } else {
                [149, 112, 112, 112]
            };
            let up = Host::inet(fwd, 9, 10, true);
            let fid: u16 = self.rng.r#gen();
            let fport = self.eph(&resolver);
            self.tr.flows += 1;
            let fq = dns::query(fid, name, qtype);
            self.udp(t + 150_000, &resolver, &up, false, (fport, 53), &fq);
            let fr = dns::response(fid, name, qtype, answers, nx);
            self.udp(t + delay - 100_000, &up, &resolver, false, (53, fport), &fr);
        }
        let r = dns::response(id, name, qtype, answers, nx);
        self.udp(t + delay, &resolver, c, v6, (53, sport), &r);
        t + delay
    }

    fn lookup_site(
        &mut self,
        t: u64,
        c: &Host,
        name: &str,
        a: [u8; 4],
        aaaa: Option<[u8; 16]>,
    ) -> u64 {
        let cached = self.rng.gen_bool(0.6);
        let mut answers = Vec::new();
        let cname = name.starts_with("www.") && self.rng.gen_bool(0.5);
        let owner = if cname {
            let target = format!("edge-{}.{}", self.rng.gen_range(1..9), &name[4..]);
            answers.push((name.to_string(), 300, dns::Rdata::Cname(target.clone())));
            target
        } else {
            name.to_string()
        };
        answers.push((
            owner.clone(),
            self.rng.gen_range(30..3600),
            dns::Rdata::A(a),
        ));
        let mut end = self.lookup(t, c, name, dns::TYPE_A, Some(&answers), !cached);
        if c.v6.is_some() {
            let ans6: Vec<_> = aaaa
                .map(|x| vec![(owner, 300, dns::Rdata::Aaaa(x))])
                .unwrap_or_default();
            end = end.max(self.lookup(t + 200_000, c, name, dns::TYPE_AAAA, Some(&ans6), !cached));
        }
        end
    }

    /// One HTTPS connection: TLS handshake, `req` bytes up, `resp` down.
    #[allow(clippy::too_many_arguments)] // a connection has that many knobs; a struct would only rename them
    fn https(
        &mut self,
        t: u64,
        c: &Host,
        s: &Host,
        sni: &str,
        v6: bool,
        req: usize,
        resp: usize,
        tls13: bool,
    ) -> u64 {
        let mut k = self.tcp(c, s, 443, v6, t);
        k.open(&mut self.tr, 0);
        let sid: [u8; 32] = self.rng.r#gen();
        let ch = tls::client_hello(&mut self.rng, sni, &["h2", "http/1.1"], tls13, &sid);
        k.send(&mut self.tr, Dir::C2S, &ch, 30_000);
        let enc = self.rng.gen_range(2500..5200);
        let sf = tls::server_flight(&mut self.rng, tls13, &sid, Some("h2"), enc);
        let d = k.rtt_to(Dir::C2S) + self.rng.gen_range(200..3000) * 1000;
        k.send(&mut self.tr, Dir::S2C, &sf, d);
        let mut cf = tls::client_finished(&mut self.rng, tls13);
        tls::app_data(&mut self.rng, req, &mut cf);
        let d = k.rtt_to(Dir::S2C) + self.rng.gen_range(300..2000) * 1000;
        k.send(&mut self.tr, Dir::C2S, &cf, d);
        let mut body = Vec::with_capacity(resp + 64);
        tls::app_data(&mut self.rng, resp, &mut body);
        let d = k.rtt_to(Dir::C2S) + self.rng.gen_range(1..40) * MS;
        k.send(&mut self.tr, Dir::S2C, &body, d);
        let d = k.rtt_to(Dir::S2C) + 30_000;
        k.ack(&mut self.tr, Dir::C2S, d);
        // Browsers keep connections open, then close or abort them.
        let idle = self.rng.gen_range(2..30) * SEC / 2;
        if self.rng.gen_bool(0.15) {
            k.reset(&mut self.tr, Dir::C2S, idle);
        } else if self.rng.gen_bool(0.5) {
            k.close(&mut self.tr, Dir::C2S, idle);
        } else {
            k.close(&mut self.tr, Dir::S2C, idle);
        }
        k.t
    }

    /// One HTTP/1.1 exchange on a fresh connection.
    #[allow(clippy::too_many_arguments)] // see https()
    fn http(
        &mut self,
        t: u64,
        c: &Host,
        s: &Host,
        port: u16,
        exchanges: &[(Vec<u8>, Vec<u8>)],
        think_ms: u64,
    ) -> u64 {
        let mut k = self.tcp(c, s, port, false, t);
        k.open(&mut self.tr, 0);
        // Keep-alive: later requests reuse the connection after a pause.
        let mut pause = 40_000;
        for (request, response) in exchanges {
            k.send(&mut self.tr, Dir::C2S, request, pause);
            let d = k.rtt_to(Dir::C2S) + think_ms * MS;
            k.send(&mut self.tr, Dir::S2C, response, d);
            let d = k.rtt_to(Dir::S2C) + 40_000;
            k.ack(&mut self.tr, Dir::C2S, d);
            pause = self.rng.gen_range(200..3000) * MS;
        }
        let idle = self.rng.gen_range(1..15) * SEC;
        k.close(&mut self.tr, Dir::S2C, idle);
        k.t
    }

    fn date(&self, t: u64) -> String {
        http::imf_date(EPOCH.secs() + t / SEC)
    }

    fn pick_ws(&mut self) -> Host {
        let i = self.rng.gen_range(0..self.site.workstations.len());
        self.site.workstations[i]
    }

    /// Response sizes with the web's heavy tail, kept modest so that the
    /// demo stays a few MB at scale 1.
    fn resp_size(&mut self) -> usize {
        let u: f64 = self.rng.r#gen();
        if u < 0.50 {
            self.rng.gen_range(500..3000)
        } else if u < 0.83 {
            self.rng.gen_range(3000..15_000)
        } else if u < 0.98 {
            self.rng.gen_range(15_000..60_000)
        } else {
            self.rng.gen_range(60_000..250_000)
        }
    }

    // ----- benign ----------------------------------------------------------

    fn benign(&mut self, scale: f64) {
        self.modbus_polling();
        for _ in 0..count(400.0, scale) {
            self.browse();
        }
        for _ in 0..count(40.0, scale) {
            self.plain_http();
        }
        for _ in 0..count(80.0, scale) {
            self.intranet();
        }
        for _ in 0..count(30.0, scale) {
            self.historian_http();
        }
        for _ in 0..count(24.0, scale) {
            self.mail(true);
        }
        for _ in 0..count(8.0, scale) {
            self.mail(false);
        }
        for _ in 0..count(3.0, scale) {
            self.admin_ssh();
        }
        for _ in 0..count(250.0, scale) {
            self.background_dns();
        }
        self.ntp();
        self.arp_chatter();
    }

    /// Hosts refreshing their ARP entry for the gateway, now and then.
    fn arp_chatter(&mut self) {
        let mut t = self.rng.gen_range(0..5 * SEC);
        while t < self.dur {
            let h = self.pick_ws();
            let ask = wire::Arp {
                reply: false,
                sha: h.mac,
                spa: h.v4,
                tha: [0; 6],
                tpa: [10, 10, 0, 1],
            };
            self.tr.push(t, |b| wire::arp(b, &ask, None));
            let answer = wire::Arp {
                reply: true,
                sha: ROUTER_MAC,
                spa: [10, 10, 0, 1],
                tha: h.mac,
                tpa: h.v4,
            };
            let rt = t + self.rng.gen_range(100..900) * 1000;
            self.tr.push(rt, |b| wire::arp(b, &answer, None));
            t += self.rng.gen_range(5..30) * SEC;
        }
    }

    /// Start of a benign conversation: anywhere but the last stretch, so
    /// that conversations end inside the capture (a quarter of it for very
    /// short captures).
    fn start(&mut self) -> u64 {
        let tail = (20 * SEC).min(self.dur / 4);
        self.rng
            .gen_range(SEC / 4..self.dur.saturating_sub(tail).max(SEC / 2))
    }

    fn browse(&mut self) {
        let t = self.start();
        let c = self.pick_ws();
        let &(name, a, six, hops, rtt) = &HTTPS_SITES[self.rng.gen_range(0..HTTPS_SITES.len())];
        let mut s = Host::inet(a, hops, rtt, true);
        let aaaa = six.map(v6);
        if let Some(x) = aaaa {
            s = s.with_v6(x);
        }
        let t = self.lookup_site(t, &c, name, a, aaaa);
        let use_v6 = c.v6.is_some() && s.v6.is_some() && self.rng.gen_bool(0.7);
        let req = self.rng.gen_range(300..1400);
        let resp = self.resp_size();
        let tls13 = self.rng.gen_bool(0.75);
        self.https(t + 300_000, &c, &s, name, use_v6, req, resp, tls13);
    }

    fn plain_http(&mut self) {
        let t = self.start();
        let c = self.pick_ws();
        let &(host, a, p, ct) = &HTTP_SITES[self.rng.gen_range(0..HTTP_SITES.len())];
        let s = Host::inet(a, 12, 20 + self.rng.gen_range(0..60), true);
        let t = self.lookup_site(t, &c, host, a, None);
        let req = http::request("GET", host, p, "Microsoft-CryptoAPI/10.0", None);
        let body = match ct {
            "text/plain" => b"Microsoft Connect Test".to_vec(),
            "text/html" => http::html(&mut self.rng, "Success", 600),
            _ => (0..self.rng.gen_range(2000..9000))
                .map(|_| self.rng.r#gen::<u8>())
                .collect(),
        };
        let date = self.date(t);
        let resp = http::response(200, "OK", "ECAcc (nyd/D184)", &date, ct, &body);
        self.http(t + 200_000, &c, &s, 80, &[(req, resp)], 5);
    }

    fn intranet(&mut self) {
        let t = self.start();
        let c = self.pick_ws();
        let web = self.site.web;
        let host = format!("intranet.{DOMAIN}");
        let t = self.lookup(
            t,
            &c,
            &host,
            dns::TYPE_A,
            Some(&[(host.clone(), 3600, dns::Rdata::A(web.v4))]),
            false,
        );
        let date = self.date(t);
        let mut exchanges = Vec::new();
        for _ in 0..self.rng.gen_range(1..4) {
            let (req, resp) = if self.rng.gen_bool(0.3) {
                let n = self.rng.gen_range(200..1200);
                let body = http::json(&mut self.rng, n);
                let req = http::request(
                    "POST",
                    &host,
                    "/api/v1/readings",
                    UA_EDGE,
                    Some(("application/json", &body)),
                );
                let resp = http::response(
                    201,
                    "Created",
                    "nginx/1.24.0",
                    &date,
                    "application/json",
                    b"{\"status\":\"stored\"}",
                );
                (req, resp)
            } else {
                let pages = [
                    "/",
                    "/reports/daily",
                    "/maintenance/schedule",
                    "/news/2026/05",
                    "/phonebook",
                ];
                let p = pages[self.rng.gen_range(0..pages.len())];
                let size = self.rng.gen_range(1500..25_000);
                let body = http::html(&mut self.rng, "Water Utility Intranet", size);
                let req = http::request("GET", &host, p, UA_EDGE, None);
                (
                    req,
                    http::response(
                        200,
                        "OK",
                        "nginx/1.24.0",
                        &date,
                        "text/html; charset=utf-8",
                        &body,
                    ),
                )
            };
            exchanges.push((req, resp));
        }
        self.http(t + 150_000, &c, &web, 80, &exchanges, 3);
    }

    fn historian_http(&mut self) {
        let t = self.start();
        let (ews, hist) = (self.site.ews, self.site.historian);
        let tag = self.rng.gen_range(100..400);
        let req = http::request(
            "GET",
            "10.20.0.50:8080",
            &format!("/api/trend?tag=PT-{tag}&range=1h"),
            UA_EDGE,
            None,
        );
        let size = self.rng.gen_range(2000..12_000);
        let body = http::json(&mut self.rng, size);
        let date = self.date(t);
        let resp = http::response(
            200,
            "OK",
            "Microsoft-HTTPAPI/2.0",
            &date,
            "application/json",
            &body,
        );
        self.http(t, &ews, &hist, 8080, &[(req, resp)], 12);
    }

    fn mail(&mut self, inbound: bool) {
        let t = self.start();
        let mail = self.site.mail;
        const PEERS: &[(&str, [u8; 4])] = &[
            ("mail-ej1-f41.google.com", [209, 85, 218, 41]),
            ("mx.partner-utility.org", [192, 0, 2, 25]),
            ("outbound.supplier-chem.com", [198, 51, 100, 140]),
            (
                "mail-am6eur05on2090.outbound.protection.outlook.com",
                [40, 107, 22, 90],
            ),
        ];
        let (pname, pa) = PEERS[self.rng.gen_range(0..PEERS.len())];
        let peer = Host::inet(pa, 13, 25 + self.rng.gen_range(0..40), true);
        let date = self.date(t);
        let msg_id = format!("{:016x}@{}", self.rng.r#gen::<u64>(), pname);
        let mut body = String::new();
        for _ in 0..self.rng.gen_range(5..60) {
            body.push_str("Please find the weekly chlorine dosing figures and the pump maintenance notes below.\n");
        }
        let (c, s, cname, sname, from, to) = if inbound {
            (
                peer,
                mail,
                pname.to_string(),
                format!("mail.{DOMAIN}"),
                format!("ops@{}", &pname[pname.find('.').map_or(0, |i| i + 1)..]),
                format!("control@{DOMAIN}"),
            )
        } else {
            (
                mail,
                peer,
                format!("mail.{DOMAIN}"),
                pname.to_string(),
                format!("reports@{DOMAIN}"),
                "regulator@partner-utility.org".to_string(),
            )
        };
        let writes = smtp::delivery(&smtp::Mail {
            server_name: &sname,
            client_name: &cname,
            from: &from,
            to: &to,
            subject: "Weekly dosing report",
            date: &date,
            msg_id: &msg_id,
            body: &body,
        });
        let mut k = self.tcp(&c, &s, 25, false, t);
        k.open(&mut self.tr, 0);
        for (i, w) in writes.iter().enumerate() {
            let d = if i % 2 == 0 { Dir::S2C } else { Dir::C2S };
            let after = k.rtt_to(d.rev()) + self.rng.gen_range(100..3000) * 1000;
            k.send(&mut self.tr, d, w, after);
        }
        k.close(&mut self.tr, Dir::S2C, 200_000);
    }

    /// An SSH connection's clear-text start; returns the connection.
    fn ssh_start(&mut self, k: &mut Tcp, client_banner: &str) {
        let d = k.rtt_to(Dir::C2S) + 2 * MS;
        k.send(
            &mut self.tr,
            Dir::S2C,
            b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
            d,
        );
        let d = k.rtt_to(Dir::S2C) + 500_000;
        k.send(&mut self.tr, Dir::C2S, client_banner.as_bytes(), d);
        let kc = ssh::kexinit(&mut self.rng, false);
        k.send(&mut self.tr, Dir::C2S, &kc, 100_000);
        let ks = ssh::kexinit(&mut self.rng, true);
        let d = k.rtt_to(Dir::C2S) + 300_000;
        k.send(&mut self.tr, Dir::S2C, &ks, d);
        let e = ssh::ecdh_init(&mut self.rng);
        let d = k.rtt_to(Dir::S2C) + 400_000;
        k.send(&mut self.tr, Dir::C2S, &e, d);
        let r = ssh::ecdh_reply_newkeys(&mut self.rng, &[0xb5; 256]);
        let d = k.rtt_to(Dir::C2S) + 3 * MS;
        k.send(&mut self.tr, Dir::S2C, &r, d);
        let n = ssh::newkeys(&mut self.rng);
        let d = k.rtt_to(Dir::S2C) + 500_000;
        k.send(&mut self.tr, Dir::C2S, &n, d);
    }

    fn admin_ssh(&mut self) {
        let t = self.start();
        let admin = self.site.admin;
        let srv = if self.rng.gen_bool(0.5) {
            self.site.files
        } else {
            self.site.web
        };
        let mut k = self.tcp(&admin, &srv, 22, false, t);
        k.open(&mut self.tr, 0);
        self.ssh_start(&mut k, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n");
        // Authentication: service request/accept, publickey success.
        for (c, s) in [(24, 24), (400, 16), (120, 600)] {
            let m = ssh::encrypted(&mut self.rng, c);
            let d = k.rtt_to(Dir::S2C) + 300_000;
            k.send(&mut self.tr, Dir::C2S, &m, d);
            let m = ssh::encrypted(&mut self.rng, s);
            let d = k.rtt_to(Dir::C2S) + 2 * MS;
            k.send(&mut self.tr, Dir::S2C, &m, d);
        }
        // Interactive typing: each keystroke echoed, with the odd burst of output.
        for _ in 0..self.rng.gen_range(60..160) {
            let m = ssh::encrypted(&mut self.rng, 1);
            let d = self.rng.gen_range(80..900) * MS;
            k.send(&mut self.tr, Dir::C2S, &m, d);
            let out = if self.rng.gen_bool(0.08) {
                self.rng.gen_range(200..6000)
            } else {
                1
            };
            let m = ssh::encrypted(&mut self.rng, out);
            let d = k.rtt_to(Dir::C2S) + 200_000;
            k.send(&mut self.tr, Dir::S2C, &m, d);
            let d = k.rtt_to(Dir::S2C) + 40 * MS;
            k.ack(&mut self.tr, Dir::C2S, d);
        }
        k.close(&mut self.tr, Dir::C2S, SEC);
    }

    fn background_dns(&mut self) {
        let t = self.start();
        let c = self.pick_ws();
        let names: [(&str, Option<[u8; 4]>); 6] = [
            ("time.windows.com", Some([168, 61, 215, 74])),
            ("settings-win.data.microsoft.com", Some([20, 42, 65, 92])),
            ("ctldl.windowsupdate.com", Some([93, 184, 221, 240])),
            ("wpad.wateru.local", None),
            ("fileserver.wateru.local", Some([10, 10, 1, 30])),
            ("_ldap._tcp.dc._msdcs.wateru.local", None),
        ];
        let (name, a) = names[self.rng.gen_range(0..names.len())];
        match a {
            Some(a) => {
                let ans = [(name.to_string(), 300, dns::Rdata::A(a))];
                self.lookup(
                    t,
                    &c,
                    name,
                    dns::TYPE_A,
                    Some(&ans),
                    !name.ends_with(".local"),
                );
            }
            None => {
                self.lookup(t, &c, name, dns::TYPE_A, None, false);
            }
        }
    }

    fn ntp(&mut self) {
        let dns = self.site.dns;
        let pools = [[162, 159, 200, 1], [194, 58, 204, 20], [131, 188, 3, 222]];
        for (i, p) in pools.iter().enumerate() {
            let peer = Host::inet(*p, 12, 20 + 10 * i as u32, true);
            let mut t = (i as u64 + 1) * 3 * SEC;
            while t < self.dur {
                let sport = 123;
                let q = crate::proto::ntp(false, EPOCH.0 + t, 0);
                self.tr.flows += 1;
                self.udp(t, &dns, &peer, false, (sport, 123), &q);
                let rt = t + peer.rtt_us as u64 * 1000;
                let r = crate::proto::ntp(true, EPOCH.0 + rt, crate::proto::ntp_ts(EPOCH.0 + t));
                self.udp(rt, &peer, &dns, false, (123, sport), &r);
                t += 64 * SEC;
            }
        }
    }

    /// The HMI polls every PLC over one long-lived connection; the historian
    /// polls too, less often. A few operator setpoint writes come from the HMI.
    fn modbus_polling(&mut self) {
        let plcs = self.site.plcs.clone();
        for (who, period, fc4) in [
            (self.site.hmi, 2 * SEC, false),
            (self.site.historian, 10 * SEC, true),
        ] {
            for (pi, plc) in plcs.iter().enumerate() {
                let mut k = self.tcp(&who, plc, 502, false, 50 * MS * (pi as u64 + 1));
                k.open(&mut self.tr, 0);
                let unit = 1u8;
                let mut tid: u16 = self.rng.r#gen();
                let mut t = k.t + 100 * MS;
                let mut writes = if fc4 { 0 } else { 1 + pi % 2 };
                while t + SEC < self.dur {
                    tid = tid.wrapping_add(1);
                    let operator_write = writes > 0 && self.rng.gen_bool(0.004);
                    let (req, resp) = if operator_write {
                        writes -= 1;
                        let v = self.rng.gen_range(400..600);
                        let w = modbus::write_single(tid, unit, 40, v);
                        (w.clone(), w)
                    } else if fc4 {
                        let vals: Vec<u16> = (0..20).map(|_| self.rng.gen_range(0..4000)).collect();
                        (
                            modbus::read_input(tid, unit, 0, 20),
                            modbus::read_input_resp(tid, unit, &vals),
                        )
                    } else {
                        let vals: Vec<u16> = (0..10).map(|_| self.rng.gen_range(0..1000)).collect();
                        (
                            modbus::read_holding(tid, unit, 0, 10),
                            modbus::read_holding_resp(tid, unit, &vals),
                        )
                    };
                    let jitter = self.rng.gen_range(0..4000) * 1000;
                    k.send(
                        &mut self.tr,
                        Dir::C2S,
                        &req,
                        (t + jitter).saturating_sub(k.t),
                    );
                    let d = k.rtt_to(Dir::C2S) + self.rng.gen_range(2000..9000) * 1000;
                    k.send(&mut self.tr, Dir::S2C, &resp, d);
                    // Windows delayed ACK: 200 ms unless the next poll comes first.
                    if period > 200 * MS {
                        k.ack(&mut self.tr, Dir::C2S, 200 * MS);
                    }
                    t += period;
                }
                k.close(&mut self.tr, Dir::C2S, 300 * MS);
            }
        }
    }

    // ----- attacks ---------------------------------------------------------

    fn at(&self, frac: f64) -> u64 {
        (self.dur as f64 * frac) as u64
    }

    fn paced(&self, ns: u64) -> u64 {
        ((ns as f64 * self.pace) as u64).max(MS)
    }

    #[allow(clippy::too_many_arguments)] // one label's fields
    fn label(
        &mut self,
        from: usize,
        flows0: u64,
        kind: &str,
        technique: &str,
        attacker: &Host,
        victims: Vec<String>,
        description: String,
    ) {
        let (lo, hi) = self.tr.span_since(from);
        self.labels.push(Label {
            id: String::new(),
            kind: kind.into(),
            technique: technique.into(),
            attacker: attacker.ip(),
            victims,
            start: Timestamp(EPOCH.0 + lo).to_string(),
            end: Timestamp(EPOCH.0 + hi).to_string(),
            flows: self.tr.flows - flows0,
            packets: self.tr.packets() - from as u64,
            description,
        });
    }

    fn mark(&self) -> (usize, u64) {
        (self.tr.packets() as usize, self.tr.flows)
    }

    fn attacks(&mut self) {
        let ws57 = self.site.ws(57);
        self.beaconing(ws57);
        self.port_scan(ws57);
        self.host_sweep(ws57);
        self.modbus_write(ws57);
        self.ssh_brute_force();
        let ws31 = self.site.ws(31);
        self.dns_tunnel(ws31);
        self.exfiltration();
        self.syn_flood();
    }

    fn raw_tcp(&mut self, t: u64, a: &Host, b: &Host, hdr: &TcpHdr<'_>, ttl: Option<u8>) {
        let mut p = path(a, b);
        if let Some(ttl) = ttl {
            p.ttl = ttl;
        }
        let l3 = p.l3(ips(a, b, false), self.rng.r#gen(), ttl.is_none());
        self.tr.push(t, |buf| wire::tcp(buf, &l3, hdr, &[]));
    }

    /// nmap-style SYN scan of the top ports of the intranet web server.
    fn port_scan(&mut self, scanner: Host) {
        let (from, f0) = self.mark();
        let victim = self.site.web;
        let open = [22u16, 80, 443];
        let mut ports: Vec<u16> = vec![
            21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 502, 993, 995, 1433, 1723,
            3306, 3389, 5900, 8080, 8443, 102, 20000, 44818, 47808,
        ];
        while ports.len() < 1000 {
            let p = self.rng.gen_range(1..10_000);
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        // nmap shuffles the port order.
        for i in (1..ports.len()).rev() {
            let j = self.rng.gen_range(0..=i);
            ports.swap(i, j);
        }
        let mut t = self.at(0.15);
        let sport = self.rng.gen_range(40_000..60_000);
        let mss = 1460u16.to_be_bytes();
        let opts = [2, 4, mss[0], mss[1]];
        for &port in &ports {
            let seq: u32 = self.rng.r#gen();
            self.tr.flows += 1;
            let syn = TcpHdr {
                sport,
                dport: port,
                seq,
                ack: 0,
                flags: SYN,
                win: 1024,
                opts: &opts,
            };
            let ttl = self.rng.gen_range(37..60);
            self.raw_tcp(t, &scanner, &victim, &syn, Some(ttl));
            let rt = t + self.rng.gen_range(120..400) * 1000;
            if open.contains(&port) {
                let isn: u32 = self.rng.r#gen();
                let sa_opts = [2, 4, mss[0], mss[1]];
                let sa = TcpHdr {
                    sport: port,
                    dport: sport,
                    seq: isn,
                    ack: seq.wrapping_add(1),
                    flags: SYN | ACK,
                    win: 64_240,
                    opts: &sa_opts,
                };
                self.raw_tcp(rt, &victim, &scanner, &sa, None);
                let rst = TcpHdr {
                    sport,
                    dport: port,
                    seq: seq.wrapping_add(1),
                    ack: 0,
                    flags: RST,
                    win: 0,
                    opts: &[],
                };
                let ttl = self.rng.gen_range(37..60);
                self.raw_tcp(rt + 60_000, &scanner, &victim, &rst, Some(ttl));
            } else {
                let rst = TcpHdr {
                    sport: port,
                    dport: sport,
                    seq: 0,
                    ack: seq.wrapping_add(1),
                    flags: RST | ACK,
                    win: 0,
                    opts: &[],
                };
                self.raw_tcp(rt, &victim, &scanner, &rst, None);
            }
            t += self.rng.gen_range(300..2500) * 1000;
        }
        let desc = format!(
            "SYN scan of {} TCP ports on the intranet web server; ports {:?} answer SYN-ACK, the rest RST",
            ports.len(),
            open
        );
        self.label(
            from,
            f0,
            "port_scan",
            "T1046",
            &scanner,
            vec![victim.ip()],
            desc,
        );
    }

    /// ICMP echo sweep of the OT subnet.
    fn host_sweep(&mut self, scanner: Host) {
        let (from, f0) = self.mark();
        let mut live: Vec<Host> = self.site.plcs.clone();
        live.push(self.site.historian);
        live.push(self.site.ot_gw);
        let mut t = self.at(0.22);
        let payload = b"abcdefghijklmnopqrstuvwabcdefghi";
        for (seq, last) in (1u8..=254).enumerate() {
            let target = live
                .iter()
                .copied()
                .find(|h| h.v4[3] == last)
                .unwrap_or(Host::lan([10, 20, 0, last], PLC_OUI, false));
            let mut body = vec![8, 0, 0, 0, 0, 1];
            body.extend_from_slice(&((seq as u16) + 1).to_be_bytes());
            body.extend_from_slice(payload);
            self.tr.flows += 1;
            let l3 =
                path(&scanner, &target).l3(ips(&scanner, &target, false), self.rng.r#gen(), false);
            self.tr.push(t, |b| wire::icmp(b, &l3, &body));
            if live.iter().any(|h| h.v4[3] == last) {
                body[0] = 0;
                let l3 = path(&target, &scanner).l3(
                    ips(&target, &scanner, false),
                    self.rng.r#gen(),
                    false,
                );
                let rt = t + self.rng.gen_range(300..1500) * 1000;
                self.tr.push(rt, |b| wire::icmp(b, &l3, &body));
            }
            t += self.rng.gen_range(8..25) * MS;
        }
        self.label(
            from,
            f0,
            "host_sweep",
            "T1018",
            &scanner,
            vec!["10.20.0.0/24".into()],
            "ICMP echo sweep of all 254 addresses of the OT network from an office workstation; 6 hosts answer".into(),
        );
    }

    /// A workstation that is not the HMI writes setpoints to a PLC.
    fn modbus_write(&mut self, attacker: Host) {
        let (from, f0) = self.mark();
        let plc = self.site.plcs[1];
        let mut k = self.tcp(&attacker, &plc, 502, false, self.at(0.30));
        k.open(&mut self.tr, 0);
        let mut tid = 1u16;
        let unit = 1;
        let read = modbus::read_holding(tid, unit, 0, 50);
        k.send(&mut self.tr, Dir::C2S, &read, 20 * MS);
        let vals: Vec<u16> = (0..50).map(|_| self.rng.gen_range(0..1000)).collect();
        let d = k.rtt_to(Dir::C2S) + 4 * MS;
        k.send(
            &mut self.tr,
            Dir::S2C,
            &modbus::read_holding_resp(tid, unit, &vals),
            d,
        );
        let mut writes6 = 0;
        let mut writes16 = 0;
        for i in 0..5 {
            tid += 1;
            let (req, resp) = if i % 2 == 0 {
                writes6 += 1;
                let w = modbus::write_single(tid, unit, 40 + i, 9999);
                (w.clone(), w)
            } else {
                writes16 += 1;
                let v = [0u16, 0, 0, 65_535];
                (
                    modbus::write_multiple(tid, unit, 100, &v),
                    modbus::write_multiple_resp(tid, unit, 100, 4),
                )
            };
            let r = self.rng.gen_range(800..2500) * MS;
            let d = self.paced(r);
            k.send(&mut self.tr, Dir::C2S, &req, d);
            let d = k.rtt_to(Dir::C2S) + self.rng.gen_range(2..8) * MS;
            k.send(&mut self.tr, Dir::S2C, &resp, d);
        }
        k.close(&mut self.tr, Dir::C2S, 500 * MS);
        let desc = format!(
            "Modbus/TCP writes to PLC {} from an office workstation (not the HMI): {writes6} write-single-register (6) and {writes16} write-multiple-registers (16)",
            plc.ip()
        );
        self.label(
            from,
            f0,
            "modbus_unauthorised_write",
            "T0855",
            &attacker,
            vec![plc.ip()],
            desc,
        );
    }

    fn ssh_brute_force(&mut self) {
        let (from, f0) = self.mark();
        let attacker = Host::inet([203, 0, 113, 45], 17, 140, true);
        let victim = self.site.files;
        let mut t = self.at(0.40);
        let n = 40;
        for _ in 0..n {
            let mut k = self.tcp(&attacker, &victim, 22, false, t);
            k.open(&mut self.tr, 0);
            self.ssh_start(&mut k, "SSH-2.0-libssh_0.9.6\r\n");
            let m = ssh::encrypted(&mut self.rng, 24);
            let d = k.rtt_to(Dir::S2C) + 200_000;
            k.send(&mut self.tr, Dir::C2S, &m, d);
            let m = ssh::encrypted(&mut self.rng, 24);
            let d = k.rtt_to(Dir::C2S) + 300_000;
            k.send(&mut self.tr, Dir::S2C, &m, d);
            for _ in 0..self.rng.gen_range(1..4) {
                let m = ssh::encrypted(&mut self.rng, 80);
                let d = k.rtt_to(Dir::S2C) + 200_000;
                k.send(&mut self.tr, Dir::C2S, &m, d);
                let m = ssh::encrypted(&mut self.rng, 40);
                // sshd's failed-password delay.
                let d = k.rtt_to(Dir::C2S) + self.rng.gen_range(1500..2500) * MS;
                k.send(&mut self.tr, Dir::S2C, &m, d);
            }
            k.close(&mut self.tr, Dir::C2S, 10 * MS);
            // Several connections in parallel, as hydra-style tools run them.
            let r = self.rng.gen_range(500..2500) * MS;
            t += self.paced(r);
        }
        let desc = format!(
            "{n} overlapping SSH connections from one internet host to the file server, each failing 1-3 password attempts"
        );
        self.label(
            from,
            f0,
            "ssh_brute_force",
            "T1110.001",
            &attacker,
            vec![victim.ip()],
            desc,
        );
    }

    fn beaconing(&mut self, infected: Host) {
        let (from, f0) = self.mark();
        let c2 = Host::inet([203, 0, 113, 80], 16, 95, true);
        let name = "cdn-telemetry-update.net";
        let period = self.paced(30 * SEC);
        let mut t = self.at(0.03);
        let end = self.at(0.95);
        let mut n = 0;
        while t < end || n < 8 {
            let t0 = if n == 0 {
                self.lookup_site(t, &infected, name, c2.v4, None) + 300_000
            } else {
                t
            };
            let req = self.rng.gen_range(180..260);
            let resp = self.rng.gen_range(60..140);
            self.https(t0, &infected, &c2, name, false, req, resp, false);
            n += 1;
            let jitter = self.rng.gen_range(0.9..1.1);
            t += (period as f64 * jitter) as u64;
        }
        let desc = format!(
            "{n} HTTPS check-ins to {name} every ~30 s (±10% jitter), small requests and replies"
        );
        self.label(
            from,
            f0,
            "beaconing",
            "T1071.001",
            &infected,
            vec![c2.ip()],
            desc,
        );
    }

    fn dns_tunnel(&mut self, client: Host) {
        let (from, f0) = self.mark();
        let base = "t.cloudsync-metrics.net";
        let mut t = self.at(0.55);
        const B32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let n = 300;
        for i in 0..n {
            let l1: String = (0..63)
                .map(|_| B32[self.rng.gen_range(0..32)] as char)
                .collect();
            let l2: String = (0..self.rng.gen_range(20..50))
                .map(|_| B32[self.rng.gen_range(0..32)] as char)
                .collect();
            let name = format!("{l1}.{l2}.{i:04x}.{base}");
            let txt: Vec<u8> = (0..self.rng.gen_range(80..200))
                .map(|_| B64[self.rng.gen_range(0..64)])
                .collect();
            let ans = [(name.clone(), 0, dns::Rdata::Txt(vec![txt]))];
            let end = self.lookup(t, &client, &name, dns::TYPE_TXT, Some(&ans), true);
            let r = self.rng.gen_range(50..250) * MS;
            t = end + self.paced(r);
        }
        let desc = format!(
            "{n} TXT queries with 63-character base32 labels under {base}, answered with base64 TXT records"
        );
        let resolver = self.site.dns.ip();
        self.label(
            from,
            f0,
            "dns_tunnel",
            "T1071.004",
            &client,
            vec![resolver],
            desc,
        );
    }

    fn exfiltration(&mut self) {
        let (from, f0) = self.mark();
        let src = self.site.files;
        let dst = Host::inet([198, 51, 100, 23], 15, 60, true);
        let name = "upload.storage-drop.io";
        let t = self.lookup_site(self.at(0.70), &src, name, dst.v4, None);
        let size = 2_000_000;
        let mut k = self.tcp(&src, &dst, 443, false, t + 200_000);
        k.open(&mut self.tr, 0);
        let sid: [u8; 32] = self.rng.r#gen();
        let ch = tls::client_hello(&mut self.rng, name, &["http/1.1"], true, &sid);
        k.send(&mut self.tr, Dir::C2S, &ch, 20_000);
        let sf = tls::server_flight(&mut self.rng, true, &sid, None, 4100);
        let d = k.rtt_to(Dir::C2S) + MS;
        k.send(&mut self.tr, Dir::S2C, &sf, d);
        let mut up = tls::client_finished(&mut self.rng, true);
        tls::app_data(&mut self.rng, size, &mut up);
        let d = k.rtt_to(Dir::S2C) + 500_000;
        k.send(&mut self.tr, Dir::C2S, &up, d);
        let mut resp = Vec::new();
        tls::app_data(&mut self.rng, 180, &mut resp);
        let d = k.rtt_to(Dir::C2S) + 30 * MS;
        k.send(&mut self.tr, Dir::S2C, &resp, d);
        k.close(&mut self.tr, Dir::C2S, 50 * MS);
        let desc = format!(
            "{:.1} MB uploaded over TLS from the file server to {name}, an external host never contacted before",
            size as f64 / 1e6
        );
        self.label(
            from,
            f0,
            "exfiltration",
            "T1048.002",
            &src,
            vec![dst.ip()],
            desc,
        );
    }

    fn syn_flood(&mut self) {
        let (from, f0) = self.mark();
        let attacker = Host::inet([203, 0, 113, 66], 18, 150, true);
        let victim = self.site.web;
        let mut t = self.at(0.85);
        let n = 3000;
        for _ in 0..n {
            let sport = self.rng.gen_range(1024..65535);
            let seq: u32 = self.rng.r#gen();
            self.tr.flows += 1;
            let syn = TcpHdr {
                sport,
                dport: 80,
                seq,
                ack: 0,
                flags: SYN,
                win: 512,
                opts: &[],
            };
            self.raw_tcp(t, &attacker, &victim, &syn, None);
            // SYN cookies: the server answers every SYN and keeps no state.
            let isn: u32 = self.rng.r#gen();
            let m = 1460u16.to_be_bytes();
            let o = [2, 4, m[0], m[1]];
            let sa = TcpHdr {
                sport: 80,
                dport: sport,
                seq: isn,
                ack: seq.wrapping_add(1),
                flags: SYN | ACK,
                win: 64_240,
                opts: &o,
            };
            self.raw_tcp(t + 40_000, &victim, &attacker, &sa, None);
            t += self.rng.gen_range(200..800) * 1000;
        }
        let desc = format!(
            "{n} SYNs in about 1.5 s from one source to the intranet web server's port 80, never completing the handshake"
        );
        self.label(
            from,
            f0,
            "syn_flood",
            "T1499.001",
            &attacker,
            vec![victim.ip()],
            desc,
        );
    }
}
