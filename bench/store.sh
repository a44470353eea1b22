#!/usr/bin/env bash
# The store against the file+fsync reference, side by side, in interleaved rounds.
#
# Runs BenchmarkPut200K (store/bench_test.go: 200 KB messages, durable) for the store and
# for one file + fsync per message (write, fsync, rename, fsync the folder: the shared
# bench's reference), at 1 and 16 concurrent writers, ROUNDS times, alternating which goes
# first, and prints each round and the medians. The disk here is shared and its fsync rate
# drifts by 2x within minutes, so only ratios of neighbouring runs mean anything; the
# median of the per-round ratios is the number to quote.
#
# Usage: bench/store.sh [ROUNDS] (default 5). Files go under $LIAISOND_BENCH_DIR
# (default /var/tmp: not /tmp, see ../shared/bench/RESULTS.md "Noise").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="${1:-5}"
export LIAISOND_BENCH_DIR="${LIAISOND_BENCH_DIR:-/var/tmp}"
bin="$(mktemp -d)/store.test"
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$here/.." && go test -c -o "$bin" ./store)

rate() { # rate SUB CONC: msg/s of one run
  "$bin" -test.run '^$' -test.bench "^BenchmarkPut200K$/^$1/c=$2\$" -test.benchtime 1000x |
    awk '/msg\/s/ { print $(NF-1) }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# bench/store.sh $(date -u +%FT%TZ) nproc=$(nproc) rounds=$rounds dir=$LIAISOND_BENCH_DIR"
for c in 1 16; do
  files=() stores=() ratios=()
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) -eq 1 ]; then f=$(rate file-fsync "$c"); s=$(rate store "$c")
    else s=$(rate store "$c"); f=$(rate file-fsync "$c"); fi
    ratio=$(awk -v s="$s" -v f="$f" 'BEGIN { printf "%.2f", s / f }')
    printf 'c=%-2s round %d: file+fsync %7.1f msg/s  store %7.1f msg/s  store/file %s\n' "$c" "$r" "$f" "$s" "$ratio"
    files+=("$f") stores+=("$s") ratios+=("$ratio")
  done
  printf 'c=%-2s median: file+fsync %s msg/s, store %s msg/s, median store/file %s\n' "$c" \
    "$(printf '%s\n' "${files[@]}" | median)" "$(printf '%s\n' "${stores[@]}" | median)" \
    "$(printf '%s\n' "${ratios[@]}" | median)"
done
