#!/bin/sh
# Makes two labelled Modbus/TCP captures between network namespaces, with
# the Python PLC and client of make_modbus.sh. Needs root, tcpdump, python3.
#
# modbus_registry.pcap.gz (about 10 s), with modbus_registry.assets.json,
# the asset registry that declares the PLC, its one authorised peer (the
# HMI) and its permitted function codes (3, 6): the HMI polls and sets a
# setpoint (function 6); a second host, which the registry does not
# authorise, polls too from the start (so learning alone would take it for
# a master) and then writes (6, 16).
#
# modbus_newcomers.pcap.gz (about 160 s): the HMI polls the PLC every 2 s;
# after the detector's default learning window (120 s) a host never seen
# before polls the PLC (a new master), and the HMI starts polling a second
# PLC never seen before (a new device).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HMI=10.99.0.3 ROGUE=10.99.0.4 NEWMASTER=10.99.0.5 PLC=10.99.0.2 NEWPLC=10.99.0.6
NS=${NS:-beh} CLIENTS="$HMI $ROGUE $NEWMASTER" PLCS="$PLC $NEWPLC"
. "$here/modbus_netns.sh"

capture_start
client $HMI $PLC poll 16 0.5 & hmi=$!
sleep 1; client $ROGUE $PLC poll 4 0.5
sleep 1; client $HMI $PLC setpoint
s=$(ts); client $ROGUE $PLC write; w=$(ts)
wait $hmi; sleep 1
capture_stop modbus_registry
cat > "$here/modbus_registry.labels.json" <<JSON
{"attacks": [
    {"kind": "modbus_unauthorised_write", "technique": "T0855", "attacker": "$ROGUE", "start": "$s", "end": "$w"}
]}
JSON
cat > "$here/modbus_registry.assets.json" <<JSON
[
    {"address": "10.99.0.0/24", "name": "Test OT network", "zone": "OT", "role": "network"},
    {"address": "$PLC", "name": "PLC", "zone": "L1", "role": "plc", "criticality": 5,
     "authorised_peers": ["$HMI"], "protocols": ["modbus"], "function_codes": ["modbus:3", "modbus:6"]},
    {"address": "$HMI", "name": "HMI", "zone": "L2", "role": "hmi", "criticality": 4}
]
JSON

capture_start
client $HMI $PLC poll 80 2 & hmi=$!
sleep 130
m=$(ts); client $NEWMASTER $PLC poll 6 0.5; n=$(ts)
sleep 2
d=$(ts); client $HMI $NEWPLC poll 6 0.5; e=$(ts)
wait $hmi; sleep 1
capture_stop modbus_newcomers
cat > "$here/modbus_newcomers.labels.json" <<JSON
{"attacks": [
    {"kind": "ics_new_master", "technique": "T0848", "attacker": "$NEWMASTER", "start": "$m", "end": "$n"},
    {"kind": "ics_new_device", "technique": "T0864", "attacker": "$NEWPLC", "start": "$d", "end": "$e"}
]}
JSON
