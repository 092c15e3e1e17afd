//! EVE `alert` records as Suricata writes them: the common header, the
//! `alert` object (action, gid, signature_id, rev, signature, category,
//! severity, metadata), the flow's counters and, for transaction rules,
//! the transaction's own record.

use std::borrow::Cow;

use serde_json::{Map, Value, json};
use taishi_core::event::{AppBody, Ether, Eve, EveIp, Event, proto_name};
use taishi_decode::Packet;
use taishi_flow::{Direction, FlowView};
use taishi_proto::Transaction;

use crate::rules::compile::Signature;

/// The `alert` object of a rule.
fn alert_object(sig: &Signature) -> Value {
    // An IDS drops nothing: Suricata logs drop and reject rules' alerts
    // as allowed too (pass rules raise none).
    let mut a = Map::new();
    a.insert("action".into(), "allowed".into());
    a.insert("gid".into(), sig.gid.into());
    a.insert("signature_id".into(), sig.sid.into());
    a.insert("rev".into(), sig.rev.into());
    a.insert("signature".into(), sig.msg.clone().into());
    a.insert("category".into(), sig.category.clone().into());
    a.insert("severity".into(), sig.severity.into());
    if !sig.metadata.is_empty() {
        a.insert("metadata".into(), json!(sig.metadata));
    }
    Value::Object(a)
}

/// `source`/`target` objects for rules with `target:`.
fn target(
    sig: &Signature,
    body: &mut Map<String, Value>,
    src: (&str, Option<u16>),
    dst: (&str, Option<u16>),
) {
    let Some(t) = sig.target else { return };
    let (tgt, source) = if t == "src_ip" {
        (src, dst)
    } else {
        (dst, src)
    };
    let obj = |(ip, port): (&str, Option<u16>)| {
        let mut m = Map::new();
        m.insert("ip".into(), ip.into());
        if let Some(p) = port {
            m.insert("port".into(), p.into());
        }
        Value::Object(m)
    };
    if let Some(Value::Object(a)) = body.get_mut("alert") {
        a.insert("source".into(), obj(source));
        a.insert("target".into(), obj(tgt));
    }
}

fn flow_object(view: &FlowView<'_>) -> Value {
    json!({
        "pkts_toserver": view.pkts(Direction::ToServer),
        "pkts_toclient": view.pkts(Direction::ToClient),
        "bytes_toserver": view.bytes(Direction::ToServer),
        "bytes_toclient": view.bytes(Direction::ToClient),
        "start": view.start().to_string(),
    })
}

fn add_target_from_eve(sig: &Signature, eve: &mut Eve<AppBody>) {
    if sig.target.is_none() {
        return;
    }
    let src = eve
        .src_ip
        .as_ref()
        .map(|i| i.0.to_string())
        .unwrap_or_default();
    let dst = eve
        .dest_ip
        .as_ref()
        .map(|i| i.0.to_string())
        .unwrap_or_default();
    let (sp, dp) = (eve.src_port, eve.dest_port);
    target(sig, &mut eve.body.0, (&src, sp), (&dst, dp));
}

/// The alert of a rule that matched a packet.
pub fn packet_alert(
    sig: &Signature,
    pkt: &Packet<'_>,
    flow: Option<(&FlowView<'_>, Option<&'static str>, Direction)>,
) -> Event {
    let mut body = Map::new();
    body.insert("alert".into(), alert_object(sig));
    let mut eve = Eve::new(pkt.ts, "alert", AppBody(body));
    if let Some((src, dst)) = pkt.addrs() {
        eve.set_addrs(EveIp(src), EveIp(dst));
    }
    let (sp, dp) = pkt.ports();
    if matches!(pkt.ip_proto(), Some(6 | 17 | 132)) {
        eve.src_port = Some(sp);
        eve.dest_port = Some(dp);
    }
    eve.proto = pkt.ip_proto().map(proto_name);
    if let taishi_decode::L4::Icmp {
        icmp_type, code, ..
    } = pkt.l4
    {
        eve.icmp_type = Some(icmp_type);
        eve.icmp_code = Some(code);
    }
    if !pkt.vlans().is_empty() {
        eve.vlan = Some(pkt.vlans().to_vec());
    }
    if let Some((view, app, dir)) = flow {
        eve.flow_id = Some(view.flow_id());
        eve.app_proto = app.map(Cow::Borrowed);
        eve.tunnel = view.eve_tunnel();
        eve.body.0.insert("direction".into(), direction(dir).into());
        eve.body.0.insert("flow".into(), flow_object(view));
    }
    if let Some((src, dst)) = pkt.macs
        && let Ok(ether) = serde_json::to_value(Ether::new(&src, &dst, pkt.ether_type))
    {
        eve.body.0.insert("ether".into(), ether);
    }
    add_target_from_eve(sig, &mut eve);
    Event::App(eve)
}

