#!/bin/sh
# Remakes the EVE fixtures of tests/assets_discovery.rs from real captures:
# the third-party corpus (../shared/corpus/pcaps, see its MANIFEST.tsv) and
# the behaviour detectors' labelled captures of real tools. Records no
# discovery test reads (stats, dns, anomaly, fileinfo) are left out; the
# big real-tools capture keeps only the fields discovery reads, gzipped.
# Run from the repository root after `cargo build -p taishi`.
set -eu
T=${TAISHI:-target/debug/taishi}
P=${CORPUS:-../shared/corpus/pcaps}
B=crates/taishi-detect/src/behaviour/testdata
O=crates/taishi-assess/tests/data/assets-eve
eve() {
    "$T" analyze "$1" --eve - --no-progress --no-behaviour \
        --set app-layer.protocols.http.eve.dump-all-headers=both 2>/dev/null
}
gen() {
    eve "$1" | grep -v -E '"event_type":"(stats|dns|anomaly|fileinfo)"' > "$O/$2.json"
}
gen "$P/ssh/sshguess.pcap" sshguess
gen "$P/http/web.pcap" web
gen "$P/smb/raw_ntlm_in_smb.pcap" raw_ntlm_in_smb
gen "$P/ics/dnp3/dnp3.pcap" dnp3
gen "$P/ics/iec104/TestDissectIec104.pcap" TestDissectIec104
gen "$P/ics/s7comm/s7-1200-hmi.pcap" s7-1200-hmi
gen "$P/tls/tls1.2.pcap" tls1.2
gen "$P/mixed/var-services-std-ports.pcap" var-services-std-ports
gen "$B/modbus.pcap.gz" behaviour-modbus
eve "$B/tools.pcap.gz" | jq -c '
    select(.event_type == "flow" or .event_type == "ssh" or .event_type == "http")
    | {timestamp, flow_id, event_type, src_ip, src_port, dest_ip, dest_port, proto, app_proto}
      + (if .event_type == "flow" then
           {flow: (.flow | {pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, start, "end": .end, state})}
           + (if .tcp then {tcp: (.tcp | {tcp_flags_ts, tcp_flags_tc})} else {} end)
         else {(.event_type): .[.event_type]} end)
    | with_entries(select(.value != null))' | gzip -9 -n > "$O/behaviour-tools.json.gz"
