#!/usr/bin/env bash
# liaisond's SMTP listener against the SMTP anchors, side by side in one run.
#
# Drives each server with Postfix's smtp-source (one new connection per message, as
# relaying MTAs do) and prints accepted messages per second:
#   sink        Postfix smtp-sink: accepts and discards (the protocol ceiling)
#   ref         ../shared/bench/ref refsmtpd -store file: go-smtp, write + fsync + rename +
#               fsync dir per message (the fsync reference of issue 4)
#   bolt        refsmtpd -store bolt: one bbolt Update (commit + fsync) per message
#   bolt-batch  refsmtpd -store bolt-batch: bbolt db.Batch
#   ref-none    refsmtpd -store none: go-smtp, read and discard
#   liaisond    bench/smtpbench: ingest.SMTPServer over a real store (store.PutMessage,
#               group commit), 250 only after the commit; no parsing
#   liaisond-nostore  the same listener discarding each message (what the store costs)
# Every run starts a fresh server with an empty store, then `sync`, waits (up to
# --quiet-wait s) for the machine to be idle, and checks the stored count afterwards.
# Servers are interleaved within each run; medians over the runs are printed.
#
# Options:
#   --conc LIST        smtp-source -s values (default 1,16)
#   --count N          messages per run at concurrency > 1 (default 1000)
#   --count1 N         messages per run at concurrency 1 (default 300)
#   --size S           message size, a bench/msg.sh size (default 200k)
#   --runs R           repetitions (default 3)
#   --servers LIST     default sink,ref,liaisond
#   --quiet-wait S     wait up to S seconds for an idle machine before each run (default 10)
#   --out DIR          raw.tsv and summary.md (default /tmp/liaison-bench/smtp-liaisond)
#   --spool DIR        stores (default /var/tmp/liaison-bench-spool-liaisond; not /tmp,
#                      see ../shared/bench/RESULTS.md "Noise")
# Needs Go, python3 and smtp-source/smtp-sink (Debian package postfix; installed here
# without configuration if missing, and no Postfix daemon is ever started).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
SHARED="${SHARED_BENCH:-$repo/../shared/bench}"
BENCH_TMP="${BENCH_TMP:-/tmp/liaison-bench}"
DATA="${BENCH_DATA:-$BENCH_TMP/data}"
CONC=1,16; COUNT=1000; COUNT1=300; SIZE=200k; RUNS=3; SERVERS=sink,ref,liaisond; QUIET_WAIT=10
OUT="$BENCH_TMP/smtp-liaisond"; SPOOL="/var/tmp/liaison-bench-spool-liaisond"
while [ $# -gt 0 ]; do
  case "$1" in
    --conc) CONC="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --count1) COUNT1="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --spool) SPOOL="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f "$SHARED/lib.sh" ] || { echo "no reference benchmarks at $SHARED (set SHARED_BENCH)" >&2; exit 1; }
. "$SHARED/lib.sh"   # machine_busy_ticks, proc_ticks, wait_quiet, HZ

# smtp-source and smtp-sink only: Postfix without configuration, no daemon started.
SRC=$(command -v smtp-source || echo /usr/sbin/smtp-source)
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
if [ ! -x "$SRC" ] || [ ! -x "$SINK" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "smtp-source/smtp-sink missing: apt-get install postfix (as root)" >&2; exit 1; }
  echo "installing postfix for smtp-source/smtp-sink (no configuration, no daemon)"
  export DEBIAN_FRONTEND=noninteractive
  policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; policy=1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get install -y -q --no-install-recommends postfix >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends postfix >/dev/null; }
  [ "$policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if postfix status >/dev/null 2>&1; then postfix stop || true; fi
  SRC=/usr/sbin/smtp-source; SINK=/usr/sbin/smtp-sink
fi

mkdir -p "$OUT" "$BENCH_TMP/bin" "$DATA"
BIN="$BENCH_TMP/bin"
rm -f "$BIN/smtpbench.new"   # always this tree's listener
IFS=, read -r -a concs <<<"$CONC"; IFS=, read -r -a servers <<<"$SERVERS"
for s in "${servers[@]}"; do
  case "$s" in
    liaisond*) [ -x "$BIN/smtpbench.new" ] || (cd "$repo" && go build -o "$BIN/smtpbench.new" ./bench/smtpbench) ;;
    ref*|bolt*) [ -x "$BIN/refsmtpd.liaisond" ] || (cd "$SHARED/ref" && go build -o "$BIN/refsmtpd.liaisond" .) ;;
    sink) ;;
    *) echo "unknown server $s" >&2; exit 2 ;;
  esac
