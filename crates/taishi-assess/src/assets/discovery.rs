//! Passive discovery: what the traffic says about the internal hosts.
//!
//! [`Discovery`] is an [`Observer`] of the EVE records the pipeline writes.
//! It learns hosts, services, software, MACs, OS hints and industrial roles
//! of *internal* addresses (the `internal_networks` setting, private space
//! by default: the internet hosts a workstation browses are not assets),
//! and writes an `asset` record for each new thing it learns
//! (docs/events.md, `asset`).
//!
//! What counts as evidence (docs/assets.md has the table):
//! - a flow teaches hosts only when it was answered (`pkts_toclient` > 0),
//!   and for TCP the client only when it acknowledged (its flags carry
//!   ACK): a scan's target that never answered, or a spoofed SYN flood's
//!   sources, are not assets;
//! - a TCP service is the server side of a flow whose server sent SYN
//!   (it accepted the connection: a listening port, even if the client then
//!   reset), or of a flow picked up midstream with an answer; a UDP service
//!   the server side of an answered flow;
//! - protocol records (`ssh`, `http`, `tls`, `smb`, `rdp`, `ftp`, `smtp`,
//!   and the industrial `modbus`, `dnp3`, `s7comm`, `iec104`) come from
//!   sessions that spoke the protocol: both ends are hosts, the server side
//!   offers the service, banners and headers name software and OS.
//!
//! Memory is bounded by host, service and software caps; what does not fit
//! is counted in [`DiscoveryStats`], never silently dropped.

use std::net::IpAddr;

use serde_json::{Map, Value, json};
use taishi_core::Timestamp;
use taishi_core::domain::{Asset, AssetOrigin, Service, Software};
use taishi_detect::behaviour::common::HashMap;
use taishi_detect::behaviour::{ConfigError, Internal};
use taishi_detect::observe::{Observer, Record};

use super::import::{normalise_mac_in, split_product_version};

/// Hosts tracked by default. A /16 of internal hosts; at a few hundred
/// bytes each this stays in tens of MiB.
pub const MAX_HOSTS: usize = 65_536;

/// Services tracked by default, over all hosts: four per host of a full
/// host table. A port scan of internal hosts that answer adds only the ports
/// really open, but a host with thousands of open ports (a honeypot, a
/// misconfigured firewall answering everything) must not take the memory of
/// the rest.
pub const MAX_SERVICES: usize = 262_144;

/// Services kept per host: past this a host answering every port is
/// recorded by its first ones.
pub const MAX_SERVICES_PER_HOST: usize = 1_024;

/// Software entries tracked by default, over all hosts.
pub const MAX_SOFTWARE: usize = 131_072;

/// Software entries kept per host (clients announce a new user agent with
/// every browser update; 32 is enough history to read).
pub const MAX_SOFTWARE_PER_HOST: usize = 32;

/// MAC addresses kept per host.
pub const MAX_MACS_PER_HOST: usize = 8;

/// A MAC seen for more than this many internal addresses is a router's
/// (every routed host shows the router's MAC): it is not attached to hosts.
pub const MAX_HOSTS_PER_MAC: u32 = 4;

/// Bounds and the meaning of "internal" (`discovery:` in the YAML
/// configuration; every key optional).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscoveryConfig {
    /// Networks whose hosts are assets (addresses or CIDRs); empty means
    /// RFC 1918 / RFC 4193 / link-local / loopback.
    pub internal_networks: Vec<String>,
    /// Hosts tracked at most.
    pub max_hosts: usize,
    /// Services tracked at most (all hosts).
    pub max_services: usize,
    /// Software entries tracked at most (all hosts).
    pub max_software: usize,
    /// Whether to write `asset` records for what is new.
    pub emit_events: bool,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            internal_networks: Vec::new(),
            max_hosts: MAX_HOSTS,
            max_services: MAX_SERVICES,
            max_software: MAX_SOFTWARE,
            emit_events: true,
        }
    }
}

