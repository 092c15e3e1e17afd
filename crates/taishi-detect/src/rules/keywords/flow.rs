//! Flow keywords: `flow:` and the flow counters (`flow.pkts`, `flow.bytes`,
//! `flow.age`, `stream_size`), checked against what the engine knows of the
//! packet's flow ([`FlowCtx`]).
//!
//! `flow:` follows Suricata's `FlowMatch`: every option given must hold;
//! without a flow, direction and `established` cannot hold while
//! `not_established` and `stateless` do. `only_stream`/`no_stream` choose
//! between reassembled stream data and single packets, `only_frag`/`no_frag`
//! between reassembled fragments and whole packets.

use super::{KeywordError, num_range, required};
use crate::rules::range::{NumRange, parse_u64};

/// What a flow-related keyword sees of the packet's flow (the engine fills it).
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowCtx {
    /// The packet belongs to a tracked flow.
    pub has_flow: bool,
    /// The packet goes from client to server.
    pub to_server: bool,
    /// The flow is established (TCP: handshake done; others: both sides seen).
    pub established: bool,
    /// The data being inspected is reassembled stream (vs one packet's payload).
    pub stream: bool,
    /// Packets so far, `[to_server, to_client]`, this one included.
    pub pkts: [u64; 2],
    /// Bytes so far (whole packets), `[to_server, to_client]`, this one included.
    pub bytes: [u64; 2],
    /// Seconds since the flow's first packet.
    pub age_secs: u64,
    /// The packet was rebuilt from IP fragments.
    pub frag: bool,
    /// TCP stream size per side, `[client, server]`, as Suricata's
    /// `stream_size` measures it: next expected sequence number minus the
    /// initial one (so the SYN counts 1).
    pub stream_size: [u64; 2],
}

/// Which direction's counter `flow.pkts` / `flow.bytes` look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterDir {
    /// `toserver`.
    ToServer,
    /// `toclient`.
    ToClient,
    /// `either`: one of the two directions satisfies the comparison.
    Either,
}

/// Which side `stream_size` looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamSide {
    /// Bytes the server sent.
    Server,
    /// Bytes the client sent.
    Client,
    /// Both sides satisfy the comparison.
    Both,
    /// One of the sides does.
    Either,
}

/// The options of one `flow:` keyword.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowOpts {
    /// `to_server`/`from_client` (true) or `to_client`/`from_server` (false).
    pub to_server: Option<bool>,
    /// `established` (true) or `not_established` (false).
    pub established: Option<bool>,
    /// `stateless`: matches with or without flow state.
    pub stateless: bool,
    /// `only_stream` (true) or `no_stream` (false).
    pub stream: Option<bool>,
    /// `only_frag` (true) or `no_frag` (false).
    pub frag: Option<bool>,
}

/// A flow keyword, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKw {
    /// `flow:` options.
    Flow(FlowOpts),
    /// `flow.pkts` (and the older `flow.pkts_toserver` / `_toclient`).
    Pkts(CounterDir, NumRange),
    /// `flow.bytes` (and `flow.bytes_toserver` / `_toclient`).
    Bytes(CounterDir, NumRange),
    /// `flow.age`, in seconds.
    Age(NumRange),
    /// `stream_size`.
    StreamSize(StreamSide, NumRange),
}

fn parse_flow_opts(kw: &str, v: &str) -> Result<FlowOpts, KeywordError> {
    let mut o = FlowOpts::default();
    let dup = |what: &str| KeywordError::new(kw, format!("conflicting or repeated '{what}'"));
    for opt in v.split(',').map(str::trim) {
        match opt.to_ascii_lowercase().as_str() {
            "to_server" | "from_client" | "toserver" => {
                if o.to_server.replace(true).is_some() {
                    return Err(dup(opt));
                }
            }
            "to_client" | "from_server" | "toclient" => {
                if o.to_server.replace(false).is_some() {
                    return Err(dup(opt));
                }
            }
            "established" => {
                if o.established.replace(true).is_some() || o.stateless {
                    return Err(dup(opt));
                }
            }
            "not_established" => {
                if o.established.replace(false).is_some() || o.stateless {
                    return Err(dup(opt));
                }
            }
            "stateless" => {
                if o.stateless || o.established.is_some() {
                    return Err(dup(opt));
                }
                o.stateless = true;
            }
            "only_stream" => {
                if o.stream.replace(true).is_some() {
                    return Err(dup(opt));
                }
            }
            "no_stream" => {
                if o.stream.replace(false).is_some() {
                    return Err(dup(opt));
                }
            }
            "only_frag" => {
                if o.frag.replace(true).is_some() {
                    return Err(dup(opt));
                }
            }
            "no_frag" => {
                if o.frag.replace(false).is_some() {
                    return Err(dup(opt));
                }
            }
            "" => return Err(KeywordError::new(kw, format!("empty option in '{v}'"))),
            other => return Err(KeywordError::new(kw, format!("unknown option '{other}'"))),
        }
    }
    Ok(o)
}

fn range(kw: &str, v: &str) -> Result<NumRange, KeywordError> {
    num_range(kw, v)
}

