#!/usr/bin/env bash
# Whole-process benchmark of `taishi analyze`.
#
# Generates (once) a bench capture of at least 1 GiB, then runs, RUNS times
# each and interleaved so machine noise hits every variant alike:
#   floor  `--read-only`: the same file read and framed, no decoding
#   noapp  decode + flows + reassembly on one worker thread, protocol stage off
#   t1     the whole pipeline (protocols included) on one worker thread
#   t2     the same on two worker threads
#   rules  t1 with the full ET Open rule set loaded (when ../shared/corpus
#          has it; --rules DIR picks another set)
#   behav  t1 with the behavioural detectors (every other variant runs
#          with --no-behaviour, so the figures compare stage by stage)
#   db     t1 writing everything to a fresh SQLite database (--db), with
#          asset discovery and the assessment pass at the end
#   bdb    behav (the default pipeline) with --db: the store's cost on top
#          of what a default run already pays
# and prints the median MB/s, packets/s and peak RSS of each, with the
# ratios the README quotes (noapp/floor, t1/noapp, t2/t1, rules/t1), and
# the rule set's load time and size.
#
#   scripts/bench.sh [--runs N] [--scale X] [--pcap FILE] [--rules DIR] [--only "t1 db ..."] [-- extra analyze args]
#
# TAISHI_BIN names the binary to measure (default target/release/taishi),
# so a build in another target directory can be benchmarked as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
SCALE=1.0
PCAP=out/bench.pcap
RULES=../shared/corpus/rules/et-open
EXTRA=()
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    --pcap) PCAP="$2"; shift 2 ;;
    --rules) RULES="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
BIN="${TAISHI_BIN:-target/release/taishi}"
[ -x "$BIN" ] || [ -n "${TAISHI_BIN:-}" ] || cargo build --release -p taishi
[ -x "$BIN" ] || { echo "$BIN: no such binary" >&2; exit 2; }
mkdir -p "$(dirname "$PCAP")"
if [ ! -s "$PCAP" ]; then
  echo "generating $PCAP (scale $SCALE)..." >&2
  "$BIN" generate --scenario bench --seed 1 --scale "$SCALE" --out "$PCAP"
fi
SIZE=$(stat -c %s "$PCAP")
# Warm the page cache so every variant reads from memory.
cat "$PCAP" > /dev/null

run_one() { # variant -> "seconds packets rss_kib"
  local variant="$1" args=()
  case "$variant" in
    floor) args=(--read-only) ;;
    noapp) args=(--threads 1 --set app-layer.enabled=no --no-behaviour) ;;
    t1) args=(--threads 1 --no-behaviour) ;;
    t2) args=(--threads 2 --no-behaviour) ;;
    rules) args=(--threads 1 --no-behaviour --rules "$RULES") ;;
    behav) args=(--threads 1) ;;
    db) rm -f out/bench.db out/bench.db-wal out/bench.db-shm; args=(--threads 1 --no-behaviour --db out/bench.db) ;;
    bdb) rm -f out/bench.db out/bench.db-wal out/bench.db-shm; args=(--threads 1 --db out/bench.db) ;;
  esac
  local tf; tf=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$tf" "$BIN" analyze "$PCAP" --no-progress "${args[@]}" "${EXTRA[@]}" 2> "$tf.err" > /dev/null
  local pk; pk=$(sed -n 's/^Analysed \([0-9]*\) packets.*/\1/p' "$tf.err")
  read -r secs rss < "$tf"
  rm -f "$tf" "$tf.err"
  echo "$secs $pk $rss"
}

VARIANTS=(floor noapp t1 t2 behav db bdb)
[ -d "$RULES" ] && VARIANTS+=(rules)
if [ -n "$ONLY" ]; then read -r -a VARIANTS <<< "$ONLY"; fi
declare -A SECS PKTS RSS
for i in $(seq 1 "$RUNS"); do
  for v in "${VARIANTS[@]}"; do
    read -r s p r < <(run_one "$v")
    SECS[$v]+="$s "; PKTS[$v]=$p; RSS[$v]+="$r "
  done
done

rm -f out/bench.db out/bench.db-wal out/bench.db-shm
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf "capture: %s, %.2f GiB, %s packets; %s runs each, medians\n" "$PCAP" "$(echo "$SIZE/1073741824" | bc -l)" "${PKTS[t1]}" "$RUNS"
printf "%-6s %10s %12s %14s %12s\n" variant seconds MB/s packets/s peak_RSS_MiB
declare -A RATE
for v in "${VARIANTS[@]}"; do
  s=$(echo "${SECS[$v]}" | median); r=$(echo "${RSS[$v]}" | median)
  mbs=$(echo "$SIZE/$s/1000000" | bc -l); pps=$(echo "${PKTS[$v]}/$s" | bc -l)
  RATE[$v]=$pps
  printf "%-6s %10.2f %12.1f %14.0f %12.1f\n" "$v" "$s" "$mbs" "$pps" "$(echo "$r/1024" | bc -l)"
done
ratio() { # a b -> a/b (call only when both variants ran)
  echo "${RATE[$1]}/${RATE[$2]}" | bc -l
}
ran() { [ -n "${RATE[$1]:-}" ] && [ -n "${RATE[$2]:-}" ]; }
[ -n "${RATE[noapp]:-}" ] && [ -n "${RATE[floor]:-}" ] && [ -n "${RATE[t1]:-}" ] && [ -n "${RATE[t2]:-}" ] && printf "ratios: noapp/floor = %.2f, t1/noapp = %.2f (protocol stage cost %.0f%%), t2/t1 = %.2f\n" \
  "$(echo "${RATE[noapp]}/${RATE[floor]}" | bc -l)" "$(echo "${RATE[t1]}/${RATE[noapp]}" | bc -l)" \
  "$(echo "(1-${RATE[t1]}/${RATE[noapp]})*100" | bc -l)" "$(echo "${RATE[t2]}/${RATE[t1]}" | bc -l)"
# Each ratio only when both of its variants ran (an absent one read as 0
# printed "store cost 100%" after `--only "t1 behav"`).
ran behav t1 && printf "behav/t1 = %.2f (behavioural detectors cost %.0f%%)\n" "$(ratio behav t1)" "$(echo "(1-$(ratio behav t1))*100" | bc -l)"
ran db t1 && printf "db/t1 = %.2f (store cost %.0f%%)\n" "$(ratio db t1)" "$(echo "(1-$(ratio db t1))*100" | bc -l)"
ran bdb behav && printf "bdb/behav = %.2f (store cost on the default pipeline %.0f%%)\n" "$(ratio bdb behav)" "$(echo "(1-$(ratio bdb behav))*100" | bc -l)"
if [ -n "${RATE[rules]:-}" ]; then
  printf "rules/t1 = %.2f (rules: %s)\n" "$(echo "${RATE[rules]}/${RATE[t1]}" | bc -l)" "$RULES"
  # Load time and memory of the rule set alone.
  tf=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$tf" "$BIN" rules check "$RULES" > "$tf.out"
  read -r secs rss < "$tf"
  printf "rule set: %s; rules check %.2f s, peak RSS %.0f MiB\n" "$(grep '^total:' "$tf.out")" "$secs" "$(echo "$rss/1024" | bc -l)"
  rm -f "$tf" "$tf.out"
fi
