//! The contract between the protocol stage and each protocol's parser.

use std::net::IpAddr;

use serde_json::{Map, Value};
use taishi_core::event::{
    Anomaly, AnomalyBody, AppBody, Eve, EveIp, Event, EventSink, mac, proto_name,
};
use taishi_flow::{Direction, FlowView};

use crate::buffer::{Buffer, Field};
use crate::config::ProtoConfig;
use crate::expect::{Expectations, Transfer};
use crate::stats::ProtoStats;

/// A protocol's per-flow parser: receives the bytes of each direction in
/// order and turns them into transactions.
///
/// Progress contract: `parse` consumes everything it is given. A parser
/// that needs more bytes to finish a message keeps the partial message
/// itself, bounded by the protocol's limits (hitting one is counted with
/// [`ParseCtx::limit_hit`] and the message dropped), so the flow stage never
/// buffers on its behalf. Malformed input is an anomaly
/// ([`ParseCtx::anomaly`]), never a panic; a parser that cannot continue
/// stops consuming (e.g. sets itself to a "give up" state) and says why
/// through an anomaly.
pub trait AppParser: Send {
    /// In-order bytes of one direction: TCP stream data or one UDP datagram.
    fn parse(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, data: &[u8]);

    /// `len` bytes of this direction were lost. The default gives nothing
    /// up; stream-based parsers usually resynchronise or stop.
    fn gap(&mut self, ctx: &mut ParseCtx<'_, '_>, dir: Direction, len: u64) {
        let _ = (ctx, dir, len);
    }

    /// The flow ends: complete (log) what is pending.
    fn finish(&mut self, ctx: &mut ParseCtx<'_, '_>) {
        let _ = ctx;
    }
}

/// The parser of a protocol Taishi recognises but does not parse yet
/// (NTP, IMAP, POP3): the flow's `app_proto` is set by detection, and the
/// bytes are ignored.
pub struct DetectOnly;

impl AppParser for DetectOnly {
    fn parse(&mut self, _ctx: &mut ParseCtx<'_, '_>, _dir: Direction, _data: &[u8]) {}
}

/// One transaction (a request and its response, a DNS query and its
/// answer, a Modbus request/response pair, a TLS handshake ...).
pub trait Transaction {
    /// EVE `event_type` of its record (`dns`, `http`, `tls`, ...).
    fn event_type(&self) -> &'static str;

    /// The record's own fields, flattened beside the common header: e.g.
    /// `{"dns": {...}}` or `{"tx_id": 0, "http": {...}}`.
    fn log(&self) -> Map<String, Value>;

    /// The transaction's fields in an alert it raised: its record's
    /// fields ([`Transaction::log`]) unless the protocol's alert shape
    /// differs, as DNP3's does (Suricata nests the record under `request`
    /// or `response` there).
    fn alert_log(&self) -> Map<String, Value> {
        self.log()
    }

    /// Direction whose addresses head the record: `None` for the flow's
    /// (client → server), `Some(ToClient)` to put the server first, as
    /// Suricata does for records logged per packet direction.
    fn log_direction(&self) -> Option<Direction> {
        None
    }

    /// Calls `f` with each value of a buffer the rule engine can inspect;
    /// most buffers have one value, some (`dns.query`, `tls.certs`) several.
    fn buffers(&self, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
        let _ = (buffer, f);
    }

    /// Calls `f` with each value of an integer field the rule engine
    /// compares (`dns.rcode`, `modbus`, `filesize`, ...); a field the
    /// transaction does not have gives no value.
    fn fields(&self, field: Field, f: &mut dyn FnMut(u64)) {
        let _ = (field, f);
    }

    /// A rule with `filestore` matched: the files of the transaction are to
    /// be kept, and their `fileinfo` records say `stored`. Rules see a
    /// transaction by shared reference, so a transaction with files keeps
    /// the mark in a cell; the default (no files) ignores it.
    fn store_files(&self) {}

    /// The `fileinfo` objects of the transaction's files going `dir`, for
    /// the `files` array of its alerts (Suricata's `AlertAddFiles` logs the
    /// files of the alert's direction); a transaction without files has
    /// none.
    fn files(&self, dir: Direction) -> Vec<Map<String, Value>> {
        let _ = dir;
        Vec::new()
    }
}