done
msg="$DATA/msg-$SIZE.eml"
[ -f "$msg" ] || "$SHARED/msg.sh" "$DATA" "$SIZE" >/dev/null
wire=$(( $(stat -c %s "$msg") + $(wc -l <"$msg") ))   # CRLF on the wire

SINK_USER=(); [ "$(id -u)" -eq 0 ] && SINK_USER=(-u nobody)
port_of() {
  case "$1" in liaisond) echo 12540 ;; ref) echo 12541 ;; sink) echo 12542 ;; bolt) echo 12543 ;;
    bolt-batch) echo 12544 ;; ref-none) echo 12545 ;; liaisond-nostore) echo 12546 ;; esac
}
SPID=""; ADDR=""; LOG="$OUT/server.log"
wait_port() {
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "server on port $1 did not come up (see $LOG)" >&2; return 1
}
start_server() {
  local s="$1" port; port=$(port_of "$s"); ADDR="127.0.0.1:$port"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use" >&2; exit 1; fi
  rm -rf "$SPOOL"; mkdir -p "$SPOOL"
  case "$s" in
    liaisond) "$BIN/smtpbench.new" -addr "$ADDR" -db "$SPOOL/liaisond.db" >"$LOG" 2>&1 & SPID=$! ;;
    liaisond-nostore) "$BIN/smtpbench.new" -nostore -addr "$ADDR" -db "$SPOOL/liaisond.db" >"$LOG" 2>&1 & SPID=$! ;;
    ref) "$BIN/refsmtpd.liaisond" -addr "$ADDR" -store file -dir "$SPOOL" >"$LOG" 2>&1 & SPID=$! ;;
    bolt|bolt-batch|ref-none)
      st=${s#ref-}; "$BIN/refsmtpd.liaisond" -addr "$ADDR" -store "$st" -dir "$SPOOL" >"$LOG" 2>&1 & SPID=$! ;;
    sink) "$SINK" "${SINK_USER[@]}" "$ADDR" 256 >"$LOG" 2>&1 & SPID=$! ;;
  esac
  wait_port "$port"
}
stop_server() {  # sets GOT to the stored count (- for smtp-sink), PUT to liaisond's mean commit wait
  kill -TERM "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
  case "$1" in
    sink) GOT=- ;;
    *) GOT=$(grep -o 'stored [0-9]*' "$LOG" | tail -n1 | cut -d' ' -f2 || true) ;;
  esac
  PUT=$(grep -o 'mean PutMessage [0-9.]*' "$LOG" | cut -d' ' -f3 || true)
}
cleanup() { if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; fi; rm -rf "$SPOOL"; }
trap cleanup EXIT

