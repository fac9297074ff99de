#!/usr/bin/env bash
# Load on `rolesite serve` (release) with oha: 200 concurrent connections on loopback,
# fetching an item page, the matrix (the largest page) and the stylesheet. Needs `oha`
# (cargo install oha). Prints oha's summary for each URL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-20000}
cargo build --release -q
work=$(mktemp -d)
target/release/rolesite serve . --port 0 -o "$work/out" > "$work/addr" 2> "$work/log" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q http "$work/addr" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[^ ]*' "$work/addr")
for path in items/704/ matrix/ assets/style.css; do
  echo "== ${base}${path}: $n requests, 200 connections"
  oha --no-tui -c 200 -n "$n" "${base}${path}" | grep -E 'Success rate|Total:|Slowest|Fastest|Average|Requests/sec|\[200\]|\[[0-9]{3}\]|Error'
done
