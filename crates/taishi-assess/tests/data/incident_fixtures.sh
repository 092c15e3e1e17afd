#!/bin/sh
# Regenerates the incident_*.alerts.json fixtures: the alerts Taishi raises
# (behavioural detectors and rules/taishi-demo.rules) on the generated demo
# and on the labelled captures of real tools, one EVE alert per line.
#   crates/taishi-assess/tests/data/incident_fixtures.sh [path/to/taishi]
# Run from the repository root after `cargo build -p taishi`.
set -eu
bin=${1:-target/debug/taishi}
out=crates/taishi-assess/tests/data
src=crates/taishi-detect/src/behaviour/testdata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
analyze() {
    # No intel store: the fixtures must not depend on what a user imported.
    "$bin" analyze --no-progress --threads 1 --intel-dir "$tmp/nointel" \
        --rules rules/taishi-demo.rules --eve "$tmp/$1.eve.json" "$2" >/dev/null
    jq -c 'select(.event_type == "alert")' "$tmp/$1.eve.json" > "$out/incident_$1.alerts.json"
}
"$bin" generate --scenario demo --out "$tmp/demo.pcap" >/dev/null
cp "$tmp/demo.labels.json" "$out/incident_demo.labels.json"
analyze demo "$tmp/demo.pcap"
for n in tools modbus; do
    cp "$src/$n.labels.json" "$out/incident_$n.labels.json"
    analyze "$n" "$src/$n.pcap.gz"
done
wc -l "$out"/incident_*.alerts.json
