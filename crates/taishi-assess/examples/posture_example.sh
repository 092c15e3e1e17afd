#!/bin/sh
# Makes posture_example.eve.json: an hour of quiet, the ten-minute demo
# attack scenario, another hour of quiet, as one alert stream.
#
# The quiet hours are the `benign` scenario (the demo site without its
# attacks) at scale 6, shifted in time with editcap (Wireshark) so that they
# end where the attacks start and start where they end. Each capture is
# analysed with the demo rules and the behavioural detectors; only the
# alert records are kept (the posture reads alerts). One thread, so that
# the alerts come out in the same order on every run.
set -eu
TAISHI=${TAISHI:-taishi}
HERE=$(cd "$(dirname "$0")" && pwd)
RULES="$HERE/../../../rules/taishi-demo.rules"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$TAISHI" generate --scenario benign --scale 6 --seed 1 --out "$T/before.raw.pcap"
"$TAISHI" generate --scenario demo --seed 1 --out "$T/demo.pcap"
"$TAISHI" generate --scenario benign --scale 6 --seed 2 --out "$T/after.raw.pcap"
editcap -t -3600 "$T/before.raw.pcap" "$T/before.pcap"   # 07:00-08:00
editcap -t 600 "$T/after.raw.pcap" "$T/after.pcap"       # 08:10-09:10
for f in before demo after; do
    "$TAISHI" analyze "$T/$f.pcap" --eve "$T/$f.eve.json" --rules "$RULES" --threads 1 --no-progress
done
cat "$T/before.eve.json" "$T/demo.eve.json" "$T/after.eve.json" \
    | grep '"event_type":"alert"' > "$HERE/posture_example.eve.json"
cp "$T/demo.labels.json" "$HERE/posture_example.labels.json"
