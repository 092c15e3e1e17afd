#!/bin/sh
# Makes modbus.pcap.gz and modbus.labels.json: a Modbus/TCP PLC (a small
# Python server) polled by its HMI, then written to and probed by another
# host, between two network namespaces. Needs root, tcpdump, python3.
# About 15 s of traffic.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
A=10.99.0.1 HMI=10.99.0.3 PLC=10.99.0.2
NS=${NS:-beh} CLIENTS="$A $HMI" PLCS=$PLC
. "$here/modbus_netns.sh"
capture_start
client $HMI $PLC poll
s=$(ts); client $A $PLC write; w=$(ts); sleep 1
client $HMI $PLC poll & poll=$!
p=$(ts); client $A $PLC probe; q=$(ts)
wait $poll; sleep 1
capture_stop modbus
cat > "$here/modbus.labels.json" <<JSON
{"attacks": [
    {"kind": "modbus_unauthorised_write", "technique": "T0855", "attacker": "$A", "start": "$s", "end": "$w"},
    {"kind": "modbus_function_code_scan", "technique": "T0846", "attacker": "$A", "start": "$p", "end": "$q"}
]}
JSON