/// What discovery saw and kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DiscoveryStats {
    /// Records handed in.
    pub records: u64,
    /// Records of a type discovery reads whose addresses or time could not
    /// be read (skipped).
    pub unreadable: u64,
    /// Hosts held.
    pub hosts: u64,
    /// Services held.
    pub services: u64,
    /// Software entries held.
    pub software: u64,
    /// New hosts not kept because `max_hosts` was reached.
    pub hosts_dropped: u64,
    /// New services not kept (`max_services` or the per-host cap).
    pub services_dropped: u64,
    /// New software entries not kept (`max_software` or the per-host cap).
    pub software_dropped: u64,
    /// `asset` records written.
    pub events: u64,
}

#[derive(Clone, Debug, Default)]
struct Host {
    first: u64,
    last: u64,
    name: Option<String>,
    macs: Vec<String>,
    services: Vec<Service>,
    software: Vec<Software>,
    os_hint: Option<String>,
    ics_role: Option<String>,
}

/// Passive asset discovery; see the module documentation.
pub struct Discovery {
    cfg: DiscoveryConfig,
    internal: Internal,
    hosts: HashMap<IpAddr, Host>,
    /// Distinct hosts each MAC was attached to (bounded by `max_hosts`).
    mac_hosts: HashMap<String, u32>,
    services: usize,
    software: usize,
    stats: DiscoveryStats,
}

/// The record being read: its header and where new things go.
struct Ctx<'a> {
    rec: &'a Record<'a>,
    out: &'a mut Vec<Value>,
    time: u64,
}

impl Discovery {
    /// Discovery with these settings; refuses a bad `internal_networks`.
    pub fn new(cfg: DiscoveryConfig) -> Result<Discovery, ConfigError> {
        let internal = Internal::new(&cfg.internal_networks)?;
        Ok(Discovery {
            cfg,
            internal,
            hosts: HashMap::default(),
            mac_hosts: HashMap::default(),
            services: 0,
            software: 0,
            stats: DiscoveryStats::default(),
        })
    }

    /// What was seen and kept so far.
    pub fn stats(&self) -> DiscoveryStats {
        DiscoveryStats {
            hosts: self.hosts.len() as u64,
            services: self.services as u64,
            software: self.software as u64,
            ..self.stats.clone()
        }
    }

    /// What was learnt, one record per host (origin `Discovered`,
    /// criticality 2), in address order.
    pub fn assets(&self) -> Vec<Asset> {
        let mut ips: Vec<&IpAddr> = self.hosts.keys().collect();
        ips.sort();
        ips.into_iter()
            .filter_map(|ip| self.hosts.get(ip).map(|h| (ip, h)))
            .map(|(ip, h)| {
                let mut services = h.services.clone();
                services.sort_by(|a, b| (a.port, &a.transport).cmp(&(b.port, &b.transport)));
                Asset {
                    address: ip.to_string(),
                    name: h.name.clone().unwrap_or_default(),
                    criticality: 2,
                    origin: AssetOrigin::Discovered,
                    macs: h.macs.clone(),
                    services,
                    software: h.software.clone(),
                    os_hint: h.os_hint.clone(),
                    ics_role: h.ics_role.clone(),
                    first_seen: h.first,
                    last_seen: h.last,
                    ..Asset::default()
                }
            })
            .collect()
    }

    fn emit(
        &mut self,
        cx: &mut Ctx<'_>,
        ip: IpAddr,
        body: Map<String, Value>,
        svc: Option<&Service>,
    ) {
        if !self.cfg.emit_events {
            return;
        }
        let mut rec = Map::new();
        rec.insert("timestamp".into(), json!(Timestamp(cx.time).to_string()));
        if let Some(id) = cx.rec.u64_at(&["flow_id"]) {
            rec.insert("flow_id".into(), json!(id));
        }
        rec.insert("event_type".into(), json!("asset"));
        // `src_ip` as every EVE record writes it (IPv6 in full groups), so
        // the asset record joins the flows and alerts of its host;
        // `asset.ip` keeps the registry's spelling.
        rec.insert(
            "src_ip".into(),
            json!(taishi_core::event::EveIp(ip).to_string()),
        );
        if let Some(s) = svc {
            rec.insert("src_port".into(), json!(s.port));
            rec.insert("proto".into(), json!(s.transport));
            if let Some(a) = &s.app_proto {
                rec.insert("app_proto".into(), json!(a));
            }
        }
        let mut asset = Map::new();
        asset.insert("ip".into(), json!(ip.to_string()));
        if let Some(et) = cx.rec.event_type() {
            asset.insert("source".into(), json!(et));
        }
        asset.extend(body);
        rec.insert("asset".into(), Value::Object(asset));
        cx.out.push(Value::Object(rec));
        self.stats.events += 1;
    }

