#!/usr/bin/env bash
# What a reader of a large table loads (issue #24), in headless Chromium from file://: the
# pages of each kind `urls.json` lists (number, average, largest), the first contentful
# paint of the ten largest pages, and the search: the index bytes a query loads and its
# time, cold (a freshly opened page) and warm.
#
#   bench/reading.sh [SIZES...]       default: 10000 100000 (tasks; 25 vendors)
#
# Builds each generated table (`rolesite gen`) with the release binary into WORK (default
# /dev/shm/rolesite-reading-bench, emptied first, removed at the end unless KEEP_WORK=1),
# prints the size of the search index, then runs the measuring test (tests/it/search.rs,
# `measure_reading_at_size`) on the seed and these sites. ROUNDS (5) openings per query.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=${WORK:-/dev/shm/rolesite-reading-bench}
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
ROLESITE_BENCH_SITES=$sites cargo test -q --test it search::measure_reading_at_size -- --ignored --nocapture
[ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