/// Which part of a transaction is ready for inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxPart {
    /// The request is complete; the response is still to come.
    Request,
    /// The response completed a transaction whose request was already
    /// announced with [`TxPart::Request`].
    Response,
    /// The whole transaction at once.
    Whole,
}

/// Sees each completed transaction before it is logged, and each
/// protocol anomaly: the rule engine's hook into the protocol stage.
pub trait TxHook {
    /// `part` of transaction `tx` of the flow of `ctx` is complete
    /// (`ctx.emit` writes records with the flow's header).
    fn on_tx(&mut self, ctx: &mut ParseCtx<'_, '_>, tx: &dyn Transaction, part: TxPart);

    /// The parser raised an anomaly named `event` (`INVALID_REPLY`, ...)
    /// on the flow of `ctx`.
    fn on_event(&mut self, ctx: &mut ParseCtx<'_, '_>, event: &'static str) {
        let _ = (ctx, event);
    }

    /// EVE's `metadata` object for the flow's records: the variables
    /// rules keep on it (`flowbits`, `flowints`, `entropy`), if any.
    fn metadata(&self) -> Option<Value> {
        None
    }
}

/// What a parser may do with the world: log, count, raise anomalies.
pub struct ParseCtx<'a, 'f> {
    /// The flow being parsed.
    pub flow: &'a FlowView<'f>,
    /// Settings of the protocol stage.
    pub config: &'a ProtoConfig,
    /// Name of the parser's protocol (`dns`, ...), for records and anomalies.
    pub proto: &'static str,
    proto_idx: usize,
    stats: &'a mut ProtoStats,
    sink: &'a mut dyn EventSink,
    /// Direction of the bytes being parsed, when parsing.
    data_dir: Option<Direction>,
    /// The flow is being reversed: its client is really the server.
    reversed: bool,
    /// The rule engine, when one listens.
    hook: Option<&'a mut dyn TxHook>,
    /// Flows announced by control channels, of the worker.
    expectations: Option<&'a mut Expectations>,
    /// The parser handed the flow back for detection, with the client's
    /// bytes it held ([`ParseCtx::change_protocol`]).
    changed: Option<Vec<u8>>,
}

impl<'a, 'f> ParseCtx<'a, 'f> {
    /// A context for protocol number `proto_idx` of the registry.
    pub fn new(
        flow: &'a FlowView<'f>,
        config: &'a ProtoConfig,
        proto_idx: usize,
        stats: &'a mut ProtoStats,
        sink: &'a mut dyn EventSink,
    ) -> Self {
        let proto = crate::registry::PROTOCOLS
            .get(proto_idx)
            .map(|d| d.name)
            .unwrap_or("unknown");
        ParseCtx {
            flow,
            config,
            proto,
            proto_idx,
            stats,
            sink,
            data_dir: None,
            reversed: false,
            hook: None,
            expectations: None,
            changed: None,
        }
    }

    /// The flow's protocol changes (a CONNECT tunnel that does not carry
    /// HTTP): once this call returns, the protocol stage drops the parser
    /// and detects anew, starting with `held`, the client's first bytes
    /// after the change. The flow record keeps the old protocol as
    /// `app_proto_orig`.
    pub fn change_protocol(&mut self, held: Vec<u8>) {
        self.changed = Some(held);
    }

    /// The bytes handed back by [`ParseCtx::change_protocol`], if any.
    pub(crate) fn take_change(&mut self) -> Option<Vec<u8>> {
        self.changed.take()
    }

    /// Lets the parser announce flows it expects ([`ParseCtx::expect`]).
    pub fn with_expectations(mut self, expectations: &'a mut Expectations) -> Self {
        self.expectations = Some(expectations);
        self
    }

    /// Announces a flow between `a` and `b` to `port` that will carry
    /// `transfer` (an FTP data channel): it is labelled `ftp-data` without
    /// content detection when it opens.
    pub fn expect(&mut self, a: IpAddr, b: IpAddr, port: u16, transfer: Transfer) {
        if let Some(e) = self.expectations.as_deref_mut() {
            let dropped = e.dropped;
            e.add(a, b, port, transfer);
            if e.dropped > dropped {
                self.limit_hit();
            }
        }
    }

    /// Hands completed transactions and anomalies to `hook` as well.
    pub fn with_hook(mut self, hook: Option<&'a mut dyn TxHook>) -> Self {
        self.hook = hook;
        self
    }