    /// The host record of an internal address, created (and announced)
    /// when new; `None` for external addresses and when the table is full.
    fn host(&mut self, cx: &mut Ctx<'_>, ip: IpAddr, first: u64, last: u64) -> bool {
        // Group and broadcast addresses are not hosts (mDNS, SSDP, DHCP).
        let group = match ip {
            IpAddr::V4(v4) => v4.is_multicast() || v4.is_broadcast() || v4.is_unspecified(),
            IpAddr::V6(v6) => v6.is_multicast() || v6.is_unspecified(),
        };
        if group || !self.internal.contains(&ip) {
            return false;
        }
        if let Some(h) = self.hosts.get_mut(&ip) {
            if first < h.first {
                h.first = first;
            }
            if last > h.last {
                h.last = last;
            }
            return true;
        }
        if self.hosts.len() >= self.cfg.max_hosts {
            self.stats.hosts_dropped += 1;
            return false;
        }
        self.hosts.insert(
            ip,
            Host {
                first,
                last,
                ..Host::default()
            },
        );
        let mut body = Map::new();
        body.insert("type".into(), json!("host"));
        body.insert("first_seen".into(), json!(Timestamp(first).to_string()));
        self.emit(cx, ip, body, None);
        true
    }

    /// Adds (or completes) a service of a known host.
    fn service(&mut self, cx: &mut Ctx<'_>, ip: IpAddr, seen: Seen<'_>) {
        let Seen {
            port,
            transport,
            app_proto,
            software,
            first,
            last,
        } = seen;
        let app_proto = app_proto.filter(|a| !matches!(*a, "failed" | "unknown" | ""));
        let Some(h) = self.hosts.get_mut(&ip) else {
            return;
        };
        let changed = if let Some(s) = h
            .services
            .iter_mut()
            .find(|s| s.port == port && s.transport == transport)
        {
            s.first_seen = s.first_seen.min(first);
            s.last_seen = s.last_seen.max(last);
            let mut changed = false;
            if s.app_proto.is_none() && app_proto.is_some() {
                s.app_proto = app_proto.map(str::to_string);
                changed = true;
            }
            if s.software.is_none() && software.is_some() {
                s.software = software.map(str::to_string);
                changed = true;
            }
            changed.then(|| s.clone())
        } else if self.services >= self.cfg.max_services
            || h.services.len() >= MAX_SERVICES_PER_HOST
        {
            self.stats.services_dropped += 1;
            None
        } else {
            let s = Service {
                port,
                transport: transport.to_string(),
                app_proto: app_proto.map(str::to_string),
                software: software.map(str::to_string),
                first_seen: first,
                last_seen: last,
            };
            h.services.push(s.clone());
            self.services += 1;
            Some(s)
        };
        if let Some(s) = changed {
            let mut body = Map::new();
            body.insert("type".into(), json!("service"));
            let mut so = Map::new();
            so.insert("port".into(), json!(s.port));
            so.insert("transport".into(), json!(s.transport));
            if let Some(a) = &s.app_proto {
                so.insert("app_proto".into(), json!(a));
            }
            if let Some(sw) = &s.software {
                so.insert("software".into(), json!(sw));
            }
            body.insert("service".into(), Value::Object(so));
            self.emit(cx, ip, body, Some(&s));
        }
    }

    fn software(
        &mut self,
        cx: &mut Ctx<'_>,
        ip: IpAddr,
        product: String,
        version: Option<String>,
        source: &str,
    ) {
        if product.is_empty() {
            return;
        }
        let Some(h) = self.hosts.get_mut(&ip) else {
            return;
        };
        if h.software
            .iter()
            .any(|s| s.product.eq_ignore_ascii_case(&product) && s.version == version)
        {
            return;
        }
        if self.software >= self.cfg.max_software || h.software.len() >= MAX_SOFTWARE_PER_HOST {
            self.stats.software_dropped += 1;
            return;
        }
        let sw = Software {
            product,
            version,
            source: source.to_string(),
        };
        h.software.push(sw.clone());
        self.software += 1;
        let mut body = Map::new();
        body.insert("type".into(), json!("software"));
        body.insert(
            "software".into(),
            serde_json::to_value(&sw).unwrap_or(Value::Null),
        );
        self.emit(cx, ip, body, None);
    }

