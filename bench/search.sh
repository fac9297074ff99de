#!/usr/bin/env bash
# Sharded search at size (issue #24): the index bytes a query loads and its time, cold (a
# freshly opened page) and warm, in headless Chromium from file://.
#
#   bench/search.sh [SIZES...]        default: 10000 100000 (tasks; 25 vendors)
#
# Builds each generated table (`rolesite gen`) with the release binary into WORK (default
# /dev/shm/rolesite-search-bench, emptied first, removed at the end unless KEEP_WORK=1), prints
# the size of the index, then runs the measuring test (tests/it/search.rs,
# `measure_shards_per_query`) on the seed and these sites. ROUNDS (5) openings per query.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=${WORK:-/dev/shm/rolesite-search-bench}
rm -rf "$work"
mkdir -p "$work"
cargo build --release -q
bin=target/release/rolesite
"$bin" build -q . -o "$work/seed"
sites="seed=$work/seed"
for n in "${sizes[@]}"; do
  "$bin" gen "$work/gen-$n" --items "$n" --vendors 25 2>/dev/null
  "$bin" build -q "$work/gen-$n" -o "$work/out-$n"
  echo "$n tasks: $(find "$work/out-$n/assets/search" -type f | wc -l) shard files," \
    "largest $(find "$work/out-$n/assets/search" -type f -printf '%s\n' | sort -n | tail -1) bytes," \
    "first file $(stat -c %s "$work/out-$n/assets/search-index.js") bytes"
  sites="$sites,$n tasks=$work/out-$n"
done
ROLESITE_BENCH_SITES=$sites cargo test -q --test it search::measure_shards_per_query -- --ignored --nocapture
[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