    /// Direction of the bytes being parsed, when parsing.
    pub fn data_dir(&self) -> Option<Direction> {
        self.data_dir
    }

    /// Whether the flow is being reversed (records put its server first).
    pub fn is_reversed(&self) -> bool {
        self.reversed
    }

    /// Marks the flow as seen backwards for the records of this call
    /// (the flow stage swaps its ends once detection returns).
    pub fn reversed(mut self, reversed: bool) -> Self {
        self.reversed = reversed;
        self
    }

    /// Records which direction's bytes are being parsed, so anomalies carry
    /// the header of the packet that made us see them.
    pub fn parsing(mut self, dir: Direction) -> Self {
        self.data_dir = Some(dir);
        self
    }

    /// A transaction is complete: it is counted, inspected (the rule engine
    /// hooks in here) and logged.
    pub fn complete(&mut self, tx: &dyn Transaction) {
        self.complete_part(tx, TxPart::Whole);
    }

    /// The request of a transaction is complete: the rule engine inspects
    /// its request side now, as Suricata does, rather than when the
    /// response arrives (alerts then carry the flow as it was).
    pub fn request_complete(&mut self, tx: &dyn Transaction) {
        if let Some(hook) = self.hook.take() {
            hook.on_tx(self, tx, TxPart::Request);
            self.hook = Some(hook);
        }
    }

    /// [`ParseCtx::complete`] for a transaction whose request was announced
    /// with [`ParseCtx::request_complete`].
    pub fn complete_response(&mut self, tx: &dyn Transaction) {
        self.complete_part(tx, TxPart::Response);
    }

    /// Hands the side of `tx` going in `dir` to the rules now, without
    /// logging it: a transaction that lasts as long as its flow (a file
    /// transfer) is inspected when its first bytes arrive, as Suricata
    /// inspects an open file, and logged later with
    /// [`ParseCtx::log_inspected`].
    pub fn inspect(&mut self, tx: &dyn Transaction, dir: Direction) {
        let part = match dir {
            Direction::ToServer => TxPart::Request,
            Direction::ToClient => TxPart::Response,
        };
        if let Some(hook) = self.hook.take() {
            hook.on_tx(self, tx, part);
            self.hook = Some(hook);
        }
    }

    /// Counts and logs a transaction the rules saw through
    /// [`ParseCtx::inspect`].
    pub fn log_inspected(&mut self, tx: &dyn Transaction) {
        if let Some(n) = self.stats.tx.get_mut(self.proto_idx) {
            *n += 1;
        }
        self.log_tx(tx);
    }

    fn complete_part(&mut self, tx: &dyn Transaction, part: TxPart) {
        if let Some(n) = self.stats.tx.get_mut(self.proto_idx) {
            *n += 1;
        }
        if let Some(hook) = self.hook.take() {
            hook.on_tx(self, tx, part);
            self.hook = Some(hook);
        }
        self.log_tx(tx);
    }

    fn log_tx(&mut self, tx: &dyn Transaction) {
        if !self.config.logging(self.proto_idx) {
            return;
        }
        let dir = tx.log_direction();
        let mut eve = self.header(tx.event_type(), dir);
        let mut body = tx.log();
        self.add_ether(&mut body, dir);
        self.add_metadata(&mut body);
        eve.body = AppBody(body);
        self.sink.emit(Event::App(eve));
    }

    /// Logs a record that is not a transaction (e.g. a `fileinfo` or an
    /// `ftp_data` record), with the flow's header.
    pub fn emit(
        &mut self,
        event_type: &'static str,
        dir: Option<Direction>,
        body: Map<String, Value>,
    ) {
        let mut eve = self.header(event_type, dir);
        let mut body = body;
        self.add_ether(&mut body, dir);
        self.add_metadata(&mut body);
        eve.body = AppBody(body);
        self.sink.emit(Event::App(eve));
    }

    /// The `metadata` object (Suricata's `metadata: yes`, on by default):
    /// the variables rules keep on the flow, when the rule engine listens
    /// and the flow has some.
    fn add_metadata(&self, body: &mut Map<String, Value>) {
        if let Some(m) = self.hook.as_ref().and_then(|h| h.metadata()) {
            body.entry("metadata").or_insert(m);
        }
    }

