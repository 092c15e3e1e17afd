#!/bin/sh
# Makes tools.pcap.gz and tools.labels.json: real attack tools between two
# network namespaces joined by a veth pair, captured on the victim's side.
# Needs root, nmap, hping3, hydra, tcpdump, python3, OpenSSH's sshd (with
# host keys). Bounded in count and time: about 2 minutes, 14k packets.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
A=10.99.0.1 V=10.99.0.2
ip netns add beh_a; ip netns add beh_v
cleanup() {
    for p in $tmp/*.pid; do kill "$(cat "$p")" 2>/dev/null || true; done
    ip netns del beh_a 2>/dev/null || true; ip netns del beh_v 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
ip link add beh_va type veth peer name beh_vv
ip link set beh_va netns beh_a; ip link set beh_vv netns beh_v
ip -n beh_a addr add $A/24 dev beh_va; ip -n beh_v addr add $V/24 dev beh_vv
for n in beh_a beh_v; do ip -n $n link set lo up; done
ip -n beh_a link set beh_va up; ip -n beh_v link set beh_vv up
# A remote network behind the victim (which does not forward): a sweep of an
# on-link network is ARP only, one of a routed network is IP.
ip -n beh_a route add 10.98.0.0/24 via $V
# The victim: a web server on 80, a Basic-auth realm refusing everyone on 8080.
cat > $tmp/auth401.py <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="x"')
        self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("10.99.0.2", 8080), H).serve_forever()
PY
ip netns exec beh_v python3 -m http.server 80 --bind $V >/dev/null 2>&1 & echo $! > $tmp/http.pid
ip netns exec beh_v python3 $tmp/auth401.py >/dev/null 2>&1 & echo $! > $tmp/auth.pid
mkdir -p /run/sshd
ip netns exec beh_v /usr/sbin/sshd -D -o ListenAddress=$V -o PidFile=none -o PasswordAuthentication=yes & echo $! > $tmp/sshd.pid
ip netns exec beh_v tcpdump -i beh_vv -w $tmp/tools.pcap -U >/dev/null 2>&1 & echo $! > $tmp/tcpdump.pid
sleep 2
ts() { date -u +%Y-%m-%dT%H:%M:%S.%6N+0000; }
labels=""
label() { labels="$labels${labels:+,}
    {\"kind\": \"$1\", \"technique\": \"$2\", \"attacker\": \"$A\", \"start\": \"$3\", \"end\": \"$4\"}"; }
s=$(ts); ip netns exec beh_a nmap -sS -p 1-1000 -T4 -n $V >/dev/null; label port_scan T1046 "$s" "$(ts)"; sleep 2
# An ICMP echo sweep of the routed /24.
s=$(ts); ip netns exec beh_a nmap -sn -PE --send-ip -n 10.98.0.0/24 >/dev/null; label host_sweep T1018 "$s" "$(ts)"; sleep 2
s=$(ts); ip netns exec beh_a timeout 20 hping3 -S -p 80 -c 1500 -i u1000 $V >/dev/null 2>&1 || true; label syn_flood T1499.001 "$s" "$(ts)"; sleep 2
s=$(ts); ip netns exec beh_a timeout 20 hping3 --udp -p 9999 -c 6000 -i u100 $V >/dev/null 2>&1 || true; label udp_flood T1498.001 "$s" "$(ts)"; sleep 2
seq -f 'pass%g' 1 30 > $tmp/pw.txt
s=$(ts); ip netns exec beh_a timeout 60 hydra -l admin -P $tmp/pw.txt -t 4 -s 8080 $V http-get / >/dev/null 2>&1 || true
label http_brute_force T1110.001 "$s" "$(ts)"; sleep 2
# 30 passwords, 4 tasks: OpenSSH lets each session try several, so hydra
# opens only about 9 sessions.
s=$(ts); ip netns exec beh_a timeout 120 hydra -l admin -P $tmp/pw.txt -t 4 ssh://$V >/dev/null 2>&1 || true
label ssh_brute_force T1110.001 "$s" "$(ts)"; sleep 2
kill "$(cat $tmp/tcpdump.pid)"; sleep 1
gzip -9 -c $tmp/tools.pcap > "$out/tools.pcap.gz"
printf '{"attacks": [%s\n]}\n' "$labels" > "$out/tools.labels.json"
