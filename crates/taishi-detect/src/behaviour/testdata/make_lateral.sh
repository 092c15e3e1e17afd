#!/bin/sh
# Makes lateral.pcap.gz and lateral.labels.json: lateral movement (T1021)
# and cleartext credentials (T1552) with real servers and clients, between
# network namespaces joined by a bridge, captured on the bridge.
#
#   servers   10.97.0.11-15 (one namespace, five addresses): OpenSSH sshd,
#             Samba smbd (a guest share), pyftpdlib, busybox telnetd, and a
#             Python HTTP server asking for Basic auth
#   10.97.0.1 a workstation that, after the learning window, opens SSH
#             sessions (ssh, key auth) to three servers it never used
#   10.97.0.2 an admin: SSH and SMB to the servers it always uses, then one
#             new server (below the threshold): must stay quiet
#   10.97.0.3 a workstation that lists SMB shares (smbclient) on three new
#             servers
#   10.97.0.4 a user logging in with FTP (curl), Telnet (telnet) and HTTP
#             Basic auth (curl -u): credentials in the clear
#
# The lateral-movement detector learns pairs for `learning_secs` after the
# first remote-service flow (8 hours by default); the capture spends
# LEARN=20 seconds learning, so its test runs the detector with
# learning_secs 15.
#
# Needs root, tcpdump, OpenSSH (sshd with host keys, ssh, ssh-keygen),
# samba and smbclient, python3 with pyftpdlib (Debian python3-pyftpdlib),
# a busybox with telnetd (Debian's busybox-static; BUSYBOX=path to use
# another), telnet, curl. Bounded: about a minute, under 2000 packets.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp"
BUSYBOX=${BUSYBOX:-busybox}
PY=${PY:-/usr/bin/python3}
LEARN=20
A=10.97.0.1 B=10.97.0.2 C=10.97.0.3 D=10.97.0.4
S1=10.97.0.11 S2=10.97.0.12 S3=10.97.0.13 S4=10.97.0.14 S5=10.97.0.15
"$BUSYBOX" telnetd --help 2>&1 | grep -q 'telnetd' || {
    echo "make_lateral.sh: $BUSYBOX has no telnetd (install busybox-static or set BUSYBOX)" >&2
    exit 1
}
ip netns add lat_s
for h in a b c d; do ip netns add lat_$h; done
cleanup() {
    trap - EXIT INT TERM
    for p in "$tmp"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
    sleep 1
    for n in lat_s lat_a lat_b lat_c lat_d; do ip netns del $n 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip -n lat_s link add lat_br type bridge
ip -n lat_s link set lo up
ip -n lat_s link set lat_br up
for s in $S1 $S2 $S3 $S4 $S5; do ip -n lat_s addr add $s/24 dev lat_br; done
for h in a b c d; do
    case $h in a) addr=$A ;; b) addr=$B ;; c) addr=$C ;; d) addr=$D ;; esac
    ip link add lat_${h}0 type veth peer name lat_${h}1
    ip link set lat_${h}0 netns lat_$h
    ip link set lat_${h}1 netns lat_s
    ip -n lat_$h addr add $addr/24 dev lat_${h}0
    ip -n lat_$h link set lo up
    ip -n lat_$h link set lat_${h}0 up
    ip -n lat_s link set lat_${h}1 master lat_br
    ip -n lat_s link set lat_${h}1 up
done

# SSH: key auth for root with a key made here, nothing of the host's.
ssh-keygen -q -t ed25519 -N '' -f "$tmp/id"
cp "$tmp/id.pub" "$tmp/ak"
mkdir -p /run/sshd
ip netns exec lat_s /usr/sbin/sshd -D -o ListenAddress=0.0.0.0 -o PidFile=none \
    -o AuthorizedKeysFile="$tmp/ak" -o StrictModes=no -o PermitRootLogin=prohibit-password \
    >/dev/null 2>&1 & echo $! > "$tmp/sshd.pid"
# SMB: a guest share, every file smbd keeps under $tmp.
mkdir -p "$tmp/smb/share" "$tmp/smb/private" "$tmp/smb/lock" "$tmp/smb/state" "$tmp/smb/cache" "$tmp/smb/pid" "$tmp/smb/ncalrpc"
echo "quarterly report" > "$tmp/smb/share/report.txt"
cat > "$tmp/smb.conf" <<EOF
[global]
  server role = standalone server
  map to guest = Bad User
  guest account = nobody
  smb ports = 445
  disable netbios = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
  private dir = $tmp/smb/private
  lock directory = $tmp/smb/lock
  state directory = $tmp/smb/state
  cache directory = $tmp/smb/cache
  pid directory = $tmp/smb/pid
  ncalrpc dir = $tmp/smb/ncalrpc
  log file = $tmp/smb/log
