#!/usr/bin/env bash
# How fast the IMAP poller takes in a backlog (backfill = true) into a real store, next to,
# in the same run and on the same mailbox:
#   raw        a plain client's `UID FETCH 1:* (BODY.PEEK[])` (../shared/bench/imapfetch.py)
#   imaplib    the same with Python's imaplib
#   storeonly  the store's durable write rate for the same messages (PutMessage, as many
#              concurrent writers as the poller uses; the messages are fetched beforehand)
#   fetchonly  the poller with an Acceptor that discards: its IMAP side alone
#   poller     the poller, Acceptor = store.PutMessage into a fresh bbolt file
# Uses the shared bench's private Dovecot (../shared/bench/dovecot.sh, 127.0.0.1:10143),
# seeded with COUNT copies of a ~200 KB statement, each with its own Message-ID.
#
#   bench/imap.sh [--count 2000] [--size 200k] [--runs 3] [--workers 16]
#
# Stores go to $LIAISOND_BENCH_DIR (default /var/tmp; a single bbolt file per run, removed
# after). Dovecot is stopped at the end if this script started it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
SHARED="${LIAISOND_SHARED_BENCH:-$root/../shared/bench}"
export BENCH_TMP="${BENCH_TMP:-/tmp/liaison-bench}"
DATA="${BENCH_DATA:-$BENCH_TMP/data}"
COUNT=2000; SIZE=200k; RUNS=3; WORKERS=16
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
STOREDIR="${LIAISOND_BENCH_DIR:-/var/tmp}"
mkdir -p "$DATA" "$BENCH_TMP"
[ -f "$DATA/msg-$SIZE.eml" ] || "$SHARED/msg.sh" "$DATA" "$SIZE" >/dev/null
started=""
if ! "$SHARED/dovecot.sh" status >/dev/null 2>&1; then "$SHARED/dovecot.sh" start >&2; started=1; fi
bin="$(mktemp -d "$BENCH_TMP/imapbench.XXXXXX")"
finish() { rm -rf "$bin"; if [ -n "$started" ]; then "$SHARED/dovecot.sh" stop >/dev/null; fi; }
trap finish EXIT
eval "$("$SHARED/dovecot.sh" env)"
(cd "$root" && go build -o "$bin/imapbench" ./bench/imapbench)
"$SHARED/dovecot.sh" seed "$COUNT" "$DATA/msg-$SIZE.eml" --reset >&2
sync

anchor() { python3 "$SHARED/imapfetch.py" --client "$1" --host "$IMAP_HOST" --port "$IMAP_PORT" \
  --user "$IMAP_USER" --password "$IMAP_PASS" --mailbox "$IMAP_MAILBOX" --expect "$COUNT"; }
target() { "$bin/imapbench" -mode "$1" -addr "$IMAP_HOST:$IMAP_PORT" -user "$IMAP_USER" -pass "$IMAP_PASS" \
  -mailbox "$IMAP_MAILBOX" -expect "$COUNT" -workers "$WORKERS" -dir "$STOREDIR"; }

echo "# imap.sh $(date -u +%FT%TZ) nproc=$(nproc) count=$COUNT size=$SIZE ($(stat -c %s "$DATA/msg-$SIZE.eml") bytes) runs=$RUNS workers=$WORKERS store=$STOREDIR"
anchor raw >/dev/null   # warm Dovecot's caches; not ranked
raw="$BENCH_TMP/imap-sh.tsv"; : >"$raw"
for r in $(seq "$RUNS"); do
  for c in raw imaplib storeonly fetchonly poller; do
    case "$c" in raw|imaplib) line=$(anchor "$c") ;; *) line=$(target "$c") ;; esac
    rate=$(sed 's/.*msg_per_s=\([^ ]*\).*/\1/' <<<"$line"); mbs=$(sed 's/.*mb_per_s=\([^ ]*\).*/\1/' <<<"$line")
    printf '%s\t%s\t%s\t%s\n' "$c" "$r" "$rate" "$mbs" >>"$raw"
    printf '  run %s %-9s %8.1f msg/s %7.1f MB/s\n' "$r" "$c" "$rate" "$mbs"
  done
done
python3 - "$raw" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for c, r, rate, mbs in rows:
    by.setdefault(c, []).append(float(rate))
med = {c: statistics.median(v) for c, v in by.items()}
print()
print("| client | median msg/s | min–max | vs raw fetch | vs store only |")
print("|---|---|---|---|---|")
for c in ["raw", "imaplib", "storeonly", "fetchonly", "poller"]:
    v = by[c]
    print("| %s | %.1f | %.1f–%.1f | %.2f | %.2f |" % (c, med[c], min(v), max(v), med[c] / med["raw"], med[c] / med["storeonly"]))
PY