RAW="$OUT/raw.tsv"
printf 'conc\tserver\trun\tcount\tseconds\tmsg_per_s\tmb_per_s\tstatus\tother_cores\tput_ms\n' >"$RAW"
echo "# bench/smtp.sh $(date -u +%FT%TZ) nproc=$(nproc) size=$SIZE ($wire bytes on the wire) runs=$RUNS servers=$SERVERS"
for c in "${concs[@]}"; do
  n=$COUNT; [ "$c" -le 1 ] && n=$COUNT1
  for r in $(seq "$RUNS"); do
    for s in "${servers[@]}"; do
      start_server "$s"
      sync
      wait_quiet "$QUIET_WAIT" 0.25 >/dev/null
      s0=$(proc_ticks "$SPID"); b0=$(machine_busy_ticks); t0=$(date +%s%N)
      if /usr/bin/time -f '%U %S' -o "$OUT/time.txt" "$SRC" -s "$c" -m "$n" -F "$msg" \
          -f liaison-sender@example.org -t statements@example.net -M bench.localhost "$ADDR" >"$OUT/source.log" 2>&1
      then st=ok; else st=fail; fi
      t1=$(date +%s%N); b1=$(machine_busy_ticks); s1=$(proc_ticks "$SPID")
      src_cpu=$(tail -n1 "$OUT/time.txt" | awk '{ print $1 + $2 }')
      stop_server "$s"
      if [ "$GOT" != - ] && [ "$GOT" != "$n" ]; then st="short:${GOT:-none}"; fi
      awk -v c="$c" -v s="$s" -v r="$r" -v n="$n" -v dt=$((t1 - t0)) -v st="$st" -v w="$wire" -v put="${PUT:--}" \
          -v busy=$((b1 - b0)) -v srv=$((s1 - s0)) -v src="$src_cpu" -v hz="$HZ" \
        'BEGIN { sec = dt / 1e9; other = (busy - srv) / hz - src; if (other < 0) other = 0
                 printf "%d\t%s\t%d\t%d\t%.3f\t%.1f\t%.1f\t%s\t%.2f\t%s\n", c, s, r, n, sec, n / sec, n * w / sec / 1e6, st, other / sec, put }' >>"$RAW"
      tail -n1 "$RAW" | awk -F'\t' '{ printf "  c=%-3s %-16s run %s: %7.1f msg/s %6.1f MB/s  %s  other=%s cores%s\n", $1, $2, $3, $6, $7, $8, $9, ($10 != "-" && $10 != "" ? "  commit wait " $10 " ms" : "") }'
      [ "$st" = ok ] || { echo "  smtp-source:"; tail -n 5 "$OUT/source.log"; }
    done
  done
done

python3 - "$RAW" "$SERVERS" <<'PY' | tee "$OUT/summary.md"
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")]
servers = sys.argv[2].split(",")
concs = sorted({int(r["conc"]) for r in rows})
def med(c, s):
    v = [float(r["msg_per_s"]) for r in rows if int(r["conc"]) == c and r["server"] == s and r["status"] == "ok"]
    return (statistics.median(v), min(v), max(v), len(v)) if v else None
print()
print("median msg/s (min-max, runs ok) per concurrency; ratios of the medians")
print()
print("| conc | " + " | ".join(servers) + (" | liaisond/ref | liaisond/sink |" if "liaisond" in servers else " |"))
print("|---|" + "---|" * len(servers) + ("---|---|" if "liaisond" in servers else ""))
for c in concs:
    cells, m = [], {}
    for s in servers:
        x = med(c, s)
        if x:
            m[s] = x[0]
            cells.append("%.1f (%.0f-%.0f, %d)" % x)
        else:
            cells.append("-")
    line = "| %d | %s |" % (c, " | ".join(cells))
    if "liaisond" in servers:
        r = lambda a: "%.2f" % (m["liaisond"] / m[a]) if "liaisond" in m and a in m else "-"
        line += " %s | %s |" % (r("ref"), r("sink"))
    print(line)
for c in concs:
    w = [float(r["put_ms"]) for r in rows if int(r["conc"]) == c and r["server"] == "liaisond" and r.get("put_ms") not in (None, "", "-")]
    if w:
        print("\nc=%d: liaisond waited %.1f ms (median of the runs' means) in store.PutMessage per message" % (c, statistics.median(w)))
contended = sum(1 for r in rows if float(r["other_cores"]) > 0.15)
if contended:
    print("\n%d of %d runs had other_cores > 0.15 (something else was busy); compare ratios, not absolutes" % (contended, len(rows)))
PY
echo "raw: $RAW"