    fn os_hint(&mut self, cx: &mut Ctx<'_>, ip: IpAddr, hint: Option<String>) {
        let Some(hint) = hint else { return };
        let Some(h) = self.hosts.get_mut(&ip) else {
            return;
        };
        // A more specific hint (`Linux (Ubuntu)` after `Linux`) replaces a
        // vaguer one; a different one does not flip-flop the record.
        let better = match &h.os_hint {
            None => true,
            Some(old) => hint.len() > old.len() && hint.starts_with(old.as_str()),
        };
        if !better {
            return;
        }
        h.os_hint = Some(hint.clone());
        let mut body = Map::new();
        body.insert("type".into(), json!("os"));
        body.insert("os_hint".into(), json!(hint));
        self.emit(cx, ip, body, None);
    }

    fn ics_role(&mut self, cx: &mut Ctx<'_>, ip: IpAddr, role: &str, proto: &str) {
        let Some(h) = self.hosts.get_mut(&ip) else {
            return;
        };
        // The first role seen stays: a PLC that also polls its peers is
        // still known as the outstation its HMI talks to.
        if h.ics_role.is_some() {
            return;
        }
        h.ics_role = Some(role.to_string());
        let mut body = Map::new();
        body.insert("type".into(), json!("ics_role"));
        body.insert("ics_role".into(), json!(role));
        body.insert("protocol".into(), json!(proto));
        self.emit(cx, ip, body, None);
    }

    fn mac(&mut self, cx: &mut Ctx<'_>, ip: IpAddr, mac: &str) {
        // Every record carries two MACs, nearly always known already:
        // normalised on the stack, a String only for a new one.
        let mut buf = [0u8; 17];
        let Some(mac) = normalise_mac_in(mac, &mut buf) else {
            return;
        };
        if mac == "ff:ff:ff:ff:ff:ff" || mac == "00:00:00:00:00:00" {
            return;
        }
        let Some(h) = self.hosts.get_mut(&ip) else {
            return;
        };
        if h.macs.iter().any(|m| m == mac) || h.macs.len() >= MAX_MACS_PER_HOST {
            return;
        }
        let mac = mac.to_string();
        let full = self.mac_hosts.len() >= self.cfg.max_hosts;
        let n = match self.mac_hosts.get_mut(&mac) {
            Some(n) => {
                *n += 1;
                *n
            }
            None if !full => {
                self.mac_hosts.insert(mac.clone(), 1);
                1
            }
            None => return,
        };
        if n > MAX_HOSTS_PER_MAC {
            // A router's MAC: take it off the hosts it was given to.
            if n == MAX_HOSTS_PER_MAC + 1 {
                for h in self.hosts.values_mut() {
                    h.macs.retain(|m| *m != mac);
                }
            }
            return;
        }
        h.macs.push(mac.clone());
        let mut body = Map::new();
        body.insert("type".into(), json!("mac"));
        body.insert("mac".into(), json!(mac));
        self.emit(cx, ip, body, None);
    }