[pub]
  path = $tmp/smb/share
  guest ok = yes
  read only = yes
EOF
ip netns exec lat_s smbd --foreground --no-process-group -s "$tmp/smb.conf" >/dev/null 2>&1 & echo $! > "$tmp/smbd.pid"
# FTP, Telnet (a login prompt that reads a user and a password), HTTP Basic.
mkdir -p "$tmp/ftp"
ip netns exec lat_s "$PY" -m pyftpdlib -i 0.0.0.0 -p 21 -d "$tmp/ftp" -u alice -P secret >/dev/null 2>&1 & echo $! > "$tmp/ftpd.pid"
cat > "$tmp/login.sh" <<'SH'
#!/bin/sh
printf 'server login: '; read -r u; printf 'Password: '; read -r p
echo "Welcome, $u."; printf '$ '; read -r c; echo bye
SH
chmod 755 "$tmp/login.sh"
ip netns exec lat_s "$BUSYBOX" telnetd -F -p 23 -l "$tmp/login.sh" >/dev/null 2>&1 & echo $! > "$tmp/telnetd.pid"
cat > "$tmp/basic.py" <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization", "").startswith("Basic ")
        self.send_response(200 if ok else 401)
        if not ok: self.send_header("WWW-Authenticate", 'Basic realm="intranet"')
        self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()
PY
ip netns exec lat_s "$PY" "$tmp/basic.py" >/dev/null 2>&1 & echo $! > "$tmp/http.pid"
ip netns exec lat_s tcpdump -i lat_br -w "$tmp/lateral.pcap" -U >/dev/null 2>&1 & echo $! > "$tmp/tcpdump.pid"
sleep 3

ssh_to() { # namespace, server
    ip netns exec "$1" ssh -q -i "$tmp/id" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 "root@$2" true
}
smb_to() { # namespace, server
    ip netns exec "$1" smbclient -N -s "$tmp/smb.conf" "//$2/pub" -c ls >/dev/null 2>&1
}
ts() { date -u +%Y-%m-%dT%H:%M:%S.%6N+0000; }
labels=""
label() { labels="$labels${labels:+,}
    {\"kind\": \"$1\", \"technique\": \"$2\", \"attacker\": \"$3\", \"start\": \"$4\", \"end\": \"$5\"}"; }

# Learning: the habits of the network.
learn_start=$(date +%s)
ssh_to lat_b $S1; ssh_to lat_b $S2; smb_to lat_b $S1
ssh_to lat_a $S1; smb_to lat_c $S1
sleep $((LEARN - ($(date +%s) - learn_start)))
# After learning: known pairs, and one new pair, from the admin.
ssh_to lat_b $S1; smb_to lat_b $S1; ssh_to lat_b $S3; sleep 1
s=$(ts); ssh_to lat_a $S2; ssh_to lat_a $S3; ssh_to lat_a $S4
label lateral_ssh T1021.004 $A "$s" "$(ts)"; sleep 1
s=$(ts); smb_to lat_c $S2; smb_to lat_c $S3; smb_to lat_c $S5
label lateral_smb T1021.002 $C "$s" "$(ts)"; sleep 1
s=$(ts); ip netns exec lat_d curl -s -m 10 "ftp://alice:secret@$S1/" >/dev/null
label cleartext_ftp T1552 $D "$s" "$(ts)"; sleep 1
s=$(ts); { sleep 1; echo alice; sleep 1; echo secret; sleep 1; echo exit; sleep 1; } |
    ip netns exec lat_d telnet $S2 23 >/dev/null 2>&1 || true
label cleartext_telnet T1552 $D "$s" "$(ts)"; sleep 1
s=$(ts); ip netns exec lat_d curl -s -m 10 -u alice:secret "http://$S3:8080/" >/dev/null
label cleartext_http_basic T1552 $D "$s" "$(ts)"; sleep 2
kill "$(cat "$tmp/tcpdump.pid")"; sleep 1
gzip -9 -c "$tmp/lateral.pcap" > "$out/lateral.pcap.gz"
printf '{"learning_secs": 15, "attacks": [%s\n]}\n' "$labels" > "$out/lateral.labels.json"
