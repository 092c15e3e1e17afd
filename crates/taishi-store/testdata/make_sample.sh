#!/usr/bin/env bash
# Makes demo-sample.json.gz: real EVE output of `taishi analyze` on the
# generated demo scenario (the first 4000 records, plus every alert), for
# the store's tests and its ingest benchmark.
set -euo pipefail
cd "$(dirname "$0")/../../.."
cargo build --release -p taishi
tmp=$(mktemp -d)
target/release/taishi generate --scenario demo --seed 1 --out "$tmp/demo.pcap"
target/release/taishi analyze "$tmp/demo.pcap" --eve "$tmp/demo.json" \
  --rules rules/taishi-demo.rules --no-progress
(head -4000 "$tmp/demo.json" | grep -v '"event_type":"alert"'
 grep '"event_type":"alert"' "$tmp/demo.json") | gzip -9 > crates/taishi-store/testdata/demo-sample.json.gz
rm -r "$tmp"
