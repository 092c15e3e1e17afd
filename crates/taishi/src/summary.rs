//! The one-paragraph summary printed at the end of a run.

use std::path::Path;

use crate::pipeline::Report;

/// "Analysed N packets (X MB) in T s ..." — what an operator wants to read
/// after a run, in one paragraph.
pub fn paragraph(r: &Report, eve: Option<&Path>, inputs: usize) -> String {
    let secs = r.elapsed.as_secs_f64().max(1e-9);
    let c = &r.counters;
    let mut s = format!(
        "Analysed {} packets ({:.1} MB{}) in {:.2} s ({:.1} MB/s, {:.0} packets/s) with {} thread{}.",
        r.packets,
        r.bytes as f64 / 1e6,
        if inputs > 0 {
            format!(" from {inputs} input{}", if inputs == 1 { "" } else { "s" })
        } else {
            String::new()
        },
        secs,
        r.bytes as f64 / secs / 1e6,
        r.packets as f64 / secs,
        r.threads,
        if r.threads == 1 { "" } else { "s" },
    );
    if let Some((a, b)) = r.span {
        s.push_str(&format!(" Traffic from {a} to {b}."));
    }
    let flows = r.events.get("flow").copied().unwrap_or(0);
    if flows > 0 || c.get("flow.total") > 0 {
        s.push_str(&format!(
            " {} flows ({} TCP, {} UDP, {} ICMP);",
            flows,
            c.get("flow.tcp"),
            c.get("flow.udp"),
            c.get("flow.icmpv4") + c.get("flow.icmpv6"),
        ));
        s.push_str(&format!(
            " {} anomalies, {} malformed packets, {} reassembly gaps, {} overlaps, {} flows evicted at the memory cap, {} kernel drops.",
            r.events.get("anomaly").copied().unwrap_or(0),
            c.get("decoder.invalid"),
            c.get("tcp.reassembly_gap"),
            c.get("tcp.overlap"),
            c.get("flow.memcap_evictions"),
            c.get("capture.kernel_drops"),
        ));
    }
    let unsupported = c.get("decoder.unsupported_linktype");
    if unsupported > 0 {
        s.push_str(&format!(
            " {unsupported} frames of unsupported link types were counted and skipped."
        ));
    }
    match eve {
        Some(p) if p.as_os_str() != "-" => s.push_str(&format!(" EVE written to {}.", p.display())),
        Some(_) => s.push_str(" EVE written to stdout."),
        None => s.push_str(" No EVE output (use --eve PATH)."),
    }
    if !r.warnings.is_empty() {
        s.push_str(&format!(" {} capture warning(s) above.", r.warnings.len()));
    }
    s
}

/// "Database ...: N assets (M discovered), K exposed; X incidents opened ..."
/// — what the assessment pass after a run found.
pub fn assessment(db: &Path, r: &taishi_assess::AssessReport) -> String {
    let mut s = format!(
        "Database {}: {} assets ({} discovered only, {} exposed to known vulnerabilities); {} new alerts correlated, {} incidents opened, {} updated.",
        db.display(),
        r.assets,
        r.discovered_only,
        r.exposed,
        r.correlation.alerts,
        r.correlation.opened,
        r.correlation.updated,
    );
    for o in &r.posture.organisations {
        let who = if o.tenant.is_empty() {
            String::new()
        } else {
            format!(" of {}", o.tenant)
        };
        s.push_str(&format!(
            " Posture{who}: {} / {} (index {:.1}).",
            o.level.label("zh"),
            o.level.label("en"),
            o.index
        ));
    }
    s.push_str(" See `taishi incidents list`, `taishi posture`, `taishi report`.");
    s
}