/// The alert of a rule that matched a flow's stream in direction `dir`.
pub fn flow_alert(
    sig: &Signature,
    view: &FlowView<'_>,
    dir: Direction,
    app: Option<&'static str>,
) -> Event {
    let mut body = Map::new();
    body.insert("alert".into(), alert_object(sig));
    body.insert("flow".into(), flow_object(view));
    let mut eve = Eve::new(view.last(), "alert", AppBody(body));
    let (c, s) = (view.client(), view.server());
    let ((si, sp), (di, dp)) = match dir {
        Direction::ToServer => (c, s),
        Direction::ToClient => (s, c),
    };
    eve.flow_id = Some(view.flow_id());
    eve.set_addrs(EveIp(si), EveIp(di));
    if matches!(view.proto(), 6 | 17 | 132) {
        eve.src_port = Some(sp);
        eve.dest_port = Some(dp);
    }
    eve.proto = Some(proto_name(view.proto()));
    if !view.vlans().is_empty() {
        eve.vlan = Some(view.vlans().to_vec());
    }
    eve.app_proto = app.map(Cow::Borrowed);
    eve.tunnel = view.eve_tunnel();
    eve.body.0.insert("direction".into(), direction(dir).into());
    add_target_from_eve(sig, &mut eve);
    Event::App(eve)
}

/// Suricata's name of a direction.
fn direction(dir: Direction) -> &'static str {
    match dir {
        Direction::ToServer => "to_server",
        Direction::ToClient => "to_client",
    }
}

/// The body of a transaction rule's alert (the header comes from the
/// protocol stage): the alert object, the transaction's record, the flow.
pub fn tx_alert_body(
    sig: &Signature,
    view: &FlowView<'_>,
    tx: &dyn Transaction,
    dir: Direction,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("alert".into(), alert_object(sig));
    body.insert("direction".into(), direction(dir).into());
    for (k, v) in tx.alert_log() {
        body.entry(k).or_insert(v);
    }
    let files = tx.files(dir);
    if !files.is_empty() {
        body.insert(
            "files".into(),
            Value::Array(files.into_iter().map(Value::Object).collect()),
        );
    }
    body.insert("flow".into(), flow_object(view));
    body
}

/// Adds the `traffic` object (the flow's traffic tags) to an alert.
pub fn with_traffic(mut event: Event, traffic: Option<Value>) -> Event {
    if let (Event::App(eve), Some(t)) = (&mut event, traffic) {
        eve.body.0.insert("traffic".into(), t);
    }
    event
}

/// Adds the flow's `metadata` object (flowbits, flowints, entropy) to an
/// alert, at the top level as Suricata logs it.
pub fn with_metadata(mut event: Event, metadata: Option<&Value>) -> Event {
    if let (Event::App(eve), Some(m)) = (&mut event, metadata) {
        eve.body.0.insert("metadata".into(), m.clone());
    }
    event
}

/// Adds a transaction's record (`{"dns": {...}}`) to an alert, beside its
/// own fields, as Suricata does for a rule that matched the transaction's
/// app-layer event.
pub fn with_tx_log(mut event: Event, log: Option<&Map<String, Value>>) -> Event {
    if let (Event::App(eve), Some(log)) = (&mut event, log) {
        for (k, v) in log {
            eve.body.0.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    event
}
