#!/bin/sh
# Makes modbus.pcap.gz and modbus.labels.json: a Modbus/TCP PLC (a small
# Python server) polled by its HMI, then written to and probed by another
# host, between two network namespaces. Needs root, tcpdump, python3.
# About 15 s of traffic.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
A=10.99.0.1 HMI=10.99.0.3 PLC=10.99.0.2
ip netns add beh_a; ip netns add beh_v
cleanup() {
    for p in $tmp/*.pid; do kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del beh_a 2>/dev/null || true; ip netns del beh_v 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip link add beh_va type veth peer name beh_vv
ip link set beh_va netns beh_a; ip link set beh_vv netns beh_v
ip -n beh_a addr add $A/24 dev beh_va; ip -n beh_a addr add $HMI/24 dev beh_va
ip -n beh_v addr add $PLC/24 dev beh_vv
for n in beh_a beh_v; do ip -n $n link set lo up; done
ip -n beh_a link set beh_va up; ip -n beh_v link set beh_vv up
cat > $tmp/plc.py <<'PY'
# Answers reads with zeros, echoes writes, refuses other functions.
import socket, struct, threading
def serve(c):
    while True:
        h = c.recv(7)
        if len(h) < 7: return
        tid, pid, ln, unit = struct.unpack(">HHHB", h)
        pdu = c.recv(ln - 1)
        f = pdu[0]
        if f in (3, 4):
            n = struct.unpack(">H", pdu[3:5])[0]
            r = bytes([f, 2 * n]) + bytes(2 * n)
        elif f in (6, 16):
            r = pdu[:5]
        else:
            r = bytes([f | 0x80, 1])
        c.sendall(struct.pack(">HHHB", tid, 0, len(r) + 1, unit) + r)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 502)); s.listen(8)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cat > $tmp/client.py <<'PY'
# client.py SOURCE MODE: "poll" reads holding registers every 0.5 s for
# 6 s; "write" writes a register and then registers; "probe" tries
# function codes 1..20 and unit ids 1..12.
import socket, struct, sys, time
src, mode = sys.argv[1], sys.argv[2]
c = socket.create_connection(("10.99.0.2", 502), source_address=(src, 0))
tid = 0
def req(unit, pdu):
    global tid
    tid += 1
    c.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
    h = c.recv(7); c.recv(struct.unpack(">HHHB", h)[2] - 1)
if mode == "poll":
    for _ in range(12):
        req(1, struct.pack(">BHH", 3, 0, 10)); time.sleep(0.5)
elif mode == "write":
    req(1, struct.pack(">BHH", 6, 40, 9999)); time.sleep(0.3)
    req(1, struct.pack(">BHHB", 16, 40, 2, 4) + struct.pack(">HH", 1, 2))
else:
    for f in range(1, 21):
        req(1, struct.pack(">BHH", f, 0, 1)); time.sleep(0.05)
    for u in range(1, 13):
        req(u, struct.pack(">BHH", 3, 0, 1)); time.sleep(0.05)
c.close()
PY
ip netns exec beh_v python3 $tmp/plc.py >/dev/null 2>&1 & echo $! > $tmp/plc.pid
ip netns exec beh_v tcpdump -i beh_vv -w $tmp/modbus.pcap -U >/dev/null 2>&1 & echo $! > $tmp/tcpdump.pid
sleep 2
ts() { date -u +%Y-%m-%dT%H:%M:%S.%6N+0000; }
ip netns exec beh_a python3 $tmp/client.py $HMI poll
s=$(ts); ip netns exec beh_a python3 $tmp/client.py $A write; w=$(ts); sleep 1
ip netns exec beh_a python3 $tmp/client.py $HMI poll & poll=$!
p=$(ts); ip netns exec beh_a python3 $tmp/client.py $A probe; q=$(ts)
wait $poll; sleep 1
kill "$(cat $tmp/tcpdump.pid)"; sleep 1
gzip -9 -c $tmp/modbus.pcap > "$out/modbus.pcap.gz"
cat > "$out/modbus.labels.json" <<JSON
{"attacks": [
    {"kind": "modbus_unauthorised_write", "technique": "T0855", "attacker": "$A", "start": "$s", "end": "$w"},
    {"kind": "modbus_function_code_scan", "technique": "T0846", "attacker": "$A", "start": "$p", "end": "$q"}
]}
JSON