    fn on_flow(&mut self, cx: &mut Ctx<'_>, hd: &Hdr<'_>) {
        let rec = cx.rec;
        let u = |k: &[&str]| rec.u64_at(k).unwrap_or(0);
        let t = |k: &[&str]| rec.time_at(k).map(|us| us * 1000);
        if u(&["flow", "pkts_toclient"]) == 0 {
            return;
        }
        let start = t(&["flow", "start"]).unwrap_or(cx.time);
        let end = t(&["flow", "end"]).unwrap_or(cx.time).max(start);
        let flags = |k: &str| {
            rec.str_at(&["tcp", k])
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .unwrap_or(0)
        };
        const SYN: u8 = 0x02;
        const ACK: u8 = 0x10;
        let tcp = hd.proto == "TCP";
        let (ts, tc) = (flags("tcp_flags_ts"), flags("tcp_flags_tc"));
        let client_ok = !tcp || ts & ACK != 0;
        let server_is_service = if tcp {
            // Accepted (SYN-ACK), or a midstream session that answered.
            tc & SYN != 0 || (ts & SYN == 0 && u(&["flow", "bytes_toclient"]) > 0)
        } else {
            hd.proto == "UDP" || hd.proto == "SCTP"
        };
        let server = self.host(cx, hd.dst, start, end);
        if client_ok {
            self.host(cx, hd.src, start, end);
        }
        if server && server_is_service && hd.dport != 0 {
            let seen = Seen {
                port: hd.dport,
                transport: hd.proto,
                app_proto: hd.app_proto,
                software: None,
                first: start,
                last: end,
            };
            self.service(cx, hd.dst, seen);
        }
        self.macs(cx, hd);
    }

    fn macs(&mut self, cx: &mut Ctx<'_>, hd: &Hdr<'_>) {
        // The record outlives `cx`'s borrow: its strings are read in place.
        let rec = cx.rec;
        let Some(ether) = rec.at(&["ether"]) else {
            return;
        };
        // Suricata writes `src_mac`/`dest_mac` on most records and
        // `src_macs`/`dest_macs` lists on flow records.
        let macs = |one: &str, many: &str| {
            let list = ether.get(many).and_then(Value::as_array);
            ether
                .get(one)
                .and_then(Value::as_str)
                .into_iter()
                .chain(list.into_iter().flatten().filter_map(Value::as_str))
        };
        for m in macs("src_mac", "src_macs") {
            self.mac(cx, hd.src, m);
        }
        for m in macs("dest_mac", "dest_macs") {
            self.mac(cx, hd.dst, m);
        }
    }

    fn on_protocol(&mut self, cx: &mut Ctx<'_>, hd: &Hdr<'_>, event_type: &str) {
        let rec = cx.rec;
        let time = cx.time;
        let (client, server, sport) = match server_side(event_type, hd) {
            Side::Dest => (hd.src, hd.dst, hd.dport),
            Side::Src => (hd.dst, hd.src, hd.sport),
        };
        let have_client = self.host(cx, client, time, time);
        let have_server = self.host(cx, server, time, time);
        let s = |k: &[&str]| rec.str_at(k);
        let mut svc_software = None;
        match event_type {
            "ssh" => {
                if let Some(v) = s(&["ssh", "client", "software_version"]) {
                    let (p, ver) = ssh_software(v);
                    self.software(cx, client, p, ver, "ssh client banner");
                    self.os_hint(cx, client, os_from_text(v));
                }
                if let Some(v) = s(&["ssh", "server", "software_version"]) {
                    let (p, ver) = ssh_software(v);
                    self.software(cx, server, p, ver, "ssh banner");
                    self.os_hint(cx, server, os_from_text(v));
                    svc_software = Some(v);
                }
            }
            "http" => {
                let server_hdr = header(rec, "response_headers", "server");
                if let Some(v) = server_hdr {
                    let first = v.split_whitespace().next().unwrap_or(v);
                    let (p, ver) = split_product_version(first);
                    self.software(cx, server, p, ver, "http server");
                    self.os_hint(cx, server, os_from_text(v));
                    svc_software = Some(v);
                }
                let ua = s(&["http", "http_user_agent"]).or(header(
                    rec,
                    "request_headers",
                    "user-agent",
                ));
                if let Some(ua) = ua {
                    self.os_hint(cx, client, os_from_user_agent(ua));
                    // Browsers all start `Mozilla/5.0`: the tools and
                    // agents that do not (curl, updaters, scripts) are the
                    // software worth listing.
                    if !ua.starts_with("Mozilla/") {
                        let first = ua.split_whitespace().next().unwrap_or(ua);
                        let (p, ver) = split_product_version(first);
                        self.software(cx, client, p, ver, "http user agent");
                    }
                }
            }
            "tls" => {
                if let Some(subj) = s(&["tls", "subject"]) {
                    svc_software = Some(subj);
                }
            }
            "smb" => {
                if let Some(v) = s(&["smb", "ntlmssp", "version"]) {
                    // NTLMSSP carries the client's Windows version
                    // (`6.1 build 7600`).
                    self.os_hint(cx, client, Some(format!("Windows (NT {v})")));
                }
                if let Some(n) = s(&["smb", "ntlmssp", "host"]).filter(|n| !n.is_empty())
                    && let Some(h) = self.hosts.get_mut(&client)
                {
                    h.name.get_or_insert_with(|| n.to_string());
                }
            }
            "modbus" | "dnp3" | "s7comm" | "iec104" => {
                if have_client {
                    self.ics_role(cx, client, "master", event_type);
                }
                if have_server {
                    self.ics_role(cx, server, "outstation", event_type);
                }
            }
            _ => {}
        }
        if have_server && sport != 0 {
            let app = hd.app_proto.or(Some(event_type));
            let seen = Seen {
                port: sport,
                transport: hd.proto,
                app_proto: app,
                software: svc_software,
                first: time,
                last: time,
            };
            self.service(cx, server, seen);
        }
        self.macs(cx, hd);
    }
}