/// `flow.pkts:toserver,>10` style: direction, comparison.
fn parse_counter(kw: &str, v: &str) -> Result<(CounterDir, NumRange), KeywordError> {
    let (dir, cmp) = v.split_once(',').ok_or_else(|| {
        KeywordError::new(kw, "expected '<toserver|toclient|either>,<comparison>'")
    })?;
    let dir = match dir.trim() {
        "toserver" | "to_server" => CounterDir::ToServer,
        "toclient" | "to_client" => CounterDir::ToClient,
        "either" => CounterDir::Either,
        other => {
            return Err(KeywordError::new(
                kw,
                format!("unknown direction '{other}'"),
            ));
        }
    };
    Ok((dir, range(kw, cmp)?))
}

/// `stream_size:server,>,100`.
fn parse_stream_size(kw: &str, v: &str) -> Result<FlowKw, KeywordError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let [side, op, num] = parts[..] else {
        return Err(KeywordError::new(
            kw,
            "expected '<server|client|both|either>,<modifier>,<number>'",
        ));
    };
    let side = match side {
        "server" => StreamSide::Server,
        "client" => StreamSide::Client,
        "both" => StreamSide::Both,
        "either" => StreamSide::Either,
        other => return Err(KeywordError::new(kw, format!("unknown side '{other}'"))),
    };
    let n = parse_u64(num)
        .filter(|n| *n <= u32::MAX as u64)
        .ok_or_else(|| KeywordError::new(kw, format!("invalid number '{num}'")))?;
    let r = match op {
        "=" | "==" => NumRange::Eq(n),
        "!=" => NumRange::Ne(n),
        "<" => NumRange::Lt(n),
        "<=" => NumRange::Le(n),
        ">" => NumRange::Gt(n),
        ">=" => NumRange::Ge(n),
        other => return Err(KeywordError::new(kw, format!("unknown modifier '{other}'"))),
    };
    Ok(FlowKw::StreamSize(side, r))
}

impl FlowKw {
    /// Parses `name: value`. `Ok(None)` when `name` is not a flow keyword.
    pub fn parse(name: &str, value: Option<&str>) -> Result<Option<FlowKw>, KeywordError> {
        let kw = name;
        let parsed = match name {
            "flow" => FlowKw::Flow(parse_flow_opts(kw, required(kw, value)?)?),
            "flow.pkts" => {
                let (d, r) = parse_counter(kw, required(kw, value)?)?;
                FlowKw::Pkts(d, r)
            }
            "flow.bytes" => {
                let (d, r) = parse_counter(kw, required(kw, value)?)?;
                FlowKw::Bytes(d, r)
            }
            "flow.pkts_toserver" => {
                FlowKw::Pkts(CounterDir::ToServer, range(kw, required(kw, value)?)?)
            }
            "flow.pkts_toclient" => {
                FlowKw::Pkts(CounterDir::ToClient, range(kw, required(kw, value)?)?)
            }
            "flow.bytes_toserver" => {
                FlowKw::Bytes(CounterDir::ToServer, range(kw, required(kw, value)?)?)
            }
            "flow.bytes_toclient" => {
                FlowKw::Bytes(CounterDir::ToClient, range(kw, required(kw, value)?)?)
            }
            "flow.age" => FlowKw::Age(range(kw, required(kw, value)?)?),
            "stream_size" => parse_stream_size(kw, required(kw, value)?)?,
            _ => return Ok(None),
        };
        Ok(Some(parsed))
    }

    /// Whether the flow context satisfies this keyword.
    pub fn matches(&self, f: &FlowCtx) -> bool {
        match self {
            FlowKw::Flow(o) => {
                if let Some(ts) = o.to_server
                    && (!f.has_flow || f.to_server != ts)
                {
                    return false;
                }
                if let Some(est) = o.established {
                    let is_est = f.has_flow && f.established;
                    if is_est != est {
                        return false;
                    }
                }
                if o.stream.is_some_and(|s| s != f.stream) {
                    return false;
                }
                if o.frag.is_some_and(|fr| fr != f.frag) {
                    return false;
                }
                true
            }
            FlowKw::Pkts(d, r) => counter_match(*d, *r, f.has_flow, f.pkts),
            FlowKw::Bytes(d, r) => counter_match(*d, *r, f.has_flow, f.bytes),
            FlowKw::Age(r) => f.has_flow && r.matches(f.age_secs),
            FlowKw::StreamSize(side, r) => {
                if !f.has_flow {
                    return false;
                }
                let [client, server] = f.stream_size;
                match side {
                    StreamSide::Client => r.matches(client),
                    StreamSide::Server => r.matches(server),
                    StreamSide::Both => r.matches(client) && r.matches(server),
                    StreamSide::Either => r.matches(client) || r.matches(server),
                }
            }
        }
    }

    /// The packet direction this keyword requires: `Some(true)` for
    /// `flow:to_server`, `Some(false)` for `flow:to_client`.
    pub fn direction(&self) -> Option<bool> {
        match self {
            FlowKw::Flow(o) => o.to_server,
            _ => None,
        }
    }