    /// The `ether` object (Suricata's `ethernet: yes`) of a record headed
    /// as [`ParseCtx::header`] heads it: the MACs of the last packet that
    /// went the record's way. Always written, as alerts have it, because
    /// the MAC is what ties an address to a device in the asset registry.
    fn add_ether(&self, body: &mut Map<String, Value>, dir: Option<Direction>) {
        let dir = dir.unwrap_or(Direction::ToServer);
        // The flow stage swaps a reversed flow's ends after this call.
        let dir = if self.reversed { dir.reverse() } else { dir };
        if let Some((src, dst)) = self.flow.macs(dir) {
            let mut ether = Map::new();
            ether.insert("src_mac".into(), mac(&src).into());
            ether.insert("dest_mac".into(), mac(&dst).into());
            body.entry("ether").or_insert(Value::Object(ether));
        }
    }

    /// A protocol violation: counted, and an `anomaly` record of type
    /// `applayer` with Suricata's event name (e.g. `INVALID_REPLY`).
    pub fn anomaly(&mut self, event: &'static str) {
        if let Some(n) = self.stats.errors.get_mut(self.proto_idx) {
            *n += 1;
        }
        self.applayer_event(event, "proto_parser");
    }

    /// An event of protocol detection itself (Suricata's `APPLAYER_*`,
    /// layer `proto_detect`): seen by rules (`app-layer-event`) and logged,
    /// not counted as a parser error.
    pub fn detect_anomaly(&mut self, event: &'static str) {
        self.applayer_event(event, "proto_detect");
    }

    fn applayer_event(&mut self, event: &'static str, layer: &'static str) {
        if let Some(hook) = self.hook.take() {
            hook.on_event(self, event);
            self.hook = Some(hook);
        }
        // Suricata parses a TCP direction's data when the peer's ACK for it
        // arrives, so an anomaly in client data is logged with that
        // server packet's addresses (server first), and vice versa; a UDP
        // datagram is parsed with its own packet.
        let header_dir = match (self.data_dir, self.flow.proto()) {
            (Some(d), 6) => Some(d.reverse()),
            (d, _) => d,
        };
        let mut eve = self.header("anomaly", header_dir);
        let body = AnomalyBody {
            anomaly: Anomaly {
                kind: "applayer",
                event,
                layer: Some(layer),
                app_proto: Some(self.proto),
            },
            ether: None,
        };
        let mut out = Eve::new(eve.timestamp, "anomaly", body);
        out.flow_id = eve.flow_id;
        out.src_ip = eve.src_ip.take();
        out.src_port = eve.src_port;
        out.dest_ip = eve.dest_ip.take();
        out.dest_port = eve.dest_port;
        out.proto = eve.proto.take();
        out.vlan = eve.vlan.take();
        out.tunnel = eve.tunnel.take();
        self.sink.emit(Event::Anomaly(out));
    }

    /// A configured limit was hit (transactions, sizes, depth): counted.
    pub fn limit_hit(&mut self) {
        if let Some(n) = self.stats.limits.get_mut(self.proto_idx) {
            *n += 1;
        }
    }

    /// The common EVE header for this flow at the current packet's time:
    /// client first, or server first for `Some(ToClient)`.
    pub fn header(&self, event_type: &'static str, dir: Option<Direction>) -> Eve<AppBody> {
        let f = self.flow;
        let (c, s) = if self.reversed {
            (f.server(), f.client())
        } else {
            (f.client(), f.server())
        };
        let ((sip, sport), (dip, dport)) = match dir {
            Some(Direction::ToClient) => (s, c),
            _ => (c, s),
        };
        let mut eve = Eve::new(f.last(), event_type, AppBody::default());
        eve.flow_id = Some(f.flow_id());
        if !f.vlans().is_empty() {
            eve.vlan = Some(f.vlans().to_vec());
        }
        eve.set_addrs(EveIp(sip), EveIp(dip));
        if matches!(f.proto(), 6 | 17 | 132) {
            eve.src_port = Some(sport);
            eve.dest_port = Some(dport);
        }
        eve.proto = Some(proto_name(f.proto()));
        eve.app_proto = Some(std::borrow::Cow::Borrowed(self.proto));
        eve.tunnel = f.eve_tunnel();
        eve
    }

    /// Client address of the flow, for parsers that record peers.
    pub fn client_ip(&self) -> IpAddr {
        self.flow.client().0
    }
}