/// A service as one record shows it.
struct Seen<'a> {
    port: u16,
    transport: &'a str,
    app_proto: Option<&'a str>,
    /// Borrowed from the record: copied only when the service takes it.
    software: Option<&'a str>,
    first: u64,
    last: u64,
}

/// The header fields discovery reads.
struct Hdr<'a> {
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    proto: &'a str,
    app_proto: Option<&'a str>,
}

enum Side {
    Src,
    Dest,
}

/// Well-known server ports of the industrial protocols.
fn ics_port(event_type: &str) -> Option<u16> {
    match event_type {
        "modbus" => Some(502),
        "dnp3" => Some(20000),
        "s7comm" => Some(102),
        "iec104" => Some(2404),
        _ => None,
    }
}

/// Which end of a protocol record is the server. Transaction records are
/// written in the flow's direction (src = client), except `iec104`, which
/// logs each APDU in its own direction: there the standard port decides.
fn server_side(event_type: &str, hd: &Hdr<'_>) -> Side {
    if let Some(p) = ics_port(event_type)
        && hd.sport == p
        && hd.dport != p
    {
        return Side::Src;
    }
    Side::Dest
}

fn header<'a>(rec: &'a Record<'_>, list: &str, name: &str) -> Option<&'a str> {
    rec.at(&["http", list])?
        .as_array()?
        .iter()
        .find(|h| {
            h.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })?
        .get("value")?
        .as_str()
}

/// `OpenSSH_9.2p1`, `libssh_0.9.6`, `OpenSSH_for_Windows_8.1`,
/// `dropbear_2019.78`, `Cisco-1.25` → product and version: the version
/// starts at the first digit that follows `_` or `-`.
fn ssh_software(v: &str) -> (String, Option<String>) {
    let v = v.split_whitespace().next().unwrap_or(v);
    let b = v.as_bytes();
    for i in 1..b.len() {
        let sep = b.get(i - 1).is_some_and(|c| *c == b'_' || *c == b'-');
        if sep && b.get(i).is_some_and(u8::is_ascii_digit) {
            let product = v.get(..i - 1).unwrap_or(v);
            let version = v.get(i..).unwrap_or("");
            return (product.to_string(), Some(version.to_string()));
        }
    }
    (v.to_string(), None)
}

/// OS hints from banners and Server headers.
fn os_from_text(v: &str) -> Option<String> {
    let l = v.to_ascii_lowercase();
    for (needle, os) in [
        ("ubuntu", "Linux (Ubuntu)"),
        ("debian", "Linux (Debian)"),
        ("raspbian", "Linux (Raspbian)"),
        ("centos", "Linux (CentOS)"),
        ("red hat", "Linux (Red Hat)"),
        ("rhel", "Linux (Red Hat)"),
        ("fedora", "Linux (Fedora)"),
        ("freebsd", "FreeBSD"),
        ("openbsd", "OpenBSD"),
        ("microsoft-iis", "Windows"),
        ("microsoft-httpapi", "Windows"),
        ("for_windows", "Windows"),
        ("(win32)", "Windows"),
        ("(win64)", "Windows"),
    ] {
        if l.contains(needle) {
            return Some(os.to_string());
        }
    }
    None
}

