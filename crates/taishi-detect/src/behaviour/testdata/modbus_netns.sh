# Sourced by the make_modbus*.sh scripts (after setting here=, NS=, CLIENTS=
# and PLCS=): two network namespaces ${NS}_a (the clients' addresses) and
# ${NS}_v (the PLCs'), joined by a veth pair in one /24; one Python PLC
# (modbus_plc.py) per address of PLCS; a scratch folder $tmp. Everything is
# removed on exit.
tmp=$(mktemp -d)
ip netns add ${NS}_a; ip netns add ${NS}_v
cleanup() {
    for p in $tmp/*.pid; do kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del ${NS}_a 2>/dev/null || true; ip netns del ${NS}_v 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip link add ${NS}_va type veth peer name ${NS}_vv
ip link set ${NS}_va netns ${NS}_a; ip link set ${NS}_vv netns ${NS}_v
for a in $CLIENTS; do ip -n ${NS}_a addr add $a/24 dev ${NS}_va; done
for a in $PLCS; do ip -n ${NS}_v addr add $a/24 dev ${NS}_vv; done
for n in ${NS}_a ${NS}_v; do ip -n $n link set lo up; done
ip -n ${NS}_a link set ${NS}_va up; ip -n ${NS}_v link set ${NS}_vv up
for a in $PLCS; do
    ip netns exec ${NS}_v python3 "$here/modbus_plc.py" $a >/dev/null 2>&1 & echo $! > $tmp/plc-$a.pid
done
sleep 1
# client SOURCE PLC MODE [COUNT PERIOD]: one modbus_client.py connection.
client() { ip netns exec ${NS}_a python3 "$here/modbus_client.py" "$@"; }
ts() { date -u +%Y-%m-%dT%H:%M:%S.%6N+0000; }
# capture_start / capture_stop NAME: tcpdump on the PLCs' side into NAME.pcap.gz.
capture_start() {
    ip netns exec ${NS}_v tcpdump -i ${NS}_vv -w $tmp/cap.pcap -U >/dev/null 2>&1 & echo $! > $tmp/tcpdump.pid
    sleep 2
}
capture_stop() {
    kill "$(cat $tmp/tcpdump.pid)"; rm $tmp/tcpdump.pid; sleep 1
    gzip -9 -c $tmp/cap.pcap > "$here/$1.pcap.gz"; rm $tmp/cap.pcap
}