    /// `Some(true)` when the rule may only inspect reassembled stream
    /// (`only_stream`), `Some(false)` when only packets (`no_stream`).
    pub fn stream(&self) -> Option<bool> {
        match self {
            FlowKw::Flow(o) => o.stream,
            _ => None,
        }
    }

    /// Whether this keyword requires an established flow.
    pub fn requires_established(&self) -> bool {
        matches!(self, FlowKw::Flow(o) if o.established == Some(true))
    }
}

fn counter_match(d: CounterDir, r: NumRange, has_flow: bool, c: [u64; 2]) -> bool {
    if !has_flow {
        return false;
    }
    match d {
        CounterDir::ToServer => r.matches(c[0]),
        CounterDir::ToClient => r.matches(c[1]),
        CounterDir::Either => r.matches(c[0]) || r.matches(c[1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, v: &str) -> FlowKw {
        FlowKw::parse(name, Some(v)).unwrap().unwrap()
    }

    fn ctx(to_server: bool, established: bool) -> FlowCtx {
        FlowCtx {
            has_flow: true,
            to_server,
            established,
            ..FlowCtx::default()
        }
    }

    #[test]
    fn flow_direction_and_state() {
        let k = p("flow", "established,to_server");
        assert!(k.matches(&ctx(true, true)));
        assert!(!k.matches(&ctx(false, true)));
        assert!(!k.matches(&ctx(true, false)));
        assert_eq!(k.direction(), Some(true));
        assert!(k.requires_established());
        let k = p("flow", "from_server,established");
        assert!(k.matches(&ctx(false, true)));
        assert_eq!(k.direction(), Some(false));
        let k = p("flow", "to_client");
        assert!(!k.matches(&FlowCtx::default()), "no flow, no direction");
        let k = p("flow", "not_established");
        assert!(k.matches(&ctx(true, false)));
        assert!(!k.matches(&ctx(true, true)));
        assert!(k.matches(&FlowCtx::default()), "no flow is not established");
        let k = p("flow", "stateless");
        assert!(k.matches(&FlowCtx::default()));
        assert!(k.matches(&ctx(true, true)));
    }

    #[test]
    fn flow_stream_and_frag() {
        let only = p("flow", "established,to_server,only_stream");
        let mut c = ctx(true, true);
        assert!(!only.matches(&c));
        c.stream = true;
        assert!(only.matches(&c));
        assert_eq!(only.stream(), Some(true));
        let no = p("flow", "to_server, no_stream");
        assert!(!no.matches(&c));
        let frag = p("flow", "only_frag");
        assert!(!frag.matches(&c));
        c.frag = true;
        assert!(frag.matches(&c));
        assert!(!p("flow", "no_frag").matches(&c));
    }

    #[test]
    fn flow_errors() {
        for bad in [
            "to_server,to_client",
            "established,not_established",
            "established,stateless",
            "only_stream,no_stream",
            "bogus",
            "established,,to_server",
        ] {
            let e = FlowKw::parse("flow", Some(bad)).unwrap_err();
            assert_eq!(e.keyword, "flow", "{bad}");
        }
        assert!(FlowKw::parse("flow", None).is_err());
        assert_eq!(FlowKw::parse("flowbits", Some("set,a")), Ok(None));
    }

    #[test]
    fn counters() {
        let c = FlowCtx {
            has_flow: true,
            pkts: [10, 4],
            bytes: [500, 3500],
            age_secs: 30,
            ..FlowCtx::default()
        };
        assert!(p("flow.pkts", "toserver,=10").matches(&c));
        assert!(!p("flow.pkts", "toclient,=10").matches(&c));
        assert!(p("flow.pkts", "either,=10").matches(&c));
        assert!(p("flow.bytes", "either,>3000").matches(&c));
        assert!(!p("flow.bytes", "toserver,>3000").matches(&c));
        assert!(p("flow.bytes_toclient", ">3000").matches(&c));
        assert!(p("flow.pkts_toserver", "10").matches(&c));
        assert!(p("flow.age", ">10").matches(&c));
        assert!(!p("flow.age", "<10").matches(&c));
        assert!(FlowKw::parse("flow.pkts", Some("sideways,1")).is_err());
        assert!(FlowKw::parse("flow.pkts", Some("10")).is_err());
        assert!(!p("flow.pkts", "either,>0").matches(&FlowCtx::default()));
    }

    #[test]
    fn stream_size() {
        let c = FlowCtx {
            has_flow: true,
            stream_size: [101, 5001],
            ..FlowCtx::default()
        };
        assert!(p("stream_size", "server,>,5000").matches(&c));
        assert!(!p("stream_size", "client,>,5000").matches(&c));
        assert!(p("stream_size", "either,>,5000").matches(&c));
        assert!(!p("stream_size", "both,>,5000").matches(&c));
        assert!(p("stream_size", "both,<,6000").matches(&c));
        assert!(p("stream_size", "client,!=,100").matches(&c));
        assert!(FlowKw::parse("stream_size", Some("server,>")).is_err());
        assert!(FlowKw::parse("stream_size", Some("server,~,1")).is_err());
    }
}