/// OS hints from a User-Agent.
fn os_from_user_agent(ua: &str) -> Option<String> {
    let l = ua.to_ascii_lowercase();
    let os = if l.contains("windows") || l.contains("microsoft-cryptoapi") {
        "Windows"
    } else if l.contains("android") {
        "Android"
    } else if l.contains("iphone") || l.contains("ipad") {
        "iOS"
    } else if l.contains("mac os x") || l.contains("macintosh") {
        "macOS"
    } else if l.contains("ubuntu") {
        "Linux (Ubuntu)"
    } else if l.contains("linux") || l.contains("x11") {
        "Linux"
    } else {
        return None;
    };
    Some(os.to_string())
}

impl Observer for Discovery {
    fn observe(&mut self, record: &Value, out: &mut Vec<Value>) {
        self.observe_record(&Record::json(record), out);
    }

    /// Reads the record in place: most records are flows and protocol
    /// events of the pipeline, whose JSON tree would cost more than
    /// discovery itself.
    fn observe_record(&mut self, record: &Record<'_>, out: &mut Vec<Value>) {
        self.stats.records += 1;
        let Some(event_type) = record.event_type() else {
            return;
        };
        let wanted = matches!(
            event_type,
            "flow"
                | "ssh"
                | "http"
                | "tls"
                | "smb"
                | "rdp"
                | "ftp"
                | "smtp"
                | "modbus"
                | "dnp3"
                | "s7comm"
                | "iec104"
        );
        // Unanswered flows (scans, floods, silent peers) teach nothing:
        // drop them before reading addresses and times, the bulk of the cost.
        if !wanted || (event_type == "flow" && record.u64_at(&["flow", "pkts_toclient"]) == Some(0))
        {
            return;
        }
        let port = |k: &str| {
            record
                .u64_at(&[k])
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(0)
        };
        let time = record.time_at(&["timestamp"]);
        let (Some(src), Some(dst), Some(time)) = (record.ip("src_ip"), record.ip("dest_ip"), time)
        else {
            self.stats.unreadable += 1;
            return;
        };
        let hd = Hdr {
            src,
            dst,
            sport: port("src_port"),
            dport: port("dest_port"),
            proto: record.str_at(&["proto"]).unwrap_or(""),
            app_proto: record.str_at(&["app_proto"]),
        };
        let mut cx = Ctx {
            rec: record,
            out,
            time: time * 1000,
        };
        if event_type == "flow" {
            self.on_flow(&mut cx, &hd);
        } else {
            self.on_protocol(&mut cx, &hd, event_type);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_software_versions() {
        assert_eq!(
            ssh_software("OpenSSH_9.2p1"),
            ("OpenSSH".into(), Some("9.2p1".into()))
        );
        assert_eq!(
            ssh_software("libssh_0.9.6"),
            ("libssh".into(), Some("0.9.6".into()))
        );
        assert_eq!(
            ssh_software("OpenSSH_for_Windows_8.1"),
            ("OpenSSH_for_Windows".into(), Some("8.1".into()))
        );
        assert_eq!(
            ssh_software("Cisco-1.25"),
            ("Cisco".into(), Some("1.25".into()))
        );
        assert_eq!(ssh_software("PuTTY"), ("PuTTY".into(), None));
        assert_eq!(ssh_software(""), ("".into(), None));
    }

    /// A flow record as Suricata writes it with `ethernet: yes`.
    fn flow(src: &str, dst: &str, src_mac: &str, dst_mac: &str) -> Value {
        json!({"timestamp": "2026-06-01T08:00:01.000000+0000", "event_type": "flow",
            "src_ip": src, "src_port": 50000, "dest_ip": dst, "dest_port": 502, "proto": "TCP",
            "app_proto": "modbus",
            "ether": {"src_macs": [src_mac], "dest_macs": [dst_mac]},
            "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 200,
                     "bytes_toclient": 150, "start": "2026-06-01T08:00:00.000000+0000",
                     "end": "2026-06-01T08:00:01.000000+0000"},
            "tcp": {"tcp_flags_ts": "1b", "tcp_flags_tc": "1b"}})
    }

    #[test]
    fn macs_and_the_router_rule() {
        let mut d = Discovery::new(DiscoveryConfig::default()).expect("config");
        let mut out = Vec::new();
        // An HMI on the same segment as its PLC: each has its own MAC.
        d.observe(
            &flow(
                "10.20.0.10",
                "10.20.0.11",
                "00:15:5D:14:00:0A",
                "00-80-f4-14-00-0b",
            ),
            &mut out,
        );
        let a = d.assets();
        assert_eq!(a[0].macs, ["00:15:5d:14:00:0a"]);
        assert_eq!(a[1].macs, ["00:80:f4:14:00:0b"]);
        assert_eq!(a[1].services.len(), 1);
        // Six routed hosts all show the router's MAC: once it stands for
        // more than four addresses it is taken off every one of them.
        for i in 1..=6 {
            d.observe(
                &flow(
                    &format!("10.10.2.{i}"),
                    "10.20.0.11",
                    "00:00:5e:00:01:0a",
                    "00:80:f4:14:00:0b",
                ),
                &mut out,
            );
        }
        let a = d.assets();
        assert_eq!(a.len(), 8);
        assert!(
            a.iter()
                .all(|h| !h.macs.iter().any(|m| m == "00:00:5e:00:01:0a"))
        );
        assert_eq!(d.stats().services, 1);
        // Records without addresses or time are counted, not fatal.
        d.observe(&json!({"event_type": "flow", "src_ip": "x"}), &mut out);
        assert_eq!(d.stats().unreadable, 1);
    }

    /// An IPv6 host's records name it as EVE does in `src_ip` (full
    /// groups, as its flows and alerts do) and as the registry does in
    /// `asset.ip`.
    #[test]
    fn ipv6_asset_records_use_the_eve_spelling_in_src_ip() {
        let mut d = Discovery::new(DiscoveryConfig::default()).expect("config");
        let mut out = Vec::new();
        d.observe(
            &flow(
                "fe80:0000:0000:0000:0200:86ff:fe05:80da",
                "fe80:0000:0000:0000:0260:97ff:fe07:69ea",
                "00:00:86:05:80:da",
                "00:60:97:07:69:ea",
            ),
            &mut out,
        );
        let hosts: Vec<&Value> = out
            .iter()
            .filter(|r| r["asset"]["type"] == "host")
            .collect();
        assert_eq!(hosts.len(), 2);
        let server = hosts
            .iter()
            .find(|r| r["asset"]["ip"] == "fe80::260:97ff:fe07:69ea")
            .expect("the server's host record");
        assert_eq!(server["src_ip"], "fe80:0000:0000:0000:0260:97ff:fe07:69ea");
        assert_eq!(d.assets()[0].address, "fe80::200:86ff:fe05:80da");
    }

    #[test]
    fn config_from_yaml() {
        let c: DiscoveryConfig =
            serde_yaml::from_str("internal_networks: [10.0.0.0/8]\nmax_hosts: 100\n")
                .expect("yaml");
        assert_eq!(c.internal_networks, ["10.0.0.0/8"]);
        assert_eq!((c.max_hosts, c.max_services), (100, MAX_SERVICES));
        assert!(serde_yaml::from_str::<DiscoveryConfig>("max_host: 1").is_err());
        let bad = DiscoveryConfig {
            internal_networks: vec!["10.0.0.0/33".into()],
            ..DiscoveryConfig::default()
        };
        assert!(Discovery::new(bad).is_err());
    }

    #[test]
    fn os_hints() {
        assert_eq!(
            os_from_text("Microsoft-IIS/10.0").as_deref(),
            Some("Windows")
        );
        assert_eq!(
            os_from_text("Apache/2.4.41 (Ubuntu)").as_deref(),
            Some("Linux (Ubuntu)")
        );
        assert_eq!(os_from_text("nginx/1.24.0"), None);
        assert_eq!(
            os_from_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64)").as_deref(),
            Some("Windows")
        );
        assert_eq!(
            os_from_user_agent("Mozilla/5.0 (Linux; Android 14)").as_deref(),
            Some("Android")
        );
        assert_eq!(os_from_user_agent("curl/7.29.0"), None);
    }
}
