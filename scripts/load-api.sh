#!/bin/bash
# The Overview API under load: wrk against `taishi serve` on a database of
# a million alerts, every endpoint the Overview polls, then a flood of
# public submissions from one address while the posture is measured.
#
#   scripts/load-api.sh [--db PATH] [--seconds N]
#
# The database is made when absent (the server's `load` example writes
# 1,000,000 synthetic alerts in 100 incidents, then `taishi assess`
# correlates the rest and computes the posture series). Needs wrk. Client
# and server share the machine: the figures are a floor. TAISHI_BIN names
# the binary (default target/release/taishi).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=out/load-api.db
SECS=15
while [ $# -gt 0 ]; do
  case "$1" in
    --db) DB="$2"; shift 2 ;;
    --seconds) SECS="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
BIN="${TAISHI_BIN:-target/release/taishi}"
[ -x "$BIN" ] || [ -n "${TAISHI_BIN:-}" ] || cargo build --release -p taishi
if [ ! -s "$DB" ]; then
  mkdir -p "$(dirname "$DB")"
  cargo run --release -q -p taishi-server --example load -- "$DB" 1000000 1 2
  "$BIN" assess --db "$DB" >/dev/null
fi
PORT=${PORT:-18080}
LOG=$(mktemp)
"$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -f "$LOG" "$LUA"' EXIT
LUA=$(mktemp --suffix=.lua)
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/openapi.json" && break
  sleep 0.2
done
TOKEN=$("$BIN" users list --db "$DB" | awk '$2=="admin"{print $1; exit}' | xargs -I{} "$BIN" users token {} --name load-api --db "$DB")
run() {
  local out
  out=$(wrk -t2 -c32 -d"${SECS}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/$1")
  printf '%-75s %10s req/s  p50 %8s  p99 %8s %s\n' "$1" \
    "$(echo "$out" | awk '/Requests\/sec/{print $2}')" \
    "$(echo "$out" | awk '$1=="50%"{print $2}')" \
    "$(echo "$out" | awk '$1=="99%"{print $2}')" \
    "$(echo "$out" | awk '/Non-2xx/{print "NON-2xx: " $NF}')"
}
PATHS=("posture?scope=org" "posture/drilldown?scope=org"
  "incidents?status=new,acknowledged,investigating&order=severity&limit=200"
  "assets?limit=1000" "flows/summary?group=app_proto&limit=50"
  "submissions?status=received,triaged&limit=200" "submissions/stats")
# Steady state, as a server that has been up: one request each first
# (the first summary of a scope is computed on a start).
for path in "${PATHS[@]}"; do
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/$path"
done
echo "Overview endpoints (wrk -t2 -c32 -d${SECS}s):"
for path in "${PATHS[@]}"; do
  run "$path"
done
cat >"$LUA" <<'LUA'
wrk.method = "POST"
wrk.body = '{"kind":"feedback","title":"flood","description":"the same address, again and again"}'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "Portal flood from one address, posture measured meanwhile:"
FLOOD=$(mktemp)
wrk -t1 -c16 -d"$((SECS + 3))s" -s "$LUA" "http://127.0.0.1:$PORT/api/v1/public/submissions" >"$FLOOD" &
FLOODER=$!
sleep 1
run "posture?scope=org"
wait $FLOODER
echo "flood: $(awk '/Requests\/sec/{print $2}' "$FLOOD") req/s, $(awk '/requests in/{print $1}' "$FLOOD") sent, $(awk '/Non-2xx/{print $NF}' "$FLOOD") refused"
rm -f "$FLOOD"
